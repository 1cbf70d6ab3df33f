//! Differential test of the FPU-free Mish (`mcu_kernels::mish::nofpu`) against the f64
//! reference over 1,000,000 seeded inputs: random bit patterns (every binade, subnormals,
//! the −256 and +9.5 cut-offs), uniform x in [−30, 15] (the segment table on [−20, 9.5) and
//! both sides of its ends), and the four f32 on either side of every segment boundary
//! x = −20 + k/4. Contract ≤ 4 ulp (where |f| ≥ 2^−126, else ≤ 2^−149 absolute); the design
//! bound is 0.5 + 0.61 ulp, which the test checks too.

use host::reference::mish as r;
use mcu_kernels::mish::nofpu::{mish, mish_slice};
use testvectors::Rng;

/// Error in f32 ulp at `want` (|want| ≥ 2^−126), or in units of 2^−149 below.
fn err(got: f32, want: f64) -> f64 {
    (f64::from(got) - want).abs() / r::ulp_f32(want)
}

fn check(x: f32, worst: &mut (f64, f32)) {
    let got = mish(x);
    if x.is_nan() {
        assert!(got.is_nan());
        return;
    }
    let want = r::mish(f64::from(x));
    let e = err(got, want);
    if want.abs() >= f64::from(f32::MIN_POSITIVE) {
        assert!(e <= 1.11, "mish({x:e}) = {got:e}, want {want:e}: {e} ulp");
        if e > worst.0 {
            *worst = (e, x);
        }
    } else {
        assert!(e <= 1.0, "mish({x:e}) = {got:e}, want {want:e} (subnormal)");
    }
}

#[test]
fn nofpu_mish_against_f64() {
    let mut rng = Rng::new(0x4D15_4A00_0000_0018);
    let mut worst = (0.0f64, 0.0f32);
    for i in 0..1_000_000u32 {
        let x = if i % 2 == 0 {
            f32::from_bits(rng.next_u32())
        } else {
            rng.uniform_f32(-30.0, 15.0)
        };
        check(x, &mut worst);
    }
    for k in 0..=118 {
        let b = -20.0f32 + k as f32 * 0.25;
        for d in 1..=4u32 {
            check(f32::from_bits(b.to_bits().wrapping_add(d)), &mut worst);
            check(f32::from_bits(b.to_bits().wrapping_sub(d)), &mut worst);
        }
        check(b, &mut worst);
    }
    println!("nofpu::mish: worst {:.3} ulp at x = {:e}", worst.0, worst.1);
    // The sample reaches beyond half an ulp (the table's error shows): not a vacuous bound.
    assert!(worst.0 > 0.5, "{worst:?}");
}

/// The slice form is the scalar form, element by element, on mixed blocks.
#[test]
fn nofpu_mish_slice_is_the_scalar() {
    let mut rng = Rng::new(0x4D15_4A00_0000_0019);
    let mut x = vec![0.0f32; 4096];
    for v in x.iter_mut() {
        *v = match rng.below(4) {
            0 => f32::from_bits(rng.next_u32()),
            _ => rng.uniform_f32(-25.0, 12.0),
        };
    }
    let mut y = vec![0.0f32; x.len()];
    mish_slice(&x, &mut y).unwrap();
    for (&xi, &yi) in x.iter().zip(&y) {
        let want = mish(xi);
        assert!(
            yi.to_bits() == want.to_bits() || (yi.is_nan() && want.is_nan()),
            "{xi:e}"
        );
    }
}
