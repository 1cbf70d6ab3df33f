//! The `mcuk` binary's subcommands, one module each; flags shared by several (the OT problem's
//! files, `--format text|json`, `--out`, `--quiet`) are defined once in [`common`].

pub mod accuracy;
pub mod common;
pub mod generate;
pub mod halpern;
pub mod inspect;
pub mod learn;
pub mod lipschitz;
pub mod ot;
pub mod sinkhorn;

/// The error every subcommand returns: printed as one line by `main` (exit status 1).
pub type CliError = Box<dyn std::error::Error>;
