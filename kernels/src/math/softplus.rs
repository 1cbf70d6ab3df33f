//! softplus(x) = ln(1 + e^x).

use super::exp::exp;
use super::log1p::log1p;

/// softplus(x) = ln(1 + e^x).
///
/// Algorithm: x > 0: x + ln(1 + e^−x) (no overflow; the correction ≤ ln 2);
/// −17.5 ≤ x ≤ 0: ln(1 + e^x) by [`super::log1p()`] of [`super::exp()`];
/// x < −17.5: e^x (ln(1+e) = e − e²/2 + … and e/2 < 2^−26 there).
///
/// Domain: every f32: 2.609 ulp max over every f32 (exhaustive); bound 4 ulp. softplus(+∞) = +∞,
/// softplus(−∞) = 0, NaN → NaN; subnormal results below x ≈ −87.3.
///
/// Cost (`cargo xtask bench`, instructions per element at N = 256): M0 5486.4 · M3 3330.8.
/// <!-- cost: math::fpu::softplus -->
///
/// Stack (bytes, `cargo xtask bench`): M0 172 · M3 96.
/// <!-- stack: math::fpu::softplus -->
///
/// ```
/// use mcu_kernels::math::own::softplus;
///
/// // ln(1 + e^x) against the f64 reference, within the documented 4 ulp.
/// for x in [-40.0f32, -3.0, 0.0, 2.5, 50.0] {
///     let want = f64::from(x).exp().ln_1p();
///     let ulp = (want.log2().floor() - 23.0).exp2();
///     assert!((f64::from(softplus(x)) - want).abs() <= 4.0 * ulp, "x = {x}");
/// }
/// // softplus(x) − softplus(−x) = x; the limits.
/// assert!((softplus(3.0) - softplus(-3.0) - 3.0).abs() <= 4.0 * f32::EPSILON);
/// assert_eq!(softplus(f32::INFINITY), f32::INFINITY);
/// assert_eq!(softplus(f32::NEG_INFINITY), 0.0);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn softplus(x: f32) -> f32 {
    if x > 0.0 {
        x + log1p(exp(-x))
    } else if x >= -17.5 {
        log1p(exp(x))
    } else {
        // NaN takes this branch and propagates.
        exp(x)
    }
}
