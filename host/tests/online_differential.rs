//! Differential tests: the f32 kernels of `mcu_kernels::online` against their f64 replicas
//! (`host::reference::online`) over 10,000-step seeded streams, for every model × rule.
//!
//! Tolerance (documented, measured with margin): at every step the f32 raw score p₃₂ must
//! satisfy |p₃₂ − p₆₄| ≤ TOL·(1 + |p₆₄|), and at the end every weight |w₃₂ − w₆₄| ≤
//! TOL·(1 + max|w₆₄|), with TOL = 2e−3. The f32 rounding (2⁻²⁴ per operation) accumulates
//! through 10,000 dependent updates; the measured worst case is printed by each test and is
//! below 4e−5 everywhere except in one documented case:
//!
//! * projected OGD / optimistic OGD on the *unscaled* logistic stream (features up to ±15):
//!   the iterate sits on the boundary of the feasible ball, where the projection is
//!   non-smooth and the dynamics along the sphere are neutrally stable, so f32 rounding is not
//!   damped and the per-step logits of the f32 and f64 runs drift apart by up to a few units
//!   (measured: optimistic 4e−3 relative, plain OGD up to 12) while the final weights agree to
//!   within [`PROJECTED_TOL`] (measured 1e−6 and 7e−3). For these two only the final weights are
//!   checked there; on the scaled stream they meet TOL like every other rule.

use host::reference::online::{CfgF64, GlmF64, Loss, RuleKind, ScalerF64, SoftmaxF64};
use mcu_kernels::online::{
    AProx, AdaGrad, AdaMax, Adam, EntropicOmd, Ftrl, GlmConfig, Implicit, LinearRegression,
    LogisticRegression, OptimisticOgd, PassiveAggressive, Rule, Sgd, SoftmaxRegression,
    StandardScaler,
};
use testvectors::Rng;

const D: usize = 8;
const K: usize = 3;
const STEPS: usize = 10_000;
const TOL: f64 = 2e-3;
/// Final-weight tolerance for the projected rules (OGD, optimistic OGD) on the unscaled
/// logistic stream; see the module docs.
const PROJECTED_TOL: f64 = 2e-2;

fn rules() -> Vec<(&'static str, RuleKind)> {
    vec![
        ("sgd", RuleKind::Sgd { lr: 0.01 }),
        ("adagrad", RuleKind::default_for("adagrad").unwrap()),
        (
            "adagrad-paper",
            RuleKind::AdaGrad {
                lr: 0.1,
                eps: 1e-8,
                inside: false,
            },
        ),
        ("adam", RuleKind::default_for("adam").unwrap()),
        (
            "adam-paper",
            RuleKind::Adam {
                lr: 0.01,
                b1: 0.9,
                b2: 0.999,
                eps: 1e-8,
                river: false,
            },
        ),
        ("adamax", RuleKind::default_for("adamax").unwrap()),
        ("ftrl", RuleKind::default_for("ftrl").unwrap()),
        (
            "ftrl-vw",
            RuleKind::Ftrl {
                alpha: 0.05,
                beta: 1.0,
                l1: 0.01,
                l2: 0.1,
                river: false,
            },
        ),
        ("oogd", RuleKind::default_for("oogd").unwrap()),
        (
            "ogd",
            RuleKind::Oogd {
                diameter: 20.0,
                delta: 1.0,
                optimistic: false,
            },
        ),
        ("entropic", RuleKind::default_for("entropic").unwrap()),
        ("implicit", RuleKind::default_for("implicit").unwrap()),
        ("aprox", RuleKind::default_for("aprox").unwrap()),
        ("pa", RuleKind::default_for("pa").unwrap()),
    ]
}

/// Dispatch a closure generic over the f32 rule matching `kind`.
trait WithRule {
    fn call<R: Rule<D>>(&mut self, rule: R) -> (f64, f64);
}

fn with_rule<F: WithRule>(kind: RuleKind, f: &mut F) -> (f64, f64) {
    match kind {
        RuleKind::Sgd { lr } => f.call(Sgd::new(lr as f32)),
        RuleKind::AdaGrad { lr, eps, inside } => {
            f.call(AdaGrad::<D>::new(lr as f32, eps as f32, inside))
        }
        RuleKind::Adam {
            lr,
            b1,
            b2,
            eps,
            river,
        } => f.call(Adam::<D>::new(
            lr as f32, b1 as f32, b2 as f32, eps as f32, river,
        )),
        RuleKind::AdaMax { lr, b1, b2, eps } => f.call(AdaMax::<D>::new(
            lr as f32, b1 as f32, b2 as f32, eps as f32,
        )),
        RuleKind::Ftrl {
            alpha,
            beta,
            l1,
            l2,
            river,
        } => f.call(Ftrl::<D>::new(
            alpha as f32,
            beta as f32,
            l1 as f32,
            l2 as f32,
            river,
        )),
        RuleKind::Oogd {
            diameter,
            delta,
            optimistic,
        } => f.call(OptimisticOgd::<D>::new(
            diameter as f32,
            delta as f32,
            optimistic,
        )),
        RuleKind::Entropic { eta, optimistic } => {
            f.call(EntropicOmd::<D>::new(eta as f32, optimistic))
        }
        RuleKind::Implicit { lr } => f.call(Implicit::new(lr as f32)),
        RuleKind::AProx { lr } => f.call(AProx::new(lr as f32)),
        RuleKind::Pa { c } => f.call(PassiveAggressive::new(c as f32)),
    }
}

fn features(rng: &mut Rng) -> [f32; D] {
    let mut x = [0.0f32; D];
    rng.fill_uniform(&mut x, -1.0, 1.0);
    x
}

fn to64(x: &[f32]) -> Vec<f64> {
    x.iter().map(|&v| f64::from(v)).collect()
}

fn rel(a: f32, b: f64) -> f64 {
    (f64::from(a) - b).abs() / (1.0 + b.abs())
}

fn cfg64(c: GlmConfig) -> CfgF64 {
    CfgF64 {
        intercept_lr: f64::from(c.intercept_lr),
        l2: f64::from(c.l2),
        clip_gradient: f64::from(c.clip_gradient),
        pa_epsilon: f64::from(c.pa_epsilon),
    }
}

struct Lin {
    kind: RuleKind,
    seed: u64,
}
impl WithRule for Lin {
    fn call<R: Rule<D>>(&mut self, rule: R) -> (f64, f64) {
        let mut rng = Rng::new(self.seed);
        let truth = features(&mut rng);
        let cfg = GlmConfig {
            l2: 0.001,
            ..GlmConfig::RIVER
        };
        let mut m = LinearRegression::<D, R>::with_config(rule, cfg);
        let mut r = GlmF64::new(Loss::Squared, self.kind, D, cfg64(cfg));
        let mut worst = 0.0f64;
        for _ in 0..STEPS {
            let x = features(&mut rng);
            let y =
                truth.iter().zip(&x).map(|(a, b)| a * b).sum::<f32>() + rng.uniform_f32(-0.1, 0.1);
            let x64 = to64(&x);
            let e = rel(m.predict(&x), r.raw(&x64));
            worst = worst.max(e);
            m.learn_one(&x, y).unwrap();
            r.learn_one(&x64, f64::from(y));
        }
        let scale = 1.0 + r.w.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        let werr = m.weights().iter().zip(&r.w).fold(0.0f64, |acc, (a, b)| {
            acc.max((f64::from(*a) - b).abs() / scale)
        });
        (worst, werr)
    }
}

struct Logi {
    kind: RuleKind,
    seed: u64,
    scale: bool,
}
impl WithRule for Logi {
    fn call<R: Rule<D>>(&mut self, rule: R) -> (f64, f64) {
        let mut rng = Rng::new(self.seed);
        let mut truth = features(&mut rng);
        for t in truth.iter_mut() {
            *t *= 4.0;
        }
        let mut m = LogisticRegression::<D, R>::new(rule);
        let mut r = GlmF64::new(Loss::Log, self.kind, D, CfgF64::RIVER);
        let mut sc = StandardScaler::<D>::new();
        let mut sr = ScalerF64::new(D);
        let mut worst = 0.0f64;
        for _ in 0..STEPS {
            let mut x = features(&mut rng);
            // Shifted, scaled features so that the scaler has work to do.
            for (i, v) in x.iter_mut().enumerate() {
                *v = *v * (1.0 + i as f32) + i as f32;
            }
            let logit = truth
                .iter()
                .zip(&x)
                .enumerate()
                .map(|(i, (a, b))| a * (b - i as f32) / (1.0 + i as f32))
                .sum::<f32>();
            let y = rng.unit_f32() < 1.0 / (1.0 + (-logit).exp());
            let x64 = to64(&x);
            let (z, z64) = if self.scale {
                let mut z = [0.0f32; D];
                sc.transform(&x, &mut z);
                (z, sr.transform(&x64))
            } else {
                (x, x64.clone())
            };
            let e = rel(m.predict_logit(&z), r.raw(&z64));
            worst = worst.max(e);
            let (z, z64) = if self.scale {
                let mut z = [0.0f32; D];
                sc.learn_transform(&x, &mut z).unwrap();
                sr.learn_one(&x64);
                (z, sr.transform(&x64))
            } else {
                (x, x64)
            };
            m.learn_one(&z, y).unwrap();
            r.learn_one(&z64, if y { 1.0 } else { 0.0 });
        }
        let scale = 1.0 + r.w.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        let werr = m.weights().iter().zip(&r.w).fold(0.0f64, |acc, (a, b)| {
            acc.max((f64::from(*a) - b).abs() / scale)
        });
        (worst, werr)
    }
}

struct Soft {
    kind: RuleKind,
    seed: u64,
}
impl WithRule for Soft {
    fn call<R: Rule<D>>(&mut self, rule: R) -> (f64, f64) {
        let mut rng = Rng::new(self.seed);
        let truth: Vec<[f32; D]> = (0..K).map(|_| features(&mut rng)).collect();
        let mut m = SoftmaxRegression::<D, K, R>::new(rule);
        let mut r = SoftmaxF64::new(self.kind, D, K, CfgF64::RIVER);
        let mut worst = 0.0f64;
        for _ in 0..STEPS {
            let x = features(&mut rng);
            let y = (0..K)
                .map(|k| {
                    truth[k]
                        .iter()
                        .zip(&x)
                        .map(|(a, b)| 3.0 * a * b)
                        .sum::<f32>()
                        + rng.uniform_f32(-0.5, 0.5)
                })
                .enumerate()
                .fold(
                    (0, f32::NEG_INFINITY),
                    |b, (k, s)| if s > b.1 { (k, s) } else { b },
                )
                .0;
            let x64 = to64(&x);
            let mut s = [0.0f32; K];
            m.predict_scores(&x, &mut s);
            for (a, b) in s.iter().zip(r.scores(&x64)) {
                let e = rel(*a, b);
                worst = worst.max(e);
            }
            m.learn_one(&x, y).unwrap();
            r.learn_one(&x64, y);
        }
        let scale = 1.0 + r.w.iter().flatten().fold(0.0f64, |a, b| a.max(b.abs()));
        let werr = m
            .weights()
            .iter()
            .flatten()
            .zip(r.w.iter().flatten())
            .fold(0.0f64, |acc, (a, b)| {
                acc.max((f64::from(*a) - b).abs() / scale)
            });
        (worst, werr)
    }
}

fn check(name: &str, pred: f64, weights: f64) -> Option<String> {
    (pred > TOL || weights > TOL)
        .then(|| format!("{name}: prediction {pred:.2e}, weights {weights:.2e}"))
}

/// Runs one model against its f64 twin under every rule; `make(kind, i)` builds the case of
/// rule number `i`. `projected` rules (the OGD family) are held to `PROJECTED_TOL` on the
/// weights only (module docs); the others to `TOL` on predictions and weights.
fn every_rule<F: WithRule>(
    label: &str,
    error: &str,
    projected: bool,
    make: impl Fn(RuleKind, u64) -> F,
) {
    let mut failures = Vec::new();
    for (i, (name, kind)) in rules().into_iter().enumerate() {
        let (w, we) = with_rule(kind, &mut make(kind, i as u64));
        println!(
            "{label:8} {name:14} worst relative {error} error {w:.2e}, final weights {we:.2e}"
        );
        if projected && name.ends_with("ogd") {
            if we > PROJECTED_TOL {
                failures.push(format!("{name}: weights {we:.2e}"));
            }
            continue;
        }
        failures.extend(check(name, w, we));
    }
    assert!(failures.is_empty(), "{label}: {failures:?}");
}

#[test]
fn linear_regression_every_rule() {
    every_rule("linear", "prediction", false, |kind, i| Lin {
        kind,
        seed: 0x11 + i,
    });
}

#[test]
fn logistic_regression_every_rule() {
    // See the module docs: projected rules on the unscaled stream.
    every_rule("logistic", "logit", true, |kind, i| Logi {
        kind,
        seed: 0x22 + i,
        scale: false,
    });
}

#[test]
fn scaled_logistic_regression_every_rule() {
    every_rule("scaled", "logit", false, |kind, i| Logi {
        kind,
        seed: 0x33 + i,
        scale: true,
    });
}

#[test]
fn softmax_regression_every_rule() {
    every_rule("softmax", "score", false, |kind, i| Soft {
        kind,
        seed: 0x44 + i,
    });
}
