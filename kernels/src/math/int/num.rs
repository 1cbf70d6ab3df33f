//! [`Num`]: an f32-range value as (sign, normalised 32-bit mantissa, exponent); unpacking
//! from and correctly rounded packing to IEEE-754 binary32 bit patterns; the quotient.

use super::mul::mul_hi;

/// ±m·2^(e−31) with m ∈ [2^31, 2^32), or zero when m = 0 (then e is irrelevant).
///
/// Exponents stay far inside i32: every producer in this crate keeps |e| < 2^12 (inputs are
/// f32, |e| ≤ 150; sums and quotients add a few hundred at most), and the arithmetic on them
/// is written `wrapping_*` with that bound stated where it is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Num {
    /// Sign: true for negative values.
    pub neg: bool,
    /// Mantissa, bit 31 set (or 0 for zero).
    pub m: u32,
    /// Exponent: |value| ∈ [2^e, 2^(e+1)).
    pub e: i32,
}

impl Num {
    /// Zero with the given sign.
    pub const fn zero(neg: bool) -> Num {
        Num { neg, m: 0, e: 0 }
    }

    /// One.
    pub const ONE: Num = Num {
        neg: false,
        m: 1 << 31,
        e: 0,
    };

    /// ±m·2^(e−31) for any m (normalises; m = 0 gives zero).
    #[inline(always)]
    pub fn new(neg: bool, m: u32, e: i32) -> Num {
        if m == 0 {
            return Num::zero(neg);
        }
        let lz = m.leading_zeros();
        Num {
            neg,
            m: m << lz,
            e: e.wrapping_sub(lz as i32),
        }
    }

    /// The finite non-NaN f32 with these bits, exactly (subnormals normalised).
    #[inline(always)]
    pub fn from_bits(bits: u32) -> Num {
        let neg = bits >> 31 != 0;
        let field = ((bits >> 23) & 0xFF) as i32;
        let frac = bits & 0x007F_FFFF;
        if field == 0 {
            // Subnormal or zero: frac·2^−149 = (frac << 8)·2^(−126 − 31) before normalising.
            Num::new(neg, frac << 8, -126)
        } else {
            Num {
                neg,
                m: (frac | 0x0080_0000) << 8,
                e: field - 127,
            }
        }
    }

    /// The value as a signed fixed-point number with `q` fractional bits, truncated toward
    /// zero; callers keep |value|·2^q < 2^62 (stated at each use). Shifts of 64 or more give 0.
    #[inline(always)]
    pub fn to_fixed(self, q: i32) -> i64 {
        // value·2^q = m·2^(e − 31 + q).
        let s = self.e.wrapping_add(q).wrapping_sub(31);
        let v = if s >= 0 {
            u64::from(self.m).checked_shl(s as u32).unwrap_or(0)
        } else {
            u64::from(self.m).checked_shr(s.unsigned_abs()).unwrap_or(0)
        } as i64;
        if self.neg {
            v.wrapping_neg()
        } else {
            v
        }
    }

    /// The value v·2^scale of a 64-bit magnitude as a Num, truncated to 32 bits (relative
    /// error < 2^−31); also returns whether nonzero bits were dropped (the sticky bit).
    #[inline(always)]
    pub fn from_u64(neg: bool, v: u64, scale: i32) -> (Num, bool) {
        if v == 0 {
            return (Num::zero(neg), false);
        }
        let lz = v.leading_zeros();
        let top = v << lz;
        // v = top·2^−lz, top ≈ m·2^32: v·2^scale = m·2^(32 − lz + scale) = m·2^(e − 31).
        let num = Num {
            neg,
            m: (top >> 32) as u32,
            e: scale.wrapping_add(63).wrapping_sub(lz as i32),
        };
        (num, top as u32 != 0)
    }

    /// A signed fixed-point value v·2^−q as a Num (see [`Num::from_u64`]).
    #[inline(always)]
    pub fn from_fixed(v: i64, q: i32) -> Num {
        Num::from_u64(v < 0, v.unsigned_abs(), q.wrapping_neg()).0
    }
}

impl Num {
    /// v·2^scale of a 128-bit magnitude as a Num, truncated to 32 bits (relative error
    /// < 2^−31), with the sticky bit as [`Num::from_u64`]. Works on 32-bit words (one
    /// leading-zero count, no 64- or 128-bit variable shift: those are library calls on the
    /// Cortex-M0).
    #[inline(always)]
    pub fn from_u128(neg: bool, v: u128, scale: i32) -> (Num, bool) {
        let w = [
            v as u32,
            (v >> 32) as u32,
            (v >> 64) as u32,
            (v >> 96) as u32,
        ];
        // The top nonzero word i and the word below it.
        let (i, top, below, rest) = if w[3] != 0 {
            (3, w[3], w[2], (w[1] | w[0]) != 0)
        } else if w[2] != 0 {
            (2, w[2], w[1], w[0] != 0)
        } else if w[1] != 0 {
            (1, w[1], w[0], false)
        } else if w[0] != 0 {
            (0, w[0], 0, false)
        } else {
            return (Num::zero(neg), false);
        };
        let lz = top.leading_zeros(); // < 32
        let m = (top << lz) | below.checked_shr(32 - lz).unwrap_or(0);
        let dropped = below.checked_shl(lz).unwrap_or(0) != 0 || rest;
        // v ≈ m·2^(32·i − lz): value m·2^(e − 31) with e = 32·i + 31 − lz + scale.
        let e = scale.wrapping_add(32 * i + 31).wrapping_sub(lz as i32);
        (Num { neg, m, e }, dropped)
    }
}

/// ⌊√x⌋ for any u64, digit by digit (32 rounds of shifts and compares, no division).
#[inline]
fn isqrt_u64(x: u64) -> u32 {
    let mut rem = x;
    let mut root = 0u64;
    let mut bit = 1u64 << 62;
    while bit != 0 {
        // Invariant of the method: bit = 4^j and root ≤ ⌊√x⌋·2^j < 2^(32 + j) ≤ 2^63 with
        // bit ≤ 2^62, so root + bit < 2^64; the subtraction runs only when rem ≥ root + bit.
        let t = root.wrapping_add(bit);
        if rem >= t {
            rem = rem.wrapping_sub(t);
            root = (root >> 1).wrapping_add(bit);
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    root as u32
}

/// √x for x ≥ 0 (the sign is ignored), truncated (relative error < 2^−31). Zero gives zero.
#[inline]
pub(crate) fn sqrt(x: Num) -> Num {
    if x.m == 0 {
        return Num::zero(false);
    }
    // x = m·2^(e−31). e odd: √(m·2^32)·2^((e−63)/2), the root in [2^31.5, 2^32); e even:
    // √(m·2^31)·2^((e−62)/2), the root in [2^31, 2^31.5). Either way bit 31 of the root is set
    // and the halved exponent is exact.
    let (v, half) = if x.e & 1 != 0 {
        (u64::from(x.m) << 32, x.e.wrapping_sub(63) >> 1)
    } else {
        (u64::from(x.m) << 31, x.e.wrapping_sub(62) >> 1)
    };
    Num {
        neg: false,
        m: isqrt_u64(v),
        e: half.wrapping_add(31),
    }
}

/// Rounds ±m·2^(e−31) to the nearest f32, ties to even (`sticky`: bits below m were dropped
/// and were not all zero, so a "tie" in m is really above half). Overflow gives ±∞, gradual
/// underflow gives correctly rounded subnormals, and values below 2^−150 give ±0.
#[inline(always)]
pub(crate) fn pack(x: Num, sticky: bool) -> f32 {
    let sign = if x.neg { 0x8000_0000u32 } else { 0 };
    if x.m == 0 {
        return f32::from_bits(sign);
    }
    let field = x.e.saturating_add(127);
    if field >= 255 {
        return f32::from_bits(sign | 0x7F80_0000);
    }
    let bits = if field >= 1 {
        let sig = x.m >> 8;
        let rem = x.m & 0xFF;
        let up = rem > 0x80 || (rem == 0x80 && (sticky || sig & 1 != 0));
        // (field − 1)·2^23 + sig (sig has bit 23 set) sets the exponent field to `field`; a
        // carry out of the rounding moves it up by one, to 0x7F80_0000 = ∞ at the top.
        (((field - 1) as u32) << 23)
            .wrapping_add(sig)
            .wrapping_add(u32::from(up))
    } else {
        // Subnormal: units of 2^−149 are m·2^(e−31+149) = m >> (9 − field).
        let shift = 9i32.saturating_sub(field);
        if shift > 32 {
            // |value| < 2^(field − 126) ≤ 2^−150: below half the smallest subnormal.
            0
        } else {
            let m = u64::from(x.m);
            let q = (m >> shift) as u32;
            let rem = m & ((1u64 << shift) - 1);
            let half = 1u64 << (shift - 1);
            let up = rem > half || (rem == half && (sticky || q & 1 != 0));
            // q < 2^23; q + 1 = 2^23 is the smallest normal, as it should be.
            q + u32::from(up)
        }
    };
    f32::from_bits(sign | bits)
}

/// ±v·2^scale rounded to the nearest f32 (ties to even, every dropped bit counted).
#[inline(always)]
pub(crate) fn pack_u64(neg: bool, v: u64, scale: i32) -> f32 {
    let (n, sticky) = Num::from_u64(neg, v, scale);
    pack(n, sticky)
}

/// 48/17 in Q31, modulo 2^32 (the seed below wraps back into range).
const SEED_C1: u32 = 1_768_515_945;
/// 32/17 in Q31, rounded.
const SEED_C2: u32 = 4_042_322_161;

/// 2^63/d for d ∈ (2^31, 2^32): R = 1/D with D = d/2^32 ∈ (0.5, 1), as r = R·2^31 ∈
/// (2^31, 2^32), from below, relative error < 2^−30.
///
/// Newton–Raphson R ← R + R·(1 − D·R) from the linear seed 48/17 − 32/17·D (relative error
/// ≤ 1/17): three steps square the error to 2^−8.2, 2^−16.4, 2^−32.7; each step truncates
/// twice by 2^−31 relative, and Newton from below stays below 1/D < 2 (no overflow). Eight
/// high-half products instead of a 64-bit division (a library call on the M0 and the M3).
#[inline(always)]
fn recip(d: u32) -> u32 {
    // R0 = 48/17 − 32/17·D ∈ (0.94, 1.89): the wrapped difference is the true value.
    let mut r = SEED_C1.wrapping_sub(mul_hi(d, SEED_C2));
    for _ in 0..3 {
        // D·R·2^31 (≈ 2^31); e = 1 − D·R in Q31, |e| < 2^27 after the seed.
        let p = mul_hi(d, r);
        let e = (0x8000_0000u32.wrapping_sub(p)) as i32;
        // R·|e|·2^31 = r·(2|e|)/2^32.
        let c = mul_hi(r, e.unsigned_abs().wrapping_shl(1));
        r = if e >= 0 {
            r.wrapping_add(c)
        } else {
            r.wrapping_sub(c)
        };
    }
    r
}

/// a / b for nonzero b with a 32-bit mantissa (relative error < 2^−29, measured 2^−29.4: the reciprocal's
/// error and one truncated product). Zero a gives zero. No division instruction or call.
#[inline(always)]
pub(crate) fn div(a: Num, b: Num) -> Num {
    let neg = a.neg != b.neg;
    if a.m == 0 || b.m == 0 {
        return Num::zero(neg);
    }
    let e = a.e.wrapping_sub(b.e);
    if b.m == 1 << 31 {
        // A power of two: exact.
        return Num { neg, m: a.m, e };
    }
    // a.m·(2^63/b.m)/2^32 = (a.m/b.m)·2^31 ∈ (2^30, 2^32): value q·2^(e − 31).
    let q = mul_hi(a.m, recip(b.m));
    Num::new(neg, q, e)
}

/// a·b with a 32-bit mantissa (relative error < 2^−30: one truncated high half, normalised
/// by at most one bit).
#[inline(always)]
pub(crate) fn mul(a: Num, b: Num) -> Num {
    let neg = a.neg != b.neg;
    if a.m == 0 || b.m == 0 {
        return Num::zero(neg);
    }
    // a.m·b.m·2^(a.e + b.e − 62) = p·2^(a.e + b.e − 30), p ∈ [2^30, 2^32).
    let p = mul_hi(a.m, b.m);
    let e = a.e.wrapping_add(b.e);
    if p >= 1 << 31 {
        Num {
            neg,
            m: p,
            e: e.wrapping_add(1),
        }
    } else {
        Num { neg, m: p << 1, e }
    }
}

/// a + b with a 32-bit mantissa (relative error < 2^−31) and the sticky bit of what was
/// dropped. Exact whenever the exponents differ by at most 31 and the sum fits 32 bits (so
/// x − m of two nearby f32 is exact). An exact cancellation gives +0.
#[inline(always)]
pub(crate) fn add(a: Num, b: Num) -> (Num, bool) {
    if a.m == 0 {
        return (b, false);
    }
    if b.m == 0 {
        return (a, false);
    }
    let (big, small) = if a.e > b.e || (a.e == b.e && a.m >= b.m) {
        (a, b)
    } else {
        (b, a)
    };
    // Both as Q62 multiples of 2^big.e: big.m·2^31 < 2^63, small aligned below it.
    let shift = big.e.wrapping_sub(small.e).unsigned_abs();
    let hi = u64::from(big.m) << 31;
    let lo_full = u64::from(small.m) << 31;
    let lo = lo_full.checked_shr(shift).unwrap_or(0);
    let dropped = lo.checked_shl(shift).unwrap_or(0) != lo_full;
    let r = if big.neg == small.neg {
        hi + lo // < 2^64: both terms < 2^63
    } else {
        // hi ≥ lo (big's magnitude is the larger); a dropped remainder borrows one unit, the
        // true value then lies strictly between r and r + 1.
        hi.wrapping_sub(lo).wrapping_sub(u64::from(dropped))
    };
    let (n, sticky) = Num::from_u64(big.neg, r, big.e.wrapping_sub(62));
    if n.m == 0 {
        return (Num::zero(false), false);
    }
    (n, sticky || dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(x: f32) {
        let n = Num::from_bits(x.to_bits());
        assert_eq!(pack(n, false).to_bits(), x.to_bits(), "{x:e}");
    }

    #[test]
    fn unpack_then_pack_is_the_identity() {
        for x in [
            0.0f32,
            -0.0,
            1.0,
            -1.5,
            f32::MAX,
            f32::MIN_POSITIVE,
            f32::from_bits(1),
            f32::from_bits(0x007F_FFFF),
            -f32::from_bits(0x0040_0001),
            3.0e-39,
            1.0e30,
        ] {
            round_trip(x);
        }
        let mut b = 1u32;
        for _ in 0..200_000 {
            b = b.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let x = f32::from_bits(b);
            if x.is_finite() {
                round_trip(x);
            }
        }
    }

    /// Packing m·2^(e−31) agrees with the correctly rounded f64 → f32 conversion (the
    /// mantissa has 32 bits, exact in f64; f64 → f32 rounds to nearest even, once).
    #[test]
    fn pack_rounds_to_nearest_even() {
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..300_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let m = (s as u32) | 0x8000_0000;
            // Exponents across overflow, normal, subnormal and underflow.
            let e = ((s >> 32) % 330) as i32 - 180;
            let want = (m as f64) * 2f64.powi(e - 31);
            let got = pack(Num { neg: true, m, e }, false);
            assert_eq!(got.to_bits(), (-want as f32).to_bits(), "m {m:#x} e {e}");
        }
        // Exact ties: 1 + 2^−24 (tie, even → 1), 1 + 3·2^−24 (tie, even → up).
        let one = 1u32 << 31;
        assert_eq!(pack(Num::new(false, one + 0x80, 0), false), 1.0);
        assert_eq!(
            pack(Num::new(false, one + 0x80, 0), true),
            1.0 + f32::EPSILON
        );
        assert_eq!(
            pack(Num::new(false, one + 0x180, 0), false),
            1.0 + 2.0 * f32::EPSILON
        );
        // Subnormal tie: 1.5·2^−149 → 2^−148 (even), 0.5·2^−149 → 0, just above → 2^−149.
        assert_eq!(pack(Num::new(false, 3 << 30, -149), false).to_bits(), 2);
        assert_eq!(pack(Num::new(false, one, -150), false).to_bits(), 0);
        assert_eq!(pack(Num::new(false, one, -150), true).to_bits(), 1);
        // Rounding up to the smallest normal and to infinity.
        assert_eq!(
            pack(Num::new(false, u32::MAX, -127), false),
            f32::MIN_POSITIVE
        );
        assert_eq!(pack(Num::new(false, u32::MAX, 127), false), f32::INFINITY);
        assert_eq!(pack(Num::new(false, one, 128), false), f32::INFINITY);
    }

    #[test]
    fn sixty_four_bit_values_pack_with_every_bit_counted() {
        assert_eq!(pack_u64(false, 3, 0), 3.0);
        // 2^24 + 1 is a tie between 2^24 and 2^24 + 2: even → 2^24; + 2^−30 breaks the tie.
        assert_eq!(pack_u64(false, (1 << 24) + 1, 0), 16_777_216.0);
        assert_eq!(
            pack_u64(false, ((1u64 << 24) + 1) << 30 | 1, -30),
            16_777_218.0
        );
        assert_eq!(pack_u64(true, 0, 5).to_bits(), 0x8000_0000);
        assert_eq!(Num::from_fixed(-(3 << 20), 20).to_fixed(20), -(3 << 20));
    }

    #[test]
    fn sums_round_like_f64() {
        // Two f32 summed exactly in f64 (exponents within 60) and rounded once to f32 agree
        // with add + pack (the sticky bit makes the 32-bit mantissa round correctly).
        let mut s = 0x0DDB_1A5E_5BAD_5EEDu64;
        for _ in 0..200_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let a = f32::from_bits(s as u32 & 0xBFFF_FFFF); // |a| < 2
            let b = f32::from_bits((s >> 32) as u32 & 0xBFFF_FFFF);
            if !(a.is_finite() && b.is_finite()) {
                continue;
            }
            let want = ((a as f64) + (b as f64)) as f32;
            let exact = (a as f64) + (b as f64) - want as f64;
            if (a.abs() > 1e-10 && b.abs() > 1e-10) || exact == 0.0 {
                let (n, st) = add(Num::from_bits(a.to_bits()), Num::from_bits(b.to_bits()));
                assert_eq!(pack(n, st).to_bits(), want.to_bits(), "{a:e} + {b:e}");
            }
        }
        let one = Num::ONE;
        let (z, _) = add(one, Num { neg: true, ..one });
        assert_eq!(pack(z, false).to_bits(), 0);
    }

    #[test]
    fn products_are_accurate_to_2_pow_minus_30() {
        let mut s = 0x5151_5EED_0000_0001u64;
        for _ in 0..100_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let a = Num::new(true, s as u32 | 1, 5);
            let b = Num::new(true, (s >> 32) as u32 | 1, -9);
            let p = mul(a, b);
            let v = |n: Num| n.m as f64 * 2f64.powi(n.e - 31);
            assert!(!p.neg && p.m >= 1 << 31);
            let want = v(a) * v(b);
            assert!(((v(p) - want) / want).abs() < 2f64.powi(-30));
        }
        assert_eq!(mul(Num::ONE, Num::zero(true)), Num::zero(true));
    }

    #[test]
    fn roots_and_wide_values_are_accurate_to_2_pow_minus_31() {
        let v = |n: Num| n.m as f64 * 2f64.powi(n.e - 31);
        let mut s = 0x0BAD_5EED_1234_5678u64;
        for _ in 0..200_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let x = Num::new(false, s as u32 | 1, (s >> 40) as i32 % 300 - 150);
            let r = sqrt(x);
            assert!(r.m >= 1 << 31);
            let want = v(x).sqrt();
            assert!(
                v(r) <= want && (want - v(r)) / want < 2f64.powi(-31),
                "{x:?}"
            );
            let w = (s as u128) << (s % 64) | 1;
            let (n, _) = Num::from_u128(false, w, -70);
            let want = w as f64 * 2f64.powi(-70);
            assert!((v(n) - want).abs() / want < 2f64.powi(-31));
        }
        // Exact squares: √1 = 1, √4 = 2, √2^−148 = 2^−74.
        assert_eq!(sqrt(Num::ONE), Num::ONE);
        assert_eq!(sqrt(Num { e: 2, ..Num::ONE }), Num { e: 1, ..Num::ONE });
        assert_eq!(
            sqrt(Num {
                e: -148,
                ..Num::ONE
            }),
            Num { e: -74, ..Num::ONE }
        );
        assert_eq!(sqrt(Num::zero(false)).m, 0);
        assert_eq!(isqrt_u64(u64::MAX), u32::MAX);
        assert_eq!(isqrt_u64((1 << 62) - 1), (1 << 31) - 1);
        assert_eq!(
            Num::from_u128(true, 1u128 << 127, 0).0,
            Num {
                neg: true,
                m: 1 << 31,
                e: 127
            }
        );
        assert!(Num::from_u128(false, (1u128 << 100) | 1, 0).1);
    }

    #[test]
    fn quotients_are_accurate_to_2_pow_minus_29() {
        let mut s = 0x0123_4567_89AB_CDEFu64;
        let mut worst = 0f64;
        for _ in 0..300_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let a = Num::new(false, s as u32 | 1, 3);
            let b = Num::new(true, (s >> 32) as u32 | 1, -2);
            let q = div(a, b);
            let va = a.m as f64 * 2f64.powi(a.e - 31);
            let vb = -(b.m as f64) * 2f64.powi(b.e - 31);
            let vq = -(q.m as f64) * 2f64.powi(q.e - 31);
            assert!(q.neg && q.m >= 1 << 31);
            worst = worst.max(((vq - va / vb) / (va / vb)).abs());
        }
        std::println!("worst quotient error 2^{:.2}", worst.log2());
        assert!(worst < 2f64.powi(-29), "{worst:e}");
    }
}
