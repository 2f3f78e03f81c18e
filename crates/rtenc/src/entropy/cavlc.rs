//! residual_block_cavlc (7.3.5.3.2, 9.2): coeff_token, trailing ones, levels, total_zeros and
//! run_before.

use crate::bitstream::BitWriter;

/// Writes one residual block with CAVLC and returns its total_coeff.
///
/// `coeffs` holds the block's levels in scan order and its length is maxNumCoeff: 16 (Intra4x4 /
/// inter luma 4x4), 15 (I16x16 AC and chroma AC: scan positions 1..=15), 4 (chroma DC, 4:2:0).
/// `nc` is nC from 9.2.1 (0.. for luma and chroma AC, -1 for chroma DC). Every level must satisfy
/// |level| <= 2063 (the largest magnitude Baseline can code in every suffixLength state).
pub fn write_residual_block(_w: &mut BitWriter, _coeffs: &[i32], _nc: i32) -> u8 {
    todo!()
}

/// The number of bits [`write_residual_block`] would write, without writing them.
pub fn residual_block_bits(_coeffs: &[i32], _nc: i32) -> u32 {
    todo!()
}
