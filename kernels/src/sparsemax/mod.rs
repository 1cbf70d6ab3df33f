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
///
/// | stack, bytes (`cargo xtask bench`) | M0 | M3 | M4F | M7 | M33 | M55 |
/// |---|---:|---:|---:|---:|---:|---:|
/// | `sparsemax::entmax15` | 236 | 160 | 88 | 88 | 88 | 88 |
/// | `sparsemax::nofpu::entmax15` | 220 | 136 | 140 | 140 | 140 | 140 |
/// <!-- stack: sparsemax::entmax15, sparsemax::nofpu::entmax15 -->
///
/// ```
/// // f64 reference: p_i = [(z_i/2 − τ)]_+², τ found by bisection so that Σ p_i = 1.
/// fn entmax64(z: &[f32]) -> Vec<f64> {
///     let h: Vec<f64> = z.iter().map(|&v| f64::from(v) / 2.0).collect();
///     let mass = |t: f64| h.iter().map(|&v| (v - t).max(0.0).powi(2)).sum::<f64>();
///     let top = h.iter().cloned().fold(f64::MIN, f64::max);
///     let (mut lo, mut hi) = (top - 1.0, top);
///     for _ in 0..200 {
///         let mid = 0.5 * (lo + hi);
///         if mass(mid) > 1.0 { lo = mid } else { hi = mid }
///     }
///     h.iter().map(|&v| (v - lo).max(0.0).powi(2)).collect()
/// }
/// use mcu_kernels::sparsemax::entmax15;
///
/// let z = [1.5f32, 0.25, -0.5, -3.0];
/// let mut p = [0.0f32; 4];
/// entmax15(&z, &mut p)?;
/// for (pi, want) in p.iter().zip(entmax64(&z)) {
///     assert!((f64::from(*pi) - want).abs() <= 2f64.powi(-21));
/// }
/// assert_eq!(p[3], 0.0); // sparse: far below the threshold
/// entmax15(&[2.0, 2.0], &mut p[..2])?;
/// assert!(p[..2].iter().all(|v| (v - 0.5).abs() <= 2f32.powi(-21))); // ties share equally
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
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
