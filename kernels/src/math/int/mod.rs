//! The integer core shared by every FPU-free (`nofpu`) kernel: f32 values as
//! (sign, 32-bit mantissa, exponent) triples, 2^f and ln(1 + r) in fixed point, and
//! correctly rounded packing back to f32.
//!
//! Nothing here touches an `f32` operation: inputs arrive as bit patterns, every step is an
//! integer `+ − × >> <<` (`u64` products, which the Cortex-M0 computes with the integer helper
//! `__aeabi_lmul`; quotients by a Newton reciprocal, no division), and results leave as bit patterns.
//! The results are therefore bit-identical on every target, with or without an FPU.
//!
//! Representation ([`Num`]): a value ±m·2^(e−31) with m ∈ [2^31, 2^32) (bit 31 set) or
//! m = 0 for zero; e is then ⌊log2 |value|⌋. Keeping the exponent beside the mantissa keeps
//! full relative precision for tiny values (subnormal results of exp, ln(1 + r) for tiny r).
//! Every function documents its error in units of 2^−31 of the result (relative); the packing
//! adds the final rounding to nearest even (half an ulp of the f32 result).

mod exp2;
mod exp_neg;
mod ln;
mod mul;
mod num;

pub(crate) use exp2::{exp2_y_q32, exp_y_q32, EXP2_TABLE};
pub(crate) use exp_neg::{exp_neg_q24, EXP_NEG_Q24_MAX};
pub(crate) use ln::{ln1p_small, ln_u64};
pub(crate) use mul::{mul_hi, mul_hi_halves, mul_hi_i32, mul_u64_wide, mul_wide};
pub(crate) use num::{add, div, mul, pack, pack_u64, sqrt, Num};
