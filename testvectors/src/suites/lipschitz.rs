//! `mcu_kernels::lipschitz` suites: layers, norm bounds, activations, the five projections and a
//! small model, the closed loop.

use super::seed;
use crate::{Digest, Rng};
use mcu_kernels::lipschitz as lip;

pub(super) fn dense(index: u32) -> Digest {
    let mut rng = Rng::new(seed("lipschitz::Dense+DenseQ", index));
    let mut w = [[0.0f32; 8]; 8];
    for row in w.iter_mut() {
        rng.fill_uniform(row, -0.5, 0.5);
    }
    let mut b = [0.0f32; 8];
    rng.fill_uniform(&mut b, -1.0, 1.0);
    let mut x = [0.0f32; 8];
    rng.fill_uniform(&mut x, -4.0, 4.0);
    let mut dy = [0.0f32; 8];
    rng.fill_uniform(&mut dy, -1.0, 1.0);
    let mut d = Digest::default();
    let layer = lip::Dense::<8, 8>::new(w, b);
    d.result(&layer);
    if let Ok(layer) = layer {
        let mut y = [0.0f32; 8];
        d.result(&layer.forward(&x, &mut y));
        d.f32s(&y);
        let (mut dx, mut dw, mut db) = ([0.0f32; 8], [[0.0f32; 8]; 8], [0.0f32; 8]);
        d.result(&layer.backward(&x, &dy, &mut dx, &mut dw, &mut db));
        d.f32s(&dx);
        d.f32s(dw.as_flattened());
        let q = lip::DenseQ::from_dense(&layer);
        d.result(&q);
        if let Ok(q) = q {
            let xq = x.map(|v| (v * 65536.0) as i32);
            let mut yq = [0i32; 8];
            d.result(&q.forward(&xq, &mut yq));
            for v in yq {
                d.word(v as u32);
            }
        }
    }
    d
}

pub(super) fn norms(index: u32) -> Digest {
    let mut rng = Rng::new(seed("lipschitz::norm bounds", index));
    let rows = 1 + rng.below(8) as usize;
    let cols = 1 + rng.below(8) as usize;
    let scale = libm::ldexpf(1.0, rng.below(120) as i32 - 60);
    let mut w = [0.0f32; 64];
    let w = &mut w[..rows * cols];
    rng.fill_uniform(w, -scale, scale);
    if index % 10 == 0 {
        w.fill(0.0);
    }
    let mut scratch = [0.0f32; 128];
    let mut d = Digest::default();
    let iters = rng.below(lip::GRAM_ITERS + 1);
    let ub = lip::spectral_norm_upper_bound(w, rows, cols, iters, &mut scratch);
    d.result(&ub);
    d.f32(ub.unwrap_or(-1.0));
    let (mut v, mut u) = ([1.0f32; 8], [0.0f32; 8]);
    let lb = lip::power_iteration(w, rows, cols, &mut v[..cols], &mut u[..rows], 5);
    d.result(&lb);
    d.f32(lb.unwrap_or(-1.0));
    d.f32s(&v[..cols]);
    d
}

pub(super) fn activations(index: u32) -> Digest {
    let mut rng = Rng::new(seed("lipschitz::activations", index));
    let mut x = [0.0f32; 12];
    rng.fill_uniform(&mut x, -10.0, 10.0);
    let mut d = Digest::default();
    let mut a = x;
    d.result(&lip::maxmin(&mut a));
    d.f32s(&a);
    let mut a = x;
    d.result(&lip::groupsort(
        &mut a,
        [1, 2, 3, 4, 6, 12][index as usize % 6],
    ));
    d.f32s(&a);
    let t = rng.uniform_f32(0.0, core::f32::consts::TAU);
    let v = [libm::cosf(t), libm::sinf(t)];
    let mut a = x;
    d.result(&lip::householder(&mut a, &v));
    d.f32s(&a);
    d
}

/// The five projections on one random matrix (each on its own copy) and their returned
/// certified bounds.
pub(super) fn projections(index: u32) -> Digest {
    let mut rng = Rng::new(seed("lipschitz::projections", index));
    let rows = 1 + rng.below(8) as usize;
    let cols = 1 + rng.below(8) as usize;
    let mut w0 = [0.0f32; 64];
    let w0 = &mut w0[..rows * cols];
    rng.fill_uniform(w0, -1.0, 1.0);
    let c = rng.uniform_f32(0.1, 2.0);
    let alpha = rng.uniform_f32(0.05, 0.33);
    let mut scratch = [0.0f32; 128];
    let mut d = Digest::default();
    let mut w = [0.0f32; 64];
    let w = &mut w[..rows * cols];
    w.copy_from_slice(w0);
    d.result(&lip::spectral_normalize(w, rows, cols, c, &mut scratch));
    d.f32s(w);
    w.copy_from_slice(w0);
    let (mut v, mut u) = ([1.0f32; 8], [0.0f32; 8]);
    d.result(&lip::spectral_hammer(
        w,
        rows,
        cols,
        c,
        &mut v[..cols],
        &mut u[..rows],
        3,
        &mut scratch,
    ));
    d.f32s(w);
    w.copy_from_slice(w0);
    d.result(&lip::spectral_soft_cap(
        w,
        rows,
        cols,
        c,
        alpha,
        &mut scratch,
    ));
    d.f32s(w);
    w.copy_from_slice(w0);
    d.result(&lip::spectral_hard_cap(w, rows, cols, c, &mut scratch));
    d.f32s(w);
    w.copy_from_slice(w0);
    d.result(&lip::bjorck_orthonormalize(
        w,
        rows,
        cols,
        c,
        1 + rng.below(6),
        &mut scratch,
    ));
    d.f32s(w);
    d
}

/// A 4 → 6 → 6 → 3 model: forward pass and certified bound, for each activation.
pub(super) fn mlp(index: u32) -> Digest {
    let mut rng = Rng::new(seed("lipschitz::LipschitzMlp", index));
    let layer = |rng: &mut Rng| {
        let mut w = [[0.0f32; 6]; 6];
        for row in w.iter_mut() {
            rng.fill_uniform(row, -0.6, 0.6);
        }
        let mut b = [0.0f32; 6];
        rng.fill_uniform(&mut b, -0.2, 0.2);
        (w, b)
    };
    let (w1, b1) = layer(&mut rng);
    let (w2, b2) = layer(&mut rng);
    let (w3, b3) = layer(&mut rng);
    let first: [[f32; 4]; 6] = w1.map(|r| [r[0], r[1], r[2], r[3]]);
    let last: [[f32; 6]; 3] = [w3[0], w3[1], w3[2]];
    let act = [
        lip::Activation::Relu,
        lip::Activation::Mish,
        lip::Activation::MaxMin,
        lip::Activation::GroupSort(3),
        lip::Activation::Identity,
    ][index as usize % 5];
    let mut d = Digest::default();
    let (Ok(first), Ok(hidden), Ok(last)) = (
        lip::Dense::<4, 6>::new(first, b1),
        lip::Dense::<6, 6>::new(w2, b2),
        lip::Dense::<6, 3>::new(last, [b3[0], b3[1], b3[2]]),
    ) else {
        return Digest::from_hash(1);
    };
    let model = lip::LipschitzMlp::<4, 6, 3, 1> {
        first,
        hidden: [hidden],
        last,
        act,
    };
    let mut x = [0.0f32; 4];
    rng.fill_uniform(&mut x, -3.0, 3.0);
    let mut y = [0.0f32; 3];
    d.result(&model.forward(&x, &mut y));
    d.f32s(&y);
    let mut ws = lip::Workspace::<6>::new();
    let bound = model.certified_lipschitz_bound(&mut ws);
    d.result(&bound);
    d.f32(bound.unwrap_or(-1.0));
    d
}

pub(super) fn closed_loop(index: u32) -> Digest {
    let mut rng = Rng::new(seed("lipschitz::closed_loop", index));
    let x0 = [rng.uniform_f32(-2.0, 2.0), rng.uniform_f32(-2.0, 2.0)];
    let mut clean = [[0.0f32; 2]; 100];
    let mut noisy = [[0.0f32; 2]; 100];
    let mut noise = [[0.0f32; 2]; 100];
    let r = crate::lipschitz_closed_loop::run(
        x0,
        0.01,
        u64::from(index),
        &mut clean,
        &mut noisy,
        &mut noise,
    );
    let mut d = Digest::default();
    d.result(&r);
    d.f32s(clean.as_flattened());
    d.f32s(noisy.as_flattened());
    d
}
