//! The portable kernels: the reference every SIMD variant must match bit for bit, and the
//! fallback on CPUs without one (`RTENC_CPU=scalar` forces them).

use crate::tables::{MAX_LEVEL, ZIGZAG4X4};

/// Sum of absolute differences of a `w` x `h` block.
#[inline]
pub fn sad(a: &[u8], a_stride: usize, b: &[u8], b_stride: usize, w: usize, h: usize) -> u32 {
    let mut total = 0u32;
    for y in 0..h {
        let ra = &a[y * a_stride..y * a_stride + w];
        let rb = &b[y * b_stride..y * b_stride + w];
        total += ra
            .iter()
            .zip(rb)
            .map(|(&x, &y)| u32::from(x.abs_diff(y)))
            .sum::<u32>();
    }
    total
}

/// The 16x16 SAD of `src` against each of four blocks (see [`super::SadX4Fn`]).
pub fn sad16x16_x4(src: &[u8], ss: usize, refs: [&[u8]; 4], rs: usize) -> [u32; 4] {
    refs.map(|r| sad(src, ss, r, rs, 16, 16))
}

/// 4x4 Hadamard transform (unscaled), used forward for the Intra16x16 DC coefficients and, being
/// its own inverse up to scale, for the decoder's inverse DC transform (8.5.10).
#[inline]
pub fn hadamard4x4(block: &mut [i32; 16]) {
    let mut tmp = [0i32; 16];
    for i in 0..4 {
        let r = &block[i * 4..i * 4 + 4];
        let s01 = r[0] + r[1];
        let d01 = r[0] - r[1];
        let s23 = r[2] + r[3];
        let d23 = r[2] - r[3];
        tmp[i * 4] = s01 + s23;
        tmp[i * 4 + 1] = s01 - s23;
        tmp[i * 4 + 2] = d01 - d23;
        tmp[i * 4 + 3] = d01 + d23;
    }
    for j in 0..4 {
        let (a, b, c, d) = (tmp[j], tmp[4 + j], tmp[8 + j], tmp[12 + j]);
        let s01 = a + b;
        let d01 = a - b;
        let s23 = c + d;
        let d23 = c - d;
        block[j] = s01 + s23;
        block[4 + j] = s01 - s23;
        block[8 + j] = d01 - d23;
        block[12 + j] = d01 + d23;
    }
}

/// The one-dimensional 4-point Hadamard transform in the order of
/// [`hadamard4x4`].
#[inline]
fn hadamard4(r: [i32; 4]) -> [i32; 4] {
    let (s01, d01, s23, d23) = (r[0] + r[1], r[0] - r[1], r[2] + r[3], r[2] - r[3]);
    [s01 + s23, s01 - s23, d01 - d23, d01 + d23]
}

/// SATD of a 4x4 source block (rows at `stride`) against the three axis predictions of
/// Intra_4x4 at once — vertical from `top`, horizontal from `left`, flat at `dc` — equal to the
/// SATD kernel on each prediction. The transform is linear and each prediction's transform is
/// sparse (a vertical prediction's lies in the first row: 4 x the transform of `top`; a
/// horizontal one's in the first column; DC's in the corner, 16 x `dc`), so one transform of
/// the source and a correction of four (or one) coefficients give all three.
pub fn satd4x4_axis(src: &[u8], stride: usize, top: &[u8; 4], left: &[u8; 4], dc: u8) -> [u32; 3] {
    let mut h = [0i32; 16];
    for r in 0..4 {
        let row = &src[r * stride..r * stride + 4];
        h[4 * r..4 * r + 4].copy_from_slice(&[
            i32::from(row[0]),
            i32::from(row[1]),
            i32::from(row[2]),
            i32::from(row[3]),
        ]);
    }
    hadamard4x4(&mut h);
    let total: u32 = h.iter().map(|v| v.unsigned_abs()).sum();
    let ht = hadamard4(top.map(i32::from));
    let hl = hadamard4(left.map(i32::from));
    let (mut v, mut hz) = (total, total);
    for k in 0..4 {
        v = v - h[k].unsigned_abs() + (h[k] - 4 * ht[k]).unsigned_abs();
        hz = hz - h[4 * k].unsigned_abs() + (h[4 * k] - 4 * hl[k]).unsigned_abs();
    }
    let d = total - h[0].unsigned_abs() + (h[0] - 16 * i32::from(dc)).unsigned_abs();
    [v.div_ceil(2), hz.div_ceil(2), d.div_ceil(2)]
}

/// Intra_4x4 diagonal prediction (modes 3 to 8: DDL, DDR, VR, HD, VL, HU; 8.3.1.2.4 to
/// 8.3.1.2.9) into `out` (raster 4x4) from p[0..8, -1] (`top`, little-endian), p[-1, 0..4]
/// (`left`) and p[-1, -1] (see [`super::Predict4x4DiagFn`]). Every sample is one of the
/// rounded averages of two neighbouring edge samples or one of the 3-tap filters around an
/// edge sample: both rows of values are computed at once over the whole edge, then each mode
/// picks its rows from them ([`diag4x4_store`]).
pub fn predict4x4_diag(top: u64, left: u32, top_left: u8, mode: u8, out: &mut [u8; 16]) {
    // The edge as bytes: e[1..5] = p[-1, 3..=0], e[5] = p[-1, -1], e[6..14] = p[0..8, -1],
    // each end repeated (e[0] = p[-1, 3], e[14] = e[15] = p[7, -1]).
    let (l3, t7) = (u128::from(left >> 24), u128::from(top >> 56));
    let g = l3
        | u128::from(left.swap_bytes()) << 8
        | u128::from(top_left) << 40
        | u128::from(top) << 48
        | t7 << 112
        | t7 << 120;
    const LOW7: u128 = u128::from_le_bytes([0x7f; 16]);
    // Per byte: the rounded-up and the rounded-down average of two rows of bytes.
    let avg_up = |a: u128, b: u128| (a | b) - (((a ^ b) >> 1) & LOW7);
    let avg_down = |a: u128, b: u128| (a & b) + (((a ^ b) >> 1) & LOW7);
    // Byte i of `a`: A_i = (e[i] + e[i + 1] + 1) >> 1; of `f`: F_i = (e[i - 1] + 2 e[i] +
    // e[i + 1] + 2) >> 2 for i >= 1 (the 3-tap filter is the rounded-up average of e[i] and
    // the rounded-down one of its neighbours). In the specification's terms, with p[-1, -1]
    // at e[5]: A_i averages the edge samples at e[i] and e[i + 1], F_i filters around e[i].
    let a = avg_up(g, g >> 8);
    let f = avg_up(avg_down(g << 8, g >> 8), g);
    diag4x4_store(mode, a, f, out);
}

/// Writes the prediction of diagonal mode `mode` from the edge's averages `a` and filters `f`
/// (bytes as in [`predict4x4_diag`]).
#[inline(always)]
pub(crate) fn diag4x4_store(mode: u8, a: u128, f: u128, out: &mut [u8; 16]) {
    use crate::common::intra_pred::i4;
    // The 4 bytes of `v` from byte i, as a row.
    let from = |v: u128, i: u32| (v >> (8 * i)) as u32;
    let byte = |v: u128, i: u32| u32::from((v >> (8 * i)) as u8);
    let row4 = |b: [u32; 4]| b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24;
    let rows: [u32; 4] = match mode {
        // p[x, y] = F_{7 + x + y} (the last one filters p[6, -1], p[7, -1], p[7, -1]).
        i4::DDL => [from(f, 7), from(f, 8), from(f, 9), from(f, 10)],
        // p[x, y] = F_{5 + x - y}.
        i4::DDR => [from(f, 5), from(f, 4), from(f, 3), from(f, 2)],
        i4::VR => {
            let (r0, r1) = (from(a, 5), from(f, 5));
            [r0, r1, r0 << 8 | byte(f, 4), r1 << 8 | byte(f, 3)]
        }
        i4::HD => {
            let r0 = row4([byte(a, 4), byte(f, 5), byte(f, 6), byte(f, 7)]);
            let r1 = byte(a, 3) | byte(f, 4) << 8 | r0 << 16;
            let r2 = byte(a, 2) | byte(f, 3) << 8 | r1 << 16;
            let r3 = byte(a, 1) | byte(f, 2) << 8 | r2 << 16;
            [r0, r1, r2, r3]
        }
        i4::VL => [from(a, 6), from(f, 7), from(a, 7), from(f, 8)],
        _ => {
            // HU: pairs (A_i, F_i) for i = 3, 2, 1, then p[-1, 3] (= A_0) throughout.
            let l = byte(a, 0);
            let ll = l | l << 8;
            let p1 = byte(a, 1) | byte(f, 1) << 8;
            let p2 = byte(a, 2) | byte(f, 2) << 8;
            let p3 = byte(a, 3) | byte(f, 3) << 8;
            [p3 | p2 << 16, p2 | p1 << 16, p1 | ll << 16, ll | ll << 16]
        }
    };
    for (o, r) in out.chunks_exact_mut(4).zip(rows) {
        o.copy_from_slice(&r.to_le_bytes());
    }
}

/// SATD of a 4x4 block of differences (raster order): the Hadamard transform's absolute sum,
/// halved and rounded up (the sum is always even, so the rounding never changes it).
#[inline]
pub fn satd4x4_diff(d: &[i32; 16]) -> u32 {
    let mut t = *d;
    hadamard4x4(&mut t);
    t.iter().map(|v| v.unsigned_abs()).sum::<u32>().div_ceil(2)
}

/// SATD of a `w` x `h` block (multiples of 4): the sum of [`satd4x4_diff`] over its 4x4 blocks.
#[inline]
pub fn satd(a: &[u8], a_stride: usize, b: &[u8], b_stride: usize, w: usize, h: usize) -> u32 {
    let mut total = 0;
    for by in (0..h).step_by(4) {
        for bx in (0..w).step_by(4) {
            let mut d = [0i32; 16];
            for y in 0..4 {
                let oa = (by + y) * a_stride + bx;
                let ob = (by + y) * b_stride + bx;
                let ra: &[u8; 4] = a[oa..oa + 4].try_into().expect("4 samples");
                let rb: &[u8; 4] = b[ob..ob + 4].try_into().expect("4 samples");
                for x in 0..4 {
                    d[y * 4 + x] = i32::from(ra[x]) - i32::from(rb[x]);
                }
            }
            total += satd4x4_diff(&d);
        }
    }
    total
}

macro_rules! fixed_size {
    ($($sad:ident, $satd:ident, $w:literal x $h:literal;)*) => {$(
        #[doc = concat!("SAD of a ", stringify!($w), "x", stringify!($h), " block.")]
        pub fn $sad(a: &[u8], a_stride: usize, b: &[u8], b_stride: usize) -> u32 {
            sad(a, a_stride, b, b_stride, $w, $h)
        }
        #[doc = concat!("SATD of a ", stringify!($w), "x", stringify!($h), " block.")]
        pub fn $satd(a: &[u8], a_stride: usize, b: &[u8], b_stride: usize) -> u32 {
            satd(a, a_stride, b, b_stride, $w, $h)
        }
    )*};
}

fixed_size! {
    sad16x16, satd16x16, 16 x 16;
    sad16x8, satd16x8, 16 x 8;
    sad8x16, satd8x16, 8 x 16;
    sad8x8, satd8x8, 8 x 8;
    sad4x4, satd4x4, 4 x 4;
}

/// Quantises one coefficient: `sign(c) * min((|c| * mf + offset) >> qbits, MAX_LEVEL)`.
#[inline]
pub fn quant_one(coef: i32, mf: i32, offset: i32, qbits: u32) -> i32 {
    let level =
        ((i64::from(coef.unsigned_abs()) * i64::from(mf) + i64::from(offset)) >> qbits) as i32;
    let level = level.min(MAX_LEVEL);
    if coef < 0 {
        -level
    } else {
        level
    }
}

/// Quantises a 4x4 block in place with per-position multipliers `mf`; returns the number of
/// non-zero levels. With `skip_dc` position 0 is left untouched and not counted. Like
/// [`fdct4x4`] and [`idct4x4`], a step of the whole-block kernels ([`code4x4`],
/// [`quant_strips`], [`recon_strips`]), with no table entry of its own.
pub fn quant4x4(
    block: &mut [i32; 16],
    mf: &[i32; 16],
    offset: i32,
    qbits: u32,
    skip_dc: bool,
) -> u32 {
    let mut nz = 0;
    for i in usize::from(skip_dc)..16 {
        block[i] = quant_one(block[i], mf[i], offset, qbits);
        nz += u32::from(block[i] != 0);
    }
    nz
}

/// Forward 4x4 core transform `Cf * X * Cf^T` of a residual block (no scaling).
pub fn fdct4x4(block: &mut [i32; 16]) {
    let mut tmp = [0i32; 16];
    for i in 0..4 {
        let r = &block[i * 4..i * 4 + 4];
        let s03 = r[0] + r[3];
        let d03 = r[0] - r[3];
        let s12 = r[1] + r[2];
        let d12 = r[1] - r[2];
        tmp[i * 4] = s03 + s12;
        tmp[i * 4 + 1] = 2 * d03 + d12;
        tmp[i * 4 + 2] = s03 - s12;
        tmp[i * 4 + 3] = d03 - 2 * d12;
    }
    for j in 0..4 {
        let (a, b, c, d) = (tmp[j], tmp[4 + j], tmp[8 + j], tmp[12 + j]);
        let s03 = a + d;
        let d03 = a - d;
        let s12 = b + c;
        let d12 = b - c;
        block[j] = s03 + s12;
        block[4 + j] = 2 * d03 + d12;
        block[8 + j] = s03 - s12;
        block[12 + j] = d03 - 2 * d12;
    }
}

/// Inverse 4x4 transform of scaled coefficients `d` (8.5.12.2): rows first, then columns,
/// including the final `(x + 32) >> 6`; the output is the residual to add to the prediction.
pub fn idct4x4(block: &mut [i32; 16]) {
    let mut tmp = [0i32; 16];
    for i in 0..4 {
        let r = &block[i * 4..i * 4 + 4];
        let e = r[0] + r[2];
        let f = r[0] - r[2];
        let g = (r[1] >> 1) - r[3];
        let h = r[1] + (r[3] >> 1);
        tmp[i * 4] = e + h;
        tmp[i * 4 + 1] = f + g;
        tmp[i * 4 + 2] = f - g;
        tmp[i * 4 + 3] = e - h;
    }
    for j in 0..4 {
        let (a, b, c, d) = (tmp[j], tmp[4 + j], tmp[8 + j], tmp[12 + j]);
        let e = a + c;
        let f = a - c;
        let g = (b >> 1) - d;
        let h = b + (d >> 1);
        block[j] = (e + h + 32) >> 6;
        block[4 + j] = (f + g + 32) >> 6;
        block[8 + j] = (f - g + 32) >> 6;
        block[12 + j] = (e - h + 32) >> 6;
    }
}

/// Splits an interleaved chroma row (Cb, Cr, Cb, Cr, ...) into `u` and `v`:
/// `u[x] = uv[2x]`, `v[x] = uv[2x + 1]` for `x < u.len()` (`u` and `v` of equal length).
pub fn deinterleave_uv(uv: &[u8], u: &mut [u8], v: &mut [u8]) {
    let n = u.len();
    assert!(
        v.len() == n && uv.len() >= 2 * n,
        "deinterleave_uv: lengths"
    );
    for (x, pair) in uv[..2 * n].chunks_exact(2).enumerate() {
        u[x] = pair[0];
        v[x] = pair[1];
    }
}

/// Clip1 for 8-bit samples.
#[inline]
fn clip1(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

/// One line of luma samples across an edge (8.7.2.3 / 8.7.2.4 with chromaStyleFilteringFlag 0):
/// q_i = `d[q0 + i * s]`, p_i = `d[q0 - (i + 1) * s]`. `tc0` is only used for bS < 4.
pub fn filter_samples_luma(
    d: &mut [u8],
    q0: usize,
    s: usize,
    bs: u8,
    alpha: i32,
    beta: i32,
    tc0: i32,
) {
    let p = |i: usize| i32::from(d[q0 - (i + 1) * s]);
    let q = |i: usize| i32::from(d[q0 + i * s]);
    let (p0, p1, p2, p3) = (p(0), p(1), p(2), p(3));
    let (q0v, q1, q2, q3) = (q(0), q(1), q(2), q(3));
    // filterSamplesFlag (8.7.2.2).
    if bs == 0 || (p0 - q0v).abs() >= alpha || (p1 - p0).abs() >= beta || (q1 - q0v).abs() >= beta {
        return;
    }
    let ap = (p2 - p0).abs();
    let aq = (q2 - q0v).abs();
    if bs < 4 {
        // 8.7.2.3, luma: tC = tC0 + (ap < beta) + (aq < beta); p0, q0 by the clipped delta;
        // p1 (q1) only where ap (aq) < beta, clipped to tC0. All from the unfiltered samples.
        let tc = tc0 + i32::from(ap < beta) + i32::from(aq < beta);
        let delta = ((((q0v - p0) << 2) + (p1 - q1) + 4) >> 3).clamp(-tc, tc);
        d[q0 - s] = clip1(p0 + delta);
        d[q0] = clip1(q0v - delta);
        if ap < beta {
            let dp = ((p2 + ((p0 + q0v + 1) >> 1) - (p1 << 1)) >> 1).clamp(-tc0, tc0);
            d[q0 - 2 * s] = (p1 + dp) as u8;
        }
        if aq < beta {
            let dq = ((q2 + ((p0 + q0v + 1) >> 1) - (q1 << 1)) >> 1).clamp(-tc0, tc0);
            d[q0 + s] = (q1 + dq) as u8;
        }
    } else {
        // 8.7.2.4, luma: the strong 3-sample filter on a side where a(p|q) < beta and
        // |p0 - q0| < (alpha >> 2) + 2, else the 3-tap p0' (q0') only.
        let strong_gate = (p0 - q0v).abs() < ((alpha >> 2) + 2);
        if ap < beta && strong_gate {
            d[q0 - s] = ((p2 + 2 * p1 + 2 * p0 + 2 * q0v + q1 + 4) >> 3) as u8;
            d[q0 - 2 * s] = ((p2 + p1 + p0 + q0v + 2) >> 2) as u8;
            d[q0 - 3 * s] = ((2 * p3 + 3 * p2 + p1 + p0 + q0v + 4) >> 3) as u8;
        } else {
            d[q0 - s] = ((2 * p1 + p0 + q1 + 2) >> 2) as u8;
        }
        if aq < beta && strong_gate {
            d[q0] = ((p1 + 2 * p0 + 2 * q0v + 2 * q1 + q2 + 4) >> 3) as u8;
            d[q0 + s] = ((p0 + q0v + q1 + q2 + 2) >> 2) as u8;
            d[q0 + 2 * s] = ((2 * q3 + 3 * q2 + q1 + q0v + p0 + 4) >> 3) as u8;
        } else {
            d[q0] = ((2 * q1 + q0v + p1 + 2) >> 2) as u8;
        }
    }
}

/// One line of chroma samples across an edge (8.7.2.3 / 8.7.2.4 with chromaStyleFilteringFlag
/// 1): only p1, p0, q0, q1 are read and only p0, q0 written.
pub fn filter_samples_chroma(
    d: &mut [u8],
    q0: usize,
    s: usize,
    bs: u8,
    alpha: i32,
    beta: i32,
    tc0: i32,
) {
    let p0 = i32::from(d[q0 - s]);
    let p1 = i32::from(d[q0 - 2 * s]);
    let q0v = i32::from(d[q0]);
    let q1 = i32::from(d[q0 + s]);
    // filterSamplesFlag (8.7.2.2).
    if bs == 0 || (p0 - q0v).abs() >= alpha || (p1 - p0).abs() >= beta || (q1 - q0v).abs() >= beta {
        return;
    }
    if bs < 4 {
        // 8.7.2.3, chroma: tC = tC0 + 1; 8.7.2.4, chroma: the 3-tap form only.
        let tc = tc0 + 1;
        let delta = ((((q0v - p0) << 2) + (p1 - q1) + 4) >> 3).clamp(-tc, tc);
        d[q0 - s] = clip1(p0 + delta);
        d[q0] = clip1(q0v - delta);
    } else {
        d[q0 - s] = ((2 * p1 + p0 + q1 + 2) >> 2) as u8;
        d[q0] = ((2 * q1 + q0v + p1 + 2) >> 2) as u8;
    }
}

/// Filters the 16 lines of one luma edge (see [`super::Edge`]) with
/// [`filter_samples_luma`]: line `k` starts at `q0 + k * along` and uses segment `k / 4`.
pub fn deblock_luma_edge(d: &mut [u8], e: &super::Edge) {
    for k in 0..16 {
        let seg = k >> 2;
        filter_samples_luma(
            d,
            e.q0 + k * e.along,
            e.across,
            e.bs[seg],
            e.alpha,
            e.beta,
            i32::from(e.seg_tc0(seg)),
        );
    }
}

/// Filters the 8 lines of one 4:2:0 chroma edge (see [`super::Edge`]) with
/// [`filter_samples_chroma`]: line `k` starts at `q0 + k * along` and uses segment `k / 2`.
pub fn deblock_chroma_edge(d: &mut [u8], e: &super::Edge) {
    for k in 0..8 {
        let seg = k >> 1;
        filter_samples_chroma(
            d,
            e.q0 + k * e.along,
            e.across,
            e.bs[seg],
            e.alpha,
            e.beta,
            i32::from(e.seg_tc0(seg)),
        );
    }
}

/// [`deblock_chroma_edge`] of the same edge in both chroma planes (Cb in `u`, Cr in `v`,
/// laid out alike): the two planes are filtered independently (8.7).
pub fn deblock_chroma_edge2(u: &mut [u8], v: &mut [u8], e: &super::Edge) {
    deblock_chroma_edge(u, e);
    deblock_chroma_edge(v, e);
}

/// Reconstruction of a 4x4 block: `out[i] = Clip1(pred[i] + res[i])` (8.5.14). A step of
/// [`code4x4`] and [`recon_strips`], not a kernel of its own.
fn add_pred4x4(res: &[i32; 16], pred: &[u8; 16], out: &mut [u8; 16]) {
    for i in 0..16 {
        out[i] = (i32::from(pred[i]) + res[i]).clamp(0, 255) as u8;
    }
}

/// The 4x4 block whose rows start at `s[k * stride]`, as a stride-4 array.
#[inline]
fn gather4x4(s: &[u8], stride: usize) -> [u8; 16] {
    let mut b = [0u8; 16];
    for (k, row) in b.chunks_exact_mut(4).enumerate() {
        row.copy_from_slice(&s[k * stride..k * stride + 4]);
    }
    b
}

/// Writes a stride-4 array as the 4x4 block whose rows start at `d[k * stride]`.
#[inline]
fn scatter4x4(b: &[u8; 16], d: &mut [u8], stride: usize) {
    for (k, row) in b.chunks_exact(4).enumerate() {
        d[k * stride..k * stride + 4].copy_from_slice(row);
    }
}

/// One 4x4 block from samples to zig-zag levels and reconstruction (see
/// [`super::Code4x4Fn`]): the composition of [`fdct4x4`], [`quant4x4`], the scan, scaling,
/// [`idct4x4`] and `add_pred4x4`.
#[allow(clippy::too_many_arguments)]
pub fn code4x4(
    src: &[u8],
    ss: usize,
    pred: &[u8],
    ps: usize,
    q: &super::QuantParams,
    levels: &mut [i32; 16],
    recon: &mut [u8],
    rs: usize,
) -> u32 {
    let (src, pred) = (gather4x4(src, ss), gather4x4(pred, ps));
    let mut c = [0i32; 16];
    let mut abs_sum = 0u32;
    for i in 0..16 {
        c[i] = i32::from(src[i]) - i32::from(pred[i]);
        abs_sum += c[i].unsigned_abs();
    }
    if abs_sum <= q.zero_limit {
        *levels = [0; 16];
        scatter4x4(&pred, recon, rs);
        return 0;
    }
    fdct4x4(&mut c);
    let mf = q.mf.map(i32::from);
    let nz = quant4x4(&mut c, &mf, q.offset, q.qbits, false);
    for (k, &r) in ZIGZAG4X4.iter().enumerate() {
        levels[k] = c[r];
    }
    if nz == 0 {
        scatter4x4(&pred, recon, rs);
        return 0;
    }
    for (v, &d) in c.iter_mut().zip(&q.dq) {
        *v *= i32::from(d);
    }
    idct4x4(&mut c);
    let mut out = [0u8; 16];
    add_pred4x4(&c, &pred, &mut out);
    scatter4x4(&out, recon, rs);
    nz
}

/// Checks the layout [`super::QuantStripsFn`] and [`super::ReconStripsFn`] share and returns
/// the number of blocks.
#[inline]
pub(crate) fn strips_blocks(n_blocks: usize, src: usize, pred: usize) -> usize {
    assert!(
        n_blocks.is_multiple_of(4) && src == 16 * n_blocks && pred == src,
        "strips: {n_blocks} blocks, {src} and {pred} samples"
    );
    n_blocks
}

/// Checks the arguments of a [`super::QuantStripsFn`] and returns the number of blocks.
#[inline]
pub(crate) fn quant_strips_blocks(
    src: &[u8],
    pred: &[u8],
    dc_apart: bool,
    levels: &[[i16; 16]],
    dc: &[i32],
    nz: &[u16],
) -> usize {
    let n = strips_blocks(levels.len(), src.len(), pred.len());
    assert!(
        nz.len() == n && (!dc_apart || dc.len() == n),
        "strips: {} masks and {} DCs for {n} blocks",
        nz.len(),
        dc.len()
    );
    n
}

/// Offset of block `b`'s first sample in a strips layout (rows of 16 samples).
#[inline]
pub(crate) fn strips_offset(b: usize) -> usize {
    (b / 4) * 64 + (b % 4) * 4
}

/// The forward path of strips of 4x4 blocks (see [`super::QuantStripsFn`]): per block the
/// arithmetic of [`code4x4`] (with `dc_apart`, without quantising the DC position).
pub fn quant_strips(
    src: &[u8],
    pred: &[u8],
    q: &super::QuantParams,
    dc_apart: bool,
    levels: &mut [[i16; 16]],
    dc: &mut [i32],
    nz: &mut [u16],
) {
    let n = quant_strips_blocks(src, pred, dc_apart, levels, dc, nz);
    let mf = q.mf.map(i32::from);
    for b in 0..n {
        let o = strips_offset(b);
        let (s, p) = (gather4x4(&src[o..], 16), gather4x4(&pred[o..], 16));
        let mut c = [0i32; 16];
        for i in 0..16 {
            c[i] = i32::from(s[i]) - i32::from(p[i]);
        }
        fdct4x4(&mut c);
        if dc_apart {
            dc[b] = c[0];
            c[0] = 0;
        }
        quant4x4(&mut c, &mf, q.offset, q.qbits, dc_apart);
        nz[b] = 0;
        for (i, (l, &r)) in levels[b].iter_mut().zip(&ZIGZAG4X4).enumerate() {
            // |level| <= MAX_LEVEL fits i16.
            *l = c[r] as i16;
            nz[b] |= u16::from(*l != 0) << i;
        }
    }
}

/// The reconstruction of strips of 4x4 blocks (see [`super::ReconStripsFn`]).
pub fn recon_strips(
    levels: &[[i16; 16]],
    dc: Option<&[i32]>,
    pred: &[u8],
    q: &super::QuantParams,
    recon: &mut [u8],
) {
    let n = strips_blocks(levels.len(), pred.len(), recon.len());
    assert!(dc.is_none_or(|d| d.len() == n), "strips: DC length");
    for b in 0..n {
        let o = strips_offset(b);
        let p = gather4x4(&pred[o..], 16);
        let mut c = [0i32; 16];
        for (&l, &r) in levels[b].iter().zip(&ZIGZAG4X4) {
            c[r] = i32::from(l) * i32::from(q.dq[r]);
        }
        if let Some(dc) = dc {
            c[0] = dc[b];
        }
        let mut out = p;
        if c.iter().any(|&v| v != 0) {
            idct4x4(&mut c);
            add_pred4x4(&c, &p, &mut out);
        }
        scatter4x4(&out, &mut recon[o..], 16);
    }
}

/// Chroma interpolation of an 8-wide block (see [`super::McChroma8Fn`]).
pub fn mc_chroma8(src: &[u8], stride: usize, fx: u32, fy: u32, out: &mut [u8]) {
    let h = out.len() / 8;
    assert!(
        out.len() == 8 * h && h <= 8 && fx < 8 && fy < 8 && src.len() > h * stride + 8,
        "mc_chroma8: {} outputs, fraction ({fx}, {fy}), {} samples at stride {stride}",
        out.len(),
        src.len()
    );
    let (fx, fy) = (fx as u16, fy as u16);
    let w = [(8 - fx) * (8 - fy), fx * (8 - fy), (8 - fx) * fy, fx * fy];
    for (r, row) in out.chunks_exact_mut(8).enumerate() {
        let (t, b) = (&src[r * stride..], &src[(r + 1) * stride..]);
        for (x, o) in row.iter_mut().enumerate() {
            // At most 64 * 255 + 32: fits u16.
            let v = w[0] * u16::from(t[x])
                + w[1] * u16::from(t[x + 1])
                + w[2] * u16::from(b[x])
                + w[3] * u16::from(b[x + 1]);
            *o = ((v + 32) >> 6) as u8;
        }
    }
}

/// Chroma interpolation of an 8x8 block in both chroma planes, side by side (see
/// [`super::McChroma8x2Fn`]): [`mc_chroma8`] on each.
pub fn mc_chroma8x2(cb: &[u8], cr: &[u8], stride: usize, fx: u32, fy: u32, out: &mut [u8; 128]) {
    let (mut b, mut r) = ([0u8; 64], [0u8; 64]);
    mc_chroma8(cb, stride, fx, fy, &mut b);
    mc_chroma8(cr, stride, fx, fy, &mut r);
    for (k, row) in out.chunks_exact_mut(16).enumerate() {
        row[..8].copy_from_slice(&b[8 * k..8 * k + 8]);
        row[8..].copy_from_slice(&r[8 * k..8 * k + 8]);
    }
}

/// The rounded average of two blocks, `out[y * w + x] = (a[y * sa + x] + b[y * sb + x] + 1) >> 1`
/// for a `w` x `h` block: how the quarter-sample luma positions come from two full or half
/// samples (8.4.2.2.1, 8-250 to 8-261).
pub fn avg_block(a: &[u8], sa: usize, b: &[u8], sb: usize, out: &mut [u8], w: usize, h: usize) {
    for (y, dst) in out[..w * h].chunks_exact_mut(w).enumerate() {
        let ra = &a[y * sa..y * sa + w];
        let rb = &b[y * sb..y * sb + w];
        for ((d, &p), &q) in dst.iter_mut().zip(ra).zip(rb) {
            *d = ((u16::from(p) + u16::from(q) + 1) >> 1) as u8;
        }
    }
}

/// SATD of a 16x16 block against the rounded average of two blocks ([`avg_block`]).
pub fn satd_avg16x16(s: &[u8], ss: usize, a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    let mut avg = [0u8; 256];
    avg_block(a, sa, b, sb, &mut avg, 16, 16);
    satd(s, ss, &avg, 16, 16, 16)
}

/// E - 5F + 20G + 20H - 5I + J (8-241), unrounded; fits `i16` for 8-bit input.
#[inline(always)]
pub(crate) fn tap6(e: i16, f: i16, g: i16, h: i16, i: i16, j: i16) -> i16 {
    (e + j) - 5 * (f + i) + 20 * (g + h)
}

/// Clip1((v + 16) >> 5): a half sample from its unrounded 6-tap sum (8-243, 8-244).
#[inline(always)]
pub(crate) fn clip_half(v: i16) -> u8 {
    ((v + 16) >> 5).clamp(0, 255) as u8
}

/// The horizontal half-sample filter along a row: for every `i < b1.len()`, `b1[i]` is the
/// unrounded 6-tap sum of `src[i..i + 6]` (b1 of 8-241, centred between `src[i + 2]` and
/// `src[i + 3]`) and `b[i]` the half sample it rounds to. Needs `src.len() >= b1.len() + 5`
/// and `b.len() == b1.len()`.
pub fn hpel_row_h(src: &[u8], b1: &mut [i16], b: &mut [u8]) {
    let n = b1.len();
    assert!(src.len() >= n + 5 && b.len() == n, "hpel_row_h: lengths");
    for i in 0..n {
        let t = &src[i..i + 6];
        let v = tap6(
            i16::from(t[0]),
            i16::from(t[1]),
            i16::from(t[2]),
            i16::from(t[3]),
            i16::from(t[4]),
            i16::from(t[5]),
        );
        b1[i] = v;
        b[i] = clip_half(v);
    }
}

/// The vertical half-sample filter (h of 8-242) over six rows of samples: `h1[i]` is the
/// unrounded sum `tap6(r[0][i], ..., r[5][i])` (h1 of 8-242) and
/// `out[i] = Clip1((h1[i] + 16) >> 5)`. `h1` and `out` of equal length; every row at least
/// that long.
pub fn hpel_row_v(r: [&[u8]; 6], h1: &mut [i16], out: &mut [u8]) {
    let n = out.len();
    assert!(
        h1.len() == n && r.iter().all(|row| row.len() >= n),
        "hpel_row_v: lengths"
    );
    for i in 0..n {
        let v = tap6(
            i16::from(r[0][i]),
            i16::from(r[1][i]),
            i16::from(r[2][i]),
            i16::from(r[3][i]),
            i16::from(r[4][i]),
            i16::from(r[5][i]),
        );
        h1[i] = v;
        out[i] = clip_half(v);
    }
}

/// The centre half sample (j of 8-247, 8-248) from six rows of intermediates:
/// `out[i] = Clip1((tap6(r[0][i], ..., r[5][i]) + 512) >> 10)`, the sum taken in `i32`. Every
/// row at least `out.len()`. The six "rows" may be views of one row of vertical
/// intermediates h1 shifted by 0..6 (8-247's horizontal form, as `common::hpel` uses it).
pub fn hpel_row_c(r: [&[i16]; 6], out: &mut [u8]) {
    let n = out.len();
    assert!(r.iter().all(|row| row.len() >= n), "hpel_row_c: lengths");
    for i in 0..n {
        let t = |k: usize| i32::from(r[k][i]);
        let j1 = (t(0) + t(5)) - 5 * (t(1) + t(4)) + 20 * (t(2) + t(3));
        out[i] = ((j1 + 512) >> 10).clamp(0, 255) as u8;
    }
}

// RGB to NV12 (BT.601 limited range, see `crate::color`).

use crate::dsp::{ChromaSiting, PixelLayout};

// Fixed-point coefficients (x256) of the BT.601 limited-range matrix.
const YR: i32 = 66;
const YG: i32 = 129;
const YB: i32 = 25;
const UR: i32 = -38;
const UG: i32 = -74;
const UB: i32 = 112;
const VR: i32 = 112;
const VG: i32 = -94;
const VB: i32 = -18;

/// Luma of one pixel; in 16 bits (the sum is at most 56 228), which vectorises well.
#[inline(always)]
fn luma(r: u16, g: u16, b: u16) -> u8 {
    (((YR as u16 * r + YG as u16 * g + YB as u16 * b + 128) >> 8) + 16) as u8
}

/// Chroma from RGB sums over `n = 1 << shift` pixels.
#[inline(always)]
fn chroma(r: i32, g: i32, b: i32, shift: u32) -> (u8, u8) {
    let s = 8 + shift;
    let round = 1 << (s - 1);
    let u = ((UR * r + UG * g + UB * b + round) >> s) + 128;
    let v = ((VR * r + VG * g + VB * b + round) >> s) + 128;
    (u.clamp(0, 255) as u8, v.clamp(0, 255) as u8)
}

/// R, G and B of the pixel starting at `p[0]`: `BGR` swaps R and B; a 4th byte (alpha) is
/// never read.
#[inline(always)]
fn rgb_of<const BGR: bool>(p: &[u8]) -> (u8, u8, u8) {
    if BGR {
        (p[2], p[1], p[0])
    } else {
        (p[0], p[1], p[2])
    }
}

/// One row of luma. Monomorphised per pixel size and order so the loop has constant offsets
/// and strides, which the compiler vectorises.
#[inline(always)]
fn luma_row<const BPP: usize, const BGR: bool>(row: &[u8], out: &mut [u8]) {
    for (p, y) in row.chunks_exact(BPP).zip(out.iter_mut()) {
        let (r, g, b) = rgb_of::<BGR>(p);
        *y = luma(u16::from(r), u16::from(g), u16::from(b));
    }
}

/// One row of interleaved chroma from two rows of pixels.
#[inline(always)]
fn chroma_row<const BPP: usize, const BGR: bool>(
    row0: &[u8],
    row1: &[u8],
    uv: &mut [u8],
    siting: ChromaSiting,
) {
    let pairs = row0
        .chunks_exact(2 * BPP)
        .zip(row1.chunks_exact(2 * BPP))
        .zip(uv.chunks_exact_mut(2));
    match siting {
        ChromaSiting::Average => {
            for ((p0, p1), out) in pairs {
                let px = [
                    rgb_of::<BGR>(p0),
                    rgb_of::<BGR>(&p0[BPP..]),
                    rgb_of::<BGR>(p1),
                    rgb_of::<BGR>(&p1[BPP..]),
                ];
                let sum = |c: fn(&(u8, u8, u8)) -> u8| px.iter().map(|p| i32::from(c(p))).sum();
                let (u, v) = chroma(sum(|p| p.0), sum(|p| p.1), sum(|p| p.2), 2);
                out[0] = u;
                out[1] = v;
            }
        }
        ChromaSiting::TopLeft => {
            for ((p0, _), out) in pairs {
                let (r, g, b) = rgb_of::<BGR>(p0);
                let (u, v) = chroma(i32::from(r), i32::from(g), i32::from(b), 0);
                out[0] = u;
                out[1] = v;
            }
        }
    }
}

/// Two rows of packed pixels to two rows of luma and one row of interleaved chroma (see
/// [`super::RgbToNv12RowsFn`]).
pub fn rgb_to_nv12_rows(
    row0: &[u8],
    row1: &[u8],
    y0: &mut [u8],
    y1: &mut [u8],
    uv: &mut [u8],
    layout: PixelLayout,
    siting: ChromaSiting,
) {
    fn run<const BPP: usize, const BGR: bool>(
        row0: &[u8],
        row1: &[u8],
        y0: &mut [u8],
        y1: &mut [u8],
        uv: &mut [u8],
        siting: ChromaSiting,
    ) {
        let n = y0.len();
        assert!(
            y1.len() == n && uv.len() == n && n.is_multiple_of(2),
            "rgb_to_nv12_rows: lengths"
        );
        let (row0, row1) = (&row0[..n * BPP], &row1[..n * BPP]);
        luma_row::<BPP, BGR>(row0, y0);
        luma_row::<BPP, BGR>(row1, y1);
        chroma_row::<BPP, BGR>(row0, row1, uv, siting);
    }
    match layout {
        PixelLayout::Rgb => run::<3, false>(row0, row1, y0, y1, uv, siting),
        PixelLayout::Bgr => run::<3, true>(row0, row1, y0, y1, uv, siting),
        PixelLayout::Rgba => run::<4, false>(row0, row1, y0, y1, uv, siting),
        PixelLayout::Bgra => run::<4, true>(row0, row1, y0, y1, uv, siting),
    }
}
