//! Running one encoder over one clip: rtenc in-process, x264 through ffmpeg. Every stream is
//! decoded by ffmpeg and compared with the source, so all encoders are measured the same way.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::clips::Clip;

/// An encoder under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// rtenc, in this process.
    Rtenc {
        /// Threads (slices).
        threads: u32,
        /// Speed setting.
        speed: rtenc::Speed,
    },
    /// libx264 through ffmpeg with a preset and a thread count.
    X264 {
        /// `ultrafast`, `superfast`, ...
        preset: String,
        /// `-threads`.
        threads: u32,
    },
}

impl Peer {
    /// The name in the table.
    pub fn label(&self) -> String {
        match self {
            Peer::Rtenc { threads, speed } => match speed {
                rtenc::Speed::Realtime => format!("rtenc t{threads}"),
                rtenc::Speed::Quality => format!("rtenc-quality t{threads}"),
            },
            Peer::X264 { preset, threads } => format!("x264-{preset} t{threads}"),
        }
    }
}

/// What one run measured.
pub struct Measurement {
    /// Encode time of every frame, in milliseconds.
    pub frame_ms: Vec<f64>,
    /// Total stream size.
    pub bytes: usize,
    /// Mean PSNR-Y over frames (identical frames count as 100 dB).
    pub psnr_y: f64,
    /// Frames decoded.
    pub frames: usize,
}

impl Measurement {
    /// Achieved bitrate in kbit/s at the clip's frame rate.
    pub fn kbps(&self, fps: u32) -> f64 {
        self.bytes as f64 * 8.0 * f64::from(fps) / self.frames.max(1) as f64 / 1000.0
    }

    /// A percentile (0..=100) of the per-frame encode times.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        let mut v = self.frame_ms.clone();
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
        v[rank.min(v.len() - 1)]
    }

    /// Mean encode time per frame.
    pub fn mean_ms(&self) -> f64 {
        self.frame_ms.iter().sum::<f64>() / self.frame_ms.len().max(1) as f64
    }
}

/// Runs `peer` over `clip` at `bitrate` bit/s with a keyframe every `fps` frames.
pub fn run(
    peer: &Peer,
    clip: &Clip,
    src_path: &Path,
    bitrate: u32,
    work: &Path,
) -> Result<Measurement, String> {
    let out = work.join(format!(
        "{}-{}-{}.h264",
        clip.name,
        peer.label().replace(' ', "-"),
        bitrate
    ));
    let frame_ms = match peer {
        Peer::Rtenc { threads, speed } => run_rtenc(clip, bitrate, *threads, *speed, &out)?,
        Peer::X264 { preset, threads } => {
            run_x264(clip, src_path, preset, *threads, bitrate, &out)?
        }
    };
    let bytes = std::fs::metadata(&out)
        .map_err(|e| format!("{}: {e}", out.display()))?
        .len() as usize;
    let (psnr_y, frames) = decode_psnr(clip, &out)?;
    if frames != clip.frames.len() {
        return Err(format!(
            "{}: ffmpeg decoded {frames} frames, expected {}",
            peer.label(),
            clip.frames.len()
        ));
    }
    Ok(Measurement {
        frame_ms,
        bytes,
        psnr_y,
        frames,
    })
}

fn run_rtenc(
    clip: &Clip,
    bitrate: u32,
    threads: u32,
    speed: rtenc::Speed,
    out: &Path,
) -> Result<Vec<f64>, String> {
    let mut cfg = rtenc::Config::new(clip.width, clip.height);
    cfg.threads = threads;
    cfg.speed = speed;
    cfg.fps = f64::from(clip.fps);
    cfg.bitrate = bitrate;
    cfg.gop = clip.fps;
    let mut enc = rtenc::Encoder::new(cfg).map_err(|e| e.to_string())?;
    let mut stream = Vec::new();
    let mut times = Vec::with_capacity(clip.frames.len());
    for data in &clip.frames {
        let frame = rtenc::Nv12Frame::from_contiguous(data, clip.width, clip.height)
            .map_err(|e| e.to_string())?;
        let t = Instant::now();
        let au = enc.encode(&frame, false).map_err(|e| e.to_string())?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        stream.extend_from_slice(&au.data);
    }
    std::fs::write(out, &stream).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(times)
}

/// The ffmpeg binary (RTENC_FFMPEG or `ffmpeg`).
pub fn ffmpeg() -> PathBuf {
    std::env::var_os("RTENC_FFMPEG")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("ffmpeg"))
}

/// x264 at the same settings as rtenc: Constrained Baseline, no lookahead (zerolatency), a
/// keyframe every `fps` frames, ABR at `bitrate` with a one-second VBV. Per-frame times come
/// from ffmpeg's `-benchmark_all` (real time of each encode call, microseconds).
fn run_x264(
    clip: &Clip,
    src: &Path,
    preset: &str,
    threads: u32,
    bitrate: u32,
    out: &Path,
) -> Result<Vec<f64>, String> {
    let size = format!("{}x{}", clip.width, clip.height);
    let fps = clip.fps.to_string();
    let br = bitrate.to_string();
    let threads = threads.to_string();
    let output = Command::new(ffmpeg())
        .args([
            "-hide_banner",
            "-nostdin",
            "-benchmark_all",
            "-f",
            "rawvideo",
        ])
        .args(["-pix_fmt", "nv12", "-s", &size, "-r", &fps, "-i"])
        .arg(src)
        .args(["-c:v", "libx264", "-preset", preset, "-tune", "zerolatency"])
        .args(["-profile:v", "baseline", "-threads", &threads, "-g", &fps])
        .args([
            "-b:v", &br, "-maxrate", &br, "-bufsize", &br, "-f", "h264", "-y",
        ])
        .arg(out)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", ffmpeg().display()))?;
    let log = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("x264 encode failed:\n{log}"));
    }
    // "bench: <u> user <s> sys <r> real encode_video 0.0": a frame's encode calls are the
    // consecutive encode_video lines between decode_video lines.
    let mut times = Vec::new();
    let mut current: Option<f64> = None;
    for chunk in log.split("bench:").skip(1) {
        let fields: Vec<&str> = chunk.split_whitespace().collect();
        let real_us = fields.get(4).and_then(|v| v.parse::<f64>().ok());
        match (fields.get(6), real_us) {
            (Some(&"encode_video"), Some(us)) => *current.get_or_insert(0.0) += us / 1000.0,
            _ => {
                if let Some(ms) = current.take() {
                    times.push(ms);
                }
            }
        }
    }
    if let Some(ms) = current {
        times.push(ms);
    }
    if times.len() != clip.frames.len() {
        return Err(format!(
            "x264: found {} per-frame timings in ffmpeg's -benchmark_all output, expected {}",
            times.len(),
            clip.frames.len()
        ));
    }
    Ok(times)
}

/// Decodes `stream` with ffmpeg and returns (mean PSNR-Y against the clip, frames decoded).
fn decode_psnr(clip: &Clip, stream: &Path) -> Result<(f64, usize), String> {
    let output = Command::new(ffmpeg())
        .args(["-hide_banner", "-nostdin", "-v", "error", "-threads", "1"])
        .args(["-err_detect", "explode", "-f", "h264", "-i"])
        .arg(stream)
        .args(["-f", "rawvideo", "-pix_fmt", "nv12", "-"])
        .stdout(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run ffmpeg: {e}"))?;
    if !output.status.success() || !output.stderr.is_empty() {
        return Err(format!(
            "ffmpeg failed to decode {}: {}",
            stream.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let luma = clip.width as usize * clip.height as usize;
    let len = luma * 3 / 2;
    let decoded = output.stdout;
    let frames = decoded.len() / len;
    let mut sum = 0.0;
    for (i, f) in decoded.chunks_exact(len).enumerate() {
        let Some(src) = clip.frames.get(i) else { break };
        sum += rtenc_synth::psnr(&src[..luma], &f[..luma]).min(100.0);
    }
    Ok((sum / frames.max(1) as f64, frames))
}

/// Writes the clip as raw NV12 for ffmpeg.
pub fn write_raw(clip: &Clip, path: &Path) -> Result<(), String> {
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?,
    );
    for frame in &clip.frames {
        f.write_all(frame)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    f.flush().map_err(|e| format!("{}: {e}", path.display()))
}
