//! Entropic OT between point clouds with the cost computed on the fly (no n×m matrix).
//!
//! Points x_i ∈ ℝ^d (m of them, weights a) and y_j ∈ ℝ^d (n, weights b), cost
//! C_ij = c(x_i, y_j) for a [`Metric`]. Log-domain Sinkhorn on the potentials f, g
//! (T_ij = exp((f_i + g_j − C_ij)/ε)): a half-sweep computes, for each row i, the row sum
//! s_i = Σ_j exp((f_i + g_j − C_ij)/ε) tile by tile — [`TILE`] costs at a time into a stack
//! buffer, from the points held as columns (structure of arrays), so that the loops
//! vectorise — and sets f_i += ω ε (log a_i − log s_i). Rows run on the rayon threads. A row
//! whose sum leaves [1e−280, 1e280] is redone with a max-shifted log-sum-exp (two passes).
//!
//! Memory: the points (m + n)·d, the potentials and one tile per thread — O((m + n)·d); the
//! plan is never formed (its potentials define it; [`plan`] writes it out when asked).
//! Time per sweep: 2·m·n cost evaluations and exponentials, so it grows as n² at m = n.
//!
//! Sweeps: ε-scaling and the over-relaxation ω follow the dense solver's rules
//! ([`super::sinkhorn`]): ε-scaling only when the cost range is ≥ 1000 ε, ω measured from the
//! first plain sweeps' rate; the last sweep before stopping is plain (columns exact), and the
//! stopping rule is ‖T1 − a‖₁ ≤ tol. The final check recomputes both marginals of the plan
//! the returned potentials define; `converged` requires both within tol.

use rayon::prelude::*;

use super::sinkhorn::SinkhornOptions;
use super::{positive, OtError};

/// Columns per tile of the on-the-fly cost (2 KB of f64: stays in L1 with its inputs).
pub const TILE: usize = 256;

/// The ground cost between two points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// ‖x − y‖².
    SqEuclidean,
    /// ‖x − y‖.
    Euclidean,
}

/// Two weighted point clouds, validated.
#[derive(Debug, Clone)]
pub struct Clouds {
    /// Points per cloud.
    pub m: usize,
    /// Points in the second cloud.
    pub n: usize,
    /// Dimension.
    pub d: usize,
    /// x, row-major m×d.
    pub x: Vec<f64>,
    /// y, row-major n×d.
    pub y: Vec<f64>,
    /// x by coordinates: `xt[k·m + i]` = x_ik.
    xt: Vec<f64>,
    /// y by coordinates: `yt[k·n + j]` = y_jk.
    yt: Vec<f64>,
    /// Weights of x (length m).
    pub a: Vec<f64>,
    /// Weights of y (length n).
    pub b: Vec<f64>,
    /// The cost.
    pub metric: Metric,
}

fn transpose(p: &[f64], rows: usize, d: usize) -> Vec<f64> {
    let mut t = vec![0.0; p.len()];
    for (i, pt) in p.chunks_exact(d.max(1)).enumerate() {
        for (k, &v) in pt.iter().enumerate() {
            if let Some(o) = t.get_mut(k * rows + i) {
                *o = v;
            }
        }
    }
    t
}

impl Clouds {
    /// Checks shapes, finiteness and masses (as [`super::Problem::new`]).
    ///
    /// # Errors
    /// [`OtError`] for empty clouds, shape mismatches, non-finite coordinates (reported as
    /// `NonFiniteCost` with row = point, col = coordinate) or bad masses.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        m: usize,
        n: usize,
        d: usize,
        x: Vec<f64>,
        y: Vec<f64>,
        a: Vec<f64>,
        b: Vec<f64>,
        metric: Metric,
    ) -> Result<Self, OtError> {
        if m == 0 || n == 0 || d == 0 {
            return Err(OtError::Empty { rows: m, cols: n });
        }
        for (pts, rows) in [(&x, m), (&y, n)] {
            if rows.checked_mul(d) != Some(pts.len()) {
                return Err(OtError::BadData {
                    rows,
                    cols: d,
                    len: pts.len(),
                });
            }
            if let Some(p) = pts.iter().position(|v| !v.is_finite()) {
                return Err(OtError::NonFiniteCost {
                    row: p / d,
                    col: p % d,
                    value: pts.get(p).copied().unwrap_or(f64::NAN),
                });
            }
        }
        // The marginal checks of Problem::new, on a 1×1 stand-in cost.
        if a.len() != m || b.len() != n {
            return Err(OtError::ShapeMismatch {
                rows: m,
                cols: n,
                a_len: a.len(),
                b_len: b.len(),
            });
        }
        super::check_masses(&a, &b)?;
        let (xt, yt) = (transpose(&x, m, d), transpose(&y, n, d));
        Ok(Self {
            m,
            n,
            d,
            x,
            y,
            xt,
            yt,
            a,
            b,
            metric,
        })
    }

    /// An upper bound of max C − min C from the bounding boxes (the diameter of their union).
    pub fn cost_range(&self) -> f64 {
        let mut diam2 = 0.0;
        for k in 0..self.d {
            let col = |t: &[f64], len: usize| {
                let s = t.get(k * len..(k + 1) * len).unwrap_or(&[]);
                super::sinkhorn::min_max(s)
            };
            let (lx, hx) = col(&self.xt, self.m);
            let (ly, hy) = col(&self.yt, self.n);
            let w = hx.max(hy) - lx.min(ly);
            diam2 += w * w;
        }
        match self.metric {
            Metric::SqEuclidean => diam2,
            Metric::Euclidean => diam2.sqrt(),
        }
    }
}

/// `out[t]` = c(p, q_{j0 + t}) for the tile, q by coordinates (`qt[k·len + j]`).
#[inline(always)]
fn cost_tile(metric: Metric, p: &[f64], qt: &[f64], len: usize, j0: usize, out: &mut [f64]) {
    let w = out.len();
    let col = |k: usize| qt.get(k * len + j0..k * len + j0 + w).unwrap_or(&[]);
    match *p {
        [p0, p1] => {
            for ((o, &q0), &q1) in out.iter_mut().zip(col(0)).zip(col(1)) {
                let (t0, t1) = (p0 - q0, p1 - q1);
                *o = t0 * t0 + t1 * t1;
            }
        }
        _ => {
            out.fill(0.0);
            for (k, &pk) in p.iter().enumerate() {
                for (o, &q) in out.iter_mut().zip(col(k)) {
                    let t = pk - q;
                    *o += t * t;
                }
            }
        }
    }
    if metric == Metric::Euclidean {
        for o in out.iter_mut() {
            *o = o.sqrt();
        }
    }
}

/// What one pass over the rows found.
#[derive(Debug, Clone, Copy, Default)]
struct Pass {
    /// Σ_i |s_i − w_i| before the update.
    err: f64,
    /// Σ_ij C_ij T_ij (only when asked).
    cost: f64,
}

/// One row: s = Σ_j exp((p + q_j − c(x, y_j))·inv) and, when `with_cost`, Σ_j C_ij T_ij.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn row_pass_impl<const FMA: bool>(
    metric: Metric,
    pt: &[f64],
    p: f64,
    q: &[f64],
    qt: &[f64],
    inv: f64,
    with_cost: bool,
    tile: &mut [f64; TILE],
) -> (f64, f64) {
    let len = q.len();
    let (mut s, mut cs) = (0.0, 0.0);
    let mut j0 = 0;
    while j0 < len {
        let w = TILE.min(len - j0);
        let t = &mut tile[..w];
        cost_tile(metric, pt, qt, len, j0, t);
        let qs = q.get(j0..j0 + w).unwrap_or(&[]);
        let (mut acc, mut cacc) = ([0.0f64; 4], [0.0f64; 4]);
        let mut tc = t.chunks_exact(4);
        let mut qc = qs.chunks_exact(4);
        for (c4, q4) in (&mut tc).zip(&mut qc) {
            for (((a, ca), &c), &qj) in acc.iter_mut().zip(cacc.iter_mut()).zip(c4).zip(q4) {
                let e = super::dense::exp_impl::<FMA>((p + qj - c) * inv);
                *a += e;
                *ca += e * c;
            }
        }
        for (&c, &qj) in tc.remainder().iter().zip(qc.remainder()) {
            let e = super::dense::exp_impl::<FMA>((p + qj - c) * inv);
            s += e;
            cs += e * c;
        }
        s += (acc[0] + acc[1]) + (acc[2] + acc[3]);
        if with_cost {
            cs += (cacc[0] + cacc[1]) + (cacc[2] + cacc[3]);
        }
        j0 += w;
    }
    (s, if with_cost { cs } else { 0.0 })
}

/// [`row_pass_impl`], the AVX2 + FMA copy when the CPU has both.
#[allow(clippy::too_many_arguments)]
fn row_pass(
    metric: Metric,
    pt: &[f64],
    p: f64,
    q: &[f64],
    qt: &[f64],
    inv: f64,
    with_cost: bool,
    tile: &mut [f64; TILE],
) -> (f64, f64) {
    #[cfg(target_arch = "x86_64")]
    if super::dense::has_avx2_fma() {
        #[target_feature(enable = "avx2,fma")]
        #[allow(clippy::too_many_arguments)]
        unsafe fn avx2(
            metric: Metric,
            pt: &[f64],
            p: f64,
            q: &[f64],
            qt: &[f64],
            inv: f64,
            with_cost: bool,
            tile: &mut [f64; TILE],
        ) -> (f64, f64) {
            row_pass_impl::<true>(metric, pt, p, q, qt, inv, with_cost, tile)
        }
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        return unsafe { avx2(metric, pt, p, q, qt, inv, with_cost, tile) };
    }
    row_pass_impl::<false>(metric, pt, p, q, qt, inv, with_cost, tile)
}

/// max-shifted ε·log Σ_j exp((q_j − c(x, y_j))/ε) (two passes over the tiles).
fn row_lse(
    metric: Metric,
    pt: &[f64],
    q: &[f64],
    qt: &[f64],
    eps: f64,
    tile: &mut [f64; TILE],
) -> f64 {
    let len = q.len();
    let mut mx = f64::NEG_INFINITY;
    let mut j0 = 0;
    while j0 < len {
        let w = TILE.min(len - j0);
        let t = &mut tile[..w];
        cost_tile(metric, pt, qt, len, j0, t);
        for (&c, &qj) in t.iter().zip(q.get(j0..j0 + w).unwrap_or(&[])) {
            mx = mx.max(qj - c);
        }
        j0 += w;
    }
    if !mx.is_finite() {
        return mx;
    }
    let mut s = 0.0;
    j0 = 0;
    while j0 < len {
        let w = TILE.min(len - j0);
        let t = &mut tile[..w];
        cost_tile(metric, pt, qt, len, j0, t);
        for (&c, &qj) in t.iter().zip(q.get(j0..j0 + w).unwrap_or(&[])) {
            s += ((qj - c - mx) / eps).exp();
        }
        j0 += w;
    }
    mx + eps * s.ln()
}

/// Half-sweep over the rows of one side: `pot` (f, points `pts` row-major) against `other`
/// (g, the other side's points by coordinates `qt`); `omega` = 0 only measures.
#[allow(clippy::too_many_arguments)]
fn half_sweep(
    metric: Metric,
    d: usize,
    pot: &mut [f64],
    pts: &[f64],
    other: &[f64],
    qt: &[f64],
    mass: &[f64],
    eps: f64,
    omega: f64,
    with_cost: bool,
) -> Pass {
    let inv = 1.0 / eps;
    let min_len = (1usize << 14) / other.len().max(1) + 1;
    pot.par_iter_mut()
        .zip(pts.par_chunks(d))
        .zip(mass.par_iter())
        .with_min_len(min_len)
        .map_init(
            || [0.0f64; TILE],
            |tile, ((p, pt), &w)| {
                if w <= 0.0 {
                    *p = f64::NEG_INFINITY;
                    return Pass::default();
                }
                let (s, cs) = if p.is_finite() {
                    row_pass(metric, pt, *p, other, qt, inv, with_cost, tile)
                } else {
                    (f64::NAN, 0.0)
                };
                let err = if s.is_finite() { (s - w).abs() } else { w };
                if omega > 0.0 {
                    if s.is_finite() && s > 1e-280 && s < 1e280 {
                        *p += omega * eps * (w.ln() - s.ln());
                    } else {
                        let target = eps * w.ln() - row_lse(metric, pt, other, qt, eps, tile);
                        *p = if p.is_finite() {
                            *p + omega * (target - *p)
                        } else {
                            target
                        };
                    }
                }
                Pass { err, cost: cs }
            },
        )
        .reduce(Pass::default, |x, y| Pass {
            err: x.err + y.err,
            cost: x.cost + y.cost,
        })
}

/// The result of [`solve`]: the potentials define the plan T_ij = exp((f_i + g_j − C_ij)/ε).
#[derive(Debug, Clone)]
pub struct CloudSolution {
    /// f (length m).
    pub f: Vec<f64>,
    /// g (length n).
    pub g: Vec<f64>,
    /// ‖T1 − a‖₁ of the final plan (recomputed).
    pub row_error: f64,
    /// ‖Tᵀ1 − b‖₁ of the final plan (recomputed).
    pub col_error: f64,
    /// ⟨C, T⟩.
    pub transport_cost: f64,
    /// aᵀf + bᵀg − ε(Σ T − Σ a).
    pub dual_objective: f64,
    /// Sweeps at the final ε.
    pub iterations: usize,
    /// Sweeps over all ε stages.
    pub total_sweeps: usize,
    /// Stopping rule met and both recomputed marginal errors ≤ tol.
    pub converged: bool,
}

/// Entropic OT between point clouds (see the module docs). `opts.max_iter` bounds the sweeps
/// at the final ε; `opts.eps_scaling` allows ε-scaling; `opts.overrelaxation` caps ω.
///
/// # Errors
/// [`OtError::BadParameter`] for ε ≤ 0, tol ≤ 0 or ω outside [1, 2).
pub fn solve(
    c: &Clouds,
    opts: &SinkhornOptions,
    progress: &mut dyn FnMut(usize, f64, f64),
) -> Result<CloudSolution, OtError> {
    let eps = opts.epsilon;
    if !positive(eps) || !positive(opts.tol) || !(1.0..2.0).contains(&opts.overrelaxation) {
        return Err(OtError::BadParameter(format!(
            "epsilon and tol must be positive and omega in [1, 2) (epsilon = {eps}, tol = {}, omega = {})",
            opts.tol, opts.overrelaxation
        )));
    }
    let range = c.cost_range();
    if !(range.max(1.0) / eps).is_finite() {
        return Err(OtError::BadParameter(format!(
            "epsilon = {eps:e} is too small for costs up to {range:e}"
        )));
    }
    let stages = super::sinkhorn::eps_stages(eps, range, opts.eps_scaling);
    let mass: f64 = c.a.iter().sum();
    let d = c.d;
    let mut f = vec![f64::NEG_INFINITY; c.m];
    let mut g: Vec<f64> =
        c.b.iter()
            .map(|&w| if w > 0.0 { 0.0 } else { f64::NEG_INFINITY })
            .collect();
    let (mut iterations, mut total_sweeps, mut converged) = (0, 0, false);
    let last = stages.len().saturating_sub(1);
    for (stage, &e) in stages.iter().enumerate() {
        let final_stage = stage == last;
        let (tol, limit) = if final_stage {
            (opts.tol, opts.max_iter)
        } else {
            (opts.tol.max(1e-3 * mass), 200)
        };
        let mut omega = 1.0;
        let mut omega_set = !final_stage || opts.overrelaxation == 1.0;
        let mut probe = Vec::new();
        let mut sweeps = 0;
        let mut last_plain = false;
        loop {
            let r = half_sweep(c.metric, d, &mut f, &c.x, &g, &c.yt, &c.a, e, omega, false);
            if sweeps > 0 {
                if final_stage {
                    progress(iterations, e, r.err);
                }
                if r.err <= tol && last_plain {
                    // The plain iterate before this f-update (columns exact) met tol; finish
                    // with a plain g-update so that the columns are exact again (the final
                    // check below measures the plan returned).
                    if final_stage {
                        half_sweep(c.metric, d, &mut g, &c.y, &f, &c.xt, &c.b, e, 1.0, false);
                    }
                    converged = final_stage;
                    break;
                }
                if r.err <= tol {
                    omega = 1.0;
                }
                if !omega_set {
                    probe.push(r.err);
                    if let Some((w, _)) =
                        super::sinkhorn::optimal_omega(&probe, opts.overrelaxation)
                    {
                        omega = w;
                        omega_set = true;
                    }
                }
            }
            if sweeps >= limit {
                break;
            }
            half_sweep(c.metric, d, &mut g, &c.y, &f, &c.xt, &c.b, e, omega, false);
            last_plain = omega == 1.0;
            sweeps += 1;
            total_sweeps += 1;
            if final_stage {
                iterations += 1;
            }
        }
    }
    // The final check: both marginals and the cost of the plan the potentials define.
    let mut ff = f.clone();
    let rows = half_sweep(c.metric, d, &mut ff, &c.x, &g, &c.yt, &c.a, eps, 0.0, true);
    let mut gg = g.clone();
    let cols = half_sweep(c.metric, d, &mut gg, &c.y, &f, &c.xt, &c.b, eps, 0.0, false);
    let dot = |w: &[f64], p: &[f64]| -> f64 {
        w.iter()
            .zip(p)
            .filter(|(w, _)| **w > 0.0)
            .map(|(w, p)| w * p)
            .sum()
    };
    let sum_t = row_sums_total(c, &f, &g, eps);
    let dual = dot(&c.a, &f) + dot(&c.b, &g) - eps * (sum_t - mass);
    let ok = rows.err.is_finite() && cols.err.is_finite() && rows.cost.is_finite();
    Ok(CloudSolution {
        converged: converged && ok && rows.err <= opts.tol && cols.err <= opts.tol,
        row_error: rows.err,
        col_error: cols.err,
        transport_cost: rows.cost,
        dual_objective: dual,
        f,
        g,
        iterations,
        total_sweeps,
    })
}

/// Σ_ij T_ij (one pass over the rows).
fn row_sums_total(c: &Clouds, f: &[f64], g: &[f64], eps: f64) -> f64 {
    let inv = 1.0 / eps;
    f.par_iter()
        .zip(c.x.par_chunks(c.d))
        .map_init(
            || [0.0f64; TILE],
            |tile, (&p, pt)| {
                if p.is_finite() {
                    row_pass(c.metric, pt, p, g, &c.yt, inv, false, tile).0
                } else {
                    0.0
                }
            },
        )
        .sum()
}

/// The dense plan T_ij = exp((f_i + g_j − C_ij)/ε), row-major m×n (only for writing it out:
/// it is the n×m array the solver avoids).
pub fn plan(c: &Clouds, f: &[f64], g: &[f64], eps: f64) -> Vec<f64> {
    let inv = 1.0 / eps;
    let mut out = vec![0.0; c.m * c.n];
    out.par_chunks_mut(c.n)
        .zip(c.x.par_chunks(c.d))
        .zip(f.par_iter())
        .for_each(|((row, pt), &p)| {
            let mut j0 = 0;
            while j0 < c.n {
                let w = TILE.min(c.n - j0);
                let mut t = [0.0f64; TILE];
                let t = &mut t[..w];
                cost_tile(c.metric, pt, &c.yt, c.n, j0, t);
                for ((o, &cij), &q) in row[j0..j0 + w].iter_mut().zip(t.iter()).zip(&g[j0..j0 + w])
                {
                    *o = if p.is_finite() && q.is_finite() {
                        super::sinkhorn::fast_exp((p + q - cij) * inv)
                    } else {
                        0.0
                    };
                }
                j0 += w;
            }
        });
    out
}
