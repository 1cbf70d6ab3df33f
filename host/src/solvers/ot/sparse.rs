//! Sparsity-constrained optimal transport (Liu, Puigcerver & Blondel, AISTATS 2023):
//! min_T ⟨C, T⟩ + γ/2‖T‖² over plans with marginals a, b and at most k nonzeros per column.
//!
//! **Semi-dual** (maximised over α ∈ ℝ^m):
//! F(α) = aᵀα − Σ_j b_j·max_{g ∈ Δ_k} [x_jᵀg − ½γ b_j‖g‖²],  x_j = α − C_{:,j},
//! whose inner maximiser is g_j = P_{Δ_k}(x_j / (γ b_j)) (top-k simplex projection); the value
//! is x_jᵀg_j − ½γb_j‖g_j‖², ∇F(α) = a − Σ_j b_j g_j, plan T = G·diag(b).
//!
//! **Dual** (maximised over α ∈ ℝ^m, β ∈ ℝ^n): X = α1ᵀ + 1βᵀ − C, per column keep the k
//! largest entries, G = `[X]_+`/γ on them (0 elsewhere);
//! D(α, β) = aᵀα + bᵀβ − Σ_j Σ_{i ∈ top-k(j)} `[X_ij]_+²` / (2γ),
//! ∇_α D = a − G1, ∇_β D = b − Gᵀ1, plan T = G.
//!
//! Both are concave; with the sparsity constraint they are only piecewise smooth (the kept set
//! changes), which the weak-Wolfe L-BFGS of [`crate::solvers::lbfgs`] handles. Stopping rule: the
//! gradient's ℓ₁ norm, i.e. the plan's marginal residual ‖T1 − a‖₁ (+ ‖Tᵀ1 − b‖₁ for the
//! dual; the semi-dual's columns are exact by construction), ≤ `tol`.
//!
//! k = 1 makes the regulariser constant on feasible plans (γ/2 Σ_j b_j²), so the optimum is
//! the unregularised OT cost plus that constant; k ≥ m gives quadratically regularised OT.
//!
//! The per-column projection is the f64 [`super::projection::topk_simplex_sparse`] (same rule
//! and ties as `mcu_kernels::sparsemax::project_topk_simplex`, which works in f32 and cannot reach
//! 1e−6 residuals; see that module).

use super::projection::{simplex_from_top_k, top_k_desc, top_k_desc_with};
use super::{OtError, Problem, Solution};
use crate::solvers::lbfgs;
use rayon::prelude::*;

/// Options of the sparsity-constrained solvers.
#[derive(Debug, Clone, Copy)]
pub struct SparseOptions {
    /// Maximum nonzeros per column (≥ 1).
    pub k: usize,
    /// Regularisation strength γ > 0.
    pub gamma: f64,
    /// Stop when the marginal residual (ℓ₁) ≤ `tol`.
    pub tol: f64,
    /// L-BFGS iteration limit.
    pub max_iter: usize,
    /// L-BFGS memory.
    pub memory: usize,
    /// Also stop when one iteration improves the objective by ≤ ftol (relative); 0 disables.
    pub ftol: f64,
}

impl Default for SparseOptions {
    fn default() -> Self {
        Self {
            k: 2,
            gamma: 1.0,
            tol: 1e-7,
            max_iter: 2000,
            memory: 10,
            ftol: 0.0,
        }
    }
}

impl SparseOptions {
    fn check(&self) -> Result<(), OtError> {
        if self.k == 0 {
            return Err(OtError::BadParameter("k must be at least 1".into()));
        }
        if !super::positive(self.gamma) {
            return Err(OtError::BadParameter(format!(
                "gamma must be positive and finite, got {}",
                self.gamma
            )));
        }
        if !super::positive(self.tol) {
            return Err(OtError::BadParameter(format!(
                "tol must be positive, got {}",
                self.tol
            )));
        }
        // NaN fails this comparison too.
        if !(self.ftol >= 0.0 && self.ftol.is_finite()) {
            return Err(OtError::BadParameter(format!(
                "ftol must be finite and >= 0, got {}",
                self.ftol
            )));
        }
        Ok(())
    }
}

/// Evaluator of the semi-dual objective and gradient with reusable per-column storage.
#[derive(Debug)]
pub struct SemiDual<'p> {
    p: &'p Problem,
    k: usize,
    gamma: f64,
    idx: Vec<u32>,
    val: Vec<f64>,
    len: Vec<usize>,
    value: Vec<f64>,
}

impl<'p> SemiDual<'p> {
    /// A new evaluator (k clamped to m).
    pub fn new(p: &'p Problem, k: usize, gamma: f64) -> Self {
        let k = k.clamp(1, p.m);
        Self {
            p,
            k,
            gamma,
            idx: vec![0; k * p.n],
            val: vec![0.0; k * p.n],
            len: vec![0; p.n],
            value: vec![0.0; p.n],
        }
    }

    /// F(α); writes ∇F(α) = a − G·b into `grad`.
    pub fn eval(&mut self, alpha: &[f64], grad: &mut [f64]) -> f64 {
        let (p, k, gamma) = (self.p, self.k, self.gamma);
        let m = p.m;
        self.idx
            .par_chunks_mut(k)
            .zip(self.val.par_chunks_mut(k))
            .zip(self.len.par_iter_mut())
            .zip(self.value.par_iter_mut())
            .zip(p.cost_t.par_chunks(m))
            .zip(p.b.par_iter())
            .with_min_len(min_len(m))
            .for_each_init(
                || (Vec::new(), Vec::new(), Vec::new()),
                |(idx, val, scratch), (((((ci, cv), len), value), c), &bj)| {
                    if bj <= 0.0 {
                        *len = 0;
                        *value = 0.0;
                        return;
                    }
                    let inv = 1.0 / (gamma * bj);
                    // Top-k of x = α − c_j (same order as z = x/(γ b_j)), then the threshold
                    // rule on z: the same projection as `topk_simplex_sparse(z, k)`.
                    top_k_desc_with(
                        m,
                        k,
                        |i| alpha.get(i).copied().unwrap_or(0.0) - c.get(i).copied().unwrap_or(0.0),
                        scratch,
                    );
                    simplex_from_top_k(scratch, inv, idx, val);
                    let (mut xg, mut gg) = (0.0, 0.0);
                    for (&i, &g) in idx.iter().zip(val.iter()) {
                        let x = alpha.get(i as usize).copied().unwrap_or(0.0)
                            - c.get(i as usize).copied().unwrap_or(0.0);
                        xg += x * g;
                        gg += g * g;
                    }
                    *value = xg - 0.5 * gamma * bj * gg;
                    *len = idx.len();
                    ci.iter_mut().zip(idx.iter()).for_each(|(o, &i)| *o = i);
                    cv.iter_mut().zip(val.iter()).for_each(|(o, &v)| *o = v);
                },
            );
        grad.copy_from_slice(&p.a);
        let mut obj: f64 = p.a.iter().zip(alpha).map(|(a, x)| a * x).sum();
        for (j, &bj) in p.b.iter().enumerate() {
            obj -= bj * self.value.get(j).copied().unwrap_or(0.0);
            let l = self.len.get(j).copied().unwrap_or(0);
            let base = j * k;
            for t in base..base + l {
                if let (Some(&i), Some(&g)) = (self.idx.get(t), self.val.get(t)) {
                    if let Some(gr) = grad.get_mut(i as usize) {
                        *gr -= bj * g;
                    }
                }
            }
        }
        obj
    }

    /// The plan T = G·diag(b) of the last [`Self::eval`], row-major.
    pub fn plan(&self) -> Vec<f64> {
        let (m, n, k) = (self.p.m, self.p.n, self.k);
        let mut t = vec![0.0; m * n];
        for (j, &bj) in self.p.b.iter().enumerate() {
            let l = self.len.get(j).copied().unwrap_or(0);
            for s in j * k..j * k + l {
                if let (Some(&i), Some(&g)) = (self.idx.get(s), self.val.get(s)) {
                    if let Some(o) = t.get_mut(i as usize * n + j) {
                        *o = bj * g;
                    }
                }
            }
        }
        t
    }
}

/// Columns per rayon task: about 2^15 cost entries, so that small problems stay on one
/// thread (the pool's overhead dominates below that).
pub(crate) fn min_len(m: usize) -> usize {
    (1 << 15) / m.max(1) + 1
}

fn l1(v: &[f64]) -> f64 {
    v.iter().map(|x| x.abs()).sum()
}

/// Maximises the semi-dual with L-BFGS from α = 0 and returns the plan G·diag(b).
///
/// # Errors
/// [`OtError::BadParameter`] for k = 0, γ ≤ 0 or tol ≤ 0.
pub fn solve_semi_dual(
    p: &Problem,
    opts: &SparseOptions,
    progress: &mut dyn FnMut(usize, f64, f64),
) -> Result<Solution, OtError> {
    opts.check()?;
    p.check_scale("gamma", opts.gamma)?;
    let mut sd = SemiDual::new(p, opts.k, opts.gamma);
    let mut alpha = vec![0.0; p.m];
    let out = lbfgs::minimize(
        &mut alpha,
        |x, g| {
            let f = sd.eval(x, g);
            g.iter_mut().for_each(|v| *v = -*v);
            -f
        },
        l1,
        lbfgs::Options {
            memory: opts.memory,
            max_iter: opts.max_iter,
            tol: opts.tol,
            ftol: opts.ftol,
        },
        &mut |it, f, r| progress(it, -f, r),
    );
    let mut grad = vec![0.0; p.m];
    let obj = sd.eval(&alpha, &mut grad);
    Ok(Solution::finish(
        p,
        sd.plan(),
        obj,
        out.iterations,
        out.converged,
        None,
    ))
}

/// Evaluator of the dual objective D(α, β) and its gradient; `x = [α; β]`.
#[derive(Debug)]
pub struct Dual<'p> {
    p: &'p Problem,
    k: usize,
    gamma: f64,
    idx: Vec<u32>,
    val: Vec<f64>,
    len: Vec<usize>,
    value: Vec<f64>,
}

impl<'p> Dual<'p> {
    /// A new evaluator (k clamped to m).
    pub fn new(p: &'p Problem, k: usize, gamma: f64) -> Self {
        let k = k.clamp(1, p.m);
        Self {
            p,
            k,
            gamma,
            idx: vec![0; k * p.n],
            val: vec![0.0; k * p.n],
            len: vec![0; p.n],
            value: vec![0.0; p.n],
        }
    }

    /// D(α, β); writes (a − G1, b − Gᵀ1) into `grad`.
    pub fn eval(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        let (p, k, gamma) = (self.p, self.k, self.gamma);
        let m = p.m;
        let (alpha, beta) = x.split_at(m.min(x.len()));
        self.idx
            .par_chunks_mut(k)
            .zip(self.val.par_chunks_mut(k))
            .zip(self.len.par_iter_mut())
            .zip(self.value.par_iter_mut())
            .zip(p.cost_t.par_chunks(m))
            .zip(beta.par_iter())
            .with_min_len(min_len(m))
            .for_each_init(
                || (Vec::with_capacity(m), Vec::new()),
                |(z, scratch), (((((ci, cv), len), value), c), &bj)| {
                    z.clear();
                    z.extend(alpha.iter().zip(c).map(|(a, c)| a + bj - c));
                    top_k_desc(z, k, scratch);
                    let mut l = 0;
                    let mut sq = 0.0;
                    for (&(v, i), (oi, ov)) in scratch.iter().zip(ci.iter_mut().zip(cv.iter_mut()))
                    {
                        if v > 0.0 {
                            *oi = i;
                            *ov = v / gamma;
                            sq += v * v;
                            l += 1;
                        }
                    }
                    *len = l;
                    *value = sq / (2.0 * gamma);
                },
            );
        let (ga, gb) = grad.split_at_mut(m.min(grad.len()));
        ga.copy_from_slice(&p.a);
        gb.copy_from_slice(&p.b);
        let mut obj: f64 = p.a.iter().zip(alpha).map(|(a, x)| a * x).sum::<f64>()
            + p.b.iter().zip(beta).map(|(b, x)| b * x).sum::<f64>();
        for (j, gbj) in gb.iter_mut().enumerate() {
            obj -= self.value.get(j).copied().unwrap_or(0.0);
            let l = self.len.get(j).copied().unwrap_or(0);
            for t in j * k..j * k + l {
                if let (Some(&i), Some(&g)) = (self.idx.get(t), self.val.get(t)) {
                    if let Some(gr) = ga.get_mut(i as usize) {
                        *gr -= g;
                    }
                    *gbj -= g;
                }
            }
        }
        obj
    }

    /// The plan G of the last [`Self::eval`], row-major.
    pub fn plan(&self) -> Vec<f64> {
        let (m, n, k) = (self.p.m, self.p.n, self.k);
        let mut t = vec![0.0; m * n];
        for j in 0..n {
            let l = self.len.get(j).copied().unwrap_or(0);
            for s in j * k..j * k + l {
                if let (Some(&i), Some(&g)) = (self.idx.get(s), self.val.get(s)) {
                    if let Some(o) = t.get_mut(i as usize * n + j) {
                        *o = g;
                    }
                }
            }
        }
        t
    }
}

/// Maximises the dual with L-BFGS from (α, β) = 0 and returns the plan G.
///
/// # Errors
/// [`OtError::BadParameter`] for k = 0, γ ≤ 0 or tol ≤ 0.
pub fn solve_dual(
    p: &Problem,
    opts: &SparseOptions,
    progress: &mut dyn FnMut(usize, f64, f64),
) -> Result<Solution, OtError> {
    opts.check()?;
    p.check_scale("gamma", opts.gamma)?;
    let mut d = Dual::new(p, opts.k, opts.gamma);
    let mut x = vec![0.0; p.m + p.n];
    let out = lbfgs::minimize(
        &mut x,
        |x, g| {
            let f = d.eval(x, g);
            g.iter_mut().for_each(|v| *v = -*v);
            -f
        },
        l1,
        lbfgs::Options {
            memory: opts.memory,
            max_iter: opts.max_iter,
            tol: opts.tol,
            ftol: opts.ftol,
        },
        &mut |it, f, r| progress(it, -f, r),
    );
    let mut grad = vec![0.0; p.m + p.n];
    let obj = d.eval(&x, &mut grad);
    Ok(Solution::finish(
        p,
        d.plan(),
        obj,
        out.iterations,
        out.converged,
        None,
    ))
}
