//! `mcuk sinkhorn`: entropic OT by log-domain Sinkhorn with ε-scaling.

use serde_json::json;

use host::io;
use host::solvers::ot::cloud::{self, Clouds, Metric};
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
    /// Largest over-relaxation ω ∈ [1, 2) of the sweeps at the final ε (ω is set from the
    /// measured rate of the first plain sweeps; 1 = plain Sinkhorn).
    #[arg(long, default_value_t = 1.9, allow_negative_numbers = true)]
    pub omega: f64,
    /// Ground cost between points (with --x/--y).
    #[arg(long, value_enum, default_value = "sqeuclidean")]
    pub metric: MetricArg,
    /// With --x/--y: write the potentials f, g (the plan is exp((f_i + g_j − C_ij)/ε)) to
    /// PREFIX_f.npy and PREFIX_g.npy.
    #[arg(long)]
    pub out_potentials: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricArg {
    /// ‖x − y‖².
    Sqeuclidean,
    /// ‖x − y‖.
    Euclidean,
}

/// Point clouds: costs on the fly ([`cloud::solve`]).
fn run_clouds(args: &Args, opts: &SinkhornOptions) -> Result<(), CliError> {
    let (Some(xp), Some(yp)) = (&args.problem.x, &args.problem.y) else {
        return Err("--x and --y go together".into());
    };
    let (x, y) = (io::read_matrix_2d(xp)?, io::read_matrix_2d(yp)?);
    if x.cols != y.cols {
        return Err(format!("X has {} coordinates per point, Y {}", x.cols, y.cols).into());
    }
    let uniform = |p: &Option<std::path::PathBuf>, len: usize| -> Result<Vec<f64>, CliError> {
        match p {
            Some(p) => Ok(io::read_vector(p)?),
            None => Ok(vec![1.0 / len as f64; len]),
        }
    };
    let (a, b) = (
        uniform(&args.problem.a, x.rows)?,
        uniform(&args.problem.b, y.rows)?,
    );
    let metric = match args.metric {
        MetricArg::Sqeuclidean => Metric::SqEuclidean,
        MetricArg::Euclidean => Metric::Euclidean,
    };
    let c = Clouds::new(x.rows, y.rows, x.cols, x.data, y.data, a, b, metric)?;
    let mut progress = common::Progress::new(args.output.quiet, "epsilon");
    let s = cloud::solve(&c, opts, &mut |it, f, r| progress.report(it, f, r))?;
    let seconds = progress.seconds();
    if let Some(prefix) = &args.out_potentials {
        for (name, v) in [("f", &s.f), ("g", &s.g)] {
            common::write_plan(
                std::path::Path::new(&format!("{prefix}_{name}.npy")),
                v.len(),
                1,
                v.clone(),
            )?;
        }
    }
    if let Some(out) = &args.output.out {
        common::write_plan(out, c.m, c.n, cloud::plan(&c, &s.f, &s.g, opts.epsilon))?;
    }
    let pairs = [
        ("solver", json!("sinkhorn")),
        ("input", json!("point clouds")),
        ("rows", json!(c.m)),
        ("cols", json!(c.n)),
        ("dim", json!(c.d)),
        ("epsilon", json!(args.epsilon)),
        ("dual_objective", json!(s.dual_objective)),
        ("transport_cost", json!(s.transport_cost)),
        ("marginal_error", json!(s.row_error + s.col_error)),
        ("row_error", json!(s.row_error)),
        ("col_error", json!(s.col_error)),
        ("iterations", json!(s.iterations)),
        ("total_sweeps", json!(s.total_sweeps)),
        ("converged", json!(s.converged)),
        ("seconds", json!(seconds)),
        ("threads", json!(rayon::current_num_threads())),
    ];
    common::print_summary(args.output.format, &pairs);
    if !s.converged && !args.output.quiet {
        eprintln!(
            "warning: stopped after {} sweeps with marginal error {:.3e} > tol {:.1e}",
            s.iterations,
            s.row_error + s.col_error,
            args.tol
        );
    }
    Ok(())
}

pub fn run(args: &Args) -> Result<(), CliError> {
    let opts = SinkhornOptions {
        epsilon: args.epsilon,
        tol: args.tol,
        max_iter: args.max_iter,
        eps_scaling: !args.no_eps_scaling,
        overrelaxation: args.omega,
    };
    if args.problem.x.is_some() {
        return run_clouds(args, &opts);
    }
    let p = common::load_problem(&args.problem)?;
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
