//! Lipschitz layers and bounds: the certified spectral-norm bound against an f64 power
//! iteration (bound ≥ the true norm), the power-iteration lower bound, every projection
//! (result's bound ≤ c·(1 + tol), and the f64 norm of the projected matrix below it), the
//! `Dense` layer (bound, forward accuracy) and the 1-Lipschitz activations.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mcu_kernels::lipschitz::*;
use mcu_kernels::Error;
use mcu_kernels_fuzz::spectral_norm_f64;

#[derive(Arbitrary, Debug)]
struct Input {
    w: Vec<f32>,
    rows: u8,
    cols: u8,
    iters: u8,
    c: f32,
    alpha: f32,
    op: u8,
    dense: ([[f32; 3]; 2], [f32; 2], [f32; 3]),
    group: u8,
    v: Vec<f32>,
}

fuzz_target!(|inp: Input| {
    let rows = usize::from(inp.rows % 9);
    let cols = usize::from(inp.cols % 9);
    let mut w: Vec<f32> = inp.w.iter().copied().take(rows * cols).collect();
    let full = w.len() == rows * cols;
    w.resize(rows * cols, 0.25);
    let finite = w.iter().all(|v| v.is_finite());
    let mut scratch =
        vec![0.0f32; gram_scratch_len(rows, cols).max(projection_scratch_len(rows, cols))];
    let iters = u32::from(inp.iters % 20);

    let r = spectral_norm_upper_bound(&w, rows, cols, iters, &mut scratch);
    if rows == 0 || cols == 0 {
        assert!(r.is_err(), "empty matrix accepted");
        return;
    }
    if !finite {
        assert_eq!(r, Err(Error::NonFinite), "non-finite matrix");
        return;
    }
    let sigma = spectral_norm_f64(&w, rows, cols);
    let frob = w.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>().sqrt();
    match r {
        Ok(b) => {
            // Certified: never below the true σ (the f64 estimate is a lower bound of it).
            assert!(
                f64::from(b) >= sigma * (1.0 - 1e-12),
                "bound {b:e} < σ ≈ {sigma:e} (w = {w:?}, {rows}×{cols}, iters {iters})"
            );
            if iters == GRAM_ITERS && frob < 1e30 && frob > 1e-30 {
                assert!(
                    f64::from(b) <= frob * 1.01,
                    "bound {b:e} far above ‖W‖_F = {frob:e}"
                );
            }
        }
        Err(e) => assert!(
            matches!(e, Error::BadParameter(_))
                && (iters > MAX_GRAM_ITERS || iters == 0 || frob > 1e36),
            "spectral_norm_upper_bound refused: {e:?} (iters {iters}, ‖W‖_F {frob:e})"
        ),
    }
    let _ = full;

    // Power iteration: a lower bound (≤ the certified bound), u a unit vector.
    let (mut v, mut u) = (vec![1.0f32; cols], vec![0.0f32; rows]);
    match power_iteration(&w, rows, cols, &mut v, &mut u, iters) {
        Ok(p) => {
            assert!(iters > 0, "steps = 0 accepted");
            if let Ok(b) = r {
                assert!(
                    p <= b * (1.0 + 1e-5),
                    "power iteration {p:e} above the certified bound {b:e}"
                );
            }
            assert!(
                f64::from(p) <= frob * (1.0 + 1e-5) + 1e-37,
                "power iteration {p:e} above ‖W‖_F {frob:e}"
            );
        }
        Err(e) => assert!(
            iters == 0 || matches!(e, Error::BadParameter(_) | Error::NonFinite),
            "{e:?}"
        ),
    }

    // Projections: the returned certified bound ≤ c·(1 + tol); the result's f64 norm below it.
    let c = inp.c;
    let mut p = w.clone();
    let (mut pv, mut pu) = (vec![1.0f32; cols], vec![0.0f32; rows]);
    let name;
    let res = match inp.op % 5 {
        0 => {
            name = "spectral_normalize";
            spectral_normalize(&mut p, rows, cols, c, &mut scratch)
        }
        1 => {
            name = "spectral_hammer";
            spectral_hammer(
                &mut p,
                rows,
                cols,
                c,
                &mut pv,
                &mut pu,
                iters.max(1),
                &mut scratch,
            )
        }
        2 => {
            name = "spectral_soft_cap";
            spectral_soft_cap(&mut p, rows, cols, c, inp.alpha, &mut scratch)
        }
        3 => {
            name = "spectral_hard_cap";
            spectral_hard_cap(&mut p, rows, cols, c, &mut scratch)
        }
        _ => {
            name = "bjorck_orthonormalize";
            bjorck_orthonormalize(&mut p, rows, cols, c, iters, &mut scratch)
        }
    };
    match res {
        Ok(bound) => {
            assert!(c.is_finite() && c > 0.0, "{name}: accepted c = {c}");
            assert!(f64::from(bound) <= f64::from(c) * (1.0 + f64::from(PROJECTION_TOL)), "{name}: bound {bound:e} > c = {c:e}·(1 + tol) (w = {w:?}, {rows}×{cols}, iters {iters}, α = {})", inp.alpha);
            assert!(p.iter().all(|x| x.is_finite()), "{name}: non-finite result");
            let s = spectral_norm_f64(&p, rows, cols);
            assert!(
                s <= f64::from(bound) * (1.0 + 1e-9),
                "{name}: σ(result) ≈ {s:e} > bound {bound:e} (w = {w:?}, c = {c})"
            );
        }
        Err(_) => {
            if !(c.is_finite() && c > 0.0) {
                assert_eq!(p, w, "{name}: refused c = {c} but changed W");
            }
        }
    }

    // Dense 3 → 2: certified bound ≥ σ, forward within the dot-product bound.
    let (dw, db, x) = inp.dense;
    match Dense::<3, 2>::new(dw, db) {
        Ok(mut layer) => {
            let flat: Vec<f32> = dw.iter().flatten().copied().collect();
            let s = spectral_norm_f64(&flat, 2, 3);
            let mut ws = Workspace::<3>::new();
            if let Ok(b) = layer.certified_upper_bound(&mut ws) {
                assert!(
                    f64::from(b) >= s * (1.0 - 1e-12),
                    "Dense bound {b:e} < σ ≈ {s:e} ({dw:?})"
                );
            }
            if let Ok(lb) = layer.power_lower_bound(3) {
                assert!(
                    f64::from(lb) <= s * (1.0 + 1e-5) + 1e-37,
                    "Dense power bound {lb:e} > σ ≈ {s:e}"
                );
            }
            if x.iter().all(|v| v.is_finite()) {
                let mut y = [0.0f32; 2];
                if layer.forward(&x, &mut y).is_ok() {
                    for o in 0..2 {
                        let exact: f64 = (0..3)
                            .map(|i| f64::from(dw[o][i]) * f64::from(x[i]))
                            .sum::<f64>()
                            + f64::from(db[o]);
                        let mag: f64 = (0..3)
                            .map(|i| (f64::from(dw[o][i]) * f64::from(x[i])).abs())
                            .sum::<f64>()
                            + f64::from(db[o]).abs();
                        let gamma = 3.0 * 2f64.powi(-24) / (1.0 - 3.0 * 2f64.powi(-24));
                        if mag < 1e38 {
                            assert!(
                                (f64::from(y[o]) - exact).abs() <= gamma * mag + 1e-44,
                                "Dense forward y[{o}] = {} vs {exact}",
                                y[o]
                            );
                        }
                    }
                }
            }
        }
        Err(e) => assert_eq!(e, Error::NonFinite, "Dense::new refused finite parameters"),
    }

    // Activations: permutations within groups, sorted decreasingly; relu; householder keeps norms.
    let mut a: Vec<f32> = inp.v.iter().copied().take(64).collect();
    let orig = a.clone();
    let g = usize::from(inp.group % 9);
    match groupsort(&mut a, g) {
        Ok(()) => {
            assert!(g > 0 && orig.len() % g == 0);
            for (ga, go) in a.chunks(g).zip(orig.chunks(g)) {
                assert!(
                    ga.windows(2).all(|p| p[0] >= p[1]),
                    "groupsort: not decreasing {ga:?}"
                );
                let mut s1 = go.to_vec();
                s1.sort_by(|x, y| y.total_cmp(x));
                assert_eq!(
                    bits(&s1),
                    bits(ga),
                    "groupsort: not a permutation of {go:?}"
                );
            }
        }
        Err(e) => {
            assert_eq!(bits(&a), bits(&orig), "groupsort changed x on error");
            assert!(matches!(e, Error::BadRowLength | Error::NonFinite));
        }
    }
    let mut m = orig.clone();
    if maxmin(&mut m).is_ok() {
        let mut gs = orig.clone();
        groupsort(&mut gs, 2).unwrap();
        assert_eq!(bits(&m), bits(&gs), "maxmin vs groupsort(2)");
    }
    let mut rl = orig.clone();
    if relu(&mut rl).is_ok() {
        for (r, o) in rl.iter().zip(&orig) {
            assert_eq!(*r, o.max(0.0), "relu");
        }
    }
    if (1..=8).contains(&cols) && orig.len() >= cols {
        let hv: Vec<f32> = {
            let raw = &orig[..cols];
            let n = raw
                .iter()
                .map(|&x| f64::from(x).powi(2))
                .sum::<f64>()
                .sqrt();
            raw.iter().map(|&x| (f64::from(x) / n) as f32).collect()
        };
        let mut z: Vec<f32> = orig
            .iter()
            .copied()
            .take(orig.len() / cols * cols)
            .collect();
        let z0 = z.clone();
        if householder(&mut z, &hv).is_ok() {
            for (zo, zi) in z.chunks(cols).zip(z0.chunks(cols)) {
                let n0 = zi.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
                let n1 = zo.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
                if n0 < 1e30 {
                    assert!(
                        (n1 - n0).abs() <= 1e-4 * n0 + 1e-30,
                        "householder changed the norm: {n0} → {n1}"
                    );
                }
            }
        }
    }
});

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|f| f.to_bits()).collect()
}
