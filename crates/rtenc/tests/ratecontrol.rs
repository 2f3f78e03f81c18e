//! Rate control on real encodes: bitrate accuracy over the clip and over 2 s windows, a VBV
//! replay of the actual frame sizes that must never underflow (first and forced IDRs included),
//! abuse (noise at a very low bitrate, scene cuts every frame, black frames, full-screen flashes
//! every frame): the level's limits hold for every frame, quality recovers within a second once
//! the abuse stops, and every stream still decodes bit-exactly in ffmpeg and openh264.

mod common;

use common::{check_access_units, check_with_ffmpeg, Encoded};
use rtenc::internals::ratecontrol::{initial_fullness, vbv_replay};
use rtenc::{Config, Encoder, Nv12Frame};

/// A textured picture moving by a sub-sample vector every frame: content that needs bits.
fn moving(w: u32, h: u32, t: usize) -> Vec<u8> {
    let (wu, hu) = (w as usize, h as usize);
    let mut f = vec![0u8; wu * hu * 3 / 2];
    let (ox, oy) = (1.75 * t as f64, 0.5 * t as f64);
    for y in 0..hu {
        for x in 0..wu {
            let (fx, fy) = (x as f64 + ox, y as f64 + oy);
            let v = 128.0
                + 50.0 * (fx / 9.0).sin() * (fy / 13.0).cos()
                + 30.0 * ((fx * 0.7 + fy * 0.3).sin());
            f[y * wu + x] = v.clamp(0.0, 255.0) as u8;
        }
    }
    for i in 0..wu * hu / 2 {
        f[wu * hu + i] = (128 + ((i + t) % 40) as i32 - 20) as u8;
    }
    f
}

fn encode(
    cfg: &Config,
    n: usize,
    frame: impl Fn(usize) -> Vec<u8>,
    force: impl Fn(usize) -> bool,
) -> Encoded {
    let mut enc = Encoder::new(cfg.clone()).unwrap();
    let mut out = Encoded::new(cfg.width, cfg.height);
    for i in 0..n {
        let data = frame(i);
        let f = Nv12Frame::from_contiguous(&data, cfg.width, cfg.height).unwrap();
        let au = enc.encode(&f, force(i)).unwrap();
        out.push(&enc, au);
    }
    assert_eq!(out.frames.len(), n, "1-in-1-out: no frame dropped");
    check_access_units(&out);
    out
}

fn sizes_bits(enc: &Encoded) -> Vec<u64> {
    enc.frames.iter().map(|f| f.size() as u64 * 8).collect()
}

fn assert_vbv(cfg: &Config, enc: &Encoded) {
    let size = u64::from(cfg.vbv_size.unwrap_or(cfg.bitrate));
    if let Err(i) = vbv_replay(
        cfg.bitrate,
        cfg.fps,
        size,
        initial_fullness(size),
        &sizes_bits(enc),
    ) {
        panic!(
            "VBV underflow at frame {i} (sizes around it: {:?})",
            &sizes_bits(enc)[i.saturating_sub(3)..=i]
        );
    }
}

#[test]
fn bitrate_is_met_over_the_clip_and_every_two_second_window() {
    let (w, h, fps) = (320u32, 240u32, 30.0);
    for bitrate in [300_000u32, 800_000] {
        let mut cfg = Config::new(w, h);
        cfg.bitrate = bitrate;
        cfg.fps = fps;
        cfg.gop = 30;
        let n = 300;
        let enc = encode(
            &cfg,
            n,
            |t| moving(w, h, t),
            |i| i == 100 || i == 101 || i == 217,
        );
        assert_vbv(&cfg, &enc);
        let bits = sizes_bits(&enc);
        let total: u64 = bits.iter().sum();
        let achieved = total as f64 * fps / n as f64;
        let err = achieved / f64::from(bitrate) - 1.0;
        assert!(
            err.abs() <= 0.10,
            "{bitrate}: achieved {achieved:.0} bit/s ({:+.1}%)",
            err * 100.0
        );
        let win = (2.0 * fps) as usize;
        for start in (fps as usize)..=(n - win) {
            let wbits: u64 = bits[start..start + win].iter().sum();
            let rate = wbits as f64 / 2.0;
            let e = rate / f64::from(bitrate) - 1.0;
            assert!(
                e.abs() <= 0.20,
                "{bitrate}: window at frame {start}: {rate:.0} bit/s ({:+.1}%)",
                e * 100.0
            );
        }
        check_with_ffmpeg(&enc);
    }
}

#[test]
fn abuse_never_underflows_the_vbv_and_recovers() {
    let (w, h) = (176u32, 144u32);
    let mut cfg = Config::new(w, h);
    cfg.bitrate = 60_000;
    cfg.gop = 30;
    // 2 s of pure noise, 1 s of a scene cut every frame, 1 s black, then normal content.
    let frame = |i: usize| match i {
        0..=59 => rtenc_synth::noise(w, h, i as u64),
        60..=89 => rtenc_synth::natural(w, h, i as u64),
        90..=119 => rtenc_synth::flat(w, h, 16, 128, 128),
        _ => moving(w, h, i),
    };
    let enc = encode(&cfg, 180, frame, |i| i == 45);
    assert_vbv(&cfg, &enc);
    // Quality comes back: the last second's QPs are far from the ceiling.
    let tail_qp: f64 = enc.frames[150..]
        .iter()
        .map(|f| f64::from(f.qp))
        .sum::<f64>()
        / 30.0;
    assert!(
        tail_qp < 45.0,
        "QP did not recover after the abuse: {tail_qp:.1}"
    );
    check_with_ffmpeg(&enc);
}

/// The level's limits on every access unit (A.3.1): no access unit larger than the level's
/// MaxCPB or than the VBV; and for every access unit after the first, at most
/// `384 * (Max(PicSizeInMbs, fR * MaxMBPS) + MaxMBPS * (tr(n) - tr(n-1)) - PicSizeInMbs) / MinCR`
/// bytes (A.3.1 item a, frames: fR = 1/172, tr(n) - tr(n-1) = 1/fps), taken with MinCR = 4, the
/// strictest value of Table A-1, so the check holds whatever the level's own MinCR.
fn assert_level_limits(cfg: &Config, enc: &Encoded) {
    let level = rtenc::internals::level::choose_level(cfg).expect("a level");
    let mbs = f64::from(cfg.mb_width() * cfg.mb_height());
    let max_mbps = f64::from(level.max_mbps);
    let max_au_bytes = 384.0 * (mbs.max(max_mbps / 172.0) + max_mbps / cfg.fps - mbs) / 4.0;
    let vbv = u64::from(cfg.vbv_size.unwrap_or(cfg.bitrate));
    for (i, f) in enc.frames.iter().enumerate() {
        let bits = f.size() as u64 * 8;
        assert!(
            bits <= level.max_cpb_bits() && bits <= vbv,
            "frame {i}: {bits} bits exceeds level {}'s MaxCPB ({}) or the VBV ({vbv})",
            level.name,
            level.max_cpb_bits()
        );
        if i > 0 {
            assert!(
                f.size() as f64 <= max_au_bytes,
                "frame {i}: {} bytes exceeds level {}'s {max_au_bytes:.0} bytes per access unit",
                f.size(),
                level.name
            );
        }
    }
}

/// Luma PSNR of each reconstruction against its source (NV12).
fn luma_psnr(enc: &Encoded, frame: &dyn Fn(usize) -> Vec<u8>) -> Vec<f64> {
    let (w, h) = enc.size;
    let n = (w * h) as usize;
    enc.recons
        .iter()
        .enumerate()
        .map(|(i, r)| rtenc_synth::psnr(&r[..n], &frame(i)[..n]))
        .collect()
}

/// Alternately a white picture and the moving content: every frame a full-screen change.
fn flash(w: u32, h: u32, i: usize) -> Vec<u8> {
    if i.is_multiple_of(2) {
        rtenc_synth::flat(w, h, 235, 128, 128)
    } else {
        moving(w, h, i)
    }
}

#[test]
fn each_abuse_keeps_the_vbv_and_level_limits_and_quality_recovers_within_a_second() {
    // Two sizes at very low bitrates; 2 s of abuse, then 2 s of the normal moving content.
    // The same normal content encoded from the start, without abuse, is the reference quality.
    type Abuse = fn(u32, u32, usize) -> Vec<u8>;
    let abuses: [(&str, Abuse); 4] = [
        ("pure noise", |w, h, i| rtenc_synth::noise(w, h, i as u64)),
        ("black", |w, h, _| rtenc_synth::flat(w, h, 16, 128, 128)),
        ("a flash every frame", flash),
        ("a scene cut every frame", |w, h, i| {
            rtenc_synth::natural(w, h, i as u64)
        }),
    ];
    for (w, h, bitrate) in [(176u32, 144u32, 40_000u32), (320, 240, 120_000)] {
        let mut cfg = Config::new(w, h);
        cfg.bitrate = bitrate;
        cfg.gop = 60;
        let fps = cfg.fps as usize;
        let (abuse_end, n) = (2 * fps, 4 * fps);
        let clean_frame = |i: usize| moving(w, h, i);
        let clean = encode(&cfg, n, clean_frame, |_| false);
        let clean_psnr = luma_psnr(&clean, &clean_frame);
        for (name, abuse) in abuses {
            let frame = |i: usize| {
                if i < abuse_end {
                    abuse(w, h, i)
                } else {
                    moving(w, h, i)
                }
            };
            // A forced IDR in the middle of the abuse, the worst moment for one.
            let enc = encode(&cfg, n, frame, |i| i == fps);
            let what = format!("{name} at {w}x{h}, {bitrate} bit/s");
            let size = u64::from(cfg.vbv_size.unwrap_or(cfg.bitrate));
            if let Err(i) = vbv_replay(
                bitrate,
                cfg.fps,
                size,
                initial_fullness(size),
                &sizes_bits(&enc),
            ) {
                panic!("{what}: VBV underflow at frame {i}");
            }
            assert_level_limits(&cfg, &enc);
            // One second after the abuse stops, quality is back to what the same content gets
            // without any abuse before it (mean luma PSNR of the following second).
            let psnr = luma_psnr(&enc, &frame);
            let window = abuse_end + fps..n;
            let mean = |p: &[f64]| p[window.clone()].iter().sum::<f64>() / window.len() as f64;
            let (got, want) = (mean(&psnr), mean(&clean_psnr));
            eprintln!(
                "{what}: PSNR-Y in the second after recovery {got:.2} dB, clean {want:.2} dB"
            );
            assert!(
                got >= want - 1.0,
                "{what}: quality did not recover within a second: {got:.2} dB against {want:.2} dB \
                 without the abuse"
            );
            check_with_ffmpeg(&enc);
        }
    }
}

/// A busy still screen at a low bitrate (the benchmark's desktop clip at 1080p once showed
/// this): a periodic IDR after a run of all-skip frames must be coded normally, not as the flat
/// emergency picture, and the still picture must not get worse from one GOP to the next; while
/// it stays still, spare bits refine it rather than being left unused.
#[test]
fn a_still_screen_keeps_its_quality_across_idrs_and_refines() {
    let (w, h) = (640u32, 368u32);
    let mut cfg = Config::new(w, h);
    cfg.bitrate = 400_000;
    cfg.fps = 30.0;
    cfg.gop = 30;
    let still = rtenc_synth::text_like(w, h, 5);
    let frame = |_: usize| still.clone();
    let enc = encode(&cfg, 95, frame, |_| false);
    assert_vbv(&cfg, &enc);
    let psnr = luma_psnr(&enc, &frame);
    eprintln!(
        "PSNR-Y {:?}",
        psnr.iter()
            .step_by(5)
            .map(|p| format!("{p:.1}"))
            .collect::<Vec<_>>()
    );
    for (i, f) in enc.frames.iter().enumerate() {
        if f.keyframe {
            assert!(f.qp < 51, "IDR {i} coded at QP 51 (the emergency picture?)");
            assert!(
                psnr[i] >= psnr[0] - 1.0,
                "IDR {i}: {:.2} dB against the first IDR's {:.2} dB",
                psnr[i],
                psnr[0]
            );
        }
    }
    // Within a GOP the still frames refine the picture beyond what an IDR at its own budget
    // holds (RateControl::still_qp), so each GOP is compared with the first at the same place.
    assert!(
        psnr[94] >= psnr[4] - 1.0 && psnr[29] > psnr[0] + 1.0,
        "the still picture degraded or was not refined: first {:.2}, frame 4 {:.2}, frame 29 \
         {:.2}, frame 94 {:.2} dB",
        psnr[0],
        psnr[4],
        psnr[29],
        psnr[94]
    );
    check_with_ffmpeg(&enc);
}

/// A window dragged fast across a busy desktop at a low bitrate: about a tenth of the
/// macroblocks change per frame, so some frames start as still frames (refining the unchanged
/// picture). When such a frame is too big even refining as little as it can, what costs is the
/// window, and it must be coded as a P frame rather than replaced by skips: the all-skip
/// fallback left the window behind for frame after frame (here: frames 10 to 21 at 16-19 dB,
/// against 27-29 dB before; now every P frame is within 27.2-30.9 dB).
#[test]
fn a_dragged_window_is_not_left_behind() {
    use rtenc_synth::{ScreenKind, ScreenScene};
    let (w, h) = (1920u32, 1080u32);
    let mut cfg = Config::new(w, h);
    cfg.bitrate = 1_000_000;
    cfg.fps = 30.0;
    cfg.gop = 30;
    let scene = ScreenScene::new(ScreenKind::FastDrag, w, h);
    let frame = |i: usize| scene.frame(i as u64);
    let enc = encode(&cfg, 24, frame, |_| false);
    assert_vbv(&cfg, &enc);
    let psnr = luma_psnr(&enc, &frame);
    eprintln!(
        "PSNR-Y {:?}",
        psnr.iter().map(|p| format!("{p:.1}")).collect::<Vec<_>>()
    );
    let worst = psnr.iter().cloned().fold(f64::INFINITY, f64::min);
    let mean = psnr.iter().sum::<f64>() / psnr.len() as f64;
    assert!(
        worst >= mean - 4.0,
        "a frame at {worst:.1} dB against a mean of {mean:.1} dB: the window left behind?"
    );
    check_with_ffmpeg(&enc);
}
