//! f64 reference for the Z-loss and its gradient (two-pass moments in f64).

/// (L, ∂L/∂o) in f64 for f32 outputs. `None` for empty input, non-finite values, bad
/// target or a ≤ 0.
pub fn zloss(o: &[f32], target: usize, a: f64, b: f64) -> Option<(f64, Vec<f64>)> {
    if o.is_empty() || target >= o.len() || a <= 0.0 || o.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let d = o.len() as f64;
    let x: Vec<f64> = o.iter().map(|&v| f64::from(v)).collect();
    // Scale by the largest magnitude so that squares of 3e38 stay finite and accurate.
    let mu = x.iter().sum::<f64>() / d;
    let var = x.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / d;
    // Refine the mean once (two-pass correction) for offsets much larger than σ.
    let corr = x.iter().map(|v| v - mu).sum::<f64>() / d;
    let mu = mu + corr;
    let var = (var - corr * corr).max(0.0);
    let sigma = var.sqrt();
    let softplus = |u: f64| {
        if u > 0.0 {
            u + (-u).exp().ln_1p()
        } else {
            u.exp().ln_1p()
        }
    };
    if sigma == 0.0 || x.iter().all(|&v| v == x[0]) {
        return Some((softplus(a * b) / a, vec![0.0; o.len()]));
    }
    let z: Vec<f64> = x.iter().map(|v| (v - mu) / sigma).collect();
    let zc = z[target];
    let u = a * (b - zc);
    let loss = softplus(u) / a;
    let sig = 1.0 / (1.0 + (-u).exp());
    let grad = z
        .iter()
        .enumerate()
        .map(|(k, &zk)| {
            let delta = if k == target { 1.0 } else { 0.0 };
            -sig * ((delta - 1.0 / d) - zc * zk / d) / sigma
        })
        .collect();
    Some((loss, grad))
}
