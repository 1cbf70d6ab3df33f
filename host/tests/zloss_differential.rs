//! Differential tests: `mcu_kernels::zloss` against the f64 reference over seeded vectors.

use host::reference::zloss as r;
use mcu_kernels::zloss::*;
use testvectors::Rng;

#[path = "common/zloss_check.rs"]
mod zloss_check;
use zloss_check::ZlossWorst;

const MAX_D: usize = 256;

fn outputs(rng: &mut Rng, buf: &mut [f32; MAX_D], i: u32) -> usize {
    let d = if i.is_multiple_of(10) {
        1 + rng.below(MAX_D as u32) as usize
    } else {
        2 + rng.below(63) as usize
    };
    let xs = &mut buf[..d];
    match i % 6 {
        0 => rng.fill_uniform(xs, -8.0, 8.0),
        1 => {
            // Large common offset.
            let off = rng.uniform_f32(-1.0e6, 1.0e6);
            for v in xs.iter_mut() {
                *v = off + rng.uniform_f32(-4.0, 4.0);
            }
        }
        2 => rng.fill_uniform(xs, -3.0e38, 3.0e38),
        3 => {
            let s = 2f32.powi(rng.below(200) as i32 - 100);
            for v in xs.iter_mut() {
                *v = rng.uniform_f32(-1.0, 1.0) * s;
            }
        }
        4 => {
            for v in xs.iter_mut() {
                *v = rng.below(3) as f32;
            }
        }
        _ => {
            // One dominant output.
            rng.fill_uniform(xs, -1.0, 1.0);
            let k = rng.below(d as u32) as usize;
            xs[k] = 50.0;
        }
    }
    d
}

#[test]
fn zloss_matches_f64_reference() {
    let mut worst = ZlossWorst::default();
    let mut grad = [0.0f32; MAX_D];
    for i in 0..100_000u32 {
        let mut rng = Rng::new(0x2105_0000_0000 | u64::from(i));
        let mut buf = [0.0f32; MAX_D];
        let d = outputs(&mut rng, &mut buf, i);
        let o = &buf[..d];
        let c = rng.below(d as u32) as usize;
        let a = 2f32.powf(rng.uniform_f32(-3.0, 3.3));
        let b = rng.uniform_f32(-3.0, 3.0);
        let g = &mut grad[..d];
        let l = zloss(o, c, a, b).unwrap();
        let l2 = zloss_grad(o, c, a, b, g).unwrap();
        assert_eq!(l.to_bits(), l2.to_bits());
        worst.check(i, o, c, a, b, l, g);
    }
    assert!(worst.checked > 90_000);
    println!(
        "zloss: worst relative loss error {:e}, worst gradient error / norm {:e}",
        worst.loss, worst.grad
    );
}

#[test]
fn zloss_int_matches_f64_reference() {
    let mut worst = 0.0f64;
    for i in 0..100_000u32 {
        let mut rng = Rng::new(0x2108_0000_0000 | u64::from(i));
        let d = 1 + rng.below(64) as usize;
        let c = rng.below(d as u32) as usize;
        let a = 2f32.powf(rng.uniform_f32(-3.0, 3.3));
        let b = rng.uniform_f32(-3.0, 3.0);
        let (l, o): (f32, Vec<f32>) = if i % 2 == 0 {
            let q: Vec<i8> = (0..d).map(|_| rng.below(256) as u8 as i8).collect();
            (
                zloss_s8(&q, c, a, b).unwrap(),
                q.iter().map(|&v| f32::from(v)).collect(),
            )
        } else {
            let q: Vec<i16> = (0..d).map(|_| rng.below(65536) as u16 as i16).collect();
            (
                zloss_s16(&q, c, a, b).unwrap(),
                q.iter().map(|&v| f32::from(v)).collect(),
            )
        };
        let (lr, _) = r::zloss(&o, c, f64::from(a), f64::from(b)).unwrap();
        if lr >= 1e-30 {
            let e = ((f64::from(l) - lr) / lr).abs();
            assert!(e <= 1e-6, "vector {i}: {l} vs {lr}");
            worst = worst.max(e);
        }
    }
    println!("zloss_s8/s16: worst relative error {worst:e}");
}
