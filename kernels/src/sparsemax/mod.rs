//! Sparse probability maps: sparsemax, its Jacobian-vector product and loss, projection
//! onto the k-sparse simplex, entmax-1.5, and a fixed-point sparsemax.
//!
//! * [`sparsemax`] / [`sparsemax_threshold`]: expected-O(N) projection onto the simplex
//!   (candidate filter + Michelot's rounds), [`sparsemax_sort`] the sort-based baseline.
//! * [`sparsemax_jvp`], [`sparsemax_loss`].
//! * [`project_topk_simplex`]: Euclidean projection onto the k-sparse simplex.
//! * [`entmax15`]: entmax with α = 1.5 ([`fpu::entmax15`] where the target has a hardware
//!   FPU, the integer-only [`nofpu::entmax15`] elsewhere).
//! * [`sparsemax_q15`], [`sparsemax_q15_s8`]: int16/int8 logits → UQ1.15 probabilities
//!   summing to exactly 32 768.
//!
//! No function allocates: the output buffer doubles as workspace.

mod entmax;
mod float;
mod heap;
pub mod nofpu;
mod q15;
mod topk;

/// The FPU path of the kernels that have an integer form: the float forms, whatever the
/// target (soft float on a core without an FPU).
pub mod fpu {
    pub use super::entmax::entmax15;
}

/// entmax-1.5 of `z` into `p`: [`fpu::entmax15`] where the target has a hardware FPU,
/// [`nofpu::entmax15`] elsewhere (chosen at compile time, see the crate docs, "FPU and integer
/// paths"; algorithm, accuracy, cost and stack in those functions' docs).
///
/// # Errors
/// [`crate::Error::Empty`], [`crate::Error::LengthMismatch`], [`crate::Error::NanInput`],
/// [`crate::Error::AllNegInfinity`].
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn entmax15(z: &[f32], p: &mut [f32]) -> Result<(), crate::Error> {
    if crate::math::INT_PATH {
        nofpu::entmax15(z, p)
    } else {
        entmax::entmax15(z, p)
    }
}
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
