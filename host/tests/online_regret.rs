//! Regret of optimistic OGD and optimistic Hedge against their plain versions on online linear
//! optimisation, f_t(x) = ⟨g_t, x⟩:
//!
//! * on a slowly varying gradient stream, optimistic OGD's regret is below plain OGD's;
//! * on an adversarial stream (i.i.d. random signs), it stays within the bound of the standard
//!   analysis of optimistic OGD with our step η_t = D/√(δ + Σ_{s≤t}‖g_s − M_s‖²):
//!   Regret_T ≤ D²/(2η_T) + Σ_t η_t‖g_t − M_t‖² ≤ 2.5·D·√(δ + Σ_t‖g_t − M_t‖²)
//!   (using Σ a_t/√(Σ_{s≤t} a_s) ≤ 2√(Σ a_t)); plain OGD likewise ≤ 1.5·D·√(δ + Σ‖g_t‖²).
//!
//! Regret against the best fixed point of the ball of radius D/2: Σ⟨g_t, x_t⟩ + (D/2)‖Σ g_t‖.

use mcu_kernels::online::{Example, Hedge, OptimisticOgd, Rule};
use testvectors::Rng;

const N: usize = 8;
const T: usize = 10_000;
const DIAM: f32 = 2.0;

/// Returns (regret, Σ‖g_t − M_t‖² as accumulated by the rule).
fn regret(optimistic: bool, grads: &[[f32; N]]) -> (f64, f64) {
    let mut rule = OptimisticOgd::<N>::new(DIAM, 1.0, optimistic);
    let mut w = [0.0f32; N];
    let x = [0.0f32; N];
    let mut total = 0.0f64;
    let mut sum = [0.0f64; N];
    for g in grads {
        total += w
            .iter()
            .zip(g)
            .map(|(a, b)| f64::from(*a) * f64::from(*b))
            .sum::<f64>();
        for (s, v) in sum.iter_mut().zip(g) {
            *s += f64::from(*v);
        }
        let ex = Example {
            x: &x,
            grad: g,
            dloss: 0.0,
            loss: 0.0,
            curvature: 0.0,
            margin_loss: 0.0,
            margin_dir: 0.0,
        };
        rule.step(&mut w, &ex);
        let nrm = w.iter().map(|a| f64::from(*a).powi(2)).sum::<f64>().sqrt();
        assert!(
            nrm <= f64::from(DIAM) / 2.0 + 1e-5,
            "iterate left the ball: {nrm}"
        );
    }
    let best = -(f64::from(DIAM) / 2.0) * sum.iter().map(|s| s * s).sum::<f64>().sqrt();
    (total - best, f64::from(rule.deviation()))
}

fn slow_stream() -> Vec<[f32; N]> {
    (0..T)
        .map(|t| {
            let mut g = [0.0f32; N];
            for (i, v) in g.iter_mut().enumerate() {
                // A fixed direction plus a slow periodic drift (period ≈ 630 steps).
                let ph = 0.01 * t as f32 + i as f32;
                *v = if i % 2 == 0 { 0.8 } else { -0.4 } + 0.2 * ph.sin();
            }
            g
        })
        .collect()
}

fn adversarial_stream(seed: u64) -> Vec<[f32; N]> {
    let mut rng = Rng::new(seed);
    (0..T)
        .map(|_| {
            let mut g = [0.0f32; N];
            for v in g.iter_mut() {
                *v = if rng.next_u32() & 1 == 0 { 1.0 } else { -1.0 };
            }
            g
        })
        .collect()
}

#[test]
fn optimistic_ogd_beats_ogd_on_slowly_varying_gradients() {
    let g = slow_stream();
    let (r_opt, dev_opt) = regret(true, &g);
    let (r_plain, dev_plain) = regret(false, &g);
    println!("slow: optimistic regret {r_opt:.3} (Σ‖g−M‖² {dev_opt:.3}), plain {r_plain:.3} (Σ‖g‖² {dev_plain:.1})");
    // Regret may be negative here: both learners track the periodic drift and beat the best
    // fixed point; the optimistic one tracks it better.
    assert!(r_opt < r_plain, "optimistic {r_opt} vs plain {r_plain}");
    // The hint error is tiny here: Σ‖g_t − g_{t−1}‖² ≪ Σ‖g_t‖².
    assert!(dev_opt < 0.01 * dev_plain);
    assert!(r_opt <= 2.5 * f64::from(DIAM) * (1.0 + dev_opt).sqrt());
}

#[test]
fn optimistic_ogd_within_bound_on_adversarial_gradients() {
    for seed in 1..=5 {
        let g = adversarial_stream(seed);
        let (r_opt, dev_opt) = regret(true, &g);
        let (r_plain, dev_plain) = regret(false, &g);
        let b_opt = 2.5 * f64::from(DIAM) * (1.0 + dev_opt).sqrt();
        let b_plain = 1.5 * f64::from(DIAM) * (1.0 + dev_plain).sqrt();
        println!(
            "adversarial {seed}: optimistic {r_opt:.1} ≤ {b_opt:.1}, plain {r_plain:.1} ≤ {b_plain:.1}"
        );
        assert!(
            r_opt <= b_opt,
            "optimistic regret {r_opt} above bound {b_opt}"
        );
        assert!(
            r_plain <= b_plain,
            "plain regret {r_plain} above bound {b_plain}"
        );
        // With a useless hint the deviation is at most 4× the plain one (‖g − M‖ ≤ 2 max‖g‖).
        assert!(dev_opt <= 4.0 * dev_plain + 1e-3);
    }
}

/// Hedge with losses in [0, 1]: regret against the best expert.
fn hedge_regret(optimistic: bool, losses: &[[f32; 4]], eta: f32) -> f64 {
    let mut h = Hedge::<4>::new(eta, optimistic);
    let mut total = 0.0f64;
    let mut cum = [0.0f64; 4];
    for l in losses {
        total += f64::from(h.mixture_loss(l));
        for (c, v) in cum.iter_mut().zip(l) {
            *c += f64::from(*v);
        }
        h.learn_one(l).unwrap();
    }
    total - cum.iter().cloned().fold(f64::INFINITY, f64::min)
}

#[test]
fn optimistic_hedge_beats_hedge_on_predictable_losses_and_respects_bound() {
    // Slowly drifting losses: the best expert changes twice.
    let slow: Vec<[f32; 4]> = (0..T)
        .map(|t| {
            let s = t as f32 / T as f32;
            [
                0.5 + 0.4 * (6.0 * s).sin(),
                0.5 + 0.4 * (6.0 * s).cos(),
                0.5,
                0.6 - 0.2 * s,
            ]
        })
        .collect();
    let eta = 0.05;
    let r_opt = hedge_regret(true, &slow, eta);
    let r_plain = hedge_regret(false, &slow, eta);
    println!("hedge slow: optimistic {r_opt:.2}, plain {r_plain:.2}");
    assert!(r_opt <= r_plain + 1e-6);
    // Adversarial 0/1 losses: plain Hedge bound ln K/η + ηT/8.
    let mut rng = Rng::new(7);
    let adv: Vec<[f32; 4]> = (0..T)
        .map(|_| {
            let mut l = [0.0f32; 4];
            for v in l.iter_mut() {
                *v = (rng.next_u32() & 1) as f32;
            }
            l
        })
        .collect();
    let eta = (8.0 * 4f64.ln() / T as f64).sqrt() as f32;
    let r = hedge_regret(false, &adv, eta);
    let bound = 4f64.ln() / f64::from(eta) + f64::from(eta) * T as f64 / 8.0;
    println!("hedge adversarial: regret {r:.1} ≤ {bound:.1}");
    assert!(r <= bound);
    // Optimistic Hedge: ln K/η + η Σ‖ℓ_t − ℓ_{t−1}‖²_∞ ≤ ln K/η + ηT.
    let r_o = hedge_regret(true, &adv, eta);
    let bound_o = 4f64.ln() / f64::from(eta) + f64::from(eta) * T as f64;
    println!("optimistic hedge adversarial: regret {r_o:.1} ≤ {bound_o:.1}");
    assert!(r_o <= bound_o);
}
