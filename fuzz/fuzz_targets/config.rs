//! Arbitrary `Config` values, valid and invalid (zero, odd, huge sizes; NaN, infinite, negative
//! fps; absurd bitrates, QPs, VBV sizes, threads): `Encoder::new` returns `Ok` or a
//! `InvalidConfig` error with a message, never panics, and agrees with `Config::validate`. A
//! small valid configuration then encodes a few frames (rate control with absurd parameters
//! included) without panicking.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rtenc::{Config, Encoder, Error, Nv12Frame, Preset};

#[derive(Debug, Arbitrary)]
struct Input {
    width: u32,
    height: u32,
    /// Small sizes are interesting: pick them often.
    small: Option<(u8, u8)>,
    fps: f64,
    bitrate: u32,
    gop: u32,
    qp: Option<u8>,
    min_qp: u8,
    max_qp: u8,
    vbv_size: Option<u32>,
    preset: u8,
    threads: u32,
    frames: u8,
    content: u8,
    colour_primaries: u8,
    transfer_characteristics: u8,
    intra_refresh: bool,
    isa: Option<u8>,
}

fuzz_target!(|input: Input| {
    let (width, height) = match input.small {
        Some((w, h)) => (u32::from(w), u32::from(h)),
        None => (input.width, input.height),
    };
    let cfg = Config {
        width,
        height,
        fps: input.fps,
        bitrate: input.bitrate,
        gop: input.gop,
        qp: input.qp,
        min_qp: input.min_qp,
        max_qp: input.max_qp,
        vbv_size: input.vbv_size,
        preset: Preset::ALL[usize::from(input.preset) % Preset::ALL.len()],
        threads: input.threads,
        colour_primaries: input.colour_primaries,
        transfer_characteristics: input.transfer_characteristics,
        intra_refresh: input.intra_refresh,
        isa: input
            .isa
            .map(|i| rtenc::Isa::ALL[usize::from(i) % rtenc::Isa::ALL.len()]),
    };
    let valid = cfg.validate();
    if let Err(e) = &valid {
        let Error::InvalidConfig(m) = e else {
            panic!("validate returned {e:?}, not InvalidConfig")
        };
        assert!(!m.is_empty(), "empty message");
        assert!(e.to_string().starts_with("invalid config: "));
    }
    // Valid huge pictures only cost time and memory here (up to 36 864 macroblocks): build
    // encoders up to 1080p.
    if valid.is_ok() && cfg.mb_width() * cfg.mb_height() > 8160 {
        return;
    }
    let enc = Encoder::new(cfg.clone());
    assert_eq!(
        enc.as_ref().err(),
        valid.as_ref().err(),
        "Encoder::new and Config::validate disagree on {cfg:?}"
    );
    let Ok(mut enc) = enc else { return };
    if cfg.mb_width() * cfg.mb_height() > 48 {
        return;
    }
    let (w, h) = (width as usize, height as usize);
    for i in 0..input.frames % 6 {
        let seed = u32::from(input.content)
            .wrapping_mul(2_654_435_761)
            .wrapping_add(u32::from(i) * 40_503);
        let buf: Vec<u8> = (0..w * h * 3 / 2)
            .map(|k| {
                if input.content & 1 == 0 {
                    (seed >> 24) as u8
                } else {
                    ((k as u32).wrapping_mul(seed | 1) >> 13) as u8
                }
            })
            .collect();
        let f = Nv12Frame::from_contiguous(&buf, width, height).expect("valid frame");
        let au = enc.encode(&f, i == 3).expect("a valid frame encodes");
        assert!(au.qp <= 51 && au.data.starts_with(&[0, 0, 0, 1]));
    }
});
