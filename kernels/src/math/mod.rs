//! Scalar math shared by every kernel.
//!
//! The crate's own implementations (module [`own`]) are single-precision throughout: Cody–Waite
//! range reduction, polynomials fitted by the author, 2^n scaling through the exponent bits.
//! They use only correctly rounded IEEE-754 `+ − × ÷` (no FMA, no f64, no `libm`), so a result
//! is bit-identical on the host and on every Cortex-M: FMA is avoided on purpose, because
//! `f32::mul_add` is std-only, `libm::fmaf` is a slow software fma on thumbv7em, and LLVM
//! never contracts a separate `×` and `+` in Rust.
//!
//! Measured maximum errors against f64 references (`cargo run -p host --release --bin accuracy`
//! for the dense sample of ≥ 1.5 M inputs per function including edges; `-- --exhaustive` for
//! all 2^32 inputs), in ulps of the correctly rounded result:
//!
//! | function | domain | dense sample | exhaustive | documented bound |
//! |---|---|---|---|---|
//! | [`exp`] | all f32 | 0.961 | 0.991 | 2 |
//! | [`exp2`] | all f32 | 1.161 | 1.227 | 2 |
//! | [`ln`] | x > 0 (subnormals included) | 0.800 | 0.858 | 1 |
//! | [`log1p`] | x > −1 | 1.958 | 2.108 | 4 |
//! | [`expm1`] | all f32 | 1.373 | 1.450 | 4 |
//! | [`tanh`] | all f32 | 2.270 | 2.425 | 4 |
//! | [`sigmoid`] | all f32 | 2.262 | 2.402 | 4 |
//! | [`softplus`] | all f32 | 2.541 | 2.609 | 4 |
//!
//! Near their zeros (ln at 1, log1p/expm1/tanh at 0) the error is relative to the small result
//! (no absolute-error regime: the reductions keep full relative accuracy down to subnormals);
//! subnormal results are measured in units of 2^−149.
//!
//! Results assume the default floating-point environment (round to nearest, subnormals not
//! flushed: the Cortex-M4F's reset state of FPSCR).
//!
//! With the feature `micromath` the functions trade accuracy for speed on paper: micromath's
//! exp has about 2.4e−3 relative error (and uses floating divides), its ln is wrong below 1
//! (ln(0.75) measured −0.405); the derived functions inherit absolute errors of order 1e−3.
//! With `libm`: ≤ 1 ulp for exp and ln, ≤ 2 ulp for tanh (musl's figures).
//!
//! The free functions below route to the crate's own implementations by default, to `libm`
//! with the feature `libm`, or to `micromath` with the feature `micromath` (`libm` wins when
//! both are enabled). [`exp_split`] always uses the crate's own code (the softmax kernels rely
//! on its exact reduction).

#[cfg(feature = "libm")]
mod backend_libm;
#[cfg(feature = "micromath")]
mod backend_micromath;
mod exp;
mod exp2;
mod exp_split;
pub(crate) mod exp_table;
pub(crate) mod exp_table64;
mod expm1;
mod ln;
mod log1p;
pub(crate) mod reduce;
mod sigmoid;
mod softplus;
mod tanh;

pub use exp_split::{exp_split, SPLIT_LIMIT};

/// The crate's own implementations, whatever the backend features say.
pub mod own {
    pub use super::exp::exp;
    pub use super::exp2::exp2;
    pub use super::expm1::expm1;
    pub use super::ln::ln;
    pub use super::log1p::log1p;
    pub use super::sigmoid::sigmoid;
    pub use super::softplus::softplus;
    pub use super::tanh::tanh;
}

#[cfg(feature = "libm")]
use backend_libm as backend;
#[cfg(all(feature = "micromath", not(feature = "libm")))]
use backend_micromath as backend;
#[cfg(not(any(feature = "libm", feature = "micromath")))]
use own as backend;

macro_rules! routed {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// Routed to [`own`] by default (see that function for the algorithm, domain, error and
        /// stack use), to `libm` with the feature `libm`, to `micromath` with `micromath`.
        ///
        /// Cost: see `cargo xtask bench`.
        #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
        #[inline]
        pub fn $name(x: f32) -> f32 {
            backend::$name(x)
        }
    };
}

routed!(
    /// e^x.
    exp
);
routed!(
    /// 2^x.
    exp2
);
routed!(
    /// Natural logarithm ln x.
    ln
);
routed!(
    /// ln(1 + x).
    log1p
);
routed!(
    /// e^x − 1.
    expm1
);
routed!(
    /// Hyperbolic tangent.
    tanh
);
routed!(
    /// Logistic sigmoid 1 / (1 + e^−x).
    sigmoid
);
routed!(
    /// softplus(x) = ln(1 + e^x).
    softplus
);

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
mod tests;
