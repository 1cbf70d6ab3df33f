//! Hardware-in-the-loop tests: the on-target test binary flashed to a real board through
//! probe-rs, its defmt output read over RTT and decoded in-process, and its differential
//! digests compared bit for bit with the host (the same checks as under QEMU).
//!
//! Configuration (environment):
//! * `HIL_CHIP`: the probe-rs chip name (default `nRF52840_xxAA`, an nRF52840-DK).
//!
//! Without an attached probe the tests print that they were skipped and why.

use anyhow::Result;
use std::time::Duration;
use xtask::firmware::Build;

/// The chip to test, from `HIL_CHIP` (default: the nRF52840-DK's).
pub fn chip() -> String {
    std::env::var("HIL_CHIP").unwrap_or_else(|_| "nRF52840_xxAA".to_string())
}

/// `Some(reason)` when the hardware tests cannot run here.
pub fn skip_reason() -> Option<String> {
    let probes = xtask::probe::attached_probes();
    if probes.is_empty() {
        Some(
            "no debug probe attached (probe-rs found none over USB); \
             connect a board and set HIL_CHIP to run these tests"
                .to_string(),
        )
    } else {
        None
    }
}

/// Builds `bin` for the chip's memory layout with the `hardware` transport.
pub fn build(bin: &'static str, chip: &str) -> Result<std::path::PathBuf> {
    let pb = xtask::boards::probe_board(chip)?;
    Build::hardware(bin, &pb).run()
}

/// Flashes and runs `bin`, returning its decoded run.
pub fn flash_and_run(bin: &'static str) -> Result<xtask::probe::ProbeRun> {
    let chip = chip();
    let elf = build(bin, &chip)?;
    xtask::probe::run_elf(&elf, &chip, Duration::from_secs(600))
}
