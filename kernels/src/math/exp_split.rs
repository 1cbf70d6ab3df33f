//! e^x as a (mantissa, exponent) pair: the building block of the two-pass softmax.

use super::reduce::{exp_poly, reduce};

/// Largest |x| [`exp_split`] reduces exactly; larger inputs are clamped to ±`SPLIT_LIMIT`.
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
/// Cost: see `cargo xtask bench`.
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn exp_split(x: f32) -> (f32, i32) {
    let x = if x > SPLIT_LIMIT { SPLIT_LIMIT } else { x };
    let x = if x < -SPLIT_LIMIT { -SPLIT_LIMIT } else { x };
    let (t, n) = reduce(x);
    (exp_poly(t), n)
}
