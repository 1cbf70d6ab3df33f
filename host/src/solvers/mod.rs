//! The host's solvers: algorithms too large for a microcontroller, each checked by a final test
//! of the result it returns before it reports convergence.

pub mod halpern;
pub mod lbfgs;
pub mod lipsdp;
pub mod ot;
pub mod policy;
