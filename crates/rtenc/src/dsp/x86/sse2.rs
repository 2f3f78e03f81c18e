//! SSE2 kernels (x86-64 baseline). Each matches its `scalar` twin exactly.

use std::arch::x86_64::*;

use super::{load16, load4, load8, load_i16x8, store16, store4, store8, store_i16x8, Rows};
use crate::tables::MAX_LEVEL;

/// Horizontal sum of the two 64-bit lanes of a `psadbw` accumulator.
#[target_feature(enable = "sse2")]
#[inline]
fn hsum_sad(acc: __m128i) -> u32 {
    let hi = _mm_unpackhi_epi64(acc, acc);
    _mm_cvtsi128_si32(_mm_add_epi64(acc, hi)) as u32
}

/// Horizontal sum of four `i32` lanes.
#[target_feature(enable = "sse2")]
#[inline]
fn hsum_epi32(v: __m128i) -> u32 {
    let v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0b01_00_11_10));
    let v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0b10_11_00_01));
    _mm_cvtsi128_si32(v) as u32
}

#[target_feature(enable = "sse2")]
#[inline]
fn sad_16xh(a: &[u8], sa: usize, b: &[u8], sb: usize, h: usize) -> u32 {
    let (a, b) = (Rows::<16>::new(a, sa, h), Rows::<16>::new(b, sb, h));
    let mut acc = _mm_setzero_si128();
    for y in 0..h {
        let d = _mm_sad_epu8(a.load16(y, 0), b.load16(y, 0));
        acc = _mm_add_epi64(acc, d);
    }
    hsum_sad(acc)
}

/// The 16x16 SAD against four blocks, each source row loaded once (as `scalar::sad16x16_x4`).
#[target_feature(enable = "sse2")]
pub fn sad16x16_x4(src: &[u8], ss: usize, refs: [&[u8]; 4], rs: usize) -> [u32; 4] {
    let s = Rows::<16>::new(src, ss, 16);
    let r = refs.map(|r| Rows::<16>::new(r, rs, 16));
    let mut acc = [_mm_setzero_si128(); 4];
    for y in 0..16 {
        let sv = s.load16(y, 0);
        for k in 0..4 {
            acc[k] = _mm_add_epi64(acc[k], _mm_sad_epu8(sv, r[k].load16(y, 0)));
        }
    }
    acc.map(|a| hsum_sad(a))
}

#[target_feature(enable = "sse2")]
#[inline]
fn sad_8xh(a: &[u8], sa: usize, b: &[u8], sb: usize, h: usize) -> u32 {
    let (a, b) = (Rows::<8>::new(a, sa, h), Rows::<8>::new(b, sb, h));
    let mut acc = _mm_setzero_si128();
    for y in (0..h).step_by(2) {
        let ra = _mm_unpacklo_epi64(a.load8(y, 0), a.load8(y + 1, 0));
        let rb = _mm_unpacklo_epi64(b.load8(y, 0), b.load8(y + 1, 0));
        acc = _mm_add_epi64(acc, _mm_sad_epu8(ra, rb));
    }
    hsum_sad(acc)
}

/// Four rows of 4 samples packed into one register.
#[target_feature(enable = "sse2")]
#[inline]
fn rows4x4(s: &[u8], stride: usize) -> __m128i {
    let s = Rows::<4>::new(s, stride, 4);
    let r01 = _mm_unpacklo_epi32(s.load4(0, 0), s.load4(1, 0));
    let r23 = _mm_unpacklo_epi32(s.load4(2, 0), s.load4(3, 0));
    _mm_unpacklo_epi64(r01, r23)
}

/// Writes the four 4-byte rows packed in `v` at `stride`.
#[target_feature(enable = "sse2")]
#[inline]
fn store_rows4x4(d: &mut [u8], stride: usize, v: __m128i) {
    store4(d, 0, v);
    store4(d, stride, _mm_srli_si128::<4>(v));
    store4(d, 2 * stride, _mm_srli_si128::<8>(v));
    store4(d, 3 * stride, _mm_srli_si128::<12>(v));
}

/// SAD of a 16x16 block.
#[target_feature(enable = "sse2")]
pub fn sad16x16(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    sad_16xh(a, sa, b, sb, 16)
}

/// SAD of a 16x8 block.
#[target_feature(enable = "sse2")]
pub fn sad16x8(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    sad_16xh(a, sa, b, sb, 8)
}

/// SAD of an 8x16 block.
#[target_feature(enable = "sse2")]
pub fn sad8x16(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    sad_8xh(a, sa, b, sb, 16)
}

/// SAD of an 8x8 block.
#[target_feature(enable = "sse2")]
pub fn sad8x8(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    sad_8xh(a, sa, b, sb, 8)
}

/// SAD of a 4x4 block.
#[target_feature(enable = "sse2")]
pub fn sad4x4(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    hsum_sad(_mm_sad_epu8(rows4x4(a, sa), rows4x4(b, sb)))
}

/// |x| of `i16` lanes (the inputs here never reach -32768).
#[target_feature(enable = "sse2")]
#[inline]
fn abs16(x: __m128i) -> __m128i {
    _mm_max_epi16(x, _mm_sub_epi16(_mm_setzero_si128(), x))
}

/// One stage-pair of the 4-point Hadamard across four registers (any lane layout).
#[target_feature(enable = "sse2")]
#[inline]
fn hadamard4(
    d0: __m128i,
    d1: __m128i,
    d2: __m128i,
    d3: __m128i,
) -> (__m128i, __m128i, __m128i, __m128i) {
    let s01 = _mm_add_epi16(d0, d1);
    let d01 = _mm_sub_epi16(d0, d1);
    let s23 = _mm_add_epi16(d2, d3);
    let d23 = _mm_sub_epi16(d2, d3);
    (
        _mm_add_epi16(s01, s23),
        _mm_sub_epi16(s01, s23),
        _mm_sub_epi16(d01, d23),
        _mm_add_epi16(d01, d23),
    )
}

/// Transposes the two 4x4 `i16` blocks held in the low and high halves of four registers.
#[target_feature(enable = "sse2")]
#[inline]
fn transpose_2x4x4(
    r0: __m128i,
    r1: __m128i,
    r2: __m128i,
    r3: __m128i,
) -> (__m128i, __m128i, __m128i, __m128i) {
    let t0 = _mm_unpacklo_epi16(r0, r1);
    let t1 = _mm_unpackhi_epi16(r0, r1);
    let t2 = _mm_unpacklo_epi16(r2, r3);
    let t3 = _mm_unpackhi_epi16(r2, r3);
    let u0 = _mm_unpacklo_epi32(t0, t2);
    let u1 = _mm_unpackhi_epi32(t0, t2);
    let u2 = _mm_unpacklo_epi32(t1, t3);
    let u3 = _mm_unpackhi_epi32(t1, t3);
    (
        _mm_unpacklo_epi64(u0, u2),
        _mm_unpackhi_epi64(u0, u2),
        _mm_unpacklo_epi64(u1, u3),
        _mm_unpackhi_epi64(u1, u3),
    )
}

/// SATD of the 4x4 blocks whose difference rows are `d0..d3` (`i16`, two blocks side by side):
/// per-`i32`-lane partial sums. Uses `|x + y| + |x - y| = 2 max(|x|, |y|)` for the last
/// butterfly, which also performs the halving (a 4x4 Hadamard sum is always even).
#[target_feature(enable = "sse2")]
#[inline]
fn satd_core(d0: __m128i, d1: __m128i, d2: __m128i, d3: __m128i) -> __m128i {
    let (v0, v1, v2, v3) = hadamard4(d0, d1, d2, d3);
    let (h0, h1, h2, h3) = transpose_2x4x4(v0, v1, v2, v3);
    let s01 = _mm_add_epi16(h0, h1);
    let d01 = _mm_sub_epi16(h0, h1);
    let s23 = _mm_add_epi16(h2, h3);
    let d23 = _mm_sub_epi16(h2, h3);
    let m = _mm_add_epi16(
        _mm_max_epi16(abs16(s01), abs16(s23)),
        _mm_max_epi16(abs16(d01), abs16(d23)),
    );
    _mm_madd_epi16(m, _mm_set1_epi16(1))
}

/// Differences of 8 samples as `i16`.
/// The SATDs of a 4x4 block against the three axis Intra_4x4 predictions, like
/// `scalar::satd4x4_axis`: the vertical and horizontal residuals side by side through one
/// [`satd_core`], the DC residual through another.
#[target_feature(enable = "sse2")]
pub fn satd4x4_axis(src: &[u8], stride: usize, top: &[u8; 4], left: &[u8; 4], dc: u8) -> [u32; 3] {
    let s = Rows::<4>::new(src, stride, 4);
    let z = _mm_setzero_si128();
    // `top` as 16-bit lanes 0-3, and the DC value in every lane.
    let t = _mm_unpacklo_epi8(_mm_cvtsi32_si128(i32::from_le_bytes(*top)), z);
    let d = _mm_set1_epi16(i16::from(dc));
    let mut vh = [z; 4];
    let mut dd = [z; 4];
    for r in 0..4 {
        // Row r in lanes 0-3 (zero above), then twice (lanes 0-3 and 4-7).
        let row = _mm_unpacklo_epi8(s.load4(r, 0), z);
        let pred = _mm_unpacklo_epi64(t, _mm_set1_epi16(i16::from(left[r])));
        vh[r] = _mm_sub_epi16(_mm_unpacklo_epi64(row, row), pred);
        dd[r] = _mm_sub_epi16(row, d);
    }
    // 32-bit lanes 0-1: the left block's halves of the sum, 2-3: the right block's.
    let a = satd_core(vh[0], vh[1], vh[2], vh[3]);
    let b = satd_core(dd[0], dd[1], dd[2], dd[3]);
    let a = _mm_add_epi32(a, _mm_srli_si128::<4>(a));
    let b = _mm_add_epi32(b, _mm_srli_si128::<4>(b));
    [
        _mm_cvtsi128_si32(a) as u32,
        _mm_cvtsi128_si32(_mm_srli_si128::<8>(a)) as u32,
        _mm_cvtsi128_si32(b) as u32,
    ]
}

/// Diagonal Intra_4x4 prediction, like `scalar::predict4x4_diag`: the edge's rounded averages
/// and 3-tap filters with `pavgb` (the filter as the rounded average of the centre and the
/// rounded-down average of its neighbours), the rows picked as there.
#[target_feature(enable = "sse2")]
pub fn predict4x4_diag(top: u64, left: u32, top_left: u8, mode: u8, out: &mut [u8; 16]) {
    // The edge bytes of `scalar::predict4x4_diag`, low and high halves.
    let (l3, t7) = (u64::from(left >> 24), top >> 56);
    let lo = l3 | u64::from(left.swap_bytes()) << 8 | u64::from(top_left) << 40 | top << 48;
    let hi = top >> 16 | t7 << 48 | t7 << 56;
    let g = _mm_set_epi64x(hi as i64, lo as i64);
    let (prev, next) = (_mm_slli_si128::<1>(g), _mm_srli_si128::<1>(g));
    let a = _mm_avg_epu8(g, next);
    let down = _mm_sub_epi8(
        _mm_avg_epu8(prev, next),
        _mm_and_si128(_mm_xor_si128(prev, next), _mm_set1_epi8(1)),
    );
    let f = _mm_avg_epu8(down, g);
    let wide = |v: __m128i| {
        let lo = _mm_cvtsi128_si64(v) as u64;
        let hi = _mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v)) as u64;
        u128::from(lo) | u128::from(hi) << 64
    };
    crate::dsp::scalar::diag4x4_store(mode, wide(a), wide(f), out);
}

#[target_feature(enable = "sse2")]
#[inline]
fn diff8(a: __m128i, b: __m128i) -> __m128i {
    let z = _mm_setzero_si128();
    _mm_sub_epi16(_mm_unpacklo_epi8(a, z), _mm_unpacklo_epi8(b, z))
}

#[target_feature(enable = "sse2")]
#[inline]
fn satd_wxh<const W: usize>(a: &[u8], sa: usize, b: &[u8], sb: usize, h: usize) -> u32 {
    let (a, b) = (Rows::<W>::new(a, sa, h), Rows::<W>::new(b, sb, h));
    let mut acc = _mm_setzero_si128();
    for y in (0..h).step_by(4) {
        for x in (0..W).step_by(8) {
            let d = |r: usize| diff8(a.load8(y + r, x), b.load8(y + r, x));
            acc = _mm_add_epi32(acc, satd_core(d(0), d(1), d(2), d(3)));
        }
    }
    hsum_epi32(acc)
}

/// SATD of a 16x16 block.
#[target_feature(enable = "sse2")]
pub fn satd16x16(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    satd_wxh::<16>(a, sa, b, sb, 16)
}

/// SATD of a 16x8 block.
#[target_feature(enable = "sse2")]
pub fn satd16x8(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    satd_wxh::<16>(a, sa, b, sb, 8)
}

/// SATD of an 8x16 block.
#[target_feature(enable = "sse2")]
pub fn satd8x16(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    satd_wxh::<8>(a, sa, b, sb, 16)
}

/// SATD of an 8x8 block.
#[target_feature(enable = "sse2")]
pub fn satd8x8(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    satd_wxh::<8>(a, sa, b, sb, 8)
}

/// SATD of a 4x4 block (the high half of each register stays zero and adds nothing).
#[target_feature(enable = "sse2")]
pub fn satd4x4(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    let (a, b) = (Rows::<4>::new(a, sa, 4), Rows::<4>::new(b, sb, 4));
    let d = |y: usize| diff8(a.load4(y, 0), b.load4(y, 0));
    hsum_epi32(satd_core(d(0), d(1), d(2), d(3)))
}

/// The forward 4x4 core butterfly across four registers of `i32`.
#[target_feature(enable = "sse2")]
#[inline]
fn fdct4(
    x0: __m128i,
    x1: __m128i,
    x2: __m128i,
    x3: __m128i,
) -> (__m128i, __m128i, __m128i, __m128i) {
    let s03 = _mm_add_epi32(x0, x3);
    let d03 = _mm_sub_epi32(x0, x3);
    let s12 = _mm_add_epi32(x1, x2);
    let d12 = _mm_sub_epi32(x1, x2);
    (
        _mm_add_epi32(s03, s12),
        _mm_add_epi32(_mm_add_epi32(d03, d03), d12),
        _mm_sub_epi32(s03, s12),
        _mm_sub_epi32(d03, _mm_add_epi32(d12, d12)),
    )
}

/// The inverse 4x4 butterfly (8.5.12.2) across four registers of `i32`.
#[target_feature(enable = "sse2")]
#[inline]
fn idct4(
    x0: __m128i,
    x1: __m128i,
    x2: __m128i,
    x3: __m128i,
) -> (__m128i, __m128i, __m128i, __m128i) {
    let e = _mm_add_epi32(x0, x2);
    let f = _mm_sub_epi32(x0, x2);
    let g = _mm_sub_epi32(_mm_srai_epi32(x1, 1), x3);
    let h = _mm_add_epi32(x1, _mm_srai_epi32(x3, 1));
    (
        _mm_add_epi32(e, h),
        _mm_add_epi32(f, g),
        _mm_sub_epi32(f, g),
        _mm_sub_epi32(e, h),
    )
}

/// Transposes a 4x4 block of `i32` held as four row registers.
#[target_feature(enable = "sse2")]
#[inline]
fn transpose4x4_epi32(
    r0: __m128i,
    r1: __m128i,
    r2: __m128i,
    r3: __m128i,
) -> (__m128i, __m128i, __m128i, __m128i) {
    let t0 = _mm_unpacklo_epi32(r0, r1);
    let t1 = _mm_unpacklo_epi32(r2, r3);
    let t2 = _mm_unpackhi_epi32(r0, r1);
    let t3 = _mm_unpackhi_epi32(r2, r3);
    (
        _mm_unpacklo_epi64(t0, t1),
        _mm_unpackhi_epi64(t0, t1),
        _mm_unpacklo_epi64(t2, t3),
        _mm_unpackhi_epi64(t2, t3),
    )
}

/// NV12 chroma row to planar rows, 16 pairs at a time, the tail by the scalar twin.
#[target_feature(enable = "sse2")]
pub fn deinterleave_uv(uv: &[u8], u: &mut [u8], v: &mut [u8]) {
    let n = u.len();
    assert!(
        v.len() == n && uv.len() >= 2 * n,
        "deinterleave_uv: lengths"
    );
    let mask = _mm_set1_epi16(0x00ff);
    let mut x = 0;
    while x + 16 <= n {
        let a = load16(uv, 2 * x);
        let b = load16(uv, 2 * x + 16);
        let cb = _mm_packus_epi16(_mm_and_si128(a, mask), _mm_and_si128(b, mask));
        let cr = _mm_packus_epi16(_mm_srli_epi16(a, 8), _mm_srli_epi16(b, 8));
        store16(u, x, cb);
        store16(v, x, cr);
        x += 16;
    }
    crate::dsp::scalar::deinterleave_uv(&uv[2 * x..], &mut u[x..], &mut v[x..]);
}

/// |a - b| of `i16` lanes.
#[target_feature(enable = "sse2")]
#[inline]
fn absd16(a: __m128i, b: __m128i) -> __m128i {
    abs16(_mm_sub_epi16(a, b))
}

/// `m ? a : b` per lane (`m` all ones or zero).
#[target_feature(enable = "sse2")]
#[inline]
fn select(m: __m128i, a: __m128i, b: __m128i) -> __m128i {
    _mm_or_si128(_mm_and_si128(m, a), _mm_andnot_si128(m, b))
}

/// Clip3(-t, t, v) of `i16` lanes.
#[target_feature(enable = "sse2")]
#[inline]
fn clamp_tc(v: __m128i, t: __m128i) -> __m128i {
    _mm_min_epi16(_mm_max_epi16(v, _mm_sub_epi16(_mm_setzero_si128(), t)), t)
}

/// The luma filter (8.7.2.3 / 8.7.2.4, as `scalar::filter_samples_luma`) on eight lines at
/// once: `p[i]`, `q[i]` are the `i16` samples p_i, q_i of each line; returns the new
/// p2, p1, p0, q0, q1, q2 (unfiltered lanes unchanged, values may need the final clip to 0..255
/// that packing with unsigned saturation performs).
#[target_feature(enable = "sse2")]
#[inline]
fn filter_luma8(
    p: [__m128i; 4],
    q: [__m128i; 4],
    bs: __m128i,
    tc0: __m128i,
    alpha: __m128i,
    beta: __m128i,
) -> [__m128i; 6] {
    let [p0, p1, p2, p3] = p;
    let [q0, q1, q2, q3] = q;
    let lt = |a: __m128i, b: __m128i| _mm_cmplt_epi16(a, b);
    let add = |a: __m128i, b: __m128i| _mm_add_epi16(a, b);
    let sub = |a: __m128i, b: __m128i| _mm_sub_epi16(a, b);
    let k = |v: i16| _mm_set1_epi16(v);
    // filterSamplesFlag.
    let flag = _mm_and_si128(
        _mm_cmpgt_epi16(bs, _mm_setzero_si128()),
        _mm_and_si128(
            lt(absd16(p0, q0), alpha),
            _mm_and_si128(lt(absd16(p1, p0), beta), lt(absd16(q1, q0), beta)),
        ),
    );
    let ap = lt(absd16(p2, p0), beta);
    let aq = lt(absd16(q2, q0), beta);

    // bS < 4.
    let tc = sub(sub(tc0, ap), aq); // the masks are -1 where true
    let delta = _mm_srai_epi16(
        add(add(_mm_slli_epi16(sub(q0, p0), 2), sub(p1, q1)), k(4)),
        3,
    );
    let delta = clamp_tc(delta, tc);
    let avg = _mm_srai_epi16(add(add(p0, q0), k(1)), 1);
    let dp = clamp_tc(_mm_srai_epi16(sub(add(p2, avg), add(p1, p1)), 1), tc0);
    let dq = clamp_tc(_mm_srai_epi16(sub(add(q2, avg), add(q1, q1)), 1), tc0);
    let n_p1 = select(ap, add(p1, dp), p1);
    let n_p0 = add(p0, delta);
    let n_q0 = sub(q0, delta);
    let n_q1 = select(aq, add(q1, dq), q1);

    // bS == 4.
    let gate = lt(absd16(p0, q0), add(_mm_srai_epi16(alpha, 2), k(2)));
    let sp = _mm_and_si128(ap, gate);
    let sq = _mm_and_si128(aq, gate);
    let pq0 = add(p0, q0);
    let s_p0 = _mm_srai_epi16(
        add(add(add(p2, add(p1, p1)), add(pq0, pq0)), add(q1, k(4))),
        3,
    );
    let s_p1 = _mm_srai_epi16(add(add(p2, p1), add(pq0, k(2))), 2);
    let s_p2 = _mm_srai_epi16(
        add(
            add(add(p3, p3), add(add(p2, p2), p2)),
            add(add(p1, pq0), k(4)),
        ),
        3,
    );
    let w_p0 = _mm_srai_epi16(add(add(add(p1, p1), p0), add(q1, k(2))), 2);
    let s_q0 = _mm_srai_epi16(
        add(add(add(q2, add(q1, q1)), add(pq0, pq0)), add(p1, k(4))),
        3,
    );
    let s_q1 = _mm_srai_epi16(add(add(q2, q1), add(pq0, k(2))), 2);
    let s_q2 = _mm_srai_epi16(
        add(
            add(add(q3, q3), add(add(q2, q2), q2)),
            add(add(q1, pq0), k(4)),
        ),
        3,
    );
    let w_q0 = _mm_srai_epi16(add(add(add(q1, q1), q0), add(p1, k(2))), 2);
    let st = [
        select(sp, s_p2, p2),
        select(sp, s_p1, p1),
        select(sp, s_p0, w_p0),
        select(sq, s_q0, w_q0),
        select(sq, s_q1, q1),
        select(sq, s_q2, q2),
    ];
    let normal = [p2, n_p1, n_p0, n_q0, n_q1, q2];
    let orig = [p2, p1, p0, q0, q1, q2];
    let is4 = _mm_cmpeq_epi16(bs, k(4));
    let mut out = orig;
    for i in 0..6 {
        out[i] = select(flag, select(is4, st[i], normal[i]), orig[i]);
    }
    out
}

/// Transposes an 8x8 block of `i16` (its own inverse).
#[target_feature(enable = "sse2")]
#[inline]
fn transpose8x8_epi16(r: [__m128i; 8]) -> [__m128i; 8] {
    let a0 = _mm_unpacklo_epi16(r[0], r[1]);
    let a1 = _mm_unpackhi_epi16(r[0], r[1]);
    let a2 = _mm_unpacklo_epi16(r[2], r[3]);
    let a3 = _mm_unpackhi_epi16(r[2], r[3]);
    let a4 = _mm_unpacklo_epi16(r[4], r[5]);
    let a5 = _mm_unpackhi_epi16(r[4], r[5]);
    let a6 = _mm_unpacklo_epi16(r[6], r[7]);
    let a7 = _mm_unpackhi_epi16(r[6], r[7]);
    let b0 = _mm_unpacklo_epi32(a0, a2);
    let b1 = _mm_unpackhi_epi32(a0, a2);
    let b2 = _mm_unpacklo_epi32(a1, a3);
    let b3 = _mm_unpackhi_epi32(a1, a3);
    let b4 = _mm_unpacklo_epi32(a4, a6);
    let b5 = _mm_unpackhi_epi32(a4, a6);
    let b6 = _mm_unpacklo_epi32(a5, a7);
    let b7 = _mm_unpackhi_epi32(a5, a7);
    [
        _mm_unpacklo_epi64(b0, b4),
        _mm_unpackhi_epi64(b0, b4),
        _mm_unpacklo_epi64(b1, b5),
        _mm_unpackhi_epi64(b1, b5),
        _mm_unpacklo_epi64(b2, b6),
        _mm_unpackhi_epi64(b2, b6),
        _mm_unpacklo_epi64(b3, b7),
        _mm_unpackhi_epi64(b3, b7),
    ]
}

/// bS and tC0 of segments `2h` and `2h + 1` spread over eight `i16` lanes (four lines each).
#[target_feature(enable = "sse2")]
#[inline]
fn segment_lanes(e: &crate::dsp::Edge, h: usize) -> (__m128i, __m128i) {
    let lanes = |a: i32, b: i32| {
        let (a, b) = (a as i16, b as i16);
        _mm_set_epi16(b, b, b, b, a, a, a, a)
    };
    (
        lanes(i32::from(e.bs[2 * h]), i32::from(e.bs[2 * h + 1])),
        lanes(i32::from(e.seg_tc0(2 * h)), i32::from(e.seg_tc0(2 * h + 1))),
    )
}

/// The luma deblocking filter of one 16-line edge, 8 lines per register. A horizontal edge
/// (`along == 1`) reads the rows p3..q3 directly; a vertical edge (`across == 1`) transposes
/// 8x8 samples around it in and out. Any other layout goes to the scalar twin.
#[target_feature(enable = "sse2")]
pub fn deblock_luma_edge(d: &mut [u8], e: &crate::dsp::Edge) {
    let z = _mm_setzero_si128();
    let alpha = _mm_set1_epi16(e.alpha as i16);
    let beta = _mm_set1_epi16(e.beta as i16);
    if e.along == 1 {
        if e.bs == [0; 4] {
            return;
        }
        let s = e.across;
        let top = e.q0.checked_sub(4 * s).expect("p3 row inside the plane");
        let rows: [__m128i; 8] = std::array::from_fn(|i| load16(d, top + i * s)); // p3 .. q3
        let half = |h: usize| {
            let (bs, tc0) = segment_lanes(e, h);
            let w = |r: __m128i| {
                if h == 0 {
                    _mm_unpacklo_epi8(r, z)
                } else {
                    _mm_unpackhi_epi8(r, z)
                }
            };
            let p = [w(rows[3]), w(rows[2]), w(rows[1]), w(rows[0])];
            let q = [w(rows[4]), w(rows[5]), w(rows[6]), w(rows[7])];
            filter_luma8(p, q, bs, tc0, alpha, beta)
        };
        let lo = half(0);
        let hi = half(1);
        for i in 0..6 {
            store16(d, top + (i + 1) * s, _mm_packus_epi16(lo[i], hi[i]));
        }
    } else if e.across == 1 {
        for h in 0..2 {
            if e.bs[2 * h] | e.bs[2 * h + 1] == 0 {
                continue;
            }
            let (bs, tc0) = segment_lanes(e, h);
            let first = e.q0 + 8 * h * e.along;
            let left = first.checked_sub(4).expect("p3 column inside the plane");
            let rows: [__m128i; 8] =
                std::array::from_fn(|i| _mm_unpacklo_epi8(load8(d, left + i * e.along), z));
            let c = transpose8x8_epi16(rows); // c[i]: sample i (p3 .. q3) of each line
            let out = filter_luma8(
                [c[3], c[2], c[1], c[0]],
                [c[4], c[5], c[6], c[7]],
                bs,
                tc0,
                alpha,
                beta,
            );
            let cols = [c[0], out[0], out[1], out[2], out[3], out[4], out[5], c[7]];
            let r = transpose8x8_epi16(cols);
            for (i, &v) in r.iter().enumerate() {
                store8(d, left + i * e.along, _mm_packus_epi16(v, v));
            }
        }
    } else {
        crate::dsp::scalar::deblock_luma_edge(d, e);
    }
}

/// The chroma filter (8.7.2.3 / 8.7.2.4 with chromaStyleFilteringFlag 1, as
/// `scalar::filter_samples_chroma`) on eight lines: returns the new p0 and q0 (`i16`, to be
/// clipped by unsigned-saturating packing).
#[target_feature(enable = "sse2")]
#[inline]
fn filter_chroma8(
    [p1, p0, q0, q1]: [__m128i; 4],
    bs: __m128i,
    tc0: __m128i,
    alpha: __m128i,
    beta: __m128i,
) -> [__m128i; 2] {
    let lt = |a: __m128i, b: __m128i| _mm_cmplt_epi16(a, b);
    let add = |a: __m128i, b: __m128i| _mm_add_epi16(a, b);
    let sub = |a: __m128i, b: __m128i| _mm_sub_epi16(a, b);
    let k = |v: i16| _mm_set1_epi16(v);
    let flag = _mm_and_si128(
        _mm_cmpgt_epi16(bs, _mm_setzero_si128()),
        _mm_and_si128(
            lt(absd16(p0, q0), alpha),
            _mm_and_si128(lt(absd16(p1, p0), beta), lt(absd16(q1, q0), beta)),
        ),
    );
    let tc = add(tc0, k(1));
    let delta = _mm_srai_epi16(
        add(add(_mm_slli_epi16(sub(q0, p0), 2), sub(p1, q1)), k(4)),
        3,
    );
    let delta = clamp_tc(delta, tc);
    let s_p0 = _mm_srai_epi16(add(add(add(p1, p1), p0), add(q1, k(2))), 2);
    let s_q0 = _mm_srai_epi16(add(add(add(q1, q1), q0), add(p1, k(2))), 2);
    let is4 = _mm_cmpeq_epi16(bs, k(4));
    [
        select(flag, select(is4, s_p0, add(p0, delta)), p0),
        select(flag, select(is4, s_q0, sub(q0, delta)), q0),
    ]
}

/// The chroma deblocking filter of one 8-line edge in one register. A vertical edge
/// (`across == 1`) transposes the 8x4 samples p1..q1 in and out.
#[target_feature(enable = "sse2")]
pub fn deblock_chroma_edge(d: &mut [u8], e: &crate::dsp::Edge) {
    if e.bs == [0; 4] {
        return;
    }
    let z = _mm_setzero_si128();
    let alpha = _mm_set1_epi16(e.alpha as i16);
    let beta = _mm_set1_epi16(e.beta as i16);
    let (b, t) = (
        e.bs.map(i16::from),
        std::array::from_fn::<i16, 4, _>(|s| i16::from(e.seg_tc0(s))),
    );
    let bs = _mm_set_epi16(b[3], b[3], b[2], b[2], b[1], b[1], b[0], b[0]);
    let tc0 = _mm_set_epi16(t[3], t[3], t[2], t[2], t[1], t[1], t[0], t[0]);
    if e.along == 1 {
        let s = e.across;
        let top = e.q0.checked_sub(2 * s).expect("p1 row inside the plane");
        let r: [__m128i; 4] = std::array::from_fn(|i| _mm_unpacklo_epi8(load8(d, top + i * s), z));
        let [p0, q0] = filter_chroma8(r, bs, tc0, alpha, beta);
        store8(d, top + s, _mm_packus_epi16(p0, p0));
        store8(d, top + 2 * s, _mm_packus_epi16(q0, q0));
    } else if e.across == 1 {
        let left = e.q0.checked_sub(2).expect("p1 column inside the plane");
        // Lines of four bytes (p1 p0 q0 q1) turned into four registers of eight samples by
        // byte, word and dword interleaves; only p0 and q0 go back, two bytes per line.
        let line = |i: usize| {
            let o = left + i * e.along;
            _mm_cvtsi32_si128(i32::from_le_bytes(
                d[o..o + 4].try_into().expect("4 samples"),
            ))
        };
        let t0 = _mm_unpacklo_epi8(line(0), line(1));
        let t1 = _mm_unpacklo_epi8(line(2), line(3));
        let t2 = _mm_unpacklo_epi8(line(4), line(5));
        let t3 = _mm_unpacklo_epi8(line(6), line(7));
        let u0 = _mm_unpacklo_epi16(t0, t1); // p1, p0, q0, q1 of lines 0-3
        let u1 = _mm_unpacklo_epi16(t2, t3); // the same of lines 4-7
        let pp = _mm_unpacklo_epi32(u0, u1); // p1 of lines 0-7, then p0
        let qq = _mm_unpackhi_epi32(u0, u1); // q0, then q1
        let c = [
            _mm_unpacklo_epi8(pp, z),
            _mm_unpackhi_epi8(pp, z),
            _mm_unpacklo_epi8(qq, z),
            _mm_unpackhi_epi8(qq, z),
        ];
        let [p0, q0] = filter_chroma8(c, bs, tc0, alpha, beta);
        let x = _mm_packus_epi16(p0, q0);
        let pairs = _mm_unpacklo_epi8(x, _mm_srli_si128::<8>(x)); // p0 q0 per line
        let words = [
            _mm_extract_epi16::<0>(pairs),
            _mm_extract_epi16::<1>(pairs),
            _mm_extract_epi16::<2>(pairs),
            _mm_extract_epi16::<3>(pairs),
            _mm_extract_epi16::<4>(pairs),
            _mm_extract_epi16::<5>(pairs),
            _mm_extract_epi16::<6>(pairs),
            _mm_extract_epi16::<7>(pairs),
        ];
        for (i, w) in words.into_iter().enumerate() {
            let o = left + 1 + i * e.along;
            d[o..o + 2].copy_from_slice(&(w as u16).to_le_bytes());
        }
    } else {
        crate::dsp::scalar::deblock_chroma_edge(d, e);
    }
}

/// The rounded average of two blocks (`pavgb` computes exactly `(a + b + 1) >> 1`); 16- and
/// 8-wide blocks (every luma partition but 4x4) read their rows bounds-checked once.
#[target_feature(enable = "sse2")]
pub fn avg_block(a: &[u8], sa: usize, b: &[u8], sb: usize, out: &mut [u8], w: usize, h: usize) {
    match w {
        16 => {
            let (ra, rb) = (Rows::<16>::new(a, sa, h), Rows::<16>::new(b, sb, h));
            for (y, dst) in out[..16 * h].chunks_exact_mut(16).enumerate() {
                store16(dst, 0, _mm_avg_epu8(ra.load16(y, 0), rb.load16(y, 0)));
            }
        }
        8 => {
            let (ra, rb) = (Rows::<8>::new(a, sa, h), Rows::<8>::new(b, sb, h));
            for (y, dst) in out[..8 * h].chunks_exact_mut(8).enumerate() {
                store8(dst, 0, _mm_avg_epu8(ra.load8(y, 0), rb.load8(y, 0)));
            }
        }
        _ => avg_rows(a, sa, b, sb, out, w, h),
    }
}

/// [`avg_block`] for any width: 16, 8 and 4 samples at a time, then the scalar tail.
#[target_feature(enable = "sse2")]
fn avg_rows(a: &[u8], sa: usize, b: &[u8], sb: usize, out: &mut [u8], w: usize, h: usize) {
    for y in 0..h {
        let (oa, ob, oo) = (y * sa, y * sb, y * w);
        let mut x = 0;
        while x + 16 <= w {
            let v = _mm_avg_epu8(load16(a, oa + x), load16(b, ob + x));
            store16(out, oo + x, v);
            x += 16;
        }
        if x + 8 <= w {
            let v = _mm_avg_epu8(load8(a, oa + x), load8(b, ob + x));
            store8(out, oo + x, v);
            x += 8;
        }
        if x + 4 <= w {
            let v = _mm_avg_epu8(load4(a, oa + x), load4(b, ob + x));
            store4(out, oo + x, v);
            x += 4;
        }
        if x < w {
            crate::dsp::scalar::avg_block(
                &a[oa + x..],
                sa,
                &b[ob + x..],
                sb,
                &mut out[oo + x..oo + w],
                w - x,
                1,
            );
        }
    }
}

/// (t0 + t5) - 5 (t1 + t4) + 20 (t2 + t3) in `i16` lanes (exact for 8-bit samples).
#[target_feature(enable = "sse2")]
#[inline]
fn tap6_epi16(t: [__m128i; 6]) -> __m128i {
    let outer = _mm_add_epi16(t[0], t[5]);
    let mid = _mm_add_epi16(t[1], t[4]);
    let inner = _mm_add_epi16(t[2], t[3]);
    let v = _mm_sub_epi16(outer, _mm_mullo_epi16(mid, _mm_set1_epi16(5)));
    _mm_add_epi16(v, _mm_mullo_epi16(inner, _mm_set1_epi16(20)))
}

/// Clip1((v + 16) >> 5) of two registers of `i16` lanes, packed to 16 bytes.
#[target_feature(enable = "sse2")]
#[inline]
fn clip_half_epi16(lo: __m128i, hi: __m128i) -> __m128i {
    let r = _mm_set1_epi16(16);
    let lo = _mm_srai_epi16(_mm_add_epi16(lo, r), 5);
    let hi = _mm_srai_epi16(_mm_add_epi16(hi, r), 5);
    _mm_packus_epi16(lo, hi)
}

/// The horizontal half-sample filter along a row, 16 samples at a time.
#[target_feature(enable = "sse2")]
pub fn hpel_row_h(src: &[u8], b1: &mut [i16], b: &mut [u8]) {
    let n = b1.len();
    assert!(src.len() >= n + 5 && b.len() == n, "hpel_row_h: lengths");
    let zero = _mm_setzero_si128();
    let mut i = 0;
    // Loads reach src[i + 5 + 15] = src[i + 20] <= src[n + 4].
    while i + 16 <= n {
        let t: [__m128i; 6] = std::array::from_fn(|k| load16(src, i + k));
        let lo = tap6_epi16(t.map(|v| _mm_unpacklo_epi8(v, zero)));
        let hi = tap6_epi16(t.map(|v| _mm_unpackhi_epi8(v, zero)));
        store_i16x8(b1, i, lo);
        store_i16x8(b1, i + 8, hi);
        store16(b, i, clip_half_epi16(lo, hi));
        i += 16;
    }
    crate::dsp::scalar::hpel_row_h(&src[i..], &mut b1[i..], &mut b[i..]);
}

/// The vertical half-sample filter over six rows, 16 samples at a time.
#[target_feature(enable = "sse2")]
pub fn hpel_row_v(r: [&[u8]; 6], h1: &mut [i16], out: &mut [u8]) {
    let n = out.len();
    assert!(
        h1.len() == n && r.iter().all(|row| row.len() >= n),
        "hpel_row_v: lengths"
    );
    let zero = _mm_setzero_si128();
    let mut i = 0;
    while i + 16 <= n {
        let t: [__m128i; 6] = std::array::from_fn(|k| load16(r[k], i));
        let lo = tap6_epi16(t.map(|v| _mm_unpacklo_epi8(v, zero)));
        let hi = tap6_epi16(t.map(|v| _mm_unpackhi_epi8(v, zero)));
        store_i16x8(h1, i, lo);
        store_i16x8(h1, i + 8, hi);
        store16(out, i, clip_half_epi16(lo, hi));
        i += 16;
    }
    let rest = r.map(|row| &row[i..]);
    crate::dsp::scalar::hpel_row_v(rest, &mut h1[i..], &mut out[i..]);
}

/// (t0 + t5) - 5 (t1 + t4) + 20 (t2 + t3) of the low (`high` false) or high four `i16` lanes,
/// widened to `i32`: `pmaddwd` of interleaved pairs adds the two taps of each coefficient
/// exactly.
#[target_feature(enable = "sse2")]
#[inline]
fn tap6_wide_epi32(t: &[__m128i; 6], high: bool) -> __m128i {
    let pair = |a: __m128i, b: __m128i| {
        if high {
            _mm_unpackhi_epi16(a, b)
        } else {
            _mm_unpacklo_epi16(a, b)
        }
    };
    let outer = _mm_madd_epi16(pair(t[0], t[5]), _mm_set1_epi16(1));
    let mid = _mm_madd_epi16(pair(t[1], t[4]), _mm_set1_epi16(-5));
    let inner = _mm_madd_epi16(pair(t[2], t[3]), _mm_set1_epi16(20));
    _mm_add_epi32(_mm_add_epi32(outer, mid), inner)
}

/// The centre half sample from six rows of intermediates, 8 samples at a time.
#[target_feature(enable = "sse2")]
pub fn hpel_row_c(r: [&[i16]; 6], out: &mut [u8]) {
    let n = out.len();
    assert!(r.iter().all(|row| row.len() >= n), "hpel_row_c: lengths");
    let round = _mm_set1_epi32(512);
    let mut i = 0;
    while i + 8 <= n {
        let t: [__m128i; 6] = std::array::from_fn(|k| load_i16x8(r[k], i));
        let lo = _mm_srai_epi32(_mm_add_epi32(tap6_wide_epi32(&t, false), round), 10);
        let hi = _mm_srai_epi32(_mm_add_epi32(tap6_wide_epi32(&t, true), round), 10);
        // After the shift every value lies in about -470..=470: packing to i16 is exact and
        // packing to u8 with unsigned saturation is Clip1.
        let v = _mm_packs_epi32(lo, hi);
        store8(out, i, _mm_packus_epi16(v, v));
        i += 8;
    }
    let rest = r.map(|row| &row[i..]);
    crate::dsp::scalar::hpel_row_c(rest, &mut out[i..]);
}

/// [`crate::tables::ZIGZAG4X4`] for a block held transposed (index `4 * col + row`).
const ZIGZAG4X4_T: [usize; 16] = {
    let mut t = [0usize; 16];
    let mut k = 0;
    while k < 16 {
        let r = crate::tables::ZIGZAG4X4[k];
        t[k] = (r % 4) * 4 + r / 4;
        k += 1;
    }
    t
};

/// Sign-extends the low (`hi == false`) or high four `i16` lanes to `i32`.
#[target_feature(enable = "sse2")]
#[inline]
fn widen_i16(v: __m128i, hi: bool) -> __m128i {
    let w = if hi {
        _mm_unpackhi_epi16(v, v)
    } else {
        _mm_unpacklo_epi16(v, v)
    };
    _mm_srai_epi32(w, 16)
}

/// The residual `s - p` of a 4x4 block (rows packed in one register each), its forward core
/// transform and quantisation of all 16 positions: the levels as two registers of `i16`
/// holding coefficient columns 0-1 and 2-3 (the block transposed, see [`code4x4`]), and the
/// unquantised DC coefficient.
#[target_feature(enable = "sse2")]
#[inline]
fn forward_quant(s: __m128i, p: __m128i, q: &crate::dsp::QuantParams) -> (__m128i, __m128i, i32) {
    let z = _mm_setzero_si128();
    let d01 = _mm_sub_epi16(_mm_unpacklo_epi8(s, z), _mm_unpacklo_epi8(p, z));
    let d23 = _mm_sub_epi16(_mm_unpackhi_epi8(s, z), _mm_unpackhi_epi8(p, z));
    let (v0, v1, v2, v3) = fdct4(
        widen_i16(d01, false),
        widen_i16(d01, true),
        widen_i16(d23, false),
        widen_i16(d23, true),
    );
    let (c0, c1, c2, c3) = transpose4x4_epi32(v0, v1, v2, v3);
    let (o0, o1, o2, o3) = fdct4(c0, c1, c2, c3);
    let dc = _mm_cvtsi128_si32(o0);
    // Columns 0-1 and 2-3 of the coefficients as i16 (they fit, see `code4x4`).
    let y01 = _mm_packs_epi32(o0, o1);
    let y23 = _mm_packs_epi32(o2, o3);
    let off = _mm_set1_epi32(q.offset);
    let shift = _mm_cvtsi32_si128(q.qbits as i32);
    let max = _mm_set1_epi16(MAX_LEVEL as i16);
    let quant = |y: __m128i, mf: __m128i| -> __m128i {
        let sign = _mm_srai_epi16(y, 15);
        let a = _mm_sub_epi16(_mm_xor_si128(y, sign), sign);
        let lo = _mm_mullo_epi16(a, mf);
        let hi = _mm_mulhi_epu16(a, mf);
        let l0 = _mm_srl_epi32(_mm_add_epi32(_mm_unpacklo_epi16(lo, hi), off), shift);
        let l1 = _mm_srl_epi32(_mm_add_epi32(_mm_unpackhi_epi16(lo, hi), off), shift);
        let level = _mm_min_epi16(_mm_packs_epi32(l0, l1), max);
        _mm_sub_epi16(_mm_xor_si128(level, sign), sign)
    };
    (
        quant(y01, load_i16x8(&q.mf, 0)),
        quant(y23, load_i16x8(&q.mf, 8)),
        dc,
    )
}

/// Stores levels held as [`forward_quant`] returns them into `kept` (column-major) and, in
/// zig-zag scan order, into `levels`; returns how many are non-zero (counted without popcnt,
/// which SSE2 lacks: each zero lane adds -1, `pmaddwd` pairs them).
#[target_feature(enable = "sse2")]
#[inline]
fn store_levels(q01: __m128i, q23: __m128i, kept: &mut [i16; 16], levels: &mut [i32; 16]) -> u32 {
    let z = _mm_setzero_si128();
    let minus_zeros = _mm_madd_epi16(
        _mm_add_epi16(_mm_cmpeq_epi16(q01, z), _mm_cmpeq_epi16(q23, z)),
        _mm_set1_epi16(1),
    );
    store_i16x8(kept, 0, q01);
    store_i16x8(kept, 8, q23);
    for (l, &i) in levels.iter_mut().zip(&ZIGZAG4X4_T) {
        *l = i32::from(kept[i]);
    }
    (16 + hsum_epi32(minus_zeros) as i32) as u32
}

/// The reconstruction from levels held as [`forward_quant`] returns them: scaling (exact
/// 32-bit products of the `i16` levels, |l| <= 2047, and the scales, < 2^13), the DC replaced
/// by `dc` when given (already scaled), the inverse transform (its row pass first: the
/// registers are columns), and `Clip1(p + residual)` as 16 packed bytes.
#[target_feature(enable = "sse2")]
#[inline]
fn inverse_add(
    q01: __m128i,
    q23: __m128i,
    dc: Option<i32>,
    p: __m128i,
    q: &crate::dsp::QuantParams,
) -> __m128i {
    let z = _mm_setzero_si128();
    let scale = |l: __m128i, dq: __m128i| -> (__m128i, __m128i) {
        let lo = _mm_mullo_epi16(l, dq);
        let hi = _mm_mulhi_epi16(l, dq);
        (_mm_unpacklo_epi16(lo, hi), _mm_unpackhi_epi16(lo, hi))
    };
    let (e0, e1) = scale(q01, load_i16x8(&q.dq, 0));
    let (e2, e3) = scale(q23, load_i16x8(&q.dq, 8));
    let e0 = match dc {
        // Lane 0 of the first column is the DC position.
        Some(dc) => _mm_or_si128(
            _mm_andnot_si128(_mm_cvtsi32_si128(-1), e0),
            _mm_cvtsi32_si128(dc),
        ),
        None => e0,
    };
    let (t0, t1, t2, t3) = idct4(e0, e1, e2, e3);
    let (u0, u1, u2, u3) = transpose4x4_epi32(t0, t1, t2, t3);
    let (r0, r1, r2, r3) = idct4(u0, u1, u2, u3);
    let k = _mm_set1_epi32(32);
    let fin = |v: __m128i| _mm_srai_epi32(_mm_add_epi32(v, k), 6);
    let lo = _mm_adds_epi16(_mm_unpacklo_epi8(p, z), _mm_packs_epi32(fin(r0), fin(r1)));
    let hi = _mm_adds_epi16(_mm_unpackhi_epi8(p, z), _mm_packs_epi32(fin(r2), fin(r3)));
    _mm_packus_epi16(lo, hi)
}

/// One 4x4 block from samples to levels and reconstruction, exactly like `scalar::code4x4`.
///
/// The residual fits `i16` (|r| <= 255) and so does its transform (|c| <= 9180); the forward
/// transform runs on `i32` lanes and leaves register `m` holding column `m` of the
/// coefficients, i.e. the block transposed. Quantisation and scaling are position-wise with
/// transposition-symmetric constants ([`crate::dsp::QuantParams`]), the scan reads the
/// transposed order, and the inverse transform starts with its row pass, which wants columns
/// in registers: no transpose is spent on the way in or out. `|c| * mf` is an exact 32-bit
/// product of two 16-bit values (`pmullw` / `pmulhuw`), below 2^28, and the offset keeps the
/// sum below 2^31.
#[target_feature(enable = "sse2")]
#[allow(clippy::too_many_arguments)]
pub fn code4x4(
    src: &[u8],
    ss: usize,
    pred: &[u8],
    ps: usize,
    q: &crate::dsp::QuantParams,
    levels: &mut [i32; 16],
    recon: &mut [u8],
    rs: usize,
) -> u32 {
    let s = rows4x4(src, ss);
    let p = rows4x4(pred, ps);
    let sad = hsum_sad(_mm_sad_epu8(s, p));
    if sad <= q.zero_limit {
        *levels = [0; 16];
        store_rows4x4(recon, rs, p);
        return 0;
    }
    let (q01, q23, _) = forward_quant(s, p, q);
    let nz = store_levels(q01, q23, &mut [0i16; 16], levels);
    if nz == 0 {
        store_rows4x4(recon, rs, p);
        return 0;
    }

    store_rows4x4(recon, rs, inverse_add(q01, q23, None, p, q));
    nz
}

/// The forward path of strips of 4x4 blocks, exactly like `scalar::quant_strips`: the
/// arithmetic of [`code4x4`] block by block.
#[target_feature(enable = "sse2")]
pub fn quant_strips(
    src: &[u8],
    pred: &[u8],
    q: &crate::dsp::QuantParams,
    dc_apart: bool,
    levels: &mut [[i16; 16]],
    dc: &mut [i32],
    nz: &mut [u16],
) {
    use crate::dsp::scalar::{quant_strips_blocks, strips_offset};
    let n = quant_strips_blocks(src, pred, dc_apart, levels, dc, nz);
    let keep_ac = _mm_set_epi16(-1, -1, -1, -1, -1, -1, -1, 0);
    for b in 0..n {
        let o = strips_offset(b);
        let (q01, q23, d) = forward_quant(rows4x4(&src[o..], 16), rows4x4(&pred[o..], 16), q);
        let q01 = if dc_apart {
            dc[b] = d;
            _mm_and_si128(q01, keep_ac)
        } else {
            q01
        };
        let mut kept = [0i16; 16];
        store_i16x8(&mut kept, 0, q01);
        store_i16x8(&mut kept, 8, q23);
        let mut mask = 0u16;
        for (i, (l, &k)) in levels[b].iter_mut().zip(&ZIGZAG4X4_T).enumerate() {
            *l = kept[k];
            mask |= u16::from(*l != 0) << i;
        }
        nz[b] = mask;
    }
}

/// The reconstruction of strips of 4x4 blocks, exactly like `scalar::recon_strips`: the
/// second half of [`code4x4`] block by block.
#[target_feature(enable = "sse2")]
pub fn recon_strips(
    levels: &[[i16; 16]],
    dc: Option<&[i32]>,
    pred: &[u8],
    q: &crate::dsp::QuantParams,
    recon: &mut [u8],
) {
    use crate::dsp::scalar::{strips_blocks, strips_offset};
    let n = strips_blocks(levels.len(), pred.len(), recon.len());
    assert!(dc.is_none_or(|d| d.len() == n), "strips: DC length");
    for b in 0..n {
        let o = strips_offset(b);
        let mut kept = [0i16; 16];
        for (&l, &i) in levels[b].iter().zip(&ZIGZAG4X4_T) {
            kept[i] = l;
        }
        let p = rows4x4(&pred[o..], 16);
        let (k01, k23) = (load_i16x8(&kept, 0), load_i16x8(&kept, 8));
        let out = inverse_add(k01, k23, dc.map(|d| d[b]), p, q);
        store_rows4x4(&mut recon[o..], 16, out);
    }
}
