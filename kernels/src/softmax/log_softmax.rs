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
/// ±3.4e38) rounds to −∞, as IEEE rounding of the true value does. Stack: ≈ 100 bytes (saved
/// registers, no buffers). Cost: see
/// `cargo xtask bench`.
///
/// # Errors
/// [`Error::Empty`], [`Error::LengthMismatch`] (`y.len() != x.len()`), [`Error::NanInput`],
/// [`Error::AllNegInfinity`].
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
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn log_softmax_in_place(x: &mut [f32]) -> Result<(), Error> {
    let p = plan(x)?;
    for v in x.iter_mut() {
        *v = out(p, *v);
    }
    Ok(())
}
