//! Installs what a fresh machine lacks: rustup targets, llvm-tools, `qemu-system-arm`.

use crate::boards::Board;
use crate::cmd;
use anyhow::{bail, Context, Result};
use std::process::Command;

/// Adds any missing rustup target for the cores we build.
pub fn ensure_targets() -> Result<()> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    let installed = match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        _ => {
            eprintln!("note: rustup not found; assuming the Cortex-M targets are installed");
            return Ok(());
        }
    };
    let missing: Vec<&str> = Board::all_targets()
        .into_iter()
        .filter(|t| !installed.lines().any(|l| l.trim() == *t))
        .collect();
    if !missing.is_empty() {
        cmd::run(
            Command::new("rustup")
                .arg("target")
                .arg("add")
                .args(&missing),
        )?;
    }
    Ok(())
}

/// Adds rustup's llvm-tools (llvm-size, llvm-nm) if missing.
pub fn ensure_llvm_tools() -> Result<()> {
    let out = Command::new("rustup")
        .args(["component", "list", "--installed"])
        .output();
    if let Ok(o) = out {
        if o.status.success() && !String::from_utf8_lossy(&o.stdout).contains("llvm-tools") {
            cmd::run(Command::new("rustup").args(["component", "add", "llvm-tools"]))?;
        }
    }
    Ok(())
}

/// Installs the Debian package `package` with apt-get when running as root; otherwise stops
/// with the exact command to run. `what` names the missing program.
fn apt_install(what: &str, package: &str) -> Result<()> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if !root || !cmd::on_path("apt-get") {
        bail!(
            "{what} is not installed. Install it with:\n\n    \
             sudo apt-get update && sudo apt-get install -y {package}\n"
        );
    }
    eprintln!("{what} is missing; installing {package} with apt-get");
    cmd::run(Command::new("apt-get").arg("update"))?;
    cmd::run(
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", package])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
    .with_context(|| format!("installing {package}"))
}

/// Makes sure `qemu-system-arm` is on the PATH (see [`apt_install`]).
pub fn ensure_qemu() -> Result<()> {
    if cmd::on_path("qemu-system-arm") {
        return Ok(());
    }
    apt_install("qemu-system-arm", "qemu-system-arm")
}

/// Makes sure Chromium is on the PATH, for the report check (see [`apt_install`]).
pub fn ensure_chromium() -> Result<()> {
    if crate::browser::chromium().is_some() {
        return Ok(());
    }
    apt_install("chromium", "chromium")
}

/// Everything `run`, `test` and `bench` need.
pub fn ensure_all() -> Result<()> {
    ensure_targets()?;
    ensure_qemu()
}
