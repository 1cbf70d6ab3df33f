//! StableMax: softmax with e^x replaced by s(x) = x + 1 (x ≥ 0), 1/(1 − x) (x < 0).

use super::common::{reciprocal, same_len, scale, Kahan};
use crate::Error;

/// 2^64 and 2^−64: rows with max ≥ 2^64 are summed in units of 2^64 (no overflow), rows with
/// max ≤ −2^64 in units of 2^−64 (no underflow).
const BIG: f32 = 18_446_744_073_709_551_616.0;
const INV_BIG: f32 = 1.0 / 18_446_744_073_709_551_616.0;

#[inline(always)]
fn s(x: f32, f: f32) -> f32 {
    if x >= 0.0 {
        (x + 1.0) * f
    } else {
        // 1/(1 − x); the only divide per negative element (cores without FPU: see the docs).
        f / (1.0 - x)
    }
}

/// Max pass: Ok((scale factor f, +∞ count)).
#[inline(always)]
fn prepare(x: &[f32]) -> Result<(f32, usize), Error> {
    if x.is_empty() {
        return Err(Error::Empty);
    }
    let mut m = f32::NEG_INFINITY;
    for &v in x {
        m = if v > m { v } else { m };
    }
    if m.is_infinite() {
        if x.iter().any(|v| v.is_nan()) {
            return Err(Error::NanInput);
        }
        if m == f32::NEG_INFINITY {
            return Err(Error::AllNegInfinity);
        }
        return Ok((0.0, crate::count::count_pos_inf(x)));
    }
    // A large maximum is scaled down so that the sum cannot overflow; a maximum far below 0
    // is scaled up so that the sum cannot underflow (s(−f32::MAX) ≈ 2^−128 is subnormal, and
    // its reciprocal would overflow): then every s(x_j)·2^64 ≤ 1 and the largest ≥ 2^−64.
    let f = if m >= BIG {
        INV_BIG
    } else if m <= -BIG {
        BIG
    } else {
        1.0
    };
    Ok((f, 0))
}

/// StableMax ("Grokking at the Edge of Numerical Stability", Prieto et al. 2025):
/// y_i = s(x_i) / Σ_j s(x_j) with s(x) = x + 1 for x ≥ 0 and 1/(1 − x) for x < 0.
///
/// Algorithm: max pass (to detect errors and pick a scale f: 2^−64 when max ≥ 2^64, so that
/// Σ s(x_j)·f ≤ N·2^64 never overflows; 2^64 when max ≤ −2^64, so that the largest term
/// s(max)·f ≥ 2^−64 is normal and 1/Σ cannot overflow; else 1), s(x_i)·f stored and summed
/// with Kahan's compensation,
/// then one reciprocal and a multiply per element. No exp. Negative inputs cost one divide each.
///
/// Accuracy: each s(x_i) is within 1 ulp (one or two roundings), so every output has relative
/// error ≤ 5 ulp (s, the compensated sum, the reciprocal, the product), except that elements
/// whose s(x_i)·f underflows (|x_i| ≥ 2^64 below a maximum ≥ 2^64) read 0 with absolute error
/// ≤ 2^−126. −∞ gives exactly 0. With +∞ inputs, each +∞ gets 1/count, others 0.
/// Cost (`cargo xtask bench`, instructions per element at N = 256): M0 1190.5 · M3 736.2 · M4F/M7 26.1 · M33/M55 25.1.
/// <!-- cost: softmax::stablemax -->
///
/// # Errors
/// [`Error::Empty`], [`Error::LengthMismatch`], [`Error::NanInput`], [`Error::AllNegInfinity`].
///
/// Stack (bytes, `cargo xtask bench`): M0 204 · M3 128 · M4F/M7/M33/M55 32.
/// <!-- stack: softmax::stablemax -->
///
/// # Example
///
/// ```
/// use mcu_kernels::softmax::stablemax;
///
/// // s(x) = x + 1 for x ≥ 0, 1/(1 − x) below: s = [2, 1, 1/2, 4], Σ s = 7.5.
/// let x = [1.0f32, 0.0, -1.0, 3.0];
/// let mut y = [0.0f32; 4];
/// stablemax(&x, &mut y)?;
/// for (&p, s) in y.iter().zip([2.0, 1.0, 0.5, 4.0]) {
///     let want = s / 7.5;
///     assert!((f64::from(p) - want).abs() <= 5.0 * 2f64.powi(-23) * want);
/// }
/// // Heavy tails, no underflow: x = [0, −1000] gives s = [1, 1/1001], y_1 = 1/1002.
/// let mut t = [0.0f32; 2];
/// stablemax(&[0.0, -1000.0], &mut t)?;
/// assert!((f64::from(t[1]) - 1.0 / 1002.0).abs() <= 5.0 * 2f64.powi(-23) / 1002.0);
/// // Each +∞ gets 1/count, the others 0.
/// stablemax(&[f32::INFINITY, 2.0, f32::INFINITY, f32::INFINITY], &mut y)?;
/// assert_eq!(y, [1.0 / 3.0, 0.0, 1.0 / 3.0, 1.0 / 3.0]);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn stablemax(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    same_len(x.len(), y.len())?;
    let (f, inf) = prepare(x)?;
    if inf > 0 {
        let share = 1.0 / inf as f32;
        for (o, &v) in y.iter_mut().zip(x) {
            *o = if v == f32::INFINITY { share } else { 0.0 };
        }
        return Ok(());
    }
    let mut k = Kahan::new();
    for (o, &v) in y.iter_mut().zip(x) {
        let e = s(v, f);
        *o = e;
        k.add(e);
    }
    scale(y, reciprocal(k.sum)?);
    Ok(())
}

/// [`stablemax`] in place.
///
/// # Errors
/// As [`stablemax`].
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::softmax::stablemax_in_place;
///
/// // s = [1/4, 1/2, 0] (−∞ gives exactly 0): y = [1/3, 2/3, 0].
/// let mut v = [-3.0f32, -1.0, f32::NEG_INFINITY];
/// stablemax_in_place(&mut v)?;
/// assert!((f64::from(v[0]) - 1.0 / 3.0).abs() <= 5.0 * 2f64.powi(-23) / 3.0);
/// assert!((f64::from(v[1]) - 2.0 / 3.0).abs() <= 5.0 * 2f64.powi(-23) * 2.0 / 3.0);
/// assert_eq!(v[2], 0.0);
/// assert_eq!(stablemax_in_place(&mut [f32::NAN, 1.0]), Err(Error::NanInput));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn stablemax_in_place(x: &mut [f32]) -> Result<(), Error> {
    let (f, inf) = prepare(x)?;
    if inf > 0 {
        let share = 1.0 / inf as f32;
        for v in x.iter_mut() {
            *v = if *v == f32::INFINITY { share } else { 0.0 };
        }
        return Ok(());
    }
    let mut k = Kahan::new();
    for v in x.iter_mut() {
        let e = s(*v, f);
        *v = e;
        k.add(e);
    }
    scale(x, reciprocal(k.sum)?);
    Ok(())
}
