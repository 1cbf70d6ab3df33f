//! Lipschitz-constrained layers with certified bounds.
//!
//! * [`Dense`] (f32) and [`DenseQ`] (i16 Q2.13 weights, i32 Q15.16 activations, i64
//!   accumulators): forward and backward passes, const-generic shapes, no heap.
//! * Spectral norm: [`power_iteration`] (a lower bound, persistent vector) and
//!   [`spectral_norm_upper_bound`], a certified upper bound by Gram iteration that is
//!   rigorous in floating point (every rounding is bounded, see [`norm`]).
//! * Projections enforcing ‖W‖₂ ≤ c ([`project`]): spectral normalization, spectral hammer,
//!   soft cap, hard-cap polynomial, Björck orthonormalization; after each the certified bound
//!   is ≤ c·(1 + [`PROJECTION_TOL`]).
//! * Activations ([`activation`]): MaxMin, GroupSort, Householder (1-Lipschitz), ReLU and
//!   Mish with their slope bounds.
//! * [`LipschitzMlp`]: a sequential model with [`LipschitzMlp::certified_lipschitz_bound`].
//!
//! Matrices passed as slices are row-major `rows × cols`; a layer's W is OUT×IN.

pub mod activation;
mod dense;
mod mlp;
pub mod norm;
pub mod project;

pub use activation::{
    groupsort, householder, maxmin, relu, Activation, MISH_LIPSCHITZ, RELU_LIPSCHITZ,
};
pub use dense::{Dense, DenseQ, Projection, Workspace, W_FRAC, X_FRAC};
pub use mlp::LipschitzMlp;
pub use norm::{
    gram_scratch_len, power_iteration, spectral_norm_upper_bound, GRAM_ITERS, MAX_DIM, MAX_ELEMS,
    MAX_GRAM_ITERS,
};
pub use project::{
    bjorck_orthonormalize, projection_scratch_len, spectral_hammer, spectral_hard_cap,
    spectral_normalize, spectral_soft_cap, HARD_CAP_COEFFS, PROJECTION_TOL,
};

// The tests are left out of the no-panic proof build: LLVM inlines their `unwrap`s and
// indexing into specialised copies of the kernels, which the proof then reports.
#[cfg(all(test, not(assert_no_panic)))]
mod tests;
