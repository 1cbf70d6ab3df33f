//! The fault-injected demo under QEMU (issue #24, part 3).
//!
//! One build of the demo with the feature `fault-schedules` runs the sensor-in-the-loop
//! control once per schedule (clean, each of the seven fault kinds alone, mixed), each run
//! between the bench markers, and prints one `FAULTS` line per schedule. The run goes under
//! QEMU's per-instruction trace (through a FIFO, as `xtask bench` does), so each schedule's
//! executed instructions are exact. The check:
//!
//! * the firmware exits 0, with its `EXIT 0` frame (no panic, no HardFault), within
//!   [`TIMEOUT`];
//! * every schedule is reported, once, with `ok`;
//! * counted == injected == scheduled, per kind (and nothing on the clean schedule);
//! * |x| at the end is within the band (5 % of |x0|) after the faults;
//! * the bad values really reach the controller path: for the saturated, spike and mixed
//!   schedules the same run with the flagged readings used (outside the measured region)
//!   makes a larger control step between two frames than the run that holds;
//! * no hang: each faulty schedule executes at most [`BOUND_FACTOR`] × the instructions of
//!   the clean one. Where the bound comes from: a reading without faults is one config write,
//!   one poll and one data read; the retry policy caps a reading at 36 transactions and 8
//!   waits (`drivers::ads1115::MAX_TRANSACTIONS`, 2 conversions × `MAX_POLLS`), and a
//!   schedule has 7 events touching at most a few readings each, so a schedule costs at most
//!   a few % more than the clean run; twice the clean run means a loop that did not stop.

use crate::bench::trace;
use crate::boards::Board;
use crate::firmware::Build;
use crate::qemu::{self, Qemu};
use anyhow::{bail, ensure, Context, Result};
use std::process::Command;
use std::time::Duration;

/// The schedules, in the order the firmware runs them.
pub const SCHEDULES: [&str; 9] = [
    "clean",
    "addr-nack",
    "data-nack",
    "bus",
    "stuck",
    "saturated",
    "spike",
    "frozen",
    "mixed",
];

/// A faulty schedule may execute at most this many times the clean schedule's instructions.
pub const BOUND_FACTOR: u64 = 2;

/// Kill QEMU after this long (the traced run takes ≈ 15 s on the M4F, ≈ 50 s on the M0).
pub const TIMEOUT: Duration = Duration::from_secs(300);

/// One schedule's `FAULTS` line, plus its instructions from the trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// Schedule name.
    pub name: String,
    /// Injected by the device, per kind.
    pub injected: Vec<u32>,
    /// Counted by the application, per kind.
    pub counted: Vec<u32>,
    /// The schedule's own total, per kind.
    pub expected: Vec<u32>,
    /// Frames in which the last safe output was held.
    pub held: u32,
    /// Readings given up after retries.
    pub gave_up: u32,
    /// |x| at the end.
    pub end: f64,
    /// The band |x| must end in.
    pub band: f64,
    /// The largest control step between frames, holding the last safe output.
    pub kick: f64,
    /// The same when the flagged readings are used (the counterfactual; = `kick` for the
    /// schedules without bad values).
    pub raw_kick: f64,
    /// The firmware's own verdict.
    pub ok: bool,
    /// Executed instructions of the run (from the trace; 0 until measured).
    pub instructions: u64,
}

fn parse_counts(s: &str) -> Option<Vec<u32>> {
    let inner = s.strip_prefix('[')?.strip_suffix(']')?;
    inner
        .split(',')
        .map(|v| v.trim().parse().ok())
        .collect::<Option<Vec<u32>>>()
        .filter(|v| v.len() == 7)
}

/// Parses `FAULTS <name> injected [..] counted [..] expected [..] held H gaveup G end E
/// band B ok|FAIL`.
pub fn parse_line(msg: &str) -> Option<Schedule> {
    let rest = msg.strip_prefix("FAULTS ")?;
    let (name, rest) = rest.split_once(' ')?;
    let field = |key: &str| -> Option<&str> {
        let i = rest.find(&format!("{key} "))? + key.len() + 1;
        let tail = &rest[i..];
        if tail.starts_with('[') {
            tail.find(']').map(|j| &tail[..=j])
        } else {
            tail.split_whitespace().next()
        }
    };
    Some(Schedule {
        name: name.to_string(),
        injected: parse_counts(field("injected")?)?,
        counted: parse_counts(field("counted")?)?,
        expected: parse_counts(field("expected")?)?,
        held: field("held")?.parse().ok()?,
        gave_up: field("gaveup")?.parse().ok()?,
        end: field("end")?.parse().ok()?,
        band: field("band")?.parse().ok()?,
        kick: field("kick")?.parse().ok()?,
        raw_kick: field("rawkick")?.parse().ok()?,
        ok: rest.trim_end().ends_with(" ok"),
        instructions: 0,
    })
}

/// Checks the parsed schedules (with their instructions) against the rules above.
pub fn check(board: Board, schedules: &[Schedule]) -> Result<()> {
    let names: Vec<&str> = schedules.iter().map(|s| s.name.as_str()).collect();
    ensure!(
        names == SCHEDULES,
        "{}: schedules reported {names:?}, expected {SCHEDULES:?}",
        board.core()
    );
    let clean = &schedules[0];
    ensure!(
        clean.expected.iter().all(|c| *c == 0) && clean.held == 0,
        "{}: the clean schedule saw faults: {clean:?}",
        board.core()
    );
    for (i, s) in schedules.iter().enumerate() {
        let who = format!("{} {}", board.core(), s.name);
        ensure!(s.ok, "{who}: the firmware reported FAIL: {s:?}");
        ensure!(
            s.injected == s.expected,
            "{who}: injected {:?} != scheduled {:?}",
            s.injected,
            s.expected
        );
        ensure!(
            s.counted == s.injected,
            "{who}: counted {:?} != injected {:?}",
            s.counted,
            s.injected
        );
        ensure!(
            s.end <= s.band,
            "{who}: |x| = {} at the end, outside the band {}",
            s.end,
            s.band
        );
        // Each single-kind schedule injects its kind (index i − 1) and nothing else.
        if (1..=7).contains(&i) {
            let only = s
                .expected
                .iter()
                .enumerate()
                .all(|(k, c)| (*c > 0) == (k == i - 1));
            ensure!(only, "{who}: schedule injects {:?}", s.expected);
        }
        // Saturated, spike, mixed: bad values reach the controller path unless held.
        if matches!(s.name.as_str(), "saturated" | "spike" | "mixed") {
            ensure!(
                s.kick < s.raw_kick,
                "{who}: holding did not reduce the largest control step ({} vs {} with the flagged readings)",
                s.kick,
                s.raw_kick
            );
        }
        if s.instructions > 0 {
            let bound = BOUND_FACTOR * clean.instructions;
            ensure!(
                s.instructions <= bound,
                "{who}: {} instructions, over the bound {bound} ({BOUND_FACTOR} × clean)",
                s.instructions
            );
        }
    }
    Ok(())
}

/// Builds the `fault-schedules` demo for `board`, runs it under QEMU (with the trace when
/// `traced`), and checks it. Returns the schedules with their instructions (0 untraced).
pub fn run(board: Board, traced: bool) -> Result<Vec<Schedule>> {
    let mut build = Build::qemu("demo", board);
    build.features.push("fault-schedules");
    // The M0 build shares the size-optimised dependencies of its `target-tests` image (built
    // earlier in `cargo xtask test`), so only the firmware crate is compiled here.
    if board == Board::M0 {
        build
            .env
            .push(("CARGO_PROFILE_RELEASE_OPT_LEVEL", "s".to_string()));
    }
    let built = build.run()?;
    // Keep the fault build apart from the plain demo binary of the same target dir.
    let elf = built.with_file_name("demo-fault-schedules");
    std::fs::copy(&built, &elf).with_context(|| format!("copying {}", built.display()))?;
    let fifo = std::env::temp_dir().join(format!(
        "xtask-faults-{}-{}.fifo",
        board.name(),
        std::process::id()
    ));
    let reader = if traced {
        let _ = std::fs::remove_file(&fifo);
        crate::cmd::run(Command::new("mkfifo").arg(&fifo))?;
        let f = fifo.clone();
        Some(std::thread::spawn(move || trace::regions(&f, &|_| 2)))
    } else {
        None
    };
    let out = Qemu {
        board,
        elf: &elf,
        timeout: TIMEOUT,
        trace: traced.then(|| fifo.clone()),
        serial: None,
    }
    .run();
    let regions = match reader {
        Some(r) => {
            // Release a reader still blocked in open() if QEMU never opened the FIFO.
            {
                use std::os::unix::fs::OpenOptionsExt;
                let _ = std::fs::OpenOptions::new()
                    .write(true)
                    .custom_flags(0o4000)
                    .open(&fifo);
            }
            let regions = r
                .join()
                .map_err(|_| anyhow::anyhow!("trace reader panicked"))?;
            let _ = std::fs::remove_file(&fifo);
            Some(regions?)
        }
        None => None,
    };
    let out = out?;
    for l in &out.lines {
        println!("{l}");
    }
    qemu::check(board, &out)?;
    let mut schedules: Vec<Schedule> = out.messages().filter_map(parse_line).collect();
    if let Some(regions) = regions {
        if regions.len() != schedules.len() {
            bail!(
                "{}: {} schedules reported but {} traced",
                board.core(),
                schedules.len(),
                regions.len()
            );
        }
        for (s, r) in schedules.iter_mut().zip(&regions) {
            s.instructions = r.total;
        }
    }
    check(board, &schedules)?;
    for s in &schedules {
        println!(
            "  {:<10} injected {:?} = counted, held {:>2} frames, gave up {} readings, |x| {:.4} <= {:.4}, max |du| {:.3} (flagged readings used: {:.3}){}",
            s.name,
            s.injected,
            s.held,
            s.gave_up,
            s.end,
            s.band,
            s.kick,
            s.raw_kick,
            if s.instructions > 0 {
                format!(
                    ", {} instructions ({:.3} × clean)",
                    s.instructions,
                    s.instructions as f64 / schedules[0].instructions.max(1) as f64
                )
            } else {
                String::new()
            }
        );
    }
    Ok(schedules)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = "FAULTS mixed injected [2, 6, 1, 1, 1, 1, 1] counted [2, 6, 1, 1, 1, 1, 1] expected [2, 6, 1, 1, 1, 1, 1] held 7 gaveup 1 end 0.0057246033 band 0.07905694 kick 0.25 rawkick 3.5 ok";

    fn all_ok() -> Vec<Schedule> {
        SCHEDULES
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let mut c = vec![0u32; 7];
                match i {
                    0 => {}
                    8 => c = vec![1; 7],
                    _ => c[i - 1] = 3,
                }
                Schedule {
                    name: name.to_string(),
                    injected: c.clone(),
                    counted: c.clone(),
                    expected: c,
                    held: u32::from(i > 0) * 5,
                    gave_up: 0,
                    end: 0.01,
                    band: 0.08,
                    kick: 0.2,
                    raw_kick: 1.0,
                    ok: true,
                    instructions: 1_000_000 + i as u64,
                }
            })
            .collect()
    }

    #[test]
    fn parses_the_firmware_line() {
        let s = parse_line(LINE).unwrap();
        assert_eq!(s.name, "mixed");
        assert_eq!(s.injected, vec![2, 6, 1, 1, 1, 1, 1]);
        assert_eq!((s.held, s.gave_up), (7, 1));
        assert_eq!((s.kick, s.raw_kick), (0.25, 3.5));
        assert!(s.ok && s.end < s.band);
        assert!(!parse_line(&LINE.replace(" ok", " FAIL")).unwrap().ok);
        assert!(parse_line("FAULTS x injected [1, 2] counted").is_none());
    }

    #[test]
    fn check_accepts_a_good_run_and_names_each_failure() {
        assert!(check(Board::M4f, &all_ok()).is_ok());
        let fail = |f: &dyn Fn(&mut Vec<Schedule>)| {
            let mut v = all_ok();
            f(&mut v);
            format!("{:#}", check(Board::M4f, &v).unwrap_err())
        };
        assert!(fail(&|v| v[3].counted[2] -= 1).contains("counted"));
        assert!(fail(&|v| v[8].injected[0] += 1).contains("injected"));
        assert!(fail(&|v| v[5].end = 0.5).contains("band"));
        assert!(fail(&|v| v[2].instructions = 2_000_001).contains("bound"));
        assert!(fail(&|v| v[6].ok = false).contains("FAIL"));
        assert!(fail(&|v| v[6].raw_kick = 0.1).contains("holding"));
        assert!(fail(&|v| {
            v.pop();
        })
        .contains("schedules reported"));
        assert!(fail(&|v| {
            v[4].expected[0] = 1;
            v[4].injected[0] = 1;
            v[4].counted[0] = 1;
        })
        .contains("injects"));
    }
}
