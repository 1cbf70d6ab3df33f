//! Every online learner fed an arbitrary sample stream: the GLMs (linear, logistic, softmax)
//! with every update rule, the fixed-point logistic regression, the standard scaler, Hedge and
//! the running evaluators. Contracts: a refused sample (`Err`) leaves the model exactly as it
//! was; an accepted one leaves every weight finite; probabilities are in [0, 1] (and sum to 1
//! for the softmax model); non-finite samples are refused; the evaluators stay in range.
#![no_main]
use ::fixed::types::I16F16;
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mcu_kernels::online::fixed::{FxAdaGrad, FxLogisticRegression, FxSgd};
use mcu_kernels::online::*;
use mcu_kernels::Error;

#[derive(Arbitrary, Debug)]
struct Sample {
    x: [f32; 3],
    y: f32,
    class: u8,
}

#[derive(Arbitrary, Debug)]
struct Input {
    rule: u8,
    /// Hyperparameters: a sane step from `lr_step`, or raw arbitrary values when `raw` is set.
    lr_step: u8,
    raw: Option<[f32; 5]>,
    flag: bool,
    samples: Vec<Sample>,
}

fn lr(inp: &Input, i: usize) -> f32 {
    match inp.raw {
        Some(r) => r[i % 5],
        None => f32::from(inp.lr_step.max(1)) / 256.0,
    }
}

fn finite(v: &[f32]) -> bool {
    v.iter().all(|x| x.is_finite())
}

macro_rules! drive {
    ($inp:expr, $rule:expr) => {{
        let inp = $inp;
        let mut lin = LinearRegression::<3, _>::new($rule);
        let mut log = LogisticRegression::<3, _>::new($rule);
        let mut soft = SoftmaxRegression::<3, 4, _>::new($rule);
        for s in inp.samples.iter().take(64) {
            let ok_x = finite(&s.x);
            // Linear regression.
            let before = lin.clone();
            match lin.learn_one(&s.x, s.y) {
                Ok(()) => {
                    assert!(
                        ok_x && s.y.is_finite(),
                        "linear: accepted a non-finite sample {s:?}"
                    );
                    assert!(
                        finite(lin.weights()) && lin.intercept().is_finite(),
                        "linear: non-finite state after {s:?}"
                    );
                }
                Err(e) => {
                    assert!(
                        matches!(e, Error::NanInput | Error::BadParameter(_)),
                        "linear: {e:?}"
                    );
                    assert!(
                        format!("{lin:?}") == format!("{before:?}"),
                        "linear: refused sample changed the model ({s:?})"
                    );
                }
            }
            if ok_x {
                let _ = lin.predict(&s.x);
            }
            // Logistic regression.
            let yb = s.class & 1 == 1;
            let before = log.clone();
            match log.learn_one(&s.x, yb) {
                Ok(()) => {
                    assert!(ok_x, "logistic: accepted a non-finite sample {s:?}");
                    assert!(
                        finite(log.weights()) && log.intercept().is_finite(),
                        "logistic: non-finite state"
                    );
                }
                Err(e) => {
                    assert!(
                        matches!(e, Error::NanInput | Error::BadParameter(_)),
                        "logistic: {e:?}"
                    );
                    assert!(
                        format!("{log:?}") == format!("{before:?}"),
                        "logistic: refused sample changed the model ({s:?})"
                    );
                }
            }
            if ok_x {
                let p = log.predict_proba(&s.x);
                assert!((0.0..=1.0).contains(&p), "logistic: predict_proba {p}");
            }
            // Softmax regression (K = 4; classes ≥ 4 are out of range).
            let c = usize::from(s.class % 6);
            let before = soft.clone();
            match soft.learn_one(&s.x, c) {
                Ok(()) => {
                    assert!(ok_x && c < 4, "softmax: accepted {s:?}");
                    assert!(
                        soft.weights().iter().all(|r| finite(r)) && finite(soft.intercepts()),
                        "softmax: non-finite state"
                    );
                }
                Err(e) => {
                    if c >= 4 {
                        assert_eq!(e, Error::IndexOutOfRange { index: c, len: 4 });
                    }
                    assert!(
                        format!("{soft:?}") == format!("{before:?}"),
                        "softmax: refused sample changed the model ({s:?})"
                    );
                }
            }
            if ok_x {
                let mut p = [0.0f32; 4];
                soft.predict_proba(&s.x, &mut p);
                let sum: f32 = p.iter().sum();
                assert!(
                    p.iter().all(|v| (0.0..=1.0).contains(v)) && (sum - 1.0).abs() <= 1e-5,
                    "softmax proba {p:?}"
                );
                assert!(soft.predict(&s.x) < 4);
            }
        }
    }};
}

fuzz_target!(|inp: Input| {
    let f = inp.flag;
    match inp.rule % 11 {
        0 => drive!(&inp, Sgd::new(lr(&inp, 0))),
        1 => drive!(&inp, AdaGrad::<3>::new(lr(&inp, 0), lr(&inp, 1) * 1e-6, f)),
        2 => drive!(&inp, Adam::<3>::new(lr(&inp, 0), 0.9, 0.999, 1e-8, f)),
        3 => drive!(&inp, AdaMax::<3>::new(lr(&inp, 0), 0.9, 0.999, 1e-8)),
        4 => drive!(
            &inp,
            Ftrl::<3>::new(lr(&inp, 0), lr(&inp, 1), lr(&inp, 2), lr(&inp, 3), f)
        ),
        5 => drive!(
            &inp,
            OptimisticOgd::<3>::new(lr(&inp, 0) * 100.0, lr(&inp, 1), f)
        ),
        6 => drive!(&inp, EntropicOmd::<3>::new(lr(&inp, 0), f)),
        7 => drive!(&inp, Implicit::new(lr(&inp, 0))),
        8 => drive!(&inp, AProx::new(lr(&inp, 0))),
        9 => drive!(&inp, PassiveAggressive::new(lr(&inp, 0))),
        _ => {
            // Raw hyperparameters for Adam: β and ε too.
            let r = inp.raw.unwrap_or([0.01, 0.9, 0.999, 1e-8, 0.0]);
            drive!(&inp, Adam::<3>::new(r[0], r[1], r[2], r[3], f))
        }
    }

    // Fixed point logistic regression: total (no errors), probabilities in [0, 1].
    let mut fx = FxLogisticRegression::<3, FxSgd>::new(FxSgd::new(I16F16::from_num(
        f32::from(inp.lr_step) / 256.0,
    )));
    let mut fa = FxLogisticRegression::<3, FxAdaGrad<3>>::new(FxAdaGrad::new(I16F16::from_bits(
        i32::from(inp.lr_step) << 8,
    )));
    let mut scaler = StandardScaler::<3>::new();
    let mut hedge = Hedge::<3>::new(lr(&inp, 0), f);
    let mut be = BinaryEval::new();
    let mut me = MulticlassEval::new();
    let mut re = RegressionEval::new();
    for s in inp.samples.iter().take(64) {
        let xq = s.x.map(|v| I16F16::from_bits(v.to_bits() as i32));
        fx.learn_one(&xq, s.class & 1 == 1);
        fa.learn_one(&xq, s.class & 2 == 2);
        for m in [fx.predict_proba(&xq), fa.predict_proba(&xq)] {
            assert!(
                m >= I16F16::ZERO && m <= I16F16::ONE,
                "fixed predict_proba {m}"
            );
        }
        let p = fixed_sigmoid_check(xq[0]);
        assert!(p >= I16F16::ZERO && p <= I16F16::ONE);

        // Scaler: refused samples change nothing (but the restart counter); accepted ones keep
        // means finite and variances ≥ 0.
        let (m0, v0, n0) = (*scaler.means(), *scaler.variances(), scaler.count());
        match scaler.learn_one(&s.x) {
            Ok(()) => {
                assert!(finite(&s.x), "scaler accepted {s:?}");
                assert!(
                    finite(scaler.means())
                        && scaler
                            .variances()
                            .iter()
                            .all(|v| v.is_finite() && *v >= 0.0),
                    "scaler state {:?} {:?}",
                    scaler.means(),
                    scaler.variances()
                );
                let mut out = [0.0f32; 3];
                scaler.transform(&s.x, &mut out);
                assert!(finite(&out), "scaler transform {out:?}");
            }
            Err(_) => {
                assert_eq!(
                    (*scaler.means(), *scaler.variances(), scaler.count()),
                    (m0, v0, n0),
                    "scaler changed on Err"
                );
            }
        }

        // Hedge: a distribution after every accepted update; non-finite losses refused.
        let before = hedge.clone();
        match hedge.learn_one(&s.x) {
            Ok(()) => {
                let w = hedge.weights();
                let sum: f32 = w.iter().sum();
                assert!(
                    w.iter().all(|v| *v >= 0.0) && (sum - 1.0).abs() <= 1e-5,
                    "hedge weights {w:?}"
                );
            }
            Err(_) => assert!(
                format!("{hedge:?}") == format!("{before:?}"),
                "hedge changed on Err"
            ),
        }
        if finite(&s.x) {
            let pr = hedge.predict(&s.x);
            let lo = s.x.iter().copied().fold(f32::INFINITY, f32::min);
            let hi = s.x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            assert!(
                !pr.is_finite()
                    || (pr >= lo - 1e-5 * lo.abs() - 1e-30 && pr <= hi + 1e-5 * hi.abs() + 1e-30),
                "hedge predict {pr} outside [{lo}, {hi}]"
            );
        }

        // Evaluators.
        be.update_logit(s.y, s.class & 1 == 1);
        be.update_proba(s.x[0], s.class & 2 == 2);
        me.update(&s.x, usize::from(s.class % 4));
        re.update(s.x[1], s.y);
        for a in [be.accuracy(), me.accuracy()] {
            assert!((0.0..=1.0).contains(&a), "accuracy {a}");
        }
        for l in [be.log_loss(), me.log_loss()] {
            assert!(
                l >= 0.0 && l <= f64::from(eval::MAX_LOG_LOSS) + 1e-9,
                "log loss {l}"
            );
        }
        let (mae, mse) = (re.mae(), re.mse());
        assert!(
            !(mae < 0.0) && !(mse < 0.0),
            "regression eval mae {mae} mse {mse}"
        );
    }
});

fn fixed_sigmoid_check(z: I16F16) -> I16F16 {
    mcu_kernels::online::fixed::sigmoid(z)
}
