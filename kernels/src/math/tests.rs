//! Unit tests of the crate's own math functions (the full ulp measurement is in `host`).

use super::own::*;
use super::{exp_split, SPLIT_LIMIT};
use std::vec::Vec;

fn ulps(got: f32, want: f64) -> f64 {
    let r = want as f32;
    let ulp = if r.abs() < f32::MIN_POSITIVE {
        2f64.powi(-149)
    } else {
        let e = ((r.abs().to_bits() >> 23) as i32) - 127;
        2f64.powi(e - 23)
    };
    (f64::from(got) - want).abs() / ulp
}

fn grid(lo: f32, hi: f32, n: u32) -> Vec<f32> {
    (0..=n)
        .map(|i| lo + (hi - lo) * (i as f32 / n as f32))
        .collect()
}

#[test]
fn exp_specials() {
    assert!(exp(f32::NAN).is_nan());
    assert_eq!(exp(f32::INFINITY), f32::INFINITY);
    assert_eq!(exp(f32::NEG_INFINITY), 0.0);
    assert_eq!(exp(0.0), 1.0);
    assert_eq!(exp(-0.0), 1.0);
    assert_eq!(exp(88.8), f32::INFINITY);
    assert!(exp(88.72).is_finite());
    assert_eq!(exp(-104.0), 0.0);
    assert_eq!(exp(f32::MAX), f32::INFINITY);
    assert_eq!(exp(f32::MIN), 0.0);
    let s = exp(-100.0);
    assert!(s > 0.0 && s < f32::MIN_POSITIVE);
    assert!(ulps(s, (-100f64).exp()) <= 1.0);
}

#[test]
fn exp_family_within_bounds_on_a_grid() {
    for x in grid(-103.0, 88.7, 20_000) {
        let x64 = f64::from(x);
        assert!(ulps(exp(x), x64.exp()) <= 2.0, "exp({x})");
        assert!(ulps(exp2(x), x64.exp2()) <= 2.0, "exp2({x})");
        assert!(ulps(expm1(x), x64.exp_m1()) <= 4.0, "expm1({x})");
    }
    for x in grid(-1.0, 1.0, 20_000) {
        let x64 = f64::from(x);
        assert!(ulps(expm1(x), x64.exp_m1()) <= 4.0, "expm1({x})");
        assert!(ulps(tanh(x), x64.tanh()) <= 4.0, "tanh({x})");
    }
}

#[test]
fn exp_split_pairs() {
    for x in grid(-SPLIT_LIMIT, SPLIT_LIMIT, 50_000) {
        let (m, n) = exp_split(x);
        assert!((0.7070..=1.4145).contains(&m), "{x}: m = {m}");
        // e^x = m·2^n: compare ln m + n ln2 with x.
        let l = f64::from(m).ln() + f64::from(n) * core::f64::consts::LN_2;
        assert!((l - f64::from(x)).abs() <= 2.5e-7, "{x}: {l}");
    }
    let (m, n) = exp_split(1e30);
    assert_eq!((m, n), exp_split(SPLIT_LIMIT));
    assert!(exp_split(f32::NAN).0.is_nan());
}

#[test]
fn ln_and_log1p() {
    assert_eq!(ln(1.0), 0.0);
    assert_eq!(ln(0.0), f32::NEG_INFINITY);
    assert_eq!(ln(-0.0), f32::NEG_INFINITY);
    assert!(ln(-1.0).is_nan());
    assert!(ln(f32::NAN).is_nan());
    assert_eq!(ln(f32::INFINITY), f32::INFINITY);
    let tiny = f32::from_bits(1);
    assert!(ulps(ln(tiny), f64::from(tiny).ln()) <= 1.0);
    assert_eq!(log1p(-1.0), f32::NEG_INFINITY);
    assert!(log1p(-2.0).is_nan());
    assert_eq!(log1p(0.0).to_bits(), 0.0f32.to_bits());
    assert_eq!(log1p(-0.0).to_bits(), (-0.0f32).to_bits());
    assert_eq!(log1p(1e-30), 1e-30);
    assert_eq!(log1p(f32::INFINITY), f32::INFINITY);
    for x in grid(1e-3, 100.0, 20_000) {
        assert!(ulps(ln(x), f64::from(x).ln()) <= 4.0, "ln({x})");
    }
    for x in grid(-0.999, 10.0, 20_000) {
        assert!(ulps(log1p(x), f64::from(x).ln_1p()) <= 4.0, "log1p({x})");
    }
}

#[test]
fn tanh_sigmoid_softplus() {
    assert_eq!(tanh(0.0).to_bits(), 0.0f32.to_bits());
    assert_eq!(tanh(-0.0).to_bits(), (-0.0f32).to_bits());
    assert_eq!(tanh(f32::INFINITY), 1.0);
    assert_eq!(tanh(f32::NEG_INFINITY), -1.0);
    assert!(tanh(f32::NAN).is_nan());
    assert_eq!(tanh(1e-30), 1e-30);
    assert_eq!(sigmoid(f32::INFINITY), 1.0);
    assert_eq!(sigmoid(f32::NEG_INFINITY), 0.0);
    assert_eq!(sigmoid(0.0), 0.5);
    assert!(sigmoid(f32::NAN).is_nan());
    assert_eq!(softplus(f32::INFINITY), f32::INFINITY);
    assert_eq!(softplus(f32::NEG_INFINITY), 0.0);
    assert!(softplus(f32::NAN).is_nan());
    assert_eq!(softplus(f32::MAX), f32::MAX);
    for x in grid(-30.0, 30.0, 20_000) {
        let x64 = f64::from(x);
        assert!(ulps(tanh(x), x64.tanh()) <= 4.0, "tanh({x})");
        let s = 1.0 / (1.0 + (-x64).exp());
        assert!(ulps(sigmoid(x), s) <= 4.0, "sigmoid({x})");
        let sp = if x64 > 0.0 {
            x64 + (-x64).exp().ln_1p()
        } else {
            x64.exp().ln_1p()
        };
        assert!(ulps(softplus(x), sp) <= 4.0, "softplus({x})");
    }
}

#[test]
fn routed_functions_are_sane() {
    // Also makes every public routed function reachable for the `assert_no_panic` link check.
    let x = core::hint::black_box(0.5f32);
    for (f, want) in [
        (super::exp as fn(f32) -> f32, 0.5f64.exp()),
        (super::exp2, 0.5f64.exp2()),
        (super::ln, 0.5f64.ln()),
        (super::log1p, 0.5f64.ln_1p()),
        (super::expm1, 0.5f64.exp_m1()),
        (super::tanh, 0.5f64.tanh()),
        (super::sigmoid, 1.0 / (1.0 + (-0.5f64).exp())),
        (super::softplus, 0.5f64.exp().ln_1p()),
    ] {
        // Loose enough for the micromath backend.
        assert!((f64::from(f(x)) - want).abs() < 1e-2 * want.abs());
    }
}

#[test]
fn routed_functions_match_backend() {
    #[cfg(not(any(feature = "libm", feature = "micromath")))]
    for x in grid(-10.0, 10.0, 1000) {
        assert_eq!(super::exp(x).to_bits(), exp(x).to_bits());
        assert_eq!(super::tanh(x).to_bits(), tanh(x).to_bits());
    }
}
