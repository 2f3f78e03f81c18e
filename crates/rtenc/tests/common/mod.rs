//! Shared harness of rtenc's integration tests: ffmpeg as the bit-exact oracle.
//!
//! The encoder's reconstruction must equal, byte for byte, what a conforming decoder outputs
//! for the stream. Every case encodes some frames, keeps `Encoder::recon()` of each, decodes the
//! whole stream with ffmpeg (single-threaded, `-err_detect explode`, any message on stderr is a
//! failure) and compares every frame.
//!
//! ffmpeg is found on `PATH` (or at `$RTENC_FFMPEG`). When it is missing the ffmpeg decode is
//! skipped with a notice (everything else, openh264's decode included, still runs), except in
//! CI (`CI=true`), where a missing ffmpeg fails the test.

#![allow(dead_code)] // Each test binary uses a different part of the harness.

use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use rtenc::{Config, EncodedFrame, Encoder, FrameType, Nv12Frame};
pub use rtenc_synth::Pattern;

pub mod oh264;

/// The ffmpeg binary to run, or `None` (after printing a notice) when there is none.
///
/// # Panics
/// When ffmpeg is missing and the environment variable `CI` is `true`.
pub fn ffmpeg() -> Option<&'static str> {
    static FOUND: OnceLock<Option<String>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let bin = std::env::var("RTENC_FFMPEG").unwrap_or_else(|_| "ffmpeg".to_string());
        let ok = Command::new(&bin)
            .args(["-hide_banner", "-version"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        ok.then_some(bin)
    });
    match found {
        Some(bin) => Some(bin.as_str()),
        None => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!(
                    "ffmpeg is required in CI: the integration tests use it as the reference \
                     decoder (install it with `apt-get install -y ffmpeg`, as .ci/run does)"
                );
            }
            eprintln!(
                "notice: ffmpeg not found (set RTENC_FFMPEG or install it); skipping this \
                 bit-exactness test"
            );
            None
        }
    }
}

/// A fresh directory for one decode, under cargo's per-target temp dir.
fn scratch_dir() -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("rtenc-ffdec-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Decodes an Annex B stream with ffmpeg and returns its frames as planar I420
/// (`w * h * 3 / 2` bytes each, the cropped picture).
///
/// # Panics
/// If ffmpeg is missing, exits unsuccessfully, prints anything at all on stderr (with
/// `-v error -err_detect explode` that is any decoding error), or outputs a partial frame. The
/// stream and ffmpeg's output are then kept in the scratch directory the message names.
pub fn ffmpeg_decode(stream: &[u8], width: u32, height: u32) -> Vec<Vec<u8>> {
    let bin = ffmpeg().expect("ffmpeg_decode needs ffmpeg; check common::ffmpeg() first");
    let dir = scratch_dir();
    let input = dir.join("in.h264");
    let output = dir.join("out.yuv");
    std::fs::write(&input, stream).expect("write stream");
    let out = Command::new(bin)
        .args([
            "-nostdin",
            "-hide_banner",
            "-v",
            "error",
            "-err_detect",
            "explode",
        ])
        .args(["-threads", "1", "-f", "h264", "-i"])
        .arg(&input)
        .args([
            "-f",
            "rawvideo",
            "-pix_fmt",
            "yuv420p",
            "-fps_mode",
            "passthrough",
            "-y",
        ])
        .arg(&output)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The one message tolerated: ffmpeg's raw H.264 demuxer invents timestamps, and after a
    // mid-stream IDR in a stream of ~50 000 frames it hands the *muxer* a repeated dts. It comes
    // from the muxer (not the decoder) and libx264's streams trigger it identically; every
    // other line, and any decoder message, fails the test.
    let stderr: String = stderr
        .lines()
        .filter(|l| {
            !(l.contains("non monotonically increasing dts to muxer")
                || l.trim_start().starts_with("Last message repeated"))
        })
        .collect::<Vec<_>>()
        .join("\n");
    if !out.status.success() || !stderr.trim().is_empty() {
        panic!(
            "ffmpeg rejected the stream ({}; {} bytes; kept in {}):\n{}",
            out.status,
            stream.len(),
            dir.display(),
            stderr.trim_end()
        );
    }
    let raw = std::fs::read(&output).expect("read ffmpeg output");
    let frame_len = width as usize * height as usize * 3 / 2;
    assert!(
        raw.len().is_multiple_of(frame_len),
        "ffmpeg output is {} bytes, not a whole number of {width}x{height} frames ({frame_len} \
         bytes each): did the decoder see another size? (kept in {})",
        raw.len(),
        dir.display()
    );
    let _ = std::fs::remove_dir_all(&dir);
    raw.chunks_exact(frame_len).map(<[u8]>::to_vec).collect()
}

/// Compares a decoded frame with the encoder's reconstruction, both I420 of `w` x `h`.
///
/// # Panics
/// On any difference, naming the plane, the first differing sample (x, y) in that plane, both
/// values, the macroblock it lies in, and how many samples differ.
pub fn assert_recon_matches(
    decoded_i420: &[u8],
    recon_i420: &[u8],
    w: u32,
    h: u32,
    frame_idx: usize,
) {
    let (w, h) = (w as usize, h as usize);
    let frame_len = w * h * 3 / 2;
    assert_eq!(
        decoded_i420.len(),
        frame_len,
        "frame {frame_idx}: decoded frame size"
    );
    assert_eq!(
        recon_i420.len(),
        frame_len,
        "frame {frame_idx}: recon frame size"
    );
    if decoded_i420 == recon_i420 {
        return;
    }
    let (cw, ch) = (w / 2, h / 2);
    let planes = [
        ("Y", 0, w, h, 16),
        ("U", w * h, cw, ch, 8),
        ("V", w * h + cw * ch, cw, ch, 8),
    ];
    let mbw = w.div_ceil(16);
    let mut msg =
        format!("frame {frame_idx}: reconstruction differs from ffmpeg's output ({w}x{h})");
    for (name, off, pw, ph, mb) in planes {
        let d = &decoded_i420[off..off + pw * ph];
        let r = &recon_i420[off..off + pw * ph];
        let diff = d.iter().zip(r).filter(|(a, b)| a != b).count();
        if diff == 0 {
            continue;
        }
        let i = d
            .iter()
            .zip(r)
            .position(|(a, b)| a != b)
            .expect("a difference");
        let (x, y) = (i % pw, i / pw);
        let (mx, my) = (x / mb, y / mb);
        let _ = write!(
            msg,
            "\n  plane {name}: {diff} of {} samples differ; first at (x={x}, y={y}): ffmpeg {} vs \
             recon {}, in macroblock ({mx}, {my}) (address {}), its 4x4 block ({}, {})",
            pw * ph,
            d[i],
            r[i],
            my * mbw + mx,
            (x % mb) / 4,
            (y % mb) / 4,
        );
    }
    panic!("{msg}");
}

/// The access units of a run, concatenated into one stream, with each frame's reconstruction.
pub struct Encoded {
    /// Width and height.
    pub size: (u32, u32),
    /// All access units in order: the Annex B stream.
    pub stream: Vec<u8>,
    /// Each frame's access unit (its `data` included).
    pub frames: Vec<EncodedFrame>,
    /// Each frame's reconstruction as I420 (the visible `width` x `height`).
    pub recons: Vec<Vec<u8>>,
}

/// Encodes `frames` (contiguous NV12) with a new encoder for `cfg`, forcing an IDR where
/// `force_idr(i)` says so.
///
/// # Panics
/// If the encoder rejects the configuration or a frame.
pub fn encode_frames(
    cfg: &Config,
    frames: &[Vec<u8>],
    force_idr: impl Fn(usize) -> bool,
) -> Encoded {
    let mut enc = Encoder::new(cfg.clone()).unwrap_or_else(|e| panic!("Encoder::new: {e}"));
    let mut out = Encoded {
        size: (cfg.width, cfg.height),
        stream: Vec::new(),
        frames: Vec::new(),
        recons: Vec::new(),
    };
    for (i, data) in frames.iter().enumerate() {
        let f = Nv12Frame::from_contiguous(data, cfg.width, cfg.height)
            .unwrap_or_else(|e| panic!("frame {i}: {e}"));
        let au = enc
            .encode(&f, force_idr(i))
            .unwrap_or_else(|e| panic!("encode frame {i}: {e}"));
        out.push(&enc, au);
    }
    for au in enc.flush().expect("flush") {
        out.stream.extend_from_slice(&au.data);
        out.frames.push(au);
    }
    out
}

impl Encoded {
    /// An empty run of `w` x `h` frames, for tests that drive the encoder themselves.
    pub fn new(w: u32, h: u32) -> Self {
        Encoded {
            size: (w, h),
            stream: Vec::new(),
            frames: Vec::new(),
            recons: Vec::new(),
        }
    }

    /// Appends `au`, just returned by `enc`, and `enc`'s current reconstruction.
    pub fn push(&mut self, enc: &Encoder, au: EncodedFrame) {
        let (w, h) = self.size;
        let mut recon = Vec::new();
        enc.recon().write_i420(w as usize, h as usize, &mut recon);
        self.stream.extend_from_slice(&au.data);
        self.frames.push(au);
        self.recons.push(recon);
    }
}

/// NAL unit types of an Annex B access unit, in order.
pub fn nal_types(au: &[u8]) -> Vec<u8> {
    let mut types = Vec::new();
    let mut i = 0;
    while i + 3 <= au.len() {
        if au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1 {
            if let Some(&b) = au.get(i + 3) {
                types.push(b & 0x1F);
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    types
}

/// Structural checks of every access unit: a 4-byte start code first, SPS and PPS before the
/// first slice of an IDR, IDR slices exactly in keyframes, increasing indices.
pub fn check_access_units(enc: &Encoded) {
    let mut last_index = None;
    for (i, au) in enc.frames.iter().enumerate() {
        assert!(
            au.data.starts_with(&[0, 0, 0, 1]),
            "frame {i}: access unit must start with 00 00 00 01"
        );
        let types = nal_types(&au.data);
        let first_slice = types.iter().position(|&t| t == 1 || t == 5);
        let first_slice =
            first_slice.unwrap_or_else(|| panic!("frame {i}: no slice NAL in {types:?}"));
        assert_eq!(
            au.keyframe,
            au.frame_type == FrameType::Idr,
            "frame {i}: keyframe vs frame_type"
        );
        if au.keyframe {
            assert!(
                types[..first_slice].contains(&7),
                "frame {i}: IDR without SPS before its slice: {types:?}"
            );
            assert!(
                types[..first_slice].contains(&8),
                "frame {i}: IDR without PPS before its slice: {types:?}"
            );
            assert!(
                types.iter().all(|&t| t != 1),
                "frame {i}: IDR access unit with a non-IDR slice: {types:?}"
            );
        } else {
            assert!(
                types.iter().all(|&t| t != 5),
                "frame {i}: P access unit with an IDR slice: {types:?}"
            );
        }
        assert!(au.qp <= 51, "frame {i}: qp {}", au.qp);
        if let Some(last) = last_index {
            assert!(
                au.index > last,
                "frame {i}: index {} after {last}",
                au.index
            );
        }
        last_index = Some(au.index);
    }
}

/// Decodes `enc.stream` with ffmpeg and checks the frame count and every frame bit-exactly
/// against the reconstructions. Returns `false` (after a notice) when ffmpeg is missing.
///
/// The stream is first decoded in-process by openh264 too ([`check_with_openh264`]), so every
/// stream of every test is checked by two independent decoders.
pub fn check_with_ffmpeg(enc: &Encoded) -> bool {
    check_with_openh264(enc);
    if ffmpeg().is_none() {
        return false;
    }
    let (w, h) = enc.size;
    let decoded = ffmpeg_decode(&enc.stream, w, h);
    assert_eq!(
        decoded.len(),
        enc.recons.len(),
        "ffmpeg decoded {} frames from a stream of {} access units",
        decoded.len(),
        enc.recons.len()
    );
    for (i, (d, r)) in decoded.iter().zip(&enc.recons).enumerate() {
        assert_recon_matches(d, r, w, h, i);
    }
    true
}

/// Decodes `enc.stream` in-process with openh264 (the second, independent decoder) and checks
/// the picture count and every picture bit-exactly against the reconstructions.
///
/// # Panics
/// On a decoding error or any disagreement, with openh264's or the comparison's message.
pub fn check_with_openh264(enc: &Encoded) {
    let (w, h) = enc.size;
    if let Err(e) = oh264::compare_openh264(&enc.stream, &enc.recons, w, h) {
        panic!("{e}");
    }
}

/// `n` frames of `pattern`, each with its own seed (so frames differ where the pattern can).
pub fn pattern_frames(pattern: Pattern, w: u32, h: u32, n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| pattern.generate(w, h, 1000 + i as u64))
        .collect()
}

/// A constant-QP configuration with an IDR on every frame.
pub fn intra_config(w: u32, h: u32, qp: u8) -> Config {
    let mut cfg = Config::new(w, h);
    cfg.qp = Some(qp);
    cfg.gop = 1;
    cfg
}

/// One case of a test matrix.
pub struct Case {
    /// Shown on failure.
    pub name: String,
    /// The encoder configuration.
    pub cfg: Config,
    /// The frames (contiguous NV12).
    pub frames: Vec<Vec<u8>>,
}

impl Case {
    /// An intra-only case: `n` frames of `pattern` at `qp`.
    pub fn intra(pattern: Pattern, w: u32, h: u32, qp: u8, n: usize) -> Self {
        Case {
            name: format!("{w}x{h} {} qp{qp}", pattern.name()),
            cfg: intra_config(w, h, qp),
            frames: pattern_frames(pattern, w, h, n),
        }
    }
}

/// Encodes `case`, checks the access units, the constant QP and the keyframes, then decodes
/// with ffmpeg and compares every frame. Returns the run (for further checks).
pub fn run_case(case: &Case) -> Encoded {
    let enc = encode_frames(&case.cfg, &case.frames, |_| false);
    assert_eq!(
        enc.frames.len(),
        case.frames.len(),
        "one access unit per frame (1-in-1-out)"
    );
    check_access_units(&enc);
    if let Some(qp) = case.cfg.constant_qp() {
        for (i, f) in enc.frames.iter().enumerate() {
            assert_eq!(
                f.qp, qp,
                "frame {i}: constant-QP stream with slice QP {}",
                f.qp
            );
        }
    }
    if case.cfg.gop == 1 {
        assert!(
            enc.frames.iter().all(|f| f.keyframe),
            "gop 1: every frame must be an IDR"
        );
    }
    assert!(
        enc.frames.first().is_none_or(|f| f.keyframe),
        "the first frame must be an IDR"
    );
    check_with_ffmpeg(&enc);
    enc
}

/// Runs every case, even after failures, then fails listing every case that failed (each
/// failure's own message is printed as it happens). Without ffmpeg (outside CI, see
/// [`ffmpeg`]) every case is still encoded, its access units checked and its stream decoded and
/// compared by openh264; only the ffmpeg decode is skipped.
pub fn run_matrix(cases: impl IntoIterator<Item = Case>) {
    // Once, outside the per-case `catch_unwind`: in CI a missing ffmpeg fails here, once.
    ffmpeg();
    let mut failed = Vec::new();
    let mut total = 0;
    for case in cases {
        total += 1;
        let r = panic::catch_unwind(AssertUnwindSafe(|| {
            run_case(&case);
        }));
        if r.is_err() {
            eprintln!("FAILED case: {}", case.name);
            failed.push(case.name);
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {total} cases failed:\n  {}",
        failed.len(),
        failed.join("\n  ")
    );
}
