//! The benchmark report (`target/report/`: report.json, report.md, index.html with SVG
//! plots) and the committed baseline (`bench/baseline.json`) with its check.

use super::Measurement;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Allowed growth of a kernel's instruction count over the baseline.
pub const MAX_INSTRUCTION_GROWTH: f64 = 0.02;
/// Allowed growth of a kernel's code size over the baseline.
pub const MAX_CODE_GROWTH: f64 = 0.05;
/// Allowed growth of a kernel's stack high-water mark over the baseline.
pub const MAX_STACK_GROWTH: f64 = 0.10;

/// The whole run, as written to report.json.
#[derive(Serialize, Deserialize)]
pub struct Report {
    /// What produced it.
    pub generated_by: String,
    /// Toolchain and emulator versions.
    pub environment: BTreeMap<String, String>,
    /// The calibration line (M4F, three-pass libm softmax at N = 256).
    pub calibration: Option<String>,
    /// Every measurement.
    pub results: Vec<Measurement>,
    /// The accuracy figures and error histograms of `cargo xtask accuracy` (its JSON).
    #[serde(default)]
    pub accuracy: Option<serde_json::Value>,
    /// Host criterion timings (`cargo xtask bench --host`), this machine.
    #[serde(default)]
    pub host: Vec<HostTiming>,
}

/// One criterion benchmark of the `host` crate.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct HostTiming {
    /// Criterion group (`softmax`, `mish`, ...).
    pub group: String,
    /// Benchmark function within the group.
    pub function: String,
    /// Problem size (the benchmark's parameter), 0 if none.
    pub n: u64,
    /// Mean time per iteration, nanoseconds.
    pub ns: f64,
}

impl HostTiming {
    /// Nanoseconds per element (per iteration when n = 0).
    pub fn ns_per_element(&self) -> f64 {
        self.ns / self.n.max(1) as f64
    }
}

/// Reads criterion's results under `dir` (`target/criterion`): every
/// `<…>/new/benchmark.json` with its `estimates.json` (mean).
pub fn read_criterion(dir: &Path) -> Vec<HostTiming> {
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.ends_with("new/benchmark.json") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    let mut v = Vec::new();
    for f in files {
        let read = |p: &Path| -> Option<serde_json::Value> {
            serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()
        };
        let (Some(b), Some(e)) = (read(&f), read(&f.with_file_name("estimates.json"))) else {
            continue;
        };
        let (Some(group), Some(ns)) =
            (b["group_id"].as_str(), e["mean"]["point_estimate"].as_f64())
        else {
            continue;
        };
        v.push(HostTiming {
            group: group.to_string(),
            function: b["function_id"].as_str().unwrap_or("").to_string(),
            n: b["value_str"]
                .as_str()
                .and_then(|x| x.parse().ok())
                .unwrap_or(0),
            ns,
        });
    }
    v.sort_by(|a, b| (&a.group, &a.function, a.n).cmp(&(&b.group, &b.function, b.n)));
    v
}

/// One committed baseline entry.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BaselineEntry {
    /// Core (`m4f`, ...).
    pub core: String,
    /// Kernel name.
    pub kernel: String,
    /// Problem size.
    pub n: u32,
    /// Executed instructions.
    pub instructions: u64,
    /// Code bytes.
    pub code_bytes: u64,
    /// Stack high-water mark of the call, bytes (the empty measurement's subtracted). Absent
    /// in baselines written before the stack was recorded: such rows are not stack-checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_bytes: Option<u32>,
}

/// The committed baseline file's path.
pub fn baseline_path() -> PathBuf {
    crate::cmd::root().join("bench").join("baseline.json")
}

/// Writes the baseline from a run (`--bless`).
pub fn bless(results: &[Measurement]) -> Result<PathBuf> {
    let p = baseline_path();
    // Entries of cores this run did not measure are kept (`--bless --board m4f` rewrites the
    // M4F's rows only).
    let measured: Vec<&str> = results.iter().map(|m| m.core.as_str()).collect();
    let mut entries: Vec<BaselineEntry> = std::fs::read_to_string(&p)
        .ok()
        .and_then(|t| serde_json::from_str::<Vec<BaselineEntry>>(&t).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|e| !measured.contains(&e.core.as_str()))
        .collect();
    entries.extend(results.iter().map(|m| BaselineEntry {
        core: m.core.clone(),
        kernel: m.kernel.clone(),
        n: m.n,
        instructions: m.instructions,
        code_bytes: m.code_bytes,
        stack_bytes: Some(m.stack_bytes),
    }));
    std::fs::create_dir_all(p.parent().context("baseline dir")?)?;
    std::fs::write(&p, serde_json::to_string_pretty(&entries)? + "\n")?;
    Ok(p)
}

/// Compares a run with the committed baseline; returns the regressions (empty = pass) and
/// notes (improvements, entries missing on either side).
pub fn check(results: &[Measurement]) -> Result<(Vec<String>, Vec<String>)> {
    check_against(&read_baseline()?, results)
}

/// The committed baseline.
pub fn read_baseline() -> Result<Vec<BaselineEntry>> {
    let p = baseline_path();
    let text = std::fs::read_to_string(&p)
        .with_context(|| format!("reading {} (create it with --bless)", p.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", p.display()))
}

/// [`check`] against a given baseline.
pub fn check_against(
    base: &[BaselineEntry],
    results: &[Measurement],
) -> Result<(Vec<String>, Vec<String>)> {
    let mut regressions = Vec::new();
    let mut notes = Vec::new();
    for b in base {
        let Some(m) = results
            .iter()
            .find(|m| m.core == b.core && m.kernel == b.kernel && m.n == b.n)
        else {
            notes.push(format!(
                "{} {} N={}: in the baseline but not measured",
                b.core, b.kernel, b.n
            ));
            continue;
        };
        let di = m.instructions as f64 / b.instructions.max(1) as f64 - 1.0;
        let dc = m.code_bytes as f64 / b.code_bytes.max(1) as f64 - 1.0;
        // The limits compare the figures with the baseline scaled by (1 ± limit), so a growth
        // of exactly the limit passes (a ratio minus one would round 1020/1000 above 2 %).
        let (mi, bi) = (m.instructions as f64, b.instructions.max(1) as f64);
        if mi > bi * (1.0 + MAX_INSTRUCTION_GROWTH) {
            regressions.push(format!(
                "{} {} N={}: instructions {} -> {} ({:+.1} % > {:.0} %)",
                b.core,
                b.kernel,
                b.n,
                b.instructions,
                m.instructions,
                di * 100.0,
                MAX_INSTRUCTION_GROWTH * 100.0
            ));
        } else if mi < bi * (1.0 - MAX_INSTRUCTION_GROWTH) {
            notes.push(format!(
                "{} {} N={}: instructions {} -> {} ({:+.1} %): bless to record the gain",
                b.core,
                b.kernel,
                b.n,
                b.instructions,
                m.instructions,
                di * 100.0
            ));
        }
        if m.code_bytes as f64 > b.code_bytes.max(1) as f64 * (1.0 + MAX_CODE_GROWTH) {
            regressions.push(format!(
                "{} {} N={}: code {} -> {} bytes ({:+.1} % > {:.0} %)",
                b.core,
                b.kernel,
                b.n,
                b.code_bytes,
                m.code_bytes,
                dc * 100.0,
                MAX_CODE_GROWTH * 100.0
            ));
        }
        match b.stack_bytes {
            // More than 10 % above the baseline (a kernel that used no stack fails on any
            // growth).
            Some(s) if f64::from(m.stack_bytes) > f64::from(s) * (1.0 + MAX_STACK_GROWTH) => {
                regressions.push(format!(
                    "{} {} N={}: stack {} -> {} bytes (> +{:.0} %)",
                    b.core,
                    b.kernel,
                    b.n,
                    s,
                    m.stack_bytes,
                    MAX_STACK_GROWTH * 100.0
                ))
            }
            Some(s) if m.stack_bytes < s => notes.push(format!(
                "{} {} N={}: stack {} -> {} bytes: bless to record the gain",
                b.core, b.kernel, b.n, s, m.stack_bytes
            )),
            Some(_) => {}
            None => notes.push(format!(
                "{} {} N={}: no stack figure in the baseline (--bless records it)",
                b.core, b.kernel, b.n
            )),
        }
    }
    for m in results {
        if !base
            .iter()
            .any(|b| m.core == b.core && m.kernel == b.kernel && m.n == b.n)
        {
            notes.push(format!(
                "{} {} N={}: new (not in the baseline; --bless adds it)",
                m.core, m.kernel, m.n
            ));
        }
    }
    Ok((regressions, notes))
}

/// Writes report.json, report.md and index.html into `dir`.
pub fn write(dir: &Path, report: &Report) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join("report.json"),
        serde_json::to_string_pretty(report)? + "\n",
    )?;
    std::fs::write(dir.join("report.md"), markdown(report))?;
    std::fs::write(dir.join("index.html"), html(report))?;
    Ok(())
}

fn ratio(report: &Report, m: &Measurement) -> Option<f64> {
    report
        .results
        .iter()
        .find(|b| b.core == m.core && b.kernel == m.baseline && b.n == m.n)
        .map(|b| m.instructions as f64 / b.instructions.max(1) as f64)
}

/// The Markdown table.
pub fn markdown(report: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Benchmark report\n");
    let _ = writeln!(
        s,
        "Executed instructions under QEMU (not cycles). `est. cycles` applies the instruction \
         timings of each core's TRM to the executed instructions (an estimate: zero wait states; \
         Cortex-M4 timings with branch refill 2 for the M4F, M7, M33 and M55, Cortex-M3 timings for the \
         M3, Cortex-M0 timings for the M0, see xtask/src/bench/cycles.rs). Code = bytes of the functions executed in the measured call; stack = \
         high-water mark of the call.\n"
    );
    for (k, v) in &report.environment {
        let _ = writeln!(s, "- {k}: {v}");
    }
    if let Some(c) = &report.calibration {
        let _ = writeln!(s, "- {c}");
    }
    let _ = writeln!(
        s,
        "\n| core | kernel | N | instructions | instr/elem | est. cycles | code B | stack B | vs baseline |\n|---|---|---:|---:|---:|---:|---:|---:|---|"
    );
    for m in &report.results {
        let r = ratio(report, m).map_or("—".to_string(), |r| format!("{r:.2}× {}", m.baseline));
        let _ = writeln!(
            s,
            "| {} | `{}` | {} | {} | {:.1} | {} | {} | {} | {} |",
            m.core,
            m.kernel,
            m.n,
            m.instructions,
            m.per_element(),
            m.est_cycles,
            m.code_bytes,
            m.stack_bytes,
            r
        );
    }
    if let Some(acc) = &report.accuracy {
        let _ = writeln!(s, "\n## Accuracy (`cargo xtask accuracy`)\n");
        let labels = strings(&acc["bucket_labels"]).unwrap_or_default();
        let _ = writeln!(
            s,
            "| kernel | domain | max | bound | points | {} |\n|---|---|---:|---:|---:|{}",
            labels.join(" | "),
            "---:|".repeat(labels.len())
        );
        for e in acc["entries"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["labels"].is_null())
        {
            let counts: Vec<String> = e["histogram"]
                .as_array()
                .map(|a| a.iter().map(|c| c.to_string()).collect())
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "| `{}` | {} | {:.3} {} | {} | {} | {} |",
                e["name"].as_str().unwrap_or("?"),
                e["domain"].as_str().unwrap_or(""),
                e["max"].as_f64().unwrap_or(f64::NAN),
                e["unit"].as_str().unwrap_or(""),
                e["bound"],
                e["points"],
                counts.join(" | ")
            );
        }
    }
    if !report.host.is_empty() {
        let _ = writeln!(
            s,
            "\n## Host (criterion, this machine: mean time)\n\n| group | function | N | ns/elem |\n|---|---|---:|---:|"
        );
        for h in &report.host {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {:.2} |",
                h.group,
                h.function,
                h.n,
                h.ns_per_element()
            );
        }
    }
    s
}

/// A JSON array of strings (`None` if `v` is not an array).
fn strings(v: &serde_json::Value) -> Option<Vec<String>> {
    v.as_array().map(|a| {
        a.iter()
            .filter_map(|l| l.as_str().map(String::from))
            .collect()
    })
}

/// One error histogram as an SVG bar chart (log-scaled counts).
fn svg_histogram(name: &str, unit: &str, labels: &[String], counts: &[u64]) -> String {
    let (w, h, l, b, t) = (360.0, 180.0, 40.0, 46.0, 26.0);
    let n = counts.len().max(1) as f64;
    let bw = (w - l - 10.0) / n;
    let top = counts
        .iter()
        .map(|&c| ((c + 1) as f64).log10())
        .fold(1.0, f64::max);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"error histogram {k}\">\
         <text x=\"{l}\" y=\"16\" font-size=\"12\">{k} (error in {u}; log count)</text>",
        k = esc(name),
        u = esc(unit)
    );
    for (i, (&c, label)) in counts.iter().zip(labels).enumerate() {
        let hh = (h - t - b) * ((c + 1) as f64).log10() / top;
        let x = l + i as f64 * bw;
        let y = h - b - hh;
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{hh:.1}\" fill=\"#1f77b4\"><title>{}: {c}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\">{c}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\">{}</text>",
            bw * 0.8,
            esc(label),
            x + bw * 0.4,
            y - 2.0,
            x + bw * 0.4,
            h - b + 14.0,
            esc(label)
        );
    }
    s.push_str("</svg>");
    s
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Per core: (N, instructions per element) points.
type Series = BTreeMap<String, Vec<(u32, f64)>>;

/// One SVG plot: instructions per element against N (log scale) for each core.
fn svg_plot(kernel: &str, series: &Series) -> String {
    let (w, h, l, r, t, b) = (520.0, 260.0, 60.0, 110.0, 30.0, 40.0);
    let pts: Vec<(u32, f64)> = series.values().flatten().copied().collect();
    let (nmin, nmax) = pts
        .iter()
        .fold((u32::MAX, 0), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let ymax = pts.iter().fold(0.0f64, |a, p| a.max(p.1)).max(1e-9) * 1.1;
    let lx = |n: u32| {
        let (a, b) = ((nmin.max(1) as f64).log2(), (nmax.max(2) as f64).log2());
        l + (w - l - r)
            * if b > a {
                ((n.max(1) as f64).log2() - a) / (b - a)
            } else {
                0.5
            }
    };
    let ly = |y: f64| h - b - (h - t - b) * y / ymax;
    let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{k}\">\
         <text x=\"{l}\" y=\"18\" font-size=\"13\">{k}: instructions per element</text>\
         <line x1=\"{l}\" y1=\"{y0}\" x2=\"{x1}\" y2=\"{y0}\" stroke=\"#333\"/>\
         <line x1=\"{l}\" y1=\"{t}\" x2=\"{l}\" y2=\"{y0}\" stroke=\"#333\"/>",
        k = esc(kernel),
        y0 = h - b,
        x1 = w - r
    );
    for frac in [0.0, 0.5, 1.0] {
        let y = ymax * frac;
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"end\">{:.0}</text>",
            l - 4.0,
            ly(y) + 3.0,
            y
        );
    }
    let mut ns: Vec<u32> = pts.iter().map(|p| p.0).collect();
    ns.sort_unstable();
    ns.dedup();
    for n in ns {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{n}</text>",
            lx(n),
            h - b + 14.0
        );
    }
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">N</text>",
        (l + w - r) / 2.0,
        h - 6.0
    );
    for (i, (core, pts)) in series.iter().enumerate() {
        let c = colors[i % colors.len()];
        let path: Vec<String> = pts
            .iter()
            .map(|(n, y)| format!("{:.1},{:.1}", lx(*n), ly(*y)))
            .collect();
        let _ = write!(
            s,
            "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"2\" points=\"{}\"/>",
            path.join(" ")
        );
        for (n, y) in pts {
            let _ = write!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{c}\"><title>{core} N={n}: {y:.1}</title></circle>",
                lx(*n),
                ly(*y)
            );
        }
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{c}\">{}</text>",
            w - r + 8.0,
            t + 14.0 * i as f64 + 10.0,
            esc(core)
        );
    }
    s.push_str("</svg>");
    s
}

/// The HTML page: plots per kernel, then the full table.
pub fn html(report: &Report) -> String {
    let mut per_kernel: BTreeMap<&str, Series> = BTreeMap::new();
    for m in report.results.iter().filter(|m| m.n > 0) {
        per_kernel
            .entry(&m.kernel)
            .or_default()
            .entry(m.core.clone())
            .or_default()
            .push((m.n, m.per_element()));
    }
    let mut s = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>kernels: benchmark report</title>\
         <style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;font-size:13px}\
         td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:nth-child(2){text-align:left}\
         .plots{display:flex;flex-wrap:wrap;gap:12px}</style></head><body>\n<h1>Benchmark report</h1>\n",
    );
    let _ = write!(
        s,
        "<p>Executed instructions under QEMU (not cycles); estimated cycles apply each core's TRM timings (Cortex-M4 for the M4F, M7, M33 and M55, Cortex-M3, Cortex-M0; an estimate).</p><ul>"
    );
    for (k, v) in &report.environment {
        let _ = write!(s, "<li>{}: {}</li>", esc(k), esc(v));
    }
    if let Some(c) = &report.calibration {
        let _ = write!(s, "<li>{}</li>", esc(c));
    }
    s.push_str("</ul><h2>Instructions per element</h2><div class=\"plots\">");
    for (k, series) in &per_kernel {
        s.push_str(&svg_plot(k, series));
    }
    s.push_str("</div><h2>All measurements</h2><table><tr><th>core</th><th>kernel</th><th>N</th><th>instructions</th><th>instr/elem</th><th>est. cycles</th><th>code B</th><th>stack B</th><th>vs baseline</th></tr>");
    for m in &report.results {
        let r = ratio(report, m).map_or("—".to_string(), |r| {
            format!("{r:.2}× {}", esc(&m.baseline))
        });
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            m.core,
            esc(&m.kernel),
            m.n,
            m.instructions,
            m.per_element(),
            m.est_cycles,
            m.code_bytes,
            m.stack_bytes,
            r
        );
    }
    s.push_str("</table>");
    if let Some(acc) = &report.accuracy {
        s.push_str("<h2>Accuracy and error histograms</h2><div class=\"plots\">");
        let labels = strings(&acc["bucket_labels"]).unwrap_or_default();
        for e in acc["entries"].as_array().into_iter().flatten() {
            let counts: Vec<u64> = e["histogram"]
                .as_array()
                .map(|a| a.iter().filter_map(serde_json::Value::as_u64).collect())
                .unwrap_or_default();
            let own = strings(&e["labels"]);
            s.push_str(&svg_histogram(
                e["name"].as_str().unwrap_or("?"),
                e["unit"].as_str().unwrap_or(""),
                own.as_ref().unwrap_or(&labels),
                &counts,
            ));
        }
        s.push_str("</div>");
    }
    if !report.host.is_empty() {
        s.push_str("<h2>Host (criterion, this machine: mean time)</h2><table><tr><th>group</th><th>function</th><th>N</th><th>ns/elem</th></tr>");
        for h in &report.host {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td></tr>",
                esc(&h.group),
                esc(&h.function),
                h.n,
                h.ns_per_element()
            );
        }
        s.push_str("</table>");
    }
    s.push_str("</body></html>\n");
    s
}

#[cfg(test)]
mod criterion_tests {
    use super::*;

    /// criterion's on-disk layout: `<group>/<function>/<value>/new/{benchmark,estimates}.json`.
    #[test]
    fn reads_criterion_results() {
        let dir = std::env::temp_dir().join(format!("xtask-criterion-{}", std::process::id()));
        let b = dir.join("softmax/anchored/256/new");
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(
            b.join("benchmark.json"),
            r#"{"group_id":"softmax","function_id":"anchored","value_str":"256","throughput":{"Elements":256}}"#,
        )
        .unwrap();
        std::fs::write(
            b.join("estimates.json"),
            r#"{"mean":{"point_estimate":512.0,"standard_error":1.0}}"#,
        )
        .unwrap();
        // A base/ directory (criterion's previous run) is ignored.
        let old = dir.join("softmax/anchored/256/base");
        std::fs::create_dir_all(&old).unwrap();
        std::fs::write(old.join("benchmark.json"), "{}").unwrap();
        let v = read_criterion(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            v,
            vec![HostTiming {
                group: "softmax".into(),
                function: "anchored".into(),
                n: 256,
                ns: 512.0
            }]
        );
        assert_eq!(v[0].ns_per_element(), 2.0);
    }
}

#[cfg(test)]
mod check_tests {
    use super::*;

    fn measured(stack: u32, instructions: u64) -> Measurement {
        Measurement {
            core: "m4f".into(),
            kernel: "k".into(),
            n: 256,
            baseline: "-".into(),
            instructions,
            est_cycles: 0,
            code_bytes: 100,
            stack_bytes: stack,
            hot_symbols: Vec::new(),
        }
    }

    fn base(stack: Option<u32>) -> BaselineEntry {
        BaselineEntry {
            core: "m4f".into(),
            kernel: "k".into(),
            n: 256,
            instructions: 1000,
            code_bytes: 100,
            stack_bytes: stack,
        }
    }

    #[test]
    fn stack_growth_over_ten_percent_fails() {
        // 100 → 110 bytes: +10 %, allowed; 100 → 112: a regression.
        let (r, _) = check_against(&[base(Some(100))], &[measured(110, 1000)]).unwrap();
        assert!(r.is_empty(), "{r:?}");
        let (r, _) = check_against(&[base(Some(100))], &[measured(112, 1000)]).unwrap();
        assert_eq!(r.len(), 1);
        assert!(r[0].contains("stack 100 -> 112 bytes"), "{}", r[0]);
        // A kernel that used no stack fails on any growth.
        let (r, _) = check_against(&[base(Some(0))], &[measured(4, 1000)]).unwrap();
        assert_eq!(r.len(), 1);
        // Less stack is a note, not a failure.
        let (r, notes) = check_against(&[base(Some(100))], &[measured(80, 1000)]).unwrap();
        assert!(r.is_empty());
        assert!(
            notes.iter().any(|n| n.contains("stack 100 -> 80")),
            "{notes:?}"
        );
        // A baseline row without a stack figure is not stack-checked.
        let (r, notes) = check_against(&[base(None)], &[measured(4000, 1000)]).unwrap();
        assert!(r.is_empty());
        assert!(notes.iter().any(|n| n.contains("no stack figure")));
    }

    #[test]
    fn instruction_growth_over_two_percent_fails() {
        let (r, _) = check_against(&[base(Some(100))], &[measured(100, 1020)]).unwrap();
        assert!(r.is_empty(), "{r:?}");
        let (r, _) = check_against(&[base(Some(100))], &[measured(100, 1021)]).unwrap();
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn baseline_rows_round_trip_with_and_without_stack() {
        let with: BaselineEntry = serde_json::from_str(
            r#"{"core":"m0","kernel":"k","n":16,"instructions":5,"code_bytes":6,"stack_bytes":7}"#,
        )
        .unwrap();
        assert_eq!(with.stack_bytes, Some(7));
        let without: BaselineEntry = serde_json::from_str(
            r#"{"core":"m0","kernel":"k","n":16,"instructions":5,"code_bytes":6}"#,
        )
        .unwrap();
        assert_eq!(without.stack_bytes, None);
        assert!(!serde_json::to_string(&without).unwrap().contains("stack"));
    }
}
