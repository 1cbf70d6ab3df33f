//! Shared pieces of the solver subcommands: loading an OT problem, progress lines, output.

use std::path::{Path, PathBuf};
use std::time::Instant;

use host::io;
use host::solvers::ot::{Problem, Solution};

use super::CliError;

/// Input files of an OT problem.
#[derive(clap::Args, Debug)]
pub struct ProblemArgs {
    /// Cost matrix C (m × n), `.npy` (float32/float64) or CSV.
    #[arg(long, required_unless_present = "x")]
    pub cost: Option<PathBuf>,
    /// Point cloud X (m × d), instead of --cost (`sinkhorn` only): costs are computed on the
    /// fly from the points, never stored as an m × n matrix.
    #[arg(long, requires = "y", conflicts_with = "cost")]
    pub x: Option<PathBuf>,
    /// Point cloud Y (n × d), with --x.
    #[arg(long, requires = "x")]
    pub y: Option<PathBuf>,
    /// Source marginal a (m entries, nonnegative); uniform 1/m if omitted.
    #[arg(long)]
    pub a: Option<PathBuf>,
    /// Target marginal b (n entries, nonnegative, same total as a); uniform 1/n if omitted.
    #[arg(long)]
    pub b: Option<PathBuf>,
}

/// Output options.
#[derive(clap::Args, Debug)]
pub struct OutputArgs {
    /// Where to write the plan (m × n), `.npy` or `.csv` by extension.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Summary format on standard output.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// No progress lines on standard error.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

fn vector_or_uniform(path: Option<&Path>, len: usize) -> Result<Vec<f64>, CliError> {
    match path {
        Some(p) => Ok(io::read_vector(p)?),
        None => Ok(vec![1.0 / len as f64; len]),
    }
}

/// Reads and validates C, a, b.
pub fn load_problem(args: &ProblemArgs) -> Result<Problem, CliError> {
    let Some(cost) = args.cost.as_deref() else {
        return Err("this solver needs --cost (point clouds: `mcuk sinkhorn --x --y`)".into());
    };
    let c = io::read_matrix(cost)?;
    let a = vector_or_uniform(args.a.as_deref(), c.rows)?;
    let b = vector_or_uniform(args.b.as_deref(), c.cols)?;
    Ok(Problem::new(c.rows, c.cols, c.data, a, b)?)
}

/// Writes a row-major plan.
pub fn write_plan(path: &Path, rows: usize, cols: usize, plan: Vec<f64>) -> Result<(), CliError> {
    io::write_matrix(
        path,
        &io::Matrix {
            rows,
            cols,
            data: plan,
        },
    )?;
    Ok(())
}

/// Progress on standard error at most once a second: `iteration N: objective …, residual …`.
pub struct Progress {
    start: Instant,
    last: Instant,
    quiet: bool,
    label: &'static str,
}

impl Progress {
    pub fn new(quiet: bool, label: &'static str) -> Self {
        let now = Instant::now();
        Self {
            start: now,
            last: now,
            quiet,
            label,
        }
    }

    pub fn report(&mut self, iteration: usize, objective: f64, residual: f64) {
        if self.quiet || self.last.elapsed().as_secs_f64() < 1.0 {
            return;
        }
        self.last = Instant::now();
        eprintln!(
            "[{:7.1} s] iteration {iteration}: {} {objective:.10e}, residual {residual:.3e}",
            self.start.elapsed().as_secs_f64(),
            self.label
        );
    }

    pub fn seconds(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }
}

/// Prints `pairs` as text lines or one JSON object.
pub fn print_summary(format: Format, pairs: &[(&str, serde_json::Value)]) {
    match format {
        Format::Json => {
            let map: serde_json::Map<String, serde_json::Value> = pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect();
            println!("{}", serde_json::Value::Object(map));
        }
        Format::Text => {
            for (k, v) in pairs {
                println!("{k}: {v}");
            }
        }
    }
}

/// The end of every OT subcommand: writes the plan if `--out` was given, prints the summary
/// (`head`, the problem's size, `params`, the fields every OT solver reports with `extra`
/// after them, then iterations, convergence, time and threads), and warns on standard error
/// when the run did not converge (`steps` names its iterations, `hint` says why it may not
/// have converged).
pub struct OtSummary<'a> {
    pub head: &'a [(&'a str, serde_json::Value)],
    pub params: &'a [(&'a str, serde_json::Value)],
    pub extra: &'a [(&'a str, serde_json::Value)],
    pub steps: &'a str,
    pub tol: f64,
    pub hint: &'a str,
}

/// See [`OtSummary`].
pub fn finish_ot(
    output: &OutputArgs,
    p: &Problem,
    s: Solution,
    seconds: f64,
    sum: &OtSummary,
) -> Result<(), CliError> {
    use serde_json::json;
    let (iterations, marginal_error, converged) = (s.iterations, s.marginal_error, s.converged);
    let mut pairs: Vec<(&str, serde_json::Value)> = sum.head.to_vec();
    pairs.extend([("rows", json!(p.m)), ("cols", json!(p.n))]);
    pairs.extend(sum.params.iter().cloned());
    pairs.extend([
        ("dual_objective", json!(s.dual_objective)),
        ("transport_cost", json!(s.transport_cost)),
        ("marginal_error", json!(marginal_error)),
    ]);
    pairs.extend(sum.extra.iter().cloned());
    pairs.extend([
        ("iterations", json!(iterations)),
        ("converged", json!(converged)),
        ("seconds", json!(seconds)),
        ("threads", json!(rayon::current_num_threads())),
    ]);
    if let Some(out) = &output.out {
        write_plan(out, p.m, p.n, s.plan)?;
    }
    print_summary(output.format, &pairs);
    if !converged && !output.quiet {
        eprintln!(
            "warning: stopped after {iterations} {} with marginal error {marginal_error:.3e} \
             > tol {:.1e}{}",
            sum.steps, sum.tol, sum.hint
        );
    }
    Ok(())
}
