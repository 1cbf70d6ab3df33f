//! The `mcuk` CLI on the malformed files and flags of issue #29: each gets one clear line on
//! standard error and a non-zero exit (or, for a solver that cannot meet its tolerance, an
//! honest `converged: false`), never a panic, an abort, a false report or an allocation
//! driven by a size field or a flag.
use std::path::Path;
#[path = "common/cli.rs"]
mod cli;
use cli::{command as host, run, write_matrix};

use host::io;

/// A 6×6 cost of seeded uniform [0, 1) values.
fn cost6(dir: &Path) -> std::path::PathBuf {
    let mut rng = testvectors::Rng::new(6);
    let c: Vec<f64> = (0..36)
        .map(|_| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
        .collect();
    let p = dir.join("C.npy");
    write_matrix(&p, 6, 6, c);
    p
}

fn json_of(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout.trim()).unwrap()
}

#[test]
fn sinkhorn_never_claims_convergence_it_did_not_reach() {
    let dir = tempfile::tempdir().unwrap();
    let c = cost6(dir.path());
    for omega in ["1.8", "1"] {
        let (_, stdout, stderr) = run(host()
            .args([
                "sinkhorn",
                "--epsilon",
                "1e-300",
                "--format",
                "json",
                "--quiet",
            ])
            .args(["--omega", omega, "--max-iter", "2000", "--cost"])
            .arg(&c));
        if stdout.trim().is_empty() {
            // Refused up front: one line naming the parameter.
            assert!(stderr.contains("epsilon"), "{stderr}");
            continue;
        }
        let v = json_of(&stdout);
        let err = v["marginal_error"].as_f64().unwrap_or(f64::INFINITY);
        let converged = v["converged"].as_bool().unwrap();
        assert!(
            !converged || err <= 2e-9,
            "claims convergence with error {err}: {v}"
        );
    }
    // Costs of ±1e300 / f64::MAX: refused (cost/ε overflows) or honestly not converged.
    for big in [1e300, f64::MAX] {
        let p = dir.path().join("big.npy");
        let data: Vec<f64> = (0..36)
            .map(|i| if i % 2 == 0 { big } else { -big })
            .collect();
        write_matrix(&p, 6, 6, data);
        let (ok, stdout, stderr) = run(host()
            .args([
                "sinkhorn",
                "--format",
                "json",
                "--quiet",
                "--max-iter",
                "200",
                "--cost",
            ])
            .arg(&p));
        if ok {
            let v = json_of(&stdout);
            let err = v["marginal_error"].as_f64().unwrap_or(f64::INFINITY);
            assert!(!v["converged"].as_bool().unwrap() || err <= 2e-9, "{v}");
        } else {
            assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        }
    }
}

#[test]
fn marginals_whose_total_overflows_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let c = cost6(dir.path());
    let a = dir.path().join("a.npy");
    io::write_vector(&a, &[1e308; 6]).unwrap();
    for cmd in ["ot", "sinkhorn"] {
        let (ok, _, stderr) = run(host()
            .args([cmd, "--quiet", "--cost"])
            .arg(&c)
            .arg("--a")
            .arg(&a)
            .arg("--b")
            .arg(&a));
        assert!(!ok);
        assert!(stderr.contains("beyond the f64 range"), "{stderr}");
    }
}

#[test]
fn tiny_gamma_with_huge_costs_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.npy");
    let data: Vec<f64> = (0..36)
        .map(|i| if i % 3 == 0 { 1e300 } else { -1e300 })
        .collect();
    write_matrix(&p, 6, 6, data);
    let (ok, _, stderr) = run(host()
        .args(["ot", "--gamma", "1e-320", "--quiet", "--cost"])
        .arg(&p));
    assert!(!ok);
    assert!(
        stderr.contains("gamma") && stderr.contains("too small"),
        "{stderr}"
    );
}

#[test]
fn sizes_and_budgets_are_checked_before_work() {
    let dir = tempfile::tempdir().unwrap();
    // 100,000² f64 = 80 GB: an error line, not an abort.
    let (ok, _, stderr) = run(host()
        .args(["gaussian-ot", "--n", "100000", "--out-dir"])
        .arg(dir.path().join("g")));
    assert!(!ok);
    assert!(stderr.contains("GB"), "{stderr}");
    // A stream that never ends is refused at the size limit, not read until memory runs out.
    // (Reading 4 GiB of /dev/zero takes a few seconds.)
    let (ok, _, stderr) = run(host().args(["inspect", "/dev/zero"]));
    assert!(!ok);
    assert!(stderr.contains("larger than"), "{stderr}");
    // A batch far beyond the game: refused before the first iteration.
    let a = dir.path().join("A.npy");
    write_matrix(&a, 4, 5, (0..20).map(|i| (i % 7) as f64 - 3.0).collect());
    let t = std::time::Instant::now();
    let (ok, _, stderr) = run(host()
        .args([
            "halpern",
            "--method",
            "stochastic-vr",
            "--batch",
            "1000000000",
            "--quiet",
        ])
        .arg("--payoff")
        .arg(&a));
    assert!(!ok);
    assert!(stderr.contains("batch"), "{stderr}");
    assert!(t.elapsed().as_secs() < 10);
}

#[test]
fn negative_and_nan_parameters_get_range_messages() {
    let dir = tempfile::tempdir().unwrap();
    let c = cost6(dir.path());
    for (cmd, flag, val, word) in [
        ("ot", "--gamma", "-1", "gamma"),
        ("ot", "--k", "-1", "k must be at least 1"),
        ("ot", "--ftol", "NaN", "ftol"),
        ("sinkhorn", "--epsilon", "-1", "epsilon"),
    ] {
        let (ok, _, stderr) = run(host().args([cmd, flag, val, "--quiet", "--cost"]).arg(&c));
        assert!(!ok, "{cmd} {flag} {val}");
        assert!(!stderr.contains("unexpected argument"), "{stderr}");
        assert!(stderr.contains(word), "{cmd} {flag} {val}: {stderr}");
    }
}

#[test]
fn k_above_n_is_echoed_as_used() {
    let dir = tempfile::tempdir().unwrap();
    let c = cost6(dir.path());
    let (ok, stdout, stderr) = run(host()
        .args(["ot", "--k", "50", "--format", "json", "--quiet", "--cost"])
        .arg(&c));
    assert!(ok, "{stderr}");
    assert_eq!(json_of(&stdout)["k"], 6);
}

#[test]
fn inspect_of_empty_or_all_nan_arrays_has_no_range() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("nan.npy");
    write_matrix(&p, 1, 3, vec![f64::NAN; 3]);
    let (ok, stdout, _) = run(host().arg("inspect").arg(&p));
    assert!(ok);
    assert!(
        stdout.contains("no finite entries") && !stdout.contains("inf"),
        "{stdout}"
    );
}

#[test]
fn lipschitz_refuses_one_dimensional_weights() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.npy");
    io::write_vector(&p, &[0.5, -0.25, 1.0]).unwrap();
    let (ok, _, stderr) = run(host().args(["lipschitz", "--weights"]).arg(&p));
    assert!(!ok);
    assert!(stderr.contains("2-D"), "{stderr}");
}

#[test]
fn learn_reads_no_more_than_the_input_cap() {
    // A stream that never ends: refused at the cap, not read until memory runs out.
    let (ok, _, stderr) = run(host().args(["learn", "--data", "/dev/zero", "--target", "y"]));
    assert!(!ok);
    assert!(stderr.contains("larger than"), "{stderr}");
}
