//! Closed loop of the trained Lipschitz policy ([`crate::lipschitz_policy`]) on the double
//! integrator x' = [p + dt·v + dt²/2·u, v + dt·u], dt = 0.1, in f32, with sensor noise
//! uniform in [−ε, ε]² (seeded). Shared by the host tests and the on-target suite, so the
//! trajectory the host checks is the one the device computes, bit for bit.

use crate::lipschitz_policy::{B1, B2, W1, W2};
use crate::Rng;
use mcu_kernels::lipschitz::{Activation, Dense, LipschitzMlp};

/// Time step.
pub const DT: f32 = 0.1;

/// The exported policy as a `mcu_kernels::lipschitz` model.
///
/// # Errors
/// Never with the committed weights (they are finite); `mcu_kernels::Error` otherwise.
pub fn policy() -> Result<LipschitzMlp<2, 16, 1, 0>, mcu_kernels::Error> {
    Ok(LipschitzMlp {
        first: Dense::new(W1, B1)?,
        hidden: [],
        last: Dense::new(W2, B2)?,
        act: Activation::MaxMin,
    })
}

/// One step of the plant.
pub fn plant(x: [f32; 2], u: f32) -> [f32; 2] {
    [x[0] + DT * x[1] + 0.5 * DT * DT * u, x[1] + DT * u]
}

/// Runs `clean.len()` steps from `x0` without noise (into `clean`) and with noise of
/// amplitude `eps` drawn from `seed` (into `noisy`, and the noise itself into `noise`).
///
/// # Errors
/// The policy's error (non-finite state).
pub fn run(
    x0: [f32; 2],
    eps: f32,
    seed: u64,
    clean: &mut [[f32; 2]],
    noisy: &mut [[f32; 2]],
    noise: &mut [[f32; 2]],
) -> Result<(), mcu_kernels::Error> {
    let p = policy()?;
    let mut rng = Rng::new(seed);
    let (mut xc, mut xn) = (x0, x0);
    for ((c, n), e) in clean.iter_mut().zip(noisy.iter_mut()).zip(noise.iter_mut()) {
        *c = xc;
        *n = xn;
        *e = [rng.uniform_f32(-eps, eps), rng.uniform_f32(-eps, eps)];
        let mut u = [0.0f32];
        p.forward(&xc, &mut u)?;
        xc = plant(xc, u[0]);
        p.forward(&[xn[0] + e[0], xn[1] + e[1]], &mut u)?;
        xn = plant(xn, u[0]);
    }
    Ok(())
}
