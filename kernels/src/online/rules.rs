//! Update rules: how a model's weights move after one example. One trait, [`Rule`], so that
//! any model takes any rule.
//!
//! Every rule keeps only per-coordinate arrays of length `D` plus a few scalars; its state size
//! is stated on the type. Learning-rate defaults follow River 0.26 where River has the rule.

use super::{all_finite, clip, norm2, sqrt, FiniteCheck, GRAD_LIMIT};
use crate::softmax::three_pass;

/// What a rule sees of one example, computed by the model at the current weights w.
///
/// For a linear model with raw score p = wᵀx + b and loss ℓ(p):
/// `grad` = ℓ'(p)·x + λ₂·w (clipped), `dloss` = ℓ'(p) (clipped), `loss` = ℓ(p) ≥ 0,
/// `curvature` = an upper bound on ℓ''(p) (2 for River's squared loss (p − y)², 1/4 for the
/// log loss, 1/2 per class for cross-entropy), `margin_loss` / `margin_dir` = the
/// passive-aggressive loss (hinge max(0, 1 − y·p) with y = ±1 for classifiers, ε-insensitive
/// max(0, |p − y| − ε) for regression) and its derivative with respect to p.
///
/// # Example
///
/// ```
/// use mcu_kernels::online::{Example, Rule, Sgd};
///
/// // A rule can be driven by hand: squared loss (p − y)² of p = wᵀx at w = 0 for x = (1, 2),
/// // y = 1: ℓ'(p) = 2(p − y) = −2, g = ℓ'(p)·x = (−2, −4).
/// let x = [1.0f32, 2.0];
/// let ex = Example {
///     x: &x,
///     grad: &[-2.0, -4.0],
///     dloss: -2.0,
///     loss: 1.0,
///     curvature: 2.0,
///     margin_loss: 0.0,
///     margin_dir: 0.0,
/// };
/// let mut w = [0.0f32; 2];
/// Sgd::new(0.1).step(&mut w, &ex);
/// assert_eq!(w, [0.2, 0.4]); // w − 0.1·g
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Example<'a, const D: usize> {
    /// The features x.
    pub x: &'a [f32; D],
    /// The weight gradient g = ℓ'(p)·x + λ₂·w.
    pub grad: &'a [f32; D],
    /// ℓ'(p).
    pub dloss: f32,
    /// ℓ(p) ≥ 0.
    pub loss: f32,
    /// An upper bound on ℓ''(p).
    pub curvature: f32,
    /// The passive-aggressive loss at p.
    pub margin_loss: f32,
    /// Its derivative with respect to p (0 where the loss is 0).
    pub margin_dir: f32,
}

/// An online update rule for a weight vector of `D` coordinates.
///
/// # Example
///
/// ```
/// use mcu_kernels::online::{Example, LinearRegression, Rule};
///
/// // A user-defined rule: sign SGD, w ← w − η·sign(g). Any model takes it.
/// #[derive(Clone)]
/// struct SignSgd(f32);
/// impl<const D: usize> Rule<D> for SignSgd {
///     fn step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) {
///         for (wi, gi) in w.iter_mut().zip(ex.grad) {
///             *wi -= self.0 * gi.signum();
///         }
///     }
///     fn is_finite(&self) -> bool {
///         self.0.is_finite()
///     }
/// }
/// let mut model = LinearRegression::<2, SignSgd>::new(SignSgd(0.25));
/// model.learn_one(&[1.0, -3.0], 2.0)?; // p = 0 < y: g = 2(p − y)·x = (−4, 12)
/// assert_eq!(model.weights(), &[0.25, -0.25]);
/// assert!(Rule::<2>::is_finite(&model.rule));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
pub trait Rule<const D: usize>: Clone {
    /// Move `w` after one example. Example: see the example on [`Rule`] (and on each rule).
    fn step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>);
    /// Is every state value finite? (Models undo an update that breaks this.) Example: see
    /// the example on [`Rule`].
    fn is_finite(&self) -> bool;
    /// All or nothing: if the [`Rule::step`] on `w` would leave every value of `w` and of the
    /// rule finite ([`Rule::is_finite`]), take it and return `true`; otherwise leave `self` and
    /// `w` bit-identical and return `false`. This is what the models call.
    ///
    /// The default keeps a copy of the rule and of `w`, runs `step` and puts the copy back if
    /// the result is not finite (stack: the rule's state plus 4·D bytes). The crate's rules override it without
    /// a copy: they compute the new values into locals, check them (with an FPU one running sum:
    /// a finite sum of the new values proves each finite; without one, their exponent bits) and
    /// then write them, with the same bits as `step`.
    ///
    /// ```
    /// use mcu_kernels::online::{Example, Rule, Sgd};
    ///
    /// let g = [1e38f32, 0.0];
    /// let ex = Example {
    ///     x: &[1.0, 1.0],
    ///     grad: &g,
    ///     dloss: 1.0,
    ///     loss: 1.0,
    ///     curvature: 0.25,
    ///     margin_loss: 0.0,
    ///     margin_dir: 0.0,
    /// };
    /// // w₀ − 10·1e38 overflows: refused, w untouched.
    /// let mut w = [1.0f32, 2.0];
    /// assert!(!Sgd::new(10.0).try_step(&mut w, &ex));
    /// assert_eq!(w, [1.0, 2.0]);
    /// // A finite step is the same as `step`.
    /// let mut w2 = w;
    /// assert!(Sgd::new(1e-38).try_step(&mut w, &ex));
    /// Sgd::new(1e-38).step(&mut w2, &ex);
    /// assert_eq!(w, w2);
    /// ```
    #[inline]
    fn try_step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) -> bool {
        let (rule, old_w) = (self.clone(), *w);
        self.step(w, ex);
        if self.is_finite() && all_finite(w) {
            true
        } else {
            *self = rule;
            *w = old_w;
            false
        }
    }
}

/// The weights w − s·v_i into `w` if every one is finite (and `keep` holds); otherwise `w`
/// unchanged and `false`. The check-then-commit core of the rules whose only state is w.
#[inline]
fn try_axpy<const D: usize>(w: &mut [f32; D], s: f32, v: &[f32; D], keep: bool) -> bool {
    let mut new_w = [0.0f32; D];
    let mut check = FiniteCheck::new();
    for ((n, wi), vi) in new_w.iter_mut().zip(w.iter()).zip(v) {
        *n = wi - s * vi;
        check.add(*n);
    }
    if keep && check.all_finite(&[&new_w]) {
        *w = new_w;
        true
    } else {
        false
    }
}

macro_rules! impl_default_new {
    ($t:ident) => {
        impl<const D: usize> Default for $t<D> {
            fn default() -> Self {
                Self::river()
            }
        }
    };
}

/// Plain stochastic gradient descent: w ← w − η·g.
///
/// State: 4 bytes. River's `optim.SGD(lr)` (its default lr 0.01; the Phishing figures use 0.1).
///
/// # Example
///
/// ```
/// use mcu_kernels::online::{Example, Rule, Sgd};
///
/// let g = [0.5f32, -1.0];
/// let ex = Example {
///     x: &[1.0, 1.0],
///     grad: &g,
///     dloss: 1.0,
///     loss: 1.0,
///     curvature: 0.25,
///     margin_loss: 0.0,
///     margin_dir: 0.0,
/// };
/// let mut w = [1.0f32, 2.0];
/// let mut rule = Sgd::new(0.1);
/// rule.step(&mut w, &ex);
/// assert_eq!(w, [0.95, 2.1]); // w − 0.1·g
/// assert_eq!(Sgd::default().lr, 0.01); // River's default
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sgd {
    /// Learning rate η.
    pub lr: f32,
}

impl Sgd {
    /// SGD with learning rate `lr`. Example: see the example on [`Sgd`].
    pub const fn new(lr: f32) -> Self {
        Sgd { lr }
    }
}

impl Default for Sgd {
    /// River's default, η = 0.01.
    fn default() -> Self {
        Sgd::new(0.01)
    }
}

impl<const D: usize> Rule<D> for Sgd {
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) {
        for (wi, gi) in w.iter_mut().zip(ex.grad) {
            *wi -= self.lr * gi;
        }
    }
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn is_finite(&self) -> bool {
        self.lr.is_finite()
    }
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    #[inline]
    fn try_step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) -> bool {
        try_axpy(w, self.lr, ex.grad, self.lr.is_finite())
    }
}

/// Diagonal AdaGrad: G_i += g_i²; w_i −= η·g_i / (√G_i + ε) (Duchi et al.), or with
/// `eps_inside_root` (River's `optim.AdaGrad`): w_i −= η·g_i / √(G_i + ε).
///
/// Defaults ([`AdaGrad::river`]): η = 0.1, ε = 1e−8, ε inside the root.
/// State: 4·D + 12 bytes (G plus η, ε, flag).
///
/// # Example
///
/// ```
/// use mcu_kernels::online::{AdaGrad, Example, Rule};
///
/// // First step: G = g², so w moves by η·g/√(g² + ε) ≈ η·sign(g) whatever |g|.
/// let g = [0.02f32, -300.0];
/// let ex = Example {
///     x: &[1.0, 1.0],
///     grad: &g,
///     dloss: 1.0,
///     loss: 1.0,
///     curvature: 0.25,
///     margin_loss: 0.0,
///     margin_dir: 0.0,
/// };
/// let mut rule = AdaGrad::<2>::river();
/// let mut w = [0.0f32; 2];
/// rule.step(&mut w, &ex);
/// assert!((w[0] + 0.1).abs() < 1e-5 && (w[1] - 0.1).abs() < 1e-6);
/// assert_eq!(rule.sum_squares(), &[0.02 * 0.02, 90_000.0]);
/// // The second identical step is smaller: η·g/√(2g²) = η/√2.
/// rule.step(&mut w, &ex);
/// assert!((w[1] - 0.1 * (1.0 + core::f32::consts::FRAC_1_SQRT_2)).abs() < 1e-6);
/// // Duchi's placement of ε.
/// let paper = AdaGrad::<2>::new(0.1, 1e-8, false);
/// assert!(!paper.eps_inside_root);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AdaGrad<const D: usize> {
    /// Learning rate η.
    pub lr: f32,
    /// ε > 0.
    pub eps: f32,
    /// River's placement of ε (inside the square root).
    pub eps_inside_root: bool,
    pub(super) g2: [f32; D],
}

impl<const D: usize> AdaGrad<D> {
    /// AdaGrad with the given step, ε and ε placement. Example: see the example on [`AdaGrad`].
    pub const fn new(lr: f32, eps: f32, eps_inside_root: bool) -> Self {
        AdaGrad {
            lr,
            eps,
            eps_inside_root,
            g2: [0.0; D],
        }
    }
    /// River's `optim.AdaGrad()`: η = 0.1, ε = 1e−8 inside the root.
    /// Example: see the example on [`AdaGrad`].
    pub const fn river() -> Self {
        Self::new(0.1, 1e-8, true)
    }
    /// The accumulated squared gradients G. Example: see the example on [`AdaGrad`].
    pub const fn sum_squares(&self) -> &[f32; D] {
        &self.g2
    }
}
impl_default_new!(AdaGrad);

impl<const D: usize> Rule<D> for AdaGrad<D> {
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) {
        let eps = if self.eps > 0.0 {
            self.eps
        } else {
            f32::MIN_POSITIVE
        };
        for ((wi, gi), g2) in w.iter_mut().zip(ex.grad).zip(self.g2.iter_mut()) {
            *g2 += gi * gi;
            let denom = if self.eps_inside_root {
                sqrt(*g2 + eps)
            } else {
                sqrt(*g2) + eps
            };
            *wi -= self.lr * gi / denom;
        }
    }
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn is_finite(&self) -> bool {
        all_finite(&self.g2)
    }
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    #[inline]
    fn try_step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) -> bool {
        let eps = if self.eps > 0.0 {
            self.eps
        } else {
            f32::MIN_POSITIVE
        };
        let mut new_w = [0.0f32; D];
        let mut new_g2 = [0.0f32; D];
        let mut check = FiniteCheck::new();
        for (((nw, ng), (wi, gi)), g2) in new_w
            .iter_mut()
            .zip(new_g2.iter_mut())
            .zip(w.iter().zip(ex.grad))
            .zip(self.g2.iter())
        {
            let g2 = g2 + gi * gi;
            let denom = if self.eps_inside_root {
                sqrt(g2 + eps)
            } else {
                sqrt(g2) + eps
            };
            *nw = wi - self.lr * gi / denom;
            *ng = g2;
            check.add(*nw);
            check.add(g2);
        }
        if check.all_finite(&[&new_w, &new_g2]) {
            *w = new_w;
            self.g2 = new_g2;
            true
        } else {
            false
        }
    }
}

/// Adam (Kingma & Ba): m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²; with t the step count,
/// the paper's form w −= η·m̂/(√v̂ + ε), m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ); or River's form
/// (`river_eps`) w −= η·√(1−β₂ᵗ)/(1−β₁ᵗ)·m/(√v + ε), where ε is not bias-corrected.
///
/// Defaults ([`Adam::river`]): η = 0.1 (River's default, not the paper's 0.001), β₁ = 0.9,
/// β₂ = 0.999, ε = 1e−8, River's ε. State: 8·D + 28 bytes.
///
/// # Example
///
/// ```
/// use mcu_kernels::online::{Adam, Example, Rule};
///
/// // Bias correction makes the first step η·sign(g) in both ε placements.
/// let g = [4.0f32, -0.5];
/// let ex = Example {
///     x: &[1.0, 1.0],
///     grad: &g,
///     dloss: 1.0,
///     loss: 1.0,
///     curvature: 0.25,
///     margin_loss: 0.0,
///     margin_dir: 0.0,
/// };
/// for mut rule in [Adam::<2>::river(), Adam::<2>::new(0.1, 0.9, 0.999, 1e-8, false)] {
///     let mut w = [0.0f32; 2];
///     rule.step(&mut w, &ex);
///     assert!((w[0] + 0.1).abs() < 1e-5 && (w[1] - 0.1).abs() < 1e-5, "{w:?}");
///     assert!(rule.is_finite());
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Adam<const D: usize> {
    /// Learning rate η.
    pub lr: f32,
    /// β₁.
    pub beta1: f32,
    /// β₂.
    pub beta2: f32,
    /// ε > 0.
    pub eps: f32,
    /// River's ε placement (not bias-corrected).
    pub river_eps: bool,
    pub(super) b1t: f32,
    pub(super) b2t: f32,
    pub(super) m: [f32; D],
    pub(super) v: [f32; D],
}

impl<const D: usize> Adam<D> {
    /// Adam with the given parameters.
    /// Example: see the example on [`Adam`].
    pub const fn new(lr: f32, beta1: f32, beta2: f32, eps: f32, river_eps: bool) -> Self {
        Adam {
            lr,
            beta1,
            beta2,
            eps,
            river_eps,
            b1t: 1.0,
            b2t: 1.0,
            m: [0.0; D],
            v: [0.0; D],
        }
    }
    /// River's `optim.Adam()`: η = 0.1, β₁ = 0.9, β₂ = 0.999, ε = 1e−8 (not bias-corrected).
    /// Example: see the example on [`Adam`].
    pub const fn river() -> Self {
        Self::new(0.1, 0.9, 0.999, 1e-8, true)
    }
}
impl_default_new!(Adam);

impl<const D: usize> Rule<D> for Adam<D> {
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) {
        self.b1t *= self.beta1;
        self.b2t *= self.beta2;
        let c1 = 1.0 - self.b1t;
        let c2 = 1.0 - self.b2t;
        // Guard the bias corrections (β = 1 would make them 0).
        let c1 = if c1 > 0.0 { c1 } else { 1.0 };
        let c2 = if c2 > 0.0 { c2 } else { 1.0 };
        let eps = if self.eps > 0.0 {
            self.eps
        } else {
            f32::MIN_POSITIVE
        };
        let lr_river = self.lr * sqrt(c2) / c1;
        for ((wi, gi), (m, v)) in w
            .iter_mut()
            .zip(ex.grad)
            .zip(self.m.iter_mut().zip(self.v.iter_mut()))
        {
            *m = self.beta1 * *m + (1.0 - self.beta1) * gi;
            *v = self.beta2 * *v + (1.0 - self.beta2) * gi * gi;
            if self.river_eps {
                *wi -= lr_river * *m / (sqrt(*v) + eps);
            } else {
                *wi -= self.lr * (*m / c1) / (sqrt(*v / c2) + eps);
            }
        }
    }
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn is_finite(&self) -> bool {
        all_finite(&self.m) && all_finite(&self.v)
    }
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    #[inline]
    fn try_step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) -> bool {
        // `step`'s arithmetic, into locals first.
        let b1t = self.b1t * self.beta1;
        let b2t = self.b2t * self.beta2;
        let c1 = 1.0 - b1t;
        let c2 = 1.0 - b2t;
        let c1 = if c1 > 0.0 { c1 } else { 1.0 };
        let c2 = if c2 > 0.0 { c2 } else { 1.0 };
        let eps = if self.eps > 0.0 {
            self.eps
        } else {
            f32::MIN_POSITIVE
        };
        let lr_river = self.lr * sqrt(c2) / c1;
        let mut new_w = [0.0f32; D];
        let mut new_m = [0.0f32; D];
        let mut new_v = [0.0f32; D];
        let mut check = FiniteCheck::new();
        for (((nw, (nm, nv)), (wi, gi)), (m, v)) in new_w
            .iter_mut()
            .zip(new_m.iter_mut().zip(new_v.iter_mut()))
            .zip(w.iter().zip(ex.grad))
            .zip(self.m.iter().zip(self.v.iter()))
        {
            let m = self.beta1 * m + (1.0 - self.beta1) * gi;
            let v = self.beta2 * v + (1.0 - self.beta2) * gi * gi;
            *nw = if self.river_eps {
                wi - lr_river * m / (sqrt(v) + eps)
            } else {
                wi - self.lr * (m / c1) / (sqrt(v / c2) + eps)
            };
            *nm = m;
            *nv = v;
            check.add(*nw);
            check.add(m);
            check.add(v);
        }
        if check.all_finite(&[&new_w, &new_m, &new_v]) {
            self.b1t = b1t;
            self.b2t = b2t;
            *w = new_w;
            self.m = new_m;
            self.v = new_v;
            true
        } else {
            false
        }
    }
}

/// AdaMax (Kingma & Ba, infinity-norm Adam): m = β₁m + (1−β₁)g; u = max(β₂u, |g|);
/// w −= η/(1−β₁ᵗ)·m/(u + ε). No square root.
///
/// Defaults ([`AdaMax::river`], River's `optim.AdaMax()`): η = 0.1, β₁ = 0.9, β₂ = 0.999,
/// ε = 1e−8. State: 8·D + 20 bytes.
///
/// # Example
///
/// ```
/// use mcu_kernels::online::{AdaMax, Example, Rule};
///
/// // First step: m = (1 − β₁)g, u = |g|, η/(1 − β₁)·m/u = η·sign(g).
/// let g = [3.0f32, -0.25];
/// let ex = Example {
///     x: &[1.0, 1.0],
///     grad: &g,
///     dloss: 1.0,
///     loss: 1.0,
///     curvature: 0.25,
///     margin_loss: 0.0,
///     margin_dir: 0.0,
/// };
/// let mut rule = AdaMax::<2>::river();
/// let mut w = [0.0f32; 2];
/// rule.step(&mut w, &ex);
/// assert!((w[0] + 0.1).abs() < 1e-6 && (w[1] - 0.1).abs() < 1e-6);
/// assert_eq!(AdaMax::<2>::new(0.1, 0.9, 0.999, 1e-8), AdaMax::<2>::river());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AdaMax<const D: usize> {
    /// Learning rate η.
    pub lr: f32,
    /// β₁.
    pub beta1: f32,
    /// β₂.
    pub beta2: f32,
    /// ε > 0.
    pub eps: f32,
    pub(super) b1t: f32,
    pub(super) m: [f32; D],
    pub(super) u: [f32; D],
}

impl<const D: usize> AdaMax<D> {
    /// AdaMax with the given parameters. Example: see the example on [`AdaMax`].
    pub const fn new(lr: f32, beta1: f32, beta2: f32, eps: f32) -> Self {
        AdaMax {
            lr,
            beta1,
            beta2,
            eps,
            b1t: 1.0,
            m: [0.0; D],
            u: [0.0; D],
        }
    }
    /// River's defaults: η = 0.1, β₁ = 0.9, β₂ = 0.999, ε = 1e−8.
    /// Example: see the example on [`AdaMax`].
    pub const fn river() -> Self {
        Self::new(0.1, 0.9, 0.999, 1e-8)
    }
}
impl_default_new!(AdaMax);

impl<const D: usize> Rule<D> for AdaMax<D> {
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) {
        self.b1t *= self.beta1;
        let c1 = 1.0 - self.b1t;
        let c1 = if c1 > 0.0 { c1 } else { 1.0 };
        let eps = if self.eps > 0.0 {
            self.eps
        } else {
            f32::MIN_POSITIVE
        };
        let lr = self.lr / c1;
        for ((wi, gi), (m, u)) in w
            .iter_mut()
            .zip(ex.grad)
            .zip(self.m.iter_mut().zip(self.u.iter_mut()))
        {
            *m = self.beta1 * *m + (1.0 - self.beta1) * gi;
            let a = self.beta2 * *u;
            let b = if *gi < 0.0 { -*gi } else { *gi };
            *u = if a > b { a } else { b };
            *wi -= lr * *m / (*u + eps);
        }
    }
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn is_finite(&self) -> bool {
        all_finite(&self.m) && all_finite(&self.u)
    }
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    #[inline]
    fn try_step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) -> bool {
        // `step`'s arithmetic, into locals first.
        let b1t = self.b1t * self.beta1;
        let c1 = 1.0 - b1t;
        let c1 = if c1 > 0.0 { c1 } else { 1.0 };
        let eps = if self.eps > 0.0 {
            self.eps
        } else {
            f32::MIN_POSITIVE
        };
        let lr = self.lr / c1;
        let mut new_w = [0.0f32; D];
        let mut new_m = [0.0f32; D];
        let mut new_u = [0.0f32; D];
        let mut check = FiniteCheck::new();
        for (((nw, (nm, nu)), (wi, gi)), (m, u)) in new_w
            .iter_mut()
            .zip(new_m.iter_mut().zip(new_u.iter_mut()))
            .zip(w.iter().zip(ex.grad))
            .zip(self.m.iter().zip(self.u.iter()))
        {
            let m = self.beta1 * m + (1.0 - self.beta1) * gi;
            let a = self.beta2 * u;
            let b = if *gi < 0.0 { -*gi } else { *gi };
            let u = if a > b { a } else { b };
            *nw = wi - lr * m / (u + eps);
            *nm = m;
            *nu = u;
            check.add(*nw);
            check.add(m);
            check.add(u);
        }
        if check.all_finite(&[&new_w, &new_m, &new_u]) {
            self.b1t = b1t;
            *w = new_w;
            self.m = new_m;
            self.u = new_u;
            true
        } else {
            false
        }
    }
}

/// FTRL-Proximal (McMahan et al. 2013), per coordinate:
/// σ = (√(n + g²) − √n)/α; z += g − σ·w; n += g²;
/// w = 0 if |z| ≤ λ₁, else −(z − sign(z)·λ₁) / ((β + √n)/α + λ₂).
///
/// Two orders ([`Ftrl::river_order`]):
/// * VW / paper order (`river_order = false`): update (z, n) with the current w, then compute w
///   from the new (z, n).
/// * River order (`true`, River's `optim.FTRLProximal`): first compute w from the previous
///   (z, n), then update (z, n) with that w. The weights lag one step behind VW's; also, as in
///   River, a coordinate with |z| ≤ λ₁ keeps its old weight instead of being set to 0.
///
/// Defaults ([`Ftrl::river`]): α = 0.05, β = 1, λ₁ = 0, λ₂ = 1, River order (VW's defaults are
/// α = 0.005, β = 0.1). State: 8·D + 20 bytes.
///
/// # Example
///
/// ```
/// use mcu_kernels::online::{Example, Ftrl, Rule};
///
/// let g = [1.0f32, -1.0];
/// let ex = Example {
///     x: &[1.0, 1.0],
///     grad: &g,
///     dloss: 1.0,
///     loss: 1.0,
///     curvature: 0.25,
///     margin_loss: 0.0,
///     margin_dir: 0.0,
/// };
/// // VW order from w = 0: n = g², z = g, w = −z/((β + |g|)/α) = ∓0.005/1.1.
/// let mut vw = Ftrl::<2>::vw();
/// let mut w = [0.0f32; 2];
/// vw.step(&mut w, &ex);
/// assert!((w[0] + 0.005 / 1.1).abs() < 1e-9 && (w[1] - 0.005 / 1.1).abs() < 1e-9);
/// // River order: the weights lag one step (the first step computes w from z = n = 0).
/// let mut river = Ftrl::<2>::river();
/// let mut w = [0.0f32; 2];
/// river.step(&mut w, &ex);
/// assert_eq!(w, [0.0, 0.0]);
/// river.step(&mut w, &ex);
/// assert!(w[0] < 0.0 && w[1] > 0.0);
/// // L1 gives exact zeros: from w = 0, z = g and |z| = 1 ≤ λ₁ = 2 ...
/// let mut sparse = Ftrl::<2>::new(0.1, 1.0, 2.0, 0.0, false);
/// let mut w = [0.0f32; 2];
/// sparse.step(&mut w, &ex);
/// assert_eq!(w, [0.0, 0.0]);
/// // ... while λ₁ = 0.5 < |z| shrinks z by λ₁: w = −(z − 0.5)/((β + 1)/α) = −0.025.
/// let mut shrunk = Ftrl::<2>::new(0.1, 1.0, 0.5, 0.0, false);
/// shrunk.step(&mut w, &ex);
/// assert!((w[0] + 0.025).abs() < 1e-9 && (w[1] - 0.025).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Ftrl<const D: usize> {
    /// α > 0 (learning rate).
    pub alpha: f32,
    /// β ≥ 0.
    pub beta: f32,
    /// λ₁ ≥ 0.
    pub l1: f32,
    /// λ₂ ≥ 0.
    pub l2: f32,
    /// River's update order.
    pub river_order: bool,
    pub(super) z: [f32; D],
    pub(super) n: [f32; D],
}

impl<const D: usize> Ftrl<D> {
    /// FTRL-Proximal with the given parameters.
    /// Example: see the example on [`Ftrl`].
    pub const fn new(alpha: f32, beta: f32, l1: f32, l2: f32, river_order: bool) -> Self {
        Ftrl {
            alpha,
            beta,
            l1,
            l2,
            river_order,
            z: [0.0; D],
            n: [0.0; D],
        }
    }
    /// River's `optim.FTRLProximal()`: α = 0.05, β = 1, λ₁ = 0, λ₂ = 1, River order.
    /// Example: see the example on [`Ftrl`].
    pub const fn river() -> Self {
        Self::new(0.05, 1.0, 0.0, 1.0, true)
    }
    /// Vowpal Wabbit's defaults: α = 0.005, β = 0.1, λ₁ = λ₂ = 0, paper order.
    /// Example: see the example on [`Ftrl`].
    pub const fn vw() -> Self {
        Self::new(0.005, 0.1, 0.0, 0.0, false)
    }

    /// w_i from (z_i, n_i); `None` where |z| ≤ λ₁.
    #[inline]
    fn weight(&self, z: f32, n: f32) -> Option<f32> {
        self.weight_root(z, sqrt(n))
    }

    /// [`Ftrl::weight`] given √n_i (shared with σ's square roots in `try_step`).
    #[inline]
    fn weight_root(&self, z: f32, root_n: f32) -> Option<f32> {
        let az = if z < 0.0 { -z } else { z };
        if az > self.l1 {
            let alpha = if self.alpha > 0.0 {
                self.alpha
            } else {
                f32::MIN_POSITIVE
            };
            let shrunk = if z < 0.0 { z + self.l1 } else { z - self.l1 };
            let denom = (self.beta + root_n) / alpha + self.l2;
            if denom > 0.0 {
                Some(-shrunk / denom)
            } else {
                Some(0.0)
            }
        } else {
            None
        }
    }
}
impl_default_new!(Ftrl);

impl<const D: usize> Rule<D> for Ftrl<D> {
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) {
        let alpha = if self.alpha > 0.0 {
            self.alpha
        } else {
            f32::MIN_POSITIVE
        };
        if self.river_order {
            for (wi, (z, n)) in w.iter_mut().zip(self.z.iter().zip(self.n.iter())) {
                if let Some(v) = self.weight(*z, *n) {
                    *wi = v;
                }
            }
        }
        for (wi, (gi, (z, n))) in w
            .iter()
            .zip(ex.grad.iter().zip(self.z.iter_mut().zip(self.n.iter_mut())))
        {
            let n_new = *n + gi * gi;
            let sigma = (sqrt(n_new) - sqrt(*n)) / alpha;
            *z += gi - sigma * wi;
            *n = n_new;
        }
        if !self.river_order {
            for (wi, (z, n)) in w.iter_mut().zip(self.z.iter().zip(self.n.iter())) {
                *wi = self.weight(*z, *n).unwrap_or(0.0);
            }
        }
    }
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn is_finite(&self) -> bool {
        all_finite(&self.z) && all_finite(&self.n)
    }
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    #[inline]
    fn try_step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) -> bool {
        // `step`'s three passes are independent per coordinate: one pass, into locals.
        let alpha = if self.alpha > 0.0 {
            self.alpha
        } else {
            f32::MIN_POSITIVE
        };
        let mut new_w = [0.0f32; D];
        let mut new_z = [0.0f32; D];
        let mut new_n = [0.0f32; D];
        let mut check = FiniteCheck::new();
        for (((nw, (nz, nn)), (wi, gi)), (z, n)) in new_w
            .iter_mut()
            .zip(new_z.iter_mut().zip(new_n.iter_mut()))
            .zip(w.iter().zip(ex.grad))
            .zip(self.z.iter().zip(self.n.iter()))
        {
            // Two square roots per coordinate: √n and √n_new serve both σ and the weight.
            let root = sqrt(*n);
            let wi = if self.river_order {
                self.weight_root(*z, root).unwrap_or(*wi)
            } else {
                *wi
            };
            let n_new = n + gi * gi;
            let root_new = sqrt(n_new);
            let sigma = (root_new - root) / alpha;
            let z_new = z + (gi - sigma * wi);
            *nw = if self.river_order {
                wi
            } else {
                self.weight_root(z_new, root_new).unwrap_or(0.0)
            };
            *nz = z_new;
            *nn = n_new;
            check.add(*nw);
            check.add(z_new);
            check.add(n_new);
        }
        if check.all_finite(&[&new_w, &new_z, &new_n]) {
            *w = new_w;
            self.z = new_z;
            self.n = new_n;
            true
        } else {
            false
        }
    }
}

/// Optimistic online gradient descent with the last-gradient hint M_{t+1} = g_t, two-step form
/// with projection Π onto the Euclidean ball of radius `diameter`/2:
/// y_{t+1} = Π(y_t − η_t g_t); x_{t+1} = Π(y_{t+1} − η_t M_{t+1}), adaptive step
/// η_t = D / √(δ + Σ_{s≤t} ‖g_s − M_s‖²) (Rakhlin & Sridharan; Chiang et al.; the SEA-model
/// analysis of optimistic OMD). With `optimistic = false` the hint is 0: plain projected OGD with
/// the AdaGrad-norm step D/√(δ + Σ‖g_s‖²).
///
/// Regret on convex losses: O(D·√(δ + Σ‖g_t − g_{t−1}‖²)) — small when gradients vary slowly.
/// Defaults ([`OptimisticOgd::default`]): D = 20, δ = 1, optimistic. State: 8·D + 16 bytes.
///
/// # Example
///
/// ```
/// use mcu_kernels::online::{Example, OptimisticOgd, Rule};
///
/// // Diameter 2: the iterate stays in the ball of radius 1 however large the gradients.
/// let mut rule = OptimisticOgd::<2>::new(2.0, 1.0, true);
/// let mut w = [0.0f32; 2];
/// let (g1, g2) = ([30.0f32, -40.0], [10.0f32, 0.0]);
/// for g in [&g1, &g2] {
///     let ex = Example {
///         x: &[1.0, 1.0],
///         grad: g,
///         dloss: 1.0,
///         loss: 1.0,
///         curvature: 0.25,
///         margin_loss: 0.0,
///         margin_dir: 0.0,
///     };
///     rule.step(&mut w, &ex);
///     assert!(w[0].hypot(w[1]) <= 1.0 + 1e-6);
/// }
/// // Σ‖g_t − M_t‖² with hints M_1 = 0, M_2 = g_1: 2500 + (20² + 40²) = 4500.
/// assert_eq!(rule.deviation(), 4500.0);
/// assert_eq!(OptimisticOgd::<2>::default(), OptimisticOgd::<2>::new(20.0, 1.0, true));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OptimisticOgd<const D: usize> {
    /// Diameter D of the feasible ball (radius D/2); also the step scale.
    pub diameter: f32,
    /// δ > 0 in the step denominator.
    pub delta: f32,
    /// Use the last-gradient hint.
    pub optimistic: bool,
    pub(super) acc: f32,
    pub(super) y: [f32; D],
    pub(super) hint: [f32; D],
}

impl<const D: usize> OptimisticOgd<D> {
    /// A rule with the given diameter, δ and hint switch.
    /// Example: see the example on [`OptimisticOgd`].
    pub const fn new(diameter: f32, delta: f32, optimistic: bool) -> Self {
        OptimisticOgd {
            diameter,
            delta,
            optimistic,
            acc: 0.0,
            y: [0.0; D],
            hint: [0.0; D],
        }
    }
    /// Σ‖g_s − M_s‖² so far. Example: see the example on [`OptimisticOgd`].
    pub const fn deviation(&self) -> f32 {
        self.acc
    }
}

impl<const D: usize> Default for OptimisticOgd<D> {
    fn default() -> Self {
        Self::new(20.0, 1.0, true)
    }
}

/// Project `v` onto the ball of radius `r` (in place). Inlined into its callers, so that a
/// kernel inlined into a caller in another codegen unit makes no call that may unwind.
#[inline]
fn project_ball(v: &mut [f32], r: f32) {
    let nrm = sqrt(norm2(v));
    if nrm > r && nrm.is_finite() {
        let s = r / nrm;
        for a in v.iter_mut() {
            *a *= s;
        }
    } else if !nrm.is_finite() {
        project_ball_overflowed(v, r);
    }
}

/// [`project_ball`] when ‖v‖² overflowed (so v is far outside the ball): divide by the largest
/// magnitude first, which keeps the direction and gives a norm in [1, √D], then scale onto
/// the sphere of radius r. (Projecting the divided vector instead left it inside the ball at
/// norm ≈ 1 whatever r was.) Out of line: the rare path must not slow the common one.
///
/// An `extern "C"` function only so that it is `nounwind` (a Rust panic cannot cross that
/// ABI), which lets the no-panic proofs of its callers see that the call cannot unwind
/// whichever codegen unit it lands in; it is never called from C. It cannot panic either
/// (iterators and float arithmetic) and carries the proof's mark itself.
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[cold]
#[inline(never)]
#[allow(improper_ctypes_definitions)]
extern "C" fn project_ball_overflowed(v: &mut [f32], r: f32) {
    let mut m = 0.0f32;
    for a in v.iter() {
        let b = if *a < 0.0 { -*a } else { *a };
        m = if b > m { b } else { m };
    }
    if m > 0.0 && m.is_finite() {
        for a in v.iter_mut() {
            *a /= m;
        }
        let n = sqrt(norm2(v));
        if n > 0.0 && n.is_finite() {
            let s = r / n;
            for a in v.iter_mut() {
                *a *= s;
            }
        }
    }
}

impl<const D: usize> Rule<D> for OptimisticOgd<D> {
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) {
        let mut dev = 0.0f32;
        for (gi, mi) in ex.grad.iter().zip(self.hint.iter()) {
            let d = gi - mi;
            dev += d * d;
        }
        self.acc += dev;
        let delta = if self.delta > 0.0 {
            self.delta
        } else {
            f32::MIN_POSITIVE
        };
        let eta = self.diameter / sqrt(delta + self.acc);
        let r = 0.5 * self.diameter;
        for (yi, gi) in self.y.iter_mut().zip(ex.grad) {
            *yi -= eta * gi;
        }
        project_ball(&mut self.y, r);
        for (mi, gi) in self.hint.iter_mut().zip(ex.grad) {
            *mi = if self.optimistic { *gi } else { 0.0 };
        }
        for (wi, (yi, mi)) in w.iter_mut().zip(self.y.iter().zip(self.hint.iter())) {
            *wi = yi - eta * mi;
        }
        project_ball(w, r);
    }
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn is_finite(&self) -> bool {
        self.acc.is_finite() && all_finite(&self.y) && all_finite(&self.hint)
    }
}

/// Optimistic entropic mirror descent (exponentiated gradient) on the probability simplex:
/// x_{t+1,i} ∝ x_{t,i}·exp(−η(2g_{t,i} − g_{t−1,i})) (optimistic OMD with the last-gradient
/// hint), or x_{t+1,i} ∝ x_{t,i}·exp(−η g_{t,i}) (Hedge) with `optimistic = false`.
///
/// Kept as log-weights θ (shifted so max θ = 0 after each step) and normalised by
/// [`crate::softmax::three_pass`]: w = softmax(θ). The weights are on the simplex after the first
/// step. Default ([`EntropicOmd::default`]): η = 0.1, optimistic. State: 8·D + 8 bytes.
///
/// # Example
///
/// ```
/// use mcu_kernels::online::EntropicOmd;
///
/// // Plain exponentiated gradient: after one step from uniform, w_i ∝ exp(−η·g_i).
/// let mut rule = EntropicOmd::<3>::new(0.5, false);
/// let mut w = [0.0f32; 3];
/// let g = [1.0f32, 0.0, 2.0];
/// rule.update(&mut w, &g);
/// let z: f64 = g.iter().map(|&gi| (-0.5 * f64::from(gi)).exp()).sum();
/// for (wi, gi) in w.iter().zip(g) {
///     assert!((f64::from(*wi) - (-0.5 * f64::from(gi)).exp() / z).abs() < 1e-6);
/// }
/// assert!((w.iter().sum::<f32>() - 1.0).abs() < 1e-6); // on the simplex
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EntropicOmd<const D: usize> {
    /// Step η > 0.
    pub eta: f32,
    /// Use the last-gradient hint.
    pub optimistic: bool,
    pub(super) theta: [f32; D],
    pub(super) prev: [f32; D],
}

impl<const D: usize> EntropicOmd<D> {
    /// A rule with step `eta`. Example: see the example on [`EntropicOmd`].
    pub const fn new(eta: f32, optimistic: bool) -> Self {
        EntropicOmd {
            eta,
            optimistic,
            theta: [0.0; D],
            prev: [0.0; D],
        }
    }

    /// One step with gradient (or loss vector) `g`; writes the new simplex point into `w`.
    ///
    /// ```
    /// use mcu_kernels::online::EntropicOmd;
    ///
    /// // Optimistic: the weight moves away from the coordinate that keeps losing, and w stays
    /// // a distribution.
    /// let mut rule = EntropicOmd::<2>::new(0.3, true);
    /// let mut w = [0.5f32; 2];
    /// let mut prev = 0.5f32;
    /// for _ in 0..5 {
    ///     rule.update(&mut w, &[1.0, 0.0]);
    ///     assert!(w[0] < prev && w.iter().all(|&v| v > 0.0));
    ///     assert!((w[0] + w[1] - 1.0).abs() < 1e-6);
    ///     prev = w[0];
    /// }
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn update(&mut self, w: &mut [f32; D], g: &[f32; D]) {
        let mut max = f32::NEG_INFINITY;
        for ((th, gi), pi) in self.theta.iter_mut().zip(g).zip(self.prev.iter_mut()) {
            let gi = clip(*gi, GRAD_LIMIT);
            let hinted = if self.optimistic { 2.0 * gi - *pi } else { gi };
            *th = clip(*th - self.eta * hinted, 1e30);
            *pi = gi;
            max = if *th > max { *th } else { max };
        }
        if max.is_finite() {
            for th in self.theta.iter_mut() {
                *th = clip(*th - max, 1e30);
            }
        }
        if three_pass(&self.theta, w).is_err() {
            // Only possible for D = 0 (θ is finite): nothing to write.
            let u = 1.0 / (D.max(1) as f32);
            for wi in w.iter_mut() {
                *wi = u;
            }
        }
    }
}

impl<const D: usize> Default for EntropicOmd<D> {
    fn default() -> Self {
        Self::new(0.1, true)
    }
}

impl<const D: usize> Rule<D> for EntropicOmd<D> {
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) {
        self.update(w, ex.grad);
    }
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn is_finite(&self) -> bool {
        all_finite(&self.theta) && all_finite(&self.prev)
    }
}

/// Implicit (proximal) update, linearised in the score: w ← w − η·g / (1 + η·c·‖x‖²), with c the
/// loss's curvature bound ([`Example::curvature`]).
///
/// For the squared loss this is the exact implicit step w_{t+1} = w_t − η∇ℓ(w_{t+1}) (for
/// River's (p − y)², c = 2: w ← w − 2η(p − y)x/(1 + 2η‖x‖²); for ½(p − y)² the reference's
/// w ← w − η(p − y)x/(1 + η‖x‖²)). For other losses it is the standard stable approximation
/// ("Generalized Implicit FTRL"; Kulis & Bartlett). The step never overshoots, whatever η.
/// Default η = 0.1. State: 4 bytes.
///
/// # Example
///
/// ```
/// use mcu_kernels::online::{Example, Implicit, Rule, Sgd};
///
/// // Squared loss (p − y)² at w = 0, x = (1, 1), y = 1: g = 2(p − y)·x = (−2, −2), c = 2.
/// let x = [1.0f32, 1.0];
/// let g = [-2.0f32, -2.0];
/// let ex = Example {
///     x: &x,
///     grad: &g,
///     dloss: -2.0,
///     loss: 1.0,
///     curvature: 2.0,
///     margin_loss: 0.0,
///     margin_dir: 0.0,
/// };
/// // A huge step η = 10: w = −η·g/(1 + η·c·‖x‖²) = 20/41 each; p = 40/41 never passes y = 1.
/// let mut w = [0.0f32; 2];
/// Implicit::new(10.0).step(&mut w, &ex);
/// assert!((w[0] - 20.0 / 41.0).abs() < 1e-6);
/// assert!(w[0] + w[1] <= 1.0);
/// // Plain SGD with the same η overshoots to p = 40.
/// let mut w_sgd = [0.0f32; 2];
/// Sgd::new(10.0).step(&mut w_sgd, &ex);
/// assert_eq!(w_sgd[0] + w_sgd[1], 40.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Implicit {
    /// Step η.
    pub lr: f32,
}

impl Implicit {
    /// An implicit rule with step `lr`. Example: see the example on [`Implicit`].
    pub const fn new(lr: f32) -> Self {
        Implicit { lr }
    }
}

impl Default for Implicit {
    fn default() -> Self {
        Implicit::new(0.1)
    }
}

impl<const D: usize> Rule<D> for Implicit {
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) {
        let xn = norm2(ex.x);
        let c = if ex.curvature > 0.0 {
            ex.curvature
        } else {
            0.0
        };
        let denom = 1.0 + self.lr * c * xn;
        let s = if denom.is_finite() && denom > 0.0 {
            self.lr / denom
        } else {
            0.0
        };
        for (wi, gi) in w.iter_mut().zip(ex.grad) {
            *wi -= s * gi;
        }
    }
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn is_finite(&self) -> bool {
        self.lr.is_finite()
    }
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    #[inline]
    fn try_step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) -> bool {
        let xn = norm2(ex.x);
        let c = if ex.curvature > 0.0 {
            ex.curvature
        } else {
            0.0
        };
        let denom = 1.0 + self.lr * c * xn;
        let s = if denom.is_finite() && denom > 0.0 {
            self.lr / denom
        } else {
            0.0
        };
        try_axpy(w, s, ex.grad, self.lr.is_finite())
    }
}

/// aProx truncated step (Asi & Duchi) for losses bounded below by 0:
/// w ← w − min(η, ℓ(w)/‖g‖²)·g. The step never goes past the point where the linearised loss
/// reaches 0; ‖g‖ = 0 skips the step. Default η = 0.1. State: 4 bytes.
///
/// # Example
///
/// ```
/// use mcu_kernels::online::{AProx, Example, Rule};
///
/// // Loss 1 with g = (2, 0): the step is min(η, ℓ/‖g‖²) = min(1, 1/4) — it stops where the
/// // linearised loss 1 + gᵀΔw reaches 0.
/// let g = [2.0f32, 0.0];
/// let ex = Example {
///     x: &[1.0, 0.0],
///     grad: &g,
///     dloss: 2.0,
///     loss: 1.0,
///     curvature: 2.0,
///     margin_loss: 0.0,
///     margin_dir: 0.0,
/// };
/// let mut w = [0.0f32; 2];
/// AProx::new(1.0).step(&mut w, &ex);
/// assert_eq!(w, [-0.5, 0.0]);
/// assert_eq!(1.0 + g[0] * w[0], 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AProx {
    /// Step cap η.
    pub lr: f32,
}

impl AProx {
    /// An aProx rule with step cap `lr`. Example: see the example on [`AProx`].
    pub const fn new(lr: f32) -> Self {
        AProx { lr }
    }
}

impl Default for AProx {
    fn default() -> Self {
        AProx::new(0.1)
    }
}

impl<const D: usize> Rule<D> for AProx {
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) {
        let gn = norm2(ex.grad);
        if gn.is_nan() || gn <= 0.0 || !gn.is_finite() {
            return;
        }
        let trunc = ex.loss / gn;
        let s = if trunc < self.lr { trunc } else { self.lr };
        let s = if s > 0.0 { s } else { 0.0 };
        for (wi, gi) in w.iter_mut().zip(ex.grad) {
            *wi -= s * gi;
        }
    }
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn is_finite(&self) -> bool {
        self.lr.is_finite()
    }
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    #[inline]
    fn try_step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) -> bool {
        let gn = norm2(ex.grad);
        if gn.is_nan() || gn <= 0.0 || !gn.is_finite() {
            // No step: w stays finite.
            return self.lr.is_finite();
        }
        let trunc = ex.loss / gn;
        let s = if trunc < self.lr { trunc } else { self.lr };
        let s = if s > 0.0 { s } else { 0.0 };
        try_axpy(w, s, ex.grad, self.lr.is_finite())
    }
}

/// Passive-aggressive PA-I (Crammer et al. 2006) on the model's margin loss:
/// τ = min(C, ℓ_PA/‖x‖²); w ← w − τ·ℓ_PA'·x, i.e. w += τ·y·x for the hinge loss of a classifier
/// (y = ±1) and w += τ·sign(y − p)·x for the ε-insensitive loss of a regressor. ‖x‖ = 0 skips.
/// Default C = 1 (River's `PAClassifier`). State: 4 bytes.
///
/// # Example
///
/// ```
/// use mcu_kernels::online::{Example, PassiveAggressive, Rule};
///
/// // Hinge loss of a classifier at w = 0, x = (1, 2), y = +1: ℓ = 1 − y·p = 1, ℓ' = −y = −1.
/// let x = [1.0f32, 2.0];
/// let ex = Example {
///     x: &x,
///     grad: &[0.0; 2],
///     dloss: 0.0,
///     loss: 0.0,
///     curvature: 0.25,
///     margin_loss: 1.0,
///     margin_dir: -1.0,
/// };
/// let mut w = [0.0f32; 2];
/// PassiveAggressive::new(1.0).step(&mut w, &ex);
/// // τ = min(C, ℓ/‖x‖²) = 1/5: w = τ·y·x, and the new margin y·wᵀx is exactly 1 (hinge 0).
/// assert_eq!(w, [0.2, 0.4]);
/// assert!((w[0] * x[0] + w[1] * x[1] - 1.0).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PassiveAggressive {
    /// Aggressiveness C > 0.
    pub c: f32,
}

impl PassiveAggressive {
    /// PA-I with aggressiveness `c`. Example: see the example on [`PassiveAggressive`].
    pub const fn new(c: f32) -> Self {
        PassiveAggressive { c }
    }
}

impl Default for PassiveAggressive {
    fn default() -> Self {
        PassiveAggressive::new(1.0)
    }
}

impl<const D: usize> Rule<D> for PassiveAggressive {
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) {
        let xn = norm2(ex.x);
        if xn.is_nan()
            || xn <= 0.0
            || !xn.is_finite()
            || ex.margin_loss.is_nan()
            || ex.margin_loss <= 0.0
        {
            return;
        }
        let t = ex.margin_loss / xn;
        let tau = if t < self.c { t } else { self.c };
        for (wi, xi) in w.iter_mut().zip(ex.x) {
            *wi -= tau * ex.margin_dir * xi;
        }
    }
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn is_finite(&self) -> bool {
        self.c.is_finite()
    }
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    #[inline]
    fn try_step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) -> bool {
        let xn = norm2(ex.x);
        if xn.is_nan()
            || xn <= 0.0
            || !xn.is_finite()
            || ex.margin_loss.is_nan()
            || ex.margin_loss <= 0.0
        {
            // No step: w stays finite.
            return self.c.is_finite();
        }
        let t = ex.margin_loss / xn;
        let tau = if t < self.c { t } else { self.c };
        // w − (τ·ℓ')·x, `step`'s order of operations.
        try_axpy(w, tau * ex.margin_dir, ex.x, self.c.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The overflow branch of `project_ball` with the largest magnitude negative: the ball's
    /// radius is respected and the direction kept (issue #29's mutation gap).
    #[test]
    fn project_ball_overflowing_norm_with_negative_largest_entry() {
        for v0 in [[-3e38f32, 1.0], [-3e38, -3e38], [1.0, -f32::MAX]] {
            let mut v = v0;
            project_ball(&mut v, 10.0);
            let n = (f64::from(v[0]).powi(2) + f64::from(v[1]).powi(2)).sqrt();
            assert!((9.99..=10.0 * (1.0 + 1e-6)).contains(&n), "{v0:?} -> {v:?}");
            for (a, b) in v.iter().zip(v0) {
                assert!(a.signum() == b.signum(), "{v0:?} -> {v:?}");
            }
        }
        // A finite norm inside the ball: untouched.
        let mut v = [-3.0f32, 4.0];
        project_ball(&mut v, 10.0);
        assert_eq!(v, [-3.0, 4.0]);
    }

    /// `OptimisticOgd::is_finite` must see every part of the state: a gradient whose squared
    /// deviation overflows leaves `acc` = ∞ while `y` stays finite (η = D/√∞ = 0).
    #[test]
    fn optimistic_ogd_is_finite_sees_each_part() {
        let mut r = OptimisticOgd::<2>::default();
        assert!(r.is_finite());
        let mut w = [0.0f32; 2];
        let g = [3e38f32, -3e38];
        let ex = Example {
            x: &[1.0, 1.0],
            grad: &g,
            dloss: 1.0,
            loss: 1.0,
            curvature: 1.0,
            margin_loss: 0.0,
            margin_dir: 0.0,
        };
        r.step(&mut w, &ex);
        assert!(r.acc.is_infinite());
        assert!(all_finite(&r.y) && all_finite(&r.hint));
        assert!(!r.is_finite());
        let r2 = OptimisticOgd::<2> {
            hint: [f32::NAN, 0.0],
            ..Default::default()
        };
        assert!(!r2.is_finite());
        let r3 = OptimisticOgd::<2> {
            y: [0.0, f32::INFINITY],
            ..Default::default()
        };
        assert!(!r3.is_finite());
    }
}
