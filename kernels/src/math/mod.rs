//! Scalar math shared by every kernel.
//!
//! The crate's own implementations (module [`own`]) are single-precision throughout: Cody–Waite
//! range reduction, polynomials fitted by the author, 2^n scaling through the exponent bits.
//! They use only correctly rounded IEEE-754 `+ − × ÷` (no FMA, no f64, no `libm`), so a result
//! is bit-identical on the host and on every Cortex-M: FMA is avoided on purpose, because
//! `f32::mul_add` is std-only, `libm::fmaf` is a slow software fma on thumbv7em, and LLVM
//! never contracts a separate `×` and `+` in Rust.
//!
//! Measured maximum errors against f64 references (`cargo run -p host --release --bin mcuk -- accuracy`
//! for the dense sample of ≥ 1.5 M inputs per function including edges; with `--exhaustive` for
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
//! The integer forms ([`nofpu`], for cores without an FPU) are computed to about 2^−28
//! relative before one rounding to nearest even; measured with the same reference and ulp
//! convention over every finite f32 (exhaustive), over every 61st bit pattern (70 M inputs)
//! and on the dense sample of `cargo xtask accuracy` (names `nofpu::*`):
//!
//! | function | exhaustive | strided (1 in 61) / dense | bound |
//! |---|---|---|---|
//! | [`nofpu::exp`] | 0.5145 | 0.5134 | 0.6 |
//! | [`nofpu::exp2`] | 0.5131 | 0.5125 | 0.6 |
//! | [`nofpu::ln`] | 0.5161 | 0.5133 | 0.6 |
//! | [`nofpu::log1p`] | 0.5227 | 0.5168 | 0.6 |
//! | [`nofpu::expm1`] | 0.5503 | 0.5503 | 0.6 |
//! | [`nofpu::tanh`] | 0.5629 | 0.5506 (dense) | 0.6 |
//! | [`nofpu::sigmoid`] | 0.5213 | 0.5186 (dense) | 0.6 |
//! | [`nofpu::softplus`] | 0.5260 | 0.5225 | 0.6 |
//!
//! Which form the free functions below take is decided at compile time (see the crate docs,
//! "FPU and integer paths"): [`fpu`] (the float forms, routed to [`own`], `libm` or
//! `micromath` by the backend features) where the target has a hardware FPU, [`nofpu`]
//! elsewhere ([`INT_PATH`] tells which).
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
//! The float forms ([`fpu`]) route to the crate's own implementations by default, to `libm`
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
pub(crate) mod int;
mod ln;
mod log1p;
pub mod nofpu;
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

/// The FPU path: the float forms, routed to [`own`] by default, to `libm` with the feature
/// `libm`, to `micromath` with `micromath`. On a core without an FPU each `+ − × ÷` here is a
/// soft-float call; see [`nofpu`] for the integer forms.
pub mod fpu {
    use super::backend;

    macro_rules! routed {
        ($(#[$doc:meta])* $name:ident) => {
            $(#[$doc])*
            ///
            /// Routed to [`super::own`] by default (see that function for the algorithm,
            /// domain, error and stack use), to `libm` with the feature `libm`, to `micromath`
            /// with `micromath`.
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
        ///
        /// ```
        /// use mcu_kernels::math::fpu::exp;
        ///
        /// // e^x against the f64 reference, within the documented 2 ulp.
        /// for x in [-3.5f32, -0.25, 1.0, 10.0, 80.0] {
        ///     let want = f64::from(x).exp();
        ///     let ulp = (want.log2().floor() - 23.0).exp2();
        ///     assert!((f64::from(exp(x)) - want).abs() <= 2.0 * ulp, "x = {x}");
        /// }
        /// // Special values from the docs.
        /// assert_eq!(exp(f32::NEG_INFINITY), 0.0);
        /// assert_eq!(exp(89.0), f32::INFINITY);
        /// assert!(exp(f32::NAN).is_nan());
        /// ```
        exp
    );
    routed!(
        /// 2^x.
        ///
        /// ```
        /// use mcu_kernels::math::fpu::exp2;
        ///
        /// // 2^x against the f64 reference, within the documented 2 ulp.
        /// for x in [-20.25f32, -0.5, 0.1, 3.0, 100.7] {
        ///     let want = f64::from(x).exp2();
        ///     let ulp = (want.log2().floor() - 23.0).exp2();
        ///     assert!((f64::from(exp2(x)) - want).abs() <= 2.0 * ulp, "x = {x}");
        /// }
        /// assert_eq!(exp2(128.0), f32::INFINITY);
        /// assert_eq!(exp2(-151.0), 0.0);
        /// assert_eq!(exp2(f32::NEG_INFINITY), 0.0);
        /// ```
        exp2
    );
    routed!(
        /// Natural logarithm ln x.
        ///
        /// ```
        /// use mcu_kernels::math::fpu::ln;
        ///
        /// // ln x against the f64 reference, within the documented 1 ulp.
        /// for x in [1e-30f32, 0.3, 2.0, 7.5, 3e38] {
        ///     let want = f64::from(x).ln();
        ///     let ulp = (want.abs().log2().floor() - 23.0).exp2();
        ///     assert!((f64::from(ln(x)) - want).abs() <= 1.0 * ulp, "x = {x}");
        /// }
        /// assert_eq!(ln(1.0), 0.0); // exactly, as documented
        /// assert_eq!(ln(0.0), f32::NEG_INFINITY);
        /// assert!(ln(-1.0).is_nan());
        /// assert_eq!(ln(f32::INFINITY), f32::INFINITY);
        /// ```
        ln
    );
    routed!(
        /// ln(1 + x).
        ///
        /// ```
        /// use mcu_kernels::math::fpu::log1p;
        ///
        /// // ln(1 + x) against the f64 reference, within the documented 4 ulp; near 0 the error
        /// // stays relative to the small result (ln of the rounded sum 1 + 1e-7 is 19 % off).
        /// for x in [1e-7f32, -0.5, 0.75, 1e6] {
        ///     let want = f64::from(x).ln_1p();
        ///     let ulp = (want.abs().log2().floor() - 23.0).exp2();
        ///     assert!((f64::from(log1p(x)) - want).abs() <= 4.0 * ulp, "x = {x}");
        /// }
        /// assert_eq!(log1p(-1.0), f32::NEG_INFINITY);
        /// assert!(log1p(-2.0).is_nan());
        /// ```
        log1p
    );
    routed!(
        /// e^x − 1.
        ///
        /// ```
        /// use mcu_kernels::math::fpu::expm1;
        ///
        /// // e^x − 1 against the f64 reference, within the documented 4 ulp; accurate near 0.
        /// for x in [-1e-6f32, 1e-3, -2.0, 5.0, 30.0] {
        ///     let want = f64::from(x).exp_m1();
        ///     let ulp = (want.abs().log2().floor() - 23.0).exp2();
        ///     assert!((f64::from(expm1(x)) - want).abs() <= 4.0 * ulp, "x = {x}");
        /// }
        /// assert_eq!(expm1(-0.0).to_bits(), (-0.0f32).to_bits());
        /// assert_eq!(expm1(f32::NEG_INFINITY), -1.0);
        /// ```
        expm1
    );
    routed!(
        /// Hyperbolic tangent.
        ///
        /// ```
        /// use mcu_kernels::math::fpu::tanh;
        ///
        /// // tanh x against the f64 reference, within the documented 4 ulp.
        /// for x in [1e-5f32, 0.3, -0.9, 4.0] {
        ///     let want = f64::from(x).tanh();
        ///     let ulp = (want.abs().log2().floor() - 23.0).exp2();
        ///     assert!((f64::from(tanh(x)) - want).abs() <= 4.0 * ulp, "x = {x}");
        /// }
        /// // Odd, saturating at ±1.
        /// assert_eq!(tanh(-0.7), -tanh(0.7));
        /// assert_eq!(tanh(f32::INFINITY), 1.0);
        /// assert_eq!(tanh(f32::NEG_INFINITY), -1.0);
        /// ```
        tanh
    );
    routed!(
        /// Logistic sigmoid 1 / (1 + e^−x).
        ///
        /// ```
        /// use mcu_kernels::math::fpu::sigmoid;
        ///
        /// // σ(x) against the f64 reference 1/(1 + e^−x), within the documented 4 ulp.
        /// for x in [-30.0f32, -2.0, 0.5, 6.0] {
        ///     let want = 1.0 / (1.0 + (-f64::from(x)).exp());
        ///     let ulp = (want.log2().floor() - 23.0).exp2();
        ///     assert!((f64::from(sigmoid(x)) - want).abs() <= 4.0 * ulp, "x = {x}");
        /// }
        /// // A probability: σ(x) + σ(−x) = 1 (to rounding), limits 0 and 1.
        /// assert!((sigmoid(1.5) + sigmoid(-1.5) - 1.0).abs() <= 2.0 * f32::EPSILON);
        /// assert_eq!(sigmoid(f32::INFINITY), 1.0);
        /// assert_eq!(sigmoid(f32::NEG_INFINITY), 0.0);
        /// ```
        sigmoid
    );
    routed!(
        /// softplus(x) = ln(1 + e^x).
        ///
        /// ```
        /// use mcu_kernels::math::fpu::softplus;
        ///
        /// // ln(1 + e^x) against the f64 reference, within the documented 4 ulp.
        /// for x in [-40.0f32, -3.0, 0.0, 2.5, 50.0] {
        ///     let want = f64::from(x).exp().ln_1p();
        ///     let ulp = (want.log2().floor() - 23.0).exp2();
        ///     assert!((f64::from(softplus(x)) - want).abs() <= 4.0 * ulp, "x = {x}");
        /// }
        /// // softplus(x) − softplus(−x) = x; the limits.
        /// assert!((softplus(3.0) - softplus(-3.0) - 3.0).abs() <= 4.0 * f32::EPSILON);
        /// assert_eq!(softplus(f32::INFINITY), f32::INFINITY);
        /// assert_eq!(softplus(f32::NEG_INFINITY), 0.0);
        /// ```
        softplus
    );
}

/// The path the default entry points take on this target (see the crate docs, "FPU and
/// integer paths"): [`nofpu`] on Arm targets without a hardware-float ABI or with the feature
/// `force-int-path`, [`fpu`] otherwise.
#[cfg(any(
    feature = "force-int-path",
    all(
        not(feature = "force-fpu-path"),
        target_arch = "arm",
        not(target_abi = "eabihf")
    )
))]
use nofpu as selected;

#[cfg(not(any(
    feature = "force-int-path",
    all(
        not(feature = "force-fpu-path"),
        target_arch = "arm",
        not(target_abi = "eabihf")
    )
)))]
use fpu as selected;

/// True where the default entry points take the integer ([`nofpu`]) path.
///
/// ```
/// use mcu_kernels::math::{self, fpu, nofpu, INT_PATH};
///
/// // The default entry point is bit for bit the form INT_PATH names.
/// let x = 0.3f32;
/// let chosen = if INT_PATH { nofpu::tanh(x) } else { fpu::tanh(x) };
/// assert_eq!(math::tanh(x).to_bits(), chosen.to_bits());
/// ```
pub const INT_PATH: bool = cfg!(any(
    feature = "force-int-path",
    all(
        not(feature = "force-fpu-path"),
        target_arch = "arm",
        not(target_abi = "eabihf")
    )
));

macro_rules! selected {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// The default entry point: [`fpu`]'s form where the target has a hardware FPU,
        /// [`nofpu`]'s on cores without one (chosen at compile time, see [`INT_PATH`]).
        ///
        /// Cost: see `cargo xtask bench`.
        #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
        #[inline]
        pub fn $name(x: f32) -> f32 {
            selected::$name(x)
        }
    };
}

selected!(
    /// e^x.
    ///
    /// ```
    /// use mcu_kernels::math::exp;
    ///
    /// // e^x against the f64 reference, within the documented 2 ulp.
    /// for x in [-3.5f32, -0.25, 1.0, 10.0, 80.0] {
    ///     let want = f64::from(x).exp();
    ///     let ulp = (want.log2().floor() - 23.0).exp2();
    ///     assert!((f64::from(exp(x)) - want).abs() <= 2.0 * ulp, "x = {x}");
    /// }
    /// // Special values from the docs.
    /// assert_eq!(exp(f32::NEG_INFINITY), 0.0);
    /// assert_eq!(exp(89.0), f32::INFINITY);
    /// assert!(exp(f32::NAN).is_nan());
    /// ```
    exp
);
selected!(
    /// 2^x.
    ///
    /// ```
    /// use mcu_kernels::math::exp2;
    ///
    /// // 2^x against the f64 reference, within the documented 2 ulp.
    /// for x in [-20.25f32, -0.5, 0.1, 3.0, 100.7] {
    ///     let want = f64::from(x).exp2();
    ///     let ulp = (want.log2().floor() - 23.0).exp2();
    ///     assert!((f64::from(exp2(x)) - want).abs() <= 2.0 * ulp, "x = {x}");
    /// }
    /// assert_eq!(exp2(128.0), f32::INFINITY);
    /// assert_eq!(exp2(-151.0), 0.0);
    /// assert_eq!(exp2(f32::NEG_INFINITY), 0.0);
    /// ```
    exp2
);
selected!(
    /// Natural logarithm ln x.
    ///
    /// ```
    /// use mcu_kernels::math::ln;
    ///
    /// // ln x against the f64 reference, within the documented 1 ulp.
    /// for x in [1e-30f32, 0.3, 2.0, 7.5, 3e38] {
    ///     let want = f64::from(x).ln();
    ///     let ulp = (want.abs().log2().floor() - 23.0).exp2();
    ///     assert!((f64::from(ln(x)) - want).abs() <= 1.0 * ulp, "x = {x}");
    /// }
    /// assert_eq!(ln(1.0), 0.0); // exactly, as documented
    /// assert_eq!(ln(0.0), f32::NEG_INFINITY);
    /// assert!(ln(-1.0).is_nan());
    /// assert_eq!(ln(f32::INFINITY), f32::INFINITY);
    /// ```
    ln
);
selected!(
    /// ln(1 + x).
    ///
    /// ```
    /// use mcu_kernels::math::log1p;
    ///
    /// // ln(1 + x) against the f64 reference, within the documented 4 ulp; near 0 the error
    /// // stays relative to the small result (ln of the rounded sum 1 + 1e-7 is 19 % off).
    /// for x in [1e-7f32, -0.5, 0.75, 1e6] {
    ///     let want = f64::from(x).ln_1p();
    ///     let ulp = (want.abs().log2().floor() - 23.0).exp2();
    ///     assert!((f64::from(log1p(x)) - want).abs() <= 4.0 * ulp, "x = {x}");
    /// }
    /// assert_eq!(log1p(-1.0), f32::NEG_INFINITY);
    /// assert!(log1p(-2.0).is_nan());
    /// ```
    log1p
);
selected!(
    /// e^x − 1.
    ///
    /// ```
    /// use mcu_kernels::math::expm1;
    ///
    /// // e^x − 1 against the f64 reference, within the documented 4 ulp; accurate near 0.
    /// for x in [-1e-6f32, 1e-3, -2.0, 5.0, 30.0] {
    ///     let want = f64::from(x).exp_m1();
    ///     let ulp = (want.abs().log2().floor() - 23.0).exp2();
    ///     assert!((f64::from(expm1(x)) - want).abs() <= 4.0 * ulp, "x = {x}");
    /// }
    /// assert_eq!(expm1(-0.0).to_bits(), (-0.0f32).to_bits());
    /// assert_eq!(expm1(f32::NEG_INFINITY), -1.0);
    /// ```
    expm1
);
selected!(
    /// Hyperbolic tangent.
    ///
    /// ```
    /// use mcu_kernels::math::tanh;
    ///
    /// // tanh x against the f64 reference, within the documented 4 ulp.
    /// for x in [1e-5f32, 0.3, -0.9, 4.0] {
    ///     let want = f64::from(x).tanh();
    ///     let ulp = (want.abs().log2().floor() - 23.0).exp2();
    ///     assert!((f64::from(tanh(x)) - want).abs() <= 4.0 * ulp, "x = {x}");
    /// }
    /// // Odd, saturating at ±1.
    /// assert_eq!(tanh(-0.7), -tanh(0.7));
    /// assert_eq!(tanh(f32::INFINITY), 1.0);
    /// assert_eq!(tanh(f32::NEG_INFINITY), -1.0);
    /// ```
    tanh
);
selected!(
    /// Logistic sigmoid 1 / (1 + e^−x).
    ///
    /// ```
    /// use mcu_kernels::math::sigmoid;
    ///
    /// // σ(x) against the f64 reference 1/(1 + e^−x), within the documented 4 ulp.
    /// for x in [-30.0f32, -2.0, 0.5, 6.0] {
    ///     let want = 1.0 / (1.0 + (-f64::from(x)).exp());
    ///     let ulp = (want.log2().floor() - 23.0).exp2();
    ///     assert!((f64::from(sigmoid(x)) - want).abs() <= 4.0 * ulp, "x = {x}");
    /// }
    /// // A probability: σ(x) + σ(−x) = 1 (to rounding), limits 0 and 1.
    /// assert!((sigmoid(1.5) + sigmoid(-1.5) - 1.0).abs() <= 2.0 * f32::EPSILON);
    /// assert_eq!(sigmoid(f32::INFINITY), 1.0);
    /// assert_eq!(sigmoid(f32::NEG_INFINITY), 0.0);
    /// ```
    sigmoid
);
selected!(
    /// softplus(x) = ln(1 + e^x).
    ///
    /// ```
    /// use mcu_kernels::math::softplus;
    ///
    /// // ln(1 + e^x) against the f64 reference, within the documented 4 ulp.
    /// for x in [-40.0f32, -3.0, 0.0, 2.5, 50.0] {
    ///     let want = f64::from(x).exp().ln_1p();
    ///     let ulp = (want.log2().floor() - 23.0).exp2();
    ///     assert!((f64::from(softplus(x)) - want).abs() <= 4.0 * ulp, "x = {x}");
    /// }
    /// // softplus(x) − softplus(−x) = x; the limits.
    /// assert!((softplus(3.0) - softplus(-3.0) - 3.0).abs() <= 4.0 * f32::EPSILON);
    /// assert_eq!(softplus(f32::INFINITY), f32::INFINITY);
    /// assert_eq!(softplus(f32::NEG_INFINITY), 0.0);
    /// ```
    softplus
);

#[cfg(test)]
mod tests;
