//! Checks of the Raspberry Pi images that cannot be flashed here: the RP2040's second-stage
//! boot loader and the RP2350's IMAGE_DEF block, read back from the built ELF and checked
//! against the chips' datasheets (not against the crates that produced them).
//!
//! * RP2040 datasheet §2.8.1: the boot ROM copies the first 256 bytes of flash to SRAM and
//!   runs them only if their last word is the CRC32 of the first 252 bytes (polynomial
//!   0x04C11DB7, initial value 0xFFFFFFFF, no reflection, no final XOR: CRC-32/MPEG-2). The
//!   boot loader then starts the vector table that follows it, at 0x1000_0100.
//! * RP2350 datasheet §5.9: a block starts with 0xFFFFDED3 and ends with 0xAB123579; its last
//!   item (type 0xFF) gives the items' size in words, then a word links to the next block
//!   (0: the block loops to itself). An IMAGE_DEF holds an IMAGE_TYPE item (type 0x42, one
//!   word, flags: image type bits 0–3 = 1 EXE, security bits 4–5 = 2 Secure, CPU bits 8–10 =
//!   0 Arm, chip bits 12–14 = 1 RP2350). The ROM searches the first 4 KiB of flash.

use anyhow::{bail, ensure, Context, Result};
use object::{Object, ObjectSection};
use std::path::Path;

/// CRC-32/MPEG-2 (the RP2040 boot2 checksum).
pub fn crc32_mpeg2(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// One loaded section: its address and bytes.
struct Section {
    addr: u64,
    data: Vec<u8>,
}

fn section(elf: &object::File, name: &str) -> Result<Section> {
    let s = elf
        .section_by_name(name)
        .with_context(|| format!("no {name} section"))?;
    Ok(Section {
        addr: s.address(),
        data: s.data()?.to_vec(),
    })
}

fn word(data: &[u8], i: usize) -> Result<u32> {
    let b = data
        .get(4 * i..4 * i + 4)
        .with_context(|| format!("word {i} out of range"))?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The vector table's first two entries: the initial stack pointer inside `ram`, the reset
/// handler a Thumb address inside `flash`.
fn check_vectors(vt: &Section, flash: (u64, u64), ram: (u64, u64)) -> Result<String> {
    let sp = u64::from(word(&vt.data, 0)?);
    let reset = u64::from(word(&vt.data, 1)?);
    ensure!(
        sp > ram.0 && sp <= ram.1 && sp.is_multiple_of(8),
        "initial SP {sp:#x} not an 8-aligned top inside RAM {:#x}..={:#x}",
        ram.0,
        ram.1
    );
    ensure!(
        reset & 1 == 1,
        "reset vector {reset:#x} lacks the Thumb bit"
    );
    ensure!(
        reset >= flash.0 && reset < flash.1,
        "reset vector {reset:#x} outside flash {:#x}..{:#x}",
        flash.0,
        flash.1
    );
    Ok(format!("SP {sp:#010x}, reset {reset:#010x}"))
}

/// Checks an RP2040 image; returns a one-line summary.
pub fn check_rp2040(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let elf = object::File::parse(&*bytes)?;
    let boot2 = section(&elf, ".boot2")?;
    ensure!(
        boot2.addr == 0x1000_0000,
        ".boot2 at {:#x}, not at the start of flash 0x1000_0000",
        boot2.addr
    );
    ensure!(
        boot2.data.len() == 256,
        ".boot2 is {} bytes, not 256",
        boot2.data.len()
    );
    let crc = crc32_mpeg2(&boot2.data[..252]);
    let stored = word(&boot2.data, 63)?;
    ensure!(
        crc == stored,
        "boot2 checksum {stored:#010x} != CRC-32/MPEG-2 of its first 252 bytes {crc:#010x}"
    );
    let vt = section(&elf, ".vector_table")?;
    ensure!(
        vt.addr == 0x1000_0100,
        "vector table at {:#x}, not right after boot2 (0x1000_0100)",
        vt.addr
    );
    let v = check_vectors(
        &vt,
        (0x1000_0100, 0x1000_0000 + 2048 * 1024),
        (0x2000_0000, 0x2004_2000),
    )?;
    Ok(format!(
        "RP2040: boot2 256 bytes at 0x10000000, CRC32 {crc:#010x} ok; vector table at 0x10000100 ({v})"
    ))
}

/// Checks an RP2350 image; returns a one-line summary.
pub fn check_rp2350(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let elf = object::File::parse(&*bytes)?;
    let vt = section(&elf, ".vector_table")?;
    ensure!(
        vt.addr == 0x1000_0000,
        "vector table at {:#x}, not at the start of flash",
        vt.addr
    );
    let v = check_vectors(
        &vt,
        (0x1000_0000, 0x1000_0000 + 2048 * 1024),
        (0x2000_0000, 0x2008_0000),
    )?;
    let block = section(&elf, ".start_block")?;
    let end = block.addr + block.data.len() as u64;
    ensure!(
        block.addr >= 0x1000_0000 && end <= 0x1000_1000,
        "IMAGE_DEF block {:#x}..{end:#x} not inside the first 4 KiB of flash",
        block.addr
    );
    let n = check_image_def(&block.data)?;
    Ok(format!(
        "RP2350: vector table at 0x10000000 ({v}); IMAGE_DEF ({n} words at {:#010x}): Secure Arm EXE for the RP2350, loop link ok",
        block.addr
    ))
}

/// Checks an IMAGE_DEF block (RP2350 datasheet §5.9) word by word; returns its length in words.
pub fn check_image_def(data: &[u8]) -> Result<usize> {
    ensure!(
        data.len().is_multiple_of(4),
        "block size {} not whole words",
        data.len()
    );
    let n = data.len() / 4;
    ensure!(n >= 5, "block of {n} words is too short");
    ensure!(word(data, 0)? == 0xFFFF_DED3, "no block start marker");
    ensure!(word(data, n - 1)? == 0xAB12_3579, "no block end marker");
    let link = word(data, n - 2)?;
    ensure!(
        link == 0,
        "link {link:#x}: expected 0 (a loop of this block alone)"
    );
    let last = word(data, n - 3)?;
    ensure!(last & 0xFF == 0xFF, "item before the link is not LAST");
    let items = (last >> 8) & 0xFFFF;
    ensure!(
        items as usize == n - 4,
        "LAST item says {items} words of items, the block holds {}",
        n - 4
    );
    // Walk the items for the IMAGE_TYPE.
    let mut i = 1;
    let mut flags = None;
    while i < n - 3 {
        let w = word(data, i)?;
        let (ty, size) = (w & 0x7F, (w >> 8) & 0xFF);
        if ty == 0x42 {
            flags = Some(w >> 16);
        }
        if size == 0 {
            bail!("item {i} has size 0");
        }
        i += size as usize;
    }
    let Some(f) = flags else {
        bail!("no IMAGE_TYPE item: not an IMAGE_DEF")
    };
    ensure!(f & 0xF == 1, "image type {} is not EXE", f & 0xF);
    ensure!((f >> 4) & 3 == 2, "security {} is not Secure", (f >> 4) & 3);
    ensure!((f >> 8) & 7 == 0, "CPU {} is not Arm", (f >> 8) & 7);
    ensure!((f >> 12) & 7 == 1, "chip {} is not RP2350", (f >> 12) & 7);
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The catalogue check value of CRC-32/MPEG-2.
    #[test]
    fn crc32_mpeg2_check_value() {
        assert_eq!(crc32_mpeg2(b"123456789"), 0x0376_E6E7);
        assert_eq!(crc32_mpeg2(b""), 0xFFFF_FFFF);
    }

    fn bytes(words: &[u32]) -> Vec<u8> {
        words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    /// A Secure Arm RP2350 executable, written from the datasheet's field layout; every
    /// field changed on its own must be refused.
    #[test]
    fn image_def_fields_are_checked() {
        let good = [0xFFFF_DED3, 0x1021_0142, 0x0000_01FF, 0, 0xAB12_3579];
        assert_eq!(check_image_def(&bytes(&good)).unwrap(), 5);
        for (i, bad) in [
            (0, 0xFFFF_DED2), // start marker
            (4, 0xAB12_3578), // end marker
            (3, 0x10),        // link elsewhere
            (2, 0x0000_02FF), // wrong items size
            (1, 0x1011_0142), // Non-secure
            (1, 0x1121_0142), // RISC-V
            (1, 0x0021_0142), // RP2040
            (1, 0x1022_0142), // not EXE
            (1, 0x1021_0143), // not an IMAGE_TYPE item
        ] {
            let mut w = good;
            w[i] = bad;
            assert!(check_image_def(&bytes(&w)).is_err(), "word {i} = {bad:#x}");
        }
    }
}
