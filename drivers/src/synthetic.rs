//! A **synthetic** ADS1115-like I2C device: no hardware, a register model in memory.
//!
//! It exists so that the demo can read "a sensor over I2C" under QEMU, which emulates no
//! I2C bus: the firmware hands this object to the real driver as its `I2c` bus. It answers
//! only at its address (otherwise a NACK, as a bus would), models the pointer, config and
//! conversion registers, finishes every conversion at once, and fills the conversion
//! register from [`SyntheticAds1115::signal`]: four deterministic channels (slow triangle
//! waves with distinct periods and offsets plus a small pseudo-random dither), so readings
//! can be checked exactly.

use embedded_hal::i2c::{ErrorKind, ErrorType, I2c, NoAcknowledgeSource, Operation};

use crate::ads1115::{OS, REG_CONFIG, REG_CONVERSION};

/// The synthetic device's state.
#[derive(Debug, Clone)]
pub struct SyntheticAds1115 {
    address: u8,
    pointer: u8,
    config: u16,
    conversion: i16,
    /// Conversions performed so far: the signal's time index.
    step: u32,
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
        let mut h = step.wrapping_mul(0x9E37_79B9) ^ (u32::from(ch) << 16);
        h ^= h >> 15;
        h = h.wrapping_mul(0x85EB_CA6B);
        h ^= h >> 13;
        let dither = (h & 127) as i32 - 64;
        (i32::from(ch & 3) * 4_000 + wave + dither) as i16
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
                self.conversion = Self::signal(ch, self.step);
                self.step = self.step.wrapping_add(1);
            }
            // The conversion finishes at once: OS reads back as 1 (idle).
            self.config = cfg | OS;
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
        for op in operations {
            match op {
                Operation::Write(bytes) => self.write_bytes(bytes),
                Operation::Read(buf) => self.read_bytes(buf),
            }
        }
        Ok(())
    }
}
