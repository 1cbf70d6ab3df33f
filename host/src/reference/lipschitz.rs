//! f64 references for `mcu_kernels::lipschitz`: exact spectral norms (SVD), sampled Jacobians,
//! the product bound. The LipSDP bound, a solver, is [`crate::solvers::lipsdp`].
//!
//! A network here is a list of weight matrices W₀ … W_l (biases do not change Lipschitz
//! constants), with one activation after every layer but the last.

use nalgebra::DMatrix;

use crate::io::Matrix;

/// The activation between layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// ReLU (slope in [0, 1]).
    Relu,
    /// MaxMin on consecutive pairs: (a, b) → (max, min).
    MaxMin,
    /// GroupSort: each group of this size sorted in decreasing order.
    GroupSort(usize),
}

impl Act {
    /// The activation's certified Lipschitz constant (all three are 1).
    pub fn lipschitz(self) -> f64 {
        1.0
    }

    /// Whether it can follow a layer of `width` outputs.
    pub fn fits(self, width: usize) -> bool {
        match self {
            Act::Relu => true,
            Act::MaxMin => width.is_multiple_of(2),
            Act::GroupSort(g) => g > 0 && width.is_multiple_of(g),
        }
    }

    /// Applies the activation in place, returning the Jacobian as a list of (row, col) ones
    /// (a 0/1 matrix: diagonal for ReLU, a permutation for the sorts).
    fn apply(self, x: &mut [f64]) -> Vec<(usize, usize)> {
        match self {
            Act::Relu => {
                let mut j = Vec::new();
                for (i, v) in x.iter_mut().enumerate() {
                    if *v > 0.0 {
                        j.push((i, i));
                    } else {
                        *v = 0.0;
                    }
                }
                j
            }
            Act::MaxMin => Act::GroupSort(2).apply(x),
            Act::GroupSort(g) => {
                let mut j = Vec::new();
                for (k, group) in x.chunks_mut(g).enumerate() {
                    let mut idx: Vec<usize> = (0..group.len()).collect();
                    idx.sort_by(|&a, &b| group[b].total_cmp(&group[a]));
                    let sorted: Vec<f64> = idx.iter().map(|&i| group[i]).collect();
                    group.copy_from_slice(&sorted);
                    for (out, &inp) in idx.iter().enumerate() {
                        j.push((k * g + out, k * g + inp));
                    }
                }
                j
            }
        }
    }
}

/// σ_max of a row-major `rows × cols` matrix by nalgebra's SVD.
pub fn sigma_max(rows: usize, cols: usize, data: &[f64]) -> f64 {
    if rows == 0 || cols == 0 {
        return 0.0;
    }
    let m = DMatrix::from_row_slice(rows, cols, data);
    m.singular_values().iter().copied().fold(0.0, f64::max)
}

/// σ_max of a [`Matrix`].
pub fn sigma_max_of(m: &Matrix) -> f64 {
    sigma_max(m.rows, m.cols, &m.data)
}

/// Checks that the layers chain (W_{k+1}.cols == W_k.rows) and that the activation fits.
pub fn check_network(ws: &[Matrix], act: Act) -> Result<(), String> {
    if ws.is_empty() {
        return Err("no layers".into());
    }
    for (k, w) in ws.iter().enumerate() {
        if w.rows == 0 || w.cols == 0 {
            return Err(format!("layer {k}: zero-sized shape {}x{}", w.rows, w.cols));
        }
        if w.data.iter().any(|v| !v.is_finite()) {
            return Err(format!("layer {k}: non-finite weight"));
        }
    }
    for (k, pair) in ws.windows(2).enumerate() {
        if pair[1].cols != pair[0].rows {
            return Err(format!(
                "layer {} has {} inputs but layer {k} has {} outputs",
                k + 1,
                pair[1].cols,
                pair[0].rows
            ));
        }
        if !act.fits(pair[0].rows) {
            return Err(format!(
                "activation {act:?} does not fit layer {k}'s {} outputs",
                pair[0].rows
            ));
        }
    }
    Ok(())
}

/// The network's output and its Jacobian (row-major out × in) at `x`, in f64.
pub fn forward_jacobian(ws: &[Matrix], act: Act, x: &[f64]) -> (Vec<f64>, DMatrix<f64>) {
    let mut h = x.to_vec();
    let mut jac = DMatrix::<f64>::identity(x.len(), x.len());
    for (k, w) in ws.iter().enumerate() {
        let wm = DMatrix::from_row_slice(w.rows, w.cols, &w.data);
        let z = &wm * nalgebra::DVector::from_column_slice(&h);
        jac = &wm * jac;
        h = z.iter().copied().collect();
        if k + 1 < ws.len() {
            let ones = act.apply(&mut h);
            let mut d = DMatrix::<f64>::zeros(h.len(), h.len());
            for (r, c) in ones {
                d[(r, c)] = 1.0;
            }
            jac = d * jac;
        }
    }
    (h, jac)
}

/// Largest ‖J(x)‖₂ over `samples` points drawn by `next_point` (a lower bound on the
/// network's Lipschitz constant).
pub fn max_sampled_jacobian(
    ws: &[Matrix],
    act: Act,
    samples: usize,
    mut next_point: impl FnMut() -> Vec<f64>,
) -> f64 {
    let mut best = 0.0f64;
    for _ in 0..samples {
        let x = next_point();
        let (_, j) = forward_jacobian(ws, act, &x);
        let s = j.singular_values().iter().copied().fold(0.0, f64::max);
        best = best.max(s);
    }
    best
}

/// Product of the exact spectral norms.
pub fn product_exact(ws: &[Matrix]) -> f64 {
    ws.iter().map(sigma_max_of).product()
}
