//! The `host` binary's subcommands, one module each.

pub mod common;
pub mod generate;
pub mod halpern;
pub mod inspect;
pub mod lipschitz;
pub mod ot;
pub mod sinkhorn;

/// The error every subcommand returns: printed as one line by `main`.
pub type CliError = Box<dyn std::error::Error>;
