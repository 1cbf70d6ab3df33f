//! The `mcuk` binary's solver subcommands on good and bad input.
use std::path::{Path, PathBuf};
#[path = "common/cli.rs"]
mod cli;
use cli::{command as host, run, write_matrix};

use host::io;

/// A 4×3 problem with costs |i − j|² and masses a = (.1,.2,.3,.4), b = (.3,.3,.4).
fn problem(dir: &Path, ext: &str) -> (PathBuf, PathBuf, PathBuf) {
    let c: Vec<f64> = (0..12)
        .map(|t| ((t / 3) as f64 - (t % 3) as f64).powi(2))
        .collect();
    let (cp, ap, bp) = (
        dir.join(format!("C.{ext}")),
        dir.join(format!("a.{ext}")),
        dir.join(format!("b.{ext}")),
    );
    write_matrix(&cp, 4, 3, c);
    io::write_vector(&ap, &[0.1, 0.2, 0.3, 0.4]).unwrap();
    io::write_vector(&bp, &[0.3, 0.3, 0.4]).unwrap();
    (cp, ap, bp)
}

#[test]
fn ot_writes_a_plan_npy_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["npy", "csv"] {
        let (c, a, b) = problem(dir.path(), ext);
        let out = dir.path().join(format!("plan.{ext}"));
        let (ok, stdout, stderr) = run(host()
            .args([
                "ot", "--k", "2", "--gamma", "0.5", "--method", "dual", "--format", "json",
            ])
            .arg("--cost")
            .arg(&c)
            .arg("--a")
            .arg(&a)
            .arg("--b")
            .arg(&b)
            .arg("--out")
            .arg(&out));
        assert!(ok, "{stderr}");
        let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
        assert!(v["marginal_error"].as_f64().unwrap() <= 1e-6, "{v}");
        assert!(v["max_nonzeros_per_column"].as_u64().unwrap() <= 2);
        let plan = io::read_matrix(&out).unwrap();
        assert_eq!((plan.rows, plan.cols), (4, 3));
        let total: f64 = plan.data.iter().sum();
        assert!((total - 1.0).abs() <= 1e-6);
    }
}

#[test]
fn sinkhorn_and_halpern_run() {
    let dir = tempfile::tempdir().unwrap();
    let (c, a, b) = problem(dir.path(), "npy");
    let out = dir.path().join("plan.npy");
    let (ok, stdout, stderr) = run(host()
        .args(["sinkhorn", "--epsilon", "1.0", "--format", "json", "--cost"])
        .arg(&c)
        .arg("--a")
        .arg(&a)
        .arg("--b")
        .arg(&b)
        .arg("--out")
        .arg(&out));
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(v["marginal_error"].as_f64().unwrap() <= 1e-8);
    assert!(out.exists());

    let rps = dir.path().join("rps.csv");
    std::fs::write(&rps, "0,1,-1\n-1,0,1\n1,-1,0\n").unwrap();
    let x = dir.path().join("x.npy");
    let (ok, stdout, stderr) = run(host()
        .args(["halpern", "--format", "json", "--payoff"])
        .arg(&rps)
        .arg("--out-x")
        .arg(&x));
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(v["duality_gap"].as_f64().unwrap() <= 1e-6);
    let xs = io::read_vector(&x).unwrap();
    assert!(xs.iter().all(|p| (p - 1.0 / 3.0).abs() <= 1e-6));
}

#[test]
fn halpern_methods_are_named_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let pennies = dir.path().join("pennies.csv");
    std::fs::write(&pennies, "1,-1\n-1,1\n").unwrap();
    for method in ["deterministic", "stochastic-vr"] {
        let (ok, stdout, stderr) = run(host()
            .args([
                "halpern", "--format", "json", "--seed", "3", "--method", method,
            ])
            .arg("--payoff")
            .arg(&pennies));
        assert!(ok, "{stderr}");
        let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
        assert_eq!(v["method"], method);
        assert!(v["converged"].as_bool().unwrap() && v["passes"].as_f64().unwrap() > 0.0);
        assert!(v["value"].as_f64().unwrap().abs() <= 1e-6, "{v}");
    }
    let (ok, _, stderr) = run(host()
        .args([
            "halpern",
            "--method",
            "stochastic-vr",
            "--batch",
            "0",
            "--payoff",
        ])
        .arg(&pennies));
    assert!(!ok && stderr.contains("batch"), "{stderr}");
}

#[test]
fn help_lists_the_solvers() {
    let (ok, stdout, _) = run(host().arg("--help"));
    assert!(ok);
    for sub in ["ot", "sinkhorn", "halpern"] {
        assert!(stdout.contains(sub), "{stdout}");
    }
    let (ok, stdout, _) = run(host().args(["ot", "--help"]));
    assert!(ok && stdout.contains("--gamma") && stdout.contains("--k"));
}

/// Runs `mcuk ot` expecting failure whose message contains `needle`, and no panic.
fn expect_error(args: &[&Path], needle: &str) {
    let (ok, _, stderr) = run(host().arg("ot").args(args));
    assert!(!ok, "expected failure for {args:?}");
    assert!(
        stderr.contains(needle),
        "stderr {stderr:?} lacks {needle:?}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_input_is_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (c, a, b) = problem(d, "npy");

    let bad_c = d.join("nan.npy");
    let mut data: Vec<f64> = vec![1.0; 12];
    data[5] = f64::NAN;
    write_matrix(&bad_c, 4, 3, data);
    let file = |name: &str, text: &[u8]| {
        let p = d.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let neg = file("neg.csv", b"0.5\n-0.1\n0.3\n0.3\n");
    let heavy = file("heavy.csv", b"0.3\n0.3\n0.5\n");
    let short = file("short.csv", b"0.5\n0.5\n");
    let junk = file("junk.npy", b"\x93NUMPY garbage");
    let missing = d.join("missing.npy");

    // (what, cost, a, b, expected message)
    type Case<'a> = (
        &'a str,
        &'a Path,
        Option<&'a Path>,
        Option<&'a Path>,
        &'a str,
    );
    let cases: [Case; 6] = [
        (
            "non-finite cost",
            &bad_c,
            Some(&a),
            Some(&b),
            "non-finite cost",
        ),
        ("negative mass", &c, Some(&neg), Some(&b), "negative"),
        (
            "unequal totals",
            &c,
            Some(&a),
            Some(&heavy),
            "different totals",
        ),
        (
            "shape mismatch",
            &c,
            Some(&short),
            Some(&b),
            "shape mismatch",
        ),
        ("malformed file", &junk, None, None, "junk.npy"),
        ("missing file", &missing, None, None, "missing.npy"),
    ];
    for (what, cost, a, b, needle) in cases {
        let mut args: Vec<&Path> = vec![Path::new("--cost"), cost];
        if let Some(a) = a {
            args.extend([Path::new("--a"), a]);
        }
        if let Some(b) = b {
            args.extend([Path::new("--b"), b]);
        }
        println!("{what}");
        expect_error(&args, needle);
    }

    // Bad parameters.
    expect_error(
        &[
            Path::new("--cost"),
            &c,
            Path::new("--gamma"),
            Path::new("-1"),
        ],
        "gamma",
    );
    expect_error(
        &[Path::new("--cost"), &c, Path::new("--k"), Path::new("0")],
        "k must be at least 1",
    );
}
