//! Scalar math shared by every kernel.
//!
//! Placeholder during the foundation: each function forwards to `libm`. The crate's own
//! implementations replace the bodies (issue: f32 softmax family); the signatures stay.

/// e^x.
#[inline]
pub fn exp(x: f32) -> f32 {
    libm::expf(x)
}

/// 2^x.
#[inline]
pub fn exp2(x: f32) -> f32 {
    libm::exp2f(x)
}

/// Natural logarithm.
#[inline]
pub fn ln(x: f32) -> f32 {
    libm::logf(x)
}

/// ln(1 + x).
#[inline]
pub fn log1p(x: f32) -> f32 {
    libm::log1pf(x)
}

/// e^x − 1.
#[inline]
pub fn expm1(x: f32) -> f32 {
    libm::expm1f(x)
}

/// Hyperbolic tangent.
#[inline]
pub fn tanh(x: f32) -> f32 {
    libm::tanhf(x)
}

/// Logistic sigmoid 1 / (1 + e^−x).
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + libm::expf(-x))
    } else {
        let e = libm::expf(x);
        e / (1.0 + e)
    }
}

/// softplus(x) = ln(1 + e^x).
#[inline]
pub fn softplus(x: f32) -> f32 {
    if x > 20.0 {
        x + libm::expf(-x)
    } else {
        libm::log1pf(libm::expf(x))
    }
}
