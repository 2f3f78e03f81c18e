//! Hostile input: a table of bad configurations and frames, each refused with its exact error
//! variant and a message that names the offending value, and an encoder that keeps working (and
//! keeps producing exactly the stream it would have produced) after refusing a frame. Damage
//! hints far outside the picture, up to u32::MAX, are harmless.

mod common;

use common::{check_with_ffmpeg, Encoded};
use rtenc::{Config, Encoder, Error, Nv12Frame, Rect};

fn cfg(w: u32, h: u32) -> Config {
    Config::new(w, h)
}

fn with(mut c: Config, f: impl FnOnce(&mut Config)) -> Config {
    f(&mut c);
    c
}

/// Asserts `r` is `Err(Error::InvalidConfig)` whose message contains every fragment.
fn expect_config_err<T>(name: &str, r: rtenc::Result<T>, fragments: &[&str]) {
    match r {
        Ok(_) => panic!("{name}: accepted, expected InvalidConfig containing {fragments:?}"),
        Err(Error::InvalidConfig(m)) => {
            for f in fragments {
                assert!(m.contains(f), "{name}: message {m:?} lacks {f:?}");
            }
            let shown = Error::InvalidConfig(m.clone()).to_string();
            assert_eq!(shown, format!("invalid config: {m}"), "{name}: Display");
        }
        Err(e) => panic!("{name}: expected InvalidConfig, got {e:?}"),
    }
}

/// Asserts `r` is `Err(Error::InvalidFrame)` whose message contains every fragment.
fn expect_frame_err<T: std::fmt::Debug>(name: &str, r: rtenc::Result<T>, fragments: &[&str]) {
    match r {
        Ok(v) => panic!("{name}: accepted ({v:?}), expected InvalidFrame containing {fragments:?}"),
        Err(Error::InvalidFrame(m)) => {
            for f in fragments {
                assert!(m.contains(f), "{name}: message {m:?} lacks {f:?}");
            }
            let shown = Error::InvalidFrame(m.clone()).to_string();
            assert_eq!(shown, format!("invalid frame: {m}"), "{name}: Display");
        }
        Err(e) => panic!("{name}: expected InvalidFrame, got {e:?}"),
    }
}

#[test]
fn hostile_configurations_are_refused_with_their_reason() {
    let br = |b: u32| with(cfg(320, 240), |c| c.bitrate = b);
    #[rustfmt::skip]
    let table: Vec<(&str, Config, Vec<&str>)> = vec![
        ("zero width", cfg(0, 240), vec!["at least 16", "0x240"]),
        ("zero height", cfg(320, 0), vec!["at least 16", "320x0"]),
        ("zero both", cfg(0, 0), vec!["at least 16", "0x0"]),
        ("below 16", cfg(14, 64), vec!["at least 16", "14x64"]),
        ("odd width", cfg(321, 240), vec!["even", "321x240"]),
        ("odd height", cfg(320, 241), vec!["even", "320x241"]),
        ("huge", cfg(100_000, 100_000), vec!["100000x100000", "exceeds the largest supported level", "36864 macroblocks"]),
        ("u32::MAX square", cfg(u32::MAX - 1, u32::MAX - 1), vec!["4294967294x4294967294", "exceeds"]),
        ("too tall for any level", cfg(16, 8704), vec!["16x8704", "543 per dimension"]),
        ("fps 0", with(cfg(64, 64), |c| c.fps = 0.0), vec!["fps must be a number in (0, 1000]", "got 0"]),
        ("fps negative", with(cfg(64, 64), |c| c.fps = -30.0), vec!["fps", "got -30"]),
        ("fps NaN", with(cfg(64, 64), |c| c.fps = f64::NAN), vec!["fps", "got NaN"]),
        ("fps +inf", with(cfg(64, 64), |c| c.fps = f64::INFINITY), vec!["fps", "got inf"]),
        ("fps -inf", with(cfg(64, 64), |c| c.fps = f64::NEG_INFINITY), vec!["fps", "got -inf"]),
        ("fps 1001", with(cfg(64, 64), |c| c.fps = 1001.0), vec!["fps", "got 1001"]),
        ("bitrate u32::MAX", br(u32::MAX), vec!["bitrate 4294967295 bit/s exceeds the largest level's limit of 240000000"]),
        ("bitrate above level 5.2", br(240_000_001), vec!["bitrate 240000001"]),
        ("qp 52", with(cfg(64, 64), |c| c.qp = Some(52)), vec!["qp must be in 0..=51, got 52"]),
        ("qp 255", with(cfg(64, 64), |c| c.qp = Some(255)), vec!["got 255"]),
        ("min_qp > max_qp", with(br(500_000), |c| { c.min_qp = 40; c.max_qp = 20 }), vec!["min_qp <= max_qp", "got 40/20"]),
        ("max_qp 60", with(br(500_000), |c| c.max_qp = 60), vec!["<= 51", "got 10/60"]),
        ("min_qp 200", with(cfg(64, 64), |c| c.min_qp = 200), vec!["got 200/51"]),
        ("vbv of 1 bit", with(br(1_000_000), |c| c.vbv_size = Some(1)), vec!["vbv_size 1 bits is smaller than 10 ms of the bitrate 1000000"]),
        ("vbv u32::MAX", with(br(1_000_000), |c| c.vbv_size = Some(u32::MAX)), vec!["no H.264 level fits 320x240"]),
        ("threads 65", with(cfg(64, 64), |c| c.threads = 65), vec!["threads must be at most 64", "got 65"]),
        ("threads u32::MAX", with(cfg(64, 64), |c| c.threads = u32::MAX), vec!["got 4294967295"]),
        ("1080p at 1000 fps", with(cfg(1920, 1080), |c| c.fps = 1000.0), vec!["no H.264 level fits 1920x1080 at 1000 fps"]),
    ];
    assert!(table.len() >= 20);
    for (name, c, fragments) in table {
        expect_config_err(name, c.validate(), &fragments);
        expect_config_err(name, Encoder::new(c), &fragments);
    }
}

/// Configurations at the edges that are valid: accepted, and they encode.
#[test]
fn edge_configurations_are_accepted_and_encode() {
    let edge = [
        ("16x16", cfg(16, 16)),
        ("qp 0", with(cfg(32, 32), |c| c.qp = Some(0))),
        ("qp 51", with(cfg(32, 32), |c| c.qp = Some(51))),
        ("fps 1000", with(cfg(32, 32), |c| c.fps = 1000.0)),
        ("fps 0.001", with(cfg(32, 32), |c| c.fps = 0.001)),
        (
            "fps 1e-300 under rate control",
            with(cfg(32, 32), |c| {
                c.fps = 1e-300;
                c.bitrate = 100_000;
            }),
        ),
        (
            "fps 1000 at 1 bit/s",
            with(cfg(32, 32), |c| {
                c.fps = 1000.0;
                c.bitrate = 1;
            }),
        ),
        (
            "min_qp = max_qp",
            with(cfg(32, 32), |c| {
                c.bitrate = 100_000;
                c.min_qp = 33;
                c.max_qp = 33;
            }),
        ),
        (
            "1 bit/s, VBV 1 bit",
            with(cfg(32, 32), |c| {
                c.bitrate = 1;
                c.vbv_size = Some(1);
            }),
        ),
        (
            "threads 0 (one per core)",
            with(cfg(32, 64), |c| c.threads = 0),
        ),
        (
            "threads 64 on 2 rows",
            with(cfg(32, 32), |c| c.threads = 64),
        ),
        ("gop u32::MAX", with(cfg(32, 32), |c| c.gop = u32::MAX)),
    ];
    for (name, c) in edge {
        let mut enc = Encoder::new(c.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut out = Encoded::new(c.width, c.height);
        let buf = rtenc_synth::noise(c.width, c.height, 5);
        for i in 0..4 {
            let f = Nv12Frame::from_contiguous(&buf, c.width, c.height).unwrap();
            let au = enc
                .encode(&f, i == 2)
                .unwrap_or_else(|e| panic!("{name}: frame {i}: {e}"));
            out.push(&enc, au);
        }
        check_with_ffmpeg(&out);
    }
}

#[test]
fn hostile_frames_are_refused_with_their_reason() {
    let (w, h) = (64u32, 48u32);
    let full = vec![0u8; 64 * 48 * 3 / 2];
    let y = vec![0u8; 64 * 48];
    let uv = vec![0u8; 64 * 24];
    expect_frame_err(
        "contiguous one byte short",
        Nv12Frame::from_contiguous(&full[1..], w, h),
        &["NV12 buffer for 64x48 must be 4608 bytes, got 4607"],
    );
    let long = vec![0u8; full.len() + 1];
    expect_frame_err(
        "contiguous one byte long",
        Nv12Frame::from_contiguous(&long, w, h),
        &["must be 4608 bytes, got 4609"],
    );
    expect_frame_err(
        "contiguous empty",
        Nv12Frame::from_contiguous(&[], w, h),
        &["got 0"],
    );
    expect_frame_err(
        "contiguous zero size",
        Nv12Frame::from_contiguous(&[], 0, 0),
        &["even and non-zero", "0x0"],
    );
    expect_frame_err(
        "contiguous odd size",
        Nv12Frame::from_contiguous(&full[..63 * 48 * 3 / 2], 63, 48),
        &["even and non-zero", "63x48"],
    );
    expect_frame_err(
        "contiguous u32::MAX size",
        Nv12Frame::from_contiguous(&full, u32::MAX - 1, u32::MAX - 1),
        &["4294967294x4294967294"],
    );
    expect_frame_err(
        "odd height",
        Nv12Frame::new(64, 47, &y, 64, &uv, 64),
        &["64x47"],
    );
    expect_frame_err(
        "Y stride below width",
        Nv12Frame::new(w, h, &y, 63, &uv, 64),
        &["Y stride 63 is smaller than the width 64"],
    );
    expect_frame_err(
        "UV stride below width",
        Nv12Frame::new(w, h, &y, 64, &uv, 0),
        &["UV stride 0 is smaller than the width 64"],
    );
    expect_frame_err(
        "Y plane short for its stride",
        Nv12Frame::new(w, h, &y, 80, &uv, 64),
        &["Y plane has 3072 bytes, 64x48 with stride 80 needs 3824"],
    );
    expect_frame_err(
        "UV plane short",
        Nv12Frame::new(w, h, &y, 64, &uv[..uv.len() - 1], 64),
        &["UV plane has 1535 bytes", "needs 1536"],
    );
    expect_frame_err(
        "Y stride usize::MAX (overflow)",
        Nv12Frame::new(w, h, &y, usize::MAX, &uv, 64),
        &["Y plane has 3072 bytes", "stride 18446744073709551615"],
    );
    expect_frame_err(
        "UV stride usize::MAX / 2 (overflow)",
        Nv12Frame::new(w, h, &y, 64, &uv, usize::MAX / 2),
        &["UV plane has 1536 bytes"],
    );
    // Exactly enough (last row without padding) and more than enough are fine.
    let padded_y = vec![0u8; 80 * 47 + 64];
    assert!(Nv12Frame::new(w, h, &padded_y, 80, &uv, 64).is_ok());
    let big_y = vec![0u8; 10_000];
    assert!(Nv12Frame::new(w, h, &big_y, 64, &uv, 64).is_ok());
}

/// Refused frames (wrong size, either dimension) between good ones change nothing: the
/// stream is byte for byte the one an encoder that never saw them produces, and it decodes.
#[test]
fn refused_frames_leave_the_encoder_working_and_unchanged() {
    let (w, h) = (64u32, 48u32);
    let c = with(cfg(w, h), |c| c.gop = 5);
    let frames: Vec<Vec<u8>> = (0..8).map(|i| rtenc_synth::natural(w, h, i)).collect();
    let mut clean = Encoder::new(c.clone()).unwrap();
    let mut hostile = Encoder::new(c.clone()).unwrap();
    let mut out = Encoded::new(w, h);
    let small = vec![0u8; 32 * 32 * 3 / 2];
    let wide = vec![0u8; 80 * 48 * 3 / 2];
    let tall = vec![0u8; 64 * 64 * 3 / 2];
    for (i, data) in frames.iter().enumerate() {
        for (bw, bh, buf) in [(32, 32, &small), (80, 48, &wide), (64, 64, &tall)] {
            let bad = Nv12Frame::from_contiguous(buf, bw, bh).unwrap();
            expect_frame_err(
                "wrong size",
                hostile.encode(&bad, i == 3),
                &[&format!(
                    "frame is {bw}x{bh}, the encoder was configured for 64x48"
                )],
            );
            expect_frame_err(
                "wrong size with damage",
                hostile.encode_with_damage(&bad, false, &[Rect::new(0, 0, 8, 8)]),
                &["the encoder was configured for 64x48"],
            );
        }
        let f = Nv12Frame::from_contiguous(data, w, h).unwrap();
        let a = clean.encode(&f, i == 3).unwrap();
        let b = hostile.encode(&f, i == 3).unwrap();
        assert_eq!(a, b, "frame {i}: refused frames changed the output");
        out.push(&hostile, b);
    }
    check_with_ffmpeg(&out);
}

fn nv12_to_i420(nv12: &[u8], w: usize, h: usize) -> Vec<u8> {
    let (luma, uv) = nv12.split_at(w * h);
    let mut out = luma.to_vec();
    out.extend(uv.iter().step_by(2));
    out.extend(uv.iter().skip(1).step_by(2));
    out
}

/// Damage rectangles outside the picture, empty, or at the edge of u32 arithmetic are accepted
/// and harmless: the stream decodes exactly, and a hint that covers the change is honoured.
#[test]
fn damage_hints_outside_the_picture_or_overflowing_are_harmless() {
    let (w, h) = (96u32, 64u32);
    let mut enc = Encoder::new(with(cfg(w, h), |c| c.gop = 0)).unwrap();
    let mut out = Encoded::new(w, h);
    let hints: Vec<Vec<Rect>> = vec![
        vec![],
        vec![Rect::new(u32::MAX, u32::MAX, u32::MAX, u32::MAX)],
        vec![Rect::new(u32::MAX - 1, 0, 2, 64)],
        vec![Rect::new(0, 0, u32::MAX, u32::MAX)],
        vec![Rect::new(90, 60, u32::MAX, 1)],
        vec![Rect::new(96, 64, 16, 16), Rect::new(1000, 0, 5, 5)],
        vec![Rect::new(0, 0, 0, 0); 1000],
        vec![Rect::new(10, 10, 0, u32::MAX)],
    ];
    for (i, hint) in hints.iter().enumerate() {
        // Every frame changes everywhere, so where the hint covers the picture the output
        // follows the source, and where it does not the reference repeats.
        let data = rtenc_synth::natural(w, h, i as u64);
        let f = Nv12Frame::from_contiguous(&data, w, h).unwrap();
        let au = enc
            .encode_with_damage(&f, false, hint)
            .unwrap_or_else(|e| panic!("hint {i} {hint:?}: {e}"));
        out.push(&enc, au);
    }
    // The full-picture hint (3) was honoured: that reconstruction is close to its source.
    let src = nv12_to_i420(&rtenc_synth::natural(w, h, 3), w as usize, h as usize);
    let psnr = rtenc_synth::psnr(&src, &out.recons[3]);
    assert!(
        psnr > 30.0,
        "a full-picture hint was ignored: PSNR {psnr:.1} dB"
    );
    // The hint entirely outside the picture (5) repeats the previous picture.
    assert_eq!(out.recons[5], out.recons[4], "a hint outside the picture");
    check_with_ffmpeg(&out);
}
