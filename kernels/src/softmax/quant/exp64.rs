//! A `const fn` double-precision e^x, so that every table in this module is built by our own
//! code, identically on every target and at compile time where it is a constant.

// ln 2 split (fdlibm): LN2_HI has its low 32 bits zero, so k·LN2_HI is exact for |k| < 2^20.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
const LOG2E: f64 = core::f64::consts::LOG2_E;

/// 2^k as an `f64` for `−1022 ≤ k ≤ 1023` (normal range).
const fn pow2(k: i64) -> f64 {
    f64::from_bits((k.wrapping_add(1023) as u64) << 52)
}

/// e^x in double precision, within a few ulp. Returns 0 below −745 and +∞ above 709.7.
///
/// Algorithm: `x = k·ln2 + r`, `|r| ≤ ln2/2` (Cody–Waite two-constant reduction), e^r by its
/// Taylor series to degree 14 (truncation < 2^−60), then scaling by `2^k` in at most two exact
/// steps (so that subnormal results are rounded once).
pub(crate) const fn exp_f64(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x < -745.2 {
        return 0.0;
    }
    if x > 709.7 {
        return f64::INFINITY;
    }
    let kf = x * LOG2E;
    let k = if kf >= 0.0 {
        (kf + 0.5) as i64
    } else {
        (kf - 0.5) as i64
    };
    let r = (x - k as f64 * LN2_HI) - k as f64 * LN2_LO;
    // Horner for Σ r^i / i!, i = 0..=14.
    let mut p = 1.0;
    let mut i = 14;
    while i >= 1 {
        p = 1.0 + p * r / i as f64;
        i -= 1;
    }
    if k < -1021 {
        p * pow2(k + 1000) * pow2(-1000)
    } else {
        p * pow2(k)
    }
}

/// A correctly rounded (except in astronomically rare double-rounding cases) `expf`: the same
/// values as glibc's and musl's `expf`, which the TFLM table generator calls.
pub(crate) const fn expf(x: f32) -> f32 {
    exp_f64(x as f64) as f32
}

/// C `roundf`: to nearest, ties away from zero.
pub(crate) const fn roundf(x: f32) -> f32 {
    if x.is_nan() || x.abs() >= 8_388_608.0 {
        return x; // already an integer (or NaN/∞)
    }
    let t = x as i32 as f32; // truncation, exact here
    let frac = x - t; // exact (Sterbenz)
    if frac >= 0.5 {
        t + 1.0
    } else if frac <= -0.5 {
        t - 1.0
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_f64_matches_std() {
        let mut x = -745.0f64;
        while x < 709.0 {
            let got = exp_f64(x);
            let want = x.exp();
            let rel = ((got - want) / want).abs();
            assert!(rel < 4.0 * f64::EPSILON || (want < 1e-300), "x={x}");
            x += 0.123_456_7;
        }
        assert_eq!(exp_f64(0.0), 1.0);
        assert_eq!(exp_f64(-800.0), 0.0);
    }

    #[test]
    fn roundf_ties_away() {
        assert_eq!(roundf(0.5), 1.0);
        assert_eq!(roundf(-0.5), -1.0);
        assert_eq!(roundf(2.5), 3.0);
        assert_eq!(roundf(0.499_999_97), 0.0);
        assert_eq!(roundf(-3.7), -4.0);
    }
}
