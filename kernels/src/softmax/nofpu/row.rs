//! The passes shared by the FPU-free softmax family: the scan (maximum; checks and +∞ count
//! from it), the per-element term e^(x_i − m), and the exact sum.
//!
//! # The fast path (rows with |m| < 16: every row of logits in practice)
//!
//! x and m in Q24 by [`conv_q24`] (|x| < 128; an x ≤ −128 lies more than 104 below m; the
//! per-element conversion is inline for 2^−24 ≤ |x| < 128, one range check of the shift, and
//! out of line for zeros and the rest), a = m − x ≥ 0 in one 32-bit word, e^(−a) by
//! `math::int::exp_neg_q24` (1 KiB table of 2^(−j/256), a quadratic, one high product;
//! relative error < 2^−25.0 for K ≤ 30: < 2^−26.2 plus a scale error, e^(−a(1 + ε)) with
//! 0 ≤ ε < 1.29·10^−9 from ln2/256 rounded down, which spares a clamp). Terms with a < 21 (a ≤ [`FAST_A_MAX`], K ≤ 30,
//! terms > 2^−30.3) are stored as K and ⌊mant/2^6⌋ (25 bits) in one word ([`fast_word`]),
//! and that 25-bit mantissa is summed exactly in [`Bins`] (one u32 addition into the bin of
//! K, no shift per element; a carry out of a bin is counted out of line); smaller terms take
//! the normalised form below ([`small_term`], kept for the relative precision of outputs down
//! to 2^−126), their Q63 values added to the exact sum out of line. Pass 3 multiplies a fast
//! word by 1/S with one high product and packs it by adding to the exponent field (the result
//! lies in [2^−96, 1]: always normal). Error budget of a softmax output (u = 2^−24): x
//! truncated to Q24 (2^−24 absolute, m's truncation cancels) 1u, term 2·2^−26.2 < 0.5u,
//! the scale error ε·|a'_i − ā'| (a' = a < 21 for the fast terms, 0 for the small ones,
//! which have none; ā' a weighted mean of the a') < 21ε < 2^−25.1 (0.47u), stored word
//! truncated by δ_i ∈ [0, 2^−23.99) and the sum of the same words exact (so S carries a
//! weighted mean of the same truncations, and the ratio is within 1u), 1/S 2^−29, product
//! 2^−31, rounding half up 1u: < 4.1u ≈ 2.4e−7.
//!
//! # Other rows (|m| ≥ 16): fixed point relative to the row
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
//! Each term is < 2 and is added as a Q63 integer (< 2^64) into a u128 ([`Sum63`]); a slice
//! holds fewer than 2^64 elements, so the sum stays below 2^128. On the fast path the bins
//! (u32, a carry adding its weight 2^(70 − K) to a u128 out of line: [`Bins`]) hold the
//! 25-bit words exactly, and are added up once per row by Horner's rule. Terms below 2^−63
//! are truncated from the sum (not from the outputs): with S ≥ 1 (the maximum's term is
//! exactly 1) that is below N·2^−63 relative.
//!
//! # Error budget of a softmax output on the other rows (u = 2^−24)
//!
//! term 2^−29.5 + stored mantissa rounded to 24 bits 1u + sum < 0.1u + 1/S truncated 2^−31 +
//! product truncated 2^−31 + final rounding 1u: ≤ 2.2u ≈ 1.3e−7 relative for outputs
//! ≥ 2^−126; the contract is 5e−7. The terms with a ≥ 21 of fast rows ([`term_q24`]) add the
//! Q24 truncation of x (1u).

use crate::math::int::{exp_neg_q24, mul_hi, mul_hi_i32, Num, EXP2_TABLE, EXP_NEG_Q24_MAX};
use crate::Error;

/// 64·log2 e in Q8, rounded (23637.1…).
const LOG2E_64_Q8: i32 = 23_637;
/// ln2/64 in Q48, rounded.
const LN2_64_Q48: i64 = 3_048_493_539_143;
/// 1/2 and 1/6 in Q31, rounded.
const H2: i32 = 1 << 30;
const H3: i32 = 357_913_941;

/// What the scan found.
#[derive(Clone, Copy)]
pub(crate) enum Scan {
    /// The maximum is finite: the per-row constants.
    Finite(Row),
    /// `count` elements are +∞.
    PosInf { count: usize },
}

/// Whether the bits are a NaN.
#[inline(always)]
pub(crate) fn is_nan(bits: u32) -> bool {
    bits & 0x7FFF_FFFF > 0x7F80_0000
}

/// Pass 1: NaN anywhere → `NanInput`; empty → `Empty`; every element −∞ → `AllNegInfinity`.
///
/// The loop only keeps the largest bit pattern read as an i32 (one compare per element). If
/// it is ≥ 0, some element has its sign bit clear, and the patterns of those are ordered as
/// their floats (a positive NaN above +∞), so it is the maximum. Otherwise every element has
/// its sign bit set, and the float maximum is the smallest such i32 (the smallest
/// magnitude; a negative NaN is the largest): a second loop finds it. The checks follow
/// from the maximum: a positive NaN is the maximum itself; a maximum of +∞ or −∞ takes a
/// further pass (count, NaN check); with a finite maximum, a negative NaN can remain, and
/// pass 2 reports it (every element with |x| ≥ 128 or a non-finite one leaves its fast path
/// for [`rare`]).
#[inline(always)]
pub(crate) fn scan(x: &[f32]) -> Result<Scan, Error> {
    if x.is_empty() {
        return Err(Error::Empty);
    }
    let mut best = i32::MIN;
    for &v in x {
        best = best.max(v.to_bits() as i32);
    }
    if best < 0 {
        for &v in x {
            best = best.min(v.to_bits() as i32);
        }
    }
    let m = best as u32;
    if is_nan(m) {
        return Err(Error::NanInput);
    }
    if m == 0x7F80_0000 || m == 0xFF80_0000 {
        let mut pos_inf = 0usize;
        for &v in x {
            let b = v.to_bits();
            if is_nan(b) {
                return Err(Error::NanInput);
            }
            pos_inf = pos_inf.wrapping_add(usize::from(b == 0x7F80_0000)); // ≤ N: no overflow
        }
        if pos_inf > 0 {
            return Ok(Scan::PosInf { count: pos_inf });
        }
        return Err(Error::AllNegInfinity);
    }
    Ok(Scan::Finite(Row::new(m)))
}

/// Pass 2's answer for an element that left the fast path's conversion (|x| ≥ 128, ±∞,
/// NaN): `NanInput` for a NaN, else the dropped word 0 (on a fast row such an x is ≤ −128,
/// more than 104 below the maximum).
#[cold]
// Out of line in the builds (off the hot loop); inlined for the no-panic proof, which
// cannot see through a call (as zloss does).
#[cfg_attr(not(assert_no_panic), inline(never))]
#[cfg_attr(assert_no_panic, inline(always))]
pub(crate) fn rare(bits: u32) -> Result<u32, Error> {
    if is_nan(bits) {
        Err(Error::NanInput)
    } else {
        Ok(0)
    }
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
    /// m in Q24 by [`conv_q24`] (fast rows).
    pub m24c: i32,
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
            m24c: conv_q24(m_bits).unwrap_or(0),
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

/// x·2^24 for |x| < 128 as a signed integer, or None for |x| ≥ 128, ±∞ and NaN: the
/// magnitude truncated (|error| < 2^−24, ±0 give 0), monotone non-decreasing in x.
#[inline(always)]
pub(crate) fn conv_q24(bits: u32) -> Option<i32> {
    // x·2^24 = (mantissa·2^7)·2^(field − 133): a right shift by s = 133 − field ≥ 0, clamped
    // to 31 (the shifted value, < 2^31, is then 0: |x| < 2^−24, zeros and subnormals).
    let s = 133i32.wrapping_sub(((bits >> 23) & 0xFF) as i32);
    if s < 0 {
        return None;
    }
    let v = ((((bits << 8) | 0x8000_0000) >> 1) >> s.unsigned_abs().min(31)) as i32; // < 2^31
    Some(if bits >> 31 != 0 { v.wrapping_neg() } else { v })
}

/// The exact sum of the terms in Q63, in a u128: each term is < 2 (< 2^64 in Q63) and a slice
/// holds fewer than 2^64 elements, so the sum stays below 2^128 for any N. Terms below
/// 2^−63 are truncated (the fast terms are added as their stored 25-bit words, exactly:
/// [`Bins`]).
#[derive(Clone, Copy, Default)]
pub(crate) struct Sum63 {
    acc: u128,
}

impl Sum63 {
    /// Adds v (Q63).
    #[inline(always)]
    pub fn add_q63(&mut self, v: u64) {
        self.acc = self.acc.wrapping_add(u128::from(v)); // < 2^128 (above)
    }

    /// The sum as a [`Num`] (truncated to 32 bits).
    #[inline(always)]
    pub fn num(self) -> Num {
        Num::from_u128(false, self.acc, -63).0
    }
}

/// The terms of a fast row by exponent: bin k < 31 holds Σ ⌊mant/2^6⌋ of the terms
/// mant·2^(−k−31) (the 25-bit mantissas of the stored words, [`fast_word`]; no shift per
/// element). A bin is a u32: an addition that carries out of it (at most once per 128
/// additions) adds the carry's weight to `extra` instead (cold), and the smaller terms add
/// their Q63 values (< 2^64) to `extra` directly (cold), so the total is exact for any N:
/// `extra` takes fewer than N additions of at most 2^70, below 2^128 for any slice.
#[derive(Clone, Copy)]
pub(crate) struct Bins {
    lo: [u32; 32],
    extra: u128,
}

impl Bins {
    /// Empty bins.
    #[inline(always)]
    pub fn new() -> Bins {
        Bins {
            lo: [0; 32],
            extra: 0,
        }
    }

    /// Adds v to bin k (k ≤ 30).
    #[inline(always)]
    pub fn add(&mut self, k: u32, v: u32) {
        let carry = match self.lo.get_mut((k & 31) as usize) {
            Some(b) => {
                let (s, c) = b.overflowing_add(v);
                *b = s;
                c
            }
            None => false, // unreachable: k & 31 < 32
        };
        if carry {
            self.carry(k);
        }
    }

    /// A carry out of bin k ≤ 30: 2^32 units of the bin, 2^(32 + 38 − k) in Q63.
    #[cold]
    #[cfg_attr(not(assert_no_panic), inline(never))]
    #[cfg_attr(assert_no_panic, inline(always))]
    fn carry(&mut self, k: u32) {
        let s = 70u32.wrapping_sub(k & 31); // ≥ 39
        self.extra = self.extra.wrapping_add(1u128 << (s & 127)); // < 2^128 (type docs)
    }

    /// Adds a smaller term's Q63 value (called from the cold [`small_term`] path).
    #[inline(always)]
    pub fn add_small(&mut self, v: u64) {
        self.extra = self.extra.wrapping_add(u128::from(v)); // < 2^128 (type docs)
    }

    /// The exact sum in Q63: Σ_{k<31} bin_k·2^(38 − k) + extra. The bins by Horner's rule
    /// in a u64 (Σ bin_k·2^(30 − k) < 2^32·2^31 = 2^63), then shifted by 8.
    #[inline(always)]
    pub fn sum(&self) -> Sum63 {
        let mut h = 0u64;
        for &b in self.lo.iter().take(31) {
            h = (h << 1).wrapping_add(u64::from(b)); // < 2^63 (above)
        }
        Sum63 {
            acc: (u128::from(h) << 8).wrapping_add(self.extra), // < 2^128 (type docs)
        }
    }
}

/// The stored word of a fast term mant·2^(−k−31) (mant ∈ (2^29.99, 2^31], k ≤ 30): k in bits
/// 26…30 and ⌊mant/2^6⌋ below (≤ 2^25; relative truncation < 2^−23.99); bit 31 clear, never 0.
#[inline(always)]
pub(crate) fn fast_word(mant: u32, k: u32) -> u32 {
    (k << 26) | (mant >> 6)
}

/// The stored word of a term in the form of [`term`] (mantissa normalised, k ∈ [−152, 0]):
/// bit 31 set, k + 152 in bits 23…30, the mantissa rounded to 24 bits without its leading
/// one (a rounding carry moves k up by one, at most to 1).
#[inline(always)]
pub(crate) fn slow_word(mant: u32, k: i32) -> u32 {
    let (m24, k) = match mant.checked_add(0x80) {
        Some(r) => (r >> 8, k),
        None => (1 << 23, k.wrapping_add(1)),
    };
    0x8000_0000 | (((k.wrapping_add(152) as u32) & 0xFF) << 23) | (m24 & 0x007F_FFFF)
}

/// The inverse of [`slow_word`]: (mantissa, k).
#[inline(always)]
pub(crate) fn slow_decode(w: u32) -> (u32, i32) {
    (
        (w << 8) | 0x8000_0000,
        (((w >> 23) & 0xFF) as i32).wrapping_sub(152),
    )
}

/// Pass 2 for one element of a fast row (|m| < 16): the stored word, its term added to
/// `bins`. −∞, elements more than 104 below m (x ≤ −128 among them) give 0; NaN gives
/// `NanInput`. Terms with a < 21 (K ≤ 30) come from [`exp_neg_q24`]; smaller ones from
/// [`term_q24`] (normalised, for the relative precision of tiny outputs).
///
/// The conversion to Q24 inline takes 2^−24 ≤ |x| < 128 (one unsigned range check of the
/// shift); zeros, tinier |x|, |x| ≥ 128, ±∞ and NaN take [`fast_elem_other`].
#[inline(always)]
pub(crate) fn fast_elem(bits: u32, m24: i32, bins: &mut Bins) -> Result<u32, Error> {
    let s = 134u32.wrapping_sub((bits >> 23) & 0xFF);
    if s > 31 {
        return fast_elem_other(bits, m24, bins);
    }
    let v = q24_mag(bits, s);
    let xq = with_sign(v, bits);
    // x ≤ m, so xq ≤ m24; |xq| < 2^31, |m24| < 2^28: the true difference is < 2^32.
    Ok(fast_term(m24.wrapping_sub(xq) as u32, bins))
}

/// |x|·2^24 truncated for the bits of an x with 2^−24 ≤ |x| < 128, given s = 134 − the
/// exponent field ∈ [1, 31]: the significand with its leading one at bit 31 (the exponent's
/// low bit, shifted to bit 31, is replaced by the one: a logical or with an immediate, no mask
/// constant), shifted right by s ≥ 1 (so < 2^31).
#[inline(always)]
fn q24_mag(bits: u32, s: u32) -> i32 {
    (((bits << 8) | 0x8000_0000) >> (s & 31)) as i32
}

/// v with the sign of the f32 bit pattern `bits` (the same value either way: a sign mask on
/// cores with shifted operands, two operations; a branch on ARMv6-M, where that is shorter).
#[inline(always)]
fn with_sign(v: i32, bits: u32) -> i32 {
    #[cfg(all(target_arch = "arm", not(target_has_atomic = "32")))]
    {
        if bits >> 31 != 0 {
            v.wrapping_neg()
        } else {
            v
        }
    }
    #[cfg(not(all(target_arch = "arm", not(target_has_atomic = "32"))))]
    {
        let sgn = (bits as i32) >> 31;
        (v ^ sgn).wrapping_sub(sgn)
    }
}

/// [`fast_elem`] for the elements its inline conversion leaves: [`conv_q24`], then the same
/// term, or [`rare`].
#[cold]
#[cfg_attr(not(assert_no_panic), inline(never))]
#[cfg_attr(assert_no_panic, inline(always))]
fn fast_elem_other(bits: u32, m24: i32, bins: &mut Bins) -> Result<u32, Error> {
    match conv_q24(bits) {
        Some(xq) => Ok(fast_term(m24.wrapping_sub(xq) as u32, bins)),
        None => rare(bits),
    }
}

/// The word of the term e^(−a) for a fast row's a = m − x ∈ [0, 2^32) in Q24, its value
/// added to `bins`.
#[inline(always)]
fn fast_term(a: u32, bins: &mut Bins) -> u32 {
    if a <= FAST_A_MAX {
        let (mant, k) = exp_neg_q24(a);
        bins.add(k, mant >> 6);
        fast_word(mant, k)
    } else {
        let (w, v) = small_term(a);
        bins.add_small(v);
        w
    }
}

/// The word [`fast_diff`] stores for an element without a Q24 difference (|x| ≥ 128, −∞):
/// no a reaches it (a < 144·2^24).
pub(crate) const NO_A: u32 = u32::MAX;

/// Pass 2 of log-softmax on a fast row: as [`fast_elem`], but the stored word is a = m − x
/// in Q24 itself (pass 3 needs only a + ln S), or [`NO_A`].
#[inline(always)]
pub(crate) fn fast_diff(bits: u32, m24: i32, bins: &mut Bins) -> Result<u32, Error> {
    let s = 134u32.wrapping_sub((bits >> 23) & 0xFF);
    if s > 31 {
        return fast_diff_other(bits, m24, bins);
    }
    let v = q24_mag(bits, s);
    let xq = with_sign(v, bits);
    let a = m24.wrapping_sub(xq) as u32; // < 144·2^24 (fast_elem)
    fast_term(a, bins);
    Ok(a)
}

/// [`fast_diff`] for the elements its inline conversion leaves (as [`fast_elem_other`]).
#[cold]
#[cfg_attr(not(assert_no_panic), inline(never))]
#[cfg_attr(assert_no_panic, inline(always))]
fn fast_diff_other(bits: u32, m24: i32, bins: &mut Bins) -> Result<u32, Error> {
    match conv_q24(bits) {
        Some(xq) => {
            let a = m24.wrapping_sub(xq) as u32;
            fast_term(a, bins);
            Ok(a)
        }
        None => {
            rare(bits)?;
            Ok(NO_A)
        }
    }
}

/// The largest a taken as a fast term: a < 21 (Q24), where [`exp_neg_q24`] gives K ≤ 30
/// (N ≤ 21·256·log2 e < 7,758 < 31·256; the exact limit, ⌊a/2^14⌋ ≤ 22,003, is a little
/// higher, but 21·2^24 is a compare with an immediate on ARMv7-M).
pub(crate) const FAST_A_MAX: u32 = (21 << 24) - 1;

/// The word and the Q63 value of a term below 2^−30.3 (a > [`FAST_A_MAX`]): normalised by
/// [`term_q24`] (for the relative precision of tiny outputs), or (0, 0) beyond the cut.
#[cold]
// Out of line in the builds (off the hot loop); inlined for the no-panic proof, which
// cannot see through a call (as zloss does).
#[cfg_attr(not(assert_no_panic), inline(never))]
#[cfg_attr(assert_no_panic, inline(always))]
pub(crate) fn small_term(a: u32) -> (u32, u64) {
    if a > EXP_NEG_Q24_MAX {
        return (0, 0);
    }
    let (m, k) = term_q24((a as i32).wrapping_neg()); // a < 2^31
    (slow_word(m, k), q63(m, k))
}

/// mant·2^(k − 31) for a normalised mant and k ∈ [−160, 0] (the form of [`term`]) in Q63,
/// truncated.
#[inline(always)]
pub(crate) fn q63(mant: u32, k: i32) -> u64 {
    let s = k.wrapping_add(32);
    if s >= 0 {
        let s = s.unsigned_abs(); // 0…32
        let hi = if s == 0 {
            0
        } else {
            mant >> (32u32.wrapping_sub(s) & 31)
        };
        let lo = if s >= 32 { 0 } else { mant << (s & 31) };
        (u64::from(hi) << 32) | u64::from(lo)
    } else {
        u64::from(mant.checked_shr(s.unsigned_abs()).unwrap_or(0))
    }
}

/// The number of leading zeros of a nonzero v (a `clz` where the core has one; a binary
/// search on ARMv6-M, which has none: no library call).
#[inline(always)]
pub(crate) fn clz(v: u32) -> u32 {
    #[cfg(all(target_arch = "arm", not(target_has_atomic = "32")))]
    {
        let (mut v, mut n) = (v, 0);
        if v < 1 << 16 {
            n += 16;
            v <<= 16;
        }
        if v < 1 << 24 {
            n += 8;
            v <<= 8;
        }
        if v < 1 << 28 {
            n += 4;
            v <<= 4;
        }
        if v < 1 << 30 {
            n += 2;
            v <<= 2;
        }
        if v < 1 << 31 {
            n += 1;
        }
        n
    }
    #[cfg(not(all(target_arch = "arm", not(target_has_atomic = "32"))))]
    {
        v.leading_zeros()
    }
}

/// −v·2^−24 as an f32 for v < 2^32 (the magnitude rounded half up to 24 bits; every such
/// value is a normal f32 or zero), +0 for v = 0.
#[inline(always)]
pub(crate) fn neg_q24(v: u32) -> f32 {
    if v == 0 {
        return 0.0;
    }
    let lz = clz(v);
    // v·2^−24 = (n/2^31)·2^(7 − lz) with n = v << lz ∈ [2^31, 2^32): field − 1 = 133 − lz,
    // and the rounded significand ∈ [2^23, 2^24] carries into the field by itself.
    let sig = ((v.wrapping_shl(lz) >> 7).wrapping_add(1)) >> 1; // lz < 32 (v ≠ 0)
    f32::from_bits(0x8000_0000 | ((133u32.wrapping_sub(lz) << 23).wrapping_add(sig)))
}
