//! What shapes of buffer the module accepts, and how they map onto rtenc's planes. Errors are
//! `ValueError`s that say what was expected and what came.

use pyo3::exceptions::PyValueError;
use pyo3::PyResult;

use rtenc::color::PixelLayout;
use rtenc::Nv12Frame;

use crate::pybuffer::BufferView;

fn value_error<T>(msg: String) -> PyResult<T> {
    Err(PyValueError::new_err(msg))
}

/// Checks that the items are single unsigned bytes (`uint8`, format `B`, or `c`).
pub fn require_u8(view: &BufferView, what: &str) -> PyResult<()> {
    let format = view.format();
    let code = format.trim_start_matches(['@', '=', '<', '>', '!']);
    if view.itemsize() != 1 || !(code == "B" || code == "c") {
        return value_error(format!(
            "{what} must hold uint8 items (format 'B', itemsize 1), got format {format:?} with \
             itemsize {}",
            view.itemsize()
        ));
    }
    Ok(())
}

/// `(a, b, c)`, as Python prints a tuple.
fn tuple<T: std::fmt::Display>(items: &[T]) -> String {
    let parts: Vec<String> = items.iter().map(|i| i.to_string()).collect();
    match parts.len() {
        1 => format!("({},)", parts[0]),
        _ => format!("({})", parts.join(", ")),
    }
}

fn describe(view: &BufferView) -> String {
    format!(
        "shape {} and strides {}",
        tuple(view.shape()),
        tuple(view.strides())
    )
}

/// Maps an NV12 buffer for a `width` x `height` encoder onto an [`Nv12Frame`], in place:
///
/// - a flat buffer of exactly `width * height * 3 / 2` bytes (stride 1);
/// - a 2-D `(height * 3 / 2, width)` array with an inner stride of 1 and a row stride of at
///   least `width` (C-contiguous, or rows padded to a larger pitch).
pub fn nv12_frame(view: &BufferView, width: u32, height: u32) -> PyResult<Nv12Frame<'_>> {
    require_u8(view, "frame")?;
    let (w, h) = (width as usize, height as usize);
    let rows = h * 3 / 2;
    let size = w * rows;
    let data = view.bytes();
    let frame = match (view.shape(), view.strides()) {
        (&[len], &[stride]) => {
            if len != size {
                return value_error(format!(
                    "frame: expected {size} bytes of NV12 for {w}x{h} (width * height * 3 // 2) \
                     or a ({rows}, {w}) uint8 array, got a flat buffer of {len} bytes"
                ));
            }
            if stride != 1 {
                return value_error(format!(
                    "frame: expected a flat buffer with stride 1, got stride {stride} (pass a \
                     contiguous copy)"
                ));
            }
            let data = data.unwrap_or(&[]);
            Nv12Frame::from_contiguous(data, width, height)
        }
        (&[r, c], &[row_stride, col_stride]) => {
            if (r, c) != (rows, w) {
                return value_error(format!(
                    "frame: expected shape ({rows}, {w}) (height * 3 // 2, width) for a {w}x{h} \
                     NV12 frame, got ({r}, {c})"
                ));
            }
            if col_stride != 1 {
                return value_error(format!(
                    "frame: expected an inner (column) stride of 1 byte, got {}",
                    describe(view)
                ));
            }
            let pitch = match usize::try_from(row_stride) {
                Ok(p) if p >= w => p,
                _ => {
                    return value_error(format!(
                        "frame: expected a row stride of at least the width {w}, got {}",
                        describe(view)
                    ))
                }
            };
            let data = data.unwrap_or(&[]);
            let (y, uv) = data.split_at((h * pitch).min(data.len()));
            Nv12Frame::new(width, height, y, pitch, uv, pitch)
        }
        (shape, _) => {
            let hint = if matches!(shape, [_, _, 3 | 4]) {
                " (an RGB(A) picture? convert it with rtenc.rgb_to_nv12 first)"
            } else {
                ""
            };
            return value_error(format!(
                "frame: expected a ({rows}, {w}) uint8 array or a flat buffer of {size} bytes, \
                 got {} dimensions with shape {}{hint}",
                shape.len(),
                tuple(shape)
            ));
        }
    };
    frame.map_err(|e| PyValueError::new_err(format!("frame: {e}")))
}

/// A packed RGB(A)/BGR(A) picture read in place: `(height, width, channels)` uint8 with pixel
/// stride `channels` and item stride 1; rows may be padded.
pub struct RgbImage<'a> {
    pub data: &'a [u8],
    pub width: usize,
    pub height: usize,
    pub row_stride: usize,
    pub layout: PixelLayout,
}

/// Channel order asked for by `order=`: which of R and B comes first, and whether the caller
/// insisted on an alpha channel.
#[derive(Debug, Clone, Copy)]
pub struct ChannelOrder {
    bgr: bool,
    alpha: Option<bool>,
}

impl ChannelOrder {
    pub fn parse(order: &str) -> PyResult<Self> {
        let (bgr, alpha) = match order {
            "rgb" => (false, None),
            "bgr" => (true, None),
            "rgba" => (false, Some(true)),
            "bgra" => (true, Some(true)),
            _ => {
                return value_error(format!(
                    "order must be 'rgb', 'bgr', 'rgba' or 'bgra', got {order:?}"
                ))
            }
        };
        Ok(ChannelOrder { bgr, alpha })
    }
}

pub fn rgb_image(view: &BufferView, order: ChannelOrder) -> PyResult<RgbImage<'_>> {
    require_u8(view, "rgb")?;
    let (&[h, w, c], &[s0, s1, s2]) = (view.shape(), view.strides()) else {
        return value_error(format!(
            "rgb: expected a (height, width, 3) or (height, width, 4) uint8 array, got {} \
             dimensions with shape {}",
            view.shape().len(),
            tuple(view.shape())
        ));
    };
    let layout = match (c, order.bgr, order.alpha) {
        (3, false, None) => PixelLayout::Rgb,
        (3, true, None) => PixelLayout::Bgr,
        (4, false, _) => PixelLayout::Rgba,
        (4, true, _) => PixelLayout::Bgra,
        (3, _, Some(_)) => {
            return value_error(format!(
                "rgb: order {:?} needs 4 channels, got shape ({h}, {w}, 3)",
                if order.bgr { "bgra" } else { "rgba" }
            ))
        }
        _ => {
            return value_error(format!(
                "rgb: expected 3 (RGB) or 4 (RGBA) channels, got shape ({h}, {w}, {c})"
            ))
        }
    };
    if w == 0 || h == 0 || w % 2 != 0 || h % 2 != 0 {
        return value_error(format!(
            "rgb: NV12 needs an even, non-zero width and height, got {w}x{h}"
        ));
    }
    let row_bytes = w * c;
    let row_ok = usize::try_from(s0).is_ok_and(|s| s >= row_bytes);
    if s2 != 1 || s1 != c as isize || !row_ok {
        return value_error(format!(
            "rgb: expected packed pixels (strides (>= {row_bytes}, {c}, 1)), got {}",
            describe(view)
        ));
    }
    Ok(RgbImage {
        data: view.bytes().unwrap_or(&[]),
        width: w,
        height: h,
        row_stride: s0 as usize,
        layout,
    })
}

/// The NV12 output of `rgb_to_nv12`: a contiguous flat buffer of `width * height * 3 / 2` bytes
/// or a C-contiguous `(height * 3 / 2, width)` array.
pub fn check_nv12_out(view: &BufferView, width: usize, height: usize) -> PyResult<()> {
    require_u8(view, "out")?;
    let rows = height * 3 / 2;
    let size = width * rows;
    let ok = match (view.shape(), view.strides()) {
        (&[len], &[1]) => len == size,
        (&[r, c], &[s0, 1]) => (r, c) == (rows, width) && s0 == width as isize,
        _ => false,
    };
    if !ok {
        return value_error(format!(
            "out: expected a contiguous ({rows}, {width}) uint8 array or a flat buffer of {size} \
             bytes for a {width}x{height} picture, got {}",
            describe(view)
        ));
    }
    Ok(())
}

/// One plane of a planar picture read in place: `rows` rows of `width` bytes, `stride` apart.
pub struct Plane<'a> {
    pub data: &'a [u8],
    pub stride: usize,
}

/// Maps one plane of a `yuv420p` frame (`what`: "Y", "U" or "V") onto bytes and a row stride:
/// a flat buffer of exactly `width * rows` bytes, or a 2-D `(rows, width)` uint8 array with an
/// inner stride of 1 and a row stride of at least `width`.
pub fn plane<'a>(
    view: &'a BufferView,
    width: usize,
    rows: usize,
    what: &str,
) -> PyResult<Plane<'a>> {
    let name = format!("{what} plane");
    require_u8(view, &name)?;
    let data = view.bytes().unwrap_or(&[]);
    match (view.shape(), view.strides()) {
        (&[len], &[1]) if len == width * rows => Ok(Plane {
            data,
            stride: width,
        }),
        (&[r, c], &[s0, 1])
            if (r, c) == (rows, width) && usize::try_from(s0).is_ok_and(|s| s >= width) =>
        {
            Ok(Plane {
                data,
                stride: s0 as usize,
            })
        }
        _ => value_error(format!(
            "yuv420p: expected the {name} as a ({rows}, {width}) uint8 array (inner stride 1) or \
             a flat buffer of {} bytes, got {}",
            width * rows,
            describe(view)
        )),
    }
}

/// The three planes of a `yuv420p` (I420) frame, as `(y, u, v)` views, checked for a
/// `width` x `height` picture.
pub fn yuv420p_planes<'a>(
    views: &'a [BufferView; 3],
    width: u32,
    height: u32,
) -> PyResult<[Plane<'a>; 3]> {
    let (w, h) = (width as usize, height as usize);
    Ok([
        plane(&views[0], w, h, "Y")?,
        plane(&views[1], w / 2, h / 2, "U")?,
        plane(&views[2], w / 2, h / 2, "V")?,
    ])
}
