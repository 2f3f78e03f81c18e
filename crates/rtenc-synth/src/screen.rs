//! Animated screen content for benchmarks: what a remote desktop or a visualisation server
//! streams. Nine scenes, each deterministic (frame `i` depends only on the size, the frame rate
//! and `i`) and cheap to render (a static background is drawn once; a frame copies it and
//! draws what moves):
//!
//! - [`ScreenKind::Terminal`]: a terminal printing a busy log; whole text lines scroll up by a
//!   line height (one to three lines per frame, in bursts and pauses), a blinking block cursor.
//! - [`ScreenKind::DesktopClock`]: a static desktop (wallpaper, icons, two windows, a taskbar)
//!   where only a mouse cursor moves (gliding, then resting) and the taskbar clock ticks once a
//!   second.
//! - [`ScreenKind::WindowDrag`]: a text window dragged by its title bar, with the cursor,
//!   across a busy desktop (landscape wallpaper, icons, other windows), a few pixels per frame.
//! - [`ScreenKind::LineChart`]: a live line chart: three series scroll left with their grid
//!   and time labels as new samples arrive on the right; value readouts update every frame.
//!
//! The last five move like real screens do, by lines, pages and whole windows (their page or
//! film is drawn once, at construction):
//!
//! - [`ScreenKind::WebScroll`]: a web page in a browser (still tab bar, URL bar and sidebar; a
//!   page of headings, proportional text in several sizes, links, photos, coloured boxes, lists
//!   and code) scrolled by a mouse wheel: pauses; notches of 57 px (three 19 px lines) smoothed
//!   over three frames, i.e. 19 px a frame; flicks whose momentum peaks at 20 to 40 px a frame
//!   and decays; down and up, clamped to the page. The scrollbar thumb follows; the pointer
//!   rests over the page. Any frame's pane is an exact vertical shift of the previous one's
//!   (chroma included: the page is kept at both row parities).
//! - [`ScreenKind::EditorPaging`]: a code editor (dark theme, tabs, line-number gutter,
//!   syntax-coloured monospace code, status bar): every 15 frames PageDown scrolls by the lines
//!   in view less two (after 14 pages it returns to the top); in between the cursor blinks and
//!   now and then a character is typed; the status bar shows line and column.
//! - [`ScreenKind::FastDrag`]: a window flung across a busy desktop (landscape wallpaper,
//!   icons, four windows): straight legs of 6 to 19 frames at 15 to 35 px a frame in any
//!   direction, bouncing off the edges, with short stops.
//! - [`ScreenKind::VideoWindow`]: a still desktop with a video player (about a third of the
//!   screen) playing camera-like content (a landscape panned 1.37 px right and 0.61 px down a
//!   frame, bilinear, with sensor grain), its progress bar advancing, the taskbar clock
//!   ticking and the pointer resting.
//! - [`ScreenKind::TerminalFast`]: a terminal where a program dumps output: bursts of 3 to 12
//!   frames scrolling 4 to 12 whole lines each frame, and pauses of 2 to 13 frames.
//!
//! ```
//! use rtenc_synth::{ScreenKind, ScreenScene};
//!
//! let s = ScreenScene::new(ScreenKind::Terminal, 320, 240);
//! let f = s.frame(3);
//! assert_eq!(f.len(), 320 * 240 * 3 / 2);
//! assert_eq!(f, ScreenScene::new(ScreenKind::Terminal, 320, 240).frame(3));
//! ```

use crate::canvas::{text_width, Canvas, Yuv};
use crate::font::GLYPH_H;
use crate::natural::{render as render_landscape, Landscape};
use crate::rng::{mix, Rng};

mod motion;

/// Which screen scene.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScreenKind {
    /// A terminal scrolling a log.
    Terminal,
    /// A static desktop with a moving mouse cursor and a ticking clock.
    DesktopClock,
    /// A window dragged across a busy desktop.
    WindowDrag,
    /// A live, scrolling line chart.
    LineChart,
    /// A web page in a browser, scrolled by the mouse wheel (notches, flicks, pauses).
    WebScroll,
    /// A code editor paging down most of a screen every 15 frames.
    EditorPaging,
    /// A window flung across a busy desktop at 15 to 35 px a frame.
    FastDrag,
    /// A still desktop with a video playing in a window.
    VideoWindow,
    /// A terminal scrolling 4 to 12 whole lines a frame in bursts.
    TerminalFast,
}

impl ScreenKind {
    /// Every scene, in declaration order.
    pub const ALL: [ScreenKind; 9] = [
        ScreenKind::Terminal,
        ScreenKind::DesktopClock,
        ScreenKind::WindowDrag,
        ScreenKind::LineChart,
        ScreenKind::WebScroll,
        ScreenKind::EditorPaging,
        ScreenKind::FastDrag,
        ScreenKind::VideoWindow,
        ScreenKind::TerminalFast,
    ];

    /// A short lowercase name, e.g. `terminal`.
    pub fn name(self) -> &'static str {
        match self {
            ScreenKind::Terminal => "terminal",
            ScreenKind::DesktopClock => "desktop-clock",
            ScreenKind::WindowDrag => "window-drag",
            ScreenKind::LineChart => "line-chart",
            ScreenKind::WebScroll => "web-scroll",
            ScreenKind::EditorPaging => "editor-paging",
            ScreenKind::FastDrag => "fast-drag",
            ScreenKind::VideoWindow => "video-window",
            ScreenKind::TerminalFast => "terminal-fast",
        }
    }
}

/// One animated screen scene at a given size and frame rate.
#[derive(Debug, Clone)]
pub struct ScreenScene {
    kind: ScreenKind,
    w: usize,
    h: usize,
    fps: f64,
    /// The static background (empty for scenes redrawn from scratch).
    base: Vec<u8>,
    /// The scrolled page of [`ScreenKind::WebScroll`] and [`ScreenKind::EditorPaging`].
    page: Option<motion::TallPage>,
    /// The film of [`ScreenKind::VideoWindow`].
    film: Option<motion::Film>,
}

const TERM_BG: Yuv = Yuv::new(28, 130, 126);
const TERM_FG: Yuv = Yuv::new(200, 128, 128);
const TASKBAR: Yuv = Yuv::new(40, 136, 124);
const WINDOW_BG: Yuv = Yuv::new(236, 128, 128);
const TITLE_ACTIVE: Yuv = Yuv::new(70, 168, 110);
const TITLE_INACTIVE: Yuv = Yuv::new(150, 134, 124);

impl ScreenScene {
    /// A scene of `width` x `height` (even, non-zero) at 30 frames per second.
    ///
    /// # Panics
    /// If a dimension is zero or odd.
    pub fn new(kind: ScreenKind, width: u32, height: u32) -> Self {
        crate::check(width, height);
        let (w, h) = (width as usize, height as usize);
        let mut s = ScreenScene {
            kind,
            w,
            h,
            fps: 30.0,
            base: Vec::new(),
            page: None,
            film: None,
        };
        match kind {
            ScreenKind::DesktopClock => {
                let mut base = vec![0u8; s.frame_len()];
                let mut c = Canvas::new(&mut base, w, h);
                quiet_wallpaper(&mut c);
                icons(&mut c, 11);
                window(&mut c, (w / 5, h / 8, w / 2, h / 2), "notes.txt", 3, false);
                window(
                    &mut c,
                    (w / 2, h / 3, w * 9 / 20, h / 2),
                    "report.md",
                    4,
                    true,
                );
                taskbar(&mut c);
                s.base = base;
            }
            ScreenKind::WindowDrag => {
                let mut base = vec![0u8; s.frame_len()];
                render_landscape(&Landscape::new(w, h, 0xDE5C), w, h, &mut base);
                let mut c = Canvas::new(&mut base, w, h);
                icons(&mut c, 23);
                window(
                    &mut c,
                    (w * 3 / 5, h / 10, w / 3, h * 2 / 5),
                    "mail",
                    5,
                    false,
                );
                window(
                    &mut c,
                    (w / 8, h / 2, w * 2 / 5, h * 2 / 5),
                    "build log",
                    6,
                    false,
                );
                window(
                    &mut c,
                    (w * 11 / 20, h * 3 / 5, w / 3, h / 3),
                    "music",
                    8,
                    false,
                );
                taskbar(&mut c);
                s.base = base;
            }
            ScreenKind::WebScroll => {
                let (base, page) = motion::web_setup(w, h);
                s.base = base;
                s.page = Some(page);
            }
            ScreenKind::EditorPaging => {
                let (base, page) = motion::editor_setup(w, h);
                s.base = base;
                s.page = Some(page);
            }
            ScreenKind::FastDrag => s.base = motion::fast_drag_base(w, h),
            ScreenKind::VideoWindow => {
                let (base, film) = motion::video_setup(w, h);
                s.base = base;
                s.film = Some(film);
            }
            ScreenKind::Terminal | ScreenKind::LineChart | ScreenKind::TerminalFast => {}
        }
        s
    }

    /// The same scene timed for `fps` frames per second (the clock ticks every `fps` frames).
    pub fn with_fps(mut self, fps: f64) -> Self {
        if fps.is_finite() && fps > 0.0 {
            self.fps = fps;
        }
        self
    }

    /// Which scene this is.
    pub fn kind(&self) -> ScreenKind {
        self.kind
    }

    /// Bytes of one NV12 frame.
    pub fn frame_len(&self) -> usize {
        self.w * self.h * 3 / 2
    }

    /// Frame `index` as a new contiguous NV12 buffer.
    pub fn frame(&self, index: u64) -> Vec<u8> {
        let mut out = vec![0u8; self.frame_len()];
        self.render(index, &mut out);
        out
    }

    /// Renders frame `index` into `out`, which must be [`ScreenScene::frame_len`] bytes.
    ///
    /// # Panics
    /// If `out` has the wrong length.
    pub fn render(&self, index: u64, out: &mut [u8]) {
        assert_eq!(out.len(), self.frame_len(), "ScreenScene frame buffer size");
        let (w, h) = (self.w, self.h);
        if !self.base.is_empty() {
            out.copy_from_slice(&self.base);
        }
        match (self.kind, &self.page, &self.film) {
            (ScreenKind::WebScroll, Some(page), _) => {
                return motion::web_render(out, w, h, page, index);
            }
            (ScreenKind::EditorPaging, Some(page), _) => {
                return motion::editor_render(out, w, h, page, index, self.fps);
            }
            (ScreenKind::VideoWindow, _, Some(film)) => {
                return motion::video_render(out, w, h, film, index, self.fps);
            }
            _ => {}
        }
        let mut c = Canvas::new(out, w, h);
        match self.kind {
            ScreenKind::Terminal => terminal(&mut c, index, self.fps),
            ScreenKind::DesktopClock => {
                clock(&mut c, index, self.fps);
                let (x, y) = desktop_cursor(w, h, index);
                cursor(&mut c, x, y);
            }
            ScreenKind::WindowDrag => {
                // Dragged by the title bar: right and down, bouncing at the edges.
                let (ww, wh) = (w * 2 / 5, h * 9 / 20);
                let t = index as i64;
                let x = tri(t * 9 + w as i64 / 20, (w - ww) as i64);
                let y = tri(t * 4 + h as i64 / 8, (h - wh - h / 20) as i64);
                window(
                    &mut c,
                    (x as usize, y as usize, ww, wh),
                    "editor - main.rs",
                    9,
                    true,
                );
                cursor(&mut c, x + ww as i64 / 3, y + 8);
            }
            ScreenKind::LineChart => chart(&mut c, index, self.fps),
            ScreenKind::FastDrag => motion::fast_drag_render(&mut c, index),
            ScreenKind::TerminalFast => motion::terminal_fast_render(&mut c, index, self.fps),
            ScreenKind::WebScroll | ScreenKind::EditorPaging | ScreenKind::VideoWindow => {
                unreachable!("drawn above")
            }
        }
    }
}

/// A triangle wave over `0..=max` (a position bouncing between two walls).
fn tri(v: i64, max: i64) -> i64 {
    if max <= 0 {
        return 0;
    }
    let m = v.rem_euclid(2 * max);
    if m > max {
        2 * max - m
    } else {
        m
    }
}

/// A soft two-colour vertical gradient with a few flat bands: what a plain desktop shows.
fn quiet_wallpaper(c: &mut Canvas<'_>) {
    let (w, h) = (c.width(), c.height());
    for y in 0..h {
        let t = y as f32 / h as f32;
        let luma = (70.0 + 60.0 * t) as u8;
        for x in 0..w {
            c.set_y(x, y, luma);
        }
    }
    for cy in 0..h / 2 {
        let t = cy as f32 / (h / 2) as f32;
        let u = (150.0 - 20.0 * t) as u8;
        let v = (110.0 + 10.0 * t) as u8;
        for cx in 0..w / 2 {
            c.set_uv(cx, cy, u, v);
        }
    }
}

/// A column of desktop icons with labels.
fn icons(c: &mut Canvas<'_>, seed: u64) {
    let mut r = Rng::new(seed);
    let (w, h) = (c.width() as i64, c.height() as i64);
    let size = (h / 22).max(4);
    let pitch = size * 2;
    let mut y = pitch / 3;
    let mut col = 0;
    while y + pitch < h - h / 20 && col < 2 {
        let x = 16 + col * (size * 3);
        let colour = Yuv::new(
            r.range(90, 200) as u8,
            r.range(70, 190) as u8,
            r.range(70, 190) as u8,
        );
        c.rect(x, y, x + size, y + size, colour);
        c.rect(
            x + size / 4,
            y + size / 4,
            x + size / 2,
            y + size / 2,
            Yuv::grey(235),
        );
        let label: String = (0..r.range(4, 8))
            .map(|_| (b'a' + r.below(26) as u8) as char)
            .collect();
        c.text(x - 4, y + size + 4, &label, 1, Yuv::grey(240));
        y += pitch;
        if y + pitch >= h - h / 20 {
            y = pitch / 3;
            col += 1;
        }
        if x > w {
            break;
        }
    }
}

/// The taskbar along the bottom: a start button and a few task buttons (the clock is drawn per
/// frame).
fn taskbar(c: &mut Canvas<'_>) {
    let (w, h) = (c.width() as i64, c.height() as i64);
    let tb = (h / 20).max(10);
    c.rect(0, h - tb, w, h, TASKBAR);
    c.rect(0, h - tb, w, h - tb + 1, Yuv::grey(90));
    c.rect(6, h - tb + 4, 6 + tb * 2, h - 4, Yuv::new(90, 170, 100));
    for i in 0..4 {
        let x = 16 + tb * 2 + i * (tb * 4);
        c.rect(x, h - tb + 4, x + tb * 4 - 8, h - 4, Yuv::grey(70));
        c.text(
            x + 6,
            h - tb / 2 - 3,
            &format!("task {}", i + 1),
            1,
            Yuv::grey(220),
        );
    }
}

/// The clock at the right end of the taskbar: HH:MM:SS, ticking once a second.
fn clock(c: &mut Canvas<'_>, index: u64, fps: f64) {
    let (w, h) = (c.width() as i64, c.height() as i64);
    let tb = (h / 20).max(10);
    let secs = 10 * 3600 + 41 * 60 + 7 + (index as f64 / fps) as u64;
    let text = format!(
        "{:02}:{:02}:{:02}",
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60
    );
    let scale = if h >= 400 { 2 } else { 1 };
    let tw = text_width(&text, scale) as i64;
    let x = w - tw - 12;
    c.rect(x - 6, h - tb + 2, w - 4, h - 2, TASKBAR);
    c.text(
        x,
        h - tb / 2 - (GLYPH_H * scale) as i64 / 2,
        &text,
        scale,
        Yuv::grey(235),
    );
}

/// A window at (x, y) of size (ww, wh): shadow, border, title bar with buttons, and a body of
/// syntax-coloured text (seeded).
fn window(
    c: &mut Canvas<'_>,
    rect: (usize, usize, usize, usize),
    title: &str,
    seed: u64,
    active: bool,
) {
    let (x, y, ww, wh) = (rect.0 as i64, rect.1 as i64, rect.2 as i64, rect.3 as i64);
    let shadow = Yuv::new(30, 128, 128);
    c.rect(x + 6, y + 6, x + ww + 6, y + wh + 6, shadow);
    c.rect(x - 1, y - 1, x + ww + 1, y + wh + 1, Yuv::grey(60));
    c.rect(x, y, x + ww, y + wh, WINDOW_BG);
    let tb = 22.min(wh / 4).max(4);
    c.rect(
        x,
        y,
        x + ww,
        y + tb,
        if active { TITLE_ACTIVE } else { TITLE_INACTIVE },
    );
    c.text(
        x + 8,
        y + (tb - GLYPH_H as i64) / 2,
        title,
        1,
        Yuv::grey(245),
    );
    for (i, col) in [
        Yuv::new(110, 90, 200),
        Yuv::new(190, 40, 150),
        Yuv::new(150, 70, 70),
    ]
    .iter()
    .enumerate()
    {
        let bx = x + ww - 18 - 18 * i as i64;
        c.rect(bx, y + 5, bx + 12, y + tb - 5, *col);
    }
    let mut r = Rng::new(seed);
    let pitch = GLYPH_H as i64 + 5;
    let mut ly = y + tb + 6;
    let colours = [
        Yuv::new(22, 128, 128),
        Yuv::new(62, 172, 112),
        Yuv::new(84, 108, 182),
        Yuv::new(120, 118, 120),
    ];
    while ly + pitch < y + wh {
        let mut lx = x + 10 + 24 * i64::from(r.below(4));
        let words = r.below(9);
        for _ in 0..words {
            let len = 2 + r.below(8) as usize;
            let word: String = (0..len)
                .map(|_| (b'a' + r.below(26) as u8) as char)
                .collect();
            let end = lx + text_width(&word, 1) as i64;
            if end > x + ww - 10 {
                break;
            }
            let col = colours[(r.below(10) as usize).saturating_sub(6)];
            c.text(lx, ly, &word, 1, col);
            lx = end + 6;
        }
        ly += pitch;
    }
}

/// A mouse pointer (an arrow, white with a black outline) with its tip at (x, y).
fn cursor(c: &mut Canvas<'_>, x: i64, y: i64) {
    let inside = |px: i64, py: i64, grow: i64| {
        let (dx, dy) = (px - x, py - y);
        // A triangle: left edge vertical, diagonal edge dx <= dy * 2 / 3, 19 rows tall, plus a
        // tail.
        let tri = dy >= -grow && dy < 19 + grow && dx >= -grow && dx * 3 <= dy * 2 + 3 * grow;
        let tail = (12..23 + grow).contains(&dy) && (dx - (dy - 12) / 2 - 4).abs() <= 1 + grow;
        tri || tail
    };
    c.mask((x - 2, y - 2, x + 16, y + 26), Yuv::grey(16), |px, py| {
        inside(px, py, 1)
    });
    c.mask((x, y, x + 14, y + 24), Yuv::grey(245), |px, py| {
        inside(px, py, 0)
    });
}

/// Where the desktop's pointer is at frame `index`: it glides to a new target for 20 frames,
/// then rests for 25 (targets are seeded).
fn desktop_cursor(w: usize, h: usize, index: u64) -> (i64, i64) {
    let period = 45;
    let leg = index / period;
    let phase = (index % period) as f64;
    let target = |k: u64| {
        let m = mix(k ^ 0xC0_FFEE);
        (
            (m % (w as u64 * 4 / 5)) as f64 + w as f64 / 10.0,
            ((m >> 32) % (h as u64 * 4 / 5)) as f64 + h as f64 / 10.0,
        )
    };
    let (a, b) = (target(leg), target(leg + 1));
    let t = (phase / 20.0).min(1.0);
    let t = t * t * (3.0 - 2.0 * t);
    (
        (a.0 + (b.0 - a.0) * t).round() as i64,
        (a.1 + (b.1 - a.1) * t).round() as i64,
    )
}

/// The `n`-th line a busy program logs (deterministic).
fn log_line(n: u64) -> (String, Yuv) {
    let mut r = Rng::new(mix(n ^ 0x106));
    let levels = [
        ("INFO ", Yuv::new(160, 110, 100)),
        ("DEBUG", Yuv::new(120, 150, 120)),
        ("WARN ", Yuv::new(180, 60, 150)),
        ("ERROR", Yuv::new(90, 100, 200)),
    ];
    let level = match r.below(20) {
        0 => 3,
        1..=2 => 2,
        3..=8 => 1,
        _ => 0,
    };
    let modules = [
        "http",
        "db.pool",
        "worker",
        "cache",
        "auth",
        "scheduler",
        "rpc",
    ];
    let ms = n * 37 + u64::from(r.below(30));
    let mut s = format!(
        "{:02}:{:02}:{:02}.{:03} {} {}[{}]: ",
        10 + ms / 3_600_000 % 24,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000,
        levels[level].0,
        modules[r.below(modules.len() as u32) as usize],
        r.below(16)
    );
    let words = 3 + r.below(12);
    for _ in 0..words {
        match r.below(6) {
            0 => s.push_str(&format!("{} ", r.below(100_000))),
            1 => s.push_str(&format!("id={:08x} ", r.next_u64() as u32)),
            _ => {
                let len = 2 + r.below(9) as usize;
                let word: String = (0..len)
                    .map(|_| (b'a' + r.below(26) as u8) as char)
                    .collect();
                s.push_str(&word);
                s.push(' ');
            }
        }
    }
    (s, levels[level].1)
}

/// Lines printed by the end of frame `index`: bursts of one to three lines a frame, with pauses.
fn lines_printed(index: u64) -> u64 {
    (0..=index)
        .map(|i| {
            let m = mix(i ^ 0x7E57) % 16;
            match m {
                0..=3 => 0,
                4..=9 => 1,
                10..=13 => 2,
                _ => 3,
            }
        })
        .sum()
}

fn terminal(c: &mut Canvas<'_>, index: u64, fps: f64) {
    terminal_with(
        c,
        index,
        fps,
        lines_printed(index),
        "user@host: /srv/service (tail -f service.log)",
    );
}

/// A terminal showing the last lines of `printed` log lines, with a title and a prompt.
fn terminal_with(c: &mut Canvas<'_>, index: u64, fps: f64, printed: u64, title: &str) {
    let (w, h) = (c.width() as i64, c.height() as i64);
    c.fill(TERM_BG);
    let scale = if h >= 400 { 2 } else { 1 };
    let s = scale as i64;
    let pitch = (GLYPH_H as i64 + 2) * s;
    let tb = pitch + 4;
    c.rect(0, 0, w, tb, Yuv::grey(60));
    c.text(8, 2 * s, title, scale, Yuv::grey(220));
    let rows = ((h - tb - 4) / pitch - 1).max(0) as u64;
    let first = printed.saturating_sub(rows);
    let mut y = tb + 2;
    for n in first..printed {
        let (text, level_colour) = log_line(n);
        // Timestamp in the default colour, level in its colour, the rest default.
        let (stamp, rest) = text.split_at(13);
        let (level, rest) = rest.split_at(5);
        let mut x = c.text(4, y, stamp, scale, Yuv::grey(140));
        x = c.text(x, y, level, scale, level_colour);
        c.text(x, y, rest, scale, TERM_FG);
        y += pitch;
    }
    // The prompt line and a cursor blinking at 2 Hz.
    let x = c.text(4, y, "$ ", scale, Yuv::new(170, 90, 90));
    if ((index as f64 / fps * 2.0) as u64).is_multiple_of(2) {
        c.rect(x, y, x + 5 * s, y + GLYPH_H as i64 * s, TERM_FG);
    }
}

/// The value of chart series `s` at sample `k` (deterministic, in [0, 1]).
fn series(s: usize, k: i64) -> f64 {
    let kf = k as f64;
    let noise = |k: i64| (mix((k as u64) ^ (s as u64 * 0x9E37)) >> 11) as f64 / (1u64 << 53) as f64;
    let base = match s {
        0 => 0.55 + 0.2 * (kf / 37.0).sin() + 0.08 * (kf / 7.3).sin(),
        1 => 0.35 + 0.15 * (kf / 53.0 + 1.0).sin() + 0.1 * (kf / 11.0).cos(),
        _ => 0.2 + 0.1 * ((kf / 90.0).sin() + 1.0) * if (k / 40) % 5 == 0 { 2.5 } else { 1.0 },
    };
    (base + 0.06 * (noise(k) - 0.5)).clamp(0.02, 0.98)
}

fn chart(c: &mut Canvas<'_>, index: u64, fps: f64) {
    let (w, h) = (c.width() as i64, c.height() as i64);
    c.fill(Yuv::grey(250));
    let scale = if h >= 400 { 2 } else { 1 };
    let s = scale as i64;
    // Plot area.
    let (left, right) = (w / 12, w - w / 6);
    let (top, bottom) = (h / 10, h - h / 8);
    c.text(
        left,
        top / 3,
        "requests per second (live)",
        scale,
        Yuv::grey(30),
    );
    c.rect(left, top, right, bottom, Yuv::grey(255));
    // Samples every `step` pixels; the chart moves `speed` pixels per frame.
    let step = 6i64;
    let speed = 4i64;
    let scroll = index as i64 * speed;
    // Vertical grid lines and time labels every `grid_dx` pixels of data, moving with it: data
    // coordinate d is at x = left + d - scroll.
    let grid_dx = 120i64;
    let mut g = scroll.div_euclid(grid_dx) * grid_dx;
    while g < scroll + (right - left) {
        let x = left + g - scroll;
        if x > left {
            c.rect(x, top, x + 1, bottom, Yuv::grey(215));
            let t = g / grid_dx;
            let label = format!("{}:{:02}", 14 + t / 60 % 10, t % 60);
            c.text(x - 12 * s, bottom + 6, &label, scale, Yuv::grey(80));
        }
        g += grid_dx;
    }
    // Horizontal grid lines and value labels (static).
    for i in 0..=5 {
        let y = bottom - (bottom - top) * i / 5;
        c.rect(
            left,
            y,
            right,
            y + 1,
            Yuv::grey(if i == 0 { 60 } else { 215 }),
        );
        c.text(
            left - 36 * s,
            y - 3 * s,
            &format!("{}", i * 200),
            scale,
            Yuv::grey(80),
        );
    }
    c.rect(left, top, left + 1, bottom, Yuv::grey(60));
    let colours = [
        Yuv::from_rgb(0.12, 0.47, 0.71),
        Yuv::from_rgb(1.0, 0.5, 0.05),
        Yuv::from_rgb(0.17, 0.63, 0.17),
    ];
    let names = ["api", "web", "batch"];
    let span = (bottom - top - 4) as f64;
    let y_of = |v: f64| bottom - 2 - (v * span) as i64;
    for (si, col) in colours.iter().enumerate() {
        // Sample k sits at data coordinate k * step.
        let k0 = scroll.div_euclid(step);
        let k1 = (scroll + (right - left)).div_euclid(step) + 1;
        let mut prev: Option<(i64, i64)> = None;
        for k in k0..=k1 {
            let x = left + k * step - scroll;
            let y = y_of(series(si, k));
            if let Some((px, py)) = prev {
                // A 2-pixel-thick segment from (px, py) to (x, y), column by column.
                for cx in px.max(left)..x.min(right) {
                    let t = (cx - px) as f64 / (x - px) as f64;
                    let yy = py as f64 + (y - py) as f64 * t;
                    let yn = py as f64 + (y - py) as f64 * ((cx + 1 - px) as f64 / (x - px) as f64);
                    let (a, b) = (yy.min(yn) as i64 - 1, yy.max(yn) as i64 + 2);
                    c.rect(cx, a.max(top), cx + 1, b.min(bottom), *col);
                }
            }
            prev = Some((x, y));
        }
        // Legend with the live value.
        let ly = top + 10 * s + si as i64 * 14 * s;
        c.rect(right + 12, ly, right + 12 + 8 * s, ly + 7 * s, *col);
        let value = (series(si, k1) * 1000.0).round();
        let label = format!("{} {:4}", names[si], value);
        c.rect(right + 14 + 8 * s, ly - 1, w, ly + 8 * s, Yuv::grey(250));
        c.text(right + 16 + 8 * s, ly, &label, scale, Yuv::grey(30));
    }
    let secs = (index as f64 / fps) as u64;
    c.text(
        right + 12,
        bottom - 10 * s,
        &format!("uptime {secs}s"),
        scale,
        Yuv::grey(100),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenes_are_deterministic_move_and_fit_small_sizes() {
        for kind in ScreenKind::ALL {
            for (w, h) in [(64, 48), (320, 240), (642, 362)] {
                let s = ScreenScene::new(kind, w, h);
                let a = s.frame(40);
                assert_eq!(a.len(), (w * h * 3 / 2) as usize);
                assert_eq!(a, ScreenScene::new(kind, w, h).frame(40), "{}", kind.name());
            }
            let s = ScreenScene::new(kind, 640, 360);
            let frames: Vec<Vec<u8>> = (0..60).map(|i| s.frame(i)).collect();
            assert!(
                frames.windows(2).any(|p| p[0] != p[1]),
                "{} never changes",
                kind.name()
            );
        }
    }

    #[test]
    fn desktop_clock_is_mostly_static_and_ticks() {
        let s = ScreenScene::new(ScreenKind::DesktopClock, 640, 360);
        let (a, b) = (s.frame(25), s.frame(26)); // the pointer rests
        assert_eq!(a, b, "a resting pointer and the same second");
        let c = s.frame(30); // the next second
        assert_ne!(b, c);
        let changed = b.iter().zip(&c).filter(|(x, y)| x != y).count();
        assert!(changed < b.len() / 100, "only the clock changes: {changed}");
    }

    #[test]
    fn terminal_scrolls_by_whole_lines() {
        let s = ScreenScene::new(ScreenKind::Terminal, 640, 360);
        let n = (0..30).filter(|&i| s.frame(i) != s.frame(i + 1)).count();
        assert!(n > 10, "the terminal changed in only {n} of 30 frames");
        assert!(lines_printed(100) > 100);
    }

    /// The row shift `d` (within `-max..=max`, keeping at least `min_overlap` rows) for which
    /// row `r` of `b` equals row `r + d` of `a` on the most rows of the pane (columns
    /// `x0..x1`, rows `y0..y1`), and how many overlapping rows then differ.
    fn best_shift(
        a: &[u8],
        b: &[u8],
        w: usize,
        (x0, x1, y0, y1): (usize, usize, usize, usize),
        max: i64,
        min_overlap: i64,
    ) -> (i64, usize) {
        fn row(f: &[u8], w: usize, x: (usize, usize), y: i64) -> &[u8] {
            &f[y as usize * w + x.0..y as usize * w + x.1]
        }
        let mut best = (0, usize::MAX, 0usize);
        for d in -max..=max {
            let (lo, hi) = (
                (y0 as i64).max(y0 as i64 - d),
                (y1 as i64).min(y1 as i64 - d),
            );
            if hi - lo < min_overlap {
                continue;
            }
            let bad = (lo..hi)
                .filter(|&r| row(b, w, (x0, x1), r) != row(a, w, (x0, x1), r + d))
                .count();
            // Fewest differing rows in proportion to the overlap.
            if best.1 == usize::MAX || bad * best.2 < best.1 * (hi - lo) as usize {
                best = (d, bad, (hi - lo) as usize);
            }
        }
        (best.0, best.1)
    }

    #[test]
    fn web_page_scrolls_as_a_vertical_shift_of_the_pane() {
        let (w, h) = (640, 360);
        let s = ScreenScene::new(ScreenKind::WebScroll, w, h);
        let l = motion::web_layout(w as usize, h as usize);
        let page_rows = l.pane_h * 9;
        let max = (page_rows - l.pane_h) as i64;
        let pos: Vec<i64> = (0..80).map(|i| motion::web_scroll(i, max)).collect();
        let steps: Vec<i64> = pos.windows(2).map(|p| p[1] - p[0]).collect();
        assert!(
            steps.contains(&19),
            "wheel notches of 19 px a frame: {steps:?}"
        );
        assert!(steps.iter().any(|&d| d >= 30), "a flick: {steps:?}");
        assert!(steps.iter().any(|&d| d < 0), "scrolls up too: {steps:?}");
        assert!(
            steps.iter().filter(|&&d| d == 0).count() >= 5,
            "pauses: {steps:?}"
        );
        // Every step (a notch, a flick at its fastest, a momentum tail, an odd one) shows as
        // an exact shift of the pane, except where the pointer rests.
        let mut checked = 0;
        for i in (0..79).filter(|&i| steps[i] != 0).step_by(4) {
            let (a, b) = (s.frame(i as u64), s.frame(i as u64 + 1));
            let pane = (l.pane_x, l.pane_x + l.pane_w, l.pane_y, h as usize);
            let (d, bad) = best_shift(&a, &b, w as usize, pane, 60, 40);
            assert_eq!(d, steps[i], "frame {i}");
            assert!(
                bad <= 60,
                "frame {i}: {bad} rows differ besides the pointer"
            );
            let wu = w as usize;
            let still = (l.pane_y..h as usize)
                .filter(|&r| {
                    a[r * wu..][..l.pane_x + l.pane_w] != b[r * wu..][..l.pane_x + l.pane_w]
                })
                .count();
            assert!(still > 100, "frame {i}: the pane changes ({still} rows)");
            checked += 1;
        }
        assert!(checked >= 5);
        // The chrome and the sidebar stay still.
        let (a, b) = (s.frame(10), s.frame(11));
        let wu = w as usize;
        assert_eq!(a[..l.pane_y * wu], b[..l.pane_y * wu]);
        for r in l.pane_y..h as usize {
            assert_eq!(a[r * wu..r * wu + l.pane_x], b[r * wu..r * wu + l.pane_x]);
        }
    }

    #[test]
    fn editor_pages_down_as_a_vertical_shift_of_the_pane() {
        let (w, h) = (640, 360);
        let s = ScreenScene::new(ScreenKind::EditorPaging, w, h);
        let l = motion::editor_layout(w as usize, h as usize);
        let period = motion::PAGE_PERIOD;
        let jump = ((l.lines - 2) * l.pitch) as i64;
        for i in [period - 1, 2 * period - 1] {
            let (a, b) = (s.frame(i), s.frame(i + 1));
            let pane = (0, l.pane_w, l.pane_y, l.pane_y + l.pane_h);
            let (d, bad) = best_shift(
                &a,
                &b,
                w as usize,
                pane,
                l.pane_h as i64 - 2 * l.pitch as i64,
                2 * l.pitch as i64,
            );
            assert_eq!((d, bad), (jump, 0), "PageDown after frame {i}");
        }
        // Between jumps only the cursor's line and the status bar change.
        let (a, b) = (s.frame(3), s.frame(12));
        let wu = w as usize;
        let changed: Vec<usize> = (0..h as usize)
            .filter(|&r| a[r * wu..(r + 1) * wu] != b[r * wu..(r + 1) * wu])
            .collect();
        assert!(!changed.is_empty());
        assert!(
            changed.len() <= 2 * l.pitch + 20,
            "{} rows changed",
            changed.len()
        );
    }

    #[test]
    fn fast_scenes_move_fast() {
        // The dragged window: 15 to 35 px a frame while it moves.
        let speeds: Vec<f64> = (0..120)
            .map(|i| {
                let (a, b) = (
                    motion::fast_drag_pos(i, (1152, 540)),
                    motion::fast_drag_pos(i + 1, (1152, 540)),
                );
                (((b.0 - a.0).pow(2) + (b.1 - a.1).pow(2)) as f64).sqrt()
            })
            .collect();
        let moving: Vec<f64> = speeds.iter().copied().filter(|&v| v > 0.0).collect();
        assert!(moving.len() > 90, "{speeds:?}");
        let mean = moving.iter().sum::<f64>() / moving.len() as f64;
        assert!((18.0..32.0).contains(&mean), "mean {mean}: {speeds:?}");
        // The fast terminal: 4 to 12 lines a frame in bursts, and pauses.
        let lines: Vec<u64> = (0..120)
            .map(|i| motion::fast_lines_printed(i + 1) - motion::fast_lines_printed(i))
            .collect();
        assert!(
            lines.iter().all(|&n| n == 0 || (4..=12).contains(&n)),
            "{lines:?}"
        );
        assert!(lines.iter().filter(|&&n| n == 0).count() >= 10, "{lines:?}");
        assert!(lines.iter().filter(|&&n| n > 0).count() >= 40, "{lines:?}");
    }

    #[test]
    fn video_window_moves_only_inside_the_player() {
        let s = ScreenScene::new(ScreenKind::VideoWindow, 640, 360);
        let (a, b) = (s.frame(5), s.frame(6));
        let w = 640;
        let changed: Vec<(usize, usize)> = (0..360 * w)
            .filter(|&i| a[i] != b[i])
            .map(|i| (i % w, i / w))
            .collect();
        assert!(changed.len() > 640 * 360 / 10, "the video plays");
        let (x0, x1) = (
            changed.iter().map(|p| p.0).min(),
            changed.iter().map(|p| p.0).max(),
        );
        let (y0, y1) = (
            changed.iter().map(|p| p.1).min(),
            changed.iter().map(|p| p.1).max(),
        );
        assert!(
            x0 >= Some(640 / 4) && x1 < Some(640 * 4 / 5),
            "{x0:?}..{x1:?}"
        );
        assert!(
            y0 >= Some(360 / 8) && y1 < Some(360 * 3 / 4),
            "{y0:?}..{y1:?}"
        );
    }
}
