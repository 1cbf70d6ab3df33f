//! `libm` backend of [`super`] (feature `libm`): musl-derived, ≤ 1 ulp for exp/ln, ≤ 2 ulp tanh.

#[inline(always)]
pub(super) fn exp(x: f32) -> f32 {
    libm::expf(x)
}
#[inline(always)]
pub(super) fn exp2(x: f32) -> f32 {
    libm::exp2f(x)
}
#[inline(always)]
pub(super) fn ln(x: f32) -> f32 {
    libm::logf(x)
}
#[inline(always)]
pub(super) fn log1p(x: f32) -> f32 {
    libm::log1pf(x)
}
#[inline(always)]
pub(super) fn expm1(x: f32) -> f32 {
    libm::expm1f(x)
}
#[inline(always)]
pub(super) fn tanh(x: f32) -> f32 {
    libm::tanhf(x)
}
#[inline(always)]
pub(super) fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + libm::expf(-x))
    } else {
        let e = libm::expf(x);
        e / (1.0 + e)
    }
}
#[inline(always)]
pub(super) fn softplus(x: f32) -> f32 {
    if x > 0.0 {
        x + libm::log1pf(libm::expf(-x))
    } else {
        libm::log1pf(libm::expf(x))
    }
}
