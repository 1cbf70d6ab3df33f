//! Exact optimal transport for uniform square problems: the assignment problem, solved by the
//! Hungarian algorithm (shortest augmenting paths, O(n³)).
//!
//! Match n agents to n targets in the unit square minimising the total Euclidean distance.
//! n = 8: checked against brute force over all 8! = 40320 permutations. n = 400: checked to be
//! a permutation that no exchange of two targets improves (a necessary condition of optimality,
//! by a direct O(n²) scan) and to cost no more than the greedy nearest-target matching.
//!
//! Run: `cargo run --release -p host --example assignment`

use host::solvers::ot::exact::{assignment, assignment_brute_force};
use std::time::Instant;
use testvectors::Rng;

fn random_points(rng: &mut Rng, n: usize) -> Vec<[f64; 2]> {
    (0..n)
        .map(|_| [f64::from(rng.unit_f32()), f64::from(rng.unit_f32())])
        .collect()
}

/// Row-major n×n Euclidean distances.
fn distances(xs: &[[f64; 2]], ys: &[[f64; 2]]) -> Vec<f64> {
    xs.iter()
        .flat_map(|x| ys.iter().map(move |y| (x[0] - y[0]).hypot(x[1] - y[1])))
        .collect()
}

/// Greedy: each agent in turn takes its nearest free target.
fn greedy(n: usize, cost: &[f64]) -> f64 {
    let mut free = vec![true; n];
    let mut total = 0.0;
    for i in 0..n {
        let j = (0..n)
            .filter(|&j| free[j])
            .min_by(|&p, &q| cost[i * n + p].total_cmp(&cost[i * n + q]))
            .expect("a free target");
        free[j] = false;
        total += cost[i * n + j];
    }
    total
}

fn main() {
    let mut rng = Rng::new(3);

    // Small: against brute force.
    let n = 8;
    let (xs, ys) = (random_points(&mut rng, n), random_points(&mut rng, n));
    let cost = distances(&xs, &ys);
    let (sigma, total) = assignment(n, &cost).expect("a finite square cost");
    let brute = assignment_brute_force(n, &cost).expect("n <= 9");
    println!("n = {n}: agent -> target {sigma:?}");
    println!("  Hungarian total distance   {total:.12}");
    println!("  brute force over 8! perms  {brute:.12}");
    assert!((total - brute).abs() <= 1e-12, "{total} vs {brute}");

    // Larger: a permutation, 2-exchange optimal, no worse than greedy.
    let n = 400;
    let (xs, ys) = (random_points(&mut rng, n), random_points(&mut rng, n));
    let cost = distances(&xs, &ys);
    let t = Instant::now();
    let (sigma, total) = assignment(n, &cost).expect("a finite square cost");
    let seconds = t.elapsed().as_secs_f64();
    let g = greedy(n, &cost);
    let mut seen = vec![false; n];
    sigma.iter().for_each(|&j| seen[j] = true);
    assert!(seen.iter().all(|&s| s), "not a permutation");
    let mut best_swap_gain = 0.0f64;
    for i in 0..n {
        for k in i + 1..n {
            let (a, b) = (sigma[i], sigma[k]);
            let gain = cost[i * n + a] + cost[k * n + b] - cost[i * n + b] - cost[k * n + a];
            best_swap_gain = best_swap_gain.max(gain);
        }
    }
    println!("\nn = {n}: {:.0} ms", seconds * 1e3);
    println!(
        "  Hungarian total distance   {total:.9} (mean {:.6} per agent)",
        total / n as f64
    );
    println!(
        "  greedy nearest-free        {g:.9} ({:.1}% worse)",
        100.0 * (g / total - 1.0)
    );
    println!("  best gain of swapping two agents' targets: {best_swap_gain:.1e}");
    assert!(total <= g + 1e-9);
    assert!(best_swap_gain <= 1e-9, "{best_swap_gain:e}");
    println!("\nchecked: equals brute force (n = 8); a permutation no 2-exchange improves, <= greedy (n = {n})");
}
