//! Halpern (anchored) iterations for matrix games min_{x ∈ Δ_m} max_{y ∈ Δ_n} xᵀAy, in two
//! forms: an exact deterministic one and a stochastic variance-reduced one.
//!
//! **Operator:** z = (x, y), F(z) = (Ay, −Aᵀx) is monotone and L-Lipschitz with L = ‖A‖₂,
//! estimated by 30 power iterations (×1.05, capped by ‖A‖_F ≥ ‖A‖₂; 30 passes, counted);
//! Z = Δ_m × Δ_n and P_Z is the Euclidean projection. One *pass* is
//! one full evaluation of F (2mn entries of A read); [`Equilibrium::passes`] counts them
//! (sampled rows and columns count by the entries they read), so that the two methods are
//! compared on work, not on iterations.
//!
//! **Stopping rule (both methods):** the computable operator (natural) residual
//! r(z) = ‖z − P_Z(z − η_r F(z))‖₂ / η_r ≤ `tol` with η_r = 1/(8‖A‖_F) (a property of the
//! game, the same for both methods), evaluated with the full, exact F. The duality gap
//! max_j (Aᵀx)_j − min_i (Ay)_i is reported too (0 exactly at an equilibrium).
//!
//! **[`Method::Deterministic`]** (Halpern with an extragradient inner operator, the anchored
//! extragradient of Yoon & Ryu 2021 in projected form): with λ_k = 1/(k + 2) and anchor z₀,
//! z_{k+½} = P_Z(z_k + λ_k(z₀ − z_k) − ηF(z_k)),
//! z_{k+1} = P_Z(z_k + λ_k(z₀ − z_k) − ηF(z_{k+½})),  η = `step_scale`/(8L).
//! F(z_{k+1}) serves both the residual and the next step: two passes per iteration.
//!
//! **[`Method::StochasticVr`]**: the loopless variance-reduced extragradient of Alacaoglu &
//! Malitsky (2022, "Stochastic variance reduction for variational inequality methods",
//! Algorithm 1) with Halpern anchoring added. State z_k, snapshot w with F(w) stored:
//! z̄ = λ_k z₀ + (1 − λ_k)(α z_k + (1 − α) w),  α = 1 − p,
//! z_{k+½} = P_Z(z̄ − τF(w)),
//! z_{k+1} = P_Z(z̄ − τ[F(w) + F_ξ(z_{k+½}) − F_ξ(w)]),
//! and w ← z_{k+1} (one full pass) with probability p. The estimator samples b columns j with
//! probability q_j = ‖A_{:,j}‖²/‖A‖_F² and b rows i with r_i = ‖A_{i,:}‖²/‖A‖_F² (importance
//! sampling by norms) and uses F_ξ(z) − F_ξ(w) = (1/b)(Σ_j A_{:,j}(y_j − w_j)/q_j,
//! −Σ_i A_{i,:}ᵀ(x_i − w_i)/r_i): unbiased, with E‖F_ξ(u) − F_ξ(v)‖² ≤ (‖A‖₂² + ‖A‖_F²/b)‖u − v‖²,
//! so the mean-square Lipschitz constant is bounded by L_b = √(L² + ‖A‖_F²/b) and
//! τ = `step_scale`·0.5·√p/L_b (A–M: τ = γ√(1−α)/L, γ < 1). An iteration reads b(m + n)
//! entries of A; p defaults to b(m + n)/(2mn), which makes the expected snapshot cost equal
//! to the sampled cost. Since F(w) is exact, the residual of a fresh snapshot costs no extra
//! pass: the stopping rule is checked at every snapshot, and the returned point is the
//! snapshot that met it. The random numbers come from a seeded SplitMix64
//! ([`testvectors::Rng`]): a run is reproducible from `seed`.
//! Anchoring plus this estimator is our combination: Alacaoglu & Malitsky analyse it without
//! the anchor, Cai, Oikonomou & Zheng (2022) analyse stochastic Halpern with a different
//! (recursive, PAGE-type) estimator; here it is checked by the tests, not by a proof.
//!
//! **Restarts (both):** the anchor moves to the current point (and k to 0) whenever the
//! residual has halved since the last restart (restarted Halpern, linear convergence on games
//! with sharp equilibria).
//!
//! **Measured** (`cargo test --release -p host --test halpern_games -- --ignored
//! --nocapture`, 200×200 game with A uniform in [−1, 1] (seed 5), tol 1e−6 on the residual,
//! default options, 2-core VM under load):
//!
//! | method | passes | iterations | wall time |
//! |---|---|---|---|
//! | deterministic | 69 011 | 34 490 | 3.0 s |
//! | stochastic VR, b = 1, seeds 1/2/3 | 16 867 / 16 514 / 16 418 | ≈ 1.65 M | 9.0–9.8 s |
//! | stochastic VR, b = 8, seeds 1/2/3 | 17 344 / 17 403 / 17 359 | ≈ 216 k | 1.65–1.76 s |
//!
//! So the variance-reduced method needs about 4× fewer full-operator-equivalent passes here;
//! all runs reach the tolerance and the same value (0.00358273, gaps ≤ 4e−7). In *wall time*
//! the gain is smaller: a stochastic iteration also costs O(m + n) dense vector work and two
//! simplex projections per half step (Michelot's sort-free algorithm, below), which at b = 1
//! outweigh the b(m + n) sampled entries (3× slower than deterministic); b = 8 amortises them
//! (hence the default) and is 1.8× faster than the deterministic method. With
//! η = 1/(8‖A‖_F) instead of the power-iteration L the deterministic method needed 471 367
//! passes (‖A‖_F/‖A‖₂ ≈ 7 on this game); an earlier, sort-based projection made the
//! stochastic runs 2× slower in wall time (same iterates).

/// Euclidean projection onto the probability simplex by Michelot's (1986) fixed-point
/// algorithm: τ = (Σ_{i∈S} z_i − 1)/|S| over the active set S, drop every z_i ≤ τ, repeat
/// until S is stable; then z_i ← max(z_i − τ, 0). τ only grows, each round drops at least
/// one entry until the last, and there is no sort: O(n) per round, few rounds here (the
/// iterates' supports settle). Same projection as [`crate::solvers::ot::projection`]'s sort-based
/// one up to rounding.
fn project_simplex(z: &mut [f64], scratch: &mut Vec<f64>) {
    scratch.clear();
    scratch.extend_from_slice(z);
    let mut tau;
    loop {
        let len = scratch.len().max(1) as f64;
        tau = (scratch.iter().sum::<f64>() - 1.0) / len;
        let before = scratch.len();
        scratch.retain(|&v| v > tau);
        if scratch.len() == before || scratch.is_empty() {
            break;
        }
    }
    for v in z.iter_mut() {
        *v = (*v - tau).max(0.0);
    }
}

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

    /// [`Game::new`] from an nalgebra payoff matrix (copied to the row-major layout of the
    /// iterations' loops).
    ///
    /// # Errors
    /// As [`Game::new`].
    pub fn from_matrix(a: &nalgebra::DMatrix<f64>) -> Result<Self, GameError> {
        let (rows, cols) = a.shape();
        Self::new(rows, cols, a.transpose().as_slice().to_vec())
    }

    /// The payoff as an nalgebra matrix (a copy).
    pub fn payoff(&self) -> nalgebra::DMatrix<f64> {
        nalgebra::DMatrix::from_row_slice(self.m, self.n, &self.a)
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

    /// An estimate of ‖A‖₂ for the step sizes: 30 power iterations on AᵀA from a seeded
    /// random start (30 passes), times 1.05, capped by ‖A‖_F (which bounds it).
    pub fn spectral_norm_estimate(&self) -> f64 {
        let fro = self.frobenius();
        let mut rng = testvectors::Rng::new(0x5EED);
        let mut v: Vec<f64> = (0..self.n)
            .map(|_| (rng.next_u64() >> 11) as f64 / 9_007_199_254_740_992.0 - 0.5)
            .collect();
        let mut sigma = 0.0;
        for _ in 0..30 {
            let nv = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            if nv == 0.0 || !nv.is_finite() {
                return fro;
            }
            v.iter_mut().for_each(|x| *x /= nv);
            let w = self.ay(&v);
            sigma = w.iter().map(|x| x * x).sum::<f64>().sqrt();
            v = self.atx(&w);
        }
        (1.05 * sigma).min(fro)
    }

    fn frobenius(&self) -> f64 {
        self.a.iter().map(|v| v * v).sum::<f64>().sqrt()
    }
}

/// Passes spent by [`Game::spectral_norm_estimate`].
const POWER_PASSES: f64 = 30.0;

/// Which Halpern iteration [`solve`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Exact operator evaluations (anchored extragradient): deterministic.
    Deterministic,
    /// Sampled rows/columns with a full snapshot refreshed with probability p (loopless SVRG
    /// estimator), seeded.
    StochasticVr,
}

/// Options of [`solve`].
#[derive(Debug, Clone, Copy)]
pub struct HalpernOptions {
    /// Stop when the operator residual ≤ tol.
    pub tol: f64,
    /// Work limit in passes (full operator evaluations, 2mn entries of A each).
    pub max_passes: f64,
    /// Scales the step (η or τ, see the module docs).
    pub step_scale: f64,
    /// Deterministic or stochastic variance-reduced.
    pub method: Method,
    /// Stochastic: rows and columns sampled per iteration (b).
    pub batch: usize,
    /// Stochastic: snapshot probability p ∈ (0, 1]; 0 = b(m + n)/(2mn).
    pub snapshot_probability: f64,
    /// Stochastic: seed of the random numbers.
    pub seed: u64,
}

impl Default for HalpernOptions {
    fn default() -> Self {
        Self {
            tol: 1e-6,
            max_passes: 1e6,
            step_scale: 1.0,
            method: Method::Deterministic,
            batch: 8,
            snapshot_probability: 0.0,
            seed: 1,
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
    /// Work done, in full operator evaluations (2mn entries of A read = 1).
    pub passes: f64,
    /// Whether residual ≤ tol.
    pub converged: bool,
}

/// F(z) = (Ay, −Aᵀx) stored as (Ay, Aᵀx).
#[derive(Debug, Clone)]
struct OpValue {
    ay: Vec<f64>,
    atx: Vec<f64>,
}

impl OpValue {
    fn of(game: &Game, x: &[f64], y: &[f64]) -> Self {
        Self {
            ay: game.ay(y),
            atx: game.atx(x),
        }
    }
}

/// z − η F(z) = (x − η Ay, y + η Aᵀx), projected onto Z, into (px, py).
fn forward_project(
    x: &[f64],
    y: &[f64],
    f: (&[f64], &[f64]),
    eta: f64,
    scratch: &mut Vec<f64>,
) -> (Vec<f64>, Vec<f64>) {
    let mut px: Vec<f64> = x.iter().zip(f.0).map(|(z, g)| z - eta * g).collect();
    let mut py: Vec<f64> = y.iter().zip(f.1).map(|(z, g)| z + eta * g).collect();
    project_simplex(&mut px, scratch);
    project_simplex(&mut py, scratch);
    (px, py)
}

/// ‖z − P_Z(z − η_r F(z))‖₂/η_r from a stored F(z).
fn residual_of(x: &[f64], y: &[f64], f: &OpValue, eta_r: f64, scratch: &mut Vec<f64>) -> f64 {
    let (px, py) = forward_project(x, y, (&f.ay, &f.atx), eta_r, scratch);
    let d2: f64 = x
        .iter()
        .zip(&px)
        .chain(y.iter().zip(&py))
        .map(|(a, b)| (a - b) * (a - b))
        .sum();
    d2.sqrt() / eta_r
}

/// λ z₀ + (1 − λ) z.
fn anchored(z: &[f64], z0: &[f64], lam: f64) -> Vec<f64> {
    z.iter()
        .zip(z0)
        .map(|(&z, &z0)| z + lam * (z0 - z))
        .collect()
}

fn check_options(opts: &HalpernOptions) -> Result<(), GameError> {
    let p = opts.snapshot_probability;
    if !crate::solvers::ot::positive(opts.tol)
        || !crate::solvers::ot::positive(opts.step_scale)
        || opts.max_passes.is_nan()
        || opts.max_passes < 0.0
        || opts.batch == 0
        || !(0.0..=1.0).contains(&p)
    {
        return Err(GameError::BadParameter(format!(
            "need tol > 0, step_scale > 0, max_passes ≥ 0, batch ≥ 1, snapshot_probability in [0, 1] (got {opts:?})"
        )));
    }
    Ok(())
}

/// The stochastic method's batch against the pass budget: one iteration must fit in it
/// (checked before any work: a batch of 10^9 on a 4 × 5 game ran 43 s for one iteration).
fn check_batch(game: &Game, opts: &HalpernOptions) -> Result<(), GameError> {
    let entries = game.m.saturating_mul(game.n);
    let per_iteration = opts.batch as f64 * (game.m + game.n) as f64 / (2.0 * entries as f64);
    if per_iteration > opts.max_passes {
        return Err(GameError::BadParameter(format!(
            "batch {}: one iteration costs {per_iteration:.3e} passes, above max_passes = {}",
            opts.batch, opts.max_passes
        )));
    }
    Ok(())
}

/// The deterministic iteration's state ([`Method::Deterministic`]).
#[derive(Debug)]
pub struct State<'g> {
    game: &'g Game,
    eta: f64,
    eta_r: f64,
    /// Current point z_k = (x, y).
    pub x: Vec<f64>,
    /// Column player's part.
    pub y: Vec<f64>,
    fz: OpValue,
    x0: Vec<f64>,
    y0: Vec<f64>,
    k: usize,
    passes: f64,
    scratch: Vec<f64>,
}

impl<'g> State<'g> {
    /// Starts at the uniform strategies.
    ///
    /// # Errors
    /// [`GameError::BadParameter`] for bad options.
    pub fn new(game: &'g Game, opts: HalpernOptions) -> Result<Self, GameError> {
        check_options(&opts)?;
        let fro = game.frobenius().max(1e-300);
        let l = game.spectral_norm_estimate().max(1e-300);
        let x = vec![1.0 / game.m as f64; game.m];
        let y = vec![1.0 / game.n as f64; game.n];
        Ok(Self {
            game,
            eta: opts.step_scale / (8.0 * l),
            eta_r: 1.0 / (8.0 * fro),
            fz: OpValue::of(game, &x, &y),
            x0: x.clone(),
            y0: y.clone(),
            x,
            y,
            k: 0,
            passes: 1.0 + POWER_PASSES,
            scratch: Vec::new(),
        })
    }

    /// One anchored extragradient step z_k → z_{k+1} (two passes: F(z_{k+½}), F(z_{k+1})).
    pub fn step(&mut self) {
        let lam = 1.0 / (self.k as f64 + 2.0);
        let ax = anchored(&self.x, &self.x0, lam);
        let ay = anchored(&self.y, &self.y0, lam);
        let (hx, hy) = forward_project(
            &ax,
            &ay,
            (&self.fz.ay, &self.fz.atx),
            self.eta,
            &mut self.scratch,
        );
        let fh = OpValue::of(self.game, &hx, &hy);
        let (nx, ny) = forward_project(&ax, &ay, (&fh.ay, &fh.atx), self.eta, &mut self.scratch);
        self.fz = OpValue::of(self.game, &nx, &ny);
        self.x = nx;
        self.y = ny;
        self.k += 1;
        self.passes += 2.0;
    }

    /// Operator residual at the current point (no extra pass: F(z_k) is kept).
    pub fn residual(&mut self) -> f64 {
        residual_of(&self.x, &self.y, &self.fz, self.eta_r, &mut self.scratch)
    }

    /// Restarts the anchor at the current point.
    pub fn restart(&mut self) {
        self.x0.clone_from(&self.x);
        self.y0.clone_from(&self.y);
        self.k = 0;
    }
}

/// Cumulative weights for inverse-CDF sampling.
#[derive(Debug)]
struct Sampler {
    cdf: Vec<f64>,
    prob: Vec<f64>,
}

impl Sampler {
    fn new(weights: Vec<f64>) -> Self {
        let total: f64 = weights.iter().sum();
        let mut acc = 0.0;
        let cdf = weights
            .iter()
            .map(|w| {
                acc += w;
                acc
            })
            .collect();
        let prob = weights.iter().map(|w| w / total).collect();
        Self { cdf, prob }
    }

    /// An index with probability `prob[i]` (never one of weight 0).
    fn draw(&self, rng: &mut testvectors::Rng) -> usize {
        let total = self.cdf.last().copied().unwrap_or(0.0);
        let u = (rng.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0) * total;
        let i = self.cdf.partition_point(|&c| c <= u);
        // Skip zero-weight entries (u can equal a plateau's value only at the left edge).
        let last = self.cdf.len().saturating_sub(1);
        let mut i = i.min(last);
        while i < last && self.prob.get(i).copied().unwrap_or(0.0) == 0.0 {
            i += 1;
        }
        i
    }
}

/// The stochastic variance-reduced iteration's state ([`Method::StochasticVr`]).
#[derive(Debug)]
pub struct VrState<'g> {
    game: &'g Game,
    /// Aᵀ, row-major (columns of A contiguous).
    at: Vec<f64>,
    tau: f64,
    eta_r: f64,
    p: f64,
    batch: usize,
    /// Current point.
    pub x: Vec<f64>,
    /// Column player's part.
    pub y: Vec<f64>,
    x0: Vec<f64>,
    y0: Vec<f64>,
    /// Snapshot w and F(w).
    wx: Vec<f64>,
    wy: Vec<f64>,
    fw: OpValue,
    k: usize,
    passes: f64,
    rows: Sampler,
    cols: Sampler,
    rng: testvectors::Rng,
    scratch: Vec<f64>,
}

impl<'g> VrState<'g> {
    /// Starts at the uniform strategies, snapshot there.
    ///
    /// # Errors
    /// [`GameError::BadParameter`] for bad options.
    pub fn new(game: &'g Game, opts: HalpernOptions) -> Result<Self, GameError> {
        check_options(&opts)?;
        check_batch(game, &opts)?;
        let (m, n) = (game.m, game.n);
        let fro = game.frobenius().max(1e-300);
        let b = opts.batch as f64;
        let p = if opts.snapshot_probability > 0.0 {
            opts.snapshot_probability
        } else {
            (b * (m + n) as f64 / (2.0 * (m * n) as f64)).min(1.0)
        };
        let mut at = vec![0.0; m * n];
        for (i, row) in game.a.chunks_exact(n).enumerate() {
            for (j, &v) in row.iter().enumerate() {
                if let Some(t) = at.get_mut(j * m + i) {
                    *t = v;
                }
            }
        }
        let norms = |rows: &[f64], len: usize| -> Vec<f64> {
            rows.chunks_exact(len)
                .map(|r| r.iter().map(|v| v * v).sum())
                .collect()
        };
        let x = vec![1.0 / m as f64; m];
        let y = vec![1.0 / n as f64; n];
        let l2 = game.spectral_norm_estimate();
        let l_b = (l2 * l2 + fro * fro / b).sqrt().max(1e-300);
        Ok(Self {
            tau: opts.step_scale * 0.5 * p.sqrt() / l_b,
            eta_r: 1.0 / (8.0 * fro),
            p,
            batch: opts.batch,
            rows: Sampler::new(norms(&game.a, n)),
            cols: Sampler::new(norms(&at, m)),
            at,
            fw: OpValue::of(game, &x, &y),
            x0: x.clone(),
            y0: y.clone(),
            wx: x.clone(),
            wy: y.clone(),
            x,
            y,
            game,
            k: 0,
            passes: 1.0 + POWER_PASSES,
            rng: testvectors::Rng::new(opts.seed),
            scratch: Vec::new(),
        })
    }

    /// One iteration; returns true when it refreshed the snapshot (w = z_{k+1}, F(w) exact).
    pub fn step(&mut self) -> bool {
        let (m, n) = (self.game.m, self.game.n);
        let lam = 1.0 / (self.k as f64 + 2.0);
        let alpha = 1.0 - self.p;
        let mix = |z: &[f64], w: &[f64], z0: &[f64]| -> Vec<f64> {
            z.iter()
                .zip(w)
                .zip(z0)
                .map(|((&z, &w), &z0)| {
                    let zb = alpha * z + (1.0 - alpha) * w;
                    zb + lam * (z0 - zb)
                })
                .collect()
        };
        let bx = mix(&self.x, &self.wx, &self.x0);
        let by = mix(&self.y, &self.wy, &self.y0);
        let (hx, hy) = forward_project(
            &bx,
            &by,
            (&self.fw.ay, &self.fw.atx),
            self.tau,
            &mut self.scratch,
        );
        // g = F(w) + F_ξ(z_{k+½}) − F_ξ(w).
        let mut gay = self.fw.ay.clone();
        let mut gatx = self.fw.atx.clone();
        let inv_b = 1.0 / self.batch as f64;
        for _ in 0..self.batch {
            let j = self.cols.draw(&mut self.rng);
            let d = hy.get(j).copied().unwrap_or(0.0) - self.wy.get(j).copied().unwrap_or(0.0);
            let q = self.cols.prob.get(j).copied().unwrap_or(1.0);
            if d != 0.0 && q > 0.0 {
                let c = d * inv_b / q;
                let col = self.at.get(j * m..(j + 1) * m).unwrap_or(&[]);
                for (o, &a) in gay.iter_mut().zip(col) {
                    *o += c * a;
                }
            }
            let i = self.rows.draw(&mut self.rng);
            let d = hx.get(i).copied().unwrap_or(0.0) - self.wx.get(i).copied().unwrap_or(0.0);
            let r = self.rows.prob.get(i).copied().unwrap_or(1.0);
            if d != 0.0 && r > 0.0 {
                let c = d * inv_b / r;
                let row = self.game.a.get(i * n..(i + 1) * n).unwrap_or(&[]);
                for (o, &a) in gatx.iter_mut().zip(row) {
                    *o += c * a;
                }
            }
        }
        self.passes += self.batch as f64 * (m + n) as f64 / (2.0 * (m * n) as f64);
        let (nx, ny) = forward_project(&bx, &by, (&gay, &gatx), self.tau, &mut self.scratch);
        self.x = nx;
        self.y = ny;
        self.k += 1;
        let u = (self.rng.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0);
        if u < self.p {
            self.wx.clone_from(&self.x);
            self.wy.clone_from(&self.y);
            self.fw = OpValue::of(self.game, &self.x, &self.y);
            self.passes += 1.0;
            true
        } else {
            false
        }
    }

    /// Operator residual at the snapshot w (no extra pass).
    pub fn snapshot_residual(&mut self) -> f64 {
        residual_of(&self.wx, &self.wy, &self.fw, self.eta_r, &mut self.scratch)
    }

    /// Restarts the anchor at the snapshot.
    pub fn restart(&mut self) {
        self.x0.clone_from(&self.wx);
        self.y0.clone_from(&self.wy);
        self.k = 0;
    }
}

/// Runs the chosen restarted Halpern iteration until the operator residual ≤ tol or the pass
/// budget is spent. `progress(iteration, gap, residual)` is called every 100 residual checks.
///
/// # Errors
/// [`GameError::BadParameter`] for bad options.
pub fn solve(
    game: &Game,
    opts: HalpernOptions,
    progress: &mut dyn FnMut(usize, f64, f64),
) -> Result<Equilibrium, GameError> {
    let (x, y, res, it, passes) = match opts.method {
        Method::Deterministic => {
            let mut st = State::new(game, opts)?;
            let mut res = st.residual();
            let mut res_at_restart = res;
            let mut it = 0;
            while res > opts.tol && st.passes < opts.max_passes {
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
            (st.x, st.y, res, it, st.passes)
        }
        Method::StochasticVr => {
            let mut st = VrState::new(game, opts)?;
            let mut res = st.snapshot_residual();
            let mut res_at_restart = res;
            let (mut it, mut checks) = (0, 0usize);
            while res > opts.tol && st.passes < opts.max_passes {
                it += 1;
                if st.step() {
                    checks += 1;
                    res = st.snapshot_residual();
                    if res <= 0.5 * res_at_restart {
                        st.restart();
                        res_at_restart = res;
                    }
                    if checks % 100 == 0 {
                        progress(it, game.duality_gap(&st.wx, &st.wy), res);
                    }
                }
            }
            // The snapshot is the point whose residual is known.
            (st.wx, st.wy, res, it, st.passes)
        }
    };
    let ay = game.ay(&y);
    let value = x.iter().zip(&ay).map(|(x, v)| x * v).sum();
    Ok(Equilibrium {
        gap: game.duality_gap(&x, &y),
        value,
        residual: res,
        iterations: it,
        passes,
        converged: res <= opts.tol,
        x,
        y,
    })
}

#[cfg(test)]
mod tests {
    use super::project_simplex;

    #[test]
    fn michelot_matches_the_sort_based_projection() {
        let mut rng = testvectors::Rng::new(9);
        let mut scratch = Vec::new();
        for n in [1usize, 2, 3, 7, 50, 200] {
            for _ in 0..50 {
                let z: Vec<f64> = (0..n)
                    .map(|_| (rng.next_u64() >> 11) as f64 / 9_007_199_254_740_992.0 * 4.0 - 2.0)
                    .collect();
                let mut a = z.clone();
                let mut b = z.clone();
                project_simplex(&mut a, &mut scratch);
                crate::solvers::ot::projection::project_simplex_in_place(&mut b, 1.0, &mut scratch);
                let d = a
                    .iter()
                    .zip(&b)
                    .map(|(x, y)| (x - y).abs())
                    .fold(0.0, f64::max);
                assert!(d <= 1e-14, "n = {n}: {d:.2e}");
                assert!((a.iter().sum::<f64>() - 1.0).abs() <= 1e-13);
            }
        }
    }
}
