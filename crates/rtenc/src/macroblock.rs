//! The coded form of one macroblock: the syntax elements `analyse` decides and `entropy` writes
//! (7.3.5). Levels are already quantised and in scan order.

use crate::common::{MbType, Mv};

/// One macroblock's syntax elements.
#[derive(Debug, Clone)]
pub struct MbCoding {
    /// The macroblock type.
    pub mb_type: MbType,
    /// Intra16x16PredMode (I16x16 only).
    pub i16_mode: u8,
    /// Intra4x4PredMode per 4x4 block, raster order (I4x4 only).
    pub i4_modes: [u8; 16],
    /// intra_chroma_pred_mode (intra only).
    pub chroma_mode: u8,
    /// CodedBlockPatternLuma: bit `qx + 2 * qy` per 8x8 quadrant (I16x16: 0 or 15).
    pub cbp_luma: u8,
    /// CodedBlockPatternChroma: 0 none, 1 DC only, 2 DC and AC.
    pub cbp_chroma: u8,
    /// mb_qp_delta (written only when the syntax has it).
    pub qp_delta: i32,
    /// Intra16x16DCLevel in scan order.
    pub luma_dc: [i32; 16],
    /// Luma levels per 4x4 block (raster block index), in scan order; for I16x16 the AC levels
    /// occupy positions 1..16.
    pub luma: [[i32; 16]; 16],
    /// The non-zero masks of `luma` (bit `i` for scan position `i`) of inter macroblocks,
    /// which the inter analysis has from quantisation: written with the levels there and read
    /// (under coded_block_pattern, like the levels) only for the P macroblock types.
    pub luma_nz: [u16; 16],
    /// Chroma DC levels per plane (Cb, Cr), in the 2x2 raster order (c[0..4]).
    pub chroma_dc: [[i32; 4]; 2],
    /// Chroma AC levels per plane and 4x4 block (raster), scan positions 1..16.
    pub chroma_ac: [[[i32; 16]; 4]; 2],
    /// Motion vector differences per partition (inter types; index by partition).
    pub mvd: [Mv; 4],
}

impl Default for MbCoding {
    fn default() -> Self {
        MbCoding {
            mb_type: MbType::None,
            i16_mode: 0,
            i4_modes: [2; 16],
            chroma_mode: 0,
            cbp_luma: 0,
            cbp_chroma: 0,
            qp_delta: 0,
            luma_dc: [0; 16],
            luma: [[0; 16]; 16],
            luma_nz: [0; 16],
            chroma_dc: [[0; 4]; 2],
            chroma_ac: [[[0; 16]; 4]; 2],
            mvd: [Mv::ZERO; 4],
        }
    }
}

impl MbCoding {
    /// Starts a new macroblock: every syntax element as [`Default`] gives it, except the levels
    /// read only under a coded_block_pattern bit (`luma`, `luma_nz`, `chroma_dc`, `chroma_ac`),
    /// which keep whatever they hold. Entropy coding reads a block's levels only where
    /// coded_block_pattern says it is coded, and whoever sets such a bit writes every level it
    /// covers, so clearing them (1.6 KB per macroblock) would only cost time.
    pub fn reset(&mut self) {
        let Self {
            mb_type,
            i16_mode,
            i4_modes,
            chroma_mode,
            cbp_luma,
            cbp_chroma,
            qp_delta,
            luma_dc,
            luma: _,
            luma_nz: _,
            chroma_dc: _,
            chroma_ac: _,
            mvd,
        } = self;
        *mb_type = MbType::None;
        *i16_mode = 0;
        *i4_modes = [2; 16];
        *chroma_mode = 0;
        *cbp_luma = 0;
        *cbp_chroma = 0;
        *qp_delta = 0;
        *luma_dc = [0; 16];
        *mvd = [Mv::ZERO; 4];
    }

    /// The coded_block_pattern value (7.4.5): luma bits 0..3, chroma in bits 4..5.
    pub fn cbp(&self) -> u8 {
        self.cbp_luma | (self.cbp_chroma << 4)
    }
}
