//! The softmax family: y_i = e^(x_i) / Σ_j e^(x_j), and what shares its normaliser.
//!
//! * [`softmax`] / [`softmax_in_place`]: the recommended f32 softmax (currently [`anchored`] /
//!   [`three_pass_in_place`]).
//! * [`anchored`] (no max pass: anchored at the first element, table exp, falls back to
//!   [`three_pass`]), [`three_pass`] (the reference variant), [`two_pass`]
//!   (Dukhan–Ablavatski), [`three_pass_with`] (any exp).
//! * [`log_softmax`], [`logsumexp`], [`cross_entropy`] (with gradient), [`z_loss_aux`].
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
mod rows;
mod stablemax;
mod temperature;
mod three_pass;
mod two_pass;
mod z_loss;

pub use anchored::anchored;
pub use cross_entropy::cross_entropy;
pub use log_softmax::{log_softmax, log_softmax_in_place};
pub use logsumexp::logsumexp;
pub use rows::{log_softmax_rows, log_softmax_rows_in_place, softmax_rows, softmax_rows_in_place};
pub use stablemax::{stablemax, stablemax_in_place};
pub use temperature::{softmax_with_temperature, softmax_with_temperature_in_place};
pub use three_pass::{three_pass, three_pass_in_place, three_pass_with};
pub use two_pass::{two_pass, two_pass_in_place};
pub use z_loss::z_loss_aux;
pub mod quant;

use crate::Error;

/// The recommended f32 softmax; an alias of the fastest accurate variant on the Cortex-M4F
/// (today [`anchored`]: 27.5 instructions per element at N = 256 against 40.2 for
/// [`three_pass`]; see its docs for algorithm, accuracy, the rows it hands to [`three_pass`],
/// and stack use).
///
/// Cost: see `cargo xtask bench`.
///
/// # Errors
/// As [`anchored`].
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn softmax(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    anchored(x, y)
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
