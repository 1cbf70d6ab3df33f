//! Every quantized kernel at its largest accepted row size (no overflow, correct result) and
//! one past it (refused).

use fixed::types::{I16F16, U0F16};
use mcu_kernels::softmax::quant::*;
use mcu_kernels::Error;

#[test]
fn tflm_s8_at_max_row() {
    let n = TFLM_MAX_ROW;
    // S_in = 1: diff_min = −31, so the 1,000 elements 131 below the maximum contribute
    // nothing; the Q12.19 sum is (2^20 − 1000) · 2^19, which TFLM's int32 holds modulo 2^32
    // as 7192 · 2^19.
    let params = SoftmaxS8Params::from_scale(1.0, 1.0).unwrap();
    let mut x = vec![3i8; n];
    for v in x.iter_mut().take(1000) {
        *v = -128;
    }
    // int8 output: the wrapped sum is ≥ 512 (in Q12.19), TFLM aborts; the correctly rounded
    // softmax is −128 everywhere (p ≤ 1/(2^20 − 1000)).
    let mut y8 = vec![0i8; n];
    softmax_s8_tflm(&params, &x, n, &mut y8).unwrap();
    assert_eq!(softmax_s8_tflm_domain(&params, &x), TflmDomain::Aborts);
    assert!(y8.iter().all(|&v| v == -128));
    // int16 output: TFLM answers from the wrapped sum, p ≈ 1/7192 for each maximum:
    // 65536/7192 = 9.1 LSB above the zero point (the true p gives 0.06).
    let mut y16 = vec![0i16; n];
    softmax_s8_s16_tflm(&params, &x, n, &mut y16).unwrap();
    assert_eq!(softmax_s8_s16_tflm_domain(&params, &x), TflmDomain::Wraps);
    assert!(y16[..1000].iter().all(|&v| v == -32768));
    assert!(y16[1000..]
        .iter()
        .all(|&v| (i32::from(v) + 32768 - 9).abs() <= 1));
    let x = vec![0i8; n + 1];
    let mut y = vec![0i8; n + 1];
    assert!(matches!(
        softmax_s8_tflm(&params, &x, n + 1, &mut y),
        Err(Error::BadParameter(_))
    ));
}

#[test]
fn tflm_s16_at_max_row() {
    let n = TFLM_S16_MAX_ROW;
    let params = SoftmaxS16Params::from_scale(10.0 / 32768.0, 1.0).unwrap();
    let x = vec![-7i16; n];
    let mut y = vec![1i16; n];
    softmax_s16_tflm(&params, &x, n, &mut y).unwrap();
    // TFLM's int32 sum of exps would pass 2^31 (shift counts go negative: no reproducible
    // result); the kernel continues the formula in 64 bits: 32768 / 2^20 → 0.
    assert_eq!(softmax_s16_tflm_domain(&params, &x), TflmDomain::Undefined);
    assert!(y.iter().all(|&v| v == 0));
    // 2^15 equal logits: p = 2^−15 → exactly 1 LSB.
    let m = 1 << 15;
    softmax_s16_tflm(&params, &x[..m], m, &mut y[..m]).unwrap();
    assert!(y[..m].iter().all(|&v| v == 1), "{}", y[0]);
    let x = vec![0i16; n + 1];
    let mut y = vec![0i16; n + 1];
    assert!(softmax_s16_tflm(&params, &x, n + 1, &mut y).is_err());
}

#[test]
fn fixed_two_pass_at_max_row() {
    let n = FIXED_MAX_ROW;
    let mut x = vec![I16F16::from_num(100); n];
    x[7] = I16F16::from_num(112); // e^12 / (2^20 + e^12) ≈ 0.134
    let mut y = vec![U0F16::ZERO; n];
    softmax_fixed_two_pass(&x, n, &mut y).unwrap();
    let e12 = 12f64.exp();
    let p7 = e12 / ((n - 1) as f64 + e12);
    let p = 1.0 / ((n - 1) as f64 + e12);
    assert!((f64::from(y[7].to_bits()) - p7 * 65536.0).abs() <= 0.5 + 1e-3);
    assert!((f64::from(y[0].to_bits()) - p * 65536.0).abs() <= 0.5 + 1e-3);
    let x = vec![I16F16::ZERO; n + 1];
    let mut y = vec![U0F16::ZERO; n + 1];
    assert!(softmax_fixed_two_pass(&x, n + 1, &mut y).is_err());
}

#[test]
fn accurate_s16_at_max_row() {
    let n = LUT_S16_MAX_ROW;
    let lut = SoftmaxS16Lut::new(1.0 / 4096.0, 1.0).unwrap();
    // Half at the max, half 8 below (2^15 steps): p_hi = 1/(32768 + 32767·e^−8).
    let x: Vec<i16> = (0..n)
        .map(|i| if i % 2 == 0 { 32767 } else { -1 })
        .collect();
    let mut y = vec![0i16; n];
    softmax_s16(&lut, &x, n, &mut y).unwrap();
    let e8 = (-8f64).exp();
    let hi = 32768.0 / (32768.0 + 32767.0 * e8);
    assert!(
        (f64::from(y[0]) - hi).abs() <= 0.5 + 1e-4,
        "{} vs {hi}",
        y[0]
    );
    let x = vec![0i16; n + 1];
    let mut y = vec![0i16; n + 1];
    assert!(softmax_s16(&lut, &x, n + 1, &mut y).is_err());
}
