//! `rtenc-bench`: rtenc against x264 (Debian's ffmpeg, libx264) and openh264 (the `openh264`
//! crate, Cisco's source built in) on the same clips (synthetic ones, and real footage fetched
//! by `scripts/fetch-footage.sh`) at the same target bitrates, in one run.
//!
//! ```sh
//! cargo run --release -p rtenc-bench              # the full run (all clips, 4 bitrates)
//! cargo run --release -p rtenc-bench -- --quick   # a smoke run: few frames, one bitrate
//! ```
//!
//! For every clip, bitrate and encoder it measures encode ms/frame (p50, p99, mean), frames per
//! second, achieved kbit/s, PSNR-Y of ffmpeg's decode against the source and dropped frames;
//! then rtenc's time ratio and BD-rate against each peer, and, per preset pair (rtenc and x264
//! presets of the same name), the time ratio and BD-rate. It prints the tables, writes them as
//! Markdown (`<out>/results.md`) and draws, per clip, the rate-distortion curves, the
//! per-frame encode-time distribution and the speed-quality front (ms/frame against BD-rate
//! relative to x264 `superfast`) as PNGs in `<out>`.
//!
//! Timing is wall-clock per `encode` call for rtenc and openh264 and per libx264 encode call for
//! x264 (ffmpeg's `-benchmark_all`), on whatever else the machine is doing: run it on an idle
//! machine.

mod bdrate;
mod clips;
mod front;
mod plot;
mod report;
mod run;

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;

use clips::ClipKind;
use run::{Complexity, Measurement, Peer, Usage};

#[derive(Parser)]
#[command(
    about = "Benchmark rtenc against x264 and openh264 on the same clips at the same bitrates",
    long_about = "Benchmark rtenc against x264 (ffmpeg's libx264) and openh264 on the same \
                  synthetic clips at the same target bitrates: ms/frame p50/p99, fps, kbit/s, \
                  PSNR-Y, dropped frames, rtenc's time ratio and BD-rate against each peer; \
                  tables on stdout and in <out>/results.md, RD curves and frame-time CDFs as \
                  PNGs in <out>."
)]
struct Args {
    /// Smoke run: 10 frames, one bitrate, rtenc t1 + x264 ultrafast t1 + openh264 (options
    /// given explicitly still apply).
    #[arg(long)]
    quick: bool,
    /// Clips to encode [default: camera-1080p, camera-720p, the four 1080p screen clips, and
    /// the natural-* clips of real footage whose files are in --footage].
    #[arg(long, value_enum, value_delimiter = ',')]
    clips: Option<Vec<ClipKind>>,
    /// Directory of the natural-* clips' NV12 files, as scripts/fetch-footage.sh writes them.
    #[arg(long, value_name = "DIR", default_value = "target/footage")]
    footage: PathBuf,
    /// Also encode the screens that move like real ones (web-scroll, editor-paging, fast-drag,
    /// video-window and terminal-fast, all 1080p), after the --clips (or default) clips.
    #[arg(long)]
    screen_motion: bool,
    /// Frames per clip [default: 60; --quick: 10].
    #[arg(long)]
    frames: Option<usize>,
    /// Multipliers of each clip's default bitrate, one rate-distortion point each
    /// [default: 0.25,0.5,1,2; --quick: 1]. BD-rate needs at least four.
    #[arg(long, value_delimiter = ',')]
    scales: Option<Vec<f64>>,
    /// x264 presets (`none` for no x264) [default: ultrafast,superfast; --quick: ultrafast].
    #[arg(long, value_delimiter = ',')]
    x264_presets: Option<Vec<String>>,
    /// x264 thread counts [default: 1,2; --quick: 1].
    #[arg(long, value_delimiter = ',')]
    x264_threads: Option<Vec<u32>>,
    /// rtenc thread counts (one slice per thread) [default: 1,2; --quick: 1].
    #[arg(long, value_delimiter = ',')]
    threads: Option<Vec<u32>>,
    /// rtenc presets, fastest first: ultrafast, superfast, veryfast, faster, fast, medium
    /// [default: veryfast]. Each x264 preset is compared with the rtenc preset of the same name
    /// where it is in the run.
    #[arg(long, value_delimiter = ',', value_parser = parse_preset)]
    preset: Option<Vec<rtenc::Preset>>,
    /// Leave openh264 out.
    #[arg(long)]
    no_openh264: bool,
    /// openh264's usage type (auto: screen for the screen clips, camera for the others).
    #[arg(long, value_enum, default_value_t = Usage::Auto)]
    openh264_usage: Usage,
    /// openh264's complexity mode.
    #[arg(long, value_enum, default_value_t = Complexity::Medium)]
    openh264_complexity: Complexity,
    /// How BD-rate interpolates each RD curve (see src/bdrate.rs).
    #[arg(long, value_enum, default_value_t = bdrate::Method::Pchip)]
    bd_method: bdrate::Method,
    /// Directory for the results (results.md, PNGs) and the scratch files.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
    /// Keep the encoded streams (in <out>/streams).
    #[arg(long)]
    keep_streams: bool,
    /// Only write each clip's frames as raw NV12 to DIR/<clip>.nv12 (to time encoders
    /// elsewhere, e.g. with `rtenc encode --size WxH` and x264lat on another machine), then
    /// exit.
    #[arg(long, value_name = "DIR")]
    write_clips: Option<PathBuf>,
    /// Skip the static-screen and cursor measurements.
    #[arg(long, alias = "no-screen")]
    no_static: bool,
}

/// Parses a `--preset` name.
fn parse_preset(s: &str) -> Result<rtenc::Preset, String> {
    s.parse()
}

/// Everything measured on one clip.
pub struct ClipResult {
    /// The clip's name.
    pub name: String,
    /// "1920x1080, 60 frames at 30 fps".
    pub description: String,
    /// The scale whose rows the summary shows (1 if measured).
    pub reference_scale: f64,
    /// One row per bitrate and encoder.
    pub rows: Vec<Row>,
}

/// One encoder at one bitrate on one clip.
pub struct Row {
    /// Multiplier of the clip's default bitrate.
    pub scale: f64,
    /// Target bitrate, bit/s.
    pub target: u32,
    /// The encoder.
    pub peer: Peer,
    /// What was measured.
    pub m: Measurement,
    /// The clip's frame rate.
    pub fps: u32,
}

impl Row {
    /// Achieved kbit/s.
    pub fn kbps(&self) -> f64 {
        self.m.kbps(self.fps)
    }
}

/// An unchanged 1080p screen: the cost of a frame identical to the previous one (after an IDR
/// and one changed frame), over 300 frames; then the same desktop with a 16x24 cursor moving 7
/// samples right and 3 down per frame, without and with damage hints (the cursor's old and new
/// place). Returns one report line per measurement.
fn static_frames() -> Result<Vec<String>, String> {
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
        dropped: 0,
    };
    let mut lines = vec![format!(
        "Static 1920x1080 screen (a frame identical to the previous one), rtenc t1, 300 frames: \
         {:.3} ms p50, {:.3} ms p99, largest {largest} bytes.",
        m.percentile_ms(50.0),
        m.percentile_ms(99.0)
    )];
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
            dropped: 0,
        };
        lines.push(format!(
            "1920x1080 screen with a moving 16x24 cursor{}, rtenc t1, 150 frames: {:.3} ms p50, \
             {:.3} ms p99, {:.0} bytes per frame.",
            if hinted { " (damage hints)" } else { "" },
            m.percentile_ms(50.0),
            m.percentile_ms(99.0),
            bytes as f64 / 150.0
        ));
    }
    Ok(lines)
}

fn main() {
    if let Err(e) = run_all(&Args::parse()) {
        eprintln!("rtenc-bench: error: {e}");
        std::process::exit(1);
    }
}

/// The encoders of this run, rtenc first.
fn peers(args: &Args) -> Vec<Peer> {
    let rtenc_presets = args
        .preset
        .clone()
        .unwrap_or_else(|| vec![rtenc::Preset::default()]);
    let q = args.quick;
    let threads = args
        .threads
        .clone()
        .unwrap_or(if q { vec![1] } else { vec![1, 2] });
    let presets = args.x264_presets.clone().unwrap_or(if q {
        vec!["ultrafast".into()]
    } else {
        vec!["ultrafast".into(), "superfast".into()]
    });
    let x264_threads = args
        .x264_threads
        .clone()
        .unwrap_or(if q { vec![1] } else { vec![1, 2] });
    let mut peers: Vec<Peer> = Vec::new();
    for &preset in &rtenc_presets {
        for &threads in &threads {
            peers.push(Peer::Rtenc { threads, preset });
        }
    }
    for preset in presets.iter().filter(|p| *p != "none") {
        for &threads in &x264_threads {
            peers.push(Peer::X264 {
                preset: preset.clone(),
                threads,
            });
        }
    }
    if !args.no_openh264 {
        peers.push(Peer::OpenH264 {
            usage: args.openh264_usage,
            complexity: args.openh264_complexity,
        });
    }
    peers
}

fn run_all(args: &Args) -> Result<(), String> {
    let started = Instant::now();
    let load_start = loadavg();
    let q = args.quick;
    let mut clip_kinds = match &args.clips {
        Some(clips) => {
            // Asked for by name: missing footage is an error, before anything runs.
            let missing: Vec<String> = clips
                .iter()
                .filter(|k| !k.available(&args.footage))
                .filter_map(|k| k.footage())
                .map(|f| f.name.to_string())
                .collect();
            if !missing.is_empty() {
                return Err(format!(
                    "no footage for {} in {}: {}",
                    missing.join(", "),
                    args.footage.display(),
                    clips::FETCH_HINT
                ));
            }
            clips.clone()
        }
        None => {
            let mut kinds = ClipKind::DEFAULT.to_vec();
            let (present, absent): (Vec<ClipKind>, Vec<ClipKind>) = ClipKind::NATURAL
                .into_iter()
                .partition(|k| k.available(&args.footage));
            kinds.extend(present);
            if !absent.is_empty() {
                eprintln!(
                    "notice: the clips of real footage (natural-*) are left out: no footage in \
                     {}; to add them, {}",
                    args.footage.display(),
                    clips::FETCH_HINT
                );
            }
            kinds
        }
    };
    if args.screen_motion {
        for k in ClipKind::SCREEN_MOTION {
            if !clip_kinds.contains(&k) {
                clip_kinds.push(k);
            }
        }
    }
    let frames = args.frames.unwrap_or(if q { 10 } else { 60 });
    let scales = args.scales.clone().unwrap_or(if q {
        vec![1.0]
    } else {
        vec![0.25, 0.5, 1.0, 2.0]
    });
    if frames == 0 {
        return Err("--frames must be at least 1".into());
    }
    if let Some(dir) = &args.write_clips {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for kind in &clip_kinds {
            let clip = kind.render(frames, &args.footage)?;
            let path = dir.join(format!("{}.nv12", clip.name));
            std::fs::write(&path, clip.frames.concat())
                .map_err(|e| format!("{}: {e}", path.display()))?;
            println!(
                "wrote {} ({}x{}, {} frames at {} fps, default {} bit/s)",
                path.display(),
                clip.width,
                clip.height,
                clip.frames.len(),
                clip.fps,
                clip.bitrate
            );
        }
        return Ok(());
    }
    if scales.is_empty() || scales.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
        return Err(format!("--scales must be positive numbers, got {scales:?}"));
    }
    let peers = peers(args);
    if peers.is_empty() {
        return Err("no encoder to run".into());
    }
    let ffmpeg_line = run::ffmpeg_version()?; // fails early, and clearly, without ffmpeg
    let streams = args.out.join("streams");
    std::fs::create_dir_all(&streams).map_err(|e| format!("{}: {e}", streams.display()))?;
    // The summary shows the rows at scale 1, or the middle scale when 1 was not run.
    let reference_scale = if scales.contains(&1.0) {
        1.0
    } else {
        let mut s = scales.clone();
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    };

    println!(
        "{:<18} {:>9} {:<22} {:>8} {:>8} {:>8} {:>7} {:>9} {:>8} {:>5}",
        "clip",
        "target",
        "encoder",
        "p50 ms",
        "p99 ms",
        "mean ms",
        "fps",
        "kbit/s",
        "PSNR-Y",
        "drop"
    );
    let mut results = Vec::new();
    for &kind in &clip_kinds {
        let t = Instant::now();
        let clip = kind.render(frames, &args.footage)?;
        let render_s = t.elapsed().as_secs_f64();
        let raw = streams.join(format!("{}.nv12", clip.name));
        run::write_raw(&clip, &raw)?;
        let mut rows = Vec::new();
        for &scale in &scales {
            let target = (f64::from(clip.bitrate) * scale).round() as u32;
            for peer in &peers {
                let m = run::run(peer, &clip, &raw, target, &streams)?;
                let row = Row {
                    scale,
                    target,
                    peer: peer.clone(),
                    m,
                    fps: clip.fps,
                };
                println!(
                    "{:<18} {:>9} {:<22} {:>8.2} {:>8.2} {:>8.2} {:>7.1} {:>9.1} {:>8.2} {:>5}",
                    clip.name,
                    format!("{}k", target / 1000),
                    peer.label(),
                    row.m.percentile_ms(50.0),
                    row.m.percentile_ms(99.0),
                    row.m.mean_ms(),
                    1000.0 / row.m.mean_ms(),
                    row.kbps(),
                    row.m.psnr_y,
                    row.m.dropped
                );
                rows.push(row);
            }
        }
        std::fs::remove_file(&raw).ok();
        results.push(ClipResult {
            name: clip.name.clone(),
            description: format!(
                "{}x{}, {} frames at {} fps, default target {} kbit/s; {} (rendered or read in \
                 {render_s:.1} s)",
                clip.width,
                clip.height,
                clip.frames.len(),
                clip.fps,
                clip.bitrate / 1000,
                clip.content
            ),
            reference_scale,
            rows,
        });
    }
    if !args.keep_streams {
        std::fs::remove_dir_all(&streams).ok();
    }
    let static_lines = if args.no_static {
        Vec::new()
    } else {
        static_frames()?
    };

    let meta = vec![
        format!("run: `{}`", args_line()),
        format!(
            "finished {} UTC after {:.0} s; {} CPU(s); load average at the start {}, at the end {} \
             (other work on the machine slows every encoder and adds to p99)",
            utc_now(),
            started.elapsed().as_secs_f64(),
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            load_start,
            loadavg()
        ),
        format!("ffmpeg: {ffmpeg_line}"),
        "x264: libx264 in that ffmpeg, `-tune zerolatency -profile:v baseline`, keyint = fps, \
         `-b:v`/`-maxrate`/`-bufsize` = target; openh264: the `openh264` crate 0.9 (Cisco's \
         source), bitrate rate control, frame skipping off, 1 thread, Baseline, IDR every fps \
         frames, usage type screen for screen clips and camera otherwise (unless \
         --openh264-usage), I420 input converted from NV12 outside the timed call; rtenc: \
         bitrate mode, gop = fps"
            .to_string(),
    ];
    let md = report::markdown(&results, &peers, &static_lines, &meta, args.bd_method);
    println!("\n{md}");
    let md_path = args.out.join("results.md");
    std::fs::write(&md_path, &md).map_err(|e| format!("{}: {e}", md_path.display()))?;
    println!("wrote {}", md_path.display());
    for r in &results {
        for path in plot::clip_pictures(r, &peers, &args.out)? {
            println!("wrote {}", path.display());
        }
        let fronts = front::fronts(r, &peers, args.bd_method);
        if fronts.is_empty() {
            println!(
                "no front plot for {}: it needs x264 in the run and BD-rates (four or more \
                 --scales)",
                r.name
            );
        } else {
            let path = args.out.join(format!("front-{}.png", r.name));
            plot::front_plot(r, &fronts, &path)?;
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}

/// The 1, 5 and 15 minute load averages, as the kernel reports them.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

/// The current UTC time as `YYYY-MM-DD HH:MM`.
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// The command line as run, for the report.
fn args_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        "cargo run --release -p rtenc-bench".into()
    } else {
        format!("cargo run --release -p rtenc-bench -- {}", args.join(" "))
    }
}
