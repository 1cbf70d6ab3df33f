//! `micromath` backend of [`super`] (feature `micromath`, unless `libm` is also on).
//!
//! micromath trades accuracy for size: its exp has about 2.4e−3 relative error and uses
//! floating divides; its `ln` is documented here as measured on this project (wrong below 1:
//! ln(0.75) gave −0.405). The derived functions inherit those errors (absolute errors of order
//! 1e−3; expm1 and log1p lose all relative accuracy near 0).

use micromath::F32;

#[inline(always)]
pub(super) fn exp(x: f32) -> f32 {
    F32(x).exp().0
}
#[inline(always)]
pub(super) fn exp2(x: f32) -> f32 {
    F32(x * core::f32::consts::LN_2).exp().0
}
#[inline(always)]
pub(super) fn ln(x: f32) -> f32 {
    F32(x).ln().0
}
#[inline(always)]
pub(super) fn log1p(x: f32) -> f32 {
    F32(1.0 + x).ln().0
}
#[inline(always)]
pub(super) fn expm1(x: f32) -> f32 {
    F32(x).exp().0 - 1.0
}
#[inline(always)]
pub(super) fn tanh(x: f32) -> f32 {
    let a = if x < 0.0 { -x } else { x };
    let a = if a > 9.1 { 9.1 } else { a };
    let r = 1.0 - 2.0 / (F32(a + a).exp().0 + 1.0);
    if x < 0.0 {
        -r
    } else {
        r
    }
}
#[inline(always)]
pub(super) fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + F32(-x).exp().0)
    } else {
        let e = F32(x).exp().0;
        e / (1.0 + e)
    }
}
#[inline(always)]
pub(super) fn softplus(x: f32) -> f32 {
    if x > 0.0 {
        x + F32(1.0 + F32(-x).exp().0).ln().0
    } else {
        F32(1.0 + F32(x).exp().0).ln().0
    }
}
