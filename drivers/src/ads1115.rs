//! ADS1115-style 16-bit ADC over I2C: single-shot, single-ended conversions.
//!
//! Protocol (TI ADS1115 datasheet, §9.5–9.6): a 2-byte big-endian config register (pointer
//! 0x01) starts a conversion when its OS bit (15) is written as 1 and reads OS = 1 when the
//! device is idle (conversion done); the result is the 2-byte big-endian conversion register
//! (pointer 0x00). This driver programs MUX = 1xx (AINx against GND), PGA = ±4.096 V,
//! single-shot mode, 860 samples/s (conversion ≤ 1.2 ms), comparator off.

use embedded_hal::delay::DelayNs;
use embedded_hal::i2c::I2c;

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

/// Driver errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error<E> {
    /// The bus reported an error.
    Bus(E),
    /// Channel outside 0..=3.
    BadChannel(u8),
    /// The conversion did not finish within [`MAX_POLLS`] waits of [`CONVERSION_US`].
    Timeout,
}

/// An ADS1115-style ADC on an I2C bus.
pub struct Ads1115<I2C> {
    i2c: I2C,
    address: u8,
}

impl<I2C: I2c> Ads1115<I2C> {
    /// A driver for the device at `address` (see [`DEFAULT_ADDRESS`]).
    pub fn new(i2c: I2C, address: u8) -> Self {
        Self { i2c, address }
    }

    /// Gives the bus back.
    pub fn release(self) -> I2C {
        self.i2c
    }

    /// The config word that starts a single-shot conversion of AIN`channel` against GND.
    pub fn config_for(channel: u8) -> u16 {
        OS | (u16::from(0b100 | (channel & 3)) << 12) | CONFIG_BASE
    }

    /// One single-shot conversion of AIN`channel` (0..=3), raw 16-bit two's complement code.
    ///
    /// Writes the config register, waits [`CONVERSION_US`] with `delay`, polls the OS bit
    /// (at most [`MAX_POLLS`] times), then reads the conversion register.
    ///
    /// # Errors
    /// [`Error::BadChannel`], [`Error::Bus`] from the bus, [`Error::Timeout`].
    pub fn read_raw(
        &mut self,
        channel: u8,
        delay: &mut impl DelayNs,
    ) -> Result<i16, Error<I2C::Error>> {
        if channel > 3 {
            return Err(Error::BadChannel(channel));
        }
        let [hi, lo] = Self::config_for(channel).to_be_bytes();
        self.i2c
            .write(self.address, &[REG_CONFIG, hi, lo])
            .map_err(Error::Bus)?;
        let mut done = false;
        for _ in 0..MAX_POLLS {
            delay.delay_us(CONVERSION_US);
            let mut cfg = [0u8; 2];
            self.i2c
                .write_read(self.address, &[REG_CONFIG], &mut cfg)
                .map_err(Error::Bus)?;
            if u16::from_be_bytes(cfg) & OS != 0 {
                done = true;
                break;
            }
        }
        if !done {
            return Err(Error::Timeout);
        }
        let mut data = [0u8; 2];
        self.i2c
            .write_read(self.address, &[REG_CONVERSION], &mut data)
            .map_err(Error::Bus)?;
        Ok(i16::from_be_bytes(data))
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
