//! A small sequential Lipschitz model.

use super::activation::Activation;
use super::dense::{Dense, Workspace};
use super::norm::f32_up;
use crate::Error;

/// An MLP `IN → H → … → H → OUT`: a first layer, `L` hidden H×H layers and a last layer,
/// with one activation after every layer but the last.
///
/// # Example
///
/// ```
/// use mcu_kernels::lipschitz::{Activation, Dense, LipschitzMlp, Projection, Workspace};
///
/// // 2 → 4 → 4 → 1 with MaxMin, every layer projected to ‖W‖₂ ≤ 1.
/// let mut first = Dense::new([[1.0f32, 0.5], [-0.3, 2.0], [0.7, 0.7], [1.5, -1.0]], [0.1; 4])?;
/// let mut hidden = Dense::new(
///     [
///         [0.5f32, -0.2, 0.1, 0.3],
///         [1.0, 0.4, -0.6, 0.2],
///         [0.0, 0.9, 0.3, -0.4],
///         [0.2, 0.1, 0.8, 0.5],
///     ],
///     [0.0; 4],
/// )?;
/// let mut last = Dense::new([[0.6f32, -0.8, 0.3, 0.9]], [0.0])?;
/// let mut ws = Workspace::<4>::new();
/// let mut ws2 = Workspace::<2>::new();
/// first.project(Projection::Normalize, 1.0, &mut ws2)?;
/// hidden.project(Projection::Normalize, 1.0, &mut ws)?;
/// last.project(Projection::Normalize, 1.0, &mut ws)?;
/// let mlp = LipschitzMlp { first, hidden: [hidden], last, act: Activation::MaxMin };
/// let bound = mlp.certified_lipschitz_bound(&mut ws)?;
/// assert!(bound <= 1.001f32.powi(3) * 1.0001);
/// // The certificate holds on every pair of inputs: |f(a) − f(b)| ≤ bound·‖a − b‖.
/// let pts = [[0.0f32, 0.0], [1.0, -2.0], [0.3, 0.4], [-5.0, 2.5], [0.31, 0.41]];
/// let mut ya = [0.0f32];
/// let mut yb = [0.0f32];
/// for a in &pts {
///     for b in &pts {
///         mlp.forward(a, &mut ya)?;
///         mlp.forward(b, &mut yb)?;
///         let d = f64::from(a[0] - b[0]).hypot(f64::from(a[1] - b[1]));
///         assert!(f64::from((ya[0] - yb[0]).abs()) <= f64::from(bound) * d + 1e-6);
///     }
/// }
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LipschitzMlp<const IN: usize, const H: usize, const OUT: usize, const L: usize> {
    /// First layer.
    pub first: Dense<IN, H>,
    /// Hidden layers.
    pub hidden: [Dense<H, H>; L],
    /// Last layer.
    pub last: Dense<H, OUT>,
    /// Activation after every layer but the last.
    pub act: Activation,
}

impl<const IN: usize, const H: usize, const OUT: usize, const L: usize>
    LipschitzMlp<IN, H, OUT, L>
{
    /// Forward pass y = W_last·σ(… σ(W_first x + b_first) …) + b_last.
    ///
    /// **Cost:** (IN + L·H + OUT)·H multiply-adds plus the activations: 2,829 instructions
    /// for 16 → 16 → 16 → 16 with MaxMin on the Cortex-M4F (`cargo xtask bench`).
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a non-finite input or intermediate (an overflow);
    /// [`Error::BadRowLength`] if the activation's group size does not divide H;
    /// [`Error::Empty`] for zero-sized shapes.
    ///
    /// Stack (bytes, `cargo xtask bench`): M0 388 · M3 320 · M4F/M7/M33/M55 288.
    /// <!-- stack: lipschitz::LipschitzMlp<16,16,16,1>::forward -->
    ///
    /// ```
    /// use mcu_kernels::lipschitz::{Activation, Dense, LipschitzMlp};
    ///
    /// // 2 → 2 → 2 → 1 with ReLU: y = w₃·relu(W₂·relu(W₁x + b₁) + b₂) + b₃, by hand.
    /// let mlp = LipschitzMlp {
    ///     first: Dense::new([[1.0f32, -1.0], [0.5, 0.5]], [0.0, -1.0])?,
    ///     hidden: [Dense::new([[1.0f32, 0.0], [-1.0, 2.0]], [0.5, 0.0])?],
    ///     last: Dense::new([[1.0f32, 1.0]], [0.25])?,
    ///     act: Activation::Relu,
    /// };
    /// let mut y = [0.0f32];
    /// mlp.forward(&[3.0, 1.0], &mut y)?;
    /// // h₁ = relu(2, 1) = (2, 1); h₂ = relu(2.5, 0) = (2.5, 0); y = 2.5 + 0.25.
    /// assert_eq!(y, [2.75]);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    pub fn forward(&self, x: &[f32; IN], y: &mut [f32; OUT]) -> Result<(), Error> {
        let mut h = [0.0f32; H];
        let mut t = [0.0f32; H];
        self.first.forward(x, &mut h)?;
        self.act.apply(&mut h)?;
        for layer in &self.hidden {
            layer.forward(&h, &mut t)?;
            self.act.apply(&mut t)?;
            h = t;
        }
        self.last.forward(&h, y)
    }

    /// Certified upper bound on the network's Lipschitz constant (in ‖·‖₂):
    /// Π_l σ̄(W_l) · Lip(act)^(L+1), the σ̄ from [`Dense::certified_upper_bound`] and the product
    /// taken in f64 with each step rounded up, then rounded up to f32.
    ///
    /// **Cost:** L + 2 Gram bounds: 627,819 instructions for 16 → 16 → 16 → 16 on the
    /// Cortex-M4F (`cargo xtask bench`).
    ///
    /// # Errors
    /// As [`Dense::certified_upper_bound`] (the first layer's Gram matrix is min(IN, H)²,
    /// so a `Workspace<H>` always suffices).
    ///
    /// Stack (bytes, `cargo xtask bench`): M4F/M7/M33/M55 476.
    /// <!-- stack: lipschitz::LipschitzMlp<16,16,16,1>::certified_lipschitz_bound -->
    ///
    /// ```
    /// use mcu_kernels::lipschitz::{Activation, Dense, LipschitzMlp, Workspace};
    ///
    /// // Diagonal layers with norms 2, 3 and 0.5, Mish between them: bound ≥ 2·3·0.5·1.0887².
    /// let mlp = LipschitzMlp {
    ///     first: Dense::new([[2.0f32, 0.0], [0.0, 1.0]], [0.0; 2])?,
    ///     hidden: [Dense::new([[3.0f32, 0.0], [0.0, -1.0]], [0.0; 2])?],
    ///     last: Dense::new([[0.5f32, 0.0]], [0.0])?,
    ///     act: Activation::Mish,
    /// };
    /// let b = f64::from(mlp.certified_lipschitz_bound(&mut Workspace::new())?);
    /// let product = 3.0 * 1.0887f64.powi(2);
    /// assert!(b >= product && b < product * 1.002);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    pub fn certified_lipschitz_bound(&self, ws: &mut Workspace<H>) -> Result<f32, Error> {
        let s = ws.as_mut_slice();
        let mut p = super::norm::spectral_norm_upper_bound(
            self.first.w.as_flattened(),
            H,
            IN,
            super::GRAM_ITERS,
            s,
        )? as f64;
        let up = |x: f64| x + x * (1.0 / 2_251_799_813_685_248.0);
        for layer in &self.hidden {
            p = up(p * layer.certified_upper_bound(ws)? as f64);
        }
        p = up(p * self.last.certified_upper_bound(ws)? as f64);
        let a = self.act.lipschitz() as f64;
        for _ in 0..=L {
            p = up(p * a);
        }
        Ok(f32_up(p))
    }
}
