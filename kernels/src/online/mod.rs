//! Online learners: generalised linear models trained one example at a time, the update rules
//! that train them, a running standard scaler and a progressive-validation evaluator.
//!
//! Everything is sized at compile time (`D` features, `K` classes): no heap, no panics; each
//! state is a plain struct of arrays whose size in bytes is stated on its type (and checked
//! with `core::mem::size_of` in the tests).
//!
//! * Models ([`models`]): [`LinearRegression`], [`LogisticRegression`], [`SoftmaxRegression`]
//!   (multinomial, built on [`crate::softmax::three_pass`]). Each takes any update rule.
//! * Update rules ([`rules`]), all behind the one trait [`Rule`]: [`Sgd`], [`AdaGrad`],
//!   [`Adam`], [`AdaMax`], [`Ftrl`] (FTRL-Proximal), [`OptimisticOgd`], [`EntropicOmd`]
//!   (optimistic exponentiated gradient on the simplex), [`Implicit`], [`AProx`], [`PassiveAggressive`].
//!   The adaptive rules offer River-compatible variants (documented per rule).
//! * [`Hedge`]: (optimistic) Hedge / entropic mirror descent over `K` experts.
//! * [`StandardScaler`]: Welford running mean and population variance, River's semantics.
//! * [`BinaryEval`], [`MulticlassEval`], [`RegressionEval`] and [`progressive_binary`]:
//!   progressive validation (predict, score, then learn), as River and Vowpal Wabbit report.
//! * [`checkpoint`]: a versioned, CRC-checked, fixed-size encoding of every learner's state
//!   ([`Checkpoint::save`] / [`Checkpoint::restore`]), for keeping it across resets.
//! * [`fixed`]: `I16F16` fixed-point learners for cores without an FPU: a logistic regression
//!   with saturating SGD, AdaGrad, Adam, FTRL-Proximal and Passive-Aggressive, and a scaler.
//!
//! # Example: progressive validation, River's `StandardScaler | LogisticRegression(AdaGrad())`
//!
//! ```
//! use mcu_kernels::online::{progressive_binary, AdaGrad, BinaryEval, LogisticRegression, StandardScaler};
//!
//! // State: 76 + 104 + 24 bytes, no heap.
//! let mut scaler = StandardScaler::<9>::new();
//! let mut model = LogisticRegression::<9, AdaGrad<9>>::new(AdaGrad::river());
//! let mut eval = BinaryEval::new();
//! let stream: [([f32; 9], bool); 2] = [
//!     ([0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 1.0, 1.0], true),
//!     ([1.0, 0.0, 0.5, 0.5, 0.0, 0.5, 0.0, 1.0, 0.0], true),
//! ];
//! for (x, y) in &stream {
//!     // Predict, score, then learn; a rejected sample is counted in `eval.skipped()`.
//!     let _ = progressive_binary(Some(&mut scaler), &mut model, &mut eval, x, *y);
//! }
//! assert_eq!(eval.n(), 2);
//! assert!(eval.log_loss() > 0.0 && eval.accuracy() <= 1.0);
//! ```
//!
//! On River's Phishing stream (1,250 rows) this gives log-loss 0.28389 and accuracy 89.28 %,
//! River 0.26.1's figures (`host/tests/online_phishing.rs`).
//!
//! # Semantics (River-compatible defaults)
//!
//! A model's raw score is p = wᵀx + b. `learn_one` follows River's `GLM._fit`: the loss
//! derivative ℓ'(p) is computed at the current weights and clipped to ±`clip_gradient`
//! (default 1e12); the weight gradient is g = ℓ'(p)·x + λ₂·w (each coordinate also clipped to
//! ±[`GRAD_LIMIT`]); the intercept moves by plain SGD, b ← b − `intercept_lr`·ℓ'(p)
//! (default 0.01, whatever the rule, as in River); then the rule updates w.
//!
//! # Safety policy for adversarial streams
//!
//! * A sample with a NaN feature or target is rejected with [`Error::NanInput`], one with an
//!   infinite feature or target with [`Error::BadParameter`]; the state is unchanged.
//! * If an update would make any state value non-finite (overflow on huge but finite inputs),
//!   nothing is written and [`Error::BadParameter`] is returned: the state stays bit-identical.
//!   `learn_one` computes the new values into locals first ([`Rule::try_step`]), checks them
//!   (with an FPU one running sum: a finite sum of the new values proves each one finite, and
//!   only a non-finite sum runs the per-value test; without an FPU, their exponent bits), then
//!   writes them. No copy of the state is made: the stack holds the gradient and the rule's
//!   new arrays (4·D bytes each; registers for small D). A user-defined [`Rule`] without its
//!   own `try_step` gets the default, which steps a copy of the rule and of w.
//!   [`SoftmaxRegression::learn_one`] still copies the model (its K rows are all or nothing).
//! * The sample is checked in full only when wᵀx is not finite: an infinite or NaN feature
//!   always makes it so, and the error returned is the same as the full check's.
//! * Predictions never return NaN: a raw score that overflows is clamped to ±`f32::MAX`, and a
//!   NaN score (∞ − ∞ in the dot product) is replaced by 0. Every division is guarded (ε > 0,
//!   zero norms skip the step).
//!
//! # Cost
//!
//! Executed instructions per call on the Cortex-M4F (`cargo xtask bench`, QEMU), a
//! `LogisticRegression<9, _>` and a `StandardScaler<9>` (the stack of each call, per core, is
//! in [`LogisticRegression::learn_one`]'s and [`StandardScaler::learn_one`]'s docs):
//!
//! | call | instructions |
//! |---|---|
//! | `learn_one`, [`Sgd`] | 263 |
//! | `learn_one`, [`AdaGrad`] | 839 |
//! | `learn_one`, [`Adam`] | 1,003 |
//! | `learn_one`, [`AdaMax`] | 478 |
//! | `learn_one`, [`Ftrl`] | 1,732 |
//! | `learn_one`, [`OptimisticOgd`] | 780 |
//! | `learn_one`, [`PassiveAggressive`] | 205 |
//! | `learn_one`, [`AProx`] | 438 |
//! | `predict_proba` | 102 |
//! | [`StandardScaler::learn_one`] | 204 |
//!
//! As the work grows (`online::learn_one[Rule;D]` rows, D = 32 and 128), instructions per added
//! feature on the M4F / M3 / M0: [`Sgd`] 25 / 426 / 690, [`AdaGrad`] 92 / 879 / 1,622, [`Adam`]
//! 122 / 992 / 1,746, [`Ftrl`] 178 / 1,569 / 2,895 (the M0's bench has only AdaGrad's rows, for
//! flash; its other figures were measured with the bench cut down to these rows). On the M4F most of the adaptive rules' share is
//! the square root (one for AdaGrad and Adam, two for FTRL per feature): `libm::sqrtf`, about 40
//! instructions in software, because `f32::sqrt` (one `vsqrt.f32`) is not in `core` and this
//! crate forbids the `unsafe` an `asm!` would need. A square root by three Heron steps on the
//! FPU and an exact integer rounding check (libm's bits on all 2³² inputs when it was tried) was
//! slower than libm's (AdaGrad 1,080 instructions at D = 9 instead of 839), so it was not kept.
//! [`SoftmaxRegression::learn_one`] with AdaGrad on 8 features: 2,863 (K = 3) and
//! 8,972 (K = 10) instructions on the M4F (about 900 per class).

pub mod checkpoint;
pub mod eval;
pub mod experts;
pub mod fixed;
pub mod models;
pub mod rules;
pub mod scaler;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use eval::{progressive_binary, BinaryEval, MulticlassEval, RegressionEval};
pub use experts::Hedge;
pub use models::{GlmConfig, LinearRegression, LogisticRegression, SoftmaxRegression};
pub use rules::{
    AProx, AdaGrad, AdaMax, Adam, EntropicOmd, Example, Ftrl, Implicit, OptimisticOgd,
    PassiveAggressive, Rule, Sgd,
};
pub use scaler::StandardScaler;

use crate::Error;

/// Largest magnitude of one gradient coordinate; larger ones are clipped. Its square (1e30)
/// and sums of many squares stay finite in f32.
///
/// ```
/// use mcu_kernels::online::{LinearRegression, Sgd, GRAD_LIMIT};
///
/// // A huge but finite feature: the gradient coordinate 2(p − y)·x = −2e20 is clipped to
/// // −GRAD_LIMIT before the rule sees it, so one SGD step moves w by at most η·GRAD_LIMIT.
/// let mut m = LinearRegression::<1, Sgd>::new(Sgd::new(1e-3));
/// m.learn_one(&[1e20], 1.0)?;
/// assert_eq!(m.weights()[0], 1e-3 * GRAD_LIMIT);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
pub const GRAD_LIMIT: f32 = 1e15;

/// |v| (clears the sign bit; one `vabs` on an FPU).
#[inline]
pub(crate) fn abs(v: f32) -> f32 {
    f32::from_bits(v.to_bits() & 0x7fff_ffff)
}

/// `v` clamped to ±`lim` (NaN gives 0).
///
/// The common case |v| ≤ `lim` is one comparison; the rest is out of line. Both paths give
/// the same bits as the three comparisons of the definition.
#[inline]
pub(crate) fn clip(v: f32, lim: f32) -> f32 {
    if abs(v) <= lim {
        v
    } else {
        clip_outside(v, lim)
    }
}

/// [`clip`] when |v| ≤ `lim` is false (v outside, v NaN or `lim` NaN).
///
/// An `extern "C"` function only so that it is `nounwind` (a Rust panic cannot cross that
/// ABI), which lets the no-panic proofs of the kernels that call it see that the call cannot
/// unwind whichever codegen unit it lands in; it is never called from C. It cannot panic
/// either (comparisons only) and carries the proof's mark itself.
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[cold]
#[inline(never)]
extern "C" fn clip_outside(v: f32, lim: f32) -> f32 {
    if v > lim {
        lim
    } else if v < -lim {
        -lim
    } else if v.is_nan() {
        0.0
    } else {
        v
    }
}

/// A finite value: NaN → 0, ±∞ → ±`f32::MAX`.
#[inline]
pub(crate) fn finite_or_clamp(v: f32) -> f32 {
    clip(v, f32::MAX)
}

/// Square root (IEEE correctly rounded; `libm::sqrtf`).
#[inline]
pub(crate) fn sqrt(v: f32) -> f32 {
    libm::sqrtf(v)
}

/// wᵀx in f32, sequential sum, result made finite by [`finite_or_clamp`].
#[inline]
pub(crate) fn dot<const D: usize>(w: &[f32; D], x: &[f32; D]) -> f32 {
    finite_or_clamp(dot_raw(w, x))
}

/// wᵀx in f32, sequential sum, not clamped. Finite only if every x_i is finite (w finite): an
/// infinite x_i gives ±∞ or 0·∞ = NaN, which the sum keeps; so `learn_one` checks its sample
/// in full only when this is not finite.
#[inline]
pub(crate) fn dot_raw<const D: usize>(w: &[f32; D], x: &[f32; D]) -> f32 {
    let mut s = 0.0f32;
    for (a, b) in w.iter().zip(x) {
        s += a * b;
    }
    s
}

/// ‖v‖² (may be +∞ for huge vectors; callers guard).
#[inline]
pub(crate) fn norm2(v: &[f32]) -> f32 {
    let mut s = 0.0f32;
    for a in v {
        s += a * a;
    }
    s
}

/// All values finite?
#[inline]
pub(crate) fn all_finite(v: &[f32]) -> bool {
    v.iter().all(|a| a.is_finite())
}

/// Does the target add floats in hardware? (`eabihf` Arm targets and every non-Arm host.)
pub(crate) const HARD_FLOAT: bool = cfg!(any(not(target_arch = "arm"), target_abi = "eabihf"));

/// The finiteness check of an update's new values, fed one value at a time.
///
/// With an FPU: a running sum, one add per value; a finite sum proves every value finite (one
/// ±∞ or NaN term makes every later partial sum ±∞ or NaN), and only a non-finite sum (a
/// non-finite value, or the sum itself overflowing) runs the per-value test. Without one
/// (a float add is a library call there): the exponent bits of each value, or-ed together.
#[derive(Clone, Copy)]
pub(crate) struct FiniteCheck {
    sum: f32,
    bad: u32,
}

impl FiniteCheck {
    /// No value seen yet.
    #[inline]
    pub(crate) const fn new() -> Self {
        FiniteCheck { sum: 0.0, bad: 0 }
    }
    /// Take one new value into the check.
    #[inline]
    pub(crate) fn add(&mut self, v: f32) {
        if HARD_FLOAT {
            self.sum += v;
        } else {
            self.bad |= u32::from(v.to_bits() & 0x7f80_0000 == 0x7f80_0000);
        }
    }
    /// Were all the values finite? `new`: the arrays that hold them (read only when the sum
    /// is not finite).
    #[inline]
    pub(crate) fn all_finite(self, new: &[&[f32]]) -> bool {
        if HARD_FLOAT {
            self.sum.is_finite() || new.iter().all(|v| all_finite(v))
        } else {
            self.bad == 0
        }
    }
}

/// The sample policy: `Ok` if every value is finite, otherwise the error to return.
#[inline]
pub(crate) fn check_sample(x: &[f32], y: f32) -> Result<(), Error> {
    if y.is_nan() || x.iter().any(|v| v.is_nan()) {
        return Err(Error::NanInput);
    }
    if !y.is_finite() || !all_finite(x) {
        return Err(Error::BadParameter("infinite feature or target"));
    }
    Ok(())
}

/// The error returned when an update would overflow (the update is undone).
pub(crate) const OVERFLOW: Error = Error::BadParameter("update overflowed; sample skipped");

#[cfg(test)]
mod tests;
