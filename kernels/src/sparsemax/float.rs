//! f32 sparsemax: threshold search, projection, Jacobian-vector product and loss.

use super::heap;
use crate::Error;

/// How many Michelot refinement rounds the fast path runs before it falls back to
/// heapsorting the (already small) candidate list. Typical inputs converge in 2–4 rounds.
const MAX_ROUNDS: usize = 12;

/// The threshold that defines a sparsemax output: `p_i = max((z_i − shift) − tau, 0)`.
///
/// `shift` is the largest logit (so `z_i − shift ≤ 0`, computed exactly on the support by
/// Sterbenz' lemma) and `tau ∈ [−1, 0)` is the threshold in shifted coordinates; τ in the
/// paper's coordinates is `shift + tau`. The support is exactly
/// `{i : (z_i − shift) > tau}` and has `support` elements.
///
/// When some logits are +∞, `shift` is +∞, `tau` is 0 and the +∞ entries share the mass
/// equally (the limit of sparsemax as those logits grow together).
///
/// # Example
///
/// ```
/// use mcu_kernels::sparsemax::{sparsemax_threshold, Threshold};
///
/// let z = [1.0f32, 0.8, -1.0];
/// let mut p = [0.0f32; 3];
/// let t: Threshold = sparsemax_threshold(&z, &mut p)?;
/// // shift = max z = 1; support {0, 1}; τ = ((0.8 − 1) + 0 − 1)/2 in shifted coordinates.
/// assert_eq!((t.shift, t.support), (1.0, 2));
/// let tau = ((f64::from(0.8f32) - 1.0) - 1.0) / 2.0;
/// assert!((f64::from(t.tau) - tau).abs() <= 2f64.powi(-24));
/// assert!((-1.0..0.0).contains(&t.tau));
/// // The outputs are p_i = max((z_i − shift) − tau, 0), bit for bit.
/// for (&pi, &zi) in p.iter().zip(&z) {
///     assert_eq!(pi, ((zi - t.shift) - t.tau).max(0.0));
/// }
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Threshold {
    /// The largest logit, subtracted before thresholding.
    pub shift: f32,
    /// The threshold in shifted coordinates, in [−1, 0).
    pub tau: f32,
    /// Number of strictly positive outputs.
    pub support: usize,
}

use crate::error::nonempty_same_len as check_lengths;

/// Every +∞ logit gets 1/(number of +∞), everything else 0.
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
fn infinite_case(z: &[f32], p: &mut [f32]) -> Threshold {
    let count = crate::count::count_pos_inf(z);
    // count ≥ 1 here (the maximum is +∞).
    let share = 1.0 / count as f32;
    for (o, &v) in p.iter_mut().zip(z) {
        *o = if v == f32::INFINITY { share } else { 0.0 };
    }
    Threshold {
        shift: f32::INFINITY,
        tau: 0.0,
        support: count,
    }
}

/// τ (shifted) from the sorted rule on `v` sorted descending, values in (−1, 0].
///
/// k* = max{k : 1 + k·v_k > Σ_{j≤k} v_j}; τ = (Σ_{j≤k*} v_j − 1)/k*. Divide-free loop.
/// The rule holds on a prefix, so the scan stops at the first failure.
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
fn sorted_rule(v: &[f32]) -> f32 {
    let mut cum = 0.0f32;
    let mut best_sum = 0.0f32;
    let mut best_k = 1.0f32;
    let mut k = 0.0f32;
    for &y in v {
        k += 1.0;
        cum += y;
        if 1.0 + k * y > cum {
            best_sum = cum;
            best_k = k;
        } else {
            break;
        }
    }
    (best_sum - 1.0) / best_k
}

/// Michelot's fixed point on the compacted candidates `w[..k]` (shifted values in (−1, 0],
/// the maximum 0 among them): τ = (Σ_S y − 1)/|S|, S ← {y ∈ S : y > τ}, until S is stable.
/// Falls back to heapsort + the sorted rule after [`MAX_ROUNDS`] rounds.
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
fn michelot(w: &mut [f32], mut k: usize, mut sum: f32) -> f32 {
    for _ in 0..MAX_ROUNDS {
        // sum ≤ 0 (every y ≤ 0), so τ ≤ −1/k < 0 and the maximum (y = 0) always stays in S:
        // k never reaches 0 and the division is safe.
        let tau = (sum - 1.0) / k as f32;
        let mut nk = 0usize;
        let mut ns = 0.0f32;
        for r in 0..k {
            let y = match w.get(r) {
                Some(&y) => y,
                None => break,
            };
            // Branch-free compaction: always write, advance only when kept (nk ≤ r).
            if let Some(slot) = w.get_mut(nk) {
                *slot = y;
            }
            let keep = y > tau;
            nk = nk.wrapping_add(usize::from(keep)); // counts elements: ≤ N
            ns += if keep { y } else { 0.0 };
        }
        if nk == k {
            return tau;
        }
        k = nk;
        sum = ns;
    }
    let k = if k < w.len() { k } else { w.len() };
    let (head, _) = w.split_at_mut(k);
    heap::sort_descending(head);
    sorted_rule(head)
}

/// The final pass shared by the f32 variants: p_i = max((z_i − m) − τ, 0).
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline(always)]
fn project(z: &[f32], p: &mut [f32], m: f32, tau: f32) -> usize {
    let mut support = 0usize;
    for (o, &v) in p.iter_mut().zip(z) {
        let d = (v - m) - tau;
        let pos = d > 0.0;
        *o = if pos { d } else { 0.0 };
        support = support.wrapping_add(usize::from(pos)); // counts elements: ≤ N
    }
    support
}

/// Sparsemax with the threshold exposed. See [`sparsemax`] for the formula, algorithm,
/// accuracy and errors; stack and cost as [`sparsemax`] (its bench row).
///
/// # Errors
/// As [`sparsemax`].
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
// `!(d <= -1.0)` is deliberate: one unordered-or-greater branch catches candidates and NaN.
///
/// # Example
///
/// ```
/// use mcu_kernels::sparsemax::sparsemax_threshold;
///
/// // τ in the paper's coordinates is shift + tau: here (0.5 + 1.0 − 1)/2 = 0.25, support {0, 3}.
/// let z = [0.5f32, 0.2, -0.1, 1.0];
/// let mut p = [0.0f32; 4];
/// let t = sparsemax_threshold(&z, &mut p)?;
/// assert_eq!((t.shift, t.tau, t.support), (1.0, -0.75, 2));
/// assert_eq!(p, [0.25, 0.0, 0.0, 0.75]); // dyadic inputs: exact
/// // One logit alone: tau = −1, the lower end of its range.
/// assert_eq!(sparsemax_threshold(&[3.0], &mut p[..1])?.tau, -1.0);
/// // +∞ logits: shift = +∞, tau = 0, and they share the mass.
/// let t = sparsemax_threshold(&[f32::INFINITY, 0.0, f32::INFINITY, 1.0], &mut p)?;
/// assert_eq!((t.shift, t.tau, t.support), (f32::INFINITY, 0.0, 2));
/// assert_eq!(p, [0.5, 0.0, 0.5, 0.0]);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[allow(clippy::neg_cmp_op_on_partial_ord)]
pub fn sparsemax_threshold(z: &[f32], p: &mut [f32]) -> Result<Threshold, Error> {
    check_lengths(z.len(), p.len())?;
    // Pass 1: running maximum m and candidate list. A logit can be in the support only if
    // z_i > max − 1 (τ ≥ max − 1 because p_max ≤ 1). We append v whenever v − m > −1 for
    // the running m (a superset of the final candidates), storing raw logits in p.
    // NaN, and ∞ − ∞, fail `d <= -1` as well, which sends them to the slow branch.
    let mut m = f32::NEG_INFINITY;
    let mut c = 0usize;
    for &v in z {
        let d = v - m;
        if !(d <= -1.0) {
            if v.is_nan() {
                return Err(Error::NanInput);
            }
            if d > -1.0 {
                // c ≤ index of v < p.len(): the write always lands.
                if let Some(slot) = p.get_mut(c) {
                    *slot = v;
                }
                c = c.wrapping_add(1); // counts elements: ≤ N
                if v > m {
                    m = v;
                }
            }
        }
    }
    if m == f32::NEG_INFINITY {
        return Err(Error::AllNegInfinity);
    }
    if m == f32::INFINITY {
        return Ok(infinite_case(z, p));
    }
    // Pass 2 over the candidates only: shift by the final maximum, keep y > −1.
    // Accumulator: every kept y is in (−1, 0], so |sum| < c ≤ N: it cannot overflow.
    let mut k = 0usize;
    let mut sum = 0.0f32;
    for r in 0..c {
        let v = match p.get(r) {
            Some(&v) => v,
            None => break,
        };
        let y = v - m;
        if let Some(slot) = p.get_mut(k) {
            *slot = y;
        }
        let keep = y > -1.0;
        k = k.wrapping_add(usize::from(keep)); // counts elements: ≤ N
        sum += if keep { y } else { 0.0 };
    }
    // k ≥ 1: the maximum itself was appended (v > m_running at that time) and y = 0.
    let tau = michelot(p, k, sum);
    let support = project(z, p, m, tau);
    Ok(Threshold {
        shift: m,
        tau,
        support,
    })
}

/// Sparsemax (Martins & Astudillo 2016): the Euclidean projection of `z` onto the
/// probability simplex, written into `p`. Returns the support size |{i : p_i > 0}|.
///
/// **Formula.** p_i = max(z_i − τ, 0) with τ the unique value such that Σ p_i = 1.
///
/// **Algorithm** (expected O(N), no sort, no division in any per-element loop):
/// 1. one pass over `z` keeps a running maximum m and appends every z_i with
///    z_i − m_running > −1 to `p` (used as workspace). Since τ ≥ max − 1, this is a
///    superset of the support;
/// 2. one pass over those candidates shifts them, y = z_i − max (exact on the support by
///    Sterbenz' lemma), and keeps y > −1;
/// 3. Michelot's fixed point on the compacted candidates: τ = (Σ_S y − 1)/|S|,
///    S ← {y > τ}, repeated until S is stable (monotone, typically 2–4 short rounds; after
///    12 rounds the candidates are heapsorted and the sorted rule of the paper is applied,
///    so the worst case is O(N log N)). τ is therefore always recomputed exactly on the
///    final support;
/// 4. p_i = max((z_i − max) − τ, 0), counting the support.
///
/// **Special values.** −∞ logits get 0. If any logit is +∞ the +∞ entries share the mass
/// equally. NaN is an error.
///
/// **Accuracy** (against an f64 sort-based reference over 10^5 seeded vectors of 7 shapes,
/// `host/tests/sparsemax_differential.rs`): measured max |p_i − p_i^f64| = 5.96e−8
/// (2^−24; the test asserts 2^−21), measured max |Σp − 1| = 4.1e−8·N (asserted
/// ≤ N·2^−24). The support is exactly {i : (z_i − max) > τ} for the returned τ
/// (see [`sparsemax_threshold`]), and (z_i − max) − p_i = τ on it to within 2^−24.
/// Those figures are measurements over the test's shapes, **not bounds**: τ rests on an f32
/// sum over the support, whose rounding reaches 2^−24·Σ_S|z_i − max| after the division by
/// k, and the fuzzer (`cargo xtask fuzz sparsemax`) found |p_i − p_i^f64| = 7.1e−7 and
/// |Σp − 1| = 1.3·N·2^−24 with ~100 support values near max − 0.94. What the fuzz target
/// checks, and has not broken: |p_i − p_i^f64| ≤ 2^−21 + 2^−24·Σ_S|z_i − max| and
/// |Σp − 1| ≤ N·2^−24·(1 + Σ_S|z_i − max|).
///
/// **Cost** (`cargo xtask bench`, N = 256, uniform [−8, 8]): 22.7 instructions/element on the M4F (M3 332, M0 454: soft float), against 153.7 for the sort-based `sort_unstable_by` baseline in the same run.
///
/// # Errors
/// [`Error::Empty`] for empty `z`, [`Error::LengthMismatch`] if `p.len() != z.len()`,
/// [`Error::NanInput`] for a NaN logit, [`Error::AllNegInfinity`] if every logit is −∞.
///
/// Stack (bytes, `cargo xtask bench`): M0 212 · M3 144 · M4F/M7/M33/M55 64.
/// <!-- stack: sparsemax::sparsemax -->
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::sparsemax::sparsemax;
///
/// // Well-separated logits (gap ≥ 1): one-hot.
/// let mut p = [0.0f32; 3];
/// assert_eq!(sparsemax(&[5.0, 1.0, 0.0], &mut p)?, 1);
/// assert_eq!(p, [1.0, 0.0, 0.0]);
/// // Two equal logits: [0.5, 0.5].
/// let mut q = [0.0f32; 2];
/// sparsemax(&[0.3, 0.3], &mut q)?;
/// assert_eq!(q, [0.5, 0.5]);
/// // A generic row: feasible (p ≥ 0, Σp = 1 within N·2^−24) and optimal: no point of the
/// // simplex is closer to z (checked against a few of them).
/// let z = [0.3f32, -0.2, 1.1, 0.9, -2.0, 0.95];
/// let mut p = [0.0f32; 6];
/// let k = sparsemax(&z, &mut p)?;
/// assert_eq!(k, p.iter().filter(|&&v| v > 0.0).count());
/// assert!(p.iter().all(|&v| v >= 0.0));
/// let sum: f64 = p.iter().map(|&v| f64::from(v)).sum();
/// assert!((sum - 1.0).abs() <= 6.0 * 2f64.powi(-24));
/// let dist = |q: &[f64]| -> f64 { z.iter().zip(q).map(|(&a, b)| (f64::from(a) - b).powi(2)).sum() };
/// let p64: Vec<f64> = p.iter().map(|&v| f64::from(v)).collect();
/// for i in 0..6 {
///     for j in 0..6 {
///         // q = p moved by 0.01 of mass from j to i (when that stays feasible).
///         let mut q = p64.clone();
///         if i == j || q[j] < 0.01 {
///             continue;
///         }
///         q[i] += 0.01;
///         q[j] -= 0.01;
///         assert!(dist(&p64) <= dist(&q));
///     }
/// }
/// assert_eq!(sparsemax(&[1.0, f32::NAN], &mut q), Err(Error::NanInput));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn sparsemax(z: &[f32], p: &mut [f32]) -> Result<usize, Error> {
    sparsemax_threshold(z, p).map(|t| t.support)
}

/// Sort-based reference sparsemax (the paper's algorithm), in place in `p`, no allocation.
///
/// Copies y_i = z_i − max into `p`, heapsorts it descending (O(N log N)), applies
/// k* = max{k : 1 + k·y_(k) > Σ_{j≤k} y_(j)}, τ = (Σ_{j≤k*} y_(j) − 1)/k*, then writes
/// p_i = max((z_i − max) − τ, 0). Same results, special values and errors as
/// [`sparsemax`] (outputs may differ in the last bit because τ is summed in a different
/// order; measured max |p − p^f64| = 5.96e−8). Kept as the baseline the fast path is
/// measured against.
///
/// **Cost** (N = 256, M4F): 212 instructions/element (heapsort; the reference variant, not the fast path).
///
/// # Errors
/// As [`sparsemax`].
///
/// Stack (bytes, `cargo xtask bench`): M0 188 · M3 96 · M4F/M7/M33/M55 32.
/// <!-- stack: sparsemax::sparsemax_sort -->
///
/// # Example
///
/// ```
/// use mcu_kernels::sparsemax::{sparsemax, sparsemax_sort};
///
/// let z = [0.3f32, -0.2, 1.1, 0.9, -2.0, 0.95];
/// let mut p = [0.0f32; 6];
/// let k = sparsemax_sort(&z, &mut p)?;
/// // f64 reference: the paper's rule on the sorted logits,
/// // k* = max{k : 1 + k·z_(k) > Σ_{j≤k} z_(j)}, τ = (Σ_{j≤k*} z_(j) − 1)/k*.
/// let mut s = z.map(f64::from);
/// s.sort_by(|a, b| b.total_cmp(a));
/// let (mut cum, mut kk, mut tau) = (0.0, 0, 0.0);
/// for (j, &v) in s.iter().enumerate() {
///     cum += v;
///     if 1.0 + (j + 1) as f64 * v > cum {
///         kk = j + 1;
///         tau = (cum - 1.0) / kk as f64;
///     }
/// }
/// assert_eq!(k, kk);
/// for (&pi, &zi) in p.iter().zip(&z) {
///     assert!((f64::from(pi) - (f64::from(zi) - tau).max(0.0)).abs() <= 2f64.powi(-21));
/// }
/// // The same results as the fast path, up to the last bit.
/// let mut f = [0.0f32; 6];
/// assert_eq!(sparsemax(&z, &mut f)?, k);
/// assert!(p.iter().zip(&f).all(|(a, b)| (a - b).abs() <= 2.0 * f32::EPSILON));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn sparsemax_sort(z: &[f32], p: &mut [f32]) -> Result<usize, Error> {
    check_lengths(z.len(), p.len())?;
    let m = max_checked(z)?;
    if m == f32::INFINITY {
        return Ok(infinite_case(z, p).support);
    }
    for (o, &v) in p.iter_mut().zip(z) {
        *o = v - m;
    }
    heap::sort_descending(p);
    let tau = sorted_rule(p);
    Ok(project(z, p, m, tau))
}

/// Maximum of `z`, rejecting NaN and all −∞.
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub(super) fn max_checked(z: &[f32]) -> Result<f32, Error> {
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
    Ok(m)
}

/// Jacobian-vector product of sparsemax at the output `p`:
/// (Jv)_i = v_i − (Σ_{j∈S} v_j)/|S| for i ∈ S = {j : p_j > 0}, 0 otherwise.
///
/// **Algorithm:** one pass over v, eight elements a step, screens it for NaN (one add per
/// element on an FPU, the exact check running only if the sum is not finite; an integer test
/// elsewhere); one pass over p, four elements a step and no running index: `out` is zeroed and
/// each support slot holds the index of the previous support element (a chain through `out`),
/// so that only a step with some p_i ≠ +0.0 branches (out of line, recovering the index from
/// the address). Then three walks of the support only (reverse the chain, sum, write). The mean
/// is accumulated in index order as Σ v_j·(1/|S|) (the same bits as the former two-pass form)
/// so that the accumulator is bounded by max|v_j|·(1 + |S|·2^−24) and cannot overflow for
/// finite `v` below f32::MAX·(1 − |S|·2^−24). **Bound:** error ≤ (|S| + 2)·2^−24·max_S|v| + (|S| + 2)·2^−149
/// absolute per component (the second term covers products v_j·(1/|S|) and sums that
/// underflow, each off by at most half the smallest subnormal); checked on random and
/// subnormal `v` in this module's tests and against finite differences in
/// `host/tests/sparsemax_props.rs`.
/// **Cost** (`cargo xtask bench`, row `sparsemax::sparsemax_jvp`, N = 256, p = sparsemax of
/// uniform logits in [−8, 8]): 16.8 / 12.8 / 6.6 instructions per element on the M0 / M3 / M4F (was
/// 154.4 / 122.2 / 33.0 with three passes and a branch per element).
///
/// # Errors
/// [`Error::Empty`], [`Error::LengthMismatch`] (`v` and `out` must match `p`),
/// [`Error::NanInput`] if `p` or `v` contains NaN,
/// [`Error::BadParameter`] if `p` has no positive entry (not a sparsemax output).
///
/// Stack (bytes, `cargo xtask bench`): M0 180 · M3 120 · M4F/M7/M33/M55 80.
/// <!-- stack: sparsemax::sparsemax_jvp -->
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::sparsemax::sparsemax_jvp;
///
/// // At p = [0.6, 0.4, 0] (support {0, 1}) the Jacobian subtracts the support mean of v
/// // (here (1 + 2)/2 = 1.5) and zeroes the rest.
/// let p = [0.6f32, 0.4, 0.0];
/// let mut out = [0.0f32; 3];
/// sparsemax_jvp(&p, &[1.0, 2.0, 3.0], &mut out)?;
/// assert_eq!(out, [-0.5, 0.5, 0.0]);
/// // A direction along the support's all-ones vector does not move p.
/// sparsemax_jvp(&p, &[7.0, 7.0, -4.0], &mut out)?;
/// assert_eq!(out, [0.0; 3]);
/// // p must be a sparsemax output (some positive entry).
/// assert!(matches!(
///     sparsemax_jvp(&[0.0; 3], &[1.0; 3], &mut out),
///     Err(Error::BadParameter(_))
/// ));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn sparsemax_jvp(p: &[f32], v: &[f32], out: &mut [f32]) -> Result<(), Error> {
    check_lengths(p.len(), v.len())?;
    check_lengths(p.len(), out.len())?;
    if p.len() > u32::MAX as usize {
        return jvp_three_pass(p, v, out); // links are u32: only on a 64-bit host
    }
    // NaN in v: on an FPU the sum of all v is screened (a non-finite sum, rare, runs the exact
    // check); elsewhere an integer test per element. Then one pass over p, four elements a
    // step: out_i = 0, except that each support slot holds (as raw bits) the index of the
    // previous support element (a chain, reversed below in O(|S|)), so that no second pass
    // over p is needed. Only a step with some p_i ≠ +0.0 (rare in a sparsemax output) takes
    // the branch.
    let mut chain = Chain {
        k: 0,
        last: u32::MAX,
    };
    // NaN in v, first in a loop of its own (few registers, nothing live across a call).
    let (vc, vr) = v.as_chunks::<8>();
    let mut screen = 0.0f32;
    for v8 in vc {
        if crate::math::INT_PATH {
            for &x in v8 {
                if x.to_bits() << 1 > 0xff00_0000 {
                    return Err(Error::NanInput);
                }
            }
        } else {
            screen += ((v8[0] + v8[1]) + (v8[2] + v8[3])) + ((v8[4] + v8[5]) + (v8[6] + v8[7]));
        }
    }
    if vr.iter().any(|x| x.is_nan()) || (!screen.is_finite() && v.iter().any(|x| x.is_nan())) {
        return Err(Error::NanInput);
    }
    let (pc, pr) = p.as_chunks::<4>();
    let (oc, or) = out.as_chunks_mut::<4>();
    // No running index in the hot loop: a step that branches recovers its index from the
    // address of its chunk of p (a safe pointer-to-integer cast; elements are 4 bytes).
    let base = p.as_ptr() as usize;
    for (o4, p4) in oc.iter_mut().zip(pc) {
        *o4 = [0.0; 4];
        let any = p4[0].to_bits() | p4[1].to_bits() | p4[2].to_bits() | p4[3].to_bits();
        if any != 0 {
            chain.visit4(p4, base, o4)?;
        }
    }
    let mut i = (pc.len() as u32).wrapping_mul(4); // < N ≤ u32::MAX
    for (o, &pi) in or.iter_mut().zip(pr) {
        *o = 0.0;
        chain.visit(pi, i, o)?;
        i = i.wrapping_add(1); // < N ≤ u32::MAX
    }
    let k = chain.k;
    if k == 0 {
        return Err(Error::BadParameter("p has no positive entry"));
    }
    // Reverse the chain: each support slot then holds the index of the next one.
    let (mut prev, mut i) = (u32::MAX, chain.last);
    for _ in 0..k {
        let Some(o) = out.get_mut(i as usize) else {
            break;
        };
        let next = o.to_bits();
        *o = f32::from_bits(prev);
        prev = i;
        i = next;
    }
    let head = prev as usize;
    let inv = 1.0 / k as f32;
    // Σ_S v_j·(1/|S|) in index order (as if summed over all j with 0 added off S: adding +0.0
    // to a running sum that starts at +0.0 never changes it).
    let mut mean = 0.0f32;
    let mut i = head;
    for _ in 0..k {
        let (Some(&link), Some(&vi)) = (out.get(i), v.get(i)) else {
            break;
        };
        mean += vi * inv;
        i = link.to_bits() as usize;
    }
    let mut i = head;
    for _ in 0..k {
        let (Some(o), Some(&vi)) = (out.get_mut(i), v.get(i)) else {
            break;
        };
        i = o.to_bits() as usize;
        *o = vi - mean;
    }
    Ok(())
}

/// The support chain of [`sparsemax_jvp`]'s first pass.
struct Chain {
    /// Support elements seen.
    k: usize,
    /// Index of the last one (`u32::MAX` before the first).
    last: u32,
}

impl Chain {
    /// Element `i` with `p_i = pi`, whose output slot (already 0) is `o`.
    #[inline(always)]
    fn visit(&mut self, pi: f32, i: u32, o: &mut f32) -> Result<(), Error> {
        if pi.to_bits() != 0 {
            if pi.is_nan() {
                return Err(Error::NanInput);
            }
            if pi > 0.0 {
                *o = f32::from_bits(self.last);
                self.last = i;
                self.k = self.k.wrapping_add(1); // counts elements: ≤ N
            }
        }
        Ok(())
    }

    /// Four elements of p (at address `p4`; p starts at address `base`), out of line: taken
    /// only where some p is not +0.0. The index is recovered here from the address, so that
    /// the hot loop keeps no counter for it.
    #[cold]
    #[inline]
    fn visit4(&mut self, p4: &[f32; 4], base: usize, o4: &mut [f32; 4]) -> Result<(), Error> {
        // < N ≤ u32::MAX (checked by the caller)
        let i = ((p4.as_ptr() as usize).wrapping_sub(base) / 4) as u32;
        for (o, (&pi, j)) in o4.iter_mut().zip(p4.iter().zip([0u32, 1, 2, 3])) {
            self.visit(pi, i.wrapping_add(j), o)?;
        }
        Ok(())
    }
}

/// The plain form of [`sparsemax_jvp`] (NaN screen and count, the mean over all of p, the
/// output): for lengths whose indices do not fit the u32 links, and the tests' reference
/// (the chained form gives the same bits).
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
fn jvp_three_pass(p: &[f32], v: &[f32], out: &mut [f32]) -> Result<(), Error> {
    let mut k = 0usize;
    for (&pi, &vi) in p.iter().zip(v) {
        if pi.is_nan() || vi.is_nan() {
            return Err(Error::NanInput);
        }
        k = k.wrapping_add(usize::from(pi > 0.0)); // counts elements: ≤ N
    }
    if k == 0 {
        return Err(Error::BadParameter("p has no positive entry"));
    }
    let inv = 1.0 / k as f32;
    let mut mean = 0.0f32;
    for (&pi, &vi) in p.iter().zip(v) {
        mean += if pi > 0.0 { vi * inv } else { 0.0 };
    }
    for ((o, &pi), &vi) in out.iter_mut().zip(p).zip(v) {
        *o = if pi > 0.0 { vi - mean } else { 0.0 };
    }
    Ok(())
}

/// τ (shifted) without workspace: Michelot's rounds over the whole of `z`, starting from
/// S = {y > −1}. Monotone (S only shrinks), so at most N rounds; typically 2–4.
fn tau_no_workspace(z: &[f32], m: f32) -> f32 {
    let mut tau = -1.0f32;
    let mut prev_k = usize::MAX;
    loop {
        let mut k = 0usize;
        let mut sum = 0.0f32;
        for &v in z {
            let y = v - m;
            let keep = y > tau;
            k = k.wrapping_add(usize::from(keep)); // counts elements: ≤ N
            sum += if keep { y } else { 0.0 };
        }
        // The maximum (y = 0 > τ, τ < 0) is always kept: k ≥ 1.
        let k = if k == 0 { 1 } else { k };
        let next = (sum - 1.0) / k as f32;
        if k == prev_k || next <= tau {
            return next;
        }
        prev_k = k;
        tau = next;
    }
}

/// Sparsemax loss (Martins & Astudillo 2016) for label `target`:
/// L = −z_y + ½·Σ_{j∈S}(z_j² − τ²) + ½, gradient ∂L/∂z = p − e_y.
///
/// Evaluated as a sum of non-negative terms, so that the computed L is ≥ 0 like the true
/// one (no cancellation near L = 0): with p = sparsemax(z) = [z − τ]₊ the definition
/// simplifies (z_j = p_j + τ on S, Σp = 1) to
///
///   L = ½·‖p − e_target‖² + max(0, τ − z_target),
///
/// computed in shifted coordinates y_j = z_j − max (p_j = max(0, y_j − τ)). The second term
/// is 0 when the target is in the support; L = +∞ when z_target = −∞.
///
/// With `grad = Some(g)`, `g` (length N) is the workspace of the O(N) [`sparsemax`] path
/// and receives p − e_target. With `None` no workspace exists: τ is found by Michelot's
/// rounds over the whole input (O(N) per round, typically 2–4 rounds, O(N²) worst case).
///
/// **Accuracy:** bound |L − L^f64|/max(1, L^f64) ≤ (N + 4)·2^−24 (asserted on 10^5 vectors in
/// `host/tests/sparsemax_differential.rs`, measured max there 6.8e−7; the earlier cancelling
/// formula measured 2.2e−7 but could return a negative loss); L ≥ 0 always; overflows to +∞
/// only when the true loss exceeds f32::MAX.
/// **Cost:** see `cargo xtask bench`.
///
/// # Errors
/// [`Error::Empty`], [`Error::LengthMismatch`] for a gradient of the wrong length,
/// [`Error::IndexOutOfRange`] for `target ≥ N`, [`Error::NanInput`],
/// [`Error::AllNegInfinity`], [`Error::BadParameter`] if a logit is +∞.
///
/// Stack (bytes, `cargo xtask bench`): M0 268 · M3 200 · M4F/M7/M33/M55 88.
/// <!-- stack: sparsemax::sparsemax_loss -->
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::sparsemax::sparsemax_loss;
///
/// // z = [0.5, 0.2, −0.1, 1.0]: τ = 0.25, S = {0, 3}. The definition
/// // L = −z_y + ½·Σ_{j∈S}(z_j² − τ²) + ½ for target y = 1, in f64:
/// let z = [0.5f32, 0.2, -0.1, 1.0];
/// let (z1, tau) = (f64::from(z[1]), 0.25);
/// let want = -z1 + 0.5 * ((0.25 - tau * tau) + (1.0 - tau * tau)) + 0.5;
/// let mut g = [0.0f32; 4];
/// let l = sparsemax_loss(&z, 1, Some(&mut g))?;
/// assert!((f64::from(l) - want).abs() <= 8.0 * 2f64.powi(-24) * want.max(1.0));
/// assert_eq!(g, [0.25, -1.0, 0.0, 0.75]); // p − e_y
/// // Without a gradient (no workspace): the same loss within the bound.
/// let l2 = sparsemax_loss(&z, 1, None)?;
/// assert!((f64::from(l2) - want).abs() <= 8.0 * 2f64.powi(-24) * want.max(1.0));
/// // L ≥ 0, and 0 when p is already the one-hot target.
/// assert_eq!(sparsemax_loss(&[5.0, 1.0, 0.0], 0, None)?, 0.0);
/// // Target outside the support: ½·‖p − e_1‖² + (τ − z_1) = 1 + 3.
/// assert_eq!(sparsemax_loss(&[5.0, 1.0, 0.0], 1, None)?, 4.0);
/// assert!(matches!(
///     sparsemax_loss(&[f32::INFINITY, 0.0], 1, None),
///     Err(Error::BadParameter(_))
/// ));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn sparsemax_loss(z: &[f32], target: usize, grad: Option<&mut [f32]>) -> Result<f32, Error> {
    let n = z.len();
    if n == 0 {
        return Err(Error::Empty);
    }
    let Some(&zt) = z.get(target) else {
        return Err(Error::IndexOutOfRange {
            index: target,
            len: n,
        });
    };
    let (m, tau) = match grad {
        Some(g) => {
            check_lengths(n, g.len())?;
            let t = sparsemax_threshold(z, g)?;
            if t.shift == f32::INFINITY {
                return Err(Error::BadParameter("+inf logit"));
            }
            if let Some(gt) = g.get_mut(target) {
                *gt -= 1.0;
            }
            (t.shift, t.tau)
        }
        None => {
            let m = max_checked(z)?;
            if m == f32::INFINITY {
                return Err(Error::BadParameter("+inf logit"));
            }
            (m, tau_no_workspace(z, m))
        }
    };
    // ‖p − e_t‖² = Σ_j p_j² − 2p_t + 1 is summed as Σ_{j≠t} p_j² + (1 − p_t)²: every term is
    // in [0, 1] (p_j ≤ 1 up to rounding), so the sum is below N + 1: no overflow, no
    // cancellation.
    let mut acc = 0.0f32;
    for (&v, j) in z.iter().zip(0..n) {
        let y = v - m;
        let p = if y > tau { y - tau } else { 0.0 };
        let d = if j == target { 1.0 - p } else { p };
        acc += d * d;
    }
    let yt = zt - m;
    let outside = if tau > yt { tau - yt } else { 0.0 };
    Ok(0.5 * acc + outside)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f32], b: &[f32], tol: f32) -> bool {
        a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
    }

    #[test]
    fn reference_vectors() {
        let mut p = [0.0f32; 4];
        let t = sparsemax_threshold(&[0.5, 0.2, -0.1, 1.0], &mut p).unwrap();
        assert_eq!(t.support, 2);
        assert_eq!(p, [0.25, 0.0, 0.0, 0.75]);
        assert_eq!(t.shift + t.tau, 0.25);
        let mut p = [0.0f32; 3];
        assert_eq!(sparsemax(&[2.3, 2.2, 2.4], &mut p).unwrap(), 3);
        assert!(close(&p, &[1.0 / 3.0, 0.7 / 3.0, 1.3 / 3.0], 1e-6), "{p:?}");
        let mut q = [0.0f32; 3];
        assert_eq!(sparsemax_sort(&[2.3, 2.2, 2.4], &mut q).unwrap(), 3);
        assert!(close(&q, &p, 1e-6));
    }

    #[test]
    fn special_values() {
        let mut p = [0.0f32; 4];
        assert_eq!(sparsemax(&[], &mut []), Err(Error::Empty));
        assert_eq!(
            sparsemax(&[1.0], &mut p),
            Err(Error::LengthMismatch {
                expected: 1,
                actual: 4
            })
        );
        assert_eq!(
            sparsemax(&[0.0, f32::NAN, 1.0, 2.0], &mut p),
            Err(Error::NanInput)
        );
        assert_eq!(
            sparsemax(&[f32::NAN, 0.0, 1.0, 2.0], &mut p),
            Err(Error::NanInput)
        );
        assert_eq!(
            sparsemax(&[f32::NEG_INFINITY; 4], &mut p),
            Err(Error::AllNegInfinity)
        );
        assert_eq!(
            sparsemax_sort(&[f32::NEG_INFINITY; 4], &mut p),
            Err(Error::AllNegInfinity)
        );
        let ninf = f32::NEG_INFINITY;
        assert_eq!(sparsemax(&[ninf, 3.0, ninf, 3.0], &mut p), Ok(2));
        assert_eq!(p, [0.0, 0.5, 0.0, 0.5]);
        let inf = f32::INFINITY;
        assert_eq!(sparsemax(&[1.0, inf, ninf, inf], &mut p), Ok(2));
        assert_eq!(p, [0.0, 0.5, 0.0, 0.5]);
        assert_eq!(sparsemax_sort(&[inf, inf, 2.0, inf], &mut p), Ok(3));
        assert_eq!(p[2], 0.0);
        // Huge logits: shifts never overflow into NaN.
        assert_eq!(sparsemax(&[3e38, -3e38, 3e38, 0.0], &mut p), Ok(2));
        assert_eq!(p, [0.5, 0.0, 0.5, 0.0]);
        assert_eq!(sparsemax(&[f32::MAX], &mut p[..1]), Ok(1));
        assert_eq!(p[0], 1.0);
    }

    #[test]
    fn ascending_and_descending_inputs_need_the_fallback() {
        // Geometric gaps defeat Michelot's rounds; the heapsort fallback must agree.
        let mut z = [0.0f32; 64];
        for (i, v) in z.iter_mut().enumerate() {
            *v = -1.0 + 1.0 / (1u32 << (i % 24)) as f32 + i as f32 * 1e-3;
        }
        let mut p = [0.0f32; 64];
        let mut q = [0.0f32; 64];
        let a = sparsemax(&z, &mut p).unwrap();
        let b = sparsemax_sort(&z, &mut q).unwrap();
        assert_eq!(a, b);
        assert!(close(&p, &q, 2e-7));
        z.reverse();
        let a = sparsemax(&z, &mut p).unwrap();
        let b = sparsemax_sort(&z, &mut q).unwrap();
        assert_eq!(a, b);
        assert!(close(&p, &q, 2e-7));
    }

    #[test]
    fn jvp_and_loss() {
        let z = [0.5f32, 0.2, -0.1, 1.0];
        let mut p = [0.0f32; 4];
        sparsemax(&z, &mut p).unwrap();
        let mut out = [0.0f32; 4];
        sparsemax_jvp(&p, &[1.0, 2.0, 3.0, 5.0], &mut out).unwrap();
        assert_eq!(out, [-2.0, 0.0, 0.0, 2.0]);
        assert_eq!(
            sparsemax_jvp(&[0.0; 4], &[1.0; 4], &mut out),
            Err(Error::BadParameter("p has no positive entry"))
        );
        // L = −z_y + ½Σ_S(z_j² − τ²) + ½ with τ = 0.25, S = {0, 3}.
        let want = -0.5 + 0.5 * ((0.25 - 0.0625) + (1.0 - 0.0625)) + 0.5;
        let l = sparsemax_loss(&z, 0, None).unwrap();
        assert!((l - want).abs() < 1e-6, "{l} vs {want}");
        let mut g = [0.0f32; 4];
        let l2 = sparsemax_loss(&z, 0, Some(&mut g)).unwrap();
        assert!((l2 - want).abs() < 1e-6);
        assert_eq!(g, [-0.75, 0.0, 0.0, 0.75]);
        assert_eq!(
            sparsemax_loss(&z, 4, None),
            Err(Error::IndexOutOfRange { index: 4, len: 4 })
        );
        assert_eq!(
            sparsemax_loss(&[1.0, f32::INFINITY], 0, None),
            Err(Error::BadParameter("+inf logit"))
        );
        assert_eq!(
            sparsemax_loss(&[1.0, f32::NEG_INFINITY], 1, None),
            Ok(f32::INFINITY)
        );
    }

    /// Issue #29, row 8: with subnormal `v` the products v_j·(1/|S|) underflow; the stated
    /// bound now has an absolute term for that, and holds.
    #[test]
    fn regression_jvp_bound_with_subnormal_v() {
        let p = [0.2f32, 0.3, 0.0, 0.5];
        let mut out = [0.0f32; 4];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            let mut v = [0.0f32; 4];
            for x in v.iter_mut() {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                // Subnormal and tiny normal magnitudes, both signs.
                let mag = ((seed >> 40) as f32) * 1e-45;
                *x = if seed & 1 == 0 { mag } else { -mag };
            }
            sparsemax_jvp(&p, &v, &mut out).unwrap();
            let k = 3.0f64;
            let mean: f64 = [0usize, 1, 3].iter().map(|&i| f64::from(v[i])).sum::<f64>() / k;
            let vmax = [0usize, 1, 3]
                .iter()
                .map(|&i| f64::from(v[i]).abs())
                .fold(0.0, f64::max);
            let bound = (k + 2.0) * 2f64.powi(-24) * vmax + (k + 2.0) * 2f64.powi(-149);
            for i in [0usize, 1, 3] {
                let err = (f64::from(out[i]) - (f64::from(v[i]) - mean)).abs();
                assert!(
                    err <= bound,
                    "v = {v:?}: out[{i}] = {}, err {err:e} > {bound:e}",
                    out[i]
                );
            }
            assert_eq!(out[2], 0.0);
        }
    }

    /// Issue #29, row 6: a loss near 0 came out as −5.96e−8 (cancellation in −z_y + … + ½).
    #[test]
    fn regression_loss_never_negative() {
        let z = [1.192_092_9e-7f32, 1.0, 1.192_092_9e-7];
        let l = sparsemax_loss(&z, 1, None).unwrap();
        assert!(l >= 0.0, "{l}");
        // Exact: all three in the support, τ = 2ε/3, p = (ε/3, 1 − 2ε/3, ε/3),
        // L = ½‖p − e_1‖² = ½·(ε²/9 + 4ε²/9 + ε²/9) = ε²/3 ≈ 4.7e−15.
        let eps = 1.192_092_9e-7f64;
        assert!(
            (f64::from(l) - eps * eps / 3.0).abs() <= 4.0 * 2f64.powi(-24),
            "{l}"
        );
        let mut g = [0.0f32; 3];
        assert!(sparsemax_loss(&z, 1, Some(&mut g)).unwrap() >= 0.0);
    }

    /// The chained one-pass JVP against the plain three-pass form (bits, errors) and against
    /// an f64 reference (the documented bound), on sparse and dense p with −0.0, negative
    /// entries, NaN in p or v (off and on the support), ±∞ in v and every length mod 4.
    #[test]
    fn jvp_chained_matches_three_pass_and_f64() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..20_000u32 {
            let n = 1 + (next() % 41) as usize;
            let mut p = [0.0f32; 41];
            let mut v = [0.0f32; 41];
            for (pi, vi) in p.iter_mut().zip(v.iter_mut()).take(n) {
                let r = next();
                *pi = match r % 16 {
                    0..=9 => 0.0,
                    10 => -0.0,
                    11 => -((r >> 8) as u16 as f32) / 65536.0,
                    _ => ((r >> 8) as u16 as f32 + 1.0) / 65536.0,
                };
                *vi = ((r >> 32) as i32 as f32) * 2f32.powi((r >> 24) as i32 % 8 - 34);
            }
            match round % 50 {
                0 => p[(next() % n as u64) as usize] = f32::NAN,
                1 => v[(next() % n as u64) as usize] = f32::NAN,
                2 => v[(next() % n as u64) as usize] = f32::INFINITY,
                3 => v[(next() % n as u64) as usize] = f32::MAX,
                _ => {}
            }
            let (p, v) = (&p[..n], &v[..n]);
            let mut a = [1.0f32; 41];
            let mut b = [2.0f32; 41];
            let ra = sparsemax_jvp(p, v, &mut a[..n]);
            let rb = jvp_three_pass(p, v, &mut b[..n]);
            assert_eq!(ra, rb, "p = {p:?}, v = {v:?}");
            if ra.is_err() {
                continue;
            }
            for (x, y) in a[..n].iter().zip(&b[..n]) {
                assert!(x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()));
            }
            // f64 reference and the documented bound (finite v only).
            if v.iter().any(|x| !x.is_finite()) {
                continue;
            }
            let support: std::vec::Vec<usize> = (0..n).filter(|&i| p[i] > 0.0).collect();
            let k = support.len() as f64;
            let mean = support.iter().map(|&i| f64::from(v[i])).sum::<f64>() / k;
            let vmax = support
                .iter()
                .map(|&i| f64::from(v[i]).abs())
                .fold(0.0, f64::max);
            let bound = (k + 2.0) * 2f64.powi(-24) * vmax + (k + 2.0) * 2f64.powi(-149);
            for i in 0..n {
                if p[i] > 0.0 {
                    let err = (f64::from(a[i]) - (f64::from(v[i]) - mean)).abs();
                    assert!(
                        err <= bound,
                        "{p:?} {v:?}: out[{i}] err {err:e} > {bound:e}"
                    );
                } else {
                    assert_eq!(a[i].to_bits(), 0);
                }
            }
        }
    }

    proptest::proptest! {
        /// L ≥ 0 for every finite row and target, with and without the workspace.
        #[test]
        fn loss_is_non_negative(
            z in proptest::collection::vec(-4.0f32..4.0, 1..24),
            t in 0usize..24,
            eps_exp in -30i32..0,
        ) {
            // Near-ties with the target make L tiny, where cancellation used to show.
            let mut z = z;
            let t = t % z.len();
            let top = z.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
            z[t] = top + 2f32.powi(eps_exp);
            let l = sparsemax_loss(&z, t, None).unwrap();
            proptest::prop_assert!(l >= 0.0, "{:?} {} {}", z, t, l);
            let mut g = std::vec![0.0f32; z.len()];
            let l2 = sparsemax_loss(&z, t, Some(&mut g)).unwrap();
            proptest::prop_assert!(l2 >= 0.0);
        }
    }
}
