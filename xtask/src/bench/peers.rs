//! `cargo xtask bench --peers`: the host solvers side by side with POT (Python Optimal
//! Transport) on the same seeded problem, in one run.
//!
//! Problem: n = 1000, two 2-D Gaussian point clouds (the second shifted by (4, 4)), squared
//! Euclidean cost, uniform marginals, written by `mcuk gaussian-ot --seed 1` to
//! `target/peers/`. Runs, each solver call timed by the solver's own process (file reading
//! and writing excluded):
//!
//! * sparsity-constrained OT, semi-dual, k = 2, γ = 1: POT's
//!   `smooth_ot_semi_dual(…, reg_type='sparsity_constrained')` (scipy L-BFGS-B,
//!   stopThr = 1e−9) first, then `mcuk ot --method semi-dual --ftol 1e-9`; the objectives
//!   (semi-dual value, same formula) must agree to 1e−6 relative — if ours is lower by more,
//!   it is re-run with ftol = 1e−12;
//! * entropic OT, ε = 0.1: `ot.sinkhorn` (stopThr = 1e−9), then `mcuk sinkhorn --tol E` with
//!   E = POT's final marginal error ‖T1 − a‖₁ + ‖Tᵀ1 − b‖₁ (equal marginal error).
//!
//! POT runs with OMP/OpenBLAS/MKL threads = 1; ours runs with 1 rayon thread and with the
//! default (all cores); both ratios are reported. POT runs in the project's virtual
//! environment `target/pyenv`, where the preflight installs it (pinned version). No QEMU
//! needed.

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd;

/// Python-side thread settings for POT/numpy.
const SINGLE_THREAD_ENV: [&str; 4] = [
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
];

fn pot_available() -> Option<String> {
    let out = Command::new(crate::tools::venv_python())
        .args(["-c", "import ot; print(ot.__version__)"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn json_of(c: &mut Command) -> Result<Value> {
    eprintln!("$ {}", cmd::display(c));
    let out = c
        .output()
        .with_context(|| format!("cannot start {}", cmd::display(c)))?;
    if !out.status.success() {
        bail!(
            "`{}` failed ({}): {}",
            cmd::display(c),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().rev().find(|l| l.trim_start().starts_with('{'));
    serde_json::from_str(line.unwrap_or("")).with_context(|| format!("no JSON in output: {text}"))
}

fn pot(script: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(crate::tools::venv_python());
    c.arg(script).args(args);
    for v in SINGLE_THREAD_ENV {
        c.env(v, "1");
    }
    c
}

fn ours(host: &Path, args: &[String], threads: Option<usize>) -> Command {
    let mut c = Command::new(host);
    c.args(args);
    if let Some(t) = threads {
        c.env("RAYON_NUM_THREADS", t.to_string());
    }
    c
}

fn num(v: &Value, key: &str) -> f64 {
    v.get(key).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

/// Runs the comparison and writes `target/report/peers.{md,json}`.
pub fn run() -> Result<()> {
    let root = cmd::root();
    let report_dir = root.join("target").join("report");
    let Some(pot_version) = pot_available() else {
        bail!(
            "POT does not import in {} although the preflight installed it",
            crate::tools::venv_python().display()
        );
    };
    // Build host in the caller's target dir (cmd::cargo() clears CARGO_TARGET_DIR).
    let target: PathBuf = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    cmd::run(
        cmd::cargo()
            .current_dir(&root)
            .args([
                "build",
                "--release",
                "-p",
                "host",
                "--bin",
                "mcuk",
                "--target-dir",
            ])
            .arg(&target),
    )?;
    let host = target.join("release").join("mcuk");
    let dir = root.join("target").join("peers");
    cmd::run(
        Command::new(&host)
            .args(["gaussian-ot", "--n", "1000", "--seed", "1", "--out-dir"])
            .arg(&dir),
    )?;
    let script = root.join("xtask").join("peers").join("pot_peer.py");
    let d = dir.to_string_lossy().to_string();
    let files = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        for (flag, f) in [("--cost", "C.npy"), ("--a", "a.npy"), ("--b", "b.npy")] {
            v.push(flag.into());
            v.push(dir.join(f).to_string_lossy().into_owned());
        }
        v.extend(["--format".into(), "json".into(), "--quiet".into()]);
        v
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);

    // Sparsity-constrained OT, semi-dual.
    let pot_sparse = json_of(&mut pot(
        &script,
        &[
            "sparse",
            &d,
            "--k",
            "2",
            "--gamma",
            "1.0",
            "--stop-thr",
            "1e-9",
        ],
    ))?;
    let f_pot = num(&pot_sparse, "dual_objective");
    let run_sparse = |threads: Option<usize>| -> Result<Value> {
        let mut res = Value::Null;
        for ftol in ["1e-9", "1e-12"] {
            res = json_of(&mut ours(
                &host,
                &files(&[
                    "ot",
                    "--method",
                    "semi-dual",
                    "--k",
                    "2",
                    "--gamma",
                    "1.0",
                    "--ftol",
                    ftol,
                    "--max-iter",
                    "20000",
                ]),
                threads,
            ))?;
            if num(&res, "dual_objective") >= f_pot - 1e-6 * f_pot.abs() {
                break;
            }
        }
        Ok(res)
    };
    let s1 = run_sparse(Some(1))?;
    let sn = run_sparse(None)?;
    // Entropic OT.
    let eps = "0.1";
    let pot_sink = json_of(&mut pot(
        &script,
        &["sinkhorn", &d, "--reg", eps, "--stop-thr", "1e-9"],
    ))?;
    let tol = format!("{:e}", num(&pot_sink, "marginal_error"));
    let run_sink = |threads: Option<usize>| -> Result<Value> {
        json_of(&mut ours(
            &host,
            &files(&["sinkhorn", "--epsilon", eps, "--tol", &tol]),
            threads,
        ))
    };
    let k1 = run_sink(Some(1))?;
    let kn = run_sink(None)?;

    // Report.
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Problem: n = 1000 Gaussian point clouds (seed 1), squared Euclidean cost, uniform marginals.\n\
         POT {pot_version}, numpy/BLAS single-threaded (OMP/OPENBLAS/MKL_NUM_THREADS=1); ours with 1 thread and with {cores} (rayon).\n"
    );
    let _ = writeln!(
        md,
        "| solver | POT s | ours 1 thread s | ratio | ours {cores} threads s | ratio | POT | ours (1 thread) |\n|---|---|---|---|---|---|---|---|"
    );
    let t_pot = num(&pot_sparse, "seconds");
    let rel = (num(&s1, "dual_objective") - f_pot) / f_pot.abs();
    let _ = writeln!(
        md,
        "| sparse OT semi-dual, k = 2, γ = 1 | {t_pot:.3} | {:.3} | {:.1}× | {:.3} | {:.1}× | objective {f_pot:.9} | objective {:.9} (rel. diff {rel:+.1e}) |",
        num(&s1, "seconds"),
        t_pot / num(&s1, "seconds"),
        num(&sn, "seconds"),
        t_pot / num(&sn, "seconds"),
        num(&s1, "dual_objective"),
    );
    let t_pot = num(&pot_sink, "seconds");
    let _ = writeln!(
        md,
        "| Sinkhorn, ε = {eps} | {t_pot:.3} | {:.3} | {:.1}× | {:.3} | {:.1}× | marginal error {:.2e} | marginal error {:.2e} |",
        num(&k1, "seconds"),
        t_pot / num(&k1, "seconds"),
        num(&kn, "seconds"),
        t_pot / num(&kn, "seconds"),
        num(&pot_sink, "marginal_error"),
        num(&k1, "marginal_error"),
    );
    println!("\n{md}");
    std::fs::create_dir_all(&report_dir)?;
    std::fs::write(report_dir.join("peers.md"), &md)?;
    let all = json!({
        "problem": {"n": 1000, "seed": 1, "cost": "squared Euclidean", "marginals": "uniform"},
        "pot_version": pot_version,
        "cores": cores,
        "sparse_semi_dual": {"k": 2, "gamma": 1.0, "pot": pot_sparse, "ours_1_thread": s1, "ours_all_threads": sn},
        "sinkhorn": {"epsilon": 0.1, "pot": pot_sink, "ours_1_thread": k1, "ours_all_threads": kn},
    });
    std::fs::write(
        report_dir.join("peers.json"),
        serde_json::to_string_pretty(&all)?,
    )?;
    println!("report: {}", report_dir.join("peers.md").display());
    Ok(())
}
