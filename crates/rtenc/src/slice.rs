//! One slice: a band of whole macroblock rows coded into its own NAL unit payload. Slices do
//! not predict from each other (intra neighbours, motion vector predictors and CAVLC contexts
//! stop at slice edges, 6.4.8), so each is coded by a [`SliceCoder`] that owns everything it
//! writes — bits, reconstruction, macroblock state — and several can run on separate threads.
//! Deblocking, which does cross slice edges, runs afterwards on the whole picture.

use std::ops::Range;

use crate::analyse::inter::{code_p_mb, PDecision, PFrameCtx};
use crate::analyse::intra::{code_intra_chroma, code_intra_flat, code_intra_luma};
use crate::bitstream::pps::Pps;
use crate::bitstream::slice_header::{SliceHeader, SliceType};
use crate::bitstream::sps::Sps;
use crate::bitstream::BitWriter;
use crate::common::{MbInfo, MbPos, Mv};
use crate::entropy::macroblock::{write_inter_mb, write_intra_mb};
use crate::macroblock::MbCoding;
use crate::picture::Picture;

/// What every slice of a picture shares.
pub struct PictureCtx<'a> {
    /// Sources, reference and decision parameters (the reference is unused in IDR pictures).
    pub p: PFrameCtx<'a>,
    /// The sequence parameter set (for the slice header syntax).
    pub sps: &'a Sps,
    /// The picture parameter set.
    pub pps: &'a Pps,
    /// IDR picture (all macroblocks intra) or P picture.
    pub idr: bool,
    /// Code every IDR macroblock as flat I16x16 without residual (the rate control's last
    /// resort).
    pub emergency: bool,
    /// frame_num.
    pub frame_num: u32,
    /// idr_pic_id for IDR pictures.
    pub idr_pic_id: u32,
    /// Picture width in macroblocks.
    pub mb_width: usize,
    /// The first macroblock row of every slice, ascending, starting at 0.
    pub slice_rows: &'a [usize],
}

impl PictureCtx<'_> {
    /// The slice holding macroblock `addr`.
    fn slice_of(&self, addr: usize) -> u16 {
        let row = addr / self.mb_width;
        (self.slice_rows.partition_point(|&r| r <= row) - 1) as u16
    }
}

/// Everything one slice writes.
pub struct SliceCoder {
    /// The slice's RBSP (header and macroblocks).
    pub writer: BitWriter,
    /// The reconstruction; only this slice's rows are meaningful.
    pub recon: Picture,
    /// Macroblock state for the whole picture; only this slice's macroblocks are meaningful.
    pub mbs: Vec<MbInfo>,
    /// Macroblock syntax scratch.
    mb: MbCoding,
    /// P_Skip macroblocks with a zero vector in the last slice coded.
    pub static_skips: usize,
}

impl SliceCoder {
    /// A coder for pictures of `mb_width` x `mb_height` macroblocks with a reconstruction shaped
    /// like `like`.
    pub fn new(like: &Picture, mb_width: usize, mb_height: usize) -> Self {
        SliceCoder {
            writer: BitWriter::with_capacity(mb_width * mb_height * 64),
            recon: like.clone(),
            mbs: vec![MbInfo::default(); mb_width * mb_height],
            mb: MbCoding::default(),
            static_skips: 0,
        }
    }

    /// Codes macroblock rows `rows` (slice number `index`) of the picture into `self.writer`.
    pub fn code(&mut self, pic: &PictureCtx<'_>, index: usize, rows: Range<usize>) {
        let p = &pic.p;
        let (qp, qp_c, lambda) = (p.qp, p.qp_c, p.lambda);
        let first_mb = rows.start * pic.mb_width;
        let header = SliceHeader {
            first_mb_in_slice: first_mb as u32,
            slice_type: if pic.idr { SliceType::I } else { SliceType::P },
            frame_num: pic.frame_num,
            idr_pic_id: pic.idr.then_some(pic.idr_pic_id),
            nal_ref_idc: 3,
            slice_qp: qp,
            disable_deblocking_filter_idc: 0,
            slice_alpha_c0_offset_div2: 0,
            slice_beta_offset_div2: 0,
        };
        self.writer.clear();
        header.write(&mut self.writer, pic.sps, pic.pps);
        let mbs_range = first_mb..rows.end * pic.mb_width;
        self.mbs[mbs_range].fill(MbInfo::default());
        self.static_skips = 0;
        let mut skip_run = 0u32;
        for mb_y in rows {
            for mb_x in 0..pic.mb_width {
                let pos = MbPos::new(mb_x, mb_y, pic.mb_width, |a| pic.slice_of(a));
                self.mb.clear();
                let mut info = MbInfo {
                    qp,
                    slice: index as u16,
                    ref_idx: [-1; 4],
                    content_qp: if pic.idr && pic.emergency { 51 } else { qp },
                    ..MbInfo::default()
                };
                let decision = if pic.idr && pic.emergency {
                    code_intra_flat(&mut self.recon, &pos, &mut self.mb, &mut info);
                    PDecision::Intra
                } else if pic.idr {
                    code_intra_luma(
                        &p.src.y,
                        &mut self.recon.y,
                        &self.mbs,
                        &pos,
                        qp,
                        lambda,
                        p.i4_search,
                        u32::MAX,
                        &mut self.mb,
                        &mut info,
                    );
                    code_intra_chroma(
                        p.src,
                        &mut self.recon,
                        &pos,
                        qp_c,
                        lambda,
                        &mut self.mb,
                        &mut info,
                    );
                    PDecision::Intra
                } else {
                    code_p_mb(p, &mut self.recon, &self.mbs, &pos, &mut self.mb, &mut info)
                };
                self.mbs[pos.addr] = info;
                match decision {
                    PDecision::Skip => {
                        skip_run += 1;
                        self.static_skips += usize::from(info.mv[0] == Mv::ZERO);
                    }
                    PDecision::Inter | PDecision::Intra => {
                        if !pic.idr {
                            self.writer.put_ue(skip_run);
                            skip_run = 0;
                        }
                        if decision == PDecision::Intra {
                            write_intra_mb(&mut self.writer, &self.mb, &self.mbs, &pos, !pic.idr);
                        } else {
                            write_inter_mb(&mut self.writer, &self.mb, &self.mbs, &pos);
                        }
                    }
                }
            }
        }
        if skip_run > 0 {
            self.writer.put_ue(skip_run);
        }
        self.writer.put_trailing_bits();
    }
}

/// The first macroblock row of each of `n` slices splitting `mb_height` rows as evenly as
/// possible (at most one slice per row).
pub fn slice_rows(mb_height: usize, n: usize) -> Vec<usize> {
    let n = n.clamp(1, mb_height.max(1));
    (0..n).map(|i| i * mb_height / n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_split_evenly() {
        assert_eq!(slice_rows(68, 1), vec![0]);
        assert_eq!(slice_rows(68, 2), vec![0, 34]);
        assert_eq!(slice_rows(45, 4), vec![0, 11, 22, 33]);
        assert_eq!(slice_rows(2, 8), vec![0, 1]);
    }
}
