//! The host's `.npy` parser (`host::io::parse_npy`) on arbitrary bytes: never a panic or an
//! allocation beyond the file's own size; an accepted file's shape multiplies out to its data
//! length; and every array it writes (`npy_bytes`) parses back to the same shape and bits.
#![no_main]
use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use mcu_kernels_fuzz::host_io::{npy_bytes, parse_npy};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.npy");
    if let Ok((shape, values)) = parse_npy(path, data) {
        let count = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        assert_eq!(
            count,
            Some(values.len()),
            "shape {shape:?} vs {} values",
            values.len()
        );
        assert!(values.len() <= data.len(), "more values than bytes");
    }
    // Round trip of a writer-made file.
    let mut u = Unstructured::new(data);
    if let Ok((dims, vals)) = <(Vec<u8>, Vec<f64>)>::arbitrary(&mut u) {
        let shape: Vec<usize> = dims.iter().take(3).map(|&d| usize::from(d % 5)).collect();
        let n: usize = shape.iter().product();
        let vals: Vec<f64> = vals
            .iter()
            .copied()
            .cycle()
            .take(if vals.is_empty() { 0 } else { n })
            .collect();
        if vals.len() == n {
            let bytes = npy_bytes(&shape, &vals);
            let (s2, v2) =
                parse_npy(path, &bytes).unwrap_or_else(|e| panic!("npy_bytes output refused: {e}"));
            let want_shape = if shape.is_empty() {
                vec![]
            } else {
                shape.clone()
            };
            assert_eq!(s2, want_shape, "shape round trip");
            assert_eq!(
                v2.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                vals.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            );
        }
    }
});
