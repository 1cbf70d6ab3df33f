//! Host criterion benchmarks of the sparse maps (ns per element on this machine).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use testvectors::Rng;

fn sparse(c: &mut Criterion) {
    let mut g = c.benchmark_group("sparsemax");
    for n in [16usize, 64, 256, 1024] {
        let mut z = vec![0.0f32; n];
        Rng::new(42).fill_uniform(&mut z, -8.0, 8.0);
        let mut p = vec![0.0f32; n];
        let mut q = vec![0u16; n];
        let zq: Vec<i16> = z.iter().map(|&v| (v * 1024.0) as i16).collect();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("sparsemax", n), &z, |b, z| {
            b.iter(|| mcu_kernels::sparsemax::sparsemax(black_box(z), &mut p))
        });
        g.bench_with_input(BenchmarkId::new("sparsemax_sort", n), &z, |b, z| {
            b.iter(|| mcu_kernels::sparsemax::sparsemax_sort(black_box(z), &mut p))
        });
        g.bench_with_input(BenchmarkId::new("sparsemax_loss_none", n), &z, |b, z| {
            b.iter(|| mcu_kernels::sparsemax::sparsemax_loss(black_box(z), 3, None))
        });
        g.bench_with_input(
            BenchmarkId::new("project_topk_simplex_k8", n),
            &z,
            |b, z| b.iter(|| mcu_kernels::sparsemax::project_topk_simplex(black_box(z), 8, &mut p)),
        );
        g.bench_with_input(BenchmarkId::new("entmax15", n), &z, |b, z| {
            b.iter(|| mcu_kernels::sparsemax::entmax15(black_box(z), &mut p))
        });
        g.bench_with_input(BenchmarkId::new("sparsemax_q15", n), &zq, |b, z| {
            b.iter(|| mcu_kernels::sparsemax::sparsemax_q15(black_box(z), 10, &mut q))
        });
    }
    g.finish();
}

criterion_group!(benches, sparse);
criterion_main!(benches);
