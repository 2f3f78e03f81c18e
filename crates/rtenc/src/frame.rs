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
        if width == 0 || height == 0 || !width.is_multiple_of(2) || !height.is_multiple_of(2) {
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
