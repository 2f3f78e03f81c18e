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
    /// MaxCPB in bits (VCL factor 1000, like [`Level::max_br_bps`]).
    pub fn max_cpb_bits(&self) -> u64 {
        u64::from(self.max_cpb_kbits) * 1000
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

/// The lowest level whose frame size, per-dimension size, macroblock rate (at `fps`), bitrate
/// and CPB size limits all fit the configuration, or `None` if even the largest does not.
///
/// Under rate control the bitrate must fit MaxBR and the rate controller's buffer (`vbv_size`,
/// by default one second of `bitrate`) must fit MaxCPB: without HRD parameters in the VUI the
/// stream has to conform to a CPB of the level's MaxCPB (A.3.1, E.2.2). In constant-QP mode
/// (bitrate 0) neither is checked.
pub fn choose_level(cfg: &Config) -> Option<&'static Level> {
    let mbw = cfg.mb_width();
    let mbh = cfg.mb_height();
    let fs = mbw.saturating_mul(mbh);
    let mbps = f64::from(fs) * cfg.fps;
    let cpb_bits = if cfg.bitrate > 0 {
        u64::from(cfg.vbv_size.unwrap_or(cfg.bitrate))
    } else {
        0
    };
    LEVELS.iter().find(|l| {
        fs <= l.max_fs
            && mbw <= l.max_dim_mbs()
            && mbh <= l.max_dim_mbs()
            && mbps <= f64::from(l.max_mbps) + 1e-6
            && u64::from(cfg.bitrate) <= l.max_br_bps()
            && cpb_bits <= l.max_cpb_bits()
    })
}

/// The RFC 6381 codec string `avc1.PPCCLL` for a profile_idc, constraint flags byte and
/// level_idc, as WebCodecs expects it.
pub fn codec_string(profile_idc: u8, constraint_flags: u8, level_idc: u8) -> String {
    format!("avc1.{profile_idc:02X}{constraint_flags:02X}{level_idc:02X}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The level name chosen for a size, frame rate and bitrate (0 = constant QP).
    fn level_of(w: u32, h: u32, fps: f64, bitrate: u32) -> Option<&'static str> {
        let mut c = Config::new(w, h);
        c.fps = fps;
        c.bitrate = bitrate;
        choose_level(&c).map(|l| l.name)
    }

    #[test]
    fn table_a1_is_transcribed_correctly() {
        // Spot checks against Table A-1 and the per-dimension limit sqrt(8 * MaxFS).
        let l = |n: &str| LEVELS.iter().find(|l| l.name == n).unwrap();
        assert_eq!(l("1").max_dim_mbs(), 28); // sqrt(792) = 28.1
        assert_eq!(l("1.1").max_dim_mbs(), 56); // sqrt(3168) = 56.3
        assert_eq!(l("2.1").max_dim_mbs(), 79); // sqrt(6336) = 79.6
        assert_eq!(l("3").max_dim_mbs(), 113); // sqrt(12960) = 113.8
        assert_eq!(l("3.1").max_dim_mbs(), 169); // sqrt(28800) = 169.7
        assert_eq!(l("4").max_dim_mbs(), 256); // sqrt(65536) = 256 exactly
        assert_eq!(l("5.1").max_dim_mbs(), 543); // sqrt(294912) = 543.05
        assert_eq!(l("4.1").max_br_bps(), 50_000_000);
        assert_eq!(l("4").max_cpb_bits(), 25_000_000);
        for w in LEVELS.windows(2) {
            assert!(w[0].level_idc < w[1].level_idc);
            assert!(w[0].max_mbps <= w[1].max_mbps && w[0].max_fs <= w[1].max_fs);
            assert!(w[0].max_br_kbps <= w[1].max_br_kbps);
        }
        // With the default VBV (one second), MaxCPB never binds before MaxBR.
        assert!(LEVELS.iter().all(|l| l.max_cpb_kbits >= l.max_br_kbps));
    }

    #[test]
    fn chooses_the_lowest_fitting_level() {
        let cases: &[(u32, u32, f64, u32, &str)] = &[
            // QCIF: 11x9 = 99 MBs. At 15 fps 1485 MB/s, exactly level 1's limits.
            (176, 144, 15.0, 0, "1"),
            (176, 144, 15.0, 64_000, "1"),
            // Level 1's MaxBR is 64 kbit/s; 1b is never chosen, 1.1 allows 192 kbit/s.
            (176, 144, 15.0, 64_001, "1.1"),
            (176, 144, 15.0, 192_000, "1.1"),
            (176, 144, 15.0, 192_001, "1.2"),
            // 2970 MB/s > 1485 -> 1.1 (3000).
            (176, 144, 30.0, 0, "1.1"),
            // CIF: 22x18 = 396 MBs, 11880 MB/s at 30 fps -> 1.3; above 768 kbit/s -> 2.
            (352, 288, 30.0, 0, "1.3"),
            (352, 288, 30.0, 1_000_000, "2"),
            // 640x480: 40x30 = 1200 MBs, 36000 MB/s -> 3 (2.2 allows only 20250 MB/s).
            (640, 480, 30.0, 0, "3"),
            (640, 480, 15.0, 0, "2.2"),
            // 720p: 80x45 = 3600 MBs. 108000 MB/s -> 3.1; at 60 fps 216000 -> 3.2 exactly.
            (1280, 720, 30.0, 0, "3.1"),
            (1280, 720, 30.0, 14_000_000, "3.1"),
            (1280, 720, 30.0, 14_000_001, "3.2"),
            (1280, 720, 60.0, 0, "3.2"),
            (1280, 720, 60.0, 25_000_000, "4.1"),
            // 1080p: 120x68 = 8160 MBs <= 8192, 244800 MB/s <= 245760 -> 4.
            (1920, 1080, 30.0, 0, "4"),
            (1920, 1080, 29.97, 0, "4"),
            (1920, 1080, 30.0, 20_000_000, "4"),
            // MaxBR of level 4 is 20 Mbit/s: 25 Mbit/s needs 4.1.
            (1920, 1080, 30.0, 25_000_000, "4.1"),
            (1920, 1080, 30.0, 50_000_001, "5"),
            // 489600 MB/s -> 4.2 (522240).
            (1920, 1080, 60.0, 0, "4.2"),
            // 2160p: 240x135 = 32400 MBs > 22080 (level 5) -> 5.1 (983040 >= 972000 MB/s).
            (3840, 2160, 30.0, 0, "5.1"),
            (3840, 2160, 60.0, 0, "5.2"),
            // 4096x2160: 256x135 = 34560 MBs; at 60 fps exactly 2073600 MB/s -> 5.2.
            (4096, 2160, 60.0, 0, "5.2"),
            // Per-dimension limit: 113 MBs wide fits level 2.2 (floor(sqrt(8 * 1620)) = 113),
            // 114 MBs needs 3.1 (169); frame size and rate alone would allow level 1.1.
            (1808, 16, 15.0, 0, "2.2"),
            (1824, 16, 15.0, 0, "3.1"),
            (16, 1808, 15.0, 0, "2.2"),
            (16, 1824, 15.0, 0, "3.1"),
            // 2048x16: 128 MBs wide, only 3.1's 169 allows it.
            (2048, 16, 15.0, 0, "3.1"),
            // 5.1's limit is floor(sqrt(8 * 36864)) = 543 MBs = 8688 samples.
            (8688, 64, 30.0, 0, "5.1"),
            // Tiny pictures at a high rate: 1 MB at 1000 fps fits level 1.
            (16, 16, 1000.0, 0, "1"),
        ];
        for &(w, h, fps, br, want) in cases {
            assert_eq!(
                level_of(w, h, fps, br),
                Some(want),
                "{w}x{h} @ {fps} fps, {br} bit/s"
            );
        }
    }

    #[test]
    fn nothing_fits_beyond_level_5_2() {
        // 4096x2304 = 36864 MBs = MaxFS of 5.1 / 5.2: 921600 MB/s at 25 fps fits 5.1,
        // 1105920 at 30 fps needs 5.2, 2211840 at 60 fps fits nothing.
        assert_eq!(level_of(4096, 2304, 25.0, 0), Some("5.1"));
        assert_eq!(level_of(4096, 2304, 30.0, 0), Some("5.2"));
        assert_eq!(level_of(4096, 2304, 60.0, 0), None);
        // Too wide for any level (544 MBs).
        assert_eq!(level_of(8704, 16, 1.0, 0), None);
        // Too many MBs.
        assert_eq!(level_of(7680, 4320, 1.0, 0), None);
        // Bitrate above 240 Mbit/s.
        assert_eq!(level_of(1920, 1080, 30.0, 240_000_001), None);
    }

    #[test]
    fn the_vbv_size_must_fit_max_cpb() {
        let mut c = Config::new(1920, 1080);
        c.bitrate = 20_000_000;
        assert_eq!(choose_level(&c).unwrap().name, "4"); // default VBV 20 Mbit <= 25 Mbit
        c.vbv_size = Some(25_000_000);
        assert_eq!(choose_level(&c).unwrap().name, "4");
        c.vbv_size = Some(25_000_001);
        assert_eq!(choose_level(&c).unwrap().name, "4.1");
        c.vbv_size = Some(62_500_001);
        assert_eq!(choose_level(&c).unwrap().name, "5");
        // Constant QP: no rate controller buffer, so vbv_size does not matter.
        c.bitrate = 0;
        assert_eq!(choose_level(&c).unwrap().name, "4");
    }

    #[test]
    fn codec_strings() {
        assert_eq!(codec_string(66, 0xC0, 31), "avc1.42C01F");
        assert_eq!(codec_string(66, 0xC0, 40), "avc1.42C028");
        assert_eq!(codec_string(66, 0xC0, 10), "avc1.42C00A");
        assert_eq!(codec_string(100, 0, 51), "avc1.640033");
    }
}
