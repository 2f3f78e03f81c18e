//! Residual coding on the encoder side: prediction error → transform → quantised levels (the
//! decision), and the normative reconstruction from those levels (which must equal the
//! decoder's).

use crate::common::quant::{self, Deadzone, MAX_LEVEL};
use crate::common::transform::{hadamard2x2, hadamard4x4};
use crate::common::ZIGZAG4X4;

/// Codes one 4x4 block given source and prediction samples (raster, stride 4): writes the levels
/// in scan order into `levels` and the reconstructed samples into `recon`; returns the number of
/// non-zero levels. With `ac_only` the DC is excluded (the caller codes it separately and passes
/// the reconstructed DC in `dc`).
#[inline]
pub fn code4x4(
    src: &[u8; 16],
    pred: &[u8; 16],
    qp: u8,
    dz: Deadzone,
    levels: &mut [i32; 16],
    recon: &mut [u8; 16],
) -> u8 {
    (crate::dsp::kernels().code4x4)(src, pred, quant::params4x4(qp, dz), levels, recon) as u8
}

/// Extracts 4x4 block `blk` (raster index in a `w`-wide block of samples) into a stride-4 array.
#[inline]
pub fn take4x4(samples: &[u8], w: usize, blk: usize, out: &mut [u8; 16]) {
    let bw = w / 4;
    let (bx, by) = (blk % bw, blk / bw);
    for y in 0..4 {
        let s = (by * 4 + y) * w + bx * 4;
        out[y * 4..y * 4 + 4].copy_from_slice(&samples[s..s + 4]);
    }
}

/// Writes a stride-4 4x4 block back into block `blk` of a `w`-wide block of samples.
#[inline]
pub fn put4x4(samples: &mut [u8], w: usize, blk: usize, b: &[u8; 16]) {
    let bw = w / 4;
    let (bx, by) = (blk % bw, blk / bw);
    for y in 0..4 {
        let s = (by * 4 + y) * w + bx * 4;
        samples[s..s + 4].copy_from_slice(&b[y * 4..y * 4 + 4]);
    }
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
    let mut preds = [[0u8; 16]; 16];
    let mut dc = [0i32; 16];
    let mut ac_counts = [0u8; 16];
    for blk in 0..16 {
        let mut s = [0u8; 16];
        take4x4(src, 16, blk, &mut s);
        take4x4(pred, 16, blk, &mut preds[blk]);
        let (nz, d) = (k.fwd4x4_ac)(&s, &preds[blk], q, &mut ac_levels[blk], &mut kept[blk]);
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
        let mut out = preds[blk];
        if ac_counts[blk] != 0 || dcr[blk] != 0 {
            (k.recon4x4_ac)(&kept[blk], dcr[blk], &preds[blk], q, &mut out);
        }
        put4x4(recon, 16, blk, &out);
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
    let mut preds = [[0u8; 16]; 4];
    let mut dc = [0i32; 4];
    let mut counts = [0u8; 4];
    for blk in 0..4 {
        let mut s = [0u8; 16];
        take4x4(src, 8, blk, &mut s);
        take4x4(pred, 8, blk, &mut preds[blk]);
        let (nz, d) = (k.fwd4x4_ac)(&s, &preds[blk], q, &mut ac_levels[blk], &mut kept[blk]);
        counts[blk] = nz as u8;
        dc[blk] = d;
    }
    hadamard2x2(&mut dc);
    let dc_count = quant::quant_chroma_dc(&mut dc, qp_c, dz) as u8;
    *dc_levels = dc;
    let mut dcr = dc;
    quant::dequant_chroma_dc(&mut dcr, qp_c);
    for blk in 0..4 {
        let mut out = preds[blk];
        if counts[blk] != 0 || dcr[blk] != 0 {
            (k.recon4x4_ac)(&kept[blk], dcr[blk], &preds[blk], q, &mut out);
        }
        put4x4(recon, 8, blk, &out);
    }
    (counts, dc_count)
}
