//! Host criterion benchmarks of `mcu_kernels::online`: one progressive-validation step
//! (predict, score, learn) of StandardScaler | LogisticRegression<9, rule> on River's Phishing
//! stream, per rule, plus the fixed-point model and softmax regression.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mcu_kernels::online::fixed::{to_fixed, FxAdaGrad, FxLogisticRegression};
use mcu_kernels::online::{
    progressive_binary, AProx, AdaGrad, AdaMax, Adam, BinaryEval, Ftrl, Implicit,
    LogisticRegression, OptimisticOgd, PassiveAggressive, Rule, Sgd, SoftmaxRegression,
    StandardScaler,
};
use std::hint::black_box;

fn pass<R: Rule<9>>(rule: &R, d: &[([f32; 9], bool)]) -> f64 {
    let mut sc = StandardScaler::<9>::new();
    let mut m = LogisticRegression::<9, R>::new(rule.clone());
    let mut ev = BinaryEval::new();
    for (x, y) in d {
        let _ = progressive_binary(Some(&mut sc), &mut m, &mut ev, black_box(x), *y);
    }
    ev.log_loss()
}

fn online(c: &mut Criterion) {
    let d = host::reference::online::phishing_f32();
    let mut g = c.benchmark_group("online_phishing_pass");
    g.throughput(Throughput::Elements(d.len() as u64));
    g.bench_function("sgd", |b| b.iter(|| pass(&Sgd::new(0.1), &d)));
    g.bench_function("adagrad", |b| b.iter(|| pass(&AdaGrad::<9>::river(), &d)));
    g.bench_function("adam", |b| b.iter(|| pass(&Adam::<9>::river(), &d)));
    g.bench_function("adamax", |b| b.iter(|| pass(&AdaMax::<9>::river(), &d)));
    g.bench_function("ftrl", |b| b.iter(|| pass(&Ftrl::<9>::river(), &d)));
    g.bench_function("oogd", |b| {
        b.iter(|| pass(&OptimisticOgd::<9>::default(), &d))
    });
    g.bench_function("implicit", |b| b.iter(|| pass(&Implicit::default(), &d)));
    g.bench_function("aprox", |b| b.iter(|| pass(&AProx::default(), &d)));
    g.bench_function("pa", |b| b.iter(|| pass(&PassiveAggressive::default(), &d)));
    let dx: Vec<_> = d.iter().map(|(x, y)| (x.map(to_fixed), *y)).collect();
    g.bench_function("fixed_adagrad_unscaled", |b| {
        b.iter(|| {
            let mut m = FxLogisticRegression::<9, FxAdaGrad<9>>::new(FxAdaGrad::new(to_fixed(0.1)));
            for (x, y) in &dx {
                black_box(m.predict_proba(black_box(x)));
                m.learn_one(x, *y);
            }
            m.intercept()
        })
    });
    g.bench_function("softmax2_adagrad_unscaled", |b| {
        b.iter(|| {
            let mut m = SoftmaxRegression::<9, 2, AdaGrad<9>>::new(AdaGrad::river());
            let mut p = [0.0f32; 2];
            for (x, y) in &d {
                m.predict_proba(black_box(x), &mut p);
                let _ = m.learn_one(x, usize::from(*y));
            }
            p
        })
    });
    g.finish();
}

criterion_group!(benches, online);
criterion_main!(benches);
