//! Host criterion benchmarks of Mish (ns per element on this machine).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use fixed::types::I4F12;
use std::hint::black_box;
use testvectors::Rng;

fn libm_mish(x: f32) -> f32 {
    x * libm::tanhf(libm::log1pf(libm::expf(x)))
}

fn mish(c: &mut Criterion) {
    let mut g = c.benchmark_group("mish");
    for n in [256usize, 4096] {
        let mut x = vec![0.0f32; n];
        Rng::new(42).fill_uniform(&mut x, -8.0, 8.0);
        let mut y = vec![0.0f32; n];
        let xq: Vec<I4F12> = x.iter().map(|&v| I4F12::from_num(v * 0.9)).collect();
        let mut yq = vec![I4F12::ZERO; n];
        let x8: Vec<i8> = x.iter().map(|&v| (v * 15.0) as i8).collect();
        let mut y8 = vec![0i8; n];
        let lut = mcu_kernels::mish::MishS8Lut::new(1.0 / 15.0, 0, 1.0 / 15.0, 0).unwrap();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("mish_slice", n), &x, |b, x| {
            b.iter(|| mcu_kernels::mish::mish_slice(black_box(x), &mut y))
        });
        g.bench_with_input(BenchmarkId::new("mish_grad_slice", n), &x, |b, x| {
            b.iter(|| mcu_kernels::mish::mish_grad_slice(black_box(x), &mut y))
        });
        g.bench_with_input(BenchmarkId::new("libm_baseline", n), &x, |b, x| {
            b.iter(|| {
                for (o, &v) in y.iter_mut().zip(black_box(x)) {
                    *o = libm_mish(v);
                }
            })
        });
        g.bench_with_input(BenchmarkId::new("mish_fixed_i4f12", n), &xq, |b, x| {
            b.iter(|| mcu_kernels::mish::mish_fixed_slice(black_box(x), &mut yq))
        });
        g.bench_with_input(BenchmarkId::new("mish_s8_lut", n), &x8, |b, x| {
            b.iter(|| lut.apply(black_box(x), &mut y8))
        });
    }
    g.finish();
}

criterion_group!(benches, mish);
criterion_main!(benches);
