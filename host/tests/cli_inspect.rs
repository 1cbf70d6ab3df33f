//! The `mcuk` binary: `inspect` on good and malformed files; errors are one line, no panic.

#[path = "common/cli.rs"]
mod cli;
use cli::mcuk;

#[test]
fn inspect_reports_shape_and_rejects_garbage() {
    let dir = std::env::temp_dir().join(format!("host-cli-inspect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("w.npy");
    std::fs::write(
        &good,
        host::io::npy_bytes(&[2, 3], &[1.0, 2.0, 3.0, 4.0, f64::NAN, -6.0]),
    )
    .unwrap();
    let (ok, out, _) = mcuk(&["inspect", good.to_str().unwrap()]);
    assert!(ok);
    assert!(out.contains("2 x 3, 1 non-finite, min -6, max 4"), "{out}");

    let bad = dir.join("bad.npy");
    std::fs::write(&bad, b"not numpy").unwrap();
    let (ok, _, err) = mcuk(&["inspect", bad.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.starts_with("error:") && err.contains("magic"), "{err}");
    assert!(!err.contains("panicked"));
    std::fs::remove_dir_all(&dir).unwrap();
}
