//! Three-pass softmax: max, exponentiate-and-sum, scale.

use crate::Error;

/// Softmax by the conventional three passes, with the exponential `exp` supplied by the caller.
///
/// m = max x; e_i = exp(x_i − m) (stored in `y`); s = Σ e_i; y_i = e_i · (1/s).
///
/// This generic form exists so that benchmarks and users can compare exponentials
/// (`libm::expf`, micromath, [`crate::math::exp`]) on one algorithm.
///
/// # Errors
/// [`Error::Empty`] for an empty `x`, [`Error::LengthMismatch`] if `y.len() != x.len()`,
/// [`Error::NanInput`] if `x` contains NaN, [`Error::AllNegInfinity`] if every element is −∞.
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

/// Softmax by three passes on [`crate::math::exp`]. See [`three_pass_with`].
///
/// # Errors
/// As [`three_pass_with`].
pub fn three_pass(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    three_pass_with(x, y, crate::math::exp)
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
