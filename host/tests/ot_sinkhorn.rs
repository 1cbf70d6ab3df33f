//! Log-domain Sinkhorn: marginals, agreement with the plain scaling iteration, the small-ε
//! limit against exact OT, the fast exponential.
mod common;
use common::*;
use host::solvers::ot::sinkhorn::{fast_exp, solve, SinkhornOptions};
use host::solvers::ot::{exact, Problem};

fn opts(epsilon: f64, tol: f64) -> SinkhornOptions {
    SinkhornOptions {
        epsilon,
        tol,
        max_iter: 100_000,
        eps_scaling: true,
        overrelaxation: 1.8,
    }
}

#[test]
fn marginals_are_met() {
    for (m, n, eps, seed) in [(30, 40, 0.5, 1), (50, 20, 0.05, 2), (7, 7, 5.0, 3)] {
        let p = random_problem(m, n, seed);
        let s = solve(&p, &opts(eps, 1e-9), &mut |_, _, _| {}).unwrap();
        let (r, c) = p.marginal_residuals(&s.plan);
        assert!(s.converged);
        assert!(
            r <= 1e-9 && c <= 1e-12,
            "{m}×{n} ε = {eps}: {r:.2e} {c:.2e}"
        );
    }
}

/// Plain u = a/(Kv), v = b/(Kᵀu) with K = exp(−C/ε), many iterations: the brute-force answer.
fn plain_sinkhorn(p: &Problem, eps: f64, iters: usize) -> Vec<f64> {
    let k: Vec<f64> = p.cost.iter().map(|c| (-c / eps).exp()).collect();
    let (mut u, mut v) = (vec![1.0; p.m], vec![1.0; p.n]);
    for _ in 0..iters {
        for i in 0..p.m {
            let s: f64 = (0..p.n).map(|j| k[i * p.n + j] * v[j]).sum();
            u[i] = p.a[i] / s;
        }
        for j in 0..p.n {
            let s: f64 = (0..p.m).map(|i| k[i * p.n + j] * u[i]).sum();
            v[j] = p.b[j] / s;
        }
    }
    (0..p.m * p.n)
        .map(|t| u[t / p.n] * k[t] * v[t % p.n])
        .collect()
}

#[test]
fn agrees_with_plain_scaling_iteration() {
    let p = random_problem(6, 5, 9);
    for eps in [2.0, 5.0, 20.0] {
        let s = solve(&p, &opts(eps, 1e-13), &mut |_, _, _| {}).unwrap();
        let t = plain_sinkhorn(&p, eps, 20_000);
        let d = s
            .plan
            .iter()
            .zip(&t)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(d <= 1e-10, "ε = {eps}: plans differ by {d:.2e}");
        // Strong duality: primal ⟨C,T⟩ + ε Σ T(log T − 1) + ε Σa equals the dual value.
        let h: f64 = s
            .plan
            .iter()
            .filter(|&&t| t > 0.0)
            .map(|t| t * (t.ln() - 1.0))
            .sum();
        let primal = s.transport_cost + eps * h + eps;
        assert!((primal - s.dual_objective).abs() <= 1e-8 * primal.abs());
    }
}

#[test]
fn small_epsilon_approaches_exact_ot() {
    // exp(−C/ε) underflows here (C ≳ 30, ε = 0.03): only the log domain works.
    let n = 20;
    let p = uniform_problem(n, n, 4);
    assert!(p.cost.iter().any(|c| (-c / 0.03f64).exp() == 0.0));
    let emd = exact::assignment(n, &p.cost).unwrap().1 / n as f64;
    let eps = 0.03;
    let s = solve(&p, &opts(eps, 1e-8), &mut |_, _, _| {}).unwrap();
    println!(
        "{} sweeps, marginal error {:.2e}",
        s.iterations, s.marginal_error
    );
    assert!(s.converged && s.marginal_error <= 1e-8);
    let gap = s.transport_cost - emd;
    // 0 ≤ ⟨C, T_ε⟩ − OT ≤ ε (H(a) + H(b)) = 2ε log n.
    assert!(
        gap >= -1e-9 && gap <= 2.0 * eps * (n as f64).ln(),
        "gap {gap:.3e}"
    );
}

#[test]
fn fast_exp_is_accurate() {
    let mut worst = 0.0f64;
    let mut x = -708.0;
    while x <= 709.0 {
        let (a, b) = (fast_exp(x), x.exp());
        worst = worst.max(((a - b) / b).abs());
        x += 0.0137;
    }
    assert!(worst <= 1e-14, "max relative error {worst:.3e}");
    assert_eq!(fast_exp(-800.0), 0.0);
    assert_eq!(fast_exp(f64::NEG_INFINITY), 0.0);
}

#[test]
fn plain_and_overrelaxed_sweeps_agree() {
    let p = random_problem(40, 30, 21);
    let mut o = opts(0.2, 1e-10);
    let a = solve(&p, &o, &mut |_, _, _| {}).unwrap();
    o.overrelaxation = 1.0;
    o.eps_scaling = false;
    let b = solve(&p, &o, &mut |_, _, _| {}).unwrap();
    assert!(a.converged && b.converged);
    assert!(
        a.iterations < b.iterations,
        "{} vs {}",
        a.iterations,
        b.iterations
    );
    let d = a
        .plan
        .iter()
        .zip(&b.plan)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    assert!(d <= 1e-9, "{d:.2e}");
    o.overrelaxation = 2.0;
    assert!(solve(&p, &o, &mut |_, _, _| {}).is_err());
}

#[test]
fn bad_parameters_are_errors() {
    let p = uniform_problem(3, 3, 1);
    assert!(solve(&p, &opts(0.0, 1e-9), &mut |_, _, _| {}).is_err());
    assert!(solve(&p, &opts(1.0, f64::NAN), &mut |_, _, _| {}).is_err());
}

#[test]
fn row_blocks_on_several_threads_agree_with_one_thread() {
    // 300×250: large enough that the sweeps split into row blocks on a multi-thread pool.
    let p = random_problem(300, 250, 31);
    let o = opts(0.05, 1e-10);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| solve(&p, &o, &mut |_, _, _| {}).unwrap())
    };
    let (one, three) = (run(1), run(3));
    for s in [&one, &three] {
        let (r, c) = p.marginal_residuals(&s.plan);
        assert!(s.converged && r <= 1e-10 && c <= 1e-12, "{r:.2e} {c:.2e}");
    }
    let d = one
        .plan
        .iter()
        .zip(&three.plan)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    assert!(d <= 1e-9, "{d:.2e}");
    assert!((one.dual_objective - three.dual_objective).abs() <= 1e-9);
}

#[test]
fn nalgebra_matrices_at_the_api_boundary() {
    let p = random_problem(5, 4, 3);
    let c = p.cost_matrix();
    assert_eq!(c.shape(), (5, 4));
    assert_eq!(c[(2, 3)], p.cost[2 * 4 + 3]);
    let q = Problem::from_matrix(&c, p.a.clone(), p.b.clone()).unwrap();
    assert_eq!(q.cost, p.cost);
    let s = solve(&q, &opts(1.0, 1e-10), &mut |_, _, _| {}).unwrap();
    let t = s.plan_matrix(5, 4);
    for (i, &ai) in p.a.iter().enumerate() {
        assert!((t.row(i).sum() - ai).abs() <= 1e-9);
    }
}

#[test]
fn tiny_masses_below_the_f32_range_still_converge() {
    // a_0 = 1e−44 relative: the f32 kernel's row 0 underflows at the scale of its mass.
    let base = random_problem(20, 25, 8);
    let mut a = base.a.clone();
    a[0] = 1e-44;
    let total: f64 = a.iter().sum();
    let sb: f64 = base.b.iter().sum();
    let b: Vec<f64> = base.b.iter().map(|v| v * total / sb).collect();
    let p = Problem::new(20, 25, base.cost.clone(), a, b).unwrap();
    let s = solve(&p, &opts(0.05, 1e-10), &mut |_, _, _| {}).unwrap();
    let (r, c) = p.marginal_residuals(&s.plan);
    assert!(s.converged && r <= 1e-10 && c <= 1e-12, "{r:.2e} {c:.2e}");
}
