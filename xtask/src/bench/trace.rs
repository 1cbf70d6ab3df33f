//! Reading QEMU's per-instruction execution trace (`-singlestep -d exec,nochain`).
//!
//! QEMU 7.2 logs one line per executed instruction:
//! `Trace 0: 0x7f…  [00800408/000021bc/00000010/ff000201] bench_start`
//! where the second bracketed field is the PC and the last word the symbol.

use anyhow::{Context, Result};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// The instructions of one marker region.
#[derive(Clone, Debug, Default)]
pub struct Region {
    /// All instructions from entering `bench_start` to entering `bench_end`.
    pub total: u64,
    /// Executed instructions per symbol.
    pub by_symbol: HashMap<String, u64>,
    /// Executions per PC.
    pub by_pc: HashMap<u32, u64>,
    /// For each PC, how often the next executed instruction was not the sequential one
    /// (a taken branch, a call or a return).
    pub taken: HashMap<u32, u64>,
}

fn parse_line(line: &str) -> Option<(u32, &str)> {
    let rest = line.strip_prefix("Trace ")?;
    let open = rest.find('[')?;
    let close = rest[open..].find(']')? + open;
    let mut fields = rest[open + 1..close].split('/');
    fields.next()?;
    let pc = u32::from_str_radix(fields.next()?, 16).ok()?;
    let sym = rest[close + 1..].trim();
    Some((pc, sym))
}

/// Splits a trace into the regions between successive entries of `bench_start` and
/// `bench_end`. `size_of(pc)` gives the instruction's size in bytes (for taken-branch
/// detection); unknown PCs count as 2 bytes.
pub fn regions(trace: &Path, size_of: &dyn Fn(u32) -> u32) -> Result<Vec<Region>> {
    let f = std::fs::File::open(trace).with_context(|| format!("opening {}", trace.display()))?;
    let mut out = Vec::new();
    let mut prev_sym = String::new();
    let mut prev_pc: Option<u32> = None;
    let mut current: Option<Region> = None;
    for line in BufReader::with_capacity(1 << 20, f).lines() {
        let line = line?;
        let Some((pc, sym)) = parse_line(&line) else {
            continue;
        };
        if let (Some(r), Some(p)) = (current.as_mut(), prev_pc) {
            if pc != p.wrapping_add(size_of(p)) {
                *r.taken.entry(p).or_default() += 1;
            }
        }
        if sym != prev_sym {
            if sym == "bench_start" {
                current = Some(Region::default());
            } else if sym == "bench_end" {
                if let Some(r) = current.take() {
                    out.push(r);
                }
            }
            prev_sym.clear();
            prev_sym.push_str(sym);
        }
        if let Some(r) = current.as_mut() {
            r.total += 1;
            *r.by_pc.entry(pc).or_default() += 1;
            if let Some(c) = r.by_symbol.get_mut(sym) {
                *c += 1;
            } else {
                r.by_symbol.insert(sym.to_string(), 1);
            }
        }
        prev_pc = Some(pc);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_qemu_7_2_lines() {
        let l = "Trace 0: 0x7ff9ec018740 [00800408/000021bc/00000010/ff000201] bench_start";
        assert_eq!(parse_line(l), Some((0x21bc, "bench_start")));
        assert_eq!(parse_line("IN: garbage"), None);
    }

    #[test]
    fn counts_regions_and_taken_branches() {
        let dir = std::env::temp_dir().join(format!("xtask-trace-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("t.trace");
        let lines = [
            (0x100, "main"),
            (0x200, "bench_start"),
            (0x202, "bench_start"),
            (0x104, "main"),
            (0x106, "main"),
            (0x300, "kernel"),
            (0x302, "kernel"),
            (0x300, "kernel"),
            (0x302, "kernel"),
            (0x108, "main"),
            (0x400, "bench_end"),
            (0x402, "bench_end"),
            (0x10a, "main"),
        ];
        let text: String = lines
            .iter()
            .map(|(pc, s)| format!("Trace 0: 0x7f00 [00800408/{pc:08x}/00000010/ff000201] {s}\n"))
            .collect();
        std::fs::write(&p, text).unwrap();
        let r = regions(&p, &|_| 2).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].total, 9);
        assert_eq!(r[0].by_symbol["kernel"], 4);
        assert_eq!(r[0].by_pc[&0x300], 2);
        // 0x202→0x104 (return), 0x106→0x300 (call), 0x302→0x300 (loop), 0x302→0x108, 0x108→0x400.
        assert_eq!(r[0].taken.values().sum::<u64>(), 5);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
