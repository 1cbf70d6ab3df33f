//! Hungarian assignment against brute force.
mod common;
use common::Rng;
use host::solvers::ot::exact::{assignment, assignment_brute_force};
use proptest::prelude::*;

proptest! {
    #[test]
    fn hungarian_equals_brute_force(n in 1usize..7, seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let c: Vec<f64> = (0..n * n).map(|_| (rng.uniform() * 10.0).round() / 2.0).collect();
        let (sigma, total) = assignment(n, &c).unwrap();
        let mut seen = vec![false; n];
        for &j in &sigma { prop_assert!(!seen[j]); seen[j] = true; }
        let brute = assignment_brute_force(n, &c).unwrap();
        prop_assert!((total - brute).abs() <= 1e-9);
    }
}

#[test]
fn rejects_bad_input() {
    assert!(assignment(0, &[]).is_none());
    assert!(assignment(2, &[1.0, 2.0, 3.0]).is_none());
    assert!(assignment(1, &[f64::NAN]).is_none());
}
