//! The softmax family: y_i = e^(x_i) / Σ_j e^(x_j), and what shares its normaliser.
//!
//! * [`softmax`] / [`softmax_in_place`]: the recommended f32 softmax (currently [`anchored`] /
//!   [`three_pass_in_place`]).
//! * [`anchored`] (no max pass: anchored at the first element, table exp, falls back to
//!   [`three_pass`]), [`three_pass`] (the reference variant), [`two_pass`]
//!   (Dukhan–Ablavatski), [`three_pass_with`] (any exp).
//! * [`log_softmax`], [`logsumexp`], [`cross_entropy`] (with gradient), [`z_loss_aux`].
//! * [`nofpu`]: integer-only forms of [`softmax`], [`log_softmax`] and [`cross_entropy`] for
//!   cores without an FPU (the default entry points pick them there; [`fpu`] names the float
//!   forms explicitly).
//! * [`softmax_with_temperature`], [`stablemax`], row-batched [`softmax_rows`],
//!   [`log_softmax_rows`].
//!
//! Every f32 softmax here keeps one contract, proven in its docs and measured in `host`:
//! relative error ≤ 5e−7 on outputs ≥ 2^−126 against f64, for any input including ±3.4e38
//! (except [`three_pass_with`], whose accuracy is its exponential's, and [`stablemax`], ≤ 5 ulp;
//! the log-domain kernels state absolute bounds).

mod anchored;
mod common;
mod cross_entropy;
mod log_softmax;
mod logsumexp;
pub mod nofpu;
mod rows;
mod stablemax;
mod temperature;
mod three_pass;
mod two_pass;
mod z_loss;

pub use anchored::anchored;
pub use log_softmax::log_softmax_in_place;
pub use logsumexp::logsumexp;
pub use rows::{log_softmax_rows, log_softmax_rows_in_place, softmax_rows, softmax_rows_in_place};
pub use stablemax::{stablemax, stablemax_in_place};
pub use temperature::{softmax_with_temperature, softmax_with_temperature_in_place};
pub use three_pass::{three_pass, three_pass_in_place, three_pass_with};
pub use two_pass::{two_pass, two_pass_in_place};
pub use z_loss::z_loss_aux;
pub mod quant;

use crate::Error;

/// The FPU path of the kernels that have an integer form: the float forms, whatever the
/// target (soft float on a core without an FPU).
pub mod fpu {
    pub use super::anchored as softmax;
    pub use super::cross_entropy::cross_entropy;
    pub use super::log_softmax::log_softmax;
}

/// The recommended f32 softmax. On targets with a hardware FPU (see the crate docs, "FPU and
/// integer paths") an alias of the fastest accurate float variant on the Cortex-M4F (today
/// [`anchored`]: 27.5 instructions per element at N = 256 against 40.2 for [`three_pass`];
/// see its docs for algorithm, accuracy, the rows it hands to [`three_pass`], and stack use);
/// elsewhere [`nofpu::softmax`] (integer arithmetic only).
///
/// Cost: see `cargo xtask bench`.
///
/// # Errors
/// As [`anchored`] / [`nofpu::softmax`] (the same errors).
///
/// | stack, bytes (`cargo xtask bench`) | M0 | M3 | M4F | M7 | M33 | M55 |
/// |---|---:|---:|---:|---:|---:|---:|
/// | `softmax::softmax` | 212 | 120 | 68 | 68 | 68 | 68 |
/// | `softmax::nofpu::softmax` | 332 | 272 | 280 | 280 | 280 | 280 |
/// <!-- stack: softmax::softmax, softmax::nofpu::softmax -->
///
/// # Example
///
/// ```
/// use mcu_kernels::softmax::softmax;
///
/// // Class scores of a small classifier, against the f64 formula e^(x_i) / Σ_j e^(x_j).
/// let x = [2.0f32, 1.0, 0.5, -1.5];
/// let mut y = [0.0f32; 4];
/// softmax(&x, &mut y)?;
/// let z: f64 = x.iter().map(|&v| f64::from(v).exp()).sum();
/// for (&yi, &xi) in y.iter().zip(&x) {
///     let want = f64::from(xi).exp() / z;
///     assert!((f64::from(yi) - want).abs() <= 5e-7 * want, "{yi} vs {want}");
/// }
/// // Σ y = 1 within N·2^−24.
/// let sum: f64 = y.iter().map(|&v| f64::from(v)).sum();
/// assert!((sum - 1.0).abs() <= 4.0 * 2f64.powi(-24));
/// // Equal logits give 1/N each, however large (no overflow).
/// let mut u = [0.0f32; 8];
/// softmax(&[3.0e38; 8], &mut u)?;
/// assert!(u.iter().all(|&p| (p - 0.125).abs() <= 5e-7 * 0.125));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn softmax(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    if crate::math::INT_PATH {
        nofpu::softmax(x, y)
    } else {
        anchored(x, y)
    }
}

/// Log-softmax y_i = x_i − ln Σ_j e^(x_j): [`fpu::log_softmax`] on targets with a hardware FPU,
/// [`nofpu::log_softmax`] elsewhere (see the crate docs, "FPU and integer paths"; algorithm,
/// accuracy and stack in those functions' docs).
///
/// Cost: see `cargo xtask bench`.
///
/// # Errors
/// [`Error::Empty`], [`Error::LengthMismatch`] (`y.len() != x.len()`), [`Error::NanInput`],
/// [`Error::AllNegInfinity`].
///
/// | stack, bytes (`cargo xtask bench`) | M0 | M3 | M4F | M7 | M33 | M55 |
/// |---|---:|---:|---:|---:|---:|---:|
/// | `softmax::log_softmax` | 236 | 152 | 96 | 96 | 96 | 96 |
/// | `softmax::nofpu::log_softmax` | 372 | 304 | 304 | 304 | 304 | 304 |
/// <!-- stack: softmax::log_softmax, softmax::nofpu::log_softmax -->
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::softmax::{log_softmax, softmax};
///
/// let x = [2.0f32, 1.0, 0.5, -1.5];
/// let mut l = [0.0f32; 4];
/// log_softmax(&x, &mut l)?;
/// // f64 reference x_i − ln Σ_j e^(x_j), within 2e−6·max(1, |y_i|).
/// let lse = x.iter().map(|&v| f64::from(v).exp()).sum::<f64>().ln();
/// for (&li, &xi) in l.iter().zip(&x) {
///     let want = f64::from(xi) - lse;
///     assert!((f64::from(li) - want).abs() <= 2e-6 * want.abs().max(1.0));
/// }
/// // It is ln(softmax): within the two bounds (5e−7 relative for softmax).
/// let mut y = [0.0f32; 4];
/// softmax(&x, &mut y)?;
/// for (&li, &yi) in l.iter().zip(&y) {
///     let d = (f64::from(yi).ln() - f64::from(li)).abs();
///     assert!(d <= 2e-6 * f64::from(li).abs().max(1.0) + 6e-7);
/// }
/// // ... but it does not underflow where softmax does: e^−200 is 0 in f32, its log is not.
/// let (far, mut lf, mut yf) = ([0.0f32, -200.0], [0.0f32; 2], [0.0f32; 2]);
/// log_softmax(&far, &mut lf)?;
/// softmax(&far, &mut yf)?;
/// assert_eq!(yf[1], 0.0);
/// assert!((f64::from(lf[1]) + 200.0).abs() <= 2e-6 * 200.0);
/// assert_eq!(log_softmax(&[f32::NEG_INFINITY; 2], &mut lf), Err(Error::AllNegInfinity));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn log_softmax(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    if crate::math::INT_PATH {
        nofpu::log_softmax(x, y)
    } else {
        log_softmax::log_softmax(x, y)
    }
}

/// Cross-entropy of softmax(logits) against `target`, with optional gradient:
/// [`fpu::cross_entropy`] on targets with a hardware FPU, [`nofpu::cross_entropy`] elsewhere
/// (see the crate docs, "FPU and integer paths"; algorithm, accuracy and stack in those
/// functions' docs).
///
/// Cost: see `cargo xtask bench`.
///
/// # Errors
/// [`Error::Empty`], [`Error::IndexOutOfRange`] (`target ≥ logits.len()`),
/// [`Error::LengthMismatch`] (`grad` length), [`Error::NanInput`], [`Error::AllNegInfinity`].
///
/// | stack, bytes (`cargo xtask bench`) | M0 | M3 | M4F | M7 | M33 | M55 |
/// |---|---:|---:|---:|---:|---:|---:|
/// | `softmax::cross_entropy` | 204 | 128 | 104 | 104 | 96 | 96 |
/// | `softmax::nofpu::cross_entropy` | 364 | 296 | 296 | 296 | 296 | 296 |
/// <!-- stack: softmax::cross_entropy, softmax::nofpu::cross_entropy -->
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::softmax::cross_entropy;
///
/// let logits = [2.0f32, 1.0, 0.5, -1.5];
/// let mut grad = [0.0f32; 4];
/// let loss = cross_entropy(&logits, 1, Some(&mut grad))?;
/// // L = ln Σ_j e^(x_j) − x_target, in f64.
/// let z: f64 = logits.iter().map(|&v| f64::from(v).exp()).sum();
/// let want = z.ln() - 1.0;
/// assert!((f64::from(loss) - want).abs() <= 2e-6 * want.max(1.0));
/// // ∂L/∂x_i = softmax(x)_i − [i = target], which sums to 0.
/// for (i, (&g, &x)) in grad.iter().zip(&logits).enumerate() {
///     let want = f64::from(x).exp() / z - if i == 1 { 1.0 } else { 0.0 };
///     assert!((f64::from(g) - want).abs() <= 1e-6);
/// }
/// assert!(grad.iter().map(|&g| f64::from(g)).sum::<f64>().abs() <= 1e-6);
/// // Uniform logits: L = ln N.
/// let l = cross_entropy(&[0.0; 10], 3, None)?;
/// assert!((f64::from(l) - 10f64.ln()).abs() <= 2e-6 * 10f64.ln());
/// assert_eq!(
///     cross_entropy(&logits, 4, None),
///     Err(Error::IndexOutOfRange { index: 4, len: 4 })
/// );
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn cross_entropy(
    logits: &[f32],
    target: usize,
    grad: Option<&mut [f32]>,
) -> Result<f32, Error> {
    if crate::math::INT_PATH {
        nofpu::cross_entropy(logits, target, grad)
    } else {
        cross_entropy::cross_entropy(logits, target, grad)
    }
}

/// [`softmax`] in place: [`three_pass_in_place`], the float path on every target (the anchored
/// pass needs the input after overwriting it when it rejects a row, so it has no in-place form;
/// nor has [`nofpu::softmax`]). Same accuracy contract; the bits may differ from [`softmax`]'s
/// in the last place.
///
/// # Errors
/// As [`three_pass`].
///
/// # Example
///
/// ```
/// use mcu_kernels::softmax::{softmax_in_place, three_pass};
///
/// let x = [0.25f32, -3.0, 1.5, 0.0, 7.0];
/// let mut v = x;
/// softmax_in_place(&mut v)?;
/// let z: f64 = x.iter().map(|&a| f64::from(a).exp()).sum();
/// for (&p, &a) in v.iter().zip(&x) {
///     let want = f64::from(a).exp() / z;
///     assert!((f64::from(p) - want).abs() <= 5e-7 * want);
/// }
/// // It is `three_pass_in_place`: the bits of `three_pass`.
/// let mut y = [0.0f32; 5];
/// three_pass(&x, &mut y)?;
/// assert_eq!(v, y);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn softmax_in_place(x: &mut [f32]) -> Result<(), Error> {
    three_pass_in_place(x)
}

#[cfg(test)]
mod tests;
