//! e^x − 1.

use super::exp::exp;
use super::reduce::{pow2i, reduce};

/// e^x − 1, accurate near x = 0.
///
/// Algorithm: for |x| ≤ 17.5, Cody–Waite x = n·ln2 + t (|t| ≤ 0.347); e^t − 1 = t + t²·P(t)
/// with the Taylor polynomial P up to t^8 (truncation < 0.2 ulp); result
/// 2^n·(e^t − 1) + (2^n − 1) (both terms exact or once rounded; for n = 0 the result is e^t − 1
/// itself, so relative accuracy holds down to the smallest subnormal). For x > 17.5 the −1 is
/// below half an ulp and the result is [`super::exp()`]; for x < −17.5 it is −1.
///
/// Domain: every f32: 1.450 ulp max over every f32 (exhaustive); bound 4 ulp. ±0 → ±0, +∞ → +∞, −∞
/// →
/// −1,
/// NaN → NaN, overflow to +∞ above 88.7228. No f64, no divide.
///
/// Cost (`cargo xtask bench`, instructions per element at N = 256): M0 2884.0 · M3 1723.9.
/// <!-- cost: math::fpu::expm1 -->
///
/// Stack (bytes, `cargo xtask bench`): M0 156 · M3 72.
/// <!-- stack: math::fpu::expm1 -->
///
/// ```
/// use mcu_kernels::math::own::expm1;
///
/// // e^x − 1 against the f64 reference, within the documented 4 ulp; accurate near 0.
/// for x in [-1e-6f32, 1e-3, -2.0, 5.0, 30.0] {
///     let want = f64::from(x).exp_m1();
///     let ulp = (want.abs().log2().floor() - 23.0).exp2();
///     assert!((f64::from(expm1(x)) - want).abs() <= 4.0 * ulp, "x = {x}");
/// }
/// assert_eq!(expm1(-0.0).to_bits(), (-0.0f32).to_bits());
/// assert_eq!(expm1(f32::NEG_INFINITY), -1.0);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn expm1(x: f32) -> f32 {
    if x > 17.5 {
        return exp(x);
    }
    if x < -17.5 {
        return -1.0;
    }
    if x == 0.0 {
        return x;
    }
    // NaN continues here and propagates through the arithmetic.
    let (t, n) = reduce(x);
    let p = 1.0 / 40_320.0;
    let p = 1.0 / 5040.0 + t * p;
    let p = 1.0 / 720.0 + t * p;
    let p = 1.0 / 120.0 + t * p;
    let p = 1.0 / 24.0 + t * p;
    let p = 1.0 / 6.0 + t * p;
    let p = 0.5 + t * p;
    let em = t + (t * t) * p;
    if n == 0 {
        return em;
    }
    let two_n = pow2i(n);
    two_n * em + (two_n - 1.0)
}
