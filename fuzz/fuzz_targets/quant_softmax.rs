//! The quantised softmax: the parameter constructors (`SoftmaxS8Params::from_raw` /
//! `from_scale`, `SoftmaxS16Params`), the TFLM-exact int8/int16 kernels and their table form,
//! the accurate LUT kernels (s8, s8→s16, s16) and the fixed-point two-pass kernel.
#![no_main]
use arbitrary::Arbitrary;
use fixed::types::{I16F16, U0F16};
use libfuzzer_sys::fuzz_target;
use mcu_kernels::softmax::quant::*;
use mcu_kernels::Error;

#[derive(Arbitrary, Debug)]
struct Input {
    scale: f32,
    beta: f32,
    raw: (i32, i32, i32),
    raw16: (i32, i32),
    x8: Vec<i8>,
    x16: Vec<i16>,
    row: u8,
}

fn check_rows(n: usize, row: usize) -> Option<Error> {
    if row == 0 {
        Some(Error::BadRowLength)
    } else if n == 0 {
        Some(Error::Empty)
    } else if n % row != 0 {
        Some(Error::BadRowLength)
    } else {
        None
    }
}

/// p_i = e^(s·(x_i − max)) / Σ_j … in f64.
fn probs(row: &[f64], s: f64) -> Vec<f64> {
    let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = row.iter().map(|&v| (s * (v - m)).exp()).collect();
    let t: f64 = e.iter().sum();
    e.iter().map(|v| v / t).collect()
}

fuzz_target!(|inp: Input| {
    let (s, b) = (inp.scale, inp.beta);
    let positive = |v: f32| v.is_finite() && v > 0.0;

    // --- SoftmaxS8Params::from_scale: documented errors and the shape of the result.
    let p = SoftmaxS8Params::from_scale(s, b);
    if !(positive(s) && positive(b)) {
        assert!(
            matches!(p, Err(Error::BadParameter(_))),
            "from_scale({s}, {b}) = {p:?}"
        );
    } else if f64::from(s) * f64::from(b) * 2f64.powi(26) <= 1.0 {
        assert!(
            matches!(p, Err(Error::TflmRefuses(_))),
            "from_scale({s}, {b}) = {p:?}"
        );
    } else {
        let p = p.unwrap_or_else(|e| panic!("from_scale({s}, {b}): {e:?}"));
        assert!((1 << 30..=i32::MAX).contains(&p.mult()), "mult {p:?}");
        assert!((1..=31).contains(&p.shift()), "shift {p:?}");
        let want_min = -((31.0 * 2f64.powi(26) / 2f64.powi(p.shift())).floor()) as i32;
        assert_eq!(p.diff_min(), want_min, "diff_min of {p:?}");
        // mult·2^(shift−31) ≈ min(β·S·2^26, 2^31 − 1) within the rounding of mult.
        let real = (f64::from(s) * f64::from(b) * 2f64.powi(26)).min(2f64.powi(31) - 1.0);
        let got = f64::from(p.mult()) * 2f64.powi(p.shift() - 31);
        assert!(
            (got - real).abs() <= real * 2f64.powi(-30),
            "{p:?} for {real}"
        );
        assert_eq!(
            SoftmaxS8Params::from_raw(p.mult(), p.shift(), p.diff_min()),
            Ok(p)
        );
        assert_eq!(
            SoftmaxS8Params::from_scale_f64(f64::from(s), f64::from(b)),
            Ok(p)
        );
    }

    // --- from_raw: BadParameter unless mult > 0, shift ≤ 31, diff_min ≤ 0; TflmRefuses for shift ≤ 0.
    let (m, sh, dm) = inp.raw;
    let r = SoftmaxS8Params::from_raw(m, sh, dm);
    if !(m > 0 && sh <= 31 && dm <= 0) {
        // Both errors apply when the shift is also ≤ 0; the docs give no order.
        assert!(
            matches!(r, Err(Error::BadParameter(_)))
                || (sh <= 0 && matches!(r, Err(Error::TflmRefuses(_)))),
            "from_raw({m}, {sh}, {dm}) = {r:?}"
        );
    } else if sh <= 0 {
        assert!(
            matches!(r, Err(Error::TflmRefuses(_))),
            "from_raw({m}, {sh}, {dm}) = {r:?}"
        );
    } else {
        assert!(r.is_ok(), "from_raw({m}, {sh}, {dm}) = {r:?}");
    }

    let row = usize::from(inp.row);
    let mut x8 = inp.x8;
    x8.truncate(1024);
    let n8 = x8.len();

    // --- TFLM-exact int8 kernels: the table form has the same bits; rows are independent.
    let params = r.ok().or_else(|| SoftmaxS8Params::from_scale(s, b).ok());
    if let Some(p) = params {
        let table = SoftmaxS8TflmTable::new(&p);
        let (mut a, mut t) = (vec![0i8; n8], vec![0i8; n8]);
        let ra = softmax_s8_tflm(&p, &x8, row, &mut a);
        let rt = softmax_s8_tflm_table(&table, &x8, row, &mut t);
        assert_eq!(ra, rt, "tflm vs table: result");
        assert_eq!(
            ra.err(),
            check_rows(n8, row),
            "softmax_s8_tflm({n8}, {row})"
        );
        assert_eq!(a, t, "softmax_s8_tflm vs softmax_s8_tflm_table ({p:?})");
        let (mut a16, mut t16) = (vec![0i16; n8], vec![0i16; n8]);
        assert_eq!(
            softmax_s8_s16_tflm(&p, &x8, row, &mut a16),
            softmax_s8_s16_tflm_table(&table, &x8, row, &mut t16)
        );
        assert_eq!(a16, t16, "softmax_s8_s16_tflm vs table ({p:?})");
        if ra.is_ok() {
            for (xr, yr) in x8.chunks(row).zip(a.chunks(row)) {
                let _ = softmax_s8_tflm_domain(&p, xr);
                let _ = softmax_s8_s16_tflm_domain(&p, xr);
                // Single-row call gives the same bits (rows independent).
                let mut one = vec![0i8; row];
                softmax_s8_tflm(&p, xr, row, &mut one).unwrap();
                assert_eq!(&one[..], yr, "row independence");
            }
        }
        let mut rebuilt =
            SoftmaxS8TflmTable::new(&SoftmaxS8Params::from_raw(1 << 30, 19, -3968).unwrap());
        rebuilt.rebuild(&p);
        assert_eq!(rebuilt, table, "rebuild vs new");
    }

    // --- Accurate LUT kernels: within 0.5 LSB (+ the documented slack) of the exact softmax of
    // the dequantised input.
    let lut = SoftmaxS8Lut::new(s, b);
    if !(positive(s) && positive(b)) {
        assert!(
            matches!(lut, Err(Error::BadParameter(_))),
            "SoftmaxS8Lut::new({s}, {b})"
        );
    }
    if let Ok(lut) = lut {
        let sb = f64::from(s) * f64::from(b);
        let mut y = vec![0i8; n8];
        let r = softmax_s8(&lut, &x8, row, &mut y);
        let mut y16 = vec![0i16; n8];
        let r16 = softmax_s8_s16(&lut, &x8, row, &mut y16);
        assert_eq!(r.err(), check_rows(n8, row), "softmax_s8({n8}, {row})");
        assert_eq!(r, r16);
        if r.is_ok() {
            for ((xr, yr), zr) in x8.chunks(row).zip(y.chunks(row)).zip(y16.chunks(row)) {
                let xf: Vec<f64> = xr.iter().map(|&v| f64::from(v)).collect();
                let p = probs(&xf, sb);
                for i in 0..row {
                    let want8 = (256.0 * p[i]).min(255.0) - 128.0;
                    let err8 = (f64::from(yr[i]) - want8).abs();
                    // Clamped at the top: the format's 255/256 is the closest it has.
                    assert!(
                        err8 <= 0.5 + 1e-5 || (yr[i] == 127 && 256.0 * p[i] > 255.0),
                        "softmax_s8: y = {} vs {want8} (row {xr:?}, S·β = {sb:e})",
                        yr[i]
                    );
                    let want16 = (65536.0 * p[i]).min(65535.0) - 32768.0;
                    let err16 = (f64::from(zr[i]) - want16).abs();
                    assert!(
                        err16 <= 0.5 + 1e-4 || (zr[i] == 32767 && 65536.0 * p[i] > 65535.0),
                        "softmax_s8_s16: y = {} vs {want16} (row {xr:?}, S·β = {sb:e})",
                        zr[i]
                    );
                }
            }
        }
        let mut other = SoftmaxS8Lut::empty();
        assert_eq!(other.rebuild(s, b), Ok(()));
        assert!(other == lut, "rebuild vs new");
    }

    let mut x16 = inp.x16;
    x16.truncate(512);
    let n16 = x16.len();
    if let Ok(lut) = SoftmaxS16Lut::new(s, b) {
        let sb = f64::from(s) * f64::from(b);
        let mut y = vec![0i16; n16];
        let r = softmax_s16(&lut, &x16, row, &mut y);
        assert_eq!(r.err(), check_rows(n16, row), "softmax_s16({n16}, {row})");
        if r.is_ok() {
            for (xr, yr) in x16.chunks(row).zip(y.chunks(row)) {
                let xf: Vec<f64> = xr.iter().map(|&v| f64::from(v)).collect();
                let p = probs(&xf, sb);
                let tol = 0.5 + (row as f64 + 1.0) / 65536.0 + 6e-5 + 1e-6;
                for i in 0..row {
                    let want = (32768.0 * p[i]).min(32767.0);
                    assert!(
                        (f64::from(yr[i]) - want).abs() <= tol,
                        "softmax_s16: y = {} vs {want} (row {xr:?}, S·β = {sb:e})",
                        yr[i]
                    );
                }
            }
        }
    } else {
        assert!(
            !(positive(s) && positive(b)),
            "SoftmaxS16Lut::new({s}, {b}) refused"
        );
    }

    // --- TFLM-exact int16: constructors and no panics, outputs in the format's range.
    let p16 = SoftmaxS16Params::from_raw(inp.raw16.0, inp.raw16.1)
        .ok()
        .or_else(|| SoftmaxS16Params::from_scale(s, b).ok());
    if !(positive(s) && positive(b)) {
        assert!(SoftmaxS16Params::from_scale(s, b).is_err());
    }
    if let Some(p) = p16 {
        let mut y = vec![0i16; n16];
        let r = softmax_s16_tflm(&p, &x16, row, &mut y);
        assert_eq!(
            r.err(),
            check_rows(n16, row),
            "softmax_s16_tflm({n16}, {row})"
        );
        if r.is_ok() {
            for xr in x16.chunks(row) {
                let _ = softmax_s16_tflm_domain(&p, xr);
            }
        }
    }

    // --- Fixed-point two-pass: 0.5 LSB + ~2e−4 LSB of min(65536·p, 65535).
    let xf: Vec<I16F16> = x16
        .chunks_exact(2)
        .map(|c| I16F16::from_bits((i32::from(c[0]) << 16) | i32::from(c[1] as u16)))
        .collect();
    let nf = xf.len();
    let mut y = vec![U0F16::ZERO; nf];
    let r = softmax_fixed_two_pass(&xf, row, &mut y);
    assert_eq!(
        r.err(),
        check_rows(nf, row),
        "softmax_fixed_two_pass({nf}, {row})"
    );
    if r.is_ok() {
        for (xr, yr) in xf.chunks(row).zip(y.chunks(row)) {
            let xv: Vec<f64> = xr.iter().map(|v| v.to_num::<f64>()).collect();
            let p = probs(&xv, 1.0);
            for i in 0..row {
                let want = (65536.0 * p[i]).min(65535.0);
                let got = f64::from(yr[i].to_bits());
                assert!(
                    (got - want).abs() <= 0.5 + 1e-3,
                    "softmax_fixed_two_pass: {got} vs {want} (row {xv:?})"
                );
            }
        }
    }
});
