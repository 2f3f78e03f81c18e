//! Sample planes and pictures: the encoder's copy of the source, its reconstruction and the
//! reference picture. Planes are macroblock-aligned and carry a border of `pad` samples on every
//! side, filled by edge replication, so motion compensation can read outside the picture.

/// One plane of 8-bit samples with a replicated border.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plane {
    /// Samples, including the border.
    pub data: Vec<u8>,
    /// Distance in bytes between rows.
    pub stride: usize,
    /// Width of the visible area (a multiple of the macroblock size).
    pub width: usize,
    /// Height of the visible area.
    pub height: usize,
    /// Border width on each side.
    pub pad: usize,
}

impl Plane {
    /// A plane of `width` x `height` samples with a `pad` border, filled with `fill`.
    pub fn new(width: usize, height: usize, pad: usize, fill: u8) -> Self {
        let stride = width + 2 * pad;
        Plane {
            data: vec![fill; stride * (height + 2 * pad)],
            stride,
            width,
            height,
            pad,
        }
    }

    /// Index in `data` of sample (x, y) of the visible area (x, y may reach into the border).
    #[inline(always)]
    pub fn offset(&self, x: isize, y: isize) -> usize {
        ((y + self.pad as isize) as usize) * self.stride + (x + self.pad as isize) as usize
    }

    /// Sample (x, y) of the visible area.
    #[inline(always)]
    pub fn at(&self, x: usize, y: usize) -> u8 {
        self.data[(y + self.pad) * self.stride + x + self.pad]
    }

    /// Row `y` of the visible area.
    #[inline(always)]
    pub fn row(&self, y: usize) -> &[u8] {
        let s = (y + self.pad) * self.stride + self.pad;
        &self.data[s..s + self.width]
    }

    /// Mutable row `y` of the visible area.
    #[inline(always)]
    pub fn row_mut(&mut self, y: usize) -> &mut [u8] {
        let s = (y + self.pad) * self.stride + self.pad;
        &mut self.data[s..s + self.width]
    }

    /// Fills the border by repeating the outermost visible samples (8.4.2.2: reference samples
    /// outside the picture take the value of the nearest edge sample).
    pub fn extend_edges(&mut self) {
        let (w, h, p, s) = (self.width, self.height, self.pad, self.stride);
        if p == 0 {
            return;
        }
        for y in p..p + h {
            let row = &mut self.data[y * s..(y + 1) * s];
            let left = row[p];
            let right = row[p + w - 1];
            row[..p].fill(left);
            row[p + w..].fill(right);
        }
        let (top, rest) = self.data.split_at_mut(p * s);
        let first = &rest[..s];
        for r in top.chunks_exact_mut(s) {
            r.copy_from_slice(first);
        }
        let last_start = (p + h - 1) * s;
        let (body, bottom) = self.data.split_at_mut((p + h) * s);
        let last = &body[last_start..last_start + s];
        for r in bottom.chunks_exact_mut(s) {
            r.copy_from_slice(last);
        }
    }
}

/// A 4:2:0 picture: luma and two chroma planes, macroblock-aligned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// Luma.
    pub y: Plane,
    /// Cb.
    pub u: Plane,
    /// Cr.
    pub v: Plane,
}

impl Picture {
    /// A mid-grey picture of `mb_width` x `mb_height` macroblocks with borders of `luma_pad`
    /// (luma) and `luma_pad / 2` (chroma).
    pub fn new(mb_width: usize, mb_height: usize, luma_pad: usize) -> Self {
        Picture {
            y: Plane::new(mb_width * 16, mb_height * 16, luma_pad, 128),
            u: Plane::new(mb_width * 8, mb_height * 8, luma_pad / 2, 128),
            v: Plane::new(mb_width * 8, mb_height * 8, luma_pad / 2, 128),
        }
    }

    /// Fills every plane's border by edge replication.
    pub fn extend_edges(&mut self) {
        self.y.extend_edges();
        self.u.extend_edges();
        self.v.extend_edges();
    }

    /// Writes the visible `width` x `height` region (the cropped picture a decoder outputs) as
    /// NV12 into `out` (cleared first).
    pub fn write_nv12(&self, width: usize, height: usize, out: &mut Vec<u8>) {
        out.clear();
        out.reserve(width * height * 3 / 2);
        for y in 0..height {
            out.extend_from_slice(&self.y.row(y)[..width]);
        }
        for y in 0..height / 2 {
            let (u, v) = (self.u.row(y), self.v.row(y));
            for x in 0..width / 2 {
                out.push(u[x]);
                out.push(v[x]);
            }
        }
    }

    /// Writes the visible region as planar I420 (Y, then U, then V), the layout ffmpeg's
    /// `yuv420p` raw output uses.
    pub fn write_i420(&self, width: usize, height: usize, out: &mut Vec<u8>) {
        out.clear();
        out.reserve(width * height * 3 / 2);
        for y in 0..height {
            out.extend_from_slice(&self.y.row(y)[..width]);
        }
        for plane in [&self.u, &self.v] {
            for y in 0..height / 2 {
                out.extend_from_slice(&plane.row(y)[..width / 2]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_replicate() {
        let mut p = Plane::new(4, 2, 3, 0);
        for y in 0..2 {
            for x in 0..4 {
                p.row_mut(y)[x] = (10 * y + x) as u8;
            }
        }
        p.extend_edges();
        assert_eq!(p.data[p.offset(-3, -3)], 0);
        assert_eq!(p.data[p.offset(6, -1)], 3);
        assert_eq!(p.data[p.offset(-2, 4)], 10);
        assert_eq!(p.data[p.offset(5, 4)], 13);
        assert_eq!(p.data[p.offset(2, 1)], 12);
    }
}
