//! gemmlowp-style Q-format fixed-point primitives on `i32`, bit-exact with the semantics that
//! TensorFlow Lite (Micro) and CMSIS-NN use for their quantized kernels.
//!
//! Notation: a `Qm.n` value is an `i32` raw `r` standing for `r / 2^n` (with `m + n = 31`).
//! Every function here is total: it never panics and never overflows (each one says why).

/// `SaturatingRoundingDoublingHighMul(a, b)`: `round(a·b / 2^31)`, ties toward +∞ (gemmlowp's
/// nudge ±2^30 and truncating division: away from zero for a positive product, toward zero
/// for a negative one), with the one overflowing case `(i32::MIN, i32::MIN)` saturated to
/// `i32::MAX`.
///
/// For `a`, `b` in `Q0.31` this is the product in `Q0.31`; in general `Qa × Qb → Q(a+b)`.
///
/// No overflow: `|a·b| ≤ 2^62` fits `i64`; the rounded quotient `|(a·b ± 2^30) / 2^31| ≤ 2^31`
/// reaches `2^31` only for the saturated case.
///
/// ```
/// use mcu_kernels::fixedpoint::srdhm;
///
/// // 0.5 · 0.5 = 0.25 in Q0.31.
/// assert_eq!(srdhm(1 << 30, 1 << 30), 1 << 29);
/// // 3 · 0.5 = 1.5 raw: rounded up to 2; −1.5 also rounds up, to −1 (gemmlowp, bit for bit).
/// assert_eq!(srdhm(3, 1 << 30), 2);
/// assert_eq!(srdhm(-3, 1 << 30), -1);
/// // (−1)·(−1) = +1 does not fit Q0.31: saturated.
/// assert_eq!(srdhm(i32::MIN, i32::MIN), i32::MAX);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn srdhm(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = (a as i64) * (b as i64);
    let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    // Division truncates toward zero, as in the C reference (not an arithmetic shift).
    ((ab + nudge) / (1i64 << 31)) as i32
}

/// `RoundingDivideByPOT(x, exponent)`: `x / 2^exponent` rounded to nearest, ties away from
/// zero. `exponent` is clamped to `0..=31` (31 already maps every `i32` to −1, 0 or 1).
///
/// ```
/// use mcu_kernels::fixedpoint::rounding_divide_by_pot;
///
/// // 5/2 = 2.5 → 3 and −5/2 → −3 (ties away from zero); 7/4 = 1.75 → 2.
/// assert_eq!(rounding_divide_by_pot(5, 1), 3);
/// assert_eq!(rounding_divide_by_pot(-5, 1), -3);
/// assert_eq!(rounding_divide_by_pot(7, 2), 2);
/// // The exponent is clamped to 31: i32::MAX / 2^31 ≈ 1.
/// assert_eq!(rounding_divide_by_pot(i32::MAX, 40), 1);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn rounding_divide_by_pot(x: i32, exponent: u32) -> i32 {
    let e = if exponent > 31 { 31 } else { exponent };
    // mask ≤ 2^31 − 1 fits i32.
    let mask = ((1i64 << e) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + if x < 0 { 1 } else { 0 };
    // (x >> e) + 1 cannot overflow: for e = 0 the remainder is 0 and never exceeds the threshold;
    // for e ≥ 1, x >> e ≤ 2^30 − 1.
    (x >> e).wrapping_add(if remainder > threshold { 1 } else { 0 })
}

/// [`rounding_divide_by_pot`] on `i64`, `exponent` clamped to `0..=62`. Used where the TFLM
/// reference would shift an `i32` by 32 or more (undefined in C): this gives the value the
/// formula means, the correctly rounded quotient.
///
/// ```
/// use mcu_kernels::fixedpoint::rounding_divide_by_pot_i64;
///
/// // (2^40 + 2^7) / 2^8 = 2^32 + 0.5 → 2^32 + 1: a shift by more than 31 bits, correctly rounded.
/// assert_eq!(rounding_divide_by_pot_i64((1 << 40) + (1 << 7), 8), (1 << 32) + 1);
/// assert_eq!(rounding_divide_by_pot_i64(-(3 << 33), 34), -2); // −1.5 → −2
/// assert_eq!(rounding_divide_by_pot_i64(i64::MAX, 62), 2); // exponent used as is (≤ 62)
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn rounding_divide_by_pot_i64(x: i64, exponent: u32) -> i64 {
    let e = if exponent > 62 { 62 } else { exponent };
    let mask = (1i64 << e) - 1;
    let remainder = x & mask;
    let threshold = (mask >> 1) + if x < 0 { 1 } else { 0 };
    // As above: for e ≥ 1, x >> e ≤ 2^62 − 1, so the + 1 never wraps.
    (x >> e).wrapping_add(if remainder > threshold { 1 } else { 0 })
}

/// `SaturatingRoundingMultiplyByPOT<+e>(x)`: `x · 2^e` saturated to the `i32` range
/// (`e` clamped to `0..=31`). Computed in `i64`, where `|x·2^31| < 2^62` cannot overflow.
///
/// ```
/// use mcu_kernels::fixedpoint::saturating_shl;
///
/// assert_eq!(saturating_shl(3, 4), 48);
/// // 2^30 · 4 = 2^32 does not fit: saturated at either end.
/// assert_eq!(saturating_shl(1 << 30, 2), i32::MAX);
/// assert_eq!(saturating_shl(-(1 << 30), 2), i32::MIN);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn saturating_shl(x: i32, e: u32) -> i32 {
    let e = if e > 31 { 31 } else { e };
    saturate_i32((x as i64) << e)
}

/// Clamp an `i64` to the `i32` range.
///
/// ```
/// use mcu_kernels::fixedpoint::saturate_i32;
///
/// assert_eq!(saturate_i32(-5), -5);
/// assert_eq!(saturate_i32(1 << 40), i32::MAX);
/// assert_eq!(saturate_i32(i64::MIN), i32::MIN);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn saturate_i32(v: i64) -> i32 {
    if v > i32::MAX as i64 {
        i32::MAX
    } else if v < i32::MIN as i64 {
        i32::MIN
    } else {
        v as i32
    }
}

/// `RoundingHalfSum(a, b)`: `(a + b) / 2` rounded away from zero, computed in `i64`.
///
/// ```
/// use mcu_kernels::fixedpoint::rounding_half_sum;
///
/// // (3 + 4)/2 = 3.5 → 4, (−3 − 4)/2 → −4; no overflow at the ends of the range.
/// assert_eq!(rounding_half_sum(3, 4), 4);
/// assert_eq!(rounding_half_sum(-3, -4), -4);
/// assert_eq!(rounding_half_sum(i32::MAX, i32::MAX), i32::MAX);
/// assert_eq!(rounding_half_sum(i32::MIN, i32::MIN), i32::MIN);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn rounding_half_sum(a: i32, b: i32) -> i32 {
    let sum = a as i64 + b as i64; // |sum| ≤ 2^32
    let sign = if sum >= 0 { 1 } else { -1 };
    ((sum + sign) / 2) as i32 // |…| ≤ 2^31, and equals 2^31 only for a = b = i32::MIN → fits
}

/// `1.0` in `Q0.31` as gemmlowp spells it (`i32::MAX`).
///
/// ```
/// use mcu_kernels::fixedpoint::Q31_ONE;
///
/// // 1 − 2^−31: the largest Q0.31 value.
/// assert_eq!(f64::from(Q31_ONE) / 2f64.powi(31), 1.0 - 2f64.powi(-31));
/// ```
pub const Q31_ONE: i32 = i32::MAX;

/// gemmlowp `exp_on_interval_between_negative_one_quarter_and_0_excl`: e^a for `a` in
/// `[−1/4, 0)` (`Q0.31` in, `Q0.31` out). Fourth-order Taylor expansion around −1/8.
///
/// Total: an `a` outside `[−1/4, 0]` (raw `[−2^29, 0]`) is clamped to that interval first,
/// so `i32::MAX` gives e^0 and `i32::MIN` gives e^(−1/4) (gemmlowp leaves such inputs
/// undefined: its `a + 1/8` overflows). Inside the interval the result is gemmlowp's, bit
/// for bit.
///
/// ```
/// use mcu_kernels::fixedpoint::exp_on_interval_neg_quarter_to_0;
///
/// // e^(−1/8) and e^(−1/4) in Q0.31 against the f64 values (4th-order Taylor: error < 3e−7).
/// let q31 = |r: i32| f64::from(r) / 2f64.powi(31);
/// assert!((q31(exp_on_interval_neg_quarter_to_0(-(1 << 28))) - (-0.125f64).exp()).abs() < 3e-7);
/// assert!((q31(exp_on_interval_neg_quarter_to_0(-(1 << 29))) - (-0.25f64).exp()).abs() < 3e-7);
/// // Total: inputs outside [−1/4, 0] are clamped to it.
/// assert_eq!(exp_on_interval_neg_quarter_to_0(i32::MAX), exp_on_interval_neg_quarter_to_0(0));
/// assert_eq!(
///     exp_on_interval_neg_quarter_to_0(i32::MIN),
///     exp_on_interval_neg_quarter_to_0(-(1 << 29))
/// );
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn exp_on_interval_neg_quarter_to_0(a: i32) -> i32 {
    exp_quarter(a.clamp(-(1 << 29), 0))
}

/// [`exp_on_interval_neg_quarter_to_0`] for `a ∈ [−2^29, 0]`, which every caller here
/// guarantees.
///
/// No overflow: `x = a + 1/8 ∈ [−1/8, 1/8]`, so every power and partial sum stays below 1/4 in
/// magnitude, and the final sum is below `e^0 < 1` in `Q0.31`; the adds are written
/// `wrapping_` because of that bound (they never wrap).
#[inline]
fn exp_quarter(a: i32) -> i32 {
    // e^(−1/8) and 1/3 in Q0.31.
    const EXP_NEG_EIGHTH: i32 = 1_895_147_668;
    const ONE_THIRD: i32 = 715_827_883;
    let x = a.wrapping_add(1 << 28);
    let x2 = srdhm(x, x);
    let x3 = srdhm(x2, x);
    let x4 = srdhm(x2, x2);
    let x4_over_4 = rounding_divide_by_pot(x4, 2);
    let poly = rounding_divide_by_pot(
        srdhm(x4_over_4.wrapping_add(x3), ONE_THIRD).wrapping_add(x2),
        1,
    );
    EXP_NEG_EIGHTH.wrapping_add(srdhm(EXP_NEG_EIGHTH, x.wrapping_add(poly)))
}

/// gemmlowp `exp_on_negative_values` for a `Q5.26` input (`a ≤ 0`), result in `Q0.31`.
///
/// Algorithm: `a = q − k/4` with `q ∈ [−1/4, 0)` evaluated by
/// [`exp_on_interval_neg_quarter_to_0`]; the bits of `k/4` select the constants
/// e^(−1/4), e^(−1/2), e^(−1), …, e^(−16) (the "barrel shifter"). `a = 0` gives `Q31_ONE`.
///
/// No overflow: `a & mask ∈ [0, 2^24)`, so `a_mod − a` is the non-negative multiple of 2^24
/// `−(a − (a & mask)) − 2^24`, ≤ 2^31 − 2^24 for `a ≥ −2^31`; the Q0.31 products are `srdhm`.
///
/// ```
/// use mcu_kernels::fixedpoint::{exp_on_negative_values_q5_26, Q31_ONE};
///
/// // e^a for a = −1, −2.5, −10 in Q5.26 (a·2^26), result in Q0.31, against f64.
/// for a in [-1.0f64, -2.5, -10.0] {
///     let r = exp_on_negative_values_q5_26((a * 2f64.powi(26)) as i32);
///     assert!((f64::from(r) / 2f64.powi(31) - a.exp()).abs() < 2e-7, "a = {a}");
/// }
/// assert_eq!(exp_on_negative_values_q5_26(0), Q31_ONE);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn exp_on_negative_values_q5_26(a: i32) -> i32 {
    const FRACTIONAL_BITS: u32 = 26;
    let one_quarter: i32 = 1 << (FRACTIONAL_BITS - 2);
    let mask = one_quarter - 1;
    let a_mod_quarter_minus_one_quarter = (a & mask) - one_quarter;
    // Rescale Q5.26 → Q0.31: a saturating ×32, exact here (|value| ≤ 2^24).
    // In [−2^29, 0): the domain of `exp_quarter`.
    let mut result = exp_quarter(saturating_shl(a_mod_quarter_minus_one_quarter, 5));
    let remainder = a_mod_quarter_minus_one_quarter.wrapping_sub(a);
    // exp(−2^k) in Q0.31 for k = −2 ..= 4, applied when bit (26 + k) of the remainder is set.
    result = barrel_step(result, remainder, FRACTIONAL_BITS - 2, 1_672_461_947);
    result = barrel_step(result, remainder, FRACTIONAL_BITS - 1, 1_302_514_674);
    result = barrel_step(result, remainder, FRACTIONAL_BITS, 790_015_084);
    result = barrel_step(result, remainder, FRACTIONAL_BITS + 1, 290_630_308);
    result = barrel_step(result, remainder, FRACTIONAL_BITS + 2, 39_332_535);
    result = barrel_step(result, remainder, FRACTIONAL_BITS + 3, 720_401);
    result = barrel_step(result, remainder, FRACTIONAL_BITS + 4, 242);
    if a == 0 {
        Q31_ONE
    } else {
        result
    }
}

#[inline]
fn barrel_step(result: i32, remainder: i32, bit: u32, mult: i32) -> i32 {
    if remainder & (1 << bit) != 0 {
        srdhm(result, mult)
    } else {
        result
    }
}

/// gemmlowp `one_over_one_plus_x_for_x_in_0_1`: `1 / (1 + a)` for `a ∈ [0, 1)` in `Q0.31`,
/// result in `Q0.31` (exact 1/2 … 1). Newton–Raphson on the half denominator `d = (1 + a)/2`
/// (in `Q2.29`), start `48/17 − 32/17·d`, three iterations.
///
/// No overflow: `d ∈ [1/2, 1)`, `x ∈ [1, 2]` throughout, every intermediate is below 4 in
/// `Q2.29`; the final ×2 rescale saturates (gemmlowp semantics).
///
/// ```
/// use mcu_kernels::fixedpoint::one_over_one_plus_x_for_x_in_0_1;
///
/// // 1/(1 + a) for a = 0.5 and 0.9 in Q0.31, against f64.
/// for a in [0.5f64, 0.9] {
///     let r = one_over_one_plus_x_for_x_in_0_1((a * 2f64.powi(31)) as i32);
///     assert!((f64::from(r) / 2f64.powi(31) - 1.0 / (1.0 + a)).abs() < 3e-9, "a = {a}");
/// }
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn one_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    const C48_OVER_17: i32 = 1_515_870_810; // Q2.29
    const CNEG32_OVER_17: i32 = -1_010_580_540; // Q2.29
    const ONE_Q2_29: i32 = 1 << 29;
    let half_denominator = rounding_half_sum(a, Q31_ONE);
    let mut x = C48_OVER_17.wrapping_add(srdhm(half_denominator, CNEG32_OVER_17));
    let mut i = 0;
    while i < 3 {
        let half_denominator_times_x = srdhm(half_denominator, x);
        let one_minus = ONE_Q2_29.wrapping_sub(half_denominator_times_x);
        // Q2.29 × Q2.29 = Q4.27, rescaled to Q2.29 by a saturating ×4.
        x = x.wrapping_add(saturating_shl(srdhm(x, one_minus), 2));
        i += 1;
    }
    // Q2.29 → (×1/2, exact) Q1.30 → Q0.31 by a saturating ×2: net raw ×2 saturated.
    saturating_shl(x, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srdhm_basics() {
        assert_eq!(srdhm(i32::MIN, i32::MIN), i32::MAX);
        assert_eq!(srdhm(1 << 30, 1 << 30), 1 << 29);
        assert_eq!(srdhm(-(1 << 30), 1 << 30), -(1 << 29));
        assert_eq!(srdhm(3, 1 << 30), 2); // 1.5 → 2 (away from zero)
        assert_eq!(srdhm(-3, 1 << 30), -1); // −1.5 → −1: gemmlowp's nudge is asymmetric
                                            // Found by `cargo xtask fuzz` (target fixedpoint) against the old doc's "ties away from
                                            // zero": a·b/2^31 = −191186186.5 exactly, which gemmlowp rounds up.
        assert_eq!(srdhm(202_244_096, -2_030_067_712), -191_186_186);
        assert_eq!(srdhm(-202_244_096, -2_030_067_712), 191_186_187);
    }

    #[test]
    fn rdbpot_basics() {
        assert_eq!(rounding_divide_by_pot(5, 1), 3);
        assert_eq!(rounding_divide_by_pot(-5, 1), -3);
        assert_eq!(rounding_divide_by_pot(4, 1), 2);
        assert_eq!(rounding_divide_by_pot(-4, 2), -1);
        assert_eq!(rounding_divide_by_pot(-6, 2), -2);
        assert_eq!(rounding_divide_by_pot(i32::MAX, 31), 1);
        assert_eq!(rounding_divide_by_pot(i32::MIN, 31), -1);
        assert_eq!(rounding_divide_by_pot_i64(i32::MAX as i64, 32), 0);
        assert_eq!(rounding_divide_by_pot_i64(1 << 31, 32), 1);
    }

    #[test]
    fn exp_accuracy() {
        let mut a = 0i32;
        while a > -(31 << 26) {
            let got = f64::from(exp_on_negative_values_q5_26(a)) / 2f64.powi(31);
            let want = (f64::from(a) / 2f64.powi(26)).exp();
            assert!((got - want).abs() < 2e-7, "a={a} got {got} want {want}");
            a -= 1_234_567;
        }
        assert_eq!(exp_on_negative_values_q5_26(0), Q31_ONE);
    }

    /// Issue #29, row 1: inputs above i32::MAX − 2^28 overflowed `a + 1/8` (a panic with
    /// overflow checks on, a wrap without). Now clamped to [−1/4, 0].
    #[test]
    fn regression_exp_quarter_is_total() {
        let at_zero = exp_on_interval_neg_quarter_to_0(0);
        let at_quarter = exp_on_interval_neg_quarter_to_0(-(1 << 29));
        assert_eq!(exp_on_interval_neg_quarter_to_0(i32::MAX), at_zero);
        assert_eq!(
            exp_on_interval_neg_quarter_to_0(i32::MAX - (1 << 28) + 1),
            at_zero
        );
        assert_eq!(exp_on_interval_neg_quarter_to_0(1), at_zero);
        assert_eq!(exp_on_interval_neg_quarter_to_0(i32::MIN), at_quarter);
        assert!((f64::from(at_zero) / 2f64.powi(31) - 1.0).abs() < 3e-7);
        assert!((f64::from(at_quarter) / 2f64.powi(31) - (-0.25f64).exp()).abs() < 3e-7);
        // Every i32, in steps: monotone non-decreasing, within (0, 1], e^a inside the domain.
        let mut prev = 0;
        let mut a = i64::from(i32::MIN);
        while a <= i64::from(i32::MAX) {
            let r = exp_on_interval_neg_quarter_to_0(a as i32);
            assert!(r > 0 && r >= prev, "a={a}");
            if (-(1i64 << 29)..0).contains(&a) {
                let want = (a as f64 / 2f64.powi(31)).exp();
                assert!((f64::from(r) / 2f64.powi(31) - want).abs() < 3e-7, "a={a}");
            }
            prev = r;
            a += 65_537;
        }
    }

    #[test]
    fn reciprocal_accuracy() {
        let mut a = 0i64;
        while a < 1 << 31 {
            let got = f64::from(one_over_one_plus_x_for_x_in_0_1(a as i32)) / 2f64.powi(31);
            let want = 1.0 / (1.0 + a as f64 / 2f64.powi(31));
            assert!((got - want).abs() < 3e-9, "a={a}");
            a += 7_654_321;
        }
    }
}
