//! Projection onto the k-sparse simplex.

use super::heap;
use crate::Error;

/// Euclidean projection of `z` onto the k-sparse simplex
/// {p : p ≥ 0, Σp = 1, at most k non-zeros}, written into `out`; returns the support size.
///
/// **Formula** (Kyrillidis et al. 2013): keep the k largest entries, project them onto the
/// simplex with the sparsemax threshold rule, zeros elsewhere. Ties at the k-th largest
/// value are broken towards the lowest indices, so at most k entries are kept.
///
/// **Algorithm:** one pass for the maximum; a size-k min-heap of shifted values
/// y = z − max built in `out[..k]` while scanning (O(N log k)); the heap is then
/// heapsorted descending (O(k log k)) and the sorted rule
/// k* = max{j : 1 + j·y_(j) > Σ_{i≤j} y_(i)}, τ = (Σ_{i≤k*} y_(i) − 1)/k* is applied;
/// a last pass writes p_i = max(y_i − τ, 0) on the kept set. `k ≥ N` is plain
/// sparsemax.
///
/// **Special values:** as [`super::sparsemax`]; with +∞ logits the first min(k, #+∞)
/// of them share the mass.
///
/// **Accuracy:** measured max |p − p^f64| = 5.96e−8 over 10^5 vectors (host differential
/// test against a full-sort f64 reference); |Σp − 1| ≤ N·2^−24.
/// **Cost:** see `cargo xtask bench`.
///
/// # Errors
/// [`Error::Empty`], [`Error::LengthMismatch`], [`Error::NanInput`],
/// [`Error::AllNegInfinity`], [`Error::BadParameter`] for `k == 0`.
///
/// Stack (bytes, `cargo xtask bench`): M0 188 · M3 112 · M4F/M7/M33/M55 40.
/// <!-- stack: sparsemax::project_topk_simplex[k=8] -->
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::sparsemax::project_topk_simplex;
///
/// let z = [0.5f32, 0.2, -0.1, 1.0, 0.45];
/// let mut p = [0.0f32; 5];
/// // k = 1: the arg-max, one-hot.
/// assert_eq!(project_topk_simplex(&z, 1, &mut p)?, 1);
/// assert_eq!(p, [0.0, 0.0, 0.0, 1.0, 0.0]);
/// // k = 2: sparsemax of the two largest, {0.5, 1.0}: τ = 0.25 (exact for dyadic values).
/// assert_eq!(project_topk_simplex(&z, 2, &mut p)?, 2);
/// assert_eq!(p, [0.25, 0.0, 0.0, 0.75, 0.0]);
/// // k ≥ N: plain sparsemax, whose support here has 3 elements, τ = (1 + 0.5 + 0.45 − 1)/3.
/// assert_eq!(project_topk_simplex(&z, 10, &mut p)?, 3);
/// let tau = (1.0 + 0.5 + f64::from(0.45f32) - 1.0) / 3.0;
/// for (&pi, &zi) in p.iter().zip(&z) {
///     assert!((f64::from(pi) - (f64::from(zi) - tau).max(0.0)).abs() <= 2f64.powi(-22));
/// }
/// // Ties at the k-th value go to the lowest indices.
/// let mut t = [0.0f32; 3];
/// project_topk_simplex(&[1.0, 1.0, 1.0], 2, &mut t)?;
/// assert_eq!(t, [0.5, 0.5, 0.0]);
/// assert!(matches!(project_topk_simplex(&z, 0, &mut p), Err(Error::BadParameter(_))));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn project_topk_simplex(z: &[f32], k: usize, out: &mut [f32]) -> Result<usize, Error> {
    let n = z.len();
    if n == 0 {
        return Err(Error::Empty);
    }
    if out.len() != n {
        return Err(Error::LengthMismatch {
            expected: n,
            actual: out.len(),
        });
    }
    if k == 0 {
        return Err(Error::BadParameter("k must be at least 1"));
    }
    let k = if k < n { k } else { n };
    let mut m = f32::NEG_INFINITY;
    for &v in z {
        if v > m || v.is_nan() {
            if v.is_nan() {
                return Err(Error::NanInput);
            }
            m = v;
        }
    }
    if m == f32::NEG_INFINITY {
        return Err(Error::AllNegInfinity);
    }
    if m == f32::INFINITY {
        let count = crate::count::count_pos_inf(z);
        let kept = if count < k { count } else { k };
        let share = 1.0 / kept as f32;
        let mut taken = 0usize;
        for (o, &v) in out.iter_mut().zip(z) {
            let take = v == f32::INFINITY && taken < kept;
            taken = taken.wrapping_add(usize::from(take)); // counts elements: ≤ N
            *o = if take { share } else { 0.0 };
        }
        return Ok(kept);
    }
    let less = |a: f32, b: f32| a < b;
    let (heap_buf, _) = out.split_at_mut(k);
    let (head, tail) = z.split_at(k);
    for (h, &v) in heap_buf.iter_mut().zip(head) {
        *h = v - m;
    }
    heap::heapify(heap_buf, less);
    for &v in tail {
        let y = v - m;
        if let Some(root) = heap_buf.first_mut()
            && y > *root
        {
            *root = y;
            heap::sift_down(heap_buf, 0, k, less);
        }
    }
    // The k-th largest shifted value.
    let kth = heap_buf.first().copied().unwrap_or(0.0);
    heap::drain_sorted(heap_buf, less);
    // Sorted rule on the k kept values (descending, in (−∞, 0]).
    let mut cum = 0.0f32;
    let mut best_sum = 0.0f32;
    let mut best_k = 1.0f32;
    let mut j = 0.0f32;
    let mut greater = 0usize;
    for &y in heap_buf.iter() {
        greater = greater.wrapping_add(usize::from(y > kth)); // counts elements: ≤ N
    }
    for &y in heap_buf.iter() {
        j += 1.0;
        cum += y;
        if 1.0 + j * y > cum {
            best_sum = cum;
            best_k = j;
        } else {
            break;
        }
    }
    let tau = (best_sum - 1.0) / best_k;
    // Ties at the k-th value: only the first (k − #greater) are kept.
    // greater ≤ k − 1: fewer than k values exceed the k-th largest.
    let ties_allowed = k.saturating_sub(greater);
    let mut ties = 0usize;
    let mut support = 0usize;
    for (o, &v) in out.iter_mut().zip(z) {
        let y = v - m;
        let tie = y == kth && ties < ties_allowed;
        ties = ties.wrapping_add(usize::from(tie)); // counts elements: ≤ N
        let kept = y > kth || tie;
        let d = y - tau;
        let pos = kept && d > 0.0;
        *o = if pos { d } else { 0.0 };
        support = support.wrapping_add(usize::from(pos)); // counts elements: ≤ N
    }
    Ok(support)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn topk_cases() {
        let z = [0.5f32, 0.2, -0.1, 1.0];
        let mut p = [0.0f32; 4];
        // k ≥ support: same as sparsemax.
        assert_eq!(project_topk_simplex(&z, 2, &mut p), Ok(2));
        assert_eq!(p, [0.25, 0.0, 0.0, 0.75]);
        assert_eq!(project_topk_simplex(&z, 9, &mut p), Ok(2));
        assert_eq!(p, [0.25, 0.0, 0.0, 0.75]);
        // k = 1: all mass on the maximum.
        assert_eq!(project_topk_simplex(&z, 1, &mut p), Ok(1));
        assert_eq!(p, [0.0, 0.0, 0.0, 1.0]);
        // Ties broken towards lower indices.
        let z = [1.0f32, 1.0, 1.0, 0.0];
        assert_eq!(project_topk_simplex(&z, 2, &mut p), Ok(2));
        assert_eq!(p, [0.5, 0.5, 0.0, 0.0]);
        assert_eq!(
            project_topk_simplex(&z, 0, &mut p),
            Err(Error::BadParameter("k must be at least 1"))
        );
        assert_eq!(project_topk_simplex(&[], 1, &mut []), Err(Error::Empty));
        let inf = f32::INFINITY;
        assert_eq!(
            project_topk_simplex(&[inf, 0.0, inf, inf], 2, &mut p),
            Ok(2)
        );
        assert_eq!(p, [0.5, 0.0, 0.5, 0.0]);
        let ninf = f32::NEG_INFINITY;
        assert_eq!(
            project_topk_simplex(&[ninf, 0.0, ninf, ninf], 3, &mut p),
            Ok(1)
        );
        assert_eq!(p, [0.0, 1.0, 0.0, 0.0]);
        assert_eq!(
            project_topk_simplex(&[0.0, f32::NAN, 1.0, 1.0], 3, &mut p),
            Err(Error::NanInput)
        );
    }
}
