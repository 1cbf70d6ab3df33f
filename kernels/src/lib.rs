//! `mcu-kernels`: numerical kernels for Cortex-M microcontrollers.
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
//!   other kernels (the online learners, sparsemax, the row-batched and in-place softmax forms,
//!   …) run their float forms on every core.
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
//! * [`online`]: online learners (linear models trained one example at a time, their update
//!   rules, a running scaler, a progressive-validation evaluator).
//! * [`crc`]: CRC-32/ISO-HDLC, the checksum of the online learners' checkpoints.
//! * [`fixedpoint`]: gemmlowp-style Q-format primitives, bit-exact with TFLite (Micro) and
//!   CMSIS-NN.
//!
//! # Features and what they cost
//!
//! Instructions per element at N = 256 from `bench/baseline.json` (`cargo xtask bench`,
//! executed instructions under QEMU, not cycles).
//!
//! | feature | effect | cost |
//! |---|---|---|
//! | (none) | own `exp`, `ln`, … (≤ 2.61 ulp over every f32) | `three_pass` softmax: 40.2 on the M4F, 2,890 on the M0 (soft float) |
//! | `libm` | scalar math through the `libm` crate | `three_pass`: 82.8 on the M4F, 2,696 on the M0 |
//! | `micromath` | scalar math through `micromath`: ≈ 2e−3 relative error, outside the documented bounds | `three_pass`: 90.7 on the M4F, 2,476 on the M0 |
//! | `force-int-path` | integer-only forms on every core | `softmax`: 159 on the M4F instead of 27.5; the default on the M0 (356 instead of 2,019 in soft float) |
//! | `force-fpu-path` | float forms on every core (soft float where there is no FPU) | `softmax` on the M0: 2,019 instead of 356 |
//! | `defmt` | `defmt::Format` for [`Error`] and the public types | code only where a value is logged; none in the kernels |
//!
//! No feature is on by default. The minimum supported Rust version is 1.88.
//!
//! # Example
//!
//! ```
//! use mcu_kernels::Error;
//! use mcu_kernels::softmax::softmax;
//! use mcu_kernels::sparsemax::sparsemax;
//!
//! // Class scores of a model. Softmax: probabilities that match e^(x_i) / Σ_j e^(x_j)
//! // (computed here in f64) and sum to 1.
//! let logits = [1.5f32, 0.25, -0.5, 3.0];
//! let mut p = [0.0f32; 4];
//! softmax(&logits, &mut p)?;
//! let z: f64 = logits.iter().map(|&v| f64::from(v).exp()).sum();
//! for (&pi, &x) in p.iter().zip(&logits) {
//!     let want = f64::from(x).exp() / z;
//!     assert!((f64::from(pi) - want).abs() <= 5e-7 * want);
//! }
//! // Sparsemax: a sparse distribution; 3.0 leads the others by more than 1, so it takes
//! // all the mass.
//! assert_eq!(sparsemax(&logits, &mut p)?, 1);
//! assert_eq!(p, [0.0, 0.0, 0.0, 1.0]);
//! // Bad input is an error, never a panic.
//! assert_eq!(
//!     softmax(&logits, &mut p[..3]),
//!     Err(Error::LengthMismatch { expected: 4, actual: 3 })
//! );
//! # Ok::<(), mcu_kernels::Error>(())
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Test code may unwrap, index and panic: a failing test should stop at once. The library itself
// (every non-test build, checked by `cargo clippy`) keeps the lints of `Cargo.toml`.
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::needless_range_loop
    )
)]

#[cfg(test)]
extern crate std;

mod count;
pub mod crc;
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
