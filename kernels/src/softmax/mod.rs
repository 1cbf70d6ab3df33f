//! The softmax family: y_i = e^(x_i) / Σ_j e^(x_j), and what shares its normaliser.
//!
//! * [`softmax`] / [`softmax_in_place`]: the recommended f32 softmax (currently [`anchored`] /
//!   [`three_pass_in_place`]).
//! * [`anchored`] (no max pass: anchored at the first element, table exp, falls back to
//!   [`three_pass`]), [`three_pass`] (the reference variant), [`two_pass`]
//!   (Dukhan–Ablavatski), [`three_pass_with`] (any exp).
//! * [`log_softmax`], [`logsumexp`], [`cross_entropy`] (with gradient), [`z_loss_aux`].
//! * [`nofpu`]: integer-only forms of [`softmax`], [`log_softmax`] and [`cross_entropy`] for
//!   cores without an FPU (the default entry points pick them there; [`fpu`] names the float
//!   forms explicitly).
//! * [`softmax_with_temperature`], [`stablemax`], row-batched [`softmax_rows`],
//!   [`log_softmax_rows`].
//!
//! Every f32 kernel here keeps one contract, proven in its docs and measured in `host`:
//! relative error ≤ 5e−7 on outputs ≥ 2^−126 against f64, for any input including ±3.4e38.

mod anchored;
mod common;
mod cross_entropy;
mod log_softmax;
mod logsumexp;
pub mod nofpu;
mod rows;
mod stablemax;
mod temperature;
mod three_pass;
mod two_pass;
mod z_loss;

pub use anchored::anchored;
pub use log_softmax::log_softmax_in_place;
pub use logsumexp::logsumexp;
pub use rows::{log_softmax_rows, log_softmax_rows_in_place, softmax_rows, softmax_rows_in_place};
pub use stablemax::{stablemax, stablemax_in_place};
pub use temperature::{softmax_with_temperature, softmax_with_temperature_in_place};
pub use three_pass::{three_pass, three_pass_in_place, three_pass_with};
pub use two_pass::{two_pass, two_pass_in_place};
pub use z_loss::z_loss_aux;
pub mod quant;

use crate::Error;

/// The FPU path of the kernels that have an integer form: the float forms, whatever the
/// target (soft float on a core without an FPU).
pub mod fpu {
    pub use super::anchored as softmax;
    pub use super::cross_entropy::cross_entropy;
    pub use super::log_softmax::log_softmax;
}

/// The recommended f32 softmax. On targets with a hardware FPU (see the crate docs, "FPU and
/// integer paths") an alias of the fastest accurate float variant on the Cortex-M4F (today
/// [`anchored`]: 27.5 instructions per element at N = 256 against 40.2 for [`three_pass`];
/// see its docs for algorithm, accuracy, the rows it hands to [`three_pass`], and stack use);
/// elsewhere [`nofpu::softmax`] (integer arithmetic only).
///
/// Cost: see `cargo xtask bench`.
///
/// # Errors
/// As [`anchored`] / [`nofpu::softmax`] (the same errors).
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn softmax(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    if crate::math::INT_PATH {
        nofpu::softmax(x, y)
    } else {
        anchored(x, y)
    }
}

/// Log-softmax y_i = x_i − ln Σ_j e^(x_j): [`fpu::log_softmax`] on targets with a hardware FPU,
/// [`nofpu::log_softmax`] elsewhere (see the crate docs, "FPU and integer paths"; algorithm,
/// accuracy and stack in those functions' docs).
///
/// Cost: see `cargo xtask bench`.
///
/// # Errors
/// [`Error::Empty`], [`Error::LengthMismatch`] (`y.len() != x.len()`), [`Error::NanInput`],
/// [`Error::AllNegInfinity`].
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn log_softmax(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    if crate::math::INT_PATH {
        nofpu::log_softmax(x, y)
    } else {
        log_softmax::log_softmax(x, y)
    }
}

/// Cross-entropy of softmax(logits) against `target`, with optional gradient:
/// [`fpu::cross_entropy`] on targets with a hardware FPU, [`nofpu::cross_entropy`] elsewhere
/// (see the crate docs, "FPU and integer paths"; algorithm, accuracy and stack in those
/// functions' docs).
///
/// Cost: see `cargo xtask bench`.
///
/// # Errors
/// [`Error::Empty`], [`Error::IndexOutOfRange`] (`target ≥ logits.len()`),
/// [`Error::LengthMismatch`] (`grad` length), [`Error::NanInput`], [`Error::AllNegInfinity`].
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn cross_entropy(
    logits: &[f32],
    target: usize,
    grad: Option<&mut [f32]>,
) -> Result<f32, Error> {
    if crate::math::INT_PATH {
        nofpu::cross_entropy(logits, target, grad)
    } else {
        cross_entropy::cross_entropy(logits, target, grad)
    }
}

/// [`softmax`] in place: [`three_pass_in_place`] (the anchored pass needs the input after
/// overwriting it when it rejects a row, so it has no in-place form). Same accuracy contract;
/// the bits may differ from [`softmax`]'s in the last place.
///
/// # Errors
/// As [`three_pass`].
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn softmax_in_place(x: &mut [f32]) -> Result<(), Error> {
    three_pass_in_place(x)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
mod tests;
