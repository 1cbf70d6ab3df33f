//! Property tests for `mcu_kernels::zloss`: invariance under o → α·o + β (α > 0), σ = 0,
//! gradient against finite differences, and edge cases.

use mcu_kernels::zloss::*;
use mcu_kernels::Error;
use proptest::prelude::*;

/// Outputs on a coarse grid so that α·o + β is exact in f32 for the α, β used below.
fn grid_outputs() -> impl Strategy<Value = Vec<f32>> {
    prop::collection::vec((-1024i32..1024).prop_map(|k| k as f32 / 64.0), 2..64)
}

fn ulps(a: f32, b: f32) -> u32 {
    (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as u32
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn affine_invariance(o in grid_outputs(), e in -60i32..60, alpha_odd in prop::sample::select(vec![1.0f32, 3.0, 5.0, 7.0]),
                         beta in -4096i32..4096, c_seed in any::<usize>(), a in 0.05f32..8.0, b in -3.0f32..3.0) {
        let c = c_seed % o.len();
        let alpha = alpha_odd * 2f32.powi(e);
        let beta = beta as f32 * 2f32.powi(e);
        // α·o + β is exact: |o·64| < 2^10, α's odd part < 2^3, β on the same 2^(e−6) grid.
        let t: Vec<f32> = o.iter().map(|&v| v * alpha + beta).collect();
        let l0 = zloss(&o, c, a, b).unwrap();
        let l1 = zloss(&t, c, a, b).unwrap();
        prop_assert!(ulps(l0, l1) <= 4, "{} vs {}", l0, l1);
    }

    #[test]
    fn gradient_matches_finite_differences(o in grid_outputs(), c_seed in any::<usize>(), a in 0.1f32..4.0, b in -2.0f32..2.0) {
        let c = c_seed % o.len();
        prop_assume!(o.iter().any(|&v| v != o[0]));
        let mut g = vec![0.0f32; o.len()];
        zloss_grad(&o, c, a, b, &mut g).unwrap();
        // Central differences in f64 on the reference.
        let h = 1e-6f64;
        for k in 0..o.len() {
            let f = |d: f64| {
                let mut x: Vec<f64> = o.iter().map(|&v| f64::from(v)).collect();
                x[k] += d;
                let n = x.len() as f64;
                let mu = x.iter().sum::<f64>() / n;
                let s = (x.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / n).sqrt();
                let u = f64::from(a) * (f64::from(b) - (x[c] - mu) / s);
                (if u > 0.0 { u + (-u).exp().ln_1p() } else { u.exp().ln_1p() }) / f64::from(a)
            };
            let fd = (f(h) - f(-h)) / (2.0 * h);
            prop_assert!((fd - f64::from(g[k])).abs() <= 1e-4 * (1.0 + fd.abs()), "k {}: {} vs {}", k, fd, g[k]);
        }
    }
}

#[test]
fn sigma_zero_and_edges() {
    let mut g = [9.0f32; 4];
    let l = zloss_grad(&[2.5; 4], 3, 2.0, 0.5, &mut g).unwrap();
    // z_c = 0: L = softplus(a·b)/a.
    let want = (1.0f64.exp().ln_1p()) / 2.0;
    assert!(((f64::from(l) - want) / want).abs() < 1e-6);
    assert_eq!(g, [0.0; 4]);
    assert_eq!(
        zloss_s8(&[3, 3, 3], 0, 1.0, 0.0).unwrap(),
        zloss(&[1.0; 3], 0, 1.0, 0.0).unwrap()
    );
    assert_eq!(zloss(&[], 0, 1.0, 0.0), Err(Error::Empty));
    assert_eq!(zloss_s8(&[], 0, 1.0, 0.0), Err(Error::Empty));
    assert_eq!(
        zloss(&[1.0, 2.0], 2, 1.0, 0.0),
        Err(Error::IndexOutOfRange { index: 2, len: 2 })
    );
    assert_eq!(
        zloss_s16(&[1, 2], 5, 1.0, 0.0),
        Err(Error::IndexOutOfRange { index: 5, len: 2 })
    );
    for a in [0.0f32, -1.0, f32::NAN, f32::INFINITY] {
        assert!(matches!(
            zloss(&[1.0, 2.0], 0, a, 0.0),
            Err(Error::BadParameter(_))
        ));
        assert!(matches!(
            zloss_s8(&[1, 2], 0, a, 0.0),
            Err(Error::BadParameter(_))
        ));
    }
    for b in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        assert!(matches!(
            zloss(&[1.0, 2.0], 0, 1.0, b),
            Err(Error::BadParameter(_))
        ));
    }
    assert_eq!(zloss(&[1.0, f32::NAN], 0, 1.0, 0.0), Err(Error::NanInput));
    assert!(matches!(
        zloss(&[1.0, f32::NEG_INFINITY], 0, 1.0, 0.0),
        Err(Error::BadParameter(_))
    ));
    assert!(matches!(
        zloss_grad(&[1.0, 2.0], 0, 1.0, 0.0, &mut g),
        Err(Error::LengthMismatch { .. })
    ));
    // Overflow-safe softplus: huge a·(b − z).
    let l = zloss(&[0.0, 1.0], 0, 1e20, 1e20).unwrap();
    assert!(((f64::from(l) - 1e20) / 1e20).abs() < 1e-6);
    // Extreme magnitudes.
    let l = zloss(&[f32::MAX, -f32::MAX, 0.0, 1.0], 0, 1.0, 0.0).unwrap();
    assert!(l.is_finite() && l > 0.0);
    let tiny = f32::from_bits(1);
    let l1 = zloss(&[tiny, 0.0, 0.0, 0.0], 0, 1.0, 0.0).unwrap();
    let l2 = zloss(&[1.0, 0.0, 0.0, 0.0], 0, 1.0, 0.0).unwrap();
    assert_eq!(l1, l2);
}
