//! An *estimate* of cycles from executed instructions, per core ([`Model`]), assuming
//! zero-wait-state memory. QEMU does not model time; this column is labelled as an estimate
//! everywhere it appears.
//!
//! Cortex-M4 (also used for the M4F and, as a rough bound, the dual-issue M7): the timings of
//! the Cortex-M4 Technical Reference Manual (ARM DDI 0439, table 3-1) and the Cortex-M4F FPU
//! timings (table 7-1). Most data-processing instructions 1 cycle; loads 2 (LDRD 3); stores
//! 1; LDM/STM/PUSH/POP 1 + registers; taken branches 1 + P with pipeline refill P = 2 (the
//! TRM gives 1–3); MLA/MLS 2; SDIV/UDIV 7 (2–12, data dependent); VDIV/VSQRT 14; VMLA/VFMA 3;
//! VLDR/VSTR 2; VPUSH/VPOP/VLDM/VSTM 1 + registers; IT folded (0).
//!
//! Cortex-M3 (TRM ARM DDI 0337, table 18-1): as the M4 except the long multiplies
//! UMULL/SMULL/UMLAL/SMLAL, 3–5 cycles (early termination; counted 4) instead of 1.
//!
//! Cortex-M0 (TRM ARM DDI 0432, table 3-1; the M0 has no 32×32→64 multiply, no divide and no
//! CLZ, so those are library calls whose instructions are counted one by one): most
//! instructions 1 cycle; loads and stores 2; LDM/STM/PUSH 1 + registers, POP with PC
//! 4 + registers; taken branches (B, Bcc, BX, BLX) 3, BL 4; MULS 1 (the fast-multiplier
//! configuration; the small one takes 32).

use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One disassembled instruction.
#[derive(Clone, Debug)]
pub struct Insn {
    /// Size in bytes (2 or 4).
    pub size: u32,
    /// Mnemonic, lower case, with condition/width suffixes as printed.
    pub mnemonic: String,
    /// Operands as printed.
    pub operands: String,
}

/// Finds a tool of rustup's `llvm-tools` component (llvm-objdump, llvm-nm, llvm-size).
pub fn llvm_tool(name: &str) -> Result<PathBuf> {
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    let lib = sysroot.join("lib").join("rustlib");
    for entry in std::fs::read_dir(&lib).with_context(|| format!("reading {}", lib.display()))? {
        let p = entry?.path().join("bin").join(name);
        if p.is_file() {
            return Ok(p);
        }
    }
    bail!(
        "{name} not found under {}: run `rustup component add llvm-tools`",
        lib.display()
    )
}

/// Disassembles the ELF's executable sections: address → instruction.
pub fn disassemble(elf: &Path) -> Result<HashMap<u32, Insn>> {
    let out = Command::new(llvm_tool("llvm-objdump")?)
        .arg("-d")
        .arg(elf)
        .output()?;
    if !out.status.success() {
        bail!(
            "llvm-objdump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut map = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        // "    21ba: f64a 4350    \tmovw\tr3, #0xac50"
        let Some((addr, rest)) = line.trim_start().split_once(':') else {
            continue;
        };
        let Ok(addr) = u32::from_str_radix(addr, 16) else {
            continue;
        };
        let mut parts = rest.split('\t').filter(|s| !s.trim().is_empty());
        let (Some(raw), Some(mnemonic)) = (parts.next(), parts.next()) else {
            continue;
        };
        let halfwords = raw.split_whitespace().count() as u32;
        let operands = parts.next().unwrap_or("").trim().to_string();
        map.insert(
            addr,
            Insn {
                size: 2 * halfwords.clamp(1, 2),
                mnemonic: mnemonic.trim().to_ascii_lowercase(),
                operands,
            },
        );
    }
    Ok(map)
}

fn register_count(operands: &str) -> u32 {
    // "{r4, r5, r6, r7, lr}" or "{d8, d9}" or "r0!, {r1-r3}"
    let Some(list) = operands.split('{').nth(1).and_then(|s| s.split('}').next()) else {
        return 1;
    };
    list.split(',')
        .map(|r| {
            let r = r.trim();
            match r.split_once('-') {
                Some((a, b)) => {
                    let num = |s: &str| {
                        s.trim_start_matches(|c: char| c.is_alphabetic())
                            .parse::<u32>()
                            .unwrap_or(0)
                    };
                    num(b).saturating_sub(num(a)) + 1
                }
                None => 1,
            }
        })
        .sum()
}

/// Which core's timings an estimate applies (module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// Cortex-M0/M0+ (ARMv6-M).
    M0,
    /// Cortex-M3.
    M3,
    /// Cortex-M4 (used for the M4F and M7).
    M4,
}

impl Model {
    /// The timings used for a board's measurements.
    pub fn for_board(board: crate::boards::Board) -> Model {
        match board {
            crate::boards::Board::M0 => Model::M0,
            crate::boards::Board::M3 => Model::M3,
            _ => Model::M4,
        }
    }

    /// The label of the estimate in the reports.
    pub fn label(self) -> &'static str {
        match self {
            Model::M0 => "Cortex-M0 TRM timings",
            Model::M3 => "Cortex-M3 TRM timings",
            Model::M4 => "Cortex-M4 TRM timings",
        }
    }
}

/// Estimated Cortex-M0 cycles of one execution of `insn`.
fn cycles_m0(insn: &Insn, taken: bool) -> u32 {
    let m = insn.mnemonic.as_str();
    let base = m.split('.').next().unwrap_or(m);
    let writes_pc = insn.operands.contains("pc");
    match base {
        "bl" => 4,
        "b" | "bx" | "blx" => 3,
        _ if base.starts_with('b') && base.len() <= 3 && !base.starts_with("bic") => {
            if taken {
                3
            } else {
                1
            }
        }
        "pop" => 1 + register_count(&insn.operands) + if writes_pc { 3 } else { 0 },
        "push" | "ldm" | "ldmia" | "stm" | "stmia" => 1 + register_count(&insn.operands),
        _ if base.starts_with("ldr") || base.starts_with("str") => 2,
        _ => 1 + if writes_pc && base == "mov" { 2 } else { 0 },
    }
}

/// Estimated cycles of one execution of `insn` on `model`; `taken` if control did not fall
/// through.
pub fn cycles_on(model: Model, insn: &Insn, taken: bool) -> u32 {
    match model {
        Model::M0 => cycles_m0(insn, taken),
        Model::M3 => {
            let m = insn.mnemonic.as_str();
            match m.split('.').next().unwrap_or(m) {
                "umull" | "smull" | "umlal" | "smlal" => 4,
                _ => cycles(insn, taken),
            }
        }
        Model::M4 => cycles(insn, taken),
    }
}

/// Estimated Cortex-M4 cycles of one execution of `insn`; `taken` if control did not fall
/// through.
pub fn cycles(insn: &Insn, taken: bool) -> u32 {
    const P: u32 = 2;
    let m = insn.mnemonic.as_str();
    let base = m.split('.').next().unwrap_or(m);
    let writes_pc = insn.operands.contains("pc");
    let branch = if taken { P } else { 0 };
    match base {
        "it" | "itt" | "ite" | "ittt" | "itte" | "itee" | "itet" | "itttt" => 0,
        "b" | "bl" | "bx" | "blx" | "cbz" | "cbnz" | "tbb" | "tbh" => {
            1 + branch + u32::from(base.starts_with("tb"))
        }
        _ if base.starts_with('b')
            && base.len() <= 3
            && !base.starts_with("bic")
            && !base.starts_with("bfi")
            && !base.starts_with("bfc") =>
        {
            1 + branch // conditional branches: beq, bne, bgt...
        }
        "push" | "pop" | "ldm" | "ldmia" | "ldmdb" | "stm" | "stmia" | "stmdb" => {
            1 + register_count(&insn.operands) + if writes_pc { P } else { 0 }
        }
        "vpush" | "vpop" | "vldmia" | "vstmia" | "vldmdb" | "vstmdb" | "vldm" | "vstm" => {
            1 + register_count(&insn.operands)
        }
        "ldrd" | "strd" => 3,
        _ if base.starts_with("ldr") => 2 + if writes_pc { P } else { 0 },
        _ if base.starts_with("str") => 1,
        "mla" | "mls" => 2,
        "sdiv" | "udiv" => 7,
        "vdiv" | "vsqrt" => 14,
        "vmla" | "vmls" | "vnmla" | "vnmls" | "vfma" | "vfms" | "vfnma" | "vfnms" => 3,
        "vldr" | "vstr" => 2,
        _ => 1 + if writes_pc && base == "mov" { P } else { 0 },
    }
}

/// The estimated cycles of a region from its per-PC executions, with `model`'s timings.
pub fn estimate(
    model: Model,
    disasm: &HashMap<u32, Insn>,
    by_pc: &HashMap<u32, u64>,
    taken: &HashMap<u32, u64>,
) -> u64 {
    by_pc
        .iter()
        .map(|(pc, &n)| match disasm.get(pc) {
            Some(insn) => {
                let t = taken.get(pc).copied().unwrap_or(0).min(n);
                u64::from(cycles_on(model, insn, true)) * t
                    + u64::from(cycles_on(model, insn, false)) * (n - t)
            }
            None => n,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insn(m: &str, ops: &str) -> Insn {
        Insn {
            size: 2,
            mnemonic: m.into(),
            operands: ops.into(),
        }
    }

    #[test]
    fn timings_follow_the_trm() {
        assert_eq!(cycles(&insn("adds", "r0, #1"), false), 1);
        assert_eq!(cycles(&insn("ldr", "r0, [r1]"), false), 2);
        assert_eq!(cycles(&insn("push", "{r4, r5, r6, r7, lr}"), false), 6);
        assert_eq!(cycles(&insn("pop", "{r4, r5, r6, r7, pc}"), true), 8);
        assert_eq!(cycles(&insn("bne", "0x100"), true), 3);
        assert_eq!(cycles(&insn("bne", "0x100"), false), 1);
        assert_eq!(cycles(&insn("bic", "r0, r1"), false), 1);
        assert_eq!(cycles(&insn("vdiv.f32", "s0, s0, s18"), false), 14);
        assert_eq!(cycles(&insn("vpush", "{d8, d9}"), false), 3);
        assert_eq!(cycles(&insn("ldm", "r0!, {r1-r3}"), false), 4);
    }

    #[test]
    fn m0_and_m3_timings() {
        let m0 = |m: &str, ops: &str, t: bool| cycles_on(Model::M0, &insn(m, ops), t);
        assert_eq!(m0("adds", "r0, #1", false), 1);
        assert_eq!(m0("muls", "r0, r1, r0", false), 1);
        assert_eq!(m0("ldr", "r0, [r1]", false), 2);
        assert_eq!(m0("str", "r0, [r1]", false), 2);
        assert_eq!(m0("bne", "0x100", true), 3);
        assert_eq!(m0("bne", "0x100", false), 1);
        assert_eq!(m0("b", "0x100", true), 3);
        assert_eq!(m0("bl", "0x100", true), 4);
        assert_eq!(m0("bics", "r0, r1", false), 1);
        assert_eq!(m0("push", "{r4, r5, r6, r7, lr}", false), 6);
        assert_eq!(m0("pop", "{r4, r5, r6, r7, pc}", true), 9);
        let m3 = |m: &str, ops: &str| cycles_on(Model::M3, &insn(m, ops), false);
        assert_eq!(m3("umull", "r0, r1, r2, r3"), 4);
        assert_eq!(m3("adds", "r0, #1"), 1);
        assert_eq!(
            cycles_on(Model::M4, &insn("umull", "r0, r1, r2, r3"), false),
            1
        );
        assert_eq!(Model::for_board(crate::boards::Board::M0), Model::M0);
        assert_eq!(Model::for_board(crate::boards::Board::M7), Model::M4);
    }
}
