//! Entropic optimal transport by log-domain Sinkhorn with ε-scaling.
//!
//! Two clouds of 300 points in the plane (seeded Gaussians), uniform weights 1/n, squared
//! Euclidean cost. For decreasing ε the entropic plan's transport cost approaches the exact
//! OT cost, computed independently by the Hungarian algorithm (a uniform square problem is an
//! assignment problem). Checked: OT ≤ ⟨C, T_ε⟩ ≤ OT + ε·ln n, the sandwich that holds because
//! T_ε minimises ⟨C, T⟩ − ε·H(T) and the entropy of a plan lies in [ln n, 2 ln n] here.
//!
//! Run: `cargo run --release -p host --example sinkhorn`

use host::solvers::ot::exact::assignment;
use host::solvers::ot::sinkhorn::{solve, SinkhornOptions};
use host::solvers::ot::Problem;
use std::time::Instant;
use testvectors::Rng;

/// A standard normal sample (Box–Muller) from the seeded generator.
fn normal(rng: &mut Rng) -> f64 {
    let u = ((rng.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
    let v = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

fn main() {
    let n = 300;
    let mut rng = Rng::new(7);
    let mut cloud = |cx: f64, cy: f64, sd: f64| -> Vec<[f64; 2]> {
        (0..n)
            .map(|_| [cx + sd * normal(&mut rng), cy + sd * normal(&mut rng)])
            .collect()
    };
    let xs = cloud(0.3, 0.3, 0.1);
    let ys = cloud(0.7, 0.6, 0.15);
    let cost: Vec<f64> = xs
        .iter()
        .flat_map(|x| {
            ys.iter()
                .map(move |y| (x[0] - y[0]).powi(2) + (x[1] - y[1]).powi(2))
        })
        .collect();
    let uniform = vec![1.0 / n as f64; n];
    let p = Problem::new(n, n, cost.clone(), uniform.clone(), uniform).expect("a valid problem");

    let t = Instant::now();
    let (_, total) = assignment(n, &cost).expect("a finite square cost");
    let exact = total / n as f64;
    println!("entropic OT: two Gaussian clouds of {n} points, C = |x - y|^2, a = b = 1/n");
    println!(
        "exact OT cost (Hungarian algorithm, {:.0} ms): {exact:.8}\n",
        t.elapsed().as_secs_f64() * 1e3
    );
    println!("  epsilon  sweeps  converged  <C,T_eps>    <C,T_eps> - OT  eps*ln(n)  marginal error   entries > 1e-12   time");

    let max_c = p.max_abs_cost();
    for epsilon in [0.1, 0.03, 0.01, 0.003] {
        let opts = SinkhornOptions {
            epsilon,
            tol: 1e-9,
            ..SinkhornOptions::default()
        };
        let t = Instant::now();
        let s = solve(&p, &opts, &mut |_, _, _| {}).expect("valid options");
        let seconds = t.elapsed().as_secs_f64();
        let support = s.plan.iter().filter(|&&t| t > 1e-12).count();
        let excess = s.transport_cost - exact;
        let bound = epsilon * (n as f64).ln();
        println!(
            "  {epsilon:<7}  {:>6}  {:<9}  {:.8}  {excess:>14.3e}  {bound:>9.3e}  {:>14.2e}   {:>7} ({:>4.1}%)  {:>5.0} ms",
            s.iterations,
            s.converged,
            s.transport_cost,
            s.marginal_error,
            support,
            100.0 * support as f64 / (n * n) as f64,
            seconds * 1e3
        );
        // The promise: the plan is feasible up to its marginal error (≤ tol), so its cost is
        // no lower than the exact OT cost, and it exceeds it by at most ε·ln n.
        assert!(s.converged);
        let slack = max_c * s.marginal_error + 1e-12;
        assert!(s.transport_cost >= exact - slack, "{excess:e}");
        assert!(excess <= bound + slack, "{excess:e} > {bound:e}");
    }
    println!("\nchecked: OT <= <C,T_eps> <= OT + eps*ln(n) for every eps");
}
