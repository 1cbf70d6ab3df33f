//! A RAM-backed NOR-flash model that can cut the power after any word written or erased.
//!
//! It stands in for a microcontroller's flash where there is none (QEMU, host tests) and
//! enforces what NOR flash allows:
//!
//! * [`WORD`] = 4-byte words: writes start on a word boundary and cover whole words (the
//!   nRF52840's NVMC writes 32-bit words); reads may be any length at any offset.
//! * [`PAGE`] = 1 KiB erase pages: an erase covers whole pages and sets every byte to 0xFF.
//! * A write only clears bits (new = old AND data), and each word may be written at most
//!   [`MAX_WRITES`] = 2 times between erases (the nRF52840's n_WRITE); a third write is an
//!   error ([`FlashModelError::WriteCount`]).
//!
//! Power cuts: [`RamFlash::cut_after`]`(n)` lets `n` more word steps complete (a step is one
//! word written or one word erased; an erase of a page is [`PAGE`]/[`WORD`] steps, word by
//! word from the page start), then cuts the power at the next step: that step and every
//! later word of the operation stay as they were (with [`RamFlash::torn_word`] the cut word
//! itself is left half done: its first two bytes written or erased, the rest not), the
//! operation returns [`FlashModelError::PowerCut`], and so does every later operation until
//! [`RamFlash::power_on`] (the "reset": the contents are kept, the store above is rebuilt).
//! [`RamFlash::steps`] counts the steps done, so a test can sweep every cut point of an
//! operation.
//!
//! It implements both the blocking [`embedded_storage::nor_flash`] traits and the async
//! [`embedded_storage_async::nor_flash`] ones (which `sequential-storage` uses; they never
//! pend), and `MultiwriteNorFlash` for both.
//!
//! RAM: `PAGES`·1 KiB for the contents plus `PAGES`·256 bytes of write counts.
//!
//! # Example
//!
//! ```
//! use drivers::flash_model::{FlashModelError, RamFlash};
//! use embedded_storage::nor_flash::{NorFlash, ReadNorFlash};
//!
//! let mut f = RamFlash::<2>::new();
//! f.write(0, &[0x0F, 0xF0, 0xFF, 0x00])?;
//! // Writes only clear bits.
//! f.write(0, &[0xFF, 0x0F, 0x0F, 0xFF])?;
//! let mut b = [0u8; 4];
//! f.read(0, &mut b)?;
//! assert_eq!(b, [0x0F, 0x00, 0x0F, 0x00]);
//! // A third write of the same word is refused, an unaligned one too.
//! assert_eq!(f.write(0, &[0; 4]), Err(FlashModelError::WriteCount));
//! assert_eq!(f.write(2, &[0; 4]), Err(FlashModelError::NotAligned));
//! // Cut the power after one more word: a two-word write leaves its second word unwritten.
//! f.cut_after(1);
//! assert_eq!(f.write(8, &[0; 8]), Err(FlashModelError::PowerCut));
//! f.power_on();
//! let mut b = [0u8; 8];
//! f.read(8, &mut b)?;
//! assert_eq!(b, [0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
//! # Ok::<(), FlashModelError>(())
//! ```

use embedded_storage::nor_flash::{
    ErrorType, MultiwriteNorFlash, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash,
};

/// Bytes per word (the write unit).
pub const WORD: usize = 4;
/// Bytes per erase page.
pub const PAGE: usize = 1024;
/// Writes allowed per word between erases.
pub const MAX_WRITES: u8 = 2;

const WORDS_PER_PAGE: usize = PAGE / WORD;

/// What the flash model refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlashModelError {
    /// An address range outside the flash.
    OutOfBounds,
    /// A write not on word boundaries, or an erase not on page boundaries.
    NotAligned,
    /// The power was cut during this operation or before it (until [`RamFlash::power_on`]).
    PowerCut,
    /// A word written more than [`MAX_WRITES`] times since its page was erased.
    WriteCount,
}

impl NorFlashError for FlashModelError {
    fn kind(&self) -> NorFlashErrorKind {
        match self {
            FlashModelError::OutOfBounds => NorFlashErrorKind::OutOfBounds,
            FlashModelError::NotAligned => NorFlashErrorKind::NotAligned,
            FlashModelError::PowerCut | FlashModelError::WriteCount => NorFlashErrorKind::Other,
        }
    }
}

/// `PAGES` pages of RAM-backed NOR flash with a power-cut switch (see the module's docs).
#[derive(Clone)]
pub struct RamFlash<const PAGES: usize> {
    mem: [[u8; PAGE]; PAGES],
    writes: [[u8; WORDS_PER_PAGE]; PAGES],
    steps: u32,
    cut_at: Option<u32>,
    torn: bool,
    off: bool,
}

impl<const PAGES: usize> Default for RamFlash<PAGES> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const PAGES: usize> RamFlash<PAGES> {
    /// Capacity in bytes.
    pub const CAPACITY: usize = PAGES * PAGE;

    /// Erased flash (every byte 0xFF), power on, no cut scheduled.
    pub const fn new() -> Self {
        RamFlash {
            mem: [[0xFF; PAGE]; PAGES],
            writes: [[0; WORDS_PER_PAGE]; PAGES],
            steps: 0,
            cut_at: None,
            torn: false,
            off: false,
        }
    }
    /// Let `n` more word steps complete, then cut the power at the next one.
    pub fn cut_after(&mut self, n: u32) {
        self.cut_at = Some(self.steps.saturating_add(n));
    }
    /// Leave the word at the cut half done (first two bytes) instead of untouched.
    pub fn torn_word(&mut self, torn: bool) {
        self.torn = torn;
    }
    /// Become a copy of `other` (contents, write counts, step count, switches), in place:
    /// no temporary copy on the stack, unlike `clone_from`.
    pub fn copy_from(&mut self, other: &Self) {
        self.mem.copy_from_slice(&other.mem);
        self.writes.copy_from_slice(&other.writes);
        self.steps = other.steps;
        self.cut_at = other.cut_at;
        self.torn = other.torn;
        self.off = other.off;
    }
    /// Power back on after a cut (contents kept; no cut scheduled).
    pub fn power_on(&mut self) {
        self.off = false;
        self.cut_at = None;
    }
    /// Has the power been cut (and not restored)?
    pub fn is_off(&self) -> bool {
        self.off
    }
    /// Word steps done so far (words written plus words erased).
    pub fn steps(&self) -> u32 {
        self.steps
    }
    /// The raw contents of page `p` (empty if out of range).
    pub fn page(&self, p: usize) -> &[u8] {
        self.mem.get(p).map_or(&[], |m| m.as_slice())
    }

    /// Is the next step the cut? If so, switch off.
    fn cut_now(&mut self) -> bool {
        if self.cut_at == Some(self.steps) {
            self.off = true;
            self.cut_at = None;
            true
        } else {
            false
        }
    }

    /// (page, word-in-page) of a word-aligned byte address.
    fn locate(addr: usize) -> (usize, usize) {
        (addr / PAGE, (addr % PAGE) / WORD)
    }

    fn check_range(&self, offset: u32, len: usize) -> Result<(usize, usize), FlashModelError> {
        let start = offset as usize;
        let end = start.checked_add(len).ok_or(FlashModelError::OutOfBounds)?;
        if end > Self::CAPACITY {
            return Err(FlashModelError::OutOfBounds);
        }
        Ok((start, end))
    }

    fn read_bytes(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), FlashModelError> {
        if self.off {
            return Err(FlashModelError::PowerCut);
        }
        let (start, _) = self.check_range(offset, bytes.len())?;
        for (i, b) in bytes.iter_mut().enumerate() {
            let a = start + i;
            *b = self.mem[a / PAGE][a % PAGE];
        }
        Ok(())
    }

    /// One word written or erased: whether the power is cut at it, and how many of its bytes
    /// take effect (all; none on a clean cut; half on a torn one).
    fn word_step(&mut self) -> (bool, usize) {
        let cut = self.cut_now();
        let n = match (cut, self.torn) {
            (false, _) => WORD,
            (true, true) => WORD / 2,
            (true, false) => 0,
        };
        (cut, n)
    }

    fn write_words(&mut self, offset: u32, bytes: &[u8]) -> Result<(), FlashModelError> {
        if self.off {
            return Err(FlashModelError::PowerCut);
        }
        let (start, _) = self.check_range(offset, bytes.len())?;
        if !start.is_multiple_of(WORD) || !bytes.len().is_multiple_of(WORD) {
            return Err(FlashModelError::NotAligned);
        }
        for (k, chunk) in bytes.chunks_exact(WORD).enumerate() {
            let (p, w) = Self::locate(start + k * WORD);
            if self.writes[p][w] >= MAX_WRITES {
                return Err(FlashModelError::WriteCount);
            }
            let (cut, n) = self.word_step();
            for (j, &d) in chunk.iter().enumerate().take(n) {
                self.mem[p][w * WORD + j] &= d;
            }
            if cut {
                // A torn word was programmed (in part): it counts against the word's writes.
                if self.torn {
                    self.writes[p][w] += 1;
                }
                return Err(FlashModelError::PowerCut);
            }
            self.writes[p][w] += 1;
            self.steps = self.steps.wrapping_add(1);
        }
        Ok(())
    }

    fn erase_pages(&mut self, from: u32, to: u32) -> Result<(), FlashModelError> {
        if self.off {
            return Err(FlashModelError::PowerCut);
        }
        if from > to {
            return Err(FlashModelError::OutOfBounds);
        }
        let (start, end) = self.check_range(from, (to - from) as usize)?;
        if !start.is_multiple_of(PAGE) || !end.is_multiple_of(PAGE) {
            return Err(FlashModelError::NotAligned);
        }
        for p in start / PAGE..end / PAGE {
            for w in 0..WORDS_PER_PAGE {
                let (cut, n) = self.word_step();
                for b in &mut self.mem[p][w * WORD..w * WORD + n] {
                    *b = 0xFF;
                }
                if cut {
                    return Err(FlashModelError::PowerCut);
                }
                self.steps = self.steps.wrapping_add(1);
            }
            // The write counts restart once the whole page is erased.
            self.writes[p] = [0; WORDS_PER_PAGE];
        }
        Ok(())
    }
}

impl<const PAGES: usize> ErrorType for RamFlash<PAGES> {
    type Error = FlashModelError;
}

impl<const PAGES: usize> ReadNorFlash for RamFlash<PAGES> {
    const READ_SIZE: usize = 1;
    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        self.read_bytes(offset, bytes)
    }
    fn capacity(&self) -> usize {
        Self::CAPACITY
    }
}

impl<const PAGES: usize> NorFlash for RamFlash<PAGES> {
    const WRITE_SIZE: usize = WORD;
    const ERASE_SIZE: usize = PAGE;
    fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        self.erase_pages(from, to)
    }
    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        self.write_words(offset, bytes)
    }
}

impl<const PAGES: usize> MultiwriteNorFlash for RamFlash<PAGES> {}

impl<const PAGES: usize> embedded_storage_async::nor_flash::ReadNorFlash for RamFlash<PAGES> {
    const READ_SIZE: usize = 1;
    async fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        self.read_bytes(offset, bytes)
    }
    fn capacity(&self) -> usize {
        Self::CAPACITY
    }
}

impl<const PAGES: usize> embedded_storage_async::nor_flash::NorFlash for RamFlash<PAGES> {
    const WRITE_SIZE: usize = WORD;
    const ERASE_SIZE: usize = PAGE;
    async fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        self.erase_pages(from, to)
    }
    async fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        self.write_words(offset, bytes)
    }
}

impl<const PAGES: usize> embedded_storage_async::nor_flash::MultiwriteNorFlash for RamFlash<PAGES> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erase_sets_ff_and_resets_write_counts() {
        let mut f = RamFlash::<2>::new();
        f.write(PAGE as u32, &[0; 8]).unwrap();
        f.write(PAGE as u32, &[0; 8]).unwrap();
        assert_eq!(
            f.write(PAGE as u32, &[0; 4]),
            Err(FlashModelError::WriteCount)
        );
        assert_eq!(f.erase(0, 1), Err(FlashModelError::NotAligned));
        assert_eq!(
            f.erase(0, 3 * PAGE as u32),
            Err(FlashModelError::OutOfBounds)
        );
        f.erase(PAGE as u32, 2 * PAGE as u32).unwrap();
        assert!(f.page(1).iter().all(|&b| b == 0xFF));
        f.write(PAGE as u32, &[0x12; 4]).unwrap();
        assert_eq!(&f.page(1)[..4], &[0x12; 4]);
        // 4 words written (2 twice), 256 erased, 1 written.
        assert_eq!(f.steps(), 4 + 256 + 1);
    }

    #[test]
    fn torn_erase_and_torn_word() {
        let mut f = RamFlash::<1>::new();
        f.write(0, &[0; 16]).unwrap();
        f.torn_word(true);
        f.cut_after(2);
        assert_eq!(f.erase(0, PAGE as u32), Err(FlashModelError::PowerCut));
        assert!(f.is_off());
        let mut b = [0u8; 1];
        assert_eq!(f.read(0, &mut b), Err(FlashModelError::PowerCut));
        f.power_on();
        // Two words erased, the third half erased, the fourth untouched.
        assert_eq!(
            &f.page(0)[..16],
            &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0]
        );
        // The torn erase did not reset the write counts: the first word was written once.
        f.cut_after(0);
        assert_eq!(f.write(64, &[0xAB; 4]), Err(FlashModelError::PowerCut));
        f.power_on();
        assert_eq!(&f.page(0)[64..68], &[0xAB, 0xAB, 0xFF, 0xFF]);
    }

    #[test]
    fn out_of_bounds_reads_and_writes() {
        let mut f = RamFlash::<1>::new();
        let mut b = [0u8; 8];
        assert_eq!(
            f.read(PAGE as u32 - 4, &mut b),
            Err(FlashModelError::OutOfBounds)
        );
        assert_eq!(
            f.write(PAGE as u32, &[0; 4]),
            Err(FlashModelError::OutOfBounds)
        );
        assert_eq!(
            f.write(u32::MAX - 2, &[0; 4]),
            Err(FlashModelError::OutOfBounds)
        );
        assert_eq!(f.write(0, &[0; 3]), Err(FlashModelError::NotAligned));
    }
}
