//! Softmax with a temperature: y = softmax(x / T).

use super::common::same_len;
use super::three_pass::{three_pass_in_place_map, three_pass_map};
use crate::Error;

#[inline(always)]
fn check(t: f32) -> Result<(), Error> {
    if t > 0.0 && t < f32::INFINITY {
        Ok(())
    } else {
        Err(Error::BadParameter("temperature must be finite and > 0"))
    }
}

/// y_i = softmax(x / T)_i.
///
/// Algorithm: [`super::three_pass()`] applied to z_i = x_i / T, each quotient correctly rounded
/// (one divide per element: the results are exactly the softmax of the f32 values z_i, with
/// the accuracy contract of [`super::three_pass()`] relative to those). If x_i / T overflows,
/// z_i = ±∞ and the ±∞ rules of [`super::three_pass()`] apply: in particular a row of finite
/// negative logits whose every quotient overflows (x = [−1], T = 1e−45: −1/T < −f32::MAX)
/// is a row of −∞ and returns [`Error::AllNegInfinity`], and when some quotients overflow to
/// +∞ the weight is shared among those. A caller with tiny temperatures who wants the
/// limit (the arg-max) should subtract the row's maximum from x first: x_i − max ≤ 0 keeps
/// the maximum at z = 0. Stack: as [`super::anchored()`] (no
/// buffers).
/// Cost: not benched on its own yet.
///
/// # Errors
/// [`Error::BadParameter`] unless 0 < T < ∞; otherwise as [`super::three_pass()`].
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::softmax::softmax_with_temperature;
///
/// // T = 2: the softmax of x / T = [1, 0.5, 0] (exact quotients).
/// let x = [2.0f32, 1.0, 0.0];
/// let mut y = [0.0f32; 3];
/// softmax_with_temperature(&x, 2.0, &mut y)?;
/// let z: f64 = [1.0f64, 0.5, 0.0].iter().map(|v| v.exp()).sum();
/// for (&p, v) in y.iter().zip([1.0f64, 0.5, 0.0]) {
///     let want = v.exp() / z;
///     assert!((f64::from(p) - want).abs() <= 5e-7 * want);
/// }
/// // A higher temperature flattens the distribution.
/// let mut hot = [0.0f32; 3];
/// softmax_with_temperature(&x, 100.0, &mut hot)?;
/// assert!(hot[0] < y[0] && hot[2] > y[2]);
/// // The documented edge: every quotient −1/T overflows to −∞.
/// assert_eq!(softmax_with_temperature(&[-1.0], 1e-45, &mut y[..1]), Err(Error::AllNegInfinity));
/// assert!(matches!(softmax_with_temperature(&x, 0.0, &mut y), Err(Error::BadParameter(_))));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn softmax_with_temperature(x: &[f32], t: f32, y: &mut [f32]) -> Result<(), Error> {
    check(t)?;
    same_len(x.len(), y.len())?;
    three_pass_map(x, y, move |v| v / t)
}

/// [`softmax_with_temperature`] in place.
///
/// # Errors
/// As [`softmax_with_temperature`].
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::softmax::softmax_with_temperature_in_place;
///
/// // T = 0.5: x / T = [8, 4], so y_0 = 1 / (1 + e^−4).
/// let mut v = [4.0f32, 2.0];
/// softmax_with_temperature_in_place(&mut v, 0.5)?;
/// let want = 1.0 / (1.0 + (-4f64).exp());
/// assert!((f64::from(v[0]) - want).abs() <= 5e-7 * want);
/// assert!(matches!(
///     softmax_with_temperature_in_place(&mut v, f32::INFINITY),
///     Err(Error::BadParameter(_))
/// ));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn softmax_with_temperature_in_place(x: &mut [f32], t: f32) -> Result<(), Error> {
    check(t)?;
    three_pass_in_place_map(x, move |v| v / t)
}
