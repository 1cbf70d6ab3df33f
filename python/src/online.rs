//! Online learners as Python classes with River's method names (`learn_one`, `predict_one`,
//! `predict_proba_one`) and batch forms over numpy arrays. The models are
//! `mcu_kernels::online`'s with `MAX_FEATURES` slots (the unused ones stay 0, as in `mcuk
//! learn`), the rule chosen by name with the CLI's (River's) defaults, and an optional
//! `StandardScaler` in front (River's pipeline semantics).

use crate::arrays::{rows_of, view};
use crate::errors::{input, kerr};
use mcu_kernels::online::{
    AProx, AdaGrad, AdaMax, Adam, BinaryEval, Ftrl, GlmConfig, Implicit, LinearRegression,
    LogisticRegression, OptimisticOgd, PassiveAggressive, Rule, Sgd, SoftmaxRegression,
    StandardScaler,
};
use mcu_kernels::Error;
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyDictMethods};

/// Feature slots of the Python models.
pub const MAX_FEATURES: usize = 64;
type X = [f32; MAX_FEATURES];

/// The rules by name, as `mcuk learn --rule`.
pub const RULES: &[&str] = &[
    "sgd", "adagrad", "adam", "adamax", "ftrl", "oogd", "implicit", "aprox", "pa",
];

trait Binary: Send + Sync {
    fn logit(&self, x: &X) -> f32;
    fn proba(&self, x: &X) -> f32;
    fn learn(&mut self, x: &X, y: bool) -> Result<(), Error>;
    fn weights(&self) -> &X;
    fn intercept(&self) -> f32;
}
impl<R: Rule<MAX_FEATURES> + Send + Sync> Binary for LogisticRegression<MAX_FEATURES, R> {
    fn logit(&self, x: &X) -> f32 {
        self.predict_logit(x)
    }
    fn proba(&self, x: &X) -> f32 {
        self.predict_proba(x)
    }
    fn learn(&mut self, x: &X, y: bool) -> Result<(), Error> {
        self.learn_one(x, y)
    }
    fn weights(&self) -> &X {
        LogisticRegression::weights(self)
    }
    fn intercept(&self) -> f32 {
        LogisticRegression::intercept(self)
    }
}

trait Regressor: Send + Sync {
    fn predict(&self, x: &X) -> f32;
    fn learn(&mut self, x: &X, y: f32) -> Result<(), Error>;
    fn weights(&self) -> &X;
    fn intercept(&self) -> f32;
}
impl<R: Rule<MAX_FEATURES> + Send + Sync> Regressor for LinearRegression<MAX_FEATURES, R> {
    fn predict(&self, x: &X) -> f32 {
        LinearRegression::predict(self, x)
    }
    fn learn(&mut self, x: &X, y: f32) -> Result<(), Error> {
        self.learn_one(x, y)
    }
    fn weights(&self) -> &X {
        LinearRegression::weights(self)
    }
    fn intercept(&self) -> f32 {
        LinearRegression::intercept(self)
    }
}

/// Classes of [`SoftmaxRegressionPy`]: 2 to 8, as `mcuk learn --model softmax`.
pub const MAX_CLASSES: usize = 8;

trait Multi: Send + Sync {
    fn proba(&self, x: &X, out: &mut [f32]);
    fn predict(&self, x: &X) -> usize;
    fn learn(&mut self, x: &X, y: usize) -> Result<(), Error>;
    /// Row k of W, then b.
    fn weights(&self, n: usize) -> Vec<f32>;
    fn intercepts(&self) -> Vec<f32>;
}
impl<const K: usize, R: Rule<MAX_FEATURES> + Send + Sync> Multi
    for SoftmaxRegression<MAX_FEATURES, K, R>
{
    fn proba(&self, x: &X, out: &mut [f32]) {
        let mut p = [0.0f32; K];
        self.predict_proba(x, &mut p);
        out.copy_from_slice(&p);
    }
    fn predict(&self, x: &X) -> usize {
        SoftmaxRegression::predict(self, x)
    }
    fn learn(&mut self, x: &X, y: usize) -> Result<(), Error> {
        self.learn_one(x, y)
    }
    fn weights(&self, n: usize) -> Vec<f32> {
        SoftmaxRegression::weights(self)
            .iter()
            .flat_map(|r| r[..n].iter().copied())
            .collect()
    }
    fn intercepts(&self) -> Vec<f32> {
        SoftmaxRegression::intercepts(self).to_vec()
    }
}

/// Expands `$mk` with `$rule` bound to the rule named `$name` (the CLI's defaults).
macro_rules! with_rule {
    ($name:expr, $lr:expr, |$rule:ident| $mk:expr) => {{
        let lr: Option<f32> = $lr;
        const D: usize = MAX_FEATURES;
        Ok::<_, PyErr>(match $name {
            "sgd" => {
                let $rule = Sgd::new(lr.unwrap_or(0.01));
                $mk
            }
            "adagrad" => {
                let $rule = AdaGrad::<D>::new(lr.unwrap_or(0.1), 1e-8, true);
                $mk
            }
            "adam" => {
                let $rule = Adam::<D>::new(lr.unwrap_or(0.1), 0.9, 0.999, 1e-8, true);
                $mk
            }
            "adamax" => {
                let $rule = AdaMax::<D>::new(lr.unwrap_or(0.1), 0.9, 0.999, 1e-8);
                $mk
            }
            "ftrl" => {
                let $rule = Ftrl::<D>::new(lr.unwrap_or(0.05), 1.0, 0.0, 1.0, true);
                $mk
            }
            "oogd" => {
                let $rule = OptimisticOgd::<D>::new(lr.unwrap_or(20.0), 1.0, true);
                $mk
            }
            "implicit" => {
                let $rule = Implicit::new(lr.unwrap_or(0.1));
                $mk
            }
            "aprox" => {
                let $rule = AProx::new(lr.unwrap_or(0.1));
                $mk
            }
            "pa" => {
                let $rule = PassiveAggressive::new(lr.unwrap_or(1.0));
                $mk
            }
            other => {
                return Err(input(format!(
                    "optimizer: unknown rule {other:?}; one of {RULES:?}"
                )))
            }
        })
    }};
}

fn check_lr(lr: Option<f32>) -> PyResult<()> {
    match lr {
        Some(v) if !(v.is_finite() && v > 0.0) => {
            Err(input(format!("lr must be finite and > 0, got {v}")))
        }
        _ => Ok(()),
    }
}

fn check_n(n: usize) -> PyResult<()> {
    if n == 0 || n > MAX_FEATURES {
        return Err(input(format!(
            "n_features must be in 1..={MAX_FEATURES}, got {n}"
        )));
    }
    Ok(())
}

/// One sample: a dict (its values, in order), a sequence or a 1-D array of n floats.
fn sample(x: &Bound<'_, PyAny>, n: usize) -> PyResult<X> {
    let v: Vec<f32> = if let Ok(d) = x.cast::<PyDict>() {
        d.values().extract()?
    } else {
        x.extract()
            .map_err(|_| input("x: expected a dict, a sequence or a 1-D array of floats"))?
    };
    if v.len() != n {
        return Err(input(format!("x: {} features, the model has {n}", v.len())));
    }
    let mut out = [0.0f32; MAX_FEATURES];
    out[..n].copy_from_slice(&v);
    Ok(out)
}

/// Rows of a 2-D float32 array with `n` columns, padded.
fn samples(xs: &Bound<'_, PyAny>, n: usize) -> PyResult<Vec<X>> {
    let a = view::<f32>(xs, "X", "float32")?;
    let (r, c) = rows_of(&a);
    if a.ndim() != 2 || c != n {
        return Err(input(format!(
            "X: expected a 2-D array with {n} columns, got shape {:?}",
            a.shape()
        )));
    }
    let s = a.as_slice().map_err(|e| input(e.to_string()))?;
    let mut out = vec![[0.0f32; MAX_FEATURES]; r];
    for (o, row) in out.iter_mut().zip(s.chunks_exact(c)) {
        o[..n].copy_from_slice(row);
    }
    Ok(out)
}

struct Scaler(Option<StandardScaler<MAX_FEATURES>>);
impl Scaler {
    fn transform(&self, x: &X) -> X {
        match &self.0 {
            Some(s) => {
                let mut z = [0.0; MAX_FEATURES];
                s.transform(x, &mut z);
                z
            }
            None => *x,
        }
    }
    fn learn_transform(&mut self, x: &X) -> Result<X, Error> {
        match &mut self.0 {
            Some(s) => {
                let mut z = [0.0; MAX_FEATURES];
                s.learn_transform(x, &mut z)?;
                Ok(z)
            }
            None => Ok(*x),
        }
    }
}

/// Online logistic regression as on the chip (`mcu_kernels::online::LogisticRegression`),
/// River's `linear_model.LogisticRegression`.
///
/// P(True | x) = σ(wᵀx + b); one step on (x, y) gives the rule the gradient (σ(wᵀx + b) − y)·x
/// and moves b ← b − 0.01·(σ − y). optimizer: one of RULES with River's defaults (sgd 0.01,
/// adagrad 0.1, adam 0.1, adamax 0.1, ftrl α 0.05, oogd 20, implicit 0.1, aprox 0.1, pa C 1),
/// default "adagrad"; lr replaces the step. scale=True puts a StandardScaler in front
/// (River's `preprocessing.StandardScaler() | …`). At most 64 features. Same progressive
/// accuracy as River on Phishing.
#[pyclass(module = "mcuk", name = "LogisticRegression")]
pub struct LogisticRegressionPy {
    n: usize,
    model: Box<dyn Binary>,
    scaler: Scaler,
}

#[pymethods]
impl LogisticRegressionPy {
    #[new]
    #[pyo3(signature = (n_features, optimizer = "adagrad", lr = None, scale = false))]
    fn new(n_features: usize, optimizer: &str, lr: Option<f32>, scale: bool) -> PyResult<Self> {
        check_n(n_features)?;
        check_lr(lr)?;
        let model: Box<dyn Binary> = with_rule!(optimizer, lr, |r| Box::new(LogisticRegression::<
            MAX_FEATURES,
            _,
        >::new(r))
            as Box<dyn Binary>)?;
        Ok(Self {
            n: n_features,
            model,
            scaler: Scaler(scale.then(StandardScaler::new)),
        })
    }

    /// One step on (x, y): x a dict (its values in order), a sequence or a 1-D array.
    fn learn_one(&mut self, x: &Bound<'_, PyAny>, y: bool) -> PyResult<()> {
        let x = sample(x, self.n)?;
        let z = self.scaler.learn_transform(&x).map_err(kerr)?;
        self.model.learn(&z, y).map_err(kerr)
    }

    /// {False: 1 − p, True: p} with p = σ(wᵀx + b).
    fn predict_proba_one<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let p = self
            .model
            .proba(&self.scaler.transform(&sample(x, self.n)?));
        let d = PyDict::new(py);
        d.set_item(false, 1.0 - f64::from(p))?;
        d.set_item(true, f64::from(p))?;
        Ok(d)
    }

    /// wᵀx + b > 0.
    fn predict_one(&self, x: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self
            .model
            .logit(&self.scaler.transform(&sample(x, self.n)?))
            > 0.0)
    }

    /// Learns every row of X (2-D float32) with its label (GIL released).
    fn learn_many(&mut self, py: Python<'_>, x: &Bound<'_, PyAny>, y: Vec<bool>) -> PyResult<()> {
        let xs = samples(x, self.n)?;
        if xs.len() != y.len() {
            return Err(input(format!("{} rows but {} labels", xs.len(), y.len())));
        }
        let (model, scaler) = (&mut self.model, &mut self.scaler);
        py.detach(|| {
            for (x, &y) in xs.iter().zip(&y) {
                let z = scaler.learn_transform(x)?;
                model.learn(&z, y)?;
            }
            Ok::<(), Error>(())
        })
        .map_err(kerr)
    }

    /// P(True) for every row of X.
    fn predict_proba_many<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let xs = samples(x, self.n)?;
        let v: Vec<f32> = py.detach(|| {
            xs.iter()
                .map(|x| self.model.proba(&self.scaler.transform(x)))
                .collect()
        });
        Ok(PyArray1::from_vec(py, v))
    }

    /// Progressive validation over (X, y), River's `evaluate.progressive_val_score`: each
    /// row is predicted, then learned. Returns (accuracy, log_loss) as
    /// `mcu_kernels::online::BinaryEval` computes them on the chip. Rows with a non-finite
    /// feature are skipped, as there.
    fn progressive(
        &mut self,
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        y: Vec<bool>,
    ) -> PyResult<(f64, f64)> {
        let xs = samples(x, self.n)?;
        if xs.len() != y.len() {
            return Err(input(format!("{} rows but {} labels", xs.len(), y.len())));
        }
        let (model, scaler) = (&mut self.model, &mut self.scaler);
        Ok(py.detach(|| {
            let mut ev = BinaryEval::new();
            for (x, &y) in xs.iter().zip(&y) {
                if !x.iter().all(|v| v.is_finite()) {
                    ev.skip();
                    continue;
                }
                ev.update_logit(model.logit(&scaler.transform(x)), y);
                match scaler.learn_transform(x) {
                    Ok(z) => {
                        let _ = model.learn(&z, y);
                    }
                    Err(_) => ev.skip(),
                }
            }
            (ev.accuracy(), ev.log_loss())
        }))
    }

    /// w (float32, n_features).
    #[getter]
    fn weights<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_slice(py, &self.model.weights()[..self.n])
    }

    /// b.
    #[getter]
    fn intercept(&self) -> f32 {
        self.model.intercept()
    }
}

/// Online linear regression (squared loss) as on the chip
/// (`mcu_kernels::online::LinearRegression`), River's `linear_model.LinearRegression`.
///
/// ŷ = wᵀx + b; one step on (x, y) gives the rule the gradient (ŷ − y)·x and moves
/// b ← b − 0.01·(ŷ − y). optimizer: one of RULES with River's defaults, default "sgd" with
/// step 0.01; lr replaces the step. scale=True puts a StandardScaler in front. At most 64
/// features.
#[pyclass(module = "mcuk", name = "LinearRegression")]
pub struct LinearRegressionPy {
    n: usize,
    model: Box<dyn Regressor>,
    scaler: Scaler,
}

#[pymethods]
impl LinearRegressionPy {
    #[new]
    #[pyo3(signature = (n_features, optimizer = "sgd", lr = None, scale = false))]
    fn new(n_features: usize, optimizer: &str, lr: Option<f32>, scale: bool) -> PyResult<Self> {
        check_n(n_features)?;
        check_lr(lr)?;
        let model: Box<dyn Regressor> = with_rule!(
            optimizer,
            lr,
            |r| Box::new(LinearRegression::<MAX_FEATURES, _>::new(r)) as Box<dyn Regressor>
        )?;
        Ok(Self {
            n: n_features,
            model,
            scaler: Scaler(scale.then(StandardScaler::new)),
        })
    }

    /// One step on (x, y): x a dict (its values in order), a sequence or a 1-D array.
    fn learn_one(&mut self, x: &Bound<'_, PyAny>, y: f32) -> PyResult<()> {
        let x = sample(x, self.n)?;
        let z = self.scaler.learn_transform(&x).map_err(kerr)?;
        self.model.learn(&z, y).map_err(kerr)
    }

    /// wᵀx + b.
    fn predict_one(&self, x: &Bound<'_, PyAny>) -> PyResult<f32> {
        Ok(self
            .model
            .predict(&self.scaler.transform(&sample(x, self.n)?)))
    }

    /// Learns every row of X (2-D float32) with its target (GIL released).
    fn learn_many(&mut self, py: Python<'_>, x: &Bound<'_, PyAny>, y: Vec<f32>) -> PyResult<()> {
        let xs = samples(x, self.n)?;
        if xs.len() != y.len() {
            return Err(input(format!("{} rows but {} targets", xs.len(), y.len())));
        }
        let (model, scaler) = (&mut self.model, &mut self.scaler);
        py.detach(|| {
            for (x, &y) in xs.iter().zip(&y) {
                let z = scaler.learn_transform(x)?;
                model.learn(&z, y)?;
            }
            Ok::<(), Error>(())
        })
        .map_err(kerr)
    }

    /// wᵀx + b for every row of X.
    fn predict_many<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let xs = samples(x, self.n)?;
        let v: Vec<f32> = py.detach(|| {
            xs.iter()
                .map(|x| self.model.predict(&self.scaler.transform(x)))
                .collect()
        });
        Ok(PyArray1::from_vec(py, v))
    }

    /// w (float32, n_features).
    #[getter]
    fn weights<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_slice(py, &self.model.weights()[..self.n])
    }

    /// b.
    #[getter]
    fn intercept(&self) -> f32 {
        self.model.intercept()
    }
}

/// Online multiclass (softmax) regression as on the chip
/// (`mcu_kernels::online::SoftmaxRegression`), River's `linear_model.SoftmaxRegression`.
///
/// P(k | x) = softmax(W x + b)_k over `n_classes` (2 to 8) classes numbered 0..n_classes;
/// one step on (x, y) moves row k with the rule on the gradient (P_k − [k = y])·x and the
/// intercept by b_k ← b_k − intercept_lr·(P_k − [k = y]). optimizer: one of RULES, default
/// "sgd" with River's step 0.01 (lr replaces it); intercept_lr defaults to 0.01 (the chip's
/// `GlmConfig::RIVER`); River's SoftmaxRegression has no intercept: intercept_lr=0 is River.
/// scale=True puts a StandardScaler in front (River's pipeline). At most 64 features.
#[pyclass(module = "mcuk", name = "SoftmaxRegression")]
pub struct SoftmaxRegressionPy {
    n: usize,
    k: usize,
    model: Box<dyn Multi>,
    scaler: Scaler,
}

fn class(y: usize, k: usize) -> PyResult<usize> {
    if y >= k {
        return Err(input(format!("y: class {y}, the model has {k} classes")));
    }
    Ok(y)
}

#[pymethods]
impl SoftmaxRegressionPy {
    #[new]
    #[pyo3(signature = (n_features, n_classes, optimizer = "sgd", lr = None, scale = false, intercept_lr = 0.01))]
    fn new(
        n_features: usize,
        n_classes: usize,
        optimizer: &str,
        lr: Option<f32>,
        scale: bool,
        intercept_lr: f32,
    ) -> PyResult<Self> {
        check_n(n_features)?;
        check_lr(lr)?;
        if !(2..=MAX_CLASSES).contains(&n_classes) {
            return Err(input(format!(
                "n_classes must be in 2..={MAX_CLASSES}, got {n_classes}"
            )));
        }
        if !(intercept_lr.is_finite() && intercept_lr >= 0.0) {
            return Err(input(format!(
                "intercept_lr must be finite and >= 0, got {intercept_lr}"
            )));
        }
        let cfg = GlmConfig {
            intercept_lr,
            ..GlmConfig::RIVER
        };
        macro_rules! by_k {
            ($($kk:literal)*) => {
                match n_classes {
                    $($kk => with_rule!(optimizer, lr, |r| Box::new(
                        SoftmaxRegression::<MAX_FEATURES, $kk, _>::with_config(r, cfg)
                    ) as Box<dyn Multi>)?,)*
                    _ => unreachable!("n_classes checked above"),
                }
            };
        }
        let model: Box<dyn Multi> = by_k!(2 3 4 5 6 7 8);
        Ok(Self {
            n: n_features,
            k: n_classes,
            model,
            scaler: Scaler(scale.then(StandardScaler::new)),
        })
    }

    /// One step on (x, class y): x a dict (its values in order), a sequence or a 1-D array.
    fn learn_one(&mut self, x: &Bound<'_, PyAny>, y: usize) -> PyResult<()> {
        let y = class(y, self.k)?;
        let x = sample(x, self.n)?;
        let z = self.scaler.learn_transform(&x).map_err(kerr)?;
        self.model.learn(&z, y).map_err(kerr)
    }

    /// {class: P(class | x)} for every class.
    fn predict_proba_one<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let mut p = vec![0.0f32; self.k];
        self.model
            .proba(&self.scaler.transform(&sample(x, self.n)?), &mut p);
        let d = PyDict::new(py);
        for (k, v) in p.iter().enumerate() {
            d.set_item(k, f64::from(*v))?;
        }
        Ok(d)
    }

    /// The most probable class (the first on ties).
    fn predict_one(&self, x: &Bound<'_, PyAny>) -> PyResult<usize> {
        Ok(self
            .model
            .predict(&self.scaler.transform(&sample(x, self.n)?)))
    }

    /// Learns every row of X (2-D float32) with its class (GIL released).
    fn learn_many(&mut self, py: Python<'_>, x: &Bound<'_, PyAny>, y: Vec<usize>) -> PyResult<()> {
        let xs = samples(x, self.n)?;
        if xs.len() != y.len() {
            return Err(input(format!("{} rows but {} labels", xs.len(), y.len())));
        }
        for &c in &y {
            class(c, self.k)?;
        }
        let (model, scaler) = (&mut self.model, &mut self.scaler);
        py.detach(|| {
            for (x, &y) in xs.iter().zip(&y) {
                let z = scaler.learn_transform(x)?;
                model.learn(&z, y)?;
            }
            Ok::<(), Error>(())
        })
        .map_err(kerr)
    }

    /// P(k | row) for every row of X: an (rows, n_classes) float32 array.
    fn predict_proba_many<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let xs = samples(x, self.n)?;
        let k = self.k;
        let v: Vec<f32> = py.detach(|| {
            let mut v = vec![0.0f32; xs.len() * k];
            for (x, out) in xs.iter().zip(v.chunks_exact_mut(k)) {
                self.model.proba(&self.scaler.transform(x), out);
            }
            v
        });
        PyArray1::from_vec(py, v).reshape([xs.len(), k])
    }

    /// The most probable class of every row of X.
    fn predict_many<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<i64>>> {
        let xs = samples(x, self.n)?;
        let v: Vec<i64> = py.detach(|| {
            xs.iter()
                .map(|x| self.model.predict(&self.scaler.transform(x)) as i64)
                .collect()
        });
        Ok(PyArray1::from_vec(py, v))
    }

    /// W, an (n_classes, n_features) float32 array.
    #[getter]
    fn weights<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        PyArray1::from_vec(py, self.model.weights(self.n)).reshape([self.k, self.n])
    }

    /// b, one intercept per class.
    #[getter]
    fn intercepts<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_vec(py, self.model.intercepts())
    }

    #[getter]
    fn n_classes(&self) -> usize {
        self.k
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add(
        "SoftmaxRegression",
        m.py().get_type::<SoftmaxRegressionPy>(),
    )?;
    m.add(
        "LogisticRegression",
        m.py().get_type::<LogisticRegressionPy>(),
    )?;
    m.add("LinearRegression", m.py().get_type::<LinearRegressionPy>())?;
    m.add("RULES", RULES.to_vec())?;
    Ok(())
}
