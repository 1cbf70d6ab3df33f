//! Accurate int16 softmax: e^(−d·S_in·β) for the 65,536 possible differences as the product
//! of two 256-entry tables (high and low byte of d).

use super::common::{check_rows, mul_round, reciprocal, round_non_negative};
use super::exp64::exp_f64;
use crate::Error;

/// Largest row accepted by [`softmax_s16`]: 65,535.
///
/// Overflow proof: a term is `(H·L) >> 15 ≤ (2^31 · 2^31) >> 15 = 2^47`, so a row sum is at most
/// `65535 · 2^47 < 2^63`; numerators `(H·L) >> 31 ≤ 2^31`, reciprocal ≤ 2^31, product < 2^62.
///
/// ```
/// use mcu_kernels::softmax::quant::{softmax_s16, SoftmaxS16Lut, LUT_S16_MAX_ROW};
///
/// let lut = SoftmaxS16Lut::new(0.01, 1.0)?;
/// let (x, mut y) = (vec![0i16; LUT_S16_MAX_ROW + 1], vec![0i16; LUT_S16_MAX_ROW + 1]);
/// assert!(softmax_s16(&lut, &x, LUT_S16_MAX_ROW + 1, &mut y).is_err());
/// assert!(softmax_s16(&lut, &x[..LUT_S16_MAX_ROW], LUT_S16_MAX_ROW, &mut y[..LUT_S16_MAX_ROW]).is_ok());
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
pub const LUT_S16_MAX_ROW: usize = 65_535;

/// Tables of [`softmax_s16`]: `H[a] = round(e^(−256·a·s) · 2^31)`, `L[b] = round(e^(−b·s) ·
/// 2^31)` with `s = S_in · β`, so that `e^(−d·s) ≈ H[d >> 8] · L[d & 255] / 2^62`. 2 KiB; build
/// once per tensor scale.
///
/// ```
/// use mcu_kernels::softmax::quant::{softmax_s16, SoftmaxS16Lut, LUT_S16_MAX_ROW};
///
/// let lut = SoftmaxS16Lut::new(0.001, 2.0)?;
/// assert!(SoftmaxS16Lut::new(-1.0, 1.0).is_err());
/// // The whole int16 range in one row: max − x reaches 65,535 steps, no floor.
/// let x = [i16::MAX, i16::MIN];
/// let mut y = [0i16; 2];
/// softmax_s16(&lut, &x, 2, &mut y)?;
/// assert_eq!(y, [32767, 0]);
/// assert_eq!(LUT_S16_MAX_ROW, 65_535);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoftmaxS16Lut {
    hi: [u32; 256],
    lo: [u32; 256],
}

impl SoftmaxS16Lut {
    /// Build the tables for input scale `S_in` and inverse temperature `β` (e^x in `f64`).
    ///
    /// # Errors
    /// [`Error::BadParameter`] if `input_scale` or `beta` is not finite and > 0.
    ///
    /// Example: see the example on [`SoftmaxS16Lut`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn new(input_scale: f32, beta: f32) -> Result<Self, Error> {
        if !(input_scale.is_finite() && input_scale > 0.0) {
            return Err(Error::BadParameter("input_scale must be finite and > 0"));
        }
        if !(beta.is_finite() && beta > 0.0) {
            return Err(Error::BadParameter("beta must be finite and > 0"));
        }
        let s = f64::from(input_scale) * f64::from(beta);
        let mut lut = Self {
            hi: [0; 256],
            lo: [0; 256],
        };
        let one = f64::from(1u32 << 31);
        for ((h, l), i) in lut.hi.iter_mut().zip(lut.lo.iter_mut()).zip(0..256usize) {
            *h = round_non_negative(exp_f64(-(i as f64) * 256.0 * s) * one) as u32;
            *l = round_non_negative(exp_f64(-(i as f64) * s) * one) as u32;
        }
        Ok(lut)
    }

    /// `e^(−d·s)` in units of 2^−62.
    #[inline(always)]
    fn product(&self, x: i16, max: i16) -> u64 {
        let d = max.wrapping_sub(x) as u16; // 0..=65535 since max ≥ x
        let h = self.hi.get(usize::from(d >> 8)).copied().unwrap_or(0);
        let l = self.lo.get(usize::from(d & 0xff)).copied().unwrap_or(0);
        u64::from(h) * u64::from(l)
    }
}

/// Accurate int16 → int16 softmax, output scale 1/32768 zero point 0 (TFLM's int16 format).
///
/// Formula: `y_i = min(round(32768 · p_i), 32767)`, `p_i = e^(S_in·β·(x_i − max)) / Σ_j …`.
/// No floor at e^−10 (unlike [`super::softmax_s16_tflm`]): every difference up to 65,535 steps
/// is represented.
///
/// Algorithm: max pass; sum pass with `T = (H[d>>8] · L[d&255]) >> 15` (2^47 ≙ 1) into a
/// `u64`; one reciprocal `r ≈ 2^78 / S`; output pass `((H·L >> 31) · r + 2^46) >> 47`.
///
/// Error bound: 0.5 LSB (rounding) + `(N + 1) · 2^−16` LSB (each table product is within
/// 2^−31 of e^(−d·s)) + 6e−5 LSB (reciprocal). Measured (host/tests/quant_s16.rs): max error
/// 0.499986 LSB (1/32768) at N = 100 with logits over [max − 20, max] (2,000 rows), where
/// [`super::softmax_s16_tflm`] reaches 26 LSB; 0.500003 LSB over 20,000 random rows.
///
/// Rows up to [`LUT_S16_MAX_ROW`]; RAM: the 2 KiB [`SoftmaxS16Lut`]. Cost (`cargo xtask
/// bench`, row `softmax::quant::softmax_s16`, N = 256, uniform int16 logits, `S_in` =
/// 10/32768, QEMU instructions per element): 42.8 on the M4F and M7, 39.5 on the M3, 181.4 on
/// the M0.
///
/// # Errors
/// [`Error::BadRowLength`], [`Error::Empty`], [`Error::LengthMismatch`] as
/// [`super::softmax_s8`]; [`Error::BadParameter`] if `row_size > LUT_S16_MAX_ROW`.
///
/// Stack (bytes, `cargo xtask bench`): M0 284 · M3 192 · M4F/M7/M33/M55 216.
/// <!-- stack: softmax::quant::softmax_s16 -->
///
/// ```
/// use mcu_kernels::softmax::quant::{softmax_s16, SoftmaxS16Lut};
///
/// // Input scale 2^−10, β = 1: the logits 0, −1024, −2048 are 0, −1, −2.
/// let lut = SoftmaxS16Lut::new(1.0 / 1024.0, 1.0)?;
/// let x: [i16; 3] = [0, -1024, -2048];
/// let mut y = [0i16; 3];
/// softmax_s16(&lut, &x, 3, &mut y)?;
/// let e = [1.0f64, (-1.0f64).exp(), (-2.0f64).exp()];
/// let s: f64 = e.iter().sum();
/// for (yi, ei) in y.iter().zip(&e) {
///     // Within 0.5 LSB + (N + 1)·2^−16 + 6e−5 LSB of 32768·p (scale 1/32768, zero point 0).
///     assert!((f64::from(*yi) - 32768.0 * ei / s).abs() <= 0.5 + 4.0 / 65536.0 + 6e-5);
/// }
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn softmax_s16(
    lut: &SoftmaxS16Lut,
    input: &[i16],
    row_size: usize,
    output: &mut [i16],
) -> Result<(), Error> {
    check_rows(input.len(), output.len(), row_size, LUT_S16_MAX_ROW)?;
    const K: u32 = 78;
    // y = p · 2^15 = ((H·L) >> 31) · 2^(47 − 31 + 15) / S → f = 78 − 31 = 47.
    const F: u32 = 47;
    for (x_row, y_row) in input
        .chunks_exact(row_size)
        .zip(output.chunks_exact_mut(row_size))
    {
        let max = x_row.iter().fold(i16::MIN, |m, &v| m.max(v));
        let mut sum = 0u64;
        for &x in x_row {
            sum = sum.wrapping_add(lut.product(x, max) >> 15);
        }
        // S ≥ 2^47 (H[0]·L[0] = 2^62 for the maximum): r ≤ 2^31.
        let r = reciprocal(sum, K);
        for (&x, y) in x_row.iter().zip(y_row.iter_mut()) {
            let num = (lut.product(x, max) >> 31) as u32;
            *y = mul_round(num, r, F).min(32767) as i16;
        }
    }
    Ok(())
}
