//! Unit tests of the FPU-free scalar functions: known values (computed with 50-digit
//! arithmetic, rounded to f32), special values, and a seeded comparison with f64 `std`
//! (std's f64 functions are ~2^−29 ulp of f32 from exact: negligible).

use super::*;
use std::vec::Vec;

type Scalar = fn(f32) -> f32;

fn ulps(got: f32, want: f64) -> f64 {
    if got.is_nan() || want.is_nan() {
        return if got.is_nan() && want.is_nan() {
            0.0
        } else {
            f64::INFINITY
        };
    }
    let r = want as f32;
    if r.is_infinite() || got.is_infinite() {
        return if got == r { 0.0 } else { f64::INFINITY };
    }
    let a = r.abs();
    let ulp = if a < f32::MIN_POSITIVE {
        2f64.powi(-149)
    } else {
        let e = (a.to_bits() >> 23) as i32 - 127;
        2f64.powi(e - 23)
    };
    (got as f64 - want).abs() / ulp
}

fn inputs() -> Vec<f32> {
    let mut v = Vec::new();
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..200_000 {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let b = s as u32;
        let x = f32::from_bits(b);
        if x.is_finite() {
            v.push(x);
        }
        // Also a dense band around the interesting range.
        v.push(((s >> 32) as u32 as f32 / 4_294_967_296.0 - 0.5) * 60.0);
    }
    v
}

type F = (
    &'static str,
    fn(f32) -> f32,
    fn(f64) -> f64,
    fn(f32) -> bool,
);

fn functions() -> [F; 8] {
    fn all(_: f32) -> bool {
        true
    }
    [
        ("exp", exp, f64::exp, all),
        ("exp2", exp2, f64::exp2, all),
        ("ln", ln, f64::ln, |x| x > 0.0),
        ("log1p", log1p, f64::ln_1p, |x| x > -1.0),
        ("expm1", expm1, f64::exp_m1, all),
        ("tanh", tanh, f64::tanh, all),
        ("sigmoid", sigmoid, |x| 1.0 / (1.0 + (-x).exp()), all),
        (
            "softplus",
            softplus,
            |x| {
                if x > 30.0 {
                    x + (-x).exp()
                } else {
                    x.exp().ln_1p()
                }
            },
            all,
        ),
    ]
}

#[test]
fn seeded_inputs_within_0_6_ulp_of_f64() {
    let xs = inputs();
    for (name, f, r, dom) in functions() {
        let mut worst = (0f64, 0f32);
        for &x in &xs {
            if !dom(x) {
                continue;
            }
            let e = ulps(f(x), r(x as f64));
            if e > worst.0 {
                worst = (e, x);
            }
        }
        assert!(worst.0 < 0.6, "{name}: {} ulp at {:e}", worst.0, worst.1);
    }
}

#[test]
fn known_values() {
    // Correctly rounded f32 of the exact values (50 digits, then f32).
    let cases: &[(Scalar, f32, f64)] = &[
        (exp, 1.0, core::f64::consts::E),
        (exp, -1.0, 0.367_879_441_171_442_3),
        (exp, 88.0, 1.651_636_254_994_807_3e38),
        (exp, -100.0, 3.720_075_976_020_836e-44),
        (exp2, 0.5, core::f64::consts::SQRT_2),
        (exp2, 127.0, 1.701_411_834_604_692_3e38),
        (ln, 2.0, core::f64::consts::LN_2),
        (ln, 10.0, core::f64::consts::LN_10),
        (ln, f32::MAX, 88.722_839_052_068_35),
        (ln, f32::from_bits(1), -103.278_929_903_431_85),
        (log1p, 1.0, core::f64::consts::LN_2),
        (log1p, -0.5, -core::f64::consts::LN_2),
        (expm1, 1.0, 1.718_281_828_459_045),
        (expm1, -1.0, -0.632_120_558_828_557_7),
        (tanh, 0.5, 0.462_117_157_260_009_76),
        (tanh, -2.0, -0.964_027_580_075_817),
        (sigmoid, 0.0, 0.5),
        (sigmoid, 2.0, 0.880_797_077_977_882_3),
        (sigmoid, -20.0, 2.061_153_618_190_204_5e-9),
        (softplus, 0.0, core::f64::consts::LN_2),
        (softplus, 1.0, 1.313_261_687_518_222_8),
        (softplus, -20.0, 2.061_153_620_314_381_4e-9),
    ];
    for &(f, x, want) in cases {
        let want = want as f32;
        assert_eq!(
            f(x).to_bits(),
            want.to_bits(),
            "f({x}) = {:e}, want {want:e}",
            f(x)
        );
    }
    // Exact powers of two, including subnormal ones.
    for k in -149..128 {
        assert_eq!(exp2(k as f32), 2f64.powi(k) as f32, "2^{k}");
    }
}

#[test]
fn tiny_arguments_keep_relative_precision() {
    for x in [
        1e-30f32,
        -1e-30,
        1e-10,
        f32::from_bits(1),
        -f32::from_bits(3),
        3e-39,
    ] {
        assert_eq!(expm1(x), x, "expm1 {x:e}");
        assert_eq!(log1p(x), x, "log1p {x:e}");
        assert_eq!(tanh(x), x, "tanh {x:e}");
    }
    // ln near 1: 1 + 2^−23 → 2^−23 − 2^−47 (exactly representable).
    assert_eq!(
        ln(1.0 + f32::EPSILON),
        (2f64.powi(-23) - 2f64.powi(-47)) as f32
    );
    assert_eq!(ln(1.0 - f32::EPSILON / 2.0), -(2f64.powi(-24)) as f32);
}

#[test]
fn special_values() {
    let inf = f32::INFINITY;
    for f in [exp, exp2, ln, log1p, expm1, tanh, sigmoid, softplus] {
        assert!(f(f32::NAN).is_nan());
        assert!(f(-f32::NAN).is_nan());
    }
    assert_eq!(exp(inf), inf);
    assert_eq!(exp(-inf).to_bits(), 0);
    assert_eq!(exp(0.0), 1.0);
    assert_eq!(exp(-0.0), 1.0);
    assert_eq!(exp(88.72284), inf);
    assert_eq!(exp(-104.0).to_bits(), 0);
    assert_eq!(exp2(128.0), inf);
    assert_eq!(exp2(-151.0).to_bits(), 0);
    assert_eq!(exp2(-inf).to_bits(), 0);
    assert_eq!(ln(0.0), -inf);
    assert_eq!(ln(-0.0), -inf);
    assert!(ln(-1.0).is_nan());
    assert!(ln(-inf).is_nan());
    assert_eq!(ln(inf), inf);
    assert_eq!(ln(1.0).to_bits(), 0);
    assert_eq!(log1p(-1.0), -inf);
    assert!(log1p(-1.5).is_nan());
    assert_eq!(log1p(inf), inf);
    assert_eq!(log1p(-0.0).to_bits(), 0x8000_0000);
    assert_eq!(expm1(-0.0).to_bits(), 0x8000_0000);
    assert_eq!(expm1(inf), inf);
    assert_eq!(expm1(-inf), -1.0);
    assert_eq!(expm1(100.0), inf);
    assert_eq!(tanh(-0.0).to_bits(), 0x8000_0000);
    assert_eq!(tanh(inf), 1.0);
    assert_eq!(tanh(-inf), -1.0);
    assert_eq!(sigmoid(inf), 1.0);
    assert_eq!(sigmoid(-inf).to_bits(), 0);
    assert_eq!(sigmoid(-200.0).to_bits(), 0);
    assert_eq!(softplus(inf), inf);
    assert_eq!(softplus(-inf).to_bits(), 0);
    assert_eq!(softplus(1e30), 1e30);
    // NaN payloads are kept (quieted).
    assert_eq!(exp(f32::from_bits(0x7F80_0001)).to_bits(), 0x7FC0_0001);
}

/// The integer forms beside the float forms, with the float forms' documented bounds plus
/// 0.6 ulp.
const PAIRS: [(Scalar, Scalar, f64); 8] = [
    (exp, crate::math::own::exp, 2.6),
    (exp2, crate::math::own::exp2, 2.6),
    (ln, crate::math::own::ln, 1.6),
    (log1p, crate::math::own::log1p, 4.6),
    (expm1, crate::math::own::expm1, 4.6),
    (tanh, crate::math::own::tanh, 4.6),
    (sigmoid, crate::math::own::sigmoid, 4.6),
    (softplus, crate::math::own::softplus, 4.6),
];

/// The integer forms and the float forms agree within the sum of their bounds (the float
/// forms' documented bounds plus 0.6 ulp), in ulps of the correctly rounded result.
#[test]
fn integer_and_float_forms_agree() {
    for (i, &x) in inputs().iter().enumerate().step_by(3) {
        for (k, (a, b, bound)) in PAIRS.iter().enumerate() {
            let (ya, yb) = (a(x), b(x));
            if ya.is_nan() || yb.is_nan() {
                assert_eq!(ya.is_nan(), yb.is_nan(), "{k} at {x:e}");
                continue;
            }
            let e = ulps(ya, yb as f64);
            assert!(e <= *bound, "pair {k} input {i} {x:e}: {ya:e} vs {yb:e}");
        }
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any f32 (NaN, ±∞, subnormals included): the integer and float forms agree within the
        /// float forms' bounds plus 0.6 ulp, and NaN-ness agrees.
        #[test]
        fn integer_and_float_forms_agree_on_any_bits(bits in any::<u32>()) {
            let x = f32::from_bits(bits);
            for (a, b, bound) in PAIRS {
                let (ya, yb) = (a(x), b(x));
                prop_assert_eq!(ya.is_nan(), yb.is_nan());
                if !ya.is_nan() {
                    prop_assert!(ulps(ya, yb as f64) <= bound, "{:e}: {:e} vs {:e}", x, ya, yb);
                }
            }
        }
    }
}
