//! The picture parameter set (7.3.2.2).
//!
//! rtenc writes one PPS (id 0, referring to SPS 0): CAVLC, one slice group, one default
//! reference index, no weighted prediction, pic_init_qp 26 (each slice header carries its QP as
//! a delta from it) and deblocking_filter_control_present_flag 1 so slice headers can switch the
//! loop filter and set its offsets.

use super::writer::BitWriter;

/// The picture parameter set syntax elements (7.3.2.2) rtenc writes. Fields that must hold a
/// particular value say so; [`Pps::write_rbsp`] panics otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pps {
    /// pic_parameter_set_id (0..=255).
    pub pic_parameter_set_id: u32,
    /// seq_parameter_set_id (0..=31) of the SPS this PPS refers to.
    pub seq_parameter_set_id: u32,
    /// entropy_coding_mode_flag: must be false (CAVLC; Baseline has no CABAC).
    pub entropy_coding_mode_flag: bool,
    /// bottom_field_pic_order_in_frame_present_flag.
    pub bottom_field_pic_order_in_frame_present_flag: bool,
    /// num_slice_groups_minus1: must be 0 (no FMO in Constrained Baseline).
    pub num_slice_groups_minus1: u32,
    /// num_ref_idx_l0_default_active_minus1 (0..=31).
    pub num_ref_idx_l0_default_active_minus1: u32,
    /// num_ref_idx_l1_default_active_minus1 (0..=31).
    pub num_ref_idx_l1_default_active_minus1: u32,
    /// weighted_pred_flag: must be false (the slice header writer has no pred_weight_table).
    pub weighted_pred_flag: bool,
    /// weighted_bipred_idc (0..=2).
    pub weighted_bipred_idc: u8,
    /// The initial luma QP of every slice, 0..=51 (written as pic_init_qp_minus26).
    pub pic_init_qp: u8,
    /// The initial QS (SP/SI slices only), 0..=51 (written as pic_init_qs_minus26).
    pub pic_init_qs: u8,
    /// chroma_qp_index_offset (-12..=12).
    pub chroma_qp_index_offset: i8,
    /// deblocking_filter_control_present_flag: slice headers carry the loop filter controls.
    pub deblocking_filter_control_present_flag: bool,
    /// constrained_intra_pred_flag.
    pub constrained_intra_pred_flag: bool,
    /// redundant_pic_cnt_present_flag.
    pub redundant_pic_cnt_present_flag: bool,
}

impl Default for Pps {
    fn default() -> Self {
        Pps::new()
    }
}

impl Pps {
    /// rtenc's PPS: ids 0, CAVLC, one slice group, one reference, no weighted prediction,
    /// pic_init_qp and pic_init_qs 26, chroma_qp_index_offset 0, deblocking control present,
    /// no constrained intra prediction, no redundant pictures.
    pub fn new() -> Pps {
        Pps {
            pic_parameter_set_id: 0,
            seq_parameter_set_id: 0,
            entropy_coding_mode_flag: false,
            bottom_field_pic_order_in_frame_present_flag: false,
            num_slice_groups_minus1: 0,
            num_ref_idx_l0_default_active_minus1: 0,
            num_ref_idx_l1_default_active_minus1: 0,
            weighted_pred_flag: false,
            weighted_bipred_idc: 0,
            pic_init_qp: 26,
            pic_init_qs: 26,
            chroma_qp_index_offset: 0,
            deblocking_filter_control_present_flag: true,
            constrained_intra_pred_flag: false,
            redundant_pic_cnt_present_flag: false,
        }
    }

    /// Writes pic_parameter_set_rbsp() (7.3.2.2), including rbsp_trailing_bits. The optional
    /// High-profile tail (transform_8x8_mode_flag ...) is never written.
    ///
    /// # Panics
    /// If a field holds a value the writer does not support (see the field docs).
    pub fn write_rbsp(&self, w: &mut BitWriter) {
        assert!(
            !self.entropy_coding_mode_flag,
            "the PPS writer only supports CAVLC"
        );
        assert_eq!(
            self.num_slice_groups_minus1, 0,
            "the PPS writer does not support FMO"
        );
        assert!(
            !self.weighted_pred_flag,
            "weighted prediction is not supported"
        );
        assert!(
            self.weighted_bipred_idc <= 2,
            "weighted_bipred_idc is 0..=2"
        );
        assert!(
            self.pic_init_qp <= 51 && self.pic_init_qs <= 51,
            "pic_init_qp/qs in 0..=51"
        );
        assert!(
            (-12..=12).contains(&self.chroma_qp_index_offset),
            "chroma_qp_index_offset"
        );
        w.put_ue(self.pic_parameter_set_id);
        w.put_ue(self.seq_parameter_set_id);
        w.put_bit(self.entropy_coding_mode_flag);
        w.put_bit(self.bottom_field_pic_order_in_frame_present_flag);
        w.put_ue(self.num_slice_groups_minus1);
        w.put_ue(self.num_ref_idx_l0_default_active_minus1);
        w.put_ue(self.num_ref_idx_l1_default_active_minus1);
        w.put_bit(self.weighted_pred_flag);
        w.put_bits(2, self.weighted_bipred_idc.into());
        w.put_se(i32::from(self.pic_init_qp) - 26);
        w.put_se(i32::from(self.pic_init_qs) - 26);
        w.put_se(self.chroma_qp_index_offset.into());
        w.put_bit(self.deblocking_filter_control_present_flag);
        w.put_bit(self.constrained_intra_pred_flag);
        w.put_bit(self.redundant_pic_cnt_present_flag);
        w.put_trailing_bits();
    }

    #[cfg(any(test, feature = "internals"))]
    /// The PPS RBSP as bytes (what [`super::nal::write_nal`] takes).
    pub fn to_rbsp(&self) -> Vec<u8> {
        let mut w = BitWriter::with_capacity(8);
        self.write_rbsp(&mut w);
        w.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitstream::parse::parse_pps;

    #[test]
    fn default_pps_is_the_expected_bytes() {
        // ue(0) ue(0) 0 0 ue(0) ue(0) ue(0) 0 00 se(0) se(0) se(0) 1 0 0 | stop bit
        // = 1 1 0 0 1 1 1 0 | 0 0 1 1 1 1 0 0 | 1 0 0 0 0 0 0 0 -> CE 3C 80
        assert_eq!(Pps::new().to_rbsp(), vec![0xCE, 0x3C, 0x80]);
    }

    #[test]
    fn default_pps_round_trips() {
        let pps = Pps::new();
        let p = parse_pps(&pps.to_rbsp()).unwrap();
        assert_eq!(p.pic_parameter_set_id, 0);
        assert_eq!(p.seq_parameter_set_id, 0);
        assert!(!p.entropy_coding_mode_flag);
        assert!(!p.bottom_field_pic_order_in_frame_present_flag);
        assert_eq!(p.num_slice_groups_minus1, 0);
        assert_eq!(p.slice_groups, None);
        assert_eq!(p.num_ref_idx_l0_default_active_minus1, 0);
        assert_eq!(p.num_ref_idx_l1_default_active_minus1, 0);
        assert!(!p.weighted_pred_flag);
        assert_eq!(p.weighted_bipred_idc, 0);
        assert_eq!(p.pic_init_qp_minus26, 0);
        assert_eq!(p.pic_init_qs_minus26, 0);
        assert_eq!(p.chroma_qp_index_offset, 0);
        assert!(p.deblocking_filter_control_present_flag);
        assert!(!p.constrained_intra_pred_flag);
        assert!(!p.redundant_pic_cnt_present_flag);
        assert_eq!(p.high_profile_extension, None);
        assert_eq!(p.to_pps().unwrap(), pps);
    }

    #[test]
    fn varied_pps_round_trips() {
        for qp in 0..=51u8 {
            let mut pps = Pps::new();
            pps.pic_parameter_set_id = u32::from(qp) * 5;
            pps.seq_parameter_set_id = u32::from(qp % 32);
            pps.pic_init_qp = qp;
            pps.pic_init_qs = 51 - qp;
            pps.chroma_qp_index_offset = (i32::from(qp) % 25 - 12) as i8;
            pps.num_ref_idx_l0_default_active_minus1 = u32::from(qp % 32);
            pps.num_ref_idx_l1_default_active_minus1 = u32::from(qp % 3);
            pps.weighted_bipred_idc = qp % 3;
            pps.deblocking_filter_control_present_flag = qp % 2 == 0;
            pps.constrained_intra_pred_flag = qp % 3 == 0;
            pps.redundant_pic_cnt_present_flag = qp % 5 == 0;
            pps.bottom_field_pic_order_in_frame_present_flag = qp % 7 == 0;
            let p = parse_pps(&pps.to_rbsp()).unwrap();
            assert_eq!(p.pic_init_qp_minus26, i32::from(qp) - 26);
            assert_eq!(p.to_pps().unwrap(), pps, "qp {qp}");
        }
    }
}
