//! Logistic sigmoid.

use super::exp::exp;

/// σ(x) = 1 / (1 + e^−x).
///
/// Algorithm: x ≥ 0: 1/(1 + e^−x); x < 0: e^x/(1 + e^x) (no overflow, relative accuracy kept
/// for very negative x, where σ(x) ≈ e^x down to the subnormal range). One [`super::exp()`],
/// one divide.
///
/// Domain: every f32: 2.402 ulp max over every f32 (exhaustive); bound 4 ulp. σ(+∞) = 1, σ(−∞) = 0,
/// NaN → NaN; results below 2^−126 are subnormal (absolute error ≤ 2^−149), and 0 below
/// x ≈ −103.97.
///
/// Cost (`cargo xtask bench`, instructions per element at N = 256): M0 2751.8 · M3 1630.1.
/// <!-- cost: math::fpu::sigmoid -->
///
/// Stack (bytes, `cargo xtask bench`): M0 164 · M3 88.
/// <!-- stack: math::fpu::sigmoid -->
///
/// ```
/// use mcu_kernels::math::own::sigmoid;
///
/// // σ(x) against the f64 reference 1/(1 + e^−x), within the documented 4 ulp.
/// for x in [-30.0f32, -2.0, 0.5, 6.0] {
///     let want = 1.0 / (1.0 + (-f64::from(x)).exp());
///     let ulp = (want.log2().floor() - 23.0).exp2();
///     assert!((f64::from(sigmoid(x)) - want).abs() <= 4.0 * ulp, "x = {x}");
/// }
/// // A probability: σ(x) + σ(−x) = 1 (to rounding), limits 0 and 1.
/// assert!((sigmoid(1.5) + sigmoid(-1.5) - 1.0).abs() <= 2.0 * f32::EPSILON);
/// assert_eq!(sigmoid(f32::INFINITY), 1.0);
/// assert_eq!(sigmoid(f32::NEG_INFINITY), 0.0);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + exp(-x))
    } else {
        // NaN takes this branch and propagates.
        let e = exp(x);
        e / (1.0 + e)
    }
}
