//! Building the firmware binaries (its own workspace under `firmware/`).

use crate::boards::Board;
use crate::cmd;
use anyhow::Result;
use std::path::PathBuf;

/// What to build.
#[derive(Clone, Debug)]
pub struct Build {
    /// `demo`, `target-tests` or `bench`.
    pub bin: &'static str,
    /// The Rust target triple.
    pub target: &'static str,
    /// Cargo features (`qemu` or `hardware`, board layouts, fixtures...).
    pub features: Vec<&'static str>,
    /// A separate target directory (under `firmware/target/`) for builds whose feature set
    /// would otherwise invalidate the main build cache, e.g. the failing fixture.
    pub profile_dir: Option<&'static str>,
    /// Environment variables for the build (read by the firmware with `option_env!`).
    pub env: Vec<(&'static str, String)>,
}

impl Build {
    /// A QEMU build of `bin` for `board`.
    ///
    /// The M0's `target-tests` image is optimised for size (`opt-level = "s"`): at `3` it
    /// outgrows the microbit's 256 KiB of flash. The results cannot differ (no fast-math in
    /// Rust: every `+ − × ÷` is the IEEE operation at any level, and the soft-float routines
    /// are the same), which the bit-identity check itself confirms on every run.
    pub fn qemu(bin: &'static str, board: Board) -> Self {
        let mut env = Vec::new();
        if bin == "target-tests" && board == Board::M0 {
            env.push(("CARGO_PROFILE_RELEASE_OPT_LEVEL", "s".to_string()));
        }
        let mut features = vec!["qemu"];
        features.extend(board.spec().layout_feature);
        Build {
            bin,
            target: board.target(),
            features,
            profile_dir: None,
            env,
        }
    }

    /// A build of `bin` for a real board (`hardware` transport: defmt over RTT), in its own
    /// target directory.
    pub fn hardware(bin: &'static str, board: &crate::boards::ProbeBoard) -> Self {
        Build {
            bin,
            target: board.target,
            features: vec!["hardware", board.feature],
            profile_dir: Some("hardware"),
            env: Vec::new(),
        }
    }

    fn target_dir(&self) -> PathBuf {
        let base = cmd::root().join("firmware").join("target");
        match self.profile_dir {
            Some(d) => base.join(d),
            None => base,
        }
    }

    /// Builds (release, LTO) and returns the ELF's path.
    pub fn run(&self) -> Result<PathBuf> {
        let dir = self.target_dir();
        let mut c = cmd::cargo();
        c.current_dir(cmd::root().join("firmware"))
            .args(["build", "--release", "--quiet", "--bin", self.bin])
            .args(["--target", self.target])
            .arg("--target-dir")
            .arg(&dir)
            .arg("--no-default-features");
        if !self.features.is_empty() {
            c.arg("--features").arg(self.features.join(","));
        }
        for (k, v) in &self.env {
            c.env(k, v);
        }
        cmd::run(&mut c)?;
        Ok(dir.join(self.target).join("release").join(self.bin))
    }
}
