//! Two-pass softmax (Dukhan & Ablavatski 2020): no max pass; running (sum, exponent) pairs.

use super::common::{reciprocal, same_len, term, Kahan, Peak};
use super::three_pass::{three_pass, three_pass_in_place};
use crate::math::reduce::{exp_poly, pow2i, reduce};
use crate::math::SPLIT_LIMIT;
use crate::Error;

/// n of e^(±SPLIT_LIMIT): reduce(±1000).1 = ±1443.
const N_LIMIT: i32 = 1443;
/// Rows whose largest n is below this are handed to [`three_pass`] (see [`two_pass`]).
const N_LOW: i32 = -N_LIMIT + 160;

/// Pass 1: returns (S, e) with Σ e^(x_i) = S·2^(e − 24), x clamped to ±[`SPLIT_LIMIT`].
#[inline(always)]
fn accumulate(x: &[f32]) -> (f32, i32) {
    let mut k = Kahan::new();
    // Below every n a clamped input can produce.
    let mut e = -N_LIMIT - 1;
    for &v in x {
        let v = if v > SPLIT_LIMIT { SPLIT_LIMIT } else { v };
        let v = if v < -SPLIT_LIMIT { -SPLIT_LIMIT } else { v };
        let (t, n) = reduce(v);
        if n > e {
            // Rescale the running pair to the new exponent: ×2^(e − n), exact or underflowing
            // harmlessly (the old sum is then < 2^−200 of the new term).
            let sh = e.wrapping_sub(n);
            let f = if sh < -252 {
                0.0
            } else {
                let h = sh >> 1;
                pow2i(h) * pow2i(sh.wrapping_sub(h))
            };
            k.sum *= f;
            k.comp *= f;
            e = n;
        }
        let b = n.wrapping_sub(e).wrapping_add(151);
        let b = if b < 0 { 0 } else { b };
        k.add(exp_poly(t) * f32::from_bits((b as u32) << 23));
    }
    (k.sum, e)
}

/// Softmax by the two-pass algorithm of Dukhan & Ablavatski ("The Two-Pass Softmax
/// Algorithm", 2020).
///
/// Algorithm: pass 1 reduces every x_i (clamped to ±1000) exactly, x_i = n_i·ln2 + t_i, and keeps
/// a running pair (S, e) with Σ e^(x_j) = S·2^(e−24): when n_i > e the pair is rescaled by
/// 2^(e − n_i) (exponent bits, exact), then p(t_i)·2^(n_i − e + 24) is added (Kahan). Pass 2
/// recomputes p(t_i), n_i and writes y_i = p(t_i)·2^(n_i − e + 24) · (1/S). So e^x is evaluated
/// twice per element but there is no max pass and no stored intermediate; on a Cortex-M, where
/// compute rather than memory bandwidth dominates, expect it to be slower than [`three_pass`].
///
/// Rows whose maximum is ≥ 1000 (including +∞) or below about −889 (including all −∞) are
/// handed to [`three_pass`], which shifts them exactly; NaN is detected from S.
///
/// Accuracy: as [`three_pass`] (same reduction, polynomial and summation; the running rescale
/// is exact): measured 2.4e−7 max relative error over 20,000 vectors, 1.9e−7 at N = 2^20.
/// Overflow: S ≤ N·2^25 as in three-pass (every term has n_i ≤ e).
///
/// Cost (`cargo xtask bench`, instructions per element at N = 256): M0 5177.1 · M3 3078.6 · M4F/M7 68.8 · M33/M55 65.8.
/// <!-- cost: softmax::two_pass -->
///
/// # Errors
/// As [`three_pass`]. On error the contents of `y` are unspecified.
///
/// Stack (bytes, `cargo xtask bench`): M0 204 · M3 128 · M4F/M7/M33/M55 124.
/// <!-- stack: softmax::two_pass -->
///
/// # Example
///
/// ```
/// use mcu_kernels::softmax::{three_pass, two_pass};
///
/// let x = [0.7f32, -2.0, 4.5, 1.25, -30.0, 4.5];
/// let mut y = [0.0f32; 6];
/// two_pass(&x, &mut y)?;
/// // Accuracy as three_pass: relative error ≤ 5e−7 against f64.
/// let z: f64 = x.iter().map(|&v| f64::from(v).exp()).sum();
/// for (&yi, &xi) in y.iter().zip(&x) {
///     let want = f64::from(xi).exp() / z;
///     assert!((f64::from(yi) - want).abs() <= 5e-7 * want);
/// }
/// // A row whose maximum is ≥ 1000 is handed to three_pass (same bits).
/// let big = [1500.0f32, 1499.0, 1000.5];
/// let (mut a, mut b) = ([0.0f32; 3], [0.0f32; 3]);
/// two_pass(&big, &mut a)?;
/// three_pass(&big, &mut b)?;
/// assert_eq!(a, b);
/// let want = (-1f64).exp() / (1.0 + (-1f64).exp() + (-499.5f64).exp()); // i = 1
/// assert!((f64::from(a[1]) - want).abs() <= 5e-7 * want);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn two_pass(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    same_len(x.len(), y.len())?;
    if x.is_empty() {
        return Err(Error::Empty);
    }
    let (sum, e) = accumulate(x);
    let inv = reciprocal(sum)?;
    if !(N_LOW..N_LIMIT).contains(&e) {
        return three_pass(x, y);
    }
    let r = Peak::off(e);
    for (out, &v) in y.iter_mut().zip(x) {
        *out = term(v, r) * inv;
    }
    Ok(())
}

/// [`two_pass`] in place.
///
/// # Errors
/// As [`two_pass`].
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::softmax::{two_pass, two_pass_in_place};
///
/// let x = [3.0f32, -1.5, 0.125, 2.0];
/// let mut v = x;
/// two_pass_in_place(&mut v)?;
/// let mut y = [0.0f32; 4];
/// two_pass(&x, &mut y)?;
/// assert_eq!(v, y); // the computation of two_pass, in place
/// let z: f64 = x.iter().map(|&a| f64::from(a).exp()).sum();
/// for (&p, &a) in v.iter().zip(&x) {
///     let want = f64::from(a).exp() / z;
///     assert!((f64::from(p) - want).abs() <= 5e-7 * want);
/// }
/// assert_eq!(two_pass_in_place(&mut []), Err(Error::Empty));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn two_pass_in_place(x: &mut [f32]) -> Result<(), Error> {
    if x.is_empty() {
        return Err(Error::Empty);
    }
    let (sum, e) = accumulate(x);
    let inv = reciprocal(sum)?;
    if !(N_LOW..N_LIMIT).contains(&e) {
        return three_pass_in_place(x);
    }
    let r = Peak::off(e);
    for v in x.iter_mut() {
        *v = term(*v, r) * inv;
    }
    Ok(())
}
