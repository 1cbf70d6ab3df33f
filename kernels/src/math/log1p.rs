//! ln(1 + x).

use super::ln::{log_kernel, split};
use super::reduce::{LN2_HI, LN2_LO};

/// ln(1 + x), accurate near x = 0.
///
/// Algorithm: u = 1 + x rounded, with the rounding error recovered as c = (1 + x − u)/u
/// (computed exactly as x − (u − 1) or 1 − (u − x)); u = 2^k·(1+f) as in [`super::ln()`];
/// result k·ln2_hi + (f − (f²/2 − (s·(f²/2 + R) + (k·ln2_lo + c)))). If u rounds to 1, x is
/// returned (ln(1+x) = x − x²/2 + … differs from x by under half an ulp there).
///
/// Domain: x > −1: 2.108 ulp max over all of them (exhaustive), bound 4 ulp; relative accuracy is
/// kept
/// down
/// to the smallest subnormal x. log1p(−1) = −∞, log1p(x < −1) = NaN, +∞ → +∞, NaN → NaN.
///
/// Cost (`cargo xtask bench`, instructions per element at N = 256): M0 3038.6 · M3 1844.4.
/// <!-- cost: math::fpu::log1p -->
///
/// Stack (bytes, `cargo xtask bench`): M0 164 · M3 80.
/// <!-- stack: math::fpu::log1p -->
///
/// ```
/// use mcu_kernels::math::own::log1p;
///
/// // ln(1 + x) against the f64 reference, within the documented 4 ulp; near 0 the error
/// // stays relative to the small result (ln of the rounded sum 1 + 1e-7 is 19 % off).
/// for x in [1e-7f32, -0.5, 0.75, 1e6] {
///     let want = f64::from(x).ln_1p();
///     let ulp = (want.abs().log2().floor() - 23.0).exp2();
///     assert!((f64::from(log1p(x)) - want).abs() <= 4.0 * ulp, "x = {x}");
/// }
/// assert_eq!(log1p(-1.0), f32::NEG_INFINITY);
/// assert!(log1p(-2.0).is_nan());
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn log1p(x: f32) -> f32 {
    // Handles NaN (comparison false) and x ≤ −1.
    if x.is_nan() || x <= -1.0 {
        return if x == -1.0 {
            f32::NEG_INFINITY
        } else {
            f32::NAN
        };
    }
    if x == f32::INFINITY {
        return x;
    }
    let u = 1.0 + x;
    if u == 1.0 {
        return x;
    }
    let (k, f) = split(u.to_bits());
    // c = (1 + x − u)/u: exact numerator (Sterbenz / Fast2Sum), negligible beyond 2^25.
    let c = if k >= 25 {
        0.0
    } else if k > 0 {
        (1.0 - (u - x)) / u
    } else {
        (x - (u - 1.0)) / u
    };
    let (hfsq, sr) = log_kernel(f);
    let kf = k as f32;
    kf * LN2_HI - ((hfsq - (sr + (kf * LN2_LO + c))) - f)
}
