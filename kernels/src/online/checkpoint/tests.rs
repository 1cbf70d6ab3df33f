//! Checkpoint tests: sizes (counted by hand), a golden encoding, round trips of random states
//! of every learner, every single-bit flip and every truncation rejected with the right
//! error, arbitrary bytes never panic, a resumed learner continues bit-identically.

use super::*;
use crate::online::fixed::to_fixed;
use crate::online::{progressive_binary, Example};
use core::fmt::Debug;
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

type Sample = ([f32; 3], f32, bool, usize);

fn sample() -> impl Strategy<Value = Sample> {
    (
        prop::array::uniform3(-10.0f32..10.0),
        -5.0f32..5.0,
        any::<bool>(),
        0usize..3,
    )
}

fn stream() -> impl Strategy<Value = Vec<Sample>> {
    prop::collection::vec(sample(), 0..24)
}

fn bytes_of<T: Checkpoint>(t: &T) -> Vec<u8> {
    let mut buf = vec![0u8; T::SIZE];
    assert_eq!(save(t, &mut buf), Ok(T::SIZE));
    buf
}

/// The error each single-bit flip must give: the header field it lands in, or the CRC.
fn expected_flip_error<T: Checkpoint>(byte: usize, flipped: &[u8], good: &[u8]) -> CheckpointError {
    let u32_at = |b: &[u8], i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
    match byte {
        0..=3 => CheckpointError::BadMagic {
            found: u32_at(flipped, 0),
        },
        4 | 5 => CheckpointError::WrongVersion {
            expected: VERSION,
            found: u16::from_le_bytes([flipped[4], flipped[5]]),
        },
        6 => CheckpointError::WrongRule {
            expected: T::KIND as u8,
            found: flipped[6],
        },
        7 => CheckpointError::WrongKind {
            expected: T::KIND,
            found: u16::from_le_bytes([flipped[6], flipped[7]]),
        },
        8..=15 => CheckpointError::WrongDimension {
            expected: T::DIMS,
            found: [u32_at(flipped, 8), u32_at(flipped, 12)],
        },
        _ => {
            let n = good.len() - 4;
            CheckpointError::BadChecksum {
                stored: u32_at(flipped, n),
                computed: crate::crc::crc32(&flipped[..n]),
            }
        }
    }
}

/// Round trip (bit-identical re-encoding, equal value), every single-bit flip, every
/// truncation and one extension.
fn check_encoding<T: Checkpoint + PartialEq + Debug>(t: &T) -> Result<(), TestCaseError> {
    let good = bytes_of(t);
    prop_assert_eq!(good.len(), T::SIZE);
    let back = restore::<T>(&good);
    prop_assert!(back.is_ok(), "{:?}", back);
    let back = back.unwrap();
    prop_assert_eq!(&back, t);
    prop_assert_eq!(bytes_of(&back), good.clone());
    // The header, read by hand.
    prop_assert_eq!(&good[..4], b"MKCP");
    prop_assert_eq!(u16::from_le_bytes([good[4], good[5]]), 1);
    prop_assert_eq!(u16::from_le_bytes([good[6], good[7]]), T::KIND);
    for bit in 0..good.len() * 8 {
        let mut bad = good.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        let want = expected_flip_error::<T>(bit / 8, &bad, &good);
        prop_assert_eq!(restore::<T>(&bad).err(), Some(want), "bit {}", bit);
    }
    for len in 0..good.len() {
        prop_assert_eq!(
            restore::<T>(&good[..len]).err(),
            Some(CheckpointError::Length {
                expected: T::SIZE,
                actual: len
            })
        );
    }
    let mut long = good.clone();
    long.push(0);
    prop_assert_eq!(
        restore::<T>(&long).err(),
        Some(CheckpointError::Length {
            expected: T::SIZE,
            actual: T::SIZE + 1
        })
    );
    Ok(())
}

fn linear<R: Rule<3>>(rule: R, s: &[Sample]) -> LinearRegression<3, R> {
    let mut m = LinearRegression::new(rule);
    for (x, y, _, _) in s {
        let _ = m.learn_one(x, *y);
    }
    m
}

fn logistic<R: Rule<3>>(rule: R, s: &[Sample]) -> LogisticRegression<3, R> {
    let mut m = LogisticRegression::new(rule);
    for (x, _, y, _) in s {
        let _ = m.learn_one(x, *y);
    }
    m
}

fn softmax<R: Rule<3>>(rule: R, s: &[Sample]) -> SoftmaxRegression<3, 3, R> {
    let mut m = SoftmaxRegression::new(rule);
    for (x, _, _, c) in s {
        let _ = m.learn_one(x, *c);
    }
    m
}

fn fx<R: FxRule<3>>(rule: R, s: &[Sample]) -> FxLogisticRegression<3, R> {
    let mut m = FxLogisticRegression::new(rule);
    for (x, _, y, _) in s {
        m.learn_one(&x.map(to_fixed), *y);
    }
    m
}

fn scaler(s: &[Sample]) -> StandardScaler<3> {
    let mut sc = StandardScaler::new();
    for (x, _, _, _) in s {
        let _ = sc.learn_one(x);
    }
    sc
}

fn binary_eval(s: &[Sample]) -> BinaryEval {
    let mut e = BinaryEval::new();
    for (x, _, y, c) in s {
        if *c == 2 {
            e.skip();
        } else {
            e.update_logit(x[0], *y);
        }
    }
    e
}

fn multiclass_eval(s: &[Sample]) -> MulticlassEval {
    let mut e = MulticlassEval::new();
    for (x, _, y, c) in s {
        if *y {
            e.skip();
        }
        let p = x.map(|v| (v.abs() + 0.1) / 31.0);
        e.update(&p, *c);
    }
    e
}

fn regression_eval(s: &[Sample]) -> RegressionEval {
    let mut e = RegressionEval::new();
    for (x, y, b, _) in s {
        if *b {
            e.skip();
        }
        e.update(x[0], *y);
    }
    e
}

fn hedge(s: &[Sample]) -> Hedge<3> {
    let mut h = Hedge::new(0.3, true);
    for (x, _, _, _) in s {
        let _ = h.learn_one(&x.map(f32::abs));
    }
    h
}

/// A rule's own state after the updates of a linear model.
fn rule_of<R: Rule<3>>(rule: R, s: &[Sample]) -> R {
    linear(rule, s).rule
}

macro_rules! encoding_cases {
    ($($name:ident: $make:expr;)*) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(24))]
            $(
                #[test]
                fn $name(s in stream()) {
                    let state = $make(&s);
                    check_encoding(&state)?;
                }
            )*
        }
    };
}

encoding_cases! {
    sgd: |s: &[Sample]| rule_of(Sgd::new(0.05), s);
    adagrad: |s: &[Sample]| rule_of(AdaGrad::<3>::river(), s);
    adam: |s: &[Sample]| rule_of(Adam::<3>::river(), s);
    adamax: |s: &[Sample]| rule_of(AdaMax::<3>::river(), s);
    ftrl: |s: &[Sample]| rule_of(Ftrl::<3>::river(), s);
    optimistic_ogd: |s: &[Sample]| rule_of(OptimisticOgd::<3>::default(), s);
    entropic_omd: |s: &[Sample]| rule_of(EntropicOmd::<3>::default(), s);
    implicit: |s: &[Sample]| rule_of(Implicit::new(0.5), s);
    aprox: |s: &[Sample]| rule_of(AProx::new(0.5), s);
    passive_aggressive: |s: &[Sample]| rule_of(PassiveAggressive::new(1.0), s);
    linear_sgd: |s: &[Sample]| linear(Sgd::new(0.01), s);
    linear_adagrad: |s: &[Sample]| linear(AdaGrad::<3>::river(), s);
    linear_implicit: |s: &[Sample]| linear(Implicit::default(), s);
    linear_pa: |s: &[Sample]| linear(PassiveAggressive::default(), s);
    logistic_sgd: |s: &[Sample]| logistic(Sgd::new(0.1), s);
    logistic_adagrad: |s: &[Sample]| logistic(AdaGrad::<3>::river(), s);
    logistic_adam: |s: &[Sample]| logistic(Adam::<3>::river(), s);
    logistic_adamax: |s: &[Sample]| logistic(AdaMax::<3>::river(), s);
    logistic_ftrl: |s: &[Sample]| logistic(Ftrl::<3>::river(), s);
    logistic_ogd: |s: &[Sample]| logistic(OptimisticOgd::<3>::default(), s);
    logistic_omd: |s: &[Sample]| logistic(EntropicOmd::<3>::default(), s);
    logistic_aprox: |s: &[Sample]| logistic(AProx::default(), s);
    softmax_sgd: |s: &[Sample]| softmax(Sgd::new(0.1), s);
    softmax_adam: |s: &[Sample]| softmax(Adam::<3>::river(), s);
    fx_sgd: |s: &[Sample]| fx(FxSgd::new(to_fixed(0.1)), s).rule;
    fx_adagrad: |s: &[Sample]| fx(FxAdaGrad::<3>::new(to_fixed(0.1)), s).rule;
    fx_logistic_sgd: |s: &[Sample]| fx(FxSgd::new(to_fixed(0.1)), s);
    fx_logistic_adagrad: |s: &[Sample]| fx(FxAdaGrad::<3>::new(to_fixed(0.1)), s);
    standard_scaler: scaler;
    binary: binary_eval;
    multiclass: multiclass_eval;
    regression: regression_eval;
    hedge3: hedge;
}

/// Sizes at D = 9 (K = 3), counted by hand from the format table: 16 header + payload + 4 CRC.
#[test]
fn sizes_at_d9() {
    type L<R> = LogisticRegression<9, R>;
    // Model fields: w 36 + b 4 + config 16 = 56; rules: Sgd 4, AdaGrad 12 + 36, Adam 28 + 72,
    // AdaMax 20 + 72, Ftrl 20 + 72, OGD 16 + 72, OMD 8 + 72.
    assert_eq!(L::<Sgd>::SIZE, 20 + 56 + 4);
    assert_eq!(L::<Sgd>::SIZE, 80);
    assert_eq!(L::<Implicit>::SIZE, 80);
    assert_eq!(L::<AProx>::SIZE, 80);
    assert_eq!(L::<PassiveAggressive>::SIZE, 80);
    assert_eq!(L::<AdaGrad<9>>::SIZE, 124);
    assert_eq!(L::<Adam<9>>::SIZE, 176);
    assert_eq!(L::<AdaMax<9>>::SIZE, 168);
    assert_eq!(L::<Ftrl<9>>::SIZE, 168);
    assert_eq!(L::<OptimisticOgd<9>>::SIZE, 164);
    assert_eq!(L::<EntropicOmd<9>>::SIZE, 156);
    assert_eq!(LinearRegression::<9, Adam<9>>::SIZE, 176);
    // 3 rows of (36 + 4 + 4) + config 16.
    assert_eq!(SoftmaxRegression::<9, 3, Sgd>::SIZE, 20 + 3 * 44 + 16);
    assert_eq!(FxLogisticRegression::<9, FxAdaGrad<9>>::SIZE, 20 + 44 + 44);
    assert_eq!(FxLogisticRegression::<9, FxSgd>::SIZE, 68);
    assert_eq!(StandardScaler::<9>::SIZE, 20 + 8 + 72);
    assert_eq!(BinaryEval::SIZE, 40);
    assert_eq!(MulticlassEval::SIZE, 40);
    assert_eq!(RegressionEval::SIZE, 44);
    assert_eq!(Hedge::<9>::SIZE, 20 + 80 + 36);
    // A buffer sized at compile time.
    let buf = [0u8; L::<Adam<9>>::SIZE];
    assert_eq!(buf.len(), 176);
}

/// The golden encoding of `LogisticRegression<3, Adam<3>>` (River's Adam) after three fixed
/// updates. A change of the format (or of the learner's arithmetic) changes these bytes: bump
/// [`VERSION`] for a format change. The CRC was cross-checked with Python's `zlib.crc32`,
/// the header by hand (below).
#[test]
fn golden_adam_d3() {
    let mut m = LogisticRegression::<3, Adam<3>>::new(Adam::river());
    for (x, y) in [
        ([1.0f32, -0.5, 2.0], true),
        ([0.25, 1.5, -1.0], false),
        ([-2.0, 0.0, 0.5], true),
    ] {
        m.learn_one(&x, y).unwrap();
    }
    let bytes = bytes_of(&m);
    let hex: std::string::String = bytes.iter().map(|b| std::format!("{b:02x}")).collect();
    assert_eq!(hex, GOLDEN_ADAM_D3, "{hex}");
    // Magic "MKCP", version 1, kind 0x0303 (logistic, Adam), D = 3, K = 0.
    assert_eq!(
        &bytes[..16],
        &[b'M', b'K', b'C', b'P', 1, 0, 3, 3, 3, 0, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(bytes.len(), 16 + 12 + 4 + 16 + 28 + 24 + 4);
    // The config's fields are River's constants.
    assert_eq!(&bytes[32..36], &0.01f32.to_le_bytes());
    assert_eq!(&bytes[40..44], &1e12f32.to_le_bytes());
    // Adam's hyperparameters follow: η = 0.1, β₁ = 0.9, β₂ = 0.999, ε = 1e−8, River ε (1).
    assert_eq!(&bytes[48..52], &0.1f32.to_le_bytes());
    assert_eq!(&bytes[52..56], &0.9f32.to_le_bytes());
    assert_eq!(&bytes[64..68], &1u32.to_le_bytes());
    // β₁³ and β₂³ after three steps, in f32 as Adam forms them (three multiplications).
    assert_eq!(&bytes[68..72], &(0.9f32 * 0.9 * 0.9).to_le_bytes());
    assert_eq!(&bytes[72..76], &(0.999f32 * 0.999 * 0.999).to_le_bytes());
    assert_eq!(restore::<LogisticRegression<3, Adam<3>>>(&bytes), Ok(m));
}

const GOLDEN_ADAM_D3: &str = "4d4b435001000303030000000000000066d5db3d54c887beca228d3e7c4bc63b0ad7233c00000000a5d46853cdcccc3dcdcccc3d6666663f77be7f3f77cc2b3201000000bd9f3a3f983b7f3fbb00a33d1291a43d8a2718becf21c13a0226053a53b0a63aacdcbf10";

/// Payloads that pass the CRC but break an invariant are refused with `InvalidPayload`.
#[test]
fn invalid_payloads() {
    /// Patch 4 bytes at `at` and re-seal the CRC.
    fn patch(good: &[u8], at: usize, v: [u8; 4]) -> Vec<u8> {
        let mut b = good.to_vec();
        b[at..at + 4].copy_from_slice(&v);
        let n = b.len() - 4;
        let c = crate::crc::crc32(&b[..n]);
        b[n..].copy_from_slice(&c.to_le_bytes());
        b
    }
    let mut rule = AdaGrad::<2>::river();
    let mut w = [0.0f32; 2];
    let ex = Example {
        x: &[1.0, 1.0],
        grad: &[0.5, -1.0],
        dloss: 1.0,
        loss: 1.0,
        curvature: 0.25,
        margin_loss: 0.0,
        margin_dir: 0.0,
    };
    rule.step(&mut w, &ex);
    let good = bytes_of(&rule);
    // Payload: lr 16, eps 20, flag 24, G 28, 32.
    let neg = patch(&good, 28, (-0.25f32).to_le_bytes());
    assert_eq!(
        restore::<AdaGrad<2>>(&neg),
        Err(CheckpointError::InvalidPayload(
            "negative or non-finite accumulator"
        ))
    );
    let nan = patch(&good, 16, f32::NAN.to_le_bytes());
    assert_eq!(
        restore::<AdaGrad<2>>(&nan),
        Err(CheckpointError::InvalidPayload("non-finite value"))
    );
    let inf = patch(&good, 32, f32::INFINITY.to_le_bytes());
    assert!(matches!(
        restore::<AdaGrad<2>>(&inf),
        Err(CheckpointError::InvalidPayload(_))
    ));
    let flag = patch(&good, 24, 2u32.to_le_bytes());
    assert_eq!(
        restore::<AdaGrad<2>>(&flag),
        Err(CheckpointError::InvalidPayload("flag not 0 or 1"))
    );
    // An evaluator with more correct than scored: n at 16, correct at 20.
    let mut e = BinaryEval::new();
    e.update_logit(1.0, true);
    let good = bytes_of(&e);
    let bad = patch(&good, 20, 5u32.to_le_bytes());
    assert_eq!(
        restore::<BinaryEval>(&bad),
        Err(CheckpointError::InvalidPayload(
            "more correct predictions than predictions"
        ))
    );
    // The scaler's run of undone updates must be below RESTART_AFTER: n at 16, run at 20.
    let good = bytes_of(&StandardScaler::<2>::new());
    let bad = patch(&good, 20, RESTART_AFTER.to_le_bytes());
    assert!(matches!(
        restore::<StandardScaler<2>>(&bad),
        Err(CheckpointError::InvalidPayload(_))
    ));
    let ok = patch(&good, 20, (RESTART_AFTER - 1).to_le_bytes());
    assert!(restore::<StandardScaler<2>>(&ok).is_ok());
    // A negative fixed-point accumulator.
    let good = bytes_of(&FxAdaGrad::<2>::new(to_fixed(0.1)));
    let bad = patch(&good, 24, (-1i32).to_le_bytes());
    assert!(matches!(
        restore::<FxAdaGrad<2>>(&bad),
        Err(CheckpointError::InvalidPayload(_))
    ));
    // save refuses what restore would refuse, and leaves no valid checkpoint behind.
    let mut buf = [0xAAu8; 64];
    let bad_model = LogisticRegression::<2, Sgd>::new(Sgd::new(f32::INFINITY));
    assert_eq!(
        save(&bad_model, &mut buf),
        Err(CheckpointError::InvalidPayload("non-finite value"))
    );
    assert!(buf[..LogisticRegression::<2, Sgd>::SIZE]
        .iter()
        .all(|&b| b == 0));
    assert_eq!(buf[LogisticRegression::<2, Sgd>::SIZE], 0xAA);
}

/// Another learner, another rule, another dimension: named for what it is.
#[test]
fn wrong_kind_rule_dimension() {
    let bytes = bytes_of(&LogisticRegression::<3, Adam<3>>::new(Adam::river()));
    assert_eq!(
        restore::<LinearRegression<3, Adam<3>>>(&bytes).err(),
        Some(CheckpointError::WrongKind {
            expected: 0x0203,
            found: 0x0303
        })
    );
    assert_eq!(
        restore::<LogisticRegression<3, AdaMax<3>>>(&bytes).err(),
        Some(CheckpointError::WrongRule {
            expected: 4,
            found: 3
        })
    );
    assert_eq!(
        restore::<LogisticRegression<4, Adam<4>>>(&bytes).err(),
        Some(CheckpointError::WrongDimension {
            expected: [4, 0],
            found: [3, 0]
        })
    );
    assert_eq!(
        restore::<StandardScaler<3>>(&bytes).err(),
        Some(CheckpointError::WrongKind {
            expected: 0x1000,
            found: 0x0303
        })
    );
    let mut v2 = bytes.clone();
    v2[4] = 2;
    assert_eq!(
        restore::<LogisticRegression<3, Adam<3>>>(&v2).err(),
        Some(CheckpointError::WrongVersion {
            expected: 1,
            found: 2
        })
    );
}

/// Progressive validation over a stream, checkpointed at row `cut`: the resumed run (from the
/// restored scaler, model and evaluator) ends bit-identical to the uninterrupted one.
fn resume_matches<R: Rule<3> + Checkpoint + PartialEq + Debug>(
    rule: R,
    s: &[Sample],
    cut: usize,
) -> Result<(), TestCaseError> {
    let mut sc = StandardScaler::<3>::new();
    let mut m = LogisticRegression::<3, R>::new(rule);
    let mut e = BinaryEval::new();
    let cut = cut.min(s.len());
    for (x, _, y, _) in &s[..cut] {
        let _ = progressive_binary(Some(&mut sc), &mut m, &mut e, x, *y);
    }
    let (bs, bm, be) = (bytes_of(&sc), bytes_of(&m), bytes_of(&e));
    let mut sc2 = restore::<StandardScaler<3>>(&bs).unwrap();
    let mut m2 = restore::<LogisticRegression<3, R>>(&bm).unwrap();
    let mut e2 = restore::<BinaryEval>(&be).unwrap();
    for (x, _, y, _) in &s[cut..] {
        let r1 = progressive_binary(Some(&mut sc), &mut m, &mut e, x, *y);
        let r2 = progressive_binary(Some(&mut sc2), &mut m2, &mut e2, x, *y);
        prop_assert_eq!(r1, r2);
    }
    prop_assert_eq!(bytes_of(&sc), bytes_of(&sc2));
    prop_assert_eq!(bytes_of(&m), bytes_of(&m2));
    prop_assert_eq!(bytes_of(&e), bytes_of(&e2));
    prop_assert_eq!(e.log_loss().to_bits(), e2.log_loss().to_bits());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn resumed_learner_continues_bit_identically(s in stream(), cut in 0usize..24) {
        resume_matches(Sgd::new(0.1), &s, cut)?;
        resume_matches(AdaGrad::<3>::river(), &s, cut)?;
        resume_matches(Adam::<3>::river(), &s, cut)?;
        resume_matches(AdaMax::<3>::river(), &s, cut)?;
        resume_matches(Ftrl::<3>::river(), &s, cut)?;
        resume_matches(OptimisticOgd::<3>::default(), &s, cut)?;
        resume_matches(EntropicOmd::<3>::default(), &s, cut)?;
        resume_matches(Implicit::default(), &s, cut)?;
        resume_matches(AProx::default(), &s, cut)?;
        resume_matches(PassiveAggressive::default(), &s, cut)?;
    }

    /// Any byte string: an error or a learner, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = restore::<LogisticRegression<3, Adam<3>>>(&b);
        let _ = restore::<SoftmaxRegression<3, 3, Ftrl<3>>>(&b);
        let _ = restore::<StandardScaler<3>>(&b);
        let _ = restore::<BinaryEval>(&b);
        let _ = restore::<Hedge<3>>(&b);
        let _ = restore::<FxLogisticRegression<3, FxAdaGrad<3>>>(&b);
    }

    /// Random payload bytes under a valid header and a valid CRC reach the payload checks:
    /// the result is a learner (whose re-encoding is the same bytes) or `InvalidPayload`.
    #[test]
    fn random_payload_with_valid_crc(seed in prop::collection::vec(any::<u8>(), 176)) {
        fn sealed<T: Checkpoint>(seed: &[u8]) -> Vec<u8> {
            let mut b = bytes_of(&T::blank());
            let n = b.len() - 4;
            for (d, s) in b[16..n].iter_mut().zip(seed) {
                *d = *s;
            }
            let c = crate::crc::crc32(&b[..n]);
            b[n..].copy_from_slice(&c.to_le_bytes());
            b
        }
        fn check<T: Checkpoint + PartialEq + Debug>(seed: &[u8]) -> Result<(), TestCaseError> {
            let b = sealed::<T>(seed);
            match restore::<T>(&b) {
                Ok(t) => prop_assert_eq!(bytes_of(&t), b),
                Err(e) => prop_assert!(matches!(e, CheckpointError::InvalidPayload(_)), "{:?}", e),
            }
            Ok(())
        }
        check::<LogisticRegression<3, Adam<3>>>(&seed)?;
        check::<LogisticRegression<3, AdaGrad<3>>>(&seed)?;
        check::<StandardScaler<3>>(&seed)?;
        check::<BinaryEval>(&seed)?;
        check::<RegressionEval>(&seed)?;
        check::<Hedge<3>>(&seed)?;
        check::<FxLogisticRegression<3, FxAdaGrad<3>>>(&seed)?;
        check::<OptimisticOgd<3>>(&seed)?;
    }
}
