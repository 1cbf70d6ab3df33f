//! The host's CSV parsers on arbitrary bytes, never a panic:
//! - `host::io::parse_csv` (arrays): an accepted file's shape multiplies out to its data
//!   length and is 1-D exactly for a single row or column; what `write_matrix`'s CSV writer
//!   would print parses back to the same values.
//! - `host::io::parse_labelled_csv` (`mcuk learn`'s tables), with the target named by the
//!   first header cell: every row has one value per feature name, at most the cap of feature
//!   columns, line numbers strictly increasing and within the file.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mcu_kernels_fuzz::host_io::{parse_csv, parse_labelled_csv};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.csv");
    labelled(path, data);
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

fn labelled(path: &Path, data: &[u8]) {
    const CAP: usize = 8;
    let Ok(text) = std::str::from_utf8(data) else {
        assert!(parse_labelled_csv(path, data, "y", CAP).is_err());
        return;
    };
    let target = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .and_then(|h| h.split(',').next())
        .map(|c| c.trim().trim_matches('"').to_string())
        .unwrap_or_default();
    if let Ok(t) = parse_labelled_csv(path, data, &target, CAP) {
        assert!(t.names.len() <= CAP, "{} features", t.names.len());
        assert!(!t.features.is_empty());
        assert_eq!(t.features.len(), t.target.len());
        assert_eq!(t.features.len(), t.lines.len());
        for row in &t.features {
            assert_eq!(row.len(), t.names.len());
        }
        let total = text.lines().count();
        assert!(t.lines.windows(2).all(|w| w[0] < w[1]));
        assert!(
            t.lines.iter().all(|&l| l >= 2 && l <= total),
            "{:?}",
            t.lines
        );
    }
}
