//! Running an ELF on QEMU with semihosting, capturing and decoding its defmt output.

use crate::boards::Board;
use crate::defmt_log::{Decoder, Line};
use anyhow::{anyhow, bail, Context, Result};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a firmware run ended.
#[derive(Debug)]
pub struct RunOutput {
    /// QEMU's exit code (the firmware's semihosting exit code), `None` if killed.
    pub code: Option<i32>,
    /// True if the run hit the time limit and was killed.
    pub timed_out: bool,
    /// The decoded defmt frames.
    pub lines: Vec<Line>,
    /// Whatever QEMU printed on stderr.
    pub stderr: String,
}

impl RunOutput {
    /// Exit code 0 and the firmware's own `EXIT 0` frame seen.
    pub fn success(&self) -> bool {
        self.code == Some(0) && self.lines.iter().any(|l| l.message == "EXIT 0")
    }

    /// Messages only.
    pub fn messages(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().map(|l| l.message.as_str())
    }
}

/// Options of one QEMU run.
pub struct Qemu<'a> {
    /// The core to emulate.
    pub board: Board,
    /// The ELF to run.
    pub elf: &'a Path,
    /// Kill QEMU after this long.
    pub timeout: Duration,
    /// Write QEMU's per-instruction execution trace here (`-singlestep -d exec,nochain`).
    pub trace: Option<PathBuf>,
    /// Send the first serial port (UART0) to this file (`-serial file:…`); `None`: discard.
    pub serial: Option<PathBuf>,
}

impl Qemu<'_> {
    /// The QEMU command line.
    pub fn command(&self) -> Result<Command> {
        let machine = self
            .board
            .qemu_machine()
            .ok_or_else(|| anyhow!("{} is build-only: QEMU cannot run it", self.board.core()))?;
        let mut c = Command::new("qemu-system-arm");
        let serial = match &self.serial {
            Some(p) => format!("file:{}", p.display()),
            None => "null".into(),
        };
        c.args(["-machine", machine])
            .args(["-nographic", "-monitor", "none", "-serial", &serial])
            .args(["-semihosting-config", "enable=on,target=native"]);
        if let Some(trace) = &self.trace {
            c.args(["-singlestep", "-d", "exec,nochain", "-D"])
                .arg(trace);
        }
        c.arg("-kernel").arg(self.elf);
        Ok(c)
    }

    /// Runs to completion (or the time limit) and decodes the output.
    pub fn run(&self) -> Result<RunOutput> {
        let decoder = Decoder::from_elf(self.elf)?;
        let mut c = self.command()?;
        let mut child = c
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting qemu-system-arm (is it installed?)")?;
        let mut stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
        let mut stderr = child.stderr.take().ok_or_else(|| anyhow!("no stderr"))?;
        let out_reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stdout.read_to_end(&mut buf);
            buf
        });
        let err_reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let start = Instant::now();
        let (code, timed_out) = loop {
            if let Some(status) = child.try_wait()? {
                break (status.code(), false);
            }
            if start.elapsed() > self.timeout {
                let _ = child.kill();
                let _ = child.wait();
                break (None, true);
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let bytes = out_reader
            .join()
            .map_err(|_| anyhow!("stdout reader panicked"))?;
        let stderr = err_reader
            .join()
            .map_err(|_| anyhow!("stderr reader panicked"))?;
        Ok(RunOutput {
            code,
            timed_out,
            lines: decoder.decode_all(&bytes),
            stderr,
        })
    }
}

/// Runs an ELF, printing its decoded log as it is, then what it wrote to UART0 (mps2
/// machines); fails unless it exits 0. Returns the output and the UART text.
pub fn run_and_print(board: Board, elf: &Path, timeout: Duration) -> Result<(RunOutput, String)> {
    let has_uart = board.spec().uart;
    let serial = has_uart.then(|| elf.with_extension(format!("{}.uart.txt", board.name())));
    if let Some(p) = &serial {
        let _ = std::fs::remove_file(p);
    }
    let out = Qemu {
        board,
        elf,
        timeout,
        trace: None,
        serial: serial.clone(),
    }
    .run()?;
    for l in &out.lines {
        println!("{l}");
    }
    let uart = serial
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default();
    if !uart.is_empty() {
        println!("--- UART0 (CMSDK APB UART, QEMU -serial) ---");
        print!("{uart}");
        println!("--- end of UART0 ---");
    }
    check(board, &out)?;
    Ok((out, uart))
}

/// Turns a failed run into an error that says why.
pub fn check(board: Board, out: &RunOutput) -> Result<()> {
    if !out.stderr.trim().is_empty() {
        eprintln!("qemu: {}", out.stderr.trim());
    }
    if out.timed_out {
        bail!(
            "{}: the firmware did not exit in time (killed)",
            board.core()
        );
    }
    if !out.success() {
        bail!(
            "{}: the firmware exited with {}",
            board.core(),
            out.code
                .map_or("a signal".into(), |c| format!("status {c}"))
        );
    }
    Ok(())
}
