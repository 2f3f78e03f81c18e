//! Desktop / terminal-like content: sharp dark glyphs on a light background, a title bar, a
//! line-number gutter, syntax-coloured words, a selection and a scrollbar.

use crate::canvas::{Canvas, Yuv};
use crate::font::{GLYPH_H, LETTERS, PUNCT};
use crate::rng::Rng;

const PAPER: Yuv = Yuv::new(234, 128, 129);
const INK: Yuv = Yuv::new(22, 128, 128);
const KEYWORD: Yuv = Yuv::new(62, 172, 112);
const STRING: Yuv = Yuv::new(84, 108, 182);
const COMMENT: Yuv = Yuv::new(128, 118, 120);
const GUTTER: Yuv = Yuv::new(150, 128, 128);
const TITLE: Yuv = Yuv::new(52, 150, 120);
const SELECTION: Yuv = Yuv::new(200, 150, 118);

fn word(r: &mut Rng) -> String {
    let letters: Vec<char> = LETTERS.chars().collect();
    let punct: Vec<char> = PUNCT.chars().collect();
    let len = 1 + r.below(9) as usize;
    let mut s: String = (0..len)
        .map(|_| {
            // Mostly lower case, like real text.
            if r.chance(0.8) {
                letters[r.below(26) as usize]
            } else {
                letters[r.below(letters.len() as u32) as usize]
            }
        })
        .collect();
    if r.chance(0.25) {
        s.push(punct[r.below(punct.len() as u32) as usize]);
    }
    s
}

/// Draws the text-like picture into `c`.
pub(crate) fn draw(c: &mut Canvas<'_>, seed: u64) {
    let mut r = Rng::new(seed);
    let (w, h) = (c.width() as i64, c.height() as i64);
    c.fill(PAPER);
    let mut top = 0;
    if h >= 40 && w >= 64 {
        // Title bar with a title and three window buttons.
        let tb = 14;
        c.rect(0, 0, w, tb, TITLE);
        let title: String = (0..3).map(|_| word(&mut r)).collect::<Vec<_>>().join(" ");
        c.text(6, 4, &title, 1, Yuv::grey(235));
        for (i, col) in [
            Yuv::new(110, 90, 200),
            Yuv::new(190, 40, 150),
            Yuv::new(150, 70, 70),
        ]
        .iter()
        .enumerate()
        {
            let x = w - 12 - 12 * i as i64;
            c.rect(x, 3, x + 8, 11, *col);
        }
        c.rect(0, tb, w, tb + 1, Yuv::grey(16));
        top = tb + 3;
    }
    let scrollbar = if w >= 96 { 10 } else { 0 };
    if scrollbar > 0 {
        c.rect(w - scrollbar, top, w, h, Yuv::grey(214));
        let len = (h - top) / 3;
        let y0 = top + r.below((h - top - len).max(1) as u32) as i64;
        c.rect(w - scrollbar + 2, y0, w - 2, y0 + len, Yuv::grey(160));
    }
    let gutter = if w >= 128 { 30 } else { 0 };
    if gutter > 0 {
        c.rect(gutter - 3, top, gutter - 2, h, Yuv::grey(190));
    }
    let pitch = GLYPH_H as i64 + 3;
    let adv = 6;
    let right = w - scrollbar - 2;
    let mut y = top + 1;
    let mut line_no = 1 + r.below(400);
    let mut indent = 0i64;
    while y < h {
        let heading = w >= 320 && r.chance(0.04);
        let scale = if heading { 2 } else { 1 };
        if gutter > 0 {
            c.text(2, y, &format!("{line_no:4}"), 1, GUTTER);
        }
        line_no += 1;
        if r.chance(0.12) {
            y += pitch;
            continue;
        }
        if r.chance(0.05) {
            c.rect(gutter, y - 1, right, y + pitch - 1, SELECTION);
        }
        indent = (indent + r.range(-1, 1) as i64).clamp(0, 4);
        let mut x = gutter + 2 + indent * 4 * adv;
        let comment = r.chance(0.12);
        let target = x + r.range(10, 90) as i64 * adv;
        while x < right.min(target) {
            let wd = word(&mut r);
            let col = if comment {
                COMMENT
            } else if r.chance(0.12) {
                KEYWORD
            } else if r.chance(0.08) {
                STRING
            } else {
                INK
            };
            let end = x + (wd.len() as i64) * adv * scale as i64;
            if end > right {
                break;
            }
            c.text(x, y, &wd, scale, col);
            x = end + adv * scale as i64;
        }
        y += pitch * scale as i64;
    }
}
