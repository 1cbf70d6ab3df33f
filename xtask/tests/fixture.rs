//! xtask's own tests against QEMU: a firmware that fails on purpose must make the run fail
//! and show the decoded assertion message; a firmware that overflows its stack on purpose must
//! be caught on every core; the real test binary must pass.
//!
//! They need `qemu-system-arm` and the Cortex-M targets. `cargo xtask test` installs both
//! and sets `XTASK_REQUIRE_QEMU=1`, so there they always run; a plain `cargo test` on a
//! machine without QEMU prints that they were skipped.

use std::time::Duration;
use xtask::boards::Board;
use xtask::firmware::Build;
use xtask::qemu::Qemu;

fn qemu_available() -> bool {
    if xtask::cmd::on_path("qemu-system-arm") {
        return true;
    }
    assert!(
        std::env::var_os("XTASK_REQUIRE_QEMU").is_none(),
        "XTASK_REQUIRE_QEMU is set but qemu-system-arm is not on the PATH"
    );
    println!("SKIPPED: qemu-system-arm is not installed (cargo xtask test installs it)");
    false
}

#[test]
fn failing_on_target_assertion_fails_the_run_with_its_message() {
    if !qemu_available() {
        return;
    }
    let elf = Build {
        bin: "target-tests",
        target: Board::M4f.target(),
        features: vec!["qemu", "fail-on-purpose"],
        profile_dir: Some("fixture"),
        env: Vec::new(),
    }
    .run()
    .expect("build the failing fixture");
    let out = Qemu {
        board: Board::M4f,
        elf: &elf,
        timeout: Duration::from_secs(120),
        trace: None,
        serial: None,
    }
    .run()
    .expect("run QEMU");
    let log: Vec<String> = out.lines.iter().map(|l| l.to_string()).collect();
    let log = log.join("\n");
    assert!(!out.timed_out, "the fixture hung:\n{log}");
    assert_eq!(
        out.code,
        Some(1),
        "the fixture must exit with failure:\n{log}"
    );
    assert!(!out.success());
    assert!(
        log.contains("fixture: this assertion fails on purpose"),
        "the decoded assertion message is missing:\n{log}"
    );
    assert!(
        log.contains("HardFault"),
        "the panic must end in the HardFault exit:\n{log}"
    );
    assert!(
        xtask::qemu::check(Board::M4f, &out).is_err(),
        "check() must turn the failure into an error"
    );
}

/// The `stack-overflow` fixture recurses without bound: on each of the six QEMU cores the stack
/// guard (flip-link, plus the MPU on ARMv7-M and MSPLIM on ARMv8-M) must end the run quickly
/// with a failure exit and the decoded "stack overflow" message, not a hang or a silent
/// corruption. One build per target and memory layout.
#[test]
fn stack_overflow_is_caught_on_every_core() {
    if !qemu_available() {
        return;
    }
    let mut built: Vec<((&str, Option<&str>), std::path::PathBuf)> = Vec::new();
    let mut failures = Vec::new();
    for board in Board::EMULATED {
        let key = (board.target(), board.spec().layout_feature);
        let elf = match built.iter().find(|(k, _)| *k == key) {
            Some((_, elf)) => elf.clone(),
            None => {
                let mut b = Build::qemu("stack-overflow", board);
                b.features.push("overflow-on-purpose");
                b.profile_dir = Some("fixture");
                let elf = b.run().expect("build the stack-overflow fixture");
                built.push((key, elf.clone()));
                elf
            }
        };
        let out = Qemu {
            board,
            elf: &elf,
            timeout: Duration::from_secs(60),
            trace: None,
            serial: None,
        }
        .run()
        .expect("run QEMU");
        let log = out
            .lines
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        println!("{}: {log}", board.name());
        // The core's own guard must be the one that fired: with it disabled, flip-link's bus
        // fault would still name an overflow on the M33/M55 (nothing is mapped below their
        // RAM), and this test would not notice.
        let guard = match board {
            Board::M0 => "a bus fault: no memory below the RAM",
            Board::M3 | Board::M4f | Board::M7 => "the MPU no-access region below the stack",
            Board::M33 | Board::M55 => "the MSPLIM stack-limit register",
        };
        let caught = out
            .messages()
            .find(|m| m.contains("stack overflow") && m.contains(guard))
            .map(str::to_string);
        if out.timed_out || out.code.is_none() || out.code == Some(0) || caught.is_none() {
            failures.push(format!(
                "{}: timed out {}, exit {:?}, expected \"stack overflow\" caught by {guard}:\n{log}\n{}",
                board.name(),
                out.timed_out,
                out.code,
                out.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn demo_exits_zero_with_its_summary() {
    if !qemu_available() {
        return;
    }
    let elf = Build::qemu("demo", Board::M4f)
        .run()
        .expect("build the demo");
    let out = Qemu {
        board: Board::M4f,
        elf: &elf,
        timeout: Duration::from_secs(120),
        trace: None,
        serial: None,
    }
    .run()
    .expect("run QEMU");
    assert!(out.success(), "{:?}", out.lines);
    assert!(out
        .messages()
        .any(|m| m.contains("self-checks: all passed")));
}

/// A mismatch is shown value by value: the fixture corrupts output word 1 of suite 0,
/// vector 7 on purpose; the dump run must show the kernel, the input and both outputs.
#[test]
fn mismatch_is_explained_with_input_and_both_outputs() {
    mismatch_is_explained_on(Board::M4f);
}

/// The same on the ARMv8-M Cortex-M33 (mps2-an505, Secure state).
#[test]
fn mismatch_is_explained_on_the_m33() {
    mismatch_is_explained_on(Board::M33);
}

fn mismatch_is_explained_on(board: Board) {
    if !qemu_available() {
        return;
    }
    let reports =
        xtask::ontarget::explain(board, &["corrupt-on-purpose"], &[(0, 7)]).expect("dump run");
    let text = reports.join("\n");
    println!("{text}");
    let name = testvectors::suites::SUITES[0].name;
    assert!(text.starts_with(&format!("{name} vector 7:")), "{text}");
    assert!(text.contains("input ("), "{text}");
    assert!(!text.contains("different input"), "{text}");
    assert!(text.contains("first difference at output word 1"), "{text}");
    assert!(
        text.contains("host  : [1]") && text.contains("device: [1]"),
        "{text}"
    );
}
