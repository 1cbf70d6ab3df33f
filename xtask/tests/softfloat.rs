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
    let roots = xtask::softfloat_check::check_m0_bench().expect("soft-float check");
    // The integer Z-loss and entmax-1.5 are called by address in the bench image, so they
    // are out-of-line roots of the check (not inlined into the bench driver, which is not).
    for required in [
        "mcu_kernels::zloss::nofpu::zloss_grad",
        "mcu_kernels::sparsemax::nofpu::entmax15",
    ] {
        assert!(
            roots.iter().any(|r| r.starts_with(required)),
            "{required} is not a root of the soft-float check; roots: {roots:?}"
        );
    }
}
