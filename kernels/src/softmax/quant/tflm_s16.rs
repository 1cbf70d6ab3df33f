//! int16-input softmax, TFLite-Micro-exact (TFLM's int16 semantics): two 513-entry int16 tables (exp on
//! [−10, 0], 1/(1+x) on [0, 1]) with linear interpolation.

use super::common::check_rows;
use super::common::TflmDomain;
use super::exp64::{expf, roundf};
use super::params::quantize_multiplier;
use crate::fixedpoint::{rounding_divide_by_pot, srdhm};
use crate::Error;

/// Largest row accepted by [`softmax_s16_tflm`]: 2^20 (tested at that size).
///
/// Overflow proof: each exp term is at most 32767 < 2^15 and the row sum is a `u64`:
/// `2^20 · 2^15 = 2^35`; the final product `exp · recip < 2^30` plus the rounding constant
/// `2^(L−2) ≤ 2^33` fits `i64`. (TFLM's own `int32` sum is exact up to 65,537 elements:
/// 65537 · 32767 < 2^31; beyond, its normalisation shift can be negative, and this kernel
/// extends the formula instead, see [`softmax_s16_tflm`].)
///
/// ```
/// use mcu_kernels::softmax::quant::{softmax_s16_tflm, SoftmaxS16Params, TFLM_S16_MAX_ROW};
///
/// let p = SoftmaxS16Params::from_scale(1.0 / 4096.0, 1.0)?;
/// let (x, mut y) = (vec![0i16; TFLM_S16_MAX_ROW + 1], vec![0i16; TFLM_S16_MAX_ROW + 1]);
/// assert!(softmax_s16_tflm(&p, &x, TFLM_S16_MAX_ROW + 1, &mut y).is_err());
/// softmax_s16_tflm(&p, &x[..TFLM_S16_MAX_ROW], TFLM_S16_MAX_ROW, &mut y[..TFLM_S16_MAX_ROW])?;
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
pub const TFLM_S16_MAX_ROW: usize = 1 << 20;

/// Which function a TFLM table samples.
#[derive(Clone, Copy)]
enum LutFn {
    Exp,
    OneOverOnePlusX,
}

const fn lut_fn(f: LutFn, x: f32) -> f32 {
    match f {
        LutFn::Exp => expf(x),
        LutFn::OneOverOnePlusX => 1.0 / (1.0 + x),
    }
}

const fn clamp_i16(v: f32) -> i16 {
    if v < -32768.0 {
        -32768
    } else if v > 32767.0 {
        32767
    } else {
        v as i16
    }
}

/// TFLite `LUTPopulate<int16_t>` (float arithmetic, `std::round`), evaluated at compile time:
/// 512 samples on `[input_min, input_max]`, each biased by half the interpolation error at the
/// midpoint of its segment, plus the end point for the last slope.
///
/// Only evaluated at compile time (the indices are below 513, and an out-of-bounds index would
/// be a compile error, not a panic).
#[allow(clippy::indexing_slicing)]
const fn lut_populate(
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
    f: LutFn,
) -> [i16; 513] {
    let input_min = input_scale * (-32768 - input_zero_point) as f32;
    let input_max = input_scale * (32767 - input_zero_point) as f32;
    let output_min = output_scale * (-32768 - output_zero_point) as f32;
    let output_max = output_scale * (32767 - output_zero_point) as f32;
    let step = (input_max - input_min) / 512.0;
    let half_step = step / 2.0;
    let output_scaling_inv = 65536.0 / (output_max - output_min);
    let mut lut = [0i16; 513];
    let mut i = 0;
    while i < 512 {
        let val = lut_fn(f, input_min + i as f32 * step);
        let val_midpoint = lut_fn(f, input_min + i as f32 * step + half_step);
        let val_next = lut_fn(f, input_min + (i + 1) as f32 * step);
        let sample_val = roundf(val * output_scaling_inv);
        let midpoint_interp_val =
            roundf((val_next * output_scaling_inv + roundf(val * output_scaling_inv)) / 2.0);
        let midpoint_val = roundf(val_midpoint * output_scaling_inv);
        let midpoint_err = midpoint_interp_val - midpoint_val;
        let bias = roundf(midpoint_err / 2.0);
        lut[i] = clamp_i16(sample_val - bias);
        i += 1;
    }
    lut[512] = clamp_i16(roundf(lut_fn(f, input_max) * output_scaling_inv));
    lut
}

/// The values of [`EXP_LUT`].
const EXP_LUT_VALUES: [i16; 513] =
    lut_populate(10.0 / 65535.0, 32767, 2.0 / 65535.0, 0, LutFn::Exp);

/// TFLM's exp table: e^x on [−10, 0], input scale 10/65535 zero point 32767, output Q0.15.
pub static EXP_LUT: [i16; 513] = EXP_LUT_VALUES;

/// [`EXP_LUT`]'s interpolation in the kernel's form: for the biased table input
/// `u = value + 32768 ∈ [0, 65535]`, TFLM's segment `256 + (value >> 7)` is `i = u >> 7` and
/// its offset `value & 127` is `o = u & 127` (32768 is a multiple of 128), and its
/// `lut[i] + ((Δ · o + 64) >> 7)` (`Δ = lut[i+1] − lut[i]`) is
/// `(128 · lut[i] + 64 + Δ · o) >> 7` exactly (`128 · lut[i]` is a multiple of 128):
/// `(b[i] + d[i] · o) >> 7`, `b[i] = 128 · lut[i] + 64 < 2^22`, `d[i] = Δ` (`|Δ| < 2^10`): no
/// overflow. Tested equal to [`lut_lookup`] on all 65,536 inputs. 3 KiB of flash, computed at
/// compile time.
struct ExpInterp {
    b: [i32; 512],
    d: [i16; 512],
}

/// See [`ExpInterp`]. Only evaluated at compile time (indices below 513).
#[allow(clippy::indexing_slicing)]
const fn exp_interp(lut: &[i16; 513]) -> ExpInterp {
    let mut t = ExpInterp {
        b: [0; 512],
        d: [0; 512],
    };
    let mut i = 0;
    while i < 512 {
        let base = lut[i] as i32;
        t.b[i] = 128 * base + 64;
        t.d[i] = (lut[i + 1] as i32 - base) as i16;
        i += 1;
    }
    t
}

/// [`EXP_LUT`] in the kernel's form, see [`ExpInterp`].
static EXP_INTERP: ExpInterp = exp_interp(&EXP_LUT_VALUES);

/// TFLM's exp lookup ([`lut_lookup`] on [`EXP_LUT`]) of the table input `u − 32768`, for
/// `u ∈ [0, 65535]`, from [`EXP_INTERP`].
#[inline(always)]
fn exp_lookup_biased(u: u32) -> i32 {
    let i = (u >> 7) as usize; // 0..=511
    let o = (u & 0x7f) as i32;
    let b = EXP_INTERP.b.get(i).copied().unwrap_or(0);
    let d = EXP_INTERP.d.get(i).copied().map_or(0, i32::from);
    // |d · o| < 2^17 and b < 2^22: no wrap (see ExpInterp); wrapping ops because the
    // optimiser cannot see the table's bounds.
    b.wrapping_add(d.wrapping_mul(o)) >> 7
}

/// TFLM's reciprocal table: 1/(1+x) on [0, 1], input scale 1/65535 zero point −32768, Q0.15.
pub static ONE_OVER_ONE_PLUS_X_LUT: [i16; 513] = lut_populate(
    1.0 / 65535.0,
    -32768,
    2.0 / 65535.0,
    0,
    LutFn::OneOverOnePlusX,
);

/// TFLite `generic_int16_table_lookup`: index = 256 + (value >> 7) (the high 9 bits), linear
/// interpolation on the low 7 bits, rounded: `base + ((slope · offset + 64) >> 7)`.
#[inline]
fn lut_lookup(value: i16, lut: &[i16; 513]) -> i16 {
    let index = (256 + (i32::from(value) >> 7)) as usize; // 0..=511
    let offset = i32::from(value) & 0x7f;
    let base = lut.get(index).copied().map_or(0, i32::from);
    let next = lut.get(index + 1).copied().map_or(0, i32::from);
    let delta = ((next - base) * offset + 64) >> 7; // |slope| < 2^16, ·127 fits i32
    (base + delta) as i16 // TFLM truncates to int16; table values keep it in range
}

/// Parameters of [`softmax_s16_tflm`], as TFLite-Micro's `SoftmaxParams` for int16:
/// `input_multiplier` / `input_left_shift` scale `diff = x − max` so that `[−65535, 0]` maps to
/// `[−10, 0]` (`MultiplyByQuantizedMultiplier`, i.e. `diff · S_in · β · 65535/10`).
///
/// ```
/// use mcu_kernels::softmax::quant::SoftmaxS16Params;
///
/// // TFLM's Prepare multiplies S_in·β in double (issue #28): S_in = 10/65535, β = 1.7.
/// let p = SoftmaxS16Params::from_scale(10.0 / 65535.0, 1.7)?;
/// assert_eq!((p.input_multiplier(), p.input_left_shift()), (1_825_361_152, 1));
/// let q = SoftmaxS16Params::from_scale(1.0 / 4096.0, 1.0)?;
/// assert_eq!((q.input_multiplier(), q.input_left_shift()), (1_717_960_704, 1));
/// assert_eq!(SoftmaxS16Params::from_raw(1_717_960_704, 1)?, q);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SoftmaxS16Params {
    input_multiplier: i32,
    input_left_shift: i32,
}

impl SoftmaxS16Params {
    /// As TFLM's `Prepare`: `QuantizeMultiplier(S_in · β / (10 / 65535))`, the product and the
    /// quotient in `f64` from the `f32` scale and β (TFLM casts both to `double` first).
    ///
    /// Checked against TFLite-Micro 0.dev20261023182759 on every int16 oracle row
    /// (`host/tests/tflm_oracle.rs`: `S_in · β` from 2^−40 to 2·10^5). Example (issue #28):
    /// `S_in = 10/65535`, `β = 1.7` gives `(1825361152, 1)` as TFLM; an `f32` product gave
    /// 1825361100 and one output of a 1,000-element row off by one.
    ///
    /// TFLM's `Prepare` refuses no positive scale here: tiny products flush to a zero
    /// multiplier (every difference then maps to e^0), and from `S_in · β ≥ 32768 · 10/65535 ≈ 5.00008` the
    /// kernel's `int32` shift of the difference wraps (see [`softmax_s16_tflm`]).
    ///
    /// # Errors
    /// [`Error::BadParameter`] if `input_scale` or `beta` is not finite and > 0, or if the
    /// shift exceeds 31 (`S_in · β ≥ 2^31 · 10/65535 ≈ 327,680`: TFLM evaluates `1 << shift`
    /// in `int`, undefined with no two's-complement answer).
    ///
    /// ```
    /// use mcu_kernels::softmax::quant::SoftmaxS16Params;
    ///
    /// assert!(SoftmaxS16Params::from_scale(0.0, 1.0).is_err());
    /// assert!(SoftmaxS16Params::from_scale(1.0, f32::NAN).is_err());
    /// // S_in·β ≥ 2^31·10/65535 would need a shift of 32: refused.
    /// assert!(SoftmaxS16Params::from_scale(400_000.0, 1.0).is_err());
    /// assert!(SoftmaxS16Params::from_scale(200_000.0, 1.0).is_ok());
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn from_scale(input_scale: f32, beta: f32) -> Result<Self, Error> {
        if !(input_scale.is_finite() && input_scale > 0.0) {
            return Err(Error::BadParameter("input_scale must be finite and > 0"));
        }
        if !(beta.is_finite() && beta > 0.0) {
            return Err(Error::BadParameter("beta must be finite and > 0"));
        }
        // TFLM: double(scale) * double(beta) / (10.0 / 65535.0), left to right.
        let rescale = f64::from(input_scale) * f64::from(beta) / (10.0 / 65535.0);
        let (m, s) = quantize_multiplier(rescale);
        Self::from_raw(m, s)
    }

    /// Parameters given directly, as a CMSIS-NN call site or a TFLM `SoftmaxParams` holds
    /// them: the one-line replacement of `arm_softmax_s16(input, num_rows, row_size, mult,
    /// shift, &softmax_params, output)` is
    /// `softmax_s16_tflm(&SoftmaxS16Params::from_raw(mult, shift)?, input, row_size, output)`
    /// (the two tables of `softmax_params` are TFLM's fixed ones, [`EXP_LUT`] and
    /// [`ONE_OVER_ONE_PLUS_X_LUT`], built in here).
    ///
    /// Formula (TFLM's `Prepare`, what [`Self::from_scale`] computes from the model's
    /// `input_scale` `S_in` and β): `(input_multiplier, input_left_shift) =
    /// QuantizeMultiplier(S_in · β / (10 / 65535))` in `f64`, i.e.
    /// `S_in · β · 65535 / 10 ≈ input_multiplier · 2^(input_left_shift − 31)` with
    /// `input_multiplier ∈ [2^30, 2^31)` (or 0 for a product below 2^−32).
    ///
    /// # Errors
    /// [`Error::BadParameter`] unless `input_multiplier ≥ 0` and `−31 ≤ input_left_shift ≤ 31`.
    ///
    /// ```
    /// use mcu_kernels::softmax::quant::{softmax_s16_tflm, SoftmaxS16Params};
    ///
    /// // A CMSIS-NN call site's (mult, shift): the parameters TFLM derives for S_in = 1/4096.
    /// let p = SoftmaxS16Params::from_raw(1_717_960_704, 1)?;
    /// let mut y = [0i16; 2];
    /// softmax_s16_tflm(&p, &[0, 0], 2, &mut y)?;
    /// assert_eq!(y, [16384, 16384]); // two equal logits: ½ in Q0.15
    /// assert!(SoftmaxS16Params::from_raw(-1, 1).is_err());
    /// assert!(SoftmaxS16Params::from_raw(1 << 30, 32).is_err());
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn from_raw(input_multiplier: i32, input_left_shift: i32) -> Result<Self, Error> {
        if input_multiplier < 0 {
            return Err(Error::BadParameter("input_multiplier must be >= 0"));
        }
        if !(-31..=31).contains(&input_left_shift) {
            return Err(Error::BadParameter(
                "input_left_shift must be in -31..=31 (TFLM's 1 << shift is undefined above)",
            ));
        }
        Ok(Self {
            input_multiplier,
            input_left_shift,
        })
    }

    /// The `Q0.31` input multiplier.
    ///
    /// Example: see the example on [`SoftmaxS16Params`].
    pub const fn input_multiplier(&self) -> i32 {
        self.input_multiplier
    }

    /// The shift (positive: left) applied with the multiplier.
    ///
    /// Example: see the example on [`SoftmaxS16Params`].
    pub const fn input_left_shift(&self) -> i32 {
        self.input_left_shift
    }

    /// TFLM `MultiplyByQuantizedMultiplier(diff, mult, shift)` (double rounding):
    /// `RoundingDivideByPOT(SRDHM(diff · (1 << left), mult), right)`. The product
    /// `diff · (1 << left)` is TFLM's `int32` multiplication, wrapping as it does in every
    /// two's-complement build (undefined in C) once `|diff| · 2^left > 2^31`, i.e. for
    /// `S_in · β ≥ 32768 · 10/65535 ≈ 5.00008` (left shift ≥ 16) and differences of 2^15 steps or more.
    #[inline]
    fn scale_diff(&self, diff: i32) -> i32 {
        let left = self.input_left_shift.clamp(0, 31) as u32;
        let right = self.input_left_shift.saturating_neg().clamp(0, 31) as u32;
        let shifted = diff.wrapping_mul(1i32.wrapping_shl(left));
        rounding_divide_by_pot(srdhm(shifted, self.input_multiplier), right)
    }

    /// [`Self::exp_q15`] with the shifts and the multiplier hoisted out of the element loop and
    /// a short path for the usual sign: the same value for every `diff` (tested exhaustively
    /// over `[−65535, 0]` for a spread of parameters).
    ///
    /// When `shifted = diff · 2^left` (TFLM's wrapping `int32` product) is ≤ 0 and the
    /// multiplier ≥ 0, `SRDHM(shifted, mult)` is `(ab + 1 − 2^30) / 2^31` truncated toward zero
    /// with `ab = −n ≤ 0`, `n = |shifted| · mult < 2^62`: that is `−⌊(n + 2^30 − 1) / 2^31⌋`
    /// (≤ 2^31 − 1 in magnitude: no wrap), one unsigned product instead of the signed nudge
    /// and the truncating division. A positive `shifted` (only after TFLM's wrap) takes the
    /// general [`srdhm`]; `RoundingDivideByPOT` by 0 is the identity.
    ///
    /// `mult2 = 2 · mult < 2^32` (from [`Self::mult2`]): `⌊(n + 2^30 − 1) / 2^31⌋ =
    /// ⌊(|shifted| · mult2 + 2^31 − 2) / 2^32⌋`, the high word of one multiply-accumulate.
    #[inline(always)]
    fn exp_q15_hoisted(&self, diff: i32, left: u32, right: u32, mult2: u32) -> i32 {
        let shifted = diff.wrapping_mul(1i32.wrapping_shl(left));
        let scaled = if shifted <= 0 {
            let p = u64::from(shifted.unsigned_abs())
                .wrapping_mul(u64::from(mult2))
                .wrapping_add((1 << 31) - 2);
            // ≤ 2^31 − 1 (see above): the cast keeps it, the negation cannot wrap.
            ((p >> 32) as i32).wrapping_neg()
        } else {
            srdhm(shifted, self.input_multiplier)
        };
        let scaled = if right == 0 {
            scaled
        } else {
            rounding_divide_by_pot(scaled, right)
        };
        let sym = scaled.saturating_add(32767);
        let sat = sym.clamp(-32768, 32767) as i16;
        i32::from(lut_lookup(sat, &EXP_LUT))
    }

    /// [`Self::exp_q15`] for a row where TFLM's `int32` product `diff · 2^left` cannot wrap,
    /// with one more bit to spare (`left ≤ 14`: `|diff| ≤ 65535`, `65535 · 2^15 < 2^31`): the same
    /// value (tested exhaustively over `[−65535, 0]` for every left shift 0..=14 and a spread of
    /// multipliers and right shifts).
    ///
    /// `shifted = diff · 2^left ≤ 0` and `mult ≥ 0`, so `ab = shifted · mult ≤ 0` and TFLM's
    /// `SRDHM` is `trunc((ab + 1 − 2^30) / 2^31) = −⌊(P + 2^31 − 2) / 2^32⌋` with `P = −2ab ≥ 0`
    /// even; `P + 2^31 − 2` is even, so adding 1 changes no quotient: `−⌊(P + 2^31 − 1) / 2^32⌋ =
    /// ⌊(−P + 2^31) / 2^32⌋`, the rounded high word of `(2 · shifted) · mult` (an `SMMULR`;
    /// `2 · shifted ≥ −2^31` fits `i32`, `|2ab| < 2^62`). Then TFLM's `RoundingDivideByPOT` by
    /// `right` (`RIGHT` is `right > 0`; by 0 it is the identity) gives `scaled ≤ 0`, and its
    /// table input `clamp(scaled + 32767, −32768, 32767)` is `u − 32768` with `u = max(scaled +
    /// 65535, 0)` (`scaled ≥ −2^31 + 1`: no saturation of TFLM's `+ 32767`):
    /// [`exp_lookup_biased`] of `u`. Without a right shift, `+ 65535` rides in the high word:
    /// `⌊(2ab + 65535 · 2^32 + 2^31) / 2^32⌋` (< 2^63: no wrap), an `SMMLAR`.
    #[inline(always)]
    fn exp_q15_narrow<const RIGHT: bool>(diff: i32, left1: u32, right: u32, mult: i32) -> i32 {
        let twice = diff.wrapping_shl(left1); // 2 · diff · 2^left ∈ [−2^31, 0] (left1 = left + 1 ≤ 15)
        let prod = neg_product(twice, mult); // |·| ≤ 2^62
        let biased = if RIGHT {
            let scaled = (prod.wrapping_add(1 << 31) >> 32) as i32; // ∈ [−2^30, 0]
            rounding_divide_by_pot(scaled, right).wrapping_add(65535) // no wrap
        } else {
            (prod.wrapping_add((65535 << 32) + (1 << 31)) >> 32) as i32
        };
        exp_lookup_biased(biased.clamp(0, 65535) as u32) // biased ≤ 65535 already
    }

    /// `2 · input_multiplier` (< 2^32: the multiplier is in `0..=2^31 − 1`).
    #[inline(always)]
    fn mult2(&self) -> u32 {
        self.input_multiplier.unsigned_abs().wrapping_shl(1)
    }

    /// The left and right shifts of [`Self::scale_diff`].
    #[inline(always)]
    fn shifts(&self) -> (u32, u32) {
        (
            self.input_left_shift.clamp(0, 31) as u32,
            self.input_left_shift.saturating_neg().clamp(0, 31) as u32,
        )
    }

    /// Whether `diff · 2^left` wraps in TFLM's `int32` for some difference of a row whose
    /// largest difference is `spread = max − min`.
    #[inline]
    fn wraps(&self, spread: i32) -> bool {
        let left = self.input_left_shift.clamp(0, 31) as u32;
        (i64::from(spread) << left) > (1i64 << 31)
    }

    /// TFLM's Q0.15 exp of `diff = x − max ≤ 0`.
    #[inline]
    fn exp_q15(&self, diff: i32) -> i32 {
        let sym = self.scale_diff(diff).saturating_add(32767);
        let sat = sym.clamp(-32768, 32767) as i16;
        i32::from(lut_lookup(sat, &EXP_LUT))
    }
}

/// `twice · mult` for `twice ∈ [−2^31, 0]` and `mult ∈ [0, 2^31)`, exact: one `smull` where
/// the core has it (the M4F folds the rounding into an `SMMLAR`).
#[cfg(not(all(target_arch = "arm", not(target_has_atomic = "32"))))]
#[inline(always)]
fn neg_product(twice: i32, mult: i32) -> i64 {
    i64::from(twice).wrapping_mul(i64::from(mult))
}

/// `twice · mult` on ARMv6-M (no long multiply: the `i64` product is an `__aeabi_lmul` call):
/// −(|twice| · mult) from four 16×16-bit products ([`crate::math::int::mul_wide`]); the same
/// integer (|twice| ≤ 2^31 and mult < 2^31: the product is below 2^62, its negation exact).
#[cfg(all(target_arch = "arm", not(target_has_atomic = "32")))]
#[inline(always)]
fn neg_product(twice: i32, mult: i32) -> i64 {
    (crate::math::int::mul_wide(twice.unsigned_abs(), mult as u32) as i64).wrapping_neg()
}

/// The exp pass of [`softmax_s16_tflm`]: each Q0.15 exp stored in `y_row` (rescaled later),
/// their sum returned (each ≤ 32767 and a row below 2^20 elements: no wrap in `u64`).
#[inline(always)]
fn exp_pass(
    params: &SoftmaxS16Params,
    x_row: &[i16],
    y_row: &mut [i16],
    max: i16,
    left: u32,
    right: u32,
) -> u64 {
    let mult2 = params.mult2();
    let mut sum: u64 = 0;
    for (&x, y) in x_row.iter().zip(y_row.iter_mut()) {
        let e = params.exp_q15_hoisted(i32::from(x) - i32::from(max), left, right, mult2);
        *y = e as i16; // e ∈ [0, 32767]: stored, rescaled below
        sum = sum.wrapping_add(u64::from(e.max(0) as u32));
    }
    sum
}

/// [`exp_pass`] for a row with `left ≤ 14` (see [`SoftmaxS16Params::exp_q15_narrow`]) of at
/// most [`NARROW_MAX_ROW`] elements: the sum of the exps (each in `[0, 32767]`: interpolated
/// between two table entries, all in `[0, 32767]`) is below `2^17 · 2^15 = 2^32` and is kept
/// in a `u32`.
///
/// Not inlined: alone, its loop keeps every value in a register. It is an `extern "C"`
/// function only so that it is `nounwind` (a Rust panic cannot cross that ABI), which lets the
/// no-panic proof of [`softmax_s16_tflm`] see that calling it cannot unwind whichever codegen
/// unit it lands in; it is never called from C. It cannot panic either (iterators, wrapping
/// arithmetic, a `get` lookup) and carries the proof's mark itself, since the `nounwind` ABI
/// would otherwise hide a panic inside it from the proof.
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline(never)]
#[allow(improper_ctypes_definitions)]
extern "C" fn exp_pass_narrow<const RIGHT: bool>(row: &mut NarrowRow<'_>) -> u32 {
    let NarrowRow {
        mult,
        x_row,
        y_row,
        max,
        left1,
        right,
    } = row;
    let (mult, max, left1, right) = (*mult, *max, *left1, *right);
    let mut sum: u32 = 0;
    for (&x, y) in x_row.iter().zip(y_row.iter_mut()) {
        // diff = x − max ∈ [−65535, 0].
        let diff = i32::from(x).wrapping_sub(i32::from(max));
        let e = SoftmaxS16Params::exp_q15_narrow::<RIGHT>(diff, left1, right, mult);
        *y = e as i16; // e ∈ [0, 32767]: stored, rescaled below
        sum = sum.wrapping_add(e as u32); // no wrap: see above
    }
    sum
}

/// The arguments of [`exp_pass_narrow`].
struct NarrowRow<'a> {
    /// The parameters' input multiplier.
    mult: i32,
    x_row: &'a [i16],
    y_row: &'a mut [i16],
    /// The row's maximum.
    max: i16,
    /// The left shift plus one (≤ 15).
    left1: u32,
    /// The right shift (used when `RIGHT`).
    right: u32,
}

/// Longest row whose exp sum [`exp_pass_narrow`] keeps in a `u32`: `2^17 · 32767 < 2^32`.
const NARROW_MAX_ROW: usize = 1 << 17;

/// int16 → int16 softmax, TFLite-Micro-exact (`SoftmaxInt16`, TFLM's int16 semantics).
///
/// Formula: `y = clamp(round(exp_i · r / 2^(L−1)), 0, 32767)`, output scale 1/32768 zero point
/// 0, where `exp_i = LUT_exp(clamp(MBQM(x_i − max) + 32767))` (Q0.15, e^x on [−10, 0]),
/// `S = Σ exp_i`, `L` = bit length of `S`, and `r = LUT_1/(1+x)(clamp(round(S·2^(17−L)) −
/// 98304))` (Q0.15). The tables are TFLite's `LUTPopulate` tables ([`EXP_LUT`],
/// [`ONE_OVER_ONE_PLUS_X_LUT`]), computed at compile time by this crate (`f32` arithmetic and a
/// correctly rounded `expf`, as TFLite on glibc).
///
/// Algorithm: max pass; exp pass storing each Q0.15 exp in `output` and summing; reciprocal
/// by table; rescale pass in place. For left shifts ≤ 14 (`S_in · β < 2.5`, every row free of
/// TFLM's wrap) and rows ≤ 2^17 the exp pass is TFLM's arithmetic rewritten without changing a
/// bit: `MultiplyByQuantizedMultiplier` of a non-positive difference as one rounded high
/// multiply-accumulate (`SMMLAR` on the M4F), the interpolation from a pre-scaled 3 KiB flash
/// form of [`EXP_LUT`] (one multiply-accumulate), and the sum in `u32` (each step tested
/// exhaustively against TFLM's formula); other rows take the general `u64` path. For `S < 2^31` (every row of ≤ 65,537 elements)
/// this is TFLM's computation exactly, including the `int32` wrap of `diff · 2^shift` that
/// TFLM's `MultiplyByQuantizedMultiplier` performs for `S_in · β ≥ 32768 · 10/65535 ≈ 5.00008`
/// (reproduced with wrapping arithmetic); the normalisation `round(S·2^(17−L))` saturates the
/// table input at 32767 as TFLM does (CMSIS-NN `arm_softmax_s16` wraps there and doubles the
/// outputs when `S = 2^18 − 1`). Beyond 2^31 TFLM's own shifts go negative (no reproducible
/// result; [`TflmDomain::Undefined`]) and the kernel continues the formula in 64 bits.
///
/// TFLite-Micro-exact as the module docs define it: checked against TFLite-Micro
/// 0.dev20261023182759 on 1,472 int16 rows (N up to 12,000, `S_in · β` from 2^−40 to 2·10^5,
/// β ∈ {0.25 … 10}), zero mismatches. TFLM never aborts on int16 data. TFLM's limits, measured
/// there: from `S_in · β ≈ 5.00008` on (left shift 16) a row spanning 2^15 steps or more wraps
/// (`S_in = 8`, `[−32768, 32767]` → `[16384, 16384]`, the softmax is `[0, 32767]`; 4.9 and 5.0
/// give `[2, 32766]`); [`softmax_s16_tflm_domain`] flags such rows ([`TflmDomain::Wraps`]).
///
/// Accuracy where TFLM does not wrap: TFLM's own: exp is floored at e^−10 (logits more than
/// 10 below the max all weigh e^−10), interpolation error ≈ 1 LSB; measured (a measurement, not
/// a bound) max 26 LSB (1/32768) for N = 100 logits spread over [max − 20, max] (2,000 rows,
/// `host/tests/quant_s16.rs`). Use [`super::softmax_s16`] for accuracy.
/// Tables: 2 × 1026 bytes of flash plus the 3 KiB kernel form of [`EXP_LUT`], no RAM.
/// Cost (`cargo xtask bench`, row `softmax::quant::softmax_s16_tflm`, N = 256, uniform int16
/// logits, `S_in` = 10/32768, QEMU instructions per element): 30.3 on the M4F (49.1 before the
/// narrow exp pass), 32.6 on the M3 (53.2 before), 88.7 on the M0 (118.1 before; 95.4 with
/// the product as an `__aeabi_lmul` call, now four 16×16-bit multiplies); the M7 runs the
/// M4F's code (49.1 before). Per element: a max step, one rounded high multiply-accumulate for TFLM's
/// `MultiplyByQuantizedMultiplier`, a one-multiply interpolated lookup, and an `i32` rescale.
///
/// # Errors
/// [`Error::BadRowLength`], [`Error::Empty`], [`Error::LengthMismatch`] as
/// [`super::softmax_s8_tflm`]; [`Error::BadParameter`] if `row_size > TFLM_S16_MAX_ROW`.
///
/// Stack (bytes, `cargo xtask bench`): M0 284 · M3 260 · M4F/M7 244 · M33/M55 248.
/// <!-- stack: softmax::quant::softmax_s16_tflm -->
///
/// ```
/// use mcu_kernels::softmax::quant::{softmax_s16_tflm, SoftmaxS16Params};
///
/// // TFLite-Micro's own outputs (its interpreter): S_in = 4.9 and 8, β = 1.
/// let x = [-32768i16, 32767];
/// let mut y = [0i16; 2];
/// softmax_s16_tflm(&SoftmaxS16Params::from_scale(4.9, 1.0)?, &x, 2, &mut y)?;
/// assert_eq!(y, [2, 32766]); // exp floored at e^−10, as TFLM
/// let x7 = [-32768i16, 0, 32767, 1, -1, 16384, -16385];
/// let mut y7 = [0i16; 7];
/// softmax_s16_tflm(&SoftmaxS16Params::from_scale(8.0, 1.0)?, &x7, 7, &mut y7)?;
/// assert_eq!(y7, [10921, 1, 10921, 1, 1, 1, 10921]); // TFLM's int32 wrap, reproduced
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn softmax_s16_tflm(
    params: &SoftmaxS16Params,
    input: &[i16],
    row_size: usize,
    output: &mut [i16],
) -> Result<(), Error> {
    check_rows(input.len(), output.len(), row_size, TFLM_S16_MAX_ROW)?;
    for (x_row, y_row) in input
        .chunks_exact(row_size)
        .zip(output.chunks_exact_mut(row_size))
    {
        let max = x_row.iter().fold(i16::MIN, |m, &v| m.max(v));
        let (left, right) = params.shifts();
        // The usual right shift of 0 (S_in · β ≥ 10/65535) gets its own loop, without the
        // rounding division.
        let sum = if left <= 14 && row_size <= NARROW_MAX_ROW {
            let mut row = NarrowRow {
                mult: params.input_multiplier,
                x_row,
                y_row,
                max,
                left1: left.wrapping_add(1), // ≤ 15
                right,
            };
            u64::from(if right == 0 {
                exp_pass_narrow::<false>(&mut row)
            } else {
                exp_pass_narrow::<true>(&mut row)
            })
        } else if right == 0 {
            exp_pass(params, x_row, y_row, max, left, 0)
        } else {
            exp_pass(params, x_row, y_row, max, left, right)
        };
        // L = bit length of the sum (TFLM: 32 − clz); the sum is ≥ 1 (the maximum has exp ≈
        // 32767), so L ≥ 1.
        let len = 64 - sum.leading_zeros();
        // TFLM: ((S << (clz − 1)) + 2^13) >> 14 = round(S · 2^(17 − L)).
        let shifted_sum = if len <= 17 {
            sum << (17 - len)
        } else {
            sum.wrapping_add(1u64 << (len - 18)) >> (len - 17)
        };
        let sym = i64::try_from(shifted_sum).unwrap_or(i64::MAX) - ((1 << 15) + (1 << 16));
        let sat = sym.clamp(-32768, 32767) as i16;
        let recip = i64::from(lut_lookup(sat, &ONE_OVER_ONE_PLUS_X_LUT));
        // TFLM: right_shift = 31 − clz = L − 1 ≥ 14 (S ≥ 2^14), round = 2^(L − 2).
        let right = len.saturating_sub(1).clamp(1, 62);
        if right <= 30 {
            // Every row of up to 2^16 elements: |y · recip| ≤ 2^30 and round ≤ 2^29, so the
            // sum fits an i32 and its arithmetic shift is the i64 one below.
            let recip = recip as i32; // |recip| ≤ 2^15
            let round = 1i32 << (right - 1);
            for y in y_row.iter_mut() {
                let r = (i32::from(*y) * recip + round) >> right;
                *y = r.clamp(0, 32767) as i16;
            }
        } else {
            let round = 1i64 << (right - 1);
            for y in y_row.iter_mut() {
                let r = (i64::from(*y) * recip + round) >> right;
                *y = r.clamp(0, 32767) as i16;
            }
        }
    }
    Ok(())
}

/// Where one row lies for TFLite-Micro's int16 softmax ([`softmax_s16_tflm`]):
/// [`TflmDomain::Wraps`] where TFLM's `int32` product `diff · 2^shift` wraps for some element
/// (left shift ≥ 1 and `(max − min) · 2^shift > 2^31`: only for `S_in · β ≥ 32768 · 10/65535 ≈ 5.00008`; e.g.
/// `S_in = 8`, row `[−32768, 32767]`: TFLM gives `[16384, 16384]`, reproduced),
/// [`TflmDomain::Undefined`] where its `int32` sum of exps reaches 2^31 (only rows of more
/// than 65,537 elements), else [`TflmDomain::Accurate`] (TFLM's int16 accuracy: exp floored at
/// e^−10, see [`softmax_s16_tflm`]). TFLM never aborts on int16 data.
///
/// Cost: one min/max pass (plus an exp pass for rows above 65,537 elements); no stack beyond
/// a few words.
///
/// ```
/// use mcu_kernels::softmax::quant::{softmax_s16_tflm_domain, SoftmaxS16Params, TflmDomain};
///
/// let x = [-32768i16, 32767];
/// let ok = SoftmaxS16Params::from_scale(5.0, 1.0)?;
/// let wraps = SoftmaxS16Params::from_scale(5.0001, 1.0)?;
/// assert_eq!(softmax_s16_tflm_domain(&ok, &x), TflmDomain::Accurate);
/// assert_eq!(softmax_s16_tflm_domain(&wraps, &x), TflmDomain::Wraps);
/// assert_eq!(softmax_s16_tflm_domain(&wraps, &[100, 101, 99]), TflmDomain::Accurate);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn softmax_s16_tflm_domain(params: &SoftmaxS16Params, row: &[i16]) -> TflmDomain {
    let (min, max) = row
        .iter()
        .fold((i16::MAX, i16::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if row.len() > 65_537 {
        // Each term ≤ 32767 and N < 2^48 (a slice of i16): the u64 sum cannot wrap.
        let sum: u64 = row.iter().fold(0u64, |s, &x| {
            s.wrapping_add(u64::from(
                params.exp_q15(i32::from(x) - i32::from(max)).max(0) as u32,
            ))
        });
        if sum >= 1 << 31 {
            return TflmDomain::Undefined;
        }
    }
    if !row.is_empty() && params.wraps(i32::from(max) - i32::from(min)) {
        TflmDomain::Wraps
    } else {
        TflmDomain::Accurate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hoisted exp of the kernel's exp pass equals TFLM's formula ([`SoftmaxS16Params::exp_q15`])
    /// for every difference a row can have, over multipliers and shifts from TFLM's range
    /// (including the wrapping left shifts ≥ 16 and negative shifts).
    #[test]
    fn hoisted_exp_equals_formula() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let fixed = [
            SoftmaxS16Params::from_raw(0, 0).unwrap(),
            SoftmaxS16Params::from_raw(i32::MAX, 31).unwrap(),
            SoftmaxS16Params::from_raw(i32::MAX, -31).unwrap(),
            SoftmaxS16Params::from_raw(1 << 30, 2).unwrap(),
            SoftmaxS16Params::from_raw(1 << 30, 16).unwrap(),
            SoftmaxS16Params::from_raw(1, 0).unwrap(),
        ];
        let scaled = [
            1e-9f32,
            1e-5,
            10.0 / 65535.0,
            10.0 / 32768.0,
            0.01,
            1.0,
            4.9,
            5.1,
            100.0,
        ]
        .map(|s| SoftmaxS16Params::from_scale(s, 1.0).unwrap());
        let random: [SoftmaxS16Params; 24] = core::array::from_fn(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let m = (seed as u32 >> 1) as i32;
            let sh = ((seed >> 32) % 63) as i32 - 31;
            SoftmaxS16Params::from_raw(m, sh).unwrap()
        });
        for p in fixed.iter().chain(&scaled).chain(&random) {
            let (left, right) = p.shifts();
            for diff in -65_535..=0 {
                assert_eq!(
                    p.exp_q15_hoisted(diff, left, right, p.mult2()),
                    p.exp_q15(diff),
                    "{p:?} diff {diff}"
                );
            }
        }
    }

    /// The narrow exp ([`SoftmaxS16Params::exp_q15_narrow`]) equals TFLM's formula for every
    /// difference and every left shift it is used with (0..=14), and right shifts up to 31.
    #[test]
    fn narrow_exp_equals_formula() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let random: [i32; 6] = core::array::from_fn(|i| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // Half anywhere in 0..2^31, half in TFLM's normalised range [2^30, 2^31).
            (seed as u32 >> 1 | if i % 2 == 0 { 0 } else { 1 << 30 }) as i32
        });
        let fixed = [
            0i32,
            1,
            2,
            3,
            1 << 30,
            (1 << 30) + 1,
            i32::MAX,
            i32::MAX - 1,
        ];
        for &m in fixed.iter().chain(&random) {
            for sh in [-31, -17, -2, -1].into_iter().chain(0..=14) {
                let p = SoftmaxS16Params::from_raw(m, sh).unwrap();
                let (left, right) = p.shifts();
                for diff in -65_535..=0 {
                    let got = if right == 0 {
                        SoftmaxS16Params::exp_q15_narrow::<false>(diff, left + 1, 0, m)
                    } else {
                        SoftmaxS16Params::exp_q15_narrow::<true>(diff, left + 1, right, m)
                    };
                    assert_eq!(got, p.exp_q15(diff), "{p:?} diff {diff}");
                }
            }
        }
    }

    /// The kernel's form of the exp table gives TFLM's lookup on every table input, and every
    /// entry of both tables is in [0, 32767] (so interpolated values are: the `u32` sum).
    #[test]
    fn exp_interp_equals_lookup() {
        assert!(EXP_LUT
            .iter()
            .chain(&ONE_OVER_ONE_PLUS_X_LUT)
            .all(|&v| v >= 0));
        assert!(EXP_INTERP.d.iter().all(|&d| (0..1 << 10).contains(&d))); // ExpInterp's bound
        for u in 0..=65_535u32 {
            let input = (u as i32 - 32768) as i16;
            assert_eq!(
                exp_lookup_biased(u),
                i32::from(lut_lookup(input, &EXP_LUT)),
                "u {u}"
            );
        }
    }

    #[test]
    fn tables_look_right() {
        assert_eq!(EXP_LUT[512], 32767);
        assert!((i32::from(EXP_LUT[0]) - 1).abs() <= 1); // e^−10 · 32768 ≈ 1.49
        assert_eq!(ONE_OVER_ONE_PLUS_X_LUT[0], 32767);
        assert_eq!(ONE_OVER_ONE_PLUS_X_LUT[512], 16384);
        for i in 0..512 {
            let x = -10.0 + 10.0 * i as f64 / 512.0;
            assert!((f64::from(EXP_LUT[i]) - x.exp() * 32768.0).abs() <= 1.5);
        }
    }

    #[test]
    fn uniform_row() {
        let p = SoftmaxS16Params::from_scale(10.0 / 32768.0, 1.0).unwrap();
        let x = [100i16; 4];
        let mut y = [0i16; 4];
        softmax_s16_tflm(&p, &x, 4, &mut y).unwrap();
        for v in y {
            assert!((i32::from(v) - 8192).abs() <= 2, "{v}");
        }
    }
}
