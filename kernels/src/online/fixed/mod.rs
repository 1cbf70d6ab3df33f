//! Fixed-point (`I16F16`, Q15.16) online learners for cores without an FPU (Cortex-M0/M0+/M3):
//! a logistic regression ([`FxLogisticRegression`]) with the rules [`FxSgd`], [`FxAdaGrad`],
//! [`FxAdam`], [`FxFtrl`] (FTRL-Proximal) and [`FxPassiveAggressive`], and a running
//! [`FxStandardScaler`].
//!
//! # Arithmetic
//!
//! Everything is on the raw `i32` bits with 32-bit multiplies only (no `i64` multiply and no
//! divide in any per-feature loop: the M0 has neither in hardware), saturated to the `I16F16`
//! range [−32768, 32768 − 2⁻¹⁶]: nothing wraps, nothing panics.
//!
//! * a·b: sign and magnitude, the magnitudes split in 16-bit halves (four `u32` products),
//!   rounded to nearest (ties away from zero), saturated.
//! * 1/√v (AdaGrad, Adam, FTRL, the scaler; 1/v as (1/√v)² for FTRL and PA): v is normalised by an
//!   even shift to x ∈ [1/4, 1), a 96-entry table gives y₀ ≈ 1/√x (relative error ≤ 0.8 %), one
//!   Newton step y₁ = y₀(3 − x·y₀²)/2 in `u32` brings it to ≤ 1.5·10⁻⁴ relative (tested against
//!   f64 over every normalised mantissa), and the product q·y₁·2⁻ᵏ is formed from 16-bit halves
//!   and truncated toward zero. No square root, no divide.
//! * σ(z): a 513-entry table of σ on [0, 16] in steps of 1/32 (Q17), linear interpolation,
//!   σ(−z) = 1 − σ(z) exactly, |z| ≥ 16 gives 0 or 1. Error ≤ 2 LSB of `I16F16` (tested
//!   against f64 on a dense grid).
//!
//! Resolution is 2⁻¹⁶ ≈ 1.5e−5, so quantities below that (River's ε = 1e−8, squares of
//! gradients below 0.004) round to 0 or 1 LSB: AdaGrad's ε is at least 1 LSB here, and Adam
//! keeps its second moment in Q8.24 for that reason.
//!
//! # Safety policy
//!
//! Every input is a valid `I16F16`, so `learn_one` is total: all arithmetic saturates (a weight
//! that would leave the range stops at its edge; accumulators such as AdaGrad's G stop at
//! 32768). [`FxLogisticRegression::try_learn_one`] is the all-or-nothing form: an update that
//! would push the intercept or a weight onto a rail of the range (a saturation) is refused,
//! the model is left bit-identical and [`Error::BadParameter`] is returned.
//!
//! # Which learner on which core
//!
//! See the table on [`FxLogisticRegression`] (measured instructions per call on each core).

mod rules;
mod scaler;
mod tables;
#[cfg(test)]
mod tests;

pub use rules::{FxAdaGrad, FxAdam, FxFtrl, FxPassiveAggressive, FxSgd};
pub use scaler::FxStandardScaler;

use crate::Error;
use fixed::types::I16F16;
use tables::{RSQRT_Q15, SIGMOID_Q17};

pub(crate) const ONE: i32 = 1 << 16;

/// Signed magnitude `mag` (≤ 2^32 − 1) with the sign `neg`, saturated to `i32`.
#[inline(always)]
fn signed_sat(mag: u32, neg: bool) -> i32 {
    if neg {
        if mag >= 1 << 31 {
            i32::MIN
        } else {
            // mag < 2^31: the cast is exact and the negation cannot wrap.
            (mag as i32).wrapping_neg()
        }
    } else if mag > i32::MAX as u32 {
        i32::MAX
    } else {
        mag as i32
    }
}

/// |a|·|b|/2^16 for magnitudes ≤ 2^31, rounded half up, saturated to u32::MAX: 32-bit
/// products only (the M0 has no 32×32→64 multiply).
#[inline(always)]
#[cfg_attr(target_has_atomic = "32", allow(dead_code))]
fn umul_q16_narrow(a: u32, b: u32) -> u32 {
    let (a, b) = if a > b { (b, a) } else { (a, b) };
    if a >> 16 == 0 {
        // a < 2^16 (|a| < 1, the common case): a·b/2^16 = a·bh + (a·bl)/2^16 exactly, with
        // a·bh < 2^16·2^15 and a·bl + 2^15 < 2^32; the sum < 2^31 + 2^16.
        let (bh, bl) = (b >> 16, b & 0xFFFF);
        return a
            .wrapping_mul(bh)
            .wrapping_add(a.wrapping_mul(bl).wrapping_add(1 << 15) >> 16);
    }
    let (ah, al) = (a >> 16, a & 0xFFFF);
    let (bh, bl) = (b >> 16, b & 0xFFFF);
    // ah, bh ≤ 2^15: ah·bh ≤ 2^30. At 2^16 or more the result is ≥ 2^32: saturated.
    let hh = ah.wrapping_mul(bh);
    if hh >= 1 << 16 {
        return u32::MAX;
    }
    // hh < 2^16 so hh·2^16 < 2^32; ah·bl, al·bh ≤ 2^15·(2^16 − 1) < 2^31;
    // al·bl ≤ (2^16 − 1)² = 2^32 − 2^17 + 1, plus 2^15 stays below 2^32.
    let lo = al.wrapping_mul(bl).wrapping_add(1 << 15) >> 16;
    (hh << 16)
        .saturating_add(ah.wrapping_mul(bl))
        .saturating_add(al.wrapping_mul(bh))
        .saturating_add(lo)
}

/// The same function as [`umul_q16_narrow`] with one 32×32→64 product (one `umull` on cores
/// that have it).
#[inline(always)]
#[cfg_attr(not(target_has_atomic = "32"), allow(dead_code))]
fn umul_q16_wide(a: u32, b: u32) -> u32 {
    // a, b ≤ 2^31: a·b ≤ 2^62, plus 2^15 cannot wrap.
    let r = u64::from(a)
        .wrapping_mul(u64::from(b))
        .wrapping_add(1 << 15)
        >> 16;
    if r > u64::from(u32::MAX) {
        u32::MAX
    } else {
        r as u32
    }
}

/// |a|·|b|/2^16, rounded half up, saturated: the 32-bit form on cores without a long multiply
/// (ARMv6-M: `target_has_atomic = "32"` is false exactly there among the supported targets),
/// the 64-bit form elsewhere. Both compute the same function (tested on the host), so results
/// are bit-identical across cores.
#[inline(always)]
fn umul_q16(a: u32, b: u32) -> u32 {
    #[cfg(target_has_atomic = "32")]
    {
        umul_q16_wide(a, b)
    }
    #[cfg(not(target_has_atomic = "32"))]
    {
        umul_q16_narrow(a, b)
    }
}

/// a·b in Q15.16: rounded to nearest (ties away from zero), saturated.
#[inline]
pub(crate) fn mul(a: i32, b: i32) -> i32 {
    signed_sat(umul_q16(a.unsigned_abs(), b.unsigned_abs()), (a ^ b) < 0)
}

/// 1/√v as (y, h) with 1/√v ≈ y·2^−15·2^(h − 16) for v read as an integer: y in Q15 (1/√x for the normalised x ∈ [1/4, 1), so y ∈ (2^15, 2^16)), and `half_shift` = s/2
/// where v·2^s ∈ [2^30, 2^32). v = 0 is treated as 1 LSB.
#[inline]
pub(crate) fn rsqrt_parts(v: u32) -> (u32, u32) {
    let v = if v == 0 { 1 } else { v };
    // The even shift s with v·2^s ∈ [2^30, 2^32), so that √(2^−s) = 2^(−s/2) is a shift too:
    // one `clz` where the core has it, four compares on the M0 (the same s).
    #[cfg(target_has_atomic = "32")]
    let (m, s) = {
        // v ≥ 1: leading_zeros ≤ 31, s ≤ 30.
        let s = v.leading_zeros() & !1;
        (v << s, s)
    };
    #[cfg(not(target_has_atomic = "32"))]
    let (m, s) = {
        let (mut m, mut s) = (v, 0u32);
        if m < 1 << 16 {
            m <<= 16;
            s += 16;
        }
        if m < 1 << 24 {
            m <<= 8;
            s += 8;
        }
        if m < 1 << 28 {
            m <<= 4;
            s += 4;
        }
        if m < 1 << 30 {
            m <<= 2;
            s += 2;
        }
        (m, s)
    };
    // m ∈ [2^30, 2^32): the top 7 bits are 32..=127.
    let idx = ((m >> 25) as usize).wrapping_sub(32);
    let y0 = match RSQRT_Q15.get(idx) {
        Some(&y) => u32::from(y),
        None => 1 << 15,
    };
    // One Newton step y₁ = y₀·(3 − x·y₀²)/2 with x = m/2^32 in Q16 (x16 < 2^16):
    // y₀ < 2^16 so y₀² < 2^32; b = y₀²/2^16 (Q14) < 2^16; x16·b < 2^32; t ≈ 2^14 (Q14 of
    // x·y₀² ∈ [0.98, 1.02]), so 3·2^14 − t > 0 and y₀·(3·2^14 − t) < 2^16·2^15.1 < 2^32.
    let x16 = m >> 16;
    let b = y0.wrapping_mul(y0) >> 16;
    let t = x16.wrapping_mul(b) >> 16;
    let y1 = y0.wrapping_mul((3u32 << 14).saturating_sub(t)) >> 15;
    // 1/√x ≤ 2: keep y₁ below 2^16 so that the 16-bit-half products in `scale` fit.
    (if y1 > 0xFFFF { 0xFFFF } else { y1 }, s / 2)
}

/// q·(1/√v) where v has `frac` fraction bits (even, ≤ 30) and q is Q16: the result is Q16,
/// truncated toward zero, saturated. 1/√v is [`rsqrt_parts`]; v = 0 counts as 1 LSB.
#[inline]
pub(crate) fn scale_rsqrt(q: i32, v: u32, frac: u32) -> i32 {
    let (y, h) = rsqrt_parts(v);
    scale_parts(q, y, h, frac)
}

/// q·y·2^(h + frac/2 − 31): the second half of [`scale_rsqrt`], for reusing one 1/√v.
#[inline]
pub(crate) fn scale_parts(q: i32, y: u32, h: u32, frac: u32) -> i32 {
    // 1/√(v·2^−frac) = y·2^−15·2^(h − 16 + frac/2); times q (Q16) → Q16: shift right by
    // k = 31 − h − frac/2 (h ≤ 15, frac ≤ 30: k ≥ 1).
    let k = 31u32.saturating_sub(h).saturating_sub(frac / 2);
    let a = q.unsigned_abs();
    #[cfg(target_has_atomic = "32")]
    let mag = {
        // a ≤ 2^31, y < 2^16: the product < 2^47; k ≥ 1.
        let wide = u64::from(a).wrapping_mul(u64::from(y)) >> k.min(63);
        if wide > u64::from(u32::MAX) {
            u32::MAX
        } else {
            wide as u32
        }
    };
    #[cfg(not(target_has_atomic = "32"))]
    let mag = scale_mag_narrow(a, y, k);
    signed_sat(mag, q < 0)
}

/// ⌊a·y/2^k⌋ saturated to u32 for a ≤ 2^31, y < 2^16, with 32-bit products (and one 64-bit
/// shift when k < 16): the narrow form of [`scale_parts`].
#[inline(always)]
#[cfg_attr(target_has_atomic = "32", allow(dead_code))]
fn scale_mag_narrow(a: u32, y: u32, k: u32) -> u32 {
    // a = ah·2^16 + al with ah ≤ 2^15; y < 2^16: hi = ah·y < 2^31, lo = al·y < 2^32.
    let hi = (a >> 16).wrapping_mul(y);
    let lo = (a & 0xFFFF).wrapping_mul(y);
    if k >= 16 {
        // ⌊(hi·2^16 + lo)/2^k⌋ = ⌊(hi + ⌊lo/2^16⌋)/2^(k−16)⌋; the sum < 2^31 + 2^16.
        hi.wrapping_add(lo >> 16) >> (k - 16).min(31)
    } else {
        let wide = (u64::from(hi) << 16).wrapping_add(u64::from(lo)) >> k;
        if wide > u64::from(u32::MAX) {
            u32::MAX
        } else {
            wide as u32
        }
    }
}

/// 1/v in Q16 for v in Q16 (v ≤ 0 gives the largest value): (1/√v)², via [`scale_rsqrt`].
#[inline]
pub(crate) fn recip(v: i32) -> i32 {
    let v = if v <= 0 { 1 } else { v as u32 };
    let (y, h) = rsqrt_parts(v);
    scale_parts(scale_parts(ONE, y, h, 16), y, h, 16)
}

/// √v in Q16 for v in Q16 (v ≤ 0 gives 0): v·(1/√v).
#[inline]
pub(crate) fn sqrt_q16(v: i32) -> i32 {
    if v <= 0 {
        0
    } else {
        scale_rsqrt(v, v as u32, 16)
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

/// An i64 saturated to i32.
#[inline]
fn sat64(v: i64) -> i32 {
    if v > i64::from(i32::MAX) {
        i32::MAX
    } else if v < i64::from(i32::MIN) {
        i32::MIN
    } else {
        v as i32
    }
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
/// // σ(−z) = 1 − σ(z) exactly, and |z| ≥ 16 saturates.
/// let z = I16F16::from_num(1.7);
/// assert_eq!(sigmoid(-z).to_bits(), 0x10000 - sigmoid(z).to_bits());
/// assert_eq!(sigmoid(I16F16::from_num(40)), I16F16::ONE);
/// assert_eq!(sigmoid(I16F16::MIN), I16F16::ZERO);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn sigmoid(z: I16F16) -> I16F16 {
    I16F16::from_bits(sigmoid_bits(z.to_bits()))
}

#[inline]
fn sigmoid_bits(zb: i32) -> i32 {
    let az = zb.unsigned_abs();
    let s_pos = if az >= 16 << 16 {
        ONE
    } else {
        // az < 2^20: i = az/2^11 ≤ 511, f the 11 fraction bits below a table step of 1/32.
        let i = (az >> 11) as usize;
        let f = (az & 0x7FF) as i32;
        let t0 = SIGMOID_Q17.get(i).map_or(0, |&t| i32::from(t));
        let t1 = SIGMOID_Q17
            .get(i.wrapping_add(1))
            .map_or(0, |&t| i32::from(t));
        // t1 − t0 ∈ [0, 1024], f < 2^11: the product < 2^21.
        let q17 =
            t0.wrapping_add((t1.wrapping_sub(t0).wrapping_mul(f).wrapping_add(1 << 10)) >> 11);
        // σ = 1/2 + q17/2^17 → Q16, rounded: (2^16 + q17 + 1)/2 ≤ 2^16.
        (ONE.wrapping_add(q17).wrapping_add(1)) >> 1
    };
    if zb >= 0 {
        s_pos
    } else {
        ONE.wrapping_sub(s_pos)
    }
}

/// What a rule sees of one example besides its gradient (for rules such as
/// [`FxPassiveAggressive`] that need the features and the margin).
///
/// ```
/// use fixed::types::I16F16;
/// use mcu_kernels::online::fixed::FxExample;
///
/// let x = [I16F16::ONE; 2];
/// let ex = FxExample { x: &x, logit: I16F16::ZERO, y: true };
/// assert!(ex.y && ex.logit == I16F16::ZERO);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FxExample<'a, const D: usize> {
    /// The features.
    pub x: &'a [I16F16; D],
    /// The model's logit wᵀx + b before the update.
    pub logit: I16F16,
    /// The label.
    pub y: bool,
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
    /// Move `w` after one example: what the models call. The default is [`FxRule::step`];
    /// rules that need more than the gradient override it. Example: see
    /// [`FxPassiveAggressive`].
    #[inline]
    fn step_example(&mut self, w: &mut [I16F16; D], g: &[I16F16; D], ex: &FxExample<'_, D>) {
        let _ = ex;
        self.step(w, g);
    }
}

/// Fixed-point online logistic regression: P(y = 1 | x) = σ(wᵀx + b) with the semantics of
/// [`super::LogisticRegression`] (gradient (σ(p) − y)·x, intercept by plain SGD with
/// `intercept_lr`, then the rule). The dot product accumulates in `i64` and saturates once.
///
/// State: 4·D + 8 bytes plus the rule's; `FxLogisticRegression<9, FxAdaGrad<9>>` is 88 bytes
/// (tested).
///
/// # Which learner on which core
///
/// Executed instructions per call (`cargo xtask bench`, QEMU, D = 9; rows
/// `online::fixed::learn_one[…]`, `online::fixed::predict_proba[…]`,
/// `online::fixed::FxStandardScaler::…`), state bytes at D = 9 (the rule's; the model adds 44),
/// and progressive accuracy on Phishing with the scaler against the f32 learner with the same
/// rule (`host/tests/online_fixed_accuracy.rs`; on every stream there within 0.24 points):
///
/// | call | M0 | M3 | M4F | M7 | state | Phishing fixed / f32 |
/// |---|---:|---:|---:|---:|---:|---|
/// | `learn_one`, [`FxSgd`] | 1,281 | 811 | 797 | 797 | 4 | 88.96 / 88.96 % |
/// | `learn_one`, [`FxAdaGrad`] | 2,180 | 1,650 | 1,590 | 1,590 | 44 | 89.36 / 89.28 % |
/// | `learn_one`, [`FxAdam`] | 3,036 | 2,050 | 1,980 | 1,980 | 92 | 87.52 / 87.76 % |
/// | `learn_one`, [`FxFtrl`] | 5,042 | 3,245 | 3,127 | 3,127 | 88 | 89.12 / 89.04 % |
/// | `learn_one`, [`FxPassiveAggressive`] | 530 | 397 | 390 | 390 | 4 | 84.48 / 84.48 % |
/// | `predict_proba` | 472 | 355 | 355 | 355 | – | – |
/// | [`FxStandardScaler::learn_one`] | 1,502 | 948 | 840 | 840 | 76 | – |
/// | [`FxStandardScaler::transform`] | 1,008 | 515 | 488 | 488 | – | – |
///
/// On the M0/M0+ and M3 (no FPU) pick the fixed-point learners: AdaGrad here costs 2,180 / 1,650
/// instructions against 18,831 / 10,672 for the f32 [`super::AdaGrad`] (software floats), the
/// same accuracy to 0.1 point; [`FxAdaGrad`] is the best accuracy per instruction, [`FxSgd`] the
/// cheapest adaptive-free choice, [`FxPassiveAggressive`] the cheapest update of all (it moves
/// only on margin errors). On the M4F/M7 (single-precision FPU) the f32 learners are cheaper
/// (f32 AdaGrad 1,153 on the M4F before issue #19's f32 work) and match River to the digit: use
/// them. Goals not yet met: AdaGrad ≤ 1,500 on the M0 and ≤ 400 on the M3.
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
            // Each product is saturated to i32; D·2^31 fits i64 for any array length.
            acc = acc.wrapping_add(i64::from(mul(wi.to_bits(), xi.to_bits())));
        }
        I16F16::from_bits(sat64(acc.wrapping_add(i64::from(self.b.to_bits()))))
    }
    /// P(y = 1 | x).
    ///
    /// | stack, bytes (`cargo xtask bench`) | M0 | M3 | M4F | M7 | M33 | M55 |
    /// |---|---:|---:|---:|---:|---:|---:|
    /// | `online::fixed::predict_proba[FxSgd]` | 60 | 56 | 56 | 56 | 56 | 56 |
    /// | `online::fixed::predict_proba[FxAdaGrad]` | 60 | 56 | 56 | 56 | 56 | 56 |
    /// | `online::fixed::predict_proba[FxAdam]` | 60 | 56 | 56 | 56 | 56 | 56 |
    /// | `online::fixed::predict_proba[FxFtrl]` | 60 | 56 | 56 | 56 | 56 | 56 |
    /// | `online::fixed::predict_proba[FxPassiveAggressive]` | 60 | 56 | 56 | 56 | 56 | 56 |
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
    /// | `online::fixed::learn_one[FxSgd]` | 128 | 112 | 120 | 120 | 120 | 120 |
    /// | `online::fixed::learn_one[FxAdaGrad]` | 136 | 144 | 144 | 144 | 144 | 144 |
    /// | `online::fixed::learn_one[FxAdam]` | 152 | 144 | 152 | 152 | 152 | 152 |
    /// | `online::fixed::learn_one[FxFtrl]` | 176 | 160 | 160 | 160 | 160 | 160 |
    /// | `online::fixed::learn_one[FxPassiveAggressive]` | 68 | 168 | 160 | 160 | 168 | 168 |
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
        let z = self.predict_logit(x);
        let p = sigmoid_bits(z.to_bits());
        // p ∈ [0, 2^16]: dloss ∈ [−2^16, 2^16].
        let dloss = p.wrapping_sub(if y { ONE } else { 0 });
        let mut g = [I16F16::ZERO; D];
        for (gi, xi) in g.iter_mut().zip(x) {
            *gi = I16F16::from_bits(mul(dloss, xi.to_bits()));
        }
        let db = mul(self.intercept_lr.to_bits(), dloss);
        self.b = I16F16::from_bits(self.b.to_bits().saturating_sub(db));
        let ex = FxExample { x, logit: z, y };
        self.rule.step_example(&mut self.w, &g, &ex);
    }

    /// All or nothing: [`FxLogisticRegression::learn_one`], unless it would put the intercept
    /// or a weight that was not on a rail of the `I16F16` range onto one (a saturation); then
    /// the model (rule included) is left bit-identical and [`Error::BadParameter`] is returned.
    /// Stack: one copy of the model (88 bytes for `FxLogisticRegression<9, FxAdaGrad<9>>`).
    ///
    /// ```
    /// use fixed::types::I16F16;
    /// use mcu_kernels::online::fixed::{FxLogisticRegression, FxSgd};
    ///
    /// let mut m = FxLogisticRegression::<1, FxSgd>::new(FxSgd::new(I16F16::from_num(1000)));
    /// let before = m.clone();
    /// // A step of 1000·0.5·30000 would saturate w: refused, nothing changed.
    /// assert!(m.try_learn_one(&[I16F16::from_num(30000)], false).is_err());
    /// assert_eq!(m, before);
    /// // 1000·0.5·1 = 500 is in range: taken.
    /// assert!(m.try_learn_one(&[I16F16::ONE], true).is_ok());
    /// assert_eq!(m.weights()[0], I16F16::from_num(500));
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn try_learn_one(&mut self, x: &[I16F16; D], y: bool) -> Result<(), Error> {
        let before = self.clone();
        self.learn_one(x, y);
        // The rails: ±(2^31 − 1) (a saturated subtraction from 0) and i32::MIN.
        let railed = |v: I16F16| v.to_bits() == i32::MAX || v.to_bits() <= -i32::MAX;
        let newly = |new: I16F16, old: I16F16| railed(new) && new != old;
        let bad = newly(self.b, before.b)
            || self
                .w
                .iter()
                .zip(before.w.iter())
                .any(|(n, o)| newly(*n, *o));
        if bad {
            *self = before;
            Err(Error::BadParameter("fixed-point update saturates"))
        } else {
            Ok(())
        }
    }
}
