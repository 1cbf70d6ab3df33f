//! The fault-injected demo by hand: `cargo test -p xtask --test faults -- --ignored`
//! (traced, on the cores named in `XTASK_FAULT_BOARDS`, e.g. `m0,m3,m4f,m7,m33,m55`;
//! default `m4f`; `XTASK_FAULT_TRACE=0` runs without the trace). `cargo xtask test` runs it as its own step (every QEMU core, the M4F traced).

use xtask::boards::Board;

#[test]
#[ignore = "builds and traces the demo under QEMU (≈ 40 s per core); cargo xtask test runs it"]
fn fault_schedules_under_qemu() {
    let names = std::env::var("XTASK_FAULT_BOARDS").unwrap_or_else(|_| "m4f".into());
    for name in names.split(',') {
        let board = Board::EMULATED
            .into_iter()
            .find(|b| b.name() == name.trim())
            .unwrap_or_else(|| panic!("unknown board {name}"));
        let traced = std::env::var("XTASK_FAULT_TRACE").map_or(true, |v| v != "0");
        let s = xtask::faults::run(board, traced).expect("fault-injected demo");
        assert_eq!(s.len(), xtask::faults::SCHEDULES.len());
    }
}
