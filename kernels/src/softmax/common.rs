//! Shared passes of the f32 softmax family: argument checks, the max pass, the exact
//! exponentiate-and-sum pass in (mantissa, exponent) form, and compensated summation.
//!
//! # Representation
//!
//! For a row x with maximum m, let c = m if |m| ≥ 256, else c = 0, and d_i = x_i − c.
//! * c = 0: d_i = x_i exactly.
//! * c = m (|m| ≥ 256): every element that can contribute (x_i ≥ m − 104) lies within a factor 2
//!   of m, so d_i = x_i − m is exact (Sterbenz); others round but stay below −104.
//!
//! d_i is clamped to [(n_ref − 151)·ln2, 256) (c = 0 gives d_i ≤ m < 256, c = m gives d_i ≤ 0;
//! n_ref is defined below), so the Cody–Waite reduction d_i = n_i·ln2 + t_i has
//! |n_i| ≤ 520 < 2^11 and is exact up to the last rounding of t_i. e^(d_i) = p_i·2^(n_i) with p_i
//! = e^(t_i) ∈ [0.707, 1.415] by the degree-6
//! polynomial of [`crate::math`]. With n_ref the exponent of the maximum (n is monotone in d,
//! so n_i ≤ n_ref), the stored term is
//!
//!   e'_i = p_i · 2^(n_i − n_ref + 24)   (0 when the element was clamped: n_i − n_ref = −151),
//!
//! built from the exponent bits, exact (no rounding beyond p_i). The factor 2^24 keeps terms
//! down to 2^−150 of the maximum term representable as normal numbers; dropped terms have
//! y_i < 2^−150. Then y_i = e'_i · (1/S) with S = Σ e'_i.
//!
//! # No accumulator overflows
//!
//! Each e'_i ≤ 1.415·2^24 < 2^25 because n_i ≤ n_ref, so S ≤ N·2^25 and the Kahan sum and its
//! compensation (|comp| ≤ ulp(S)) stay below 2^25·N < 2^89 for any slice length N ≤ 2^64
//! (f32::MAX ≈ 2^128). S ≥ e'_max ≥ 0.707·2^24, so 1/S is a normal number and never ∞.
//!
//! # Error budget (u = 2^−24)
//!
//! p_i: ≤ 2u relative (the exp polynomial and reduction: 0.991 ulp of p measured over every
//! f32 through `math::exp`, which shares the code); S: ≤ 2u from the p_j plus the Kahan error
//! of non-negative terms, 2u + N·u² (N·u² < 2^−28 for N ≤ 2^20); 1/S and the product: u each.
//! Total for y_i ≥ 2^−126: ≤ 2u + 4u + u + u = 8u ≈ 4.8e−7 < 5e−7 for N ≤ 2^20. Smaller y_i:
//! the final product rounds once into the subnormal range (≤ 2^−150) plus 8u·2^−126, and
//! dropped terms are < 2^−150: ≤ 2^−148 in total.

use crate::math::reduce::{exp_poly, reduce, LN2_HI, LN2_LO, LOG2E, MAGIC};
use crate::Error;

/// |max| at and above which the row is shifted by its maximum.
const SHIFT_AT: f32 = 256.0;

/// The outcome of the max pass.
#[derive(Clone, Copy)]
pub(crate) enum Peak {
    /// The maximum is finite: shift c, reference exponent n_ref.
    Finite {
        /// The shift c subtracted from every element.
        c: f32,
        /// Exponent of the maximum's reduction.
        n_ref: i32,
    },
    /// Some elements are +∞ (the others get 0): `count` of them.
    PosInf { count: usize },
}

impl Peak {
    /// The per-row constants of [`term`] for the reference exponent `n_ref`.
    #[inline(always)]
    pub(crate) fn off(n_ref: i32) -> Terms {
        let k = n_ref.wrapping_sub(151);
        Terms {
            // round(lo·log2 e) = n_ref − 151 exactly (|k| ≤ 1600: the f32 rounding of k·ln2
            // moves lo·log2 e by < 4e−4).
            lo: k as f32 * core::f32::consts::LN_2,
            off_bits: (151i32.wrapping_sub(n_ref) as u32) << 23,
        }
    }
}

/// Per-row constants of [`term`].
#[derive(Clone, Copy)]
pub(crate) struct Terms {
    /// Lower clamp (n_ref − 151)·ln2 of d: a clamped element gets exponent field 0, i.e.
    /// exactly 0, and every element above it a field in [0, 151].
    pub(crate) lo: f32,
    /// (151 − n_ref) << 23.
    pub(crate) off_bits: u32,
}

pub(crate) use crate::error::same_len;

/// The max pass over `map(x_i)` (`map` must be monotone non-decreasing). NaN is ignored here (it
/// is caught by the sum, which it makes
/// NaN) except where the row has no finite maximum.
#[inline(always)]
pub(crate) fn peak(x: &[f32], map: impl Fn(f32) -> f32) -> Result<Peak, Error> {
    if x.is_empty() {
        return Err(Error::Empty);
    }
    let mut m = f32::NEG_INFINITY;
    for &v in x {
        m = if v > m { v } else { m };
    }
    // `map` is monotone non-decreasing (identity or division by T > 0), so max map(x) = map(max x).
    let m = map(m);
    if m.is_infinite() {
        if x.iter().any(|&v| map(v).is_nan()) {
            return Err(Error::NanInput);
        }
        if m == f32::NEG_INFINITY {
            return Err(Error::AllNegInfinity);
        }
        let count = crate::count::count_where(x, |v| map(v) == f32::INFINITY);
        return Ok(Peak::PosInf { count });
    }
    let c = if m >= SHIFT_AT || m <= -SHIFT_AT {
        m
    } else {
        0.0
    };
    // m − c is 0 or lies in (−256, 256): no clamp needed.
    let (_, n_ref) = reduce(m - c);
    Ok(Peak::Finite { c, n_ref })
}

#[inline(always)]
pub(crate) fn clamp_low(d: f32, lo: f32) -> f32 {
    // NaN fails the comparison and is kept.
    if d < lo {
        lo
    } else {
        d
    }
}

/// e'(d) = e^d · 2^(151 − n_ref − 127) as described in the module docs.
///
/// d is clamped below at `r.lo` = (n_ref − 151)·ln2, so n = round(d·log2 e) ≥ n_ref − 151 and
/// the exponent field n − n_ref + 151 lies in [0, 151]: field 0 gives exactly 0 (the element's
/// true share is below 2^−150.5), no other clamp is needed. The field is built as
/// `off_bits + (bits(v) << 23)`: v = d·log2 e + 1.5·2^23 has bits 0x4B40_0000 + n, whose
/// constant part shifts out of the word. NaN stays NaN (p is NaN).
#[inline(always)]
pub(crate) fn term(d: f32, r: Terms) -> f32 {
    let d = clamp_low(d, r.lo);
    let v = d * LOG2E + MAGIC;
    let nf = v - MAGIC;
    let t = (d - nf * LN2_HI) - nf * LN2_LO;
    let scale = f32::from_bits(r.off_bits.wrapping_add(v.to_bits() << 23));
    exp_poly(t) * scale
}

/// Kahan's compensated sum (all terms here are non-negative).
#[derive(Clone, Copy)]
pub(crate) struct Kahan {
    pub(crate) sum: f32,
    pub(crate) comp: f32,
}

impl Kahan {
    #[inline(always)]
    pub(crate) fn new() -> Self {
        Kahan {
            sum: 0.0,
            comp: 0.0,
        }
    }
    #[inline(always)]
    pub(crate) fn add(&mut self, v: f32) {
        let y = v - self.comp;
        let t = self.sum + y;
        self.comp = (t - self.sum) - y;
        self.sum = t;
    }
}

/// Pass 2 into `y`: y_i = e'(map(x_i) − c); returns S (NaN if any input was NaN).
#[inline(always)]
pub(crate) fn exp_sum_into(
    x: &[f32],
    y: &mut [f32],
    c: f32,
    r: Terms,
    map: impl Fn(f32) -> f32,
) -> f32 {
    #[inline(always)]
    fn run(x: &[f32], y: &mut [f32], c: f32, r: Terms, map: impl Fn(f32) -> f32) -> f32 {
        let mut k = Kahan::new();
        for (out, &v) in y.iter_mut().zip(x) {
            let e = term(map(v) - c, r);
            *out = e;
            k.add(e);
        }
        k.sum
    }
    // Two copies of the loop: with c = 0 the compiler drops the subtraction (x − 0 = x
    // exactly, −0 included), 2 instructions per element on the Cortex-M4F.
    if c == 0.0 {
        run(x, y, 0.0, r, map)
    } else {
        run(x, y, c, r, map)
    }
}

/// Pass 2 in place.
#[inline(always)]
pub(crate) fn exp_sum_in_place(y: &mut [f32], c: f32, r: Terms, map: impl Fn(f32) -> f32) -> f32 {
    #[inline(always)]
    fn run(y: &mut [f32], c: f32, r: Terms, map: impl Fn(f32) -> f32) -> f32 {
        let mut k = Kahan::new();
        for out in y.iter_mut() {
            let e = term(map(*out) - c, r);
            *out = e;
            k.add(e);
        }
        k.sum
    }
    // As in `exp_sum_into`.
    if c == 0.0 {
        run(y, 0.0, r, map)
    } else {
        run(y, c, r, map)
    }
}

/// Pass 2 without storing: S only.
#[inline(always)]
pub(crate) fn exp_sum(x: &[f32], c: f32, r: Terms) -> f32 {
    let mut k = Kahan::new();
    for &v in x {
        k.add(term(v - c, r));
    }
    k.sum
}

/// 1/S after checking S for NaN.
#[inline(always)]
pub(crate) fn reciprocal(sum: f32) -> Result<f32, Error> {
    if sum.is_nan() {
        Err(Error::NanInput)
    } else {
        Ok(1.0 / sum)
    }
}

/// Pass 3: y_i *= inv.
#[inline(always)]
pub(crate) fn scale(y: &mut [f32], inv: f32) {
    for v in y.iter_mut() {
        *v *= inv;
    }
}

/// The +∞ case: each +∞ element gets 1/count, every other element 0.
#[inline(always)]
pub(crate) fn pos_inf_into(x: &[f32], y: &mut [f32], count: usize, map: impl Fn(f32) -> f32) {
    let share = 1.0 / count as f32;
    for (out, &v) in y.iter_mut().zip(x) {
        *out = if map(v) == f32::INFINITY { share } else { 0.0 };
    }
}

/// ln(S·2^−24) + n_ref·ln2_lo: with ln Z = c + n_ref·ln2_hi + this, log-softmax is
/// y_i = ((d_i − n_ref·ln2_hi) − this).
#[inline(always)]
pub(crate) fn log_tail(sum: f32, n_ref: i32) -> f32 {
    use crate::math::reduce::LN2_LO;
    crate::math::own::ln(sum * (1.0 / 16_777_216.0)) + n_ref as f32 * LN2_LO
}
