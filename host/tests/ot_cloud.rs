//! Point-cloud Sinkhorn (costs on the fly) against the dense solver on the same cost matrix.
use host::solvers::ot::cloud::{self, Clouds, Metric};
use host::solvers::ot::sinkhorn::{self, SinkhornOptions};
use host::solvers::ot::Problem;

fn points(len: usize, d: usize, seed: u64, shift: f64) -> Vec<f64> {
    let mut s = seed;
    (0..len * d)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            shift + (s >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

#[test]
fn clouds_agree_with_the_dense_solver_and_meet_the_marginals() {
    for (m, n, d, eps, metric) in [
        (30, 40, 2, 0.05, Metric::SqEuclidean),
        (300, 257, 3, 0.01, Metric::SqEuclidean),
        (50, 20, 2, 0.1, Metric::Euclidean),
    ] {
        let (x, y) = (points(m, d, 1, 0.0), points(n, d, 2, 0.3));
        let (a, b) = (vec![1.0 / m as f64; m], vec![1.0 / n as f64; n]);
        let c = Clouds::new(m, n, d, x.clone(), y.clone(), a.clone(), b.clone(), metric).unwrap();
        let opts = SinkhornOptions {
            epsilon: eps,
            tol: 1e-10,
            ..SinkhornOptions::default()
        };
        let s = cloud::solve(&c, &opts, &mut |_, _, _| {}).unwrap();
        assert!(
            s.converged,
            "{m}×{n}: {:.2e} {:.2e}",
            s.row_error, s.col_error
        );
        let cost: Vec<f64> = (0..m * n)
            .map(|t| {
                let (i, j) = (t / n, t % n);
                let s2: f64 = (0..d).map(|k| (x[i * d + k] - y[j * d + k]).powi(2)).sum();
                if metric == Metric::SqEuclidean {
                    s2
                } else {
                    s2.sqrt()
                }
            })
            .collect();
        let p = Problem::new(m, n, cost, a, b).unwrap();
        let dense = sinkhorn::solve(&p, &opts, &mut |_, _, _| {}).unwrap();
        assert!(dense.converged);
        let rel = (s.dual_objective - dense.dual_objective).abs() / dense.dual_objective.abs();
        assert!(rel <= 1e-9, "{m}×{n}: dual objectives differ by {rel:.2e}");
        // The written plan meets the marginals (checked on it, not on the solver's figures).
        let t = cloud::plan(&c, &s.f, &s.g, eps);
        let (r, col) = p.marginal_residuals(&t);
        assert!(r <= 1e-10 && col <= 1e-10, "{r:.2e} {col:.2e}");
        assert!((p.transport_cost(&t) - s.transport_cost).abs() <= 1e-12);
    }
}

#[test]
fn iteration_limit_is_not_convergence() {
    let (m, n) = (40, 40);
    let c = Clouds::new(
        m,
        n,
        2,
        points(m, 2, 3, 0.0),
        points(n, 2, 4, 0.0),
        vec![1.0 / m as f64; m],
        vec![1.0 / n as f64; n],
        Metric::SqEuclidean,
    )
    .unwrap();
    let opts = SinkhornOptions {
        epsilon: 1e-3,
        tol: 1e-12,
        max_iter: 2,
        eps_scaling: false,
        overrelaxation: 1.0,
    };
    let s = cloud::solve(&c, &opts, &mut |_, _, _| {}).unwrap();
    assert!(!s.converged && s.iterations == 2);
    assert!(Clouds::new(
        1,
        1,
        2,
        vec![0.0, f64::NAN],
        vec![0.0, 0.0],
        vec![1.0],
        vec![1.0],
        Metric::SqEuclidean
    )
    .is_err());
}
