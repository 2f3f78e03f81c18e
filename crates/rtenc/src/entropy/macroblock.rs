//! macroblock_layer() (7.3.5) with CAVLC: mb_type, prediction modes, coded_block_pattern,
//! mb_qp_delta and residual(); plus mb_skip_run for P slices.

use super::cavlc::{write_block_4x4, write_block_ac, write_block_chroma_dc};
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

/// nC for luma 4x4 block (bx, by) of the current macroblock (9.2.1).
fn luma_nc(mbs: &[MbInfo], pos: &MbPos, bx: usize, by: usize) -> i32 {
    let cur = &mbs[pos.addr];
    let a = if bx > 0 {
        Some(cur.total_coeff[bx - 1 + 4 * by])
    } else {
        pos.left.map(|l| mbs[l].total_coeff[3 + 4 * by])
    };
    let b = if by > 0 {
        Some(cur.total_coeff[bx + 4 * (by - 1)])
    } else {
        pos.top.map(|t| mbs[t].total_coeff[bx + 12])
    };
    combine_nc(a, b)
}

/// nC for chroma AC block (bx, by) of plane `c` (0 = Cb, 1 = Cr).
fn chroma_nc(mbs: &[MbInfo], pos: &MbPos, c: usize, bx: usize, by: usize) -> i32 {
    let tc = |m: &MbInfo| {
        if c == 0 {
            m.total_coeff_cb
        } else {
            m.total_coeff_cr
        }
    };
    let cur = tc(&mbs[pos.addr]);
    let a = if bx > 0 {
        Some(cur[bx - 1 + 2 * by])
    } else {
        pos.left.map(|l| tc(&mbs[l])[1 + 2 * by])
    };
    let b = if by > 0 {
        Some(cur[bx])
    } else {
        pos.top.map(|t| tc(&mbs[t])[bx + 2])
    };
    combine_nc(a, b)
}

#[inline]
fn combine_nc(a: Option<u8>, b: Option<u8>) -> i32 {
    match (a, b) {
        (Some(a), Some(b)) => (i32::from(a) + i32::from(b) + 1) >> 1,
        (Some(a), None) => i32::from(a),
        (None, Some(b)) => i32::from(b),
        (None, None) => 0,
    }
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
    let offset = if p_slice { 5 } else { 0 };
    match mb.mb_type {
        MbType::I4x4 => {
            w.put_ue(offset);
            for &raster in &BLK_TO_RASTER {
                let mode = mb.i4_modes[raster];
                let pred = predicted_i4_mode(mbs, pos, &mbs[pos.addr].intra4x4_modes, raster);
                if mode == pred {
                    w.put_bit(true);
                } else {
                    w.put_bit(false);
                    w.put_bits(3, u32::from(if mode < pred { mode } else { mode - 1 }));
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
        write_residual(w, mb, mbs, pos);
    }
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
    w.put_ue(mb_type);
    if mb.mb_type == MbType::P8x8 {
        for _ in 0..4 {
            w.put_ue(0); // sub_mb_type P_L0_8x8
        }
    }
    for mvd in &mb.mvd[..parts] {
        w.put_se(i32::from(mvd.x));
        w.put_se(i32::from(mvd.y));
    }
    w.put_ue(u32::from(CBP_INTER_TO_CODE[mb.cbp() as usize]));
    if mb.cbp() != 0 {
        w.put_se(mb.qp_delta);
        write_residual(w, mb, mbs, pos);
    }
}

/// residual() (7.3.5.3) for 4:2:0 CAVLC.
pub fn write_residual(w: &mut BitWriter, mb: &MbCoding, mbs: &[MbInfo], pos: &MbPos) {
    let i16 = mb.mb_type == MbType::I16x16;
    if i16 {
        write_block_4x4(w, &mb.luma_dc, luma_nc(mbs, pos, 0, 0));
    }
    for q in 0..4 {
        if mb.cbp_luma & (1 << q) == 0 {
            continue;
        }
        for sub in 0..4 {
            let raster = BLK_TO_RASTER[q * 4 + sub];
            let (bx, by) = (raster % 4, raster / 4);
            let nc = luma_nc(mbs, pos, bx, by);
            if i16 {
                write_block_ac(w, &mb.luma[raster], nc);
            } else {
                write_block_4x4(w, &mb.luma[raster], nc);
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
            for blk in 0..4 {
                let nc = chroma_nc(mbs, pos, c, blk % 2, blk / 2);
                write_block_ac(w, &mb.chroma_ac[c][blk], nc);
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

    #[test]
    fn nc_combines_with_rounding() {
        assert_eq!(combine_nc(Some(3), Some(4)), 4);
        assert_eq!(combine_nc(Some(3), None), 3);
        assert_eq!(combine_nc(None, None), 0);
    }
}
