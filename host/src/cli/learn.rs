//! `mcuk learn`: progressive validation of a `mcu_kernels::online` learner on a CSV file.
//!
//! ```text
//! mcuk learn --data FILE.csv --target COLUMN [--model logistic|linear|softmax]
//!       [--rule sgd|adagrad|adam|adamax|ftrl|oogd|implicit|aprox|pa] [--lr X] [--scale]
//!       [--format text|json]
//! ```
//!
//! For each row, in file order: predict, score the prediction, then learn from the row
//! (River's `progressive_val_score`). With `--scale` a `StandardScaler` runs in front of the
//! model with River's pipeline semantics.
//!
//! * The file needs a header row; every column other than the target must be numeric (`NaN`
//!   and `inf` are accepted and the row is skipped by the kernels' safety policy; the count
//!   is reported as `skipped`). Quoted cells (`"1.5"`) are unquoted; embedded commas are not
//!   supported.
//! * The target column's distinct values become the classes, sorted (numerically if they all
//!   parse as numbers, else as text); for `logistic` there must be exactly two and the second
//!   is the positive class. `linear` needs a numeric target. `softmax` supports 2 to 8 classes.
//! * The kernels are sized at compile time: the CLI runs them with `MAX_FEATURES` = 64
//!   feature slots and zero-pads the unused ones. Zero features leave every rule used here
//!   exactly as without them (their gradients are 0, the scaler maps them to 0), so the
//!   results equal those of a model of the exact size; `state_bytes` is reported for the exact
//!   feature count (all state is linear in it).
//! * `--model` defaults to `logistic` (two classes) or `softmax` (more), `--rule` to
//!   `adagrad`. Rule defaults follow River 0.26: sgd lr 0.01; adagrad lr 0.1, ε 1e−8 inside the
//!   root; adam lr 0.1, β 0.9/0.999, ε 1e−8 not bias-corrected; adamax lr 0.1; ftrl α 0.05,
//!   β 1, λ₁ 0, λ₂ 1, River's update order. Ours: oogd diameter 20 (`--lr` sets it), δ 1;
//!   implicit lr 0.1; aprox lr 0.1; pa C 1 (`--lr` sets C). The intercept uses plain SGD with
//!   step 0.01 (River). `--lr` replaces the rule's step (α for ftrl).
//! * Output: accuracy, log_loss (classification) or mae, rmse (regression), n (rows scored),
//!   skipped, state_bytes (model + scaler). `--format json` prints one JSON object with those
//!   keys. Errors (missing column, non-numeric cell with its line number, ragged rows, bad
//!   options) go to stderr with exit status 1 (data) or 2 (usage, from the argument parser);
//!   the program never panics.

use mcu_kernels::online::{
    AProx, AdaGrad, AdaMax, Adam, BinaryEval, Ftrl, Implicit, LinearRegression, LogisticRegression,
    MulticlassEval, OptimisticOgd, PassiveAggressive, RegressionEval, Rule, Sgd, SoftmaxRegression,
    StandardScaler,
};
use std::fmt::Write as _;

use super::common::Format;
use super::CliError;

/// Feature slots compiled into the CLI's models.
const MAX_FEATURES: usize = 64;
/// Largest class count for `--model softmax`.
const MAX_CLASSES: usize = 8;

/// A data error: one line for standard error (exit status 1).
#[derive(Debug)]
struct Fail(String);

/// Flags of `mcuk learn`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The CSV file: a header row, then one sample per row.
    #[arg(long)]
    pub data: String,
    /// The column to predict.
    #[arg(long)]
    pub target: String,
    /// The model; default logistic for two classes, softmax for more.
    #[arg(long, value_parser = ["logistic", "linear", "softmax"])]
    pub model: Option<String>,
    /// The update rule.
    #[arg(long, default_value = "adagrad",
          value_parser = ["sgd", "adagrad", "adam", "adamax", "ftrl", "oogd", "implicit", "aprox", "pa"])]
    pub rule: String,
    /// The rule's step (α for ftrl, the diameter for oogd, C for pa); finite and > 0.
    #[arg(long, allow_negative_numbers = true, value_parser = positive_f32)]
    pub lr: Option<f32>,
    /// A StandardScaler in front of the model (River's pipeline semantics).
    #[arg(long)]
    pub scale: bool,
    /// Summary format on standard output.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

fn positive_f32(v: &str) -> Result<f32, String> {
    let lr: f32 = v.parse().map_err(|_| format!("not a number: {v:?}"))?;
    if lr.is_finite() && lr > 0.0 {
        Ok(lr)
    } else {
        Err(format!("must be finite and > 0, got {v}"))
    }
}

/// The parsed file: features (zero-padded), raw target strings, header names.
struct Data {
    features: Vec<[f32; MAX_FEATURES]>,
    target: Vec<String>,
    /// 1-based line number of each row.
    lines: Vec<usize>,
    n_features: usize,
}

fn read_csv(path: &str, target: &str) -> Result<Data, Fail> {
    let t = host::io::read_labelled_csv(std::path::Path::new(path), target, MAX_FEATURES)
        .map_err(|e| Fail(e.to_string()))?;
    let features = t
        .features
        .iter()
        .map(|row| {
            let mut x = [0.0f32; MAX_FEATURES];
            for (s, v) in x.iter_mut().zip(row) {
                *s = *v;
            }
            x
        })
        .collect();
    Ok(Data {
        features,
        target: t.target,
        lines: t.lines,
        n_features: t.names.len(),
    })
}

/// Distinct target values, sorted numerically if all numeric, else as text.
fn classes(target: &[String]) -> Vec<String> {
    let mut c: Vec<String> = target.to_vec();
    c.sort();
    c.dedup();
    if c.iter().all(|s| s.parse::<f64>().is_ok()) {
        c.sort_by(|a, b| {
            let (x, y) = (
                a.parse::<f64>().unwrap_or(0.0),
                b.parse::<f64>().unwrap_or(0.0),
            );
            x.total_cmp(&y)
        });
    }
    c
}

#[derive(Default)]
struct Report {
    accuracy: Option<f64>,
    log_loss: Option<f64>,
    mae: Option<f64>,
    rmse: Option<f64>,
    n: u32,
    skipped: u32,
    state_bytes: usize,
}

fn scaled(
    sc: &mut StandardScaler<MAX_FEATURES>,
    on: bool,
    x: &[f32; MAX_FEATURES],
) -> [f32; MAX_FEATURES] {
    let mut z = *x;
    if on {
        sc.transform(x, &mut z);
    }
    z
}

fn run_logistic<R: Rule<MAX_FEATURES>>(rule: R, d: &Data, y: &[bool], scale: bool) -> Report {
    let mut sc = StandardScaler::<MAX_FEATURES>::new();
    let mut m = LogisticRegression::<MAX_FEATURES, R>::new(rule);
    let mut ev = BinaryEval::new();
    for (x, &yy) in d.features.iter().zip(y) {
        let s = if scale { Some(&mut sc) } else { None };
        let _ = mcu_kernels::online::progressive_binary(s, &mut m, &mut ev, x, yy);
    }
    Report {
        accuracy: Some(ev.accuracy()),
        log_loss: Some(ev.log_loss()),
        n: ev.n(),
        skipped: ev.skipped(),
        ..Report::default()
    }
}

fn run_linear<R: Rule<MAX_FEATURES>>(rule: R, d: &Data, y: &[f32], scale: bool) -> Report {
    let mut sc = StandardScaler::<MAX_FEATURES>::new();
    let mut m = LinearRegression::<MAX_FEATURES, R>::new(rule);
    let mut ev = RegressionEval::new();
    for (x, &yy) in d.features.iter().zip(y) {
        if !x.iter().all(|v| v.is_finite()) || !yy.is_finite() {
            ev.skip();
            continue;
        }
        ev.update(m.predict(&scaled(&mut sc, scale, x)), yy);
        if scale && sc.learn_one(x).is_err() {
            ev.skip();
            continue;
        }
        if m.learn_one(&scaled(&mut sc, scale, x), yy).is_err() {
            ev.skip();
        }
    }
    Report {
        mae: Some(ev.mae()),
        rmse: Some(ev.mse().sqrt()),
        n: ev.n(),
        skipped: ev.skipped(),
        ..Report::default()
    }
}

fn run_softmax<const K: usize, R: Rule<MAX_FEATURES>>(
    rule: R,
    d: &Data,
    y: &[usize],
    scale: bool,
) -> Report {
    let mut sc = StandardScaler::<MAX_FEATURES>::new();
    let mut m = SoftmaxRegression::<MAX_FEATURES, K, R>::new(rule);
    let mut ev = MulticlassEval::new();
    let mut p = [0.0f32; K];
    for (x, &yy) in d.features.iter().zip(y) {
        if !x.iter().all(|v| v.is_finite()) {
            ev.skip();
            continue;
        }
        m.predict_proba(&scaled(&mut sc, scale, x), &mut p);
        ev.update(&p, yy);
        if scale && sc.learn_one(x).is_err() {
            ev.skip();
            continue;
        }
        if m.learn_one(&scaled(&mut sc, scale, x), yy).is_err() {
            ev.skip();
        }
    }
    Report {
        accuracy: Some(ev.accuracy()),
        log_loss: Some(ev.log_loss()),
        n: ev.n(),
        skipped: ev.skipped(),
        ..Report::default()
    }
}

/// Bytes of a type that is linear in its feature count D, evaluated at `d` from D = 1 and 2.
fn linear_size(s1: usize, s2: usize, d: usize) -> usize {
    s1 + d.saturating_sub(1) * (s2 - s1)
}

/// Expand `$body` with `$rule` bound to the chosen rule of dimension `$d` (a const).
macro_rules! with_rule {
    ($name:expr, $lr:expr, $d:expr, |$rule:ident| $body:expr) => {{
        let lr: Option<f32> = $lr;
        match $name {
            "sgd" => {
                let $rule = Sgd::new(lr.unwrap_or(0.01));
                $body
            }
            "adagrad" => {
                let $rule = AdaGrad::<{ $d }>::new(lr.unwrap_or(0.1), 1e-8, true);
                $body
            }
            "adam" => {
                let $rule = Adam::<{ $d }>::new(lr.unwrap_or(0.1), 0.9, 0.999, 1e-8, true);
                $body
            }
            "adamax" => {
                let $rule = AdaMax::<{ $d }>::new(lr.unwrap_or(0.1), 0.9, 0.999, 1e-8);
                $body
            }
            "ftrl" => {
                let $rule = Ftrl::<{ $d }>::new(lr.unwrap_or(0.05), 1.0, 0.0, 1.0, true);
                $body
            }
            "oogd" => {
                let $rule = OptimisticOgd::<{ $d }>::new(lr.unwrap_or(20.0), 1.0, true);
                $body
            }
            "implicit" => {
                let $rule = Implicit::new(lr.unwrap_or(0.1));
                $body
            }
            "aprox" => {
                let $rule = AProx::new(lr.unwrap_or(0.1));
                $body
            }
            _ => {
                let $rule = PassiveAggressive::new(lr.unwrap_or(1.0));
                $body
            }
        }
    }};
}

fn size_of_val<T>(_: &T) -> usize {
    std::mem::size_of::<T>()
}

fn state_bytes(model: &str, rule: &str, d: usize, k: usize, scale: bool) -> usize {
    let sizes = |dd: usize| -> usize {
        // Instantiate at D = 1 and D = 2; everything is linear in D (and in K for softmax).
        match (model, dd) {
            ("linear", 1) => with_rule!(rule, None, 1, |r| size_of_val(
                &LinearRegression::<1, _>::new(r)
            )),
            ("linear", _) => with_rule!(rule, None, 2, |r| size_of_val(
                &LinearRegression::<2, _>::new(r)
            )),
            ("logistic", 1) => {
                with_rule!(rule, None, 1, |r| size_of_val(
                    &LogisticRegression::<1, _>::new(r)
                ))
            }
            ("logistic", _) => {
                with_rule!(rule, None, 2, |r| size_of_val(
                    &LogisticRegression::<2, _>::new(r)
                ))
            }
            // Softmax: K rows of (w, b, rule) plus the 16-byte config.
            (_, 1) => with_rule!(rule, None, 1, |r| size_of_val(
                &SoftmaxRegression::<1, 1, _>::new(r)
            )),
            (_, _) => with_rule!(rule, None, 2, |r| size_of_val(
                &SoftmaxRegression::<2, 1, _>::new(r)
            )),
        }
    };
    let per = linear_size(sizes(1), sizes(2), d);
    let model_bytes = if model == "softmax" {
        let cfg = std::mem::size_of::<mcu_kernels::online::GlmConfig>();
        (per - cfg) * k + cfg
    } else {
        per
    };
    let scaler = if scale {
        linear_size(
            std::mem::size_of::<StandardScaler<1>>(),
            std::mem::size_of::<StandardScaler<2>>(),
            d,
        )
    } else {
        0
    };
    model_bytes + scaler
}

fn report(o: &Args) -> Result<String, Fail> {
    let d = read_csv(&o.data, &o.target)?;
    let cls = classes(&d.target);
    let model = match &o.model {
        Some(m) => m.clone(),
        None if cls.len() <= 2 => "logistic".into(),
        None => "softmax".into(),
    };
    let rule = o.rule.as_str();
    let mut k = 0;
    let rep = match model.as_str() {
        "linear" => {
            let mut y = Vec::with_capacity(d.target.len());
            for (t, line) in d.target.iter().zip(&d.lines) {
                y.push(t.parse::<f32>().map_err(|_| {
                    Fail(format!(
                        "{}: line {line}, column {:?}: target is not a number: {t:?}",
                        o.data, o.target
                    ))
                })?);
            }
            with_rule!(rule, o.lr, MAX_FEATURES, |r| run_linear(r, &d, &y, o.scale))
        }
        "logistic" => {
            if cls.len() != 2 {
                return Err(Fail(format!(
                    "{}: target {:?} has {} distinct values; logistic needs exactly 2 (use --model softmax)",
                    o.data,
                    o.target,
                    cls.len()
                )));
            }
            let pos = cls.get(1).cloned().unwrap_or_default();
            let y: Vec<bool> = d.target.iter().map(|t| *t == pos).collect();
            k = 2;
            with_rule!(rule, o.lr, MAX_FEATURES, |r| run_logistic(
                r, &d, &y, o.scale
            ))
        }
        _ => {
            k = cls.len();
            if !(2..=MAX_CLASSES).contains(&k) {
                return Err(Fail(format!(
                    "{}: target {:?} has {k} distinct values; softmax supports 2 to {MAX_CLASSES}",
                    o.data, o.target
                )));
            }
            let y: Vec<usize> = d
                .target
                .iter()
                .map(|t| cls.iter().position(|c| c == t).unwrap_or(0))
                .collect();
            macro_rules! by_k {
                ($($kk:literal)*) => {
                    match k {
                        $($kk => with_rule!(rule, o.lr, MAX_FEATURES, |r| run_softmax::<$kk, _>(r, &d, &y, o.scale)),)*
                        _ => unreachable!("k checked above"),
                    }
                };
            }
            by_k!(2 3 4 5 6 7 8)
        }
    };
    let rep = Report {
        state_bytes: state_bytes(&model, rule, d.n_features, k, o.scale),
        ..rep
    };
    Ok(render(o, &model, &cls, &rep))
}

fn json_num(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x}"),
        _ => "null".into(),
    }
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn render(o: &Args, model: &str, cls: &[String], r: &Report) -> String {
    if o.format == Format::Json {
        let classes: Vec<String> = if model == "linear" {
            Vec::new()
        } else {
            cls.iter().map(|c| json_str(c)).collect()
        };
        format!(
            "{{\"model\":{},\"rule\":{},\"scale\":{},\"classes\":[{}],\"n\":{},\"skipped\":{},\"accuracy\":{},\"log_loss\":{},\"mae\":{},\"rmse\":{},\"state_bytes\":{}}}",
            json_str(model),
            json_str(&o.rule),
            o.scale,
            classes.join(","),
            r.n,
            r.skipped,
            json_num(r.accuracy),
            json_num(r.log_loss),
            json_num(r.mae),
            json_num(r.rmse),
            r.state_bytes
        )
    } else {
        let mut s = format!(
            "model {model}, rule {}, scale {}\nn {}\nskipped {}\n",
            o.rule, o.scale, r.n, r.skipped
        );
        if let Some(a) = r.accuracy {
            let _ = writeln!(s, "accuracy {:.4} ({:.2} %)", a, a * 100.0);
        }
        if let Some(l) = r.log_loss {
            let _ = writeln!(s, "log_loss {l:.5}");
        }
        if let Some(m) = r.mae {
            let _ = writeln!(s, "mae {m:.6}");
        }
        if let Some(m) = r.rmse {
            let _ = writeln!(s, "rmse {m:.6}");
        }
        let _ = write!(s, "state_bytes {}", r.state_bytes);
        s
    }
}

/// Runs progressive validation and prints the report.
pub fn run(args: &Args) -> Result<(), CliError> {
    let out = report(args).map_err(|Fail(m)| m)?;
    println!("{out}");
    Ok(())
}
