//! Keeps the benchmark tool working: runs the `rtenc-bench` binary in `--quick` mode on the tiny
//! clip with every kind of encoder (rtenc, x264 through ffmpeg, openh264) and checks the tables,
//! the Markdown report and the pictures. It measures nothing.
//!
//! Needs ffmpeg (with libx264) on PATH or at `$RTENC_FFMPEG`; without it the test prints a
//! notice and passes, except under `CI=true`, where it fails (as rtenc's own ffmpeg tests do).

use std::path::PathBuf;
use std::process::Command;

fn ffmpeg_available() -> bool {
    let bin = std::env::var("RTENC_FFMPEG").unwrap_or_else(|_| "ffmpeg".to_string());
    let ok = Command::new(&bin)
        .args(["-hide_banner", "-version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "ffmpeg is required in CI: the benchmark's smoke test runs x264 through it and \
                 decodes every stream with it (install it with `apt-get install -y ffmpeg`, as \
                 .ci/run does)"
            );
        }
        eprintln!("notice: ffmpeg not found (set RTENC_FFMPEG or install it); skipping");
    }
    ok
}

#[test]
fn quick_run_on_the_tiny_clip_writes_tables_and_pictures() {
    if !ffmpeg_available() {
        return;
    }
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-smoke");
    let _ = std::fs::remove_dir_all(&out);
    // Four bitrates so that the BD-rate and the RD curves are exercised too.
    let run = Command::new(env!("CARGO_BIN_EXE_rtenc-bench"))
        .args(["--quick", "--clips", "tiny", "--frames", "8", "--no-static"])
        .args(["--scales", "0.5,1,2,4", "--out"])
        .arg(&out)
        .output()
        .expect("run rtenc-bench");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "rtenc-bench failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for encoder in ["rtenc-veryfast t1", "x264-ultrafast t1", "openh264 t1"] {
        assert!(
            stdout.contains(&format!("| {encoder} |")),
            "no {encoder} row in\n{stdout}"
        );
    }
    let md = std::fs::read_to_string(out.join("results.md")).expect("results.md");
    assert!(md.contains("### tiny"), "{md}");
    // rtenc against both peers has a BD-rate (a percentage) over the four bitrates.
    let bd_rows = md
        .lines()
        .filter(|l| (l.starts_with("| x264") || l.starts_with("| openh264")) && l.ends_with("% |"))
        .count();
    assert_eq!(bd_rows, 2, "BD-rate missing in\n{md}");
    for png in ["rd-tiny.png", "time-tiny.png"] {
        let bytes = std::fs::read(out.join(png)).unwrap_or_else(|e| panic!("{png}: {e}"));
        assert!(
            bytes.len() > 1000 && bytes.starts_with(b"\x89PNG"),
            "{png} is not a PNG"
        );
        assert!(stdout.contains(png), "the path of {png} is not printed");
    }
    // The encoded streams are scratch files.
    assert!(!out.join("streams").exists());
}

#[test]
fn bad_arguments_fail_with_a_clear_message() {
    let run = Command::new(env!("CARGO_BIN_EXE_rtenc-bench"))
        .args(["--quick", "--scales", "0,1"])
        .output()
        .expect("run rtenc-bench");
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("--scales must be positive"), "{stderr}");
}
