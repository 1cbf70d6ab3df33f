//! `host inspect FILE`: shape, finiteness and range of an array file.

use std::path::PathBuf;

use host::io;

use super::CliError;

#[derive(clap::Args)]
pub struct Args {
    /// A `.npy` (float32/float64) or CSV file.
    pub file: PathBuf,
}

pub fn run(args: &Args) -> Result<(), CliError> {
    let m = io::read_matrix(&args.file)?;
    let finite: Vec<f64> = m.data.iter().copied().filter(|v| v.is_finite()).collect();
    let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    println!(
        "{}: {} x {}, {} non-finite, min {min}, max {max}",
        args.file.display(),
        m.rows,
        m.cols,
        m.data.len() - finite.len()
    );
    Ok(())
}
