//! Seeded softmax rows and the softmax contract check, shared by the float and the FPU-free
//! differential tests (`softmax_differential.rs`, `softmax_nofpu_differential.rs`).
#![allow(dead_code)]

use testvectors::{suites, Rng};

pub const TINY: f64 = 1.175_494_350_822_287_5e-38; // 2^-126
pub const SUB_ABS: f64 = 4.0 * 1.401_298_464_324_817e-45; // 4·2^-149

/// Vector `i` of a suite: length and shape from the index.
pub fn vector(name: &str, i: u32) -> Vec<f32> {
    let mut rng = Rng::new(suites::seed(name, i));
    let n = if i.is_multiple_of(32) {
        1 + rng.below(4096) as usize
    } else {
        1 + rng.below(256) as usize
    };
    let mut x = vec![0.0f32; n];
    match i % 7 {
        0 => rng.fill_uniform(&mut x, -8.0, 8.0),
        1 => rng.fill_uniform(&mut x, -100.0, 100.0),
        2 => {
            rng.fill_uniform(&mut x, -1.0, 1.0);
            let k = rng.below(n as u32) as usize;
            x[k] = 30.0;
        }
        3 => rng.fill_uniform(&mut x, -3.0e38, 3.0e38),
        4 => {
            let base = rng.uniform_f32(-1000.0, 1000.0);
            for v in x.iter_mut() {
                *v = base + rng.below(4) as f32 * 0.5;
            }
        }
        5 => {
            let c = rng.uniform_f32(-400.0, 400.0);
            rng.fill_uniform(&mut x, c - 20.0, c + 20.0);
            for v in x.iter_mut() {
                match rng.below(16) {
                    0 => *v = f32::NEG_INFINITY,
                    1 if i.is_multiple_of(5) => *v = f32::INFINITY,
                    _ => {}
                }
            }
        }
        _ => {
            // Values spanning the whole exponent range, both signs.
            for v in x.iter_mut() {
                let e = rng.below(140) as i32 - 20;
                let m = rng.uniform_f32(1.0, 2.0) * if rng.below(2) == 0 { 1.0 } else { -1.0 };
                *v = m * 2f32.powi(e);
            }
        }
    }
    x
}

/// Checks one softmax output; returns the worst relative error over outputs ≥ 2^−126.
pub fn check(what: &str, i: u32, x: &[f32], y: &[f32], r: &[f64]) -> f64 {
    let mut worst = 0.0f64;
    let mut sum = 0.0f64;
    for (k, (&g, &e)) in y.iter().zip(r).enumerate() {
        assert!(g.is_finite(), "{what} vector {i}[{k}]: {g}");
        let err = (f64::from(g) - e).abs();
        if e >= TINY {
            let rel = err / e;
            assert!(
                rel <= 5e-7,
                "{what} vector {i}[{k}]: got {g}, want {e}, rel {rel:e}"
            );
            worst = worst.max(rel);
        } else {
            assert!(
                err <= SUB_ABS,
                "{what} vector {i}[{k}]: got {g:e}, want {e:e}"
            );
        }
        if x.get(k) == Some(&f32::NEG_INFINITY) {
            assert_eq!(g, 0.0);
        }
        sum += f64::from(g);
    }
    let tol = y.len() as f64 * 2f64.powi(-24);
    assert!((sum - 1.0).abs() <= tol, "{what} vector {i}: sum {sum}");
    worst
}

/// Tolerance of the log-domain outputs: 2e−6 scaled by max(|w|, 1).
pub fn log_tol(w: f64) -> f64 {
    2e-6 * w.abs().max(1.0)
}

/// Checks a log_softmax output `y = x − l` (l the f64 log-sum-exp, finite): entries whose
/// exact value is below −f32::MAX must be −∞. Returns the worst scaled absolute error.
pub fn check_log_softmax(i: u32, x: &[f32], y: &[f32], l: f64) -> f64 {
    let mut worst = 0.0f64;
    for (k, (&g, &v)) in y.iter().zip(x).enumerate() {
        let w = f64::from(v) - l;
        if w.is_infinite() || w < -f64::from(f32::MAX) {
            assert_eq!(g, f32::NEG_INFINITY, "vector {i}[{k}]");
            continue;
        }
        let err = (f64::from(g) - w).abs();
        assert!(
            err <= log_tol(w),
            "log_softmax vector {i}[{k}]: got {g}, want {w}"
        );
        worst = worst.max(err / w.abs().max(1.0));
    }
    worst
}

/// Checks a cross-entropy loss `g = l − x[target]` (+∞ where that exceeds f32::MAX);
/// returns its scaled absolute error (0 for an infinite loss).
pub fn check_cross_entropy(i: u32, x: &[f32], target: usize, l: f64, g: f32) -> f64 {
    let w = l - f64::from(x[target]);
    let g = f64::from(g);
    if w.is_finite() && w <= f64::from(f32::MAX) {
        assert!(
            (g - w).abs() <= log_tol(w),
            "cross_entropy vector {i}: {g} vs {w}"
        );
        (g - w).abs() / w.abs().max(1.0)
    } else {
        assert_eq!(g, f64::INFINITY, "vector {i}");
        0.0
    }
}
