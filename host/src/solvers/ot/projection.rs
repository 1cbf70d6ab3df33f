//! f64 projections onto the simplex and the k-sparse simplex, used by the host solvers.
//!
//! The solvers need marginal residuals ≤ 1e−6 on costs of order 10–100. The f32 kernel
//! `mcu_kernels::sparsemax::project_topk_simplex` rounds its *input* z = x/(b_j·γ) to f32 first,
//! an absolute error of |z|·2^−24 (≈ 6e−6 for |z| = 100) that goes straight into the plan,
//! so the solvers use this f64 projection with the same rule and the same tie-breaking; the
//! f32 kernel is differential-tested against it (`host/tests/ot_projection.rs`).

/// Euclidean projection onto the k-sparse simplex {p ≥ 0, Σp = 1, ‖p‖₀ ≤ k}, sparse form.
///
/// **Rule** (Kyrillidis et al. 2013, as the kernel): keep the k largest z_i (ties towards the
/// lowest indices), sort them descending v₁ ≥ … ≥ v_k, k* = max{j : 1 + j·v_j > Σ_{i≤j} v_i},
/// τ = (Σ_{i≤k*} v_i − 1)/k*, p_i = max(v_i − τ, 0) on the kept set.
///
/// `idx`/`val` receive the kept indices and their masses (zeros included, length min(k, n)).
/// `scratch` is reused between calls. `z` must be non-empty and finite (callers check).
pub fn topk_simplex_sparse(
    z: &[f64],
    k: usize,
    idx: &mut Vec<u32>,
    val: &mut Vec<f64>,
    scratch: &mut Vec<(f64, u32)>,
) {
    let n = z.len();
    let k = k.clamp(1, n.max(1));
    idx.clear();
    val.clear();
    if n == 0 {
        return;
    }
    top_k_desc(z, k, scratch);
    let tau = sorted_threshold(scratch.iter().map(|&(v, _)| v));
    for &(v, i) in scratch.iter() {
        idx.push(i);
        val.push((v - tau).max(0.0));
    }
}

/// The sparsemax threshold τ of values given in descending order.
fn sorted_threshold(sorted_desc: impl Iterator<Item = f64>) -> f64 {
    let mut cum = 0.0;
    let mut best_sum = 0.0;
    let mut best_k = 1.0;
    let mut j = 0.0;
    for y in sorted_desc {
        j += 1.0;
        cum += y;
        if 1.0 + j * y > cum {
            best_sum = cum;
            best_k = j;
        } else {
            break;
        }
    }
    (best_sum - 1.0) / best_k
}

/// Dense k-sparse simplex projection of `z` (see [`topk_simplex_sparse`]).
pub fn topk_simplex(z: &[f64], k: usize) -> Vec<f64> {
    let mut out = vec![0.0; z.len()];
    let (mut idx, mut val, mut scratch) = (Vec::new(), Vec::new(), Vec::new());
    topk_simplex_sparse(z, k, &mut idx, &mut val, &mut scratch);
    for (&i, &v) in idx.iter().zip(&val) {
        if let Some(o) = out.get_mut(i as usize) {
            *o = v;
        }
    }
    out
}

/// Euclidean projection onto the simplex {p ≥ 0, Σp = s} (s > 0), in place: sort-based,
/// p_i = max(z_i − τ, 0) with τ from the sorted rule scaled by s.
pub fn project_simplex_in_place(z: &mut [f64], s: f64, scratch: &mut Vec<f64>) {
    scratch.clear();
    scratch.extend(z.iter().map(|&v| v / s));
    scratch.sort_unstable_by(|a, b| b.total_cmp(a));
    let tau = sorted_threshold(scratch.iter().copied()) * s;
    for v in z.iter_mut() {
        *v = (*v - tau).max(0.0);
    }
}

/// The k largest entries of `z` as (value, index), descending, ties towards lower indices,
/// written into `out` (k clamped to 1..=n). O(n·k) insertion for k ≤ 32, else O(n + k log k)
/// selection.
pub fn top_k_desc(z: &[f64], k: usize, scratch: &mut Vec<(f64, u32)>) {
    top_k_desc_with(
        z.len(),
        k,
        |i| z.get(i).copied().unwrap_or(f64::NEG_INFINITY),
        scratch,
    );
}

/// [`top_k_desc`] of the values `value(0..n)`, computed on the fly (no buffer for k ≤ 32).
/// The hot loop for small k is one comparison against the current k-th largest value.
pub fn top_k_desc_with(
    n: usize,
    k: usize,
    value: impl Fn(usize) -> f64,
    scratch: &mut Vec<(f64, u32)>,
) {
    let k = k.clamp(1, n.max(1));
    scratch.clear();
    if n == 0 {
        return;
    }
    if k <= 32 {
        // Fill with the first k (sorted descending, stable on ties), then replace.
        for i in 0..k {
            let v = value(i);
            let pos = scratch
                .iter()
                .position(|&(w, _)| v > w)
                .unwrap_or(scratch.len());
            scratch.insert(pos, (v, i as u32));
        }
        let mut thr = scratch.last().map_or(f64::NEG_INFINITY, |&(w, _)| w);
        for i in k..n {
            let v = value(i);
            if v > thr {
                let pos = scratch.iter().position(|&(w, _)| v > w).unwrap_or(k - 1);
                scratch.pop();
                scratch.insert(pos, (v, i as u32));
                thr = scratch.last().map_or(f64::NEG_INFINITY, |&(w, _)| w);
            }
        }
    } else {
        scratch.extend((0..n).map(|i| (value(i), i as u32)));
        // Descending by value, ascending by index on ties.
        let cmp = |a: &(f64, u32), b: &(f64, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if k < n {
            scratch.select_nth_unstable_by(k - 1, cmp);
            scratch.truncate(k);
        }
        scratch.sort_unstable_by(cmp);
    }
}

/// The k-sparse simplex projection of z = scale·x from the k largest x (descending, as
/// [`top_k_desc`] leaves them; `scale` > 0): kept indices and masses into `idx`/`val`.
pub fn simplex_from_top_k(top: &[(f64, u32)], scale: f64, idx: &mut Vec<u32>, val: &mut Vec<f64>) {
    idx.clear();
    val.clear();
    let tau = sorted_threshold(top.iter().map(|&(v, _)| v * scale));
    for &(v, i) in top {
        idx.push(i);
        val.push((v * scale - tau).max(0.0));
    }
}
