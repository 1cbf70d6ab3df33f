//! A minimal firmware using mcu-kernels: a softmax, an int8 softmax bit-exact with
//! TFLite-Micro, and one step of on-device learning. Runs on QEMU (`cargo run --release`) or on
//! a board with a debugger (semihosting).
#![no_std]
#![no_main]

// cortex-m provides the critical section defmt needs (feature critical-section-single-core).
use cortex_m as _;
use cortex_m_rt::entry;
use defmt_semihosting as _;
use mcu_kernels::online::{AdaGrad, LogisticRegression};
use mcu_kernels::softmax::{self, quant::SoftmaxS8Params};

#[entry]
fn main() -> ! {
    let ok = run().is_ok();
    defmt::println!(
        "{=str}",
        if ok {
            "example: all checks passed"
        } else {
            "example: FAILED"
        }
    );
    semihosting::process::exit(if ok { 0 } else { 1 })
}

fn run() -> Result<(), mcu_kernels::Error> {
    // 1. f32 softmax. On a core without an FPU (thumbv6m, thumbv7m) this runs integer-only code.
    let logits = [2.0_f32, 1.0, 0.1, -1.0];
    let mut p = [0.0_f32; 4];
    softmax::softmax(&logits, &mut p)?;
    // Printed to 5 decimals: the integer and the float forms may differ in the last bit.
    let scaled = p.map(|v| (v * 1e5 + 0.5) as u32);
    defmt::println!("softmax (x 1e5): {}", scaled);
    let sum: f32 = p.iter().sum();
    check("softmax sums to 1", (sum - 1.0).abs() <= 1e-6)?;

    // 2. int8 softmax, bit for bit what TFLite-Micro computes for this model's quantisation
    //    (input scale 0.003922, beta 1). A row of CMSIS-NN's test data and its output.
    let params = SoftmaxS8Params::from_scale(0.003922, 1.0)?;
    let input: [i8; 16] = [
        -102, -97, 84, -75, -21, 13, 94, -30, -67, 48, -92, 32, -47, 32, 31, -110,
    ];
    let expected: [i8; 16] = [
        -117, -117, -105, -116, -113, -110, -104, -113, -115, -108, -116, -109, -114, -109, -109,
        -117,
    ];
    let mut out = [0_i8; 16];
    softmax::quant::softmax_s8_tflm(&params, &input, input.len(), &mut out)?;
    defmt::println!("int8 softmax (TFLite-Micro exact): {}", out);
    check("int8 softmax equals TFLite-Micro's output", out == expected)?;

    // 3. One step of online logistic regression with AdaGrad (River's defaults).
    let mut model = LogisticRegression::<3, AdaGrad<3>>::new(AdaGrad::river());
    let x = [1.0_f32, 0.5, -0.25];
    let before = model.predict_proba(&x);
    model.learn_one(&x, true)?;
    let after = model.predict_proba(&x);
    defmt::println!(
        "online: p(y = 1) before {=u32} / 1e6, after one step {=u32} / 1e6",
        (before * 1e6 + 0.5) as u32,
        (after * 1e6 + 0.5) as u32
    );
    check("learning a positive sample raises p(y = 1)", after > before)?;
    Ok(())
}

fn check(what: &str, ok: bool) -> Result<(), mcu_kernels::Error> {
    defmt::println!("{=str}: {=str}", what, if ok { "ok" } else { "FAILED" });
    if ok {
        Ok(())
    } else {
        Err(mcu_kernels::Error::BadParameter("check failed"))
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    semihosting::process::exit(101)
}
