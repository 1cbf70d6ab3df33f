//! `mcuk`: the command-line tool of the mcu-kernels project on the host: the solvers, the
//! learners on a CSV file, the accuracy measurement and the array-file tools.
//!
//! ```text
//! mcuk <COMMAND> --help
//! ```
//!
//! Input arrays are NumPy `.npy` (float32/float64) or CSV; see [`host::io`]. Every failure
//! is one line on standard error: `error: …` with exit status 2 for a malformed command line
//! (from the argument parser), 1 for anything else (bad data, a bound violated, a write that
//! failed). Nothing here panics on any input.

use clap::{Parser, Subcommand};

mod cli;

#[derive(Parser)]
#[command(
    name = "mcuk",
    version,
    about = "The mcu-kernels project on the host: solvers, learners, accuracy and array tools"
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sparsity-constrained optimal transport (at most k nonzeros per column), L-BFGS on the
    /// dual or semi-dual.
    Ot(cli::ot::Args),
    /// Entropic optimal transport, log-domain Sinkhorn with ε-scaling.
    Sinkhorn(cli::sinkhorn::Args),
    /// Equilibrium of a zero-sum matrix game, restarted Halpern iteration.
    Halpern(cli::halpern::Args),
    /// Per-layer spectral norms (exact, certified upper, power-iteration lower) and network
    /// Lipschitz bounds (product, LipSDP) of a stack of weight matrices.
    Lipschitz(cli::lipschitz::Args),
    /// Progressive validation of an online learner (`mcu_kernels::online`) on a CSV file, as
    /// River's `progressive_val_score`.
    Learn(cli::learn::Args),
    /// Max ulp error of the math kernels and the softmax family against f64 references.
    Accuracy(cli::accuracy::Args),
    /// Print an array file's shape and value range (checks that it parses).
    Inspect(cli::inspect::Args),
    /// Write a seeded benchmark problem (Gaussian clouds, squared Euclidean cost) as .npy.
    GaussianOt(cli::generate::Args),
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let result = match args.command {
        Command::Ot(a) => cli::ot::run(&a),
        Command::Sinkhorn(a) => cli::sinkhorn::run(&a),
        Command::Halpern(a) => cli::halpern::run(&a),
        Command::Lipschitz(a) => cli::lipschitz::run(&a),
        Command::Learn(a) => cli::learn::run(&a),
        Command::Accuracy(a) => cli::accuracy::run(&a),
        Command::Inspect(a) => cli::inspect::run(&a),
        Command::GaussianOt(a) => cli::generate::run(&a),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
