//! Online learners as Python classes with River's method names (`learn_one`, `predict_one`,
//! `predict_proba_one`) and batch forms over numpy arrays. The models are
//! `mcu_kernels::online`'s with `MAX_FEATURES` slots (the unused ones stay 0, as in `mcuk
//! learn`), the rule chosen by name with the CLI's (River's) defaults, and an optional
//! `StandardScaler` in front (River's pipeline semantics).

use crate::arrays::{rows_of, view};
use crate::errors::{input, kerr};
use mcu_kernels::online::{
    AProx, AdaGrad, AdaMax, Adam, BinaryEval, Ftrl, Implicit, LinearRegression, LogisticRegression,
    OptimisticOgd, PassiveAggressive, Rule, Sgd, StandardScaler,
};
use mcu_kernels::Error;
use numpy::{PyArray1, PyUntypedArrayMethods};
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

/// Online logistic regression (binary), River's `linear_model.LogisticRegression`
/// (`preprocessing.StandardScaler() | …` with `scale=True`).
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

    fn learn_one(&mut self, x: &Bound<'_, PyAny>, y: bool) -> PyResult<()> {
        let x = sample(x, self.n)?;
        let z = self.scaler.learn_transform(&x).map_err(kerr)?;
        self.model.learn(&z, y).map_err(kerr)
    }

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

    #[getter]
    fn weights<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_slice(py, &self.model.weights()[..self.n])
    }

    #[getter]
    fn intercept(&self) -> f32 {
        self.model.intercept()
    }
}

/// Online linear regression (squared loss), River's `linear_model.LinearRegression`.
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

    fn learn_one(&mut self, x: &Bound<'_, PyAny>, y: f32) -> PyResult<()> {
        let x = sample(x, self.n)?;
        let z = self.scaler.learn_transform(&x).map_err(kerr)?;
        self.model.learn(&z, y).map_err(kerr)
    }

    fn predict_one(&self, x: &Bound<'_, PyAny>) -> PyResult<f32> {
        Ok(self
            .model
            .predict(&self.scaler.transform(&sample(x, self.n)?)))
    }

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

    #[getter]
    fn weights<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_slice(py, &self.model.weights()[..self.n])
    }

    #[getter]
    fn intercept(&self) -> f32 {
        self.model.intercept()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add(
        "LogisticRegression",
        m.py().get_type::<LogisticRegressionPy>(),
    )?;
    m.add("LinearRegression", m.py().get_type::<LinearRegressionPy>())?;
    m.add("RULES", RULES.to_vec())?;
    Ok(())
}
