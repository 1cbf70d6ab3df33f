//! UART0 of the QEMU mps2/mps3 machines (AN385/AN386/AN500 at 0x4000_4000; AN505 and AN547
//! at the addresses below): an Arm CMSDK APB UART, exposed as an [`embedded_io::Write`] sink.
//!
//! Registers (Arm CMSDK technical reference, "APB UART"): DATA (+0x00), STATE (+0x04, bit 0
//! TX buffer full), CTRL (+0x08, bit 0 TX enable), BAUDDIV (+0x10, ≥ 16). QEMU delivers the
//! bytes to its first `-serial` backend (xtask passes `-serial file:…` and prints the file).

use core::convert::Infallible;

#[cfg(not(any(uart_an505, uart_an547)))]
const BASE: usize = 0x4000_4000;
/// mps2-an505 (Cortex-M33): UART0 at 0x4020_0000, used through its Secure alias (the
/// peripheral protection controllers reset to Secure-only and the core runs Secure).
#[cfg(uart_an505)]
const BASE: usize = 0x5020_0000;
/// mps3-an547 (Cortex-M55): UART0 at 0x4930_3000, Secure alias 0x5930_3000.
#[cfg(uart_an547)]
const BASE: usize = 0x5930_3000;
const DATA: usize = BASE;
const STATE: usize = BASE + 0x04;
const CTRL: usize = BASE + 0x08;
const BAUDDIV: usize = BASE + 0x10;
const STATE_TX_FULL: u32 = 1;
const CTRL_TX_ENABLE: u32 = 1;

/// UART0, transmit only.
pub struct Uart0 {
    _private: (),
}

fn write_reg(addr: usize, value: u32) {
    // SAFETY: `addr` is one of the CMSDK UART0 registers above, a valid, aligned MMIO word on
    // the mps2 machines this module is compiled for (cfg `cmsdk_uart`, set by build.rs).
    unsafe { core::ptr::write_volatile(addr as *mut u32, value) }
}

fn read_reg(addr: usize) -> u32 {
    // SAFETY: as in `write_reg`.
    unsafe { core::ptr::read_volatile(addr as *const u32) }
}

impl Uart0 {
    /// Enables the transmitter (BAUDDIV = 16, the smallest valid divider).
    pub fn new() -> Self {
        write_reg(BAUDDIV, 16);
        write_reg(CTRL, CTRL_TX_ENABLE);
        Self { _private: () }
    }

    fn write_byte(&mut self, b: u8) {
        while read_reg(STATE) & STATE_TX_FULL != 0 {}
        write_reg(DATA, u32::from(b));
    }
}

impl Default for Uart0 {
    fn default() -> Self {
        Self::new()
    }
}

impl embedded_io::ErrorType for Uart0 {
    type Error = Infallible;
}

impl embedded_io::Write for Uart0 {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        for &b in buf {
            self.write_byte(b);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}
