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
    let mut levels = [[0i16; 16]; 16];
    let mut dc = [0i32; 16];
    let mut nz = [0u16; 16];
    // The 16 blocks in raster order are the four strips of the macroblock.
    (k.quant_strips)(src, pred, q, true, &mut levels, &mut dc, &mut nz);
    let ac_counts = nz.map(|m| m.count_ones() as u8);
    for (dst, l) in ac_levels.iter_mut().zip(&levels) {
        *dst = l.map(i32::from);
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
    (k.recon_strips)(&levels, Some(&dcr), pred, q, recon);
    Luma16Coded {
        ac_counts,
        dc_clipped,
    }
}

/// Both chroma planes of a macroblock side by side, as the strips kernels read them: row `r`
/// is Cb's row `r` then Cr's, so strip `s` holds Cb blocks `2s`, `2s + 1`, then Cr's.
pub fn interleave_chroma(planes: &[[u8; 64]; 2]) -> [u8; 128] {
    let mut out = [0u8; 128];
    for (r, row) in out.chunks_exact_mut(16).enumerate() {
        row[..8].copy_from_slice(&planes[0][8 * r..8 * r + 8]);
        row[8..].copy_from_slice(&planes[1][8 * r..8 * r + 8]);
    }
    out
}

/// Plane and 4x4 block (raster within the 8x8 plane) of strips block `b` of
/// [`interleave_chroma`]'s layout.
#[inline]
fn chroma_block(b: usize) -> (usize, usize) {
    ((b % 4) / 2, 2 * (b / 4) + b % 2)
}

/// The forward path of both chroma planes of a macroblock against one prediction (Cb, Cr;
/// 4:2:0, 8.5.11): the levels, their counts and the scaled DC the reconstruction needs. A
/// decision that computed it (the P_Skip probe) hands it to coding, which reuses it.
#[derive(Debug, Clone, Default)]
pub struct ChromaQuant {
    /// AC levels in [`interleave_chroma`]'s strips layout (scan order, position 0 unused).
    levels: [[i16; 16]; 8],
    /// DC levels per plane (2x2 raster c[0..4]).
    dc: [[i32; 4]; 2],
    /// The scaled DC of each strips block, for the reconstruction.
    dcr: [i32; 8],
    /// AC total_coeff per plane and block (raster).
    pub ac_counts: [[u8; 4]; 2],
    /// Non-zero DC levels per plane.
    pub dc_counts: [u8; 2],
}

impl ChromaQuant {
    /// Transform and quantisation of both chroma planes against their predictions (every
    /// field is overwritten), the source and prediction samples side by side: row `r` of
    /// `src2` and `pred2` is Cb's row `r` then Cr's (as [`interleave_chroma`] lays them out).
    pub fn quantise_pair(&mut self, src2: &[u8; 128], pred2: &[u8; 128], qp_c: u8, dz: Deadzone) {
        let k = crate::dsp::kernels();
        let q = quant::params4x4(qp_c, dz);
        let mut dc = [0i32; 8];
        let mut nz = [0u16; 8];
        (k.quant_strips)(src2, pred2, q, true, &mut self.levels, &mut dc, &mut nz);
        // Strips block b is block 2 (b / 4) + b % 2 of plane (b % 4) / 2 (`chroma_block`).
        self.dc = [[dc[0], dc[1], dc[4], dc[5]], [dc[2], dc[3], dc[6], dc[7]]];
        let n = nz.map(|m| m.count_ones() as u8);
        self.ac_counts = [[n[0], n[1], n[4], n[5]], [n[2], n[3], n[6], n[7]]];
        let mut r = [[0i32; 4]; 2];
        for (c, rc) in r.iter_mut().enumerate() {
            hadamard2x2(&mut self.dc[c]);
            self.dc_counts[c] = quant::quant_chroma_dc(&mut self.dc[c], qp_c, dz) as u8;
            // Levels all zero scale to zero.
            if self.dc_counts[c] != 0 {
                *rc = self.dc[c];
                quant::dequant_chroma_dc(rc, qp_c);
            }
        }
        self.dcr = [
            r[0][0], r[0][1], r[1][0], r[1][1], r[0][2], r[0][3], r[1][2], r[1][3],
        ];
        debug_assert!((0..8).all(|b| {
            let (c, blk) = chroma_block(b);
            self.dcr[b] == r[c][blk] && self.ac_counts[c][blk] == nz[b].count_ones() as u8
        }));
    }

    /// Whether no level is left (P_Skip needs that).
    pub fn is_empty(&self) -> bool {
        self.dc_counts == [0; 2] && self.ac_counts == [[0; 4]; 2]
    }

    /// The levels as the syntax lays them out: per plane the DC levels (2x2 raster c[0..4])
    /// into `dc_levels`, the AC levels per 4x4 block (raster, scan positions 1..16) into
    /// `ac_levels`.
    pub fn write_levels(&self, dc_levels: &mut [[i32; 4]; 2], ac_levels: &mut [[[i32; 16]; 4]; 2]) {
        for b in 0..8 {
            let (c, blk) = chroma_block(b);
            ac_levels[c][blk] = self.levels[b].map(i32::from);
        }
        *dc_levels = self.dc;
    }

    /// The reconstruction of both planes from these levels over `pred2`, the prediction they
    /// were computed against at `qp_c` and `dz`; both side by side: row `r` is Cb's row `r`
    /// then Cr's (as [`interleave_chroma`] lays them out).
    pub fn recon(&self, pred2: &[u8; 128], qp_c: u8, dz: Deadzone, recon: &mut [u8; 128]) {
        let k = crate::dsp::kernels();
        let q = quant::params4x4(qp_c, dz);
        (k.recon_strips)(&self.levels, Some(&self.dcr), pred2, q, recon);
    }
}
