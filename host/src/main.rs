//! `host`: the command-line front end to the host crate's solvers and checks.
//!
//! ```text
//! host <COMMAND> --help
//! ```
//!
//! Input arrays are NumPy `.npy` (float32/float64) or CSV; see [`host::io`]. Every
//! failure is reported as one line on standard error and a nonzero exit status.

use clap::{Parser, Subcommand};

mod cli;

#[derive(Parser)]
#[command(
    name = "host",
    version,
    about = "Host-side solvers and checks for the `kernels` crate"
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print an array file's shape and value range (checks that it parses).
    Inspect(cli::inspect::Args),
    /// Sparsity-constrained optimal transport (at most k nonzeros per column), L-BFGS on the
    /// dual or semi-dual.
    Ot(cli::ot::Args),
    /// Entropic optimal transport, log-domain Sinkhorn with ε-scaling.
    Sinkhorn(cli::sinkhorn::Args),
    /// Equilibrium of a zero-sum matrix game, restarted Halpern iteration.
    Halpern(cli::halpern::Args),
    /// Write a seeded benchmark problem (Gaussian clouds, squared Euclidean cost) as .npy.
    GaussianOt(cli::generate::Args),
    /// Per-layer spectral norms (exact, certified upper, power-iteration lower) and network
    /// Lipschitz bounds (product, LipSDP) of a stack of weight matrices.
    Lipschitz(cli::lipschitz::Args),
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let result = match args.command {
        Command::Inspect(a) => cli::inspect::run(&a),
        Command::Ot(a) => cli::ot::run(&a),
        Command::Sinkhorn(a) => cli::sinkhorn::run(&a),
        Command::Halpern(a) => cli::halpern::run(&a),
        Command::GaussianOt(a) => cli::generate::run(&a),
        Command::Lipschitz(a) => cli::lipschitz::run(&a),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("host: error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
