//! Dense layers with const-generic shapes: f32 [`Dense`] and fixed-point [`DenseQ`].

use super::norm::{power_iteration, spectral_norm_upper_bound, GRAM_ITERS};
use super::project;
use crate::Error;

/// Scratch for a layer with `IN` inputs: two IN×IN matrices (the Gram iteration and the
/// projections' matrix polynomials). 8·IN² bytes: 2 KiB for IN = 16.
///
/// # Example
///
/// ```
/// use mcu_kernels::lipschitz::Workspace;
///
/// let mut ws = Workspace::<16>::new();
/// assert_eq!(ws.as_mut_slice().len(), 2 * 16 * 16); // 2 KiB of f32
/// ```
#[derive(Debug, Clone)]
pub struct Workspace<const IN: usize> {
    m: [[[f32; IN]; IN]; 2],
}

impl<const IN: usize> Default for Workspace<IN> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const IN: usize> Workspace<IN> {
    /// A zeroed workspace.
    /// Example: see the example on [`Workspace`].
    pub const fn new() -> Self {
        Self {
            m: [[[0.0; IN]; IN]; 2],
        }
    }

    /// The workspace as one slice of 2·IN² floats.
    /// Example: see the example on [`Workspace`].
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        self.m.as_flattened_mut().as_flattened_mut()
    }
}

/// Which projection [`Dense::project`] applies (see [`super::project`]).
///
/// # Example
///
/// ```
/// // Singular values of an OUT×2 matrix in closed form (f64): the eigenvalues of the 2×2 WᵀW.
/// let svals = |w: &[[f32; 2]]| {
///     let (mut a, mut b, mut c) = (0.0f64, 0.0, 0.0);
///     for r in w {
///         let (x, y) = (f64::from(r[0]), f64::from(r[1]));
///         a += x * x;
///         b += x * y;
///         c += y * y;
///     }
///     let h = (((a - c) / 2.0).powi(2) + b * b).sqrt();
///     (((a + c) / 2.0 + h).sqrt(), ((a + c) / 2.0 - h).max(0.0).sqrt())
/// };
/// use mcu_kernels::lipschitz::{Dense, Projection, Workspace, PROJECTION_TOL};
///
/// let w = [[3.0f32, 1.0], [0.0, 2.0], [1.0, -1.0]];
/// let mut ws = Workspace::<2>::new();
/// for p in [
///     Projection::Normalize,
///     Projection::Hammer(10),
///     Projection::SoftCap(0.2),
///     Projection::HardCap,
///     Projection::Bjorck(15),
/// ] {
///     let mut layer = Dense::new(w, [0.0; 3])?;
///     let bound = layer.project(p, 1.5, &mut ws)?;
///     // Every projection certifies ‖W‖₂ ≤ c·(1 + tol), and the bound holds for the true norm.
///     assert!(bound <= 1.5 * (1.0 + PROJECTION_TOL), "{p:?}");
///     assert!(svals(&layer.w).0 <= f64::from(bound), "{p:?}");
/// }
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Projection {
    /// [`project::spectral_normalize`].
    Normalize,
    /// [`project::spectral_hammer`] with this many power-iteration steps.
    Hammer(u32),
    /// [`project::spectral_soft_cap`] with this α.
    SoftCap(f32),
    /// [`project::spectral_hard_cap`].
    HardCap,
    /// [`project::bjorck_orthonormalize`] with this many iterations.
    Bjorck(u32),
}

fn finite(x: &[f32]) -> Result<(), Error> {
    if x.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(Error::NonFinite)
    }
}

/// A dense layer y = Wx + b with W ∈ R^{OUT×IN} (row-major, `w[o][i]`).
///
/// A zero-sized layer (IN = 0 or OUT = 0) is refused by every method with [`Error::Empty`].
///
/// # Example
///
/// ```
/// // Singular values of an OUT×2 matrix in closed form (f64): the eigenvalues of the 2×2 WᵀW.
/// let svals = |w: &[[f32; 2]]| {
///     let (mut a, mut b, mut c) = (0.0f64, 0.0, 0.0);
///     for r in w {
///         let (x, y) = (f64::from(r[0]), f64::from(r[1]));
///         a += x * x;
///         b += x * y;
///         c += y * y;
///     }
///     let h = (((a - c) / 2.0).powi(2) + b * b).sqrt();
///     (((a + c) / 2.0 + h).sqrt(), ((a + c) / 2.0 - h).max(0.0).sqrt())
/// };
/// use mcu_kernels::{lipschitz::{Dense, Projection, Workspace}, Error};
///
/// // y = Wx + b with W 3×2.
/// let mut layer = Dense::new([[1.0f32, 2.0], [3.0, 4.0], [0.5, -1.0]], [0.1, 0.0, -0.5])?;
/// let mut y = [0.0f32; 3];
/// layer.forward(&[1.0, -1.0], &mut y)?;
/// assert_eq!(y, [-0.9, -1.0, 1.0]);
/// // Backward for dy = (1, 0, 2): dx = Wᵀdy, dW = dy·xᵀ, db = dy.
/// let (mut dx, mut dw, mut db) = ([0.0f32; 2], [[0.0f32; 2]; 3], [0.0f32; 3]);
/// layer.backward(&[1.0, -1.0], &[1.0, 0.0, 2.0], &mut dx, &mut dw, &mut db)?;
/// assert_eq!(dx, [2.0, 0.0]);
/// assert_eq!(dw, [[1.0, -1.0], [0.0, 0.0], [2.0, -2.0]]);
/// assert_eq!(db, [1.0, 0.0, 2.0]);
/// // Bounds on ‖W‖₂: power iteration from below, Gram iteration from above.
/// let (smax, _) = svals(&layer.w);
/// let mut ws = Workspace::<2>::new();
/// let upper = layer.certified_upper_bound(&mut ws)?;
/// let lower = layer.power_lower_bound(20)?;
/// assert!(f64::from(lower) <= smax && smax <= f64::from(upper));
/// assert!(upper / lower < 1.01);
/// // Enforce ‖W‖₂ ≤ 1.
/// assert!(layer.project(Projection::Normalize, 1.0, &mut ws)? <= 1.001);
/// // Refusals.
/// assert_eq!(Dense::<2, 1>::new([[f32::NAN, 0.0]], [0.0]), Err(Error::NonFinite));
/// assert_eq!(Dense::<0, 1>::new([[]], [0.0]), Err(Error::Empty));
/// assert_eq!(layer.forward(&[f32::INFINITY, 0.0], &mut y), Err(Error::NonFinite));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Dense<const IN: usize, const OUT: usize> {
    /// Weights, one row per output.
    pub w: [[f32; IN]; OUT],
    /// Bias.
    pub b: [f32; OUT],
    /// Persistent right singular vector estimate for power iteration and the hammer.
    pub v: [f32; IN],
}

impl<const IN: usize, const OUT: usize> Dense<IN, OUT> {
    /// A layer from weights and bias (the power-iteration vector starts at (1, …, 1)).
    ///
    /// # Errors
    /// [`Error::Empty`] if IN or OUT is 0, [`Error::NonFinite`] for NaN or ±∞ entries.
    ///
    /// ```
    /// use mcu_kernels::{lipschitz::Dense, Error};
    ///
    /// let layer = Dense::new([[1.0f32, 2.0, 3.0]], [0.5])?;
    /// assert_eq!(layer.v, [1.0; 3]); // the power-iteration vector starts at (1, …, 1)
    /// assert_eq!(Dense::<1, 1>::new([[f32::INFINITY]], [0.0]), Err(Error::NonFinite));
    /// assert_eq!(Dense::<1, 1>::new([[0.0]], [f32::NAN]), Err(Error::NonFinite));
    /// assert_eq!(Dense::<2, 0>::new([], []), Err(Error::Empty));
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    pub fn new(w: [[f32; IN]; OUT], b: [f32; OUT]) -> Result<Self, Error> {
        if IN == 0 || OUT == 0 {
            return Err(Error::Empty);
        }
        finite(w.as_flattened())?;
        finite(&b)?;
        Ok(Self { w, b, v: [1.0; IN] })
    }

    fn shape_ok(&self) -> Result<(), Error> {
        if IN == 0 || OUT == 0 {
            Err(Error::Empty)
        } else {
            Ok(())
        }
    }

    /// Forward pass y = Wx + b.
    ///
    /// **Algorithm:** one sequential f32 dot product per output (bias added last).
    /// **Accuracy:** |y_o − exact| ≤ γ_IN·(Σ|w_oi x_i| + |b_o|) (standard dot-product bound);
    /// measured max 2.1e−7·(Σ|w_oi x_i| + |b_o|) at 16×16 (`host/tests/lipschitz_svd.rs`).
    /// **Cost:** IN·OUT multiply-adds: 825 instructions at 16×16 on the Cortex-M4F
    /// (`cargo xtask bench`).
    ///
    /// # Errors
    /// [`Error::Empty`] for a zero-sized layer, [`Error::NonFinite`] for non-finite `x`
    /// (then `y` is unchanged).
    ///
    /// Stack (bytes, `cargo xtask bench`): M0 236 · M3 168 · M4F/M7/M33/M55 136.
    /// <!-- stack: lipschitz::Dense<16,16>::forward -->
    ///
    /// ```
    /// use mcu_kernels::{lipschitz::Dense, Error};
    ///
    /// let layer = Dense::new([[2.0f32, -1.0, 0.5], [0.0, 1.0, 1.0]], [1.0, -0.5])?;
    /// let mut y = [0.0f32; 2];
    /// layer.forward(&[1.0, 2.0, 4.0], &mut y)?;
    /// assert_eq!(y, [3.0, 5.5]); // (2 − 2 + 2 + 1, 2 + 4 − 0.5)
    /// // A non-finite input is refused and y is left alone.
    /// assert_eq!(layer.forward(&[f32::NAN, 0.0, 0.0], &mut y), Err(Error::NonFinite));
    /// assert_eq!(y, [3.0, 5.5]);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    pub fn forward(&self, x: &[f32; IN], y: &mut [f32; OUT]) -> Result<(), Error> {
        self.shape_ok()?;
        finite(x)?;
        for ((yo, row), &bo) in y.iter_mut().zip(&self.w).zip(&self.b) {
            let s = row.iter().zip(x).fold(0.0f32, |s, (a, b)| s + a * b);
            *yo = s + bo;
        }
        Ok(())
    }

    /// Backward pass for the loss gradient `dy` = ∂L/∂y at input `x`:
    /// `dx` = Wᵀdy, `dw` = dy·xᵀ, `db` = dy (overwritten, not accumulated).
    ///
    /// **Cost:** 2·IN·OUT multiply-adds: 1,676 instructions at 16×16 on the Cortex-M4F
    /// (`cargo xtask bench`).
    ///
    /// # Errors
    /// [`Error::Empty`] for a zero-sized layer, [`Error::NonFinite`] for non-finite `x` or
    /// `dy` (outputs unchanged).
    ///
    /// Stack (bytes, `cargo xtask bench`): M0 324 · M3 248 · M4F/M7/M33/M55 176.
    /// <!-- stack: lipschitz::Dense<16,16>::backward -->
    ///
    /// ```
    /// use mcu_kernels::lipschitz::Dense;
    ///
    /// // L = Σ c_o·y_o has dy = c; check dx = Wᵀc against a finite difference of L in x₀.
    /// let layer = Dense::new([[2.0f32, -1.0], [0.5, 3.0]], [0.0; 2])?;
    /// let (x, c) = ([1.0f32, 1.0], [1.0f32, -2.0]);
    /// let (mut dx, mut dw, mut db) = ([0.0f32; 2], [[0.0f32; 2]; 2], [0.0f32; 2]);
    /// layer.backward(&x, &c, &mut dx, &mut dw, &mut db)?;
    /// assert_eq!(dx, [2.0 - 1.0, -1.0 - 6.0]);
    /// let loss = |x0: f32| {
    ///     let mut y = [0.0f32; 2];
    ///     layer.forward(&[x0, 1.0], &mut y).unwrap();
    ///     y[0] * c[0] + y[1] * c[1]
    /// };
    /// assert!(((loss(1.5) - loss(0.5)) - dx[0]).abs() < 1e-5);
    /// assert_eq!(dw, [[1.0, 1.0], [-2.0, -2.0]]);
    /// assert_eq!(db, c);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    pub fn backward(
        &self,
        x: &[f32; IN],
        dy: &[f32; OUT],
        dx: &mut [f32; IN],
        dw: &mut [[f32; IN]; OUT],
        db: &mut [f32; OUT],
    ) -> Result<(), Error> {
        self.shape_ok()?;
        finite(x)?;
        finite(dy)?;
        dx.fill(0.0);
        for ((row, &g), dwrow) in self.w.iter().zip(dy).zip(dw.iter_mut()) {
            for ((d, &a), (dwi, &xi)) in dx.iter_mut().zip(row).zip(dwrow.iter_mut().zip(x)) {
                *d += a * g;
                *dwi = g * xi;
            }
        }
        *db = *dy;
        Ok(())
    }

    /// Certified upper bound on ‖W‖₂ ([`spectral_norm_upper_bound`] with [`GRAM_ITERS`]).
    ///
    /// # Errors
    /// [`Error::Empty`] for a zero-sized layer, [`Error::NonFinite`] for non-finite weights.
    ///
    /// ```
    /// use mcu_kernels::lipschitz::{Dense, Workspace};
    ///
    /// // W = [[3, 4]] has ‖W‖₂ = 5.
    /// let layer = Dense::new([[3.0f32, 4.0]], [0.0])?;
    /// let b = layer.certified_upper_bound(&mut Workspace::new())?;
    /// assert!(b >= 5.0 && b < 5.0 * 1.0001);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    pub fn certified_upper_bound(&self, ws: &mut Workspace<IN>) -> Result<f32, Error> {
        self.shape_ok()?;
        spectral_norm_upper_bound(
            self.w.as_flattened(),
            OUT,
            IN,
            GRAM_ITERS,
            ws.as_mut_slice(),
        )
    }

    /// Power-iteration lower bound on ‖W‖₂ ([`power_iteration`]), `steps` steps from the
    /// persistent vector `self.v`, which is updated.
    ///
    /// # Errors
    /// As [`power_iteration`].
    ///
    /// ```
    /// use mcu_kernels::lipschitz::Dense;
    ///
    /// // diag(2, 1): σ_max = 2; from v = (1, 1) the lower bound climbs towards it.
    /// let mut layer = Dense::new([[2.0f32, 0.0], [0.0, 1.0]], [0.0; 2])?;
    /// let a = layer.power_lower_bound(1)?;
    /// let b = layer.power_lower_bound(20)?;
    /// assert!(a <= b && b <= 2.0 && b > 2.0 * (1.0 - 1e-5));
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    pub fn power_lower_bound(&mut self, steps: u32) -> Result<f32, Error> {
        self.shape_ok()?;
        let mut u = [0.0f32; OUT];
        power_iteration(self.w.as_flattened(), OUT, IN, &mut self.v, &mut u, steps)
    }

    /// Enforces ‖W‖₂ ≤ c with the chosen projection; returns the certified bound after it,
    /// which is ≤ c·(1 + [`project::PROJECTION_TOL`]).
    ///
    /// # Errors
    /// As the projection: [`Error::BadParameter`] for c ≤ 0 or non-finite, ...
    ///
    /// ```
    /// // Singular values of an OUT×2 matrix in closed form (f64): the eigenvalues of the 2×2 WᵀW.
    /// let svals = |w: &[[f32; 2]]| {
    ///     let (mut a, mut b, mut c) = (0.0f64, 0.0, 0.0);
    ///     for r in w {
    ///         let (x, y) = (f64::from(r[0]), f64::from(r[1]));
    ///         a += x * x;
    ///         b += x * y;
    ///         c += y * y;
    ///     }
    ///     let h = (((a - c) / 2.0).powi(2) + b * b).sqrt();
    ///     (((a + c) / 2.0 + h).sqrt(), ((a + c) / 2.0 - h).max(0.0).sqrt())
    /// };
    /// use mcu_kernels::{lipschitz::{Dense, Projection, Workspace}, Error};
    ///
    /// let mut layer = Dense::new([[3.0f32, 1.0], [0.0, 2.0]], [0.0; 2])?;
    /// let mut ws = Workspace::new();
    /// let bound = layer.project(Projection::SoftCap(0.25), 1.0, &mut ws)?;
    /// assert!(bound <= 1.001 && svals(&layer.w).0 <= f64::from(bound));
    /// let negative_c = layer.project(Projection::Normalize, -1.0, &mut ws);
    /// assert!(matches!(negative_c, Err(Error::BadParameter(_))));
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    pub fn project(&mut self, p: Projection, c: f32, ws: &mut Workspace<IN>) -> Result<f32, Error> {
        self.shape_ok()?;
        let w = self.w.as_flattened_mut();
        let s = ws.as_mut_slice();
        match p {
            Projection::Normalize => project::spectral_normalize(w, OUT, IN, c, s),
            Projection::Hammer(steps) => {
                let mut u = [0.0f32; OUT];
                project::spectral_hammer(w, OUT, IN, c, &mut self.v, &mut u, steps, s)
            }
            Projection::SoftCap(alpha) => project::spectral_soft_cap(w, OUT, IN, c, alpha, s),
            Projection::HardCap => project::spectral_hard_cap(w, OUT, IN, c, s),
            Projection::Bjorck(iters) => project::bjorck_orthonormalize(w, OUT, IN, c, iters, s),
        }
    }
}

/// Fractional bits of [`DenseQ`] weights: i16 Q2.13, range [−4, 4 − 2^−13].
/// Example: see the example on [`DenseQ`].
pub const W_FRAC: u32 = 13;
/// Fractional bits of [`DenseQ`] activations and biases: i32 Q15.16.
/// Example: see the example on [`DenseQ`].
pub const X_FRAC: u32 = 16;

/// A fixed-point dense layer y = Wx + b: weights i16 Q2.13, inputs, outputs and bias i32
/// Q15.16, products and sums in i64.
///
/// # Example
///
/// ```
/// // Singular values of an OUT×2 matrix in closed form (f64): the eigenvalues of the 2×2 WᵀW.
/// let svals = |w: &[[f32; 2]]| {
///     let (mut a, mut b, mut c) = (0.0f64, 0.0, 0.0);
///     for r in w {
///         let (x, y) = (f64::from(r[0]), f64::from(r[1]));
///         a += x * x;
///         b += x * y;
///         c += y * y;
///     }
///     let h = (((a - c) / 2.0).powi(2) + b * b).sqrt();
///     (((a + c) / 2.0 + h).sqrt(), ((a + c) / 2.0 - h).max(0.0).sqrt())
/// };
/// use mcu_kernels::{lipschitz::{Dense, DenseQ, Workspace, W_FRAC, X_FRAC}, Error};
///
/// let f = Dense::new([[0.5f32, -1.25], [2.0, 0.125]], [0.25, -1.0])?;
/// let q = DenseQ::from_dense(&f)?;
/// assert_eq!(q.w[0], [1 << (W_FRAC - 1), -(5 << (W_FRAC - 2))]); // 0.5, −1.25 in Q2.13
/// // y = Wx + b in Q15.16 for x = (3, 1): (1.5 − 1.25 + 0.25, 6 + 0.125 − 1) = (0.5, 5.125).
/// let one = 1i32 << X_FRAC;
/// let mut y = [0i32; 2];
/// q.forward(&[3 * one, one], &mut y)?;
/// assert_eq!(y, [one / 2, 5 * one + one / 8]);
/// // These weights are exact in Q2.13: the round trip is exact, and so is the certified bound.
/// assert_eq!(q.to_dense().w, f.w);
/// let mut ws = Workspace::<2>::new();
/// assert!(f64::from(q.certified_upper_bound(&mut ws)?) >= svals(&f.w).0);
/// // A weight outside [−4, 4) does not fit Q2.13.
/// let big = Dense::new([[5.0f32, 0.0], [0.0, 0.0]], [0.0; 2])?;
/// assert!(matches!(DenseQ::from_dense(&big), Err(Error::BadParameter(_))));
/// assert_eq!(DenseQ::<2, 2>::MAX_IN, 65_536);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenseQ<const IN: usize, const OUT: usize> {
    /// Weights (Q2.13), one row per output.
    pub w: [[i16; IN]; OUT],
    /// Bias (Q15.16).
    pub b: [i32; OUT],
}

impl<const IN: usize, const OUT: usize> DenseQ<IN, OUT> {
    /// Largest IN the i64 accumulator is proven for (see [`DenseQ::forward`]).
    /// Example: see the example on [`DenseQ`].
    pub const MAX_IN: usize = 1 << 16;

    /// Quantises an f32 layer: weights rounded to nearest Q2.13, bias to nearest Q15.16.
    ///
    /// # Errors
    /// [`Error::Empty`] for a zero-sized layer; [`Error::NonFinite`]; [`Error::BadParameter`]
    /// if a weight is outside [−4, 4 − 2^−13] or a bias outside the Q15.16 range after rounding.
    ///
    /// ```
    /// use mcu_kernels::{lipschitz::{Dense, DenseQ}, Error};
    ///
    /// // Round to nearest: 0.1·2^13 = 819.2 → 819; bias 0.3·2^16 = 19660.8 → 19661.
    /// let q = DenseQ::from_dense(&Dense::new([[0.1f32, -3.5]], [0.3])?)?;
    /// assert_eq!(q.w, [[819, -28672]]);
    /// assert_eq!(q.b, [19661]);
    /// let too_big = Dense::new([[4.0f32, 0.0]], [0.0])?; // 4 = 2^15 raw: outside i16
    /// assert!(matches!(DenseQ::from_dense(&too_big), Err(Error::BadParameter(_))));
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    pub fn from_dense(d: &Dense<IN, OUT>) -> Result<Self, Error> {
        d.shape_ok()?;
        let mut q = Self {
            w: [[0; IN]; OUT],
            b: [0; OUT],
        };
        for (qrow, row) in q.w.iter_mut().zip(&d.w) {
            for (qw, &x) in qrow.iter_mut().zip(row) {
                if !x.is_finite() {
                    return Err(Error::NonFinite);
                }
                let r = libm::roundf(x * (1u32 << W_FRAC) as f32);
                if !(-32768.0..=32767.0).contains(&r) {
                    return Err(Error::BadParameter("weight outside Q2.13"));
                }
                *qw = r as i16;
            }
        }
        for (qb, &x) in q.b.iter_mut().zip(&d.b) {
            if !x.is_finite() {
                return Err(Error::NonFinite);
            }
            let r = libm::round(x as f64 * (1u32 << X_FRAC) as f64);
            if !(-2_147_483_648.0..=2_147_483_647.0).contains(&r) {
                return Err(Error::BadParameter("bias outside Q15.16"));
            }
            *qb = r as i32;
        }
        Ok(q)
    }

    /// The weights as an exact f32 layer (every Q2.13 value is an f32); bias dequantised to
    /// nearest f32.
    ///
    /// ```
    /// use mcu_kernels::lipschitz::DenseQ;
    ///
    /// // Weights 0.5, −1 in Q2.13; bias 1.5 in Q15.16.
    /// let q = DenseQ::<2, 1> { w: [[4096, -8192]], b: [98304] };
    /// let d = q.to_dense();
    /// assert_eq!(d.w, [[0.5, -1.0]]);
    /// assert_eq!(d.b, [1.5]);
    /// ```
    pub fn to_dense(&self) -> Dense<IN, OUT> {
        let mut w = [[0.0f32; IN]; OUT];
        for (row, qrow) in w.iter_mut().zip(&self.w) {
            for (x, &q) in row.iter_mut().zip(qrow) {
                *x = q as f32 / (1u32 << W_FRAC) as f32;
            }
        }
        let mut b = [0.0f32; OUT];
        for (x, &q) in b.iter_mut().zip(&self.b) {
            *x = (q as f64 / (1u32 << X_FRAC) as f64) as f32;
        }
        Dense { w, b, v: [1.0; IN] }
    }

    /// Fixed-point forward pass y = Wx + b (all Q15.16 except W in Q2.13).
    ///
    /// **Algorithm:** acc = (b << 13) + Σ w_i·x_i in i64 (a Q17.29 sum), then
    /// y = (acc + 2^12) >> 13 (round half up) saturated to i32.
    /// **No overflow:** |w_i·x_i| ≤ 2^15·2^31 = 2^46, so for IN ≤ [`Self::MAX_IN`] = 2^16 the
    /// sum is ≤ 2^62; |b << 13| ≤ 2^44 and the rounding term 2^12: |acc| < 2^62 + 2^45 < 2^63.
    /// **Accuracy:** exact up to the final rounding (≤ 1/2 LSB of Q15.16) and saturation.
    /// **Cost:** IN·OUT 16×32→64 multiply-adds (SMLAL on v7-M): 1,342 instructions at
    /// 16×16 on the Cortex-M4F (`cargo xtask bench`).
    ///
    /// # Errors
    /// [`Error::Empty`] for a zero-sized layer; [`Error::BadParameter`] if IN > 2^16.
    ///
    /// Stack (bytes, `cargo xtask bench`): M0 148 · M3 100 · M4F/M7/M33/M55 108.
    /// <!-- stack: lipschitz::DenseQ<16,16>::forward -->
    ///
    /// ```
    /// use mcu_kernels::lipschitz::DenseQ;
    ///
    /// // y = 0.5·x₀ + 0.25·x₁ + 1 for x = (3, −2) in Q15.16: 1.5 − 0.5 + 1 = 2.
    /// let q = DenseQ::<2, 1> { w: [[4096, 2048]], b: [1 << 16] };
    /// let mut y = [0i32];
    /// q.forward(&[3 << 16, -2 << 16], &mut y)?;
    /// assert_eq!(y, [2 << 16]);
    /// // Rounding half up: 0.5·(1 LSB) = half an LSB → 1 LSB.
    /// q.forward(&[1, 0], &mut y)?;
    /// assert_eq!(y, [(1 << 16) + 1]);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    pub fn forward(&self, x: &[i32; IN], y: &mut [i32; OUT]) -> Result<(), Error> {
        if IN == 0 || OUT == 0 {
            return Err(Error::Empty);
        }
        if IN > Self::MAX_IN {
            return Err(Error::BadParameter(
                "IN > 2^16 could overflow the i64 accumulator",
            ));
        }
        for ((yo, row), &bo) in y.iter_mut().zip(&self.w).zip(&self.b) {
            let mut acc = (bo as i64) << W_FRAC;
            for (&w, &xi) in row.iter().zip(x) {
                acc += w as i64 * xi as i64;
            }
            let r = (acc + (1i64 << (W_FRAC - 1))) >> W_FRAC;
            *yo = r.clamp(i32::MIN as i64, i32::MAX as i64) as i32;
        }
        Ok(())
    }

    /// Certified upper bound on ‖W‖₂ of the quantised weights (exactly representable in f32,
    /// so the bound is rigorous for the fixed-point layer's linear part).
    ///
    /// # Errors
    /// [`Error::Empty`] for a zero-sized layer.
    ///
    /// ```
    /// use mcu_kernels::lipschitz::{DenseQ, Workspace};
    ///
    /// // Q2.13 weights 0.75 and 1 (the f32 values are exact): ‖[[0.75, 1]]‖₂ = 1.25.
    /// let q = DenseQ::<2, 1> { w: [[6144, 8192]], b: [0] };
    /// let b = q.certified_upper_bound(&mut Workspace::new())?;
    /// assert!(b >= 1.25 && b < 1.25 * 1.0001);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    pub fn certified_upper_bound(&self, ws: &mut Workspace<IN>) -> Result<f32, Error> {
        self.to_dense().certified_upper_bound(ws)
    }
}
