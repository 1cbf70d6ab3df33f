//! A **synthetic** ADS1115-like I2C device: no hardware, a register model in memory.
//!
//! It exists so that the demo can read "a sensor over I2C" under QEMU, which emulates no
//! I2C bus: the firmware hands this object to the real driver as its `I2c` bus. It answers
//! only at its address (otherwise a NACK, as a bus would), models the pointer, config and
//! conversion registers, finishes every conversion at once, and fills the conversion
//! register from [`SyntheticAds1115::signal`]: four deterministic channels (slow triangle
//! waves with distinct periods and offsets plus a small pseudo-random dither), so readings
//! can be checked exactly.
//!
//! **Inputs.** [`SyntheticAds1115::set_input`] replaces a channel's generator by a code the
//! application chooses (a plant's state, as an analog front end would present it), plus the
//! same small dither, so a control loop can measure its plant through the I2C driver.
//!
//! **Fault injection.** A [`FaultSchedule`] (default: [`FaultSchedule::clean`], no fault, so
//! readings do not change) lists up to [`MAX_EVENTS`] events, each a [`FaultKind`] that
//! starts at a conversion index and lasts `len` units. The device injects them in order and
//! counts each injected fault by kind ([`SyntheticAds1115::injected`]) in the same units as
//! the application counts them (see [`FaultKind`]): a failed transaction, a stuck
//! conversion, a saturated or spiked reading, a frozen episode. Schedules are drawn from a
//! seed by a small PRNG ([`SplitMix32`]): deterministic, no heap.

use embedded_hal::i2c::{ErrorKind, ErrorType, I2c, NoAcknowledgeSource, Operation};

use crate::ads1115::{OS, REG_CONFIG, REG_CONVERSION};
use crate::fault::{FaultCounts, FaultKind};

/// The most events a [`FaultSchedule`] holds.
pub const MAX_EVENTS: usize = 16;
/// Size of an injected spike, in LSB (1.5 V), towards the other side of zero so that it never
/// saturates.
pub const SPIKE_LSB: i16 = 12_000;
/// The saturated code injected (with the sign of the true reading).
pub const SATURATED: i16 = 32_767;
/// Events of a seeded schedule: how many.
pub const SEEDED_EVENTS: usize = 7;
/// First conversion index of a seeded schedule's window.
pub const SEEDED_FIRST: u32 = 8;
/// Conversions between the starts of two events of a seeded schedule (before jitter).
pub const SEEDED_SPACING: u32 = 32;
/// Jitter added to each start: 0..SEEDED_JITTER conversions.
pub const SEEDED_JITTER: u32 = 6;
/// Frozen episodes last `FROZEN_MIN..=FROZEN_MAX` readings of their channel.
pub const FROZEN_MIN: u16 = 6;
/// See [`FROZEN_MIN`].
pub const FROZEN_MAX: u16 = 8;

/// A 32-bit SplitMix-style generator: the schedules' only randomness.
#[derive(Debug, Clone)]
pub struct SplitMix32(u32);

impl SplitMix32 {
    /// A generator from `seed`.
    pub const fn new(seed: u32) -> Self {
        SplitMix32(seed)
    }

    /// The next 32-bit value.
    pub fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9);
        let mut z = self.0;
        z = (z ^ (z >> 16)).wrapping_mul(0x85EB_CA6B);
        z = (z ^ (z >> 13)).wrapping_mul(0xC2B2_AE35);
        z ^ (z >> 16)
    }

    /// A value in `0..n` (0 when `n` = 0), by multiply-shift.
    pub fn below(&mut self, n: u32) -> u32 {
        ((u64::from(self.next_u32()) * u64::from(n)) >> 32) as u32
    }
}

/// One injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// The conversion index (the device's [`SyntheticAds1115::conversions`]) at or after
    /// which the event starts (and not before the previous event has ended).
    pub at: u32,
    /// What is injected.
    pub kind: FaultKind,
    /// How long: failed transactions (NACKs, bus), stuck conversions, saturated readings,
    /// spiked readings (always 1) or frozen readings of the channel (an episode).
    pub len: u16,
}

/// A list of events, in order of `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultSchedule {
    events: [Event; MAX_EVENTS],
    n: usize,
}

impl Default for FaultSchedule {
    fn default() -> Self {
        Self::clean()
    }
}

impl FaultSchedule {
    /// No fault at all (the default).
    pub const fn clean() -> Self {
        FaultSchedule {
            events: [Event {
                at: 0,
                kind: FaultKind::Spike,
                len: 0,
            }; MAX_EVENTS],
            n: 0,
        }
    }

    /// A schedule of the given events (the first [`MAX_EVENTS`]).
    pub fn from_events(events: &[Event]) -> Self {
        let mut s = Self::clean();
        for e in events.iter().take(MAX_EVENTS) {
            s.push(*e);
        }
        s
    }

    fn push(&mut self, e: Event) {
        if let Some(slot) = self.events.get_mut(self.n) {
            *slot = e;
            self.n += 1;
        }
    }

    /// [`SEEDED_EVENTS`] events drawn from `seed`: event i starts at conversion
    /// `SEEDED_FIRST + i·SEEDED_SPACING + j`, j in `0..SEEDED_JITTER`; its kind is
    /// `kinds[i % kinds.len()]` after a seeded shuffle of `kinds` (so each kind listed
    /// appears when there are at most [`SEEDED_EVENTS`]); its length is drawn per kind:
    /// NACK and bus bursts 1..=7 failed transactions (from 3 on, a conversion attempt gives
    /// up; from 6 on, a whole reading does), stuck 1..=3 conversions, saturated 1..=3
    /// readings, spike 1 reading, frozen [`FROZEN_MIN`]..=[`FROZEN_MAX`] readings.
    pub fn seeded(seed: u32, kinds: &[FaultKind]) -> Self {
        let mut rng = SplitMix32::new(seed);
        let mut order = [FaultKind::Spike; 7];
        let k = kinds.len().min(order.len());
        for (o, kind) in order.iter_mut().zip(kinds) {
            *o = *kind;
        }
        // Fisher–Yates over the first k.
        for i in (1..k).rev() {
            let j = rng.below(i as u32 + 1) as usize;
            order.swap(i, j);
        }
        let mut s = Self::clean();
        if k == 0 {
            return s;
        }
        for i in 0..SEEDED_EVENTS {
            let kind = order[i % k];
            let at = SEEDED_FIRST + i as u32 * SEEDED_SPACING + rng.below(SEEDED_JITTER);
            let len = match kind {
                FaultKind::AddressNack | FaultKind::DataNack | FaultKind::Bus => {
                    1 + rng.below(7) as u16
                }
                FaultKind::Stuck | FaultKind::Saturated => 1 + rng.below(3) as u16,
                FaultKind::Spike => 1,
                FaultKind::Frozen => {
                    FROZEN_MIN + rng.below(u32::from(FROZEN_MAX - FROZEN_MIN) + 1) as u16
                }
            };
            s.push(Event { at, kind, len });
        }
        s
    }

    /// [`SEEDED_EVENTS`] events of one kind ([`Self::seeded`] with `[kind]`).
    pub fn single(kind: FaultKind, seed: u32) -> Self {
        Self::seeded(seed, &[kind])
    }

    /// Every kind once ([`Self::seeded`] with [`FaultKind::ALL`]).
    pub fn mixed(seed: u32) -> Self {
        Self::seeded(seed, &FaultKind::ALL)
    }

    /// The events.
    pub fn events(&self) -> &[Event] {
        self.events.get(..self.n).unwrap_or(&[])
    }

    /// What the schedule injects in full, counted as the device counts (a frozen event is
    /// one episode; every other event counts `len`).
    pub fn expected(&self) -> FaultCounts {
        let mut c = FaultCounts::new();
        for e in self.events() {
            let n = if e.kind == FaultKind::Frozen {
                u16::from(e.len > 0)
            } else {
                e.len
            };
            for _ in 0..n {
                c.add(e.kind);
            }
        }
        c
    }

    /// The conversion index after which no event starts.
    pub fn last_start(&self) -> u32 {
        self.events().iter().map(|e| e.at).max().unwrap_or(0)
    }
}

/// The injector's progress through its schedule.
#[derive(Debug, Clone, Copy, Default)]
struct Active {
    /// Index of the current event.
    next: usize,
    /// Units left of the current event, once started.
    left: u16,
    started: bool,
    /// Frozen episode: channel and latched code.
    frozen: Option<(u8, i16)>,
}

/// The synthetic device's state.
#[derive(Debug, Clone)]
pub struct SyntheticAds1115 {
    address: u8,
    pointer: u8,
    config: u16,
    conversion: i16,
    /// Conversions performed so far: the signal's time index.
    step: u32,
    /// Codes set by the application per channel ([`Self::set_input`]).
    inputs: [Option<i16>; 4],
    schedule: FaultSchedule,
    active: Active,
    /// OS bit held at 0 until the next conversion start.
    stuck: bool,
    injected: FaultCounts,
}

impl SyntheticAds1115 {
    /// A device answering at `address`.
    pub fn new(address: u8) -> Self {
        Self {
            address,
            pointer: REG_CONVERSION,
            config: 0x8583, // the ADS1115 reset value
            conversion: 0,
            step: 0,
            inputs: [None; 4],
            schedule: FaultSchedule::clean(),
            active: Active {
                next: 0,
                left: 0,
                started: false,
                frozen: None,
            },
            stuck: false,
            injected: FaultCounts::new(),
        }
    }

    /// The same device, injecting `schedule`.
    #[must_use]
    pub fn with_schedule(mut self, schedule: FaultSchedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// Faults injected so far, by kind (see [`FaultSchedule::expected`] for the units).
    pub fn injected(&self) -> FaultCounts {
        self.injected
    }

    /// True once every event of the schedule has been injected in full.
    pub fn schedule_done(&self) -> bool {
        self.active.next >= self.schedule.events().len()
    }

    /// Sets channel `ch`'s input to `code` (plus the dither of [`Self::signal`]), or back to
    /// the generator with `None`.
    pub fn set_input(&mut self, ch: u8, code: Option<i16>) {
        if let Some(i) = self.inputs.get_mut(usize::from(ch & 3)) {
            *i = code;
        }
    }

    /// The current event if it applies now (started, or due: `step ≥ at`).
    fn current(&mut self) -> Option<Event> {
        let e = *self.schedule.events().get(self.active.next)?;
        if !self.active.started {
            if self.step < e.at {
                return None;
            }
            self.active.started = true;
            self.active.left = e.len;
            if e.kind == FaultKind::Frozen && e.len > 0 {
                self.injected.add(FaultKind::Frozen);
            }
        }
        if self.active.left == 0 {
            self.finish();
            return self.current();
        }
        Some(e)
    }

    /// Uses one unit of the current event.
    fn consume(&mut self) {
        self.active.left = self.active.left.saturating_sub(1);
        if self.active.left == 0 {
            self.finish();
        }
    }

    fn finish(&mut self) {
        self.active = Active {
            next: self.active.next + 1,
            left: 0,
            started: false,
            frozen: None,
        };
    }

    /// A transaction-level fault to inject now, if any.
    fn transaction_fault(&mut self) -> Option<ErrorKind> {
        let e = self.current()?;
        let err = match e.kind {
            FaultKind::AddressNack => ErrorKind::NoAcknowledge(NoAcknowledgeSource::Address),
            FaultKind::DataNack => ErrorKind::NoAcknowledge(NoAcknowledgeSource::Data),
            FaultKind::Bus => ErrorKind::ArbitrationLoss,
            _ => return None,
        };
        self.injected.add(e.kind);
        self.consume();
        Some(err)
    }

    /// The code a conversion of `ch` yields now, with any value-level fault applied.
    fn convert(&mut self, ch: u8) -> i16 {
        let truth = match self.inputs.get(usize::from(ch & 3)).copied().flatten() {
            Some(code) => code.saturating_add(Self::dither(ch, self.step) as i16),
            None => Self::signal(ch, self.step),
        };
        self.stuck = false;
        let Some(e) = self.current() else {
            return truth;
        };
        match e.kind {
            FaultKind::Stuck => {
                self.stuck = true;
                self.injected.add(e.kind);
                self.consume();
                truth
            }
            FaultKind::Saturated => {
                self.injected.add(e.kind);
                self.consume();
                if truth < 0 {
                    -SATURATED
                } else {
                    SATURATED
                }
            }
            FaultKind::Spike => {
                self.injected.add(e.kind);
                self.consume();
                if truth < 0 {
                    truth.saturating_add(SPIKE_LSB)
                } else {
                    truth.saturating_sub(SPIKE_LSB)
                }
            }
            FaultKind::Frozen => match self.active.frozen {
                None => {
                    self.active.frozen = Some((ch, truth));
                    self.consume();
                    truth
                }
                Some((fch, code)) if fch == ch => {
                    self.consume();
                    code
                }
                Some(_) => truth,
            },
            _ => truth,
        }
    }

    /// Conversions performed so far.
    pub fn conversions(&self) -> u32 {
        self.step
    }

    /// The code of channel `ch` (0..=3) at conversion number `step`: a triangle wave of
    /// period 64·(ch + 1) steps and amplitude 8,000 LSB (1 V) around ch·4,000 LSB, plus a
    /// dither in [−64, 63] LSB from a 32-bit integer hash of (ch, step).
    pub fn signal(ch: u8, step: u32) -> i16 {
        let period = 64 * (u32::from(ch & 3) + 1);
        let phase = step % period;
        let half = period / 2;
        let tri = if phase < half { phase } else { period - phase }; // 0..=half
        let wave = (tri as i32 * 16_000 / half as i32) - 8_000;
        (i32::from(ch & 3) * 4_000 + wave + Self::dither(ch, step)) as i16
    }

    /// The dither of channel `ch` at conversion `step`: [−64, 63] LSB from a 32-bit integer
    /// hash of (ch, step).
    pub fn dither(ch: u8, step: u32) -> i32 {
        let mut h = step.wrapping_mul(0x9E37_79B9) ^ (u32::from(ch) << 16);
        h ^= h >> 15;
        h = h.wrapping_mul(0x85EB_CA6B);
        h ^= h >> 13;
        (h & 127) as i32 - 64
    }

    fn write_bytes(&mut self, bytes: &[u8]) {
        let Some((&ptr, rest)) = bytes.split_first() else {
            return;
        };
        self.pointer = ptr & 3;
        if let (REG_CONFIG, [hi, lo, ..]) = (self.pointer, rest) {
            let cfg = u16::from_be_bytes([*hi, *lo]);
            if cfg & OS != 0 {
                // MUX = 1xx selects AINx against GND; other MUX codes read channel 0 here.
                let mux = (cfg >> 12) & 0b111;
                let ch = if mux & 0b100 != 0 { (mux & 3) as u8 } else { 0 };
                self.conversion = self.convert(ch);
                self.step = self.step.wrapping_add(1);
            }
            // The conversion finishes at once: OS reads back as 1 (idle), unless it is stuck.
            self.config = if self.stuck { cfg & !OS } else { cfg | OS };
        }
    }

    fn read_bytes(&self, buf: &mut [u8]) {
        let reg = match self.pointer {
            REG_CONFIG => self.config.to_be_bytes(),
            REG_CONVERSION => self.conversion.to_be_bytes(),
            _ => [0, 0], // threshold registers: not modelled
        };
        for (i, b) in buf.iter_mut().enumerate() {
            *b = reg.get(i % 2).copied().unwrap_or(0);
        }
    }
}

impl ErrorType for SyntheticAds1115 {
    type Error = ErrorKind;
}

impl I2c for SyntheticAds1115 {
    fn transaction(
        &mut self,
        address: u8,
        operations: &mut [Operation<'_>],
    ) -> Result<(), Self::Error> {
        if address != self.address {
            return Err(ErrorKind::NoAcknowledge(NoAcknowledgeSource::Address));
        }
        if let Some(e) = self.transaction_fault() {
            return Err(e);
        }
        for op in operations {
            match op {
                Operation::Write(bytes) => self.write_bytes(bytes),
                Operation::Read(buf) => self.read_bytes(buf),
            }
        }
        Ok(())
    }
}
