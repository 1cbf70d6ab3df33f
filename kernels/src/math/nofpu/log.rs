//! ln x and ln(1 + x) in integer arithmetic.

use super::quiet;
use crate::math::int::{ln1p_small, ln_u64, pack, Num};

/// ln x for every f32, FPU-free.
///
/// Algorithm (`math::int::ln`): the exact mantissa and exponent of x; m' ∈ [0.75, 1.5)
/// reduced by a 48-entry table of c_j = k_j/256 to r = m'·c_j − 1 (exact, |r| ≤ 1/64);
/// ln x = e·ln 2 − ln c_j + ln(1 + r) in Q48, or ln(1 + r) itself with its exponent kept
/// near x = 1 (so the small result keeps full relative precision); one rounding at the end.
///
/// Special values as [`crate::math::own::ln`]: ln(±0) = −∞, ln(x < 0) = NaN, ln(+∞) = +∞,
/// NaN → NaN, ln 1 = +0; subnormal x are exact inputs.
/// Error: ≤ 0.5 + 2^−5 ulp by construction.
/// Cost (`cargo xtask bench`, QEMU instructions per call): 784 on the M0, 218 on the M3 (float form
/// on soft float: 2,507 / 1,454); code 1242 / 870 bytes.
///
/// Stack (bytes, `cargo xtask bench`): M0 132 · M3/M4F/M7/M33/M55 56.
/// <!-- stack: math::nofpu::ln -->
///
/// ```
/// // The f32 ulp at v, for the error bound in ulp (f64 reference).
/// let ulp = |v: f64| (v.abs().log2().floor() - 23.0).exp2().max(2f64.powi(-149));
/// use mcu_kernels::math::nofpu::ln;
///
/// for x in [1e-40f32, 1e-30, 0.5, 2.0, 1e30] {
///     let want = f64::from(x).ln();
///     assert!((f64::from(ln(x)) - want).abs() <= 0.5625 * ulp(want), "x = {x}");
/// }
/// assert_eq!(ln(1.0).to_bits(), 0); // +0
/// assert_eq!(ln(0.0), f32::NEG_INFINITY);
/// assert!(ln(-1.0).is_nan());
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn ln(x: f32) -> f32 {
    let bits = x.to_bits();
    if bits & 0x7FFF_FFFF == 0 {
        return f32::NEG_INFINITY;
    }
    if bits > 0x7F80_0000 {
        // NaN, or a negative number.
        return if bits & 0x7FFF_FFFF > 0x7F80_0000 {
            quiet(bits)
        } else {
            f32::NAN
        };
    }
    if bits == 0x7F80_0000 {
        return x;
    }
    let n = Num::from_bits(bits);
    pack(ln_u64(u64::from(n.m), n.e.wrapping_sub(31)), false)
}

/// |x| below 2^−6 takes the series of `math::int::ln1p_small` directly.
const SMALL_BITS: u32 = 0x3C80_0000;
/// x ≥ 2^30: ln(1 + x) = ln x + 1/x − …, and 1/x ≤ 2^−30 is below 2^−34 of ln x ≥ 20.7.
const BIG_BITS: u32 = 0x4E80_0000;

/// ln(1 + x) for every f32, FPU-free, accurate near 0.
///
/// Algorithm: |x| < 2^−6: x·(1 − x/2 + … − x⁵/6) with x's exponent kept (relative accuracy
/// down to the smallest subnormal); 2^−6 ≤ |x| < 2^30: 1 + x is formed exactly in 64-bit
/// Q30 (x has no bits below 2^−30 there) and its logarithm taken as in [`ln`]; x ≥ 2^30:
/// ln x.
///
/// Special values as [`crate::math::own::log1p`]: log1p(−1) = −∞, x < −1 → NaN, +∞ → +∞,
/// ±0 → ±0, NaN → NaN. Error: ≤ 0.5 + 2^−4 ulp by construction.
/// Cost (`cargo xtask bench`, QEMU instructions per call): 886 on the M0, 254 on the M3 (float form
/// on soft float: 3,039 / 1,844); code 2814 / 2008 bytes.
///
/// Stack (bytes, `cargo xtask bench`): M0 140 · M3/M4F/M7/M33/M55 60.
/// <!-- stack: math::nofpu::log1p -->
///
/// ```
/// // The f32 ulp at v, for the error bound in ulp (f64 reference).
/// let ulp = |v: f64| (v.abs().log2().floor() - 23.0).exp2().max(2f64.powi(-149));
/// use mcu_kernels::math::nofpu::log1p;
///
/// // Accurate near 0, where ln(1 + x) computed in f32 loses every digit.
/// for x in [-0.5f32, 1e-7, 3.0, 1e20] {
///     let want = f64::from(x).ln_1p();
///     assert!((f64::from(log1p(x)) - want).abs() <= 0.5625 * ulp(want), "x = {x}");
/// }
/// assert_eq!(log1p(-1.0), f32::NEG_INFINITY);
/// assert!(log1p(-2.0).is_nan());
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn log1p(x: f32) -> f32 {
    let bits = x.to_bits();
    let abs = bits & 0x7FFF_FFFF;
    let neg = bits >> 31 != 0;
    if abs > 0x7F80_0000 {
        return quiet(bits);
    }
    if neg && abs >= 0x3F80_0000 {
        return if abs == 0x3F80_0000 {
            f32::NEG_INFINITY
        } else {
            f32::NAN
        };
    }
    if abs == 0x7F80_0000 {
        return x;
    }
    let n = Num::from_bits(bits);
    if abs < SMALL_BITS {
        return pack(ln1p_small(n), false);
    }
    if abs >= BIG_BITS {
        return pack(ln_u64(u64::from(n.m), n.e.wrapping_sub(31)), false);
    }
    // |x|·2^30 = m·2^(e − 1) with −6 ≤ e ≤ 29 and m = m24·2^8 (x is normal): the exact
    // integer m24·2^(e + 7) < 2^60.
    let xq = u64::from(n.m >> 8) << (n.e.wrapping_add(7) & 63);
    let v = if neg {
        (1u64 << 30).wrapping_sub(xq)
    } else {
        (1u64 << 30).wrapping_add(xq)
    };
    pack(ln_u64(v, -30), false)
}
