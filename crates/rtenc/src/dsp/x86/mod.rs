//! x86-64 kernels: SSE2 (the x86-64 baseline, so always present) and AVX2 (after runtime
//! detection). The only `unsafe` code here: unaligned SIMD loads and stores (from slices
//! bounds-checked per access, or per block once in [`Rows::new`]), and the safe wrappers that
//! call the `#[target_feature]` functions: SSE2 ones always, AVX2 ones only through the table
//! [`avx2_kernels`] returns after detecting AVX2 (and POPCNT).

use std::arch::x86_64::*;

use super::{Isa, Kernels};

mod avx2;
mod sse2;

/// `h` rows of `W` bytes at a stride in a slice, bounds-checked once in [`Rows::new`] so that
/// the per-row loads need no check.
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
    #[inline(always)]
    fn load16(self, y: usize, x: usize) -> __m128i {
        // SAFETY: `at` checked that the 16 bytes lie in a row `new` proved in bounds; the load
        // is unaligned.
        unsafe { _mm_loadu_si128(self.at(y, x, 16).cast()) }
    }

    /// Samples `x..x + 8` of row `y`, in the low half.
    #[inline(always)]
    fn load8(self, y: usize, x: usize) -> __m128i {
        // SAFETY: `at` checked that the 8 bytes lie in a row `new` proved in bounds; the load
        // is unaligned.
        unsafe { _mm_loadl_epi64(self.at(y, x, 8).cast()) }
    }

    /// Samples `x..x + 4` of row `y`, in the low lane.
    #[inline(always)]
    fn load4(self, y: usize, x: usize) -> __m128i {
        // SAFETY: `at` checked that the 4 bytes lie in a row `new` proved in bounds; the load
        // is unaligned.
        unsafe { _mm_loadu_si32(self.at(y, x, 4)) }
    }
}

/// [`Rows`] in a mutable slice, for kernels that filter samples in place (deblocking): loads
/// and stores need no check per row.
struct RowsMut<'a, const W: usize> {
    s: &'a mut [u8],
    stride: usize,
    h: usize,
}

impl<'a, const W: usize> RowsMut<'a, W> {
    /// Panics unless rows `0..h` of `W` bytes at `stride` lie within `s`.
    #[inline(always)]
    fn new(s: &'a mut [u8], stride: usize, h: usize) -> Self {
        crate::dsp::assert_rows_fit(s.len(), stride, h, W);
        RowsMut { s, stride, h }
    }

    /// Offset of sample `x` of row `y`, where `y < h` and `x + n <= W` (asserted; with
    /// constant loop bounds the compiler removes these checks).
    #[inline(always)]
    fn at(&self, y: usize, x: usize, n: usize) -> usize {
        assert!(y < self.h && x + n <= W);
        // `y * stride + W <= s.len()` (checked in `new`): no overflow, inside the slice.
        y * self.stride + x
    }

    /// Samples `x..x + 16` of row `y`.
    #[inline(always)]
    fn load16(&self, y: usize, x: usize) -> __m128i {
        let o = self.at(y, x, 16);
        // SAFETY: `at` checked that the 16 bytes lie in the slice; the load is unaligned.
        unsafe { _mm_loadu_si128(self.s.as_ptr().add(o).cast()) }
    }

    /// Samples `x..x + 8` of row `y`, in the low half.
    #[inline(always)]
    fn load8(&self, y: usize, x: usize) -> __m128i {
        let o = self.at(y, x, 8);
        // SAFETY: `at` checked that the 8 bytes lie in the slice; the load is unaligned.
        unsafe { _mm_loadl_epi64(self.s.as_ptr().add(o).cast()) }
    }

    /// Samples `x..x + 4` of row `y`, in the low lane.
    #[inline(always)]
    fn load4(&self, y: usize, x: usize) -> __m128i {
        let o = self.at(y, x, 4);
        // SAFETY: `at` checked that the 4 bytes lie in the slice; the load is unaligned.
        unsafe { _mm_loadu_si32(self.s.as_ptr().add(o)) }
    }

    /// Stores 16 bytes to samples `x..x + 16` of row `y`.
    #[inline(always)]
    fn store16(&mut self, y: usize, x: usize, v: __m128i) {
        let o = self.at(y, x, 16);
        // SAFETY: `at` checked that the 16 bytes lie in the slice, which is borrowed
        // exclusively; the store is unaligned.
        unsafe { _mm_storeu_si128(self.s.as_mut_ptr().add(o).cast(), v) }
    }

    /// Stores the low 8 bytes of `v` to samples `x..x + 8` of row `y`.
    #[inline(always)]
    fn store8(&mut self, y: usize, x: usize, v: __m128i) {
        let o = self.at(y, x, 8);
        // SAFETY: `at` checked that the 8 bytes lie in the slice, which is borrowed
        // exclusively; the store is unaligned.
        unsafe { _mm_storel_epi64(self.s.as_mut_ptr().add(o).cast(), v) }
    }

    /// Stores `w` (little-endian) to samples `x..x + 4` of row `y`.
    #[inline(always)]
    fn store4(&mut self, y: usize, x: usize, w: u32) {
        let o = self.at(y, x, 4);
        // SAFETY: `at` checked that the 4 bytes lie in the slice, which is borrowed
        // exclusively; the store is unaligned.
        unsafe {
            self.s
                .as_mut_ptr()
                .add(o)
                .cast::<u32>()
                .write_unaligned(w.to_le())
        }
    }

    /// Stores `w` (little-endian) to samples `x..x + 2` of row `y`.
    #[inline(always)]
    fn store2(&mut self, y: usize, x: usize, w: u16) {
        let o = self.at(y, x, 2);
        // SAFETY: `at` checked that the 2 bytes lie in the slice, which is borrowed
        // exclusively; the store is unaligned.
        unsafe {
            self.s
                .as_mut_ptr()
                .add(o)
                .cast::<u16>()
                .write_unaligned(w.to_le())
        }
    }
}

/// Loads 16 bytes at `s[off..off + 16]` (panics when out of bounds).
#[target_feature(enable = "sse2")]
#[inline]
fn load16(s: &[u8], off: usize) -> __m128i {
    let s: &[u8; 16] = s[off..off + 16].try_into().expect("16 bytes");
    // SAFETY: `s` is a valid reference to 16 readable bytes; the load is unaligned.
    unsafe { _mm_loadu_si128(s.as_ptr().cast()) }
}

/// Loads 8 bytes at `s[off..off + 8]` into the low half (panics when out of bounds).
#[target_feature(enable = "sse2")]
#[inline]
fn load8(s: &[u8], off: usize) -> __m128i {
    let s: &[u8; 8] = s[off..off + 8].try_into().expect("8 bytes");
    // SAFETY: `s` is a valid reference to 8 readable bytes; the load is unaligned.
    unsafe { _mm_loadl_epi64(s.as_ptr().cast()) }
}

/// Stores the low 8 bytes of `v` to `d[off..off + 8]` (panics when out of bounds).
#[target_feature(enable = "sse2")]
#[inline]
fn store8(d: &mut [u8], off: usize, v: __m128i) {
    let d: &mut [u8; 8] = (&mut d[off..off + 8]).try_into().expect("8 bytes");
    // SAFETY: `d` is a valid exclusive reference to 8 writable bytes; the store is unaligned.
    unsafe { _mm_storel_epi64(d.as_mut_ptr().cast(), v) }
}

/// Stores 16 bytes to `d[off..off + 16]` (panics when out of bounds).
#[target_feature(enable = "sse2")]
#[inline]
fn store16(d: &mut [u8], off: usize, v: __m128i) {
    let d: &mut [u8; 16] = (&mut d[off..off + 16]).try_into().expect("16 bytes");
    // SAFETY: `d` is a valid exclusive reference to 16 writable bytes; the store is unaligned.
    unsafe { _mm_storeu_si128(d.as_mut_ptr().cast(), v) }
}

/// Loads 4 bytes at `s[off..off + 4]` into the low lane (panics when out of bounds).
#[target_feature(enable = "sse2")]
#[inline]
fn load4(s: &[u8], off: usize) -> __m128i {
    let s: &[u8; 4] = s[off..off + 4].try_into().expect("4 bytes");
    // SAFETY: `s` is a valid reference to 4 readable bytes; the load is unaligned.
    unsafe { _mm_loadu_si32(s.as_ptr()) }
}

/// Stores the low 4 bytes of `v` to `d[off..off + 4]` (panics when out of bounds).
#[target_feature(enable = "sse2")]
#[inline]
fn store4(d: &mut [u8], off: usize, v: __m128i) {
    let d: &mut [u8; 4] = (&mut d[off..off + 4]).try_into().expect("4 bytes");
    // SAFETY: `d` is a valid exclusive reference to 4 writable bytes; the store is unaligned.
    unsafe { _mm_storeu_si32(d.as_mut_ptr(), v) }
}

/// Loads eight `i16` at `s[off..off + 8]` (panics when out of bounds).
#[target_feature(enable = "sse2")]
#[inline]
fn load_i16x8(s: &[i16], off: usize) -> __m128i {
    let s: &[i16; 8] = s[off..off + 8].try_into().expect("8 values");
    // SAFETY: `s` is a valid reference to 16 readable bytes; the load is unaligned.
    unsafe { _mm_loadu_si128(s.as_ptr().cast()) }
}

/// Stores eight `i16` to `d[off..off + 8]` (panics when out of bounds).
#[target_feature(enable = "sse2")]
#[inline]
fn store_i16x8(d: &mut [i16], off: usize, v: __m128i) {
    let d: &mut [i16; 8] = (&mut d[off..off + 8]).try_into().expect("8 values");
    // SAFETY: `d` is a valid exclusive reference to 16 writable bytes; the store is unaligned.
    unsafe { _mm_storeu_si128(d.as_mut_ptr().cast(), v) }
}

/// `prefetcht0` of `data[start + k * stride]` for `k < rows` (see [`super::prefetch_rows`]).
#[inline]
pub fn prefetch_rows(data: &[u8], start: usize, stride: usize, rows: usize) {
    // Rows past the end are dropped by this bound, checked once (not per row).
    let rows = super::prefetch_rows_within(data.len(), start, stride, rows);
    let base = data.as_ptr().wrapping_add(start);
    for k in 0..rows {
        // SAFETY: a prefetch reads nothing architecturally and cannot fault; the address is
        // that of a byte of `data` (start + k * stride < data.len(), which the bound above
        // guarantees and `dsp::tests` checks), and
        // it is never dereferenced.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(base.wrapping_add(k * stride).cast()) };
    }
}

/// `prefetcht0` of every cache line of `v` (see [`super::prefetch_value`]).
#[inline]
pub fn prefetch_value<T>(v: &T) {
    let p = (v as *const T).cast::<u8>();
    for off in (0..std::mem::size_of::<T>()).step_by(64) {
        // SAFETY: a prefetch reads nothing architecturally and cannot fault; the address lies
        // within `v` and is never dereferenced.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(off).cast()) };
    }
}

/// The SSE2 kernels (SSE2 is part of x86-64, so they always run).
pub fn sse2_kernels() -> Kernels {
    Kernels {
        isa: Isa::Sse2,
        sad: [
            sse2_entry::sad16x16,
            sse2_entry::sad16x8,
            sse2_entry::sad8x16,
            sse2_entry::sad8x8,
            sse2_entry::sad4x4,
        ],
        satd: [
            sse2_entry::satd16x16,
            sse2_entry::satd16x8,
            sse2_entry::satd8x16,
            sse2_entry::satd8x8,
            sse2_entry::satd4x4,
        ],
        sad16x16_x4: sse2_entry::sad16x16_x4,
        satd_avg16x16: sse2_satd_avg16x16,
        code4x4: sse2_entry::code4x4,
        satd4x4_axis: sse2_entry::satd4x4_axis,
        predict4x4_diag: sse2_entry::predict4x4_diag,
        rgb_to_nv12_rows: crate::dsp::scalar::rgb_to_nv12_rows,
        quant_strips: sse2_entry::quant_strips,
        recon_strips: sse2_entry::recon_strips,
        deinterleave_uv: sse2_entry::deinterleave_uv,
        deblock_luma_edge: sse2_entry::deblock_luma_edge,
        deblock_chroma_edge2: sse2_deblock_chroma_edge2,
        mc_chroma8: crate::dsp::scalar::mc_chroma8,
        mc_chroma8x2: crate::dsp::scalar::mc_chroma8x2,
        avg_block: sse2_entry::avg_block,
        hpel_row_h: sse2_entry::hpel_row_h,
        hpel_row_v: sse2_entry::hpel_row_v,
        hpel_row_c: sse2_entry::hpel_row_c,
    }
}

/// SATD against an average with SSE2: the average into a buffer, then the SATD kernel.
fn sse2_satd_avg16x16(s: &[u8], ss: usize, a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    let mut avg = [0u8; 256];
    sse2_entry::avg_block(a, sa, b, sb, &mut avg, 16, 16);
    sse2_entry::satd16x16(s, ss, &avg, 16)
}

/// Both chroma planes' edge with SSE2: the one-plane kernel on each.
fn sse2_deblock_chroma_edge2(u: &mut [u8], v: &mut [u8], e: &crate::dsp::Edge) {
    sse2_entry::deblock_chroma_edge(u, e);
    sse2_entry::deblock_chroma_edge(v, e);
}

/// The AVX2 kernels (SSE2 ones where AVX2 gains nothing), or `None` without AVX2.
pub fn avx2_kernels() -> Option<Kernels> {
    if !(std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("popcnt"))
    {
        return None;
    }
    Some(Kernels {
        isa: Isa::Avx2,
        sad: [
            avx2_entry::sad16x16,
            avx2_entry::sad16x8,
            sse2_entry::sad8x16,
            sse2_entry::sad8x8,
            sse2_entry::sad4x4,
        ],
        satd: [
            avx2_entry::satd16x16,
            avx2_entry::satd16x8,
            avx2_entry::satd8x16,
            avx2_entry::satd8x8,
            sse2_entry::satd4x4,
        ],
        sad16x16_x4: avx2_entry::sad16x16_x4,
        satd_avg16x16: avx2_entry::satd_avg16x16,
        code4x4: sse2_entry::code4x4,
        satd4x4_axis: sse2_entry::satd4x4_axis,
        predict4x4_diag: sse2_entry::predict4x4_diag,
        rgb_to_nv12_rows: avx2_entry::rgb_to_nv12_rows,
        quant_strips: avx2_entry::quant_strips,
        recon_strips: avx2_entry::recon_strips,
        deinterleave_uv: avx2_entry::deinterleave_uv,
        deblock_luma_edge: avx2_entry::deblock_luma_edge,
        deblock_chroma_edge2: avx2_entry::deblock_chroma_edge2,
        mc_chroma8: avx2_entry::mc_chroma8,
        mc_chroma8x2: avx2_entry::mc_chroma8x2,
        avg_block: sse2_entry::avg_block,
        hpel_row_h: avx2_entry::hpel_row_h,
        hpel_row_v: avx2_entry::hpel_row_v,
        hpel_row_c: avx2_entry::hpel_row_c,
    })
}

/// Expands to safe wrappers `$name` calling `$module::$name`, a `#[target_feature]` function.
macro_rules! entries {
    ($module:ident, $($name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)?;)*) => {$(
        #[allow(clippy::too_many_arguments)]
        pub(super) fn $name($($arg: $ty),*) $(-> $ret)? {
            // SAFETY: see the enclosing module: the CPU has the target feature.
            unsafe { super::$module::$name($($arg),*) }
        }
    )*};
}

/// Safe entry points into the SSE2 functions. SSE2 is part of the x86-64 baseline (every
/// x86-64 CPU has it), so calling them is always sound.
mod sse2_entry {
    entries! {
        sse2,
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
        satd4x4_axis(src: &[u8], stride: usize, top: &[u8; 4], left: &[u8; 4], dc: u8) -> [u32; 3];
        predict4x4_diag(top: u64, left: u32, top_left: u8, mode: u8, out: &mut [u8; 16]);
        deinterleave_uv(uv: &[u8], u: &mut [u8], v: &mut [u8]);
        deblock_luma_edge(d: &mut [u8], e: &crate::dsp::Edge);
        code4x4(src: &[u8], ss: usize, pred: &[u8], ps: usize, q: &crate::dsp::QuantParams, levels: &mut [i32; 16], recon: &mut [u8], rs: usize) -> u32;
        deblock_chroma_edge(d: &mut [u8], e: &crate::dsp::Edge);
        avg_block(a: &[u8], sa: usize, b: &[u8], sb: usize, out: &mut [u8], w: usize, h: usize);
        hpel_row_h(src: &[u8], b1: &mut [i16], b: &mut [u8]);
        hpel_row_v(r: [&[u8]; 6], h1: &mut [i16], out: &mut [u8]);
        hpel_row_c(r: [&[i16]; 6], out: &mut [u8]);
        quant_strips(src: &[u8], pred: &[u8], q: &crate::dsp::QuantParams, dc_apart: bool, levels: &mut [[i16; 16]], dc: &mut [i32], nz: &mut [u16]);
        recon_strips(levels: &[[i16; 16]], dc: Option<&[i32]>, pred: &[u8], q: &crate::dsp::QuantParams, recon: &mut [u8]);
    }
}

/// Safe entry points into the AVX2 functions. They are only handed out by [`avx2_kernels`],
/// which checks `is_x86_feature_detected!` for AVX2 and POPCNT first, so the CPU supports
/// every feature they enable.
mod avx2_entry {
    entries! {
        avx2,
        sad16x16(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32;
        sad16x8(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32;
        sad16x16_x4(src: &[u8], ss: usize, refs: [&[u8]; 4], rs: usize) -> [u32; 4];
        satd16x16(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32;
        satd16x8(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32;
        satd8x16(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32;
        satd8x8(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32;
        deinterleave_uv(uv: &[u8], u: &mut [u8], v: &mut [u8]);
        hpel_row_h(src: &[u8], b1: &mut [i16], b: &mut [u8]);
        hpel_row_v(r: [&[u8]; 6], h1: &mut [i16], out: &mut [u8]);
        hpel_row_c(r: [&[i16]; 6], out: &mut [u8]);
        deblock_luma_edge(d: &mut [u8], e: &crate::dsp::Edge);
        deblock_chroma_edge2(u: &mut [u8], v: &mut [u8], e: &crate::dsp::Edge);
        satd_avg16x16(s: &[u8], ss: usize, a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32;
        mc_chroma8(src: &[u8], stride: usize, fx: u32, fy: u32, out: &mut [u8]);
        mc_chroma8x2(cb: &[u8], cr: &[u8], stride: usize, fx: u32, fy: u32, out: &mut [u8; 128]);
        rgb_to_nv12_rows(row0: &[u8], row1: &[u8], y0: &mut [u8], y1: &mut [u8], uv: &mut [u8], layout: crate::dsp::PixelLayout, siting: crate::dsp::ChromaSiting);
        quant_strips(src: &[u8], pred: &[u8], q: &crate::dsp::QuantParams, dc_apart: bool, levels: &mut [[i16; 16]], dc: &mut [i32], nz: &mut [u16]);
        recon_strips(levels: &[[i16; 16]], dc: Option<&[i32]>, pred: &[u8], q: &crate::dsp::QuantParams, recon: &mut [u8]);
    }
}
