//! e^x as a (mantissa, exponent) pair: the building block of the two-pass softmax.

use super::reduce::{exp_poly, reduce};

/// Largest |x| [`exp_split`] reduces exactly; larger inputs are clamped to ±`SPLIT_LIMIT`.
///
/// ```
/// use mcu_kernels::math::{exp_split, SPLIT_LIMIT};
///
/// // e^SPLIT_LIMIT = m·2^n with n = round(1000·log2 e) = 1443.
/// assert_eq!(exp_split(SPLIT_LIMIT).1, 1443);
/// ```
pub const SPLIT_LIMIT: f32 = 1000.0;

/// e^x = m·2^n without overflow or underflow: returns (m, n) with m ∈ [0.7070, 1.4145]
/// (slightly beyond [√½, √2] when x·log2 e rounds across a half-integer).
///
/// Algorithm: as [`super::exp()`] without the final scaling: n = round(x·log2 e),
/// t = x − n·ln2 (Cody–Waite, exact head), m = e^t by the degree-6 polynomial.
/// x is first clamped to [−[`SPLIT_LIMIT`], `SPLIT_LIMIT`] so that |n| ≤ 1443 and the
/// reduction stays exact; the pair then represents e^(±1000).
///
/// NaN gives m = NaN and an unspecified n.
///
/// Measured error: m·2^n has the same relative error as [`super::exp()`] (0.991 ulp of m,
/// exhaustive).
/// Stack: none beyond registers.
///
/// Cost: not benched on its own (a few instructions of the range reduction, no loop).
///
/// ```
/// use mcu_kernels::math::{exp_split, SPLIT_LIMIT};
///
/// // e^700 overflows f32, the pair does not: m·2^n = e^x with m in [0.7070, 1.4145].
/// let (m, n) = exp_split(700.0);
/// assert!((0.7070..=1.4145).contains(&m));
/// let ln_pair = f64::from(m).ln() + f64::from(n) * core::f64::consts::LN_2;
/// assert!((ln_pair - 700.0).abs() < 1e-6);
/// // Inputs beyond ±SPLIT_LIMIT are clamped.
/// assert_eq!(exp_split(5000.0), exp_split(SPLIT_LIMIT));
/// assert_eq!(exp_split(-5000.0), exp_split(-SPLIT_LIMIT));
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn exp_split(x: f32) -> (f32, i32) {
    let x = if x > SPLIT_LIMIT { SPLIT_LIMIT } else { x };
    let x = if x < -SPLIT_LIMIT { -SPLIT_LIMIT } else { x };
    let (t, n) = reduce(x);
    (exp_poly(t), n)
}
