//! Unit tests of the FPU-free softmax family: REFERENCE vectors, errors, special values,
//! and seeded rows against f64.

use super::*;
use crate::Error;
use std::vec;
use std::vec::Vec;

fn f64_softmax(x: &[f32]) -> Vec<f64> {
    let m = x.iter().fold(f64::NEG_INFINITY, |a, &v| a.max(v as f64));
    let e: Vec<f64> = x.iter().map(|&v| (v as f64 - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

fn f64_lse(x: &[f32]) -> f64 {
    let m = x.iter().fold(f64::NEG_INFINITY, |a, &v| a.max(v as f64));
    m + x.iter().map(|&v| (v as f64 - m).exp()).sum::<f64>().ln()
}

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 32) as u32
    }
    fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * (self.next() as f32 / 4_294_967_296.0)
    }
}

fn row(rng: &mut Lcg, k: u32) -> Vec<f32> {
    let n = 1 + (rng.next() % 300) as usize;
    let mut x: Vec<f32> = (0..n).map(|_| rng.uniform(-10.0, 10.0)).collect();
    match k % 6 {
        0 => {}
        1 => x
            .iter_mut()
            .for_each(|v| *v = rng.uniform(-1.0, 1.0) * 3.0e38),
        2 => x
            .iter_mut()
            .for_each(|v| *v = (rng.next() % 4) as f32 * 0.5),
        3 => x
            .iter_mut()
            .for_each(|v| *v = rng.uniform(-200.0, 0.0) + 1.0e6),
        4 => x.iter_mut().for_each(|v| {
            if rng.next().is_multiple_of(5) {
                *v = f32::NEG_INFINITY
            }
        }),
        _ => x.iter_mut().for_each(|v| *v = rng.uniform(-1e-6, 1e-6)),
    }
    if x.iter().all(|v| *v == f32::NEG_INFINITY) {
        x[0] = 0.0;
    }
    x
}

#[test]
fn reference_vector() {
    let x = [1000.0f32, 999.0, -5.0, 0.5];
    let mut y = [0.0f32; 4];
    softmax(&x, &mut y).unwrap();
    let close = |got: f32, want: f64| (got as f64 - want).abs() <= 2e-7 * want.abs();
    assert!(close(y[0], 0.731_058_578_630_004_9), "{}", y[0]);
    assert!(close(y[1], 0.268_941_421_369_995_1), "{}", y[1]);
    assert_eq!(y[2], 0.0);
    assert_eq!(y[3], 0.0);
    let mut l = [0.0f32; 4];
    log_softmax(&x, &mut l).unwrap();
    assert_eq!(l[0], -0.313_261_687_518_222_8f64 as f32);
    assert_eq!(l[1], -1.313_261_687_518_222_8f64 as f32);
    assert_eq!(l[2], -1_005.313_261_687_518_2f64 as f32);
    let loss = cross_entropy(&x, 1, Some(&mut y)).unwrap();
    assert_eq!(loss, 1.313_261_687_518_222_8f64 as f32);
    assert!(close(y[1], 0.268_941_421_369_995_1 - 1.0), "{}", y[1]);
}

#[test]
fn errors_and_special_values() {
    let mut y = [0.0f32; 3];
    assert_eq!(softmax(&[], &mut []), Err(Error::Empty));
    assert_eq!(
        softmax(&[1.0], &mut y),
        Err(Error::LengthMismatch {
            expected: 1,
            actual: 3
        })
    );
    assert_eq!(softmax(&[1.0, f32::NAN, 2.0], &mut y), Err(Error::NanInput));
    assert_eq!(
        log_softmax(&[f32::INFINITY, -f32::NAN, 2.0], &mut y),
        Err(Error::NanInput)
    );
    assert_eq!(
        softmax(&[f32::NEG_INFINITY; 3], &mut y),
        Err(Error::AllNegInfinity)
    );
    assert_eq!(cross_entropy(&[], 0, None), Err(Error::Empty));
    assert_eq!(
        cross_entropy(&[1.0], 1, None),
        Err(Error::IndexOutOfRange { index: 1, len: 1 })
    );
    assert_eq!(
        cross_entropy(&[1.0], 0, Some(&mut y)),
        Err(Error::LengthMismatch {
            expected: 1,
            actual: 3
        })
    );
    // +∞ inputs share the mass; −∞ gives 0 / −∞.
    let x = [f32::INFINITY, 1.0, f32::INFINITY];
    softmax(&x, &mut y).unwrap();
    assert_eq!(y, [0.5, 0.0, 0.5]);
    log_softmax(&x, &mut y).unwrap();
    assert_eq!(
        y,
        [
            -core::f32::consts::LN_2,
            f32::NEG_INFINITY,
            -core::f32::consts::LN_2
        ]
    );
    assert_eq!(cross_entropy(&x, 0, None), Ok(core::f32::consts::LN_2));
    assert_eq!(cross_entropy(&x, 1, Some(&mut y)), Ok(f32::INFINITY));
    assert_eq!(y, [0.5, -1.0, 0.5]);
    let x = [f32::NEG_INFINITY, 0.0, -0.0];
    softmax(&x, &mut y).unwrap();
    assert_eq!(y, [0.0, 0.5, 0.5]);
    log_softmax(&x, &mut y).unwrap();
    assert_eq!(y[0], f32::NEG_INFINITY);
    assert_eq!(cross_entropy(&x, 0, None), Ok(f32::INFINITY));
    // One element: 1, +0, loss +0, gradient +0.
    let mut g = [0.0f32];
    assert_eq!(cross_entropy(&[3.0], 0, Some(&mut g)).unwrap().to_bits(), 0);
    assert_eq!(g[0].to_bits(), 0);
    softmax(&[-7.0], &mut g).unwrap();
    assert_eq!(g[0], 1.0);
    // Extreme logits: no NaN, no ∞.
    let x = [f32::MAX, -f32::MAX, f32::MAX];
    softmax(&x, &mut y).unwrap();
    assert_eq!(y, [0.5, 0.0, 0.5]);
    log_softmax(&x, &mut y).unwrap();
    assert_eq!(y[1], f32::NEG_INFINITY); // −2·f32::MAX rounds to −∞
                                         // Subnormal inputs.
    let x = [f32::from_bits(1), -f32::from_bits(5), 0.0];
    softmax(&x, &mut y).unwrap();
    assert!(y.iter().all(|&v| v == 1.0 / 3.0));
}

#[test]
fn seeded_rows_against_f64() {
    let mut rng = Lcg(42);
    let (mut worst_p, mut worst_l, mut worst_ce) = (0f64, 0f64, 0f64);
    for k in 0..3000 {
        let x = row(&mut rng, k);
        let n = x.len();
        let want = f64_softmax(&x);
        let mut y = vec![0.0f32; n];
        softmax(&x, &mut y).unwrap();
        for (g, w) in y.iter().zip(&want) {
            if *w >= 2f64.powi(-126) {
                worst_p = worst_p.max((*g as f64 - w).abs() / w);
            } else {
                assert!((*g as f64 - w).abs() <= 2f64.powi(-148), "{g:e} vs {w:e}");
            }
        }
        let lse = f64_lse(&x);
        log_softmax(&x, &mut y).unwrap();
        for (g, &v) in y.iter().zip(&x) {
            let w = v as f64 - lse;
            if w.is_finite() && w > -(f32::MAX as f64) {
                worst_l = worst_l.max((*g as f64 - w).abs() / w.abs().max(1.0));
            }
        }
        let t = (rng.next() as usize) % n;
        let mut grad = vec![0.0f32; n];
        let loss = cross_entropy(&x, t, Some(&mut grad)).unwrap();
        let w = lse - x[t] as f64;
        if w.is_finite() && w < f32::MAX as f64 {
            worst_ce = worst_ce.max((loss as f64 - w).abs() / w.max(1.0));
        }
        for (i, (g, p)) in grad.iter().zip(&want).enumerate() {
            let w = p - if i == t { 1.0 } else { 0.0 };
            assert!(
                (*g as f64 - w).abs() <= 2e-7 * p.max(w.abs()) + 2f64.powi(-148),
                "{g} {w}"
            );
        }
    }
    assert!(worst_p < 2e-7, "softmax {worst_p:e}");
    assert!(worst_l < 1.2e-7, "log_softmax {worst_l:e}");
    assert!(worst_ce < 1.2e-7, "cross_entropy {worst_ce:e}");
}

/// The integer and float forms agree within the sum of their contracts.
#[test]
fn integer_and_float_forms_agree() {
    let mut rng = Lcg(7);
    for k in 0..1000 {
        let x = row(&mut rng, k);
        let n = x.len();
        let (mut a, mut b) = (vec![0.0f32; n], vec![0.0f32; n]);
        softmax(&x, &mut a).unwrap();
        crate::softmax::three_pass(&x, &mut b).unwrap();
        for (p, q) in a.iter().zip(&b) {
            assert!((p - q).abs() <= 1e-6 * q.abs() + 1e-44, "{p:e} {q:e}");
        }
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The integer and float softmax agree within the sum of their contracts
        /// (2·5e−7 relative on outputs ≥ 2^−126), and fail on the same inputs.
        #[test]
        fn integer_and_float_softmax_agree(
            x in proptest::collection::vec(
                prop_oneof![-100.0f32..100.0, any::<f32>(), Just(f32::NEG_INFINITY)],
                1..64,
            )
        ) {
            let n = x.len();
            let (mut a, mut b) = (vec![0.0f32; n], vec![0.0f32; n]);
            let ra = softmax(&x, &mut a);
            let rb = crate::softmax::three_pass(&x, &mut b);
            prop_assert_eq!(ra, rb);
            if ra.is_ok() {
                for (p, q) in a.iter().zip(&b) {
                    prop_assert!((p - q).abs() <= 1e-6 * q.abs() + 1e-44, "{:e} {:e}", p, q);
                }
            }
            let ca = cross_entropy(&x, 0, None);
            let cb = crate::softmax::fpu::cross_entropy(&x, 0, None);
            prop_assert_eq!(ca.is_ok(), cb.is_ok());
            if let (Ok(p), Ok(q)) = (ca, cb) {
                if q.is_finite() {
                    prop_assert!((p - q).abs() <= 4e-6 * q.abs().max(1.0), "{} {}", p, q);
                } else {
                    prop_assert_eq!(p, q);
                }
            }
        }
    }
}

/// Worst relative error of the outputs ≥ 2^−126 against f64 (smaller ones within 2^−148
/// absolute), for softmax; and the worst log-softmax error relative to max(1, |y|).
fn worst_errors(x: &[f32]) -> (f64, f64) {
    let want = f64_softmax(x);
    let mut y = vec![0.0f32; x.len()];
    softmax(x, &mut y).unwrap();
    let mut worst = 0f64;
    for (g, w) in y.iter().zip(&want) {
        if *w >= 2f64.powi(-126) {
            worst = worst.max((*g as f64 - w).abs() / w);
        } else {
            assert!((*g as f64 - w).abs() <= 2f64.powi(-148), "{g:e} vs {w:e}");
        }
    }
    let lse = f64_lse(x);
    log_softmax(x, &mut y).unwrap();
    let mut worst_l = 0f64;
    for (g, &v) in y.iter().zip(x) {
        let w = v as f64 - lse;
        if w.is_finite() {
            worst_l = worst_l.max((*g as f64 - w).abs() / w.abs().max(1.0));
        } else {
            assert_eq!(*g, f32::NEG_INFINITY);
        }
    }
    (worst, worst_l)
}

/// The edges of the fast path: |m| just below and at 16 (the fast-row limit), terms around
/// 2^−31 (K = 30/31: the exact fixed-point sum vs the normalised form), the 104 cut, |x| at
/// 128 (the Q24 conversion's limit), tiny |x| and both zeros.
#[test]
fn fast_path_edges() {
    let below16 = f32::from_bits(16.0f32.to_bits() - 1);
    for m in [
        0.0f32, 1.0, -1.0, below16, 16.0, -below16, -16.0, 127.9, -127.9, 300.0,
    ] {
        let mut d = 0.0f32;
        while d < 110.0 {
            let x = [
                m,
                m - d,
                m - d * 0.5,
                m - 21.5,
                m - 103.99,
                m - 104.01,
                -128.0,
                1e-30,
            ];
            let x: Vec<f32> = x.iter().map(|&v| v.min(m)).collect();
            let (p, l) = worst_errors(&x);
            assert!(p < 2.5e-7, "m {m} d {d}: softmax {p:e}");
            assert!(l < 2e-7, "m {m} d {d}: log_softmax {l:e}");
            d += 0.37;
        }
    }
    // The boundary between the exact fixed-point terms (K ≤ 30) and the normalised ones.
    let mut d = 20.0f32;
    while d < 23.0 {
        let (p, _) = worst_errors(&[0.0, -d, -d, 3e-8]);
        assert!(p < 2.5e-7, "d {d}: {p:e}");
        d += 1.0 / 4096.0;
    }
    // Both zeros are the same logit; tiny logits are as good as zero.
    let mut y = [0.0f32; 4];
    softmax(&[0.0, -0.0, 1e-30, -1e-30], &mut y).unwrap();
    assert_eq!(y, [0.25; 4]);
}

/// Ties and long rows: equal logits give exactly 1/N (N a power of two, up to 4,096, on a
/// fast row and a slow one); a seeded row of 4,096 logits keeps the bound.
#[test]
fn ties_and_long_rows() {
    for &n in &[1usize, 2, 64, 4096] {
        for &v in &[3.5f32, -7.25, 1e6] {
            let x = vec![v; n];
            let mut y = vec![0.0f32; n];
            softmax(&x, &mut y).unwrap();
            assert!(y.iter().all(|&p| p == 1.0 / n as f32), "{n} {v}");
            log_softmax(&x, &mut y).unwrap();
            let want = -(n as f64).ln();
            assert!(y
                .iter()
                .all(|&p| (p as f64 - want).abs() <= 2e-7 * want.abs().max(1.0)));
        }
    }
    let mut rng = Lcg(99);
    for range in [1.0f32, 8.0, 30.0, 120.0] {
        let x: Vec<f32> = (0..4096).map(|_| rng.uniform(-range, range)).collect();
        let (p, l) = worst_errors(&x);
        assert!(p < 2.5e-7 && l < 2e-7, "{range}: {p:e} {l:e}");
    }
}

/// NaN is reported wherever it is: a positive NaN is the maximum; a negative NaN sorts
/// below −∞ and is found by pass 2 (finite maximum) or by the second scan (maximum ±∞).
#[test]
fn nan_anywhere() {
    let neg_nan = f32::from_bits(0xFFC0_0000);
    let pos_nan = f32::from_bits(0x7FC0_0001);
    let mut y = [0.0f32; 3];
    for x in [
        [1.0, neg_nan, 2.0],
        [neg_nan, 1.0, 2.0],
        [1e30, 2.0, neg_nan],
        [f32::NEG_INFINITY, neg_nan, f32::NEG_INFINITY],
        [f32::INFINITY, neg_nan, 1.0],
        [1.0, pos_nan, f32::INFINITY],
        [f32::NEG_INFINITY, f32::NEG_INFINITY, pos_nan],
    ] {
        assert_eq!(softmax(&x, &mut y), Err(Error::NanInput), "{x:?}");
        assert_eq!(log_softmax(&x, &mut y), Err(Error::NanInput), "{x:?}");
        assert_eq!(cross_entropy(&x, 0, None), Err(Error::NanInput), "{x:?}");
        assert_eq!(
            cross_entropy(&x, 0, Some(&mut y)),
            Err(Error::NanInput),
            "{x:?}"
        );
    }
}

/// The fast-term limit: a = FAST_A_MAX still has K ≤ 30 (stored as a fast word, binned
/// exactly); the next ones take the normalised word; the Q24 conversion's edges.
#[test]
fn fast_term_limit_and_conversion() {
    use crate::math::int::{exp_neg_q24, EXP_NEG_Q24_MAX};
    assert_eq!(exp_neg_q24(row::FAST_A_MAX).1, 30);
    assert_eq!(exp_neg_q24(22_004 << 14).1, 31);
    for a in [row::FAST_A_MAX + 1, row::FAST_A_MAX + 1000, EXP_NEG_Q24_MAX] {
        let (w, v) = row::small_term(a);
        assert!(v < 1 << 34 && w >> 31 == 1, "{a}: {v}");
        // Q63 truncates terms below 2^−63 to 0 (the word keeps them).
        assert_eq!(v > 0, a < 44 << 24, "{a}: {v}");
    }
    assert_eq!(row::small_term(EXP_NEG_Q24_MAX + 1), (0, 0));
    assert_eq!(row::conv_q24(0.0f32.to_bits()), Some(0));
    assert_eq!(row::conv_q24((-0.0f32).to_bits()), Some(0));
    assert_eq!(row::conv_q24(1e-30f32.to_bits()), Some(0));
    assert_eq!(row::conv_q24((-1.5f32).to_bits()), Some(-3 << 23));
    let below128 = f32::from_bits(128.0f32.to_bits() - 1);
    assert_eq!(
        row::conv_q24(below128.to_bits()),
        Some((below128 as f64 * 16_777_216.0) as i32)
    );
    assert_eq!(row::conv_q24(128.0f32.to_bits()), None);
    assert_eq!(row::conv_q24(f32::NEG_INFINITY.to_bits()), None);
    assert_eq!(row::conv_q24(f32::NAN.to_bits()), None);
}
