//! Running standardisation, River's `preprocessing.StandardScaler`.

use super::{all_finite, check_sample, finite_or_clamp, sqrt, OVERFLOW};
use crate::Error;

/// Online standard scaler: z_i = (x_i − μ_i)/σ_i with the running mean and the running
/// *population* variance (Welford, River's form):
/// n += 1; μ' = μ + (x − μ)/n; σ²' = σ² + ((x − μ)(x − μ') − σ²)/n.
/// A feature with σ² = 0 maps to 0 (River's rule).
///
/// River's pipeline semantics: `predict` paths call [`StandardScaler::transform`] with the
/// current statistics; `learn_one` of a pipeline first updates the statistics with x, then
/// transforms x with the updated ones ([`StandardScaler::learn_transform`]) for the model.
///
/// The count saturates at `u32::MAX` (the statistics then become exponentially weighted with
/// weight 2⁻³²). A non-finite sample is rejected; an update that would overflow is undone.
/// State: 8·D + 4 bytes. Cost: see `cargo xtask bench`.
#[derive(Debug, Clone, PartialEq)]
pub struct StandardScaler<const D: usize> {
    n: u32,
    mean: [f32; D],
    var: [f32; D],
}

impl<const D: usize> Default for StandardScaler<D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const D: usize> StandardScaler<D> {
    /// No observations yet (transform gives zeros).
    pub const fn new() -> Self {
        StandardScaler {
            n: 0,
            mean: [0.0; D],
            var: [0.0; D],
        }
    }
    /// Number of observations.
    pub const fn count(&self) -> u32 {
        self.n
    }
    /// Running means.
    pub const fn means(&self) -> &[f32; D] {
        &self.mean
    }
    /// Running population variances.
    pub const fn variances(&self) -> &[f32; D] {
        &self.var
    }
    /// Update the statistics with x.
    ///
    /// # Errors
    /// [`Error::NanInput`] / [`Error::BadParameter`] for a non-finite x or an overflowing
    /// update (state unchanged).
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn learn_one(&mut self, x: &[f32; D]) -> Result<(), Error> {
        check_sample(x, 0.0)?;
        let backup = self.clone();
        self.n = self.n.saturating_add(1);
        let n = self.n as f32;
        for ((m, v), xi) in self.mean.iter_mut().zip(self.var.iter_mut()).zip(x) {
            let old = *m;
            *m = old + (xi - old) / n;
            *v += ((xi - old) * (xi - *m) - *v) / n;
            if *v < 0.0 {
                *v = 0.0;
            }
        }
        if all_finite(&self.mean) && all_finite(&self.var) {
            Ok(())
        } else {
            *self = backup;
            Err(OVERFLOW)
        }
    }
    /// z = (x − μ)/σ with the current statistics (0 where σ² = 0; finite: NaN → 0,
    /// overflow → ±f32::MAX).
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn transform(&self, x: &[f32; D], out: &mut [f32; D]) {
        for ((o, xi), (m, v)) in out
            .iter_mut()
            .zip(x)
            .zip(self.mean.iter().zip(self.var.iter()))
        {
            *o = if *v > 0.0 {
                finite_or_clamp((xi - m) / sqrt(*v))
            } else {
                0.0
            };
        }
    }
    /// River's `learn_one` then `transform_one`: update with x, then transform it.
    ///
    /// # Errors
    /// As [`StandardScaler::learn_one`]; `out` is then the transform with the old statistics.
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn learn_transform(&mut self, x: &[f32; D], out: &mut [f32; D]) -> Result<(), Error> {
        let r = self.learn_one(x);
        self.transform(x, out);
        r
    }
}
