//! The library as a user gets it: `cargo package` of every publishable crate, its
//! documentation with warnings denied, and the build with the minimum supported Rust version
//! (MSRV) from the packaged sources alone.

use crate::boards::Board;
use crate::cmd;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The crates of this workspace that are meant to be published (every other one is
/// `publish = false`).
pub const PUBLISHED: &[&str] = &["mcu-kernels"];

/// The minimum supported Rust version: `rust-version` of the workspace, installed by the
/// preflight (`tools::NEEDS`) as a minimal toolchain with [`MSRV_TARGETS`].
pub const MSRV: &str = "1.88.0";

/// The targets the MSRV build covers: the smallest core (no FPU) and the one with an FPU.
pub const MSRV_TARGETS: &[&str] = &["thumbv6m-none-eabi", "thumbv7em-none-eabihf"];

/// `cargo package` of every published crate: packs the files a user downloads and builds them
/// on their own (outside the workspace, with a lock file of their own), so a file left out of
/// the package or a path dependency fails here.
pub fn package() -> Result<()> {
    for krate in PUBLISHED {
        cmd::run(cmd::cargo().current_dir(cmd::root()).args([
            "package",
            "--quiet",
            "--allow-dirty",
            "-p",
            krate,
        ]))?;
    }
    Ok(())
}

/// `cargo doc --no-deps` of every crate of the workspace with warnings denied (broken
/// intra-doc links, bare URLs, …), and of the published crates with their optional features.
pub fn docs() -> Result<()> {
    cmd::run(
        cmd::cargo()
            .current_dir(cmd::root())
            .args(["doc", "--quiet", "--no-deps", "--workspace"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    for krate in PUBLISHED {
        cmd::run(
            cmd::cargo()
                .current_dir(cmd::root())
                .args([
                    "doc",
                    "--quiet",
                    "--no-deps",
                    "-p",
                    krate,
                    "--features",
                    "defmt",
                ])
                .env("RUSTDOCFLAGS", "-D warnings"),
        )?;
    }
    Ok(())
}

/// The `.crate` file `cargo package` wrote for `krate`.
fn packaged(krate: &str) -> Result<PathBuf> {
    let version = crate_version(krate)?;
    let file = cmd::root()
        .join("target/package")
        .join(format!("{krate}-{version}.crate"));
    if !file.is_file() {
        bail!(
            "{} is missing: run `cargo package -p {krate}` first",
            file.display()
        );
    }
    Ok(file)
}

/// The version of a workspace crate, from its `Cargo.toml`.
fn crate_version(krate: &str) -> Result<String> {
    let out = cmd::cargo()
        .current_dir(cmd::root())
        .args(["pkgid", "-p", krate])
        .output()
        .context("cargo pkgid")?;
    let id = String::from_utf8_lossy(&out.stdout);
    // `path+file:///…/kernels#mcu-kernels@0.1.0` or `…/kernels#0.1.0`.
    id.trim()
        .rsplit(['@', '#'])
        .next()
        .filter(|v| v.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .with_context(|| format!("no version in `cargo pkgid -p {krate}`: {id}"))
}

/// A `cargo` of the MSRV toolchain, through rustup, with nothing of the pinned toolchain
/// (`rust-toolchain.toml`, the outer cargo's environment) leaking in.
fn msrv_cargo(dir: &Path) -> Command {
    let mut c = Command::new("rustup");
    c.args(["run", MSRV, "cargo"]).current_dir(dir);
    for var in [
        "CARGO",
        "RUSTC",
        "RUSTDOC",
        "RUSTUP_TOOLCHAIN",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
    ] {
        c.env_remove(var);
    }
    c
}

/// Builds every published crate, from its packaged sources unpacked outside the repository,
/// with the MSRV toolchain for [`MSRV_TARGETS`] (with and without the `defmt` feature). The
/// lock file is resolved for the MSRV (`incompatible-rust-versions = "fallback"`: the newest
/// version of each dependency whose own `rust-version` allows it), as a user on that compiler
/// gets it with Cargo ≥ 1.84.
pub fn msrv() -> Result<()> {
    for krate in PUBLISHED {
        let file = packaged(krate)?;
        let dir = std::env::temp_dir().join(format!("xtask-msrv-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        cmd::run(
            Command::new("tar")
                .arg("xzf")
                .arg(&file)
                .arg("-C")
                .arg(&dir),
        )?;
        let src = dir.join(
            file.file_stem()
                .context("packaged file name")?
                .to_string_lossy()
                .as_ref(),
        );
        let result: Result<()> = (|| {
            cmd::run(
                msrv_cargo(&src)
                    .args(["generate-lockfile", "--quiet"])
                    .env("CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS", "fallback"),
            )?;
            for target in MSRV_TARGETS {
                for features in ["", "defmt"] {
                    cmd::run(
                        msrv_cargo(&src)
                            .args(["build", "--quiet", "--release", "--locked"])
                            .args(["--target", target, "--features", features]),
                    )
                    .with_context(|| {
                        format!("{krate} does not build with Rust {MSRV} for {target}")
                    })?;
                }
            }
            Ok(())
        })();
        let _ = std::fs::remove_dir_all(&dir);
        result?;
    }
    Ok(())
}

/// The out-of-tree firmware example, as a user builds it.
pub const EXAMPLE_DIR: &str = "examples/firmware";

/// Builds `examples/firmware` (a project of its own, depending on the library by path as a
/// user depends on the registry version) for the M0 and the M4F, runs both under QEMU and
/// requires each log to equal `examples/firmware/expected.out`, line for line: the same
/// results on both cores. With `overwrite`, the M4F's log becomes the expected file.
pub fn example(overwrite: bool) -> Result<()> {
    let dir = cmd::root().join(EXAMPLE_DIR);
    let expected_file = dir.join("expected.out");
    for board in [Board::M4f, Board::M0] {
        // Exactly the README's command: cargo's runner (`qemu-run`) starts QEMU and pipes the
        // defmt frames through defmt-print; its exit status is the firmware's.
        let mut c = cmd::cargo();
        c.current_dir(&dir)
            .args(["run", "--quiet", "--release", "--target", board.target()]);
        eprintln!("$ {}", cmd::display(&c));
        let (code, log) = run_with_timeout(&mut c, Duration::from_secs(600))?;
        print!("{log}");
        if code != Some(0) {
            bail!(
                "the example failed on the {} (exit status {code:?})",
                board.core()
            );
        }
        if overwrite && board == Board::M4f {
            std::fs::write(&expected_file, &log)?;
            eprintln!("wrote {}", expected_file.display());
            continue;
        }
        let expected = std::fs::read_to_string(&expected_file)
            .with_context(|| format!("reading {}", expected_file.display()))?;
        if log != expected {
            bail!(
                "the example's log on the {} differs from {} (`cargo xtask package --overwrite` \
                 rewrites it from the M4F's log):\n{log}",
                board.core(),
                expected_file.display()
            );
        }
    }
    Ok(())
}

/// Runs `c` with its standard output captured; kills it after `timeout`. Returns the exit
/// code (`None` if killed) and the output.
fn run_with_timeout(c: &mut Command, timeout: Duration) -> Result<(Option<i32>, String)> {
    use std::io::Read;
    let mut child = c
        .stdout(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", cmd::display(c)))?;
    let mut stdout = child.stdout.take().context("no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let start = std::time::Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait()? {
            break status.code();
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = reader
        .join()
        .map_err(|_| anyhow::anyhow!("stdout reader panicked"))?;
    Ok((code, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msrv_is_the_workspace_rust_version() {
        let manifest = std::fs::read_to_string(cmd::root().join("Cargo.toml")).unwrap();
        let stated = manifest
            .lines()
            .find_map(|l| l.trim().strip_prefix("rust-version = "))
            .expect("rust-version in the workspace Cargo.toml")
            .trim_matches('"');
        assert!(
            MSRV.starts_with(stated) && MSRV[stated.len()..].starts_with('.'),
            "xtask's MSRV {MSRV} is not the stated rust-version {stated}"
        );
        assert!(
            tools_need_msrv(),
            "the preflight does not install Rust {MSRV}"
        );
    }

    fn tools_need_msrv() -> bool {
        crate::tools::NEEDS.iter().any(|n| {
            n.name == MSRV
                && matches!(n.kind, crate::tools::Kind::RustToolchain { targets } if targets == MSRV_TARGETS)
        })
    }

    /// The README's "Use it in your firmware" shows the example's files: every fenced block
    /// after a `<!-- from PATH -->` line is a verbatim part of that file.
    #[test]
    fn readme_shows_the_example_as_it_is() {
        let root = cmd::root();
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
        let mut checked = 0;
        let mut rest = readme.as_str();
        while let Some(i) = rest.find("<!-- from ") {
            rest = &rest[i + "<!-- from ".len()..];
            let path = &rest[..rest.find(" -->").unwrap()];
            let fence = rest.find("```").unwrap();
            let body_start = fence + rest[fence..].find('\n').unwrap() + 1;
            let body_len = rest[body_start..].find("```").unwrap();
            let block = &rest[body_start..body_start + body_len];
            let file = std::fs::read_to_string(root.join(path)).unwrap();
            assert!(
                file.contains(block),
                "README.md's block from {path} is not the file's text; copy it again"
            );
            checked += 1;
            rest = &rest[body_start + body_len..];
        }
        assert!(
            checked >= 4,
            "only {checked} example blocks found in README.md"
        );
    }

    #[test]
    fn every_workspace_crate_is_published_or_says_it_is_not() {
        let root = cmd::root();
        for dir in [
            "kernels",
            "testvectors",
            "drivers",
            "host",
            "xtask",
            "hil-tests",
            "firmware",
        ] {
            let manifest = std::fs::read_to_string(root.join(dir).join("Cargo.toml")).unwrap();
            let name = manifest
                .lines()
                .find_map(|l| l.strip_prefix("name = "))
                .unwrap()
                .trim_matches('"');
            let private = manifest.lines().any(|l| l.trim() == "publish = false");
            assert_eq!(
                PUBLISHED.contains(&name),
                !private,
                "{dir}: published crates are exactly PUBLISHED; the others say publish = false"
            );
        }
    }
}
