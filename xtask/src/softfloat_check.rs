//! The soft-float check: no `__aeabi_f*`/`__aeabi_d*`/`__addsf3`-style routine may be reachable
//! from the FPU-free (`nofpu`) kernels in a Cortex-M0 (`thumbv6m-none-eabi`) image.
//!
//! The bench image is built for the M0 (it calls every `nofpu` kernel), disassembled with
//! rustup's `llvm-objdump`, and its call graph walked from every function whose demangled
//! name contains `nofpu` (the kernels themselves, and the bench closures they were inlined
//! into; the driver `bench_nofpu` is left out, it also calls the measuring harness). Edges are
//! direct calls and tail branches (`bl`, `b`, `b.w`, `blx` to a label) into another function.
//! An indirect call (`blx rN`) reachable from a root is reported too: its target is unknown.
//!
//! Wiring: `check_m0_bench()` builds and checks; the lead can add it as a step of
//! `cargo xtask test` (see `run` below).

use anyhow::{bail, Context, Result};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use std::process::Command;

/// Whether a (mangled or demangled) symbol is a compiler-rt / libgcc floating-point routine.
pub fn is_soft_float(sym: &str) -> bool {
    const EXACT_SUFFIXES: [&str; 20] = [
        "sf3", "df3", "sf2", "df2", "sfsi", "dfsi", "sfdi", "dfdi", "sisf", "sidf", "disf", "didf",
        "unsisf", "unsidf", "undisf", "undidf", "sfdf2", "dfsf2", "tisf", "tidf",
    ];
    if let Some(rest) = sym.strip_prefix("__aeabi_") {
        // __aeabi_fmul, __aeabi_dadd, __aeabi_cfcmple, __aeabi_i2f, __aeabi_ul2d, …
        return rest.starts_with(['f', 'd'])
            || rest.starts_with("cf")
            || rest.starts_with("cd")
            || rest.ends_with("2f")
            || rest.ends_with("2d");
    }
    // libgcc / compiler-rt names: __addsf3, __mulsf3, __divsf3, __eqsf2, __fixsfsi,
    // __floatsisf, __floatunsisf, __extendsfdf2, __truncdfsf2, __powisf2, …
    sym.starts_with("__")
        && !sym.starts_with("__aeabi_")
        && EXACT_SUFFIXES.iter().any(|s| sym.ends_with(s))
}

/// A parsed disassembly: function → (direct callees, has an indirect call).
#[derive(Debug, Default)]
pub struct CallGraph {
    /// Callees of each function (by symbol name).
    pub calls: BTreeMap<String, BTreeSet<String>>,
    /// Functions containing an indirect call (`blx rN`, `bx` to a register other than lr).
    pub indirect: BTreeSet<String>,
}

/// A demangled symbol without its `::h0123456789abcdef` hash.
fn strip_hash(name: &str) -> &str {
    match name.rfind("::h") {
        Some(i) if name.len() - i == 19 && name[i + 3..].chars().all(|c| c.is_ascii_hexdigit()) => {
            &name[..i]
        }
        _ => name,
    }
}

/// Parses `llvm-objdump -d --demangle` output (symbol hashes stripped).
pub fn parse(disassembly: &str) -> CallGraph {
    let mut g = CallGraph::default();
    let mut current: Option<String> = None;
    for line in disassembly.lines() {
        // Function header: "000021b8 <mcu_kernels::math::nofpu::exp>:"
        if let Some(rest) = line.strip_suffix(">:") {
            if let Some(i) = rest.find(" <") {
                let name = strip_hash(&rest[i + 2..]).to_string();
                g.calls.entry(name.clone()).or_default();
                current = Some(name);
                continue;
            }
        }
        let Some(cur) = current.as_ref() else {
            continue;
        };
        // Instruction: "    21ba: f64a 4350   \tbl\t0x1234 <__aeabi_fmul>"
        let mut fields = line.split('\t').map(str::trim).filter(|s| !s.is_empty());
        let Some(_addr) = fields.next() else { continue };
        let mut mnemonic = None;
        let mut operands = "";
        for f in fields {
            if mnemonic.is_none() && f.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
                mnemonic = Some(f);
            } else if mnemonic.is_some() {
                operands = f;
                break;
            }
        }
        let Some(m) = mnemonic else { continue };
        let branch = matches!(m, "bl" | "blx" | "b" | "b.w" | "b.n");
        if !branch {
            continue;
        }
        if let (Some(l), Some(r)) = (operands.find('<'), operands.rfind('>')) {
            let target = &operands[l + 1..r];
            let target = strip_hash(target.split('+').next().unwrap_or(target)).to_string();
            if &target != cur {
                g.calls.get_mut(cur).map(|s| s.insert(target));
            }
        } else if m == "blx" {
            g.indirect.insert(cur.clone());
        }
    }
    g
}

/// Soft-float routines reachable from the roots, each with one call path; plus the reachable
/// functions with indirect calls.
pub fn reachable_soft_float(
    g: &CallGraph,
    roots: &[String],
) -> (Vec<(String, Vec<String>)>, Vec<String>) {
    let mut parent: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut queue = VecDeque::new();
    for r in roots {
        parent.insert(r.clone(), None);
        queue.push_back(r.clone());
    }
    let mut hits = Vec::new();
    let mut indirect = Vec::new();
    while let Some(f) = queue.pop_front() {
        if g.indirect.contains(&f) {
            indirect.push(f.clone());
        }
        if is_soft_float(&f) {
            let mut path = vec![f.clone()];
            let mut p = parent.get(&f).cloned().flatten();
            while let Some(q) = p {
                path.push(q.clone());
                p = parent.get(&q).cloned().flatten();
            }
            path.reverse();
            hits.push((f.clone(), path));
            continue;
        }
        for c in g.calls.get(&f).into_iter().flatten() {
            if !parent.contains_key(c) {
                parent.insert(c.clone(), Some(f.clone()));
                queue.push_back(c.clone());
            }
        }
    }
    (hits, indirect)
}

/// The roots of the check: functions whose name contains `nofpu` (not the bench driver).
pub fn roots(g: &CallGraph) -> Vec<String> {
    g.calls
        .keys()
        .filter(|n| {
            n.contains("nofpu") && !n.ends_with("bench_nofpu") && !n.ends_with("bench_math")
        })
        .cloned()
        .collect()
}

/// Checks an ELF: fails listing every soft-float routine reachable from a `nofpu` root.
pub fn check_elf(elf: &Path) -> Result<usize> {
    check_elf_roots(elf).map(|r| r.len())
}

/// As [`check_elf`], returning the roots it checked.
pub fn check_elf_roots(elf: &Path) -> Result<Vec<String>> {
    let objdump = crate::bench::cycles::llvm_tool("llvm-objdump")?;
    let out = Command::new(objdump)
        .args(["-d", "--demangle", "--no-show-raw-insn"])
        .arg(elf)
        .output()
        .context("running llvm-objdump")?;
    if !out.status.success() {
        bail!(
            "llvm-objdump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let g = parse(&String::from_utf8_lossy(&out.stdout));
    let roots = roots(&g);
    if roots.is_empty() {
        bail!(
            "no `nofpu` function in {}: is it the bench image?",
            elf.display()
        );
    }
    let (hits, indirect) = reachable_soft_float(&g, &roots);
    if !hits.is_empty() || !indirect.is_empty() {
        let mut msg = String::from("soft float reachable from the integer kernels:\n");
        for (f, path) in &hits {
            msg.push_str(&format!("  {f}: {}\n", path.join(" -> ")));
        }
        for f in &indirect {
            msg.push_str(&format!("  indirect call in {f}\n"));
        }
        bail!(msg);
    }
    Ok(roots)
}

/// Builds the bench image for the Cortex-M0 and checks it (a step for `cargo xtask test`).
pub fn check_m0_bench() -> Result<Vec<String>> {
    // llvm-tools: installed by the preflight of `cargo xtask test`.
    let elf = crate::firmware::Build::qemu("bench", crate::boards::Board::M0).run()?;
    let roots = check_elf_roots(&elf)?;
    println!(
        "soft-float check: {} integer-kernel roots, no soft-float routine reachable",
        roots.len()
    );
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_soft_float_symbols() {
        for s in [
            "__aeabi_fmul",
            "__aeabi_fadd",
            "__aeabi_dmul",
            "__aeabi_f2iz",
            "__aeabi_i2f",
            "__aeabi_ul2f",
            "__aeabi_cfcmple",
            "__aeabi_fcmplt",
            "__addsf3",
            "__divsf3",
            "__eqsf2",
            "__fixsfsi",
            "__floatunsisf",
            "__extendsfdf2",
            "__truncdfsf2",
        ] {
            assert!(is_soft_float(s), "{s}");
        }
        for s in [
            "__aeabi_lmul",
            "__aeabi_uldivmod",
            "__aeabi_llsl",
            "__clzsi2",
            "__udivmoddi4",
            "mcu_kernels::math::nofpu::exp",
        ] {
            assert!(!is_soft_float(s), "{s}");
        }
    }

    const SAMPLE: &str = "
00000100 <mcu_kernels::math::nofpu::exp>:
     100:      \tpush\t{r4, lr}
     102:      \tbl\t0x200 <mcu_kernels::math::int::helper>
     106:      \tbeq\t0x10a <mcu_kernels::math::nofpu::exp+0xa>
     108:      \tb.w\t0x300 <__aeabi_lmul>

00000200 <mcu_kernels::math::int::helper>:
     200:      \tbl\t0x400 <__aeabi_fmul>
     204:      \tbx\tlr

00000300 <__aeabi_lmul>:
     300:      \tbx\tlr

00000400 <__aeabi_fmul>:
     400:      \tbx\tlr

00000500 <bench::bench_nofpu::h87fbe0720847715a>:
     500:      \tbl\t0x600 <__aeabi_fdiv>
     504:      \tblx\tr3
";

    #[test]
    fn walks_calls_and_tail_branches_to_a_soft_float_routine() {
        let g = parse(SAMPLE);
        let roots = roots(&g);
        assert_eq!(roots, vec!["mcu_kernels::math::nofpu::exp".to_string()]);
        let (hits, indirect) = reachable_soft_float(&g, &roots);
        assert_eq!(hits.len(), 1);
        assert_eq!(
            hits[0].1,
            vec![
                "mcu_kernels::math::nofpu::exp",
                "mcu_kernels::math::int::helper",
                "__aeabi_fmul"
            ]
        );
        assert!(indirect.is_empty());
        // Without the helper's call, nothing is reachable (lmul is integer).
        let clean = SAMPLE.replace("bl\t0x400 <__aeabi_fmul>", "adds\tr0, #1");
        let g = parse(&clean);
        assert!(reachable_soft_float(&g, &roots).0.is_empty());
        assert!(g.indirect.contains("bench::bench_nofpu"));
    }
}
