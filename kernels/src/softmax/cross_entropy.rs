//! Softmax cross-entropy loss and its gradient.

use super::common::{
    exp_sum, exp_sum_into, log_tail, peak, pos_inf_into, reciprocal, same_len, scale, Peak,
};
use crate::math::reduce::LN2_HI;
use crate::Error;

/// Cross-entropy of softmax(logits) against the class `target`: L = ln Σ_j e^(x_j) − x_target,
/// optionally with its gradient ∂L/∂x_i = softmax(x)_i − [i = target] written to `grad`.
///
/// Algorithm: the max pass and exact sum pass of [`super::three_pass()`] (storing the terms
/// in `grad` when given); L = (ln(S·2^−24) + n_ref·ln2_lo) − ((x_target − c) − n_ref·ln2_hi)
/// as in [`super::log_softmax()`]; grad_i = e'_i·(1/S), then 1 is subtracted at `target`.
///
/// A loss above f32::MAX (logits near ±3.4e38) rounds to +∞.
///
/// Accuracy: loss absolute error ≤ 2e−6·max(1, L) (N ≤ 2^20); gradient as
/// [`super::three_pass()`] plus half an ulp at `target`. If x_target = −∞ the loss is +∞; with +∞
/// logits, L = ln(count of +∞) if x_target = +∞ else +∞.
/// Cost (`cargo xtask bench`, instructions per element at N = 256): M0 2891.7 · M3 1724.6 · M4F/M7 40.4 · M33/M55 38.4.
/// <!-- cost: softmax::cross_entropy -->
///
/// # Errors
/// [`Error::Empty`], [`Error::IndexOutOfRange`] (`target ≥ logits.len()`),
/// [`Error::LengthMismatch`] (`grad` length), [`Error::NanInput`], [`Error::AllNegInfinity`].
///
/// Stack (bytes, `cargo xtask bench`): M0 204 · M3 128 · M4F/M7 104 · M33/M55 96.
/// <!-- stack: softmax::cross_entropy -->
///
/// # Example
///
/// ```
/// use mcu_kernels::softmax::fpu::cross_entropy;
///
/// let logits = [0.2f32, 2.2, -1.0];
/// let mut g = [0.0f32; 3];
/// let loss = cross_entropy(&logits, 0, Some(&mut g))?;
/// // Loss within 2e−6·max(1, L) of f64; gradient softmax(x) − e_target.
/// let z: f64 = logits.iter().map(|&v| f64::from(v).exp()).sum();
/// let want = z.ln() - 0.2f32 as f64;
/// assert!((f64::from(loss) - want).abs() <= 2e-6 * want.max(1.0));
/// for (i, (&gi, &x)) in g.iter().zip(&logits).enumerate() {
///     let want = f64::from(x).exp() / z - if i == 0 { 1.0 } else { 0.0 };
///     assert!((f64::from(gi) - want).abs() <= 1e-6);
/// }
/// // The target at −∞ costs +∞; with +∞ logits, L = ln(count of +∞) if the target is one.
/// assert_eq!(cross_entropy(&[f32::NEG_INFINITY, 1.0], 0, None)?, f32::INFINITY);
/// let l = cross_entropy(&[f32::INFINITY, 1.0, f32::INFINITY], 2, None)?;
/// assert!((f64::from(l) - 2f64.ln()).abs() <= 2e-6);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn cross_entropy(
    logits: &[f32],
    target: usize,
    mut grad: Option<&mut [f32]>,
) -> Result<f32, Error> {
    let len = logits.len();
    if len == 0 {
        return Err(Error::Empty);
    }
    let Some(&xt) = logits.get(target) else {
        return Err(Error::IndexOutOfRange { index: target, len });
    };
    if let Some(g) = grad.as_deref() {
        same_len(len, g.len())?;
    }
    let loss = match peak(logits, |v| v)? {
        Peak::PosInf { count } => {
            if let Some(g) = grad.as_deref_mut() {
                pos_inf_into(logits, g, count, |v| v);
            }
            if xt == f32::INFINITY {
                crate::math::own::ln(count as f32)
            } else {
                f32::INFINITY
            }
        }
        Peak::Finite { c, n_ref } => {
            let off = Peak::off(n_ref);
            let sum = match grad.as_deref_mut() {
                Some(g) => exp_sum_into(logits, g, c, off, |v| v),
                None => exp_sum(logits, c, off),
            };
            let inv = reciprocal(sum)?;
            if let Some(g) = grad.as_deref_mut() {
                scale(g, inv);
            }
            log_tail(sum, n_ref) - ((xt - c) - n_ref as f32 * LN2_HI)
        }
    };
    if let Some(gt) = grad.and_then(|g| g.get_mut(target)) {
        *gt -= 1.0;
    }
    Ok(loss)
}
