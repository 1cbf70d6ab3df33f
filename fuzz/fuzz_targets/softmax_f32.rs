//! The f32 softmax family: softmax, anchored, two- and three-pass (out of place and in place),
//! log_softmax, cross_entropy, logsumexp, stablemax, temperature, the row-wise forms and the
//! integer-only (`nofpu`) forms, against their documented contracts.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mcu_kernels::softmax::{self, nofpu};
use mcu_kernels::Error;
use mcu_kernels_fuzz::{
    check_length_refused, check_softmax, lse_f64, lse_parts, softmax_f64, TINY,
};

#[derive(Arbitrary, Debug)]
struct Input {
    x: Vec<f32>,
    /// Scale the logits down to a "typical" range in half of the cases, so that accuracy is
    /// exercised on rows with many non-negligible terms, not only on rows of huge values.
    squash: bool,
    t: f32,
    target: u16,
    row_len: u8,
    out_len_delta: i8,
}

type Kernel = fn(&[f32], &mut [f32]) -> Result<(), Error>;
type InPlace = fn(&mut [f32]) -> Result<(), Error>;

fuzz_target!(|inp: Input| {
    let mut x = inp.x;
    x.truncate(512);
    if inp.squash {
        for v in &mut x {
            if v.is_finite() {
                *v = (*v % 64.0) * 0.5;
            }
        }
    }
    let n = x.len();
    let has_nan = x.iter().any(|v| v.is_nan());
    let finite = x.iter().all(|v| v.is_finite());

    let outs: [(&str, Kernel); 5] = [
        ("softmax", softmax::softmax),
        ("anchored", softmax::anchored),
        ("two_pass", softmax::two_pass),
        ("three_pass", softmax::three_pass),
        ("nofpu::softmax", nofpu::softmax),
    ];
    let ins: [(&str, InPlace); 4] = [
        ("softmax_in_place", softmax::softmax_in_place),
        ("two_pass_in_place", softmax::two_pass_in_place),
        ("three_pass_in_place", softmax::three_pass_in_place),
        ("stablemax_in_place", softmax::stablemax_in_place),
    ];
    for (name, f) in outs {
        let mut y = vec![f32::NAN; n];
        let r = f(&x, &mut y);
        if n == 0 {
            assert_eq!(r, Err(Error::Empty), "{name}: empty input");
            continue;
        }
        if has_nan {
            assert_eq!(r, Err(Error::NanInput), "{name}: NaN input");
            continue;
        }
        if finite {
            assert_eq!(r, Ok(()), "{name}: finite input refused: {x:?}");
            check_softmax(name, &x, &y);
        } else if r.is_ok() {
            // ±∞ rows: outputs are still probabilities.
            let sum: f64 = y.iter().map(|&v| f64::from(v)).sum();
            assert!(
                y.iter().all(|v| (0.0..=1.0).contains(v)),
                "{name}: {y:?} for {x:?}"
            );
            assert!(
                (sum - 1.0).abs() <= n as f64 * 2f64.powi(-24) + 1e-12,
                "{name}: sum {sum}"
            );
        }
        // A wrong output length is refused (and nothing else happens).
        check_length_refused(name, &x, inp.out_len_delta, 600, f);
    }
    if finite && n > 0 {
        let mut reference = vec![0.0f32; n];
        softmax::three_pass(&x, &mut reference).unwrap();
        for (name, f) in ins {
            let mut y = x.clone();
            assert_eq!(f(&mut y), Ok(()), "{name}");
            if name.starts_with("stablemax") {
                let mut o = vec![0.0f32; n];
                softmax::stablemax(&x, &mut o).unwrap();
                assert_eq!(
                    bits(&y),
                    bits(&o),
                    "{name} differs from its out-of-place form"
                );
            } else {
                check_softmax(name, &x, &y);
            }
        }
        // Same result, same bits: in place equals out of place.
        let mut y = x.clone();
        softmax::three_pass_in_place(&mut y).unwrap();
        assert_eq!(
            bits(&y),
            bits(&reference),
            "three_pass_in_place vs three_pass"
        );

        // Shift invariance (exact shifts only): integer logits plus an integer c are exact in
        // f32 below 2^24, so the rows are the same distribution and both meet the contract
        // against the same f64 softmax.
        let ints: Vec<f32> = x.iter().map(|v| (v % 1000.0).trunc()).collect();
        let c = f32::from(inp.target as i16 % 4096);
        let shifted: Vec<f32> = ints.iter().map(|v| v + c).collect();
        let mut a = vec![0.0f32; n];
        softmax::softmax(&shifted, &mut a).unwrap();
        check_softmax("softmax (shifted)", &ints, &a);

        // log_softmax: |y − f64| ≤ 2e−6·max(1, |y|).
        let lse = lse_f64(&x);
        let (mx, ln_s) = lse_parts(&x);
        for (name, f) in [
            ("log_softmax", softmax::log_softmax as Kernel),
            ("nofpu::log_softmax", nofpu::log_softmax as Kernel),
        ] {
            let mut y = vec![0.0f32; n];
            assert_eq!(f(&x, &mut y), Ok(()), "{name}");
            for (i, (&yi, &xi)) in y.iter().zip(&x).enumerate() {
                let want = (f64::from(xi) - mx) - ln_s;
                if want < -f64::from(f32::MAX) {
                    assert!(
                        yi == f32::NEG_INFINITY || f64::from(yi) <= -3.0e38,
                        "{name}[{i}]"
                    );
                    continue;
                }
                let err = (f64::from(yi) - want).abs();
                assert!(
                    err <= 2e-6 * want.abs().max(1.0),
                    "{name}[{i}]: {yi} vs {want} (x = {x:?})"
                );
            }
        }
        // In place: the same plan and output formula (log_softmax.rs), so the same bits.
        let mut y = x.clone();
        softmax::log_softmax_in_place(&mut y).unwrap();
        let mut o = vec![0.0f32; n];
        softmax::log_softmax(&x, &mut o).unwrap();
        assert_eq!(bits(&y), bits(&o), "log_softmax_in_place vs log_softmax");

        // logsumexp: 2e−6·max(1, |L|).
        let l = softmax::logsumexp(&x).unwrap();
        assert!(
            (f64::from(l) - lse).abs() <= 2e-6 * lse.abs().max(1.0),
            "logsumexp {l} vs {lse}"
        );

        // cross_entropy: loss within 2e−6·max(1, L); gradient softmax − onehot.
        let target = usize::from(inp.target) % (n + 1);
        for (name, f) in [
            (
                "cross_entropy",
                softmax::cross_entropy
                    as fn(&[f32], usize, Option<&mut [f32]>) -> Result<f32, Error>,
            ),
            ("nofpu::cross_entropy", nofpu::cross_entropy),
        ] {
            let mut g = vec![0.0f32; n];
            let r = f(&x, target, Some(&mut g));
            if target == n {
                assert_eq!(
                    r,
                    Err(Error::IndexOutOfRange { index: n, len: n }),
                    "{name}"
                );
                continue;
            }
            let loss = r.unwrap_or_else(|e| panic!("{name}: {e:?}"));
            let want = (mx - f64::from(x[target])) + ln_s;
            if want.is_finite() && want < 1e38 {
                assert!(
                    (f64::from(loss) - want).abs() <= 2e-6 * want.max(1.0),
                    "{name}: {loss} vs {want}"
                );
            }
            let p = softmax_f64(&x).unwrap();
            for (i, (&gi, &pi)) in g.iter().zip(&p).enumerate() {
                let w = pi - if i == target { 1.0 } else { 0.0 };
                let tol = 5e-7 * pi + TINY + if i == target { 2f64.powi(-24) } else { 0.0 };
                assert!(
                    (f64::from(gi) - w).abs() <= tol,
                    "{name}: grad[{i}] {gi} vs {w}"
                );
            }
            let without = f(&x, target, None).unwrap();
            assert_eq!(
                without.to_bits(),
                loss.to_bits(),
                "{name}: loss depends on the gradient"
            );
        }

        // stablemax: s(x) = x + 1 (x ≥ 0), 1/(1 − x) below; y = s/Σs within 5 ulp, outputs
        // below 2^−126 within 2^−126 absolute.
        let mut y = vec![0.0f32; n];
        softmax::stablemax(&x, &mut y).unwrap();
        let s: Vec<f64> = x
            .iter()
            .map(|&v| {
                let v = f64::from(v);
                if v >= 0.0 {
                    v + 1.0
                } else {
                    1.0 / (1.0 - v)
                }
            })
            .collect();
        let total: f64 = s.iter().sum();
        for (i, (&yi, si)) in y.iter().zip(&s).enumerate() {
            let want = si / total;
            let err = (f64::from(yi) - want).abs();
            assert!(
                err <= 5.0 * 2f64.powi(-23) * want + 2f64.powi(-126),
                "stablemax[{i}] {yi} vs {want}"
            );
        }

        // Temperature: the softmax of the f32 quotients x_i / T.
        let t = inp.t;
        let mut y = vec![0.0f32; n];
        let r = softmax::softmax_with_temperature(&x, t, &mut y);
        if !(t > 0.0 && t < f32::INFINITY) {
            assert!(
                matches!(r, Err(Error::BadParameter(_))),
                "temperature {t}: {r:?}"
            );
        } else {
            let z: Vec<f32> = x.iter().map(|v| v / t).collect();
            if z.iter().all(|v| v.is_finite()) {
                assert_eq!(r, Ok(()), "temperature {t}");
                check_softmax("softmax_with_temperature", &z, &y);
                let mut w = x.clone();
                softmax::softmax_with_temperature_in_place(&mut w, t).unwrap();
                assert_eq!(bits(&w), bits(&y), "temperature in place");
            }
        }

        // Rows: each row is the softmax of that row; a bad row length is refused.
        let row_len = usize::from(inp.row_len);
        let mut y = vec![0.0f32; n];
        let r = softmax::softmax_rows(&x, row_len, &mut y);
        let mut ly = vec![0.0f32; n];
        let lr = softmax::log_softmax_rows(&x, row_len, &mut ly);
        if row_len == 0 || n % row_len != 0 {
            assert_eq!(r, Err(Error::BadRowLength), "softmax_rows({n}, {row_len})");
            assert_eq!(
                lr,
                Err(Error::BadRowLength),
                "log_softmax_rows({n}, {row_len})"
            );
        } else {
            assert_eq!(r, Ok(()));
            assert_eq!(lr, Ok(()));
            for (xr, yr) in x.chunks(row_len).zip(y.chunks(row_len)) {
                check_softmax("softmax_rows", xr, yr);
            }
            for (xr, yr) in x.chunks(row_len).zip(ly.chunks(row_len)) {
                let mut o = vec![0.0f32; row_len];
                softmax::log_softmax(xr, &mut o).unwrap();
                assert_eq!(bits(yr), bits(&o), "log_softmax_rows row vs log_softmax");
            }
            // The in-place forms meet the same contracts (not promised to have the same bits).
            let mut w = x.clone();
            softmax::softmax_rows_in_place(&mut w, row_len).unwrap();
            for (xr, wr) in x.chunks(row_len).zip(w.chunks(row_len)) {
                check_softmax("softmax_rows_in_place", xr, wr);
            }
            let mut w = x.clone();
            softmax::log_softmax_rows_in_place(&mut w, row_len).unwrap();
            for (xr, wr) in x.chunks(row_len).zip(w.chunks(row_len)) {
                let (mx, ln_s) = lse_parts(xr);
                for (&yi, &xi) in wr.iter().zip(xr) {
                    let want = (f64::from(xi) - mx) - ln_s;
                    if want >= -f64::from(f32::MAX) {
                        assert!(
                            (f64::from(yi) - want).abs() <= 2e-6 * want.abs().max(1.0),
                            "log_softmax_rows_in_place: {yi} vs {want}"
                        );
                    }
                }
            }
        }
    } else if n > 0 && !has_nan {
        // Rows with ±∞ must not panic anywhere.
        let _ = softmax::logsumexp(&x);
        let _ = softmax::cross_entropy(&x, 0, None);
        let _ = nofpu::cross_entropy(&x, 0, None);
        let mut y = vec![0.0f32; n];
        let _ = softmax::stablemax(&x, &mut y);
        let _ = softmax::log_softmax(&x, &mut y);
        let _ = nofpu::log_softmax(&x, &mut y);
        let _ = softmax::softmax_with_temperature(&x, inp.t, &mut y);
        let _ = softmax::softmax_rows(&x, usize::from(inp.row_len), &mut y);
    }
});

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|f| f.to_bits()).collect()
}
