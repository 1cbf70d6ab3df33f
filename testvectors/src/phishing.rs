//! River's Phishing data set (1,250 rows × 9 features, `host/data/phishing/`), embedded at
//! build time, and the progressive validation of `StandardScaler | LogisticRegression` on it
//! with River-compatible rules. The firmware runs this in its demo and on-target tests; the
//! host runs the same code, so the results can be compared bit for bit.

use crate::Digest;
use mcu_kernels::online::{
    progressive_binary, AdaGrad, Adam, BinaryEval, Ftrl, LogisticRegression, Rule, Sgd,
    StandardScaler,
};

include!(concat!(env!("OUT_DIR"), "/phishing_data.rs"));

/// The rules compared against River (REFERENCE §4), in order.
pub const RULES: [&str; 4] = ["SGD(0.1)", "AdaGrad", "Adam", "FTRL-Proximal"];

/// River 0.26.1's progressive-validation figures (log-loss, accuracy) for [`RULES`].
pub const RIVER: [(f64, f64); 4] = [
    (0.27059, 0.8896),
    (0.28389, 0.8928),
    (0.31349, 0.8776),
    (0.34082, 0.8904),
];

/// The outcome of one progressive-validation run.
#[derive(Clone, Copy, Debug)]
pub struct Outcome {
    /// Fraction of correct predictions.
    pub accuracy: f64,
    /// Mean log-loss.
    pub log_loss: f64,
    /// Examples scored.
    pub n: u32,
    /// Digest of the evaluation figures and the final weights.
    pub digest: Digest,
}

fn run<R: Rule<9>>(rule: R) -> Outcome {
    let mut scaler = StandardScaler::<9>::new();
    let mut model = LogisticRegression::<9, R>::new(rule);
    let mut eval = BinaryEval::new();
    let mut d = Digest::default();
    for (x, &y) in FEATURES.iter().zip(LABELS.iter()) {
        d.result(&progressive_binary(
            Some(&mut scaler),
            &mut model,
            &mut eval,
            x,
            y,
        ));
    }
    let (accuracy, log_loss) = (eval.accuracy(), eval.log_loss());
    for w in [accuracy.to_bits(), log_loss.to_bits()] {
        d.word(w as u32);
        d.word((w >> 32) as u32);
    }
    d.f32s(model.weights());
    d.f32(model.intercept());
    Outcome {
        accuracy,
        log_loss,
        n: eval.n(),
        digest: d,
    }
}

/// Progressive validation with rule `i` of [`RULES`] (River's default hyperparameters;
/// `None` for an index out of range).
pub fn progressive(i: usize) -> Option<Outcome> {
    Some(match i {
        0 => run(Sgd::new(0.1)),
        1 => run(AdaGrad::<9>::river()),
        2 => run(Adam::<9>::river()),
        3 => run(Ftrl::<9>::river()),
        _ => return None,
    })
}
