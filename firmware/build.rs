//! Chooses the linker memory layout: a board feature wins; otherwise the QEMU layout for
//! the target (16 KiB of RAM on the Cortex-M0 `microbit`, 64 KiB on the mps2 machines);
//! the two ARMv8-M machines share a target, so their layout is a feature (`layout-an505`
//! for the Cortex-M33, `layout-an547` for the Cortex-M55) that xtask sets per board.
use std::{env, fs, path::PathBuf};

fn main() {
    let target = env::var("TARGET").unwrap_or_default();
    let feature = |f: &str| env::var_os(format!("CARGO_FEATURE_{f}")).is_some();
    let layout = if feature("BOARD_NRF52840") {
        "nrf52840.x"
    } else if feature("BOARD_STM32F411") {
        "stm32f411.x"
    } else if feature("BOARD_RP2040") {
        "rp2040.x"
    } else if feature("BOARD_RP2350") {
        "rp2350.x"
    } else if feature("LAYOUT_AN505") {
        "qemu-an505.x"
    } else if feature("LAYOUT_AN547") {
        "qemu-an547.x"
    } else if target.starts_with("thumbv6m") {
        "qemu-microbit.x"
    } else {
        "qemu-mps2.x"
    };
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let src = PathBuf::from("memory").join(layout);
    fs::copy(&src, out.join("memory.x")).expect("copy memory layout");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-env=FIRMWARE_TARGET={target}");
    // The QEMU mps2 machines (every emulated core but the Cortex-M0 `microbit`) have CMSDK
    // APB UARTs; the demo writes its sensor report to UART0 there.
    println!("cargo::rustc-check-cfg=cfg(cmsdk_uart)");
    println!("cargo::rustc-check-cfg=cfg(cyccnt)");
    println!("cargo::rustc-check-cfg=cfg(uart_an505, uart_an547)");
    println!("cargo::rustc-check-cfg=cfg(armv6m, stack_guard_mpu, stack_guard_msplim)");
    // The stack guard below flip-link's stack (src/stack_guard.rs): the MPU on ARMv7-M, MSPLIM
    // on ARMv8-M Mainline; on ARMv6-M nothing (no memory below the RAM, no fault status
    // registers).
    if target.starts_with("thumbv6m") {
        println!("cargo:rustc-cfg=armv6m");
    } else if target.starts_with("thumbv7m") || target.starts_with("thumbv7em") {
        println!("cargo:rustc-cfg=stack_guard_mpu");
    } else if target.starts_with("thumbv8m.main") {
        println!("cargo:rustc-cfg=stack_guard_msplim");
    }
    // ARMv7-M and later have the DWT cycle counter; the Cortex-M0 (ARMv6-M) does not.
    if !target.starts_with("thumbv6m") {
        println!("cargo:rustc-cfg=cyccnt");
    }
    if feature("QEMU") && !target.starts_with("thumbv6m") {
        println!("cargo:rustc-cfg=cmsdk_uart");
        // The TrustZone machines put UART0 elsewhere (their Secure aliases, see uart.rs).
        if feature("LAYOUT_AN505") {
            println!("cargo:rustc-cfg=uart_an505");
        } else if feature("LAYOUT_AN547") {
            println!("cargo:rustc-cfg=uart_an547");
        }
    }
    println!("cargo:rerun-if-changed=memory");
    println!("cargo:rerun-if-changed=build.rs");
}
