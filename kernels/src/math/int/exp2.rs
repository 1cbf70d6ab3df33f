//! 2^y and e^x in fixed point.
//!
//! y = n + f with n = ⌊y⌋ and f ∈ [0, 1) as a Q32 fraction; f = j/64 + ρ with j the top six
//! bits of f and ρ ∈ [0, 1/64); 2^f = 2^(j/64) · e^u with u = ρ·ln 2 < 0.01083, and
//! e^u − 1 = u + u·(u·(1/2 + u·(1/6 + u/24))) (Taylor; the omitted u^5/120 < 1.3·10^−12).
//! The table holds 2^(j/64) in Q31, correctly rounded (≤ 2^−32 relative); the polynomial
//! runs in Q32 with four truncated high-half products (≤ 4·2^−32 absolute); the reduction
//! of ρ·ln 2 truncates once (2^−32). The mantissa of 2^f is therefore within 2^−29.7
//! relative of the truth (6·2^−32 + the table's 2^−32, before the caller's rounding).

use super::mul::mul_hi;
use super::num::Num;

/// 2^(j/64)·2^31 rounded to nearest, j = 0…63 (computed with 200-bit arithmetic).
pub(crate) const EXP2_TABLE: [u32; 64] = [
    0x8000_0000,
    0x8164_D1F4,
    0x82CD_8699,
    0x843A_28C4,
    0x85AA_C368,
    0x871F_6197,
    0x8898_0E81,
    0x8A14_D575,
    0x8B95_C1E4,
    0x8D1A_DF5B,
    0x8EA4_398B,
    0x9031_DC43,
    0x91C3_D374,
    0x935A_2B2F,
    0x94F4_EFA9,
    0x9694_2D37,
    0x9837_F052,
    0x99E0_4593,
    0x9B8D_39BA,
    0x9D3E_D9A7,
    0x9EF5_3261,
    0xA0B0_5110,
    0xA270_4303,
    0xA435_15AE,
    0xA5FE_D6AA,
    0xA7CD_93B5,
    0xA9A1_5AB5,
    0xAB7A_39B6,
    0xAD58_3EEA,
    0xAF3B_78AD,
    0xB123_F582,
    0xB311_C413,
    0xB504_F334,
    0xB6FD_91E3,
    0xB8FB_AF47,
    0xBAFF_5AB2,
    0xBD08_A39F,
    0xBF17_99B6,
    0xC12C_4CCA,
    0xC346_CCDA,
    0xC567_2A11,
    0xC78D_74C9,
    0xC9B9_BD86,
    0xCBEC_14FF,
    0xCE24_8C15,
    0xD063_33DB,
    0xD2A8_1D92,
    0xD4F3_5AAC,
    0xD744_FCCB,
    0xD99D_15C2,
    0xDBFB_B798,
    0xDE60_F482,
    0xE0CC_DEEC,
    0xE33F_8973,
    0xE5B9_06E7,
    0xE839_6A50,
    0xEAC0_C6E8,
    0xED4F_301F,
    0xEFE4_B99C,
    0xF281_773C,
    0xF525_7D15,
    0xF7D0_DF73,
    0xFA83_B2DB,
    0xFD3E_0C0D,
];

/// ln 2 in Q32 (rounded).
const LN2_Q32: u32 = 2_977_044_472;
/// 1/2, 1/6 and 1/24 in Q32 (rounded).
const C2: u32 = 1 << 31;
const C3: u32 = 715_827_883;
const C4: u32 = 178_956_971;
/// log2 e in Q39 (rounded; relative error 1.2·10^−13): a 24-bit mantissa times this fits
/// a u64 exactly.
const LOG2E_Q39: u64 = 793_129_986_396;

/// 2^f for a Q32 fraction f ∈ [0, 1): the mantissa in Q31, in [2^31, 2^32) (relative error
/// ≤ 2^−29.7, see the module docs).
#[inline(always)]
pub(crate) fn exp2_q32(f: u32) -> u32 {
    let t = match EXP2_TABLE.get((f >> 26) as usize) {
        Some(&t) => t,
        None => 0x8000_0000, // unreachable: f >> 26 < 64
    };
    let u = mul_hi(f & 0x03FF_FFFF, LN2_Q32); // u < 2^26·0.6932, Q32
                                              // Each sum stays below 2^32: u·(…) < 2^26 while the constants are ≤ 2^31.
    let a = C3.wrapping_add(mul_hi(u, C4));
    let b = C2.wrapping_add(mul_hi(u, a));
    let c = mul_hi(u, b);
    let p = u.wrapping_add(mul_hi(u, c)); // e^u − 1 < 0.0109, Q32
                                          // t·(1 + p) < 2^32 in exact arithmetic (2^f < 2); the errors above could at most reach it
                                          // at f = 1 − 2^−32, so saturate instead of wrapping.
    t.saturating_add(mul_hi(t, p))
}

/// 2^(y/2^32) for a Q32.32 fixed-point y (|y| < 2^41 from the callers).
#[inline(always)]
pub(crate) fn exp2_y_q32(y: i64) -> Num {
    Num {
        neg: false,
        m: exp2_q32(y as u32),
        e: (y >> 32) as i32,
    }
}

/// y = x·log2 e in Q32.32 for a finite x with 2^−26 ≤ |x| < 2^8 given as its bits
/// (absolute error < 2^−31.5: truncation 2^−32 plus |y| ≤ 370 times LOG2E_Q39's 1.2·10^−13).
#[inline(always)]
pub(crate) fn exp_y_q32(bits: u32) -> i64 {
    let field = (bits >> 23) & 0xFF; // 101 ≤ field ≤ 134
    let mx = u64::from((bits & 0x007F_FFFF) | 0x0080_0000);
    // x = mx·2^(field − 150); y·2^32 = mx·LOG2E_Q39·2^(field − 150 − 39 + 32).
    let shift = 157u32.wrapping_sub(field) & 63; // 23…56 for the stated range
    let y = ((mx * LOG2E_Q39) >> shift) as i64;
    // |y| < 2^63 (the product is shifted right by ≥ 23): the negation cannot wrap.
    if bits >> 31 != 0 {
        y.wrapping_neg()
    } else {
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_to_the_fraction_matches_f64() {
        let mut worst = 0f64;
        for k in 0..=(1u64 << 20) {
            let f = ((k << 12) | (k & 0xFFF)) as u32;
            let got = exp2_q32(f) as f64 / 2f64.powi(31);
            let want = (f as f64 / 2f64.powi(32)).exp2();
            worst = worst.max(((got - want) / want).abs());
        }
        assert!(worst < 2f64.powi(-29), "{worst:e}");
        assert_eq!(exp2_q32(0), 1 << 31);
        assert!(exp2_q32(u32::MAX) > 0xFFFF_FF00);
    }

    #[test]
    fn reduction_of_x_is_accurate() {
        for x in [1e-7f32, -3.0e-8, 0.5, -1.0, 88.7, -103.9, 255.9, -255.9] {
            let y = exp_y_q32(x.to_bits()) as f64 / 2f64.powi(32);
            let want = x as f64 * core::f64::consts::LOG2_E;
            assert!((y - want).abs() < 2f64.powi(-31), "{x}: {y} vs {want}");
        }
    }
}
