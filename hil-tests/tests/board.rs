//! The on-target checks on a real board. Skipped, with the reason printed, without a probe.

use xtask::ontarget;

macro_rules! require_probe {
    () => {
        if let Some(why) = hil_tests::skip_reason() {
            println!("SKIPPED: {why}");
            return;
        }
    };
}

#[test]
fn target_tests_pass_and_match_the_host() {
    require_probe!();
    let run = hil_tests::flash_and_run("target-tests").expect("flash and run");
    for l in &run.lines {
        if !l.message.starts_with("D ") {
            println!("{l}");
        }
    }
    assert!(
        run.success,
        "the on-target tests failed on {}",
        hil_tests::chip()
    );
    let digests = ontarget::parse_digest_messages(run.lines.iter().map(|l| l.message.as_str()))
        .expect("parse digests");
    let (n, mismatches) = ontarget::compare(&digests);
    assert!(
        mismatches.is_empty(),
        "{} of {n} vectors differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn demo_runs_and_passes_its_self_checks() {
    require_probe!();
    let run = hil_tests::flash_and_run("demo").expect("flash and run");
    for l in &run.lines {
        println!("{l}");
    }
    assert!(
        run.success,
        "the demo reported failure on {}",
        hil_tests::chip()
    );
}

#[test]
fn chip_name_maps_to_a_memory_layout() {
    // Runs everywhere: the chips documented in the README have layouts.
    for chip in [
        "nRF52840_xxAA",
        "STM32F411RETx",
        "STM32F411CEUx",
        "RP2040",
        "RP235x",
    ] {
        xtask::boards::probe_board(chip).expect(chip);
    }
    assert!(xtask::boards::probe_board("ATSAMD21G18A").is_err());
}
