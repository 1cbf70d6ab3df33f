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
//! * entropic OT, a sweep over point set × n × ε/max C (`sinkhorn_sweep`): `ot.sinkhorn`
//!   (stopThr = 1e−9; `sinkhorn_log` where it does not converge), then `mcuk sinkhorn --tol E`
//!   with E = POT's final marginal error ‖T1 − a‖₁ + ‖Tᵀ1 − b‖₁, one rayon thread; both
//!   written plans checked by `pot_peer.py check`; table in peers.md, plot in
//!   peers_sinkhorn.svg. Long (POT alone takes minutes at small ε): not part of `xtask test`.
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
    // Entropic OT: the sweep ε × n × point set.
    let sink_rows = sinkhorn_sweep(&root, &host, &script)?;
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
    let _ = writeln!(md, "\n{}", sinkhorn_table(&sink_rows));
    std::fs::create_dir_all(&report_dir)?;
    std::fs::write(
        report_dir.join("peers_sinkhorn.svg"),
        sinkhorn_svg(&sink_rows),
    )?;
    println!("\n{md}");
    std::fs::create_dir_all(&report_dir)?;
    std::fs::write(report_dir.join("peers.md"), &md)?;
    let all = json!({
        "problem": {"n": 1000, "seed": 1, "cost": "squared Euclidean", "marginals": "uniform"},
        "pot_version": pot_version,
        "cores": cores,
        "sparse_semi_dual": {"k": 2, "gamma": 1.0, "pot": pot_sparse, "ours_1_thread": s1, "ours_all_threads": sn},
        "sinkhorn_sweep": sink_rows,
    });
    std::fs::write(
        report_dir.join("peers.json"),
        serde_json::to_string_pretty(&all)?,
    )?;
    println!("report: {}", report_dir.join("peers.md").display());
    Ok(())
}

/// Point sets × sizes × ε/max C of the Sinkhorn sweep (PEERS_SETS, PEERS_SIZES, PEERS_EPS
/// override them, comma-separated).
fn list(var: &str, default: &str) -> Vec<String> {
    std::env::var(var)
        .unwrap_or_else(|_| default.to_string())
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// One POT run bounded by `timeout` seconds (None when it did not finish).
fn pot_timed(script: &Path, args: &[&str], secs: u64) -> Option<Value> {
    let mut c = Command::new("timeout");
    c.arg(secs.to_string())
        .arg(crate::tools::venv_python())
        .arg(script)
        .args(args);
    for v in SINGLE_THREAD_ENV {
        c.env(v, "1");
    }
    json_of(&mut c).ok()
}

/// The Sinkhorn sweep: for each (point set, n, ε = r·max C) POT's plain `ot.sinkhorn`
/// (stopThr 1e−9; `sinkhorn_log` when the plain one does not converge), then ours with 1
/// rayon thread at tol = POT's final marginal error; both plans written and their marginal
/// errors measured by one script (`pot_peer.py check`).
fn sinkhorn_sweep(root: &Path, host: &Path, script: &Path) -> Result<Vec<Value>> {
    let py = crate::tools::venv_python();
    let gen = root.join("xtask").join("peers").join("make_problem.py");
    let timeout: u64 = std::env::var("PEERS_TIMEOUT")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(600);
    let mut rows = Vec::new();
    for set in list("PEERS_SETS", "uniform,gaussian") {
        for n in list("PEERS_SIZES", "1000,5000") {
            let dir = root.join("target").join("peers").join(format!("{set}-{n}"));
            let out = Command::new(&py)
                .arg(&gen)
                .args([set.as_str(), n.as_str(), "1"])
                .arg(&dir)
                .output()?;
            let cmax: f64 = String::from_utf8_lossy(&out.stdout).trim().parse()?;
            let d = dir.to_string_lossy().to_string();
            let plan = dir.join("plan.npy").to_string_lossy().to_string();
            let check = |plan: &str| -> f64 {
                let v = json_of(
                    Command::new(&py)
                        .arg(script)
                        .args(["check", &d, "--plan", plan]),
                );
                v.map_or(f64::NAN, |v| num(&v, "marginal_error"))
            };
            for r in list("PEERS_EPS", "1e-4,1e-3,1e-2,0.05,0.1") {
                let ratio: f64 = r.parse()?;
                let eps = format!("{:e}", ratio * cmax);
                let mut pot_res = Value::Null;
                for method in ["sinkhorn", "sinkhorn_log"] {
                    let args = [
                        "sinkhorn",
                        &d,
                        "--reg",
                        &eps,
                        "--stop-thr",
                        "1e-9",
                        "--method",
                        method,
                        "--plan",
                        &plan,
                    ];
                    match pot_timed(script, &args, timeout) {
                        Some(mut v) if v.get("converged") == Some(&Value::Bool(true)) => {
                            v["checked_error"] = json!(check(&plan));
                            pot_res = v;
                            break;
                        }
                        Some(v) => pot_res = v,
                        None => {
                            pot_res = json!({"method": method, "timeout": timeout});
                        }
                    }
                }
                let pot_ok = pot_res.get("converged") == Some(&Value::Bool(true));
                let pot_err = num(&pot_res, "checked_error");
                let tol = if pot_ok && pot_err > 0.0 {
                    pot_err
                } else {
                    1e-8
                };
                let mut ours_args: Vec<String> = vec![
                    "sinkhorn".into(),
                    "--cost".into(),
                    dir.join("C.npy").to_string_lossy().into_owned(),
                    "--epsilon".into(),
                    eps.clone(),
                    "--tol".into(),
                    format!("{tol:e}"),
                    "--out".into(),
                    plan.clone(),
                ];
                ours_args.extend(["--format".into(), "json".into(), "--quiet".into()]);
                let mut o = json_of(&mut ours(host, &ours_args, Some(1)))?;
                o["checked_error"] = json!(check(&plan));
                let row = json!({"set": set, "n": n.parse::<usize>()?, "eps_ratio": ratio,
                                 "epsilon": ratio * cmax, "pot": pot_res, "ours": o});
                eprintln!("{row}");
                rows.push(row);
            }
        }
    }
    Ok(rows)
}

/// The sweep as a Markdown table.
fn sinkhorn_table(rows: &[Value]) -> String {
    let mut md = String::from(
        "| point set | n | ε / max C | POT method | POT s | POT error | ours s | ours error | ours sweeps | ours / POT time |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let (p, o) = (&r["pot"], &r["ours"]);
        let pot_ok = p.get("converged") == Some(&Value::Bool(true));
        let pot_s = if pot_ok {
            format!("{:.3}", num(p, "seconds"))
        } else if p.get("timeout").is_some() {
            format!("> {} (timeout)", p["timeout"])
        } else {
            format!("{:.3} (not converged)", num(p, "seconds"))
        };
        let ratio = if pot_ok {
            format!("{:.2}", num(o, "seconds") / num(p, "seconds"))
        } else {
            "— (POT did not converge)".into()
        };
        let _ = writeln!(
            md,
            "| {} | {} | {:e} | `{}` | {pot_s} | {:.1e} | {:.3} | {:.1e} | {} | {ratio} |",
            r["set"].as_str().unwrap_or(""),
            r["n"],
            num(r, "eps_ratio"),
            p["method"].as_str().unwrap_or("?"),
            num(p, "checked_error"),
            num(o, "seconds"),
            num(o, "checked_error"),
            o["iterations"],
        );
    }
    md
}

/// Time against ε/max C (log–log), one line per solver and (point set, n).
fn sinkhorn_svg(rows: &[Value]) -> String {
    let (w, h, pad) = (720.0, 480.0, 60.0);
    let pts: Vec<(f64, f64)> = rows
        .iter()
        .flat_map(|r| {
            [num(&r["pot"], "seconds"), num(&r["ours"], "seconds")]
                .into_iter()
                .map(move |t| (num(r, "eps_ratio"), t))
        })
        .filter(|(e, t)| *e > 0.0 && *t > 0.0 && t.is_finite())
        .collect();
    let lx = |v: f64| v.log10();
    let (x0, x1) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), p| {
        (a.min(lx(p.0)), b.max(lx(p.0)))
    });
    let (y0, y1) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), p| {
        (a.min(lx(p.1)), b.max(lx(p.1)))
    });
    let (y0, y1) = (y0.floor(), y1.ceil());
    let sx = |e: f64| pad + (lx(e) - x0) / (x1 - x0).max(1e-9) * (w - 2.0 * pad);
    let sy = |t: f64| h - pad - (lx(t) - y0) / (y1 - y0).max(1e-9) * (h - 2.0 * pad);
    let mut svg = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' font-family='sans-serif' font-size='12'>\n<rect width='100%' height='100%' fill='white'/>\n<text x='{}' y='20' text-anchor='middle'>Sinkhorn time (s, log) against ε / max C (log); one thread each</text>\n",
        w / 2.0
    );
    let mut d = y0;
    while d <= y1 {
        let y = h - pad - (d - y0) / (y1 - y0).max(1e-9) * (h - 2.0 * pad);
        let _ = writeln!(svg, "<line x1='{pad}' x2='{}' y1='{y}' y2='{y}' stroke='#ddd'/><text x='{}' y='{}' text-anchor='end'>1e{d}</text>", w - pad, pad - 5.0, y + 4.0);
        d += 1.0;
    }
    let mut seen: Vec<f64> = Vec::new();
    for r in rows {
        let e = num(r, "eps_ratio");
        if !seen.contains(&e) {
            seen.push(e);
            let _ = writeln!(
                svg,
                "<text x='{}' y='{}' text-anchor='middle'>{e:e}</text>",
                sx(e),
                h - pad + 18.0
            );
        }
    }
    let colours = [
        "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
    ];
    // (line label, side, (ε/max C, seconds) points).
    type Line<'a> = (String, &'a str, Vec<(f64, f64)>);
    let mut groups: Vec<Line> = Vec::new();
    for r in rows {
        for (side, label) in [("pot", "POT"), ("ours", "host")] {
            let key = format!("{label} {} n={}", r["set"].as_str().unwrap_or(""), r["n"]);
            let t = num(&r[side], "seconds");
            let ok = side == "ours" || r["pot"].get("converged") == Some(&Value::Bool(true));
            if !(ok && t > 0.0 && t.is_finite()) {
                continue;
            }
            match groups.iter_mut().find(|g| g.0 == key) {
                Some(g) => g.2.push((num(r, "eps_ratio"), t)),
                None => groups.push((key, side, vec![(num(r, "eps_ratio"), t)])),
            }
        }
    }
    for (k, (key, side, pts)) in groups.iter().enumerate() {
        let c = colours[k % colours.len()];
        let dash = if *side == "pot" {
            " stroke-dasharray='6 3'"
        } else {
            ""
        };
        let path: Vec<String> = pts
            .iter()
            .map(|(e, t)| format!("{:.1},{:.1}", sx(*e), sy(*t)))
            .collect();
        let _ = writeln!(
            svg,
            "<polyline fill='none' stroke='{c}' stroke-width='2'{dash} points='{}'/>",
            path.join(" ")
        );
        let _ = writeln!(
            svg,
            "<text x='{}' y='{}' fill='{c}'>{key}</text>",
            w - pad - 150.0,
            pad + 15.0 * k as f64
        );
    }
    svg.push_str("</svg>\n");
    svg
}
