//! Intra-only streams decoded by ffmpeg must match the encoder's reconstruction bit for bit,
//! over a matrix of picture sizes (including cropping), QPs and content; and bad input must be
//! rejected with an error, without disturbing the encoder.
//!
//! The full cross product is too slow for CI (2 cores), so the large sizes run a subset.

mod common;

use common::{Case, Pattern};
use rtenc::{Config, Encoder, Error, Nv12Frame};

const QPS: [u8; 5] = [0, 12, 26, 40, 51];

fn every_qp(p: Pattern, w: u32, h: u32, frames: usize) -> Vec<Case> {
    QPS.iter()
        .map(|&qp| Case::intra(p, w, h, qp, frames))
        .collect()
}

#[test]
fn tiny_16x16_every_qp_and_content() {
    let mut cases: Vec<Case> = Pattern::ALL
        .iter()
        .flat_map(|&p| every_qp(p, 16, 16, 2))
        .collect();
    // Extreme flat pictures: all black and all white, at both ends of the QP range.
    for (y, c) in [(0u8, 0u8), (255, 255), (16, 128), (235, 240)] {
        for qp in [0, 51] {
            let mut cfg = common::intra_config(16, 16, qp);
            cfg.fps = 60.0;
            cases.push(Case {
                name: format!("16x16 flat y{y} c{c} qp{qp}"),
                cfg,
                frames: vec![rtenc_synth::flat(16, 16, y, c, c)],
            });
        }
    }
    common::run_matrix(cases);
}

macro_rules! every_qp_tests {
    ($($name:ident: $pattern:expr, $w:expr, $h:expr, $frames:expr;)*) => {$(
        #[test]
        fn $name() {
            common::run_matrix(every_qp($pattern, $w, $h, $frames));
        }
    )*};
}

every_qp_tests! {
    qcif_176x144_flat: Pattern::Flat, 176, 144, 3;
    qcif_176x144_gradient: Pattern::Gradient, 176, 144, 3;
    qcif_176x144_noise: Pattern::Noise, 176, 144, 3;
    qcif_176x144_text_like: Pattern::TextLike, 176, 144, 3;
    qcif_176x144_natural: Pattern::Natural, 176, 144, 3;
    cropped_642x362_flat: Pattern::Flat, 642, 362, 2;
    cropped_642x362_gradient: Pattern::Gradient, 642, 362, 2;
    cropped_642x362_noise: Pattern::Noise, 642, 362, 2;
    cropped_642x362_text_like: Pattern::TextLike, 642, 362, 2;
    cropped_642x362_natural: Pattern::Natural, 642, 362, 2;
}

#[test]
fn hd_1280x720_every_content_at_qp26() {
    common::run_matrix(Pattern::ALL.map(|p| Case::intra(p, 1280, 720, 26, 2)));
}

#[test]
fn hd_1280x720_extreme_qps() {
    let cases = [Pattern::TextLike, Pattern::Natural]
        .into_iter()
        .flat_map(|p| [0, 51].map(|qp| Case::intra(p, 1280, 720, qp, 2)));
    common::run_matrix(cases);
}

#[test]
fn full_hd_1920x1080_every_content_at_qp26() {
    common::run_matrix(Pattern::ALL.map(|p| Case::intra(p, 1920, 1080, 26, 2)));
}

#[test]
fn full_hd_1920x1080_extreme_qps() {
    // Noise at QP 0 is the largest possible picture (long escape codes everywhere).
    let cases = [Pattern::Noise, Pattern::Gradient]
        .into_iter()
        .flat_map(|p| [0, 51].map(|qp| Case::intra(p, 1920, 1080, qp, 2)));
    common::run_matrix(cases);
}

// ---------------------------------------------------------------------------------------------
// Bad input.

fn assert_invalid_config(w: u32, h: u32) {
    match Encoder::new(Config::new(w, h)) {
        Err(Error::InvalidConfig(msg)) => assert!(!msg.is_empty()),
        Err(e) => panic!("{w}x{h}: expected InvalidConfig, got {e:?}"),
        Ok(_) => panic!("{w}x{h}: Encoder::new accepted an invalid size"),
    }
}

#[test]
fn rejects_bad_dimensions() {
    for (w, h) in [
        (17, 16),
        (16, 17),
        (641, 360),
        (0, 16),
        (16, 0),
        (0, 0),
        (14, 16),
        (16, 2),
    ] {
        assert_invalid_config(w, h);
    }
    // Beyond the largest level: too many macroblocks per frame or per dimension.
    for (w, h) in [
        (4096, 4096),
        (8704, 16),
        (16, 8704),
        (16384, 16384),
        (u32::MAX - 1, 16),
    ] {
        assert_invalid_config(w, h);
    }
    let mut cfg = Config::new(64, 48);
    cfg.qp = Some(52);
    assert!(matches!(Encoder::new(cfg), Err(Error::InvalidConfig(_))));
}

#[test]
fn rejects_bad_frame_buffers() {
    let (w, h) = (64u32, 48u32);
    let n = (w * h * 3 / 2) as usize;
    let buf = vec![128u8; n + 64];
    assert!(Nv12Frame::from_contiguous(&buf[..n], w, h).is_ok());
    for len in [0, n - 1, n + 1, n + 64] {
        let r = Nv12Frame::from_contiguous(&buf[..len], w, h);
        assert!(
            matches!(r, Err(Error::InvalidFrame(_))),
            "buffer of {len} bytes accepted"
        );
    }
    let (y, uv) = buf.split_at((w * h) as usize);
    // Strides smaller than the width.
    assert!(matches!(
        Nv12Frame::new(w, h, y, 63, uv, 64),
        Err(Error::InvalidFrame(_))
    ));
    assert!(matches!(
        Nv12Frame::new(w, h, y, 64, uv, 62),
        Err(Error::InvalidFrame(_))
    ));
    // Planes too short for their stride.
    assert!(matches!(
        Nv12Frame::new(w, h, y, 80, uv, 64),
        Err(Error::InvalidFrame(_))
    ));
    assert!(matches!(
        Nv12Frame::new(w, h, y, 64, &uv[..100], 64),
        Err(Error::InvalidFrame(_))
    ));
    // Odd or zero dimensions.
    assert!(Nv12Frame::new(63, h, y, 64, uv, 64).is_err());
    assert!(Nv12Frame::new(w, 0, y, 64, uv, 64).is_err());
}

fn frame(d: &[u8], w: u32, h: u32) -> Nv12Frame<'_> {
    Nv12Frame::from_contiguous(d, w, h).unwrap()
}

#[test]
fn rejects_a_frame_of_the_wrong_size_and_carries_on() {
    let (w, h) = (176u32, 144u32);
    let mut enc = Encoder::new(common::intra_config(w, h, 26)).unwrap();
    let mut run = common::Encoded::new(w, h);
    let good: Vec<Vec<u8>> = common::pattern_frames(Pattern::Natural, w, h, 3);

    let au = enc.encode(&frame(&good[0], w, h), false).unwrap();
    run.push(&enc, au);
    for (bw, bh) in [(w - 16, h), (w, h - 16), (w + 16, h + 16), (w - 2, h)] {
        let bad = rtenc_synth::natural(bw, bh, 7);
        let bad = Nv12Frame::from_contiguous(&bad, bw, bh).unwrap();
        match enc.encode(&bad, false) {
            Err(Error::InvalidFrame(_)) => {}
            other => panic!(
                "{bw}x{bh} frame into a {w}x{h} encoder: expected InvalidFrame, got {other:?}"
            ),
        }
    }
    for (i, g) in good.iter().enumerate().skip(1) {
        let au = enc.encode(&frame(g, w, h), i == 2).unwrap();
        run.push(&enc, au);
    }
    assert_eq!(run.frames.len(), 3);
    common::check_access_units(&run);
    common::check_with_ffmpeg(&run);
}

#[test]
fn padded_strides_encode_like_contiguous_frames() {
    let (w, h) = (176u32, 144u32);
    let data = rtenc_synth::text_like(w, h, 3);
    let (wu, hu) = (w as usize, h as usize);
    let (stride, uv_stride) = (wu + 40, wu + 8);
    let mut y = vec![0xAAu8; stride * hu];
    let mut uv = vec![0x55u8; uv_stride * hu / 2];
    for r in 0..hu {
        y[r * stride..r * stride + wu].copy_from_slice(&data[r * wu..(r + 1) * wu]);
    }
    for r in 0..hu / 2 {
        let src = wu * hu + r * wu;
        uv[r * uv_stride..r * uv_stride + wu].copy_from_slice(&data[src..src + wu]);
    }
    let padded = Nv12Frame::new(w, h, &y, stride, &uv, uv_stride).unwrap();
    let contiguous = Nv12Frame::from_contiguous(&data, w, h).unwrap();
    let cfg = common::intra_config(w, h, 30);
    let a = Encoder::new(cfg.clone())
        .unwrap()
        .encode(&contiguous, false)
        .unwrap();
    let b = Encoder::new(cfg).unwrap().encode(&padded, false).unwrap();
    assert_eq!(
        a, b,
        "a strided frame must encode exactly like the same picture without padding"
    );
}
