//! f32 kernel suites: softmax family, math functions, Mish, sparsemax family, Z-loss.

use super::{logits, seed, MAX_LEN};
use crate::{Digest, Rng};

pub(super) fn three_pass(index: u32) -> Digest {
    let mut rng = Rng::new(seed("softmax::three_pass", index));
    let mut x = [0.0f32; MAX_LEN];
    let mut y = [0.0f32; MAX_LEN];
    let n = logits(&mut rng, &mut x, index);
    let r = mcu_kernels::softmax::three_pass(&x[..n], &mut y[..n]);
    let mut d = Digest::default();
    d.input_f32s(&x[..n]);
    d.result(&r);
    d.f32s(&y[..n]);
    d
}

/// A slice kernel `fn(&[f32], &mut [f32]) -> Result<(), Error>` on the shared logit shapes.
pub(super) fn slice_kernel(
    name: &str,
    index: u32,
    f: fn(&[f32], &mut [f32]) -> Result<(), mcu_kernels::Error>,
) -> Digest {
    let mut rng = Rng::new(seed(name, index));
    let mut x = [0.0f32; MAX_LEN];
    let mut y = [0.0f32; MAX_LEN];
    let n = logits(&mut rng, &mut x, index);
    let r = f(&x[..n], &mut y[..n]);
    let mut d = Digest::default();
    d.input_f32s(&x[..n]);
    d.result(&r);
    d.f32s(&y[..n]);
    d
}

pub(super) fn anchored(i: u32) -> Digest {
    slice_kernel("softmax::anchored", i, mcu_kernels::softmax::anchored)
}
pub(super) fn two_pass(i: u32) -> Digest {
    slice_kernel("softmax::two_pass", i, mcu_kernels::softmax::two_pass)
}
pub(super) fn log_softmax(i: u32) -> Digest {
    slice_kernel(
        "softmax::log_softmax",
        i,
        mcu_kernels::softmax::fpu::log_softmax,
    )
}
pub(super) fn stablemax(i: u32) -> Digest {
    slice_kernel("softmax::stablemax", i, mcu_kernels::softmax::stablemax)
}
pub(super) fn mish_slice(i: u32) -> Digest {
    slice_kernel("mish::mish_slice", i, mcu_kernels::mish::fpu::mish_slice)
}
pub(super) fn mish_grad_slice(i: u32) -> Digest {
    slice_kernel(
        "mish::mish_grad_slice",
        i,
        mcu_kernels::mish::mish_grad_slice,
    )
}
pub(super) fn entmax15(i: u32) -> Digest {
    slice_kernel(
        "sparsemax::entmax15",
        i,
        mcu_kernels::sparsemax::fpu::entmax15,
    )
}
pub(super) fn sparsemax(i: u32) -> Digest {
    slice_kernel("sparsemax::sparsemax", i, |x, y| {
        mcu_kernels::sparsemax::sparsemax(x, y).map(|_| ())
    })
}
pub(super) fn sparsemax_sort(i: u32) -> Digest {
    slice_kernel("sparsemax::sparsemax_sort", i, |x, y| {
        mcu_kernels::sparsemax::sparsemax_sort(x, y).map(|_| ())
    })
}

pub(super) fn logsumexp_and_cross_entropy(index: u32) -> Digest {
    let mut rng = Rng::new(seed("softmax::logsumexp+cross_entropy+z_loss_aux", index));
    let mut x = [0.0f32; MAX_LEN];
    let mut g = [0.0f32; MAX_LEN];
    let n = logits(&mut rng, &mut x, index);
    let target = rng.below(n as u32 + 1) as usize; // n itself: out of range
    let mut d = Digest::default();
    let lse = mcu_kernels::softmax::logsumexp(&x[..n]);
    d.result(&lse);
    d.f32(lse.unwrap_or(0.0));
    let ce = mcu_kernels::softmax::fpu::cross_entropy(&x[..n], target, Some(&mut g[..n]));
    d.result(&ce);
    d.f32(ce.unwrap_or(0.0));
    d.f32s(&g[..n]);
    let z = mcu_kernels::softmax::z_loss_aux(&x[..n], 1e-4);
    d.result(&z);
    d.f32(z.unwrap_or(0.0));
    d
}

pub(super) fn rows_and_temperature(index: u32) -> Digest {
    let mut rng = Rng::new(seed("softmax::softmax_rows+temperature", index));
    let mut x = [0.0f32; MAX_LEN];
    let mut y = [0.0f32; MAX_LEN];
    let n = logits(&mut rng, &mut x, index);
    let row = 1 + rng.below(n as u32) as usize;
    let mut d = Digest::default();
    d.result(&mcu_kernels::softmax::softmax_rows(
        &x[..n],
        row,
        &mut y[..n],
    ));
    d.f32s(&y[..n]);
    let t = rng.uniform_f32(0.05, 4.0);
    d.result(&mcu_kernels::softmax::softmax_with_temperature(
        &x[..n],
        t,
        &mut y[..n],
    ));
    d.f32s(&y[..n]);
    d
}

pub(super) fn sparse_losses(index: u32) -> Digest {
    let mut rng = Rng::new(seed("sparsemax::loss+jvp+topk", index));
    let mut z = [0.0f32; MAX_LEN];
    let mut p = [0.0f32; MAX_LEN];
    let mut v = [0.0f32; MAX_LEN];
    let mut out = [0.0f32; MAX_LEN];
    let n = logits(&mut rng, &mut z, index);
    let mut d = Digest::default();
    let target = rng.below(n as u32) as usize;
    let l = mcu_kernels::sparsemax::sparsemax_loss(&z[..n], target, Some(&mut out[..n]));
    d.result(&l);
    d.f32(l.unwrap_or(0.0));
    d.f32s(&out[..n]);
    let s = mcu_kernels::sparsemax::sparsemax(&z[..n], &mut p[..n]);
    d.result(&s);
    rng.fill_uniform(&mut v[..n], -1.0, 1.0);
    d.result(&mcu_kernels::sparsemax::sparsemax_jvp(
        &p[..n],
        &v[..n],
        &mut out[..n],
    ));
    d.f32s(&out[..n]);
    let k = rng.below(n as u32 + 1) as usize;
    let t = mcu_kernels::sparsemax::project_topk_simplex(&z[..n], k, &mut out[..n]);
    d.result(&t);
    d.word(t.unwrap_or(0) as u32);
    d.f32s(&out[..n]);
    d
}

pub(super) fn zloss(index: u32) -> Digest {
    let mut rng = Rng::new(seed("zloss::zloss_grad", index));
    let mut o = [0.0f32; MAX_LEN];
    let mut g = [0.0f32; MAX_LEN];
    let n = logits(&mut rng, &mut o, index);
    let target = rng.below(n as u32) as usize;
    let a = rng.uniform_f32(0.1, 4.0);
    let b = rng.uniform_f32(-2.0, 4.0);
    let mut d = Digest::default();
    let l = mcu_kernels::zloss::fpu::zloss_grad(&o[..n], target, a, b, &mut g[..n]);
    d.result(&l);
    d.f32(l.unwrap_or(0.0));
    d.f32s(&g[..n]);
    let mut q = [0i8; MAX_LEN];
    for v in q[..n].iter_mut() {
        *v = rng.next_u32() as i8;
    }
    let l8 = mcu_kernels::zloss::zloss_s8(&q[..n], target, a, b);
    d.result(&l8);
    d.f32(l8.unwrap_or(0.0));
    d
}

pub(super) fn sparsemax_q15(index: u32) -> Digest {
    let mut rng = Rng::new(seed("sparsemax::sparsemax_q15", index));
    let n = 1 + rng.below(MAX_LEN as u32) as usize;
    let mut z = [0i16; MAX_LEN];
    let mut p = [0u16; MAX_LEN];
    for v in z[..n].iter_mut() {
        *v = rng.next_u32() as i16 >> rng.below(12);
    }
    let frac = rng.below(17);
    let r = mcu_kernels::sparsemax::sparsemax_q15(&z[..n], frac, &mut p[..n]);
    let mut d = Digest::default();
    d.result(&r);
    d.word(r.unwrap_or(0) as u32);
    for v in &p[..n] {
        d.word(u32::from(*v));
    }
    d
}

/// Every math function on 64 inputs: uniform in a wide range, plus bit patterns drawn at random.
pub(super) fn math(index: u32) -> Digest {
    use mcu_kernels::math;
    let mut rng = Rng::new(seed("math::*", index));
    let mut d = Digest::default();
    let fs: [fn(f32) -> f32; 9] = [
        math::fpu::exp,
        math::fpu::exp2,
        math::fpu::ln,
        math::fpu::log1p,
        math::fpu::expm1,
        math::fpu::tanh,
        math::fpu::sigmoid,
        math::fpu::softplus,
        mcu_kernels::mish::fpu::mish,
    ];
    for _ in 0..64 {
        let x = if rng.below(2) == 0 {
            rng.uniform_f32(-100.0, 100.0)
        } else {
            f32::from_bits(rng.next_u32())
        };
        for f in fs {
            d.f32(f(x));
        }
        d.f32(mcu_kernels::mish::mish_grad(x));
    }
    d
}
