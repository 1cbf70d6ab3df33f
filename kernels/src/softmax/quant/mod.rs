//! Quantized softmax: TFLite-Micro-exact kernels and accurate table-driven variants.
//!
//! | function | input | output | semantics |
//! |---|---|---|---|
//! | [`softmax_s8_tflm`] | int8 | int8 (1/256, −128) | bit-exact TFLite-Micro / CMSIS-NN |
//! | [`softmax_s8_s16_tflm`] | int8 | int16 (1/65536, −32768) | bit-exact TFLite-Micro |
//! | [`softmax_s16_tflm`] | int16 | int16 (1/32768, 0) | TFLite-Micro int16 (LUT) semantics |
//! | [`softmax_s8`] | int8 | int8 (1/256, −128) | correctly rounded (≤ 0.5 LSB) |
//! | [`softmax_s8_s16`] | int8 | int16 (1/65536, −32768) | correctly rounded (≤ 0.5 LSB) |
//! | [`softmax_s16`] | int16 | int16 (1/32768, 0) | accurate (≤ 0.5 LSB + N·2^−16 LSB) |
//! | [`softmax_fixed_two_pass`] | `I16F16` | `U0F16` | two-pass, (mantissa, exponent) pairs |
//!
//! All kernels take `row_size` and process `input.len() / row_size` independent rows; the
//! output slice must have the input's length. Errors are detected before anything is written.
//!
//! The TFLM kernels take parameters computed as TFLite-Micro does ([`SoftmaxS8Params`],
//! [`SoftmaxS16Params`]); the accurate ones a table built once per input scale
//! ([`SoftmaxS8Lut`], [`SoftmaxS16Lut`]). gemmlowp's fixed-point primitives are in
//! [`crate::fixedpoint`].

mod common;
mod exp64;
mod fixed_two_pass;
mod lut_s16;
mod lut_s8;
mod params;
mod tflm_s16;
mod tflm_s8;

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
