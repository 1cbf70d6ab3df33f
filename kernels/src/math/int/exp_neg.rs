//! e^(−a) for a non-negative Q24 argument: the per-element core of the FPU-free softmax
//! family (`softmax::nofpu`), in 32-bit words with one 32×32-bit high product.
//!
//! a·log2 e = N/256 + u/ln 2 with N = ⌊(⌊a/2^14⌋·⌊256·log2 e·2^6⌋)/2^16⌋ (one 32-bit
//! product; N ≤ the exact ⌊a·256·log2 e⌋, short of it by less than 1.46) and
//! u = a − N·ln2/256 ∈ [0, 1.46·ln2/256) (< 0.004) in Q38 (with ln2/256 rounded down, so
//! the computed u is never negative); then
//! e^(−a) = 2^(−K)·2^(−j/256)·e^(−u) with K = ⌊N/256⌋, j = N mod 256, the 2^(−j/256) from a
//! 1 KiB table (Q31, rounded) and e^(−u) = 1 − (u − u²/2) (the omitted u³/6 < 2^−26.5, the
//! square from a 16×16-bit product, truncated by < 2^−30).

use super::mul::mul_hi_halves;

/// 2^(−j/256)·2^31 rounded to nearest, j = 0…255 (60-digit decimal arithmetic).
#[cfg_attr(
    all(target_arch = "arm", not(target_has_atomic = "32")),
    allow(dead_code)
)]
pub(crate) const EXP2_NEG_256: [u32; 256] = [
    0x8000_0000,
    0x7FA7_65AD,
    0x7F4F_08AE,
    0x7EF6_E8DA,
    0x7E9F_0606,
    0x7E47_6009,
    0x7DEF_F6B6,
    0x7D98_C9E6,
    0x7D41_D96E,
    0x7CEB_2523,
    0x7C94_ACDE,
    0x7C3E_7073,
    0x7BE8_6FBA,
    0x7B92_AA88,
    0x7B3D_20B6,
    0x7AE7_D21A,
    0x7A92_BE8B,
    0x7A3D_E5DF,
    0x79E9_47EF,
    0x7994_E492,
    0x7940_BB9E,
    0x78EC_CCEC,
    0x7899_1854,
    0x7845_9DAC,
    0x77F2_5CCE,
    0x779F_5590,
    0x774C_87CC,
    0x76F9_F359,
    0x76A7_980F,
    0x7655_75C8,
    0x7603_8C5B,
    0x75B1_DBA2,
    0x7560_6374,
    0x750F_23AB,
    0x74BE_1C20,
    0x746D_4CAC,
    0x741C_B528,
    0x73CC_556D,
    0x737C_2D55,
    0x732C_3CBA,
    0x72DC_8374,
    0x728D_015D,
    0x723D_B650,
    0x71EE_A226,
    0x719F_C4B9,
    0x7151_1DE4,
    0x7102_AD80,
    0x70B4_7368,
    0x7066_6F76,
    0x7018_A185,
    0x6FCB_096F,
    0x6F7D_A710,
    0x6F30_7A41,
    0x6EE3_82DE,
    0x6E96_C0C3,
    0x6E4A_33C9,
    0x6DFD_DBCC,
    0x6DB1_B8A8,
    0x6D65_CA38,
    0x6D1A_1057,
    0x6CCE_8AE1,
    0x6C83_39B2,
    0x6C38_1CA6,
    0x6BED_3399,
    0x6BA2_7E65,
    0x6B57_FCE9,
    0x6B0D_AEFF,
    0x6AC3_9485,
    0x6A79_AD56,
    0x6A2F_F94F,
    0x69E6_784D,
    0x699D_2A2C,
    0x6954_0EC9,
    0x690B_2601,
    0x68C2_6FB1,
    0x6879_EBB6,
    0x6831_99ED,
    0x67E9_7A34,
    0x67A1_8C68,
    0x6759_D065,
    0x6712_460B,
    0x66CA_ED35,
    0x6683_C5C3,
    0x663C_CF92,
    0x65F6_0A7F,
    0x65AF_766A,
    0x6569_132F,
    0x6522_E0AD,
    0x64DC_DEC3,
    0x6497_0D4F,
    0x6451_6C2E,
    0x640B_FB41,
    0x63C6_BA64,
    0x6381_A978,
    0x633C_C85B,
    0x62F8_16EB,
    0x62B3_9509,
    0x626F_4292,
    0x622B_1F66,
    0x61E7_2B65,
    0x61A3_666D,
    0x615F_D05E,
    0x611C_6919,
    0x60D9_307B,
    0x6096_2665,
    0x6053_4AB7,
    0x6010_9D51,
    0x5FCE_1E12,
    0x5F8B_CCDB,
    0x5F49_A98C,
    0x5F07_B405,
    0x5EC5_EC26,
    0x5E84_51D0,
    0x5E42_E4E3,
    0x5E01_A53F,
    0x5DC0_92C7,
    0x5D7F_AD59,
    0x5D3E_F4D7,
    0x5CFE_6923,
    0x5CBE_0A1C,
    0x5C7D_D7A4,
    0x5C3D_D19C,
    0x5BFD_F7E5,
    0x5BBE_4A61,
    0x5B7E_C8F2,
    0x5B3F_7377,
    0x5B00_49D4,
    0x5AC1_4BEA,
    0x5A82_799A,
    0x5A43_D2C6,
    0x5A05_5751,
    0x59C7_071C,
    0x5988_E209,
    0x594A_E7FB,
    0x590D_18D3,
    0x58CF_7474,
    0x5891_FAC1,
    0x5854_AB9B,
    0x5817_86E6,
    0x57DA_8C83,
    0x579D_BC57,
    0x5761_1642,
    0x5724_9A29,
    0x56E8_47EF,
    0x56AC_1F75,
    0x5670_20A0,
    0x5634_4B52,
    0x55F8_9F70,
    0x55BD_1CDB,
    0x5581_C378,
    0x5546_9329,
    0x550B_8BD4,
    0x54D0_AD5A,
    0x5495_F7A1,
    0x545B_6A8B,
    0x5421_05FD,
    0x53E6_C9DA,
    0x53AC_B607,
    0x5372_CA68,
    0x5339_06E0,
    0x52FF_6B55,
    0x52C5_F7AA,
    0x528C_ABC3,
    0x5253_8786,
    0x521A_8AD7,
    0x51E1_B59A,
    0x51A9_07B4,
    0x5170_810B,
    0x5138_2182,
    0x50FF_E8FE,
    0x50C7_D765,
    0x508F_EC9C,
    0x5058_2888,
    0x5020_8B0E,
    0x4FE9_1413,
    0x4FB1_C37C,
    0x4F7A_9930,
    0x4F43_9514,
    0x4F0C_B70C,
    0x4ED5_FF00,
    0x4E9F_6CD4,
    0x4E69_006E,
    0x4E32_B9B4,
    0x4DFC_988C,
    0x4DC6_9CDD,
    0x4D90_C68B,
    0x4D5B_157E,
    0x4D25_899C,
    0x4CF0_22CA,
    0x4CBA_E0EF,
    0x4C85_C3F1,
    0x4C50_CBB8,
    0x4C1B_F829,
    0x4BE7_492B,
    0x4BB2_BEA5,
    0x4B7E_587E,
    0x4B4A_169C,
    0x4B15_F8E6,
    0x4AE1_FF43,
    0x4AAE_299B,
    0x4A7A_77D4,
    0x4A46_E9D6,
    0x4A13_7F88,
    0x49E0_38D0,
    0x49AD_1598,
    0x497A_15C4,
    0x4947_393F,
    0x4914_7FEE,
    0x48E1_E9BA,
    0x48AF_768A,
    0x487D_2646,
    0x484A_F8D6,
    0x4818_EE22,
    0x47E7_0611,
    0x47B5_408C,
    0x4783_9D7B,
    0x4752_1CC6,
    0x4720_BE55,
    0x46EF_8210,
    0x46BE_67E0,
    0x468D_6FAE,
    0x465C_9961,
    0x462B_E4E2,
    0x45FB_521A,
    0x45CA_E0F2,
    0x459A_9152,
    0x456A_6323,
    0x453A_564D,
    0x450A_6ABB,
    0x44DA_A054,
    0x44AA_F702,
    0x447B_6EAD,
    0x444C_0740,
    0x441C_C0A3,
    0x43ED_9AC0,
    0x43BE_957F,
    0x438F_B0CB,
    0x4360_EC8D,
    0x4332_48AE,
    0x4303_C518,
    0x42D5_61B4,
    0x42A7_1E6C,
    0x4278_FB2B,
    0x424A_F7DA,
    0x421D_1462,
    0x41EF_50AE,
    0x41C1_ACA7,
    0x4194_2839,
    0x4166_C34C,
    0x4139_7DCC,
    0x410C_57A2,
    0x40DF_50B8,
    0x40B2_68FA,
    0x4085_A051,
    0x4058_F6A8,
    0x402C_6BE9,
];

/// The high and low halves of [`EXP2_NEG_256`] (the form the ARMv6-M product takes: see
/// [`mul_hi_halves`]; the same 1 KiB).
#[cfg(all(target_arch = "arm", not(target_has_atomic = "32")))]
static EXP2_NEG_256_HALVES: ([u16; 256], [u16; 256]) = {
    let (mut hi, mut lo) = ([0u16; 256], [0u16; 256]);
    let mut i = 0;
    while i < 256 {
        hi[i] = (EXP2_NEG_256[i] >> 16) as u16;
        lo[i] = EXP2_NEG_256[i] as u16;
        i += 1;
    }
    (hi, lo)
};

/// 2^(−j/256) in Q31 as (value, high half, low half) for j < 256.
#[inline(always)]
fn exp2_neg_256(j: usize) -> (u32, u32, u32) {
    #[cfg(all(target_arch = "arm", not(target_has_atomic = "32")))]
    {
        let (h, l) = match (EXP2_NEG_256_HALVES.0.get(j), EXP2_NEG_256_HALVES.1.get(j)) {
            (Some(&h), Some(&l)) => (u32::from(h), u32::from(l)),
            _ => (1 << 15, 0), // unreachable: j < 256
        };
        ((h << 16) | l, h, l)
    }
    #[cfg(not(all(target_arch = "arm", not(target_has_atomic = "32"))))]
    {
        let t = match EXP2_NEG_256.get(j) {
            Some(&t) => t,
            None => 1 << 31, // unreachable: j < 256
        };
        (t, t >> 16, t & 0xFFFF)
    }
}

/// 256·log2 e in Q6, rounded down (23637.1…): N never exceeds the exact value.
const LOG2E_256_Q6: u32 = 23_637;
/// ln2/256 in Q38, rounded down (744,261,117.95…: the error is below 0.955 unit, so the
/// reduced argument is never below its exact value (no clamp) and exceeds it by less than
/// 0.955·N units: relative error < 2^−25.1 for N ≤ 7,936 (the terms ≥ 2^−31, K ≤ 30),
/// < 2^−22.8 for N ≤ 38,404; proportional to N, so smallest for the largest terms).
const LN2_256_Q38: u32 = 744_261_117;
/// The largest a accepted: 104 in Q24 plus the conversion's 2 units.
pub(crate) const EXP_NEG_Q24_MAX: u32 = (104 << 24) + 2;

/// e^(−a) for a ∈ [0, [`EXP_NEG_Q24_MAX`]] in Q24 (module docs): (mant, K) with value
/// mant·2^(−K−31), mant ∈ [2^30·0.996, 2^31], K ∈ [0, 150]; relative error < 2^−25.0 for
/// K ≤ 30 (the reduction constant, rounded down, −0.955·N·2^−38 ≥ −2^−25.1: a scale error
/// e^(−a(1 + ε)) with ε < 1.29·10^−9, proportional to a; the cubic +2^−26.5, of the other
/// sign; the table 2^−32; the truncations 2^−29.5), < 2^−22.7 for larger K (the reduction
/// constant times N ≤ 38,404: 2^−22.8). Measured: 2^−25.09 and 2^−22.83 (every 61st
/// argument).
/// a = 0 gives exactly (2^31, 0).
#[inline(always)]
pub(crate) fn exp_neg_q24(a: u32) -> (u32, u32) {
    // ⌊a/2^14⌋ ≤ 106,496, times 23,637 < 2^32.
    let n = ((a >> 14).wrapping_mul(LOG2E_256_Q6)) >> 16;
    let (tab, tab_h, tab_l) = exp2_neg_256((n & 255) as usize);
    // u = a − N·ln2/256 in Q38, computed modulo 2^32: N ≤ a·256·log2 e (the truncations and
    // the rounded-down log2 e) and the constant is rounded down, so the true value lies in
    // [0, 2^30.1 + 0.955·N) ⊂ [0, 2^31): the wrapped difference is exact and never negative.
    let u = (a << 14).wrapping_sub(n.wrapping_mul(LN2_256_Q38));
    let us = u >> 15; // Q23, < 2^15.1
    let p = u.wrapping_sub(us.wrapping_mul(us) >> 9); // u − u²/2 ∈ [0, u], Q38
                                                      // tab·p/2^38 < tab·0.004: the difference stays in (2^29.99, 2^31].
    let mant = tab.wrapping_sub(mul_hi_halves(p, tab_h, tab_l) >> 6);
    (mant, n >> 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every 61st argument over the whole domain (≈ 29 million), and the ends: relative
    /// error < 2^−25.0 for K ≤ 30 (the terms the softmax takes from here), < 2^−22.7 on the
    /// whole domain (function docs); mantissa in range.
    #[test]
    fn matches_f64() {
        assert_eq!(exp_neg_q24(0), (1 << 31, 0));
        let (mut worst, mut worst_fast) = (0f64, 0f64);
        let mut a = 0u32;
        loop {
            let (m, k) = exp_neg_q24(a);
            assert!((0x3FC0_0000..=0x8000_0000).contains(&m), "{a}: {m:#x}");
            let got = m as f64 * 2f64.powi(-(k as i32) - 31);
            let want = (-(a as f64) / 2f64.powi(24)).exp();
            let e = ((got - want) / want).abs();
            worst = worst.max(e);
            if k <= 30 {
                worst_fast = worst_fast.max(e);
            }
            if a == EXP_NEG_Q24_MAX {
                break;
            }
            a = a.saturating_add(61).min(EXP_NEG_Q24_MAX);
        }
        assert!(worst_fast < 2f64.powf(-25.0), "{worst_fast:e}");
        assert!(worst < 2f64.powf(-22.7), "{worst:e}");
    }
}
