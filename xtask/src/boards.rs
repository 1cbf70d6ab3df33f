//! The cores the firmware runs on under QEMU, in one table: adding an emulated board means
//! adding one [`Board`] variant, its [`Spec`] row below and its memory file under
//! `firmware/memory/` (chosen by `firmware/build.rs` from the target or the layout feature).

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
    /// Cortex-M33 (ARMv8-M Mainline, Secure state) on QEMU `mps2-an505`.
    M33,
    /// Cortex-M55 (ARMv8.1-M, Secure state) on QEMU `mps3-an547`.
    M55,
}

/// Everything that describes a board.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// Short name, as on the command line.
    pub name: &'static str,
    /// Human-readable core name.
    pub core: &'static str,
    /// The Rust target triple.
    pub target: &'static str,
    /// The QEMU machine.
    pub machine: &'static str,
    /// The firmware's memory-layout feature, when the target alone does not choose it.
    pub layout_feature: Option<&'static str>,
    /// The memory file under `firmware/memory/`.
    pub memory: &'static str,
    /// The machine has the CMSDK UART the demo reports through (QEMU's first `-serial`).
    pub uart: bool,
}

impl Board {
    /// The cores the on-target tests and the benchmarks run on.
    pub const EMULATED: [Board; 6] = [
        Board::M0,
        Board::M3,
        Board::M4f,
        Board::M7,
        Board::M33,
        Board::M55,
    ];

    /// This board's row of the table.
    pub const fn spec(self) -> Spec {
        match self {
            Board::M4f => Spec {
                name: "m4f",
                core: "Cortex-M4F",
                target: "thumbv7em-none-eabihf",
                machine: "mps2-an386",
                layout_feature: None,
                memory: "qemu-mps2.x",
                uart: true,
            },
            Board::M7 => Spec {
                name: "m7",
                core: "Cortex-M7",
                target: "thumbv7em-none-eabihf",
                machine: "mps2-an500",
                layout_feature: None,
                memory: "qemu-mps2.x",
                uart: true,
            },
            Board::M3 => Spec {
                name: "m3",
                core: "Cortex-M3",
                target: "thumbv7m-none-eabi",
                machine: "mps2-an385",
                layout_feature: None,
                memory: "qemu-mps2.x",
                uart: true,
            },
            Board::M0 => Spec {
                name: "m0",
                core: "Cortex-M0",
                target: "thumbv6m-none-eabi",
                machine: "microbit",
                layout_feature: None,
                memory: "qemu-microbit.x",
                uart: false,
            },
            Board::M33 => Spec {
                name: "m33",
                core: "Cortex-M33",
                target: "thumbv8m.main-none-eabihf",
                machine: "mps2-an505",
                layout_feature: Some("layout-an505"),
                memory: "qemu-an505.x",
                uart: true,
            },
            Board::M55 => Spec {
                name: "m55",
                core: "Cortex-M55",
                target: "thumbv8m.main-none-eabihf",
                machine: "mps3-an547",
                layout_feature: Some("layout-an547"),
                memory: "qemu-an547.x",
                uart: true,
            },
        }
    }

    /// The Rust target triple.
    pub fn target(self) -> &'static str {
        self.spec().target
    }

    /// The QEMU machine, or `None` for build-only cores (none today).
    pub fn qemu_machine(self) -> Option<&'static str> {
        Some(self.spec().machine)
    }

    /// Short name, as on the command line.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// Human-readable core name.
    pub fn core(self) -> &'static str {
        self.spec().core
    }

    /// Every Rust target the project builds for (each once).
    pub fn all_targets() -> Vec<&'static str> {
        let mut t: Vec<&'static str> = Vec::new();
        for b in Board::EMULATED {
            if !t.contains(&b.target()) {
                t.push(b.target());
            }
        }
        t
    }
}

/// A real board flashed through probe-rs: its chip, target and memory layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProbeBoard {
    /// The board, for messages.
    pub board: &'static str,
    /// probe-rs chip names it answers to (matched case-insensitively as prefixes).
    pub chips: &'static [&'static str],
    /// The Rust target triple.
    pub target: &'static str,
    /// The firmware feature that selects its memory layout (and boot block).
    pub feature: &'static str,
    /// The memory file under `firmware/memory/`.
    pub memory: &'static str,
}

/// Every real board the firmware has a layout for.
pub const PROBE_BOARDS: [ProbeBoard; 4] = [
    ProbeBoard {
        board: "nRF52840-DK (Cortex-M4F)",
        chips: &["nRF52840"],
        target: "thumbv7em-none-eabihf",
        feature: "board-nrf52840",
        memory: "nrf52840.x",
    },
    ProbeBoard {
        board: "STM32F411 Nucleo / Black Pill (Cortex-M4F)",
        chips: &["STM32F411"],
        target: "thumbv7em-none-eabihf",
        feature: "board-stm32f411",
        memory: "stm32f411.x",
    },
    ProbeBoard {
        board: "Raspberry Pi Pico (RP2040, Cortex-M0+)",
        chips: &["RP2040"],
        target: "thumbv6m-none-eabi",
        feature: "board-rp2040",
        memory: "rp2040.x",
    },
    ProbeBoard {
        board: "Raspberry Pi Pico 2 (RP2350, Cortex-M33)",
        chips: &["RP235"],
        target: "thumbv8m.main-none-eabihf",
        feature: "board-rp2350",
        memory: "rp2350.x",
    },
];

/// The real board for a probe-rs chip name.
pub fn probe_board(chip: &str) -> anyhow::Result<ProbeBoard> {
    let c = chip.to_ascii_lowercase();
    PROBE_BOARDS
        .iter()
        .find(|b| {
            b.chips
                .iter()
                .any(|p| c.starts_with(&p.to_ascii_lowercase()))
        })
        .copied()
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no memory layout for chip {chip:?}; supported: nRF52840_xxAA, STM32F411RETx, \
                 STM32F411CEUx, RP2040, RP235x (add one to PROBE_BOARDS in xtask/src/boards.rs \
                 and a memory file under firmware/memory/)"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every memory file a board names exists, and build.rs chooses it: from the layout
    /// feature when there is one, else from the target.
    #[test]
    fn every_board_has_its_memory_file_and_build_rs_knows_it() {
        let root = crate::cmd::root().join("firmware");
        let build_rs = std::fs::read_to_string(root.join("build.rs")).unwrap();
        let cargo = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        for b in Board::EMULATED {
            let s = b.spec();
            assert!(root.join("memory").join(s.memory).is_file(), "{}", s.memory);
            assert!(
                build_rs.contains(&format!("\"{}\"", s.memory)),
                "{}",
                s.memory
            );
            if let Some(f) = s.layout_feature {
                assert!(cargo.contains(&format!("\n{f} = []")), "{f}");
                let env = f.to_ascii_uppercase().replace('-', "_");
                assert!(build_rs.contains(&format!("\"{env}\"")), "{env}");
            }
        }
    }

    /// Every real board's memory file exists and build.rs chooses it from its feature.
    #[test]
    fn every_probe_board_has_its_memory_file() {
        let root = crate::cmd::root().join("firmware");
        let build_rs = std::fs::read_to_string(root.join("build.rs")).unwrap();
        let cargo = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        for b in PROBE_BOARDS {
            assert!(root.join("memory").join(b.memory).is_file(), "{}", b.memory);
            assert!(
                build_rs.contains(&format!("\"{}\"", b.memory)),
                "{}",
                b.memory
            );
            let env = b.feature.to_ascii_uppercase().replace('-', "_");
            assert!(build_rs.contains(&format!("\"{env}\"")), "{env}");
            assert!(
                cargo.contains(&format!("\n{} = ", b.feature)),
                "{}",
                b.feature
            );
        }
        assert_eq!(probe_board("RP2040").unwrap().target, "thumbv6m-none-eabi");
        assert_eq!(probe_board("rp235x").unwrap().feature, "board-rp2350");
        assert_eq!(
            probe_board("nRF52840_xxAA").unwrap().feature,
            "board-nrf52840"
        );
        assert!(probe_board("ATSAMD21G18A").is_err());
    }

    /// Two boards sharing a target must differ by their layout feature.
    #[test]
    fn boards_sharing_a_target_are_told_apart_by_a_feature() {
        for a in Board::EMULATED {
            for b in Board::EMULATED {
                if a != b && a.target() == b.target() && a.spec().memory != b.spec().memory {
                    assert!(a.spec().layout_feature.is_some(), "{}", a.name());
                    assert!(b.spec().layout_feature.is_some(), "{}", b.name());
                }
            }
        }
    }
}
