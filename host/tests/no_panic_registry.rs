//! Every free public kernel marked `#[no_panic]` is listed in `kernels/src/no_panic_proof.rs`,
//! so the no-panic proof checks its out-of-line body (see that file), not just inlined calls.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_no_panic_kernel_is_in_the_registry() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kernels/src");
    let registry = std::fs::read_to_string(src.join("no_panic_proof.rs")).unwrap();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut missing = Vec::new();
    let mut checked = 0;
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if !l.starts_with("#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]") {
                continue;
            }
            // The next non-attribute line, at column 0: a free function.
            let Some(sig) = lines[i + 1..].iter().find(|s| !s.starts_with("#[")) else {
                continue;
            };
            let Some(rest) = sig.strip_prefix("pub fn ") else {
                continue;
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if rest[name.len()..].starts_with('<') || sig.contains("impl ") {
                continue; // generic: checked where tests instantiate it
            }
            checked += 1;
            if !registry.contains(&format!("::{name} as fn(")) {
                missing.push(format!("{}: {name}", f.display()));
            }
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

/// Every `#[no_panic]` method of a non-generic type (`impl Name {`) is listed too, as
/// `Name::method as fn(`; methods of generic types are checked where tests instantiate them.
#[test]
fn every_no_panic_method_of_a_plain_type_is_in_the_registry() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kernels/src");
    let registry = std::fs::read_to_string(src.join("no_panic_proof.rs")).unwrap();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let (mut missing, mut checked) = (Vec::new(), 0);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if *l != "    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]" {
                continue;
            }
            let Some(sig) = lines[i + 1..]
                .iter()
                .find(|s| !s.trim_start().starts_with("#["))
            else {
                continue;
            };
            let Some(rest) = sig.strip_prefix("    pub fn ") else {
                continue;
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            // The enclosing impl block: the nearest line above that opens one.
            let Some(imp) = lines[..i].iter().rev().find(|s| s.starts_with("impl")) else {
                continue;
            };
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
    }
    assert!(checked >= 13, "found only {checked} methods");
    assert!(
        missing.is_empty(),
        "not in kernels/src/no_panic_proof.rs:\n{}",
        missing.join("\n")
    );
}
