//! Exact (unregularised) OT for uniform square problems: with a = b = 1/n the optimal plan
//! is a permutation (Birkhoff), so OT(C) = (1/n)·min_σ Σ_i C_{iσ(i)}, an assignment problem.
//!
//! **Algorithm:** the Hungarian method in its shortest-augmenting-path form with row and column
//! potentials u, v (Kuhn–Munkres; Jonker & Volgenant): n augmentations, each a Dijkstra-like
//! scan of reduced costs C_ij − u_i − v_j ≥ 0, O(n³) in all. Exact up to floating-point sums.

/// Minimum-cost assignment of an n×n row-major cost: returns (σ with σ(row) = column, Σ C_{iσ(i)}).
/// `None` if `cost.len() != n²`, n = 0 or a cost is not finite.
pub fn assignment(n: usize, cost: &[f64]) -> Option<(Vec<usize>, f64)> {
    if n == 0 || cost.len() != n.checked_mul(n)? || cost.iter().any(|c| !c.is_finite()) {
        return None;
    }
    let at = |i: usize, j: usize| cost.get(i * n + j).copied().unwrap_or(f64::INFINITY);
    // 1-based arrays with a sentinel column 0 (the classic e-maxx formulation).
    let mut u = vec![0.0f64; n + 1];
    let mut v = vec![0.0f64; n + 1];
    let mut p = vec![0usize; n + 1]; // p[j] = row matched to column j
    let mut way = vec![0usize; n + 1];
    for i in 1..=n {
        *p.get_mut(0)? = i;
        let mut j0 = 0usize;
        let mut minv = vec![f64::INFINITY; n + 1];
        let mut used = vec![false; n + 1];
        loop {
            *used.get_mut(j0)? = true;
            let i0 = *p.get(j0)?;
            let mut delta = f64::INFINITY;
            let mut j1 = 0usize;
            for j in 1..=n {
                if !*used.get(j)? {
                    let cur = at(i0 - 1, j - 1) - u.get(i0)? - v.get(j)?;
                    if cur < *minv.get(j)? {
                        *minv.get_mut(j)? = cur;
                        *way.get_mut(j)? = j0;
                    }
                    if *minv.get(j)? < delta {
                        delta = *minv.get(j)?;
                        j1 = j;
                    }
                }
            }
            for j in 0..=n {
                if *used.get(j)? {
                    let pj = *p.get(j)?;
                    *u.get_mut(pj)? += delta;
                    *v.get_mut(j)? -= delta;
                } else {
                    *minv.get_mut(j)? -= delta;
                }
            }
            j0 = j1;
            if *p.get(j0)? == 0 {
                break;
            }
        }
        loop {
            let j1 = *way.get(j0)?;
            *p.get_mut(j0)? = *p.get(j1)?;
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut sigma = vec![0usize; n];
    for j in 1..=n {
        let i = *p.get(j)?;
        *sigma.get_mut(i - 1)? = j - 1;
    }
    let total = sigma.iter().enumerate().map(|(i, &j)| at(i, j)).sum();
    Some((sigma, total))
}

/// Brute-force minimum over all n! permutations (n ≤ 9), for testing [`assignment`].
pub fn assignment_brute_force(n: usize, cost: &[f64]) -> Option<f64> {
    if n == 0 || n > 9 || cost.len() != n * n {
        return None;
    }
    let mut perm: Vec<usize> = (0..n).collect();
    let mut best = f64::INFINITY;
    // Heap's algorithm.
    let mut c = vec![0usize; n];
    let eval = |perm: &[usize]| -> f64 {
        perm.iter()
            .enumerate()
            .map(|(i, &j)| cost.get(i * n + j).copied().unwrap_or(f64::INFINITY))
            .sum()
    };
    best = best.min(eval(&perm));
    let mut i = 0;
    while i < n {
        if *c.get(i)? < i {
            if i % 2 == 0 {
                perm.swap(0, i);
            } else {
                perm.swap(*c.get(i)?, i);
            }
            best = best.min(eval(&perm));
            *c.get_mut(i)? += 1;
            i = 0;
        } else {
            *c.get_mut(i)? = 0;
            i += 1;
        }
    }
    Some(best)
}
