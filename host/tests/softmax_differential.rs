//! Differential tests: `kernels::softmax` against the f64 reference over seeded vectors.

use testvectors::{suites, Rng};

#[test]
fn three_pass_matches_f64_reference() {
    let mut worst = 0.0f64;
    for i in 0..20_000u32 {
        let mut rng = Rng::new(suites::seed("host::three_pass", i));
        let mut x = [0.0f32; suites::MAX_LEN];
        let n = suites::logits(&mut rng, &mut x, i);
        let x = &x[..n];
        let mut y = vec![0.0f32; n];
        let got = kernels::softmax::three_pass(x, &mut y);
        match host::reference::softmax(x) {
            None => assert!(got.is_err(), "vector {i}: expected an error"),
            Some(r) => {
                got.unwrap();
                for (k, (&g, &e)) in y.iter().zip(&r).enumerate() {
                    let err = (f64::from(g) - e).abs();
                    // Foundation tolerance (libm expf, f32 sum): 2e-6 relative or 1e-37 absolute.
                    let bound = 2e-6 * e + 1e-37;
                    assert!(err <= bound, "vector {i}[{k}]: got {g}, want {e}, n={n}");
                    if e > 1e-30 {
                        worst = worst.max(err / e);
                    }
                }
            }
        }
    }
    println!("three_pass: worst relative error {worst:e}");
}
