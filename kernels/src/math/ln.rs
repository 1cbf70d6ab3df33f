//! Natural logarithm.

use super::reduce::{LN2_HI, LN2_LO};

/// Bits of √½ rounded: mantissas are folded into [√½, √2).
const SQRT_HALF_BITS: u32 = 0x3F35_04F3;

/// For m = 1 + f with f ∈ [√½−1, √2−1): returns ln(1+f) − f as the pair of pieces that the
/// callers add in the order that keeps the error below 1 ulp:
/// ln(1+f) = f − (hfsq − s·(hfsq + R)) with s = f/(2+f), hfsq = f²/2 and
/// R = 2s²/3 + 2s⁴/5 + 2s⁶/7 + 2s⁸/9 (atanh series; truncation < 2e−9 relative since s² ≤ 0.0295).
/// Identity used: f(1−s) = 2s, so f − f²(1−s)/2 + s·R = 2s + s·R = 2·atanh(s).
/// Returns (hfsq, s·(hfsq + R)).
#[inline(always)]
pub(crate) fn log_kernel(f: f32) -> (f32, f32) {
    let s = f / (2.0 + f);
    let z = s * s;
    let r = z * (0.666_666_7 + z * (0.4 + z * (0.285_714_3 + z * 0.222_222_22)));
    let hfsq = 0.5 * f * f;
    (hfsq, s * (hfsq + r))
}

/// Splits a positive normal x into (k, f) with x = 2^k·(1+f), 1+f ∈ [√½, √2).
#[inline(always)]
pub(crate) fn split(bits: u32) -> (i32, f32) {
    let ix = bits.wrapping_add(0x3F80_0000 - SQRT_HALF_BITS);
    let k = ((ix >> 23) as i32).wrapping_sub(127);
    let m = f32::from_bits((ix & 0x007F_FFFF).wrapping_add(SQRT_HALF_BITS));
    (k, m - 1.0)
}

/// ln x.
///
/// Algorithm: x = 2^k·(1+f) with 1+f ∈ [√½, √2) from the bits (subnormals pre-scaled by 2^25);
/// ln(1+f) = 2·atanh(f/(2+f)) written as f − (f²/2 − s·(f²/2 + R(s²))) with a 4-term series R;
/// result k·ln2_hi + (that + k·ln2_lo). One divide, no f64.
///
/// Domain: every positive f32 including subnormals: 0.858 ulp max over all of them
/// (exhaustive); bound 1 ulp. ln 1 = +0 exactly; near x = 1 the error is relative to the (small)
/// result.
/// Special values: ln(±0) = −∞, ln(x < 0) = NaN, ln(+∞) = +∞, NaN → NaN.
///
/// Cost (`cargo xtask bench`, instructions per element at N = 256): M0 2507.4 · M3 1457.8.
/// <!-- cost: math::fpu::ln -->
///
/// Stack (bytes, `cargo xtask bench`): M0 164 · M3 88.
/// <!-- stack: math::fpu::ln -->
///
/// ```
/// use mcu_kernels::math::own::ln;
///
/// // ln x against the f64 reference, within the documented 1 ulp.
/// for x in [1e-30f32, 0.3, 2.0, 7.5, 3e38] {
///     let want = f64::from(x).ln();
///     let ulp = (want.abs().log2().floor() - 23.0).exp2();
///     assert!((f64::from(ln(x)) - want).abs() <= 1.0 * ulp, "x = {x}");
/// }
/// assert_eq!(ln(1.0), 0.0); // exactly, as documented
/// assert_eq!(ln(0.0), f32::NEG_INFINITY);
/// assert!(ln(-1.0).is_nan());
/// assert_eq!(ln(f32::INFINITY), f32::INFINITY);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn ln(x: f32) -> f32 {
    let mut bits = x.to_bits();
    let mut k0 = 0i32;
    // Not a positive normal finite number?
    if bits.wrapping_sub(0x0080_0000) >= 0x7F80_0000 - 0x0080_0000 {
        if x == 0.0 {
            return f32::NEG_INFINITY;
        }
        if x.is_nan() || x < 0.0 {
            return f32::NAN;
        }
        if x == f32::INFINITY {
            return x;
        }
        // Positive subnormal: scale into the normal range.
        bits = (x * 33_554_432.0).to_bits();
        k0 = -25;
    }
    let (k, f) = split(bits);
    let k = k.wrapping_add(k0);
    let (hfsq, sr) = log_kernel(f);
    let kf = k as f32;
    kf * LN2_HI - ((hfsq - (sr + kf * LN2_LO)) - f)
}
