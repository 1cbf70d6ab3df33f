//! `kernels`: numerical kernels for Cortex-M microcontrollers.
//!
//! * `#![no_std]`, no heap, `#![forbid(unsafe_code)]`.
//! * No kernel panics, whatever its input: bad lengths, empty slices, NaN, ±Inf and bad
//!   parameters give an [`Error`] or a documented result. In the `assert_no_panic`
//!   configuration (`RUSTFLAGS="--cfg assert_no_panic" cargo test -p kernels --release --lib`)
//!   every public kernel carries `#[no_panic]`, a link-time proof that no panic path is left.
//! * Every public kernel documents its formula, algorithm, measured error, instruction
//!   count on the Cortex-M4F (`cargo xtask bench`) and stack use.
//!
//! Modules:
//! * [`math`]: the shared scalar functions (exp, ln, tanh, ...) every kernel uses.
//! * [`softmax`]: the softmax family (two-pass, three-pass, log-softmax, cross-entropy,
//!   quantized TFLite-Micro-exact and accurate variants).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(test)]
extern crate std;

mod error;
pub mod math;
pub mod softmax;

pub use error::Error;
