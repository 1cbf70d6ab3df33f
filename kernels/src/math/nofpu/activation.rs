//! tanh, the logistic sigmoid and softplus in integer arithmetic.

use super::exp::expm1_series;
use super::quiet;
use crate::math::int::{div, exp2_y_q32, exp_y_q32, ln1p_small, ln_u64, pack, pack_u64, Num};

/// e^−a as a [`Num`] for a = |x| given by the bits of a non-NaN x (a ≥ 256 gives 0).
#[inline(always)]
fn exp_neg_abs(bits: u32) -> Num {
    let abs = bits & 0x7FFF_FFFF;
    if abs >= 0x4380_0000 {
        return Num::zero(false);
    }
    if abs < 0x3300_0000 {
        return Num::ONE; // e^−a rounds to 1 within 2^−25 … kept exact enough: see callers
    }
    exp2_y_q32(exp_y_q32(abs | 0x8000_0000))
}

/// 1 + t for t = m·2^(n − 31) ∈ [0, 1] (n ≤ 0), as a Num (relative error < 2^−31).
#[inline(always)]
fn one_plus(t: Num) -> Num {
    // Q31: 2^31 + m·2^n; shifts of 32 or more drop t (< 2^−32 of the sum).
    let v = (1u64 << 31).wrapping_add(u64::from(t.m.checked_shr(t.e.unsigned_abs()).unwrap_or(0)));
    Num::from_u64(false, v, -31).0
}

/// tanh x for every f32, FPU-free.
///
/// Algorithm (a = |x|, sign restored at the end): a < 0.171875: E = e^(2a) − 1 by the
/// series of [`super::expm1`] with the exponent kept (relative accuracy down to subnormal x),
/// tanh a = (E/2)/(1 + E/2) (one Newton reciprocal); 0.171875 ≤ a < 9.1: 1 − 2/(e^(2a) + 1)
/// (the result is ≥ 0.17, so the Q32 subtraction keeps 2^−29 relative); a ≥ 9.1: 1.
///
/// Special values as [`crate::math::own::tanh`]: ±0 → ±0, ±∞ → ±1, NaN → NaN.
/// Error: ≤ 0.5 + 2^−4 ulp by construction.
/// Cost (`cargo xtask bench`, QEMU instructions per call): 864 on the M0, 178 on the M3 (float form
/// on soft float: 3,061 / 1,850); code 2294 / 1276 bytes.
///
/// Stack (bytes, `cargo xtask bench`): M0 116 · M3/M4F/M7/M33/M55 56.
/// <!-- stack: math::nofpu::tanh -->
///
/// ```
/// // The f32 ulp at v, for the error bound in ulp (f64 reference).
/// let ulp = |v: f64| (v.abs().log2().floor() - 23.0).exp2().max(2f64.powi(-149));
/// use mcu_kernels::math::nofpu::tanh;
///
/// for x in [-5.0f32, -0.1, 1e-3, 2.5] {
///     let want = f64::from(x).tanh();
///     assert!((f64::from(tanh(x)) - want).abs() <= 0.5625 * ulp(want), "x = {x}");
/// }
/// assert_eq!(tanh(f32::INFINITY), 1.0);
/// assert_eq!(tanh(-0.0).to_bits(), (-0.0f32).to_bits());
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn tanh(x: f32) -> f32 {
    let bits = x.to_bits();
    let abs = bits & 0x7FFF_FFFF;
    let neg = bits >> 31 != 0;
    if abs > 0x7F80_0000 {
        return quiet(bits);
    }
    if abs >= 0x4111_999A {
        return if neg { -1.0 } else { 1.0 }; // a ≥ 9.1
    }
    let a = Num::from_bits(abs);
    if abs < 0x3E30_0000 {
        // E/2 = (e^(2a) − 1)/2: the series at 2a, exponent − 1 (same exponent as a).
        let two_a = Num {
            e: a.e.wrapping_add(1),
            ..a
        };
        let half_e = expm1_series(two_a);
        if half_e.m == 0 {
            return x;
        }
        let half_e = Num {
            e: half_e.e.wrapping_sub(1),
            ..half_e
        };
        let t = div(half_e, one_plus(half_e));
        return pack(Num { neg, ..t }, false);
    }
    // e^(2a) = m·2^(n − 31), 0 ≤ n ≤ 26; 2/(e^(2a) + 1) ≤ 0.83 in Q32; 1 − it ≥ 0.17.
    let e2a = exp2_y_q32(exp_y_q32(abs.wrapping_add(0x0080_0000)));
    let n = e2a.e;
    let d = u64::from(e2a.m).wrapping_add(1u64 << (31i32.wrapping_sub(n) & 63));
    let (d, _) = Num::from_u64(false, d, n.wrapping_sub(31));
    let two = Num { e: 1, ..Num::ONE };
    let q = div(two, d); // < 1: q.e ≤ −1
    let q32 = u64::from(
        q.m.checked_shr(q.e.wrapping_add(1).unsigned_abs())
            .unwrap_or(0),
    );
    pack_u64(neg, (1u64 << 32).wrapping_sub(q32), -32)
}

/// σ(x) = 1/(1 + e^−x) for every f32, FPU-free.
///
/// Algorithm: t = e^−|x| (mantissa, exponent; t ≤ 1); x ≥ 0: 1/(1 + t); x < 0: t/(1 + t)
/// (relative accuracy kept for very negative x down to the subnormal results). One Newton
/// reciprocal.
///
/// Special values as [`crate::math::own::sigmoid`]: σ(+∞) = 1, σ(−∞) = 0, NaN → NaN;
/// 0 below x ≈ −103.97. Error: ≤ 0.5 + 2^−4 ulp by construction.
/// Cost (`cargo xtask bench`, QEMU instructions per call): 799 on the M0, 157 on the M3 (float form
/// on soft float: 2,752 / 1,630); code 1294 / 668 bytes.
///
/// Stack (bytes, `cargo xtask bench`): M0 124 · M3/M4F/M7/M33/M55 48.
/// <!-- stack: math::nofpu::sigmoid -->
///
/// ```
/// // The f32 ulp at v, for the error bound in ulp (f64 reference).
/// let ulp = |v: f64| (v.abs().log2().floor() - 23.0).exp2().max(2f64.powi(-149));
/// use mcu_kernels::math::nofpu::sigmoid;
///
/// for x in [-20.0f32, -1.0, 3.0, 15.0] {
///     let want = 1.0 / (1.0 + (-f64::from(x)).exp());
///     assert!((f64::from(sigmoid(x)) - want).abs() <= 0.5625 * ulp(want), "x = {x}");
/// }
/// assert_eq!(sigmoid(0.0), 0.5);
/// assert_eq!(sigmoid(f32::NEG_INFINITY), 0.0);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    let bits = x.to_bits();
    if bits & 0x7FFF_FFFF > 0x7F80_0000 {
        return quiet(bits);
    }
    let t = exp_neg_abs(bits);
    let d = one_plus(t);
    let num = if bits >> 31 != 0 { t } else { Num::ONE };
    pack(div(num, d), false)
}

/// softplus(x) = ln(1 + e^x) for every f32, FPU-free.
///
/// Algorithm: t = e^−|x|; ln(1 + t) by the series of `math::int::ln1p_small` when t < 2^−6
/// (relative accuracy kept for very negative x), else by the logarithm of 1 + t formed
/// exactly in 64 bits; for x > 0 the result is x + ln(1 + t), summed in Q48 (x > 17.5: x).
///
/// Special values as [`crate::math::own::softplus`]: +∞ → +∞, −∞ → 0, NaN → NaN;
/// subnormal results below x ≈ −87.3. Error: ≤ 0.5 + 2^−4 ulp by construction.
/// Cost (`cargo xtask bench`, QEMU instructions per call): 986 on the M0,
/// 245 on the M3 (float form on soft float: 5,486 / 3,331); code 2466 / 1888 bytes.
///
/// Stack (bytes, `cargo xtask bench`): M0 140 · M3/M4F/M7/M33/M55 60.
/// <!-- stack: math::nofpu::softplus -->
///
/// ```
/// // The f32 ulp at v, for the error bound in ulp (f64 reference).
/// let ulp = |v: f64| (v.abs().log2().floor() - 23.0).exp2().max(2f64.powi(-149));
/// use mcu_kernels::math::nofpu::softplus;
///
/// for x in [-50.0f32, -1.0, 0.0, 5.0, 30.0] {
///     let want = f64::from(x).exp().ln_1p();
///     assert!((f64::from(softplus(x)) - want).abs() <= 0.5625 * ulp(want), "x = {x}");
/// }
/// assert_eq!(softplus(f32::INFINITY), f32::INFINITY);
/// assert_eq!(softplus(f32::NEG_INFINITY), 0.0);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn softplus(x: f32) -> f32 {
    let bits = x.to_bits();
    let abs = bits & 0x7FFF_FFFF;
    let neg = bits >> 31 != 0;
    if abs > 0x7F80_0000 {
        return quiet(bits);
    }
    if !neg && abs > 0x418C_0000 {
        return x; // x > 17.5: ln(1 + e^−x) < 2^−25 is below half an ulp of x
    }
    let t = if abs < 0x3300_0000 {
        // |x| < 2^−25: e^−|x| = 1 − |x| + … kept to first order in Q62.
        let a62 = Num::from_bits(abs).to_fixed(62) as u64; // < 2^37
        Num::from_u64(false, (1u64 << 62).wrapping_sub(a62), -62).0
    } else {
        exp_neg_abs(bits)
    };
    let l = if t.e < -6 {
        ln1p_small(t)
    } else {
        // 1 + t exactly: t = m·2^(n − 31), −6 ≤ n ≤ 0, so (2^(31 − n) + m)·2^(n − 31) < 2^38.
        let n = t.e;
        let v = (1u64 << (31i32.wrapping_sub(n) & 63)).wrapping_add(u64::from(t.m));
        ln_u64(v, n.wrapping_sub(31))
    };
    if neg {
        return pack(l, false);
    }
    // x ≤ 17.5 < 2^5 and ln(1 + t) ≤ ln 2: the Q48 sum is below 2^54.
    let sum = Num::from_bits(bits)
        .to_fixed(48)
        .wrapping_add(l.to_fixed(48));
    pack_u64(false, sum as u64, -48)
}
