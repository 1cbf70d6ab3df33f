//! Platform glue shared by the firmware binaries: logging transport, exit, fault handling.
//!
//! * feature `qemu` (default): defmt over semihosting; [`exit`] ends QEMU with a
//!   semihosting exit code; a HardFault (including the one panic-probe raises after a
//!   panic) logs the faulting PC and exits with failure; a stack overflow is caught by the
//!   guard of [`stack_guard`] and reported as such.
//! * feature `hardware`: defmt over RTT; [`exit`] logs the exit frame and halts on a
//!   breakpoint, which the probe-rs host (hil-tests / xtask) reads.
//!
//! Every run ends with one `EXIT <code>` frame, on both transports, so the host can tell a
//! clean exit from a truncated log.
#![no_std]

#[cfg(all(feature = "qemu", feature = "hardware"))]
compile_error!("features `qemu` and `hardware` are mutually exclusive");
#[cfg(not(any(feature = "qemu", feature = "hardware")))]
compile_error!("enable exactly one of the features `qemu` or `hardware`");

use panic_probe as _;

#[cfg(feature = "hardware")]
use defmt_rtt as _;
#[cfg(feature = "qemu")]
use defmt_semihosting as _;

pub mod bench;
pub mod boot;
pub mod delay;
pub mod stack_guard;
#[cfg(cmsdk_uart)]
pub mod uart;

/// The Rust target this binary was built for (`thumbv7em-none-eabihf`, ...).
pub const TARGET: &str = env!("FIRMWARE_TARGET");

/// Ends the program: exit code 0 when `success`, 1 otherwise.
pub fn exit(success: bool) -> ! {
    let code: u8 = if success { 0 } else { 1 };
    defmt::println!("EXIT {=u8}", code);
    #[cfg(feature = "qemu")]
    semihosting::process::exit(i32::from(code));
    #[cfg(feature = "hardware")]
    loop {
        cortex_m::asm::bkpt();
    }
}
