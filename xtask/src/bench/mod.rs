//! `cargo xtask bench`: executed-instruction counts under QEMU, and the report.
//!
//! The bench binary announces each measurement (`BENCH <name> <n> <baseline>`), runs it
//! between the marker functions `bench_start` and `bench_end`, and reports its stack
//! high-water mark (`STACK <bytes>`). QEMU, with `-singlestep -d exec,nochain`, logs one
//! line per executed instruction; a measurement's count is the number of instructions from
//! entering `bench_start` to entering `bench_end`, minus the same count for the empty
//! measurement. These are executed *instructions*, not cycles; the estimated-cycles column
//! applies the TRM timings of the measured core to them ([`cycles`]: Cortex-M4 for the M4F
//! and M7, Cortex-M3, Cortex-M0; an estimate).

pub mod board;
pub mod cycles;
pub mod peers;
pub mod report;
pub mod stack_docs;
pub mod trace;

use crate::boards::Board;
use crate::firmware::Build;
use crate::qemu::{self, Qemu};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// One measured call on one core.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Measurement {
    /// `m0`, `m3`, `m4f`, `m7`.
    pub core: String,
    /// Kernel name (a baseline's variant in brackets, e.g. `softmax::three_pass[libm::expf]`).
    pub kernel: String,
    /// Problem size.
    pub n: u32,
    /// The kernel this one is compared with in the same run (`-` for none).
    pub baseline: String,
    /// Executed instructions, marker overhead subtracted.
    pub instructions: u64,
    /// Estimated Cortex-M4 cycles (TRM timings; an estimate, see [`cycles`]).
    pub est_cycles: u64,
    /// Bytes of code of the functions executed in the measured region (llvm-nm sizes).
    pub code_bytes: u64,
    /// Stack high-water mark of the call, bytes, marker overhead subtracted.
    pub stack_bytes: u32,
    /// Instructions per function inside the region, largest first (top 5).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hot_symbols: Vec<(String, u64)>,
}

impl Measurement {
    /// Instructions per element (per call for n = 0).
    pub fn per_element(&self) -> f64 {
        self.instructions as f64 / f64::from(self.n.max(1))
    }
}

/// Symbol sizes of an ELF (llvm-nm --print-size).
pub fn symbol_sizes(elf: &Path) -> Result<HashMap<String, u64>> {
    let out = Command::new(cycles::llvm_tool("llvm-nm")?)
        .args(["--print-size", "--radix=d"])
        .arg(elf)
        .output()?;
    if !out.status.success() {
        bail!("llvm-nm failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let mut m = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if let [_, size, kind, name] = f[..] {
            if kind.eq_ignore_ascii_case("t") {
                if let Ok(s) = size.parse() {
                    m.insert(name.to_string(), s);
                }
            }
        }
    }
    Ok(m)
}

/// Symbols that belong to the harness, not to the measured kernel.
fn harness_symbol(s: &str) -> bool {
    s == "bench_start" || s == "bench_end" || s.contains("firmware5bench7measure")
}

/// The measurements the bench binary announced, in order: (name, n, baseline, stack bytes).
/// Every `BENCH` line must be followed by its `STACK` line before the next one: a row without
/// a stack figure would read as 0 bytes and pass the check.
fn parse_announcements<'a>(
    messages: impl Iterator<Item = &'a str>,
) -> Result<Vec<(String, u32, String, u32)>> {
    let mut announced: Vec<(String, u32, String, Option<u32>)> = Vec::new();
    for m in messages {
        let f: Vec<&str> = m.split_whitespace().collect();
        match f[..] {
            ["BENCH", name, n, baseline] => {
                announced.push((name.into(), n.parse()?, baseline.into(), None))
            }
            ["STACK", bytes] => match announced.last_mut() {
                Some(last) if last.3.is_none() => last.3 = Some(bytes.parse()?),
                _ => bail!("a STACK line without its BENCH line"),
            },
            _ => {}
        }
    }
    announced
        .into_iter()
        .map(|(name, n, base, stack)| match stack {
            Some(s) => Ok((name, n, base, s)),
            None => bail!("bench row {name} N={n}: no STACK line"),
        })
        .collect()
}

/// Builds the bench binary for `board`, runs it with the trace, and measures every entry.
pub fn measure(board: Board) -> Result<Vec<Measurement>> {
    let elf = Build::qemu("bench", board).run()?;
    let disasm = cycles::disassemble(&elf)?;
    let sizes = symbol_sizes(&elf)?;
    // The trace goes through a FIFO and is parsed while QEMU runs: a full trace of the
    // soft-float cores is several GB.
    let trace = std::env::temp_dir().join(format!(
        "xtask-bench-{}-{}.fifo",
        board.name(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&trace);
    crate::cmd::run(Command::new("mkfifo").arg(&trace))?;
    let disasm = std::sync::Arc::new(disasm);
    let reader = {
        let (trace, disasm) = (trace.clone(), disasm.clone());
        std::thread::spawn(move || {
            trace::regions(&trace, &|pc| disasm.get(&pc).map_or(2, |i| i.size))
        })
    };
    let out = Qemu {
        board,
        elf: &elf,
        timeout: Duration::from_secs(1800),
        trace: Some(trace.clone()),
        serial: None,
    }
    .run();
    // If QEMU never opened the FIFO, the reader is still blocked in open(): open the write
    // end without blocking (O_NONBLOCK, Linux 0o4000) to release it.
    {
        use std::os::unix::fs::OpenOptionsExt;
        let _ = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(0o4000)
            .open(&trace);
    }
    let regions = reader
        .join()
        .map_err(|_| anyhow::anyhow!("trace reader panicked"))?;
    let _ = std::fs::remove_file(&trace);
    let out = out?;
    qemu::check(board, &out).inspect_err(|_| {
        for l in &out.lines {
            eprintln!("{l}");
        }
    })?;
    let regions = regions?;

    let announced = parse_announcements(out.messages())?;
    if announced.len() != regions.len() {
        bail!(
            "{} measurements announced but {} marker regions traced",
            announced.len(),
            regions.len()
        );
    }
    let (_, empty) = announced
        .iter()
        .zip(&regions)
        .find(|(a, _)| a.0 == "empty")
        .context("the bench binary has no `empty` measurement")?;
    let empty_stack = announced.iter().find(|a| a.0 == "empty").map_or(0, |a| a.3);
    let model = cycles::Model::for_board(board);
    let empty_cycles = cycles::estimate(model, &disasm, &empty.by_pc, &empty.taken);
    let empty_total = empty.total;

    let mut ms = Vec::new();
    for ((name, n, baseline, stack), r) in announced.into_iter().zip(regions) {
        if name == "empty" {
            continue;
        }
        let mut hot: Vec<(String, u64)> = r
            .by_symbol
            .iter()
            .filter(|(s, _)| !harness_symbol(s))
            .map(|(s, c)| (s.clone(), *c))
            .collect();
        hot.sort_by_key(|h| std::cmp::Reverse(h.1));
        let code_bytes = hot
            .iter()
            .map(|(s, _)| sizes.get(s).copied().unwrap_or(0))
            .sum();
        hot.truncate(5);
        ms.push(Measurement {
            core: board.name().into(),
            kernel: name,
            n,
            baseline,
            instructions: r.total.saturating_sub(empty_total),
            est_cycles: cycles::estimate(model, &disasm, &r.by_pc, &r.taken)
                .saturating_sub(empty_cycles),
            code_bytes,
            stack_bytes: stack.saturating_sub(empty_stack),
            hot_symbols: hot,
        });
    }
    Ok(ms)
}

/// Prints one core's measurements as a table.
pub fn print_table(board: Board, ms: &[Measurement]) {
    println!(
        "\n{} (QEMU {}): executed instructions (not cycles); est. cycles from {} (an estimate)",
        board.core(),
        board.qemu_machine().unwrap_or("-"),
        cycles::Model::for_board(board).label()
    );
    println!(
        "{:<44} {:>5} {:>11} {:>9} {:>11} {:>7} {:>6} {:>9}",
        "kernel", "N", "instr", "instr/el", "est.cycles", "code B", "stack", "vs base"
    );
    let index: BTreeMap<(&str, u32), &Measurement> =
        ms.iter().map(|m| ((m.kernel.as_str(), m.n), m)).collect();
    for m in ms {
        let ratio = index
            .get(&(m.baseline.as_str(), m.n))
            .map_or("-".to_string(), |b| {
                format!(
                    "{:.2}x",
                    m.instructions as f64 / b.instructions.max(1) as f64
                )
            });
        println!(
            "{:<44} {:>5} {:>11} {:>9.1} {:>11} {:>7} {:>6} {:>9}",
            m.kernel,
            m.n,
            m.instructions,
            m.per_element(),
            m.est_cycles,
            m.code_bytes,
            m.stack_bytes,
            ratio
        );
    }
}

/// The method's calibration: REFERENCE §6 measured 15,314 instructions for three-pass
/// softmax with `libm::expf` at N = 256 on uniform logits in [−8, 8] on the M4F.
pub const CALIBRATION_REFERENCE: u64 = 15_314;

/// The calibration line for the M4F results, if measured.
pub fn calibration(ms: &[Measurement]) -> Option<String> {
    let m = ms
        .iter()
        .find(|m| m.core == "m4f" && m.kernel == "softmax::three_pass[libm::expf]" && m.n == 256)?;
    let dev = (m.instructions as f64 / CALIBRATION_REFERENCE as f64 - 1.0) * 100.0;
    let expf: u64 = m
        .hot_symbols
        .iter()
        .filter(|(s, _)| s.contains("libm4math4expf"))
        .map(|(_, c)| c)
        .sum();
    let rest = m.instructions.saturating_sub(expf);
    Some(format!(
        "calibration: three-pass softmax with libm::expf, N = 256, uniform [-8, 8], M4F: {} \
         instructions (REFERENCE §6: {CALIBRATION_REFERENCE}, {dev:+.1} %); inside libm::expf: \
         {expf} ({:.1} per call), the three passes around it: {rest} ({:.1} per element)",
        m.instructions,
        expf as f64 / f64::from(m.n),
        rest as f64 / f64::from(m.n)
    ))
}

/// What `cargo xtask bench` does besides measuring.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Fail on a regression against bench/baseline.json.
    pub check: bool,
    /// Write bench/baseline.json.
    pub bless: bool,
    /// Also run the host's criterion benchmarks (short runs) and report ns per element.
    pub host: bool,
    /// Fail if the report cannot be checked in headless Chromium (otherwise: a note).
    pub require_browser: bool,
}

/// Runs the host's `accuracy` tool (`--exhaustive`: all 2^32 inputs), which writes
/// `target/report/accuracy.json`, and returns that JSON.
pub fn accuracy(exhaustive: bool) -> Result<serde_json::Value> {
    let dir = crate::cmd::root().join("target").join("report");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("accuracy.json");
    let mut c = crate::cmd::cargo();
    c.current_dir(crate::cmd::root()).args([
        "run",
        "--release",
        "--quiet",
        "-p",
        "host",
        "--bin",
        "mcuk",
        "--",
        "accuracy",
    ]);
    if exhaustive {
        c.arg("--exhaustive");
    }
    c.arg("--json").arg(&path);
    crate::cmd::run(&mut c)?;
    Ok(serde_json::from_str(&std::fs::read_to_string(&path)?)?)
}

/// Runs the host crate's criterion benchmarks with short warm-up and measurement times and
/// reads their results.
fn host_timings() -> Result<Vec<report::HostTiming>> {
    let mut c = crate::cmd::cargo();
    c.current_dir(crate::cmd::root()).args([
        "bench",
        "--quiet",
        "-p",
        "host",
        "--",
        "--warm-up-time",
        "0.2",
        "--measurement-time",
        "0.5",
        "--noplot",
    ]);
    crate::cmd::run(&mut c)?;
    Ok(report::read_criterion(
        &crate::cmd::root().join("target").join("criterion"),
    ))
}

/// `cargo xtask bench`: measure, print, write the report, then check or bless.
pub fn run(boards: &[Board], check: bool, bless: bool) -> Result<()> {
    run_with(
        boards,
        Options {
            check,
            bless,
            ..Options::default()
        },
    )
}

/// [`run`] with every option.
pub fn run_with(boards: &[Board], opt: Options) -> Result<()> {
    let Options {
        check,
        bless,
        host,
        require_browser,
    } = opt;
    let mut all = Vec::new();
    for &b in boards {
        let ms = measure(b)?;
        print_table(b, &ms);
        all.extend(ms);
    }
    let cal = calibration(&all);
    if let Some(c) = &cal {
        println!("\n{c}");
    }
    let dir = crate::cmd::root().join("target").join("report");
    println!("\naccuracy figures (cargo xtask accuracy, dense sample):");
    let accuracy = Some(accuracy(false)?);
    let host = if host { host_timings()? } else { Vec::new() };
    let report = report::Report {
        generated_by: "cargo xtask bench".into(),
        environment: environment(),
        calibration: cal,
        results: all,
        accuracy,
        host,
    };
    report::write(&dir, &report)?;
    let page = dir.join("index.html");
    println!("\nreport: {}", page.display());
    let kernels: std::collections::BTreeSet<&str> =
        report.results.iter().map(|m| m.kernel.as_str()).collect();
    match crate::browser::check_report(&page, kernels.len()) {
        Ok(c) => println!(
            "report checked in headless Chromium: rendered, no console messages; screenshot {} ({} bytes)",
            c.screenshot.display(),
            c.screenshot_bytes
        ),
        Err(e) if require_browser => return Err(e.context("checking the report in Chromium")),
        Err(e) => println!("note: report not checked in a browser: {e:#}"),
    }
    if bless {
        let p = report::bless(&report.results)?;
        println!("baseline written: {}", p.display());
        let files = stack_docs::bless(&report::read_baseline()?)?;
        println!("stack lines of the kernels' docs rewritten in {files} file(s)");
    }
    if check {
        let (regressions, notes) = report::check(&report.results)?;
        for n in &notes {
            println!("note: {n}");
        }
        for r in &regressions {
            eprintln!("REGRESSION: {r}");
        }
        if !regressions.is_empty() {
            bail!(
                "{} benchmark regression(s) against bench/baseline.json",
                regressions.len()
            );
        }
        println!("bench check: no regression against bench/baseline.json");
    }
    Ok(())
}

fn first_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_else(|_| "unknown".into())
}

fn environment() -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    m.insert("rustc".into(), first_line("rustc", &["--version"]));
    m.insert("qemu".into(), first_line("qemu-system-arm", &["--version"]));
    m.insert(
        "method".into(),
        "QEMU -singlestep -d exec,nochain; instructions between bench_start and bench_end minus the empty measurement".into(),
    );
    m
}

#[cfg(test)]
mod tests {
    use super::parse_announcements;

    #[test]
    fn every_row_needs_its_stack_line() {
        let ok = parse_announcements(
            [
                "BENCH empty 0 -",
                "STACK 8",
                "x",
                "BENCH k 16 -",
                "STACK 96",
                "EXIT 0",
            ]
            .into_iter(),
        )
        .unwrap();
        assert_eq!(ok[1], ("k".to_string(), 16, "-".to_string(), 96));
        assert!(
            parse_announcements(["BENCH k 16 -", "BENCH j 16 -", "STACK 4"].into_iter()).is_err()
        );
        assert!(parse_announcements(["BENCH k 16 -"].into_iter()).is_err());
        assert!(parse_announcements(["STACK 4"].into_iter()).is_err());
        assert!(parse_announcements(["BENCH k 16 -", "STACK 4", "STACK 8"].into_iter()).is_err());
    }
}
