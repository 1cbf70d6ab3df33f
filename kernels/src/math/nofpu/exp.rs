//! e^x, 2^x and e^x − 1 in integer arithmetic.

use super::quiet;
use crate::math::int::{exp2_y_q32, exp_y_q32, mul_hi, mul_hi_i32, pack, pack_u64, Num};

/// |x| ≥ 256 (or ∞): the result is 0 or +∞ for e^x and 2^x.
const HUGE_BITS: u32 = 0x4380_0000;
/// |x| < 2^−25: e^x and 2^x round to 1.
const TINY_BITS: u32 = 0x3300_0000;

/// e^x for every f32, FPU-free.
///
/// Algorithm: y = x·log2 e in Q32.32 from the 24-bit mantissa times a 40-bit log2 e (one
/// 64-bit product, exact before one truncation); 2^y = 2^⌊y⌋·2^f with 2^f from a 64-entry
/// table of 2^(j/64) and a degree-4 Taylor polynomial in Q32 (`math::int::exp2`); the
/// mantissa and exponent are packed with one rounding to nearest even (subnormal results
/// rounded once, overflow to +∞).
///
/// Special values as [`crate::math::own::exp`]: NaN → NaN, +∞ and x > 88.7228 → +∞,
/// −∞ and x < −103.973 → +0, |x| < 2^−25 → 1.
///
/// Error: ≤ 0.5 + 2^−5 ulp by construction; measured in the table of [`crate::math`].
/// Cost (`cargo xtask bench`, QEMU instructions per call): 337 on the M0, 97
/// on the M3 (float form on soft float: 2,430 / 1,429); code 700 / 454 bytes.
///
/// Stack (bytes, `cargo xtask bench`): M0 108 · M3/M4F/M7/M33/M55 40.
/// <!-- stack: math::nofpu::exp -->
///
/// ```
/// // The f32 ulp at v, for the error bound in ulp (f64 reference).
/// let ulp = |v: f64| (v.abs().log2().floor() - 23.0).exp2().max(2f64.powi(-149));
/// use mcu_kernels::math::nofpu::exp;
///
/// // Within 0.5 + 2^-5 ulp of e^x, on every core (integer arithmetic only).
/// for x in [-100.0f32, -3.5, -0.25, 1.0, 10.0, 80.0] {
///     let want = f64::from(x).exp();
///     assert!((f64::from(exp(x)) - want).abs() <= 0.5625 * ulp(want), "x = {x}");
/// }
/// assert_eq!(exp(f32::NEG_INFINITY), 0.0);
/// assert_eq!(exp(89.0), f32::INFINITY);
/// assert_eq!(exp(1e-9), 1.0);
/// assert!(exp(f32::NAN).is_nan());
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn exp(x: f32) -> f32 {
    let bits = x.to_bits();
    if let Some(y) = special(bits) {
        return y;
    }
    pack(exp2_y_q32(exp_y_q32(bits)), false)
}

/// 2^x for every f32, FPU-free.
///
/// Algorithm: x in Q32.32 (exact for |x| ≥ 2^−9, truncated below), then as [`exp`]. Integer
/// x give exact powers of two (subnormal ones included).
///
/// Special values as [`crate::math::own::exp2`]: NaN → NaN, x ≥ 128 → +∞, x < −150 → +0.
/// Error: ≤ 0.5 + 2^−5 ulp by construction.
/// Cost (`cargo xtask bench`, QEMU instructions per call): 297 on the M0, 88 on the M3 (float form
/// on soft float: 1,972 / 1,186); code 730 / 452 bytes.
///
/// Stack (bytes, `cargo xtask bench`): M0 108 · M3/M4F/M7/M33/M55 40.
/// <!-- stack: math::nofpu::exp2 -->
///
/// ```
/// // The f32 ulp at v, for the error bound in ulp (f64 reference).
/// let ulp = |v: f64| (v.abs().log2().floor() - 23.0).exp2().max(2f64.powi(-149));
/// use mcu_kernels::math::nofpu::exp2;
///
/// // Integer x give exact powers of two, subnormal ones included.
/// assert_eq!(exp2(10.0), 1024.0);
/// assert_eq!(exp2(-149.0), f32::from_bits(1));
/// let want = 2f64.sqrt();
/// assert!((f64::from(exp2(0.5)) - want).abs() <= 0.5625 * ulp(want));
/// assert_eq!(exp2(128.0), f32::INFINITY);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn exp2(x: f32) -> f32 {
    let bits = x.to_bits();
    if let Some(y) = special(bits) {
        return y;
    }
    let abs = bits & 0x7FFF_FFFF;
    let field = abs >> 23; // 102…134
    let mx = i64::from((abs & 0x007F_FFFF) | 0x0080_0000);
    // x·2^32 = mx·2^(field − 150 + 32): a left shift of at most 16 (< 2^40) or a right one.
    let y = if field >= 118 {
        mx << ((field - 118) & 31)
    } else {
        mx >> ((118 - field) & 31)
    };
    let y = if bits >> 31 != 0 { y.wrapping_neg() } else { y }; // |y| < 2^63
    pack(exp2_y_q32(y), false)
}

/// |x| below this uses the series of [`expm1`] (0.34375 < ln2/2).
const SERIES_BITS: u32 = 0x3EB0_0000;

/// 1/k! for k = 2…9 in Q31, rounded.
const F: [i32; 8] = [
    1_073_741_824, // 1/2
    357_913_941,   // 1/6
    89_478_485,    // 1/24
    17_895_697,    // 1/120
    2_982_616,     // 1/720
    426_088,       // 1/5040
    53_261,        // 1/40320
    5_918,         // 1/362880
];

/// e^x − 1 = x·(1 + q(x)) for |x| < 0.35 with q = x/2 + x²/6 + … + x⁸/9! (omitted
/// x⁹/10! < 2^−35), Horner in Q31 on x in Q32; relative error ≤ 2^−28.
#[inline(always)]
pub(crate) fn expm1_series(x: Num) -> Num {
    if x.m == 0 {
        return x;
    }
    // x in Q32: m·2^(e + 1) with e ≤ −2 (|x| < 0.5); shifts of 32 or more give 0.
    let xq =
        x.m.checked_shr(x.e.wrapping_add(1).unsigned_abs())
            .unwrap_or(0) as i32;
    // |xq| < 2^31 (|x| < 0.5 in Q32): the negation cannot wrap.
    let xq = if x.neg { xq.wrapping_neg() } else { xq };
    let mut h = 0i32;
    for &c in F.iter().rev() {
        // |h| < 2^30 throughout (h ≤ 0.19·2^31 after the last step).
        h = c.wrapping_add(mul_hi_i32(xq, h));
    }
    let q = mul_hi_i32(xq, h);
    let one_plus_q = 0x8000_0000u32.wrapping_add(q as u32); // (0.84, 1.2)·2^31
    Num::new(x.neg, mul_hi(x.m, one_plus_q), x.e.wrapping_add(1))
}

/// e^x − 1 for every f32, FPU-free, accurate near 0.
///
/// Algorithm: |x| < 0.34375: x·(1 + x/2 + … + x⁸/9!) in Q31 with the exponent of x kept
/// beside (relative accuracy down to the smallest subnormal); otherwise e^x as in [`exp`]
/// (mantissa m, exponent n) minus 1 in exact 64-bit fixed point (|e^x − 1| ≥ 0.29 there, so
/// the subtraction loses under 2 bits of the 2^−29.7 relative accuracy); x < −17.5 → −1.
///
/// Special values as [`crate::math::own::expm1`]: ±0 → ±0, +∞ → +∞, −∞ → −1, NaN → NaN,
/// +∞ above 88.7228. Error: ≤ 0.5 + 2^−4 ulp by construction.
/// Cost (`cargo xtask bench`, QEMU instructions per call): 497 on the M0, 137 on the M3 (float form
/// on soft float: 2,884 / 1,724); code 1850 / 1318 bytes.
///
/// Stack (bytes, `cargo xtask bench`): M0 124 · M3/M4F/M7/M33/M55 56.
/// <!-- stack: math::nofpu::expm1 -->
///
/// ```
/// // The f32 ulp at v, for the error bound in ulp (f64 reference).
/// let ulp = |v: f64| (v.abs().log2().floor() - 23.0).exp2().max(2f64.powi(-149));
/// use mcu_kernels::math::nofpu::expm1;
///
/// // Within 0.5 + 2^-4 ulp of e^x − 1, tiny x included (no cancellation).
/// for x in [-20.0f32, -1.0, 1e-10, 1e-3, 0.5, 10.0] {
///     let want = f64::from(x).exp_m1();
///     assert!((f64::from(expm1(x)) - want).abs() <= 0.5625 * ulp(want), "x = {x}");
/// }
/// assert_eq!(expm1(f32::NEG_INFINITY), -1.0);
/// assert_eq!(expm1(-0.0).to_bits(), (-0.0f32).to_bits());
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn expm1(x: f32) -> f32 {
    let bits = x.to_bits();
    let abs = bits & 0x7FFF_FFFF;
    let neg = bits >> 31 != 0;
    if abs > 0x7F80_0000 {
        return quiet(bits);
    }
    if abs < SERIES_BITS {
        return pack(expm1_series(Num::from_bits(bits)), false);
    }
    if neg && abs > 0x418C_0000 {
        return -1.0; // x < −17.5: e^x < 2^−25, −1 + e^x rounds to −1
    }
    if abs >= HUGE_BITS {
        return f32::INFINITY;
    }
    let ex = exp2_y_q32(exp_y_q32(bits)); // e^x = m·2^(n − 31), −26 ≤ n ≤ 369
    expm1_from_exp(ex)
}

/// e^x − 1 packed, from e^x = m·2^(n − 31) with n ≥ −26.
#[inline(always)]
pub(crate) fn expm1_from_exp(ex: Num) -> f32 {
    let n = ex.e;
    if n > 62 {
        return pack(ex, true); // the −1 is below 2^−62 relative
    }
    if n >= 31 {
        // m·2^(n − 31) − 1 in units of 1: < 2^63.
        let v = (u64::from(ex.m) << (n.wrapping_sub(31) & 63)).wrapping_sub(1);
        return pack_u64(false, v, 0);
    }
    // (m − 2^(31 − n))·2^(n − 31), 2^(31 − n) ≤ 2^57.
    let d = i64::from(ex.m).wrapping_sub(1i64 << (31i32.wrapping_sub(n) & 63));
    pack_u64(d < 0, d.unsigned_abs(), n.wrapping_sub(31))
}

/// The arguments of [`exp`] and [`exp2`] that need no reduction: NaN (quieted), |x| past the
/// overflow/underflow edge (+∞ or +0 by sign), and |x| so small that the result rounds to 1.
#[inline(always)]
fn special(bits: u32) -> Option<f32> {
    let abs = bits & 0x7FFF_FFFF;
    if abs > 0x7F80_0000 {
        Some(quiet(bits))
    } else if abs >= HUGE_BITS {
        Some(if bits >> 31 != 0 { 0.0 } else { f32::INFINITY })
    } else if abs < TINY_BITS {
        Some(1.0)
    } else {
        None
    }
}
