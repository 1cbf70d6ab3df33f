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

/// [`super::softmax()`] of each row of `x` (row-major, rows of `row_len` elements) into `y`.
///
/// Accuracy, stack: as [`super::softmax()`]. Cost: see `cargo xtask bench`.
///
/// # Errors
/// [`Error::Empty`] for an empty `x`, [`Error::BadRowLength`] if `row_len` is 0 or does not
/// divide `x.len()`, [`Error::LengthMismatch`] if `y.len() != x.len()`, and the first row's
/// error of [`super::softmax()`] (rows before it are done, the rest unspecified).
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn softmax_rows(x: &[f32], row_len: usize, y: &mut [f32]) -> Result<(), Error> {
    rows(x.len(), row_len)?;
    same_len(x.len(), y.len())?;
    for (xr, yr) in x.chunks_exact(row_len).zip(y.chunks_exact_mut(row_len)) {
        super::anchored(xr, yr)?;
    }
    Ok(())
}

/// [`softmax_rows`] in place.
///
/// # Errors
/// As [`softmax_rows`].
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn softmax_rows_in_place(x: &mut [f32], row_len: usize) -> Result<(), Error> {
    rows(x.len(), row_len)?;
    for xr in x.chunks_exact_mut(row_len) {
        super::softmax_in_place(xr)?;
    }
    Ok(())
}

/// [`super::log_softmax()`] of each row.
///
/// # Errors
/// As [`softmax_rows`] with [`super::log_softmax()`]'s errors.
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
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn log_softmax_rows_in_place(x: &mut [f32], row_len: usize) -> Result<(), Error> {
    rows(x.len(), row_len)?;
    for xr in x.chunks_exact_mut(row_len) {
        super::log_softmax_in_place(xr)?;
    }
    Ok(())
}
