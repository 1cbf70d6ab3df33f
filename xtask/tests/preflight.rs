//! The preflight, not as root, on a machine without the Debian packages: it must stop at once
//! (before rustup or pip is called) with the one exact install command.
//!
//! The machine is faked with a PATH of shell scripts: `id -u` says 1000, `dpkg-query` finds
//! nothing, no `qemu-system-arm` or `chromium` exists, `python3` has no venv module, and
//! `apt-get`/`rustup` record that they were called. The test owns its process (one test in this file), so it may set PATH.

use std::os::unix::fs::PermissionsExt;
use xtask::tools::{self, Task};

fn script(dir: &std::path::Path, name: &str, body: &str) {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn not_root_without_packages_stops_at_once_with_the_install_command() {
    let dir = tempdir();
    let called = dir.join("called");
    script(&dir, "id", "echo 1000");
    script(&dir, "dpkg-query", "exit 1");
    script(
        &dir,
        "apt-get",
        &format!("echo apt-get >> {}", called.display()),
    );
    script(
        &dir,
        "rustup",
        &format!("echo rustup >> {}", called.display()),
    );
    script(&dir, "cc", "echo libgfortran.so");
    // Probing is allowed (`python3 -c 'import venv'` fails here: no venv module); installing is
    // not, so only apt-get and rustup leave a mark.
    script(&dir, "python3", "exit 1");
    std::env::set_var("PATH", &dir);

    let err = tools::preflight(Task::Test).unwrap_err().to_string();
    assert!(
        err.contains(
            "sudo apt-get update && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y \
             --no-install-recommends qemu-system-arm libopenblas-dev libgfortran-12-dev g++ chromium python3-venv"
        ),
        "{err}"
    );
    assert!(
        !called.exists(),
        "the preflight ran something before stopping"
    );

    // `run` needs QEMU only: neither Chromium nor OpenBLAS is asked for.
    let err = tools::preflight(Task::Run).unwrap_err().to_string();
    assert!(
        err.contains("--no-install-recommends qemu-system-arm\n"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("xtask-preflight-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
