//! In-place binary heap helpers on a caller's buffer (no allocation, no panicking index).
//!
//! `before(a, b)` is true when `a` must sit nearer the root than `b`. Every access goes
//! through `get`/`get_mut`; out-of-range accesses cannot happen (the loops keep
//! `child < end <= v.len()`), and if they could they would be skipped, not panic.

/// Restore the heap property below `root` in `v[..end]`.
#[inline]
pub(crate) fn sift_down<T: Copy>(
    v: &mut [T],
    mut root: usize,
    end: usize,
    before: impl Fn(T, T) -> bool,
) {
    let end = if end < v.len() { end } else { v.len() };
    loop {
        // root < end <= isize::MAX, so 2·root + 2 cannot overflow; saturating ops keep
        // that obvious to the optimiser.
        let left = root.saturating_mul(2).saturating_add(1);
        if left >= end {
            return;
        }
        let right = left.saturating_add(1);
        let Some(&l) = v.get(left) else { return };
        let mut child = left;
        let mut cv = l;
        if right < end
            && let Some(&r) = v.get(right)
            && before(r, l)
        {
            child = right;
            cv = r;
        }
        let Some(&rv) = v.get(root) else { return };
        if !before(cv, rv) {
            return;
        }
        if let Some(slot) = v.get_mut(root) {
            *slot = cv;
        }
        if let Some(slot) = v.get_mut(child) {
            *slot = rv;
        }
        root = child;
    }
}

/// Turn `v` into a heap ordered by `before` (root = the element that comes first).
#[inline]
pub(crate) fn heapify<T: Copy>(v: &mut [T], before: impl Fn(T, T) -> bool + Copy) {
    let n = v.len();
    let mut i = n / 2;
    while i > 0 {
        i -= 1;
        sift_down(v, i, n, before);
    }
}

/// Finish a heap built with `before` into an array in the *reverse* of `before` order
/// (a min-heap becomes descending).
#[inline]
pub(crate) fn drain_sorted<T: Copy>(v: &mut [T], before: impl Fn(T, T) -> bool + Copy) {
    let mut end = v.len();
    while end > 1 {
        end -= 1;
        let (Some(&first), Some(&last)) = (v.first(), v.get(end)) else {
            return;
        };
        if let Some(slot) = v.first_mut() {
            *slot = last;
        }
        if let Some(slot) = v.get_mut(end) {
            *slot = first;
        }
        sift_down(v, 0, end, before);
    }
}

/// Heapsort `v` into descending order (O(n log n), in place, no recursion).
#[inline]
pub(crate) fn sort_descending<T: Copy + PartialOrd>(v: &mut [T]) {
    let less = |a: T, b: T| a < b;
    heapify(v, less);
    drain_sorted(v, less);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_descending() {
        let mut rng = 12345u64;
        for n in 0..40usize {
            let mut v = [0i32; 40];
            for x in v.iter_mut().take(n) {
                rng = rng
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *x = ((rng >> 33) % 7) as i32 - 3;
            }
            let v = &mut v[..n];
            sort_descending(v);
            assert!(v.windows(2).all(|w| w[0] >= w[1]), "{v:?}");
        }
    }
}
