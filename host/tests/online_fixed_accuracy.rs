//! The fixed-point learners (`online::fixed`, I16F16) against the f32 learners with the same
//! rule: progressive accuracy within 1 point on every stream (issue #19), and the River
//! 0.26.1 figures where River has them (Phishing with the scaler).
//!
//! Streams: River's Phishing (1,250 rows, features in [0, 1]) with and without the scaler, and
//! `online_differential`'s synthetic logistic stream (10,000 rows, shifted and scaled features,
//! through the scaler). Run with `--nocapture` for the table.

use mcu_kernels::online::{
    fixed::{
        to_f32, to_fixed, FxAdaGrad, FxAdam, FxFtrl, FxLogisticRegression, FxPassiveAggressive,
        FxRule, FxSgd, FxStandardScaler,
    },
    progressive_binary, AdaGrad, Adam, BinaryEval, Ftrl, LogisticRegression, PassiveAggressive,
    Rule, Sgd, StandardScaler,
};
use testvectors::Rng;

const D: usize = 9;

/// River 0.26.1 with `StandardScaler | LogisticRegression(opt)` on Phishing (REFERENCE §4).
fn river(rule: &str) -> Option<(f64, f64)> {
    match rule {
        "sgd" => Some((0.27059, 0.8896)),
        "adagrad" => Some((0.28389, 0.8928)),
        "adam" => Some((0.31349, 0.8776)),
        "ftrl" => Some((0.34082, 0.8904)),
        _ => None,
    }
}

fn phishing() -> Vec<([f32; D], bool)> {
    host::reference::online::phishing_f32()
}

/// `online_differential`'s logistic stream (its `Logi`), with 9 features.
fn synthetic() -> Vec<([f32; D], bool)> {
    let mut rng = Rng::new(0x0F1C_5EED);
    let mut truth = [0.0f32; D];
    rng.fill_uniform(&mut truth, -4.0, 4.0);
    (0..10_000)
        .map(|_| {
            let mut x = [0.0f32; D];
            rng.fill_uniform(&mut x, -1.0, 1.0);
            for (i, v) in x.iter_mut().enumerate() {
                *v = *v * (1.0 + i as f32) + i as f32;
            }
            let logit: f32 = truth
                .iter()
                .zip(&x)
                .enumerate()
                .map(|(i, (a, b))| a * (b - i as f32) / (1.0 + i as f32))
                .sum();
            (x, rng.unit_f32() < 1.0 / (1.0 + (-logit).exp()))
        })
        .collect()
}

fn run_f32<R: Rule<D>>(rule: R, data: &[([f32; D], bool)], scale: bool) -> (f64, f64) {
    let mut sc = StandardScaler::<D>::new();
    let mut m = LogisticRegression::<D, R>::new(rule);
    let mut ev = BinaryEval::new();
    for (x, y) in data {
        progressive_binary(scale.then_some(&mut sc), &mut m, &mut ev, x, *y).unwrap();
    }
    (ev.log_loss(), ev.accuracy())
}

fn run_fx<R: FxRule<D>>(rule: R, data: &[([f32; D], bool)], scale: bool) -> (f64, f64) {
    let mut sc = FxStandardScaler::<D>::new();
    let mut m = FxLogisticRegression::<D, R>::new(rule);
    let mut ev = BinaryEval::new();
    for (x, y) in data {
        let xf = x.map(to_fixed);
        let mut z = xf;
        if scale {
            // River's pipeline: predict on the scaler before this sample, learn after it.
            sc.transform(&xf, &mut z);
        }
        ev.update_proba(to_f32(m.predict_proba(&z)), *y);
        if scale {
            sc.learn_transform(&xf, &mut z);
        }
        m.learn_one(&z, *y);
    }
    (ev.log_loss(), ev.accuracy())
}

fn figures(rule: &str, data: &[([f32; D], bool)], scale: bool) -> ((f64, f64), (f64, f64)) {
    let fx = |v: f64| to_fixed(v as f32);
    match rule {
        "sgd" => (
            run_fx(FxSgd::new(fx(0.1)), data, scale),
            run_f32(Sgd::new(0.1), data, scale),
        ),
        "adagrad" => (
            run_fx(FxAdaGrad::<D>::new(fx(0.1)), data, scale),
            run_f32(AdaGrad::<D>::river(), data, scale),
        ),
        "adam" => (
            run_fx(FxAdam::<D>::river(), data, scale),
            run_f32(Adam::<D>::river(), data, scale),
        ),
        "ftrl" => (
            run_fx(FxFtrl::<D>::river(), data, scale),
            run_f32(Ftrl::<D>::river(), data, scale),
        ),
        "pa" => (
            run_fx(FxPassiveAggressive::new(fx(1.0)), data, scale),
            run_f32(PassiveAggressive::new(1.0), data, scale),
        ),
        _ => unreachable!(),
    }
}

#[test]
fn fixed_within_one_point_of_f32_on_every_stream() {
    let streams = [
        ("phishing+scaler", phishing(), true),
        ("phishing", phishing(), false),
        ("synthetic+scaler", synthetic(), true),
    ];
    println!("| stream | rule | fixed acc | f32 acc | River acc | fixed log-loss | f32 log-loss | River log-loss |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    let mut failures = Vec::new();
    for (name, data, scale) in &streams {
        for rule in ["sgd", "adagrad", "adam", "ftrl", "pa"] {
            let ((lf, af), (l, a)) = figures(rule, data, *scale);
            let rv = if *name == "phishing+scaler" {
                river(rule)
            } else {
                None
            };
            let (rl, ra) = rv.map_or(("-".into(), "-".into()), |(l, a)| {
                (format!("{l:.5}"), format!("{:.2} %", a * 100.0))
            });
            println!(
                "| {name} | {rule} | {:.2} % | {:.2} % | {ra} | {lf:.5} | {l:.5} | {rl} |",
                af * 100.0,
                a * 100.0
            );
            if let Some((_, ra)) = rv {
                if (af - ra).abs() > 0.01 {
                    failures.push(format!("{name} {rule}: fixed {af} vs River {ra}"));
                }
            }
            if (af - a).abs() > 0.01 {
                failures.push(format!("{name} {rule}: fixed {af} vs f32 {a}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
