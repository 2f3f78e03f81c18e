//! WebCodecs conformance: rtenc's streams decoded by headless Chromium's `VideoDecoder`, the way
//! pdum.rfb's client decodes them.
//!
//! Every case encodes synthetic content with rtenc, keeping `Encoder::recon()` of every frame,
//! and serves the access units to `pages/webcodecs.html`, which submits one `EncodedVideoChunk`
//! per access unit (`key` for IDRs, timestamps `i * 1e6 / fps` us) to a `VideoDecoder`
//! configured with `{codec: Encoder::codec_string(), codedWidth, codedHeight,
//! optimizeForLatency: true}` and no `description` (Annex B), and waits for each frame before
//! submitting the next chunk. Each decoded `VideoFrame` is copied out with `copyTo` (in the
//! format it reports) and uploaded back to the test, which asserts:
//!
//! - `VideoDecoder.isConfigSupported` accepts the codec string;
//! - no error; one output frame per chunk, in order, with the chunk's timestamp;
//! - no decoder delay: frame i arrives before chunk i+1 is submitted (bounded wait), and
//!   `flush()` has nothing left to output;
//! - the frame's visible rect and display size are the configured size (cropping honoured) and
//!   its colour space is BT.601 (SMPTE 170M) limited range, as the VUI says;
//! - every decoded sample equals rtenc's reconstruction: exactly, no tolerance.
//!
//! The colour test draws a decoded frame of RGB patches to a canvas and compares the canvas
//! with the original RGB.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use rtenc::color::{rgb_to_nv12, ChromaSiting, PixelLayout};
use rtenc::{Config, Encoder, Nv12Frame, Preset};
use rtenc_browser::{Browser, EncodedStream, Page, Server, Value};
use rtenc_synth::DemoScene;

// rtenc's own decoder harness (ffmpeg, strict, and openh264 in-process), shared with its
// integration tests, so every stream here is checked by all three decoders.
#[path = "../../rtenc/tests/common/mod.rs"]
mod common;

/// How long the page waits for each frame before counting it as held back by the decoder.
const FRAME_TIMEOUT_MS: u64 = 10_000;
/// Bound on one case in the page.
const CASE_TIMEOUT: Duration = Duration::from_secs(180);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Content {
    /// The animated demo scene.
    Demo,
    /// The demo scene's first frame, repeated.
    Static,
    /// A large landscape panned by 46 px right and 30 px down per frame (beyond the motion
    /// search range), wrapping around.
    FastMotion,
    /// Flat RGB patches ([`patch_colours`]) converted with `rgb_to_nv12`.
    Patches,
}

#[derive(Debug, Clone)]
struct Case {
    name: &'static str,
    width: u32,
    height: u32,
    fps: f64,
    /// Fixed QP, or `None` for rate control at `bitrate`.
    qp: Option<u8>,
    bitrate: u32,
    gop: u32,
    frames: usize,
    content: Content,
    /// Frames encoded with `force_idr`.
    force_idr: Vec<usize>,
    /// Submit chunks up to and including this one, then `reset()` + `configure()` and go on
    /// from the next IDR.
    reset_after: Option<usize>,
    /// The codec string the encoder must report (checks the level), if given.
    expect_codec: Option<&'static str>,
    /// Also draw every frame to a canvas and upload its pixels.
    canvas: bool,
    /// Chunks the page submits before it waits for frames (1 except to test the delay check).
    batch: usize,
    /// Damage this frame's access unit after encoding (to test that the checks can fail).
    corrupt: Option<usize>,
    /// Encoder threads: one slice each.
    threads: u32,
    preset: Preset,
    /// `Config::intra_refresh`: one IDR (plus the forced ones), then a column of intra
    /// macroblocks sweeping the picture every `gop` frames, each sweep opened by a recovery
    /// point SEI (checked before decoding, see [`check_refresh_structure`]).
    intra_refresh: bool,
}

impl Case {
    fn new(name: &'static str, width: u32, height: u32, frames: usize, content: Content) -> Self {
        Case {
            name,
            width,
            height,
            fps: 30.0,
            qp: Some(26),
            bitrate: 0,
            gop: 30,
            frames,
            content,
            force_idr: Vec::new(),
            reset_after: None,
            expect_codec: None,
            canvas: false,
            batch: 1,
            corrupt: None,
            threads: 1,
            preset: Preset::default(),
            intra_refresh: false,
        }
    }
    fn fps(mut self, fps: f64) -> Self {
        self.fps = fps;
        self
    }
    fn qp(mut self, qp: u8) -> Self {
        self.qp = Some(qp);
        self.bitrate = 0;
        self
    }
    fn bitrate(mut self, bps: u32) -> Self {
        self.qp = None;
        self.bitrate = bps;
        self
    }
    fn gop(mut self, gop: u32) -> Self {
        self.gop = gop;
        self
    }
    fn force_idr(mut self, at: &[usize]) -> Self {
        self.force_idr = at.to_vec();
        self
    }
    fn reset_after(mut self, at: usize) -> Self {
        self.reset_after = Some(at);
        self
    }
    fn expect_codec(mut self, codec: &'static str) -> Self {
        self.expect_codec = Some(codec);
        self
    }
    /// `n` threads, so `n` slices per picture.
    fn threads(mut self, n: u32) -> Self {
        self.threads = n;
        self
    }
    fn preset(mut self, preset: Preset) -> Self {
        self.preset = preset;
        self
    }
    /// Intra refresh with a sweep of `gop` frames (see [`Case::gop`]).
    fn intra_refresh(mut self) -> Self {
        self.intra_refresh = true;
        self
    }
    fn batch(mut self, n: usize) -> Self {
        self.batch = n;
        self
    }
    fn corrupt(mut self, frame: usize) -> Self {
        self.corrupt = Some(frame);
        self
    }
    fn canvas(mut self) -> Self {
        self.canvas = true;
        self
    }
}

/// What rtenc produced for a case.
struct Encoded {
    stream: EncodedStream,
    /// The reconstruction of every frame: the visible area as planar I420.
    recon: Vec<Vec<u8>>,
    codec: String,
    /// The source pictures as RGB, for [`Content::Patches`].
    rgb: Option<Vec<u8>>,
}

/// Colours of the patch test: primaries, secondaries, greys, the range extremes, and a spread
/// of mid-tones (skin, sky, foliage ...).
fn patch_colours() -> Vec<[u8; 3]> {
    let mut c = vec![
        [0, 0, 0],
        [255, 255, 255],
        [128, 128, 128],
        [64, 64, 64],
        [192, 192, 192],
        [255, 0, 0],
        [0, 255, 0],
        [0, 0, 255],
        [255, 255, 0],
        [0, 255, 255],
        [255, 0, 255],
        [128, 0, 0],
        [0, 128, 0],
        [0, 0, 128],
        [224, 172, 105],
        [141, 85, 36],
        [135, 206, 235],
        [34, 139, 34],
        [255, 165, 0],
        [75, 0, 130],
        [240, 128, 128],
        [32, 178, 170],
        [200, 30, 60],
        [20, 40, 200],
    ];
    // A deterministic spread of other colours.
    let mut s = 0x2545_f491u32;
    while c.len() < 48 {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        let b = s.to_le_bytes();
        c.push([b[0], b[1], b[2]]);
    }
    c
}

/// Patches of 40x40 pixels, 8 per row.
const PATCH: usize = 40;

/// An RGB picture of the patches (row-major, 8 per row), `w` x `h` (multiples of 40).
fn patch_picture(w: usize, h: usize) -> Vec<u8> {
    let colours = patch_colours();
    let per_row = w / PATCH;
    let mut rgb = vec![0u8; w * h * 3];
    for y in 0..h {
        for x in 0..w {
            let i = (y / PATCH) * per_row + x / PATCH;
            rgb[(y * w + x) * 3..][..3].copy_from_slice(&colours[i % colours.len()]);
        }
    }
    rgb
}

/// Crops an NV12 window at (x, y) (even) out of a larger NV12 picture of `bw` x `bh`.
fn crop_nv12(big: &[u8], bw: usize, bh: usize, x: usize, y: usize, w: usize, h: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(w * h * 3 / 2);
    for r in 0..h {
        out.extend_from_slice(&big[(y + r) * bw + x..][..w]);
    }
    let uv = &big[bw * bh..];
    for r in 0..h / 2 {
        out.extend_from_slice(&uv[(y / 2 + r) * bw + x..][..w]);
    }
    out
}

fn encode(case: &Case) -> Encoded {
    let (w, h) = (case.width, case.height);
    let mut cfg = Config::new(w, h);
    cfg.fps = case.fps;
    cfg.gop = case.gop;
    cfg.qp = case.qp;
    cfg.bitrate = case.bitrate;
    cfg.threads = case.threads;
    cfg.preset = case.preset;
    cfg.intra_refresh = case.intra_refresh;
    let mut enc = Encoder::new(cfg).unwrap_or_else(|e| panic!("{}: encoder: {e}", case.name));
    let (wu, hu) = (w as usize, h as usize);
    let mut rgb = None;
    let source: Box<dyn Fn(usize) -> Vec<u8>> = match case.content {
        Content::Demo => {
            let scene = DemoScene::new(w, h).with_fps(case.fps);
            Box::new(move |i| scene.frame(i as u64))
        }
        Content::Static => {
            let f = DemoScene::new(w, h).frame(0);
            Box::new(move |_| f.clone())
        }
        Content::FastMotion => {
            let (bw, bh) = (2 * wu, 2 * hu);
            let big = rtenc_synth::natural(bw as u32, bh as u32, 7);
            Box::new(move |i| {
                let (x, y) = ((i * 46) % wu, (i * 30) % hu);
                crop_nv12(&big, bw, bh, x, y, wu, hu)
            })
        }
        Content::Patches => {
            let pic = patch_picture(wu, hu);
            let mut nv12 = vec![0u8; wu * hu * 3 / 2];
            rgb_to_nv12(
                &pic,
                wu,
                hu,
                wu * 3,
                PixelLayout::Rgb,
                ChromaSiting::Average,
                &mut nv12,
            )
            .unwrap();
            rgb = Some(pic);
            Box::new(move |_| nv12.clone())
        }
    };
    let mut stream = EncodedStream::new(case.fps);
    let mut recon = Vec::with_capacity(case.frames);
    for i in 0..case.frames {
        let buf = source(i);
        let frame = Nv12Frame::from_contiguous(&buf, w, h).unwrap();
        let au = enc
            .encode(&frame, case.force_idr.contains(&i))
            .unwrap_or_else(|e| panic!("{}: encoding frame {i}: {e}", case.name));
        let mut data = au.data;
        if case.corrupt == Some(i) {
            // Flip bits in the middle of the slice data (past the headers).
            let (mid, len) = (data.len() / 2, data.len());
            for b in &mut data[mid..(mid + 16).min(len)] {
                *b ^= 0x5A;
            }
        }
        stream.push(&data, au.keyframe);
        let mut r = Vec::new();
        enc.recon().write_i420(wu, hu, &mut r);
        recon.push(r);
    }
    Encoded {
        stream,
        recon,
        codec: enc.codec_string(),
        rgb,
    }
}

/// The same stream decoded by the two other decoders: openh264 (in-process) and ffmpeg
/// (`-err_detect explode`; missing: a notice, or a failure under `CI=true`). Every picture must
/// equal the reconstruction, as in Chromium.
fn other_decoders_agree(case: &Case, enc: &Encoded) -> Result<&'static str, String> {
    let (w, h) = (case.width, case.height);
    common::oh264::compare_openh264(enc.stream.data(), &enc.recon, w, h)?;
    if common::ffmpeg().is_none() {
        return Ok("openh264 agrees (no ffmpeg)");
    }
    let decoded = common::ffmpeg_decode(enc.stream.data(), w, h);
    if decoded.len() != enc.recon.len() {
        return Err(format!(
            "ffmpeg decoded {} frames of {}",
            decoded.len(),
            enc.recon.len()
        ));
    }
    for (i, (d, r)) in decoded.iter().zip(&enc.recon).enumerate() {
        if let Some(diff) = common::oh264::first_difference(d, r, w, h) {
            return Err(format!(
                "frame {i}: ffmpeg's picture differs from the reconstruction:{diff}"
            ));
        }
    }
    Ok("ffmpeg and openh264 agree")
}

/// An intra refresh stream's structure, so that its case decodes what it claims to: IDRs
/// (`key` chunks) exactly at frame 0 and the forced frames, and an SEI (the recovery point) first
/// in exactly the frames that open a sweep: every `gop`-th P frame after an IDR, counting from
/// the first. (rtenc's own intra_refresh test parses the recovery points themselves.)
fn check_refresh_structure(case: &Case, enc: &Encoded) -> Result<(), String> {
    let data = enc.stream.data();
    let mut since_idr = 0;
    for (i, c) in enc.stream.chunks().iter().enumerate() {
        let idr = i == 0 || case.force_idr.contains(&i);
        if c.key != idr {
            return Err(format!(
                "frame {i}: key {} with intra refresh (IDRs only at 0 and {:?})",
                c.key, case.force_idr
            ));
        }
        let types = common::nal_types(&data[c.offset..c.offset + c.len]);
        let sweep_start = !idr && since_idr % case.gop == 0;
        if types.contains(&6) != sweep_start || (sweep_start && types[0] != 6) {
            return Err(format!(
                "frame {i}: NAL unit types {types:?}; a recovery point SEI (6) first {}",
                if sweep_start {
                    "expected"
                } else {
                    "not expected"
                }
            ));
        }
        since_idr = if idr { 0 } else { since_idr + 1 };
    }
    Ok(())
}

/// The chunks the page submits, in order, with "reset" where the decoder is reset.
fn steps(case: &Case, enc: &Encoded) -> Vec<Value> {
    let n = case.frames;
    match case.reset_after {
        None => (0..n).map(Value::from).collect(),
        Some(k) => {
            let next_idr = (k + 1..n)
                .find(|&i| enc.stream.chunks()[i].key)
                .unwrap_or_else(|| panic!("{}: no IDR after frame {k} to resume from", case.name));
            let mut v: Vec<Value> = (0..=k).map(Value::from).collect();
            v.push(Value::from("reset"));
            v.extend((next_idr..n).map(Value::from));
            v
        }
    }
}

/// One browser, one server, one page for a test's cases.
struct Harness {
    browser: Browser,
    server: Server,
    page: Page,
}

impl Harness {
    /// `None` when Chromium is missing outside CI (see `Browser::launch_for_test`).
    fn new() -> Option<Harness> {
        let browser = Browser::launch_for_test()?;
        let server = Server::start().expect("start the loopback server");
        server.put(
            "/webcodecs.html",
            "text/html; charset=utf-8",
            include_str!("../pages/webcodecs.html"),
        );
        let page = browser
            .open(&server.url("/webcodecs.html"))
            .expect("open the test page");
        let has = page
            .eval("typeof VideoDecoder", Duration::from_secs(10))
            .unwrap();
        assert_eq!(
            has,
            "function",
            "VideoDecoder missing: WebCodecs needs a secure context (127.0.0.1 is one) in {}",
            browser.version().unwrap_or_default()
        );
        Some(Harness {
            browser,
            server,
            page,
        })
    }

    /// Runs a case that must fail and returns the failure.
    fn run_expecting_failure(&self, case: &Case) -> String {
        match self.run(case) {
            Ok(s) => panic!("{}: expected the checks to fail, but: {s}", case.name),
            Err(e) => {
                eprintln!("{}: failed as expected: {e}", case.name);
                e
            }
        }
    }

    /// Runs every case and panics with all failures (each names its case).
    fn run_all(&self, cases: &[Case]) {
        let mut failures = Vec::new();
        for case in cases {
            let t = Instant::now();
            match self.run(case) {
                Ok(summary) => eprintln!("{}: ok, {summary} ({:.1?})", case.name, t.elapsed()),
                Err(e) => {
                    eprintln!("{}: FAILED ({:.1?})\n{e}", case.name, t.elapsed());
                    failures.push(format!("case {}: {e}", case.name));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} cases failed in {}:\n{}",
            failures.len(),
            cases.len(),
            self.browser.version().unwrap_or_default(),
            failures.join("\n")
        );
    }

    fn run(&self, case: &Case) -> Result<String, String> {
        let t = Instant::now();
        let enc = encode(case);
        let encode_time = t.elapsed();
        if let Some(expect) = case.expect_codec {
            if enc.codec != expect {
                return Err(format!("codec string {} (expected {expect})", enc.codec));
            }
        }
        if case.intra_refresh {
            check_refresh_structure(case, &enc)?;
        }
        let others = if case.corrupt.is_none() {
            other_decoders_agree(case, &enc)?
        } else {
            "not decoded elsewhere (damaged on purpose)"
        };
        let prefix = format!("/case/{}/", case.name);
        let upload = format!("/upload/{}/", case.name);
        enc.stream.publish(&self.server, &prefix);
        let steps = steps(case, &enc);
        let params = serde_json::json!({
            "prefix": prefix,
            "upload": upload,
            "codec": enc.codec,
            "codedWidth": case.width,
            "codedHeight": case.height,
            "steps": steps,
            "frameTimeoutMs": FRAME_TIMEOUT_MS,
            "canvas": case.canvas,
            "batch": case.batch,
        });
        let report = self
            .page
            .eval(&format!("runCase({params})"), CASE_TIMEOUT)
            .map_err(|e| format!("the page failed: {e}"));
        let result = report.and_then(|r| self.check(case, &enc, &r));
        self.server.remove_prefix(&prefix);
        self.server.remove_prefix(&upload);
        result.map(|s| format!("{s}; {others}; encoded in {encode_time:.1?}"))
    }

    /// Checks the page's report and the uploaded frames against the encoder's output.
    fn check(&self, case: &Case, enc: &Encoded, report: &Value) -> Result<String, String> {
        let (w, h) = (case.width as usize, case.height as usize);
        let chunks = enc.stream.chunks();
        if report["config"]["codec"] != enc.codec.as_str() {
            return Err(format!(
                "the page configured {} instead of {}",
                report["config"]["codec"], enc.codec
            ));
        }
        if report["supported"] != true {
            return Err(format!(
                "VideoDecoder.isConfigSupported rejected {}",
                report["config"]
            ));
        }
        let errors = report["errors"].as_array().cloned().unwrap_or_default();
        if !errors.is_empty() {
            return Err(format!("decoder errors: {errors:?}"));
        }
        let submitted: Vec<usize> = report["submitted"]
            .as_array()
            .ok_or("no submitted list")?
            .iter()
            .map(|v| v.as_u64().expect("chunk index") as usize)
            .collect();
        let expected_submitted: Vec<usize> = steps(case, enc)
            .iter()
            .filter_map(|v| v.as_u64().map(|n| n as usize))
            .collect();
        if submitted != expected_submitted {
            return Err(format!(
                "the page submitted chunks {submitted:?}, expected {expected_submitted:?}"
            ));
        }
        let frames = report["frames"].as_array().ok_or("no frames list")?;
        let timeouts = &report["timeouts"];
        if frames.len() != submitted.len()
            || report["flushOutputs"] != 0
            || timeouts != &Value::Array(vec![])
        {
            return Err(format!(
                "{} chunks submitted but {} frames output ({} of them only at flush()); no frame \
                 within {FRAME_TIMEOUT_MS} ms after chunks {timeouts}",
                submitted.len(),
                frames.len(),
                report["flushOutputs"]
            ));
        }
        let mut idrs = 0;
        for (k, f) in frames.iter().enumerate() {
            let chunk = submitted[k];
            let what = format!("frame {k} (chunk {chunk})");
            if f["submittedBefore"] != k + 1 {
                return Err(format!(
                    "{what}: decoder delay: it was output after {} chunks had been submitted, \
                     expected {} (1-in-1-out)",
                    f["submittedBefore"],
                    k + 1
                ));
            }
            if f["timestamp"] != chunks[chunk].timestamp_us {
                return Err(format!(
                    "{what}: timestamp {} but the chunk's is {} (frames out of order?)",
                    f["timestamp"], chunks[chunk].timestamp_us
                ));
            }
            let rect = &f["visibleRect"];
            if rect != &serde_json::json!({"x": 0, "y": 0, "width": w, "height": h})
                || f["displayWidth"] != w
                || f["displayHeight"] != h
            {
                return Err(format!(
                    "{what}: visible rect {rect}, display {}x{}, expected {w}x{h} at (0, 0)",
                    f["displayWidth"], f["displayHeight"]
                ));
            }
            let cs = &f["colorSpace"];
            let want_cs = serde_json::json!({
                "primaries": "smpte170m", "transfer": "smpte170m",
                "matrix": "smpte170m", "fullRange": false
            });
            if cs != &want_cs {
                return Err(format!(
                    "{what}: colour space {cs}, expected {want_cs} (the VUI's BT.601 limited range)"
                ));
            }
            let path = format!("/upload/{}/yuv/{k}", case.name);
            let raw = self
                .server
                .take_upload(&path)
                .ok_or_else(|| format!("{what}: the page uploaded no pixels to {path}"))?;
            let i420 = to_i420(&raw, f, w, h).map_err(|e| format!("{what}: {e}"))?;
            compare_i420(&i420, &enc.recon[chunk], w, h).map_err(|e| format!("{what}: {e}"))?;
            if chunks[chunk].key {
                idrs += 1;
            }
            if case.canvas {
                let path = format!("/upload/{}/rgba/{k}", case.name);
                let rgba = self
                    .server
                    .take_upload(&path)
                    .ok_or_else(|| format!("{what}: no canvas pixels at {path}"))?;
                let rgb = enc
                    .rgb
                    .as_ref()
                    .expect("canvas cases keep their RGB source");
                check_canvas(&rgba, rgb, &enc.recon[chunk], w, h)
                    .map_err(|e| format!("{what}: {e}"))?;
            }
        }
        Ok(format!(
            "{} frames ({idrs} IDR) decoded exactly, {}, format {}, {} bytes",
            frames.len(),
            enc.codec,
            frames[0]["format"],
            enc.stream.data().len()
        ))
    }
}

/// Converts the bytes `VideoFrame.copyTo` wrote (visible rect, the frame's format and the plane
/// layout it returned) to tightly packed planar I420.
fn to_i420(raw: &[u8], frame: &Value, w: usize, h: usize) -> Result<Vec<u8>, String> {
    let format = frame["format"].as_str().unwrap_or("null");
    let layout: Vec<(usize, usize)> = frame["layout"]
        .as_array()
        .ok_or_else(|| format!("no plane layout from copyTo (format {format})"))?
        .iter()
        .map(|p| {
            (
                p["offset"].as_u64().unwrap_or(0) as usize,
                p["stride"].as_u64().unwrap_or(0) as usize,
            )
        })
        .collect();
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let mut out = Vec::with_capacity(w * h + 2 * cw * ch);
    let plane = |out: &mut Vec<u8>,
                 (off, stride): (usize, usize),
                 pw: usize,
                 ph: usize,
                 step: usize,
                 first: usize| {
        for y in 0..ph {
            let row = raw
                .get(off + y * stride..)
                .ok_or_else(|| format!("copyTo output too short ({} bytes)", raw.len()))?;
            if row.len() < (pw - 1) * step + first + 1 {
                return Err(format!("copyTo output too short ({} bytes)", raw.len()));
            }
            out.extend((0..pw).map(|x| row[x * step + first]));
        }
        Ok(())
    };
    match (format, layout.len()) {
        ("I420" | "I420A", n) if n >= 3 => {
            plane(&mut out, layout[0], w, h, 1, 0)?;
            plane(&mut out, layout[1], cw, ch, 1, 0)?;
            plane(&mut out, layout[2], cw, ch, 1, 0)?;
        }
        ("NV12", 2) => {
            plane(&mut out, layout[0], w, h, 1, 0)?;
            plane(&mut out, layout[1], cw, ch, 2, 0)?;
            plane(&mut out, layout[1], cw, ch, 2, 1)?;
        }
        _ => {
            return Err(format!(
                "decoded frame has format {format} with {} planes; expected 8-bit 4:2:0 (I420 or \
                 NV12)",
                layout.len()
            ))
        }
    }
    Ok(out)
}

/// Exact comparison of two I420 pictures; the error names the plane, the first differing
/// position, both values, the macroblock and how many samples differ.
fn compare_i420(decoded: &[u8], recon: &[u8], w: usize, h: usize) -> Result<(), String> {
    if decoded == recon {
        return Ok(());
    }
    let (cw, ch) = (w / 2, h / 2);
    let mut msg = String::from("decoded pixels differ from rtenc's reconstruction");
    for (name, off, pw, ph, mb) in [
        ("Y", 0, w, h, 16),
        ("U", w * h, cw, ch, 8),
        ("V", w * h + cw * ch, cw, ch, 8),
    ] {
        let d = &decoded[off..off + pw * ph];
        let r = &recon[off..off + pw * ph];
        let diff = d.iter().zip(r).filter(|(a, b)| a != b).count();
        if diff == 0 {
            continue;
        }
        let i = d
            .iter()
            .zip(r)
            .position(|(a, b)| a != b)
            .expect("a difference");
        let max = d
            .iter()
            .zip(r)
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap_or(0);
        let (x, y) = (i % pw, i / pw);
        let _ = write!(
            msg,
            "\n  plane {name}: {diff} of {} samples differ (max by {max}); first at (x={x}, \
             y={y}): Chromium {} vs recon {}, macroblock ({}, {})",
            pw * ph,
            d[i],
            r[i],
            x / mb,
            y / mb
        );
    }
    Err(msg)
}

/// RGB from limited-range Y'CbCr with the given Kr, Kb (BT.601: 0.299, 0.114; BT.709: 0.2126,
/// 0.0722), or full range.
fn ycbcr_to_rgb(y: u8, cb: u8, cr: u8, kr: f64, kb: f64, full: bool) -> [f64; 3] {
    let (yy, pb, pr) = if full {
        (f64::from(y), f64::from(cb) - 128.0, f64::from(cr) - 128.0)
    } else {
        (
            (f64::from(y) - 16.0) * 255.0 / 219.0,
            (f64::from(cb) - 128.0) * 255.0 / 224.0,
            (f64::from(cr) - 128.0) * 255.0 / 224.0,
        )
    };
    let kg = 1.0 - kr - kb;
    let r = yy + 2.0 * (1.0 - kr) * pr;
    let b = yy + 2.0 * (1.0 - kb) * pb;
    let g = (yy - kr * r - kb * b) / kg;
    [r, g, b].map(|v| v.clamp(0.0, 255.0))
}

/// How far (per channel, 0..255) the canvas may be from the original RGB inside a patch.
///
/// Two known errors add up, neither of them rtenc's: the 8-bit round trip RGB -> Y'CbCr -> RGB
/// (a Cb step of 1 is 2 in B; measured: up to 3 with QP 12), and Chromium's YUV -> RGB
/// conversion (libyuv fixed point, whose blue coefficient is capped at 2.0 instead of 2.018:
/// saturated blue comes out at 253 instead of 255; measured: at most 2 from an exact BT.601
/// conversion of the decoded samples). A wrong interpretation misses by far more: BT.709 by
/// about 40, full range by about 20 on these patches (asserted below).
const CANVAS_TOLERANCE: u8 = 4;
/// Pixels left out at each patch edge (chroma upsampling blends across edges).
const PATCH_MARGIN: usize = 6;

/// Checks the canvas the decoded frame was drawn to: inside every patch each pixel is within
/// [`CANVAS_TOLERANCE`] of the original RGB. Also checks that the patches tell BT.601 limited
/// range apart from the likely mistakes (BT.709 matrix, full range): decoding the same samples
/// those ways must miss the original by more than the tolerance.
fn check_canvas(rgba: &[u8], rgb: &[u8], recon: &[u8], w: usize, h: usize) -> Result<(), String> {
    if rgba.len() != w * h * 4 {
        return Err(format!(
            "canvas has {} bytes, expected {}",
            rgba.len(),
            w * h * 4
        ));
    }
    let per_row = w / PATCH;
    let mut worst = (0u8, String::new());
    let mut wrong_709 = 0f64;
    let mut wrong_full = 0f64;
    // The canvas against an exact BT.601 limited-range conversion of the decoded samples:
    // Chromium's own YUV to RGB conversion error, without the RGB -> YUV -> RGB round trip.
    let mut vs_exact = (0f64, String::new());
    for py in 0..h / PATCH {
        for px in 0..per_row {
            let (x0, y0) = (px * PATCH, py * PATCH);
            for y in y0 + PATCH_MARGIN..y0 + PATCH - PATCH_MARGIN {
                for x in x0 + PATCH_MARGIN..x0 + PATCH - PATCH_MARGIN {
                    let want = &rgb[(y * w + x) * 3..][..3];
                    let got = &rgba[(y * w + x) * 4..][..3];
                    for c in 0..3 {
                        let d = want[c].abs_diff(got[c]);
                        if d > worst.0 {
                            worst = (
                                d,
                                format!(
                                    "patch ({px}, {py}) pixel (x={x}, y={y}): canvas RGB {got:?}, \
                                     original {want:?}"
                                ),
                            );
                        }
                    }
                    let yv = recon[y * w + x];
                    let cb = recon[w * h + (y / 2) * (w / 2) + x / 2];
                    let cr = recon[w * h + (w / 2) * (h / 2) + (y / 2) * (w / 2) + x / 2];
                    let exact = ycbcr_to_rgb(yv, cb, cr, 0.299, 0.114, false);
                    for c in 0..3 {
                        let d = (exact[c] - f64::from(got[c])).abs();
                        if d > vs_exact.0 {
                            vs_exact = (
                                d,
                                format!("(x={x}, y={y}) YCbCr ({yv}, {cb}, {cr}) exact {exact:.1?} canvas {got:?}"),
                            );
                        }
                    }
                    let as709 = ycbcr_to_rgb(yv, cb, cr, 0.2126, 0.0722, false);
                    let asfull = ycbcr_to_rgb(yv, cb, cr, 0.299, 0.114, true);
                    for c in 0..3 {
                        let o = f64::from(want[c]);
                        wrong_709 = wrong_709.max((as709[c] - o).abs());
                        wrong_full = wrong_full.max((asfull[c] - o).abs());
                    }
                }
            }
        }
    }
    if worst.0 > CANVAS_TOLERANCE {
        return Err(format!(
            "canvas colour off by {} (> {CANVAS_TOLERANCE}): {}",
            worst.0, worst.1
        ));
    }
    let tol = f64::from(CANVAS_TOLERANCE);
    if wrong_709 <= 2.0 * tol || wrong_full <= 2.0 * tol {
        return Err(format!(
            "the patches cannot tell BT.601 limited range from a mistake: decoded as BT.709 they \
             miss by {wrong_709:.1}, as full range by {wrong_full:.1} (tolerance {tol})"
        ));
    }
    eprintln!(
        "canvas: worst channel error {} ({}); BT.709 would miss by {wrong_709:.0}, full range \
         by {wrong_full:.0}; canvas vs exact BT.601 conversion of the decoded samples: {:.2} at {}",
        worst.0, worst.1, vs_exact.0, vs_exact.1
    );
    Ok(())
}

#[test]
fn small_sizes_qp_and_bitrate() {
    let Some(h) = Harness::new() else { return };
    h.run_all(&[
        // 40 frames with gop 30: an IDR at 0 and at 30.
        Case::new("320x240_qp26_gop30", 320, 240, 40, Content::Demo).gop(30),
        // 642x362 is coded as 656x368 and cropped.
        Case::new("642x362_crop_bitrate", 642, 362, 20, Content::Demo).bitrate(600_000),
        Case::new("642x362_crop_qp40", 642, 362, 10, Content::Demo).qp(40),
    ]);
}

#[test]
fn hd_at_30_and_60_fps() {
    let Some(h) = Harness::new() else { return };
    h.run_all(&[
        Case::new("1280x720_qp28", 1280, 720, 15, Content::Demo).qp(28),
        Case::new("1920x1080_30fps_bitrate", 1920, 1080, 10, Content::Demo)
            .bitrate(4_000_000)
            .expect_codec("avc1.42C028"),
        Case::new("1920x1080_60fps_qp", 1920, 1080, 10, Content::Demo)
            .fps(60.0)
            .qp(30)
            .expect_codec("avc1.42C02A"),
        // Four slices per picture (threads) and the partition search (16x8, 8x16, 8x8).
        Case::new("1280x720_4_slices_quality", 1280, 720, 10, Content::Demo)
            .threads(4)
            .preset(Preset::Medium)
            .bitrate(2_000_000),
    ]);
}

#[test]
fn every_preset() {
    // One case per point of the speed ladder, on the demo scene under rate control.
    let Some(h) = Harness::new() else { return };
    let names = [
        "640x360_ultrafast",
        "640x360_superfast",
        "640x360_veryfast",
        "640x360_faster",
        "640x360_fast",
        "640x360_medium",
    ];
    let cases: Vec<Case> = Preset::ALL
        .into_iter()
        .zip(names)
        .map(|(p, name)| {
            assert!(name.ends_with(p.name()));
            Case::new(name, 640, 360, 12, Content::Demo)
                .preset(p)
                .bitrate(800_000)
        })
        .collect();
    h.run_all(&cases);
}

#[test]
fn uhd_level_5_1() {
    let Some(h) = Harness::new() else { return };
    h.run_all(&[
        Case::new("3840x2160_level_5_1", 3840, 2160, 4, Content::Demo)
            .qp(32)
            .threads(2)
            .expect_codec("avc1.42C033"),
    ]);
}

#[test]
fn keyframes_and_decoder_reset() {
    let Some(h) = Harness::new() else { return };
    h.run_all(&[
        // gop 30 plus forced IDRs mid-stream, two in a row among them.
        Case::new("forced_idrs_gop30", 480, 272, 40, Content::Demo)
            .gop(30)
            .force_idr(&[7, 8, 19]),
        // reset() + configure() after frame 5, then resume from the forced IDR at 12 (6..11 are
        // never submitted).
        Case::new("reset_resume_at_next_idr", 480, 272, 20, Content::Demo)
            .gop(0)
            .force_idr(&[12])
            .reset_after(5)
            .bitrate(500_000),
    ]);
}

/// Intra refresh (issue 20): no keyframe after the first (unless forced), a column of intra
/// macroblocks sweeping the picture every 10 frames, each sweep opened by a recovery point SEI.
/// Chromium decodes every frame from the start, exactly: the intra column in the middle of
/// P slices, inter macroblocks next to it (motion vector prediction from intra neighbours, motion
/// limited to the refreshed area), the column's top-right neighbours not yet refreshed.
#[test]
fn intra_refresh_cycles() {
    let Some(h) = Harness::new() else { return };
    h.run_all(&[
        // Three sweeps of 10 frames after the IDR, on the moving demo scene, rate controlled.
        Case::new("intra_refresh_1280x720", 1280, 720, 31, Content::Demo)
            .gop(10)
            .intra_refresh()
            .bitrate(2_000_000),
        // Two slices per picture (2 threads) on a fast pan (motion beyond the search range),
        // two sweeps and a half.
        Case::new(
            "intra_refresh_2_slices_fast_motion",
            640,
            360,
            26,
            Content::FastMotion,
        )
        .gop(10)
        .intra_refresh()
        .threads(2)
        .qp(28),
        // An IDR forced in the middle of a sweep (frame 15, sweep frame 4): a new sweep starts
        // at the frame after it.
        Case::new("intra_refresh_forced_idr", 640, 360, 32, Content::Demo)
            .gop(10)
            .intra_refresh()
            .force_idr(&[15]),
    ]);
}

#[test]
fn static_content_and_fast_motion() {
    let Some(h) = Harness::new() else { return };
    h.run_all(&[
        Case::new("static_content", 640, 360, 30, Content::Static).qp(24),
        Case::new("fast_motion_bitrate", 640, 360, 20, Content::FastMotion).bitrate(1_500_000),
        Case::new("fast_motion_qp", 640, 360, 12, Content::FastMotion).qp(20),
    ]);
}

#[test]
fn colour_patches_bt601_limited_range_on_canvas() {
    let Some(h) = Harness::new() else { return };
    h.run_all(&[
        // An IDR and two P frames of the same picture, each drawn to a canvas.
        Case::new("colour_patches", 320, 240, 3, Content::Patches)
            .qp(12)
            .canvas(),
    ]);
}

/// The checks themselves can fail: a page that submits chunks ahead sees frames "late", and a
/// damaged access unit is caught (as a decoder error or as pixels that differ from the
/// reconstruction).
#[test]
fn the_checks_catch_delay_and_corruption() {
    let Some(h) = Harness::new() else { return };
    let e = h.run_expecting_failure(
        &Case::new("submitted_in_threes", 320, 240, 9, Content::Demo).batch(3),
    );
    assert!(e.contains("decoder delay"), "{e}");
    let e = h.run_expecting_failure(
        &Case::new("damaged_p_frame", 320, 240, 8, Content::Demo).corrupt(4),
    );
    assert!(
        e.contains("differ from rtenc's reconstruction") || e.contains("error"),
        "{e}"
    );
    // The same content, undamaged and one chunk at a time, passes.
    h.run_all(&[Case::new("undamaged", 320, 240, 9, Content::Demo)]);
}

#[test]
fn copy_layouts_are_converted() {
    // 4x2 picture, NV12 with padded strides, as copyTo may lay it out.
    let (w, h) = (4, 2);
    let mut raw = vec![0u8; 64];
    raw[..4].copy_from_slice(&[1, 2, 3, 4]);
    raw[8..12].copy_from_slice(&[5, 6, 7, 8]);
    raw[32..36].copy_from_slice(&[10, 20, 11, 21]);
    let frame = serde_json::json!({
        "format": "NV12",
        "layout": [{"offset": 0, "stride": 8}, {"offset": 32, "stride": 16}]
    });
    assert_eq!(
        to_i420(&raw, &frame, w, h).unwrap(),
        vec![1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 20, 21]
    );
    let frame = serde_json::json!({
        "format": "I420",
        "layout": [{"offset": 0, "stride": 8}, {"offset": 32, "stride": 4}, {"offset": 40, "stride": 4}]
    });
    raw[32..34].copy_from_slice(&[10, 11]);
    raw[40..42].copy_from_slice(&[20, 21]);
    assert_eq!(
        to_i420(&raw, &frame, w, h).unwrap(),
        vec![1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 20, 21]
    );
    let frame = serde_json::json!({"format": "RGBX", "layout": [{"offset": 0, "stride": 16}]});
    assert!(to_i420(&raw, &frame, w, h).unwrap_err().contains("RGBX"));
    let short = serde_json::json!({"format": "I420", "layout": [{"offset": 0, "stride": 8}, {"offset": 60, "stride": 4}, {"offset": 63, "stride": 4}]});
    assert!(to_i420(&raw, &short, w, h)
        .unwrap_err()
        .contains("too short"));
    let recon = vec![1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 20, 21];
    let mut bad = recon.clone();
    bad[10] = 99;
    let e = compare_i420(&bad, &recon, w, h).unwrap_err();
    assert!(
        e.contains("plane V: 1 of 2 samples differ") && e.contains("Chromium 99 vs recon 20"),
        "{e}"
    );
}
