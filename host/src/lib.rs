//! `host`: the std side of the project. Three trees, each findable from its name:
//!
//! - [`mod@reference`]: the f64 twin of every kernel, module for module: the reference of
//!   `mcu_kernels::sparsemax::entmax15` is `host::reference::sparsemax::entmax15`. Written
//!   for clarity, not speed; the differential tests compare the kernels against them.
//! - [`solvers`]: the larger algorithms that do not fit a microcontroller: sparse and entropic
//!   optimal transport, Halpern iteration, LipSDP, L-BFGS, Lipschitz policy training.
//! - [`io`] (`.npy` and CSV arrays) and [`accuracy`] (ulp measurement of the math kernels),
//!   used by the `mcuk` command-line tool (`src/main.rs`, one subcommand per tool in `cli/`).

pub mod accuracy;
pub mod io;
pub mod reference;
pub mod solvers;
