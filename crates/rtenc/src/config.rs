//! Encoder configuration and its validation.

use crate::dsp::Isa;
use crate::error::{Error, Result};
use crate::level;
use crate::preset::Preset;

/// Everything fixed for the lifetime of one encoder instance.
///
/// ```
/// use rtenc::Config;
/// let mut cfg = Config::new(1280, 720);
/// cfg.fps = 60.0;
/// cfg.qp = Some(30);
/// assert!(cfg.validate().is_ok());
/// cfg.width = 1281;
/// assert!(cfg.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Picture width in luma samples: even, >= 16.
    pub width: u32,
    /// Picture height in luma samples: even, >= 16.
    pub height: u32,
    /// Frames per second (> 0, at most 1000). Used for the level, VUI timing and rate control.
    pub fps: f64,
    /// Target bitrate in bit/s. 0 means constant QP (see [`Config::qp`]).
    pub bitrate: u32,
    /// Keyframe interval in frames: an IDR every `gop` frames. 0 means IDRs only on demand
    /// (the first frame and `force_idr`).
    pub gop: u32,
    /// Fixed QP (0..=51). When set it overrides rate control. When neither this nor `bitrate`
    /// is set, QP 26 is used.
    pub qp: Option<u8>,
    /// Lowest QP rate control may choose.
    pub min_qp: u8,
    /// Highest QP rate control may choose.
    pub max_qp: u8,
    /// Size of the hypothetical decoder buffer (VBV) in bits; `None` means one second of
    /// `bitrate`.
    pub vbv_size: Option<u32>,
    /// How much analysis each macroblock gets: a point on the speed ladder (see
    /// [`Preset`]; `Speed` values convert into presets).
    pub preset: Preset,
    /// Worker threads per frame (each codes one slice of the picture; 1 = a single slice on
    /// the caller's thread, 0 = one per available core). Every frame still comes back from its
    /// own `encode` call; more threads cut each frame's latency at a small cost in bits.
    pub threads: u32,
    /// colour_primaries written in the SPS VUI (H.264 Table E-3): 6 (SMPTE 170M, the default),
    /// 1 (BT.709), 9 (BT.2020), 12 (SMPTE EG 432-1, Display P3), 2 (unspecified), ... Only a
    /// tag: the samples are not converted. The matrix is always BT.601 (code 6), limited range.
    pub colour_primaries: u8,
    /// transfer_characteristics written in the SPS VUI (H.264 Table E-4): 6 (SMPTE 170M, the
    /// default), 1 (BT.709), 13 (sRGB, IEC 61966-2-1), 8 (linear), 16 (PQ), 18 (HLG), ...
    pub transfer_characteristics: u8,
    /// Periodic intra refresh instead of periodic IDRs: after the first IDR, keyframes come
    /// only from `force_idr`, and a column of intra macroblocks sweeps the picture left to
    /// right once every `gop` frames (which must then be at least 1), each sweep announced by
    /// a recovery point SEI. Motion of the refreshed area never reads the area not yet
    /// refreshed, so a decoder that starts at the SEI shows exactly the encoder's picture
    /// from the sweep's last frame on, and frame sizes stay flat (no IDR peaks).
    pub intra_refresh: bool,
    /// The highest instruction-set level of the SIMD kernels this encoder may use; `None`:
    /// the process-wide choice (the best this CPU runs, capped by `RTENC_CPU`). The level used
    /// is the best this CPU runs at most this one and at most `RTENC_CPU`'s cap
    /// ([`crate::Encoder::isa`] tells it). Every level gives the same stream.
    pub isa: Option<Isa>,
}

/// The default [`Config::colour_primaries`] and [`Config::transfer_characteristics`]: SMPTE 170M
/// (BT.601), matching the BT.601 matrix of the colour conversions.
pub const DEFAULT_COLOUR_CODE: u8 = 6;

/// The two speed settings rtenc had before presets, kept as an alias: each converts into a
/// [`Preset`] (`cfg.preset = Speed::Quality.into()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Speed {
    /// For live streams: [`Preset::Veryfast`], the default.
    #[default]
    Realtime,
    /// [`Preset::Medium`]: partitions and every Intra_4x4 mode.
    Quality,
}

impl From<Speed> for Preset {
    fn from(s: Speed) -> Preset {
        match s {
            Speed::Realtime => Preset::default(),
            Speed::Quality => Preset::Medium,
        }
    }
}

/// The most worker threads an encoder accepts.
pub const MAX_THREADS: u32 = 64;

/// The longest intra refresh period (`gop` with `intra_refresh`): a recovery point SEI's
/// recovery_frame_cnt (`gop - 1`) must stay below MaxFrameNum (2^16).
pub const MAX_REFRESH_PERIOD: u32 = 1 << 16;

/// The QP used when neither a fixed QP nor a bitrate is configured.
pub const DEFAULT_QP: u8 = 26;

impl Config {
    /// A configuration with defaults: 30 fps, constant QP 26, a keyframe every 30 frames.
    pub fn new(width: u32, height: u32) -> Self {
        Config {
            width,
            height,
            fps: 30.0,
            bitrate: 0,
            gop: 30,
            qp: None,
            min_qp: 10,
            max_qp: 51,
            vbv_size: None,
            preset: Preset::default(),
            threads: 1,
            colour_primaries: DEFAULT_COLOUR_CODE,
            transfer_characteristics: DEFAULT_COLOUR_CODE,
            intra_refresh: false,
            isa: None,
        }
    }

    /// Width in macroblocks.
    pub fn mb_width(&self) -> u32 {
        self.width.div_ceil(16)
    }

    /// Height in macroblocks.
    pub fn mb_height(&self) -> u32 {
        self.height.div_ceil(16)
    }

    /// The number of slices (and threads) per picture: `threads`, or the available cores for 0,
    /// at most one per macroblock row.
    pub fn slice_count(&self) -> usize {
        let n = match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n as usize,
        };
        n.clamp(1, self.mb_height().max(1) as usize)
    }

    /// The QP of every frame in constant-QP mode, or `None` under rate control.
    pub fn constant_qp(&self) -> Option<u8> {
        match (self.qp, self.bitrate) {
            (Some(qp), _) => Some(qp),
            (None, 0) => Some(DEFAULT_QP),
            (None, _) => None,
        }
    }

    /// Checks every field; the error says which one is wrong and why.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidConfig(m));
        let (w, h) = (self.width, self.height);
        if w < 16 || h < 16 {
            return bad(format!("width and height must be at least 16, got {w}x{h}"));
        }
        if w % 2 != 0 || h % 2 != 0 {
            return bad(format!(
                "width and height must be even (4:2:0), got {w}x{h}"
            ));
        }
        let (mbw, mbh) = (self.mb_width(), self.mb_height());
        let max = level::LEVELS.last().expect("level table");
        if u64::from(mbw) * u64::from(mbh) > u64::from(max.max_fs)
            || mbw > max.max_dim_mbs()
            || mbh > max.max_dim_mbs()
        {
            return bad(format!(
                "{w}x{h} exceeds the largest supported level ({}): at most {} macroblocks per \
                 frame and {} per dimension",
                max.name,
                max.max_fs,
                max.max_dim_mbs()
            ));
        }
        if !self.fps.is_finite() || self.fps <= 0.0 || self.fps > 1000.0 {
            return bad(format!(
                "fps must be a number in (0, 1000], got {}",
                self.fps
            ));
        }
        let max_br = max.max_br_bps();
        if u64::from(self.bitrate) > max_br {
            return bad(format!(
                "bitrate {} bit/s exceeds the largest level's limit of {max_br} bit/s",
                self.bitrate
            ));
        }
        if self.threads > MAX_THREADS {
            return bad(format!(
                "threads must be at most {MAX_THREADS} (0 = one per core), got {}",
                self.threads
            ));
        }
        if let Some(qp) = self.qp {
            if qp > 51 {
                return bad(format!("qp must be in 0..=51, got {qp}"));
            }
        }
        if self.min_qp > 51 || self.max_qp > 51 || self.min_qp > self.max_qp {
            return bad(format!(
                "min_qp/max_qp must satisfy 0 <= min_qp <= max_qp <= 51, got {}/{}",
                self.min_qp, self.max_qp
            ));
        }
        if let Some(v) = self.vbv_size {
            if self.bitrate > 0 && u64::from(v) < u64::from(self.bitrate) / 100 {
                return bad(format!(
                    "vbv_size {v} bits is smaller than 10 ms of the bitrate {}",
                    self.bitrate
                ));
            }
        }
        // Table E-3: 0 and 3 are reserved, 1..=12 and 22 defined (13..=21 too since 2016, but
        // decoders may not know them). Table E-4: 0 and 3 reserved, 1..=18 defined.
        let p = self.colour_primaries;
        if !(matches!(p, 1..=12 | 22) && p != 3) {
            return bad(format!(
                "colour_primaries must be an H.264 Table E-3 code (1, 2, 4..=12 or 22), got {p}"
            ));
        }
        let t = self.transfer_characteristics;
        if !(matches!(t, 1..=18) && t != 3) {
            return bad(format!(
                "transfer_characteristics must be an H.264 Table E-4 code (1, 2 or 4..=18), got {t}"
            ));
        }
        if self.intra_refresh && !(1..=MAX_REFRESH_PERIOD).contains(&self.gop) {
            return bad(format!(
                "intra_refresh needs gop in 1..={MAX_REFRESH_PERIOD} (the refresh period in \
                 frames), got {}",
                self.gop
            ));
        }
        if level::choose_level(self).is_none() {
            return bad(format!(
                "no H.264 level fits {w}x{h} at {} fps and {} bit/s",
                self.fps, self.bitrate
            ));
        }
        Ok(())
    }
}
