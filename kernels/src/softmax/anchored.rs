//! Softmax anchored at the first element's exponent: one exponentiate-and-sum pass, one scaling
//! pass, no max pass; rows the anchor cannot represent fall back to [`three_pass`].

use super::common::{same_len, Kahan};
use super::three_pass::three_pass;
use crate::math::exp_table::{expm1_poly3, fraction, reduce16};
use crate::Error;

/// |x_0| below which the first element anchors the row (keeps every element that can reach
/// the output within |x| < 128 + 105 < 1419, where the table reduction is exact).
const ANCHOR_LIMIT: f32 = 128.0;

/// Sums at or above 2^126 are rejected: their reciprocal would be subnormal.
const SUM_LIMIT: f32 = 85_070_591_730_234_615_865_843_651_857_942_052_864.0; // 2^126

/// Softmax in two passes anchored at the first element: y_i = e^(x_i) / Σ_j e^(x_j).
///
/// Algorithm. Let n_i = round(x_i·16·log2 e) = 16·E_i + j_i (the table exponential of
/// `math::exp_table`) and E_0 the anchor's. Pass 1 stores
///
///   e'_i = 2^(j_i/16)·e^(t_i)·2^(E_i − E_0 + 24)
///
/// into `y` (the anchor's term is ≈ 2^24) and sums the terms (pairs, then Kahan). The exponent
/// field E_i − E_0 + 151 is built with integer adds and OR-ed into a flag word; pass 2 scales
/// by 1/S. No max pass: the anchor is not the maximum, so a row is accepted only if every field
/// stayed in [0, 255] (no flag bit above bit 7) and S < 2^126 (so that 1/S is a normal
/// number): every logit within about [x_0 − 104.6, x_0 + 70.7] (151·ln2 below, 102·ln2
/// above, less when many logits are near the top). Otherwise — or if |x_0| ≥ 128, or any
/// input is NaN or ±∞ — the row is recomputed by [`three_pass`], which handles every case
/// (a slower path, documented cost).
///
/// Field 0 holds terms below 2^−126 (true share < 2^−150 of S ≥ 0.97·2^24) as a subnormal
/// approximation: absolute error ≤ 2^−148 in y.
///
/// Accuracy (against f64 softmax of the same inputs, `host/tests/softmax_differential.rs`): the
/// same contract as [`three_pass`]. Budget in u = 2^−24: each term ≤ 1.34u relative to
/// e^(x_i)·(1 + γ)·2^(…) (see `math::exp_table`; the table's common factor 1 + γ cancels),
/// S ≤ 1.34u from the terms + 1u (pairs) + 2u + N·u² (Kahan), 1/S and the product 1u each:
/// ≤ 7.7u ≈ 4.6e−7 < 5e−7 for outputs ≥ 2^−126 and N ≤ 2^20; smaller outputs ≤ 2^−148
/// absolute. Σ y = 1 within N·2^−24.
///
/// No accumulator overflows: the accepted terms are < 2^128 by construction, and a sum that
/// overflows is ∞, which rejects the row (then [`three_pass`] runs with its own proof).
///
/// Cost (`cargo xtask bench`, instructions per element at N = 256): M0 2018.5 · M3 1167.0 · M4F/M7/M33/M55 27.5.
/// <!-- cost: softmax::anchored -->
///
/// # Errors
/// [`Error::Empty`] for an empty `x`, [`Error::LengthMismatch`] if `y.len() != x.len()`,
/// [`Error::NanInput`] if `x` contains NaN, [`Error::AllNegInfinity`] if every element is −∞.
/// On error the contents of `y` are unspecified.
///
/// Stack (bytes, `cargo xtask bench`): M0 212 · M3 120 · M4F/M7/M33/M55 68.
/// <!-- stack: softmax::anchored -->
///
/// # Example
///
/// ```
/// use mcu_kernels::softmax::{anchored, three_pass};
///
/// let x = [0.5f32, 3.0, -2.0, 1.0, 0.0];
/// let mut y = [0.0f32; 5];
/// anchored(&x, &mut y)?;
/// // Against the f64 softmax: relative error ≤ 5e−7; Σ y = 1 within N·2^−24.
/// let z: f64 = x.iter().map(|&v| f64::from(v).exp()).sum();
/// for (&yi, &xi) in y.iter().zip(&x) {
///     let want = f64::from(xi).exp() / z;
///     assert!((f64::from(yi) - want).abs() <= 5e-7 * want);
/// }
/// let sum: f64 = y.iter().map(|&v| f64::from(v)).sum();
/// assert!((sum - 1.0).abs() <= 5.0 * 2f64.powi(-24));
/// // |x_0| ≥ 128: the anchor cannot represent the row, and three_pass computes it (same bits).
/// let far = [200.0f32, 199.0, 150.0];
/// let (mut a, mut b) = ([0.0f32; 3], [0.0f32; 3]);
/// anchored(&far, &mut a)?;
/// three_pass(&far, &mut b)?;
/// assert_eq!(a, b);
/// let want = 1.0 / (1.0 + (-1f64).exp() + (-50f64).exp()); // e^(x_i − 200) / Σ, i = 0
/// assert!((f64::from(a[0]) - want).abs() <= 5e-7 * want);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn anchored(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    same_len(x.len(), y.len())?;
    let Some(&x0) = x.first() else {
        return Err(Error::Empty);
    };
    match try_anchored(x, y, x0) {
        Some(()) => Ok(()),
        None => three_pass(x, y),
    }
}

/// The anchored passes for a non-empty row with `y.len() == x.len()`; `None` when the row is
/// rejected (then `y` holds garbage and the caller recomputes it).
#[inline(always)]
pub(crate) fn try_anchored(x: &[f32], y: &mut [f32], x0: f32) -> Option<()> {
    // NaN fails the comparison too.
    if !(x0 > -ANCHOR_LIMIT && x0 < ANCHOR_LIMIT) {
        return None;
    }
    let (_, vb0) = reduce16(x0);
    // field_i = (vb_i >> 4) + off = E_i − E_0 + 151: the MAGIC parts of vb_i >> 4 cancel.
    let off = 151i32.wrapping_sub(vb0 >> 4);
    let (sum, flags) = exp_sum(x, y, off);
    // Any field outside [0, 255] set a bit above bit 7; field 255 made S ∞ or NaN. A sum of
    // 2^126 or more (an element about 63 or more above the anchor, or many near that) would
    // make 1/S subnormal and the outputs inexact: those rows go to `three_pass` too (the
    // comparison also fails for NaN).
    if flags >> 8 != 0 || sum.partial_cmp(&SUM_LIMIT) != Some(core::cmp::Ordering::Less) {
        return None;
    }
    // 0.97·2^24 ≤ S < 2^126 (the anchor's term is one of the positive terms), so 1/S is
    // normal: in (2^−126, 2^−23.9].
    let inv = 1.0 / sum;
    let mut chunks = y.chunks_exact_mut(4);
    for chunk in &mut chunks {
        if let [a, b, c, d] = chunk {
            let v = [*a * inv, *b * inv, *c * inv, *d * inv];
            [*a, *b, *c, *d] = v;
        }
    }
    for v in chunks.into_remainder() {
        *v *= inv;
    }
    Some(())
}

/// One term e'_i and its exponent field (see [`anchored`]).
#[inline(always)]
fn term(x: f32, off: i32) -> (f32, i32) {
    let (t, vb) = reduce16(x);
    let field = (vb >> 4).wrapping_add(off);
    let s = f32::from_bits(fraction(vb).wrapping_add((field as u32) << 23));
    (s + s * expm1_poly3(t), field)
}

/// Pass 1: y_i = e'_i; returns (S, OR of the fields).
#[inline(always)]
fn exp_sum(x: &[f32], y: &mut [f32], off: i32) -> (f32, i32) {
    // Unrolled by two: (e0 + e1) enters the Kahan sum as a pair.
    let mut k = Kahan::new();
    let mut flags = 0i32;
    let mut xs = x.chunks_exact(2);
    let mut ys = y.chunks_exact_mut(2);
    for (xc, yc) in (&mut xs).zip(&mut ys) {
        if let ([x0, x1], [y0, y1]) = (xc, yc) {
            let (e0, f0) = term(*x0, off);
            let (e1, f1) = term(*x1, off);
            *y0 = e0;
            *y1 = e1;
            flags |= f0 | f1;
            k.add(e0 + e1);
        }
    }
    for (xv, yv) in xs.remainder().iter().zip(ys.into_remainder()) {
        let (e, f) = term(*xv, off);
        *yv = e;
        flags |= f;
        k.add(e);
    }
    (k.sum, flags)
}
