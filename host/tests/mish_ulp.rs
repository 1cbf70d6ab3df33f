//! Mish accuracy: dense ulp sweeps against the f64 reference, the quantized forms
//! (exhaustive), and edge cases.

use fixed::types::{I1F15, I4F12, I8F8};
use host::reference::mish as r;
use mcu_kernels::mish::*;

/// Error of `got` against `want` in units of f32 ulp at `want` (for |want| ≥ 2^−126), or
/// in units of 2^−149 below.
fn err_ulps(got: f32, want: f64) -> f64 {
    (f64::from(got) - want).abs() / r::ulp_f32(want)
}

/// Every `step`-th f32 bit pattern in [lo_bits, hi_bits] of one sign.
fn sweep(mut f: impl FnMut(f32)) {
    // All finite f32 by stride (~2.1·10^6 points over both signs) ...
    let step = 2039u32;
    let mut b = 0u32;
    while b < 0x7f80_0000 {
        f(f32::from_bits(b));
        f(-f32::from_bits(b));
        b += step;
    }
    // ... plus every f32 in |x| ∈ [0.5, 4) (where Mish bends) by a finer stride, and a
    // contiguous block around the minimum and at the tiny-path threshold.
    let lo = 0.5f32.to_bits();
    let hi = 4.0f32.to_bits();
    let mut b = lo;
    while b < hi {
        f(f32::from_bits(b));
        f(-f32::from_bits(b));
        b += 17;
    }
    for b in 1.15f32.to_bits()..1.15f32.to_bits() + 300_000 {
        f(-f32::from_bits(b));
    }
    for b in 79.0f32.to_bits()..79.0f32.to_bits() + 200_000 {
        f(-f32::from_bits(b));
    }
    // ... the table path's worst region (x ≈ −7.57) and both sides of its lower edge −78.33.
    for b in 7.55f32.to_bits()..7.55f32.to_bits() + 300_000 {
        f(-f32::from_bits(b));
    }
    for b in 78.2f32.to_bits()..78.2f32.to_bits() + 200_000 {
        f(-f32::from_bits(b));
    }
}

/// The slice form gives the scalar's bits on every sweep point (blocks of 32 that mix the
/// table path with the fallback included).
#[test]
fn mish_slice_is_the_scalar() {
    let mut xs = Vec::new();
    sweep(|x| xs.push(x));
    let mut y = vec![0.0f32; xs.len()];
    mish_slice(&xs, &mut y).unwrap();
    for (&x, &got) in xs.iter().zip(&y) {
        let want = mish(x);
        assert!(
            got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
            "x = {x:e}"
        );
    }
}

#[test]
fn mish_within_4_ulp() {
    let (mut worst, mut worst_x, mut worst_abs, mut n) = (0.0f64, 0.0f32, 0.0f64, 0u64);
    sweep(|x| {
        let want = r::mish(f64::from(x));
        let got = mish(x);
        n += 1;
        if want.abs() >= f64::from(f32::MIN_POSITIVE) {
            let e = err_ulps(got, want);
            if e > worst {
                worst = e;
                worst_x = x;
            }
            assert!(e <= 4.0, "mish({x:e}) = {got:e}, want {want:e}: {e} ulp");
        } else {
            let e = (f64::from(got) - want).abs();
            worst_abs = worst_abs.max(e);
            assert!(e <= 2f64.powi(-147), "mish({x:e}) = {got:e}, want {want:e}");
        }
    });
    assert!(n >= 1_000_000);
    println!(
        "mish: {n} points, worst {worst:.3} ulp at x = {worst_x:e}, worst abs (tiny) {worst_abs:e}"
    );
}

#[test]
fn mish_grad_accuracy() {
    let (mut worst_abs, mut worst_ulp, mut n) = (0.0f64, 0.0f64, 0u64);
    sweep(|x| {
        let want = r::mish_grad(f64::from(x));
        let got = mish_grad(x);
        n += 1;
        let e = (f64::from(got) - want).abs();
        worst_abs = worst_abs.max(e);
        assert!(e <= 2f64.powi(-22), "mish'({x:e}) = {got:e}, want {want:e}");
        // Relative error away from the zero of f' (x ≈ −1.1924, where the two terms of f'
        // cancel: |f'| ≥ 0.25 on the x < 0 side) and outside the tiny range.
        let away = !(-8.0..=0.0).contains(&x) || want.abs() >= 0.25;
        if want.abs() >= f64::from(f32::MIN_POSITIVE) && away {
            let u = err_ulps(got, want);
            worst_ulp = worst_ulp.max(u);
            assert!(u <= 8.0, "mish'({x:e}) = {got:e}, want {want:e}: {u} ulp");
        }
    });
    println!("mish_grad: {n} points, worst abs {worst_abs:e}, worst {worst_ulp:.3} ulp away from the root");
}

#[test]
fn special_values_and_vectors() {
    assert!((f64::from(mish(1.0)) - 0.865_098_388_3).abs() < 1e-7);
    assert!((f64::from(mish(-1.0)) + 0.303_401_461_4).abs() < 1e-7);
    // Global minimum ≈ −0.3088434 at x ≈ −1.1924.
    let (mut m, mut at) = (f32::INFINITY, 0.0f32);
    for i in 0..20_000 {
        let x = -2.0 + i as f32 * 1e-4;
        if mish(x) < m {
            m = mish(x);
            at = x;
        }
    }
    assert!(
        (m + 0.308_843_4).abs() < 1e-6 && (at + 1.1924).abs() < 2e-3,
        "{m} at {at}"
    );
    assert_eq!(mish(f32::INFINITY), f32::INFINITY);
    assert_eq!(mish(f32::NEG_INFINITY), 0.0);
    assert!(mish(f32::NAN).is_nan());
    assert_eq!(mish(f32::MAX), f32::MAX);
    assert_eq!(mish_grad(f32::INFINITY), 1.0);
    assert_eq!(mish_grad(f32::NEG_INFINITY), 0.0);
    assert!(mish_grad(f32::NAN).is_nan());
    let x = [1.0f32, -1.0, f32::NAN];
    let mut y = [0.0f32; 3];
    mish_slice(&x, &mut y).unwrap();
    assert_eq!(y[0], mish(1.0));
    assert!(y[2].is_nan());
    mish_grad_slice(&x, &mut y).unwrap();
    assert_eq!(y[1], mish_grad(-1.0));
    assert!(mish_slice(&x, &mut y[..2]).is_err());
    assert!(mish_grad_slice(&x[..1], &mut y).is_err());
}

#[test]
fn fixed_point_within_one_lsb() {
    fn check<F: fixed::types::extra::LeEqU16>() -> f64 {
        let frac = fixed::FixedI16::<F>::FRAC_NBITS;
        let lsb = 2f64.powi(-(frac as i32));
        let mut worst = 0.0f64;
        for bits in i16::MIN..=i16::MAX {
            let x = fixed::FixedI16::<F>::from_bits(bits);
            let got = mish_fixed(x);
            let xf = f64::from(bits) * lsb;
            let want = r::mish(xf).clamp(f64::from(i16::MIN) * lsb, f64::from(i16::MAX) * lsb);
            let e = (f64::from(got.to_bits()) * lsb - want).abs() / lsb;
            assert!(e <= 1.0, "x {xf}: {e} LSB");
            worst = worst.max(e);
        }
        worst
    }
    let a = check::<fixed::types::extra::U12>();
    let b = check::<fixed::types::extra::U8>();
    let c = check::<fixed::types::extra::U15>();
    println!("mish_fixed: worst I4F12 {a:.4} LSB, I8F8 {b:.4} LSB, I1F15 {c:.4} LSB");
    let x = [I4F12::from_num(1), I4F12::from_num(-1)];
    let mut y = [I4F12::ZERO; 2];
    mish_fixed_slice(&x, &mut y).unwrap();
    assert_eq!(y[0], mish_fixed(x[0]));
    let _ = (I8F8::ZERO, I1F15::ZERO);
}

#[test]
fn s8_lut_is_correctly_rounded() {
    let mut rng = testvectors::Rng::new(77);
    for case in 0..300 {
        let in_scale = 2f32.powf(rng.uniform_f32(-8.0, 0.0));
        let out_scale = 2f32.powf(rng.uniform_f32(-8.0, 0.0));
        let in_zp = rng.below(256) as i32 - 128;
        let out_zp = rng.below(256) as i32 - 128;
        let lut = MishS8Lut::new(in_scale, in_zp, out_scale, out_zp).unwrap();
        for q in i8::MIN..=i8::MAX {
            let x = f64::from(in_scale) * f64::from(i32::from(q) - in_zp);
            let t = r::mish(x) / f64::from(out_scale);
            let want = (t.round() + f64::from(out_zp)).clamp(-128.0, 127.0) as i8;
            assert_eq!(lut.lookup(q), want, "case {case} q {q}: t {t}");
        }
        let x: Vec<i8> = (i8::MIN..=i8::MAX).collect();
        let mut y = vec![0i8; 256];
        lut.apply(&x, &mut y).unwrap();
        assert_eq!(&y[..], &lut.table()[..]);
    }
    assert!(MishS8Lut::new(f32::NAN, 0, 1.0, 0).is_err());
    assert!(MishS8Lut::new(1.0, 0, f32::INFINITY, 0).is_err());
    assert!(MishS8Lut::new(1.0, 0, 1.0, -129).is_err());
}

// Every f32: `cargo xtask accuracy --exhaustive` measures `mish` over all 2^32 inputs
// (host/src/accuracy.rs), with the same bound.
