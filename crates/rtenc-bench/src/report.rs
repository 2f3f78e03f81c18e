//! The results as Markdown: per clip, a summary at the reference bitrate (times, rate, quality,
//! dropped frames, rtenc's time ratio and BD-rate against each peer), every rate-distortion
//! point and the speed-quality front; then the preset pairs (each rtenc preset against its x264
//! namesake) of every clip in one table.

use std::fmt::Write as _;

use crate::bdrate::{bd_rate, Method, RdPoint};
use crate::front::{fronts, pairs};
use crate::run::Peer;
use crate::{ClipResult, Row};

/// The rate-distortion curve of `peer` on a clip: (kbit/s, PSNR-Y) per bitrate.
pub fn curve(result: &ClipResult, peer: &Peer) -> Vec<RdPoint> {
    result
        .rows
        .iter()
        .filter(|r| &r.peer == peer)
        .map(|r| RdPoint {
            rate: r.kbps(),
            psnr: r.m.psnr_y,
        })
        .collect()
}

/// The rtenc configuration a peer is compared with: rtenc with the same thread count and the
/// preset of the same name, else with the same thread count, else the first rtenc of the run.
pub fn rtenc_for<'a>(peers: &'a [Peer], peer: &Peer) -> Option<&'a Peer> {
    let rtencs: Vec<&Peer> = peers.iter().filter(|p| p.is_rtenc()).collect();
    let same_threads = |p: &&&Peer| p.threads() == peer.threads();
    rtencs
        .iter()
        .filter(same_threads)
        .find(|p| p.preset_name() == peer.preset_name())
        .or_else(|| rtencs.iter().find(same_threads))
        .or(rtencs.first())
        .copied()
}

/// The row of `peer` at the clip's reference bitrate.
pub fn reference_row<'a>(result: &'a ClipResult, peer: &Peer) -> Option<&'a Row> {
    result
        .rows
        .iter()
        .find(|r| &r.peer == peer && r.scale == result.reference_scale)
}

/// The whole report. `meta` lines (machine, date, load) go at the top as a list.
pub fn markdown(
    results: &[ClipResult],
    peers: &[Peer],
    static_lines: &[String],
    meta: &[String],
    method: Method,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## rtenc-bench results\n");
    for m in meta {
        let _ = writeln!(s, "- {m}");
    }
    let _ = writeln!(
        s,
        "\nms/frame: wall-clock time of each encode call (p50, p99, mean); fps = 1000 / mean. \
         PSNR-Y: ffmpeg's decode against the source, mean over frames. `rtenc ÷ peer`: rtenc's \
         time over the peer's (p50 / mean; below 1 rtenc is faster), rtenc with the peer's \
         thread count. BD-rate: rtenc's average bitrate difference at equal PSNR-Y against the \
         peer over all bitrates (Bjøntegaard, log-rate against PSNR {} and integrated over the PSNR range both curves share; negative: rtenc \
         needs less rate; n/a with fewer than four bitrates or no overlap; an overlap of a few \
         dB makes it a statement about that range only).",
        match method {
            Method::Pchip => "interpolated piecewise cubic (PCHIP)",
            Method::Polynomial => "fitted by a least-squares cubic polynomial (VCEG-M33)",
        }
    );
    for r in results {
        let _ = writeln!(s, "\n### {}\n\n{}\n", r.name, r.description);
        let target = r
            .rows
            .iter()
            .find(|row| row.scale == r.reference_scale)
            .map_or(0, |row| row.target);
        let _ = writeln!(s, "At the target of {} kbit/s:\n", target / 1000);
        let _ = writeln!(
            s,
            "| encoder | p50 ms | p99 ms | mean ms | fps | kbit/s | PSNR-Y dB | dropped | \
             rtenc ÷ peer time (p50 / mean) | BD-rate of rtenc |"
        );
        let _ = writeln!(
            s,
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        );
        for peer in peers {
            let Some(row) = reference_row(r, peer) else {
                continue;
            };
            let m = &row.m;
            let (ratio, bd) = match rtenc_for(peers, peer) {
                Some(rt) if !peer.is_rtenc() => {
                    let ratio = reference_row(r, rt).map_or("n/a".to_string(), |x| {
                        format!(
                            "{} {:.2} / {:.2}",
                            rt.label(),
                            x.m.percentile_ms(50.0) / m.percentile_ms(50.0),
                            x.m.mean_ms() / m.mean_ms()
                        )
                    });
                    let bd = bd_rate(&curve(r, peer), &curve(r, rt), method)
                        .map_or("n/a".to_string(), |b| format!("{b:+.1} %"));
                    (ratio, bd)
                }
                _ => ("—".to_string(), "—".to_string()),
            };
            let _ = writeln!(
                s,
                "| {} | {:.2} | {:.2} | {:.2} | {:.1} | {:.0} | {:.2} | {} | {} | {} |",
                peer.label(),
                m.percentile_ms(50.0),
                m.percentile_ms(99.0),
                m.mean_ms(),
                1000.0 / m.mean_ms(),
                row.kbps(),
                m.psnr_y,
                m.dropped,
                ratio,
                bd
            );
        }
        // Every rate-distortion point: one column per target.
        let mut targets: Vec<u32> = r.rows.iter().map(|row| row.target).collect();
        targets.sort_unstable();
        targets.dedup();
        if targets.len() > 1 {
            let _ = writeln!(
                s,
                "\nRate-distortion points (achieved kbit/s, PSNR-Y dB; dropped frames if any):\n"
            );
            let _ = write!(s, "| encoder |");
            for t in &targets {
                let _ = write!(s, " {} kbit/s |", t / 1000);
            }
            let _ = write!(s, "\n| --- |");
            for _ in &targets {
                let _ = write!(s, " ---: |");
            }
            s.push('\n');
            for peer in peers {
                let _ = write!(s, "| {} |", peer.label());
                for t in &targets {
                    match r
                        .rows
                        .iter()
                        .find(|row| &row.peer == peer && row.target == *t)
                    {
                        Some(row) if row.m.dropped > 0 => {
                            let _ = write!(
                                s,
                                " {:.0}, {:.2} ({} dropped) |",
                                row.kbps(),
                                row.m.psnr_y,
                                row.m.dropped
                            );
                        }
                        Some(row) => {
                            let _ = write!(s, " {:.0}, {:.2} |", row.kbps(), row.m.psnr_y);
                        }
                        None => s.push_str(" |"),
                    }
                }
                s.push('\n');
            }
        }
        front_table(&mut s, r, peers, method);
    }
    pairs_table(&mut s, results, peers, method);
    if !static_lines.is_empty() {
        let _ = writeln!(s, "\n### Screen fast paths (rtenc only)\n");
        for line in static_lines {
            let _ = writeln!(s, "- {line}");
        }
    }
    s
}

fn bd_text(bd: Option<f64>) -> String {
    bd.map_or("n/a".to_string(), |b| format!("{b:+.1} %"))
}

/// The numbers behind `front-<clip>.png`.
fn front_table(s: &mut String, r: &ClipResult, peers: &[Peer], method: Method) {
    let fronts = fronts(r, peers, method);
    if fronts.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\nSpeed-quality front (`front-{}.png`): p50 ms/frame at the target above, BD-rate over \
         all bitrates against the anchor of the same thread count (x264 `superfast`, else the \
         first x264 preset of the run; positive: more rate for the same PSNR-Y):\n",
        r.name
    );
    let _ = writeln!(
        s,
        "| threads | anchor | encoder | p50 ms | BD-rate against the anchor |"
    );
    let _ = writeln!(s, "| ---: | --- | --- | ---: | ---: |");
    for f in &fronts {
        for series in &f.series {
            for p in &series.points {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {:.2} | {} |",
                    f.threads,
                    f.anchor.label(),
                    p.peer.label(),
                    p.ms,
                    bd_text(p.bd_rate)
                );
            }
        }
    }
}

/// Every rtenc preset against the x264 preset of the same name, clip by clip.
fn pairs_table(s: &mut String, results: &[ClipResult], peers: &[Peer], method: Method) {
    let all: Vec<(&ClipResult, Vec<crate::front::Pair>)> = results
        .iter()
        .map(|r| (r, pairs(r, peers, method)))
        .filter(|(_, p)| !p.is_empty())
        .collect();
    if all.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\n### Preset pairs: each rtenc preset against its x264 namesake\n\n\
         Same thread count; time ratio: rtenc p50 ÷ x264 p50 at the reference target (below 1: \
         rtenc is faster); BD-rate of rtenc against x264 over all bitrates (negative: rtenc \
         needs less rate for the same PSNR-Y). rtenc beats its namesake where the ratio is at \
         most 1 and the BD-rate at most 0.\n"
    );
    let _ = writeln!(
        s,
        "| clip | threads | preset | rtenc p50 ms | x264 p50 ms | time ratio | BD-rate |"
    );
    let _ = writeln!(s, "| --- | ---: | --- | ---: | ---: | ---: | ---: |");
    for (r, pairs) in &all {
        for p in pairs {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {} |",
                r.name,
                p.threads,
                p.preset,
                p.rtenc_ms,
                p.x264_ms,
                p.ratio(),
                bd_text(p.bd_rate)
            );
        }
    }
}
