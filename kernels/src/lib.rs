//! `kernels`: numerical kernels for Cortex-M microcontrollers.
//!
//! * `#![no_std]`, no heap, `#![forbid(unsafe_code)]`.
//! * No kernel panics, whatever its input: bad lengths, empty slices, NaN, ±Inf and bad
//!   parameters give an [`Error`] or a documented result. In the `assert_no_panic`
//!   configuration (`cargo rustc -p mcu-kernels --lib --profile bench -- --cfg assert_no_panic`,
//!   run by `cargo xtask test`) every free public kernel carries `#[no_panic]`, a link-time
//!   proof that no panic path is left (see `no_panic_proof.rs`).
//! * Every public kernel documents its formula, algorithm, measured error, instruction
//!   count on the Cortex-M4F (`cargo xtask bench`) and stack use.
//!
//! FPU and integer paths:
//! * Cores without a floating-point unit (Cortex-M0/M0+/M3/M23) run every f32 operation as a
//!   soft-float library call. The `nofpu` submodules ([`math::nofpu`]) hold integer-only forms
//!   of the f32 kernels: f32 in, f32 out, computed on the IEEE-754 bit patterns (unpack sign,
//!   exponent and mantissa, fixed point with the exponent kept beside the mantissa, one
//!   correctly rounded pack). They are public and callable on every target, and bit-identical
//!   on all of them; the float forms stay callable as [`math::fpu`].
//! * The default entry points (`math::exp`, …) choose at compile time: the FPU path where the
//!   target has a hardware single-precision FPU (`target_abi = "eabihf"`: `thumbv7em-none-eabihf`,
//!   `thumbv8m.main-none-eabihf`; and every non-Arm host), the integer path on other Arm
//!   targets (`thumbv6m-none-eabi`, `thumbv7m-none-eabi`, `thumbv8m.base-none-eabi`,
//!   `thumbv7em-none-eabi`). The features `force-fpu-path` and `force-int-path` override the
//!   choice (`force-int-path` wins if both are set); [`math::INT_PATH`] tells which is in use.
//! * Integer forms exist for the scalar functions of [`math`], the softmax family
//!   ([`softmax::nofpu`]: softmax, log-softmax, cross-entropy), Mish ([`mish::nofpu`]), the
//!   Z-loss and its gradient ([`zloss::nofpu`]) and entmax-1.5 ([`sparsemax::nofpu`]); the
//!   other kernels (the online learners, sparsemax, …) run their float forms on every core.
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
