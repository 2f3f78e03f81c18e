//! What the decoder computes too: prediction, transforms, dequantisation, deblocking and the
//! per-macroblock state they share. Nothing here makes a decision; `analyse` decides and
//! `entropy` writes what was decided.

pub mod deblock;
pub mod hpel;
pub mod intra_pred;
pub mod mc;
pub mod mvpred;
pub mod quant;
pub mod transform;

/// The macroblock types rtenc codes (7.4.5, Tables 7-11 and 7-13), as far as later stages
/// (neighbour context, deblocking, prediction) need to tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MbType {
    /// Not yet coded in this picture / outside it.
    #[default]
    None,
    /// Intra, 16 4x4 luma prediction blocks.
    I4x4,
    /// Intra, one 16x16 luma prediction.
    I16x16,
    /// Inter, no residual and an inferred motion vector.
    PSkip,
    /// Inter, one 16x16 partition.
    P16x16,
    /// Inter, two 16x8 partitions.
    P16x8,
    /// Inter, two 8x16 partitions.
    P8x16,
    /// Inter, four 8x8 partitions.
    P8x8,
}

impl MbType {
    /// True for intra macroblock types.
    pub fn is_intra(self) -> bool {
        matches!(self, MbType::I4x4 | MbType::I16x16)
    }
    /// True for inter (P) macroblock types, P_Skip included.
    pub fn is_inter(self) -> bool {
        matches!(
            self,
            MbType::PSkip | MbType::P16x16 | MbType::P16x8 | MbType::P8x16 | MbType::P8x8
        )
    }
}

impl MbInfo {
    /// A P_Skip macroblock with a zero vector: its reconstruction is the reference's samples.
    pub fn is_static_skip(&self) -> bool {
        self.mb_type == MbType::PSkip && self.mv[0] == Mv::ZERO
    }
}

/// A motion vector in quarter luma samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Mv {
    /// Horizontal component.
    pub x: i16,
    /// Vertical component.
    pub y: i16,
}

impl Mv {
    /// The zero vector.
    pub const ZERO: Mv = Mv { x: 0, y: 0 };
    /// A vector from its components.
    pub const fn new(x: i16, y: i16) -> Self {
        Mv { x, y }
    }
}

/// What one coded macroblock leaves behind for its neighbours, the deblocking filter and the next
/// frame. 4x4 block arrays are indexed in raster order inside the macroblock: `bx + 4 * by`
/// (not the bitstream's zig-zag `luma4x4BlkIdx`); 2x2 chroma arrays likewise `bx + 2 * by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MbInfo {
    /// The macroblock type; `MbType::None` until the macroblock is coded.
    pub mb_type: MbType,
    /// QP_Y of the macroblock (after mb_qp_delta). For P_Skip this is the running QP.
    pub qp: u8,
    /// Which slice the macroblock belongs to (neighbours in other slices are unavailable).
    pub slice: u16,
    /// total_coeff of each luma 4x4 block (for I_16x16: of its AC block), used for nC
    /// (9.2.1) and, being non-zero exactly when the block has coefficients, for deblocking
    /// bS = 2 (8.7.2.1).
    pub total_coeff: [u8; 16],
    /// total_coeff of each Cb AC 4x4 block.
    pub total_coeff_cb: [u8; 4],
    /// total_coeff of each Cr AC 4x4 block.
    pub total_coeff_cr: [u8; 4],
    /// Intra 4x4 prediction mode of each block (meaningful for I4x4; others read as DC = 2
    /// when predicting modes, 8.3.1.1).
    pub intra4x4_modes: [u8; 16],
    /// Motion vector of each 4x4 block (zero for intra).
    pub mv: [Mv; 16],
    /// Reference index of each 8x8 quadrant (raster `qx + 2 * qy`); -1 for intra.
    pub ref_idx: [i8; 4],
    /// The QP the macroblock's reconstruction was last coded at: its own QP, except for a
    /// macroblock copied unchanged from the reference, which keeps the one it was copied from
    /// (51 for the flat emergency IDR). Static content is re-coded when the frame QP drops well
    /// below it, so a screen that stops changing sharpens instead of freezing at the quality
    /// of its first picture.
    pub content_qp: u8,
}

/// Where a macroblock sits and which of its neighbours are available for prediction and
/// context (inside the picture, in the same slice, already coded: 6.4.8, 6.4.11.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MbPos {
    /// Address (raster index) of the macroblock.
    pub addr: usize,
    /// Column in macroblocks.
    pub mb_x: usize,
    /// Row in macroblocks.
    pub mb_y: usize,
    /// Address of the left neighbour (A) when available.
    pub left: Option<usize>,
    /// Address of the top neighbour (B) when available.
    pub top: Option<usize>,
    /// Address of the top-right neighbour (C) when available.
    pub top_right: Option<usize>,
    /// Address of the top-left neighbour (D) when available.
    pub top_left: Option<usize>,
}

impl MbPos {
    /// The position of macroblock (`mb_x`, `mb_y`) in a picture `mb_width` macroblocks wide whose
    /// slices start at the macroblock addresses for which `slice_of` differs (neighbours in
    /// another slice are unavailable).
    pub fn new(mb_x: usize, mb_y: usize, mb_width: usize, slice_of: impl Fn(usize) -> u16) -> Self {
        let addr = mb_y * mb_width + mb_x;
        let s = slice_of(addr);
        let avail = |a: usize| (slice_of(a) == s).then_some(a);
        MbPos {
            addr,
            mb_x,
            mb_y,
            left: if mb_x > 0 { avail(addr - 1) } else { None },
            top: if mb_y > 0 {
                avail(addr - mb_width)
            } else {
                None
            },
            top_right: if mb_y > 0 && mb_x + 1 < mb_width {
                avail(addr - mb_width + 1)
            } else {
                None
            },
            top_left: if mb_y > 0 && mb_x > 0 {
                avail(addr - mb_width - 1)
            } else {
                None
            },
        }
    }
}

/// QP_C as a function of qPI = Clip3(0, 51, QP_Y + chroma_qp_index_offset) (Table 8-15).
pub const CHROMA_QP: [u8; 52] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    26, 27, 28, 29, 29, 30, 31, 32, 32, 33, 34, 34, 35, 35, 36, 36, 37, 37, 37, 38, 38, 38, 39, 39,
    39, 39,
];

/// QP_C for a luma QP with chroma_qp_index_offset 0 (rtenc's PPS always uses 0).
#[inline]
pub fn chroma_qp(qp_y: u8) -> u8 {
    CHROMA_QP[qp_y.min(51) as usize]
}

/// `luma4x4BlkIdx` (bitstream order, 6.4.3) to raster index `bx + 4 * by`.
pub const BLK_TO_RASTER: [usize; 16] = [0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15];

pub use crate::tables::ZIGZAG4X4;
