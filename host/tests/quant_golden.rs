//! Golden vectors: every row of `shared/data/softmax_s8_tflm_golden.jsonl` (bit-exact TFLM /
//! CMSIS-NN outputs) through `softmax_s8_tflm` and `softmax_s8_s16_tflm`.

use mcu_kernels::softmax::quant::{softmax_s8_s16_tflm, softmax_s8_tflm, SoftmaxS8Params};
use serde_json::Value;

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/softmax_s8_tflm_golden.jsonl"
);

fn ints(v: &Value, key: &str) -> Vec<i64> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("golden: missing array {key}"))
        .iter()
        .map(|x| x.as_i64().expect("integer"))
        .collect()
}

#[test]
fn golden_file_bit_exact() {
    let text = std::fs::read_to_string(GOLDEN)
        .unwrap_or_else(|e| panic!("golden file {GOLDEN} missing or unreadable: {e}"));
    let (mut records, mut rows_total, mut rows_s8, mut rows_s16) = (0, 0, 0, 0);
    for (line_no, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: Value = serde_json::from_str(line).expect("golden: bad JSON");
        let scale = v["input_scale"].as_f64().expect("input_scale");
        let rows = v["rows"].as_u64().expect("rows") as usize;
        let row_size = v["row_size"].as_u64().expect("row_size") as usize;
        let (mult, shift, diff_min) = (
            v["mult"].as_i64().unwrap() as i32,
            v["shift"].as_i64().unwrap() as i32,
            v["diff_min"].as_i64().unwrap() as i32,
        );
        let input: Vec<i8> = ints(&v, "input").into_iter().map(|x| x as i8).collect();
        let want8: Vec<i8> = ints(&v, "out_s8").into_iter().map(|x| x as i8).collect();
        let want16: Vec<i16> = ints(&v, "out_s16").into_iter().map(|x| x as i16).collect();
        assert_eq!(input.len(), rows * row_size);

        // Parameters: from the scale as the generator computed them (f64 literal), equal to
        // the recorded ones.
        let p = SoftmaxS8Params::from_scale_f64(scale, 1.0).expect("from_scale_f64");
        assert_eq!(
            (p.mult(), p.shift(), p.diff_min()),
            (mult, shift, diff_min),
            "line {line_no}: parameters from scale {scale}"
        );
        let p_raw = SoftmaxS8Params::from_raw(mult, shift, diff_min).expect("from_raw");
        assert_eq!(p, p_raw);

        // Whole multi-row call.
        let mut out8 = vec![0i8; input.len()];
        softmax_s8_tflm(&p, &input, row_size, &mut out8).unwrap();
        let mut out16 = vec![0i16; input.len()];
        softmax_s8_s16_tflm(&p, &input, row_size, &mut out16).unwrap();
        for r in 0..rows {
            let s = r * row_size..(r + 1) * row_size;
            if out8[s.clone()] == want8[s.clone()] {
                rows_s8 += 1;
            } else {
                eprintln!(
                    "line {line_no} row {r}: s8 mismatch\n got {:?}\nwant {:?}",
                    &out8[s.clone()],
                    &want8[s.clone()]
                );
            }
            if out16[s.clone()] == want16[s.clone()] {
                rows_s16 += 1;
            } else {
                eprintln!(
                    "line {line_no} row {r}: s16 mismatch\n got {:?}\nwant {:?}",
                    &out16[s.clone()],
                    &want16[s.clone()]
                );
            }
            // Row by row gives the same.
            let mut one = vec![0i8; row_size];
            softmax_s8_tflm(&p, &input[s.clone()], row_size, &mut one).unwrap();
            assert_eq!(one, out8[s.clone()]);
        }
        rows_total += rows;
        records += 1;
    }
    println!("golden: {records} records, {rows_total} rows; s8 rows matched {rows_s8}, s16 rows matched {rows_s16}");
    assert!(records > 200, "golden file looks truncated");
    assert_eq!(rows_s8, rows_total);
    assert_eq!(rows_s16, rows_total);
}
