//! The table form of the TFLite-Micro-exact int8 softmax: TFLM's `Q0.31` exponential of every
//! possible difference `x − max ∈ [−255, 0]`, computed once per parameters with TFLM's own
//! fixed-point `exp_on_negative_values`, then a lookup per element and TFLM's normalisation.

use super::common::check_rows;
use super::params::SoftmaxS8Params;
use super::tflm_s8::{
    classify, correctly_rounded_row, exp_of_diff, Fallback, OutQ, BLOCK, TFLM_MAX_ROW,
};
use super::TflmDomain;
use crate::fixedpoint::{one_over_one_plus_x_for_x_in_0_1, rounding_divide_by_pot, srdhm};
use crate::Error;

/// TFLite-Micro's exponentials for one [`SoftmaxS8Params`]: `exp[d]` is TFLM's `Q0.31`
/// `exp_on_negative_values(SRDHM(−d · 2^shift, mult))` for `d ≤ −diff_min`, and 0 for the
/// differences TFLM drops (`d > −diff_min`), for `d ∈ 0..=255`.
///
/// Built once per parameters ([`Self::new`]: 256 calls of gemmlowp's `exp_on_negative_values`,
/// the work the table-free form repeats on every call) and then shared by every call of
/// [`softmax_s8_tflm_table`] and [`softmax_s8_s16_tflm_table`]; a model keeps one beside each
/// softmax's parameters.
///
/// RAM: 1,036 bytes (`size_of::<SoftmaxS8TflmTable>()`: 256 `u32` plus the 12-byte
/// parameters). The table-free form ([`super::softmax_s8_tflm`]) needs no persistent RAM but
/// ≈ 1.1 KiB of stack per call and recomputes the exponentials it meets on every call.
///
/// ```
/// use mcu_kernels::softmax::quant::{
///     softmax_s8_tflm, softmax_s8_tflm_table, SoftmaxS8Params, SoftmaxS8TflmTable,
/// };
///
/// let p = SoftmaxS8Params::from_scale(0.05, 1.0)?;
/// let mut table = SoftmaxS8TflmTable::new(&p); // once per model: 1,036 bytes
/// assert_eq!(table.params(), &p);
/// assert!(table.exp()[0] > table.exp()[1]); // e^0 > e^(−S_in·β), in TFLM's Q0.31
/// // Same bits as the table-free kernel.
/// let x: [i8; 6] = [12, -4, 100, 100, -128, 0];
/// let (mut a, mut b) = ([0i8; 6], [0i8; 6]);
/// softmax_s8_tflm_table(&table, &x, 6, &mut a)?;
/// softmax_s8_tflm(&p, &x, 6, &mut b)?;
/// assert_eq!(a, b);
/// // Rebuilt in place for another scale.
/// let q = SoftmaxS8Params::from_scale(0.2, 1.0)?;
/// table.rebuild(&q);
/// assert_eq!(table, SoftmaxS8TflmTable::new(&q));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoftmaxS8TflmTable {
    params: SoftmaxS8Params,
    exp: [u32; 256],
}

impl SoftmaxS8TflmTable {
    /// The table of `params` (from [`SoftmaxS8Params::from_scale`] for a TFLite model's
    /// `input_scale` and β, or [`SoftmaxS8Params::from_raw`] for a CMSIS-NN call site's
    /// `(mult, shift, diff_min)`).
    ///
    /// Cost: 256 fixed-point exponentials (TFLM's own, the values its kernel computes).
    ///
    /// Example: see the example on [`SoftmaxS8TflmTable`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn new(params: &SoftmaxS8Params) -> Self {
        let mut table = Self {
            params: *params,
            exp: [0; 256],
        };
        table.rebuild(params);
        table
    }

    /// Recompute the table in place for other parameters (no second 1 KiB on the stack).
    ///
    /// Example: see the example on [`SoftmaxS8TflmTable`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn rebuild(&mut self, params: &SoftmaxS8Params) {
        self.params = *params;
        // d ≤ −diff_min ⇔ TFLM lets the difference contribute.
        let d_max = u32::try_from(-i64::from(params.diff_min())).unwrap_or(u32::MAX);
        for (d, slot) in (0u8..=255).zip(self.exp.iter_mut()) {
            *slot = if u32::from(d) <= d_max {
                exp_of_diff(params, d)
            } else {
                0
            };
        }
    }

    /// The parameters the table was built for.
    ///
    /// Example: see the example on [`SoftmaxS8TflmTable`].
    pub const fn params(&self) -> &SoftmaxS8Params {
        &self.params
    }

    /// TFLM's `Q0.31` exponential of the difference `−d` (0 where TFLM drops it).
    ///
    /// Example: see the example on [`SoftmaxS8TflmTable`].
    pub const fn exp(&self) -> &[u32; 256] {
        &self.exp
    }
}

/// The row's exact `Q12.19` sum of `RoundingDivideByPOT(exp[d], 12)` (TFLM's `int32` sum is
/// its low 32 bits). Blocks of [`BLOCK`] terms ≤ 2^19 in a `u32` (≤ 2^31), blocks in a `u64`.
#[inline(always)]
fn row_sum(exp: &[u32; 256], x_row: &[i8], max: i8) -> u64 {
    let mut sum: u64 = 0;
    for block in x_row.chunks(BLOCK) {
        let mut s: u32 = 0;
        for &x in block {
            // 0 ≤ d ≤ 255 since max ≥ x; the index is a u8 into 256 entries.
            let e = exp
                .get(usize::from(max.wrapping_sub(x) as u8))
                .copied()
                .unwrap_or(0);
            // e ≤ 2^31 − 1, so + 2048 cannot wrap; (e + 2048) >> 12 = RDBP(e, 12) for e ≥ 0.
            s = s.wrapping_add(e.wrapping_add(2048) >> 12);
        }
        sum = sum.wrapping_add(u64::from(s));
    }
    sum
}

/// ⌊(a·b + 2^31) / 2^32⌋, exact: the high word of the product rounded at bit 31 (one `umull`
/// and one add on the Cortex-M3/M4/M7).
#[cfg(not(all(target_arch = "arm", not(target_has_atomic = "32"))))]
#[inline(always)]
fn mul_hi_round(a: u32, b: u32) -> u32 {
    let p = u64::from(a).wrapping_mul(u64::from(b));
    // + 2^31 carries into the high word exactly when bit 31 of the low word is set.
    ((p >> 32) as u32).wrapping_add((p as u32) >> 31)
}

/// [`mul_hi_round_split`] on ARMv6-M (the Cortex-M0 has no long multiply: a `u64` product
/// is a call to `__aeabi_lmul`; ARMv6-M is recognised by its missing 32-bit compare-and-swap).
#[cfg(all(target_arch = "arm", not(target_has_atomic = "32")))]
#[inline(always)]
fn mul_hi_round(a: u32, b: u32) -> u32 {
    mul_hi_round_split(a, b)
}

/// ⌊(a·b + 2^31) / 2^32⌋, exact, from four 16×16-bit products. With a = ah·2^16 + al,
/// b = bh·2^16 + bl: the middle column (units of 2^16) is (al·bl >> 16) + low halves of al·bh
/// and ah·bl + 2^15 (the rounding constant; < 4·2^16: no overflow), and the low 16 bits of
/// al·bl cannot carry past it; its carry joins ah·bh + the high halves (< 2^32, the result).
#[cfg_attr(
    not(any(test, all(target_arch = "arm", not(target_has_atomic = "32")))),
    allow(dead_code)
)]
#[inline(always)]
fn mul_hi_round_split(a: u32, b: u32) -> u32 {
    let (ah, al) = (a >> 16, a & 0xFFFF);
    let (bh, bl) = (b >> 16, b & 0xFFFF);
    let ll = al.wrapping_mul(bl);
    let lh = al.wrapping_mul(bh);
    let hl = ah.wrapping_mul(bl);
    let hh = ah.wrapping_mul(bh);
    let mid = (ll >> 16)
        .wrapping_add(lh & 0xFFFF)
        .wrapping_add(hl & 0xFFFF)
        .wrapping_add(0x8000);
    hh.wrapping_add(lh >> 16)
        .wrapping_add(hl >> 16)
        .wrapping_add(mid >> 16)
}

#[inline]
fn softmax_table_impl<T: OutQ>(
    table: &SoftmaxS8TflmTable,
    input: &[i8],
    row_size: usize,
    output: &mut [T],
) -> Result<(), Error> {
    check_rows(input.len(), output.len(), row_size, TFLM_MAX_ROW)?;
    let exp = &table.exp;
    for (x_row, y_row) in input
        .chunks_exact(row_size)
        .zip(output.chunks_exact_mut(row_size))
    {
        let max = x_row.iter().fold(i8::MIN, |m, &v| m.max(v));
        let sum = row_sum(exp, x_row, max);
        if classify(sum, T::BITS) == TflmDomain::Aborts {
            correctly_rounded_row(&mut Fallback {
                params: &table.params,
                x_row,
                max,
                y_row,
            });
            continue;
        }
        // TFLM's GetReciprocal on the low 32 bits of the sum, as in the table-free form.
        let sum32 = sum as u32;
        let lz = sum32.leading_zeros();
        let top = sum32.wrapping_shl(lz);
        let scale = one_over_one_plus_x_for_x_in_0_1(top.wrapping_sub(1 << 31) as i32);
        // In 0..=31 here (classify checked it).
        let exponent = (43 - T::BITS).saturating_sub(lz);
        if let Ok(scale) = u32::try_from(scale) {
            // The usual case (every row whose 32-bit sum is not 0): scale ∈ [2^30, 2^31) and
            // e ∈ [0, 2^31), so SRDHM(scale, e) = ⌊(scale·e + 2^30) / 2^31⌋ (no negative
            // product, no saturation: the result is < 2^31) = ⌊(2·scale·e + 2^31) / 2^32⌋
            // with 2·scale < 2^32: [`mul_hi_round`]. RoundingDivideByPOT of that non-negative
            // value is (v + 2^(exponent−1)) >> exponent (< 2^32: no wrap).
            let scale2 = scale.wrapping_shl(1);
            let half = 1u32.wrapping_shl(exponent) >> 1;
            for (&x, y) in x_row.iter().zip(y_row.iter_mut()) {
                let e = exp
                    .get(usize::from(max.wrapping_sub(x) as u8))
                    .copied()
                    .unwrap_or(0);
                let v = mul_hi_round(scale2, e);
                *y = T::from_unsigned(v.wrapping_add(half).wrapping_shr(exponent));
            }
        } else {
            // A 32-bit sum of exactly 0 (only after TFLM's int32 wrap): TFLM's reciprocal of
            // an out-of-range input, reproduced with the signed primitives.
            for (&x, y) in x_row.iter().zip(y_row.iter_mut()) {
                let e = exp
                    .get(usize::from(max.wrapping_sub(x) as u8))
                    .copied()
                    .unwrap_or(0);
                let r = rounding_divide_by_pot(srdhm(scale, e as i32), exponent);
                *y = T::from_clamped(r.saturating_add(T::MIN));
            }
        }
    }
    Ok(())
}

/// int8 → int8 softmax, TFLite-Micro-exact, from a [`SoftmaxS8TflmTable`]: the same outputs
/// as [`super::softmax_s8_tflm`] bit for bit (the same TFLM arithmetic on the same `Q0.31`
/// exponentials, which the table holds instead of recomputing them), including TFLM's `int32`
/// wraps and the correctly rounded rows where TFLM aborts.
///
/// Formula and semantics: see [`super::softmax_s8_tflm`]. A difference below `diff_min` has
/// table entry 0, so it adds `RDBP(0, 12) = 0` to the sum and outputs
/// `RDBP(SRDHM(scale, 0)) − 128 = −128`, which is what TFLM's explicit test gives.
///
/// Algorithm: per row, a max pass, a sum pass (one lookup and a rounding shift per element)
/// and an output pass (one lookup, one 32×32→64-bit product, two rounding shifts).
///
/// Checked: bit for bit against the table-free form on 100,000+ seeded rows (all-equal rows,
/// rows of 1 and 65,535 elements, wrapping and aborting rows, extreme parameters:
/// `host/tests/quant_tflm_table.rs`), on all 540 golden rows and on the TFLite-Micro oracle
/// (`host/tests/tflm_oracle.rs`), and on six cores by the on-target digests.
///
/// RAM: the table (1,036 bytes, built once per parameters). Rows up to [`TFLM_MAX_ROW`]
/// elements.
///
/// Cost (`cargo xtask bench`, row `softmax::quant::softmax_s8_tflm_table`, N = 256, uniform
/// int8, QEMU instructions per element): 28.7 on the M4F, M7 and M3, 68.0 on the M0 (the
/// table-free [`super::softmax_s8_tflm`]: 157.4 / 157.4 / 159.8 / 475.6); 27.8 on the M4F at
/// N = 1024. Code: 2.6 KiB (M4F), 3.1 KiB (M0).
///
/// # Errors
/// As [`super::softmax_s8_tflm`]. Nothing is written on error.
///
/// Stack (bytes, `cargo xtask bench`): M0 260 · M3 144 · M4F/M7 152 · M33/M55 160.
/// <!-- stack: softmax::quant::softmax_s8_tflm_table -->
///
/// ```
/// use mcu_kernels::softmax::quant::{softmax_s8_tflm_table, SoftmaxS8Params, SoftmaxS8TflmTable};
///
/// // CMSIS-NN's golden row again, through the table: the same bits as TFLM.
/// let table = SoftmaxS8TflmTable::new(&SoftmaxS8Params::from_raw(1_078_071_151, 19, -3968)?);
/// let x: [i8; 16] = [-102, -97, 84, -75, -21, 13, 94, -30, -67, 48, -92, 32, -47, 32, 31, -110];
/// let mut y = [0i8; 16];
/// softmax_s8_tflm_table(&table, &x, 16, &mut y)?;
/// assert_eq!(
///     y,
///     [-117, -117, -105, -116, -113, -110, -104, -113, -115, -108, -116, -109, -114, -109, -109, -117]
/// );
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn softmax_s8_tflm_table(
    table: &SoftmaxS8TflmTable,
    input: &[i8],
    row_size: usize,
    output: &mut [i8],
) -> Result<(), Error> {
    softmax_table_impl(table, input, row_size, output)
}

/// int8 → int16 softmax, TFLite-Micro-exact (CMSIS-NN `arm_softmax_s8_s16`), from a
/// [`SoftmaxS8TflmTable`]: the same outputs as [`super::softmax_s8_s16_tflm`] bit for bit.
///
/// As [`softmax_s8_tflm_table`] with output scale 1/65536, zero point −32768.
///
/// Cost (`cargo xtask bench`, row `softmax::quant::softmax_s8_s16_tflm_table`, N = 256,
/// uniform int8, QEMU instructions per element): 26.0 on the M4F, M7 and M3, 69.2 on the M0
/// (the table-free [`super::softmax_s8_s16_tflm`]: 158.4 / 158.4 / 159.8 / 477.3). RAM: the
/// table.
///
/// # Errors
/// As [`super::softmax_s8_tflm`]. Nothing is written on error.
///
/// Stack (bytes, `cargo xtask bench`): M0 260 · M3 152 · M4F/M7 168 · M33/M55 160.
/// <!-- stack: softmax::quant::softmax_s8_s16_tflm_table -->
///
/// ```
/// use mcu_kernels::softmax::quant::{
///     softmax_s8_s16_tflm_table, SoftmaxS8Params, SoftmaxS8TflmTable,
/// };
///
/// // TFLite-Micro's outputs for N equal logits, as for the table-free form.
/// let table = SoftmaxS8TflmTable::new(&SoftmaxS8Params::from_scale(0.1, 1.0)?);
/// for (n, tflm) in [(4096, -32752i16), (8193, 32767)] {
///     let mut y = vec![0i16; n];
///     softmax_s8_s16_tflm_table(&table, &vec![7i8; n], n, &mut y)?;
///     assert!(y.iter().all(|&v| v == tflm), "N = {n}");
/// }
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn softmax_s8_s16_tflm_table(
    table: &SoftmaxS8TflmTable,
    input: &[i8],
    row_size: usize,
    output: &mut [i16],
) -> Result<(), Error> {
    softmax_table_impl(table, input, row_size, output)
}

#[cfg(test)]
mod tests {
    use super::super::{softmax_s8_s16_tflm, softmax_s8_tflm};
    use super::*;

    #[test]
    fn table_entries_are_tflm_exps() {
        // S_in = 1/16, β = 1: mult = 2^30, shift = 23 (2^26/16 = 2^22 = 0.5 · 2^23),
        // diff_min = −floor(31 · 2^26 / 2^23) = −248.
        let p = SoftmaxS8Params::from_scale(1.0 / 16.0, 1.0).unwrap();
        assert_eq!((p.mult(), p.shift(), p.diff_min()), (1 << 30, 23, -248));
        let t = SoftmaxS8TflmTable::new(&p);
        assert_eq!(t.exp()[0], i32::MAX as u32);
        // d = 16: e^(−1) · 2^31 = 790015084.8; gemmlowp's barrel shifter (e^(−1/4) · e^(−1/4)
        // · e^(−1/2), each rounded) gives 790015308, 2.8e−7 relative above.
        // (An independent Python transcription of gemmlowp gives the same value.)
        assert_eq!(t.exp()[16], 790_015_308);
        assert_eq!(t.exp()[249], 0);
        assert_eq!(t.exp()[255], 0);
        assert!(t.exp()[248] > 0);
        assert!(t.exp().windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn rounded_high_products_are_exact() {
        let want = |a: u32, b: u32| ((u64::from(a) * u64::from(b) + (1 << 31)) >> 32) as u32;
        let cases = [
            0u32,
            1,
            0x7FFF,
            0x8000,
            0xFFFF,
            0x1_0000,
            0x7FFF_FFFF,
            0x8000_0000,
            0xFFFF_FFFF,
        ];
        for &a in &cases {
            for &b in &cases {
                assert_eq!(mul_hi_round(a, b), want(a, b));
                assert_eq!(mul_hi_round_split(a, b), want(a, b));
            }
        }
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..200_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let (a, b) = (s as u32, (s >> 32) as u32);
            assert_eq!(mul_hi_round(a, b), want(a, b));
            assert_eq!(mul_hi_round_split(a, b), want(a, b));
            // The kernel's operands: 2·scale ∈ [2^31, 2^32), e < 2^31.
            let (a, b) = (a | 0x8000_0000, b >> 1);
            assert_eq!(mul_hi_round_split(a, b), want(a, b));
        }
    }

    #[test]
    fn known_row() {
        // Two equal maxima and one far below: outputs 0.5 → 0 (int8: 128 − 128) each.
        let p = SoftmaxS8Params::from_scale(1.0, 1.0).unwrap();
        let t = SoftmaxS8TflmTable::new(&p);
        let x = [10i8, 10, -100];
        let mut y = [0i8; 3];
        softmax_s8_tflm_table(&t, &x, 3, &mut y).unwrap();
        assert_eq!(y, [0, 0, -128]);
    }

    #[test]
    fn equals_table_free_form() {
        let mut seed = 0x1234_5678u32;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        for scale in [1.0f32 / 255.0, 0.05, 1.0, 40.0] {
            let p = SoftmaxS8Params::from_scale(scale, 1.0).unwrap();
            let t = SoftmaxS8TflmTable::new(&p);
            for n in [1usize, 2, 7, 64, 300] {
                let x: [i8; 600] = core::array::from_fn(|_| next() as i8);
                let x = &x[..2 * n];
                let (mut a, mut b) = ([0i8; 600], [0i8; 600]);
                softmax_s8_tflm(&p, x, n, &mut a[..2 * n]).unwrap();
                softmax_s8_tflm_table(&t, x, n, &mut b[..2 * n]).unwrap();
                assert_eq!(a, b);
                let (mut a, mut b) = ([0i16; 600], [0i16; 600]);
                softmax_s8_s16_tflm(&p, x, n, &mut a[..2 * n]).unwrap();
                softmax_s8_s16_tflm_table(&t, x, n, &mut b[..2 * n]).unwrap();
                assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn errors_write_nothing() {
        let p = SoftmaxS8Params::from_scale(0.1, 1.0).unwrap();
        let t = SoftmaxS8TflmTable::new(&p);
        let mut y = [7i8; 4];
        assert_eq!(
            softmax_s8_tflm_table(&t, &[1, 2, 3, 4], 3, &mut y),
            Err(Error::BadRowLength)
        );
        assert_eq!(
            softmax_s8_tflm_table(&t, &[1, 2, 3, 4], 0, &mut y),
            Err(Error::BadRowLength)
        );
        assert_eq!(
            softmax_s8_tflm_table(&t, &[], 1, &mut []),
            Err(Error::Empty)
        );
        assert!(softmax_s8_tflm_table(&t, &[1, 2, 3], 3, &mut y).is_err());
        assert_eq!(y, [7; 4]);
    }
}
