//! Two-pass softmax (Dukhan & Ablavatski) in fixed point: `I16F16` logits in, `U0F16`
//! probabilities out, running (mantissa, integer exponent) pairs instead of a max pass.

use super::common::{check_rows, mul_round, reciprocal};
use crate::Error;
use fixed::types::{I16F16, U0F16};

/// Largest row accepted by [`softmax_fixed_two_pass`]: 2^20 (tested at that size).
///
/// Overflow proof: each term `p · 2^(n − e)` is below `√2 · 2^40 < 2^41` in the `Q40` mantissa,
/// so the running mantissa stays below `2^20 · 2^41 = 2^61` (any row below 2^23 would fit).
///
/// ```
/// use fixed::types::{I16F16, U0F16};
/// use mcu_kernels::softmax::quant::{softmax_fixed_two_pass, FIXED_MAX_ROW};
/// use mcu_kernels::Error;
///
/// let x = vec![I16F16::ZERO; FIXED_MAX_ROW + 1];
/// let mut y = vec![U0F16::ZERO; FIXED_MAX_ROW + 1];
/// // A row longer than FIXED_MAX_ROW is refused; one of that length is fine (p = 2^−20).
/// assert!(matches!(
///     softmax_fixed_two_pass(&x, FIXED_MAX_ROW + 1, &mut y),
///     Err(Error::BadParameter(_))
/// ));
/// softmax_fixed_two_pass(&x[..FIXED_MAX_ROW], FIXED_MAX_ROW, &mut y[..FIXED_MAX_ROW])?;
/// assert_eq!(y[0].to_bits(), 0); // 65536 · 2^−20 = 1/16 rounds to 0
/// # Ok::<(), Error>(())
/// ```
pub const FIXED_MAX_ROW: usize = 1 << 20;

/// log2(e) in Q30.
const LOG2E_Q30: i64 = 1_549_082_005;
/// ln 2 in Q32.
const LN2_Q32: i64 = 2_977_044_472;
/// 1/k! in Q30, k = 0..=7.
const INV_FACT_Q30: [i64; 8] = [
    1 << 30,
    1 << 30,
    1 << 29,
    178_956_971,
    44_739_243,
    8_947_849,
    1_491_308,
    213_044,
];

/// `x = n·ln2 + t` for a `Q16.16` raw `x`: returns `(n, e^t in Q30)`, `|t| ≤ ln2/2 + 2^−20`.
///
/// `n = round(x · log2 e)` (`|x·2^16 · LOG2E_Q30| < 2^62`); `t = x − n · ln2` in Q32 with
/// `|n| ≤ 47,274`, `|n · LN2_Q32| < 2^48` (the Q32 constant's error, ≤ 2^−33 · |n|, is common to
/// every element of a row up to `Δn · 2^−33` and cancels in the ratio). e^t by the degree-7
/// Taylor polynomial (truncation < 6e−9 relative) in Horner form with Q30 `i64` products.
#[inline(always)]
fn exp_pair(x: i32) -> (i32, u32) {
    let n = ((i64::from(x) * LOG2E_Q30 + (1 << 45)) >> 46) as i32;
    let t32 = (i64::from(x) << 16) - i64::from(n) * LN2_Q32;
    let t = t32 >> 2; // Q30, |t| < 0.35 · 2^30
                      // |p| < 1.5 · 2^30 and |t| < 0.35 · 2^30 both fit i32: each product is one 32×32→64
                      // multiply (the same value as the i64 product).
    let t = t as i32;
    let mut p: i64 = 0;
    for c in INV_FACT_Q30.iter().rev() {
        let prod = i64::from(p as i32).wrapping_mul(i64::from(t)); // |p·t| < 2^60: no wrap
        p = c.wrapping_add(prod >> 30); // |p| < 1.5 · 2^30
    }
    (n, p.clamp(0, u32::MAX as i64) as u32) // p ∈ [0.70, 1.42] · 2^30
}

/// Fixed-point two-pass softmax: `I16F16` logits, `U0F16` probabilities.
///
/// Formula: `y_i = min(round(65536 · e^(x_i) / Σ_j e^(x_j)), 65535) / 65536` (so p = 1
/// saturates at `1 − 2^−16`, the format's top).
///
/// Algorithm (Dukhan & Ablavatski, "The Two-Pass Softmax Algorithm", 2020): pass 1 writes each
/// e^(x_i) as `p_i · 2^(n_i)` (integer exponent `n_i = round(x_i·log2 e)`, mantissa `p_i =
/// e^(t_i)` in Q30) and keeps a running pair `(m, e)`: `e' = max(e, n_i)`,
/// `m ← m · 2^(e−e') + p_i · 2^(n_i−e')` with `m` a `u64` in Q40; no max pass, no overflow for
/// any `I16F16` input (range ±32768). Pass 2 recomputes `(p_i, n_i)` and outputs
/// `p_i · 2^(n_i−e) / m` by one reciprocal per row and a 32×32→64 multiply per element.
/// By-product (not returned): `ln Σ e^x = ln(m) + e · ln 2`.
///
/// Error bound: 0.5 LSB (final rounding) + ~2e−4 LSB (Q30 mantissas, polynomial, shifts,
/// reciprocal). Measured over 50,000 seeded rows against the f64 softmax
/// (host/tests/quant_accuracy.rs, 3.2 M outputs, logits up to ±30,000): max error 0.500024 LSB.
///
/// Rows up to [`FIXED_MAX_ROW`]. Cost (`cargo xtask bench`, row
/// `softmax::quant::softmax_fixed_two_pass`, N = 256, logits uniform in [−8, 8], QEMU
/// instructions per element): 192.1 on the M4F (256.6 before the Horner products were narrowed
/// to 32×32→64, same bits), 192.1 on the M3 (257.2 before), 979.5 on the M0 (1,012.5
/// before); the M7 runs the M4F's code (256.6 before). Two degree-7 polynomial exps per element: still far above the
/// issue's goal of 30.
///
/// # Errors
/// [`Error::BadRowLength`] if `row_size` is 0 or does not divide `input.len()`,
/// [`Error::Empty`] for an empty input, [`Error::LengthMismatch`] if
/// `output.len() != input.len()`, [`Error::BadParameter`] if `row_size > FIXED_MAX_ROW`.
///
/// Stack (bytes, `cargo xtask bench`): M0 260 · M3/M4F/M7/M33/M55 168.
/// <!-- stack: softmax::quant::softmax_fixed_two_pass -->
///
/// ```
/// use fixed::types::{I16F16, U0F16};
/// use mcu_kernels::softmax::quant::{softmax_fixed_two_pass, FIXED_MAX_ROW};
///
/// let x = [I16F16::from_num(1.5), I16F16::from_num(0), I16F16::from_num(-2.25)];
/// let mut y = [U0F16::ZERO; 3];
/// softmax_fixed_two_pass(&x, 3, &mut y)?;
/// // Within 0.5 LSB (+ 2e−4) of 65536·p, p from f64.
/// let e: Vec<f64> = [1.5f64, 0.0, -2.25].iter().map(|v| v.exp()).collect();
/// let s: f64 = e.iter().sum();
/// for (yi, ei) in y.iter().zip(&e) {
///     let lsb = f64::from(yi.to_bits());
///     assert!((lsb - 65536.0 * ei / s).abs() <= 0.5 + 2e-4);
/// }
/// // A single logit: p = 1 saturates at the format's top, 1 − 2^−16.
/// let mut one = [U0F16::ZERO; 1];
/// softmax_fixed_two_pass(&[I16F16::from_num(-30000)], 1, &mut one)?;
/// assert_eq!(one[0], U0F16::MAX);
/// assert!(FIXED_MAX_ROW >= 1 << 20);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn softmax_fixed_two_pass(
    input: &[I16F16],
    row_size: usize,
    output: &mut [U0F16],
) -> Result<(), Error> {
    check_rows(input.len(), output.len(), row_size, FIXED_MAX_ROW)?;
    // y = p·2^(n−e) · 2^16 / m = (p >> (e − n)) · 2^(10 + 16) / m  (m in Q40, p in Q30):
    // r ≈ 2^70 / m, f = 70 − 26 = 44. m ≥ 0.7 · 2^40 (the element with n = e): bit length ≥ 40
    // ≥ 70 − 30, so r ≤ 2^31.
    const K: u32 = 70;
    const F: u32 = 44;
    for (x_row, y_row) in input
        .chunks_exact(row_size)
        .zip(output.chunks_exact_mut(row_size))
    {
        let mut m: u64 = 0;
        let mut e: i32 = i32::MIN;
        for x in x_row {
            let (n, p) = exp_pair(x.to_bits());
            if n > e {
                // Shift amounts are in 0..=2^32 − 1: anything ≥ 64 flushes to 0.
                m = m.checked_shr(n.abs_diff(e)).unwrap_or(0);
                e = n;
            }
            let term = (u64::from(p) << 10).checked_shr(e.abs_diff(n)).unwrap_or(0);
            m = m.wrapping_add(term);
        }
        let r = reciprocal(m, K);
        for (x, y) in x_row.iter().zip(y_row.iter_mut()) {
            let (n, p) = exp_pair(x.to_bits());
            let num = p.checked_shr(e.abs_diff(n)).unwrap_or(0);
            *y = U0F16::from_bits(mul_round(num, r, F).min(65535) as u16);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exp with `i64 × i64` Horner products, as before the 32×32→64 form.
    fn exp_pair_i64(x: i32) -> (i32, u32) {
        let n = ((i64::from(x) * LOG2E_Q30 + (1 << 45)) >> 46) as i32;
        let t = ((i64::from(x) << 16) - i64::from(n) * LN2_Q32) >> 2;
        let mut p: i64 = 0;
        for c in INV_FACT_Q30.iter().rev() {
            p = c + ((p * t) >> 30);
        }
        (n, p.clamp(0, u32::MAX as i64) as u32)
    }

    /// The 32×32→64 Horner products give the `i64` ones bit for bit: every input in
    /// [−2^20, 2^20] (logits within ±16) and a stride through the whole `I16F16` range.
    #[test]
    fn exp_pair_equals_i64_form() {
        let dense = -(1 << 20)..=(1 << 20);
        let sparse = (i32::MIN..=i32::MAX).step_by(4093);
        for x in dense.chain(sparse).chain([i32::MIN, i32::MAX, -1, 1]) {
            assert_eq!(exp_pair(x), exp_pair_i64(x), "x {x}");
        }
    }
}
