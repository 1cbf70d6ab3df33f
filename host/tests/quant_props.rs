//! Property tests of the quantized softmax kernels (proptest) and their error handling.

use fixed::types::{I16F16, U0F16};
use mcu_kernels::softmax::quant::*;
use mcu_kernels::Error;
use proptest::prelude::*;

/// Outputs in range, argmax preserved (the largest logit gets a largest output), and the sum of
/// dequantised outputs within N/2 LSB of 1 (unless the top saturates).
fn check_row(codes: &[i64], logits: &[i32], bits: u32, what: &str) {
    let top = (1i64 << bits) - 1;
    let n = codes.len();
    assert!(
        codes.iter().all(|&c| (0..=top).contains(&c)),
        "{what}: out of range"
    );
    let imax = (0..n).max_by_key(|&k| logits[k]).unwrap();
    let cmax = *codes.iter().max().unwrap();
    assert_eq!(codes[imax], cmax, "{what}: argmax not preserved");
    // Monotone: a larger logit never gets a smaller output.
    for a in 0..n {
        for b in 0..n {
            if logits[a] > logits[b] {
                assert!(codes[a] >= codes[b], "{what}: not monotone");
            }
        }
    }
    if cmax < top {
        let sum: i64 = codes.iter().sum();
        let err = (sum - (1i64 << bits)).abs() as f64;
        assert!(
            err <= n as f64 / 2.0 + 1e-9,
            "{what}: sum {sum} off by {err} LSB, n = {n}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn int8_properties(x in prop::collection::vec(any::<i8>(), 1..300), e in -9.0f32..3.0) {
        let scale = 2f32.powf(e);
        let n = x.len();
        let logits: Vec<i32> = x.iter().map(|&v| i32::from(v)).collect();
        let lut = SoftmaxS8Lut::new(scale, 1.0).unwrap();
        let params = SoftmaxS8Params::from_scale(scale, 1.0).unwrap();
        let mut y8 = vec![0i8; n];
        let mut y16 = vec![0i16; n];
        softmax_s8(&lut, &x, n, &mut y8).unwrap();
        check_row(&y8.iter().map(|&v| i64::from(v) + 128).collect::<Vec<_>>(), &logits, 8, "softmax_s8");
        softmax_s8_s16(&lut, &x, n, &mut y16).unwrap();
        check_row(&y16.iter().map(|&v| i64::from(v) + 32768).collect::<Vec<_>>(), &logits, 16, "softmax_s8_s16");
        softmax_s8_tflm(&params, &x, n, &mut y8).unwrap();
        let c: Vec<i64> = y8.iter().map(|&v| i64::from(v) + 128).collect();
        prop_assert!(c.iter().all(|&v| (0..=255).contains(&v)));
        softmax_s8_s16_tflm(&params, &x, n, &mut y16).unwrap();
    }

    #[test]
    fn int16_properties(x in prop::collection::vec(any::<i16>(), 1..200), e in -14.0f32..-2.0) {
        let scale = 2f32.powf(e);
        let n = x.len();
        let logits: Vec<i32> = x.iter().map(|&v| i32::from(v)).collect();
        let lut = SoftmaxS16Lut::new(scale, 1.0).unwrap();
        let mut y = vec![0i16; n];
        softmax_s16(&lut, &x, n, &mut y).unwrap();
        check_row(&y.iter().map(|&v| i64::from(v)).collect::<Vec<_>>(), &logits, 15, "softmax_s16");
        let params = SoftmaxS16Params::from_scale(scale, 1.0).unwrap();
        softmax_s16_tflm(&params, &x, n, &mut y).unwrap();
        prop_assert!(y.iter().all(|&v| v >= 0));
    }

    #[test]
    fn fixed_properties(bits in prop::collection::vec(any::<i32>(), 1..200), shift in 0u32..16) {
        let x: Vec<I16F16> = bits.iter().map(|&b| I16F16::from_bits(b >> shift)).collect();
        let n = x.len();
        let logits: Vec<i32> = x.iter().map(|v| v.to_bits()).collect();
        let mut y = vec![U0F16::ZERO; n];
        softmax_fixed_two_pass(&x, n, &mut y).unwrap();
        check_row(&y.iter().map(|v| i64::from(v.to_bits())).collect::<Vec<_>>(), &logits, 16, "two-pass");
    }

    /// Any accepted raw parameters run without overflow (debug builds check) and give in-range
    /// outputs.
    #[test]
    fn any_raw_parameters(
        x in prop::collection::vec(any::<i8>(), 1..64),
        x16 in prop::collection::vec(any::<i16>(), 1..64),
        mult in 1i32..=i32::MAX,
        shift in 1i32..=31,
        diff_min in i32::MIN..=0,
        m16 in 0i32..=i32::MAX,
        s16 in -31i32..=31,
    ) {
        let p = SoftmaxS8Params::from_raw(mult, shift, diff_min).unwrap();
        let mut y8 = vec![0i8; x.len()];
        let mut y16 = vec![0i16; x.len()];
        softmax_s8_tflm(&p, &x, x.len(), &mut y8).unwrap();
        softmax_s8_s16_tflm(&p, &x, x.len(), &mut y16).unwrap();
        let q = SoftmaxS16Params::from_raw(m16, s16).unwrap();
        let mut z = vec![0i16; x16.len()];
        softmax_s16_tflm(&q, &x16, x16.len(), &mut z).unwrap();
        prop_assert!(z.iter().all(|&v| v >= 0));
    }

    /// Multi-row calls equal row-by-row calls.
    #[test]
    fn rows_are_independent(x in prop::collection::vec(any::<i8>(), 1..64), rows in 1usize..5) {
        let n = x.len();
        let all: Vec<i8> = (0..rows).flat_map(|r| x.iter().map(move |&v| v.wrapping_add(r as i8))).collect();
        let lut = SoftmaxS8Lut::new(0.05, 1.0).unwrap();
        let params = SoftmaxS8Params::from_scale(0.05, 1.0).unwrap();
        let mut a = vec![0i8; all.len()];
        let mut b = vec![0i8; all.len()];
        softmax_s8(&lut, &all, n, &mut a).unwrap();
        softmax_s8_tflm(&params, &all, n, &mut b).unwrap();
        for r in 0..rows {
            let mut one = vec![0i8; n];
            softmax_s8(&lut, &all[r * n..(r + 1) * n], n, &mut one).unwrap();
            prop_assert_eq!(&one[..], &a[r * n..(r + 1) * n]);
            softmax_s8_tflm(&params, &all[r * n..(r + 1) * n], n, &mut one).unwrap();
            prop_assert_eq!(&one[..], &b[r * n..(r + 1) * n]);
        }
    }
}

#[test]
fn bad_input_gives_typed_errors_and_writes_nothing() {
    let lut = SoftmaxS8Lut::new(0.1, 1.0).unwrap();
    let params = SoftmaxS8Params::from_scale(0.1, 1.0).unwrap();
    let lut16 = SoftmaxS16Lut::new(0.001, 1.0).unwrap();
    let p16 = SoftmaxS16Params::from_scale(0.001, 1.0).unwrap();
    let x = [1i8, 2, 3, 4, 5, 6];
    let x16 = [1i16, 2, 3, 4, 5, 6];
    let xf = [I16F16::ONE; 6];
    let mut y = [7i8; 6];
    let mut y16 = [7i16; 6];
    let mut yf = [U0F16::from_bits(7); 6];
    let mut short = [7i8; 5];

    assert_eq!(softmax_s8(&lut, &x, 0, &mut y), Err(Error::BadRowLength));
    assert_eq!(softmax_s8(&lut, &x, 4, &mut y), Err(Error::BadRowLength));
    assert_eq!(softmax_s8(&lut, &[], 3, &mut []), Err(Error::Empty));
    assert_eq!(
        softmax_s8(&lut, &x, 3, &mut short),
        Err(Error::LengthMismatch {
            expected: 6,
            actual: 5
        })
    );
    assert_eq!(
        softmax_s8_tflm(&params, &x, 0, &mut y),
        Err(Error::BadRowLength)
    );
    assert_eq!(
        softmax_s8_tflm(&params, &x, 5, &mut y),
        Err(Error::BadRowLength)
    );
    assert_eq!(
        softmax_s8_tflm(&params, &x, 3, &mut short),
        Err(Error::LengthMismatch {
            expected: 6,
            actual: 5
        })
    );
    assert_eq!(
        softmax_s8_s16_tflm(&params, &[], 1, &mut []),
        Err(Error::Empty)
    );
    assert_eq!(
        softmax_s8_s16(&lut, &x, 7, &mut y16),
        Err(Error::BadRowLength)
    );
    assert_eq!(
        softmax_s16(&lut16, &x16, 0, &mut y16),
        Err(Error::BadRowLength)
    );
    assert_eq!(
        softmax_s16_tflm(&p16, &x16, 4, &mut y16),
        Err(Error::BadRowLength)
    );
    assert_eq!(
        softmax_s16_tflm(&p16, &x16, 3, &mut y16[..4]),
        Err(Error::LengthMismatch {
            expected: 6,
            actual: 4
        })
    );
    assert_eq!(
        softmax_fixed_two_pass(&xf, 0, &mut yf),
        Err(Error::BadRowLength)
    );
    assert_eq!(
        softmax_fixed_two_pass(&xf, 4, &mut yf),
        Err(Error::BadRowLength)
    );
    assert!(y.iter().all(|&v| v == 7) && short.iter().all(|&v| v == 7));
    assert!(y16.iter().all(|&v| v == 7) && yf.iter().all(|v| v.to_bits() == 7));

    // Row above the accurate kernels' maximum.
    let big = vec![0i8; LUT_MAX_ROW + 1];
    let mut out = vec![0i8; LUT_MAX_ROW + 1];
    assert!(matches!(
        softmax_s8(&lut, &big, LUT_MAX_ROW + 1, &mut out),
        Err(Error::BadParameter(_))
    ));

    // Parameters.
    for s in [0.0f32, -0.5, f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        assert!(matches!(
            SoftmaxS8Lut::new(s, 1.0),
            Err(Error::BadParameter(_))
        ));
        assert!(matches!(
            SoftmaxS16Lut::new(s, 1.0),
            Err(Error::BadParameter(_))
        ));
        assert!(matches!(
            SoftmaxS8Params::from_scale(s, 1.0),
            Err(Error::BadParameter(_))
        ));
        assert!(matches!(
            SoftmaxS16Params::from_scale(s, 1.0),
            Err(Error::BadParameter(_))
        ));
        assert!(matches!(
            SoftmaxS8Lut::new(1.0, s),
            Err(Error::BadParameter(_))
        ));
    }
    assert!(matches!(
        SoftmaxS8Params::from_scale(1e-10, 1.0),
        Err(Error::TflmRefuses(_))
    )); // TFLM's Prepare: S_in·β·2^26 ≤ 1
    assert!(SoftmaxS16Params::from_scale(1e30, 1.0).is_err()); // shift > 31
    assert!(SoftmaxS16Params::from_raw(1 << 30, 32).is_err());
    assert!(SoftmaxS16Params::from_raw(1 << 30, 31).is_ok()); // TFLM: diff * (1 << 31)
    assert!(SoftmaxS16Params::from_raw(-1, 0).is_err());
    assert!(SoftmaxS8Params::from_raw(1 << 30, 40, -1).is_err());
}

#[test]
fn single_element_and_extreme_fixed_inputs() {
    let x = [I16F16::MAX, I16F16::MIN, I16F16::MAX];
    let mut y = [U0F16::ZERO; 3];
    softmax_fixed_two_pass(&x, 3, &mut y).unwrap();
    assert_eq!(y[0].to_bits(), 32768);
    assert_eq!(y[1].to_bits(), 0);
    let lut = SoftmaxS8Lut::new(0.1, 1.0).unwrap();
    let mut y8 = [0i8; 1];
    softmax_s8(&lut, &[-128], 1, &mut y8).unwrap();
    assert_eq!(y8[0], 127); // p = 1 saturates at the format's top
}
