//! f64 references of `mcu_kernels::math`: the scalar functions the kernels are built on, in
//! f64 (`std`'s functions, ≤ 1 f64 ulp: about 2⁻²⁹ of an f32 ulp), written so that no
//! intermediate overflows for any f32 input.

/// eˣ.
pub fn exp(x: f64) -> f64 {
    x.exp()
}

/// 2ˣ.
pub fn exp2(x: f64) -> f64 {
    x.exp2()
}

/// ln x.
pub fn ln(x: f64) -> f64 {
    x.ln()
}

/// ln(1 + x).
pub fn log1p(x: f64) -> f64 {
    x.ln_1p()
}

/// eˣ − 1.
pub fn expm1(x: f64) -> f64 {
    x.exp_m1()
}

/// tanh x.
pub fn tanh(x: f64) -> f64 {
    x.tanh()
}

/// σ(x) = 1 / (1 + e⁻ˣ), evaluated on the side where the exponential cannot overflow.
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// softplus(x) = ln(1 + eˣ) = max(x, 0) + ln(1 + e^−|x|).
pub fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}
