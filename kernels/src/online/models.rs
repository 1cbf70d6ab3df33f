//! Generalised linear models trained online: linear, logistic and multinomial (softmax)
//! regression. Each is generic over its update rule `R: Rule<D>`.

use super::rules::{Example, Rule};
use super::{check_sample, clip, dot, dot_raw, finite_or_clamp, GRAD_LIMIT, HARD_FLOAT, OVERFLOW};
use crate::math::fpu::{ln, sigmoid, softplus};
use crate::softmax::three_pass;
use crate::Error;

/// The settings shared by every model (River's `GLM` arguments).
///
/// # Example
///
/// ```
/// use mcu_kernels::online::{GlmConfig, LinearRegression, Sgd};
///
/// assert_eq!(GlmConfig::default(), GlmConfig::RIVER);
/// assert_eq!(GlmConfig::RIVER.intercept_lr, 0.01);
/// // intercept_lr = 0 freezes the intercept; the weights still learn.
/// let cfg = GlmConfig { intercept_lr: 0.0, ..GlmConfig::RIVER };
/// let mut m = LinearRegression::<1, Sgd>::with_config(Sgd::new(0.1), cfg);
/// m.learn_one(&[1.0], 3.0)?;
/// assert_eq!(m.intercept(), 0.0);
/// assert!(m.weights()[0] > 0.0);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlmConfig {
    /// Step of the plain-SGD intercept update b ← b − lr·ℓ'(p) (River: 0.01; 0 freezes b).
    pub intercept_lr: f32,
    /// L2 penalty λ₂: the rule sees g = ℓ'(p)·x + λ₂·w (River's `l2`, default 0).
    pub l2: f32,
    /// ℓ'(p) is clipped to ±`clip_gradient` (River: 1e12).
    pub clip_gradient: f32,
    /// ε of the ε-insensitive loss that [`super::PassiveAggressive`] uses in regression
    /// (River's `PARegressor`: 0.1).
    pub pa_epsilon: f32,
}

impl GlmConfig {
    /// River's defaults: intercept_lr 0.01, l2 0, clip_gradient 1e12, PA ε 0.1.
    /// Example: see the example on [`GlmConfig`].
    pub const RIVER: GlmConfig = GlmConfig {
        intercept_lr: 0.01,
        l2: 0.0,
        clip_gradient: 1e12,
        pa_epsilon: 0.1,
    };
}

impl Default for GlmConfig {
    fn default() -> Self {
        GlmConfig::RIVER
    }
}

/// g_i = ℓ'·x_i + λ₂·w_i into `grad`, each clipped to ±[`GRAD_LIMIT`].
///
/// One pass with a test alongside, clipping only if some |g_i| may exceed the limit (clipping
/// is the identity below it): with an FPU, Σg² ≤ 1e29 bounds every |g_i| by 3.2e14; without
/// one, the magnitude bits of each g_i are compared with the limit's (integer operations).
#[inline]
fn gradient<const D: usize>(grad: &mut [f32; D], x: &[f32; D], w: &[f32; D], dloss: f32, l2: f32) {
    let mut sq = 0.0f32;
    let mut outside = false;
    for ((g, xi), wi) in grad.iter_mut().zip(x).zip(w.iter()) {
        *g = dloss * xi + l2 * wi;
        if HARD_FLOAT {
            sq += *g * *g;
        } else {
            // NaN's magnitude bits exceed every finite value's.
            outside |= g.to_bits() & 0x7fff_ffff > GRAD_LIMIT.to_bits();
        }
    }
    // Also taken for a NaN sum.
    if outside || sq > 1e29 || sq.is_nan() {
        for g in grad.iter_mut() {
            *g = clip(*g, GRAD_LIMIT);
        }
    }
}

/// The one GLM update path of every model (issue #25): ℓ'(p) clipped, the gradient
/// ([`gradient`]), the intercept step and the rule's [`Rule::try_step`], all or nothing: the new
/// intercept and the rule's new values are checked before anything is written.
/// `Err(OVERFLOW)` leaves w, b and the rule unchanged.
#[allow(clippy::too_many_arguments)]
#[inline]
fn glm_try_step<const D: usize, R: Rule<D>>(
    w: &mut [f32; D],
    b: &mut f32,
    rule: &mut R,
    cfg: &GlmConfig,
    x: &[f32; D],
    dloss: f32,
    loss: f32,
    curvature: f32,
    margin: (f32, f32),
) -> Result<(), Error> {
    let dloss = clip(dloss, cfg.clip_gradient);
    let mut grad = [0.0f32; D];
    gradient(&mut grad, x, w, dloss, cfg.l2);
    let new_b = *b - cfg.intercept_lr * dloss;
    if !new_b.is_finite() {
        return Err(OVERFLOW);
    }
    let ex = Example {
        x,
        grad: &grad,
        dloss,
        loss: finite_or_clamp(loss),
        curvature,
        margin_loss: finite_or_clamp(margin.0),
        margin_dir: margin.1,
    };
    if rule.try_step(w, &ex) {
        *b = new_b;
        Ok(())
    } else {
        Err(OVERFLOW)
    }
}

/// Online linear regression, River's `linear_model.LinearRegression`: ŷ = wᵀx + b, squared
/// loss ℓ = (ŷ − y)² with ℓ' = 2(ŷ − y) (River's convention, curvature 2).
///
/// State: 4·D + 4 bytes for (w, b), 16 bytes of [`GlmConfig`] and the rule's state
/// (`core::mem::size_of::<LinearRegression<D, R>>()`). Cost and stack: see [`crate::online`]'s
/// table (`learn_one` makes no copy of the model).
///
/// # Example
///
/// ```
/// use mcu_kernels::{online::{LinearRegression, Sgd}, Error};
///
/// // y = 2·x₀ − x₁ + 0.5 on a small repeated stream: the squared error of each pass decreases.
/// let data = [
///     ([1.0f32, 0.0], 2.5f32),
///     ([0.0, 1.0], -0.5),
///     ([1.0, 1.0], 1.5),
///     ([0.5, -1.0], 2.5),
/// ];
/// let mut model = LinearRegression::<2, Sgd>::new(Sgd::new(0.1));
/// let mut last = f32::INFINITY;
/// for _pass in 0..5 {
///     let mut sse = 0.0;
///     for (x, y) in &data {
///         sse += (model.predict(x) - y).powi(2); // predict, then learn
///         model.learn_one(x, *y)?;
///     }
///     assert!(sse < last);
///     last = sse;
/// }
/// assert!(model.weights()[0] > 1.0 && model.weights()[1] < 0.0 && model.intercept() > 0.0);
/// // A NaN sample is refused and leaves the model as it was.
/// let before = model.clone();
/// assert_eq!(model.learn_one(&[f32::NAN, 0.0], 1.0), Err(Error::NanInput));
/// assert!(matches!(model.learn_one(&[f32::INFINITY, 0.0], 1.0), Err(Error::BadParameter(_))));
/// assert_eq!(model, before);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LinearRegression<const D: usize, R: Rule<D>> {
    pub(super) w: [f32; D],
    pub(super) b: f32,
    /// The update rule.
    pub rule: R,
    /// Intercept step, L2, clipping.
    pub config: GlmConfig,
}

impl<const D: usize, R: Rule<D>> LinearRegression<D, R> {
    /// Zero weights and intercept, River's [`GlmConfig::RIVER`].
    /// Example: see the example on [`LinearRegression`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn new(rule: R) -> Self {
        Self::with_config(rule, GlmConfig::RIVER)
    }
    /// Zero weights and intercept with the given settings.
    ///
    /// ```
    /// use mcu_kernels::online::{GlmConfig, LinearRegression, Sgd};
    ///
    /// // A faster intercept: ℓ'(0) = 2(0 − 1) = −2 on (x, y) = ((1), 1), so b = −0.5·(−2) = 1 and
    /// // w = −0.1·(−2) = 0.2.
    /// let cfg = GlmConfig { intercept_lr: 0.5, ..GlmConfig::RIVER };
    /// let mut m = LinearRegression::<1, Sgd>::with_config(Sgd::new(0.1), cfg);
    /// m.learn_one(&[1.0], 1.0)?;
    /// assert_eq!((m.weights()[0], m.intercept()), (0.2, 1.0));
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn with_config(rule: R, config: GlmConfig) -> Self {
        LinearRegression {
            w: [0.0; D],
            b: 0.0,
            rule,
            config,
        }
    }
    /// The weights w.
    /// Example: see the example on [`LinearRegression`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn weights(&self) -> &[f32; D] {
        &self.w
    }
    /// The intercept b.
    /// Example: see the example on [`LinearRegression`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn intercept(&self) -> f32 {
        self.b
    }
    /// ŷ = wᵀx + b (finite: overflow clamps to ±f32::MAX, NaN becomes 0).
    ///
    /// ```
    /// use mcu_kernels::online::{LinearRegression, Sgd};
    ///
    /// let mut m = LinearRegression::<2, Sgd>::new(Sgd::new(0.1));
    /// m.learn_one(&[1.0, 2.0], 1.0)?;
    /// // ŷ = wᵀx + b with the learned w, b.
    /// let (w, b) = (m.weights(), m.intercept());
    /// assert_eq!(m.predict(&[3.0, -1.0]), w[0] * 3.0 - w[1] + b);
    /// // Finite whatever the input: an overflowing score is clamped.
    /// m.learn_one(&[1.0, 0.0], 1e30)?;
    /// assert_eq!(m.predict(&[3e38, 0.0]), f32::MAX);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn predict(&self, x: &[f32; D]) -> f32 {
        finite_or_clamp(dot(&self.w, x) + self.b)
    }
    /// One step on (x, y).
    ///
    /// # Errors
    /// [`Error::NanInput`] / [`Error::BadParameter`] for a non-finite sample, or if the update
    /// would overflow (then undone); see the module's safety policy.
    ///
    /// ```
    /// use mcu_kernels::online::{LinearRegression, Sgd};
    ///
    /// // One SGD step from zero on (x, y) = ((1, 2), 1), squared loss: ℓ' = 2(0 − 1) = −2, so
    /// // w = −0.1·(−2)·x = (0.2, 0.4) and b = −0.01·(−2) = 0.02 (River's intercept step).
    /// let mut m = LinearRegression::<2, Sgd>::new(Sgd::new(0.1));
    /// m.learn_one(&[1.0, 2.0], 1.0)?;
    /// assert_eq!(m.weights(), &[0.2, 0.4]);
    /// assert_eq!(m.intercept(), 0.02);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn learn_one(&mut self, x: &[f32; D], y: f32) -> Result<(), Error> {
        // A finite wᵀx proves every x_i finite: the full check only when it is not.
        let s = dot_raw(&self.w, x);
        if !(s.is_finite() && y.is_finite()) {
            check_sample(x, y)?;
        }
        let p = finite_or_clamp(finite_or_clamp(s) + self.b);
        let r = p - y;
        let eps = self.config.pa_epsilon;
        let ar = if r < 0.0 { -r } else { r };
        let margin = if ar > eps {
            (ar - eps, if r > 0.0 { 1.0 } else { -1.0 })
        } else {
            (0.0, 0.0)
        };
        glm_try_step(
            &mut self.w,
            &mut self.b,
            &mut self.rule,
            &self.config,
            x,
            2.0 * r,
            r * r,
            2.0,
            margin,
        )
    }
}

/// Online binary logistic regression, River's `linear_model.LogisticRegression`:
/// P(y = 1 | x) = σ(wᵀx + b), log loss ℓ = ln(1 + e^(−y±·p)) with y± = ±1,
/// ℓ' = σ(p) − y (curvature bound 1/4); passive-aggressive rules use the hinge max(0, 1 − y±·p).
///
/// State: 4·D + 4 bytes for (w, b), 16 bytes of [`GlmConfig`] and the rule's state; e.g.
/// `LogisticRegression<9, AdaGrad<9>>` is 104 bytes (tested). Cost and stack per rule: see
/// [`crate::online`]'s table (`learn_one` makes no copy of the model).
///
/// # Example
///
/// ```
/// use mcu_kernels::online::{AdaGrad, LogisticRegression};
///
/// // Label = x₀ > x₁. A few passes separate the stream; the mean log loss falls each pass.
/// let data = [
///     ([2.0f32, 0.5], true),
///     ([0.0, 1.0], false),
///     ([1.5, -1.0], true),
///     ([-1.0, 0.5], false),
/// ];
/// let mut model = LogisticRegression::<2, AdaGrad<2>>::new(AdaGrad::river());
/// let mut last = f64::INFINITY;
/// for _pass in 0..4 {
///     let mut loss = 0.0;
///     for (x, y) in &data {
///         let p = f64::from(model.predict_proba(x));
///         loss += -(if *y { p } else { 1.0 - p }).ln();
///         model.learn_one(x, *y)?;
///     }
///     assert!(loss < last);
///     last = loss;
/// }
/// for (x, y) in &data {
///     assert_eq!(model.predict(x), *y);
///     // P(y = 1 | x) = σ(logit), against the f64 logistic function.
///     let z = f64::from(model.predict_logit(x));
///     assert!((f64::from(model.predict_proba(x)) - 1.0 / (1.0 + (-z).exp())).abs() < 1e-6);
/// }
/// assert_eq!(model.weights().len(), 2);
/// assert!(model.intercept().is_finite());
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticRegression<const D: usize, R: Rule<D>> {
    pub(super) w: [f32; D],
    pub(super) b: f32,
    /// The update rule.
    pub rule: R,
    /// Intercept step, L2, clipping.
    pub config: GlmConfig,
}

impl<const D: usize, R: Rule<D>> LogisticRegression<D, R> {
    /// Zero weights and intercept, River's [`GlmConfig::RIVER`].
    /// Example: see the example on [`LogisticRegression`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn new(rule: R) -> Self {
        Self::with_config(rule, GlmConfig::RIVER)
    }
    /// Zero weights and intercept with the given settings.
    ///
    /// ```
    /// use mcu_kernels::online::{GlmConfig, LogisticRegression, Sgd};
    ///
    /// // ℓ'(0) = σ(0) − 1 = −0.5 is clipped to −0.25: w = −1·(−0.25)·2 = 0.5, b = 0.01·0.25.
    /// let cfg = GlmConfig { clip_gradient: 0.25, ..GlmConfig::RIVER };
    /// let mut m = LogisticRegression::<1, Sgd>::with_config(Sgd::new(1.0), cfg);
    /// m.learn_one(&[2.0], true)?;
    /// assert_eq!((m.weights()[0], m.intercept()), (0.5, 0.0025));
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn with_config(rule: R, config: GlmConfig) -> Self {
        LogisticRegression {
            w: [0.0; D],
            b: 0.0,
            rule,
            config,
        }
    }
    /// The weights w.
    /// Example: see the example on [`LogisticRegression`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn weights(&self) -> &[f32; D] {
        &self.w
    }
    /// The intercept b.
    /// Example: see the example on [`LogisticRegression`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn intercept(&self) -> f32 {
        self.b
    }
    /// The logit p = wᵀx + b (finite).
    ///
    /// ```
    /// use mcu_kernels::online::{LogisticRegression, Sgd};
    ///
    /// let mut m = LogisticRegression::<2, Sgd>::new(Sgd::new(0.5));
    /// assert_eq!(m.predict_logit(&[1.0, 1.0]), 0.0); // zero weights
    /// m.learn_one(&[1.0, -1.0], true)?;
    /// // The logit is wᵀx + b.
    /// let (w, b) = (m.weights(), m.intercept());
    /// assert_eq!(m.predict_logit(&[2.0, 0.5]), w[0] * 2.0 + w[1] * 0.5 + b);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn predict_logit(&self, x: &[f32; D]) -> f32 {
        finite_or_clamp(dot(&self.w, x) + self.b)
    }
    /// P(y = 1 | x) = σ(p) ∈ [0, 1].
    ///
    /// | stack, bytes (`cargo xtask bench`) | M0 | M3 | M4F | M7 | M33 | M55 |
    /// |---|---:|---:|---:|---:|---:|---:|
    /// | `online::predict_proba[Sgd]` | 148 | 88 | 24 | 24 | 24 | 24 |
    /// | `online::predict_proba[AdaGrad]` | 148 | 88 | 24 | 24 | 24 | 24 |
    /// | `online::predict_proba[Adam]` | 148 | 88 | 24 | 24 | 24 | 24 |
    /// | `online::predict_proba[AdaMax]` | 148 | 88 | 24 | 24 | 24 | 24 |
    /// | `online::predict_proba[Ftrl]` | 148 | 88 | 24 | 24 | 24 | 24 |
    /// | `online::predict_proba[OptimisticOgd]` | 148 | 88 | 24 | 24 | 24 | 24 |
    /// | `online::predict_proba[PassiveAggressive]` | 148 | 88 | 24 | 24 | 24 | 24 |
    /// | `online::predict_proba[AProx]` | 148 | 88 | 24 | 24 | 24 | 24 |
    /// <!-- stack: online::predict_proba[*] -->
    ///
    /// ```
    /// use mcu_kernels::online::{LogisticRegression, Sgd};
    ///
    /// let mut m = LogisticRegression::<2, Sgd>::new(Sgd::new(0.5));
    /// assert_eq!(m.predict_proba(&[1.0, 1.0]), 0.5); // σ(0)
    /// m.learn_one(&[1.0, -1.0], true)?;
    /// // σ(logit) against the f64 logistic function, and a probability.
    /// let z = f64::from(m.predict_logit(&[1.0, -1.0]));
    /// let p = m.predict_proba(&[1.0, -1.0]);
    /// assert!((f64::from(p) - 1.0 / (1.0 + (-z).exp())).abs() < 1e-7);
    /// assert!(p > 0.5 && p < 1.0);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn predict_proba(&self, x: &[f32; D]) -> f32 {
        sigmoid(self.predict_logit(x))
    }
    /// The predicted class: p > 0 (River: P > 0.5; a tie predicts `false`).
    ///
    /// ```
    /// use mcu_kernels::online::{LogisticRegression, Sgd};
    ///
    /// let mut m = LogisticRegression::<1, Sgd>::new(Sgd::new(0.5));
    /// assert!(!m.predict(&[1.0])); // a tie (logit 0) predicts false
    /// m.learn_one(&[1.0], true)?;
    /// assert!(m.predict(&[1.0]) && !m.predict(&[-1.0]));
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn predict(&self, x: &[f32; D]) -> bool {
        self.predict_logit(x) > 0.0
    }
    /// One step on (x, y).
    ///
    /// # Errors
    /// As [`LinearRegression::learn_one`].
    ///
    /// | stack, bytes (`cargo xtask bench`) | M0 | M3 | M4F | M7 | M33 | M55 |
    /// |---|---:|---:|---:|---:|---:|---:|
    /// | `online::learn_one[Sgd]` | 340 | 256 | 248 | 248 | 248 | 248 |
    /// | `online::learn_one[AdaGrad]` | 420 | 352 | 296 | 296 | 288 | 288 |
    /// | `online::learn_one[Adam]` | 460 | 384 | 328 | 328 | 328 | 328 |
    /// | `online::learn_one[AdaMax]` | 444 | 368 | 256 | 256 | 256 | 256 |
    /// | `online::learn_one[Ftrl]` | 468 | 384 | 360 | 360 | 360 | 360 |
    /// | `online::learn_one[OptimisticOgd]` | 436 | 392 | 392 | 392 | 392 | 392 |
    /// | `online::learn_one[PassiveAggressive]` | 244 | 168 | 132 | 132 | 128 | 128 |
    /// | `online::learn_one[AProx]` | 332 | 248 | 248 | 248 | 248 | 248 |
    /// | `online::learn_one[AdaGrad;D]` | — | 1664 | 1684 | 1684 | 1684 | 1684 |
    /// | `online::learn_one[Sgd;D]` | — | 1152 | 1164 | 1164 | 1164 | 1164 |
    /// | `online::learn_one[Adam;D]` | — | 2208 | 2220 | 2220 | 2220 | 2220 |
    /// | `online::learn_one[Ftrl;D]` | — | 2216 | 2220 | 2220 | 2220 | 2220 |
    /// <!-- stack: online::learn_one[*] -->
    ///
    /// ```
    /// use mcu_kernels::{online::{LogisticRegression, Sgd}, Error};
    ///
    /// // From zero: ℓ'(0) = σ(0) − 1 = −0.5 for y = true, so w = −η·(−0.5)·x and b = 0.01·0.5.
    /// let mut m = LogisticRegression::<2, Sgd>::new(Sgd::new(0.2));
    /// m.learn_one(&[1.0, -2.0], true)?;
    /// assert_eq!(m.weights(), &[0.1, -0.2]);
    /// assert_eq!(m.intercept(), 0.005);
    /// // Refused samples leave the model unchanged.
    /// assert_eq!(m.learn_one(&[f32::NAN, 0.0], false), Err(Error::NanInput));
    /// assert_eq!(m.weights(), &[0.1, -0.2]);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn learn_one(&mut self, x: &[f32; D], y: bool) -> Result<(), Error> {
        // A finite wᵀx proves every x_i finite: the full check only when it is not.
        let s = dot_raw(&self.w, x);
        if !s.is_finite() {
            check_sample(x, 0.0)?;
        }
        let p = finite_or_clamp(finite_or_clamp(s) + self.b);
        let ys = if y { 1.0 } else { -1.0 };
        let dloss = sigmoid(p) - if y { 1.0 } else { 0.0 };
        let loss = softplus(-ys * p);
        let m = 1.0 - ys * p;
        let margin = if m > 0.0 { (m, -ys) } else { (0.0, 0.0) };
        glm_try_step(
            &mut self.w,
            &mut self.b,
            &mut self.rule,
            &self.config,
            x,
            dloss,
            loss,
            0.25,
            margin,
        )
    }
}

/// Online multinomial logistic (softmax) regression over `K` classes:
/// P(k | x) = softmax(W x + b)_k (by [`crate::softmax::three_pass`]), cross-entropy loss
/// ℓ = −ln P(y | x), ∂ℓ/∂p_k = P(k | x) − [k = y]. Each class row has its own rule instance (so
/// any `R: Rule<D>` works); the rows see curvature bound 1/2 and, for passive-aggressive rules,
/// the one-vs-rest hinge of their own score.
///
/// State: K·(4·D + 4) bytes for (W, b), K copies of the rule's state, 16 bytes of config.
/// Unlike the binary models, `learn_one` still keeps a copy of the whole model on the stack to
/// undo an overflowing update (the K rows are updated one after the other, and all or none must
/// be kept). Cost and stack per `learn_one` (AdaGrad, D = 8, K = 3 and 10):
///
/// Cost (`cargo xtask bench`, instructions per element at N = 10): M3 10475.4 · M4F/M7 897.5 · M33/M55 887.3.
/// <!-- cost: online::SoftmaxRegression::learn_one[*] -->
///
/// Stack (bytes, `cargo xtask bench`): M3 1272 · M4F/M7/M33/M55 1232.
/// <!-- stack: online::SoftmaxRegression::learn_one[*] -->
///
/// # Example
///
/// ```
/// use mcu_kernels::{online::{SoftmaxRegression, Sgd}, Error};
///
/// // Three classes, one per dominant feature.
/// let data = [([1.0f32, 0.0, 0.0], 0), ([0.0, 1.0, 0.0], 1), ([0.0, 0.0, 1.0], 2)];
/// let mut model = SoftmaxRegression::<3, 3, Sgd>::new(Sgd::new(0.5));
/// for _pass in 0..10 {
///     for (x, y) in &data {
///         model.learn_one(x, *y)?;
///     }
/// }
/// let mut proba = [0.0f32; 3];
/// let mut scores = [0.0f32; 3];
/// for (x, y) in &data {
///     assert_eq!(model.predict(x), *y);
///     model.predict_proba(x, &mut proba);
///     // A distribution: every P in (0, 1), summing to 1; the softmax of the raw scores.
///     assert!(proba.iter().all(|&p| p > 0.0 && p < 1.0));
///     assert!((proba.iter().sum::<f32>() - 1.0).abs() < 1e-6);
///     model.predict_scores(x, &mut scores);
///     let z: f64 = scores.iter().map(|&s| f64::from(s).exp()).sum();
///     assert!((f64::from(proba[*y]) - f64::from(scores[*y]).exp() / z).abs() < 1e-6);
/// }
/// assert_eq!(model.weights().len(), 3);
/// assert_eq!(model.intercepts().len(), 3);
/// // A class label out of range is refused.
/// assert_eq!(model.learn_one(&[0.0; 3], 3), Err(Error::IndexOutOfRange { index: 3, len: 3 }));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SoftmaxRegression<const D: usize, const K: usize, R: Rule<D>> {
    pub(super) w: [[f32; D]; K],
    pub(super) b: [f32; K],
    /// One rule per class row.
    pub rules: [R; K],
    /// Intercept step, L2, clipping.
    pub config: GlmConfig,
}

impl<const D: usize, const K: usize, R: Rule<D>> SoftmaxRegression<D, K, R> {
    /// Zero weights; each class row gets a copy of `rule`.
    /// Example: see the example on [`SoftmaxRegression`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn new(rule: R) -> Self {
        Self::with_config(rule, GlmConfig::RIVER)
    }
    /// Zero weights with the given settings.
    ///
    /// ```
    /// use mcu_kernels::online::{GlmConfig, SoftmaxRegression, Sgd};
    ///
    /// // intercept_lr = 0 freezes the intercepts; the weight rows still learn.
    /// let cfg = GlmConfig { intercept_lr: 0.0, ..GlmConfig::RIVER };
    /// let mut m = SoftmaxRegression::<2, 3, Sgd>::with_config(Sgd::new(0.1), cfg);
    /// m.learn_one(&[1.0, -1.0], 1)?;
    /// assert_eq!(m.intercepts(), &[0.0; 3]);
    /// assert!(m.weights()[1][0] > 0.0 && m.weights()[0][0] < 0.0);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn with_config(rule: R, config: GlmConfig) -> Self {
        SoftmaxRegression {
            w: [[0.0; D]; K],
            b: [0.0; K],
            rules: core::array::from_fn(|_| rule.clone()),
            config,
        }
    }
    /// The weight rows W.
    /// Example: see the example on [`SoftmaxRegression`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn weights(&self) -> &[[f32; D]; K] {
        &self.w
    }
    /// The intercepts b.
    /// Example: see the example on [`SoftmaxRegression`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn intercepts(&self) -> &[f32; K] {
        &self.b
    }
    /// Raw scores p = W x + b (finite).
    ///
    /// ```
    /// use mcu_kernels::online::{SoftmaxRegression, Sgd};
    ///
    /// let mut m = SoftmaxRegression::<2, 3, Sgd>::new(Sgd::new(0.3));
    /// m.learn_one(&[1.0, 0.5], 2)?;
    /// // Raw scores W x + b, row by row.
    /// let mut s = [0.0f32; 3];
    /// m.predict_scores(&[2.0, -1.0], &mut s);
    /// for k in 0..3 {
    ///     let row = m.weights()[k];
    ///     assert_eq!(s[k], row[0] * 2.0 - row[1] + m.intercepts()[k]);
    /// }
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn predict_scores(&self, x: &[f32; D], scores: &mut [f32; K]) {
        for ((s, row), bk) in scores.iter_mut().zip(self.w.iter()).zip(self.b.iter()) {
            *s = finite_or_clamp(dot(row, x) + bk);
        }
    }
    /// Class probabilities P(k | x) into `proba` (uniform for K's softmax errors, which finite
    /// scores cannot cause for K ≥ 1).
    ///
    /// ```
    /// use mcu_kernels::online::{SoftmaxRegression, Sgd};
    ///
    /// let mut m = SoftmaxRegression::<2, 3, Sgd>::new(Sgd::new(0.3));
    /// let mut p = [0.0f32; 3];
    /// m.predict_proba(&[1.0, 1.0], &mut p);
    /// assert!(p.iter().all(|&v| (v - 1.0 / 3.0).abs() < 1e-7)); // uniform before learning
    /// m.learn_one(&[1.0, 0.5], 2)?;
    /// m.predict_proba(&[1.0, 0.5], &mut p);
    /// assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    /// assert!(p[2] > p[0] && p[2] > p[1]);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn predict_proba(&self, x: &[f32; D], proba: &mut [f32; K]) {
        let mut scores = [0.0f32; K];
        self.predict_scores(x, &mut scores);
        if three_pass(&scores, proba).is_err() {
            let u = 1.0 / (K.max(1) as f32);
            for p in proba.iter_mut() {
                *p = u;
            }
        }
    }
    /// The most probable class (the first on ties; 0 for K = 0).
    ///
    /// ```
    /// use mcu_kernels::online::{SoftmaxRegression, Sgd};
    ///
    /// let mut m = SoftmaxRegression::<2, 3, Sgd>::new(Sgd::new(0.3));
    /// assert_eq!(m.predict(&[1.0, 1.0]), 0); // all tied: the first class
    /// m.learn_one(&[1.0, 0.5], 1)?;
    /// assert_eq!(m.predict(&[1.0, 0.5]), 1);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn predict(&self, x: &[f32; D]) -> usize {
        let mut scores = [0.0f32; K];
        self.predict_scores(x, &mut scores);
        argmax(&scores)
    }
    /// One step on (x, class y).
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`] if y ≥ K; otherwise as [`LinearRegression::learn_one`].
    ///
    /// ```
    /// use mcu_kernels::{online::{SoftmaxRegression, Sgd}, Error};
    ///
    /// // From zero, P = 1/3 each: row k moves by −η·(P_k − [k = y])·x.
    /// let mut m = SoftmaxRegression::<1, 3, Sgd>::new(Sgd::new(0.3));
    /// m.learn_one(&[3.0], 0)?;
    /// assert!((m.weights()[0][0] - 0.3 * (2.0 / 3.0) * 3.0).abs() < 1e-6);
    /// assert!((m.weights()[1][0] + 0.3 * (1.0 / 3.0) * 3.0).abs() < 1e-6);
    /// assert_eq!(m.learn_one(&[3.0], 3), Err(Error::IndexOutOfRange { index: 3, len: 3 }));
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn learn_one(&mut self, x: &[f32; D], y: usize) -> Result<(), Error> {
        if y >= K {
            return Err(Error::IndexOutOfRange { index: y, len: K });
        }
        check_sample(x, 0.0)?;
        let backup = self.clone();
        let mut scores = [0.0f32; K];
        self.predict_scores(x, &mut scores);
        let mut proba = [0.0f32; K];
        self.predict_proba(x, &mut proba);
        let py = proba.get(y).copied().unwrap_or(0.0);
        let loss = -ln(if py > 1e-30 { py } else { 1e-30 });
        let cfg = self.config;
        for (k, (((row, bk), rule), (pk, sk))) in self
            .w
            .iter_mut()
            .zip(self.b.iter_mut())
            .zip(self.rules.iter_mut())
            .zip(proba.iter().zip(scores.iter()))
            .zip(0..K)
            .map(|(item, k)| (k, item))
        {
            let is_y = k == y;
            let dloss = pk - if is_y { 1.0 } else { 0.0 };
            let ys = if is_y { 1.0 } else { -1.0 };
            let m = 1.0 - ys * sk;
            let margin = if m > 0.0 { (m, -ys) } else { (0.0, 0.0) };
            if glm_try_step(row, bk, rule, &cfg, x, dloss, loss, 0.5, margin).is_err() {
                // A row would overflow: the rows before it are put back too (all or nothing).
                *self = backup;
                return Err(OVERFLOW);
            }
        }
        Ok(())
    }
}

/// Index of the largest value (first on ties; 0 when empty).
pub(crate) fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    let mut bv = f32::NEG_INFINITY;
    // Not `enumerate()`: its counter is an overflow-checked add in a user's debug build.
    #[allow(clippy::range_zip_with_len)]
    for (&s, i) in v.iter().zip(0..v.len()) {
        if s > bv {
            bv = s;
            best = i;
        }
    }
    best
}
