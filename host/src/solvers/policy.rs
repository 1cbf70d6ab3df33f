//! Learning a Lipschitz-constrained feedback policy from expert demonstrations (the setting
//! of "Learning Lipschitz Feedback Policies from Expert Demonstrations"): a discretised
//! double integrator, an LQR expert, and a `mcu_kernels::lipschitz` MLP 2 → 16 → 1 with MaxMin,
//! trained by projected gradient steps (spectral normalization after every step keeps each
//! layer's certified bound ≤ its cap). The weights are exported as Rust source.

use mcu_kernels::lipschitz::{Activation, Dense, LipschitzMlp, Projection, Workspace};
use testvectors::Rng;

/// Time step of the double integrator.
pub const DT: f64 = 0.1;
/// Hidden width of the policy.
pub const H: usize = 16;
/// The policy type: 2 → 16 → MaxMin → 1.
pub type Policy = LipschitzMlp<2, H, 1, 0>;

/// x_{t+1} = A x_t + B u_t with A = [[1, dt], [0, 1]], B = [dt²/2, dt].
pub fn step(x: [f64; 2], u: f64) -> [f64; 2] {
    [x[0] + DT * x[1] + 0.5 * DT * DT * u, x[1] + DT * u]
}

/// The LQR gain K (u = −Kx) for Q = I, R = 1, by Riccati iteration.
pub fn lqr_gain() -> [f64; 2] {
    let (a, b) = ([[1.0, DT], [0.0, 1.0]], [0.5 * DT * DT, DT]);
    let mut p = [[1.0, 0.0], [0.0, 1.0]];
    let mut k = [0.0, 0.0];
    for _ in 0..10_000 {
        // K = (R + BᵀPB)⁻¹ BᵀPA
        let pb = [
            p[0][0] * b[0] + p[0][1] * b[1],
            p[1][0] * b[0] + p[1][1] * b[1],
        ];
        let s = 1.0 + b[0] * pb[0] + b[1] * pb[1];
        let bpa = [
            pb[0] * a[0][0] + pb[1] * a[1][0],
            pb[0] * a[0][1] + pb[1] * a[1][1],
        ];
        k = [bpa[0] / s, bpa[1] / s];
        // P = Q + AᵀP(A − BK)
        let acl = [
            [a[0][0] - b[0] * k[0], a[0][1] - b[0] * k[1]],
            [a[1][0] - b[1] * k[0], a[1][1] - b[1] * k[1]],
        ];
        let mut np = [[0.0; 2]; 2];
        for i in 0..2 {
            for j in 0..2 {
                let mut s = if i == j { 1.0 } else { 0.0 };
                for r in 0..2 {
                    for c in 0..2 {
                        s += a[r][i] * p[r][c] * acl[c][j];
                    }
                }
                np[i][j] = s;
            }
        }
        p = np;
    }
    k
}

/// The policy's output u = π(x) in f32.
pub fn act(p: &Policy, x: [f32; 2]) -> f32 {
    let mut y = [0.0f32];
    match p.forward(&x, &mut y) {
        Ok(()) => y[0],
        Err(_) => f32::NAN,
    }
}

/// Trains the policy on `n_steps` minibatch SGD steps of size 32 on states uniform in
/// [−2, 2]², targets −Kx; after every step both layers are projected to ‖W‖₂ ≤ `cap`.
pub fn train(seed: u64, n_steps: usize, cap: f32) -> Policy {
    let k = lqr_gain();
    let mut rng = Rng::new(seed);
    let mut w1 = [[0.0f32; 2]; H];
    for row in w1.iter_mut() {
        rng.fill_uniform(row, -0.7, 0.7);
    }
    let mut w2 = [[0.0f32; H]];
    rng.fill_uniform(&mut w2[0], -0.25, 0.25);
    let mut l1 = Dense::<2, H>::new(w1, [0.0; H]).expect("finite");
    let mut l2 = Dense::<H, 1>::new(w2, [0.0]).expect("finite");
    let mut ws1 = Workspace::<2>::new();
    let mut ws2 = Workspace::<H>::new();
    let lr = 0.05f32;
    for _ in 0..n_steps {
        let mut g1 = [[0.0f32; 2]; H];
        let mut gb1 = [0.0f32; H];
        let mut g2 = [[0.0f32; H]; 1];
        let mut gb2 = [0.0f32; 1];
        for _ in 0..32 {
            let x = [rng.uniform_f32(-2.0, 2.0), rng.uniform_f32(-2.0, 2.0)];
            let target = -(k[0] * x[0] as f64 + k[1] * x[1] as f64) as f32;
            let mut z = [0.0f32; H];
            l1.forward(&x, &mut z).expect("finite");
            let mut h = z;
            Activation::MaxMin.apply(&mut h).expect("finite");
            let mut y = [0.0f32];
            l2.forward(&h, &mut y).expect("finite");
            let dy = [2.0 * (y[0] - target) / 32.0];
            let (mut dh, mut dw2, mut db2) = ([0.0f32; H], [[0.0f32; H]; 1], [0.0f32]);
            l2.backward(&h, &dy, &mut dh, &mut dw2, &mut db2)
                .expect("finite");
            // MaxMin backward: each pair's gradient follows its permutation.
            let mut dz = [0.0f32; H];
            for ((dzp, dhp), zp) in dz
                .chunks_exact_mut(2)
                .zip(dh.chunks_exact(2))
                .zip(z.chunks_exact(2))
            {
                if zp[0] >= zp[1] {
                    dzp.copy_from_slice(dhp);
                } else {
                    dzp[0] = dhp[1];
                    dzp[1] = dhp[0];
                }
            }
            let (mut dx, mut dw1, mut db1) = ([0.0f32; 2], [[0.0f32; 2]; H], [0.0f32; H]);
            l1.backward(&x, &dz, &mut dx, &mut dw1, &mut db1)
                .expect("finite");
            for (g, d) in g1.iter_mut().zip(&dw1) {
                g[0] += d[0];
                g[1] += d[1];
            }
            for (g, d) in gb1.iter_mut().zip(&db1) {
                *g += d;
            }
            for (g, d) in g2[0].iter_mut().zip(&dw2[0]) {
                *g += d;
            }
            gb2[0] += db2[0];
        }
        for (w, g) in l1.w.iter_mut().zip(&g1) {
            w[0] -= lr * g[0];
            w[1] -= lr * g[1];
        }
        for (b, g) in l1.b.iter_mut().zip(&gb1) {
            *b -= lr * g;
        }
        for (w, g) in l2.w[0].iter_mut().zip(&g2[0]) {
            *w -= lr * g;
        }
        l2.b[0] -= lr * gb2[0];
        // Projected gradient: both layers back to ‖W‖₂ ≤ cap (certified).
        l1.project(Projection::Normalize, cap, &mut ws1)
            .expect("projection");
        l2.project(Projection::Normalize, cap, &mut ws2)
            .expect("projection");
    }
    LipschitzMlp {
        first: l1,
        hidden: [],
        last: l2,
        act: Activation::MaxMin,
    }
}

fn f32_lit(v: f32) -> String {
    // `{:?}` prints the shortest representation that round-trips.
    let s = format!("{v:?}");
    if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

/// The policy's weights as Rust source (constants `W1`, `B1`, `W2`, `B2`).
pub fn export_rust(p: &Policy, header: &str) -> String {
    let mut s = String::new();
    s.push_str(header);
    s.push_str(&format!(
        "/// First layer weights ({H}×2).\npub const W1: [[f32; 2]; {H}] = [\n"
    ));
    for row in &p.first.w {
        s.push_str(&format!(
            "    [{}, {}],\n",
            f32_lit(row[0]),
            f32_lit(row[1])
        ));
    }
    s.push_str("];\n");
    let list = |v: &[f32]| v.iter().map(|&x| f32_lit(x)).collect::<Vec<_>>().join(", ");
    s.push_str(&format!(
        "/// First layer bias.\npub const B1: [f32; {H}] = [{}];\n",
        list(&p.first.b)
    ));
    s.push_str(&format!(
        "/// Second layer weights (1×{H}).\npub const W2: [[f32; {H}]; 1] = [[{}]];\n",
        list(&p.last.w[0])
    ));
    s.push_str(&format!(
        "/// Second layer bias.\npub const B2: [f32; 1] = [{}];\n",
        list(&p.last.b)
    ));
    s
}
