//! Entropic OT: min_T ⟨C, T⟩ + ε Σ_ij T_ij (log T_ij − 1) with T1 = a, Tᵀ1 = b,
//! by Sinkhorn's alternating dual maximisation in the log domain, with ε-scaling.
//!
//! **Potentials:** T_ij = exp((f_i + g_j − C_ij)/ε). The updates (u = e^{f/ε}, v = e^{g/ε} in
//! u = a/(Kv), v = b/(Kᵀu)) are, written stably around the current potentials,
//! f_i ← f_i + ε(log a_i − log r_i),  r_i = Σ_j exp((f_i + g_j − C_ij)/ε)  (row sums of T),
//! g_j ← g_j + ε(log b_j − log c_j),  c_j = Σ_i exp((f_i + g_j − C_ij)/ε)  (column sums).
//! Near a fixed point r_i ≈ a_i, so the exponents stay ≤ ~0: no overflow, and one pass with a
//! fast exp (`fast_exp`, relative error < 1e−14) per half-sweep; a row whose sum under- or
//! overflows is recomputed with the max-shifted log-sum-exp.
//!
//! **ε-scaling:** ε_t = max(ε, ε₀θ^t), ε₀ = max C − min C, θ = 1/2; each stage runs until
//! its marginal error ≤ max(tol, 1e−3·mass) (at most 200 sweeps), warm-starting the next.
//!
//! **Stopping rule:** after a g-update the columns are exact, so the marginal error is
//! ‖T1 − a‖₁ = Σ_i |r_i − a_i|, computed for free at the start of the next f-update; stop when
//! it is ≤ `tol` (the returned plan is the one measured).

use super::{OtError, Problem, Solution};
use rayon::prelude::*;

/// Options of [`solve`].
#[derive(Debug, Clone, Copy)]
pub struct SinkhornOptions {
    /// Entropic regularisation ε > 0 (same units as C).
    pub epsilon: f64,
    /// Stop when ‖T1 − a‖₁ (columns exact) ≤ tol.
    pub tol: f64,
    /// Sweep limit at the final ε.
    pub max_iter: usize,
    /// Whether to use ε-scaling (otherwise start directly at ε).
    pub eps_scaling: bool,
}

impl Default for SinkhornOptions {
    fn default() -> Self {
        Self {
            epsilon: 0.01,
            tol: 1e-9,
            max_iter: 100_000,
            eps_scaling: true,
        }
    }
}

/// exp(x) for x ≤ 709, 0 below −708: Cody–Waite reduction x = n ln2 + r, |r| ≤ ln2/2,
/// degree-12 Taylor polynomial, 2^n by exponent bits. Branch-free so that it vectorises.
#[inline(always)]
pub fn fast_exp(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const SHIFTER: f64 = 6_755_399_441_055_744.0; // 1.5·2^52
    let xc = x.clamp(-708.0, 709.0);
    let t = xc * LOG2E + SHIFTER;
    let kf = t - SHIFTER;
    let r = xc - kf * LN2_HI - kf * LN2_LO;
    let mut p = 1.0 / 479_001_600.0;
    p = p * r + 1.0 / 39_916_800.0;
    p = p * r + 1.0 / 3_628_800.0;
    p = p * r + 1.0 / 362_880.0;
    p = p * r + 1.0 / 40_320.0;
    p = p * r + 1.0 / 5_040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    let scale = f64::from_bits(t.to_bits().wrapping_add(1023) << 52);
    let v = p * scale;
    if x < -708.0 {
        0.0
    } else {
        v
    }
}

/// Σ_k exp((p + q_k − c_k)·inv_eps), the one-pass sum of a row (or column) of T.
#[inline]
fn row_sum(p: f64, q: &[f64], c: &[f64], inv_eps: f64) -> f64 {
    let mut acc = [0.0f64; 4];
    let mut qc = q.chunks_exact(4);
    let mut cc = c.chunks_exact(4);
    for (q4, c4) in (&mut qc).zip(&mut cc) {
        for ((a, &qk), &ck) in acc.iter_mut().zip(q4).zip(c4) {
            *a += fast_exp((p + qk - ck) * inv_eps);
        }
    }
    let mut s = acc.iter().sum::<f64>();
    for (&qk, &ck) in qc.remainder().iter().zip(cc.remainder()) {
        s += fast_exp((p + qk - ck) * inv_eps);
    }
    s
}

/// ε·log Σ_k exp((q_k − c_k)/ε), max-shifted (the fallback of the one-pass update).
fn lse(q: &[f64], c: &[f64], eps: f64) -> f64 {
    let m = q
        .iter()
        .zip(c)
        .map(|(q, c)| q - c)
        .fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    let s: f64 = q
        .iter()
        .zip(c)
        .map(|(q, c)| ((q - c - m) / eps).exp())
        .sum();
    m + eps * s.ln()
}

/// One half-sweep: updates `pot` (f with `cost` = C rows, or g with `cost` = Cᵀ rows) so that
/// the corresponding marginals equal `mass`; returns Σ|sum − mass| *before* the update.
pub fn half_sweep(pot: &mut [f64], other: &[f64], cost: &[f64], mass: &[f64], eps: f64) -> f64 {
    let len = other.len();
    let inv = 1.0 / eps;
    pot.par_iter_mut()
        .zip(cost.par_chunks(len.max(1)))
        .zip(mass.par_iter())
        .with_min_len(super::sparse::min_len(len))
        .map(|((p, c), &w)| {
            if w <= 0.0 {
                *p = f64::NEG_INFINITY;
                return 0.0;
            }
            if !p.is_finite() {
                *p = eps * w.ln() - lse(other, c, eps);
                return w;
            }
            let s = row_sum(*p, other, c, inv);
            if s.is_finite() && s > 1e-280 && s < 1e280 {
                *p += eps * (w.ln() - s.ln());
                (s - w).abs()
            } else {
                let s_err = if s.is_finite() {
                    (s - w).abs()
                } else {
                    f64::MAX
                };
                *p = eps * w.ln() - lse(other, c, eps);
                s_err
            }
        })
        .sum()
}

/// Solves entropic OT; returns the plan exp((f_i + g_j − C_ij)/ε) and
/// `dual_objective` = aᵀf + bᵀg − ε(Σ T − Σ a).
///
/// # Errors
/// [`OtError::BadParameter`] for ε ≤ 0 or tol ≤ 0.
pub fn solve(
    p: &Problem,
    opts: &SinkhornOptions,
    progress: &mut dyn FnMut(usize, f64, f64),
) -> Result<Solution, OtError> {
    let (f, g, iterations, converged) = potentials(p, opts, progress)?;
    let eps = opts.epsilon;
    let mut plan = vec![0.0; p.m * p.n];
    plan.par_chunks_mut(p.n)
        .zip(p.cost.par_chunks(p.n))
        .zip(f.par_iter())
        .for_each(|((row, c), &fi)| {
            for ((t, &cij), &gj) in row.iter_mut().zip(c).zip(&g) {
                *t = ((fi + gj - cij) / eps).exp();
            }
        });
    let total: f64 = plan.iter().sum();
    let mass: f64 = p.a.iter().sum();
    let dot = |x: &[f64], y: &[f64]| -> f64 {
        x.iter()
            .zip(y)
            .filter(|(w, _)| **w > 0.0)
            .map(|(w, v)| w * v)
            .sum()
    };
    let obj = dot(&p.a, &f) + dot(&p.b, &g) - eps * (total - mass);
    Ok(Solution::finish(p, plan, obj, iterations, converged))
}

/// The dual potentials (f, g), the number of sweeps and whether `tol` was reached.
///
/// # Errors
/// [`OtError::BadParameter`] for ε ≤ 0 or tol ≤ 0.
pub fn potentials(
    p: &Problem,
    opts: &SinkhornOptions,
    progress: &mut dyn FnMut(usize, f64, f64),
) -> Result<(Vec<f64>, Vec<f64>, usize, bool), OtError> {
    let eps = opts.epsilon;
    if !super::positive(eps) || !super::positive(opts.tol) {
        return Err(OtError::BadParameter(format!(
            "epsilon and tol must be positive (epsilon = {eps}, tol = {})",
            opts.tol
        )));
    }
    let mass: f64 = p.a.iter().sum();
    let (cmin, cmax) = p
        .cost
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &c| {
            (lo.min(c), hi.max(c))
        });
    let mut stages = Vec::new();
    if opts.eps_scaling {
        let mut e = (cmax - cmin).max(eps);
        while e > eps {
            stages.push(e);
            e *= 0.5;
        }
    }
    stages.push(eps);
    let mut f = vec![f64::NEG_INFINITY; p.m];
    let mut g: Vec<f64> =
        p.b.iter()
            .map(|&w| if w > 0.0 { 0.0 } else { f64::NEG_INFINITY })
            .collect();
    let mut iterations = 0;
    let last = stages.len().saturating_sub(1);
    let mut converged = false;
    for (s, &e) in stages.iter().enumerate() {
        let (stage_tol, limit) = if s == last {
            (opts.tol, opts.max_iter)
        } else {
            (opts.tol.max(1e-3 * mass), 200)
        };
        for it in 0..=limit {
            let err = half_sweep(&mut f, &g, &p.cost, &p.a, e);
            if it > 0 && err <= stage_tol {
                // The plan before this f-update met the rule; finish the sweep so that the
                // columns are exact (the row error of the result is measured by the caller).
                half_sweep(&mut g, &f, &p.cost_t, &p.b, e);
                if s == last {
                    converged = true;
                }
                break;
            }
            half_sweep(&mut g, &f, &p.cost_t, &p.b, e);
            iterations += 1;
            if s == last {
                progress(iterations, e, err);
            }
            if it == limit {
                break;
            }
        }
    }
    Ok((f, g, iterations, converged))
}
