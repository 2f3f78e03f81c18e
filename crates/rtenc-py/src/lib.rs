//! The `rtenc` Python module (`rtenc._rtenc`; the `rtenc` package re-exports it): a
//! pdum.vtenc-compatible encoder class, RGB to NV12 conversion, and `supported()`.
//!
//! Frames are read in place through the buffer protocol ([`pybuffer`], the crate's only
//! `unsafe` code) and encoded with the GIL released.

#![deny(unsafe_code)]

mod color;
mod encoder;
mod layout;
mod pybuffer;

use pyo3::prelude::*;

/// supported() -> bool
///
/// True: rtenc is pure software and runs wherever this module imports (pdum.vtenc's
/// hardware check, for parity).
#[pyfunction]
fn supported() -> bool {
    true
}

#[pymodule]
fn _rtenc(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<encoder::PyEncoder>()?;
    m.add("VtEncoder", m.getattr("Encoder")?)?;
    m.add_function(wrap_pyfunction!(supported, m)?)?;
    m.add_function(wrap_pyfunction!(color::rgb_to_nv12, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("LOW_LATENCY_VBV_FRAMES", encoder::LOW_LATENCY_VBV_FRAMES)?;
    Ok(())
}
