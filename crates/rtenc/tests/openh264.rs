//! Two independent decoders agree with the reconstruction: a corpus of rtenc streams (intra and
//! inter, cropped sizes, QPs 0 to 51, two and four slices per picture, every preset, forced
//! IDRs, keyframes by `gop`, rate control, damage hints) is decoded in-process by openh264
//! (Cisco's decoder, through the `openh264` crate) and by ffmpeg (`-err_detect explode`), and
//! every picture of both must equal the encoder's reconstruction byte for byte.

mod common;

use std::panic::{self, AssertUnwindSafe};

use common::oh264::{access_units, decode_openh264};
use common::{check_access_units, check_with_ffmpeg, Encoded, Pattern};
use rtenc::{Config, Encoder, Nv12Frame, Preset, Rect};
use rtenc_synth::{ScreenKind, ScreenScene};

/// Textured content moving by (vx, vy) samples per frame, with a bright square crossing it:
/// sub-sample motion, edges, and vectors that leave the picture.
fn moving(w: u32, h: u32, t: usize, vx: f64, vy: f64) -> Vec<u8> {
    let (wu, hu) = (w as usize, h as usize);
    let mut f = vec![0u8; wu * hu * 3 / 2];
    let (ox, oy) = (vx * t as f64, vy * t as f64);
    let (sx, sy) = ((t * 5) % wu, (t * 3) % hu);
    for y in 0..hu {
        for x in 0..wu {
            let (fx, fy) = (x as f64 + ox, y as f64 + oy);
            let mut v = 128.0
                + 50.0 * (fx / 9.0).sin() * (fy / 13.0).cos()
                + 30.0 * (fx * 0.7 + fy * 0.3).sin();
            if x.wrapping_sub(sx) < 24 && y.wrapping_sub(sy) < 24 {
                v = 235.0;
            }
            f[y * wu + x] = v.clamp(0.0, 255.0) as u8;
        }
    }
    for y in 0..hu / 2 {
        for x in 0..wu / 2 {
            let (fx, fy) = (2.0 * x as f64 + ox, 2.0 * y as f64 + oy);
            f[wu * hu + y * wu + 2 * x] = (128.0 + 40.0 * (fx / 17.0).sin()) as u8;
            f[wu * hu + y * wu + 2 * x + 1] = (128.0 + 40.0 * (fy / 11.0).cos()) as u8;
        }
    }
    f
}

struct Case {
    name: String,
    cfg: Config,
    n: usize,
    frame: Box<dyn Fn(usize) -> Vec<u8>>,
    force_idr: Box<dyn Fn(usize) -> bool>,
    damage: Option<Box<dyn Fn(usize) -> Vec<Rect>>>,
}

fn case(name: &str, cfg: Config, n: usize, frame: impl Fn(usize) -> Vec<u8> + 'static) -> Case {
    Case {
        name: name.to_string(),
        cfg,
        n,
        frame: Box::new(frame),
        force_idr: Box::new(|_| false),
        damage: None,
    }
}

fn qp_cfg(w: u32, h: u32, qp: u8, gop: u32) -> Config {
    let mut cfg = Config::new(w, h);
    cfg.qp = Some(qp);
    cfg.gop = gop;
    cfg
}

fn encode(c: &Case) -> Encoded {
    let cfg = &c.cfg;
    let mut enc = Encoder::new(cfg.clone()).unwrap_or_else(|e| panic!("Encoder::new: {e}"));
    let mut out = Encoded::new(cfg.width, cfg.height);
    for i in 0..c.n {
        let data = (c.frame)(i);
        let f = Nv12Frame::from_contiguous(&data, cfg.width, cfg.height).unwrap();
        let au = match &c.damage {
            Some(d) => enc.encode_with_damage(&f, (c.force_idr)(i), &d(i)),
            None => enc.encode(&f, (c.force_idr)(i)),
        }
        .unwrap_or_else(|e| panic!("frame {i}: {e}"));
        out.push(&enc, au);
    }
    check_access_units(&out);
    out
}

fn corpus() -> Vec<Case> {
    let mut cases = Vec::new();
    // Intra: every pattern, cropped and uncropped sizes, the whole QP range.
    for (w, h) in [(16, 16), (48, 32), (176, 144), (642, 362)] {
        for pattern in Pattern::ALL {
            for qp in [0u8, 12, 26, 38, 51] {
                if (w, h) == (642, 362) && qp % 2 == 0 && qp != 26 {
                    continue; // the big size at fewer QPs, to keep the run short
                }
                cases.push(case(
                    &format!("intra {w}x{h} {} qp{qp}", pattern.name()),
                    qp_cfg(w, h, qp, 1),
                    2,
                    move |i| pattern.generate(w, h, 7 + i as u64),
                ));
            }
        }
    }
    // Inter: motion in several directions and speeds, cropped sizes, several QPs.
    for (w, h) in [(64, 64), (200, 120), (330, 186)] {
        for (qp, vx, vy) in [
            (10u8, 0.25, 0.5),
            (26, -1.75, 0.75),
            (40, 3.5, -2.25),
            (51, 0.0, 9.0),
        ] {
            cases.push(case(
                &format!("inter {w}x{h} qp{qp} pan ({vx}, {vy})"),
                qp_cfg(w, h, qp, 0),
                12,
                move |t| moving(w, h, t, vx, vy),
            ));
        }
    }
    // Slices: two and four per picture (threads), intra and inter, at both ends of the preset
    // ladder and the default.
    for threads in [2u32, 4] {
        for preset in [Preset::Ultrafast, Preset::Veryfast, Preset::Medium] {
            let mut cfg = qp_cfg(200, 120, 28, 8);
            cfg.threads = threads;
            cfg.preset = preset;
            cases.push(case(
                &format!("threads {threads} {preset} gop 8"),
                cfg,
                18,
                |t| moving(200, 120, t, 1.25, -0.5),
            ));
        }
    }
    // Every preset on content that moves by fractions of a sample (the partitions of the
    // slower presets, the full- and half-sample vectors of the faster ones).
    for qp in [18u8, 34] {
        for preset in Preset::ALL {
            let mut cfg = qp_cfg(176, 144, qp, 0);
            cfg.preset = preset;
            cases.push(case(&format!("{preset} 176x144 qp{qp}"), cfg, 12, |t| {
                moving(176, 144, t, -2.5, 1.5)
            }));
        }
    }
    // Screens that move (issue 23): a page scrolled by the wheel and a window flung across a
    // desktop, at the default preset: translations, the loop-filter trial, whole-sample
    // pictures between sub-sample trials, skips that copy nothing.
    for kind in [ScreenKind::WebScroll, ScreenKind::FastDrag] {
        let scene = ScreenScene::new(kind, 480, 272);
        cases.push(case(
            &format!("{} 480x272 qp28", kind.name()),
            qp_cfg(480, 272, 28, 0),
            24,
            move |t| scene.frame(t as u64),
        ));
    }
    // Forced IDRs (back to back too) and scene cuts.
    let mut c = case("forced IDRs", qp_cfg(96, 80, 30, 0), 16, |t| {
        if t % 5 == 4 {
            rtenc_synth::noise(96, 80, t as u64)
        } else {
            moving(96, 80, t, 0.5, 0.5)
        }
    });
    c.force_idr = Box::new(|i| matches!(i, 3 | 4 | 9 | 15));
    cases.push(c);
    // Rate control, with a VBV, across content changes and two slices.
    for (bitrate, threads) in [(150_000u32, 1u32), (600_000, 2)] {
        let mut cfg = Config::new(176, 144);
        cfg.bitrate = bitrate;
        cfg.gop = 15;
        cfg.threads = threads;
        cases.push(case(
            &format!("rate control {bitrate} bit/s threads {threads}"),
            cfg,
            40,
            |t| match t {
                10..=14 => rtenc_synth::noise(176, 144, t as u64),
                25..=29 => rtenc_synth::flat(176, 144, 16, 128, 128),
                _ => moving(176, 144, t, 1.5, 0.25),
            },
        ));
    }
    // Static content and damage hints: all-skip pictures, partial updates.
    let mut c = case("damage hints", qp_cfg(128, 96, 24, 0), 10, |t| {
        let mut f = rtenc_synth::text_like(128, 96, 3);
        let x0 = 16 + (t % 4) * 8;
        for y in 20..40 {
            for x in x0..x0 + 12 {
                f[y * 128 + x] = 255 - f[y * 128 + x];
            }
        }
        f
    });
    c.damage = Some(Box::new(|_| vec![Rect::new(16, 20, 48, 20)]));
    cases.push(c);
    cases.push(case("static", qp_cfg(80, 48, 30, 0), 6, |_| {
        rtenc_synth::natural(80, 48, 1)
    }));
    cases
}

#[test]
fn openh264_and_ffmpeg_agree_with_the_reconstruction_on_the_corpus() {
    let mut failed = Vec::new();
    let cases = corpus();
    let total = cases.len();
    let mut frames = 0;
    for c in cases {
        let r = panic::catch_unwind(AssertUnwindSafe(|| {
            let enc = encode(&c);
            check_with_ffmpeg(&enc);
            enc.frames.len()
        }));
        match r {
            Ok(n) => frames += n,
            Err(_) => {
                eprintln!("FAILED case: {}", c.name);
                failed.push(c.name);
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {total} cases failed:\n  {}",
        failed.len(),
        failed.join("\n  ")
    );
    eprintln!("{total} streams, {frames} frames: openh264 and ffmpeg agree with the recon");
}

/// The harness itself: it splits streams into access units correctly and notices a wrong
/// reconstruction and a damaged stream.
#[test]
fn openh264_harness_rejects_mismatches_and_damage() {
    let mut cfg = qp_cfg(64, 48, 26, 0);
    cfg.threads = 3;
    let c = case("harness", cfg, 4, |t| moving(64, 48, t, 1.0, 0.0));
    let enc = encode(&c);
    assert_eq!(
        access_units(&enc.stream).len(),
        4,
        "one access unit per frame"
    );
    for (au, f) in access_units(&enc.stream).iter().zip(&enc.frames) {
        assert_eq!(*au, &f.data[..], "access units split exactly as encoded");
    }
    let pics = decode_openh264(&enc.stream).expect("decodes");
    assert_eq!(pics.len(), 4);
    // A changed reconstruction sample is reported with its place.
    let mut recons = enc.recons.clone();
    recons[2][64 * 20 + 33] ^= 1;
    let err = common::oh264::compare_openh264(&enc.stream, &recons, 64, 48).unwrap_err();
    assert!(
        err.contains("frame 2") && err.contains("plane Y") && err.contains("x=33, y=20"),
        "{err}"
    );
    // A truncated IDR slice is a decoding error, not a silent success.
    let first = &enc.frames[0].data;
    let cut = &first[..first.len() - first.len() / 3];
    assert!(
        decode_openh264(cut).is_err(),
        "a truncated IDR must not decode cleanly"
    );
}
