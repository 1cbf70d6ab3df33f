//! Running standardisation, River's `preprocessing.StandardScaler`.

use super::{check_sample, finite_or_clamp, sqrt, FiniteCheck, OVERFLOW};
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
/// weight 2⁻³²). A non-finite sample is rejected; an update that would overflow is undone
/// (count, means and variances unchanged; only the count of consecutive rejections moves).
///
/// **Recovery:** an extreme sample among the first few (a first sample of 1e30) leaves
/// statistics against which every ordinary sample overflows the variance, so every later
/// update would be undone and the scaler would never learn again. After
/// [`RESTART_AFTER`] consecutive updates undone for overflow, the scaler therefore restarts
/// from the sample at hand (count 1, mean x, variance 0) and that call returns `Ok`;
/// [`StandardScaler::count`] dropping to 1 shows it. A single overflowing outlier in an
/// ordinary stream is undone and forgotten as before (the next update succeeds).
///
/// State: 8·D + 8 bytes. Cost: `learn_one` 204 instructions on the M4F at D = 9 (no copy of
/// the state; see [`crate::online`]'s table; its stack per core: [`StandardScaler::learn_one`]).
///
/// # Example
///
/// ```
/// use mcu_kernels::online::StandardScaler;
///
/// let mut sc = StandardScaler::<2>::new();
/// for x in [[1.0f32, 10.0], [3.0, 10.0], [5.0, 10.0]] {
///     sc.learn_one(&x)?;
/// }
/// // Mean 3, population variance ((−2)² + 0² + 2²)/3 = 8/3; a constant feature maps to 0.
/// assert_eq!(sc.count(), 3);
/// assert_eq!(sc.means(), &[3.0, 10.0]);
/// assert!((sc.variances()[0] - 8.0 / 3.0).abs() < 1e-6 && sc.variances()[1] == 0.0);
/// let mut z = [0.0f32; 2];
/// sc.transform(&[5.0, 11.0], &mut z);
/// assert!((f64::from(z[0]) - 2.0 / (8.0f64 / 3.0).sqrt()).abs() < 1e-6);
/// assert_eq!(z[1], 0.0);
/// // learn_transform: update with x first, then transform it (River's pipeline order).
/// sc.learn_transform(&[3.0, 10.0], &mut z)?;
/// assert_eq!((sc.count(), z[0]), (4, 0.0));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StandardScaler<const D: usize> {
    pub(super) n: u32,
    /// Consecutive updates undone for overflow.
    pub(super) rejected: u32,
    pub(super) mean: [f32; D],
    pub(super) var: [f32; D],
}

/// Consecutive overflowing updates after which [`StandardScaler`] restarts its statistics.
///
/// ```
/// use mcu_kernels::online::{scaler::RESTART_AFTER, StandardScaler};
///
/// // A first sample of 1e30: every ordinary sample after it overflows the variance and is
/// // undone, until the RESTART_AFTER-th in a row restarts the statistics from it.
/// let mut sc = StandardScaler::<1>::new();
/// sc.learn_one(&[1e30])?;
/// for _ in 1..RESTART_AFTER {
///     assert!(sc.learn_one(&[1.0]).is_err());
///     assert_eq!(sc.count(), 1);
/// }
/// assert!(sc.learn_one(&[1.0]).is_ok());
/// assert_eq!((sc.count(), sc.means()[0]), (1, 1.0));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
pub const RESTART_AFTER: u32 = 8;

impl<const D: usize> Default for StandardScaler<D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const D: usize> StandardScaler<D> {
    /// No observations yet (transform gives zeros).
    /// Example: see the example on [`StandardScaler`].
    pub const fn new() -> Self {
        StandardScaler {
            n: 0,
            rejected: 0,
            mean: [0.0; D],
            var: [0.0; D],
        }
    }
    /// Number of observations.
    /// Example: see the example on [`StandardScaler`].
    pub const fn count(&self) -> u32 {
        self.n
    }
    /// Running means.
    /// Example: see the example on [`StandardScaler`].
    pub const fn means(&self) -> &[f32; D] {
        &self.mean
    }
    /// Running population variances.
    /// Example: see the example on [`StandardScaler`].
    pub const fn variances(&self) -> &[f32; D] {
        &self.var
    }
    /// Update the statistics with x.
    ///
    /// # Errors
    /// [`Error::NanInput`] / [`Error::BadParameter`] for a non-finite x or an overflowing
    /// update (statistics unchanged; the [`RESTART_AFTER`]-th such update in a row restarts
    /// them from x instead and returns `Ok`).
    ///
    /// Stack (bytes, `cargo xtask bench`): M0 292 · M3 216 · M4F/M7/M33/M55 108.
    /// <!-- stack: online::StandardScaler::learn_one -->
    ///
    /// ```
    /// use mcu_kernels::{online::StandardScaler, Error};
    ///
    /// let mut sc = StandardScaler::<1>::new();
    /// for x in [2.0f32, 4.0, 9.0] {
    ///     sc.learn_one(&[x])?;
    /// }
    /// // Mean 5, population variance (9 + 1 + 16)/3.
    /// assert_eq!(sc.means(), &[5.0]);
    /// assert!((sc.variances()[0] - 26.0 / 3.0).abs() < 1e-5);
    /// // Non-finite samples are refused and change nothing.
    /// assert_eq!(sc.learn_one(&[f32::NAN]), Err(Error::NanInput));
    /// assert_eq!(sc.count(), 3);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn learn_one(&mut self, x: &[f32; D]) -> Result<(), Error> {
        // Compute into locals, check, then commit: no copy of the state. Finite new values
        // also prove x finite (an infinite or NaN x_i makes its mean so).
        let count = self.n.saturating_add(1);
        let n = count as f32;
        let mut mean = [0.0f32; D];
        let mut var = [0.0f32; D];
        let mut check = FiniteCheck::new();
        for ((nm, nv), ((m, v), xi)) in mean
            .iter_mut()
            .zip(var.iter_mut())
            .zip(self.mean.iter().zip(self.var.iter()).zip(x))
        {
            let d = xi - m;
            let m = m + d / n;
            let mut v = v + (d * (xi - m) - v) / n;
            if v < 0.0 {
                v = 0.0;
            }
            *nm = m;
            *nv = v;
            check.add(m);
            check.add(v);
        }
        if check.all_finite(&[&mean, &var]) {
            self.n = count;
            self.mean = mean;
            self.var = var;
            self.rejected = 0;
            return Ok(());
        }
        check_sample(x, 0.0)?;
        self.rejected = self.rejected.saturating_add(1);
        if self.rejected < RESTART_AFTER {
            return Err(OVERFLOW);
        }
        // Restart from x (finite, checked above).
        self.n = 1;
        self.rejected = 0;
        self.mean = *x;
        self.var = [0.0; D];
        Ok(())
    }
    /// z = (x − μ)/σ with the current statistics (0 where σ² = 0; finite: NaN → 0,
    /// overflow → ±f32::MAX).
    ///
    /// ```
    /// use mcu_kernels::online::StandardScaler;
    ///
    /// let mut sc = StandardScaler::<1>::new();
    /// let mut z = [1.0f32];
    /// sc.transform(&[7.0], &mut z);
    /// assert_eq!(z, [0.0]); // no statistics yet (σ² = 0)
    /// for x in [2.0f32, 4.0] {
    ///     sc.learn_one(&[x])?;
    /// }
    /// // (x − 3)/1 with mean 3 and population variance 1.
    /// sc.transform(&[7.0], &mut z);
    /// assert_eq!(z, [4.0]);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
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
    ///
    /// ```
    /// use mcu_kernels::online::StandardScaler;
    ///
    /// let mut sc = StandardScaler::<1>::new();
    /// sc.learn_one(&[2.0])?;
    /// // Learn 4 first (mean 3, variance 1), then transform it: (4 − 3)/1.
    /// let mut z = [0.0f32];
    /// sc.learn_transform(&[4.0], &mut z)?;
    /// assert_eq!((sc.count(), z[0]), (2, 1.0));
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn learn_transform(&mut self, x: &[f32; D], out: &mut [f32; D]) -> Result<(), Error> {
        let r = self.learn_one(x);
        self.transform(x, out);
        r
    }
}
