//! The preflight: one table ([`NEEDS`]) of everything a command needs from the machine, and
//! [`preflight`], which makes sure of all of it before the command's first step runs.
//!
//! * Debian packages are installed with `apt-get` when xtask runs as root; otherwise the
//!   preflight stops at once and prints the one exact command to run (nothing else is done).
//! * rustup targets and components are added with `rustup` (no root needed).
//! * Python packages go into the project's own virtual environment, `target/pyenv`, created
//!   with the machine's `python3 -m venv` (so nothing is installed into the system Python).
//!
//! The README's "What the commands install" table lists the same entries; a test keeps the
//! two equal. To add a dependency, add a row here and there.

use crate::cmd;
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::process::Command;

/// The commands that have a preflight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Task {
    /// `cargo xtask run` (the demo under QEMU).
    Run,
    /// `cargo xtask test` (everything).
    Test,
    /// `cargo xtask bench` (instruction counts under QEMU, with the accuracy figures).
    Bench,
    /// `cargo xtask bench --peers` (host solvers against POT).
    Peers,
    /// `cargo xtask ontarget`.
    Ontarget,
    /// `cargo xtask accuracy`.
    Accuracy,
    /// `cargo xtask run --chip` / `bench --chip` (a real board through probe-rs).
    Flash,
    /// `cargo xtask package` (the library as a user gets it).
    Package,
    /// `cargo xtask fuzz`.
    Fuzz,
}

impl Task {
    /// The name as on the command line (used in the README's table).
    pub fn name(self) -> &'static str {
        match self {
            Task::Run => "run",
            Task::Test => "test",
            Task::Bench => "bench",
            Task::Peers => "bench --peers",
            Task::Ontarget => "ontarget",
            Task::Accuracy => "accuracy",
            Task::Flash => "run --chip",
            Task::Package => "package",
            Task::Fuzz => "fuzz",
        }
    }
}

/// How a need is met and how its presence is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A rustup target of the active toolchain.
    RustTarget,
    /// A rustup component of the active toolchain.
    RustComponent,
    /// A further rustup toolchain (`name` is its version), installed with the minimal profile
    /// and these targets: the MSRV build.
    RustToolchain { targets: &'static [&'static str] },
    /// A program built from crates.io with `cargo install --locked` (into `~/.cargo/bin`).
    CargoInstall { version: &'static str },
    /// A Debian package; present when `dpkg-query` reports it installed or `probe` finds
    /// what it provides (a program on the PATH, say, installed some other way).
    Apt(Probe),
    /// A Python distribution (`name==version`) in `target/pyenv`.
    Pip { version: &'static str },
}

/// A check that a Debian package's contents are usable without asking dpkg.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// Only dpkg's word counts.
    Dpkg,
    /// This program is on the PATH.
    Program(&'static str),
    /// Any of these browsers is on the PATH.
    Chromium,
    /// `python3 -m venv` works (the `venv` and `ensurepip` modules import).
    PythonVenv,
    /// The C compiler finds this library for linking (`cc -print-file-name=lib….so`).
    LinkerLib(&'static str),
}

/// One thing a command needs.
#[derive(Clone, Copy, Debug)]
pub struct Need {
    /// Target triple, component, Debian package or Python distribution name.
    pub name: &'static str,
    pub kind: Kind,
    /// The commands that need it.
    pub tasks: &'static [Task],
    /// Why, in a few words (printed when it is installed).
    pub why: &'static str,
}

use Task::*;

const QEMU_TASKS: &[Task] = &[Run, Test, Bench, Ontarget, Package];
const ALL_BUILDS: &[Task] = &[Run, Test, Bench, Ontarget, Flash, Package];

/// Everything any command needs. Sizes are in the README (measured on Debian 12).
pub const NEEDS: &[Need] = &[
    Need {
        name: "thumbv7em-none-eabihf",
        kind: Kind::RustTarget,
        tasks: ALL_BUILDS,
        why: "Cortex-M4F / M7 firmware",
    },
    Need {
        name: "thumbv7m-none-eabi",
        kind: Kind::RustTarget,
        tasks: ALL_BUILDS,
        why: "Cortex-M3 firmware",
    },
    Need {
        name: "thumbv6m-none-eabi",
        kind: Kind::RustTarget,
        tasks: ALL_BUILDS,
        why: "Cortex-M0 firmware",
    },
    Need {
        name: "thumbv8m.main-none-eabihf",
        kind: Kind::RustTarget,
        tasks: ALL_BUILDS,
        why: "Cortex-M33 firmware",
    },
    Need {
        name: crate::package::MSRV,
        kind: Kind::RustToolchain {
            targets: crate::package::MSRV_TARGETS,
        },
        tasks: &[Test, Package],
        why: "the minimum-supported-Rust-version build",
    },
    Need {
        name: "defmt-print",
        kind: Kind::CargoInstall { version: "1.2.0" },
        tasks: &[Test, Package],
        why: "decodes the defmt log of examples/firmware under `cargo run` (the README's way)",
    },
    Need {
        name: "flip-link",
        kind: Kind::CargoInstall { version: "0.1.12" },
        tasks: ALL_BUILDS,
        why: "the firmware's linker: puts the stack below .data/.bss (stack-overflow guard)",
    },
    Need {
        name: "rustfmt",
        kind: Kind::RustComponent,
        tasks: &[Test],
        why: "the formatting check",
    },
    Need {
        name: "clippy",
        kind: Kind::RustComponent,
        tasks: &[Test],
        why: "the lint check",
    },
    Need {
        name: "llvm-tools",
        kind: Kind::RustComponent,
        tasks: &[Test, Bench],
        why: "code sizes (llvm-nm, llvm-size) in the bench report",
    },
    Need {
        name: "qemu-system-arm",
        kind: Kind::Apt(Probe::Program("qemu-system-arm")),
        tasks: QEMU_TASKS,
        why: "emulates the Cortex-M cores",
    },
    Need {
        name: "libopenblas-dev",
        kind: Kind::Apt(Probe::Dpkg),
        tasks: &[Test, Bench, Accuracy],
        why: "BLAS/LAPACK for Clarabel's SDP solver (LipSDP in host/)",
    },
    Need {
        name: "libgfortran-12-dev",
        kind: Kind::Apt(Probe::LinkerLib("libgfortran.so")),
        tasks: &[Test, Bench, Accuracy],
        why: "libgfortran.so, which OpenBLAS's LAPACK links against (Debian 12's gcc 12)",
    },
    Need {
        name: "g++",
        kind: Kind::Apt(Probe::Program("c++")),
        tasks: &[Test, Fuzz],
        why: "compiles libFuzzer (libfuzzer-sys) for the fuzz targets",
    },
    Need {
        name: "chromium",
        kind: Kind::Apt(Probe::Chromium),
        tasks: &[Test],
        why: "renders the benchmark report page (headless check)",
    },
    Need {
        name: "python3-venv",
        kind: Kind::Apt(Probe::PythonVenv),
        tasks: &[Test, Peers],
        why: "creates target/pyenv for the Python peers",
    },
    Need {
        name: "numpy",
        kind: Kind::Pip { version: "2.4.6" },
        tasks: &[Test, Peers],
        why: "arrays for the TFLite-Micro oracle and the POT peer",
    },
    Need {
        name: "tflite-micro",
        kind: Kind::Pip {
            version: "0.dev20261023182759",
        },
        tasks: &[Test],
        why: "TFLite-Micro's own interpreter, the oracle of the TFLM-exact kernels",
    },
    Need {
        name: "flatbuffers",
        kind: Kind::Pip {
            version: "25.12.19",
        },
        tasks: &[Test],
        why: "builds the one-operator models the TFLite-Micro oracle runs",
    },
    Need {
        name: "pot",
        kind: Kind::Pip {
            version: "0.9.7.post1",
        },
        tasks: &[Test, Peers],
        why: "POT, the optimal-transport peer (and the Python package's OT test)",
    },
    Need {
        name: "scipy",
        kind: Kind::Pip { version: "1.17.1" },
        tasks: &[Test],
        why: "f64 references of the Python package's tests",
    },
    Need {
        name: "maturin",
        kind: Kind::Pip { version: "1.16.0" },
        tasks: &[Test],
        why: "builds the Python package (python/, PyO3) into target/pyenv",
    },
    Need {
        name: "pytest",
        kind: Kind::Pip { version: "9.2.0" },
        tasks: &[Test],
        why: "runs the Python package's tests (python/tests)",
    },
    Need {
        name: "river",
        kind: Kind::Pip { version: "0.26.1" },
        tasks: &[Test],
        why: "River, the online learners' peer in the Python package's tests",
    },
];

/// The needs of `task`.
pub fn needs_of(task: Task) -> impl Iterator<Item = &'static Need> {
    NEEDS.iter().filter(move |n| n.tasks.contains(&task))
}

/// The project's Python virtual environment (created by the preflight when a task needs a
/// Python package).
pub fn venv_dir() -> PathBuf {
    cmd::root().join("target").join("pyenv")
}

/// The virtual environment's interpreter.
pub fn venv_python() -> PathBuf {
    venv_dir().join("bin").join("python")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn dpkg_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("ok installed"))
        .unwrap_or(false)
}

fn python_venv_works() -> bool {
    Command::new("python3")
        .args(["-c", "import venv, ensurepip"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// `cc -print-file-name=LIB` answers a path only when the library is on its search path
/// (otherwise it echoes the bare name).
fn linker_finds(lib: &str) -> bool {
    Command::new("cc")
        .arg(format!("-print-file-name={lib}"))
        .output()
        .map(|o| {
            let p = String::from_utf8_lossy(&o.stdout).trim().to_string();
            p != lib && std::path::Path::new(&p).exists()
        })
        .unwrap_or(false)
}

fn apt_present(package: &str, probe: Probe) -> bool {
    let by_probe = match probe {
        Probe::Dpkg => false,
        Probe::Program(p) => cmd::on_path(p),
        Probe::Chromium => crate::browser::chromium().is_some(),
        Probe::PythonVenv => python_venv_works(),
        Probe::LinkerLib(lib) => linker_finds(lib),
    };
    by_probe || dpkg_installed(package)
}

/// The lines of `rustup <what> list --installed`, or `None` without rustup.
fn rustup_installed(what: &str) -> Option<Vec<String>> {
    let o = Command::new("rustup")
        .args([what, "list", "--installed"])
        .output()
        .ok()?;
    o.status.success().then(|| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| l.trim().to_string())
            .collect()
    })
}

/// True if rustup has `toolchain` (a version such as `1.88.0`) with every one of `targets`.
/// Without rustup, true (nothing can be installed; the build that needs it says so).
fn rustup_toolchain_has(toolchain: &str, targets: &[&str]) -> bool {
    let Ok(o) = Command::new("rustup")
        .args(["target", "list", "--installed", "--toolchain", toolchain])
        .output()
    else {
        return true;
    };
    if !o.status.success() {
        return false;
    }
    let installed = String::from_utf8_lossy(&o.stdout);
    targets
        .iter()
        .all(|t| installed.lines().any(|l| l.trim() == *t))
}

/// True if `program --version` runs and names `version`, or cargo lists `program` at
/// `version` among the installed crates (flip-link has no `--version`: it passes every argument
/// to the linker).
fn cargo_installed(program: &str, version: &str) -> bool {
    let names = |o: std::process::Output| {
        String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .any(|w| w == version)
    };
    let listed = |o: std::process::Output| {
        let line = format!("{program} v{version}:");
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .any(|l| l.trim() == line)
    };
    cmd::on_path(program)
        && (Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(names)
            || cmd::cargo()
                .args(["install", "--list"])
                .output()
                .is_ok_and(listed))
}

/// Installed Python distributions of the venv, as `name==version` in lower case.
fn pip_installed() -> Vec<String> {
    let py = venv_python();
    if !py.is_file() {
        return Vec::new();
    }
    let script = "import importlib.metadata as m\n\
                  for d in m.distributions():\n    print(f\"{d.metadata['Name'].lower()}=={d.version}\")";
    Command::new(&py)
        .args(["-c", script])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(|l| l.trim().replace('_', "-"))
                .collect()
        })
        .unwrap_or_default()
}

/// The exact apt-get command for `packages` (with `sudo` when not root).
pub fn apt_command(packages: &[&str], root: bool) -> String {
    let sudo = if root { "" } else { "sudo " };
    format!(
        "{sudo}apt-get update && {sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends {}",
        packages.join(" ")
    )
}

/// Makes sure of everything `task` needs, before any of its steps runs: Debian packages
/// first (as root they are installed; otherwise this stops at once with the command to run),
/// then rustup targets and components, then the Python packages in `target/pyenv`.
pub fn preflight(task: Task) -> Result<()> {
    let needs: Vec<&Need> = needs_of(task).collect();

    let apt_missing: Vec<&str> = needs
        .iter()
        .filter_map(|n| match n.kind {
            Kind::Apt(probe) if !apt_present(n.name, probe) => Some(n.name),
            _ => None,
        })
        .collect();
    if !apt_missing.is_empty() {
        let root = is_root();
        if !root || !cmd::on_path("apt-get") {
            bail!(
                "`cargo xtask {}` needs Debian packages that are not installed: {}.\n\
                 Install them with:\n\n    {}\n",
                task.name(),
                apt_missing.join(", "),
                apt_command(&apt_missing, root)
            );
        }
        for n in needs.iter().filter(|n| apt_missing.contains(&n.name)) {
            eprintln!("preflight: installing {} ({})", n.name, n.why);
        }
        cmd::run(Command::new("apt-get").arg("update"))?;
        cmd::run(
            Command::new("apt-get")
                .args(["install", "-y", "--no-install-recommends"])
                .args(&apt_missing)
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )
        .with_context(|| format!("installing {}", apt_missing.join(" ")))?;
    }

    for (kind, what) in [
        (Kind::RustTarget, "target"),
        (Kind::RustComponent, "component"),
    ] {
        let wanted: Vec<&str> = needs
            .iter()
            .filter(|n| n.kind == kind)
            .map(|n| n.name)
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let Some(installed) = rustup_installed(what) else {
            eprintln!(
                "preflight: rustup not found; assuming these are installed: {}",
                wanted.join(", ")
            );
            continue;
        };
        // Components are listed with their host triple (`clippy-x86_64-unknown-linux-gnu`).
        let missing: Vec<&str> = wanted
            .into_iter()
            .filter(|w| {
                !installed
                    .iter()
                    .any(|l| l == w || l.strip_prefix(w).is_some_and(|r| r.starts_with('-')))
            })
            .collect();
        if !missing.is_empty() {
            cmd::run(Command::new("rustup").args([what, "add"]).args(&missing))?;
        }
    }

    for n in &needs {
        if let Kind::RustToolchain { targets } = n.kind {
            if !rustup_toolchain_has(n.name, targets) {
                eprintln!("preflight: installing Rust {} ({})", n.name, n.why);
                let mut c = Command::new("rustup");
                c.args(["toolchain", "install", n.name, "--profile", "minimal"]);
                for t in targets {
                    c.args(["--target", t]);
                }
                cmd::run(&mut c)?;
            }
        }
    }

    for n in &needs {
        if let Kind::CargoInstall { version } = n.kind {
            if !cargo_installed(n.name, version) {
                eprintln!("preflight: installing {} {version} ({})", n.name, n.why);
                cmd::run(cmd::cargo().args([
                    "install",
                    "--locked",
                    "--quiet",
                    n.name,
                    "--version",
                    version,
                ]))?;
            }
        }
    }

    let pip_wanted: Vec<String> = needs
        .iter()
        .filter_map(|n| match n.kind {
            Kind::Pip { version } => Some(format!("{}=={version}", n.name)),
            _ => None,
        })
        .collect();
    if !pip_wanted.is_empty() {
        if !venv_python().is_file() {
            cmd::run(
                Command::new("python3")
                    .arg("-m")
                    .arg("venv")
                    .arg(venv_dir()),
            )
            .context("creating the Python virtual environment target/pyenv")?;
        }
        let installed = pip_installed();
        // A distribution may report a local suffix (`0.dev20261023182759-g8f6596d`).
        let missing: Vec<&String> = pip_wanted
            .iter()
            .filter(|w| {
                let w = w.to_lowercase();
                !installed.iter().any(|i| {
                    i == &w
                        || i.strip_prefix(w.as_str())
                            .is_some_and(|r| r.starts_with(['-', '+']))
                })
            })
            .collect();
        if !missing.is_empty() {
            cmd::run(
                Command::new(venv_python())
                    .args(["-m", "pip", "install", "--quiet", "--pre"])
                    .args(&missing)
                    .env("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
            )
            .context("installing Python packages into target/pyenv")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_needs_neither_chromium_nor_openblas() {
        let run: Vec<&str> = needs_of(Task::Run).map(|n| n.name).collect();
        assert!(run.contains(&"qemu-system-arm"));
        assert!(!run.contains(&"chromium") && !run.contains(&"libopenblas-dev"));
        assert!(!needs_of(Task::Run).any(|n| matches!(n.kind, Kind::Pip { .. })));
    }

    #[test]
    fn test_needs_every_system_package_of_its_steps() {
        let test: Vec<&str> = needs_of(Task::Test).map(|n| n.name).collect();
        for p in [
            "qemu-system-arm",
            "libopenblas-dev",
            "libgfortran-12-dev",
            "chromium",
            "llvm-tools",
        ] {
            assert!(test.contains(&p), "{p}");
        }
    }

    /// The README's "What the commands install" table names the same entries, kinds and
    /// commands as [`NEEDS`], row for row.
    #[test]
    fn readme_table_matches_the_preflight() {
        let readme = std::fs::read_to_string(cmd::root().join("README.md")).unwrap();
        let start = readme
            .find("<!-- preflight table")
            .expect("README has the preflight table");
        let end = readme[start..]
            .find("<!-- end preflight table -->")
            .expect("README's preflight table ends")
            + start;
        let rows: Vec<(String, String, String)> = readme[start..end]
            .lines()
            .filter(|l| l.starts_with("| `"))
            .map(|l| {
                let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
                (
                    cells[0].trim_matches('`').to_string(),
                    cells[1].to_string(),
                    cells[2].to_string(),
                )
            })
            .collect();
        let expected: Vec<(String, String, String)> = NEEDS
            .iter()
            .map(|n| {
                let kind = match n.kind {
                    Kind::RustTarget => "rustup target",
                    Kind::RustComponent => "rustup component",
                    Kind::RustToolchain { .. } => "rustup toolchain",
                    Kind::CargoInstall { .. } => "cargo install",
                    Kind::Apt(_) => "Debian package",
                    Kind::Pip { .. } => "Python package",
                };
                let tasks: Vec<&str> = n.tasks.iter().map(|t| t.name()).collect();
                (n.name.to_string(), kind.to_string(), tasks.join(", "))
            })
            .collect();
        assert_eq!(
            rows, expected,
            "README.md's preflight table != tools::NEEDS"
        );
    }

    #[test]
    fn every_board_target_is_in_the_table() {
        for t in crate::boards::Board::all_targets() {
            assert!(
                NEEDS
                    .iter()
                    .any(|n| n.name == t && n.kind == Kind::RustTarget),
                "{t}"
            );
        }
    }

    #[test]
    fn apt_command_is_one_line_with_sudo_only_when_needed() {
        let c = apt_command(&["qemu-system-arm", "chromium"], false);
        assert_eq!(
            c,
            "sudo apt-get update && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y \
             --no-install-recommends qemu-system-arm chromium"
        );
        assert!(!apt_command(&["chromium"], true).contains("sudo"));
    }
}
