//! Puts the memory layout of the target's board where the linker looks for `memory.x`.
use std::{env, fs, path::PathBuf};

fn main() {
    let target = env::var("TARGET").unwrap_or_default();
    // thumbv6m: the micro:bit (16 KiB RAM); otherwise QEMU's MPS2 boards.
    let layout = if target.starts_with("thumbv6m") {
        "memory-microbit.x"
    } else {
        "memory-mps2.x"
    };
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::copy(layout, out.join("memory.x")).unwrap();
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed={layout}");
}
