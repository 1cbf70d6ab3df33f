//! Fixture for xtask's own tests (feature `overflow-on-purpose`): recurses without bound. The
//! stack guard (`firmware::stack_guard`) must end the run with a "stack overflow" message and a
//! failure exit, on every core.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::ptr::{read_volatile, write_volatile};

/// One frame: 16 words written and read back through volatile accesses, and a call that is
/// not in tail position, so the optimiser can neither drop the frame nor make this a loop.
#[inline(never)]
fn recurse(depth: u32) -> u32 {
    let mut frame = [0u32; 16];
    for (i, w) in frame.iter_mut().enumerate() {
        // SAFETY: `w` is a valid, aligned reference.
        unsafe { write_volatile(w, depth ^ i as u32) };
    }
    if black_box(depth) == u32::MAX {
        return 0;
    }
    let deeper = recurse(black_box(depth.wrapping_add(1)));
    // SAFETY: as above.
    deeper.wrapping_add(unsafe { read_volatile(&frame[(depth % 16) as usize]) })
}

#[cortex_m_rt::entry]
fn main() -> ! {
    defmt::println!(
        "fixture: recursing without bound ({=str}), stack {=u32:#010x}..{=u32:#010x}",
        firmware::TARGET,
        firmware::stack_guard::stack_bottom(),
        firmware::stack_guard::stack_top()
    );
    let r = recurse(black_box(0));
    defmt::error!(
        "fixture: the recursion returned ({=u32}): the stack guard did not fire",
        r
    );
    firmware::exit(false)
}
