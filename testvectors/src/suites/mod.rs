//! The differential suites: for each kernel, how to make vector `i` and digest its output.
//!
//! Every suite is a pure function of (suite, vector index): the firmware and the host
//! compute the same digests if, and only if, the kernel gives bit-identical results on both.

use crate::{Digest, Rng};

/// Largest vector length a suite uses (buffers live on the stack: keep the M0's 16 KiB in mind).
pub const MAX_LEN: usize = 256;

/// One kernel's differential suite.
pub struct Suite {
    /// The kernel's path, e.g. `softmax::three_pass`.
    pub name: &'static str,
    /// How many vectors the suite has.
    pub vectors: u32,
    /// Generate vector `index`, run the kernel, and fold its result into the digest.
    pub run: fn(index: u32) -> Digest,
}

/// Every suite, in a fixed order (the order is part of the on-target protocol).
pub const SUITES: &[Suite] = &[Suite {
    name: "softmax::three_pass",
    vectors: 1000,
    run: softmax_three_pass,
}];

/// A seed per (suite name, vector index), so that adding a suite changes no other suite.
pub fn seed(name: &str, index: u32) -> u64 {
    let mut d = Digest::default();
    for b in name.bytes() {
        d.word(u32::from(b));
    }
    (u64::from(d.0) << 32) | u64::from(index)
}

/// Logits of length 1..=MAX_LEN in one of several shapes: uniform, peaked, huge, ties, −∞ mixed in.
pub fn logits(rng: &mut Rng, buf: &mut [f32; MAX_LEN], index: u32) -> usize {
    let n = 1 + rng.below(MAX_LEN as u32) as usize;
    let xs = &mut buf[..n];
    match index % 5 {
        0 => rng.fill_uniform(xs, -8.0, 8.0),
        1 => {
            rng.fill_uniform(xs, -1.0, 1.0);
            let k = rng.below(n as u32) as usize;
            xs[k] = 30.0;
        }
        2 => rng.fill_uniform(xs, -3.0e38, 3.0e38),
        3 => {
            for v in xs.iter_mut() {
                *v = rng.below(4) as f32 * 0.5;
            }
        }
        _ => {
            rng.fill_uniform(xs, -20.0, 20.0);
            for v in xs.iter_mut() {
                if rng.below(8) == 0 {
                    *v = f32::NEG_INFINITY;
                }
            }
        }
    }
    n
}

fn softmax_three_pass(index: u32) -> Digest {
    let mut rng = Rng::new(seed("softmax::three_pass", index));
    let mut x = [0.0f32; MAX_LEN];
    let mut y = [0.0f32; MAX_LEN];
    let n = logits(&mut rng, &mut x, index);
    let r = kernels::softmax::three_pass(&x[..n], &mut y[..n]);
    let mut d = Digest::default();
    d.result(&r);
    d.f32s(&y[..n]);
    d
}
