//! Three-pass softmax: max, exponentiate-and-sum, scale.

use super::common::{
    exp_sum_in_place, exp_sum_into, peak, pos_inf_into, reciprocal, same_len, scale, Peak,
};
use crate::Error;

/// Softmax by the conventional three passes, with the exponential `exp` supplied by the caller.
///
/// m = max x; e_i = exp(x_i − m) (stored in `y`); s = Σ e_i; y_i = e_i · (1/s).
///
/// This generic form exists so that benchmarks and users can compare exponentials
/// (`libm::expf`, micromath, [`crate::math::exp`]) on one algorithm. It computes x_i − m in f32,
/// whose rounding (up to |x_i − m|·2^−24 absolute in the exponent) limits its accuracy to about
/// 5e−6 relative for outputs near 1e−38; [`three_pass`] avoids that.
///
/// Stack: no buffers ([`three_pass`]'s measured figures). Cost: see `cargo xtask bench`.
///
/// # Errors
/// [`Error::Empty`] for an empty `x`, [`Error::LengthMismatch`] if `y.len() != x.len()`,
/// [`Error::NanInput`] if `x` contains NaN, [`Error::AllNegInfinity`] if every element is −∞.
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::softmax::three_pass_with;
///
/// // The exponential is the caller's: with 2^x this is the base-2 softmax
/// // 2^(x_i) / Σ_j 2^(x_j), exact here (powers of two).
/// let mut y = [0.0f32; 3];
/// three_pass_with(&[1.0, 0.0, 0.0], &mut y, f32::exp2)?;
/// assert_eq!(y, [0.5, 0.25, 0.25]);
/// // With std's e^x: close to the f64 softmax for moderate logits.
/// let x = [0.3f32, -1.2, 2.5];
/// three_pass_with(&x, &mut y, f32::exp)?;
/// let z: f64 = x.iter().map(|&v| f64::from(v).exp()).sum();
/// for (&yi, &xi) in y.iter().zip(&x) {
///     let want = f64::from(xi).exp() / z;
///     assert!((f64::from(yi) - want).abs() <= 1e-6 * want);
/// }
/// assert_eq!(three_pass_with(&[1.0, f32::NAN], &mut y[..2], f32::exp), Err(Error::NanInput));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn three_pass_with(x: &[f32], y: &mut [f32], exp: impl Fn(f32) -> f32) -> Result<(), Error> {
    if x.is_empty() {
        return Err(Error::Empty);
    }
    if y.len() != x.len() {
        return Err(Error::LengthMismatch {
            expected: x.len(),
            actual: y.len(),
        });
    }
    let mut max = f32::NEG_INFINITY;
    for &v in x {
        if v.is_nan() {
            return Err(Error::NanInput);
        }
        max = if v > max { v } else { max };
    }
    if max == f32::NEG_INFINITY {
        return Err(Error::AllNegInfinity);
    }
    let mut sum = 0.0f32;
    for (out, &v) in y.iter_mut().zip(x) {
        let e = exp(v - max);
        *out = e;
        sum += e;
    }
    // sum ≥ 1 (the maximum contributes e^0 = 1), so the reciprocal is finite.
    let inv = 1.0 / sum;
    for out in y.iter_mut() {
        *out *= inv;
    }
    Ok(())
}

/// Softmax by three passes, exact argument reduction: the crate's accurate f32 softmax.
///
/// y_i = e^(x_i) / Σ_j e^(x_j).
///
/// Algorithm (see the `common` module docs for the representation and the proofs):
/// 1. max pass: m = max x; shift c = m if |m| ≥ 256, else 0 (so every x_i − c that matters
///    is exact);
/// 2. per element: Cody–Waite reduction of d_i = x_i − c (clamped below at
///    (n_ref − 151)·ln2, where its share is < 2^−150) into n_i, t_i;
///    e'_i = p(t_i)·2^(n_i − n_ref + 24) from the exponent bits (n_ref: the maximum's n), stored
///    in `y`; S = Σ e'_i by Kahan summation;
/// 3. y_i ← e'_i · (1/S): one divide per row.
///
/// No f64, no FMA (bit-identical on every target), no divide per element.
///
/// Accuracy (against f64 softmax of the same inputs; `host/tests/softmax_differential.rs`):
/// outputs ≥ 2^−126 have relative error ≤ 5e−7 (worst-case bound 8·2^−24 ≈ 4.8e−7 from the
/// budget in `common`; measured maximum 2.6e−7 over 100,000 vectors of sizes 1…4096 and
/// 1.9e−7 at N = 2^20), smaller
/// outputs absolute error ≤ 2^−148; Σ y = 1 within N·2^−24. −∞ inputs give exactly 0. If some
/// inputs are +∞, each of them gets 1/(their count) and every other element 0. No NaN or ∞ for
/// any finite input, including ±3.4e38. Valid for any N (no accumulator overflows).
///
/// Cost: see `cargo xtask bench`.
///
/// # Errors
/// [`Error::Empty`] for an empty `x`, [`Error::LengthMismatch`] if `y.len() != x.len()`,
/// [`Error::NanInput`] if `x` contains NaN, [`Error::AllNegInfinity`] if every element is −∞.
/// On error the contents of `y` are unspecified.
///
/// Stack (bytes, `cargo xtask bench`): M0 244 · M3 168 · M4F/M7 144 · M33/M55 136.
/// <!-- stack: softmax::three_pass -->
///
/// # Example
///
/// ```
/// use mcu_kernels::softmax::three_pass;
///
/// let x = [1.0f32, -0.5, 3.25, -90.0, 0.0];
/// let mut y = [0.0f32; 5];
/// three_pass(&x, &mut y)?;
/// // Against f64: relative error ≤ 5e−7 for outputs ≥ 2^−126, absolute ≤ 2^−148 below
/// // (the share of −90 is ≈ 3e−41, a subnormal).
/// let z: f64 = x.iter().map(|&v| f64::from(v).exp()).sum();
/// for (&yi, &xi) in y.iter().zip(&x) {
///     let want = f64::from(xi).exp() / z;
///     let bound = if want >= 2f64.powi(-126) { 5e-7 * want } else { 2f64.powi(-148) };
///     assert!((f64::from(yi) - want).abs() <= bound, "{yi} vs {want}");
/// }
/// // −∞ gives exactly 0; the +∞ entries share the mass.
/// let mut w = [0.0f32; 4];
/// three_pass(&[f32::INFINITY, 0.0, f32::INFINITY, f32::NEG_INFINITY], &mut w)?;
/// assert_eq!(w, [0.5, 0.0, 0.5, 0.0]);
/// // No NaN or ∞ at the ends of the f32 range.
/// three_pass(&[f32::MAX, f32::MAX, -f32::MAX], &mut w[..3])?;
/// assert!((f64::from(w[0]) - 0.5).abs() <= 5e-7 * 0.5 && w[1] == w[0]);
/// assert!(f64::from(w[2]) <= 2f64.powi(-148));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn three_pass(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    same_len(x.len(), y.len())?;
    three_pass_map(x, y, |v| v)
}

/// [`three_pass`] in place: `x` is overwritten by its softmax.
///
/// # Errors
/// As [`three_pass`] (no length mismatch possible).
///
/// # Example
///
/// ```
/// use mcu_kernels::softmax::{three_pass, three_pass_in_place};
///
/// let x = [0.5f32, 2.0, -1.0, 2.0];
/// let mut v = x;
/// three_pass_in_place(&mut v)?;
/// // The computation of three_pass, in place: the same bits.
/// let mut y = [0.0f32; 4];
/// three_pass(&x, &mut y)?;
/// assert_eq!(v, y);
/// assert_eq!(v[1], v[3]); // equal logits, equal probabilities
/// let z: f64 = x.iter().map(|&a| f64::from(a).exp()).sum();
/// for (&p, &a) in v.iter().zip(&x) {
///     let want = f64::from(a).exp() / z;
///     assert!((f64::from(p) - want).abs() <= 5e-7 * want);
/// }
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn three_pass_in_place(x: &mut [f32]) -> Result<(), Error> {
    three_pass_in_place_map(x, |v| v)
}

/// [`three_pass`] of map(x_i) (the temperature variants divide by T here).
#[inline(always)]
pub(crate) fn three_pass_map(
    x: &[f32],
    y: &mut [f32],
    map: impl Fn(f32) -> f32 + Copy,
) -> Result<(), Error> {
    match peak(x, map)? {
        Peak::PosInf { count } => pos_inf_into(x, y, count, map),
        Peak::Finite { c, n_ref } => {
            let sum = exp_sum_into(x, y, c, Peak::off(n_ref), map);
            scale(y, reciprocal(sum)?);
        }
    }
    Ok(())
}

/// In-place form of [`three_pass_map`].
#[inline(always)]
pub(crate) fn three_pass_in_place_map(
    x: &mut [f32],
    map: impl Fn(f32) -> f32 + Copy,
) -> Result<(), Error> {
    match peak(x, map)? {
        Peak::PosInf { count } => {
            let share = 1.0 / count as f32;
            for v in x.iter_mut() {
                *v = if map(*v) == f32::INFINITY { share } else { 0.0 };
            }
        }
        Peak::Finite { c, n_ref } => {
            let sum = exp_sum_in_place(x, c, Peak::off(n_ref), map);
            scale(x, reciprocal(sum)?);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_vector() {
        let x = [1000.0f32, 999.0, -5.0, 0.5];
        let mut y = [0.0f32; 4];
        three_pass(&x, &mut y).unwrap();
        assert!((y[0] - 0.731_058_6).abs() < 1e-6);
        assert!((y[1] - 0.268_941_4).abs() < 1e-6);
        assert_eq!(y[2], 0.0);
        assert_eq!(y[3], 0.0);
    }

    #[test]
    fn rejects_bad_input() {
        let mut y = [0.0f32; 2];
        assert_eq!(three_pass(&[], &mut []), Err(Error::Empty));
        assert_eq!(
            three_pass(&[1.0], &mut y),
            Err(Error::LengthMismatch {
                expected: 1,
                actual: 2
            })
        );
        assert_eq!(three_pass(&[1.0, f32::NAN], &mut y), Err(Error::NanInput));
        assert_eq!(
            three_pass(&[f32::NEG_INFINITY; 2], &mut y),
            Err(Error::AllNegInfinity)
        );
    }
}
