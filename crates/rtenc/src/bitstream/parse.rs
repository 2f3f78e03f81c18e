//! Reading back what the encoder wrote: a bit reader with Exp-Golomb codes, and parsers for the
//! SPS (with VUI), the PPS and the slice header that return every syntax element.
//!
//! The parsers follow the general syntax of ITU-T H.264 (clause numbers in the comments), not
//! only the subset rtenc writes, so they also read streams of other encoders: High-profile SPS
//! fields (scaling lists are parsed and skipped), every POC type, fields, HRD parameters, FMO
//! slice groups, reference list modification, weighted prediction tables (parsed and skipped),
//! memory management operations, CABAC and SP/SI slice fields. Not supported: MVC/SVC NAL unit
//! types (subset SPS, types 20 and 21).
//!
//! Every parser takes an RBSP: the NAL unit payload after the one-byte header, with the
//! emulation prevention bytes removed ([`super::nal::unescape`]); [`access_unit_nals`] produces
//! those from an Annex B access unit.
//!
//! Test support: the encoder never calls it. It is compiled for the crate's own unit tests and
//! with the cargo feature `parse`, which the integration tests enable (through the crate's
//! dev-dependency on itself).

use super::nal;
use super::pps::Pps;
use super::slice_header::{SliceHeader, SliceType};
pub use super::sps::profile_has_chroma_info;
use super::sps::{
    AspectRatio, BitstreamRestriction, ChromaLocInfo, ColourDescription, CpbSpec, FrameCropping,
    HrdParameters, Sps, TimingInfo, VideoSignalType, Vui, EXTENDED_SAR,
};

/// Parse errors: a message naming the syntax element and the bit position.
pub type ParseResult<T> = Result<T, String>;

/// An MSB-first reader over an RBSP (7.2).
#[derive(Debug, Clone)]
pub struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> BitReader<'a> {
    /// A reader at the first bit of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        BitReader { data, pos: 0 }
    }

    /// Bits read so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bits not read yet.
    pub fn bits_left(&self) -> usize {
        self.data.len() * 8 - self.pos
    }

    /// byte_aligned() (7.2).
    pub fn is_byte_aligned(&self) -> bool {
        self.pos.is_multiple_of(8)
    }

    fn bit(&mut self) -> ParseResult<bool> {
        let byte = self
            .data
            .get(self.pos / 8)
            .ok_or_else(|| format!("bit {}: unexpected end of data", self.pos))?;
        let b = (byte >> (7 - self.pos % 8)) & 1 == 1;
        self.pos += 1;
        Ok(b)
    }

    /// u(n): `n` (0..=32) bits, most significant first.
    pub fn u(&mut self, n: u32) -> ParseResult<u32> {
        assert!(n <= 32, "u(n) reads at most 32 bits");
        if self.bits_left() < n as usize {
            return Err(format!(
                "bit {}: u({n}) needs {n} bits, {} left",
                self.pos,
                self.bits_left()
            ));
        }
        let mut v = 0u64;
        for _ in 0..n {
            v = (v << 1) | u64::from(self.bit()?);
        }
        Ok(v as u32)
    }

    /// u(1) as a flag.
    pub fn flag(&mut self) -> ParseResult<bool> {
        self.bit()
    }

    /// Skips `n` bits.
    pub fn skip(&mut self, n: usize) -> ParseResult<()> {
        if self.bits_left() < n {
            return Err(format!(
                "bit {}: cannot skip {n} bits, {} left",
                self.pos,
                self.bits_left()
            ));
        }
        self.pos += n;
        Ok(())
    }

    /// ue(v): unsigned Exp-Golomb (9.1). Codes with more than 31 leading zeros (values above
    /// 2^32 - 2) are rejected.
    pub fn ue(&mut self) -> ParseResult<u32> {
        let start = self.pos;
        let mut zeros = 0u32;
        while !self
            .bit()
            .map_err(|_| format!("bit {start}: truncated ue(v)"))?
        {
            zeros += 1;
            if zeros > 31 {
                return Err(format!(
                    "bit {start}: ue(v) with more than 31 leading zeros"
                ));
            }
        }
        let rest = self
            .u(zeros)
            .map_err(|_| format!("bit {start}: truncated ue(v)"))?;
        Ok(((1u64 << zeros) - 1 + u64::from(rest)) as u32)
    }

    /// se(v): signed Exp-Golomb (9.1.1): code k maps to (-1)^(k+1) * Ceil(k / 2).
    pub fn se(&mut self) -> ParseResult<i32> {
        let k = i64::from(self.ue()?);
        let v = if k % 2 == 1 { (k + 1) / 2 } else { -(k / 2) };
        Ok(v as i32)
    }

    /// more_rbsp_data() (7.2): true while the current position is before the last bit equal to
    /// 1 in the RBSP (the rbsp_stop_one_bit).
    pub fn more_rbsp_data(&self) -> bool {
        match self.data.iter().rposition(|&b| b != 0) {
            None => false,
            Some(i) => {
                let stop = i * 8 + 7 - self.data[i].trailing_zeros() as usize;
                self.pos < stop
            }
        }
    }

    /// rbsp_trailing_bits() (7.3.2.11): a 1, zeros up to the byte boundary, and nothing but zero
    /// bytes after it.
    pub fn rbsp_trailing_bits(&mut self) -> ParseResult<()> {
        let start = self.pos;
        if !self
            .bit()
            .map_err(|_| format!("bit {start}: missing rbsp_stop_one_bit"))?
        {
            return Err(format!(
                "bit {start}: rbsp_stop_one_bit is 0 (more syntax than expected?)"
            ));
        }
        while !self.is_byte_aligned() {
            if self.bit()? {
                return Err(format!(
                    "bit {}: rbsp_alignment_zero_bit is 1",
                    self.pos - 1
                ));
            }
        }
        if self.data[self.pos / 8..].iter().any(|&b| b != 0) {
            return Err(format!("bit {}: data after rbsp_trailing_bits", self.pos));
        }
        Ok(())
    }
}

// Element readers that name the element in errors and check its range.
fn u(r: &mut BitReader<'_>, n: u32, name: &str) -> ParseResult<u32> {
    r.u(n).map_err(|e| format!("{name}: {e}"))
}
fn flag(r: &mut BitReader<'_>, name: &str) -> ParseResult<bool> {
    r.flag().map_err(|e| format!("{name}: {e}"))
}
fn ue(r: &mut BitReader<'_>, name: &str, max: u32) -> ParseResult<u32> {
    let pos = r.position();
    let v = r.ue().map_err(|e| format!("{name}: {e}"))?;
    if v > max {
        return Err(format!("{name}: bit {pos}: value {v} exceeds {max}"));
    }
    Ok(v)
}
fn se(r: &mut BitReader<'_>, name: &str, min: i32, max: i32) -> ParseResult<i32> {
    let pos = r.position();
    let v = r.se().map_err(|e| format!("{name}: {e}"))?;
    if v < min || v > max {
        return Err(format!(
            "{name}: bit {pos}: value {v} outside {min}..={max}"
        ));
    }
    Ok(v)
}

/// Every syntax element of seq_parameter_set_data() (7.3.2.1.1). Elements absent from the
/// stream hold their inferred values (chroma_format_idc 1, bit depths 8, ...) or `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSps {
    /// profile_idc.
    pub profile_idc: u8,
    /// constraint_set0_flag .. constraint_set5_flag.
    pub constraint_set_flags: [bool; 6],
    /// reserved_zero_2bits (should be 0).
    pub reserved_zero_2bits: u8,
    /// level_idc.
    pub level_idc: u8,
    /// seq_parameter_set_id.
    pub seq_parameter_set_id: u32,
    /// chroma_format_idc (1 when absent).
    pub chroma_format_idc: u32,
    /// separate_colour_plane_flag.
    pub separate_colour_plane_flag: bool,
    /// bit_depth_luma_minus8.
    pub bit_depth_luma_minus8: u32,
    /// bit_depth_chroma_minus8.
    pub bit_depth_chroma_minus8: u32,
    /// qpprime_y_zero_transform_bypass_flag.
    pub qpprime_y_zero_transform_bypass_flag: bool,
    /// seq_scaling_matrix_present_flag (the lists themselves are parsed and skipped).
    pub seq_scaling_matrix_present_flag: bool,
    /// log2_max_frame_num_minus4.
    pub log2_max_frame_num_minus4: u32,
    /// pic_order_cnt_type.
    pub pic_order_cnt_type: u32,
    /// log2_max_pic_order_cnt_lsb_minus4 (POC type 0 only).
    pub log2_max_pic_order_cnt_lsb_minus4: Option<u32>,
    /// delta_pic_order_always_zero_flag (POC type 1).
    pub delta_pic_order_always_zero_flag: bool,
    /// offset_for_non_ref_pic (POC type 1).
    pub offset_for_non_ref_pic: i32,
    /// offset_for_top_to_bottom_field (POC type 1).
    pub offset_for_top_to_bottom_field: i32,
    /// offset_for_ref_frame[] (POC type 1; its length is num_ref_frames_in_pic_order_cnt_cycle).
    pub offset_for_ref_frame: Vec<i32>,
    /// max_num_ref_frames.
    pub max_num_ref_frames: u32,
    /// gaps_in_frame_num_value_allowed_flag.
    pub gaps_in_frame_num_value_allowed_flag: bool,
    /// pic_width_in_mbs_minus1.
    pub pic_width_in_mbs_minus1: u32,
    /// pic_height_in_map_units_minus1.
    pub pic_height_in_map_units_minus1: u32,
    /// frame_mbs_only_flag.
    pub frame_mbs_only_flag: bool,
    /// mb_adaptive_frame_field_flag (false when absent).
    pub mb_adaptive_frame_field_flag: bool,
    /// direct_8x8_inference_flag.
    pub direct_8x8_inference_flag: bool,
    /// frame_cropping_flag and the four offsets.
    pub frame_cropping: Option<FrameCropping>,
    /// vui_parameters_present_flag and the VUI.
    pub vui: Option<Vui>,
}

impl ParsedSps {
    /// ChromaArrayType: 0 with separate colour planes, else chroma_format_idc.
    pub fn chroma_array_type(&self) -> u32 {
        if self.separate_colour_plane_flag {
            0
        } else {
            self.chroma_format_idc
        }
    }

    /// MaxFrameNum (7-10).
    pub fn max_frame_num(&self) -> u32 {
        1 << (self.log2_max_frame_num_minus4 + 4)
    }

    /// PicWidthInMbs.
    pub fn width_in_mbs(&self) -> u32 {
        self.pic_width_in_mbs_minus1 + 1
    }

    /// FrameHeightInMbs (7-18).
    pub fn frame_height_in_mbs(&self) -> u32 {
        (2 - u32::from(self.frame_mbs_only_flag)) * (self.pic_height_in_map_units_minus1 + 1)
    }

    /// PicSizeInMapUnits (7-17).
    pub fn pic_size_in_map_units(&self) -> u32 {
        self.width_in_mbs() * (self.pic_height_in_map_units_minus1 + 1)
    }

    /// (CropUnitX, CropUnitY) (7-19 .. 7-22).
    pub fn crop_units(&self) -> (u32, u32) {
        let field = 2 - u32::from(self.frame_mbs_only_flag);
        match self.chroma_array_type() {
            0 => (1, field),
            1 => (2, 2 * field),
            2 => (2, field),
            _ => (1, field),
        }
    }

    /// The cropped width in luma samples.
    pub fn width(&self) -> u32 {
        let c = self.frame_cropping.unwrap_or_default();
        (16 * self.width_in_mbs()).saturating_sub(self.crop_units().0 * (c.left + c.right))
    }

    /// The cropped height in luma samples.
    pub fn height(&self) -> u32 {
        let c = self.frame_cropping.unwrap_or_default();
        (16 * self.frame_height_in_mbs()).saturating_sub(self.crop_units().1 * (c.top + c.bottom))
    }

    /// The writer's [`Sps`] with the same content, or an error naming what [`Sps`] cannot
    /// represent (High-profile fields, POC types 0 / 1, fields).
    pub fn to_sps(&self) -> ParseResult<Sps> {
        if profile_has_chroma_info(self.profile_idc) {
            return Err(format!(
                "profile_idc {} is not representable",
                self.profile_idc
            ));
        }
        if self.pic_order_cnt_type != 2 {
            return Err(format!(
                "pic_order_cnt_type {} is not 2",
                self.pic_order_cnt_type
            ));
        }
        if !self.frame_mbs_only_flag {
            return Err("frame_mbs_only_flag is 0".into());
        }
        if self.reserved_zero_2bits != 0 {
            return Err("reserved_zero_2bits is not 0".into());
        }
        Ok(Sps {
            profile_idc: self.profile_idc,
            constraint_set_flags: self.constraint_set_flags,
            level_idc: self.level_idc,
            seq_parameter_set_id: self.seq_parameter_set_id,
            log2_max_frame_num: self.log2_max_frame_num_minus4 as u8 + 4,
            pic_order_cnt_type: self.pic_order_cnt_type,
            max_num_ref_frames: self.max_num_ref_frames,
            gaps_in_frame_num_value_allowed_flag: self.gaps_in_frame_num_value_allowed_flag,
            pic_width_in_mbs_minus1: self.pic_width_in_mbs_minus1,
            pic_height_in_map_units_minus1: self.pic_height_in_map_units_minus1,
            frame_mbs_only_flag: self.frame_mbs_only_flag,
            direct_8x8_inference_flag: self.direct_8x8_inference_flag,
            frame_cropping: self.frame_cropping,
            vui: self.vui.clone(),
        })
    }
}

/// Parses and discards scaling_list() (7.3.2.1.1.1) of `size` coefficients.
fn skip_scaling_list(r: &mut BitReader<'_>, size: usize) -> ParseResult<()> {
    let (mut last, mut next) = (8i32, 8i32);
    for _ in 0..size {
        if next != 0 {
            let delta = se(r, "delta_scale", -128, 127)?;
            next = (last + delta + 256) % 256;
        }
        last = if next == 0 { last } else { next };
    }
    Ok(())
}

/// Parses seq_parameter_set_rbsp() (7.3.2.1): the SPS RBSP (NAL payload without the header
/// byte, emulation prevention removed), including its rbsp_trailing_bits.
pub fn parse_sps(rbsp: &[u8]) -> ParseResult<ParsedSps> {
    let r = &mut BitReader::new(rbsp);
    // 7.3.2.1.1
    let profile_idc = u(r, 8, "profile_idc")? as u8;
    let mut constraint_set_flags = [false; 6];
    for (i, f) in constraint_set_flags.iter_mut().enumerate() {
        *f = flag(r, &format!("constraint_set{i}_flag"))?;
    }
    let reserved_zero_2bits = u(r, 2, "reserved_zero_2bits")? as u8;
    let level_idc = u(r, 8, "level_idc")? as u8;
    let seq_parameter_set_id = ue(r, "seq_parameter_set_id", 31)?;
    let mut chroma_format_idc = 1;
    let mut separate_colour_plane_flag = false;
    let mut bit_depth_luma_minus8 = 0;
    let mut bit_depth_chroma_minus8 = 0;
    let mut qpprime_y_zero_transform_bypass_flag = false;
    let mut seq_scaling_matrix_present_flag = false;
    if profile_has_chroma_info(profile_idc) {
        chroma_format_idc = ue(r, "chroma_format_idc", 3)?;
        if chroma_format_idc == 3 {
            separate_colour_plane_flag = flag(r, "separate_colour_plane_flag")?;
        }
        bit_depth_luma_minus8 = ue(r, "bit_depth_luma_minus8", 6)?;
        bit_depth_chroma_minus8 = ue(r, "bit_depth_chroma_minus8", 6)?;
        qpprime_y_zero_transform_bypass_flag = flag(r, "qpprime_y_zero_transform_bypass_flag")?;
        seq_scaling_matrix_present_flag = flag(r, "seq_scaling_matrix_present_flag")?;
        if seq_scaling_matrix_present_flag {
            let lists = if chroma_format_idc != 3 { 8 } else { 12 };
            for i in 0..lists {
                if flag(r, "seq_scaling_list_present_flag")? {
                    skip_scaling_list(r, if i < 6 { 16 } else { 64 })?;
                }
            }
        }
    }
    let log2_max_frame_num_minus4 = ue(r, "log2_max_frame_num_minus4", 12)?;
    let pic_order_cnt_type = ue(r, "pic_order_cnt_type", 2)?;
    let mut log2_max_pic_order_cnt_lsb_minus4 = None;
    let mut delta_pic_order_always_zero_flag = false;
    let mut offset_for_non_ref_pic = 0;
    let mut offset_for_top_to_bottom_field = 0;
    let mut offset_for_ref_frame = Vec::new();
    const S32: (i32, i32) = (i32::MIN + 1, i32::MAX);
    if pic_order_cnt_type == 0 {
        log2_max_pic_order_cnt_lsb_minus4 = Some(ue(r, "log2_max_pic_order_cnt_lsb_minus4", 12)?);
    } else if pic_order_cnt_type == 1 {
        delta_pic_order_always_zero_flag = flag(r, "delta_pic_order_always_zero_flag")?;
        offset_for_non_ref_pic = se(r, "offset_for_non_ref_pic", S32.0, S32.1)?;
        offset_for_top_to_bottom_field = se(r, "offset_for_top_to_bottom_field", S32.0, S32.1)?;
        let n = ue(r, "num_ref_frames_in_pic_order_cnt_cycle", 255)?;
        for _ in 0..n {
            offset_for_ref_frame.push(se(r, "offset_for_ref_frame", S32.0, S32.1)?);
        }
    }
    let max_num_ref_frames = ue(r, "max_num_ref_frames", 16)?;
    let gaps_in_frame_num_value_allowed_flag = flag(r, "gaps_in_frame_num_value_allowed_flag")?;
    // Generous bounds that keep the derived sizes far from overflow.
    let pic_width_in_mbs_minus1 = ue(r, "pic_width_in_mbs_minus1", 1 << 14)?;
    let pic_height_in_map_units_minus1 = ue(r, "pic_height_in_map_units_minus1", 1 << 14)?;
    let frame_mbs_only_flag = flag(r, "frame_mbs_only_flag")?;
    let mb_adaptive_frame_field_flag = if !frame_mbs_only_flag {
        flag(r, "mb_adaptive_frame_field_flag")?
    } else {
        false
    };
    let direct_8x8_inference_flag = flag(r, "direct_8x8_inference_flag")?;
    let frame_cropping = if flag(r, "frame_cropping_flag")? {
        Some(FrameCropping {
            left: ue(r, "frame_crop_left_offset", 1 << 16)?,
            right: ue(r, "frame_crop_right_offset", 1 << 16)?,
            top: ue(r, "frame_crop_top_offset", 1 << 16)?,
            bottom: ue(r, "frame_crop_bottom_offset", 1 << 16)?,
        })
    } else {
        None
    };
    let vui = if flag(r, "vui_parameters_present_flag")? {
        Some(parse_vui(r)?)
    } else {
        None
    };
    r.rbsp_trailing_bits()
        .map_err(|e| format!("SPS rbsp_trailing_bits: {e}"))?;
    Ok(ParsedSps {
        profile_idc,
        constraint_set_flags,
        reserved_zero_2bits,
        level_idc,
        seq_parameter_set_id,
        chroma_format_idc,
        separate_colour_plane_flag,
        bit_depth_luma_minus8,
        bit_depth_chroma_minus8,
        qpprime_y_zero_transform_bypass_flag,
        seq_scaling_matrix_present_flag,
        log2_max_frame_num_minus4,
        pic_order_cnt_type,
        log2_max_pic_order_cnt_lsb_minus4,
        delta_pic_order_always_zero_flag,
        offset_for_non_ref_pic,
        offset_for_top_to_bottom_field,
        offset_for_ref_frame,
        max_num_ref_frames,
        gaps_in_frame_num_value_allowed_flag,
        pic_width_in_mbs_minus1,
        pic_height_in_map_units_minus1,
        frame_mbs_only_flag,
        mb_adaptive_frame_field_flag,
        direct_8x8_inference_flag,
        frame_cropping,
        vui,
    })
}

/// vui_parameters() (E.1.1).
fn parse_vui(r: &mut BitReader<'_>) -> ParseResult<Vui> {
    let mut vui = Vui::default();
    if flag(r, "aspect_ratio_info_present_flag")? {
        let aspect_ratio_idc = u(r, 8, "aspect_ratio_idc")? as u8;
        let (mut sar_width, mut sar_height) = (0, 0);
        if aspect_ratio_idc == EXTENDED_SAR {
            sar_width = u(r, 16, "sar_width")? as u16;
            sar_height = u(r, 16, "sar_height")? as u16;
        }
        vui.aspect_ratio = Some(AspectRatio {
            aspect_ratio_idc,
            sar_width,
            sar_height,
        });
    }
    if flag(r, "overscan_info_present_flag")? {
        vui.overscan_appropriate = Some(flag(r, "overscan_appropriate_flag")?);
    }
    if flag(r, "video_signal_type_present_flag")? {
        let video_format = u(r, 3, "video_format")? as u8;
        let video_full_range_flag = flag(r, "video_full_range_flag")?;
        let colour_description = if flag(r, "colour_description_present_flag")? {
            Some(ColourDescription {
                colour_primaries: u(r, 8, "colour_primaries")? as u8,
                transfer_characteristics: u(r, 8, "transfer_characteristics")? as u8,
                matrix_coefficients: u(r, 8, "matrix_coefficients")? as u8,
            })
        } else {
            None
        };
        vui.video_signal_type = Some(VideoSignalType {
            video_format,
            video_full_range_flag,
            colour_description,
        });
    }
    if flag(r, "chroma_loc_info_present_flag")? {
        vui.chroma_loc_info = Some(ChromaLocInfo {
            top_field: ue(r, "chroma_sample_loc_type_top_field", 5)?,
            bottom_field: ue(r, "chroma_sample_loc_type_bottom_field", 5)?,
        });
    }
    if flag(r, "timing_info_present_flag")? {
        let num_units_in_tick = u(r, 32, "num_units_in_tick")?;
        let time_scale = u(r, 32, "time_scale")?;
        if num_units_in_tick == 0 || time_scale == 0 {
            return Err("num_units_in_tick and time_scale must be > 0 (E.2.1)".into());
        }
        let fixed_frame_rate_flag = flag(r, "fixed_frame_rate_flag")?;
        vui.timing_info = Some(TimingInfo {
            num_units_in_tick,
            time_scale,
            fixed_frame_rate_flag,
        });
    }
    if flag(r, "nal_hrd_parameters_present_flag")? {
        vui.nal_hrd_parameters = Some(parse_hrd(r)?);
    }
    if flag(r, "vcl_hrd_parameters_present_flag")? {
        vui.vcl_hrd_parameters = Some(parse_hrd(r)?);
    }
    if vui.nal_hrd_parameters.is_some() || vui.vcl_hrd_parameters.is_some() {
        vui.low_delay_hrd_flag = flag(r, "low_delay_hrd_flag")?;
    }
    vui.pic_struct_present_flag = flag(r, "pic_struct_present_flag")?;
    if flag(r, "bitstream_restriction_flag")? {
        vui.bitstream_restriction = Some(BitstreamRestriction {
            motion_vectors_over_pic_boundaries_flag: flag(
                r,
                "motion_vectors_over_pic_boundaries_flag",
            )?,
            max_bytes_per_pic_denom: ue(r, "max_bytes_per_pic_denom", 16)?,
            max_bits_per_mb_denom: ue(r, "max_bits_per_mb_denom", 16)?,
            // E.2.1 allows 0..=15 today; the first edition allowed 16, so accept it.
            log2_max_mv_length_horizontal: ue(r, "log2_max_mv_length_horizontal", 16)?,
            log2_max_mv_length_vertical: ue(r, "log2_max_mv_length_vertical", 16)?,
            max_num_reorder_frames: ue(r, "max_num_reorder_frames", 16)?,
            max_dec_frame_buffering: ue(r, "max_dec_frame_buffering", 16)?,
        });
    }
    Ok(vui)
}

/// hrd_parameters() (E.1.2).
fn parse_hrd(r: &mut BitReader<'_>) -> ParseResult<HrdParameters> {
    let cpb_cnt_minus1 = ue(r, "cpb_cnt_minus1", 31)?;
    let bit_rate_scale = u(r, 4, "bit_rate_scale")? as u8;
    let cpb_size_scale = u(r, 4, "cpb_size_scale")? as u8;
    let mut cpbs = Vec::with_capacity(cpb_cnt_minus1 as usize + 1);
    for _ in 0..=cpb_cnt_minus1 {
        cpbs.push(CpbSpec {
            bit_rate_value_minus1: ue(r, "bit_rate_value_minus1", u32::MAX - 1)?,
            cpb_size_value_minus1: ue(r, "cpb_size_value_minus1", u32::MAX - 1)?,
            cbr_flag: flag(r, "cbr_flag")?,
        });
    }
    Ok(HrdParameters {
        bit_rate_scale,
        cpb_size_scale,
        cpbs,
        initial_cpb_removal_delay_length_minus1: u(r, 5, "initial_cpb_removal_delay_length_minus1")?
            as u8,
        cpb_removal_delay_length_minus1: u(r, 5, "cpb_removal_delay_length_minus1")? as u8,
        dpb_output_delay_length_minus1: u(r, 5, "dpb_output_delay_length_minus1")? as u8,
        time_offset_length: u(r, 5, "time_offset_length")? as u8,
    })
}

/// The FMO syntax of a PPS with num_slice_groups_minus1 > 0 (7.3.2.2). Only the vectors and
/// values of the given slice_group_map_type are filled in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SliceGroups {
    /// slice_group_map_type (0..=6).
    pub slice_group_map_type: u32,
    /// run_length_minus1[] (type 0).
    pub run_length_minus1: Vec<u32>,
    /// top_left[] (type 2).
    pub top_left: Vec<u32>,
    /// bottom_right[] (type 2).
    pub bottom_right: Vec<u32>,
    /// slice_group_change_direction_flag (types 3..=5).
    pub slice_group_change_direction_flag: bool,
    /// slice_group_change_rate_minus1 (types 3..=5).
    pub slice_group_change_rate_minus1: u32,
    /// pic_size_in_map_units_minus1 (type 6).
    pub pic_size_in_map_units_minus1: u32,
    /// slice_group_id[] (type 6).
    pub slice_group_id: Vec<u32>,
}

/// The optional tail of a PPS (7.3.2.2, present when more_rbsp_data()).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PpsExtension {
    /// transform_8x8_mode_flag.
    pub transform_8x8_mode_flag: bool,
    /// pic_scaling_matrix_present_flag (the lists are parsed and skipped).
    pub pic_scaling_matrix_present_flag: bool,
    /// second_chroma_qp_index_offset.
    pub second_chroma_qp_index_offset: i32,
}

/// Every syntax element of pic_parameter_set_rbsp() (7.3.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedPps {
    /// pic_parameter_set_id.
    pub pic_parameter_set_id: u32,
    /// seq_parameter_set_id.
    pub seq_parameter_set_id: u32,
    /// entropy_coding_mode_flag.
    pub entropy_coding_mode_flag: bool,
    /// bottom_field_pic_order_in_frame_present_flag.
    pub bottom_field_pic_order_in_frame_present_flag: bool,
    /// num_slice_groups_minus1.
    pub num_slice_groups_minus1: u32,
    /// The slice group map when num_slice_groups_minus1 > 0.
    pub slice_groups: Option<SliceGroups>,
    /// num_ref_idx_l0_default_active_minus1.
    pub num_ref_idx_l0_default_active_minus1: u32,
    /// num_ref_idx_l1_default_active_minus1.
    pub num_ref_idx_l1_default_active_minus1: u32,
    /// weighted_pred_flag.
    pub weighted_pred_flag: bool,
    /// weighted_bipred_idc.
    pub weighted_bipred_idc: u8,
    /// pic_init_qp_minus26.
    pub pic_init_qp_minus26: i32,
    /// pic_init_qs_minus26.
    pub pic_init_qs_minus26: i32,
    /// chroma_qp_index_offset.
    pub chroma_qp_index_offset: i32,
    /// deblocking_filter_control_present_flag.
    pub deblocking_filter_control_present_flag: bool,
    /// constrained_intra_pred_flag.
    pub constrained_intra_pred_flag: bool,
    /// redundant_pic_cnt_present_flag.
    pub redundant_pic_cnt_present_flag: bool,
    /// The High-profile tail, when present.
    pub high_profile_extension: Option<PpsExtension>,
}

impl ParsedPps {
    /// The writer's [`Pps`] with the same content, or an error naming what [`Pps`] cannot
    /// represent (FMO, the High-profile tail, out-of-range QPs for 8-bit video).
    pub fn to_pps(&self) -> ParseResult<Pps> {
        if self.slice_groups.is_some() || self.high_profile_extension.is_some() {
            return Err("FMO / High-profile PPS fields are not representable".into());
        }
        let qp = |v: i32, name: &str| {
            u8::try_from(v + 26)
                .ok()
                .filter(|&q| q <= 51)
                .ok_or_else(|| format!("{name}_minus26 {v} is outside 8-bit range"))
        };
        Ok(Pps {
            pic_parameter_set_id: self.pic_parameter_set_id,
            seq_parameter_set_id: self.seq_parameter_set_id,
            entropy_coding_mode_flag: self.entropy_coding_mode_flag,
            bottom_field_pic_order_in_frame_present_flag: self
                .bottom_field_pic_order_in_frame_present_flag,
            num_slice_groups_minus1: self.num_slice_groups_minus1,
            num_ref_idx_l0_default_active_minus1: self.num_ref_idx_l0_default_active_minus1,
            num_ref_idx_l1_default_active_minus1: self.num_ref_idx_l1_default_active_minus1,
            weighted_pred_flag: self.weighted_pred_flag,
            weighted_bipred_idc: self.weighted_bipred_idc,
            pic_init_qp: qp(self.pic_init_qp_minus26, "pic_init_qp")?,
            pic_init_qs: qp(self.pic_init_qs_minus26, "pic_init_qs")?,
            chroma_qp_index_offset: self.chroma_qp_index_offset as i8,
            deblocking_filter_control_present_flag: self.deblocking_filter_control_present_flag,
            constrained_intra_pred_flag: self.constrained_intra_pred_flag,
            redundant_pic_cnt_present_flag: self.redundant_pic_cnt_present_flag,
        })
    }
}

/// Ceil(Log2(x)) for x >= 1.
fn ceil_log2(x: u64) -> u32 {
    if x <= 1 {
        0
    } else {
        64 - (x - 1).leading_zeros()
    }
}

/// Parses pic_parameter_set_rbsp() (7.3.2.2) from the PPS RBSP, including its trailing bits.
///
/// The number of 8x8 scaling lists in the optional High-profile tail depends on the SPS's
/// chroma_format_idc; this parser assumes it is not 3 (4:4:4), which only matters for 4:4:4
/// streams with both transform_8x8_mode_flag and pic_scaling_matrix_present_flag.
pub fn parse_pps(rbsp: &[u8]) -> ParseResult<ParsedPps> {
    let r = &mut BitReader::new(rbsp);
    let pic_parameter_set_id = ue(r, "pic_parameter_set_id", 255)?;
    let seq_parameter_set_id = ue(r, "seq_parameter_set_id", 31)?;
    let entropy_coding_mode_flag = flag(r, "entropy_coding_mode_flag")?;
    let bottom_field_pic_order_in_frame_present_flag =
        flag(r, "bottom_field_pic_order_in_frame_present_flag")?;
    let num_slice_groups_minus1 = ue(r, "num_slice_groups_minus1", 7)?;
    let mut slice_groups = None;
    if num_slice_groups_minus1 > 0 {
        let mut g = SliceGroups {
            slice_group_map_type: ue(r, "slice_group_map_type", 6)?,
            ..SliceGroups::default()
        };
        match g.slice_group_map_type {
            0 => {
                for _ in 0..=num_slice_groups_minus1 {
                    g.run_length_minus1
                        .push(ue(r, "run_length_minus1", 1 << 20)?);
                }
            }
            2 => {
                for _ in 0..num_slice_groups_minus1 {
                    g.top_left.push(ue(r, "top_left", 1 << 20)?);
                    g.bottom_right.push(ue(r, "bottom_right", 1 << 20)?);
                }
            }
            3..=5 => {
                g.slice_group_change_direction_flag = flag(r, "slice_group_change_direction_flag")?;
                g.slice_group_change_rate_minus1 =
                    ue(r, "slice_group_change_rate_minus1", 1 << 20)?;
            }
            6 => {
                g.pic_size_in_map_units_minus1 = ue(r, "pic_size_in_map_units_minus1", 1 << 20)?;
                let bits = ceil_log2(u64::from(num_slice_groups_minus1) + 1);
                for _ in 0..=g.pic_size_in_map_units_minus1 {
                    g.slice_group_id.push(u(r, bits, "slice_group_id")?);
                }
            }
            _ => {} // type 1 (dispersed) has no further syntax
        }
        slice_groups = Some(g);
    }
    let num_ref_idx_l0_default_active_minus1 = ue(r, "num_ref_idx_l0_default_active_minus1", 31)?;
    let num_ref_idx_l1_default_active_minus1 = ue(r, "num_ref_idx_l1_default_active_minus1", 31)?;
    let weighted_pred_flag = flag(r, "weighted_pred_flag")?;
    let weighted_bipred_idc = u(r, 2, "weighted_bipred_idc")? as u8;
    if weighted_bipred_idc == 3 {
        return Err("weighted_bipred_idc: 3 is reserved".into());
    }
    // Lower bounds allow high bit depths (-(26 + QpBdOffsetY), QpBdOffsetY up to 36).
    let pic_init_qp_minus26 = se(r, "pic_init_qp_minus26", -62, 25)?;
    let pic_init_qs_minus26 = se(r, "pic_init_qs_minus26", -26, 25)?;
    let chroma_qp_index_offset = se(r, "chroma_qp_index_offset", -12, 12)?;
    let deblocking_filter_control_present_flag = flag(r, "deblocking_filter_control_present_flag")?;
    let constrained_intra_pred_flag = flag(r, "constrained_intra_pred_flag")?;
    let redundant_pic_cnt_present_flag = flag(r, "redundant_pic_cnt_present_flag")?;
    let mut high_profile_extension = None;
    if r.more_rbsp_data() {
        let transform_8x8_mode_flag = flag(r, "transform_8x8_mode_flag")?;
        let pic_scaling_matrix_present_flag = flag(r, "pic_scaling_matrix_present_flag")?;
        if pic_scaling_matrix_present_flag {
            let lists = 6 + 2 * usize::from(transform_8x8_mode_flag);
            for i in 0..lists {
                if flag(r, "pic_scaling_list_present_flag")? {
                    skip_scaling_list(r, if i < 6 { 16 } else { 64 })?;
                }
            }
        }
        let second_chroma_qp_index_offset = se(r, "second_chroma_qp_index_offset", -12, 12)?;
        high_profile_extension = Some(PpsExtension {
            transform_8x8_mode_flag,
            pic_scaling_matrix_present_flag,
            second_chroma_qp_index_offset,
        });
    }
    r.rbsp_trailing_bits()
        .map_err(|e| format!("PPS rbsp_trailing_bits: {e}"))?;
    Ok(ParsedPps {
        pic_parameter_set_id,
        seq_parameter_set_id,
        entropy_coding_mode_flag,
        bottom_field_pic_order_in_frame_present_flag,
        num_slice_groups_minus1,
        slice_groups,
        num_ref_idx_l0_default_active_minus1,
        num_ref_idx_l1_default_active_minus1,
        weighted_pred_flag,
        weighted_bipred_idc,
        pic_init_qp_minus26,
        pic_init_qs_minus26,
        chroma_qp_index_offset,
        deblocking_filter_control_present_flag,
        constrained_intra_pred_flag,
        redundant_pic_cnt_present_flag,
        high_profile_extension,
    })
}

/// One entry of ref_pic_list_modification() (7.3.3.1), without the terminating idc 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefPicListModification {
    /// modification_of_pic_nums_idc (0..=2).
    pub modification_of_pic_nums_idc: u32,
    /// abs_diff_pic_num_minus1 (idc 0 and 1) or long_term_pic_num (idc 2).
    pub value: u32,
}

/// One memory_management_control_operation of dec_ref_pic_marking() (7.3.3.3), without the
/// terminating operation 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mmco {
    /// memory_management_control_operation (1..=6).
    pub memory_management_control_operation: u32,
    /// difference_of_pic_nums_minus1 (operations 1 and 3).
    pub difference_of_pic_nums_minus1: Option<u32>,
    /// long_term_pic_num (operation 2).
    pub long_term_pic_num: Option<u32>,
    /// long_term_frame_idx (operations 3 and 6).
    pub long_term_frame_idx: Option<u32>,
    /// max_long_term_frame_idx_plus1 (operation 4).
    pub max_long_term_frame_idx_plus1: Option<u32>,
}

/// dec_ref_pic_marking() (7.3.3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecRefPicMarking {
    /// In IDR pictures.
    Idr {
        /// no_output_of_prior_pics_flag.
        no_output_of_prior_pics_flag: bool,
        /// long_term_reference_flag.
        long_term_reference_flag: bool,
    },
    /// adaptive_ref_pic_marking_mode_flag 0: the sliding window.
    SlidingWindow,
    /// adaptive_ref_pic_marking_mode_flag 1 and its operations.
    Adaptive(Vec<Mmco>),
}

/// Every syntax element of slice_header() (7.3.3), with absent elements as `None` or their
/// inferred values, plus derived values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSliceHeader {
    /// nal_unit_type of the NAL unit (1 or 5, or 2 for data partition A).
    pub nal_unit_type: u8,
    /// nal_ref_idc of the NAL unit.
    pub nal_ref_idc: u8,
    /// first_mb_in_slice.
    pub first_mb_in_slice: u32,
    /// slice_type as coded (0..=9).
    pub slice_type: u32,
    /// pic_parameter_set_id.
    pub pic_parameter_set_id: u32,
    /// colour_plane_id (separate colour planes only).
    pub colour_plane_id: Option<u8>,
    /// frame_num.
    pub frame_num: u32,
    /// field_pic_flag.
    pub field_pic_flag: bool,
    /// bottom_field_flag.
    pub bottom_field_flag: bool,
    /// idr_pic_id (IDR pictures only).
    pub idr_pic_id: Option<u32>,
    /// pic_order_cnt_lsb (POC type 0).
    pub pic_order_cnt_lsb: Option<u32>,
    /// delta_pic_order_cnt_bottom (POC type 0 with bottom_field_pic_order_in_frame_present_flag).
    pub delta_pic_order_cnt_bottom: Option<i32>,
    /// delta_pic_order_cnt\[0\] and \[1\] (POC type 1).
    pub delta_pic_order_cnt: [Option<i32>; 2],
    /// redundant_pic_cnt (when the PPS has redundant_pic_cnt_present_flag).
    pub redundant_pic_cnt: Option<u32>,
    /// direct_spatial_mv_pred_flag (B slices).
    pub direct_spatial_mv_pred_flag: Option<bool>,
    /// num_ref_idx_active_override_flag (P, SP, B slices).
    pub num_ref_idx_active_override_flag: Option<bool>,
    /// num_ref_idx_l0_active_minus1 in effect: coded, else the PPS default (P, SP, B), else 0.
    pub num_ref_idx_l0_active_minus1: u32,
    /// num_ref_idx_l1_active_minus1 in effect: coded, else the PPS default (B), else 0.
    pub num_ref_idx_l1_active_minus1: u32,
    /// ref_pic_list_modification_flag_l0 (all but I and SI slices).
    pub ref_pic_list_modification_flag_l0: Option<bool>,
    /// The list 0 modifications.
    pub ref_pic_list_modification_l0: Vec<RefPicListModification>,
    /// ref_pic_list_modification_flag_l1 (B slices).
    pub ref_pic_list_modification_flag_l1: Option<bool>,
    /// The list 1 modifications.
    pub ref_pic_list_modification_l1: Vec<RefPicListModification>,
    /// True when a pred_weight_table() was present (it is parsed and skipped).
    pub pred_weight_table_present: bool,
    /// dec_ref_pic_marking() (reference pictures, nal_ref_idc != 0).
    pub dec_ref_pic_marking: Option<DecRefPicMarking>,
    /// cabac_init_idc (CABAC, non-I slices).
    pub cabac_init_idc: Option<u32>,
    /// slice_qp_delta.
    pub slice_qp_delta: i32,
    /// SliceQPY = 26 + pic_init_qp_minus26 + slice_qp_delta (7-30).
    pub slice_qp: i32,
    /// sp_for_switch_flag (SP slices).
    pub sp_for_switch_flag: Option<bool>,
    /// slice_qs_delta (SP and SI slices).
    pub slice_qs_delta: Option<i32>,
    /// disable_deblocking_filter_idc (0 when absent).
    pub disable_deblocking_filter_idc: u32,
    /// slice_alpha_c0_offset_div2 (0 when absent).
    pub slice_alpha_c0_offset_div2: i32,
    /// slice_beta_offset_div2 (0 when absent).
    pub slice_beta_offset_div2: i32,
    /// slice_group_change_cycle (FMO map types 3..=5).
    pub slice_group_change_cycle: Option<u32>,
    /// Length of the slice header in bits: slice_data() starts at this bit of the RBSP.
    pub header_bits: usize,
}

impl ParsedSliceHeader {
    /// slice_type % 5 as a [`SliceType`], if it is P or I.
    pub fn slice_type_enum(&self) -> Option<SliceType> {
        SliceType::from_code(self.slice_type)
    }

    /// The writer's [`SliceHeader`] with the same content, or an error naming what it cannot
    /// represent (B/SP/SI slices, POC syntax, fields, list modifications, MMCOs, ...).
    pub fn to_slice_header(&self, pps: &ParsedPps) -> ParseResult<SliceHeader> {
        let slice_type = self
            .slice_type_enum()
            .ok_or_else(|| format!("slice_type {} is not P or I", self.slice_type))?;
        if self.field_pic_flag
            || self.pic_order_cnt_lsb.is_some()
            || self.delta_pic_order_cnt != [None, None]
            || self.ref_pic_list_modification_flag_l0 == Some(true)
            || self.pred_weight_table_present
            || self.num_ref_idx_l0_active_minus1 != 0
            || matches!(
                self.dec_ref_pic_marking,
                Some(DecRefPicMarking::Adaptive(_))
            )
            || matches!(
                self.dec_ref_pic_marking,
                Some(DecRefPicMarking::Idr {
                    no_output_of_prior_pics_flag: true,
                    ..
                }) | Some(DecRefPicMarking::Idr {
                    long_term_reference_flag: true,
                    ..
                })
            )
            || self.redundant_pic_cnt.unwrap_or(0) != 0
            || self.slice_group_change_cycle.is_some()
        {
            return Err("slice header uses syntax SliceHeader cannot represent".into());
        }
        if !pps.deblocking_filter_control_present_flag && self.disable_deblocking_filter_idc != 0 {
            return Err("inconsistent deblocking controls".into());
        }
        let slice_qp = u8::try_from(self.slice_qp)
            .ok()
            .filter(|&q| q <= 51)
            .ok_or_else(|| format!("SliceQPY {} outside 0..=51", self.slice_qp))?;
        Ok(SliceHeader {
            first_mb_in_slice: self.first_mb_in_slice,
            slice_type,
            frame_num: self.frame_num,
            idr_pic_id: self.idr_pic_id,
            nal_ref_idc: self.nal_ref_idc,
            slice_qp,
            disable_deblocking_filter_idc: self.disable_deblocking_filter_idc as u8,
            slice_alpha_c0_offset_div2: self.slice_alpha_c0_offset_div2 as i8,
            slice_beta_offset_div2: self.slice_beta_offset_div2 as i8,
        })
    }
}

/// ref_pic_list_modification() entries for one list (7.3.3.1), after its flag was read as 1.
fn parse_ref_pic_list_modification(
    r: &mut BitReader<'_>,
) -> ParseResult<Vec<RefPicListModification>> {
    let mut mods = Vec::new();
    loop {
        let idc = ue(r, "modification_of_pic_nums_idc", 3)?;
        match idc {
            0 | 1 => mods.push(RefPicListModification {
                modification_of_pic_nums_idc: idc,
                value: ue(r, "abs_diff_pic_num_minus1", 1 << 17)?,
            }),
            2 => mods.push(RefPicListModification {
                modification_of_pic_nums_idc: idc,
                value: ue(r, "long_term_pic_num", 1 << 17)?,
            }),
            _ => return Ok(mods),
        }
        if mods.len() > 33 {
            return Err("ref_pic_list_modification: too many entries".into());
        }
    }
}

/// pred_weight_table() (7.3.3.2), parsed and discarded.
fn skip_pred_weight_table(
    r: &mut BitReader<'_>,
    chroma_array_type: u32,
    lists: &[u32],
) -> ParseResult<()> {
    ue(r, "luma_log2_weight_denom", 7)?;
    if chroma_array_type != 0 {
        ue(r, "chroma_log2_weight_denom", 7)?;
    }
    for &minus1 in lists {
        for _ in 0..=minus1 {
            if flag(r, "luma_weight_flag")? {
                se(r, "luma_weight", -128, 127)?;
                se(r, "luma_offset", -128, 127)?;
            }
            if chroma_array_type != 0 && flag(r, "chroma_weight_flag")? {
                for _ in 0..2 {
                    se(r, "chroma_weight", -128, 127)?;
                    se(r, "chroma_offset", -128, 127)?;
                }
            }
        }
    }
    Ok(())
}

/// Parses slice_header() (7.3.3) at the start of a slice RBSP (`nal_unit_type` 1, 2 or 5) with
/// the SPS and PPS it refers to. The slice data is not parsed; `header_bits` says where it
/// starts.
pub fn parse_slice_header(
    rbsp: &[u8],
    nal_unit_type: u8,
    nal_ref_idc: u8,
    sps: &ParsedSps,
    pps: &ParsedPps,
) -> ParseResult<ParsedSliceHeader> {
    if !matches!(nal_unit_type, 1 | 2 | 5) {
        return Err(format!(
            "nal_unit_type {nal_unit_type} is not a supported slice NAL unit"
        ));
    }
    let idr = nal_unit_type == 5;
    if idr && nal_ref_idc == 0 {
        return Err("IDR NAL unit with nal_ref_idc 0".into());
    }
    let r = &mut BitReader::new(rbsp);
    let pic_size_in_mbs = sps.width_in_mbs() * sps.frame_height_in_mbs();
    let first_mb_in_slice = ue(r, "first_mb_in_slice", pic_size_in_mbs - 1)?;
    let slice_type = ue(r, "slice_type", 9)?;
    let kind = slice_type % 5; // 0 P, 1 B, 2 I, 3 SP, 4 SI
    let (is_p, is_b, is_i, is_sp, is_si) = (kind == 0, kind == 1, kind == 2, kind == 3, kind == 4);
    if idr && !(is_i || is_si) {
        return Err(format!("slice_type {slice_type} in an IDR picture"));
    }
    let pic_parameter_set_id = ue(r, "pic_parameter_set_id", 255)?;
    if pic_parameter_set_id != pps.pic_parameter_set_id {
        return Err(format!(
            "slice refers to PPS {pic_parameter_set_id}, PPS {} given",
            pps.pic_parameter_set_id
        ));
    }
    if pps.seq_parameter_set_id != sps.seq_parameter_set_id {
        return Err(format!(
            "PPS refers to SPS {}, SPS {} given",
            pps.seq_parameter_set_id, sps.seq_parameter_set_id
        ));
    }
    let colour_plane_id = if sps.separate_colour_plane_flag {
        Some(u(r, 2, "colour_plane_id")? as u8)
    } else {
        None
    };
    let frame_num = u(r, sps.log2_max_frame_num_minus4 + 4, "frame_num")?;
    let (mut field_pic_flag, mut bottom_field_flag) = (false, false);
    if !sps.frame_mbs_only_flag {
        field_pic_flag = flag(r, "field_pic_flag")?;
        if field_pic_flag {
            bottom_field_flag = flag(r, "bottom_field_flag")?;
        }
    }
    let idr_pic_id = if idr {
        Some(ue(r, "idr_pic_id", 65535)?)
    } else {
        None
    };
    let mut pic_order_cnt_lsb = None;
    let mut delta_pic_order_cnt_bottom = None;
    let mut delta_pic_order_cnt = [None, None];
    let both_fields = pps.bottom_field_pic_order_in_frame_present_flag && !field_pic_flag;
    const S32: (i32, i32) = (i32::MIN + 1, i32::MAX);
    if let Some(lsb_minus4) = sps.log2_max_pic_order_cnt_lsb_minus4 {
        pic_order_cnt_lsb = Some(u(r, lsb_minus4 + 4, "pic_order_cnt_lsb")?);
        if both_fields {
            delta_pic_order_cnt_bottom = Some(se(r, "delta_pic_order_cnt_bottom", S32.0, S32.1)?);
        }
    }
    if sps.pic_order_cnt_type == 1 && !sps.delta_pic_order_always_zero_flag {
        delta_pic_order_cnt[0] = Some(se(r, "delta_pic_order_cnt[0]", S32.0, S32.1)?);
        if both_fields {
            delta_pic_order_cnt[1] = Some(se(r, "delta_pic_order_cnt[1]", S32.0, S32.1)?);
        }
    }
    let redundant_pic_cnt = if pps.redundant_pic_cnt_present_flag {
        Some(ue(r, "redundant_pic_cnt", 127)?)
    } else {
        None
    };
    let direct_spatial_mv_pred_flag = if is_b {
        Some(flag(r, "direct_spatial_mv_pred_flag")?)
    } else {
        None
    };
    let mut num_ref_idx_active_override_flag = None;
    let mut num_ref_idx_l0_active_minus1 = 0;
    let mut num_ref_idx_l1_active_minus1 = 0;
    if is_p || is_sp || is_b {
        num_ref_idx_l0_active_minus1 = pps.num_ref_idx_l0_default_active_minus1;
        if is_b {
            num_ref_idx_l1_active_minus1 = pps.num_ref_idx_l1_default_active_minus1;
        }
        let o = flag(r, "num_ref_idx_active_override_flag")?;
        num_ref_idx_active_override_flag = Some(o);
        if o {
            num_ref_idx_l0_active_minus1 = ue(r, "num_ref_idx_l0_active_minus1", 31)?;
            if is_b {
                num_ref_idx_l1_active_minus1 = ue(r, "num_ref_idx_l1_active_minus1", 31)?;
            }
        }
    }
    // 7.3.3.1 (nal_unit_type 20 / 21 would use the MVC variant; they are rejected above).
    let mut ref_pic_list_modification_flag_l0 = None;
    let mut ref_pic_list_modification_l0 = Vec::new();
    let mut ref_pic_list_modification_flag_l1 = None;
    let mut ref_pic_list_modification_l1 = Vec::new();
    if !is_i && !is_si {
        let f = flag(r, "ref_pic_list_modification_flag_l0")?;
        ref_pic_list_modification_flag_l0 = Some(f);
        if f {
            ref_pic_list_modification_l0 = parse_ref_pic_list_modification(r)?;
        }
    }
    if is_b {
        let f = flag(r, "ref_pic_list_modification_flag_l1")?;
        ref_pic_list_modification_flag_l1 = Some(f);
        if f {
            ref_pic_list_modification_l1 = parse_ref_pic_list_modification(r)?;
        }
    }
    let pred_weight_table_present =
        (pps.weighted_pred_flag && (is_p || is_sp)) || (pps.weighted_bipred_idc == 1 && is_b);
    if pred_weight_table_present {
        let lists: &[u32] = if is_b {
            &[num_ref_idx_l0_active_minus1, num_ref_idx_l1_active_minus1]
        } else {
            &[num_ref_idx_l0_active_minus1]
        };
        skip_pred_weight_table(r, sps.chroma_array_type(), lists)?;
    }
    let dec_ref_pic_marking = if nal_ref_idc != 0 {
        // 7.3.3.3
        Some(if idr {
            DecRefPicMarking::Idr {
                no_output_of_prior_pics_flag: flag(r, "no_output_of_prior_pics_flag")?,
                long_term_reference_flag: flag(r, "long_term_reference_flag")?,
            }
        } else if flag(r, "adaptive_ref_pic_marking_mode_flag")? {
            let mut ops = Vec::new();
            loop {
                let op = ue(r, "memory_management_control_operation", 6)?;
                if op == 0 {
                    break;
                }
                let mut m = Mmco {
                    memory_management_control_operation: op,
                    difference_of_pic_nums_minus1: None,
                    long_term_pic_num: None,
                    long_term_frame_idx: None,
                    max_long_term_frame_idx_plus1: None,
                };
                if op == 1 || op == 3 {
                    m.difference_of_pic_nums_minus1 =
                        Some(ue(r, "difference_of_pic_nums_minus1", 1 << 17)?);
                }
                if op == 2 {
                    m.long_term_pic_num = Some(ue(r, "long_term_pic_num", 1 << 17)?);
                }
                if op == 3 || op == 6 {
                    m.long_term_frame_idx = Some(ue(r, "long_term_frame_idx", 16)?);
                }
                if op == 4 {
                    m.max_long_term_frame_idx_plus1 =
                        Some(ue(r, "max_long_term_frame_idx_plus1", 17)?);
                }
                ops.push(m);
                if ops.len() > 66 {
                    return Err("dec_ref_pic_marking: too many operations".into());
                }
            }
            DecRefPicMarking::Adaptive(ops)
        } else {
            DecRefPicMarking::SlidingWindow
        })
    } else {
        None
    };
    let cabac_init_idc = if pps.entropy_coding_mode_flag && !is_i && !is_si {
        Some(ue(r, "cabac_init_idc", 2)?)
    } else {
        None
    };
    let qp_bd_offset = 6 * sps.bit_depth_luma_minus8 as i32;
    let slice_qp_delta = se(r, "slice_qp_delta", -87, 87)?;
    let slice_qp = 26 + pps.pic_init_qp_minus26 + slice_qp_delta;
    if slice_qp < -qp_bd_offset || slice_qp > 51 {
        return Err(format!("SliceQPY {slice_qp} out of range (7.4.3)"));
    }
    let mut sp_for_switch_flag = None;
    let mut slice_qs_delta = None;
    if is_sp || is_si {
        if is_sp {
            sp_for_switch_flag = Some(flag(r, "sp_for_switch_flag")?);
        }
        slice_qs_delta = Some(se(r, "slice_qs_delta", -51, 51)?);
    }
    let (mut disable_deblocking_filter_idc, mut alpha, mut beta) = (0, 0, 0);
    if pps.deblocking_filter_control_present_flag {
        disable_deblocking_filter_idc = ue(r, "disable_deblocking_filter_idc", 2)?;
        if disable_deblocking_filter_idc != 1 {
            alpha = se(r, "slice_alpha_c0_offset_div2", -6, 6)?;
            beta = se(r, "slice_beta_offset_div2", -6, 6)?;
        }
    }
    let mut slice_group_change_cycle = None;
    if let Some(g) = &pps.slice_groups {
        if (3..=5).contains(&g.slice_group_map_type) {
            // Ceil(Log2(PicSizeInMapUnits ÷ SliceGroupChangeRate + 1)) with exact division.
            let size = u64::from(sps.pic_size_in_map_units());
            let rate = u64::from(g.slice_group_change_rate_minus1) + 1;
            let mut bits = 0;
            while (1u64 << bits) * rate < size + rate {
                bits += 1;
            }
            slice_group_change_cycle = Some(u(r, bits, "slice_group_change_cycle")?);
        }
    }
    Ok(ParsedSliceHeader {
        nal_unit_type,
        nal_ref_idc,
        first_mb_in_slice,
        slice_type,
        pic_parameter_set_id,
        colour_plane_id,
        frame_num,
        field_pic_flag,
        bottom_field_flag,
        idr_pic_id,
        pic_order_cnt_lsb,
        delta_pic_order_cnt_bottom,
        delta_pic_order_cnt,
        redundant_pic_cnt,
        direct_spatial_mv_pred_flag,
        num_ref_idx_active_override_flag,
        num_ref_idx_l0_active_minus1,
        num_ref_idx_l1_active_minus1,
        ref_pic_list_modification_flag_l0,
        ref_pic_list_modification_l0,
        ref_pic_list_modification_flag_l1,
        ref_pic_list_modification_l1,
        pred_weight_table_present,
        dec_ref_pic_marking,
        cabac_init_idc,
        slice_qp_delta,
        slice_qp,
        sp_for_switch_flag,
        slice_qs_delta,
        disable_deblocking_filter_idc,
        slice_alpha_c0_offset_div2: alpha,
        slice_beta_offset_div2: beta,
        slice_group_change_cycle,
        header_bits: r.position(),
    })
}

/// Splits an Annex B access unit (or any byte stream) into its NAL units as
/// `(nal_ref_idc, nal_unit_type, rbsp)`, the RBSP with emulation prevention removed. Empty NAL
/// units (no header byte) are skipped.
pub fn access_unit_nals(au: &[u8]) -> Vec<(u8, u8, Vec<u8>)> {
    nal::split_annex_b(au)
        .into_iter()
        .filter(|n| !n.is_empty())
        .map(|n| ((n[0] >> 5) & 3, n[0] & 0x1F, nal::unescape(&n[1..])))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitstream::nal::{write_nal, NalType};
    use crate::bitstream::writer::BitWriter;
    use crate::Config;

    #[test]
    fn reader_reads_what_the_writer_wrote() {
        let mut w = BitWriter::new();
        let ues = [0u32, 1, 2, 3, 7, 8, 255, 65535, 1 << 20, u32::MAX - 1];
        let ses = [0i32, 1, -1, 2, -2, 100, -100, i32::MAX, i32::MIN + 1];
        for &v in &ues {
            w.put_ue(v);
        }
        for &v in &ses {
            w.put_se(v);
        }
        w.put_bits(32, 0xDEAD_BEEF);
        w.put_bits(5, 0b10110);
        w.put_bit(true);
        w.put_trailing_bits();
        let bytes = w.into_bytes();
        let mut r = BitReader::new(&bytes);
        for &v in &ues {
            assert_eq!(r.ue().unwrap(), v);
        }
        for &v in &ses {
            assert_eq!(r.se().unwrap(), v);
        }
        assert_eq!(r.u(32).unwrap(), 0xDEAD_BEEF);
        assert_eq!(r.u(5).unwrap(), 0b10110);
        assert!(r.more_rbsp_data());
        assert!(r.flag().unwrap());
        assert!(!r.more_rbsp_data());
        r.rbsp_trailing_bits().unwrap();
        assert_eq!(r.bits_left(), 0);
        assert!(r.u(1).is_err());
    }

    #[test]
    fn reader_errors_on_truncation_and_bad_trailing_bits() {
        assert!(BitReader::new(&[0x00]).ue().is_err());
        assert!(BitReader::new(&[0x00, 0x00, 0x00, 0x00, 0x01])
            .ue()
            .is_err()); // 39 zeros
        assert!(BitReader::new(&[0x01]).u(9).is_err());
        let mut r = BitReader::new(&[0b0100_0000]);
        assert!(r.rbsp_trailing_bits().is_err());
        let mut r = BitReader::new(&[0b1010_0000]);
        assert!(r.rbsp_trailing_bits().is_err());
        let mut r = BitReader::new(&[0b1000_0000, 0x00]);
        assert!(r.rbsp_trailing_bits().is_ok());
        let mut r = BitReader::new(&[0b1000_0000, 0x01]);
        assert!(r.rbsp_trailing_bits().is_err());
        // more_rbsp_data with trailing zero bytes (cabac_zero_words).
        let r = BitReader::new(&[0b1100_0000, 0, 0]);
        assert!(r.more_rbsp_data());
        let mut r = BitReader::new(&[0b1100_0000, 0, 0]);
        r.skip(1).unwrap();
        assert!(!r.more_rbsp_data());
        assert!(!BitReader::new(&[0, 0]).more_rbsp_data());
    }

    #[test]
    fn parses_an_x264_style_high_profile_sps_and_pps() {
        // Hand-assembled High profile SPS: profile 100, level 4.0, chroma_format_idc 1, 8-bit,
        // a scaling matrix with one list, POC type 0, 4 refs, 1920x1080 (cropped 8 rows),
        // no VUI.
        let mut w = BitWriter::new();
        w.put_bits(8, 100);
        w.put_bits(8, 0);
        w.put_bits(8, 40);
        w.put_ue(0); // sps id
        w.put_ue(1); // chroma_format_idc
        w.put_ue(0); // bit_depth_luma_minus8
        w.put_ue(0); // bit_depth_chroma_minus8
        w.put_bit(false); // qpprime
        w.put_bit(true); // seq_scaling_matrix_present_flag
        for i in 0..8 {
            w.put_bit(i == 1);
            if i == 1 {
                for _ in 0..16 {
                    w.put_se(1); // each coefficient one above the last
                }
            }
        }
        w.put_ue(0); // log2_max_frame_num_minus4
        w.put_ue(0); // poc type 0
        w.put_ue(2); // log2_max_pic_order_cnt_lsb_minus4
        w.put_ue(4); // max_num_ref_frames
        w.put_bit(false);
        w.put_ue(119);
        w.put_ue(67);
        w.put_bit(true); // frame_mbs_only
        w.put_bit(true); // direct_8x8
        w.put_bit(true); // cropping
        for v in [0, 0, 0, 4] {
            w.put_ue(v);
        }
        w.put_bit(false); // no VUI
        w.put_trailing_bits();
        let sps = parse_sps(&w.into_bytes()).unwrap();
        assert_eq!(sps.profile_idc, 100);
        assert!(sps.seq_scaling_matrix_present_flag);
        assert_eq!(sps.log2_max_pic_order_cnt_lsb_minus4, Some(2));
        assert_eq!(sps.max_num_ref_frames, 4);
        assert_eq!((sps.width(), sps.height()), (1920, 1080));
        assert!(sps.to_sps().is_err());

        // CABAC PPS with the High tail (transform_8x8_mode_flag 1, no matrix, offset -2).
        let mut w = BitWriter::new();
        w.put_ue(0);
        w.put_ue(0);
        w.put_bit(true); // CABAC
        w.put_bit(false);
        w.put_ue(0);
        w.put_ue(2);
        w.put_ue(0);
        w.put_bit(true); // weighted_pred_flag
        w.put_bits(2, 2);
        w.put_se(-3);
        w.put_se(0);
        w.put_se(-2);
        w.put_bit(true);
        w.put_bit(false);
        w.put_bit(false);
        w.put_bit(true); // transform_8x8_mode_flag
        w.put_bit(false);
        w.put_se(-2);
        w.put_trailing_bits();
        let pps = parse_pps(&w.into_bytes()).unwrap();
        assert!(pps.entropy_coding_mode_flag);
        assert_eq!(pps.pic_init_qp_minus26, -3);
        assert_eq!(
            pps.high_profile_extension,
            Some(PpsExtension {
                transform_8x8_mode_flag: true,
                pic_scaling_matrix_present_flag: false,
                second_chroma_qp_index_offset: -2
            })
        );

        // A P slice with POC lsb, override to 2 refs, a list modification, a weight table,
        // MMCOs and cabac_init_idc.
        let mut w = BitWriter::new();
        w.put_ue(10); // first_mb
        w.put_ue(5); // P (all slices)
        w.put_ue(0);
        w.put_bits(4, 9); // frame_num
        w.put_bits(6, 33); // pic_order_cnt_lsb
        w.put_bit(true); // override
        w.put_ue(1); // num_ref_idx_l0_active_minus1
        w.put_bit(true); // ref_pic_list_modification_flag_l0
        w.put_ue(0);
        w.put_ue(4);
        w.put_ue(3);
        // pred_weight_table: denominators, then for 2 refs: luma flag 1 (w, o), chroma flag 0.
        w.put_ue(5);
        w.put_ue(3);
        for _ in 0..2 {
            w.put_bit(true);
            w.put_se(-7);
            w.put_se(3);
            w.put_bit(false);
        }
        w.put_bit(true); // adaptive_ref_pic_marking_mode_flag
        w.put_ue(1);
        w.put_ue(0);
        w.put_ue(0);
        w.put_ue(1); // cabac_init_idc
        w.put_se(4); // slice_qp_delta
        w.put_ue(0); // deblocking
        w.put_se(-1);
        w.put_se(2);
        let bits = w.bit_len();
        w.put_trailing_bits();
        let sh = parse_slice_header(&w.into_bytes(), 1, 2, &sps, &pps).unwrap();
        assert_eq!(sh.header_bits, bits);
        assert_eq!(sh.slice_type, 5);
        assert_eq!(sh.frame_num, 9);
        assert_eq!(sh.pic_order_cnt_lsb, Some(33));
        assert_eq!(sh.num_ref_idx_l0_active_minus1, 1);
        assert_eq!(
            sh.ref_pic_list_modification_l0,
            vec![RefPicListModification {
                modification_of_pic_nums_idc: 0,
                value: 4
            }]
        );
        assert!(sh.pred_weight_table_present);
        assert_eq!(
            sh.dec_ref_pic_marking,
            Some(DecRefPicMarking::Adaptive(vec![Mmco {
                memory_management_control_operation: 1,
                difference_of_pic_nums_minus1: Some(0),
                long_term_pic_num: None,
                long_term_frame_idx: None,
                max_long_term_frame_idx_plus1: None
            }]))
        );
        assert_eq!(sh.cabac_init_idc, Some(1));
        assert_eq!(sh.slice_qp, 27);
        assert_eq!(
            (sh.slice_alpha_c0_offset_div2, sh.slice_beta_offset_div2),
            (-1, 2)
        );
        assert!(sh.to_slice_header(&pps).is_err());
    }

    #[test]
    fn rejects_mismatched_ids_and_idr_p_slices() {
        let cfg = Config::new(64, 64);
        let sps = Sps::from_config(&cfg);
        let psps = parse_sps(&sps.to_rbsp()).unwrap();
        let mut pps = Pps::new();
        let ppps = parse_pps(&pps.to_rbsp()).unwrap();
        let mut w = BitWriter::new();
        SliceHeader::new(SliceType::I, 0, Some(0), 26).write(&mut w, &sps, &pps);
        w.put_trailing_bits();
        let idr = w.into_bytes();
        assert!(parse_slice_header(&idr, 5, 3, &psps, &ppps).is_ok());
        assert!(parse_slice_header(&idr, 5, 0, &psps, &ppps).is_err());
        assert!(parse_slice_header(&idr, 7, 3, &psps, &ppps).is_err());
        pps.pic_parameter_set_id = 3;
        let other = parse_pps(&pps.to_rbsp()).unwrap();
        assert!(parse_slice_header(&idr, 5, 3, &psps, &other).is_err());
        // slice_type 0 (P) in an IDR NAL unit.
        let mut w = BitWriter::new();
        w.put_ue(0);
        w.put_ue(0);
        w.put_ue(0);
        w.put_bits(16, 0);
        w.put_ue(0);
        w.put_trailing_bits();
        assert!(parse_slice_header(&w.into_bytes(), 5, 3, &psps, &ppps).is_err());
        // Truncated SPS.
        let rbsp = sps.to_rbsp();
        for len in 0..rbsp.len() {
            assert!(parse_sps(&rbsp[..len]).is_err(), "length {len}");
        }
    }

    #[test]
    fn access_unit_nals_recovers_the_rbsps() {
        let cfg = Config::new(1920, 1080);
        let sps = Sps::from_config(&cfg);
        let pps = Pps::new();
        let mut au = Vec::new();
        write_nal(&mut au, 3, NalType::Sps, &sps.to_rbsp());
        write_nal(&mut au, 3, NalType::Pps, &pps.to_rbsp());
        // A slice whose RBSP has start code emulations: 16 zero bits of frame_num and more.
        let mut w = BitWriter::new();
        SliceHeader::new(SliceType::I, 0, Some(0), 26).write(&mut w, &sps, &pps);
        w.put_bits(32, 0);
        w.put_bits(24, 1);
        w.put_trailing_bits();
        let slice = w.into_bytes();
        write_nal(&mut au, 3, NalType::IdrSlice, &slice);
        let nals = access_unit_nals(&au);
        assert_eq!(nals.len(), 3);
        assert_eq!((nals[0].0, nals[0].1), (3, 7));
        assert_eq!((nals[1].0, nals[1].1), (3, 8));
        assert_eq!((nals[2].0, nals[2].1), (3, 5));
        assert_eq!(nals[0].2, sps.to_rbsp());
        assert_eq!(nals[1].2, pps.to_rbsp());
        assert_eq!(nals[2].2, slice);
        let psps = parse_sps(&nals[0].2).unwrap();
        let ppps = parse_pps(&nals[1].2).unwrap();
        let sh = parse_slice_header(&nals[2].2, 5, 3, &psps, &ppps).unwrap();
        assert_eq!(sh.idr_pic_id, Some(0));
    }

    /// Builds a two-frame stream by hand (an IDR of I_PCM macroblocks, then a P picture of
    /// skipped macroblocks), has ffmpeg decode it and compares the pictures. Skipped when
    /// ffmpeg is not installed.
    #[test]
    fn ffmpeg_decodes_a_hand_built_stream() {
        let have = |tool: &str| {
            std::process::Command::new(tool)
                .arg("-version")
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false)
        };
        if !have("ffmpeg") || !have("ffprobe") {
            eprintln!("ffmpeg/ffprobe not found, skipping");
            return;
        }
        for (w, h, fps, level, rate) in [
            (642u32, 362u32, 29.97, "30", "30000/1001"),
            (48, 32, 60.0, "10", "60/1"),
        ] {
            let mut cfg = Config::new(w, h);
            cfg.fps = fps;
            cfg.validate().unwrap();
            let sps = Sps::from_config(&cfg);
            let pps = Pps::new();
            let (mbw, mbh) = (cfg.mb_width() as usize, cfg.mb_height() as usize);
            let (pw, ph) = (16 * mbw, 16 * mbh);
            // Padded planes with a pattern (no zeros: early PCM rules forbade them).
            let luma: Vec<u8> = (0..pw * ph)
                .map(|i| (1 + (i * 7 + i / pw * 3) % 255) as u8)
                .collect();
            let cb: Vec<u8> = (0..pw * ph / 4)
                .map(|i| (1 + (i * 5) % 255) as u8)
                .collect();
            let cr: Vec<u8> = (0..pw * ph / 4)
                .map(|i| (255 - (i * 3) % 254) as u8)
                .collect();

            let mut stream = Vec::new();
            write_nal(&mut stream, 3, NalType::Sps, &sps.to_rbsp());
            write_nal(&mut stream, 3, NalType::Pps, &pps.to_rbsp());
            let mut bw = BitWriter::new();
            SliceHeader::new(SliceType::I, 0, Some(0), 26).write(&mut bw, &sps, &pps);
            for my in 0..mbh {
                for mx in 0..mbw {
                    bw.put_ue(25); // mb_type I_PCM (Table 7-11)
                    while !bw.is_byte_aligned() {
                        bw.put_bit(false); // pcm_alignment_zero_bit
                    }
                    for y in 0..16 {
                        for x in 0..16 {
                            bw.put_bits(8, luma[(my * 16 + y) * pw + mx * 16 + x].into());
                        }
                    }
                    for plane in [&cb, &cr] {
                        for y in 0..8 {
                            for x in 0..8 {
                                bw.put_bits(8, plane[(my * 8 + y) * pw / 2 + mx * 8 + x].into());
                            }
                        }
                    }
                }
            }
            bw.put_trailing_bits();
            write_nal(&mut stream, 3, NalType::IdrSlice, &bw.into_bytes());
            let mut bw = BitWriter::new();
            SliceHeader::new(SliceType::P, 1, None, 30).write(&mut bw, &sps, &pps);
            bw.put_ue((mbw * mbh) as u32); // mb_skip_run over the whole picture
            bw.put_trailing_bits();
            write_nal(&mut stream, 2, NalType::Slice, &bw.into_bytes());

            let path = std::env::temp_dir()
                .join(format!("rtenc-params-{}-{w}x{h}.h264", std::process::id()));
            std::fs::write(&path, &stream).unwrap();
            let probe = std::process::Command::new("ffprobe")
                .args(["-v", "error", "-show_streams", "-of", "default=nw=1"])
                .arg(&path)
                .output()
                .unwrap();
            let info = String::from_utf8_lossy(&probe.stdout).to_string();
            let decoded = std::process::Command::new("ffmpeg")
                .args(["-v", "error", "-f", "h264", "-i"])
                .arg(&path)
                .args(["-f", "rawvideo", "-pix_fmt", "yuv420p", "-"])
                .output()
                .unwrap();
            std::fs::remove_file(&path).ok();
            assert!(probe.status.success(), "ffprobe: {info}");
            for line in [
                "profile=Constrained Baseline".to_string(),
                format!("width={w}"),
                format!("height={h}"),
                format!("r_frame_rate={rate}"),
                "refs=1".to_string(),
                "pix_fmt=yuv420p".to_string(),
                format!("level={level}"),
                "color_space=smpte170m".to_string(),
                "color_primaries=smpte170m".to_string(),
                "color_transfer=smpte170m".to_string(),
                "color_range=tv".to_string(),
                "has_b_frames=0".to_string(),
            ] {
                assert!(info.lines().any(|l| l == line), "missing {line} in\n{info}");
            }
            assert!(
                decoded.status.success(),
                "ffmpeg: {}",
                String::from_utf8_lossy(&decoded.stderr)
            );
            assert!(
                decoded.stderr.is_empty(),
                "{}",
                String::from_utf8_lossy(&decoded.stderr)
            );
            let (w, h) = (w as usize, h as usize);
            let frame_len = w * h + 2 * (w / 2) * (h / 2);
            assert_eq!(decoded.stdout.len(), 2 * frame_len, "two frames of {w}x{h}");
            let mut expected = Vec::with_capacity(frame_len);
            for y in 0..h {
                expected.extend_from_slice(&luma[y * pw..y * pw + w]);
            }
            for plane in [&cb, &cr] {
                for y in 0..h / 2 {
                    expected.extend_from_slice(&plane[y * pw / 2..y * pw / 2 + w / 2]);
                }
            }
            assert!(
                decoded.stdout[..frame_len] == expected[..],
                "IDR picture differs"
            );
            assert!(
                decoded.stdout[frame_len..] == expected[..],
                "P picture differs"
            );
        }
    }
}
