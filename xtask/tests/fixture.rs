//! xtask's own tests against QEMU: a firmware that fails on purpose must make the run fail
//! and show the decoded assertion message; the real test binary must pass.
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
