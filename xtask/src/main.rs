use anyhow::Result;
use clap::{Parser, Subcommand};
use std::time::Duration;
use xtask::boards::Board;
use xtask::tools::{self, Task};
use xtask::{bench, firmware::Build, qemu, test};

/// Build, run, test and measure the kernels on Cortex-M cores (QEMU) and real boards.
#[derive(Parser)]
#[command(name = "cargo xtask", version)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Build the demo and run it: on QEMU (Cortex-M4F by default) or, with --chip, on a
    /// board through probe-rs.
    Run {
        /// The emulated core.
        #[arg(long, value_enum, default_value = "m4f")]
        board: Board,
        /// probe-rs chip name of a real board (e.g. nRF52840_xxAA, STM32F411RETx).
        #[arg(long)]
        chip: Option<String>,
        /// Which firmware binary to run.
        #[arg(long, default_value = "demo")]
        bin: String,
    },
    /// Everything: formatting, clippy, builds for every core, host tests, no-panic proof,
    /// on-target tests on M0/M3/M4F/M7/M33/M55 under QEMU, and the hardware-in-the-loop tests.
    Test {
        /// Skip the on-target (QEMU) tests.
        #[arg(long)]
        no_qemu: bool,
        /// Property tests draw from a fresh random seed (printed by proptest on failure)
        /// instead of the fixed one CI uses.
        #[arg(long)]
        random_seed: bool,
    },
    /// Executed-instruction counts of the registered benchmarks under QEMU, with estimated
    /// cycles, code size and stack; writes target/report/{report.json,report.md,index.html}.
    Bench {
        /// Cores to measure.
        #[arg(long, value_enum, num_args = 1.., default_values = ["m0", "m3", "m4f", "m7", "m33", "m55"])]
        board: Vec<Board>,
        /// Fail if a kernel's instructions grew > 2 %, its code > 5 % or its stack > 10 % over
        /// bench/baseline.json.
        #[arg(long)]
        check: bool,
        /// Write this run's figures to bench/baseline.json.
        #[arg(long)]
        bless: bool,
        /// Also run the host criterion benchmarks (short runs) and put ns/element in the report.
        #[arg(long)]
        host: bool,
        /// Run on a real board through probe-rs instead (probe-rs chip name, e.g.
        /// nRF52840_xxAA) and report DWT cycle counts.
        #[arg(long)]
        chip: Option<String>,
        /// Only the host solvers against POT (Python Optimal Transport) on the same problem;
        /// writes target/report/peers.{md,json}. No QEMU needed; skipped without POT.
        #[arg(long)]
        peers: bool,
        /// Only rewrite the generated "Stack (bytes, …)" lines of the kernels' docs from the
        /// committed bench/baseline.json (no measurement; `--bless` does this too).
        #[arg(long)]
        stack_docs: bool,
    },
    /// Only the on-target tests: run target-tests under QEMU and compare every digest with the host.
    Ontarget {
        /// Cores to run on.
        #[arg(long, value_enum, num_args = 1.., default_values = ["m0", "m3", "m4f", "m7", "m33", "m55"])]
        board: Vec<Board>,
        /// Build the firmware with overflow checks on (a user's debug build has them).
        #[arg(long)]
        overflow_checks: bool,
    },
    /// Only the checks of the library as a user gets it: `cargo package`, the documentation
    /// (warnings denied), the build with the minimum supported Rust version, and the
    /// out-of-tree firmware example (`examples/firmware`) under QEMU on the M0 and the M4F.
    Package {
        /// Rewrite examples/firmware/expected.out from this run's M4F log.
        #[arg(long)]
        overwrite: bool,
    },
    /// Only the preflight: install (or, not as root, name) what a command needs, and stop.
    Preflight {
        /// The command whose needs to meet: run, test, bench, peers, ontarget, accuracy, flash.
        #[arg(long = "for", value_enum, default_value = "test")]
        task: Task,
    },
    /// Accuracy of the math functions against f64 (dense sample; --exhaustive: all 2^32 inputs).
    Accuracy {
        /// Every f32 input (slow: minutes per function).
        #[arg(long)]
        exhaustive: bool,
    },
    /// Coverage-guided fuzzing (libFuzzer, stable toolchain) of every kernel family, the
    /// checkpoint decoder and the host's file parsers: each target for --seconds, one at a
    /// time; prints executions per target; crashes are saved under fuzz/artifacts/.
    Fuzz {
        /// Seconds per target.
        #[arg(long, default_value_t = xtask::fuzz::DEFAULT_SECONDS)]
        seconds: u64,
        /// Only this target (softmax_f32, quant_softmax, mish, zloss, sparsemax, lipschitz,
        /// online, fixedpoint, checkpoint, host_npy, host_csv); all by default.
        target: Option<String>,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Run { board, chip, bin } => run(board, chip, &bin),
        Cmd::Test {
            no_qemu,
            random_seed,
        } => test::all(!no_qemu, random_seed),
        Cmd::Bench {
            stack_docs: true, ..
        } => {
            let files = bench::stack_docs::bless(&bench::report::read_baseline()?)?;
            println!("stack lines of the kernels' docs rewritten in {files} file(s)");
            Ok(())
        }
        Cmd::Bench { peers: true, .. } => {
            tools::preflight(Task::Peers)?;
            bench::peers::run()
        }
        Cmd::Bench {
            chip: Some(chip), ..
        } => {
            tools::preflight(Task::Flash)?;
            bench::board::run(&chip)
        }
        Cmd::Bench {
            board,
            check,
            bless,
            host,
            peers: false,
            chip: None,
            stack_docs: false,
        } => {
            tools::preflight(Task::Bench)?;
            bench::run_with(
                &board,
                bench::Options {
                    check,
                    bless,
                    host,
                    require_browser: false,
                },
            )
        }
        Cmd::Ontarget {
            board,
            overflow_checks,
        } => {
            tools::preflight(Task::Ontarget)?;
            for b in board {
                if overflow_checks {
                    xtask::ontarget::run_overflow_checked(b)?;
                } else {
                    xtask::ontarget::run(b)?;
                }
            }
            Ok(())
        }
        Cmd::Package { overwrite } => {
            tools::preflight(Task::Package)?;
            xtask::package::docs()?;
            xtask::package::package()?;
            xtask::package::msrv()?;
            xtask::package::example(overwrite)
        }
        Cmd::Preflight { task } => tools::preflight(task),
        Cmd::Accuracy { exhaustive } => {
            tools::preflight(Task::Accuracy)?;
            bench::accuracy(exhaustive).map(|_| ())
        }
        Cmd::Fuzz { seconds, target } => {
            // Refuse bad arguments before the preflight and the build.
            xtask::fuzz::select(target.as_deref())?;
            anyhow::ensure!(seconds > 0, "--seconds must be at least 1");
            tools::preflight(Task::Fuzz)?;
            xtask::fuzz::run(seconds, target.as_deref())
        }
    }
}

fn run(board: Board, chip: Option<String>, bin: &str) -> Result<()> {
    let bin: &'static str = match bin {
        "demo" => "demo",
        "target-tests" => "target-tests",
        "bench" => "bench",
        other => anyhow::bail!("unknown firmware binary {other:?} (demo, target-tests, bench)"),
    };
    if let Some(chip) = chip {
        tools::preflight(Task::Flash)?;
        let pb = xtask::boards::probe_board(&chip)?;
        xtask::probe::require_probe(&chip)?;
        let elf = Build::hardware(bin, &pb).run()?;
        let out = xtask::probe::run_elf(&elf, &chip, Duration::from_secs(600))?;
        for l in &out.lines {
            println!("{l}");
        }
        anyhow::ensure!(out.success, "the firmware on {chip} reported failure");
        return Ok(());
    }
    tools::preflight(Task::Run)?;
    let elf = Build::qemu(bin, board).run()?;
    println!(
        "running {bin} on {} (QEMU {})",
        board.core(),
        board.qemu_machine().unwrap_or("-")
    );
    let (_, uart) = qemu::run_and_print(board, &elf, Duration::from_secs(600))?;
    // The demo's sensor report travels over the UART: check that it arrived whole.
    if bin == "demo" && board.spec().uart {
        anyhow::ensure!(
            uart.contains("sensor report: end") && uart.contains("readings verified"),
            "the demo's UART report is missing or reports a mismatch"
        );
    }
    Ok(())
}
