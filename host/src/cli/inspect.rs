//! `mcuk inspect FILE`: shape, finiteness and range of an array file.

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
    // An empty or all-non-finite array has no range (not "min inf, max -inf").
    let range = match (
        finite.iter().copied().reduce(f64::min),
        finite.iter().copied().reduce(f64::max),
    ) {
        (Some(min), Some(max)) => format!("min {min}, max {max}"),
        _ => "no finite entries".to_string(),
    };
    println!(
        "{}: {} x {}, {} non-finite, {range}",
        args.file.display(),
        m.rows,
        m.cols,
        m.data.len() - finite.len()
    );
    Ok(())
}
