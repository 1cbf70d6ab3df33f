//! ln(1 + r) for small r with full relative precision, and ln v for a 64-bit v·2^s.
//!
//! ln v: v = 2^e·m' with m' ∈ [0.75, 1.5); j = ⌊(m' − 0.75)·64⌋ picks c_j = k_j/256
//! (k_j = round(256/centre of the j-th interval), and c = 1 on the two intervals touching 1),
//! so that r = m'·c_j − 1 is computed exactly and |r| ≤ 1/64; then
//! ln v = e·ln 2 − ln c_j + ln(1 + r). Where e = 0 and c_j = 1, ln v = ln(1 + r) itself,
//! returned with the relative precision of [`ln1p_small`] (so ln of 1 + 2^−23 keeps all its
//! bits); elsewhere |ln v| ≥ ln(1 + 1/64) > 0.0155 and the three terms are summed in Q48
//! (absolute error ≤ 3·2^−48, relative ≤ 2^−41.6).
//!
//! ln(1 + r) = r·(1 + q), q = −r/2 + r²/3 − r³/4 + r⁴/5 − r⁵/6 (omitted r⁶/7 < 2^−38.8),
//! Horner in Q31 on r in Q32: |q|'s absolute error ≤ 5·2^−31 (each truncated product), so
//! the result's relative error is ≤ 2^−28.6 including the r truncation for |r| ≥ 2^−26 …
//! and ≤ 2^−30 where r's Q32 form is exact.

use super::mul::{mul_hi, mul_hi_i32};
use super::num::Num;

/// k_j of the module docs: c_j = k_j/256, j = 0…47 (intervals of m' of width 1/64 from 0.75).
const K: [u16; 48] = [
    338, 331, 324, 318, 312, 306, 301, 295, 290, 285, 280, 275, 271, 266, 262, 256, 256, 250, 246,
    243, 239, 236, 232, 229, 226, 223, 220, 217, 214, 211, 209, 206, 204, 201, 199, 196, 194, 192,
    189, 187, 185, 183, 181, 179, 177, 175, 173, 172,
];

/// −ln(k_j/256) in Q48, rounded (200-bit arithmetic).
const NEG_LN_C_Q48: [i64; 48] = [
    -78_213_015_774_824,
    -72_322_442_540_388,
    -66_305_954_436_582,
    -61_044_586_732_314,
    -55_682_996_496_557,
    -50_217_291_232_164,
    -45_580_036_813_996,
    -39_912_563_938_486,
    -35_100_908_706_795,
    -30_205_568_332_014,
    -25_223_580_280_171,
    -20_151_821_863_444,
    -16_027_572_596_102,
    -10_785_801_437_023,
    -6_520_947_471_724,
    0,
    0,
    6_675_608_777_267,
    11_215_626_180_338,
    14_669_350_206_856,
    19_341_241_304_661,
    22_896_761_970_815,
    27_708_417_202_506,
    31_371_917_638_731,
    35_083_729_361_877,
    38_845_143_599_086,
    42_657_504_045_856,
    46_522_209_747_819,
    50_440_718_183_125,
    54_414_548_562_429,
    57_095_282_889_005,
    61_164_871_514_033,
    63_910_990_629_565,
    68_081_066_555_904,
    70_895_839_779_610,
    75_171_491_258_258,
    78_058_439_403_950,
    80_975_304_643_438,
    85_408_073_054_276,
    88_402_515_941_283,
    91_429_157_756_081,
    94_488_698_495_816,
    97_581_861_235_377,
    100_709_393_153_126,
    103_872_066_614_253,
    107_070_680_315_696,
    110_306_060_496_858,
    111_937_804_062_043,
];

/// ln 2 in Q48, rounded.
pub(crate) const LN2_Q48: i64 = 195_103_586_505_167;

/// 1/2 … 1/6 in Q31, rounded.
const Q2: i32 = 1 << 30;
const Q3: i32 = 715_827_883;
const Q4: i32 = 1 << 29;
const Q5: i32 = 429_496_730;
const Q6: i32 = 357_913_941;

/// ln(1 + r) for |r| ≤ 1/64 given as a [`Num`] (any exponent below −6, r = 0 allowed):
/// relative error ≤ 2^−28.6 (module docs), sign of r kept (ln(1 ± 0) = ±0).
#[inline(always)]
pub(crate) fn ln1p_small(r: Num) -> Num {
    if r.m == 0 {
        return r;
    }
    // r in Q32 (|r| ≤ 2^26): m·2^(e + 1), e ≤ −7; shifts of 32 or more give 0.
    let shift = r.e.wrapping_add(1).unsigned_abs();
    let rq = r.m.checked_shr(shift).unwrap_or(0) as i32;
    // |rq| ≤ 2^26: the negation cannot wrap.
    let rq = if r.neg { rq.wrapping_neg() } else { rq };
    // q = r·(−1/2 + r·(1/3 + r·(−1/4 + r·(1/5 − r/6)))), Q31; every partial sum is < 2^30
    // in magnitude, so the additions cannot overflow.
    let h = Q5.wrapping_sub(mul_hi_i32(rq, Q6));
    let h = mul_hi_i32(rq, h).wrapping_sub(Q4);
    let h = Q3.wrapping_add(mul_hi_i32(rq, h));
    let h = mul_hi_i32(rq, h).wrapping_sub(Q2);
    let q = mul_hi_i32(rq, h);
    // 1 + q ∈ (0.99, 1.01) in Q31; |r|·(1 + q) = m·(1 + q)·2^(e − 31) = mul_hi·2^(e + 1 − 31).
    let one_plus_q = 0x8000_0000u32.wrapping_add(q as u32);
    Num::new(r.neg, mul_hi(r.m, one_plus_q), r.e.wrapping_add(1))
}

/// ln(v·2^s) for v > 0 (v = 0 gives ln of the smallest value, not −∞: callers exclude it).
/// v may carry up to 54 significant bits, all used exactly in the reduction.
/// Relative error ≤ 2^−28.6 (module docs). |s| < 2^12.
#[inline(always)]
pub(crate) fn ln_u64(v: u64, s: i32) -> Num {
    let lz = v.leading_zeros();
    // Bit 63 set: v·2^s = (top/2^63)·2^e. (v = 0, which callers exclude, would give lz = 64;
    // the wrapping shift keeps that case free of a panic.)
    let top = v.wrapping_shl(lz);
    let mut e = s.wrapping_add(63).wrapping_sub(lz as i32);
    // m' in Q54: top/2^63 for m' ∈ [1, 1.5); halved (top/2^64) with e + 1 from 1.5 on.
    let mq = if top >= 0xC000_0000_0000_0000 {
        e = e.wrapping_add(1);
        top >> 10
    } else {
        top >> 9
    };
    // j = ⌊(m' − 0.75)·64⌋ ∈ [0, 48) (mq ∈ [0.75·2^54, 1.5·2^54)).
    let j = (mq.wrapping_sub(3 << 52) >> 48) as usize;
    let (k, neg_ln_c) = match (K.get(j), NEG_LN_C_Q48.get(j)) {
        (Some(&k), Some(&l)) => (k, l),
        _ => (256, 0), // unreachable: j < 48
    };
    // r = m'·k/256 − 1 in Q62, exact: m'·k < 1.5·2^54·338/2^8·… < 2^63 (|r| ≤ 1/64).
    let r = (mq.wrapping_mul(u64::from(k)) as i64).wrapping_sub(1 << 62);
    let (r, _) = Num::from_u64(r < 0, r.unsigned_abs(), -62);
    let l1p = ln1p_small(r);
    if e == 0 && neg_ln_c == 0 {
        return l1p;
    }
    // |e·ln 2| ≤ 2^12·0.7·2^48 < 2^60, |−ln c| < 0.3·2^48, |ln(1 + r)| < 2^−5·2^48.
    let sum = i64::from(e)
        .wrapping_mul(LN2_Q48)
        .wrapping_add(neg_ln_c)
        .wrapping_add(l1p.to_fixed(48));
    Num::from_fixed(sum, 48)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(n: Num) -> f64 {
        let v = n.m as f64 * 2f64.powi(n.e - 31);
        if n.neg {
            -v
        } else {
            v
        }
    }

    #[test]
    fn ln1p_of_small_values_is_relatively_accurate() {
        let mut worst = 0f64;
        for k in 1..200_000u32 {
            for neg in [false, true] {
                let m = 0x8000_0000 | k.wrapping_mul(2_654_435_761);
                let e = -7 - (k % 140) as i32;
                let r = Num { neg, m, e };
                let want = value(r).ln_1p();
                worst = worst.max(((value(ln1p_small(r)) - want) / want).abs());
            }
        }
        assert!(worst < 2f64.powi(-28), "{worst:e}");
        assert_eq!(ln1p_small(Num::zero(true)), Num::zero(true));
    }

    #[test]
    fn ln_of_wide_values_is_relatively_accurate() {
        let mut worst = 0f64;
        let mut v = 1u64;
        for k in 0..300_000 {
            v = v.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let x = (v >> (k % 40)) | 1;
            let s = (k % 61) - 40;
            let want = (x as f64).ln() + s as f64 * core::f64::consts::LN_2;
            if want == 0.0 {
                continue;
            }
            let got = value(ln_u64(x, s));
            worst = worst.max(((got - want) / want).abs());
        }
        assert!(worst < 2f64.powi(-28), "{worst:e}");
        // Near 1: ln(1 + 2^−23) and ln(1 − 2^−24) keep their relative precision.
        for (x, s) in [((1u64 << 23) + 1, -23), ((1u64 << 24) - 1, -24)] {
            let want = ((x as f64) * 2f64.powi(s)).ln();
            let got = value(ln_u64(x, s));
            assert!(((got - want) / want).abs() < 2f64.powi(-29), "{got} {want}");
        }
        assert_eq!(ln_u64(1, 0).m, 0);
    }
}
