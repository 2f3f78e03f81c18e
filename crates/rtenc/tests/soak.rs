//! Soak: one encoder, 100 000 frames of 320x240 mixed content under rate control (a static
//! desktop with a blinking cursor, moving blocks, full-screen noise bursts, scrolling, a scene cut
//! every 5 s), forced IDRs every 20 s, then 70 000 frames without one (frame_num wraps), then
//! IDRs every 10 s. Checked: resident memory stays flat after warm-up (VmRSS), frame_num and
//! idr_pic_id in every slice header follow the standard's counting and frame_num wraps, the bitrate
//! is stable from one content cycle to the next, the VBV replay never underflows, and the whole
//! stream decodes exactly (every picture's hash equals the reconstruction's) in ffmpeg
//! (`-err_detect explode`) and in openh264.
//!
//! The 100 000-frame test is `#[ignore]`d (minutes); `scripts/test.sh` runs it explicitly. Set
//! `RTENC_SOAK_FRAMES` for a shorter run while working on it.

mod common;

use std::io::{BufWriter, Read, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

use common::oh264::{access_units, decode_openh264_each};
use rtenc::internals::bitstream::parse::{
    access_unit_nals, parse_pps, parse_slice_header, parse_sps,
};
use rtenc::internals::bitstream::parse::{ParsedPps, ParsedSps};
use rtenc::internals::ratecontrol::{initial_fullness, vbv_replay};
use rtenc::{Config, Encoder, Nv12Frame};

const W: u32 = 320;
const H: u32 = 240;
const FPS: f64 = 30.0;
const BITRATE: u32 = 250_000;
/// Frames per content cycle (30 s).
const CYCLE: usize = 900;

/// A fast 64-bit hash of a frame (multiply-xorshift over 8-byte words).
fn hash(data: &[u8]) -> u64 {
    let mut h = 0x9E37_79B9_7F4A_7C15u64 ^ data.len() as u64;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let v = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = (h ^ v).wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        h ^= h >> 29;
    }
    for &b in chunks.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    }
    h
}

/// Resident anonymous memory of this process in bytes (RssAnon: the heap and stacks, where a
/// leak shows; VmRSS also counts file pages of the test binary as they are touched).
fn rss_bytes() -> u64 {
    status_kb("RssAnon:") * 1024
}

/// A field of /proc/self/status in kB.
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"));
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("a number of kB");
    kb
}

/// Frames of each cycle showing a static desktop (a cursor blinks), moving blocks, noise, and
/// scrolling text: mostly cheap content, as in screen sharing, with expensive bursts.
const STATIC: std::ops::Range<usize> = 0..450;
const BLOCKS: std::ops::Range<usize> = 450..810;
const NOISE: std::ops::Range<usize> = 810..825;
const SCROLL: std::ops::Range<usize> = 825..CYCLE;
const PHASES: [&str; 4] = ["static", "moving blocks", "noise", "scrolling"];

/// The content kind (index into [`PHASES`]) of frame `i`.
fn phase(i: usize) -> usize {
    let t = i % CYCLE;
    [&STATIC, &BLOCKS, &NOISE, &SCROLL]
        .iter()
        .position(|r| r.contains(&t))
        .expect("the phases cover the cycle")
}

/// Cheap mixed content over a 30 s cycle, with a scene cut (another background) every 5 s.
struct Content {
    backgrounds: Vec<Vec<u8>>,
    frame: Vec<u8>,
    rng: u64,
}

impl Content {
    fn new() -> Self {
        let mut backgrounds = Vec::new();
        for seed in 0..3 {
            backgrounds.push(rtenc_synth::text_like(W, H, seed));
            backgrounds.push(rtenc_synth::natural(W, H, seed));
        }
        Content {
            backgrounds,
            frame: vec![0; (W * H * 3 / 2) as usize],
            rng: 0x1234_5678,
        }
    }

    fn render(&mut self, i: usize) -> &[u8] {
        let (w, h) = (W as usize, H as usize);
        let bg = &self.backgrounds[(i / 150) % self.backgrounds.len()];
        let t = i % CYCLE;
        match phase(i) {
            // A static desktop with a blinking cursor.
            0 => {
                self.frame.copy_from_slice(bg);
                if (i / 15) % 2 == 1 {
                    for y in 20..32 {
                        self.frame[y * w + 20..y * w + 23].fill(255);
                    }
                }
            }
            // Three blocks moving at different speeds over the background.
            1 => {
                self.frame.copy_from_slice(bg);
                for (k, (vx, vy)) in [(3usize, 1usize), (1, 2), (5, 3)].into_iter().enumerate() {
                    let x0 = (40 * k + vx * t) % (w - 32);
                    let y0 = (30 * k + vy * t) % (h - 32);
                    for y in y0..y0 + 32 {
                        for x in x0..x0 + 32 {
                            self.frame[y * w + x] = (60 * k + 2 * (x - x0) + (y - y0)) as u8;
                        }
                    }
                }
            }
            // A burst of full-screen noise.
            2 => {
                for c in self.frame.chunks_exact_mut(8) {
                    self.rng ^= self.rng << 13;
                    self.rng ^= self.rng >> 7;
                    self.rng ^= self.rng << 17;
                    c.copy_from_slice(&self.rng.to_le_bytes());
                }
            }
            // Vertical scrolling, 2 rows per frame.
            _ => {
                let s = 2 * (t - SCROLL.start);
                for y in 0..h {
                    let src = (y + s) % h;
                    self.frame[y * w..y * w + w].copy_from_slice(&bg[src * w..src * w + w]);
                }
                for y in 0..h / 2 {
                    let src = (y + s / 2) % (h / 2);
                    let (d, o) = (w * h + y * w, w * h + src * w);
                    self.frame[d..d + w].copy_from_slice(&bg[o..o + w]);
                }
            }
        }
        &self.frame
    }
}

/// Checks frame_num and idr_pic_id of every slice header of the stream, as the encoder goes.
#[derive(Default)]
struct HeaderCheck {
    sps: Option<ParsedSps>,
    pps: Option<ParsedPps>,
    frame_num: Option<u32>,
    idr_pic_id: Option<u32>,
    frame_num_wraps: usize,
    idr_pic_id_wraps: usize,
    idrs: usize,
}

impl HeaderCheck {
    fn access_unit(&mut self, i: usize, au: &[u8], keyframe: bool) {
        let mut seen_slice = false;
        for (ref_idc, nal_type, rbsp) in access_unit_nals(au) {
            match nal_type {
                7 => self.sps = Some(parse_sps(&rbsp).expect("SPS parses")),
                8 => {
                    let sps = self.sps.as_ref().expect("SPS before PPS");
                    let _ = sps;
                    self.pps = Some(parse_pps(&rbsp).expect("PPS parses"));
                }
                1 | 5 => {
                    let (sps, pps) = (self.sps.as_ref(), self.pps.as_ref());
                    let (sps, pps) = (sps.expect("SPS first"), pps.expect("PPS first"));
                    let sh = parse_slice_header(&rbsp, nal_type, ref_idc, sps, pps)
                        .unwrap_or_else(|e| panic!("frame {i}: slice header: {e}"));
                    assert_eq!(nal_type == 5, keyframe, "frame {i}: NAL type {nal_type}");
                    if seen_slice {
                        continue; // the other slices repeat the first one's values
                    }
                    seen_slice = true;
                    let max = sps.max_frame_num();
                    if keyframe {
                        assert_eq!(sh.frame_num, 0, "frame {i}: IDR frame_num");
                        let id = sh.idr_pic_id.expect("idr_pic_id in an IDR slice");
                        if let Some(prev) = self.idr_pic_id {
                            assert_eq!(
                                id,
                                (prev + 1) % 65536,
                                "frame {i}: idr_pic_id after {prev}"
                            );
                            self.idr_pic_id_wraps += usize::from(id < prev);
                        }
                        self.idr_pic_id = Some(id);
                        self.idrs += 1;
                    } else {
                        let prev = self.frame_num.expect("a P frame after an IDR");
                        assert_eq!(sh.frame_num, (prev + 1) % max, "frame {i}: frame_num");
                        self.frame_num_wraps += usize::from(sh.frame_num == 0);
                    }
                    self.frame_num = Some(sh.frame_num);
                }
                _ => {}
            }
        }
        assert!(seen_slice, "frame {i}: no slice");
    }
}

/// Decodes the stream file with ffmpeg, reading its raw output through a pipe, and compares
/// each picture's hash with the reconstruction's. Returns false without ffmpeg.
fn ffmpeg_hashes_match(path: &std::path::Path, hashes: &[u64]) -> bool {
    let Some(bin) = common::ffmpeg() else {
        return false;
    };
    let mut child = Command::new(bin)
        .args([
            "-nostdin",
            "-hide_banner",
            "-v",
            "error",
            "-err_detect",
            "explode",
        ])
        .args(["-threads", "1", "-f", "h264", "-i"])
        .arg(path)
        .args([
            "-f",
            "rawvideo",
            "-pix_fmt",
            "yuv420p",
            "-fps_mode",
            "passthrough",
            "-",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ffmpeg");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let errors = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut buf = vec![0u8; (W * H * 3 / 2) as usize];
    let mut n = 0;
    let mut first_bad = None;
    while stdout.read_exact(&mut buf).is_ok() {
        if n < hashes.len() && hash(&buf) != hashes[n] && first_bad.is_none() {
            first_bad = Some(n);
        }
        n += 1;
    }
    let status = child.wait().expect("ffmpeg exit");
    let errors = errors.join().expect("stderr reader");
    // As in common::ffmpeg_decode: only the raw demuxer's invented-dts message is tolerated.
    let errors: Vec<&str> = errors
        .lines()
        .filter(|l| {
            !(l.contains("non monotonically increasing dts to muxer")
                || l.trim_start().starts_with("Last message repeated"))
        })
        .collect();
    assert!(
        status.success() && errors.is_empty(),
        "ffmpeg rejected the soak stream ({status}, kept in {}):\n{}",
        path.display(),
        errors.join("\n")
    );
    assert_eq!(n, hashes.len(), "ffmpeg decoded {n} pictures");
    if let Some(i) = first_bad {
        panic!("frame {i}: ffmpeg's picture differs from the reconstruction (hash)");
    }
    true
}

#[test]
#[ignore = "minutes: run by scripts/test.sh (cargo test -p rtenc --test soak -- --ignored)"]
fn soak_100000_frames_memory_flat_counters_wrap_bitrate_stable_decodes_exactly() {
    let n: usize = std::env::var("RTENC_SOAK_FRAMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut cfg = Config::new(W, H);
    cfg.fps = FPS;
    cfg.bitrate = BITRATE;
    cfg.gop = 0;
    let (idr_until, idr_again) = (n / 5, n * 9 / 10);
    let force_idr = |i: usize| {
        if i < idr_until {
            i.is_multiple_of(600)
        } else {
            i >= idr_again && i.is_multiple_of(300)
        }
    };
    let last_idr_before_gap = (idr_until.max(1) - 1) / 600 * 600;
    let expect_frame_num_wrap = idr_again.min(n) - last_idr_before_gap > 65_536;

    // Everything kept per frame is allocated and touched before the first measurement.
    let mut sizes = vec![u64::MAX; n];
    let mut hashes = vec![u64::MAX; n];
    let sample_every = 2_000;
    let mut rss = vec![(usize::MAX, u64::MAX); n / sample_every + 2];
    let mut recon = Vec::with_capacity((W * H * 3 / 2) as usize);
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("rtenc-soak-{}.h264", std::process::id()));
    let mut file = BufWriter::with_capacity(1 << 16, std::fs::File::create(&path).unwrap());
    let mut content = Content::new();
    let mut headers = HeaderCheck::default();
    let mut enc = Encoder::new(cfg.clone()).unwrap();

    let start = Instant::now();
    let mut samples = 0;
    let (mut phase_time, mut phase_frames) = ([0.0f64; 4], [0usize; 4]);
    for i in 0..n {
        let data = content.render(i);
        let frame = Nv12Frame::from_contiguous(data, W, H).unwrap();
        let t = Instant::now();
        let au = enc
            .encode(&frame, force_idr(i))
            .unwrap_or_else(|e| panic!("frame {i}: {e}"));
        phase_time[phase(i)] += t.elapsed().as_secs_f64();
        phase_frames[phase(i)] += 1;
        sizes[i] = au.data.len() as u64 * 8;
        headers.access_unit(i, &au.data, au.keyframe);
        file.write_all(&au.data).unwrap();
        recon.clear();
        enc.recon().write_i420(W as usize, H as usize, &mut recon);
        hashes[i] = hash(&recon);
        if i % sample_every == 0 || i == n - 1 {
            rss[samples] = (i, rss_bytes());
            samples += 1;
        }
    }
    let elapsed = start.elapsed();
    eprintln!(
        "soak: at the end VmRSS {} kB, RssAnon {} kB, RssFile {} kB, VmHWM {} kB",
        status_kb("VmRSS:"),
        status_kb("RssAnon:"),
        status_kb("RssFile:"),
        status_kb("VmHWM:")
    );
    file.flush().unwrap();
    drop(file);
    let rss = &rss[..samples];
    eprintln!(
        "soak: {n} frames of {W}x{H} in {:.1} s ({:.3} ms/frame), {} IDRs, frame_num wrapped {} \
         times",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / n as f64,
        headers.idrs,
        headers.frame_num_wraps
    );
    for k in 0..4 {
        eprintln!(
            "soak: {:>13}: {:6} frames, encode {:.3} ms/frame",
            PHASES[k],
            phase_frames[k],
            phase_time[k] * 1000.0 / phase_frames[k].max(1) as f64
        );
    }
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    eprintln!(
        "soak: RssAnon (frame: MiB): {}",
        rss.iter()
            .map(|&(i, b)| format!("{i}: {:.2}", mib(b)))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // Memory: flat after warm-up (one full content cycle and more).
    let warm_up = (n / 10).max(CYCLE * 2);
    let after: Vec<u64> = rss.iter().filter(|s| s.0 >= warm_up).map(|s| s.1).collect();
    if let (Some(&base), Some(&max)) = (after.first(), after.iter().max()) {
        let growth = max.saturating_sub(base);
        eprintln!(
            "soak: RssAnon at warm-up (frame {warm_up}) {:.2} MiB, largest after it {:.2} MiB \
             (growth {:.2} MiB)",
            mib(base),
            mib(max),
            mib(growth)
        );
        assert!(
            growth <= 4 << 20,
            "resident memory grew by {:.2} MiB after warm-up: a leak?",
            mib(growth)
        );
    }

    // Counters.
    assert_eq!(headers.idrs, (0..n).filter(|&i| force_idr(i)).count());
    if expect_frame_num_wrap {
        assert!(
            headers.frame_num_wraps >= 1,
            "frame_num never wrapped in {} P frames after the IDR at {last_idr_before_gap}",
            idr_again - last_idr_before_gap
        );
    }

    // Rate: the VBV replay never underflows, no frame is larger than the buffer, the whole run
    // meets the target, and every complete content cycle costs about the same.
    let vbv = u64::from(cfg.vbv_size.unwrap_or(cfg.bitrate));
    if let Err(i) = vbv_replay(cfg.bitrate, FPS, vbv, initial_fullness(vbv), &sizes) {
        panic!("VBV underflow at frame {i}");
    }
    let largest = *sizes.iter().max().unwrap();
    assert!(largest <= vbv, "a frame of {largest} bits exceeds the VBV");
    let total: u64 = sizes.iter().sum();
    let rate = total as f64 * FPS / n as f64;
    eprintln!(
        "soak: {:.1} kbit/s over the run (target {}), largest frame {} bytes",
        rate / 1000.0,
        BITRATE / 1000,
        largest / 8
    );
    assert!(
        rate <= f64::from(BITRATE) * 1.05,
        "overall rate {rate:.0} bit/s above the target {BITRATE}"
    );
    let cycles: Vec<f64> = sizes
        .chunks_exact(CYCLE)
        .map(|c| c.iter().sum::<u64>() as f64 * FPS / CYCLE as f64)
        .collect();
    if cycles.len() >= 3 {
        let mut sorted = cycles.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        let (lo, hi) = (sorted[0], sorted[sorted.len() - 1]);
        eprintln!(
            "soak: per 30 s cycle: median {:.1} kbit/s, range {:.1}..{:.1}",
            median / 1000.0,
            lo / 1000.0,
            hi / 1000.0
        );
        for (k, &c) in cycles.iter().enumerate() {
            assert!(
                (c / median - 1.0).abs() <= 0.25,
                "cycle {k} (frames {}..): {:.1} kbit/s, the median cycle {:.1}",
                k * CYCLE,
                c / 1000.0,
                median / 1000.0
            );
        }
    }

    // Every picture decodes exactly in both decoders.
    let t = Instant::now();
    if ffmpeg_hashes_match(&path, &hashes) {
        eprintln!(
            "soak: ffmpeg decoded all {n} pictures exactly in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    let t = Instant::now();
    let stream = std::fs::read(&path).unwrap();
    assert_eq!(access_units(&stream).len(), n);
    let decoded = decode_openh264_each(&stream, |i, pic| {
        if hash(&pic.i420) == hashes[i] {
            Ok(())
        } else {
            Err(format!(
                "frame {i}: openh264's picture differs from the reconstruction (hash)"
            ))
        }
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(decoded, n);
    eprintln!(
        "soak: openh264 decoded all {n} pictures exactly in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_file(&path);
}

/// idr_pic_id counts IDRs modulo 65536: a stream of 65 540 IDR pictures (16x16, cheap) wraps
/// it, consecutive IDRs always differ, and the pictures around the wrap decode exactly.
#[test]
fn idr_pic_id_wraps_after_65536_idrs() {
    let (w, h) = (16u32, 16u32);
    let mut cfg = Config::new(w, h);
    cfg.qp = Some(30);
    cfg.gop = 1;
    let mut enc = Encoder::new(cfg).unwrap();
    let mut headers = HeaderCheck::default();
    let mut tail = common::Encoded::new(w, h);
    let mut buf = vec![128u8; 16 * 16 * 3 / 2];
    let n = 65_540;
    for i in 0..n {
        buf[i % 256] = (i % 251) as u8;
        let f = Nv12Frame::from_contiguous(&buf, w, h).unwrap();
        let au = enc.encode(&f, false).unwrap();
        headers.access_unit(i, &au.data, au.keyframe);
        if i >= n - 8 {
            tail.push(&enc, au);
        }
    }
    assert_eq!(headers.idrs, n);
    assert_eq!(
        headers.idr_pic_id_wraps, 1,
        "idr_pic_id wraps once in {n} IDRs"
    );
    common::check_with_ffmpeg(&tail);
}

/// The 1080p soak in the benchmark setting: 10 000 frames of the demo scene at 1920x1080,
/// 60 fps, 6 Mbit/s, `threads` 0 (one slice per core), the default preset, an IDR every 10 s.
/// Not in CI (about an hour on the 2-core machine); run it in release mode:
///
/// ```sh
/// cargo test --release -p rtenc --test soak soak_1080p -- --ignored --nocapture
/// ```
///
/// `RTENC_SOAK_FRAMES` shortens it. Reports ms/frame (median, p99, max), the rate, VmRSS over
/// the run; fails if resident memory grows by more than 16 MiB after the first 1000 frames or the
/// VBV replay underflows.
#[test]
#[ignore = "long: a release-mode benchmark run, not part of CI"]
fn soak_1080p() {
    let n: usize = std::env::var("RTENC_SOAK_FRAMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let (w, h, fps) = (1920u32, 1080u32, 60.0);
    let mut cfg = Config::new(w, h);
    cfg.fps = fps;
    cfg.bitrate = 6_000_000;
    cfg.gop = 600;
    cfg.threads = 0;
    let scene = rtenc_synth::DemoScene::new(w, h).with_fps(fps);
    let mut enc = Encoder::new(cfg.clone()).unwrap();
    let mut buf = vec![0u8; scene.frame_len()];
    let mut sizes = vec![u64::MAX; n];
    let mut times = vec![f64::MAX; n];
    let mut rss = Vec::with_capacity(n / 500 + 2);
    let start = Instant::now();
    for i in 0..n {
        // The scene repeats every 20 s: render it once per cycle position is too costly to
        // cache at 1080p, so render each frame (not timed).
        scene.render((i % 1200) as u64, &mut buf);
        let f = Nv12Frame::from_contiguous(&buf, w, h).unwrap();
        let t = Instant::now();
        let au = enc.encode(&f, false).unwrap();
        times[i] = t.elapsed().as_secs_f64() * 1000.0;
        sizes[i] = au.data.len() as u64 * 8;
        if i % 500 == 0 || i == n - 1 {
            rss.push((i, rss_bytes()));
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let pct = |p: f64| sorted[((n - 1) as f64 * p) as usize];
    let rate = sizes.iter().sum::<u64>() as f64 * fps / n as f64;
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    eprintln!(
        "soak 1080p: {n} frames in {wall:.0} s; encode ms/frame median {:.2}, p99 {:.2}, max {:.2}; \
         {:.3} Mbit/s (target 6); {} slices",
        pct(0.5),
        pct(0.99),
        sorted[n - 1],
        rate / 1e6,
        cfg.slice_count()
    );
    eprintln!(
        "soak 1080p: VmRSS MiB: {}",
        rss.iter()
            .map(|&(i, b)| format!("{i}: {:.1}", mib(b)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let after: Vec<u64> = rss.iter().filter(|s| s.0 >= 1000).map(|s| s.1).collect();
    if let (Some(&base), Some(&max)) = (after.first(), after.iter().max()) {
        assert!(
            max - base.min(max) <= 16 << 20,
            "resident memory grew by {:.1} MiB after frame 1000",
            mib(max - base.min(max))
        );
    }
    let vbv = u64::from(cfg.bitrate);
    if let Err(i) = vbv_replay(cfg.bitrate, fps, vbv, initial_fullness(vbv), &sizes) {
        panic!("VBV underflow at frame {i}");
    }
}
