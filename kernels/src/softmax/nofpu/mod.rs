//! FPU-free forms of the softmax family: f32 in, f32 out, integer arithmetic only on the bit
//! patterns (no `__aeabi_f*`/`__aeabi_d*` call), bit-identical on every target.
//!
//! The three passes of [`crate::softmax::three_pass`] in fixed point (see `row` for the
//! representation, the term, the overflow proof of the sum and the error budget):
//! 1. scan: the maximum m, comparing bit patterns as i32 (one compare per element; a second
//!    loop for the smallest pattern when every sign bit is set; a positive NaN is the
//!    maximum; a maximum of ±∞ takes a further pass for the +∞ count and NaN; a negative NaN
//!    under a finite maximum is reported by pass 2);
//! 2. per element (softmax: four per step), on rows with |m| < 16 (the fast path):
//!    a = m − x in Q24 (one shift), e^(−a) = 2^(−K)·2^(−j/256)·e^(−u) from a 1 KiB table and a quadratic (one 32×32-bit
//!    high product), stored as one word whose 25-bit mantissa is summed exactly into
//!    per-exponent u32 bins (carries counted out of line); terms with a ≥ 21 (below
//!    2^−30.3), and rows with |m| ≥ 16, take the normalised form (d = x − m exactly in
//!    fixed point, a 64-entry table and a cubic in Q32) and an exact Q63 sum;
//! 3. per element (two fast words per step): the stored term times 1/S (one Newton
//!    reciprocal per row), one high product, packed by an addition to the exponent field (fast words are always normal) or
//!    with one rounding to nearest even (the others, subnormals included).
//!
//! Same errors, special values and contracts as the float forms: outputs ≥ 2^−126 within
//! 5e−7 relative (bound 4.1u ≈ 2.4e−7 from the budget in `row`), −∞ inputs give 0 (softmax)
//! or −∞ (log-softmax), +∞ inputs share the mass equally, NaN gives `Error::NanInput`.

mod row;

use crate::math::int::{add, div, ln_u64, mul_hi, mul_hi_halves, pack, pack_u64, Num};
use crate::Error;
use row::{
    fast_diff, fast_elem, neg_q24, q24, q63, rare, scan, slow_decode, slow_word, term, Bins, Row,
    Scan, Sum63, NO_A,
};

use crate::error::same_len;

/// 1/count as an f32 (correctly rounded: the quotient's 32 bits plus a nonzero remainder are
/// never a tie for count < 2^64).
#[inline(always)]
fn share(count: usize) -> f32 {
    let (c, _) = Num::from_u64(false, count as u64, 0);
    pack(div(Num::ONE, c), true)
}

/// The +∞ case: each +∞ element gets 1/count, the others 0.
#[inline(always)]
fn pos_inf_into(x: &[f32], y: &mut [f32], count: usize) {
    let s = share(count);
    for (o, &v) in y.iter_mut().zip(x) {
        *o = if v.to_bits() == 0x7F80_0000 { s } else { 0.0 };
    }
}

/// Pass 2 storing the words of the terms into `y` (`row`: [`fast_word`], [`slow_word`],
/// 0); returns S.
#[inline(always)]
fn terms_into(x: &[f32], y: &mut [f32], row: &Row) -> Result<Sum63, Error> {
    if row.fast {
        let m24 = row.m24c;
        let mut bins = Bins::new();
        // Four elements per step (fewer loop instructions per element).
        let (mut xp, mut yp) = (x.chunks_exact(4), y.chunks_exact_mut(4));
        for (xc, yc) in (&mut xp).zip(&mut yp) {
            if let ([x0, x1, x2, x3], [y0, y1, y2, y3]) = (xc, yc) {
                *y0 = f32::from_bits(fast_elem(x0.to_bits(), m24, &mut bins)?);
                *y1 = f32::from_bits(fast_elem(x1.to_bits(), m24, &mut bins)?);
                *y2 = f32::from_bits(fast_elem(x2.to_bits(), m24, &mut bins)?);
                *y3 = f32::from_bits(fast_elem(x3.to_bits(), m24, &mut bins)?);
            }
        }
        for (o, &v) in yp.into_remainder().iter_mut().zip(xp.remainder()) {
            *o = f32::from_bits(fast_elem(v.to_bits(), m24, &mut bins)?);
        }
        return Ok(bins.sum());
    }
    let mut sum = Sum63::default();
    for (o, &v) in y.iter_mut().zip(x) {
        let w = slow_elem(v.to_bits(), row, &mut sum)?;
        *o = f32::from_bits(w);
    }
    Ok(sum)
}

/// Pass 2 of log-softmax on a fast row: the terms summed, a = m − x (or [`row::NO_A`])
/// stored into `y`; returns S.
#[inline(always)]
fn diffs_into(x: &[f32], y: &mut [f32], m24: i32) -> Result<Sum63, Error> {
    let mut bins = Bins::new();
    for (o, &v) in y.iter_mut().zip(x) {
        *o = f32::from_bits(fast_diff(v.to_bits(), m24, &mut bins)?);
    }
    Ok(bins.sum())
}

/// Pass 2 of a row that is not fast (|m| ≥ 16): the word, the term added to `sum`.
#[inline(always)]
fn slow_elem(bits: u32, row: &Row, sum: &mut Sum63) -> Result<u32, Error> {
    match row.d_q32(bits) {
        Some(d) => {
            let (m, k) = term(d);
            sum.add_q63(q63(m, k));
            Ok(slow_word(m, k))
        }
        None => rare(bits),
    }
}

/// Pass 2 without storing.
#[inline(always)]
fn terms(x: &[f32], row: &Row) -> Result<Sum63, Error> {
    if row.fast {
        let m24 = row.m24c;
        let mut bins = Bins::new();
        for &v in x {
            fast_elem(v.to_bits(), m24, &mut bins)?;
        }
        return Ok(bins.sum());
    }
    let mut sum = Sum63::default();
    for &v in x {
        slow_elem(v.to_bits(), row, &mut sum)?;
    }
    Ok(sum)
}

/// ⌊log2⌋ distance of p ∈ [2^28, 2^31) from bit 31: 1, 2 or 3 (a `clz` where the core has
/// one; shifts on ARMv6-M, which has none).
#[inline(always)]
fn lz123(p: u32) -> u32 {
    #[cfg(all(target_arch = "arm", not(target_has_atomic = "32")))]
    {
        // 3 − [p ≥ 2^30] − [p ≥ 2^29], without branches (p >> 29 ∈ {0, 1, 2, 3}).
        3u32.wrapping_sub(p >> 30)
            .wrapping_sub((p >> 29).wrapping_add(3) >> 2)
    }
    #[cfg(not(all(target_arch = "arm", not(target_has_atomic = "32"))))]
    {
        p.leading_zeros()
    }
}

/// Pass 3: y_i ← term_i · (1/S), packed.
///
/// A fast word (mant·2^(−k−31), k ≤ 30) times r = r.m·2^(r.e − 31): p = ⌊mant·r.m/2^32⌋ ∈
/// [2^28, 2^31), normalised by a shift of 1…3 and rounded half up to 24 bits; the result
/// lies in [2^−96, 1] (terms ≥ 2^−32, S < 2^64), so it is a normal f32 and the packing is
/// one addition to the exponent field. Other words (tiny terms, rows with |m| ≥ 16) take
/// the general multiply and the correctly rounded packing with subnormals.
///
/// Two elements per step when both are fast words (fewer loop instructions per element).
#[inline(always)]
fn normalise(y: &mut [f32], sum: Sum63) {
    let r = div(Num::ONE, sum.num()); // S ≥ 1 (the maximum's term is exactly 1): r ≤ 1
                                      // bits = ((e_out + 126) << 23) + sig, e_out = r.e − k + 1 − lz: base = (r.e + 127) << 23
                                      // (≥ 127 − 64 > 0: no wrap in the sums below).
    let base = (r.e.wrapping_add(127) as u32) << 23;
    // r.m's halves, opaque to the optimiser (so the ARMv6-M product stays four `muls`).
    let (rh, rl) = core::hint::black_box((r.m >> 16, r.m & 0xFFFF));
    let one = |w: u32| -> f32 {
        if (w as i32) > 0 {
            f32::from_bits(fast_out(w, base, rh, rl))
        } else {
            other_out(w, r)
        }
    };
    let mut pairs = y.chunks_exact_mut(2);
    for pair in &mut pairs {
        if let [a, b] = pair {
            let (wa, wb) = (a.to_bits(), b.to_bits());
            if (wa as i32) > 0 && (wb as i32) > 0 {
                *a = f32::from_bits(fast_out(wa, base, rh, rl));
                *b = f32::from_bits(fast_out(wb, base, rh, rl));
            } else {
                *a = one(wa);
                *b = one(wb);
            }
        }
    }
    for o in pairs.into_remainder() {
        *o = one(o.to_bits());
    }
}

/// The output bits of a fast word w (bit 31 clear, nonzero): see [`normalise`].
#[inline(always)]
fn fast_out(w: u32, base: u32, rh: u32, rl: u32) -> u32 {
    let k = w >> 26;
    let p = mul_hi_halves(w << 6, rh, rl); // < 2^31
    let lz = lz123(p);
    let sig = ((p.wrapping_shl(lz) >> 7).wrapping_add(1)) >> 1; // lz ≤ 3: [2^23, 2^24]
    base.wrapping_sub((k.wrapping_add(lz)) << 23)
        .wrapping_add(sig)
}

/// The output of a word that is not a fast one (0, or a [`slow_word`]) times r = 1/S.
#[cold]
// Out of line in the builds (off the hot loop); inlined for the no-panic proof, which
// cannot see through a call (as zloss does).
#[cfg_attr(not(assert_no_panic), inline(never))]
#[cfg_attr(assert_no_panic, inline(always))]
fn other_out(w: u32, r: Num) -> f32 {
    if w == 0 {
        return 0.0;
    }
    let (m, k) = slow_decode(w);
    // m·2^(k − 31) · r.m·2^(r.e − 31) = p·2^(k + r.e − 30) with p ∈ [2^30, 2^32):
    // normalised by at most one bit.
    let p = mul_hi(m, r.m);
    let e = k.wrapping_add(r.e);
    let n = if p >= 1 << 31 {
        Num {
            neg: false,
            m: p,
            e: e.wrapping_add(1),
        }
    } else {
        Num {
            neg: false,
            m: p << 1,
            e,
        }
    };
    pack(n, false)
}

/// Softmax y_i = e^(x_i) / Σ_j e^(x_j), FPU-free (the integer form of
/// [`crate::softmax::softmax`]).
///
/// Algorithm: module docs. Accuracy: outputs ≥ 2^−126 within 4.1·2^−24 ≈ 2.4e−7 relative by
/// construction (contract 5e−7; measured 1.23e−7 over 100,000 vectors of sizes
/// 1…4096, `host/tests/softmax_nofpu_differential.rs`),
/// smaller outputs within 2^−149 absolute. −∞ gives 0; +∞ inputs share 1 equally. Valid for
/// any N (the sum cannot overflow).
/// Cost (`cargo xtask bench`, N = 256, logits in [−8, 8], QEMU instructions per element):
/// 142.7 on the M0 and 59.5 on the M3 (were 149.2 / 63.2, 167.6 / 76.9, and 355.7 / 156.2
/// before), against 2,019 and 1,167 for the float [`fpu::softmax`] on soft float (14.1× /
/// 19.6×); goals 150 / 60: met. Code 5.4 KiB (M0) / 4.1 KiB (M3) (bench figures);
/// tables: the 1 KiB 2^(−j/256) one and the shared 256-byte 2^(j/64) one; 128 bytes of its
/// stack are the exponent bins. Rows whose elements all have the sign bit set scan twice
/// (about 4 more instructions per element on the M3); zeros and |x| < 2^−24 take an
/// out-of-line conversion.
///
/// [`fpu::softmax`]: crate::softmax::fpu::softmax
///
/// # Errors
/// [`Error::LengthMismatch`] if `y.len() != x.len()`, [`Error::Empty`], [`Error::NanInput`],
/// [`Error::AllNegInfinity`]. On error the contents of `y` are unspecified.
///
/// Stack (bytes, `cargo xtask bench`): M0 332 · M3 272 · M4F/M7/M33/M55 280.
/// <!-- stack: softmax::nofpu::softmax -->
///
/// ```
/// use mcu_kernels::softmax::nofpu::softmax;
/// use mcu_kernels::Error;
///
/// let x = [2.0f32, 1.0, 0.1, -1.0, f32::NEG_INFINITY];
/// let mut y = [0.0f32; 5];
/// softmax(&x, &mut y)?;
/// // Within 5e−7 relative of e^(x_i) / Σ e^(x_j) in f64; −∞ gives exactly 0.
/// let z: f64 = x[..4].iter().map(|&v| f64::from(v).exp()).sum();
/// for i in 0..4 {
///     let want = f64::from(x[i]).exp() / z;
///     assert!((f64::from(y[i]) - want).abs() <= 5e-7 * want);
/// }
/// assert_eq!(y[4], 0.0);
/// // Equal logits: exactly 1/N.
/// let mut u = [0.0f32; 4];
/// softmax(&[7.5; 4], &mut u)?;
/// assert_eq!(u, [0.25; 4]);
/// assert_eq!(softmax(&[f32::NAN, 1.0], &mut u[..2]), Err(Error::NanInput));
/// assert_eq!(softmax(&[], &mut []), Err(Error::Empty));
/// # Ok::<(), Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn softmax(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    same_len(x.len(), y.len())?;
    match scan(x)? {
        Scan::PosInf { count } => pos_inf_into(x, y, count),
        Scan::Finite(row) => {
            let sum = terms_into(x, y, &row)?;
            normalise(y, sum);
        }
    }
    Ok(())
}

/// ln S as a Num (S ≥ 0.99, so ln S > −0.011).
#[inline(always)]
fn ln_sum(sum: Sum63) -> Num {
    let s = sum.num();
    ln_u64(u64::from(s.m), s.e.wrapping_sub(31))
}

/// (x − m) − l for a finite x, or its negation l − (x − m) when `negate`: in Q24 on a fast
/// row (|m| < 16) for |x| < 128 (absolute error < 3·2^−24 besides ln S's own), in Q32 when the row's fixed point
/// holds x (absolute error ≤ 2^−31), else by two 32-bit-mantissa additions (relative error
/// ≤ 2^−30). A zero result is +0 either way.
#[inline(always)]
fn minus_lse(bits: u32, row: &Row, l: Num, l_q32: i64, negate: bool) -> f32 {
    if row.fast
        && let Some(x) = q24(bits)
    {
        // Q24, all in 32-bit words: |x| < 128, |m| < 16 and 0 ≤ ln S < 44 (S < 2N), so
        // |x − m − ln S| < 2^32 as a magnitude; the packing is exact from there (x, m and
        // ln S truncated to Q24: absolute error < 3·2^−24).
        let l24 = (l_q32 >> 8) as i32;
        let v = i64::from(x)
            .wrapping_sub(i64::from(row.m24))
            .wrapping_sub(i64::from(l24));
        let v = if negate { v.wrapping_neg() } else { v };
        return pack(Num::new(v < 0, v.unsigned_abs() as u32, 7), false);
    }
    if row.q == 32
        && let Some(xq) = row.fixed(bits)
    {
        // X ≤ M (m is the maximum), |X| < 2^62, |M| < 2^56, 0 ≤ l_q32 < 2^38 (ln S ≤
        // ln(2N) < 44): the differences stay inside i64.
        let v = xq.wrapping_sub(row.mx).wrapping_sub(l_q32);
        let v = if negate { v.wrapping_neg() } else { v };
        return pack_u64(v < 0, v.unsigned_abs(), -32);
    }
    let x = Num::from_bits(bits);
    let (d, s1) = if negate {
        add(row.m, Num { neg: !x.neg, ..x })
    } else {
        add(
            x,
            Num {
                neg: !row.m.neg,
                ..row.m
            },
        )
    };
    let l = if negate { l } else { Num { neg: !l.neg, ..l } };
    let (v, s2) = add(d, l);
    pack(v, s1 || s2)
}

/// Log-softmax y_i = x_i − ln Σ_j e^(x_j), FPU-free (the integer form of
/// [`crate::softmax::log_softmax`]).
///
/// Algorithm: the scan and sum passes of [`softmax`] (nothing stored), ln S by
/// `math::int::ln` once per row; y_i = −(a_i + ln S) in Q24 with the pass-2 a_i = m − x_i
/// when |m| < 16 and |x_i| < 128 (one subtraction, a leading-zero count and a rounding per
/// element), in Q32 when |m| < 2^24, else by exact integer additions of the unpacked values.
/// Accuracy: absolute error < 4.5·2^−24 + half an ulp in the Q24 case (x, m and ln S truncated
/// to Q24, ln S of the sum of the 25-bit words, and the terms' scale error, < 21·1.29·10^−9), ≤ 2^−30·max(1, |y_i|) otherwise, by
/// construction (contract of the float form: 2e−6·max(1, |y_i|); measured 8.0e−8 over
/// 100,000 vectors, `host/tests/softmax_nofpu_differential.rs`). −∞ gives −∞;
/// with +∞ inputs those get −ln(count) and the others −∞; results below −f32::MAX round to
/// −∞.
/// Cost (`cargo xtask bench`, N = 256, QEMU instructions per element): 161.0 on the M0 and
/// 60.0 on the M3 (were 165.0 / 63.0, 177.0 / 78.5, and 380.9 / 164.0 before; goals 200 / 80:
/// met), against 3,108 and 1,915 for the float form on soft float (19.3× / 31.9×); code
/// 8.5 KiB (M0) / 7.8 KiB (M3).
///
/// # Errors
/// [`Error::LengthMismatch`], [`Error::Empty`], [`Error::NanInput`],
/// [`Error::AllNegInfinity`].
///
/// Stack (bytes, `cargo xtask bench`): M0 372 · M3/M4F/M7/M33/M55 304.
/// <!-- stack: softmax::nofpu::log_softmax -->
///
/// ```
/// use mcu_kernels::softmax::nofpu::log_softmax;
/// use mcu_kernels::Error;
///
/// // Far apart logits: the small probabilities underflow as softmax, not as log-softmax.
/// let x = [0.0f32, -120.0, 3.0];
/// let mut y = [0.0f32; 3];
/// log_softmax(&x, &mut y)?;
/// let lse = x.iter().map(|&v| f64::from(v).exp()).sum::<f64>().ln();
/// for i in 0..3 {
///     let want = f64::from(x[i]) - lse;
///     assert!((f64::from(y[i]) - want).abs() <= 2e-6 * want.abs().max(1.0));
/// }
/// assert_eq!(
///     log_softmax(&[f32::NEG_INFINITY; 2], &mut y[..2]),
///     Err(Error::AllNegInfinity)
/// );
/// # Ok::<(), Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn log_softmax(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    same_len(x.len(), y.len())?;
    match scan(x)? {
        Scan::PosInf { count } => {
            let l = ln_u64(count as u64, 0);
            let v = pack(Num { neg: true, ..l }, false);
            for (o, &xi) in y.iter_mut().zip(x) {
                *o = if xi.to_bits() == 0x7F80_0000 {
                    v
                } else {
                    f32::NEG_INFINITY
                };
            }
        }
        Scan::Finite(row) => {
            if row.fast {
                // Pass 2 stores a = m − x (Q24); y = −(a + ln S) in Q24 (a < 144·2^24 for
                // |x| < 128, m < 16, and 0 ≤ ln S < 44 (S ≤ N < 2^61): the sum is < 2^32).
                let l = ln_sum(diffs_into(x, y, row.m24c)?);
                let l_q32 = l.to_fixed(32);
                let l24 = (l_q32 >> 8) as u32;
                for (o, &xi) in y.iter_mut().zip(x) {
                    let a = o.to_bits();
                    *o = if a != NO_A {
                        neg_q24(a.wrapping_add(l24))
                    } else if xi.to_bits() == 0xFF80_0000 {
                        f32::NEG_INFINITY
                    } else {
                        minus_lse(xi.to_bits(), &row, l, l_q32, false)
                    };
                }
                return Ok(());
            }
            let l = ln_sum(terms(x, &row)?);
            let l_q32 = l.to_fixed(32);
            for (o, &xi) in y.iter_mut().zip(x) {
                let b = xi.to_bits();
                *o = if b == 0xFF80_0000 {
                    f32::NEG_INFINITY
                } else {
                    minus_lse(b, &row, l, l_q32, false)
                };
            }
        }
    }
    Ok(())
}

/// g − 1 for g ∈ [0, 1], correctly rounded (as the float form's `g -= 1.0`).
#[inline(always)]
fn minus_one(g: f32) -> f32 {
    // g·2^60 ≤ 2^60; what is below 2^−60 cannot change the rounding of −(1 − g).
    let gq = Num::from_bits(g.to_bits()).to_fixed(60) as u64;
    let v = (1u64 << 60).wrapping_sub(gq);
    if v == 0 {
        0.0
    } else {
        pack_u64(true, v, -60)
    }
}

/// Cross-entropy L = ln Σ_j e^(x_j) − x_target with optional gradient softmax(x) − e_target,
/// FPU-free (the integer form of [`crate::softmax::cross_entropy`]).
///
/// Algorithm: the passes of [`softmax`] (terms stored in `grad` when given), ln S by
/// `math::int::ln`, L = ln S − (x_target − m) as in [`log_softmax`]; the gradient is the
/// softmax with 1 subtracted at `target` (correctly rounded).
/// Accuracy: loss absolute error as [`log_softmax`]'s (< 4·2^−24 + half an ulp on rows with
/// |max| < 16, else ≤ 2^−30·max(1, L); contract 2e−6·max(1, L); measured 1.11e−7); gradient
/// as [`softmax`] plus half an ulp at `target`. x_target = −∞ gives +∞; with +∞ logits,
/// L = ln(count) if x_target = +∞, else +∞.
/// Cost (`cargo xtask bench`, N = 256 with gradient, QEMU instructions per element): 144.8 on
/// the M0 and 60.8 on the M3 (were 152.3 / 64.3, 172.9 / 76.9, and 355.2 / 157.2 before;
/// goals 200 / 80: met), against 2,892 and 1,725 for the float form on soft float (20.0× /
/// 28.4×); code 6.9 KiB (M0) / 5.5 KiB (M3).
///
/// # Errors
/// [`Error::Empty`], [`Error::IndexOutOfRange`] (`target ≥ logits.len()`),
/// [`Error::LengthMismatch`] (`grad` length), [`Error::NanInput`], [`Error::AllNegInfinity`].
///
/// Stack (bytes, `cargo xtask bench`): M0 364 · M3/M4F/M7/M33/M55 296.
/// <!-- stack: softmax::nofpu::cross_entropy -->
///
/// ```
/// use mcu_kernels::softmax::nofpu::cross_entropy;
/// use mcu_kernels::Error;
///
/// let logits = [2.0f32, 0.5, -1.0];
/// let mut grad = [0.0f32; 3];
/// let loss = cross_entropy(&logits, 0, Some(&mut grad))?;
/// // L = ln Σ e^(x_j) − x_0, in f64.
/// let lse = logits.iter().map(|&v| f64::from(v).exp()).sum::<f64>().ln();
/// assert!((f64::from(loss) - (lse - 2.0)).abs() <= 2e-6);
/// // The gradient softmax(x) − e_0 sums to 0 and is negative only at the target.
/// assert!(grad[0] < 0.0 && grad[1] > 0.0 && grad[2] > 0.0);
/// assert!(grad.iter().sum::<f32>().abs() < 1e-6);
/// assert_eq!(
///     cross_entropy(&logits, 3, None),
///     Err(Error::IndexOutOfRange { index: 3, len: 3 })
/// );
/// # Ok::<(), Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn cross_entropy(
    logits: &[f32],
    target: usize,
    mut grad: Option<&mut [f32]>,
) -> Result<f32, Error> {
    let len = logits.len();
    if len == 0 {
        return Err(Error::Empty);
    }
    let Some(&xt) = logits.get(target) else {
        return Err(Error::IndexOutOfRange { index: target, len });
    };
    if let Some(g) = grad.as_deref() {
        same_len(len, g.len())?;
    }
    let loss = match scan(logits)? {
        Scan::PosInf { count } => {
            if let Some(g) = grad.as_deref_mut() {
                pos_inf_into(logits, g, count);
            }
            if xt.to_bits() == 0x7F80_0000 {
                pack(ln_u64(count as u64, 0), false)
            } else {
                f32::INFINITY
            }
        }
        Scan::Finite(row) => {
            let sum = match grad.as_deref_mut() {
                Some(g) => {
                    let sum = terms_into(logits, g, &row)?;
                    normalise(g, sum);
                    sum
                }
                None => terms(logits, &row)?,
            };
            let l = ln_sum(sum);
            let bt = xt.to_bits();
            if bt == 0xFF80_0000 {
                f32::INFINITY
            } else {
                // L = ln S − (x_t − m).
                minus_lse(bt, &row, l, l.to_fixed(32), true)
            }
        }
    };
    if let Some(gt) = grad.and_then(|g| g.get_mut(target)) {
        *gt = minus_one(*gt);
    }
    Ok(loss)
}

#[cfg(test)]
mod tests;
