//! Tests of the `learn` CLI (progressive validation on a user's CSV), run on the built binary.

use std::path::PathBuf;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_mcuk");

fn phishing() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/data/phishing/phishing.csv").to_string()
}

fn learn(args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("learn")
        .args(args)
        .output()
        .expect("run mcuk learn")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A temporary CSV file with the given contents (unique per test name).
fn tmp_csv(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("learn-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{name}.csv"));
    std::fs::write(&p, contents).unwrap();
    p
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "stderr: {}", stderr(o));
    serde_json::from_str(stdout(o).trim()).expect("valid JSON")
}

/// `learn --format json` on a temporary CSV of `contents` with the given flags; the JSON
/// report of a successful run.
fn learn_json(name: &str, contents: &str, flags: &[&str]) -> serde_json::Value {
    let f = tmp_csv(name, contents);
    let mut args = vec!["--data", f.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(flags);
    json(&learn(&args))
}

fn assert_no_panic(o: &Output) {
    let e = stderr(o);
    assert!(!e.contains("panicked"), "panic: {e}");
    assert_ne!(o.status.code(), Some(101), "exit 101 means a panic");
}

#[test]
fn phishing_matches_river_with_river_defaults() {
    let p = phishing();
    // (rule, extra args, River log-loss, River accuracy)
    let cases: [(&str, &[&str], f64, f64); 4] = [
        ("sgd", &["--lr", "0.1"], 0.27059, 0.8896),
        ("adagrad", &[], 0.28389, 0.8928),
        ("adam", &[], 0.31349, 0.8776),
        ("ftrl", &[], 0.34082, 0.8904),
    ];
    for (rule, extra, ll, acc) in cases {
        let mut args = vec![
            "--data",
            &p,
            "--target",
            "is_phishing",
            "--scale",
            "--rule",
            rule,
        ];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--format", "json"]);
        let v = json(&learn(&args));
        assert_eq!(v["n"], 1250);
        let l = v["log_loss"].as_f64().unwrap();
        let a = v["accuracy"].as_f64().unwrap();
        assert!((l - ll).abs() <= 0.01, "{rule}: {l} vs {ll}");
        assert!((a - acc).abs() <= 0.005, "{rule}: {a} vs {acc}");
        // 9 features: model (w, b, config, rule) + scaler (8·9 + 4).
        assert!(v["state_bytes"].as_u64().unwrap() > 76);
    }
}

#[test]
fn json_keys_and_state_bytes() {
    let p = phishing();
    let v = json(&learn(&[
        "--data",
        &p,
        "--target",
        "is_phishing",
        "--rule",
        "sgd",
        "--format",
        "json",
    ]));
    for k in ["accuracy", "log_loss", "n", "state_bytes"] {
        assert!(v.get(k).is_some(), "missing key {k}");
    }
    // LogisticRegression<9, Sgd>: 4·9 + 4 (w, b) + 16 (config) + 4 (η), no scaler.
    assert_eq!(v["state_bytes"], 60);
    assert_eq!(v["model"], "logistic");
}

#[test]
fn every_rule_and_model_runs() {
    let p = phishing();
    for rule in [
        "sgd", "adagrad", "adam", "adamax", "ftrl", "oogd", "implicit", "aprox", "pa",
    ] {
        let v = json(&learn(&[
            "--data",
            &p,
            "--target",
            "is_phishing",
            "--rule",
            rule,
            "--scale",
            "--format",
            "json",
        ]));
        let a = v["accuracy"].as_f64().unwrap();
        assert!(a > 0.8, "{rule}: accuracy {a}");
        let v = json(&learn(&[
            "--data",
            &p,
            "--target",
            "age_of_domain",
            "--model",
            "linear",
            "--rule",
            rule,
            "--format",
            "json",
        ]));
        assert!(v["mae"].as_f64().unwrap().is_finite(), "{rule}");
        let v = json(&learn(&[
            "--data", &p, "--target", "long_url", "--model", "softmax", "--rule", rule, "--scale",
            "--format", "json",
        ]));
        assert_eq!(v["classes"].as_array().unwrap().len(), 3);
        assert!(v["log_loss"].as_f64().unwrap().is_finite(), "{rule}");
    }
}

#[test]
fn text_output() {
    let p = phishing();
    let o = learn(&["--data", &p, "--target", "is_phishing", "--scale"]);
    assert!(o.status.success());
    let s = stdout(&o);
    for k in ["accuracy", "log_loss", "n 1250", "state_bytes"] {
        assert!(s.contains(k), "{s}");
    }
}

#[test]
fn string_labels_and_quoted_cells() {
    let v = learn_json(
        "labels",
        "a,b,label\n1,2,\"cat\"\n2,1,dog\n1.5,2.5,cat\n3,0.5,dog\n1,2.2,cat\n",
        &["--target", "label"],
    );
    assert_eq!(v["n"], 5);
    assert_eq!(v["classes"], serde_json::json!(["cat", "dog"]));
}

#[test]
fn missing_column_is_a_clear_error() {
    let o = learn(&["--data", &phishing(), "--target", "nope"]);
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("no column named \"nope\""), "{e}");
    assert!(e.contains("line 1"), "{e}");
}

#[test]
fn non_numeric_cell_reports_line_and_column() {
    let f = tmp_csv("nonnum", "a,b,y\n1,2,0\n3,abc,1\n");
    let o = learn(&["--data", f.to_str().unwrap(), "--target", "y"]);
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("line 3") && e.contains("\"b\"") && e.contains("abc"),
        "{e}"
    );
}

#[test]
fn ragged_row_reports_line() {
    let f = tmp_csv("ragged", "a,b,y\n1,2,0\n3,1\n");
    let o = learn(&["--data", f.to_str().unwrap(), "--target", "y"]);
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("line 3") && e.contains("expected 3 fields, found 2"),
        "{e}"
    );
}

#[test]
fn other_bad_inputs_fail_cleanly() {
    let bad: &[(&str, &str)] = &[
        ("empty", ""),
        ("header-only", "a,b,y\n"),
        ("three-classes", "a,y\n1,x\n2,y\n3,z\n"),
        ("linear-text-target", "a,y\n1,x\n"),
    ];
    for (name, contents) in bad {
        let f = tmp_csv(name, contents);
        let model = if name.starts_with("linear") {
            "linear"
        } else {
            "logistic"
        };
        let o = learn(&[
            "--data",
            f.to_str().unwrap(),
            "--target",
            "y",
            "--model",
            model,
        ]);
        assert_no_panic(&o);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
        assert!(stderr(&o).starts_with("error: "), "{name}");
    }
    // Missing file.
    let o = learn(&["--data", "/nonexistent/x.csv", "--target", "y"]);
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    // Usage errors: exit 2.
    for args in [
        &["--target", "y"][..],
        &["--data", "x.csv"][..],
        &["--data", "x.csv", "--target", "y", "--rule", "nope"][..],
        &["--data", "x.csv", "--target", "y", "--lr", "-1"][..],
        &["--data", "x.csv", "--target", "y", "--lr"][..],
        &["--bogus"][..],
    ] {
        let o = learn(args);
        assert_no_panic(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn non_finite_cells_are_skipped_not_fatal() {
    let v = learn_json(
        "nan",
        "a,b,y\n1,2,0\nNaN,1,1\ninf,1,0\n1e38,1e38,1\n0.5,0.1,1\n",
        &["--target", "y", "--scale"],
    );
    // NaN and inf rows are neither scored nor learned; the 1e38 row is scored, but its update
    // overflows the scaler's variance (1e38² > f32::MAX), so it is undone and counted as skipped.
    assert_eq!(v["skipped"], 3);
    assert_eq!(v["n"], 3);
    assert!(v["log_loss"].as_f64().unwrap().is_finite());
}

#[test]
fn too_many_features_is_an_error() {
    let header: Vec<String> = (0..70).map(|i| format!("f{i}")).collect();
    let row: Vec<&str> = (0..70).map(|_| "1").collect();
    let f = tmp_csv(
        "wide",
        &format!(
            "{},y\n{},0\n{},1\n",
            header.join(","),
            row.join(","),
            row.join(",")
        ),
    );
    let o = learn(&["--data", f.to_str().unwrap(), "--target", "y"]);
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("at most 64"));
}
