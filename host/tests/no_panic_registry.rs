//! Every public kernel marked `#[no_panic]` is listed in `kernels/src/no_panic_proof.rs`, so
//! the no-panic proof checks its out-of-line body (see that file), not just inlined calls:
//! free functions, and methods of non-generic types (generic ones are checked where tests
//! instantiate them).

use std::path::{Path, PathBuf};

const MARK: &str = "#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]";

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every `pub fn` marked at `indent` in kernels/src: (file, the lines above the mark, the
/// name, the rest of the signature after the name).
fn marked(indent: &str) -> Vec<(PathBuf, Vec<String>, String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kernels/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if l.strip_prefix(indent) != Some(MARK) {
                continue;
            }
            // The next non-attribute line at the same indentation.
            let Some(sig) = lines[i + 1..]
                .iter()
                .find(|s| !s.trim_start().starts_with("#["))
            else {
                continue;
            };
            let Some(rest) = sig
                .strip_prefix(indent)
                .and_then(|s| s.strip_prefix("pub fn "))
            else {
                continue;
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let above = lines[..i].iter().map(|s| s.to_string()).collect();
            out.push((
                f.clone(),
                above,
                name.clone(),
                rest[name.len()..].to_string(),
            ));
        }
    }
    out
}

fn registry() -> String {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kernels/src");
    std::fs::read_to_string(src.join("no_panic_proof.rs")).unwrap()
}

#[test]
fn every_no_panic_kernel_is_in_the_registry() {
    let registry = registry();
    let (mut missing, mut checked) = (Vec::new(), 0);
    for (f, _, name, rest) in marked("") {
        if rest.starts_with('<') || rest.contains("impl ") {
            continue; // generic: checked where tests instantiate it
        }
        checked += 1;
        if !registry.contains(&format!("::{name} as fn(")) {
            missing.push(format!("{}: {name}", f.display()));
        }
    }
    assert!(
        checked > 50,
        "found only {checked} kernels: has the attribute's spelling changed?"
    );
    assert!(
        missing.is_empty(),
        "not in kernels/src/no_panic_proof.rs:\n{}",
        missing.join("\n")
    );
}

/// Methods of a non-generic type (`impl Name {`) are listed as `Name::method as fn(`.
#[test]
fn every_no_panic_method_of_a_plain_type_is_in_the_registry() {
    let registry = registry();
    let (mut missing, mut checked) = (Vec::new(), 0);
    for (f, above, name, _) in marked("    ") {
        // The enclosing block: the nearest line above that opens an impl or a module (a
        // function of an inline module, such as `mish::fpu`, is a free function: listed by
        // its path like the others, not checked here).
        let Some(imp) = above
            .iter()
            .rev()
            .find(|s| s.starts_with("impl") || s.starts_with("pub mod ") || s.starts_with("mod "))
        else {
            continue;
        };
        if !imp.starts_with("impl") {
            continue;
        }
        let Some(ty) = imp.strip_prefix("impl ").and_then(|r| r.strip_suffix(" {")) else {
            continue; // `impl<…>`: generic
        };
        if ty.contains(['<', ' ']) {
            continue; // generic type or trait impl
        }
        checked += 1;
        if !registry.contains(&format!("{ty}::{name} as fn(")) {
            missing.push(format!("{}: {ty}::{name}", f.display()));
        }
    }
    assert!(checked >= 26, "found only {checked} methods");
    assert!(
        missing.is_empty(),
        "not in kernels/src/no_panic_proof.rs:\n{}",
        missing.join("\n")
    );
}
