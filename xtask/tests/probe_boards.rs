//! Real boards without a probe: the commands stop with a message that says what to do.

#[test]
fn flashing_without_a_probe_stops_with_a_clear_message() {
    if !xtask::probe::attached_probes().is_empty() {
        println!("SKIPPED: a debug probe is attached, so flashing would not stop");
        return;
    }
    for (chip, board) in [
        ("RP2040", "Raspberry Pi Pico (RP2040"),
        ("RP235x", "Raspberry Pi Pico 2 (RP2350"),
    ] {
        let e = xtask::probe::require_probe(chip).unwrap_err().to_string();
        assert!(e.contains("no debug probe is attached"), "{e}");
        assert!(e.contains(board), "{e}");
        assert!(e.contains("cargo xtask test"), "{e}");
    }
}
