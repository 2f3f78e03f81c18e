//! `rtenc.rgb_to_nv12`: rtenc::color's conversion over Python buffers, in place, GIL released.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyMemoryView};

use rtenc::color::{self, ChromaSiting};

use crate::layout::{check_nv12_out, rgb_image, ChannelOrder};
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
            color::rgb_to_nv12(
                img.data,
                img.width,
                img.height,
                img.row_stride,
                img.layout,
                siting,
                dst,
            )
        })
        .map_err(|e| PyValueError::new_err(e.to_string()))
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
