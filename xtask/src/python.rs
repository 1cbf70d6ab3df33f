//! The Python package (`python/`, PyO3 + maturin): builds the wheel into the project's
//! virtual environment (`target/pyenv`, whose maturin, pytest, numpy, scipy, POT and River
//! the preflight installs) and runs its pytest suite.
//!
//! The build uses the venv's maturin without build isolation (no download) and the
//! workspace's `target/` (so the host crates' release artifacts are shared with the other
//! steps): a warm rebuild takes seconds, a cold one a few minutes.

use crate::{cmd, tools};
use anyhow::{Context, Result};
use std::process::Command;

/// The package's folder.
pub const DIR: &str = "python";

/// `pip install ./python` into target/pyenv, then `pytest python/tests`.
pub fn step() -> Result<()> {
    let root = cmd::root();
    let py = tools::venv_python();
    // The venv's `bin/` first on the PATH: the build backend runs `maturin` by name.
    let path = std::env::join_paths(std::iter::once(tools::venv_dir().join("bin")).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .context("PATH with target/pyenv/bin")?;
    cmd::run(
        Command::new(&py)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-build-isolation",
                "--no-deps",
            ])
            .arg(root.join(DIR))
            .env("CARGO_TARGET_DIR", root.join("target"))
            .env("PYO3_PYTHON", &py)
            .env("PATH", &path)
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
    )
    .context("building and installing the Python package (pip install ./python)")?;
    cmd::run(
        Command::new(&py)
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
            .arg(root.join(DIR).join("tests"))
            .current_dir(&root),
    )
    .context("the Python package's tests (pytest python/tests)")
}
