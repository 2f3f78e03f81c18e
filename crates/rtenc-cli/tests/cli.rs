//! End-to-end tests of the `rtenc` binary: error handling (no encoder needed) and complete runs
//! whose reconstruction output must equal ffmpeg's decode of the stream.

use std::path::PathBuf;
use std::process::{Command, Output};

fn rtenc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rtenc"))
        .args(args)
        .output()
        .expect("run rtenc")
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("rtenc-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

fn assert_fails(args: &[&str], expect: &str) {
    let out = rtenc(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?} should exit 1; stderr: {stderr}"
    );
    assert!(
        stderr.contains(expect),
        "{args:?}: {expect:?} missing from: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
}

#[test]
fn clear_errors_and_exit_status() {
    let out = s(&scratch("err.h264")).to_string();
    assert_fails(
        &["encode", "does-not-exist.y4m", "-o", &out],
        "cannot open does-not-exist.y4m",
    );
    let raw = scratch("err.nv12");
    std::fs::write(&raw, vec![0u8; 100]).unwrap();
    assert_fails(&["encode", s(&raw), "-o", &out], "--size");
    assert_fails(
        &["encode", s(&raw), "--size", "16x16", "-o", &out],
        "not a whole number",
    );
    assert_fails(&["encode", s(&raw), "--size", "15x16", "-o", &out], "even");
    let y4m = scratch("err444.y4m");
    std::fs::write(&y4m, b"YUV4MPEG2 W16 H16 F30:1 C444\n").unwrap();
    assert_fails(&["encode", s(&y4m), "-o", &out], "C444");
    let y4m = scratch("odd.y4m");
    std::fs::write(&y4m, b"YUV4MPEG2 W17 H16 F30:1\n").unwrap();
    assert_fails(&["encode", s(&y4m), "-o", &out], "even");
    assert_fails(&["demo", "--size", "100000x16", "-o", &out], "exceeds");
    assert_fails(
        &["encode", s(&raw), "--size", "16x16", "-o", s(&raw)],
        "also the input",
    );
    // Usage errors come from clap (status 2).
    assert_eq!(rtenc(&["demo", "--qp", "60"]).status.code(), Some(2));
}

/// ffmpeg, or `None` after a notice; in CI a missing ffmpeg is a failure.
fn ffmpeg() -> Option<&'static str> {
    let ok = Command::new("ffmpeg")
        .arg("-version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if ok {
        return Some("ffmpeg");
    }
    assert_ne!(
        std::env::var("CI").as_deref(),
        Ok("true"),
        "ffmpeg is required in CI"
    );
    eprintln!("notice: ffmpeg not found; skipping");
    None
}

/// Decodes `stream` to raw NV12 with ffmpeg (silent, bit-exact settings).
fn decode_nv12(ff: &str, stream: &std::path::Path) -> Vec<u8> {
    let out = stream.with_extension("decoded.nv12");
    let o = Command::new(ff)
        .args([
            "-nostdin",
            "-v",
            "error",
            "-err_detect",
            "explode",
            "-threads",
            "1",
            "-f",
            "h264",
            "-i",
        ])
        .arg(stream)
        .args([
            "-f",
            "rawvideo",
            "-pix_fmt",
            "nv12",
            "-fps_mode",
            "passthrough",
            "-y",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && err.trim().is_empty(), "ffmpeg: {err}");
    std::fs::read(out).unwrap()
}

#[test]
fn frame_log_has_one_line_per_access_unit() {
    let (w, h) = (64u32, 48u32);
    let scene = rtenc_synth::DemoScene::new(w, h);
    let mut raw = Vec::new();
    for i in 0..6 {
        raw.extend_from_slice(&scene.frame(i));
    }
    let input = scratch("log-in.nv12");
    std::fs::write(&input, &raw).unwrap();
    let (out, log) = (scratch("log.h264"), scratch("log.csv"));
    let o = rtenc(&[
        "encode",
        s(&input),
        "--size",
        "64x48",
        "-o",
        s(&out),
        "--gop",
        "4",
        "--frame-log",
        s(&log),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "frame,type,bytes,qp,encode_ms,psnr_y");
    assert_eq!(lines.len(), 7, "{text}");
    let fields: Vec<Vec<&str>> = lines[1..].iter().map(|l| l.split(',').collect()).collect();
    let types: String = fields.iter().map(|f| f[1]).collect();
    assert_eq!(types, "IPPPIP");
    let bytes: usize = fields.iter().map(|f| f[2].parse::<usize>().unwrap()).sum();
    assert_eq!(bytes as u64, std::fs::metadata(&out).unwrap().len());
    for (i, f) in fields.iter().enumerate() {
        assert_eq!(f[0], i.to_string());
        assert!(f[4].parse::<f64>().unwrap() >= 0.0 && f[5].parse::<f64>().unwrap() > 20.0);
    }
}

#[test]
fn y4m_encode_writes_a_stream_whose_decode_equals_the_recon() {
    let Some(ff) = ffmpeg() else { return };
    let (w, h) = (96u32, 64u32);
    let scene = rtenc_synth::DemoScene::new(w, h);
    // Write a Y4M file: I420 frames converted from the scene's NV12.
    let mut y4m = format!("YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C420jpeg\n").into_bytes();
    let n = (w * h) as usize;
    for i in 0..5 {
        let f = scene.frame(i);
        y4m.extend_from_slice(b"FRAME\n");
        y4m.extend_from_slice(&f[..n]);
        y4m.extend(f[n..].iter().step_by(2));
        y4m.extend(f[n + 1..].iter().step_by(2));
    }
    let input = scratch("in.y4m");
    std::fs::write(&input, &y4m).unwrap();
    let (out, recon) = (scratch("out.h264"), scratch("recon.nv12"));
    let o = rtenc(&[
        "encode",
        s(&input),
        "-o",
        s(&out),
        "--recon",
        s(&recon),
        "--qp",
        "30",
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains("5 frames") && stdout.contains("at 25 fps"),
        "{stdout}"
    );
    let recon = std::fs::read(&recon).unwrap();
    assert_eq!(recon.len(), 5 * n * 3 / 2);
    assert!(
        decode_nv12(ff, &out) == recon,
        "ffmpeg's decode differs from --recon"
    );
}

#[test]
fn demo_writes_a_decodable_stream() {
    let Some(ff) = ffmpeg() else { return };
    let (out, recon) = (scratch("demo.h264"), scratch("demo-recon.nv12"));
    let o = rtenc(&[
        "demo",
        "--size",
        "64x48",
        "--frames",
        "4",
        "-o",
        s(&out),
        "--recon",
        s(&recon),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains("4 frames") && stdout.contains("ffplay"),
        "{stdout}"
    );
    assert!(decode_nv12(ff, &out) == std::fs::read(&recon).unwrap());
}

/// `rtenc info` names the CPU features and the kernel set in use, and `RTENC_CPU` caps it.
#[test]
fn info_reports_cpu_features_and_kernels() {
    let run = |cap: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_rtenc"));
        c.arg("info").env_remove("RTENC_CPU");
        if let Some(cap) = cap {
            c.env("RTENC_CPU", cap);
        }
        let out = c.output().expect("run rtenc info");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let best = if cfg!(target_arch = "x86_64") {
        if std::arch::is_x86_feature_detected!("avx2") {
            "avx2"
        } else {
            "sse2"
        }
    } else if cfg!(target_arch = "aarch64") {
        "neon"
    } else {
        "scalar"
    };
    let text = run(None);
    assert!(text.starts_with("rtenc "), "{text}");
    assert!(
        text.contains(&format!("arch: {}\n", std::env::consts::ARCH)),
        "{text}"
    );
    assert!(text.contains(&format!("\nkernels: {best}\n")), "{text}");
    let features = text
        .lines()
        .find_map(|l| l.strip_prefix("cpu features: "))
        .unwrap();
    if best != "scalar" {
        assert!(features.split(' ').any(|f| f == best), "{text}");
    }
    let sets = text
        .lines()
        .find_map(|l| l.strip_prefix("kernel sets: "))
        .unwrap();
    assert!(sets.starts_with("scalar") && sets.ends_with(best), "{text}");
    let text = run(Some("scalar"));
    assert!(
        text.contains("\nkernels: scalar (RTENC_CPU=scalar)\n"),
        "{text}"
    );
}
