//! `cargo xtask bench --chip NAME`: the bench firmware on a real board through probe-rs,
//! with DWT cycle counts (the firmware's `CYCLES` frames) instead of QEMU's instruction counts.

use crate::firmware::Build;
use anyhow::{bail, Context, Result};
use std::fmt::Write as _;
use std::time::Duration;

/// One kernel measured on a board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardMeasurement {
    /// Kernel name, as in the QEMU report.
    pub kernel: String,
    /// Problem size.
    pub n: u32,
    /// The same run's baseline kernel (`-` for none).
    pub baseline: String,
    /// DWT CYCCNT difference around the call (includes the two marker calls).
    pub cycles: u32,
    /// Stack high-water mark of the call, bytes.
    pub stack: u32,
}

/// Parses the `BENCH <name> <n> <baseline>`, `CYCLES <n>`, `STACK <bytes>` frames.
pub fn parse<'a>(messages: impl Iterator<Item = &'a str>) -> Result<Vec<BoardMeasurement>> {
    let mut out = Vec::new();
    let mut cur: Option<BoardMeasurement> = None;
    for m in messages {
        let f: Vec<&str> = m.split_whitespace().collect();
        match f.as_slice() {
            ["BENCH", name, n, baseline] => {
                cur = Some(BoardMeasurement {
                    kernel: (*name).to_string(),
                    n: n.parse().context("bench size")?,
                    baseline: (*baseline).to_string(),
                    cycles: 0,
                    stack: 0,
                });
            }
            ["CYCLES", c] => match cur.as_mut() {
                Some(b) => b.cycles = c.parse().context("cycles")?,
                None => bail!("CYCLES frame before any BENCH frame"),
            },
            ["STACK", s] => match cur.take() {
                Some(mut b) => {
                    b.stack = s.parse().context("stack")?;
                    out.push(b);
                }
                None => bail!("STACK frame before any BENCH frame"),
            },
            _ => {}
        }
    }
    Ok(out)
}

/// The board table as Markdown.
pub fn markdown(chip: &str, ms: &[BoardMeasurement]) -> String {
    let mut s = format!(
        "# Benchmarks on {chip} (DWT cycle counts)\n\n| kernel | N | cycles | cycles/elem | stack B | vs baseline |\n|---|---:|---:|---:|---:|---|\n"
    );
    for m in ms {
        let base = ms
            .iter()
            .find(|b| b.kernel == m.baseline && b.n == m.n)
            .map_or("—".to_string(), |b| {
                format!(
                    "{:.2}× {}",
                    f64::from(m.cycles) / f64::from(b.cycles.max(1)),
                    b.kernel
                )
            });
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {:.1} | {} | {} |",
            m.kernel,
            m.n,
            m.cycles,
            f64::from(m.cycles) / f64::from(m.n.max(1)),
            m.stack,
            base
        );
    }
    s
}

/// Builds the bench firmware for `chip`, runs it with probe-rs and reports DWT cycles
/// (`target/report/board-<chip>.md`).
pub fn run(chip: &str) -> Result<()> {
    let pb = crate::boards::probe_board(chip)?;
    let elf = Build::hardware("bench", &pb).run()?;
    let out = crate::probe::run_elf(&elf, chip, Duration::from_secs(900))?;
    if !out.success {
        bail!("the bench firmware on {chip} reported failure");
    }
    let ms = parse(out.lines.iter().map(|l| l.message.as_str()))?;
    if ms.iter().all(|m| m.cycles == 0) {
        bail!("no cycle counts: does this core have a DWT cycle counter?");
    }
    let md = markdown(chip, &ms);
    print!("{md}");
    let dir = crate::cmd::root().join("target").join("report");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("board-{chip}.md"));
    std::fs::write(&path, md)?;
    println!("\nreport: {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_frames_and_tabulates_ratios() {
        let frames = [
            "BENCH softmax::three_pass[libm::expf] 256 -",
            "CYCLES 30000",
            "STACK 120",
            "BENCH softmax::softmax 256 softmax::three_pass[libm::expf]",
            "CYCLES 10000",
            "STACK 96",
            "noise",
        ];
        let ms = parse(frames.into_iter()).unwrap();
        assert_eq!(ms.len(), 2);
        assert_eq!((ms[1].cycles, ms[1].stack, ms[1].n), (10_000, 96, 256));
        let md = markdown("nRF52840_xxAA", &ms);
        assert!(md.contains("| `softmax::softmax` | 256 | 10000 | 39.1 | 96 | 0.33× softmax::three_pass[libm::expf] |"), "{md}");
        assert!(parse(["CYCLES 5"].into_iter()).is_err());
        assert!(parse(["STACK 5"].into_iter()).is_err());
    }
}
