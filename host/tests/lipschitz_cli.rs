//! `mcuk lipschitz`: text and JSON reports, f32 and f64 `.npy`, and clear errors for
//! malformed files, non-finite entries and mismatched shapes.

use std::path::{Path, PathBuf};
#[path = "common/cli.rs"]
mod cli;
use cli::mcuk;

/// A float32 `.npy` (version 1.0, C order).
fn npy_f32(shape: &[usize], data: &[f32]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_s = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape_s}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in data {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Self {
        let d = std::env::temp_dir().join(format!("host-lip-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn file(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_owned()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn path(p: &str) -> &Path {
    Path::new(p)
}

#[test]
fn json_report_for_a_two_layer_network() {
    let d = Dir::new("json");
    // W0 = diag(3, 1) (2×2, f64), W1 = [1, 1] (1×2, f32).
    let w0 = d.file(
        "w0.npy",
        &host::io::npy_bytes(&[2, 2], &[3.0, 0.0, 0.0, 1.0]),
    );
    let w1 = d.file("w1.npy", &npy_f32(&[1, 2], &[1.0, 1.0]));
    assert!(path(&w0).exists());
    let (ok, out, err) = mcuk(&["lipschitz", "--weights", &w0, &w1, "--format", "json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let layers = v["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    let s0 = layers[0]["sigma_exact"].as_f64().unwrap();
    let c0 = layers[0]["certified_upper"].as_f64().unwrap();
    let p0 = layers[0]["power_lower"].as_f64().unwrap();
    assert!((s0 - 3.0).abs() < 1e-12);
    assert!((3.0..3.0 * 1.001).contains(&c0), "{c0}");
    assert!(p0 <= 3.0 && p0 > 2.999, "{p0}");
    let s1 = layers[1]["sigma_exact"].as_f64().unwrap();
    assert!((s1 - 2f64.sqrt()).abs() < 1e-12);
    let prod = v["product_bound"].as_f64().unwrap();
    assert!(prod >= 3.0 * 2f64.sqrt());
    // ReLU network x → [1 1]·relu(diag(3, 1) x): true constant √10 ≈ 3.162 (both active).
    let sdp = v["lipsdp"].as_f64().unwrap();
    assert!(sdp >= 10f64.sqrt() * (1.0 - 1e-6) && sdp <= prod, "{sdp}");

    let (ok, out, _) = mcuk(&["lipschitz", "--weights", &w0, &w1, "--activation", "maxmin"]);
    assert!(ok);
    assert!(
        out.contains("certified_upper") && out.contains("LipSDP bound:"),
        "{out}"
    );
}

#[test]
fn clear_errors() {
    let d = Dir::new("err");
    let w0 = d.file("w0.npy", &host::io::npy_bytes(&[2, 3], &[1.0; 6]));
    let w_bad_shape = d.file("w1.npy", &host::io::npy_bytes(&[1, 3], &[1.0; 3]));
    let (ok, _, err) = mcuk(&["lipschitz", "--weights", &w0, &w_bad_shape]);
    assert!(!ok);
    assert!(
        err.starts_with("error:") && err.contains("has 3 inputs but layer 0 has 2 outputs"),
        "{err}"
    );
    let nan = d.file("nan.npy", &npy_f32(&[2, 2], &[1.0, f32::NAN, 0.0, 1.0]));
    let (ok, _, err) = mcuk(&["lipschitz", "--weights", &nan]);
    assert!(
        !ok && err.contains("error:") && !err.contains("panicked"),
        "{err}"
    );
    let inf = d.file(
        "inf.npy",
        &host::io::npy_bytes(&[1, 2], &[f64::INFINITY, 0.0]),
    );
    let (ok, _, err) = mcuk(&["lipschitz", "--weights", &inf]);
    assert!(!ok && err.contains("error:"), "{err}");
    let garbage = d.file("g.npy", b"\x93NUMPY garbage");
    let (ok, _, err) = mcuk(&["lipschitz", "--weights", &garbage]);
    assert!(
        !ok && err.starts_with("error:") && !err.contains("panicked"),
        "{err}"
    );
    let big = d.file("big.npy", &host::io::npy_bytes(&[1, 1], &[1e300]));
    let (ok, _, err) = mcuk(&["lipschitz", "--weights", &big]);
    assert!(!ok && err.contains("f32 range"), "{err}");
    let odd = d.file("odd.npy", &host::io::npy_bytes(&[3, 2], &[1.0; 6]));
    let w_next = d.file("next.npy", &host::io::npy_bytes(&[1, 3], &[1.0; 3]));
    let (ok, _, err) = mcuk(&[
        "lipschitz",
        "--weights",
        &odd,
        &w_next,
        "--activation",
        "maxmin",
    ]);
    assert!(!ok && err.contains("does not fit"), "{err}");
    let (ok, _, _) = mcuk(&["lipschitz"]);
    assert!(!ok);
}
