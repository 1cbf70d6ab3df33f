//! Differential tests: `mcu_kernels::softmax` against the f64 reference over seeded vectors.
//!
//! Contract checked (against f64 softmax of the same f32 inputs): outputs ≥ 2^−126 have
//! relative error ≤ 5e−7, smaller outputs absolute error ≤ 4·2^−149, Σy = 1 within N·2^−24;
//! log-softmax / logsumexp / cross-entropy absolute error ≤ 2e−6·max(1, |result|).
//! Sizes 1…4096; shapes: uniform, wide uniform, peaked, huge magnitudes, ties, ±∞ mixed in.

use host::reference::softmax as reference;
use testvectors::{suites, Rng};

#[path = "common/softmax_rows.rs"]
mod softmax_rows;
use softmax_rows::{check, check_cross_entropy, check_log_softmax, log_tol, vector, SUB_ABS};

fn softmax_suite(
    what: &str,
    count: u32,
    f: fn(&[f32], &mut [f32]) -> Result<(), mcu_kernels::Error>,
) {
    let mut worst = 0.0f64;
    for i in 0..count {
        let x = vector(what, i);
        let mut y = vec![0.0f32; x.len()];
        let got = f(&x, &mut y);
        match reference::softmax(&x) {
            None => assert!(got.is_err(), "{what} vector {i}: expected an error"),
            Some(r) => {
                got.unwrap();
                worst = worst.max(check(what, i, &x, &y, &r));
            }
        }
    }
    println!("{what}: {count} vectors, worst relative error {worst:e}");
}

#[test]
fn three_pass_matches_f64_reference() {
    softmax_suite("three_pass", 100_000, mcu_kernels::softmax::three_pass);
}

#[test]
fn anchored_matches_f64_reference() {
    softmax_suite("anchored", 100_000, mcu_kernels::softmax::anchored);
}

/// Rows built for the anchored pass: the first element between far below and just below the
/// maximum, so that both the accepted pass and the fallback are exercised near their edges.
#[test]
fn anchored_near_its_acceptance_edges() {
    let mut worst = 0.0f64;
    for i in 0..20_000u32 {
        let mut rng = Rng::new(suites::seed("anchored_edges", i));
        let n = 1 + rng.below(300) as usize;
        let mut x = vec![0.0f32; n];
        let x0 = rng.uniform_f32(-127.9, 127.9);
        let above = rng.uniform_f32(0.0, 80.0);
        let below = rng.uniform_f32(0.0, 120.0);
        rng.fill_uniform(&mut x, x0 - below, x0 + above);
        x[0] = x0;
        let r = reference::softmax(&x).unwrap();
        let mut y = vec![0.0f32; n];
        mcu_kernels::softmax::anchored(&x, &mut y).unwrap();
        worst = worst.max(check("anchored_edges", i, &x, &y, &r));
    }
    println!("anchored edges: worst relative error {worst:e}");
}

#[test]
fn two_pass_matches_f64_reference() {
    softmax_suite("two_pass", 20_000, mcu_kernels::softmax::two_pass);
}

#[test]
fn in_place_and_aliases_are_bit_identical() {
    for i in 0..2_000 {
        let x = vector("in_place", i);
        let mut a = vec![0.0f32; x.len()];
        let ra = mcu_kernels::softmax::three_pass(&x, &mut a);
        let mut b = vec![0.0f32; x.len()];
        let rb = mcu_kernels::softmax::softmax_in_place({
            b.copy_from_slice(&x);
            &mut b
        });
        let mut c = x.clone();
        let rc = mcu_kernels::softmax::three_pass_in_place(&mut c);
        let mut d = vec![0.0f32; x.len()];
        let rd = mcu_kernels::softmax::softmax(&x, &mut d);
        let mut e = vec![0.0f32; x.len()];
        let re = mcu_kernels::softmax::anchored(&x, &mut e);
        assert_eq!(ra, rb);
        assert_eq!(ra, rc);
        assert_eq!(ra, rd);
        assert_eq!(ra, re);
        if ra.is_ok() {
            let same =
                |p: &[f32], q: &[f32]| p.iter().zip(q).all(|(p, q)| p.to_bits() == q.to_bits());
            assert!(
                same(&a, &b) && same(&a, &c),
                "in-place forms are three_pass"
            );
            assert!(same(&d, &e), "softmax is anchored");
        }
    }
}

#[test]
fn log_family_matches_f64_reference() {
    let mut worst = 0.0f64;
    for i in 0..20_000 {
        let x = vector("log_softmax", i);
        let mut y = vec![0.0f32; x.len()];
        let got = mcu_kernels::softmax::log_softmax(&x, &mut y);
        let lse = mcu_kernels::softmax::logsumexp(&x);
        let target = i as usize % x.len();
        let ce = mcu_kernels::softmax::cross_entropy(&x, target, None);
        let Some(l) = reference::logsumexp(&x) else {
            assert!(got.is_err() && lse.is_err() && ce.is_err(), "vector {i}");
            continue;
        };
        let lse = f64::from(lse.unwrap());
        if l.is_infinite() {
            assert_eq!(lse, l);
            continue;
        }
        got.unwrap();
        assert!(
            (lse - l).abs() <= log_tol(l),
            "lse vector {i}: {lse} vs {l}"
        );
        worst = worst.max(check_log_softmax(i, &x, &y, l));
        check_cross_entropy(i, &x, target, l, ce.unwrap());
    }
    println!("log_softmax: worst scaled absolute error {worst:e}");
}

#[test]
fn cross_entropy_gradient() {
    for i in 0..5_000 {
        let x = vector("cross_entropy", i);
        let t = (i as usize * 7) % x.len();
        let mut g = vec![0.0f32; x.len()];
        let got = mcu_kernels::softmax::cross_entropy(&x, t, Some(&mut g));
        let Some(r) = reference::softmax(&x) else {
            assert!(got.is_err());
            continue;
        };
        got.unwrap();
        for (k, (&gk, &p)) in g.iter().zip(&r).enumerate() {
            let want = p - if k == t { 1.0 } else { 0.0 };
            let err = (f64::from(gk) - want).abs();
            assert!(
                err <= 5e-7 * p + 6e-8 * f64::from(u8::from(k == t)) + SUB_ABS,
                "vector {i}[{k}]: {gk} vs {want}"
            );
        }
    }
}

#[test]
fn stablemax_matches_f64_reference() {
    for i in 0..5_000 {
        let x = vector("stablemax", i);
        let mut y = vec![0.0f32; x.len()];
        let got = mcu_kernels::softmax::stablemax(&x, &mut y);
        let Some(r) = reference::stablemax(&x) else {
            continue;
        };
        got.unwrap();
        for (&g, &e) in y.iter().zip(&r) {
            let err = (f64::from(g) - e).abs();
            assert!(err <= 6e-7 * e + 1.2e-38, "vector {i}: {g} vs {e}");
        }
    }
}

/// N = 2^20: a plain f32 sum would be off by ~1e-4 relative here.
#[test]
fn large_n() {
    let n = 1usize << 20;
    let mut rng = Rng::new(7);
    let mut shapes: Vec<Vec<f32>> = vec![vec![0.25f32; n], vec![-3e38f32; n]];
    let mut u = vec![0.0f32; n];
    rng.fill_uniform(&mut u, -8.0, 8.0);
    shapes.push(u);
    let mut p = vec![0.0f32; n];
    rng.fill_uniform(&mut p, -1.0, 1.0);
    p[12345] = 15.0;
    shapes.push(p);
    for (s, x) in shapes.iter().enumerate() {
        let r = reference::softmax(x).unwrap();
        for f in [
            mcu_kernels::softmax::three_pass,
            mcu_kernels::softmax::two_pass,
            mcu_kernels::softmax::anchored,
        ] {
            let mut y = vec![0.0f32; n];
            f(x, &mut y).unwrap();
            let w = check("large_n", s as u32, x, &y, &r);
            println!("large N shape {s}: worst relative error {w:e}");
        }
        let l = reference::logsumexp(x).unwrap();
        let got = f64::from(mcu_kernels::softmax::logsumexp(x).unwrap());
        assert!((got - l).abs() <= 2e-6 * l.abs().max(1.0), "{got} vs {l}");
    }
}
