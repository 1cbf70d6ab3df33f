//! Criterion benchmarks of the host solvers' inner loops: one semi-dual objective+gradient
//! evaluation of sparsity-constrained OT, one Sinkhorn sweep (the two kernel products of the
//! stabilised form, the fused one-pass sweep on an f64 and an f32 kernel, and the exact
//! log-domain half-sweep), one Halpern step.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use host::solvers::halpern::{Game, HalpernOptions, Method, State, VrState};
use host::solvers::ot::sinkhorn::{fused_sweep, half_sweep, kernel_t_times, kernel_times};
use host::solvers::ot::sparse::{Dual, SemiDual};
use host::solvers::ot::Problem;
use std::hint::black_box;
use testvectors::Rng;

fn problem(n: usize) -> Problem {
    let mut rng = Rng::new(7);
    let mut pts = vec![0.0f32; 4 * n];
    rng.fill_uniform(&mut pts, -2.0, 2.0);
    let mut c = Vec::with_capacity(n * n);
    for i in 0..n {
        for j in 0..n {
            let dx = f64::from(pts[2 * i] - pts[2 * n + 2 * j] - 3.0);
            let dy = f64::from(pts[2 * i + 1] - pts[2 * n + 2 * j + 1] - 3.0);
            c.push(dx * dx + dy * dy);
        }
    }
    let w = vec![1.0 / n as f64; n];
    Problem::new(n, n, c, w.clone(), w).expect("valid problem")
}

fn sparse_ot(c: &mut Criterion) {
    let mut g = c.benchmark_group("sparse_ot");
    for n in [200usize, 1000] {
        let p = problem(n);
        let alpha: Vec<f64> = (0..n).map(|i| (i % 7) as f64 * 0.1).collect();
        let mut grad = vec![0.0; n];
        for k in [2usize, 10] {
            let mut sd = SemiDual::new(&p, k, 1.0);
            g.bench_with_input(
                BenchmarkId::new(format!("semi_dual_eval_k{k}"), n),
                &n,
                |b, _| b.iter(|| sd.eval(black_box(&alpha), &mut grad)),
            );
        }
        let x: Vec<f64> = (0..2 * n).map(|i| (i % 5) as f64 * 0.1).collect();
        let mut gx = vec![0.0; 2 * n];
        let mut d = Dual::new(&p, 2, 1.0);
        g.bench_with_input(BenchmarkId::new("dual_eval_k2", n), &n, |b, _| {
            b.iter(|| d.eval(black_box(&x), &mut gx))
        });
    }
    g.finish();
}

fn sinkhorn(c: &mut Criterion) {
    let mut g = c.benchmark_group("sinkhorn");
    for n in [200usize, 1000] {
        let p = problem(n);
        let kt: Vec<f64> = p.cost.iter().map(|c| (-c / 5.0).exp()).collect();
        let (u, v) = (vec![1.0; n], vec![1.0; n]);
        let (mut kv, mut ktu) = (vec![0.0; n], vec![0.0; n]);
        g.bench_with_input(BenchmarkId::new("stabilised_sweep", n), &n, |b, _| {
            b.iter(|| {
                kernel_times(black_box(&kt), &v, &mut kv);
                kernel_t_times(black_box(&kt), &u, n, &mut ktu);
            })
        });
        let mut u_new = vec![0.0; n];
        g.bench_with_input(BenchmarkId::new("fused_sweep_f64", n), &n, |b, _| {
            b.iter(|| fused_sweep(black_box(&kt), n, &v, &p.a, &u, 1.8, &mut u_new, &mut ktu))
        });
        let kt32: Vec<f32> = kt.iter().map(|&k| k as f32).collect();
        g.bench_with_input(BenchmarkId::new("fused_sweep_f32", n), &n, |b, _| {
            b.iter(|| fused_sweep(black_box(&kt32), n, &v, &p.a, &u, 1.8, &mut u_new, &mut ktu))
        });
        let mut f = vec![0.0; n];
        let gpot = vec![0.0; n];
        g.bench_with_input(BenchmarkId::new("log_domain_half_sweep", n), &n, |b, _| {
            b.iter(|| half_sweep(&mut f, black_box(&gpot), &p.cost, &p.a, 1.0))
        });
    }
    g.finish();
}

fn halpern(c: &mut Criterion) {
    let mut g = c.benchmark_group("halpern");
    for n in [50usize, 200] {
        let mut a = vec![0.0f32; n * n];
        Rng::new(3).fill_uniform(&mut a, -1.0, 1.0);
        let game = Game::new(n, n, a.iter().map(|&v| f64::from(v)).collect()).expect("valid");
        let opts = HalpernOptions::default();
        let mut st = State::new(&game, opts).expect("valid options");
        g.bench_with_input(BenchmarkId::new("step_deterministic", n), &n, |b, _| {
            b.iter(|| st.step())
        });
        let opts = HalpernOptions {
            method: Method::StochasticVr,
            ..HalpernOptions::default()
        };
        let mut st = VrState::new(&game, opts).expect("valid options");
        g.bench_with_input(BenchmarkId::new("step_stochastic_vr", n), &n, |b, _| {
            b.iter(|| st.step())
        });
    }
    g.finish();
}

criterion_group!(benches, sparse_ot, sinkhorn, halpern);
criterion_main!(benches);
