//! The fixed-point helpers (`fixedpoint`: gemmlowp's SRDHM, rounding shifts, saturation, the
//! exp and reciprocal kernels) and `online::fixed` (`to_fixed`, `to_f32`, `sigmoid`), each
//! against an exact i128 / f64 reference.
#![no_main]
use arbitrary::Arbitrary;
use fixed::types::I16F16;
use libfuzzer_sys::fuzz_target;
use mcu_kernels::fixedpoint::*;
use mcu_kernels::online::fixed::{sigmoid, to_f32, to_fixed};

#[derive(Arbitrary, Debug)]
struct Input {
    a: i32,
    b: i32,
    wide: i64,
    e: u32,
    f: f32,
}

/// x / 2^e rounded to nearest, ties away from zero, exact in i128.
fn round_div(x: i128, e: u32) -> i128 {
    let d = 1i128 << e;
    let q = x.abs() / d;
    let r = x.abs() % d;
    let q = if 2 * r >= d { q + 1 } else { q };
    if x < 0 {
        -q
    } else {
        q
    }
}

fuzz_target!(|inp: Input| {
    let (a, b) = (inp.a, inp.b);
    // srdhm: round(a·b / 2^31) with gemmlowp's nudge and truncation: ties toward +∞ (so away
    // from zero for positive products, toward zero for negative ones), (MIN, MIN) saturated.
    let want = (i128::from(a) * i128::from(b) + (1 << 30))
        .div_euclid(1 << 31)
        .min(i128::from(i32::MAX));
    assert_eq!(i128::from(srdhm(a, b)), want, "srdhm({a}, {b})");
    assert_eq!(srdhm(a, b), srdhm(b, a), "srdhm symmetric");

    let e = inp.e % 40;
    let ec = e.min(31);
    assert_eq!(
        i128::from(rounding_divide_by_pot(a, e)),
        round_div(i128::from(a), ec),
        "rdbp({a}, {e})"
    );
    let e64 = inp.e % 70;
    assert_eq!(
        i128::from(rounding_divide_by_pot_i64(inp.wide, e64)),
        round_div(i128::from(inp.wide), e64.min(62)),
        "rdbp_i64({}, {e64})",
        inp.wide
    );
    let sat = (i128::from(a) << ec).clamp(i128::from(i32::MIN), i128::from(i32::MAX));
    assert_eq!(
        i128::from(saturating_shl(a, e)),
        sat,
        "saturating_shl({a}, {e})"
    );
    assert_eq!(
        i128::from(saturate_i32(inp.wide)),
        i128::from(inp.wide).clamp(i128::from(i32::MIN), i128::from(i32::MAX))
    );
    assert_eq!(
        i128::from(rounding_half_sum(a, b)),
        round_div(i128::from(a) + i128::from(b), 1),
        "rhs({a}, {b})"
    );

    // exp on [−1/4, 0): gemmlowp's 4th-order Taylor around −1/8; its truncation error
    // (1/8)^5/120 ≈ 2.5e−7 at the interval's ends, plus the Q0.31 roundings: 3e−7.
    let q = f64::from(a.clamp(-(1 << 29), 0)) / 2f64.powi(31);
    let r = exp_on_interval_neg_quarter_to_0(a);
    assert!(
        (f64::from(r) / 2f64.powi(31) - q.exp()).abs() < 3e-7,
        "exp_on_interval({a}) = {r}"
    );
    // exp of a Q5.26 a ≤ 0 (a > 0 treated as documented: not in the domain, must not panic).
    let r = exp_on_negative_values_q5_26(a);
    if a <= 0 {
        let want = (f64::from(a) / 2f64.powi(26)).exp();
        // The interval's error, then a few SRDHM products by the barrel constants.
        assert!(
            (f64::from(r) / 2f64.powi(31) - want).abs() < 5e-7,
            "exp_on_negative_values({a}) = {r}, want {want}"
        );
        assert!(r >= 0);
    }
    if a >= 0 {
        let x = f64::from(a) / 2f64.powi(31);
        let r = one_over_one_plus_x_for_x_in_0_1(a);
        // No general bound is documented (the doc's examples: < 3e−9 at 0.5 and 0.9); three
        // Newton steps from 48/17 − 32/17·d leave up to ~2.5e−8 near a = 0.
        assert!(
            (f64::from(r) / 2f64.powi(31) - 1.0 / (1.0 + x)).abs() < 1e-7,
            "1/(1 + {x}) = {r}"
        );
    } else {
        let _ = one_over_one_plus_x_for_x_in_0_1(a);
    }

    // to_fixed: nearest, ties away from zero, saturated, NaN → 0.
    let f = inp.f;
    let got = i128::from(to_fixed(f).to_bits());
    let want = if f.is_nan() {
        0
    } else if f.is_infinite() {
        if f > 0.0 {
            i128::from(i32::MAX)
        } else {
            i128::from(i32::MIN)
        }
    } else {
        let s = f64::from(f) * 65536.0; // exact
        let r = if s >= 0.0 {
            (s + 0.5).floor()
        } else {
            -((-s + 0.5).floor())
        };
        // f64 rounding of s ± 0.5 is exact for |s| < 2^52; larger values saturate anyway.
        (r.clamp(f64::from(i32::MIN), f64::from(i32::MAX))) as i128
    };
    assert_eq!(got, want, "to_fixed({f:e})");
    // to_f32: the f32 nearest to bits·2^−16 (exact below 256).
    let v = I16F16::from_bits(a);
    let back = to_f32(v);
    assert_eq!(back, (a as f32) / 65536.0, "to_f32({a})");
    if a.unsigned_abs() < 1 << 24 {
        assert_eq!(to_fixed(back), v, "to_fixed ∘ to_f32 exact below 256");
    }
    // sigmoid: within 2 LSB of σ, in [0, 1], σ(−z) = 1 − σ(z), monotone.
    let s = sigmoid(v);
    let z = f64::from(a) / 65536.0;
    assert!(
        (s.to_num::<f64>() - 1.0 / (1.0 + (-z).exp())).abs() <= 2.0 / 65536.0,
        "sigmoid({z}) = {s}"
    );
    if a != i32::MIN {
        assert_eq!(
            sigmoid(-v).to_bits(),
            0x10000 - s.to_bits(),
            "sigmoid symmetry at {z}"
        );
    }
    let w = I16F16::from_bits(b);
    if a <= b {
        assert!(sigmoid(v) <= sigmoid(w), "sigmoid monotone: {v} ≤ {w}");
    }
});
