//! The TFLite-Micro differential test (issue #28): `tools/tflm_oracle/gen.py` runs seeded rows
//! through TFLite-Micro's own interpreter (the `tflite-micro` wheel) and writes them under
//! `target/tflm_oracle/`; `host/tests/tflm_oracle.rs` runs every TFLite-Micro-exact kernel on
//! them and fails on one differing bit.
//!
//! The generator needs a Python with `tflite-micro`, `flatbuffers` and `numpy` installed
//! (the preflight's virtual environment); it caches its output keyed by its own hash, the
//! seed and the TFLM version, so a rerun costs well under a second.

use crate::cmd;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The variable through which the Rust test finds the rows.
pub const ROWS_ENV: &str = "TFLM_ORACLE_ROWS";

/// The generator's seed (the number).
pub const SEED: u32 = 28;

/// Runs the generator with `venv_python` (an absolute path to a Python that has `tflite-micro`, `flatbuffers` and
/// `numpy`) and returns the path of the rows file it wrote (or found cached) under
/// `target/tflm_oracle/`.
pub fn run_oracle(venv_python: &Path) -> Result<PathBuf> {
    let root = cmd::root();
    let script = root.join("tools/tflm_oracle/gen.py");
    let out_dir = root.join("target/tflm_oracle");
    let mut c = Command::new(venv_python);
    c.arg(&script)
        .arg("--out-dir")
        .arg(&out_dir)
        .arg("--seed")
        .arg(SEED.to_string())
        .current_dir(&root)
        .stderr(Stdio::inherit());
    eprintln!("$ {}", cmd::display(&c));
    let out = c
        .output()
        .with_context(|| format!("cannot start {}", cmd::display(&c)))?;
    if !out.status.success() {
        bail!(
            "`{}` failed ({}); is tflite-micro installed in that environment?",
            cmd::display(&c),
            out.status
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let path = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| PathBuf::from(l.trim()))
        .context("the TFLM oracle generator printed no path")?;
    let path = if path.is_absolute() {
        path
    } else {
        root.join(path)
    };
    if !path.is_file() {
        bail!(
            "the TFLM oracle generator reported {}, which is not a file",
            path.display()
        );
    }
    Ok(path)
}

/// Runs `host/tests/tflm_oracle.rs` (release) on `rows` (from [`run_oracle`]); with the
/// variable set the test is mandatory: a missing file or one differing bit fails it.
pub fn run_test(rows: &Path) -> Result<()> {
    cmd::run(
        cmd::cargo()
            .current_dir(cmd::root())
            .env(ROWS_ENV, rows)
            .args(["test", "--release", "-p", "host", "--test", "tflm_oracle"])
            .args(["--", "--nocapture"]),
    )
}

/// [`run_oracle`] then [`run_test`]: the whole differential step.
pub fn oracle_step(venv_python: &Path) -> Result<()> {
    let rows = run_oracle(venv_python)?;
    run_test(&rows)
}
