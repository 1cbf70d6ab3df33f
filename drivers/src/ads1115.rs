//! ADS1115-style 16-bit ADC over I2C: single-shot, single-ended conversions.
//!
//! Protocol (TI ADS1115 datasheet, §9.5–9.6): a 2-byte big-endian config register (pointer
//! 0x01) starts a conversion when its OS bit (15) is written as 1 and reads OS = 1 when the
//! device is idle (conversion done); the result is the 2-byte big-endian conversion register
//! (pointer 0x00). This driver programs MUX = 1xx (AINx against GND), PGA = ±4.096 V,
//! single-shot mode, 860 samples/s (conversion ≤ 1.2 ms), comparator off.
//!
//! Faults: every poll is bounded ([`MAX_POLLS`]), and a bounded [`RetryPolicy`] tries a
//! failed transaction again ([`TRANSACTION_ATTEMPTS`]) and restarts a failed conversion
//! ([`CONVERSION_ATTEMPTS`]); errors are typed by fault ([`Fault`]), and the driver counts
//! every fault it sees ([`Ads1115::faults`]).

use embedded_hal::delay::DelayNs;
use embedded_hal::i2c::{self, ErrorKind, I2c, NoAcknowledgeSource};

use crate::fault::{FaultCounts, FaultKind};

/// The default 7-bit address (ADDR pin to GND).
pub const DEFAULT_ADDRESS: u8 = 0x48;
/// Conversion register pointer.
pub const REG_CONVERSION: u8 = 0x00;
/// Config register pointer.
pub const REG_CONFIG: u8 = 0x01;
/// OS bit: write 1 to start a conversion; reads 1 when no conversion is in progress.
pub const OS: u16 = 1 << 15;
/// Config without the MUX field: PGA ±4.096 V (001), single-shot (MODE = 1), 860 SPS (111),
/// comparator disabled (COMP_QUE = 11).
pub const CONFIG_BASE: u16 = (0b001 << 9) | (1 << 8) | (0b111 << 5) | 0b11;
/// Full-scale voltage of the ±4.096 V range: one LSB is 4.096/32768 V = 125 µV.
pub const FULL_SCALE_V: f32 = 4.096;
/// Time to wait after starting a conversion (one 860 SPS conversion is ≤ 1.163 ms).
pub const CONVERSION_US: u32 = 1_200;
/// Polls of the OS bit before giving up.
pub const MAX_POLLS: u32 = 4;

/// Attempts per I2C transaction (the first try and two retries) before the conversion
/// attempt is abandoned.
pub const TRANSACTION_ATTEMPTS: u8 = 3;
/// Conversion attempts per reading (the first conversion and one restart, after a
/// transaction gave up or the OS bit never came back).
pub const CONVERSION_ATTEMPTS: u8 = 2;

/// The most I2C transactions one [`Ads1115::read_raw`] can issue with the default
/// [`RetryPolicy`]: each conversion attempt is one config write, at most [`MAX_POLLS`] polls
/// and one data read, each tried up to [`TRANSACTION_ATTEMPTS`] times. A reading is bounded
/// in bus traffic and in time whatever the bus does.
pub const MAX_TRANSACTIONS: u32 =
    CONVERSION_ATTEMPTS as u32 * TRANSACTION_ATTEMPTS as u32 * (2 + MAX_POLLS);

/// How often the driver tries again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per transaction (≥ 1; 0 is treated as 1).
    pub transaction_attempts: u8,
    /// Conversion attempts per reading (≥ 1; 0 is treated as 1).
    pub conversion_attempts: u8,
}

impl RetryPolicy {
    /// [`TRANSACTION_ATTEMPTS`] and [`CONVERSION_ATTEMPTS`].
    pub const DEFAULT: RetryPolicy = RetryPolicy {
        transaction_attempts: TRANSACTION_ATTEMPTS,
        conversion_attempts: CONVERSION_ATTEMPTS,
    };
    /// One attempt of everything: the first error is returned as it is.
    pub const NONE: RetryPolicy = RetryPolicy {
        transaction_attempts: 1,
        conversion_attempts: 1,
    };
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Which fault ended a transaction or a conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// No acknowledge of the address.
    AddressNack,
    /// No acknowledge of a data byte (or of an unknown phase).
    DataNack,
    /// Arbitration lost, a bus error, an overrun or another bus failure.
    Bus,
    /// The OS bit did not come back within [`MAX_POLLS`] waits of [`CONVERSION_US`].
    Timeout,
}

impl Fault {
    /// The fault kind counted for it.
    pub const fn kind(self) -> FaultKind {
        match self {
            Fault::AddressNack => FaultKind::AddressNack,
            Fault::DataNack => FaultKind::DataNack,
            Fault::Bus => FaultKind::Bus,
            Fault::Timeout => FaultKind::Stuck,
        }
    }

    /// The fault a bus error stands for.
    pub fn of<E: i2c::Error>(e: &E) -> Fault {
        match e.kind() {
            ErrorKind::NoAcknowledge(NoAcknowledgeSource::Address) => Fault::AddressNack,
            ErrorKind::NoAcknowledge(_) => Fault::DataNack,
            _ => Fault::Bus,
        }
    }
}

/// Driver errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error<E> {
    /// Channel outside 0..=3.
    BadChannel(u8),
    /// The device did not acknowledge its address (only with [`RetryPolicy::NONE`]).
    AddressNack(E),
    /// The device did not acknowledge a data byte (only with [`RetryPolicy::NONE`]).
    DataNack(E),
    /// Arbitration lost or another bus error (only with [`RetryPolicy::NONE`]).
    Bus(E),
    /// The conversion did not finish within [`MAX_POLLS`] waits of [`CONVERSION_US`]
    /// (only with [`RetryPolicy::NONE`]).
    Timeout,
    /// Every attempt the [`RetryPolicy`] allows failed; `last` is the fault that ended the
    /// last one.
    RetriesExhausted {
        /// The last fault seen.
        last: Fault,
    },
}

impl<E> Error<E> {
    /// The fault behind the error (`None` for [`Error::BadChannel`]).
    pub fn fault(&self) -> Option<Fault> {
        match self {
            Error::BadChannel(_) => None,
            Error::AddressNack(_) => Some(Fault::AddressNack),
            Error::DataNack(_) => Some(Fault::DataNack),
            Error::Bus(_) => Some(Fault::Bus),
            Error::Timeout => Some(Fault::Timeout),
            Error::RetriesExhausted { last } => Some(*last),
        }
    }
}

/// Why one conversion attempt ended without a code.
enum Attempt<E> {
    Bus(E),
    Timeout,
}

/// An ADS1115-style ADC on an I2C bus.
pub struct Ads1115<I2C> {
    i2c: I2C,
    address: u8,
    retry: RetryPolicy,
    faults: FaultCounts,
}

impl<I2C: I2c> Ads1115<I2C> {
    /// A driver for the device at `address` (see [`DEFAULT_ADDRESS`]), with the default
    /// [`RetryPolicy`].
    pub fn new(i2c: I2C, address: u8) -> Self {
        Self {
            i2c,
            address,
            retry: RetryPolicy::DEFAULT,
            faults: FaultCounts::new(),
        }
    }

    /// The same driver with another retry policy.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Gives the bus back.
    pub fn release(self) -> I2C {
        self.i2c
    }

    /// The bus, e.g. to drive a synthetic device's inputs between readings.
    pub fn bus_mut(&mut self) -> &mut I2C {
        &mut self.i2c
    }

    /// Every fault the driver has seen so far, retried or not: one per failed transaction
    /// ([`FaultKind::AddressNack`], [`FaultKind::DataNack`], [`FaultKind::Bus`]) and one per
    /// conversion whose OS bit never came back ([`FaultKind::Stuck`]).
    pub fn faults(&self) -> FaultCounts {
        self.faults
    }

    /// The config word that starts a single-shot conversion of AIN`channel` against GND.
    pub fn config_for(channel: u8) -> u16 {
        OS | (u16::from(0b100 | (channel & 3)) << 12) | CONFIG_BASE
    }

    /// One transaction (`write` alone, or `write` then a 2-byte read), tried up to
    /// `transaction_attempts` times; every failure is counted.
    fn transfer(&mut self, write: &[u8], read: Option<&mut [u8; 2]>) -> Result<(), I2C::Error> {
        let attempts = self.retry.transaction_attempts.max(1);
        let mut buf = [0u8; 2];
        let mut last = None;
        for _ in 0..attempts {
            let r = if read.is_some() {
                self.i2c.write_read(self.address, write, &mut buf)
            } else {
                self.i2c.write(self.address, write)
            };
            match r {
                Ok(()) => {
                    if let Some(out) = read {
                        *out = buf;
                    }
                    return Ok(());
                }
                Err(e) => {
                    self.faults.add(Fault::of(&e).kind());
                    last = Some(e);
                }
            }
        }
        match last {
            Some(e) => Err(e),
            // Unreachable: `attempts` ≥ 1 and every failed attempt stores its error.
            None => Ok(()),
        }
    }

    /// One conversion attempt: config write, bounded polls, data read.
    fn convert(
        &mut self,
        channel: u8,
        delay: &mut impl DelayNs,
    ) -> Result<i16, Attempt<I2C::Error>> {
        let [hi, lo] = Self::config_for(channel).to_be_bytes();
        self.transfer(&[REG_CONFIG, hi, lo], None)
            .map_err(Attempt::Bus)?;
        let mut done = false;
        for _ in 0..MAX_POLLS {
            delay.delay_us(CONVERSION_US);
            let mut cfg = [0u8; 2];
            self.transfer(&[REG_CONFIG], Some(&mut cfg))
                .map_err(Attempt::Bus)?;
            if u16::from_be_bytes(cfg) & OS != 0 {
                done = true;
                break;
            }
        }
        if !done {
            self.faults.add(FaultKind::Stuck);
            return Err(Attempt::Timeout);
        }
        let mut data = [0u8; 2];
        self.transfer(&[REG_CONVERSION], Some(&mut data))
            .map_err(Attempt::Bus)?;
        Ok(i16::from_be_bytes(data))
    }

    /// One single-shot conversion of AIN`channel` (0..=3), raw 16-bit two's complement code.
    ///
    /// Writes the config register, waits [`CONVERSION_US`] with `delay`, polls the OS bit
    /// (at most [`MAX_POLLS`] times), then reads the conversion register. A failed
    /// transaction is tried again up to `transaction_attempts` times in all; a conversion
    /// whose transactions gave up or whose OS bit never came back is started again, up to
    /// `conversion_attempts` conversions in all (see [`RetryPolicy`]); at most
    /// [`MAX_TRANSACTIONS`] transactions with the default policy. Every fault seen is counted
    /// in [`Self::faults`], also when a retry recovers from it.
    ///
    /// # Errors
    /// [`Error::BadChannel`]; [`Error::RetriesExhausted`] when every attempt failed; with
    /// [`RetryPolicy::NONE`] the first fault itself ([`Error::AddressNack`],
    /// [`Error::DataNack`], [`Error::Bus`], [`Error::Timeout`]).
    pub fn read_raw(
        &mut self,
        channel: u8,
        delay: &mut impl DelayNs,
    ) -> Result<i16, Error<I2C::Error>> {
        if channel > 3 {
            return Err(Error::BadChannel(channel));
        }
        let attempts = self.retry.conversion_attempts.max(1);
        let retried = attempts > 1 || self.retry.transaction_attempts > 1;
        let mut last = Fault::Timeout;
        for _ in 0..attempts {
            match self.convert(channel, delay) {
                Ok(code) => return Ok(code),
                Err(Attempt::Timeout) => {
                    if !retried {
                        return Err(Error::Timeout);
                    }
                    last = Fault::Timeout;
                }
                Err(Attempt::Bus(e)) => {
                    last = Fault::of(&e);
                    if !retried {
                        return Err(match last {
                            Fault::AddressNack => Error::AddressNack(e),
                            Fault::DataNack => Error::DataNack(e),
                            _ => Error::Bus(e),
                        });
                    }
                }
            }
        }
        Err(Error::RetriesExhausted { last })
    }

    /// [`Self::read_raw`] in volts (125 µV per LSB).
    ///
    /// # Errors
    /// As [`Self::read_raw`].
    pub fn read_volts(
        &mut self,
        channel: u8,
        delay: &mut impl DelayNs,
    ) -> Result<f32, Error<I2C::Error>> {
        Ok(code_to_volts(self.read_raw(channel, delay)?))
    }
}

/// A raw code in volts for the ±4.096 V range.
pub fn code_to_volts(code: i16) -> f32 {
    f32::from(code) * (FULL_SCALE_V / 32_768.0)
}
