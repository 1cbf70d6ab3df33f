//! CRC-32/ISO-HDLC (the CRC of zlib, PNG, Ethernet and `cksum -a crc32b`), the one checksum
//! of the crate: [`crate::online::checkpoint`] seals its encodings with it.
//!
//! Parameters (Williams' model, as the CRC catalogue lists them): width 32, polynomial
//! 0x04C11DB7 (reflected: 0xEDB88320), init 0xFFFFFFFF, input and output reflected,
//! xorout 0xFFFFFFFF, check value ("123456789") 0xCBF43926.
//!
//! Algorithm: one 256-entry table lookup per byte (Sarwate), the table built at compile time
//! (1 KiB of flash, no RAM). It detects every single-bit error, every burst of up to 32 bits
//! and every odd number of bit errors in a message (Koopman; its Hamming distance is 4 up to
//! 91,607 bits, far beyond any checkpoint here).

/// The reflected polynomial.
const POLY: u32 = 0xEDB8_8320;

/// The byte table: `TABLE[i]` is the CRC register after shifting the byte `i` through.
// Evaluated at compile time: an index out of range would be a build error, not a panic.
#[allow(clippy::indexing_slicing)]
const TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// The register before any byte ([`crc32_update`]'s starting state).
pub const CRC32_INIT: u32 = 0xFFFF_FFFF;

/// Feed `bytes` into a running CRC register (start from [`CRC32_INIT`], finish with
/// [`crc32_finish`]); lets a caller checksum a message in pieces.
///
/// ```
/// use mcu_kernels::crc::{crc32, crc32_finish, crc32_update, CRC32_INIT};
///
/// let r = crc32_update(CRC32_INIT, b"1234");
/// assert_eq!(crc32_finish(crc32_update(r, b"56789")), crc32(b"123456789"));
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn crc32_update(mut reg: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        // The index is a u8, always inside the 256-entry table; `get` keeps it panic-free
        // without an `indexing_slicing` exception (the bound check folds away).
        let e = TABLE
            .get(usize::from((reg as u8) ^ b))
            .copied()
            .unwrap_or(0);
        reg = (reg >> 8) ^ e;
    }
    reg
}

/// The CRC of a finished register (xorout 0xFFFFFFFF).
///
/// ```
/// use mcu_kernels::crc::{crc32_finish, CRC32_INIT};
///
/// assert_eq!(crc32_finish(CRC32_INIT), 0); // the CRC of the empty message
/// ```
pub const fn crc32_finish(reg: u32) -> u32 {
    reg ^ 0xFFFF_FFFF
}

/// CRC-32/ISO-HDLC of `bytes`.
///
/// Cost: a load of the byte, a table load, a shift, two xors and the loop per byte; about 5
/// instructions per byte on the Cortex-M4F (the bench row
/// `online::checkpoint::save[LogisticRegression<9,Sgd>]`, encoding and CRC of 80 bytes
/// together, is 637 instructions). Stack: none beyond the registers.
///
/// ```
/// use mcu_kernels::crc::crc32;
///
/// // The catalogue's check value, and zlib's CRC of "The quick brown fox jumps over the lazy dog".
/// assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
/// assert_eq!(crc32(b"The quick brown fox jumps over the lazy dog"), 0x414F_A339);
/// assert_eq!(crc32(b""), 0);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn crc32(bytes: &[u8]) -> u32 {
    crc32_finish(crc32_update(CRC32_INIT, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The catalogue's check value and published vectors (not computed by this code).
    #[test]
    fn known_values() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b"a"), 0xE8B7_BE43);
        assert_eq!(crc32(b"abc"), 0x3524_41C2);
        assert_eq!(crc32(&[0u8; 32]), 0x190A_55AD);
        assert_eq!(crc32(&[0xFFu8; 32]), 0xFF6C_AB0B);
        assert_eq!(TABLE[1], 0x7707_3096);
        assert_eq!(TABLE[255], 0x2D02_EF8D);
    }

    /// The table-driven form against the bit-by-bit definition.
    fn bitwise(bytes: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for &b in bytes {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
            }
        }
        !c
    }

    proptest! {
        #[test]
        fn table_matches_bitwise(v in proptest::collection::vec(any::<u8>(), 0..300)) {
            prop_assert_eq!(crc32(&v), bitwise(&v));
        }

        #[test]
        fn every_single_bit_flip_changes_the_crc(v in proptest::collection::vec(any::<u8>(), 1..64)) {
            let c = crc32(&v);
            for i in 0..v.len() * 8 {
                let mut w = v.clone();
                w[i / 8] ^= 1 << (i % 8);
                prop_assert_ne!(crc32(&w), c);
            }
        }
    }
}
