//! `mcuk` is the one command-line tool: its `--help` lists every subcommand, and each
//! subcommand has its own `--help`.

use std::process::Command;

const SUBCOMMANDS: [&str; 8] = [
    "ot",
    "sinkhorn",
    "halpern",
    "lipschitz",
    "learn",
    "accuracy",
    "inspect",
    "gaussian-ot",
];

fn mcuk(args: &[&str]) -> (bool, Option<i32>, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_mcuk"))
        .args(args)
        .output()
        .expect("run mcuk");
    (
        o.status.success(),
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn help_lists_every_subcommand_and_each_has_its_own_help() {
    let (ok, _, out, _) = mcuk(&["--help"]);
    assert!(ok);
    for sub in SUBCOMMANDS {
        assert!(
            out.lines().any(|l| l.trim_start().starts_with(sub)),
            "{sub} missing from:\n{out}"
        );
        let (ok, _, help, err) = mcuk(&[sub, "--help"]);
        assert!(ok, "{sub} --help: {err}");
        assert!(help.contains("Usage: mcuk "), "{sub}: {help}");
    }
}

#[test]
fn usage_errors_exit_2_and_data_errors_exit_1() {
    // Unknown subcommand, unknown flag, a value out of range: the argument parser, exit 2.
    for args in [
        &["nope"][..],
        &["inspect", "--bogus"][..],
        &["learn", "--data", "x.csv", "--target", "y", "--lr", "-1"][..],
    ] {
        let (ok, code, _, err) = mcuk(args);
        assert!(!ok && code == Some(2), "{args:?}: {code:?} {err}");
        assert!(err.starts_with("error:"), "{args:?}: {err}");
    }
    // A file that does not exist: one line, exit 1.
    let (ok, code, _, err) = mcuk(&["inspect", "/nonexistent/a.npy"]);
    assert!(!ok && code == Some(1), "{code:?} {err}");
    assert!(
        err.starts_with("error:") && err.lines().count() == 1,
        "{err}"
    );
}
