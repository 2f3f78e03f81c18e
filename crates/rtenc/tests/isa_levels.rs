//! Every instruction-set level gives the same stream: in one process, the same clips are
//! encoded by encoders built for each level this CPU runs (`Config::isa`: scalar, SSE2 and
//! AVX2 on x86-64, scalar and NEON on aarch64) and the access units must be byte-identical.
//!
//! The clips are camera-like (the demo scene: a panning landscape with moving balls) and screen
//! content (a dragged window, a scrolled web page, a video in a window), at both ends of the
//! preset ladder (ultrafast and medium), with constant QP and with rate control, and with two
//! slices on two threads (the slice coders and the half-sample filter run on spawned threads,
//! which must use their encoder's kernels too).
//!
//! `RTENC_CPU` caps every encoder: under a cap the levels above it cannot be compared and the
//! test says so.

use rtenc::{Config, Encoder, Isa, Nv12Frame, Preset};
use rtenc_synth::{DemoScene, ScreenKind, ScreenScene};

const W: u32 = 320;
const H: u32 = 192;
const FRAMES: u64 = 16;

/// A named clip: its frames, rendered once.
struct Clip {
    name: &'static str,
    frames: Vec<Vec<u8>>,
}

fn clips() -> Vec<Clip> {
    let demo = DemoScene::new(W, H);
    let mut clips = vec![Clip {
        name: "demo",
        frames: (0..FRAMES).map(|i| demo.frame(i)).collect(),
    }];
    for (name, kind) in [
        ("window-drag", ScreenKind::WindowDrag),
        ("web-scroll", ScreenKind::WebScroll),
        ("video-window", ScreenKind::VideoWindow),
    ] {
        let scene = ScreenScene::new(kind, W, H);
        clips.push(Clip {
            name,
            frames: (0..FRAMES).map(|i| scene.frame(i)).collect(),
        });
    }
    clips
}

/// The access units of `clip` encoded with `base` at `isa`, and the level the encoder used.
fn encode(clip: &Clip, base: &Config, isa: Isa) -> (Isa, Vec<Vec<u8>>) {
    let mut enc = Encoder::new(Config {
        isa: Some(isa),
        ..base.clone()
    })
    .expect("valid config");
    let aus = clip
        .frames
        .iter()
        .map(|f| {
            let frame = Nv12Frame::from_contiguous(f, W, H).expect("frame");
            enc.encode(&frame, false).expect("encode").data
        })
        .collect();
    (enc.isa(), aus)
}

#[test]
fn every_instruction_set_level_gives_identical_streams() {
    let levels: Vec<Isa> = Isa::ALL.into_iter().filter(|l| l.is_supported()).collect();
    #[cfg(target_arch = "x86_64")]
    assert!(levels.contains(&Isa::Sse2), "SSE2 is part of x86-64");
    let mut configs = Vec::new();
    for preset in [Preset::Ultrafast, Preset::Medium] {
        let mut cqp = Config::new(W, H);
        cqp.preset = preset;
        cqp.qp = Some(27);
        let mut rc = Config::new(W, H);
        rc.preset = preset;
        rc.bitrate = 300_000;
        rc.gop = 10;
        let mut threads = cqp.clone();
        threads.threads = 2;
        configs.extend([cqp, rc, threads]);
    }
    let clips = clips();
    let mut used = Vec::new();
    for clip in &clips {
        for cfg in &configs {
            let what = format!(
                "{} {} qp {:?} bitrate {} threads {}",
                clip.name,
                cfg.preset.name(),
                cfg.qp,
                cfg.bitrate,
                cfg.threads
            );
            let (first_isa, first) = encode(clip, cfg, levels[0]);
            for &level in &levels[1..] {
                let (isa, aus) = encode(clip, cfg, level);
                assert!(isa <= level, "{what}: asked for {level:?}, got {isa:?}");
                used.push(isa);
                assert_eq!(aus.len(), first.len());
                for (i, (a, b)) in aus.iter().zip(&first).enumerate() {
                    assert!(
                        a == b,
                        "{what}: frame {i} differs between {isa:?} ({} bytes) and {first_isa:?} \
                         ({} bytes)",
                        a.len(),
                        b.len()
                    );
                }
            }
            used.push(first_isa);
        }
    }
    used.sort();
    used.dedup();
    match std::env::var("RTENC_CPU") {
        Ok(cap) => eprintln!("notice: RTENC_CPU={cap} caps the levels compared: {used:?}"),
        // Without a cap every level this CPU runs was used (not silently a lower one).
        Err(_) => assert_eq!(used, levels, "levels used vs levels this CPU runs"),
    }
    eprintln!(
        "{} clips x {} configurations identical at {used:?}",
        clips.len(),
        configs.len()
    );
}
