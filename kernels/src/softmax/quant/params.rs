//! TFLite-Micro parameters of the int8 softmax: input multiplier, left shift and `diff_min`.

use crate::Error;

/// TFLM's `Prepare` condition for the int8 softmax, as named in [`Error::TflmRefuses`].
pub(crate) const TFLM_S8_REFUSAL: &str =
    "input_scale * beta * 2^26 <= 1 (TFLM's QuantizeMultiplierGreaterThanOne aborts)";

/// TFLite `QuantizeMultiplier`: `d = q · 2^shift` with `q ∈ [0.5, 1)`, returned as
/// `(round(q · 2^31), shift)`; `q` rounding up to 1 renormalises to `(2^30, shift + 1)`, and
/// `shift < −31` flushes to `(0, 0)`. `d` must be finite and ≥ 0.
pub(crate) fn quantize_multiplier(d: f64) -> (i32, i32) {
    // Subnormal d gives a shift < −31 anyway (flushed below); excluding it keeps `d` a normal
    // number for the exponent extraction.
    if !(d.is_finite() && d >= f64::MIN_POSITIVE) {
        return (0, 0);
    }
    // frexp for a normal positive d: d = q · 2^shift, q ∈ [0.5, 1).
    let bits = d.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32; // 1..=2046
    let mut shift = biased - 1022;
    let q = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    // q·2^31 ∈ [2^30, 2^31): adding 1/2 is exact, the cast floors: round half away from zero.
    let mut q_fixed = (q * 2_147_483_648.0 + 0.5) as i64;
    if q_fixed == 1 << 31 {
        q_fixed /= 2;
        shift += 1;
    }
    if shift < -31 {
        return (0, 0);
    }
    (i32::try_from(q_fixed).unwrap_or(i32::MAX), shift)
}

/// Parameters of the TFLite-Micro int8 softmax ([`super::softmax_s8_tflm`],
/// [`super::softmax_s8_s16_tflm`]).
///
/// A difference `diff = x − max` (in input steps) is scaled into `Q5.26` as
/// `SRDHM(diff · 2^shift, mult)`, i.e. `diff · S_in · β`; differences below `diff_min` (where
/// the scaled value would pass −31) contribute nothing and output the format's minimum.
///
/// ```
/// use mcu_kernels::softmax::quant::SoftmaxS8Params;
/// use mcu_kernels::Error;
///
/// // The worked example of `from_raw`'s docs: S_in = 1/256, β = 1 gives
/// // β·S_in·2^26 = 2^18 = 0.5·2^19, so mult = 2^30, shift = 19, diff_min = −⌊31·2^7⌋.
/// let p = SoftmaxS8Params::from_scale(1.0 / 256.0, 1.0)?;
/// assert_eq!((p.mult(), p.shift(), p.diff_min()), (1 << 30, 19, -3968));
/// assert_eq!(SoftmaxS8Params::from_raw(1 << 30, 19, -3968)?, p);
/// // TFLM's Prepare refuses S_in·β·2^26 ≤ 1; so does the constructor.
/// assert!(matches!(SoftmaxS8Params::from_scale(2f32.powi(-26), 1.0), Err(Error::TflmRefuses(_))));
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SoftmaxS8Params {
    mult: i32,
    shift: i32,
    diff_min: i32,
}

impl SoftmaxS8Params {
    /// Parameters exactly as TFLite-Micro's `Prepare` computes them (`PreprocessSoftmaxScaling`,
    /// `QuantizeMultiplierGreaterThanOne`, `CalculateInputRadius`), in `f64`:
    /// `real = min(β · S_in · 2^26, 2^31 − 1)`, `(mult, shift) = QuantizeMultiplier(real)`,
    /// `diff_min = −floor(31 · 2^26 / 2^shift)`.
    ///
    /// Example: `S_in = 1/255` (as `f32`), `β = 1` → `mult = 1077952640`, `shift = 19`,
    /// `diff_min = −3968`. Above `S_in·β = 32` TFLM caps the multiplier (`shift = 31`,
    /// `diff_min = 0`: only the maxima get probability mass); that cap is reproduced.
    ///
    /// Checked against TFLite-Micro 0.dev20261023182759 (the `tflite-micro` wheel):
    /// `host/tests/tflm_oracle.rs` builds these parameters from the `f32` scale and β of every
    /// oracle row and requires TFLM's outputs from them; the rows include `S_in·β` from 2^−30
    /// to 10^6 and the refusal boundary (2^−26 and its `f32` neighbours).
    ///
    /// # Errors
    /// [`Error::BadParameter`] if `input_scale` or `beta` is not finite and > 0;
    /// [`Error::TflmRefuses`] if `S_in · β · 2^26 ≤ 1` (in `f64`): TFLM's
    /// `QuantizeMultiplierGreaterThanOne` requires a multiplier above 1 and aborts the model's
    /// `Prepare` otherwise (measured: `S_in = 2^−26`, `β = 1` aborts, the next `f32` above
    /// loads).
    ///
    /// ```
    /// use mcu_kernels::softmax::quant::SoftmaxS8Params;
    ///
    /// // The example above: S_in = 1/255, β = 1.
    /// let p = SoftmaxS8Params::from_scale(1.0 / 255.0, 1.0)?;
    /// assert_eq!((p.mult(), p.shift(), p.diff_min()), (1_077_952_640, 19, -3968));
    /// // Above S_in·β = 32 the multiplier is capped: shift 31, diff_min 0.
    /// let big = SoftmaxS8Params::from_scale(100.0, 1.0)?;
    /// assert_eq!((big.shift(), big.diff_min()), (31, 0));
    /// assert!(SoftmaxS8Params::from_scale(f32::NAN, 1.0).is_err());
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn from_scale(input_scale: f32, beta: f32) -> Result<Self, Error> {
        if !(input_scale.is_finite() && input_scale > 0.0) {
            return Err(Error::BadParameter("input_scale must be finite and > 0"));
        }
        if !(beta.is_finite() && beta > 0.0) {
            return Err(Error::BadParameter("beta must be finite and > 0"));
        }
        Self::from_scale_f64(f64::from(input_scale), f64::from(beta))
    }

    /// As [`Self::from_scale`] with the scale and β given in `f64`.
    ///
    /// TFLite stores scales as `f32`, so [`Self::from_scale`] is what a deployed model gets.
    /// Tools that compute the parameters from a decimal literal in double precision (the
    /// CMSIS-NN test generator that produced the golden file, e.g. `0.003922` →
    /// `mult = 1078071151` where `f32(0.003922)` gives 1078071168) need this one.
    ///
    /// # Errors
    /// As [`Self::from_scale`] (the refusal is `β · S_in · 2^26 ≤ 1` in `f64`).
    ///
    /// ```
    /// use mcu_kernels::softmax::quant::SoftmaxS8Params;
    ///
    /// // A scale given in f64 (as TFLM stores it in the model) yields TFLM's parameters:
    /// // 0.25·2^26 = 2^24 = 0.5·2^25 → mult 2^30, shift 25, diff_min −⌊31·2^26/2^25⌋ = −62.
    /// let p = SoftmaxS8Params::from_scale_f64(0.25, 1.0)?;
    /// assert_eq!((p.mult(), p.shift(), p.diff_min()), (1 << 30, 25, -62));
    /// assert_eq!(p, SoftmaxS8Params::from_scale(0.25, 1.0)?);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn from_scale_f64(input_scale: f64, beta: f64) -> Result<Self, Error> {
        if !(input_scale.is_finite() && input_scale > 0.0) {
            return Err(Error::BadParameter("input_scale must be finite and > 0"));
        }
        if !(beta.is_finite() && beta > 0.0) {
            return Err(Error::BadParameter("beta must be finite and > 0"));
        }
        // TFLM: beta * input_scale * (1 << 26), in this order, in double.
        let real = beta * input_scale * f64::from(1u32 << 26);
        if !real.is_finite() {
            return Err(Error::BadParameter("input_scale * beta overflows"));
        }
        if real <= 1.0 {
            return Err(Error::TflmRefuses(TFLM_S8_REFUSAL));
        }
        let real = real.min(2_147_483_647.0);
        // real ∈ (1, 2^31 − 1]: shift ∈ 1..=31 and mult ∈ [2^30, 2^31 − 1].
        let (mult, shift) = quantize_multiplier(real);
        Self::from_raw_unchecked(mult, shift)
    }

    /// Parameters given directly, as stored in a TFLM `SoftmaxParams` or passed to a CMSIS-NN
    /// call. The one-line replacement of `arm_softmax_s8(input, num_rows, row_size, mult,
    /// shift, diff_min, output)` is
    /// `softmax_s8_tflm(&SoftmaxS8Params::from_raw(mult, shift, diff_min)?, input, row_size, output)`
    /// (`arm_softmax_s8_s16`: [`super::softmax_s8_s16_tflm`]); with the parameters known once
    /// per model, build a [`super::SoftmaxS8TflmTable`] from them once and call
    /// [`super::softmax_s8_tflm_table`] instead (same outputs, 5× fewer instructions).
    ///
    /// Formula (TFLM's `Prepare`, what [`Self::from_scale`] computes from the model's
    /// `input_scale` `S_in` and β, in `f64`):
    /// `(mult, shift) = QuantizeMultiplierGreaterThanOne(min(β · S_in · 2^26, 2^31 − 1))`,
    /// i.e. `β · S_in · 2^26 ≈ mult · 2^(shift − 31)` with `mult ∈ [2^30, 2^31)`, `shift ≥ 1`;
    /// `diff_min = −CalculateInputRadius(5, shift, 31) = −⌊31 · 2^26 / 2^shift⌋`.
    /// Example: `S_in = 1/256`, `β = 1`: `β · S_in · 2^26 = 2^18 = 0.5 · 2^19`, so
    /// `mult = 2^30`, `shift = 19`, `diff_min = −⌊31 · 2^7⌋ = −3968`.
    ///
    /// # Errors
    /// [`Error::BadParameter`] unless `mult > 0`, `shift ≤ 31` and `diff_min ≤ 0`;
    /// [`Error::TflmRefuses`] for `shift ≤ 0`: TFLM's `Prepare` only produces
    /// `shift ≥ 1` (it refuses `S_in · β · 2^26 ≤ 1`, the multipliers with `shift ≤ 0`).
    ///
    /// ```
    /// use mcu_kernels::softmax::quant::{softmax_s8_tflm, SoftmaxS8Params};
    /// use mcu_kernels::Error;
    ///
    /// // A row of CMSIS-NN's test data with its parameters and output (softmax_s8_tflm_golden.jsonl).
    /// let p = SoftmaxS8Params::from_raw(1_078_071_151, 19, -3968)?;
    /// let x: [i8; 16] = [-102, -97, 84, -75, -21, 13, 94, -30, -67, 48, -92, 32, -47, 32, 31, -110];
    /// let mut y = [0i8; 16];
    /// softmax_s8_tflm(&p, &x, 16, &mut y)?;
    /// assert_eq!(
    ///     y,
    ///     [-117, -117, -105, -116, -113, -110, -104, -113, -115, -108, -116, -109, -114, -109, -109, -117]
    /// );
    /// assert!(matches!(SoftmaxS8Params::from_raw(1 << 30, 0, -10), Err(Error::TflmRefuses(_))));
    /// assert!(matches!(SoftmaxS8Params::from_raw(0, 19, -3968), Err(Error::BadParameter(_))));
    /// # Ok::<(), Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn from_raw(mult: i32, shift: i32, diff_min: i32) -> Result<Self, Error> {
        if mult <= 0 {
            return Err(Error::BadParameter("mult must be > 0"));
        }
        if shift > 31 {
            return Err(Error::BadParameter("shift must be in 1..=31"));
        }
        if shift <= 0 {
            return Err(Error::TflmRefuses(TFLM_S8_REFUSAL));
        }
        if diff_min > 0 {
            return Err(Error::BadParameter("diff_min must be <= 0"));
        }
        Ok(Self {
            mult,
            shift,
            diff_min,
        })
    }

    /// `diff_min` from TFLM's `CalculateInputRadius` for a valid `(mult, shift)`.
    #[inline]
    fn from_raw_unchecked(mult: i32, shift: i32) -> Result<Self, Error> {
        // CalculateInputRadius: floor(31 · 2^26 / 2^shift), exact in integers; ≤ 31·2^26 < 2^31.
        let radius = (31u64 << 26) >> shift.clamp(0, 31);
        let diff_min = -i32::try_from(radius).unwrap_or(i32::MAX);
        Self::from_raw(mult, shift, diff_min)
    }

    /// `S_in · β` as these parameters encode it: `mult · 2^(shift − 57)` (within 2^−31,
    /// relative, of the `S_in · β` they were computed from, below TFLM's cap at 32). Used for
    /// the correctly rounded fallback on the rows where TFLM aborts.
    #[inline]
    pub(crate) fn scale_beta(&self) -> f64 {
        // shift ∈ 1..=31: 2^(shift − 57) is a normal f64, built from its bits.
        let e = (self.shift.clamp(1, 31) - 57 + 1023) as u64;
        f64::from(self.mult) * f64::from_bits(e << 52)
    }

    /// The `Q0.31` input multiplier.
    ///
    /// Example: see the example on [`SoftmaxS8Params`].
    pub const fn mult(&self) -> i32 {
        self.mult
    }

    /// The left shift applied to `diff` before the multiplier.
    ///
    /// Example: see the example on [`SoftmaxS8Params`].
    pub const fn shift(&self) -> i32 {
        self.shift
    }

    /// The smallest difference `x − max` that still contributes.
    ///
    /// Example: see the example on [`SoftmaxS8Params`].
    pub const fn diff_min(&self) -> i32 {
        self.diff_min
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_examples() {
        let p = SoftmaxS8Params::from_scale(1.0 / 255.0, 1.0).unwrap();
        assert_eq!(
            (p.mult(), p.shift(), p.diff_min()),
            (1_077_952_640, 19, -3968)
        );
        let p = SoftmaxS8Params::from_scale_f64(0.003922, 1.0).unwrap();
        assert_eq!(
            (p.mult(), p.shift(), p.diff_min()),
            (1_078_071_151, 19, -3968)
        );
        let p = SoftmaxS8Params::from_scale(0.003922, 1.0).unwrap();
        assert_eq!(
            (p.mult(), p.shift(), p.diff_min()),
            (1_078_071_168, 19, -3968)
        );
        let p = SoftmaxS8Params::from_scale_f64(8.6078, 1.0).unwrap();
        assert_eq!((p.mult(), p.shift(), p.diff_min()), (1_155_319_359, 30, -1));
        let p = SoftmaxS8Params::from_scale(100.0, 1.0).unwrap();
        assert_eq!((p.mult(), p.shift(), p.diff_min()), (i32::MAX, 31, 0));
        // The worked example of `from_raw`'s documentation.
        let p = SoftmaxS8Params::from_scale(1.0 / 256.0, 1.0).unwrap();
        assert_eq!((p.mult(), p.shift(), p.diff_min()), (1 << 30, 19, -3968));
        assert_eq!(p, SoftmaxS8Params::from_raw(1 << 30, 19, -3968).unwrap());
    }

    #[test]
    fn rejects_bad_parameters() {
        for s in [0.0, -1.0, f32::NAN, f32::INFINITY] {
            assert!(matches!(
                SoftmaxS8Params::from_scale(s, 1.0),
                Err(Error::BadParameter(_))
            ));
        }
        assert!(matches!(
            SoftmaxS8Params::from_scale(1e-9, 1.0),
            Err(Error::TflmRefuses(_))
        ));
        assert!(SoftmaxS8Params::from_scale(1.0, f32::NAN).is_err());
        assert!(SoftmaxS8Params::from_raw(0, 1, -1).is_err());
        assert!(SoftmaxS8Params::from_raw(1 << 30, 32, -1).is_err());
        assert!(SoftmaxS8Params::from_raw(1 << 30, -1, -1).is_err());
        assert!(matches!(
            SoftmaxS8Params::from_raw(1 << 30, 0, -10),
            Err(Error::TflmRefuses(_))
        ));
        assert!(SoftmaxS8Params::from_raw(1 << 30, 3, 1).is_err());
        assert!(SoftmaxS8Params::from_raw(1 << 30, 3, -10).is_ok());
    }
}
