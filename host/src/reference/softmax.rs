//! f64 references for `mcu_kernels::softmax`: softmax, logsumexp, log-softmax, StableMax; the
//! quantized kernels' references in [`quant`]. Written for clarity rather than speed.

pub mod quant;

/// Max of the f64 values of `x`; `None` for empty input, NaN, or all −∞.
fn max(x: &[f32]) -> Option<f64> {
    if x.is_empty() || x.iter().any(|v| v.is_nan()) {
        return None;
    }
    let m = x
        .iter()
        .fold(f64::NEG_INFINITY, |m, &v| m.max(f64::from(v)));
    (m != f64::NEG_INFINITY).then_some(m)
}

/// Softmax in f64 of f32 inputs: exact to f64 rounding. `None` for empty input, NaN, or all −∞.
/// With +∞ inputs, each +∞ gets 1/(their count) and the rest 0 (the limit of the formula).
pub fn softmax(x: &[f32]) -> Option<Vec<f64>> {
    let m = max(x)?;
    if m == f64::INFINITY {
        let k = x.iter().filter(|&&v| v == f32::INFINITY).count() as f64;
        return Some(
            x.iter()
                .map(|&v| if v == f32::INFINITY { 1.0 / k } else { 0.0 })
                .collect(),
        );
    }
    let e: Vec<f64> = x.iter().map(|&v| (f64::from(v) - m).exp()).collect();
    let s: f64 = e.iter().sum();
    Some(e.into_iter().map(|v| v / s).collect())
}

/// ln Σ e^(x_i) in f64. `None` as for [`softmax`]; +∞ if an input is +∞.
pub fn logsumexp(x: &[f32]) -> Option<f64> {
    let m = max(x)?;
    if m == f64::INFINITY {
        return Some(m);
    }
    Some(
        m + x
            .iter()
            .map(|&v| (f64::from(v) - m).exp())
            .sum::<f64>()
            .ln(),
    )
}

/// Log-softmax x_i − ln Σ e^(x_j) in f64 (finite maximum only; `None` otherwise).
pub fn log_softmax(x: &[f32]) -> Option<Vec<f64>> {
    let l = logsumexp(x)?;
    l.is_finite()
        .then(|| x.iter().map(|&v| f64::from(v) - l).collect())
}

/// StableMax in f64: s(x) = x + 1 (x ≥ 0), 1/(1 − x) (x < 0); y = s / Σ s.
/// `None` for empty input, NaN, all −∞ or +∞ inputs.
pub fn stablemax(x: &[f32]) -> Option<Vec<f64>> {
    let m = max(x)?;
    if m == f64::INFINITY {
        return None;
    }
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
    let t: f64 = s.iter().sum();
    Some(s.into_iter().map(|v| v / t).collect())
}
