//! Halpern (anchored) iteration for matrix games min_{x ∈ Δ_m} max_{y ∈ Δ_n} xᵀAy.
//!
//! **Operator:** z = (x, y), F(z) = (Ay, −Aᵀx) is monotone and L-Lipschitz with L = ‖A‖₂
//! (bounded here by ‖A‖_F); Z = Δ_m × Δ_n and P_Z is the Euclidean projection.
//!
//! **Iteration** (Halpern with an extragradient inner operator, the anchored extragradient of
//! Yoon & Ryu 2021 in projected form): with λ_k = 1/(k + 2) and anchor z₀,
//! z_{k+½} = P_Z(z_k + λ_k(z₀ − z_k) − ηF(z_k)),
//! z_{k+1} = P_Z(z_k + λ_k(z₀ − z_k) − ηF(z_{k+½})),  η = 1/(8L)·`step_scale`.
//! The anchor is restarted at the current point whenever the residual has halved since the
//! last restart (restarted Halpern, linear convergence on games with sharp equilibria).
//!
//! **Variance reduction** (`variance_reduced = true`): F(z_{k+½}) is replaced by
//! F(w) + M(z_{k+½} − w) evaluated on the *difference* with a snapshot w refreshed every
//! `snapshot_every` iterations, where M(z − w) uses only the coordinates that changed by more
//! than 1e−15 (sparse difference), so late iterations whose supports have settled touch
//! few columns of A. The estimate is exact (not sampled), so the guarantees are those of the
//! plain iteration.
//!
//! **Stopping rule:** the computable operator (natural) residual
//! r(z) = ‖z − P_Z(z − ηF(z))‖₂ / η ≤ `tol`. The duality gap
//! max_j (Aᵀx)_j − min_i (Ay)_i is reported too (0 exactly at an equilibrium).

use crate::ot::projection::project_simplex_in_place;

/// Why a game was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GameError {
    /// Empty payoff or wrong data length.
    #[error(
        "payoff matrix must be non-empty with rows·cols values (got {rows}×{cols}, {len} values)"
    )]
    Shape {
        rows: usize,
        cols: usize,
        len: usize,
    },
    /// A payoff is NaN or infinite.
    #[error("non-finite payoff A[{row}, {col}]")]
    NonFinite { row: usize, col: usize },
    /// Bad option.
    #[error("bad parameter: {0}")]
    BadParameter(String),
}

/// A zero-sum matrix game: the row player minimises xᵀAy, the column player maximises it.
#[derive(Debug, Clone)]
pub struct Game {
    /// Rows m.
    pub m: usize,
    /// Columns n.
    pub n: usize,
    /// A, row-major.
    pub a: Vec<f64>,
}

impl Game {
    /// Checks and builds a game.
    ///
    /// # Errors
    /// [`GameError::Shape`], [`GameError::NonFinite`].
    pub fn new(rows: usize, cols: usize, a: Vec<f64>) -> Result<Self, GameError> {
        if rows == 0 || cols == 0 || rows.checked_mul(cols) != Some(a.len()) {
            return Err(GameError::Shape {
                rows,
                cols,
                len: a.len(),
            });
        }
        if let Some(p) = a.iter().position(|v| !v.is_finite()) {
            return Err(GameError::NonFinite {
                row: p / cols,
                col: p % cols,
            });
        }
        Ok(Self {
            m: rows,
            n: cols,
            a,
        })
    }

    /// Ay.
    pub fn ay(&self, y: &[f64]) -> Vec<f64> {
        self.a
            .chunks_exact(self.n)
            .map(|row| row.iter().zip(y).map(|(a, y)| a * y).sum())
            .collect()
    }

    /// Aᵀx.
    pub fn atx(&self, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.n];
        for (row, &xi) in self.a.chunks_exact(self.n).zip(x) {
            if xi != 0.0 {
                for (o, &a) in out.iter_mut().zip(row) {
                    *o += a * xi;
                }
            }
        }
        out
    }

    /// Duality gap max_j (Aᵀx)_j − min_i (Ay)_i ≥ 0 of a strategy pair.
    pub fn duality_gap(&self, x: &[f64], y: &[f64]) -> f64 {
        let hi = self.atx(x).into_iter().fold(f64::NEG_INFINITY, f64::max);
        let lo = self.ay(y).into_iter().fold(f64::INFINITY, f64::min);
        hi - lo
    }

    fn frobenius(&self) -> f64 {
        self.a.iter().map(|v| v * v).sum::<f64>().sqrt()
    }
}

/// Options of [`solve`].
#[derive(Debug, Clone, Copy)]
pub struct HalpernOptions {
    /// Stop when the operator residual ≤ tol.
    pub tol: f64,
    /// Iteration limit.
    pub max_iter: usize,
    /// η = step_scale/(8L).
    pub step_scale: f64,
    /// Evaluate F at the half step through the sparse snapshot difference.
    pub variance_reduced: bool,
    /// Snapshot refresh period (variance-reduced form).
    pub snapshot_every: usize,
}

impl Default for HalpernOptions {
    fn default() -> Self {
        Self {
            tol: 1e-6,
            max_iter: 200_000,
            step_scale: 1.0,
            variance_reduced: true,
            snapshot_every: 50,
        }
    }
}

/// Result of [`solve`].
#[derive(Debug, Clone)]
pub struct Equilibrium {
    /// Row player's strategy.
    pub x: Vec<f64>,
    /// Column player's strategy.
    pub y: Vec<f64>,
    /// Game value estimate xᵀAy.
    pub value: f64,
    /// Duality gap of (x, y).
    pub gap: f64,
    /// Operator residual at (x, y).
    pub residual: f64,
    /// Iterations done.
    pub iterations: usize,
    /// Whether residual ≤ tol.
    pub converged: bool,
}

/// One Halpern step's state.
#[derive(Debug)]
pub struct State<'g> {
    game: &'g Game,
    eta: f64,
    opts: HalpernOptions,
    /// Current point z_k = (x, y).
    pub x: Vec<f64>,
    /// Column player's part.
    pub y: Vec<f64>,
    x0: Vec<f64>,
    y0: Vec<f64>,
    k: usize,
    // Snapshot for the variance-reduced evaluation.
    wx: Vec<f64>,
    wy: Vec<f64>,
    fw_x: Vec<f64>, // A·wy
    fw_y: Vec<f64>, // Aᵀ·wx
    since_snapshot: usize,
    scratch: Vec<f64>,
}

impl<'g> State<'g> {
    /// Starts at the uniform strategies.
    ///
    /// # Errors
    /// [`GameError::BadParameter`] for non-positive tol or step.
    pub fn new(game: &'g Game, opts: HalpernOptions) -> Result<Self, GameError> {
        if !crate::ot::positive(opts.tol) || !crate::ot::positive(opts.step_scale) {
            return Err(GameError::BadParameter(
                "tol and step_scale must be positive".into(),
            ));
        }
        let l = game.frobenius().max(1e-300);
        let x = vec![1.0 / game.m as f64; game.m];
        let y = vec![1.0 / game.n as f64; game.n];
        let fw_x = game.ay(&y);
        let fw_y = game.atx(&x);
        Ok(Self {
            game,
            eta: opts.step_scale / (8.0 * l),
            opts,
            x0: x.clone(),
            y0: y.clone(),
            wx: x.clone(),
            wy: y.clone(),
            x,
            y,
            k: 0,
            fw_x,
            fw_y,
            since_snapshot: 0,
            scratch: Vec::new(),
        })
    }

    /// (Ay, Aᵀx) at (x, y): through the snapshot difference when variance-reduced.
    fn operator(&mut self, x: &[f64], y: &[f64]) -> (Vec<f64>, Vec<f64>) {
        if !self.opts.variance_reduced {
            return (self.game.ay(y), self.game.atx(x));
        }
        let n = self.game.n;
        let mut ay = self.fw_x.clone();
        let mut atx = self.fw_y.clone();
        for (j, (&yj, &wj)) in y.iter().zip(&self.wy).enumerate() {
            let d = yj - wj;
            if d.abs() > 1e-15 {
                for (o, row) in ay.iter_mut().zip(self.game.a.chunks_exact(n)) {
                    *o += row.get(j).copied().unwrap_or(0.0) * d;
                }
            }
        }
        for ((&xi, &wi), row) in x.iter().zip(&self.wx).zip(self.game.a.chunks_exact(n)) {
            let d = xi - wi;
            if d.abs() > 1e-15 {
                for (o, &a) in atx.iter_mut().zip(row) {
                    *o += a * d;
                }
            }
        }
        (ay, atx)
    }

    /// One anchored extragradient step z_k → z_{k+1}.
    pub fn step(&mut self) {
        let lam = 1.0 / (self.k as f64 + 2.0);
        let eta = self.eta;
        let (fx, fy) = self.operator(&self.x.clone(), &self.y.clone());
        let anchor = |z: &[f64], z0: &[f64], fz: &[f64], sign: f64| -> Vec<f64> {
            z.iter()
                .zip(z0)
                .zip(fz)
                .map(|((&z, &z0), &f)| z + lam * (z0 - z) - sign * eta * f)
                .collect()
        };
        let mut hx = anchor(&self.x, &self.x0, &fx, 1.0);
        let mut hy = anchor(&self.y, &self.y0, &fy, -1.0);
        project_simplex_in_place(&mut hx, 1.0, &mut self.scratch);
        project_simplex_in_place(&mut hy, 1.0, &mut self.scratch);
        let (gx, gy) = self.operator(&hx, &hy);
        let mut nx = anchor(&self.x, &self.x0, &gx, 1.0);
        let mut ny = anchor(&self.y, &self.y0, &gy, -1.0);
        project_simplex_in_place(&mut nx, 1.0, &mut self.scratch);
        project_simplex_in_place(&mut ny, 1.0, &mut self.scratch);
        self.x = nx;
        self.y = ny;
        self.k += 1;
        self.since_snapshot += 1;
        if self.opts.variance_reduced && self.since_snapshot >= self.opts.snapshot_every.max(1) {
            self.snapshot();
        }
    }

    fn snapshot(&mut self) {
        self.wx.clone_from(&self.x);
        self.wy.clone_from(&self.y);
        self.fw_x = self.game.ay(&self.y);
        self.fw_y = self.game.atx(&self.x);
        self.since_snapshot = 0;
    }

    /// Operator residual ‖z − P_Z(z − ηF(z))‖₂/η at the current point.
    pub fn residual(&mut self) -> f64 {
        let (fx, fy) = (self.game.ay(&self.y), self.game.atx(&self.x));
        let eta = self.eta;
        let mut px: Vec<f64> = self.x.iter().zip(&fx).map(|(z, f)| z - eta * f).collect();
        let mut py: Vec<f64> = self.y.iter().zip(&fy).map(|(z, f)| z + eta * f).collect();
        project_simplex_in_place(&mut px, 1.0, &mut self.scratch);
        project_simplex_in_place(&mut py, 1.0, &mut self.scratch);
        let d2: f64 = self
            .x
            .iter()
            .zip(&px)
            .chain(self.y.iter().zip(&py))
            .map(|(a, b)| (a - b) * (a - b))
            .sum();
        d2.sqrt() / eta
    }

    /// Restarts the anchor at the current point.
    pub fn restart(&mut self) {
        self.x0.clone_from(&self.x);
        self.y0.clone_from(&self.y);
        self.k = 0;
    }
}

/// Runs the restarted Halpern iteration until the operator residual ≤ tol.
/// `progress(iteration, gap, residual)` is called every 100 iterations.
///
/// # Errors
/// [`GameError::BadParameter`] for bad options.
pub fn solve(
    game: &Game,
    opts: HalpernOptions,
    progress: &mut dyn FnMut(usize, f64, f64),
) -> Result<Equilibrium, GameError> {
    let mut st = State::new(game, opts)?;
    let mut res = st.residual();
    let mut res_at_restart = res;
    let mut it = 0;
    while res > opts.tol && it < opts.max_iter {
        st.step();
        it += 1;
        res = st.residual();
        if res <= 0.5 * res_at_restart {
            st.restart();
            res_at_restart = res;
        }
        if it % 100 == 0 {
            progress(it, game.duality_gap(&st.x, &st.y), res);
        }
    }
    let ay = game.ay(&st.y);
    let value = st.x.iter().zip(&ay).map(|(x, v)| x * v).sum();
    Ok(Equilibrium {
        gap: game.duality_gap(&st.x, &st.y),
        value,
        residual: res,
        iterations: it,
        converged: res <= opts.tol,
        x: st.x,
        y: st.y,
    })
}
