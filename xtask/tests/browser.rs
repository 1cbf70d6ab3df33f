//! The headless-Chromium page check must pass a clean page and fail one that logs to the
//! console. Needs chromium: `.ci/run` installs it; elsewhere the test says it was skipped.

use xtask::browser;

fn chromium_available() -> bool {
    if browser::chromium().is_some() {
        return true;
    }
    assert!(
        std::env::var_os("XTASK_REQUIRE_QEMU").is_none(),
        "cargo xtask test runs with XTASK_REQUIRE_QEMU: chromium must be installed (.ci/run does)"
    );
    println!("SKIPPED: chromium is not installed (apt-get install -y chromium)");
    false
}

#[test]
fn clean_page_passes_and_console_errors_are_caught() {
    if !chromium_available() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("xtask-browser-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("index.html");
    std::fs::write(
        &good,
        "<!DOCTYPE html><html><body><h1>Benchmark report</h1>\
         <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"></svg></body></html>",
    )
    .unwrap();
    let c = browser::check_report(&good, 1).expect("clean page");
    assert!(c.screenshot_bytes > 0 && c.console.is_empty());

    let bad = dir.join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html><body><h1>Benchmark report</h1><svg></svg>\
         <script>throw new Error('fixture: broken on purpose')</script></body></html>",
    )
    .unwrap();
    let err = browser::check_report(&bad, 1).unwrap_err().to_string();
    assert!(err.contains("console"), "{err}");
    // Too few plots is an error too.
    assert!(browser::check_report(&good, 2).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}
