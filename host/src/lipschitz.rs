//! f64 references for `mcu_kernels::lipschitz`: exact spectral norms (SVD), sampled Jacobians and
//! the LipSDP bound (Fazlyab et al. 2019) solved with Clarabel's PSD cone.
//!
//! A network here is a list of weight matrices W₀ … W_l (biases do not change Lipschitz
//! constants), with one activation after every layer but the last.

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettingsBuilder, DefaultSolver, IPSolver, SolverStatus, SupportedConeT,
};
use nalgebra::DMatrix;

use crate::io::Matrix;

// Links Debian's libopenblas (and its LAPACK) for Clarabel's SDP support.
extern crate openblas_src;

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
            Act::MaxMin => width % 2 == 0,
            Act::GroupSort(g) => g > 0 && width % g == 0,
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

/// One ReLU of the lifted network: its pre-activation C (a row over ξ) and its index in ξ.
struct Neuron {
    c: Vec<f64>,
    idx: usize,
}

/// The network written over ξ = [x⁰; r¹; …]: the input and every ReLU output (a sort is a
/// network of compare-exchange steps, max(a, b) = b + relu(a − b), min(a, b) = a − relu(a − b)).
struct Lifted {
    dim: usize,
    n0: usize,
    neurons: Vec<Neuron>,
    out: Vec<Vec<f64>>,
}

fn matmul_rows(w: &Matrix, e: &[Vec<f64>], dim: usize) -> Vec<Vec<f64>> {
    (0..w.rows)
        .map(|r| {
            let mut row = vec![0.0; dim];
            for (&a, ec) in w.data[r * w.cols..(r + 1) * w.cols].iter().zip(e) {
                if a != 0.0 {
                    for (x, y) in row.iter_mut().zip(ec) {
                        *x += a * y;
                    }
                }
            }
            row
        })
        .collect()
}

fn relu_count(ws: &[Matrix], act: Act) -> usize {
    ws[..ws.len() - 1]
        .iter()
        .map(|w| match act {
            Act::Relu => w.rows,
            Act::MaxMin => w.rows / 2,
            Act::GroupSort(g) => w.rows / g * (g * (g - 1) / 2),
        })
        .sum()
}

fn new_relu(n0: usize, c: Vec<f64>, neurons: &mut Vec<Neuron>) -> usize {
    let idx = n0 + neurons.len();
    neurons.push(Neuron { c, idx });
    idx
}

/// Compare-exchange of rows a, b: position a gets max(a, b) = b + r, b gets min = a − r,
/// r = relu(a − b) a new neuron.
fn compare(n0: usize, e: &mut [Vec<f64>], a: usize, b: usize, neurons: &mut Vec<Neuron>) {
    let v: Vec<f64> = e[a].iter().zip(&e[b]).map(|(x, y)| x - y).collect();
    let j = new_relu(n0, v, neurons);
    let (ea, eb) = (e[a].clone(), e[b].clone());
    let mut mx = eb;
    mx[j] += 1.0;
    let mut mn = ea;
    mn[j] -= 1.0;
    e[a] = mx;
    e[b] = mn;
}

fn lift(ws: &[Matrix], act: Act) -> Lifted {
    let n0 = ws[0].cols;
    let dim = n0 + relu_count(ws, act);
    let mut e: Vec<Vec<f64>> = (0..n0)
        .map(|i| {
            let mut r = vec![0.0; dim];
            r[i] = 1.0;
            r
        })
        .collect();
    let mut neurons = Vec::new();
    for (k, w) in ws.iter().enumerate() {
        e = matmul_rows(w, &e, dim);
        if k + 1 == ws.len() {
            break;
        }
        match act {
            Act::Relu => {
                for ei in e.iter_mut() {
                    let c = std::mem::replace(ei, vec![0.0; dim]);
                    let j = new_relu(n0, c, &mut neurons);
                    ei[j] = 1.0;
                }
            }
            Act::MaxMin | Act::GroupSort(_) => {
                let g = if let Act::GroupSort(g) = act { g } else { 2 };
                for start in (0..e.len()).step_by(g) {
                    // Bubble-sort network, decreasing order.
                    for pass in 0..g {
                        for i in 0..g - 1 - pass.min(g - 1) {
                            compare(n0, &mut e, start + i, start + i + 1, &mut neurons);
                        }
                    }
                }
            }
        }
    }
    Lifted {
        dim,
        n0,
        neurons,
        out: e,
    }
}

/// svec index of (i, j), i ≤ j, in Clarabel's PSD triangle (upper triangle by columns).
fn svec_idx(i: usize, j: usize) -> usize {
    j * (j + 1) / 2 + i
}

/// Adds the symmetric matrix `m` (dense, dim × dim) into an svec column.
fn svec(m: &DMatrix<f64>) -> Vec<f64> {
    let n = m.nrows();
    let mut v = vec![0.0; n * (n + 1) / 2];
    let s2 = std::f64::consts::SQRT_2;
    for j in 0..n {
        for i in 0..=j {
            v[svec_idx(i, j)] = if i == j { m[(i, j)] } else { s2 * m[(i, j)] };
        }
    }
    v
}

/// The LipSDP upper bound on the network's ℓ₂ Lipschitz constant: min √ρ subject to
/// E_outᵀE_out − ρ·E₀ᵀE₀ + Σ_j λ_j(C_jᵀF_j + F_jᵀC_j − 2F_jᵀF_j) ⪯ 0, λ ≥ 0, over the lifted
/// network (each ReLU j: pre-activation C_j ξ, output F_j ξ = ξ_j, slope in [0, 1]). For
/// ReLU this is LipSDP-Neuron; MaxMin and GroupSort are written as compare-exchange networks,
/// where the same constraint with λ = 1 is exact. Solved by Clarabel (interior point, PSD
/// cone); returns √ρ·(1 + 1e−7) at the solver's optimum.
pub fn lipsdp(ws: &[Matrix], act: Act) -> Result<f64, String> {
    check_network(ws, act)?;
    let l = lift(ws, act);
    let n = l.dim;
    let m = l.neurons.len();
    let nvars = 1 + m;
    let nsv = n * (n + 1) / 2;
    // M(ρ, λ) = M0 + ρ·Mρ + Σ λ_j M_j ⪯ 0  ⇔  s = −M = b − A x ∈ PSD with b = −svec(M0),
    // A columns svec(Mρ), svec(M_j).
    let mut eo = DMatrix::<f64>::zeros(l.out.len(), n);
    for (r, row) in l.out.iter().enumerate() {
        for (c, &v) in row.iter().enumerate() {
            eo[(r, c)] = v;
        }
    }
    let m0 = eo.transpose() * &eo;
    let mut mrho = DMatrix::<f64>::zeros(n, n);
    for i in 0..l.n0 {
        mrho[(i, i)] = -1.0;
    }
    let mut cols: Vec<Vec<f64>> = vec![svec(&mrho)];
    for nr in &l.neurons {
        let mut mj = DMatrix::<f64>::zeros(n, n);
        for (k, &c) in nr.c.iter().enumerate() {
            if c != 0.0 {
                mj[(nr.idx, k)] += c;
                mj[(k, nr.idx)] += c;
            }
        }
        mj[(nr.idx, nr.idx)] -= 2.0;
        cols.push(svec(&mj));
    }
    // A = [svec columns ; −I on λ], b = [−svec(M0) ; 0].
    let mut colptr = vec![0usize];
    let mut rowval = Vec::new();
    let mut nzval = Vec::new();
    for (k, col) in cols.iter().enumerate() {
        for (r, &v) in col.iter().enumerate() {
            if v != 0.0 {
                rowval.push(r);
                nzval.push(v);
            }
        }
        if k > 0 {
            rowval.push(nsv + k - 1);
            nzval.push(-1.0);
        }
        colptr.push(rowval.len());
    }
    let a = CscMatrix::new(nsv + m, nvars, colptr, rowval, nzval);
    let mut b: Vec<f64> = svec(&m0).iter().map(|v| -v).collect();
    b.extend(std::iter::repeat_n(0.0, m));
    let p = CscMatrix::zeros((nvars, nvars));
    let mut c = vec![0.0; nvars];
    c[0] = 1.0;
    let mut cones = vec![SupportedConeT::PSDTriangleConeT(n)];
    if m > 0 {
        cones.push(SupportedConeT::NonnegativeConeT(m));
    }
    let settings = DefaultSettingsBuilder::default()
        .verbose(false)
        .max_iter(200)
        .build()
        .map_err(|e| format!("clarabel settings: {e:?}"))?;
    let mut solver = DefaultSolver::new(&p, &c, &a, &b, &cones, settings)
        .map_err(|e| format!("clarabel: {e:?}"))?;
    solver.solve();
    match solver.solution.status {
        SolverStatus::Solved | SolverStatus::AlmostSolved => {
            let rho = solver.solution.x[0].max(0.0);
            Ok(rho.sqrt() * (1.0 + 1e-7))
        }
        s => Err(format!("LipSDP solver status {s:?}")),
    }
}
