//! Host criterion benchmarks of the softmax kernels (ns per element on this machine).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use testvectors::Rng;

fn softmax(c: &mut Criterion) {
    let mut g = c.benchmark_group("softmax");
    for n in [16usize, 64, 256, 1024] {
        let mut x = vec![0.0f32; n];
        Rng::new(42).fill_uniform(&mut x, -8.0, 8.0);
        let mut y = vec![0.0f32; n];
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("three_pass", n), &x, |b, x| {
            b.iter(|| kernels::softmax::three_pass(black_box(x), &mut y))
        });
    }
    g.finish();
}

criterion_group!(benches, softmax);
criterion_main!(benches);
