//! Hot kernels (SAD, SATD, quantisation, 4x4 transforms, deblocking, chroma deinterleave,
//! half-sample interpolation and quarter-sample averaging), as tables of function pointers, one
//! per instruction-set level ([`Isa`]).
//!
//! [`Kernels::get`] builds each level's table once per process. Every variant returns exactly
//! the scalar results (integer code, checked by property tests, by the `check-asm` feature on
//! real encodes, and by `tests/isa_levels.rs` on whole streams), so the choice never changes the
//! bitstream.
//!
//! Which table runs: each encoder picks one when it is built (`Config::isa`, see
//! [`Kernels::best`]) and installs it on its threads while it works ([`KernelScope`]); callers
//! reach it through [`kernels`]. Outside an encoder (the colour conversions, say) [`kernels`]
//! returns [`default_kernels`]: the best instruction set the CPU reports
//! (`is_x86_feature_detected!`; SSE2 is the x86-64 baseline; NEON is the aarch64 baseline).
//!
//! The environment variable `RTENC_CPU`, read once, caps every choice in the process: `scalar`
//! forces the portable kernels, `sse2` allows at most SSE2 (on aarch64: scalar), `avx2` at most
//! AVX2 (on aarch64: scalar), `neon` (or unset / anything else) the best available.
//!
//! With the cargo feature `check-asm` every SIMD table's entries also run the scalar twin on the
//! same inputs and panic on any difference (see `check.rs`); without it nothing of that is
//! compiled.
//!
//! Layout: `scalar.rs` holds the one portable implementation of each kernel; `x86/` the SSE2
//! and AVX2 variants, `neon.rs` the aarch64 NEON ones (the only `unsafe` code of the crate:
//! SIMD loads and stores, and calls into `#[target_feature]` functions after detection).
//! `neon.rs` is compiled for `target_arch = "aarch64"` with `target_feature = "neon"`, which
//! every aarch64 target enables by default (NEON is part of the aarch64 baseline); its kernels
//! still carry `#[target_feature(enable = "neon")]`, which std's intrinsics need to be called
//! without `unsafe`.

use std::cell::Cell;
use std::sync::OnceLock;

#[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
#[allow(unsafe_code)]
mod neon;
pub mod scalar;
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod x86;

/// An instruction-set level a kernel table is built for, in increasing order (levels of
/// different architectures never meet: a CPU supports those of one only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Isa {
    /// Portable Rust.
    Scalar,
    /// x86-64 SSE2 (always present on x86-64).
    Sse2,
    /// x86-64 AVX2.
    Avx2,
    /// aarch64 NEON (Advanced SIMD, always present on aarch64).
    Neon,
}

impl Isa {
    /// Every level, lowest first.
    pub const ALL: [Isa; 4] = [Isa::Scalar, Isa::Sse2, Isa::Avx2, Isa::Neon];

    /// Lower-case name, as `RTENC_CPU` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Sse2 => "sse2",
            Isa::Avx2 => "avx2",
            Isa::Neon => "neon",
        }
    }

    /// Whether this CPU can run the level's kernels.
    pub fn is_supported(self) -> bool {
        match self {
            Isa::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Sse2 => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("popcnt")
            }
            #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
            Isa::Neon => std::arch::is_aarch64_feature_detected!("neon"),
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }
}

/// The block sizes with dedicated SAD/SATD kernels (index into [`Kernels::sad`] and
/// [`Kernels::satd`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockSize {
    /// 16x16 (macroblock, P_L0_16x16).
    B16x16 = 0,
    /// 16x8 partition.
    B16x8 = 1,
    /// 8x16 partition.
    B8x16 = 2,
    /// 8x8 (sub-macroblock, chroma block).
    B8x8 = 3,
    /// 4x4 (transform block).
    B4x4 = 4,
}

impl BlockSize {
    #[cfg(any(test, feature = "internals", feature = "check-asm"))]
    /// Every size, in table order.
    pub const ALL: [BlockSize; 5] = [
        BlockSize::B16x16,
        BlockSize::B16x8,
        BlockSize::B8x16,
        BlockSize::B8x8,
        BlockSize::B4x4,
    ];

    /// The size of a `w` x `h` block, if it has kernels.
    #[inline]
    pub fn from_dims(w: usize, h: usize) -> Option<BlockSize> {
        Some(match (w, h) {
            (16, 16) => BlockSize::B16x16,
            (16, 8) => BlockSize::B16x8,
            (8, 16) => BlockSize::B8x16,
            (8, 8) => BlockSize::B8x8,
            (4, 4) => BlockSize::B4x4,
            _ => return None,
        })
    }

    #[cfg(any(test, feature = "internals", feature = "check-asm"))]
    /// Width and height in samples.
    pub fn dims(self) -> (usize, usize) {
        match self {
            BlockSize::B16x16 => (16, 16),
            BlockSize::B16x8 => (16, 8),
            BlockSize::B8x16 => (8, 16),
            BlockSize::B8x8 => (8, 8),
            BlockSize::B4x4 => (4, 4),
        }
    }
}

/// A block comparison `(a, a_stride, b, b_stride) -> distortion` for one fixed block size. Panics
/// when a slice is too short for the block.
pub type PixelCmpFn = fn(&[u8], usize, &[u8], usize) -> u32;

/// `sad_x4(src, src_stride, refs, ref_stride) -> [SAD; 4]`: the 16x16 SAD of one source block
/// against four reference blocks sharing a stride (four motion search points in one pass over
/// the source). Panics when a slice is too short.
pub type SadX4Fn = fn(&[u8], usize, [&[u8]; 4], usize) -> [u32; 4];

/// `satd_avg(src, src_stride, a, a_stride, b, b_stride) -> SATD` of a 16x16 block against the
/// rounded average of two blocks (a quarter-sample luma prediction, see [`scalar::avg_block`]),
/// without storing that average.
pub type PixelCmpAvgFn = fn(&[u8], usize, &[u8], usize, &[u8], usize) -> u32;

/// `deinterleave_uv(uv, u, v)`: `u[x] = uv[2x]`, `v[x] = uv[2x + 1]` for every `x < u.len()`.
pub type DeinterleaveFn = fn(&[u8], &mut [u8], &mut [u8]);

/// One deblocking edge (8.7.2): 16 lines for [`Kernels::deblock_luma_edge`] (line `k` in
/// segment `k / 4`), 8 for [`Kernels::deblock_chroma_edge2`] (4:2:0: segment `k / 2`). Line `k`
/// has q_i at `q0 + k * along + i * across` and p_i at `q0 + k * along - (i + 1) * across`, and
/// uses its segment's bS and the tC0 of that bS (unused for bS 0 and 4).
#[derive(Debug, Clone, Copy)]
pub struct Edge {
    /// Index of q0 on the first line.
    pub q0: usize,
    /// Step from p0 to q0 (the row stride for a horizontal edge, 1 for a vertical one).
    pub across: usize,
    /// Step from one line to the next (1 for a horizontal edge, the stride for a vertical one).
    pub along: usize,
    /// Boundary strength per 4-line segment.
    pub bs: [u8; 4],
    /// alpha (8.7.2.2), in `0..=255`.
    pub alpha: i32,
    /// beta (8.7.2.2), in `0..=18`.
    pub beta: i32,
    /// tC0 (Table 8-17) by bS: entry `b` for bS `b` in 1..=3, each in `0..=25`; entry 0 is
    /// unused (as is tC0 for bS 4). One table for the whole edge, so that kernels can look the
    /// four segments' values up at once.
    pub tc0: [u8; 4],
}

impl Edge {
    /// tC0 of segment `seg` (0 where its bS is 0 or 4, which use none).
    #[inline]
    pub fn seg_tc0(&self, seg: usize) -> u8 {
        match self.bs[seg] {
            b @ 1..=3 => self.tc0[usize::from(b)],
            _ => 0,
        }
    }
}

/// The constants [`Kernels::code4x4`] needs for one qP and dead zone (built by
/// `common::quant::params4x4`). Every array is in raster order and symmetric under
/// transposition (the scale class of (i, j) is that of (j, i)), which kernels may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuantParams {
    /// Forward multipliers MF per position, each below 2^14.
    pub mf: [i16; 16],
    /// Scaling of a level back to a coefficient, `LevelScale4x4 << (qP / 6)`, each below 2^13.
    pub dq: [i16; 16],
    /// Dead-zone rounding offset, below 2^23.
    pub offset: i32,
    /// `15 + qP / 6`.
    pub qbits: u32,
    /// A residual whose absolute sum is at most this quantises to all zeros (a proven bound,
    /// `common::quant::quant4x4_all_zero`), so kernels may skip the transform.
    pub zero_limit: u32,
}

/// `code4x4(src, ss, pred, ps, q, levels, recon, rs) -> non-zero count`: one whole 4x4 block
/// from samples to levels and back. `src`, `pred` and `recon` hold the block's rows at their
/// strides (row `k` at `k * stride`). Residual `src - pred`, forward core transform,
/// quantisation (as [`scalar::quant4x4`] with `q`'s multipliers, all 16 positions), the levels in
/// zig-zag scan order into `levels`, then (when any level is non-zero) scaling, the inverse
/// transform and `Clip1(pred + residual)` into `recon`; with no level left `recon` is `pred`.
/// See [`scalar::code4x4`].
///
/// Blocks are read and written row by row on purpose: callers often assemble a block from
/// 4-byte rows just before, and a 16-byte load of such rows stalls until those stores complete
/// (no store-to-load forwarding across several stores).
pub type Code4x4Fn =
    fn(&[u8], usize, &[u8], usize, &QuantParams, &mut [i32; 16], &mut [u8], usize) -> u32;

/// `satd4x4_axis(src, stride, top, left, dc) -> [V, H, DC]`: the SATD of a 4x4 source block
/// against the three axis predictions of Intra_4x4 — every row `top`, every column `left`,
/// flat `dc` — each equal to the 4x4 SATD kernel on that prediction. See
/// [`scalar::satd4x4_axis`].
pub type Satd4x4AxisFn = fn(&[u8], usize, &[u8; 4], &[u8; 4], u8) -> [u32; 3];

/// `predict4x4_diag(top, left, top_left, mode, out)`: Intra_4x4 prediction of a diagonal mode
/// (3 to 8) from p[0..8, -1] and p[-1, 0..4] as little-endian words and p[-1, -1], into `out`
/// (raster 4x4). See [`scalar::predict4x4_diag`].
pub type Predict4x4DiagFn = fn(u64, u32, u8, u8, &mut [u8; 16]);

/// `quant_strips(src, pred, q, dc_apart, levels, dc, nz)`: the forward path of `n` strips
/// of four 4x4 blocks side by side. `src` and `pred` hold `4 n` rows of 16 samples (stride 16,
/// `64 n` samples each); block `b` (`levels.len() == nz.len() == 4 n`) is strip `b / 4`,
/// column `b % 4`. Per block: residual, forward core transform and quantisation as
/// [`Code4x4Fn`], the levels in zig-zag scan order into `levels[b]` and the mask of the
/// non-zero ones into `nz[b]` (bit `i` set when `levels[b][i] != 0`: its `count_ones` is the
/// block's total_coeff, and decimation walks its set bits instead of the 16 levels). With
/// `dc_apart` (Intra_16x16, chroma: the DC is coded through its own transform) position 0 is
/// not quantised: `levels[b][0]` is 0 (bit 0 clear) and the unquantised DC coefficient goes
/// to `dc[b]` (`dc.len() == 4 n`; `dc` is untouched otherwise). See [`scalar::quant_strips`].
pub type QuantStripsFn =
    fn(&[u8], &[u8], &QuantParams, bool, &mut [[i16; 16]], &mut [i32], &mut [u16]);

/// `recon_strips(levels, dc, pred, q, recon)`: the reconstruction of such blocks from their
/// zig-zag levels (as [`QuantStripsFn`] lays them out): scaling with `q`, the already scaled
/// DC `dc[b]` at position 0 when `dc` is given, the inverse transform and `Clip1(pred +
/// residual)` into `recon` (same layout as `pred`). A block without levels (and DC) comes out
/// as its prediction. See [`scalar::recon_strips`].
pub type ReconStripsFn = fn(&[[i16; 16]], Option<&[i32]>, &[u8], &QuantParams, &mut [u8]);

/// Byte order of the packed input pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelLayout {
    /// 3 bytes per pixel: R, G, B.
    Rgb,
    /// 4 bytes per pixel: R, G, B, A (alpha ignored).
    Rgba,
    /// 3 bytes per pixel: B, G, R.
    Bgr,
    /// 4 bytes per pixel: B, G, R, A (alpha ignored).
    Bgra,
}

impl PixelLayout {
    /// Bytes per pixel.
    pub fn bytes_per_pixel(self) -> usize {
        match self {
            PixelLayout::Rgb | PixelLayout::Bgr => 3,
            PixelLayout::Rgba | PixelLayout::Bgra => 4,
        }
    }

    /// Offsets of R, G and B within a pixel.
    #[cfg(test)]
    pub(crate) fn rgb_offsets(self) -> (usize, usize, usize) {
        match self {
            PixelLayout::Rgb | PixelLayout::Rgba => (0, 1, 2),
            PixelLayout::Bgr | PixelLayout::Bgra => (2, 1, 0),
        }
    }
}

/// How each chroma sample is derived from its 2x2 block of pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChromaSiting {
    /// The mean of the four pixels.
    Average,
    /// The top-left pixel only.
    TopLeft,
}

/// `rgb_to_nv12_rows(row0, row1, y0, y1, uv, layout, siting)`: two rows of `n = y0.len()`
/// packed pixels (each row at least `n` pixels) to their luma rows `y0`, `y1` and the `n` bytes
/// of interleaved chroma `uv` (see [`scalar::rgb_to_nv12_rows`]); `n` even, `y1` and `uv` also
/// `n` long.
pub type RgbToNv12RowsFn =
    fn(&[u8], &[u8], &mut [u8], &mut [u8], &mut [u8], PixelLayout, ChromaSiting);

/// `deblock_*_edge(samples, edge)`: filters one edge in place.
pub type EdgeFn = fn(&mut [u8], &Edge);

/// `deblock_chroma_edge2(cb, cr, edge)`: filters the same chroma edge in place in both chroma
/// planes (which share one layout), as [`scalar::deblock_chroma_edge`] on each.
pub type Edge2Fn = fn(&mut [u8], &mut [u8], &Edge);

/// `mc_chroma8(src, stride, fx, fy, out)`: the chroma sample interpolation (8.4.2.2.2) of a
/// block 8 samples wide and `out.len() / 8` rows high (at most 8) at eighth-sample fraction
/// `(fx, fy)` (each `0..8`): `out[8 r + x] = ((8 - fx)(8 - fy) A + fx (8 - fy) B + (8 - fx)
/// fy C + fx fy D + 32) >> 6` with A = `src[r * stride + x]`, B right of it, C below, D
/// below-right, so rows `0..=h` of 9 samples are read. See [`scalar::mc_chroma8`].
pub type McChroma8Fn = fn(&[u8], usize, u32, u32, &mut [u8]);

/// `mc_chroma8x2(cb, cr, stride, fx, fy, out)`: [`McChroma8Fn`] of an 8x8 block in each of
/// the two chroma planes (which share one layout) at the same position and fraction, side by
/// side: row `r` of `out` is Cb's output row `r` then Cr's (16 samples). See
/// [`scalar::mc_chroma8x2`].
pub type McChroma8x2Fn = fn(&[u8], &[u8], usize, u32, u32, &mut [u8; 128]);

/// `avg_block(a, sa, b, sb, out, w, h)`: the rounded average of two `w` x `h` blocks into `out`
/// (stride `w`; see [`scalar::avg_block`]).
pub type AvgBlockFn = fn(&[u8], usize, &[u8], usize, &mut [u8], usize, usize);

/// `hpel_row_h(src, b1, b)`: the horizontal half-sample filter along a row (see
/// [`scalar::hpel_row_h`]).
pub type HpelRowHFn = fn(&[u8], &mut [i16], &mut [u8]);

/// `hpel_row_v(rows, h1, out)`: the vertical half-sample filter over six rows of samples (see
/// [`scalar::hpel_row_v`]).
pub type HpelRowVFn = fn([&[u8]; 6], &mut [i16], &mut [u8]);

/// `hpel_row_c(rows, out)`: the centre half sample from six rows of intermediates (see
/// [`scalar::hpel_row_c`]).
pub type HpelRowCFn = fn([&[i16]; 6], &mut [u8]);

/// One instruction set's kernels.
#[derive(Clone, Copy)]
pub struct Kernels {
    /// The level these kernels need.
    pub isa: Isa,
    /// Sum of absolute differences, indexed by [`BlockSize`].
    pub sad: [PixelCmpFn; 5],
    /// SATD (sum over 4x4 blocks of half the absolute Hadamard sum), indexed by [`BlockSize`].
    pub satd: [PixelCmpFn; 5],
    /// 16x16 SAD against four blocks at once (see [`SadX4Fn`]).
    pub sad16x16_x4: SadX4Fn,
    /// SATD of a 16x16 block against the average of two (see [`PixelCmpAvgFn`]).
    pub satd_avg16x16: PixelCmpAvgFn,
    /// A whole 4x4 block: transform, quantisation, scan and reconstruction (see [`Code4x4Fn`]).
    pub code4x4: Code4x4Fn,
    /// SATDs of a 4x4 block against the three axis Intra_4x4 predictions (see
    /// [`Satd4x4AxisFn`]).
    pub satd4x4_axis: Satd4x4AxisFn,
    /// Diagonal Intra_4x4 prediction (see [`Predict4x4DiagFn`]).
    pub predict4x4_diag: Predict4x4DiagFn,
    /// Forward path of strips of four 4x4 blocks (see [`QuantStripsFn`]).
    pub quant_strips: QuantStripsFn,
    /// Reconstruction of such strips (see [`ReconStripsFn`]).
    pub recon_strips: ReconStripsFn,
    /// Two rows of RGB(A)/BGR(A) pixels to NV12 (see [`RgbToNv12RowsFn`]).
    pub rgb_to_nv12_rows: RgbToNv12RowsFn,
    /// NV12 chroma row to planar Cb and Cr rows (see [`scalar::deinterleave_uv`]).
    pub deinterleave_uv: DeinterleaveFn,
    /// The luma deblocking filter along one macroblock or 4x4 edge (see [`Edge`]).
    pub deblock_luma_edge: EdgeFn,
    /// The chroma deblocking filter along one 8-sample edge of both chroma planes (see
    /// [`Edge`] and [`Edge2Fn`]).
    pub deblock_chroma_edge2: Edge2Fn,
    /// Chroma interpolation of an 8-wide block (see [`McChroma8Fn`]).
    pub mc_chroma8: McChroma8Fn,
    /// Chroma interpolation of an 8x8 block in both chroma planes, side by side (see
    /// [`McChroma8x2Fn`]).
    pub mc_chroma8x2: McChroma8x2Fn,
    /// Rounded average of two blocks (quarter-sample luma prediction).
    pub avg_block: AvgBlockFn,
    /// Horizontal half-sample filter of one row (with its unrounded intermediates).
    pub hpel_row_h: HpelRowHFn,
    /// Vertical half-sample filter of one row.
    pub hpel_row_v: HpelRowVFn,
    /// Centre half-sample filter of one row.
    pub hpel_row_c: HpelRowCFn,
}

impl std::fmt::Debug for Kernels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kernels").field("isa", &self.isa).finish()
    }
}

/// Asks the CPU to bring the cache lines holding `data[start + k * stride]`, `k < rows`, close
/// (a hint: it changes no result; offsets past the end of `data` are skipped). A macroblock's
/// source and reference rows lie in as many cache lines as rows; fetching the next
/// macroblock's while this one is coded hides their latency.
#[inline]
pub fn prefetch_rows(data: &[u8], start: usize, stride: usize, rows: usize) {
    #[cfg(target_arch = "x86_64")]
    x86::prefetch_rows(data, start, stride, rows);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (data, start, stride, rows);
}

/// How many of the `rows` rows `start + k * stride` lie in `len` bytes: the largest `n <= rows`
/// with `start + k * stride < len` for every `k < n` (for stride 0, where every row is row 0,
/// at most `len - start` of them). [`prefetch_rows`]'s kernels keep their addresses within the
/// data with it.
#[inline]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
fn prefetch_rows_within(len: usize, start: usize, stride: usize, rows: usize) -> usize {
    // Every row inside (the usual case, ten times per macroblock): no division.
    if stride > 0 && rows > 0 {
        let last = (rows - 1)
            .checked_mul(stride)
            .and_then(|o| o.checked_add(start));
        if last.is_some_and(|a| a < len) {
            return rows;
        }
    }
    rows.min(len.saturating_sub(start).div_ceil(stride.max(1)))
}

/// [`prefetch_rows`] for the cache lines of one value (a macroblock's state, say).
#[inline]
pub fn prefetch_value<T>(v: &T) {
    #[cfg(target_arch = "x86_64")]
    x86::prefetch_value(v);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = v;
}

/// The portable kernels.
pub const SCALAR: Kernels = Kernels {
    isa: Isa::Scalar,
    sad: [
        scalar::sad16x16,
        scalar::sad16x8,
        scalar::sad8x16,
        scalar::sad8x8,
        scalar::sad4x4,
    ],
    satd: [
        scalar::satd16x16,
        scalar::satd16x8,
        scalar::satd8x16,
        scalar::satd8x8,
        scalar::satd4x4,
    ],
    sad16x16_x4: scalar::sad16x16_x4,
    satd_avg16x16: scalar::satd_avg16x16,
    code4x4: scalar::code4x4,
    satd4x4_axis: scalar::satd4x4_axis,
    predict4x4_diag: scalar::predict4x4_diag,
    rgb_to_nv12_rows: scalar::rgb_to_nv12_rows,
    quant_strips: scalar::quant_strips,
    recon_strips: scalar::recon_strips,
    deinterleave_uv: scalar::deinterleave_uv,
    deblock_luma_edge: scalar::deblock_luma_edge,
    deblock_chroma_edge2: scalar::deblock_chroma_edge2,
    mc_chroma8: scalar::mc_chroma8,
    mc_chroma8x2: scalar::mc_chroma8x2,
    avg_block: scalar::avg_block,
    hpel_row_h: scalar::hpel_row_h,
    hpel_row_v: scalar::hpel_row_v,
    hpel_row_c: scalar::hpel_row_c,
};

impl Kernels {
    /// The table of `isa` that encoders use, or `None` when this CPU (or build target) cannot
    /// run it. Each level's table is built once per process. With the `check-asm` feature every
    /// SIMD table is a checking one (see the module documentation).
    pub fn get(isa: Isa) -> Option<&'static Kernels> {
        static TABLES: [OnceLock<Option<Kernels>>; 4] = [const { OnceLock::new() }; 4];
        TABLES[isa as usize]
            .get_or_init(|| {
                #[cfg(feature = "check-asm")]
                if isa != Isa::Scalar {
                    return raw(isa).map(|_| check::checking(isa));
                }
                raw(isa).copied()
            })
            .as_ref()
    }

    /// A copy of [`Kernels::get`]'s table of `isa`.
    pub fn for_isa(isa: Isa) -> Option<Kernels> {
        Kernels::get(isa).copied()
    }

    /// The kernel tables this CPU can run, lowest level first (for tests and benchmarks).
    pub fn available() -> impl Iterator<Item = Kernels> {
        Isa::ALL.into_iter().filter_map(Kernels::for_isa)
    }

    /// The highest level this CPU runs that is at most `cap` and at most the process-wide cap
    /// of `RTENC_CPU` (scalar at worst).
    pub fn best(cap: Isa) -> &'static Kernels {
        let cap = cap.min(env_cap());
        Isa::ALL
            .into_iter()
            .rev()
            .filter(|&isa| isa <= cap)
            .find_map(Kernels::get)
            .unwrap_or(&SCALAR)
    }
}

/// The kernels of `isa` themselves (never checking ones), built once per process.
fn raw(isa: Isa) -> Option<&'static Kernels> {
    static RAW: [OnceLock<Option<Kernels>>; 4] = [const { OnceLock::new() }; 4];
    RAW[isa as usize]
        .get_or_init(|| {
            if !isa.is_supported() {
                return None;
            }
            match isa {
                Isa::Scalar => Some(SCALAR),
                #[cfg(target_arch = "x86_64")]
                Isa::Sse2 => Some(x86::sse2_kernels()),
                #[cfg(target_arch = "x86_64")]
                Isa::Avx2 => x86::avx2_kernels(),
                #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
                Isa::Neon => neon::neon_kernels(),
                #[allow(unreachable_patterns)]
                _ => None,
            }
        })
        .as_ref()
}

/// The CPU features this process detects that matter to rtenc's kernels (and a few more for
/// reference), by the names `is_x86_feature_detected!` / `is_aarch64_feature_detected!` use;
/// `rtenc info` and the Python `info()` print them.
pub fn cpu_features() -> Vec<&'static str> {
    #[allow(unused_mut)]
    let mut found = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        for (name, on) in [
            ("sse2", has!("sse2")),
            ("ssse3", has!("ssse3")),
            ("sse4.1", has!("sse4.1")),
            ("popcnt", has!("popcnt")),
            ("avx2", has!("avx2")),
            ("avx512f", has!("avx512f")),
        ] {
            if on {
                found.push(name);
            }
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        use std::arch::is_aarch64_feature_detected as has;
        for (name, on) in [
            ("neon", has!("neon")),
            ("dotprod", has!("dotprod")),
            ("sve", has!("sve")),
            ("sve2", has!("sve2")),
        ] {
            if on {
                found.push(name);
            }
        }
    }
    found
}

/// What `rtenc info` reports: the architecture, [`cpu_features`], the kernel sets this CPU can
/// run ([`Kernels::available`]), the process-wide one ([`default_kernels`]) and `RTENC_CPU` as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuInfo {
    /// `std::env::consts::ARCH` (`x86_64`, `aarch64`, ...).
    pub arch: &'static str,
    /// See [`cpu_features`].
    pub features: Vec<&'static str>,
    /// Names of the kernel sets this CPU can run, lowest first (`scalar`, `sse2`, ...).
    pub available: Vec<&'static str>,
    /// Name of the process-wide kernel set (encoders without `Config::isa` use it).
    pub kernels: &'static str,
    /// The value of `RTENC_CPU`, if set.
    pub rtenc_cpu: Option<String>,
}

impl CpuInfo {
    /// The current process's.
    pub fn detect() -> CpuInfo {
        CpuInfo {
            arch: std::env::consts::ARCH,
            features: cpu_features(),
            available: Kernels::available().map(|k| k.isa.name()).collect(),
            kernels: default_kernels().isa.name(),
            rtenc_cpu: std::env::var("RTENC_CPU").ok(),
        }
    }
}

impl std::fmt::Display for CpuInfo {
    /// One `key: value` line each: `arch`, `cpu features`, `kernel sets`, `kernels` (the one
    /// in use, with the `RTENC_CPU` cap when set).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let none = |v: &[&str]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(" ")
            }
        };
        writeln!(f, "arch: {}", self.arch)?;
        writeln!(f, "cpu features: {}", none(&self.features))?;
        writeln!(f, "kernel sets: {}", none(&self.available))?;
        match &self.rtenc_cpu {
            Some(cap) => writeln!(f, "kernels: {} (RTENC_CPU={cap})", self.kernels),
            None => writeln!(f, "kernels: {}", self.kernels),
        }
    }
}

/// The highest level allowed by `RTENC_CPU` (see the module documentation), read once.
fn env_cap() -> Isa {
    static CAP: OnceLock<Isa> = OnceLock::new();
    *CAP.get_or_init(|| match std::env::var("RTENC_CPU") {
        Ok(v) if v.eq_ignore_ascii_case("scalar") => Isa::Scalar,
        Ok(v) if v.eq_ignore_ascii_case("sse2") => Isa::Sse2,
        Ok(v) if v.eq_ignore_ascii_case("avx2") => Isa::Avx2,
        _ => Isa::Neon,
    })
}

/// The process-wide kernels: the best this CPU runs under the `RTENC_CPU` cap.
pub fn default_kernels() -> &'static Kernels {
    static DEFAULT: OnceLock<&'static Kernels> = OnceLock::new();
    DEFAULT.get_or_init(|| Kernels::best(Isa::Neon))
}

thread_local! {
    /// The table an encoder installed on this thread for the duration of its work (see
    /// [`KernelScope`]); `None` outside any.
    static CURRENT: Cell<Option<&'static Kernels>> = const { Cell::new(None) };
}

/// The kernels every caller uses: the table of the encoder working on this thread (installed
/// by a [`KernelScope`]), else [`default_kernels`].
///
/// Encoders pick their table when built ([`crate::Config::isa`]) and install it for each frame
/// (and in the threads they spawn) instead of passing it down the call tree: the kernels are
/// reached from deep inside the analysis, and this keeps the cost of a lookup that of the
/// process-wide table it replaces (a thread-local load instead of a [`OnceLock`] state check).
#[inline]
pub fn kernels() -> &'static Kernels {
    match CURRENT.with(Cell::get) {
        Some(k) => k,
        None => default_kernels(),
    }
}

/// While alive, makes [`kernels`] return a given table on this thread; dropping it restores the
/// previous one (scopes nest).
#[must_use = "the table is in use only while the scope lives"]
pub struct KernelScope {
    prev: Option<&'static Kernels>,
}

impl KernelScope {
    /// Installs `k` on this thread.
    pub fn enter(k: &'static Kernels) -> KernelScope {
        KernelScope {
            prev: CURRENT.with(|c| c.replace(Some(k))),
        }
    }
}

impl Drop for KernelScope {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.prev));
    }
}

/// Panics unless `h` rows of `w` bytes at `stride` lie within `len` samples: the one bounds
/// check of the SIMD kernels' row views (`Rows`, `RowsMut`), after which their loads and stores
/// need none.
#[cfg_attr(
    not(any(
        target_arch = "x86_64",
        all(target_arch = "aarch64", target_feature = "neon")
    )),
    allow(dead_code)
)]
#[inline(always)]
fn assert_rows_fit(len: usize, stride: usize, h: usize, w: usize) {
    let end = h
        .checked_sub(1)
        .and_then(|last| last.checked_mul(stride))
        .and_then(|v| v.checked_add(w));
    if end.is_none_or(|end| end > len) {
        rows_do_not_fit(len, stride, h, w);
    }
}

/// The panic of [`assert_rows_fit`], out of line so that the kernels' hot paths do not set up
/// its message.
#[cfg_attr(
    not(any(
        target_arch = "x86_64",
        all(target_arch = "aarch64", target_feature = "neon")
    )),
    allow(dead_code)
)]
#[cold]
#[inline(never)]
fn rows_do_not_fit(len: usize, stride: usize, h: usize, w: usize) -> ! {
    panic!("block of {h} rows of {w} at stride {stride} exceeds {len} samples")
}

#[cfg(feature = "check-asm")]
mod check;
#[cfg(test)]
mod tests;
