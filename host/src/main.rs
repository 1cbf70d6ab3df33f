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
    /// Per-layer spectral norms (exact, certified upper, power-iteration lower) and network
    /// Lipschitz bounds (product, LipSDP) of a stack of weight matrices.
    Lipschitz(cli::lipschitz::Args),
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let result = match args.command {
        Command::Inspect(a) => cli::inspect::run(&a),
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
