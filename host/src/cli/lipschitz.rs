//! `mcuk lipschitz --weights W0.npy [W1.npy …] [--activation relu|maxmin|groupsort]`:
//! per-layer exact σ_max (SVD), the kernels' certified upper bound and power-iteration lower
//! bound, the network's product bound and, for small networks, the LipSDP bound.

use std::path::PathBuf;

use host::io::{self, Matrix};
use host::reference::lipschitz::{check_network, sigma_max_of, Act};
use host::solvers::lipsdp::lipsdp;
use mcu_kernels::lipschitz::{
    gram_scratch_len, power_iteration, spectral_norm_upper_bound, GRAM_ITERS,
};

use super::common::Format;
use super::CliError;

/// LipSDP is solved when the lifted problem has at most this many neurons.
pub const LIPSDP_MAX_NEURONS: usize = 256;

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Activation {
    Relu,
    Maxmin,
    Groupsort,
}

#[derive(clap::Args)]
pub struct Args {
    /// Weight matrices W₀, W₁, … in order (2-D float32/float64 `.npy`, or CSV); layer k maps
    /// R^cols → R^rows, so W_{k+1}.cols must equal W_k.rows.
    #[arg(long, required = true, num_args = 1..)]
    pub weights: Vec<PathBuf>,
    /// Activation between layers.
    #[arg(long, value_enum, default_value = "relu")]
    pub activation: Activation,
    /// Group size for `--activation groupsort`.
    #[arg(long, default_value_t = 4)]
    pub group_size: usize,
    /// Summary format on standard output.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// One layer's three numbers.
#[derive(Debug, Clone, Copy)]
pub struct LayerReport {
    pub sigma_exact: f64,
    pub certified_upper: f64,
    pub power_lower: f64,
}

/// The whole report.
#[derive(Debug, Clone)]
pub struct Report {
    pub layers: Vec<LayerReport>,
    pub product_bound: f64,
    pub lipsdp: Option<f64>,
}

/// ‖W − fl32(W)‖_F rounded up: the f32 copy the kernels see differs from f64 weights by at
/// most this in spectral norm.
fn rounding_gap(m: &Matrix) -> f64 {
    let s: f64 = m
        .data
        .iter()
        .map(|&x| {
            let d = x - (x as f32) as f64;
            d * d
        })
        .sum();
    s.sqrt() * (1.0 + 1e-12)
}

/// Analyses one layer (weights already checked finite).
pub fn layer_report(k: usize, m: &Matrix) -> Result<LayerReport, String> {
    if m.data.iter().any(|x| x.abs() > f32::MAX as f64) {
        return Err(format!("layer {k}: a weight exceeds the f32 range"));
    }
    let w: Vec<f32> = m.data.iter().map(|&x| x as f32).collect();
    let gap = rounding_gap(m);
    let mut scratch = vec![0.0f32; gram_scratch_len(m.rows, m.cols)];
    let ub = spectral_norm_upper_bound(&w, m.rows, m.cols, GRAM_ITERS, &mut scratch)
        .map_err(|e| format!("layer {k} ({}x{}): {e}", m.rows, m.cols))?;
    let (mut v, mut u) = (vec![1.0f32; m.cols], vec![0.0f32; m.rows]);
    let lb = power_iteration(&w, m.rows, m.cols, &mut v, &mut u, 100)
        .map_err(|e| format!("layer {k}: {e}"))?;
    Ok(LayerReport {
        sigma_exact: sigma_max_of(m),
        certified_upper: (ub as f64 + gap) * (1.0 + 1e-15),
        power_lower: (lb as f64 - gap).max(0.0),
    })
}

/// Computes the report for a network.
pub fn report(ws: &[Matrix], act: Act) -> Result<Report, String> {
    check_network(ws, act)?;
    let layers = ws
        .iter()
        .enumerate()
        .map(|(k, m)| layer_report(k, m))
        .collect::<Result<Vec<_>, _>>()?;
    let product_bound = layers
        .iter()
        .fold(1.0f64, |p, l| p * l.certified_upper * (1.0 + 1e-15))
        * act.lipschitz().powi(ws.len() as i32 - 1);
    let neurons: usize = ws[..ws.len() - 1]
        .iter()
        .map(|w| match act {
            Act::Relu => w.rows,
            Act::MaxMin => w.rows / 2,
            Act::GroupSort(g) => w.rows / g * g * (g - 1) / 2,
        })
        .sum();
    let lipsdp = if neurons + ws[0].cols <= LIPSDP_MAX_NEURONS {
        Some(lipsdp(ws, act)?)
    } else {
        None
    };
    Ok(Report {
        layers,
        product_bound,
        lipsdp,
    })
}

pub fn run(args: &Args) -> Result<(), CliError> {
    let act = match args.activation {
        Activation::Relu => Act::Relu,
        Activation::Maxmin => Act::MaxMin,
        Activation::Groupsort => {
            if args.group_size == 0 {
                return Err("--group-size must be at least 1".into());
            }
            Act::GroupSort(args.group_size)
        }
    };
    let mut ws = Vec::new();
    for p in &args.weights {
        let m = io::read_matrix_2d(p)?;
        io::ensure_finite(p, &m.data)?;
        ws.push(m);
    }
    let r = report(&ws, act).map_err(|e| -> CliError { e.into() })?;
    match args.format {
        Format::Json => {
            let layers: Vec<serde_json::Value> = r
                .layers
                .iter()
                .map(|l| {
                    serde_json::json!({
                        "sigma_exact": l.sigma_exact,
                        "certified_upper": l.certified_upper,
                        "power_lower": l.power_lower,
                    })
                })
                .collect();
            let v = serde_json::json!({
                "layers": layers,
                "product_bound": r.product_bound,
                "lipsdp": r.lipsdp,
            });
            println!("{v}");
        }
        Format::Text => {
            println!(
                "{:>5} {:>11} {:>16} {:>16} {:>16}",
                "layer", "shape", "sigma_exact", "certified_upper", "power_lower"
            );
            for (k, (l, m)) in r.layers.iter().zip(&ws).enumerate() {
                println!(
                    "{k:>5} {:>11} {:>16.9} {:>16.9} {:>16.9}",
                    format!("{}x{}", m.rows, m.cols),
                    l.sigma_exact,
                    l.certified_upper,
                    l.power_lower
                );
            }
            println!("product bound: {:.9}", r.product_bound);
            match r.lipsdp {
                Some(v) => println!("LipSDP bound:  {v:.9}"),
                None => {
                    println!("LipSDP bound:  not computed (more than {LIPSDP_MAX_NEURONS} neurons)")
                }
            }
        }
    }
    Ok(())
}
