//! Halpern iterations (deterministic and stochastic variance-reduced) on matrix games with
//! known equilibria, and on random games checked by the duality gap (which brackets the LP
//! value: min_i (Ay)_i ≤ v* ≤ max_j (Aᵀx)_j for any strategies).
mod common;
use common::Rng;
use host::solvers::halpern::{solve, Equilibrium, Game, HalpernOptions, Method};

const METHODS: [Method; 2] = [Method::Deterministic, Method::StochasticVr];

fn opts(method: Method) -> HalpernOptions {
    HalpernOptions {
        tol: 1e-7,
        method,
        seed: 11,
        ..HalpernOptions::default()
    }
}

fn run(g: &Game, method: Method) -> Equilibrium {
    let e = solve(g, opts(method), &mut |_, _, _| {}).unwrap();
    assert!(
        e.converged,
        "{method:?}: residual {:.2e} after {:.0} passes",
        e.residual, e.passes
    );
    e
}

fn close(v: &[f64], w: &[f64], tol: f64) -> bool {
    v.iter().zip(w).all(|(a, b)| (a - b).abs() <= tol)
}

#[test]
fn rock_paper_scissors() {
    let g = Game::new(3, 3, vec![0.0, 1.0, -1.0, -1.0, 0.0, 1.0, 1.0, -1.0, 0.0]).unwrap();
    for method in METHODS {
        let e = run(&g, method);
        let third = [1.0 / 3.0; 3];
        assert!(
            close(&e.x, &third, 1e-6) && close(&e.y, &third, 1e-6),
            "{method:?}: {e:?}"
        );
        assert!(e.value.abs() <= 1e-6 && e.gap <= 1e-6);
    }
}

#[test]
fn a_game_from_an_nalgebra_matrix() {
    let a = nalgebra::DMatrix::from_row_slice(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let g = Game::from_matrix(&a).unwrap();
    assert_eq!(g.a, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    assert_eq!(g.payoff(), a);
    // Row 0 dominates for the minimiser, column 2 for the maximiser: value 3.
    let e = run(&g, Method::StochasticVr);
    assert!((e.value - 3.0).abs() <= 1e-6, "{e:?}");
}

#[test]
fn matching_pennies_and_a_biased_variant() {
    let g = Game::new(2, 2, vec![1.0, -1.0, -1.0, 1.0]).unwrap();
    for method in METHODS {
        let e = run(&g, method);
        assert!(close(&e.x, &[0.5, 0.5], 1e-6) && close(&e.y, &[0.5, 0.5], 1e-6));
    }
    // [[3, −1], [−2, 1]]: x = (3/7, 4/7), y = (2/7, 5/7), value 1/7.
    let g = Game::new(2, 2, vec![3.0, -1.0, -2.0, 1.0]).unwrap();
    for method in METHODS {
        let e = run(&g, method);
        assert!(close(&e.x, &[3.0 / 7.0, 4.0 / 7.0], 1e-6), "{:?}", e.x);
        assert!(close(&e.y, &[2.0 / 7.0, 5.0 / 7.0], 1e-6), "{:?}", e.y);
        assert!((e.value - 1.0 / 7.0).abs() <= 1e-6);
    }
}

#[test]
fn pure_saddle_point() {
    // Row player minimises: row 0 guarantees ≤ 2, column 1 guarantees ≥ 2.
    let g = Game::new(2, 2, vec![1.0, 2.0, 0.0, 3.0]).unwrap();
    for method in METHODS {
        let e = run(&g, method);
        assert!(close(&e.x, &[1.0, 0.0], 1e-6) && close(&e.y, &[0.0, 1.0], 1e-6));
        assert!((e.value - 2.0).abs() <= 1e-6);
    }
}

fn random_game(m: usize, n: usize, seed: u64) -> Game {
    let mut rng = Rng(seed);
    let a: Vec<f64> = (0..m * n).map(|_| rng.uniform() * 2.0 - 1.0).collect();
    Game::new(m, n, a).unwrap()
}

#[test]
fn random_games_reach_a_small_duality_gap() {
    for (m, n) in [(10, 15), (30, 20), (40, 40)] {
        let g = random_game(m, n, 77 + m as u64);
        let det = run(&g, Method::Deterministic);
        let vr = run(&g, Method::StochasticVr);
        for e in [&det, &vr] {
            assert!(
                e.gap >= -1e-12 && e.gap <= 1e-5,
                "{m}×{n}: gap {:.2e}",
                e.gap
            );
        }
        // Both values lie within their gaps of the LP value, hence of each other.
        assert!((det.value - vr.value).abs() <= det.gap + vr.gap + 1e-9);
    }
}

#[test]
fn the_stochastic_method_is_reproducible_from_its_seed() {
    let g = random_game(25, 30, 5);
    let a = run(&g, Method::StochasticVr);
    let b = run(&g, Method::StochasticVr);
    assert_eq!(a.x, b.x);
    assert_eq!(a.iterations, b.iterations);
    let other = solve(
        &g,
        HalpernOptions {
            seed: 12,
            ..opts(Method::StochasticVr)
        },
        &mut |_, _, _| {},
    )
    .unwrap();
    assert!(other.converged && other.iterations != a.iterations);
    assert!((other.value - a.value).abs() <= other.gap + a.gap + 1e-9);
}

/// Work (full operator evaluations) of both methods on a 200×200 game, A uniform in [−1, 1].
fn work_on_a_200x200_game(runs: &[(usize, u64)]) {
    let g = random_game(200, 200, 5);
    let o = |method, batch, seed| HalpernOptions {
        tol: 1e-6,
        method,
        batch,
        seed,
        ..HalpernOptions::default()
    };
    let t = std::time::Instant::now();
    let det = solve(&g, o(Method::Deterministic, 1, 1), &mut |_, _, _| {}).unwrap();
    println!(
        "deterministic: {:.0} passes, {} iterations, gap {:.2e}, value {:.8}, {:.2?}",
        det.passes,
        det.iterations,
        det.gap,
        det.value,
        t.elapsed()
    );
    assert!(det.converged);
    for &(batch, seed) in runs {
        let t = std::time::Instant::now();
        let vr = solve(&g, o(Method::StochasticVr, batch, seed), &mut |_, _, _| {}).unwrap();
        println!(
            "stochastic VR, b = {batch}, seed {seed}: {:.0} passes, {} iterations, gap {:.2e}, value {:.8}, {:.2?}",
            vr.passes,
            vr.iterations,
            vr.gap,
            vr.value,
            t.elapsed()
        );
        assert!(vr.converged, "residual {:.2e}", vr.residual);
        assert!((vr.value - det.value).abs() <= vr.gap + det.gap + 1e-9);
        // Measured: ≈ 17 000 passes against 69 000 (see the module docs).
        assert!(vr.passes < det.passes, "{} vs {}", vr.passes, det.passes);
    }
}

#[test]
fn stochastic_vr_needs_fewer_passes_on_a_200x200_game() {
    work_on_a_200x200_game(&[(8, 1)]);
}

/// The table of the module docs (≈ 2 minutes): `cargo test --release -p host --test
/// halpern_games -- --ignored --nocapture`.
#[test]
#[ignore = "long: the measurement behind the module docs"]
fn work_table_200x200() {
    work_on_a_200x200_game(&[(1, 1), (1, 2), (1, 3), (8, 1), (8, 2), (8, 3)]);
}

#[test]
fn bad_games_are_errors() {
    assert!(Game::new(0, 2, vec![]).is_err());
    assert!(Game::new(2, 2, vec![1.0; 3]).is_err());
    assert!(Game::new(1, 2, vec![1.0, f64::NAN]).is_err());
    let g = Game::new(1, 1, vec![1.0]).unwrap();
    for bad in [
        HalpernOptions {
            tol: -1.0,
            ..HalpernOptions::default()
        },
        HalpernOptions {
            batch: 0,
            method: Method::StochasticVr,
            ..HalpernOptions::default()
        },
        HalpernOptions {
            snapshot_probability: 1.5,
            method: Method::StochasticVr,
            ..HalpernOptions::default()
        },
    ] {
        assert!(solve(&g, bad, &mut |_, _, _| {}).is_err());
    }
}
