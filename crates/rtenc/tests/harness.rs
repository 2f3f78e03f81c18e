//! Self-tests of the ffmpeg test harness in `common/`, independent of the encoder: a
//! broken oracle would make every bit-exactness test meaningless.

mod common;

use std::process::Command;

#[test]
fn recon_comparison_reports_plane_position_and_macroblock() {
    let (w, h) = (48u32, 32u32);
    let a = rtenc_synth::natural(w, h, 1);
    // NV12 and I420 have the same size; the comparison only looks at bytes and plane offsets.
    common::assert_recon_matches(&a, &a, w, h, 0);
    let mut b = a.clone();
    let cw = 24usize;
    // U plane sample (x=13, y=9): chroma macroblock (1, 1), 4x4 block (1, 0) within it.
    let i = (w * h) as usize + 9 * cw + 13;
    b[i] = b[i].wrapping_add(1);
    let err = std::panic::catch_unwind(|| common::assert_recon_matches(&a, &b, w, h, 7))
        .expect_err("a difference must panic");
    let msg = err.downcast_ref::<String>().expect("message").clone();
    for part in [
        "frame 7",
        "plane U",
        "1 of 384 samples",
        "(x=13, y=9)",
        "macroblock (1, 1)",
        "address 4",
        "4x4 block (1, 0)",
    ] {
        assert!(msg.contains(part), "{part:?} missing from: {msg}");
    }
    assert!(
        !msg.contains("plane Y") && !msg.contains("plane V"),
        "{msg}"
    );
}

#[test]
fn nal_types_are_found() {
    let au = [
        0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 0, 0, 3, 1,
    ];
    assert_eq!(common::nal_types(&au), [7, 8, 5]);
}

fn has_libx264(ff: &str) -> bool {
    Command::new(ff)
        .args(["-hide_banner", "-encoders"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("libx264"))
        .unwrap_or(false)
}

#[test]
fn ffmpeg_decodes_a_reference_stream_frame_for_frame() {
    let Some(ff) = common::ffmpeg() else { return };
    if !has_libx264(ff) {
        // CI installs Debian's ffmpeg, which has libx264: without it there the oracle's
        // self-test would silently not run.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI needs an ffmpeg with libx264 for the harness decode self-test ({ff})"
        );
        eprintln!("notice: this ffmpeg has no libx264; skipping the harness decode self-test");
        return;
    }
    // A cropped size and an odd frame rate: the decode must still give exactly 7 frames.
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("harness-x264-{}.h264", std::process::id()));
    let st = Command::new(ff)
        .args([
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=66x50:rate=7",
        ])
        .args([
            "-frames:v",
            "7",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-profile:v",
            "baseline",
        ])
        .args(["-f", "h264"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(st.success());
    let stream = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    let frames = common::ffmpeg_decode(&stream, 66, 50);
    assert_eq!(frames.len(), 7);
    assert!(frames.iter().all(|f| f.len() == 66 * 50 * 3 / 2));
    assert_ne!(frames[0], frames[6]);
}

#[test]
fn ffmpeg_errors_fail_the_decode() {
    if common::ffmpeg().is_none() {
        return;
    }
    // An SPS start code followed by garbage: ffmpeg complains on stderr.
    let mut stream = vec![0, 0, 0, 1, 0x67, 0xFF, 0xFF, 0xFF, 0xFF];
    stream.extend_from_slice(&[0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x33, 0xFF, 0xFF, 0xFF]);
    let err = std::panic::catch_unwind(|| common::ffmpeg_decode(&stream, 16, 16))
        .expect_err("garbage must not decode silently");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("ffmpeg rejected the stream"), "{msg}");
}
