//! Host criterion benchmarks of the softmax kernels (ns per element on this machine).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mcu_kernels::softmax as sm;
use std::hint::black_box;
use testvectors::Rng;

type Kernel = fn(&[f32], &mut [f32]) -> Result<(), mcu_kernels::Error>;
type Scalar = (&'static str, fn(f32) -> f32);

fn three_pass_libm(x: &[f32], y: &mut [f32]) -> Result<(), mcu_kernels::Error> {
    sm::three_pass_with(x, y, libm::expf)
}

fn log_softmax_rows8(x: &[f32], y: &mut [f32]) -> Result<(), mcu_kernels::Error> {
    sm::log_softmax_rows(x, x.len() / 8, y)
}

fn softmax_rows8(x: &[f32], y: &mut [f32]) -> Result<(), mcu_kernels::Error> {
    sm::softmax_rows(x, x.len() / 8, y)
}

fn temperature(x: &[f32], y: &mut [f32]) -> Result<(), mcu_kernels::Error> {
    sm::softmax_with_temperature(x, 0.7, y)
}

fn softmax(c: &mut Criterion) {
    let kernels: [(&str, Kernel); 9] = [
        ("softmax", sm::softmax),
        ("three_pass", sm::three_pass),
        ("two_pass", sm::two_pass),
        ("three_pass_libm", three_pass_libm),
        ("log_softmax", sm::log_softmax),
        ("stablemax", sm::stablemax),
        ("softmax_with_temperature", temperature),
        ("softmax_rows_8", softmax_rows8),
        ("log_softmax_rows_8", log_softmax_rows8),
    ];
    let mut g = c.benchmark_group("softmax");
    for n in [16usize, 64, 256, 1024] {
        let mut x = vec![0.0f32; n];
        Rng::new(42).fill_uniform(&mut x, -8.0, 8.0);
        let mut y = vec![0.0f32; n];
        g.throughput(Throughput::Elements(n as u64));
        for (name, f) in kernels {
            g.bench_with_input(BenchmarkId::new(name, n), &x, |b, x| {
                b.iter(|| f(black_box(x), &mut y))
            });
        }
        g.bench_with_input(BenchmarkId::new("logsumexp", n), &x, |b, x| {
            b.iter(|| sm::logsumexp(black_box(x)))
        });
        g.bench_with_input(BenchmarkId::new("cross_entropy_grad", n), &x, |b, x| {
            b.iter(|| sm::cross_entropy(black_box(x), 3, Some(&mut y)))
        });
        g.bench_with_input(BenchmarkId::new("z_loss_aux", n), &x, |b, x| {
            b.iter(|| sm::z_loss_aux(black_box(x), 1e-4))
        });
    }
    g.finish();
}

fn math(c: &mut Criterion) {
    let mut g = c.benchmark_group("math");
    let mut x = vec![0.0f32; 1024];
    Rng::new(7).fill_uniform(&mut x, -10.0, 10.0);
    g.throughput(Throughput::Elements(x.len() as u64));
    let fs: [Scalar; 10] = [
        ("exp", mcu_kernels::math::exp),
        ("libm_expf", libm::expf),
        ("exp2", mcu_kernels::math::exp2),
        ("ln", |v| mcu_kernels::math::ln(v.abs())),
        ("log1p", |v| mcu_kernels::math::log1p(v.abs())),
        ("expm1", mcu_kernels::math::expm1),
        ("tanh", mcu_kernels::math::tanh),
        ("sigmoid", mcu_kernels::math::sigmoid),
        ("softplus", mcu_kernels::math::softplus),
        ("exp_split_m", |v| mcu_kernels::math::exp_split(v).0),
    ];
    for (name, f) in fs {
        g.bench_with_input(BenchmarkId::new(name, 1024), &x, |b, x| {
            b.iter(|| black_box(x).iter().map(|&v| f(v)).sum::<f32>())
        });
    }
    g.finish();
}

criterion_group!(benches, softmax, math);
criterion_main!(benches);
