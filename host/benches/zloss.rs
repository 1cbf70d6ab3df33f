//! Host criterion benchmarks of the Z-loss (ns per element on this machine).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use testvectors::Rng;

fn zloss(c: &mut Criterion) {
    let mut g = c.benchmark_group("zloss");
    for n in [16usize, 64, 256, 1024] {
        let mut o = vec![0.0f32; n];
        Rng::new(42).fill_uniform(&mut o, -8.0, 8.0);
        let o8: Vec<i8> = o.iter().map(|&v| (v * 15.0) as i8).collect();
        let mut grad = vec![0.0f32; n];
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("zloss", n), &o, |b, o| {
            b.iter(|| mcu_kernels::zloss::zloss(black_box(o), 1, 1.0, 0.0))
        });
        g.bench_with_input(BenchmarkId::new("zloss_grad", n), &o, |b, o| {
            b.iter(|| mcu_kernels::zloss::zloss_grad(black_box(o), 1, 1.0, 0.0, &mut grad))
        });
        g.bench_with_input(BenchmarkId::new("zloss_s8", n), &o8, |b, o| {
            b.iter(|| mcu_kernels::zloss::zloss_s8(black_box(o), 1, 1.0, 0.0))
        });
    }
    g.finish();
}

criterion_group!(benches, zloss);
criterion_main!(benches);
