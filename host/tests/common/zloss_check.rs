//! The Z-loss contract check shared by the float and the FPU-free differential tests
//! (`zloss_differential.rs`, `nofpu_zloss_entmax_differential.rs`): loss within 1e−6 relative
//! of the f64 reference (losses ≥ 1e−30), each gradient component within 1e−6·‖∇L‖.
#![allow(dead_code)]

use host::reference::zloss as r;

/// Worst errors seen so far and how many losses were checked.
#[derive(Default)]
pub struct ZlossWorst {
    pub loss: f64,
    pub grad: f64,
    pub checked: u32,
}

impl ZlossWorst {
    /// Checks loss `l` and gradient `g` of vector `i` (outputs `o`, target `c`, scale `a`,
    /// bias `b`) against the f64 reference.
    #[allow(clippy::too_many_arguments)]
    pub fn check(&mut self, i: u32, o: &[f32], c: usize, a: f32, b: f32, l: f32, g: &[f32]) {
        let d = o.len();
        let (lr, gr) = r::zloss(o, c, f64::from(a), f64::from(b)).unwrap();
        if lr >= 1e-30 {
            let e = ((f64::from(l) - lr) / lr).abs();
            assert!(e <= 1e-6, "vector {i}: {l} vs {lr} (d {d}, a {a}, b {b})");
            self.loss = self.loss.max(e);
            self.checked += 1;
        }
        let norm = gr.iter().map(|v| v * v).sum::<f64>().sqrt();
        // ‖v‖² = (D − 1 − z_c²)/D: when it vanishes (target the only distinct maximum of a
        // two-level vector) the true gradient is 0 and both sides are rounding noise.
        let x: Vec<f64> = o.iter().map(|&v| f64::from(v)).collect();
        let mu = x.iter().sum::<f64>() / d as f64;
        let var = x.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / d as f64;
        let zc = if var > 0.0 {
            (x[c] - mu) / var.sqrt()
        } else {
            0.0
        };
        let degenerate = (d as f64 - 1.0 - zc * zc) < 1e-9 * d as f64;
        if !degenerate && norm > 0.0 && norm < 1e30 && norm > 1e-30 {
            for (k, (&gk, &rk)) in g.iter().zip(&gr).enumerate() {
                let e = (f64::from(gk) - rk).abs() / norm;
                assert!(e <= 1e-6, "vector {i}[{k}]: {gk} vs {rk} (norm {norm})");
                self.grad = self.grad.max(e);
            }
        }
    }
}
