//! Checks an HTML page in headless Chromium: it must render (a screenshot is written), its
//! DOM must hold what the caller expects, and the browser must log no console message (the
//! report has no scripts, so any console message is an error: a parse, CSP or load failure).
//!
//! Flags as the machine's notes prescribe for this sandbox: headless, no sandbox (root), no
//! GPU, no background networking, a fresh profile directory.

use crate::cmd;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Chromium binary on the PATH, if any.
pub fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| cmd::on_path(c))
}

fn base(profile: &Path) -> Command {
    let mut c = Command::new(chromium().unwrap_or("chromium"));
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// What the check saw.
#[derive(Debug)]
pub struct PageCheck {
    /// The screenshot written.
    pub screenshot: PathBuf,
    /// Its size in bytes.
    pub screenshot_bytes: u64,
    /// The serialized DOM after load.
    pub dom: String,
    /// Console messages the browser logged (must be empty to pass).
    pub console: Vec<String>,
}

/// Loads `page` in headless Chromium: writes `screenshot` (PNG) and returns the DOM and any
/// console messages. Fails if Chromium is missing or produced no screenshot.
pub fn load(page: &Path, screenshot: &Path) -> Result<PageCheck> {
    if chromium().is_none() {
        bail!("chromium is not installed (Debian: apt-get install -y chromium)");
    }
    let page = std::fs::canonicalize(page).with_context(|| format!("{}", page.display()))?;
    let url = format!("file://{}", page.display());
    let profile = std::env::temp_dir().join(format!("xtask-chromium-{}", std::process::id()));
    let _ = std::fs::remove_file(screenshot);
    let shot = base(&profile)
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg("--window-size=1280,2400")
        .arg(&url)
        .output()
        .context("starting chromium")?;
    let dom = base(&profile)
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .context("starting chromium")?;
    let _ = std::fs::remove_dir_all(&profile);
    let console: Vec<String> = [&shot.stderr, &dom.stderr]
        .iter()
        .flat_map(|e| {
            String::from_utf8_lossy(e)
                .lines()
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .filter(|l| l.contains(":CONSOLE(") || l.contains("Uncaught"))
        .collect();
    let screenshot_bytes = std::fs::metadata(screenshot).map(|m| m.len()).unwrap_or(0);
    if screenshot_bytes == 0 {
        bail!(
            "chromium wrote no screenshot of {url}: {}",
            String::from_utf8_lossy(&shot.stderr).trim()
        );
    }
    Ok(PageCheck {
        screenshot: screenshot.to_path_buf(),
        screenshot_bytes,
        dom: String::from_utf8_lossy(&dom.stdout).into_owned(),
        console,
    })
}

/// Checks the benchmark report: renders, has its heading and `min_svgs` plots, and no console
/// messages. The screenshot goes next to the page (`index.png`).
pub fn check_report(page: &Path, min_svgs: usize) -> Result<PageCheck> {
    let c = load(page, &page.with_extension("png"))?;
    if !c.console.is_empty() {
        bail!(
            "console messages while loading {}:\n{}",
            page.display(),
            c.console.join("\n")
        );
    }
    if !c.dom.contains("<h1>Benchmark report</h1>") {
        bail!("{}: the rendered DOM has no report heading", page.display());
    }
    let svgs = c.dom.matches("<svg").count();
    if svgs < min_svgs {
        bail!(
            "{}: {svgs} plots rendered, expected at least {min_svgs}",
            page.display()
        );
    }
    Ok(c)
}
