//! `rtenc encode`: inputs (Y4M, raw NV12, stdin), the encoder options shared with the demo, and
//! the frame loop that both commands run.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::ProgressBar;
use rtenc::{Config, Encoder, Nv12Frame};

use crate::summary::{self, Stats};
use crate::y4m::{self, Y4mReader};

/// Errors are messages for the user.
pub type CliResult<T> = Result<T, String>;

/// Encoder options common to `encode` and `demo`.
#[derive(clap::Args, Debug, Clone)]
pub struct RateArgs {
    /// Frames per second [default: from the Y4M header, else 30]
    #[arg(long)]
    pub fps: Option<f64>,
    /// Constant QP, 0 (best) to 51 (smallest) [default: 26 unless --bitrate is given]
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=51), conflicts_with = "bitrate")]
    pub qp: Option<u8>,
    /// Target bitrate in bit/s for rate control; k and M suffixes allowed (e.g. 2500k, 4M)
    #[arg(long, value_parser = parse_bitrate)]
    pub bitrate: Option<u32>,
    /// Keyframe interval in frames; 0 = only the first frame [default: 30]. With
    /// --intra-refresh: the refresh period
    #[arg(long)]
    pub gop: Option<u32>,
    /// Intra refresh instead of periodic keyframes: a column of intra macroblocks sweeps the
    /// picture once per --gop frames (each sweep marked by a recovery point SEI), so frame
    /// sizes stay flat; an IDR only for the first frame
    #[arg(long)]
    pub intra_refresh: bool,
    /// Worker threads, one slice each; 0 = one per core
    #[arg(long, default_value_t = 1)]
    pub threads: u32,
    /// Speed preset, fastest first: ultrafast, superfast, veryfast (default), faster, fast,
    /// medium (each at least as fast as x264's preset of the same name; see the README)
    #[arg(long, value_parser = parse_preset)]
    pub preset: Option<rtenc::Preset>,
    /// Older alias of --preset: realtime = veryfast, quality = medium
    #[arg(long, value_enum, conflicts_with = "preset", hide_short_help = true)]
    pub speed: Option<SpeedArg>,
}

/// `--speed` values (an alias of `--preset`).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeedArg {
    /// The default preset (veryfast).
    Realtime,
    /// The medium preset.
    Quality,
}

/// Parses a `--preset` name.
pub fn parse_preset(s: &str) -> Result<rtenc::Preset, String> {
    s.parse()
}

/// The preset that `--preset` or its alias `--speed` ask for (the default without either).
pub fn preset_of(preset: Option<rtenc::Preset>, speed: Option<SpeedArg>) -> rtenc::Preset {
    preset.unwrap_or_else(|| match speed {
        Some(SpeedArg::Quality) => rtenc::Speed::Quality.into(),
        Some(SpeedArg::Realtime) | None => rtenc::Preset::default(),
    })
}

impl RateArgs {
    /// The encoder configuration for a `w` x `h` stream whose own frame rate (if any) is
    /// `stream_fps`.
    pub fn config(&self, w: u32, h: u32, stream_fps: Option<f64>) -> Config {
        let mut cfg = Config::new(w, h);
        cfg.fps = self.fps.or(stream_fps).unwrap_or(30.0);
        cfg.qp = self.qp;
        cfg.bitrate = self.bitrate.unwrap_or(0);
        if let Some(g) = self.gop {
            cfg.gop = g;
        }
        cfg.intra_refresh = self.intra_refresh;
        cfg.threads = self.threads;
        cfg.preset = preset_of(self.preset, self.speed);
        cfg
    }
}

/// Parses `WxH`, e.g. `1280x720`.
pub fn parse_size(s: &str) -> CliResult<(u32, u32)> {
    let bad = || format!("expected a size like 1280x720, got {s:?}");
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if w == 0 || h == 0 {
        return Err(format!("width and height must be non-zero, got {s:?}"));
    }
    Ok((w, h))
}

/// Parses a bitrate in bit/s with an optional `k` (1000) or `M` (1 000 000) suffix.
pub fn parse_bitrate(s: &str) -> CliResult<u32> {
    let bad = || format!("expected a bitrate in bit/s like 2000000, 2000k or 2M, got {s:?}");
    let (num, mult) = match s.trim().strip_suffix(['k', 'K']) {
        Some(n) => (n, 1e3),
        None => match s.trim().strip_suffix(['m', 'M']) {
            Some(n) => (n, 1e6),
            None => (s.trim(), 1.0),
        },
    };
    let v: f64 = num.parse().map_err(|_| bad())?;
    let bps = (v * mult).round();
    if !bps.is_finite() || bps < 1.0 || bps > f64::from(u32::MAX) {
        return Err(bad());
    }
    Ok(bps as u32)
}

/// Arguments of `rtenc encode`.
#[derive(clap::Args, Debug)]
pub struct EncodeArgs {
    /// Input: a .y4m file (8-bit 4:2:0), raw NV12 (needs --size), or - for standard input
    pub input: String,
    /// Output H.264 Annex B file, or - for standard output
    #[arg(short, long)]
    pub output: String,
    /// Picture size of raw NV12 input, e.g. 1280x720
    #[arg(long, value_parser = parse_size)]
    pub size: Option<(u32, u32)>,
    #[command(flatten)]
    pub rate: RateArgs,
    /// Also write the encoder's reconstruction (what a decoder shows) as raw NV12
    #[arg(long)]
    pub recon: Option<PathBuf>,
    /// Encode at most this many frames
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub frames: Option<u64>,
    /// Also write one CSV line per frame (index, type, bytes, QP, encode ms, PSNR-Y) to this file
    #[arg(long)]
    pub frame_log: Option<PathBuf>,
}

/// Something that produces contiguous NV12 frames.
pub trait FrameSource {
    /// Fills `nv12` with the next frame; `false` when there are no more.
    fn next_frame(&mut self, nv12: &mut Vec<u8>) -> CliResult<bool>;
}

struct Y4mSource {
    r: Y4mReader<Box<dyn BufRead>>,
    i420: Vec<u8>,
}

impl FrameSource for Y4mSource {
    fn next_frame(&mut self, nv12: &mut Vec<u8>) -> CliResult<bool> {
        if !self.r.read_frame(&mut self.i420)? {
            return Ok(false);
        }
        let h = self.r.header();
        y4m::i420_to_nv12(&self.i420, h.width as usize, h.height as usize, nv12);
        Ok(true)
    }
}

struct RawSource {
    r: Box<dyn BufRead>,
    frame_len: usize,
    index: u64,
}

impl FrameSource for RawSource {
    fn next_frame(&mut self, nv12: &mut Vec<u8>) -> CliResult<bool> {
        nv12.resize(self.frame_len, 0);
        match y4m::read_full(&mut self.r, nv12) {
            Ok(()) => {
                self.index += 1;
                Ok(true)
            }
            Err(0) => Ok(false),
            Err(got) => Err(format!(
                "input ends inside frame {}: got {got} of {} bytes (is --size right?)",
                self.index, self.frame_len
            )),
        }
    }
}

/// An opened input.
pub struct Input {
    /// The frames.
    pub src: Box<dyn FrameSource>,
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    /// Frame rate from the Y4M header.
    pub fps: Option<f64>,
    /// Expected number of frames, when the input is a file.
    pub frames_hint: Option<u64>,
}

/// Reads up to the first bytes of `r` needed to recognise a Y4M stream and returns them put
/// back in front of the rest.
fn sniff(mut r: Box<dyn Read>) -> io::Result<(bool, Box<dyn BufRead>)> {
    let mut head = vec![0u8; y4m::MAGIC.len()];
    let mut got = 0;
    while got < head.len() {
        match r.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    head.truncate(got);
    let is_y4m = head == y4m::MAGIC;
    let rest: Box<dyn BufRead> = Box::new(BufReader::with_capacity(
        1 << 20,
        Cursor::new(head).chain(r),
    ));
    Ok((is_y4m, rest))
}

/// Opens `path` (or standard input for `-`) as Y4M if it starts with the Y4M magic, else as raw
/// NV12 of `size`.
pub fn open_input(path: &str, size: Option<(u32, u32)>) -> CliResult<Input> {
    let (reader, file_len): (Box<dyn Read>, Option<u64>) = if path == "-" {
        (Box::new(io::stdin().lock()), None)
    } else {
        let f = File::open(path).map_err(|e| format!("cannot open {path}: {e}"))?;
        let len = f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
        (Box::new(f), len)
    };
    let (is_y4m, r) = sniff(reader).map_err(|e| format!("cannot read {path}: {e}"))?;
    let named_y4m = Path::new(path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("y4m"));
    if is_y4m {
        let r = Y4mReader::new(r).map_err(|e| format!("{path}: {e}"))?;
        let h = r.header().clone();
        if let Some((w, hh)) = size {
            if (w, hh) != (h.width, h.height) {
                return Err(format!(
                    "--size {w}x{hh} contradicts the Y4M header of {path} ({}x{}); drop --size",
                    h.width, h.height
                ));
            }
        }
        let frame_len = h.frame_len();
        Ok(Input {
            src: Box::new(Y4mSource {
                r,
                i420: Vec::with_capacity(frame_len),
            }),
            width: h.width,
            height: h.height,
            fps: h.fps(),
            frames_hint: file_len.map(|l| l / (frame_len as u64 + 6)),
        })
    } else if named_y4m {
        Err(format!(
            "{path} has a .y4m name but does not start with \"YUV4MPEG2\""
        ))
    } else {
        let Some((w, h)) = size else {
            return Err(format!(
                "{path} is raw NV12 (it does not start with \"YUV4MPEG2\"): give its size with \
                 --size WxH"
            ));
        };
        if w % 2 != 0 || h % 2 != 0 {
            return Err(format!(
                "NV12 needs an even width and height, got --size {w}x{h}"
            ));
        }
        let frame_len = w as usize * h as usize * 3 / 2;
        if let Some(len) = file_len {
            if len % frame_len as u64 != 0 {
                return Err(format!(
                    "{path} has {len} bytes, not a whole number of {w}x{h} NV12 frames of \
                     {frame_len} bytes: is --size right?"
                ));
            }
        }
        Ok(Input {
            src: Box::new(RawSource {
                r,
                frame_len,
                index: 0,
            }),
            width: w,
            height: h,
            fps: None,
            frames_hint: file_len.map(|l| l / frame_len as u64),
        })
    }
}

/// Whether two paths name the same existing file (never for `-`).
fn same_file(a: &str, b: &str) -> bool {
    if a == "-" || b == "-" {
        return false;
    }
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Opens an output file, or standard output for `-`.
pub fn create_output(path: &str) -> CliResult<Box<dyn Write>> {
    if path == "-" {
        return Ok(Box::new(BufWriter::new(io::stdout().lock())));
    }
    let f = File::create(path).map_err(|e| format!("cannot create {path}: {e}"))?;
    Ok(Box::new(BufWriter::with_capacity(1 << 20, f)))
}

/// Where a run writes.
pub struct Sinks<'a> {
    /// The H.264 stream and its name for messages.
    pub out: (&'a mut dyn Write, &'a str),
    /// The reconstruction (NV12), if wanted, and its name.
    pub recon: Option<(&'a mut dyn Write, &'a str)>,
}

/// Encodes every frame of `src` (at most `max_frames`) with `cfg`, writing the access units and
/// the reconstruction, and measures the run.
pub fn run(
    cfg: Config,
    src: &mut dyn FrameSource,
    sinks: Sinks<'_>,
    max_frames: Option<u64>,
    pb: &ProgressBar,
) -> CliResult<Stats> {
    let (w, h) = (cfg.width as usize, cfg.height as usize);
    let mut stats = Stats::new(
        cfg.fps,
        (cfg.constant_qp().is_none()).then_some(cfg.bitrate),
    );
    let mut enc = Encoder::new(cfg).map_err(|e| e.to_string())?;
    let (out, out_name) = sinks.out;
    let mut recon = sinks.recon;
    let mut nv12 = Vec::with_capacity(w * h * 3 / 2);
    let mut recon_buf = Vec::new();
    while max_frames.is_none_or(|m| stats.frames() < m) {
        if !src.next_frame(&mut nv12)? {
            break;
        }
        let index = stats.frames();
        let frame = Nv12Frame::from_contiguous(&nv12, w as u32, h as u32)
            .map_err(|e| format!("frame {index}: {e}"))?;
        let t0 = Instant::now();
        let au = enc
            .encode(&frame, false)
            .map_err(|e| format!("frame {index}: {e}"))?;
        let dt = t0.elapsed();
        out.write_all(&au.data)
            .map_err(|e| format!("cannot write {out_name}: {e}"))?;
        let y = &enc.recon().y;
        let sse = rtenc_synth::sse_strided(&nv12, w, &y.data[y.offset(0, 0)..], y.stride, w, h);
        let psnr = rtenc_synth::psnr_from_mse(sse as f64 / (w * h) as f64);
        if let Some((r, name)) = recon.as_mut() {
            enc.recon().write_nv12(w, h, &mut recon_buf);
            r.write_all(&recon_buf)
                .map_err(|e| format!("cannot write {name}: {e}"))?;
        }
        stats.add(au.data.len(), au.keyframe, au.qp, dt, psnr);
        pb.inc(1);
    }
    for au in enc.flush().map_err(|e| e.to_string())? {
        out.write_all(&au.data)
            .map_err(|e| format!("cannot write {out_name}: {e}"))?;
    }
    out.flush()
        .map_err(|e| format!("cannot write {out_name}: {e}"))?;
    if let Some((r, name)) = recon.as_mut() {
        r.flush().map_err(|e| format!("cannot write {name}: {e}"))?;
    }
    Ok(stats)
}

/// `rtenc encode`.
pub fn cmd(args: EncodeArgs) -> CliResult<()> {
    for out in
        std::iter::once(args.output.as_str()).chain(args.recon.iter().filter_map(|p| p.to_str()))
    {
        if same_file(&args.input, out) {
            return Err(format!("{out} is also the input: refusing to overwrite it"));
        }
    }
    let mut input = open_input(&args.input, args.size)?;
    let cfg = args.rate.config(input.width, input.height, input.fps);
    cfg.validate().map_err(|e| e.to_string())?;
    let mut out = create_output(&args.output)?;
    let recon_name = args.recon.as_ref().map(|p| p.display().to_string());
    let mut recon = match &recon_name {
        Some(p) => Some(create_output(p)?),
        None => None,
    };
    let total = match (input.frames_hint, args.frames) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let pb = summary::progress_bar(total);
    let result = run(
        cfg,
        input.src.as_mut(),
        Sinks {
            out: (out.as_mut(), &args.output),
            recon: recon.as_mut().map(|r| {
                (
                    r.as_mut() as &mut dyn Write,
                    recon_name.as_deref().unwrap_or(""),
                )
            }),
        },
        args.frames,
        &pb,
    );
    pb.finish_and_clear();
    let stats = result?;
    if let Some(path) = &args.frame_log {
        let name = path.display();
        let mut f = create_output(&name.to_string())?;
        stats
            .write_frame_log(f.as_mut())
            .map_err(|e| format!("cannot write {name}: {e}"))?;
    }
    if stats.frames() == 0 {
        let name = if args.input == "-" {
            "standard input"
        } else {
            &args.input
        };
        return Err(format!("{name} holds no complete frame"));
    }
    summary::report(&stats.summary(), args.output == "-");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_bitrates() {
        assert_eq!(parse_size("1280x720"), Ok((1280, 720)));
        assert_eq!(parse_size("16X16"), Ok((16, 16)));
        assert!(parse_size("1280").is_err());
        assert!(parse_size("0x720").is_err());
        assert!(parse_size("axb").is_err());
        assert_eq!(parse_bitrate("2000000"), Ok(2_000_000));
        assert_eq!(parse_bitrate("2500k"), Ok(2_500_000));
        assert_eq!(parse_bitrate("1.5M"), Ok(1_500_000));
        assert!(parse_bitrate("0").is_err());
        assert!(parse_bitrate("fast").is_err());
        assert!(parse_bitrate("9000M").is_err());
    }

    #[test]
    fn sniffs_y4m_and_keeps_every_byte() {
        let data = b"YUV4MPEG2 W2 H2\nFRAME\nabcdef".to_vec();
        let (y, mut r) = sniff(Box::new(Cursor::new(data.clone()))).unwrap();
        assert!(y);
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        assert_eq!(all, data);
        let (y, mut r) = sniff(Box::new(Cursor::new(b"YUV".to_vec()))).unwrap();
        assert!(!y);
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        assert_eq!(all, b"YUV");
    }

    #[test]
    fn config_from_args() {
        let args = RateArgs {
            fps: None,
            qp: None,
            bitrate: Some(1_000_000),
            gop: Some(60),
            intra_refresh: true,
            threads: 2,
            preset: None,
            speed: Some(SpeedArg::Quality),
        };
        let cfg = args.config(64, 48, Some(25.0));
        assert_eq!(
            (cfg.fps, cfg.bitrate, cfg.gop, cfg.qp),
            (25.0, 1_000_000, 60, None)
        );
        assert_eq!((cfg.threads, cfg.preset), (2, rtenc::Preset::Medium));
        assert!(cfg.intra_refresh);
        let args = RateArgs {
            fps: Some(60.0),
            qp: Some(30),
            bitrate: None,
            gop: None,
            intra_refresh: false,
            threads: 1,
            preset: Some(rtenc::Preset::Ultrafast),
            speed: None,
        };
        let cfg = args.config(64, 48, Some(25.0));
        assert_eq!(
            (cfg.fps, cfg.bitrate, cfg.gop, cfg.qp),
            (60.0, 0, 30, Some(30))
        );
        assert_eq!(cfg.preset, rtenc::Preset::Ultrafast);
        assert!(!cfg.intra_refresh);
        assert_eq!(preset_of(None, None), rtenc::Preset::Veryfast);
        assert!(parse_preset("placebo").unwrap_err().contains("ultrafast"));
    }
}
