//! `mcuk gaussian-ot`: writes a seeded benchmark problem (two 2-D Gaussian point clouds,
//! squared Euclidean cost, uniform marginals) as `C.npy`, `a.npy`, `b.npy`.

use std::path::PathBuf;

use host::io;

use super::CliError;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Points per cloud (C is n × n).
    #[arg(long, default_value_t = 1000)]
    pub n: usize,
    /// Seed of the SplitMix64 generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Divide the cost by its maximum (costs in [0, 1]).
    #[arg(long)]
    pub normalize: bool,
    /// Output directory (created if missing).
    #[arg(long)]
    pub out_dir: PathBuf,
}

struct SplitMix(u64);

impl SplitMix {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-300);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

pub fn run(args: &Args) -> Result<(), CliError> {
    let n = args.n;
    if n == 0 {
        return Err("--n must be at least 1".into());
    }
    let mut rng = SplitMix(args.seed);
    let xs: Vec<[f64; 2]> = (0..n).map(|_| [rng.normal(), rng.normal()]).collect();
    let ys: Vec<[f64; 2]> = (0..n)
        .map(|_| [4.0 + rng.normal(), 4.0 + rng.normal()])
        .collect();
    // The n × n cost matrix is checked before anything is allocated.
    let entries = n
        .checked_mul(n)
        .ok_or_else(|| format!("--n {n}: n² overflows"))?;
    let mut c: Vec<f64> = Vec::new();
    c.try_reserve_exact(entries).map_err(|_| {
        format!(
            "--n {n}: the {n} × {n} cost matrix needs {:.1} GB, more than can be allocated here",
            entries as f64 * 8e-9
        )
    })?;
    for x in &xs {
        for y in &ys {
            c.push((x[0] - y[0]).powi(2) + (x[1] - y[1]).powi(2));
        }
    }
    if args.normalize {
        let max = c.iter().copied().fold(0.0f64, f64::max);
        if max > 0.0 {
            c.iter_mut().for_each(|v| *v /= max);
        }
    }
    std::fs::create_dir_all(&args.out_dir)
        .map_err(|e| format!("{}: {e}", args.out_dir.display()))?;
    let w = vec![1.0 / n as f64; n];
    io::write_matrix(
        &args.out_dir.join("C.npy"),
        &io::Matrix {
            rows: n,
            cols: n,
            data: c,
        },
    )?;
    io::write_vector(&args.out_dir.join("a.npy"), &w)?;
    io::write_vector(&args.out_dir.join("b.npy"), &w)?;
    Ok(())
}
