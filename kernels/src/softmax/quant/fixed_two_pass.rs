//! Two-pass softmax (Dukhan & Ablavatski) in fixed point: `I16F16` logits in, `U0F16`
//! probabilities out, running (mantissa, integer exponent) pairs instead of a max pass.

use super::common::{check_rows, reciprocal};
use super::exp64::exp_f64;
use crate::math::int::{mul_hi_halves, mul_wide};
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

/// Integer parts of `d = max − x` that count: e^(−d) for `d ≥ 40` is below `4.3e−18` of the
/// row's largest term and is left out of the sum (at most `2^20 · 4.3e−18 · 65536 < 3e−7` LSB
/// for the longest row) and gives a 0 output.
const KC: usize = 40;

/// `round(e^(−i/div) · 2^32)` for `i = 0..256`, `e^0` as `2^32 − 1` (relative error `2^−32`).
/// Only evaluated at compile time (an out-of-bounds index would be a compile error).
#[allow(clippy::indexing_slicing)]
const fn exp_table(div: f64) -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let v = exp_f64(-(i as f64) / div) * 4_294_967_296.0 + 0.5;
        t[i] = if v >= 4_294_967_295.0 {
            u32::MAX
        } else {
            v as u32
        };
        i += 1;
    }
    t
}

/// `e^(−K) = μ_K · 2^(−32 − s_K)` with `μ_K ∈ [2^31, 2^32)` rounded, `K = 0..KC` (`μ_0 = 2^31`,
/// `s_0 = −1`). Only evaluated at compile time.
#[allow(clippy::indexing_slicing)]
const fn exp_int_table() -> [(u32, i32); KC] {
    let mut t = [(0u32, 0i32); KC];
    let mut k = 0;
    while k < KC {
        let mut v = exp_f64(-(k as f64)) * 4_294_967_296.0; // e^−K · 2^32 ∈ (0, 2^32]
        let mut s = 0i32;
        while v < 2_147_483_648.0 {
            v *= 2.0;
            s += 1;
        }
        if v >= 4_294_967_295.5 {
            // K = 0: 2^32 = 2^31 · 2^1.
            t[k] = (1 << 31, -1);
        } else {
            t[k] = ((v + 0.5) as u32, s);
        }
        k += 1;
    }
    t
}

/// `e^(−a/256)`, `a = 0..256`, Q32 (1 KiB).
static T_HI: [u32; 256] = exp_table(256.0);
/// `e^(−b/65536)`, `b = 0..256`, Q32 (1 KiB).
#[cfg(not(all(target_arch = "arm", not(target_has_atomic = "32"))))]
static T_LO: [u32; 256] = exp_table(65536.0);
/// The values of `T_LO`, as 16-bit halves on ARMv6-M (one 32×32 → high-32 product from four
/// `muls`; 1 KiB as well).
#[cfg(all(target_arch = "arm", not(target_has_atomic = "32")))]
static T_LO_HALVES: ([u16; 256], [u16; 256]) = {
    let t = exp_table(65536.0);
    let (mut h, mut l) = ([0u16; 256], [0u16; 256]);
    let mut i = 0;
    while i < 256 {
        // Compile time only.
        #[allow(clippy::indexing_slicing)]
        {
            h[i] = (t[i] >> 16) as u16;
            l[i] = t[i] as u16;
        }
        i += 1;
    }
    (h, l)
};
/// `e^(−K)` as (mantissa, shift), `K = 0..KC` (240 bytes).
static T_INT: [(u32, i32); KC] = exp_int_table();

/// The mantissa of `e^(−f/65536)` for a 16-bit fraction `f`: `⌊e^(−a/256)·e^(−b/65536)·2^32⌋`
/// (`a = f >> 8`, `b = f & 255`), one 32×32 → high-32 product; relative error below `1.1e−9`
/// (half a unit of each table and one truncated unit, over values ≥ `0.36·2^32`).
#[inline(always)]
fn frac_exp(d: u32) -> u32 {
    let a = ((d >> 8) & 0xFF) as usize;
    let b = (d & 0xFF) as usize;
    let t1 = T_HI.get(a).copied().unwrap_or(0);
    lo_product(t1, b)
}

#[cfg(not(all(target_arch = "arm", not(target_has_atomic = "32"))))]
#[inline(always)]
fn lo_product(t1: u32, b: usize) -> u32 {
    mul_hi_halves_u32(t1, T_LO.get(b).copied().unwrap_or(0))
}

#[cfg(all(target_arch = "arm", not(target_has_atomic = "32")))]
#[inline(always)]
fn lo_product(t1: u32, b: usize) -> u32 {
    let h = T_LO_HALVES.0.get(b).copied().unwrap_or(0);
    let l = T_LO_HALVES.1.get(b).copied().unwrap_or(0);
    mul_hi_halves(t1, u32::from(h), u32::from(l))
}

/// `⌊a·b / 2^32⌋` (one `umull`).
#[cfg(not(all(target_arch = "arm", not(target_has_atomic = "32"))))]
#[inline(always)]
fn mul_hi_halves_u32(a: u32, b: u32) -> u32 {
    mul_hi_halves(a, b >> 16, b & 0xFFFF)
}

/// The largest element of a non-empty row.
#[inline(always)]
fn row_max(row: &[I16F16]) -> i32 {
    row.iter().fold(i32::MIN, |m, x| m.max(x.to_bits()))
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
    for (x_row, y_row) in input
        .chunks_exact(row_size)
        .zip(output.chunks_exact_mut(row_size))
    {
        let max = row_max(x_row);
        // Pass 1: B[K] = Σ ⌊e^(−f)·2^32⌋ over the elements whose d = max − x (Q16.16, ≥ 0)
        // has integer part K < KC and fraction f. B[K] ≤ 2^20 · 2^32 = 2^52.
        let mut buckets = [0u64; KC];
        for x in x_row {
            let d = max.wrapping_sub(x.to_bits()) as u32;
            if let Some(b) = buckets.get_mut((d >> 16) as usize) {
                *b = b.wrapping_add(u64::from(frac_exp(d)));
            }
        }
        // S = Σ_K e^(−K)·B[K] in Q40 (≥ 2^40 − 2^9: the maximum's own term; < 2^61): B[K] cut
        // to its top 32 bits (relative 2^−31), times μ_K, shifted by 24 + s_K − cut ≥ 3.
        let mut sum: u64 = 0;
        for (&b, &(mu, sh)) in buckets.iter().zip(T_INT.iter()) {
            if b != 0 {
                let cut = 32u32.saturating_sub(b.leading_zeros()); // ≤ 20
                let shift = 24i32.wrapping_add(sh).wrapping_sub(cut as i32) as u32;
                let term = mul_wide((b >> cut) as u32, mu).checked_shr(shift).unwrap_or(0);
                sum = sum.wrapping_add(term);
            }
        }
        // r = 2^(len + 30)/S ∈ (2^29, 2^30] (len = bit length of S, ≥ 40), then per K the
        // output factor RK = e^(−K)·2^72/S = (μ_K·r) >> (s_K + len − 10) (shift ≥ 29; capped at
        // 2^32 − 1, reached only for S < 2^40 + 2^9, where the output saturates anyway).
        // The first K with RK ≤ 2^15 and every K after it give y = 0 (P·RK + 2^47 < 2^48).
        let len = 64u32.saturating_sub(sum.leading_zeros());
        let r = reciprocal(sum, len.wrapping_add(30));
        let mut rk = Factors::new();
        for (k, &(mu, sh)) in T_INT.iter().enumerate() {
            let shift = sh.wrapping_add(len as i32).wrapping_sub(10) as u32;
            let v = mul_wide(mu, r).checked_shr(shift).unwrap_or(0);
            let v = u32::try_from(v).unwrap_or(u32::MAX);
            if v <= 1 << 15 {
                break;
            }
            rk.set(k, v);
        }
        // Pass 2: y = round(⌊P·RK/2^32⌋ / 2^16), at most 65535.
        for (x, y) in x_row.iter().zip(y_row.iter_mut()) {
            let d = max.wrapping_sub(x.to_bits()) as u32;
            let v = match rk.mul_hi((d >> 16) as usize, || frac_exp(d)) {
                Some(hi) => ((hi >> 15) + 1) >> 1, // ≤ 2^16
                None => 0,
            };
            *y = U0F16::from_bits(v.min(65535) as u16);
        }
    }
    Ok(())
}

/// The per-row output factors RK (0 where the output is 0): `u32` where the core has `umull`.
#[cfg(not(all(target_arch = "arm", not(target_has_atomic = "32"))))]
struct Factors([u32; KC]);

#[cfg(not(all(target_arch = "arm", not(target_has_atomic = "32"))))]
impl Factors {
    #[inline(always)]
    fn new() -> Self {
        Self([0; KC])
    }
    #[inline(always)]
    fn set(&mut self, k: usize, v: u32) {
        if let Some(s) = self.0.get_mut(k) {
            *s = v;
        }
    }
    /// `⌊p·RK[k] / 2^32⌋`, `None` where RK is 0 (or k ≥ KC); p is computed only when needed.
    #[inline(always)]
    fn mul_hi(&self, k: usize, p: impl FnOnce() -> u32) -> Option<u32> {
        match self.0.get(k) {
            Some(&f) if f != 0 => Some(mul_hi_halves_u32(p(), f)),
            _ => None,
        }
    }
}

/// The per-row output factors on ARMv6-M, as 16-bit halves (for four-`muls` products).
#[cfg(all(target_arch = "arm", not(target_has_atomic = "32")))]
struct Factors([(u16, u16); KC]);

#[cfg(all(target_arch = "arm", not(target_has_atomic = "32")))]
impl Factors {
    #[inline(always)]
    fn new() -> Self {
        Self([(0, 0); KC])
    }
    #[inline(always)]
    fn set(&mut self, k: usize, v: u32) {
        if let Some(s) = self.0.get_mut(k) {
            *s = ((v >> 16) as u16, v as u16);
        }
    }
    #[inline(always)]
    fn mul_hi(&self, k: usize, p: impl FnOnce() -> u32) -> Option<u32> {
        match self.0.get(k) {
            Some(&(h, l)) if (h, l) != (0, 0) => {
                Some(mul_hi_halves(p(), u32::from(h), u32::from(l)))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// The tables against f64 e^x (libm, independent of the const exp): each entry is the
    /// rounded value (the tops as 2^32 − 1).
    #[test]
    fn tables_are_rounded_exponentials() {
        for i in 0..256 {
            for (t, div) in [(&T_HI, 256.0), (&exp_table(65536.0), 65536.0)] {
                let want = libm::exp(-(i as f64) / div) * 4_294_967_296.0;
                assert!((f64::from(t[i]) - want).abs() <= 1.0, "{i}: {} vs {want}", t[i]);
            }
        }
        assert_eq!(T_HI[0], u32::MAX);
        for (k, &(mu, sh)) in T_INT.iter().enumerate() {
            let v = f64::from(mu) * libm::exp2(-(32.0 + f64::from(sh)));
            let want = libm::exp(-(k as f64));
            assert!((v - want).abs() <= want * 2.4e-10, "K {k}");
            assert!(mu >= 1 << 31, "K {k}");
        }
    }

    /// frac_exp against f64 for every 16-bit fraction: relative error below 1.1e−9 (0.5 unit
    /// of each table over values ≥ 0.36·2^32, one truncated unit).
    #[test]
    fn frac_exp_every_fraction() {
        for f in 0u32..65536 {
            let want = libm::exp(-f64::from(f) / 65536.0) * 4_294_967_296.0;
            let got = f64::from(frac_exp(f));
            assert!(((got - want) / want).abs() < 1.1e-9, "f {f}");
            // The integer part is not frac_exp's business.
            assert_eq!(frac_exp(f | (7 << 16)), frac_exp(f));
        }
    }

    /// Known values, computed in f64 outside the kernel.
    #[test]
    fn known_values() {
        let x: Vec<I16F16> = [0.0, 1.0, 2.0, -1.0].iter().map(|&v| I16F16::from_num(v)).collect();
        let mut y = [U0F16::ZERO; 4];
        softmax_fixed_two_pass(&x, 4, &mut y).unwrap();
        // e^0, e^1, e^2, e^−1 over 11.212… : 0.0871443187, 0.2368828181, 0.6439142599,
        // 0.0320586033 → ×65536 rounded.
        let want = [5711u16, 15524, 42200, 2101];
        assert_eq!(y.map(|v| v.to_bits()), want);
        // Two equal logits: ½ each, exactly 32768.
        let mut y2 = [U0F16::ZERO; 2];
        softmax_fixed_two_pass(&[I16F16::from_num(-3000); 2], 2, &mut y2).unwrap();
        assert_eq!(y2.map(|v| v.to_bits()), [32768, 32768]);
        // Extreme spread: the far element is exactly 0, the top saturates.
        let mut y3 = [U0F16::ZERO; 2];
        softmax_fixed_two_pass(&[I16F16::MIN, I16F16::MAX], 2, &mut y3).unwrap();
        assert_eq!(y3.map(|v| v.to_bits()), [0, 65535]);
    }
}
