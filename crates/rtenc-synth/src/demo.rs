//! The animated demo scene: a panning landscape, bouncing shaded balls with shadows, a rotating
//! checkered square, a scrolling news-ticker band and a clock with a frame counter.

use std::f32::consts::TAU;

use crate::canvas::{smoothstep, text_width, Canvas, Yuv};
use crate::font::GLYPH_H;
use crate::natural::{render, Landscape};
use crate::rng::Rng;

const TICKER: &str = "rtenc - a real-time H.264 encoder in pure Rust  *  NV12 in, Annex B out, \
                      one frame in, one frame out  *  Constrained Baseline, CAVLC  *  \
                      this scene is synthetic: every frame is a function of its number  *  ";

#[derive(Debug, Clone, Copy)]
struct Ball {
    x0: f32,
    y0: f32,
    vx: f32,
    vy: f32,
    r: f32,
    rgb: [f32; 3],
}

/// An animated test scene. Every frame is a pure function of its index, so frames can be
/// rendered in any order, and the same index always gives the same bytes.
///
/// ```
/// let scene = rtenc_synth::DemoScene::new(320, 180);
/// let f = scene.frame(0);
/// assert_eq!(f.len(), 320 * 180 * 3 / 2);
/// assert_eq!(f, scene.frame(0));
/// assert_ne!(f, scene.frame(1));
/// ```
#[derive(Debug, Clone)]
pub struct DemoScene {
    w: usize,
    h: usize,
    fps: f32,
    bg: Vec<u8>,
    bw: usize,
    bh: usize,
    margin: (usize, usize),
    balls: Vec<Ball>,
}

/// Triangle wave in `[0, 1]` with period 2: bouncing between two walls.
fn bounce(t: f32) -> f32 {
    let m = t.rem_euclid(2.0);
    if m > 1.0 {
        2.0 - m
    } else {
        m
    }
}

/// Distance from p to the segment a-b.
fn seg_dist(px: f32, py: f32, ax: f32, ay: f32, bx: f32, by: f32) -> f32 {
    let (dx, dy) = (bx - ax, by - ay);
    let t = (((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy).max(1e-6)).clamp(0.0, 1.0);
    let (qx, qy) = (ax + t * dx - px, ay + t * dy - py);
    (qx * qx + qy * qy).sqrt()
}

impl DemoScene {
    /// A scene of `width` x `height` (even, non-zero) at 30 frames per second.
    ///
    /// # Panics
    /// If a dimension is zero or odd.
    pub fn new(width: u32, height: u32) -> Self {
        let (w, h) = (width as usize, height as usize);
        assert!(
            w > 0 && h > 0 && w % 2 == 0 && h % 2 == 0,
            "DemoScene needs even sizes"
        );
        // The background is larger than the picture so it can pan; margins are even so the
        // chroma plane moves with the luma plane.
        let margin = ((w / 16) & !1, (h / 16) & !1);
        let (bw, bh) = (w + 2 * margin.0, h + 2 * margin.1);
        let land = Landscape::new(bw, bh, 0x00DE_0A11);
        let mut bg = vec![0u8; bw * bh * 3 / 2];
        render(&land, bw, bh, &mut bg);
        let mut r = Rng::new(42);
        let s = w.min(h) as f32;
        let balls = (0..5)
            .map(|_| Ball {
                x0: r.unit() * 2.0,
                y0: r.unit() * 2.0,
                vx: r.float(0.15, 0.35) * if r.chance(0.5) { 1.0 } else { -1.0 },
                vy: r.float(0.2, 0.45) * if r.chance(0.5) { 1.0 } else { -1.0 },
                r: (s * r.float(0.04, 0.09)).max(2.0),
                rgb: [r.float(0.2, 1.0), r.float(0.1, 0.9), r.float(0.1, 1.0)],
            })
            .collect();
        DemoScene {
            w,
            h,
            fps: 30.0,
            bg,
            bw,
            bh,
            margin,
            balls,
        }
    }

    /// The same scene timed for `fps` frames per second (motion per frame scales with 1 / fps).
    pub fn with_fps(mut self, fps: f64) -> Self {
        if fps.is_finite() && fps > 0.0 {
            self.fps = fps as f32;
        }
        self
    }

    /// Width in luma samples.
    pub fn width(&self) -> u32 {
        self.w as u32
    }

    /// Height in luma samples.
    pub fn height(&self) -> u32 {
        self.h as u32
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

    /// Renders frame `index` into `out`, which must be [`DemoScene::frame_len`] bytes.
    ///
    /// # Panics
    /// If `out` has the wrong length.
    pub fn render(&self, index: u64, out: &mut [u8]) {
        assert_eq!(out.len(), self.frame_len(), "DemoScene::render buffer size");
        let (w, h) = (self.w, self.h);
        let t = index as f32 / self.fps;
        self.background(t, out);
        let mut c = Canvas::new(out, w, h);
        let (wf, hf) = (w as f32, h as f32);
        let s = wf.min(hf);
        // Balls with shadows.
        for b in &self.balls {
            let cx = b.r + bounce(b.x0 + b.vx * t) * (wf - 2.0 * b.r).max(0.0);
            let cy = b.r + bounce(b.y0 + b.vy * t) * (hf - 2.0 * b.r).max(0.0);
            let r = b.r;
            let (sx, sy) = (cx + r * 0.35, cy + r * 0.45);
            c.shade(
                (sx - r * 1.2, sy - r * 1.2, sx + r * 1.2, sy + r * 1.2),
                |x, y| {
                    let d = ((x - sx).powi(2) + ((y - sy) * 1.4).powi(2)).sqrt();
                    (
                        0.45 * (1.0 - smoothstep(r * 0.6, r * 1.15, d)),
                        Yuv::grey(16),
                    )
                },
            );
            c.shade((cx - r, cy - r, cx + r, cy + r), |x, y| {
                let (dx, dy) = ((x - cx) / r, (y - cy) / r);
                let d2 = dx * dx + dy * dy;
                let cover = (r - d2.sqrt() * r + 0.5).clamp(0.0, 1.0);
                if cover <= 0.0 {
                    return (0.0, Yuv::grey(0));
                }
                let nz = (1.0 - d2.min(1.0)).sqrt();
                let diff = (-0.4 * dx - 0.5 * dy + 0.77 * nz).max(0.0);
                let spec = (-0.2 * dx - 0.25 * dy + 0.95 * nz).max(0.0).powi(24) * 0.7;
                let k = 0.2 + 0.8 * diff;
                let [rr, gg, bb] = b.rgb.map(|ch| (ch * k + spec).min(1.0));
                (cover, Yuv::from_rgb(rr, gg, bb))
            });
        }
        // A rotating checkered square circling the centre.
        let half = (s * 0.08).max(3.0);
        let (qx, qy) = (
            wf * 0.5 + wf * 0.25 * (t * 0.7).cos(),
            hf * 0.45 + hf * 0.2 * (t * 0.7).sin(),
        );
        let ang = t * 1.3;
        let (sn, cs) = ang.sin_cos();
        let ext = half * 1.5;
        c.shade((qx - ext, qy - ext, qx + ext, qy + ext), |x, y| {
            let (dx, dy) = (x - qx, y - qy);
            let (u, v) = (dx * cs + dy * sn, -dx * sn + dy * cs);
            let edge = half - u.abs().max(v.abs());
            let cover = (edge + 0.5).clamp(0.0, 1.0);
            let cell = ((u + half) / (half / 2.0)).floor() as i32
                + ((v + half) / (half / 2.0)).floor() as i32;
            let col = if cell % 2 == 0 {
                Yuv::new(235, 100, 170)
            } else {
                Yuv::new(40, 150, 100)
            };
            (cover, col)
        });
        self.ticker(&mut c, index);
        self.clock(&mut c, index, t);
        // Caption in the top-left corner.
        let cap = format!("rtenc demo {w}x{h}");
        let scale = if h >= 480 { 2 } else { 1 };
        let pad = 3 * scale as i64;
        let tw = text_width(&cap, scale) as f32;
        let th = (GLYPH_H * scale) as f32;
        let (x1, y1) = (2.0 * pad as f32 + tw, 2.0 * pad as f32 + th);
        c.shade((0.0, 0.0, x1 + pad as f32, y1 + pad as f32), |x, y| {
            let inside = x >= pad as f32 / 2.0 && x < x1 && y >= pad as f32 / 2.0 && y < y1;
            (if inside { 0.55 } else { 0.0 }, Yuv::grey(16))
        });
        c.text(pad + pad / 2, pad + pad / 2, &cap, scale, Yuv::grey(235));
    }

    fn background(&self, t: f32, out: &mut [u8]) {
        let (w, h, bw) = (self.w, self.h, self.bw);
        let (mx, my) = self.margin;
        let ox = ((mx as f32 * (1.0 + (t * 0.45).sin())) as usize & !1).min(2 * mx);
        let oy = ((my as f32 * (1.0 + (t * 0.31).cos())) as usize & !1).min(2 * my);
        let (oy_, ouv) = out.split_at_mut(w * h);
        let (by, buv) = self.bg.split_at(bw * self.bh);
        for y in 0..h {
            let src = (y + oy) * bw + ox;
            oy_[y * w..(y + 1) * w].copy_from_slice(&by[src..src + w]);
        }
        for y in 0..h / 2 {
            let src = (y + oy / 2) * bw + ox;
            ouv[y * w..(y + 1) * w].copy_from_slice(&buv[src..src + w]);
        }
    }

    fn ticker(&self, c: &mut Canvas<'_>, index: u64) {
        let (w, h) = (self.w as i64, self.h as i64);
        let band = ((h / 10).max(12) + 1) & !1;
        let y0 = h - band - band / 2;
        let (wf, y0f, y1f) = (w as f32, y0 as f32, (y0 + band) as f32);
        c.shade((0.0, y0f, wf, y1f), |_, y| {
            (
                if y >= y0f && y < y1f { 0.7 } else { 0.0 },
                Yuv::new(24, 140, 122),
            )
        });
        c.rect(0, y0, w, y0 + 1, Yuv::new(170, 60, 160));
        let scale = ((band as usize * 6 / 10) / GLYPH_H).max(1);
        let total = text_width(TICKER, scale) as i64;
        let speed = 2 * scale as i64;
        let off = (index as i64 * speed) % total;
        let ty = y0 + (band - (GLYPH_H * scale) as i64) / 2;
        let mut x = -off;
        while x < w {
            c.text(x, ty, TICKER, scale, Yuv::new(225, 118, 140));
            x += total;
        }
    }

    fn clock(&self, c: &mut Canvas<'_>, index: u64, t: f32) {
        let (wf, hf) = (self.w as f32, self.h as f32);
        let s = wf.min(hf);
        let r = (s * 0.09).max(5.0);
        let (cx, cy) = (wf - r - s * 0.04, r + s * 0.04);
        let rim = (r / 12.0).max(1.0);
        c.shade((cx - r, cy - r, cx + r, cy + r), |x, y| {
            let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
            let cover = (r - d + 0.5).clamp(0.0, 1.0);
            let col = if d > r - rim {
                Yuv::new(50, 120, 150)
            } else {
                Yuv::new(228, 126, 130)
            };
            (cover, col)
        });
        let ink = Yuv::grey(30);
        for k in 0..12 {
            let a = k as f32 * TAU / 12.0;
            let (sn, cs) = a.sin_cos();
            let (r0, r1) = (r * if k % 3 == 0 { 0.7 } else { 0.8 }, r - rim * 2.0);
            let (ax, ay, bx, by) = (cx + sn * r0, cy - cs * r0, cx + sn * r1, cy - cs * r1);
            let hw = rim * 0.5;
            c.shade(
                (
                    ax.min(bx) - 2.0,
                    ay.min(by) - 2.0,
                    ax.max(bx) + 2.0,
                    ay.max(by) + 2.0,
                ),
                |x, y| {
                    (
                        (hw + 0.5 - seg_dist(x, y, ax, ay, bx, by)).clamp(0.0, 1.0),
                        ink,
                    )
                },
            );
        }
        // A slow hand (one turn in 24 s) and a fast one (one turn in 2 s).
        for (period, len, width, col) in [
            (24.0f32, 0.55f32, rim * 1.6, ink),
            (2.0, 0.85, rim * 0.7, Yuv::new(76, 90, 230)),
        ] {
            let a = t / period * TAU;
            let (sn, cs) = a.sin_cos();
            let (bx, by) = (cx + sn * r * len, cy - cs * r * len);
            let hw = width * 0.5;
            c.shade(
                (
                    cx.min(bx) - 3.0,
                    cy.min(by) - 3.0,
                    cx.max(bx) + 3.0,
                    cy.max(by) + 3.0,
                ),
                |x, y| {
                    (
                        (hw + 0.5 - seg_dist(x, y, cx, cy, bx, by)).clamp(0.0, 1.0),
                        col,
                    )
                },
            );
        }
        // Digital time and frame number under the dial.
        let fps = (self.fps.round() as u64).max(1);
        let (secs, ff) = (index / fps, index % fps);
        let label = format!("{:02}:{:02}.{:02}", secs / 60, secs % 60, ff);
        let num = format!("#{index:06}");
        let scale = if s >= 360.0 { 2 } else { 1 };
        let lh = (GLYPH_H * scale + 2 * scale) as i64;
        let mut ly = (cy + r) as i64 + 2 * scale as i64;
        for txt in [label, num] {
            let tw = text_width(&txt, scale) as i64;
            let lx = (cx as i64 - tw / 2).max(0);
            c.rect(
                lx - 2,
                ly - 2,
                lx + tw + 1,
                ly + lh - 2 * scale as i64 + 2,
                Yuv::grey(20),
            );
            c.text(lx, ly, &txt, scale, Yuv::new(210, 100, 150));
            ly += lh + 2;
        }
    }
}
