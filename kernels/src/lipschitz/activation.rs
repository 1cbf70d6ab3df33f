//! Lipschitz activations: MaxMin, GroupSort, Householder (1-Lipschitz in ‖·‖₂) and ReLU, Mish
//! with their slope bounds.

use crate::Error;

/// Lipschitz constant of ReLU (its largest slope).
///
/// ```
/// use mcu_kernels::lipschitz::{relu, Activation, RELU_LIPSCHITZ};
///
/// assert_eq!(Activation::Relu.lipschitz(), RELU_LIPSCHITZ);
/// // |relu(a) − relu(b)| ≤ 1·|a − b|.
/// let (mut a, mut b) = ([2.0f32], [-3.0f32]);
/// relu(&mut a)?;
/// relu(&mut b)?;
/// assert!((a[0] - b[0]).abs() <= RELU_LIPSCHITZ * 5.0);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
pub const RELU_LIPSCHITZ: f32 = 1.0;
/// A certified upper bound on Mish's Lipschitz constant max f'(x) = 1.08862 (at x ≈ 1.19);
/// `host/tests/lipschitz_svd.rs` checks it against an f64 scan of f'.
///
/// ```
/// use mcu_kernels::lipschitz::MISH_LIPSCHITZ;
///
/// // ≥ every slope of Mish: central differences of the f64 formula on a grid over [−10, 10].
/// let f = |x: f64| x * x.exp().ln_1p().tanh();
/// let h = 1e-6;
/// for i in 0..=20_000 {
///     let x = -10.0 + f64::from(i) * 1e-3;
///     assert!((f(x + h) - f(x - h)) / (2.0 * h) <= f64::from(MISH_LIPSCHITZ));
/// }
/// ```
pub const MISH_LIPSCHITZ: f32 = 1.0887;

fn finite(x: &[f32]) -> Result<(), Error> {
    if x.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(Error::NonFinite)
    }
}

/// MaxMin: each pair (a, b) becomes (max(a, b), min(a, b)), in place.
///
/// **Formula:** a permutation of each pair, so ‖f(x) − f(y)‖₂ ≤ ‖x − y‖₂ (1-Lipschitz,
/// gradient norm preserving). Exact (no rounding). **Cost:** one compare and select per pair:
/// 202 instructions for 16 elements on the Cortex-M4F (`cargo xtask bench`).
///
/// # Errors
/// [`Error::BadRowLength`] for an odd length; [`Error::NonFinite`] for NaN or ±∞ (checked
/// first: `x` is unchanged).
///
/// Stack (bytes, `cargo xtask bench`): M0 64 · M3 40 · M4F/M7/M33/M55 16.
/// <!-- stack: lipschitz::maxmin -->
///
/// ```
/// use mcu_kernels::{lipschitz::maxmin, Error};
///
/// let mut x = [1.0f32, 3.0, -2.0, -5.0];
/// maxmin(&mut x)?;
/// assert_eq!(x, [3.0, 1.0, -2.0, -5.0]);
/// // 1-Lipschitz: ‖f(a) − f(b)‖ ≤ ‖a − b‖ (here for a pair that swaps order).
/// let (mut a, mut b) = ([0.0f32, 1.0], [1.0f32, 0.0]);
/// let d_in = 2f32.sqrt();
/// maxmin(&mut a)?;
/// maxmin(&mut b)?;
/// assert!(((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt() <= d_in);
/// assert_eq!(maxmin(&mut [1.0, 2.0, 3.0]), Err(Error::BadRowLength));
/// let mut bad = [f32::NAN, 1.0];
/// assert_eq!(maxmin(&mut bad), Err(Error::NonFinite));
/// assert_eq!(bad[1], 1.0); // unchanged
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn maxmin(x: &mut [f32]) -> Result<(), Error> {
    groupsort(x, 2)
}

/// GroupSort with group size g: each consecutive group of g values is sorted in decreasing
/// order, in place (g = 2 is MaxMin, g = len is FullSort).
///
/// **Formula:** a permutation within each group; sorting is 1-Lipschitz in ‖·‖₂
/// (Anil, Lucas & Grosse 2019). Exact. **Algorithm:** insertion sort per group (no heap).
/// **Cost:** O(g²) compares per group worst case: 282 instructions for 16 elements in
/// groups of 4 on the Cortex-M4F (`cargo xtask bench`).
///
/// # Errors
/// [`Error::BadRowLength`] if g = 0 or g does not divide the length; [`Error::NonFinite`]
/// for NaN or ±∞ (checked first: `x` is unchanged).
///
/// Stack (bytes, `cargo xtask bench`): M0 56 · M3 40 · M4F/M7/M33/M55 16.
/// <!-- stack: lipschitz::groupsort[4] -->
///
/// ```
/// use mcu_kernels::{lipschitz::groupsort, Error};
///
/// let mut x = [1.0f32, 3.0, 2.0, 0.0, -1.0, 4.0];
/// groupsort(&mut x, 3)?; // two groups of 3, each sorted decreasingly
/// assert_eq!(x, [3.0, 2.0, 1.0, 4.0, 0.0, -1.0]);
/// assert_eq!(groupsort(&mut x, 4), Err(Error::BadRowLength));
/// assert_eq!(groupsort(&mut x, 0), Err(Error::BadRowLength));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn groupsort(x: &mut [f32], g: usize) -> Result<(), Error> {
    if g == 0 || !x.len().is_multiple_of(g) {
        return Err(Error::BadRowLength);
    }
    finite(x)?;
    for group in x.chunks_exact_mut(g) {
        for i in 1..group.len() {
            let mut j = i;
            while j > 0 {
                let (Some(&a), Some(&b)) = (group.get(j - 1), group.get(j)) else {
                    break;
                };
                if a >= b {
                    break;
                }
                group.swap(j - 1, j);
                j -= 1;
            }
        }
    }
    Ok(())
}

/// Householder activation (Singla, Singla & Feizi 2022): on each consecutive group z of
/// `v.len()` values, z ↦ z if vᵀz > 0, else z − 2(vᵀz)v, with ‖v‖₂ = 1.
///
/// **Formula:** the identity on one half-space and the reflection across the hyperplane
/// vᵀz = 0 on the other; both agree on the hyperplane, so the map is continuous, piecewise
/// orthogonal, hence 1-Lipschitz. **Accuracy:** v must be a unit vector to 1e−4 (the map is
/// then (1 + 2e−4)-Lipschitz at worst); each output carries a few roundings.
/// **Cost:** 2·len multiply-adds: 366 instructions for 16 elements on the
/// Cortex-M4F (`cargo xtask bench`).
///
/// # Errors
/// [`Error::Empty`] for an empty `v`; [`Error::BadRowLength`] if `v.len()` does not divide
/// `z.len()`; [`Error::NonFinite`] for non-finite `z` or `v`; [`Error::BadParameter`] if
/// |‖v‖₂ − 1| > 1e−4.
///
/// Stack (bytes, `cargo xtask bench`): M0 204 · M3 144 · M4F/M7/M33/M55 88.
/// <!-- stack: lipschitz::householder -->
///
/// ```
/// use mcu_kernels::{lipschitz::householder, Error};
///
/// let v = [0.6f32, 0.8]; // unit vector
/// // vᵀz = 1.4 > 0: identity.
/// let mut z = [1.0f32, 1.0];
/// householder(&mut z, &v)?;
/// assert_eq!(z, [1.0, 1.0]);
/// // vᵀz = −0.6 ≤ 0: reflected, z − 2(vᵀz)v = (−0.28, 0.96), same norm 1.
/// let mut z = [-1.0f32, 0.0];
/// householder(&mut z, &v)?;
/// assert!((z[0] + 0.28).abs() < 1e-6 && (z[1] - 0.96).abs() < 1e-6);
/// assert!((z[0].hypot(z[1]) - 1.0).abs() < 1e-6);
/// assert!(matches!(householder(&mut z, &[1.0, 1.0]), Err(Error::BadParameter(_))));
/// assert_eq!(householder(&mut [0.0; 3], &v), Err(Error::BadRowLength));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn householder(z: &mut [f32], v: &[f32]) -> Result<(), Error> {
    if v.is_empty() {
        return Err(Error::Empty);
    }
    if !z.len().is_multiple_of(v.len()) {
        return Err(Error::BadRowLength);
    }
    finite(z)?;
    finite(v)?;
    let n2 = v.iter().fold(0.0f32, |s, a| s + a * a);
    if (n2 - 1.0).abs() > 2e-4 {
        return Err(Error::BadParameter(
            "householder vector must have unit norm",
        ));
    }
    for group in z.chunks_exact_mut(v.len()) {
        let d = group.iter().zip(v).fold(0.0f32, |s, (a, b)| s + a * b);
        if d <= 0.0 {
            let t = 2.0 * d;
            for (x, &vi) in group.iter_mut().zip(v) {
                *x -= t * vi;
            }
        }
    }
    Ok(())
}

/// ReLU in place: x ↦ max(x, 0); Lipschitz constant [`RELU_LIPSCHITZ`].
///
/// **Cost:** one compare per element plus the finiteness check: 414 instructions for 16
/// elements on the Cortex-M4F (`cargo xtask bench`).
///
/// # Errors
/// [`Error::NonFinite`] for NaN or ±∞ (checked first: `x` is unchanged).
///
/// Stack (bytes, `cargo xtask bench`): M0 80 · M3/M4F/M7 72 · M33/M55 24.
/// <!-- stack: lipschitz::relu -->
///
/// ```
/// use mcu_kernels::{lipschitz::relu, Error};
///
/// let mut x = [-1.5f32, 0.0, 2.5];
/// relu(&mut x)?;
/// assert_eq!(x, [0.0, 0.0, 2.5]);
/// assert_eq!(relu(&mut [f32::INFINITY]), Err(Error::NonFinite));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn relu(x: &mut [f32]) -> Result<(), Error> {
    finite(x)?;
    for v in x.iter_mut() {
        *v = v.max(0.0);
    }
    Ok(())
}

/// An activation between the layers of a [`super::LipschitzMlp`].
///
/// # Example
///
/// ```
/// use mcu_kernels::{lipschitz::{Activation, MISH_LIPSCHITZ}, Error};
///
/// assert_eq!(Activation::Relu.lipschitz(), 1.0);
/// assert_eq!(Activation::GroupSort(4).lipschitz(), 1.0);
/// assert_eq!(Activation::Mish.lipschitz(), MISH_LIPSCHITZ);
/// let mut x = [1.0f32, -1.0];
/// Activation::Mish.apply(&mut x)?;
/// // mish(±1) from the f64 formula x·tanh(ln(1 + e^x)).
/// for (got, x0) in x.iter().zip([1.0f64, -1.0]) {
///     assert!((f64::from(*got) - x0 * x0.exp().ln_1p().tanh()).abs() < 1e-6);
/// }
/// assert_eq!(Activation::GroupSort(3).apply(&mut [0.0; 4]), Err(Error::BadRowLength));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Activation {
    /// No activation (Lipschitz constant 1).
    Identity,
    /// ReLU, [`RELU_LIPSCHITZ`].
    Relu,
    /// Mish ([`crate::mish::mish`]), [`MISH_LIPSCHITZ`].
    Mish,
    /// [`maxmin`], 1.
    MaxMin,
    /// [`groupsort`] with this group size, 1.
    GroupSort(usize),
}

impl Activation {
    /// Certified Lipschitz constant of the activation (in ‖·‖₂).
    ///
    /// ```
    /// use mcu_kernels::lipschitz::{Activation, MISH_LIPSCHITZ, RELU_LIPSCHITZ};
    ///
    /// assert_eq!(Activation::Identity.lipschitz(), 1.0);
    /// assert_eq!(Activation::MaxMin.lipschitz(), 1.0);
    /// assert_eq!(Activation::Relu.lipschitz(), RELU_LIPSCHITZ);
    /// assert_eq!(Activation::Mish.lipschitz(), MISH_LIPSCHITZ);
    /// ```
    pub fn lipschitz(self) -> f32 {
        match self {
            Activation::Mish => MISH_LIPSCHITZ,
            Activation::Relu => RELU_LIPSCHITZ,
            Activation::Identity | Activation::MaxMin | Activation::GroupSort(_) => 1.0,
        }
    }

    /// Applies the activation in place.
    ///
    /// # Errors
    /// As the underlying kernel ([`Error::NonFinite`], [`Error::BadRowLength`]).
    ///
    /// ```
    /// use mcu_kernels::{lipschitz::Activation, Error};
    ///
    /// let mut x = [1.0f32, 4.0, -3.0, 2.0];
    /// Activation::GroupSort(2).apply(&mut x)?;
    /// assert_eq!(x, [4.0, 1.0, 2.0, -3.0]);
    /// Activation::Relu.apply(&mut x)?;
    /// assert_eq!(x, [4.0, 1.0, 2.0, 0.0]);
    /// assert_eq!(Activation::Identity.apply(&mut [f32::NAN]), Err(Error::NonFinite));
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    pub fn apply(self, x: &mut [f32]) -> Result<(), Error> {
        match self {
            Activation::Identity => finite(x),
            Activation::Relu => relu(x),
            Activation::Mish => {
                finite(x)?;
                for v in x.iter_mut() {
                    *v = crate::mish::fpu::mish(*v);
                }
                Ok(())
            }
            Activation::MaxMin => maxmin(x),
            Activation::GroupSort(g) => groupsort(x, g),
        }
    }
}
