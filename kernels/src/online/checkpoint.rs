//! Checkpoints: a versioned, checksummed, fixed-size byte encoding of every online learner's
//! state, so that a device keeps what it learned across resets and power loss.
//!
//! [`save`] writes a learner into a caller's `&mut [u8]`, [`restore`] rebuilds it from a
//! `&[u8]`; both are also methods of the trait [`Checkpoint`], which every learner of
//! [`crate::online`] implements: each [`Rule`] ([`Sgd`], [`AdaGrad`], [`Adam`],
//! [`AdaMax`], [`Ftrl`], [`OptimisticOgd`], [`EntropicOmd`], [`Implicit`], [`AProx`],
//! [`PassiveAggressive`]), each model with its rule inside ([`LinearRegression`],
//! [`LogisticRegression`], [`SoftmaxRegression`]), the fixed-point family ([`FxSgd`],
//! [`FxAdaGrad`], [`FxLogisticRegression`]), [`StandardScaler`], the progressive evaluators
//! ([`BinaryEval`], [`MulticlassEval`], [`RegressionEval`]) and [`Hedge`].
//!
//! # Format (version 1)
//!
//! Every field is little-endian, every float its IEEE-754 bit pattern, so the encoding of a
//! state is the same bytes on the host and on every core.
//!
//! | bytes | field |
//! |---|---|
//! | 0..4 | magic `b"MKCP"` ([`MAGIC`]) |
//! | 4..6 | format version, u16 ([`VERSION`]) |
//! | 6..8 | kind, u16: learner tag (high byte, [`kind`]) and rule tag (low byte; 0 for none) |
//! | 8..12 | first dimension, u32 (D: features, or K experts for [`Hedge`]; 0 if none) |
//! | 12..16 | second dimension, u32 (K classes of [`SoftmaxRegression`]; 0 if none) |
//! | 16..size−4 | payload: the type's fields in declaration order (f32, I16F16 and u32 counts 4 bytes each, the evaluators' f64 sums 8, flags a u32 0 or 1); a model's rule follows its own fields |
//! | size−4..size | CRC-32/ISO-HDLC ([`crate::crc::crc32`]) of bytes 0..size−4 |
//!
//! The size is fixed by the type: [`Checkpoint::SIZE`], an associated constant computed from
//! D and K, so a buffer can be sized at compile time
//! (`[0u8; LogisticRegression::<9, Adam<9>>::SIZE]`). Sizes at D = 9 (K = 3 for softmax):
//!
//! | learner | bytes |
//! |---|---|
//! | [`LogisticRegression`]`<9, _>` / [`LinearRegression`]`<9, _>` with [`Sgd`], [`Implicit`], [`AProx`], [`PassiveAggressive`] | 80 |
//! | … with [`AdaGrad`] | 124 |
//! | … with [`Adam`] | 176 |
//! | … with [`AdaMax`] or [`Ftrl`] | 168 |
//! | … with [`OptimisticOgd`] | 164 |
//! | … with [`EntropicOmd`] | 156 |
//! | [`SoftmaxRegression`]`<9, 3, Sgd>` | 168 |
//! | [`FxLogisticRegression`]`<9, FxAdaGrad<9>>` / `<9, FxSgd>` | 108 / 68 |
//! | [`StandardScaler`]`<9>` | 100 |
//! | [`BinaryEval`], [`MulticlassEval`] / [`RegressionEval`] | 40 / 44 |
//! | [`Hedge`]`<9>` | 136 |
//!
//! # Checks, in order, and their errors ([`CheckpointError`])
//!
//! [`restore`] checks the length against the header size, then the magic, the version, the
//! kind (a different learner: [`CheckpointError::WrongKind`]; the same learner with another
//! rule: [`CheckpointError::WrongRule`]), the dimensions, the exact length, the CRC, and
//! last the payload's invariants. So a checkpoint of another type or an older format is named
//! for what it is, and any corruption of the payload or the CRC (every single-bit flip, every
//! burst up to 32 bits) is [`CheckpointError::BadChecksum`].
//!
//! Payload invariants (refused by both [`save`] and [`restore`] with
//! [`CheckpointError::InvalidPayload`], so what `save` writes always restores): every float
//! is finite (the learners never keep a non-finite value: `learn_one` undoes an update that
//! would make one, see [`crate::online`]; a hyperparameter set to NaN or ±∞ by hand makes the
//! state unsaveable); the accumulators that are sums of squares or maxima of magnitudes are
//! ≥ 0 ([`AdaGrad`]'s G, [`AdaMax`]'s u, [`Ftrl`]'s n, [`OptimisticOgd`]'s accumulator,
//! [`FxAdaGrad`]'s G, [`StandardScaler`]'s variances, the evaluators' sums, [`Hedge`]'s
//! weights); a flag is 0 or 1; an evaluator's correct count is at most its count; the
//! scaler's run of undone updates is below [`super::scaler::RESTART_AFTER`].
//!
//! No byte string makes [`restore`] panic (proven by `no_panic` in the kernel's proof build,
//! and property-tested over random byte strings; the fuzz crate of issue #29 does not exist
//! yet). A restored learner is bit-identical to the saved one and continues exactly as it
//! would have (tested: a resumed learner gives the same bits as an uninterrupted one).
//!
//! # Cost
//!
//! Saving is one pass over the state plus a CRC-32 of the encoding (a table lookup per byte,
//! about 5 instructions per byte); restoring is the CRC, one pass and the invariant checks.
//! Executed instructions per checkpoint on the Cortex-M4F (`cargo xtask bench`, rows
//! `online::checkpoint::save[…]` / `restore[…]`) and stack high-water mark of the call:
//!
//! | learner | save | restore | stack save / restore (bytes) | M0 save / restore |
//! |---|---|---|---|---|
//! | `LogisticRegression<9, Sgd>` | 637 | 686 | 80 / 184 | 1,008 / 1,135 |
//! | `LogisticRegression<9, AdaGrad<9>>` | 1,279 | 1,648 | 100 / 348 | 1,914 / 2,385 |
//! | `LogisticRegression<9, Adam<9>>` | 1,433 | 1,967 | 80 / 508 | 2,276 / 2,969 |
//! | `LogisticRegression<9, Ftrl<9>>` | 1,655 | 2,168 | 100 / 484 | 2,503 / 3,177 |
//! | `StandardScaler<9>` | 1,077 | 1,138 | 100 / 240 | 1,589 / 1,754 |
//! | `BinaryEval` | 202 | 257 | 64 / 112 | 335 / 421 |
//! | `FxLogisticRegression<9, FxAdaGrad<9>>` | 663 | 1,111 | 56 / 244 | 1,128 / 1,663 |
//!
//! The restore's stack holds the decoded learner (its state size) before it is returned.

//! # Example
//!
//! ```
//! use mcu_kernels::online::checkpoint::{Checkpoint, CheckpointError};
//! use mcu_kernels::online::{Adam, AdaGrad, LogisticRegression};
//!
//! type Model = LogisticRegression<3, Adam<3>>;
//! let mut model = Model::new(Adam::river());
//! model.learn_one(&[1.0, -0.5, 2.0], true)?;
//!
//! // A buffer sized at compile time; save, then restore into a new learner.
//! let mut buf = [0u8; Model::SIZE];
//! assert_eq!(model.save(&mut buf), Ok(Model::SIZE));
//! let back = Model::restore(&buf).map_err(|_| mcu_kernels::Error::BadParameter("restore"))?;
//! assert_eq!(back, model);
//!
//! // A flipped bit, a truncation, another rule: refused with a typed error.
//! let mut bad = buf;
//! bad[40] ^= 0x10;
//! assert!(matches!(Model::restore(&bad), Err(CheckpointError::BadChecksum { .. })));
//! assert!(matches!(Model::restore(&buf[..100]), Err(CheckpointError::Length { .. })));
//! assert!(matches!(
//!     LogisticRegression::<3, AdaGrad<3>>::restore(&buf),
//!     Err(CheckpointError::WrongRule { .. })
//! ));
//! # Ok::<(), mcu_kernels::Error>(())
//! ```

use core::fmt;

use fixed::types::I16F16;

use super::eval::Tally;
use super::fixed::{FxAdaGrad, FxLogisticRegression, FxRule, FxSgd};
use super::models::GlmConfig;
use super::rules::Rule;
use super::scaler::RESTART_AFTER;
use super::{
    AProx, AdaGrad, AdaMax, Adam, BinaryEval, EntropicOmd, Ftrl, Hedge, Implicit, LinearRegression,
    LogisticRegression, MulticlassEval, OptimisticOgd, PassiveAggressive, RegressionEval, Sgd,
    SoftmaxRegression, StandardScaler,
};
use crate::crc::crc32;

/// The first four bytes of every checkpoint, `b"MKCP"` read as a little-endian u32.
pub const MAGIC: u32 = u32::from_le_bytes(*b"MKCP");
/// The format version this code writes and the only one it reads.
pub const VERSION: u16 = 1;
/// Bytes before the payload (magic, version, kind, two dimensions).
pub const HEADER_LEN: usize = 16;
/// Bytes after the payload (the CRC-32).
pub const CRC_LEN: usize = 4;

/// The kind tags: a learner tag (the high byte of the header's kind) and a rule tag (the low
/// byte). A user-defined [`Rule`] that implements [`Checkpoint`] should take a
/// rule tag from 0xC0 up and the learner tag [`kind::RULE`].
pub mod kind {
    /// A rule saved on its own.
    pub const RULE: u8 = 0x01;
    /// [`LinearRegression`](crate::online::LinearRegression).
    pub const LINEAR: u8 = 0x02;
    /// [`LogisticRegression`](crate::online::LogisticRegression).
    pub const LOGISTIC: u8 = 0x03;
    /// [`SoftmaxRegression`](crate::online::SoftmaxRegression).
    pub const SOFTMAX: u8 = 0x04;
    /// [`FxLogisticRegression`](crate::online::fixed::FxLogisticRegression).
    pub const FX_LOGISTIC: u8 = 0x05;
    /// A fixed-point rule saved on its own.
    pub const FX_RULE: u8 = 0x06;
    /// [`StandardScaler`](crate::online::StandardScaler).
    pub const SCALER: u8 = 0x10;
    /// [`BinaryEval`](crate::online::BinaryEval).
    pub const BINARY_EVAL: u8 = 0x20;
    /// [`MulticlassEval`](crate::online::MulticlassEval).
    pub const MULTICLASS_EVAL: u8 = 0x21;
    /// [`RegressionEval`](crate::online::RegressionEval).
    pub const REGRESSION_EVAL: u8 = 0x22;
    /// [`Hedge`](crate::online::Hedge).
    pub const HEDGE: u8 = 0x30;

    /// Rule tags (the low byte).
    pub const SGD: u8 = 1;
    /// [`AdaGrad`](crate::online::AdaGrad).
    pub const ADAGRAD: u8 = 2;
    /// [`Adam`](crate::online::Adam).
    pub const ADAM: u8 = 3;
    /// [`AdaMax`](crate::online::AdaMax).
    pub const ADAMAX: u8 = 4;
    /// [`Ftrl`](crate::online::Ftrl).
    pub const FTRL: u8 = 5;
    /// [`OptimisticOgd`](crate::online::OptimisticOgd).
    pub const OPTIMISTIC_OGD: u8 = 6;
    /// [`EntropicOmd`](crate::online::EntropicOmd).
    pub const ENTROPIC_OMD: u8 = 7;
    /// [`Implicit`](crate::online::Implicit).
    pub const IMPLICIT: u8 = 8;
    /// [`AProx`](crate::online::AProx).
    pub const APROX: u8 = 9;
    /// [`PassiveAggressive`](crate::online::PassiveAggressive).
    pub const PASSIVE_AGGRESSIVE: u8 = 10;
    /// [`FxSgd`](crate::online::fixed::FxSgd).
    pub const FX_SGD: u8 = 0x81;
    /// [`FxAdaGrad`](crate::online::fixed::FxAdaGrad).
    pub const FX_ADAGRAD: u8 = 0x82;

    /// The header's kind: `learner << 8 | rule`.
    pub const fn of(learner: u8, rule: u8) -> u16 {
        ((learner as u16) << 8) | rule as u16
    }
}

/// Why a checkpoint was not written or not restored.
///
/// ```
/// use mcu_kernels::online::checkpoint::{restore, CheckpointError, VERSION};
/// use mcu_kernels::online::StandardScaler;
///
/// let e = restore::<StandardScaler<2>>(&[0u8; 4]).unwrap_err();
/// assert_eq!(e, CheckpointError::Length { expected: 44, actual: 4 });
/// assert_eq!(e.to_string(), "checkpoint length: expected 44 bytes, got 4");
/// let _ = VERSION;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum CheckpointError {
    /// [`save`]: the buffer is shorter than [`Checkpoint::SIZE`].
    BufferTooSmall {
        /// [`Checkpoint::SIZE`].
        needed: usize,
        /// The buffer's length.
        got: usize,
    },
    /// [`restore`]: the encoding is not exactly [`Checkpoint::SIZE`] bytes (a truncated or
    /// over-long one).
    Length {
        /// [`Checkpoint::SIZE`].
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// The first four bytes are not [`MAGIC`]: not a checkpoint.
    BadMagic {
        /// The four bytes found, as a little-endian u32.
        found: u32,
    },
    /// A format version this code does not read.
    WrongVersion {
        /// [`VERSION`].
        expected: u16,
        /// The version found.
        found: u16,
    },
    /// A checkpoint of another learner (the learner tag differs).
    WrongKind {
        /// The type's kind.
        expected: u16,
        /// The kind found.
        found: u16,
    },
    /// The same learner with another update rule.
    WrongRule {
        /// The type's rule tag.
        expected: u8,
        /// The rule tag found.
        found: u8,
    },
    /// The dimensions (D, K) differ from the type's.
    WrongDimension {
        /// The type's [D, K].
        expected: [u32; 2],
        /// The dimensions found.
        found: [u32; 2],
    },
    /// The CRC-32 does not match: the encoding was corrupted.
    BadChecksum {
        /// The CRC stored in the last four bytes.
        stored: u32,
        /// The CRC of the bytes before it.
        computed: u32,
    },
    /// The payload breaks the type's invariants (a non-finite value, a negative
    /// accumulator, …; see the module's documentation); the string names the broken one.
    InvalidPayload(&'static str),
}

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointError::BufferTooSmall { needed, got } => {
                write!(
                    f,
                    "checkpoint buffer too small: need {needed} bytes, got {got}"
                )
            }
            CheckpointError::Length { expected, actual } => {
                write!(
                    f,
                    "checkpoint length: expected {expected} bytes, got {actual}"
                )
            }
            CheckpointError::BadMagic { found } => {
                write!(f, "not a checkpoint (magic {found:#010x})")
            }
            CheckpointError::WrongVersion { expected, found } => {
                write!(
                    f,
                    "checkpoint format version {found}, this code reads {expected}"
                )
            }
            CheckpointError::WrongKind { expected, found } => {
                write!(
                    f,
                    "checkpoint of kind {found:#06x}, expected {expected:#06x}"
                )
            }
            CheckpointError::WrongRule { expected, found } => {
                write!(
                    f,
                    "checkpoint with rule {found:#04x}, expected {expected:#04x}"
                )
            }
            CheckpointError::WrongDimension { expected, found } => {
                write!(f, "checkpoint dimensions {found:?}, expected {expected:?}")
            }
            CheckpointError::BadChecksum { stored, computed } => write!(
                f,
                "checkpoint checksum mismatch: stored {stored:#010x}, computed {computed:#010x}"
            ),
            CheckpointError::InvalidPayload(what) => {
                write!(f, "invalid checkpoint payload: {what}")
            }
        }
    }
}

impl core::error::Error for CheckpointError {}

const NON_FINITE: &str = "non-finite value";
const NEGATIVE: &str = "negative or non-finite accumulator";
const BAD_FLAG: &str = "flag not 0 or 1";
const PAYLOAD_LEN: &str = "payload length differs from PAYLOAD_LEN";

/// The payload writer [`Checkpoint::write_payload`] fills. It never panics: past the end of
/// its buffer it writes nothing and [`save`] reports the mismatch; a value that breaks an
/// invariant is written and [`save`] refuses the state.
pub struct Writer<'a> {
    rest: &'a mut [u8],
    short: bool,
    invalid: Option<&'static str>,
}

impl<'a> Writer<'a> {
    fn new(buf: &'a mut [u8]) -> Self {
        Writer {
            rest: buf,
            short: false,
            invalid: None,
        }
    }
    #[inline]
    fn put<const N: usize>(&mut self, bytes: [u8; N]) {
        let rest = core::mem::take(&mut self.rest);
        match rest.split_first_chunk_mut::<N>() {
            Some((head, tail)) => {
                *head = bytes;
                self.rest = tail;
            }
            None => self.short = true,
        }
    }
    /// Mark the state invalid (`why` is reported) unless `ok`.
    #[inline]
    pub fn require(&mut self, ok: bool, why: &'static str) {
        if !ok && self.invalid.is_none() {
            self.invalid = Some(why);
        }
    }
    #[inline]
    fn u16(&mut self, v: u16) {
        self.put(v.to_le_bytes());
    }
    /// A u32, 4 bytes.
    #[inline]
    pub fn u32(&mut self, v: u32) {
        self.put(v.to_le_bytes());
    }
    /// A flag, as a u32 0 or 1.
    #[inline]
    pub fn flag(&mut self, v: bool) {
        self.u32(u32::from(v));
    }
    /// A finite f32.
    #[inline]
    pub fn finite(&mut self, v: f32) {
        self.require(v.is_finite(), NON_FINITE);
        self.put(v.to_bits().to_le_bytes());
    }
    /// Finite f32s.
    #[inline]
    pub fn finites(&mut self, v: &[f32]) {
        for &x in v {
            self.finite(x);
        }
    }
    /// A finite f32 ≥ 0 (−0 allowed).
    #[inline]
    pub fn nonneg(&mut self, v: f32) {
        self.require(v.is_finite() && v >= 0.0, NEGATIVE);
        self.put(v.to_bits().to_le_bytes());
    }
    /// Finite f32s ≥ 0.
    #[inline]
    pub fn nonnegs(&mut self, v: &[f32]) {
        for &x in v {
            self.nonneg(x);
        }
    }
    /// A finite f64 ≥ 0, 8 bytes.
    #[inline]
    pub fn nonneg_f64(&mut self, v: f64) {
        self.require(v.is_finite() && v >= 0.0, NEGATIVE);
        self.put(v.to_bits().to_le_bytes());
    }
    /// An `I16F16` (its i32 bits).
    #[inline]
    pub fn fixed(&mut self, v: I16F16) {
        self.put(v.to_bits().to_le_bytes());
    }
    /// `I16F16`s.
    #[inline]
    pub fn fixeds(&mut self, v: &[I16F16]) {
        for &x in v {
            self.fixed(x);
        }
    }
}

/// The payload reader [`Checkpoint::read_payload`] takes its fields from. It never panics:
/// past the end it reads zeros and [`restore`] reports the mismatch; a value that breaks an
/// invariant is stored and [`restore`] refuses the payload.
pub struct Reader<'a> {
    rest: &'a [u8],
    short: bool,
    invalid: Option<&'static str>,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader {
            rest: buf,
            short: false,
            invalid: None,
        }
    }
    #[inline]
    fn take<const N: usize>(&mut self) -> [u8; N] {
        match self.rest.split_first_chunk::<N>() {
            Some((head, tail)) => {
                self.rest = tail;
                *head
            }
            None => {
                self.short = true;
                [0; N]
            }
        }
    }
    /// Mark the payload invalid (`why` is reported) unless `ok`.
    #[inline]
    pub fn require(&mut self, ok: bool, why: &'static str) {
        if !ok && self.invalid.is_none() {
            self.invalid = Some(why);
        }
    }
    #[inline]
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take())
    }
    #[inline]
    fn u32_value(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }
    #[inline]
    fn f32_value(&mut self) -> f32 {
        f32::from_bits(self.u32_value())
    }
    /// A u32.
    #[inline]
    pub fn u32(&mut self, v: &mut u32) {
        *v = self.u32_value();
    }
    /// A flag (a u32 that must be 0 or 1).
    #[inline]
    pub fn flag(&mut self, v: &mut bool) {
        let x = self.u32_value();
        self.require(x <= 1, BAD_FLAG);
        *v = x == 1;
    }
    /// A finite f32.
    #[inline]
    pub fn finite(&mut self, v: &mut f32) {
        let x = self.f32_value();
        self.require(x.is_finite(), NON_FINITE);
        *v = x;
    }
    /// Finite f32s.
    #[inline]
    pub fn finites(&mut self, v: &mut [f32]) {
        for x in v {
            self.finite(x);
        }
    }
    /// A finite f32 ≥ 0.
    #[inline]
    pub fn nonneg(&mut self, v: &mut f32) {
        let x = self.f32_value();
        self.require(x.is_finite() && x >= 0.0, NEGATIVE);
        *v = x;
    }
    /// Finite f32s ≥ 0.
    #[inline]
    pub fn nonnegs(&mut self, v: &mut [f32]) {
        for x in v {
            self.nonneg(x);
        }
    }
    /// A finite f64 ≥ 0.
    #[inline]
    pub fn nonneg_f64(&mut self, v: &mut f64) {
        let x = f64::from_bits(u64::from_le_bytes(self.take()));
        self.require(x.is_finite() && x >= 0.0, NEGATIVE);
        *v = x;
    }
    /// An `I16F16`.
    #[inline]
    pub fn fixed(&mut self, v: &mut I16F16) {
        *v = I16F16::from_bits(i32::from_le_bytes(self.take()));
    }
    /// `I16F16`s.
    #[inline]
    pub fn fixeds(&mut self, v: &mut [I16F16]) {
        for x in v {
            self.fixed(x);
        }
    }
}

/// A learner whose state has a checkpoint: the kind, dimensions and payload layout of the
/// format (see the module's documentation), and the [`save`] / [`restore`] pair as methods.
///
/// A user-defined rule can implement it to be checkpointed inside the crate's models.
///
/// ```
/// use mcu_kernels::online::checkpoint::{kind, Checkpoint, Reader, Writer};
/// use mcu_kernels::online::{Example, LinearRegression, Rule};
///
/// #[derive(Clone, Debug, PartialEq)]
/// struct SignSgd(f32);
/// impl<const D: usize> Rule<D> for SignSgd {
///     fn step(&mut self, w: &mut [f32; D], ex: &Example<'_, D>) {
///         for (wi, gi) in w.iter_mut().zip(ex.grad) {
///             *wi -= self.0 * gi.signum();
///         }
///     }
///     fn is_finite(&self) -> bool {
///         self.0.is_finite()
///     }
/// }
/// impl Checkpoint for SignSgd {
///     const KIND: u16 = kind::of(kind::RULE, 0xC0);
///     const DIMS: [u32; 2] = [0, 0];
///     const PAYLOAD_LEN: usize = 4;
///     fn blank() -> Self {
///         SignSgd(0.0)
///     }
///     fn write_payload(&self, w: &mut Writer<'_>) {
///         w.finite(self.0);
///     }
///     fn read_payload(&mut self, r: &mut Reader<'_>) {
///         r.finite(&mut self.0);
///     }
/// }
/// type M = LinearRegression<2, SignSgd>;
/// let mut m = M::new(SignSgd(0.25));
/// m.learn_one(&[1.0, -3.0], 2.0)?;
/// let mut buf = [0u8; M::SIZE];
/// assert_eq!(M::SIZE, 16 + 8 + 4 + 16 + 4 + 4);
/// m.save(&mut buf).map_err(|_| mcu_kernels::Error::Empty)?;
/// assert_eq!(M::restore(&buf), Ok(m));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
pub trait Checkpoint: Sized {
    /// The header's kind: [`kind::of`]`(learner, rule)`.
    const KIND: u16;
    /// The header's dimensions [D, K] (0 where the type has none).
    const DIMS: [u32; 2];
    /// Bytes of payload.
    const PAYLOAD_LEN: usize;
    /// Bytes of the whole checkpoint: [`HEADER_LEN`] + payload + [`CRC_LEN`].
    const SIZE: usize = HEADER_LEN + Self::PAYLOAD_LEN + CRC_LEN;
    /// A value that [`Checkpoint::read_payload`] then overwrites field by field.
    fn blank() -> Self;
    /// Write every field (exactly [`Checkpoint::PAYLOAD_LEN`] bytes).
    fn write_payload(&self, w: &mut Writer<'_>);
    /// Read every field, in the order [`Checkpoint::write_payload`] wrote them.
    fn read_payload(&mut self, r: &mut Reader<'_>);
    /// [`save`] `self` into `buf`. Example: see the module's example.
    ///
    /// # Errors
    /// See [`save`].
    #[inline]
    fn save(&self, buf: &mut [u8]) -> Result<usize, CheckpointError> {
        save(self, buf)
    }
    /// [`restore`] a learner from `buf`. Example: see the module's example.
    ///
    /// # Errors
    /// See [`restore`].
    #[inline]
    fn restore(buf: &[u8]) -> Result<Self, CheckpointError> {
        restore(buf)
    }
}

/// Write the checkpoint of `state` into the first [`Checkpoint::SIZE`] bytes of `buf`;
/// returns that size.
///
/// # Errors
/// [`CheckpointError::BufferTooSmall`] (nothing written); [`CheckpointError::InvalidPayload`]
/// for a state [`restore`] would refuse (a non-finite hyperparameter set by hand): the
/// first `SIZE` bytes are then zeroed, which no [`restore`] accepts (bad magic).
///
/// ```
/// use mcu_kernels::online::checkpoint::{save, CheckpointError};
/// use mcu_kernels::online::{Sgd, StandardScaler};
///
/// let mut buf = [0u8; 8];
/// assert_eq!(
///     save(&StandardScaler::<2>::new(), &mut buf),
///     Err(CheckpointError::BufferTooSmall { needed: 44, got: 8 })
/// );
/// let mut buf = [0u8; 64];
/// assert_eq!(save(&Sgd::new(0.1), &mut buf), Ok(24));
/// assert!(matches!(save(&Sgd::new(f32::NAN), &mut buf), Err(CheckpointError::InvalidPayload(_))));
/// assert_eq!(buf[..24], [0u8; 24]);
/// ```
///
/// | stack, bytes (`cargo xtask bench`) | M0 | M3 | M4F | M7 | M33 | M55 |
/// |---|---:|---:|---:|---:|---:|---:|
/// | `online::checkpoint::save[LogisticRegression<9,AdaGrad>]` | 188 | 96 | 100 | 100 | 100 | 100 |
/// | `online::checkpoint::save[BinaryEval]` | 116 | 64 | 64 | 64 | 64 | 64 |
/// | `online::checkpoint::save[FxLogisticRegression<9,FxAdaGrad>]` | 100 | 56 | 56 | 56 | 56 | 56 |
/// | `online::checkpoint::save[LogisticRegression<9,Sgd>]` | — | 80 | 80 | 80 | 80 | 80 |
/// | `online::checkpoint::save[LogisticRegression<9,Adam>]` | — | 80 | 80 | 80 | 80 | 80 |
/// | `online::checkpoint::save[LogisticRegression<9,Ftrl>]` | — | 96 | 100 | 100 | 100 | 100 |
/// | `online::checkpoint::save[StandardScaler<9>]` | — | 96 | 100 | 100 | 100 | 100 |
/// <!-- stack: online::checkpoint::save[*] -->
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn save<T: Checkpoint>(state: &T, buf: &mut [u8]) -> Result<usize, CheckpointError> {
    let got = buf.len();
    let too_small = CheckpointError::BufferTooSmall {
        needed: T::SIZE,
        got,
    };
    let Some(out) = buf.get_mut(..T::SIZE) else {
        return Err(too_small);
    };
    let Some((body, crc)) = out.split_last_chunk_mut::<CRC_LEN>() else {
        return Err(too_small);
    };
    let mut w = Writer::new(body);
    let [d, k] = T::DIMS;
    w.u32(MAGIC);
    w.u16(VERSION);
    w.u16(T::KIND);
    w.u32(d);
    w.u32(k);
    state.write_payload(&mut w);
    let result = if w.short || !w.rest.is_empty() {
        Err(CheckpointError::InvalidPayload(PAYLOAD_LEN))
    } else if let Some(why) = w.invalid {
        Err(CheckpointError::InvalidPayload(why))
    } else {
        Ok(T::SIZE)
    };
    if result.is_ok() {
        *crc = crc32(body).to_le_bytes();
    } else {
        body.fill(0);
        *crc = [0; CRC_LEN];
    }
    result
}

/// Rebuild a learner from its checkpoint (exactly [`Checkpoint::SIZE`] bytes).
///
/// # Errors
/// In the order checked: [`CheckpointError::Length`] (shorter than the header),
/// [`CheckpointError::BadMagic`], [`CheckpointError::WrongVersion`],
/// [`CheckpointError::WrongKind`] / [`CheckpointError::WrongRule`],
/// [`CheckpointError::WrongDimension`], [`CheckpointError::Length`] (not exactly `SIZE`),
/// [`CheckpointError::BadChecksum`], [`CheckpointError::InvalidPayload`].
///
/// ```
/// use mcu_kernels::online::checkpoint::{restore, save, CheckpointError};
/// use mcu_kernels::online::StandardScaler;
///
/// let mut sc = StandardScaler::<2>::new();
/// sc.learn_one(&[1.0, 2.0])?;
/// let mut buf = [0u8; 44];
/// save(&sc, &mut buf).map_err(|_| mcu_kernels::Error::Empty)?;
/// assert_eq!(restore::<StandardScaler<2>>(&buf), Ok(sc));
/// // Another dimension.
/// assert_eq!(
///     restore::<StandardScaler<3>>(&buf).unwrap_err(),
///     CheckpointError::WrongDimension { expected: [3, 0], found: [2, 0] }
/// );
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
///
/// | stack, bytes (`cargo xtask bench`) | M0 | M3 | M4F | M7 | M33 | M55 |
/// |---|---:|---:|---:|---:|---:|---:|
/// | `online::checkpoint::restore[LogisticRegression<9,AdaGrad>]` | 364 | 348 | 348 | 348 | 348 | 348 |
/// | `online::checkpoint::restore[BinaryEval]` | 116 | 100 | 112 | 112 | 112 | 112 |
/// | `online::checkpoint::restore[FxLogisticRegression<9,FxAdaGrad>]` | 280 | 244 | 244 | 244 | 244 | 244 |
/// | `online::checkpoint::restore[LogisticRegression<9,Sgd>]` | — | 192 | 184 | 184 | 184 | 184 |
/// | `online::checkpoint::restore[LogisticRegression<9,Adam>]` | — | 508 | 508 | 508 | 508 | 508 |
/// | `online::checkpoint::restore[LogisticRegression<9,Ftrl>]` | — | 484 | 484 | 484 | 484 | 484 |
/// | `online::checkpoint::restore[StandardScaler<9>]` | — | 244 | 240 | 240 | 240 | 240 |
/// <!-- stack: online::checkpoint::restore[*] -->
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn restore<T: Checkpoint>(buf: &[u8]) -> Result<T, CheckpointError> {
    let length = CheckpointError::Length {
        expected: T::SIZE,
        actual: buf.len(),
    };
    let mut r = Reader::new(buf);
    if buf.len() < HEADER_LEN {
        return Err(length);
    }
    let magic = r.u32_value();
    if magic != MAGIC {
        return Err(CheckpointError::BadMagic { found: magic });
    }
    let version = r.u16();
    if version != VERSION {
        return Err(CheckpointError::WrongVersion {
            expected: VERSION,
            found: version,
        });
    }
    let kind = r.u16();
    if kind != T::KIND {
        return Err(if kind >> 8 == T::KIND >> 8 {
            CheckpointError::WrongRule {
                expected: T::KIND as u8,
                found: kind as u8,
            }
        } else {
            CheckpointError::WrongKind {
                expected: T::KIND,
                found: kind,
            }
        });
    }
    let dims = [r.u32_value(), r.u32_value()];
    if dims != T::DIMS {
        return Err(CheckpointError::WrongDimension {
            expected: T::DIMS,
            found: dims,
        });
    }
    if buf.len() != T::SIZE {
        return Err(length);
    }
    let Some((body, crc)) = buf.split_last_chunk::<CRC_LEN>() else {
        return Err(length);
    };
    let stored = u32::from_le_bytes(*crc);
    let computed = crc32(body);
    if stored != computed {
        return Err(CheckpointError::BadChecksum { stored, computed });
    }
    let mut r = Reader::new(body.get(HEADER_LEN..).unwrap_or(&[]));
    let mut state = T::blank();
    state.read_payload(&mut r);
    if r.short || !r.rest.is_empty() {
        return Err(CheckpointError::InvalidPayload(PAYLOAD_LEN));
    }
    if let Some(why) = r.invalid {
        return Err(CheckpointError::InvalidPayload(why));
    }
    Ok(state)
}

/// `D` as a header dimension (a learner with D ≥ 2³² cannot exist in a microcontroller's
/// memory; the cast saturates rather than wraps).
const fn dim(d: usize) -> u32 {
    if d > u32::MAX as usize {
        u32::MAX
    } else {
        d as u32
    }
}

// ---------------------------------------------------------------------------------------
// The update rules.

macro_rules! lr_only_rule {
    ($t:ident, $field:ident, $tag:expr) => {
        impl Checkpoint for $t {
            const KIND: u16 = kind::of(kind::RULE, $tag);
            const DIMS: [u32; 2] = [0, 0];
            const PAYLOAD_LEN: usize = 4;
            #[inline]
            fn blank() -> Self {
                $t::new(0.0)
            }
            #[inline]
            fn write_payload(&self, w: &mut Writer<'_>) {
                w.finite(self.$field);
            }
            #[inline]
            fn read_payload(&mut self, r: &mut Reader<'_>) {
                r.finite(&mut self.$field);
            }
        }
    };
}

lr_only_rule!(Sgd, lr, kind::SGD);
lr_only_rule!(Implicit, lr, kind::IMPLICIT);
lr_only_rule!(AProx, lr, kind::APROX);
lr_only_rule!(PassiveAggressive, c, kind::PASSIVE_AGGRESSIVE);

impl<const D: usize> Checkpoint for AdaGrad<D> {
    const KIND: u16 = kind::of(kind::RULE, kind::ADAGRAD);
    const DIMS: [u32; 2] = [dim(D), 0];
    const PAYLOAD_LEN: usize = 12 + 4 * D;
    #[inline]
    fn blank() -> Self {
        AdaGrad::new(0.0, 0.0, false)
    }
    #[inline]
    fn write_payload(&self, w: &mut Writer<'_>) {
        w.finite(self.lr);
        w.finite(self.eps);
        w.flag(self.eps_inside_root);
        w.nonnegs(&self.g2);
    }
    #[inline]
    fn read_payload(&mut self, r: &mut Reader<'_>) {
        r.finite(&mut self.lr);
        r.finite(&mut self.eps);
        r.flag(&mut self.eps_inside_root);
        r.nonnegs(&mut self.g2);
    }
}

impl<const D: usize> Checkpoint for Adam<D> {
    const KIND: u16 = kind::of(kind::RULE, kind::ADAM);
    const DIMS: [u32; 2] = [dim(D), 0];
    const PAYLOAD_LEN: usize = 28 + 8 * D;
    #[inline]
    fn blank() -> Self {
        Adam::new(0.0, 0.0, 0.0, 0.0, false)
    }
    #[inline]
    fn write_payload(&self, w: &mut Writer<'_>) {
        w.finite(self.lr);
        w.finite(self.beta1);
        w.finite(self.beta2);
        w.finite(self.eps);
        w.flag(self.river_eps);
        w.finite(self.b1t);
        w.finite(self.b2t);
        w.finites(&self.m);
        // v ≥ 0 only holds for β₂ ∈ [0, 1]; it is not a structural invariant, so finite only.
        w.finites(&self.v);
    }
    #[inline]
    fn read_payload(&mut self, r: &mut Reader<'_>) {
        r.finite(&mut self.lr);
        r.finite(&mut self.beta1);
        r.finite(&mut self.beta2);
        r.finite(&mut self.eps);
        r.flag(&mut self.river_eps);
        r.finite(&mut self.b1t);
        r.finite(&mut self.b2t);
        r.finites(&mut self.m);
        r.finites(&mut self.v);
    }
}

impl<const D: usize> Checkpoint for AdaMax<D> {
    const KIND: u16 = kind::of(kind::RULE, kind::ADAMAX);
    const DIMS: [u32; 2] = [dim(D), 0];
    const PAYLOAD_LEN: usize = 20 + 8 * D;
    #[inline]
    fn blank() -> Self {
        AdaMax::new(0.0, 0.0, 0.0, 0.0)
    }
    #[inline]
    fn write_payload(&self, w: &mut Writer<'_>) {
        w.finite(self.lr);
        w.finite(self.beta1);
        w.finite(self.beta2);
        w.finite(self.eps);
        w.finite(self.b1t);
        w.finites(&self.m);
        // u = max(β₂u, |g|) ≥ 0 whatever β₂.
        w.nonnegs(&self.u);
    }
    #[inline]
    fn read_payload(&mut self, r: &mut Reader<'_>) {
        r.finite(&mut self.lr);
        r.finite(&mut self.beta1);
        r.finite(&mut self.beta2);
        r.finite(&mut self.eps);
        r.finite(&mut self.b1t);
        r.finites(&mut self.m);
        r.nonnegs(&mut self.u);
    }
}

impl<const D: usize> Checkpoint for Ftrl<D> {
    const KIND: u16 = kind::of(kind::RULE, kind::FTRL);
    const DIMS: [u32; 2] = [dim(D), 0];
    const PAYLOAD_LEN: usize = 20 + 8 * D;
    #[inline]
    fn blank() -> Self {
        Ftrl::new(0.0, 0.0, 0.0, 0.0, false)
    }
    #[inline]
    fn write_payload(&self, w: &mut Writer<'_>) {
        w.finite(self.alpha);
        w.finite(self.beta);
        w.finite(self.l1);
        w.finite(self.l2);
        w.flag(self.river_order);
        w.finites(&self.z);
        w.nonnegs(&self.n);
    }
    #[inline]
    fn read_payload(&mut self, r: &mut Reader<'_>) {
        r.finite(&mut self.alpha);
        r.finite(&mut self.beta);
        r.finite(&mut self.l1);
        r.finite(&mut self.l2);
        r.flag(&mut self.river_order);
        r.finites(&mut self.z);
        r.nonnegs(&mut self.n);
    }
}

impl<const D: usize> Checkpoint for OptimisticOgd<D> {
    const KIND: u16 = kind::of(kind::RULE, kind::OPTIMISTIC_OGD);
    const DIMS: [u32; 2] = [dim(D), 0];
    const PAYLOAD_LEN: usize = 16 + 8 * D;
    #[inline]
    fn blank() -> Self {
        OptimisticOgd::new(0.0, 0.0, false)
    }
    #[inline]
    fn write_payload(&self, w: &mut Writer<'_>) {
        w.finite(self.diameter);
        w.finite(self.delta);
        w.flag(self.optimistic);
        w.nonneg(self.acc);
        w.finites(&self.y);
        w.finites(&self.hint);
    }
    #[inline]
    fn read_payload(&mut self, r: &mut Reader<'_>) {
        r.finite(&mut self.diameter);
        r.finite(&mut self.delta);
        r.flag(&mut self.optimistic);
        r.nonneg(&mut self.acc);
        r.finites(&mut self.y);
        r.finites(&mut self.hint);
    }
}

impl<const D: usize> Checkpoint for EntropicOmd<D> {
    const KIND: u16 = kind::of(kind::RULE, kind::ENTROPIC_OMD);
    const DIMS: [u32; 2] = [dim(D), 0];
    const PAYLOAD_LEN: usize = 8 + 8 * D;
    #[inline]
    fn blank() -> Self {
        EntropicOmd::new(0.0, false)
    }
    #[inline]
    fn write_payload(&self, w: &mut Writer<'_>) {
        w.finite(self.eta);
        w.flag(self.optimistic);
        w.finites(&self.theta);
        w.finites(&self.prev);
    }
    #[inline]
    fn read_payload(&mut self, r: &mut Reader<'_>) {
        r.finite(&mut self.eta);
        r.flag(&mut self.optimistic);
        r.finites(&mut self.theta);
        r.finites(&mut self.prev);
    }
}

// ---------------------------------------------------------------------------------------
// The models: their own fields, then the rule's payload. The kind carries the rule's tag.

#[inline]
fn write_config(w: &mut Writer<'_>, c: &GlmConfig) {
    w.finite(c.intercept_lr);
    w.finite(c.l2);
    w.finite(c.clip_gradient);
    w.finite(c.pa_epsilon);
}

#[inline]
fn read_config(r: &mut Reader<'_>, c: &mut GlmConfig) {
    r.finite(&mut c.intercept_lr);
    r.finite(&mut c.l2);
    r.finite(&mut c.clip_gradient);
    r.finite(&mut c.pa_epsilon);
}

/// The bytes of a [`GlmConfig`] in a payload.
const CONFIG_LEN: usize = 16;

/// The two single-output models share one payload: weights, intercept, config, rule.
macro_rules! glm_checkpoint {
    ($model:ident, $kind:expr) => {
        impl<const D: usize, R: Rule<D> + Checkpoint> Checkpoint for $model<D, R> {
            const KIND: u16 = kind::of($kind, R::KIND as u8);
            const DIMS: [u32; 2] = [dim(D), 0];
            const PAYLOAD_LEN: usize = 4 * D + 4 + CONFIG_LEN + R::PAYLOAD_LEN;
            #[inline]
            fn blank() -> Self {
                $model::new(R::blank())
            }
            #[inline]
            fn write_payload(&self, w: &mut Writer<'_>) {
                w.finites(&self.w);
                w.finite(self.b);
                write_config(w, &self.config);
                self.rule.write_payload(w);
            }
            #[inline]
            fn read_payload(&mut self, r: &mut Reader<'_>) {
                r.finites(&mut self.w);
                r.finite(&mut self.b);
                read_config(r, &mut self.config);
                self.rule.read_payload(r);
            }
        }
    };
}
glm_checkpoint!(LinearRegression, kind::LINEAR);
glm_checkpoint!(LogisticRegression, kind::LOGISTIC);

impl<const D: usize, const K: usize, R: Rule<D> + Checkpoint> Checkpoint
    for SoftmaxRegression<D, K, R>
{
    const KIND: u16 = kind::of(kind::SOFTMAX, R::KIND as u8);
    const DIMS: [u32; 2] = [dim(D), dim(K)];
    const PAYLOAD_LEN: usize = K * (4 * D + 4 + R::PAYLOAD_LEN) + CONFIG_LEN;
    #[inline]
    fn blank() -> Self {
        SoftmaxRegression::new(R::blank())
    }
    #[inline]
    fn write_payload(&self, w: &mut Writer<'_>) {
        for row in &self.w {
            w.finites(row);
        }
        w.finites(&self.b);
        write_config(w, &self.config);
        for rule in &self.rules {
            rule.write_payload(w);
        }
    }
    #[inline]
    fn read_payload(&mut self, r: &mut Reader<'_>) {
        for row in &mut self.w {
            r.finites(row);
        }
        r.finites(&mut self.b);
        read_config(r, &mut self.config);
        for rule in &mut self.rules {
            rule.read_payload(r);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The fixed-point family.

impl Checkpoint for FxSgd {
    const KIND: u16 = kind::of(kind::FX_RULE, kind::FX_SGD);
    const DIMS: [u32; 2] = [0, 0];
    const PAYLOAD_LEN: usize = 4;
    #[inline]
    fn blank() -> Self {
        FxSgd::new(I16F16::ZERO)
    }
    #[inline]
    fn write_payload(&self, w: &mut Writer<'_>) {
        w.fixed(self.lr);
    }
    #[inline]
    fn read_payload(&mut self, r: &mut Reader<'_>) {
        r.fixed(&mut self.lr);
    }
}

impl<const D: usize> Checkpoint for FxAdaGrad<D> {
    const KIND: u16 = kind::of(kind::FX_RULE, kind::FX_ADAGRAD);
    const DIMS: [u32; 2] = [dim(D), 0];
    const PAYLOAD_LEN: usize = 8 + 4 * D;
    #[inline]
    fn blank() -> Self {
        FxAdaGrad::new(I16F16::ZERO)
    }
    #[inline]
    fn write_payload(&self, w: &mut Writer<'_>) {
        w.fixed(self.lr);
        w.fixed(self.eps);
        for g in &self.g2 {
            w.require(*g >= I16F16::ZERO, NEGATIVE);
        }
        w.fixeds(&self.g2);
    }
    #[inline]
    fn read_payload(&mut self, r: &mut Reader<'_>) {
        r.fixed(&mut self.lr);
        r.fixed(&mut self.eps);
        r.fixeds(&mut self.g2);
        for g in &self.g2 {
            r.require(*g >= I16F16::ZERO, NEGATIVE);
        }
    }
}

impl<const D: usize, R: FxRule<D> + Checkpoint> Checkpoint for FxLogisticRegression<D, R> {
    const KIND: u16 = kind::of(kind::FX_LOGISTIC, R::KIND as u8);
    const DIMS: [u32; 2] = [dim(D), 0];
    const PAYLOAD_LEN: usize = 4 * D + 8 + R::PAYLOAD_LEN;
    #[inline]
    fn blank() -> Self {
        FxLogisticRegression::new(R::blank())
    }
    #[inline]
    fn write_payload(&self, w: &mut Writer<'_>) {
        w.fixeds(&self.w);
        w.fixed(self.b);
        w.fixed(self.intercept_lr);
        self.rule.write_payload(w);
    }
    #[inline]
    fn read_payload(&mut self, r: &mut Reader<'_>) {
        r.fixeds(&mut self.w);
        r.fixed(&mut self.b);
        r.fixed(&mut self.intercept_lr);
        self.rule.read_payload(r);
    }
}

// ---------------------------------------------------------------------------------------
// The scaler, the evaluators and Hedge.

impl<const D: usize> Checkpoint for StandardScaler<D> {
    const KIND: u16 = kind::of(kind::SCALER, 0);
    const DIMS: [u32; 2] = [dim(D), 0];
    const PAYLOAD_LEN: usize = 8 + 8 * D;
    #[inline]
    fn blank() -> Self {
        StandardScaler::new()
    }
    #[inline]
    fn write_payload(&self, w: &mut Writer<'_>) {
        w.require(
            self.rejected < RESTART_AFTER,
            "scaler rejection run too long",
        );
        w.u32(self.n);
        w.u32(self.rejected);
        w.finites(&self.mean);
        w.nonnegs(&self.var);
    }
    #[inline]
    fn read_payload(&mut self, r: &mut Reader<'_>) {
        r.u32(&mut self.n);
        r.u32(&mut self.rejected);
        r.require(
            self.rejected < RESTART_AFTER,
            "scaler rejection run too long",
        );
        r.finites(&mut self.mean);
        r.nonnegs(&mut self.var);
    }
}

const TALLY_LEN: usize = 20;
const CORRECT: &str = "more correct predictions than predictions";

#[inline]
fn write_tally(w: &mut Writer<'_>, t: &Tally) {
    w.require(t.correct <= t.n, CORRECT);
    w.u32(t.n);
    w.u32(t.correct);
    w.u32(t.skipped);
    w.nonneg_f64(t.log_loss_sum);
}

#[inline]
fn read_tally(r: &mut Reader<'_>, t: &mut Tally) {
    r.u32(&mut t.n);
    r.u32(&mut t.correct);
    r.u32(&mut t.skipped);
    r.nonneg_f64(&mut t.log_loss_sum);
    r.require(t.correct <= t.n, CORRECT);
}

impl Checkpoint for BinaryEval {
    const KIND: u16 = kind::of(kind::BINARY_EVAL, 0);
    const DIMS: [u32; 2] = [0, 0];
    const PAYLOAD_LEN: usize = TALLY_LEN;
    #[inline]
    fn blank() -> Self {
        BinaryEval::new()
    }
    #[inline]
    fn write_payload(&self, w: &mut Writer<'_>) {
        write_tally(w, &self.0);
    }
    #[inline]
    fn read_payload(&mut self, r: &mut Reader<'_>) {
        read_tally(r, &mut self.0);
    }
}

impl Checkpoint for MulticlassEval {
    const KIND: u16 = kind::of(kind::MULTICLASS_EVAL, 0);
    const DIMS: [u32; 2] = [0, 0];
    const PAYLOAD_LEN: usize = TALLY_LEN;
    #[inline]
    fn blank() -> Self {
        MulticlassEval::new()
    }
    #[inline]
    fn write_payload(&self, w: &mut Writer<'_>) {
        write_tally(w, &self.0);
    }
    #[inline]
    fn read_payload(&mut self, r: &mut Reader<'_>) {
        read_tally(r, &mut self.0);
    }
}

impl Checkpoint for RegressionEval {
    const KIND: u16 = kind::of(kind::REGRESSION_EVAL, 0);
    const DIMS: [u32; 2] = [0, 0];
    const PAYLOAD_LEN: usize = 24;
    #[inline]
    fn blank() -> Self {
        RegressionEval::new()
    }
    #[inline]
    fn write_payload(&self, w: &mut Writer<'_>) {
        w.u32(self.n);
        w.u32(self.skipped);
        w.nonneg_f64(self.abs_sum);
        w.nonneg_f64(self.sq_sum);
    }
    #[inline]
    fn read_payload(&mut self, r: &mut Reader<'_>) {
        r.u32(&mut self.n);
        r.u32(&mut self.skipped);
        r.nonneg_f64(&mut self.abs_sum);
        r.nonneg_f64(&mut self.sq_sum);
    }
}

impl<const K: usize> Checkpoint for Hedge<K> {
    const KIND: u16 = kind::of(kind::HEDGE, kind::ENTROPIC_OMD);
    const DIMS: [u32; 2] = [dim(K), 0];
    const PAYLOAD_LEN: usize = <EntropicOmd<K> as Checkpoint>::PAYLOAD_LEN + 4 * K;
    #[inline]
    fn blank() -> Self {
        Hedge {
            omd: EntropicOmd::blank(),
            w: [0.0; K],
        }
    }
    #[inline]
    fn write_payload(&self, w: &mut Writer<'_>) {
        self.omd.write_payload(w);
        w.nonnegs(&self.w);
    }
    #[inline]
    fn read_payload(&mut self, r: &mut Reader<'_>) {
        self.omd.read_payload(r);
        r.nonnegs(&mut self.w);
    }
}

#[cfg(test)]
mod tests;
