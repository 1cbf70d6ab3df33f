//! Prediction with expert advice: (optimistic) Hedge, i.e. entropic mirror descent on the
//! simplex of `K` experts.

use super::rules::EntropicOmd;
use super::{check_sample, finite_or_clamp};
use crate::Error;

/// Hedge over `K` experts with weights x on the simplex:
/// * plain: x_{t+1,i} ∝ x_{t,i}·exp(−η ℓ_{t,i});
/// * optimistic (last-loss hint): x_{t+1,i} ∝ x_{t,i}·exp(−η(2ℓ_{t,i} − ℓ_{t−1,i})),
///
/// normalised with the stable softmax ([`crate::softmax::three_pass`]) over log-weights.
/// Regret against the best expert for losses in [0, 1]: ≤ ln K/η + η·Σ_t‖ℓ_t − ℓ_{t−1}‖²_∞
/// (optimistic) or ln K/η + η·T/8 (plain).
///
/// State: 12·K + 8 bytes. Cost: not benched yet.
///
/// # Example
///
/// ```
/// use mcu_kernels::online::Hedge;
///
/// // Three experts; expert 1 always has the smallest loss.
/// let mut h = Hedge::<3>::new(0.5, false);
/// assert_eq!(h.weights(), &[1.0 / 3.0; 3]);
/// let losses = [0.8f32, 0.1, 0.5];
/// let mut cum = [0.0f64; 3];
/// for _round in 0..20 {
///     h.learn_one(&losses)?;
///     for (c, l) in cum.iter_mut().zip(losses) {
///         *c += f64::from(l);
///     }
/// }
/// // Plain Hedge: x_i ∝ exp(−η·L_i) for the cumulative losses L (f64 reference), summing to 1.
/// let z: f64 = cum.iter().map(|l| (-0.5 * l).exp()).sum();
/// for (x, l) in h.weights().iter().zip(cum) {
///     assert!((f64::from(*x) - (-0.5 * l).exp() / z).abs() < 1e-5);
/// }
/// assert!((h.weights().iter().sum::<f32>() - 1.0).abs() < 1e-6);
/// // The mixture Σ x_i·a_i, against the same f64 weights; its loss is near the best expert's.
/// let advice = [10.0f32, 20.0, 30.0];
/// let want: f64 = cum.iter().zip(advice).map(|(l, a)| (-0.5 * l).exp() / z * f64::from(a)).sum();
/// assert!((f64::from(h.predict(&advice)) - want).abs() < 1e-3);
/// assert!((0.1..0.12).contains(&h.mixture_loss(&losses)));
/// assert!(h.learn_one(&[f32::NAN, 0.0, 0.0]).is_err());
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Hedge<const K: usize> {
    pub(super) omd: EntropicOmd<K>,
    pub(super) w: [f32; K],
}

impl<const K: usize> Hedge<K> {
    /// Uniform weights, step `eta`, hint switch `optimistic`.
    /// Example: see the example on [`Hedge`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn new(eta: f32, optimistic: bool) -> Self {
        let u = 1.0 / (K.max(1) as f32);
        Hedge {
            omd: EntropicOmd::new(eta, optimistic),
            w: [u; K],
        }
    }
    /// The current weights (sum 1).
    /// Example: see the example on [`Hedge`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn weights(&self) -> &[f32; K] {
        &self.w
    }
    /// The mixture Σ x_i·a_i of the experts' predictions `advice` (finite).
    ///
    /// ```
    /// use mcu_kernels::online::Hedge;
    ///
    /// let h = Hedge::<4>::new(0.1, true);
    /// // Uniform weights: the mean of the advice.
    /// assert_eq!(h.predict(&[1.0, 2.0, 3.0, 6.0]), 3.0);
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn predict(&self, advice: &[f32; K]) -> f32 {
        let mut s = 0.0f32;
        for (wi, ai) in self.w.iter().zip(advice) {
            s += wi * finite_or_clamp(*ai);
        }
        finite_or_clamp(s)
    }
    /// Expected loss Σ x_i·ℓ_i of the current weights for the loss vector `losses`.
    ///
    /// ```
    /// use mcu_kernels::online::Hedge;
    ///
    /// let mut h = Hedge::<2>::new(1.0, false);
    /// assert_eq!(h.mixture_loss(&[1.0, 0.0]), 0.5);
    /// h.learn_one(&[1.0, 0.0])?;
    /// // Weights (e^−1, 1)/(1 + e^−1): the expected loss is e^−1/(1 + e^−1).
    /// let want = (-1f64).exp() / (1.0 + (-1f64).exp());
    /// assert!((f64::from(h.mixture_loss(&[1.0, 0.0])) - want).abs() < 1e-6);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn mixture_loss(&self, losses: &[f32; K]) -> f32 {
        self.predict(losses)
    }
    /// Update with the experts' losses of this round.
    ///
    /// # Errors
    /// [`Error::NanInput`] / [`Error::BadParameter`] for non-finite losses (state unchanged).
    ///
    /// ```
    /// use mcu_kernels::{online::Hedge, Error};
    ///
    /// let mut h = Hedge::<3>::new(0.5, true);
    /// h.learn_one(&[0.0, 1.0, 1.0])?;
    /// let w = *h.weights();
    /// assert!(w[0] > w[1] && (w[1] - w[2]).abs() < 1e-7);
    /// assert!((w.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    /// // Non-finite losses are refused; the weights stay.
    /// assert!(matches!(h.learn_one(&[f32::INFINITY, 0.0, 0.0]), Err(Error::BadParameter(_))));
    /// assert_eq!(h.weights(), &w);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn learn_one(&mut self, losses: &[f32; K]) -> Result<(), Error> {
        check_sample(losses, 0.0)?;
        self.omd.update(&mut self.w, losses);
        Ok(())
    }
}
