//! On-target tests: run `target-tests` under QEMU and compare its differential digests
//! with the same suites computed on the host.

use crate::boards::Board;
use crate::firmware::Build;
use crate::qemu::{self, Qemu, RunOutput};
use anyhow::{bail, Context, Result};
use std::time::Duration;
use testvectors::suites::SUITES;

/// A digest the device printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceDigest {
    /// Index into `testvectors::suites::SUITES`.
    pub suite: usize,
    /// Vector index within the suite.
    pub vector: u32,
    /// The device's digest.
    pub digest: u32,
}

/// Parses the `SUITE` and `D` frames of a run.
pub fn parse_digests(out: &RunOutput) -> Result<Vec<DeviceDigest>> {
    parse_digest_messages(out.messages())
}

/// Parses `SUITE` and `D` frames from decoded messages (QEMU or RTT).
pub fn parse_digest_messages<'a>(
    messages: impl Iterator<Item = &'a str>,
) -> Result<Vec<DeviceDigest>> {
    let mut v = Vec::new();
    for m in messages {
        let mut f = m.split_whitespace();
        match f.next() {
            Some("SUITE") => {
                // `SUITE <index> <name, may contain spaces> <vectors>`
                let rest: Vec<&str> = f.collect();
                let (Some(s), Some(_count)) = (rest.first(), rest.last()) else {
                    bail!("malformed suite frame {m:?}");
                };
                let s: usize = s.parse().context("suite index")?;
                let name = rest
                    .get(1..rest.len().saturating_sub(1))
                    .map(|w| w.join(" "));
                let expected = SUITES.get(s).map(|x| x.name.to_string());
                if expected != name {
                    bail!("suite {s}: the device runs {name:?} but the host has {expected:?}: rebuild the firmware");
                }
            }
            Some("D") => {
                let nums: Vec<u64> = f.map(str::parse).collect::<Result<_, _>>()?;
                if let [s, i, d] = nums[..] {
                    v.push(DeviceDigest {
                        suite: s as usize,
                        vector: i as u32,
                        digest: d as u32,
                    });
                } else {
                    bail!("malformed digest frame {m:?}");
                }
            }
            _ => {}
        }
    }
    Ok(v)
}

/// Compares the device's digests with the host's; returns (vectors compared, mismatch descriptions).
pub fn compare(device: &[DeviceDigest]) -> (usize, Vec<String>) {
    let mut mismatches = Vec::new();
    for d in device {
        let Some(suite) = SUITES.get(d.suite) else {
            mismatches.push(format!("unknown suite {}", d.suite));
            continue;
        };
        let host = (suite.run)(d.vector).0;
        if host != d.digest {
            mismatches.push(format!(
                "{} vector {}: device digest {:#010x}, host digest {:#010x} \
                 (reproduce on the host with testvectors::suites::SUITES[{}].run({}))",
                suite.name, d.vector, d.digest, host, d.suite, d.vector
            ));
        }
    }
    for (s, suite) in SUITES.iter().enumerate() {
        let seen = device.iter().filter(|d| d.suite == s).count();
        if seen != suite.vectors as usize {
            mismatches.push(format!(
                "{}: the device reported {seen} of {} vectors",
                suite.name, suite.vectors
            ));
        }
    }
    (device.len(), mismatches)
}

/// Builds and runs the on-target tests on one core; prints the log and a summary.
pub fn run(board: Board) -> Result<()> {
    let elf = Build::qemu("target-tests", board).run()?;
    let out = Qemu {
        board,
        elf: &elf,
        timeout: Duration::from_secs(300),
        trace: None,
        serial: None,
    }
    .run()?;
    for l in out.lines.iter().filter(|l| !l.message.starts_with("D ")) {
        println!("  [{}] {l}", board.name());
    }
    qemu::check(board, &out)?;
    let digests = parse_digests(&out)?;
    let (n, mismatches) = compare(&digests);
    for m in &mismatches {
        eprintln!("  [{}] MISMATCH {m}", board.name());
    }
    if !mismatches.is_empty() {
        bail!(
            "{}: {} of {n} vectors differ from the host",
            board.core(),
            mismatches.len()
        );
    }
    println!(
        "  [{}] {n} vectors in {} suites bit-identical to the host",
        board.name(),
        SUITES.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_suite_names_with_spaces_and_digests() {
        let last = SUITES.len() - 1;
        let frames = [
            format!(
                "SUITE {last} {} {}",
                SUITES[last].name, SUITES[last].vectors
            ),
            format!("D {last} 3 {}", 0xDEAD_BEEFu32),
        ];
        let d = parse_digest_messages(frames.iter().map(String::as_str)).unwrap();
        assert_eq!(
            d,
            [DeviceDigest {
                suite: last,
                vector: 3,
                digest: 0xDEAD_BEEF
            }]
        );
        assert!(parse_digest_messages(["SUITE 0 not-a-suite 5"].into_iter()).is_err());
        assert!(parse_digest_messages(["D 1 2"].into_iter()).is_err());
    }

    #[test]
    fn compare_reports_a_flipped_bit_and_missing_vectors() {
        let good = (SUITES[0].run)(7).0;
        let (n, bad) = compare(&[DeviceDigest {
            suite: 0,
            vector: 7,
            digest: good ^ 1,
        }]);
        assert_eq!(n, 1);
        assert!(bad.iter().any(|m| m.contains("vector 7")));
        assert!(bad.iter().any(|m| m.contains("reported 1 of")));
    }
}
