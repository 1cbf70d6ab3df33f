//! Running child processes with clear logging and errors.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `cargo`, as the one that runs xtask (falls back to `cargo` on the PATH).
pub fn cargo() -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    // Settings of the outer `cargo run` must not leak into nested builds.
    for var in [
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
    ] {
        c.env_remove(var);
    }
    c
}

/// Prints and runs a command; fails unless it exits 0.
pub fn run(c: &mut Command) -> Result<()> {
    eprintln!("$ {}", display(c));
    let status = c
        .status()
        .with_context(|| format!("cannot start {}", display(c)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", display(c));
    }
    Ok(())
}

/// A command as a shell-like line, for logs.
pub fn display(c: &Command) -> String {
    let mut s = String::new();
    for (k, v) in c.get_envs() {
        if let Some(v) = v {
            s.push_str(&format!("{}={} ", k.to_string_lossy(), v.to_string_lossy()));
        }
    }
    s.push_str(&c.get_program().to_string_lossy());
    for a in c.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    if let Some(dir) = c.get_current_dir() {
        s.push_str(&format!("   (in {})", dir.display()));
    }
    s
}

/// True if `program` is found on the PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}
