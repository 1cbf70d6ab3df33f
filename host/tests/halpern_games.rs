//! Halpern iteration on matrix games with known equilibria, and on random games checked by
//! the duality gap.
mod common;
use common::Rng;
use host::halpern::{solve, Game, HalpernOptions};

fn opts(vr: bool) -> HalpernOptions {
    HalpernOptions {
        tol: 1e-7,
        variance_reduced: vr,
        ..HalpernOptions::default()
    }
}

fn close(v: &[f64], w: &[f64], tol: f64) -> bool {
    v.iter().zip(w).all(|(a, b)| (a - b).abs() <= tol)
}

#[test]
fn rock_paper_scissors() {
    let g = Game::new(3, 3, vec![0.0, 1.0, -1.0, -1.0, 0.0, 1.0, 1.0, -1.0, 0.0]).unwrap();
    for vr in [false, true] {
        let e = solve(&g, opts(vr), &mut |_, _, _| {}).unwrap();
        assert!(e.converged);
        let third = [1.0 / 3.0; 3];
        assert!(
            close(&e.x, &third, 1e-6) && close(&e.y, &third, 1e-6),
            "{e:?}"
        );
        assert!(e.value.abs() <= 1e-6 && e.gap <= 1e-6);
    }
}

#[test]
fn matching_pennies_and_a_biased_variant() {
    let g = Game::new(2, 2, vec![1.0, -1.0, -1.0, 1.0]).unwrap();
    let e = solve(&g, opts(true), &mut |_, _, _| {}).unwrap();
    assert!(close(&e.x, &[0.5, 0.5], 1e-6) && close(&e.y, &[0.5, 0.5], 1e-6));
    // [[3, −1], [−2, 1]]: x = (3/7, 4/7), y = (2/7, 5/7), value 1/7.
    let g = Game::new(2, 2, vec![3.0, -1.0, -2.0, 1.0]).unwrap();
    let e = solve(&g, opts(true), &mut |_, _, _| {}).unwrap();
    assert!(close(&e.x, &[3.0 / 7.0, 4.0 / 7.0], 1e-6), "{:?}", e.x);
    assert!(close(&e.y, &[2.0 / 7.0, 5.0 / 7.0], 1e-6), "{:?}", e.y);
    assert!((e.value - 1.0 / 7.0).abs() <= 1e-6);
}

#[test]
fn pure_saddle_point() {
    // Row player minimises: row 0 guarantees ≤ 2, column 1 guarantees ≥ 2.
    let g = Game::new(2, 2, vec![1.0, 2.0, 0.0, 3.0]).unwrap();
    let e = solve(&g, opts(false), &mut |_, _, _| {}).unwrap();
    assert!(close(&e.x, &[1.0, 0.0], 1e-6) && close(&e.y, &[0.0, 1.0], 1e-6));
    assert!((e.value - 2.0).abs() <= 1e-6);
}

#[test]
fn random_games_reach_a_small_duality_gap() {
    let mut rng = Rng(77);
    for (m, n) in [(10, 15), (30, 20), (40, 40)] {
        let a: Vec<f64> = (0..m * n).map(|_| rng.uniform() * 2.0 - 1.0).collect();
        let g = Game::new(m, n, a).unwrap();
        let plain = solve(&g, opts(false), &mut |_, _, _| {}).unwrap();
        let vr = solve(&g, opts(true), &mut |_, _, _| {}).unwrap();
        for e in [&plain, &vr] {
            assert!(e.converged, "{m}×{n}: residual {:.2e}", e.residual);
            assert!(
                e.gap >= -1e-12 && e.gap <= 1e-5,
                "{m}×{n}: gap {:.2e}",
                e.gap
            );
        }
        assert!((plain.value - vr.value).abs() <= 1e-5);
    }
}

#[test]
fn bad_games_are_errors() {
    assert!(Game::new(0, 2, vec![]).is_err());
    assert!(Game::new(2, 2, vec![1.0; 3]).is_err());
    assert!(Game::new(1, 2, vec![1.0, f64::NAN]).is_err());
    let g = Game::new(1, 1, vec![1.0]).unwrap();
    let bad = HalpernOptions {
        tol: -1.0,
        ..HalpernOptions::default()
    };
    assert!(solve(&g, bad, &mut |_, _, _| {}).is_err());
}
