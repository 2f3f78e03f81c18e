//! RGB to NV12 conversion, BT.601 limited range — what rtenc's VUI declares. The arithmetic
//! is a `dsp` kernel (`scalar::rgb_to_nv12_rows` and its SIMD twins); this module checks the
//! arguments and walks the rows.
//!
//! The coefficients are pdum.rfb's, in 8-bit fixed point (x256), rounded to nearest:
//! `Y = 0.257R + 0.504G + 0.098B + 16`, `Cb = -0.148R - 0.291G + 0.439B + 128`,
//! `Cr = 0.439R - 0.368G - 0.071B + 128`. Chroma is either the average of each 2x2 block ([`ChromaSiting::Average`], better
//! quality) or the top-left sample's ([`ChromaSiting::TopLeft`], what pdum.rfb's kernels do).

use crate::error::{Error, Result};

// The pixel layouts and chroma sitings are arguments of the conversion kernel, so `dsp` defines
// them (it depends on nothing above it); this is their public home.
pub use crate::dsp::{ChromaSiting, PixelLayout};

/// The conversion proper, on checked arguments: one dispatched kernel call per pair of rows
/// ([`crate::dsp::Kernels::rgb_to_nv12_rows`]).
#[allow(clippy::too_many_arguments)]
fn convert(
    src: &[u8],
    width: usize,
    height: usize,
    src_stride: usize,
    layout: PixelLayout,
    siting: ChromaSiting,
    y_plane: &mut [u8],
    y_stride: usize,
    uv_plane: &mut [u8],
    uv_stride: usize,
) {
    let kernel = crate::dsp::kernels().rgb_to_nv12_rows;
    let row_bytes = width * layout.bytes_per_pixel();
    for cy in 0..height / 2 {
        let row0 = &src[2 * cy * src_stride..][..row_bytes];
        let row1 = &src[(2 * cy + 1) * src_stride..][..row_bytes];
        let (y0, y1) = y_plane[2 * cy * y_stride..].split_at_mut(y_stride);
        let y1 = &mut y1[..width];
        let uv = &mut uv_plane[cy * uv_stride..][..width];
        kernel(row0, row1, &mut y0[..width], y1, uv, layout, siting);
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
    convert(
        src,
        width,
        height,
        src_stride,
        layout,
        chroma_siting,
        y_plane,
        y_stride,
        uv_plane,
        uv_stride,
    );
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

/// Interleaves planar 4:2:0 chroma (I420 / `yuv420p`: a U plane and a V plane of
/// `chroma_width` x `chroma_rows` samples each) into an NV12 UV plane (`U0 V0 U1 V1 ...`, rows
/// of `2 * chroma_width` bytes). Each source plane holds at least
/// `stride * (chroma_rows - 1) + chroma_width` bytes, `uv` at least
/// `uv_stride * (chroma_rows - 1) + 2 * chroma_width`; strides are at least a row's length.
/// The luma plane needs no conversion: [`crate::Nv12Frame::new`] reads it in place.
///
/// ```
/// use rtenc::color::i420_chroma_to_nv12;
/// let (u, v) = ([1u8, 2, 3, 4], [5u8, 6, 7, 8]);
/// let mut uv = [0u8; 8];
/// i420_chroma_to_nv12(&u, 2, &v, 2, 2, 2, &mut uv, 4).unwrap();
/// assert_eq!(uv, [1, 5, 2, 6, 3, 7, 4, 8]);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn i420_chroma_to_nv12(
    u: &[u8],
    u_stride: usize,
    v: &[u8],
    v_stride: usize,
    chroma_width: usize,
    chroma_rows: usize,
    uv: &mut [u8],
    uv_stride: usize,
) -> Result<()> {
    if chroma_width == 0 || chroma_rows == 0 {
        return Err(Error::InvalidFrame(format!(
            "chroma planes must be non-empty, got {chroma_width}x{chroma_rows}"
        )));
    }
    let row = 2 * chroma_width;
    // In u128: a hostile stride must not overflow.
    let need = |stride: usize, len: usize| stride as u128 * (chroma_rows as u128 - 1) + len as u128;
    for (name, len, stride, row_len) in [
        ("U", u.len(), u_stride, chroma_width),
        ("V", v.len(), v_stride, chroma_width),
        ("UV", uv.len(), uv_stride, row),
    ] {
        if stride < row_len {
            return Err(Error::InvalidFrame(format!(
                "{name} stride {stride} is smaller than its row of {row_len} bytes"
            )));
        }
        if (len as u128) < need(stride, row_len) {
            return Err(Error::InvalidFrame(format!(
                "{name} plane has {len} bytes, {chroma_rows} rows of {row_len} with stride \
             {stride} need {}",
                need(stride, row_len)
            )));
        }
    }
    for r in 0..chroma_rows {
        let (u_row, v_row) = (
            &u[r * u_stride..][..chroma_width],
            &v[r * v_stride..][..chroma_width],
        );
        // A zip over exact chunks: LLVM turns it into byte unpacks (punpcklbw / zip1).
        let dst = &mut uv[r * uv_stride..][..row];
        for ((pair, &cb), &cr) in dst.chunks_exact_mut(2).zip(u_row).zip(v_row) {
            pair[0] = cb;
            pair[1] = cr;
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

    #[test]
    fn i420_chroma_interleaves_with_strides_and_refuses_short_planes() {
        let (cw, ch) = (5, 3);
        let u: Vec<u8> = (0..7 * ch).map(|i| i as u8).collect();
        let v: Vec<u8> = (0..6 * ch).map(|i| 100 + i as u8).collect();
        let mut uv = vec![0xEEu8; 12 * ch];
        i420_chroma_to_nv12(&u, 7, &v, 6, cw, ch, &mut uv, 12).unwrap();
        for r in 0..ch {
            for x in 0..cw {
                assert_eq!(uv[r * 12 + 2 * x], u[r * 7 + x]);
                assert_eq!(uv[r * 12 + 2 * x + 1], v[r * 6 + x]);
            }
            assert_eq!(
                &uv[r * 12 + 10..r * 12 + 12],
                &[0xEE, 0xEE],
                "padding untouched"
            );
        }
        let mut out = vec![0u8; 30];
        assert!(i420_chroma_to_nv12(&u[..13], 5, &v, 5, cw, ch, &mut out, 10).is_err());
        assert!(i420_chroma_to_nv12(&u, 4, &v, 5, cw, ch, &mut out, 10).is_err());
        assert!(i420_chroma_to_nv12(&u, 5, &v, 5, cw, ch, &mut out[..29], 10).is_err());
        assert!(i420_chroma_to_nv12(&u, usize::MAX, &v, 5, cw, ch, &mut out, 10).is_err());
        assert!(i420_chroma_to_nv12(&u, 5, &v, 5, 0, ch, &mut out, 10).is_err());
    }
}
