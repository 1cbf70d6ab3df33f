//! The shared Phishing run (the one the firmware executes) lands on River's figures.

use testvectors::phishing::{progressive, RIVER, RULES};

#[test]
fn progressive_validation_matches_river() {
    let mut best = 0.0f64;
    for (i, (name, (ll, acc))) in RULES.iter().zip(RIVER).enumerate() {
        let o = progressive(i).unwrap();
        println!(
            "{name:<14} log-loss {:.5} (River {ll:.5})  accuracy {:.2} % (River {:.2} %)",
            o.log_loss,
            o.accuracy * 100.0,
            acc * 100.0
        );
        assert_eq!(o.n, 1250);
        assert!(
            (o.log_loss - ll).abs() <= 0.01,
            "{name}: log-loss {}",
            o.log_loss
        );
        assert!(
            (o.accuracy - acc).abs() <= 0.005,
            "{name}: accuracy {}",
            o.accuracy
        );
        best = best.max(o.accuracy);
    }
    assert!(best >= 0.8928, "best accuracy {best}");
    assert!(progressive(4).is_none());
}
