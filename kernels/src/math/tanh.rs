//! Hyperbolic tangent.

use super::exp::exp;
use super::expm1::expm1;

/// tanh x.
///
/// Algorithm (a = |x|, sign restored at the end):
/// * a < 0.55: tanh a = E/(E + 2) with E = e^(2a) − 1 by [`super::expm1()`] (relative
///   accuracy down to subnormal x);
/// * 0.55 ≤ a < 9.1: tanh a = 1 − 2/(e^(2a) + 1) (result ≥ 0.5, no cancellation problem);
/// * a ≥ 9.1: 1 (2/(e^(2a)+1) is below half an ulp of 1).
///
/// Domain: every f32: 2.425 ulp max over every f32 (exhaustive); bound 4 ulp. tanh(±0) = ±0,
/// tanh(±∞)
/// = ±1,
/// NaN → NaN. One divide.
///
/// Cost (`cargo xtask bench`, instructions per element at N = 256): M0 3060.9 · M3 1849.6.
/// <!-- cost: math::fpu::tanh -->
///
/// Stack (bytes, `cargo xtask bench`): M0 172 · M3 88.
/// <!-- stack: math::fpu::tanh -->
///
/// ```
/// use mcu_kernels::math::own::tanh;
///
/// // tanh x against the f64 reference, within the documented 4 ulp.
/// for x in [1e-5f32, 0.3, -0.9, 4.0] {
///     let want = f64::from(x).tanh();
///     let ulp = (want.abs().log2().floor() - 23.0).exp2();
///     assert!((f64::from(tanh(x)) - want).abs() <= 4.0 * ulp, "x = {x}");
/// }
/// // Odd, saturating at ±1.
/// assert_eq!(tanh(-0.7), -tanh(0.7));
/// assert_eq!(tanh(f32::INFINITY), 1.0);
/// assert_eq!(tanh(f32::NEG_INFINITY), -1.0);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn tanh(x: f32) -> f32 {
    if x.is_nan() {
        return x;
    }
    let a = f32::from_bits(x.to_bits() & 0x7FFF_FFFF);
    let r = if a < 0.55 {
        let e = expm1(a + a);
        e / (e + 2.0)
    } else if a < 9.1 {
        1.0 - 2.0 / (exp(a + a) + 1.0)
    } else {
        1.0
    };
    f32::from_bits(r.to_bits() | (x.to_bits() & 0x8000_0000))
}
