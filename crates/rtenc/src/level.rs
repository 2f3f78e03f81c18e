//! H.264 levels (Table A-1), the choice of the lowest level that fits, and the codec string.

use crate::config::Config;

/// One row of Table A-1 (the limits rtenc's streams can touch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    /// Human name, e.g. "3.1".
    pub name: &'static str,
    /// level_idc as written in the SPS (10 x level; 1b is signalled as 11 with
    /// constraint_set3_flag in Baseline, which rtenc never picks).
    pub level_idc: u8,
    /// MaxMBPS: macroblocks per second.
    pub max_mbps: u32,
    /// MaxFS: macroblocks per frame.
    pub max_fs: u32,
    /// MaxDpbMbs.
    pub max_dpb_mbs: u32,
    /// MaxBR in units of 1000 bit/s (cpbBrVclFactor 1000 for Baseline VCL; A.3.1 item j uses
    /// 1200 for NAL HRD, we budget against the stricter VCL factor).
    pub max_br_kbps: u32,
    /// MaxCPB in units of 1000 bits.
    pub max_cpb_kbits: u32,
    /// Vertical MV range in luma samples (MaxVmvR is [-x, x - 0.25]).
    pub max_vmv_r: i32,
}

impl Level {
    /// A.3.1 item f (and notes): each dimension in macroblocks is at most sqrt(8 * MaxFS).
    pub fn max_dim_mbs(&self) -> u32 {
        ((8 * self.max_fs) as f64).sqrt().floor() as u32
    }
    /// MaxBR in bit/s.
    pub fn max_br_bps(&self) -> u64 {
        u64::from(self.max_br_kbps) * 1000
    }
}

macro_rules! lv {
    ($n:expr, $idc:expr, $mbps:expr, $fs:expr, $dpb:expr, $br:expr, $cpb:expr, $vmv:expr) => {
        Level {
            name: $n,
            level_idc: $idc,
            max_mbps: $mbps,
            max_fs: $fs,
            max_dpb_mbs: $dpb,
            max_br_kbps: $br,
            max_cpb_kbits: $cpb,
            max_vmv_r: $vmv,
        }
    };
}

/// Table A-1, levels 1 to 5.2 (level 1b is skipped: it needs constraint_set3_flag signalling and
/// level 1.1 covers it).
pub const LEVELS: &[Level] = &[
    lv!("1", 10, 1485, 99, 396, 64, 175, 64),
    lv!("1.1", 11, 3000, 396, 900, 192, 500, 128),
    lv!("1.2", 12, 6000, 396, 2376, 384, 1000, 128),
    lv!("1.3", 13, 11880, 396, 2376, 768, 2000, 128),
    lv!("2", 20, 11880, 396, 2376, 2000, 2000, 128),
    lv!("2.1", 21, 19800, 792, 4752, 4000, 4000, 256),
    lv!("2.2", 22, 20250, 1620, 8100, 4000, 4000, 256),
    lv!("3", 30, 40500, 1620, 8100, 10000, 10000, 256),
    lv!("3.1", 31, 108000, 3600, 18000, 14000, 14000, 512),
    lv!("3.2", 32, 216000, 5120, 20480, 20000, 20000, 512),
    lv!("4", 40, 245760, 8192, 32768, 20000, 25000, 512),
    lv!("4.1", 41, 245760, 8192, 32768, 50000, 62500, 512),
    lv!("4.2", 42, 522240, 8704, 34816, 50000, 62500, 512),
    lv!("5", 50, 589824, 22080, 110400, 135000, 135000, 512),
    lv!("5.1", 51, 983040, 36864, 184320, 240000, 240000, 512),
    lv!("5.2", 52, 2073600, 36864, 184320, 240000, 240000, 512),
];

/// The lowest level whose frame size, per-dimension size, macroblock rate (at `fps`) and bitrate
/// limits all fit the configuration, or `None` if even the largest does not. In constant-QP mode
/// (bitrate 0) the bitrate limit is not checked.
pub fn choose_level(cfg: &Config) -> Option<&'static Level> {
    let mbw = cfg.mb_width();
    let mbh = cfg.mb_height();
    let fs = mbw * mbh;
    let mbps = f64::from(fs) * cfg.fps;
    LEVELS.iter().find(|l| {
        fs <= l.max_fs
            && mbw <= l.max_dim_mbs()
            && mbh <= l.max_dim_mbs()
            && mbps <= f64::from(l.max_mbps) + 1e-6
            && u64::from(cfg.bitrate) <= l.max_br_bps()
    })
}

/// The RFC 6381 codec string `avc1.PPCCLL` for a profile_idc, constraint flags byte and
/// level_idc, as WebCodecs expects it.
pub fn codec_string(profile_idc: u8, constraint_flags: u8, level_idc: u8) -> String {
    format!("avc1.{profile_idc:02X}{constraint_flags:02X}{level_idc:02X}")
}
