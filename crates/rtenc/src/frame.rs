//! Borrowed NV12 input frames.

use crate::error::{Error, Result};

/// A borrowed NV12 picture: a Y plane (`width` x `height` bytes) and an interleaved UV plane
/// (`height / 2` rows of `width` bytes: U0 V0 U1 V1 ...), each with its own row stride so padded
/// capture or GPU buffers are read in place, without a copy.
///
/// ```
/// use rtenc::Nv12Frame;
/// let buf = vec![128u8; 64 * 48 * 3 / 2];
/// let frame = Nv12Frame::from_contiguous(&buf, 64, 48).unwrap();
/// assert_eq!(frame.width(), 64);
/// assert!(Nv12Frame::from_contiguous(&buf[1..], 64, 48).is_err());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Nv12Frame<'a> {
    width: u32,
    height: u32,
    y: &'a [u8],
    y_stride: usize,
    uv: &'a [u8],
    uv_stride: usize,
}

impl<'a> Nv12Frame<'a> {
    /// A frame from separate planes with row strides (in bytes). Each plane slice must hold at
    /// least `stride * (rows - 1) + width` bytes; strides must be at least `width`.
    pub fn new(
        width: u32,
        height: u32,
        y: &'a [u8],
        y_stride: usize,
        uv: &'a [u8],
        uv_stride: usize,
    ) -> Result<Self> {
        if width == 0 || height == 0 || width % 2 != 0 || height % 2 != 0 {
            return Err(Error::InvalidFrame(format!(
                "NV12 dimensions must be even and non-zero, got {width}x{height}"
            )));
        }
        let w = width as usize;
        let h = height as usize;
        if y_stride < w {
            return Err(Error::InvalidFrame(format!(
                "Y stride {y_stride} is smaller than the width {w}"
            )));
        }
        if uv_stride < w {
            return Err(Error::InvalidFrame(format!(
                "UV stride {uv_stride} is smaller than the width {w}"
            )));
        }
        let need_y = y_stride * (h - 1) + w;
        if y.len() < need_y {
            return Err(Error::InvalidFrame(format!(
                "Y plane has {} bytes, {w}x{h} with stride {y_stride} needs {need_y}",
                y.len()
            )));
        }
        let need_uv = uv_stride * (h / 2 - 1) + w;
        if uv.len() < need_uv {
            return Err(Error::InvalidFrame(format!(
                "UV plane has {} bytes, {w}x{} with stride {uv_stride} needs {need_uv}",
                uv.len(),
                h / 2
            )));
        }
        Ok(Nv12Frame {
            width,
            height,
            y,
            y_stride,
            uv,
            uv_stride,
        })
    }

    /// A frame from one contiguous buffer of exactly `width * height * 3 / 2` bytes: the Y plane
    /// followed by the interleaved UV plane, both with stride `width`.
    pub fn from_contiguous(data: &'a [u8], width: u32, height: u32) -> Result<Self> {
        let w = width as usize;
        let h = height as usize;
        let expected = w * h * 3 / 2;
        if data.len() != expected {
            return Err(Error::InvalidFrame(format!(
                "NV12 buffer for {width}x{height} must be {expected} bytes, got {}",
                data.len()
            )));
        }
        let (y, uv) = data.split_at(w * h);
        Self::new(width, height, y, w, uv, w)
    }

    /// Width in luma samples.
    pub fn width(&self) -> u32 {
        self.width
    }
    /// Height in luma samples.
    pub fn height(&self) -> u32 {
        self.height
    }
    /// Luma row `row` (exactly `width` bytes).
    pub fn y_row(&self, row: usize) -> &'a [u8] {
        let start = row * self.y_stride;
        &self.y[start..start + self.width as usize]
    }
    /// Interleaved chroma row `row` (`height / 2` rows; exactly `width` bytes).
    pub fn uv_row(&self, row: usize) -> &'a [u8] {
        let start = row * self.uv_stride;
        &self.uv[start..start + self.width as usize]
    }
}

/// A rectangle of luma samples: a damage hint for [`crate::Encoder::encode_with_damage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width (0 = empty).
    pub width: u32,
    /// Height (0 = empty).
    pub height: u32,
}

impl Rect {
    /// A rectangle from its top-left corner and size.
    pub const fn new(x: u32, y: u32, width: u32, height: u32) -> Self {
        Rect {
            x,
            y,
            width,
            height,
        }
    }

    /// The rectangle widened to whole macroblocks and clipped to a `w` x `h` picture, as luma
    /// sample bounds (x0, y0, x1, y1) with x0, y0 multiples of 16 and x1 <= w, y1 <= h; `None`
    /// when nothing of it lies in the picture.
    pub(crate) fn macroblock_span(
        &self,
        w: usize,
        h: usize,
    ) -> Option<(usize, usize, usize, usize)> {
        let (x, y) = (self.x as usize, self.y as usize);
        let x1 = x.saturating_add(self.width as usize).min(w);
        let y1 = y.saturating_add(self.height as usize).min(h);
        if self.width == 0 || self.height == 0 || x >= x1 || y >= y1 {
            return None;
        }
        let round_up = |v: usize, limit: usize| v.div_ceil(16).saturating_mul(16).min(limit);
        Some((x / 16 * 16, y / 16 * 16, round_up(x1, w), round_up(y1, h)))
    }
}

#[cfg(test)]
mod rect_tests {
    use super::Rect;

    #[test]
    fn spans_cover_whole_macroblocks_inside_the_picture() {
        assert_eq!(
            Rect::new(20, 5, 8, 8).macroblock_span(64, 48),
            Some((16, 0, 32, 16))
        );
        assert_eq!(
            Rect::new(0, 0, 64, 48).macroblock_span(64, 48),
            Some((0, 0, 64, 48))
        );
        // Clipped at a cropped edge (width 50 is not a multiple of 16).
        assert_eq!(
            Rect::new(40, 40, 100, 100).macroblock_span(50, 46),
            Some((32, 32, 50, 46))
        );
        assert_eq!(Rect::new(70, 0, 4, 4).macroblock_span(64, 48), None);
        assert_eq!(Rect::new(0, 0, 0, 4).macroblock_span(64, 48), None);
        assert_eq!(
            Rect::new(u32::MAX, u32::MAX, u32::MAX, u32::MAX).macroblock_span(64, 48),
            None
        );
    }
}
