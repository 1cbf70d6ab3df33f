//! A plausibility check of one channel's readings: the faults a driver cannot see as errors.
//!
//! A reading that arrived without a bus error can still be wrong. Per channel, once per frame,
//! [`Plausibility::check`] applies three rules, in this order (parameters in [`Limits`]):
//!
//! 1. **Range**: `|code| > range` is flagged [`Flag::OutOfRange`] (counted as
//!    [`FaultKind::Saturated`]): a saturated ADC reads ±32,767; the default `range` is
//!    30,000 LSB (3.75 V), above anything the sensor should present.
//! 2. **Frozen value**: the same code `frozen_frames` frames in a row (default 4) is flagged
//!    [`Flag::Frozen`] from that frame on until the code changes (counted once per episode as
//!    [`FaultKind::Frozen`]). A live signal with even ±1 LSB of noise repeats a code 4 times
//!    in a row with odds below 10⁻⁶ (128 dither levels); the first `frozen_frames − 1` frames
//!    of a freeze are accepted (they cannot be told from a signal at rest).
//! 3. **Rate of change**: `|code − last accepted| > max_step · n`, with n the frames since the
//!    last accepted reading, is flagged [`Flag::RateOfChange`] (counted as
//!    [`FaultKind::Spike`]). A spike is compared with the last *accepted* reading, so the
//!    good reading after it passes; the allowance grows with the frames held, so a signal
//!    that moved while readings were bad is accepted again.
//!
//! The first reading is accepted if it is in range. No heap, no panic, O(1) per reading.

use crate::fault::{FaultCounts, FaultKind};

/// The parameters of the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest plausible `|code|`.
    pub range: i16,
    /// Largest plausible change per frame, in LSB.
    pub max_step: u16,
    /// Identical consecutive codes that make a frozen value (≥ 2).
    pub frozen_frames: u16,
}

impl Limits {
    /// Range 30,000 LSB (3.75 V), at most 4,000 LSB (0.5 V) per frame, frozen after 4
    /// identical frames.
    pub const DEFAULT: Limits = Limits {
        range: 30_000,
        max_step: 4_000,
        frozen_frames: 4,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Why a reading was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// `|code| > range` (a saturated reading).
    OutOfRange,
    /// The same code `frozen_frames` frames or more in a row.
    Frozen,
    /// A jump larger than the rate limit allows (a spike).
    RateOfChange,
}

impl Flag {
    /// The fault kind counted for it.
    pub const fn kind(self) -> FaultKind {
        match self {
            Flag::OutOfRange => FaultKind::Saturated,
            Flag::Frozen => FaultKind::Frozen,
            Flag::RateOfChange => FaultKind::Spike,
        }
    }
}

/// The check's state for one channel.
#[derive(Debug, Clone)]
pub struct Plausibility {
    limits: Limits,
    last_good: Option<i16>,
    /// Frames since the last accepted reading (1 on the frame after it).
    since_good: u32,
    last_raw: Option<i16>,
    repeats: u16,
    counts: FaultCounts,
}

impl Plausibility {
    /// A fresh check.
    pub const fn new(limits: Limits) -> Self {
        Plausibility {
            limits,
            last_good: None,
            since_good: 0,
            last_raw: None,
            repeats: 0,
            counts: FaultCounts::new(),
        }
    }

    /// Faults flagged so far: saturated and spiked readings, frozen episodes.
    pub fn faults(&self) -> FaultCounts {
        self.counts
    }

    /// The last accepted reading.
    pub fn last_good(&self) -> Option<i16> {
        self.last_good
    }

    /// A frame without a reading (the driver gave up): the rate allowance grows.
    pub fn missed(&mut self) {
        self.since_good = self.since_good.saturating_add(1);
    }

    /// Checks this frame's reading: `Ok(code)` if plausible, else the rule that rejected it
    /// (counted in [`Self::faults`]).
    ///
    /// # Errors
    /// [`Flag`]: the first rule the reading breaks.
    pub fn check(&mut self, code: i16) -> Result<i16, Flag> {
        self.since_good = self.since_good.saturating_add(1);
        if self.last_raw == Some(code) {
            self.repeats = self.repeats.saturating_add(1);
        } else {
            self.repeats = 1;
        }
        self.last_raw = Some(code);
        let flag = if code.unsigned_abs() > self.limits.range.unsigned_abs() {
            Some(Flag::OutOfRange)
        } else if self.repeats >= self.limits.frozen_frames.max(2) {
            Some(Flag::Frozen)
        } else {
            match self.last_good {
                Some(g) => {
                    let jump = (i32::from(code) - i32::from(g)).unsigned_abs();
                    let allowed = u32::from(self.limits.max_step).saturating_mul(self.since_good);
                    (jump > allowed).then_some(Flag::RateOfChange)
                }
                None => None,
            }
        };
        match flag {
            Some(f) => {
                // A frozen episode counts once, on the frame it is recognised.
                if f != Flag::Frozen || self.repeats == self.limits.frozen_frames.max(2) {
                    self.counts.add(f.kind());
                }
                Err(f)
            }
            None => {
                self.last_good = Some(code);
                self.since_good = 0;
                Ok(code)
            }
        }
    }
}
