//! `cargo xtask fuzz`'s argument handling: a bad target or `--seconds 0` is refused at once,
//! before the preflight and the build (so these run in milliseconds).

use std::process::Command;

fn xtask(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn unknown_target_is_refused_with_the_list() {
    let (ok, err) = xtask(&["fuzz", "--seconds", "1", "no_such_target"]);
    assert!(!ok);
    assert!(
        err.contains("unknown fuzz target \"no_such_target\""),
        "{err}"
    );
    assert!(
        err.contains("softmax_f32") && err.contains("host_csv"),
        "{err}"
    );
    assert!(!err.contains("cargo build"), "built before refusing: {err}");
}

#[test]
fn zero_or_bad_seconds_are_refused() {
    let (ok, err) = xtask(&["fuzz", "--seconds", "0", "zloss"]);
    assert!(!ok);
    assert!(err.contains("--seconds must be at least 1"), "{err}");
    let (ok, err) = xtask(&["fuzz", "--seconds", "-3"]);
    assert!(!ok, "{err}");
    let (ok, err) = xtask(&["fuzz", "zloss", "mish"]);
    assert!(!ok, "two targets accepted: {err}");
}
