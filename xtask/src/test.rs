//! `cargo xtask test`: the whole suite, step by step, with a summary at the end.

use crate::boards::Board;
use crate::cmd;
use crate::{ontarget, tools};
use anyhow::Result;
use std::process::Command;
use std::time::Instant;

struct Step {
    name: String,
    ok: bool,
    secs: f64,
    error: Option<String>,
}

fn step(steps: &mut Vec<Step>, name: impl Into<String>, f: impl FnOnce() -> Result<()>) {
    let name = name.into();
    println!("\n==> {name}");
    let t = Instant::now();
    let r = f();
    let secs = t.elapsed().as_secs_f64();
    let error = r.err().map(|e| format!("{e:#}"));
    if let Some(e) = &error {
        eprintln!("FAILED: {name}: {e}");
    }
    steps.push(Step {
        name,
        ok: error.is_none(),
        secs,
        error,
    });
}

fn cargo_in(dir: &str) -> Command {
    let mut c = cmd::cargo();
    c.current_dir(cmd::root().join(dir));
    c
}

/// The seed of the property tests (`PROPTEST_RNG_SEED`) unless `--random-seed` is given: a
/// run of `cargo xtask test` draws the same cases every time, so a correct change cannot fail
/// by chance. A failure found with a random seed is kept as a regression case (a unit test
/// with its input, or proptest's `proptest-regressions/` file, committed).
pub const PROPTEST_SEED: &str = "20261207";

/// Runs every step, then prints a summary; fails if any step failed.
pub fn all(with_qemu: bool, random_seed: bool) -> Result<()> {
    if random_seed {
        std::env::remove_var("PROPTEST_RNG_SEED");
    } else {
        // Inherited by every cargo test below.
        std::env::set_var("PROPTEST_RNG_SEED", PROPTEST_SEED);
    }
    // Everything the steps below need, before the first of them runs.
    tools::preflight(tools::Task::Test)?;
    let mut steps = Vec::new();
    let s = &mut steps;

    step(s, "rustfmt (workspace)", || {
        cmd::run(cargo_in(".").args(["fmt", "--all", "--check"]))
    });
    step(s, "rustfmt (firmware)", || {
        cmd::run(cargo_in("firmware").args(["fmt", "--all", "--check"]))
    });
    step(s, "rustfmt (fuzz)", || {
        cmd::run(cargo_in("fuzz").args(["fmt", "--all", "--check"]))
    });
    step(s, "rustfmt (python)", || {
        cmd::run(cargo_in("python").args(["fmt", "--all", "--check"]))
    });
    step(s, "clippy -D warnings (host crates)", || {
        cmd::run(cargo_in(".").args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--quiet",
            "--",
            "-D",
            "warnings",
        ]))
    });
    for (label, features, dir) in [
        ("qemu", "qemu", "target"),
        ("hardware", "hardware,board-nrf52840", "target/hardware"),
    ] {
        step(s, format!("clippy -D warnings (firmware, {label})"), || {
            cmd::run(
                cargo_in("firmware")
                    .args(["clippy", "--release", "--quiet", "--bins"])
                    .args(["--no-default-features", "--features", features])
                    .args(["--target-dir", dir, "--", "-D", "warnings"]),
            )
        });
    }
    for target in Board::all_targets() {
        step(s, format!("build kernels for {target}"), || {
            cmd::run(cargo_in(".").args([
                "build",
                "--quiet",
                "--release",
                "-p",
                "mcu-kernels",
                "--features",
                "defmt",
                "--target",
                target,
            ]))
        });
    }
    // The Raspberry Pi boards cannot be flashed here: build their images (demo and on-target
    // tests, `hardware` transport) and check the boot blocks the boot ROMs need.
    for (chip, check) in [
        (
            "RP2040",
            crate::bootblock::check_rp2040 as fn(&std::path::Path) -> Result<String>,
        ),
        ("RP235x", crate::bootblock::check_rp2350),
    ] {
        step(
            s,
            format!("{chip} images: build, check vector table and boot block"),
            || {
                let pb = crate::boards::probe_board(chip)?;
                for bin in ["demo", "target-tests"] {
                    let elf = crate::firmware::Build::hardware(bin, &pb).run()?;
                    println!("{bin}: {}", check(&elf)?);
                }
                Ok(())
            },
        );
    }
    // The numeric crates' tests run optimised (seeded sweeps over millions of inputs);
    // xtask's own tests drive QEMU and share xtask's debug build.
    step(
        s,
        "host tests: kernels, testvectors, drivers, host (cargo test --release)",
        || {
            cmd::run(cargo_in(".").args([
                "test",
                "--release",
                "-p",
                "mcu-kernels",
                "-p",
                "testvectors",
                "-p",
                "drivers",
                "-p",
                "host",
            ]))
        },
    );
    // A user's debug build has overflow checks on: the kernels' own tests once more with them
    // (optimised, in a target dir of their own), so an integer overflow that release builds
    // would wrap silently fails here.
    step(
        s,
        "kernels tests with overflow checks on (cargo test --release)",
        || {
            cmd::run(
                cargo_in(".")
                    .args(["test", "--release", "--quiet", "-p", "mcu-kernels"])
                    .args(["--target-dir", "target/overflow-checks"])
                    .env("CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS", "true"),
            )
        },
    );
    step(
        s,
        "host examples (cargo run --release -p host --example …, each checks its own result)",
        || {
            let mut names: Vec<String> = std::fs::read_dir(cmd::root().join("host/examples"))?
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.strip_suffix(".rs").map(str::to_string)
                })
                .collect();
            names.sort();
            anyhow::ensure!(!names.is_empty(), "no examples in host/examples");
            for name in &names {
                cmd::run(cargo_in(".").args([
                    "run",
                    "--quiet",
                    "--release",
                    "-p",
                    "host",
                    "--example",
                    name,
                ]))?;
            }
            Ok(())
        },
    );
    step(
        s,
        "documentation of every crate (cargo doc --no-deps, -D warnings)",
        crate::package::docs,
    );
    step(
        s,
        "cargo package of the published crate (its sources build on their own)",
        crate::package::package,
    );
    step(
        s,
        format!(
            "minimum supported Rust version: {} builds the packaged crate for M0 and M4F",
            crate::package::MSRV
        ),
        crate::package::msrv,
    );
    if with_qemu {
        step(
            s,
            "out-of-tree firmware example (examples/firmware) on QEMU's M4F and M0",
            || crate::package::example(false),
        );
    }
    step(
        s,
        "TFLite-Micro differential test (TFLM's interpreter against the TFLM-exact kernels)",
        || crate::tflm::oracle_step(&tools::venv_python()),
    );
    step(
        s,
        "Python package: pip install ./python into target/pyenv, then pytest python/tests",
        crate::python::step,
    );
    step(
        s,
        format!(
            "fuzz smoke pass ({} targets × {} s from fuzz/corpus, fixed seed; `cargo xtask fuzz` for longer runs)",
            crate::fuzz::TARGETS.len(),
            crate::fuzz::SMOKE_SECONDS
        ),
        crate::fuzz::smoke,
    );
    step(s, "xtask's own tests (QEMU fixture must fail)", || {
        let mut c = cargo_in(".");
        c.args(["test", "-p", "xtask"]);
        if with_qemu {
            c.env("XTASK_REQUIRE_QEMU", "1");
        }
        cmd::run(&mut c)
    });
    // `--cfg assert_no_panic` goes to `kernels` alone (libm uses the same cfg name for
    // its own no_panic checks); the bench profile is optimised, and `cargo rustc` with the
    // bench profile builds the lib in test mode, so `cfg(test)` and dev-dependencies apply.
    // The second run has overflow checks on, as in a user's debug build: every integer
    // operation that could overflow is explicit (wrapping_/saturating_/checked_) or proven in
    // range by the optimiser, so no overflow panic is reachable either.
    for (name, dir, extra) in [
        (
            "no-panic proof (kernels, --cfg assert_no_panic)",
            "target/no-panic",
            &[][..],
        ),
        (
            "no-panic proof with overflow checks on (kernels, --cfg assert_no_panic)",
            "target/no-panic-ov",
            &["-C", "overflow-checks=on"][..],
        ),
    ] {
        step(s, name, || {
            cmd::run(
                cargo_in(".")
                    .args(["rustc", "--quiet", "-p", "mcu-kernels", "--lib"])
                    .args(["--profile", "bench", "--target-dir", dir])
                    .args(["--", "--cfg", "assert_no_panic"])
                    .args(extra),
            )
        });
    }
    if with_qemu {
        for board in Board::EMULATED {
            step(
                s,
                format!("on-target tests on {} (QEMU)", board.core()),
                || ontarget::run(board),
            );
        }
    }
    if with_qemu {
        // The demo built with `fault-schedules` on every core: every fault schedule,
        // counted == injected, settled; traced on the M4F, where each schedule's
        // instructions must stay within the bound (the trace costs ~1 s per million
        // instructions, so the other cores run untraced, under QEMU's time limit).
        step(
            s,
            "fault-injected demo on every core (QEMU; M4F traced): counts, settling, bound",
            || {
                for board in Board::EMULATED {
                    crate::faults::run(board, board == Board::M4f)?;
                }
                Ok(())
            },
        );
        step(
            s,
            "on-target tests on Cortex-M4F with overflow checks on (QEMU)",
            || ontarget::run_overflow_checked(Board::M4f),
        );
        step(
            s,
            "benchmark check against bench/baseline.json (M0, M3, M4F, M7, M33, M55); report in headless Chromium",
            || {
                crate::bench::run_with(
                    &Board::EMULATED,
                    crate::bench::Options {
                        check: true,
                        require_browser: true,
                        ..Default::default()
                    },
                )
            },
        );
    }
    step(s, "hardware-in-the-loop tests (hil-tests)", || {
        cmd::run(cargo_in(".").args(["test", "-p", "hil-tests"]))
    });

    println!("\n==> summary");
    for st in &steps {
        println!(
            "  {:<4} {:<55} {:>7.1} s{}",
            if st.ok { "ok" } else { "FAIL" },
            st.name,
            st.secs,
            st.error
                .as_deref()
                .map(|e| format!("  ({})", e.lines().next().unwrap_or("")))
                .unwrap_or_default()
        );
    }
    let failed = steps.iter().filter(|s| !s.ok).count();
    println!("xtask: {} passed, {failed} failed", steps.len() - failed);
    if failed > 0 {
        anyhow::bail!("{failed} step(s) failed");
    }
    Ok(())
}
