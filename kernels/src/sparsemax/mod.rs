//! Sparse probability maps: sparsemax, its Jacobian-vector product and loss, projection
//! onto the k-sparse simplex, entmax-1.5, and a fixed-point sparsemax.
//!
//! * [`sparsemax`] / [`sparsemax_threshold`]: expected-O(N) projection onto the simplex
//!   (candidate filter + Michelot's rounds), [`sparsemax_sort`] the sort-based baseline.
//! * [`sparsemax_jvp`], [`sparsemax_loss`].
//! * [`project_topk_simplex`]: Euclidean projection onto the k-sparse simplex.
//! * [`entmax15`]: entmax with α = 1.5.
//! * [`sparsemax_q15`], [`sparsemax_q15_s8`]: int16/int8 logits → UQ1.15 probabilities
//!   summing to exactly 32 768.
//!
//! No function allocates: the output buffer doubles as workspace.

mod entmax;
mod float;
mod heap;
mod q15;
mod topk;

pub use entmax::entmax15;
pub use float::{
    sparsemax, sparsemax_jvp, sparsemax_loss, sparsemax_sort, sparsemax_threshold, Threshold,
};
pub use q15::{sparsemax_q15, sparsemax_q15_s8, MAX_FRAC_BITS, MAX_LEN, Q15_ONE};
pub use topk::project_topk_simplex;

/// √x for the few scalar square roots (not in `core`).
#[inline]
pub(crate) fn sqrtf(x: f32) -> f32 {
    libm::sqrtf(x)
}
