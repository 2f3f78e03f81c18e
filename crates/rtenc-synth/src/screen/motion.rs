//! The screen scenes that move like real screens do: a web page wheel-scrolled, an editor
//! paging down, a window flung across the desktop, a video playing in a window, a terminal
//! dumping whole screens of output. See the parent module's documentation.

use super::{clock, cursor, icons, quiet_wallpaper, taskbar, terminal_with, tri, window};
use crate::canvas::{rgb_to_yuv, to_u8, Canvas, Yuv};
use crate::font::{self, GLYPH_H, GLYPH_W};
use crate::natural::{render as render_landscape, Landscape};
use crate::rng::{mix, Rng};

/// Rounds down to an even number.
fn even(v: usize) -> usize {
    v & !1
}

/// A text scale that suits the picture height (2 from 400 rows up, as the other scenes).
fn text_scale(h: usize) -> usize {
    if h >= 400 {
        2
    } else {
        1
    }
}

// ---------------------------------------------------------------------------------------------
// Tall pages: drawn once, copied at any row offset.

/// A photograph for a page: full-resolution Y, Cb, Cr (so that it can be pasted at any row
/// parity with its chroma averaged exactly as a capture of the screen would be).
#[derive(Debug, Clone)]
struct Photo {
    w: usize,
    h: usize,
    yuv: Vec<[f32; 3]>,
}

impl Photo {
    fn new(w: usize, h: usize, seed: u64) -> Self {
        let (w, h) = (w.max(2), h.max(2));
        let land = Landscape::new(w, h, seed);
        let mut yuv = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                let [r, g, b] = land.rgb(x as f32 + 0.5, y as f32 + 0.5);
                let (yy, u, v) = rgb_to_yuv(r, g, b);
                yuv.push([yy, u, v]);
            }
        }
        Photo { w, h, yuv }
    }

    /// Pastes the photo with its top-left corner at (x0, y0), clipped.
    fn paste(&self, c: &mut Canvas<'_>, x0: i64, y0: i64) {
        let (cw, ch) = (c.width() as i64, c.height() as i64);
        let at = |x: i64, y: i64| -> Option<[f32; 3]> {
            let (px, py) = (x - x0, y - y0);
            if px < 0 || py < 0 || px >= self.w as i64 || py >= self.h as i64 {
                None
            } else {
                Some(self.yuv[py as usize * self.w + px as usize])
            }
        };
        for y in y0.max(0)..(y0 + self.h as i64).min(ch) {
            for x in x0.max(0)..(x0 + self.w as i64).min(cw) {
                c.set_y(
                    x as usize,
                    y as usize,
                    to_u8(at(x, y).unwrap_or([0.0; 3])[0]),
                );
            }
        }
        let (cx0, cy0) = (x0.div_euclid(2).max(0), y0.div_euclid(2).max(0));
        let cx1 = (x0 + self.w as i64 + 1).div_euclid(2).min(cw / 2);
        let cy1 = (y0 + self.h as i64 + 1).div_euclid(2).min(ch / 2);
        for cy in cy0..cy1 {
            for cx in cx0..cx1 {
                let (mut n, mut u, mut v) = (0.0f32, 0.0f32, 0.0f32);
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    if let Some(p) = at(2 * cx + dx, 2 * cy + dy) {
                        n += 1.0;
                        u += p[1];
                        v += p[2];
                    }
                }
                if n > 0.0 {
                    let a = n / 4.0;
                    let (ou, ov) = c.get_uv(cx as usize, cy as usize);
                    let mixc = |o: u8, s: f32| to_u8(f32::from(o) * (1.0 - a) + s / n * a);
                    c.set_uv(cx as usize, cy as usize, mixc(ou, u), mixc(ov, v));
                }
            }
        }
    }
}

/// What a page is made of, in page coordinates.
#[derive(Debug, Clone)]
enum Elem {
    Rect(i64, i64, i64, i64, Yuv),
    /// Monospace text (the bitmap font's fixed advance).
    Mono(i64, i64, String, usize, Yuv),
    /// Proportional text (each glyph advances by its inked width plus one column).
    Prop(i64, i64, String, usize, Yuv),
    Photo(i64, i64, usize),
}

/// Horizontal extent (first and last inked column) of a glyph; `None` for a blank one.
fn glyph_cols(ch: char) -> Option<(usize, usize)> {
    let g = font::glyph(ch);
    let bits = g.iter().fold(0u8, |a, r| a | r);
    if ch == ' ' || bits == 0 {
        return None;
    }
    let first = (0..GLYPH_W).find(|&c| bits >> (4 - c) & 1 != 0)?;
    let last = (0..GLYPH_W).rev().find(|&c| bits >> (4 - c) & 1 != 0)?;
    Some((first, last))
}

/// Width of proportional text at `scale`.
fn prop_width(text: &str, scale: usize) -> i64 {
    text.chars()
        .map(|ch| match glyph_cols(ch) {
            Some((a, b)) => (b - a + 2) as i64,
            None => 3,
        })
        .sum::<i64>()
        * scale as i64
}

/// Draws proportional text; returns the x after it.
fn prop_text(c: &mut Canvas<'_>, x: i64, y: i64, text: &str, scale: usize, col: Yuv) -> i64 {
    let s = scale as i64;
    let mut cx = x;
    for ch in text.chars() {
        match glyph_cols(ch) {
            Some((a, b)) => {
                if cx >= c.width() as i64 {
                    break;
                }
                let g = font::glyph(ch);
                let gx = cx - a as i64 * s;
                c.mask(
                    (cx, y, cx + (b - a + 1) as i64 * s, y + GLYPH_H as i64 * s),
                    col,
                    |px, py| font::pixel(&g, ((px - gx) / s) as usize, ((py - y) / s) as usize),
                );
                cx += (b - a + 2) as i64 * s;
            }
            None => cx += 3 * s,
        }
    }
    cx
}

/// A page laid out once: elements and the photos they show.
#[derive(Debug, Clone, Default)]
struct Doc {
    elems: Vec<Elem>,
    photos: Vec<Photo>,
}

impl Doc {
    fn draw(&self, c: &mut Canvas<'_>, dy: i64) {
        for e in &self.elems {
            match e {
                Elem::Rect(x0, y0, x1, y1, col) => c.rect(*x0, y0 + dy, *x1, y1 + dy, *col),
                Elem::Mono(x, y, t, s, col) => {
                    c.text(*x, y + dy, t, *s, *col);
                }
                Elem::Prop(x, y, t, s, col) => {
                    prop_text(c, *x, y + dy, t, *s, *col);
                }
                Elem::Photo(x, y, i) => self.photos[*i].paste(c, *x, y + dy),
            }
        }
    }
}

/// A tall picture drawn twice: `a` as laid out and `b` moved down one row, so that a window of
/// it at any row offset can be copied into an NV12 frame with its chroma aligned (an odd
/// offset copies from `b` at the next, even, row).
#[derive(Debug, Clone)]
pub(super) struct TallPage {
    w: usize,
    /// Rows that may be shown; both buffers have two more.
    h: usize,
    a: Vec<u8>,
    b: Vec<u8>,
}

impl TallPage {
    fn new(w: usize, h: usize, doc: &Doc, bg: Yuv) -> Self {
        let (w, h) = (even(w).max(2), even(h).max(2));
        let draw = |dy: i64| {
            let mut buf = vec![0u8; w * (h + 2) * 3 / 2];
            let mut c = Canvas::new(&mut buf, w, h + 2);
            c.fill(bg);
            doc.draw(&mut c, dy);
            buf
        };
        TallPage {
            w,
            h,
            a: draw(0),
            b: draw(1),
        }
    }

    /// Copies page rows `top..top + rows` (clamped into the page) to the frame `out` of width
    /// `fw` and height `fh`, at even (x, y).
    fn blit(
        &self,
        out: &mut [u8],
        fw: usize,
        fh: usize,
        (x, y): (usize, usize),
        rows: usize,
        top: i64,
    ) {
        let rows = even(rows.min(self.h).min(fh - y));
        let n = self.w.min(fw - x);
        let top = top.clamp(0, (self.h - rows) as i64) as usize;
        let (src, top) = if top.is_multiple_of(2) {
            (&self.a, top)
        } else {
            (&self.b, top + 1)
        };
        let (sy, suv) = src.split_at(self.w * (self.h + 2));
        let (fy, fuv) = out.split_at_mut(fw * fh);
        for r in 0..rows {
            let s = (top + r) * self.w;
            let d = (y + r) * fw + x;
            fy[d..d + n].copy_from_slice(&sy[s..s + n]);
        }
        for r in 0..rows / 2 {
            let s = (top / 2 + r) * self.w;
            let d = (y / 2 + r) * fw + x;
            fuv[d..d + n].copy_from_slice(&suv[s..s + n]);
        }
    }
}

/// A vertical scrollbar: track and a thumb showing `top` of `total` rows with `shown` visible.
fn scrollbar(
    c: &mut Canvas<'_>,
    (x0, y0, x1, y1): (i64, i64, i64, i64),
    top: i64,
    shown: i64,
    total: i64,
) {
    c.rect(x0, y0, x1, y1, Yuv::grey(225));
    let track = y1 - y0;
    let len = (track * shown / total.max(1)).clamp(6.min(track), track);
    let max_top = (total - shown).max(1);
    let t = y0 + (track - len) * top.clamp(0, max_top) / max_top;
    c.rect(x0 + 2, t, x1 - 2, t + len, Yuv::grey(160));
}

// ---------------------------------------------------------------------------------------------
// WebScroll

/// Where the browser's parts are.
#[derive(Debug, Clone, Copy)]
pub(super) struct WebLayout {
    /// Text scale.
    s: usize,
    tab_h: usize,
    /// Top of the scrolled pane (the chrome's height).
    pub(super) pane_y: usize,
    /// Left of the scrolled pane (the sidebar's width).
    pub(super) pane_x: usize,
    /// Width of the scrolled pane (the page).
    pub(super) pane_w: usize,
    pub(super) pane_h: usize,
    bar_w: usize,
    /// Rows of the page.
    page_h: usize,
}

pub(super) fn web_layout(w: usize, h: usize) -> WebLayout {
    let s = text_scale(h);
    let tab_h = even((h / 30).max(10));
    let url_h = even((h / 24).max(12));
    let pane_y = (tab_h + url_h).min(even(h / 2));
    let pane_x = even(w / 6);
    let bar_w = even((w / 150).max(4));
    let pane_w = w.saturating_sub(pane_x + bar_w).max(2);
    let pane_h = h - pane_y;
    WebLayout {
        s,
        tab_h,
        pane_y,
        pane_x,
        pane_w,
        pane_h,
        bar_w,
        page_h: even(pane_h * 9).max(pane_h + 2),
    }
}

const LINK: Yuv = Yuv::new(75, 190, 100);

fn web_word(r: &mut Rng) -> String {
    const WORDS: &[&str] = &[
        "the",
        "of",
        "and",
        "a",
        "to",
        "in",
        "is",
        "you",
        "that",
        "it",
        "for",
        "on",
        "with",
        "as",
        "are",
        "this",
        "be",
        "at",
        "or",
        "from",
        "by",
        "an",
        "encoder",
        "frame",
        "stream",
        "screen",
        "latency",
        "buffer",
        "browser",
        "picture",
        "decoder",
        "network",
        "bitrate",
        "motion",
        "vector",
        "search",
        "quality",
        "window",
        "server",
        "client",
        "sharing",
        "pixels",
        "example",
        "settings",
        "Chrome",
        "Linux",
        "H.264",
        "WebCodecs",
        "2024",
    ];
    WORDS[mix(r.next_u64()) as usize % WORDS.len()].to_string()
}

/// A paragraph of `lines` lines of proportional text from x to x + width, some words links.
fn paragraph(
    d: &mut Doc,
    r: &mut Rng,
    (x, width): (i64, i64),
    y: &mut i64,
    lines: usize,
    s: usize,
    col: Yuv,
) {
    let pitch = (GLYPH_H as i64 + 6) * s as i64;
    let space = 3 * s as i64;
    for li in 0..lines {
        let end = if li + 1 == lines {
            x + width * r.range(30, 90) as i64 / 100
        } else {
            x + width
        };
        let mut cx = x;
        loop {
            let wd = web_word(r);
            let ww = prop_width(&wd, s);
            if cx + ww > end {
                break;
            }
            let link = r.chance(0.06);
            let c = if link { LINK } else { col };
            d.elems.push(Elem::Prop(cx, *y, wd, s, c));
            if link {
                let uy = *y + (GLYPH_H as i64 + 1) * s as i64;
                d.elems
                    .push(Elem::Rect(cx, uy, cx + ww - s as i64, uy + s as i64, LINK));
            }
            cx += ww + space;
        }
        *y += pitch;
    }
}

/// The page body: a banner, then headings, paragraphs, photos, boxes, lists and code.
fn web_page(l: &WebLayout, seed: u64) -> TallPage {
    let mut r = Rng::new(seed);
    let mut d = Doc::default();
    let (pw, ph) = (l.pane_w as i64, l.page_h as i64);
    let s = l.s;
    let si = s as i64;
    let margin = (pw / 14).max(2);
    let cw = pw - 2 * margin;
    let ink = Yuv::new(40, 128, 128);
    // Banner.
    let banner = (l.pane_h as i64 / 4).max(8);
    d.elems.push(Elem::Rect(
        0,
        0,
        pw,
        banner,
        Yuv::from_rgb(0.16, 0.33, 0.55),
    ));
    d.elems.push(Elem::Prop(
        margin,
        banner / 3,
        "Streaming screens in real time".into(),
        3 * s,
        Yuv::grey(240),
    ));
    d.elems.push(Elem::Prop(
        margin,
        banner / 3 + 30 * si,
        "A guide to low-latency video for remote desktops".into(),
        s,
        Yuv::grey(210),
    ));
    let mut y = banner + 14 * si;
    let mut section = 1;
    while y < ph - 8 * si {
        match r.below(12) {
            0..=1 => {
                y += 8 * si;
                let big = r.chance(0.5);
                let sc = if big { 3 * s } else { 2 * s };
                let title = format!(
                    "{section}. {} {} {}",
                    web_word(&mut r),
                    web_word(&mut r),
                    web_word(&mut r)
                );
                section += 1;
                d.elems
                    .push(Elem::Prop(margin, y, title, sc, Yuv::new(30, 135, 120)));
                y += (GLYPH_H + 5) as i64 * sc as i64;
            }
            2..=5 => {
                let lines = r.range(3, 8) as usize;
                paragraph(&mut d, &mut r, (margin, cw), &mut y, lines, s, ink);
                y += 8 * si;
            }
            6..=7 => {
                let pw_ = even((cw * r.range(45, 85) as i64 / 100).max(4) as usize);
                let ph_ = even((pw_ * 9 / 16).min(l.pane_h * 7 / 10).max(4));
                let px = margin + (cw - pw_ as i64) / 2 * r.below(2) as i64;
                let idx = d.photos.len();
                d.photos
                    .push(Photo::new(pw_, ph_, mix(seed ^ idx as u64) | 1));
                d.elems.push(Elem::Photo(px, y, idx));
                y += ph_ as i64 + 4 * si;
                let cap = format!(
                    "Figure {}: {} {}",
                    idx + 1,
                    web_word(&mut r),
                    web_word(&mut r)
                );
                d.elems
                    .push(Elem::Prop(px, y, cap, s.max(2) - 1, Yuv::grey(110)));
                y += 20 * si;
            }
            8 => {
                // A coloured callout box.
                let colours = [
                    (Yuv::from_rgb(0.88, 0.94, 1.0), Yuv::from_rgb(0.2, 0.5, 0.9)),
                    (Yuv::from_rgb(1.0, 0.96, 0.82), Yuv::from_rgb(0.9, 0.7, 0.1)),
                    (Yuv::from_rgb(0.9, 1.0, 0.9), Yuv::from_rgb(0.2, 0.7, 0.3)),
                ];
                let (fill, edge) = colours[r.below(3) as usize];
                let lines = r.range(2, 4) as usize;
                let bh = (lines as i64 * (GLYPH_H as i64 + 6) + 16) * si;
                d.elems
                    .push(Elem::Rect(margin, y, margin + cw, y + bh, fill));
                d.elems
                    .push(Elem::Rect(margin, y, margin + 4 * si, y + bh, edge));
                let mut ty = y + 8 * si;
                paragraph(
                    &mut d,
                    &mut r,
                    (margin + 12 * si, cw - 24 * si),
                    &mut ty,
                    lines,
                    s,
                    ink,
                );
                y += bh + 12 * si;
            }
            9 => {
                for _ in 0..r.range(3, 6) {
                    let by = y + 2 * si;
                    d.elems.push(Elem::Rect(
                        margin + 8 * si,
                        by,
                        margin + 12 * si,
                        by + 4 * si,
                        ink,
                    ));
                    let mut ly = y;
                    paragraph(
                        &mut d,
                        &mut r,
                        (margin + 20 * si, cw * 2 / 3),
                        &mut ly,
                        1,
                        s,
                        ink,
                    );
                    y = ly;
                }
                y += 8 * si;
            }
            10 => {
                let lines = r.range(3, 7) as i64;
                let pitch = (GLYPH_H as i64 + 4) * si;
                let bh = lines * pitch + 12 * si;
                d.elems
                    .push(Elem::Rect(margin, y, margin + cw, y + bh, Yuv::grey(238)));
                for k in 0..lines {
                    let indent = (mix(seed ^ (y + k) as u64) % 3) as usize * 4;
                    let code = format!(
                        "{}let {} = {}({});",
                        " ".repeat(indent),
                        web_word(&mut r).to_lowercase(),
                        web_word(&mut r).to_lowercase(),
                        r.below(1000)
                    );
                    d.elems.push(Elem::Mono(
                        margin + 10 * si,
                        y + 6 * si + k * pitch,
                        code,
                        s,
                        Yuv::new(60, 150, 110),
                    ));
                }
                y += bh + 12 * si;
            }
            _ => {
                d.elems.push(Elem::Rect(
                    margin,
                    y + 6 * si,
                    margin + cw,
                    y + 7 * si,
                    Yuv::grey(200),
                ));
                y += 14 * si;
            }
        }
    }
    TallPage::new(l.pane_w, l.page_h, &d, Yuv::from_rgb(1.0, 1.0, 1.0))
}

/// The browser window around the page: tab bar, URL bar, sidebar (drawn once).
pub(super) fn web_base(w: usize, h: usize) -> Vec<u8> {
    let l = web_layout(w, h);
    let mut base = vec![0u8; w * h * 3 / 2];
    let mut c = Canvas::new(&mut base, w, h);
    let (wi, s) = (w as i64, l.s);
    let si = s as i64;
    c.fill(Yuv::from_rgb(1.0, 1.0, 1.0));
    // Tab bar with three tabs, the second active.
    let tab_h = l.tab_h as i64;
    c.rect(0, 0, wi, tab_h, Yuv::from_rgb(0.8, 0.82, 0.86));
    let tab_w = (wi / 6).max(8);
    for (i, t) in ["Inbox (3)", "Streaming screens", "rtenc - GitHub"]
        .iter()
        .enumerate()
    {
        let x = 8 + i as i64 * (tab_w + 4);
        let col = if i == 1 {
            Yuv::from_rgb(0.95, 0.96, 0.98)
        } else {
            Yuv::from_rgb(0.72, 0.74, 0.79)
        };
        c.rect(x, 3, x + tab_w, tab_h, col);
        prop_text(
            &mut c,
            x + 8,
            (tab_h - GLYPH_H as i64 * si) / 2 + 1,
            t,
            s,
            Yuv::grey(50),
        );
    }
    // URL bar.
    let (y0, y1) = (tab_h, l.pane_y as i64);
    c.rect(0, y0, wi, y1, Yuv::from_rgb(0.95, 0.96, 0.98));
    for i in 0..3 {
        let x = 10 + i * 14 * si;
        c.rect(
            x,
            y0 + (y1 - y0) / 3,
            x + 8 * si,
            y1 - (y1 - y0) / 3,
            Yuv::grey(120),
        );
    }
    let fx = 14 + 42 * si;
    c.rect(fx, y0 + 4, wi - 20, y1 - 4, Yuv::grey(255));
    c.rect(fx, y1 - 5, wi - 20, y1 - 4, Yuv::grey(190));
    prop_text(
        &mut c,
        fx + 10,
        y0 + (y1 - y0 - GLYPH_H as i64 * si) / 2,
        "https://docs.example.org/guide/streaming-screens#real-time",
        s,
        Yuv::grey(40),
    );
    c.rect(0, y1 - 1, wi, y1, Yuv::grey(170));
    // Sidebar: a table of contents.
    let sx = l.pane_x as i64;
    c.rect(0, y1, sx, h as i64, Yuv::from_rgb(0.94, 0.95, 0.96));
    c.rect(sx - 1, y1, sx, h as i64, Yuv::grey(200));
    let mut r = Rng::new(0x51DE);
    let mut y = y1 + 12 * si;
    let pitch = (GLYPH_H as i64 + 9) * si;
    prop_text(&mut c, 12, y, "Contents", s, Yuv::grey(30));
    y += pitch;
    let mut k = 1;
    while y + pitch < h as i64 {
        let t = format!("{k}. {} {}", web_word(&mut r), web_word(&mut r));
        let col = if k == 3 { LINK } else { Yuv::grey(70) };
        if k == 3 {
            c.rect(
                4,
                y - 3 * si,
                sx - 6,
                y + (GLYPH_H as i64 + 3) * si,
                Yuv::from_rgb(0.86, 0.9, 0.98),
            );
        }
        prop_text(&mut c, 12 + 6 * si * i64::from(r.below(2)), y, &t, s, col);
        y += pitch;
        k += 1;
    }
    base
}

/// The wheel: every notch scrolls 57 px (3 lines of 19 px), smoothed over 3 frames.
pub(super) const NOTCH_PX: i64 = 57;

/// The scroll gestures, as (kind, parameter): 0 a pause of `p` frames, 1 `p` wheel notches
/// down, -1 `p` notches up, 2 a flick down starting at `p` px/frame, -2 a flick up.
fn web_gesture(k: u64, pos: i64, max: i64) -> (i32, i64) {
    // A scripted start, so that a short clip has every kind of motion.
    const SCRIPT: [(i32, i64); 8] = [
        (0, 3),
        (1, 2),
        (0, 5),
        (2, 36),
        (0, 4),
        (-1, 3),
        (0, 3),
        (-2, 28),
    ];
    if let Some(g) = SCRIPT.get(k as usize) {
        return *g;
    }
    let m = mix(k ^ 0x5C_0011);
    let down = if pos < max / 10 {
        true
    } else if pos > max * 9 / 10 {
        false
    } else {
        (m >> 8) % 10 < 6
    };
    let sign = if down { 1 } else { -1 };
    let p = (m >> 16) as i64;
    match m % 10 {
        0..=2 => (0, 3 + p % 25),
        3..=6 => (sign, 1 + p % 5),
        _ => (2 * sign, 20 + p % 21),
    }
}

/// Per-frame scroll steps of one gesture (unsigned; the sign is the gesture's).
fn gesture_steps(kind: i32, p: i64) -> Vec<i64> {
    match kind {
        0 => vec![0; p as usize],
        1 | -1 => vec![NOTCH_PX / 3; 3 * p as usize],
        _ => {
            // The finger accelerates for two frames, then momentum decays.
            let mut v = p as f64;
            let mut steps = vec![(v * 0.4).round() as i64, (v * 0.75).round() as i64];
            while v >= 1.5 {
                steps.push(v.round() as i64);
                v *= 0.86;
            }
            steps
        }
    }
}

/// Scroll position (page row at the top of the pane) of frame `index`, in `0..=max`.
pub(super) fn web_scroll(index: u64, max: i64) -> i64 {
    let (mut pos, mut frame, mut k) = (0i64, 0u64, 0u64);
    while frame < index {
        let (kind, p) = web_gesture(k, pos, max);
        k += 1;
        let sign = i64::from(kind.signum());
        for step in gesture_steps(kind, p) {
            if frame >= index {
                break;
            }
            frame += 1;
            pos = (pos + sign * step).clamp(0, max);
        }
    }
    pos
}

pub(super) fn web_setup(w: usize, h: usize) -> (Vec<u8>, TallPage) {
    let l = web_layout(w, h);
    (web_base(w, h), web_page(&l, 0x3EB))
}

pub(super) fn web_render(out: &mut [u8], w: usize, h: usize, page: &TallPage, index: u64) {
    let l = web_layout(w, h);
    let max = (page.h - l.pane_h.min(page.h)) as i64;
    let top = web_scroll(index, max);
    page.blit(out, w, h, (l.pane_x, l.pane_y), l.pane_h, top);
    let mut c = Canvas::new(out, w, h);
    let bx = (l.pane_x + l.pane_w) as i64;
    scrollbar(
        &mut c,
        (bx, l.pane_y as i64, bx + l.bar_w as i64, h as i64),
        top,
        l.pane_h as i64,
        page.h as i64,
    );
    // The pointer rests over the page while the wheel turns.
    cursor(
        &mut c,
        (l.pane_x + l.pane_w * 3 / 4) as i64,
        (l.pane_y + l.pane_h / 2) as i64,
    );
}

// ---------------------------------------------------------------------------------------------
// EditorPaging

/// Frames between two PageDown presses.
pub(super) const PAGE_PERIOD: u64 = 15;
/// PageDown presses before the editor returns to the top (Ctrl+Home).
const PAGE_JUMPS: usize = 14;
/// The cursor's line on screen, counted from the top of the view.
const CURSOR_ROW: usize = 3;

#[derive(Debug, Clone, Copy)]
pub(super) struct EditorLayout {
    s: usize,
    tab_h: usize,
    /// Top of the text pane.
    pub(super) pane_y: usize,
    /// Rows of the text pane (a whole number of lines).
    pub(super) pane_h: usize,
    /// Width of the text pane (gutter and text; the scrollbar is right of it).
    pub(super) pane_w: usize,
    status_h: usize,
    /// Line pitch in rows.
    pub(super) pitch: usize,
    gutter: usize,
    /// Lines in view.
    pub(super) lines: usize,
}

pub(super) fn editor_layout(w: usize, h: usize) -> EditorLayout {
    let s = text_scale(h);
    let pitch = (GLYPH_H + 3) * s;
    let tab_h = even((GLYPH_H * s + 10).min(h / 6));
    let status_h = even((GLYPH_H * s + 8).min(h / 6));
    let avail = h - tab_h - status_h;
    let lines = (avail / pitch).max(3);
    let pane_h = even((lines * pitch).min(avail));
    let bar_w = even((w / 150).max(4));
    EditorLayout {
        s,
        tab_h,
        pane_y: tab_h,
        pane_h,
        pane_w: w - bar_w,
        status_h,
        pitch,
        gutter: (GLYPH_W + 1) * s * 5 + 8 * s,
        lines,
    }
}

const ED_BG: Yuv = Yuv::new(35, 130, 127);
const ED_TEXT: Yuv = Yuv::new(190, 128, 128);

/// Line `n` of the source file: tokens with their colours (deterministic).
fn code_line(n: u64) -> Vec<(String, Yuv)> {
    const KW: &[&str] = &[
        "let", "fn", "if", "else", "match", "return", "for", "while", "pub", "impl", "mut", "use",
    ];
    const ID: &[&str] = &[
        "frame", "width", "height", "stride", "mb", "qp", "cost", "best", "cand", "mv", "pred",
        "sad", "row", "col", "block", "ctx", "bits", "rate", "luma", "chroma", "slice", "picture",
    ];
    let kw_c = Yuv::new(130, 170, 100);
    let id_c = ED_TEXT;
    let fn_c = Yuv::new(200, 100, 140);
    let str_c = Yuv::new(150, 100, 170);
    let num_c = Yuv::new(185, 110, 118);
    let com_c = Yuv::new(120, 110, 110);
    let mut r = Rng::new(mix(n ^ 0xED17));
    let indent = (mix((n / 6) ^ 0x1D) % 4) as usize + usize::from(!n.is_multiple_of(6));
    let mut toks = vec![(" ".repeat(indent * 4), id_c)];
    match r.below(10) {
        0 => return vec![],
        1 => {
            let words: Vec<&str> = (0..r.range(2, 8))
                .map(|_| ID[r.below(ID.len() as u32) as usize])
                .collect();
            toks.push((format!("// {}", words.join(" ")), com_c));
        }
        2 => {
            toks.push(("fn ".into(), kw_c));
            toks.push((
                format!("{}_{}", ID[r.below(22) as usize], ID[r.below(22) as usize]),
                fn_c,
            ));
            toks.push((
                format!("(&mut self, {}: usize) {{", ID[r.below(22) as usize]),
                id_c,
            ));
        }
        _ => {
            toks.push((format!("{} ", KW[r.below(KW.len() as u32) as usize]), kw_c));
            for _ in 0..r.range(1, 4) {
                toks.push((format!("{}.", ID[r.below(22) as usize]), id_c));
                toks.push((
                    format!("{}_{}", ID[r.below(22) as usize], ID[r.below(22) as usize]),
                    fn_c,
                ));
                match r.below(3) {
                    0 => toks.push((format!("({})", r.below(4096)), num_c)),
                    1 => toks.push((format!("(\"{}\")", ID[r.below(22) as usize]), str_c)),
                    _ => toks.push(("()".into(), id_c)),
                }
                toks.push((" + ".into(), id_c));
            }
            toks.pop();
            toks.push((";".into(), id_c));
        }
    }
    toks
}

fn code_line_len(n: u64) -> usize {
    code_line(n).iter().map(|(t, _)| t.chars().count()).sum()
}

fn editor_page(l: &EditorLayout) -> TallPage {
    let total_lines = l.lines + PAGE_JUMPS * (l.lines - 2);
    let mut d = Doc::default();
    let adv = ((GLYPH_W + 1) * l.s) as i64;
    let text_x = l.gutter as i64;
    let top_pad = ((l.pitch - GLYPH_H * l.s) / 2) as i64;
    for n in 0..total_lines {
        let y = (n * l.pitch) as i64 + top_pad;
        d.elems.push(Elem::Mono(
            4,
            y,
            format!("{:5}", n + 1),
            l.s,
            Yuv::new(110, 130, 126),
        ));
        let mut x = text_x;
        for (t, col) in code_line(n as u64) {
            d.elems.push(Elem::Mono(x, y, t.clone(), l.s, col));
            x += adv * t.chars().count() as i64;
        }
    }
    // A ruler at column 100.
    let rx = text_x + 100 * adv;
    d.elems.push(Elem::Rect(
        rx,
        0,
        rx + 1,
        (total_lines * l.pitch + 2) as i64,
        Yuv::new(50, 130, 127),
    ));
    TallPage::new(l.pane_w, total_lines * l.pitch, &d, ED_BG)
}

pub(super) fn editor_setup(w: usize, h: usize) -> (Vec<u8>, TallPage) {
    let l = editor_layout(w, h);
    let mut base = vec![0u8; w * h * 3 / 2];
    let mut c = Canvas::new(&mut base, w, h);
    let (wi, hi, si) = (w as i64, h as i64, l.s as i64);
    c.fill(ED_BG);
    c.rect(0, 0, wi, l.tab_h as i64, Yuv::new(28, 130, 127));
    for (i, t) in ["encoder.rs", "motion.rs", "rate.rs"].iter().enumerate() {
        let x = i as i64 * 110 * si;
        let col = if i == 0 {
            ED_BG
        } else {
            Yuv::new(45, 130, 127)
        };
        c.rect(x, 0, x + 106 * si, l.tab_h as i64, col);
        c.text(
            x + 8 * si,
            (l.tab_h as i64 - GLYPH_H as i64 * si) / 2,
            t,
            l.s,
            ED_TEXT,
        );
    }
    let sy = hi - l.status_h as i64;
    c.rect(0, sy, wi, hi, Yuv::new(80, 170, 100));
    (base, editor_page(&l))
}

/// First line in view at frame `index`.
pub(super) fn editor_top_line(index: u64, lines: usize) -> usize {
    let jump = (index / PAGE_PERIOD) as usize % (PAGE_JUMPS + 1);
    jump * (lines - 2)
}

pub(super) fn editor_render(
    out: &mut [u8],
    w: usize,
    h: usize,
    page: &TallPage,
    index: u64,
    fps: f64,
) {
    let l = editor_layout(w, h);
    let top_line = editor_top_line(index, l.lines);
    page.blit(
        out,
        w,
        h,
        (0, l.pane_y),
        l.pane_h,
        (top_line * l.pitch) as i64,
    );
    let mut c = Canvas::new(out, w, h);
    let (wi, hi, si) = (w as i64, h as i64, l.s as i64);
    let adv = ((GLYPH_W + 1) * l.s) as i64;
    let total = page.h as i64;
    scrollbar(
        &mut c,
        (
            l.pane_w as i64,
            l.pane_y as i64,
            wi,
            (l.pane_y + l.pane_h) as i64,
        ),
        (top_line * l.pitch) as i64,
        l.pane_h as i64,
        total,
    );
    // The cursor's line: characters typed since the last jump, then a blinking bar.
    let since = index % PAGE_PERIOD;
    let period = index / PAGE_PERIOD;
    let typed = (1..=since)
        .filter(|k| mix(period * 64 + k).is_multiple_of(4))
        .count();
    let line = top_line + CURSOR_ROW.min(l.lines - 1);
    let len = code_line_len(line as u64);
    let y =
        (l.pane_y + CURSOR_ROW.min(l.lines - 1) * l.pitch + (l.pitch - GLYPH_H * l.s) / 2) as i64;
    let snippet = " total += cost;";
    let x0 = l.gutter as i64 + adv * len as i64;
    let x = c.text(x0, y, &snippet[..typed.min(snippet.len())], l.s, ED_TEXT);
    let blink = ((index as f64 / fps * 1.8) as u64).is_multiple_of(2) || since < 2;
    if blink {
        c.rect(
            x,
            y - si,
            x + 2 * si,
            y + (GLYPH_H as i64 + 1) * si,
            Yuv::grey(235),
        );
    }
    // The status bar: position and file type.
    let sy = hi - l.status_h as i64;
    c.rect(0, sy, wi, hi, Yuv::new(80, 170, 100));
    let status = format!(
        "Ln {}, Col {}   Spaces: 4   UTF-8   LF   Rust",
        line + 1,
        len + typed + 1
    );
    c.text(
        8 * si,
        sy + (l.status_h as i64 - GLYPH_H as i64 * si) / 2,
        &status,
        l.s,
        Yuv::grey(240),
    );
}

// ---------------------------------------------------------------------------------------------
// FastDrag

pub(super) fn fast_drag_base(w: usize, h: usize) -> Vec<u8> {
    let mut base = vec![0u8; w * h * 3 / 2];
    render_landscape(&Landscape::new(w, h, 0xFA57), w, h, &mut base);
    let mut c = Canvas::new(&mut base, w, h);
    icons(&mut c, 31);
    window(
        &mut c,
        (w / 2, h / 12, w * 2 / 5, h * 2 / 5),
        "files",
        12,
        false,
    );
    window(
        &mut c,
        (w / 10, h * 2 / 5, w * 2 / 5, h * 9 / 20),
        "chat",
        13,
        false,
    );
    window(
        &mut c,
        (w * 3 / 5, h / 2, w / 3, h * 2 / 5),
        "calendar",
        14,
        false,
    );
    window(&mut c, (w / 4, h / 7, w / 4, h / 4), "terminal", 15, false);
    taskbar(&mut c);
    base
}

/// Where the dragged window's top-left corner is at frame `index`, within `0..=max`: flung in
/// straight legs of 6 to 19 frames at 15 to 35 px a frame in any direction, bouncing off the
/// screen's edges, with short stops (the button released and grabbed again).
pub(super) fn fast_drag_pos(index: u64, max: (i64, i64)) -> (i64, i64) {
    let (mut x, mut y) = (max.0 as f64 * 0.3, max.1 as f64 * 0.4);
    let (mut frame, mut k) = (0u64, 0u64);
    while frame < index {
        let m = mix(k ^ 0xF1A6);
        k += 1;
        let len = 6 + (m >> 40) % 14;
        let (vx0, vy0) = if k > 1 && (m >> 8).is_multiple_of(8) {
            (0.0, 0.0)
        } else {
            let speed = 15.0 + ((m >> 16) % 21) as f64;
            let angle = ((m >> 24) % 360) as f64 * std::f64::consts::PI / 180.0;
            (speed * angle.cos(), speed * angle.sin())
        };
        let (mut vx, mut vy) = (vx0, vy0);
        for _ in 0..len {
            if frame >= index {
                break;
            }
            frame += 1;
            x += vx;
            y += vy;
            let bounce = |p: &mut f64, v: &mut f64, hi: f64| {
                if *p < 0.0 {
                    *p = -*p;
                    *v = -*v;
                }
                if *p > hi {
                    *p = 2.0 * hi - *p;
                    *v = -*v;
                }
                *p = p.clamp(0.0, hi.max(0.0));
            };
            bounce(&mut x, &mut vx, max.0 as f64);
            bounce(&mut y, &mut vy, max.1 as f64);
        }
    }
    (x.round() as i64, y.round() as i64)
}

pub(super) fn fast_drag_render(c: &mut Canvas<'_>, index: u64) {
    let (w, h) = (c.width(), c.height());
    let (ww, wh) = (w * 2 / 5, h * 9 / 20);
    let max = ((w - ww) as i64, (h - wh - h / 20) as i64);
    let (x, y) = fast_drag_pos(index, max);
    window(
        c,
        (x as usize, y as usize, ww, wh),
        "editor - main.rs",
        9,
        true,
    );
    cursor(c, x + ww as i64 / 3, y + 8);
}

// ---------------------------------------------------------------------------------------------
// VideoWindow

/// The film a video window plays: a landscape larger than the video, panned.
#[derive(Debug, Clone)]
pub(super) struct Film {
    w: usize,
    h: usize,
    nv12: Vec<u8>,
}

#[derive(Debug, Clone, Copy)]
struct PlayerLayout {
    x: usize,
    y: usize,
    title_h: usize,
    vw: usize,
    vh: usize,
    controls_h: usize,
}

fn player_layout(w: usize, h: usize) -> PlayerLayout {
    let vw = even(w * 11 / 20).max(2);
    let vh = even((vw * 9 / 16).min(h * 11 / 20)).max(2);
    let title_h = even((h / 48).max(6));
    let controls_h = even((h / 27).max(6));
    PlayerLayout {
        x: even(w / 4),
        y: even(h / 8),
        title_h,
        vw,
        vh,
        controls_h,
    }
}

pub(super) fn video_setup(w: usize, h: usize) -> (Vec<u8>, Film) {
    let p = player_layout(w, h);
    let mut base = vec![0u8; w * h * 3 / 2];
    let mut c = Canvas::new(&mut base, w, h);
    quiet_wallpaper(&mut c);
    icons(&mut c, 41);
    window(
        &mut c,
        (w * 3 / 5, h / 20, w * 7 / 20, h / 2),
        "notes.txt",
        16,
        false,
    );
    taskbar(&mut c);
    let (x, y) = (p.x as i64, p.y as i64);
    let (ww, wh) = (p.vw as i64, (p.title_h + p.vh + p.controls_h) as i64);
    c.rect(x + 6, y + 6, x + ww + 6, y + wh + 6, Yuv::new(30, 128, 128));
    c.rect(x - 1, y - 1, x + ww + 1, y + wh + 1, Yuv::grey(60));
    c.rect(x, y, x + ww, y + p.title_h as i64, Yuv::grey(45));
    c.text(
        x + 8,
        y + (p.title_h as i64 - GLYPH_H as i64) / 2,
        "holiday.mp4 - Player",
        1,
        Yuv::grey(220),
    );
    let cy = y + (p.title_h + p.vh) as i64;
    c.rect(x, cy, x + ww, cy + p.controls_h as i64, Yuv::grey(30));
    // Play button (showing pause bars).
    let ch = p.controls_h as i64;
    c.rect(
        x + 10,
        cy + ch / 4,
        x + 10 + ch / 6,
        cy + ch * 3 / 4,
        Yuv::grey(230),
    );
    c.rect(
        x + 10 + ch / 3,
        cy + ch / 4,
        x + 10 + ch / 2,
        cy + ch * 3 / 4,
        Yuv::grey(230),
    );
    let (fw, fh) = (even(p.vw + p.vw / 5 + 4), even(p.vh + p.vh / 5 + 4));
    let mut nv12 = vec![0u8; fw * fh * 3 / 2];
    render_landscape(&Landscape::new(fw, fh, 0x7A1E), fw, fh, &mut nv12);
    (base, Film { w: fw, h: fh, nv12 })
}

/// Bilinear resampling of a `w` x `h` window (in samples of `comps` interleaved components)
/// at offset (ox, oy) in 1/16 sample from a plane of row stride `stride` bytes, into `dst`
/// with row stride `dstride`.
#[allow(clippy::too_many_arguments)]
fn sample(
    src: &[u8],
    stride: usize,
    comps: usize,
    (ox, oy): (usize, usize),
    (w, h): (usize, usize),
    dst: &mut [u8],
    dstride: usize,
) {
    let (ix, fx) = (ox / 16, (ox % 16) as u32);
    let (iy, fy) = (oy / 16, (oy % 16) as u32);
    for y in 0..h {
        let r0 = &src[(iy + y) * stride..];
        let r1 = &src[(iy + y + 1) * stride..];
        let d = &mut dst[y * dstride..];
        for x in 0..w {
            for c in 0..comps {
                let i = (ix + x) * comps + c;
                let a = u32::from(r0[i]) * (16 - fx) + u32::from(r0[i + comps]) * fx;
                let b = u32::from(r1[i]) * (16 - fx) + u32::from(r1[i + comps]) * fx;
                d[x * comps + c] = ((a * (16 - fy) + b * fy + 128) >> 8) as u8;
            }
        }
    }
}

/// The film's pan at frame `index`, in 1/16 sample: 1.37 px right and 0.61 px down a frame, as
/// the camera clip, bouncing inside the film.
pub(super) fn video_pan(index: u64, film: &Film, p: (usize, usize)) -> (usize, usize) {
    let mx = ((film.w - p.0 - 2) * 16) as i64;
    let my = ((film.h - p.1 - 2) * 16) as i64;
    let t = index as i64;
    (tri(t * 22, mx) as usize, tri(t * 10 + 40, my) as usize)
}

pub(super) fn video_render(out: &mut [u8], w: usize, h: usize, film: &Film, index: u64, fps: f64) {
    let p = player_layout(w, h);
    let (vx, vy) = (p.x, p.y + p.title_h);
    let (ox, oy) = video_pan(index, film, (p.vw, p.vh));
    {
        let (fy, fuv) = out.split_at_mut(w * h);
        let (sy, suv) = film.nv12.split_at(film.w * film.h);
        sample(
            sy,
            film.w,
            1,
            (ox, oy),
            (p.vw, p.vh),
            &mut fy[vy * w + vx..],
            w,
        );
        sample(
            suv,
            film.w,
            2,
            (ox / 2, oy / 2),
            (p.vw / 2, p.vh / 2),
            &mut fuv[vy / 2 * w + vx..],
            w,
        );
        // Sensor grain, new every frame.
        let mut seed = mix(index ^ 0x6A1) | 1;
        for row in fy[vy * w..(vy + p.vh) * w].chunks_exact_mut(w) {
            for v in &mut row[vx..vx + p.vw] {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let grain = ((seed >> 32) % 7) as i32 - 3;
                *v = (i32::from(*v) + grain).clamp(16, 235) as u8;
            }
        }
    }
    let mut c = Canvas::new(out, w, h);
    // Progress bar and time: a 3:45 video, 0:37 in at frame 0.
    let ch = p.controls_h as i64;
    let cy = (vy + p.vh) as i64;
    let (x0, x1) = (
        p.x as i64 + 20 + ch / 2,
        (p.x + p.vw) as i64 - 90.min(p.vw as i64 / 3),
    );
    let total = 225.0;
    let elapsed = (37.0 + index as f64 / fps) % total;
    let fill = x0 + ((x1 - x0) as f64 * elapsed / total) as i64;
    let (ty0, ty1) = (cy + ch / 2 - 2, cy + ch / 2 + 2);
    c.rect(x0, ty0, x1, ty1, Yuv::grey(90));
    c.rect(x0, ty0, fill, ty1, Yuv::new(82, 90, 240));
    c.rect(fill - 3, ty0 - 3, fill + 3, ty1 + 3, Yuv::grey(235));
    let secs = elapsed as u64;
    c.rect(
        x1 + 4,
        cy + 1,
        (p.x + p.vw) as i64,
        cy + ch - 1,
        Yuv::grey(30),
    );
    c.text(
        x1 + 8,
        cy + (ch - GLYPH_H as i64) / 2,
        &format!("{}:{:02} / 3:45", secs / 60, secs % 60),
        1,
        Yuv::grey(220),
    );
    clock(&mut c, index, fps);
    cursor(&mut c, (p.x + p.vw + 40) as i64, (p.y + p.vh / 2) as i64);
}

// ---------------------------------------------------------------------------------------------
// TerminalFast

/// Lines printed by the end of frame `index`: the screen starts full; bursts of 3 to 12
/// frames print 4 to 12 lines each frame, pauses of 2 to 13 frames print nothing.
pub(super) fn fast_lines_printed(index: u64) -> u64 {
    let (mut printed, mut frame, mut k) = (200u64, 0u64, 0u64);
    while frame < index {
        let m = mix(k ^ 0xFA57);
        let burst = k > 0 && m % 10 < 6;
        let len = if burst {
            3 + (m >> 8) % 10
        } else {
            2 + (m >> 8) % 12
        };
        k += 1;
        for _ in 0..len {
            if frame >= index {
                break;
            }
            frame += 1;
            if burst {
                printed += 4 + mix(frame ^ 0x11E5) % 9;
            }
        }
    }
    printed
}

pub(super) fn terminal_fast_render(c: &mut Canvas<'_>, index: u64, fps: f64) {
    terminal_with(
        c,
        index,
        fps,
        fast_lines_printed(index),
        "user@host: /home/dev/build (make -j16 2>&1)",
    );
}
