//! `kernels`: numerical kernels for Cortex-M microcontrollers.
//!
//! * `#![no_std]`, no heap, `#![forbid(unsafe_code)]`.
//! * No kernel panics, whatever its input: bad lengths, empty slices, NaN, ±Inf and bad
//!   parameters give an [`Error`] or a documented result. In the `assert_no_panic`
//!   configuration (`cargo rustc -p kernels --lib --profile bench -- --cfg assert_no_panic`,
//!   run by `cargo xtask test`) every free public kernel carries `#[no_panic]`, a link-time
//!   proof that no panic path is left (see `no_panic_proof.rs`).
//! * Every public kernel documents its formula, algorithm, measured error, instruction
//!   count on the Cortex-M4F (`cargo xtask bench`) and stack use.
//!
//! Modules:
//! * [`math`]: the shared scalar functions (exp, ln, tanh, ...) every kernel uses.
//! * [`softmax`]: the softmax family (two-pass, three-pass, log-softmax, cross-entropy,
//!   quantized TFLite-Micro-exact and accurate variants).
//! * [`sparsemax`]: sparsemax, its JVP and loss, top-k simplex projection, entmax-1.5,
//!   fixed-point sparsemax.
//! * [`zloss`]: the Z-loss (shift and scale invariant classification loss) and gradient.
//! * [`mish`]: the Mish activation, its derivative and quantized forms.
//! * [`lipschitz`]: Lipschitz-constrained dense layers, certified spectral-norm bounds,
//!   projections, 1-Lipschitz activations and a small certified MLP.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(test)]
extern crate std;

mod count;
mod error;
pub mod fixedpoint;
pub mod lipschitz;
pub mod math;
pub mod mish;
pub mod online;
pub mod softmax;
pub mod sparsemax;
pub mod zloss;

pub use error::Error;

#[cfg(all(test, assert_no_panic))]
mod no_panic_proof;
