//! Entropic OT between point clouds with the costs computed on the fly
//! (`host::solvers::ot::cloud`, `mcuk sinkhorn --x X.npy --y Y.npy`): memory O((m + n)·d),
//! never the m×n cost matrix. The GIL is released during the solve.

use crate::errors::{input, ot};
use crate::solvers::{mat, vec1};
use host::solvers::ot::cloud::{self, Clouds, Metric};
use host::solvers::ot::sinkhorn::SinkhornOptions;
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::prelude::*;

/// The result of [`sinkhorn_clouds`]: the potentials f, g define the plan
/// T_ij = exp((f_i + g_j − C(x_i, y_j))/ε), formed only on request ([`CloudOtResult::plan`]).
#[pyclass(module = "mcuk", name = "CloudOTResult")]
pub struct CloudOtResult {
    /// f, length m (float64).
    #[pyo3(get)]
    f: Py<PyArray1<f64>>,
    /// g, length n (float64).
    #[pyo3(get)]
    g: Py<PyArray1<f64>>,
    /// aᵀf + bᵀg − ε(Σ T − Σ a).
    #[pyo3(get)]
    objective: f64,
    /// ⟨C, T⟩.
    #[pyo3(get)]
    cost: f64,
    /// ‖T1 − a‖₁ + ‖Tᵀ1 − b‖₁ of the final plan (recomputed).
    #[pyo3(get)]
    residual: f64,
    /// Stopping rule met and both recomputed marginal errors ≤ stopThr.
    #[pyo3(get)]
    converged: bool,
    /// Sweeps at the final ε.
    #[pyo3(get)]
    iterations: usize,
    clouds: Clouds,
    eps: f64,
}

#[pymethods]
impl CloudOtResult {
    /// The dense m×n plan (float64): m·n·8 bytes, the array the solver avoids; for small
    /// problems and checks only.
    fn plan<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let (f, g) = (self.f.bind(py).to_vec()?, self.g.bind(py).to_vec()?);
        let (c, eps) = (&self.clouds, self.eps);
        let t = py.detach(|| cloud::plan(c, &f, &g, eps));
        PyArray1::from_vec(py, t).reshape([c.m, c.n])
    }

    fn __repr__(&self) -> String {
        format!(
            "CloudOTResult(m={}, n={}, objective={}, cost={}, residual={:e}, converged={}, iterations={})",
            self.clouds.m, self.clouds.n, self.objective, self.cost, self.residual, self.converged, self.iterations
        )
    }
}

/// Entropic OT between the point clouds X (m×d) and Y (n×d) with weights a, b, cost
/// ‖x − y‖² (`metric="sqeuclidean"`) or ‖x − y‖ (`"euclidean"`), computed tile by tile in
/// every sweep; options as [`crate::solvers`]' `sinkhorn`.
#[pyfunction]
#[pyo3(signature = (a, b, X, Y, reg = 0.01, numItermax = 100_000, stopThr = 1e-9, *, metric = "sqeuclidean", eps_scaling = true, overrelaxation = 1.9))]
#[allow(non_snake_case, clippy::too_many_arguments)]
fn sinkhorn_clouds(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    X: &Bound<'_, PyAny>,
    Y: &Bound<'_, PyAny>,
    reg: f64,
    numItermax: usize,
    stopThr: f64,
    metric: &str,
    eps_scaling: bool,
    overrelaxation: f64,
) -> PyResult<CloudOtResult> {
    let metric = match metric {
        "sqeuclidean" => Metric::SqEuclidean,
        "euclidean" => Metric::Euclidean,
        other => {
            return Err(input(format!(
                "metric: expected \"sqeuclidean\" or \"euclidean\", got {other:?}"
            )))
        }
    };
    let (x, m, d) = mat(X, "X")?;
    let (y, n, dy) = mat(Y, "Y")?;
    if dy != d {
        return Err(input(format!(
            "X and Y: points of different dimension ({d} and {dy})"
        )));
    }
    let clouds = Clouds::new(m, n, d, x, y, vec1(a, "a")?, vec1(b, "b")?, metric).map_err(ot)?;
    let opts = SinkhornOptions {
        epsilon: reg,
        tol: stopThr,
        max_iter: numItermax,
        eps_scaling,
        overrelaxation,
    };
    let s = py
        .detach(|| cloud::solve(&clouds, &opts, &mut |_, _, _| {}))
        .map_err(ot)?;
    Ok(CloudOtResult {
        f: PyArray1::from_vec(py, s.f).unbind(),
        g: PyArray1::from_vec(py, s.g).unbind(),
        objective: s.dual_objective,
        cost: s.transport_cost,
        residual: s.row_error + s.col_error,
        converged: s.converged,
        iterations: s.iterations,
        clouds,
        eps: reg,
    })
}

/// Adds the point-cloud solver to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<CloudOtResult>()?;
    m.add_function(wrap_pyfunction!(sinkhorn_clouds, m)?)?;
    Ok(())
}
