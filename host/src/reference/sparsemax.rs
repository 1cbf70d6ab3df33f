//! f64 references for the sparse maps: sparsemax, its loss, top-k simplex projection,
//! entmax-1.5, and an exact rational reference for the fixed-point sparsemax.

/// Sparsemax in f64 of f32 inputs by the sort-based rule. Returns (p, τ, support size);
/// τ is in the inputs' coordinates (rounded to f64, so use it for display only).
/// `None` for empty input, NaN, all −∞, or +∞ present.
pub fn sparsemax(z: &[f32]) -> Option<(Vec<f64>, f64, usize)> {
    if z.is_empty() || z.iter().any(|v| v.is_nan() || *v == f32::INFINITY) {
        return None;
    }
    if z.iter().all(|&v| v == f32::NEG_INFINITY) {
        return None;
    }
    // Shift by the maximum (exact in f64 for every value that can reach the support), so
    // that huge logits do not lose the O(1) differences that matter.
    let m = f64::from(z.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b)));
    let mut s: Vec<f64> = z.iter().map(|&v| f64::from(v) - m).collect();
    s.sort_by(|a, b| b.total_cmp(a));
    let mut cum = 0.0;
    let mut k = 0usize;
    let mut best_sum = 0.0;
    for (j, &v) in s.iter().enumerate() {
        cum += v;
        if 1.0 + (j + 1) as f64 * v > cum {
            k = j + 1;
            best_sum = cum;
        } else {
            break;
        }
    }
    let tau = (best_sum - 1.0) / k as f64;
    let p: Vec<f64> = z
        .iter()
        .map(|&v| ((f64::from(v) - m) - tau).max(0.0))
        .collect();
    let support = p.iter().filter(|&&x| x > 0.0).count();
    Some((p, tau + m, support))
}

/// Sparsemax loss in f64: −z_y + ½Σ_S(z_j² − τ²) + ½, evaluated as ½Σ_S(z_j − τ)(z_j + τ).
pub fn sparsemax_loss(z: &[f32], target: usize) -> Option<f64> {
    // Shift invariant: evaluate with y = z − max, τ' = τ − max (both exact in f64).
    let (p, _, _) = sparsemax(z)?;
    let m = f64::from(z.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b)));
    let yt = f64::from(*z.get(target)?) - m;
    // τ' from the support: p_i = y_i − τ'.
    let (mut sy, mut k) = (0.0, 0.0);
    for (&v, &pi) in z.iter().zip(&p) {
        if pi > 0.0 {
            sy += f64::from(v) - m;
            k += 1.0;
        }
    }
    let tau = (sy - 1.0) / k;
    let mut acc = 0.0;
    for (&v, &pi) in z.iter().zip(&p) {
        if pi > 0.0 {
            let y = f64::from(v) - m;
            acc += (y - tau) * (y + tau);
        }
    }
    Some(0.5 * acc - yt + 0.5)
}

/// Projection onto the k-sparse simplex in f64 (k largest, ties to lower indices).
pub fn project_topk(z: &[f32], k: usize) -> Option<Vec<f64>> {
    if k == 0 || z.is_empty() || z.iter().any(|v| v.is_nan() || *v == f32::INFINITY) {
        return None;
    }
    let mut idx: Vec<usize> = (0..z.len()).collect();
    idx.sort_by(|&a, &b| z[b].total_cmp(&z[a]).then(a.cmp(&b)));
    idx.truncate(k.min(z.len()));
    let kept: Vec<f32> = idx.iter().map(|&i| z[i]).collect();
    let (pk, _, _) = sparsemax(&kept)?;
    let mut out = vec![0.0; z.len()];
    for (&i, &v) in idx.iter().zip(&pk) {
        out[i] = v;
    }
    Some(out)
}

/// entmax-1.5 in f64 by bisection on τ (52 halvings) followed by the closed form on the
/// found support. `None` as for [`sparsemax`].
pub fn entmax15(z: &[f32]) -> Option<Vec<f64>> {
    if z.is_empty() || z.iter().any(|v| v.is_nan() || *v == f32::INFINITY) {
        return None;
    }
    let m = z.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
    if m == f32::NEG_INFINITY {
        return None;
    }
    let x: Vec<f64> = z
        .iter()
        .map(|&v| (f64::from(v) - f64::from(m)) / 2.0)
        .collect();
    let xm = 0.0;
    let f = |t: f64| -> f64 { x.iter().map(|&v| (v - t).max(0.0).powi(2)).sum::<f64>() - 1.0 };
    let (mut lo, mut hi) = (xm - 1.0, xm);
    for _ in 0..52 {
        let mid = 0.5 * (lo + hi);
        if f(mid) >= 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    // Closed form on the support {x > lo}.
    let s: Vec<f64> = x.iter().copied().filter(|&v| v > lo).collect();
    let k = s.len() as f64;
    let s1: f64 = s.iter().sum();
    let s2: f64 = s.iter().map(|v| v * v).sum();
    let disc = (k - k * s2 + s1 * s1).max(0.0);
    let tau = (s1 - disc.sqrt()) / k;
    Some(x.iter().map(|&v| (v - tau).max(0.0).powi(2)).collect())
}

/// Exact fixed-point sparsemax: for logits q·2^−f, the exact probabilities times 32768 as
/// rationals (numerator, common denominator) using i128 arithmetic.
pub fn sparsemax_q15_exact(q: &[i32], frac_bits: u32) -> Option<(Vec<i128>, i128)> {
    if q.is_empty() {
        return None;
    }
    let one = 1i128 << frac_bits;
    let mut s: Vec<i128> = q.iter().map(|&v| i128::from(v)).collect();
    s.sort_by(|a, b| b.cmp(a));
    let (mut cum, mut k, mut best) = (0i128, 0i128, 0i128);
    for (j, &v) in s.iter().enumerate() {
        cum += v;
        let jj = j as i128 + 1;
        if one + jj * v > cum {
            k = jj;
            best = cum;
        } else {
            break;
        }
    }
    let den = k * one;
    let nums = q
        .iter()
        .map(|&v| (k * i128::from(v) - best + one).max(0) * 32768)
        .collect();
    Some((nums, den))
}
