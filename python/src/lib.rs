//! `mcuk`: the kernels of `mcu-kernels` (their host build, the same source that runs on the
//! chip) and the host solvers, from Python with numpy arrays in and out.
//!
//! * Arrays: float32 (int8/int16 for the quantized softmax), 1-D (one row) or 2-D (row by
//!   row), C-contiguous; they are read in place (no copy). Anything else raises
//!   [`InputError`] (a `ValueError`), never a crash.
//! * Kernel errors raise a `ValueError` subclass per `mcu_kernels::Error` kind, carrying the
//!   Rust message ([`errors`]).
//! * The GIL is released in every loop over rows and in the solvers.

use pyo3::prelude::*;

mod arrays;
mod errors;
mod kernels;
mod online;
mod solvers;
mod tv;

/// The Python module `mcuk`.
#[pymodule]
fn mcuk(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    kernels::register(m)?;
    online::register(m)?;
    solvers::register(m)?;
    tv::register(m)?;
    Ok(())
}
