//! The fixed-point update rules. State sizes are checked with `size_of` in the tests.

use super::{mul, recip, rsqrt_parts, scale_parts, sqrt_q16, FxExample, FxRule, ONE};
use fixed::types::I16F16;

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
        let lr = self.lr.to_bits();
        for (wi, gi) in w.iter_mut().zip(g) {
            let d = mul(lr, gi.to_bits());
            *wi = I16F16::from_bits(wi.to_bits().saturating_sub(d));
        }
    }
}

/// Saturating AdaGrad, River's form: G_i += g_i²; w_i −= η·g_i/√(G_i + ε). G saturates at
/// 32768 (after which the step stays at its smallest, η·g/181). ε ≥ 1 LSB. 1/√(G + ε) is
/// the table-and-Newton reciprocal root of the module docs (no square root, no divide).
/// State: 4·D + 8 bytes (the layout, and so the checkpoint format, of the earlier version).
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
    pub(in crate::online) g2: [I16F16; D],
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
    /// The accumulated squared gradients G. Example: see the example on [`FxAdaGrad`].
    pub const fn sum_squares(&self) -> &[I16F16; D] {
        &self.g2
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
        let lr = self.lr.to_bits();
        for ((wi, gi), g2) in w.iter_mut().zip(g).zip(self.g2.iter_mut()) {
            let gb = gi.to_bits();
            // mul(g, g) ≥ 0 and G ≥ 0 (kept so): the sum saturates at i32::MAX.
            let acc = g2.to_bits().saturating_add(mul(gb, gb));
            *g2 = I16F16::from_bits(acc);
            // acc + eps > 0: the cast to u32 is exact.
            let v = acc.saturating_add(eps).max(1) as u32;
            let (y, h) = rsqrt_parts(v);
            let d = scale_parts(mul(lr, gb), y, h, 16);
            *wi = I16F16::from_bits(wi.to_bits().saturating_sub(d));
        }
    }
}

/// g² in Q8.24 (saturated at 256 − 2⁻²⁴) from g in Q16: 32-bit products only.
#[inline]
fn square_q24(g: i32) -> u32 {
    let a = g.unsigned_abs();
    let (ah, al) = (a >> 16, a & 0xFFFF);
    if ah >= 16 {
        return u32::MAX;
    }
    // a² / 2^8 = ah²·2^24 + ah·al·2^9 + al²/2^8 with ah ≤ 15: each term < 2^32.
    (ah.wrapping_mul(ah) << 24)
        .saturating_add(ah.wrapping_mul(al) << 9)
        .saturating_add(al.wrapping_mul(al) >> 8)
}

/// a·c/2^16 for a: u32 and c ≤ 65535 (a fraction in Q16), truncated.
#[inline]
fn umul_frac16(a: u32, c: u32) -> u32 {
    // (a>>16)·c < 2^16·2^16; (a & 0xFFFF)·c < 2^32; the sum ≤ a.
    (a >> 16)
        .wrapping_mul(c)
        .wrapping_add((a & 0xFFFF).wrapping_mul(c) >> 16)
}

/// Saturating Adam (Kingma and Ba; River's defaults η = 0.1, β₁ = 0.9, β₂ = 0.999):
/// m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², w −= η_t·m/√(v + ε) with the bias correction
/// η_t = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ). m is Q16; v is kept in Q8.24 (`u32`, saturated at 256):
/// with β₂ = 0.999 the increment (1 − β₂)g² is below one Q16 LSB for |g| < 0.12. ε is 1 LSB
/// of Q8.24 (6·10⁻⁸) under the root, where River adds 10⁻⁸ to √v. β are used as their Q16
/// values (0.999 → 0.998993). State: 8·D + 20 bytes (148 at D = 16, 92 at D = 9).
///
/// # Example
///
/// ```
/// use fixed::types::I16F16;
/// use mcu_kernels::online::fixed::{FxAdam, FxRule};
///
/// // First step: m̂ = g and v̂ = g², so w moves by about η·sign(g) (to 0.1 %).
/// let mut rule = FxAdam::<2>::river();
/// let mut w = [I16F16::ZERO; 2];
/// rule.step(&mut w, &[I16F16::from_num(0.5), I16F16::from_num(-2)]);
/// assert!((w[0].to_num::<f64>() + 0.1).abs() < 1e-3, "{}", w[0]);
/// assert!((w[1].to_num::<f64>() - 0.1).abs() < 1e-3, "{}", w[1]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FxAdam<const D: usize> {
    /// Learning rate η.
    pub lr: I16F16,
    /// β₁ ∈ [0, 1).
    pub beta1: I16F16,
    /// β₂ ∈ [0, 1).
    pub beta2: I16F16,
    b1t: i32,
    b2t: i32,
    m: [I16F16; D],
    v: [u32; D],
}

impl<const D: usize> FxAdam<D> {
    /// Adam with the given η, β₁, β₂. Example: see the example on [`FxAdam`].
    pub const fn new(lr: I16F16, beta1: I16F16, beta2: I16F16) -> Self {
        FxAdam {
            lr,
            beta1,
            beta2,
            b1t: ONE,
            b2t: ONE,
            m: [I16F16::ZERO; D],
            v: [0; D],
        }
    }
    /// River's defaults: η = 0.1, β₁ = 0.9, β₂ = 0.999. Example: see the example on [`FxAdam`].
    pub const fn river() -> Self {
        Self::new(
            I16F16::from_bits(6554),
            I16F16::from_bits(58982),
            I16F16::from_bits(65470),
        )
    }
}

/// A β in Q16 clamped to [0, 1 − 2⁻¹⁶].
#[inline]
fn beta_bits(b: I16F16) -> u32 {
    b.to_bits().clamp(0, ONE - 1) as u32
}

impl<const D: usize> FxRule<D> for FxAdam<D> {
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn step(&mut self, w: &mut [I16F16; D], g: &[I16F16; D]) {
        let b1 = beta_bits(self.beta1);
        let b2 = beta_bits(self.beta2);
        // 1 − β in Q16, in [1, 2^16].
        let c1 = (ONE as u32).wrapping_sub(b1);
        let c2 = (ONE as u32).wrapping_sub(b2);
        self.b1t = mul(self.b1t, b1 as i32);
        self.b2t = mul(self.b2t, b2 as i32);
        // Bias corrections in (0, 1], at least 1 LSB.
        let k1 = ONE.saturating_sub(self.b1t).max(1);
        let k2 = ONE.saturating_sub(self.b2t).max(1);
        // η_t = η·√k2/k1.
        let lr_t = mul(mul(self.lr.to_bits(), sqrt_q16(k2)), recip(k1));
        for ((wi, gi), (m, v)) in w
            .iter_mut()
            .zip(g)
            .zip(self.m.iter_mut().zip(self.v.iter_mut()))
        {
            let gb = gi.to_bits();
            // m += (1 − β₁)(g − m).
            let mb = m.to_bits();
            let nm = mb.saturating_add(mul(c1.min(0xFFFF) as i32, gb.saturating_sub(mb)));
            *m = I16F16::from_bits(nm);
            // v += (1 − β₂)(g² − v) in Q8.24, unsigned both ways.
            let g2 = square_q24(gb);
            let c2f = c2.min(0xFFFF);
            *v = if g2 >= *v {
                v.saturating_add(umul_frac16(g2.wrapping_sub(*v), c2f))
            } else {
                v.wrapping_sub(umul_frac16(v.wrapping_sub(g2), c2f))
            };
            let (y, h) = rsqrt_parts(v.saturating_add(1));
            let d = scale_parts(mul(lr_t, nm), y, h, 24);
            *wi = I16F16::from_bits(wi.to_bits().saturating_sub(d));
        }
    }
}

/// Saturating FTRL-Proximal (McMahan et al. 2013) in River's order and with River's defaults
/// (α = 0.05, β = 1, λ₁ = 0, λ₂ = 1): first w_i ← −(z_i − sign(z_i)λ₁)/((β + √n_i)/α + λ₂)
/// where |z_i| > λ₁ (else w_i is kept), then σ = (√(n_i + g_i²) − √n_i)/α,
/// z_i += g_i − σw_i, n_i += g_i². The roots and the reciprocal are the table-and-Newton
/// 1/√ of the module docs (1/u = (1/√u)²). State: 8·D + 16 bytes.
///
/// # Example
///
/// ```
/// use fixed::types::I16F16;
/// use mcu_kernels::online::fixed::{FxFtrl, FxRule};
///
/// let mut rule = FxFtrl::<1>::river();
/// let mut w = [I16F16::ZERO];
/// // z = 0 on the first step: w is kept; then z = g = 1, n = 1 and
/// // w = −1/((1 + 1)/0.05 + 1) = −1/41 on the next.
/// rule.step(&mut w, &[I16F16::ONE]);
/// assert_eq!(w, [I16F16::ZERO]);
/// rule.step(&mut w, &[I16F16::ZERO]);
/// assert!((w[0].to_num::<f64>() + 1.0 / 41.0).abs() < 1e-4, "{}", w[0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FxFtrl<const D: usize> {
    /// α > 0.
    pub alpha: I16F16,
    /// β ≥ 0.
    pub beta: I16F16,
    /// λ₁ ≥ 0.
    pub l1: I16F16,
    /// λ₂ ≥ 0.
    pub l2: I16F16,
    z: [I16F16; D],
    n: [I16F16; D],
}

impl<const D: usize> FxFtrl<D> {
    /// FTRL-Proximal with α, β, λ₁, λ₂. Example: see the example on [`FxFtrl`].
    pub const fn new(alpha: I16F16, beta: I16F16, l1: I16F16, l2: I16F16) -> Self {
        FxFtrl {
            alpha,
            beta,
            l1,
            l2,
            z: [I16F16::ZERO; D],
            n: [I16F16::ZERO; D],
        }
    }
    /// River's defaults α = 0.05, β = 1, λ₁ = 0, λ₂ = 1. Example: see the example on [`FxFtrl`].
    pub const fn river() -> Self {
        Self::new(
            I16F16::from_bits(3277),
            I16F16::from_bits(ONE),
            I16F16::ZERO,
            I16F16::from_bits(ONE),
        )
    }
}

impl<const D: usize> FxRule<D> for FxFtrl<D> {
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn step(&mut self, w: &mut [I16F16; D], g: &[I16F16; D]) {
        let inv_alpha = recip(self.alpha.to_bits());
        let beta = self.beta.to_bits().max(0);
        let l1 = self.l1.to_bits().max(0);
        let l2 = self.l2.to_bits().max(0);
        for ((wi, gi), (z, n)) in w
            .iter_mut()
            .zip(g)
            .zip(self.z.iter_mut().zip(self.n.iter_mut()))
        {
            let (zb, nb, gb) = (z.to_bits(), n.to_bits(), gi.to_bits());
            let root = sqrt_q16(nb);
            let az = zb.unsigned_abs();
            let mut wv = wi.to_bits();
            if az > l1 as u32 {
                // |z| > λ₁ ≥ 0: the shrunk magnitude is positive and < 2^31.
                let num = az.wrapping_sub(l1 as u32) as i32;
                let den = mul(beta.saturating_add(root), inv_alpha).saturating_add(l2);
                let r = recip(den);
                let mag = mul(num, r);
                wv = if zb > 0 { mag.wrapping_neg() } else { mag };
            }
            *wi = I16F16::from_bits(wv);
            let n_new = nb.saturating_add(mul(gb, gb));
            let sigma = mul(sqrt_q16(n_new).saturating_sub(root), inv_alpha);
            *z = I16F16::from_bits(zb.saturating_add(gb).saturating_sub(mul(sigma, wv)));
            *n = I16F16::from_bits(n_new);
        }
    }
}

/// Passive-Aggressive (PA-I, Crammer et al. 2006) for the logistic model's logit p with the
/// hinge loss ℓ = max(0, 1 − y·p), y = ±1: τ = min(C, ℓ/‖x‖²), w += τ·y·x (the intercept
/// still moves by the model's SGD step, as in [`super::super::PassiveAggressive`]). 1/‖x‖² is
/// (1/√‖x‖²)². [`FxRule::step`] alone (without the example) does nothing. State: 4 bytes.
///
/// # Example
///
/// ```
/// use fixed::types::I16F16;
/// use mcu_kernels::online::fixed::{FxExample, FxPassiveAggressive, FxRule};
///
/// // Logit 0, y = +1: ℓ = 1, ‖x‖² = 4 + 0 = 4, τ = 1/4: w = (1/4)·(2, 0) = (0.5, 0).
/// let x = [I16F16::from_num(2), I16F16::ZERO];
/// let ex = FxExample { x: &x, logit: I16F16::ZERO, y: true };
/// let mut w = [I16F16::ZERO; 2];
/// FxPassiveAggressive::new(I16F16::ONE).step_example(&mut w, &[I16F16::ZERO; 2], &ex);
/// assert!((w[0].to_num::<f64>() - 0.5).abs() < 1e-4 && w[1] == I16F16::ZERO, "{w:?}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FxPassiveAggressive {
    /// Aggressiveness C > 0.
    pub c: I16F16,
}

impl FxPassiveAggressive {
    /// PA-I with aggressiveness `c`. Example: see the example on [`FxPassiveAggressive`].
    pub const fn new(c: I16F16) -> Self {
        FxPassiveAggressive { c }
    }
}

impl<const D: usize> FxRule<D> for FxPassiveAggressive {
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn step(&mut self, _w: &mut [I16F16; D], _g: &[I16F16; D]) {}
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    fn step_example(&mut self, w: &mut [I16F16; D], _g: &[I16F16; D], ex: &FxExample<'_, D>) {
        let p = ex.logit.to_bits();
        let yp = if ex.y { p } else { p.saturating_neg() };
        let loss = ONE.saturating_sub(yp);
        if loss <= 0 {
            return;
        }
        let mut xn: i32 = 0;
        for xi in ex.x {
            xn = xn.saturating_add(mul(xi.to_bits(), xi.to_bits()));
        }
        if xn <= 0 {
            return;
        }
        let (y, h) = rsqrt_parts(xn as u32);
        let t = scale_parts(scale_parts(loss, y, h, 16), y, h, 16);
        let tau = t.min(self.c.to_bits().max(0));
        for (wi, xi) in w.iter_mut().zip(ex.x) {
            let d = mul(tau, xi.to_bits());
            let wb = wi.to_bits();
            *wi = I16F16::from_bits(if ex.y {
                wb.saturating_add(d)
            } else {
                wb.saturating_sub(d)
            });
        }
    }
}
