//! Stack-overflow guard: an overflow ends the run with a decoded "stack overflow" message
//! instead of silently corrupting the statics.
//!
//! Every binary is linked with `flip-link` (`.cargo/config.toml`): the stack sits at the bottom
//! of RAM, below `.data`/`.bss`, and grows down towards `_stack_end` = `ORIGIN(RAM)`; the top of
//! the stack is `_stack_start`. What lies below the RAM decides how an overflow is caught:
//!
//! * ARMv6-M (Cortex-M0, QEMU `microbit` / nRF51): nothing is mapped below `0x2000_0000`, so
//!   the first store below the RAM is a bus error, taken as a HardFault. No guard to set up
//!   (the M0 has no MPU in QEMU, nor a stack-limit register).
//! * ARMv7-M (Cortex-M3/M4F/M7, QEMU `mps2-an385/386/500`, nRF52840, STM32F411): QEMU maps an
//!   "unimplemented device" (reads 0, writes ignored) at `0x0101_0000..0x2000_0000`, so an
//!   overflow would run on silently (measured without the region: the fixture's SP ran down
//!   to the SSRAM1 mirror at 0x0040_0000, over the code, until QEMU aborted with a lockup).
//!   `__pre_init` makes the 64 KiB below the stack an MPU
//!   no-access region (region 0; every other address keeps the default map, `PRIVDEFENA`): the
//!   first access there is a MemManage fault (escalated to HardFault). The region's base must be
//!   64 KiB-aligned: `ORIGIN(RAM)` is `0x2000_0000` on every ARMv7-M layout.
//! * ARMv8-M Mainline (Cortex-M33/M55, QEMU `mps2-an505`, `mps3-an547`, RP2350):
//!   `__pre_init` sets `MSPLIM` to `_stack_end`; any instruction that would move SP below it
//!   raises a UsageFault (STKOF, escalated to HardFault), whatever lies below. (QEMU maps
//!   nothing below the RAM on these two machines either, so flip-link alone already ends in a
//!   bus fault there, measured; MSPLIM also catches a frame of any size, on any memory map.)
//! * RP2040 (Cortex-M0+, real board only): no guard is set up (its optional MPU is not used);
//!   what an access below its RAM does is not checked here.
//!
//! When the fault is taken, SP is already at (or below) the bottom of the stack: the exception
//! frame could not be stacked and the first `push` of a Rust handler would fault again and lock
//! the core up. So `HardFault` is an assembly trampoline that uses no stack: when SP is within
//! [`FAULT_HEADROOM`] bytes of the bottom (or below it), it moves SP to the top of the stack
//! (`_stack_start`; the program is dying, so the frames there are not needed: no RAM is
//! reserved for a fault stack) and then calls `hard_fault`, which decides from the fault status
//! registers and SP whether this was an overflow and reports it, or reports an ordinary
//! HardFault (including the one panic-probe raises after a panic) as before.

/// Bytes of stack the fault handler may need (defmt + semihosting); with less than this left
/// below SP at the fault, the handler runs on the top of the stack instead.
pub const FAULT_HEADROOM: u32 = 1024;

/// Size of the MPU no-access region below the stack (ARMv7-M): a power of two, and the base
/// (`_stack_end - MPU_GUARD_BYTES`) must be a multiple of it. Larger than any stack frame of the
/// firmware, so that a frame cannot step over it into the memory below.
pub const MPU_GUARD_BYTES: u32 = 64 * 1024;

extern "C" {
    static _stack_start: u32;
    static _stack_end: u32;
}

/// Lowest address of the stack (flip-link: `ORIGIN(RAM)`).
pub fn stack_bottom() -> u32 {
    core::ptr::addr_of!(_stack_end) as u32
}

/// Initial SP, one past the highest address of the stack.
pub fn stack_top() -> u32 {
    core::ptr::addr_of!(_stack_start) as u32
}

// The guard is set up in cortex-m-rt's `__pre_init` hook: from `Reset`, before `.bss`/`.data`
// are initialised and before `main`, for every binary. Assembly, because no Rust may run before
// the RAM is initialised.
#[cfg(stack_guard_mpu)]
core::arch::global_asm!(
    ".section .text.__pre_init,\"ax\",%progbits",
    ".global __pre_init",
    ".type __pre_init,%function",
    ".thumb_func",
    "__pre_init:",
    // MPU_RBAR (0xE000_ED9C): base | VALID | region 0.
    "ldr r0, =0xE000ED9C",
    "ldr r1, =(_stack_end - {guard}) + 0x10",
    "str r1, [r0]",
    // MPU_RASR: XN, AP = 0b000 (no access), SIZE = log2(guard) - 1, ENABLE.
    "ldr r1, ={rasr}",
    "str r1, [r0, #4]",
    // MPU_CTRL (0xE000_ED94): ENABLE | PRIVDEFENA (the default map everywhere else).
    "movs r1, #5",
    "str r1, [r0, #-8]",
    "dsb",
    "isb",
    "bx lr",
    ".ltorg",
    ".size __pre_init, . - __pre_init",
    guard = const MPU_GUARD_BYTES,
    rasr = const (1u32 << 28) | ((MPU_GUARD_BYTES.trailing_zeros() - 1) << 1) | 1,
);

#[cfg(stack_guard_msplim)]
core::arch::global_asm!(
    ".section .text.__pre_init,\"ax\",%progbits",
    ".global __pre_init",
    ".type __pre_init,%function",
    ".thumb_func",
    "__pre_init:",
    "ldr r0, =_stack_end",
    "msr MSPLIM, r0",
    "bx lr",
    ".ltorg",
    ".size __pre_init, . - __pre_init",
);

// The HardFault vector (overrides cortex-m-rt's default). ARMv6-M instructions only, so it is
// the same code on every core; it touches no stack.
core::arch::global_asm!(
    ".section .HardFault.stack_guard,\"ax\",%progbits",
    ".global HardFault",
    ".type HardFault,%function",
    ".thumb_func",
    "HardFault:",
    "mrs r0, msp",
    "ldr r1, =_stack_end + {headroom}",
    "cmp r0, r1",
    "bhs 1f",
    "ldr r1, =_stack_start",
    "msr msp, r1",
    "1:",
    "ldr r1, ={handler}",
    "bx r1",
    ".ltorg",
    ".size HardFault, . - HardFault",
    headroom = const FAULT_HEADROOM,
    handler = sym hard_fault,
);

/// The core, from CPUID's part number.
fn core_name() -> &'static str {
    // SAFETY: CPUID is a read-only register present on every Cortex-M.
    let cpuid = unsafe { (*cortex_m::peripheral::CPUID::PTR).base.read() };
    match (cpuid >> 4) & 0xfff {
        0xc20 => "Cortex-M0",
        0xc60 => "Cortex-M0+",
        0xc23 => "Cortex-M3",
        0xc24 => "Cortex-M4",
        0xc27 => "Cortex-M7",
        0xd21 => "Cortex-M33",
        0xd22 => "Cortex-M55",
        _ => "Cortex-M (unknown part)",
    }
}

/// Which guard caught an overflow, and the faulting address if the core recorded one;
/// `None` if this HardFault is not a stack overflow. `sp` is MSP at the fault.
fn overflow_cause(sp: u32) -> Option<(&'static str, Option<u32>)> {
    let bottom = stack_bottom();
    #[cfg(not(armv6m))]
    {
        // SAFETY: reads of the System Control Block's fault status and address registers.
        let (cfsr, mmfar, bfar) = unsafe {
            (
                core::ptr::read_volatile(0xE000_ED28 as *const u32),
                core::ptr::read_volatile(0xE000_ED34 as *const u32),
                core::ptr::read_volatile(0xE000_ED38 as *const u32),
            )
        };
        let below = |a: u32| a < bottom && a >= bottom.wrapping_sub(MPU_GUARD_BYTES);
        // UFSR.STKOF (ARMv8-M): a stack-limit violation.
        if cfsr & (1 << 20) != 0 {
            return Some(("the MSPLIM stack-limit register", None));
        }
        // MMFSR: MSTKERR (stacking), or DACCVIOL with MMFAR valid, below the stack.
        let mmfar_valid = cfsr & (1 << 7) != 0;
        if cfsr & (1 << 4) != 0 || (cfsr & (1 << 1) != 0 && mmfar_valid && below(mmfar)) {
            return Some((
                "the MPU no-access region below the stack",
                mmfar_valid.then_some(mmfar),
            ));
        }
        // BFSR: STKERR (stacking), or a precise bus error below the stack.
        let bfar_valid = cfsr & (1 << 15) != 0;
        if cfsr & (1 << 12) != 0 || (cfsr & (1 << 9) != 0 && bfar_valid && below(bfar)) {
            return Some((
                "a bus fault: no memory below the RAM",
                bfar_valid.then_some(bfar),
            ));
        }
    }
    // ARMv6-M has no fault status registers: SP below the stack is the evidence.
    (sp < bottom).then_some(("a bus fault: no memory below the RAM", None))
}

/// The Rust half of the HardFault handler; `sp` is MSP at the fault (the exception frame, if
/// it could be stacked). Runs on a stack with at least [`FAULT_HEADROOM`] bytes free.
extern "C" fn hard_fault(sp: u32) -> ! {
    if let Some((guard, address)) = overflow_cause(sp) {
        let (core, target, bottom, top) = (core_name(), crate::TARGET, stack_bottom(), stack_top());
        match address {
            Some(a) => defmt::error!(
                "stack overflow on {=str} ({=str}): sp={=u32:#010x}, fault address {=u32:#010x}, caught by {=str}; stack {=u32:#010x}..{=u32:#010x}",
                core, target, sp, a, guard, bottom, top
            ),
            None => defmt::error!(
                "stack overflow on {=str} ({=str}): sp={=u32:#010x}, caught by {=str}; stack {=u32:#010x}..{=u32:#010x}",
                core, target, sp, guard, bottom, top
            ),
        }
        crate::exit(false)
    }
    // SAFETY: not an overflow, so the exception frame was stacked at `sp`.
    let frame = unsafe { &*(sp as *const cortex_m_rt::ExceptionFrame) };
    defmt::error!(
        "HardFault: pc={=u32:#010x} lr={=u32:#010x}",
        frame.pc(),
        frame.lr()
    );
    crate::exit(false)
}
