//! `host`: f64 reference implementations and (later) the larger solvers, used by the
//! differential tests against `kernels` and by the benchmarks.

pub mod reference;
