//! FPU-free entmax-1.5: f32 in, f32 out, integer arithmetic only on the bit patterns (no
//! `__aeabi_f*`/`__aeabi_d*` call), bit-identical on every target.
//!
//! Representation: with m the largest logit, y_i = (z_i − m)/2 ≤ 0 and only y_i > −1 can be in
//! the support (τ ≥ −1 because p_max ≤ 1). A candidate is kept as U_i = ⌊−y_i·2^31⌋ ∈
//! [0, 2^31), a Q31 magnitude computed from z_i and m in Q32 (exact for |z_i| ≥ 2^−9; else
//! truncated by < 2^−32). Everything after that is exact integer arithmetic up to one
//! closed form for τ.

use super::heap;
use crate::math::int::{add, div, mul, mul_wide, pack, pack_u64, sqrt, Num};
use crate::Error;

/// The f32 order as an unsigned order on the bits (non-NaN values; −0 sorts below +0).
#[inline(always)]
fn key(bits: u32) -> u32 {
    if bits >> 31 != 0 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

/// What the candidate test needs of the row.
struct Row {
    /// The maximum's bits.
    mb: u32,
    /// m in Q32 when |m| < 2^25 (else unused).
    mq: i64,
    /// Elements with key ≤ `klo` are below m − 2 (not candidates).
    klo: u32,
    /// |m| < 2^25: the Q32 path; else only z = m is a candidate.
    small: bool,
}

impl Row {
    fn new(mb: u32) -> Row {
        if mb & 0x7FFF_FFFF < 0x4C00_0000 {
            // |m| < 2^25: m·2^32 < 2^57. The lower bound m − 2 in Q32 (< 2^58 in magnitude),
            // rounded to an f32 r and stepped one key down: every z > m − 2 has a larger key
            // (r is within half an ulp of m − 2 and the step is a full ulp below r).
            let mq = Num::from_bits(mb).to_fixed(32);
            let lo = mq.wrapping_sub(1 << 33);
            let r = pack_u64(lo < 0, lo.unsigned_abs(), -32);
            Row {
                mb,
                mq,
                klo: key(r.to_bits()).wrapping_sub(1),
                small: true,
            }
        } else {
            // |m| ≥ 2^25: neighbouring f32 below m are at least 2 apart (the spacing is ≥ 2 on
            // [2^24, 2^25) and ≥ 4 above), so z > m − 2 only for z = m.
            Row {
                mb,
                mq: 0,
                klo: 0,
                small: false,
            }
        }
    }

    /// U = ⌊(m − z)·2^30⌋ for a candidate z (m − z < 2), None otherwise.
    #[inline(always)]
    fn u(&self, bits: u32) -> Option<u32> {
        if !self.small {
            return if bits == self.mb { Some(0) } else { None };
        }
        if key(bits) <= self.klo {
            return None;
        }
        // A candidate of the key test: |z| ≤ |m| + 2 + an ulp < 2^26, z·2^32 < 2^58; z ≤ m,
        // so 0 ≤ mq − zq (truncation toward zero is monotone) < 2^59.
        let dq = self.mq.wrapping_sub(Num::from_bits(bits).to_fixed(32));
        if (dq as u64) < 1 << 33 {
            // (m − z)/2 in Q31 = dq/4.
            Some((dq >> 2) as u32)
        } else {
            None
        }
    }
}

/// 1/count as an f32 (the share of each +∞ logit).
#[inline(always)]
fn share(count: usize) -> f32 {
    let (c, _) = Num::from_u64(false, count as u64, 0);
    pack(div(Num::ONE, c), true)
}

/// (v·2^−31)² correctly rounded, for v < 2^32 (a support element's √p in Q31).
#[inline(always)]
fn square_q31(v: u32) -> f32 {
    // vn = v·2^lz has bit 31 set; vn² = v²·2^(2lz) exactly in 64 bits; p = vn²·2^(−62 − 2lz).
    let lz = v.leading_zeros();
    let vn = v << lz;
    pack_u64(
        false,
        mul_wide(vn, vn),
        (-62i32).wrapping_sub(2 * lz as i32),
    ) // lz ≤ 32
}

/// entmax-1.5 of `z` into `p`, FPU-free (the integer form of
/// [`crate::sparsemax::fpu::entmax15`]): p_i = [X_i − τ]_+² with X = z/2 and τ such that
/// Σp = 1.
///
/// **Algorithm** (module docs for the representation; no allocation, `p` is the workspace):
/// 1. one pass for NaN and the maximum m, comparing bit patterns as ordered integers;
/// 2. one pass appending the candidates (m − z_i < 2) as Q31 magnitudes U_i = −y_i to `p`;
///    heapsort them ascending (U_(1) = 0 is the maximum);
/// 3. the support is the longest prefix k with G_k = Σ_{j≤k}(U_(k) − U_(j))² < 1 (this is
///    τ_k < y_(k), and G_k grows with k), kept exactly in Q62 by
///    A_{k+1} = A_k + k·δ, G_{k+1} = G_k + 2δ·A_k + k·δ², δ = U_(k+1) − U_(k), with
///    A_k = Σ_{j≤k}(U_(k) − U_(j)) (saturating u64: a saturated value is above the bound);
/// 4. t = y_(k) − τ solves k·t² + 2A·t + G − 1 = 0: t = (1 − G)/(A + √(A² + k(1 − G)))
///    (no cancellation), in 32-bit-mantissa arithmetic (relative error < 2^−27);
/// 5. p_i = (t + U_(k) − U_i)² for U_i < U_(k) + t, else 0: one 32×32-bit square and one
///    correctly rounded pack per support element.
///
/// **Special values:** as the float form: −∞ gets 0; if any logit is +∞ the +∞ entries share
/// the mass. **Accuracy:** |p_i − p_i^f64| ≤ (2^−30 + 2^−27)·2√p_i + half an ulp by
/// construction; measured max 3.1e−8 (|Σp − 1| ≤ 1.5e−8·N) over 100,000 vectors of sizes
/// 1…4096 (`host/tests/nofpu_zloss_entmax_differential.rs`), contract of the float form
/// |p_i − p_i^f64| ≤ 2^−21, |Σp − 1| ≤ N·2^−23. Valid for any N: U_i < 2^31 and the
/// accumulators saturate above their bound 2^62 (step 3).
/// **Cost** (`cargo xtask bench`, N = 256, logits uniform in [−8, 8], QEMU instructions per
/// element): 134 on the M0 and 73 on the M3, against 978 and 619 for the float form on soft
/// float (7.3× / 8.5×; 75.5 on the M4F, where the float form takes 55.0); code 4.5 KiB (M0) /
/// 3.7 KiB (M3).
///
/// # Errors
/// [`Error::Empty`], [`Error::LengthMismatch`], [`Error::NanInput`],
/// [`Error::AllNegInfinity`] (the order of the float form's checks).
///
/// Stack (bytes, `cargo xtask bench`): M0 220 · M3 136 · M4F/M7/M33/M55 140.
/// <!-- stack: sparsemax::nofpu::entmax15 -->
///
/// ```
/// // f64 reference: p_i = [(z_i/2 − τ)]_+², τ found by bisection so that Σ p_i = 1.
/// fn entmax64(z: &[f32]) -> Vec<f64> {
///     let h: Vec<f64> = z.iter().map(|&v| f64::from(v) / 2.0).collect();
///     let mass = |t: f64| h.iter().map(|&v| (v - t).max(0.0).powi(2)).sum::<f64>();
///     let top = h.iter().cloned().fold(f64::MIN, f64::max);
///     let (mut lo, mut hi) = (top - 1.0, top);
///     for _ in 0..200 {
///         let mid = 0.5 * (lo + hi);
///         if mass(mid) > 1.0 { lo = mid } else { hi = mid }
///     }
///     h.iter().map(|&v| (v - lo).max(0.0).powi(2)).collect()
/// }
/// use mcu_kernels::sparsemax::{fpu, nofpu};
///
/// let z = [1.5f32, 0.25, -0.5, -3.0, f32::NEG_INFINITY];
/// let (mut p, mut q) = ([0.0f32; 5], [0.0f32; 5]);
/// nofpu::entmax15(&z, &mut p)?;
/// for (pi, want) in p.iter().zip(entmax64(&z[..4])) {
///     assert!((f64::from(*pi) - want).abs() <= 2f64.powi(-21));
/// }
/// assert_eq!(p[4], 0.0); // −∞ gets 0
/// // Within the float form's contract of the float form itself.
/// fpu::entmax15(&z, &mut q)?;
/// assert!(p.iter().zip(&q).all(|(a, b)| (a - b).abs() <= 2.0 * 2f32.powi(-21)));
/// assert!(nofpu::entmax15(&[f32::NAN], &mut p[..1]).is_err());
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn entmax15(z: &[f32], p: &mut [f32]) -> Result<(), Error> {
    let n = z.len();
    crate::error::nonempty_same_len(n, p.len())?;
    // Pass 1: NaN and the maximum (by key; −∞ has the smallest key of the non-NaN values).
    let mut mk = 0u32;
    let mut mb = 0xFF80_0000u32;
    for &v in z {
        let b = v.to_bits();
        if b & 0x7FFF_FFFF > 0x7F80_0000 {
            return Err(Error::NanInput);
        }
        let k = key(b);
        if k > mk {
            mk = k;
            mb = b;
        }
    }
    if mb == 0xFF80_0000 {
        return Err(Error::AllNegInfinity);
    }
    if mb == 0x7F80_0000 {
        let count = z.iter().fold(0usize, |c, v| {
            c.wrapping_add(usize::from(v.to_bits() == mb))
        }); // ≤ N
        let s = share(count);
        for (o, &v) in p.iter_mut().zip(z) {
            *o = if v.to_bits() == mb { s } else { 0.0 };
        }
        return Ok(());
    }
    let row = Row::new(mb);
    // Pass 2: the candidates' U into p[..c] (c ≤ N: one slot per element at most).
    let mut c = 0usize;
    for &v in z {
        if let Some(u) = row.u(v.to_bits()) {
            if let Some(slot) = p.get_mut(c) {
                *slot = f32::from_bits(u);
            }
            c = c.wrapping_add(1);
        }
    }
    let c = if c < n { c } else { n };
    let (cand, _) = p.split_at_mut(c);
    let larger = |a: f32, b: f32| a.to_bits() > b.to_bits();
    heap::heapify(cand, larger);
    heap::drain_sorted(cand, larger); // ascending U
                                      // Step 3: the support. k counts elements (≤ N); A and G saturate: a saturated value is
                                      // ≥ 2^62 and ends the scan as the true one would.
    let Some((&first, rest)) = cand.split_first() else {
        return Ok(()); // unreachable: the maximum is a candidate (U = 0)
    };
    let mut prev = first.to_bits();
    let (mut k, mut a, mut g) = (1u64, 0u64, 0u64);
    for &w in rest {
        let u = w.to_bits();
        let delta = u64::from(u.wrapping_sub(prev)); // sorted: u ≥ prev, both < 2^31
        let g2 = g
            .saturating_add(delta.saturating_mul(a).saturating_mul(2))
            .saturating_add(k.saturating_mul(delta.wrapping_mul(delta))); // δ² < 2^62
        if g2 >= 1 << 62 {
            break;
        }
        a = a.saturating_add(k.saturating_mul(delta));
        g = g2;
        k = k.wrapping_add(1); // ≤ c ≤ N
        prev = u;
    }
    // Step 4: t = W/(A + √(A² + k·W)), W = 1 − G in Q62 (> 0), A in Q31.
    let w = Num::from_u64(false, (1u64 << 62).wrapping_sub(g), -62).0;
    let an = Num::from_u64(false, a, -31).0;
    let kn = Num::from_u64(false, k, 0).0;
    let (inner, _) = add(mul(an, an), mul(kn, w));
    let (den, _) = add(an, sqrt(inner));
    let t = div(w, den); // t ≤ 1 (up to rounding): t·2^31 < 2^32
    let thr = u64::from(prev).wrapping_add(t.to_fixed(31) as u64); // < 2^32 + 2^31
                                                                   // Step 5.
    for (o, &v) in p.iter_mut().zip(z) {
        *o = match row.u(v.to_bits()) {
            Some(u) if u64::from(u) < thr => {
                // √p_i·2^31 = thr − U_i ≤ thr: below 2^32 for every support element (√p ≤ 1
                // up to the rounding of t); saturated to be safe.
                let s = thr.wrapping_sub(u64::from(u));
                square_q31(if s > u64::from(u32::MAX) {
                    u32::MAX
                } else {
                    s as u32
                })
            }
            _ => 0.0,
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;
    use std::vec::Vec;

    /// f64 entmax-1.5 by bisection (the shape of `host::reference::sparsemax::entmax15`).
    fn reference(z: &[f32]) -> Vec<f64> {
        let m = z.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        let x: Vec<f64> = z
            .iter()
            .map(|&v| (f64::from(v) - f64::from(m)) / 2.0)
            .collect();
        let f = |t: f64| x.iter().map(|&v| (v - t).max(0.0).powi(2)).sum::<f64>() - 1.0;
        let (mut lo, mut hi) = (-1.0f64, 0.0f64);
        for _ in 0..80 {
            let mid = 0.5 * (lo + hi);
            if f(mid) >= 0.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        x.iter().map(|&v| (v - lo).max(0.0).powi(2)).collect()
    }

    #[test]
    fn known_values_and_special_cases() {
        let mut p = [0.0f32; 4];
        entmax15(&[0.5, 0.2, -0.1, 1.0], &mut p).unwrap();
        // Values of the float form's test (Peters et al.'s reference implementation).
        let want = [0.256939f32, 0.127372, 0.042804, 0.572885];
        for (a, b) in p.iter().zip(want) {
            assert!((a - b).abs() < 2e-6, "{p:?}");
        }
        let mut p = [0.0f32; 3];
        entmax15(&[10.0, 0.0, f32::NEG_INFINITY], &mut p).unwrap();
        assert_eq!(p, [1.0, 0.0, 0.0]);
        // Ties: 1/3 each, correctly rounded ((2^31/√3)² packs to 1/3 within half an ulp).
        entmax15(&[1.0, 1.0, 1.0], &mut p).unwrap();
        assert!(p.iter().all(|&v| (v - 1.0 / 3.0).abs() <= 3e-8), "{p:?}");
        entmax15(&[7.0, 5.0, 7.0], &mut p).unwrap(); // z − m = −2 is outside the support
        assert_eq!(p, [0.5, 0.0, 0.5]);
        assert_eq!(
            entmax15(&[f32::NAN, 1.0, 1.0], &mut p),
            Err(Error::NanInput)
        );
        assert_eq!(
            entmax15(&[1.0, 1.0, f32::NAN], &mut p),
            Err(Error::NanInput)
        );
        assert_eq!(
            entmax15(&[f32::NEG_INFINITY; 3], &mut p),
            Err(Error::AllNegInfinity)
        );
        entmax15(&[f32::INFINITY, 1.0, f32::INFINITY], &mut p).unwrap();
        assert_eq!(p, [0.5, 0.0, 0.5]);
        assert_eq!(entmax15(&[], &mut []), Err(Error::Empty));
        assert_eq!(
            entmax15(&[1.0, 2.0], &mut p),
            Err(Error::LengthMismatch {
                expected: 2,
                actual: 3
            })
        );
        // Huge logits: only the maxima (bit-equal) are candidates.
        entmax15(&[3e38, 3e38, -3e38], &mut p).unwrap();
        assert_eq!(p, [0.5, 0.5, 0.0]);
        entmax15(&[-3.0e7, -3.0e7 - 4.0, -3.0e7], &mut p).unwrap();
        assert_eq!(p, [0.5, 0.0, 0.5]);
        // −0 and +0 are the same logit.
        entmax15(&[-0.0, 0.0, -5.0], &mut p).unwrap();
        assert_eq!(p, [0.5, 0.5, 0.0]);
    }

    #[test]
    fn matches_f64_on_mixed_scales() {
        let mut s = 0x1234_5678_9ABC_DEF1u64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for case in 0..3000 {
            let n = 1 + (next() % 64) as usize;
            let scale = [1e-6f32, 0.1, 1.0, 4.0, 100.0, 1e6][case % 6];
            let off = [0.0f32, 1e3, -2e7][case % 3];
            let z: Vec<f32> = (0..n)
                .map(|_| off + scale * ((next() % 20001) as f32 / 10000.0 - 1.0))
                .collect();
            let mut p = vec![0.0f32; n];
            entmax15(&z, &mut p).unwrap();
            let r = reference(&z);
            for (i, (&g, &e)) in p.iter().zip(&r).enumerate() {
                assert!(
                    (f64::from(g) - e).abs() <= 2f64.powi(-23),
                    "case {case}[{i}]: {g} vs {e} ({z:?})"
                );
            }
        }
    }

    /// The support scan at its edges: N equal logits (k = N, A = G = 0) and the largest gaps
    /// (δ just below 2^31): no overflow, the exact answers.
    #[test]
    fn accumulators_at_their_bounds() {
        let z = vec![2.5f32; 4096];
        let mut p = vec![0.0f32; 4096];
        entmax15(&z, &mut p).unwrap();
        assert!(p.iter().all(|&v| v == 1.0 / 4096.0), "{}", p[0]);
        // z − m just above −2: U just below 2^31, δ² just below 2^62 (G just below 1): the
        // second element is in the support with p ≈ ε², ε = (2 − 1.99999988)/2 = 2^−24; t is
        // kept in Q31, so the error is absolute: ≤ 2·√p·2^−31.
        let mut p = [0.0f32; 2];
        entmax15(&[0.0, -1.999_999_9], &mut p).unwrap();
        let eps = (2.0 - 1.999_999_9f32 as f64) / 2.0;
        assert_eq!(p[0], 1.0);
        assert!(
            p[1] > 0.0 && (f64::from(p[1]) - eps * eps).abs() < 2f64.powi(-53),
            "{p:?}"
        );
        entmax15(&[0.0, -2.0], &mut p).unwrap();
        assert_eq!(p, [1.0, 0.0]);
        // Saturation: many candidates just inside the window after the maximum.
        let mut z = vec![-1.9f32; 3000];
        z[17] = 0.0;
        let mut p = vec![0.0f32; 3000];
        entmax15(&z, &mut p).unwrap();
        let r = reference(&z);
        for (&g, &e) in p.iter().zip(&r) {
            assert!((f64::from(g) - e).abs() <= 2f64.powi(-23));
        }
    }
}
