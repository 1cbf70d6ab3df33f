//! Log-softmax: y_i = x_i − ln Σ_j e^(x_j).

use super::common::{exp_sum, log_tail, peak, reciprocal, same_len, Peak};
use crate::math::reduce::LN2_HI;
use crate::Error;

/// What pass 3 needs: y_i = ((x_i − c) − hi) − tail.
#[derive(Clone, Copy)]
enum Plan {
    Finite { c: f32, hi: f32, tail: f32 },
    PosInf { neg_ln_count: f32 },
}

/// Passes 1 and 2: the max, then S (nothing stored).
#[inline(always)]
fn plan(x: &[f32]) -> Result<Plan, Error> {
    Ok(match peak(x, |v| v)? {
        Peak::PosInf { count } => Plan::PosInf {
            neg_ln_count: -crate::math::own::ln(count as f32),
        },
        Peak::Finite { c, n_ref } => {
            let sum = exp_sum(x, c, Peak::off(n_ref));
            reciprocal(sum)?;
            Plan::Finite {
                c,
                hi: n_ref as f32 * LN2_HI,
                tail: log_tail(sum, n_ref),
            }
        }
    })
}

#[inline(always)]
fn out(plan: Plan, v: f32) -> f32 {
    match plan {
        Plan::Finite { c, hi, tail } => ((v - c) - hi) - tail,
        Plan::PosInf { neg_ln_count } => {
            if v == f32::INFINITY {
                neg_ln_count
            } else {
                f32::NEG_INFINITY
            }
        }
    }
}

/// ln Z parts shared with [`super::logsumexp()`]: returns ln Σ e^(x_j).
#[inline(always)]
pub(crate) fn lse(x: &[f32]) -> Result<f32, Error> {
    Ok(match plan(x)? {
        Plan::Finite { c, hi, tail } => (c + hi) + tail,
        Plan::PosInf { .. } => f32::INFINITY,
    })
}

/// Log-softmax y_i = x_i − ln Σ_j e^(x_j).
///
/// Algorithm: the max pass and the exact (mantissa, exponent) sum of [`super::three_pass`]
/// give ln Z = c + n_ref·ln2 + ln(S·2^−24); the output is formed as
/// y_i = ((x_i − c) − n_ref·ln2_hi) − (ln(S·2^−24) + n_ref·ln2_lo), so that no large
/// intermediate (like ln Z itself, up to 3.4e38) is rounded before the subtraction: for the
/// elements near the maximum, (x_i − c) − n_ref·ln2_hi is exact (Sterbenz). e^x is evaluated
/// once per element (the sum pass stores nothing); ln once per row.
///
/// Accuracy: absolute error ≤ 2e−6·max(1, |y_i|) for N ≤ 2^20 (measured maximum of
/// error/max(1, |y_i|): 1.7e−7 over 20,000 vectors, `host/tests/softmax_differential.rs`). −∞
/// inputs give −∞. With +∞ inputs, those
/// get −ln(count) and the others −∞. A result below −f32::MAX (possible only for inputs near
/// ±3.4e38) rounds to −∞, as IEEE rounding of the true value does. Cost: see
/// `cargo xtask bench`.
///
/// # Errors
/// [`Error::Empty`], [`Error::LengthMismatch`] (`y.len() != x.len()`), [`Error::NanInput`],
/// [`Error::AllNegInfinity`].
///
/// Stack (bytes, `cargo xtask bench`): M0 236 · M3 152 · M4F/M7/M33/M55 96.
/// <!-- stack: softmax::log_softmax -->
///
/// # Example
///
/// ```
/// use mcu_kernels::softmax::fpu::log_softmax;
///
/// let x = [3.0f32, -1.0, 0.25, 10.0];
/// let mut l = [0.0f32; 4];
/// log_softmax(&x, &mut l)?;
/// // Absolute error ≤ 2e−6·max(1, |y_i|) against f64.
/// let lse = x.iter().map(|&v| f64::from(v).exp()).sum::<f64>().ln();
/// for (&li, &xi) in l.iter().zip(&x) {
///     let want = f64::from(xi) - lse;
///     assert!((f64::from(li) - want).abs() <= 2e-6 * want.abs().max(1.0));
/// }
/// // +∞ inputs get −ln(count), the others −∞.
/// let mut m = [0.0f32; 3];
/// log_softmax(&[f32::INFINITY, 1.0, f32::INFINITY], &mut m)?;
/// assert!((f64::from(m[0]) + 2f64.ln()).abs() <= 2e-6 && m[2] == m[0]);
/// assert_eq!(m[1], f32::NEG_INFINITY);
/// // Logits near ±3.4e38: the maximum gets ≈ −ln 2; a true result below −f32::MAX is −∞.
/// log_softmax(&[3.0e38, 3.0e38, -3.0e38], &mut m)?;
/// assert!((f64::from(m[0]) + 2f64.ln()).abs() <= 2e-6);
/// assert_eq!(m[2], f32::NEG_INFINITY);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn log_softmax(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    same_len(x.len(), y.len())?;
    let p = plan(x)?;
    for (o, &v) in y.iter_mut().zip(x) {
        *o = out(p, v);
    }
    Ok(())
}

/// [`log_softmax`] in place.
///
/// # Errors
/// As [`log_softmax`].
///
/// # Example
///
/// ```
/// use mcu_kernels::softmax::log_softmax_in_place;
///
/// let x = [1.0f32, 2.0, 3.0];
/// let mut v = x;
/// log_softmax_in_place(&mut v)?;
/// let lse = x.iter().map(|&a| f64::from(a).exp()).sum::<f64>().ln();
/// for (&li, &a) in v.iter().zip(&x) {
///     let want = f64::from(a) - lse;
///     assert!((f64::from(li) - want).abs() <= 2e-6 * want.abs().max(1.0));
/// }
/// // The outputs are log-probabilities: their exponentials sum to 1.
/// let s: f64 = v.iter().map(|&l| f64::from(l).exp()).sum();
/// assert!((s - 1.0).abs() <= 1e-5);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn log_softmax_in_place(x: &mut [f32]) -> Result<(), Error> {
    let p = plan(x)?;
    for v in x.iter_mut() {
        *v = out(p, *v);
    }
    Ok(())
}
