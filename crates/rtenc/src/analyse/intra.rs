//! Intra macroblock decisions: Intra_16x16 vs Intra_4x4 luma, their prediction modes, and the
//! chroma prediction mode, by distortion (SATD) + lambda x mode bits.

use super::cost::satd;
use super::residual::{self, code16x16, code4x4};
use crate::common::intra_pred::{
    self, chroma_mode_available, gather, mode16x16_available, mode4x4_available, predicted_i4_mode,
    top_right_available_4x4,
};
use crate::common::quant::Deadzone;
use crate::common::{MbInfo, MbPos, MbType};
use crate::macroblock::MbCoding;
use crate::picture::{Picture, Plane};
use crate::preset::I4x4Search;

/// Reads a `w`-wide block of samples at (x, y) of a plane into `out` (row-major, stride `w`).
/// The block must lie in the visible area.
#[inline]
pub fn load_block(plane: &Plane, x: usize, y: usize, w: usize, out: &mut [u8]) {
    match w {
        16 => load_rows::<16>(plane, x, y, out),
        8 => load_rows::<8>(plane, x, y, out),
        _ => {
            for (r, row) in out.chunks_exact_mut(w).enumerate() {
                row.copy_from_slice(&plane.row(y + r)[x..x + w]);
            }
        }
    }
}

/// Writes a `w`-wide block of samples (row-major, stride `w`) into a plane at (x, y). The
/// block must lie in the visible area.
#[inline]
pub fn store_block(plane: &mut Plane, x: usize, y: usize, w: usize, data: &[u8]) {
    match w {
        16 => store_rows::<16>(plane, x, y, data),
        8 => store_rows::<8>(plane, x, y, data),
        _ => {
            for (r, row) in data.chunks_exact(w).enumerate() {
                plane.row_mut(y + r)[x..x + w].copy_from_slice(row);
            }
        }
    }
}

/// The samples a `W`-wide block of `h > 0` rows at (x, y) spans in `plane.data` (from its
/// first sample to its last), after checking that its columns lie in the visible area (as
/// [`Plane::row`] slices do), and the stride.
#[inline(always)]
fn block_span<const W: usize>(plane: &Plane, x: usize, y: usize, h: usize) -> (usize, usize) {
    assert!(x + W <= plane.width, "block right of the picture");
    let start = (y + plane.pad) * plane.stride + x + plane.pad;
    (start, start + (h - 1) * plane.stride + W)
}

/// [`load_block`] for a width known at compile time: one bounds check for the block, whole
/// fixed-size row copies.
#[inline(always)]
fn load_rows<const W: usize>(plane: &Plane, x: usize, y: usize, out: &mut [u8]) {
    let h = out.len() / W;
    if h == 0 {
        return;
    }
    let (start, end) = block_span::<W>(plane, x, y, h);
    let src = &plane.data[start..end];
    for (r, row) in out.chunks_exact_mut(W).enumerate() {
        let o = r * plane.stride;
        let from: &[u8; W] = src[o..o + W].try_into().expect("row inside the block");
        row.copy_from_slice(from);
    }
}

/// [`store_block`] for a width known at compile time.
#[inline(always)]
fn store_rows<const W: usize>(plane: &mut Plane, x: usize, y: usize, data: &[u8]) {
    let h = data.len() / W;
    if h == 0 {
        return;
    }
    let (start, end) = block_span::<W>(plane, x, y, h);
    let stride = plane.stride;
    let dst = &mut plane.data[start..end];
    for (r, row) in data.chunks_exact(W).enumerate() {
        let o = r * stride;
        let to: &mut [u8; W] = (&mut dst[o..o + W])
            .try_into()
            .expect("row inside the block");
        to.copy_from_slice(row);
    }
}

/// Loads both chroma planes' 8x8 blocks at (x, y) into `out` side by side: its row `r` is
/// Cb's row `r` then Cr's.
pub fn load_chroma_pair(src: &Picture, x: usize, y: usize, out: &mut [u8; 128]) {
    for (c, plane) in [&src.u, &src.v].into_iter().enumerate() {
        let (start, end) = block_span::<8>(plane, x, y, 8);
        let src = &plane.data[start..end];
        for (r, row) in out.chunks_exact_mut(16).enumerate() {
            let o = r * plane.stride;
            let from: &[u8; 8] = src[o..o + 8].try_into().expect("row inside the block");
            row[8 * c..8 * c + 8].copy_from_slice(from);
        }
    }
}

/// Stores both chroma planes' 8x8 blocks at (x, y) from `data`, whose row `r` is Cb's row `r`
/// then Cr's.
pub fn store_chroma_pair(recon: &mut Picture, x: usize, y: usize, data: &[u8; 128]) {
    for (c, plane) in [&mut recon.u, &mut recon.v].into_iter().enumerate() {
        let (start, end) = block_span::<8>(plane, x, y, 8);
        let stride = plane.stride;
        let dst = &mut plane.data[start..end];
        for (r, row) in data.chunks_exact(16).enumerate() {
            let o = r * stride;
            let to: &mut [u8; 8] = (&mut dst[o..o + 8])
                .try_into()
                .expect("row inside the block");
            to.copy_from_slice(&row[8 * c..8 * c + 8]);
        }
    }
}

/// The outcome of the luma intra decision.
#[derive(Debug, Clone, Copy)]
pub struct IntraLumaCost {
    /// SATD + lambda x bits of the chosen mode(s).
    pub cost: u32,
}

/// Estimated header bits of the two intra luma types, beyond the prediction modes.
const I4_HEADER_BITS: u32 = 1;

/// Decides and codes the luma of an intra macroblock: fills `mb` (type, modes, luma levels,
/// cbp_luma), `info` (type, intra modes, total_coeff) and writes the reconstruction into
/// `recon`. `mbs` holds the already coded macroblocks (for mode prediction). `search` says how
/// much of Intra_4x4 to try (see [`I4x4Search`]); `inter_cost` is the cost the intra choice
/// must beat in a P slice (`u32::MAX` in an IDR picture). The returned cost is that of the
/// chosen intra coding, except when it cannot beat `inter_cost`: then it is some cost at least
/// `inter_cost` and the caller must not choose intra. With `avoid_top_right` the top-right 4x4
/// block never uses the two modes that read the above-right macroblock (intra refresh: it is
/// not refreshed yet).
#[allow(clippy::too_many_arguments)]
pub fn code_intra_luma(
    src: &Plane,
    recon: &mut Plane,
    mbs: &[MbInfo],
    pos: &MbPos,
    qp: u8,
    lambda: u32,
    search: I4x4Search,
    i4_min_satd: u32,
    inter_cost: u32,
    i16_estimate: Option<(u32, u8)>,
    avoid_top_right: bool,
    mb: &mut MbCoding,
    info: &mut MbInfo,
) -> IntraLumaCost {
    let (x0, y0) = (pos.mb_x * 16, pos.mb_y * 16);
    let mut src16 = [0u8; 256];
    load_block(src, x0, y0, 16, &mut src16);

    // Intra_16x16: best mode by SATD.
    let nb16 = mb_neighbours16(recon, pos);
    let best16 = i16_estimate.unwrap_or_else(|| best_i16x16(&src16, &nb16, lambda));
    let mut pred16 = [0u8; 256];

    // Intra_4x4 stops as soon as it cannot win, which changes no decision: when it stopped,
    // Intra_16x16 or the inter choice beats it, unless Intra_16x16's DC clips, in which case
    // it runs again to the end.
    let fast = search != I4x4Search::All;
    let bound = Bound {
        i16: best16.0,
        inter: inter_cost,
    };
    // Where Intra_16x16 predicts well (less than `i4_min_satd` SATD per sample, its header
    // bits included) the Intra_4x4 search is not worth its time (see `SpeedSettings`).
    let mut i4 = if search == I4x4Search::Off || best16.0 < i4_min_satd * 256 {
        None
    } else {
        code_i4x4(
            &src16,
            recon,
            mbs,
            pos,
            qp,
            lambda,
            fast,
            avoid_top_right,
            bound,
        )
    };

    // Intra_16x16 wins only when it is cheaper and its DC did not clip.
    let mut coded16 = None;
    let mut rec16 = [0u8; 256];
    if i4.as_ref().is_none_or(|c| best16.0 < c.cost) {
        intra_pred::predict16x16(best16.1, &nb16, &mut pred16);
        let c = code16x16(
            &src16,
            &pred16,
            qp,
            Deadzone::Intra,
            &mut mb.luma_dc,
            &mut mb.luma,
            &mut rec16,
        );
        if !c.dc_clipped {
            coded16 = Some(c);
        }
    }

    if let Some(c) = coded16 {
        store_block(recon, x0, y0, 16, &rec16);
        mb.mb_type = MbType::I16x16;
        mb.i16_mode = best16.1;
        mb.cbp_luma = if c.ac_counts.iter().any(|&n| n > 0) {
            15
        } else {
            0
        };
        info.mb_type = MbType::I16x16;
        info.intra4x4_modes = [intra_pred::i4::DC; 16];
        info.total_coeff = if mb.cbp_luma != 0 {
            c.ac_counts
        } else {
            [0; 16]
        };
        IntraLumaCost { cost: best16.0 }
    } else {
        // Intra_4x4, run again to the end when it stopped but Intra_16x16's DC clipped.
        let i4 = i4
            .take()
            .or_else(|| {
                code_i4x4(
                    &src16,
                    recon,
                    mbs,
                    pos,
                    qp,
                    lambda,
                    fast,
                    avoid_top_right,
                    Bound::NONE,
                )
            })
            .expect("an unbounded Intra_4x4 search always finishes");
        store_block(recon, x0, y0, 16, &i4.recon);
        mb.mb_type = MbType::I4x4;
        mb.i4_modes = i4.modes;
        mb.luma = i4.levels;
        mb.luma_dc = [0; 16];
        let mut cbp = 0;
        for (raster, &n) in i4.counts.iter().enumerate() {
            if n > 0 {
                cbp |= 1 << ((raster % 4) / 2 + 2 * (raster / 8));
            }
        }
        mb.cbp_luma = cbp;
        info.mb_type = MbType::I4x4;
        info.intra4x4_modes = i4.modes;
        info.total_coeff = i4.counts;
        IntraLumaCost { cost: i4.cost }
    }
}

/// The neighbours of the macroblock at `pos` for Intra_16x16 prediction from `recon`.
pub fn mb_neighbours16(recon: &Plane, pos: &MbPos) -> intra_pred::Neighbours<16> {
    gather::<16>(
        recon,
        pos.mb_x * 16,
        pos.mb_y * 16,
        pos.top.is_some(),
        pos.left.is_some(),
        pos.top_left.is_some(),
        false,
    )
}

/// The best Intra_16x16 mode for `src16` from neighbours `nb16` by SATD + lambda x header bits:
/// (that cost, the mode). The first of equal costs wins.
pub fn best_i16x16(src16: &[u8; 256], nb16: &intra_pred::Neighbours<16>, lambda: u32) -> (u32, u8) {
    let mut best = (u32::MAX, 0u8);
    let mut pred16 = [0u8; 256];
    for mode in 0..4u8 {
        if !mode16x16_available(mode, nb16) {
            continue;
        }
        intra_pred::predict16x16(mode, nb16, &mut pred16);
        let cost = satd(src16, 16, &pred16, 16, 16, 16) + lambda * I16_HEADER_BITS;
        if cost < best.0 {
            best = (cost, mode);
        }
    }
    best
}

/// Intra_16x16 header bits counted by [`best_i16x16`].
pub const I16_HEADER_BITS: u32 = 3;

/// What Intra_4x4 coding of a macroblock's luma produced.
struct I4x4Coded {
    cost: u32,
    modes: [u8; 16],
    levels: [[i32; 16]; 16],
    counts: [u8; 16],
    recon: [u8; 256],
}

/// Intra_4x4: each block in decoding order, best mode by SATD + mode bits, coded at once so
/// later blocks predict from its reconstruction (written into `recon`). With
/// `avoid_top_right`, the top-right block (raster 3) does not use the modes reading its
/// top-right samples, which lie in the above-right macroblock.
#[allow(clippy::too_many_arguments)]
fn code_i4x4(
    src16: &[u8; 256],
    recon: &mut Plane,
    mbs: &[MbInfo],
    pos: &MbPos,
    qp: u8,
    lambda: u32,
    fast_modes: bool,
    avoid_top_right: bool,
    bound: Bound,
) -> Option<I4x4Coded> {
    let (x0, y0) = (pos.mb_x * 16, pos.mb_y * 16);
    let kernels = crate::dsp::kernels();
    let satd4 = kernels.satd[crate::dsp::BlockSize::B4x4 as usize];
    let satd4x4_axis = kernels.satd4x4_axis;
    let predict_diag = kernels.predict4x4_diag;
    let mut i4 = I4x4Coded {
        cost: lambda * I4_HEADER_BITS,
        modes: [intra_pred::i4::DC; 16],
        levels: [[0i32; 16]; 16],
        counts: [0u8; 16],
        recon: [0u8; 256],
    };
    let modes = &mut i4.modes;
    for &raster in &crate::common::BLK_TO_RASTER {
        let (bx, by) = (raster % 4, raster / 4);
        let (x, y) = (x0 + bx * 4, y0 + by * 4);
        let nb = gather::<4>(
            recon,
            x,
            y,
            by > 0 || pos.top.is_some(),
            bx > 0 || pos.left.is_some(),
            match (bx > 0, by > 0) {
                (true, true) => true,
                (false, true) => pos.left.is_some(),
                (true, false) => pos.top.is_some(),
                (false, false) => pos.top_left.is_some(),
            },
            top_right_available_4x4(pos, bx, by),
        );
        let predicted = predicted_i4_mode(mbs, pos, modes, raster);
        let o = (by * 4) * 16 + bx * 4; // the block in src16 and i4.recon
                                        // One prediction buffer per mode: the winner is coded from its own buffer, not a copy.
        let mut preds = [[0u8; 16]; 9];
        let mut predicted_modes = 0u16; // which of `preds` hold their prediction
        let mut best = (u32::MAX, 0u8);
        // The axis modes' SATDs from one transform of the source (see `satd4x4_axis`).
        let top: [u8; 4] = nb.top[..4].try_into().expect("4 samples");
        let left: [u8; 4] = nb.left[..4].try_into().expect("4 samples");
        let axis = (satd4x4_axis)(&src16[o..], 16, &top, &left, intra_pred::dc4x4(&nb));
        let edge = intra_pred::diag_edge(&nb);
        let no_top_right = avoid_top_right && raster == 3;
        // Tries one mode (a macro, not a closure: expanded at each use, it costs no call and
        // no captured state).
        macro_rules! try_mode {
            ($mode:expr) => {{
                let mode: u8 = $mode;
                if mode4x4_available(mode, &nb)
                    && !(no_top_right
                        && (mode == intra_pred::i4::DDL || mode == intra_pred::i4::VL))
                {
                    let m = usize::from(mode);
                    let distortion = if m < axis.len() {
                        axis[m]
                    } else {
                        // Only the diagonal modes get here.
                        predict_diag(edge.0, edge.1, nb.top_left, mode, &mut preds[m]);
                        predicted_modes |= 1 << m;
                        (satd4)(&src16[o..], 16, &preds[m][..], 4)
                    };
                    let bits = if mode == predicted { 1 } else { 4 };
                    let cost = distortion + lambda * bits;
                    if cost < best.0 {
                        best = (cost, mode);
                    }
                }
            }};
        }
        if fast_modes {
            // The three axis modes and the predicted one, then only the two diagonal modes
            // next to the winning direction.
            use intra_pred::i4;
            for mode in [i4::V, i4::H, i4::DC] {
                try_mode!(mode);
            }
            if predicted > i4::DC {
                try_mode!(predicted);
            }
            let next = match best.1 {
                i4::V => [i4::VL, i4::VR],
                i4::H => [i4::HU, i4::HD],
                _ => [i4::DDL, i4::DDR],
            };
            for mode in next {
                if mode != predicted {
                    try_mode!(mode);
                }
            }
        } else {
            for mode in 0..9u8 {
                try_mode!(mode);
            }
        }
        i4.cost += best.0;
        if bound.excludes(i4.cost) {
            return None;
        }
        modes[raster] = best.1;
        if predicted_modes & (1 << best.1) == 0 {
            intra_pred::predict4x4(best.1, &nb, &mut preds[usize::from(best.1)]);
        }
        i4.counts[raster] = code4x4(
            &src16[o..],
            16,
            &preds[usize::from(best.1)],
            4,
            qp,
            Deadzone::Intra,
            &mut i4.levels[raster],
            &mut i4.recon[o..],
            16,
        );
        for r in 0..4 {
            recon.row_mut(y + r)[x..x + 4].copy_from_slice(&i4.recon[o + 16 * r..][..4]);
        }
    }

    Some(i4)
}

/// When a partial Intra_4x4 cost (costs only grow block by block) has already lost.
#[derive(Debug, Clone, Copy)]
struct Bound {
    /// The Intra_16x16 cost: Intra_4x4 loses once strictly above it (ties go to Intra_4x4).
    i16: u32,
    /// The best non-intra cost: an intra choice must be strictly below it.
    inter: u32,
}

impl Bound {
    const NONE: Bound = Bound {
        i16: u32::MAX,
        inter: u32::MAX,
    };

    fn excludes(self, cost: u32) -> bool {
        cost > self.i16 || cost >= self.inter
    }
}

/// Decides the chroma prediction mode of an intra macroblock (SATD over both planes) and codes
/// both chroma planes; fills `mb` (chroma mode, levels, cbp_chroma) and `info` (chroma
/// total_coeff); writes the reconstruction.
pub fn code_intra_chroma(
    src: &Picture,
    recon: &mut Picture,
    pos: &MbPos,
    qp_c: u8,
    lambda: u32,
    mb: &mut MbCoding,
    info: &mut MbInfo,
) {
    let (x0, y0) = (pos.mb_x * 8, pos.mb_y * 8);
    let mut srcs = [[0u8; 64]; 2];
    load_block(&src.u, x0, y0, 8, &mut srcs[0]);
    load_block(&src.v, x0, y0, 8, &mut srcs[1]);
    let (t, l, tl) = (
        pos.top.is_some(),
        pos.left.is_some(),
        pos.top_left.is_some(),
    );
    let nbs = [
        gather::<8>(&recon.u, x0, y0, t, l, tl, false),
        gather::<8>(&recon.v, x0, y0, t, l, tl, false),
    ];
    let mut best = (u32::MAX, 0u8);
    let mut preds = [[0u8; 64]; 2];
    for mode in 0..4u8 {
        if !chroma_mode_available(mode, &nbs[0]) {
            continue;
        }
        let mut cost = lambda * if mode == 0 { 1 } else { 3 };
        for c in 0..2 {
            intra_pred::predict_chroma(mode, &nbs[c], &mut preds[c]);
            cost += satd(&srcs[c], 8, &preds[c], 8, 8, 8);
        }
        if cost < best.0 {
            best = (cost, mode);
        }
    }
    mb.chroma_mode = best.1;
    for c in 0..2 {
        intra_pred::predict_chroma(best.1, &nbs[c], &mut preds[c]);
    }
    code_chroma(&srcs, &preds, qp_c, Deadzone::Intra, recon, pos, mb, info);
}

/// Codes both chroma planes of a macroblock against the given predictions (intra or inter),
/// filling levels, cbp_chroma and chroma total_coeff, and writing the reconstruction.
#[allow(clippy::too_many_arguments)]
pub fn code_chroma(
    srcs: &[[u8; 64]; 2],
    preds: &[[u8; 64]; 2],
    qp_c: u8,
    dz: Deadzone,
    recon: &mut Picture,
    pos: &MbPos,
    mb: &mut MbCoding,
    info: &mut MbInfo,
) {
    let mut quant = residual::ChromaQuant::default();
    let preds2 = residual::interleave_chroma(preds);
    quant.quantise_pair(&residual::interleave_chroma(srcs), &preds2, qp_c, dz);
    code_chroma_quant(&quant, &preds2, qp_c, dz, recon, pos, mb, info);
}

/// [`code_chroma`] with the forward path already computed (by a decision that needed it):
/// the levels, cbp_chroma, chroma total_coeff and the reconstruction over `preds`, the
/// predictions `quant` was computed against, side by side (row `r` is Cb's row `r` then
/// Cr's).
#[allow(clippy::too_many_arguments)]
pub fn code_chroma_quant(
    quant: &residual::ChromaQuant,
    preds: &[u8; 128],
    qp_c: u8,
    dz: Deadzone,
    recon: &mut Picture,
    pos: &MbPos,
    mb: &mut MbCoding,
    info: &mut MbInfo,
) {
    let (x0, y0) = (pos.mb_x * 8, pos.mb_y * 8);
    let (counts, dc_counts) = (quant.ac_counts, quant.dc_counts);
    let any_dc = dc_counts.iter().any(|&n| n > 0);
    let any_ac = counts.iter().flatten().any(|&n| n > 0);
    mb.cbp_chroma = if any_ac {
        2
    } else if any_dc {
        1
    } else {
        0
    };
    if mb.cbp_chroma == 0 {
        // No level at all: none is read (see `MbCoding::reset`), the prediction stands.
        store_chroma_pair(recon, x0, y0, preds);
    } else {
        quant.write_levels(&mut mb.chroma_dc, &mut mb.chroma_ac);
        let mut rec = [0u8; 128];
        quant.recon(preds, qp_c, dz, &mut rec);
        store_chroma_pair(recon, x0, y0, &rec);
    }
    if mb.cbp_chroma == 2 {
        info.total_coeff_cb = counts[0];
        info.total_coeff_cr = counts[1];
    } else {
        info.total_coeff_cb = [0; 4];
        info.total_coeff_cr = [0; 4];
    }
}

/// The cheapest possible intra macroblock: Intra_16x16 DC and chroma DC prediction with no
/// residual (about 7 bits). Used only when even QP 51 would not fit the decoder's buffer: the
/// picture is a blur of its neighbours, and the following P frames restore it.
pub fn code_intra_flat(recon: &mut Picture, pos: &MbPos, mb: &mut MbCoding, info: &mut MbInfo) {
    let (x0, y0) = (pos.mb_x * 16, pos.mb_y * 16);
    let (t, l, tl) = (
        pos.top.is_some(),
        pos.left.is_some(),
        pos.top_left.is_some(),
    );
    let nb16 = gather::<16>(&recon.y, x0, y0, t, l, tl, false);
    let mut p16 = [0u8; 256];
    intra_pred::predict16x16(intra_pred::i16::DC, &nb16, &mut p16);
    store_block(&mut recon.y, x0, y0, 16, &p16);
    for plane in [&mut recon.u, &mut recon.v] {
        let nb = gather::<8>(plane, x0 / 2, y0 / 2, t, l, tl, false);
        let mut p = [0u8; 64];
        intra_pred::predict_chroma(intra_pred::chroma::DC, &nb, &mut p);
        store_block(plane, x0 / 2, y0 / 2, 8, &p);
    }
    mb.mb_type = MbType::I16x16;
    mb.i16_mode = intra_pred::i16::DC;
    mb.chroma_mode = intra_pred::chroma::DC;
    mb.cbp_luma = 0;
    mb.cbp_chroma = 0;
    info.mb_type = MbType::I16x16;
    info.total_coeff = [0; 16];
    info.total_coeff_cb = [0; 4];
    info.total_coeff_cr = [0; 4];
}
