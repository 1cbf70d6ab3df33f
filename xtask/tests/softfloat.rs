//! The soft-float check on the real Cortex-M0 bench image: no `__aeabi_f*`/`__aeabi_d*`/
//! `__addsf3`-style routine is reachable from the integer (`nofpu`) kernels.
//!
//! It builds the bench firmware for `thumbv6m-none-eabi` (a few minutes on a cold cache) and
//! needs rustup's `llvm-tools`. Under `cargo xtask test` (`XTASK_REQUIRE_QEMU=1`) it always
//! runs; a plain `cargo test` runs it when the M0 target and llvm-objdump are installed.

use xtask::bench::cycles::llvm_tool;

#[test]
fn no_soft_float_reachable_from_the_integer_kernels_on_the_m0() {
    let required = std::env::var_os("XTASK_REQUIRE_QEMU").is_some();
    if llvm_tool("llvm-objdump").is_err() && !required {
        println!("SKIPPED: llvm-objdump not installed (rustup component add llvm-tools)");
        return;
    }
    xtask::softfloat_check::check_m0_bench().expect("soft-float check");
}
