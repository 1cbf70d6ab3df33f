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
/// **Algorithm:** one pass for the maximum; a size-k min-heap of the logits themselves built
/// in `out[..k]` while scanning (O(N log k); y = z − max is non-decreasing in z, so the k
/// largest z give the k largest y, and the scan needs no subtraction); the heap is then
/// heapsorted descending (O(k log k)), shifted, and the sorted rule
/// k* = max{j : 1 + j·y_(j) > Σ_{i≤j} y_(i)}, τ = (Σ_{i≤k*} y_(i) − 1)/k* is applied;
/// a last pass writes p_i = max(y_i − τ, 0) on the kept set, with one comparison for the
/// logits below the least z whose y reaches the k-th largest (found from the heap's minimum,
/// by bisection over the float keys when rounding makes several z share that y). Where there
/// is no FPU the comparisons are on order-preserving integer keys. `k ≥ N` is plain
/// sparsemax.
///
/// **Special values:** as [`super::sparsemax`]; with +∞ logits the first min(k, #+∞)
/// of them share the mass.
///
/// **Accuracy:** measured max |p − p^f64| = 5.96e−8 over 10^5 vectors (host differential
/// test against a full-sort f64 reference); |Σp − 1| ≤ N·2^−24 over those vectors. As for
/// [`super::sparsemax`], these are measurements, not bounds: τ rests on an f32 sum over the
/// kept entries, and the fuzz target checks |Σp − 1| ≤ N·2^−24·(1 + Σ_S|z_i − max|). The
/// outputs are bit for bit those of the former heap-of-y form (unit test against it).
/// Rows of up to 32 elements take the former form instead (a heap of y = z − m, a subtraction
/// per element; the same bits, unit test `matches_reference_bit_for_bit`): at N = 16 it needs
/// no search for the least reaching logit and less setup.
/// **Cost** (`cargo xtask bench`, row `sparsemax::project_topk_simplex[k=8]`, N = 256, uniform
/// logits in [−8, 8]): 80.5 / 54.3 / 33.1 instructions per element on the M0 / M3 / M4F (was
/// 450.9 / 350.6 / 47.8 with the heap of y at every length). At N = 16 a call costs 1,472
/// instructions on the M4F, 9,010 on the M3 and 11,925 on the M0 (2,268 / 9,177 / 13,239 with
/// the heap of logits at that length).
///
/// # Errors
/// [`Error::Empty`], [`Error::LengthMismatch`], [`Error::NanInput`],
/// [`Error::AllNegInfinity`], [`Error::BadParameter`] for `k == 0`.
///
/// Stack (bytes, `cargo xtask bench`): M0 204 · M3 168 · M4F/M7/M33/M55 152.
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
    if z.len() <= SMALL_ROW {
        topk_heap_of_y(z, k, out)
    } else {
        topk_heap_of_z(z, k, out)
    }
}

/// Rows up to this length take the former heap-of-y form ([`topk_heap_of_y`]): at N = 16 it
/// cost 1,457 / 8,959 / 11,875 instructions per call on the M4F / M3 / M0 against 2,268 /
/// 9,177 / 13,239 for the heap of logits, which wins from N = 64 on (3,523 against 4,082 on
/// the M4F; `cargo xtask bench`, k = 8).
const SMALL_ROW: usize = 32;

/// The heap-of-logits form of [`project_topk_simplex`] (its documented algorithm), for rows
/// longer than [`SMALL_ROW`].
// Out of line on the target; inlined in the no-panic proof build only, where a call across
// codegen units is taken as possibly unwinding (as in `zloss`).
#[cfg_attr(not(assert_no_panic), inline(never))]
#[cfg_attr(assert_no_panic, inline(always))]
fn topk_heap_of_z(z: &[f32], k: usize, out: &mut [f32]) -> Result<usize, Error> {
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
    let m = max_checked(z)?;
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
    // A size-k min-heap of the logits themselves (not of y = z − m): y is a non-decreasing
    // function of z, so the k largest z give the k largest y as a multiset (ties in y that
    // rounding makes out of distinct z included), and the scan needs no subtraction per
    // element. Compared as floats on an FPU, as order-preserving integer keys elsewhere.
    let (heap_buf, _) = out.split_at_mut(k);
    let (head, tail) = z.split_at(k);
    for (h, &v) in heap_buf.iter_mut().zip(head) {
        *h = v;
    }
    heap::heapify(heap_buf, less);
    for &v in tail {
        if let Some(root) = heap_buf.first_mut()
            && less(*root, v)
        {
            *root = v;
            heap::sift_down(heap_buf, 0, k, less);
        }
    }
    // The smallest kept logit, and the k-th largest shifted value.
    let zmin = heap_buf.first().copied().unwrap_or(m);
    let kth = zmin - m;
    heap::drain_sorted(heap_buf, less);
    for h in heap_buf.iter_mut() {
        *h -= m;
    }
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
    // Only z ≥ zlo can have y = z − m ≥ kth (zlo: the least such z); the others are 0 at the
    // cost of one comparison, without a subtraction.
    let zlo = least_reaching(zmin, m, kth);
    let mut ties = 0usize;
    let mut support = 0usize;
    for (o, &v) in out.iter_mut().zip(z) {
        *o = 0.0;
        if less(v, zlo) {
            continue;
        }
        let y = v - m;
        let tie = y == kth && ties < ties_allowed;
        ties = ties.wrapping_add(usize::from(tie)); // counts elements: ≤ N
        let kept = y > kth || tie;
        let d = y - tau;
        let pos = kept && d > 0.0;
        if pos {
            *o = d;
        }
        support = support.wrapping_add(usize::from(pos)); // counts elements: ≤ N
    }
    Ok(support)
}

/// The former form of [`project_topk_simplex`] (a heap of y = z − m, a subtraction per
/// element in every pass), for short rows (`N ≤ SMALL_ROW`), where it costs less than the
/// heap of logits (no least-reaching search, less setup); the same bits as [`topk_heap_of_z`]
/// (unit test `matches_reference_bit_for_bit`).
// Out of line on the target; inlined in the no-panic proof build only, where a call across
// codegen units is taken as possibly unwinding (as in `zloss`).
#[cfg_attr(not(assert_no_panic), inline(never))]
#[cfg_attr(assert_no_panic, inline(always))]
fn topk_heap_of_y(z: &[f32], k: usize, out: &mut [f32]) -> Result<usize, Error> {
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

/// Order-preserving integer key of a non-NaN float (−∞ < … < −0 < +0 < … < +∞, consecutive
/// floats get consecutive keys).
#[inline(always)]
fn key(x: f32) -> i32 {
    let b = x.to_bits() as i32;
    b ^ (((b >> 31) as u32) >> 1) as i32
}

/// The float of a key (inverse of [`key`]).
#[inline(always)]
fn from_key(k: i32) -> f32 {
    f32::from_bits((k ^ (((k >> 31) as u32) >> 1) as i32) as u32)
}

/// `a < b` for non-NaN floats: the float comparison on an FPU, the key's elsewhere (which
/// orders −0 before +0; either order of equal values is a valid heap order).
#[inline(always)]
fn less(a: f32, b: f32) -> bool {
    if crate::math::INT_PATH {
        key(a) < key(b)
    } else {
        a < b
    }
}

/// The least z (in key order) with z − m ≥ kth, given that `zmin − m = kth`: `zmin` itself
/// unless its predecessor reaches kth too (rounding), then a bisection over the keys (the
/// predicate is monotone: z − m is non-decreasing in z).
#[cold]
#[inline]
fn least_reaching(zmin: f32, m: f32, kth: f32) -> f32 {
    let reaches = |k: i32| from_key(k) - m >= kth;
    let hi = key(zmin);
    let lo = key(f32::NEG_INFINITY);
    if hi <= lo || !reaches(hi.wrapping_sub(1)) {
        return zmin;
    }
    if reaches(lo) {
        return f32::NEG_INFINITY;
    }
    // reaches(hi) and !reaches(lo), lo < hi: shrink to hi = lo + 1 (≤ 32 steps; the width
    // is taken in i64, where it cannot wrap).
    let (mut lo, mut hi) = (i64::from(lo), i64::from(hi.wrapping_sub(1)));
    while hi.wrapping_sub(lo) > 1 {
        let mid = lo.wrapping_add(hi.wrapping_sub(lo) / 2); // lo < mid < hi: an i32
        if reaches(mid as i32) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let hi = hi as i32; // within [lo, hi] of the i32 keys
    from_key(hi)
}

/// Maximum of `z`, rejecting NaN and all −∞ (integer keys where there is no FPU).
#[inline(always)]
fn max_checked(z: &[f32]) -> Result<f32, Error> {
    let mut m = f32::NEG_INFINITY;
    if crate::math::INT_PATH {
        let mut mk = key(m);
        for &v in z {
            let b = v.to_bits();
            if b << 1 > 0xff00_0000 {
                return Err(Error::NanInput);
            }
            let kv = key(v);
            if kv > mk {
                mk = kv;
            }
        }
        m = from_key(mk);
    } else {
        // NaN screen: the sum of z is NaN if z holds one (or ±∞ of both signs, or overflows
        // to ∞ − ∞: the exact check then decides), one add instead of a branch per element.
        let mut screen = 0.0f32;
        for &v in z {
            screen += v;
            if v > m {
                m = v;
            }
        }
        if screen.is_nan() && z.iter().any(|v| v.is_nan()) {
            return Err(Error::NanInput);
        }
    }
    if m == f32::NEG_INFINITY {
        return Err(Error::AllNegInfinity);
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two forms bit for bit (and the public kernel, which picks one by length, with
    /// them), on rows built to stress the new paths: ties, ±0, ±∞, rows where z − m rounds distinct z to equal y (tiny z next to a huge maximum,
    /// so the least reaching z is below the k-th largest), every k from 1 to N + 1.
    #[test]
    fn matches_reference_bit_for_bit() {
        let mut seed = 0x1234_5678_9abc_def1u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let pool = [
            0.0f32,
            -0.0,
            1.0,
            -1.0,
            0.5,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1e-30,
        ];
        for round in 0..40_000u32 {
            let n = 1 + (next() % 48) as usize;
            let mut z = [0.0f32; 48];
            let scale = [1.0f32, 1e-6, 1e6, 1e-40][(next() % 4) as usize];
            for v in z.iter_mut().take(n) {
                let r = next();
                *v = match r % 8 {
                    0 => pool[(r >> 8) as usize % pool.len()],
                    1 => 3.0e7, // a maximum that swallows small logits: z − m ties
                    _ => ((r >> 16) as i16 as f32) * scale,
                };
            }
            if round % 97 == 0 {
                z[(next() % n as u64) as usize] = f32::NAN;
            }
            let z = &z[..n];
            let k = 1 + (next() % (n as u64 + 1)) as usize;
            let (mut a, mut b, mut c) = ([7.0f32; 48], [9.0f32; 48], [5.0f32; 48]);
            let ra = topk_heap_of_z(z, k, &mut a[..n]);
            let rb = topk_heap_of_y(z, k, &mut b[..n]);
            assert_eq!(ra, rb, "{z:?} k = {k}");
            // The public kernel (either form by length) gives the same.
            assert_eq!(project_topk_simplex(z, k, &mut c[..n]), ra);
            if ra.is_ok() {
                assert!(c[..n]
                    .iter()
                    .zip(&a[..n])
                    .all(|(x, y)| x.to_bits() == y.to_bits()));
            }
            if ra.is_ok() {
                let (a, b) = (&a[..n], &b[..n]);
                assert!(
                    a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
                    "{z:?} k = {k}: {a:?} vs {b:?}"
                );
            }
        }
    }

    #[test]
    fn least_reaching_is_least() {
        // m = 3e7: every z in (−1, 1) gives z − m = −3e7 (ulp 2): the least z reaching
        // kth = −3e7 is below −1.
        let m = 3.0e7f32;
        let kth = 0.5f32 - m;
        let lo = least_reaching(0.5, m, kth);
        assert!(lo - m >= kth);
        assert!(from_key(key(lo) - 1) - m < kth);
        assert!(lo < -0.5);
        // No rounding tie: zmin itself.
        assert_eq!(least_reaching(0.75, 1.0, 0.75 - 1.0), 0.75);
        assert_eq!(
            least_reaching(f32::NEG_INFINITY, 1.0, f32::NEG_INFINITY),
            f32::NEG_INFINITY
        );
        for x in [
            -f32::MAX,
            -1.0,
            -0.0,
            0.0,
            1e-45,
            1.0,
            f32::MAX,
            f32::INFINITY,
        ] {
            assert_eq!(from_key(key(x)).to_bits(), x.to_bits());
        }
        assert!(key(-0.0) + 1 == key(0.0) && key(f32::NEG_INFINITY) < key(-f32::MAX));
    }

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
