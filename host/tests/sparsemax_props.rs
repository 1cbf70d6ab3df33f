//! Property tests for `mcu_kernels::sparsemax`: simplex, support rule, optimality (KKT), shift
//! invariance, JVP against finite differences, and the sparsity of the top-k projection.

use mcu_kernels::sparsemax::*;
use proptest::prelude::*;

/// Logits on a 2^−10 grid so that shifting by an integer is exact in f32.
fn grid_logits() -> impl Strategy<Value = Vec<f32>> {
    prop::collection::vec((-8192i32..8192).prop_map(|k| k as f32 / 1024.0), 1..80)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn simplex_support_and_kkt(z in grid_logits()) {
        let n = z.len();
        let mut p = vec![0.0f32; n];
        let t = sparsemax_threshold(&z, &mut p).unwrap();
        let sum: f64 = p.iter().map(|&v| f64::from(v)).sum();
        prop_assert!((sum - 1.0).abs() <= n as f64 * 2f64.powi(-24));
        prop_assert!(p.iter().all(|&v| v >= 0.0));
        let mut count = 0;
        for (&zi, &pi) in z.iter().zip(&p) {
            let y = zi - t.shift;
            if y > t.tau {
                count += 1;
                // z − p = τ on the support.
                prop_assert!((f64::from(y) - f64::from(pi) - f64::from(t.tau)).abs() <= 2f64.powi(-24));
            } else {
                // z ≤ τ off the support, with p = 0.
                prop_assert_eq!(pi, 0.0);
            }
        }
        prop_assert_eq!(count, t.support);
        // The sort-based baseline agrees.
        let mut q = vec![0.0f32; n];
        prop_assert_eq!(sparsemax_sort(&z, &mut q).unwrap(), t.support);
        for (a, b) in p.iter().zip(&q) {
            prop_assert!((a - b).abs() <= 2f32.powi(-22));
        }
    }

    #[test]
    fn shift_invariance(z in grid_logits(), c in -1000i32..1000) {
        let n = z.len();
        let zs: Vec<f32> = z.iter().map(|&v| v + c as f32).collect();
        let (mut p, mut q) = (vec![0.0f32; n], vec![0.0f32; n]);
        let a = sparsemax(&z, &mut p).unwrap();
        let b = sparsemax(&zs, &mut q).unwrap();
        prop_assert_eq!(a, b);
        prop_assert_eq!(&p, &q);
        entmax15(&z, &mut p).unwrap();
        entmax15(&zs, &mut q).unwrap();
        prop_assert_eq!(&p, &q);
        let k = 1 + (c.unsigned_abs() as usize % n);
        project_topk_simplex(&z, k, &mut p).unwrap();
        project_topk_simplex(&zs, k, &mut q).unwrap();
        prop_assert_eq!(&p, &q);
    }

    #[test]
    fn jvp_matches_finite_differences(z in grid_logits(), seed in any::<u64>()) {
        let n = z.len();
        let mut rng = testvectors::Rng::new(seed);
        let v: Vec<f32> = (0..n).map(|_| rng.uniform_f32(-1.0, 1.0)).collect();
        let h = 2f32.powi(-12);
        let zh: Vec<f32> = z.iter().zip(&v).map(|(&a, &b)| a + h * b).collect();
        let (mut p, mut ph, mut jv) = (vec![0.0f32; n], vec![0.0f32; n], vec![0.0f32; n]);
        sparsemax(&z, &mut p).unwrap();
        sparsemax(&zh, &mut ph).unwrap();
        // Piecewise linear: finite differences are exact while the support is unchanged.
        prop_assume!(p.iter().zip(&ph).all(|(a, b)| (*a > 0.0) == (*b > 0.0)));
        sparsemax_jvp(&p, &v, &mut jv).unwrap();
        for k in 0..n {
            let fd = (f64::from(ph[k]) - f64::from(p[k])) / f64::from(h);
            prop_assert!((fd - f64::from(jv[k])).abs() <= 2e-3, "k {}: fd {} jvp {}", k, fd, jv[k]);
        }
    }

    #[test]
    fn topk_is_k_sparse(z in grid_logits(), k in 1usize..100) {
        let n = z.len();
        let mut p = vec![0.0f32; n];
        let s = project_topk_simplex(&z, k, &mut p).unwrap();
        prop_assert!(s <= k);
        prop_assert_eq!(s, p.iter().filter(|&&v| v > 0.0).count());
        let sum: f64 = p.iter().map(|&v| f64::from(v)).sum();
        prop_assert!((sum - 1.0).abs() <= n as f64 * 2f64.powi(-24));
    }

    #[test]
    fn q15_sums_exactly(z in prop::collection::vec(any::<i16>(), 1..100), f in 0u32..=16) {
        let mut p = vec![0u16; z.len()];
        let k = sparsemax_q15(&z, f, &mut p).unwrap();
        prop_assert_eq!(p.iter().map(|&v| u32::from(v)).sum::<u32>(), 32768);
        prop_assert!(p.iter().filter(|&&v| v > 0).count() <= k);
    }
}

#[test]
fn edge_cases() {
    use mcu_kernels::Error;
    let mut p = [0.0f32; 3];
    assert_eq!(sparsemax(&[], &mut []), Err(Error::Empty));
    assert_eq!(sparsemax_sort(&[], &mut []), Err(Error::Empty));
    assert_eq!(entmax15(&[], &mut []), Err(Error::Empty));
    assert_eq!(project_topk_simplex(&[], 1, &mut []), Err(Error::Empty));
    assert!(matches!(
        sparsemax(&[1.0, 2.0], &mut p),
        Err(Error::LengthMismatch { .. })
    ));
    assert!(matches!(
        entmax15(&[1.0, 2.0], &mut p),
        Err(Error::LengthMismatch { .. })
    ));
    assert!(matches!(
        project_topk_simplex(&[1.0, 2.0], 1, &mut p),
        Err(Error::LengthMismatch { .. })
    ));
    assert!(matches!(
        project_topk_simplex(&[1.0, 2.0, 3.0], 0, &mut p),
        Err(Error::BadParameter(_))
    ));
    assert_eq!(project_topk_simplex(&[1.0, 1.25, 1.5], 10, &mut p), Ok(3));
    assert_eq!(
        sparsemax_sort(&[f32::NAN, 2.0, 3.0], &mut p),
        Err(Error::NanInput)
    );
    assert_eq!(
        sparsemax_loss(&[f32::NAN, 2.0, 3.0], 0, None),
        Err(Error::NanInput)
    );
    assert_eq!(
        sparsemax_loss(&[1.0, 2.0, 3.0], 0, Some(&mut p[..2])),
        Err(Error::LengthMismatch {
            expected: 3,
            actual: 2
        })
    );
    assert_eq!(
        sparsemax_jvp(&[0.5, f32::NAN], &[1.0, 1.0], &mut p[..2]),
        Err(Error::NanInput)
    );
    assert!(matches!(
        sparsemax_jvp(&[0.5, 0.5], &[1.0], &mut p[..2]),
        Err(Error::LengthMismatch { .. })
    ));
    let mut q = [0u16; 3];
    assert!(matches!(
        sparsemax_q15(&[1, 2, 3], 17, &mut q),
        Err(Error::BadParameter(_))
    ));
    assert!(matches!(
        sparsemax_q15_s8(&[1, 2], 3, &mut q),
        Err(Error::LengthMismatch { .. })
    ));
    // ±∞.
    let inf = f32::INFINITY;
    assert_eq!(sparsemax(&[inf, 1.0, -inf], &mut p), Ok(1));
    assert_eq!(p, [1.0, 0.0, 0.0]);
    assert_eq!(
        sparsemax(&[-inf, -inf, -inf], &mut p),
        Err(Error::AllNegInfinity)
    );
    assert_eq!(
        sparsemax_loss(&[inf, 1.0, 0.0], 0, None),
        Err(Error::BadParameter("+inf logit"))
    );
}
