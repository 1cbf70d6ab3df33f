//! f64 reference implementations, written for clarity rather than speed.

/// Softmax in f64 of f32 inputs: exact to f64 rounding. `None` for empty input, NaN, or all −∞.
pub fn softmax(x: &[f32]) -> Option<Vec<f64>> {
    if x.is_empty() || x.iter().any(|v| v.is_nan()) {
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
    Some(e.into_iter().map(|v| v / s).collect())
}
