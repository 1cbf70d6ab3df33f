//! Suites of the FPU-free (`nofpu`) kernels: integer arithmetic on f32 bit patterns, so the
//! host and every core (with or without an FPU) must agree bit for bit.

use super::{logits, seed, MAX_LEN};
use crate::{Digest, Rng};

/// Every `math::nofpu` function on 64 inputs: uniform in a wide range, near 0 and 1 (where
/// the small-argument paths run), and bit patterns drawn at random (NaN, ±∞, subnormals).
pub(super) fn math(index: u32) -> Digest {
    use mcu_kernels::math::nofpu;
    let mut rng = Rng::new(seed("math::nofpu::*", index));
    let mut d = Digest::default();
    let fs: [fn(f32) -> f32; 8] = [
        nofpu::exp,
        nofpu::exp2,
        nofpu::ln,
        nofpu::log1p,
        nofpu::expm1,
        nofpu::tanh,
        nofpu::sigmoid,
        nofpu::softplus,
    ];
    for _ in 0..64 {
        let x = match rng.below(4) {
            0 => rng.uniform_f32(-120.0, 120.0),
            1 => rng.uniform_f32(-0.5, 0.5),
            2 => 1.0 + rng.uniform_f32(-0.05, 0.05),
            _ => f32::from_bits(rng.next_u32()),
        };
        for f in fs {
            d.f32(f(x));
        }
    }
    d
}

/// `softmax::nofpu::softmax` on the shared logit shapes (uniform, peaked, ±3e38, ties, −∞).
pub(super) fn softmax(i: u32) -> Digest {
    super::float::slice_kernel(
        "softmax::nofpu::softmax",
        i,
        mcu_kernels::softmax::nofpu::softmax,
    )
}

/// `softmax::nofpu::log_softmax` on the shared logit shapes.
pub(super) fn log_softmax(i: u32) -> Digest {
    super::float::slice_kernel(
        "softmax::nofpu::log_softmax",
        i,
        mcu_kernels::softmax::nofpu::log_softmax,
    )
}

/// `softmax::nofpu::cross_entropy` with gradient, target drawn in 0..=n (n: out of range).
pub(super) fn cross_entropy(index: u32) -> Digest {
    let mut rng = Rng::new(seed("softmax::nofpu::cross_entropy", index));
    let mut x = [0.0f32; MAX_LEN];
    let mut g = [0.0f32; MAX_LEN];
    let n = logits(&mut rng, &mut x, index);
    let target = rng.below(n as u32 + 1) as usize;
    let mut d = Digest::default();
    d.input_f32s(&x[..n]);
    let ce = mcu_kernels::softmax::nofpu::cross_entropy(&x[..n], target, Some(&mut g[..n]));
    d.result(&ce);
    d.f32(ce.unwrap_or(0.0));
    d.f32s(&g[..n]);
    let ce = mcu_kernels::softmax::nofpu::cross_entropy(&x[..n], target, None);
    d.result(&ce);
    d.f32(ce.unwrap_or(0.0));
    d
}

/// `mish::nofpu::mish_slice` on the shared logit shapes (±3e38, −∞, ties, …).
pub(super) fn mish_slice(i: u32) -> Digest {
    super::float::slice_kernel(
        "mish::nofpu::mish_slice",
        i,
        mcu_kernels::mish::nofpu::mish_slice,
    )
}

/// `zloss::nofpu::{zloss_grad, zloss}` on the shared logit shapes (±3e38, ties, …), target and
/// parameters drawn per vector.
pub(super) fn zloss(index: u32) -> Digest {
    let mut rng = Rng::new(seed("zloss::nofpu::zloss_grad", index));
    let mut o = [0.0f32; MAX_LEN];
    let mut g = [0.0f32; MAX_LEN];
    let n = logits(&mut rng, &mut o, index);
    let target = rng.below(n as u32) as usize;
    let a = rng.uniform_f32(0.1, 4.0);
    let b = rng.uniform_f32(-2.0, 4.0);
    let mut d = Digest::default();
    d.input_f32s(&o[..n]);
    let l = mcu_kernels::zloss::nofpu::zloss_grad(&o[..n], target, a, b, &mut g[..n]);
    d.result(&l);
    d.f32(l.unwrap_or(0.0));
    d.f32s(&g[..n]);
    let l = mcu_kernels::zloss::nofpu::zloss(&o[..n], target, a, b);
    d.result(&l);
    d.f32(l.unwrap_or(0.0));
    d
}

/// `sparsemax::nofpu::entmax15` on the shared logit shapes.
pub(super) fn entmax15(i: u32) -> Digest {
    super::float::slice_kernel(
        "sparsemax::nofpu::entmax15",
        i,
        mcu_kernels::sparsemax::nofpu::entmax15,
    )
}
