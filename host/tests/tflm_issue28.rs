//! Issue #28's reproducers, with TFLite-Micro's own outputs as the expected values (measured
//! with the `tflite-micro` wheel 0.dev20261023182759 by `tools/tflm_oracle/gen.py`; the same
//! rows are in the full differential test `tflm_oracle.rs`). These run without Python.

use mcu_kernels::softmax::quant::*;
use mcu_kernels::Error;

fn s8(scale: f32, x: &[i8]) -> (Vec<i8>, TflmDomain) {
    let p = SoftmaxS8Params::from_scale(scale, 1.0).unwrap();
    let mut y = vec![0i8; x.len()];
    softmax_s8_tflm(&p, x, x.len(), &mut y).unwrap();
    (y, softmax_s8_tflm_domain(&p, x))
}

fn s8_s16(scale: f32, x: &[i8]) -> (Vec<i16>, TflmDomain) {
    let p = SoftmaxS8Params::from_scale(scale, 1.0).unwrap();
    let mut y = vec![0i16; x.len()];
    softmax_s8_s16_tflm(&p, x, x.len(), &mut y).unwrap();
    (y, softmax_s8_s16_tflm_domain(&p, x))
}

fn s16(scale: f32, beta: f32, x: &[i16]) -> (Vec<i16>, TflmDomain) {
    let p = SoftmaxS16Params::from_scale(scale, beta).unwrap();
    let mut y = vec![0i16; x.len()];
    softmax_s16_tflm(&p, x, x.len(), &mut y).unwrap();
    (y, softmax_s16_tflm_domain(&p, x))
}

/// int16, ordinary scale: TFLM's Prepare multiplies S_in·β in double. The f32 product gave
/// 1825361100 and one output of a 1,000-element row 246 where TFLM gives 245.
#[test]
fn s16_params_use_a_double_product() {
    let p = SoftmaxS16Params::from_scale(10.0 / 65535.0, 1.7).unwrap();
    assert_eq!(
        (p.input_multiplier(), p.input_left_shift()),
        (1_825_361_152, 1)
    );
    // TFLM's parameters for the tables' own scale and for S_in = 1/4096 (oracle rows).
    let p = SoftmaxS16Params::from_scale(1.0 / 4096.0, 1.0).unwrap();
    assert_eq!(
        (p.input_multiplier(), p.input_left_shift()),
        (1_717_960_704, 1)
    );
}

/// int16, S_in·β ≥ 5.0001: TFLM's `diff · 2^shift` wraps in int32; the kernel reproduces it
/// and the domain check flags the row. 4.9 and 5.0 (shift 15) do not wrap.
#[test]
fn s16_int32_wrap_reproduced_and_flagged() {
    let x = [-32768i16, 32767];
    for scale in [4.9f32, 5.0] {
        assert_eq!(s16(scale, 1.0, &x), (vec![2, 32766], TflmDomain::Accurate));
    }
    for scale in [5.0001f32, 5.0003, 8.0, 16.0, 1000.0, 50000.0] {
        assert_eq!(
            s16(scale, 1.0, &x),
            (vec![16384, 16384], TflmDomain::Wraps),
            "{scale}"
        );
    }
    let x7 = [-32768i16, 0, 32767, 1, -1, 16384, -16385];
    assert_eq!(
        s16(8.0, 1.0, &x7).0,
        [10921, 1, 10921, 1, 1, 1, 10921] // TFLM
    );
    assert_eq!(s16(16.0, 1.0, &x7).0, [6553, 6553, 6553, 6553, 6553, 0, 0]);
    // Shift 31 (S_in·β = 200,000): TFLM's `diff * (1 << 31)`.
    assert_eq!(
        s16(200_000.0, 1.0, &x7).0,
        [1, 1, 8191, 8191, 8191, 1, 8191]
    );
    assert_eq!(s16(200_000.0, 1.0, &x).0, [2, 32766]);
    // Ordinary rows are not flagged.
    assert_eq!(s16(8.0, 1.0, &[100, 101, 99]).1, TflmDomain::Accurate);
}

/// int8 → int16, N ≥ 8,192 equal logits: TFLM's int32 Q12.19 sum passes 2^32 and wraps.
#[test]
fn s8_s16_sum_past_2_32_as_tflm() {
    for (n, want, domain) in [
        (4096, -32752, TflmDomain::Accurate),
        (8191, -32760, TflmDomain::Accurate),
        (8193, 32767, TflmDomain::Wraps),
        (8200, -24576, TflmDomain::Wraps),
        (9000, -32687, TflmDomain::Wraps),
        (12000, -32751, TflmDomain::Wraps),
    ] {
        for scale in [1.0f32 / 255.0, 0.1] {
            let (y, d) = s8_s16(scale, &vec![7i8; n]);
            assert!(
                y.iter().all(|&v| v == want),
                "N={n}: {} (TFLM {want})",
                y[0]
            );
            assert_eq!(d, domain, "N={n}");
        }
    }
    // Exactly 8,192 equal logits: the wrapped sum is 0 and TFLM aborts; the kernel gives the
    // correctly rounded 65536/8192 = 8 above the zero point.
    let (y, d) = s8_s16(1.0 / 255.0, &[7i8; 8192]);
    assert_eq!(d, TflmDomain::Aborts);
    assert!(y.iter().all(|&v| v == -32768 + 8));
}

/// int8 → int8: 511 equal logits work in TFLM, 512 abort (its check on the output shift);
/// from 8,192 on the wrapped sum can bring TFLM back, with outputs far from the softmax.
#[test]
fn s8_sum_limit_512_and_wrap() {
    let (y, d) = s8(1.0 / 255.0, &[3i8; 511]);
    assert!(y.iter().all(|&v| v == -127)); // TFLM
    assert_eq!(d, TflmDomain::Accurate);
    // 512 equal logits: p = 1/512 exactly, 256·p = 0.5, rounded half up (as the accurate
    // kernels): −127. TFLM aborts.
    let (y, d) = s8(1.0 / 255.0, &[3i8; 512]);
    assert_eq!(d, TflmDomain::Aborts);
    assert!(y.iter().all(|&v| v == -127));
    // 1,000 equal logits: 256/1000 = 0.256 → −128.
    let (y, d) = s8(0.1, &[3i8; 1000]);
    assert_eq!(d, TflmDomain::Aborts);
    assert!(y.iter().all(|&v| v == -128));
    // TFLM's outputs where its sum wrapped (oracle rows): 8,192 → −128, 8,193 → 127,
    // 8,200 → −96; 8,704 aborts again (wrapped sum 512).
    for (n, want) in [(8192, -128), (8193, 127), (8200, -96)] {
        let (y, d) = s8(1.0 / 255.0, &vec![3i8; n]);
        assert!(
            y.iter().all(|&v| v == want),
            "N={n}: {} (TFLM {want})",
            y[0]
        );
        assert_eq!(d, TflmDomain::Wraps);
    }
    let (y, d) = s8(1.0 / 255.0, &[3i8; 8704]);
    assert_eq!(d, TflmDomain::Aborts);
    assert!(y.iter().all(|&v| v == -128)); // 256/8704 < 0.5
}

/// TFLM's Prepare refuses S_in·β·2^26 ≤ 1 (QuantizeMultiplierGreaterThanOne aborts); the
/// crate used to accept S_in·β from 2^−27 to 2^−26.
#[test]
fn tiny_scales_refused_as_tflm_prepare() {
    let t = 2f32.powi(-26);
    let above = f32::from_bits(t.to_bits() + 1);
    for (scale, beta) in [
        (t, 1.0),
        (f32::from_bits(t.to_bits() - 1), 1.0),
        (2f32.powi(-27), 1.0),
        (1.5 * 2f32.powi(-27), 1.0),
        (2f32.powi(-25), 0.5),
        (2f32.powi(-30), 1.0),
    ] {
        assert!(
            matches!(
                SoftmaxS8Params::from_scale(scale, beta),
                Err(Error::TflmRefuses(_))
            ),
            "{scale:e} {beta}"
        );
        assert!(matches!(
            SoftmaxS8Params::from_scale_f64(f64::from(scale), f64::from(beta)),
            Err(Error::TflmRefuses(_))
        ));
    }
    // TFLM loads the next f32 above 2^−26 (and 2^−26 with β = 2).
    for (scale, beta) in [(above, 1.0), (t, 2.0)] {
        let p = SoftmaxS8Params::from_scale(scale, beta).unwrap();
        assert_eq!(p.shift(), if beta == 1.0 { 1 } else { 2 });
    }
    // Raw parameters TFLM's Prepare never produces (shift ≤ 0) are refused the same way.
    assert!(matches!(
        SoftmaxS8Params::from_raw(1 << 30, 0, -10),
        Err(Error::TflmRefuses(_))
    ));
    assert!(SoftmaxS8Params::from_raw(1 << 30, 1, -10).is_ok());
}
