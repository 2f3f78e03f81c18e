//! AVX2 kernels. Each is `#[target_feature(enable = "avx2")]` and matches its `scalar` twin
//! exactly; callers must have detected AVX2 (see `avx2_kernels`).

use std::arch::x86_64::*;

use super::{load16, store16, Rows};

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
    _mm_packus_epi16(
        _mm256_castsi256_si128(v),
        _mm256_extracti128_si256::<1>(v),
    )
}

/// The horizontal half-sample filter along a row (as `scalar::hpel_row_h`), 16 samples per
/// step in one register.
#[target_feature(enable = "avx2")]
pub fn hpel_row_h(src: &[u8], b1: &mut [i16], b: &mut [u8]) {
    let n = b1.len();
    assert!(src.len() >= n + 5 && b.len() == n, "hpel_row_h: lengths");
    let mut i = 0;
    // Loads reach src[i + 5 + 15] = src[i + 20] <= src[n + 4].
    while i + 16 <= n {
        let v = tap6_epi16(std::array::from_fn(|k| load_u8_as_i16(src, i + k)));
        store_i16x16(b1, i, v);
        store16(b, i, clip_half_epi16(v));
        i += 16;
    }
    crate::dsp::scalar::hpel_row_h(&src[i..], &mut b1[i..], &mut b[i..]);
}

/// The vertical half-sample filter over six rows (as `scalar::hpel_row_v`), 16 samples per
/// step.
#[target_feature(enable = "avx2")]
pub fn hpel_row_v(r: [&[u8]; 6], out: &mut [u8]) {
    let n = out.len();
    assert!(r.iter().all(|row| row.len() >= n), "hpel_row_v: lengths");
    let mut i = 0;
    while i + 16 <= n {
        let v = tap6_epi16(std::array::from_fn(|k| load_u8_as_i16(r[k], i)));
        store16(out, i, clip_half_epi16(v));
        i += 16;
    }
    let rest = r.map(|row| &row[i..]);
    crate::dsp::scalar::hpel_row_v(rest, &mut out[i..]);
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
    let mut i = 0;
    while i + 16 <= n {
        let t: [__m256i; 6] = std::array::from_fn(|k| load_i16x16(r[k], i));
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
            _mm_packus_epi16(
                _mm256_castsi256_si128(v),
                _mm256_extracti128_si256::<1>(v),
            ),
        );
        i += 16;
    }
    let rest = r.map(|row| &row[i..]);
    crate::dsp::scalar::hpel_row_c(rest, &mut out[i..]);
}
