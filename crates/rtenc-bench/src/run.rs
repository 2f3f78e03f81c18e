//! Running one encoder over one clip: rtenc and openh264 in-process, x264 through ffmpeg. Every
//! stream is decoded by ffmpeg and compared with the source, so all encoders are measured the
//! same way.

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
        /// Preset.
        preset: rtenc::Preset,
    },
    /// libx264 through ffmpeg with a preset and a thread count.
    X264 {
        /// `ultrafast`, `superfast`, ...
        preset: String,
        /// `-threads`.
        threads: u32,
    },
    /// Cisco's openh264 (the `openh264` crate, built from source), in this process: bitrate
    /// rate control, frame skipping off, one thread.
    OpenH264 {
        /// Usage type (camera or screen).
        usage: Usage,
        /// openh264's complexity mode.
        complexity: Complexity,
    },
}

/// openh264's usage type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Usage {
    /// Screen content for screen clips, camera video for camera clips.
    Auto,
    /// `CAMERA_VIDEO_REAL_TIME`.
    Camera,
    /// `SCREEN_CONTENT_REAL_TIME`.
    Screen,
}

/// openh264's complexity mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Complexity {
    /// `LOW_COMPLEXITY` (fastest).
    Low,
    /// `MEDIUM_COMPLEXITY` (openh264's default).
    Medium,
    /// `HIGH_COMPLEXITY`.
    High,
}

impl Peer {
    /// The name in the table.
    pub fn label(&self) -> String {
        match self {
            Peer::Rtenc { threads, preset } => format!("rtenc-{preset} t{threads}"),
            Peer::X264 { preset, threads } => format!("x264-{preset} t{threads}"),
            Peer::OpenH264 { complexity, .. } => match complexity {
                Complexity::Medium => "openh264 t1".to_string(),
                Complexity::Low => "openh264-low t1".to_string(),
                Complexity::High => "openh264-high t1".to_string(),
            },
        }
    }

    /// Threads per frame (rtenc's ratios are taken against a peer with the same count).
    pub fn threads(&self) -> u32 {
        match self {
            Peer::Rtenc { threads, .. } | Peer::X264 { threads, .. } => *threads,
            Peer::OpenH264 { .. } => 1,
        }
    }

    /// The preset's name (rtenc's or x264's).
    pub fn preset_name(&self) -> Option<&str> {
        match self {
            Peer::Rtenc { preset, .. } => Some(preset.name()),
            Peer::X264 { preset, .. } => Some(preset),
            Peer::OpenH264 { .. } => None,
        }
    }

    /// True for rtenc itself.
    pub fn is_rtenc(&self) -> bool {
        matches!(self, Peer::Rtenc { .. })
    }
}

/// What one run measured.
pub struct Measurement {
    /// Encode time of every frame, in milliseconds.
    pub frame_ms: Vec<f64>,
    /// Total stream size.
    pub bytes: usize,
    /// Mean PSNR-Y over all source frames (identical frames count as 100 dB; a dropped frame is
    /// compared with the last decoded one, which is what a player shows).
    pub psnr_y: f64,
    /// Source frames (the clip's length).
    pub frames: usize,
    /// Frames the encoder skipped (no access unit).
    pub dropped: usize,
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
    let all = vec![true; clip.frames.len()];
    let (frame_ms, present) = match peer {
        Peer::Rtenc { threads, preset } => {
            (run_rtenc(clip, bitrate, *threads, *preset, &out)?, all)
        }
        Peer::X264 { preset, threads } => (
            run_x264(clip, src_path, preset, *threads, bitrate, &out)?,
            all,
        ),
        Peer::OpenH264 { usage, complexity } => {
            run_openh264(clip, bitrate, *usage, *complexity, &out)?
        }
    };
    let bytes = std::fs::metadata(&out)
        .map_err(|e| format!("{}: {e}", out.display()))?
        .len() as usize;
    let (psnr_y, decoded) = decode_psnr(clip, &out, &present)?;
    let coded = present.iter().filter(|&&p| p).count();
    if decoded != coded {
        return Err(format!(
            "{}: ffmpeg decoded {decoded} frames from {}, but the encoder output {coded} \
             access units for {} frames",
            peer.label(),
            out.display(),
            clip.frames.len()
        ));
    }
    Ok(Measurement {
        frame_ms,
        bytes,
        psnr_y,
        frames: clip.frames.len(),
        dropped: clip.frames.len() - coded,
    })
}

/// openh264 as configured for a real-time sender: bitrate rate control at the target with
/// frame skipping off, one thread, Baseline profile, an IDR every `fps` frames, timestamps at
/// the clip's frame rate. Its input is I420, so every NV12 frame is deinterleaved before (and
/// outside) the timed call. The time of a frame is the `encode_at` call plus copying its NAL
/// units out. A frame for which openh264 returns no NAL units (a skip) is reported as dropped.
fn run_openh264(
    clip: &Clip,
    bitrate: u32,
    usage: Usage,
    complexity: Complexity,
    out: &Path,
) -> Result<(Vec<f64>, Vec<bool>), String> {
    use openh264::encoder::{
        BitRate, Complexity as Cx, Encoder, EncoderConfig, FrameRate, IntraFramePeriod, Profile,
        RateControlMode, UsageType,
    };
    use openh264::formats::YUVSlices;
    use openh264::{OpenH264API, Timestamp};

    let usage = match usage {
        Usage::Auto if clip.screen => UsageType::ScreenContentRealTime,
        Usage::Auto | Usage::Camera => UsageType::CameraVideoRealTime,
        Usage::Screen => UsageType::ScreenContentRealTime,
    };
    let complexity = match complexity {
        Complexity::Low => Cx::Low,
        Complexity::Medium => Cx::Medium,
        Complexity::High => Cx::High,
    };
    let config = EncoderConfig::new()
        .bitrate(BitRate::from_bps(bitrate))
        .rate_control_mode(RateControlMode::Bitrate)
        .skip_frames(false)
        .max_frame_rate(FrameRate::from_hz(clip.fps as f32))
        .num_threads(1)
        .usage_type(usage)
        .complexity(complexity)
        .profile(Profile::Baseline)
        .intra_frame_period(IntraFramePeriod::from_num_frames(clip.fps));
    let mut enc = Encoder::with_api_config(OpenH264API::from_source(), config)
        .map_err(|e| format!("openh264: cannot create the encoder: {e}"))?;
    let (w, h) = (clip.width as usize, clip.height as usize);
    let (mut u, mut v) = (vec![0u8; w * h / 4], vec![0u8; w * h / 4]);
    let mut stream = Vec::new();
    let mut times = Vec::with_capacity(clip.frames.len());
    let mut present = Vec::with_capacity(clip.frames.len());
    for (i, data) in clip.frames.iter().enumerate() {
        let (y, uv) = data.split_at(w * h);
        for ((pair, u), v) in uv.chunks_exact(2).zip(u.iter_mut()).zip(v.iter_mut()) {
            *u = pair[0];
            *v = pair[1];
        }
        let src = YUVSlices::new((y, &u, &v), (w, h), (w, w / 2, w / 2));
        let ts = Timestamp::from_millis(i as u64 * 1000 / u64::from(clip.fps));
        let before = stream.len();
        let t = Instant::now();
        let bits = enc
            .encode_at(&src, ts)
            .map_err(|e| format!("openh264: frame {i}: {e}"))?;
        bits.write_vec(&mut stream);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        present.push(stream.len() > before);
    }
    std::fs::write(out, &stream).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok((times, present))
}

fn run_rtenc(
    clip: &Clip,
    bitrate: u32,
    threads: u32,
    preset: rtenc::Preset,
    out: &Path,
) -> Result<Vec<f64>, String> {
    let mut cfg = rtenc::Config::new(clip.width, clip.height);
    cfg.threads = threads;
    cfg.preset = preset;
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

/// ffmpeg's version line, or an error saying how to get ffmpeg.
pub fn ffmpeg_version() -> Result<String, String> {
    let bin = ffmpeg();
    let hint = "the benchmark needs ffmpeg with libx264 (Debian: apt-get install ffmpeg) on PATH \
                or named by RTENC_FFMPEG";
    match Command::new(&bin)
        .args(["-hide_banner", "-version"])
        .output()
    {
        Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()),
        Ok(o) => Err(format!(
            "`{} -version` failed ({}); {hint}",
            bin.display(),
            o.status
        )),
        Err(e) => Err(format!("cannot run {}: {e}; {hint}", bin.display())),
    }
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
/// `present[i]` says whether source frame `i` has an access unit; a frame without one is
/// compared with the last decoded frame (what a player shows).
fn decode_psnr(clip: &Clip, stream: &Path, present: &[bool]) -> Result<(f64, usize), String> {
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
    if decoded.len() % len != 0 {
        return Err(format!(
            "ffmpeg output {} bytes for {}, not a whole number of {}x{} frames",
            decoded.len(),
            stream.display(),
            clip.width,
            clip.height
        ));
    }
    let frames: Vec<&[u8]> = decoded.chunks_exact(len).collect();
    if frames.len() != present.iter().filter(|&&p| p).count() {
        // The caller reports the mismatch.
        return Ok((f64::NAN, frames.len()));
    }
    let mut sum = 0.0;
    let mut next = 0;
    let mut shown: Option<&[u8]> = None;
    for (src, &p) in clip.frames.iter().zip(present) {
        if p {
            shown = Some(frames[next]);
            next += 1;
        }
        sum += match shown {
            Some(f) => rtenc_synth::psnr(&src[..luma], &f[..luma]).min(100.0),
            // Nothing decoded yet: a black picture.
            None => rtenc_synth::psnr(&src[..luma], &vec![0u8; luma]).min(100.0),
        };
    }
    Ok((sum / clip.frames.len().max(1) as f64, frames.len()))
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
