//! The dense deterministic sample (≥ 10^6 inputs per function, edges included) against the
//! documented ulp bounds. The exhaustive run is `cargo run -p host --release --bin mcuk -- accuracy
//! --exhaustive`.

use host::accuracy::{dense, functions, ulp_error};

#[test]
fn dense_sample_within_bounds() {
    for f in functions() {
        let m = dense(&f);
        println!(
            "{:<9} max {:.4} ulp at {:#x} ({:e}), {} points",
            f.name,
            m.max_ulp,
            m.worst.to_bits(),
            m.worst,
            m.points
        );
        assert!(m.points >= 1_000_000, "{}", f.name);
        assert!(
            m.max_ulp <= f.bound,
            "{}: {} ulp at {:e}",
            f.name,
            m.max_ulp,
            m.worst
        );
    }
}

#[test]
fn ulp_error_conventions() {
    assert_eq!(ulp_error(1.0, 1.0), 0.0);
    assert_eq!(ulp_error(f32::INFINITY, 1e39), 0.0);
    assert_eq!(ulp_error(f32::INFINITY, 1.0), f64::INFINITY);
    assert_eq!(ulp_error(f32::NAN, f64::NAN), 0.0);
    assert_eq!(ulp_error(1.0, f64::NAN), f64::INFINITY);
    assert!((ulp_error(1.0 + f32::EPSILON, 1.0) - 1.0).abs() < 1e-12);
    assert!((ulp_error(f32::from_bits(2), 0.0) - 2.0).abs() < 1e-12);
}
