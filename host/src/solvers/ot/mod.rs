//! Optimal transport between discrete measures a ∈ ℝ^m_+ and b ∈ ℝ^n_+ with cost C ∈ ℝ^{m×n}:
//! min_{T ≥ 0, T1 = a, Tᵀ1 = b} ⟨C, T⟩ + Ω(T).
//!
//! * [`sparse`]: Ω(T) = γ/2‖T‖² with at most k nonzeros per column (Liu, Puigcerver,
//!   Blondel 2022), dual and semi-dual, maximised with [`crate::solvers::lbfgs`].
//! * [`quadratic`]: Ω(T) = γ/2‖T‖² without the sparsity constraint (Blondel, Seguy,
//!   Rolet 2018), smooth dual.
//! * [`sinkhorn`]: Ω(T) = ε·Σ T_ij (log T_ij − 1), log-domain Sinkhorn with ε-scaling.
//! * [`exact`]: Ω = 0 for uniform square problems (assignment, Hungarian algorithm).
//!
//! Every solver takes a validated [`Problem`]; [`Problem::new`] returns an [`OtError`] for
//! bad input and nothing here panics on user data.

pub mod cloud;
pub mod dense;
pub mod exact;
pub mod projection;
pub mod quadratic;
pub mod sinkhorn;
pub mod sparse;

/// Why a problem or a solver option was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OtError {
    /// The cost matrix has no rows or no columns.
    #[error("the cost matrix is empty ({rows}×{cols})")]
    Empty { rows: usize, cols: usize },
    /// Shapes of C, a and b disagree.
    #[error("shape mismatch: cost is {rows}×{cols} but a has {a_len} entries and b has {b_len} (need a: {rows}, b: {cols})")]
    ShapeMismatch {
        rows: usize,
        cols: usize,
        a_len: usize,
        b_len: usize,
    },
    /// The cost data length is not rows·cols.
    #[error("cost data has {len} values, expected {rows}×{cols}")]
    BadData {
        rows: usize,
        cols: usize,
        len: usize,
    },
    /// A cost entry is NaN or infinite.
    #[error("non-finite cost C[{row}, {col}] = {value}")]
    NonFiniteCost { row: usize, col: usize, value: f64 },
    /// A marginal entry is negative or non-finite.
    #[error("marginal {which}[{index}] = {value} is negative or not finite")]
    BadMass {
        which: &'static str,
        index: usize,
        value: f64,
    },
    /// A marginal sums to zero.
    #[error("marginal {which} has zero total mass")]
    ZeroMass { which: &'static str },
    /// A marginal's total is not a finite f64 (its entries are finite but their sum overflows).
    #[error("marginal {which} sums to {total}, beyond the f64 range")]
    MassOverflow { which: &'static str, total: f64 },
    /// The marginals' totals differ.
    #[error("marginals have different totals: sum(a) = {sum_a}, sum(b) = {sum_b} (relative difference {rel:.3e} > 1e-9)")]
    UnequalMass { sum_a: f64, sum_b: f64, rel: f64 },
    /// A solver parameter is out of range.
    #[error("bad parameter: {0}")]
    BadParameter(String),
}

/// A validated OT problem: cost C (row-major m×n and its transpose), marginals a, b.
#[derive(Debug, Clone)]
pub struct Problem {
    /// Rows m (length of a).
    pub m: usize,
    /// Columns n (length of b).
    pub n: usize,
    /// C, row-major: C[i, j] = `cost[i * n + j]`.
    pub cost: Vec<f64>,
    /// Cᵀ, row-major (column j of C is contiguous): Cᵀ[j, i] = `cost_t[j * m + i]`.
    pub cost_t: Vec<f64>,
    /// Source marginal a (length m).
    pub a: Vec<f64>,
    /// Target marginal b (length n).
    pub b: Vec<f64>,
}

impl Problem {
    /// Checks and builds a problem. Totals must agree to 1e−9 relative; zero entries in a or
    /// b are allowed, negative or non-finite ones are not.
    ///
    /// # Errors
    /// Every [`OtError`] variant except `BadParameter`.
    pub fn new(
        rows: usize,
        cols: usize,
        cost: Vec<f64>,
        a: Vec<f64>,
        b: Vec<f64>,
    ) -> Result<Self, OtError> {
        if rows == 0 || cols == 0 {
            return Err(OtError::Empty { rows, cols });
        }
        if rows.checked_mul(cols) != Some(cost.len()) {
            return Err(OtError::BadData {
                rows,
                cols,
                len: cost.len(),
            });
        }
        if a.len() != rows || b.len() != cols {
            return Err(OtError::ShapeMismatch {
                rows,
                cols,
                a_len: a.len(),
                b_len: b.len(),
            });
        }
        if let Some(p) = cost.iter().position(|v| !v.is_finite()) {
            return Err(OtError::NonFiniteCost {
                row: p / cols,
                col: p % cols,
                value: cost.get(p).copied().unwrap_or(f64::NAN),
            });
        }
        check_masses(&a, &b)?;
        let mut cost_t = vec![0.0; cost.len()];
        for (i, row) in cost.chunks_exact(cols).enumerate() {
            for (j, &c) in row.iter().enumerate() {
                if let Some(t) = cost_t.get_mut(j * rows + i) {
                    *t = c;
                }
            }
        }
        Ok(Self {
            m: rows,
            n: cols,
            cost,
            cost_t,
            a,
            b,
        })
    }

    /// [`Problem::new`] from an nalgebra cost matrix (any storage order; copied to the
    /// row-major layout the solvers' loops use).
    ///
    /// # Errors
    /// As [`Problem::new`].
    pub fn from_matrix(
        cost: &nalgebra::DMatrix<f64>,
        a: Vec<f64>,
        b: Vec<f64>,
    ) -> Result<Self, OtError> {
        let (rows, cols) = cost.shape();
        let data = cost.transpose().as_slice().to_vec();
        Self::new(rows, cols, data, a, b)
    }

    /// The cost as an nalgebra matrix (a copy).
    pub fn cost_matrix(&self) -> nalgebra::DMatrix<f64> {
        nalgebra::DMatrix::from_row_slice(self.m, self.n, &self.cost)
    }

    /// ⟨C, T⟩ for a row-major plan T.
    pub fn transport_cost(&self, plan: &[f64]) -> f64 {
        self.cost.iter().zip(plan).map(|(c, t)| c * t).sum()
    }

    /// Marginal residuals (‖T1 − a‖₁, ‖Tᵀ1 − b‖₁) of a row-major plan T.
    pub fn marginal_residuals(&self, plan: &[f64]) -> (f64, f64) {
        let mut col = vec![0.0; self.n];
        let mut row_err = 0.0;
        for (row, &ai) in plan.chunks_exact(self.n).zip(&self.a) {
            let mut s = 0.0;
            for (c, &t) in col.iter_mut().zip(row) {
                s += t;
                *c += t;
            }
            row_err += (s - ai).abs();
        }
        let col_err = col.iter().zip(&self.b).map(|(c, b)| (c - b).abs()).sum();
        (row_err, col_err)
    }
}

/// A solver's result.
#[derive(Debug, Clone)]
pub struct Solution {
    /// The plan T, row-major m×n.
    pub plan: Vec<f64>,
    /// The maximised dual (or semi-dual) objective; for Sinkhorn the entropic dual value.
    pub dual_objective: f64,
    /// ⟨C, T⟩.
    pub transport_cost: f64,
    /// Outer iterations (L-BFGS iterations, Sinkhorn sweeps, …).
    pub iterations: usize,
    /// ‖T1 − a‖₁ + ‖Tᵀ1 − b‖₁ of the returned plan.
    pub marginal_error: f64,
    /// Whether the stopping rule was met *and* a final check of the returned plan passed: its
    /// cost and marginal errors are finite and, for solvers with a marginal tolerance
    /// (Sinkhorn), each of ‖T1 − a‖₁ and ‖Tᵀ1 − b‖₁ is within it. Otherwise the iteration
    /// limit was hit or the arithmetic broke down (say, ε so small that the kernel
    /// underflows).
    pub converged: bool,
}

impl Solution {
    /// The plan as an m×n nalgebra matrix (a copy; `plan` stays row-major for the solvers).
    pub fn plan_matrix(&self, m: usize, n: usize) -> nalgebra::DMatrix<f64> {
        nalgebra::DMatrix::from_row_slice(m, n, &self.plan)
    }

    pub(crate) fn finish(
        problem: &Problem,
        plan: Vec<f64>,
        dual_objective: f64,
        iterations: usize,
        stop_rule_met: bool,
        marginal_tol: Option<f64>,
    ) -> Self {
        let (r, c) = problem.marginal_residuals(&plan);
        let transport_cost = problem.transport_cost(&plan);
        // The final check, on the plan returned (comparisons that fail on NaN).
        let finite = r.is_finite() && c.is_finite() && transport_cost.is_finite();
        let within = marginal_tol.is_none_or(|t| r <= t && c <= t);
        Self {
            transport_cost,
            plan,
            dual_objective,
            iterations,
            marginal_error: r + c,
            converged: stop_rule_met && finite && within,
        }
    }

    /// Number of nonzeros in each column of the plan.
    pub fn column_nonzeros(&self, n: usize) -> Vec<usize> {
        let mut nz = vec![0usize; n];
        for row in self.plan.chunks_exact(n.max(1)) {
            for (c, &t) in nz.iter_mut().zip(row) {
                *c += usize::from(t != 0.0);
            }
        }
        nz
    }
}

/// The marginal checks of [`Problem::new`]: entries finite and ≥ 0, totals finite, positive
/// and equal to 1e−9 relative.
pub(crate) fn check_masses(a: &[f64], b: &[f64]) -> Result<(), OtError> {
    for (which, v) in [("a", a), ("b", b)] {
        if let Some(p) = v.iter().position(|x| !x.is_finite() || *x < 0.0) {
            return Err(OtError::BadMass {
                which,
                index: p,
                value: v.get(p).copied().unwrap_or(f64::NAN),
            });
        }
        let total = v.iter().sum::<f64>();
        if !total.is_finite() {
            return Err(OtError::MassOverflow { which, total });
        }
        if total <= 0.0 {
            return Err(OtError::ZeroMass { which });
        }
    }
    let (sum_a, sum_b) = (a.iter().sum::<f64>(), b.iter().sum::<f64>());
    let rel = (sum_a - sum_b).abs() / sum_a.max(sum_b);
    // Written so that NaN fails the check.
    if rel.is_nan() || rel > 1e-9 {
        return Err(OtError::UnequalMass { sum_a, sum_b, rel });
    }
    Ok(())
}

/// x > 0 and finite (false for NaN).
pub(crate) fn positive(x: f64) -> bool {
    x > 0.0 && x.is_finite()
}

impl Problem {
    /// Largest |C_ij|.
    pub fn max_abs_cost(&self) -> f64 {
        self.cost.iter().fold(0.0f64, |m, c| m.max(c.abs()))
    }

    /// Checks that a regularisation strength (γ or ε) is large enough for this cost: the
    /// solvers divide costs by it, and a quotient beyond the f64 range (costs of 1e300 with
    /// γ = 1e−320) leaves nothing to iterate on (an all-zero plan).
    pub(crate) fn check_scale(&self, name: &str, value: f64) -> Result<(), OtError> {
        let q = self.max_abs_cost().max(1.0) / value;
        if q.is_finite() {
            Ok(())
        } else {
            Err(OtError::BadParameter(format!(
                "{name} = {value:e} is too small for costs up to {:e}: max(|C|, 1)/{name} overflows",
                self.max_abs_cost()
            )))
        }
    }
}

/// Progress callback: (iteration, objective, residual). Called once per outer iteration.
pub type Progress<'a> = &'a mut dyn FnMut(usize, f64, f64);
