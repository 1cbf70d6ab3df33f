//! The table form of the TFLite-Micro-exact int8 softmax (`softmax_s8_tflm_table`,
//! `softmax_s8_s16_tflm_table`) against the table-free form (`softmax_s8_tflm`,
//! `softmax_s8_s16_tflm`), bit for bit (issue #20): over 100,000 seeded rows of both outputs,
//! with all-equal rows, rows of 1 and 65,535 elements, rows at TFLM's abort and wrap limits,
//! several rows per call, and parameters from `from_scale` over the whole accepted range and
//! from `from_raw` at its extremes.
//!
//! The table-free form is itself checked against TFLite-Micro (`tflm_oracle.rs`) and the
//! golden file (`quant_golden.rs`); equality here carries those checks over to every row
//! kind generated below.

use mcu_kernels::softmax::quant::*;
use std::collections::BTreeMap;

/// SplitMix64: a small seeded generator, independent of the kernels.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Parameters over TFLM's whole accepted range, plus raw extremes a CMSIS-NN call site could
/// pass.
fn params(rng: &mut Rng, i: usize) -> SoftmaxS8Params {
    match i % 8 {
        // S_in·β from just above TFLM's refusal (2^−26) to far above its cap (32).
        0..=2 => {
            let e = -25.9 + 46.0 * (rng.below(1 << 20) as f64 / f64::from(1 << 20));
            let s = 2f64.powf(e) as f32;
            SoftmaxS8Params::from_scale(s, 1.0).expect("accepted scale")
        }
        // Typical model scales.
        3 | 4 => {
            let s = (1 + rng.below(4000)) as f32 / 65536.0;
            SoftmaxS8Params::from_scale(s, 1.0).expect("accepted scale")
        }
        // Raw: any multiplier and shift, diff_min anywhere (0: only the maxima count;
        // i32::MIN: nothing is dropped, even where TFLM's Prepare would drop it).
        _ => {
            let mult = match rng.below(4) {
                0 => 1,
                1 => i32::MAX,
                2 => 1 << 30,
                _ => 1 + rng.below(i32::MAX as u64) as i32,
            };
            let shift = match rng.below(3) {
                0 => 1,
                1 => 31,
                _ => 1 + rng.below(31) as i32,
            };
            let diff_min = match rng.below(5) {
                0 => 0,
                1 => i32::MIN,
                2 => -1,
                3 => -(rng.below(300) as i32),
                _ => -(rng.below(1 << 31) as i32),
            };
            SoftmaxS8Params::from_raw(mult, shift, diff_min).expect("accepted raw parameters")
        }
    }
}

/// One row of `n` elements of kind `kind`.
fn fill(rng: &mut Rng, row: &mut [i8], kind: u64) {
    let base = rng.next() as i8;
    match kind {
        // Uniform int8.
        0 | 1 => row.iter_mut().for_each(|v| *v = rng.next() as i8),
        // All equal.
        2 => row.iter_mut().for_each(|v| *v = base),
        // Near-equal: within 3 of the base (many elements at or near the maximum).
        3 => row
            .iter_mut()
            .for_each(|v| *v = base.saturating_sub(rng.below(4) as i8)),
        // The extremes of int8 only.
        4 => row
            .iter_mut()
            .for_each(|v| *v = if rng.below(2) == 0 { -128 } else { 127 }),
        // One peak over a flat floor.
        _ => {
            row.iter_mut().for_each(|v| *v = -128);
            let k = rng.below(row.len() as u64) as usize;
            row[k] = base;
        }
    }
}

#[derive(Default)]
struct Count {
    rows: usize,
    calls: usize,
    domains: BTreeMap<String, usize>,
}

/// Run both forms of both outputs on one call; panic on the first differing bit.
fn check(p: &SoftmaxS8Params, t: &SoftmaxS8TflmTable, x: &[i8], row: usize, c: &mut Count) {
    let n = x.len();
    let (mut a8, mut b8) = (vec![0i8; n], vec![0i8; n]);
    softmax_s8_tflm(p, x, row, &mut a8).expect("table-free");
    softmax_s8_tflm_table(t, x, row, &mut b8).expect("table");
    let (mut a16, mut b16) = (vec![0i16; n], vec![0i16; n]);
    softmax_s8_s16_tflm(p, x, row, &mut a16).expect("table-free");
    softmax_s8_s16_tflm_table(t, x, row, &mut b16).expect("table");
    for (r, chunk) in x.chunks(row).enumerate() {
        let s = r * row..(r + 1) * row;
        assert_eq!(
            a8[s.clone()],
            b8[s.clone()],
            "int8 output differs: {p:?}, row {r} of {row}, first inputs {:?}",
            &chunk[..chunk.len().min(16)]
        );
        assert_eq!(
            a16[s.clone()],
            b16[s.clone()],
            "int16 output differs: {p:?}, row {r} of {row}, first inputs {:?}",
            &chunk[..chunk.len().min(16)]
        );
        for (bits, d) in [
            (8, softmax_s8_tflm_domain(p, chunk)),
            (16, softmax_s8_s16_tflm_domain(p, chunk)),
        ] {
            *c.domains.entry(format!("s{bits} {d:?}")).or_default() += 1;
        }
    }
    c.rows += n / row;
    c.calls += 1;
}

#[test]
fn table_form_equals_table_free_form_on_seeded_rows() {
    let mut rng = Rng(0x5EED_0020);
    let mut c = Count::default();
    let mut x = vec![0i8; 4 * 300];
    let mut i = 0;
    while c.rows < 100_000 {
        let p = params(&mut rng, i);
        let t = SoftmaxS8TflmTable::new(&p);
        // Several calls per parameter set (the table is built once and reused).
        for _ in 0..8 {
            let row = match rng.below(4) {
                0 => 1,
                1 => 1 + rng.below(16) as usize,
                _ => 1 + rng.below(300) as usize,
            };
            let rows = 1 + rng.below(4) as usize;
            let x = &mut x[..rows * row];
            for chunk in x.chunks_mut(row) {
                let kind = rng.below(6);
                fill(&mut rng, chunk, kind);
            }
            check(&p, &t, x, row, &mut c);
        }
        i += 1;
    }
    eprintln!(
        "{} rows in {} calls, {} parameter sets; domains {:?}",
        c.rows, c.calls, i, c.domains
    );
    assert!(c.rows >= 100_000);
    assert!(c.domains["s8 Accurate"] > 50_000);
    // Rows of one element: the output is the format's maximum (p = 1 saturates) whatever the
    // parameters; both forms agree on it by the check above.
    let mut y = [0i8; 1];
    let t = SoftmaxS8TflmTable::new(&SoftmaxS8Params::from_scale(0.1, 1.0).unwrap());
    softmax_s8_tflm_table(&t, &[-5], 1, &mut y).unwrap();
    assert_eq!(y, [127]);
}

/// Long rows: 65,535 elements (the length), and the lengths where TFLM's int32 sum
/// aborts (int8 output: 512 equal logits) or wraps (2^32: 8,192 equal logits; 8,193 and 9,000
/// answer from the wrapped sum), for extreme and typical parameters.
#[test]
fn table_form_equals_table_free_form_on_long_rows() {
    let mut rng = Rng(0x5EED_0021);
    let mut c = Count::default();
    let ps = [
        SoftmaxS8Params::from_scale(1.0 / 255.0, 1.0).unwrap(),
        SoftmaxS8Params::from_scale(0.05, 1.0).unwrap(),
        SoftmaxS8Params::from_scale(100.0, 1.0).unwrap(),
        // The smallest S_in·β TFLM accepts (the next f32 above 2^−26).
        SoftmaxS8Params::from_scale(f32::from_bits((2f32.powi(-26)).to_bits() + 1), 1.0).unwrap(),
        SoftmaxS8Params::from_raw(i32::MAX, 31, 0).unwrap(),
        SoftmaxS8Params::from_raw(1, 1, i32::MIN).unwrap(),
    ];
    let mut x = vec![0i8; 65_535 * 2];
    for p in &ps {
        let t = SoftmaxS8TflmTable::new(p);
        for n in [511, 512, 513, 8_191, 8_192, 8_193, 9_000, 16_384, 65_535] {
            for kind in 0..6 {
                let x = &mut x[..n];
                fill(&mut rng, x, kind);
                check(p, &t, x, n, &mut c);
            }
        }
        // Two rows of 65,535 in one call: all equal, then uniform.
        let (a, b) = x.split_at_mut(65_535);
        fill(&mut rng, a, 2);
        fill(&mut rng, b, 0);
        check(p, &t, &x, 65_535, &mut c);
    }
    eprintln!(
        "{} long rows in {} calls; domains {:?}",
        c.rows, c.calls, c.domains
    );
    // The limits were reached: TFLM aborts (int8 and int16 outputs) and wraps.
    for key in [
        "s8 Aborts",
        "s8 Wraps",
        "s16 Aborts",
        "s16 Wraps",
        "s8 Accurate",
    ] {
        assert!(
            c.domains.get(key).copied().unwrap_or(0) > 0,
            "no long row in domain {key}"
        );
    }
}
