//! Benchmark markers and stack measurement.
//!
//! `xtask bench` runs the bench binary under QEMU with a per-instruction trace and counts
//! the instructions executed between entering [`bench_start`] and entering [`bench_end`];
//! an empty measurement gives the fixed overhead that it subtracts.
//!
//! Stack: before each measurement [`measure`] paints the unused part of the stack region
//! (from the stack's lowest address, cortex-m-rt's `_stack_end`, up to its own frame) with a
//! pattern; afterwards the lowest overwritten word gives the deepest stack the measured call
//! reached (its high-water mark). `_stack_end` is the end of `.bss` with cortex-m-rt's own
//! layout and the start of RAM with flip-link's (the stack below the statics), so the same
//! code measures both.
//!
//! On a real board (feature `hardware`, cores with a cycle counter) [`measure`] also reads the
//! DWT cycle counter around the call and logs `CYCLES <n>`, which `cargo xtask bench --chip`
//! reports instead of instructions (QEMU does not emulate CYCCNT: it reads 0 there).

use core::ptr::{addr_of, addr_of_mut, read_volatile, write_volatile};

/// Written by the markers. The writes are volatile so that the optimiser can neither
/// drop the marker calls nor merge the two markers.
static mut MARK: u32 = 0;

const PAINT: u32 = 0xA5C3_5A3C;
/// Bytes left unpainted just below `measure`'s frame (its own calls to the markers).
const GUARD: usize = 0;

extern "C" {
    /// The lowest address the stack may reach (cortex-m-rt's linker script; flip-link
    /// rewrites it to the start of RAM when it moves the stack below the statics).
    static _stack_end: u32;
}

/// Marks the start of a measured region. Its body differs from [`bench_end`]'s so the
/// linker cannot fold the two into one symbol.
#[inline(never)]
#[no_mangle]
pub extern "C" fn bench_start() {
    // SAFETY: a single-threaded volatile write of a plain static.
    unsafe { write_volatile(addr_of_mut!(MARK), 0x5157_A127) };
}

/// Marks the end of a measured region.
#[inline(never)]
#[no_mangle]
pub extern "C" fn bench_end() {
    // SAFETY: as in `bench_start`.
    unsafe { write_volatile(addr_of_mut!(MARK), 0x0000_E4D0) };
}

fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads the stack pointer register; no memory access.
    unsafe {
        core::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags))
    };
    sp
}

/// Runs `f` once between the markers; returns the bytes of stack it used below this
/// function's frame (including the call into `f`).
#[inline(never)]
pub fn measure(f: &mut dyn FnMut()) -> u32 {
    let sp = stack_pointer();
    let stack_end = addr_of!(_stack_end) as usize;
    let top = sp.saturating_sub(GUARD);
    // Never above `top`: an empty range paints nothing and measures 0.
    let bottom = ((stack_end + 3) & !3).min(top);
    // SAFETY: [bottom, top) is the unused part of the stack region, below the live stack; no
    // interrupt handler runs (none is enabled), so nothing else uses it.
    unsafe {
        let mut a = bottom;
        while a < top {
            write_volatile(a as *mut u32, PAINT);
            a += 4;
        }
    }
    #[cfg(all(feature = "hardware", cyccnt))]
    let start = cycle_counter_start();
    bench_start();
    f();
    bench_end();
    #[cfg(all(feature = "hardware", cyccnt))]
    defmt::println!(
        "CYCLES {=u32}",
        cortex_m::peripheral::DWT::cycle_count().wrapping_sub(start)
    );
    // SAFETY: as above, reading back the same words.
    let mut a = bottom;
    unsafe {
        while a < top && read_volatile(a as *const u32) == PAINT {
            a += 4;
        }
    }
    sp.saturating_sub(a) as u32
}

/// Enables the DWT cycle counter (idempotent) and returns its current value.
#[cfg(all(feature = "hardware", cyccnt))]
fn cycle_counter_start() -> u32 {
    // SAFETY: single-threaded bench firmware; the DCB and DWT are touched only here.
    let mut cp = unsafe { cortex_m::Peripherals::steal() };
    cp.DCB.enable_trace();
    cp.DWT.enable_cycle_counter();
    cortex_m::peripheral::DWT::cycle_count()
}
