//! FPU-free Z-loss and gradient: f32 in, f32 out, integer arithmetic only on the bit patterns
//! (no `__aeabi_f*`/`__aeabi_d*` call), bit-identical on every target.
//!
//! **Moments, exactly.** With X = max |o_i| = 2^Ex·(1…2), every output is read as the
//! fixed-point integer O_i = ⌊o_i·2^q⌋ (toward zero), q = 61 − Ex (|O_i| < 2^62). O_i is exact
//! unless |o_i| < 2^(Ex−37), and then its error 2^−q is below 2^−60 of the spread (such an
//! o_i lies more than X/2 away from the extreme output). The differences to the target,
//! D_i = (O_i − O_c) >> sh, are shifted so that |D_i| ≤ 2^w, w = min(47, 62 − ⌈log2(N+1)⌉)
//! (one more truncation, ≤ 2^−46 of the spread for N < 2^15). Then, exactly in integers:
//! S1 = ΣD_i (i64), S2 = ΣD_i² (u128), Q = N·S2 − S1² (u128, = N²σ²·2^(2s)).
//!
//! **Overflow proof, any N** (N < 2^nb, nb = bit length of N ≤ 61 because a slice of f32 holds
//! fewer than 2^61 elements): |D_i| ≤ 2^w, |S1| ≤ N·2^w < 2^(nb + w) ≤ 2^62,
//! S2 ≤ N·2^(2w) < 2^(nb + 2w) ≤ 2^109, N·S2 and S1² < 2^(2nb + 2w) ≤ 2^124, and the
//! per-element S2 − S1·D_k < 2^110: every sum fits its type; `overflow_edge` tests the
//! bounds at their maxima.
//!
//! **Scalars** (32-bit-mantissa arithmetic, relative errors ~2^−29 each): z_c = −S1/√Q,
//! u = a·(b − z_c), softplus(u) = max(u, 0) + ln(1 + e^−|u|) from `math::int`'s 2^x and
//! ln(1 + r), sigmoid(u) = 1/(1 + e^−u).
//!
//! **Gradient.** From the float form's derivation, grad_k = R·(S2 − S1·D_k) for k ≠ c with
//! R = sigmoid(u)·N·2^s/Q^(3/2) (s = q − sh), and Σ_k grad_k = 0 gives the target's
//! grad_c = R·(S2 − Q). Both brackets are exact integers (no cancellation error when the target
//! dominates); each component is one high-half product and one correctly rounded pack.

use crate::math::int::{add, div, exp2_y_q32, ln1p_small, ln_u64, mul, mul_u64_wide, mul_wide};
use crate::math::int::{pack, sqrt, Num};
use crate::Error;

/// log2 e in Q61, rounded.
const LOG2E_Q61: u64 = 3_326_628_274_461_080_623;

/// The f32 order as an unsigned order on the bits (non-NaN values; −0 sorts below +0).
#[inline(always)]
fn key(bits: u32) -> u32 {
    if bits >> 31 != 0 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

/// The float form's checks, on the bits: `a` finite and > 0, `b` finite, `target` in range.
#[inline(always)]
fn validate(o: &[f32], target: usize, a: f32, b: f32) -> Result<u32, Error> {
    if o.is_empty() {
        return Err(Error::Empty);
    }
    // 0 < a < ∞: the bits of a positive finite nonzero f32 lie in [1, 0x7F80_0000).
    if a.to_bits().wrapping_sub(1) >= 0x7F7F_FFFF {
        return Err(Error::BadParameter("a must be finite and > 0"));
    }
    if b.to_bits() & 0x7FFF_FFFF >= 0x7F80_0000 {
        return Err(Error::BadParameter("b must be finite"));
    }
    match o.get(target) {
        Some(&c) => Ok(c.to_bits()),
        None => Err(Error::IndexOutOfRange {
            index: target,
            len: o.len(),
        }),
    }
}

/// How each output becomes its difference D to the target.
#[derive(Clone, Copy)]
struct Fixed {
    q: i32,
    oc: i64,
    sh: u32,
}

impl Fixed {
    /// D = (⌊o·2^q⌋ − O_c) >> sh, |D| ≤ 2^w (module docs).
    #[inline(always)]
    fn d(self, bits: u32) -> i64 {
        // |O| < 2^62 and |O_c| < 2^62: the difference fits i64; sh ≤ 62.
        Num::from_bits(bits)
            .to_fixed(self.q)
            .wrapping_sub(self.oc)
            .wrapping_shr(self.sh)
    }
}

/// The exact moments (module docs); `None` when σ = 0.
struct Moments {
    fixed: Fixed,
    s1: i64,
    s2: u128,
    q: u128,
}

/// D² for |D| ≤ 2^47 (h = |D| >> 32 ≤ 2^15): l² + 2hl·2^32 + h²·2^64, three 32-bit products.
#[inline(always)]
fn square(d: i64) -> u128 {
    let v = d.unsigned_abs();
    let (h, l) = ((v >> 32) as u32, v as u32);
    u128::from(mul_wide(l, l))
        .wrapping_add(u128::from(mul_wide(h, l)) << 33)
        .wrapping_add(u128::from(h.wrapping_mul(h)) << 64) // h² ≤ 2^30
}

/// Pass 1 (NaN, ∞, min and max) and pass 2 (the sums).
#[inline(always)]
fn moments(o: &[f32], oc: u32) -> Result<Option<Moments>, Error> {
    let (mut lo, mut hi) = (u32::MAX, 0u32);
    let (mut lob, mut hib) = (0u32, 0u32);
    for &v in o {
        let b = v.to_bits();
        let abs = b & 0x7FFF_FFFF;
        if abs >= 0x7F80_0000 {
            return Err(if abs > 0x7F80_0000 {
                Error::NanInput
            } else {
                Error::BadParameter("infinite output")
            });
        }
        let k = key(b);
        if k < lo {
            lo = k;
            lob = b;
        }
        if k > hi {
            hi = k;
            hib = b;
        }
    }
    let (lo_abs, hi_abs) = (lob & 0x7FFF_FFFF, hib & 0x7FFF_FFFF);
    if lob == hib || (lo_abs == 0 && hi_abs == 0) {
        return Ok(None); // all outputs equal (±0 are equal)
    }
    let x = if lo_abs > hi_abs { lo_abs } else { hi_abs };
    let q = 61i32.wrapping_sub(Num::from_bits(x).e); // |e| ≤ 149
    let omax = Num::from_bits(hib).to_fixed(q);
    let omin = Num::from_bits(lob).to_fixed(q);
    let spread = omax.wrapping_sub(omin) as u64; // > 0 (distinct values stay distinct), < 2^63
    let n = o.len() as u64;
    let nb = 64i32.wrapping_sub(n.leading_zeros() as i32); // 1 ≤ nb ≤ 61
    let w = if nb > 15 { 62i32.wrapping_sub(nb) } else { 47 }; // 1 ≤ w ≤ 47
    let bits = 64i32.wrapping_sub(spread.leading_zeros() as i32);
    let sh = if bits > w {
        bits.wrapping_sub(w) as u32
    } else {
        0
    }; // ≤ 62
    let fixed = Fixed {
        q,
        oc: Num::from_bits(oc).to_fixed(q),
        sh,
    };
    let (mut s1, mut s2) = (0i64, 0u128);
    for &v in o {
        let d = fixed.d(v.to_bits());
        s1 = s1.wrapping_add(d); // |S1| < 2^62 (module docs)
        s2 = s2.wrapping_add(square(d)); // < 2^109
    }
    // Q = N·S2 − S1² ≥ 0 (Cauchy–Schwarz on the integers D_i), each term < 2^124.
    let ns2 = mul_u64_wide(n, s2 as u64).wrapping_add(mul_u64_wide(n, (s2 >> 64) as u64) << 64);
    let s1sq = mul_u64_wide(s1.unsigned_abs(), s1.unsigned_abs());
    let q2 = ns2.wrapping_sub(s1sq);
    if q2 == 0 || q2 > ns2 {
        return Ok(None); // only when a huge N (w ≤ 1) merges the outputs
    }
    Ok(Some(Moments {
        fixed,
        s1,
        s2,
        q: q2,
    }))
}

/// e^−v for v ≥ 0 given as a Num (relative error ~2^−29; 0 for v ≥ 4096).
#[inline(always)]
fn exp_neg(v: Num) -> Num {
    if v.m == 0 {
        return Num::ONE;
    }
    if v.e >= 12 {
        return Num::zero(false);
    }
    // v·log2 e·2^32 = m·L·2^(e − 31 − 61 + 32) = (m·L) >> (60 − e), 49 ≤ 60 − e; < 2^44.
    let p = mul_u64_wide(u64::from(v.m), LOG2E_Q61);
    let y = p.checked_shr(60i32.wrapping_sub(v.e) as u32).unwrap_or(0) as i64;
    exp2_y_q32(y.wrapping_neg())
}

/// 1 + t for t ∈ [0, 1] (relative error < 2^−31).
#[inline(always)]
fn one_plus(t: Num) -> Num {
    let frac = t.m.checked_shr(t.e.unsigned_abs()).unwrap_or(0); // t.e ≤ 0
    Num::from_u64(false, (1u64 << 31).wrapping_add(u64::from(frac)), -31).0
}

/// softplus(u) and sigmoid(u) for a Num u.
#[inline(always)]
fn softplus_sigmoid(u: Num) -> (Num, Num) {
    let t = exp_neg(Num { neg: false, ..u });
    let l = if t.m == 0 {
        Num::zero(false)
    } else if t.e < -6 {
        ln1p_small(t)
    } else {
        // 1 + t exactly: t = m·2^(n − 31), −6 ≤ n ≤ 0, (2^(31 − n) + m)·2^(n − 31) < 2^38.
        let n = t.e;
        let v = (1u64 << (31i32.wrapping_sub(n) & 63)).wrapping_add(u64::from(t.m));
        ln_u64(v, n.wrapping_sub(31))
    };
    let d = one_plus(t);
    if u.neg || u.m == 0 {
        (l, div(t, d))
    } else {
        (add(u, l).0, div(Num::ONE, d))
    }
}

/// (u, L) from the moments: z_c = −S1/√Q, u = a·(b − z_c), L = softplus(u)/a.
#[inline(always)]
fn tail(m: &Option<Moments>, a: f32, b: f32) -> (Num, Num, f32) {
    tail_sq(m.as_ref().map(|m| (m.s1, m.q)), a, b)
}

/// [`tail`] from (S1, Q) directly: S1 = Σ(o_i − o_c) and Q = N·Σ(o_i − o_c)² − S1² > 0 in any
/// common unit (`None`: σ = 0, z_c = 0).
#[inline(always)]
fn tail_sq(m: Option<(i64, u128)>, a: f32, b: f32) -> (Num, Num, f32) {
    let an = Num::from_bits(a.to_bits());
    let bz = match m {
        Some((s1, q)) => {
            let w = div(Num::from_fixed(s1, 0), sqrt(Num::from_u128(false, q, 0).0));
            add(Num::from_bits(b.to_bits()), w).0
        }
        None => Num::from_bits(b.to_bits()),
    };
    let u = mul(an, bz);
    let (sp, sig) = softplus_sigmoid(u);
    (an, sig, pack(div(sp, an), false))
}

/// The loss L = softplus(a·(b − z_c))/a from exact integer moments of the differences to the
/// target (S1 = Σ(q_i − q_c), Q = N·Σ(q_i − q_c)² − S1², `None` when Q = 0): the scalar tail
/// of [`zloss`] in 32-bit-mantissa integer arithmetic, for the fixed-point forms
/// ([`crate::zloss::zloss_s8`], [`crate::zloss::zloss_s16`]). Bit-identical on every target.
///
/// Out of line (one copy for both fixed-point forms). It is an `extern "C"` function only so
/// that it is `nounwind` (a Rust panic cannot cross that ABI), which lets the no-panic proof of
/// its callers see that calling it cannot unwind whichever codegen unit it lands in; it is
/// never called from C. It carries the proof's mark itself, since the `nounwind` ABI would
/// otherwise hide a panic inside it from the proof.
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline(never)]
#[allow(improper_ctypes_definitions)]
pub(crate) extern "C" fn loss_from_moments(m: &Option<(i64, u128)>, a: f32, b: f32) -> f32 {
    tail_sq(*m, a, b).2
}

/// Z-loss of the outputs `o` for class `target`, FPU-free (the integer form of
/// [`crate::zloss::fpu::zloss`]; formula in the module docs of [`crate::zloss`]).
///
/// **Algorithm** (module docs): one pass for NaN, ∞, min and max; one pass for the exact
/// integer moments S1, S2 of the fixed-point differences to the target; a scalar tail in
/// 32-bit-mantissa arithmetic. Shift- and scale-invariant as the float form (the differences
/// to o_c are exact wherever they matter).
/// **Accuracy:** relative error ≤ 1e−6 (the float form's contract) for every loss ≥ 1e−30;
/// measured max 9.0e−8 over 100,000 vectors (`host/tests/nofpu_zloss_entmax_differential.rs`).
/// **Stack** and **cost:** below those of [`zloss_grad`] (no gradient pass).
///
/// # Errors
/// As the float form: [`Error::Empty`], [`Error::IndexOutOfRange`], [`Error::NanInput`],
/// [`Error::BadParameter`] for a ≤ 0 or non-finite `a`, non-finite `b`, or an infinite output.
///
/// ```
/// // f64 reference: z_c = (o_c − μ)/σ, L = ln(1 + e^(a(b − z_c)))/a.
/// fn zloss64(o: &[f32], c: usize, a: f64, b: f64) -> f64 {
///     let d = o.len() as f64;
///     let mu = o.iter().map(|&v| f64::from(v)).sum::<f64>() / d;
///     let var = o.iter().map(|&v| (f64::from(v) - mu).powi(2)).sum::<f64>() / d;
///     let z = (f64::from(o[c]) - mu) / var.sqrt();
///     (1.0 + (a * (b - z)).exp()).ln() / a
/// }
/// use mcu_kernels::zloss::nofpu::zloss;
///
/// let o = [0.5f32, 2.0, -1.25, 0.75];
/// let l = zloss(&o, 1, 2.0, 1.0)?;
/// assert!((f64::from(l) - zloss64(&o, 1, 2.0, 1.0)).abs() <= 1e-6 * f64::from(l));
/// // Closed form: o = [1, 0], a = b = 1: z_0 = 1, L = ln 2.
/// let ln2 = zloss(&[1.0, 0.0], 0, 1.0, 1.0)?;
/// assert!((f64::from(ln2) - 2f64.ln()).abs() <= 1e-6);
/// assert!(zloss(&o, 4, 2.0, 1.0).is_err());
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn zloss(o: &[f32], target: usize, a: f32, b: f32) -> Result<f32, Error> {
    let oc = validate(o, target, a, b)?;
    let m = moments(o, oc)?;
    Ok(tail(&m, a, b).2)
}

/// Z-loss and its gradient ∂L/∂o written into `grad`, FPU-free (the integer form of
/// [`crate::zloss::fpu::zloss_grad`]).
///
/// **Algorithm:** as [`zloss`], plus one pass: grad_k = R·(S2 − S1·D_k) (k ≠ c) and
/// grad_c = R·(S2 − Q), the brackets exact in 128-bit integers, R = sigmoid(u)·N·2^s/Q^(3/2)
/// once per row (module docs). When σ = 0 the gradient is 0. Components beyond f32::MAX
/// (σ < ~1e−38) give ±∞ as in the float form.
/// **Accuracy** (host differential test against the f64 reference, 100,000 vectors of sizes
/// 1…4096 with offsets to 10^6, scales 2^±100, ±3e38, ties and a dominant output): loss within
/// 1e−6 relative (contract; measured max 9.0e−8), gradient components within 1e−6·‖∇L‖
/// (contract of the float form; measured max 7.3e−8·‖∇L‖), against 2.3e−7 and 1.7e−7 for the
/// float form (`host/tests/nofpu_zloss_entmax_differential.rs`).
/// **Cost** (`cargo xtask bench`, N = 256, logits in [−8, 8], QEMU instructions per element):
/// 618 on the M0 and 248 on the M3, against 7,994 and 4,874 for the float form on soft float
/// (12.9× / 19.7×; 250 on the M4F, where the float form takes 108); code 9.0 KiB (M0) /
/// 6.7 KiB (M3).
///
/// # Errors
/// As [`zloss`], plus [`Error::LengthMismatch`] if `grad.len() != o.len()`.
///
/// Stack (bytes, `cargo xtask bench`): M0 364 · M3 284 · M4F/M7/M33/M55 264.
/// <!-- stack: zloss::nofpu::zloss_grad -->
///
/// ```
/// use mcu_kernels::zloss::{fpu, nofpu};
///
/// let o = [0.5f32, 2.0, -1.25, 0.75, 0.0];
/// let (mut g, mut h) = ([0.0f32; 5], [0.0f32; 5]);
/// let l = nofpu::zloss_grad(&o, 2, 1.5, 0.5, &mut g)?;
/// assert_eq!(l, nofpu::zloss(&o, 2, 1.5, 0.5)?);
/// // Same gradient as the float form within both contracts (1e−6·‖∇L‖ each).
/// fpu::zloss_grad(&o, 2, 1.5, 0.5, &mut h)?;
/// let norm = h.iter().map(|v| v * v).sum::<f32>().sqrt();
/// assert!(g.iter().zip(&h).all(|(a, b)| (a - b).abs() <= 2e-6 * norm));
/// // Shift invariance shows in the gradient: its components sum to 0.
/// assert!(g.iter().sum::<f32>().abs() <= 1e-6 * norm);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn zloss_grad(
    o: &[f32],
    target: usize,
    a: f32,
    b: f32,
    grad: &mut [f32],
) -> Result<f32, Error> {
    let oc = validate(o, target, a, b)?;
    if grad.len() != o.len() {
        return Err(Error::LengthMismatch {
            expected: o.len(),
            actual: grad.len(),
        });
    }
    let m = moments(o, oc)?;
    let (_, sig, loss) = tail(&m, a, b);
    let Some(m) = m else {
        for g in grad.iter_mut() {
            *g = 0.0;
        }
        return Ok(loss);
    };
    // R = sigmoid(u)·N·2^s/Q^(3/2), s = q − sh (|s| < 2^9).
    let qn = Num::from_u128(false, m.q, 0).0;
    let q32 = mul(qn, sqrt(qn));
    let r = div(mul(sig, Num::from_u64(false, o.len() as u64, 0).0), q32);
    let r = Num {
        e: r.e.wrapping_add(m.fixed.q).wrapping_sub(m.fixed.sh as i32),
        ..r
    };
    let s2 = m.s2 as i128; // < 2^109
    let (s1_neg, s1_abs) = (m.s1 < 0, m.s1.unsigned_abs());
    for ((out, &v), k) in grad.iter_mut().zip(o).zip(0..o.len()) {
        let t = if k == target {
            s2.wrapping_sub(m.q as i128) // |·| < 2^124
        } else {
            let d = m.fixed.d(v.to_bits());
            let p = mul_u64_wide(s1_abs, d.unsigned_abs()) as i128; // < 2^109
            if s1_neg != (d < 0) {
                s2.wrapping_add(p)
            } else {
                s2.wrapping_sub(p)
            }
        };
        let (tn, _) = Num::from_u128(t < 0, t.unsigned_abs(), 0);
        *out = pack(mul(r, tn), false);
    }
    Ok(loss)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;
    use std::vec::Vec;

    /// The f64 reference (two-pass moments; the float form's formula).
    fn reference(o: &[f32], c: usize, a: f64, b: f64) -> (f64, Vec<f64>) {
        let d = o.len() as f64;
        let x: Vec<f64> = o.iter().map(|&v| f64::from(v)).collect();
        let mu = x.iter().sum::<f64>() / d;
        let var = x.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / d;
        let sd = var.sqrt();
        let z: Vec<f64> = x
            .iter()
            .map(|v| if sd > 0.0 { (v - mu) / sd } else { 0.0 })
            .collect();
        let u = a * (b - z[c]);
        let l = (u.max(0.0) + (-u.abs()).exp().ln_1p()) / a;
        let sig = 1.0 / (1.0 + (-u).exp());
        let g = (0..o.len())
            .map(|k| {
                if sd == 0.0 {
                    return 0.0;
                }
                let dk = if k == c { 1.0 } else { 0.0 };
                -sig * ((dk - 1.0 / d) - z[c] * z[k] / d) / sd
            })
            .collect();
        (l, g)
    }

    fn rel(a: f32, b: f64) -> f64 {
        ((f64::from(a) - b) / b).abs()
    }

    #[test]
    fn known_values() {
        // The float form's reference values (computed independently in f64).
        let o = [1.0f32, -0.5, 2.0, 0.25];
        let l = zloss(&o, 2, 1.0, 0.0).unwrap();
        assert!(rel(l, 0.216_677_989_4) < 1e-6, "{l}");
        let mut g = [0.0f32; 4];
        let l = zloss_grad(&o, 2, 2.0, 1.0, &mut g).unwrap();
        assert!(rel(l, 0.179_722_052_5) < 1e-6, "{l}");
        let want = [0.120741f32, -0.067078, -0.080494, 0.026831];
        for (x, y) in g.iter().zip(want) {
            assert!((x - y).abs() < 1e-6, "{g:?}");
        }
        // Shift and power-of-two scale: bit for bit.
        let o3: [f32; 4] = core::array::from_fn(|i| 4.0 * o[i] + 1024.0);
        let mut g3 = [0.0f32; 4];
        let l3 = zloss_grad(&o3, 2, 2.0, 1.0, &mut g3).unwrap();
        assert_eq!(l3, l);
        for (x, y) in g3.iter().zip(g) {
            assert_eq!(*x, y / 4.0);
        }
    }

    #[test]
    fn special_values_and_errors() {
        let mut g = [1.0f32; 3];
        let l = zloss_grad(&[5.0; 3], 1, 2.0, 1.5, &mut g).unwrap();
        assert!(rel(l, libm::log1p(libm::exp(3.0)) / 2.0) < 1e-6);
        assert_eq!(g, [0.0; 3]);
        let l = zloss_grad(&[0.0, -0.0, 0.0], 1, 1.0, 0.0, &mut g).unwrap();
        assert!(rel(l, core::f64::consts::LN_2) < 1e-6);
        assert_eq!(g, [0.0; 3]);
        assert!(rel(zloss(&[7.0], 0, 1.0, 0.0).unwrap(), core::f64::consts::LN_2) < 1e-6);
        assert_eq!(zloss(&[], 0, 1.0, 0.0), Err(Error::Empty));
        assert_eq!(
            zloss(&[1.0], 1, 1.0, 0.0),
            Err(Error::IndexOutOfRange { index: 1, len: 1 })
        );
        for a in [0.0, -0.0, -1.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            assert!(matches!(
                zloss(&[1.0], 0, a, 0.0),
                Err(Error::BadParameter(_))
            ));
        }
        for b in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            assert!(matches!(
                zloss(&[1.0], 0, 1.0, b),
                Err(Error::BadParameter(_))
            ));
        }
        assert!(zloss(&[1.0], 0, f32::from_bits(1), 0.0).is_ok());
        assert_eq!(zloss(&[1.0, f32::NAN], 0, 1.0, 0.0), Err(Error::NanInput));
        assert!(matches!(
            zloss(&[1.0, f32::NEG_INFINITY], 0, 1.0, 0.0),
            Err(Error::BadParameter(_))
        ));
        assert_eq!(
            zloss_grad(&[1.0, 2.0], 0, 1.0, 0.0, &mut g),
            Err(Error::LengthMismatch {
                expected: 2,
                actual: 3
            })
        );
        // Huge u: no overflow; tiny loss; spread overflowing f32.
        assert!(rel(zloss(&[0.0, 1.0], 0, 1e30, 1e30).unwrap(), 1e30 + 1.0) < 1e-6);
        let l = zloss(&[0.0, 1.0], 1, 1.0, -80.0).unwrap();
        assert!(rel(l, libm::exp(-81.0)) < 1e-6, "{l}");
        let l = zloss(&[3e38, -3e38, 0.0], 0, 1.0, 0.0).unwrap();
        assert!(
            rel(l, libm::log1p(libm::exp(-libm::sqrt(1.5)))) < 1e-6,
            "{l}"
        );
        assert_eq!(zloss(&[0.0, 1.0], 1, 1.0, -5000.0).unwrap(), 0.0);
    }

    #[test]
    fn matches_f64_on_mixed_shapes() {
        let mut s = 0x2105_5EED_0000_0001u64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let mut g = vec![0.0f32; 300];
        for case in 0..3000 {
            let n = 1 + (next() % 300) as usize;
            let scale = [1e-30f32, 0.1, 1.0, 8.0, 1e20][case % 5];
            let off = [0.0f32, 1e3, -2e5][case % 3];
            let mut o: Vec<f32> = (0..n)
                .map(|_| off + scale * ((next() % 20001) as f32 / 10000.0 - 1.0))
                .collect();
            if case % 7 == 0 {
                o[(next() % n as u64) as usize] = off + 50.0 * scale;
            }
            let c = (next() % n as u64) as usize;
            let a = [0.25f32, 1.0, 8.0][case % 3];
            let b = [-2.0f32, 0.0, 3.0][case % 3];
            let (lr, gr) = reference(&o, c, f64::from(a), f64::from(b));
            let l = zloss_grad(&o, c, a, b, &mut g[..n]).unwrap();
            assert_eq!(l.to_bits(), zloss(&o, c, a, b).unwrap().to_bits());
            if lr >= 1e-30 {
                assert!(rel(l, lr) <= 1e-6, "case {case}: {l} vs {lr}");
            }
            let norm = gr.iter().map(|v| v * v).sum::<f64>().sqrt();
            for k in 0..n {
                assert!(
                    (f64::from(g[k]) - gr[k]).abs() <= 1e-6 * norm + 2f64.powi(-150),
                    "case {case}[{k}]: {} vs {} (norm {norm:e})",
                    g[k],
                    gr[k]
                );
            }
        }
    }

    /// The accumulators at their bounds: |D| = 2^w with the largest w (47), squared and summed
    /// 2^15 − 1 times (nb = 15), against u128 arithmetic; and the bit budget of every N up to
    /// the largest slice (nb ≤ 61): nb + 2w ≤ 109 and 2nb + 2w ≤ 124.
    #[test]
    fn overflow_edge() {
        let d = 1i64 << 47;
        assert_eq!(square(d), 1u128 << 94);
        assert_eq!(square(-d + 1), ((1u128 << 47) - 1).pow(2));
        let n = (1u64 << 15) - 1;
        let (mut s1, mut s2) = (0i64, 0u128);
        for _ in 0..n {
            s1 = s1.checked_add(d).unwrap();
            s2 = s2.checked_add(square(d)).unwrap();
        }
        assert_eq!(s2, u128::from(n) << 94);
        let ns2 = mul_u64_wide(n, s2 as u64).wrapping_add(mul_u64_wide(n, (s2 >> 64) as u64) << 64);
        assert_eq!(ns2, u128::from(n) * s2);
        assert_eq!(mul_u64_wide(s1 as u64, s1 as u64), (s1 as u128).pow(2));
        for nb in 1..=61i32 {
            let w = if nb > 15 { 62i32.wrapping_sub(nb) } else { 47 }; // 1 ≤ w ≤ 47
            assert!(
                w >= 1 && nb + w <= 62 && nb + 2 * w <= 109 && 2 * nb + 2 * w <= 124,
                "{nb}"
            );
        }
        // A row with one output far from the others (the largest spread in its fixed point):
        // D of the extremes is ±2^47 at most.
        let mut o = vec![0.0f32; 4096];
        o[0] = 3.0e38;
        o[1] = -3.0e38;
        let mut g = vec![0.0f32; 4096];
        let l = zloss_grad(&o, 0, 1.0, 0.0, &mut g).unwrap();
        let (lr, gr) = reference(&o, 0, 1.0, 0.0);
        assert!(rel(l, lr) < 1e-6, "{l} vs {lr}");
        let norm = gr.iter().map(|v| v * v).sum::<f64>().sqrt();
        for k in 0..4096 {
            // Components ~1e−41: subnormal, rounded to 2^−149.
            assert!((f64::from(g[k]) - gr[k]).abs() <= 1e-6 * norm + 2f64.powi(-150));
        }
    }
}
