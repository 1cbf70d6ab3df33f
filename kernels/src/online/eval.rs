//! Progressive validation: for each example, predict first, score the prediction, then learn
//! from the example (River's `evaluate.progressive_val_score`, Vowpal Wabbit's "average loss").

use super::check_sample;
use super::models::{argmax, LogisticRegression};
use super::rules::Rule;
use super::scaler::StandardScaler;
use crate::math::fpu::{ln, softplus};
use crate::Error;

/// −ln(1e−15): the largest log-loss term River reports (it clamps probabilities to
/// [1e−15, 1 − 1e−15]).
///
/// ```
/// use mcu_kernels::online::{eval::MAX_LOG_LOSS, BinaryEval};
///
/// assert!((f64::from(MAX_LOG_LOSS) - 1e15f64.ln()).abs() < 1e-5);
/// // A confidently wrong logit costs at most MAX_LOG_LOSS.
/// let mut e = BinaryEval::new();
/// e.update_logit(-1000.0, true);
/// assert_eq!(e.log_loss(), f64::from(MAX_LOG_LOSS));
/// ```
pub const MAX_LOG_LOSS: f32 = 34.538_776;

/// The running counts both classification evaluators keep. Sums are kept in f64 (additions
/// only) so that a long stream does not lose small terms. 24 bytes.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Tally {
    pub(super) n: u32,
    pub(super) correct: u32,
    pub(super) skipped: u32,
    pub(super) log_loss_sum: f64,
}

impl Tally {
    const fn new() -> Self {
        Tally {
            n: 0,
            correct: 0,
            skipped: 0,
            log_loss_sum: 0.0,
        }
    }
    fn push(&mut self, correct: bool, term: f32) {
        self.n = self.n.saturating_add(1);
        if correct {
            self.correct = self.correct.saturating_add(1);
        }
        self.log_loss_sum += f64::from(term);
    }
    fn skip(&mut self) {
        self.skipped = self.skipped.saturating_add(1);
    }
    fn accuracy(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            f64::from(self.correct) / f64::from(self.n)
        }
    }
    fn log_loss(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.log_loss_sum / f64::from(self.n)
        }
    }
}

/// Running binary accuracy and mean log-loss. State: 24 bytes.
///
/// # Example
///
/// ```
/// use mcu_kernels::online::BinaryEval;
///
/// let mut e = BinaryEval::new();
/// e.update_logit(2.0, true); // right: ln(1 + e^−2)
/// e.update_logit(0.0, true); // a tie predicts false: wrong, ln 2
/// e.update_proba(0.9, false); // wrong: −ln(0.1)
/// e.skip();
/// assert_eq!((e.n(), e.correct(), e.skipped()), (3, 1, 1));
/// assert!((e.accuracy() - 1.0 / 3.0).abs() < 1e-12);
/// let want = ((-2f64).exp().ln_1p() + 2f64.ln() + 10f64.ln()) / 3.0;
/// assert!((e.log_loss() - want).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BinaryEval(pub(super) Tally);

impl BinaryEval {
    /// Nothing scored yet.
    /// Example: see the example on [`BinaryEval`].
    pub const fn new() -> Self {
        BinaryEval(Tally::new())
    }
    /// Score a prediction given as a logit z (P(y=1) = σ(z)); the predicted class is z > 0.
    /// The log-loss term is ln(1 + e^(−y±·z)), capped at [`MAX_LOG_LOSS`]. A NaN logit counts as
    /// z = 0.
    ///
    /// ```
    /// use mcu_kernels::online::BinaryEval;
    ///
    /// let mut e = BinaryEval::new();
    /// e.update_logit(1.0, false); // predicted true: wrong, term ln(1 + e^1)
    /// assert_eq!((e.n(), e.correct()), (1, 0));
    /// assert!((e.log_loss() - 1f64.exp().ln_1p()).abs() < 1e-6);
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn update_logit(&mut self, z: f32, y: bool) {
        let z = if z.is_nan() { 0.0 } else { z };
        let term = softplus(if y { -z } else { z });
        let term = if term < MAX_LOG_LOSS {
            term
        } else {
            MAX_LOG_LOSS
        };
        self.0.push((z > 0.0) == y, term);
    }
    /// Score a prediction given as P(y = 1) = p (predicted class: p > 0.5; p clamped to
    /// [1e−15, 1 − 2⁻²⁴] as far as f32 allows; NaN counts as 0.5).
    ///
    /// ```
    /// use mcu_kernels::online::BinaryEval;
    ///
    /// let mut e = BinaryEval::new();
    /// e.update_proba(0.8, true); // right: −ln 0.8
    /// e.update_proba(0.0, true); // wrong; P(y) = 0 is clamped to 1e−15
    /// assert_eq!((e.n(), e.correct()), (2, 1));
    /// assert!((e.log_loss() - (-(0.8f64.ln()) + 1e15f64.ln()) / 2.0).abs() < 1e-5);
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn update_proba(&mut self, p: f32, y: bool) {
        let p = if p.is_nan() { 0.5 } else { p };
        let q = if y { p } else { 1.0 - p };
        let q = if q > 1e-15 { q } else { 1e-15 };
        let term = -ln(q);
        let term = if term > 0.0 { term } else { 0.0 };
        self.0.push((p > 0.5) == y, term);
    }
    /// Count a sample that was not scored (non-finite) or not learned (rejected update).
    /// Example: see the example on [`BinaryEval`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn skip(&mut self) {
        self.0.skip();
    }
    /// Samples scored.
    /// Example: see the example on [`BinaryEval`].
    pub const fn n(&self) -> u32 {
        self.0.n
    }
    /// Samples skipped (see [`progressive_binary`]).
    /// Example: see the example on [`BinaryEval`].
    pub const fn skipped(&self) -> u32 {
        self.0.skipped
    }
    /// Correct predictions.
    /// Example: see the example on [`BinaryEval`].
    pub const fn correct(&self) -> u32 {
        self.0.correct
    }
    /// Accuracy in [0, 1] (0 before any sample).
    /// Example: see the example on [`BinaryEval`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn accuracy(&self) -> f64 {
        self.0.accuracy()
    }
    /// Mean log-loss (0 before any sample).
    /// Example: see the example on [`BinaryEval`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn log_loss(&self) -> f64 {
        self.0.log_loss()
    }
}

/// Running multiclass accuracy and mean cross-entropy. State: 24 bytes.
///
/// # Example
///
/// ```
/// use mcu_kernels::online::MulticlassEval;
///
/// let mut e = MulticlassEval::new();
/// e.update(&[0.7, 0.2, 0.1], 0); // right: −ln 0.7
/// e.update(&[0.3, 0.5, 0.2], 2); // wrong: −ln 0.2
/// e.update(&[0.3, 0.5, 0.2], 7); // out of range: wrong, −ln 1e−15
/// e.skip();
/// assert_eq!((e.n(), e.skipped()), (3, 1));
/// assert!((e.accuracy() - 1.0 / 3.0).abs() < 1e-12);
/// let want = (-(0.7f64.ln()) - 0.2f64.ln() + 1e15f64.ln()) / 3.0;
/// assert!((e.log_loss() - want).abs() < 1e-5);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MulticlassEval(pub(super) Tally);

impl MulticlassEval {
    /// Nothing scored yet.
    /// Example: see the example on [`MulticlassEval`].
    pub const fn new() -> Self {
        MulticlassEval(Tally::new())
    }
    /// Score class probabilities `proba` against class `y`: predicted class = argmax (first on
    /// ties); term −ln max(P(y), 1e−15). An out-of-range y counts as wrong with the maximum term.
    ///
    /// ```
    /// use mcu_kernels::online::MulticlassEval;
    ///
    /// let mut e = MulticlassEval::new();
    /// e.update(&[0.25, 0.25, 0.5], 2); // right: −ln 0.5
    /// e.update(&[0.4, 0.4, 0.2], 1); // tie between 0 and 1: predicts 0, wrong; −ln 0.4
    /// assert!((e.accuracy() - 0.5).abs() < 1e-12);
    /// assert!((e.log_loss() - (-(0.5f64.ln()) - 0.4f64.ln()) / 2.0).abs() < 1e-6);
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn update(&mut self, proba: &[f32], y: usize) {
        let py = proba.get(y).copied().unwrap_or(0.0);
        let py = if py > 1e-15 { py } else { 1e-15 };
        let term = -ln(py);
        let term = if term > 0.0 { term } else { 0.0 };
        self.0.push(argmax(proba) == y, term);
    }
    /// Count a skipped sample.
    /// Example: see the example on [`MulticlassEval`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn skip(&mut self) {
        self.0.skip();
    }
    /// Samples scored.
    /// Example: see the example on [`MulticlassEval`].
    pub const fn n(&self) -> u32 {
        self.0.n
    }
    /// Samples skipped.
    /// Example: see the example on [`MulticlassEval`].
    pub const fn skipped(&self) -> u32 {
        self.0.skipped
    }
    /// Accuracy in [0, 1].
    /// Example: see the example on [`MulticlassEval`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn accuracy(&self) -> f64 {
        self.0.accuracy()
    }
    /// Mean cross-entropy.
    /// Example: see the example on [`MulticlassEval`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn log_loss(&self) -> f64 {
        self.0.log_loss()
    }
}

/// Running regression errors: mean absolute error and root mean squared error. State: 24 bytes.
///
/// # Example
///
/// ```
/// use mcu_kernels::online::RegressionEval;
///
/// let mut e = RegressionEval::new();
/// e.update(3.0, 1.0); // error 2
/// e.update(0.0, 1.0); // error −1
/// e.update(f32::INFINITY, 1.0); // not finite: skipped
/// assert_eq!((e.n(), e.skipped()), (2, 1));
/// assert_eq!(e.mae(), 1.5);
/// assert_eq!(e.mse(), 2.5);
/// e.skip();
/// assert_eq!(e.skipped(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegressionEval {
    pub(super) n: u32,
    pub(super) skipped: u32,
    pub(super) abs_sum: f64,
    pub(super) sq_sum: f64,
}

impl RegressionEval {
    /// Nothing scored yet.
    /// Example: see the example on [`RegressionEval`].
    pub const fn new() -> Self {
        RegressionEval {
            n: 0,
            skipped: 0,
            abs_sum: 0.0,
            sq_sum: 0.0,
        }
    }
    /// Score prediction `pred` against `y` (non-finite pairs are counted as skipped).
    ///
    /// ```
    /// use mcu_kernels::online::RegressionEval;
    ///
    /// let mut e = RegressionEval::new();
    /// e.update(2.5, 1.0); // error 1.5
    /// e.update(f32::NAN, 1.0); // skipped
    /// assert_eq!((e.n(), e.skipped()), (1, 1));
    /// assert_eq!((e.mae(), e.mse()), (1.5, 2.25));
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn update(&mut self, pred: f32, y: f32) {
        let e = f64::from(pred) - f64::from(y);
        if !e.is_finite() {
            self.skip();
            return;
        }
        self.n = self.n.saturating_add(1);
        self.abs_sum += if e < 0.0 { -e } else { e };
        self.sq_sum += e * e;
    }
    /// Count a skipped sample.
    /// Example: see the example on [`RegressionEval`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn skip(&mut self) {
        self.skipped = self.skipped.saturating_add(1);
    }
    /// Samples scored.
    /// Example: see the example on [`RegressionEval`].
    pub const fn n(&self) -> u32 {
        self.n
    }
    /// Samples skipped.
    /// Example: see the example on [`RegressionEval`].
    pub const fn skipped(&self) -> u32 {
        self.skipped
    }
    /// Mean absolute error.
    ///
    /// ```
    /// use mcu_kernels::online::RegressionEval;
    ///
    /// let mut e = RegressionEval::new();
    /// assert_eq!(e.mae(), 0.0);
    /// for (p, y) in [(1.0f32, 0.0f32), (0.0, 3.0), (2.0, 2.0)] {
    ///     e.update(p, y);
    /// }
    /// assert_eq!(e.mae(), 4.0 / 3.0); // (1 + 3 + 0)/3
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn mae(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.abs_sum / f64::from(self.n)
        }
    }
    /// Mean squared error.
    ///
    /// ```
    /// use mcu_kernels::online::RegressionEval;
    ///
    /// let mut e = RegressionEval::new();
    /// for (p, y) in [(1.0f32, 0.0f32), (0.0, 3.0), (2.0, 2.0)] {
    ///     e.update(p, y);
    /// }
    /// assert_eq!(e.mse(), 10.0 / 3.0); // (1 + 9 + 0)/3
    /// assert!(e.mse() >= e.mae() * e.mae()); // MSE ≥ MAE²
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn mse(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.sq_sum / f64::from(self.n)
        }
    }
}

/// One progressive-validation step of River's `StandardScaler | LogisticRegression` pipeline
/// (pass `None` for no scaler):
/// 1. a sample with a non-finite feature is not scored nor learned: `eval.skip()` and the
///    error is returned;
/// 2. z = scaler.transform(x) (current statistics); score the model's logit on z;
/// 3. scaler.learn_one(x); z = scaler.transform(x) (updated statistics); model.learn_one(z, y).
///
/// Stack: three `[f32; D]` plus the model's `learn_one` (the gradient and the rule's new
/// arrays, 4·D bytes each; no copy of the model).
/// Cost: the scaler's and the model's rows (`online::StandardScaler::learn_one`,
/// `online::predict_proba[*]`, `online::learn_one[*]`) plus the loss and count updates.
///
/// # Errors
/// The sample errors above, or an overflow reported by the scaler or the model (the sample
/// was scored but not learned; `eval.skip()` is called).
///
/// ```
/// use mcu_kernels::{online::{progressive_binary, BinaryEval, LogisticRegression, Sgd}, Error};
///
/// let mut model = LogisticRegression::<2, Sgd>::new(Sgd::new(0.5));
/// let mut eval = BinaryEval::new();
/// // Scored before it is learned: the first prediction (logit 0) counts as a wrong `false`.
/// progressive_binary(None, &mut model, &mut eval, &[1.0, 0.0], true)?;
/// assert_eq!((eval.n(), eval.correct()), (1, 0));
/// assert!((eval.log_loss() - 2f64.ln()).abs() < 1e-6);
/// // Learned after scoring: the same sample now scores right.
/// progressive_binary(None, &mut model, &mut eval, &[1.0, 0.0], true)?;
/// assert_eq!((eval.n(), eval.correct()), (2, 1));
/// // A NaN feature is neither scored nor learned.
/// let e = progressive_binary(None, &mut model, &mut eval, &[f32::NAN, 0.0], true);
/// assert_eq!(e, Err(Error::NanInput));
/// assert_eq!((eval.n(), eval.skipped()), (2, 1));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn progressive_binary<const D: usize, R: Rule<D>>(
    scaler: Option<&mut StandardScaler<D>>,
    model: &mut LogisticRegression<D, R>,
    eval: &mut BinaryEval,
    x: &[f32; D],
    y: bool,
) -> Result<(), Error> {
    if let Err(e) = check_sample(x, 0.0) {
        eval.skip();
        return Err(e);
    }
    let mut z = [0.0f32; D];
    let r = match scaler {
        Some(s) => {
            s.transform(x, &mut z);
            eval.update_logit(model.predict_logit(&z), y);
            s.learn_transform(x, &mut z)
                .and_then(|()| model.learn_one(&z, y))
        }
        None => {
            eval.update_logit(model.predict_logit(x), y);
            model.learn_one(x, y)
        }
    };
    if r.is_err() {
        eval.skip();
    }
    r
}
