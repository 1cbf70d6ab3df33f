//! High halves of 32×32-bit products.
//!
//! On the Cortex-M3/M4/M7 a `u64` product of two `u32` is one `umull`. The Cortex-M0 has no
//! long multiply: Rust's `u64` product becomes a call to `__aeabi_lmul` (a full 64×64-bit
//! product, about 40 instructions). The split form below needs four 16×16→32 `muls` and a few
//! adds, and gives the same exact result, so the choice is made for speed only (the
//! ARMv6-M targets are recognised by their missing 32-bit compare-and-swap).

/// ⌊a·b / 2^32⌋, exact.
#[cfg(not(all(target_arch = "arm", not(target_has_atomic = "32"))))]
#[inline(always)]
pub(crate) fn mul_hi(a: u32, b: u32) -> u32 {
    ((u64::from(a) * u64::from(b)) >> 32) as u32
}

/// ⌊a·b / 2^32⌋ on ARMv6-M: [`mul_hi_split`].
#[cfg(all(target_arch = "arm", not(target_has_atomic = "32")))]
#[inline(always)]
pub(crate) fn mul_hi(a: u32, b: u32) -> u32 {
    mul_hi_split(a, b)
}

/// ⌊a·b / 2^32⌋, exact: the high half of [`mul_wide_split`] (ARMv6-M: no `umull`).
#[cfg_attr(
    not(any(test, all(target_arch = "arm", not(target_has_atomic = "32")))),
    allow(dead_code)
)]
#[inline(always)]
pub(crate) fn mul_hi_split(a: u32, b: u32) -> u32 {
    // The low half's two instructions are dead here and the compiler drops them.
    (mul_wide_split(a, b) >> 32) as u32
}

/// ⌊a·b / 2^32⌋ for signed a, b (two's complement, exact): the unsigned high half minus the
/// corrections b·[a < 0] + a·[b < 0], modulo 2^32.
#[inline(always)]
pub(crate) fn mul_hi_i32(a: i32, b: i32) -> i32 {
    let hi = mul_hi(a as u32, b as u32);
    let hi = if a < 0 { hi.wrapping_sub(b as u32) } else { hi };
    let hi = if b < 0 { hi.wrapping_sub(a as u32) } else { hi };
    hi as i32
}

/// a·b as a u64, exact: one `umull` where the core has it.
#[cfg(not(all(target_arch = "arm", not(target_has_atomic = "32"))))]
#[inline(always)]
pub(crate) fn mul_wide(a: u32, b: u32) -> u64 {
    u64::from(a) * u64::from(b)
}

/// a·b as a u64 on ARMv6-M: [`mul_wide_split`].
#[cfg(all(target_arch = "arm", not(target_has_atomic = "32")))]
#[inline(always)]
pub(crate) fn mul_wide(a: u32, b: u32) -> u64 {
    mul_wide_split(a, b)
}

/// a·b as a u64, exact, from four 16×16-bit products (ARMv6-M: no `umull`).
///
/// a = ah·2^16 + al, b = bh·2^16 + bl; the middle column sums (al·bl >> 16) + low halves of
/// al·bh and ah·bl (each < 2^16, sum < 3·2^16: no overflow); its carry joins the high column
/// ah·bh + high halves (< 2^32 because the full product is < 2^64); the low half is ll's low
/// 16 bits and the middle column's. Written this way the compiler does not fold it back into a
/// 64×64-bit `__aeabi_lmul` call (it did with a separate 32-bit low product).
#[cfg_attr(
    not(any(test, all(target_arch = "arm", not(target_has_atomic = "32")))),
    allow(dead_code)
)]
#[inline(always)]
pub(crate) fn mul_wide_split(a: u32, b: u32) -> u64 {
    let (ah, al) = (a >> 16, a & 0xFFFF);
    let (bh, bl) = (b >> 16, b & 0xFFFF);
    let ll = al * bl;
    let lh = al * bh;
    let hl = ah * bl;
    let hh = ah * bh;
    let mid = (ll >> 16) + (lh & 0xFFFF) + (hl & 0xFFFF); // < 3·2^16
    let hi = hh
        .wrapping_add(lh >> 16)
        .wrapping_add(hl >> 16)
        .wrapping_add(mid >> 16);
    let lo = (ll & 0xFFFF) | (mid << 16);
    (u64::from(hi) << 32) | u64::from(lo)
}

/// a·b as a u128 for a, b < 2^64, exact, from four [`mul_wide`] products (a u128 product is a
/// `__multi3` call on 32-bit Arm). The partial sums stay below 2^128: the middle column is
/// below 3·2^64 before it is shifted by 32 bits.
#[inline(always)]
pub(crate) fn mul_u64_wide(a: u64, b: u64) -> u128 {
    let (ah, al) = ((a >> 32) as u32, a as u32);
    let (bh, bl) = ((b >> 32) as u32, b as u32);
    let ll = u128::from(mul_wide(al, bl));
    let mid = u128::from(mul_wide(al, bh)) + u128::from(mul_wide(ah, bl));
    let hh = u128::from(mul_wide(ah, bh));
    (hh << 64).wrapping_add(mid << 32).wrapping_add(ll)
}

/// ⌊a·b / 2^32⌋, exact, with b given as its 16-bit halves (b = bh·2^16 + bl, bh, bl <
/// 2^16): one `umull` where the core has it.
#[cfg(not(all(target_arch = "arm", not(target_has_atomic = "32"))))]
#[inline(always)]
pub(crate) fn mul_hi_halves(a: u32, bh: u32, bl: u32) -> u32 {
    ((u64::from(a) * u64::from((bh << 16) | bl)) >> 32) as u32
}

/// ⌊a·b / 2^32⌋ on ARMv6-M, with b given as its 16-bit halves: four 16×16-bit `muls` as in
/// [`mul_hi_split`]. The halves of b come from the caller (two u16 tables, or a per-row
/// split behind `black_box`), so the compiler cannot fold the products back into a
/// 64×64-bit `__aeabi_lmul` call, which it does with [`mul_hi_split`] when neither operand
/// is a constant (LLVM recognises the split high product).
#[cfg(all(target_arch = "arm", not(target_has_atomic = "32")))]
#[inline(always)]
pub(crate) fn mul_hi_halves(a: u32, bh: u32, bl: u32) -> u32 {
    mul_hi_halves_split(a, bh, bl)
}

/// The split form of [`mul_hi_halves`] (every target runs it in the tests).
#[cfg_attr(
    not(any(test, all(target_arch = "arm", not(target_has_atomic = "32")))),
    allow(dead_code)
)]
#[inline(always)]
pub(crate) fn mul_hi_halves_split(a: u32, bh: u32, bl: u32) -> u32 {
    let (ah, al) = (a >> 16, a & 0xFFFF);
    let ll = al.wrapping_mul(bl);
    let lh = al.wrapping_mul(bh);
    let hl = ah.wrapping_mul(bl);
    let hh = ah.wrapping_mul(bh);
    // Each partial product < 2^32; the middle column < 3·2^16 (see mul_hi_split).
    let mid = (ll >> 16)
        .wrapping_add(lh & 0xFFFF)
        .wrapping_add(hl & 0xFFFF);
    hh.wrapping_add(lh >> 16)
        .wrapping_add(hl >> 16)
        .wrapping_add(mid >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_halves_are_exact() {
        let mut s = 0x1234_5678_9abc_def0u64;
        let cases = [0u32, 1, 0xFFFF, 0x1_0000, 0x8000_0000, 0xFFFF_FFFF];
        for &a in &cases {
            for &b in &cases {
                assert_eq!(mul_hi(a, b) as u64, (a as u64 * b as u64) >> 32);
                assert_eq!(mul_hi_split(a, b), mul_hi(a, b));
            }
        }
        for _ in 0..100_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let (a, b) = (s as u32, (s >> 32) as u32);
            assert_eq!(mul_hi(a, b) as u64, (a as u64 * b as u64) >> 32);
            assert_eq!(mul_hi_split(a, b), mul_hi(a, b));
            let want = ((a as i32 as i64 * b as i32 as i64) >> 32) as i32;
            assert_eq!(mul_hi_i32(a as i32, b as i32), want);
        }
        assert_eq!(mul_hi_i32(i32::MIN, i32::MIN), 1 << 30);
        for _ in 0..100_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let (a, b) = (s as u32, (s >> 32) as u32);
            assert_eq!(mul_wide(a, b), a as u64 * b as u64);
            assert_eq!(mul_wide_split(a, b), a as u64 * b as u64);
            let (x, y) = (s, s.rotate_left(17) ^ 0xDEAD_BEEF);
            assert_eq!(mul_u64_wide(x, y), x as u128 * y as u128);
        }
        assert_eq!(
            mul_wide_split(u32::MAX, u32::MAX),
            u32::MAX as u64 * u32::MAX as u64
        );
        assert_eq!(
            mul_u64_wide(u64::MAX, u64::MAX),
            u64::MAX as u128 * u64::MAX as u128
        );
        assert_eq!(mul_hi_i32(-1, 1), -1);
        for _ in 0..100_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let (a, b) = (s as u32, (s >> 32) as u32);
            let want = ((a as u64 * b as u64) >> 32) as u32;
            assert_eq!(mul_hi_halves(a, b >> 16, b & 0xFFFF), want);
            assert_eq!(mul_hi_halves_split(a, b >> 16, b & 0xFFFF), want);
        }
        for &(a, b) in &[(u32::MAX, u32::MAX), (0, u32::MAX), (1 << 31, 1 << 31)] {
            let want = ((a as u64 * b as u64) >> 32) as u32;
            assert_eq!(mul_hi_halves_split(a, b >> 16, b & 0xFFFF), want);
        }
    }
}
