//! `ARCHITECTURE.md` stays true: its code map names every crate (a folder with a
//! `Cargo.toml`), every top-level module and binary of each crate, and every top-level folder;
//! every crate it names exists; and each crate's "Depends on" line equals the workspace crates
//! its `Cargo.toml` depends on.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ has a parent")
        .to_path_buf()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Folders (relative, with a trailing `/`) holding a `Cargo.toml`, the root excepted.
fn crate_dirs(root: &Path) -> BTreeSet<String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeSet<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if !p.is_dir() || name.starts_with('.') || name == "target" {
                continue;
            }
            if p.join("Cargo.toml").is_file() {
                let rel = p.strip_prefix(root).expect("below root");
                out.insert(format!("{}/", rel.to_string_lossy()));
            }
            walk(&p, root, out);
        }
    }
    let mut out = BTreeSet::new();
    walk(root, root, &mut out);
    out
}

/// `(heading, body)` of each `### ` section of the code map.
fn sections(map: &str) -> Vec<(String, String)> {
    let code_map = map
        .split("\n## ")
        .find(|s| s.starts_with("Code map"))
        .expect("ARCHITECTURE.md has a `## Code map` section");
    code_map
        .split("\n### ")
        .skip(1)
        .map(|s| {
            let (head, body) = s.split_once('\n').unwrap_or((s, ""));
            (head.trim().to_string(), body.to_string())
        })
        .collect()
}

/// Names of the top-level modules (`mod x;`) of a crate root file.
fn modules(src: &str) -> Vec<String> {
    src.lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l
                .strip_prefix("pub mod ")
                .or_else(|| l.strip_prefix("pub(crate) mod "))
                .or_else(|| l.strip_prefix("mod "))?;
            let name = rest.strip_suffix(';')?;
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
                .then(|| name.to_string())
        })
        .collect()
}

/// True if `text` names `name` in backticks: `` `name` ``, `` `name/` ``, `` `name::…` ``.
fn names(text: &str, name: &str) -> bool {
    ["`", "/", "::", "."]
        .iter()
        .any(|end| text.contains(&format!("`{name}{end}")))
        || text.contains(&format!("::{name}`"))
}

/// Workspace package names a crate's manifest depends on (any dependency table).
fn workspace_deps(manifest: &str, packages: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut in_deps = false;
    for line in manifest.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            in_deps = t.contains("dependencies");
            continue;
        }
        if !in_deps || t.starts_with('#') {
            continue;
        }
        let key: String = t
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        if packages.contains(&key) {
            out.insert(key);
        }
    }
    out
}

fn package_name(manifest: &str) -> Option<String> {
    let pkg = manifest.split("[package]").nth(1)?;
    let line = pkg.lines().find(|l| l.trim_start().starts_with("name"))?;
    Some(line.split('"').nth(1)?.to_string())
}

#[test]
fn the_code_map_names_every_crate_module_and_folder() {
    let root = root();
    let map = read(&root.join("ARCHITECTURE.md"));
    let secs = sections(&map);
    let headed: BTreeSet<String> = secs
        .iter()
        .filter_map(|(h, _)| h.strip_prefix('`')?.strip_suffix('`').map(str::to_string))
        .collect();
    let crates = crate_dirs(&root);
    let mut missing = Vec::new();
    for c in &crates {
        if !headed.contains(c) {
            missing.push(format!("crate {c} has no `### \\`{c}\\`` section"));
        }
    }
    for h in &headed {
        if !crates.contains(h) {
            missing.push(format!("section {h} names a crate that does not exist"));
        }
    }
    for (head, body) in &secs {
        let Some(dir) = head.strip_prefix('`').and_then(|h| h.strip_suffix('`')) else {
            continue;
        };
        let src = root.join(dir).join("src");
        let mut items = Vec::new();
        for file in ["lib.rs", "main.rs"] {
            if let Ok(text) = std::fs::read_to_string(src.join(file)) {
                items.extend(modules(&text));
            }
        }
        if let Ok(entries) = std::fs::read_dir(src.join("bin")) {
            for e in entries.flatten() {
                if let Some(stem) = e.path().file_stem() {
                    items.push(stem.to_string_lossy().into_owned());
                }
            }
        }
        for m in items {
            if !names(body, &m) {
                missing.push(format!("{dir}: module or binary `{m}` is not named"));
            }
        }
    }
    // Every top-level folder (hidden ones too, but for .git) is named somewhere in the map.
    for e in std::fs::read_dir(&root).expect("root").flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if e.path().is_dir() && name != ".git" && !map.contains(&format!("`{name}/")) {
            missing.push(format!("top-level folder {name}/ is not named"));
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md is out of date:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn each_crates_dependencies_match_its_depends_on_line() {
    let root = root();
    let map = read(&root.join("ARCHITECTURE.md"));
    let crates = crate_dirs(&root);
    let packages: BTreeSet<String> = crates
        .iter()
        .filter_map(|c| package_name(&read(&root.join(c).join("Cargo.toml"))))
        .collect();
    let mut wrong = Vec::new();
    for (head, body) in sections(&map) {
        let Some(dir) = head.strip_prefix('`').and_then(|h| h.strip_suffix('`')) else {
            continue;
        };
        let Ok(manifest) = std::fs::read_to_string(root.join(dir).join("Cargo.toml")) else {
            continue;
        };
        let actual = workspace_deps(&manifest, &packages);
        let line = body
            .lines()
            .find(|l| l.starts_with("Depends on:"))
            .unwrap_or_else(|| panic!("{dir}: no `Depends on:` line"));
        let stated: BTreeSet<String> = line
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        if stated != actual {
            wrong.push(format!(
                "{dir}: ARCHITECTURE.md says {stated:?}, Cargo.toml has {actual:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
