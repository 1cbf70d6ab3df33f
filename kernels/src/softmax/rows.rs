//! Row-batched forms: one softmax / log-softmax per row of a row-major matrix.

use super::common::same_len;
use crate::Error;

#[inline(always)]
fn rows(len: usize, row_len: usize) -> Result<(), Error> {
    if len == 0 {
        return Err(Error::Empty);
    }
    if row_len == 0 || !len.is_multiple_of(row_len) {
        return Err(Error::BadRowLength);
    }
    Ok(())
}

/// Softmax of each row of `x` (row-major, rows of `row_len` elements) into `y`: the float
/// [`super::anchored()`] per row, on every target (unlike [`super::softmax()`], which takes the
/// integer path on cores without an FPU).
///
/// Accuracy, stack: as [`super::anchored()`]; cost per element: as [`super::anchored()`] at the
/// row length (plus a call per row).
///
/// # Errors
/// [`Error::Empty`] for an empty `x`, [`Error::BadRowLength`] if `row_len` is 0 or does not
/// divide `x.len()`, [`Error::LengthMismatch`] if `y.len() != x.len()`, and the first row's
/// error of [`super::softmax()`] (rows before it are done, the rest unspecified).
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::softmax::softmax_rows;
///
/// // Two rows of three logits, row-major.
/// let x = [1.0f32, 1.0, 1.0, 2.0, 0.0, -1.0];
/// let mut y = [0.0f32; 6];
/// softmax_rows(&x, 3, &mut y)?;
/// // Row 0: equal logits, 1/3 each. Row 1: against the f64 formula.
/// assert!(y[..3].iter().all(|&p| (f64::from(p) - 1.0 / 3.0).abs() <= 5e-7 / 3.0));
/// let z: f64 = x[3..].iter().map(|&v| f64::from(v).exp()).sum();
/// for (&p, &v) in y[3..].iter().zip(&x[3..]) {
///     let want = f64::from(v).exp() / z;
///     assert!((f64::from(p) - want).abs() <= 5e-7 * want);
/// }
/// assert_eq!(softmax_rows(&x, 4, &mut y), Err(Error::BadRowLength));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn softmax_rows(x: &[f32], row_len: usize, y: &mut [f32]) -> Result<(), Error> {
    rows(x.len(), row_len)?;
    same_len(x.len(), y.len())?;
    for (xr, yr) in x.chunks_exact(row_len).zip(y.chunks_exact_mut(row_len)) {
        super::anchored(xr, yr)?;
    }
    Ok(())
}

/// [`softmax_rows`] in place, by [`super::three_pass_in_place()`] per row (the same accuracy
/// contract; the bits may differ from [`softmax_rows`]'s in the last place).
///
/// # Errors
/// As [`softmax_rows`].
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::softmax::softmax_rows_in_place;
///
/// let mut m = [0.0f32, 0.0, 5.0, -5.0];
/// softmax_rows_in_place(&mut m, 2)?;
/// assert!(m[..2].iter().all(|&p| (f64::from(p) - 0.5).abs() <= 5e-7 * 0.5));
/// let want = 1.0 / (1.0 + (-10f64).exp()); // e^5 / (e^5 + e^−5)
/// assert!((f64::from(m[2]) - want).abs() <= 5e-7 * want);
/// assert_eq!(softmax_rows_in_place(&mut m, 0), Err(Error::BadRowLength));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn softmax_rows_in_place(x: &mut [f32], row_len: usize) -> Result<(), Error> {
    rows(x.len(), row_len)?;
    for xr in x.chunks_exact_mut(row_len) {
        super::softmax_in_place(xr)?;
    }
    Ok(())
}

/// Log-softmax of each row: the float [`super::fpu::log_softmax()`] per row, on every target.
///
/// # Errors
/// As [`softmax_rows`] with [`super::fpu::log_softmax()`]'s errors.
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::softmax::log_softmax_rows;
///
/// let x = [0.0f32, 0.0, 0.0, 0.0, 3.0, 1.0, -1.0, 2.0];
/// let mut y = [0.0f32; 8];
/// log_softmax_rows(&x, 4, &mut y)?;
/// // Row 0: −ln 4 each. Row 1: x_i − ln Σ_j e^(x_j) in f64.
/// assert!(y[..4].iter().all(|&l| (f64::from(l) + 4f64.ln()).abs() <= 2e-6 * 4f64.ln()));
/// let lse = x[4..].iter().map(|&v| f64::from(v).exp()).sum::<f64>().ln();
/// for (&l, &v) in y[4..].iter().zip(&x[4..]) {
///     let want = f64::from(v) - lse;
///     assert!((f64::from(l) - want).abs() <= 2e-6 * want.abs().max(1.0));
/// }
/// assert_eq!(
///     log_softmax_rows(&x, 4, &mut y[..4]),
///     Err(Error::LengthMismatch { expected: 8, actual: 4 })
/// );
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn log_softmax_rows(x: &[f32], row_len: usize, y: &mut [f32]) -> Result<(), Error> {
    rows(x.len(), row_len)?;
    same_len(x.len(), y.len())?;
    for (xr, yr) in x.chunks_exact(row_len).zip(y.chunks_exact_mut(row_len)) {
        super::log_softmax::log_softmax(xr, yr)?;
    }
    Ok(())
}

/// [`log_softmax_rows`] in place.
///
/// # Errors
/// As [`log_softmax_rows`].
///
/// # Example
///
/// ```
/// use mcu_kernels::softmax::log_softmax_rows_in_place;
///
/// // Rows that differ by a constant shift have the same log-softmax.
/// let mut m = [0.0f32, 1.0, -2.0, 10.0, 11.0, 8.0];
/// log_softmax_rows_in_place(&mut m, 3)?;
/// let lse = (1.0 + 1f64.exp() + (-2f64).exp()).ln();
/// for (i, want) in [-lse, 1.0 - lse, -2.0 - lse].into_iter().enumerate() {
///     assert!((f64::from(m[i]) - want).abs() <= 2e-6 * want.abs().max(1.0));
///     assert!((f64::from(m[i + 3]) - want).abs() <= 2e-6 * want.abs().max(1.0));
/// }
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn log_softmax_rows_in_place(x: &mut [f32], row_len: usize) -> Result<(), Error> {
    rows(x.len(), row_len)?;
    for xr in x.chunks_exact_mut(row_len) {
        super::log_softmax_in_place(xr)?;
    }
    Ok(())
}
