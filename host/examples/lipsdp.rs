//! A certified Lipschitz bound for a small ReLU network by LipSDP (Fazlyab et al. 2019),
//! solved as a semidefinite program with Clarabel.
//!
//! The network 4 → 16 → 16 → 2 has seeded random weights (He-like scale; biases do not change
//! the Lipschitz constant). Four numbers, in the order they must come:
//! the largest ‖J(x)‖₂ over 2000 random inputs (a lower bound, attained somewhere),
//! the LipSDP bound, the product of the layers' exact spectral norms (nalgebra SVD, the naive
//! bound), and the product of `mcu_kernels`' certified per-layer bounds (what the firmware
//! computes in f32).
//!
//! Checked: sampled ≤ LipSDP ≤ Π‖W_l‖₂ ≤ Π certified.
//!
//! Run: `cargo run --release -p host --example lipsdp`

use host::io::Matrix;
use host::reference::lipschitz::{max_sampled_jacobian, Act};
use host::solvers::lipsdp::lipsdp;
use mcu_kernels::lipschitz::{gram_scratch_len, spectral_norm_upper_bound, GRAM_ITERS};
use nalgebra::DMatrix;
use std::time::Instant;
use testvectors::Rng;

fn main() {
    let widths = [4usize, 16, 16, 2];
    let mut rng = Rng::new(42);
    let ws: Vec<Matrix> = widths
        .windows(2)
        .map(|w| {
            let (cols, rows) = (w[0], w[1]);
            let s = (6.0 / cols as f32).sqrt();
            let data = (0..rows * cols)
                .map(|_| f64::from(rng.uniform_f32(-s, s)))
                .collect();
            Matrix { rows, cols, data }
        })
        .collect();
    println!("ReLU network {widths:?}, weights uniform in ±sqrt(6/fan_in) (seed 42)\n");

    // Per layer: the exact spectral norm (nalgebra SVD) and the kernels' certified f32 bound.
    let mut exact_product = 1.0;
    let mut certified_product = 1.0;
    for (l, w) in ws.iter().enumerate() {
        let svd = DMatrix::from_row_slice(w.rows, w.cols, &w.data).singular_values();
        let sigma = svd.iter().copied().fold(0.0, f64::max);
        let w32: Vec<f32> = w.data.iter().map(|&v| v as f32).collect();
        let mut scratch = vec![0.0f32; gram_scratch_len(w.rows, w.cols)];
        let cert = spectral_norm_upper_bound(&w32, w.rows, w.cols, GRAM_ITERS, &mut scratch)
            .expect("a valid layer");
        println!(
            "  layer {l}: {:>2}x{:<2}  |W|_2 = {sigma:.6} (SVD), certified f32 bound {cert:.6}",
            w.rows, w.cols
        );
        exact_product *= sigma;
        certified_product *= f64::from(cert);
    }

    let t = Instant::now();
    let mut prng = Rng::new(7);
    let sampled = max_sampled_jacobian(&ws, Act::Relu, 2000, || {
        (0..widths[0])
            .map(|_| f64::from(prng.uniform_f32(-3.0, 3.0)))
            .collect()
    });
    let t_sampled = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let sdp = lipsdp(&ws, Act::Relu).expect("a valid network");
    let t_sdp = t.elapsed().as_secs_f64();

    println!();
    println!(
        "  max sampled |J(x)|_2 (2000 inputs)  {sampled:>9.6}   lower bound, {:.0} ms",
        t_sampled * 1e3
    );
    println!(
        "  LipSDP (Clarabel)                   {sdp:>9.6}   certified upper bound, {:.0} ms",
        t_sdp * 1e3
    );
    println!("  product of |W_l|_2 (SVD)            {exact_product:>9.6}   naive upper bound");
    println!(
        "  product of certified f32 bounds     {certified_product:>9.6}   what the firmware computes"
    );
    println!(
        "\n  LipSDP is {:.1}% below the product of spectral norms and {:.1}% above the sampled lower bound",
        100.0 * (1.0 - sdp / exact_product),
        100.0 * (sdp / sampled - 1.0)
    );

    assert!(sampled <= sdp, "{sampled} > {sdp}");
    assert!(
        sdp <= exact_product * (1.0 + 1e-9),
        "{sdp} > {exact_product}"
    );
    assert!(exact_product <= certified_product * (1.0 + 1e-9));
    println!(
        "\nchecked: sampled <= LipSDP <= product of spectral norms <= product of certified bounds"
    );
}
