//! FPU-free forms of the scalar functions: f32 in, f32 out, computed with integer arithmetic
//! only on the IEEE-754 bit patterns (the shared core is `math::int`: unpack, fixed point with
//! the exponent kept beside the mantissa, correctly rounded pack).
//!
//! On a core without a floating-point unit (Cortex-M0/M0+/M3/M23) these replace the
//! compiler's soft-float calls (`__aeabi_fadd`, `__aeabi_fmul`, …) by a few dozen integer
//! instructions; no `__aeabi_f*`/`__aeabi_d*` routine is reachable from them (the integer
//! helpers `__aeabi_lmul`, `__aeabi_llsl`/`llsr` and `__clzsi2` are). They are
//! callable on every target and give bit-identical results everywhere, so the host
//! reproduces what a Cortex-M0 computes.
//!
//! Every function is computed to a relative error of about 2^−28 before the single final
//! rounding to nearest even, so its error is at most about 0.52 ulp: lower than the float
//! forms' (see the table in [`crate::math`], which also gives the measured figures).
//! Special values (NaN, ±∞, ±0, subnormal inputs and results) behave as in the float forms;
//! a NaN input is returned quieted (payload kept).

mod activation;
mod exp;
mod log;

pub use activation::{sigmoid, softplus, tanh};
pub use exp::{exp, exp2, expm1};
pub use log::{ln, log1p};

/// `bits` with the quiet bit set: the NaN an FPU would propagate.
#[inline(always)]
fn quiet(bits: u32) -> f32 {
    f32::from_bits(bits | 0x0040_0000)
}

#[cfg(test)]
mod tests;
