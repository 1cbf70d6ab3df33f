//! Sparsity-constrained OT: the checks of issue #9 as tests.
mod common;
use common::*;
use host::solvers::ot::{exact, quadratic, sparse, Problem, Solution};

fn opts(k: usize, gamma: f64) -> sparse::SparseOptions {
    sparse::SparseOptions {
        k,
        gamma,
        tol: 1e-7,
        max_iter: 3000,
        memory: 10,
        ftol: 0.0,
    }
}

fn check_plan(p: &Problem, s: &Solution, k: usize) {
    let worst = s.column_nonzeros(p.n).into_iter().max().unwrap_or(0);
    assert!(worst <= k, "a column has {worst} > k = {k} nonzeros");
    let (r, c) = p.marginal_residuals(&s.plan);
    assert!(
        r <= 1e-6 && c <= 1e-6,
        "marginal residuals {r:.3e}, {c:.3e} after {} iterations",
        s.iterations
    );
    assert!(s.converged);
    assert!(s.plan.iter().all(|&t| t >= 0.0));
}

fn emd_uniform(p: &Problem) -> f64 {
    let (_, total) = exact::assignment(p.n, &p.cost).expect("square finite");
    total / p.n as f64
}

#[test]
fn k1_semi_dual_reproduces_exact_ot_cost() {
    for (n, seed) in [(8, 1), (30, 2), (60, 5)] {
        let p = uniform_problem(n, n, seed);
        let emd = emd_uniform(&p);
        let s = sparse::solve_semi_dual(&p, &opts(1, 1.0), &mut |_, _, _| {}).unwrap();
        check_plan(&p, &s, 1);
        assert!(
            (s.transport_cost - emd).abs() <= 1e-9 * emd,
            "n = {n}: cost {} vs exact {emd}",
            s.transport_cost
        );
        // The regulariser is the constant γ/2 Σ b_j² on 1-sparse columns.
        let constant = 0.5 * p.b.iter().map(|b| b * b).sum::<f64>();
        assert!((s.dual_objective - constant - emd).abs() <= 1e-8 * emd);
    }
}

#[test]
fn k1_dual_reproduces_exact_ot_cost() {
    let p = uniform_problem(8, 8, 1);
    let emd = emd_uniform(&p);
    let s = sparse::solve_dual(&p, &opts(1, 1.0), &mut |_, _, _| {}).unwrap();
    check_plan(&p, &s, 1);
    assert!((s.transport_cost - emd).abs() <= 1e-6 * emd);
}

#[test]
fn k2_dual_and_semi_dual_agree_and_are_feasible() {
    // REFERENCE §5: n = 8 Gaussian clouds, γ = 1, k = 2.
    let p = uniform_problem(8, 8, 1);
    let sd = sparse::solve_semi_dual(&p, &opts(2, 1.0), &mut |_, _, _| {}).unwrap();
    let d = sparse::solve_dual(&p, &opts(2, 1.0), &mut |_, _, _| {}).unwrap();
    check_plan(&p, &sd, 2);
    check_plan(&p, &d, 2);
    assert!((sd.dual_objective - d.dual_objective).abs() <= 1e-8 * d.dual_objective.abs());
    // Strong duality: primal objective of the plan equals the dual value.
    let primal = |s: &Solution| s.transport_cost + 0.5 * s.plan.iter().map(|t| t * t).sum::<f64>();
    assert!((primal(&sd) - sd.dual_objective).abs() <= 1e-6);
    assert!((sd.transport_cost - emd_uniform(&p)).abs() <= 1e-2 * sd.transport_cost);
}

/// With non-uniform or rectangular marginals the k-sparse constraint can bind at a kink of
/// the (convex-relaxation) dual, where no k-sparse plan is feasible: there L-BFGS stalls with a
/// residual ≫ 1e−6 (e.g. 12×9, k = 2). These instances converge; the sparsity bound is
/// checked on the binding ones too.
#[test]
fn sparsity_bound_and_residuals_on_rectangular_random_marginals() {
    for (m, n, k, gamma, seed) in [
        (12, 9, 3, 0.1, 11),
        (20, 25, 3, 1.0, 12),
        (9, 14, 3, 1.0, 13),
    ] {
        let p = random_problem(m, n, seed);
        let s = sparse::solve_dual(&p, &opts(k, gamma), &mut |_, _, _| {}).unwrap();
        check_plan(&p, &s, k);
    }
    let p = random_problem(9, 14, 13);
    let sd = sparse::solve_semi_dual(&p, &opts(3, 1.0), &mut |_, _, _| {}).unwrap();
    let (r, c) = p.marginal_residuals(&sd.plan);
    assert!(r <= 1e-6 && c <= 1e-6, "{r:.3e} {c:.3e}");
    for (m, n, k, gamma, seed) in [(12, 9, 2, 5.0, 11), (20, 25, 2, 20.0, 12)] {
        let p = random_problem(m, n, seed);
        let d = sparse::solve_dual(&p, &opts(k, gamma), &mut |_, _, _| {}).unwrap();
        let sd = sparse::solve_semi_dual(&p, &opts(k, gamma), &mut |_, _, _| {}).unwrap();
        for s in [&d, &sd] {
            let worst = s.column_nonzeros(n).into_iter().max().unwrap_or(0);
            assert!(worst <= k);
        }
        // Both maximise the same concave function.
        assert!((sd.dual_objective - d.dual_objective).abs() <= 1e-4 * d.dual_objective.abs());
    }
}

#[test]
fn large_k_reproduces_quadratic_ot() {
    for (n, gamma, seed) in [(8, 1.0, 1), (30, 1.0, 2), (40, 10.0, 3)] {
        let p = uniform_problem(n, n, seed);
        let q = quadratic::solve(&p, gamma, 1e-7, 5000, &mut |_, _, _| {}).unwrap();
        let d = sparse::solve_dual(&p, &opts(n, gamma), &mut |_, _, _| {}).unwrap();
        check_plan(&p, &d, n);
        assert!(
            (d.dual_objective - q.dual_objective).abs() <= 1e-9 * q.dual_objective.abs(),
            "n = {n}: sparse {} vs quadratic {}",
            d.dual_objective,
            q.dual_objective
        );
        let diff = d
            .plan
            .iter()
            .zip(&q.plan)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max);
        assert!(diff <= 1e-5, "plans differ by {diff:.3e}");
    }
}

#[test]
fn bad_parameters_are_errors() {
    let p = uniform_problem(4, 4, 1);
    assert!(sparse::solve_semi_dual(&p, &opts(0, 1.0), &mut |_, _, _| {}).is_err());
    assert!(sparse::solve_dual(&p, &opts(2, 0.0), &mut |_, _, _| {}).is_err());
    assert!(sparse::solve_dual(&p, &opts(2, f64::NAN), &mut |_, _, _| {}).is_err());
}
