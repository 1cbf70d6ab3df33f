//! Fixed-point sparsemax: int8/int16 logits in Q(frac_bits) → UQ1.15 probabilities.

use super::heap;
use crate::Error;

/// 1.0 in the output format. Example: see the example on [`sparsemax_q15`].
pub const Q15_ONE: u16 = 32_768;

/// Largest accepted `frac_bits`. Example: see the example on [`sparsemax_q15`].
pub const MAX_FRAC_BITS: u32 = 16;

/// Largest accepted length (keeps every integer product below 2^56, see the proof in
/// [`sparsemax_q15`]'s source). Example: see the example on [`sparsemax_q15`].
pub const MAX_LEN: usize = 1 << 24;

const ROUNDS: usize = 12;

#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
fn core<T: Copy + Into<i32>>(z: &[T], frac_bits: u32, p: &mut [u16]) -> Result<usize, Error> {
    let n = z.len();
    crate::error::nonempty_same_len(n, p.len())?;
    if frac_bits > MAX_FRAC_BITS {
        return Err(Error::BadParameter("frac_bits above 16"));
    }
    if n > MAX_LEN {
        return Err(Error::BadParameter("length above 2^24"));
    }
    // Overflow proof (all in i64; the operations are written `wrapping_` because of it, they
    // never wrap): |q| ≤ 2^15, one = 2^f ≤ 2^16, k ≤ N ≤ 2^24.
    //   |Σ_S q| ≤ 2^39, |k·q| ≤ 2^39, 0 < num_i = k·q_i − Σ_S q + one ≤ k·one ≤ 2^40
    //   (num_i ≤ k·one because p_i ≤ 1), cumulative Σ num ≤ k·one ≤ 2^40,
    //   32768·cum ≤ 2^55. Every intermediate is below 2^56.
    let one: i64 = 1i64 << frac_bits;
    // Pass 1: running maximum and candidates q > max_running − one (raw bits in p), in i32:
    // |q| ≤ 2^15 and one ≤ 2^16, so qmax − one ≥ −2^15 − 2^16 cannot wrap.
    let one32 = 1i32 << frac_bits;
    let mut qmax = i32::MIN;
    let mut thr = i32::MIN; // qmax − one once an element is seen; below every q before
    let mut c = 0usize;
    for &v in z {
        let q = v.into();
        if q > thr {
            if let Some(slot) = p.get_mut(c) {
                *slot = q as i16 as u16;
            }
            c = c.wrapping_add(1); // ≤ N
            if q > qmax {
                qmax = q;
                thr = q.wrapping_sub(one32); // ≥ −2^15 − 2^16: no wrap
            }
        }
    }
    let qmax = i64::from(qmax);
    // Pass 2: keep q > max − one.
    let mut k = 0usize;
    let mut sum = 0i64;
    for r in 0..c {
        let Some(&bits) = p.get(r) else { break };
        let q = i64::from(bits as i16);
        if let Some(slot) = p.get_mut(k) {
            *slot = bits;
        }
        let keep = q > qmax.wrapping_sub(one);
        k = k.wrapping_add(usize::from(keep));
        sum = sum.wrapping_add(if keep { q } else { 0 });
    }
    // Michelot rounds in exact integer arithmetic: keep q iff k·q > Σ_S q − one.
    let mut stable = false;
    for _ in 0..ROUNDS {
        let kk = k as i64;
        let bound = sum.wrapping_sub(one);
        let mut nk = 0usize;
        let mut ns = 0i64;
        for r in 0..k {
            let Some(&bits) = p.get(r) else { break };
            let q = i64::from(bits as i16);
            if let Some(slot) = p.get_mut(nk) {
                *slot = bits;
            }
            let keep = kk.wrapping_mul(q) > bound;
            nk = nk.wrapping_add(usize::from(keep));
            ns = ns.wrapping_add(if keep { q } else { 0 });
        }
        if nk == k {
            stable = true;
            break;
        }
        k = nk;
        sum = ns;
    }
    if !stable {
        // Fallback: heapsort the candidates and apply the sorted rule
        // one + j·q_(j) > Σ_{i≤j} q_(i).
        let kk = if k < p.len() { k } else { p.len() };
        let (cand, _) = p.split_at_mut(kk);
        heap::heapify(cand, |a: u16, b: u16| (a as i16) < (b as i16));
        heap::drain_sorted(cand, |a: u16, b: u16| (a as i16) < (b as i16));
        let (mut cum, mut j) = (0i64, 0i64);
        let (mut best_k, mut best_sum) = (1i64, qmax);
        for &bits in cand.iter() {
            let q = i64::from(bits as i16);
            j = j.wrapping_add(1);
            cum = cum.wrapping_add(q);
            if one.wrapping_add(j.wrapping_mul(q)) > cum {
                best_k = j;
                best_sum = cum;
            } else {
                break;
            }
        }
        k = best_k as usize;
        sum = best_sum;
    }
    // Output: p_i = num_i / (k·one) with num_i = k·q_i − Σ_S q + one > 0 on the support.
    // Cumulative rounding: P_i = ⌊32768·C_i/D⌋ − ⌊32768·C_{i−1}/D⌋ with C_i = Σ_{j≤i} num_j,
    // so Σ P_i = 32768 exactly and each P_i is ⌊32768·p_i⌋ or ⌈32768·p_i⌉.
    let kk = k as i64;
    let den = kk.wrapping_mul(one);
    let base = one.wrapping_sub(sum);
    // num_i > 0 ⟺ k·q_i > Σ_S q − one ⟺ q_i > ⌊(Σ_S q − one)/k⌋ (k ≥ 1): one i32 compare per
    // element off the support instead of a 64-bit product. The floor is clamped to the i32
    // range, which keeps the comparison for every q ∈ [−2^15, 2^15).
    let cut = sum
        .wrapping_sub(one)
        .checked_div_euclid(kk)
        .unwrap_or(i64::MAX)
        .clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
    // The quotient ⌊32768·C_i/D⌋ in 32 bits where both fit (C_i ≤ D = k·one, so whenever
    // 32768·k·one < 2^32): a 32-bit division instead of a 64-bit one.
    let narrow = den.wrapping_mul(i64::from(Q15_ONE)) <= i64::from(u32::MAX);
    let mut cum = 0i64;
    let mut prev = 0i64;
    for (o, &v) in p.iter_mut().zip(z) {
        let q: i32 = v.into();
        let out = if q > cut {
            let num = kk.wrapping_mul(i64::from(q)).wrapping_add(base);
            cum = cum.wrapping_add(num);
            let scaled = cum.wrapping_mul(i64::from(Q15_ONE));
            let now = if narrow {
                i64::from((scaled as u32).checked_div(den as u32).unwrap_or(0))
            } else {
                scaled.checked_div(den).unwrap_or(0)
            };
            let d = now.wrapping_sub(prev);
            prev = now;
            d
        } else {
            0
        };
        *o = out as u16;
    }
    Ok(k)
}

/// Sparsemax of int16 logits z_i = q_i·2^−frac_bits into UQ1.15 probabilities
/// (`32768` = 1.0). Returns the support size. The outputs sum to exactly 32 768.
///
/// **Algorithm:** the f32 algorithm ([`super::sparsemax`]) in exact integer arithmetic:
/// candidates q > max − 2^f, then Michelot's rounds keep q iff k·q > Σ_S q − 2^f (exact,
/// so the support is exactly {i : z_i > τ}), heapsort fallback after 12 rounds. With
/// τ = (Σ_S q − 2^f)/(k·2^f) in real units, p_i = (k·q_i − Σ_S q + 2^f)/(k·2^f).
///
/// **Rounding:** cumulative (carry) rounding in index order: P_i = ⌊32768·C_i/D⌋ −
/// ⌊32768·C_{i−1}/D⌋ with C_i the running sum of the exact numerators and D = k·2^f. What
/// holds for every input: the sum is exactly 32 768; every P_i is the floor or the ceiling of
/// the exact 32768·p_i (error < 1 LSB); outside the support P_i = 0; equal logits get outputs
/// that differ by at most 1 LSB. What does not: a support element whose exact output is
/// below 1 LSB may round to 0, and two equal logits may get P and P + 1 (the carry lands on
/// one of them). No rounding can promise all of an exact sum, floor-or-ceiling outputs and a
/// non-zero output on the whole support (e.g. four exact outputs of 0.1 LSB next to one of
/// 32 767.6: the only unit left over cannot go to all four), so the returned support size k
/// is the exact support, not a count of non-zero outputs. Example:
/// `sparsemax_q15(&[−32768, 32767, −32768], 16, p)` returns 3 with p = [0, 32767, 1] (exact
/// 0.17, 32767.67, 0.17 LSB).
///
/// **Overflow:** all arithmetic in i64, every intermediate below 2^56 for
/// N ≤ 2^24 and frac_bits ≤ 16 (proof in the source).
///
/// **Verified** against exact i128 rationals over 10^5 vectors (every output the floor or
/// ceiling of the exact value, sum exactly 32 768, exact support).
///
/// **Cost** (`cargo xtask bench`, rows `sparsemax::sparsemax_q15` and `…_q15_s8`, N = 256,
/// uniform int16 in Q12 / int8 in Q4): 41.6 / 19.0 / 20.4 (int16) and 48.8 / 24.2 / 23.9 (int8) instructions per element on the
/// M0 / M3 / M4F (was 110.2 / 36.1 / 36.1 and 121.5 / 41.8 / 40.8). The scan for candidates
/// is in i32; the output pass costs one i32 comparison per element off the support
/// (q ≤ ⌊(Σ_S q − 2^f)/k⌋) and one division per support element, in 32 bits where
/// 32768·k·2^f < 2^32, else in 64.
///
/// # Errors
/// [`Error::Empty`], [`Error::LengthMismatch`], [`Error::BadParameter`] for
/// frac_bits > 16 or N > 2^24.
///
/// Stack (bytes, `cargo xtask bench`): M0 280 · M3/M4F/M7/M33/M55 176.
/// <!-- stack: sparsemax::sparsemax_q15 -->
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::sparsemax::{sparsemax_q15, MAX_FRAC_BITS, MAX_LEN, Q15_ONE};
///
/// // [0.5, 0.2, −0.1, 1.0] in Q10 (×1024, rounded): as in f32, τ = 0.25 and p = [0.25, 0, 0, 0.75],
/// // exactly representable in UQ1.15.
/// let z = [512i16, 205, -102, 1024];
/// assert!(z.len() <= MAX_LEN);
/// let mut p = [0u16; 4];
/// assert_eq!(sparsemax_q15(&z, 10, &mut p)?, 2);
/// assert_eq!(p, [Q15_ONE / 4, 0, 0, 3 * (Q15_ONE / 4)]);
/// // The example of the rounding rule: exact outputs 0.17, 32767.67, 0.17 LSB round to
/// // floor or ceiling with an exact sum; the support (3) counts a zero output.
/// let mut r = [0u16; 3];
/// assert_eq!(sparsemax_q15(&[-32768, 32767, -32768], 16, &mut r)?, 3);
/// assert_eq!(r, [0, 32767, 1]);
/// assert_eq!(r.iter().map(|&v| u32::from(v)).sum::<u32>(), u32::from(Q15_ONE));
/// assert!(matches!(
///     sparsemax_q15(&z, MAX_FRAC_BITS + 1, &mut p),
///     Err(Error::BadParameter(_))
/// ));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn sparsemax_q15(z: &[i16], frac_bits: u32, p: &mut [u16]) -> Result<usize, Error> {
    core(z, frac_bits, p)
}

/// Sparsemax of int8 logits z_i = q_i·2^−frac_bits into UQ1.15 probabilities summing to
/// exactly 32 768. Same algorithm, rounding, verification and errors as
/// [`sparsemax_q15`]. (An int8 zero point does not matter: sparsemax is shift invariant.)
/// **Cost:** see [`sparsemax_q15`] (row `sparsemax::sparsemax_q15_s8`).
///
/// # Errors
/// As [`sparsemax_q15`].
///
/// Stack (bytes, `cargo xtask bench`): M0 272 · M3/M4F/M7/M33/M55 176.
/// <!-- stack: sparsemax::sparsemax_q15_s8 -->
///
/// # Example
///
/// ```
/// use mcu_kernels::sparsemax::sparsemax_q15_s8;
///
/// // Int8 logits in Q4: z/16 = [0.625, 3.125, −1.25, 2.5]; τ = (3.125 + 2.5 − 1)/2 = 2.3125,
/// // so p = [0, 0.8125, 0, 0.1875] = [0, 26624, 0, 6144] in UQ1.15.
/// let mut p = [0u16; 4];
/// assert_eq!(sparsemax_q15_s8(&[10, 50, -20, 40], 4, &mut p)?, 2);
/// assert_eq!(p, [0, 26624, 0, 6144]);
/// // A zero point (here 30) does not matter: sparsemax is shift invariant.
/// let mut s = [0u16; 4];
/// sparsemax_q15_s8(&[-20, 20, -50, 10], 4, &mut s)?;
/// assert_eq!(s, p);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn sparsemax_q15_s8(z: &[i8], frac_bits: u32, p: &mut [u16]) -> Result<usize, Error> {
    core(z, frac_bits, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q15_vectors() {
        // [0.5, 0.2, −0.1, 1.0] in Q10 ≈ [512, 205, −102, 1024]: p = [0.25, 0, 0, 0.75].
        let mut p = [0u16; 4];
        assert_eq!(sparsemax_q15(&[512, 205, -102, 1024], 10, &mut p), Ok(2));
        assert_eq!(p, [8192, 0, 0, 24576]);
        // Thirds: sum must still be exact.
        let mut p = [0u16; 3];
        assert_eq!(sparsemax_q15_s8(&[0, 0, 0], 4, &mut p), Ok(3));
        assert_eq!(p.iter().map(|&v| u32::from(v)).sum::<u32>(), 32768);
        assert!(p.iter().all(|&v| v == 10922 || v == 10923));
        let mut p = [0u16; 1];
        assert_eq!(sparsemax_q15(&[-32768], 16, &mut p), Ok(1));
        assert_eq!(p, [32768]);
        let mut p = [0u16; 2];
        assert_eq!(sparsemax_q15(&[i16::MIN, i16::MAX], 0, &mut p), Ok(1));
        assert_eq!(p, [0, 32768]);
        assert_eq!(
            sparsemax_q15(&[0, 0], 17, &mut p),
            Err(Error::BadParameter("frac_bits above 16"))
        );
        assert_eq!(sparsemax_q15(&[], 1, &mut []), Err(Error::Empty));
        assert_eq!(
            sparsemax_q15(&[1], 1, &mut p),
            Err(Error::LengthMismatch {
                expected: 1,
                actual: 2
            })
        );
    }

    /// Issue #29, row 7: the documented behaviour at the limit of the rounding (see the
    /// function's docs): sum exact, each output the floor or ceiling of the exact value,
    /// equal logits within 1 LSB, the exact support size returned.
    #[test]
    fn regression_q15_tiny_support_outputs() {
        let mut p = [0u16; 3];
        assert_eq!(sparsemax_q15(&[-32768, 32767, -32768], 16, &mut p), Ok(3));
        assert_eq!(p, [0, 32767, 1]);
        // Exact: τ = (Σq − 2^16)/(3·2^16) = −98305/196608, p_i = q_i/2^16 − τ.
        let tau = -98305.0 / 196608.0;
        for (&pi, q) in p.iter().zip([-32768.0f64, 32767.0, -32768.0]) {
            let exact = 32768.0 * (q / 65536.0 - tau);
            assert!(f64::from(pi) == exact.floor() || f64::from(pi) == exact.ceil());
        }
        let mut p8 = [0u16; 3];
        assert_eq!(sparsemax_q15_s8(&[-128, 127, -128], 8, &mut p8), Ok(3));
        assert_eq!(p8.iter().map(|&v| u32::from(v)).sum::<u32>(), 32768);
        assert!(p8[0].abs_diff(p8[2]) <= 1);
    }

    /// Exact reference in i128: support by the sorted rule, then the documented cumulative
    /// rounding P_i = ⌊32768·C_i/D⌋ − ⌊32768·C_{i−1}/D⌋.
    fn exact(q: &[i32], frac_bits: u32) -> (usize, std::vec::Vec<u16>) {
        let one = 1i128 << frac_bits;
        let mut s: std::vec::Vec<i128> = q.iter().map(|&v| i128::from(v)).collect();
        s.sort_unstable_by(|a, b| b.cmp(a));
        let (mut cum, mut k, mut sum) = (0i128, 0i128, 0i128);
        for (j, &v) in s.iter().enumerate() {
            cum += v;
            if one + (j as i128 + 1) * v > cum {
                k = j as i128 + 1;
                sum = cum;
            }
        }
        let den = k * one;
        let (mut c, mut prev) = (0i128, 0i128);
        let out = q
            .iter()
            .map(|&v| {
                let num = k * i128::from(v) - sum + one;
                if num <= 0 {
                    return 0;
                }
                c += num;
                let now = c * 32768 / den;
                let d = now - prev;
                prev = now;
                d as u16
            })
            .collect();
        (k as usize, out)
    }

    /// Every output bit for bit against the i128 reference: int16 and int8, every frac_bits,
    /// narrow (32768·k·2^f < 2^32) and wide quotients, supports from 1 to the whole row.
    #[test]
    fn q15_matches_exact_reference() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            seed >> 16
        };
        for round in 0..6_000u32 {
            let n = 1 + (next() % 300) as usize;
            let frac = (next() % 17) as u32;
            let shift = (next() % 16) as u32;
            let mut z16 = std::vec![0i16; n];
            let mut z8 = std::vec![0i8; n];
            for (a, b) in z16.iter_mut().zip(z8.iter_mut()) {
                let r = next();
                *a = (r as i16) >> shift;
                *b = ((r >> 16) as i8) >> (shift % 8);
            }
            if round % 7 == 0 {
                let first = z16[0];
                z16.fill(first); // all equal: the whole row is the support
            }
            let mut p = std::vec![0u16; n];
            let q: std::vec::Vec<i32> = z16.iter().map(|&v| i32::from(v)).collect();
            let (k, want) = exact(&q, frac);
            assert_eq!(sparsemax_q15(&z16, frac, &mut p), Ok(k), "{z16:?} f{frac}");
            assert_eq!(p, want, "{z16:?} f{frac}");
            let q: std::vec::Vec<i32> = z8.iter().map(|&v| i32::from(v)).collect();
            let (k, want) = exact(&q, frac);
            assert_eq!(sparsemax_q15_s8(&z8, frac, &mut p), Ok(k), "{z8:?} f{frac}");
            assert_eq!(p, want, "{z8:?} f{frac}");
        }
    }

    #[test]
    fn q15_fallback_path() {
        // Many distinct values close together force several Michelot rounds.
        let mut z = [0i16; 200];
        for (i, v) in z.iter_mut().enumerate() {
            *v = (i as i16) * (i as i16 % 7 + 1);
        }
        let mut p = [0u16; 200];
        let k = sparsemax_q15(&z, 12, &mut p).unwrap();
        assert_eq!(p.iter().map(|&v| u32::from(v)).sum::<u32>(), 32768);
        assert!(p.iter().filter(|&&v| v > 0).count() <= k);
    }
}
