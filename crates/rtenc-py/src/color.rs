//! `rtenc.rgb_to_nv12`: rtenc::color's conversion over Python buffers, in place, GIL released.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyMemoryView};

use rtenc::color::{self, ChromaSiting};

use crate::layout::{check_nv12_out, rgb_image, ChannelOrder, RgbImage};
use crate::pybuffer::{Access, BufferView};

fn chroma_siting(chroma: &str) -> PyResult<ChromaSiting> {
    match chroma {
        "average" => Ok(ChromaSiting::Average),
        "topleft" => Ok(ChromaSiting::TopLeft),
        _ => Err(PyValueError::new_err(format!(
            "chroma must be 'average' or 'topleft', got {chroma:?}"
        ))),
    }
}

/// Pictures with fewer pixels than this are converted on the calling thread only.
const PARALLEL_MIN_PIXELS: usize = 512 * 512;
/// At most this many threads share one conversion.
const MAX_BANDS: usize = 4;

/// Converts `img` into the contiguous NV12 `dst`, splitting large pictures into horizontal bands
/// converted by scoped threads (one per available core, at most [`MAX_BANDS`]).
fn convert_in_bands(img: &RgbImage<'_>, siting: ChromaSiting, dst: &mut [u8]) -> rtenc::Result<()> {
    let (w, h) = (img.width, img.height);
    if dst.len() != w * h * 3 / 2 {
        // Let rtenc describe the mismatch.
        return color::rgb_to_nv12(img.data, w, h, img.row_stride, img.layout, siting, dst);
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let bands = if w * h >= PARALLEL_MIN_PIXELS {
        cores.min(MAX_BANDS).min(h / 16).max(1)
    } else {
        1
    };
    // Rows per band: even (whole chroma rows), the last band takes the rest.
    let band_rows = (h / bands).next_multiple_of(2).max(2);
    let (y_plane, uv_plane) = dst.split_at_mut(w * h);
    let work = y_plane
        .chunks_mut(band_rows * w)
        .zip(uv_plane.chunks_mut(band_rows / 2 * w))
        .enumerate()
        .map(|(k, (y, uv))| {
            let rows = y.len() / w;
            let src = &img.data[(k * band_rows * img.row_stride).min(img.data.len())..];
            move || {
                color::rgb_to_nv12_planes(
                    src,
                    w,
                    rows,
                    img.row_stride,
                    img.layout,
                    siting,
                    y,
                    w,
                    uv,
                    w,
                )
            }
        });
    std::thread::scope(|scope| {
        let mut work = work;
        let first = work.next();
        let handles: Vec<_> = work.map(|job| scope.spawn(job)).collect();
        let mut result = first.map_or(Ok(()), |mut job| job());
        for handle in handles {
            let band = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            result = result.and(band);
        }
        result
    })
}

/// rgb_to_nv12(rgb, out=None, *, chroma="average", order="rgb")
///
/// Converts a ``(height, width, 3)`` RGB or ``(height, width, 4)`` RGBA uint8 array (rows may be
/// padded) to NV12, BT.601 limited range with pdum.rfb's coefficients. ``order`` is ``"rgb"``,
/// ``"bgr"`` (alpha, if any, is the 4th channel and ignored) or ``"rgba"``/``"bgra"`` (which
/// insist on 4 channels). ``chroma="average"`` averages each 2x2 block; ``"topleft"`` takes the
/// top-left pixel's chroma, like pdum.rfb's kernels.
///
/// ``out``, if given, is written in place and returned: a writable, contiguous
/// ``(height * 3 // 2, width)`` uint8 array or flat buffer of ``width * height * 3 // 2`` bytes,
/// not overlapping ``rgb``. Without it a new ``(height * 3 // 2, width)`` memoryview over a
/// bytearray is returned (``numpy.asarray`` wraps it without a copy). The GIL is released
/// during the conversion.
#[pyfunction]
#[pyo3(signature = (rgb, out = None, *, chroma = "average", order = "rgb"))]
pub fn rgb_to_nv12<'py>(
    py: Python<'py>,
    rgb: &Bound<'py, PyAny>,
    out: Option<&Bound<'py, PyAny>>,
    chroma: &str,
    order: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let siting = chroma_siting(chroma)?;
    let order = ChannelOrder::parse(order)?;
    let src_view = BufferView::get(rgb, Access::Read, "rgb")?;
    let img = rgb_image(&src_view, order)?;
    let convert = |dst: &mut [u8]| -> PyResult<()> {
        py.detach(|| {
            crate::panic_guard(|| {
                convert_in_bands(&img, siting, dst)
                    .map_err(|e| PyValueError::new_err(e.to_string()))
            })
        })
    };
    match out {
        Some(out) => {
            let mut dst_view = BufferView::get(out, Access::Write, "out")?;
            check_nv12_out(&dst_view, img.width, img.height)?;
            let (a, b) = (src_view.address_range(), dst_view.address_range());
            if a.start < b.end && b.start < a.end {
                return Err(PyValueError::new_err("out must not overlap rgb"));
            }
            let dst = dst_view
                .bytes_mut()
                .ok_or_else(|| PyValueError::new_err("out must be a writable buffer"))?;
            convert(dst)?;
            drop(dst_view);
            Ok(out.clone())
        }
        None => {
            let len = img.width * img.height * 3 / 2;
            let array = PyByteArray::new_with(py, len, |dst| convert(dst))?;
            let view = PyMemoryView::from(&array)?;
            view.call_method1("cast", ("B", (img.height * 3 / 2, img.width)))
        }
    }
}

/// yuv420p_to_nv12(frame, out=None)
///
/// Converts a planar 4:2:0 (I420, ``yuv420p``) picture to NV12: ``frame`` is a ``(y, u, v)``
/// tuple of uint8 arrays, ``y`` of shape ``(height, width)`` and ``u``, ``v`` of shape
/// ``(height // 2, width // 2)`` (inner stride 1, rows may be padded). The luma rows are copied
/// and the chroma planes interleaved (rtenc's ``color::i420_chroma_to_nv12``) with the GIL
/// released. ``out`` as for :func:`rgb_to_nv12`. ``Encoder.encode`` takes the same tuple
/// directly, reading the luma in place; this function is for keeping a copy.
#[pyfunction]
#[pyo3(signature = (frame, out = None))]
pub fn yuv420p_to_nv12<'py>(
    py: Python<'py>,
    frame: &Bound<'py, PyAny>,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let views = crate::encoder::plane_views(frame)?;
    let (w, h) = match views[0].shape() {
        &[h, w] if w > 0 && h > 0 && w % 2 == 0 && h % 2 == 0 => (w, h),
        shape => {
            return Err(PyValueError::new_err(format!(
                "yuv420p: the Y plane must be a 2-D (height, width) uint8 array with even, \
                 non-zero sides, got shape {shape:?}"
            )))
        }
    };
    let [y, u, v] = crate::layout::yuv420p_planes(&views, w as u32, h as u32)?;
    let convert = |dst: &mut [u8]| -> PyResult<()> {
        py.detach(|| {
            crate::panic_guard(|| {
                let (luma, uv) = dst.split_at_mut(w * h);
                for (r, row) in luma.chunks_exact_mut(w).enumerate() {
                    row.copy_from_slice(&y.data[r * y.stride..][..w]);
                }
                color::i420_chroma_to_nv12(u.data, u.stride, v.data, v.stride, w / 2, h / 2, uv, w)
                    .map_err(|e| PyValueError::new_err(e.to_string()))
            })
        })
    };
    match out {
        Some(out) => {
            let mut dst_view = BufferView::get(out, Access::Write, "out")?;
            check_nv12_out(&dst_view, w, h)?;
            let b = dst_view.address_range();
            if views
                .iter()
                .map(|v| v.address_range())
                .any(|a| a.start < b.end && b.start < a.end)
            {
                return Err(PyValueError::new_err(
                    "out must not overlap the input planes",
                ));
            }
            let dst = dst_view
                .bytes_mut()
                .ok_or_else(|| PyValueError::new_err("out must be a writable buffer"))?;
            convert(dst)?;
            drop(dst_view);
            Ok(out.clone())
        }
        None => {
            let array = PyByteArray::new_with(py, w * h * 3 / 2, |dst| convert(dst))?;
            let view = PyMemoryView::from(&array)?;
            view.call_method1("cast", ("B", (h * 3 / 2, w)))
        }
    }
}
