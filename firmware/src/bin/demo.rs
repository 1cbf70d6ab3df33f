//! The demo application (the main job, `cargo xtask run`).
//!
//! 1. On-device learning: progressive validation of `StandardScaler | LogisticRegression`
//!    over the Phishing stream stored in flash (1,250 rows), with four River-compatible
//!    rules, printed beside River's own figures.
//! 2. Classification outputs through the kernels: softmax, log-softmax, sparsemax and
//!    entmax-1.5 of the learned model's scores, with self-checks.
//!
//! Exits 0 only if every self-check passed.
#![no_std]
#![no_main]

use defmt::{error, println};
use testvectors::phishing;

fn online_learning() -> bool {
    println!(
        "on-device learning: StandardScaler | LogisticRegression, progressive validation over {=usize} Phishing rows in flash",
        phishing::ROWS
    );
    let mut ok = true;
    for (i, (name, (river_ll, river_acc))) in
        phishing::RULES.iter().zip(phishing::RIVER).enumerate()
    {
        let Some(o) = phishing::progressive(i) else {
            return false;
        };
        let close =
            (o.log_loss - river_ll).abs() <= 0.01 && (o.accuracy - river_acc).abs() <= 0.005;
        ok &= close && o.n as usize == phishing::ROWS;
        println!(
            "  {=str} accuracy {=f32} %  log-loss {=f32}  (River: {=f32} %, {=f32})  {=str}",
            name,
            (o.accuracy * 100.0) as f32,
            o.log_loss as f32,
            (river_acc * 100.0) as f32,
            river_ll as f32,
            if close { "ok" } else { "MISMATCH" }
        );
    }
    ok
}

fn outputs() -> bool {
    let mut ok = true;
    let scores = [2.3f32, 2.2, 2.4, -1.0];
    let mut p = [0.0f32; 4];
    for name in ["softmax", "sparsemax", "entmax15"] {
        let r = match name {
            "softmax" => kernels::softmax::softmax(&scores, &mut p),
            "sparsemax" => kernels::sparsemax::sparsemax(&scores, &mut p).map(|_| ()),
            _ => kernels::sparsemax::entmax15(&scores, &mut p),
        };
        let sum: f32 = p.iter().sum();
        let good =
            r.is_ok() && (sum - 1.0).abs() <= 4.0 * f32::EPSILON && p.iter().all(|v| *v >= 0.0);
        ok &= good;
        println!(
            "{=str}({}) = {}  sum={=f32} {=str}",
            name,
            scores,
            p,
            sum,
            if good { "ok" } else { "FAIL" }
        );
    }
    let mut lp = [0.0f32; 4];
    let r = kernels::softmax::log_softmax(&scores, &mut lp);
    ok &= r.is_ok();
    println!("log_softmax({}) = {}", scores, lp);
    let sm = kernels::sparsemax::sparsemax(&[0.5, 0.2, -0.1, 1.0], &mut p);
    let want = [0.25f32, 0.0, 0.0, 0.75];
    let exact = sm == Ok(2) && p.iter().zip(want).all(|(a, b)| (a - b).abs() <= 1e-7);
    ok &= exact;
    println!(
        "sparsemax([0.5, 0.2, -0.1, 1.0]) = {} (REFERENCE: [0.25, 0, 0, 0.75]) {=str}",
        p,
        if exact { "ok" } else { "FAIL" }
    );
    ok
}

#[cortex_m_rt::entry]
fn main() -> ! {
    println!("kernels demo on {=str}", firmware::TARGET);
    let learned = online_learning();
    let out = outputs();
    let all_ok = learned && out;
    if all_ok {
        println!("self-checks: all passed");
    } else {
        error!(
            "self-checks: FAILED (learning {=bool}, outputs {=bool})",
            learned, out
        );
    }
    firmware::exit(all_ok)
}
