//! Intra prediction (8.3): Intra_4x4 (9 modes), Intra_16x16 (4 modes) and 4:2:0 chroma (4 modes).
//!
//! Predictors work on gathered neighbour samples, so they neither know nor care where the
//! samples came from; [`gather`] reads them from the current picture's (unfiltered)
//! reconstruction.

use crate::common::{MbInfo, MbPos, MbType};
use crate::picture::Plane;

/// Intra_4x4 prediction modes (Table 8-2).
pub mod i4 {
    /// Vertical.
    pub const V: u8 = 0;
    /// Horizontal.
    pub const H: u8 = 1;
    /// DC.
    pub const DC: u8 = 2;
    /// Diagonal down-left.
    pub const DDL: u8 = 3;
    /// Diagonal down-right.
    pub const DDR: u8 = 4;
    /// Vertical-right.
    pub const VR: u8 = 5;
    /// Horizontal-down.
    pub const HD: u8 = 6;
    /// Vertical-left.
    pub const VL: u8 = 7;
    /// Horizontal-up.
    pub const HU: u8 = 8;
}

/// Intra_16x16 prediction modes (Table 8-4).
pub mod i16 {
    /// Vertical.
    pub const V: u8 = 0;
    /// Horizontal.
    pub const H: u8 = 1;
    /// DC.
    pub const DC: u8 = 2;
    /// Plane (implemented, never chosen by the encoder).
    #[allow(dead_code)]
    pub const PLANE: u8 = 3;
}

/// Chroma intra prediction modes (Table 7-16).
pub mod chroma {
    /// DC.
    pub const DC: u8 = 0;
    /// Horizontal.
    pub const H: u8 = 1;
    /// Vertical.
    pub const V: u8 = 2;
    /// Plane (implemented, never chosen by the encoder).
    #[allow(dead_code)]
    pub const PLANE: u8 = 3;
}

/// Neighbour samples of an N x N block: `top` holds p[x, -1] for x in 0..2N (the second half is
/// the top-right, meaningful for 4x4 blocks only), `left` holds p[-1, y], `top_left` p[-1, -1].
#[derive(Debug, Clone, Copy)]
pub struct Neighbours<const N: usize> {
    /// p[x, -1], x = 0..2N.
    pub top: [u8; 32],
    /// p[-1, y], y = 0..N.
    pub left: [u8; 16],
    /// p[-1, -1].
    pub top_left: u8,
    /// Whether the top row exists.
    pub has_top: bool,
    /// Whether the left column exists.
    pub has_left: bool,
    /// Whether p[-1, -1] exists.
    pub has_top_left: bool,
}

/// Reads the neighbours of the `n` x `n` block at (x, y) of `plane`, given which of them are
/// available. Missing top-right samples are replaced by p[n-1, -1] (8.3.1.2).
#[allow(clippy::too_many_arguments)]
pub fn gather<const N: usize>(
    plane: &Plane,
    x: usize,
    y: usize,
    has_top: bool,
    has_left: bool,
    has_top_left: bool,
    has_top_right: bool,
) -> Neighbours<N> {
    let mut nb = Neighbours::<N> {
        top: [128; 32],
        left: [128; 16],
        top_left: 128,
        has_top,
        has_left,
        has_top_left,
    };
    if has_top {
        let row = plane.row(y - 1);
        nb.top[..N].copy_from_slice(&row[x..x + N]);
        if has_top_right {
            nb.top[N..2 * N].copy_from_slice(&row[x + N..x + 2 * N]);
        } else {
            let last = nb.top[N - 1];
            nb.top[N..2 * N].fill(last);
        }
    }
    if has_left {
        // One index computation and one bounds check for the column, not one per sample.
        let o = plane.offset(x as isize - 1, y as isize);
        let column = &plane.data[o..=o + (N - 1) * plane.stride];
        for (i, v) in nb.left[..N].iter_mut().enumerate() {
            *v = column[i * plane.stride];
        }
    }
    if has_top_left {
        nb.top_left = plane.at(x - 1, y - 1);
    }
    nb
}

/// Whether an Intra_4x4 mode can be used with these neighbours (8.3.1.2.x preconditions).
pub fn mode4x4_available(mode: u8, nb: &Neighbours<4>) -> bool {
    match mode {
        i4::V | i4::DDL | i4::VL => nb.has_top,
        i4::H | i4::HU => nb.has_left,
        i4::DC => true,
        _ => nb.has_top && nb.has_left && nb.has_top_left,
    }
}

/// The value of Intra_4x4 DC prediction (8.3.1.2.3).
pub fn dc4x4(nb: &Neighbours<4>) -> u8 {
    let st: u32 = nb.top[..4].iter().map(|&v| u32::from(v)).sum();
    let sl: u32 = nb.left[..4].iter().map(|&v| u32::from(v)).sum();
    (match (nb.has_top, nb.has_left) {
        (true, true) => (st + sl + 4) >> 3,
        (false, true) => (sl + 2) >> 2,
        (true, false) => (st + 2) >> 2,
        (false, false) => 128,
    }) as u8
}

/// Intra_4x4 prediction (8.3.1.2.1 to 8.3.1.2.9) into `out` (raster 4x4).
///
/// The six diagonal modes are [`crate::dsp::scalar::predict4x4_diag`]'s (the axis modes
/// [`predict4x4_generic`]'s).
#[inline]
pub fn predict4x4(mode: u8, nb: &Neighbours<4>, out: &mut [u8; 16]) {
    if mode <= i4::DC || mode > i4::HU {
        predict4x4_generic(mode, nb, out);
        return;
    }
    let (top, left) = diag_edge(nb);
    crate::dsp::scalar::predict4x4_diag(top, left, nb.top_left, mode, out);
}

/// The edge [`crate::dsp::Predict4x4DiagFn`] takes: p[0..8, -1] and p[-1, 0..4] as
/// little-endian words.
#[inline]
pub fn diag_edge(nb: &Neighbours<4>) -> (u64, u32) {
    (
        u64::from_le_bytes(nb.top[..8].try_into().expect("8 samples")),
        u32::from_le_bytes(nb.left[..4].try_into().expect("4 samples")),
    )
}

/// Intra_4x4 prediction sample by sample as the specification writes it: [`predict4x4`]'s
/// axis modes, and the reference its diagonal modes are tested against.
pub fn predict4x4_generic(mode: u8, nb: &Neighbours<4>, out: &mut [u8; 16]) {
    // p(x, y) with x == -1 or y == -1 as in the specification.
    let p = |x: i32, y: i32| -> i32 {
        if y == -1 {
            if x == -1 {
                i32::from(nb.top_left)
            } else {
                i32::from(nb.top[x as usize])
            }
        } else {
            debug_assert_eq!(x, -1);
            i32::from(nb.left[y as usize])
        }
    };
    // One loop per mode (the mode is not re-examined per sample). Each row is assembled in a
    // register and written with one 4-byte store, so the SIMD kernels' 4-byte row loads right
    // after can be forwarded from the store buffer.
    #[inline(always)]
    fn fill(out: &mut [u8; 16], f: impl Fn(i32, i32) -> i32) {
        for y in 0..4i32 {
            let mut row = 0u32;
            for x in 0..4i32 {
                row |= u32::from(f(x, y) as u8) << (8 * x);
            }
            out[(y * 4) as usize..][..4].copy_from_slice(&row.to_le_bytes());
        }
    }
    match mode {
        i4::V => fill(out, |x, _| p(x, -1)),
        i4::H => fill(out, |_, y| p(-1, y)),
        i4::DC => {
            let v = i32::from(dc4x4(nb));
            fill(out, |_, _| v)
        }
        i4::DDL => fill(out, |x, y| {
            if x == 3 && y == 3 {
                (p(6, -1) + 3 * p(7, -1) + 2) >> 2
            } else {
                (p(x + y, -1) + 2 * p(x + y + 1, -1) + p(x + y + 2, -1) + 2) >> 2
            }
        }),
        i4::DDR => fill(out, |x, y| {
            if x > y {
                (p(x - y - 2, -1) + 2 * p(x - y - 1, -1) + p(x - y, -1) + 2) >> 2
            } else if x < y {
                (p(-1, y - x - 2) + 2 * p(-1, y - x - 1) + p(-1, y - x) + 2) >> 2
            } else {
                (p(0, -1) + 2 * p(-1, -1) + p(-1, 0) + 2) >> 2
            }
        }),
        i4::VR => fill(out, |x, y| {
            let z = 2 * x - y;
            if z >= 0 && z % 2 == 0 {
                (p(x - (y >> 1) - 1, -1) + p(x - (y >> 1), -1) + 1) >> 1
            } else if z > 0 {
                (p(x - (y >> 1) - 2, -1) + 2 * p(x - (y >> 1) - 1, -1) + p(x - (y >> 1), -1) + 2)
                    >> 2
            } else if z == -1 {
                (p(-1, 0) + 2 * p(-1, -1) + p(0, -1) + 2) >> 2
            } else {
                (p(-1, y - 1) + 2 * p(-1, y - 2) + p(-1, y - 3) + 2) >> 2
            }
        }),
        i4::HD => fill(out, |x, y| {
            let z = 2 * y - x;
            if z >= 0 && z % 2 == 0 {
                (p(-1, y - (x >> 1) - 1) + p(-1, y - (x >> 1)) + 1) >> 1
            } else if z > 0 {
                (p(-1, y - (x >> 1) - 2) + 2 * p(-1, y - (x >> 1) - 1) + p(-1, y - (x >> 1)) + 2)
                    >> 2
            } else if z == -1 {
                (p(-1, 0) + 2 * p(-1, -1) + p(0, -1) + 2) >> 2
            } else {
                (p(x - 1, -1) + 2 * p(x - 2, -1) + p(x - 3, -1) + 2) >> 2
            }
        }),
        i4::VL => fill(out, |x, y| {
            if y % 2 == 0 {
                (p(x + (y >> 1), -1) + p(x + (y >> 1) + 1, -1) + 1) >> 1
            } else {
                (p(x + (y >> 1), -1) + 2 * p(x + (y >> 1) + 1, -1) + p(x + (y >> 1) + 2, -1) + 2)
                    >> 2
            }
        }),
        _ => fill(out, |x, y| {
            // i4::HU
            let z = x + 2 * y;
            if z < 5 && z % 2 == 0 {
                (p(-1, y + (x >> 1)) + p(-1, y + (x >> 1) + 1) + 1) >> 1
            } else if z < 5 {
                (p(-1, y + (x >> 1)) + 2 * p(-1, y + (x >> 1) + 1) + p(-1, y + (x >> 1) + 2) + 2)
                    >> 2
            } else if z == 5 {
                (p(-1, 2) + 3 * p(-1, 3) + 2) >> 2
            } else {
                p(-1, 3)
            }
        }),
    }
}

/// Whether an Intra_16x16 (or, with the same rules, chroma) mode can be used.
pub fn mode16x16_available(mode: u8, nb: &Neighbours<16>) -> bool {
    match mode {
        i16::V => nb.has_top,
        i16::H => nb.has_left,
        i16::DC => true,
        _ => nb.has_top && nb.has_left && nb.has_top_left,
    }
}

/// Intra_16x16 prediction (8.3.3) into `out` (raster 16x16).
pub fn predict16x16(mode: u8, nb: &Neighbours<16>, out: &mut [u8; 256]) {
    match mode {
        i16::V => {
            for row in out.chunks_exact_mut(16) {
                row.copy_from_slice(&nb.top[..16]);
            }
        }
        i16::H => {
            for (y, row) in out.chunks_exact_mut(16).enumerate() {
                row.fill(nb.left[y]);
            }
        }
        i16::DC => {
            let st: u32 = nb.top[..16].iter().map(|&v| u32::from(v)).sum();
            let sl: u32 = nb.left[..16].iter().map(|&v| u32::from(v)).sum();
            let dc = match (nb.has_top, nb.has_left) {
                (true, true) => (st + sl + 16) >> 5,
                (false, true) => (sl + 8) >> 4,
                (true, false) => (st + 8) >> 4,
                (false, false) => 128,
            };
            out.fill(dc as u8);
        }
        _ => plane_predict::<16>(nb, 5, out),
    }
}

/// Whether a chroma mode can be used.
pub fn chroma_mode_available(mode: u8, nb: &Neighbours<8>) -> bool {
    match mode {
        chroma::V => nb.has_top,
        chroma::H => nb.has_left,
        chroma::DC => true,
        _ => nb.has_top && nb.has_left && nb.has_top_left,
    }
}

/// 4:2:0 chroma prediction of one 8x8 chroma block (8.3.4) into `out` (raster 8x8).
pub fn predict_chroma(mode: u8, nb: &Neighbours<8>, out: &mut [u8; 64]) {
    match mode {
        chroma::DC => {
            // 8.3.4.1-3: each 4x4 chroma block has its own DC with its own preference order.
            for by in 0..2 {
                for bx in 0..2 {
                    let st: u32 = nb.top[bx * 4..bx * 4 + 4]
                        .iter()
                        .map(|&v| u32::from(v))
                        .sum();
                    let sl: u32 = nb.left[by * 4..by * 4 + 4]
                        .iter()
                        .map(|&v| u32::from(v))
                        .sum();
                    let (t, l) = (nb.has_top, nb.has_left);
                    let dc = if bx == by {
                        match (t, l) {
                            (true, true) => (st + sl + 4) >> 3,
                            (false, true) => (sl + 2) >> 2,
                            (true, false) => (st + 2) >> 2,
                            (false, false) => 128,
                        }
                    } else if bx == 1 {
                        // top-right block prefers the top samples
                        if t {
                            (st + 2) >> 2
                        } else if l {
                            (sl + 2) >> 2
                        } else {
                            128
                        }
                    } else if l {
                        // bottom-left block prefers the left samples
                        (sl + 2) >> 2
                    } else if t {
                        (st + 2) >> 2
                    } else {
                        128
                    };
                    for y in 0..4 {
                        let s = (by * 4 + y) * 8 + bx * 4;
                        out[s..s + 4].fill(dc as u8);
                    }
                }
            }
        }
        chroma::H => {
            for (y, row) in out.chunks_exact_mut(8).enumerate() {
                row.fill(nb.left[y]);
            }
        }
        chroma::V => {
            for row in out.chunks_exact_mut(8) {
                row.copy_from_slice(&nb.top[..8]);
            }
        }
        _ => plane_predict::<8>(nb, 34, out),
    }
}

/// Plane prediction shared by Intra_16x16 (N = 16, scale 5) and 4:2:0 chroma (N = 8, scale 34):
/// 8.3.3.4 and 8.3.4.4.
fn plane_predict<const N: usize>(nb: &Neighbours<N>, scale: i32, out: &mut [u8]) {
    let n = N as i32;
    let half = n / 2;
    let top = |x: i32| -> i32 {
        if x < 0 {
            i32::from(nb.top_left)
        } else {
            i32::from(nb.top[x as usize])
        }
    };
    let left = |y: i32| -> i32 {
        if y < 0 {
            i32::from(nb.top_left)
        } else {
            i32::from(nb.left[y as usize])
        }
    };
    let mut h = 0;
    let mut v = 0;
    for k in 0..half {
        h += (k + 1) * (top(half + k) - top(half - 2 - k));
        v += (k + 1) * (left(half + k) - left(half - 2 - k));
    }
    let a = 16 * (left(n - 1) + top(n - 1));
    let (shift_b, round) = (6, 32);
    let b = (scale * h + round) >> shift_b;
    let c = (scale * v + round) >> shift_b;
    let centre = half - 1;
    // a + b (x - centre) + c (y - centre) + 16 lies within -11 000..20 000 for 8-bit samples
    // (16x16: |b|, |c| <= 717; chroma: <= 1355), so rows of i16 hold it exactly, and each row
    // is the one above plus c: the loops vectorise.
    let mut row = [0i16; N];
    for (x, v) in row.iter_mut().enumerate() {
        *v = (a + b * (x as i32 - centre) - c * centre + 16) as i16;
    }
    let c = c as i16;
    for line in out[..N * N].chunks_exact_mut(N) {
        for (o, &v) in line.iter_mut().zip(&row) {
            *o = (v >> 5).clamp(0, 255) as u8;
        }
        for v in row.iter_mut() {
            *v += c;
        }
    }
}

/// predIntra4x4PredMode for raster block `raster` of the current macroblock (8.3.1.1), whose
/// already chosen modes are `cur_modes`. A neighbour macroblock that is unavailable makes the
/// prediction DC (2); one that is not I4x4 counts as DC.
pub fn predicted_i4_mode(mbs: &[MbInfo], pos: &MbPos, cur_modes: &[u8; 16], raster: usize) -> u8 {
    let (bx, by) = (raster % 4, raster / 4);
    let mode_of = |m: &MbInfo, r: usize| {
        if m.mb_type == MbType::I4x4 {
            m.intra4x4_modes[r]
        } else {
            i4::DC
        }
    };
    let a = if bx > 0 {
        Some(cur_modes[raster - 1])
    } else {
        pos.left.map(|l| mode_of(&mbs[l], raster + 3))
    };
    let b = if by > 0 {
        Some(cur_modes[raster - 4])
    } else {
        pos.top.map(|t| mode_of(&mbs[t], raster + 12))
    };
    match (a, b) {
        (Some(a), Some(b)) => a.min(b),
        _ => i4::DC,
    }
}

/// Whether the top-right samples of 4x4 block (bx, by) are available (6.4.11.4): inside the
/// macroblock only when that block is already decoded; on the top row they come from the
/// macroblock above (or above-right for bx == 3).
pub fn top_right_available_4x4(pos: &MbPos, bx: usize, by: usize) -> bool {
    if by == 0 {
        if bx < 3 {
            pos.top.is_some()
        } else {
            pos.top_right.is_some()
        }
    } else {
        bx < 3 && !(bx == 1 && (by == 1 || by == 3))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The diagonal modes from the edge's averages and filters equal the specification's
        /// sample-by-sample formulas.
        #[test]
        fn predict4x4_equals_generic(
            top in proptest::array::uniform8(proptest::prelude::any::<u8>()),
            left in proptest::array::uniform4(proptest::prelude::any::<u8>()),
            tl in proptest::prelude::any::<u8>(),
        ) {
            let nb = nb4(top, left, tl);
            for mode in 0..9u8 {
                let (mut got, mut want) = ([0u8; 16], [0u8; 16]);
                predict4x4(mode, &nb, &mut got);
                predict4x4_generic(mode, &nb, &mut want);
                proptest::prop_assert_eq!(got, want, "mode {}", mode);
            }
        }
    }

    fn nb4(top: [u8; 8], left: [u8; 4], tl: u8) -> Neighbours<4> {
        let mut t = [0u8; 32];
        t[..8].copy_from_slice(&top);
        let mut l = [0u8; 16];
        l[..4].copy_from_slice(&left);
        Neighbours {
            top: t,
            left: l,
            top_left: tl,
            has_top: true,
            has_left: true,
            has_top_left: true,
        }
    }

    #[test]
    fn simple_4x4_modes() {
        let nb = nb4([10, 20, 30, 40, 50, 60, 70, 80], [1, 2, 3, 4], 5);
        let mut out = [0u8; 16];
        predict4x4(i4::V, &nb, &mut out);
        assert_eq!(&out[12..16], &[10, 20, 30, 40]);
        predict4x4(i4::H, &nb, &mut out);
        assert_eq!(&out[8..12], &[3, 3, 3, 3]);
        predict4x4(i4::DC, &nb, &mut out);
        assert!(out.iter().all(|&v| v == ((100 + 10 + 4) >> 3) as u8));
        predict4x4(i4::DDL, &nb, &mut out);
        assert_eq!(out[0], ((10 + 40 + 30 + 2) >> 2) as u8);
        assert_eq!(out[15], ((70 + 3 * 80 + 2) >> 2) as u8);
        predict4x4(i4::DDR, &nb, &mut out);
        assert_eq!(out[0], ((10 + 10 + 1 + 2) >> 2) as u8);
        assert_eq!(out[3], ((20 + 2 * 30 + 40 + 2) >> 2) as u8);
        assert_eq!(out[12], ((2 + 2 * 3 + 4 + 2) >> 2) as u8);
        predict4x4(i4::HU, &nb, &mut out);
        assert_eq!(out[15], 4);
        assert_eq!(out[0], 2); // (1 + 2 + 1) >> 1
    }

    #[test]
    fn diagonal_modes_follow_the_edges() {
        // A linear ramp along the edges predicts a plausible continuation: VL on a top ramp
        // gives averages of neighbours.
        let nb = nb4([0, 8, 16, 24, 32, 40, 48, 56], [0, 0, 0, 0], 0);
        let mut out = [0u8; 16];
        predict4x4(i4::VL, &nb, &mut out);
        assert_eq!(&out[0..4], &[4, 12, 20, 28]);
        assert_eq!(&out[4..8], &[8, 16, 24, 32]);
        predict4x4(i4::VR, &nb, &mut out);
        assert_eq!(out[0], 0); // (p[-1,-1] + p[0,-1] + 1) >> 1
        assert_eq!(out[1], 4);
    }

    #[test]
    fn plane_matches_the_formula_on_random_and_extreme_neighbours() {
        // 8.3.3.4 and 8.3.4.4 written out per sample, in i32.
        fn reference<const N: usize>(nb: &Neighbours<N>, scale: i32) -> Vec<u8> {
            let n = N as i32;
            let half = n / 2;
            let top = |x: i32| {
                i32::from(if x < 0 {
                    nb.top_left
                } else {
                    nb.top[x as usize]
                })
            };
            let left = |y: i32| {
                i32::from(if y < 0 {
                    nb.top_left
                } else {
                    nb.left[y as usize]
                })
            };
            let (mut h, mut v) = (0, 0);
            for k in 0..half {
                h += (k + 1) * (top(half + k) - top(half - 2 - k));
                v += (k + 1) * (left(half + k) - left(half - 2 - k));
            }
            let a = 16 * (left(n - 1) + top(n - 1));
            let (b, c) = ((scale * h + 32) >> 6, (scale * v + 32) >> 6);
            let mut out = Vec::new();
            for y in 0..n {
                for x in 0..n {
                    let val = (a + b * (x - half + 1) + c * (y - half + 1) + 16) >> 5;
                    out.push(val.clamp(0, 255) as u8);
                }
            }
            out
        }
        let mut seed = 0x1234_5678_9abc_def1u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            match seed % 4 {
                0 => 0u8,
                1 => 255,
                _ => (seed >> 32) as u8,
            }
        };
        for _ in 0..2000 {
            let mut nb16 = Neighbours::<16> {
                top: [0; 32],
                left: [0; 16],
                top_left: next(),
                has_top: true,
                has_left: true,
                has_top_left: true,
            };
            for i in 0..16 {
                nb16.top[i] = next();
                nb16.left[i] = next();
            }
            let mut out = [0u8; 256];
            plane_predict::<16>(&nb16, 5, &mut out);
            assert_eq!(out.to_vec(), reference(&nb16, 5));
            let mut nb8 = Neighbours::<8> {
                top: [0; 32],
                left: [0; 16],
                top_left: nb16.top_left,
                has_top: true,
                has_left: true,
                has_top_left: true,
            };
            nb8.top[..8].copy_from_slice(&nb16.top[..8]);
            nb8.left[..8].copy_from_slice(&nb16.left[..8]);
            let mut out8 = [0u8; 64];
            plane_predict::<8>(&nb8, 34, &mut out8);
            assert_eq!(out8.to_vec(), reference(&nb8, 34));
        }
    }

    #[test]
    fn plane_of_a_linear_ramp_is_the_ramp() {
        let mut nb = Neighbours::<16> {
            top: [0; 32],
            left: [0; 16],
            top_left: 40,
            has_top: true,
            has_left: true,
            has_top_left: true,
        };
        for i in 0..16 {
            nb.top[i] = (40 + 4 * (i + 1)) as u8;
            nb.left[i] = (40 + 2 * (i + 1)) as u8;
        }
        let mut out = [0u8; 256];
        predict16x16(i16::PLANE, &nb, &mut out);
        for y in 0..16 {
            for x in 0..16 {
                let expect = 40 + 4 * (x + 1) + 2 * (y + 1);
                let got = i32::from(out[y * 16 + x]);
                assert!(
                    (got - expect as i32).abs() <= 1,
                    "({x},{y}) {got} vs {expect}"
                );
            }
        }
    }

    #[test]
    fn chroma_dc_uses_per_block_rules() {
        let mut nb = Neighbours::<8> {
            top: [0; 32],
            left: [0; 16],
            top_left: 0,
            has_top: true,
            has_left: false,
            has_top_left: false,
        };
        nb.top[..8].copy_from_slice(&[10, 10, 10, 10, 50, 50, 50, 50]);
        let mut out = [0u8; 64];
        predict_chroma(chroma::DC, &nb, &mut out);
        assert_eq!(out[0], 10);
        assert_eq!(out[4], 50);
        assert_eq!(out[32], 10); // bottom-left: no left, falls back to its top samples
        assert_eq!(out[63], 50);
    }
}
