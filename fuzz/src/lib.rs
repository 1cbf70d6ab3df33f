//! Shared helpers of the fuzz targets: f64 references and the contract checks they share.
//!
//! Every check panics with a message naming the contract (a panic is what libFuzzer reports
//! as a crash and saves under `fuzz/artifacts/<target>/`).

/// 2^−148: the absolute error allowed on softmax outputs below 2^−126.
pub const TINY: f64 = 3.503_246_160_812_043e-45;

/// f64 softmax of finite (or −∞) inputs with at least one finite or +∞ entry, by the
/// max-shifted formula; `None` when the row is all −∞ or has +∞ (handled by the callers).
pub fn softmax_f64(x: &[f32]) -> Option<Vec<f64>> {
    if x.iter().any(|v| v.is_nan() || *v == f32::INFINITY) {
        return None;
    }
    let m = x
        .iter()
        .fold(f64::NEG_INFINITY, |m, &v| m.max(f64::from(v)));
    if m == f64::NEG_INFINITY {
        return None;
    }
    let e: Vec<f64> = x.iter().map(|&v| (f64::from(v) - m).exp()).collect();
    let s: f64 = e.iter().sum();
    Some(e.iter().map(|v| v / s).collect())
}

/// ln Σ e^(x_i) in f64 (finite or −∞ inputs, not all −∞) as (m, ln Σ e^(x_i − m)) with m the
/// maximum, so that x_i − ln Σ e^x = (x_i − m) − ln_s keeps its small part when m is huge.
pub fn lse_parts(x: &[f32]) -> (f64, f64) {
    let m = x
        .iter()
        .fold(f64::NEG_INFINITY, |m, &v| m.max(f64::from(v)));
    (
        m,
        x.iter()
            .map(|&v| (f64::from(v) - m).exp())
            .sum::<f64>()
            .ln(),
    )
}

/// ln Σ e^(x_i) in f64.
pub fn lse_f64(x: &[f32]) -> f64 {
    let (m, l) = lse_parts(x);
    m + l
}

/// The softmax contract of `three_pass`, `anchored`, `nofpu::softmax` and their callers:
/// outputs ≥ 2^−126 within 5e−7 relative of the f64 softmax, smaller ones within 2^−148
/// absolute; Σ y = 1 within N·2^−24 (+ the rounding of the f64 sum).
pub fn check_softmax(name: &str, x: &[f32], y: &[f32]) {
    let Some(want) = softmax_f64(x) else { return };
    for (i, (&yi, &wi)) in y.iter().zip(&want).enumerate() {
        let err = (f64::from(yi) - wi).abs();
        assert!(
            err <= 5e-7 * wi + TINY,
            "{name}: y[{i}] = {yi:e}, f64 {wi:e}, error {err:e} (x = {x:?})"
        );
    }
    let sum: f64 = y.iter().map(|&v| f64::from(v)).sum();
    let n = y.len() as f64;
    assert!(
        (sum - 1.0).abs() <= n * 2f64.powi(-24) + 1e-12,
        "{name}: sum {sum} (N = {n}, x = {x:?})"
    );
}

/// Largest singular value of a row-major `rows × cols` matrix by 200 power-iteration steps on
/// WᵀW in f64 (a lower bound that is tight to ~1e−9 for the small matrices fuzzed, except
/// when the top two singular values nearly coincide; callers compare with a relative slack).
pub fn spectral_norm_f64(w: &[f32], rows: usize, cols: usize) -> f64 {
    if rows == 0 || cols == 0 {
        return 0.0;
    }
    let mut v: Vec<f64> = (0..cols).map(|j| 1.0 + 0.1 * j as f64).collect();
    let mut sigma = 0.0;
    for _ in 0..200 {
        let u: Vec<f64> = (0..rows)
            .map(|i| (0..cols).map(|j| f64::from(w[i * cols + j]) * v[j]).sum())
            .collect();
        let mut z: Vec<f64> = (0..cols)
            .map(|j| (0..rows).map(|i| f64::from(w[i * cols + j]) * u[i]).sum())
            .collect();
        let nz = z.iter().map(|a| a * a).sum::<f64>().sqrt();
        if nz == 0.0 || !nz.is_finite() {
            break;
        }
        z.iter_mut().for_each(|a| *a /= nz);
        v = z;
        let wv: f64 = (0..rows)
            .map(|i| {
                let s: f64 = (0..cols).map(|j| f64::from(w[i * cols + j]) * v[j]).sum();
                s * s
            })
            .sum();
        sigma = wv.sqrt();
    }
    // The Frobenius norm bounds σ above; power iteration from a fixed start may miss a
    // singular vector orthogonal to it, so take the max with the largest row and column norm
    // (both ≤ σ).
    let row_max = (0..rows)
        .map(|i| {
            (0..cols)
                .map(|j| f64::from(w[i * cols + j]).powi(2))
                .sum::<f64>()
                .sqrt()
        })
        .fold(0.0, f64::max);
    let col_max = (0..cols)
        .map(|j| {
            (0..rows)
                .map(|i| f64::from(w[i * cols + j]).powi(2))
                .sum::<f64>()
                .sqrt()
        })
        .fold(0.0, f64::max);
    sigma.max(row_max).max(col_max)
}

/// A slice kernel called with an output `delta` elements longer or shorter than its input
/// (clamped to `0..=cap`) refuses it with `LengthMismatch` and nothing else.
pub fn check_length_refused<T: core::fmt::Debug + PartialEq>(
    name: &str,
    x: &[f32],
    delta: i8,
    cap: usize,
    f: impl Fn(&[f32], &mut [f32]) -> Result<T, mcu_kernels::Error>,
) {
    let n = x.len();
    let m = (n as i64 + i64::from(delta)).clamp(0, cap as i64) as usize;
    if m != n {
        let mut z = vec![0.0f32; m];
        assert_eq!(
            f(x, &mut z),
            Err(mcu_kernels::Error::LengthMismatch {
                expected: n,
                actual: m
            }),
            "{name}: output length {m} for input {n}"
        );
    }
}

/// The host's file parsers, compiled from `host/src/io.rs` itself: the `host` crate links
/// Clarabel and a system BLAS, which the coverage-instrumented build would have to compile
/// and link for nothing (the parsers use only `std`).
#[path = "../../host/src/io.rs"]
#[allow(dead_code, clippy::all)]
pub mod host_io;
