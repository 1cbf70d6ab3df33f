//! Differential tests: `mcu_kernels::sparsemax` against the f64 references over seeded vectors.

use host::reference::sparsemax as r;
use mcu_kernels::sparsemax::*;
use mcu_kernels::Error;
use testvectors::Rng;

const MAX_N: usize = 256;

/// Logits in one of several shapes; lengths mostly ≤ 64 so that debug runs stay fast.
fn logits(rng: &mut Rng, buf: &mut [f32; MAX_N], i: u32) -> usize {
    let n = if i.is_multiple_of(10) {
        1 + rng.below(MAX_N as u32) as usize
    } else {
        1 + rng.below(64) as usize
    };
    let xs = &mut buf[..n];
    match i % 7 {
        0 => rng.fill_uniform(xs, -8.0, 8.0),
        1 => rng.fill_uniform(xs, -0.2, 0.2),
        2 => {
            for v in xs.iter_mut() {
                *v = rng.below(9) as f32 * 0.25;
            }
        }
        3 => {
            for v in xs.iter_mut() {
                *v = 1.0e6 + rng.uniform_f32(-2.0, 2.0);
            }
        }
        4 => rng.fill_uniform(xs, -3.0e38, 3.0e38),
        5 => {
            rng.fill_uniform(xs, -3.0, 3.0);
            for v in xs.iter_mut() {
                if rng.below(6) == 0 {
                    *v = f32::NEG_INFINITY;
                }
            }
        }
        _ => {
            // Geometric spacing near the maximum: many Michelot rounds.
            for (k, v) in xs.iter_mut().enumerate() {
                *v = 1.0 - 0.9f32.powi(k as i32 % 40) + rng.uniform_f32(0.0, 1e-3);
            }
        }
    }
    n
}

#[test]
fn sparsemax_matches_f64_reference() {
    let (mut worst_p, mut worst_sum, mut worst_loss) = (0.0f64, 0.0f64, 0.0f64);
    let mut p = [0.0f32; MAX_N];
    let mut q = [0.0f32; MAX_N];
    let mut g = [0.0f32; MAX_N];
    for i in 0..100_000u32 {
        let mut rng = Rng::new(0x5EED_0000_0000 | u64::from(i));
        let mut buf = [0.0f32; MAX_N];
        let n = logits(&mut rng, &mut buf, i);
        let z = &buf[..n];
        let (p, q, g) = (&mut p[..n], &mut q[..n], &mut g[..n]);
        let Some((pr, _tau, sr)) = r::sparsemax(z) else {
            assert_eq!(sparsemax(z, p), Err(Error::AllNegInfinity), "vector {i}");
            continue;
        };
        let t = sparsemax_threshold(z, p).unwrap();
        let s2 = sparsemax_sort(z, q).unwrap();
        // Support is exactly {z_i − shift > tau}.
        let mut count = 0;
        for (&zi, &pi) in z.iter().zip(p.iter()) {
            let inside = (zi - t.shift) > t.tau;
            assert_eq!(inside, pi > 0.0, "vector {i}: support rule");
            if inside {
                count += 1;
                // Optimality: (z − shift) − p = τ on the support (to rounding).
                let resid = f64::from(zi - t.shift) - f64::from(pi) - f64::from(t.tau);
                assert!(resid.abs() <= 2f64.powi(-24), "vector {i}: resid {resid}");
            }
        }
        assert_eq!(count, t.support);
        let sum: f64 = p.iter().map(|&v| f64::from(v)).sum();
        let sum_err = (sum - 1.0).abs();
        assert!(
            sum_err <= n as f64 * 2f64.powi(-24),
            "vector {i}: sum {sum}"
        );
        worst_sum = worst_sum.max(sum_err / n as f64);
        for k in 0..n {
            let e = (f64::from(p[k]) - pr[k]).abs();
            worst_p = worst_p.max(e);
            assert!(
                e <= 2f64.powi(-21),
                "vector {i}[{k}]: {} vs {}",
                p[k],
                pr[k]
            );
            assert!(
                (f64::from(q[k]) - pr[k]).abs() <= 2f64.powi(-21),
                "sort variant {i}[{k}]"
            );
            // Support differences only for entries that are zero to rounding.
            if (p[k] > 0.0) != (pr[k] > 0.0) {
                assert!(pr[k] < 2f64.powi(-21) && p[k] < 2f32.powi(-21));
            }
        }
        let _ = (sr, s2);
        // Loss with and without workspace.
        let target = rng.below(n as u32) as usize;
        let lr = r::sparsemax_loss(z, target).unwrap();
        let l0 = sparsemax_loss(z, target, None).unwrap();
        let l1 = sparsemax_loss(z, target, Some(g)).unwrap();
        if lr > f64::from(f32::MAX) * (1.0 + 2f64.powi(-24)) {
            assert_eq!(
                (l0, l1),
                (f32::INFINITY, f32::INFINITY),
                "vector {i}: overflowing loss"
            );
        } else if lr.is_finite() {
            let tol = (n as f64 + 4.0) * 2f64.powi(-24) * lr.abs().max(1.0);
            let e = (f64::from(l0) - lr).abs().max((f64::from(l1) - lr).abs());
            assert!(e <= tol, "vector {i}: loss {l0} {l1} vs {lr}");
            worst_loss = worst_loss.max(e / lr.abs().max(1.0));
        } else {
            assert_eq!(l0, f32::INFINITY);
        }
        for k in 0..n {
            let want = f64::from(p[k]) - if k == target { 1.0 } else { 0.0 };
            assert!((f64::from(g[k]) - want).abs() <= 2f64.powi(-21));
        }
    }
    println!("sparsemax: worst |p − p64| {worst_p:e}, worst |Σp − 1|/N {worst_sum:e}, loss {worst_loss:e}");
}

#[test]
fn topk_matches_f64_reference() {
    let mut worst = 0.0f64;
    let mut out = [0.0f32; MAX_N];
    for i in 0..100_000u32 {
        let mut rng = Rng::new(0x70C0_0000_0000 | u64::from(i));
        let mut buf = [0.0f32; MAX_N];
        let n = logits(&mut rng, &mut buf, i);
        let z = &buf[..n];
        let k = 1 + rng.below(n as u32 + 2) as usize;
        let out = &mut out[..n];
        let Some(pr) = r::project_topk(z, k) else {
            assert!(project_topk_simplex(z, k, out).is_err());
            continue;
        };
        let s = project_topk_simplex(z, k, out).unwrap();
        assert!(s <= k && s == out.iter().filter(|&&v| v > 0.0).count());
        for j in 0..n {
            let e = (f64::from(out[j]) - pr[j]).abs();
            worst = worst.max(e);
            assert!(
                e <= 2f64.powi(-21),
                "vector {i} k {k} [{j}]: {} vs {}",
                out[j],
                pr[j]
            );
        }
        let sum: f64 = out.iter().map(|&v| f64::from(v)).sum();
        assert!((sum - 1.0).abs() <= n as f64 * 2f64.powi(-24));
    }
    println!("topk: worst |p − p64| {worst:e}");
}

#[test]
fn entmax15_matches_f64_reference() {
    let (mut worst, mut worst_sum) = (0.0f64, 0.0f64);
    let mut p = [0.0f32; MAX_N];
    for i in 0..100_000u32 {
        let mut rng = Rng::new(0xE175_0000_0000 | u64::from(i));
        let mut buf = [0.0f32; MAX_N];
        let n = logits(&mut rng, &mut buf, i);
        let z = &buf[..n];
        let p = &mut p[..n];
        let Some(pr) = r::entmax15(z) else {
            assert!(entmax15(z, p).is_err());
            continue;
        };
        entmax15(z, p).unwrap();
        for j in 0..n {
            let e = (f64::from(p[j]) - pr[j]).abs();
            worst = worst.max(e);
            assert!(
                e <= 2f64.powi(-21),
                "vector {i}[{j}]: {} vs {}",
                p[j],
                pr[j]
            );
        }
        let sum: f64 = p.iter().map(|&v| f64::from(v)).sum();
        worst_sum = worst_sum.max((sum - 1.0).abs() / n as f64);
        assert!(
            (sum - 1.0).abs() <= n as f64 * 2f64.powi(-23),
            "vector {i}: sum {sum}"
        );
    }
    println!("entmax15: worst |p − p64| {worst:e}, worst |Σp − 1|/N {worst_sum:e}");
}

#[test]
fn q15_matches_exact_rationals() {
    let mut p = [0u16; MAX_N];
    for i in 0..100_000u32 {
        let mut rng = Rng::new(0x0015_0000_0000 | u64::from(i));
        let n = if i % 10 == 0 {
            1 + rng.below(MAX_N as u32) as usize
        } else {
            1 + rng.below(64) as usize
        };
        let f = rng.below(17);
        let p = &mut p[..n];
        let (q, k): (Vec<i32>, usize) = if i % 2 == 0 {
            let span = 1 + rng.below(65536);
            let z: Vec<i16> = (0..n)
                .map(|_| (rng.below(span) as i32 - 32768).clamp(-32768, 32767) as i16)
                .collect();
            let k = sparsemax_q15(&z, f, p).unwrap();
            (z.iter().map(|&v| i32::from(v)).collect(), k)
        } else {
            let z: Vec<i8> = (0..n).map(|_| rng.below(256) as i32 as u8 as i8).collect();
            let k = sparsemax_q15_s8(&z, f, p).unwrap();
            (z.iter().map(|&v| i32::from(v)).collect(), k)
        };
        let (nums, den) = r::sparsemax_q15_exact(&q, f).unwrap();
        let total: u32 = p.iter().map(|&v| u32::from(v)).sum();
        assert_eq!(total, 32768, "vector {i}");
        assert_eq!(
            k,
            nums.iter().filter(|&&v| v > 0).count(),
            "vector {i}: support"
        );
        for (j, (&got, &num)) in p.iter().zip(&nums).enumerate() {
            let fl = num / den;
            let ce = (num + den - 1) / den;
            let g = i128::from(got);
            assert!(
                g == fl || g == ce,
                "vector {i}[{j}]: {got} not in [{fl}, {ce}]"
            );
        }
    }
}
