//! The LipSDP upper bound on a network's ℓ₂ Lipschitz constant (Fazlyab et al. 2019), solved
//! with Clarabel's PSD cone. The network and its activation are those of
//! [`crate::reference::lipschitz`].

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettingsBuilder, DefaultSolver, IPSolver, SolverStatus, SupportedConeT,
};
use nalgebra::DMatrix;

use crate::io::Matrix;
use crate::reference::lipschitz::{check_network, Act};

// Links Debian's libopenblas (and its LAPACK) for Clarabel's SDP support.
extern crate openblas_src;

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
