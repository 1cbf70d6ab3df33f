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

mod float;
mod lipschitz;
mod nofpu;
mod online;
mod quant;

/// Every suite, in a fixed order (the order is part of the on-target protocol).
pub const SUITES: &[Suite] = &[
    Suite {
        name: "softmax::three_pass",
        vectors: 1000,
        run: float::three_pass,
    },
    Suite {
        name: "softmax::anchored",
        vectors: 1000,
        run: float::anchored,
    },
    Suite {
        name: "softmax::two_pass",
        vectors: 1000,
        run: float::two_pass,
    },
    Suite {
        name: "softmax::log_softmax",
        vectors: 1000,
        run: float::log_softmax,
    },
    Suite {
        name: "softmax::logsumexp+cross_entropy+z_loss_aux",
        vectors: 1000,
        run: float::logsumexp_and_cross_entropy,
    },
    Suite {
        name: "softmax::softmax_rows+temperature",
        vectors: 1000,
        run: float::rows_and_temperature,
    },
    Suite {
        name: "softmax::stablemax",
        vectors: 1000,
        run: float::stablemax,
    },
    Suite {
        name: "math::*",
        vectors: 1000,
        run: float::math,
    },
    Suite {
        name: "mish::mish_slice",
        vectors: 1000,
        run: float::mish_slice,
    },
    Suite {
        name: "mish::mish_grad_slice",
        vectors: 1000,
        run: float::mish_grad_slice,
    },
    Suite {
        name: "sparsemax::sparsemax",
        vectors: 1000,
        run: float::sparsemax,
    },
    Suite {
        name: "sparsemax::sparsemax_sort",
        vectors: 1000,
        run: float::sparsemax_sort,
    },
    Suite {
        name: "sparsemax::loss+jvp+topk",
        vectors: 1000,
        run: float::sparse_losses,
    },
    Suite {
        name: "sparsemax::entmax15",
        vectors: 1000,
        run: float::entmax15,
    },
    Suite {
        name: "sparsemax::sparsemax_q15",
        vectors: 1000,
        run: float::sparsemax_q15,
    },
    Suite {
        name: "zloss::zloss_grad+zloss_s8",
        vectors: 1000,
        run: float::zloss,
    },
    Suite {
        name: "softmax::quant::softmax_s8_tflm",
        vectors: 1000,
        run: quant::s8_tflm,
    },
    Suite {
        name: "softmax::quant::softmax_s8_s16_tflm",
        vectors: 1000,
        run: quant::s8_s16_tflm,
    },
    // Issue #20: the table forms of the TFLM-exact int8 kernels, and MishS8Lut::apply.
    Suite {
        name: "softmax::quant::softmax_s8_tflm_table",
        vectors: 1000,
        run: quant::s8_tflm_table,
    },
    Suite {
        name: "softmax::quant::softmax_s8_s16_tflm_table",
        vectors: 1000,
        run: quant::s8_s16_tflm_table,
    },
    Suite {
        name: "mish::MishS8Lut::apply",
        vectors: 40,
        run: quant::mish_s8_lut,
    },
    Suite {
        name: "softmax::quant::softmax_s16_tflm",
        vectors: 1000,
        run: quant::s16_tflm,
    },
    Suite {
        name: "softmax::quant::softmax_s8",
        vectors: 1000,
        run: quant::s8_lut,
    },
    Suite {
        name: "softmax::quant::softmax_s8_s16",
        vectors: 1000,
        run: quant::s8_s16_lut,
    },
    Suite {
        name: "softmax::quant::softmax_s16",
        vectors: 1000,
        run: quant::s16_lut,
    },
    Suite {
        name: "softmax::quant::softmax_fixed_two_pass",
        vectors: 1000,
        run: quant::fixed_two_pass,
    },
    Suite {
        name: "online::LogisticRegression+Sgd",
        vectors: 1000,
        run: online::logistic_sgd,
    },
    Suite {
        name: "online::LogisticRegression+AdaGrad",
        vectors: 1000,
        run: online::logistic_adagrad,
    },
    Suite {
        name: "online::LogisticRegression+Adam",
        vectors: 1000,
        run: online::logistic_adam,
    },
    Suite {
        name: "online::LogisticRegression+AdaMax",
        vectors: 1000,
        run: online::logistic_adamax,
    },
    Suite {
        name: "online::LogisticRegression+Ftrl",
        vectors: 1000,
        run: online::logistic_ftrl,
    },
    Suite {
        name: "online::LogisticRegression+OptimisticOgd",
        vectors: 1000,
        run: online::logistic_oogd,
    },
    Suite {
        name: "online::LogisticRegression+PassiveAggressive",
        vectors: 1000,
        run: online::logistic_pa,
    },
    Suite {
        name: "online::LinearRegression+Implicit",
        vectors: 1000,
        run: online::linear_implicit,
    },
    Suite {
        name: "online::LinearRegression+AProx",
        vectors: 1000,
        run: online::linear_aprox,
    },
    Suite {
        name: "online::SoftmaxRegression+AdaGrad",
        vectors: 1000,
        run: online::softmax_adagrad,
    },
    Suite {
        name: "online::StandardScaler",
        vectors: 1000,
        run: online::scaler,
    },
    Suite {
        name: "online::fixed::FxLogisticRegression+FxAdaGrad",
        vectors: 1000,
        run: online::fixed_adagrad,
    },
    Suite {
        name: "online::fixed::FxLogisticRegression+FxSgd+FxStandardScaler",
        vectors: 1000,
        run: online::fixed_sgd,
    },
    Suite {
        name: "online::fixed::FxLogisticRegression+FxAdaGrad+FxStandardScaler",
        vectors: 1000,
        run: online::fixed_adagrad_scaled,
    },
    Suite {
        name: "online::fixed::FxLogisticRegression+FxAdam+FxStandardScaler",
        vectors: 1000,
        run: online::fixed_adam,
    },
    Suite {
        name: "online::fixed::FxLogisticRegression+FxFtrl+FxStandardScaler",
        vectors: 1000,
        run: online::fixed_ftrl,
    },
    Suite {
        name: "online::fixed::FxLogisticRegression+FxPassiveAggressive+FxStandardScaler",
        vectors: 1000,
        run: online::fixed_pa,
    },
    Suite {
        name: "lipschitz::Dense+DenseQ",
        vectors: 500,
        run: lipschitz::dense,
    },
    Suite {
        name: "lipschitz::spectral_norm_upper_bound+power_iteration",
        vectors: 500,
        run: lipschitz::norms,
    },
    Suite {
        name: "lipschitz::maxmin+groupsort+householder",
        vectors: 500,
        run: lipschitz::activations,
    },
    Suite {
        name: "lipschitz::projections",
        vectors: 100,
        run: lipschitz::projections,
    },
    Suite {
        name: "lipschitz::LipschitzMlp",
        vectors: 100,
        run: lipschitz::mlp,
    },
    Suite {
        name: "lipschitz::closed_loop",
        vectors: 20,
        run: lipschitz::closed_loop,
    },
    Suite {
        name: "online::phishing_progressive_validation",
        vectors: 4,
        run: phishing,
    },
    Suite {
        name: "math::nofpu::*",
        vectors: 1000,
        run: nofpu::math,
    },
    Suite {
        name: "softmax::nofpu::softmax",
        vectors: 1000,
        run: nofpu::softmax,
    },
    Suite {
        name: "softmax::nofpu::log_softmax",
        vectors: 1000,
        run: nofpu::log_softmax,
    },
    Suite {
        name: "softmax::nofpu::cross_entropy",
        vectors: 1000,
        run: nofpu::cross_entropy,
    },
    Suite {
        name: "mish::nofpu::mish_slice",
        vectors: 1000,
        run: nofpu::mish_slice,
    },
    Suite {
        name: "zloss::nofpu::zloss_grad+zloss",
        vectors: 1000,
        run: nofpu::zloss,
    },
    Suite {
        name: "sparsemax::nofpu::entmax15",
        vectors: 1000,
        run: nofpu::entmax15,
    },
    // Issue #24: every cut point of saving checkpoint i / 2 (torn word if i is odd) into the
    // flash model restores the previous or the new checkpoint (see `crate::power_cut`).
    Suite {
        name: "checkpoint::power_cut_sweep",
        vectors: 2 * crate::power_cut::CHECKPOINTS,
        run: crate::power_cut::suite_vector,
    },
];

/// The Phishing progressive validation of rule `i` (see [`crate::phishing`]).
fn phishing(i: u32) -> Digest {
    crate::phishing::progressive(i as usize).map_or(Digest::from_hash(0), |o| o.digest)
}

/// A seed per (suite name, vector index), so that adding a suite changes no other suite.
pub fn seed(name: &str, index: u32) -> u64 {
    let mut d = Digest::default();
    for b in name.bytes() {
        d.word(u32::from(b));
    }
    (u64::from(d.hash) << 32) | u64::from(index)
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
