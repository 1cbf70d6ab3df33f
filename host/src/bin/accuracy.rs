//! `accuracy [--exhaustive]`: max ulp error of each `kernels::math` function.
//!
//! Prints function, domain, max ulp, worst input (hex and decimal) and bound; exits with
//! status 1 if a bound is violated. `--exhaustive` tests all 2^32 inputs on every core
//! (minutes); the default is the dense deterministic sample (~2 M inputs per function).

use host::accuracy::{dense, exhaustive, functions};
use std::process::ExitCode;

fn main() -> ExitCode {
    let exh = std::env::args().any(|a| a == "--exhaustive");
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
    println!(
        "{:<9} {:<8} {:>9} {:>12} {:>16} {:>6} {:>12}",
        "function", "domain", "max ulp", "worst hex", "worst", "bound", "points"
    );
    let mut ok = true;
    for f in functions() {
        let m = if exh {
            exhaustive(&f, threads)
        } else {
            dense(&f)
        };
        let pass = m.max_ulp <= f.bound;
        ok &= pass;
        println!(
            "{:<9} {:<8} {:>9.4} {:>#12x} {:>16e} {:>6} {:>12} {}",
            f.name,
            f.domain,
            m.max_ulp,
            m.worst.to_bits(),
            m.worst,
            f.bound,
            m.points,
            if pass { "ok" } else { "VIOLATED" }
        );
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
