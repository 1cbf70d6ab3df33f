//! Shared pieces of the quantized kernels: argument validation and the per-row reciprocal
//! that turns a division by the row sum into one 32×32→64-bit multiply per element.

use crate::Error;

/// Validate the row layout shared by every quantized kernel.
///
/// Checks, in order: `row_size > 0` ([`Error::BadRowLength`]), non-empty input
/// ([`Error::Empty`]), `row_size` divides the input ([`Error::BadRowLength`]), output as long as
/// the input ([`Error::LengthMismatch`]), `row_size ≤ max_row` ([`Error::BadParameter`]).
#[inline]
pub(crate) fn check_rows(
    in_len: usize,
    out_len: usize,
    row_size: usize,
    max_row: usize,
) -> Result<(), Error> {
    if row_size == 0 {
        return Err(Error::BadRowLength);
    }
    if in_len == 0 {
        return Err(Error::Empty);
    }
    if in_len.checked_rem(row_size) != Some(0) {
        return Err(Error::BadRowLength);
    }
    if out_len != in_len {
        return Err(Error::LengthMismatch {
            expected: in_len,
            actual: out_len,
        });
    }
    if row_size > max_row {
        return Err(Error::BadParameter("row_size above this kernel's maximum"));
    }
    Ok(())
}

/// `round(2^k / s)` to about 31 significant bits, for `s` of bit length `len ≥ k − 31`
/// (so that the result is at most `2^31`). The caller then forms
/// `(num · r + 2^(f−1)) >> f`, which is `num · 2^(k−f) / s` rounded to nearest.
///
/// Algorithm: keep the top 32 bits `s32` of `s` (relative truncation < 2^−31), then one 64-by-32
/// division `round(2^(k + 32 − len) / s32)`. With `len ≥ k − 31` and `len ≤ 64` the numerator
/// exponent is in `[k − 32, 63]`, so it fits `u64`; `s32 ≥ 2^31` bounds the quotient by
/// `2^(k + 1 − len) ≤ 2^32`, and by `2^31` when `len ≥ k − 30`.
///
/// Relative error of `r` against `2^k / s`: below `2^−31` (truncation) + `2^−31` (rounding, since
/// `r ≥ 2^30`), i.e. `< 2^−30`.
#[inline]
pub(crate) fn reciprocal(s: u64, k: u32) -> u32 {
    let len = 64u32.saturating_sub(s.leading_zeros());
    let s32 = s.checked_shr(len.saturating_sub(32)).unwrap_or(0);
    let e = (k + 32).saturating_sub(len);
    let num = 1u64.checked_shl(e).unwrap_or(0);
    let q = num
        .saturating_add(s32 >> 1)
        .checked_div(s32)
        .unwrap_or(u64::from(u32::MAX));
    u32::try_from(q).unwrap_or(u32::MAX)
}

/// `(num · r + 2^(f−1)) >> f`, the rounded product of a numerator with a [`reciprocal`].
/// No overflow: `num < 2^32`, `r ≤ 2^31` give a product below `2^63`, and `f ≤ 63` keeps the
/// rounding constant below `2^62`.
#[inline(always)]
pub(crate) fn mul_round(num: u32, r: u32, f: u32) -> u64 {
    u64::from(num)
        .wrapping_mul(u64::from(r))
        .wrapping_add(1u64 << (f - 1))
        >> f
}

/// Round half up (= `libm::round`) of a non-negative `x < 2^52`, inlined so that the no-panic
/// proof sees no call into another crate. `x − ⌊x⌋` is exact below 2^52 (both have x's
/// exponent or less), so the comparison with ½ decides exactly; NaN and negative x give 0.
#[inline(always)]
pub(crate) fn round_non_negative(x: f64) -> f64 {
    let f = x as u64; // truncation toward zero, saturating
    let fl = f as f64;
    if x - fl >= 0.5 {
        fl + 1.0
    } else {
        fl
    }
}

/// Where a row lies for TFLite-Micro's arithmetic: the answer of the domain checks
/// [`super::softmax_s8_tflm_domain`], [`super::softmax_s8_s16_tflm_domain`] and
/// [`super::softmax_s16_tflm_domain`]. See the module docs for what the TFLM-exact kernels
/// return in each case.
///
/// ```
/// use mcu_kernels::softmax::quant::{softmax_s8_tflm_domain, SoftmaxS8Params, TflmDomain};
///
/// let params = SoftmaxS8Params::from_scale(0.1, 1.0)?;
/// // An ordinary row: TFLite-Micro's answer is its formula's value.
/// assert_eq!(softmax_s8_tflm_domain(&params, &[10, 0, -10, 3]), TflmDomain::Accurate);
/// // 8,193 equal logits: TFLM's int32 sum passes 2^32 and wraps; the kernel reproduces it.
/// assert_eq!(softmax_s8_tflm_domain(&params, &[127; 8193]), TflmDomain::Wraps);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TflmDomain {
    /// TFLite-Micro returns an output and it is its formula's value: no intermediate wraps
    /// (or, for the int8 kernels' `int32` sum between 2^31 and 2^32, TFLM reads it as
    /// unsigned and gets the exact value). The output is as accurate as TFLM's method.
    Accurate,
    /// TFLite-Micro returns an output, but an `int32` intermediate wrapped (undefined in C,
    /// two's complement in every build that ships). The kernel reproduces it bit for bit; it
    /// can be far from the softmax. Use the accurate kernels for such rows.
    Wraps,
    /// TFLite-Micro aborts on this row (a `TFLITE_CHECK` fails in `Eval`). The kernel returns
    /// the correctly rounded softmax.
    Aborts,
    /// TFLite-Micro's C has no reproducible result (a shift by a negative count: builds
    /// differ). Only [`super::softmax_s16_tflm`] rows of more than 65,537 elements; the kernel
    /// continues TFLM's formula in 64-bit arithmetic.
    Undefined,
}
