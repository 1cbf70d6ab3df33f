//! Online-learner suites: each vector is a seeded stream of `STEPS` examples (9 features,
//! occasionally huge or non-finite); the digest covers every prediction, every result code
//! and the final weights.

use super::seed;
use crate::{Digest, Rng};
use mcu_kernels::online::{
    fixed::{
        to_fixed, FxAdaGrad, FxAdam, FxFtrl, FxLogisticRegression, FxPassiveAggressive, FxRule,
        FxSgd, FxStandardScaler,
    },
    AProx, AdaGrad, AdaMax, Adam, Ftrl, Implicit, LinearRegression, LogisticRegression,
    OptimisticOgd, PassiveAggressive, Rule, Sgd, SoftmaxRegression, StandardScaler,
};

const D: usize = 9;
const STEPS: u32 = 24;

/// A feature vector: mostly N(0,1)-ish, sometimes scaled up, rarely NaN or ±∞.
fn features(rng: &mut Rng, index: u32) -> [f32; D] {
    let mut x = [0.0f32; D];
    let scale = if index.is_multiple_of(7) { 1.0e6 } else { 3.0 };
    rng.fill_uniform(&mut x, -scale, scale);
    if index.is_multiple_of(11) && rng.below(16) == 0 {
        x[rng.below(D as u32) as usize] =
            [f32::NAN, f32::INFINITY, f32::NEG_INFINITY][rng.below(3) as usize];
    }
    x
}

/// A hidden linear rule gives the label, so the learners have something to learn.
fn label(x: &[f32; D]) -> bool {
    x[0] - 0.5 * x[3] + 0.25 * x[8] > 0.1
}

fn logistic<R: Rule<D>>(name: &str, index: u32, rule: R) -> Digest {
    let mut rng = Rng::new(seed(name, index));
    let mut m = LogisticRegression::<D, R>::new(rule);
    let mut d = Digest::default();
    for _ in 0..STEPS {
        let x = features(&mut rng, index);
        d.f32(m.predict_proba(&x));
        d.result(&m.learn_one(&x, label(&x)));
    }
    d.f32s(m.weights());
    d.f32(m.intercept());
    d
}

fn linear<R: Rule<D>>(name: &str, index: u32, rule: R) -> Digest {
    let mut rng = Rng::new(seed(name, index));
    let mut m = LinearRegression::<D, R>::new(rule);
    let mut d = Digest::default();
    for _ in 0..STEPS {
        let x = features(&mut rng, index);
        let y = 2.0 * x[1] - x[4] + 0.5;
        d.f32(m.predict(&x));
        d.result(&m.learn_one(&x, y));
    }
    d.f32s(m.weights());
    d.f32(m.intercept());
    d
}

pub(super) fn logistic_sgd(i: u32) -> Digest {
    logistic("online::LogisticRegression+Sgd", i, Sgd::new(0.1))
}
pub(super) fn logistic_adagrad(i: u32) -> Digest {
    logistic(
        "online::LogisticRegression+AdaGrad",
        i,
        AdaGrad::<D>::river(),
    )
}
pub(super) fn logistic_adam(i: u32) -> Digest {
    logistic("online::LogisticRegression+Adam", i, Adam::<D>::river())
}
pub(super) fn logistic_adamax(i: u32) -> Digest {
    logistic("online::LogisticRegression+AdaMax", i, AdaMax::<D>::river())
}
pub(super) fn logistic_ftrl(i: u32) -> Digest {
    logistic("online::LogisticRegression+Ftrl", i, Ftrl::<D>::river())
}
pub(super) fn logistic_oogd(i: u32) -> Digest {
    logistic(
        "online::LogisticRegression+OptimisticOgd",
        i,
        OptimisticOgd::<D>::default(),
    )
}
pub(super) fn logistic_pa(i: u32) -> Digest {
    logistic(
        "online::LogisticRegression+PassiveAggressive",
        i,
        PassiveAggressive::default(),
    )
}
pub(super) fn linear_implicit(i: u32) -> Digest {
    linear("online::LinearRegression+Implicit", i, Implicit::default())
}
pub(super) fn linear_aprox(i: u32) -> Digest {
    linear("online::LinearRegression+AProx", i, AProx::default())
}

pub(super) fn softmax_adagrad(index: u32) -> Digest {
    let mut rng = Rng::new(seed("online::SoftmaxRegression+AdaGrad", index));
    let mut m = SoftmaxRegression::<D, 3, AdaGrad<D>>::new(AdaGrad::river());
    let mut d = Digest::default();
    let mut p = [0.0f32; 3];
    for _ in 0..STEPS {
        let x = features(&mut rng, index);
        let y = if x[0] > 1.0 {
            0
        } else if x[2] < -1.0 {
            1
        } else {
            2
        };
        m.predict_proba(&x, &mut p);
        d.f32s(&p);
        d.result(&m.learn_one(&x, y));
    }
    for w in m.weights() {
        d.f32s(w);
    }
    d.f32s(m.intercepts());
    d
}

pub(super) fn scaler(index: u32) -> Digest {
    let mut rng = Rng::new(seed("online::StandardScaler", index));
    let mut s = StandardScaler::<D>::new();
    let mut d = Digest::default();
    let mut out = [0.0f32; D];
    for _ in 0..STEPS {
        let x = features(&mut rng, index);
        d.result(&s.learn_one(&x));
        s.transform(&x, &mut out);
        d.f32s(&out);
    }
    d
}

pub(super) fn fixed_adagrad(index: u32) -> Digest {
    let mut rng = Rng::new(seed("online::fixed::FxLogisticRegression+FxAdaGrad", index));
    let mut m = FxLogisticRegression::<D, FxAdaGrad<D>>::new(FxAdaGrad::new(to_fixed(0.1)));
    let mut d = Digest::default();
    for _ in 0..STEPS {
        let xf = features(&mut rng, index);
        let x = xf.map(|v| to_fixed(if v.is_finite() { v } else { 0.0 }));
        d.word(m.predict_proba(&x).to_bits() as u32);
        m.learn_one(&x, label(&xf));
    }
    for w in m.weights() {
        d.word(w.to_bits() as u32);
    }
    d.word(m.intercept().to_bits() as u32);
    d
}

/// A fixed-point learner behind the fixed-point scaler, with `try_learn_one` on every other
/// step: the digest covers every prediction, every result code, the scaled features and the
/// final weights.
fn fixed_logistic<R: FxRule<D>>(name: &str, index: u32, rule: R) -> Digest {
    let mut rng = Rng::new(seed(name, index));
    let mut m = FxLogisticRegression::<D, R>::new(rule);
    let mut sc = FxStandardScaler::<D>::new();
    let mut d = Digest::default();
    let mut z = [to_fixed(0.0); D];
    for step in 0..STEPS {
        let xf = features(&mut rng, index);
        let x = xf.map(|v| to_fixed(if v.is_finite() { v } else { 0.0 }));
        sc.learn_transform(&x, &mut z);
        for v in &z {
            d.word(v.to_bits() as u32);
        }
        d.word(m.predict_proba(&z).to_bits() as u32);
        if step % 2 == 0 {
            m.learn_one(&z, label(&xf));
        } else {
            d.word(u32::from(m.try_learn_one(&x, label(&xf)).is_ok()));
        }
    }
    for w in m.weights() {
        d.word(w.to_bits() as u32);
    }
    d.word(m.intercept().to_bits() as u32);
    d
}

pub(super) fn fixed_sgd(index: u32) -> Digest {
    fixed_logistic("online::fixed::FxSgd", index, FxSgd::new(to_fixed(0.1)))
}

pub(super) fn fixed_adam(index: u32) -> Digest {
    fixed_logistic("online::fixed::FxAdam", index, FxAdam::<D>::river())
}

pub(super) fn fixed_ftrl(index: u32) -> Digest {
    fixed_logistic("online::fixed::FxFtrl", index, FxFtrl::<D>::river())
}

pub(super) fn fixed_pa(index: u32) -> Digest {
    fixed_logistic(
        "online::fixed::FxPassiveAggressive",
        index,
        FxPassiveAggressive::new(to_fixed(1.0)),
    )
}

pub(super) fn fixed_adagrad_scaled(index: u32) -> Digest {
    fixed_logistic(
        "online::fixed::FxAdaGrad+FxStandardScaler",
        index,
        FxAdaGrad::<D>::new(to_fixed(0.1)),
    )
}
