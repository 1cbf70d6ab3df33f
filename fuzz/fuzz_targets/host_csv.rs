//! The host's CSV parser (`host::io::parse_csv`) on arbitrary bytes: never a panic; an
//! accepted file's shape multiplies out to its data length and is 1-D exactly for a single
//! row or column; and what `write_matrix`'s CSV writer would print parses back to the same
//! values.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mcu_kernels_fuzz::host_io::parse_csv;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.csv");
    if let Ok((shape, values)) = parse_csv(path, data) {
        let count: usize = shape.iter().product();
        assert_eq!(
            count,
            values.len(),
            "shape {shape:?} vs {} values",
            values.len()
        );
        assert!(!values.is_empty(), "accepted a CSV with no numbers");
        assert!(
            shape.len() == 1 || (shape.len() == 2 && shape[0] > 1 && shape[1] > 1),
            "shape {shape:?}"
        );
        // Printed back with Rust's shortest round-trip formatting, the numbers parse to the
        // same bits (what `write_matrix` does for .csv).
        let cols = if shape.len() == 2 {
            shape[1]
        } else {
            values.len()
        };
        let text: String = values
            .chunks(cols)
            .map(|r| {
                r.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
                    + "\n"
            })
            .collect();
        let (s2, v2) = parse_csv(path, text.as_bytes())
            .unwrap_or_else(|e| panic!("re-parse of {text:?}: {e}"));
        assert_eq!(s2, shape);
        for (a, b) in v2.iter().zip(&values) {
            assert!(
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "{a} vs {b} ({text:?})"
            );
        }
    }
});
