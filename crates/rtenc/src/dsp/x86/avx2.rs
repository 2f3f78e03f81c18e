//! AVX2 kernels. Each is `#[target_feature(enable = "avx2")]` (some add POPCNT, which every
//! AVX2 CPU has) and matches its `scalar` twin exactly; callers must have detected both (see
//! `avx2_kernels`).

use std::arch::x86_64::*;

use super::{load16, load8, store16, store8, Rows, RowsMut};

/// Two 16-byte rows, `s[o0..]` in the low lane and `s[o1..]` in the high lane.
#[target_feature(enable = "avx2")]
#[inline]
fn load2x16(s: &[u8], o0: usize, o1: usize) -> __m256i {
    _mm256_inserti128_si256::<1>(_mm256_castsi128_si256(load16(s, o0)), load16(s, o1))
}

/// Horizontal sum of the four 64-bit lanes of a `vpsadbw` accumulator.
#[target_feature(enable = "avx2")]
#[inline]
fn hsum_sad(acc: __m256i) -> u32 {
    let v = _mm_add_epi64(
        _mm256_castsi256_si128(acc),
        _mm256_extracti128_si256::<1>(acc),
    );
    _mm_cvtsi128_si32(_mm_add_epi64(v, _mm_unpackhi_epi64(v, v))) as u32
}

/// Horizontal sum of eight `i32` lanes.
#[target_feature(enable = "avx2")]
#[inline]
fn hsum_epi32(acc: __m256i) -> u32 {
    let v = _mm_add_epi32(
        _mm256_castsi256_si128(acc),
        _mm256_extracti128_si256::<1>(acc),
    );
    let v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0b01_00_11_10));
    let v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0b10_11_00_01));
    _mm_cvtsi128_si32(v) as u32
}

#[target_feature(enable = "avx2")]
#[inline]
fn sad_16xh(a: &[u8], sa: usize, b: &[u8], sb: usize, h: usize) -> u32 {
    let (a, b) = (Rows::<16>::new(a, sa, h), Rows::<16>::new(b, sb, h));
    let pair = |s: Rows<16>, y: usize| {
        _mm256_inserti128_si256::<1>(_mm256_castsi128_si256(s.load16(y, 0)), s.load16(y + 1, 0))
    };
    let mut acc = _mm256_setzero_si256();
    for y in (0..h).step_by(2) {
        let ra = pair(a, y);
        let rb = pair(b, y);
        acc = _mm256_add_epi64(acc, _mm256_sad_epu8(ra, rb));
    }
    hsum_sad(acc)
}

/// The 16x16 SAD against four blocks, two source rows per register loaded once for all four
/// (as `scalar::sad16x16_x4`).
#[target_feature(enable = "avx2")]
pub fn sad16x16_x4(src: &[u8], ss: usize, refs: [&[u8]; 4], rs: usize) -> [u32; 4] {
    // Written out rather than with `array::map`: closures there are not inlined into this
    // function and would cost a call each.
    let s = Rows::<16>::new(src, ss, 16);
    let r = [
        Rows::<16>::new(refs[0], rs, 16),
        Rows::<16>::new(refs[1], rs, 16),
        Rows::<16>::new(refs[2], rs, 16),
        Rows::<16>::new(refs[3], rs, 16),
    ];
    let pair = |s: Rows<16>, y: usize| {
        _mm256_inserti128_si256::<1>(_mm256_castsi128_si256(s.load16(y, 0)), s.load16(y + 1, 0))
    };
    let mut acc = [_mm256_setzero_si256(); 4];
    for y in (0..16).step_by(2) {
        let sv = pair(s, y);
        for k in 0..4 {
            acc[k] = _mm256_add_epi64(acc[k], _mm256_sad_epu8(sv, pair(r[k], y)));
        }
    }
    [
        hsum_sad(acc[0]),
        hsum_sad(acc[1]),
        hsum_sad(acc[2]),
        hsum_sad(acc[3]),
    ]
}

/// SAD of a 16x16 block.
#[target_feature(enable = "avx2")]
pub fn sad16x16(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    sad_16xh(a, sa, b, sb, 16)
}

/// SAD of a 16x8 block.
#[target_feature(enable = "avx2")]
pub fn sad16x8(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    sad_16xh(a, sa, b, sb, 8)
}

/// |x| of `i16` lanes.
#[target_feature(enable = "avx2")]
#[inline]
fn abs16(x: __m256i) -> __m256i {
    _mm256_abs_epi16(x)
}

/// SATD partial sums (`i32` lanes) of four 4x4 blocks whose difference rows are `d0..d3`
/// (`i16`; each 128-bit lane holds two blocks side by side). As in the SSE2 kernel, the last
/// butterfly is `|x + y| + |x - y| = 2 max(|x|, |y|)`, which also does the halving.
#[target_feature(enable = "avx2")]
#[inline]
fn satd_core(d0: __m256i, d1: __m256i, d2: __m256i, d3: __m256i) -> __m256i {
    let s01 = _mm256_add_epi16(d0, d1);
    let d01 = _mm256_sub_epi16(d0, d1);
    let s23 = _mm256_add_epi16(d2, d3);
    let d23 = _mm256_sub_epi16(d2, d3);
    let v0 = _mm256_add_epi16(s01, s23);
    let v1 = _mm256_sub_epi16(s01, s23);
    let v2 = _mm256_sub_epi16(d01, d23);
    let v3 = _mm256_add_epi16(d01, d23);
    // Transpose the 4x4 blocks (unpacks work within 128-bit lanes).
    let t0 = _mm256_unpacklo_epi16(v0, v1);
    let t1 = _mm256_unpackhi_epi16(v0, v1);
    let t2 = _mm256_unpacklo_epi16(v2, v3);
    let t3 = _mm256_unpackhi_epi16(v2, v3);
    let u0 = _mm256_unpacklo_epi32(t0, t2);
    let u1 = _mm256_unpackhi_epi32(t0, t2);
    let u2 = _mm256_unpacklo_epi32(t1, t3);
    let u3 = _mm256_unpackhi_epi32(t1, t3);
    let h0 = _mm256_unpacklo_epi64(u0, u2);
    let h1 = _mm256_unpackhi_epi64(u0, u2);
    let h2 = _mm256_unpacklo_epi64(u1, u3);
    let h3 = _mm256_unpackhi_epi64(u1, u3);
    let s01 = _mm256_add_epi16(h0, h1);
    let d01 = _mm256_sub_epi16(h0, h1);
    let s23 = _mm256_add_epi16(h2, h3);
    let d23 = _mm256_sub_epi16(h2, h3);
    let m = _mm256_add_epi16(
        _mm256_max_epi16(abs16(s01), abs16(s23)),
        _mm256_max_epi16(abs16(d01), abs16(d23)),
    );
    _mm256_madd_epi16(m, _mm256_set1_epi16(1))
}

/// SATD of a 16-wide block, 16x4 per step.
#[target_feature(enable = "avx2")]
#[inline]
fn satd_16xh(a: &[u8], sa: usize, b: &[u8], sb: usize, h: usize) -> u32 {
    let (a, b) = (Rows::<16>::new(a, sa, h), Rows::<16>::new(b, sb, h));
    let mut acc = _mm256_setzero_si256();
    for y in (0..h).step_by(4) {
        let d = |r: usize| {
            let ra = _mm256_cvtepu8_epi16(a.load16(y + r, 0));
            let rb = _mm256_cvtepu8_epi16(b.load16(y + r, 0));
            _mm256_sub_epi16(ra, rb)
        };
        acc = _mm256_add_epi32(acc, satd_core(d(0), d(1), d(2), d(3)));
    }
    hsum_epi32(acc)
}

/// SATD of a 16x16 block `s` against the rounded average of `a` and `b` (`pavgb`), as
/// `scalar::satd_avg16x16`.
#[target_feature(enable = "avx2")]
pub fn satd_avg16x16(s: &[u8], ss: usize, a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    let (s, a, b) = (
        Rows::<16>::new(s, ss, 16),
        Rows::<16>::new(a, sa, 16),
        Rows::<16>::new(b, sb, 16),
    );
    let mut acc = _mm256_setzero_si256();
    for y in (0..16).step_by(4) {
        let d = |r: usize| {
            let rs = _mm256_cvtepu8_epi16(s.load16(y + r, 0));
            let avg = _mm_avg_epu8(a.load16(y + r, 0), b.load16(y + r, 0));
            _mm256_sub_epi16(rs, _mm256_cvtepu8_epi16(avg))
        };
        acc = _mm256_add_epi32(acc, satd_core(d(0), d(1), d(2), d(3)));
    }
    hsum_epi32(acc)
}

/// SATD of an 8-wide block, 8x8 per step (rows y and y + 4 share a register).
#[target_feature(enable = "avx2")]
#[inline]
fn satd_8xh(a: &[u8], sa: usize, b: &[u8], sb: usize, h: usize) -> u32 {
    let (a, b) = (Rows::<8>::new(a, sa, h), Rows::<8>::new(b, sb, h));
    let mut acc = _mm256_setzero_si256();
    for y in (0..h).step_by(8) {
        let d = |r: usize| {
            let ra = _mm_unpacklo_epi64(a.load8(y + r, 0), a.load8(y + r + 4, 0));
            let rb = _mm_unpacklo_epi64(b.load8(y + r, 0), b.load8(y + r + 4, 0));
            _mm256_sub_epi16(_mm256_cvtepu8_epi16(ra), _mm256_cvtepu8_epi16(rb))
        };
        acc = _mm256_add_epi32(acc, satd_core(d(0), d(1), d(2), d(3)));
    }
    hsum_epi32(acc)
}

/// SATD of a 16x16 block.
#[target_feature(enable = "avx2")]
pub fn satd16x16(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    satd_16xh(a, sa, b, sb, 16)
}

/// SATD of a 16x8 block.
#[target_feature(enable = "avx2")]
pub fn satd16x8(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    satd_16xh(a, sa, b, sb, 8)
}

/// SATD of an 8x16 block.
#[target_feature(enable = "avx2")]
pub fn satd8x16(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    satd_8xh(a, sa, b, sb, 16)
}

/// SATD of an 8x8 block.
#[target_feature(enable = "avx2")]
pub fn satd8x8(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    satd_8xh(a, sa, b, sb, 8)
}

/// NV12 chroma row to planar rows, 32 pairs at a time, the tail by the SSE2 kernel.
#[target_feature(enable = "avx2")]
pub fn deinterleave_uv(uv: &[u8], u: &mut [u8], v: &mut [u8]) {
    let n = u.len();
    assert!(
        v.len() == n && uv.len() >= 2 * n,
        "deinterleave_uv: lengths"
    );
    let mask = _mm256_set1_epi16(0x00ff);
    let mut x = 0;
    while x + 32 <= n {
        let a = load2x16(uv, 2 * x, 2 * x + 16);
        let b = load2x16(uv, 2 * x + 32, 2 * x + 48);
        // packus works per 128-bit lane: the qword order is 0 2 1 3, fixed by the permute.
        let cb = _mm256_packus_epi16(_mm256_and_si256(a, mask), _mm256_and_si256(b, mask));
        let cr = _mm256_packus_epi16(_mm256_srli_epi16::<8>(a), _mm256_srli_epi16::<8>(b));
        let cb = _mm256_permute4x64_epi64::<0b11_01_10_00>(cb);
        let cr = _mm256_permute4x64_epi64::<0b11_01_10_00>(cr);
        store16(u, x, _mm256_castsi256_si128(cb));
        store16(u, x + 16, _mm256_extracti128_si256::<1>(cb));
        store16(v, x, _mm256_castsi256_si128(cr));
        store16(v, x + 16, _mm256_extracti128_si256::<1>(cr));
        x += 32;
    }
    super::sse2::deinterleave_uv(&uv[2 * x..], &mut u[x..], &mut v[x..]);
}

/// Loads sixteen `i16` at `s[off..off + 16]` (panics when out of bounds).
#[target_feature(enable = "avx2")]
#[inline]
fn load_i16x16(s: &[i16], off: usize) -> __m256i {
    let s: &[i16; 16] = s[off..off + 16].try_into().expect("16 values");
    // SAFETY: `s` is a valid reference to 32 readable bytes; the load is unaligned.
    unsafe { _mm256_loadu_si256(s.as_ptr().cast()) }
}

/// Stores sixteen `i16` to `d[off..off + 16]` (panics when out of bounds).
#[target_feature(enable = "avx2")]
#[inline]
fn store_i16x16(d: &mut [i16], off: usize, v: __m256i) {
    let d: &mut [i16; 16] = (&mut d[off..off + 16]).try_into().expect("16 values");
    // SAFETY: `d` is a valid exclusive reference to 32 writable bytes; the store is unaligned.
    unsafe { _mm256_storeu_si256(d.as_mut_ptr().cast(), v) }
}

/// Sixteen samples at `s[off..]` widened to `i16`.
#[target_feature(enable = "avx2")]
#[inline]
fn load_u8_as_i16(s: &[u8], off: usize) -> __m256i {
    _mm256_cvtepu8_epi16(load16(s, off))
}

/// (t0 + t5) - 5 (t1 + t4) + 20 (t2 + t3) on `i16` lanes (exact for 8-bit input).
#[target_feature(enable = "avx2")]
#[inline]
fn tap6_epi16(t: [__m256i; 6]) -> __m256i {
    let outer = _mm256_add_epi16(t[0], t[5]);
    let mid = _mm256_add_epi16(t[1], t[4]);
    let inner = _mm256_add_epi16(t[2], t[3]);
    let v = _mm256_sub_epi16(outer, _mm256_mullo_epi16(mid, _mm256_set1_epi16(5)));
    _mm256_add_epi16(v, _mm256_mullo_epi16(inner, _mm256_set1_epi16(20)))
}

/// Clip1((v + 16) >> 5) of sixteen `i16` lanes, as 16 bytes in lane order.
#[target_feature(enable = "avx2")]
#[inline]
fn clip_half_epi16(v: __m256i) -> __m128i {
    let v = _mm256_srai_epi16(_mm256_add_epi16(v, _mm256_set1_epi16(16)), 5);
    _mm_packus_epi16(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v))
}

/// The horizontal half-sample filter along a row (as `scalar::hpel_row_h`), 16 samples per
/// step in one register.
#[target_feature(enable = "avx2")]
pub fn hpel_row_h(src: &[u8], b1: &mut [i16], b: &mut [u8]) {
    let n = b1.len();
    assert!(src.len() >= n + 5 && b.len() == n, "hpel_row_h: lengths");
    let mut i = 0;
    // Loads reach src[i + 5 + 15] = src[i + 20] <= src[n + 4]: one 21-byte window per step
    // (one bounds check), the six loads at constant offsets in it.
    while i + 16 <= n {
        let w: &[u8; 21] = src[i..i + 21].try_into().expect("21 samples");
        let v = tap6_epi16([
            load_u8_as_i16(w, 0),
            load_u8_as_i16(w, 1),
            load_u8_as_i16(w, 2),
            load_u8_as_i16(w, 3),
            load_u8_as_i16(w, 4),
            load_u8_as_i16(w, 5),
        ]);
        store_i16x16(b1, i, v);
        store16(b, i, clip_half_epi16(v));
        i += 16;
    }
    crate::dsp::scalar::hpel_row_h(&src[i..], &mut b1[i..], &mut b[i..]);
}

/// The vertical half-sample filter over six rows (as `scalar::hpel_row_v`), 16 samples per
/// step.
#[target_feature(enable = "avx2")]
pub fn hpel_row_v(r: [&[u8]; 6], h1: &mut [i16], out: &mut [u8]) {
    let n = out.len();
    assert!(
        h1.len() == n && r.iter().all(|row| row.len() >= n),
        "hpel_row_v: lengths"
    );
    // Rows cut to `n` samples, so that `i + 16 <= n` proves every access in bounds.
    let [r0, r1, r2, r3, r4, r5] = [
        &r[0][..n],
        &r[1][..n],
        &r[2][..n],
        &r[3][..n],
        &r[4][..n],
        &r[5][..n],
    ];
    let mut i = 0;
    while i + 16 <= n {
        let v = tap6_epi16([
            load_u8_as_i16(r0, i),
            load_u8_as_i16(r1, i),
            load_u8_as_i16(r2, i),
            load_u8_as_i16(r3, i),
            load_u8_as_i16(r4, i),
            load_u8_as_i16(r5, i),
        ]);
        store_i16x16(h1, i, v);
        store16(out, i, clip_half_epi16(v));
        i += 16;
    }
    let rest = r.map(|row| &row[i..]);
    crate::dsp::scalar::hpel_row_v(rest, &mut h1[i..], &mut out[i..]);
}

/// The centre half sample from six rows of intermediates (as `scalar::hpel_row_c`), 16
/// samples per step: `vpmaddwd` of interleaved pairs forms each tap pair's `i32` sum exactly.
/// The in-lane unpacks split each 128-bit lane into its low and high four samples, and the
/// in-lane pack puts them back in order.
#[target_feature(enable = "avx2")]
pub fn hpel_row_c(r: [&[i16]; 6], out: &mut [u8]) {
    let n = out.len();
    assert!(r.iter().all(|row| row.len() >= n), "hpel_row_c: lengths");
    let round = _mm256_set1_epi32(512);
    let (one, m5, p20) = (
        _mm256_set1_epi16(1),
        _mm256_set1_epi16(-5),
        _mm256_set1_epi16(20),
    );
    let [r0, r1, r2, r3, r4, r5] = [
        &r[0][..n],
        &r[1][..n],
        &r[2][..n],
        &r[3][..n],
        &r[4][..n],
        &r[5][..n],
    ];
    let out = &mut out[..n];
    let mut i = 0;
    while i + 16 <= n {
        let t = [
            load_i16x16(r0, i),
            load_i16x16(r1, i),
            load_i16x16(r2, i),
            load_i16x16(r3, i),
            load_i16x16(r4, i),
            load_i16x16(r5, i),
        ];
        let half = |lo: bool| {
            let pair = |a: __m256i, b: __m256i| {
                if lo {
                    _mm256_unpacklo_epi16(a, b)
                } else {
                    _mm256_unpackhi_epi16(a, b)
                }
            };
            let s = _mm256_add_epi32(
                _mm256_add_epi32(
                    _mm256_madd_epi16(pair(t[0], t[5]), one),
                    _mm256_madd_epi16(pair(t[1], t[4]), m5),
                ),
                _mm256_madd_epi16(pair(t[2], t[3]), p20),
            );
            _mm256_srai_epi32(_mm256_add_epi32(s, round), 10)
        };
        // After the shift every value lies in about -470..=470: packing to i16 is exact and
        // packing to u8 with unsigned saturation is Clip1.
        let v = _mm256_packs_epi32(half(true), half(false));
        store16(
            out,
            i,
            _mm_packus_epi16(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v)),
        );
        i += 16;
    }
    let rest = r.map(|row| &row[i..]);
    crate::dsp::scalar::hpel_row_c(rest, &mut out[i..]);
}
/// |a - b| of `i16` lanes.
#[target_feature(enable = "avx2")]
#[inline]
fn absd16(a: __m256i, b: __m256i) -> __m256i {
    _mm256_abs_epi16(_mm256_sub_epi16(a, b))
}

/// `m ? a : b` per lane (`m` all ones or zero).
#[target_feature(enable = "avx2")]
#[inline]
fn select(m: __m256i, a: __m256i, b: __m256i) -> __m256i {
    _mm256_or_si256(_mm256_and_si256(m, a), _mm256_andnot_si256(m, b))
}

/// Clip3(-t, t, v) of `i16` lanes.
#[target_feature(enable = "avx2")]
#[inline]
fn clamp_tc(v: __m256i, t: __m256i) -> __m256i {
    _mm256_min_epi16(
        _mm256_max_epi16(v, _mm256_sub_epi16(_mm256_setzero_si256(), t)),
        t,
    )
}

/// filterSamplesFlag (8.7.2.2) of sixteen lines from their `i16` samples p1, p0, q0, q1: all
/// ones where bS > 0, |p0 - q0| < alpha, |p1 - p0| < beta and |q1 - q0| < beta. The luma and
/// chroma filters share it.
#[target_feature(enable = "avx2")]
#[inline]
fn filter_samples_flag(
    [p1, p0, q0, q1]: [__m256i; 4],
    bs: __m256i,
    alpha: __m256i,
    beta: __m256i,
) -> __m256i {
    let lt = |a: __m256i, b: __m256i| _mm256_cmpgt_epi16(b, a);
    _mm256_and_si256(
        _mm256_cmpgt_epi16(bs, _mm256_setzero_si256()),
        _mm256_and_si256(
            lt(absd16(p0, q0), alpha),
            _mm256_and_si256(lt(absd16(p1, p0), beta), lt(absd16(q1, q0), beta)),
        ),
    )
}

/// The luma filter (8.7.2.3 / 8.7.2.4, as `scalar::filter_samples_luma`) on sixteen lines at
/// once, some of which have bS 4: `p[i]`, `q[i]` are the `i16` samples p_i, q_i of each line;
/// returns the new p2, p1, p0, q0, q1, q2 (unfiltered lanes unchanged, values may need the
/// final clip to 0..255 that packing with unsigned saturation performs). Edges without bS 4
/// go through [`filter_luma_normal8`]. With `ALL4` every line has bS 4 (an intra macroblock
/// edge, the usual case) and the bS < 4 filter is not computed.
#[target_feature(enable = "avx2")]
#[inline]
fn filter_luma16<const ALL4: bool>(
    p: [__m256i; 4],
    q: [__m256i; 4],
    bs: __m256i,
    tc0: __m256i,
    alpha: __m256i,
    beta: __m256i,
) -> [__m256i; 6] {
    let [p0, p1, p2, p3] = p;
    let [q0, q1, q2, q3] = q;
    let lt = |a: __m256i, b: __m256i| _mm256_cmpgt_epi16(b, a);
    let add = |a: __m256i, b: __m256i| _mm256_add_epi16(a, b);
    let sub = |a: __m256i, b: __m256i| _mm256_sub_epi16(a, b);
    let k = |v: i16| _mm256_set1_epi16(v);
    let flag = filter_samples_flag([p1, p0, q0, q1], bs, alpha, beta);
    let ap = lt(absd16(p2, p0), beta);
    let aq = lt(absd16(q2, q0), beta);

    // bS < 4.
    let tc = sub(sub(tc0, ap), aq); // the masks are -1 where true
    let delta = _mm256_srai_epi16(
        add(add(_mm256_slli_epi16(sub(q0, p0), 2), sub(p1, q1)), k(4)),
        3,
    );
    let delta = clamp_tc(delta, tc);
    let avg = _mm256_srai_epi16(add(add(p0, q0), k(1)), 1);
    let dp = clamp_tc(_mm256_srai_epi16(sub(add(p2, avg), add(p1, p1)), 1), tc0);
    let dq = clamp_tc(_mm256_srai_epi16(sub(add(q2, avg), add(q1, q1)), 1), tc0);
    let n_p1 = select(ap, add(p1, dp), p1);
    let n_p0 = add(p0, delta);
    let n_q0 = sub(q0, delta);
    let n_q1 = select(aq, add(q1, dq), q1);
    let normal = [p2, n_p1, n_p0, n_q0, n_q1, q2];
    let orig = [p2, p1, p0, q0, q1, q2];

    // bS == 4.
    let gate = lt(absd16(p0, q0), add(_mm256_srai_epi16(alpha, 2), k(2)));
    let sp = _mm256_and_si256(ap, gate);
    let sq = _mm256_and_si256(aq, gate);
    let pq0 = add(p0, q0);
    let s_p0 = _mm256_srai_epi16(
        add(add(add(p2, add(p1, p1)), add(pq0, pq0)), add(q1, k(4))),
        3,
    );
    let s_p1 = _mm256_srai_epi16(add(add(p2, p1), add(pq0, k(2))), 2);
    let s_p2 = _mm256_srai_epi16(
        add(
            add(add(p3, p3), add(add(p2, p2), p2)),
            add(add(p1, pq0), k(4)),
        ),
        3,
    );
    let w_p0 = _mm256_srai_epi16(add(add(add(p1, p1), p0), add(q1, k(2))), 2);
    let s_q0 = _mm256_srai_epi16(
        add(add(add(q2, add(q1, q1)), add(pq0, pq0)), add(p1, k(4))),
        3,
    );
    let s_q1 = _mm256_srai_epi16(add(add(q2, q1), add(pq0, k(2))), 2);
    let s_q2 = _mm256_srai_epi16(
        add(
            add(add(q3, q3), add(add(q2, q2), q2)),
            add(add(q1, pq0), k(4)),
        ),
        3,
    );
    let w_q0 = _mm256_srai_epi16(add(add(add(q1, q1), q0), add(p1, k(2))), 2);
    let st = [
        select(sp, s_p2, p2),
        select(sp, s_p1, p1),
        select(sp, s_p0, w_p0),
        select(sq, s_q0, w_q0),
        select(sq, s_q1, q1),
        select(sq, s_q2, q2),
    ];
    let is4 = _mm256_cmpeq_epi16(bs, k(4));
    let mut out = orig;
    for i in 0..6 {
        let v = if ALL4 {
            st[i]
        } else {
            select(is4, st[i], normal[i])
        };
        out[i] = select(flag, v, orig[i]);
    }
    out
}

/// Transposes the two 8x8 blocks of `i16` held in the 128-bit lanes of eight registers (its
/// own inverse).
#[target_feature(enable = "avx2")]
#[inline]
fn transpose2x8x8_epi16(r: [__m256i; 8]) -> [__m256i; 8] {
    let a0 = _mm256_unpacklo_epi16(r[0], r[1]);
    let a1 = _mm256_unpackhi_epi16(r[0], r[1]);
    let a2 = _mm256_unpacklo_epi16(r[2], r[3]);
    let a3 = _mm256_unpackhi_epi16(r[2], r[3]);
    let a4 = _mm256_unpacklo_epi16(r[4], r[5]);
    let a5 = _mm256_unpackhi_epi16(r[4], r[5]);
    let a6 = _mm256_unpacklo_epi16(r[6], r[7]);
    let a7 = _mm256_unpackhi_epi16(r[6], r[7]);
    let b0 = _mm256_unpacklo_epi32(a0, a2);
    let b1 = _mm256_unpackhi_epi32(a0, a2);
    let b2 = _mm256_unpacklo_epi32(a1, a3);
    let b3 = _mm256_unpackhi_epi32(a1, a3);
    let b4 = _mm256_unpacklo_epi32(a4, a6);
    let b5 = _mm256_unpackhi_epi32(a4, a6);
    let b6 = _mm256_unpacklo_epi32(a5, a7);
    let b7 = _mm256_unpackhi_epi32(a5, a7);
    [
        _mm256_unpacklo_epi64(b0, b4),
        _mm256_unpackhi_epi64(b0, b4),
        _mm256_unpacklo_epi64(b1, b5),
        _mm256_unpackhi_epi64(b1, b5),
        _mm256_unpacklo_epi64(b2, b6),
        _mm256_unpackhi_epi64(b2, b6),
        _mm256_unpacklo_epi64(b3, b7),
        _mm256_unpackhi_epi64(b3, b7),
    ]
}

/// bS and tC0 of the four segments spread over sixteen `i16` lanes (lane `l` is line `l`,
/// segment `l / 4`).
#[target_feature(enable = "avx2")]
#[inline]
fn segment_lanes(e: &crate::dsp::Edge) -> (__m256i, __m256i) {
    let (bs, tc0) = segment_bytes(e);
    (_mm256_cvtepu8_epi16(bs), _mm256_cvtepu8_epi16(tc0))
}

/// tC0 of each byte's bS in `bs` (bytes in 0..=4), from the edge's table: `pshufb` on the
/// table word, whose bytes 4 and up (bS 4) are 0, and bS 0 picks entry 0 (unused).
#[target_feature(enable = "avx2")]
#[inline]
fn tc0_of(e: &crate::dsp::Edge, bs: __m128i) -> __m128i {
    _mm_shuffle_epi8(_mm_cvtsi32_si128(tc0_word(e) as i32), bs)
}

/// bS and tC0 of the four segments, each twice, in both eight-lane halves of sixteen `i16`
/// lanes (4:2:0 chroma: line `l` of either plane uses segment `l / 2`).
#[target_feature(enable = "avx2")]
#[inline]
fn chroma_segment_lanes(e: &crate::dsp::Edge) -> (__m256i, __m256i) {
    let x = _mm_cvtsi32_si128(bs_word(e) as i32);
    let x = _mm_unpacklo_epi8(x, x);
    let bs = _mm_unpacklo_epi64(x, x);
    (
        _mm256_cvtepu8_epi16(bs),
        _mm256_cvtepu8_epi16(tc0_of(e, bs)),
    )
}

/// bS of the four segments as the bytes of a word, segment 0 lowest.
#[inline(always)]
fn bs_word(e: &crate::dsp::Edge) -> u32 {
    u32::from_le_bytes(e.bs)
}

/// The edge's tC0 table (by bS, see [`crate::dsp::Edge`]) as the bytes of a word.
#[inline(always)]
fn tc0_word(e: &crate::dsp::Edge) -> u32 {
    u32::from_le_bytes(e.tc0)
}

/// Whether some segment has bS 4 (bS is at most 4: bit 2 of a byte is set only for 4).
#[inline(always)]
fn has_bs4(e: &crate::dsp::Edge) -> bool {
    debug_assert!(e.bs.iter().all(|&b| b <= 4));
    bs_word(e) & 0x0404_0404 != 0
}

/// 16 `i16` lanes clipped to bytes, in lane order.
#[target_feature(enable = "avx2")]
#[inline]
fn pack_u8(v: __m256i) -> __m128i {
    _mm_packus_epi16(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v))
}

/// The luma deblocking filter of one 16-line edge (as `scalar::deblock_luma_edge`), all 16
/// lines in one register. Edges without bS 4 (every inter edge) go through
/// [`luma_edge_normal`], in bytes; those with some bS 4 through [`luma_edge_strong`], in `i16`
/// lanes. Any layout but a horizontal (`along == 1`) or vertical (`across == 1`) edge goes to
/// the scalar twin.
#[target_feature(enable = "avx2")]
pub fn deblock_luma_edge(d: &mut [u8], e: &crate::dsp::Edge) {
    if bs_word(e) == 0 {
        return;
    }
    if bs_word(e) == 0x0404_0404 {
        luma_edge_strong::<true>(d, e);
    } else if has_bs4(e) {
        luma_edge_strong::<false>(d, e);
    } else {
        luma_edge_normal(d, e);
    }
}

/// `|a - b|` of bytes.
#[target_feature(enable = "avx2")]
#[inline]
fn absd8(a: __m128i, b: __m128i) -> __m128i {
    _mm_or_si128(_mm_subs_epu8(a, b), _mm_subs_epu8(b, a))
}

/// All ones in the bytes where `|a - b| <= t`.
#[target_feature(enable = "avx2")]
#[inline]
fn within8(a: __m128i, b: __m128i, t: __m128i) -> __m128i {
    _mm_cmpeq_epi8(_mm_subs_epu8(absd8(a, b), t), _mm_setzero_si128())
}

/// The luma filter for bS < 4 (8.7.2.3, as `scalar::filter_samples_luma`) on sixteen lines, one
/// per byte: `p` = p2, p1, p0 and `q` = q0, q1, q2 of each line, `bs` and `tc0` the line's
/// segment values; `am1` and `bm1` hold alpha - 1 and beta - 1 (alpha, beta >= 1). Returns the
/// new p1, p0, q0, q1 (unfiltered lines unchanged). All in bytes, without widening:
/// * (p2 + ((p0 + q0 + 1) >> 1) - 2 * p1) >> 1 clipped to +-tC0 and added to p1 is
///   (p2 + avg) >> 1 clipped to p1 -+ tC0, with (x + avg) >> 1 = pavgb(x, avg) - ((x ^ avg) & 1);
/// * delta = ((q0 - p0) * 4 + (p1 - q1) + 4) >> 3 comes out as a byte biased by 161 from
///   pavgb steps on (p1 - q1 + 256) / 2 and (q0 - p0 + 256) / 2 (as in x264's deblock_luma);
///   its positive and negative parts, each clipped to tC, are added and subtracted with
///   unsigned saturation, which is the final Clip1.
#[target_feature(enable = "avx2")]
#[inline]
fn filter_luma_normal8(
    [p2, p1, p0]: [__m128i; 3],
    [q0, q1, q2]: [__m128i; 3],
    bs: __m128i,
    tc0: __m128i,
    am1: __m128i,
    bm1: __m128i,
) -> [__m128i; 4] {
    let zero = _mm_setzero_si128();
    let one = _mm_set1_epi8(1);
    let ones = _mm_set1_epi8(-1);
    // filterSamplesFlag: bS > 0, |p0 - q0| < alpha, |p1 - p0| < beta, |q1 - q0| < beta.
    let far = _mm_or_si128(
        _mm_subs_epu8(absd8(p0, q0), am1),
        _mm_or_si128(
            _mm_subs_epu8(absd8(p1, p0), bm1),
            _mm_subs_epu8(absd8(q1, q0), bm1),
        ),
    );
    let flag = _mm_andnot_si128(_mm_cmpeq_epi8(bs, zero), _mm_cmpeq_epi8(far, zero));
    let tc0 = _mm_and_si128(tc0, flag);
    let ap = _mm_and_si128(within8(p2, p0, bm1), flag);
    let aq = _mm_and_si128(within8(q2, q0, bm1), flag);
    let tc = _mm_sub_epi8(_mm_sub_epi8(tc0, ap), aq); // the masks are -1 where true

    // p1 and q1 (where ap / aq; elsewhere tC0 0 clips them to themselves).
    let avg = _mm_avg_epu8(p0, q0);
    let half = |x: __m128i| {
        _mm_sub_epi8(
            _mm_avg_epu8(x, avg),
            _mm_and_si128(_mm_xor_si128(x, avg), one),
        )
    };
    let clip = |v: __m128i, x: __m128i, t: __m128i| {
        _mm_min_epu8(_mm_max_epu8(v, _mm_subs_epu8(x, t)), _mm_adds_epu8(x, t))
    };
    let n_p1 = clip(half(p2), p1, _mm_and_si128(tc0, ap));
    let n_q1 = clip(half(q2), q1, _mm_and_si128(tc0, aq));

    // p0 and q0.
    let t = _mm_avg_epu8(_mm_xor_si128(q1, ones), p1); // (p1 - q1 + 256) >> 1
    let t = _mm_avg_epu8(t, _mm_set1_epi8(3));
    let t = _mm_avg_epu8(t, _mm_and_si128(_mm_xor_si128(p0, q0), one));
    let u = _mm_avg_epu8(_mm_xor_si128(p0, ones), q0); // (q0 - p0 + 256) >> 1
    let d = _mm_adds_epu8(t, u); // delta + 161
    let bias = _mm_set1_epi8(0xa1_u8 as i8);
    let neg = _mm_min_epu8(_mm_subs_epu8(bias, d), tc);
    let pos = _mm_min_epu8(_mm_subs_epu8(d, bias), tc);
    let n_p0 = _mm_adds_epu8(_mm_subs_epu8(p0, neg), pos);
    let n_q0 = _mm_adds_epu8(_mm_subs_epu8(q0, pos), neg);
    [n_p1, n_p0, n_q0, n_q1]
}

/// bS and tC0 of the four segments spread over sixteen bytes (byte `l` is line `l`, segment
/// `l / 4`).
#[target_feature(enable = "avx2")]
#[inline]
fn segment_bytes(e: &crate::dsp::Edge) -> (__m128i, __m128i) {
    let x = _mm_cvtsi32_si128(bs_word(e) as i32);
    let x = _mm_unpacklo_epi8(x, x); // b0 b0 b1 b1 b2 b2 b3 b3
    let bs = _mm_unpacklo_epi16(x, x);
    (bs, tc0_of(e, bs))
}

/// [`deblock_luma_edge`] of an edge without bS 4, in bytes ([`filter_luma_normal8`]). A
/// horizontal edge reads the rows p2..q2 and writes p1..q1; a vertical edge transposes the
/// 16 lines of p3..q3 (eight bytes each) into eight columns of sixteen bytes and writes p1..q1
/// back four bytes per line.
#[target_feature(enable = "avx2")]
#[inline]
fn luma_edge_normal(d: &mut [u8], e: &crate::dsp::Edge) {
    if e.alpha == 0 || e.beta == 0 {
        // |p0 - q0| < 0 never holds: filterSamplesFlag is 0 on every line.
        return;
    }
    let am1 = _mm_set1_epi8((e.alpha - 1) as u8 as i8);
    let bm1 = _mm_set1_epi8((e.beta - 1) as u8 as i8);
    let (bs, tc0) = segment_bytes(e);
    if e.along == 1 {
        let s = e.across;
        let top = e.q0.checked_sub(4 * s).expect("p3 row inside the plane");
        let mut r = RowsMut::<16>::new(&mut d[top..], s, 8); // p3 .. q3
        let out = filter_luma_normal8(
            [r.load16(1, 0), r.load16(2, 0), r.load16(3, 0)],
            [r.load16(4, 0), r.load16(5, 0), r.load16(6, 0)],
            bs,
            tc0,
            am1,
            bm1,
        );
        for (i, &v) in out.iter().enumerate() {
            r.store16(i + 2, 0, v);
        }
    } else if e.across == 1 {
        let left = e.q0.checked_sub(4).expect("p3 column inside the plane");
        // The 16 lines, p3 .. q3; a[l]: line l, then line l + 8.
        let mut r = RowsMut::<8>::new(&mut d[left..], e.along, 16);
        // (Loops and a macro rather than closures, which LLVM may keep out of line.)
        let mut a = [_mm_setzero_si128(); 8];
        for (l, v) in a.iter_mut().enumerate() {
            *v = _mm_unpacklo_epi64(r.load8(l, 0), r.load8(l + 8, 0));
        }
        // Lines 2k, 2k + 1 byte-interleaved: lines 0-7 (lo) and 8-15 (hi).
        let (mut lo, mut hi) = ([_mm_setzero_si128(); 4], [_mm_setzero_si128(); 4]);
        for k in 0..4 {
            lo[k] = _mm_unpacklo_epi8(a[2 * k], a[2 * k + 1]);
            hi[k] = _mm_unpackhi_epi8(a[2 * k], a[2 * k + 1]);
        }
        // Columns of eight lines: [c0 c1], [c2 c3], [c4 c5], [c6 c7], eight bytes each.
        macro_rules! cols8 {
            ($s:expr) => {{
                let s = $s;
                let w0 = _mm_unpacklo_epi16(s[0], s[1]); // columns 0-3 of lines 0-3
                let w1 = _mm_unpackhi_epi16(s[0], s[1]); // columns 4-7 of lines 0-3
                let w2 = _mm_unpacklo_epi16(s[2], s[3]); // columns 0-3 of lines 4-7
                let w3 = _mm_unpackhi_epi16(s[2], s[3]); // columns 4-7 of lines 4-7
                [
                    _mm_unpacklo_epi32(w0, w2),
                    _mm_unpackhi_epi32(w0, w2),
                    _mm_unpacklo_epi32(w1, w3),
                    _mm_unpackhi_epi32(w1, w3),
                ]
            }};
        }
        let (l, h) = (cols8!(lo), cols8!(hi));
        let out = filter_luma_normal8(
            [
                _mm_unpackhi_epi64(l[0], h[0]), // p2
                _mm_unpacklo_epi64(l[1], h[1]), // p1
                _mm_unpackhi_epi64(l[1], h[1]), // p0
            ],
            [
                _mm_unpacklo_epi64(l[2], h[2]), // q0
                _mm_unpackhi_epi64(l[2], h[2]), // q1
                _mm_unpacklo_epi64(l[3], h[3]), // q2
            ],
            bs,
            tc0,
            am1,
            bm1,
        );
        // p1 p0 q0 q1 of each line as 32-bit words: lines 0-3, 4-7, 8-11, 12-15.
        let [np1, np0, nq0, nq1] = out;
        let (pl, ph) = (_mm_unpacklo_epi8(np1, np0), _mm_unpackhi_epi8(np1, np0));
        let (ql, qh) = (_mm_unpacklo_epi8(nq0, nq1), _mm_unpackhi_epi8(nq0, nq1));
        let quads = [
            _mm_unpacklo_epi16(pl, ql),
            _mm_unpackhi_epi16(pl, ql),
            _mm_unpacklo_epi16(ph, qh),
            _mm_unpackhi_epi16(ph, qh),
        ];
        for (k, &v) in quads.iter().enumerate() {
            r.store4(4 * k, 2, _mm_extract_epi32::<0>(v) as u32);
            r.store4(4 * k + 1, 2, _mm_extract_epi32::<1>(v) as u32);
            r.store4(4 * k + 2, 2, _mm_extract_epi32::<2>(v) as u32);
            r.store4(4 * k + 3, 2, _mm_extract_epi32::<3>(v) as u32);
        }
    } else {
        crate::dsp::scalar::deblock_luma_edge(d, e);
    }
}

/// [`deblock_luma_edge`] of an edge with some bS 4, in `i16` lanes: a horizontal edge reads
/// the rows p3..q3 directly; a vertical edge puts lines 0-7 in the low and 8-15 in the high
/// 128-bit lane and transposes both 8x8 blocks in and out.
#[target_feature(enable = "avx2")]
#[inline]
fn luma_edge_strong<const ALL4: bool>(d: &mut [u8], e: &crate::dsp::Edge) {
    let alpha = _mm256_set1_epi16(e.alpha as i16);
    let beta = _mm256_set1_epi16(e.beta as i16);
    let (bs, tc0) = segment_lanes(e);
    let mut rows = [_mm256_setzero_si256(); 8];
    if e.along == 1 {
        let s = e.across;
        let top = e.q0.checked_sub(4 * s).expect("p3 row inside the plane");
        let mut r = RowsMut::<16>::new(&mut d[top..], s, 8); // p3 .. q3
        for (i, row) in rows.iter_mut().enumerate() {
            *row = _mm256_cvtepu8_epi16(r.load16(i, 0));
        }
        let out = filter_luma16::<ALL4>(
            [rows[3], rows[2], rows[1], rows[0]],
            [rows[4], rows[5], rows[6], rows[7]],
            bs,
            tc0,
            alpha,
            beta,
        );
        for (i, &v) in out.iter().enumerate() {
            r.store16(i + 1, 0, pack_u8(v));
        }
    } else if e.across == 1 {
        let left = e.q0.checked_sub(4).expect("p3 column inside the plane");
        let mut r = RowsMut::<8>::new(&mut d[left..], e.along, 16); // the 16 lines, p3 .. q3
        for (i, row) in rows.iter_mut().enumerate() {
            *row = _mm256_cvtepu8_epi16(_mm_unpacklo_epi64(r.load8(i, 0), r.load8(i + 8, 0)));
        }
        let c = transpose2x8x8_epi16(rows); // c[i]: sample i (p3 .. q3) of each line
        let out = filter_luma16::<ALL4>(
            [c[3], c[2], c[1], c[0]],
            [c[4], c[5], c[6], c[7]],
            bs,
            tc0,
            alpha,
            beta,
        );
        let cols = [c[0], out[0], out[1], out[2], out[3], out[4], out[5], c[7]];
        let t = transpose2x8x8_epi16(cols);
        for (i, &v) in t.iter().enumerate() {
            let b = pack_u8(v);
            r.store8(i, 0, b);
            r.store8(i + 8, 0, _mm_unpackhi_epi64(b, b));
        }
    } else {
        crate::dsp::scalar::deblock_luma_edge(d, e);
    }
}

/// The chroma filter (8.7.2.3 / 8.7.2.4 with chromaStyleFilteringFlag 1, as
/// `scalar::filter_samples_chroma`) on sixteen lines: returns the new p0 and q0 (`i16`, to be
/// clipped by unsigned-saturating packing). Without `STRONG` no lane may have bS 4.
#[target_feature(enable = "avx2")]
#[inline]
fn filter_chroma16<const STRONG: bool>(
    [p1, p0, q0, q1]: [__m256i; 4],
    bs: __m256i,
    tc0: __m256i,
    alpha: __m256i,
    beta: __m256i,
) -> [__m256i; 2] {
    let add = |a: __m256i, b: __m256i| _mm256_add_epi16(a, b);
    let sub = |a: __m256i, b: __m256i| _mm256_sub_epi16(a, b);
    let k = |v: i16| _mm256_set1_epi16(v);
    let flag = filter_samples_flag([p1, p0, q0, q1], bs, alpha, beta);
    // bS < 4: tC = tC0 + 1 (8.7.2.3, chroma).
    let delta = _mm256_srai_epi16(
        add(add(_mm256_slli_epi16(sub(q0, p0), 2), sub(p1, q1)), k(4)),
        3,
    );
    let delta = clamp_tc(delta, add(tc0, k(1)));
    let mut n_p0 = add(p0, delta);
    let mut n_q0 = sub(q0, delta);
    if STRONG {
        // bS == 4 (8.7.2.4, chroma: the 3-tap form only).
        let s_p0 = _mm256_srai_epi16(add(add(add(p1, p1), p0), add(q1, k(2))), 2);
        let s_q0 = _mm256_srai_epi16(add(add(add(q1, q1), q0), add(p1, k(2))), 2);
        let is4 = _mm256_cmpeq_epi16(bs, k(4));
        n_p0 = select(is4, s_p0, n_p0);
        n_q0 = select(is4, s_q0, n_q0);
    }
    [select(flag, n_p0, p0), select(flag, n_q0, q0)]
}

/// The chroma deblocking filter of one 8-line edge in both chroma planes at once (as
/// `scalar::deblock_chroma_edge2`): the Cb lines in the low eight `i16` lanes, the Cr lines in
/// the high eight. A horizontal edge (`along == 1`) reads the rows p1..q1 directly; a vertical
/// edge (`across == 1`) gathers the 8x4 samples p1..q1 of each plane with byte, word and dword
/// interleaves and writes back p0 and q0, two bytes per line. Any other layout goes to the
/// scalar twin.
///
/// The gather and the write-back exist once each (the bS 4 choice is made around the filter
/// only), so that they are inlined.
#[target_feature(enable = "avx2")]
pub fn deblock_chroma_edge2(u: &mut [u8], v: &mut [u8], e: &crate::dsp::Edge) {
    if bs_word(e) == 0 {
        return;
    }
    let strong = has_bs4(e);
    let alpha = _mm256_set1_epi16(e.alpha as i16);
    let beta = _mm256_set1_epi16(e.beta as i16);
    let (bs, tc0) = chroma_segment_lanes(e);
    let filter = |c: [__m256i; 4]| {
        if strong {
            filter_chroma16::<true>(c, bs, tc0, alpha, beta)
        } else {
            filter_chroma16::<false>(c, bs, tc0, alpha, beta)
        }
    };
    if e.along == 1 {
        let s = e.across;
        let top = e.q0.checked_sub(2 * s).expect("p1 row inside the plane");
        let mut ru = RowsMut::<8>::new(&mut u[top..], s, 4); // p1 .. q1
        let mut rv = RowsMut::<8>::new(&mut v[top..], s, 4);
        let mut r = [_mm256_setzero_si256(); 4];
        for (i, row) in r.iter_mut().enumerate() {
            *row = _mm256_cvtepu8_epi16(_mm_unpacklo_epi64(ru.load8(i, 0), rv.load8(i, 0)));
        }
        let [p0, q0] = filter(r);
        let (p0, q0) = (pack_u8(p0), pack_u8(q0));
        ru.store8(1, 0, p0);
        rv.store8(1, 0, _mm_unpackhi_epi64(p0, p0));
        ru.store8(2, 0, q0);
        rv.store8(2, 0, _mm_unpackhi_epi64(q0, q0));
    } else if e.across == 1 {
        let left = e.q0.checked_sub(2).expect("p1 column inside the plane");
        let mut ru = RowsMut::<4>::new(&mut u[left..], e.along, 8); // lines of p1 p0 q0 q1
        let mut rv = RowsMut::<4>::new(&mut v[left..], e.along, 8);
        let [p0, q0] = filter(chroma_gather2(&ru, &rv));
        chroma_put2(&mut ru, &mut rv, pack_u8(p0), pack_u8(q0));
    } else {
        crate::dsp::scalar::deblock_chroma_edge2(u, v, e);
    }
}

/// The eight lines of four bytes (p1 p0 q0 q1) of a vertical chroma edge (a `RowsMut<4>`) as
/// columns: p1 of lines 0-7, then p0 (first register); q0, then q1 (second). Byte, word and
/// dword interleaves. A macro, so that it is inlined (`#[inline(always)]` cannot go with
/// `#[target_feature]`, and LLVM kept these out of line as functions).
macro_rules! chroma_columns {
    ($r:expr) => {{
        let r = $r;
        let t0 = _mm_unpacklo_epi8(r.load4(0, 0), r.load4(1, 0));
        let t1 = _mm_unpacklo_epi8(r.load4(2, 0), r.load4(3, 0));
        let t2 = _mm_unpacklo_epi8(r.load4(4, 0), r.load4(5, 0));
        let t3 = _mm_unpacklo_epi8(r.load4(6, 0), r.load4(7, 0));
        let u0 = _mm_unpacklo_epi16(t0, t1); // p1, p0, q0, q1 of lines 0-3
        let u1 = _mm_unpacklo_epi16(t2, t3); // the same of lines 4-7
        (_mm_unpacklo_epi32(u0, u1), _mm_unpackhi_epi32(u0, u1))
    }};
}

/// Writes the eight 16-bit words of `pairs` (p0 q0 of lines 0-7) to bytes 1 and 2 of the lines
/// of a vertical chroma edge (a `RowsMut<4>`). A macro, as `chroma_columns!`.
macro_rules! chroma_put_p0q0 {
    ($r:expr, $pairs:expr) => {{
        let (r, pairs) = ($r, $pairs);
        r.store2(0, 1, _mm_extract_epi16::<0>(pairs) as u16);
        r.store2(1, 1, _mm_extract_epi16::<1>(pairs) as u16);
        r.store2(2, 1, _mm_extract_epi16::<2>(pairs) as u16);
        r.store2(3, 1, _mm_extract_epi16::<3>(pairs) as u16);
        r.store2(4, 1, _mm_extract_epi16::<4>(pairs) as u16);
        r.store2(5, 1, _mm_extract_epi16::<5>(pairs) as u16);
        r.store2(6, 1, _mm_extract_epi16::<6>(pairs) as u16);
        r.store2(7, 1, _mm_extract_epi16::<7>(pairs) as u16);
    }};
}

/// The samples p1, p0, q0, q1 of the vertical chroma edges `ru` (Cb lines, low lanes) and `rv`
/// (Cr lines, high lanes) as `i16` lanes. One function for both planes, called once, so that
/// it is inlined.
#[target_feature(enable = "avx2")]
#[inline]
fn chroma_gather2(ru: &RowsMut<'_, 4>, rv: &RowsMut<'_, 4>) -> [__m256i; 4] {
    let (pu, qu) = chroma_columns!(ru);
    let (pv, qv) = chroma_columns!(rv);
    [
        _mm256_cvtepu8_epi16(_mm_unpacklo_epi64(pu, pv)),
        _mm256_cvtepu8_epi16(_mm_unpackhi_epi64(pu, pv)),
        _mm256_cvtepu8_epi16(_mm_unpacklo_epi64(qu, qv)),
        _mm256_cvtepu8_epi16(_mm_unpackhi_epi64(qu, qv)),
    ]
}

/// Writes the new p0 and q0 (bytes: the Cb lines, then the Cr lines) back to the vertical
/// chroma edges `ru` and `rv`, as 16-bit words per line.
#[target_feature(enable = "avx2")]
#[inline]
fn chroma_put2(ru: &mut RowsMut<'_, 4>, rv: &mut RowsMut<'_, 4>, p0: __m128i, q0: __m128i) {
    chroma_put_p0q0!(ru, _mm_unpacklo_epi8(p0, q0));
    chroma_put_p0q0!(rv, _mm_unpackhi_epi8(p0, q0));
}

/// `pshufb` masks gathering channel byte `ch` of 16 packed pixels of `bpp` bytes from the
/// `bpp` consecutive 16-byte loads holding them: mask `k` picks the bytes that lie in load `k`
/// (0x80 elsewhere, which `pshufb` turns into zeros), so OR-ing the shuffled loads gives the
/// channel in pixel order.
const fn channel_masks(bpp: usize, ch: usize) -> [[i8; 16]; 4] {
    let mut m = [[-128i8; 16]; 4];
    let mut p = 0;
    while p < 16 {
        let byte = bpp * p + ch;
        m[byte / 16][p] = (byte % 16) as i8;
        p += 1;
    }
    m
}

/// [`channel_masks`] for 3- and 4-byte pixels and each of the three channels.
const MASKS3: [[[i8; 16]; 4]; 3] = [
    channel_masks(3, 0),
    channel_masks(3, 1),
    channel_masks(3, 2),
];
const MASKS4: [[[i8; 16]; 4]; 3] = [
    channel_masks(4, 0),
    channel_masks(4, 1),
    channel_masks(4, 2),
];

/// Channels 0, 1 and 2 of the 16 pixels at `row[off..off + 16 * BPP]`, each widened to 16
/// `u16` lanes in pixel order.
#[target_feature(enable = "avx2")]
#[inline]
fn load_channels<const BPP: usize>(row: &[u8], off: usize) -> [__m256i; 3] {
    let loads: [__m128i; 4] = std::array::from_fn(|k| {
        if k < BPP {
            load16(row, off + 16 * k)
        } else {
            _mm_setzero_si128()
        }
    });
    let masks = if BPP == 3 { &MASKS3 } else { &MASKS4 };
    std::array::from_fn(|ch| {
        let mut v = _mm_setzero_si128();
        for (k, &l) in loads.iter().enumerate().take(BPP) {
            // SAFETY: the mask is 16 readable bytes; the load is unaligned.
            let m = unsafe { _mm_loadu_si128(masks[ch][k].as_ptr().cast()) };
            v = _mm_or_si128(v, _mm_shuffle_epi8(l, m));
        }
        _mm256_cvtepu8_epi16(v)
    })
}

/// Luma of 16 pixels: ((66 R + 129 G + 25 B + 128) >> 8) + 16 in `u16` lanes (the sum stays
/// below 2^16), as 16 bytes.
#[target_feature(enable = "avx2")]
#[inline]
fn luma16(r: __m256i, g: __m256i, b: __m256i) -> __m128i {
    let k = |v: i16| _mm256_set1_epi16(v);
    let s = _mm256_add_epi16(
        _mm256_add_epi16(_mm256_mullo_epi16(r, k(66)), _mm256_mullo_epi16(g, k(129))),
        _mm256_add_epi16(_mm256_mullo_epi16(b, k(25)), k(128)),
    );
    pack_u8(_mm256_add_epi16(_mm256_srli_epi16(s, 8), k(16)))
}

/// One chroma component from 8 `i32` sums of `1 << (shift - 8)` pixels:
/// `clamp(((cr R + cg G + cb B + round) >> shift) + 128, 0, 255)`.
#[target_feature(enable = "avx2")]
#[inline]
fn chroma8(rgb: [__m256i; 3], c: [i32; 3], shift: i32) -> __m256i {
    let s = _mm256_add_epi32(
        _mm256_add_epi32(
            _mm256_mullo_epi32(rgb[0], _mm256_set1_epi32(c[0])),
            _mm256_mullo_epi32(rgb[1], _mm256_set1_epi32(c[1])),
        ),
        _mm256_add_epi32(
            _mm256_mullo_epi32(rgb[2], _mm256_set1_epi32(c[2])),
            _mm256_set1_epi32(1 << (shift - 1)),
        ),
    );
    let v = _mm256_add_epi32(
        _mm256_sra_epi32(s, _mm_cvtsi32_si128(shift)),
        _mm256_set1_epi32(128),
    );
    _mm256_min_epi32(
        _mm256_max_epi32(v, _mm256_setzero_si256()),
        _mm256_set1_epi32(255),
    )
}

/// Two rows of packed pixels to NV12, as `scalar::rgb_to_nv12_rows`: 16 pixels of both rows
/// per step (channels gathered with `pshufb`), the tail by the scalar twin.
#[target_feature(enable = "avx2")]
pub fn rgb_to_nv12_rows(
    row0: &[u8],
    row1: &[u8],
    y0: &mut [u8],
    y1: &mut [u8],
    uv: &mut [u8],
    layout: crate::dsp::PixelLayout,
    siting: crate::dsp::ChromaSiting,
) {
    use crate::dsp::PixelLayout;
    match layout {
        PixelLayout::Rgb => rows::<3, false>(row0, row1, y0, y1, uv, siting),
        PixelLayout::Bgr => rows::<3, true>(row0, row1, y0, y1, uv, siting),
        PixelLayout::Rgba => rows::<4, false>(row0, row1, y0, y1, uv, siting),
        PixelLayout::Bgra => rows::<4, true>(row0, row1, y0, y1, uv, siting),
    }
}

#[target_feature(enable = "avx2")]
#[inline]
fn rows<const BPP: usize, const BGR: bool>(
    row0: &[u8],
    row1: &[u8],
    y0: &mut [u8],
    y1: &mut [u8],
    uv: &mut [u8],
    siting: crate::dsp::ChromaSiting,
) {
    use crate::dsp::{ChromaSiting, PixelLayout};
    let n = y0.len();
    assert!(
        y1.len() == n && uv.len() == n && n.is_multiple_of(2),
        "rgb_to_nv12_rows: lengths"
    );
    let (row0, row1) = (&row0[..n * BPP], &row1[..n * BPP]);
    let rgb = |c: [__m256i; 3]| if BGR { [c[2], c[1], c[0]] } else { c };
    let ones = _mm256_set1_epi16(1);
    let low16 = _mm256_set1_epi32(0xffff);
    let mut x = 0;
    while x + 16 <= n {
        let p0 = rgb(load_channels::<BPP>(row0, x * BPP));
        let p1 = rgb(load_channels::<BPP>(row1, x * BPP));
        store16(y0, x, luma16(p0[0], p0[1], p0[2]));
        store16(y1, x, luma16(p1[0], p1[1], p1[2]));
        // Per chroma sample (8 of them): the sum of its 2x2 pixels, or its top-left pixel.
        let (sums, shift): ([__m256i; 3], i32) = match siting {
            ChromaSiting::Average => (
                std::array::from_fn(|c| _mm256_madd_epi16(_mm256_add_epi16(p0[c], p1[c]), ones)),
                10,
            ),
            ChromaSiting::TopLeft => (std::array::from_fn(|c| _mm256_and_si256(p0[c], low16)), 8),
        };
        let u = chroma8(sums, [-38, -74, 112], shift);
        let v = chroma8(sums, [112, -94, -18], shift);
        // u | v << 16 per sample, packed to the byte pairs u, v (pairs 0-3 in the low lane,
        // 4-7 in the high one).
        let w = _mm256_or_si256(u, _mm256_slli_epi32(v, 16));
        let w = _mm256_packus_epi16(w, w);
        store16(
            uv,
            x,
            _mm_unpacklo_epi64(_mm256_castsi256_si128(w), _mm256_extracti128_si256::<1>(w)),
        );
        x += 16;
    }
    let layout = match (BPP, BGR) {
        (3, false) => PixelLayout::Rgb,
        (3, true) => PixelLayout::Bgr,
        (_, false) => PixelLayout::Rgba,
        (_, true) => PixelLayout::Bgra,
    };
    crate::dsp::scalar::rgb_to_nv12_rows(
        &row0[x * BPP..],
        &row1[x * BPP..],
        &mut y0[x..],
        &mut y1[x..],
        &mut uv[x..],
        layout,
        siting,
    );
}

/// [`crate::tables::ZIGZAG4X4`] for a block held column-major (index `4 * col + row`).
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

/// `pshufb` masks from a block's two column-major registers (`src` 0: entries 0-7, `src` 1:
/// entries 8-15) to its scan-order halves (`half` 0: scan positions 0-7, 1: 8-15); lanes not
/// taken from `src` are 0x80 (zeroed), so OR-ing the two shuffles gives the half.
const fn scan_mask(src: usize, half: usize) -> [u8; 16] {
    let mut m = [0x80u8; 16];
    let mut k = 0;
    while k < 8 {
        let t = ZIGZAG4X4_T[8 * half + k];
        if t / 8 == src {
            m[2 * k] = (2 * (t % 8)) as u8;
            m[2 * k + 1] = (2 * (t % 8) + 1) as u8;
        }
        k += 1;
    }
    m
}

/// The inverse of [`scan_mask`]: from the scan-order halves (`src` 0: positions 0-7, 1: 8-15)
/// to the column-major registers (`half` 0: entries 0-7, 1: 8-15).
const fn unscan_mask(src: usize, half: usize) -> [u8; 16] {
    let mut m = [0x80u8; 16];
    let mut k = 0;
    while k < 16 {
        let t = ZIGZAG4X4_T[k];
        if k / 8 == src && t / 8 == half {
            m[2 * (t % 8)] = (2 * (k % 8)) as u8;
            m[2 * (t % 8) + 1] = (2 * (k % 8)) as u8 + 1;
        }
        k += 1;
    }
    m
}

const SCAN_MASKS: [[[u8; 16]; 2]; 2] = [
    [scan_mask(0, 0), scan_mask(0, 1)],
    [scan_mask(1, 0), scan_mask(1, 1)],
];
const UNSCAN_MASKS: [[[u8; 16]; 2]; 2] = [
    [unscan_mask(0, 0), unscan_mask(0, 1)],
    [unscan_mask(1, 0), unscan_mask(1, 1)],
];

/// A 16-byte pattern in both 128-bit lanes.
#[target_feature(enable = "avx2")]
#[inline]
fn both_lanes(m: &[u8; 16]) -> __m256i {
    _mm256_broadcastsi128_si256(load16(m, 0))
}

/// [`SCAN_MASKS`] or [`UNSCAN_MASKS`] in registers (written out: closures of `array::map`
/// are not inlined into the kernels).
#[target_feature(enable = "avx2")]
#[inline]
fn masks(m: &[[[u8; 16]; 2]; 2]) -> [[__m256i; 2]; 2] {
    [
        [both_lanes(&m[0][0]), both_lanes(&m[0][1])],
        [both_lanes(&m[1][0]), both_lanes(&m[1][1])],
    ]
}

/// Four `i16` (`v[4 * row..4 * row + 4]`) repeated in every 64-bit group.
#[target_feature(enable = "avx2")]
#[inline]
fn row_x4(v: &[i16; 16], row: usize) -> __m256i {
    let r = &v[4 * row..4 * row + 4];
    _mm256_set_epi16(
        r[3], r[2], r[1], r[0], r[3], r[2], r[1], r[0], r[3], r[2], r[1], r[0], r[3], r[2], r[1],
        r[0],
    )
}

/// The forward 4x4 core butterfly across four registers of `i16` (exact: |x| <= 1530).
#[target_feature(enable = "avx2")]
#[inline]
fn fdct4_epi16(x: [__m256i; 4]) -> [__m256i; 4] {
    let s03 = _mm256_add_epi16(x[0], x[3]);
    let d03 = _mm256_sub_epi16(x[0], x[3]);
    let s12 = _mm256_add_epi16(x[1], x[2]);
    let d12 = _mm256_sub_epi16(x[1], x[2]);
    [
        _mm256_add_epi16(s03, s12),
        _mm256_add_epi16(_mm256_add_epi16(d03, d03), d12),
        _mm256_sub_epi16(s03, s12),
        _mm256_sub_epi16(d03, _mm256_add_epi16(d12, d12)),
    ]
}

/// The inverse 4x4 butterfly (8.5.12.2) across four registers of `i32`.
#[target_feature(enable = "avx2")]
#[inline]
fn idct4_epi32(x: [__m256i; 4]) -> [__m256i; 4] {
    let e = _mm256_add_epi32(x[0], x[2]);
    let f = _mm256_sub_epi32(x[0], x[2]);
    let g = _mm256_sub_epi32(_mm256_srai_epi32(x[1], 1), x[3]);
    let h = _mm256_add_epi32(x[1], _mm256_srai_epi32(x[3], 1));
    [
        _mm256_add_epi32(e, h),
        _mm256_add_epi32(f, g),
        _mm256_sub_epi32(f, g),
        _mm256_sub_epi32(e, h),
    ]
}

/// Transposes the 4x4 block of `i32` in each 128-bit lane of four registers.
#[target_feature(enable = "avx2")]
#[inline]
fn transpose4x4_epi32(r: [__m256i; 4]) -> [__m256i; 4] {
    let t0 = _mm256_unpacklo_epi32(r[0], r[1]);
    let t1 = _mm256_unpacklo_epi32(r[2], r[3]);
    let t2 = _mm256_unpackhi_epi32(r[0], r[1]);
    let t3 = _mm256_unpackhi_epi32(r[2], r[3]);
    [
        _mm256_unpacklo_epi64(t0, t1),
        _mm256_unpackhi_epi64(t0, t1),
        _mm256_unpacklo_epi64(t2, t3),
        _mm256_unpackhi_epi64(t2, t3),
    ]
}

/// The forward path of strips of four 4x4 blocks, exactly like `scalar::quant_strips`.
///
/// A strip's four rows of 16 residuals are four registers of `i16` (lane `L` holds blocks
/// `2L` and `2L + 1`). The vertical butterfly runs across them; 12 in-lane unpacks turn each
/// 4x4 block around so that register `j` holds column `j` of every block; the horizontal
/// butterfly across those leaves register `m` with coefficient column `m` of all four blocks
/// (|c| <= 9180 fits `i16`). Quantisation is position-wise: the constants are symmetric, so
/// column `m`'s are row `m`'s. The scan is a `pshufb` of each block's two column-major halves.
#[target_feature(enable = "avx2")]
pub fn quant_strips(
    src: &[u8],
    pred: &[u8],
    q: &crate::dsp::QuantParams,
    dc_apart: bool,
    levels: &mut [[i16; 16]],
    dc: &mut [i32],
    nz: &mut [u16],
) {
    let n = crate::dsp::scalar::quant_strips_blocks(src, pred, dc_apart, levels, dc, nz);
    let mf = [
        row_x4(&q.mf, 0),
        row_x4(&q.mf, 1),
        row_x4(&q.mf, 2),
        row_x4(&q.mf, 3),
    ];
    let off = _mm256_set1_epi32(q.offset);
    let shift = _mm_cvtsi32_si128(q.qbits as i32);
    let max = _mm256_set1_epi16(crate::tables::MAX_LEVEL as i16);
    // Clears the DC lanes (entry 0 of each block in column 0's register).
    let keep_ac = if dc_apart {
        _mm256_set_epi16(-1, -1, -1, 0, -1, -1, -1, 0, -1, -1, -1, 0, -1, -1, -1, 0)
    } else {
        _mm256_set1_epi16(-1)
    };
    let scan = masks(&SCAN_MASKS);
    let zero = _mm_setzero_si128();
    for s in 0..n / 4 {
        let d: [__m256i; 4] = std::array::from_fn(|r| {
            let o = 64 * s + 16 * r;
            _mm256_sub_epi16(load_u8_as_i16(src, o), load_u8_as_i16(pred, o))
        });
        let v = fdct4_epi16(d);
        let t0 = _mm256_unpacklo_epi16(v[0], v[1]);
        let t1 = _mm256_unpackhi_epi16(v[0], v[1]);
        let t2 = _mm256_unpacklo_epi16(v[2], v[3]);
        let t3 = _mm256_unpackhi_epi16(v[2], v[3]);
        let u0 = _mm256_unpacklo_epi32(t0, t2);
        let u1 = _mm256_unpackhi_epi32(t0, t2);
        let u2 = _mm256_unpacklo_epi32(t1, t3);
        let u3 = _mm256_unpackhi_epi32(t1, t3);
        let c = fdct4_epi16([
            _mm256_unpacklo_epi64(u0, u2),
            _mm256_unpackhi_epi64(u0, u2),
            _mm256_unpacklo_epi64(u1, u3),
            _mm256_unpackhi_epi64(u1, u3),
        ]);
        if dc_apart {
            // Block 4s + j's DC is entry 4j (lane j / 2, first or second half).
            let d: &mut [i32; 4] = (&mut dc[4 * s..4 * s + 4]).try_into().expect("4 DCs");
            let at = |v: i32| i32::from(v as u16 as i16);
            *d = [
                at(_mm256_extract_epi16::<0>(c[0])),
                at(_mm256_extract_epi16::<4>(c[0])),
                at(_mm256_extract_epi16::<8>(c[0])),
                at(_mm256_extract_epi16::<12>(c[0])),
            ];
        }
        let quant = |y: __m256i, mf: __m256i| -> __m256i {
            let a = _mm256_abs_epi16(y);
            let lo = _mm256_mullo_epi16(a, mf);
            let hi = _mm256_mulhi_epu16(a, mf);
            let l0 = _mm256_srl_epi32(_mm256_add_epi32(_mm256_unpacklo_epi16(lo, hi), off), shift);
            let l1 = _mm256_srl_epi32(_mm256_add_epi32(_mm256_unpackhi_epi16(lo, hi), off), shift);
            _mm256_sign_epi16(_mm256_min_epi16(_mm256_packs_epi32(l0, l1), max), y)
        };
        let q0 = _mm256_and_si256(quant(c[0], mf[0]), keep_ac);
        let q1 = quant(c[1], mf[1]);
        let q2 = quant(c[2], mf[2]);
        let q3 = quant(c[3], mf[3]);
        // Per lane: the first block's columns 0-1 and 2-3, then the second block's.
        let halves = [
            (_mm256_unpacklo_epi64(q0, q1), _mm256_unpacklo_epi64(q2, q3)),
            (_mm256_unpackhi_epi64(q0, q1), _mm256_unpackhi_epi64(q2, q3)),
        ];
        for (bl, (a, b)) in halves.into_iter().enumerate() {
            let scan_half = |h: usize| {
                _mm256_or_si256(
                    _mm256_shuffle_epi8(a, scan[0][h]),
                    _mm256_shuffle_epi8(b, scan[1][h]),
                )
            };
            let (z0, z1) = (scan_half(0), scan_half(1));
            // Lane 0: block 4s + bl; lane 1: block 4s + 2 + bl.
            for (blk, z) in [
                (4 * s + bl, _mm256_permute2x128_si256::<0x20>(z0, z1)),
                (4 * s + 2 + bl, _mm256_permute2x128_si256::<0x31>(z0, z1)),
            ] {
                store_i16x16(&mut levels[blk], 0, z);
                // The levels as bytes in order (saturating: non-zero stays non-zero).
                let bytes =
                    _mm_packs_epi16(_mm256_castsi256_si128(z), _mm256_extracti128_si256::<1>(z));
                nz[blk] = !(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, zero)) as u16);
            }
        }
    }
}

/// The reconstruction of strips of four 4x4 blocks, exactly like `scalar::recon_strips`:
/// the scan undone by `pshufb` into column-major halves, scaling as exact 32-bit products of
/// the `i16` levels and scales, two blocks per register (one per 128-bit lane) for the
/// inverse transform in `i32`, and whole 16-sample rows out.
#[target_feature(enable = "avx2")]
pub fn recon_strips(
    levels: &[[i16; 16]],
    dc: Option<&[i32]>,
    pred: &[u8],
    q: &crate::dsp::QuantParams,
    recon: &mut [u8],
) {
    let n = crate::dsp::scalar::strips_blocks(levels.len(), pred.len(), recon.len());
    assert!(dc.is_none_or(|d| d.len() == n), "strips: DC length");
    let unscan = masks(&UNSCAN_MASKS);
    let dq = [
        _mm256_broadcastsi128_si256(super::load_i16x8(&q.dq, 0)),
        _mm256_broadcastsi128_si256(super::load_i16x8(&q.dq, 8)),
    ];
    let k32 = _mm256_set1_epi32(32);
    for s in 0..n / 4 {
        // Rows 0-3 of blocks (4s, 4s + 2) and of (4s + 1, 4s + 3), as i32.
        let rows = |first: usize| -> [__m256i; 4] {
            let (b0, b1) = (4 * s + first, 4 * s + first + 2);
            let pair = |off: usize| {
                _mm256_inserti128_si256::<1>(
                    _mm256_castsi128_si256(super::load_i16x8(&levels[b0], off)),
                    super::load_i16x8(&levels[b1], off),
                )
            };
            let (p, r) = (pair(0), pair(8));
            let col = |h: usize| {
                _mm256_or_si256(
                    _mm256_shuffle_epi8(p, unscan[0][h]),
                    _mm256_shuffle_epi8(r, unscan[1][h]),
                )
            };
            let mut e = [_mm256_setzero_si256(); 4];
            for h in 0..2 {
                let l = col(h);
                let lo = _mm256_mullo_epi16(l, dq[h]);
                let hi = _mm256_mulhi_epi16(l, dq[h]);
                e[2 * h] = _mm256_unpacklo_epi16(lo, hi);
                e[2 * h + 1] = _mm256_unpackhi_epi16(lo, hi);
            }
            if let Some(dc) = dc {
                let v = _mm256_setr_epi32(dc[b0], 0, 0, 0, dc[b1], 0, 0, 0);
                e[0] = _mm256_blend_epi32::<0x11>(e[0], v);
            }
            let t = idct4_epi32(e);
            idct4_epi32(transpose4x4_epi32(t))
        };
        let (a, b) = (rows(0), rows(1));
        for r in 0..4 {
            let fin = |v: __m256i| _mm256_srai_epi32(_mm256_add_epi32(v, k32), 6);
            let res = _mm256_packs_epi32(fin(a[r]), fin(b[r]));
            let o = 64 * s + 16 * r;
            let sum = _mm256_adds_epi16(load_u8_as_i16(pred, o), res);
            let packed = _mm256_permute4x64_epi64::<0b00_00_10_00>(_mm256_packus_epi16(sum, sum));
            store16(recon, o, _mm256_castsi256_si128(packed));
        }
    }
}

/// Chroma interpolation of an 8-wide block, exactly like `scalar::mc_chroma8`: each row's
/// samples interleaved with their right neighbours, so that one `pmaddubsw` with the weight
/// pair (A, B) or (C, D) gives a row's top or bottom half of the sum (each at most
/// 2 * 64 * 255, no saturation); every source row serves as the bottom of one output row and
/// the top of the next.
#[target_feature(enable = "avx2")]
pub fn mc_chroma8(src: &[u8], stride: usize, fx: u32, fy: u32, out: &mut [u8]) {
    let h = out.len() / 8;
    assert!(
        out.len() == 8 * h && h <= 8 && fx < 8 && fy < 8 && src.len() > h * stride + 8,
        "mc_chroma8: lengths"
    );
    let (fx, fy) = (fx as i16, fy as i16);
    let pair = |a: i16, b: i16| _mm_set1_epi16((b << 8) | a);
    let top_w = pair((8 - fx) * (8 - fy), fx * (8 - fy));
    let bot_w = pair((8 - fx) * fy, fx * fy);
    let k32 = _mm_set1_epi16(32);
    let row = |r: usize| {
        let o = r * stride;
        _mm_unpacklo_epi8(load8(src, o), load8(src, o + 1))
    };
    let mut top = row(0);
    for r in 0..h {
        let bot = row(r + 1);
        let v = _mm_add_epi16(_mm_maddubs_epi16(top, top_w), _mm_maddubs_epi16(bot, bot_w));
        let v = _mm_srli_epi16(_mm_add_epi16(v, k32), 6);
        store8(out, 8 * r, _mm_packus_epi16(v, v));
        top = bot;
    }
}

/// [`mc_chroma8`] of an 8x8 block in both chroma planes at once, exactly like
/// `scalar::mc_chroma8x2`: Cb's rows in the low lane, Cr's in the high one, so that one
/// 256-bit `pmaddubsw` per weight pair filters a row of both planes, and the packed row (Cb's
/// eight samples, then Cr's) is the output row.
#[target_feature(enable = "avx2")]
pub fn mc_chroma8x2(cb: &[u8], cr: &[u8], stride: usize, fx: u32, fy: u32, out: &mut [u8; 128]) {
    assert!(
        fx < 8 && fy < 8 && cb.len() > 8 * stride + 8 && cr.len() > 8 * stride + 8,
        "mc_chroma8x2: lengths"
    );
    let (fx, fy) = (fx as i16, fy as i16);
    let pair = |a: i16, b: i16| _mm256_set1_epi16((b << 8) | a);
    let top_w = pair((8 - fx) * (8 - fy), fx * (8 - fy));
    let bot_w = pair((8 - fx) * fy, fx * fy);
    let k32 = _mm256_set1_epi16(32);
    let row = |r: usize| {
        let o = r * stride;
        let b = _mm_unpacklo_epi8(load8(cb, o), load8(cb, o + 1));
        let c = _mm_unpacklo_epi8(load8(cr, o), load8(cr, o + 1));
        _mm256_set_m128i(c, b)
    };
    let mut top = row(0);
    for r in 0..8 {
        let bot = row(r + 1);
        let v = _mm256_add_epi16(
            _mm256_maddubs_epi16(top, top_w),
            _mm256_maddubs_epi16(bot, bot_w),
        );
        let v = _mm256_srli_epi16(_mm256_add_epi16(v, k32), 6);
        // Quadwords: Cb, Cb, Cr, Cr; the first and third make the row.
        let packed = _mm256_permute4x64_epi64::<0b00_00_10_00>(_mm256_packus_epi16(v, v));
        store16(&mut out[..], 16 * r, _mm256_castsi256_si128(packed));
        top = bot;
    }
}
