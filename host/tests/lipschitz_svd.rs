//! `mcu_kernels::lipschitz` against an f64 SVD (nalgebra): the certified upper bound is ≥ σ_max
//! on every matrix and within the documented tightness; the power-iteration lower bound is
//! ≤ σ_max; Dense forward error; the Mish slope constant.

use host::reference::lipschitz::sigma_max;
use mcu_kernels::lipschitz::{
    gram_scratch_len, power_iteration, spectral_norm_upper_bound, Dense, GRAM_ITERS, MISH_LIPSCHITZ,
};
use nalgebra::DMatrix;
use testvectors::Rng;

fn gauss(rng: &mut Rng) -> f64 {
    // Box–Muller.
    let u1 = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 + 1e-300;
    let u2 = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn orthogonal(rng: &mut Rng, n: usize) -> DMatrix<f64> {
    let g = DMatrix::from_fn(n, n, |_, _| gauss(rng));
    g.qr().q()
}

/// A matrix with the given singular values (random orthogonal factors), rounded to f32.
fn with_singular_values(rng: &mut Rng, rows: usize, cols: usize, s: &[f64]) -> Vec<f32> {
    let u = orthogonal(rng, rows);
    let v = orthogonal(rng, cols);
    let mut d = DMatrix::<f64>::zeros(rows, cols);
    for (i, &x) in s.iter().enumerate() {
        d[(i, i)] = x;
    }
    let m = u * d * v.transpose();
    let mut out = Vec::with_capacity(rows * cols);
    for r in 0..rows {
        for c in 0..cols {
            out.push(m[(r, c)] as f32);
        }
    }
    out
}

#[derive(Default)]
struct Stats {
    count: usize,
    max_ratio: f64,
    sum_ratio: f64,
}

impl Stats {
    fn add(&mut self, r: f64) {
        self.count += 1;
        self.max_ratio = self.max_ratio.max(r);
        self.sum_ratio += r;
    }
}

#[test]
fn certified_bound_against_svd_on_10000_matrices() {
    let mut rng = Rng::new(0x11b5_c417);
    let mut kinds: Vec<(&str, Stats)> = [
        "gaussian",
        "rank-1",
        "zero",
        "ill-conditioned",
        "near-degenerate",
        "equal singular values",
        "extreme scale",
        "sparse",
    ]
    .iter()
    .map(|k| (*k, Stats::default()))
    .collect();
    let mut worst_lower = 0.0f64;
    let mut scratch = vec![0.0f32; 2 * 32 * 32];
    let total = 10_400;
    for i in 0..total {
        let kind = i % kinds.len();
        let rows = 1 + rng.below(32) as usize;
        let cols = 1 + rng.below(32) as usize;
        let d = rows.min(cols);
        let w: Vec<f32> = match kind {
            0 => (0..rows * cols).map(|_| gauss(&mut rng) as f32).collect(),
            1 => {
                let a: Vec<f64> = (0..rows).map(|_| gauss(&mut rng)).collect();
                let b: Vec<f64> = (0..cols).map(|_| gauss(&mut rng)).collect();
                (0..rows * cols)
                    .map(|k| (a[k / cols] * b[k % cols]) as f32)
                    .collect()
            }
            2 => vec![0.0; rows * cols],
            3 => {
                let s: Vec<f64> = (0..d)
                    .map(|k| 10f64.powf(-8.0 * k as f64 / d as f64))
                    .collect();
                with_singular_values(&mut rng, rows, cols, &s)
            }
            4 => {
                let s: Vec<f64> = (0..d).map(|k| 1.0 - 1e-6 * k as f64).collect();
                with_singular_values(&mut rng, rows, cols, &s)
            }
            5 => with_singular_values(&mut rng, rows, cols, &vec![2.5; d]),
            6 => {
                let e = [-120, -60, -30, 30, 60, 100][rng.below(6) as usize];
                (0..rows * cols)
                    .map(|_| (gauss(&mut rng) * 2f64.powi(e)) as f32)
                    .collect()
            }
            _ => (0..rows * cols)
                .map(|_| {
                    if rng.below(10) == 0 {
                        gauss(&mut rng) as f32
                    } else {
                        0.0
                    }
                })
                .collect(),
        };
        let w64: Vec<f64> = w.iter().map(|&x| x as f64).collect();
        let sigma = sigma_max(rows, cols, &w64);
        let ub = spectral_norm_upper_bound(
            &w,
            rows,
            cols,
            GRAM_ITERS,
            &mut scratch[..gram_scratch_len(rows, cols)],
        )
        .unwrap() as f64;
        assert!(ub >= sigma, "{i} kind {kind}: bound {ub} < sigma {sigma}");
        let (mut v, mut u) = (vec![1.0f32; cols], vec![0.0f32; rows]);
        let lb = power_iteration(&w, rows, cols, &mut v, &mut u, 30).unwrap() as f64;
        assert!(
            lb <= sigma * (1.0 + 1e-13),
            "{i} kind {kind}: lower {lb} > sigma {sigma}"
        );
        if sigma > 0.0 {
            let r = ub / sigma - 1.0;
            // rank^(1/2^(GRAM_ITERS + 2)) ≤ 32^(1/1024) plus rounding.
            assert!(r <= 0.0034 + 1e-4, "{i} kind {kind}: ratio {r}");
            kinds[kind].1.add(r);
            worst_lower = worst_lower.max(1.0 - lb / sigma);
        } else {
            assert_eq!(ub, 0.0);
            assert_eq!(lb, 0.0);
            kinds[kind].1.add(0.0);
        }
    }
    for (k, s) in &kinds {
        println!(
            "{k:>22}: {} matrices, bound/sigma - 1: max {:.3e}, mean {:.3e}",
            s.count,
            s.max_ratio,
            s.sum_ratio / s.count as f64
        );
    }
    println!("power iteration (30 steps): worst 1 - lower/sigma = {worst_lower:.3e}");
    assert!(kinds.iter().map(|k| k.1.count).sum::<usize>() >= 10_000);
}

#[test]
fn tightness_by_gram_iterations() {
    // Gaussian 16×16, the bench's shape: how many iterations reach 1 %.
    let mut rng = Rng::new(7);
    let mut scratch = vec![0.0f32; 2 * 16 * 16];
    for iters in [0u32, 2, 4, 6, 8] {
        let mut worst = 0.0f64;
        for _ in 0..200 {
            let w: Vec<f32> = (0..256).map(|_| gauss(&mut rng) as f32).collect();
            let w64: Vec<f64> = w.iter().map(|&x| x as f64).collect();
            let s = sigma_max(16, 16, &w64);
            let b = spectral_norm_upper_bound(&w, 16, 16, iters, &mut scratch).unwrap() as f64;
            assert!(b >= s);
            worst = worst.max(b / s - 1.0);
        }
        println!("16x16 gaussian, iters = {iters}: max bound/sigma - 1 = {worst:.3e}");
        if iters >= 6 {
            assert!(worst < 0.01);
        }
    }
}

#[test]
fn dense_forward_error_vs_f64() {
    let mut rng = Rng::new(99);
    let mut worst = 0.0f64;
    for _ in 0..2000 {
        let mut w = [[0.0f32; 16]; 16];
        for row in &mut w {
            rng.fill_uniform(row, -1.0, 1.0);
        }
        let mut b = [0.0f32; 16];
        rng.fill_uniform(&mut b, -1.0, 1.0);
        let mut x = [0.0f32; 16];
        rng.fill_uniform(&mut x, -4.0, 4.0);
        let d = Dense::new(w, b).unwrap();
        let mut y = [0.0f32; 16];
        d.forward(&x, &mut y).unwrap();
        for o in 0..16 {
            let exact: f64 =
                (0..16).map(|i| w[o][i] as f64 * x[i] as f64).sum::<f64>() + b[o] as f64;
            let scale: f64 = (0..16)
                .map(|i| (w[o][i] as f64 * x[i] as f64).abs())
                .sum::<f64>()
                + b[o].abs() as f64;
            worst = worst.max((y[o] as f64 - exact).abs() / scale);
        }
    }
    println!("Dense<16,16> forward: max |error| / (sum|w x| + |b|) = {worst:.3e}");
    // γ_17 = 17·2^−24.
    assert!(worst <= 17.0 / 16_777_216.0);
}

#[test]
fn mish_slope_constant_is_an_upper_bound() {
    let dmish = |x: f64| {
        let sp = (1.0 + x.exp()).ln();
        let t = sp.tanh();
        let sig = 1.0 / (1.0 + (-x).exp());
        t + x * (1.0 - t * t) * sig
    };
    let mut mx = 0.0f64;
    for i in 0..=2_000_000 {
        let x = -20.0 + 40.0 * i as f64 / 2_000_000.0;
        mx = mx.max(dmish(x));
    }
    println!("max mish' = {mx:.7}");
    assert!(mx < MISH_LIPSCHITZ as f64 - 5e-5 && mx > 1.088);
}

/// Issue #29, row 2: at `iters` = `MAX_GRAM_ITERS` the last product's power of two was not
/// recorded (the exponent array was one entry short) and the "certified" bound fell below
/// σ_max on this matrix (1.3270745 < 1.32708124).
#[test]
fn regression_bound_at_max_gram_iters() {
    use mcu_kernels::lipschitz::MAX_GRAM_ITERS;
    let w = [
        0.446_919_6f32,
        -0.077_278_23,
        0.843_296_4,
        -0.355_881_15,
        -0.842_735_23,
        -0.655_210_7,
    ];
    let w64: Vec<f64> = w.iter().map(|&x| x as f64).collect();
    let s = sigma_max(2, 3, &w64);
    let mut scratch = vec![0.0f32; gram_scratch_len(2, 3)];
    for iters in 0..=MAX_GRAM_ITERS {
        let b = spectral_norm_upper_bound(&w, 2, 3, iters, &mut scratch).unwrap() as f64;
        assert!(b >= s, "iters = {iters}: bound {b} < sigma_max {s}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]

    /// The bound is ≥ the f64 SVD's σ_max for every shape (up to 64 per side, and the long
    /// thin shapes up to `MAX_DIM`) and every accepted `iters`.
    #[test]
    fn bound_at_every_iters_and_shape(
        rows in 1usize..=64,
        cols in 1usize..=64,
        thin in proptest::prelude::any::<bool>(),
        iters in 0u32..=mcu_kernels::lipschitz::MAX_GRAM_ITERS,
        seed in proptest::prelude::any::<u64>(),
        scale_exp in -60i32..60,
    ) {
        use mcu_kernels::lipschitz::{MAX_DIM, MAX_ELEMS};
        // Thin: one side at MAX_DIM, the other so that rows·cols ≤ MAX_ELEMS.
        let (rows, cols) = if thin {
            (MAX_DIM, (cols % (MAX_ELEMS / MAX_DIM)).max(1))
        } else {
            (rows, cols)
        };
        let mut rng = Rng::new(seed);
        let scale = 2f64.powi(scale_exp);
        let w: Vec<f32> = (0..rows * cols).map(|_| (gauss(&mut rng) * scale) as f32).collect();
        let w64: Vec<f64> = w.iter().map(|&x| x as f64).collect();
        let s = sigma_max(rows, cols, &w64);
        let mut scratch = vec![0.0f32; gram_scratch_len(rows, cols)];
        let b = spectral_norm_upper_bound(&w, rows, cols, iters, &mut scratch).unwrap() as f64;
        proptest::prop_assert!(b >= s, "{rows}x{cols}, iters {iters}: bound {b} < {s}");
    }
}
