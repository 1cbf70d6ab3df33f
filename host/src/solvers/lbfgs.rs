//! Limited-memory BFGS for minimising a C¹ (or piecewise-C², as the sparse OT duals) function.
//!
//! **Direction:** d = −H g by the two-loop recursion over the last `memory` pairs
//! (s, y) = (x_{k+1} − x_k, g_{k+1} − g_k), with H₀ = (sᵀy / yᵀy)·I; pairs with
//! sᵀy ≤ 1e−12·‖s‖‖y‖ are skipped so that H stays positive definite.
//!
//! **Line search:** weak Wolfe by bracketing and bisection (Lewis & Overton 2013), which also
//! works on nonsmooth convex functions: accept t when
//! f(x + t d) ≤ f(x) + c₁ t gᵀd (c₁ = 1e−4) and ∇f(x + t d)ᵀd ≥ c₂ gᵀd (c₂ = 0.9).
//!
//! **Stopping rule:** the caller's `residual(g)` ≤ `tol` (for the OT duals the gradient is
//! the marginal residual, so this is ‖T1 − a‖₁ + ‖Tᵀ1 − b‖₁ ≤ tol), or `max_iter`, or a line
//! search that cannot decrease f any more (floating-point limit; reported as not converged), or
//! (when `ftol` > 0) a relative decrease ≤ `ftol` in one iteration (as scipy's L-BFGS-B).

/// Options of [`minimize`].
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Stored (s, y) pairs.
    pub memory: usize,
    /// Iteration limit.
    pub max_iter: usize,
    /// Stop when `residual(gradient)` ≤ `tol`.
    pub tol: f64,
    /// Also stop (not converged) when an iteration decreases f by at most
    /// ftol·max(|f_k|, |f_{k+1}|, 1), scipy's L-BFGS-B `ftol` rule; 0 disables it.
    pub ftol: f64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            memory: 10,
            max_iter: 1000,
            tol: 1e-7,
            ftol: 0.0,
        }
    }
}

/// Result of [`minimize`].
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// f at the returned point.
    pub value: f64,
    /// Iterations done.
    pub iterations: usize,
    /// Function/gradient evaluations.
    pub evaluations: usize,
    /// `residual(g)` at the returned point.
    pub residual: f64,
    /// Whether `residual ≤ tol` was reached.
    pub converged: bool,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Minimises `f` from `x` (overwritten with the result). `f(x, g)` returns f(x) and writes
/// ∇f(x) into g. `progress(iteration, value, residual)` is called after each iteration.
pub fn minimize(
    x: &mut [f64],
    mut f: impl FnMut(&[f64], &mut [f64]) -> f64,
    residual: impl Fn(&[f64]) -> f64,
    opts: Options,
    progress: &mut dyn FnMut(usize, f64, f64),
) -> Outcome {
    let n = x.len();
    let mem = opts.memory.max(1);
    let mut g = vec![0.0; n];
    let mut fx = f(x, &mut g);
    let mut evaluations = 1;
    let mut res = residual(&g);
    let mut s_hist: Vec<Vec<f64>> = Vec::with_capacity(mem);
    let mut y_hist: Vec<Vec<f64>> = Vec::with_capacity(mem);
    let mut rho_hist: Vec<f64> = Vec::with_capacity(mem);
    let mut d = vec![0.0; n];
    let mut alpha = vec![0.0; mem];
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    let mut iterations = 0;
    while res > opts.tol && iterations < opts.max_iter && fx.is_finite() {
        // Two-loop recursion: d = −H g.
        for (di, gi) in d.iter_mut().zip(&g) {
            *di = -gi;
        }
        let h = s_hist.len();
        for i in (0..h).rev() {
            if let (Some(s), Some(y), Some(&rho), Some(a)) = (
                s_hist.get(i),
                y_hist.get(i),
                rho_hist.get(i),
                alpha.get_mut(i),
            ) {
                *a = rho * dot(s, &d);
                for (di, yi) in d.iter_mut().zip(y) {
                    *di -= *a * yi;
                }
            }
        }
        let gamma = match (s_hist.last(), y_hist.last()) {
            (Some(s), Some(y)) => dot(s, y) / dot(y, y),
            _ => 1.0 / g.iter().map(|v| v.abs()).sum::<f64>().max(1e-300),
        };
        for di in d.iter_mut() {
            *di *= gamma;
        }
        for i in 0..h {
            if let (Some(s), Some(y), Some(&rho), Some(&a)) =
                (s_hist.get(i), y_hist.get(i), rho_hist.get(i), alpha.get(i))
            {
                let b = rho * dot(y, &d);
                for (di, si) in d.iter_mut().zip(s) {
                    *di += (a - b) * si;
                }
            }
        }
        let mut gd = dot(&g, &d);
        if gd >= 0.0 || !gd.is_finite() {
            // Not a descent direction: restart from steepest descent.
            s_hist.clear();
            y_hist.clear();
            rho_hist.clear();
            let scale = 1.0 / g.iter().map(|v| v.abs()).sum::<f64>().max(1e-300);
            for (di, gi) in d.iter_mut().zip(&g) {
                *di = -gi * scale;
            }
            gd = dot(&g, &d);
        }
        // Weak Wolfe line search.
        let (c1, c2) = (1e-4, 0.9);
        let (mut lo, mut hi, mut t) = (0.0f64, f64::INFINITY, 1.0f64);
        // (step, value) of the last evaluation and of the best point with sufficient decrease.
        let mut last = (f64::NAN, f64::NAN);
        let mut wolfe = false;
        for _ in 0..60 {
            for ((xn, xi), di) in x_new.iter_mut().zip(x.iter()).zip(&d) {
                *xn = xi + t * di;
            }
            let f_new = f(&x_new, &mut g_new);
            evaluations += 1;
            last = (t, f_new);
            let sufficient_decrease = f_new <= fx + c1 * t * gd;
            if !sufficient_decrease {
                hi = t;
            } else if dot(&g_new, &d) < c2 * gd {
                lo = t;
            } else {
                wolfe = true;
                break;
            }
            t = if hi.is_finite() {
                0.5 * (lo + hi)
            } else {
                2.0 * t
            };
            if hi.is_finite() && hi - lo <= 1e-15 * hi {
                break;
            }
        }
        if !wolfe {
            if lo == 0.0 {
                break; // no decrease possible at this precision
            }
            if last.0 != lo {
                for ((xn, xi), di) in x_new.iter_mut().zip(x.iter()).zip(&d) {
                    *xn = xi + lo * di;
                }
                last.1 = f(&x_new, &mut g_new);
                evaluations += 1;
            }
        }
        let f_new = last.1;
        // Update memory.
        let s: Vec<f64> = x_new.iter().zip(x.iter()).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 * dot(&s, &s).sqrt() * dot(&y, &y).sqrt() && sy > 0.0 {
            if s_hist.len() == mem {
                s_hist.remove(0);
                y_hist.remove(0);
                rho_hist.remove(0);
            }
            s_hist.push(s);
            y_hist.push(y);
            rho_hist.push(1.0 / sy);
        }
        x.copy_from_slice(&x_new);
        g.copy_from_slice(&g_new);
        let stalled = fx - f_new <= opts.ftol * fx.abs().max(f_new.abs()).max(1.0);
        fx = f_new;
        res = residual(&g);
        iterations += 1;
        progress(iterations, fx, res);
        if opts.ftol > 0.0 && stalled && res > opts.tol {
            break;
        }
    }
    Outcome {
        value: fx,
        iterations,
        evaluations,
        residual: res,
        converged: res <= opts.tol,
    }
}
