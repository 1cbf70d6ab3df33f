//! The TFLite-Micro-exact kernels against TFLite-Micro itself (issue #28).
//!
//! `tools/tflm_oracle/gen.py` runs seeded rows through TFLite-Micro's Python interpreter (the
//! `tflite-micro` wheel, its reference kernels) and writes them as JSON lines; `cargo xtask
//! test` runs it and points `TFLM_ORACLE_ROWS` at the file. For every row this test builds the
//! parameters with the constructor a user calls (`from_scale(input_scale, beta)`) and runs the
//! kernel:
//!
//! - TFLM answered: the output must equal TFLM's bit for bit, and the domain check must not
//!   say "aborts";
//! - TFLM aborted in `Eval`: the domain check must say so and the output must be the correctly
//!   rounded softmax (computed here in `f64` from the dequantised row);
//! - TFLM aborted in `Prepare`: the constructor must return [`Error::TflmRefuses`].
//!
//! Without `TFLM_ORACLE_ROWS` the test prints why it was skipped and passes (plain `cargo
//! test`); `cargo xtask test` always sets it.

use mcu_kernels::softmax::quant::*;
use mcu_kernels::Error;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;

const ENV: &str = "TFLM_ORACLE_ROWS";

#[derive(Default)]
struct Tally {
    rows: usize,
    answered: usize,
    abort_eval: usize,
    abort_prepare: usize,
    mismatches: usize,
    domains: BTreeMap<String, usize>,
}

struct Row {
    v: String,
    tag: String,
    scale: f32,
    beta: f32,
    zp: i64,
    status: String,
    x: Vec<i64>,
    y: Option<Vec<i64>>,
    mult: Option<i64>,
    shift: Option<i64>,
    diff_min: Option<i64>,
}

fn ints(v: &Value) -> Option<Vec<i64>> {
    v.as_array()
        .map(|a| a.iter().map(|t| t.as_i64().expect("integer")).collect())
}

fn parse(v: &Value) -> Row {
    let s = |k: &str| {
        v[k].as_str()
            .unwrap_or_else(|| panic!("missing {k}"))
            .to_string()
    };
    let bits = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("missing {k}")) as u32;
    Row {
        v: s("v"),
        tag: s("tag"),
        scale: f32::from_bits(bits("scale")),
        beta: f32::from_bits(bits("beta")),
        zp: v["zp"].as_i64().expect("zp"),
        status: s("status"),
        x: ints(&v["x"]).expect("x"),
        y: ints(&v["y"]),
        mult: v["mult"].as_i64(),
        shift: v["shift"].as_i64(),
        diff_min: v["diff_min"].as_i64(),
    }
}

/// The correctly rounded softmax of an int8 row (ties up, as the kernels), `f64` from the
/// real `S_in · β`, with `Some(v)` only where the rounding is decided (away from a tie by more
/// than 1e−6 LSB); `None` where either neighbour is acceptable.
fn rounded_softmax(x: &[i64], s: f64, bits: u32) -> Vec<(i64, Option<i64>)> {
    let max = x.iter().copied().max().unwrap_or(0);
    let e: Vec<f64> = x.iter().map(|&v| ((v - max) as f64 * s).exp()).collect();
    let total: f64 = e.iter().sum();
    let full = f64::from(1u32 << bits);
    let min = -(1i64 << (bits - 1));
    e.iter()
        .map(|&t| {
            let v = t / total * full;
            let r = ((v + 0.5).floor() as i64).min((1 << bits) - 1);
            let frac = v - v.floor();
            let decided = (frac - 0.5).abs() > 1e-6 || v > full - 1.0;
            (r + min, decided.then_some(r + min))
        })
        .collect()
}

fn describe(r: &Row, ours: &[i64], want: &[i64]) -> String {
    let first = ours.iter().zip(want).position(|(a, b)| a != b).unwrap_or(0);
    let lo = first.saturating_sub(2);
    let hi = (first + 3).min(r.x.len());
    let mut out = String::new();
    let _ = write!(
        out,
        "{} [{}] N={} S_in={:e} ({:#010x}) beta={} zp={} status={}: first difference at {first}: \
         ours {} TFLM/expected {}; x[{lo}..{hi}]={:?} ours={:?} want={:?}",
        r.v,
        r.tag,
        r.x.len(),
        r.scale,
        r.scale.to_bits(),
        r.beta,
        r.zp,
        r.status,
        ours.get(first).copied().unwrap_or(0),
        want.get(first).copied().unwrap_or(0),
        &r.x[lo..hi],
        &ours[lo.min(ours.len())..hi.min(ours.len())],
        &want[lo.min(want.len())..hi.min(want.len())],
    );
    if r.x.len() <= 16 {
        let _ = write!(out, "; whole row x={:?}", r.x);
    }
    out
}

/// Check one int8-input row; returns a description of the first problem, if any.
fn check_s8(r: &Row, bits: u32, t: &mut Tally) -> Option<String> {
    let params = SoftmaxS8Params::from_scale(r.scale, r.beta);
    if r.status == "abort_prepare" {
        return match params {
            Err(Error::TflmRefuses(_)) => None,
            other => Some(format!(
                "{} [{}] S_in={:e} beta={}: TFLM's Prepare aborts, from_scale gave {other:?}",
                r.v, r.tag, r.scale, r.beta
            )),
        };
    }
    let p = match params {
        Ok(p) => p,
        Err(e) => {
            return Some(format!(
                "{} [{}] S_in={:e} beta={}: TFLM accepts, from_scale refused: {e}",
                r.v, r.tag, r.scale, r.beta
            ))
        }
    };
    let derived = (r.mult, r.shift, r.diff_min);
    let ours = (
        Some(i64::from(p.mult())),
        Some(i64::from(p.shift())),
        Some(i64::from(p.diff_min())),
    );
    if derived != ours {
        return Some(format!(
            "{} [{}] S_in={:e} beta={}: parameters {ours:?}, gen.py derives {derived:?}",
            r.v, r.tag, r.scale, r.beta
        ));
    }
    let x: Vec<i8> = r.x.iter().map(|&v| v as i8).collect();
    let n = x.len();
    let (got, domain): (Vec<i64>, TflmDomain) = if bits == 8 {
        let mut y = vec![0i8; n];
        softmax_s8_tflm(&p, &x, n, &mut y).expect("kernel");
        (
            y.iter().map(|&v| i64::from(v)).collect(),
            softmax_s8_tflm_domain(&p, &x),
        )
    } else {
        let mut y = vec![0i16; n];
        softmax_s8_s16_tflm(&p, &x, n, &mut y).expect("kernel");
        (
            y.iter().map(|&v| i64::from(v)).collect(),
            softmax_s8_s16_tflm_domain(&p, &x),
        )
    };
    *t.domains.entry(format!("{domain:?}")).or_default() += 1;
    match r.status.as_str() {
        "ok" => {
            let want = r.y.as_ref().expect("y");
            if domain == TflmDomain::Aborts {
                return Some(format!(
                    "{} [{}] N={n}: TFLM answered, domain check says Aborts",
                    r.v, r.tag
                ));
            }
            (&got != want).then(|| describe(r, &got, want))
        }
        "abort_eval" => {
            if domain != TflmDomain::Aborts {
                return Some(format!(
                    "{} [{}] N={n}: TFLM aborts in Eval, domain check says {domain:?}",
                    r.v, r.tag
                ));
            }
            let s = f64::from(r.scale) * f64::from(r.beta);
            let want = rounded_softmax(&r.x, s, bits);
            let bad = got
                .iter()
                .zip(&want)
                .any(|(&g, &(_, decided))| decided.is_some_and(|d| d != g));
            let nearest: Vec<i64> = want.iter().map(|&(v, _)| v).collect();
            bad.then(|| describe(r, &got, &nearest))
        }
        other => Some(format!("{} [{}]: unexpected status {other}", r.v, r.tag)),
    }
}

fn check_s16(r: &Row, t: &mut Tally) -> Option<String> {
    let p = match SoftmaxS16Params::from_scale(r.scale, r.beta) {
        Ok(p) => p,
        Err(e) => {
            return Some(format!(
                "{} [{}] S_in={:e} beta={}: from_scale refused: {e}",
                r.v, r.tag, r.scale, r.beta
            ))
        }
    };
    let ours = (
        Some(i64::from(p.input_multiplier())),
        Some(i64::from(p.input_left_shift())),
    );
    if ours != (r.mult, r.shift) {
        return Some(format!(
            "{} [{}] S_in={:e} beta={}: parameters {ours:?}, gen.py derives {:?}",
            r.v,
            r.tag,
            r.scale,
            r.beta,
            (r.mult, r.shift)
        ));
    }
    let x: Vec<i16> = r.x.iter().map(|&v| v as i16).collect();
    let n = x.len();
    let mut y = vec![0i16; n];
    softmax_s16_tflm(&p, &x, n, &mut y).expect("kernel");
    let domain = softmax_s16_tflm_domain(&p, &x);
    *t.domains.entry(format!("{domain:?}")).or_default() += 1;
    if r.status != "ok" {
        return Some(format!(
            "{} [{}]: TFLM status {}, expected an answer",
            r.v, r.tag, r.status
        ));
    }
    let got: Vec<i64> = y.iter().map(|&v| i64::from(v)).collect();
    let want = r.y.as_ref().expect("y");
    (&got != want).then(|| describe(r, &got, want))
}

#[test]
fn tflm_exact_kernels_equal_tflite_micro() {
    let Some(path) = std::env::var_os(ENV) else {
        eprintln!(
            "tflm_oracle: SKIPPED: {ENV} is not set (run `cargo xtask test`, which generates \
             the TFLite-Micro rows with tools/tflm_oracle/gen.py and sets it)"
        );
        return;
    };
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{ENV}={}: {e}", path.to_string_lossy()));
    let mut lines = text.lines();
    let meta: Value = serde_json::from_str(lines.next().expect("header")).expect("header JSON");
    let meta = &meta["meta"];
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut problems = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).expect("row JSON");
        let r = parse(&v);
        let t = tallies.entry(r.v.clone()).or_default();
        t.rows += 1;
        match r.status.as_str() {
            "ok" => t.answered += 1,
            "abort_eval" => t.abort_eval += 1,
            "abort_prepare" => t.abort_prepare += 1,
            _ => {}
        }
        let problem = match r.v.as_str() {
            "s8s8" => check_s8(&r, 8, t),
            "s8s16" => check_s8(&r, 16, t),
            "s16s16" => check_s16(&r, t),
            other => Some(format!("unknown variant {other}")),
        };
        if let Some(p) = problem {
            t.mismatches += 1;
            problems.push(p);
        }
    }
    eprintln!(
        "tflm_oracle: TFLite-Micro {} (seed {}, generator {})",
        meta["tflite_micro"], meta["seed"], meta["generator"]
    );
    eprintln!("| variant | rows | TFLM answered | aborted in Eval | refused by Prepare | mismatches | domain check |");
    for (name, t) in &tallies {
        eprintln!(
            "| {name} | {} | {} | {} | {} | {} | {:?} |",
            t.rows, t.answered, t.abort_eval, t.abort_prepare, t.mismatches, t.domains
        );
    }
    for p in problems.iter().take(12) {
        eprintln!("MISMATCH {p}");
    }
    assert!(
        problems.is_empty(),
        "{} rows differ from TFLite-Micro (first ones above)",
        problems.len()
    );
    // The file must cover what the issue asks for; a truncated or empty file cannot pass.
    for (name, min_answered) in [("s8s8", 3000), ("s8s16", 1000), ("s16s16", 1000)] {
        let t = tallies
            .get(name)
            .unwrap_or_else(|| panic!("no {name} rows"));
        assert!(
            t.answered >= min_answered,
            "{name}: only {} answered rows",
            t.answered
        );
    }
    for (name, key) in [
        ("s8s8", "Aborts"),
        ("s8s16", "Aborts"),
        ("s8s16", "Wraps"),
        ("s16s16", "Wraps"),
    ] {
        assert!(
            tallies[name].domains.get(key).copied().unwrap_or(0) > 0,
            "{name}: no row in domain {key}"
        );
    }
    assert!(tallies["s8s8"].abort_prepare > 0 && tallies["s8s16"].abort_prepare > 0);
}
