//! `embedded-hal` 1.0 drivers for the firmware demo.
//!
//! * [`ads1115`]: a driver for an ADS1115-style 16-bit I2C ADC (single-shot conversions,
//!   pacing through [`embedded_hal::delay::DelayNs`]), generic over any
//!   [`embedded_hal::i2c::I2c`] bus.
//! * [`synthetic`]: a *synthetic* ADS1115-like device implementing [`embedded_hal::i2c::I2c`]
//!   itself, so that the demo has a sensor under QEMU, where no I2C bus is emulated. Its
//!   readings come from a deterministic signal generator, so the demo can check them. It
//!   injects sensor faults from a seeded [`synthetic::FaultSchedule`] and counts them.
//! * [`plausibility`]: range, rate-of-change and frozen-value checks of readings that came
//!   back without a bus error.
//! * [`fault`]: the fault kinds and per-kind counters shared by all three.
//! * [`flash_model`] and [`checkpoint_store`]: a RAM-backed NOR-flash model that can cut the
//!   power after any word, and the power-fail-safe checkpoint store over any NOR flash
//!   (`sequential-storage`'s map), for the learner checkpoints of issue #24.
//!
//! `no_std`, no heap, no `unsafe`. Host tests drive the driver against `embedded-hal-mock`
//! (exact bus transactions, error propagation) and against the synthetic device.
#![no_std]
#![forbid(unsafe_code)]

pub mod ads1115;
pub mod checkpoint_store;
pub mod fault;
pub mod flash_model;
pub mod plausibility;
pub mod synthetic;
