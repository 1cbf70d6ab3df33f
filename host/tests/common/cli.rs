//! Running the `mcuk` binary from a test, shared by the CLI tests.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// The `mcuk` binary, ready for arguments.
pub fn command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mcuk"))
}

/// Runs `cmd`: (exit success, stdout, stderr). Fails the test if the process died on a
/// signal (an abort is never an answer).
pub fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().expect("run mcuk");
    assert!(
        out.status.code().is_some(),
        "killed by a signal: {:?}",
        out.status
    );
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `mcuk ARGS…`: (exit success, stdout, stderr).
pub fn mcuk(args: &[&str]) -> (bool, String, String) {
    run(command().args(args))
}

/// Writes a row-major matrix as `.npy` or CSV (by extension).
pub fn write_matrix(path: &Path, rows: usize, cols: usize, data: Vec<f64>) {
    host::io::write_matrix(path, &host::io::Matrix { rows, cols, data }).unwrap();
}
