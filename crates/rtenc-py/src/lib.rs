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

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// Runs `f`, turning a Rust panic into `RuntimeError("internal error in rtenc: ...")` so that
/// none crosses into Python as pyo3's `PanicException` (a `BaseException` that `except
/// Exception` does not catch). Every entry point that runs encoder or conversion code goes
/// through it.
pub(crate) fn panic_guard<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_string());
            Err(PyRuntimeError::new_err(format!(
                "internal error in rtenc: {what} (please report it)"
            )))
        }
    }
}

/// _panic_for_test() -> None
///
/// Raises the error a panic inside rtenc becomes (tests check the conversion with it).
#[pyfunction]
fn _panic_for_test() -> PyResult<()> {
    panic_guard(|| panic!("deliberate panic for the test suite"))
}

/// supported() -> bool
///
/// True: rtenc is pure software and runs wherever this module imports (pdum.vtenc's
/// hardware check, for parity).
#[pyfunction]
fn supported() -> bool {
    true
}

/// info() -> dict
///
/// What ``rtenc info`` prints, as a dict: ``version``, ``arch`` (``"x86_64"``,
/// ``"aarch64"``, ...), ``cpu_features`` (list of str, e.g. ``["sse2", "avx2"]``),
/// ``kernel_sets`` (the SIMD kernel sets this CPU can run, lowest first) and ``kernels`` (the
/// one in use: ``"avx2"``, ``"sse2"``, ``"neon"`` or ``"scalar"``; ``RTENC_CPU`` caps it).
#[pyfunction]
fn info(py: Python<'_>) -> PyResult<Bound<'_, pyo3::types::PyDict>> {
    let i = rtenc::CpuInfo::detect();
    let d = pyo3::types::PyDict::new(py);
    d.set_item("version", env!("CARGO_PKG_VERSION"))?;
    d.set_item("arch", i.arch)?;
    d.set_item("cpu_features", i.features)?;
    d.set_item("kernel_sets", i.available)?;
    d.set_item("kernels", i.kernels)?;
    Ok(d)
}

#[pymodule]
fn _rtenc(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<encoder::PyEncoder>()?;
    m.add("VtEncoder", m.getattr("Encoder")?)?;
    m.add_function(wrap_pyfunction!(supported, m)?)?;
    m.add_function(wrap_pyfunction!(info, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_test, m)?)?;
    m.add_function(wrap_pyfunction!(color::rgb_to_nv12, m)?)?;
    m.add_function(wrap_pyfunction!(color::yuv420p_to_nv12, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("LOW_LATENCY_VBV_FRAMES", encoder::LOW_LATENCY_VBV_FRAMES)?;
    Ok(())
}
