//! Real boards through probe-rs: flash, run, read defmt over RTT, decode.
//!
//! The firmware built with the `hardware` feature logs over RTT (defmt-rtt) and ends every
//! run with an `EXIT <code>` frame followed by a breakpoint; a panic goes through
//! panic-probe to a HardFault handler that logs and does the same with code 1.

use crate::defmt_log::{Decoder, Line};
use anyhow::{anyhow, bail, Context, Result};
use probe_rs::flashing::{download_file, ElfLoader, ElfOptions};
use probe_rs::probe::list::Lister;
use probe_rs::rtt::Rtt;
use probe_rs::{CoreStatus, Permissions, Session, SessionConfig};
use std::path::Path;
use std::time::{Duration, Instant};

/// The debug probes attached to this machine, as printable descriptions.
pub fn attached_probes() -> Vec<String> {
    Lister::new()
        .list_all()
        .into_iter()
        .map(|p| format!("{p}"))
        .collect()
}

/// Fails with a message that says what to do when no debug probe is attached: the image for
/// `chip` can be built and checked without one (`cargo xtask test` does), not flashed.
pub fn require_probe(chip: &str) -> Result<()> {
    if attached_probes().is_empty() {
        let board = crate::boards::probe_board(chip)
            .map(|b| b.board)
            .unwrap_or("this board");
        bail!(
            "no debug probe is attached: cannot flash {chip} ({board}). Connect a probe that \
             probe-rs supports (e.g. a Raspberry Pi Debug Probe or a J-Link) and try again; \
             `cargo xtask test` builds and checks this board's image without one"
        );
    }
    Ok(())
}

/// The result of a run on a board.
#[derive(Debug)]
pub struct ProbeRun {
    /// Decoded defmt frames.
    pub lines: Vec<Line>,
    /// True if the firmware ended with `EXIT 0`.
    pub success: bool,
}

/// Flashes `elf` to `chip` with the first attached probe, runs it, and collects its defmt
/// output over RTT until it halts (or `timeout` passes).
pub fn run_elf(elf: &Path, chip: &str, timeout: Duration) -> Result<ProbeRun> {
    if attached_probes().is_empty() {
        bail!("no debug probe is attached");
    }
    let decoder = Decoder::from_elf(elf)?;
    let config = SessionConfig {
        permissions: Permissions::default(),
        ..Default::default()
    };
    let mut session =
        Session::auto_attach(chip, config).with_context(|| format!("attaching to {chip}"))?;
    download_file(&mut session, elf, ElfLoader(ElfOptions::default()))
        .with_context(|| format!("flashing {}", elf.display()))?;
    let mut core = session.core(0)?;
    core.reset_and_halt(Duration::from_millis(500))?;
    core.run()?;

    let start = Instant::now();
    let mut rtt = loop {
        match Rtt::attach(&mut core) {
            Ok(rtt) => break rtt,
            Err(e) if start.elapsed() > Duration::from_secs(5) => {
                return Err(anyhow!("RTT control block not found: {e}"))
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = rtt
            .up_channel(0)
            .ok_or_else(|| anyhow!("the firmware has no RTT up channel 0"))?
            .read(&mut core, &mut buf)?;
        bytes.extend_from_slice(&buf[..n]);
        if n == 0 {
            match core.status()? {
                CoreStatus::Halted(_) | CoreStatus::LockedUp => {
                    // Drain what is left, then stop.
                    if let Some(ch) = rtt.up_channel(0) {
                        let n = ch.read(&mut core, &mut buf)?;
                        bytes.extend_from_slice(&buf[..n]);
                    }
                    break;
                }
                _ if start.elapsed() > timeout => bail!("the firmware did not halt in time"),
                _ => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }
    let lines = decoder.decode_all(&bytes);
    let success = lines.iter().any(|l| l.message == "EXIT 0");
    Ok(ProbeRun { lines, success })
}
