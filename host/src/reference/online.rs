//! f64 replicas of `mcu_kernels::online`: every model, rule, the scaler and progressive
//! validation, with run-time sizes (`Vec`), written from the same formulas. Used by the
//! differential tests (`host/tests/online_*.rs`) and as the CLI's cross-check.
//!
//! The replicas follow the kernels' semantics exactly (River's defaults and quirks, the same
//! clipping constants and the same guards) but compute in f64.

/// Gradient coordinate clip, as `mcu_kernels::online::GRAD_LIMIT`.
pub const GRAD_LIMIT: f64 = 1e15;

/// Which rule, with its parameters (the defaults are the kernels').
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RuleKind {
    /// w −= lr·g.
    Sgd { lr: f64 },
    /// Diagonal AdaGrad.
    AdaGrad { lr: f64, eps: f64, inside: bool },
    /// Adam (River's ε placement when `river`).
    Adam {
        lr: f64,
        b1: f64,
        b2: f64,
        eps: f64,
        river: bool,
    },
    /// AdaMax.
    AdaMax { lr: f64, b1: f64, b2: f64, eps: f64 },
    /// FTRL-Proximal (River's order when `river`).
    Ftrl {
        alpha: f64,
        beta: f64,
        l1: f64,
        l2: f64,
        river: bool,
    },
    /// Optimistic OGD on a ball (plain OGD when `!optimistic`).
    Oogd {
        diameter: f64,
        delta: f64,
        optimistic: bool,
    },
    /// Optimistic entropic mirror descent on the simplex.
    Entropic { eta: f64, optimistic: bool },
    /// Linearised implicit step.
    Implicit { lr: f64 },
    /// aProx truncated step.
    AProx { lr: f64 },
    /// PA-I.
    Pa { c: f64 },
}

impl RuleKind {
    /// River's / the kernels' defaults for a rule name used by the CLI.
    pub fn default_for(name: &str) -> Option<RuleKind> {
        Some(match name {
            "sgd" => RuleKind::Sgd { lr: 0.01 },
            "adagrad" => RuleKind::AdaGrad {
                lr: 0.1,
                eps: 1e-8,
                inside: true,
            },
            "adam" => RuleKind::Adam {
                lr: 0.1,
                b1: 0.9,
                b2: 0.999,
                eps: 1e-8,
                river: true,
            },
            "adamax" => RuleKind::AdaMax {
                lr: 0.1,
                b1: 0.9,
                b2: 0.999,
                eps: 1e-8,
            },
            "ftrl" => RuleKind::Ftrl {
                alpha: 0.05,
                beta: 1.0,
                l1: 0.0,
                l2: 1.0,
                river: true,
            },
            "oogd" => RuleKind::Oogd {
                diameter: 20.0,
                delta: 1.0,
                optimistic: true,
            },
            "entropic" => RuleKind::Entropic {
                eta: 0.1,
                optimistic: true,
            },
            "implicit" => RuleKind::Implicit { lr: 0.1 },
            "aprox" => RuleKind::AProx { lr: 0.1 },
            "pa" => RuleKind::Pa { c: 1.0 },
            _ => return None,
        })
    }
}

/// What a rule sees (see `mcu_kernels::online::Example`).
#[derive(Debug, Clone)]
pub struct ExampleF64<'a> {
    /// Features.
    pub x: &'a [f64],
    /// Weight gradient.
    pub grad: &'a [f64],
    /// ℓ(p).
    pub loss: f64,
    /// Curvature bound.
    pub curvature: f64,
    /// PA loss.
    pub margin_loss: f64,
    /// PA direction.
    pub margin_dir: f64,
}

/// A rule with its state.
#[derive(Debug, Clone)]
pub struct RuleF64 {
    /// Parameters.
    pub kind: RuleKind,
    a: Vec<f64>,
    b: Vec<f64>,
    t: i32,
    acc: f64,
}

fn sq(v: &[f64]) -> f64 {
    v.iter().map(|a| a * a).sum()
}

fn project(v: &mut [f64], r: f64) {
    let n = sq(v).sqrt();
    if n > r {
        for a in v.iter_mut() {
            *a *= r / n;
        }
    }
}

fn softmax(v: &[f64]) -> Vec<f64> {
    let m = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = v.iter().map(|a| (a - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|a| a / s).collect()
}

impl RuleF64 {
    /// Fresh state for `d` coordinates.
    pub fn new(kind: RuleKind, d: usize) -> Self {
        RuleF64 {
            kind,
            a: vec![0.0; d],
            b: vec![0.0; d],
            t: 0,
            acc: 0.0,
        }
    }

    /// One step (see the kernels' rule docs).
    pub fn step(&mut self, w: &mut [f64], ex: &ExampleF64<'_>) {
        let g = ex.grad;
        match self.kind {
            RuleKind::Sgd { lr } => {
                for (wi, gi) in w.iter_mut().zip(g) {
                    *wi -= lr * gi;
                }
            }
            RuleKind::AdaGrad { lr, eps, inside } => {
                for ((wi, gi), g2) in w.iter_mut().zip(g).zip(self.a.iter_mut()) {
                    *g2 += gi * gi;
                    let d = if inside {
                        (*g2 + eps).sqrt()
                    } else {
                        g2.sqrt() + eps
                    };
                    *wi -= lr * gi / d;
                }
            }
            RuleKind::Adam {
                lr,
                b1,
                b2,
                eps,
                river,
            } => {
                self.t += 1;
                let c1 = 1.0 - b1.powi(self.t);
                let c2 = 1.0 - b2.powi(self.t);
                for ((wi, gi), (m, v)) in w
                    .iter_mut()
                    .zip(g)
                    .zip(self.a.iter_mut().zip(self.b.iter_mut()))
                {
                    *m = b1 * *m + (1.0 - b1) * gi;
                    *v = b2 * *v + (1.0 - b2) * gi * gi;
                    if river {
                        *wi -= lr * c2.sqrt() / c1 * *m / (v.sqrt() + eps);
                    } else {
                        *wi -= lr * (*m / c1) / ((*v / c2).sqrt() + eps);
                    }
                }
            }
            RuleKind::AdaMax { lr, b1, b2, eps } => {
                self.t += 1;
                let c1 = 1.0 - b1.powi(self.t);
                for ((wi, gi), (m, u)) in w
                    .iter_mut()
                    .zip(g)
                    .zip(self.a.iter_mut().zip(self.b.iter_mut()))
                {
                    *m = b1 * *m + (1.0 - b1) * gi;
                    *u = (b2 * *u).max(gi.abs());
                    *wi -= lr / c1 * *m / (*u + eps);
                }
            }
            RuleKind::Ftrl {
                alpha,
                beta,
                l1,
                l2,
                river,
            } => {
                let weight = |z: f64, n: f64| -> Option<f64> {
                    if z.abs() > l1 {
                        Some(-(z - z.signum() * l1) / ((beta + n.sqrt()) / alpha + l2))
                    } else {
                        None
                    }
                };
                if river {
                    for (wi, (z, n)) in w.iter_mut().zip(self.a.iter().zip(self.b.iter())) {
                        if let Some(v) = weight(*z, *n) {
                            *wi = v;
                        }
                    }
                }
                for (wi, (gi, (z, n))) in w
                    .iter()
                    .zip(g.iter().zip(self.a.iter_mut().zip(self.b.iter_mut())))
                {
                    let nn = *n + gi * gi;
                    let s = (nn.sqrt() - n.sqrt()) / alpha;
                    *z += gi - s * wi;
                    *n = nn;
                }
                if !river {
                    for (wi, (z, n)) in w.iter_mut().zip(self.a.iter().zip(self.b.iter())) {
                        *wi = weight(*z, *n).unwrap_or(0.0);
                    }
                }
            }
            RuleKind::Oogd {
                diameter,
                delta,
                optimistic,
            } => {
                // a = y, b = hint.
                let dev: f64 = g
                    .iter()
                    .zip(&self.b)
                    .map(|(gi, mi)| (gi - mi) * (gi - mi))
                    .sum();
                self.acc += dev;
                let eta = diameter / (delta + self.acc).sqrt();
                for (yi, gi) in self.a.iter_mut().zip(g) {
                    *yi -= eta * gi;
                }
                project(&mut self.a, diameter / 2.0);
                for (mi, gi) in self.b.iter_mut().zip(g) {
                    *mi = if optimistic { *gi } else { 0.0 };
                }
                for (wi, (yi, mi)) in w.iter_mut().zip(self.a.iter().zip(&self.b)) {
                    *wi = yi - eta * mi;
                }
                project(w, diameter / 2.0);
            }
            RuleKind::Entropic { eta, optimistic } => {
                // a = θ, b = previous gradient.
                for ((th, gi), p) in self.a.iter_mut().zip(g).zip(self.b.iter_mut()) {
                    let h = if optimistic { 2.0 * gi - *p } else { *gi };
                    *th -= eta * h;
                    *p = *gi;
                }
                let m = self.a.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                for th in self.a.iter_mut() {
                    *th -= m;
                }
                for (wi, s) in w.iter_mut().zip(softmax(&self.a)) {
                    *wi = s;
                }
            }
            RuleKind::Implicit { lr } => {
                let s = lr / (1.0 + lr * ex.curvature * sq(ex.x));
                for (wi, gi) in w.iter_mut().zip(g) {
                    *wi -= s * gi;
                }
            }
            RuleKind::AProx { lr } => {
                let gn = sq(g);
                if gn > 0.0 {
                    let s = (ex.loss / gn).min(lr).max(0.0);
                    for (wi, gi) in w.iter_mut().zip(g) {
                        *wi -= s * gi;
                    }
                }
            }
            RuleKind::Pa { c } => {
                let xn = sq(ex.x);
                if xn > 0.0 && ex.margin_loss > 0.0 {
                    let tau = (ex.margin_loss / xn).min(c);
                    for (wi, xi) in w.iter_mut().zip(ex.x) {
                        *wi -= tau * ex.margin_dir * xi;
                    }
                }
            }
        }
    }
}

/// `GlmConfig` in f64.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CfgF64 {
    /// Intercept SGD step.
    pub intercept_lr: f64,
    /// L2 penalty.
    pub l2: f64,
    /// Loss-derivative clip.
    pub clip_gradient: f64,
    /// PA ε for regression.
    pub pa_epsilon: f64,
}

impl CfgF64 {
    /// River's defaults.
    pub const RIVER: CfgF64 = CfgF64 {
        intercept_lr: 0.01,
        l2: 0.0,
        clip_gradient: 1e12,
        pa_epsilon: 0.1,
    };
}

/// Which GLM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// Linear regression, (p − y)².
    Squared,
    /// Logistic regression, log loss.
    Log,
}

/// Logistic σ and ln(1 + eˣ) in f64: the references of `mcu_kernels::math`.
pub use super::math::{sigmoid, softplus};

#[allow(clippy::too_many_arguments)]
fn glm_step(
    w: &mut [f64],
    b: &mut f64,
    rule: &mut RuleF64,
    cfg: &CfgF64,
    x: &[f64],
    dloss: f64,
    loss: f64,
    curvature: f64,
    margin: (f64, f64),
) {
    let dloss = dloss.clamp(-cfg.clip_gradient, cfg.clip_gradient);
    let grad: Vec<f64> = x
        .iter()
        .zip(w.iter())
        .map(|(xi, wi)| (dloss * xi + cfg.l2 * wi).clamp(-GRAD_LIMIT, GRAD_LIMIT))
        .collect();
    *b -= cfg.intercept_lr * dloss;
    let ex = ExampleF64 {
        x,
        grad: &grad,
        loss,
        curvature,
        margin_loss: margin.0,
        margin_dir: margin.1,
    };
    rule.step(w, &ex);
}

/// Linear or logistic regression in f64.
#[derive(Debug, Clone)]
pub struct GlmF64 {
    /// Weights.
    pub w: Vec<f64>,
    /// Intercept.
    pub b: f64,
    /// Rule.
    pub rule: RuleF64,
    /// Settings.
    pub cfg: CfgF64,
    /// Loss.
    pub loss: Loss,
}

impl GlmF64 {
    /// Zero model with `d` features.
    pub fn new(loss: Loss, kind: RuleKind, d: usize, cfg: CfgF64) -> Self {
        GlmF64 {
            w: vec![0.0; d],
            b: 0.0,
            rule: RuleF64::new(kind, d),
            cfg,
            loss,
        }
    }
    /// Raw score p = wᵀx + b.
    pub fn raw(&self, x: &[f64]) -> f64 {
        self.w.iter().zip(x).map(|(a, b)| a * b).sum::<f64>() + self.b
    }
    /// One step; y is the target (0/1 for logistic).
    pub fn learn_one(&mut self, x: &[f64], y: f64) {
        let p = self.raw(x);
        let (dloss, loss, curv, margin) = match self.loss {
            Loss::Squared => {
                let r = p - y;
                let eps = self.cfg.pa_epsilon;
                let m = if r.abs() > eps {
                    (r.abs() - eps, r.signum())
                } else {
                    (0.0, 0.0)
                };
                (2.0 * r, r * r, 2.0, m)
            }
            Loss::Log => {
                let ys = if y > 0.5 { 1.0 } else { -1.0 };
                let m = 1.0 - ys * p;
                let m = if m > 0.0 { (m, -ys) } else { (0.0, 0.0) };
                (
                    sigmoid(p) - if y > 0.5 { 1.0 } else { 0.0 },
                    softplus(-ys * p),
                    0.25,
                    m,
                )
            }
        };
        glm_step(
            &mut self.w,
            &mut self.b,
            &mut self.rule,
            &self.cfg,
            x,
            dloss,
            loss,
            curv,
            margin,
        );
    }
}

/// Softmax regression in f64.
#[derive(Debug, Clone)]
pub struct SoftmaxF64 {
    /// Weight rows.
    pub w: Vec<Vec<f64>>,
    /// Intercepts.
    pub b: Vec<f64>,
    /// One rule per row.
    pub rules: Vec<RuleF64>,
    /// Settings.
    pub cfg: CfgF64,
}

impl SoftmaxF64 {
    /// Zero model, `d` features, `k` classes.
    pub fn new(kind: RuleKind, d: usize, k: usize, cfg: CfgF64) -> Self {
        SoftmaxF64 {
            w: vec![vec![0.0; d]; k],
            b: vec![0.0; k],
            rules: (0..k).map(|_| RuleF64::new(kind, d)).collect(),
            cfg,
        }
    }
    /// Raw scores.
    pub fn scores(&self, x: &[f64]) -> Vec<f64> {
        self.w
            .iter()
            .zip(&self.b)
            .map(|(r, b)| r.iter().zip(x).map(|(a, c)| a * c).sum::<f64>() + b)
            .collect()
    }
    /// Probabilities.
    pub fn proba(&self, x: &[f64]) -> Vec<f64> {
        softmax(&self.scores(x))
    }
    /// One step on class y.
    pub fn learn_one(&mut self, x: &[f64], y: usize) {
        let s = self.scores(x);
        let p = softmax(&s);
        let loss = -p[y].max(1e-30).ln();
        let cfg = self.cfg;
        for (k, ((row, bk), rule)) in self
            .w
            .iter_mut()
            .zip(self.b.iter_mut())
            .zip(self.rules.iter_mut())
            .enumerate()
        {
            let isy = k == y;
            let ys = if isy { 1.0 } else { -1.0 };
            let m = 1.0 - ys * s[k];
            let m = if m > 0.0 { (m, -ys) } else { (0.0, 0.0) };
            let dl = p[k] - if isy { 1.0 } else { 0.0 };
            glm_step(row, bk, rule, &cfg, x, dl, loss, 0.5, m);
        }
    }
}

/// River's StandardScaler in f64.
#[derive(Debug, Clone)]
pub struct ScalerF64 {
    /// Count.
    pub n: f64,
    /// Means.
    pub mean: Vec<f64>,
    /// Population variances.
    pub var: Vec<f64>,
}

impl ScalerF64 {
    /// Empty scaler for `d` features.
    pub fn new(d: usize) -> Self {
        ScalerF64 {
            n: 0.0,
            mean: vec![0.0; d],
            var: vec![0.0; d],
        }
    }
    /// Welford update.
    pub fn learn_one(&mut self, x: &[f64]) {
        self.n += 1.0;
        for ((m, v), xi) in self.mean.iter_mut().zip(self.var.iter_mut()).zip(x) {
            let old = *m;
            *m += (xi - old) / self.n;
            *v += ((xi - old) * (xi - *m) - *v) / self.n;
        }
    }
    /// (x − μ)/σ, 0 where σ² = 0.
    pub fn transform(&self, x: &[f64]) -> Vec<f64> {
        x.iter()
            .zip(self.mean.iter().zip(&self.var))
            .map(|(xi, (m, v))| if *v > 0.0 { (xi - m) / v.sqrt() } else { 0.0 })
            .collect()
    }
}

/// Progressive validation of (optionally) StandardScaler | LogisticRegression over a binary
/// stream, River's way, in f64. Returns (log-loss, accuracy).
pub fn progressive_logistic(
    data: &[(Vec<f64>, bool)],
    kind: RuleKind,
    cfg: CfgF64,
    scale: bool,
) -> (f64, f64) {
    let d = data.first().map_or(0, |r| r.0.len());
    let mut sc = ScalerF64::new(d);
    let mut m = GlmF64::new(Loss::Log, kind, d, cfg);
    let (mut ll, mut ok) = (0.0, 0usize);
    for (x, y) in data {
        let z = if scale { sc.transform(x) } else { x.clone() };
        let p = m.raw(&z);
        let pr = sigmoid(p).clamp(1e-15, 1.0 - 1e-15);
        ll += if *y { -pr.ln() } else { -(1.0 - pr).ln() };
        if (p > 0.0) == *y {
            ok += 1;
        }
        let z = if scale {
            sc.learn_one(x);
            sc.transform(x)
        } else {
            x.clone()
        };
        m.learn_one(&z, if *y { 1.0 } else { 0.0 });
    }
    let n = data.len().max(1) as f64;
    (ll / n, ok as f64 / n)
}

/// The Phishing data set bundled in `host/data/phishing/phishing.csv` (River's copy): 1,250
/// rows of 9 features and the label `is_phishing`.
pub fn phishing() -> Vec<(Vec<f64>, bool)> {
    const CSV: &str = include_str!("../../data/phishing/phishing.csv");
    CSV.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let v: Vec<f64> = l.split(',').filter_map(|c| c.trim().parse().ok()).collect();
            let (y, x) = v.split_last()?;
            Some((x.to_vec(), *y > 0.5))
        })
        .collect()
}

/// [`phishing`] as the kernels take it: each row's 9 features rounded to f32.
pub fn phishing_f32() -> Vec<([f32; 9], bool)> {
    phishing()
        .into_iter()
        .map(|(x, y)| {
            let mut a = [0.0f32; 9];
            for (o, v) in a.iter_mut().zip(&x) {
                *o = *v as f32;
            }
            (a, y)
        })
        .collect()
}
