//! The benchmark clips: deterministic synthetic content, rendered once into memory as
//! contiguous NV12 frames so that every encoder reads exactly the same samples.

use rtenc_synth::{natural, DemoScene, ScreenKind, ScreenScene};

/// One clip: its frames and the rate it is meant to be played at.
pub struct Clip {
    /// Short name used in the table.
    pub name: String,
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
    /// The default target bitrate for this clip, in bit/s.
    pub bitrate: u32,
    /// Screen content (rather than camera-like).
    pub screen: bool,
    /// Contiguous NV12 frames.
    pub frames: Vec<Vec<u8>>,
}

/// The clip kinds the benchmark knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClipKind {
    /// Camera-like 1920x1080: a textured landscape panned at a sub-sample speed, with sensor
    /// grain.
    #[value(name = "camera-1080p")]
    Camera1080p,
    /// The same at 1280x720.
    #[value(name = "camera-720p")]
    Camera720p,
    /// A terminal scrolling a busy log, 1920x1080.
    #[value(name = "terminal-1080p")]
    Terminal1080p,
    /// A static desktop where a mouse cursor moves and the clock ticks every second, 1920x1080.
    #[value(name = "desktop-1080p")]
    Desktop1080p,
    /// A text window dragged across a busy desktop, 1920x1080.
    #[value(name = "window-drag-1080p")]
    WindowDrag1080p,
    /// A live line chart scrolling left, with grid and labels, 1920x1080.
    #[value(name = "chart-1080p")]
    Chart1080p,
    /// rtenc's built-in demo scene at 1920x1080 (landscape, moving shapes, text, a ticker).
    #[value(name = "demo-1080p")]
    Demo1080p,
    /// A web page in a browser scrolled by the mouse wheel (19 px notch steps, flicks up to
    /// 40 px a frame, pauses, up and down) beside a still sidebar, 1920x1080.
    #[value(name = "web-scroll-1080p")]
    WebScroll1080p,
    /// A code editor paging down (most of a screen every 15 frames), 1920x1080.
    #[value(name = "editor-paging-1080p")]
    EditorPaging1080p,
    /// A window flung across a busy desktop at 15 to 35 px a frame, 1920x1080.
    #[value(name = "fast-drag-1080p")]
    FastDrag1080p,
    /// A still desktop with a video playing in a window (a third of the screen), 1920x1080.
    #[value(name = "video-window-1080p")]
    VideoWindow1080p,
    /// A terminal scrolling 4 to 12 whole lines a frame in bursts, 1920x1080.
    #[value(name = "terminal-fast-1080p")]
    TerminalFast1080p,
    /// A tiny 320x180 terminal, for smoke tests.
    #[value(name = "tiny")]
    Tiny,
}

impl ClipKind {
    /// The clips of a default run: camera-like 1080p and 720p, and the four 1080p screen scenes.
    pub const DEFAULT: [ClipKind; 6] = [
        ClipKind::Camera1080p,
        ClipKind::Camera720p,
        ClipKind::Terminal1080p,
        ClipKind::Desktop1080p,
        ClipKind::WindowDrag1080p,
        ClipKind::Chart1080p,
    ];

    /// Screens that move like real ones (`--screen-motion`): scrolls by lines and pages, a
    /// fast window drag, a video in a window.
    pub const SCREEN_MOTION: [ClipKind; 5] = [
        ClipKind::WebScroll1080p,
        ClipKind::EditorPaging1080p,
        ClipKind::FastDrag1080p,
        ClipKind::VideoWindow1080p,
        ClipKind::TerminalFast1080p,
    ];

    /// Renders `frames` frames of this clip.
    pub fn render(self, frames: usize) -> Clip {
        match self {
            ClipKind::Terminal1080p => screen(
                "terminal-1080p",
                ScreenKind::Terminal,
                1920,
                1080,
                3_000_000,
                frames,
            ),
            ClipKind::Desktop1080p => screen(
                "desktop-1080p",
                ScreenKind::DesktopClock,
                1920,
                1080,
                1_000_000,
                frames,
            ),
            ClipKind::WindowDrag1080p => screen(
                "window-drag-1080p",
                ScreenKind::WindowDrag,
                1920,
                1080,
                4_000_000,
                frames,
            ),
            ClipKind::Chart1080p => screen(
                "chart-1080p",
                ScreenKind::LineChart,
                1920,
                1080,
                2_000_000,
                frames,
            ),
            ClipKind::WebScroll1080p => screen(
                "web-scroll-1080p",
                ScreenKind::WebScroll,
                1920,
                1080,
                3_000_000,
                frames,
            ),
            ClipKind::EditorPaging1080p => screen(
                "editor-paging-1080p",
                ScreenKind::EditorPaging,
                1920,
                1080,
                4_000_000,
                frames,
            ),
            ClipKind::FastDrag1080p => screen(
                "fast-drag-1080p",
                ScreenKind::FastDrag,
                1920,
                1080,
                4_000_000,
                frames,
            ),
            ClipKind::VideoWindow1080p => screen(
                "video-window-1080p",
                ScreenKind::VideoWindow,
                1920,
                1080,
                4_000_000,
                frames,
            ),
            ClipKind::TerminalFast1080p => screen(
                "terminal-fast-1080p",
                ScreenKind::TerminalFast,
                1920,
                1080,
                12_000_000,
                frames,
            ),
            ClipKind::Tiny => screen("tiny", ScreenKind::Terminal, 320, 180, 300_000, frames),
            ClipKind::Camera1080p => camera("camera-1080p", 1920, 1080, 6_000_000, frames),
            ClipKind::Camera720p => camera("camera-720p", 1280, 720, 3_000_000, frames),
            ClipKind::Demo1080p => {
                let scene = DemoScene::new(1920, 1080);
                Clip {
                    name: "demo-1080p".into(),
                    width: 1920,
                    height: 1080,
                    fps: 30,
                    bitrate: 4_000_000,
                    screen: false,
                    frames: (0..frames as u64).map(|i| scene.frame(i)).collect(),
                }
            }
        }
    }
}

/// A screen scene at 30 frames per second.
fn screen(name: &str, kind: ScreenKind, w: u32, h: u32, bitrate: u32, frames: usize) -> Clip {
    let scene = ScreenScene::new(kind, w, h);
    Clip {
        name: name.into(),
        width: w,
        height: h,
        fps: 30,
        bitrate,
        screen: true,
        frames: (0..frames as u64).map(|i| scene.frame(i)).collect(),
    }
}

/// A camera pan over a procedural landscape: every frame samples a larger still picture at an
/// offset moving 1.37 samples right and 0.61 down per frame (bilinear, so the motion is
/// sub-sample), then adds zero-mean grain of amplitude +-3 to luma, as a sensor would.
fn camera(name: &str, w: u32, h: u32, bitrate: u32, frames: usize) -> Clip {
    let (wu, hu) = (w as usize, h as usize);
    let margin_x = (frames as f64 * 1.37).ceil() as usize + 4;
    let margin_y = (frames as f64 * 0.61).ceil() as usize + 4;
    let (bw, bh) = ((wu + margin_x + 1) & !1, (hu + margin_y + 1) & !1);
    let base = natural(bw as u32, bh as u32, 7);
    let (base_y, base_uv) = base.split_at(bw * bh);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut out = Vec::with_capacity(frames);
    for t in 0..frames {
        // Offsets in 1/16 sample.
        let ox = (t as f64 * 1.37 * 16.0) as usize;
        let oy = (t as f64 * 0.61 * 16.0) as usize;
        let mut f = vec![0u8; wu * hu * 3 / 2];
        let (fy, fuv) = f.split_at_mut(wu * hu);
        sample(base_y, bw, 1, ox, oy, wu, hu, fy);
        // Chroma: half the offset, two interleaved components.
        sample(base_uv, bw, 2, ox / 2, oy / 2, wu / 2, hu / 2, fuv);
        for v in fy.iter_mut() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let grain = ((seed >> 32) % 7) as i32 - 3; // -3..=3
            *v = (i32::from(*v) + grain).clamp(16, 235) as u8;
        }
        out.push(f);
    }
    Clip {
        name: name.into(),
        width: w,
        height: h,
        fps: 30,
        bitrate,
        screen: false,
        frames: out,
    }
}

/// Bilinear resampling of a `w` x `h` window (in samples of `comps` interleaved components)
/// at offset (ox, oy) in 1/16 sample from a plane of row stride `stride` bytes.
#[allow(clippy::too_many_arguments)]
fn sample(
    src: &[u8],
    stride: usize,
    comps: usize,
    ox: usize,
    oy: usize,
    w: usize,
    h: usize,
    dst: &mut [u8],
) {
    let (ix, fx) = (ox / 16, (ox % 16) as u32);
    let (iy, fy) = (oy / 16, (oy % 16) as u32);
    for y in 0..h {
        let r0 = &src[(iy + y) * stride..];
        let r1 = &src[(iy + y + 1) * stride..];
        for x in 0..w {
            for c in 0..comps {
                let i = (ix + x) * comps + c;
                let a = u32::from(r0[i]) * (16 - fx) + u32::from(r0[i + comps]) * fx;
                let b = u32::from(r1[i]) * (16 - fx) + u32::from(r1[i + comps]) * fx;
                dst[(y * w + x) * comps + c] = ((a * (16 - fy) + b * fy + 128) >> 8) as u8;
            }
        }
    }
}
