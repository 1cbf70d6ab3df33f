//! Quantized softmax: TFLite-Micro-exact kernels and accurate table-driven variants.
//!
//! | function | input | output | semantics |
//! |---|---|---|---|
//! | [`softmax_s8_tflm`] | int8 | int8 (1/256, −128) | TFLite-Micro-exact (below) |
//! | [`softmax_s8_s16_tflm`] | int8 | int16 (1/65536, −32768) | TFLite-Micro-exact (below) |
//! | [`softmax_s8_tflm_table`] | int8 | int8 (1/256, −128) | as [`softmax_s8_tflm`], from a [`SoftmaxS8TflmTable`] |
//! | [`softmax_s8_s16_tflm_table`] | int8 | int16 (1/65536, −32768) | as [`softmax_s8_s16_tflm`], from a [`SoftmaxS8TflmTable`] |
//! | [`softmax_s16_tflm`] | int16 | int16 (1/32768, 0) | TFLite-Micro-exact (below), LUT semantics |
//! | [`softmax_s8`] | int8 | int8 (1/256, −128) | correctly rounded (≤ 0.5 LSB) |
//! | [`softmax_s8_s16`] | int8 | int16 (1/65536, −32768) | correctly rounded (≤ 0.5 LSB) |
//! | [`softmax_s16`] | int16 | int16 (1/32768, 0) | accurate (≤ 0.5 LSB + N·2^−16 LSB) |
//! | [`softmax_fixed_two_pass`] | `I16F16` | `U0F16` | two-pass, (mantissa, exponent) pairs |
//!
//! All kernels take `row_size` and process `input.len() / row_size` independent rows; the
//! output slice must have the input's length. Errors are detected before anything is written.
//!
//! The TFLM kernels take parameters computed as TFLite-Micro does ([`SoftmaxS8Params`],
//! [`SoftmaxS16Params`], from the model's `input_scale` and β or from the raw CMSIS-NN
//! arguments with `from_raw`); the accurate ones a table built once per input scale
//! ([`SoftmaxS8Lut`], [`SoftmaxS16Lut`]).
//!
//! The int8 TFLM-exact kernels come in two forms with the same outputs, bit for bit:
//!
//! | form | RAM | instructions/element, N = 256 (M4F / M3 / M0) |
//! |---|---|---|
//! | table-free: [`softmax_s8_tflm`], [`softmax_s8_s16_tflm`] | none kept; ≈ 1.2 KiB of stack per call | 157.4 / 159.8 / 475.6 (int8 out), 158.4 / 159.8 / 477.3 (int16 out) |
//! | table: [`softmax_s8_tflm_table`], [`softmax_s8_s16_tflm_table`] | a [`SoftmaxS8TflmTable`], 1,036 bytes per parameter set; < 0.2 KiB of stack | 28.7 / 28.7 / 68.0, 26.0 / 26.0 / 69.2 | gemmlowp's fixed-point primitives are in
//! [`crate::fixedpoint`].
//!
//! # "TFLite-Micro-exact"
//!
//! The rule for every TFLM kernel and parameter constructor here:
//!
//! - **Where TFLite-Micro returns an output, ours is equal to it, bit for bit**, in the
//!   two's-complement builds that ship, including where the C standard calls its arithmetic
//!   undefined (an `int32` that wraps): a user reproducing their device needs what the device
//!   computes, even where that is far from the softmax.
//! - **Where TFLite-Micro aborts on the data** (a `TFLITE_CHECK` fails in `Eval`), ours is the
//!   correctly rounded softmax (to nearest, ties up, as the accurate kernels).
//! - **The caller can tell**: [`softmax_s8_tflm_domain`], [`softmax_s8_s16_tflm_domain`] and
//!   [`softmax_s16_tflm_domain`] say, per row and cheaply, whether TFLM's arithmetic is well
//!   defined and accurate there ([`TflmDomain::Accurate`]), wraps ([`TflmDomain::Wraps`]: the
//!   deployed model misbehaves on that row; the accurate kernels do not) or aborts
//!   ([`TflmDomain::Aborts`]).
//! - **Parameter constructors mirror TFLM's `Prepare`**: they refuse what it refuses, with
//!   [`crate::Error::TflmRefuses`] naming its condition (int8 input: `S_in · β · 2^26 ≤ 1`).
//!
//! Checked against TFLite-Micro itself, the `tflite-micro` wheel 0.dev20261023182759 (its
//! Python interpreter runs the reference kernels): `tools/tflm_oracle/gen.py` builds
//! one-operator SOFTMAX models and runs 7,840 seeded rows (N from 1 to 12,000, `S_in · β` from
//! 2^−40 to 2·10^5, all 256 int8 zero points, several β, ties, extremes, rows at each limit);
//! `host/tests/tflm_oracle.rs` (a step of `cargo xtask test`) requires zero differing bits:
//!
//! | kernel | rows | TFLM answered | TFLM aborted in `Eval` | refused by `Prepare` | mismatches |
//! |---|---|---|---|---|---|
//! | [`softmax_s8_tflm`] | 4,934 | 4,274 | 644 | 16 | 0 |
//! | [`softmax_s8_s16_tflm`] | 1,434 | 1,415 | 3 | 16 | 0 |
//! | [`softmax_s16_tflm`] | 1,472 | 1,472 | 0 | 0 | 0 |
//!
//! TFLM's limits, as measured there (each kernel's docs give the details): int8 → int8 aborts
//! once the row's `Q12.19` sum, read modulo 2^32, reaches 512 (511 equal logits work, 512
//! abort); int8 → int16 agrees with the softmax up to 8,191 equal logits, aborts at exactly
//! 8,192 and wraps beyond (9,000 equal logits: −32687 where the softmax gives −32761); int16
//! wraps `diff · 2^shift` in `int32` from `S_in · β ≥ 32768 · 10/65535 ≈ 5.00008` (`S_in = 8`, row
//! `[−32768, 32767]`: `[16384, 16384]`).

mod common;
mod exp64;
mod fixed_two_pass;
mod lut_s16;
mod lut_s8;
mod params;
mod tflm_s16;
mod tflm_s8;
mod tflm_s8_table;

pub use common::TflmDomain;
pub use fixed_two_pass::{softmax_fixed_two_pass, FIXED_MAX_ROW};
pub use lut_s16::{softmax_s16, SoftmaxS16Lut, LUT_S16_MAX_ROW};
pub use lut_s8::{softmax_s8, softmax_s8_s16, SoftmaxS8Lut, LUT_MAX_ROW};
pub use params::SoftmaxS8Params;
pub use tflm_s16::{
    softmax_s16_tflm, softmax_s16_tflm_domain, SoftmaxS16Params, EXP_LUT, ONE_OVER_ONE_PLUS_X_LUT,
    TFLM_S16_MAX_ROW,
};
pub use tflm_s8::{
    softmax_s8_s16_tflm, softmax_s8_s16_tflm_domain, softmax_s8_tflm, softmax_s8_tflm_domain,
    TFLM_MAX_ROW,
};
pub use tflm_s8_table::{softmax_s8_s16_tflm_table, softmax_s8_tflm_table, SoftmaxS8TflmTable};
