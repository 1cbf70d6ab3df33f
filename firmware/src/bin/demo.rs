//! The demo application (the main job, `cargo xtask run`). For now: softmax of a few
//! logit vectors with a self-check of the probabilities; it grows with every kernel.
#![no_std]
#![no_main]

use defmt::println;

#[cortex_m_rt::entry]
fn main() -> ! {
    println!("kernels demo on {=str}", firmware::TARGET);
    let mut all_ok = true;

    let rows: [[f32; 4]; 3] = [
        [1000.0, 999.0, -5.0, 0.5],
        [0.5, 0.2, -0.1, 1.0],
        [2.3, 2.2, 2.4, f32::NEG_INFINITY],
    ];
    for x in &rows {
        let mut y = [0.0f32; 4];
        match kernels::softmax::three_pass(x, &mut y) {
            Ok(()) => {
                let sum: f32 = y.iter().sum();
                let ok = (sum - 1.0).abs() <= 4.0 * f32::EPSILON && y.iter().all(|p| *p >= 0.0);
                all_ok &= ok;
                println!(
                    "softmax({}) = {}  sum={=f32} {=str}",
                    x[..],
                    y[..],
                    sum,
                    if ok { "ok" } else { "FAIL" }
                );
            }
            Err(e) => {
                all_ok = false;
                defmt::error!("softmax({}) failed: {}", x[..], e);
            }
        }
    }
    println!(
        "self-checks: {=str}",
        if all_ok { "all passed" } else { "FAILED" }
    );
    firmware::exit(all_ok)
}
