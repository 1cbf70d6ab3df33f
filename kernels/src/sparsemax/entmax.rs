//! entmax-1.5 (Peters, Niculae & Martins 2019).

use super::heap;
use crate::Error;

/// entmax-1.5 of `z` into `p`: p_i = [X_i − τ]_+² with X = z/2 and τ such that Σp = 1.
///
/// **Algorithm** (exact, no allocation): work in shifted coordinates y = (z − max)/2,
/// where τ ≥ −1 (because p_max ≤ 1), so only y > −1 can be in the support:
/// 1. one pass for the maximum; one pass appending the candidates y > −1 to `p`;
/// 2. heapsort the candidates descending (O(c log c), c = number of candidates);
/// 3. with s1 = Σ_{j≤k} y_(j), s2 = Σ_{j≤k} y_(j)², the support size is the largest k
///    with (s1 − k·y_(k))² < k − k·s2 + s1² (a divide-free form of τ_k < y_(k), where
///    τ_k = (s1 − √(k − k·s2 + s1²))/k solves Σ_{j≤k}(y_(j) − τ)² = 1); this condition
///    holds exactly on a prefix of k;
/// 4. τ = μ − √(1/k − var) from a two-pass mean and centred variance of the support,
///    recomputed on {y > τ} until the support is stable (at most 4 rounds);
/// 5. p_i = ([(z_i − max)/2 − τ]_+)².
///
/// **Special values:** −∞ gets 0; if any logit is +∞ the +∞ entries share the mass.
///
/// **Accuracy:** against an f64 bisection reference over 10^5 vectors (host differential
/// test): measured max |p_i − p_i^f64| = 1.8e−7 (asserted ≤ 2^−21), measured
/// max |Σp − 1| = 1.04e−7·N (asserted ≤ N·2^−23). Measurements over the test's shapes,
/// **not bounds**: with one dominant logit and a cluster of ties near max − 1.5 … max − 2 the
/// fuzzer found |p_i − p_i^f64| = 2e−6, an output of 1 + 2^−21 and |Σp − 1| = 1.7e−5 at
/// N ≈ 25 (the fuzz target checks 1e−5 and 1e−4). The integer form
/// [`super::nofpu::entmax15`] meets 2^−21 and N·2^−23 on every input the fuzzer tried.
/// **Cost** (`cargo xtask bench`, N = 256, uniform [−8, 8]): 55.0 instructions/element on the M4F (M0 978), dominated by the candidate heapsort.
///
/// # Errors
/// [`Error::Empty`], [`Error::LengthMismatch`], [`Error::NanInput`],
/// [`Error::AllNegInfinity`].
///
/// Stack (bytes, `cargo xtask bench`): M0 236 · M3 160 · M4F/M7/M33/M55 88.
/// <!-- stack: sparsemax::entmax15 -->
///
/// # Example
///
/// ```
/// use mcu_kernels::sparsemax::entmax15;
///
/// // z = [1, 0]: y = (z − max)/2 = [0, −0.5], and τ solves τ² + (−0.5 − τ)² = 1,
/// // τ = (−1 − √7)/4; p = [(0 − τ)², (−0.5 − τ)²].
/// let mut p = [0.0f32; 2];
/// entmax15(&[1.0, 0.0], &mut p)?;
/// let tau = (-1.0 - 7f64.sqrt()) / 4.0;
/// assert!((f64::from(p[0]) - tau * tau).abs() <= 2f64.powi(-21));
/// assert!((f64::from(p[1]) - (-0.5 - tau).powi(2)).abs() <= 2f64.powi(-21));
/// // A gap ≥ 2 between the two largest logits gives a one-hot output.
/// let mut q = [0.0f32; 3];
/// entmax15(&[3.0, 0.0, -1.0], &mut q)?;
/// assert_eq!(q, [1.0, 0.0, 0.0]);
/// // Equal logits share equally; Σp = 1 within N·2^−23.
/// entmax15(&[0.7; 3], &mut q)?;
/// assert!(q.iter().all(|&v| (f64::from(v) - 1.0 / 3.0).abs() <= 2f64.powi(-21)));
/// let sum: f64 = q.iter().map(|&v| f64::from(v)).sum();
/// assert!((sum - 1.0).abs() <= 3.0 * 2f64.powi(-23));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn entmax15(z: &[f32], p: &mut [f32]) -> Result<(), Error> {
    let n = z.len();
    crate::error::nonempty_same_len(n, p.len())?;
    let m = super::float::max_checked(z)?;
    if m == f32::INFINITY {
        let count = crate::count::count_pos_inf(z);
        let share = 1.0 / count as f32;
        for (o, &v) in p.iter_mut().zip(z) {
            *o = if v == f32::INFINITY { share } else { 0.0 };
        }
        return Ok(());
    }
    let mut c = 0usize;
    for &v in z {
        let y = (v - m) * 0.5;
        if let Some(slot) = p.get_mut(c) {
            *slot = y;
        }
        c = c.wrapping_add(usize::from(y > -1.0)); // counts elements: ≤ N
    }
    let c = if c < n { c } else { n };
    let (cand, _) = p.split_at_mut(c);
    heap::sort_descending(cand);
    // Accumulators: y ∈ (−1, 0], so |s1| < k and s2 < k: no overflow for any N.
    let mut s1 = 0.0f32;
    let mut s2 = 0.0f32;
    let mut k = 0.0f32;
    let mut bk = 1.0f32;
    for &y in cand.iter() {
        let (t1, t2, tk) = (s1 + y, s2 + y * y, k + 1.0);
        let gap = t1 - tk * y;
        if gap * gap < tk - tk * t2 + t1 * t1 {
            (s1, s2, k) = (t1, t2, tk);
            bk = tk;
        } else {
            break;
        }
    }
    // τ on the prefix of length k by two passes (mean, then centred variance):
    // Σ_{j≤k}(y_j − τ)² = k·var + k(μ − τ)² = 1  ⇒  τ = μ − √(1/k − var).
    let tau_on = |cand: &[f32], k: f32| -> f32 {
        let kk = k as usize;
        let mut s = 0.0f32;
        for &y in cand.iter().take(kk) {
            s += y;
        }
        let mean = s / k;
        let mut v = 0.0f32;
        for &y in cand.iter().take(kk) {
            let d = y - mean;
            v += d * d;
        }
        let disc = (1.0 - v) / k;
        let disc = if disc > 0.0 { disc } else { 0.0 };
        mean - crate::sparsemax::sqrtf(disc)
    };
    let mut tau = tau_on(cand, bk);
    // Exact refinement on the support {y > τ} (a prefix of the sorted candidates).
    for _ in 0..4 {
        let mut rk = 0.0f32;
        for &y in cand.iter() {
            if y > tau {
                rk += 1.0;
            } else {
                break;
            }
        }
        if rk == bk || rk == 0.0 {
            break;
        }
        bk = rk;
        tau = tau_on(cand, bk);
    }
    for (o, &v) in p.iter_mut().zip(z) {
        let d = (v - m) * 0.5 - tau;
        *o = if d > 0.0 { d * d } else { 0.0 };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_vector() {
        let mut p = [0.0f32; 4];
        entmax15(&[0.5, 0.2, -0.1, 1.0], &mut p).unwrap();
        let want = [0.256939f32, 0.127372, 0.042804, 0.572885];
        for (a, b) in p.iter().zip(want) {
            assert!((a - b).abs() < 2e-6, "{p:?}");
        }
        let mut p = [0.0f32; 3];
        entmax15(&[10.0, 0.0, f32::NEG_INFINITY], &mut p).unwrap();
        assert_eq!(p, [1.0, 0.0, 0.0]);
        entmax15(&[1.0, 1.0, 1.0], &mut p).unwrap();
        assert!(p.iter().all(|&v| (v - 1.0 / 3.0).abs() < 1e-7));
        assert_eq!(
            entmax15(&[f32::NAN, 1.0, 1.0], &mut p),
            Err(Error::NanInput)
        );
        assert_eq!(
            entmax15(&[f32::NEG_INFINITY; 3], &mut p),
            Err(Error::AllNegInfinity)
        );
        entmax15(&[f32::INFINITY, 1.0, f32::INFINITY], &mut p).unwrap();
        assert_eq!(p, [0.5, 0.0, 0.5]);
    }
}
