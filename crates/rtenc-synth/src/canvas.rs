//! Drawing into a contiguous NV12 buffer: solid fills, masks (sharp edges, chroma from the 2x2
//! coverage) and shaders (anti-aliased shapes evaluated at every luma and chroma sample).

use crate::font::{self, GLYPH_H, GLYPH_W};

/// A colour in Y'CbCr (8-bit, any range).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Yuv {
    /// Luma.
    pub y: u8,
    /// Cb.
    pub u: u8,
    /// Cr.
    pub v: u8,
}

impl Yuv {
    /// A colour from its three components.
    pub const fn new(y: u8, u: u8, v: u8) -> Self {
        Yuv { y, u, v }
    }

    /// A neutral grey of luma `y`.
    pub const fn grey(y: u8) -> Self {
        Yuv { y, u: 128, v: 128 }
    }

    /// BT.601 limited-range conversion from RGB components in `[0, 1]`.
    pub fn from_rgb(r: f32, g: f32, b: f32) -> Self {
        let (y, u, v) = rgb_to_yuv(r, g, b);
        Yuv {
            y: to_u8(y),
            u: to_u8(u),
            v: to_u8(v),
        }
    }
}

/// BT.601 limited range: RGB in `[0, 1]` to unrounded Y, Cb, Cr in 8-bit units.
#[inline]
pub(crate) fn rgb_to_yuv(r: f32, g: f32, b: f32) -> (f32, f32, f32) {
    let y = 16.0 + 65.481 * r + 128.553 * g + 24.966 * b;
    let u = 128.0 - 37.797 * r - 74.203 * g + 112.0 * b;
    let v = 128.0 + 112.0 * r - 93.786 * g - 18.214 * b;
    (y, u, v)
}

/// Rounds and clamps to a sample value.
#[inline]
pub(crate) fn to_u8(x: f32) -> u8 {
    (x + 0.5).clamp(0.0, 255.0) as u8
}

#[inline]
fn blend(dst: u8, src: u8, alpha: f32) -> u8 {
    to_u8(f32::from(dst) + (f32::from(src) - f32::from(dst)) * alpha)
}

/// A mutable view of a contiguous NV12 picture (`w * h` luma bytes, then `h / 2` rows of
/// interleaved U V).
pub struct Canvas<'a> {
    w: usize,
    h: usize,
    buf: &'a mut [u8],
}

impl<'a> Canvas<'a> {
    /// Wraps `buf`; panics unless it is exactly `w * h * 3 / 2` bytes with even `w`, `h`.
    pub fn new(buf: &'a mut [u8], w: usize, h: usize) -> Self {
        assert!(
            w.is_multiple_of(2) && h.is_multiple_of(2),
            "NV12 needs even dimensions, got {w}x{h}"
        );
        assert_eq!(buf.len(), w * h * 3 / 2, "NV12 buffer size for {w}x{h}");
        Canvas { w, h, buf }
    }

    /// Width in luma samples.
    pub fn width(&self) -> usize {
        self.w
    }

    /// Height in luma samples.
    pub fn height(&self) -> usize {
        self.h
    }

    /// Fills the whole picture with `c`.
    pub fn fill(&mut self, c: Yuv) {
        let (y, uv) = self.buf.split_at_mut(self.w * self.h);
        y.fill(c.y);
        for pair in uv.chunks_exact_mut(2) {
            pair[0] = c.u;
            pair[1] = c.v;
        }
    }

    /// Sets luma sample (x, y).
    #[inline]
    pub fn set_y(&mut self, x: usize, y: usize, val: u8) {
        self.buf[y * self.w + x] = val;
    }

    /// Luma sample (x, y).
    #[inline]
    pub fn get_y(&self, x: usize, y: usize) -> u8 {
        self.buf[y * self.w + x]
    }

    /// Sets chroma sample (cx, cy) (chroma coordinates).
    #[inline]
    pub fn set_uv(&mut self, cx: usize, cy: usize, u: u8, v: u8) {
        let i = self.w * self.h + cy * self.w + 2 * cx;
        self.buf[i] = u;
        self.buf[i + 1] = v;
    }

    /// Chroma sample (cx, cy) as (U, V).
    #[inline]
    pub fn get_uv(&self, cx: usize, cy: usize) -> (u8, u8) {
        let i = self.w * self.h + cy * self.w + 2 * cx;
        (self.buf[i], self.buf[i + 1])
    }

    /// Clips a luma rectangle `[x0, x1) x [y0, y1)` to the picture.
    fn clip(&self, x0: i64, y0: i64, x1: i64, y1: i64) -> Option<(usize, usize, usize, usize)> {
        let x0 = x0.max(0) as usize;
        let y0 = y0.max(0) as usize;
        let x1 = x1.min(self.w as i64);
        let y1 = y1.min(self.h as i64);
        if x1 <= x0 as i64 || y1 <= y0 as i64 {
            return None;
        }
        Some((x0, y0, x1 as usize, y1 as usize))
    }

    /// Paints colour `c` on every luma sample of the rectangle `[x0, x1) x [y0, y1)` for which
    /// `inside(x, y)` holds; chroma is blended by the fraction of its 2x2 luma samples inside.
    pub fn mask(
        &mut self,
        (x0, y0, x1, y1): (i64, i64, i64, i64),
        c: Yuv,
        inside: impl Fn(i64, i64) -> bool,
    ) {
        let Some((x0, y0, x1, y1)) = self.clip(x0, y0, x1, y1) else {
            return;
        };
        for y in y0..y1 {
            for x in x0..x1 {
                if inside(x as i64, y as i64) {
                    self.set_y(x, y, c.y);
                }
            }
        }
        for cy in y0 / 2..y1.div_ceil(2) {
            for cx in x0 / 2..x1.div_ceil(2) {
                let mut n = 0;
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    let (x, y) = (2 * cx + dx, 2 * cy + dy);
                    if (x0..x1).contains(&x) && (y0..y1).contains(&y) && inside(x as i64, y as i64)
                    {
                        n += 1;
                    }
                }
                if n > 0 {
                    let a = n as f32 / 4.0;
                    let (u, v) = self.get_uv(cx, cy);
                    self.set_uv(cx, cy, blend(u, c.u, a), blend(v, c.v, a));
                }
            }
        }
    }

    /// A solid rectangle `[x0, x1) x [y0, y1)`.
    pub fn rect(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, c: Yuv) {
        self.mask((x0, y0, x1, y1), c, |_, _| true);
    }

    /// Anti-aliased painting: `f(x, y)` is evaluated at the centre of every luma sample (at
    /// `x + 0.5, y + 0.5`) and of every chroma sample (the centre of its 2x2 luma block) whose
    /// block touches the rectangle, and returns the coverage in `[0, 1]` and the colour there.
    pub fn shade(
        &mut self,
        (x0, y0, x1, y1): (f32, f32, f32, f32),
        f: impl Fn(f32, f32) -> (f32, Yuv),
    ) {
        let r = (
            x0.floor() as i64 - 1,
            y0.floor() as i64 - 1,
            x1.ceil() as i64 + 1,
            y1.ceil() as i64 + 1,
        );
        let Some((x0, y0, x1, y1)) = self.clip(r.0, r.1, r.2, r.3) else {
            return;
        };
        for y in y0..y1 {
            for x in x0..x1 {
                let (a, c) = f(x as f32 + 0.5, y as f32 + 0.5);
                if a > 0.0 {
                    let old = self.get_y(x, y);
                    self.set_y(x, y, blend(old, c.y, a.min(1.0)));
                }
            }
        }
        for cy in y0 / 2..y1.div_ceil(2) {
            for cx in x0 / 2..x1.div_ceil(2) {
                let (a, c) = f(2.0 * cx as f32 + 1.0, 2.0 * cy as f32 + 1.0);
                if a > 0.0 {
                    let a = a.min(1.0);
                    let (u, v) = self.get_uv(cx, cy);
                    self.set_uv(cx, cy, blend(u, c.u, a), blend(v, c.v, a));
                }
            }
        }
    }

    /// Draws `text` with its top-left corner at (x, y), each font pixel a `scale` x `scale`
    /// square, one blank font column between characters. Returns the x after the last glyph.
    pub fn text(&mut self, x: i64, y: i64, text: &str, scale: usize, c: Yuv) -> i64 {
        let s = scale.max(1) as i64;
        let advance = (GLYPH_W as i64 + 1) * s;
        let mut cx = x;
        for ch in text.chars() {
            if cx >= self.w as i64 {
                break;
            }
            if cx + advance > 0 && ch != ' ' {
                let g = font::glyph(ch);
                let (gx, gy) = (cx, y);
                self.mask(
                    (gx, gy, gx + GLYPH_W as i64 * s, gy + GLYPH_H as i64 * s),
                    c,
                    |px, py| font::pixel(&g, ((px - gx) / s) as usize, ((py - gy) / s) as usize),
                );
            }
            cx += advance;
        }
        cx
    }
}

/// Width in pixels of `text` drawn at `scale` by [`Canvas::text`].
pub fn text_width(text: &str, scale: usize) -> usize {
    text.chars().count() * (GLYPH_W + 1) * scale.max(1)
}

/// Smooth Hermite step from 0 at `e0` to 1 at `e1`.
#[inline]
pub(crate) fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rect_and_text_touch_only_their_area() {
        let (w, h) = (32, 16);
        let mut buf = vec![0u8; w * h * 3 / 2];
        let mut c = Canvas::new(&mut buf, w, h);
        c.fill(Yuv::grey(200));
        c.rect(2, 2, 6, 6, Yuv::new(10, 20, 30));
        assert_eq!(c.get_y(2, 2), 10);
        assert_eq!(c.get_y(6, 6), 200);
        assert_eq!(c.get_uv(1, 1), (20, 30));
        assert_eq!(c.get_uv(3, 3), (128, 128));
        let end = c.text(8, 4, "I", 1, Yuv::grey(0));
        assert_eq!(end, 14);
        assert_eq!(c.get_y(10, 5), 0);
        assert_eq!(c.get_y(8, 5), 200);
        // Clipped drawing never panics.
        c.rect(-10, -10, 100, 3, Yuv::grey(1));
        c.text(-20, 12, "HELLO WORLD", 3, Yuv::grey(2));
        c.shade((-5.0, -5.0, 50.0, 50.0), |_, _| (0.5, Yuv::grey(255)));
    }
}
