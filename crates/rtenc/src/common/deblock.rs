//! The in-loop deblocking filter (8.7).

use crate::common::MbInfo;
use crate::picture::Picture;

/// Slice-level deblocking controls (7.4.3): disable_deblocking_filter_idc and the offsets
/// FilterOffsetA = 2 * slice_alpha_c0_offset_div2, FilterOffsetB = 2 * slice_beta_offset_div2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeblockParams {
    /// 0: filter all edges; 1: filter none; 2: not across slice boundaries.
    pub disable_idc: u8,
    /// FilterOffsetA (even, -12..=12).
    pub offset_a: i8,
    /// FilterOffsetB (even, -12..=12).
    pub offset_b: i8,
}

/// Filters the whole picture in place, macroblock by macroblock in raster order (8.7), using the
/// coded macroblocks' types, QPs, coefficient counts and motion.
pub fn deblock_picture(
    _pic: &mut Picture,
    _mbs: &[MbInfo],
    _mb_width: usize,
    _mb_height: usize,
    _params: &DeblockParams,
) {
    todo!()
}
