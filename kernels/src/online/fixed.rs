//! Fixed-point (`I16F16`, Q15.16) online logistic regression with saturating SGD and AdaGrad,
//! for cores without an FPU (Cortex-M0/M0+/M3).
//!
//! All arithmetic is on the raw `i32` bits with `i64` intermediates, rounded to nearest
//! (ties up) and saturated to the `I16F16` range [−32768, 32768 − 2⁻¹⁶]: nothing wraps, nothing
//! panics. Resolution is 2⁻¹⁶ ≈ 1.5e−5, so quantities below that (River's ε = 1e−8, squares of
//! gradients below 0.004) round to 0 or 1 LSB: AdaGrad's ε is at least 1 LSB here.
//!
//! σ(z) uses the gemmlowp primitives of [`crate::fixedpoint`]: e^(−|z|) by
//! `exp_on_negative_values_q5_26`, then 1/(1 + e) by `one_over_one_plus_x_for_x_in_0_1`,
//! σ(−|z|) = 1 − σ(|z|); |z| ≥ 32 saturates. Error ≤ 2 LSB of `I16F16` (tested against f64).

use crate::fixedpoint::{exp_on_negative_values_q5_26, one_over_one_plus_x_for_x_in_0_1};
use fixed::types::I16F16;

const ONE: i32 = 1 << 16;

#[inline]
fn sat(v: i64) -> i32 {
    if v > i64::from(i32::MAX) {
        i32::MAX
    } else if v < i64::from(i32::MIN) {
        i32::MIN
    } else {
        v as i32
    }
}

/// a·b in Q15.16, rounded, saturated.
#[inline]
fn mul(a: i32, b: i32) -> i32 {
    // |a·b| ≤ 2^62, so the product and the rounding add never wrap.
    sat(i64::from(a)
        .wrapping_mul(i64::from(b))
        .wrapping_add(1 << 15)
        >> 16)
}

/// a/b in Q15.16, truncated toward zero, saturated; b = 0 gives ±max (0 for a = 0).
#[inline]
fn div(a: i32, b: i32) -> i32 {
    if b == 0 {
        return match a {
            0 => 0,
            a if a > 0 => i32::MAX,
            _ => i32::MIN,
        };
    }
    // |a·2^16| ≤ 2^47 and b ≠ 0: the quotient cannot overflow (no i64::MIN / −1).
    sat((i64::from(a) << 16).wrapping_div(i64::from(b)))
}

/// ⌊√v⌋ for v: u64 (bit-by-bit).
#[inline]
fn isqrt(v: u64) -> u64 {
    let mut rem = v;
    let mut root = 0u64;
    let mut bit = 1u64 << 62;
    while bit > rem {
        bit >>= 2;
    }
    // The classic digit-by-digit root: root + bit ≤ 2^63 and rem ≥ root + bit where it is
    // subtracted, so the adds and the subtraction never wrap.
    while bit != 0 {
        if rem >= root.wrapping_add(bit) {
            rem = rem.wrapping_sub(root.wrapping_add(bit));
            root = (root >> 1).wrapping_add(bit);
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    root
}

/// √a in Q15.16 (a ≤ 0 gives 0).
#[inline]
fn sqrt_q16(a: i32) -> i32 {
    if a <= 0 {
        0
    } else {
        sat(isqrt((a as u64) << 16) as i64)
    }
}

/// An `I16F16` from an f32: rounded to nearest (ties away from zero), saturated, NaN → 0.
///
/// s = v·2^16 is exact (a power-of-two scaling; subnormal products are below 2^−126, far
/// under half an LSB). From |s| ≥ 2^23 on s is already an integer and converts (saturating)
/// as it is. Below, i = trunc(s) and the fraction s − i are both exact, and i moves one
/// step away from zero when |s − i| ≥ 1/2. (The old `s + 0.5` rounded a second time: to even
/// for |s| ∈ [2^23, 2^24), so 255.99 gave one LSB too many, and up for s just below 1/2.)
///
/// ```
/// use fixed::types::I16F16;
/// use mcu_kernels::online::fixed::to_fixed;
///
/// assert_eq!(to_fixed(0.5), I16F16::from_bits(0x8000));
/// // Ties away from zero: ±1.5 LSB → ±2 LSB; 255.99 rounds to the nearest LSB (16776561).
/// assert_eq!(to_fixed(1.5 / 65536.0).to_bits(), 2);
/// assert_eq!(to_fixed(-1.5 / 65536.0).to_bits(), -2);
/// assert_eq!(to_fixed(255.99).to_bits(), (255.99f64 * 65536.0).round() as i32);
/// // Saturated, and NaN → 0.
/// assert_eq!(to_fixed(1e9), I16F16::MAX);
/// assert_eq!(to_fixed(f32::NEG_INFINITY), I16F16::MIN);
/// assert_eq!(to_fixed(f32::NAN), I16F16::ZERO);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn to_fixed(v: f32) -> I16F16 {
    const TWO_23: f32 = 8_388_608.0;
    let s = v * 65536.0;
    if s.is_nan() || s.abs() >= TWO_23 {
        // Integer, ±∞ (saturated by `as`) or NaN (→ 0).
        return I16F16::from_bits(s as i32);
    }
    // |s| < 2^23: i fits and converts back exactly; |i ± 1| < 2^23 cannot overflow.
    let i = s as i32;
    let frac = s - i as f32;
    let r = if frac >= 0.5 {
        i.wrapping_add(1)
    } else if frac <= -0.5 {
        i.wrapping_sub(1)
    } else {
        i
    };
    I16F16::from_bits(r)
}

/// The f32 value of an `I16F16`: exact for |v| < 256 (up to 24 significant bits), rounded to
/// nearest beyond (the raw `i32` is converted to f32 before the exact scaling by 2⁻¹⁶).
///
/// ```
/// use fixed::types::I16F16;
/// use mcu_kernels::online::fixed::{to_f32, to_fixed};
///
/// assert_eq!(to_f32(I16F16::from_bits(0x18000)), 1.5);
/// assert_eq!(to_f32(I16F16::MIN), -32768.0);
/// // Exact below 256: these survive the round trip through f32.
/// for bits in [1, -1, 0x00ff_ffff, -0x0012_3456] {
///     assert_eq!(to_fixed(to_f32(I16F16::from_bits(bits))).to_bits(), bits);
/// }
/// // Beyond, rounded to nearest f32: 32768 − 2^−16 becomes 32768.
/// assert_eq!(to_f32(I16F16::MAX), 32768.0);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn to_f32(v: I16F16) -> f32 {
    v.to_bits() as f32 * (1.0 / 65536.0)
}

/// σ(z) = 1/(1 + e^(−z)) in `I16F16` (in [0, 1]); see the module docs for the algorithm.
///
/// ```
/// use fixed::types::I16F16;
/// use mcu_kernels::online::fixed::sigmoid;
///
/// // Within 2 LSB (2 · 2^−16) of the f64 logistic function.
/// for z in [-6.0f64, -1.0, 0.0, 0.25, 3.0] {
///     let s = sigmoid(I16F16::from_num(z)).to_num::<f64>();
///     assert!((s - 1.0 / (1.0 + (-z).exp())).abs() <= 2.0 / 65536.0, "z = {z}");
/// }
/// // σ(−z) = 1 − σ(z) exactly, and |z| ≥ 32 saturates.
/// let z = I16F16::from_num(1.7);
/// assert_eq!(sigmoid(-z).to_bits(), 0x10000 - sigmoid(z).to_bits());
/// assert_eq!(sigmoid(I16F16::from_num(40)), I16F16::ONE);
/// assert_eq!(sigmoid(I16F16::MIN), I16F16::ZERO);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn sigmoid(z: I16F16) -> I16F16 {
    let zb = z.to_bits();
    let az = if zb == i32::MIN { i32::MAX } else { zb.abs() };
    let s_pos = if az >= 32 * ONE {
        ONE
    } else {
        // −|z| in Q5.26: |z| < 2^21 raw, × 2^10 < 2^31.
        let e = exp_on_negative_values_q5_26(-(az << 10));
        let s = one_over_one_plus_x_for_x_in_0_1(e);
        sat((i64::from(s) + (1 << 14)) >> 15)
    };
    I16F16::from_bits(if zb >= 0 { s_pos } else { ONE - s_pos })
}

/// A fixed-point update rule (the fixed-point counterpart of [`super::Rule`]).
///
/// # Example
///
/// ```
/// use fixed::types::I16F16;
/// use mcu_kernels::online::fixed::{FxRule, FxSgd};
///
/// // Saturating: a step that would leave the I16F16 range stops at its edge.
/// let mut w = [I16F16::from_num(32000)];
/// FxSgd::new(I16F16::from_num(4)).step(&mut w, &[I16F16::from_num(-1000)]);
/// assert_eq!(w, [I16F16::MAX]);
/// ```
pub trait FxRule<const D: usize>: Clone {
    /// Move `w` by the gradient `g`. Example: see the example on [`FxRule`].
    fn step(&mut self, w: &mut [I16F16; D], g: &[I16F16; D]);
}

/// Saturating SGD: w ← w − η·g. State: 4 bytes.
///
/// # Example
///
/// ```
/// use fixed::types::I16F16;
/// use mcu_kernels::online::fixed::{FxRule, FxSgd};
///
/// // w − η·g, exact here: 1 − 0.5·(0.25, −2) = (0.875, 2).
/// let mut w = [I16F16::ONE; 2];
/// let g = [I16F16::from_num(0.25), I16F16::from_num(-2)];
/// FxSgd::new(I16F16::from_num(0.5)).step(&mut w, &g);
/// assert_eq!(w, [I16F16::from_num(0.875), I16F16::from_num(2)]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FxSgd {
    /// Learning rate η.
    pub lr: I16F16,
}

impl FxSgd {
    /// SGD with learning rate `lr`. Example: see the example on [`FxSgd`].
    pub const fn new(lr: I16F16) -> Self {
        FxSgd { lr }
    }
}

impl<const D: usize> FxRule<D> for FxSgd {
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn step(&mut self, w: &mut [I16F16; D], g: &[I16F16; D]) {
        for (wi, gi) in w.iter_mut().zip(g) {
            let d = mul(self.lr.to_bits(), gi.to_bits());
            *wi = I16F16::from_bits(wi.to_bits().saturating_sub(d));
        }
    }
}

/// Saturating AdaGrad, River's form: G_i += g_i²; w_i −= η·g_i/√(G_i + ε). G saturates at
/// 32768 (after which the step stays at its smallest, η·g/181). ε ≥ 1 LSB. State: 4·D + 8 bytes.
///
/// # Example
///
/// ```
/// use fixed::types::I16F16;
/// use mcu_kernels::online::fixed::{FxAdaGrad, FxRule};
///
/// // First step: G = g², so w moves by η·g/√(g² + ε) ≈ η·sign(g) (to a few LSB).
/// let mut rule = FxAdaGrad::<2>::new(I16F16::from_num(0.1));
/// let mut w = [I16F16::ZERO; 2];
/// rule.step(&mut w, &[I16F16::from_num(3), I16F16::from_num(-0.5)]);
/// assert!((w[0].to_num::<f64>() + 0.1).abs() < 4.0 / 65536.0);
/// assert!((w[1].to_num::<f64>() - 0.1).abs() < 4.0 / 65536.0);
/// assert_eq!(rule.eps, I16F16::from_bits(1));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FxAdaGrad<const D: usize> {
    /// Learning rate η.
    pub lr: I16F16,
    /// ε (raw bits ≥ 1 are used).
    pub eps: I16F16,
    pub(super) g2: [I16F16; D],
}

impl<const D: usize> FxAdaGrad<D> {
    /// AdaGrad with step `lr` and ε = 1 LSB (2⁻¹⁶). Example: see the example on [`FxAdaGrad`].
    pub const fn new(lr: I16F16) -> Self {
        FxAdaGrad {
            lr,
            eps: I16F16::from_bits(1),
            g2: [I16F16::ZERO; D],
        }
    }
}

impl<const D: usize> FxRule<D> for FxAdaGrad<D> {
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn step(&mut self, w: &mut [I16F16; D], g: &[I16F16; D]) {
        let eps = if self.eps.to_bits() > 0 {
            self.eps.to_bits()
        } else {
            1
        };
        for ((wi, gi), g2) in w.iter_mut().zip(g).zip(self.g2.iter_mut()) {
            let gb = gi.to_bits();
            let acc = g2.to_bits().saturating_add(mul(gb, gb));
            *g2 = I16F16::from_bits(acc);
            let denom = sqrt_q16(acc.saturating_add(eps));
            let d = div(mul(self.lr.to_bits(), gb), denom);
            *wi = I16F16::from_bits(wi.to_bits().saturating_sub(d));
        }
    }
}

/// Fixed-point online logistic regression: P(y = 1 | x) = σ(wᵀx + b) with the semantics of
/// [`super::LogisticRegression`] (gradient (σ(p) − y)·x, intercept by plain SGD with
/// `intercept_lr`, then the rule). The dot product accumulates in `i64` and saturates once.
///
/// State: 4·D + 8 bytes plus the rule's; `FxLogisticRegression<9, FxAdaGrad<9>>` is 88 bytes
/// (tested). Cost (`cargo xtask bench`, rows `online::fixed::learn_one[…]` and
/// `online::fixed::predict_proba[…]`, D = 9, QEMU instructions per call): `learn_one` 741
/// with [`FxSgd`], 4,945 with [`FxAdaGrad`] on the M4F (M3 759 / 5,007, M0 2,609 / 11,140);
/// `predict_proba` 381 on the M4F (M3 380, M0 1,374).
///
/// # Example
///
/// ```
/// use fixed::types::I16F16;
/// use mcu_kernels::online::fixed::{to_fixed, FxAdaGrad, FxLogisticRegression};
///
/// // Label = x₀ > x₁, learned in fixed point; the mean log loss falls each pass.
/// let data = [
///     ([2.0f32, 0.5], true),
///     ([0.0, 1.0], false),
///     ([1.5, -1.0], true),
///     ([-1.0, 0.5], false),
/// ];
/// let fx = |x: [f32; 2]| x.map(to_fixed);
/// let mut model = FxLogisticRegression::<2, FxAdaGrad<2>>::new(FxAdaGrad::new(to_fixed(0.1)));
/// let mut last = f64::INFINITY;
/// for _pass in 0..4 {
///     let mut loss = 0.0;
///     for (x, y) in data {
///         let p = model.predict_proba(&fx(x)).to_num::<f64>();
///         assert!((0.0..=1.0).contains(&p));
///         loss += -(if y { p } else { 1.0 - p }).ln();
///         model.learn_one(&fx(x), y);
///     }
///     assert!(loss < last);
///     last = loss;
/// }
/// for (x, y) in data {
///     assert_eq!(model.predict(&fx(x)), y);
///     assert_eq!(model.predict(&fx(x)), model.predict_logit(&fx(x)) > I16F16::ZERO);
/// }
/// assert!(model.weights()[0] > I16F16::ZERO && model.weights()[1] < I16F16::ZERO);
/// assert_eq!(model.intercept_lr.to_bits(), 655); // 0.01
/// let _b: I16F16 = model.intercept();
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FxLogisticRegression<const D: usize, R: FxRule<D>> {
    pub(super) w: [I16F16; D],
    pub(super) b: I16F16,
    /// Intercept step (River: 0.01).
    pub intercept_lr: I16F16,
    /// The update rule.
    pub rule: R,
}

impl<const D: usize, R: FxRule<D>> FxLogisticRegression<D, R> {
    /// Zero weights, intercept step 0.01 (River's).
    /// Example: see the example on [`FxLogisticRegression`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn new(rule: R) -> Self {
        FxLogisticRegression {
            w: [I16F16::ZERO; D],
            b: I16F16::ZERO,
            intercept_lr: I16F16::from_bits(655),
            rule,
        }
    }
    /// The weights.
    /// Example: see the example on [`FxLogisticRegression`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn weights(&self) -> &[I16F16; D] {
        &self.w
    }
    /// The intercept.
    /// Example: see the example on [`FxLogisticRegression`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn intercept(&self) -> I16F16 {
        self.b
    }
    /// The logit wᵀx + b (saturated).
    ///
    /// ```
    /// use fixed::types::I16F16;
    /// use mcu_kernels::online::fixed::{FxLogisticRegression, FxSgd};
    ///
    /// let m = FxLogisticRegression::<2, FxSgd>::new(FxSgd::new(I16F16::from_num(0.5)));
    /// assert_eq!(m.predict_logit(&[I16F16::ONE; 2]), I16F16::ZERO);
    /// let mut m = m;
    /// m.learn_one(&[I16F16::from_num(2), I16F16::ZERO], true);
    /// // w₀ = −0.5·(0.5 − 1)·2 = 0.5, so the logit of (3, 0) is 1.5 + b.
    /// assert_eq!(m.weights()[0], I16F16::from_num(0.5));
    /// let logit = m.predict_logit(&[I16F16::from_num(3), I16F16::ZERO]);
    /// assert_eq!(logit, I16F16::from_num(1.5) + m.intercept());
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn predict_logit(&self, x: &[I16F16; D]) -> I16F16 {
        let mut acc: i64 = 0;
        for (wi, xi) in self.w.iter().zip(x) {
            // |product| ≤ 2^62 / 2^16 after the shift; D·2^46 fits i64 for D < 2^17.
            acc = acc.saturating_add((i64::from(wi.to_bits()) * i64::from(xi.to_bits())) >> 16);
        }
        I16F16::from_bits(sat(acc.saturating_add(i64::from(self.b.to_bits()))))
    }
    /// P(y = 1 | x).
    ///
    /// | stack, bytes (`cargo xtask bench`) | M0 | M3 | M4F | M7 | M33 | M55 |
    /// |---|---:|---:|---:|---:|---:|---:|
    /// | `online::fixed::predict_proba[FxSgd]` | 124 | 56 | 64 | 64 | 64 | 64 |
    /// | `online::fixed::predict_proba[FxAdaGrad]` | 124 | 56 | 64 | 64 | 64 | 64 |
    /// <!-- stack: online::fixed::predict_proba[*] -->
    ///
    /// ```
    /// use fixed::types::I16F16;
    /// use mcu_kernels::online::fixed::{FxLogisticRegression, FxSgd};
    ///
    /// let mut m = FxLogisticRegression::<1, FxSgd>::new(FxSgd::new(I16F16::from_num(1)));
    /// assert_eq!(m.predict_proba(&[I16F16::ONE]), I16F16::from_num(0.5)); // σ(0)
    /// m.learn_one(&[I16F16::ONE], true);
    /// // σ(logit) within 2 LSB of the f64 logistic function.
    /// let z = m.predict_logit(&[I16F16::ONE]).to_num::<f64>();
    /// let p = m.predict_proba(&[I16F16::ONE]).to_num::<f64>();
    /// assert!((p - 1.0 / (1.0 + (-z).exp())).abs() <= 2.0 / 65536.0);
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn predict_proba(&self, x: &[I16F16; D]) -> I16F16 {
        sigmoid(self.predict_logit(x))
    }
    /// The predicted class (logit > 0).
    ///
    /// ```
    /// use fixed::types::I16F16;
    /// use mcu_kernels::online::fixed::{FxLogisticRegression, FxSgd};
    ///
    /// let mut m = FxLogisticRegression::<1, FxSgd>::new(FxSgd::new(I16F16::from_num(1)));
    /// assert!(!m.predict(&[I16F16::ONE])); // logit 0 predicts false
    /// m.learn_one(&[I16F16::ONE], true);
    /// assert!(m.predict(&[I16F16::ONE]) && !m.predict(&[-I16F16::ONE]));
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn predict(&self, x: &[I16F16; D]) -> bool {
        self.predict_logit(x).to_bits() > 0
    }
    /// One step on (x, y). Total: every input is a valid `I16F16`, all arithmetic saturates.
    ///
    /// | stack, bytes (`cargo xtask bench`) | M0 | M3 | M4F | M7 | M33 | M55 |
    /// |---|---:|---:|---:|---:|---:|---:|
    /// | `online::fixed::learn_one[FxSgd]` | 252 | 144 | 144 | 144 | 144 | 144 |
    /// | `online::fixed::learn_one[FxAdaGrad]` | 344 | 224 | 224 | 224 | 224 | 224 |
    /// <!-- stack: online::fixed::learn_one[*] -->
    ///
    /// ```
    /// use fixed::types::I16F16;
    /// use mcu_kernels::online::fixed::{FxLogisticRegression, FxSgd};
    ///
    /// let mut m = FxLogisticRegression::<1, FxSgd>::new(FxSgd::new(I16F16::from_num(0.25)));
    /// let x = [I16F16::ONE];
    /// let p0 = m.predict_proba(&x);
    /// m.learn_one(&x, true);
    /// assert!(m.predict_proba(&x) > p0 && m.predict(&x));
    /// // Total: extreme inputs saturate instead of overflowing.
    /// m.learn_one(&[I16F16::MAX], false);
    /// m.learn_one(&[I16F16::MIN], true);
    /// assert!(m.predict_proba(&x) <= I16F16::ONE);
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn learn_one(&mut self, x: &[I16F16; D], y: bool) {
        let p = self.predict_proba(x).to_bits();
        let dloss = p - if y { ONE } else { 0 };
        let mut g = [I16F16::ZERO; D];
        for (gi, xi) in g.iter_mut().zip(x) {
            *gi = I16F16::from_bits(mul(dloss, xi.to_bits()));
        }
        let db = mul(self.intercept_lr.to_bits(), dloss);
        self.b = I16F16::from_bits(self.b.to_bits().saturating_sub(db));
        self.rule.step(&mut self.w, &g);
    }
}
