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
    let (n, m, _) = compare_vectors(device);
    (n, m)
}

/// [`compare`], also returning the (suite, vector) pairs whose digests differ.
pub fn compare_vectors(device: &[DeviceDigest]) -> (usize, Vec<String>, Vec<(usize, u32)>) {
    let mut mismatches = Vec::new();
    let mut pairs = Vec::new();
    for d in device {
        let Some(suite) = SUITES.get(d.suite) else {
            mismatches.push(format!("unknown suite {}", d.suite));
            continue;
        };
        let host = (suite.run)(d.vector).hash;
        if host != d.digest {
            pairs.push((d.suite, d.vector));
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
    (device.len(), mismatches, pairs)
}

/// How many mismatching vectors `run` shows value by value.
pub const EXPLAIN_AT_MOST: usize = 3;

/// The words one vector's run recorded: inputs and outputs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Words {
    pub inputs: Vec<u32>,
    pub outputs: Vec<u32>,
}

/// The host's recorded words for `suite`/`vector`.
pub fn host_words(suite: usize, vector: u32) -> Option<Words> {
    let s = SUITES.get(suite)?;
    let r = (s.run)(vector).record;
    Some(Words {
        inputs: r.inputs.iter().take(r.n_inputs).copied().collect(),
        outputs: r.outputs.iter().take(r.n_outputs).copied().collect(),
    })
}

/// Parses a dump run's `I`/`O` frames.
pub fn parse_dump<'a>(messages: impl Iterator<Item = &'a str>) -> Result<Words> {
    let mut w = Words::default();
    for m in messages {
        let mut f = m.split_whitespace();
        let kind = f.next();
        if !matches!(kind, Some("I" | "O")) {
            continue;
        }
        let nums: Vec<u32> = f.map(str::parse).collect::<Result<_, _>>()?;
        let [k, word] = nums[..] else {
            bail!("malformed dump frame {m:?}");
        };
        let v = if kind == Some("I") {
            &mut w.inputs
        } else {
            &mut w.outputs
        };
        if k as usize != v.len() {
            bail!("dump frame {m:?} out of order");
        }
        v.push(word);
    }
    Ok(w)
}

fn show(words: &[u32], from: usize, count: usize) -> String {
    let items: Vec<String> = words
        .iter()
        .enumerate()
        .skip(from)
        .take(count)
        .map(|(k, w)| format!("[{k}] {w:#010x} ({:e})", f32::from_bits(*w)))
        .collect();
    let more = if words.len() > from + count {
        ", …"
    } else {
        ""
    };
    format!("{}{more}", items.join(", "))
}

/// A value-by-value description of one mismatch: the kernel, the input, and both outputs
/// from the first differing word (each word in hex and read as an f32; word 0 of most
/// suites is the result code).
pub fn describe(suite: usize, vector: u32, host: &Words, device: &Words) -> String {
    let name = SUITES.get(suite).map_or("?", |s| s.name);
    let mut out = format!("{name} vector {vector}:\n");
    if host.inputs.is_empty() {
        out +=
            "  input: not recorded by this suite (regenerate it with testvectors::suites::SUITES";
        out += &format!("[{suite}].run({vector}))\n");
    } else {
        out += &format!(
            "  input ({} words): {}\n",
            host.inputs.len(),
            show(&host.inputs, 0, 8)
        );
        if host.inputs != device.inputs {
            out += "  the device generated a different input: the generator itself differs\n";
        }
    }
    let first = host
        .outputs
        .iter()
        .zip(&device.outputs)
        .position(|(a, b)| a != b)
        .unwrap_or(host.outputs.len().min(device.outputs.len()));
    out += &format!(
        "  first difference at output word {first} (host {} words, device {} words)\n",
        host.outputs.len(),
        device.outputs.len()
    );
    out += &format!("  host  : {}\n", show(&host.outputs, first, 4));
    out += &format!("  device: {}", show(&device.outputs, first, 4));
    out
}

/// Re-runs each mismatching vector alone on the device (firmware feature `dump`) and
/// describes it value by value; `features` are the extra firmware features of the run
/// that found the mismatch.
pub fn explain(
    board: Board,
    features: &[&'static str],
    pairs: &[(usize, u32)],
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for &(suite, vector) in pairs.iter().take(EXPLAIN_AT_MOST) {
        let mut build = Build::qemu("target-tests", board);
        build.features.push("dump");
        build.features.extend_from_slice(features);
        build.profile_dir = Some("dump");
        build
            .env
            .push(("TARGET_TESTS_DUMP", format!("{suite}:{vector}")));
        let elf = build.run()?;
        let run = Qemu {
            board,
            elf: &elf,
            timeout: Duration::from_secs(120),
            trace: None,
            serial: None,
        }
        .run()?;
        qemu::check(board, &run)?;
        let device = parse_dump(run.messages())?;
        let host = host_words(suite, vector).unwrap_or_default();
        out.push(describe(suite, vector, &host, &device));
    }
    Ok(out)
}

/// Builds and runs the on-target tests on one core; prints the log and a summary.
pub fn run(board: Board) -> Result<()> {
    run_with(board, &[])
}

/// [`run`] with extra firmware features (xtask's own tests use a fixture that corrupts a
/// result on purpose).
pub fn run_with(board: Board, features: &[&'static str]) -> Result<()> {
    let mut build = Build::qemu("target-tests", board);
    build.features.extend_from_slice(features);
    if !features.is_empty() {
        build.profile_dir = Some("fixture");
    }
    run_build(board, features, build)
}

/// [`run`] with the firmware built with overflow checks on (as a user's debug build has
/// them): an integer overflow in a kernel panics on the device and fails the run, and the
/// digests must still equal the host's.
pub fn run_overflow_checked(board: Board) -> Result<()> {
    let mut build = Build::qemu("target-tests", board);
    build.profile_dir = Some("overflow-checks");
    build
        .env
        .push(("CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS", "true".to_string()));
    run_build(board, &[], build)
}

/// The file where a plain on-target run (no fixture features, no overflow checks) leaves
/// the digests the firmware printed, `target/ontarget/<board>-digests.tsv`: a `#` comment
/// line, then one `<suite name>\t<vector>\t<digest, 0x-hex>` line per vector. The Python
/// package's pytest compares its own digests with these (`MCUK_FIRMWARE_DIGESTS`).
pub fn digests_file(board: Board) -> std::path::PathBuf {
    crate::cmd::root()
        .join("target")
        .join("ontarget")
        .join(format!("{}-digests.tsv", board.name()))
}

/// Writes the device's digests to [`digests_file`].
fn write_digests(board: Board, digests: &[DeviceDigest]) -> Result<()> {
    use std::fmt::Write as _;
    let path = digests_file(board);
    let mut text = format!(
        "# digests printed by target-tests on {} (QEMU): suite, vector, digest\n",
        board.core()
    );
    for d in digests {
        let name = SUITES.get(d.suite).map_or("?", |s| s.name);
        let _ = writeln!(text, "{name}\t{}\t{:#010x}", d.vector, d.digest);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
}

fn run_build(board: Board, features: &[&'static str], build: Build) -> Result<()> {
    // Only the plain build's digests are kept for the Python package's test; a stale file of
    // an earlier run never stands in for this one.
    let keep = features.is_empty() && build.profile_dir.is_none();
    if keep {
        let _ = std::fs::remove_file(digests_file(board));
    }
    let elf = build.run()?;
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
    if keep {
        write_digests(board, &digests)?;
    }
    let (n, mismatches, pairs) = compare_vectors(&digests);
    for m in &mismatches {
        eprintln!("  [{}] MISMATCH {m}", board.name());
    }
    if !pairs.is_empty() {
        eprintln!(
            "  [{}] re-running the first {} mismatching vectors alone to show their values:",
            board.name(),
            pairs.len().min(EXPLAIN_AT_MOST)
        );
        match explain(board, features, &pairs) {
            Ok(reports) => {
                for r in reports {
                    eprintln!("{r}");
                }
            }
            Err(e) => eprintln!("  (could not dump the vectors: {e:#})"),
        }
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
    fn describe_shows_kernel_input_and_both_outputs() {
        let host = host_words(0, 7).unwrap();
        assert!(!host.inputs.is_empty() && host.outputs.len() == host.inputs.len() + 1);
        let mut device = host.clone();
        device.outputs[2] ^= 1;
        let text = describe(0, 7, &host, &device);
        assert!(
            text.starts_with(&format!("{} vector 7:", SUITES[0].name)),
            "{text}"
        );
        assert!(text.contains("input ("), "{text}");
        assert!(text.contains("first difference at output word 2"), "{text}");
        let h = format!("{:#010x}", host.outputs[2]);
        let d = format!("{:#010x}", device.outputs[2]);
        assert!(text.contains(&format!("host  : [2] {h}")), "{text}");
        assert!(text.contains(&format!("device: [2] {d}")), "{text}");
        let dump = ["DUMP 0 7 1 2", "I 0 5", "O 0 0", "O 1 1065353216"];
        let w = parse_dump(dump.into_iter()).unwrap();
        assert_eq!(w.inputs, vec![5]);
        assert_eq!(w.outputs, vec![0, 1_065_353_216]);
        assert!(parse_dump(["O 1 3"].into_iter()).is_err());
    }

    #[test]
    fn compare_reports_a_flipped_bit_and_missing_vectors() {
        let good = (SUITES[0].run)(7).hash;
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
