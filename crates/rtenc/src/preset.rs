//! Presets: every trade between encoding time and compression that the analysis makes, in one
//! place (in the spirit of x264's `param_apply_preset` and rav1e's
//! `SpeedSettings::from_preset`).
//!
//! A [`Preset`] names a point on the ladder; [`SpeedSettings::from_preset`] turns it into the
//! switches and thresholds the analysis consults. Every preset decodes the same way and keeps
//! the same latency (one access unit per frame, at once): presets differ only in how hard the
//! encoder looks for a cheaper coding of each macroblock. The names follow x264's ladder,
//! because that is the ladder users already think in.

use std::fmt;
use std::str::FromStr;

/// A point on the speed ladder, fastest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Preset {
    /// Full-sample motion vectors, Intra_16x16 only in P slices, a short search.
    Ultrafast,
    /// Half-sample motion vectors, the fast Intra_4x4 search in IDR pictures only.
    Superfast,
    /// Quarter-sample motion vectors, the fast Intra_4x4 search everywhere; the default.
    #[default]
    Veryfast,
    /// As `veryfast`, with P_Skip decided after the motion search everywhere.
    Faster,
    /// Adds 16x8, 8x16 and 8x8 partitions.
    Fast,
    /// Adds every Intra_4x4 mode and a wider search.
    Medium,
}

impl Preset {
    /// The ladder, fastest first.
    pub const ALL: [Preset; 6] = [
        Preset::Ultrafast,
        Preset::Superfast,
        Preset::Veryfast,
        Preset::Faster,
        Preset::Fast,
        Preset::Medium,
    ];

    /// The preset's name as written on the command line and in Python (`"veryfast"`).
    pub fn name(self) -> &'static str {
        match self {
            Preset::Ultrafast => "ultrafast",
            Preset::Superfast => "superfast",
            Preset::Veryfast => "veryfast",
            Preset::Faster => "faster",
            Preset::Fast => "fast",
            Preset::Medium => "medium",
        }
    }

    /// The names of the ladder, fastest first, separated by `", "` (for help texts and errors).
    pub fn names() -> String {
        Preset::ALL.map(Preset::name).join(", ")
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Preset {
    type Err = String;

    /// Parses a preset name (ASCII case-insensitive).
    fn from_str(s: &str) -> Result<Self, String> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown preset {s:?}: expected one of {}", Preset::names()))
    }
}

/// How much of Intra_4x4 an intra decision tries.
/// Ordered by effort: `Off < Fast < All`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum I4x4Search {
    /// No Intra_4x4: Intra_16x16 only (Intra_4x4 is still coded in the rare macroblock whose
    /// Intra_16x16 DC levels would not fit CAVLC).
    Off,
    /// 5 or 6 modes per block: the axis modes, the predicted one and the diagonals next to the
    /// best so far.
    Fast,
    /// All nine prediction modes of every 4x4 block.
    All,
}

/// How far motion vectors are refined below whole samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subpel {
    /// Whole samples only.
    Full,
    /// Half samples (the eight neighbours, on SAD).
    Half,
    /// Half samples, then quarter samples (the four nearest, on SATD).
    Quarter,
}

/// Every switch and threshold of the analysis, built once per encoder from its [`Preset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpeedSettings {
    /// Full-sample search range around the best candidate, in samples.
    pub search_range: i32,
    /// Full-sample search range of a partition (16x8, 8x16, 8x8) around the 16x16 vector.
    pub partition_range: i32,
    /// Most steps of the hexagon walk (each moves the centre by 2 samples).
    pub hex_rounds: u32,
    /// Sub-sample refinement of the 16x16 vector.
    pub subpel: Subpel,
    /// Whether 16x8, 8x16 and 8x8 partitions are searched.
    pub partitions: bool,
    /// Partitions are searched only where the 16x16 prediction leaves more SATD than this per
    /// sample (plus 16 lambda per macroblock).
    pub partition_satd: u32,
    /// Intra_4x4 in IDR pictures.
    pub i4_idr: I4x4Search,
    /// Intra_4x4 in P slices.
    pub i4_p: I4x4Search,
    /// In IDR pictures, Intra_4x4 is searched only where the best Intra_16x16 prediction
    /// leaves at least this much SATD per sample (its header bits included): where it predicts
    /// better, Intra_4x4 seldom wins, and its search is the bulk of an IDR's time (the slowest
    /// frame). P slices search it wherever intra is tried.
    pub i4_min_satd: u32,
    /// Intra is tried in a P slice only where the inter prediction leaves more SATD than this
    /// per sample.
    pub intra_in_p_satd: u32,
    /// Whether P_Skip is probed before the motion search where a neighbour was skipped.
    pub probe_skip: bool,
    /// P_Skip at the skip vector is checked after the search when its SATD is within this many
    /// lambdas of the found vector's cost.
    pub skip_slack: u32,
    /// Whether the vertical shifts of scrolled content (`analyse::scroll`) are motion search
    /// candidates.
    pub scroll_candidates: bool,
    /// Whether the vectors most macroblocks of the last picture shared
    /// (`analyse::dominant`) are motion search candidates.
    pub dominant_candidates: bool,
    /// Whether translations of changed screen content found in the previous source
    /// (`analyse::translation`) are motion search candidates.
    pub translation_candidates: bool,
    /// Whether the in-loop deblocking filter runs (disable_deblocking_filter_idc 1 when not,
    /// as x264's ultrafast does). On for every preset: measured on camera-1080p at
    /// `ultrafast` (8 frames, callgrind; 30 frames, rtenc-bench), turning it off saves 17 % of
    /// the instructions but moves the BD-rate against x264 ultrafast from -48 % to +10 %.
    pub deblock: bool,
    /// Whether each slice measures what the loop filter did to its error against the source
    /// and goes without it where it made things worse (see `crate::deblock_trial`).
    pub deblock_trial: bool,
    /// Unchanged macroblocks coded at a coarser QP are refined one macroblock row in this many
    /// per frame.
    pub refine_period: usize,
}

impl SpeedSettings {
    /// The settings of `preset`.
    ///
    /// The measurements behind the choices (BD-rate against x264, time per frame) are in the
    /// README's preset table and DEVELOPERS.md.
    pub fn from_preset(preset: Preset) -> Self {
        // veryfast: what the encoder did before presets existed (`Speed::Realtime`).
        let veryfast = SpeedSettings {
            search_range: 16,
            partition_range: 4,
            hex_rounds: 16,
            subpel: Subpel::Quarter,
            partitions: false,
            partition_satd: 1,
            i4_idr: I4x4Search::Fast,
            i4_p: I4x4Search::Fast,
            // Measured on the first picture of four 1080p clips at QP 24 (callgrind): 6 takes
            // 41 % of the instructions off camera-1080p's IDR, 13 % off bunny's, 15 % off the
            // web page's, 20 % off the desktop's, for 1.9, 1.3, 0.3 and 0.6 % more bytes and
            // at most 0.04 dB less PSNR-Y; 10: 45 / 25 % off camera / bunny for 4.0 / 6.9 %.
            i4_min_satd: 6,
            // Measured (DEVELOPERS.md): 6 instead of 3 is 12 % faster on camera content, but
            // +10 % BD-rate on charts.
            intra_in_p_satd: 3,
            // Measured on the camera clips: 13 % faster, +5 % BD-rate.
            probe_skip: true,
            skip_slack: 2,
            scroll_candidates: true,
            dominant_candidates: true,
            translation_candidates: true,
            // Measured on the 1080p screen clips (BD-rate against x264 ultrafast, desktop /
            // window drag): every row at once -44 / -19 % but 14.6 ms per moving-cursor
            // frame; 1 in 2 -38 / -15 % at 1.3 ms; 1 in 8 -10 / +12 %.
            refine_period: 2,
            deblock: true,
            deblock_trial: true,
        };
        match preset {
            // A long hexagon walk stays: on a window flung 25 px a frame, 4 steps instead of 16
            // cost 5 dB at 4 Mbit/s (1080p) and saved no time.
            // Intra_16x16-only IDRs (as x264's ultrafast): the IDR of camera 1080p took 339 M
            // instructions, 182 M of them in the Intra_4x4 search; BD-rate against x264
            // ultrafast (30 frames, gop 30) camera -41.0 -> -41.7 %, fast drag +6.9 -> +0.4 %,
            // terminal -21.9 -> -20.8 %, desktop -44.5 -> -42.5 %, web scroll -19.1 -> -9.0 %.
            Preset::Ultrafast => SpeedSettings {
                subpel: Subpel::Full,
                i4_idr: I4x4Search::Off,
                i4_p: I4x4Search::Off,
                intra_in_p_satd: 6,
                ..veryfast
            },
            Preset::Superfast => SpeedSettings {
                subpel: Subpel::Half,
                i4_p: I4x4Search::Off,
                intra_in_p_satd: 4,
                ..veryfast
            },
            Preset::Veryfast => veryfast,
            Preset::Faster => SpeedSettings {
                probe_skip: false,
                ..veryfast
            },
            Preset::Fast => SpeedSettings {
                probe_skip: false,
                partitions: true,
                ..veryfast
            },
            // What `Speed::Quality` did, with a wider search.
            Preset::Medium => SpeedSettings {
                search_range: 24,
                probe_skip: false,
                partitions: true,
                i4_idr: I4x4Search::All,
                i4_p: I4x4Search::All,
                i4_min_satd: 0,
                ..veryfast
            },
        }
    }
}

impl SpeedSettings {
    /// The motion search of a 16x16 block.
    pub fn search16(&self) -> SearchParams {
        SearchParams {
            range: self.search_range,
            hex_rounds: self.hex_rounds,
            subpel: self.subpel,
        }
    }

    /// The motion search of a partition around the 16x16 vector.
    pub fn search_partition(&self) -> SearchParams {
        SearchParams {
            range: self.partition_range,
            ..self.search16()
        }
    }
}

/// How far one motion search goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchParams {
    /// Full-sample range around the best candidate, in samples.
    pub range: i32,
    /// Most steps of the hexagon walk.
    pub hex_rounds: u32,
    /// Sub-sample refinement.
    pub subpel: Subpel,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_errors() {
        for p in Preset::ALL {
            assert_eq!(p.name().parse::<Preset>(), Ok(p));
            assert_eq!(p.name().to_uppercase().parse::<Preset>(), Ok(p));
        }
        let e = "warp".parse::<Preset>().unwrap_err();
        assert!(e.contains("ultrafast, superfast"), "{e}");
    }

    #[test]
    fn the_ladder_is_ordered_by_effort() {
        // Each step down the ladder searches at least as much as the one before.
        for w in Preset::ALL.windows(2) {
            let (a, b) = (
                SpeedSettings::from_preset(w[0]),
                SpeedSettings::from_preset(w[1]),
            );
            assert!(a.subpel <= b.subpel, "{:?} -> {:?}", w[0], w[1]);
            assert!(a.hex_rounds <= b.hex_rounds && a.search_range <= b.search_range);
            assert!(a.i4_p <= b.i4_p && a.i4_idr <= b.i4_idr);
            assert!(!a.partitions || b.partitions);
            assert!(a.intra_in_p_satd >= b.intra_in_p_satd);
            assert!(!a.deblock || b.deblock);
        }
    }
}
