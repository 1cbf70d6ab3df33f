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
// In dump mode only `dump` runs.
#![cfg_attr(feature = "dump", allow(dead_code))]

use defmt::{error, println};
use mcu_kernels::Error;

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
    let r = mcu_kernels::softmax::three_pass(&[1000.0, 999.0, -5.0, 0.5], &mut y);
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
    let r = mcu_kernels::softmax::three_pass(&[], &mut []);
    check!(failures, r == Err(Error::Empty), "empty input: {}", r);
    let r = mcu_kernels::softmax::three_pass(&[1.0, f32::NAN], &mut y[..2]);
    check!(failures, r == Err(Error::NanInput), "NaN input: {}", r);
    let r = mcu_kernels::softmax::three_pass(&[1.0], &mut y[..2]);
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
            let hash = if cfg!(feature = "corrupt-on-purpose") && (s, i) == (0, 7) {
                d.hash ^ 1
            } else {
                d.hash
            };
            println!("D {=u32} {=u32} {=u32}", s as u32, i, hash);
        }
    }
}

/// Dump mode: one vector's recorded input and output words, as `I <k> <word>` and
/// `O <k> <word>` frames after a `DUMP <suite> <vector> <inputs> <outputs>` frame.
#[cfg(feature = "dump")]
fn dump() -> bool {
    let spec = option_env!("TARGET_TESTS_DUMP").unwrap_or("0:0");
    let mut parts = spec.split(':').map(|p| p.parse::<u32>());
    let (Some(Ok(s)), Some(Ok(i))) = (parts.next(), parts.next()) else {
        error!("TARGET_TESTS_DUMP={=str}: expected <suite>:<vector>", spec);
        return false;
    };
    let Some(suite) = testvectors::suites::SUITES.get(s as usize) else {
        error!("no suite {=u32}", s);
        return false;
    };
    let d = (suite.run)(i);
    let r = d.record;
    println!(
        "DUMP {=u32} {=u32} {=u32} {=u32}",
        s, i, r.n_inputs as u32, r.n_outputs as u32
    );
    for (k, w) in r.inputs.iter().take(r.n_inputs).enumerate() {
        println!("I {=u32} {=u32}", k as u32, *w);
    }
    for (k, w) in r.outputs.iter().take(r.n_outputs).enumerate() {
        let w = if cfg!(feature = "corrupt-on-purpose") && (s, i, k) == (0, 7, 1) {
            *w ^ 1
        } else {
            *w
        };
        println!("O {=u32} {=u32}", k as u32, w);
    }
    true
}

#[cortex_m_rt::entry]
fn main() -> ! {
    println!("target-tests on {=str}", firmware::TARGET);
    #[cfg(feature = "dump")]
    firmware::exit(dump());
    #[cfg(not(feature = "dump"))]
    firmware::exit(run_all());
}

/// The known-answer cases and every differential suite.
fn run_all() -> bool {
    let failures = cases();
    differential();
    if failures == 0 {
        println!("cases: all passed");
    } else {
        error!("cases: {=u32} failed", failures);
    }
    failures == 0
}
