//! The solvers' f64 top-k simplex projection against the f32 kernel
//! `mcu_kernels::sparsemax::project_topk_simplex` (differential), and its invariants (proptest).
mod common;
use common::Rng;
use host::solvers::ot::projection::{project_simplex_in_place, topk_simplex};
use mcu_kernels::sparsemax::project_topk_simplex;
use proptest::prelude::*;

#[test]
fn f32_kernel_matches_f64_projection_on_seeded_inputs() {
    let mut rng = Rng(2024);
    let mut worst = 0.0f64;
    for case in 0..20_000 {
        let n = 1 + (rng.next_u64() % 64) as usize;
        let k = 1 + (rng.next_u64() % (n as u64 + 2)) as usize;
        let scale = [0.1, 1.0, 10.0][case % 3];
        let z32: Vec<f32> = (0..n).map(|_| (rng.normal() * scale) as f32).collect();
        let z64: Vec<f64> = z32.iter().map(|&v| f64::from(v)).collect();
        let mut out = vec![0.0f32; n];
        let support = project_topk_simplex(&z32, k, &mut out).expect("valid input");
        let p = topk_simplex(&z64, k);
        assert_eq!(
            support,
            p.iter().filter(|&&v| v > 0.0).count(),
            "case {case}"
        );
        for (a, b) in out.iter().zip(&p) {
            let d = (f64::from(*a) - b).abs();
            worst = worst.max(d);
            assert!(d <= 2e-6 * scale.max(1.0), "case {case}: {a} vs {b}");
        }
    }
    println!("max |p32 − p64| = {worst:.3e}");
}

#[test]
fn ties_break_towards_lower_indices_like_the_kernel() {
    let z = [1.0f32, 1.0, 1.0, 0.0];
    let mut out = [0.0f32; 4];
    project_topk_simplex(&z, 2, &mut out).unwrap();
    let p = topk_simplex(&[1.0, 1.0, 1.0, 0.0], 2);
    assert_eq!(p, vec![0.5, 0.5, 0.0, 0.0]);
    assert_eq!(out, [0.5, 0.5, 0.0, 0.0]);
}

proptest! {
    #[test]
    fn topk_projection_invariants(z in prop::collection::vec(-50.0f64..50.0, 1..40), k in 1usize..50) {
        let p = topk_simplex(&z, k);
        prop_assert!(p.iter().all(|&v| v >= 0.0));
        prop_assert!(p.iter().filter(|&&v| v > 0.0).count() <= k);
        prop_assert!((p.iter().sum::<f64>() - 1.0).abs() <= 1e-12);
        // Optimality against the full simplex projection when k ≥ n.
        if k >= z.len() {
            let mut q = z.clone();
            project_simplex_in_place(&mut q, 1.0, &mut Vec::new());
            for (a, b) in p.iter().zip(&q) {
                prop_assert!((a - b).abs() <= 1e-12);
            }
        }
    }

    #[test]
    fn simplex_projection_is_closest_point(z in prop::collection::vec(-5.0f64..5.0, 2..12), s in 0.5f64..3.0) {
        let mut p = z.clone();
        project_simplex_in_place(&mut p, s, &mut Vec::new());
        prop_assert!((p.iter().sum::<f64>() - s).abs() <= 1e-12);
        // Variational inequality: (z − p)ᵀ(q − p) ≤ 0 for vertices q = s·e_i.
        for i in 0..z.len() {
            let mut v = 0.0;
            for (j, (&zj, &pj)) in z.iter().zip(&p).enumerate() {
                let qj = if i == j { s } else { 0.0 };
                v += (zj - pj) * (qj - pj);
            }
            prop_assert!(v <= 1e-9);
        }
    }
}
