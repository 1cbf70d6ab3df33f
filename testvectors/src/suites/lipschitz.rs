//! `kernels::lipschitz` suites: layers, norm bounds, activations, the closed loop. (The
//! projections are not among them: with them the M4F `target-tests` image overflows its
//! 256 KiB of flash; they are tested on the host.)

use super::seed;
use crate::{Digest, Rng};
use kernels::lipschitz as lip;

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
