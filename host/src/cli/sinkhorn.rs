//! `mcuk sinkhorn`: entropic OT by log-domain Sinkhorn with ε-scaling.

use serde_json::json;

use host::solvers::ot::sinkhorn::{self, SinkhornOptions};

use super::common::{self, OutputArgs, ProblemArgs};
use super::CliError;

/// min ⟨C,T⟩ + ε Σ T(log T − 1) with T1 = a, Tᵀ1 = b.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub problem: ProblemArgs,
    /// Entropic regularisation ε > 0 (same units as the cost).
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    pub epsilon: f64,
    /// Stop when ‖T1 − a‖₁ ≤ tol (columns are exact after each sweep).
    #[arg(long, default_value_t = 1e-9, allow_negative_numbers = true)]
    pub tol: f64,
    /// Sweep limit at the final ε.
    #[arg(long, default_value_t = 100_000)]
    pub max_iter: usize,
    /// Start directly at the final ε instead of halving from the cost range.
    #[arg(long)]
    pub no_eps_scaling: bool,
    /// Over-relaxation ω ∈ [1, 2) of the sweeps at the final ε (1 = plain Sinkhorn).
    #[arg(long, default_value_t = 1.8, allow_negative_numbers = true)]
    pub omega: f64,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: &Args) -> Result<(), CliError> {
    let p = common::load_problem(&args.problem)?;
    let opts = SinkhornOptions {
        epsilon: args.epsilon,
        tol: args.tol,
        max_iter: args.max_iter,
        eps_scaling: !args.no_eps_scaling,
        overrelaxation: args.omega,
    };
    let mut progress = common::Progress::new(args.output.quiet, "epsilon");
    let s = sinkhorn::solve(&p, &opts, &mut |it, f, r| progress.report(it, f, r))?;
    let seconds = progress.seconds();
    let summary = common::OtSummary {
        head: &[("solver", json!("sinkhorn"))],
        params: &[("epsilon", json!(args.epsilon))],
        extra: &[],
        steps: "sweeps",
        tol: args.tol,
        hint: "",
    };
    common::finish_ot(&args.output, &p, s, seconds, &summary)
}
