//! xtask: the project's build, run, test and benchmark driver (`cargo xtask --help`).
//! A library too, so that its own tests can drive the firmware.

pub mod bench;
pub mod boards;
pub mod bootblock;
pub mod browser;
pub mod cmd;
pub mod defmt_log;
pub mod faults;
pub mod firmware;
pub mod fuzz;
pub mod ontarget;
pub mod package;
pub mod probe;
pub mod python;
pub mod qemu;
pub mod softfloat_check;
pub mod test;
pub mod tflm;
pub mod tools;
