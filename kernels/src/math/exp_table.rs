//! e^x through a 16-entry table of 2^(j/16) and a degree-3 polynomial: the exponential of the
//! fast softmax pass ([`crate::softmax::anchored`]).
//!
//! x = (16·E + j)·(ln2/16) + t with n = 16·E + j = round(x·16·log2 e), j ∈ [0, 16), |t| ≤ ln2/32
//! (plus 2^−20 for the rounding of x·16·log2 e), so
//!
//!   e^x = 2^E · 2^(j/16) · e^t,  e^t ≈ 1 + t + C2·t² + C3·t³.
//!
//! The table stores only the 23 fraction bits of 2^(j/16)·(1 + γ) (correctly rounded to f32;
//! the exponent field is 0), so the scaled table entry is built with one integer add:
//! bits = TABLE[j] + (field << 23) is 2^(j/16)·(1 + γ)·2^(field − 127) for field ∈ [1, 254].
//! The factor 1 + γ (γ ≈ 8.8e−4, see [`GAMMA`]) cancels in a softmax and makes every table
//! entry accurate to 0.28u: this table serves the softmax only.
//!
//! Compared with the degree-6 polynomial of [`super::reduce`] this trades five floating-point
//! operations per element for an integer `and`, a load and an add, which pays on the
//! Cortex-M4F (2 instructions fewer per element in the softmax pass).
//!
//! Error budget (u = 2^−24, relative to e^x·(1 + γ)): table entry ≤ 0.2832u; polynomial (C2, C3 fitted by the
//! author for minimax relative error on |t| ≤ 0.0217, then rounded to f32) 0.027u; t: the
//! reduction below is exact up to the final rounding for |n| < 2^15 (|x| < 1419), ≤ 0.02u;
//! s·p (|p| ≤ 0.022) ≤ 0.011u; the final s + s·p rounds once, ≤ 1u. Sum ≤ 1.34u before the
//! caller's scaling; the measured maximum is in `tests` below.

/// 16·log2(e) rounded to f32.
pub(crate) const LOG2E_16: f32 = 23.083_12;
/// ln2/16 split for Cody–Waite: the head has 9 significant bits, so n·`LN2_16_HI` is exact for
/// |n| < 2^15 and x − n·`LN2_16_HI` is exact (Sterbenz) for n ≠ 0.
pub(crate) const LN2_16_HI: f32 = 355.0 / 8192.0; // 0x1.63p-5 exactly
/// ln2/16 − `LN2_16_HI`, rounded to f32.
pub(crate) const LN2_16_LO: f32 = -1.326_215_3e-5;
/// 1.5·2^23: v = x·16·log2 e + MAGIC has bits `MAGIC_BITS + n` for |x·16·log2 e| < 2^22.
pub(crate) use super::reduce::MAGIC;

const C2: f32 = 0.500_016_2;
const C3: f32 = 0.166_667_21;

/// The common factor of the table: every entry is 2^(j/16)·(1 + `GAMMA`) correctly rounded.
///
/// A factor shared by every term cancels in a softmax, so it is free to choose; this one (found
/// by a search over [0, 1.5e−3] in steps of 1e−12) makes all 16 roundings small: the worst is
/// 0.2832u instead of 0.98u for the plain 2^(j/16). Functions that need e^x itself must not use
/// this table.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const GAMMA: f64 = 0.000_880_105_294;

/// The fraction bits of 2^(j/16)·(1 + [`GAMMA`]), j = 0…15, each correctly rounded to f32.
pub(crate) const TABLE: [u32; 16] = [
    0x1cd7, 0x5_c8e1, 0xb_b535, 0x11_e4ab, 0x18_5a3c, 0x1f_1903, 0x26_243d, 0x2d_7f4d, 0x35_2dbc,
    0x3d_333b, 0x45_93a4, 0x4e_52fe, 0x57_757d, 0x60_ff85, 0x6a_f5ab, 0x75_5cb9,
];

/// Reduction of x (|x| < 1419 for exactness; any x gives finite or NaN results, no panic):
/// returns (t, bits of v) where `bits − MAGIC_BITS` = n = round(x·16·log2 e).
#[inline(always)]
pub(crate) fn reduce16(x: f32) -> (f32, i32) {
    let v = x * LOG2E_16 + MAGIC;
    let nf = v - MAGIC;
    let t = (x - nf * LN2_16_HI) - nf * LN2_16_LO;
    (t, v.to_bits() as i32)
}

/// e^t − 1 for |t| ≤ 0.0217: t + t²·(C2 + C3·t).
#[inline(always)]
pub(crate) fn expm1_poly3(t: f32) -> f32 {
    t + (t * t) * (C2 + t * C3)
}

/// The fraction bits of 2^(j/16) for j = `vbits` mod 16.
#[inline(always)]
pub(crate) fn fraction(vbits: i32) -> u32 {
    // `& 15` keeps the index in range, so the fallback is never taken (and compiles away).
    match TABLE.get((vbits & 15) as usize) {
        Some(&f) => f,
        None => 0,
    }
}

/// e^x·(1 + [`GAMMA`]) for x·log2 e ∈ [−125, 127] (normal results; relative error ≤ 1.34u for
/// x ≥ −80), the composition the softmax pass uses:
/// for tests and for the accuracy tool.
#[cfg(test)]
#[inline]
pub(crate) fn exp16_normal(x: f32) -> f32 {
    let (t, vb) = reduce16(x);
    // E = floor(n/16); (MAGIC_BITS >> 4) is the MAGIC part of vb >> 4 (MAGIC_BITS is a
    // multiple of 16).
    let field = (vb >> 4)
        .wrapping_sub(super::reduce::MAGIC_BITS >> 4)
        .wrapping_add(127);
    let s = f32::from_bits(fraction(vb).wrapping_add((field as u32) << 23));
    s + s * expm1_poly3(t)
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)]
mod tests {
    use super::*;

    #[test]
    fn table_is_correctly_rounded() {
        let mut worst = 0.0f64;
        for (j, &f) in TABLE.iter().enumerate() {
            let exact = 2f64.powf(j as f64 / 16.0) * (1.0 + GAMMA);
            assert_eq!(f, (exact as f32).to_bits() - (127 << 23), "j = {j}");
            let stored = f64::from(f32::from_bits(f + (127 << 23)));
            worst = worst.max((stored / exact - 1.0).abs() * 16_777_216.0);
        }
        assert!(worst < 0.2832, "{worst}");
        // The Cody–Waite head has 9 significant bits and the constants are the roundings.
        assert_eq!(LN2_16_HI.to_bits() & 0x7fff, 0);
        let ln2_16 = core::f64::consts::LN_2 / 16.0;
        assert_eq!(LOG2E_16, (1.0 / ln2_16) as f32);
        assert_eq!(LN2_16_LO, (ln2_16 - f64::from(LN2_16_HI)) as f32);
    }

    /// Max relative error against e^x·(1 + γ), in u = 2^−24, over a dense sample of [−80, 88]:
    /// the budget in the module docs says ≤ 1.34u. (Below about −80 the product s·p is subnormal and its rounding
    /// adds up to 2^−150 absolute: the softmax pass never needs relative accuracy there.)
    #[test]
    fn exp16_relative_error_within_budget() {
        let mut worst = 0.0f64;
        let mut at = 0.0f32;
        let (lo, hi) = (-80.0f32, 88.0f32);
        let steps = 2_000_000u32;
        for i in 0..=steps {
            let x = lo + (hi - lo) * (i as f32 / steps as f32);
            let got = f64::from(exp16_normal(x));
            let want = f64::from(x).exp() * (1.0 + GAMMA);
            let e = ((got - want) / want).abs() * 16_777_216.0;
            if e > worst {
                worst = e;
                at = x;
            }
        }
        assert!(worst <= 1.34, "max {worst} u at {at}");
        std::println!("exp16: max {worst:.3}u at {at}");
        assert!(
            worst > 0.5,
            "the sample must reach the rounding error: {worst}"
        );
    }
}
