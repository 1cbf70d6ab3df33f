//! e^x/2 as an unevaluated sum s + s·p, through a 64-entry table of 2^(j/64) and a degree-2
//! polynomial: the exponential of the fast Mish path ([`crate::mish`]).
//!
//! x = (64·E + j)·(ln2/64) + t with n = 64·E + j = round(x·64·log2 e), j ∈ [0, 64),
//! |t| ≤ ln2/128·(1 + 2^−9), so
//!
//!   e^x/2 = 2^(E−1) · 2^(j/64) · e^t,   s = 2^(E−1)·T[j],   p = C1·t + C2·t² ≈ e^t − 1.
//!
//! The pair (s, s·p) is returned without adding it: a caller that needs e^x/2 itself adds it
//! (one rounding), a caller such as Mish folds the sum into its next addition and saves that
//! rounding. T[j] is 2^(j/64) correctly rounded to f32 (≤ 2^−24 relative error); no common
//! factor is cancelled here, unlike the softmax table in [`super::exp_table`].
//!
//! **Range word.** The exponent and table index are taken from d = n − 64·[`E_MIN`] (an integer
//! read from the bits of the rounding sum, no conversion). d is clamped to [0, 2^13) before it
//! builds s, so s is always a normal number, E ∈ [`E_MIN`], `E_MIN` + 127]. The caller learns
//! whether the pair is e^x/2 from d itself: **`d >> 24 == 0` exactly when x ∈ [−78.33, 4.08·10^5)**
//! (and never for NaN, ±∞ or huge |x|, whose rounding sums are out of that window, including
//! wrapped-around negative sums). Inside that window, for x < 10.39 the pair is e^x/2 with the
//! error below; for larger x the exponent is saturated at 2^14 and the pair is any value in
//! [2^13, 2^16] (its t is still reduced, |p| < 0.1): large enough for Mish, where e^x/2 ≥ 2^13
//! makes tanh(softplus(x)) = 1 in f32. A loop can OR the range words of a block and test once.
//!
//! Error budget (u = 2^−24, relative to e^x/2, x ∈ [−78.33, 10.39]): table entry ≤ 0.93u
//! (measured max of the 64 roundings, see `tests`); polynomial (C1, C2 fitted by the author for
//! minimax relative error on the reduced range, then rounded to f32) 0.166u; t: exact
//! Cody–Waite head (n·`LN2_64_HI` is exact for |n| < 2^14), one rounding in the tail, ≤ 0.02u;
//! s·p rounds once on a term below 0.0055·s, ≤ 0.006u. Sum ≤ 1.12u before the caller's addition.

use super::reduce::MAGIC;

/// 64·log2(e) rounded to f32.
pub(crate) const LOG2E_64: f32 = 92.332_48;
/// ln2/64 split for Cody–Waite: the head has 10 significant bits, so n·`LN2_64_HI` is exact for
/// |n| < 2^14 and x − n·`LN2_64_HI` is exact (Sterbenz) for n ≠ 0.
pub(crate) const LN2_64_HI: f32 = 355.0 / 32768.0; // 0x1.63p-7 exactly
/// ln2/64 − `LN2_64_HI`, rounded to f32.
pub(crate) const LN2_64_LO: f32 = -3.315_538_2e-6;
/// The smallest exponent the table builds: e^x/2 for x ≥ `E_MIN`·ln2 − ln2/128 ≈ −78.33.
pub(crate) const E_MIN: i32 = -113;

const C1: f32 = 1.000_004_8;
const C2: f32 = 0.500_001_25;

/// 2^(j/64) correctly rounded to f32 (bit patterns), j = 0…63.
pub(crate) const POW2_J64: [u32; 64] = [
    0x3f80_0000,
    0x3f81_64d2,
    0x3f82_cd87,
    0x3f84_3a29,
    0x3f85_aac3,
    0x3f87_1f62,
    0x3f88_980f,
    0x3f8a_14d5,
    0x3f8b_95c2,
    0x3f8d_1adf,
    0x3f8e_a43a,
    0x3f90_31dc,
    0x3f91_c3d3,
    0x3f93_5a2b,
    0x3f94_f4f0,
    0x3f96_942d,
    0x3f98_37f0,
    0x3f99_e046,
    0x3f9b_8d3a,
    0x3f9d_3eda,
    0x3f9e_f532,
    0x3fa0_b051,
    0x3fa2_7043,
    0x3fa4_3516,
    0x3fa5_fed7,
    0x3fa7_cd94,
    0x3fa9_a15b,
    0x3fab_7a3a,
    0x3fad_583f,
    0x3faf_3b79,
    0x3fb1_23f6,
    0x3fb3_11c4,
    0x3fb5_04f3,
    0x3fb6_fd92,
    0x3fb8_fbaf,
    0x3fba_ff5b,
    0x3fbd_08a4,
    0x3fbf_179a,
    0x3fc1_2c4d,
    0x3fc3_46cd,
    0x3fc5_672a,
    0x3fc7_8d75,
    0x3fc9_b9be,
    0x3fcb_ec15,
    0x3fce_248c,
    0x3fd0_6334,
    0x3fd2_a81e,
    0x3fd4_f35b,
    0x3fd7_44fd,
    0x3fd9_9d16,
    0x3fdb_fbb8,
    0x3fde_60f5,
    0x3fe0_ccdf,
    0x3fe3_3f89,
    0x3fe5_b907,
    0x3fe8_396a,
    0x3fea_c0c7,
    0x3fed_4f30,
    0x3fef_e4ba,
    0x3ff2_8177,
    0x3ff5_257d,
    0x3ff7_d0df,
    0x3ffa_83b3,
    0x3ffd_3e0c,
];

/// The table as the hot loop adds it: entry j holds bits(T[j]/2) + E_MIN·2^23 − j·2^17, so
/// that `TABLE[d & 63] + (d << 17)` (wrapping) is bits(2^(E−1)·T[j]) for d = 64·(E − E_MIN) + j.
/// (Evaluated at compile time: an out-of-range index here would be a build error, not a panic.)
#[allow(clippy::indexing_slicing)]
const TABLE: [u32; 64] = {
    let mut t = [0u32; 64];
    let mut j = 0;
    while j < 64 {
        t[j] = POW2_J64[j]
            .wrapping_sub(1 << 23)
            .wrapping_add((E_MIN as u32) << 23)
            .wrapping_sub((j as u32) << 17);
        j += 1;
    }
    t
};

/// The bits of [`MAGIC`] + 64·`E_MIN`: the rounding sum minus this is d.
const D_ORIGIN: u32 = (super::reduce::MAGIC_BITS as u32).wrapping_add((E_MIN * 64) as u32);

/// e^x/2 = s + sp (unevaluated), with the range word d (see the module docs: the pair is
/// e^x/2 when `d >> 24 == 0` and x < 10.39; ≥ 2^13 when `d >> 24 == 0` and x ≥ 10.39; garbage
/// but finite or NaN otherwise). No branch, no panic for any input.
#[inline(always)]
pub(crate) fn half_exp_pair(x: f32) -> (f32, f32, u32) {
    let v = x * LOG2E_64 + MAGIC;
    let nf = v - MAGIC;
    let t = (x - nf * LN2_64_HI) - nf * LN2_64_LO;
    let d = v.to_bits().wrapping_sub(D_ORIGIN);
    // Saturate to [0, 2^13): one `usat` on the Cortex-M.
    let dc = (d as i32).clamp(0, 8191) as u32;
    let entry = match TABLE.get((dc & 63) as usize) {
        Some(&e) => e,
        None => 0, // `& 63` keeps the index in range: never taken, compiles away.
    };
    let s = f32::from_bits(entry.wrapping_add(dc << 17));
    let p = t * (C1 + C2 * t);
    (s, s * p, d)
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)]
mod tests {
    use super::*;

    #[test]
    fn table_and_constants_are_the_roundings() {
        let mut worst = 0.0f64;
        for (j, &b) in POW2_J64.iter().enumerate() {
            let exact = 2f64.powf(j as f64 / 64.0);
            assert_eq!(b, (exact as f32).to_bits(), "j = {j}");
            worst = worst.max((f64::from(f32::from_bits(b)) / exact - 1.0).abs() * 16_777_216.0);
        }
        assert!(worst <= 0.933, "{worst}");
        let ln2_64 = core::f64::consts::LN_2 / 64.0;
        assert_eq!(
            LN2_64_HI.to_bits() & 0x3fff,
            0,
            "head has at most 10 significant bits"
        );
        assert_eq!(LOG2E_64, (1.0 / ln2_64) as f32);
        assert_eq!(LN2_64_LO, (ln2_64 - f64::from(LN2_64_HI)) as f32);
    }

    /// s + sp against e^x/2 in f64, relative error in u over a dense sample of the exact range.
    #[test]
    fn pair_within_budget() {
        let (lo, hi) = (-78.3f32, 10.38f32);
        let steps = 2_000_000u32;
        let mut worst = 0.0f64;
        for i in 0..=steps {
            let x = lo + (hi - lo) * (i as f32 / steps as f32);
            let (s, sp, d) = half_exp_pair(x);
            assert_eq!(d >> 24, 0, "x = {x}");
            let got = f64::from(s) + f64::from(sp);
            let want = f64::from(x).exp() / 2.0;
            worst = worst.max(((got - want) / want).abs() * 16_777_216.0);
        }
        assert!(worst <= 1.12, "max {worst} u");
    }

    #[test]
    fn range_word_marks_the_window() {
        let inside = |x: f32| half_exp_pair(x).2 >> 24 == 0;
        assert!(inside(-78.3) && inside(0.0) && inside(-0.0) && inside(10.0));
        assert!(inside(1e3) && inside(4.0e5) && inside(f32::from_bits(1)));
        assert!(!inside(-78.4) && !inside(-1e3) && !inside(-1e6) && !inside(-1e30));
        assert!(!inside(4.2e5) && !inside(1e30) && !inside(f32::MAX) && !inside(-f32::MAX));
        assert!(!inside(f32::INFINITY) && !inside(f32::NEG_INFINITY));
        assert!(!inside(f32::NAN) && !inside(-f32::NAN));
        // Saturated exponent above 10.39: the pair is at least 2^13.
        for x in [10.4f32, 11.0, 50.0, 88.0, 100.0, 1e4, 4.0e5] {
            let (s, sp, _) = half_exp_pair(x);
            assert!(s + sp >= 8192.0 && (s + sp).is_finite(), "x = {x}");
        }
    }
}
