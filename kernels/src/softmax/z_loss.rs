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
/// for every valid row, +∞ inputs included (not 0·∞ = NaN). Stack: ≈ 100 bytes (saved
/// registers, no buffers). Cost: see `cargo xtask bench`.
///
/// # Errors
/// [`Error::BadParameter`] unless λ is finite and ≥ 0; otherwise as [`super::logsumexp()`].
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
