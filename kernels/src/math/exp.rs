//! e^x.

use super::reduce::{exp_poly, reduce, scale};

/// e^x for every f32.
///
/// Algorithm: clamp x to [−104, 89] (outside, the result is 0 or +∞ anyway); Cody–Waite
/// reduction x = n·ln2 + t with n = round(x·log2 e) by the 1.5·2^23 "magic" addition and ln 2
/// split into a 13-bit head and a tail; e^t by a degree-6 polynomial fitted for minimax relative
/// error on |t| ≤ 0.347; result p·2^n built from exponent bits in two steps (exact, or one
/// rounding into the subnormal range). No divide, no f64, no FMA (bit-identical on every
/// target), one data-dependent branch-free path: 2 compares, 16 flops, 6 integer ops.
///
/// Special values: NaN → NaN, +∞ and x > 88.7228 → +∞, −∞ and x < −103.973 → +0; for
/// −103.97 < x < −87.34 the result is subnormal (gradual underflow, rounded once).
///
/// Measured error (`host` accuracy tool): 0.991 ulp max over every f32 (exhaustive; see the
/// table in [`crate::math`]); documented bound 2 ulp.
///
/// Cost (`cargo xtask bench`, instructions per element at N = 256): M0 2429.9 · M3 1429.2.
/// <!-- cost: math::fpu::exp -->
///
/// Stack (bytes, `cargo xtask bench`): M0 156 · M3 72.
/// <!-- stack: math::fpu::exp -->
///
/// ```
/// use mcu_kernels::math::own::exp;
///
/// // e^x against the f64 reference, within the documented 2 ulp.
/// for x in [-3.5f32, -0.25, 1.0, 10.0, 80.0] {
///     let want = f64::from(x).exp();
///     let ulp = (want.log2().floor() - 23.0).exp2();
///     assert!((f64::from(exp(x)) - want).abs() <= 2.0 * ulp, "x = {x}");
/// }
/// // Special values from the docs.
/// assert_eq!(exp(f32::NEG_INFINITY), 0.0);
/// assert_eq!(exp(89.0), f32::INFINITY);
/// assert!(exp(f32::NAN).is_nan());
/// ```
#[inline]
pub fn exp(x: f32) -> f32 {
    // NaN fails both comparisons and flows through as NaN.
    let x = if x > 89.0 { 89.0 } else { x };
    let x = if x < -104.0 { -104.0 } else { x };
    let (t, n) = reduce(x);
    scale(exp_poly(t), n)
}
