//! Spectral-norm bounds: the certified Gram-iteration upper bound and power iteration.
//!
//! # Rounding model
//! Every proof below assumes IEEE-754 binary32 arithmetic rounded to nearest (the only mode
//! Rust code runs in), unit roundoff u = 2^−24, and allows flush-to-zero: an operation whose
//! result is below 2^−126 in magnitude may be off by up to 2^−126 in absolute terms. For a
//! sequential dot product of n terms (n·u < 1) the computed value differs from the exact one
//! by at most γ_n·Σ|a_i b_i| + 2n·2^−126 with γ_n = n·u/(1 − n·u) (Higham, *Accuracy and
//! Stability of Numerical Algorithms*, §3.1). The final assembly of the bound runs in f64
//! (a few dozen operations), each result inflated by a factor 1 + 2^−51 that dominates its
//! rounding.

use crate::error::same_len;
use crate::Error;

/// Largest number of rows or columns the norm and projection functions accept.
///
/// ```
/// use mcu_kernels::{lipschitz::{spectral_norm_upper_bound, MAX_DIM, MAX_ELEMS}, Error};
///
/// // A 1 × (MAX_DIM + 1) row vector is refused (and so is any shape above MAX_ELEMS).
/// let w = [1.0f32; MAX_DIM + 1];
/// let mut scratch = [0.0f32; 2];
/// assert!(matches!(
///     spectral_norm_upper_bound(&w, 1, MAX_DIM + 1, 8, &mut scratch),
///     Err(Error::BadParameter(_))
/// ));
/// assert_eq!(MAX_ELEMS, 65_536);
/// ```
pub const MAX_DIM: usize = 4096;
/// Largest rows·cols they accept (keeps every γ_n below 0.004). Example: see the example on
/// [`MAX_DIM`].
pub const MAX_ELEMS: usize = 65_536;
/// Default number of Gram iterations of [`spectral_norm_upper_bound`] (K = 9 products): the
/// bound is then at most rank^(1/1024) above σ_max before rounding, ≤ 0.34 % for rank ≤ 32
/// and ≤ 1 % for every shape the function accepts (rank ≤ 4096 gives 0.82 %).
///
/// ```
/// use mcu_kernels::{lipschitz::{spectral_norm_upper_bound, GRAM_ITERS, MAX_GRAM_ITERS}, Error};
///
/// // diag(1, 1, 1, 1) has σ_max = 1 and rank 4: more iterations tighten the bound towards 1.
/// let mut w = [0.0f32; 16];
/// for i in 0..4 {
///     w[5 * i] = 1.0;
/// }
/// let mut s = [0.0f32; 32];
/// let b0 = spectral_norm_upper_bound(&w, 4, 4, 0, &mut s)?;
/// let b = spectral_norm_upper_bound(&w, 4, 4, GRAM_ITERS, &mut s)?;
/// assert!(b0 >= 1.0 && b >= 1.0 && b < b0);
/// assert!(f64::from(b) <= 4f64.powf(1.0 / 1024.0) * (1.0 + 1e-5)); // rank^(1/1024), rounded up
/// assert!(matches!(
///     spectral_norm_upper_bound(&w, 4, 4, MAX_GRAM_ITERS + 1, &mut s),
///     Err(Error::BadParameter(_))
/// ));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
pub const GRAM_ITERS: u32 = 8;
/// Largest number of Gram iterations accepted. Example: see the example on [`GRAM_ITERS`].
pub const MAX_GRAM_ITERS: u32 = 16;

/// Unit roundoff of f32.
const U: f64 = 1.0 / 16_777_216.0;
/// Absolute error allowed per f32 operation near underflow (flush-to-zero included).
const TINY: f64 = 1.0 / 85_070_591_730_234_615_865_843_651_857_942_052_864.0; // 2^-126

/// γ_n = n·u/(1 − n·u); callers keep n ≤ MAX_ELEMS so n·u < 0.004.
#[inline]
fn gamma(n: usize) -> f64 {
    let nu = n as f64 * U;
    nu / (1.0 - nu)
}

/// x rounded up by more than one f64 rounding (x ≥ 0).
#[inline]
fn up(x: f64) -> f64 {
    x + x * (1.0 / 2_251_799_813_685_248.0) // 2^-51
}

/// x rounded down by more than one f64 rounding (x ≥ 0).
#[inline]
fn down(x: f64) -> f64 {
    x - x * (1.0 / 2_251_799_813_685_248.0)
}

/// The smallest f32 ≥ x (x ≥ 0; +∞ above f32::MAX).
pub(crate) fn f32_up(x: f64) -> f32 {
    let r = x as f32;
    if (r as f64) < x {
        f32::from_bits(r.to_bits().wrapping_add(1)) // r < x ≤ ∞ is finite: bits < 0x7F80_0000
    } else {
        r
    }
}

/// The largest f32 ≤ x (x ≥ 0).
pub(crate) fn f32_down(x: f64) -> f32 {
    let r = x as f32;
    if (r as f64) > x && r > 0.0 {
        f32::from_bits(r.to_bits().wrapping_sub(1)) // r > 0: bits ≥ 1
    } else {
        r
    }
}

/// 2^e as f32 for e ∈ [−126, 127].
#[inline]
fn pow2(e: i32) -> f32 {
    f32::from_bits(((e + 127).clamp(1, 254) as u32) << 23)
}

/// 2^e as f64 for e ∈ [−1022, 1023].
#[inline]
fn pow2_f64(e: i32) -> f64 {
    f64::from_bits((e.saturating_add(1023).clamp(1, 2046) as u64) << 52)
}

/// Checks a row-major `rows × cols` matrix: shape, size limits, finiteness.
pub(crate) fn check_matrix(w: &[f32], rows: usize, cols: usize) -> Result<(), Error> {
    if rows == 0 || cols == 0 {
        return Err(Error::Empty);
    }
    if rows > MAX_DIM || cols > MAX_DIM || rows * cols > MAX_ELEMS {
        return Err(Error::BadParameter(
            "matrix larger than MAX_DIM or MAX_ELEMS",
        ));
    }
    if w.len() != rows * cols {
        return Err(Error::LengthMismatch {
            expected: rows * cols,
            actual: w.len(),
        });
    }
    if !w.iter().all(|x| x.is_finite()) {
        return Err(Error::NonFinite);
    }
    Ok(())
}

/// The exponent p with m = f·2^p, f ∈ [0.5, 1), for finite m > 0 (as `frexp`).
#[inline]
fn frexp_exponent(m: f32) -> i32 {
    let bits = m.to_bits() & 0x7fff_ffff;
    let e = (bits >> 23) as i32;
    if e != 0 {
        e - 126
    } else {
        // Subnormal: m = mant·2^−149, top bit of mant at 31 − lz.
        -117 - bits.leading_zeros() as i32
    }
}

/// Scaling that brings max|w| into [0.5, 1): the exponent p with max|w| = f·2^p, f ∈ [0.5, 1),
/// and two f32 factors whose product is 2^−p (each in the normal range).
fn exponent_scaling(w: &[f32]) -> Option<(i32, f32, f32)> {
    let m = w.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    if m == 0.0 {
        return None;
    }
    let p = frexp_exponent(m);
    let h = -p / 2;
    Some((p, pow2(h), pow2(-p - h)))
}

/// Buffer length [`spectral_norm_upper_bound`] needs: 2·min(rows, cols)².
///
/// ```
/// use mcu_kernels::lipschitz::gram_scratch_len;
///
/// // 2·min(rows, cols)²: the Gram matrices are min(rows, cols) square.
/// assert_eq!(gram_scratch_len(16, 16), 512);
/// assert_eq!(gram_scratch_len(3, 100), 18);
/// ```
pub const fn gram_scratch_len(rows: usize, cols: usize) -> usize {
    let d = if rows < cols { rows } else { cols };
    2 * d * d
}

/// b += x·xᵀ for a d×d row-major `b` (d = x.len()).
#[inline]
fn accumulate_outer(b: &mut [f32], x: &[f32]) {
    for (brow, &xi) in b.chunks_exact_mut(x.len().max(1)).zip(x) {
        for (bij, &xj) in brow.iter_mut().zip(x) {
            *bij += xi * xj;
        }
    }
}

/// Certified upper bound on the spectral norm ‖W‖₂ = σ_max(W) of a row-major `rows × cols`
/// matrix, by Gram iteration.
///
/// **Formula:** X₀ = W, X_{k+1} = X_kᵀX_k (after the first step X_k is d×d,
/// d = min(rows, cols)); σ_max(X_k) = σ_max(W)^(2^k), so with K = `iters` + 1 products
/// σ_max(W) ≤ ‖X_K‖_F^(1/2^K) ≤ σ_max(W)·rank(W)^(1/2^(K+1)).
///
/// **Algorithm:** W is scaled by a power of two so that max|w| ∈ [0.5, 1); X₁ is WᵀW or WWᵀ
/// (the smaller one), accumulated as a sum of outer products; after each product the matrix
/// is scaled by a power of two to max entry ∈ [0.5, 1) (no overflow or underflow however
/// large K). Each step records the power of two and a proven bound on the rounding error of
/// the product, ‖fl(XᵀX) − XᵀX‖₂ ≤ γ_n‖X‖_F² + 2nd·2^−126, plus the error of the scaling
/// (2^−125 per entry). The bound is then unwound from ‖X_K‖_F in f64:
/// B_k = sqrt(2^{p_{k+1}}(B_{k+1} + d·2^−125) + γ_n F_k + 2nd·2^−126), each result inflated,
/// and rounded up to f32. The result is ≥ σ_max(W) for every finite W, with no assumption on
/// conditioning (see the module's rounding model); above f32::MAX it is +∞. The zero matrix
/// gives 0.
///
/// **Tightness (measured, `host/tests/lipschitz_svd.rs`, 10,400 matrices up to 32×32 against
/// an f64 SVD, with `iters` = [`GRAM_ITERS`]):** bound/σ_max − 1 ≤ 0.34 % (the
/// rank^(1/1024) worst case) for every matrix; measured maxima per kind in the README
/// section. `iters` = 0 gives ‖WᵀW‖_F^(1/2).
///
/// **Cost:** d²·max(rows, cols) + `iters`·d³ multiply-adds, plus O(rows·cols + K·d²):
/// 209,280 instructions for 16×16 with [`GRAM_ITERS`] on the Cortex-M4F (`cargo xtask
/// bench`).
///
/// # Errors
/// [`Error::Empty`] for a zero-sized shape, [`Error::LengthMismatch`] if
/// `w.len() != rows·cols` or `scratch` is shorter than [`gram_scratch_len`],
/// [`Error::NonFinite`] for NaN or ±∞ entries, [`Error::BadParameter`] for a shape above
/// [`MAX_DIM`]/[`MAX_ELEMS`] or `iters` > [`MAX_GRAM_ITERS`].
///
/// Stack (bytes, `cargo xtask bench`): M0 252 · M3 168 · M4F/M7/M33/M55 468.
/// <!-- stack: lipschitz::spectral_norm_upper_bound -->
///
/// ```
/// // Singular values of a rows×2 matrix in closed form (f64): the eigenvalues of the 2×2 WᵀW.
/// let svals = |w: &[f32]| {
///     let (mut a, mut b, mut c) = (0.0f64, 0.0, 0.0);
///     for r in w.chunks(2) {
///         let (x, y) = (f64::from(r[0]), f64::from(r[1]));
///         a += x * x;
///         b += x * y;
///         c += y * y;
///     }
///     let h = (((a - c) / 2.0).powi(2) + b * b).sqrt();
///     (((a + c) / 2.0 + h).sqrt(), ((a + c) / 2.0 - h).max(0.0).sqrt())
/// };
/// use mcu_kernels::{lipschitz::{gram_scratch_len, spectral_norm_upper_bound, GRAM_ITERS}, Error};
///
/// let w = [1.0f32, 2.0, 3.0, 4.0, 0.5, -1.0]; // 3×2, row-major
/// let mut scratch = [0.0f32; gram_scratch_len(3, 2)];
/// let bound = spectral_norm_upper_bound(&w, 3, 2, GRAM_ITERS, &mut scratch)?;
/// // Certified: ≥ the true σ_max, and tight (≤ rank^(1/1024) above, rank 2 here).
/// let (smax, _) = svals(&w);
/// assert!(f64::from(bound) >= smax);
/// assert!(f64::from(bound) <= smax * 2f64.powf(1.0 / 1024.0) * (1.0 + 1e-6));
/// assert_eq!(spectral_norm_upper_bound(&[0.0; 6], 3, 2, GRAM_ITERS, &mut scratch)?, 0.0);
/// // Refusals.
/// let short = &mut [0.0f32; 7];
/// assert_eq!(
///     spectral_norm_upper_bound(&w, 3, 2, GRAM_ITERS, short),
///     Err(Error::LengthMismatch { expected: 8, actual: 7 })
/// );
/// let nan = [f32::NAN; 6];
/// assert_eq!(spectral_norm_upper_bound(&nan, 3, 2, 8, &mut scratch), Err(Error::NonFinite));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn spectral_norm_upper_bound(
    w: &[f32],
    rows: usize,
    cols: usize,
    iters: u32,
    scratch: &mut [f32],
) -> Result<f32, Error> {
    spectral_norm_upper_bound_impl(w, rows, cols, iters, scratch)
}

/// [`spectral_norm_upper_bound`] without the no-panic guard, for the other kernels to call (a call to a
/// guarded function is not known not to unwind).
// Inlined in the no-panic proof build only: there a call across codegen units is taken as
// possibly unwinding. On the target it would copy the Gram iteration into every caller.
#[cfg_attr(assert_no_panic, inline(always))]
pub(crate) fn spectral_norm_upper_bound_impl(
    w: &[f32],
    rows: usize,
    cols: usize,
    iters: u32,
    scratch: &mut [f32],
) -> Result<f32, Error> {
    check_matrix(w, rows, cols)?;
    if iters > MAX_GRAM_ITERS {
        return Err(Error::BadParameter("iters > MAX_GRAM_ITERS"));
    }
    let d = rows.min(cols);
    let n0 = rows.max(cols);
    let need = gram_scratch_len(rows, cols);
    if scratch.len() < need {
        return Err(Error::LengthMismatch {
            expected: need,
            actual: scratch.len(),
        });
    }
    let Some((p0, s1, s2)) = exponent_scaling(w) else {
        return Ok(0.0);
    };
    let Some((a, rest)) = scratch.split_at_mut_checked(d * d) else {
        return Err(Error::Empty);
    };
    let Some(b) = rest.get_mut(..d * d) else {
        return Err(Error::Empty);
    };
    let Some(line) = b.get_mut(..d) else {
        return Err(Error::Empty);
    };

    // Step 0: X₁ = Σ over lines ℓ of ŵ_ℓ ŵ_ℓᵀ, the lines being the rows of Ŵ (rows ≥ cols)
    // or its columns. F₀ = Σŵ² on the way.
    a.fill(0.0);
    let mut f0 = 0.0f32;
    if rows >= cols {
        for row in w.chunks_exact(cols.max(1)) {
            for (l, &x) in line.iter_mut().zip(row) {
                let v = x * s1 * s2;
                f0 += v * v;
                *l = v;
            }
            accumulate_outer(a, line);
        }
    } else {
        for c in 0..cols {
            for (l, row) in line.iter_mut().zip(w.chunks_exact(cols.max(1))) {
                let v = row.get(c).copied().unwrap_or(0.0) * s1 * s2;
                f0 += v * v;
                *l = v;
            }
            accumulate_outer(a, line);
        }
    }
    let m0 = rows * cols;
    // ‖Ŵ‖_F² ≤ (fl(Σŵ²) + 2m·2^−126)/(1 − γ_m).
    let f_up = |fl: f32, m: usize| up(up(fl as f64 + 2.0 * m as f64 * TINY) / (1.0 - gamma(m)));

    // exps[1..=iters + 1]: the power of two taken out of each of the iters + 1 products.
    let mut exps = [0i32; MAX_GRAM_ITERS as usize + 2];
    let mut errs = [0.0f64; MAX_GRAM_ITERS as usize + 1];
    // errs[k]: absolute bound on ‖fl(X_kᵀX_k) − X_kᵀX_k‖₂ (before the scaling by 2^−p).
    let err_of = |f: f64, n: usize| up(up(gamma(n) * f) + up(2.0 * (n * d) as f64 * TINY));
    if let Some(e) = errs.get_mut(0) {
        *e = err_of(f_up(f0, m0), n0);
    }

    let (mut x, mut y) = (a, b);
    // x holds fl(X_kᵀX_k), unscaled: scale it, record the exponent.
    let mut k = 0usize;
    let mut f_last;
    loop {
        let Some((p, t1, t2)) = exponent_scaling(x) else {
            // Cannot happen (a diagonal entry is ≥ 0.25); 0 would still be a valid X.
            return Ok(0.0);
        };
        let mut fk = 0.0f32;
        for v in x.iter_mut() {
            *v = *v * t1 * t2;
            fk += *v * *v;
        }
        if let Some(e) = exps.get_mut(k + 1) {
            *e = p;
        }
        f_last = f_up(fk, d * d);
        k += 1;
        if k > iters as usize {
            break;
        }
        // X_{k+1} = X_kᵀX_k, accumulated over the rows of X_k.
        if let Some(e) = errs.get_mut(k) {
            *e = err_of(f_last, d);
        }
        y.fill(0.0);
        for row in x.chunks_exact(d.max(1)) {
            accumulate_outer(y, row);
        }
        core::mem::swap(&mut x, &mut y);
    }
    // Now x = X_K' with K' = iters + 1 products... unwind. `k` = iters + 1 scaled matrices
    // X₁..X_k exist; x is X_k (scaled). B_k ≥ ‖X_k‖₂.
    let mut bound = up(libm::sqrt(f_last));
    let dscale = d as f64 * 2.0 * TINY; // ‖scaling error‖_F ≤ d·2^−125
    let mut j = k;
    while j > 0 {
        j -= 1;
        // ‖X_j‖₂² ≤ 2^{p_{j+1}}·(B_{j+1} + d·2^−125) + errs[j]
        // Every index is in range (the array holds MAX_GRAM_ITERS + 2 entries); were one not,
        // the largest exponent would keep the bound an upper bound (+∞).
        let p = exps.get(j + 1).copied().unwrap_or(1023);
        let e = errs.get(j).copied().unwrap_or(f64::INFINITY);
        let sq = up(up(pow2_f64(p) * up(bound + dscale)) + e);
        bound = up(libm::sqrt(sq));
    }
    // ‖W‖₂ ≤ 2^{p0}(‖Ŵ‖₂ + √(rows·cols)·2^−125)
    let wscale = up(libm::sqrt(m0 as f64)) * 2.0 * TINY;
    let result = up(pow2_f64(p0) * up(bound + wscale));
    Ok(f32_up(result))
}

/// Power iteration for the top singular value of a row-major `rows × cols` matrix, with a
/// persistent right vector `v` (length `cols`) carried between calls; `u` (length `rows`) is
/// a work buffer that holds the normalised left vector Wv/‖Wv‖ on return.
///
/// **Formula:** u = Wv, σ̂ = ‖u‖/‖v‖ ≤ σ_max(W) for every v ≠ 0; v ← Wᵀu/‖Wᵀu‖.
///
/// **Algorithm:** `steps` ≥ 1 steps on W scaled by a power of two (max|w| ∈ [0.5, 1)). A zero
/// or non-finite `v` is reset to (1, …, 1). The estimate from the last step is turned into a
/// rigorous lower bound by deflating it by its rounding error:
/// ‖Ŵv‖ ≥ ‖u‖ − γ_cols‖Ŵ‖_F‖v‖ − 2·cols·√rows·2^−126, with the norms' own rounding bounded
/// the same way, all in f64, then rounded down to f32. Returns 0 for the zero matrix (and for
/// a `v` orthogonal to every row after the reset).
///
/// **Accuracy:** a lower bound, converging like (σ₂/σ₁)^(2·steps) from a generic start; the
/// host tests check it is ≤ the f64 SVD value on every matrix they draw. **Cost:**
/// 2·rows·cols multiply-adds per step plus O(rows + cols): 13,288 instructions for one step
/// at 16×16 on the Cortex-M4F (`cargo xtask bench`).
///
/// # Errors
/// As [`spectral_norm_upper_bound`] for `w`; [`Error::LengthMismatch`] if `v.len() != cols`
/// or `u.len() != rows`; [`Error::BadParameter`] if `steps` = 0.
///
/// Stack (bytes, `cargo xtask bench`): M0 232 · M3 176 · M4F/M7 268 · M33/M55 276.
/// <!-- stack: lipschitz::power_iteration[1step] -->
///
/// ```
/// // Singular values of a rows×2 matrix in closed form (f64): the eigenvalues of the 2×2 WᵀW.
/// let svals = |w: &[f32]| {
///     let (mut a, mut b, mut c) = (0.0f64, 0.0, 0.0);
///     for r in w.chunks(2) {
///         let (x, y) = (f64::from(r[0]), f64::from(r[1]));
///         a += x * x;
///         b += x * y;
///         c += y * y;
///     }
///     let h = (((a - c) / 2.0).powi(2) + b * b).sqrt();
///     (((a + c) / 2.0 + h).sqrt(), ((a + c) / 2.0 - h).max(0.0).sqrt())
/// };
/// use mcu_kernels::{lipschitz::power_iteration, Error};
///
/// let w = [2.0f32, 1.0, 1.0, 3.0, 0.0, 1.0]; // 3×2
/// let (smax, _) = svals(&w);
/// let mut v = [1.0f32, 0.0]; // persistent right vector
/// let mut u = [0.0f32; 3];
/// // A rigorous lower bound, increasing towards σ_max as the vector converges.
/// let first = power_iteration(&w, 3, 2, &mut v, &mut u, 1)?;
/// let later = power_iteration(&w, 3, 2, &mut v, &mut u, 20)?;
/// assert!(f64::from(first) <= smax && f64::from(later) <= smax);
/// assert!(first <= later && f64::from(later) > smax * (1.0 - 1e-5));
/// // u holds the unit left vector Wv/‖Wv‖.
/// assert!((u.iter().map(|x| x * x).sum::<f32>() - 1.0).abs() < 1e-5);
/// assert_eq!(power_iteration(&w, 3, 2, &mut v, &mut u, 0), Err(Error::BadParameter("steps = 0")));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn power_iteration(
    w: &[f32],
    rows: usize,
    cols: usize,
    v: &mut [f32],
    u: &mut [f32],
    steps: u32,
) -> Result<f32, Error> {
    power_iteration_impl(w, rows, cols, v, u, steps)
}

/// [`power_iteration`] without the no-panic guard, for the other kernels to call (a call to a
/// guarded function is not known not to unwind).
// Inlined in the no-panic proof build only: there a call across codegen units is taken as
// possibly unwinding. On the target it would copy the Gram iteration into every caller.
#[cfg_attr(assert_no_panic, inline(always))]
pub(crate) fn power_iteration_impl(
    w: &[f32],
    rows: usize,
    cols: usize,
    v: &mut [f32],
    u: &mut [f32],
    steps: u32,
) -> Result<f32, Error> {
    check_matrix(w, rows, cols)?;
    same_len(cols, v.len())?;
    same_len(rows, u.len())?;
    if steps == 0 {
        return Err(Error::BadParameter("steps = 0"));
    }
    let Some((p0, s1, s2)) = exponent_scaling(w) else {
        u.fill(0.0);
        return Ok(0.0);
    };
    let mut fw = 0.0f32;
    for &x in w {
        let s = x * s1 * s2;
        fw += s * s;
    }
    let m0 = rows * cols;
    let fw_up = up(up(fw as f64 + 2.0 * m0 as f64 * TINY) / (1.0 - gamma(m0)));
    let norm2 = |x: &[f32]| x.iter().fold(0.0f32, |s, a| s + a * a);
    let mut lower = 0.0f64;
    for _ in 0..steps {
        let mut nv2 = norm2(v);
        if nv2 == 0.0 || !nv2.is_finite() {
            v.fill(1.0);
            nv2 = cols as f32;
        }
        // Normalise v (so that u stays in range).
        let inv = 1.0 / libm::sqrtf(nv2);
        for x in v.iter_mut() {
            *x *= inv;
        }
        let nv2 = norm2(v);
        // u = Ŵv
        for (ui, row) in u.iter_mut().zip(w.chunks_exact(cols.max(1))) {
            let mut s = 0.0f32;
            for (&a, &b) in row.iter().zip(v.iter()) {
                s += (a * s1 * s2) * b;
            }
            *ui = s;
        }
        let nu2 = norm2(u);
        // Rigorous lower bound on ‖Ŵ‖₂ from this (v, u).
        let u2_low = ((nu2 as f64 - 2.0 * rows as f64 * TINY) / (1.0 + gamma(rows))).max(0.0);
        let v2_up = up((nv2 as f64 + 2.0 * cols as f64 * TINY) / (1.0 - gamma(cols)));
        let nv_up = up(libm::sqrt(v2_up));
        let err = up(gamma(cols) * up(libm::sqrt(fw_up)) * nv_up)
            + up(2.0 * cols as f64 * up(libm::sqrt(rows as f64)) * TINY);
        let num = down(libm::sqrt(down(u2_low))) - err;
        lower = if num > 0.0 {
            down(down(num) / nv_up)
        } else {
            0.0
        };
        // v ← Ŵᵀu (scale does not matter).
        let nu = libm::sqrtf(nu2);
        let inv_u = if nu > 0.0 { 1.0 / nu } else { 0.0 };
        for x in u.iter_mut() {
            *x *= inv_u;
        }
        v.fill(0.0);
        for (&ui, row) in u.iter().zip(w.chunks_exact(cols.max(1))) {
            for (vj, &a) in v.iter_mut().zip(row) {
                *vj += (a * s1 * s2) * ui;
            }
        }
    }
    Ok(f32_down(down(lower * pow2_f64(p0))))
}

#[cfg(all(test, not(assert_no_panic)))]
pub(crate) fn frexp_exponent_for_tests(m: f32) -> i32 {
    frexp_exponent(m)
}
