//! The auxiliary "z-loss" λ·(ln Z)² (PaLM / mixture-of-experts router regulariser).

use crate::Error;

/// λ·(ln Σ_i e^(x_i))²: keeps the softmax normaliser near 1. (Not the spherical Z-loss of
/// `crate::zloss`.)
///
/// Algorithm: [`super::logsumexp()`], squared, times λ. Gradient (not computed here):
/// 2λ·ln Z·softmax(x).
///
/// Accuracy: relative error ≤ 2·(2e−6·max(1, |ln Z|)/|ln Z|) + 2^−23 (from logsumexp). With
/// λ > 0, +∞ if an input is +∞. With λ = 0 the regulariser is off and the result is exactly 0
/// for every valid row, +∞ inputs included (not 0·∞ = NaN). Stack: no buffers, the saved
/// registers of one call (not benched). Cost: not benched on its own yet.
///
/// # Errors
/// [`Error::BadParameter`] unless λ is finite and ≥ 0; otherwise as [`super::logsumexp()`].
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::softmax::z_loss_aux;
///
/// // The documented bound on the relative error, for a given ln Z.
/// let bound = |lz: f64| 2.0 * (2e-6 * lz.abs().max(1.0) / lz.abs()) + 2f64.powi(-23);
/// // Four equal router logits: Z = 4, so the loss is λ·(ln 4)².
/// let lambda = 1e-3f32;
/// let want = f64::from(lambda) * 4f64.ln().powi(2);
/// let got = f64::from(z_loss_aux(&[0.0; 4], lambda)?);
/// assert!((got - want).abs() <= bound(4f64.ln()) * want);
/// // A generic row against the f64 formula.
/// let x = [1.5f32, -0.5, 0.25];
/// let lz = x.iter().map(|&v| f64::from(v).exp()).sum::<f64>().ln();
/// let want = f64::from(0.01f32) * lz * lz;
/// assert!((f64::from(z_loss_aux(&x, 0.01)?) - want).abs() <= bound(lz) * want);
/// // λ = 0 switches it off, even with +∞ logits; λ < 0 is refused.
/// assert_eq!(z_loss_aux(&[f32::INFINITY, 1.0], 0.0)?, 0.0);
/// assert!(matches!(z_loss_aux(&x, -1.0), Err(Error::BadParameter(_))));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn z_loss_aux(x: &[f32], lambda: f32) -> Result<f32, Error> {
    if !(0.0..f32::INFINITY).contains(&lambda) {
        return Err(Error::BadParameter("lambda must be finite and >= 0"));
    }
    let l = super::logsumexp(x)?;
    if lambda == 0.0 {
        return Ok(0.0);
    }
    Ok(lambda * (l * l))
}
