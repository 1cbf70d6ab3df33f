//! The on-target test runner.
//!
//! 1. Test cases with known answers (REFERENCE vectors, error paths). A failed check is
//!    logged and counted; a panic (for example a `defmt::assert!`) ends the run through
//!    panic-probe and the HardFault handler with a failure exit.
//! 2. The differential suites of `testvectors`: every vector's output digest is printed as
//!    `D <suite> <index> <digest>`; `xtask` recomputes them on the host and compares.
//!
//! Exits 0 only if every case passed.
#![no_std]
#![no_main]

use defmt::{error, println};
use kernels::Error;

/// A failed check: logged, counted, and the run goes on.
macro_rules! check {
    ($failures:ident, $cond:expr, $($msg:tt)+) => {
        if !$cond {
            error!($($msg)+);
            $failures += 1;
        }
    };
}

fn close(a: f32, b: f32, tol: f32) -> bool {
    (a - b).abs() <= tol
}

fn cases() -> u32 {
    let mut failures = 0u32;

    // REFERENCE §1: softmax([1000, 999, −5, 0.5]) = [0.7310585786, 0.2689414214, ≈0, ≈0].
    let mut y = [0.0f32; 4];
    let r = kernels::softmax::three_pass(&[1000.0, 999.0, -5.0, 0.5], &mut y);
    check!(failures, r.is_ok(), "three_pass reference vector: {}", r);
    check!(
        failures,
        close(y[0], 0.731_058_6, 1e-6) && close(y[1], 0.268_941_4, 1e-6),
        "three_pass reference vector: {}",
        y[..]
    );
    check!(
        failures,
        y[2] == 0.0 && y[3] == 0.0,
        "tiny outputs: {}",
        y[..]
    );

    // Error paths: typed errors, no panic.
    let r = kernels::softmax::three_pass(&[], &mut []);
    check!(failures, r == Err(Error::Empty), "empty input: {}", r);
    let r = kernels::softmax::three_pass(&[1.0, f32::NAN], &mut y[..2]);
    check!(failures, r == Err(Error::NanInput), "NaN input: {}", r);
    let r = kernels::softmax::three_pass(&[1.0], &mut y[..2]);
    check!(
        failures,
        r == Err(Error::LengthMismatch {
            expected: 1,
            actual: 2
        }),
        "length mismatch: {}",
        r
    );

    #[cfg(feature = "fail-on-purpose")]
    {
        // xtask's own test builds this fixture and expects the run to fail with this message.
        let two = core::hint::black_box(2u32);
        defmt::assert_eq!(two + 2, 5, "fixture: this assertion fails on purpose");
    }

    failures
}

fn differential() {
    for (s, suite) in testvectors::suites::SUITES.iter().enumerate() {
        println!(
            "SUITE {=u32} {=str} {=u32}",
            s as u32, suite.name, suite.vectors
        );
        for i in 0..suite.vectors {
            let d = (suite.run)(i);
            println!("D {=u32} {=u32} {=u32}", s as u32, i, d.0);
        }
    }
}

#[cortex_m_rt::entry]
fn main() -> ! {
    println!("target-tests on {=str}", firmware::TARGET);
    let failures = cases();
    differential();
    if failures == 0 {
        println!("cases: all passed");
    } else {
        error!("cases: {=u32} failed", failures);
    }
    firmware::exit(failures == 0)
}
