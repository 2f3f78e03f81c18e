//! `rtenc-bench`: rtenc against x264 (Debian's ffmpeg, libx264) on the same synthetic clips at
//! the same target bitrates, in one run. Prints one table row per encoder, clip and bitrate:
//! encode ms/frame (p50, p99, mean), frames per second, achieved kbit/s and PSNR-Y of the
//! decoded stream against the source, then rtenc's ratios against each peer.
//!
//! ```sh
//! cargo run --release -p rtenc-bench -- --frames 90
//! ```
//!
//! Timing is wall-clock per `encode` call for rtenc and per libx264 encode call for x264
//! (ffmpeg's `-benchmark_all`), on whatever else the machine is doing: run it on an idle
//! machine.

mod clips;
mod run;

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;

use clips::ClipKind;
use run::{Measurement, Peer};

#[derive(Parser)]
#[command(about = "Benchmark rtenc against x264 on the same clips at the same bitrates")]
struct Args {
    /// Clips to encode.
    #[arg(long, value_enum, value_delimiter = ',',
          default_values_t = [ClipKind::Camera1080p, ClipKind::Camera720p])]
    clips: Vec<ClipKind>,
    /// Frames per clip.
    #[arg(long, default_value_t = 90)]
    frames: usize,
    /// Multipliers of each clip's default bitrate (1080p 6 Mbit/s, 720p 3 Mbit/s, demo
    /// 4 Mbit/s); several give rate-distortion points.
    #[arg(long, value_delimiter = ',', default_values_t = [1.0])]
    scales: Vec<f64>,
    /// x264 presets to compare with (`none` for rtenc alone).
    #[arg(long, value_delimiter = ',', default_values_t = ["ultrafast".to_string(), "superfast".to_string()])]
    x264_presets: Vec<String>,
    /// rtenc thread counts (one slice per thread).
    #[arg(long, value_delimiter = ',', default_values_t = [1u32])]
    threads: Vec<u32>,
    /// rtenc's speed setting.
    #[arg(long, value_enum, default_value_t = SpeedArg::Realtime)]
    speed: SpeedArg,
    /// x264 thread counts.
    #[arg(long, value_delimiter = ',', default_values_t = [1u32])]
    x264_threads: Vec<u32>,
    /// Skip the static-screen and cursor measurements.
    #[arg(long)]
    no_screen: bool,
    /// Directory for the raw clips and the streams.
    #[arg(long, default_value = "target/bench")]
    work: PathBuf,
}

/// rtenc's speed settings on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SpeedArg {
    Realtime,
    Quality,
}

/// An unchanged 1080p screen: the cost of a frame identical to the previous one (after an IDR
/// and one changed frame), over 300 frames.
fn static_frames() -> Result<(), String> {
    let (w, h) = (1920, 1080);
    let desktop = rtenc_synth::text_like(w, h, 5);
    let mut changed = desktop.clone();
    changed[..w as usize].fill(0);
    let mut cfg = rtenc::Config::new(w, h);
    cfg.bitrate = 6_000_000;
    cfg.gop = 0;
    let mut enc = rtenc::Encoder::new(cfg.clone()).map_err(|e| e.to_string())?;
    let mut times = Vec::new();
    let mut largest = 0;
    for i in 0..302 {
        let data = if i == 1 { &changed } else { &desktop };
        let frame = rtenc::Nv12Frame::from_contiguous(data, w, h).map_err(|e| e.to_string())?;
        let t = Instant::now();
        let au = enc.encode(&frame, false).map_err(|e| e.to_string())?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if i >= 3 {
            times.push(ms);
            largest = largest.max(au.data.len());
        }
    }
    let m = Measurement {
        frame_ms: times,
        bytes: 0,
        psnr_y: 0.0,
        frames: 0,
    };
    println!(
        "\nstatic 1920x1080 screen, rtenc t1: {:.3} ms p50, {:.3} ms p99 per unchanged frame, \
         largest {largest} bytes",
        m.percentile_ms(50.0),
        m.percentile_ms(99.0)
    );
    // The same desktop with a 16x24 cursor moving 7 samples right and 3 down per frame, without
    // and with damage hints (the cursor's old and new place).
    for hinted in [false, true] {
        // A fresh encoder whose IDR (not timed) is the desktop without the cursor; the hint of
        // the first cursor frame then covers everything that changed.
        let mut enc = rtenc::Encoder::new(cfg.clone()).map_err(|e| e.to_string())?;
        let first = rtenc::Nv12Frame::from_contiguous(&desktop, w, h).map_err(|e| e.to_string())?;
        enc.encode(&first, false).map_err(|e| e.to_string())?;
        let mut times = Vec::new();
        let mut bytes = 0;
        let mut frame_buf = desktop.clone();
        for i in 0..150usize {
            frame_buf.copy_from_slice(&desktop);
            let (cx, cy) = (100 + 7 * i, 100 + 3 * i);
            for y in cy..cy + 24 {
                frame_buf[y * w as usize + cx..][..16].fill(255);
            }
            let frame =
                rtenc::Nv12Frame::from_contiguous(&frame_buf, w, h).map_err(|e| e.to_string())?;
            let t = Instant::now();
            let au = if hinted {
                let damage = [rtenc::Rect::new(cx as u32 - 7, cy as u32 - 3, 23, 27)];
                enc.encode_with_damage(&frame, false, &damage)
            } else {
                enc.encode(&frame, false)
            }
            .map_err(|e| e.to_string())?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            bytes += au.data.len();
        }
        let m = Measurement {
            frame_ms: times,
            bytes,
            psnr_y: 0.0,
            frames: 150,
        };
        println!(
            "1920x1080 screen with a moving cursor{}, rtenc t1: {:.3} ms p50, {:.3} ms p99 per \
         frame, {:.0} bytes per frame",
            if hinted { " (damage hints)" } else { "" },
            m.percentile_ms(50.0),
            m.percentile_ms(99.0),
            bytes as f64 / 150.0
        );
    }
    Ok(())
}

fn main() {
    if let Err(e) = run_all(&Args::parse()) {
        eprintln!("rtenc-bench: error: {e}");
        std::process::exit(1);
    }
}

fn run_all(args: &Args) -> Result<(), String> {
    std::fs::create_dir_all(&args.work).map_err(|e| format!("{}: {e}", args.work.display()))?;
    let speed = match args.speed {
        SpeedArg::Realtime => rtenc::Speed::Realtime,
        SpeedArg::Quality => rtenc::Speed::Quality,
    };
    let mut peers: Vec<Peer> = args
        .threads
        .iter()
        .map(|&threads| Peer::Rtenc { threads, speed })
        .collect();
    for preset in args.x264_presets.iter().filter(|p| *p != "none") {
        for &threads in &args.x264_threads {
            peers.push(Peer::X264 {
                preset: preset.clone(),
                threads,
            });
        }
    }
    println!(
        "{:<13} {:>9} {:<22} {:>8} {:>8} {:>8} {:>7} {:>9} {:>8}",
        "clip", "target", "encoder", "p50 ms", "p99 ms", "mean ms", "fps", "kbit/s", "PSNR-Y"
    );
    let mut rows: Vec<(String, u32, String, Measurement)> = Vec::new();
    for &kind in &args.clips {
        let clip = kind.render(args.frames);
        let raw = args.work.join(format!("{}.nv12", clip.name));
        run::write_raw(&clip, &raw)?;
        for &scale in &args.scales {
            let bitrate = (f64::from(clip.bitrate) * scale).round() as u32;
            for peer in &peers {
                let m = run::run(peer, &clip, &raw, bitrate, &args.work)?;
                println!(
                    "{:<13} {:>9} {:<22} {:>8.2} {:>8.2} {:>8.2} {:>7.1} {:>9.1} {:>8.2}",
                    clip.name,
                    format!("{}k", bitrate / 1000),
                    peer.label(),
                    m.percentile_ms(50.0),
                    m.percentile_ms(99.0),
                    m.mean_ms(),
                    1000.0 / m.mean_ms(),
                    m.kbps(clip.fps),
                    m.psnr_y
                );
                rows.push((clip.name.clone(), bitrate, peer.label(), m));
            }
        }
        std::fs::remove_file(&raw).ok();
    }
    if !args.no_screen {
        static_frames()?;
    }
    println!("\nrtenc against each peer (time ratio < 1: rtenc faster; dPSNR > 0: rtenc better)");
    for (clip, bitrate, label, m) in &rows {
        if label.starts_with("rtenc") {
            continue;
        }
        for (_, _, rlabel, r) in rows
            .iter()
            .filter(|(c, b, l, _)| c == clip && b == bitrate && l.starts_with("rtenc"))
        {
            println!(
                "{clip:<13} {:>9} {rlabel:<12} vs {label:<22} time x{:.2} (p50), x{:.2} (mean)  \
                 dPSNR-Y {:+.2} dB  rate x{:.3}",
                format!("{}k", bitrate / 1000),
                r.percentile_ms(50.0) / m.percentile_ms(50.0),
                r.mean_ms() / m.mean_ms(),
                r.psnr_y - m.psnr_y,
                r.bytes as f64 / m.bytes as f64,
            );
        }
    }
    Ok(())
}
