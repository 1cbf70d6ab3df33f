//! logsumexp(x) = ln Σ e^(x_i).

use crate::Error;

/// ln Σ_i e^(x_i), without overflow.
///
/// Algorithm: as [`super::log_softmax()`]: ln Z = (c + n_ref·ln2_hi) + (ln(S·2^−24) + n_ref·ln2_lo)
/// from the exact (mantissa, exponent) sum; one e^x per element, one ln per row.
///
/// Accuracy: absolute error ≤ 2e−6·max(1, |ln Z|) for N ≤ 2^20 (measured against f64).
/// +∞ if some input is +∞; −∞ inputs contribute nothing. Stack: no buffers, the saved registers
/// of one call (not benched; [`super::anchored()`]'s figures are measured).
/// Cost: not benched on its own yet.
///
/// # Errors
/// [`Error::Empty`], [`Error::NanInput`], [`Error::AllNegInfinity`].
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::softmax::logsumexp;
///
/// let x = [0.5f32, -1.0, 2.0];
/// let want = x.iter().map(|&v| f64::from(v).exp()).sum::<f64>().ln();
/// assert!((f64::from(logsumexp(&x)?) - want).abs() <= 2e-6 * want.abs().max(1.0));
/// // No overflow where e^x overflows: ln(2·e^1000) = 1000 + ln 2.
/// let want = 1000.0 + 2f64.ln();
/// assert!((f64::from(logsumexp(&[1000.0, 1000.0])?) - want).abs() <= 2e-6 * want);
/// // −∞ contributes nothing; +∞ gives +∞.
/// assert!(f64::from(logsumexp(&[0.0, f32::NEG_INFINITY])?).abs() <= 2e-6);
/// assert_eq!(logsumexp(&[f32::INFINITY, 0.0])?, f32::INFINITY);
/// assert_eq!(logsumexp(&[]), Err(Error::Empty));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn logsumexp(x: &[f32]) -> Result<f32, Error> {
    super::log_softmax::lse(x)
}
