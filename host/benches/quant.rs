//! Host criterion benchmarks of the quantized softmax kernels (ns per element on this machine).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use fixed::types::{I16F16, U0F16};
use mcu_kernels::softmax::quant::*;
use std::hint::black_box;
use testvectors::Rng;

fn quant(c: &mut Criterion) {
    let mut g = c.benchmark_group("softmax_quant");
    let scale = 16.0f32 / 255.0; // int8 logits over [−8, 8]
    let params = SoftmaxS8Params::from_scale(scale, 1.0).unwrap();
    let lut = SoftmaxS8Lut::new(scale, 1.0).unwrap();
    let p16 = SoftmaxS16Params::from_scale(8.0 / 32768.0, 1.0).unwrap();
    let lut16 = SoftmaxS16Lut::new(8.0 / 32768.0, 1.0).unwrap();
    for n in [16usize, 64, 256, 1024] {
        let mut rng = Rng::new(42);
        let x8: Vec<i8> = (0..n)
            .map(|_| (rng.below(256) as i32 - 128) as i8)
            .collect();
        let x16: Vec<i16> = (0..n)
            .map(|_| (rng.below(65536) as i32 - 32768) as i16)
            .collect();
        let xf: Vec<I16F16> = (0..n)
            .map(|_| I16F16::from_num(rng.uniform_f32(-8.0, 8.0)))
            .collect();
        let mut y8 = vec![0i8; n];
        let mut y16 = vec![0i16; n];
        let mut yf = vec![U0F16::ZERO; n];
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("s8_tflm", n), &x8, |b, x| {
            b.iter(|| softmax_s8_tflm(&params, black_box(x), n, &mut y8))
        });
        g.bench_with_input(BenchmarkId::new("s8_s16_tflm", n), &x8, |b, x| {
            b.iter(|| softmax_s8_s16_tflm(&params, black_box(x), n, &mut y16))
        });
        g.bench_with_input(BenchmarkId::new("s8_lut", n), &x8, |b, x| {
            b.iter(|| softmax_s8(&lut, black_box(x), n, &mut y8))
        });
        g.bench_with_input(BenchmarkId::new("s8_s16_lut", n), &x8, |b, x| {
            b.iter(|| softmax_s8_s16(&lut, black_box(x), n, &mut y16))
        });
        g.bench_with_input(BenchmarkId::new("s16_tflm", n), &x16, |b, x| {
            b.iter(|| softmax_s16_tflm(&p16, black_box(x), n, &mut y16))
        });
        g.bench_with_input(BenchmarkId::new("s16_lut", n), &x16, |b, x| {
            b.iter(|| softmax_s16(&lut16, black_box(x), n, &mut y16))
        });
        g.bench_with_input(BenchmarkId::new("fixed_two_pass", n), &xf, |b, x| {
            b.iter(|| softmax_fixed_two_pass(black_box(x), n, &mut yf))
        });
    }
    g.finish();
    c.bench_function("softmax_quant/lut_s8_new", |b| {
        b.iter(|| SoftmaxS8Lut::new(black_box(scale), 1.0))
    });
}

criterion_group!(benches, quant);
criterion_main!(benches);
