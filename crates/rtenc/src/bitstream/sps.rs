//! The sequence parameter set with its VUI (7.3.2.1.1, E.1.1).
//!
//! rtenc writes one SPS per stream (repeated before every IDR): Constrained Baseline
//! (profile_idc 66 with constraint_set0_flag and constraint_set1_flag, constraint byte 0xC0),
//! frame-only 4:2:0, picture order count type 2, one reference frame, cropping to the configured
//! size, and a VUI with the colour description, the frame rate and a bitstream restriction that
//! tells decoders no frame is ever reordered (`max_num_reorder_frames` 0,
//! `max_dec_frame_buffering` 1), so they output every picture as soon as it is decoded.
//!
//! The VUI types here ([`Vui`] and its parts) describe the complete E.1.1 syntax so that the
//! test parser (`bitstream::parse`, behind the `parse` feature) can return them as well.

use super::writer::BitWriter;
use crate::config::Config;
use crate::level;

/// profile_idc of the Baseline profile (A.2.1); with constraint_set1_flag it is Constrained
/// Baseline (A.2.1.1).
pub const PROFILE_BASELINE: u8 = 66;

/// log2(MaxFrameNum) rtenc uses.
///
/// frame_num counts reference pictures since the last IDR and wraps modulo MaxFrameNum (7.4.3).
/// 16 bits (log2_max_frame_num_minus4 = 12, the largest allowed) cost 12 bits per slice header
/// more than the minimum of 4, which is negligible, and in exchange the counter wraps only every
/// 65536 frames (18 minutes at 60 fps), so a decoder that misses frames (a dropped message on a
/// lossy transport) sees an unambiguous gap in frame_num instead of one aliased to a small
/// difference.
pub const LOG2_MAX_FRAME_NUM: u8 = 16;

/// True for the profile_idc values whose SPS carries chroma_format_idc, bit depths and scaling
/// matrices (7.3.2.1.1: High, High 10, High 4:2:2, High 4:4:4, CAVLC 4:4:4 and the SVC / MVC
/// profiles).
pub fn profile_has_chroma_info(profile_idc: u8) -> bool {
    matches!(
        profile_idc,
        100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
    )
}

/// The sequence parameter set syntax elements (7.3.2.1.1) for rtenc's streams.
///
/// The writer supports exactly what a Constrained Baseline, frame-only, POC type 2 stream needs;
/// the fields that must hold particular values say so and [`Sps::write_rbsp`] panics otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sps {
    /// profile_idc: 66 (Baseline). Profiles with the chroma_format_idc branch (100 and up) are
    /// not supported by the writer.
    pub profile_idc: u8,
    /// constraint_set0_flag .. constraint_set5_flag, index 0 first. Constrained Baseline sets
    /// flags 0 and 1.
    pub constraint_set_flags: [bool; 6],
    /// level_idc (10 x level).
    pub level_idc: u8,
    /// seq_parameter_set_id (0..=31).
    pub seq_parameter_set_id: u32,
    /// log2(MaxFrameNum), 4..=16; written as log2_max_frame_num_minus4.
    pub log2_max_frame_num: u8,
    /// pic_order_cnt_type: must be 2 (output order = decoding order, nothing in slice headers).
    pub pic_order_cnt_type: u32,
    /// max_num_ref_frames.
    pub max_num_ref_frames: u32,
    /// gaps_in_frame_num_value_allowed_flag.
    pub gaps_in_frame_num_value_allowed_flag: bool,
    /// pic_width_in_mbs_minus1.
    pub pic_width_in_mbs_minus1: u32,
    /// pic_height_in_map_units_minus1 (frames only, so map units are macroblock rows).
    pub pic_height_in_map_units_minus1: u32,
    /// frame_mbs_only_flag: must be true.
    pub frame_mbs_only_flag: bool,
    /// direct_8x8_inference_flag.
    pub direct_8x8_inference_flag: bool,
    /// The frame cropping rectangle; `None` writes frame_cropping_flag 0.
    pub frame_cropping: Option<FrameCropping>,
    /// The VUI; `None` writes vui_parameters_present_flag 0.
    pub vui: Option<Vui>,
}

/// frame_crop_{left,right,top,bottom}_offset (7.4.2.1.1), in units of CropUnitX / CropUnitY,
/// which are 2 luma samples each for frame-only 4:2:0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameCropping {
    /// frame_crop_left_offset.
    pub left: u32,
    /// frame_crop_right_offset.
    pub right: u32,
    /// frame_crop_top_offset.
    pub top: u32,
    /// frame_crop_bottom_offset.
    pub bottom: u32,
}

/// vui_parameters() (E.1.1). Every optional group is an `Option`; `None` writes its
/// `*_present_flag` as 0.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vui {
    /// aspect_ratio_info_present_flag and its contents.
    pub aspect_ratio: Option<AspectRatio>,
    /// overscan_info_present_flag; `Some(overscan_appropriate_flag)` when present.
    pub overscan_appropriate: Option<bool>,
    /// video_signal_type_present_flag and its contents.
    pub video_signal_type: Option<VideoSignalType>,
    /// chroma_loc_info_present_flag and its contents.
    pub chroma_loc_info: Option<ChromaLocInfo>,
    /// timing_info_present_flag and its contents.
    pub timing_info: Option<TimingInfo>,
    /// nal_hrd_parameters_present_flag and the NAL HRD parameters.
    pub nal_hrd_parameters: Option<HrdParameters>,
    /// vcl_hrd_parameters_present_flag and the VCL HRD parameters.
    pub vcl_hrd_parameters: Option<HrdParameters>,
    /// low_delay_hrd_flag; only written (and only meaningful) when one of the HRD parameter sets
    /// is present, otherwise it must be false.
    pub low_delay_hrd_flag: bool,
    /// pic_struct_present_flag.
    pub pic_struct_present_flag: bool,
    /// bitstream_restriction_flag and its contents.
    pub bitstream_restriction: Option<BitstreamRestriction>,
}

/// aspect_ratio_idc (Table E-1), with sar_width / sar_height when it is 255 (Extended_SAR).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AspectRatio {
    /// aspect_ratio_idc.
    pub aspect_ratio_idc: u8,
    /// sar_width (only present for aspect_ratio_idc 255, otherwise 0).
    pub sar_width: u16,
    /// sar_height (only present for aspect_ratio_idc 255, otherwise 0).
    pub sar_height: u16,
}

/// Extended_SAR: aspect_ratio_idc value that is followed by sar_width and sar_height.
pub const EXTENDED_SAR: u8 = 255;

/// video_format, video_full_range_flag and the optional colour description (E.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoSignalType {
    /// video_format (Table E-2), u(3); 5 is "unspecified".
    pub video_format: u8,
    /// video_full_range_flag: false means luma in 16..=235, chroma in 16..=240.
    pub video_full_range_flag: bool,
    /// colour_description_present_flag and its contents.
    pub colour_description: Option<ColourDescription>,
}

/// colour_primaries, transfer_characteristics, matrix_coefficients (Tables E-3, E-4, E-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColourDescription {
    /// colour_primaries; 6 is SMPTE 170M (BT.601 525), 1 is BT.709.
    pub colour_primaries: u8,
    /// transfer_characteristics; 6 is SMPTE 170M, 1 is BT.709.
    pub transfer_characteristics: u8,
    /// matrix_coefficients; 6 is SMPTE 170M (BT.601), 1 is BT.709.
    pub matrix_coefficients: u8,
}

/// chroma_sample_loc_type_top_field / _bottom_field (E.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChromaLocInfo {
    /// chroma_sample_loc_type_top_field, 0..=5.
    pub top_field: u32,
    /// chroma_sample_loc_type_bottom_field, 0..=5.
    pub bottom_field: u32,
}

/// num_units_in_tick, time_scale, fixed_frame_rate_flag (E.2.1). One frame lasts
/// 2 * num_units_in_tick / time_scale seconds (a tick is a field period).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimingInfo {
    /// num_units_in_tick (> 0).
    pub num_units_in_tick: u32,
    /// time_scale (> 0).
    pub time_scale: u32,
    /// fixed_frame_rate_flag.
    pub fixed_frame_rate_flag: bool,
}

impl TimingInfo {
    /// Timing for a constant frame rate of `fps` frames per second (fixed_frame_rate_flag 1,
    /// time_scale = 2 * fps * num_units_in_tick).
    ///
    /// NTSC-style rates (`N * 1000 / 1001` for an integer N, e.g. 29.97, 59.94, 23.976) are
    /// written exactly as num_units_in_tick 1001, time_scale 2000 * N. Everything else uses
    /// num_units_in_tick 1000 and time_scale round(2000 * fps), exact for integer rates and for
    /// rates with up to three decimals (12.5 fps, 7.5 fps); below 0.5 fps num_units_in_tick grows
    /// by factors of 10 to keep at least three significant digits.
    ///
    /// `fps` must be finite and positive (the validated [`Config`] guarantees it, at most 1000).
    pub fn from_fps(fps: f64) -> TimingInfo {
        debug_assert!(fps.is_finite() && fps > 0.0 && fps <= 1.0e6, "fps {fps}");
        let is_integer = (fps - fps.round()).abs() < 1e-9;
        if !is_integer {
            let n = (fps * 1.001).round();
            if n >= 1.0 && (fps * 1.001 - n).abs() <= 1e-4 * n && 2000.0 * n <= f64::from(u32::MAX)
            {
                return TimingInfo {
                    num_units_in_tick: 1001,
                    time_scale: 2000 * n as u32,
                    fixed_frame_rate_flag: true,
                };
            }
        }
        let mut units: u32 = 1000;
        while 2.0 * fps * f64::from(units) < 1000.0 && units < 1_000_000_000 {
            units *= 10;
        }
        let time_scale = (2.0 * fps * f64::from(units))
            .round()
            .clamp(1.0, f64::from(u32::MAX));
        TimingInfo {
            num_units_in_tick: units,
            time_scale: time_scale as u32,
            fixed_frame_rate_flag: true,
        }
    }

    #[cfg(any(test, feature = "internals"))]
    /// The frame rate this timing describes: time_scale / (2 * num_units_in_tick).
    pub fn fps(&self) -> f64 {
        f64::from(self.time_scale) / (2.0 * f64::from(self.num_units_in_tick))
    }
}

/// hrd_parameters() (E.1.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HrdParameters {
    /// bit_rate_scale, u(4).
    pub bit_rate_scale: u8,
    /// cpb_size_scale, u(4).
    pub cpb_size_scale: u8,
    /// One entry per CPB specification (cpb_cnt_minus1 + 1 of them, 1..=32).
    pub cpbs: Vec<CpbSpec>,
    /// initial_cpb_removal_delay_length_minus1, u(5).
    pub initial_cpb_removal_delay_length_minus1: u8,
    /// cpb_removal_delay_length_minus1, u(5).
    pub cpb_removal_delay_length_minus1: u8,
    /// dpb_output_delay_length_minus1, u(5).
    pub dpb_output_delay_length_minus1: u8,
    /// time_offset_length, u(5).
    pub time_offset_length: u8,
}

/// One SchedSelIdx entry of [`HrdParameters`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpbSpec {
    /// bit_rate_value_minus1\[SchedSelIdx\].
    pub bit_rate_value_minus1: u32,
    /// cpb_size_value_minus1\[SchedSelIdx\].
    pub cpb_size_value_minus1: u32,
    /// cbr_flag\[SchedSelIdx\].
    pub cbr_flag: bool,
}

/// The bitstream restriction group of the VUI (E.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BitstreamRestriction {
    /// motion_vectors_over_pic_boundaries_flag.
    pub motion_vectors_over_pic_boundaries_flag: bool,
    /// max_bytes_per_pic_denom (0 = no limit).
    pub max_bytes_per_pic_denom: u32,
    /// max_bits_per_mb_denom (0 = no limit).
    pub max_bits_per_mb_denom: u32,
    /// log2_max_mv_length_horizontal, 0..=15 in the current edition of the standard (older
    /// editions allowed 16; 15 is also the value inferred when absent).
    pub log2_max_mv_length_horizontal: u32,
    /// log2_max_mv_length_vertical, 0..=15 (see the horizontal one).
    pub log2_max_mv_length_vertical: u32,
    /// max_num_reorder_frames: 0, no picture is output later than a picture after it.
    pub max_num_reorder_frames: u32,
    /// max_dec_frame_buffering: the DPB size the decoder needs, in frames (>= max_num_ref_frames).
    pub max_dec_frame_buffering: u32,
}

impl Vui {
    /// The VUI rtenc writes for a frame rate: unspecified video format, limited range, BT.601
    /// (SMPTE 170M) primaries, transfer and matrix (code 6 each), fixed frame rate timing
    /// ([`TimingInfo::from_fps`]) and a bitstream restriction with no reordering and a one-frame
    /// DPB, so decoders output each frame immediately.
    pub fn for_fps(fps: f64) -> Vui {
        Vui {
            aspect_ratio: None,
            overscan_appropriate: None,
            video_signal_type: Some(VideoSignalType {
                video_format: 5,
                video_full_range_flag: false,
                colour_description: Some(ColourDescription {
                    colour_primaries: 6,
                    transfer_characteristics: 6,
                    matrix_coefficients: 6,
                }),
            }),
            chroma_loc_info: None,
            timing_info: Some(TimingInfo::from_fps(fps)),
            nal_hrd_parameters: None,
            vcl_hrd_parameters: None,
            low_delay_hrd_flag: false,
            pic_struct_present_flag: false,
            bitstream_restriction: Some(BitstreamRestriction {
                motion_vectors_over_pic_boundaries_flag: true,
                max_bytes_per_pic_denom: 0,
                max_bits_per_mb_denom: 0,
                // E.2.1: 0..=15 (16 only in the first edition); 15 = no restriction.
                log2_max_mv_length_horizontal: 15,
                log2_max_mv_length_vertical: 15,
                max_num_reorder_frames: 0,
                max_dec_frame_buffering: 1,
            }),
        }
    }

    /// The same VUI with other colour_primaries and transfer_characteristics (the matrix and
    /// range stay as they are).
    pub fn with_colour(mut self, colour_primaries: u8, transfer_characteristics: u8) -> Vui {
        if let Some(cd) = self
            .video_signal_type
            .as_mut()
            .and_then(|vst| vst.colour_description.as_mut())
        {
            cd.colour_primaries = colour_primaries;
            cd.transfer_characteristics = transfer_characteristics;
        }
        self
    }

    /// Writes vui_parameters() (E.1.1).
    pub fn write(&self, w: &mut BitWriter) {
        w.put_bit(self.aspect_ratio.is_some());
        if let Some(ar) = &self.aspect_ratio {
            w.put_bits(8, ar.aspect_ratio_idc.into());
            if ar.aspect_ratio_idc == EXTENDED_SAR {
                w.put_bits(16, ar.sar_width.into());
                w.put_bits(16, ar.sar_height.into());
            }
        }
        w.put_bit(self.overscan_appropriate.is_some());
        if let Some(flag) = self.overscan_appropriate {
            w.put_bit(flag);
        }
        w.put_bit(self.video_signal_type.is_some());
        if let Some(vst) = &self.video_signal_type {
            assert!(vst.video_format < 8, "video_format is u(3)");
            w.put_bits(3, vst.video_format.into());
            w.put_bit(vst.video_full_range_flag);
            w.put_bit(vst.colour_description.is_some());
            if let Some(cd) = &vst.colour_description {
                w.put_bits(8, cd.colour_primaries.into());
                w.put_bits(8, cd.transfer_characteristics.into());
                w.put_bits(8, cd.matrix_coefficients.into());
            }
        }
        w.put_bit(self.chroma_loc_info.is_some());
        if let Some(cl) = &self.chroma_loc_info {
            w.put_ue(cl.top_field);
            w.put_ue(cl.bottom_field);
        }
        w.put_bit(self.timing_info.is_some());
        if let Some(t) = &self.timing_info {
            w.put_bits(32, t.num_units_in_tick);
            w.put_bits(32, t.time_scale);
            w.put_bit(t.fixed_frame_rate_flag);
        }
        w.put_bit(self.nal_hrd_parameters.is_some());
        if let Some(hrd) = &self.nal_hrd_parameters {
            hrd.write(w);
        }
        w.put_bit(self.vcl_hrd_parameters.is_some());
        if let Some(hrd) = &self.vcl_hrd_parameters {
            hrd.write(w);
        }
        if self.nal_hrd_parameters.is_some() || self.vcl_hrd_parameters.is_some() {
            w.put_bit(self.low_delay_hrd_flag);
        } else {
            assert!(
                !self.low_delay_hrd_flag,
                "low_delay_hrd_flag needs HRD parameters"
            );
        }
        w.put_bit(self.pic_struct_present_flag);
        w.put_bit(self.bitstream_restriction.is_some());
        if let Some(br) = &self.bitstream_restriction {
            w.put_bit(br.motion_vectors_over_pic_boundaries_flag);
            w.put_ue(br.max_bytes_per_pic_denom);
            w.put_ue(br.max_bits_per_mb_denom);
            w.put_ue(br.log2_max_mv_length_horizontal);
            w.put_ue(br.log2_max_mv_length_vertical);
            w.put_ue(br.max_num_reorder_frames);
            w.put_ue(br.max_dec_frame_buffering);
        }
    }
}

impl HrdParameters {
    /// Writes hrd_parameters() (E.1.2).
    pub fn write(&self, w: &mut BitWriter) {
        assert!(
            (1..=32).contains(&self.cpbs.len()),
            "hrd_parameters needs 1..=32 CPB specifications"
        );
        w.put_ue(self.cpbs.len() as u32 - 1);
        w.put_bits(4, self.bit_rate_scale.into());
        w.put_bits(4, self.cpb_size_scale.into());
        for c in &self.cpbs {
            w.put_ue(c.bit_rate_value_minus1);
            w.put_ue(c.cpb_size_value_minus1);
            w.put_bit(c.cbr_flag);
        }
        w.put_bits(5, self.initial_cpb_removal_delay_length_minus1.into());
        w.put_bits(5, self.cpb_removal_delay_length_minus1.into());
        w.put_bits(5, self.dpb_output_delay_length_minus1.into());
        w.put_bits(5, self.time_offset_length.into());
    }
}

impl Sps {
    /// The SPS for a validated configuration: Constrained Baseline at the lowest level that fits
    /// ([`level::choose_level`]), MaxFrameNum 2^[`LOG2_MAX_FRAME_NUM`], POC type 2, one
    /// reference frame, cropping from the macroblock-aligned size down to `width` x `height`,
    /// and [`Vui::for_fps`].
    ///
    /// # Panics
    /// If no level fits `cfg` (which [`Config::validate`] rules out).
    pub fn from_config(cfg: &Config) -> Sps {
        let level = level::choose_level(cfg).expect("Sps::from_config needs a validated Config");
        let (mbw, mbh) = (cfg.mb_width(), cfg.mb_height());
        // 7.4.2.1.1: for ChromaArrayType 1 and frame_mbs_only_flag 1, CropUnitX = CropUnitY = 2.
        let crop_right = (16 * mbw - cfg.width) / 2;
        let crop_bottom = (16 * mbh - cfg.height) / 2;
        let frame_cropping = (crop_right != 0 || crop_bottom != 0).then_some(FrameCropping {
            left: 0,
            right: crop_right,
            top: 0,
            bottom: crop_bottom,
        });
        Sps {
            profile_idc: PROFILE_BASELINE,
            constraint_set_flags: [true, true, false, false, false, false],
            level_idc: level.level_idc,
            seq_parameter_set_id: 0,
            log2_max_frame_num: LOG2_MAX_FRAME_NUM,
            pic_order_cnt_type: 2,
            max_num_ref_frames: 1,
            gaps_in_frame_num_value_allowed_flag: false,
            pic_width_in_mbs_minus1: mbw - 1,
            pic_height_in_map_units_minus1: mbh - 1,
            frame_mbs_only_flag: true,
            direct_8x8_inference_flag: true,
            frame_cropping,
            vui: Some(
                Vui::for_fps(cfg.fps)
                    .with_colour(cfg.colour_primaries, cfg.transfer_characteristics),
            ),
        }
    }

    /// The constraint flags byte: constraint_set0_flag in the most significant bit down to
    /// constraint_set5_flag, then reserved_zero_2bits (0xC0 for Constrained Baseline).
    pub fn constraint_byte(&self) -> u8 {
        self.constraint_set_flags
            .iter()
            .enumerate()
            .fold(0u8, |b, (i, &f)| b | (u8::from(f) << (7 - i)))
    }

    /// MaxFrameNum = 2^log2_max_frame_num (7.4.2.1.1).
    pub fn max_frame_num(&self) -> u32 {
        1 << self.log2_max_frame_num
    }

    #[cfg(any(test, feature = "internals"))]
    /// PicWidthInMbs.
    pub fn width_in_mbs(&self) -> u32 {
        self.pic_width_in_mbs_minus1 + 1
    }

    #[cfg(any(test, feature = "internals"))]
    /// FrameHeightInMbs (frame-only: PicHeightInMapUnits).
    pub fn height_in_mbs(&self) -> u32 {
        self.pic_height_in_map_units_minus1 + 1
    }

    #[cfg(any(test, feature = "internals"))]
    /// The visible (cropped) width in luma samples.
    pub fn width(&self) -> u32 {
        let c = self.frame_cropping.unwrap_or_default();
        16 * self.width_in_mbs() - 2 * (c.left + c.right)
    }

    #[cfg(any(test, feature = "internals"))]
    /// The visible (cropped) height in luma samples.
    pub fn height(&self) -> u32 {
        let c = self.frame_cropping.unwrap_or_default();
        16 * self.height_in_mbs() - 2 * (c.top + c.bottom)
    }

    /// Writes seq_parameter_set_rbsp() (7.3.2.1.1 and 7.3.2.1), including rbsp_trailing_bits.
    ///
    /// # Panics
    /// If a field holds a value the writer does not support (see the field docs).
    pub fn write_rbsp(&self, w: &mut BitWriter) {
        assert!(
            !profile_has_chroma_info(self.profile_idc),
            "profile_idc {} needs the chroma_format_idc branch, which the SPS writer lacks",
            self.profile_idc
        );
        assert!(
            (4..=16).contains(&self.log2_max_frame_num),
            "log2_max_frame_num in 4..=16"
        );
        assert_eq!(
            self.pic_order_cnt_type, 2,
            "the SPS writer only supports pic_order_cnt_type 2"
        );
        assert!(
            self.frame_mbs_only_flag,
            "the SPS writer only supports frame_mbs_only_flag 1"
        );
        // 7.3.2.1.1
        w.put_bits(8, self.profile_idc.into());
        w.put_bits(8, self.constraint_byte().into()); // 6 flags + reserved_zero_2bits
        w.put_bits(8, self.level_idc.into());
        w.put_ue(self.seq_parameter_set_id);
        w.put_ue(u32::from(self.log2_max_frame_num) - 4);
        w.put_ue(self.pic_order_cnt_type); // type 2: no further POC syntax
        w.put_ue(self.max_num_ref_frames);
        w.put_bit(self.gaps_in_frame_num_value_allowed_flag);
        w.put_ue(self.pic_width_in_mbs_minus1);
        w.put_ue(self.pic_height_in_map_units_minus1);
        w.put_bit(self.frame_mbs_only_flag); // 1: no mb_adaptive_frame_field_flag
        w.put_bit(self.direct_8x8_inference_flag);
        w.put_bit(self.frame_cropping.is_some());
        if let Some(c) = &self.frame_cropping {
            w.put_ue(c.left);
            w.put_ue(c.right);
            w.put_ue(c.top);
            w.put_ue(c.bottom);
        }
        w.put_bit(self.vui.is_some());
        if let Some(vui) = &self.vui {
            vui.write(w);
        }
        w.put_trailing_bits();
    }

    #[cfg(any(test, feature = "internals"))]
    /// The SPS RBSP as bytes (what [`super::nal::write_nal`] takes).
    pub fn to_rbsp(&self) -> Vec<u8> {
        let mut w = BitWriter::with_capacity(32);
        self.write_rbsp(&mut w);
        w.into_bytes()
    }

    /// The RFC 6381 codec string, e.g. `avc1.42C01F` for Constrained Baseline level 3.1.
    pub fn codec_string(&self) -> String {
        level::codec_string(self.profile_idc, self.constraint_byte(), self.level_idc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitstream::parse::parse_sps;

    fn cfg(w: u32, h: u32, fps: f64) -> Config {
        let mut c = Config::new(w, h);
        c.fps = fps;
        c.validate().expect("test config must be valid");
        c
    }

    /// Writes the SPS of `c`, parses it back and checks every field.
    fn round_trip(c: &Config) -> Sps {
        let sps = Sps::from_config(c);
        let rbsp = sps.to_rbsp();
        let p = parse_sps(&rbsp).unwrap_or_else(|e| panic!("{}x{}: {e}", c.width, c.height));
        assert_eq!(p.profile_idc, 66);
        assert_eq!(
            p.constraint_set_flags,
            [true, true, false, false, false, false]
        );
        assert_eq!(p.reserved_zero_2bits, 0);
        assert_eq!(rbsp[1], 0xC0, "constraint byte");
        assert_eq!(p.level_idc, level::choose_level(c).unwrap().level_idc);
        assert_eq!(p.seq_parameter_set_id, 0);
        assert_eq!(p.chroma_format_idc, 1);
        assert_eq!(p.log2_max_frame_num_minus4, 12);
        assert_eq!(p.pic_order_cnt_type, 2);
        assert_eq!(p.max_num_ref_frames, 1);
        assert!(!p.gaps_in_frame_num_value_allowed_flag);
        assert_eq!(p.pic_width_in_mbs_minus1 + 1, c.mb_width());
        assert_eq!(p.pic_height_in_map_units_minus1 + 1, c.mb_height());
        assert!(p.frame_mbs_only_flag);
        assert!(p.direct_8x8_inference_flag);
        let crop = p.frame_cropping.unwrap_or_default();
        assert_eq!(crop.left, 0);
        assert_eq!(crop.top, 0);
        assert_eq!(crop.right, (16 * c.mb_width() - c.width) / 2);
        assert_eq!(crop.bottom, (16 * c.mb_height() - c.height) / 2);
        assert_eq!(
            p.frame_cropping.is_some(),
            crop.right != 0 || crop.bottom != 0
        );
        assert_eq!((p.width(), p.height()), (c.width, c.height));

        let vui = p.vui.as_ref().expect("VUI present");
        assert_eq!(vui.aspect_ratio, None);
        assert_eq!(vui.overscan_appropriate, None);
        let vst = vui.video_signal_type.expect("video signal type");
        assert_eq!(vst.video_format, 5);
        assert!(!vst.video_full_range_flag);
        let cd = vst.colour_description.expect("colour description");
        assert_eq!(
            (
                cd.colour_primaries,
                cd.transfer_characteristics,
                cd.matrix_coefficients
            ),
            (c.colour_primaries, c.transfer_characteristics, 6)
        );
        assert_eq!(vui.chroma_loc_info, None);
        let t = vui.timing_info.expect("timing info");
        assert!(t.fixed_frame_rate_flag);
        assert!(
            (t.fps() - c.fps).abs() < 1e-2,
            "fps {} vs {}",
            t.fps(),
            c.fps
        );
        assert_eq!(vui.nal_hrd_parameters, None);
        assert_eq!(vui.vcl_hrd_parameters, None);
        assert!(!vui.low_delay_hrd_flag);
        assert!(!vui.pic_struct_present_flag);
        let br = vui.bitstream_restriction.expect("bitstream restriction");
        assert!(br.motion_vectors_over_pic_boundaries_flag);
        assert_eq!(br.max_bytes_per_pic_denom, 0);
        assert_eq!(br.max_bits_per_mb_denom, 0);
        assert_eq!(br.log2_max_mv_length_horizontal, 15);
        assert_eq!(br.log2_max_mv_length_vertical, 15);
        assert_eq!(br.max_num_reorder_frames, 0);
        assert_eq!(br.max_dec_frame_buffering, 1);

        // And the whole struct survives the trip.
        assert_eq!(p.to_sps().unwrap(), sps);
        sps
    }

    #[test]
    fn sps_round_trips_for_many_sizes_and_rates() {
        let sizes = [
            (16, 16),
            (176, 144),
            (642, 362),
            (1280, 720),
            (1920, 1080),
            (3840, 2160),
            (18, 16),
            (2048, 16),
        ];
        for (w, h) in sizes {
            for fps in [30.0, 60.0, 29.97, 24.0, 23.976, 59.94, 12.5, 1.0] {
                let c = cfg(w, h, fps);
                if level::choose_level(&c).is_none() {
                    continue;
                }
                round_trip(&c);
            }
        }
    }

    #[test]
    fn cropping_offsets_are_in_units_of_two_samples() {
        let s = round_trip(&cfg(642, 362, 30.0));
        assert_eq!(
            s.frame_cropping,
            Some(FrameCropping {
                left: 0,
                right: 7,
                top: 0,
                bottom: 3
            })
        );
        let s = round_trip(&cfg(1920, 1080, 30.0));
        assert_eq!(
            s.frame_cropping,
            Some(FrameCropping {
                left: 0,
                right: 0,
                top: 0,
                bottom: 4
            })
        );
        assert_eq!(
            (s.pic_width_in_mbs_minus1, s.pic_height_in_map_units_minus1),
            (119, 67)
        );
        let s = round_trip(&cfg(1280, 720, 30.0));
        assert_eq!(s.frame_cropping, None);
        let s = round_trip(&cfg(3840, 2160, 30.0));
        assert_eq!(s.frame_cropping, None, "2160 = 135 * 16");
        assert_eq!(
            (s.pic_width_in_mbs_minus1, s.pic_height_in_map_units_minus1),
            (239, 134)
        );
        let s = round_trip(&cfg(16, 16, 30.0));
        assert_eq!(s.frame_cropping, None);
        assert_eq!((s.width(), s.height()), (16, 16));
    }

    #[test]
    fn timing_is_exact_for_common_rates() {
        let t = |fps: f64| {
            let t = TimingInfo::from_fps(fps);
            assert!(t.fixed_frame_rate_flag);
            (t.num_units_in_tick, t.time_scale)
        };
        assert_eq!(t(30.0), (1000, 60000));
        assert_eq!(t(60.0), (1000, 120000));
        assert_eq!(t(24.0), (1000, 48000));
        assert_eq!(t(29.97), (1001, 60000));
        assert_eq!(t(30000.0 / 1001.0), (1001, 60000));
        assert_eq!(t(59.94), (1001, 120000));
        assert_eq!(t(23.976), (1001, 48000));
        assert_eq!(t(12.5), (1000, 25000));
        assert_eq!(t(7.5), (1000, 15000));
        assert_eq!(t(1000.0), (1000, 2_000_000));
        assert_eq!(t(1.0), (1000, 2000));
        assert_eq!(t(0.1), (10000, 2000));
        assert_eq!(t(0.0001), (10_000_000, 2000));
        // An arbitrary rate: rounded to 1/2000 frame/s.
        assert_eq!(t(33.3333), (1000, 66667));
    }

    #[test]
    fn level_and_codec_strings() {
        let s = round_trip(&cfg(1280, 720, 30.0));
        assert_eq!(s.level_idc, 31);
        assert_eq!(s.codec_string(), "avc1.42C01F");
        let s = round_trip(&cfg(1920, 1080, 30.0));
        assert_eq!(s.level_idc, 40);
        assert_eq!(s.codec_string(), "avc1.42C028");
        let s = round_trip(&cfg(1920, 1080, 60.0));
        assert_eq!(s.codec_string(), "avc1.42C02A");
        let s = round_trip(&cfg(3840, 2160, 30.0));
        assert_eq!(s.codec_string(), "avc1.42C033");
        let s = round_trip(&cfg(176, 144, 15.0));
        assert_eq!(s.codec_string(), "avc1.42C00A");
        let mut c = cfg(1920, 1080, 30.0);
        c.bitrate = 25_000_000;
        let s = round_trip(&c);
        assert_eq!(s.codec_string(), "avc1.42C029");
    }

    #[test]
    fn known_bytes_for_a_16x16_stream() {
        // Hand-assembled 7.3.2.1.1 for 16x16 @ 30 fps, level 1:
        // 66, 0xC0, 10, ue(0)=1, ue(12)=0001101, ue(2)=011, ue(1)=010, 0, ue(0)=1, ue(0)=1, 1, 1,
        // 0 (no cropping), 1 (VUI) ...
        let s = Sps::from_config(&cfg(16, 16, 30.0));
        let rbsp = s.to_rbsp();
        assert_eq!(&rbsp[..3], &[66, 0xC0, 10]);
        // 1 0001101 011 010 0 1 1 1 1 0 1 -> 1000 1101 0110 1001 1110 1...
        assert_eq!(rbsp[3], 0b1000_1101);
        assert_eq!(rbsp[4], 0b0110_1001);
        assert_eq!(rbsp[5] >> 3, 0b11101);
        assert_ne!(*rbsp.last().unwrap(), 0, "the last byte holds the stop bit");
    }

    #[test]
    fn general_vui_fields_round_trip() {
        let mut s = Sps::from_config(&cfg(640, 480, 25.0));
        let vui = s.vui.as_mut().unwrap();
        vui.aspect_ratio = Some(AspectRatio {
            aspect_ratio_idc: EXTENDED_SAR,
            sar_width: 4,
            sar_height: 3,
        });
        vui.overscan_appropriate = Some(true);
        vui.chroma_loc_info = Some(ChromaLocInfo {
            top_field: 1,
            bottom_field: 2,
        });
        let hrd = HrdParameters {
            bit_rate_scale: 2,
            cpb_size_scale: 3,
            cpbs: vec![
                CpbSpec {
                    bit_rate_value_minus1: 1000,
                    cpb_size_value_minus1: 2000,
                    cbr_flag: true,
                },
                CpbSpec {
                    bit_rate_value_minus1: 5,
                    cpb_size_value_minus1: 6,
                    cbr_flag: false,
                },
            ],
            initial_cpb_removal_delay_length_minus1: 23,
            cpb_removal_delay_length_minus1: 22,
            dpb_output_delay_length_minus1: 21,
            time_offset_length: 24,
        };
        vui.nal_hrd_parameters = Some(hrd.clone());
        vui.vcl_hrd_parameters = Some(hrd);
        vui.low_delay_hrd_flag = true;
        vui.pic_struct_present_flag = true;
        s.frame_cropping = Some(FrameCropping {
            left: 1,
            right: 2,
            top: 3,
            bottom: 4,
        });
        s.seq_parameter_set_id = 31;
        s.log2_max_frame_num = 4;
        let p = parse_sps(&s.to_rbsp()).unwrap();
        assert_eq!(p.to_sps().unwrap(), s);
        assert_eq!(p.vui.unwrap().aspect_ratio.unwrap().sar_width, 4);
    }

    #[test]
    fn colour_tags_come_from_the_config_and_default_to_bt601() {
        let c = cfg(1280, 720, 30.0);
        assert_eq!((c.colour_primaries, c.transfer_characteristics), (6, 6));
        round_trip(&c);
        // Display P3 as pdum.rfb tags it: SMPTE EG 432-1 primaries, sRGB transfer.
        let mut p3 = c.clone();
        p3.colour_primaries = 12;
        p3.transfer_characteristics = 13;
        p3.validate().unwrap();
        let sps = round_trip(&p3);
        // Only the two tags differ from the default SPS.
        let base = Sps::from_config(&c);
        assert_eq!(
            sps.vui.clone().unwrap().with_colour(6, 6),
            base.vui.clone().unwrap()
        );
        assert_eq!(Sps { vui: None, ..sps }, Sps { vui: None, ..base });
    }

    #[test]
    fn reserved_colour_codes_are_refused() {
        for (p, t, ok) in [
            (1, 1, true),
            (22, 18, true),
            (2, 2, true),
            (0, 6, false),
            (3, 6, false),
            (13, 6, false),
            (23, 6, false),
            (6, 0, false),
            (6, 3, false),
            (6, 19, false),
        ] {
            let mut c = Config::new(64, 64);
            c.colour_primaries = p;
            c.transfer_characteristics = t;
            let r = c.validate();
            assert_eq!(r.is_ok(), ok, "({p}, {t}): {r:?}");
            if let Err(e) = r {
                assert!(e
                    .to_string()
                    .contains(if p == 6 { "transfer" } else { "primaries" }));
            }
        }
    }
}
