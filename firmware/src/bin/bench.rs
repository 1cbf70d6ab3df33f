//! The benchmark binary: runs each registered kernel once between the markers of
//! [`firmware::bench`]. `cargo xtask bench` counts the executed instructions under QEMU.
//!
//! Protocol (defmt frames, in order): `BENCH <name> <n> <baseline>` before each measured
//! call (`baseline` is the kernel it is compared with in the report, `-` for none) and
//! `STACK <bytes>` after it, then `EXIT 0`. The first measurement, `empty`, is the marker
//! and call overhead (instructions and stack) that xtask subtracts.
#![no_std]
#![no_main]

use core::hint::black_box;
use firmware::bench::measure;
use micromath::F32Ext;
use testvectors::Rng;

const SIZES: [usize; 4] = [16, 64, 256, 1024];
const MAX: usize = 1024;
/// The softmax baseline: three passes on `libm::expf` (REFERENCE §6).
const LIBM3: &str = "softmax::three_pass[libm::expf]";

/// Announces a measurement, runs it, and reports its stack high-water mark.
fn run(name: &str, n: usize, baseline: &str, f: &mut dyn FnMut()) {
    defmt::println!("BENCH {=str} {=u32} {=str}", name, n as u32, baseline);
    let stack = measure(f);
    defmt::println!("STACK {=u32}", stack);
}

/// Uniform logits in [−8, 8] (REFERENCE §6), the same on every core.
fn logits(x: &mut [f32]) {
    Rng::new(0x5EED_0256).fill_uniform(x, -8.0, 8.0);
}

#[cortex_m_rt::entry]
fn main() -> ! {
    let mut x = [0.0f32; MAX];
    let mut y = [0.0f32; MAX];
    let mut ok = true;

    run("empty", 0, "-", &mut || {});

    for n in SIZES {
        let (x, y) = (&mut x[..n], &mut y[..n]);
        logits(x);
        let mut check = |r: Result<(), kernels::Error>| ok &= r.is_ok();
        run("softmax::three_pass[libm::expf]", n, "-", &mut || {
            check(kernels::softmax::three_pass_with(
                black_box(x),
                y,
                libm::expf,
            ))
        });
        run("softmax::three_pass[micromath]", n, LIBM3, &mut || {
            check(kernels::softmax::three_pass_with(black_box(x), y, |v| {
                v.exp()
            }))
        });
        run("softmax::three_pass", n, LIBM3, &mut || {
            check(kernels::softmax::three_pass(black_box(x), y))
        });
    }
    black_box(&y);
    firmware::exit(ok)
}
