//! Quantized softmax suites: several rows per call, row sizes 1..=64, random scales.

use super::{seed, MAX_LEN};
use crate::{Digest, Rng};
use fixed::types::{I16F16, U0F16};
use mcu_kernels::softmax::quant as q;

/// (rows, row_size) with rows·row_size ≤ MAX_LEN.
fn shape(rng: &mut Rng) -> (usize, usize) {
    let row = 1 + rng.below(64) as usize;
    let rows = 1 + rng.below((MAX_LEN / row).min(4) as u32) as usize;
    (rows, row)
}

/// An input scale spread over four decades (1/2048 .. ~2).
fn scale(rng: &mut Rng) -> f32 {
    let e = rng.below(11);
    (0.5 + rng.unit_f32()) / (1u32 << e) as f32
}

fn fill_i8(rng: &mut Rng, xs: &mut [i8], index: u32) {
    for v in xs.iter_mut() {
        *v = match index % 3 {
            0 => rng.next_u32() as i8,
            1 => (rng.below(9) as i8) - 4 + 100,
            _ => (rng.below(256) as i32 - 128) as i8 / 8,
        };
    }
}

fn fill_i16(rng: &mut Rng, xs: &mut [i16]) {
    let spread = 1 + rng.below(65_535);
    for v in xs.iter_mut() {
        *v = (i32::from(i16::MAX) - rng.below(spread) as i32) as i16;
    }
}

macro_rules! s8_suite {
    ($name:ident, $label:literal, $out:ty, $run:expr) => {
        pub(super) fn $name(index: u32) -> Digest {
            let mut rng = Rng::new(seed($label, index));
            let (rows, row) = shape(&mut rng);
            let n = rows * row;
            let mut x = [0i8; MAX_LEN];
            let mut y: [$out; MAX_LEN] = [0; MAX_LEN];
            fill_i8(&mut rng, &mut x[..n], index);
            let s = scale(&mut rng);
            let mut d = Digest::default();
            d.input_i8s(&x[..n]);
            d.input_word(s.to_bits());
            let r: Result<(), mcu_kernels::Error> = $run(s, &x[..n], row, &mut y[..n]);
            d.result(&r);
            d.f32(s);
            fold(&mut d, &y[..n]);
            d
        }
    };
}

trait Fold {
    fn fold_into(xs: &[Self], d: &mut Digest)
    where
        Self: Sized;
}
impl Fold for i8 {
    fn fold_into(xs: &[i8], d: &mut Digest) {
        d.i8s(xs)
    }
}
impl Fold for i16 {
    fn fold_into(xs: &[i16], d: &mut Digest) {
        d.i16s(xs)
    }
}
fn fold<T: Fold>(d: &mut Digest, xs: &[T]) {
    T::fold_into(xs, d)
}

s8_suite!(
    s8_tflm,
    "softmax::quant::softmax_s8_tflm",
    i8,
    |s, x, row, y| q::SoftmaxS8Params::from_scale(s, 1.0)
        .and_then(|p| q::softmax_s8_tflm(&p, x, row, y))
);
s8_suite!(
    s8_s16_tflm,
    "softmax::quant::softmax_s8_s16_tflm",
    i16,
    |s, x, row, y| q::SoftmaxS8Params::from_scale(s, 1.0)
        .and_then(|p| q::softmax_s8_s16_tflm(&p, x, row, y))
);
s8_suite!(s8_lut, "softmax::quant::softmax_s8", i8, |s, x, row, y| {
    // Built in place: the tables are 6 KiB, and the M0 has 16 KiB of RAM.
    let mut lut = q::SoftmaxS8Lut::empty();
    lut.rebuild(s, 1.0)
        .and_then(|()| q::softmax_s8(&lut, x, row, y))
});
s8_suite!(
    s8_s16_lut,
    "softmax::quant::softmax_s8_s16",
    i16,
    |s, x, row, y| {
        let mut lut = q::SoftmaxS8Lut::empty();
        lut.rebuild(s, 1.0)
            .and_then(|()| q::softmax_s8_s16(&lut, x, row, y))
    }
);

macro_rules! s16_suite {
    ($name:ident, $label:literal, $params:expr, $kernel:path) => {
        pub(super) fn $name(index: u32) -> Digest {
            let mut rng = Rng::new(seed($label, index));
            let (rows, row) = shape(&mut rng);
            let n = rows * row;
            let mut x = [0i16; MAX_LEN];
            let mut y = [0i16; MAX_LEN];
            fill_i16(&mut rng, &mut x[..n]);
            // int16 inputs: scales around 20/32768 (a [-20, 0] spread) and wider.
            let s = (0.5 + rng.unit_f32()) * 20.0 / 32768.0 * (1u32 << rng.below(4)) as f32;
            let mut d = Digest::default();
            for &v in &x[..n] {
                d.input_word(v as u32);
            }
            d.input_word(s.to_bits());
            match $params(s) {
                Ok(p) => d.result(&$kernel(&p, &x[..n], row, &mut y[..n])),
                Err(e) => d.result::<()>(&Err(e)),
            }
            d.f32(s);
            d.i16s(&y[..n]);
            d
        }
    };
}

s16_suite!(
    s16_tflm,
    "softmax::quant::softmax_s16_tflm",
    |s| q::SoftmaxS16Params::from_scale(s, 1.0),
    q::softmax_s16_tflm
);
s16_suite!(
    s16_lut,
    "softmax::quant::softmax_s16",
    |s| q::SoftmaxS16Lut::new(s, 1.0),
    q::softmax_s16
);

pub(super) fn fixed_two_pass(index: u32) -> Digest {
    let mut rng = Rng::new(seed("softmax::quant::softmax_fixed_two_pass", index));
    let (rows, row) = shape(&mut rng);
    let n = rows * row;
    let mut x = [I16F16::ZERO; MAX_LEN];
    let mut y = [U0F16::ZERO; MAX_LEN];
    let spread = [1.0f32, 8.0, 40.0, 30_000.0][(index % 4) as usize];
    for v in x[..n].iter_mut() {
        *v = I16F16::from_num(rng.uniform_f32(-spread, spread));
    }
    let r = q::softmax_fixed_two_pass(&x[..n], row, &mut y[..n]);
    let mut d = Digest::default();
    d.result(&r);
    for v in &y[..n] {
        d.word(u32::from(v.to_bits()));
    }
    d
}
