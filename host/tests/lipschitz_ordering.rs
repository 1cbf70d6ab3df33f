//! The ordering of Lipschitz estimates on random small networks (widths ≤ 32, depth ≤ 4):
//! max sampled ‖J‖ ≤ LipSDP ≤ Π‖W_l‖₂ (SVD) ≤ Π (kernels' certified bounds).

use host::io::Matrix;
use host::reference::lipschitz::{max_sampled_jacobian, product_exact, sigma_max, Act};
use host::solvers::lipsdp::lipsdp;
use mcu_kernels::lipschitz::{gram_scratch_len, spectral_norm_upper_bound, GRAM_ITERS};
use testvectors::Rng;

fn random_net(rng: &mut Rng, act: Act) -> Vec<Matrix> {
    let depth = 2 + rng.below(3) as usize; // 2..=4 layers
    let unit = match act {
        Act::Relu => 1,
        Act::MaxMin => 2,
        Act::GroupSort(g) => g,
    };
    let mut widths = vec![1 + rng.below(8) as usize];
    for _ in 1..depth {
        widths.push(unit * (1 + rng.below((32 / unit) as u32) as usize));
    }
    widths.push(1 + rng.below(4) as usize);
    // Keep the SDP small enough for the time budget (Clarabel's PSD cone grows with the
    // lifted neurons): at most 32 ReLUs, i.e. total hidden width ≤ 32 (ReLU, MaxMin: 16
    // compare-exchanges) or 16 (GroupSort(4): 24 compare-exchanges). One layer may still
    // be 32 wide.
    let budget = match act {
        Act::GroupSort(_) => 16,
        _ => 32,
    };
    while widths[1..depth].iter().sum::<usize>() > budget {
        let k = 1 + rng.below(depth as u32 - 1) as usize;
        if widths[k] > unit {
            widths[k] -= unit;
        }
    }
    (0..depth)
        .map(|k| {
            let (rows, cols) = (widths[k + 1], widths[k]);
            let s = 1.0 / (cols as f32).sqrt();
            let data: Vec<f64> = (0..rows * cols)
                .map(|_| rng.uniform_f32(-2.0 * s, 2.0 * s) as f64)
                .collect();
            Matrix { rows, cols, data }
        })
        .collect()
}

fn certified_product(ws: &[Matrix]) -> f64 {
    ws.iter()
        .map(|m| {
            let w: Vec<f32> = m.data.iter().map(|&x| x as f32).collect();
            let mut s = vec![0.0; gram_scratch_len(m.rows, m.cols)];
            spectral_norm_upper_bound(&w, m.rows, m.cols, GRAM_ITERS, &mut s).unwrap() as f64
        })
        .product()
}

#[test]
fn ordering_on_60_random_networks_widths_up_to_32_depth_up_to_4() {
    let mut rng = Rng::new(2026);
    let acts = [Act::Relu, Act::MaxMin, Act::GroupSort(4)];
    let mut gaps = [(0.0f64, 0.0f64, 0usize); 3];
    for i in 0..60 {
        let a = i % 3;
        let act = acts[a];
        let ws = random_net(&mut rng, act);
        let n0 = ws[0].cols;
        let mut prng = Rng::new(i as u64);
        let sampled = max_sampled_jacobian(&ws, act, 300, || {
            (0..n0)
                .map(|_| prng.uniform_f32(-3.0, 3.0) as f64)
                .collect()
        });
        let sdp = lipsdp(&ws, act).unwrap();
        let exact = product_exact(&ws);
        let cert = certified_product(&ws);
        let shape: Vec<usize> = std::iter::once(n0)
            .chain(ws.iter().map(|w| w.rows))
            .collect();
        assert!(
            sampled <= sdp * (1.0 + 1e-6),
            "{i} {act:?} {shape:?}: sampled {sampled} > LipSDP {sdp}"
        );
        assert!(
            sdp <= exact * (1.0 + 1e-6),
            "{i} {act:?} {shape:?}: LipSDP {sdp} > product {exact}"
        );
        assert!(cert >= exact, "{i}: certified {cert} < exact {exact}");
        gaps[a].0 += sdp / exact;
        gaps[a].1 += sampled / sdp;
        gaps[a].2 += 1;
    }
    for (act, g) in acts.iter().zip(&gaps) {
        println!(
            "{act:?}: {} networks, mean LipSDP/product = {:.3}, mean sampled/LipSDP = {:.3}",
            g.2,
            g.0 / g.2 as f64,
            g.1 / g.2 as f64
        );
    }
}

#[test]
fn lipsdp_of_one_layer_is_its_norm() {
    let mut rng = Rng::new(5);
    for _ in 0..5 {
        let (rows, cols) = (1 + rng.below(6) as usize, 1 + rng.below(6) as usize);
        let data: Vec<f64> = (0..rows * cols)
            .map(|_| rng.uniform_f32(-1.0, 1.0) as f64)
            .collect();
        let s = sigma_max(rows, cols, &data);
        let m = Matrix { rows, cols, data };
        let l = lipsdp(&[m], Act::Relu).unwrap();
        assert!((l - s).abs() <= 1e-6 * s, "{l} vs {s}");
    }
}

#[test]
fn lipsdp_maxmin_recovers_isometry() {
    // Identity → MaxMin → identity is exactly 1-Lipschitz; LipSDP must find ≈ 1.
    let eye = |n: usize| Matrix {
        rows: n,
        cols: n,
        data: (0..n * n)
            .map(|k| if k / n == k % n { 1.0 } else { 0.0 })
            .collect(),
    };
    for act in [Act::MaxMin, Act::GroupSort(4)] {
        let l = lipsdp(&[eye(8), eye(8)], act).unwrap();
        assert!((l - 1.0).abs() < 1e-5, "{act:?}: {l}");
    }
}

#[test]
fn lipsdp_rejects_bad_networks() {
    let m = |rows, cols| Matrix {
        rows,
        cols,
        data: vec![0.5; rows * cols],
    };
    assert!(lipsdp(&[m(3, 2), m(2, 4)], Act::Relu).is_err());
    assert!(lipsdp(&[m(3, 2), m(2, 3)], Act::MaxMin).is_err());
    let mut bad = m(2, 2);
    bad.data[0] = f64::NAN;
    assert!(lipsdp(&[bad], Act::Relu).is_err());
}
