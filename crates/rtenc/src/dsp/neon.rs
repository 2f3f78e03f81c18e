//! aarch64 NEON kernels. Each matches its `scalar` twin exactly (property tests in
//! `dsp/tests.rs` run every kernel of this table against it).
//!
//! NEON (Advanced SIMD) is part of the aarch64 baseline: every aarch64 target Rust supports
//! enables it (`cfg(target_feature = "neon")`), so this module is compiled only under that
//! cfg and its table needs no runtime detection to be sound ([`neon_kernels`] still checks
//! `is_aarch64_feature_detected!`). The kernels carry `#[target_feature(enable = "neon")]` all
//! the same: std's intrinsics are `#[target_feature]` functions, callable without `unsafe`
//! only from such functions. The only `unsafe` code here: loads and stores of bounds-checked
//! slices, and the safe entry points ([`entry`]) that call the `#[target_feature]` kernels.
//!
//! Structure follows the x86 kernels: whole 16-sample rows where a block lies in one (SAD,
//! SATD, the strip kernels, deblocking of horizontal edges), and 4x4 blocks taken row by row
//! with 4-byte loads (no 16-byte load of data just written by smaller stores).

use std::arch::aarch64::*;

use super::{Edge, Isa, Kernels, QuantParams};
use crate::dsp::scalar;
use crate::tables::MAX_LEVEL;

// ---------------------------------------------------------------------------------------------
// Loads and stores.

/// Loads 16 bytes at `s[off..off + 16]` (panics when out of bounds).
#[target_feature(enable = "neon")]
#[inline]
fn ld16(s: &[u8], off: usize) -> uint8x16_t {
    let s: &[u8; 16] = s[off..off + 16].try_into().expect("16 bytes");
    // SAFETY: `s` is a valid reference to 16 readable bytes; `ld1` needs no alignment.
    unsafe { vld1q_u8(s.as_ptr()) }
}

/// Loads 8 bytes at `s[off..off + 8]` (panics when out of bounds).
#[target_feature(enable = "neon")]
#[inline]
fn ld8(s: &[u8], off: usize) -> uint8x8_t {
    let s: &[u8; 8] = s[off..off + 8].try_into().expect("8 bytes");
    // SAFETY: `s` is a valid reference to 8 readable bytes; `ld1` needs no alignment.
    unsafe { vld1_u8(s.as_ptr()) }
}

/// Stores 16 bytes to `d[off..off + 16]` (panics when out of bounds).
#[target_feature(enable = "neon")]
#[inline]
fn st16(d: &mut [u8], off: usize, v: uint8x16_t) {
    let d: &mut [u8; 16] = (&mut d[off..off + 16]).try_into().expect("16 bytes");
    // SAFETY: `d` is a valid exclusive reference to 16 writable bytes; `st1` needs no
    // alignment.
    unsafe { vst1q_u8(d.as_mut_ptr(), v) }
}

/// Stores 8 bytes to `d[off..off + 8]` (panics when out of bounds).
#[target_feature(enable = "neon")]
#[inline]
fn st8(d: &mut [u8], off: usize, v: uint8x8_t) {
    let d: &mut [u8; 8] = (&mut d[off..off + 8]).try_into().expect("8 bytes");
    // SAFETY: `d` is a valid exclusive reference to 8 writable bytes; `st1` needs no alignment.
    unsafe { vst1_u8(d.as_mut_ptr(), v) }
}

/// Loads eight `i16` at `s[off..off + 8]` (panics when out of bounds).
#[target_feature(enable = "neon")]
#[inline]
fn ld_i16x8(s: &[i16], off: usize) -> int16x8_t {
    let s: &[i16; 8] = s[off..off + 8].try_into().expect("8 values");
    // SAFETY: `s` is a valid reference to 16 readable bytes; `ld1` needs no alignment.
    unsafe { vld1q_s16(s.as_ptr()) }
}

/// Stores eight `i16` to `d[off..off + 8]` (panics when out of bounds).
#[target_feature(enable = "neon")]
#[inline]
fn st_i16x8(d: &mut [i16], off: usize, v: int16x8_t) {
    let d: &mut [i16; 8] = (&mut d[off..off + 8]).try_into().expect("8 values");
    // SAFETY: `d` is a valid exclusive reference to 16 writable bytes; `st1` needs no
    // alignment.
    unsafe { vst1q_s16(d.as_mut_ptr(), v) }
}

/// Loads four `i16` at `s[off..off + 4]` (panics when out of bounds).
#[target_feature(enable = "neon")]
#[inline]
fn ld_i16x4(s: &[i16], off: usize) -> int16x4_t {
    let s: &[i16; 4] = s[off..off + 4].try_into().expect("4 values");
    // SAFETY: `s` is a valid reference to 8 readable bytes; `ld1` needs no alignment.
    unsafe { vld1_s16(s.as_ptr()) }
}

/// Stores four `i32` to `d[off..off + 4]` (panics when out of bounds).
#[target_feature(enable = "neon")]
#[inline]
fn st_i32x4(d: &mut [i32], off: usize, v: int32x4_t) {
    let d: &mut [i32; 4] = (&mut d[off..off + 4]).try_into().expect("4 values");
    // SAFETY: `d` is a valid exclusive reference to 16 writable bytes; `st1` needs no
    // alignment.
    unsafe { vst1q_s32(d.as_mut_ptr(), v) }
}

/// The four bytes at `s[off..off + 4]` as a little-endian word (a plain 4-byte load).
#[inline(always)]
fn word(s: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(s[off..off + 4].try_into().expect("4 bytes"))
}

/// A 4x4 block whose rows start at `s[k * stride]`, one 4-byte load per row, packed into one
/// register (row `k` in bytes `4k..4k + 4`).
#[target_feature(enable = "neon")]
#[inline]
fn rows4x4(s: &[u8], stride: usize) -> uint8x16_t {
    let v = vdupq_n_u32(word(s, 0));
    let v = vsetq_lane_u32::<1>(word(s, stride), v);
    let v = vsetq_lane_u32::<2>(word(s, 2 * stride), v);
    let v = vsetq_lane_u32::<3>(word(s, 3 * stride), v);
    vreinterpretq_u8_u32(v)
}

/// Writes the four 4-byte rows packed in `v` at `stride` (one 4-byte store per row).
#[target_feature(enable = "neon")]
#[inline]
fn store_rows4x4(d: &mut [u8], stride: usize, v: uint8x16_t) {
    let v = vreinterpretq_u32_u8(v);
    let w = [
        vgetq_lane_u32::<0>(v),
        vgetq_lane_u32::<1>(v),
        vgetq_lane_u32::<2>(v),
        vgetq_lane_u32::<3>(v),
    ];
    for (k, w) in w.into_iter().enumerate() {
        d[k * stride..k * stride + 4].copy_from_slice(&w.to_le_bytes());
    }
}

/// `h` rows of `W` bytes at a stride in a slice, bounds-checked once in [`Rows::new`] so that
/// the per-row loads need no check (as `x86::Rows`).
#[derive(Clone, Copy)]
struct Rows<'a, const W: usize> {
    s: &'a [u8],
    stride: usize,
    h: usize,
}

impl<'a, const W: usize> Rows<'a, W> {
    /// Panics unless rows `0..h` of `W` bytes at `stride` lie within `s`.
    #[inline(always)]
    fn new(s: &'a [u8], stride: usize, h: usize) -> Self {
        crate::dsp::assert_rows_fit(s.len(), stride, h, W);
        Rows { s, stride, h }
    }

    /// Pointer to sample `x` of row `y`, where `y < h` and `x + n <= W` (asserted; with
    /// constant loop bounds the compiler removes these checks).
    #[inline(always)]
    fn at(self, y: usize, x: usize, n: usize) -> *const u8 {
        assert!(y < self.h && x + n <= W);
        // `y * stride + W <= s.len()` (checked in `new`), so this neither overflows nor leaves
        // the slice.
        self.s.as_ptr().wrapping_add(y * self.stride + x)
    }

    /// Samples `x..x + 16` of row `y`.
    #[target_feature(enable = "neon")]
    #[inline]
    fn load16(self, y: usize, x: usize) -> uint8x16_t {
        // SAFETY: `at` checked that the 16 bytes lie in a row `new` proved in bounds.
        unsafe { vld1q_u8(self.at(y, x, 16)) }
    }

    /// Samples `x..x + 8` of row `y`.
    #[target_feature(enable = "neon")]
    #[inline]
    fn load8(self, y: usize, x: usize) -> uint8x8_t {
        // SAFETY: `at` checked that the 8 bytes lie in a row `new` proved in bounds.
        unsafe { vld1_u8(self.at(y, x, 8)) }
    }
}

// ---------------------------------------------------------------------------------------------
// SAD.

#[target_feature(enable = "neon")]
#[inline]
fn sad_16xh(a: &[u8], sa: usize, b: &[u8], sb: usize, h: usize) -> u32 {
    let (a, b) = (Rows::<16>::new(a, sa, h), Rows::<16>::new(b, sb, h));
    // Two u16 accumulators per lane: at most 16 * 255 each.
    let mut acc = vdupq_n_u16(0);
    for y in 0..h {
        let (x, z) = (a.load16(y, 0), b.load16(y, 0));
        acc = vabal_u8(acc, vget_low_u8(x), vget_low_u8(z));
        acc = vabal_high_u8(acc, x, z);
    }
    vaddlvq_u16(acc)
}

#[target_feature(enable = "neon")]
#[inline]
fn sad_8xh(a: &[u8], sa: usize, b: &[u8], sb: usize, h: usize) -> u32 {
    let (a, b) = (Rows::<8>::new(a, sa, h), Rows::<8>::new(b, sb, h));
    let mut acc = vdupq_n_u16(0);
    for y in 0..h {
        acc = vabal_u8(acc, a.load8(y, 0), b.load8(y, 0));
    }
    vaddlvq_u16(acc)
}

/// SAD of a 16x16 block.
#[target_feature(enable = "neon")]
pub fn sad16x16(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    sad_16xh(a, sa, b, sb, 16)
}

/// SAD of a 16x8 block.
#[target_feature(enable = "neon")]
pub fn sad16x8(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    sad_16xh(a, sa, b, sb, 8)
}

/// SAD of an 8x16 block.
#[target_feature(enable = "neon")]
pub fn sad8x16(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    sad_8xh(a, sa, b, sb, 16)
}

/// SAD of an 8x8 block.
#[target_feature(enable = "neon")]
pub fn sad8x8(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    sad_8xh(a, sa, b, sb, 8)
}

/// SAD of a 4x4 block.
#[target_feature(enable = "neon")]
pub fn sad4x4(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    u32::from(vaddlvq_u8(vabdq_u8(rows4x4(a, sa), rows4x4(b, sb))))
}

/// The 16x16 SAD against four blocks, each source row loaded once.
#[target_feature(enable = "neon")]
pub fn sad16x16_x4(src: &[u8], ss: usize, refs: [&[u8]; 4], rs: usize) -> [u32; 4] {
    let s = Rows::<16>::new(src, ss, 16);
    let r0 = Rows::<16>::new(refs[0], rs, 16);
    let r1 = Rows::<16>::new(refs[1], rs, 16);
    let r2 = Rows::<16>::new(refs[2], rs, 16);
    let r3 = Rows::<16>::new(refs[3], rs, 16);
    let (mut a0, mut a1, mut a2, mut a3) = (
        vdupq_n_u16(0),
        vdupq_n_u16(0),
        vdupq_n_u16(0),
        vdupq_n_u16(0),
    );
    for y in 0..16 {
        let sv = s.load16(y, 0);
        let sl = vget_low_u8(sv);
        let v = r0.load16(y, 0);
        a0 = vabal_high_u8(vabal_u8(a0, sl, vget_low_u8(v)), sv, v);
        let v = r1.load16(y, 0);
        a1 = vabal_high_u8(vabal_u8(a1, sl, vget_low_u8(v)), sv, v);
        let v = r2.load16(y, 0);
        a2 = vabal_high_u8(vabal_u8(a2, sl, vget_low_u8(v)), sv, v);
        let v = r3.load16(y, 0);
        a3 = vabal_high_u8(vabal_u8(a3, sl, vget_low_u8(v)), sv, v);
    }
    [
        vaddlvq_u16(a0),
        vaddlvq_u16(a1),
        vaddlvq_u16(a2),
        vaddlvq_u16(a3),
    ]
}

// ---------------------------------------------------------------------------------------------
// SATD.

/// The 4-point Hadamard across four registers (any lane layout).
#[target_feature(enable = "neon")]
#[inline]
fn hadamard4(d: [int16x8_t; 4]) -> [int16x8_t; 4] {
    let s01 = vaddq_s16(d[0], d[1]);
    let d01 = vsubq_s16(d[0], d[1]);
    let s23 = vaddq_s16(d[2], d[3]);
    let d23 = vsubq_s16(d[2], d[3]);
    [
        vaddq_s16(s01, s23),
        vsubq_s16(s01, s23),
        vsubq_s16(d01, d23),
        vaddq_s16(d01, d23),
    ]
}

/// Transposes the two 4x4 `i16` blocks held in the low and high halves of four registers:
/// lane `k` (and `4 + k`) of result `j` is lane `j` (`4 + j`) of register `k`.
#[target_feature(enable = "neon")]
#[inline]
fn transpose_2x4x4(r: [int16x8_t; 4]) -> [int16x8_t; 4] {
    let t01 = vtrnq_s16(r[0], r[1]);
    let t23 = vtrnq_s16(r[2], r[3]);
    let c02 = vtrnq_s32(vreinterpretq_s32_s16(t01.0), vreinterpretq_s32_s16(t23.0));
    let c13 = vtrnq_s32(vreinterpretq_s32_s16(t01.1), vreinterpretq_s32_s16(t23.1));
    [
        vreinterpretq_s16_s32(c02.0),
        vreinterpretq_s16_s32(c13.0),
        vreinterpretq_s16_s32(c02.1),
        vreinterpretq_s16_s32(c13.1),
    ]
}

/// SATD of the two 4x4 blocks whose difference rows are `d` (`i16`, side by side), per lane.
/// Uses `|x + y| + |x - y| = 2 max(|x|, |y|)` for the last butterfly, which also performs
/// the halving (a 4x4 Hadamard sum is always even). Each lane is at most 8160.
#[target_feature(enable = "neon")]
#[inline]
fn satd_core(d: [int16x8_t; 4]) -> uint16x8_t {
    let h = transpose_2x4x4(hadamard4(d));
    let s01 = vabsq_s16(vaddq_s16(h[0], h[1]));
    let d01 = vabsq_s16(vsubq_s16(h[0], h[1]));
    let s23 = vabsq_s16(vaddq_s16(h[2], h[3]));
    let d23 = vabsq_s16(vsubq_s16(h[2], h[3]));
    vreinterpretq_u16_s16(vaddq_s16(vmaxq_s16(s01, s23), vmaxq_s16(d01, d23)))
}

/// Differences of 8 samples as `i16`.
#[target_feature(enable = "neon")]
#[inline]
fn diff8(a: uint8x8_t, b: uint8x8_t) -> int16x8_t {
    vreinterpretq_s16_u16(vsubl_u8(a, b))
}

/// SATD of a 16x4 band given as whole rows: the left and right 8x4 halves, two 4x4 blocks
/// each. (Written out: a closure mapped over an array can be compiled out of line.)
#[target_feature(enable = "neon")]
#[inline]
fn satd_16x4(acc: uint32x4_t, ra: &[uint8x16_t; 4], rb: &[uint8x16_t; 4]) -> uint32x4_t {
    let lo = [
        diff8(vget_low_u8(ra[0]), vget_low_u8(rb[0])),
        diff8(vget_low_u8(ra[1]), vget_low_u8(rb[1])),
        diff8(vget_low_u8(ra[2]), vget_low_u8(rb[2])),
        diff8(vget_low_u8(ra[3]), vget_low_u8(rb[3])),
    ];
    let hi = [
        vreinterpretq_s16_u16(vsubl_high_u8(ra[0], rb[0])),
        vreinterpretq_s16_u16(vsubl_high_u8(ra[1], rb[1])),
        vreinterpretq_s16_u16(vsubl_high_u8(ra[2], rb[2])),
        vreinterpretq_s16_u16(vsubl_high_u8(ra[3], rb[3])),
    ];
    vpadalq_u16(vpadalq_u16(acc, satd_core(lo)), satd_core(hi))
}

/// SATD of 16-wide blocks, four whole rows at a time.
#[target_feature(enable = "neon")]
#[inline]
fn satd_16xh(a: &[u8], sa: usize, b: &[u8], sb: usize, h: usize) -> u32 {
    let (a, b) = (Rows::<16>::new(a, sa, h), Rows::<16>::new(b, sb, h));
    let mut acc = vdupq_n_u32(0);
    for y in (0..h).step_by(4) {
        let ra = [
            a.load16(y, 0),
            a.load16(y + 1, 0),
            a.load16(y + 2, 0),
            a.load16(y + 3, 0),
        ];
        let rb = [
            b.load16(y, 0),
            b.load16(y + 1, 0),
            b.load16(y + 2, 0),
            b.load16(y + 3, 0),
        ];
        acc = satd_16x4(acc, &ra, &rb);
    }
    vaddvq_u32(acc)
}

#[target_feature(enable = "neon")]
#[inline]
fn satd_8xh(a: &[u8], sa: usize, b: &[u8], sb: usize, h: usize) -> u32 {
    let (a, b) = (Rows::<8>::new(a, sa, h), Rows::<8>::new(b, sb, h));
    let mut acc = vdupq_n_u32(0);
    for y in (0..h).step_by(4) {
        let d = [
            diff8(a.load8(y, 0), b.load8(y, 0)),
            diff8(a.load8(y + 1, 0), b.load8(y + 1, 0)),
            diff8(a.load8(y + 2, 0), b.load8(y + 2, 0)),
            diff8(a.load8(y + 3, 0), b.load8(y + 3, 0)),
        ];
        acc = vpadalq_u16(acc, satd_core(d));
    }
    vaddvq_u32(acc)
}

/// SATD of a 16x16 block.
#[target_feature(enable = "neon")]
pub fn satd16x16(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    satd_16xh(a, sa, b, sb, 16)
}

/// SATD of a 16x8 block.
#[target_feature(enable = "neon")]
pub fn satd16x8(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    satd_16xh(a, sa, b, sb, 8)
}

/// SATD of an 8x16 block.
#[target_feature(enable = "neon")]
pub fn satd8x16(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    satd_8xh(a, sa, b, sb, 16)
}

/// SATD of an 8x8 block.
#[target_feature(enable = "neon")]
pub fn satd8x8(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    satd_8xh(a, sa, b, sb, 8)
}

/// SATD of a 4x4 block: its rows in the low halves of four registers, the high halves zero
/// (a zero block adds nothing).
#[target_feature(enable = "neon")]
pub fn satd4x4(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    let (a, b) = (rows4x4(a, sa), rows4x4(b, sb));
    let d01 = vreinterpretq_s16_u16(vsubl_u8(vget_low_u8(a), vget_low_u8(b)));
    let d23 = vreinterpretq_s16_u16(vsubl_high_u8(a, b));
    // Rows in separate registers, high halves zero (they add nothing).
    let z = vdup_n_s16(0);
    let d = [
        vcombine_s16(vget_low_s16(d01), z),
        vcombine_s16(vget_high_s16(d01), z),
        vcombine_s16(vget_low_s16(d23), z),
        vcombine_s16(vget_high_s16(d23), z),
    ];
    u32::from(vaddvq_u16(satd_core(d)))
}

/// SATD of a 16x16 block against the rounded average of two, without storing the average.
#[target_feature(enable = "neon")]
pub fn satd_avg16x16(s: &[u8], ss: usize, a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    let (s, a, b) = (
        Rows::<16>::new(s, ss, 16),
        Rows::<16>::new(a, sa, 16),
        Rows::<16>::new(b, sb, 16),
    );
    let mut acc = vdupq_n_u32(0);
    for y in (0..16).step_by(4) {
        let rs = [
            s.load16(y, 0),
            s.load16(y + 1, 0),
            s.load16(y + 2, 0),
            s.load16(y + 3, 0),
        ];
        let rp = [
            vrhaddq_u8(a.load16(y, 0), b.load16(y, 0)),
            vrhaddq_u8(a.load16(y + 1, 0), b.load16(y + 1, 0)),
            vrhaddq_u8(a.load16(y + 2, 0), b.load16(y + 2, 0)),
            vrhaddq_u8(a.load16(y + 3, 0), b.load16(y + 3, 0)),
        ];
        acc = satd_16x4(acc, &rs, &rp);
    }
    vaddvq_u32(acc)
}

// ---------------------------------------------------------------------------------------------
// The inverse transform of `i32` blocks (see `inverse_block`).

/// The inverse 4x4 butterfly (8.5.12.2) across four registers of `i32`.
#[target_feature(enable = "neon")]
#[inline]
fn idct4_s32(x: [int32x4_t; 4]) -> [int32x4_t; 4] {
    let e = vaddq_s32(x[0], x[2]);
    let f = vsubq_s32(x[0], x[2]);
    let g = vsubq_s32(vshrq_n_s32::<1>(x[1]), x[3]);
    let h = vaddq_s32(x[1], vshrq_n_s32::<1>(x[3]));
    [
        vaddq_s32(e, h),
        vaddq_s32(f, g),
        vsubq_s32(f, g),
        vsubq_s32(e, h),
    ]
}

/// Transposes a 4x4 block of `i32` held as four registers.
#[target_feature(enable = "neon")]
#[inline]
fn transpose4_s32(r: [int32x4_t; 4]) -> [int32x4_t; 4] {
    let t01 = vtrnq_s32(r[0], r[1]);
    let t23 = vtrnq_s32(r[2], r[3]);
    [
        vcombine_s32(vget_low_s32(t01.0), vget_low_s32(t23.0)),
        vcombine_s32(vget_low_s32(t01.1), vget_low_s32(t23.1)),
        vcombine_s32(vget_high_s32(t01.0), vget_high_s32(t23.0)),
        vcombine_s32(vget_high_s32(t01.1), vget_high_s32(t23.1)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Residual coding: two 4x4 blocks side by side in `i16` lanes.
//
// A "pair" is four registers; register `k` holds row (or column) `k` of block A in lanes 0..4
// and of block B in lanes 4..8. A row of a strip (16 samples, four blocks) widens to two such
// registers, so the strip kernels read and write whole rows.

/// The forward 4-point core butterfly across four registers of `i16`.
#[target_feature(enable = "neon")]
#[inline]
fn fdct4_s16(x: [int16x8_t; 4]) -> [int16x8_t; 4] {
    let s03 = vaddq_s16(x[0], x[3]);
    let d03 = vsubq_s16(x[0], x[3]);
    let s12 = vaddq_s16(x[1], x[2]);
    let d12 = vsubq_s16(x[1], x[2]);
    [
        vaddq_s16(s03, s12),
        vaddq_s16(vaddq_s16(d03, d03), d12),
        vsubq_s16(s03, s12),
        vsubq_s16(d03, vaddq_s16(d12, d12)),
    ]
}

/// The forward core transform of a pair of residual blocks given as rows. Returns the
/// coefficients transposed: register `i` holds column `i` (lane `k`: row `k`). The residual
/// fits `i16` (|r| <= 255) and so does every intermediate (at most 1530 after one pass, 9180
/// after both, in either order).
#[target_feature(enable = "neon")]
#[inline]
fn fdct_pair(rows: [int16x8_t; 4]) -> [int16x8_t; 4] {
    fdct4_s16(transpose_2x4x4(fdct4_s16(rows)))
}

/// `v` of four lanes repeated in both halves.
#[target_feature(enable = "neon")]
#[inline]
fn both(v: int16x4_t) -> int16x8_t {
    vcombine_s16(v, v)
}

/// Quantises a pair of transposed coefficient blocks (as [`fdct_pair`] returns them) with
/// `q`'s multipliers: column `i` uses `mf[4 i..4 i + 4]`, which is column `i` because `mf` is
/// symmetric under transposition. `|c| * mf` is below 2^28 (|c| <= 9180, mf < 2^14) and the
/// offset below 2^23, so 32-bit lanes are exact.
#[target_feature(enable = "neon")]
#[inline]
fn quant_pair(c: [int16x8_t; 4], q: &QuantParams) -> [int16x8_t; 4] {
    let off = vdupq_n_u32(q.offset as u32);
    let shift = vdupq_n_s32(-(q.qbits as i32));
    let max = vdupq_n_u16(MAX_LEVEL as u16);
    let mut out = c;
    for (i, o) in out.iter_mut().enumerate() {
        let y = c[i];
        let mf = vreinterpretq_u16_s16(both(ld_i16x4(&q.mf, 4 * i)));
        let a = vreinterpretq_u16_s16(vabsq_s16(y));
        let lo = vshlq_u32(vmlal_u16(off, vget_low_u16(a), vget_low_u16(mf)), shift);
        let hi = vshlq_u32(vmlal_high_u16(off, a, mf), shift);
        let level = vminq_u16(vcombine_u16(vqmovn_u32(lo), vqmovn_u32(hi)), max);
        let sign = vshrq_n_s16::<15>(y);
        *o = vsubq_s16(veorq_s16(vreinterpretq_s16_u16(level), sign), sign);
    }
    out
}

/// Byte indices into a transposed block (columns 0-1 then 2-3, `i16` lanes) of the zig-zag
/// scan positions 0..8 and 8..16.
const SCAN_BYTES: [[u8; 16]; 2] = {
    let mut t = [[0u8; 16]; 2];
    let mut k = 0;
    while k < 16 {
        let r = crate::tables::ZIGZAG4X4[k];
        let ti = (r % 4) * 4 + r / 4; // index in the transposed block
        t[k / 8][2 * (k % 8)] = 2 * ti as u8;
        t[k / 8][2 * (k % 8) + 1] = 2 * ti as u8 + 1;
        k += 1;
    }
    t
};

/// The inverse of [`SCAN_BYTES`]: byte indices into the zig-zag levels (positions 0..8 then
/// 8..16) of the transposed positions 0..8 and 8..16.
const UNSCAN_BYTES: [[u8; 16]; 2] = {
    let mut t = [[0u8; 16]; 2];
    let mut k = 0;
    while k < 16 {
        let r = crate::tables::ZIGZAG4X4[k];
        let ti = (r % 4) * 4 + r / 4;
        t[ti / 8][2 * (ti % 8)] = 2 * k as u8;
        t[ti / 8][2 * (ti % 8) + 1] = 2 * k as u8 + 1;
        k += 1;
    }
    t
};

/// A 16-byte table as a register.
#[target_feature(enable = "neon")]
#[inline]
fn table(t: &[u8; 16]) -> uint8x16_t {
    ld16(t, 0)
}

/// Permutes the 16 `i16` held in `lo`, `hi` (positions 0..8 and 8..16) by byte tables.
#[target_feature(enable = "neon")]
#[inline]
fn permute16(lo: int16x8_t, hi: int16x8_t, t: &[[u8; 16]; 2]) -> [int16x8_t; 2] {
    let src = uint8x16x2_t(vreinterpretq_u8_s16(lo), vreinterpretq_u8_s16(hi));
    [
        vreinterpretq_s16_u8(vqtbl2q_u8(src, table(&t[0]))),
        vreinterpretq_s16_u8(vqtbl2q_u8(src, table(&t[1]))),
    ]
}

/// The levels of block A (`high == false`) or B of a transposed pair, in zig-zag scan order.
#[target_feature(enable = "neon")]
#[inline]
fn scan_pair(c: &[int16x8_t; 4], high: bool) -> [int16x8_t; 2] {
    let half = |v: int16x8_t| {
        if high {
            vget_high_s16(v)
        } else {
            vget_low_s16(v)
        }
    };
    let t01 = vcombine_s16(half(c[0]), half(c[1]));
    let t23 = vcombine_s16(half(c[2]), half(c[3]));
    permute16(t01, t23, &SCAN_BYTES)
}

/// How many of 16 levels are non-zero.
#[target_feature(enable = "neon")]
#[inline]
fn count_nonzero(l: [int16x8_t; 2]) -> u32 {
    let m = vaddq_u16(
        vshrq_n_u16::<15>(vtstq_s16(l[0], l[0])),
        vshrq_n_u16::<15>(vtstq_s16(l[1], l[1])),
    );
    u32::from(vaddvq_u16(m))
}

/// The mask of the non-zero ones among 16 levels (bit `i` for level `i`).
#[target_feature(enable = "neon")]
#[inline]
fn nonzero_mask(l: [int16x8_t; 2]) -> u16 {
    const BITS: [i16; 8] = [1, 2, 4, 8, 16, 32, 64, 128];
    let bits = vreinterpretq_u16_s16(ld_i16x8(&BITS, 0));
    let half = |v: int16x8_t| vaddvq_u16(vandq_u16(vtstq_s16(v, v), bits));
    half(l[0]) | (half(l[1]) << 8)
}

/// A transposed pair from two blocks' zig-zag levels (the inverse of [`scan_pair`]).
#[target_feature(enable = "neon")]
#[inline]
fn unscan_pair(a: [int16x8_t; 2], b: [int16x8_t; 2]) -> [int16x8_t; 4] {
    let [a01, a23] = permute16(a[0], a[1], &UNSCAN_BYTES);
    let [b01, b23] = permute16(b[0], b[1], &UNSCAN_BYTES);
    [
        vcombine_s16(vget_low_s16(a01), vget_low_s16(b01)),
        vcombine_s16(vget_high_s16(a01), vget_high_s16(b01)),
        vcombine_s16(vget_low_s16(a23), vget_low_s16(b23)),
        vcombine_s16(vget_high_s16(a23), vget_high_s16(b23)),
    ]
}

/// The residual of one block from its scaled, transposed coefficients (`cols[i]` = column
/// `i`): the inverse transform, row pass first (it wants columns in registers), then
/// `(x + 32) >> 6`; returns the rows, saturated to `i16` (harmless before the clip to 8 bits).
#[target_feature(enable = "neon")]
#[inline]
fn inverse_block(cols: [int32x4_t; 4]) -> [int16x4_t; 4] {
    let t = idct4_s32(cols);
    let r = idct4_s32(transpose4_s32(t));
    [
        vqmovn_s32(vrshrq_n_s32::<6>(r[0])),
        vqmovn_s32(vrshrq_n_s32::<6>(r[1])),
        vqmovn_s32(vrshrq_n_s32::<6>(r[2])),
        vqmovn_s32(vrshrq_n_s32::<6>(r[3])),
    ]
}

/// The residual rows of a transposed pair of levels: scaling (exact 32-bit products of
/// |level| <= 2047 and scales < 2^13; column `i` uses `dq[4 i..4 i + 4]`, symmetric as `mf`),
/// position 0 replaced by the already scaled DCs `dc` when given, and [`inverse_block`] per
/// block. Register `k` of the result is row `k` of A and of B.
#[target_feature(enable = "neon")]
#[inline]
fn inverse_pair(c: [int16x8_t; 4], dc: Option<(i32, i32)>, q: &QuantParams) -> [int16x8_t; 4] {
    let mut a = [vdupq_n_s32(0); 4];
    let mut b = [vdupq_n_s32(0); 4];
    for i in 0..4 {
        let dq = ld_i16x4(&q.dq, 4 * i);
        a[i] = vmull_s16(vget_low_s16(c[i]), dq);
        b[i] = vmull_s16(vget_high_s16(c[i]), dq);
    }
    if let Some((da, db)) = dc {
        a[0] = vsetq_lane_s32::<0>(da, a[0]);
        b[0] = vsetq_lane_s32::<0>(db, b[0]);
    }
    let ra = inverse_block(a);
    let rb = inverse_block(b);
    [
        vcombine_s16(ra[0], rb[0]),
        vcombine_s16(ra[1], rb[1]),
        vcombine_s16(ra[2], rb[2]),
        vcombine_s16(ra[3], rb[3]),
    ]
}

/// Stores 16 levels into a `[i16; 16]`.
#[target_feature(enable = "neon")]
#[inline]
fn store_levels(d: &mut [i16; 16], l: [int16x8_t; 2]) {
    st_i16x8(d, 0, l[0]);
    st_i16x8(d, 8, l[1]);
}

/// Loads 16 levels from a `[i16; 16]`.
#[target_feature(enable = "neon")]
#[inline]
fn load_levels(s: &[i16; 16]) -> [int16x8_t; 2] {
    [ld_i16x8(s, 0), ld_i16x8(s, 8)]
}

/// One 4x4 block from samples to levels and reconstruction, exactly like `scalar::code4x4`:
/// the pair machinery of the strip kernels with the block as A and nothing as B.
#[target_feature(enable = "neon")]
#[allow(clippy::too_many_arguments)]
pub fn code4x4(
    src: &[u8],
    ss: usize,
    pred: &[u8],
    ps: usize,
    q: &QuantParams,
    levels: &mut [i32; 16],
    recon: &mut [u8],
    rs: usize,
) -> u32 {
    let s = rows4x4(src, ss);
    let p = rows4x4(pred, ps);
    let sad = u32::from(vaddlvq_u8(vabdq_u8(s, p)));
    if sad <= q.zero_limit {
        *levels = [0; 16];
        store_rows4x4(recon, rs, p);
        return 0;
    }
    let d01 = vreinterpretq_s16_u16(vsubl_u8(vget_low_u8(s), vget_low_u8(p)));
    let d23 = vreinterpretq_s16_u16(vsubl_high_u8(s, p));
    let z = vdup_n_s16(0);
    let rows = [
        vcombine_s16(vget_low_s16(d01), z),
        vcombine_s16(vget_high_s16(d01), z),
        vcombine_s16(vget_low_s16(d23), z),
        vcombine_s16(vget_high_s16(d23), z),
    ];
    let c = quant_pair(fdct_pair(rows), q);
    let l = scan_pair(&c, false);
    for (h, v) in l.into_iter().enumerate() {
        st_i32x4(levels, 8 * h, vmovl_s16(vget_low_s16(v)));
        st_i32x4(levels, 8 * h + 4, vmovl_high_s16(v));
    }
    let nz = count_nonzero(l);
    if nz == 0 {
        store_rows4x4(recon, rs, p);
        return 0;
    }
    let r = inverse_pair(c, None, q);
    let lo = vqaddq_s16(
        vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(p))),
        vcombine_s16(vget_low_s16(r[0]), vget_low_s16(r[1])),
    );
    let hi = vqaddq_s16(
        vreinterpretq_s16_u16(vmovl_high_u8(p)),
        vcombine_s16(vget_low_s16(r[2]), vget_low_s16(r[3])),
    );
    store_rows4x4(recon, rs, vcombine_u8(vqmovun_s16(lo), vqmovun_s16(hi)));
    nz
}

/// The forward path of strips of 4x4 blocks, exactly like `scalar::quant_strips`: each strip
/// read as four whole rows of 16 samples, its four blocks as two pairs.
#[target_feature(enable = "neon")]
pub fn quant_strips(
    src: &[u8],
    pred: &[u8],
    q: &QuantParams,
    dc_apart: bool,
    levels: &mut [[i16; 16]],
    dc: &mut [i32],
    nz: &mut [u16],
) {
    let n = scalar::quant_strips_blocks(src, pred, dc_apart, levels, dc, nz);
    for strip in 0..n / 4 {
        let o = 64 * strip;
        let mut lo = [vdupq_n_s16(0); 4];
        let mut hi = [vdupq_n_s16(0); 4];
        for r in 0..4 {
            let s = ld16(src, o + 16 * r);
            let p = ld16(pred, o + 16 * r);
            lo[r] = vreinterpretq_s16_u16(vsubl_u8(vget_low_u8(s), vget_low_u8(p)));
            hi[r] = vreinterpretq_s16_u16(vsubl_high_u8(s, p));
        }
        for (half, rows) in [lo, hi].into_iter().enumerate() {
            let mut c = fdct_pair(rows);
            let b0 = 4 * strip + 2 * half;
            if dc_apart {
                dc[b0] = i32::from(vgetq_lane_s16::<0>(c[0]));
                dc[b0 + 1] = i32::from(vgetq_lane_s16::<4>(c[0]));
            }
            c = quant_pair(c, q);
            if dc_apart {
                c[0] = vsetq_lane_s16::<4>(0, vsetq_lane_s16::<0>(0, c[0]));
            }
            for blk in 0..2 {
                let l = scan_pair(&c, blk == 1);
                store_levels(&mut levels[b0 + blk], l);
                nz[b0 + blk] = nonzero_mask(l);
            }
        }
    }
}

/// The reconstruction of strips of 4x4 blocks, exactly like `scalar::recon_strips`: per
/// strip two pairs of blocks, the residual added to whole prediction rows of 16 samples.
#[target_feature(enable = "neon")]
pub fn recon_strips(
    levels: &[[i16; 16]],
    dc: Option<&[i32]>,
    pred: &[u8],
    q: &QuantParams,
    recon: &mut [u8],
) {
    let n = scalar::strips_blocks(levels.len(), pred.len(), recon.len());
    assert!(dc.is_none_or(|d| d.len() == n), "strips: DC length");
    for strip in 0..n / 4 {
        let b = 4 * strip;
        let t01 = unscan_pair(load_levels(&levels[b]), load_levels(&levels[b + 1]));
        let t23 = unscan_pair(load_levels(&levels[b + 2]), load_levels(&levels[b + 3]));
        let left = inverse_pair(t01, dc.map(|d| (d[b], d[b + 1])), q);
        let right = inverse_pair(t23, dc.map(|d| (d[b + 2], d[b + 3])), q);
        let o = 64 * strip;
        for (r, (&l, &rr)) in left.iter().zip(&right).enumerate() {
            let p = ld16(pred, o + 16 * r);
            let lo = vqaddq_s16(vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(p))), l);
            let hi = vqaddq_s16(vreinterpretq_s16_u16(vmovl_high_u8(p)), rr);
            st16(
                recon,
                o + 16 * r,
                vcombine_u8(vqmovun_s16(lo), vqmovun_s16(hi)),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Chroma deinterleave, averages, interpolation.

/// NV12 chroma row to planar rows, 16 pairs at a time (`ld2`), the tail by the scalar twin.
#[target_feature(enable = "neon")]
pub fn deinterleave_uv(uv: &[u8], u: &mut [u8], v: &mut [u8]) {
    let n = u.len();
    assert!(
        v.len() == n && uv.len() >= 2 * n,
        "deinterleave_uv: lengths"
    );
    let mut x = 0;
    while x + 16 <= n {
        let s: &[u8; 32] = uv[2 * x..2 * x + 32].try_into().expect("32 bytes");
        // SAFETY: `s` is a valid reference to 32 readable bytes; `ld2` needs no alignment.
        let p = unsafe { vld2q_u8(s.as_ptr()) };
        st16(u, x, p.0);
        st16(v, x, p.1);
        x += 16;
    }
    scalar::deinterleave_uv(&uv[2 * x..], &mut u[x..], &mut v[x..]);
}

/// The rounded average of two blocks (`urhadd` computes exactly `(a + b + 1) >> 1`): 16 and
/// 8 samples at a time, the tail by the scalar twin.
#[target_feature(enable = "neon")]
pub fn avg_block(a: &[u8], sa: usize, b: &[u8], sb: usize, out: &mut [u8], w: usize, h: usize) {
    match w {
        16 => {
            let (ra, rb) = (Rows::<16>::new(a, sa, h), Rows::<16>::new(b, sb, h));
            for (y, dst) in out[..16 * h].chunks_exact_mut(16).enumerate() {
                st16(dst, 0, vrhaddq_u8(ra.load16(y, 0), rb.load16(y, 0)));
            }
        }
        8 => {
            let (ra, rb) = (Rows::<8>::new(a, sa, h), Rows::<8>::new(b, sb, h));
            for (y, dst) in out[..8 * h].chunks_exact_mut(8).enumerate() {
                st8(dst, 0, vrhadd_u8(ra.load8(y, 0), rb.load8(y, 0)));
            }
        }
        _ => {
            for y in 0..h {
                let (oa, ob, oo) = (y * sa, y * sb, y * w);
                let mut x = 0;
                while x + 16 <= w {
                    st16(out, oo + x, vrhaddq_u8(ld16(a, oa + x), ld16(b, ob + x)));
                    x += 16;
                }
                if x + 8 <= w {
                    st8(out, oo + x, vrhadd_u8(ld8(a, oa + x), ld8(b, ob + x)));
                    x += 8;
                }
                if x < w {
                    scalar::avg_block(
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
    }
}

/// Chroma interpolation of an 8-wide block (as `scalar::mc_chroma8`): the four weighted
/// samples in 16 bits (at most 64 * 255), `(v + 32) >> 6` by a rounding narrow; each source
/// row is loaded once for the output row above and once for the one below.
#[target_feature(enable = "neon")]
pub fn mc_chroma8(src: &[u8], stride: usize, fx: u32, fy: u32, out: &mut [u8]) {
    let h = out.len() / 8;
    assert!(
        out.len() == 8 * h && h <= 8 && fx < 8 && fy < 8 && src.len() > h * stride + 8,
        "mc_chroma8: {} outputs, fraction ({fx}, {fy}), {} samples at stride {stride}",
        out.len(),
        src.len()
    );
    chroma8_rows(src, stride, fx, fy, h, out, 8, 0);
}

/// [`mc_chroma8`] of an 8x8 block in both chroma planes, side by side (as
/// `scalar::mc_chroma8x2`): row `r` of `out` is Cb's output row `r` then Cr's.
#[target_feature(enable = "neon")]
pub fn mc_chroma8x2(cb: &[u8], cr: &[u8], stride: usize, fx: u32, fy: u32, out: &mut [u8; 128]) {
    assert!(
        fx < 8 && fy < 8 && cb.len() > 8 * stride + 8 && cr.len() > 8 * stride + 8,
        "mc_chroma8x2: fraction ({fx}, {fy}), {} and {} samples at stride {stride}",
        cb.len(),
        cr.len()
    );
    chroma8_rows(cb, stride, fx, fy, 8, &mut out[..], 16, 0);
    chroma8_rows(cr, stride, fx, fy, 8, &mut out[..], 16, 8);
}

/// The `h` rows of 8 interpolated chroma samples of [`mc_chroma8`], row `r` written at
/// `out[first + r * out_stride..]`.
#[allow(clippy::too_many_arguments)]
#[inline]
#[target_feature(enable = "neon")]
fn chroma8_rows(
    src: &[u8],
    stride: usize,
    fx: u32,
    fy: u32,
    h: usize,
    out: &mut [u8],
    out_stride: usize,
    first: usize,
) {
    let (fx, fy) = (fx as u8, fy as u8);
    let w0 = vdup_n_u8((8 - fx) * (8 - fy));
    let w1 = vdup_n_u8(fx * (8 - fy));
    let w2 = vdup_n_u8((8 - fx) * fy);
    let w3 = vdup_n_u8(fx * fy);
    let mut t0 = ld8(src, 0);
    let mut t1 = ld8(src, 1);
    for r in 0..h {
        let o = (r + 1) * stride;
        let (b0, b1) = (ld8(src, o), ld8(src, o + 1));
        let v = vmull_u8(t0, w0);
        let v = vmlal_u8(v, t1, w1);
        let v = vmlal_u8(v, b0, w2);
        let v = vmlal_u8(v, b1, w3);
        st8(out, first + out_stride * r, vrshrn_n_u16::<6>(v));
        (t0, t1) = (b0, b1);
    }
}

// ---------------------------------------------------------------------------------------------
// Half-sample filters.

/// (t0 + t5) - 5 (t1 + t4) + 20 (t2 + t3) of the low (`high == false`) or high eight samples,
/// in 16-bit lanes: exact modulo 2^16, and the true value fits `i16`.
#[target_feature(enable = "neon")]
#[inline]
fn tap6_u8(t: &[uint8x16_t; 6], high: bool) -> int16x8_t {
    let addl = |a: uint8x16_t, b: uint8x16_t| {
        if high {
            vaddl_high_u8(a, b)
        } else {
            vaddl_u8(vget_low_u8(a), vget_low_u8(b))
        }
    };
    let v = vmlsq_n_u16(addl(t[0], t[5]), addl(t[1], t[4]), 5);
    vreinterpretq_s16_u16(vmlaq_n_u16(v, addl(t[2], t[3]), 20))
}

/// Clip1((v + 16) >> 5) of two registers of `i16` lanes (`sqrshrun`), as 16 bytes.
#[target_feature(enable = "neon")]
#[inline]
fn clip_half16(lo: int16x8_t, hi: int16x8_t) -> uint8x16_t {
    vcombine_u8(vqrshrun_n_s16::<5>(lo), vqrshrun_n_s16::<5>(hi))
}

/// The horizontal half-sample filter along a row, 16 samples at a time.
#[target_feature(enable = "neon")]
pub fn hpel_row_h(src: &[u8], b1: &mut [i16], b: &mut [u8]) {
    let n = b1.len();
    assert!(src.len() >= n + 5 && b.len() == n, "hpel_row_h: lengths");
    let mut i = 0;
    // Loads reach src[i + 5 + 15] = src[i + 20] <= src[n + 4].
    while i + 16 <= n {
        let t = [
            ld16(src, i),
            ld16(src, i + 1),
            ld16(src, i + 2),
            ld16(src, i + 3),
            ld16(src, i + 4),
            ld16(src, i + 5),
        ];
        let lo = tap6_u8(&t, false);
        let hi = tap6_u8(&t, true);
        st_i16x8(b1, i, lo);
        st_i16x8(b1, i + 8, hi);
        st16(b, i, clip_half16(lo, hi));
        i += 16;
    }
    scalar::hpel_row_h(&src[i..], &mut b1[i..], &mut b[i..]);
}

/// The vertical half-sample filter over six rows, 16 samples at a time.
#[target_feature(enable = "neon")]
pub fn hpel_row_v(r: [&[u8]; 6], h1: &mut [i16], out: &mut [u8]) {
    let n = out.len();
    assert!(
        h1.len() == n && r.iter().all(|row| row.len() >= n),
        "hpel_row_v: lengths"
    );
    let mut i = 0;
    while i + 16 <= n {
        let t = [
            ld16(r[0], i),
            ld16(r[1], i),
            ld16(r[2], i),
            ld16(r[3], i),
            ld16(r[4], i),
            ld16(r[5], i),
        ];
        let lo = tap6_u8(&t, false);
        let hi = tap6_u8(&t, true);
        st_i16x8(h1, i, lo);
        st_i16x8(h1, i + 8, hi);
        st16(out, i, clip_half16(lo, hi));
        i += 16;
    }
    let rest = r.map(|row| &row[i..]);
    scalar::hpel_row_v(rest, &mut h1[i..], &mut out[i..]);
}

/// The centre half sample from six rows of intermediates, 8 samples at a time: the 6-tap sum
/// in 32-bit lanes, `(v + 512) >> 10` by a rounding narrow (`sqrshrn`, exact: the sum is far
/// from the `i32` limits and the result within `i16`), Clip1 by `sqxtun`.
#[target_feature(enable = "neon")]
pub fn hpel_row_c(r: [&[i16]; 6], out: &mut [u8]) {
    let n = out.len();
    assert!(r.iter().all(|row| row.len() >= n), "hpel_row_c: lengths");
    let mut i = 0;
    while i + 8 <= n {
        let t = [
            ld_i16x8(r[0], i),
            ld_i16x8(r[1], i),
            ld_i16x8(r[2], i),
            ld_i16x8(r[3], i),
            ld_i16x8(r[4], i),
            ld_i16x8(r[5], i),
        ];
        let lo = vaddl_s16(vget_low_s16(t[0]), vget_low_s16(t[5]));
        let lo = vmlsq_n_s32(lo, vaddl_s16(vget_low_s16(t[1]), vget_low_s16(t[4])), 5);
        let lo = vmlaq_n_s32(lo, vaddl_s16(vget_low_s16(t[2]), vget_low_s16(t[3])), 20);
        let hi = vaddl_high_s16(t[0], t[5]);
        let hi = vmlsq_n_s32(hi, vaddl_high_s16(t[1], t[4]), 5);
        let hi = vmlaq_n_s32(hi, vaddl_high_s16(t[2], t[3]), 20);
        let v = vcombine_s16(vqrshrn_n_s32::<10>(lo), vqrshrn_n_s32::<10>(hi));
        st8(out, i, vqmovun_s16(v));
        i += 8;
    }
    let rest = r.map(|row| &row[i..]);
    scalar::hpel_row_c(rest, &mut out[i..]);
}

// ---------------------------------------------------------------------------------------------
// Deblocking.

/// |a - b| of `i16` lanes.
#[target_feature(enable = "neon")]
#[inline]
fn absd(a: int16x8_t, b: int16x8_t) -> int16x8_t {
    vabdq_s16(a, b)
}

/// Clip3(-t, t, v) of `i16` lanes.
#[target_feature(enable = "neon")]
#[inline]
fn clamp_tc(v: int16x8_t, t: int16x8_t) -> int16x8_t {
    vminq_s16(vmaxq_s16(v, vnegq_s16(t)), t)
}

/// `(a + b + c + d + k) >> s` helpers are spelled out below; this one is `>> S` of a sum.
#[target_feature(enable = "neon")]
#[inline]
fn sum_shr<const S: i32>(v: [int16x8_t; 4], k: i16) -> int16x8_t {
    let s = vaddq_s16(vaddq_s16(v[0], v[1]), vaddq_s16(v[2], v[3]));
    vshrq_n_s16::<S>(vaddq_s16(s, vdupq_n_s16(k)))
}

/// The luma filter (8.7.2.3 / 8.7.2.4, as `scalar::filter_samples_luma`) on eight lines at
/// once: `p[i]`, `q[i]` are the `i16` samples p_i, q_i of each line; returns the new
/// p2, p1, p0, q0, q1, q2 (unfiltered lanes unchanged; values may need the final clip to
/// 0..255 that narrowing with unsigned saturation performs).
#[target_feature(enable = "neon")]
#[inline]
fn filter_luma8(
    p: [int16x8_t; 4],
    q: [int16x8_t; 4],
    bs: int16x8_t,
    tc0: int16x8_t,
    alpha: int16x8_t,
    beta: int16x8_t,
) -> [int16x8_t; 6] {
    let [p0, p1, p2, p3] = p;
    let [q0, q1, q2, q3] = q;
    let flag = vandq_u16(
        vcgtzq_s16(bs),
        vandq_u16(
            vcltq_s16(absd(p0, q0), alpha),
            vandq_u16(vcltq_s16(absd(p1, p0), beta), vcltq_s16(absd(q1, q0), beta)),
        ),
    );
    let ap = vcltq_s16(absd(p2, p0), beta);
    let aq = vcltq_s16(absd(q2, q0), beta);

    // bS < 4 (the masks read -1 as i16 where true).
    let tc = vsubq_s16(
        vsubq_s16(tc0, vreinterpretq_s16_u16(ap)),
        vreinterpretq_s16_u16(aq),
    );
    let delta = vaddq_s16(vshlq_n_s16::<2>(vsubq_s16(q0, p0)), vsubq_s16(p1, q1));
    let delta = clamp_tc(vshrq_n_s16::<3>(vaddq_s16(delta, vdupq_n_s16(4))), tc);
    let avg = vrhaddq_s16(p0, q0); // (p0 + q0 + 1) >> 1
    let dp = vshrq_n_s16::<1>(vsubq_s16(vaddq_s16(p2, avg), vaddq_s16(p1, p1)));
    let dq = vshrq_n_s16::<1>(vsubq_s16(vaddq_s16(q2, avg), vaddq_s16(q1, q1)));
    let n_p1 = vbslq_s16(ap, vaddq_s16(p1, clamp_tc(dp, tc0)), p1);
    let n_q1 = vbslq_s16(aq, vaddq_s16(q1, clamp_tc(dq, tc0)), q1);
    let n_p0 = vaddq_s16(p0, delta);
    let n_q0 = vsubq_s16(q0, delta);

    // bS == 4.
    let gate = vcltq_s16(
        absd(p0, q0),
        vaddq_s16(vshrq_n_s16::<2>(alpha), vdupq_n_s16(2)),
    );
    let sp = vandq_u16(ap, gate);
    let sq = vandq_u16(aq, gate);
    let pq0 = vaddq_s16(p0, q0);
    let s_p0 = sum_shr::<3>([p2, vaddq_s16(p1, p1), vaddq_s16(pq0, pq0), q1], 4);
    let s_p1 = sum_shr::<2>([p2, p1, pq0, vdupq_n_s16(0)], 2);
    let s_p2 = sum_shr::<3>(
        [vaddq_s16(p3, p3), vaddq_s16(vaddq_s16(p2, p2), p2), p1, pq0],
        4,
    );
    let w_p0 = sum_shr::<2>([p1, p1, p0, q1], 2);
    let s_q0 = sum_shr::<3>([q2, vaddq_s16(q1, q1), vaddq_s16(pq0, pq0), p1], 4);
    let s_q1 = sum_shr::<2>([q2, q1, pq0, vdupq_n_s16(0)], 2);
    let s_q2 = sum_shr::<3>(
        [vaddq_s16(q3, q3), vaddq_s16(vaddq_s16(q2, q2), q2), q1, pq0],
        4,
    );
    let w_q0 = sum_shr::<2>([q1, q1, q0, p1], 2);
    let strong = [
        vbslq_s16(sp, s_p2, p2),
        vbslq_s16(sp, s_p1, p1),
        vbslq_s16(sp, s_p0, w_p0),
        vbslq_s16(sq, s_q0, w_q0),
        vbslq_s16(sq, s_q1, q1),
        vbslq_s16(sq, s_q2, q2),
    ];
    let normal = [p2, n_p1, n_p0, n_q0, n_q1, q2];
    let orig = [p2, p1, p0, q0, q1, q2];
    let is4 = vceqq_s16(bs, vdupq_n_s16(4));
    let mut out = orig;
    for i in 0..6 {
        out[i] = vbslq_s16(flag, vbslq_s16(is4, strong[i], normal[i]), orig[i]);
    }
    out
}

/// Transposes an 8x8 block of `i16` (its own inverse).
#[target_feature(enable = "neon")]
#[inline]
fn transpose8x8_s16(r: [int16x8_t; 8]) -> [int16x8_t; 8] {
    let t0 = vtrnq_s16(r[0], r[1]);
    let t1 = vtrnq_s16(r[2], r[3]);
    let t2 = vtrnq_s16(r[4], r[5]);
    let t3 = vtrnq_s16(r[6], r[7]);
    let w = vreinterpretq_s32_s16;
    let u0 = vtrnq_s32(w(t0.0), w(t1.0)); // columns 0 | 4 and 2 | 6 of rows 0-3
    let u1 = vtrnq_s32(w(t0.1), w(t1.1)); // columns 1 | 5 and 3 | 7 of rows 0-3
    let u2 = vtrnq_s32(w(t2.0), w(t3.0)); // the same of rows 4-7
    let u3 = vtrnq_s32(w(t2.1), w(t3.1));
    let lo = |a: int32x4_t, b: int32x4_t| {
        vreinterpretq_s16_s32(vcombine_s32(vget_low_s32(a), vget_low_s32(b)))
    };
    let hi = |a: int32x4_t, b: int32x4_t| {
        vreinterpretq_s16_s32(vcombine_s32(vget_high_s32(a), vget_high_s32(b)))
    };
    [
        lo(u0.0, u2.0),
        lo(u1.0, u3.0),
        lo(u0.1, u2.1),
        lo(u1.1, u3.1),
        hi(u0.0, u2.0),
        hi(u1.0, u3.0),
        hi(u0.1, u2.1),
        hi(u1.1, u3.1),
    ]
}

/// Two values over the low and high four `i16` lanes.
#[target_feature(enable = "neon")]
#[inline]
fn halves(a: i32, b: i32) -> int16x8_t {
    vcombine_s16(vdup_n_s16(a as i16), vdup_n_s16(b as i16))
}

/// The luma deblocking filter of one 16-line edge, 8 lines per register. A horizontal edge
/// (`along == 1`) reads the rows p3..q3 whole (16 samples); a vertical edge (`across == 1`)
/// transposes 8x8 samples around it in and out. Any other layout goes to the scalar twin.
#[target_feature(enable = "neon")]
pub fn deblock_luma_edge(d: &mut [u8], e: &Edge) {
    let alpha = vdupq_n_s16(e.alpha as i16);
    let beta = vdupq_n_s16(e.beta as i16);
    let seg = |h: usize| {
        (
            halves(i32::from(e.bs[2 * h]), i32::from(e.bs[2 * h + 1])),
            halves(i32::from(e.seg_tc0(2 * h)), i32::from(e.seg_tc0(2 * h + 1))),
        )
    };
    if e.along == 1 {
        if e.bs == [0; 4] {
            return;
        }
        let s = e.across;
        let top = e.q0.checked_sub(4 * s).expect("p3 row inside the plane");
        let rows: [uint8x16_t; 8] = std::array::from_fn(|i| ld16(d, top + i * s)); // p3 .. q3
        let wide = |h: usize, r: uint8x16_t| {
            vreinterpretq_s16_u16(if h == 0 {
                vmovl_u8(vget_low_u8(r))
            } else {
                vmovl_high_u8(r)
            })
        };
        let half = |h: usize| {
            let (bs, tc0) = seg(h);
            let p = [
                wide(h, rows[3]),
                wide(h, rows[2]),
                wide(h, rows[1]),
                wide(h, rows[0]),
            ];
            let q = [
                wide(h, rows[4]),
                wide(h, rows[5]),
                wide(h, rows[6]),
                wide(h, rows[7]),
            ];
            filter_luma8(p, q, bs, tc0, alpha, beta)
        };
        let (lo, hi) = (half(0), half(1));
        for i in 0..6 {
            let v = vcombine_u8(vqmovun_s16(lo[i]), vqmovun_s16(hi[i]));
            st16(d, top + (i + 1) * s, v);
        }
    } else if e.across == 1 {
        for h in 0..2 {
            if e.bs[2 * h] | e.bs[2 * h + 1] == 0 {
                continue;
            }
            let (bs, tc0) = seg(h);
            let first = e.q0 + 8 * h * e.along;
            let left = first.checked_sub(4).expect("p3 column inside the plane");
            let rows: [int16x8_t; 8] = std::array::from_fn(|i| {
                vreinterpretq_s16_u16(vmovl_u8(ld8(d, left + i * e.along)))
            });
            let c = transpose8x8_s16(rows); // c[i]: sample i (p3 .. q3) of each line
            let out = filter_luma8(
                [c[3], c[2], c[1], c[0]],
                [c[4], c[5], c[6], c[7]],
                bs,
                tc0,
                alpha,
                beta,
            );
            let cols = [c[0], out[0], out[1], out[2], out[3], out[4], out[5], c[7]];
            let r = transpose8x8_s16(cols);
            for (i, &v) in r.iter().enumerate() {
                st8(d, left + i * e.along, vqmovun_s16(v));
            }
        }
    } else {
        scalar::deblock_luma_edge(d, e);
    }
}

/// The chroma filter (8.7.2.3 / 8.7.2.4 with chromaStyleFilteringFlag 1, as
/// `scalar::filter_samples_chroma`) on eight lines: returns the new p0 and q0 (`i16`, to be
/// clipped by narrowing with unsigned saturation).
#[target_feature(enable = "neon")]
#[inline]
fn filter_chroma8(
    [p1, p0, q0, q1]: [int16x8_t; 4],
    bs: int16x8_t,
    tc0: int16x8_t,
    alpha: int16x8_t,
    beta: int16x8_t,
) -> [int16x8_t; 2] {
    let flag = vandq_u16(
        vcgtzq_s16(bs),
        vandq_u16(
            vcltq_s16(absd(p0, q0), alpha),
            vandq_u16(vcltq_s16(absd(p1, p0), beta), vcltq_s16(absd(q1, q0), beta)),
        ),
    );
    let tc = vaddq_s16(tc0, vdupq_n_s16(1));
    let delta = vaddq_s16(vshlq_n_s16::<2>(vsubq_s16(q0, p0)), vsubq_s16(p1, q1));
    let delta = clamp_tc(vshrq_n_s16::<3>(vaddq_s16(delta, vdupq_n_s16(4))), tc);
    let s_p0 = sum_shr::<2>([p1, p1, p0, q1], 2);
    let s_q0 = sum_shr::<2>([q1, q1, q0, p1], 2);
    let is4 = vceqq_s16(bs, vdupq_n_s16(4));
    [
        vbslq_s16(flag, vbslq_s16(is4, s_p0, vaddq_s16(p0, delta)), p0),
        vbslq_s16(flag, vbslq_s16(is4, s_q0, vsubq_s16(q0, delta)), q0),
    ]
}

/// Byte indices gathering p1, p0 (first table) and q0, q1 (second) of eight lines of four
/// bytes (p1 p0 q0 q1) held in 32 bytes.
const CHROMA_COLS: [[u8; 16]; 2] = [
    [0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29],
    [2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31],
];

/// The chroma deblocking filter of one 8-line edge in one register. A vertical edge
/// (`across == 1`) gathers the 8x4 samples p1..q1 with one table lookup and writes back p0
/// and q0, two bytes per line.
#[target_feature(enable = "neon")]
pub fn deblock_chroma_edge(d: &mut [u8], e: &Edge) {
    if e.bs == [0; 4] {
        return;
    }
    let alpha = vdupq_n_s16(e.alpha as i16);
    let beta = vdupq_n_s16(e.beta as i16);
    let pairs = |v: [i32; 4]| {
        let lane = |a: i32, b: i32| {
            vcreate_s16((a as u16 as u64 * 0x1_0001) | ((b as u16 as u64 * 0x1_0001) << 32))
        };
        vcombine_s16(lane(v[0], v[1]), lane(v[2], v[3]))
    };
    let bs = pairs(e.bs.map(i32::from));
    let tc0 = pairs(std::array::from_fn(|s| i32::from(e.seg_tc0(s))));
    if e.along == 1 {
        let s = e.across;
        let top = e.q0.checked_sub(2 * s).expect("p1 row inside the plane");
        let r: [int16x8_t; 4] =
            std::array::from_fn(|i| vreinterpretq_s16_u16(vmovl_u8(ld8(d, top + i * s))));
        let [p0, q0] = filter_chroma8(r, bs, tc0, alpha, beta);
        st8(d, top + s, vqmovun_s16(p0));
        st8(d, top + 2 * s, vqmovun_s16(q0));
    } else if e.across == 1 {
        let left = e.q0.checked_sub(2).expect("p1 column inside the plane");
        let at = |i: usize| left + i * e.along;
        let w0 = vsetq_lane_u32::<1>(word(d, at(1)), vdupq_n_u32(word(d, at(0))));
        let w0 = vsetq_lane_u32::<2>(word(d, at(2)), w0);
        let w0 = vsetq_lane_u32::<3>(word(d, at(3)), w0);
        let w1 = vsetq_lane_u32::<1>(word(d, at(5)), vdupq_n_u32(word(d, at(4))));
        let w1 = vsetq_lane_u32::<2>(word(d, at(6)), w1);
        let w1 = vsetq_lane_u32::<3>(word(d, at(7)), w1);
        let src = uint8x16x2_t(vreinterpretq_u8_u32(w0), vreinterpretq_u8_u32(w1));
        let pp = vqtbl2q_u8(src, table(&CHROMA_COLS[0])); // p1 of lines 0-7, then p0
        let qq = vqtbl2q_u8(src, table(&CHROMA_COLS[1])); // q0, then q1
        let c = [
            vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(pp))),
            vreinterpretq_s16_u16(vmovl_high_u8(pp)),
            vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(qq))),
            vreinterpretq_s16_u16(vmovl_high_u8(qq)),
        ];
        let [p0, q0] = filter_chroma8(c, bs, tc0, alpha, beta);
        // p0 q0 per line, as eight 16-bit words.
        let z = vzip_u8(vqmovun_s16(p0), vqmovun_s16(q0));
        let mut out = [0u8; 16];
        st16(&mut out, 0, vcombine_u8(z.0, z.1));
        for i in 0..8 {
            let o = at(i) + 1;
            d[o..o + 2].copy_from_slice(&out[2 * i..2 * i + 2]);
        }
    } else {
        scalar::deblock_chroma_edge(d, e);
    }
}

// ---------------------------------------------------------------------------------------------
// RGB(A) to NV12.

/// Sixteen pixels from `row[off..]` as R, G, B registers (`ld3` / `ld4`; alpha never used).
#[target_feature(enable = "neon")]
#[inline]
fn rgb16<const BPP: usize, const BGR: bool>(
    row: &[u8],
    off: usize,
) -> (uint8x16_t, uint8x16_t, uint8x16_t) {
    let (c0, c1, c2) = if BPP == 3 {
        let s: &[u8; 48] = row[off..off + 48].try_into().expect("16 pixels");
        // SAFETY: `s` is a valid reference to 48 readable bytes; `ld3` needs no alignment.
        let v = unsafe { vld3q_u8(s.as_ptr()) };
        (v.0, v.1, v.2)
    } else {
        let s: &[u8; 64] = row[off..off + 64].try_into().expect("16 pixels");
        // SAFETY: `s` is a valid reference to 64 readable bytes; `ld4` needs no alignment.
        let v = unsafe { vld4q_u8(s.as_ptr()) };
        (v.0, v.1, v.2)
    };
    if BGR {
        (c2, c1, c0)
    } else {
        (c0, c1, c2)
    }
}

/// Luma of sixteen pixels: `((66 R + 129 G + 25 B + 128) >> 8) + 16` in 16-bit lanes (the sum
/// is at most 56 228), the rounding by `rshrn`.
#[target_feature(enable = "neon")]
#[inline]
fn luma16(r: uint8x16_t, g: uint8x16_t, b: uint8x16_t) -> uint8x16_t {
    let (yr, yg, yb) = (vdup_n_u8(66), vdup_n_u8(129), vdup_n_u8(25));
    let lo = vmull_u8(vget_low_u8(r), yr);
    let lo = vmlal_u8(lo, vget_low_u8(g), yg);
    let lo = vmlal_u8(lo, vget_low_u8(b), yb);
    let hi = vmull_high_u8(r, vdupq_n_u8(66));
    let hi = vmlal_high_u8(hi, g, vdupq_n_u8(129));
    let hi = vmlal_high_u8(hi, b, vdupq_n_u8(25));
    let y = vcombine_u8(vrshrn_n_u16::<8>(lo), vrshrn_n_u16::<8>(hi));
    vaddq_u8(y, vdupq_n_u8(16))
}

/// One chroma component of eight chroma samples from R, G, B sums (`i16` lanes, each at most
/// 1020): `((cr R + cg G + cb B + round) >> S) + 128`, clipped, in 32-bit lanes; `srshr`
/// adds exactly the rounding `1 << (S - 1)`.
#[target_feature(enable = "neon")]
#[inline]
fn chroma8<const S: i32>(r: int16x8_t, g: int16x8_t, b: int16x8_t, k: [i16; 3]) -> uint8x8_t {
    let lo = vmull_n_s16(vget_low_s16(r), k[0]);
    let lo = vmlal_n_s16(lo, vget_low_s16(g), k[1]);
    let lo = vmlal_n_s16(lo, vget_low_s16(b), k[2]);
    let hi = vmull_high_n_s16(r, k[0]);
    let hi = vmlal_high_n_s16(hi, g, k[1]);
    let hi = vmlal_high_n_s16(hi, b, k[2]);
    let v = vcombine_s16(
        vqmovn_s32(vrshrq_n_s32::<S>(lo)),
        vqmovn_s32(vrshrq_n_s32::<S>(hi)),
    );
    vqmovun_s16(vaddq_s16(v, vdupq_n_s16(128)))
}

/// The BT.601 coefficients of `scalar` (x256) for U and V.
const U_COEF: [i16; 3] = [-38, -74, 112];
const V_COEF: [i16; 3] = [112, -94, -18];

#[target_feature(enable = "neon")]
#[inline]
fn rgb_to_nv12_run<const BPP: usize, const BGR: bool>(
    row0: &[u8],
    row1: &[u8],
    y0: &mut [u8],
    y1: &mut [u8],
    uv: &mut [u8],
    siting: crate::dsp::ChromaSiting,
) {
    let n = y0.len();
    assert!(
        y1.len() == n && uv.len() == n && n.is_multiple_of(2),
        "rgb_to_nv12_rows: lengths"
    );
    let (row0, row1) = (&row0[..n * BPP], &row1[..n * BPP]);
    let mut x = 0;
    while x + 16 <= n {
        let (r0, g0, b0) = rgb16::<BPP, BGR>(row0, x * BPP);
        let (r1, g1, b1) = rgb16::<BPP, BGR>(row1, x * BPP);
        st16(y0, x, luma16(r0, g0, b0));
        st16(y1, x, luma16(r1, g1, b1));
        let (u, v) = match siting {
            crate::dsp::ChromaSiting::Average => {
                let sum = |a: uint8x16_t, b: uint8x16_t| {
                    vreinterpretq_s16_u16(vpadalq_u8(vpaddlq_u8(a), b))
                };
                let (r, g, b) = (sum(r0, r1), sum(g0, g1), sum(b0, b1));
                (
                    chroma8::<10>(r, g, b, U_COEF),
                    chroma8::<10>(r, g, b, V_COEF),
                )
            }
            crate::dsp::ChromaSiting::TopLeft => {
                let even = |a: uint8x16_t| {
                    vreinterpretq_s16_u16(vandq_u16(vreinterpretq_u16_u8(a), vdupq_n_u16(0xff)))
                };
                let (r, g, b) = (even(r0), even(g0), even(b0));
                (chroma8::<8>(r, g, b, U_COEF), chroma8::<8>(r, g, b, V_COEF))
            }
        };
        let s: &mut [u8; 16] = (&mut uv[x..x + 16]).try_into().expect("16 bytes");
        // SAFETY: `s` is a valid exclusive reference to 16 writable bytes; `st2` needs no
        // alignment.
        unsafe { vst2_u8(s.as_mut_ptr(), uint8x8x2_t(u, v)) };
        x += 16;
    }
    scalar::rgb_to_nv12_rows(
        &row0[x * BPP..],
        &row1[x * BPP..],
        &mut y0[x..],
        &mut y1[x..],
        &mut uv[x..],
        match (BPP, BGR) {
            (3, false) => crate::dsp::PixelLayout::Rgb,
            (3, true) => crate::dsp::PixelLayout::Bgr,
            (_, false) => crate::dsp::PixelLayout::Rgba,
            (_, true) => crate::dsp::PixelLayout::Bgra,
        },
        siting,
    );
}

/// Two rows of packed pixels to two rows of luma and one row of interleaved chroma, 16
/// pixels at a time (`ld3` / `ld4` deinterleave them), the tail by the scalar twin.
#[target_feature(enable = "neon")]
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
        PixelLayout::Rgb => rgb_to_nv12_run::<3, false>(row0, row1, y0, y1, uv, siting),
        PixelLayout::Bgr => rgb_to_nv12_run::<3, true>(row0, row1, y0, y1, uv, siting),
        PixelLayout::Rgba => rgb_to_nv12_run::<4, false>(row0, row1, y0, y1, uv, siting),
        PixelLayout::Bgra => rgb_to_nv12_run::<4, true>(row0, row1, y0, y1, uv, siting),
    }
}

// ---------------------------------------------------------------------------------------------
// The table.

/// The NEON kernels, or `None` when the CPU reports no NEON (no aarch64 CPU a Rust target
/// supports lacks it; the check only makes the contract of [`entry`] explicit).
pub fn neon_kernels() -> Option<Kernels> {
    if !std::arch::is_aarch64_feature_detected!("neon") {
        return None;
    }
    Some(Kernels {
        isa: Isa::Neon,
        sad: [
            entry::sad16x16,
            entry::sad16x8,
            entry::sad8x16,
            entry::sad8x8,
            entry::sad4x4,
        ],
        satd: [
            entry::satd16x16,
            entry::satd16x8,
            entry::satd8x16,
            entry::satd8x8,
            entry::satd4x4,
        ],
        sad16x16_x4: entry::sad16x16_x4,
        satd_avg16x16: entry::satd_avg16x16,
        code4x4: entry::code4x4,
        satd4x4_axis: crate::dsp::scalar::satd4x4_axis,
        predict4x4_diag: crate::dsp::scalar::predict4x4_diag,
        quant_strips: entry::quant_strips,
        recon_strips: entry::recon_strips,
        rgb_to_nv12_rows: entry::rgb_to_nv12_rows,
        deinterleave_uv: entry::deinterleave_uv,
        deblock_luma_edge: entry::deblock_luma_edge,
        deblock_chroma_edge2,
        mc_chroma8: entry::mc_chroma8,
        mc_chroma8x2: entry::mc_chroma8x2,
        avg_block: entry::avg_block,
        hpel_row_h: entry::hpel_row_h,
        hpel_row_v: entry::hpel_row_v,
        hpel_row_c: entry::hpel_row_c,
    })
}

/// Both chroma planes' edge: the one-plane kernel on each.
fn deblock_chroma_edge2(u: &mut [u8], v: &mut [u8], e: &Edge) {
    entry::deblock_chroma_edge(u, e);
    entry::deblock_chroma_edge(v, e);
}

/// Safe entry points into the NEON kernels. This module is compiled only for targets with
/// `target_feature = "neon"` (every aarch64 target: NEON is the aarch64 baseline, and the
/// compiler already uses it everywhere), so every CPU that runs this code has the feature the
/// kernels enable.
mod entry {
    use crate::dsp::{ChromaSiting, Edge, PixelLayout, QuantParams};

    macro_rules! entries {
        ($($name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)?;)*) => {$(
            #[allow(clippy::too_many_arguments)]
            pub(super) fn $name($($arg: $ty),*) $(-> $ret)? {
                // SAFETY: see the module: the target (hence the CPU) has NEON.
                unsafe { super::$name($($arg),*) }
            }
        )*};
    }

    entries! {
        sad16x16(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32;
        sad16x8(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32;
        sad8x16(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32;
        sad8x8(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32;
        sad4x4(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32;
        sad16x16_x4(src: &[u8], ss: usize, refs: [&[u8]; 4], rs: usize) -> [u32; 4];
        satd16x16(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32;
        satd16x8(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32;
        satd8x16(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32;
        satd8x8(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32;
        satd4x4(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32;
        satd_avg16x16(s: &[u8], ss: usize, a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32;
        code4x4(src: &[u8], ss: usize, pred: &[u8], ps: usize, q: &QuantParams, levels: &mut [i32; 16], recon: &mut [u8], rs: usize) -> u32;
        quant_strips(src: &[u8], pred: &[u8], q: &QuantParams, dc_apart: bool, levels: &mut [[i16; 16]], dc: &mut [i32], nz: &mut [u16]);
        recon_strips(levels: &[[i16; 16]], dc: Option<&[i32]>, pred: &[u8], q: &QuantParams, recon: &mut [u8]);
        rgb_to_nv12_rows(row0: &[u8], row1: &[u8], y0: &mut [u8], y1: &mut [u8], uv: &mut [u8], layout: PixelLayout, siting: ChromaSiting);
        deinterleave_uv(uv: &[u8], u: &mut [u8], v: &mut [u8]);
        deblock_luma_edge(d: &mut [u8], e: &Edge);
        deblock_chroma_edge(d: &mut [u8], e: &Edge);
        mc_chroma8(src: &[u8], stride: usize, fx: u32, fy: u32, out: &mut [u8]);
        mc_chroma8x2(cb: &[u8], cr: &[u8], stride: usize, fx: u32, fy: u32, out: &mut [u8; 128]);
        avg_block(a: &[u8], sa: usize, b: &[u8], sb: usize, out: &mut [u8], w: usize, h: usize);
        hpel_row_h(src: &[u8], b1: &mut [i16], b: &mut [u8]);
        hpel_row_v(r: [&[u8]; 6], h1: &mut [i16], out: &mut [u8]);
        hpel_row_c(r: [&[i16]; 6], out: &mut [u8]);
    }
}
