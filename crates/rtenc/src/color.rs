//! RGB to NV12 conversion, BT.601 limited range — what rtenc's VUI declares.
//!
//! The coefficients are pdum.rfb's, in 8-bit fixed point (x256), rounded to nearest:
//! `Y = 0.257R + 0.504G + 0.098B + 16`, `Cb = -0.148R - 0.291G + 0.439B + 128`,
//! `Cr = 0.439R - 0.368G - 0.071B + 128`. Chroma is either the average of each 2x2 block ([`ChromaSiting::Average`], better
//! quality) or the top-left sample's ([`ChromaSiting::TopLeft`], what pdum.rfb's kernels do).

use crate::error::{Error, Result};

/// Byte order of the packed input pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelLayout {
    /// 3 bytes per pixel: R, G, B.
    Rgb,
    /// 4 bytes per pixel: R, G, B, A (alpha ignored).
    Rgba,
    /// 3 bytes per pixel: B, G, R.
    Bgr,
    /// 4 bytes per pixel: B, G, R, A (alpha ignored).
    Bgra,
}

impl PixelLayout {
    /// Bytes per pixel.
    pub fn bytes_per_pixel(self) -> usize {
        match self {
            PixelLayout::Rgb | PixelLayout::Bgr => 3,
            PixelLayout::Rgba | PixelLayout::Bgra => 4,
        }
    }

    /// Offsets of R, G and B within a pixel.
    fn rgb_offsets(self) -> (usize, usize, usize) {
        match self {
            PixelLayout::Rgb | PixelLayout::Rgba => (0, 1, 2),
            PixelLayout::Bgr | PixelLayout::Bgra => (2, 1, 0),
        }
    }
}

/// How each chroma sample is derived from its 2x2 block of pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChromaSiting {
    /// The mean of the four pixels.
    Average,
    /// The top-left pixel only.
    TopLeft,
}

// Fixed-point coefficients (x256) of the BT.601 limited-range matrix.
const YR: i32 = 66;
const YG: i32 = 129;
const YB: i32 = 25;
const UR: i32 = -38;
const UG: i32 = -74;
const UB: i32 = 112;
const VR: i32 = 112;
const VG: i32 = -94;
const VB: i32 = -18;

#[inline]
fn luma(r: i32, g: i32, b: i32) -> u8 {
    (((YR * r + YG * g + YB * b + 128) >> 8) + 16) as u8
}

/// Chroma from RGB sums over `n = 1 << shift` pixels.
#[inline]
fn chroma(r: i32, g: i32, b: i32, shift: u32) -> (u8, u8) {
    let s = 8 + shift;
    let round = 1 << (s - 1);
    let u = ((UR * r + UG * g + UB * b + round) >> s) + 128;
    let v = ((VR * r + VG * g + VB * b + round) >> s) + 128;
    (u.clamp(0, 255) as u8, v.clamp(0, 255) as u8)
}

/// Converts packed RGB(A)/BGR(A) pixels to a contiguous NV12 picture.
///
/// `src` holds `height` rows of `width` pixels, each row starting `src_stride` bytes after the
/// previous one (`src_stride >= width * layout.bytes_per_pixel()`; the last row need only be
/// `width` pixels long). `dst` must be exactly `width * height * 3 / 2` bytes. Width and height
/// must be even and non-zero.
///
/// ```
/// use rtenc::color::{rgb_to_nv12, ChromaSiting, PixelLayout};
/// let white = vec![255u8; 4 * 2 * 3];
/// let mut nv12 = vec![0u8; 4 * 2 * 3 / 2];
/// rgb_to_nv12(&white, 4, 2, 12, PixelLayout::Rgb, ChromaSiting::Average, &mut nv12).unwrap();
/// assert_eq!(&nv12[..8], &[235; 8]);
/// assert_eq!(&nv12[8..], &[128; 4]);
/// ```
pub fn rgb_to_nv12(
    src: &[u8],
    width: usize,
    height: usize,
    src_stride: usize,
    layout: PixelLayout,
    chroma_siting: ChromaSiting,
    dst: &mut [u8],
) -> Result<()> {
    let bad = |m: String| Err(Error::InvalidFrame(m));
    if width == 0 || height == 0 || !width.is_multiple_of(2) || !height.is_multiple_of(2) {
        return bad(format!(
            "width and height must be even and non-zero, got {width}x{height}"
        ));
    }
    let bpp = layout.bytes_per_pixel();
    let row_bytes = width
        .checked_mul(bpp)
        .ok_or_else(|| Error::InvalidFrame("width too large".into()))?;
    if src_stride < row_bytes {
        return bad(format!(
            "source stride {src_stride} is smaller than a row of {width} pixels ({row_bytes} bytes)"
        ));
    }
    let needed = src_stride
        .checked_mul(height - 1)
        .and_then(|n| n.checked_add(row_bytes))
        .ok_or_else(|| Error::InvalidFrame("source too large".into()))?;
    if src.len() < needed {
        return bad(format!(
            "source holds {} bytes, {width}x{height} with stride {src_stride} needs {needed}",
            src.len()
        ));
    }
    let luma_len = width * height;
    let nv12_len = luma_len + luma_len / 2;
    if dst.len() != nv12_len {
        return bad(format!(
            "NV12 output must be {nv12_len} bytes for {width}x{height}, got {}",
            dst.len()
        ));
    }
    let (ro, go, bo) = layout.rgb_offsets();
    let (y_plane, uv_plane) = dst.split_at_mut(luma_len);
    for cy in 0..height / 2 {
        let row0 = &src[2 * cy * src_stride..][..row_bytes];
        let row1 = &src[(2 * cy + 1) * src_stride..][..row_bytes];
        let (y0, y1) = y_plane[2 * cy * width..][..2 * width].split_at_mut(width);
        let uv = &mut uv_plane[cy * width..][..width];
        for cx in 0..width / 2 {
            let mut sums = (0i32, 0i32, 0i32);
            for (row, out) in [(row0, &mut *y0), (row1, &mut *y1)] {
                for k in 0..2 {
                    let x = 2 * cx + k;
                    let p = &row[x * bpp..][..bpp];
                    let (r, g, b) = (i32::from(p[ro]), i32::from(p[go]), i32::from(p[bo]));
                    out[x] = luma(r, g, b);
                    sums = (sums.0 + r, sums.1 + g, sums.2 + b);
                }
            }
            let (u, v) = match chroma_siting {
                ChromaSiting::Average => chroma(sums.0, sums.1, sums.2, 2),
                ChromaSiting::TopLeft => {
                    let p = &row0[2 * cx * bpp..][..bpp];
                    chroma(i32::from(p[ro]), i32::from(p[go]), i32::from(p[bo]), 0)
                }
            };
            uv[2 * cx] = u;
            uv[2 * cx + 1] = v;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The floating-point formula the fixed-point one approximates.
    fn reference(r: f64, g: f64, b: f64) -> (f64, f64, f64) {
        (
            0.257 * r + 0.504 * g + 0.098 * b + 16.0,
            -0.148 * r - 0.291 * g + 0.439 * b + 128.0,
            0.439 * r - 0.368 * g - 0.071 * b + 128.0,
        )
    }

    #[test]
    fn solid_colours_match_the_formula_within_one() {
        for &(r, g, b) in &[
            (0u8, 0u8, 0u8),
            (255, 255, 255),
            (255, 0, 0),
            (0, 255, 0),
            (0, 0, 255),
            (12, 200, 99),
            (128, 64, 250),
        ] {
            let rgb: Vec<u8> = [r, g, b].repeat(4 * 4);
            let mut out = vec![0u8; 4 * 4 * 3 / 2];
            for siting in [ChromaSiting::Average, ChromaSiting::TopLeft] {
                rgb_to_nv12(&rgb, 4, 4, 12, PixelLayout::Rgb, siting, &mut out).unwrap();
                let (y, u, v) = reference(f64::from(r), f64::from(g), f64::from(b));
                assert!((f64::from(out[0]) - y).abs() <= 1.0, "Y of {r},{g},{b}");
                assert!((f64::from(out[16]) - u).abs() <= 1.0, "U of {r},{g},{b}");
                assert!((f64::from(out[17]) - v).abs() <= 1.0, "V of {r},{g},{b}");
            }
        }
    }

    #[test]
    fn layouts_agree() {
        let (w, h) = (6usize, 4usize);
        let rgb: Vec<u8> = (0..w * h * 3).map(|i| (i * 37 % 251) as u8).collect();
        let mut expect = vec![0u8; w * h * 3 / 2];
        rgb_to_nv12(
            &rgb,
            w,
            h,
            w * 3,
            PixelLayout::Rgb,
            ChromaSiting::Average,
            &mut expect,
        )
        .unwrap();
        for layout in [PixelLayout::Rgba, PixelLayout::Bgr, PixelLayout::Bgra] {
            let bpp = layout.bytes_per_pixel();
            let stride = w * bpp + 5; // padded rows
            let mut src = vec![0u8; stride * h];
            let (ro, go, bo) = layout.rgb_offsets();
            for y in 0..h {
                for x in 0..w {
                    let p = &rgb[(y * w + x) * 3..][..3];
                    let q = &mut src[y * stride + x * bpp..][..bpp];
                    (q[ro], q[go], q[bo]) = (p[0], p[1], p[2]);
                }
            }
            let mut out = vec![0u8; w * h * 3 / 2];
            rgb_to_nv12(&src, w, h, stride, layout, ChromaSiting::Average, &mut out).unwrap();
            assert_eq!(out, expect, "{layout:?}");
        }
    }

    #[test]
    fn average_siting_averages() {
        // A 2x2 block of black and white: luma per pixel, chroma neutral either way, and the
        // average of red and blue halves lands between the two.
        let rgb = [255u8, 0, 0, 0, 0, 255, 255, 0, 0, 0, 0, 255];
        let mut avg = [0u8; 6];
        let mut tl = [0u8; 6];
        rgb_to_nv12(
            &rgb,
            2,
            2,
            6,
            PixelLayout::Rgb,
            ChromaSiting::Average,
            &mut avg,
        )
        .unwrap();
        rgb_to_nv12(
            &rgb,
            2,
            2,
            6,
            PixelLayout::Rgb,
            ChromaSiting::TopLeft,
            &mut tl,
        )
        .unwrap();
        assert_eq!(avg[..4], tl[..4]);
        let (_, u_red, v_red) = reference(255.0, 0.0, 0.0);
        assert!((f64::from(tl[4]) - u_red).abs() <= 1.0);
        assert!((f64::from(tl[5]) - v_red).abs() <= 1.0);
        let (_, u_r, v_r) = reference(127.5, 0.0, 127.5);
        assert!((f64::from(avg[4]) - u_r).abs() <= 1.0);
        assert!((f64::from(avg[5]) - v_r).abs() <= 1.0);
    }

    #[test]
    fn bad_shapes_are_errors() {
        let mut out = vec![0u8; 6];
        let src = vec![0u8; 100];
        let conv = |w, h, stride, out: &mut [u8]| {
            rgb_to_nv12(
                &src,
                w,
                h,
                stride,
                PixelLayout::Rgb,
                ChromaSiting::Average,
                out,
            )
        };
        assert!(conv(3, 2, 9, &mut out).is_err()); // odd width
        assert!(conv(2, 0, 6, &mut out).is_err()); // zero height
        assert!(conv(2, 2, 5, &mut out).is_err()); // stride too small
        assert!(conv(2, 2, 6, &mut out[..5]).is_err()); // output too small
        assert!(conv(2, 2, 100, &mut out).is_err()); // source too short for stride
        assert!(conv(2, 2, 6, &mut out).is_ok());
    }
}
