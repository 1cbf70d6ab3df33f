//! The "Stack" lines of the kernels' doc comments, generated from `bench/baseline.json`.
//!
//! A kernel's doc comment names the bench rows its stack figures come from with a marker
//! line, invisible in the rendered docs:
//!
//! ```text
//! /// Stack (bytes, `cargo xtask bench`): M0 120 · M3 96 · M4F 88 · M7 88 · M33 88 · M55 88.
//! /// <!-- stack: softmax::softmax -->
//! ```
//!
//! The lines just above a marker are generated: a `Stack (bytes, …)` sentence for one row,
//! a table for several (`name*` stands for every row whose name starts with `name`); each
//! core's figure is the largest over the measured N. `cargo xtask bench --bless` rewrites
//! them with the new baseline, and `cargo test -p xtask` fails when a line differs from the
//! committed baseline or when a kernel row of the baseline has no marker (the comparison
//! baselines in [`PEER_ROWS`] excepted).
//!
//! A `<!-- cost: ROW -->` marker works the same way for the instruction counts: the line above
//! it reads `Cost (`cargo xtask bench`, instructions per element at N = 256): M0 … · M4F ….`
//! (per call for rows measured at N = 1, at the largest N for rows without N = 256), so that a
//! doc's cost figure is the committed baseline's, rewritten by every bless.

use super::report::BaselineEntry;
use crate::boards::Board;
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Marker closing.
const MARK_CLOSE: &str = "-->";

/// What a marker's generated lines state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The stack high-water mark, bytes: the largest over the measured N.
    Stack,
    /// Executed instructions: per element at N = 256 (or the largest N measured), per call
    /// for rows measured at N ≤ 1.
    Cost,
}

impl Kind {
    /// Marker opening.
    fn mark_open(self) -> &'static str {
        match self {
            Kind::Stack => "<!-- stack:",
            Kind::Cost => "<!-- cost:",
        }
    }
    /// Prefix of a generated sentence (after the comment marker).
    fn line_prefix(self) -> &'static str {
        match self {
            Kind::Stack => "Stack (bytes, `cargo xtask bench`)",
            Kind::Cost => "Cost (`cargo xtask bench`",
        }
    }
    /// First cell of a generated table's head.
    fn table_head(self) -> &'static str {
        match self {
            Kind::Stack => "stack, bytes (`cargo xtask bench`)",
            Kind::Cost => {
                "instructions per element at N = 256, per call at N = 1 (`cargo xtask bench`)"
            }
        }
    }
}

/// Bench rows that measure a peer or a comparison baseline, not a kernel of this crate: no
/// doc comment carries their stack.
pub const PEER_ROWS: [&str; 4] = [
    "softmax::three_pass[libm::expf]",
    "softmax::three_pass[micromath]",
    "mish[libm]",
    "sparsemax[sort_unstable_by]",
];

/// Per kernel row name, per core: the largest stack over the measured N (cores missing from
/// the baseline, or rows without a stack figure, are left out), and the row names in the
/// baseline's order.
#[derive(Debug)]
pub struct StackTable {
    kind: Kind,
    figures: BTreeMap<String, BTreeMap<String, String>>,
    /// Per row: the N its cost figures are taken at (cost tables only).
    sizes: BTreeMap<String, u32>,
    order: Vec<String>,
}

impl StackTable {
    /// The stack figures of the baseline's rows.
    pub fn new(base: &[BaselineEntry]) -> Self {
        Self::of(base, Kind::Stack)
    }

    /// The figures of one kind from the baseline's rows.
    pub fn of(base: &[BaselineEntry], kind: Kind) -> Self {
        let mut t = StackTable {
            kind,
            figures: BTreeMap::new(),
            sizes: BTreeMap::new(),
            order: Vec::new(),
        };
        // Per row and core: the largest stack, or the entry whose N is 256 (else the largest).
        let mut stack: BTreeMap<(&str, &str), u32> = BTreeMap::new();
        let mut cost: BTreeMap<(&str, &str), &BaselineEntry> = BTreeMap::new();
        for e in base {
            let key = (e.kernel.as_str(), e.core.as_str());
            match kind {
                Kind::Stack => {
                    let Some(s) = e.stack_bytes else { continue };
                    let v = stack.entry(key).or_insert(0);
                    *v = (*v).max(s);
                }
                Kind::Cost => {
                    let better = |old: &BaselineEntry| old.n != 256 && (e.n == 256 || e.n > old.n);
                    match cost.get(&key) {
                        Some(old) if !better(old) => {}
                        _ => {
                            cost.insert(key, e);
                        }
                    }
                }
            }
            if !t.order.iter().any(|k| k == &e.kernel) {
                t.order.push(e.kernel.clone());
            }
        }
        for ((kernel, core), v) in stack {
            t.put(kernel, core, v.to_string());
        }
        for ((kernel, core), e) in cost {
            let v = if e.n <= 1 {
                e.instructions.to_string()
            } else {
                format!("{:.1}", e.instructions as f64 / f64::from(e.n))
            };
            t.put(kernel, core, v);
            t.sizes.insert(kernel.to_string(), e.n);
        }
        t.order.retain(|k| t.figures.contains_key(k));
        t
    }

    fn put(&mut self, kernel: &str, core: &str, v: String) {
        self.figures
            .entry(kernel.to_string())
            .or_default()
            .insert(core.to_string(), v);
    }

    /// The rows a marker name stands for: itself, or with a trailing `*` every row that
    /// starts with what precedes it (`online::learn_one[*]`), in the baseline's order.
    fn expand(&self, pattern: &str) -> Vec<&str> {
        match pattern.split_once('*') {
            Some((prefix, _)) => self
                .order
                .iter()
                .filter(|k| k.starts_with(prefix))
                .map(String::as_str)
                .collect(),
            None => self
                .figures
                .get_key_value(pattern)
                .map(|(k, _)| k.as_str())
                .into_iter()
                .collect(),
        }
    }

    /// The cores (in [`Board::EMULATED`] order) any of these rows was measured on.
    fn cores(&self, rows: &[&str]) -> Vec<&'static str> {
        Board::EMULATED
            .iter()
            .map(|b| b.spec().name)
            .filter(|c| {
                rows.iter()
                    .any(|r| self.figures.get(*r).is_some_and(|m| m.contains_key(*c)))
            })
            .collect()
    }
}

/// The generated lines (without the comment marker) for these rows: one sentence for one row
/// (cores with the same figure share an entry: "M4F/M7 68"), a table for several.
fn lines_for(table: &StackTable, rows: &[&str]) -> Vec<String> {
    if let [row] = rows {
        let Some(per_core) = table.figures.get(*row) else {
            return Vec::new();
        };
        let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
        for c in table.cores(rows) {
            if let Some(v) = per_core.get(c) {
                let core = c.to_uppercase();
                match groups.iter_mut().find(|g| g.0 == v) {
                    Some(g) => g.1.push(core),
                    None => groups.push((v, vec![core])),
                }
            }
        }
        let figures: Vec<String> = groups
            .iter()
            .map(|(v, cores)| format!("{} {v}", cores.join("/")))
            .collect();
        let prefix = match (table.kind, table.sizes.get(*row)) {
            (Kind::Stack, _) => table.kind.line_prefix().to_string(),
            (Kind::Cost, Some(&n)) if n > 1 => format!(
                "{}, instructions per element at N = {n})",
                table.kind.line_prefix()
            ),
            (Kind::Cost, _) => format!("{}, instructions per call)", table.kind.line_prefix()),
        };
        return vec![format!("{prefix}: {}.", figures.join(" · "))];
    }
    let cores = table.cores(rows);
    if cores.is_empty() {
        return Vec::new();
    }
    let mut out = vec![
        format!(
            "| {} | {} |",
            table.kind.table_head(),
            cores
                .iter()
                .map(|c| c.to_uppercase())
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        format!("|---|{}", "---:|".repeat(cores.len())),
    ];
    for r in rows {
        let per_core = table.figures.get(*r);
        let cells: Vec<String> = cores
            .iter()
            .map(|c| {
                per_core
                    .and_then(|m| m.get(*c))
                    .map_or("—".to_string(), String::clone)
            })
            .collect();
        out.push(format!("| `{r}` | {} |", cells.join(" | ")));
    }
    out
}

/// The names in a marker line of this kind (`/// <!-- stack: a, b -->`), if it is one.
fn marker_names(line: &str, kind: Kind) -> Option<Vec<String>> {
    let t = line.trim_start();
    let body = t.strip_prefix("///").or_else(|| t.strip_prefix("//!"))?;
    let inner = body
        .trim()
        .strip_prefix(kind.mark_open())?
        .strip_suffix(MARK_CLOSE)?;
    // Split at the commas outside brackets (`Dense<16,16>::forward` is one name).
    let mut names = Vec::new();
    let (mut depth, mut cur) = (0i32, String::new());
    for c in inner.chars() {
        match c {
            '<' | '[' | '(' => depth += 1,
            '>' | ']' | ')' => depth -= 1,
            _ => {}
        }
        if c == ',' && depth == 0 {
            names.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    names.push(cur);
    Some(
        names
            .into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    )
}

/// A generated line (sentence or table row, any figures) with this indentation and comment
/// marker?
fn is_generated(line: &str, indent_and_marker: &str, kind: Kind) -> bool {
    line.strip_prefix(indent_and_marker).is_some_and(|r| {
        let r = r.trim_start();
        r.starts_with(kind.line_prefix()) || r.starts_with('|')
    })
}

/// What a sync found in one file.
#[derive(Debug, Default)]
pub struct FileSync {
    /// The file's text with every generated block brought up to date.
    pub text: String,
    /// Marker names with no stack figure in the baseline.
    pub unknown: Vec<String>,
    /// Every name a marker of this file carries.
    pub names: Vec<String>,
}

/// Brings every generated block of one file's text up to date.
pub fn sync_text(text: &str, table: &StackTable) -> FileSync {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut r = FileSync::default();
    for line in &lines {
        let Some(names) = marker_names(line, table.kind) else {
            out.push((*line).to_string());
            continue;
        };
        let indent_len = line.len() - line.trim_start().len();
        let indent = &line[..indent_len];
        let comment = &line.trim_start()[..3];
        let lead = format!("{indent}{comment}");
        while out
            .last()
            .is_some_and(|l| is_generated(l, &lead, table.kind))
        {
            out.pop();
        }
        let mut rows = Vec::new();
        for n in &names {
            let e = table.expand(n);
            if e.is_empty() {
                r.unknown.push(n.clone());
            }
            rows.extend(e);
        }
        for l in lines_for(table, &rows) {
            out.push(format!("{lead} {l}\n"));
        }
        r.names.extend(rows.iter().map(|s| s.to_string()));
        out.push((*line).to_string());
    }
    r.text = out.concat();
    r
}

/// The Rust files under `dir`, sorted.
fn rust_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut v = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                v.push(p);
            }
        }
    }
    v.sort();
    Ok(v)
}

/// The sources whose doc comments carry stack lines: the kernels and the drivers (the
/// checkpoint store has bench rows).
pub fn documented_sources() -> Vec<PathBuf> {
    let root = crate::cmd::root();
    vec![
        root.join("kernels").join("src"),
        root.join("drivers").join("src"),
    ]
}

/// Outcome of [`sync`].
#[derive(Debug, Default)]
pub struct Sync {
    /// Files whose generated lines differ from the baseline (rewritten when writing).
    pub stale: Vec<PathBuf>,
    /// (file, marker name) with no figure in the baseline.
    pub unknown: Vec<(PathBuf, String)>,
    /// Kernel rows of the baseline that no marker names.
    pub uncovered: Vec<String>,
}

/// Compares (and with `write`, rewrites) the generated stack lines of every file under `dirs`
/// with the baseline.
pub fn sync(dirs: &[PathBuf], base: &[BaselineEntry], write: bool) -> Result<Sync> {
    let table = StackTable::new(base);
    let costs = StackTable::of(base, Kind::Cost);
    let mut s = Sync::default();
    let mut named = std::collections::BTreeSet::new();
    let mut files = Vec::new();
    for d in dirs {
        files.extend(rust_files(d)?);
    }
    for p in files {
        let text = std::fs::read_to_string(&p)?;
        let f = sync_text(&text, &table);
        named.extend(f.names.iter().cloned());
        s.unknown
            .extend(f.unknown.into_iter().map(|n| (p.clone(), n)));
        let g = sync_text(&f.text, &costs);
        s.unknown
            .extend(g.unknown.into_iter().map(|n| (p.clone(), n)));
        if g.text != text {
            if write {
                std::fs::write(&p, &g.text)?;
            }
            s.stale.push(p);
        }
    }
    s.uncovered = table
        .order
        .iter()
        .filter(|k| !named.contains(k.as_str()) && !PEER_ROWS.contains(&k.as_str()))
        .cloned()
        .collect();
    Ok(s)
}

/// After `--bless`: rewrites the kernels' stack lines; fails if a marker names a row the
/// baseline lacks.
pub fn bless(base: &[BaselineEntry]) -> Result<usize> {
    let s = sync(&documented_sources(), base, true)?;
    if !s.unknown.is_empty() {
        bail!(
            "stack or cost markers naming no baseline row: {:?}",
            s.unknown
        );
    }
    Ok(s.stale.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(core: &str, kernel: &str, n: u32, stack: Option<u32>) -> BaselineEntry {
        BaselineEntry {
            core: core.into(),
            kernel: kernel.into(),
            n,
            instructions: 1,
            code_bytes: 1,
            stack_bytes: stack,
        }
    }

    #[test]
    fn generates_replaces_and_keeps_the_rest() {
        let base = [
            entry("m4f", "k::a", 16, Some(80)),
            entry("m4f", "k::a", 256, Some(88)),
            entry("m0", "k::a", 16, Some(120)),
            entry("m4f", "k::b", 0, Some(8)),
            entry("m0", "k::b", 0, None),
        ];
        let table = StackTable::new(&base);
        let src = "    /// Doc.\n    /// Stack (bytes, `cargo xtask bench`): M4F 1.\n    /// <!-- stack: k::a -->\n    pub fn a() {}\n//!\n//! | old | table |\n//! <!-- stack: k::* -->\n";
        let f = sync_text(src, &table);
        assert_eq!(
            f.text,
            "    /// Doc.\n    /// Stack (bytes, `cargo xtask bench`): M0 120 · M4F 88.\n    /// <!-- stack: k::a -->\n    pub fn a() {}\n//!\n//! | stack, bytes (`cargo xtask bench`) | M0 | M4F |\n//! |---|---:|---:|\n//! | `k::a` | 120 | 88 |\n//! | `k::b` | — | 8 |\n//! <!-- stack: k::* -->\n"
        );
        assert!(f.unknown.is_empty());
        assert_eq!(f.names, ["k::a", "k::a", "k::b"]);
        // Idempotent.
        assert_eq!(sync_text(&f.text, &table).text, f.text);
        // A name the baseline lacks is reported and generates nothing.
        let g = sync_text("/// <!-- stack: k::c -->\n", &table);
        assert_eq!(g.unknown, vec!["k::c".to_string()]);
        assert_eq!(g.text, "/// <!-- stack: k::c -->\n");
        // Cores with one figure share an entry; commas inside brackets belong to the name.
        let base = [
            entry("m4f", "D<1,2>::f", 16, Some(8)),
            entry("m7", "D<1,2>::f", 16, Some(8)),
            entry("m0", "D<1,2>::f", 16, Some(12)),
            entry("m3", "D<1,2>::f", 16, Some(8)),
        ];
        let g = sync_text("/// <!-- stack: D<1,2>::f -->\n", &StackTable::new(&base));
        assert_eq!(
            g.text,
            "/// Stack (bytes, `cargo xtask bench`): M0 12 · M3/M4F/M7 8.\n/// <!-- stack: D<1,2>::f -->\n"
        );
    }

    #[test]
    fn cost_lines_per_element_at_256_or_per_call() {
        let e = |core: &str, kernel: &str, n: u32, instructions: u64| {
            let mut x = entry(core, kernel, n, Some(8));
            x.instructions = instructions;
            x
        };
        let base = [
            e("m4f", "k::a", 16, 1_000),
            e("m4f", "k::a", 256, 5_120),
            e("m4f", "k::a", 1024, 40_000),
            e("m0", "k::a", 256, 15_360),
            e("m3", "k::a", 256, 5_120),
            e("m4f", "k::call", 1, 263),
            e("m0", "k::call", 1, 9_466),
            e("m4f", "k::big", 16, 320),
            e("m4f", "k::big", 64, 1_600),
        ];
        let t = StackTable::of(&base, Kind::Cost);
        let g = sync_text(
            "/// Cost: old.\n/// Cost (`cargo xtask bench`, instructions per call): M4F 1.\n/// <!-- cost: k::a -->\n/// <!-- cost: k::call -->\n/// <!-- cost: k::big -->\n/// <!-- cost: k::none -->\n",
            &t,
        );
        assert_eq!(
            g.text,
            "/// Cost: old.\n/// Cost (`cargo xtask bench`, instructions per element at N = 256): M0 60.0 · M3/M4F 20.0.\n/// <!-- cost: k::a -->\n/// Cost (`cargo xtask bench`, instructions per call): M0 9466 · M4F 263.\n/// <!-- cost: k::call -->\n/// Cost (`cargo xtask bench`, instructions per element at N = 64): M4F 25.0.\n/// <!-- cost: k::big -->\n/// <!-- cost: k::none -->\n"
        );
        assert_eq!(g.unknown, vec!["k::none".to_string()]);
        // Stack markers are left to the stack table, and the result is idempotent.
        assert_eq!(sync_text(&g.text, &t).text, g.text);
        let h = sync_text("/// <!-- stack: k::a -->\n", &t);
        assert_eq!(h.text, "/// <!-- stack: k::a -->\n");
    }

    /// The committed docs carry the committed baseline's figures, and every kernel row of the
    /// baseline is named by some doc comment.
    #[test]
    fn kernel_docs_match_the_baseline() {
        let base = super::super::report::read_baseline().expect("bench/baseline.json");
        let s = sync(&documented_sources(), &base, false).unwrap();
        assert!(
            s.stale.is_empty(),
            "stack lines differ from bench/baseline.json in {:?}: run `cargo xtask bench --bless` (or fix the marker)",
            s.stale
        );
        assert!(
            s.unknown.is_empty(),
            "markers naming no baseline row: {:?}",
            s.unknown
        );
        assert!(
            s.uncovered.is_empty(),
            "baseline rows whose stack no doc comment states (add `/// <!-- stack: NAME -->`): {:?}",
            s.uncovered
        );
    }
}
