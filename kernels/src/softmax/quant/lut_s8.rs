//! Accurate int8 softmax: a 256-entry table of e^(−d·S_in·β) built once per scale, integer
//! sums, one reciprocal per row, correctly rounded outputs.

use super::common::{check_rows, reciprocal, round_non_negative};
use super::exp64::exp_f64;
use crate::Error;

/// Largest row accepted by [`softmax_s8`] and [`softmax_s8_s16`]: 65,535.
///
/// Overflow proof: every sum-table entry is at most `2^47` (`e^0 · 2^47`, the largest), so a
/// row sum is at most `65535 · 2^47 < 2^63` in its `u64`. Numerators are at most `2^30`, the
/// (capped) reciprocal below `2^31`, their product below `2^61`.
///
/// ```
/// use mcu_kernels::softmax::quant::{softmax_s8, SoftmaxS8Lut, LUT_MAX_ROW};
///
/// let lut = SoftmaxS8Lut::new(0.1, 1.0)?;
/// let x = vec![3i8; LUT_MAX_ROW];
/// let mut y = vec![0i8; LUT_MAX_ROW];
/// softmax_s8(&lut, &x, LUT_MAX_ROW, &mut y)?; // the longest row: 1/65535 rounds to 0 → −128
/// assert!(y.iter().all(|&v| v == -128));
/// let (x, mut y) = (vec![0i8; LUT_MAX_ROW + 1], vec![0i8; LUT_MAX_ROW + 1]);
/// assert!(softmax_s8(&lut, &x, LUT_MAX_ROW + 1, &mut y).is_err());
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
pub const LUT_MAX_ROW: usize = 65_535;

/// Fixed-point scale of the sum table (`2^47` ≙ 1).
const SUM_BITS: u32 = 47;
/// Fixed-point scale of the numerator table (`2^30` ≙ 1, so that entries fit an `i32`).
const NUM_BITS: u32 = 30;

/// Slots in each table: the 256 entries reversed, then repeated once (255 more slots), so
/// that every row sees its entries through one 256-slot window indexed by the input's byte
/// (see [`SoftmaxS8Lut`]).
const SLOTS: usize = 511;

/// The per-scale tables of [`softmax_s8`] / [`softmax_s8_s16`]: `E(d) = e^(−d · S_in · β)` for
/// the 256 possible differences `d = max − x`, as `round(E · 2^47)` (summed; stored as low and
/// high `u32` halves so that both loads take a scaled register offset) and `round(E · 2^30)`
/// (`u32`, numerators).
///
/// Layout: slot k holds `E((255 − k) mod 256)` for k = 0…510 (the reversed table, then its
/// first 255 entries again). A row with maximum `m` reads the 256-slot window starting at
/// `255 − (m as u8)`: for an input byte b = `x as u8`, `window[b] = E((m − b) mod 256) =
/// E(m − x)` because x ≤ m and x ≡ b (mod 256). The window is a `&[u32; 256]` indexed by a
/// byte, so each per-element lookup is one load (`ldrb`, then `ldr` with a scaled register
/// offset): no index arithmetic, no bounds check. 6 KiB; build once per tensor scale, in
/// place with [`SoftmaxS8Lut::empty`] and [`SoftmaxS8Lut::rebuild`] where RAM is tight
/// ([`SoftmaxS8Lut::new`] returns it by value, which may copy it on the stack).
///
/// ```
/// use mcu_kernels::softmax::quant::{softmax_s8, SoftmaxS8Lut};
/// use mcu_kernels::Error;
///
/// // Built by value, or in place (no 6 KiB copy on the stack): the same tables.
/// let a = SoftmaxS8Lut::new(0.05, 1.5)?;
/// let mut b = SoftmaxS8Lut::empty();
/// b.rebuild(0.05, 1.5)?;
/// assert_eq!(a, b);
/// // A bad scale is refused and leaves the tables as they were.
/// assert!(matches!(b.rebuild(f32::NAN, 1.0), Err(Error::BadParameter(_))));
/// assert!(matches!(SoftmaxS8Lut::new(1.0, 0.0), Err(Error::BadParameter(_))));
/// assert_eq!(a, b);
/// // Empty tables give no error and every code at its minimum.
/// let mut y = [0i8; 3];
/// softmax_s8(&SoftmaxS8Lut::empty(), &[1, 2, 3], 3, &mut y)?;
/// assert_eq!(y, [-128; 3]);
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoftmaxS8Lut {
    sum_lo: [u32; SLOTS],
    sum_hi: [u32; SLOTS],
    num: [u32; SLOTS],
}

/// The 256-slot window of `table` for a row whose maximum is `max`.
#[inline(always)]
fn window(table: &[u32; SLOTS], max: i8) -> &[u32; 256] {
    // 255 − (max as u8) ∈ [0, 255], so the range lies inside the 511 slots and the conversion
    // to an array reference cannot fail; the fallback (never taken) keeps this panic-free.
    const ZERO: [u32; 256] = [0; 256];
    let start = usize::from(255 - max as u8);
    table
        .get(start..start + 256)
        .and_then(|w| <&[u32; 256]>::try_from(w).ok())
        .unwrap_or(&ZERO)
}

/// The largest element of a non-empty row (four at a time).
#[inline(always)]
fn row_max(row: &[i8]) -> i8 {
    let mut chunks = row.chunks_exact(4);
    let mut m = i8::MIN;
    for c in &mut chunks {
        if let [a, b, c, d] = c {
            m = m.max(*a).max(*b).max(*c).max(*d);
        }
    }
    chunks.remainder().iter().fold(m, |m, &v| m.max(v))
}

/// Index of input `x` in a row's window.
#[inline(always)]
fn slot(x: i8) -> usize {
    usize::from(x as u8)
}

impl SoftmaxS8Lut {
    /// Build the tables for input scale `S_in` and inverse temperature `β` (e^x in `f64`, by
    /// this crate's own `const fn`, relative error < 1e−15).
    ///
    /// Any finite positive scale works: large `S_in · β` make the non-maximal entries 0.
    ///
    /// # Errors
    /// [`Error::BadParameter`] if `input_scale` or `beta` is not finite and > 0.
    ///
    /// Example: see the example on [`SoftmaxS8Lut`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn new(input_scale: f32, beta: f32) -> Result<Self, Error> {
        let mut lut = Self::empty();
        lut.rebuild(input_scale, beta)?;
        Ok(lut)
    }

    /// All-zero tables, to be filled by [`SoftmaxS8Lut::rebuild`]: together they build the
    /// tables in place, without the by-value copies of [`SoftmaxS8Lut::new`] (which matter on
    /// a Cortex-M0 with 16 KiB of RAM). The empty tables give no error and meaningless output
    /// (every code at its minimum).
    ///
    /// Example: see the example on [`SoftmaxS8Lut`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn empty() -> Self {
        Self {
            sum_lo: [0; SLOTS],
            sum_hi: [0; SLOTS],
            num: [0; SLOTS],
        }
    }

    /// Fills the tables in place for input scale `S_in` and inverse temperature `β` (as
    /// [`SoftmaxS8Lut::new`]).
    ///
    /// # Errors
    /// [`Error::BadParameter`] if `input_scale` or `beta` is not finite and > 0 (the tables
    /// are left unchanged).
    ///
    /// Example: see the example on [`SoftmaxS8Lut`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn rebuild(&mut self, input_scale: f32, beta: f32) -> Result<(), Error> {
        if !(input_scale.is_finite() && input_scale > 0.0) {
            return Err(Error::BadParameter("input_scale must be finite and > 0"));
        }
        if !(beta.is_finite() && beta > 0.0) {
            return Err(Error::BadParameter("beta must be finite and > 0"));
        }
        let s = f64::from(input_scale) * f64::from(beta); // finite: |f32·f32| < 2^256
        let entries = self.sum_lo.iter_mut().zip(self.sum_hi.iter_mut());
        // Slots 0..=255 hold d = 255 − k; slots 256..=510 repeat slots 0..=254.
        for (((lo, hi), num), k) in entries.zip(self.num.iter_mut()).zip(0..256usize) {
            let d = 255usize.wrapping_sub(k); // k ≤ 255
                                              // e ∈ [0, 1]; the `as` casts saturate, and e ≤ 1 keeps them in range anyway.
            let e = exp_f64(-(d as f64) * s);
            let sum = round_non_negative(e * (1u64 << SUM_BITS) as f64) as u64;
            *lo = sum as u32;
            *hi = (sum >> 32) as u32;
            *num = round_non_negative(e * f64::from(1u32 << NUM_BITS)) as u32;
        }
        // Constant ranges inside the fixed-size arrays: no bounds can fail.
        self.sum_lo.copy_within(0..255, 256);
        self.sum_hi.copy_within(0..255, 256);
        self.num.copy_within(0..255, 256);
        Ok(())
    }

    /// Row sum in units of `2^−47`.
    #[inline(always)]
    fn row_sum(&self, row: &[i8], max: i8) -> u64 {
        let (lo, hi) = (window(&self.sum_lo, max), window(&self.sum_hi, max));
        let mut s = 0u64;
        for &x in row {
            let k = slot(x);
            let l = lo.get(k).copied().unwrap_or(0);
            let h = hi.get(k).copied().unwrap_or(0);
            s = s.wrapping_add(u64::from(h) << 32 | u64::from(l));
        }
        s
    }
}

/// The output of the accurate int8 kernels is `round(p · 2^out_bits)`, at most `2^out_bits − 1`,
/// stored with the zero point `−2^(out_bits−1)`: `store` gets `q + 2^(out_bits−1)`, whose low
/// `out_bits` bits are the two's complement of the output.
#[inline(always)]
fn lut_softmax<T: Copy>(
    lut: &SoftmaxS8Lut,
    input: &[i8],
    row_size: usize,
    output: &mut [T],
    out_bits: u32,
    store: impl Fn(u32) -> T,
) -> Result<(), Error> {
    check_rows(input.len(), output.len(), row_size, LUT_MAX_ROW)?;
    // y = p · 2^out_bits = num · 2^(SUM_BITS − NUM_BITS + out_bits) / S = num · r / 2^f with
    // r ≈ 2^78 / S and f = 78 − (SUM_BITS − NUM_BITS + out_bits) (53 for int8, 45 for int16).
    const K: u32 = 78;
    let f = K - (SUM_BITS - NUM_BITS + out_bits);
    // Saturation without a per-element clamp: y ≤ num[0] · r / 2^f = r / 2^(f − 30), so
    // r < (2^out_bits − 1/2) · 2^(f − 30) keeps every code ≤ 2^out_bits − 1. Capping r only
    // changes rows with p_max > (2^out_bits − 1/2) / 2^out_bits, where every other element has
    // p < 1/2 LSB and still rounds to 0 with the (smaller) capped r. The cap is < 2^31.
    let r_cap = ((2u64 << out_bits) - 1) << (f - 31);
    let r_cap = u32::try_from(r_cap - 1).unwrap_or(u32::MAX);
    // Rounding constant plus the zero-point bias 2^(out_bits − 1), in units of 2^−f; both are
    // multiples of 2^32, so only the high word of num·r is needed:
    // (hi(num·r) + bias_hi) >> (f − 32) = q + 2^(out_bits−1) ≤ 3·2^(out_bits−1), whose low
    // out_bits bits are the two's complement of q − 2^(out_bits−1). (Dropping the low word
    // cannot change the floor: the bias has none.)
    let bias_hi = (1u32 << (f - 33)) + (1u32 << (f + out_bits - 33));
    let shift = f - 32;
    for (x_row, y_row) in input
        .chunks_exact(row_size)
        .zip(output.chunks_exact_mut(row_size))
    {
        let max = row_max(x_row);
        // S ≥ 2^47 (the maximum contributes 2^47): bit length ≥ 48 ≥ K − 30, so r ≤ 2^31,
        // and r ≤ r_cap < 2^31 after the cap.
        let r = reciprocal(lut.row_sum(x_row, max), K).min(r_cap);
        let num = window(&lut.num, max);
        // num ≤ 2^30, r < 2^31: hi < 2^29 (one UMULL), hi + bias_hi < 2^30.
        let out = |x: i8| {
            let n = num.get(slot(x)).copied().unwrap_or(0);
            let hi = ((u64::from(n) * u64::from(r)) >> 32) as u32;
            store((hi + bias_hi) >> shift)
        };
        // Four at a time (one pointer step and one loop test per four outputs).
        let mut xs = x_row.chunks_exact(4);
        let mut ys = y_row.chunks_exact_mut(4);
        for (xc, yc) in (&mut xs).zip(&mut ys) {
            if let ([a, b, c, d], [ya, yb, yc, yd]) = (xc, yc) {
                (*ya, *yb, *yc, *yd) = (out(*a), out(*b), out(*c), out(*d));
            }
        }
        for (&x, y) in xs.remainder().iter().zip(ys.into_remainder()) {
            *y = out(x);
        }
    }
    Ok(())
}

/// Accurate int8 → int8 softmax (output scale 1/256, zero point −128, as TFLM).
///
/// Formula: `y_i = min(round(256 · p_i), 255) − 128`, `p_i = e^(S_in·β·(x_i − max)) / Σ_j …`,
/// i.e. the correctly rounded probability (to nearest, ties up), saturated at 127 where
/// `p > 255.5/256` (the format's top).
///
/// Algorithm: max pass; sum pass `S = Σ T[max − x]` with the `u64` table (2^47 ≙ 1); one
/// reciprocal `r ≈ 2^78 / S` per row (a 64/32 division, capped so that no output needs a
/// clamp); output pass `y = (hi(N[max − x] · r) + 2^20 + 2^28) >> 21` with the table N
/// (2^30 ≙ 1): one 32×32→64 multiply, the rounding and the zero point folded into one add.
/// Each lookup `T[max − x]` reads the row's 256-slot window at the input byte (see
/// [`SoftmaxS8Lut`]), so it costs one load and no index arithmetic.
///
/// Error bound (against the exact softmax of the dequantised input): 0.5 LSB from the final
/// rounding, plus < 2^−30 relative from the reciprocal, 2^−31 per numerator and
/// `N · 2^−48` relative in the sum from the table roundings: below 1e−6 LSB in total
/// for every N ≤ 65,535. Measured over 50,000 seeded rows, 4.0 M outputs
/// (host/tests/quant_accuracy.rs): max error 0.500000 LSB; at N = 65,535: ≤ 0.38 LSB.
///
/// Rows up to [`LUT_MAX_ROW`].
/// Cost (`cargo xtask bench`, M4F, uniform int8 logits): 19.0 instructions per element at
/// N = 256, 17.6 at N = 1024 (the loops: max 4.75 + sum 5.5 + output 6.5 per element, plus
/// one 64/32-bit division per row); CMSIS-NN's `arm_softmax_s8`: ≈ 506.
///
/// # Errors
/// [`Error::BadRowLength`] if `row_size` is 0 or does not divide `input.len()`,
/// [`Error::Empty`] for an empty input, [`Error::LengthMismatch`] if
/// `output.len() != input.len()`, [`Error::BadParameter`] if `row_size > LUT_MAX_ROW`.
/// Nothing is written on error.
///
/// Stack (bytes, `cargo xtask bench`): M0 268 · M3/M4F/M7/M33/M55 200.
/// <!-- stack: softmax::quant::softmax_s8 -->
///
/// ```
/// use mcu_kernels::softmax::quant::{softmax_s8, SoftmaxS8Lut};
/// use mcu_kernels::Error;
///
/// // Input scale 0.1, β = 1: two rows of four int8 logits.
/// let lut = SoftmaxS8Lut::new(0.1, 1.0)?;
/// let x: [i8; 8] = [10, 0, -10, -20, 5, 5, 5, 5];
/// let mut y = [0i8; 8];
/// softmax_s8(&lut, &x, 4, &mut y)?;
/// // The correctly rounded probability in 1/256 steps, zero point −128 (f64 reference).
/// let row = |r: &[i8]| -> Vec<i8> {
///     let m = *r.iter().max().unwrap();
///     let e: Vec<f64> = r.iter().map(|&v| (0.1 * f64::from(v - m)).exp()).collect();
///     let s: f64 = e.iter().sum();
///     e.iter().map(|p| ((256.0 * p / s + 0.5).floor().min(255.0) - 128.0) as i8).collect()
/// };
/// assert_eq!(y[..4], row(&x[..4])[..]);
/// assert_eq!(y[4..], [-64; 4]); // four equal logits: 1/4 = 64/256
/// assert_eq!(softmax_s8(&lut, &x, 3, &mut y), Err(Error::BadRowLength));
/// # Ok::<(), Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn softmax_s8(
    lut: &SoftmaxS8Lut,
    input: &[i8],
    row_size: usize,
    output: &mut [i8],
) -> Result<(), Error> {
    lut_softmax(lut, input, row_size, output, 8, |b| b as u8 as i8)
}

/// Accurate int8 → int16 softmax (output scale 1/65536, zero point −32768, as TFLM).
///
/// As [`softmax_s8`] with `y_i = min(round(65536 · p_i), 65535) − 32768` (the reciprocal
/// product's high word is shifted by 13 instead of 21). Error bound: 0.5 LSB + < 1e−4 LSB
/// (1.5e−9 absolute) for every N ≤ 65,535; measured (50,000 rows, 4.0 M outputs): max error
/// 0.500008 LSB (1/65536); outputs differ from `round(p · 65536)` only within 1e−5 LSB of a tie.
/// Cost (`cargo xtask bench`, row `softmax::quant::softmax_s8_s16`, N = 256,
/// uniform int8, QEMU instructions per element): 18.0 on the M4F, M7 and M3, 68.5 on the M0.
///
/// # Errors
/// As [`softmax_s8`].
///
/// Stack (bytes, `cargo xtask bench`): M0 268 · M3 200 · M4F/M7/M33/M55 208.
/// <!-- stack: softmax::quant::softmax_s8_s16 -->
///
/// ```
/// use mcu_kernels::softmax::quant::{softmax_s8_s16, SoftmaxS8Lut};
///
/// let lut = SoftmaxS8Lut::new(0.25, 1.0)?;
/// let x: [i8; 3] = [4, 0, -4];
/// let mut y = [0i16; 3];
/// softmax_s8_s16(&lut, &x, 3, &mut y)?;
/// // e^0, e^−1, e^−2 normalised, in 1/65536 steps with zero point −32768 (f64 reference).
/// let e = [1.0f64, (-1.0f64).exp(), (-2.0f64).exp()];
/// let s: f64 = e.iter().sum();
/// for (yi, ei) in y.iter().zip(&e) {
///     let want = (65536.0 * ei / s + 0.5).floor() - 32768.0;
///     assert_eq!(f64::from(*yi), want);
/// }
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn softmax_s8_s16(
    lut: &SoftmaxS8Lut,
    input: &[i8],
    row_size: usize,
    output: &mut [i16],
) -> Result<(), Error> {
    lut_softmax(lut, input, row_size, output, 16, |b| b as u16 as i16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_place_build_equals_new_and_errors_leave_tables_unchanged() {
        let a = SoftmaxS8Lut::new(0.05, 1.5).unwrap();
        let mut b = SoftmaxS8Lut::empty();
        b.rebuild(0.05, 1.5).unwrap();
        assert_eq!(a, b);
        assert!(b.rebuild(f32::NAN, 1.0).is_err());
        assert!(b.rebuild(1.0, 0.0).is_err());
        assert_eq!(a, b);
        // Empty tables: no error, every code at its minimum.
        let e = SoftmaxS8Lut::empty();
        let mut y = [0i8; 3];
        softmax_s8(&e, &[1, 2, 3], 3, &mut y).unwrap();
        assert_eq!(y, [-128; 3]);
    }

    /// The window of a row with maximum m holds E(m − x) at the byte of x, for every m and x.
    #[test]
    fn windows_index_by_input_byte() {
        let lut = SoftmaxS8Lut::new(0.1, 1.0).unwrap();
        let entry = |d: usize| lut.num[255 - d];
        for m in i8::MIN..=i8::MAX {
            let w = window(&lut.num, m);
            for x in i8::MIN..=m {
                let d = (i16::from(m) - i16::from(x)) as usize;
                assert_eq!(w[slot(x)], entry(d), "m {m} x {x}");
            }
        }
    }
}
