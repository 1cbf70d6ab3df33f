//! [`embedded_hal::delay::DelayNs`] by busy-waiting on the core clock.
//!
//! Under QEMU instructions do not take real time, so the pacing is nominal there: the delay
//! executes the right number of loop iterations for the stated clock, and that is all.

/// A busy-wait delay for a core running at `hz`.
pub struct SpinDelay {
    hz: u32,
}

impl SpinDelay {
    /// A delay for a `hz` core clock (the mps2 FPGA images run at 25 MHz).
    pub fn new(hz: u32) -> Self {
        Self { hz }
    }
}

impl embedded_hal::delay::DelayNs for SpinDelay {
    fn delay_ns(&mut self, ns: u32) {
        let cycles = (u64::from(ns) * u64::from(self.hz) / 1_000_000_000).min(u64::from(u32::MAX));
        cortex_m::asm::delay(cycles as u32);
    }
}
