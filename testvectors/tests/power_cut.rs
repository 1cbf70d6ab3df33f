//! The power-cut sweep on the host (issue #24): for every word step of saving each of the
//! first checkpoints — clean cuts and torn words — the reset restores the previous or the new
//! checkpoint, never a corrupt one, and the resumed learner continues bit-identically.

use testvectors::power_cut::{sweep, Learner, CHECKPOINTS, RECORD};

/// More checkpoints than the on-target suite: several trips around the three pages.
const HOST_CHECKPOINTS: u32 = 20;

#[test]
fn every_cut_point_restores_the_previous_or_the_new_checkpoint() {
    let mut erases_swept = 0;
    for k in 0..HOST_CHECKPOINTS {
        for torn in [false, true] {
            let o = sweep(k, torn);
            let what = format!("checkpoint {k}, torn {torn}: {o:?}");
            assert_eq!(o.corrupt, 0, "{what}");
            assert_eq!(o.resume_mismatch, 0, "{what}");
            assert_eq!(o.store_errors, 0, "{what}");
            // One cut point per word step, plus the uncut save.
            assert_eq!(o.cuts, o.steps + 1, "{what}");
            assert_eq!(
                o.restored_prev + o.restored_new + o.restored_none,
                o.cuts,
                "{what}"
            );
            // The save is atomic: a cut at step 0 keeps the old state, the uncut save the new.
            assert!(o.restored_new >= 1, "{what}");
            if k == 0 {
                assert_eq!(o.restored_prev, 0, "{what}");
                assert!(o.restored_none >= 1, "{what}");
            } else {
                assert_eq!(o.restored_none, 0, "{what}");
                assert!(o.restored_prev >= 1, "{what}");
            }
            // A save that erases a page takes at least the page's 256 word steps.
            if o.steps >= 256 {
                erases_swept += 1;
            }
            if !torn {
                println!(
                    "checkpoint {k}: {} word steps, restored previous {} / new {} / none {}",
                    o.steps, o.restored_prev, o.restored_new, o.restored_none
                );
            }
        }
    }
    // The page rollover (an erase inside a save) is among the swept saves.
    assert!(erases_swept >= 2, "no save erased a page: {erases_swept}");
}

/// The on-target suite's digests are those of the same function (xtask compares them); here,
/// that they do not depend on anything but the vector index.
#[test]
fn suite_vectors_are_deterministic() {
    for i in 0..2 * CHECKPOINTS {
        let a = testvectors::power_cut::suite_vector(i);
        let b = testvectors::power_cut::suite_vector(i);
        assert_eq!(a.hash, b.hash);
    }
}

#[test]
fn record_round_trip() {
    let mut l = Learner::new();
    l.learn_rows(37);
    let rec = l.encode().unwrap();
    assert_eq!(rec.len(), RECORD);
    assert_eq!(RECORD, 4 + 176 + 100 + 40);
    let back = Learner::decode(&rec).unwrap();
    assert_eq!(back.row, 37);
    assert_eq!(back.encode().unwrap(), rec);
    assert!(Learner::decode(&rec[..RECORD - 1]).is_err());
}
