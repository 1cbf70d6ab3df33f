//! The passes shared by the FPU-free softmax family: the scan (checks, maximum, +∞ count),
//! the per-element term e^(x_i − m) as (mantissa, exponent), and the exact 2-word sum.
//!
//! # Fixed point relative to the row
//!
//! With m the maximum (finite), every element that can matter lies in [m − 104, m]: below,
//! e^(x_i − m) < 2^−150, so its share of the sum is below half the smallest subnormal. Each x
//! is converted to a signed integer X = ⌊x·2^q⌋ (toward zero) with q = 32 when |m| < 2^24, else
//! q = 151 − E_m (E_m: m's biased exponent, so 2^−q is half of m's ulp). In both cases every
//! element within 104 of m is exact or (|x| < 2^−9) truncated by < 2^−32, and |X| < 2^62:
//! an element whose conversion would exceed that (E_x above the limit of [`Row::fixed`]) lies
//! at least 2^24 − 2^23 below m and is dropped. d = X − M ≤ 0 is then exact.
//!
//! # The term
//!
//! d in Q32 (|d| ≤ 104·2^32 < 2^39); n = round(d·64·log2 e) from a Q8 product (off by < 0.9,
//! so |t| ≤ 0.0098); t = d − n·(ln2/64) in Q48 (exact product, LN2_64 rounding < 2^−35 over
//! |n| ≤ 9601); e^t = 1 + t + t²/2 + t³/6 (omitted t⁴/24 < 2^−31.3) in Q31/Q32; the term is
//! 2^(j/64)·e^t·2^k with j = n mod 64, k = ⌊n/64⌋ ∈ [−151, 0]: mantissa ∈ [0.99, 2) (relative
//! error ≤ 2^−29.5 with the table's rounding).
//!
//! # The sum: no overflow for any N
//!
//! Each term is ≤ 2^(0.99) < 2 and is added as a Q48 integer (< 2^49) into a two-word
//! accumulator (lo: u64 with wrapping add, hi: u64 counting the carries). A slice holds at most
//! isize::MAX bytes, so N < 2^61 f32 elements, the sum is < 2^61·2^49 = 2^110 and hi < 2^46:
//! neither word can overflow. Terms below 2^−48 are dropped from the sum (not from the
//! outputs): with S ≥ 1 (the maximum contributes 2^0·(1 ± 2^−29.5)) that is a relative error
//! below N·2^−48 (≤ 2^−28 for N ≤ 2^20, the range of the float path's contract as well).
//!
//! # Error budget of a softmax output (u = 2^−24)
//!
//! term 2^−29.5 + stored mantissa rounded to 24 bits 1u + sum (term errors, truncation to Q48,
//! N·2^−48) < 0.1u + 1/S truncated 2^−31 + product truncated 2^−31 + final rounding 1u:
//! ≤ 2.2u ≈ 1.3e−7 relative for outputs ≥ 2^−126 (N ≤ 2^20); the contract is 5e−7. On fast
//! rows (|m| < 16, the 32-bit form [`term_q24`]) x and m are truncated to Q24, which adds
//! < 2^−23 to d, i.e. 2u relative: ≤ 4.2u ≈ 2.5e−7.

use crate::math::int::{mul_hi, mul_hi_i32, Num, EXP2_TABLE};
use crate::Error;

/// 64·log2 e in Q8, rounded (23637.1…).
const LOG2E_64_Q8: i32 = 23_637;
/// ln2/64 in Q48, rounded.
const LN2_64_Q48: i64 = 3_048_493_539_143;
/// 1/2 and 1/6 in Q31, rounded.
const H2: i32 = 1 << 30;
const H3: i32 = 357_913_941;

/// Ordered key of a non-NaN f32 bit pattern: monotone in the float order (−0 just below +0).
#[inline(always)]
fn key(bits: u32) -> i32 {
    let k = bits as i32;
    if k < 0 {
        k ^ 0x7FFF_FFFF
    } else {
        k
    }
}

/// What the scan found.
#[derive(Clone, Copy)]
pub(crate) enum Scan {
    /// The maximum is finite: the per-row constants.
    Finite(Row),
    /// `count` elements are +∞.
    PosInf { count: usize },
}

/// Pass 1: NaN anywhere → `NanInput`; empty → `Empty`; every element −∞ → `AllNegInfinity`.
#[inline(always)]
pub(crate) fn scan(x: &[f32]) -> Result<Scan, Error> {
    if x.is_empty() {
        return Err(Error::Empty);
    }
    let mut best = i32::MIN;
    let mut m = 0u32;
    let mut pos_inf = 0usize;
    for &v in x {
        let b = v.to_bits();
        let abs = b & 0x7FFF_FFFF;
        if abs > 0x7F80_0000 {
            return Err(Error::NanInput);
        }
        if b == 0x7F80_0000 {
            pos_inf = pos_inf.wrapping_add(1); // ≤ N: no overflow
        }
        let k = key(b);
        if k > best {
            best = k;
            m = b;
        }
    }
    if pos_inf > 0 {
        return Ok(Scan::PosInf { count: pos_inf });
    }
    if m == 0xFF80_0000 {
        return Err(Error::AllNegInfinity);
    }
    Ok(Scan::Finite(Row::new(m)))
}

/// Per-row constants of the fixed-point form (module docs).
#[derive(Clone, Copy)]
pub(crate) struct Row {
    /// Fractional bits q of X = ⌊x·2^q⌋.
    pub q: i32,
    /// Largest biased exponent converted (larger |x| lie far below m).
    pub e_lim: u32,
    /// X of the maximum.
    pub mx: i64,
    /// ⌊104·2^q⌋: elements with X − M below −cut are dropped.
    pub cut: i64,
    /// The maximum itself.
    pub m: Num,
    /// |m| < 16: the 32-bit fast form ([`Row::d_q24`]) applies.
    pub fast: bool,
    /// ⌊m·2^24⌋ (fast rows).
    pub m24: i32,
}

impl Row {
    #[inline(always)]
    fn new(m_bits: u32) -> Row {
        let field = (m_bits >> 23) & 0xFF;
        let (q, e_lim) = if field < 151 {
            (32, 156)
        } else {
            (151 - field as i32, field + 37)
        };
        // 104·2^q = (104·2^32) >> (32 − q); 32 − q ∈ [0, 128].
        let cut = (104i64 << 32)
            .checked_shr(32i32.wrapping_sub(q).unsigned_abs())
            .unwrap_or(0);
        let mut row = Row {
            q,
            e_lim,
            mx: 0,
            cut,
            m: Num::from_bits(m_bits),
            fast: field < 131,
            m24: q24(m_bits).unwrap_or(0),
        };
        row.mx = row.fixed(m_bits).unwrap_or(0);
        row
    }

    /// X = ⌊x·2^q⌋ toward zero, or None for |x| too large to matter (E_x > e_lim) or ±∞.
    /// |X| < 2^62 (E_x ≤ e_lim gives |x|·2^q < 2^(e_lim − 126 + q) ≤ 2^62).
    #[inline(always)]
    pub fn fixed(&self, bits: u32) -> Option<i64> {
        let field = (bits >> 23) & 0xFF;
        if field > self.e_lim || field == 0xFF {
            return None;
        }
        let frac = bits & 0x007F_FFFF;
        let (mant, field) = if field == 0 {
            (frac, 1)
        } else {
            (frac | 0x0080_0000, field)
        };
        // x·2^q = mant·2^(field − 150 + q).
        let s = (field as i32).wrapping_sub(150).wrapping_add(self.q);
        let v = if s >= 0 {
            i64::from(mant) << (s & 63) // s ≤ 38 from e_lim: < 2^62
        } else {
            i64::from(mant).checked_shr(s.unsigned_abs()).unwrap_or(0)
        };
        // |v| < 2^62: the negation cannot wrap.
        Some(if bits >> 31 != 0 { v.wrapping_neg() } else { v })
    }

    /// Fast rows (|m| < 16): d = x − m in Q24 (x and m truncated to Q24, so |error| < 2^−23)
    /// for the elements that matter (−104 ≤ d ≤ 0), None for the others (|x| ≥ 128 lies
    /// below m − 104 here).
    #[inline(always)]
    pub fn d_q24(&self, bits: u32) -> Option<i32> {
        let x = q24(bits)?;
        // m24 ≥ −16·2^24, so the limit ≥ −120·2^24 and x − m24 cannot wrap once x ≥ it.
        if x < self.m24.wrapping_sub(CUT_Q24) {
            return None;
        }
        Some(x.wrapping_sub(self.m24))
    }

    /// d = x − m in Q32 for the elements that matter (−104 ≤ d ≤ 0), None for the others.
    #[inline(always)]
    pub fn d_q32(&self, bits: u32) -> Option<i64> {
        let d = self.fixed(bits)?.wrapping_sub(self.mx); // |X|, |M| < 2^62: no overflow
        if d < -self.cut {
            return None;
        }
        // |d| ≤ 104·2^q, so d·2^(32 − q) ≤ 104·2^32 < 2^39.
        Some(d << (32i32.wrapping_sub(self.q) & 63))
    }
}

/// 104 in Q24.
const CUT_Q24: i32 = 104 << 24;

/// ⌊x·2^24⌋ toward zero for |x| < 128 (None for larger |x|, ±∞).
#[inline(always)]
pub(crate) fn q24(bits: u32) -> Option<i32> {
    let field = (bits >> 23) & 0xFF;
    if field >= 134 {
        return None;
    }
    let frac = bits & 0x007F_FFFF;
    let mant = if field == 0 { frac } else { frac | 0x0080_0000 };
    // x·2^24 = mant·2^(field − 126): a left shift of at most 7 (< 2^31) or a right shift.
    let v = if field >= 126 {
        (mant << ((field - 126) & 31)) as i32
    } else {
        mant.checked_shr(126 - field).unwrap_or(0) as i32
    };
    Some(if bits >> 31 != 0 { v.wrapping_neg() } else { v }) // |v| < 2^31
}

/// 64·log2 e in Q24, rounded.
const LOG2E_64_Q24: i32 = 1_549_082_005;
/// ln2/64 = (C_HI·2^−24 + C_LO·2^−40): C_HI is ⌊ln2/64·2^24⌋, C_LO the rest in Q40, rounded
/// (|error| < 2^−41, times |n| ≤ 9601 < 2^−27.7).
const C_HI_Q24: i32 = 181_704;
const C_LO_Q40: i32 = 24_543;

/// e^d for a fast row's d ∈ [−104, 0] in Q24 (as [`term`], all in 32-bit words):
/// n = round(d·64·log2 e) from one high-half product (off by < 1 unit of 2^−16 before rounding);
/// t = d − n·ln2/64 = ((d − n·C_HI) << 8) − (n·C_LO >> 8) in Q32 (|d − n·C_HI| < 2^18, so no
/// overflow; the product n·C_LO < 2^30).
#[inline(always)]
pub(crate) fn term_q24(d: i32) -> (u32, i32) {
    let n = mul_hi_i32(d, LOG2E_64_Q24).wrapping_add(1 << 15) >> 16; // ∈ [−9601, 0]
    let a = d.wrapping_sub(n.wrapping_mul(C_HI_Q24));
    let t = a
        .wrapping_shl(8)
        .wrapping_sub(n.wrapping_mul(C_LO_Q40) >> 8);
    term_nt(n, t)
}

/// e^d for −104 ≤ d ≤ 0 in Q32: (mantissa ∈ [2^31, 2^32), exponent k ∈ [−152, 0]) with value
/// mantissa·2^(k − 31) (module docs: relative error ≤ 2^−29.5).
#[inline(always)]
pub(crate) fn term(d: i64) -> (u32, i32) {
    let d8 = (d >> 24) as i32; // Q8, ∈ [−26624, 0]
    let n = (d8.wrapping_mul(LOG2E_64_Q8).wrapping_add(1 << 15)) >> 16; // ≥ −9601
    let t = (d << 16).wrapping_sub(i64::from(n).wrapping_mul(LN2_64_Q48)); // Q48, |t| < 0.01
    let t = (t >> 16) as i32; // Q32
    term_nt(n, t)
}

/// 2^(n/64)·e^t for n ∈ [−9601, 0] and |t| < 0.0099 in Q32: (mantissa, k) as in [`term`].
#[inline(always)]
fn term_nt(n: i32, t: i32) -> (u32, i32) {
    let h = H2.wrapping_add(mul_hi_i32(t, H3)); // 1/2 + t/6, Q31
    let g = mul_hi_i32(t, h); // t/2 + t²/6, Q31
    let p = t.wrapping_add(mul_hi_i32(t, g).wrapping_shl(1)); // e^t − 1, Q32
    let tab = match EXP2_TABLE.get((n & 63) as usize) {
        Some(&v) => v,
        None => 1 << 31, // unreachable: n & 63 < 64
    };
    // tab·(1 + p): |p| < 0.0099 and tab·e^t < 2^32·0.999, so no wrap.
    let mant = if p >= 0 {
        tab.wrapping_add(mul_hi(tab, p as u32))
    } else {
        tab.wrapping_sub(mul_hi(tab, p.unsigned_abs()))
    };
    let k = n >> 6;
    if mant < 1 << 31 {
        (mant << 1, k.wrapping_sub(1))
    } else {
        (mant, k)
    }
}

/// The stored form of a term in the output slot (an f32 bit pattern until pass 3 rewrites
/// it): the mantissa rounded to 24 bits (bit 23 set; relative error ≤ 2^−24) and k + 152 in
/// the top byte (k ∈ [−152, 0], and a rounding carry k + 1 ≤ 1); 0 for a dropped element.
#[inline(always)]
pub(crate) fn encode(mant: u32, k: i32) -> u32 {
    let (m24, k) = match mant.checked_add(0x80) {
        Some(r) => (r >> 8, k),
        None => (1 << 23, k.wrapping_add(1)),
    };
    ((k.wrapping_add(152) as u32) << 24) | m24
}

/// The inverse of [`encode`] for a nonzero word: (mantissa, k).
#[inline(always)]
pub(crate) fn decode(w: u32) -> (u32, i32) {
    ((w & 0x00FF_FFFF) << 8, ((w >> 24) as i32).wrapping_sub(152))
}

/// The exact two-word sum of the terms in Q48 (module docs: no overflow).
#[derive(Clone, Copy, Default)]
pub(crate) struct Sum {
    lo: u64,
    hi: u64,
}

impl Sum {
    /// Adds mantissa·2^(k − 31), truncated to Q48.
    #[inline(always)]
    pub fn add(&mut self, mant: u32, k: i32) {
        // Q48: mant·2^(k + 17); k ≤ 0, so the left shift is at most 17 (< 2^49). Built from
        // 32-bit shifts (a variable 64-bit shift is a library call on the Cortex-M0).
        let s = k.wrapping_add(17);
        let v = if s > 0 {
            let s = s.unsigned_abs() & 31; // 1…17
            (u64::from(mant.wrapping_shr(32 - s)) << 32) | u64::from(mant << s)
        } else {
            u64::from(mant.checked_shr(s.unsigned_abs()).unwrap_or(0))
        };
        let (lo, carry) = self.lo.overflowing_add(v);
        self.lo = lo;
        self.hi = self.hi.wrapping_add(u64::from(carry)); // < 2^46 (module docs)
    }

    /// The sum as a [`Num`] (truncated to 32 bits).
    #[inline(always)]
    pub fn num(self) -> Num {
        if self.hi == 0 {
            return Num::from_u64(false, self.lo, -48).0;
        }
        let lz = self.hi.leading_zeros();
        let top = (self.hi << lz) | (self.lo.checked_shr(64 - lz).unwrap_or(0));
        Num::from_u64(false, top, 16i32.wrapping_sub(lz as i32)).0
    }
}
