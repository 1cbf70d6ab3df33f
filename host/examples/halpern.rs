//! Restarted Halpern iteration for a zero-sum matrix game min_x max_y xᵀAy.
//!
//! A weighted rock-paper-scissors: losing to the next move costs 1, 2 or 3 depending on the
//! pair. A is skew-symmetric, so the value is 0, and (by hand: Aᵀx* = 0) the unique
//! equilibrium of both players is x* = (c, b, a)/(a + b + c) = (3, 2, 1)/6 for the weights
//! (a, b, c) = (1, 2, 3) below. Then a random 60×40 game, where the value is not known in
//! closed form but is bracketed by the two players' guarantees. Both solvers (exact
//! anchored extragradient, and the stochastic variance-reduced one) run on each.
//!
//! Checked: the value lies in [min_i (Ay)_i, max_j (Aᵀx)_j], an interval of width the duality
//! gap, computed here from A directly; on the weighted game the strategies match x*.
//!
//! Run: `cargo run --release -p host --example halpern`

use host::solvers::halpern::{solve, Equilibrium, Game, HalpernOptions, Method};
use std::time::Instant;
use testvectors::Rng;

/// The players' guarantees [min_i (Ay)_i, max_j (Aᵀx)_j] of a strategy pair, from A directly.
fn guarantees(m: usize, n: usize, a: &[f64], x: &[f64], y: &[f64]) -> (f64, f64) {
    let lo = (0..m)
        .map(|i| (0..n).map(|j| a[i * n + j] * y[j]).sum::<f64>())
        .fold(f64::INFINITY, f64::min);
    let hi = (0..n)
        .map(|j| (0..m).map(|i| a[i * n + j] * x[i]).sum::<f64>())
        .fold(f64::NEG_INFINITY, f64::max);
    (lo, hi)
}

fn run(game: &Game, method: Method) -> (Equilibrium, f64) {
    let opts = HalpernOptions {
        tol: 1e-8,
        method,
        ..HalpernOptions::default()
    };
    let t = Instant::now();
    let e = solve(game, opts, &mut |_, _, _| {}).expect("valid options");
    let seconds = t.elapsed().as_secs_f64();
    println!(
        "  {:<13}  {:>8}  {:>8.0}  {:<9}  {:>12.3e}  {:>12.3e}  {:>12.3e}  {:>6.0} ms",
        match method {
            Method::Deterministic => "deterministic",
            Method::StochasticVr => "stochastic VR",
        },
        e.iterations,
        e.passes,
        e.converged,
        e.value,
        e.gap,
        e.residual,
        seconds * 1e3
    );
    assert!(e.converged);
    (e, seconds)
}

const HEADER: &str =
    "  method         iterations  passes  converged  value x^T A y  duality gap   residual      time";

fn main() {
    // Weighted rock-paper-scissors (rows/columns: rock, paper, scissors); the row player pays.
    let (wa, wb, wc) = (1.0, 2.0, 3.0);
    #[rustfmt::skip]
    let rps = vec![
        0.0, -wa,  wb,
         wa, 0.0, -wc,
        -wb,  wc, 0.0,
    ];
    let x_star = [wc / 6.0, wb / 6.0, wa / 6.0];
    let game = Game::new(3, 3, rps.clone()).expect("a valid game");
    println!("weighted rock-paper-scissors, value 0, equilibrium x* = y* = (3, 2, 1)/6, tol 1e-8 on the residual");
    println!("{HEADER}");
    for method in [Method::Deterministic, Method::StochasticVr] {
        let (e, _) = run(&game, method);
        let (lo, hi) = guarantees(3, 3, &rps, &e.x, &e.y);
        assert!(lo <= 0.0 && 0.0 <= hi, "[{lo}, {hi}]");
        assert!((hi - lo - e.gap).abs() <= 1e-12);
        let dist =
            e.x.iter()
                .chain(&e.y)
                .zip(x_star.iter().chain(&x_star))
                .map(|(s, t)| (s - t).abs())
                .fold(0.0, f64::max);
        println!(
            "                 x = ({:.6}, {:.6}, {:.6}), max |x - x*|, |y - y*| = {dist:.1e}",
            e.x[0], e.x[1], e.x[2]
        );
        assert!(dist <= 1e-6, "{dist:e}");
    }

    // A random 60×40 game, payoffs uniform in [-1, 1] (seeded).
    let (m, n) = (60, 40);
    let mut rng = Rng::new(5);
    let a: Vec<f64> = (0..m * n)
        .map(|_| f64::from(rng.uniform_f32(-1.0, 1.0)))
        .collect();
    let game = Game::new(m, n, a.clone()).expect("a valid game");
    println!("\nrandom {m}x{n} game, A uniform in [-1, 1] (seed 5), tol 1e-8 on the residual");
    println!("{HEADER}");
    let mut values = Vec::new();
    for method in [Method::Deterministic, Method::StochasticVr] {
        let (e, _) = run(&game, method);
        let (lo, hi) = guarantees(m, n, &a, &e.x, &e.y);
        println!(
            "                 value in [{lo:.9}, {hi:.9}], support: {} rows, {} columns",
            e.x.iter().filter(|&&v| v > 1e-9).count(),
            e.y.iter().filter(|&&v| v > 1e-9).count()
        );
        assert!(lo <= e.value && e.value <= hi);
        values.push((lo, hi));
    }
    // Both intervals contain the game's value, so they overlap.
    let (d, s) = (values[0], values[1]);
    assert!(d.0.max(s.0) <= d.1.min(s.1), "{d:?} {s:?}");
    println!("\nchecked: the value lies within the duality gap (0 for the weighted game), x = x* there, the two methods' intervals overlap");
}
