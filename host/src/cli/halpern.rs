//! `host halpern`: equilibrium of a zero-sum matrix game by restarted Halpern iteration.

use std::path::PathBuf;

use serde_json::json;

use host::halpern::{self, Game, HalpernOptions};
use host::io;

use super::common::{self, Format};
use super::CliError;

/// min_x max_y xᵀAy over probability vectors (the row player minimises).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Payoff matrix A (m × n), `.npy` or CSV.
    #[arg(long)]
    pub payoff: PathBuf,
    /// Stop when the operator residual ≤ tol.
    #[arg(long, default_value_t = 1e-7)]
    pub tol: f64,
    /// Iteration limit.
    #[arg(long, default_value_t = 200_000)]
    pub max_iter: usize,
    /// Use the plain operator evaluation instead of the snapshot (variance-reduced) one.
    #[arg(long)]
    pub plain: bool,
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

pub fn run(args: &Args) -> Result<(), CliError> {
    let a = io::read_matrix(&args.payoff)?;
    let game = Game::new(a.rows, a.cols, a.data)?;
    let opts = HalpernOptions {
        tol: args.tol,
        max_iter: args.max_iter,
        variance_reduced: !args.plain,
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
            ("rows", json!(game.m)),
            ("cols", json!(game.n)),
            ("value", json!(e.value)),
            ("duality_gap", json!(e.gap)),
            ("residual", json!(e.residual)),
            ("iterations", json!(e.iterations)),
            ("converged", json!(e.converged)),
            ("seconds", json!(progress.seconds())),
        ],
    );
    Ok(())
}
