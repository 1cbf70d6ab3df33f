//! Differential tests of the FPU-free Z-loss and entmax-1.5 (`mcu_kernels::zloss::nofpu`,
//! `mcu_kernels::sparsemax::nofpu`) against the f64 references over 100,000 seeded vectors per
//! kernel, sizes 1…4096, with the contracts of the float forms: Z-loss ≤ 1e−6 relative (losses
//! ≥ 1e−30) and gradient components within 1e−6·‖∇L‖; entmax-1.5 |p − p64| ≤ 2^−21 and
//! |Σp − 1| ≤ N·2^−23. Shapes: uniform, offsets to 10^6, ±3e38 (spreads overflowing f32),
//! scales 2^±100, ties, a dominant output, −∞ mixed in (entmax), geometric spacing. Also:
//! property tests that the integer and float forms agree within their bounds, and that the
//! default entry points are the forms `math::INT_PATH` selects (the float forms on the host).

use host::reference::sparsemax as rs;
use mcu_kernels::{sparsemax, zloss};
use proptest::prelude::*;
use testvectors::Rng;

#[path = "common/zloss_check.rs"]
mod zloss_check;
use zloss_check::ZlossWorst;

/// Vector `i`: length and shape from the index (every 32nd up to 4096 long).
fn vector(seed: u64, i: u32, neg_inf: bool) -> Vec<f32> {
    let mut rng = Rng::new(seed | u64::from(i));
    let n = if i.is_multiple_of(32) {
        1 + rng.below(4096) as usize
    } else {
        1 + rng.below(256) as usize
    };
    let mut x = vec![0.0f32; n];
    match i % 8 {
        0 => rng.fill_uniform(&mut x, -8.0, 8.0),
        1 => {
            let off = rng.uniform_f32(-1.0e6, 1.0e6);
            for v in x.iter_mut() {
                *v = off + rng.uniform_f32(-4.0, 4.0);
            }
        }
        2 => rng.fill_uniform(&mut x, -3.0e38, 3.0e38),
        3 => {
            let s = 2f32.powi(rng.below(200) as i32 - 100);
            for v in x.iter_mut() {
                *v = rng.uniform_f32(-1.0, 1.0) * s;
            }
        }
        4 => {
            // Ties.
            let base = rng.uniform_f32(-100.0, 100.0);
            for v in x.iter_mut() {
                *v = base + rng.below(4) as f32 * 0.25;
            }
        }
        5 => {
            rng.fill_uniform(&mut x, -1.0, 1.0);
            let k = rng.below(n as u32) as usize;
            x[k] = 50.0;
        }
        6 => {
            rng.fill_uniform(&mut x, -3.0, 3.0);
            if neg_inf {
                for v in x.iter_mut() {
                    if rng.below(6) == 0 {
                        *v = f32::NEG_INFINITY;
                    }
                }
            }
        }
        _ => {
            // Geometric spacing near the maximum (entmax: many support candidates).
            for (k, v) in x.iter_mut().enumerate() {
                *v = 1.0 - 0.9f32.powi(k as i32 % 40) + rng.uniform_f32(0.0, 1e-3);
            }
        }
    }
    x
}

#[test]
fn zloss_matches_f64_reference() {
    let mut worst = ZlossWorst::default();
    for i in 0..100_000u32 {
        let o = vector(0x2118_0000_0000, i, false);
        let d = o.len();
        let mut rng = Rng::new(0x2119_0000_0000 | u64::from(i));
        let c = rng.below(d as u32) as usize;
        let a = 2f32.powf(rng.uniform_f32(-3.0, 3.3));
        let b = rng.uniform_f32(-3.0, 3.0);
        let mut g = vec![0.0f32; d];
        let l = zloss::nofpu::zloss(&o, c, a, b).unwrap();
        let l2 = zloss::nofpu::zloss_grad(&o, c, a, b, &mut g).unwrap();
        assert_eq!(l.to_bits(), l2.to_bits());
        worst.check(i, &o, c, a, b, l, &g);
    }
    assert!(worst.checked > 90_000);
    println!(
        "zloss::nofpu: worst relative loss error {:e}, worst gradient error / norm {:e}",
        worst.loss, worst.grad
    );
}

#[test]
fn entmax15_matches_f64_reference() {
    let (mut worst, mut worst_sum) = (0.0f64, 0.0f64);
    for i in 0..100_000u32 {
        let z = vector(0xE176_0000_0000, i, true);
        let n = z.len();
        let mut p = vec![0.0f32; n];
        let got = sparsemax::nofpu::entmax15(&z, &mut p);
        let Some(pr) = rs::entmax15(&z) else {
            assert!(got.is_err(), "vector {i}");
            continue;
        };
        got.unwrap();
        for j in 0..n {
            let e = (f64::from(p[j]) - pr[j]).abs();
            worst = worst.max(e);
            assert!(
                e <= 2f64.powi(-21),
                "vector {i}[{j}]: {} vs {}",
                p[j],
                pr[j]
            );
            if z[j] == f32::NEG_INFINITY {
                assert_eq!(p[j], 0.0);
            }
        }
        let sum: f64 = p.iter().map(|&v| f64::from(v)).sum();
        worst_sum = worst_sum.max((sum - 1.0).abs() / n as f64);
        assert!(
            (sum - 1.0).abs() <= n as f64 * 2f64.powi(-23),
            "vector {i}: sum {sum}"
        );
    }
    println!("entmax15::nofpu: worst |p − p64| {worst:e}, worst |Σp − 1|/N {worst_sum:e}");
}

/// The default entry points are the forms `math::INT_PATH` names, bit for bit (on the host,
/// the FPU path: the float forms).
#[test]
fn defaults_are_the_selected_forms() {
    type Slice = fn(&[f32], &mut [f32]) -> Result<(), mcu_kernels::Error>;
    type Grad = fn(&[f32], usize, f32, f32, &mut [f32]) -> Result<f32, mcu_kernels::Error>;
    type Loss = fn(&[f32], usize, f32, f32) -> Result<f32, mcu_kernels::Error>;
    let (entmax, grad, loss): (Slice, Grad, Loss) = if mcu_kernels::math::INT_PATH {
        (
            sparsemax::nofpu::entmax15,
            zloss::nofpu::zloss_grad,
            zloss::nofpu::zloss,
        )
    } else {
        (
            sparsemax::fpu::entmax15,
            zloss::fpu::zloss_grad,
            zloss::fpu::zloss,
        )
    };
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for i in 0..200u32 {
        let x = vector(0xDEF0_0000_0000, i, false);
        let n = x.len();
        let (mut a, mut b) = (vec![0.0f32; n], vec![0.0f32; n]);
        assert_eq!(sparsemax::entmax15(&x, &mut a), entmax(&x, &mut b));
        assert_eq!(bits(&a), bits(&b));
        let la = zloss::zloss_grad(&x, 0, 1.5, 0.5, &mut a);
        let lb = grad(&x, 0, 1.5, 0.5, &mut b);
        assert_eq!(la.map(f32::to_bits), lb.map(f32::to_bits));
        assert_eq!(bits(&a), bits(&b));
        assert_eq!(
            zloss::zloss(&x, 0, 1.5, 0.5).map(f32::to_bits),
            loss(&x, 0, 1.5, 0.5).map(f32::to_bits)
        );
    }
}

proptest! {
    /// The integer and float entmax-1.5 agree within the sum of their contracts (2·2^−21
    /// absolute) and fail on the same inputs.
    #[test]
    fn integer_and_float_entmax15_agree(
        z in proptest::collection::vec(
            prop_oneof![-10.0f32..10.0, any::<f32>(), Just(f32::NEG_INFINITY), Just(1.0f32)],
            1..64,
        )
    ) {
        let n = z.len();
        let (mut a, mut b) = (vec![0.0f32; n], vec![0.0f32; n]);
        let ra = sparsemax::nofpu::entmax15(&z, &mut a);
        let rb = sparsemax::fpu::entmax15(&z, &mut b);
        prop_assert_eq!(ra, rb);
        if ra.is_ok() {
            for (p, q) in a.iter().zip(&b) {
                prop_assert!((p - q).abs() <= 2.0 * 2f32.powi(-21), "{:e} {:e}", p, q);
            }
        }
    }

    /// The integer and float Z-loss agree within the sum of their contracts (2e−6 relative
    /// on the loss, 2e−6·‖∇L‖ on the gradient) and fail on the same inputs.
    #[test]
    fn integer_and_float_zloss_agree(
        o in proptest::collection::vec(
            prop_oneof![-100.0f32..100.0, any::<f32>(), Just(0.5f32)],
            1..64,
        ),
        c in 0usize..70,
        a in prop_oneof![0.1f32..8.0, any::<f32>()],
        b in prop_oneof![-3.0f32..3.0, any::<f32>()],
    ) {
        let n = o.len();
        let (mut ga, mut gb) = (vec![0.0f32; n], vec![0.0f32; n]);
        let la = zloss::nofpu::zloss_grad(&o, c, a, b, &mut ga);
        let lb = zloss::fpu::zloss_grad(&o, c, a, b, &mut gb);
        prop_assert_eq!(la.is_ok(), lb.is_ok());
        prop_assert_eq!(la.err(), lb.err());
        if let (Ok(p), Ok(q)) = (la, lb) {
            if q.is_finite() && q >= 1e-30 {
                prop_assert!(((p - q) / q).abs() <= 2e-6, "{} {}", p, q);
            }
            let norm = gb.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>().sqrt();
            if norm.is_finite() && norm > 1e-30 {
                for (x, y) in ga.iter().zip(&gb) {
                    // The float form's own error can reach 1e−6·‖∇L‖ where the true gradient
                    // vanishes (its docs exclude D − 1 − z_c² ≈ 0): compare on the norm.
                    prop_assert!(
                        (f64::from(*x) - f64::from(*y)).abs() <= 2e-6 * norm + 1e-44,
                        "{:e} {:e} (norm {:e})", x, y, norm
                    );
                }
            }
        }
    }
}
