//! Rate control under a screen streamer's tight buffer (issue 23): a VBV of 1.5 frames, IDRs
//! only on demand (`gop` 0), at 6 Mbit/s for 1920x1080 at 30 fps.
//!
//! The scenes are rtenc-synth's screen scenes at the 1920x1080 (about 25 s for all
//! in the test profile). `RTENC_TIGHT_SIZE=WxH` runs another size at the same bits per pixel,
//! but the scenes' text does not scale with the picture, so smaller sizes are much harder
//! (640x360: a web page's IDR at QP 51 is 1.7 frames of budget, at 1080p 1.1). Asserted, as
//! in the issue:
//! - the VBV never underflows (a replay of the actual frame sizes, every scene);
//! - a scrolling web page uses at least 75 % of the target over its 90 frames;
//! - a still desktop with a moving cursor reaches 45 dB PSNR-Y within 2 s: the mean of frames
//!   60..90 is at least 45 dB;
//! - every stream decodes bit-exactly in ffmpeg (when installed).
//!
//! `--nocapture` prints each scene's figures; `RTENC_TIGHT_VERBOSE=1` adds a line per frame
//! (type, QP, bits, VBV fullness before the frame's removal, PSNR-Y).

mod common;

use common::{check_access_units, check_with_ffmpeg, Encoded};
use rtenc::internals::ratecontrol::{initial_fullness, vbv_replay};
use rtenc::{Config, Encoder, FrameType, Nv12Frame};
use rtenc_synth::{ScreenKind, ScreenScene};

/// The bitrate at 1920x1080.
const BITRATE_1080P: f64 = 6_000_000.0;
const FPS: f64 = 30.0;
const FRAMES: usize = 90;

fn size() -> (u32, u32) {
    std::env::var("RTENC_TIGHT_SIZE")
        .ok()
        .and_then(|s| {
            let (w, h) = s.split_once('x')?;
            Some((w.parse().ok()?, h.parse().ok()?))
        })
        .unwrap_or((1920, 1080))
}

fn config(w: u32, h: u32) -> Config {
    let mut cfg = Config::new(w, h);
    cfg.bitrate = (BITRATE_1080P * f64::from(w * h) / (1920.0 * 1080.0)).round() as u32;
    cfg.vbv_size = Some((f64::from(cfg.bitrate) * 1.5 / FPS) as u32);
    cfg.gop = 0;
    cfg.fps = FPS;
    cfg
}

struct Run {
    cfg: Config,
    enc: Encoded,
    psnr: Vec<f64>,
}

impl Run {
    fn bits(&self) -> Vec<u64> {
        self.enc
            .frames
            .iter()
            .map(|f| f.size() as u64 * 8)
            .collect()
    }

    /// Achieved bitrate over frames `[from, to)` as a fraction of the target.
    fn rate_share(&self, from: usize, to: usize) -> f64 {
        let bits: u64 = self.bits()[from..to].iter().sum();
        bits as f64 * FPS / (to - from) as f64 / f64::from(self.cfg.bitrate)
    }

    fn mean_psnr(&self, from: usize, to: usize) -> f64 {
        self.psnr[from..to].iter().sum::<f64>() / (to - from) as f64
    }
}

fn encode(kind: ScreenKind) -> Run {
    let (w, h) = size();
    let cfg = config(w, h);
    let scene = ScreenScene::new(kind, w, h).with_fps(FPS);
    let mut enc = Encoder::new(cfg.clone()).unwrap();
    let mut out = Encoded::new(w, h);
    let mut psnr = Vec::with_capacity(FRAMES);
    let n = (w * h) as usize;
    for i in 0..FRAMES {
        let data = scene.frame(i as u64);
        let f = Nv12Frame::from_contiguous(&data, w, h).unwrap();
        let au = enc.encode(&f, false).unwrap();
        out.push(&enc, au);
        psnr.push(rtenc_synth::psnr(&out.recons[i][..n], &data[..n]));
    }
    check_access_units(&out);
    let run = Run {
        cfg,
        enc: out,
        psnr,
    };
    report(kind, &run);
    run
}

/// Prints the scene's figures (and, with `RTENC_TIGHT_VERBOSE`, one line per frame).
fn report(kind: ScreenKind, run: &Run) {
    let bits = run.bits();
    let inflow = f64::from(run.cfg.bitrate) / FPS;
    let vbv = f64::from(run.cfg.vbv_size.unwrap());
    if std::env::var_os("RTENC_TIGHT_VERBOSE").is_some() {
        let mut fullness = initial_fullness(vbv as u64) as f64;
        for (i, f) in run.enc.frames.iter().enumerate() {
            let avail = (fullness + inflow).min(vbv);
            eprintln!(
                "{:>14} {i:3} {} qp {:2} bits {:7} ({:4.2} inflow) vbv {:3.0}% psnr {:5.2}",
                kind.name(),
                if f.frame_type == FrameType::Idr {
                    "I"
                } else {
                    "P"
                },
                f.qp,
                bits[i],
                bits[i] as f64 / inflow,
                100.0 * avail / vbv,
                run.psnr[i]
            );
            fullness = (avail - bits[i] as f64).max(0.0);
        }
    }
    let kbps = |from, to| run.rate_share(from, to) * f64::from(run.cfg.bitrate) / 1000.0;
    eprintln!(
        "{:>14} {}x{} target {} kbit/s: {:6.0} kbit/s ({:3.0} %), frames 30..90 {:6.0} kbit/s; \
         PSNR-Y mean {:5.2} dB, 0..30 {:5.2}, 30..60 {:5.2}, 60..90 {:5.2}, min {:5.2}",
        kind.name(),
        run.cfg.width,
        run.cfg.height,
        run.cfg.bitrate / 1000,
        kbps(0, FRAMES),
        100.0 * run.rate_share(0, FRAMES),
        kbps(30, FRAMES),
        run.mean_psnr(0, FRAMES),
        run.mean_psnr(0, 30),
        run.mean_psnr(30, 60),
        run.mean_psnr(60, 90),
        run.psnr.iter().copied().fold(f64::INFINITY, f64::min),
    );
}

fn assert_vbv(kind: ScreenKind, run: &Run) {
    let size = u64::from(run.cfg.vbv_size.unwrap());
    let bits = run.bits();
    if let Err(i) = vbv_replay(run.cfg.bitrate, FPS, size, initial_fullness(size), &bits) {
        panic!(
            "{}: VBV underflow at frame {i} (sizes around it: {:?})",
            kind.name(),
            &bits[i.saturating_sub(3)..=i]
        );
    }
}

/// Web scroll's share of the target over its 90 frames must reach this: issue 23's 75 %.
/// Before the tight-buffer work it was 21 % (36.2 dB); then 71 % (48.2 dB); after the later
/// rate-control work for moving screens 65 % (46.8 dB; frames 30..90: 69 %, at 49-54 dB); with
/// P frames aiming at what a tight buffer holds (`TIGHT_AIM`) 74 % (47.7 dB; frames 30..90:
/// 83 %); with the loop-filter trial every 8 pictures instead of every picture 72 % (47.4 dB);
/// with a faster ramp under a full tight buffer (`TIGHT_STEP_FILL`) 74 % (48.4 dB); with the
/// first IDR at QP 49 instead of 50 (its finer retry no longer goes all the way back) 77 %
/// (49.5 dB). The share moves by a few points with small changes of the frame-to-frame
/// dynamics (variants measured on 2026-12-05 gave 71-77 %): what is left unspent is still
/// frames in pauses that refine nothing at their QP and, at QP 10-15 in the second half, a
/// page that needs no more.
const WEB_SCROLL_FLOOR: f64 = 0.75;

#[test]
fn a_scrolling_page_uses_the_budget() {
    let kind = ScreenKind::WebScroll;
    let run = encode(kind);
    assert_vbv(kind, &run);
    check_with_ffmpeg(&run.enc);
    let share = run.rate_share(0, FRAMES);
    assert!(
        share >= WEB_SCROLL_FLOOR,
        "web scroll used {:.0} % of the target",
        100.0 * share
    );
}

#[test]
fn a_still_desktop_with_a_moving_cursor_is_sharp_within_two_seconds() {
    let kind = ScreenKind::DesktopClock;
    let run = encode(kind);
    assert_vbv(kind, &run);
    check_with_ffmpeg(&run.enc);
    let psnr = run.mean_psnr(60, 90);
    assert!(psnr >= 45.0, "desktop: frames 60..90 at {psnr:.2} dB");
}

/// The other screen scenes: the VBV holds, the streams decode, and frames 60..90 stay above
/// a floor. Before the tight-buffer work the terminal scrolling by whole lines sat at 8.5 dB
/// for good (its first IDR did not fit and was coded flat; every P frame after it fell back to
/// all-skip) and the paging editor at 16.6 dB; now 35.7 and 27.3 dB.
#[test]
fn other_screens_keep_the_vbv_and_recover() {
    for (kind, floor) in [
        (ScreenKind::TerminalFast, 30.0),
        (ScreenKind::EditorPaging, 24.0),
        (ScreenKind::Terminal, 50.0),
    ] {
        let run = encode(kind);
        assert_vbv(kind, &run);
        check_with_ffmpeg(&run.enc);
        let psnr = run.mean_psnr(60, 90);
        assert!(
            psnr >= floor,
            "{}: frames 60..90 at {psnr:.2} dB, below {floor} dB",
            kind.name()
        );
    }
}
