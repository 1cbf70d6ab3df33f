//! Tests of the fixed-point learners: known values (hand-computed), the tables and the
//! arithmetic against f64, state sizes, the all-or-nothing update and a long adversarial stream.

use super::tables::{RSQRT_Q15, SIGMOID_Q17};
use super::*;
use core::mem::size_of;

fn f(v: f64) -> I16F16 {
    I16F16::from_num(v)
}

#[test]
fn tables_match_f64() {
    for (i, &t) in SIGMOID_Q17.iter().enumerate() {
        let z = i as f64 / 32.0;
        let want = ((1.0 / (1.0 + (-z).exp()) - 0.5) * 131072.0)
            .round()
            .min(65535.0);
        assert_eq!(f64::from(t), want, "sigmoid {i}");
    }
    for (i, &t) in RSQRT_Q15.iter().enumerate() {
        let x = (i as f64 + 32.5) / 128.0;
        assert_eq!(f64::from(t), (32768.0 / x.sqrt()).round(), "rsqrt {i}");
    }
}

#[test]
fn mul_known_values_and_edges() {
    // Hand-computed: 1.5·2.5 = 3.75; −0.5·0.25 = −0.125; 1 LSB·0.5 = 0.5 LSB → 1 (ties away).
    assert_eq!(mul(f(1.5).to_bits(), f(2.5).to_bits()), f(3.75).to_bits());
    assert_eq!(
        mul(f(-0.5).to_bits(), f(0.25).to_bits()),
        f(-0.125).to_bits()
    );
    assert_eq!(mul(1, 1 << 15), 1);
    assert_eq!(mul(-1, 1 << 15), -1);
    assert_eq!(mul(1, (1 << 15) - 1), 0);
    // 200·200 = 40000 > 32768: saturated; −200·200 too.
    assert_eq!(mul(f(200.0).to_bits(), f(200.0).to_bits()), i32::MAX);
    assert_eq!(mul(f(-200.0).to_bits(), f(200.0).to_bits()), i32::MIN);
    assert_eq!(mul(i32::MIN, ONE), i32::MIN);
    assert_eq!(mul(i32::MIN, -ONE), i32::MAX);
    assert_eq!(mul(i32::MIN, i32::MIN), i32::MAX);
}

#[test]
fn mul_matches_i64_reference() {
    // The reference: round-half-away-from-zero of a·b/2^16 in i128, saturated.
    let reference = |a: i32, b: i32| -> i32 {
        let p = i128::from(a) * i128::from(b);
        let m = (p.abs() + (1 << 15)) >> 16;
        let r = if p < 0 { -m } else { m };
        r.clamp(i128::from(i32::MIN), i128::from(i32::MAX)) as i32
    };
    let mut s = 0x1234_5678_9abc_def0u64;
    for i in 0..200_000 {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let sh = (i % 31) as u32;
        let a = (s as i32) >> sh;
        let b = ((s >> 32) as i32) >> (30 - (i % 29) as u32);
        assert_eq!(mul(a, b), reference(a, b), "{a} {b}");
    }
}

#[test]
fn narrow_and_wide_forms_agree() {
    // The M0's 32-bit forms and the 64-bit forms of the other cores: the same function.
    let mut s = 0x0DDC_0FFE_E0DD_F00Du64;
    let edges = [
        0u32,
        1,
        0x7FFF,
        0x8000,
        0xFFFF,
        0x1_0000,
        0x1_8000,
        0x7FFF_FFFF,
        0x8000_0000,
    ];
    for &a in &edges {
        for &b in &edges {
            assert_eq!(umul_q16_narrow(a, b), umul_q16_wide(a, b), "{a} {b}");
        }
    }
    for i in 0..400_000u32 {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let a = (s as u32 >> (i % 32)).min(1 << 31);
        let b = ((s >> 32) as u32 >> ((i / 32) % 32)).min(1 << 31);
        assert_eq!(umul_q16_narrow(a, b), umul_q16_wide(a, b), "{a} {b}");
        let y = (s >> 16) as u32 & 0xFFFF;
        let k = 1 + (i % 31);
        let wide = (u64::from(a) * u64::from(y)) >> k;
        assert_eq!(
            u64::from(scale_mag_narrow(a, y, k)),
            wide.min(u64::from(u32::MAX)),
            "{a} {y} {k}"
        );
    }
}

#[test]
fn rsqrt_relative_error_is_small() {
    // Every table interval at 64 points each, and all even/odd shifts.
    let mut worst = 0.0f64;
    for top in 32u32..128 {
        for j in 0..64u32 {
            let m = (top << 25) | (j << 19) | 0x3_1234;
            for shift in 0..31u32 {
                let v = m >> shift;
                if v == 0 {
                    continue;
                }
                let (y, h) = rsqrt_parts(v);
                // 1/√(v·2^−16) = y·2^−15·2^(h − 8).
                let got = f64::from(y) / 32768.0 * 2f64.powi(h as i32 - 8);
                let want = 1.0 / (f64::from(v) / 65536.0).sqrt();
                worst = worst.max((got / want - 1.0).abs());
            }
        }
    }
    assert!(worst <= 1.5e-4, "{worst}");
    // Hand-computed: 1/√4 = 0.5, 1/√0.25 = 2 (clamped one LSB of Q15 below), √9 = 3.
    assert!((f64::from(scale_rsqrt(ONE, 4 << 16, 16)) / 65536.0 - 0.5).abs() < 1e-4);
    assert!((f64::from(scale_rsqrt(ONE, 1 << 14, 16)) / 65536.0 - 2.0).abs() < 4e-4);
    assert!((f64::from(sqrt_q16(9 << 16)) / 65536.0 - 3.0).abs() < 1e-3);
    assert!((f64::from(recip(4 << 16)) / 65536.0 - 0.25).abs() < 1e-4);
    assert_eq!(sqrt_q16(0), 0);
    assert_eq!(sqrt_q16(-5), 0);
    // Saturation: 30000/√(1 LSB) is far out of range.
    assert_eq!(scale_rsqrt(30000 << 16, 1, 16), i32::MAX);
    assert_eq!(scale_rsqrt(-(30000 << 16), 1, 16), i32::MIN);
}

#[test]
fn sigmoid_within_two_lsb_on_a_dense_grid() {
    let mut worst = 0.0f64;
    let mut zb = -(20i32 << 16);
    while zb <= 20 << 16 {
        let s = f64::from(sigmoid_bits(zb)) / 65536.0;
        let z = f64::from(zb) / 65536.0;
        worst = worst.max((s - 1.0 / (1.0 + (-z).exp())).abs() * 65536.0);
        zb += 97;
    }
    assert!(worst <= 2.0, "{worst} LSB");
    assert_eq!(sigmoid_bits(0), 1 << 15);
    assert_eq!(sigmoid_bits(i32::MAX), ONE);
    assert_eq!(sigmoid_bits(i32::MIN), 0);
}

#[test]
fn state_sizes() {
    assert_eq!(size_of::<FxSgd>(), 4);
    assert_eq!(size_of::<FxAdaGrad<9>>(), 4 * 9 + 8);
    assert_eq!(size_of::<FxAdam<9>>(), 8 * 9 + 20);
    assert_eq!(size_of::<FxFtrl<9>>(), 8 * 9 + 16);
    assert_eq!(size_of::<FxPassiveAggressive>(), 4);
    assert_eq!(size_of::<FxStandardScaler<9>>(), 8 * 9 + 4);
    assert_eq!(size_of::<FxLogisticRegression<9, FxSgd>>(), 4 * 9 + 8 + 4);
    assert_eq!(size_of::<FxLogisticRegression<9, FxAdaGrad<9>>>(), 88);
    assert_eq!(size_of::<FxLogisticRegression<9, FxAdam<9>>>(), 44 + 92);
    assert_eq!(size_of::<FxLogisticRegression<9, FxFtrl<9>>>(), 44 + 88);
}

#[test]
fn rules_known_values() {
    // AdaGrad: g = 2, G = 4, step 0.1·2/2 = 0.1; then g = 2 again: G = 8, 0.1·2/√8 = 0.070711.
    let mut a = FxAdaGrad::<1>::new(f(0.1));
    let mut w = [I16F16::ZERO];
    a.step(&mut w, &[f(2.0)]);
    assert!((w[0].to_num::<f64>() + 0.1).abs() < 3e-5, "{}", w[0]);
    assert_eq!(a.sum_squares()[0], f(4.0));
    a.step(&mut w, &[f(2.0)]);
    assert!((w[0].to_num::<f64>() + 0.170_711).abs() < 5e-5, "{}", w[0]);
    // Adam, β₁ = 0.5, β₂ = 0.75 (exact in Q16), η = 1: after g = 1, m = 0.5, v = 0.25,
    // m̂ = 1, v̂ = 1: w = −1. After g = −1: m = −0.25, v = 0.4375; bias terms 0.75, 0.4375:
    // m̂ = −1/3, v̂ = 1: w = −1 + 1/3.
    let mut ad = FxAdam::<1>::new(f(1.0), f(0.5), f(0.75));
    let mut w = [I16F16::ZERO];
    ad.step(&mut w, &[f(1.0)]);
    assert!((w[0].to_num::<f64>() + 1.0).abs() < 5e-4, "{}", w[0]);
    ad.step(&mut w, &[f(-1.0)]);
    assert!((w[0].to_num::<f64>() + 2.0 / 3.0).abs() < 1e-3, "{}", w[0]);
    // FTRL with λ₁ = 0.5: z = 0.25 after g = 0.25 (|z| ≤ λ₁): w kept at 0 on the next step.
    let mut ft = FxFtrl::<1>::new(f(0.5), f(1.0), f(0.5), f(0.0));
    let mut w = [I16F16::ZERO];
    ft.step(&mut w, &[f(0.25)]);
    ft.step(&mut w, &[I16F16::ZERO]);
    assert_eq!(w, [I16F16::ZERO]);
    // With g = 2 instead: z = 2, n = 4: w = −(2 − 0.5)/((1 + 2)/0.5) = −0.25.
    let mut ft = FxFtrl::<1>::new(f(0.5), f(1.0), f(0.5), f(0.0));
    let mut w = [I16F16::ZERO];
    ft.step(&mut w, &[f(2.0)]);
    ft.step(&mut w, &[I16F16::ZERO]);
    assert!((w[0].to_num::<f64>() + 0.25).abs() < 1e-4, "{}", w[0]);
    // PA with C = 0.1 caps τ: logit 0, y = −1, x = (1): ℓ = 1, τ = min(0.1, 1) = 0.1: w = −0.1.
    let x = [I16F16::ONE];
    let ex = FxExample {
        x: &x,
        logit: I16F16::ZERO,
        y: false,
    };
    let mut w = [I16F16::ZERO];
    FxPassiveAggressive::new(f(0.1)).step_example(&mut w, &[I16F16::ZERO], &ex);
    assert!((w[0].to_num::<f64>() + 0.1).abs() < 1e-4, "{}", w[0]);
    // Margin met (y·p ≥ 1): passive.
    let ex = FxExample {
        x: &x,
        logit: f(2.0),
        y: true,
    };
    FxPassiveAggressive::new(f(0.1)).step_example(&mut w, &[I16F16::ZERO], &ex);
    assert!((w[0].to_num::<f64>() + 0.1).abs() < 1e-4);
}

#[test]
fn scaler_known_values() {
    let mut s = FxStandardScaler::<2>::new();
    for (a, b) in [(2.0, -1.0), (4.0, -1.0), (6.0, -1.0), (8.0, -1.0)] {
        s.learn_one(&[f(a), f(b)]);
    }
    // Mean 5, population variance 5; the constant feature: mean −1, variance 0.
    assert!((s.mean()[0].to_num::<f64>() - 5.0).abs() < 1e-4);
    assert!(
        (s.var()[0].to_num::<f64>() - 5.0).abs() < 1e-3,
        "{}",
        s.var()[0]
    );
    assert_eq!(s.mean()[1], f(-1.0));
    assert_eq!(s.var()[1], I16F16::ZERO);
    let mut z = [I16F16::ONE; 2];
    s.transform(&[f(10.0), f(3.0)], &mut z);
    assert!(
        (z[0].to_num::<f64>() - 5.0 / 5f64.sqrt()).abs() < 1e-3,
        "{}",
        z[0]
    );
    assert_eq!(z[1], I16F16::ZERO);
    assert_eq!(s.n(), 4);
}

fn adversarial(seed: &mut u64) -> ([I16F16; 4], bool) {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    let s = *seed;
    let mut x = [I16F16::ZERO; 4];
    for (i, v) in x.iter_mut().enumerate() {
        let r = (s >> (i * 13)) as i32;
        *v = I16F16::from_bits(match (s >> (52 + i * 2)) & 3 {
            0 => i32::MAX,
            1 => i32::MIN,
            2 => r,
            _ => r >> 12,
        });
    }
    (x, s & 1 == 1)
}

/// Learn 10⁶ adversarial (finite, often extreme) samples: every rule stays in range (every
/// `I16F16` is finite: the check is that predictions stay probabilities and accumulators
/// non-negative), and `try_learn_one` either succeeds or leaves the model untouched.
#[test]
fn long_adversarial_stream() {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut sgd = FxLogisticRegression::<4, FxSgd>::new(FxSgd::new(f(0.1)));
    let mut ada = FxLogisticRegression::<4, FxAdaGrad<4>>::new(FxAdaGrad::new(f(0.1)));
    let mut adam = FxLogisticRegression::<4, FxAdam<4>>::new(FxAdam::river());
    let mut ftrl = FxLogisticRegression::<4, FxFtrl<4>>::new(FxFtrl::river());
    let mut pa =
        FxLogisticRegression::<4, FxPassiveAggressive>::new(FxPassiveAggressive::new(f(1.0)));
    let mut sc = FxStandardScaler::<4>::new();
    let mut rejected = 0u32;
    let mut z = [I16F16::ZERO; 4];
    for i in 0..1_000_000u32 {
        let (x, y) = adversarial(&mut seed);
        sc.learn_transform(&x, &mut z);
        match i % 5 {
            0 => sgd.learn_one(&x, y),
            1 => ada.learn_one(&z, y),
            2 => adam.learn_one(&x, y),
            3 => ftrl.learn_one(&z, y),
            _ => {
                let before = pa.clone();
                if pa.try_learn_one(&x, y).is_err() {
                    rejected += 1;
                    assert_eq!(pa, before);
                }
            }
        }
    }
    for p in [
        sgd.predict_proba(&z),
        ada.predict_proba(&z),
        adam.predict_proba(&z),
        ftrl.predict_proba(&z),
        pa.predict_proba(&z),
    ] {
        assert!(p >= I16F16::ZERO && p <= I16F16::ONE);
    }
    assert!(ada.rule.sum_squares().iter().all(|g| *g >= I16F16::ZERO));
    assert!(sc.var().iter().all(|v| *v >= I16F16::ZERO));
    assert!(
        rejected > 0,
        "the stream never hit a rail: not adversarial enough"
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
    /// A refused update leaves the model (weights, intercept and the rule's state)
    /// bit-identical; an accepted one equals `learn_one`.
    #[test]
    fn try_learn_one_is_all_or_nothing(
        warm in proptest::collection::vec((proptest::array::uniform3(-200_000i32..200_000), proptest::bool::ANY), 0..20),
        x in proptest::array::uniform3(proptest::prelude::any::<i32>()),
        y in proptest::bool::ANY,
        lr in 1i32..(1 << 24),
    ) {
        let fx = |v: [i32; 3]| v.map(I16F16::from_bits);
        let mut m = FxLogisticRegression::<3, FxAdaGrad<3>>::new(FxAdaGrad::new(I16F16::from_bits(lr)));
        let mut a = FxLogisticRegression::<3, FxAdam<3>>::new(FxAdam::river());
        for (xw, yw) in &warm {
            m.learn_one(&fx(*xw), *yw);
            a.learn_one(&fx(*xw), *yw);
        }
        let before = m.clone();
        let mut plain = m.clone();
        plain.learn_one(&fx(x), y);
        match m.try_learn_one(&fx(x), y) {
            Ok(()) => proptest::prop_assert_eq!(&m, &plain),
            Err(_) => proptest::prop_assert_eq!(&m, &before),
        }
        let before = a.clone();
        if a.try_learn_one(&fx(x), y).is_err() {
            proptest::prop_assert_eq!(&a, &before);
        }
    }
}
