//! `cargo xtask fuzz`: coverage-guided fuzzing of the kernels and the host's file parsers
//! with libFuzzer, on the pinned stable toolchain.
//!
//! The targets live in `fuzz/` (its own workspace). They are built here rather than by
//! `cargo fuzz`, which needs nightly for its sanitizer flags: `cargo build --release` of that
//! workspace for the host triple (so that build scripts and proc macros stay uninstrumented)
//! with SanitizerCoverage passes that stable rustc accepts (`-Cpasses=sancov-module` and its
//! LLVM options: inline 8-bit counters, the PC table, comparison tracing) and `--cfg fuzzing`.
//! `libfuzzer-sys` compiles libFuzzer itself with the system C++ compiler (`g++`, from the
//! preflight). Each target runs alone (one job, one worker) for a fixed time; a crash is
//! saved under `fuzz/artifacts/<target>/` and fails the command. New inputs that reach new
//! coverage accumulate in `fuzz/target/corpus/<target>/` (not committed); the committed seeds
//! are `fuzz/corpus/<target>/`.

use crate::cmd;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Every fuzz target (a `[[bin]]` of `fuzz/Cargo.toml`), in the order they run.
pub const TARGETS: &[&str] = &[
    "softmax_f32",
    "quant_softmax",
    "mish",
    "zloss",
    "sparsemax",
    "lipschitz",
    "online",
    "fixedpoint",
    "checkpoint",
    "host_npy",
    "host_csv",
];

/// Seconds per target of `cargo xtask fuzz` without `--seconds`.
pub const DEFAULT_SECONDS: u64 = 60;

/// Seconds per target of the smoke pass in `cargo xtask test` (the issue allows ≤ 10).
pub const SMOKE_SECONDS: u64 = 5;

/// libFuzzer's seed for the smoke pass: the same inputs on every run, so that a correct
/// change cannot fail it by chance (a longer `cargo xtask fuzz` uses a random one).
pub const SMOKE_SEED: &str = "20261207";

/// SanitizerCoverage flags accepted by stable rustc (what `cargo fuzz` passes, without the
/// nightly-only `-Zsanitizer`).
pub const RUSTFLAGS: &str = "--cfg fuzzing -Cpasses=sancov-module \
     -Cllvm-args=-sanitizer-coverage-level=4 \
     -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
     -Cllvm-args=-sanitizer-coverage-pc-table \
     -Cllvm-args=-sanitizer-coverage-trace-compares";

/// The targets to run: all of them, or the one named (an error naming the valid ones
/// otherwise).
pub fn select(target: Option<&str>) -> Result<Vec<&'static str>> {
    match target {
        None => Ok(TARGETS.to_vec()),
        Some(t) => match TARGETS.iter().find(|&&k| k == t) {
            Some(&k) => Ok(vec![k]),
            None => bail!(
                "unknown fuzz target {t:?}; the targets are: {}",
                TARGETS.join(", ")
            ),
        },
    }
}

/// What one run of one target did.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub target: &'static str,
    /// Inputs executed (libFuzzer's `stat::number_of_executed_units`).
    pub execs: u64,
    /// The input that crashed it (saved by libFuzzer), if any.
    pub crash: Option<PathBuf>,
    pub secs: f64,
}

/// The fuzz workspace.
pub fn dir() -> PathBuf {
    cmd::root().join("fuzz")
}

fn host_triple() -> Result<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc)
        .arg("-vV")
        .current_dir(dir())
        .output()
        .context("running rustc -vV")?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .context("rustc -vV names no host triple")
}

/// Builds the fuzz targets (all `[[bin]]`s of `fuzz/`); returns the directory of the binaries.
pub fn build() -> Result<PathBuf> {
    let triple = host_triple()?;
    let mut c = cmd::cargo();
    c.current_dir(dir()).env("RUSTFLAGS", RUSTFLAGS).args([
        "build",
        "--release",
        "--locked",
        "--bins",
        "--target",
        &triple,
    ]);
    cmd::run(&mut c)?;
    Ok(dir().join("target").join(triple).join("release"))
}

/// `stat::number_of_executed_units: N` from libFuzzer's final statistics, or the last
/// `#N` status line (a crash stops it before the statistics).
pub fn parse_execs(log: &str) -> u64 {
    if let Some(n) = log.lines().find_map(|l| {
        l.strip_prefix("stat::number_of_executed_units:")
            .and_then(|v| v.trim().parse().ok())
    }) {
        return n;
    }
    log.lines()
        .rev()
        .find_map(|l| {
            l.strip_prefix('#')
                .and_then(|r| r.split_whitespace().next())
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// The path after libFuzzer's "Test unit written to " (a crash, timeout or OOM input).
pub fn parse_crash(log: &str) -> Option<PathBuf> {
    log.lines().find_map(|l| {
        l.split_once("Test unit written to ")
            .map(|(_, p)| PathBuf::from(p.trim()))
    })
}

/// Runs one built target for `seconds`. `smoke`: a fixed seed and a fresh working corpus
/// (only the committed seeds as the starting point); otherwise the accumulated corpus.
pub fn run_target(bins: &Path, target: &'static str, seconds: u64, smoke: bool) -> Result<Outcome> {
    let fuzz = dir();
    let seeds = fuzz.join("corpus").join(target);
    let work = if smoke {
        fuzz.join("target").join("smoke-corpus").join(target)
    } else {
        fuzz.join("target").join("corpus").join(target)
    };
    if smoke && work.exists() {
        std::fs::remove_dir_all(&work).with_context(|| format!("clearing {}", work.display()))?;
    }
    let artifacts = fuzz.join("artifacts").join(target);
    for d in [&work, &artifacts] {
        std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    let mut c = Command::new(bins.join(target));
    c.arg(format!("-max_total_time={seconds}"))
        .arg("-timeout=10")
        .arg("-rss_limit_mb=2048")
        .arg("-print_final_stats=1")
        .arg(format!("-artifact_prefix={}/", artifacts.display()));
    if smoke {
        c.arg(format!("-seed={SMOKE_SEED}"));
    }
    c.arg(&work);
    if seeds.is_dir() {
        c.arg(&seeds);
    }
    eprintln!("$ {}", cmd::display(&c));
    let t = Instant::now();
    let out = c
        .output()
        .with_context(|| format!("cannot start {}", cmd::display(&c)))?;
    let secs = t.elapsed().as_secs_f64();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let crash = parse_crash(&log);
    if !out.status.success() || crash.is_some() {
        // The panic message and libFuzzer's report: the tail of the log.
        let lines: Vec<&str> = log.lines().collect();
        let from = lines
            .iter()
            .position(|l| l.contains("panicked at") || l.starts_with("==") && l.contains("ERROR"))
            .unwrap_or(lines.len().saturating_sub(30));
        for l in &lines[from..] {
            eprintln!("  {l}");
        }
        if crash.is_none() {
            bail!(
                "{target}: libFuzzer failed ({}) without saving an input",
                out.status
            );
        }
    }
    Ok(Outcome {
        target,
        execs: parse_execs(&log),
        crash,
        secs,
    })
}

fn report(outcomes: &[Outcome]) -> Result<()> {
    println!(
        "\n{:<14} {:>12} {:>8}  result",
        "target", "executions", "seconds"
    );
    for o in outcomes {
        println!(
            "{:<14} {:>12} {:>8.1}  {}",
            o.target,
            o.execs,
            o.secs,
            match &o.crash {
                Some(p) => format!("CRASH: {}", p.display()),
                None => "ok".to_string(),
            }
        );
    }
    let crashed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.crash.is_some())
        .map(|o| o.target)
        .collect();
    if !crashed.is_empty() {
        bail!(
            "fuzz target(s) crashed: {} (inputs under fuzz/artifacts/; replay one with \
             fuzz/target/<host triple>/release/<target> <file>)",
            crashed.join(", ")
        );
    }
    Ok(())
}

/// `cargo xtask fuzz [--seconds N] [TARGET]`.
pub fn run(seconds: u64, target: Option<&str>) -> Result<()> {
    if seconds == 0 {
        bail!("--seconds must be at least 1");
    }
    let targets = select(target)?;
    let bins = build()?;
    let mut outcomes = Vec::new();
    for t in targets {
        println!("\n==> fuzz {t} ({seconds} s)");
        outcomes.push(run_target(&bins, t, seconds, false)?);
    }
    report(&outcomes)
}

/// The smoke pass of `cargo xtask test`: every target for [`SMOKE_SECONDS`] from its
/// committed seeds, with a fixed seed.
pub fn smoke() -> Result<()> {
    let bins = build()?;
    let mut outcomes = Vec::new();
    for t in TARGETS {
        outcomes.push(run_target(&bins, t, SMOKE_SECONDS, true)?);
    }
    report(&outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_is_a_bin_of_the_fuzz_crate_with_seeds() {
        let manifest = std::fs::read_to_string(dir().join("Cargo.toml")).unwrap();
        let bins: Vec<&str> = manifest
            .lines()
            .filter_map(|l| l.strip_prefix("name = \""))
            .filter_map(|l| l.strip_suffix('"'))
            .filter(|n| *n != "mcu-kernels-fuzz")
            .collect();
        assert_eq!(bins, TARGETS, "fuzz/Cargo.toml's [[bin]]s != fuzz::TARGETS");
        for t in TARGETS {
            let seeds = dir().join("corpus").join(t);
            let n = std::fs::read_dir(&seeds).map(|d| d.count()).unwrap_or(0);
            assert!(n > 0, "no committed seeds in {}", seeds.display());
        }
    }

    #[test]
    fn parses_libfuzzer_logs() {
        let done = "#4194304\tpulse  cov: 6 ft: 6\n#5595087\tDONE   cov: 6\n\
                    stat::number_of_executed_units: 5595087\nstat::average_exec_per_sec: 1398771\n";
        assert_eq!(parse_execs(done), 5_595_087);
        assert_eq!(parse_crash(done), None);
        let crash =
            "#1024\tNEW cov: 9\n#2048\tREDUCE cov: 9\n==1== ERROR: libFuzzer: deadly signal\n\
                     artifact_prefix='a/'; Test unit written to a/crash-6e5e1c\nBase64: swCz\n";
        assert_eq!(parse_execs(crash), 2048);
        assert_eq!(parse_crash(crash), Some(PathBuf::from("a/crash-6e5e1c")));
    }

    #[test]
    fn select_takes_all_one_or_refuses() {
        assert_eq!(select(None).unwrap(), TARGETS);
        assert_eq!(select(Some("zloss")).unwrap(), ["zloss"]);
        let e = select(Some("zlos")).unwrap_err().to_string();
        assert!(
            e.contains("unknown fuzz target \"zlos\"") && e.contains("host_csv"),
            "{e}"
        );
    }
}
