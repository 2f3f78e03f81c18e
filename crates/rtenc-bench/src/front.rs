//! The speed–quality front of a clip and the preset pairs.
//!
//! - The front, per thread count: every encoder configuration of the run with that thread count
//!   (openh264 counts as one thread) as a point at (p50 ms/frame at the reference bitrate,
//!   BD-rate against the anchor over all bitrates), the anchor being x264 `superfast` with that
//!   thread count, or the first x264 preset of the run with it when `superfast` is not there.
//!   Points are grouped into one series per encoder (rtenc, x264, openh264), in ladder order.
//! - The preset pairs: every rtenc preset against the x264 preset of the same name at the same
//!   thread count: p50 time ratio (rtenc ÷ x264) and rtenc's BD-rate against it.

use crate::bdrate::{bd_rate, Method};
use crate::report::{curve, reference_row};
use crate::run::Peer;
use crate::ClipResult;

/// x264's preset ladder, fastest first (for ordering the points of a series).
const X264_LADDER: [&str; 10] = [
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
];

/// One encoder configuration on the front.
#[derive(Debug, Clone)]
pub struct FrontPoint {
    /// The configuration.
    pub peer: Peer,
    /// Its p50 ms/frame at the clip's reference bitrate.
    pub ms: f64,
    /// Its BD-rate against the anchor in percent (0 for the anchor itself); `None` when there is
    /// none (too few bitrates, no PSNR overlap).
    pub bd_rate: Option<f64>,
}

/// The points of one encoder, in ladder order (fastest preset first).
#[derive(Debug, Clone)]
pub struct Series {
    /// "rtenc", "x264" or "openh264".
    pub encoder: &'static str,
    /// Its points.
    pub points: Vec<FrontPoint>,
}

/// The front of one clip at one thread count.
#[derive(Debug, Clone)]
pub struct Front {
    /// The thread count.
    pub threads: u32,
    /// The configuration BD-rates are taken against.
    pub anchor: Peer,
    /// One series per encoder present at this thread count.
    pub series: Vec<Series>,
}

/// rtenc against the x264 preset of the same name at the same thread count.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    /// The thread count.
    pub threads: u32,
    /// The preset's name.
    pub preset: String,
    /// rtenc's p50 ms/frame at the reference bitrate.
    pub rtenc_ms: f64,
    /// x264's p50 ms/frame at the reference bitrate.
    pub x264_ms: f64,
    /// rtenc's BD-rate against x264 in percent.
    pub bd_rate: Option<f64>,
}

impl Pair {
    /// rtenc's p50 time over x264's (below 1: rtenc is faster).
    pub fn ratio(&self) -> f64 {
        self.rtenc_ms / self.x264_ms
    }
}

/// The encoder family of a configuration.
fn family(peer: &Peer) -> &'static str {
    match peer {
        Peer::Rtenc { .. } => "rtenc",
        Peer::X264 { .. } => "x264",
        Peer::OpenH264 { .. } => "openh264",
    }
}

/// Position of a configuration's preset on its ladder (unknown x264 presets go last).
fn ladder_rank(peer: &Peer) -> usize {
    match peer {
        Peer::Rtenc { preset, .. } => rtenc::Preset::ALL
            .iter()
            .position(|p| p == preset)
            .unwrap_or(usize::MAX),
        Peer::X264 { preset, .. } => X264_LADDER
            .iter()
            .position(|p| p == preset)
            .unwrap_or(X264_LADDER.len()),
        Peer::OpenH264 { .. } => 0,
    }
}

/// The anchor at `threads`: x264 `superfast` with that thread count, else the first x264
/// preset of the run with it.
pub fn anchor(peers: &[Peer], threads: u32) -> Option<&Peer> {
    let x264 = |p: &&Peer| matches!(p, Peer::X264 { .. }) && p.threads() == threads;
    peers
        .iter()
        .filter(x264)
        .find(|p| p.preset_name() == Some("superfast"))
        .or_else(|| peers.iter().find(x264))
}

/// The clip's fronts, one per thread count that has an anchor whose own BD-rate exists (so
/// none without x264 or with fewer than four bitrates), fewest threads first.
pub fn fronts(r: &ClipResult, peers: &[Peer], method: Method) -> Vec<Front> {
    let mut threads: Vec<u32> = peers.iter().map(Peer::threads).collect();
    threads.sort_unstable();
    threads.dedup();
    let mut out = Vec::new();
    for t in threads {
        let Some(anchor) = anchor(peers, t) else {
            continue;
        };
        let base = curve(r, anchor);
        if bd_rate(&base, &base, method).is_none() {
            continue;
        }
        let mut series: Vec<Series> = Vec::new();
        for peer in peers.iter().filter(|p| p.threads() == t) {
            let Some(row) = reference_row(r, peer) else {
                continue;
            };
            let point = FrontPoint {
                peer: peer.clone(),
                ms: row.m.percentile_ms(50.0),
                bd_rate: if peer == anchor {
                    Some(0.0)
                } else {
                    bd_rate(&base, &curve(r, peer), method)
                },
            };
            let name = family(peer);
            match series.iter_mut().find(|s| s.encoder == name) {
                Some(s) => s.points.push(point),
                None => series.push(Series {
                    encoder: name,
                    points: vec![point],
                }),
            }
        }
        for s in &mut series {
            s.points.sort_by_key(|p| ladder_rank(&p.peer));
        }
        out.push(Front {
            threads: t,
            anchor: anchor.clone(),
            series,
        });
    }
    out
}

/// Every rtenc preset of the run against the x264 preset of the same name and thread count,
/// in the run's order.
pub fn pairs(r: &ClipResult, peers: &[Peer], method: Method) -> Vec<Pair> {
    let mut out = Vec::new();
    for rt in peers.iter().filter(|p| p.is_rtenc()) {
        let Some(x) = peers.iter().find(|p| {
            matches!(p, Peer::X264 { .. })
                && p.threads() == rt.threads()
                && p.preset_name() == rt.preset_name()
        }) else {
            continue;
        };
        let (Some(rt_row), Some(x_row)) = (reference_row(r, rt), reference_row(r, x)) else {
            continue;
        };
        out.push(Pair {
            threads: rt.threads(),
            preset: rt.preset_name().unwrap_or_default().to_string(),
            rtenc_ms: rt_row.m.percentile_ms(50.0),
            x264_ms: x_row.m.percentile_ms(50.0),
            bd_rate: bd_rate(&curve(r, x), &curve(r, rt), method),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{Complexity, Measurement, Usage};
    use crate::Row;

    fn rtenc(preset: rtenc::Preset, threads: u32) -> Peer {
        Peer::Rtenc { threads, preset }
    }

    fn x264(preset: &str, threads: u32) -> Peer {
        Peer::X264 {
            preset: preset.into(),
            threads,
        }
    }

    fn openh264() -> Peer {
        Peer::OpenH264 {
            usage: Usage::Auto,
            complexity: Complexity::Medium,
        }
    }

    /// Rows for `peer` at scales 0.25..2: PSNR 30, 33, 36, 39 dB at a rate of
    /// `rate_factor * 1000 * 10^((psnr - 30) / 12)` kbit/s (log-rate linear in PSNR, so the
    /// BD-rate between two such curves is exactly the ratio of their factors, minus one), every
    /// frame taking `ms`.
    fn rows(peer: &Peer, rate_factor: f64, ms: f64) -> Vec<Row> {
        [(0.25, 30.0), (0.5, 33.0), (1.0, 36.0), (2.0, 39.0)]
            .into_iter()
            .map(|(scale, psnr)| {
                let kbps = rate_factor * 1000.0 * 10f64.powf((psnr - 30.0) / 12.0);
                // 10 frames at 10 fps: bytes = kbit/s * 1000 / 8.
                let bytes = (kbps * 1000.0 / 8.0).round() as usize;
                Row {
                    scale,
                    target: (scale * 1_000_000.0) as u32,
                    peer: peer.clone(),
                    m: Measurement {
                        // p50 is `ms` whatever the scale; one slow frame changes p99 only.
                        frame_ms: [vec![ms; 9], vec![ms * 5.0]].concat(),
                        bytes,
                        psnr_y: psnr,
                        frames: 10,
                        dropped: 0,
                    },
                    fps: 10,
                }
            })
            .collect()
    }

    fn result(entries: &[(Peer, f64, f64)]) -> ClipResult {
        ClipResult {
            name: "test".into(),
            description: String::new(),
            reference_scale: 1.0,
            rows: entries
                .iter()
                .flat_map(|(p, f, ms)| rows(p, *f, *ms))
                .collect(),
        }
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-3)
    }

    #[test]
    fn front_is_relative_to_superfast_per_thread_count() {
        use rtenc::Preset::{Superfast, Ultrafast};
        let peers = vec![
            rtenc(Superfast, 1),
            rtenc(Ultrafast, 1), // out of ladder order on purpose
            rtenc(Ultrafast, 2),
            x264("ultrafast", 1),
            x264("superfast", 1),
            x264("ultrafast", 2),
            x264("superfast", 2),
            openh264(),
        ];
        let r = result(&[
            (rtenc(Superfast, 1), 0.8, 10.0),
            (rtenc(Ultrafast, 1), 1.1, 5.0),
            (rtenc(Ultrafast, 2), 1.2, 3.0),
            (x264("ultrafast", 1), 1.5, 6.0),
            (x264("superfast", 1), 1.0, 12.0),
            (x264("ultrafast", 2), 1.6, 4.0),
            (x264("superfast", 2), 1.25, 7.0),
            (openh264(), 2.0, 20.0),
        ]);
        let fronts = fronts(&r, &peers, Method::Pchip);
        assert_eq!(fronts.len(), 2);
        let (f1, f2) = (&fronts[0], &fronts[1]);
        assert_eq!((f1.threads, f2.threads), (1, 2));
        assert_eq!(f1.anchor, x264("superfast", 1));
        assert_eq!(f2.anchor, x264("superfast", 2));
        let names: Vec<&str> = f1.series.iter().map(|s| s.encoder).collect();
        assert_eq!(names, ["rtenc", "x264", "openh264"]);
        // openh264 is single-threaded: only on the 1-thread front.
        assert_eq!(f2.series.len(), 2);
        let rt = &f1.series[0].points;
        assert_eq!(rt[0].peer, rtenc(Ultrafast, 1), "ladder order");
        assert!((rt[0].ms - 5.0).abs() < 1e-12 && (rt[1].ms - 10.0).abs() < 1e-12);
        assert!(close(rt[0].bd_rate, 10.0), "{:?}", rt[0].bd_rate);
        assert!(close(rt[1].bd_rate, -20.0), "{:?}", rt[1].bd_rate);
        let x = &f1.series[1].points;
        assert!(close(x[0].bd_rate, 50.0) && close(x[1].bd_rate, 0.0));
        assert!(close(f1.series[2].points[0].bd_rate, 100.0));
        // At 2 threads, against x264 superfast t2 (factor 1.25): 1.2 / 1.25 - 1 = -4 %.
        assert!(close(f2.series[0].points[0].bd_rate, -4.0));
        assert!(close(f2.series[1].points[0].bd_rate, 28.0));
    }

    #[test]
    fn without_superfast_the_first_x264_preset_is_the_anchor() {
        let peers = vec![
            rtenc(rtenc::Preset::Veryfast, 1),
            x264("veryfast", 1),
            x264("ultrafast", 1),
        ];
        assert_eq!(anchor(&peers, 1), Some(&x264("veryfast", 1)));
        assert_eq!(anchor(&peers, 2), None);
        let r = result(&[
            (rtenc(rtenc::Preset::Veryfast, 1), 0.9, 8.0),
            (x264("veryfast", 1), 1.0, 9.0),
            (x264("ultrafast", 1), 1.3, 4.0),
        ]);
        let f = fronts(&r, &peers, Method::Pchip);
        assert_eq!(f.len(), 1);
        assert!(close(f[0].series[0].points[0].bd_rate, -10.0));
        // The x264 series is in ladder order: ultrafast, then veryfast (the anchor).
        let x: Vec<Option<&str>> = f[0].series[1]
            .points
            .iter()
            .map(|p| p.peer.preset_name())
            .collect();
        assert_eq!(x, [Some("ultrafast"), Some("veryfast")]);
    }

    #[test]
    fn no_front_without_x264_or_without_four_bitrates() {
        let peers = vec![rtenc(rtenc::Preset::Veryfast, 1), openh264()];
        let r = result(&[
            (rtenc(rtenc::Preset::Veryfast, 1), 1.0, 8.0),
            (openh264(), 1.0, 9.0),
        ]);
        assert!(fronts(&r, &peers, Method::Pchip).is_empty());
        let peers = vec![x264("superfast", 1)];
        let mut r = result(&[(x264("superfast", 1), 1.0, 8.0)]);
        r.rows.truncate(3);
        assert!(fronts(&r, &peers, Method::Pchip).is_empty());
    }

    #[test]
    fn pairs_match_presets_by_name_and_threads() {
        use rtenc::Preset::{Medium, Superfast, Ultrafast};
        let peers = vec![
            rtenc(Ultrafast, 1),
            rtenc(Superfast, 1),
            rtenc(Superfast, 2),
            rtenc(Medium, 1), // no x264 medium in the run
            x264("ultrafast", 1),
            x264("superfast", 1),
            x264("superfast", 4), // no rtenc at 4 threads
        ];
        let r = result(&[
            (rtenc(Ultrafast, 1), 0.95, 4.0),
            (rtenc(Superfast, 1), 0.7, 9.0),
            (rtenc(Superfast, 2), 0.7, 5.0),
            (rtenc(Medium, 1), 0.5, 30.0),
            (x264("ultrafast", 1), 1.9, 5.0),
            (x264("superfast", 1), 1.0, 12.0),
            (x264("superfast", 4), 1.0, 4.0),
        ]);
        let p = pairs(&r, &peers, Method::Pchip);
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!((p[0].preset.as_str(), p[0].threads), ("ultrafast", 1));
        assert!((p[0].ratio() - 0.8).abs() < 1e-12);
        assert!(close(p[0].bd_rate, (0.95 / 1.9 - 1.0) * 100.0));
        assert_eq!((p[1].preset.as_str(), p[1].threads), ("superfast", 1));
        assert!((p[1].ratio() - 0.75).abs() < 1e-12);
        assert!(close(p[1].bd_rate, -30.0));
    }
}
