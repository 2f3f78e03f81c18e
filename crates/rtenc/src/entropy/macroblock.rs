//! macroblock_layer() (7.3.5) with CAVLC: mb_type, prediction modes, coded_block_pattern,
//! mb_qp_delta and residual(); plus mb_skip_run for P slices.

use super::cavlc::{
    write_block_4x4, write_block_4x4_counted, write_block_4x4_masked, write_block_ac_counted,
    write_block_chroma_dc,
};
use crate::bitstream::writer::BitSink;
use crate::bitstream::BitWriter;
use crate::common::intra_pred::predicted_i4_mode;
use crate::common::{MbInfo, MbPos, MbType, BLK_TO_RASTER};
use crate::macroblock::MbCoding;

/// Table 9-4 (ChromaArrayType 1): coded_block_pattern -> codeNum for Intra_4x4 macroblocks.
const CBP_INTRA_TO_CODE: [u8; 48] = [
    3, 29, 30, 17, 31, 18, 37, 8, 32, 38, 19, 9, 20, 10, 11, 2, 16, 33, 34, 21, 35, 22, 39, 4, 36,
    40, 23, 5, 24, 6, 7, 1, 41, 42, 43, 25, 44, 26, 46, 12, 45, 47, 27, 13, 28, 14, 15, 0,
];
/// Table 9-4 (ChromaArrayType 1): coded_block_pattern -> codeNum for inter macroblocks.
const CBP_INTER_TO_CODE: [u8; 48] = [
    0, 2, 3, 7, 4, 8, 17, 13, 5, 18, 9, 14, 10, 15, 16, 11, 1, 32, 33, 36, 34, 37, 44, 40, 35, 45,
    38, 41, 39, 42, 43, 19, 6, 24, 25, 20, 26, 21, 46, 28, 27, 47, 22, 29, 23, 30, 31, 12,
];

/// The lanes (bytes of a little-endian u128, block `bx + n * by` in lane `bx + n * by`) of
/// the blocks of an `n` x `n` grid in column 0.
const fn column0(n: usize) -> u128 {
    let (mut m, mut by) = (0u128, 0);
    while by < n {
        m |= 0xFF << (8 * n * by);
        by += 1;
    }
    m
}

/// The lanes of the blocks of an `n` x `n` grid in row 0.
const fn row0(n: usize) -> u128 {
    (1u128 << (8 * n)) - 1
}

/// nC (9.2.1) of every block of an `N` x `N` grid of 4x4 blocks (luma: `N` = 4; chroma AC of
/// one plane: `N` = 2), one per byte in raster order, from the total_coeff grids (one count per
/// byte, raster order, as little-endian integers) of the current macroblock and of its left and
/// top neighbours where available.
///
/// All the blocks at once, in the bytes of one integer: nA and nB are the current grid shifted
/// by a column and by a row with the neighbours' edge columns and rows shifted in, and nC is
/// their rounded mean where both are available (every block but those of an edge whose
/// neighbour is missing), their sum otherwise (the missing one counts 0). Counts are at most 16,
/// so no byte carries into the next.
#[inline(always)]
fn all_nc<const N: usize>(cur: u128, left: Option<u128>, top: Option<u128>) -> [u8; 16] {
    let col0 = const { column0(N) };
    let row0 = const { row0(N) };
    let ones = u128::MAX / 0xFF;
    let a = ((cur << 8) & !col0) | ((left.unwrap_or(0) >> (8 * (N - 1))) & col0);
    let b = (cur << (8 * N)) | ((top.unwrap_or(0) >> (8 * N * (N - 1))) & row0);
    let mut both = u128::MAX;
    if left.is_none() {
        both &= !col0;
    }
    if top.is_none() {
        both &= !row0;
    }
    let sum = a + b;
    let mean = ((sum + ones) >> 1) & (ones * 0x7F);
    ((mean & both) | (sum & !both)).to_le_bytes()
}

/// Writes macroblock_layer() for an intra macroblock. `p_slice` shifts the mb_type by 5
/// (Table 7-13: intra types follow the P types in P slices). The current macroblock's
/// `MbInfo` (total_coeff counts, modes) must already be filled in.
pub fn write_intra_mb(
    w: &mut BitWriter,
    mb: &MbCoding,
    mbs: &[MbInfo],
    pos: &MbPos,
    p_slice: bool,
) {
    w.with_sink(
        #[inline(always)]
        |w| {
            let offset = if p_slice { 5 } else { 0 };
            match mb.mb_type {
                MbType::I4x4 => {
                    w.put_ue(offset);
                    for &raster in &BLK_TO_RASTER {
                        let mode = mb.i4_modes[raster];
                        let pred =
                            predicted_i4_mode(mbs, pos, &mbs[pos.addr].intra4x4_modes, raster);
                        if mode == pred {
                            w.put_bit(true);
                        } else {
                            // prev_intra4x4_pred_mode_flag 0, then rem_intra4x4_pred_mode.
                            w.put_bits(4, u32::from(if mode < pred { mode } else { mode - 1 }));
                        }
                    }
                }
                MbType::I16x16 => {
                    let t = 1
                        + u32::from(mb.i16_mode)
                        + 4 * u32::from(mb.cbp_chroma)
                        + if mb.cbp_luma != 0 { 12 } else { 0 };
                    w.put_ue(offset + t);
                }
                other => unreachable!("write_intra_mb called with {other:?}"),
            }
            w.put_ue(u32::from(mb.chroma_mode));
            if mb.mb_type == MbType::I4x4 {
                w.put_ue(u32::from(CBP_INTRA_TO_CODE[mb.cbp() as usize]));
            }
            if mb.mb_type == MbType::I16x16 || mb.cbp() != 0 {
                w.put_se(mb.qp_delta);
                write_residual(w, mb, mbs, pos, None);
            }
        },
    );
}

/// Writes macroblock_layer() for a coded (not skipped) inter macroblock in a P slice: mb_type,
/// sub_mb_type for P_8x8, the motion vector differences (ref_idx_l0 is absent: one reference),
/// coded_block_pattern, mb_qp_delta and the residual (7.3.5, 7.3.5.1, 7.3.5.2).
pub fn write_inter_mb(w: &mut BitWriter, mb: &MbCoding, mbs: &[MbInfo], pos: &MbPos) {
    let (mb_type, parts) = match mb.mb_type {
        MbType::P16x16 => (0, 1),
        MbType::P16x8 => (1, 2),
        MbType::P8x16 => (2, 2),
        MbType::P8x8 => (3, 4),
        other => unreachable!("write_inter_mb called with {other:?}"),
    };
    w.with_sink(
        #[inline(always)]
        |w| {
            w.put_ue(mb_type);
            if mb.mb_type == MbType::P8x8 {
                // Four sub_mb_type P_L0_8x8: ue(0) each.
                w.put_bits(4, 0b1111);
            }
            for mvd in &mb.mvd[..parts] {
                w.put_se(i32::from(mvd.x));
                w.put_se(i32::from(mvd.y));
            }
            w.put_ue(u32::from(CBP_INTER_TO_CODE[mb.cbp() as usize]));
            if mb.cbp() != 0 {
                w.put_se(mb.qp_delta);
                write_residual(w, mb, mbs, pos, Some(&mb.luma_nz));
            }
        },
    );
}

/// total_coeff of the chroma AC blocks of plane `c` (0 = Cb, 1 = Cr).
#[inline(always)]
fn chroma_counts(m: &MbInfo, c: usize) -> &[u8; 4] {
    if c == 0 {
        &m.total_coeff_cb
    } else {
        &m.total_coeff_cr
    }
}

/// residual() (7.3.5.3) for 4:2:0 CAVLC; `luma_nz`: the non-zero masks of the luma blocks when
/// known (inter macroblocks: `MbCoding::luma_nz`).
#[inline(always)]
fn write_residual(
    w: &mut BitSink<'_>,
    mb: &MbCoding,
    mbs: &[MbInfo],
    pos: &MbPos,
    luma_nz: Option<&[u16; 16]>,
) {
    let cur = &mbs[pos.addr];
    let i16 = mb.mb_type == MbType::I16x16;
    if i16 || mb.cbp_luma != 0 {
        let grid = |m: &MbInfo| u128::from_le_bytes(m.total_coeff);
        let ncs = all_nc::<4>(
            grid(cur),
            pos.left.map(|l| grid(&mbs[l])),
            pos.top.map(|t| grid(&mbs[t])),
        );
        if i16 {
            write_block_4x4(w, &mb.luma_dc, i32::from(ncs[0]));
        }
        for q in 0..4 {
            if mb.cbp_luma & (1 << q) == 0 {
                continue;
            }
            for sub in 0..4 {
                let raster = BLK_TO_RASTER[q * 4 + sub] & 15;
                let nc = i32::from(ncs[raster]);
                let count = cur.total_coeff[raster];
                let block = &mb.luma[raster];
                if i16 {
                    write_block_ac_counted(w, block, nc, count);
                } else if let Some(nz) = luma_nz {
                    write_block_4x4_masked(w, block, nc, count, nz[raster]);
                } else {
                    write_block_4x4_counted(w, block, nc, count);
                }
            }
        }
    }
    if mb.cbp_chroma != 0 {
        for c in 0..2 {
            write_block_chroma_dc(w, &mb.chroma_dc[c]);
        }
    }
    if mb.cbp_chroma == 2 {
        for c in 0..2 {
            let grid = |m: &MbInfo| u128::from(u32::from_le_bytes(*chroma_counts(m, c)));
            let ncs = all_nc::<2>(
                grid(cur),
                pos.left.map(|l| grid(&mbs[l])),
                pos.top.map(|t| grid(&mbs[t])),
            );
            let counts = chroma_counts(cur, c);
            for blk in 0..4 {
                let nc = i32::from(ncs[blk]);
                write_block_ac_counted(w, &mb.chroma_ac[c][blk], nc, counts[blk]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cbp_tables_are_permutations() {
        for t in [&CBP_INTRA_TO_CODE, &CBP_INTER_TO_CODE] {
            let mut seen = [false; 48];
            for &c in t.iter() {
                assert!(!seen[c as usize]);
                seen[c as usize] = true;
            }
        }
        // Spot checks against Table 9-4: codeNum 0 is cbp 47 (intra) / 0 (inter); codeNum 3 is
        // cbp 0 (intra) / 2 (inter).
        assert_eq!(CBP_INTRA_TO_CODE[47], 0);
        assert_eq!(CBP_INTRA_TO_CODE[0], 3);
        assert_eq!(CBP_INTER_TO_CODE[0], 0);
        assert_eq!(CBP_INTER_TO_CODE[2], 3);
        assert_eq!(CBP_INTER_TO_CODE[16], 1);
    }

    /// nC of block (bx, by) of an n x n grid as 9.2.1 derives it, one block at a time.
    fn nc_reference(
        n: usize,
        cur: &[u8],
        left: Option<&[u8]>,
        top: Option<&[u8]>,
        bx: usize,
        by: usize,
    ) -> u8 {
        let a = if bx > 0 {
            Some(cur[bx - 1 + n * by])
        } else {
            left.map(|l| l[n - 1 + n * by])
        };
        let b = if by > 0 {
            Some(cur[bx + n * (by - 1)])
        } else {
            top.map(|t| t[bx + n * (n - 1)])
        };
        match (a, b) {
            (Some(a), Some(b)) => (a + b + 1) >> 1,
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => 0,
        }
    }

    /// all_nc agrees with the block-at-a-time derivation for every neighbour availability,
    /// random counts and the extremes (0 and 16).
    #[test]
    fn all_nc_matches_the_derivation() {
        let mut seed = 0x1234_5678u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 16) as u8
        };
        for round in 0..2000 {
            let pick = |v: u8| match round % 4 {
                0 => 16,
                1 => v % 3,
                _ => v % 17,
            };
            let grids: [[u8; 16]; 3] =
                std::array::from_fn(|_| std::array::from_fn(|_| pick(next())));
            for (has_left, has_top) in [(false, false), (true, false), (false, true), (true, true)]
            {
                let [cur, l, t] = &grids;
                let left = has_left.then_some(&l[..]);
                let top = has_top.then_some(&t[..]);
                let ncs = all_nc::<4>(
                    u128::from_le_bytes(*cur),
                    left.map(|_| u128::from_le_bytes(*l)),
                    top.map(|_| u128::from_le_bytes(*t)),
                );
                for (r, &nc) in ncs.iter().enumerate() {
                    let want = nc_reference(4, cur, left, top, r % 4, r / 4);
                    assert_eq!(nc, want, "luma block {r}");
                }
                let c4 = |g: &[u8; 16]| u128::from(u32::from_le_bytes([g[0], g[1], g[2], g[3]]));
                let ncs = all_nc::<2>(c4(cur), left.map(|_| c4(l)), top.map(|_| c4(t)));
                for (r, &nc) in ncs[..4].iter().enumerate() {
                    let want = nc_reference(2, &cur[..4], left, top, r % 2, r / 2);
                    assert_eq!(nc, want, "chroma block {r}");
                }
            }
        }
    }
}
