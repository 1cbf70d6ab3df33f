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
/// table in [`crate::math`]); documented bound 2 ulp. Stack: none beyond registers.
///
/// Cost: see `cargo xtask bench`.
#[inline]
pub fn exp(x: f32) -> f32 {
    // NaN fails both comparisons and flows through as NaN.
    let x = if x > 89.0 { 89.0 } else { x };
    let x = if x < -104.0 { -104.0 } else { x };
    let (t, n) = reduce(x);
    scale(exp_poly(t), n)
}
