//! f64 references, one module per module of `mcu_kernels`: replace `mcu_kernels::` by
//! `host::reference::` in a kernel's path to find its reference.

pub mod lipschitz;
pub mod math;
pub mod mish;
pub mod online;
pub mod softmax;
pub mod sparsemax;
pub mod zloss;
