//! logsumexp(x) = ln Σ e^(x_i).

use crate::Error;

/// ln Σ_i e^(x_i), without overflow.
///
/// Algorithm: as [`super::log_softmax()`]: ln Z = (c + n_ref·ln2_hi) + (ln(S·2^−24) + n_ref·ln2_lo)
/// from the exact (mantissa, exponent) sum; one e^x per element, one ln per row.
///
/// Accuracy: absolute error ≤ 2e−6·max(1, |ln Z|) for N ≤ 2^20 (measured against f64).
/// +∞ if some input is +∞; −∞ inputs contribute nothing. Stack: ≈ 100 bytes (saved registers, no
/// buffers).
/// Cost: see `cargo xtask bench`.
///
/// # Errors
/// [`Error::Empty`], [`Error::NanInput`], [`Error::AllNegInfinity`].
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn logsumexp(x: &[f32]) -> Result<f32, Error> {
    super::log_softmax::lse(x)
}
