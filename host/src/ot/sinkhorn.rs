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
//! **Over-relaxation** (Thibault et al. 2017): at the final ε the sweeps use
//! u ← (a/K̃v)^ω u^{1−ω}, v ← (b/K̃ᵀu)^ω v^{1−ω} with ω = `overrelaxation` (1.8 by default;
//! 1 is plain Sinkhorn); once the error first meets `tol` the remaining sweeps are plain, so
//! that the columns of the returned plan are exact. Safeguard: when 50 sweeps make no progress,
//! ω − 1 is halved (to plain Sinkhorn below ω = 1.05).
//!
//! **ε-scaling:** ε_t = max(ε, ε₀θ^t), ε₀ = max C − min C, θ = 1/2; each stage runs until
//! its marginal error ≤ max(tol, 1e−3·mass) (at most 200 sweeps), warm-starting the next.
//!
//! **Stopping rule:** after a plain v-update the columns are exact, so the marginal error is
//! ‖T1 − a‖₁ = Σ_i |u_i (K̃v)_i − a_i|, computed from the product the next u-update needs
//! anyway; stop when it is ≤ `tol` (the returned plan is the one measured).

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
    /// Over-relaxation ω ∈ [1, 2) of the final stage's sweeps (1 = plain Sinkhorn).
    pub overrelaxation: f64,
}

impl Default for SinkhornOptions {
    fn default() -> Self {
        Self {
            epsilon: 0.01,
            tol: 1e-9,
            max_iter: 100_000,
            eps_scaling: true,
            overrelaxation: 1.8,
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

/// K̃ = exp((f_i + g_j − C_ij)/ε), row-major (the absorbed kernel).
fn absorbed_kernel(kt: &mut [f64], p: &Problem, f: &[f64], g: &[f64], eps: f64) {
    let inv = 1.0 / eps;
    kt.par_chunks_mut(p.n)
        .zip(p.cost.par_chunks(p.n))
        .zip(f.par_iter())
        .with_min_len(super::sparse::min_len(p.n))
        .for_each(|((row, c), &fi)| {
            for ((k, &cij), &gj) in row.iter_mut().zip(c).zip(g) {
                *k = fast_exp((fi + gj - cij) * inv);
            }
        });
}

/// out = K̃ v (row sums weighted by v).
pub fn kernel_times(kt: &[f64], v: &[f64], out: &mut [f64]) {
    let n = v.len().max(1);
    out.par_iter_mut()
        .zip(kt.par_chunks(n))
        .with_min_len(super::sparse::min_len(n))
        .for_each(|(o, row)| {
            let mut acc = [0.0f64; 4];
            let mut rc = row.chunks_exact(4);
            let mut vc = v.chunks_exact(4);
            for (r4, v4) in (&mut rc).zip(&mut vc) {
                for ((a, &r), &x) in acc.iter_mut().zip(r4).zip(v4) {
                    *a += r * x;
                }
            }
            let mut s = acc.iter().sum::<f64>();
            for (&r, &x) in rc.remainder().iter().zip(vc.remainder()) {
                s += r * x;
            }
            *o = s;
        });
}

/// out = K̃ᵀ u, by row blocks reduced in parallel.
pub fn kernel_t_times(kt: &[f64], u: &[f64], n: usize, out: &mut [f64]) {
    const BLOCK: usize = 32;
    let n1 = n.max(1);
    let sum = kt
        .par_chunks(n1 * BLOCK)
        .zip(u.par_chunks(BLOCK))
        .with_min_len((1 << 15) / (n1 * BLOCK) + 1)
        .fold(
            || vec![0.0; n],
            |mut acc, (rows, us)| {
                for (row, &ui) in rows.chunks_exact(n1).zip(us) {
                    for (a, &k) in acc.iter_mut().zip(row) {
                        *a += ui * k;
                    }
                }
                acc
            },
        )
        .reduce(
            || vec![0.0; n],
            |mut x, y| {
                for (a, b) in x.iter_mut().zip(&y) {
                    *a += b;
                }
                x
            },
        );
    out.copy_from_slice(&sum);
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
    let eps = opts.epsilon;
    if !super::positive(eps) || !super::positive(opts.tol) {
        return Err(OtError::BadParameter(format!(
            "epsilon and tol must be positive (epsilon = {eps}, tol = {})",
            opts.tol
        )));
    }
    let omega0 = opts.overrelaxation;
    if !(1.0..2.0).contains(&omega0) {
        return Err(OtError::BadParameter(format!(
            "overrelaxation must be in [1, 2), got {omega0}"
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
    let (m, n) = (p.m, p.n);
    let mut f = vec![f64::NEG_INFINITY; m];
    let mut g: Vec<f64> =
        p.b.iter()
            .map(|&w| if w > 0.0 { 0.0 } else { f64::NEG_INFINITY })
            .collect();
    // Log-domain first half-sweep: f from g (handles zero masses and sets the scale).
    half_sweep(
        &mut f,
        &g,
        &p.cost,
        &p.a,
        stages.first().copied().unwrap_or(eps),
    );
    let mut kt = vec![0.0; m * n];
    let (mut u, mut v) = (vec![1.0; m], vec![1.0; n]);
    let (mut kv, mut ktu) = (vec![0.0; m], vec![0.0; n]);
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
    for (stage, &e) in stages.iter().enumerate() {
        let final_stage = stage == last;
        let (stage_tol, limit) = if final_stage {
            (opts.tol, opts.max_iter)
        } else {
            (opts.tol.max(1e-3 * mass), 200)
        };
        let mut omega = if final_stage { omega0 } else { 1.0 };
        let mut last_plain = false;
        let mut check_err = f64::INFINITY;
        absorbed_kernel(&mut kt, p, &f, &g, e);
        let mut sweeps = 0;
        loop {
            kernel_times(&kt, &v, &mut kv);
            let err: f64 = u
                .iter()
                .zip(&kv)
                .zip(&p.a)
                .map(|((ui, k), a)| (ui * k - a).abs())
                .sum();
            if final_stage && sweeps > 0 {
                progress(iterations, e, err);
            }
            // Safeguard: no progress in 50 sweeps halves ω − 1 (over-relaxation can cycle).
            if final_stage && sweeps % 50 == 0 {
                if sweeps > 0 && err >= check_err && omega > 1.0 {
                    omega = 1.0 + 0.5 * (omega - 1.0);
                    if omega < 1.05 {
                        omega = 1.0;
                    }
                }
                check_err = err;
            }
            if sweeps > 0 && err <= stage_tol {
                if last_plain || !final_stage {
                    converged = final_stage;
                    break;
                }
                omega = 1.0; // finish with plain sweeps
            }
            if sweeps >= limit {
                break;
            }
            let mut degenerate = false;
            for ((ui, &k), &a) in u.iter_mut().zip(&kv).zip(&p.a) {
                if a > 0.0 {
                    if k > 1e-300 && k.is_finite() {
                        *ui = if omega == 1.0 {
                            a / k
                        } else {
                            (a / k).powf(omega) * ui.powf(1.0 - omega)
                        };
                    } else {
                        degenerate = true;
                    }
                }
            }
            kernel_t_times(&kt, &u, n, &mut ktu);
            for ((vj, &k), &b) in v.iter_mut().zip(&ktu).zip(&p.b) {
                if b > 0.0 {
                    if k > 1e-300 && k.is_finite() {
                        *vj = if omega == 1.0 {
                            b / k
                        } else {
                            (b / k).powf(omega) * vj.powf(1.0 - omega)
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
                    // A row or column lost all its kernel mass: one exact log-domain sweep.
                    half_sweep(&mut f, &g, &p.cost, &p.a, e);
                    half_sweep(&mut g, &f, &p.cost_t, &p.b, e);
                }
                absorbed_kernel(&mut kt, p, &f, &g, e);
                last_plain = false;
            }
        }
        absorb(&mut f, &mut u, e);
        absorb(&mut g, &mut v, e);
    }
    Ok((f, g, iterations, converged))
}
