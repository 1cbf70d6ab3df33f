//! int8-input softmax, TFLite-Micro-exact (see the module docs of `softmax::quant`): bit-exact
//! with TFLite-Micro's reference kernel wherever TFLM returns an output (CMSIS-NN
//! `arm_softmax_s8` / `arm_softmax_s8_s16` agree on the golden rows), correctly rounded where
//! TFLM aborts.

use super::common::check_rows;
use super::common::TflmDomain;
use super::exp64::exp_f64;
use super::params::SoftmaxS8Params;
use crate::fixedpoint::{
    exp_on_negative_values_q5_26, one_over_one_plus_x_for_x_in_0_1, rounding_divide_by_pot,
    saturate_i32, srdhm,
};
use crate::Error;

/// Largest row accepted by the TFLM-exact kernels: 2^20 (tested at that size).
///
/// Overflow proof: each term of the row sum is `RoundingDivideByPOT(exp, 12) ≤ 2^19`. Terms are
/// added in blocks of at most `BLOCK` = 4096 into a `u32` (≤ 4096 · 2^19 = 2^31 < 2^32) and the
/// blocks into a `u64` (≤ 2^20 · 2^19 = 2^39 < 2^64; the `u64` would hold any length below
/// 2^45); TFLM's `int32` sum is its low 32 bits. Nothing else accumulates; the output shift is
/// TFLM's, checked to lie in `0..=31` (else TFLM aborts and the `f64` fallback runs: a sum of at
/// most 2^20 terms ≤ 1, exact to far below an output LSB).
///
/// ```
/// use mcu_kernels::softmax::quant::{softmax_s8_tflm, SoftmaxS8Params, TFLM_MAX_ROW};
/// use mcu_kernels::Error;
///
/// let p = SoftmaxS8Params::from_scale(0.1, 1.0)?;
/// let (x, mut y) = (vec![0i8; TFLM_MAX_ROW + 1], vec![0i8; TFLM_MAX_ROW + 1]);
/// assert!(matches!(softmax_s8_tflm(&p, &x, TFLM_MAX_ROW + 1, &mut y), Err(Error::BadParameter(_))));
/// softmax_s8_tflm(&p, &x[..TFLM_MAX_ROW], TFLM_MAX_ROW, &mut y[..TFLM_MAX_ROW])?;
/// # Ok::<(), Error>(())
/// ```
pub const TFLM_MAX_ROW: usize = 1 << 20;

pub(super) const BLOCK: usize = 4096;

/// The output formats: int8 (scale 1/256, zero point −128) and int16 (scale 1/65536, zero
/// point −32768).
pub(super) trait OutQ: Copy {
    const BITS: u32;
    const MIN: i32;
    const MAX: i32;
    fn from_clamped(v: i32) -> Self;
    /// `min(r, 2^BITS − 1) + MIN`: the output of a rounded quotient `0 ≤ r < 2^31`.
    fn from_unsigned(r: u32) -> Self;
}

impl OutQ for i8 {
    const BITS: u32 = 8;
    const MIN: i32 = i8::MIN as i32;
    const MAX: i32 = i8::MAX as i32;
    #[inline(always)]
    fn from_clamped(v: i32) -> Self {
        v.clamp(<Self as OutQ>::MIN, <Self as OutQ>::MAX) as i8
    }
    #[inline(always)]
    fn from_unsigned(r: u32) -> Self {
        // r < 2^31: r − 128 cannot wrap, and the clamp is one `ssat` on ARMv7-M.
        Self::from_clamped((r as i32).wrapping_add(<Self as OutQ>::MIN))
    }
}

impl OutQ for i16 {
    const BITS: u32 = 16;
    const MIN: i32 = i16::MIN as i32;
    const MAX: i32 = i16::MAX as i32;
    #[inline(always)]
    fn from_clamped(v: i32) -> Self {
        v.clamp(<Self as OutQ>::MIN, <Self as OutQ>::MAX) as i16
    }
    #[inline(always)]
    fn from_unsigned(r: u32) -> Self {
        Self::from_clamped((r as i32).wrapping_add(<Self as OutQ>::MIN))
    }
}

/// Sentinel of an exp-cache slot not yet computed (a `Q0.31` exp is at most `2^31 − 1`).
const EMPTY: u32 = u32::MAX;

/// TFLM's e^(diff · S_in · β) in `Q0.31` for `diff = −d`, `d ∈ 0..=255`:
/// `exp_on_negative_values(SRDHM(diff · 2^shift, mult))`. The product `diff · 2^shift` is formed
/// in `i64` and saturated (TFLM's `diff_min` keeps it below 31·2^26 in magnitude, so saturation
/// never changes a TFLM-defined value).
#[inline]
pub(super) fn exp_of_diff(p: &SoftmaxS8Params, d: u8) -> u32 {
    let diff = -i64::from(d);
    let shifted = saturate_i32(diff << p.shift().clamp(0, 31));
    let scaled = srdhm(shifted, p.mult());
    // exp_on_negative_values of a non-positive input is in [0, 2^31 − 1].
    exp_on_negative_values_q5_26(scaled).max(0) as u32
}

/// The row's `Q12.19` sum of `RoundingDivideByPOT(exp, 12)` terms, exactly (in `u64`; TFLM's
/// `int32` sum is its low 32 bits). `cache` holds each `Q0.31` exp once computed.
#[inline(always)]
fn row_sum(params: &SoftmaxS8Params, x_row: &[i8], max: i8, cache: &mut [u32; 256]) -> u64 {
    // d ≤ −diff_min ⇔ the element contributes; diff_min ≤ 0 so d = 0 always contributes.
    let d_max = u32::try_from(-i64::from(params.diff_min())).unwrap_or(u32::MAX);
    let mut sum: u64 = 0;
    for block in x_row.chunks(BLOCK) {
        let mut s: u32 = 0;
        for &x in block {
            // 0 ≤ d ≤ 255 since max ≥ x.
            let d = max.wrapping_sub(x) as u8;
            if u32::from(d) <= d_max
                && let Some(slot) = cache.get_mut(usize::from(d))
            {
                if *slot == EMPTY {
                    *slot = exp_of_diff(params, d);
                }
                // Rescale Q0.31 → Q12.19: RoundingDivideByPOT(e, 12) for e ≥ 0.
                // *slot ≤ 2^31 − 1, so + 2048 cannot wrap a u32.
                s = s.wrapping_add(slot.wrapping_add(2048) >> 12);
            }
        }
        sum = sum.wrapping_add(u64::from(s));
    }
    sum
}

/// What TFLM does with a row whose exact `Q12.19` sum is `sum`, for an output of `bits` bits.
///
/// TFLM keeps the sum in an `int32` and reads it as unsigned (`CountLeadingZeros` of
/// `uint32`): the low 32 bits. Its output shift is `exponent = 12 − clz32(sum) + 31 − bits`,
/// and `TFLITE_CHECK(0 <= exponent && exponent <= 31)` aborts otherwise.
#[inline]
pub(super) fn classify(sum: u64, bits: u32) -> TflmDomain {
    let clz = (sum as u32).leading_zeros(); // 0..=32
    let exponent = 43i32.saturating_sub(bits as i32).saturating_sub(clz as i32);
    if !(0..=31).contains(&exponent) {
        TflmDomain::Aborts
    } else if sum > u64::from(u32::MAX) {
        TflmDomain::Wraps
    } else {
        TflmDomain::Accurate
    }
}

/// The correctly rounded softmax of one row, for the rows where TFLM aborts:
/// `y = min(round(2^bits · p), 2^bits − 1) + MIN` (ties up) with `p` from e^(−d·s) in `f64`,
/// `s` the `S_in · β` the parameters encode. Two passes of `exp_f64` per element.
///
/// Out of line and cold, so that its soft-float code stays out of the kernel's loops (and its
/// code size). It is an `extern "C"` function only so that it is `nounwind` (a Rust panic
/// cannot cross that ABI: it aborts instead), which lets the no-panic proof see that calling
/// it cannot unwind; it is never called from C. It cannot panic either (no indexing, no
/// integer division, saturating casts), and carries the no-panic proof's mark itself, since
/// the `nounwind` ABI would otherwise hide a panic inside it from the proof.
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[cold]
#[inline(never)]
#[allow(improper_ctypes_definitions)]
pub(super) extern "C" fn correctly_rounded_row<T: OutQ>(fallback: &mut Fallback<'_, T>) {
    let Fallback {
        params,
        x_row,
        max,
        y_row,
    } = fallback;
    let (max, s) = (*max, params.scale_beta());
    let e = |x: i8| exp_f64(-f64::from(max.wrapping_sub(x) as u8) * s);
    // ≥ 1: the maximum contributes e^0 = 1.
    let total: f64 = x_row.iter().map(|&x| e(x)).sum();
    let full = f64::from(1u32 << T::BITS);
    let top = (1i32 << T::BITS) - 1;
    for (&x, y) in x_row.iter().zip(y_row.iter_mut()) {
        // p·2^bits + 1/2 ≥ 0: the cast truncates, i.e. floors (and saturates).
        let v = ((e(x) / total) * full + 0.5) as i32;
        *y = T::from_clamped(v.min(top).saturating_add(T::MIN));
    }
}

/// The arguments of [`correctly_rounded_row`].
pub(super) struct Fallback<'a, T> {
    pub(super) params: &'a SoftmaxS8Params,
    pub(super) x_row: &'a [i8],
    pub(super) max: i8,
    pub(super) y_row: &'a mut [T],
}

/// Where `row` lies for TFLM's arithmetic with an output of `bits` bits.
#[inline(always)]
fn domain(params: &SoftmaxS8Params, row: &[i8], bits: u32) -> TflmDomain {
    // Every term is at most 2^19: a row of N elements sums to at most N · 2^19, below 2^28
    // (int8 output: TFLM's abort) for N < 512 and below 2^32 for N < 8192, where the sum is
    // also ≥ 2^19 (no abort for int16 output).
    let cheap = if bits == 8 { 512 } else { 8192 };
    if row.len() < cheap {
        return TflmDomain::Accurate;
    }
    let mut cache = [EMPTY; 256];
    let max = row.iter().fold(i8::MIN, |m, &v| m.max(v));
    classify(row_sum(params, row, max, &mut cache), bits)
}

#[inline]
fn softmax_s8_tflm_impl<T: OutQ>(
    params: &SoftmaxS8Params,
    input: &[i8],
    row_size: usize,
    output: &mut [T],
) -> Result<(), Error> {
    check_rows(input.len(), output.len(), row_size, TFLM_MAX_ROW)?;
    // exp depends on d = max − x only (not on the row), so one lazily filled table serves
    // every row of the call: each distinct d costs one exp_on_negative_values, every element
    // a load and a compare.
    let mut cache = [EMPTY; 256];
    let d_max = u32::try_from(-i64::from(params.diff_min())).unwrap_or(u32::MAX);
    for (x_row, y_row) in input
        .chunks_exact(row_size)
        .zip(output.chunks_exact_mut(row_size))
    {
        let max = x_row.iter().fold(i8::MIN, |m, &v| m.max(v));
        let sum = row_sum(params, x_row, max, &mut cache);
        if classify(sum, T::BITS) == TflmDomain::Aborts {
            correctly_rounded_row(&mut Fallback {
                params,
                x_row,
                max,
                y_row,
            });
            continue;
        }
        // TFLM's GetReciprocal on its int32 sum (the low 32 bits, read as unsigned): normalise
        // to [1, 2) and take 1/(1 + x). `sum32 << 32` (sum32 = 0, possible only after a wrap)
        // is 0 on every machine; wrapping_shl gives 0 << 0 = 0 too.
        let sum32 = sum as u32;
        let lz = sum32.leading_zeros();
        let top = sum32.wrapping_shl(lz);
        let scale = one_over_one_plus_x_for_x_in_0_1(top.wrapping_sub(1 << 31) as i32);
        // exponent = num_bits_over_unit + 31 − bits = 12 − lz + 31 − bits, in 0..=31 here
        // (classify checked it).
        let exponent = (43 - T::BITS).saturating_sub(lz);
        for (&x, y) in x_row.iter().zip(y_row.iter_mut()) {
            let d = max.wrapping_sub(x) as u8;
            let e = if u32::from(d) <= d_max {
                cache.get(usize::from(d)).copied().unwrap_or(0)
            } else {
                EMPTY
            };
            *y = if e == EMPTY {
                T::from_clamped(T::MIN)
            } else {
                let r = rounding_divide_by_pot(srdhm(scale, e as i32), exponent);
                T::from_clamped(r.saturating_add(T::MIN))
            };
        }
    }
    Ok(())
}

/// int8 → int8 softmax, TFLite-Micro-exact (CMSIS-NN's `arm_softmax_s8` agrees with it on all
/// 540 golden rows).
///
/// Formula: `y = clamp(round(256 · e^(S_in·β·(x − max)) / Σ e^(…)) − 128)` in TFLM's fixed-point
/// approximation: scaled difference in `Q5.26` (`SRDHM(diff · 2^shift, mult)`), gemmlowp
/// `exp_on_negative_values`, sum in `Q12.19`, reciprocal by `one_over_one_plus_x_for_x_in_0_1`
/// after normalisation, `y = RoundingDivideByPOT(SRDHM(recip, exp), 35 − clz(sum)) − 128`.
/// Differences below `diff_min` give −128. Output scale 1/256, zero point −128.
///
/// Algorithm: per row, max pass; sum pass; output pass. The exponential is computed once per
/// distinct difference (≤ 256 per call) and cached in a stack table, instead of twice per
/// element as in the reference; the values are identical.
///
/// TFLite-Micro-exact as the module docs define it (checked against TFLite-Micro
/// 0.dev20261023182759 on 4,934 rows, zero mismatches). TFLM's limits, measured there:
///
/// - TFLM keeps the `Q12.19` sum in an `int32` and aborts (`TFLITE_CHECK` on the output
///   shift) once that sum, read modulo 2^32, is ≥ 512: 511 equal logits work, 512 abort, and
///   so do most rows with ≳ 512 elements near the maximum (644 of the oracle rows). There the
///   kernel returns the correctly rounded softmax (−127 for 512 equal logits: 256/512 = 0.5
///   rounds up; −128 from 513 on) for the `S_in · β` the parameters encode (`mult ·
///   2^(shift − 57)`, within 2^−31 of the true product below TFLM's cap at 32), computed in
///   `f64` with the crate's own `exp` (two `f64`
///   exps per element: slow on an FPU-less core, but only on rows TFLM cannot run).
/// - From a sum of 2^32 on (8,192 or more elements at the maximum) TFLM's sum wraps and can
///   fall below 512 again: TFLM answers, far from the softmax (8,193 equal logits: 127 in
///   every position), and the kernel reproduces it. [`softmax_s8_tflm_domain`] tells these
///   rows ([`TflmDomain::Wraps`]) and the aborting ones ([`TflmDomain::Aborts`]) apart from
///   the rest.
///
/// Accuracy on the rows where TFLM's arithmetic is accurate (measured against the exact
/// softmax of the dequantised input over 50,000 seeded rows, 4.0 M outputs,
/// `host/tests/quant_accuracy.rs`; a measurement, not a bound): max error 0.5001 LSB
/// (1/256), 127 saturating where p > 255.5/256. Golden file (CMSIS-NN generated): all 540 rows
/// (278 records) bit-exact.
///
/// Rows up to [`TFLM_MAX_ROW`] elements (overflow proof there).
/// The table-free form: no persistent RAM; a 256-entry `u32` exp cache (1 KiB) on the stack,
/// refilled on every call. Cost
/// (`cargo xtask bench`, N = 256, uniform int8): 157.4 instructions/element on the M4F (M3
/// 159.8, M0 475.6), against ≈ 506 measured for CMSIS-NN's `arm_softmax_s8` (REFERENCE §6),
/// which computes exp twice per element. With the parameters fixed per model, the table form
/// [`super::softmax_s8_tflm_table`] gives the same outputs bit for bit at 28.7 (M0 68.0) for
/// 1,036 bytes of RAM ([`super::SoftmaxS8TflmTable`]).
///
/// # Errors
/// [`Error::BadRowLength`] if `row_size` is 0 or does not divide `input.len()`,
/// [`Error::Empty`] for an empty input, [`Error::LengthMismatch`] if
/// `output.len() != input.len()`, [`Error::BadParameter`] if `row_size > TFLM_MAX_ROW`.
/// Nothing is written on error.
///
/// Stack (bytes, `cargo xtask bench`): M0 1268 · M3/M4F/M7/M33/M55 1184.
/// <!-- stack: softmax::quant::softmax_s8_tflm -->
///
/// ```
/// use mcu_kernels::softmax::quant::{softmax_s8_tflm, SoftmaxS8Params};
/// use mcu_kernels::Error;
///
/// // A CMSIS-NN golden row (input scale 1.1044, β = 1): five equal logits give −77 each
/// // (TFLM's bits; the exact 1/5 would be 51.2/256 → −77 as well).
/// let p = SoftmaxS8Params::from_scale(1.1044, 1.0)?;
/// let mut y = [0i8; 10];
/// softmax_s8_tflm(&p, &[7; 10], 5, &mut y)?; // two rows of five
/// assert_eq!(y, [-77; 10]);
/// // 511 equal logits: TFLM answers −127; 512 make TFLM abort and the kernel gives the
/// // correctly rounded value (256/512 = 0.5 rounds up: −127).
/// let p = SoftmaxS8Params::from_scale(1.0 / 255.0, 1.0)?;
/// let mut y = vec![0i8; 512];
/// softmax_s8_tflm(&p, &[3; 511], 511, &mut y[..511])?;
/// assert!(y[..511].iter().all(|&v| v == -127));
/// softmax_s8_tflm(&p, &[3; 512], 512, &mut y)?;
/// assert!(y.iter().all(|&v| v == -127));
/// assert_eq!(softmax_s8_tflm(&p, &[1, 2, 3], 2, &mut y[..3]), Err(Error::BadRowLength));
/// # Ok::<(), Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn softmax_s8_tflm(
    params: &SoftmaxS8Params,
    input: &[i8],
    row_size: usize,
    output: &mut [i8],
) -> Result<(), Error> {
    softmax_s8_tflm_impl(params, input, row_size, output)
}

/// int8 → int16 softmax, bit-exact with TFLite-Micro (CMSIS-NN `arm_softmax_s8_s16`).
///
/// As [`softmax_s8_tflm`] with output scale 1/65536, zero point −32768: the final shift is
/// `27 − clz(sum)` and the offset −32768.
///
/// TFLite-Micro-exact as the module docs define it (checked against TFLite-Micro
/// 0.dev20261023182759 on 1,434 rows, zero mismatches). TFLM's limits, measured there: its
/// `int32` `Q12.19` sum passes 2^31 from 4,096 equal logits on, but TFLM reads it as unsigned,
/// so up to 8,191 equal logits the outputs are right (−32752 at 4,096, −32760 at 8,191). At
/// exactly 8,192 the sum wraps to 0 and TFLM aborts (its output shift turns negative); the
/// kernel returns the correctly rounded −32760. Beyond, TFLM answers from the wrapped sum
/// and the kernel reproduces it: 8,193 equal logits give 32767, 9,000 give −32687 (softmax:
/// −32761), 12,000 give −32751 (softmax: −32763). [`softmax_s8_s16_tflm_domain`] flags those
/// rows as [`TflmDomain::Wraps`].
///
/// Accuracy where TFLM's arithmetic is accurate (measured as for [`softmax_s8_tflm`]; a
/// measurement, not a bound): max error 0.89 LSB (1/65536): TFLM's Q12.19 sum and exp
/// approximation show at this resolution. Golden file: all 540 rows bit-exact.
/// Cost (N = 256): 158.4 instructions/element on the M4F
/// (M3 159.8, M0 477.3); the table form [`super::softmax_s8_s16_tflm_table`]: 26.0 (M0 69.2).
///
/// # Errors
/// As [`softmax_s8_tflm`].
///
/// Stack (bytes, `cargo xtask bench`): M0 1276 · M3/M4F/M7/M33/M55 1192.
/// <!-- stack: softmax::quant::softmax_s8_s16_tflm -->
///
/// ```
/// use mcu_kernels::softmax::quant::{softmax_s8_s16_tflm, SoftmaxS8Params};
///
/// // TFLite-Micro's outputs (measured with its interpreter): N equal logits.
/// let p = SoftmaxS8Params::from_scale(0.1, 1.0)?;
/// for (n, tflm) in [(4096, -32752i16), (8191, -32760), (8193, 32767)] {
///     let mut y = vec![0i16; n];
///     softmax_s8_s16_tflm(&p, &vec![7i8; n], n, &mut y)?;
///     assert!(y.iter().all(|&v| v == tflm), "N = {n}");
/// }
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn softmax_s8_s16_tflm(
    params: &SoftmaxS8Params,
    input: &[i8],
    row_size: usize,
    output: &mut [i16],
) -> Result<(), Error> {
    softmax_s8_tflm_impl(params, input, row_size, output)
}

/// Where one row lies for TFLite-Micro's int8 → int8 softmax ([`softmax_s8_tflm`]):
/// [`TflmDomain::Accurate`], [`TflmDomain::Wraps`] (TFLM's `int32` sum wrapped past 2^32 and
/// its output is far from the softmax; reproduced) or [`TflmDomain::Aborts`] (the `Q12.19` sum,
/// read modulo 2^32, is ≥ 512, i.e. ≳ 512 near-equal logits: TFLM's `TFLITE_CHECK` on the
/// output shift fails; the kernel returns the correctly rounded softmax).
///
/// Cost: O(1) for rows of fewer than 512 elements (always [`TflmDomain::Accurate`]); else one
/// max pass and one sum pass (the kernel's first two passes), 1 KiB of stack.
///
/// ```
/// use mcu_kernels::softmax::quant::{softmax_s8_tflm_domain, SoftmaxS8Params, TflmDomain};
///
/// let p = SoftmaxS8Params::from_scale(1.0 / 255.0, 1.0)?;
/// assert_eq!(softmax_s8_tflm_domain(&p, &[3; 511]), TflmDomain::Accurate);
/// assert_eq!(softmax_s8_tflm_domain(&p, &[3; 512]), TflmDomain::Aborts); // TFLM's sum check
/// assert_eq!(softmax_s8_tflm_domain(&p, &[3; 8193]), TflmDomain::Wraps);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn softmax_s8_tflm_domain(params: &SoftmaxS8Params, row: &[i8]) -> TflmDomain {
    domain(params, row, 8)
}

/// Where one row lies for TFLite-Micro's int8 → int16 softmax ([`softmax_s8_s16_tflm`]):
/// [`TflmDomain::Accurate`] below a `Q12.19` sum of 2^32 (every row of fewer than 8,192
/// elements), [`TflmDomain::Wraps`] above it (TFLM's `int32` sum wraps and the outputs are far
/// from the softmax, e.g. 9,000 equal logits: −32687 where the softmax gives −32761;
/// reproduced), [`TflmDomain::Aborts`] where the wrapped sum is below 16 (TFLM's output shift
/// turns negative: exactly 8,192 equal logits; the kernel returns the correctly rounded
/// softmax).
///
/// Cost: O(1) for rows of fewer than 8,192 elements; else one max pass and one sum pass,
/// 1 KiB of stack.
///
/// ```
/// use mcu_kernels::softmax::quant::{softmax_s8_s16_tflm_domain, SoftmaxS8Params, TflmDomain};
///
/// let p = SoftmaxS8Params::from_scale(1.0 / 255.0, 1.0)?;
/// assert_eq!(softmax_s8_s16_tflm_domain(&p, &[7; 8191]), TflmDomain::Accurate);
/// assert_eq!(softmax_s8_s16_tflm_domain(&p, &[7; 8192]), TflmDomain::Aborts); // sum wraps to 0
/// assert_eq!(softmax_s8_s16_tflm_domain(&p, &[7; 9000]), TflmDomain::Wraps);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn softmax_s8_s16_tflm_domain(params: &SoftmaxS8Params, row: &[i8]) -> TflmDomain {
    domain(params, row, 16)
}
