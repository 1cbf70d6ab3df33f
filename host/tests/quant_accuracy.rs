//! Differential tests of the quantized softmax kernels against the f64 softmax of the
//! dequantised input over ≥ 50,000 seeded rows, with error histograms (run with
//! `--nocapture` to see them), plus the large-row and undefined-behaviour cases.

use fixed::types::{I16F16, U0F16};
use host::reference::softmax::quant::{int8_case, rounded_code, softmax_quantized, LsbHistogram};
use mcu_kernels::softmax::quant::*;
use testvectors::{suites, Rng};

const ROWS: u32 = 50_000;
/// Slack on top of 0.5 LSB for the accurate int8-output kernels, in LSB.
const SLACK: f64 = 1e-6;
/// Slack for int16 outputs, in LSB (1e−4 LSB = 1.5e−9 absolute; the bound is 6e−5 LSB from the
/// 32-bit reciprocal).
const SLACK16: f64 = 1e-4;

#[test]
fn int8_kernels_against_f64() {
    let mut h_lut8 = LsbHistogram::new("softmax_s8 (accurate, int8 out)");
    let mut h_lut16 = LsbHistogram::new("softmax_s8_s16 (accurate, int16 out)");
    let mut h_tflm8 = LsbHistogram::new("softmax_s8_tflm (TFLM, int8 out)");
    let mut h_tflm16 = LsbHistogram::new("softmax_s8_s16_tflm (TFLM, int16 out)");
    let mut mismatches_vs_rounded = 0u64;
    for i in 0..ROWS {
        let mut rng = Rng::new(suites::seed("host::quant_int8", i));
        let (x, scale) = int8_case(&mut rng);
        let n = x.len();
        let (p, mut y8, mut y16) = accurate_s8(&x, scale);
        for k in 0..n {
            let c8 = i64::from(y8[k]) + 128;
            let c16 = i64::from(y16[k]) + 32768;
            h_lut8.add(c8, p[k], 8, 255);
            h_lut16.add(c16, p[k], 16, 65535);
            if c8 != rounded_code(p[k], 8, 255) || c16 != rounded_code(p[k], 16, 65535) {
                mismatches_vs_rounded += 1;
            }
        }

        let params = SoftmaxS8Params::from_scale(scale, 1.0).unwrap();
        softmax_s8_tflm(&params, &x, n, &mut y8).unwrap();
        softmax_s8_s16_tflm(&params, &x, n, &mut y16).unwrap();
        for k in 0..n {
            h_tflm8.add(i64::from(y8[k]) + 128, p[k], 8, 255);
            h_tflm16.add(i64::from(y16[k]) + 32768, p[k], 16, 65535);
        }
    }
    for h in [&h_lut8, &h_lut16, &h_tflm8, &h_tflm16] {
        h.print();
    }
    println!(
        "accurate outputs differing from round(p·2^bits) (within 1e-4 LSB of a tie): {mismatches_vs_rounded}"
    );
    assert!(h_lut8.count() > 1_000_000);
    assert!(h_lut8.max() <= 0.5 + SLACK, "softmax_s8: {}", h_lut8.max());
    assert!(
        h_lut16.max() <= 0.5 + SLACK16,
        "softmax_s8_s16: {}",
        h_lut16.max()
    );
    // TFLM: documented at the format's limit for int8.
    assert!(h_tflm8.max() <= 0.51, "softmax_s8_tflm: {}", h_tflm8.max());
}

#[test]
fn fixed_two_pass_against_f64() {
    let mut h = LsbHistogram::new("softmax_fixed_two_pass (I16F16 → U0F16)");
    for i in 0..ROWS {
        let mut rng = Rng::new(suites::seed("host::quant_fixed", i));
        let n = 1 + rng.below(128) as usize;
        // Logit spread 2^k, k ∈ [−4, 6], centred anywhere in [−30000, 30000].
        let spread = 2f32.powf(rng.uniform_f32(-4.0, 6.0));
        let centre = if rng.below(4) == 0 {
            rng.uniform_f32(-30000.0, 30000.0)
        } else {
            0.0
        };
        let x: Vec<I16F16> = (0..n)
            .map(|_| I16F16::from_num(centre + rng.uniform_f32(-spread, spread)))
            .collect();
        let mut y = vec![U0F16::ZERO; n];
        softmax_fixed_two_pass(&x, n, &mut y).unwrap();
        // Exact: the logits are multiples of 2^−16, use them as integers with step 2^−16.
        let q: Vec<i32> = x.iter().map(|v| v.to_bits()).collect();
        let p = softmax_quantized(&q, 1.0 / 65536.0);
        for k in 0..n {
            h.add(i64::from(y[k].to_bits()), p[k], 16, 65535);
        }
    }
    h.print();
    assert!(h.max() <= 0.5 + 1e-3, "two-pass fixed: {}", h.max());
}

/// Rows of 65,535 elements (the accurate kernels' maximum): no overflow, still correctly rounded.
#[test]
fn largest_rows_accurate() {
    let n = LUT_MAX_ROW;
    for (seed, scale) in [(1u64, 0.05f32), (2, 1.0 / 255.0), (3, 1.0)] {
        let mut rng = Rng::new(seed);
        // All at the maximum: the sum reaches 65535 · 2^47, its largest value.
        let mut x = vec![127i8; n];
        if seed != 1 {
            for v in x.iter_mut() {
                *v = (rng.below(256) as i32 - 128) as i8;
            }
        }
        let (p, y8, y16) = accurate_s8(&x, scale);
        let (mut m8, mut m16) = (0f64, 0f64);
        for k in 0..n {
            m8 = m8.max((f64::from(i32::from(y8[k]) + 128) - p[k] * 256.0).abs());
            m16 = m16.max((f64::from(i32::from(y16[k]) + 32768) - p[k] * 65536.0).abs());
        }
        println!("N = {n}, scale {scale}: max error int8 {m8:.6} LSB, int16 {m16:.6} LSB");
        assert!(m8 <= 0.5 + SLACK && m16 <= 0.5 + SLACK16);
    }
    // The equal-logit row: p = 1/65535 → int16 code round(65536/65535) = 1.
    let x = vec![5i8; n];
    let lut = SoftmaxS8Lut::new(0.1, 1.0).unwrap();
    let mut y16 = vec![0i16; n];
    softmax_s8_s16(&lut, &x, n, &mut y16).unwrap();
    assert!(y16.iter().all(|&v| v == -32767));
    // One past the maximum is refused, not wrapped.
    let x = vec![0i8; n + 1];
    let mut y = vec![0i8; n + 1];
    assert!(softmax_s8(&lut, &x, n + 1, &mut y).is_err());
}

/// Where TFLM aborts (int8 output: its Q12.19 sum, modulo 2^32, is ≥ 512; int16 output: the
/// wrapped sum is below 16), the TFLM kernels return the correctly rounded value (ties up);
/// where TFLM answers they return TFLM's value, which for equal logits below 8,192 is also the
/// rounded 2^bits/n. The domain checks say which rows are which.
#[test]
fn tflm_aborting_rows_are_correctly_rounded() {
    use TflmDomain::{Aborts, Accurate, Wraps};
    let params = SoftmaxS8Params::from_scale(1.0 / 255.0, 1.0).unwrap();
    // (n, domain of the int8 output, domain of the int16 output)
    for (n, d8, d16) in [
        (511usize, Accurate, Accurate),
        (512, Aborts, Accurate),
        (1000, Aborts, Accurate),
        (4095, Aborts, Accurate),
        (4096, Aborts, Accurate),
        (8191, Aborts, Accurate),
        (8192, Wraps, Aborts),
        (10_000, Aborts, Wraps),
        (16_384, Wraps, Aborts),
        (65_535, Aborts, Wraps),
        (100_000, Aborts, Wraps),
    ] {
        let x = vec![17i8; n];
        let mut y8 = vec![0i8; n];
        let mut y16 = vec![0i16; n];
        softmax_s8_tflm(&params, &x, n, &mut y8).unwrap();
        softmax_s8_s16_tflm(&params, &x, n, &mut y16).unwrap();
        assert_eq!(softmax_s8_tflm_domain(&params, &x), d8, "n = {n}");
        assert_eq!(softmax_s8_s16_tflm_domain(&params, &x), d16, "n = {n}");
        // p = 1/n, rounded half up: 256/512 = 0.5 → 1.
        let want8 = (256.0 / n as f64 + 0.5).floor() as i32 - 128;
        let want16 = (65536.0 / n as f64 + 0.5).floor() as i32 - 32768;
        if d8 != Wraps {
            assert!(
                y8.iter().all(|&v| i32::from(v) == want8),
                "n = {n}: got {} want {want8}",
                y8[0]
            );
        }
        if d16 != Wraps {
            assert!(
                y16.iter().all(|&v| i32::from(v) == want16),
                "n = {n}: got {} want {want16}",
                y16[0]
            );
        }
    }
    // Near-equal logits (spread 3 steps) over 1000 elements: TFLM aborts; every p < 0.5/256.
    let mut rng = Rng::new(9);
    let x: Vec<i8> = (0..1000).map(|_| (rng.below(3) as i32) as i8).collect();
    let q: Vec<i32> = x.iter().map(|&v| i32::from(v)).collect();
    let p = softmax_quantized(&q, 1.0 / 255.0);
    let mut y8 = vec![0i8; 1000];
    softmax_s8_tflm(&params, &x, 1000, &mut y8).unwrap();
    assert_eq!(softmax_s8_tflm_domain(&params, &x), Aborts);
    for k in 0..1000 {
        assert_eq!(i64::from(y8[k]) + 128, rounded_code(p[k], 8, 255));
    }
}

/// N ≥ 4096 equal logits, int16 output: at 4,096 TFLM's int32 Q12.19 sum passes 2^31 but is
/// read as unsigned (exact: 16 LSB); at 8,192 and 32,768 it wraps to 0 and TFLM aborts, so the
/// kernel gives the correctly rounded 8 and 2 LSB.
#[test]
fn equal_logits_4096_and_more() {
    let params = SoftmaxS8Params::from_scale(0.1, 1.0).unwrap();
    let lut = SoftmaxS8Lut::new(0.1, 1.0).unwrap();
    for n in [4096usize, 8192, 32768] {
        let x = vec![-3i8; n];
        let mut a = vec![0i16; n];
        let mut b = vec![0i16; n];
        softmax_s8_s16_tflm(&params, &x, n, &mut a).unwrap();
        softmax_s8_s16(&lut, &x, n, &mut b).unwrap();
        let want = ((65536 / n) as i32 - 32768) as i16; // exact: n is a power of two
        assert!(a.iter().all(|&v| v == want), "tflm n = {n}: {}", a[0]);
        assert!(b.iter().all(|&v| v == want), "lut n = {n}: {}", b[0]);
    }
}

/// The exact softmax of an int8 row at `scale` (f64) and the accurate kernels' int8 and int16
/// outputs for it (β = 1, one row).
fn accurate_s8(x: &[i8], scale: f32) -> (Vec<f64>, Vec<i8>, Vec<i16>) {
    let n = x.len();
    let q: Vec<i32> = x.iter().map(|&v| i32::from(v)).collect();
    let p = softmax_quantized(&q, f64::from(scale));
    let lut = SoftmaxS8Lut::new(scale, 1.0).unwrap();
    let mut y8 = vec![0i8; n];
    let mut y16 = vec![0i16; n];
    softmax_s8(&lut, x, n, &mut y8).unwrap();
    softmax_s8_s16(&lut, x, n, &mut y16).unwrap();
    (p, y8, y16)
}
