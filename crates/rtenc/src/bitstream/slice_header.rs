//! The slice header (7.3.3).
//!
//! For rtenc's parameter sets (frame-only, POC type 2, CAVLC, no FMO, no weighted prediction)
//! the header is: first_mb_in_slice, slice_type, pic_parameter_set_id, frame_num, idr_pic_id for
//! IDR pictures, the reference list syntax for P slices, dec_ref_pic_marking for reference
//! pictures, slice_qp_delta and the deblocking controls. The slice data follows without
//! alignment: the caller keeps writing macroblocks into the same [`BitWriter`].

use super::pps::Pps;
use super::sps::Sps;
use super::writer::BitWriter;

/// The slice types rtenc writes (Table 7-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SliceType {
    /// P slice: slice_type 0.
    P,
    /// I slice: slice_type 2.
    I,
}

impl SliceType {
    /// The slice_type value written: 0 for P, 2 for I. rtenc writes the plain values (not
    /// 5 / 7), which make no claim about the other slices of the picture.
    pub fn code(self) -> u32 {
        match self {
            SliceType::P => 0,
            SliceType::I => 2,
        }
    }

    #[cfg(any(test, feature = "internals"))]
    /// The slice type of a slice_type value (0..=9), if it is one rtenc writes.
    pub fn from_code(slice_type: u32) -> Option<SliceType> {
        match slice_type % 5 {
            _ if slice_type > 9 => None,
            0 => Some(SliceType::P),
            2 => Some(SliceType::I),
            _ => None,
        }
    }
}

/// The per-slice values of a slice header; everything else comes from the SPS and PPS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SliceHeader {
    /// first_mb_in_slice: address of the first macroblock (0 for a picture in one slice).
    pub first_mb_in_slice: u32,
    /// slice_type.
    pub slice_type: SliceType,
    /// frame_num: 0 for IDR pictures, then incremented after each reference picture. The writer
    /// reduces it modulo MaxFrameNum, so a running count may be passed.
    pub frame_num: u32,
    /// `Some(idr_pic_id)` (0..=65535) for slices of IDR pictures (nal_unit_type 5), `None`
    /// otherwise. Two consecutive IDR pictures must use different values.
    pub idr_pic_id: Option<u32>,
    /// nal_ref_idc of the NAL unit carrying the slice (0..=3): non-zero for reference pictures,
    /// which carry dec_ref_pic_marking(). Must be non-zero for IDR pictures.
    pub nal_ref_idc: u8,
    /// SliceQPY, 0..=51 (written as slice_qp_delta against the PPS's pic_init_qp).
    pub slice_qp: u8,
    /// disable_deblocking_filter_idc: 0 filter everything, 1 filter nothing, 2 filter but not
    /// across slice boundaries. Only written when the PPS has
    /// deblocking_filter_control_present_flag; otherwise it must be 0.
    pub disable_deblocking_filter_idc: u8,
    /// slice_alpha_c0_offset_div2, -6..=6 (written when the filter is not disabled).
    pub slice_alpha_c0_offset_div2: i8,
    /// slice_beta_offset_div2, -6..=6 (written when the filter is not disabled).
    pub slice_beta_offset_div2: i8,
}

impl SliceHeader {
    #[cfg(any(test, feature = "internals"))]
    /// A header for a whole picture in one slice (first_mb_in_slice 0) of a reference picture
    /// (nal_ref_idc 3), deblocking on with zero offsets. Pass `idr_pic_id` for IDR pictures.
    pub fn new(slice_type: SliceType, frame_num: u32, idr_pic_id: Option<u32>, qp: u8) -> Self {
        SliceHeader {
            first_mb_in_slice: 0,
            slice_type,
            frame_num,
            idr_pic_id,
            nal_ref_idc: 3,
            slice_qp: qp,
            disable_deblocking_filter_idc: 0,
            slice_alpha_c0_offset_div2: 0,
            slice_beta_offset_div2: 0,
        }
    }

    /// Writes slice_header() (7.3.3) for pictures described by `sps` and `pps`. No alignment
    /// and no trailing bits: slice_data() follows directly.
    ///
    /// # Panics
    /// If the header contradicts the parameter sets or its own constraints (an IDR P slice, an
    /// IDR without nal_ref_idc, QP out of range, deblocking controls without
    /// deblocking_filter_control_present_flag), or the parameter sets use features this writer
    /// does not support (fields, POC types 0/1, FMO, weighted prediction, CABAC).
    pub fn write(&self, w: &mut BitWriter, sps: &Sps, pps: &Pps) {
        assert!(sps.frame_mbs_only_flag, "frame-only streams only");
        assert_eq!(sps.pic_order_cnt_type, 2, "POC type 2 only");
        assert_eq!(pps.num_slice_groups_minus1, 0, "no FMO");
        assert!(!pps.entropy_coding_mode_flag, "CAVLC only");
        assert!(self.nal_ref_idc <= 3, "nal_ref_idc is 0..=3");
        assert!(
            self.slice_qp <= 51,
            "slice QP {} out of 0..=51",
            self.slice_qp
        );
        let is_p = self.slice_type == SliceType::P;
        assert!(
            !(is_p && pps.weighted_pred_flag),
            "no pred_weight_table support"
        );
        if let Some(id) = self.idr_pic_id {
            assert!(!is_p, "IDR pictures contain only I slices");
            assert!(self.nal_ref_idc != 0, "IDR pictures need nal_ref_idc != 0");
            assert!(id <= 65535, "idr_pic_id is 0..=65535");
            debug_assert_eq!(
                self.frame_num % sps.max_frame_num(),
                0,
                "IDR frame_num must be 0"
            );
        }
        if !pps.deblocking_filter_control_present_flag {
            assert!(
                self.disable_deblocking_filter_idc == 0
                    && self.slice_alpha_c0_offset_div2 == 0
                    && self.slice_beta_offset_div2 == 0,
                "deblocking controls need deblocking_filter_control_present_flag"
            );
        }

        // 7.3.3
        w.put_ue(self.first_mb_in_slice);
        w.put_ue(self.slice_type.code());
        w.put_ue(pps.pic_parameter_set_id);
        // separate_colour_plane_flag is 0: no colour_plane_id.
        let log2 = u32::from(sps.log2_max_frame_num);
        w.put_bits(log2, self.frame_num & (sps.max_frame_num() - 1));
        // frame_mbs_only_flag 1: no field_pic_flag.
        if let Some(id) = self.idr_pic_id {
            w.put_ue(id);
        }
        // pic_order_cnt_type 2: no pic_order_cnt_lsb / delta_pic_order_cnt.
        if pps.redundant_pic_cnt_present_flag {
            w.put_ue(0); // redundant_pic_cnt: primary coded picture
        }
        if is_p {
            // num_ref_idx_active_override_flag: exactly one reference is active.
            if pps.num_ref_idx_l0_default_active_minus1 == 0 {
                w.put_bit(false);
            } else {
                w.put_bit(true);
                w.put_ue(0); // num_ref_idx_l0_active_minus1
            }
            // ref_pic_list_modification() (7.3.3.1): ref_pic_list_modification_flag_l0 = 0.
            w.put_bit(false);
        }
        // No pred_weight_table(): weighted_pred_flag is 0 (asserted above).
        if self.nal_ref_idc != 0 {
            // dec_ref_pic_marking() (7.3.3.3)
            if self.idr_pic_id.is_some() {
                w.put_bit(false); // no_output_of_prior_pics_flag
                w.put_bit(false); // long_term_reference_flag
            } else {
                w.put_bit(false); // adaptive_ref_pic_marking_mode_flag: sliding window
            }
        }
        // CAVLC: no cabac_init_idc.
        w.put_se(i32::from(self.slice_qp) - i32::from(pps.pic_init_qp)); // slice_qp_delta
                                                                         // Not SP/SI: no sp_for_switch_flag / slice_qs_delta.
        if pps.deblocking_filter_control_present_flag {
            assert!(
                self.disable_deblocking_filter_idc <= 2,
                "disable_deblocking_filter_idc"
            );
            w.put_ue(self.disable_deblocking_filter_idc.into());
            if self.disable_deblocking_filter_idc != 1 {
                let (a, b) = (self.slice_alpha_c0_offset_div2, self.slice_beta_offset_div2);
                assert!(
                    (-6..=6).contains(&a) && (-6..=6).contains(&b),
                    "filter offsets"
                );
                w.put_se(a.into());
                w.put_se(b.into());
            }
        }
        // num_slice_groups_minus1 is 0: no slice_group_change_cycle.
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitstream::parse::{parse_pps, parse_slice_header, parse_sps};
    use crate::bitstream::parse::{DecRefPicMarking, ParsedSliceHeader};
    use crate::Config;

    fn params(w: u32, h: u32) -> (Sps, Pps) {
        let mut c = Config::new(w, h);
        c.fps = 30.0;
        c.validate().unwrap();
        (Sps::from_config(&c), Pps::new())
    }

    /// Writes `sh`, then a marker of slice data, parses the header back and checks that the
    /// parser stops exactly where the slice data starts.
    fn round_trip(sh: &SliceHeader, sps: &Sps, pps: &Pps) -> ParsedSliceHeader {
        let mut w = BitWriter::new();
        sh.write(&mut w, sps, pps);
        let header_bits = w.bit_len();
        w.put_bits(7, 0b101_1011); // stand-in for slice data
        w.put_trailing_bits();
        let rbsp = w.into_bytes();
        let nal_type = if sh.idr_pic_id.is_some() { 5 } else { 1 };
        let psps = parse_sps(&sps.to_rbsp()).unwrap();
        let ppps = parse_pps(&pps.to_rbsp()).unwrap();
        let p = parse_slice_header(&rbsp, nal_type, sh.nal_ref_idc, &psps, &ppps)
            .unwrap_or_else(|e| panic!("{sh:?}: {e}"));
        assert_eq!(p.header_bits, header_bits, "{sh:?}");
        // Every syntax element:
        assert_eq!(p.first_mb_in_slice, sh.first_mb_in_slice);
        assert_eq!(p.slice_type, sh.slice_type.code());
        assert_eq!(p.pic_parameter_set_id, pps.pic_parameter_set_id);
        assert_eq!(p.colour_plane_id, None);
        assert_eq!(p.frame_num, sh.frame_num % sps.max_frame_num());
        assert!(!p.field_pic_flag && !p.bottom_field_flag);
        assert_eq!(p.idr_pic_id, sh.idr_pic_id);
        assert_eq!(p.pic_order_cnt_lsb, None);
        assert_eq!(p.delta_pic_order_cnt_bottom, None);
        assert_eq!(p.delta_pic_order_cnt, [None, None]);
        assert_eq!(
            p.redundant_pic_cnt,
            pps.redundant_pic_cnt_present_flag.then_some(0)
        );
        assert_eq!(p.direct_spatial_mv_pred_flag, None);
        let is_p = sh.slice_type == SliceType::P;
        if is_p {
            assert_eq!(
                p.num_ref_idx_active_override_flag,
                Some(pps.num_ref_idx_l0_default_active_minus1 != 0)
            );
            assert_eq!(p.ref_pic_list_modification_flag_l0, Some(false));
        } else {
            assert_eq!(p.num_ref_idx_active_override_flag, None);
            assert_eq!(p.ref_pic_list_modification_flag_l0, None);
        }
        assert_eq!(p.num_ref_idx_l0_active_minus1, 0);
        assert!(p.ref_pic_list_modification_l0.is_empty());
        assert_eq!(p.ref_pic_list_modification_flag_l1, None);
        assert!(!p.pred_weight_table_present);
        let marking = match (sh.nal_ref_idc, sh.idr_pic_id) {
            (0, _) => None,
            (_, Some(_)) => Some(DecRefPicMarking::Idr {
                no_output_of_prior_pics_flag: false,
                long_term_reference_flag: false,
            }),
            (_, None) => Some(DecRefPicMarking::SlidingWindow),
        };
        assert_eq!(p.dec_ref_pic_marking, marking);
        assert_eq!(p.cabac_init_idc, None);
        assert_eq!(
            p.slice_qp_delta,
            i32::from(sh.slice_qp) - i32::from(pps.pic_init_qp)
        );
        assert_eq!(p.slice_qp, i32::from(sh.slice_qp));
        assert_eq!(p.sp_for_switch_flag, None);
        assert_eq!(p.slice_qs_delta, None);
        assert_eq!(
            u32::from(sh.disable_deblocking_filter_idc),
            p.disable_deblocking_filter_idc
        );
        let offsets_written = sh.disable_deblocking_filter_idc != 1;
        let exp_a = if offsets_written {
            sh.slice_alpha_c0_offset_div2
        } else {
            0
        };
        let exp_b = if offsets_written {
            sh.slice_beta_offset_div2
        } else {
            0
        };
        assert_eq!(p.slice_alpha_c0_offset_div2, i32::from(exp_a));
        assert_eq!(p.slice_beta_offset_div2, i32::from(exp_b));
        assert_eq!(p.slice_group_change_cycle, None);
        // And back to the writer's struct.
        let back = p.to_slice_header(&ppps).unwrap();
        let mut expected = *sh;
        expected.frame_num %= sps.max_frame_num();
        expected.slice_alpha_c0_offset_div2 = exp_a;
        expected.slice_beta_offset_div2 = exp_b;
        assert_eq!(back, expected);
        // The stand-in slice data is right after the header.
        let mut r = crate::bitstream::parse::BitReader::new(&rbsp);
        r.skip(p.header_bits).unwrap();
        assert_eq!(r.u(7).unwrap(), 0b101_1011);
        p
    }

    #[test]
    fn idr_and_p_headers_round_trip_for_every_qp() {
        let (sps, pps) = params(1280, 720);
        for qp in 0..=51u8 {
            let idr = SliceHeader::new(SliceType::I, 0, Some(u32::from(qp) * 1000), qp);
            round_trip(&idr, &sps, &pps);
            let p = SliceHeader::new(SliceType::P, u32::from(qp) * 1237, None, qp);
            round_trip(&p, &sps, &pps);
        }
    }

    #[test]
    fn deblocking_controls_round_trip() {
        let (sps, pps) = params(176, 144);
        for idc in 0..=2u8 {
            for (a, b) in [(0, 0), (-6, 6), (6, -6), (3, -2), (-1, 1)] {
                for ty in [SliceType::I, SliceType::P] {
                    let mut sh = SliceHeader::new(ty, 5, None, 30);
                    sh.disable_deblocking_filter_idc = idc;
                    sh.slice_alpha_c0_offset_div2 = a;
                    sh.slice_beta_offset_div2 = b;
                    round_trip(&sh, &sps, &pps);
                }
            }
        }
    }

    #[test]
    fn other_fields_round_trip() {
        let (sps, mut pps) = params(1920, 1080);
        // frame_num wraps modulo MaxFrameNum = 65536.
        let sh = SliceHeader::new(SliceType::P, 65536 + 17, None, 20);
        assert_eq!(round_trip(&sh, &sps, &pps).frame_num, 17);
        // Non-reference P picture: no dec_ref_pic_marking.
        let mut sh = SliceHeader::new(SliceType::P, 4, None, 20);
        sh.nal_ref_idc = 0;
        round_trip(&sh, &sps, &pps);
        // Non-IDR I slice in a reference picture.
        let sh = SliceHeader::new(SliceType::I, 9, None, 33);
        round_trip(&sh, &sps, &pps);
        // A later slice of a picture; largest idr_pic_id.
        let mut sh = SliceHeader::new(SliceType::I, 0, Some(65535), 40);
        sh.first_mb_in_slice = 8159;
        sh.nal_ref_idc = 1;
        round_trip(&sh, &sps, &pps);
        // PPS variants the writer follows: other pic_init_qp, redundant_pic_cnt, more default
        // references (override to one), no deblocking control.
        pps.pic_init_qp = 40;
        pps.redundant_pic_cnt_present_flag = true;
        pps.num_ref_idx_l0_default_active_minus1 = 3;
        pps.pic_parameter_set_id = 7;
        for qp in [0, 40, 51] {
            round_trip(&SliceHeader::new(SliceType::P, 3, None, qp), &sps, &pps);
            round_trip(&SliceHeader::new(SliceType::I, 0, Some(1), qp), &sps, &pps);
        }
        pps.deblocking_filter_control_present_flag = false;
        round_trip(&SliceHeader::new(SliceType::P, 3, None, 12), &sps, &pps);
        // A small MaxFrameNum.
        let mut sps4 = sps.clone();
        sps4.log2_max_frame_num = 4;
        let sh = SliceHeader::new(SliceType::P, 21, None, 20);
        assert_eq!(round_trip(&sh, &sps4, &Pps::new()).frame_num, 5);
    }

    #[test]
    fn known_bits_of_an_idr_header() {
        let (sps, pps) = params(16, 16);
        let mut w = BitWriter::new();
        SliceHeader::new(SliceType::I, 0, Some(0), 26).write(&mut w, &sps, &pps);
        // first_mb ue(0), slice_type ue(2), pps_id ue(0), frame_num u(16) 0, idr_pic_id ue(0),
        // no_output_of_prior_pics 0, long_term_reference 0, slice_qp_delta se(0),
        // disable_deblocking_filter_idc ue(0), alpha se(0), beta se(0):
        // 1 011 1 0000000000000000 1 00 1 1 1 1, then the stop bit 1 000
        assert_eq!(w.bit_len(), 1 + 3 + 1 + 16 + 1 + 2 + 1 + 1 + 1 + 1);
        w.put_trailing_bits();
        let b = w.into_bytes();
        assert_eq!(b, vec![0b1011_1000, 0, 0b0000_0100, 0b1111_1000]);
    }

    #[test]
    fn slice_type_codes() {
        assert_eq!(SliceType::P.code(), 0);
        assert_eq!(SliceType::I.code(), 2);
        assert_eq!(SliceType::from_code(5), Some(SliceType::P));
        assert_eq!(SliceType::from_code(7), Some(SliceType::I));
        assert_eq!(SliceType::from_code(1), None);
        assert_eq!(SliceType::from_code(12), None);
    }
}
