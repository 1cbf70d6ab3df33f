//! Quadratically regularised OT (Blondel, Seguy & Rolet 2018):
//! min_T ⟨C, T⟩ + γ/2‖T‖² over T ≥ 0 with T1 = a, Tᵀ1 = b, solved through its smooth dual
//! D(α, β) = aᵀα + bᵀβ − Σ_ij [α_i + β_j − C_ij]_+² / (2γ),
//! ∇_α D = a − T1, ∇_β D = b − Tᵀ1 with T = [α1ᵀ + 1βᵀ − C]_+ / γ (the primal plan).
//! Maximised with L-BFGS until ‖T1 − a‖₁ + ‖Tᵀ1 − b‖₁ ≤ tol. A dense, independent
//! implementation used to check the k ≥ m limit of [`super::sparse`].

use super::{OtError, Problem, Solution};
use crate::solvers::lbfgs;
use rayon::prelude::*;

/// D(α, β) for x = [α; β]; writes ∇D into `grad`.
pub fn dual_value_grad(p: &Problem, gamma: f64, x: &[f64], grad: &mut [f64]) -> f64 {
    let m = p.m;
    let (alpha, beta) = x.split_at(m.min(x.len()));
    // Column sums and per-column penalties in parallel, row sums reduced.
    let (rows, cols_pen): (Vec<f64>, Vec<(f64, f64)>) = {
        let per_col: Vec<(f64, f64, Vec<f64>)> = p
            .cost_t
            .par_chunks(m)
            .zip(beta.par_iter())
            .with_min_len(super::sparse::min_len(m))
            .map(|(c, &bj)| {
                let mut colsum = 0.0;
                let mut pen = 0.0;
                let mut rowpart = vec![0.0; m];
                for ((r, &ai), &cij) in rowpart.iter_mut().zip(alpha).zip(c) {
                    let v = (ai + bj - cij).max(0.0);
                    pen += v * v;
                    colsum += v;
                    *r = v;
                }
                (colsum / gamma, pen / (2.0 * gamma), rowpart)
            })
            .collect();
        let mut rows = vec![0.0; m];
        let mut cp = Vec::with_capacity(per_col.len());
        for (cs, pen, rp) in per_col {
            for (r, v) in rows.iter_mut().zip(&rp) {
                *r += v / gamma;
            }
            cp.push((cs, pen));
        }
        (rows, cp)
    };
    let (ga, gb) = grad.split_at_mut(m.min(grad.len()));
    let mut obj = 0.0;
    for (((g, &a), &r), &al) in ga.iter_mut().zip(&p.a).zip(&rows).zip(alpha) {
        *g = a - r;
        obj += a * al;
    }
    for (((g, &b), &(cs, pen)), &be) in gb.iter_mut().zip(&p.b).zip(&cols_pen).zip(beta) {
        *g = b - cs;
        obj += b * be - pen;
    }
    obj
}

/// Solves quadratically regularised OT; the plan is [α_i + β_j − C_ij]_+ / γ.
///
/// # Errors
/// [`OtError::BadParameter`] for γ ≤ 0 or tol ≤ 0.
pub fn solve(
    p: &Problem,
    gamma: f64,
    tol: f64,
    max_iter: usize,
    progress: &mut dyn FnMut(usize, f64, f64),
) -> Result<Solution, OtError> {
    if !super::positive(gamma) || !super::positive(tol) {
        return Err(OtError::BadParameter(format!(
            "gamma and tol must be positive (gamma = {gamma}, tol = {tol})"
        )));
    }
    let mut x = vec![0.0; p.m + p.n];
    let out = lbfgs::minimize(
        &mut x,
        |x, g| {
            let f = dual_value_grad(p, gamma, x, g);
            g.iter_mut().for_each(|v| *v = -*v);
            -f
        },
        |g| g.iter().map(|v| v.abs()).sum(),
        lbfgs::Options {
            memory: 10,
            max_iter,
            tol,
            ftol: 0.0,
        },
        &mut |it, f, r| progress(it, -f, r),
    );
    let (alpha, beta) = x.split_at(p.m);
    let mut plan = vec![0.0; p.m * p.n];
    for ((row, c), &ai) in plan
        .chunks_exact_mut(p.n)
        .zip(p.cost.chunks_exact(p.n))
        .zip(alpha)
    {
        for ((t, &cij), &bj) in row.iter_mut().zip(c).zip(beta) {
            *t = (ai + bj - cij).max(0.0) / gamma;
        }
    }
    let mut g = vec![0.0; p.m + p.n];
    let obj = dual_value_grad(p, gamma, &x, &mut g);
    Ok(Solution::finish(
        p,
        plan,
        obj,
        out.iterations,
        out.converged,
        None,
    ))
}
