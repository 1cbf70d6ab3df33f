//! Unit and property tests of the f32 softmax family (differential tests against f64 live in
//! `host/tests/softmax_differential.rs`).

use super::*;
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

fn sm(x: &[f32]) -> Vec<f32> {
    let mut y = vec![0.0f32; x.len()];
    softmax(x, &mut y).unwrap();
    y
}

/// f64 softmax.
fn exact(x: &[f32]) -> Vec<f64> {
    let m = x
        .iter()
        .fold(f64::NEG_INFINITY, |m, &v| m.max(f64::from(v)));
    let e: Vec<f64> = x.iter().map(|&v| (f64::from(v) - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

fn check_contract(x: &[f32], y: &[f32]) {
    for (k, (&g, w)) in y.iter().zip(exact(x)).enumerate() {
        let err = (f64::from(g) - w).abs();
        if w >= 2f64.powi(-126) {
            assert!(err <= 5e-7 * w, "[{k}] got {g}, want {w}");
        } else {
            assert!(err <= 4.0 * 2f64.powi(-149), "[{k}] got {g}, want {w}");
        }
    }
}

#[test]
fn reference_vector() {
    let x = [1000.0f32, 999.0, -5.0, 0.5];
    for f in [three_pass, two_pass, anchored, softmax] {
        let mut y = [0.0f32; 4];
        f(&x, &mut y).unwrap();
        assert!((f64::from(y[0]) - 0.731_058_578_6).abs() < 4e-7);
        assert!((f64::from(y[1]) - 0.268_941_421_4).abs() < 2e-7);
        assert_eq!(y[2], 0.0);
        assert_eq!(y[3], 0.0);
    }
    let mut w = [0.0f32; 4];
    three_pass_with(&x, &mut w, crate::math::exp).unwrap();
    assert!((f64::from(w[0]) - 0.731_058_578_6).abs() < 4e-7);
    let mut z = x;
    softmax_in_place(&mut z).unwrap();
    assert_eq!(z, sm(&x).as_slice());
}

#[test]
fn errors() {
    let mut y = [0.0f32; 2];
    for f in [
        three_pass,
        two_pass,
        anchored,
        softmax,
        log_softmax,
        stablemax,
    ] {
        assert_eq!(f(&[], &mut []), Err(Error::Empty));
        assert_eq!(
            f(&[1.0], &mut y),
            Err(Error::LengthMismatch {
                expected: 1,
                actual: 2
            })
        );
        assert_eq!(f(&[1.0, f32::NAN], &mut y), Err(Error::NanInput));
        assert_eq!(f(&[f32::NAN, f32::NAN], &mut y), Err(Error::NanInput));
        assert_eq!(f(&[f32::INFINITY, f32::NAN], &mut y), Err(Error::NanInput));
        assert_eq!(
            f(&[f32::NEG_INFINITY; 2], &mut y),
            Err(Error::AllNegInfinity)
        );
    }
    assert_eq!(logsumexp(&[]), Err(Error::Empty));
    assert_eq!(logsumexp(&[f32::NAN]), Err(Error::NanInput));
    assert_eq!(
        cross_entropy(&[1.0, 2.0], 2, None),
        Err(Error::IndexOutOfRange { index: 2, len: 2 })
    );
    assert_eq!(
        cross_entropy(&[1.0, 2.0], 0, Some(&mut [0.0; 3])),
        Err(Error::LengthMismatch {
            expected: 2,
            actual: 3
        })
    );
    assert!(matches!(
        z_loss_aux(&[1.0], -1.0),
        Err(Error::BadParameter(_))
    ));
    assert!(matches!(
        z_loss_aux(&[1.0], f32::NAN),
        Err(Error::BadParameter(_))
    ));
    assert!(matches!(
        softmax_with_temperature(&[1.0, 2.0], 0.0, &mut y),
        Err(Error::BadParameter(_))
    ));
    assert_eq!(
        softmax_rows(&[1.0; 6], 4, &mut [0.0; 6]),
        Err(Error::BadRowLength)
    );
    assert_eq!(
        softmax_rows(&[1.0; 6], 0, &mut [0.0; 6]),
        Err(Error::BadRowLength)
    );
    assert_eq!(log_softmax_rows(&[], 3, &mut []), Err(Error::Empty));
}

#[test]
fn infinities_and_huge_values() {
    let ni = f32::NEG_INFINITY;
    let y = sm(&[ni, 0.0, ni, 1.0]);
    assert_eq!(y[0], 0.0);
    assert_eq!(y[2], 0.0);
    check_contract(&[ni, 0.0, ni, 1.0], &y);
    let y = sm(&[f32::INFINITY, 3.0, f32::INFINITY]);
    assert_eq!(y, [0.5, 0.0, 0.5]);
    for x in [
        vec![f32::MAX, f32::MAX, -f32::MAX],
        vec![-f32::MAX, -f32::MAX],
        vec![3.4e38, 3.399_999_8e38, 0.0],
        vec![-3.4e38, 1.0, 2.0],
        vec![1e30, 1e30 - 1e23, -1e30],
        vec![-1000.0, -1001.0, -1050.0],
        vec![255.9, 256.0, 200.0, 180.0],
        vec![-255.9, -256.0, -300.0, -2000.0],
    ] {
        for f in [three_pass, two_pass, anchored] {
            let mut y = vec![0.0; x.len()];
            f(&x, &mut y).unwrap();
            assert!(y.iter().all(|v| v.is_finite()), "{x:?} -> {y:?}");
            check_contract(&x, &y);
        }
    }
}

/// The anchored pass accepts the rows it is built for and rejects exactly those it cannot
/// represent (the fallback then gives the contract; checked above and in `host`).
#[test]
fn anchored_accepts_and_rejects() {
    let accepted = |x: &[f32]| {
        let mut y = vec![0.0f32; x.len()];
        let ok = anchored::try_anchored(x, &mut y, x[0]).is_some();
        if ok {
            check_contract(x, &y);
        }
        ok
    };
    let mut u: Vec<f32> = (0..256)
        .map(|i| ((i * 37) % 256) as f32 / 16.0 - 8.0)
        .collect();
    assert!(accepted(&u));
    assert!(accepted(&[0.0]));
    assert!(accepted(&[127.0, 127.0 + 70.0, 127.0 - 100.0]));
    assert!(accepted(&[-127.0, -127.0 + 70.0, -127.0 - 100.0]));
    // Above the anchor by more than 102·ln2 ≈ 70.7 (S ≥ 2^126, 1/S subnormal) or below it by
    // more than 151·ln2 ≈ 104.7.
    assert!(accepted(&[0.0, 70.6, -104.6]));
    assert!(!accepted(&[0.0, 70.8]));
    assert!(!accepted(&[0.0, 72.0]));
    assert!(!accepted(&[0.0, -105.0]));
    assert!(!accepted(&[0.0, -1e4]));
    assert!(!accepted(&[0.0, -1e20]));
    assert!(!accepted(&[0.0, 1e20]));
    assert!(!accepted(&[0.0, -3e38]));
    assert!(!accepted(&[128.0, 128.0]));
    assert!(!accepted(&[f32::NAN, 1.0]));
    assert!(!accepted(&[1.0, f32::NAN]));
    assert!(!accepted(&[1.0, f32::NEG_INFINITY]));
    assert!(!accepted(&[1.0, f32::INFINITY]));
    // The anchor far below the maximum, but with S < 2^126: accepted and accurate
    // (256 terms up to e^63·2^24 ≈ 2^115). At −60 the 256 terms reach 2^130: rejected.
    u[0] = -55.0;
    assert!(accepted(&u));
    u[0] = -60.0;
    assert!(!accepted(&u));
    // Rejected rows still get the contract through three_pass.
    for x in [
        vec![0.0f32, 73.0, -3.0],
        vec![0.0, -1e20, 1.0],
        vec![5.0, f32::NEG_INFINITY],
    ] {
        let mut y = vec![0.0f32; x.len()];
        anchored(&x, &mut y).unwrap();
        let mut r = vec![0.0f32; x.len()];
        three_pass(&x, &mut r).unwrap();
        assert_eq!(y, r);
    }
}

#[test]
fn log_family() {
    let x = [1.0f32, 2.0, 3.0, -1.0];
    let mut l = [0.0f32; 4];
    log_softmax(&x, &mut l).unwrap();
    let lse = (x.iter().map(|&v| f64::from(v).exp()).sum::<f64>()).ln();
    for (&g, &v) in l.iter().zip(&x) {
        assert!((f64::from(g) - (f64::from(v) - lse)).abs() < 2e-6);
    }
    assert!((f64::from(logsumexp(&x).unwrap()) - lse).abs() < 2e-6);
    let mut g = [0.0f32; 4];
    let loss = cross_entropy(&x, 2, Some(&mut g)).unwrap();
    assert!((f64::from(loss) - (lse - 3.0)).abs() < 2e-6);
    assert_eq!(loss, cross_entropy(&x, 2, None).unwrap());
    let p = sm(&x);
    for (k, (&gk, &pk)) in g.iter().zip(&p).enumerate() {
        let want = pk - if k == 2 { 1.0 } else { 0.0 };
        assert!((gk - want).abs() <= 1e-7, "{k}");
    }
    let z = z_loss_aux(&x, 1e-4).unwrap();
    assert!((f64::from(z) - 1e-4 * lse * lse).abs() < 1e-9);
    // Huge logits: no overflow.
    let big = [3e38f32, 3e38, -3e38];
    let lse_big = logsumexp(&big).unwrap();
    assert!((f64::from(lse_big) - (3e38f64 + 2f64.ln())).abs() / 3e38 < 1e-7);
    log_softmax(&big, &mut l[..3]).unwrap();
    assert!((f64::from(l[0]) + 2f64.ln()).abs() < 2e-6);
    assert_eq!(l[2], f32::NEG_INFINITY);
    assert_eq!(
        cross_entropy(&[0.0, f32::NEG_INFINITY], 1, None),
        Ok(f32::INFINITY)
    );
    assert_eq!(logsumexp(&[1.0, f32::INFINITY]), Ok(f32::INFINITY));
}

#[test]
fn rows_and_temperature_and_in_place() {
    let x: Vec<f32> = (0..12).map(|i| (i as f32 * 0.37).sin() * 5.0).collect();
    let mut y = vec![0.0f32; 12];
    softmax_rows(&x, 4, &mut y).unwrap();
    for (xr, yr) in x.chunks(4).zip(y.chunks(4)) {
        assert_eq!(sm(xr), yr);
    }
    // In place the rows go through three_pass_in_place (see `softmax_in_place`).
    let mut z = x.clone();
    softmax_rows_in_place(&mut z, 4).unwrap();
    for (xr, zr) in x.chunks(4).zip(z.chunks(4)) {
        let mut r = [0.0f32; 4];
        three_pass(xr, &mut r).unwrap();
        assert_eq!(r, zr);
        check_contract(xr, zr);
    }
    log_softmax_rows(&x, 3, &mut y).unwrap();
    let mut z = x.clone();
    log_softmax_rows_in_place(&mut z, 3).unwrap();
    assert_eq!(z, y);
    let mut t = vec![0.0f32; 12];
    softmax_with_temperature(&x, 2.0, &mut t).unwrap();
    let half: Vec<f32> = x.iter().map(|v| v / 2.0).collect();
    let mut r = vec![0.0f32; 12];
    three_pass(&half, &mut r).unwrap();
    assert_eq!(t, r);
    let mut z = x.clone();
    softmax_with_temperature_in_place(&mut z, 2.0).unwrap();
    assert_eq!(z, t);
    let mut a = vec![0.0f32; 12];
    two_pass(&x, &mut a).unwrap();
    let mut z = x.clone();
    two_pass_in_place(&mut z).unwrap();
    assert_eq!(z, a);
    stablemax(&x, &mut a).unwrap();
    let mut z = x.clone();
    stablemax_in_place(&mut z).unwrap();
    assert_eq!(z, a);
}

#[test]
fn stablemax_values() {
    let x = [0.0f32, 1.0, -1.0, f32::NEG_INFINITY];
    let mut y = [0.0f32; 4];
    stablemax(&x, &mut y).unwrap();
    // s = [1, 2, 0.5, 0] / 3.5
    let want = [1.0 / 3.5, 2.0 / 3.5, 0.5 / 3.5, 0.0];
    for (g, w) in y.iter().zip(want) {
        assert!((f64::from(*g) - w).abs() < 2e-7 * w.max(1e-30) + 1e-45);
    }
    let mut y = [0.0f32; 3];
    stablemax(&[f32::MAX, f32::MAX, -1.0], &mut y).unwrap();
    assert_eq!(y[0], 0.5);
    assert_eq!(y[1], 0.5);
}

fn logits() -> impl Strategy<Value = Vec<f32>> {
    prop::collection::vec(-100.0f32..100.0, 1..64)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sums_to_one(x in logits()) {
        let y = sm(&x);
        let s: f64 = y.iter().map(|&v| f64::from(v)).sum();
        prop_assert!((s - 1.0).abs() <= x.len() as f64 * 2f64.powi(-24));
        check_contract(&x, &y);
    }

    #[test]
    fn shift_invariant(x in logits(), c in -50.0f32..50.0) {
        let shifted: Vec<f32> = x.iter().map(|&v| v + c).collect();
        let (a, b) = (sm(&x), sm(&shifted));
        // x + c is rounded: compare against the exact softmax of the shifted inputs instead of
        // bitwise, and the two results with a tolerance covering that rounding (≤ 2^-17 abs. in
        // the exponent for |x + c| ≤ 150).
        check_contract(&shifted, &b);
        for (p, q) in a.iter().zip(&b) {
            prop_assert!((p - q).abs() <= 2e-5 * p.max(*q) + 1e-38);
        }
    }

    #[test]
    fn monotone_and_ties(x in logits()) {
        let y = sm(&x);
        for i in 0..x.len() {
            for j in 0..x.len() {
                if x[i] < x[j] { prop_assert!(y[i] <= y[j]); }
                if x[i] == x[j] { prop_assert_eq!(y[i].to_bits(), y[j].to_bits()); }
            }
        }
    }

    #[test]
    fn two_pass_agrees(x in logits()) {
        let mut a = vec![0.0f32; x.len()];
        two_pass(&x, &mut a).unwrap();
        check_contract(&x, &a);
    }

    #[test]
    fn log_softmax_consistent(x in logits()) {
        let mut l = vec![0.0f32; x.len()];
        log_softmax(&x, &mut l).unwrap();
        let m = x.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(f64::from(v)));
        let lse = m + x.iter().map(|&v| (f64::from(v) - m).exp()).sum::<f64>().ln();
        for (&g, &v) in l.iter().zip(&x) {
            let w = f64::from(v) - lse;
            prop_assert!((f64::from(g) - w).abs() <= 2e-6 * w.abs().max(1.0));
        }
    }
}

/// Issue #29, row 10: a logit ≈ 71.4 above the anchor made S ≈ 2^127 and 1/S subnormal, and
/// the default softmax returned 1.0000002. Such sums now send the row to `three_pass`.
#[test]
fn regression_anchor_sum_above_2_126() {
    let x = [-11.836_962f32, 59.545_643];
    for f in [anchored, softmax] {
        let mut y = [0.0f32; 2];
        f(&x, &mut y).unwrap();
        assert!(y[1] <= 1.0, "{y:?}");
        let s: f64 = y.iter().map(|&v| f64::from(v)).sum();
        assert!((s - 1.0).abs() <= 2.0 * 2f64.powi(-24), "{y:?}");
        check_contract(&x, &y);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The regime of row 10: the top logit 60–75 above the anchor (the first element), with
    /// other logits anywhere between; outputs ≤ 1, Σ y = 1 within N·2^−24, the contract holds.
    #[test]
    fn top_far_above_anchor(
        x0 in -100.0f32..100.0,
        gap in 60.0f32..75.0,
        rest in prop::collection::vec(0.0f32..1.0, 0..40),
    ) {
        let mut x = vec![x0, x0 + gap];
        x.extend(rest.iter().map(|&t| x0 + t * gap));
        let y = sm(&x);
        prop_assert!(y.iter().all(|&v| (0.0..=1.0).contains(&v)));
        let s: f64 = y.iter().map(|&v| f64::from(v)).sum();
        prop_assert!((s - 1.0).abs() <= x.len() as f64 * 2f64.powi(-24));
        check_contract(&x, &y);
    }
}

/// f64 StableMax of the same inputs.
fn stablemax_exact(x: &[f32]) -> Vec<f64> {
    let s: Vec<f64> = x
        .iter()
        .map(|&v| {
            let v = f64::from(v);
            if v >= 0.0 {
                v + 1.0
            } else {
                1.0 / (1.0 - v)
            }
        })
        .collect();
    let t: f64 = s.iter().sum();
    s.iter().map(|v| v / t).collect()
}

/// Issue #29, row 3: with every logit far below 0 the sum of s(x) was subnormal and its
/// reciprocal +∞, so −∞ gave NaN and −f32::MAX gave +∞.
#[test]
fn regression_stablemax_all_far_negative() {
    let x = [f32::NEG_INFINITY, -f32::MAX];
    let mut y = [0.0f32; 2];
    stablemax(&x, &mut y).unwrap();
    assert_eq!(y, [0.0, 1.0]);
    let mut z = x;
    stablemax_in_place(&mut z).unwrap();
    assert_eq!(z, [0.0, 1.0]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Rows anywhere in magnitude (including all far below 0, and −∞ entries): a probability
    /// vector within 5 ulp of the f64 StableMax per element (−∞ exactly 0).
    #[test]
    fn stablemax_any_magnitude(
        e in -130i32..128,
        m in prop::collection::vec((-1.0f32..1.0, prop::bool::weighted(0.1)), 1..32),
    ) {
        let scale = 2f32.powi(e.clamp(-126, 127)) * if e >= 127 { 1.999 } else { 1.0 };
        let x: Vec<f32> = m
            .iter()
            .map(|&(t, ninf)| if ninf { f32::NEG_INFINITY } else { t * scale })
            .collect();
        prop_assume!(x.iter().any(|v| v.is_finite()));
        let mut y = vec![0.0f32; x.len()];
        stablemax(&x, &mut y).unwrap();
        let s: f64 = y.iter().map(|&v| f64::from(v)).sum();
        prop_assert!((s - 1.0).abs() <= x.len() as f64 * 2f64.powi(-22), "{x:?} {y:?}");
        for ((&g, w), &xi) in y.iter().zip(stablemax_exact(&x)).zip(&x) {
            if xi == f32::NEG_INFINITY {
                prop_assert_eq!(g, 0.0);
            } else {
                prop_assert!((f64::from(g) - w).abs() <= 5.0 * 2f64.powi(-23) * w + 2f64.powi(-126),
                    "{x:?}: got {g}, want {w}");
            }
        }
    }
}

/// Issue #29, row 5: λ = 0 with a +∞ logit gave 0·∞ = NaN.
#[test]
fn regression_z_loss_aux_lambda_zero() {
    assert_eq!(z_loss_aux(&[0.0, f32::INFINITY], 0.0), Ok(0.0));
    assert_eq!(z_loss_aux(&[0.0, 3.0], 0.0), Ok(0.0));
    assert_eq!(z_loss_aux(&[0.0, f32::INFINITY], 1e-3), Ok(f32::INFINITY));
    // Errors still come first.
    assert_eq!(z_loss_aux(&[], 0.0), Err(Error::Empty));
    assert_eq!(z_loss_aux(&[f32::NAN], 0.0), Err(Error::NanInput));
}

proptest! {
    /// Never NaN for a valid row and λ: finite, or +∞ exactly when λ > 0 and an input is +∞.
    #[test]
    fn z_loss_aux_never_nan(
        x in prop::collection::vec(prop_oneof![
            8 => -100.0f32..100.0,
            1 => Just(f32::INFINITY),
            1 => Just(f32::NEG_INFINITY),
        ], 1..16),
        lambda in prop_oneof![Just(0.0f32), 0.0f32..10.0],
    ) {
        prop_assume!(x.iter().any(|v| *v != f32::NEG_INFINITY));
        let z = z_loss_aux(&x, lambda).unwrap();
        let has_inf = x.contains(&f32::INFINITY);
        prop_assert!(!z.is_nan());
        prop_assert_eq!(z == f32::INFINITY, has_inf && lambda > 0.0);
    }
}

/// Issue #29: a finite row with a temperature so small that every x/T overflows to −∞ is
/// documented to return AllNegInfinity; subtracting the maximum first gives the arg-max.
#[test]
fn temperature_overflow_is_documented() {
    let mut y = [0.0f32; 1];
    assert_eq!(
        softmax_with_temperature(&[-1.0], 1e-45, &mut y),
        Err(Error::AllNegInfinity)
    );
    assert_eq!(softmax_with_temperature(&[0.0], 1e-45, &mut y), Ok(()));
    assert_eq!(y, [1.0]);
    let mut y = [0.0f32; 3];
    softmax_with_temperature(&[0.0, -1.0, -2.0], 1e-45, &mut y).unwrap();
    assert_eq!(y, [1.0, 0.0, 0.0]);
}

/// `anchored` rejects an anchor of exactly ±128 (|x_0| < 128 is required) and the row still
/// gets the contract through `three_pass` (issue #29's mutation gap).
#[test]
fn anchored_rejects_anchor_at_exactly_128() {
    for x0 in [-128.0f32, 128.0] {
        let x = [x0, x0 + 1.0, x0 - 1.0];
        let mut y = [0.0f32; 3];
        assert!(
            super::anchored::try_anchored(&x, &mut y, x0).is_none(),
            "{x0}"
        );
        anchored(&x, &mut y).unwrap();
        let mut r = [0.0f32; 3];
        three_pass(&x, &mut r).unwrap();
        assert_eq!(y, r);
    }
    let x0 = -127.999_99f32;
    let x = [x0, x0 + 1.0];
    let mut y = [0.0f32; 2];
    assert!(super::anchored::try_anchored(&x, &mut y, x0).is_some());
}
