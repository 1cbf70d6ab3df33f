//! Differential tests of the FPU-free softmax family (`mcu_kernels::softmax::nofpu`) against the
//! f64 reference over seeded vectors, with the contracts of the float forms: outputs ≥ 2^−126
//! within 5e−7 relative, smaller ones within 4·2^−149 absolute, Σy = 1 within N·2^−24;
//! log-softmax / cross-entropy absolute error ≤ 2e−6·max(1, |result|); gradient as the
//! softmax plus half an ulp at the target. 100,000 vectors per kernel, sizes 1…4096, shapes:
//! uniform, wide uniform, peaked, ±3e38, ties, ±∞ mixed in, the whole exponent range.
//! Also: the default entry points are the float forms on the host (FPU path), bit for bit.

use host::reference::softmax as reference;
use mcu_kernels::softmax::nofpu;

#[path = "common/softmax_rows.rs"]
mod softmax_rows;
use softmax_rows::{check, check_cross_entropy, check_log_softmax, log_tol, vector, SUB_ABS};

#[test]
fn softmax_matches_f64_reference() {
    let mut worst = 0.0f64;
    for i in 0..100_000 {
        let x = vector("nofpu::softmax", i);
        let mut y = vec![0.0f32; x.len()];
        let got = nofpu::softmax(&x, &mut y);
        match reference::softmax(&x) {
            None => assert!(got.is_err(), "vector {i}: expected an error"),
            Some(r) => {
                got.unwrap();
                worst = worst.max(check("nofpu::softmax", i, &x, &y, &r));
            }
        }
    }
    println!("nofpu::softmax: worst relative error {worst:e}");
}

#[test]
fn log_softmax_and_cross_entropy_match_f64_reference() {
    let (mut worst_l, mut worst_ce) = (0.0f64, 0.0f64);
    for i in 0..100_000 {
        let x = vector("nofpu::log_softmax", i);
        let mut y = vec![0.0f32; x.len()];
        let got = nofpu::log_softmax(&x, &mut y);
        let target = (i as usize * 13) % x.len();
        let ce = nofpu::cross_entropy(&x, target, None);
        let Some(l) = reference::logsumexp(&x) else {
            assert!(got.is_err() && ce.is_err(), "vector {i}");
            continue;
        };
        got.unwrap();
        if l.is_infinite() {
            // +∞ logits: those get −ln(count), the others −∞.
            let count = x.iter().filter(|v| **v == f32::INFINITY).count() as f64;
            for (&g, &v) in y.iter().zip(&x) {
                if v == f32::INFINITY {
                    assert!((f64::from(g) + count.ln()).abs() <= log_tol(count.ln()));
                } else {
                    assert_eq!(g, f32::NEG_INFINITY);
                }
            }
            continue;
        }
        worst_l = worst_l.max(check_log_softmax(i, &x, &y, l));
        worst_ce = worst_ce.max(check_cross_entropy(i, &x, target, l, ce.unwrap()));
    }
    println!("nofpu::log_softmax: worst scaled absolute error {worst_l:e}");
    println!("nofpu::cross_entropy: worst scaled absolute error {worst_ce:e}");
}

#[test]
fn cross_entropy_gradient_matches_f64_reference() {
    for i in 0..100_000 {
        let x = vector("nofpu::cross_entropy", i);
        let t = (i as usize * 7) % x.len();
        let mut g = vec![0.0f32; x.len()];
        let got = nofpu::cross_entropy(&x, t, Some(&mut g));
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

/// Accumulator edge: a row of 2^20 equal logits (the largest N of the contract) and one of
/// 2^20 logits at the maximum with one far below; the sum holds N·2^48 in two words.
#[test]
fn long_rows_keep_the_contract() {
    let n = 1 << 20;
    let x = vec![3.5f32; n];
    let mut y = vec![0.0f32; n];
    nofpu::softmax(&x, &mut y).unwrap();
    let want = 1.0 / n as f64;
    assert!(y
        .iter()
        .all(|&v| (f64::from(v) - want).abs() <= 5e-7 * want));
    let mut l = vec![0.0f32; n];
    nofpu::log_softmax(&x, &mut l).unwrap();
    let lw = -(n as f64).ln();
    assert!(l
        .iter()
        .all(|&v| (f64::from(v) - lw).abs() <= 2e-6 * lw.abs()));
    let ce = nofpu::cross_entropy(&x, n - 1, None).unwrap();
    assert!((f64::from(ce) + lw).abs() <= 2e-6 * lw.abs());
}

/// On the host the default entry points are the float forms, bit for bit.
#[test]
fn host_defaults_are_the_float_forms() {
    const { assert!(!mcu_kernels::math::INT_PATH) };
    for i in 0..500 {
        let x = vector("defaults", i);
        let (mut a, mut b) = (vec![0.0f32; x.len()], vec![0.0f32; x.len()]);
        let ra = mcu_kernels::softmax::softmax(&x, &mut a);
        let rb = mcu_kernels::softmax::fpu::softmax(&x, &mut b);
        assert_eq!(ra, rb);
        assert!(a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()));
        let ra = mcu_kernels::softmax::log_softmax(&x, &mut a);
        let rb = mcu_kernels::softmax::fpu::log_softmax(&x, &mut b);
        assert_eq!(ra, rb);
        assert!(a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()));
        let ca = mcu_kernels::softmax::cross_entropy(&x, 0, Some(&mut a));
        let cb = mcu_kernels::softmax::fpu::cross_entropy(&x, 0, Some(&mut b));
        assert_eq!(ca.map(f32::to_bits), cb.map(f32::to_bits));
    }
}
