//! int16-input kernels: TFLM-semantics tables and accuracy, the accurate `softmax_s16`.

use host::reference::softmax::quant::{softmax_quantized, tflm_lut_f32, LsbHistogram};
use mcu_kernels::softmax::quant::*;
use testvectors::{suites, Rng};

/// The compile-time tables equal TFLite's `LUTPopulate` run on the host in f32 with glibc expf.
#[test]
fn tables_match_tflite_f32_generation() {
    let exp = tflm_lut_f32(10.0 / 65535.0, 32767, 2.0 / 65535.0, 0, f32::exp);
    let rec = tflm_lut_f32(1.0 / 65535.0, -32768, 2.0 / 65535.0, 0, |x| 1.0 / (1.0 + x));
    let d_exp = exp
        .iter()
        .zip(EXP_LUT.iter())
        .filter(|(a, b)| a != b)
        .count();
    let d_rec = rec
        .iter()
        .zip(ONE_OVER_ONE_PLUS_X_LUT.iter())
        .filter(|(a, b)| a != b)
        .count();
    println!("table entries differing from host f32 generation: exp {d_exp}, 1/(1+x) {d_rec}");
    assert_eq!(d_exp, 0);
    assert_eq!(d_rec, 0);
}

/// N = 100 logits spread uniformly over [max − 20, max]: TFLM's exp table floors at e^−10;
/// `softmax_s16` stays within 1 LSB (1/32768).
#[test]
fn spread_20_accuracy() {
    let scale = 1.0f32 / 1024.0; // 20 ≙ 20480 steps
    let tflm = SoftmaxS16Params::from_scale(scale, 1.0).unwrap();
    let lut = SoftmaxS16Lut::new(scale, 1.0).unwrap();
    let mut h_t = LsbHistogram::new("softmax_s16_tflm, N=100, spread 20");
    let mut h_a = LsbHistogram::new("softmax_s16 (accurate), N=100, spread 20");
    let mut worst_row_tflm = 0f64;
    for i in 0..2000 {
        let mut rng = Rng::new(suites::seed("host::quant_s16_spread20", i));
        let top = rng.below(45_056) as i32 - 12_288; // top − 20480 ≥ −32768
        let mut x: Vec<i16> = (0..100)
            .map(|_| (top - rng.below(20481) as i32) as i16)
            .collect();
        x[rng.below(100) as usize] = top as i16; // the max is in the row
        let q: Vec<i32> = x.iter().map(|&v| i32::from(v)).collect();
        let p = softmax_quantized(&q, f64::from(scale));
        let mut yt = vec![0i16; 100];
        let mut ya = vec![0i16; 100];
        softmax_s16_tflm(&tflm, &x, 100, &mut yt).unwrap();
        softmax_s16(&lut, &x, 100, &mut ya).unwrap();
        let mut row_max = 0f64;
        for k in 0..100 {
            h_t.add(i64::from(yt[k]), p[k], 15, 32767);
            h_a.add(i64::from(ya[k]), p[k], 15, 32767);
            row_max = row_max.max((f64::from(yt[k]) - p[k] * 32768.0).abs());
        }
        worst_row_tflm = worst_row_tflm.max(row_max);
    }
    h_t.print();
    h_a.print();
    assert!(h_a.max() <= 1.0, "softmax_s16: {}", h_a.max());
    assert!(h_a.max() <= 0.5 + 0.01, "softmax_s16: {}", h_a.max());
    assert!(worst_row_tflm > 5.0, "TFLM table error unexpectedly small");
}

/// Seeded differential for the accurate int16 kernel over varied scales and row sizes.
#[test]
fn softmax_s16_against_f64() {
    let mut h = LsbHistogram::new("softmax_s16 (accurate), random rows");
    for i in 0..20_000 {
        let mut rng = Rng::new(suites::seed("host::quant_s16", i));
        let n = 1 + rng.below(200) as usize;
        let scale = 2f32.powf(rng.uniform_f32(-14.0, -4.0));
        let lo = rng.below(65536) as i32 - 32768;
        let span = 1 + rng.below((32768 - lo) as u32) as i32;
        let x: Vec<i16> = (0..n)
            .map(|_| (lo + rng.below(span as u32) as i32) as i16)
            .collect();
        let q: Vec<i32> = x.iter().map(|&v| i32::from(v)).collect();
        let p = softmax_quantized(&q, f64::from(scale));
        let lut = SoftmaxS16Lut::new(scale, 1.0).unwrap();
        let mut y = vec![0i16; n];
        softmax_s16(&lut, &x, n, &mut y).unwrap();
        for k in 0..n {
            h.add(i64::from(y[k]), p[k], 15, 32767);
        }
    }
    h.print();
    assert!(h.max() <= 0.5 + 0.01, "softmax_s16: {}", h.max());
}

/// Row sizes up to 65,535: TFLM int16 (its int32 sum just fits) and the accurate kernel.
#[test]
fn s16_largest_rows() {
    let n = 65_535usize;
    let scale = 10.0f32 / 32768.0;
    let x = vec![1234i16; n];
    let tflm = SoftmaxS16Params::from_scale(scale, 1.0).unwrap();
    let lut = SoftmaxS16Lut::new(scale, 1.0).unwrap();
    let mut y = vec![0i16; n];
    softmax_s16_tflm(&tflm, &x, n, &mut y).unwrap();
    assert!(y.iter().all(|&v| v == y[0]) && y[0] <= 1, "tflm {}", y[0]);
    softmax_s16(&lut, &x, n, &mut y).unwrap();
    assert!(y.iter().all(|&v| v == 1), "accurate {}", y[0]); // 32768/65535 → 1
                                                             // Sum 2^18 − 1 in Q0.15 (CMSIS-NN's wrap case): outputs must not double.
                                                             // 8 elements of exp ≈ 32767 sum to 262136 ≈ 2^18 − 8.
    let x = vec![0i16; 8];
    let mut y = vec![0i16; 8];
    softmax_s16_tflm(&tflm, &x, 8, &mut y).unwrap();
    assert!(
        y.iter().all(|&v| (i32::from(v) - 4096).abs() <= 2),
        "{}",
        y[0]
    );
}
