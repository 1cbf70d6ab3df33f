//! `mcuk ot`: sparsity-constrained optimal transport (dual or semi-dual, L-BFGS).

use serde_json::json;

use host::solvers::ot::sparse::{self, SparseOptions};

use super::common::{self, OutputArgs, ProblemArgs};
use super::CliError;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Maximise the semi-dual over α (m variables).
    SemiDual,
    /// Maximise the dual over (α, β) (m + n variables).
    Dual,
}

/// min ⟨C,T⟩ + γ/2‖T‖² with T1 = a, Tᵀ1 = b and at most k nonzeros per column.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub problem: ProblemArgs,
    /// Maximum nonzeros per column of the plan (≥ 1; above the number of rows it is that
    /// number).
    #[arg(long, default_value_t = 2, allow_negative_numbers = true)]
    pub k: i64,
    /// Regularisation strength γ > 0.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub gamma: f64,
    /// Dual formulation to maximise.
    #[arg(long, value_enum, default_value = "semi-dual")]
    pub method: Method,
    /// Stop when the marginal residual (ℓ1 norm of the dual gradient) ≤ tol.
    #[arg(long, default_value_t = 1e-7, allow_negative_numbers = true)]
    pub tol: f64,
    /// Also stop when one L-BFGS iteration improves the objective by ≤ ftol (relative), as
    /// scipy's L-BFGS-B; 0 disables.
    #[arg(long, default_value_t = 1e-12, allow_negative_numbers = true)]
    pub ftol: f64,
    /// L-BFGS iteration limit.
    #[arg(long, default_value_t = 2000, allow_negative_numbers = true)]
    pub max_iter: usize,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: &Args) -> Result<(), CliError> {
    let p = common::load_problem(&args.problem)?;
    let opts = SparseOptions {
        // Negative k becomes 0, which the solver refuses with its range message.
        k: usize::try_from(args.k).unwrap_or(0).min(p.m),
        gamma: args.gamma,
        tol: args.tol,
        max_iter: args.max_iter,
        memory: 10,
        ftol: args.ftol,
    };
    let mut progress = common::Progress::new(args.output.quiet, "dual objective");
    let mut report = |it, f, r| progress.report(it, f, r);
    let s = match args.method {
        Method::SemiDual => sparse::solve_semi_dual(&p, &opts, &mut report)?,
        Method::Dual => sparse::solve_dual(&p, &opts, &mut report)?,
    };
    let seconds = progress.seconds();
    let max_nnz = s.column_nonzeros(p.n).into_iter().max().unwrap_or(0);
    let regulariser = 0.5 * args.gamma * s.plan.iter().map(|t| t * t).sum::<f64>();
    let method = match args.method {
        Method::SemiDual => "semi-dual",
        Method::Dual => "dual",
    };
    let summary = common::OtSummary {
        head: &[("solver", json!("sparse-ot")), ("method", json!(method))],
        params: &[("k", json!(opts.k)), ("gamma", json!(args.gamma))],
        extra: &[
            ("primal_objective", json!(s.transport_cost + regulariser)),
            ("max_nonzeros_per_column", json!(max_nnz)),
        ],
        steps: "iterations",
        tol: args.tol,
        hint: " (with a binding sparsity constraint a k-sparse feasible plan may not exist)",
    };
    common::finish_ot(&args.output, &p, s, seconds, &summary)
}
