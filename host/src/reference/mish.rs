//! f64 references for Mish and its derivative, and an f32 ulp measure.

/// Mish in f64: x·tanh(ln(1 + e^x)), written as x·n/(n + 2) with n = e^x(e^x + 2) for
/// x ≤ 20 (exact algebra, no cancellation), and x·(1 − 2/(n + 2)) above.
pub fn mish(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x > 40.0 {
        return x;
    }
    if x == f64::NEG_INFINITY {
        return -0.0; // the limit of x·e^x
    }
    let u = x.exp();
    let n = u * (u + 2.0);
    x * (n / (n + 2.0))
}

/// d/dx Mish in f64: n/w + 4x·u(1 + u)/w², w = n + 2.
pub fn mish_grad(x: f64) -> f64 {
    if x > 40.0 {
        return 1.0;
    }
    let u = x.exp();
    let n = u * (u + 2.0);
    let w = n + 2.0;
    n / w + 4.0 * x * u * (1.0 + u) / (w * w)
}

/// One ulp of an f32 at the magnitude of `r` (2^−149 for subnormals and zero).
pub fn ulp_f32(r: f64) -> f64 {
    let a = r.abs();
    if a < f64::from(f32::MIN_POSITIVE) {
        return 2f64.powi(-149);
    }
    let e = a.log2().floor() as i32;
    // Guard log2 rounding at powers of two.
    let e = if 2f64.powi(e) > a {
        e - 1
    } else if 2f64.powi(e + 1) <= a {
        e + 1
    } else {
        e
    };
    2f64.powi(e - 23)
}
