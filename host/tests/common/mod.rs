//! Seeded problem generators shared by the solver tests.
#![allow(dead_code)]

use host::solvers::ot::Problem;

/// SplitMix64: small, seeded, reproducible.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-300);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// Two 2-D Gaussian clouds (the second shifted by (4, 4)), squared Euclidean cost.
pub fn gaussian_clouds(m: usize, n: usize, seed: u64) -> (Vec<f64>, Vec<[f64; 2]>, Vec<[f64; 2]>) {
    let mut rng = Rng(seed);
    let xs: Vec<[f64; 2]> = (0..m).map(|_| [rng.normal(), rng.normal()]).collect();
    let ys: Vec<[f64; 2]> = (0..n)
        .map(|_| [4.0 + rng.normal(), 4.0 + rng.normal()])
        .collect();
    let mut c = Vec::with_capacity(m * n);
    for x in &xs {
        for y in &ys {
            c.push((x[0] - y[0]).powi(2) + (x[1] - y[1]).powi(2));
        }
    }
    (c, xs, ys)
}

/// Uniform-marginal Gaussian-cloud problem.
pub fn uniform_problem(m: usize, n: usize, seed: u64) -> Problem {
    let (c, _, _) = gaussian_clouds(m, n, seed);
    Problem::new(m, n, c, vec![1.0 / m as f64; m], vec![1.0 / n as f64; n]).expect("valid")
}

/// Random-marginal Gaussian-cloud problem (masses in [0.5, 1.5), normalised).
pub fn random_problem(m: usize, n: usize, seed: u64) -> Problem {
    let (c, _, _) = gaussian_clouds(m, n, seed);
    let mut rng = Rng(seed ^ 0xABCD);
    let mut a: Vec<f64> = (0..m).map(|_| 0.5 + rng.uniform()).collect();
    let mut b: Vec<f64> = (0..n).map(|_| 0.5 + rng.uniform()).collect();
    let (sa, sb) = (a.iter().sum::<f64>(), b.iter().sum::<f64>());
    a.iter_mut().for_each(|v| *v /= sa);
    b.iter_mut().for_each(|v| *v /= sb);
    // Make the totals agree to the last bit.
    let sa: f64 = a.iter().sum();
    let sb: f64 = b.iter().sum();
    if let Some(last) = b.last_mut() {
        *last += sa - sb;
    }
    Problem::new(m, n, c, a, b).expect("valid")
}
