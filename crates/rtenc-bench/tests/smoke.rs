//! Keeps the benchmark tool working: runs the `rtenc-bench` binary in `--quick` mode on the tiny
//! clip with every kind of encoder (rtenc, x264 through ffmpeg, openh264) and checks the tables,
//! the Markdown report and the pictures (the front and the preset pairs included); runs a
//! natural-* clip from a small generated NV12 file (not the real footage); checks that asking for
//! footage that is not there fails with a message saying how to get it. It measures nothing.
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
        .args(["--preset", "ultrafast,veryfast"])
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
    // The front (against x264 ultrafast, the only x264 preset of the run) and the preset pair
    // (rtenc ultrafast against x264 ultrafast), both with BD-rates.
    assert!(
        md.contains("| 1 | x264-ultrafast t1 | rtenc-veryfast t1 |"),
        "front table missing in\n{md}"
    );
    assert!(md.contains("### Preset pairs"), "{md}");
    let pairs: Vec<&str> = md.lines().filter(|l| l.starts_with("| tiny |")).collect();
    assert_eq!(pairs.len(), 1, "{md}");
    assert!(
        pairs[0].starts_with("| tiny | 1 | ultrafast |") && pairs[0].ends_with("% |"),
        "{}",
        pairs[0]
    );
    for png in ["rd-tiny.png", "time-tiny.png", "front-tiny.png"] {
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

#[test]
fn a_natural_clip_is_read_from_its_nv12_file() {
    if !ffmpeg_available() {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-natural");
    let _ = std::fs::remove_dir_all(&dir);
    let footage = dir.join("footage");
    std::fs::create_dir_all(&footage).unwrap();
    // Three generated 1280x720 frames (a gradient sliding right): the file the clip reads, in
    // place of the real footage.
    let (w, h) = (1280usize, 720usize);
    let mut data = Vec::new();
    for t in 0..3 {
        for y in 0..h {
            data.extend((0..w).map(|x| (16 + (x + 3 * t + y / 4) % 200) as u8));
        }
        data.extend((0..w * h / 2).map(|i| (128 + (i % 9) as i32 - 4) as u8));
    }
    std::fs::write(footage.join("natural-bunny-720p.nv12"), &data).unwrap();
    let out = dir.join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_rtenc-bench"))
        .args(["--quick", "--clips", "natural-bunny-720p", "--frames", "4"])
        .args(["--no-static", "--no-openh264", "--footage"])
        .arg(&footage)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run rtenc-bench");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "rtenc-bench failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let md = std::fs::read_to_string(out.join("results.md")).expect("results.md");
    assert!(md.contains("### natural-bunny-720p"), "{md}");
    assert!(
        md.contains("1280x720, 4 frames at 25 fps") && md.contains("repeated from the first"),
        "{md}"
    );
    // Every frame coded and decoded: x264 and rtenc rows with a PSNR well above noise.
    for encoder in ["rtenc-veryfast t1", "x264-ultrafast t1"] {
        let row = md
            .lines()
            .find(|l| l.starts_with(&format!("| {encoder} |")))
            .unwrap_or_else(|| panic!("no {encoder} row in\n{md}"));
        let psnr: f64 = row.split('|').nth(7).unwrap().trim().parse().unwrap();
        assert!(psnr > 30.0, "{row}");
    }
}

#[test]
fn missing_footage_fails_with_how_to_get_it() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-no-footage");
    let run = Command::new(env!("CARGO_BIN_EXE_rtenc-bench"))
        .args(["--quick", "--clips", "tiny,natural-bikes-816p", "--footage"])
        .arg(&dir)
        .output()
        .expect("run rtenc-bench");
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("no footage for natural-bikes-816p") && stderr.contains("fetch-footage.sh"),
        "{stderr}"
    );
}
