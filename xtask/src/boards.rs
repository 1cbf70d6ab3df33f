//! The cores the firmware runs on under QEMU (and the one it only builds for).

use clap::ValueEnum;

/// A Cortex-M core and how to build and emulate it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum)]
pub enum Board {
    /// Cortex-M4F on QEMU `mps2-an386` (the default).
    M4f,
    /// Cortex-M7 on QEMU `mps2-an500`.
    M7,
    /// Cortex-M3 on QEMU `mps2-an385`.
    M3,
    /// Cortex-M0 on QEMU `microbit` (16 KiB RAM).
    M0,
    /// Cortex-M33: build only (QEMU's `mps2-an505` does not boot this layout).
    M33,
}

impl Board {
    /// The four cores the on-target tests run on.
    pub const EMULATED: [Board; 4] = [Board::M0, Board::M3, Board::M4f, Board::M7];

    /// The Rust target triple.
    pub fn target(self) -> &'static str {
        match self {
            Board::M4f | Board::M7 => "thumbv7em-none-eabihf",
            Board::M3 => "thumbv7m-none-eabi",
            Board::M0 => "thumbv6m-none-eabi",
            Board::M33 => "thumbv8m.main-none-eabihf",
        }
    }

    /// The QEMU machine, or `None` for build-only cores.
    pub fn qemu_machine(self) -> Option<&'static str> {
        match self {
            Board::M4f => Some("mps2-an386"),
            Board::M7 => Some("mps2-an500"),
            Board::M3 => Some("mps2-an385"),
            Board::M0 => Some("microbit"),
            Board::M33 => None,
        }
    }

    /// Short name, as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Board::M4f => "m4f",
            Board::M7 => "m7",
            Board::M3 => "m3",
            Board::M0 => "m0",
            Board::M33 => "m33",
        }
    }

    /// Human-readable core name.
    pub fn core(self) -> &'static str {
        match self {
            Board::M4f => "Cortex-M4F",
            Board::M7 => "Cortex-M7",
            Board::M3 => "Cortex-M3",
            Board::M0 => "Cortex-M0",
            Board::M33 => "Cortex-M33",
        }
    }

    /// Every Rust target the project builds for.
    pub fn all_targets() -> [&'static str; 4] {
        [
            Board::M4f.target(),
            Board::M3.target(),
            Board::M0.target(),
            Board::M33.target(),
        ]
    }
}

/// The firmware's memory-layout feature for a probe-rs chip name.
pub fn board_feature(chip: &str) -> anyhow::Result<&'static str> {
    let c = chip.to_ascii_lowercase();
    if c.starts_with("nrf52840") {
        Ok("board-nrf52840")
    } else if c.starts_with("stm32f411") {
        Ok("board-stm32f411")
    } else {
        anyhow::bail!(
            "no memory layout for chip {chip:?}; supported: nRF52840_xxAA, STM32F411RETx, \
             STM32F411CEUx (add one under firmware/memory/ and firmware/build.rs)"
        )
    }
}
