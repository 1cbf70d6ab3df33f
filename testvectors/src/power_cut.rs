//! The power-cut sweep of the learner checkpoints (issue #24), run by the host tests and, as
//! the differential suite `checkpoint::power_cut_sweep`, on every QEMU core.
//!
//! The learner is the demo's: `StandardScaler<9> | LogisticRegression<9, Adam<9>>` with a
//! [`BinaryEval`], trained by progressive validation over the Phishing rows
//! ([`crate::phishing`]). Every [`ROWS_PER_CHECKPOINT`] rows its state is saved as one
//! [`RECORD`]-byte record (the row count, then the three `mcu_kernels` checkpoints) into a
//! [`CheckpointStore`] over a [`RamFlash`] of [`PAGES`] 1 KiB pages.
//!
//! [`sweep`]`(k, torn)` sweeps checkpoint `k` (after `k` earlier ones, so that the later
//! vectors cover a page filling up, the map moving to the next page and erasing the oldest):
//! for every cut point n = 0, 1, … of saving it — every word written and every word erased —
//! it restores the flash as it was before the save, cuts the power after n steps, powers on
//! ("reset": a new store over the same flash bytes; every learner object in RAM dropped),
//! and loads. The record found must be byte-identical to the previous checkpoint or to the
//! new one (none before the first), never anything else; the learner decoded from it must
//! continue [`ROWS_PER_CHECKPOINT`] rows bit-identically to the in-RAM learner it was saved
//! from (an uninterrupted run from the same checkpoint); and the store must still take a
//! save afterwards. The sweep ends at the first n at which the save completes.

use crate::phishing::{FEATURES, LABELS, ROWS};
use crate::Digest;
use drivers::checkpoint_store::CheckpointStore;
use drivers::flash_model::{RamFlash, PAGE};
use mcu_kernels::online::checkpoint::{restore, save, Checkpoint, CheckpointError};
use mcu_kernels::online::{
    progressive_binary, Adam, BinaryEval, LogisticRegression, StandardScaler,
};

/// The model.
pub type Model = LogisticRegression<9, Adam<9>>;
/// The scaler.
pub type Scaler = StandardScaler<9>;

/// Rows learned between checkpoints (M).
pub const ROWS_PER_CHECKPOINT: usize = 20;
/// Checkpoints swept (the suite has two vectors per checkpoint: clean cut, torn word).
pub const CHECKPOINTS: u32 = 8;
/// Flash pages of the model (3 KiB; the suite keeps two copies on the stack).
pub const PAGES: usize = 3;
/// Bytes of one record: the row count (u32) and the three checkpoints.
pub const RECORD: usize = 4 + Model::SIZE + Scaler::SIZE + BinaryEval::SIZE;
/// Scratch bytes the store needs for a record.
pub const SCRATCH: usize = RECORD + drivers::checkpoint_store::SCRATCH_OVERHEAD;

/// More cut points than any save of one record has (a bound on the sweep's loop).
const MAX_CUTS: u32 = 4096;

/// The flash range the store uses: all of the model.
const RANGE: core::ops::Range<u32> = 0..(PAGES * PAGE) as u32;

/// The learner whose state is checkpointed.
#[derive(Clone)]
pub struct Learner {
    /// Phishing rows learned so far.
    pub row: u32,
    /// The scaler.
    pub scaler: Scaler,
    /// The model.
    pub model: Model,
    /// The progressive-validation figures.
    pub eval: BinaryEval,
}

impl Default for Learner {
    fn default() -> Self {
        Self::new()
    }
}

impl Learner {
    /// Nothing learned.
    pub fn new() -> Self {
        Learner {
            row: 0,
            scaler: Scaler::new(),
            model: Model::new(Adam::river()),
            eval: BinaryEval::new(),
        }
    }
    /// Progressive validation over the next `n` rows (wrapping around the data set).
    pub fn learn_rows(&mut self, n: usize) {
        for _ in 0..n {
            let i = self.row as usize % ROWS;
            if let (Some(x), Some(&y)) = (FEATURES.get(i), LABELS.get(i)) {
                let _ = progressive_binary(
                    Some(&mut self.scaler),
                    &mut self.model,
                    &mut self.eval,
                    x,
                    y,
                );
            }
            self.row = self.row.wrapping_add(1);
        }
    }
    /// The record: row count, model, scaler, evaluator.
    pub fn encode(&self) -> Result<[u8; RECORD], CheckpointError> {
        let mut out = [0u8; RECORD];
        let (row, rest) = out.split_at_mut(4);
        row.copy_from_slice(&self.row.to_le_bytes());
        let (m, rest) = rest.split_at_mut(Model::SIZE);
        let (s, e) = rest.split_at_mut(Scaler::SIZE);
        save(&self.model, m)?;
        save(&self.scaler, s)?;
        save(&self.eval, e)?;
        Ok(out)
    }
    /// A learner from its record.
    pub fn decode(rec: &[u8]) -> Result<Self, CheckpointError> {
        if rec.len() != RECORD {
            return Err(CheckpointError::Length {
                expected: RECORD,
                actual: rec.len(),
            });
        }
        let (row, rest) = rec.split_at(4);
        let (m, rest) = rest.split_at(Model::SIZE);
        let (s, e) = rest.split_at(Scaler::SIZE);
        let mut w = [0u8; 4];
        w.copy_from_slice(row);
        Ok(Learner {
            row: u32::from_le_bytes(w),
            model: restore(m)?,
            scaler: restore(s)?,
            eval: restore(e)?,
        })
    }
}

/// What one sweep saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepOutcome {
    /// Cut points tried (the steps of the save, plus the final uncut save).
    pub cuts: u32,
    /// Word steps (written + erased) of the complete save.
    pub steps: u32,
    /// Loads that found the previous checkpoint.
    pub restored_prev: u32,
    /// Loads that found the new checkpoint.
    pub restored_new: u32,
    /// Loads that found nothing (only allowed before the first checkpoint).
    pub restored_none: u32,
    /// Loads that found anything else, or failed, or whose record did not decode: must be 0.
    pub corrupt: u32,
    /// Resumed learners that did not continue bit-identically: must be 0.
    pub resume_mismatch: u32,
    /// Saves after the reset that failed, or saves that reported success despite a cut:
    /// must be 0.
    pub store_errors: u32,
    /// Digest of the above and of which checkpoint each cut point restored.
    pub digest: Digest,
}

/// The record after `k` more checkpoints' worth of rows, and the flash holding the `k`
/// earlier checkpoints (`None` if a save failed).
fn prefix(k: u32, flash: &mut RamFlash<PAGES>, scratch: &mut [u8]) -> Option<Learner> {
    let mut learner = Learner::new();
    let mut store = CheckpointStore::new(flash, RANGE).ok()?;
    for _ in 0..k {
        learner.learn_rows(ROWS_PER_CHECKPOINT);
        let rec = learner.encode().ok()?;
        store.save(&rec, scratch).ok()?;
    }
    Some(learner)
}

/// Sweep every cut point of saving checkpoint `k` (see the module's docs); `torn`: the word at
/// the cut is left half written or half erased.
pub fn sweep(k: u32, torn: bool) -> SweepOutcome {
    let mut out = SweepOutcome::default();
    let mut scratch = [0u8; SCRATCH];
    let mut snapshot = RamFlash::<PAGES>::new();
    let Some(prev_learner) = prefix(k, &mut snapshot, &mut scratch) else {
        out.store_errors += 1;
        return out;
    };
    // The learners live in this block only (their stack is reused by the sweep below).
    let (prev, new, cont_prev, cont_new) = {
        let prev = if k == 0 {
            None
        } else {
            prev_learner.encode().ok()
        };
        let mut new_learner = prev_learner.clone();
        new_learner.learn_rows(ROWS_PER_CHECKPOINT);
        let Ok(new) = new_learner.encode() else {
            out.store_errors += 1;
            return out;
        };
        // The uninterrupted continuations from each checkpoint.
        let cont = |l: &Learner| {
            let mut l = l.clone();
            l.learn_rows(ROWS_PER_CHECKPOINT);
            l.encode().ok()
        };
        (prev, new, cont(&prev_learner), cont(&new_learner))
    };

    let mut flash = RamFlash::<PAGES>::new();
    let mut n = 0u32;
    loop {
        flash.copy_from(&snapshot);
        flash.torn_word(torn);
        let start = flash.steps();
        flash.cut_after(n);
        let saved = match CheckpointStore::new(&mut flash, RANGE) {
            Ok(mut store) => store.save(&new, &mut scratch).is_ok(),
            Err(_) => false,
        };
        let save_steps = flash.steps().wrapping_sub(start);
        let cut = flash.is_off();
        // A save fails exactly when the power was cut during it.
        if saved == cut {
            out.store_errors += 1;
        }
        out.cuts += 1;
        // Reset: power on, a new store over the same bytes.
        flash.power_on();
        let which = match CheckpointStore::new(&mut flash, RANGE) {
            Ok(mut store) => match store.load(&mut scratch) {
                Ok(None) if prev.is_none() => {
                    out.restored_none += 1;
                    0
                }
                Ok(Some(r)) if r == new.as_slice() => {
                    out.restored_new += 1;
                    resume_check(r, cont_new.as_ref(), &mut out);
                    2
                }
                Ok(Some(r)) if prev.as_ref().is_some_and(|p| r == p.as_slice()) => {
                    out.restored_prev += 1;
                    resume_check(r, cont_prev.as_ref(), &mut out);
                    1
                }
                _ => {
                    out.corrupt += 1;
                    3
                }
            },
            Err(_) => {
                out.corrupt += 1;
                3
            }
        };
        out.digest.word(which);
        // The store takes a save after the reset, and then holds the new record.
        let again = match CheckpointStore::new(&mut flash, RANGE) {
            Ok(mut store) => {
                store.save(&new, &mut scratch).is_ok()
                    && matches!(store.load(&mut scratch), Ok(Some(r)) if r == new.as_slice())
            }
            Err(_) => false,
        };
        if !again {
            out.store_errors += 1;
        }
        if !cut {
            out.steps = save_steps;
            break;
        }
        n += 1;
        // A save of one record takes a few hundred steps; never loop without end.
        if n > MAX_CUTS {
            out.store_errors += 1;
            break;
        }
    }
    for w in [
        out.cuts,
        out.steps,
        out.restored_prev,
        out.restored_new,
        out.restored_none,
        out.corrupt,
        out.resume_mismatch,
        out.store_errors,
    ] {
        out.digest.word(w);
    }
    if let Some(c) = &cont_new {
        for w in c.chunks_exact(4) {
            out.digest
                .word(u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
        }
    }
    out
}

/// Decode the restored record and continue it; compare with the uninterrupted continuation.
fn resume_check(rec: &[u8], want: Option<&[u8; RECORD]>, out: &mut SweepOutcome) {
    let ok = match (Learner::decode(rec), want) {
        (Ok(mut l), Some(want)) => {
            l.learn_rows(ROWS_PER_CHECKPOINT);
            l.encode().ok().as_ref() == Some(want)
        }
        _ => false,
    };
    if !ok {
        out.resume_mismatch += 1;
    }
}

/// The suite's vector `i`: checkpoint `i / 2`, torn word if `i` is odd.
pub fn suite_vector(i: u32) -> Digest {
    sweep(i / 2, i % 2 == 1).digest
}
