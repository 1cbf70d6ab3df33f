//! A power-fail-safe checkpoint store in NOR flash: `sequential-storage`'s map, one key, the
//! latest record wins.
//!
//! Why `sequential-storage` (8.x, by Tweede golf): it is maintained, `no_std` without
//! allocation, built on the `embedded-storage` NOR-flash traits, used in production, and made
//! for exactly this: items are appended (never rewritten in place), each with a CRC over its
//! header and its data; a torn write leaves an item whose CRC fails and which is ignored, so a
//! fetch returns the last complete item; pages are used cyclically (wear levelling: each page
//! is erased once per trip around the range) and a page left half erased or half written by
//! a power cut is repaired on the next operation. Its in-flash format is versioned by its
//! major version. (`ekv` is the other candidate; it is a larger database with a
//! transaction log, more than one record needs.)
//!
//! The map's API is `async` over `embedded-storage-async`; flash never pends, so the store
//! drives each future with [`block_on`] (a poll loop with a no-op waker). A blocking flash
//! driver (a HAL's NVMC) is wrapped in [`BlockingAsync`].
//!
//! The store keeps whatever bytes the caller gives it (a concatenation of
//! `mcu_kernels::online::checkpoint` encodings, each with its own CRC and header); the
//! caller sizes the scratch buffer: the record length rounded up to the flash word plus
//! [`SCRATCH_OVERHEAD`].
//!
//! # Example
//!
//! ```
//! use drivers::checkpoint_store::CheckpointStore;
//! use drivers::flash_model::{RamFlash, PAGE};
//!
//! let mut flash = RamFlash::<4>::new();
//! let mut scratch = [0u8; 64];
//! let mut store = CheckpointStore::new(&mut flash, 0..4 * PAGE as u32).unwrap();
//! assert_eq!(store.load(&mut scratch).unwrap(), None);
//! store.save(b"first record", &mut scratch).unwrap();
//! store.save(b"second", &mut scratch).unwrap();
//! drop(store);
//! // A "reset": a new store over the same flash finds the latest record.
//! let mut store = CheckpointStore::new(&mut flash, 0..4 * PAGE as u32).unwrap();
//! assert_eq!(store.load(&mut scratch).unwrap(), Some(&b"second"[..]));
//! ```

use core::future::Future;
use core::ops::Range;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use embedded_storage_async::nor_flash::{MultiwriteNorFlash, NorFlash};
use sequential_storage::cache::{Cache, Uncached};
use sequential_storage::map::{MapConfig, MapConfigError, MapStorage};

pub use sequential_storage::Error as StoreError;

/// The map key of the one record.
const KEY: u8 = 0;

/// Scratch bytes needed beyond the record: the key (1 byte) rounded up to a 32-byte word
/// (the largest flash word `sequential-storage` supports).
pub const SCRATCH_OVERHEAD: usize = 32;

/// Run a future that never pends (flash operations) to completion.
///
/// It polls with a no-op waker; a future that returns `Pending` is polled again at once (a
/// busy loop, never a hang for flash, whose futures complete on their first poll).
///
/// ```
/// assert_eq!(drivers::checkpoint_store::block_on(async { 6 * 7 }), 42);
/// ```
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// The store: a `sequential-storage` map over `flash_range` with one key.
pub struct CheckpointStore<F: MultiwriteNorFlash> {
    map: MapStorage<u8, F, Cache<Uncached, Uncached, Uncached, u8>>,
}

impl<F: MultiwriteNorFlash> CheckpointStore<F> {
    /// A store over `flash_range` (whole erase pages, at least two). Building it touches no
    /// flash: after a reset, build a new one over the same range.
    ///
    /// # Errors
    /// The map's configuration error (range not page aligned, fewer than two pages, …).
    pub fn new(flash: F, flash_range: Range<u32>) -> Result<Self, MapConfigError> {
        let config = MapConfig::try_new(flash_range)?;
        Ok(CheckpointStore {
            map: MapStorage::new(flash, config, Cache::new_uncached()),
        })
    }
    /// Append `record` as the newest checkpoint. When this returns `Ok`, the record is in
    /// flash; if the power is cut before, the previous record is what [`Self::load`] finds.
    ///
    /// # Errors
    /// The flash's error, or the map's (record too big for a page, scratch too small, …).
    ///
    /// Stack (bytes, `cargo xtask bench`): M0 1272 · M3 1224 · M4F/M7/M33/M55 1228.
    /// <!-- stack: checkpoint_store::save[record] -->
    pub fn save(&mut self, record: &[u8], scratch: &mut [u8]) -> Result<(), StoreError<F::Error>> {
        block_on(self.map.store_item(scratch, &KEY, &record))
    }
    /// The newest complete record, if any (it lives in `scratch`).
    ///
    /// # Errors
    /// The flash's error or the map's.
    ///
    /// Stack (bytes, `cargo xtask bench`): M0 740 · M3/M4F/M7/M33/M55 680.
    /// <!-- stack: checkpoint_store::load[record] -->
    pub fn load<'d>(
        &mut self,
        scratch: &'d mut [u8],
    ) -> Result<Option<&'d [u8]>, StoreError<F::Error>> {
        block_on(self.map.fetch_item::<&[u8]>(scratch, &KEY))
    }
    /// Erase the whole range (forget every record).
    ///
    /// # Errors
    /// The flash's error.
    pub fn erase_all(&mut self) -> Result<(), StoreError<F::Error>> {
        block_on(self.map.erase_all())
    }
    /// The flash back (the store's state is all in flash).
    pub fn into_flash(self) -> F {
        self.map.destroy().0
    }
}

/// A blocking `embedded-storage` NOR flash seen through the async traits (each call
/// completes at once), for `sequential-storage`. Same idea as `embassy-embedded-hal`'s
/// adapter of the same name, without its dependencies.
pub struct BlockingAsync<F>(pub F);

impl<F: embedded_storage::nor_flash::ErrorType> embedded_storage::nor_flash::ErrorType
    for BlockingAsync<F>
{
    type Error = F::Error;
}

impl<F: embedded_storage::nor_flash::ReadNorFlash> embedded_storage_async::nor_flash::ReadNorFlash
    for BlockingAsync<F>
{
    const READ_SIZE: usize = F::READ_SIZE;
    async fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        self.0.read(offset, bytes)
    }
    fn capacity(&self) -> usize {
        self.0.capacity()
    }
}

impl<F: embedded_storage::nor_flash::NorFlash> NorFlash for BlockingAsync<F> {
    const WRITE_SIZE: usize = F::WRITE_SIZE;
    const ERASE_SIZE: usize = F::ERASE_SIZE;
    async fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        self.0.erase(from, to)
    }
    async fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        self.0.write(offset, bytes)
    }
}

impl<F: embedded_storage::nor_flash::MultiwriteNorFlash> MultiwriteNorFlash for BlockingAsync<F> {}
