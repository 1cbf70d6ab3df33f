//! The host solvers (`host::solvers`): Sinkhorn, sparsity-constrained OT, Halpern for matrix
//! games, LipSDP; keyword names as in POT where the concept is the same (`a`, `b`, `M`,
//! `reg`, `numItermax`, `stopThr`). Every solve runs with the GIL released.

use crate::arrays::{rows_of, view};
use crate::errors::{input, ot};
use host::io::Matrix;
use host::reference::lipschitz::Act;
use host::solvers::halpern::{self, Game, HalpernOptions};
use host::solvers::ot::{sinkhorn as sk, sparse, Problem, Solution};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::prelude::*;

/// A transport solver's result.
#[pyclass(module = "mcuk", name = "OTResult", get_all)]
pub struct OtResult {
    /// The plan T, an m×n float64 array (dense).
    plan: Py<PyArray2<f64>>,
    /// The maximised dual (Sinkhorn: entropic dual) objective.
    objective: f64,
    /// ⟨M, T⟩.
    cost: f64,
    /// ‖T1 − a‖₁ + ‖Tᵀ1 − b‖₁ of the returned plan.
    residual: f64,
    /// Whether the stopping rule was met and the plan passed the final check.
    converged: bool,
    /// Outer iterations (Sinkhorn sweeps, L-BFGS iterations).
    iterations: usize,
    /// sparse_ot only (else None): the plan's compressed sparse columns, the row indices
    /// (int64) of column j's nonzeros (at most k, ascending) at plan_indptr[j]..plan_indptr[j+1].
    plan_indices: Option<Py<PyArray1<i64>>>,
    /// sparse_ot only: the values of those nonzeros (float64), in the same order.
    plan_values: Option<Py<PyArray1<f64>>>,
    /// sparse_ot only: the n + 1 column offsets into plan_indices / plan_values.
    plan_indptr: Option<Py<PyArray1<i64>>>,
}

#[pymethods]
impl OtResult {
    /// The plan as a scipy.sparse.csc_matrix (m×n) built from plan_values, plan_indices and
    /// plan_indptr, no dense copy: sparse_ot only; ImportError without SciPy, ValueError for
    /// a result without a sparse form (sinkhorn).
    fn plan_csc<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (Some(v), Some(i), Some(p)) =
            (&self.plan_values, &self.plan_indices, &self.plan_indptr)
        else {
            return Err(input(
                "plan_csc: this result has no sparse form (sparse_ot results have one)",
            ));
        };
        let shape = self.plan.bind(py).shape().to_vec();
        py.import("scipy.sparse")?
            .getattr("csc_matrix")?
            .call1(((v, i, p), (shape[0], shape[1])))
    }

    fn __repr__(&self) -> String {
        format!(
            "OTResult(objective={}, cost={}, residual={:e}, converged={}, iterations={})",
            self.objective, self.cost, self.residual, self.converged, self.iterations
        )
    }
}

pub(crate) fn vec1(x: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<f64>> {
    let a = view::<f64>(x, name, "float64")?;
    if a.ndim() != 1 {
        return Err(input(format!("{name}: expected a 1-D array")));
    }
    Ok(a.as_slice().map_err(|e| input(e.to_string()))?.to_vec())
}

pub(crate) fn mat(x: &Bound<'_, PyAny>, name: &str) -> PyResult<(Vec<f64>, usize, usize)> {
    let a = view::<f64>(x, name, "float64")?;
    if a.ndim() != 2 {
        return Err(input(format!("{name}: expected a 2-D array")));
    }
    let (r, c) = rows_of(&a);
    Ok((
        a.as_slice().map_err(|e| input(e.to_string()))?.to_vec(),
        r,
        c,
    ))
}

fn problem(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>, m: &Bound<'_, PyAny>) -> PyResult<Problem> {
    let (cost, r, c) = mat(m, "M")?;
    Problem::new(r, c, cost, vec1(a, "a")?, vec1(b, "b")?).map_err(ot)
}

/// The nonzeros of the row-major m×n plan by columns (CSC: values, row indices, offsets).
fn csc(plan: &[f64], m: usize, n: usize) -> (Vec<f64>, Vec<i64>, Vec<i64>) {
    let (mut vals, mut rows, mut ptr) = (Vec::new(), Vec::new(), vec![0i64]);
    for j in 0..n {
        for i in 0..m {
            let v = plan[i * n + j];
            if v != 0.0 {
                vals.push(v);
                rows.push(i as i64);
            }
        }
        ptr.push(rows.len() as i64);
    }
    (vals, rows, ptr)
}

fn result(py: Python<'_>, p: &Problem, s: Solution, sparse: bool) -> PyResult<OtResult> {
    let (mut plan_values, mut plan_indices, mut plan_indptr) = (None, None, None);
    if sparse {
        let (v, i, ptr) = csc(&s.plan, p.m, p.n);
        plan_values = Some(PyArray1::from_vec(py, v).unbind());
        plan_indices = Some(PyArray1::from_vec(py, i).unbind());
        plan_indptr = Some(PyArray1::from_vec(py, ptr).unbind());
    }
    let plan = PyArray1::from_vec(py, s.plan).reshape([p.m, p.n])?;
    Ok(OtResult {
        plan_indices,
        plan_values,
        plan_indptr,
        plan: plan.unbind(),
        objective: s.dual_objective,
        cost: s.transport_cost,
        residual: s.marginal_error,
        converged: s.converged,
        iterations: s.iterations,
    })
}

/// Entropic OT, as `mcuk sinkhorn`: the plan T = diag(u) K diag(v), K = exp(−M/ε), of
/// min ⟨M, T⟩ − ε H(T) over T1 = a, Tᵀ1 = b, by log-domain Sinkhorn with ε-scaling and
/// over-relaxation ω. reg = ε (default 0.01), numItermax sweeps (100000), stopThr on
/// ‖T1 − a‖₁ (1e-9), eps_scaling (True), overrelaxation ω (cap 1.9, set from the measured rate). Same plan as POT's
/// ot.sinkhorn(method="sinkhorn_log"). Returns an OTResult (dense plan). GIL released.
#[pyfunction]
#[pyo3(signature = (a, b, M, reg = 0.01, numItermax = 100_000, stopThr = 1e-9, *, eps_scaling = true, overrelaxation = 1.9))]
#[allow(non_snake_case, clippy::too_many_arguments)]
fn sinkhorn(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    M: &Bound<'_, PyAny>,
    reg: f64,
    numItermax: usize,
    stopThr: f64,
    eps_scaling: bool,
    overrelaxation: f64,
) -> PyResult<OtResult> {
    let p = problem(a, b, M)?;
    let opts = sk::SinkhornOptions {
        epsilon: reg,
        tol: stopThr,
        max_iter: numItermax,
        eps_scaling,
        overrelaxation,
    };
    let s = py
        .detach(|| sk::solve(&p, &opts, &mut |_, _, _| {}))
        .map_err(ot)?;
    result(py, &p, s, false)
}

/// Sparsity-constrained OT, as `mcuk ot`: min ⟨M, T⟩ + (γ/2)‖T‖² over T1 = a, Tᵀ1 = b with
/// at most k nonzeros per column, γ = reg (default 1.0), k (2); L-BFGS on the semi-dual
/// (dual="semi", default) or the dual ("full"), numItermax (2000), stopThr (1e-7). With
/// k ≥ m: POT's ot.smooth.smooth_ot_dual(reg_type="l2"). Returns an OTResult: the dense
/// plan and its sparse form (plan_values, plan_indices, plan_indptr; plan_csc() for SciPy).
#[pyfunction]
#[pyo3(signature = (a, b, M, reg = 1.0, k = 2, numItermax = 2000, stopThr = 1e-7, *, dual = "semi"))]
#[allow(non_snake_case, clippy::too_many_arguments)]
fn sparse_ot(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    M: &Bound<'_, PyAny>,
    reg: f64,
    k: usize,
    numItermax: usize,
    stopThr: f64,
    dual: &str,
) -> PyResult<OtResult> {
    let p = problem(a, b, M)?;
    let opts = sparse::SparseOptions {
        k,
        gamma: reg,
        tol: stopThr,
        max_iter: numItermax,
        ..sparse::SparseOptions::default()
    };
    let s = match dual {
        "semi" => py.detach(|| sparse::solve_semi_dual(&p, &opts, &mut |_, _, _| {})),
        "full" => py.detach(|| sparse::solve_dual(&p, &opts, &mut |_, _, _| {})),
        other => {
            return Err(input(format!(
                "dual: expected \"semi\" or \"full\", got {other:?}"
            )))
        }
    }
    .map_err(ot)?;
    result(py, &p, s, true)
}

/// A matrix game's equilibrium (Halpern).
#[pyclass(module = "mcuk", name = "GameResult", get_all)]
pub struct GameResult {
    x: Py<PyArray1<f64>>,
    y: Py<PyArray1<f64>>,
    value: f64,
    gap: f64,
    residual: f64,
    iterations: usize,
    converged: bool,
}

/// The equilibrium of min_x max_y xᵀAy over the simplices (restarted anchored
/// extragradient, Halpern), as `mcuk halpern`: stopThr on the natural residual (1e-6),
/// max_passes over A (1e6). Returns a GameResult (x, y, value, gap, residual, iterations,
/// converged).
#[pyfunction]
#[pyo3(signature = (A, stopThr = 1e-6, max_passes = 1e6))]
#[allow(non_snake_case)]
fn halpern_game(
    py: Python<'_>,
    A: &Bound<'_, PyAny>,
    stopThr: f64,
    max_passes: f64,
) -> PyResult<GameResult> {
    let (data, r, c) = mat(A, "A")?;
    let g = Game::new(r, c, data).map_err(ot)?;
    let opts = HalpernOptions {
        tol: stopThr,
        max_passes,
        ..HalpernOptions::default()
    };
    let e = py
        .detach(|| halpern::solve(&g, opts, &mut |_, _, _| {}))
        .map_err(ot)?;
    Ok(GameResult {
        x: PyArray1::from_vec(py, e.x).unbind(),
        y: PyArray1::from_vec(py, e.y).unbind(),
        value: e.value,
        gap: e.gap,
        residual: e.residual,
        iterations: e.iterations,
        converged: e.converged,
    })
}

/// LipSDP-Neuron upper bound on the Lipschitz constant of x ↦ W_L σ(… σ(W_1 x)), weights as
/// a list of 2-D float64 arrays (layer 1 first): √ of the smallest ρ with the LipSDP-Neuron
/// matrix inequality feasible (Clarabel). activation: "relu" (default), "maxmin" or
/// "groupsort" (group size `group`, default 2).
#[pyfunction]
#[pyo3(signature = (weights, activation = "relu", group = 2))]
fn lipsdp(
    py: Python<'_>,
    weights: Vec<Bound<'_, PyAny>>,
    activation: &str,
    group: usize,
) -> PyResult<f64> {
    let ws = weights
        .iter()
        .map(|w| {
            let (data, rows, cols) = mat(w, "weights[i]")?;
            Ok(Matrix { rows, cols, data })
        })
        .collect::<PyResult<Vec<_>>>()?;
    let act = match activation {
        "relu" => Act::Relu,
        "maxmin" => Act::MaxMin,
        "groupsort" => Act::GroupSort(group),
        other => {
            return Err(input(format!(
                "activation: expected relu, maxmin or groupsort, got {other:?}"
            )))
        }
    };
    py.detach(|| host::solvers::lipsdp::lipsdp(&ws, act))
        .map_err(ot)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<OtResult>()?;
    m.add_class::<GameResult>()?;
    m.add_function(wrap_pyfunction!(sinkhorn, m)?)?;
    m.add_function(wrap_pyfunction!(sparse_ot, m)?)?;
    m.add_function(wrap_pyfunction!(halpern_game, m)?)?;
    m.add_function(wrap_pyfunction!(lipsdp, m)?)?;
    Ok(())
}
