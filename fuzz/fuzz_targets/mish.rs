//! Mish: the float forms (`mish`, `fpu::mish`, `nofpu::mish`, slices, `mish_grad`), the
//! fixed-point form (I4F12, I8F8, I1F15) and the int8 lookup table.
#![no_main]
use arbitrary::Arbitrary;
use fixed::types::{I1F15, I4F12, I8F8};
use libfuzzer_sys::fuzz_target;
use mcu_kernels::mish::{self, fpu, nofpu, MishS8Lut};
use mcu_kernels::Error;
use mcu_kernels_fuzz::check_length_refused;

#[derive(Arbitrary, Debug)]
struct Input {
    x: Vec<f32>,
    q: Vec<i16>,
    lut: (f32, i32, f32, i32),
    out_len_delta: i8,
}

fn mish64(x: f64) -> f64 {
    // x·tanh(softplus(x)), softplus overflow-safe.
    let sp = if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    };
    x * sp.tanh()
}

/// 4 ulp of f32 relative where |f| ≥ 2^−126, 2^−147 absolute below.
fn check(name: &str, x: f32, y: f32, ulps: f64) {
    let want = mish64(f64::from(x));
    if x.is_nan() {
        assert!(y.is_nan(), "{name}({x}) = {y}");
        return;
    }
    if x == f32::INFINITY {
        assert_eq!(y, f32::INFINITY, "{name}(+inf)");
        return;
    }
    if x == f32::NEG_INFINITY {
        assert!(y == 0.0, "{name}(-inf) = {y}");
        return;
    }
    let err = (f64::from(y) - want).abs();
    let ulp = if want.abs() >= 2f64.powi(-126) {
        2f64.powi(want.abs().log2().floor() as i32 - 23)
    } else {
        0.0
    };
    assert!(
        err <= ulps * ulp + 2f64.powi(-147),
        "{name}({x:e}) = {y:e}, f64 {want:e}, error {} ulp",
        if ulp > 0.0 { err / ulp } else { err }
    );
}

fuzz_target!(|inp: Input| {
    let mut x = inp.x;
    x.truncate(256);
    for &v in &x {
        check("mish", v, mish::mish(v), 4.0);
        check("fpu::mish", v, fpu::mish(v), 4.0);
        check("nofpu::mish", v, nofpu::mish(v), 4.0);
        if v.is_finite() {
            // mish_grad: within 2^−22 absolute of the f64 derivative (central difference of
            // the f64 formula is too coarse; use the closed form).
            let xd = f64::from(v);
            let sp = if xd > 0.0 {
                xd + (-xd).exp().ln_1p()
            } else {
                xd.exp().ln_1p()
            };
            let t = sp.tanh();
            let sig = 1.0 / (1.0 + (-xd).exp());
            let want = t + xd * (1.0 - t * t) * sig;
            let g = mish::mish_grad(v);
            assert!(
                (f64::from(g) - want).abs() <= 2f64.powi(-22) + 8.0 * 2f64.powi(-24) * want.abs(),
                "mish_grad({v:e}) = {g:e}, f64 {want:e}"
            );
        }
    }
    let n = x.len();
    for (name, f) in [
        (
            "mish_slice",
            mish::mish_slice as fn(&[f32], &mut [f32]) -> Result<(), Error>,
        ),
        ("fpu::mish_slice", fpu::mish_slice),
        ("nofpu::mish_slice", nofpu::mish_slice),
        ("mish_grad_slice", mish::mish_grad_slice),
    ] {
        let mut y = vec![0.0f32; n];
        assert_eq!(f(&x, &mut y), Ok(()), "{name}");
        for (&xi, &yi) in x.iter().zip(&y) {
            let scalar = match name {
                "mish_slice" => mish::mish(xi),
                "fpu::mish_slice" => fpu::mish(xi),
                "nofpu::mish_slice" => nofpu::mish(xi),
                _ => mish::mish_grad(xi),
            };
            assert!(
                yi.to_bits() == scalar.to_bits() || (yi.is_nan() && scalar.is_nan()),
                "{name}: slice {yi:e} vs scalar {scalar:e} at {xi:e}"
            );
        }
        check_length_refused(name, &x, inp.out_len_delta, 400, f);
    }

    // Fixed point: ≤ 0.5 LSB + 4 ulp of the result (< 1 LSB), saturated at the format's range.
    for &q in &inp.q {
        macro_rules! fixed_check {
            ($t:ty, $frac:expr) => {{
                let xq = <$t>::from_bits(q);
                let y = mish::mish_fixed(xq);
                let want = mish64(xq.to_num::<f64>());
                let lsb = 2f64.powi(-$frac);
                let clamped = want.clamp(<$t>::MIN.to_num::<f64>(), <$t>::MAX.to_num::<f64>());
                assert!(
                    (y.to_num::<f64>() - clamped).abs() <= lsb,
                    "mish_fixed::<{}>({xq}) = {y}, f64 {want}",
                    stringify!($t)
                );
            }};
        }
        fixed_check!(I4F12, 12);
        fixed_check!(I8F8, 8);
        fixed_check!(I1F15, 15);
    }
    let xs: Vec<I8F8> = inp.q.iter().map(|&q| I8F8::from_bits(q)).collect();
    let mut ys = vec![I8F8::ZERO; xs.len()];
    assert_eq!(mish::mish_fixed_slice(&xs, &mut ys), Ok(()));
    for (a, b) in xs.iter().zip(&ys) {
        assert_eq!(mish::mish_fixed(*a), *b, "mish_fixed_slice vs mish_fixed");
    }

    // int8 table: every entry is round-half-away(mish(S_in·(q − zp_in))/S_out) + zp_out,
    // clamped, except ties closer than 1e−9 LSB.
    let (si, zi, so, zo) = inp.lut;
    let ok_scale = |s: f32| s.is_finite() && s > 0.0;
    let ok_zp = |z: i32| (-128..=127).contains(&z);
    match MishS8Lut::new(si, zi, so, zo) {
        Err(e) => {
            assert!(matches!(e, Error::BadParameter(_)), "{e:?}");
            assert!(
                !(ok_scale(si) && ok_scale(so) && ok_zp(zi) && ok_zp(zo)),
                "MishS8Lut::new({si}, {zi}, {so}, {zo}) refused"
            );
        }
        Ok(lut) => {
            assert!(
                ok_scale(si) && ok_scale(so) && ok_zp(zi) && ok_zp(zo),
                "accepted bad parameters"
            );
            for (i, &t) in lut.table().iter().enumerate() {
                let q = i as i32 - 128;
                let v = mish64(f64::from(si) * f64::from(q - zi)) / f64::from(so) + f64::from(zo);
                let want = v.round().clamp(-128.0, 127.0);
                let tie = (v - v.trunc()).abs() - 0.5;
                assert!(
                    f64::from(t) == want
                        || (tie.abs() < 1e-9 && (f64::from(t) - v).abs() <= 0.5 + 1e-9),
                    "MishS8Lut({si}, {zi}, {so}, {zo}): q = {q}: {t} vs {v}"
                );
                assert_eq!(lut.lookup(q as i8), t);
            }
            let xq: Vec<i8> = inp.q.iter().map(|&v| v as i8).collect();
            let mut yq = vec![0i8; xq.len()];
            assert_eq!(lut.apply(&xq, &mut yq), Ok(()));
            for (a, b) in xq.iter().zip(&yq) {
                assert_eq!(lut.lookup(*a), *b);
            }
        }
    }
});
