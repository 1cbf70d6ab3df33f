//! `host`: f64 reference implementations, the larger solvers (optimal transport, Sinkhorn,
//! Halpern, LipSDP), the numeric file I/O of the `host` CLI, used by the differential tests
//! against `kernels` and by the benchmarks.

pub mod accuracy;
pub mod halpern;
pub mod io;
pub mod lbfgs;
pub mod lipschitz;
pub mod lipschitz_train;
pub mod online_reference;
pub mod ot;
pub mod quant_reference;
pub mod reference;
pub mod reference_mish;
pub mod reference_sparse;
pub mod reference_zloss;
