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
    #[cfg(test)]
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

/// Luma of one pixel; in 16 bits (the sum is at most 56 228), which vectorises well.
#[inline(always)]
fn luma(r: u16, g: u16, b: u16) -> u8 {
    (((YR as u16 * r + YG as u16 * g + YB as u16 * b + 128) >> 8) + 16) as u8
}

/// Chroma from RGB sums over `n = 1 << shift` pixels.
#[inline(always)]
fn chroma(r: i32, g: i32, b: i32, shift: u32) -> (u8, u8) {
    let s = 8 + shift;
    let round = 1 << (s - 1);
    let u = ((UR * r + UG * g + UB * b + round) >> s) + 128;
    let v = ((VR * r + VG * g + VB * b + round) >> s) + 128;
    (u.clamp(0, 255) as u8, v.clamp(0, 255) as u8)
}

/// R, G and B of the pixel starting at `p[0]`: `BGR` swaps R and B; a 4th byte (alpha) is
/// never read.
#[inline(always)]
fn rgb_of<const BGR: bool>(p: &[u8]) -> (u8, u8, u8) {
    if BGR {
        (p[2], p[1], p[0])
    } else {
        (p[0], p[1], p[2])
    }
}

/// One row of luma. Monomorphised per pixel size and order so the loop has constant offsets
/// and strides, which the compiler vectorises.
#[inline(always)]
fn luma_row<const BPP: usize, const BGR: bool>(row: &[u8], out: &mut [u8]) {
    for (p, y) in row.chunks_exact(BPP).zip(out.iter_mut()) {
        let (r, g, b) = rgb_of::<BGR>(p);
        *y = luma(u16::from(r), u16::from(g), u16::from(b));
    }
}

/// One row of interleaved chroma from two rows of pixels.
#[inline(always)]
fn chroma_row<const BPP: usize, const BGR: bool>(
    row0: &[u8],
    row1: &[u8],
    uv: &mut [u8],
    siting: ChromaSiting,
) {
    let pairs = row0
        .chunks_exact(2 * BPP)
        .zip(row1.chunks_exact(2 * BPP))
        .zip(uv.chunks_exact_mut(2));
    match siting {
        ChromaSiting::Average => {
            for ((p0, p1), out) in pairs {
                let px = [
                    rgb_of::<BGR>(p0),
                    rgb_of::<BGR>(&p0[BPP..]),
                    rgb_of::<BGR>(p1),
                    rgb_of::<BGR>(&p1[BPP..]),
                ];
                let sum = |c: fn(&(u8, u8, u8)) -> u8| px.iter().map(|p| i32::from(c(p))).sum();
                let (u, v) = chroma(sum(|p| p.0), sum(|p| p.1), sum(|p| p.2), 2);
                out[0] = u;
                out[1] = v;
            }
        }
        ChromaSiting::TopLeft => {
            for ((p0, _), out) in pairs {
                let (r, g, b) = rgb_of::<BGR>(p0);
                let (u, v) = chroma(i32::from(r), i32::from(g), i32::from(b), 0);
                out[0] = u;
                out[1] = v;
            }
        }
    }
}

/// The conversion proper, on checked arguments.
#[allow(clippy::too_many_arguments)]
fn convert<const BPP: usize, const BGR: bool>(
    src: &[u8],
    width: usize,
    height: usize,
    src_stride: usize,
    siting: ChromaSiting,
    y_plane: &mut [u8],
    y_stride: usize,
    uv_plane: &mut [u8],
    uv_stride: usize,
) {
    let row_bytes = width * BPP;
    for cy in 0..height / 2 {
        let row0 = &src[2 * cy * src_stride..][..row_bytes];
        let row1 = &src[(2 * cy + 1) * src_stride..][..row_bytes];
        luma_row::<BPP, BGR>(row0, &mut y_plane[2 * cy * y_stride..][..width]);
        luma_row::<BPP, BGR>(row1, &mut y_plane[(2 * cy + 1) * y_stride..][..width]);
        chroma_row::<BPP, BGR>(row0, row1, &mut uv_plane[cy * uv_stride..][..width], siting);
    }
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
    let luma_len = width.saturating_mul(height);
    let nv12_len = luma_len.saturating_add(luma_len / 2);
    if dst.len() != nv12_len {
        check_source(src, width, height, src_stride, layout)?;
        return Err(Error::InvalidFrame(format!(
            "NV12 output must be {nv12_len} bytes for {width}x{height}, got {}",
            dst.len()
        )));
    }
    let (y_plane, uv_plane) = dst.split_at_mut(luma_len);
    rgb_to_nv12_planes(
        src,
        width,
        height,
        src_stride,
        layout,
        chroma_siting,
        y_plane,
        width,
        uv_plane,
        width,
    )
}

/// Like [`rgb_to_nv12`], into separate Y and interleaved UV planes with their own row strides
/// (padded output, or one band of rows of a larger picture). Each plane must hold at least
/// `stride * (rows - 1) + width` bytes (`height` rows of Y, `height / 2` of UV).
#[allow(clippy::too_many_arguments)]
pub fn rgb_to_nv12_planes(
    src: &[u8],
    width: usize,
    height: usize,
    src_stride: usize,
    layout: PixelLayout,
    chroma_siting: ChromaSiting,
    y_plane: &mut [u8],
    y_stride: usize,
    uv_plane: &mut [u8],
    uv_stride: usize,
) -> Result<()> {
    check_source(src, width, height, src_stride, layout)?;
    for (name, plane, stride, rows) in [
        ("Y", &*y_plane, y_stride, height),
        ("UV", &*uv_plane, uv_stride, height / 2),
    ] {
        if stride < width {
            return Err(Error::InvalidFrame(format!(
                "{name} stride {stride} is smaller than the width {width}"
            )));
        }
        let needed = stride
            .checked_mul(rows - 1)
            .and_then(|n| n.checked_add(width))
            .ok_or_else(|| Error::InvalidFrame("output too large".into()))?;
        if plane.len() < needed {
            return Err(Error::InvalidFrame(format!(
                "{name} plane has {} bytes, {width}x{rows} with stride {stride} needs {needed}",
                plane.len()
            )));
        }
    }
    let args = (src, width, height, src_stride, chroma_siting);
    let (src, w, h, ss, siting) = args;
    let (y, ys, uv, uvs) = (y_plane, y_stride, uv_plane, uv_stride);
    match layout {
        PixelLayout::Rgb => convert::<3, false>(src, w, h, ss, siting, y, ys, uv, uvs),
        PixelLayout::Bgr => convert::<3, true>(src, w, h, ss, siting, y, ys, uv, uvs),
        PixelLayout::Rgba => convert::<4, false>(src, w, h, ss, siting, y, ys, uv, uvs),
        PixelLayout::Bgra => convert::<4, true>(src, w, h, ss, siting, y, ys, uv, uvs),
    }
    Ok(())
}

/// Checks the dimensions and that `src` holds them.
fn check_source(
    src: &[u8],
    width: usize,
    height: usize,
    src_stride: usize,
    layout: PixelLayout,
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
    fn bands_into_padded_planes_equal_the_whole_picture() {
        let (w, h) = (10usize, 8usize);
        let rgb: Vec<u8> = (0..w * h * 4).map(|i| (i * 53 % 253) as u8).collect();
        for layout in [PixelLayout::Rgb, PixelLayout::Bgra] {
            let stride = w * layout.bytes_per_pixel();
            for siting in [ChromaSiting::Average, ChromaSiting::TopLeft] {
                let mut whole = vec![0u8; w * h * 3 / 2];
                rgb_to_nv12(&rgb, w, h, stride, layout, siting, &mut whole).unwrap();
                // Two bands of 4 rows into planes padded to 13 bytes per row.
                let ps = 13;
                let mut y = vec![0u8; ps * h];
                let mut uv = vec![0u8; ps * h / 2];
                for band in 0..2 {
                    rgb_to_nv12_planes(
                        &rgb[band * 4 * stride..],
                        w,
                        4,
                        stride,
                        layout,
                        siting,
                        &mut y[band * 4 * ps..],
                        ps,
                        &mut uv[band * 2 * ps..],
                        ps,
                    )
                    .unwrap();
                }
                for row in 0..h {
                    assert_eq!(y[row * ps..][..w], whole[row * w..][..w]);
                }
                for row in 0..h / 2 {
                    assert_eq!(uv[row * ps..][..w], whole[w * h + row * w..][..w]);
                }
            }
        }
        let mut small = vec![0u8; 10];
        let r = rgb_to_nv12_planes(
            &rgb,
            w,
            h,
            w * 3,
            PixelLayout::Rgb,
            ChromaSiting::Average,
            &mut small,
            w,
            &mut vec![0u8; w * h / 2],
            w,
        );
        assert!(r.is_err());
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
