//! Boot blocks that a chip's boot ROM needs before it starts the vector table.
//!
//! * RP2040 (feature `board-rp2040`): the 256-byte second-stage boot loader for the Pico's
//!   W25Q080 QSPI flash, from the `rp2040-boot2` crate, in section `.boot2` (the first 256
//!   bytes of flash, `memory/rp2040.x`). The ROM checks its CRC32 (last word) before it runs it.
//! * RP2350 (feature `board-rp2350`): the IMAGE_DEF block (a Secure Arm executable), from
//!   `rp235x-hal`'s `block` module, in section `.start_block` right after the vector table
//!   (`memory/rp2350.x`), inside the first 4 KiB of flash where the ROM looks for it.
//!
//! `cargo xtask test` builds both images and checks these blocks (addresses, sizes, the
//! boot2 checksum, the IMAGE_DEF markers and item) in the ELF.

/// The RP2040 second-stage boot loader.
#[cfg(feature = "board-rp2040")]
#[link_section = ".boot2"]
#[used]
pub static BOOT2: [u8; 256] = rp2040_boot2::BOOT_LOADER_W25Q080;

/// The RP2350 IMAGE_DEF block.
#[cfg(feature = "board-rp2350")]
#[link_section = ".start_block"]
#[used]
pub static IMAGE_DEF: rp235x_hal::block::ImageDef = rp235x_hal::block::ImageDef::secure_exe();
