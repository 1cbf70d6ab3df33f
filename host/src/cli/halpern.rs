//! `mcuk halpern`: equilibrium of a zero-sum matrix game by restarted Halpern iteration,
//! deterministic (exact operator) or stochastic variance-reduced (sampled rows/columns).

use std::path::PathBuf;

use serde_json::json;

use host::io;
use host::solvers::halpern::{self, Game, HalpernOptions, Method};

use super::common::{self, Format};
use super::CliError;

/// min_x max_y xᵀAy over probability vectors (the row player minimises).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Payoff matrix A (m × n), `.npy` or CSV.
    #[arg(long)]
    pub payoff: PathBuf,
    /// Stop when the operator residual ≤ tol.
    #[arg(long, default_value_t = 1e-7, allow_negative_numbers = true)]
    pub tol: f64,
    /// Work limit in passes (full evaluations of (Ay, Aᵀx)).
    #[arg(long, default_value_t = 1e6, allow_negative_numbers = true)]
    pub max_passes: f64,
    /// `deterministic`: anchored extragradient with exact operator evaluations;
    /// `stochastic-vr`: sampled rows/columns with a full snapshot refreshed with probability p
    /// (loopless SVRG estimator), seeded.
    #[arg(long, value_enum, default_value = "deterministic")]
    pub method: MethodArg,
    /// stochastic-vr: rows and columns sampled per iteration.
    #[arg(long, default_value_t = 8, allow_negative_numbers = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub batch: u64,
    /// stochastic-vr: snapshot probability p (0 = b(m+n)/(2mn)).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub snapshot_probability: f64,
    /// stochastic-vr: seed of the random numbers.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    pub seed: u64,
    /// Where to write the row player's strategy x (`.npy` or `.csv`).
    #[arg(long)]
    pub out_x: Option<PathBuf>,
    /// Where to write the column player's strategy y.
    #[arg(long)]
    pub out_y: Option<PathBuf>,
    /// Summary format on standard output.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// No progress lines on standard error.
    #[arg(long)]
    pub quiet: bool,
}

/// `--method` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum MethodArg {
    Deterministic,
    StochasticVr,
}

pub fn run(args: &Args) -> Result<(), CliError> {
    let a = io::read_matrix(&args.payoff)?;
    let game = Game::new(a.rows, a.cols, a.data)?;
    let opts = HalpernOptions {
        tol: args.tol,
        max_passes: args.max_passes,
        method: match args.method {
            MethodArg::Deterministic => Method::Deterministic,
            MethodArg::StochasticVr => Method::StochasticVr,
        },
        batch: usize::try_from(args.batch).unwrap_or(usize::MAX),
        snapshot_probability: args.snapshot_probability,
        seed: args.seed,
        ..HalpernOptions::default()
    };
    let mut progress = common::Progress::new(args.quiet, "duality gap");
    let e = halpern::solve(&game, opts, &mut |it, g, r| progress.report(it, g, r))?;
    if let Some(p) = &args.out_x {
        io::write_vector(p, &e.x)?;
    }
    if let Some(p) = &args.out_y {
        io::write_vector(p, &e.y)?;
    }
    common::print_summary(
        args.format,
        &[
            ("solver", json!("halpern")),
            (
                "method",
                json!(match opts.method {
                    Method::Deterministic => "deterministic",
                    Method::StochasticVr => "stochastic-vr",
                }),
            ),
            ("rows", json!(game.m)),
            ("cols", json!(game.n)),
            ("value", json!(e.value)),
            ("duality_gap", json!(e.gap)),
            ("residual", json!(e.residual)),
            ("iterations", json!(e.iterations)),
            ("passes", json!(e.passes)),
            ("converged", json!(e.converged)),
            ("seconds", json!(progress.seconds())),
        ],
    );
    Ok(())
}
