//! Inter prediction sample interpolation (8.4.2.2): quarter-sample luma (8.4.2.2.1) and
//! eighth-sample 4:2:0 chroma (8.4.2.2.2) for frame pictures, 8-bit samples.
//!
//! Reference samples outside the picture take the value of the nearest edge sample (the spec
//! clips xInt / yInt to the picture). Reference planes carry a replicated border
//! ([`Plane::extend_edges`]), so when the whole filter footprint of a block lies inside the
//! padded area the samples are read in place; otherwise the footprint is first gathered into a
//! small stack buffer with clamped coordinates and the same kernels run on that. Either way any
//! motion vector in `i16` range works.
//!
//! Luma sample names follow Figure 8-4 / Table 8-12: G is the integer sample at (xInt, yInt),
//! H the one to its right, M the one below; b and s are the horizontal half samples of G's and
//! M's rows, h and m the vertical half samples of G's and H's columns, j the centre half sample.
//!
//! Performance notes (safe Rust, so only what the auto-vectoriser makes of it): the kernels are
//! generic over the block width, so row copies are fixed-size moves; filters whose taps are
//! rows apart (vertical half samples, the second pass of j, chroma, the averages) first copy
//! their rows into a contiguous stack buffer and then run one flat loop over the block, which
//! vectorises where per-row loops of constant width get unrolled into scalar code instead.

use crate::common::Mv;
use crate::picture::Plane;

/// Largest block side `mc_luma` accepts (a macroblock).
pub const MAX_LUMA_BLOCK: usize = 16;
/// Largest block side `mc_chroma` accepts (a 4:2:0 macroblock's chroma).
pub const MAX_CHROMA_BLOCK: usize = 8;

/// Stride of the gathered luma footprint: a 16-wide block plus 2 samples left and 3 right.
const LUMA_BUF_STRIDE: usize = MAX_LUMA_BLOCK + 5;
/// Stride of the gathered chroma footprint: an 8-wide block plus 1 sample right.
const CHROMA_BUF_STRIDE: usize = MAX_CHROMA_BLOCK + 1;

/// The 6-tap filter (1, -5, 20, 20, -5, 1) of 8.4.2.2.1 on samples, unrounded. The result lies
/// in -2550..=10710, so i16 holds it (and lets the row loops vectorise 8 or 16 wide).
#[inline(always)]
fn tap6(e: u8, f: u8, g: u8, h: u8, i: u8, j: u8) -> i16 {
    (e as i16 + j as i16) - 5 * (f as i16 + i as i16) + 20 * (g as i16 + h as i16)
}

/// The same filter on unrounded intermediates (for j1), in i32.
#[inline(always)]
fn tap6_wide(e: i16, f: i16, g: i16, h: i16, i: i16, j: i16) -> i32 {
    (e as i32 + j as i32) - 5 * (f as i32 + i as i32) + 20 * (g as i32 + h as i32)
}

/// Clip1_Y((v + 16) >> 5) for 8-bit samples.
#[inline(always)]
fn round_half(v: i16) -> u8 {
    ((v + 16) >> 5).clamp(0, 255) as u8
}

/// (a + b + 1) >> 1.
#[inline(always)]
fn avg(a: u8, b: u8) -> u8 {
    ((a as u16 + b as u16 + 1) >> 1) as u8
}

/// True when columns `x0..x0 + n` and rows `y0..y0 + m` (visible-area coordinates) lie inside
/// the plane's padded area.
#[inline(always)]
fn inside_padded(p: &Plane, x0: i64, y0: i64, n: usize, m: usize) -> bool {
    let pad = p.pad as i64;
    x0 >= -pad
        && y0 >= -pad
        && x0 + n as i64 <= p.width as i64 + pad
        && y0 + m as i64 <= p.height as i64 + pad
}

/// Copies the `n` x `m` samples starting at (x0, y0) with clamped coordinates (every sample
/// outside the picture replaced by the nearest edge sample) into `buf`, row stride `bs`.
fn gather_clamped(p: &Plane, x0: i64, y0: i64, n: usize, m: usize, buf: &mut [u8], bs: usize) {
    let max_x = p.width as i64 - 1;
    let max_y = p.height as i64 - 1;
    // Columns c < left read sample 0, columns c >= right read sample max_x, the rest x0 + c.
    let left = (-x0).clamp(0, n as i64) as usize;
    let right = (max_x + 1 - x0).clamp(0, n as i64) as usize;
    for r in 0..m {
        let sy = (y0 + r as i64).clamp(0, max_y) as isize;
        let row = &p.data[p.offset(0, sy)..][..p.width];
        let dst = &mut buf[r * bs..r * bs + n];
        dst[..left].fill(row[0]);
        if right > left {
            let sx = (x0 + left as i64) as usize;
            dst[left..right].copy_from_slice(&row[sx..sx + (right - left)]);
        }
        dst[right..].fill(row[max_x as usize]);
    }
}

/// Luma prediction samples (8.4.2.2.1) for a `w` x `h` block (w, h in {4, 8, 16}) whose
/// top-left luma sample is at (x, y) in the picture, displaced by `mv` (quarter samples), from
/// reference plane `refp`. Output row-major, stride `w`, into `out[..w * h]`.
///
/// `refp` must have its border filled ([`Plane::extend_edges`]) if it has one. Any `mv` works,
/// however far outside the picture it points.
///
/// # Panics
/// If `w` is not 4, 8 or 16, `h` exceeds 16, or `out` is shorter than `w * h`.
pub fn mc_luma(refp: &Plane, x: i32, y: i32, mv: Mv, w: usize, h: usize, out: &mut [u8]) {
    assert!(h <= MAX_LUMA_BLOCK, "luma block taller than 16");
    let out = &mut out[..w * h];
    match w {
        16 => mc_luma_w::<16>(refp, x, y, mv, h, out),
        8 => mc_luma_w::<8>(refp, x, y, mv, h, out),
        4 => mc_luma_w::<4>(refp, x, y, mv, h, out),
        _ => panic!("luma block width {w} is not 4, 8 or 16"),
    }
}

/// [`mc_luma`] for a block `W` samples wide.
fn mc_luma_w<const W: usize>(refp: &Plane, x: i32, y: i32, mv: Mv, h: usize, out: &mut [u8]) {
    if h == 0 {
        return;
    }
    let xi = x as i64 + (mv.x >> 2) as i64;
    let yi = y as i64 + (mv.y >> 2) as i64;
    let fx = (mv.x & 3) as u8;
    let fy = (mv.y & 3) as u8;
    // Footprint actually read: 2 samples before and 3 after in each fractional direction.
    let (ml, mr) = if fx != 0 { (2, 3) } else { (0, 0) };
    let (mt, mb) = if fy != 0 { (2, 3) } else { (0, 0) };
    if inside_padded(
        refp,
        xi - ml,
        yi - mt,
        W + (ml + mr) as usize,
        h + (mt + mb) as usize,
    ) {
        let o = refp.offset(xi as isize, yi as isize);
        luma_kernel::<W>(&refp.data, o, refp.stride, fx, fy, h, out);
    } else {
        let mut buf = [0u8; LUMA_BUF_STRIDE * LUMA_BUF_STRIDE];
        gather_clamped(
            refp,
            xi - 2,
            yi - 2,
            W + 5,
            h + 5,
            &mut buf,
            LUMA_BUF_STRIDE,
        );
        let o = 2 * LUMA_BUF_STRIDE + 2;
        luma_kernel::<W>(&buf, o, LUMA_BUF_STRIDE, fx, fy, h, out);
    }
}

/// Table 8-12 for a `W` x `h` block whose integer sample G is `data[o]`, rows `s` apart, with
/// the footprint its fractional position needs readable around it.
fn luma_kernel<const W: usize>(
    data: &[u8],
    o: usize,
    s: usize,
    fx: u8,
    fy: u8,
    h: usize,
    out: &mut [u8],
) {
    // Offsets of the integer / half samples one column right (H, m) or one row down (M, s).
    let right = (fx == 3) as usize;
    let down = if fy == 3 { s } else { 0 };
    match (fx, fy) {
        // G
        (0, 0) => copy_block::<W>(data, o, s, out),
        // a = (G + b), b, c = (H + b)
        (_, 0) => {
            half_h::<W>(data, o, s, out);
            if fx != 2 {
                avg_with_src::<W>(out, data, o + right, s);
            }
        }
        // d = (G + h), h, n = (M + h)
        (0, _) => {
            half_v::<W>(data, o, s, out);
            if fy != 2 {
                avg_with_src::<W>(out, data, o + down, s);
            }
        }
        // j
        (2, 2) => half_centre::<W>(data, o, s, out),
        // The rest average two half samples.
        _ => {
            let mut tmp = [0u8; MAX_LUMA_BLOCK * MAX_LUMA_BLOCK];
            let tmp = &mut tmp[..W * h];
            match (fx, fy) {
                // f = (b + j), q = (j + s)
                (2, _) => {
                    half_centre::<W>(data, o, s, out);
                    half_h::<W>(data, o + down, s, tmp);
                }
                // i = (h + j), k = (j + m)
                (_, 2) => {
                    half_centre::<W>(data, o, s, out);
                    half_v::<W>(data, o + right, s, tmp);
                }
                // e = (b + h), g = (b + m), p = (h + s), r = (m + s)
                _ => {
                    half_h::<W>(data, o + down, s, out);
                    half_v::<W>(data, o + right, s, tmp);
                }
            }
            avg_blocks(out, tmp);
        }
    }
}

/// Copies the block at `data[base]` (row stride `s`) into `out` (stride `W`, `out.len() / W`
/// rows).
#[inline]
fn copy_block<const W: usize>(data: &[u8], base: usize, s: usize, out: &mut [u8]) {
    for (r, dst) in out.chunks_exact_mut(W).enumerate() {
        let dst: &mut [u8; W] = dst.try_into().expect("chunk of W");
        let start = base + r * s;
        dst.copy_from_slice(&data[start..start + W]);
    }
}

/// Horizontal half samples (b; s when `base` is one row down): for each integer sample of the
/// block at `data[base]`, the half sample to its right.
fn half_h<const W: usize>(data: &[u8], base: usize, s: usize, out: &mut [u8]) {
    for (r, dst) in out.chunks_exact_mut(W).enumerate() {
        let dst: &mut [u8; W] = dst.try_into().expect("chunk of W");
        let start = base + r * s - 2;
        let row = &data[start..start + W + 5];
        let (t0, t1, t2) = (&row[0..W], &row[1..W + 1], &row[2..W + 2]);
        let (t3, t4, t5) = (&row[3..W + 3], &row[4..W + 4], &row[5..W + 5]);
        for c in 0..W {
            dst[c] = round_half(tap6(t0[c], t1[c], t2[c], t3[c], t4[c], t5[c]));
        }
    }
}

/// Vertical half samples (h; m when `base` is one column right): for each integer sample of the
/// block at `data[base]`, the half sample below it.
fn half_v<const W: usize>(data: &[u8], base: usize, s: usize, out: &mut [u8]) {
    // Gather the h + 5 source rows contiguously, then filter in one flat loop (which
    // vectorises; per-row loops of constant width get unrolled instead).
    let n = out.len();
    let mut g = [0u8; (MAX_LUMA_BLOCK + 5) * MAX_LUMA_BLOCK];
    let g = &mut g[..n + 5 * W];
    copy_block::<W>(data, base - 2 * s, s, g);
    let (t0, t1, t2) = (&g[..n], &g[W..W + n], &g[2 * W..2 * W + n]);
    let (t3, t4, t5) = (
        &g[3 * W..3 * W + n],
        &g[4 * W..4 * W + n],
        &g[5 * W..5 * W + n],
    );
    for i in 0..n {
        out[i] = round_half(tap6(t0[i], t1[i], t2[i], t3[i], t4[i], t5[i]));
    }
}

/// Centre half samples j of the block at `data[base]`: the vertical 6-tap filter applied to the
/// unrounded horizontal intermediates (aa, bb, b1, s1, gg, hh: the second form of 8-250, equal
/// to the first), then Clip1((j1 + 512) >> 10).
fn half_centre<const W: usize>(data: &[u8], base: usize, s: usize, out: &mut [u8]) {
    let h = out.len() / W;
    // b1 for rows yInt - 2 ..= yInt + h + 2, stride W.
    let mut b1 = [0i16; (MAX_LUMA_BLOCK + 5) * MAX_LUMA_BLOCK];
    let b1 = &mut b1[..(h + 5) * W];
    let first = base - 2 * s - 2;
    for (rr, dst) in b1.chunks_exact_mut(W).enumerate() {
        let dst: &mut [i16; W] = dst.try_into().expect("chunk of W");
        let start = first + rr * s;
        let row = &data[start..start + W + 5];
        let (t0, t1, t2) = (&row[0..W], &row[1..W + 1], &row[2..W + 2]);
        let (t3, t4, t5) = (&row[3..W + 3], &row[4..W + 4], &row[5..W + 5]);
        for c in 0..W {
            dst[c] = tap6(t0[c], t1[c], t2[c], t3[c], t4[c], t5[c]);
        }
    }
    // The vertical pass in one flat loop over the contiguous intermediates.
    let n = out.len();
    let (t0, t1, t2) = (&b1[..n], &b1[W..W + n], &b1[2 * W..2 * W + n]);
    let (t3, t4, t5) = (
        &b1[3 * W..3 * W + n],
        &b1[4 * W..4 * W + n],
        &b1[5 * W..5 * W + n],
    );
    for i in 0..n {
        let v = tap6_wide(t0[i], t1[i], t2[i], t3[i], t4[i], t5[i]);
        out[i] = ((v + 512) >> 10).clamp(0, 255) as u8;
    }
}

/// out = (out + block + 1) >> 1 with the block at `data[base]` (row stride `s`).
#[inline]
fn avg_with_src<const W: usize>(out: &mut [u8], data: &[u8], base: usize, s: usize) {
    // Copy first: one flat averaging loop vectorises where a per-row one of constant width
    // does not.
    let mut tmp = [0u8; MAX_LUMA_BLOCK * MAX_LUMA_BLOCK];
    let tmp = &mut tmp[..out.len()];
    copy_block::<W>(data, base, s, tmp);
    avg_blocks(out, tmp);
}

/// out = (out + other + 1) >> 1 element-wise.
#[inline]
fn avg_blocks(out: &mut [u8], other: &[u8]) {
    for (d, &v) in out.iter_mut().zip(other) {
        *d = avg(*d, v);
    }
}

/// Chroma prediction (8.4.2.2.2, 4:2:0): block of `w` x `h` chroma samples (w, h in {2, 4, 8})
/// at chroma position (cx, cy), with the LUMA motion vector `mv`, whose units are 1/8 chroma
/// sample (xFracC = mv.x & 7, integer part mv.x >> 3; frame pictures, so no vertical chroma
/// offset). Output row-major, stride `w`, into `out[..w * h]`.
///
/// `refp` must have its border filled ([`Plane::extend_edges`]) if it has one. Any `mv` works.
///
/// # Panics
/// If `w` is not 2, 4 or 8, `h` exceeds 8, or `out` is shorter than `w * h`.
pub fn mc_chroma(refp: &Plane, cx: i32, cy: i32, mv: Mv, w: usize, h: usize, out: &mut [u8]) {
    assert!(h <= MAX_CHROMA_BLOCK, "chroma block taller than 8");
    let out = &mut out[..w * h];
    match w {
        8 => mc_chroma_w::<8>(refp, cx, cy, mv, h, out),
        4 => mc_chroma_w::<4>(refp, cx, cy, mv, h, out),
        2 => mc_chroma_w::<2>(refp, cx, cy, mv, h, out),
        _ => panic!("chroma block width {w} is not 2, 4 or 8"),
    }
}

/// [`mc_chroma`] of a whole macroblock's chroma, both planes: the 8x8 blocks at chroma
/// position (cx, cy) of `u` and `v`, displaced by the LUMA vector `mv`, side by side into
/// `out` (row `r` is Cb's row `r` then Cr's, the layout the chroma residual path reads). The
/// planes of one picture share their geometry, so the position, the fraction and the bounds
/// check are worked out once for both, and one kernel call filters both; blocks whose
/// footprint leaves the padded area take [`mc_chroma`]'s gathering path.
pub fn mc_chroma_mb(u: &Plane, v: &Plane, cx: i32, cy: i32, mv: Mv, out: &mut [u8; 128]) {
    let xi = cx as i64 + (mv.x >> 3) as i64;
    let yi = cy as i64 + (mv.y >> 3) as i64;
    let fx = (mv.x & 7) as u32;
    let fy = (mv.y & 7) as u32;
    // Fractional positions read one extra column and row (even where its weight is 0).
    let m = (fx != 0 || fy != 0) as usize;
    let same = u.width == v.width && u.height == v.height && u.pad == v.pad && u.stride == v.stride;
    if !same || !inside_padded(u, xi, yi, 8 + m, 8 + m) {
        let mut blocks = [[0u8; 64]; 2];
        for (c, plane) in [u, v].into_iter().enumerate() {
            mc_chroma_w::<8>(plane, cx, cy, mv, 8, &mut blocks[c]);
        }
        for (r, row) in out.chunks_exact_mut(16).enumerate() {
            row[..8].copy_from_slice(&blocks[0][8 * r..8 * r + 8]);
            row[8..].copy_from_slice(&blocks[1][8 * r..8 * r + 8]);
        }
        return;
    }
    let (o, s) = (u.offset(xi as isize, yi as isize), u.stride);
    if m == 0 {
        for (c, plane) in [u, v].into_iter().enumerate() {
            let src = &plane.data[o..o + 7 * s + 8];
            for (r, row) in out.chunks_exact_mut(16).enumerate() {
                row[8 * c..8 * c + 8].copy_from_slice(&src[r * s..r * s + 8]);
            }
        }
        return;
    }
    (crate::dsp::kernels().mc_chroma8x2)(&u.data[o..], &v.data[o..], s, fx, fy, out);
}

/// [`mc_chroma`] for a block `W` samples wide.
fn mc_chroma_w<const W: usize>(refp: &Plane, cx: i32, cy: i32, mv: Mv, h: usize, out: &mut [u8]) {
    if h == 0 {
        return;
    }
    let xi = cx as i64 + (mv.x >> 3) as i64;
    let yi = cy as i64 + (mv.y >> 3) as i64;
    let fx = (mv.x & 7) as u16;
    let fy = (mv.y & 7) as u16;
    // Fractional positions read one extra column and row (even where its weight is 0).
    let m = (fx != 0 || fy != 0) as usize;
    // Initialised (and cleared) only when the block reaches beyond the padded area.
    let mut buf;
    let (data, o, s): (&[u8], usize, usize) = if inside_padded(refp, xi, yi, W + m, h + m) {
        (
            &refp.data,
            refp.offset(xi as isize, yi as isize),
            refp.stride,
        )
    } else {
        buf = [0u8; CHROMA_BUF_STRIDE * CHROMA_BUF_STRIDE];
        gather_clamped(refp, xi, yi, W + 1, h + 1, &mut buf, CHROMA_BUF_STRIDE);
        (&buf, 0, CHROMA_BUF_STRIDE)
    };
    if m == 0 {
        copy_block::<W>(data, o, s, out);
        return;
    }
    if W == 8 {
        (crate::dsp::kernels().mc_chroma8)(&data[o..], s, u32::from(fx), u32::from(fy), out);
        return;
    }
    let wa = (8 - fx) * (8 - fy);
    let wb = fx * (8 - fy);
    let wc = (8 - fx) * fy;
    let wd = fx * fy;
    // Gather the left (A, C) and right (B, D) samples of h + 1 rows contiguously, then
    // filter in one flat loop, which vectorises.
    let n = out.len();
    let mut left = [0u8; MAX_CHROMA_BLOCK * (MAX_CHROMA_BLOCK + 1)];
    let mut right = [0u8; MAX_CHROMA_BLOCK * (MAX_CHROMA_BLOCK + 1)];
    let (left, right) = (&mut left[..n + W], &mut right[..n + W]);
    copy_block::<W>(data, o, s, left);
    copy_block::<W>(data, o + 1, s, right);
    let (a, b, c, d) = (&left[..n], &right[..n], &left[W..W + n], &right[W..W + n]);
    for i in 0..n {
        // At most 64 * 255 + 32: fits u16.
        let v = wa * a[i] as u16 + wb * b[i] as u16 + wc * c[i] as u16 + wd * d[i] as u16;
        out[i] = ((v + 32) >> 6) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xorshift64* — deterministic, dependency-free.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        /// Uniform in lo..=hi.
        fn range(&mut self, lo: i32, hi: i32) -> i32 {
            lo + (self.next() % (hi - lo + 1) as u64) as i32
        }
    }

    fn random_plane(rng: &mut Rng, w: usize, h: usize, pad: usize) -> Plane {
        let mut p = Plane::new(w, h, pad, 0);
        for y in 0..h {
            for v in p.row_mut(y) {
                *v = rng.next() as u8;
            }
        }
        p.extend_edges();
        p
    }

    /// A reference sample with the spec's coordinate clipping (8-228, 8-229).
    #[allow(non_snake_case)]
    fn ref_sample(p: &Plane, xInt: i32, yInt: i32) -> i32 {
        let x = xInt.clamp(0, p.width as i32 - 1) as usize;
        let y = yInt.clamp(0, p.height as i32 - 1) as usize;
        p.at(x, y) as i32
    }

    /// One luma prediction sample written literally from 8.4.2.2.1 / Table 8-12, the integer
    /// sample G being at (xIntL, yIntL).
    #[allow(non_snake_case)]
    fn ref_luma(p: &Plane, xIntL: i32, yIntL: i32, xFracL: i32, yFracL: i32) -> u8 {
        let s = |dx: i32, dy: i32| ref_sample(p, xIntL + dx, yIntL + dy);
        let clip1 = |v: i32| v.clamp(0, 255);
        // 6-tap filter on six values.
        let f = |v: [i32; 6]| v[0] - 5 * v[1] + 20 * v[2] + 20 * v[3] - 5 * v[4] + v[5];
        // Horizontal intermediate at row dy (b1 for dy = 0, s1 for dy = 1, aa, bb, gg, hh).
        let hor = |dy: i32| f([s(-2, dy), s(-1, dy), s(0, dy), s(1, dy), s(2, dy), s(3, dy)]);
        // Vertical intermediate at column dx (h1 for dx = 0, m1 for dx = 1, cc, dd, ee, ff).
        let ver = |dx: i32| f([s(dx, -2), s(dx, -1), s(dx, 0), s(dx, 1), s(dx, 2), s(dx, 3)]);

        let G = s(0, 0);
        let H = s(1, 0);
        let M = s(0, 1);
        let b1 = hor(0);
        let h1 = ver(0);
        let s1 = hor(1);
        let m1 = ver(1);
        let b = clip1((b1 + 16) >> 5);
        let h = clip1((h1 + 16) >> 5);
        let s_ = clip1((s1 + 16) >> 5);
        let m = clip1((m1 + 16) >> 5);
        // j1 = cc - 5 dd + 20 h1 + 20 m1 - 5 ee + ff (8-250 first form) ...
        let j1 = f([ver(-2), ver(-1), h1, m1, ver(2), ver(3)]);
        // ... which equals aa - 5 bb + 20 b1 + 20 s1 - 5 gg + hh (second form).
        assert_eq!(j1, f([hor(-2), hor(-1), b1, s1, hor(2), hor(3)]));
        let j = clip1((j1 + 512) >> 10);

        let a = (G + b + 1) >> 1;
        let c = (H + b + 1) >> 1;
        let d = (G + h + 1) >> 1;
        let n = (M + h + 1) >> 1;
        let f_ = (b + j + 1) >> 1;
        let i = (h + j + 1) >> 1;
        let k = (j + m + 1) >> 1;
        let q = (j + s_ + 1) >> 1;
        let e = (b + h + 1) >> 1;
        let g = (b + m + 1) >> 1;
        let p_ = (h + s_ + 1) >> 1;
        let r = (m + s_ + 1) >> 1;

        // Table 8-12.
        let v = match (xFracL, yFracL) {
            (0, 0) => G,
            (0, 1) => d,
            (0, 2) => h,
            (0, 3) => n,
            (1, 0) => a,
            (1, 1) => e,
            (1, 2) => i,
            (1, 3) => p_,
            (2, 0) => b,
            (2, 1) => f_,
            (2, 2) => j,
            (2, 3) => q,
            (3, 0) => c,
            (3, 1) => g,
            (3, 2) => k,
            (3, 3) => r,
            _ => unreachable!(),
        };
        v as u8
    }

    /// A luma block predicted sample by sample with `ref_luma` (8-227 .. 8-230).
    #[allow(non_snake_case)]
    fn ref_luma_block(p: &Plane, x: i32, y: i32, mv: Mv, w: usize, h: usize) -> Vec<u8> {
        let (mvx, mvy) = (mv.x as i32, mv.y as i32);
        let mut out = Vec::with_capacity(w * h);
        for yL in 0..h as i32 {
            for xL in 0..w as i32 {
                let xIntL = x + xL + (mvx >> 2);
                let yIntL = y + yL + (mvy >> 2);
                out.push(ref_luma(p, xIntL, yIntL, mvx & 3, mvy & 3));
            }
        }
        out
    }

    /// A chroma block written literally from 8.4.2.2.2 (8-229 .. 8-231, 8-266).
    #[allow(non_snake_case)]
    fn ref_chroma_block(p: &Plane, cx: i32, cy: i32, mv: Mv, w: usize, h: usize) -> Vec<u8> {
        let (mvCx, mvCy) = (mv.x as i32, mv.y as i32);
        let mut out = Vec::with_capacity(w * h);
        for yC in 0..h as i32 {
            for xC in 0..w as i32 {
                let xIntC = cx + (mvCx >> 3) + xC;
                let yIntC = cy + (mvCy >> 3) + yC;
                let xFracC = mvCx & 7;
                let yFracC = mvCy & 7;
                let A = ref_sample(p, xIntC, yIntC);
                let B = ref_sample(p, xIntC + 1, yIntC);
                let C = ref_sample(p, xIntC, yIntC + 1);
                let D = ref_sample(p, xIntC + 1, yIntC + 1);
                let v = ((8 - xFracC) * (8 - yFracC) * A
                    + xFracC * (8 - yFracC) * B
                    + (8 - xFracC) * yFracC * C
                    + xFracC * yFracC * D
                    + 32)
                    >> 6;
                out.push(v as u8);
            }
        }
        out
    }

    /// A random motion-vector component with the given fractional part, from one of several
    /// regimes: near (fast path), far outside the picture (+-200 samples), or extreme.
    fn random_mv_comp(rng: &mut Rng, frac: i32, shift: u32) -> i16 {
        let int = match rng.range(0, 9) {
            0..=4 => rng.range(-12, 12),
            5..=7 => rng.range(-200 >> (shift - 2), 200 >> (shift - 2)),
            8 => rng.range(-40, 40),
            _ => {
                // Extremes of i16 range.
                let lim = i16::MAX as i32 >> shift;
                if rng.next() & 1 == 0 {
                    lim - rng.range(0, 3)
                } else {
                    -lim - 1 + rng.range(0, 3)
                }
            }
        };
        ((int << shift) | frac) as i16
    }

    #[test]
    fn luma_matches_reference_all_positions_sizes_and_paths() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        let sizes = [4usize, 8, 16];
        let mut out = [0u8; 256];
        let mut checked = 0;
        for round in 0..4 {
            let (pw, ph) = if round % 2 == 0 { (48, 32) } else { (16, 16) };
            let base = random_plane(&mut rng, pw, ph, 32);
            // Same content with smaller borders: exercises the clamped (gathered) path.
            let mut small = Plane::new(pw, ph, [0, 3, 8, 0][round], 0);
            for yy in 0..ph {
                small.row_mut(yy).copy_from_slice(base.row(yy));
            }
            small.extend_edges();
            for plane in [&base, &small] {
                for frac in 0..16 {
                    for &w in &sizes {
                        for &h in &sizes {
                            for _ in 0..3 {
                                let x = rng.range(-4, pw as i32);
                                let y = rng.range(-4, ph as i32);
                                let mv = Mv::new(
                                    random_mv_comp(&mut rng, frac & 3, 2),
                                    random_mv_comp(&mut rng, frac >> 2, 2),
                                );
                                mc_luma(plane, x, y, mv, w, h, &mut out);
                                let want = ref_luma_block(plane, x, y, mv, w, h);
                                assert_eq!(
                                    &out[..w * h],
                                    &want[..],
                                    "plane {pw}x{ph} pad {} at ({x},{y}) mv {mv:?} {w}x{h}",
                                    plane.pad
                                );
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 4 * 2 * 16 * 9 * 3);
    }

    #[test]
    fn luma_block_positions_inside_picture_fast_path() {
        // Block-aligned positions and small vectors, as the encoder will use them.
        let mut rng = Rng(42);
        let p = random_plane(&mut rng, 64, 48, 32);
        let mut out = [0u8; 256];
        for _ in 0..2000 {
            let w = [4usize, 8, 16][rng.range(0, 2) as usize];
            let h = [4usize, 8, 16][rng.range(0, 2) as usize];
            let x = rng.range(0, (64 - w as i32) / 4) * 4;
            let y = rng.range(0, (48 - h as i32) / 4) * 4;
            let mv = Mv::new(rng.range(-130, 130) as i16, rng.range(-130, 130) as i16);
            mc_luma(&p, x, y, mv, w, h, &mut out);
            assert_eq!(&out[..w * h], &ref_luma_block(&p, x, y, mv, w, h)[..]);
        }
    }

    #[test]
    fn luma_extreme_vectors_do_not_panic_and_clamp() {
        let mut rng = Rng(7);
        let p = random_plane(&mut rng, 32, 32, 32);
        let mut out = [0u8; 256];
        let comps = [i16::MIN, i16::MIN + 1, -1, 0, 1, i16::MAX - 1, i16::MAX];
        for &mx in &comps {
            for &my in &comps {
                for &(x, y) in &[(0, 0), (16, 16), (-16, 40)] {
                    let mv = Mv::new(mx, my);
                    mc_luma(&p, x, y, mv, 16, 16, &mut out);
                    assert_eq!(&out[..], &ref_luma_block(&p, x, y, mv, 16, 16)[..]);
                }
            }
        }
    }

    #[test]
    fn chroma_matches_reference_all_positions_sizes_and_paths() {
        let mut rng = Rng(0xdead_beef_cafe_f00d);
        let sizes = [2usize, 4, 8];
        let mut out = [0u8; 64];
        for round in 0..4 {
            let (pw, ph) = if round % 2 == 0 { (24, 16) } else { (8, 8) };
            let base = random_plane(&mut rng, pw, ph, 16);
            let mut small = Plane::new(pw, ph, [0, 1, 4, 0][round], 0);
            for yy in 0..ph {
                small.row_mut(yy).copy_from_slice(base.row(yy));
            }
            small.extend_edges();
            for plane in [&base, &small] {
                for frac in 0..64 {
                    for &w in &sizes {
                        for &h in &sizes {
                            for _ in 0..2 {
                                let cx = rng.range(-2, pw as i32);
                                let cy = rng.range(-2, ph as i32);
                                let mv = Mv::new(
                                    random_mv_comp(&mut rng, frac & 7, 3),
                                    random_mv_comp(&mut rng, frac >> 3, 3),
                                );
                                mc_chroma(plane, cx, cy, mv, w, h, &mut out);
                                let want = ref_chroma_block(plane, cx, cy, mv, w, h);
                                assert_eq!(
                                    &out[..w * h],
                                    &want[..],
                                    "plane {pw}x{ph} pad {} at ({cx},{cy}) mv {mv:?} {w}x{h}",
                                    plane.pad
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn chroma_mb_matches_per_plane_prediction() {
        let mut rng = Rng(0x0123_4567_89ab_cdef);
        let mut out = [0u8; 128];
        let (pw, ph) = (32, 24);
        for pad in [0usize, 1, 8, 16] {
            let fill = |rng: &mut Rng| {
                let mut p = Plane::new(pw, ph, pad, 0);
                for yy in 0..ph {
                    for v in p.row_mut(yy) {
                        *v = rng.next() as u8;
                    }
                }
                p.extend_edges();
                p
            };
            let (u, v) = (fill(&mut rng), fill(&mut rng));
            for frac in 0..64 {
                for _ in 0..8 {
                    let cx = rng.range(-12, pw as i32 + 4);
                    let cy = rng.range(-12, ph as i32 + 4);
                    let mv = Mv::new(
                        random_mv_comp(&mut rng, frac & 7, 3),
                        random_mv_comp(&mut rng, frac >> 3, 3),
                    );
                    mc_chroma_mb(&u, &v, cx, cy, mv, &mut out);
                    for (c, plane) in [&u, &v].into_iter().enumerate() {
                        let mut want = [0u8; 64];
                        mc_chroma(plane, cx, cy, mv, 8, 8, &mut want);
                        for r in 0..8 {
                            assert_eq!(
                                out[16 * r + 8 * c..16 * r + 8 * c + 8],
                                want[8 * r..8 * r + 8],
                                "pad {pad} plane {c} at ({cx},{cy}) mv {mv:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn chroma_extreme_vectors() {
        let mut rng = Rng(99);
        let p = random_plane(&mut rng, 16, 16, 16);
        let mut out = [0u8; 64];
        let comps = [i16::MIN, i16::MIN + 3, -9, 0, 5, i16::MAX - 2, i16::MAX];
        for &mx in &comps {
            for &my in &comps {
                let mv = Mv::new(mx, my);
                mc_chroma(&p, 8, 0, mv, 8, 8, &mut out);
                assert_eq!(&out[..], &ref_chroma_block(&p, 8, 0, mv, 8, 8)[..]);
            }
        }
    }

    #[test]
    fn integer_mv_is_a_copy() {
        let mut rng = Rng(3);
        let p = random_plane(&mut rng, 48, 32, 32);
        let mut out = [0u8; 128];
        // mv (+2, -1) full samples.
        mc_luma(&p, 16, 8, Mv::new(8, -4), 16, 8, &mut out);
        for r in 0..8 {
            for c in 0..16 {
                assert_eq!(out[r * 16 + c], p.at(18 + c, 7 + r));
            }
        }
        // Chroma: (+1, +2) full chroma samples = (8, 16) in eighths.
        let mut out = [0u8; 16];
        mc_chroma(&p, 4, 4, Mv::new(8, 16), 4, 4, &mut out);
        for r in 0..4 {
            for c in 0..4 {
                assert_eq!(out[r * 4 + c], p.at(5 + c, 6 + r));
            }
        }
        // Far outside at the top-left: every sample is the corner sample.
        let mut out = [0u8; 16];
        mc_luma(&p, 0, 0, Mv::new(-4 * 200, -4 * 200), 4, 4, &mut out);
        assert!(out.iter().all(|&v| v == p.at(0, 0)));
    }

    #[test]
    fn ramps_are_reproduced_at_every_position() {
        // Horizontal ramp 4 x + 10: the value at x + fx / 4 is exactly 4 x + 10 + fx for every
        // one of the 16 positions (away from the clamped edges).
        let mut p = Plane::new(48, 32, 32, 0);
        for y in 0..32 {
            for (x, v) in p.row_mut(y).iter_mut().enumerate() {
                *v = (4 * x + 10) as u8;
            }
        }
        p.extend_edges();
        let mut out = [0u8; 64];
        for fy in 0..4i16 {
            for fx in 0..4i16 {
                let mv = Mv::new(4 + fx, -8 + fy);
                mc_luma(&p, 16, 12, mv, 8, 8, &mut out);
                for r in 0..8 {
                    for c in 0..8 {
                        let want = 4 * (17 + c) + 10 + fx as usize;
                        assert_eq!(out[r * 8 + c] as usize, want, "fx {fx} fy {fy}");
                    }
                }
            }
        }
        // Half sample b specifically: the average of its two integer neighbours.
        let mut out = [0u8; 16];
        mc_luma(&p, 20, 10, Mv::new(2, 0), 4, 4, &mut out);
        for (c, &v) in out[..4].iter().enumerate() {
            let want = (p.at(20 + c, 10) as u32 + p.at(21 + c, 10) as u32) / 2;
            assert_eq!(v as u32, want);
        }

        // Vertical ramp 4 y + 20: the value at y + fy / 4 is 4 y + 20 + fy.
        let mut p = Plane::new(32, 48, 32, 0);
        for y in 0..48 {
            p.row_mut(y).fill((4 * y + 20) as u8);
        }
        p.extend_edges();
        for fy in 0..4i16 {
            for fx in 0..4i16 {
                mc_luma(&p, 8, 16, Mv::new(fx - 4, fy + 8), 4, 4, &mut out);
                for r in 0..4 {
                    for c in 0..4 {
                        let want = 4 * (18 + r) + 20 + fy as usize;
                        assert_eq!(out[r * 4 + c] as usize, want, "fx {fx} fy {fy}");
                    }
                }
            }
        }

        // Chroma ramp 8 x + 3: value at x + fx / 8 is 8 x + 3 + fx.
        let mut p = Plane::new(24, 16, 16, 0);
        for y in 0..16 {
            for (x, v) in p.row_mut(y).iter_mut().enumerate() {
                *v = (8 * x + 3) as u8;
            }
        }
        p.extend_edges();
        let mut out = [0u8; 16];
        for fy in 0..8i16 {
            for fx in 0..8i16 {
                mc_chroma(&p, 8, 4, Mv::new(8 + fx, fy), 4, 4, &mut out);
                for r in 0..4 {
                    for c in 0..4 {
                        assert_eq!(out[r * 4 + c] as usize, 8 * (9 + c) + 3 + fx as usize);
                    }
                }
            }
        }
    }

    #[test]
    fn constant_plane_stays_constant() {
        for value in [0u8, 1, 128, 254, 255] {
            let luma = Plane::new(32, 32, 32, value);
            let chroma = Plane::new(16, 16, 16, value);
            let mut out = [0u8; 256];
            for fy in 0..8i16 {
                for fx in 0..8i16 {
                    for base in [0i16, 4 * 100, -4 * 300] {
                        let mv = Mv::new(base + fx % 4, -base + fy % 4);
                        mc_luma(&luma, 8, 8, mv, 16, 16, &mut out);
                        assert!(out.iter().all(|&v| v == value));
                        let mv = Mv::new(base + fx, base + fy);
                        mc_chroma(&chroma, 4, 4, mv, 8, 8, &mut out[..64]);
                        assert!(out[..64].iter().all(|&v| v == value));
                    }
                }
            }
        }
    }

    #[test]
    fn impulse_response_hand_computed() {
        // A single sample of 64 at (20, 12) on zero. The taps seen by the half sample between
        // x and x + 1 are, for x = 17, 18, 19, 20: 1, -5, 20, 20.
        let mut p = Plane::new(48, 32, 32, 0);
        p.row_mut(12)[20] = 64;
        p.extend_edges();
        let mut out = [0u8; 16];
        // b: (64 * tap + 16) >> 5, clipped: 2, 0 (negative), 40, 40.
        mc_luma(&p, 17, 12, Mv::new(2, 0), 4, 1, &mut out);
        assert_eq!(&out[..4], &[2, 0, 40, 40]);
        // h, the same vertically.
        mc_luma(&p, 20, 9, Mv::new(0, 2), 4, 4, &mut out);
        assert_eq!([out[0], out[4], out[8], out[12]], [2, 0, 40, 40]);
        // j at (19.5, 11.5): j1 = 20 * 20 * 64 = 25600, (25600 + 512) >> 10 = 25.
        // j at (17.5, 9.5): j1 = 64, (64 + 512) >> 10 = 0.
        // j at (19.5, 9.5): j1 = 1280, 1792 >> 10 = 1.
        mc_luma(&p, 17, 9, Mv::new(2, 2), 4, 4, &mut out);
        // j at (18.5, 10.5): j1 = 64 * -5 * -5 = 1600, 2112 >> 10 = 2. Rounding the b samples
        // before the vertical filter would give 0 here (every b of column 18 rounds to 0).
        assert_eq!(
            &out[..],
            &[0, 0, 1, 1, 0, 2, 0, 0, 1, 0, 25, 25, 1, 0, 25, 25]
        );
        // f = (b + j + 1) >> 1 at (19.5, 11.25): b row 11 is 0 there, j = 25 -> 13.
        mc_luma(&p, 19, 11, Mv::new(2, 1), 4, 1, &mut out);
        assert_eq!(out[0], 13);
    }
}
