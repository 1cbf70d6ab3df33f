//! Counting over slices with an add that has no overflow check: a count of a slice's elements
//! is at most its length (≤ `isize::MAX`), so it cannot wrap, but `Iterator::count` after a
//! `filter` sums with an overflow-checked add that the no-panic proof cannot rule out when a
//! user's build has overflow checks on.

/// The number of elements of `x` for which `pred` holds (≤ `x.len()`).
#[inline]
pub(crate) fn count_where(x: &[f32], pred: impl Fn(f32) -> bool) -> usize {
    x.iter()
        .fold(0usize, |c, &v| c.wrapping_add(usize::from(pred(v))))
}

/// The number of +∞ elements of `x`.
#[inline]
pub(crate) fn count_pos_inf(x: &[f32]) -> usize {
    count_where(x, |v| v == f32::INFINITY)
}
