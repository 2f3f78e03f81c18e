//! Residual coding on the encoder side: prediction error → transform → quantised levels (the
//! decision), and the normative reconstruction from those levels (which must equal the
//! decoder's).

use crate::common::quant::{self, Deadzone, MAX_LEVEL};
use crate::common::transform::{hadamard2x2, hadamard4x4};
use crate::common::ZIGZAG4X4;

/// Codes one 4x4 block given source and prediction samples (each 4x4 block at the start of its
/// slice, rows at its stride): writes the levels in scan order into `levels` and the
/// reconstructed samples into `recon` (rows at `rs`); returns the number of non-zero levels.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn code4x4(
    src: &[u8],
    ss: usize,
    pred: &[u8],
    ps: usize,
    qp: u8,
    dz: Deadzone,
    levels: &mut [i32; 16],
    recon: &mut [u8],
    rs: usize,
) -> u8 {
    let q = quant::params4x4(qp, dz);
    (crate::dsp::kernels().code4x4)(src, ss, pred, ps, q, levels, recon, rs) as u8
}

/// Offset of 4x4 block `blk` (raster index) in a `w`-wide block of samples.
#[inline]
pub fn offset4x4(w: usize, blk: usize) -> usize {
    let bw = w / 4;
    (blk / bw) * 4 * w + (blk % bw) * 4
}

/// Result of coding a 16x16 luma block as Intra_16x16.
#[derive(Debug, Clone, Copy)]
pub struct Luma16Coded {
    /// AC total_coeff per 4x4 block (raster block order).
    pub ac_counts: [u8; 16],
    /// True when a DC level hit the coding limit (the reconstruction is still exact, but poor:
    /// the encoder should prefer Intra_4x4).
    pub dc_clipped: bool,
}

/// Codes a 16x16 luma block as Intra_16x16 (8.5.2's inverse): DC levels (scan order) into
/// `dc_levels`, AC levels per block (scan positions 1..16) into `ac_levels`, reconstruction into
/// `recon` (raster 16x16).
pub fn code16x16(
    src: &[u8; 256],
    pred: &[u8; 256],
    qp: u8,
    dz: Deadzone,
    dc_levels: &mut [i32; 16],
    ac_levels: &mut [[i32; 16]; 16],
    recon: &mut [u8; 256],
) -> Luma16Coded {
    let k = crate::dsp::kernels();
    let q = quant::params4x4(qp, dz);
    let mut kept = [[0i16; 16]; 16];
    let mut dc = [0i32; 16];
    let mut ac_counts = [0u8; 16];
    for blk in 0..16 {
        let o = offset4x4(16, blk);
        let (nz, d) = (k.fwd4x4_ac)(
            &src[o..],
            16,
            &pred[o..],
            16,
            q,
            &mut ac_levels[blk],
            &mut kept[blk],
        );
        ac_counts[blk] = nz as u8;
        dc[blk] = d;
    }
    // DC: Hadamard, halve, quantise. The 4x4 DC matrix is spatial: entry (bx, by) belongs to the
    // block at that position (Figure 8-6).
    hadamard4x4(&mut dc);
    for v in dc.iter_mut() {
        *v = quant::forward_luma_dc_scale(*v);
    }
    quant::quant_luma_dc(&mut dc, qp, dz);
    let dc_clipped = dc.iter().any(|v| v.abs() >= MAX_LEVEL);
    for (k, &r) in ZIGZAG4X4.iter().enumerate() {
        dc_levels[k] = dc[r];
    }
    // Reconstruction.
    let mut dcr = dc;
    quant::dequant_luma_dc(&mut dcr, qp);
    for blk in 0..16 {
        let o = offset4x4(16, blk);
        if ac_counts[blk] != 0 || dcr[blk] != 0 {
            (k.recon4x4_ac)(&kept[blk], dcr[blk], &pred[o..], 16, q, &mut recon[o..], 16);
        } else {
            for r in 0..4 {
                recon[o + 16 * r..][..4].copy_from_slice(&pred[o + 16 * r..][..4]);
            }
        }
    }
    Luma16Coded {
        ac_counts,
        dc_clipped,
    }
}

/// Codes one 8x8 chroma block (one plane) with 4:2:0 DC/AC structure (8.5.11): DC levels into
/// `dc_levels` (2x2 raster c[0..4]), AC levels per 4x4 block (scan positions 1..16) into
/// `ac_levels`, reconstruction into `recon` (raster 8x8). Returns the AC total_coeff per block
/// and the number of non-zero DC levels.
pub fn code_chroma8x8(
    src: &[u8; 64],
    pred: &[u8; 64],
    qp_c: u8,
    dz: Deadzone,
    dc_levels: &mut [i32; 4],
    ac_levels: &mut [[i32; 16]; 4],
    recon: &mut [u8; 64],
) -> ([u8; 4], u8) {
    let k = crate::dsp::kernels();
    let q = quant::params4x4(qp_c, dz);
    let mut kept = [[0i16; 16]; 4];
    let mut dc = [0i32; 4];
    let mut counts = [0u8; 4];
    for blk in 0..4 {
        let o = offset4x4(8, blk);
        let (nz, d) = (k.fwd4x4_ac)(
            &src[o..],
            8,
            &pred[o..],
            8,
            q,
            &mut ac_levels[blk],
            &mut kept[blk],
        );
        counts[blk] = nz as u8;
        dc[blk] = d;
    }
    hadamard2x2(&mut dc);
    let dc_count = quant::quant_chroma_dc(&mut dc, qp_c, dz) as u8;
    *dc_levels = dc;
    let mut dcr = dc;
    quant::dequant_chroma_dc(&mut dcr, qp_c);
    for blk in 0..4 {
        let o = offset4x4(8, blk);
        if counts[blk] != 0 || dcr[blk] != 0 {
            (k.recon4x4_ac)(&kept[blk], dcr[blk], &pred[o..], 8, q, &mut recon[o..], 8);
        } else {
            for r in 0..4 {
                recon[o + 8 * r..][..4].copy_from_slice(&pred[o + 8 * r..][..4]);
            }
        }
    }
    (counts, dc_count)
}
