//! The Python buffer protocol, read in place: the only module with `unsafe` code.
//!
//! PyO3 offers the buffer protocol only where it is part of the limited API (CPython >= 3.11);
//! this wheel targets the stable ABI from 3.9, so the two functions are declared here.
//! `PyObject_GetBuffer` and `PyBuffer_Release` and the layout of `Py_buffer` are the same in
//! every CPython since 3.3 (and frozen by the stable ABI since 3.11), so one abi3 build works on
//! all of them.
//!
//! Everything outside this module is safe code working on [`BufferView::bytes`] /
//! [`BufferView::bytes_mut`]: the exporter's memory from the first element to one past the last,
//! together with the shape and strides that say where the elements are within it.

use std::ffi::{c_char, c_int, c_void, CStr};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::ffi::{PyObject, Py_ssize_t};
use pyo3::prelude::*;

/// CPython's `Py_buffer` (Include/pybuffer.h).
#[repr(C)]
struct RawBuffer {
    buf: *mut c_void,
    obj: *mut PyObject,
    len: Py_ssize_t,
    itemsize: Py_ssize_t,
    readonly: c_int,
    ndim: c_int,
    format: *mut c_char,
    shape: *mut Py_ssize_t,
    strides: *mut Py_ssize_t,
    suboffsets: *mut Py_ssize_t,
    internal: *mut c_void,
}

// PyBUF_* request flags (Include/pybuffer.h).
const PYBUF_WRITABLE: c_int = 0x0001;
const PYBUF_FORMAT: c_int = 0x0004;
const PYBUF_ND: c_int = 0x0008;
const PYBUF_STRIDES: c_int = 0x0010 | PYBUF_ND;

#[allow(unsafe_code)]
extern "C" {
    fn PyObject_GetBuffer(obj: *mut PyObject, view: *mut RawBuffer, flags: c_int) -> c_int;
    fn PyBuffer_Release(view: *mut RawBuffer);
}

/// Whether the caller needs to write to the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read only (an input frame).
    Read,
    /// Read and write (an output array).
    Write,
}

/// An exported buffer (strided, with its format), released when dropped. Not `Send`: it must be
/// released with the interpreter attached, so it stays on the calling thread while the slices
/// borrowed from it cross into `Python::detach`.
pub struct BufferView {
    // Boxed: exporters may keep pointers into the `Py_buffer` they filled in.
    raw: Box<RawBuffer>,
    shape: Vec<usize>,
    strides: Vec<isize>,
    format: String,
    /// Bytes from the first element to one past the last (0 if there are no elements), when all
    /// strides are non-negative; `None` otherwise.
    extent: Option<usize>,
}

impl BufferView {
    /// Exports `obj`'s buffer. A non-buffer is a `TypeError`; a read-only buffer asked for with
    /// [`Access::Write`], or one that cannot describe itself with strides, a `ValueError`. `what`
    /// names the argument in messages.
    pub fn get(obj: &Bound<'_, PyAny>, access: Access, what: &str) -> PyResult<Self> {
        let flags = PYBUF_STRIDES
            | PYBUF_FORMAT
            | if access == Access::Write {
                PYBUF_WRITABLE
            } else {
                0
            };
        let mut raw = Box::new(RawBuffer {
            buf: std::ptr::null_mut(),
            obj: std::ptr::null_mut(),
            len: 0,
            itemsize: 0,
            readonly: 0,
            ndim: 0,
            format: std::ptr::null_mut(),
            shape: std::ptr::null_mut(),
            strides: std::ptr::null_mut(),
            suboffsets: std::ptr::null_mut(),
            internal: std::ptr::null_mut(),
        });
        // SAFETY: `obj` is a live object (we hold a reference with the interpreter attached) and
        // `raw` points to writable memory of `Py_buffer`'s layout.
        #[allow(unsafe_code)]
        let status = unsafe { PyObject_GetBuffer(obj.as_ptr(), &mut *raw, flags) };
        if status != 0 {
            let cause = PyErr::fetch(obj.py());
            let type_name = type_name(obj);
            let err = if cause.is_instance_of::<PyTypeError>(obj.py()) {
                PyTypeError::new_err(format!(
                    "{what} must support the buffer protocol (bytes, bytearray, memoryview, \
                     array.array, numpy.ndarray, ...), got {type_name}"
                ))
            } else if access == Access::Write {
                PyValueError::new_err(format!(
                    "{what} must be a writable buffer, got {type_name} ({cause})"
                ))
            } else {
                PyValueError::new_err(format!(
                    "{what}: cannot read a {type_name} buffer in place ({cause})"
                ))
            };
            err.set_cause(obj.py(), Some(cause));
            return Err(err);
        }
        // From here on `Drop` releases the buffer, whatever happens.
        let mut view = BufferView {
            raw,
            shape: Vec::new(),
            strides: Vec::new(),
            format: String::new(),
            extent: None,
        };
        let ndim = usize::try_from(view.raw.ndim).unwrap_or(0);
        let itemsize = usize::try_from(view.raw.itemsize).unwrap_or(0);
        // SAFETY: after a successful PyObject_GetBuffer with PyBUF_STRIDES, `shape` and
        // `strides` hold `ndim` elements (they may be null only when ndim == 0), and `format`
        // (asked for with PyBUF_FORMAT) is null or a NUL-terminated string; all stay valid until
        // PyBuffer_Release.
        #[allow(unsafe_code)]
        unsafe {
            if ndim > 0 && !view.raw.shape.is_null() && !view.raw.strides.is_null() {
                let shape = std::slice::from_raw_parts(view.raw.shape, ndim);
                let strides = std::slice::from_raw_parts(view.raw.strides, ndim);
                view.shape = shape.iter().map(|&n| n.max(0) as usize).collect();
                view.strides = strides.to_vec();
            } else if ndim == 0 {
                // A scalar: one item.
            } else {
                return Err(PyValueError::new_err(format!(
                    "{what}: the {type_name} buffer did not describe its shape and strides",
                    type_name = type_name(obj)
                )));
            }
            view.format = if view.raw.format.is_null() {
                "B".to_owned()
            } else {
                CStr::from_ptr(view.raw.format)
                    .to_string_lossy()
                    .into_owned()
            };
        }
        view.extent = extent(&view.shape, &view.strides, itemsize);
        Ok(view)
    }

    /// The struct-module format of one item (`"B"` for uint8).
    pub fn format(&self) -> &str {
        &self.format
    }

    /// Bytes per item.
    pub fn itemsize(&self) -> usize {
        usize::try_from(self.raw.itemsize).unwrap_or(0)
    }

    /// Items per dimension.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Bytes between consecutive items, per dimension.
    pub fn strides(&self) -> &[isize] {
        &self.strides
    }

    /// The memory holding every element: from the first element's first byte to the last
    /// element's last. `None` if a stride is negative.
    ///
    /// The buffer's owner may still write to this memory from Python code running on another
    /// thread while the interpreter is detached; like every extension that releases the GIL
    /// around a read of a caller's buffer, the result is then some mix of old and new values.
    pub fn bytes(&self) -> Option<&[u8]> {
        let len = self.extent?;
        if len == 0 {
            return Some(&[]);
        }
        // SAFETY: the exporter guarantees that every element, and so the whole range from the
        // first element (`buf`) to the end of the last, is readable memory that stays valid (and
        // is not reallocated: bytearray refuses to resize while exported) until PyBuffer_Release,
        // which only runs when `self` is dropped, after this borrow ends.
        #[allow(unsafe_code)]
        unsafe {
            Some(std::slice::from_raw_parts(self.raw.buf as *const u8, len))
        }
    }

    /// Like [`BufferView::bytes`], writable. `None` unless the buffer was exported with
    /// [`Access::Write`] (and so is not read-only), and all strides are non-negative.
    pub fn bytes_mut(&mut self) -> Option<&mut [u8]> {
        if self.raw.readonly != 0 {
            return None;
        }
        let len = self.extent?;
        if len == 0 {
            return Some(&mut []);
        }
        // SAFETY: as in `bytes`, and the exporter granted write access (PyBUF_WRITABLE, checked
        // by `readonly == 0`); `&mut self` makes this the only slice of it handed out by us.
        #[allow(unsafe_code)]
        unsafe {
            Some(std::slice::from_raw_parts_mut(self.raw.buf as *mut u8, len))
        }
    }

    /// The address range of the memory, to detect an output overlapping an input.
    pub fn address_range(&self) -> std::ops::Range<usize> {
        let start = self.raw.buf as usize;
        start..start + self.extent.unwrap_or(0)
    }
}

impl Drop for BufferView {
    fn drop(&mut self) {
        // SAFETY: `raw` was filled in by a successful PyObject_GetBuffer and is released exactly
        // once. BufferView is !Send (raw pointers) and only built with the interpreter attached,
        // so it is dropped on a thread that holds it too.
        #[allow(unsafe_code)]
        unsafe {
            PyBuffer_Release(&mut *self.raw);
        }
    }
}

/// Bytes from the first element to one past the last; `None` for negative strides or overflow.
fn extent(shape: &[usize], strides: &[isize], itemsize: usize) -> Option<usize> {
    if shape.contains(&0) {
        return Some(0);
    }
    let mut last = 0usize;
    for (&n, &s) in shape.iter().zip(strides) {
        let s = usize::try_from(s).ok()?;
        last = last.checked_add((n - 1).checked_mul(s)?)?;
    }
    last.checked_add(itemsize)
}

/// `'numpy.ndarray'`-style name of an object's type, for messages.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "an object".to_owned())
}
