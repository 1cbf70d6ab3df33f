//! Entropic OT: min_T ⟨C, T⟩ + ε Σ_ij T_ij (log T_ij − 1) with T1 = a, Tᵀ1 = b,
//! by Sinkhorn's alternating dual maximisation in the log domain, with ε-scaling.
//!
//! **Potentials:** T_ij = exp((f_i + g_j − C_ij)/ε); the potentials f, g are the state and
//! never overflow. Sinkhorn's updates u = a/(Kv), v = b/(Kᵀu) run on the *absorbed* kernel
//! K̃ = exp((f_i + g_j − C_ij)/ε) with scalings u, v near 1 (stabilised log-domain Sinkhorn,
//! Schmitzer 2019): a sweep is two matrix–vector products with K̃, no exponentials; u, v are
//! absorbed into f, g (f += ε log u, g += ε log v) and K̃ rebuilt when they leave
//! [1e−30, 1e30] and at every change of ε. K̃ is built with `fast_exp` (relative error
//! < 1e−14). A row or column whose kernel mass underflows gets one exact log-domain update
//! ([`half_sweep`], max-shifted log-sum-exp) before K̃ is rebuilt.
//!
//! **One pass per sweep** ([`fused_sweep`]): row i of K̃ is read once; s_i = (K̃v)_i gives
//! the row error and u_i, and u_i·K̃_i,: is added to K̃ᵀu while the row is still in L1 cache
//! — the same arithmetic as the two products, half the memory traffic. The row loops are
//! compiled for AVX2 + FMA and picked at run time ([`super::dense`]). Row blocks run on the
//! rayon threads, each with its own K̃ᵀu accumulator; with one thread nothing goes to the pool.
//!
//! **Mixed precision:** K̃ is stored in f32 (half the traffic again; the arithmetic stays
//! f64) for the intermediate ε stages and for the final stage until its error is
//! ≤ max(tol, 1e−8·mass); the rounding errors (6e−8 relative per entry) average out in the
//! row sums, so the f32 iteration gets there. Then K̃ is rebuilt in f64 from the same f, g
//! (u, v carry over) and the sweeps continue; every stopping decision at the final ε is taken
//! on the f64 kernel after a plain f64 sweep, so the result is that of the f64 iteration.
//!
//! **Over-relaxation** (Thibault et al. 2017): at the final ε the sweeps use
//! u ← (a/K̃v)^ω u^{1−ω}, v ← (b/K̃ᵀu)^ω v^{1−ω}. The stage starts plain (ω = 1) and measures
//! the error's one-sweep ratio q until it settles (at most 40 sweeps); then
//! ω = min(2/(1 + √(1 − q)), `overrelaxation`) (the optimal ω for plain rate q, Lehmann et
//! al. 2021): ≈ 1.1 at ε = 0.1·max C, where plain Sinkhorn needs a dozen sweeps and a fixed
//! ω = 1.8 needed 64, ≈ 1.8 at 1e−3·max C. Once the error first meets `tol` the remaining
//! sweeps are plain, so
//! that the columns of the returned plan are exact. Safeguard: when 50 sweeps make no progress,
//! an f32 kernel is switched to f64, and on the f64 kernel ω − 1 is halved (to plain Sinkhorn
//! below ω = 1.05).
//!
//! **Kernel precision at the final ε:** without ε-scaling the final stage starts on the f64
//! kernel (at large ε a dozen sweeps do, and an f32 kernel would cost one more build than its
//! lighter sweeps save) and moves to f32 only when the measured rate predicts more than 30
//! sweeps. When the f32 sweeps meet tol, the f64 kernel built from the absorbed potentials is
//! the plan: if its own marginals meet tol the run stops there. The plan is u_i K̃_ij v_j
//! from the f64 kernel (no new exponentials); kernel buffers ask for 2 MB pages.
//!
//! **ε-scaling** (only when max C − min C ≥ 1000 ε, where it saves more sweeps than its
//! stages cost): ε_t = max(ε, ε₀θ^t), ε₀ = (max C − min C)/8, θ = 1/2; each stage runs until
//! its marginal error ≤ max(tol, 1e−3·mass) (at most 200 sweeps), warm-starting the next. The
//! start is f_i = min_j C_ij (over columns with b_j > 0), g = 0: the largest entry of each row
//! of the first K̃ is 1, whatever ε₀.
//!
//! **Stopping rule:** after a plain v-update the columns are exact, so the marginal error is
//! ‖T1 − a‖₁ = Σ_i |u_i (K̃v)_i − a_i|, computed in the same pass as the next u-update; stop
//! when it is ≤ `tol` (the returned plan is the one measured).
//!
//! **Measured** (`cargo xtask bench --peers`, n = 1000 Gaussian clouds, ε = 0.1, equal
//! marginal error ≈ 2e−9, 2-core AMD EPYC VM, POT 0.9.7 single-threaded): see README.md's
//! host-solvers section; the sweep count is unchanged (131 at the final ε), each sweep reads
//! 4 MB (f32) instead of 16 MB (two f64 passes).

use super::dense::{self, Elem, RowSweep};
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
    /// Whether ε-scaling may be used (it is, when max C − min C ≥ 1000 ε); false: start
    /// directly at ε.
    pub eps_scaling: bool,
    /// Largest over-relaxation ω ∈ [1, 2) of the final stage's sweeps (ω is set from the
    /// measured rate; 1 = plain Sinkhorn).
    pub overrelaxation: f64,
}

impl Default for SinkhornOptions {
    fn default() -> Self {
        Self {
            epsilon: 0.01,
            tol: 1e-9,
            max_iter: 100_000,
            eps_scaling: true,
            overrelaxation: 1.9,
        }
    }
}

/// exp(x) for x ≤ 709, 0 below −708: Cody–Waite reduction x = n ln2 + r, |r| ≤ ln2/2,
/// degree-12 Taylor polynomial, 2^n by exponent bits. Branch-free so that it vectorises.
#[inline(always)]
pub fn fast_exp(x: f64) -> f64 {
    dense::exp_impl::<false>(x)
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
    let mut kern = Kernel::default();
    let (f, g, iterations, converged) = run(p, opts, progress, &mut kern)?;
    let eps = opts.epsilon;
    // The f64 kernel buffer (already allocated and touched) becomes the plan.
    let mut plan = std::mem::take(&mut kern.k64);
    if let Some((u, v)) = kern.scalings.take() {
        scale_plan(&mut plan, p.n, &u, &v);
    } else {
        plan.resize(p.m * p.n, 0.0);
        absorbed_kernel(&mut plan, p, &f, &g, eps);
    }
    drop(kern);
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
    Ok(Solution::finish(
        p,
        plan,
        obj,
        iterations,
        converged,
        Some(opts.tol),
    ))
}

/// T_ij = u_i K̃_ij v_j in place (row-major, `n` columns).
fn scale_plan(k: &mut [f64], n: usize, u: &[f64], v: &[f64]) {
    for (row, &ui) in k.chunks_exact_mut(n.max(1)).zip(u) {
        for (t, &vj) in row.iter_mut().zip(v) {
            *t *= ui * vj;
        }
    }
}

/// K̃ = exp((f_i + g_j − C_ij)/ε), row-major (the absorbed kernel), by row blocks in
/// parallel.
fn absorbed_kernel<T: Elem>(kt: &mut [T], p: &Problem, f: &[f64], g: &[f64], eps: f64) {
    let n = p.n.max(1);
    let rows = dense::rows_per_block(p.m, n);
    let inv = 1.0 / eps;
    if rows >= p.m {
        dense::exp_rows(kt, &p.cost, n, f, g, inv);
        return;
    }
    kt.par_chunks_mut(rows * n)
        .zip(p.cost.par_chunks(rows * n))
        .zip(f.par_chunks(rows))
        .for_each(|((k, c), f)| dense::exp_rows(k, c, n, f, g, inv));
}

/// out = K̃ v (row sums weighted by v).
pub fn kernel_times(kt: &[f64], v: &[f64], out: &mut [f64]) {
    let n = v.len().max(1);
    let rows = dense::rows_per_block(out.len(), n);
    if rows >= out.len() {
        dense::matvec_rows(kt, v, out);
        return;
    }
    out.par_chunks_mut(rows)
        .zip(kt.par_chunks(rows * n))
        .for_each(|(o, k)| dense::matvec_rows(k, v, o));
}

/// out = K̃ᵀ u, by row blocks reduced in parallel.
pub fn kernel_t_times(kt: &[f64], u: &[f64], n: usize, out: &mut [f64]) {
    let n1 = n.max(1);
    let rows = dense::rows_per_block(u.len(), n1);
    out.fill(0.0);
    if rows >= u.len() {
        dense::t_matvec_rows_add(kt, u, out);
        return;
    }
    let parts: Vec<Vec<f64>> = kt
        .par_chunks(rows * n1)
        .zip(u.par_chunks(rows))
        .map(|(k, u)| {
            let mut acc = vec![0.0; n];
            dense::t_matvec_rows_add(k, u, &mut acc);
            acc
        })
        .collect();
    for part in &parts {
        for (o, x) in out.iter_mut().zip(part) {
            *o += x;
        }
    }
}

/// One fused sweep over K̃ (see [`dense::fused_sweep_rows`]): u_new from (u, v), and
/// `ktu` = K̃ᵀ u_new; row blocks in parallel, each with its own accumulator.
#[allow(clippy::too_many_arguments)]
pub fn fused_sweep<T: Elem>(
    kt: &[T],
    n: usize,
    v: &[f64],
    a: &[f64],
    u: &[f64],
    omega: f64,
    u_new: &mut [f64],
    ktu: &mut [f64],
) -> RowSweep {
    let m = a.len();
    let n1 = n.max(1);
    let rows = dense::rows_per_block(m, n1);
    ktu.fill(0.0);
    if rows >= m {
        return dense::fused_sweep_rows(kt, n1, v, a, u, omega, u_new, ktu);
    }
    let parts: Vec<(RowSweep, Vec<f64>)> = kt
        .par_chunks(rows * n1)
        .zip(a.par_chunks(rows))
        .zip(u.par_chunks(rows))
        .zip(u_new.par_chunks_mut(rows))
        .map(|(((k, a), u), un)| {
            let mut acc = vec![0.0; n];
            let r = dense::fused_sweep_rows(k, n1, v, a, u, omega, un, &mut acc);
            (r, acc)
        })
        .collect();
    let mut out = RowSweep::default();
    for (r, acc) in &parts {
        out.err += r.err;
        out.degenerate |= r.degenerate;
        for (o, x) in ktu.iter_mut().zip(acc) {
            *o += x;
        }
    }
    out
}

/// The dual potentials (f, g), the number of sweeps and whether `tol` was reached.
///
/// Inside a stage the iteration runs in scaling form on the absorbed kernel
/// K̃ = exp((f_i + g_j − C_ij)/ε) (Schmitzer's stabilised Sinkhorn): u ← (a/K̃v)^ω u^{1−ω},
/// v ← (b/K̃ᵀu)^ω v^{1−ω}, two matrix–vector products per sweep and no exponentials; the
/// scalings are absorbed into the potentials (f += ε log u, g += ε log v) and K̃ rebuilt when
/// they leave [1e−30, 1e30], and at the end of each stage. ω = `overrelaxation` ∈ [1, 2)
/// (over-relaxed Sinkhorn, Thibault et al. 2017) until the error is first ≤ tol, then plain
/// sweeps (ω = 1, columns exact) until the stopping rule holds for such a sweep.
///
/// # Errors
/// [`OtError::BadParameter`] for ε ≤ 0, tol ≤ 0 or ω outside [1, 2).
pub fn potentials(
    p: &Problem,
    opts: &SinkhornOptions,
    progress: &mut dyn FnMut(usize, f64, f64),
) -> Result<(Vec<f64>, Vec<f64>, usize, bool), OtError> {
    run(p, opts, progress, &mut Kernel::default())
}

/// [`potentials`] with the kernel buffers owned by the caller.
fn run(
    p: &Problem,
    opts: &SinkhornOptions,
    progress: &mut dyn FnMut(usize, f64, f64),
    kern: &mut Kernel,
) -> Result<(Vec<f64>, Vec<f64>, usize, bool), OtError> {
    let eps = opts.epsilon;
    if !super::positive(eps) || !super::positive(opts.tol) {
        return Err(OtError::BadParameter(format!(
            "epsilon and tol must be positive (epsilon = {eps}, tol = {})",
            opts.tol
        )));
    }
    p.check_scale("epsilon", eps)?;
    let omega0 = opts.overrelaxation;
    if !(1.0..2.0).contains(&omega0) {
        return Err(OtError::BadParameter(format!(
            "overrelaxation must be in [1, 2), got {omega0}"
        )));
    }
    let mass: f64 = p.a.iter().sum();
    let (cmin, cmax) = min_max(&p.cost);
    let stages = eps_stages(eps, cmax - cmin, opts.eps_scaling);
    let (m, n) = (p.m, p.n);
    let mut g: Vec<f64> =
        p.b.iter()
            .map(|&w| if w > 0.0 { 0.0 } else { f64::NEG_INFINITY })
            .collect();
    // f_i = min over the columns with b_j > 0 of C_ij: every row of the first kernel has its
    // largest entry equal to 1 (no underflow whatever ε₀), and u absorbs the row masses.
    let all_b = g.iter().all(|x| x.is_finite());
    let mut f: Vec<f64> = p
        .cost
        .chunks_exact(n.max(1))
        .zip(&p.a)
        .map(|(row, &w)| {
            if w <= 0.0 {
                f64::NEG_INFINITY
            } else if all_b {
                min_max(row).0
            } else {
                row.iter()
                    .zip(&g)
                    .filter(|(_, gj)| gj.is_finite())
                    .map(|(c, _)| *c)
                    .fold(f64::INFINITY, f64::min)
            }
        })
        .collect();
    let (mut u, mut v) = (vec![1.0; m], vec![1.0; n]);
    let mut u_new = vec![1.0; m];
    let mut ktu = vec![0.0; n];
    let mut iterations = 0;
    let last = stages.len().saturating_sub(1);
    let mut converged = false;
    let absorb = |pot: &mut [f64], s: &mut [f64], e: f64| {
        for (x, si) in pot.iter_mut().zip(s.iter_mut()) {
            if x.is_finite() {
                *x += e * si.ln();
            }
            *si = 1.0;
        }
    };
    // The f32 kernel is good to ~1e−8·mass in the row sums (rounding errors of 6e−8 per entry
    // average out); switch to f64 well above that.
    let low_tol = LOW_PRECISION_TOL * mass;
    for (stage, &e) in stages.iter().enumerate() {
        let final_stage = stage == last;
        let (stage_tol, limit) = if final_stage {
            (opts.tol, opts.max_iter)
        } else {
            (opts.tol.max(1e-3 * mass), 200)
        };
        // The final stage starts plain; ω is set from the measured rate (see [`optimal_omega`]).
        let mut omega = 1.0;
        let mut rate_probe: Vec<f64> = Vec::new();
        let mut omega_set = !final_stage || omega0 == 1.0;
        let mut last_plain = false;
        let mut check_err = f64::INFINITY;
        // A final stage without ε-scaling starts on the f64 kernel: at large ε a few sweeps
        // do, and an f32 kernel would cost one more build than it saves; it moves to f32
        // once the measured rate predicts many sweeps.
        kern.high = final_stage && stage == 0;
        kern.build(p, &f, &g, e);
        let mut sweeps = 0;
        loop {
            // One pass over K̃: the row error of (u, v) and the next u with K̃ᵀu.
            let mut r = kern.sweep(n, &v, &p.a, &u, omega, &mut u_new, &mut ktu);
            let err = r.err;
            if final_stage && sweeps > 0 {
                progress(iterations, e, err);
            }
            if !omega_set && last_plain && sweeps > 0 {
                rate_probe.push(err);
                if let Some((w, q)) = optimal_omega(&rate_probe, omega0) {
                    omega = w;
                    omega_set = true;
                    // Predicted sweeps to tol at rate max(ω − 1, 1 − √(1 − q))·…: many → f32.
                    let rho = if w > 1.0 { (w - 1.0).max(q * q) } else { q };
                    let left = (stage_tol / err.max(f64::MIN_POSITIVE)).ln() / rho.ln();
                    if kern.high && left.is_finite() && left > F32_MIN_SWEEPS && err > low_tol {
                        absorb(&mut f, &mut u, e);
                        absorb(&mut g, &mut v, e);
                        kern.high = false;
                        kern.build(p, &f, &g, e);
                        last_plain = false;
                        check_err = f64::INFINITY;
                        continue;
                    }
                }
            }
            // Safeguard: no progress in 50 sweeps switches an f32 kernel to f64, else halves
            // ω − 1 (over-relaxation can cycle).
            let mut stalled = false;
            if final_stage && sweeps % 50 == 0 {
                if sweeps > 0 && err >= check_err {
                    if kern.high {
                        if omega > 1.0 {
                            omega = 1.0 + 0.5 * (omega - 1.0);
                            if omega < 1.05 {
                                omega = 1.0;
                            }
                        }
                    } else {
                        stalled = true;
                    }
                }
                check_err = err;
            }
            let met = sweeps > 0 && err <= stage_tol;
            if final_stage
                && !kern.high
                && (stalled
                    || (sweeps > 0 && err <= stage_tol.max(low_tol) && (last_plain || !met)))
            {
                // Finish on the f64 kernel (same f, g, u, v): absorbed, it is the plan. When
                // the f32 sweeps met tol, the plan's own marginals may already meet it;
                // otherwise stop only after an f64 plain sweep.
                absorb(&mut f, &mut u, e);
                absorb(&mut g, &mut v, e);
                kern.high = true;
                kern.build(p, &f, &g, e);
                if met && !stalled {
                    let (re, ce) = p.marginal_residuals(&kern.k64);
                    if re <= stage_tol && ce <= stage_tol {
                        converged = true;
                        break;
                    }
                }
                last_plain = false;
                check_err = f64::INFINITY;
                continue;
            }
            if sweeps > 0 && err <= stage_tol {
                if last_plain || !final_stage {
                    converged = final_stage;
                    break;
                }
                // Finish with plain sweeps: redo this one with ω = 1.
                omega = 1.0;
                r = kern.sweep(n, &v, &p.a, &u, omega, &mut u_new, &mut ktu);
            }
            if sweeps >= limit {
                break;
            }
            std::mem::swap(&mut u, &mut u_new);
            let mut degenerate = r.degenerate;
            for ((vj, &k), &b) in v.iter_mut().zip(&ktu).zip(&p.b) {
                if b > 0.0 {
                    if k > 1e-300 && k.is_finite() {
                        *vj = if omega == 1.0 {
                            b / k
                        } else {
                            dense::relaxed(b / k, *vj, omega)
                        };
                    } else {
                        degenerate = true;
                    }
                }
            }
            last_plain = omega == 1.0;
            sweeps += 1;
            if final_stage {
                iterations += 1;
            }
            let out_of_range = |s: &[f64]| s.iter().any(|&x| !(1e-30..=1e30).contains(&x));
            if degenerate || out_of_range(&u) || out_of_range(&v) {
                absorb(&mut f, &mut u, e);
                absorb(&mut g, &mut v, e);
                if degenerate {
                    // A row or column lost all its kernel mass: one exact log-domain sweep,
                    // and the rest of the stage on the f64 kernel (f32 underflows at 1e−45).
                    half_sweep(&mut f, &g, &p.cost, &p.a, e);
                    half_sweep(&mut g, &f, &p.cost_t, &p.b, e);
                    kern.high = true;
                }
                kern.build(p, &f, &g, e);
                last_plain = false;
            }
        }
        if final_stage && kern.high {
            kern.scalings = Some((u.clone(), v.clone()));
        }
        absorb(&mut f, &mut u, e);
        absorb(&mut g, &mut v, e);
    }
    Ok((f, g, iterations, converged))
}

/// The ε of the stages: ε-scaling ε_t = max(ε, ε₀θ^t) from ε₀ = range/8 when `allowed` and
/// range ≥ [`EPS_SCALING_MIN_RANGE`]·ε, else ε alone.
pub(crate) fn eps_stages(eps: f64, range: f64, allowed: bool) -> Vec<f64> {
    let mut stages = Vec::new();
    if allowed && range > EPS_SCALING_MIN_RANGE * eps {
        let mut e = (range * EPS_SCALING_START).max(eps);
        while e > eps {
            stages.push(e);
            e *= EPS_SCALING_FACTOR;
        }
    }
    stages.push(eps);
    stages
}

/// (min, max) of finite values, in eight lanes (vectorisable: no NaN-aware `f64::min`).
pub(crate) fn min_max(x: &[f64]) -> (f64, f64) {
    let (mut lo, mut hi) = ([f64::INFINITY; 8], [f64::NEG_INFINITY; 8]);
    let mut ch = x.chunks_exact(8);
    for c in &mut ch {
        for ((l, h), &v) in lo.iter_mut().zip(hi.iter_mut()).zip(c) {
            *l = if v < *l { v } else { *l };
            *h = if v > *h { v } else { *h };
        }
    }
    let mut out = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in lo.iter().chain(hi.iter()).chain(ch.remainder()) {
        out = (out.0.min(v), out.1.max(v));
    }
    // lo's +∞ and hi's −∞ entries are neutral; only real values move the result.
    out
}

/// ω for the over-relaxed sweeps from the marginal errors `probe` of consecutive plain sweeps
/// (None: not enough of them yet). Plain Sinkhorn contracts the error by a rate r per sweep
/// (r = λ₂², λ₂ the second singular value of the scaled kernel); the over-relaxed iteration's
/// best ω is 2/(1 + √(1 − r)) (Lehmann, von Renesse, Sambale, Uschmajew 2021), capped at
/// `max`. r is measured over three sweeps once four errors are in; an error that did not
/// shrink after twelve sweeps gives `max`.
pub(crate) fn optimal_omega(probe: &[f64], max: f64) -> Option<(f64, f64)> {
    let len = probe.len();
    if len < 3 {
        return None;
    }
    let (e2, e1, e0) = (
        probe.get(len - 1)?,
        probe.get(len - 2)?,
        probe.get(len - 3)?,
    );
    let (q, q_old) = (e2 / e1, e1 / e0);
    if !(q.is_finite() && q_old.is_finite()) || q <= 0.0 {
        return Some((1.0, 0.0));
    }
    if q >= 1.0 {
        return (len >= PROBE_MAX).then_some((max, 1.0));
    }
    // The one-sweep ratio grows towards the asymptotic rate: wait until it settles.
    if (q - q_old).abs() > PROBE_SETTLED * (1.0 - q) && len < PROBE_MAX {
        return None;
    }
    Some(((2.0 / (1.0 + (1.0 - q).sqrt())).clamp(1.0, max), q))
}

/// A final stage that started on the f64 kernel moves to f32 when more than this many sweeps
/// are predicted (an f32 build costs about as much as 30 sweeps' saved traffic).
const F32_MIN_SWEEPS: f64 = 30.0;

/// The rate probe ends when the one-sweep error ratio q changed by ≤ this fraction of 1 − q.
const PROBE_SETTLED: f64 = 0.02;

/// At most this many plain sweeps probe the rate.
const PROBE_MAX: usize = 40;

/// ε-scaling is used only when the cost range is at least this many ε: above that, the
/// stages (a kernel build and a few sweeps each) cost more sweeps than they save — measured
/// on uniform and Gaussian point clouds, n = 1000 (see README.md's peer table).
const EPS_SCALING_MIN_RANGE: f64 = 1000.0;

/// Marginal error (relative to the mass) below which the final stage's sweeps move from the
/// f32 to the f64 kernel.
const LOW_PRECISION_TOL: f64 = 1e-8;

/// ε-scaling: ε_{t+1} = ε_t·θ.
const EPS_SCALING_FACTOR: f64 = 0.5;

/// ε-scaling starts at ε₀ = (max C − min C)/8: the stages above take one or two sweeps each
/// (from the row-minimum start the first kernel's entries are ≥ e^{−8}).
const EPS_SCALING_START: f64 = 0.125;

/// The absorbed kernel K̃, stored in f32 (`high` = false: half the memory traffic per sweep)
/// or f64.
#[derive(Default)]
struct Kernel {
    high: bool,
    k32: Vec<f32>,
    k64: Vec<f64>,
    /// At the end of the final stage on the f64 kernel: its scalings (u, v), so that the
    /// plan is u_i K̃_ij v_j without new exponentials.
    scalings: Option<(Vec<f64>, Vec<f64>)>,
}

impl Kernel {
    fn build(&mut self, p: &Problem, f: &[f64], g: &[f64], eps: f64) {
        let len = p.m * p.n;
        if self.high {
            if self.k64.len() != len {
                self.k64 = dense::huge_vec(len);
            }
            absorbed_kernel(&mut self.k64, p, f, g, eps);
        } else {
            if self.k32.len() != len {
                self.k32 = dense::huge_vec(len);
            }
            absorbed_kernel(&mut self.k32, p, f, g, eps);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn sweep(
        &self,
        n: usize,
        v: &[f64],
        a: &[f64],
        u: &[f64],
        omega: f64,
        u_new: &mut [f64],
        ktu: &mut [f64],
    ) -> RowSweep {
        if self.high {
            fused_sweep(&self.k64, n, v, a, u, omega, u_new, ktu)
        } else {
            fused_sweep(&self.k32, n, v, a, u, omega, u_new, ktu)
        }
    }
}
