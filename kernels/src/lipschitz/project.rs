//! Projections that enforce ‖W‖₂ ≤ c (Newhouse et al. 2025, "Training Transformers with
//! Enforced Lipschitz Constants"; Björck & Bowie 1971).
//!
//! Every projection works in place on a row-major `rows × cols` matrix with a scratch of
//! [`projection_scratch_len`] floats, and returns the certified upper bound
//! ([`spectral_norm_upper_bound`](crate::lipschitz::spectral_norm_upper_bound) with [`GRAM_ITERS`]) of the result, which is
//! ≤ c·(1 + [`PROJECTION_TOL`]): each one ends with that check and, should a polynomial or a
//! power-iteration estimate have left the bound above it (rounding; a hammer whose second
//! singular value is above c), falls back to spectral normalization by the certified bound.

use super::norm::{
    check_matrix, power_iteration_impl as power_iteration,
    spectral_norm_upper_bound_impl as spectral_norm_upper_bound, GRAM_ITERS,
};
use crate::Error;

/// Tolerance of every projection: the returned certified bound is ≤ c·(1 + PROJECTION_TOL).
///
/// ```
/// use mcu_kernels::lipschitz::{spectral_normalize, PROJECTION_TOL};
///
/// let mut w = [10.0f32, 0.0, 0.0, 1.0];
/// let mut scratch = [0.0f32; 8];
/// assert!(spectral_normalize(&mut w, 2, 2, 3.0, &mut scratch)? <= 3.0 * (1.0 + PROJECTION_TOL));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
pub const PROJECTION_TOL: f32 = 1e-3;

/// The hard-cap polynomial's coefficients (a, b, c) of p(x) = ax + bx³ + cx⁵, applied in
/// order to a matrix prescaled to ‖M‖₂ ≤ 1. Their composition maps [0, 1] into [0, 0.9661].
///
/// ```
/// use mcu_kernels::lipschitz::HARD_CAP_COEFFS;
///
/// // The composition of the four odd polynomials maps [0, 1] into [0, 0.9661] (f64 grid).
/// let mut hi = 0.0f64;
/// for i in 0..=10_000 {
///     let mut x = f64::from(i) / 10_000.0;
///     for [a, b, c] in HARD_CAP_COEFFS.map(|r| r.map(f64::from)) {
///         x = a * x + b * x.powi(3) + c * x.powi(5);
///     }
///     assert!(x >= 0.0);
///     hi = hi.max(x);
/// }
/// assert!(hi <= 0.9661 && hi > 0.96);
/// ```
pub const HARD_CAP_COEFFS: [[f32; 3]; 4] = [
    [0.805032, 0.206361, -0.019763],
    [0.649867, 0.162935, -0.011150],
    [1.810259, -0.200265, 0.008251],
    [1.004384, -0.183490, 0.014413],
];

/// Scratch length of the projections: 2·cols² (the Gram matrix WᵀW and a polynomial in it).
///
/// ```
/// use mcu_kernels::{lipschitz::{projection_scratch_len, spectral_normalize}, Error};
///
/// assert_eq!(projection_scratch_len(16, 16), 512);
/// let mut w = [1.0f32; 6]; // 2×3: 2·3² = 18 floats needed
/// let mut scratch = [0.0f32; 17];
/// assert_eq!(
///     spectral_normalize(&mut w, 2, 3, 1.0, &mut scratch),
///     Err(Error::LengthMismatch { expected: 18, actual: 17 })
/// );
/// ```
pub const fn projection_scratch_len(_rows: usize, cols: usize) -> usize {
    2 * cols * cols
}

// Inlined in the no-panic proof build only: there a call across codegen units is taken as
// possibly unwinding. On the target it would copy the Gram iteration into every caller.
#[cfg_attr(assert_no_panic, inline(always))]
fn check(w: &[f32], rows: usize, cols: usize, c: f32, scratch: &[f32]) -> Result<(), Error> {
    check_matrix(w, rows, cols)?;
    if !(c.is_finite() && c > 0.0) {
        return Err(Error::BadParameter("c must be finite and > 0"));
    }
    let need = projection_scratch_len(rows, cols);
    if scratch.len() < need {
        return Err(Error::LengthMismatch {
            expected: need,
            actual: scratch.len(),
        });
    }
    Ok(())
}

// Inlined in the no-panic proof build only: there a call across codegen units is taken as
// possibly unwinding. On the target it would copy the Gram iteration into every caller.
#[cfg_attr(assert_no_panic, inline(always))]
fn bound(w: &[f32], rows: usize, cols: usize, scratch: &mut [f32]) -> Result<f32, Error> {
    spectral_norm_upper_bound(w, rows, cols, GRAM_ITERS, scratch)
}

/// Scales w by c/σ̄ while its certified bound σ̄ exceeds c(1 + tol/2); returns the bound, or
/// [`Error::BadParameter`] if four scalings leave it above c·(1 + tol) (c in the subnormal
/// range, where the scaled entries lose their precision: found by `cargo xtask fuzz`).
// Inlined in the no-panic proof build only: there a call across codegen units is taken as
// possibly unwinding. On the target it would copy the Gram iteration into every caller.
#[cfg_attr(assert_no_panic, inline(always))]
fn normalize_to(
    w: &mut [f32],
    rows: usize,
    cols: usize,
    c: f32,
    scratch: &mut [f32],
) -> Result<f32, Error> {
    let mut s = bound(w, rows, cols, scratch)?;
    // Each pass shrinks the bound to within rounding of c·(1 − 2^−20); three passes are
    // more than enough, and the loop is bounded.
    for _ in 0..4 {
        if s <= c * (1.0 + 0.5 * PROJECTION_TOL) {
            return Ok(s);
        }
        // Computed in f64 so that huge s (up to +∞) and tiny c do not overflow.
        let f = (c as f64 / s as f64 * (1.0 - 1.0 / 1_048_576.0)) as f32;
        for x in w.iter_mut() {
            *x *= f;
        }
        s = bound(w, rows, cols, scratch)?;
    }
    // The contract, checked in f64 (c·(1 + tol) rounds to c itself for a subnormal c).
    if f64::from(s) <= f64::from(c) * (1.0 + f64::from(PROJECTION_TOL)) {
        Ok(s)
    } else {
        Err(Error::BadParameter(
            "c too small: the bound cannot be certified within c·(1 + PROJECTION_TOL)",
        ))
    }
}

/// The final check every projection ends with: if the certified bound is above
/// c·(1 + tol), spectral normalization.
// Inlined in the no-panic proof build only: there a call across codegen units is taken as
// possibly unwinding. On the target it would copy the Gram iteration into every caller.
#[cfg_attr(assert_no_panic, inline(always))]
fn finish(
    w: &mut [f32],
    rows: usize,
    cols: usize,
    c: f32,
    scratch: &mut [f32],
) -> Result<f32, Error> {
    if !w.iter().all(|x| x.is_finite()) {
        return Err(Error::NonFinite);
    }
    normalize_to(w, rows, cols, c, scratch)
}

/// Spectral normalization: W ← W / max(1, σ̄/c), σ̄ the certified upper bound.
///
/// **Formula:** as Newhouse et al., with the certified bound in place of a power-iteration
/// estimate, so the result is certified. **Algorithm:** one Gram bound; if σ̄ > c, one scaling
/// by c/σ̄·(1 − 2^−20) and a second bound (repeated at most 4 times). A matrix already within
/// c is returned unchanged. **Accuracy:** returned bound ≤ c·(1 + [`PROJECTION_TOL`]);
/// σ_max after is within the Gram bound's tightness (≤ 1 %) of c when σ_max before was above.
/// **Cost:** one or two Gram bounds plus rows·cols multiplies: 421,010 instructions at
/// 16×16 (c below the norm) on the Cortex-M4F (`cargo xtask bench`).
///
/// # Errors
/// As [`spectral_norm_upper_bound`](crate::lipschitz::spectral_norm_upper_bound); [`Error::BadParameter`] if c ≤ 0 or not finite,
/// or so small (subnormal) that no scaling certifies ≤ c·(1 + [`PROJECTION_TOL`]) (W is then left
/// scaled down, its bound below the input's);
/// [`Error::LengthMismatch`] if `scratch` is shorter than [`projection_scratch_len`].
///
/// Stack (bytes, `cargo xtask bench`): M4F/M7/M33/M55 540.
/// <!-- stack: lipschitz::spectral_normalize -->
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
/// use mcu_kernels::lipschitz::{projection_scratch_len, spectral_normalize, PROJECTION_TOL};
///
/// let mut w = [1.0f32, 2.0, 3.0, 4.0, 0.0, 1.0]; // 3×2, σ_max ≈ 5.5
/// let mut scratch = [0.0f32; projection_scratch_len(3, 2)];
/// let bound = spectral_normalize(&mut w, 3, 2, 1.0, &mut scratch)?;
/// let (smax, _) = svals(&w);
/// // The certified bound is ≤ c·(1 + tol) and ≥ the true σ_max, which lands within 1 % of c.
/// assert!(bound <= 1.0 + PROJECTION_TOL);
/// assert!(f64::from(bound) >= smax && smax > 0.99);
/// // A matrix already within c is left as it is.
/// let mut small = [0.1f32, 0.0, 0.0, 0.2, 0.0, 0.0];
/// spectral_normalize(&mut small, 3, 2, 1.0, &mut scratch)?;
/// assert_eq!(small, [0.1, 0.0, 0.0, 0.2, 0.0, 0.0]);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn spectral_normalize(
    w: &mut [f32],
    rows: usize,
    cols: usize,
    c: f32,
    scratch: &mut [f32],
) -> Result<f32, Error> {
    check(w, rows, cols, c, scratch)?;
    normalize_to(w, rows, cols, c, scratch)
}

/// Spectral hammer: W ← W + (c − σ̂)·u vᵀ, setting the top singular value to c.
///
/// **Algorithm:** `steps` power-iteration steps from the persistent right vector `v`
/// (length cols; `u`, length rows, is a work buffer), then z = Wv (v normalised), σ̂ = ‖z‖ and,
/// if σ̂ > c, W ← W + (c/σ̂ − 1)·z vᵀ. Only the top singular direction moves, so a second
/// singular value above c survives the hammer: the final certified check then falls back to
/// spectral normalization (see the module doc). **Accuracy:** returned bound ≤
/// c·(1 + [`PROJECTION_TOL`]). **Cost:** 2·steps·rows·cols + O(rows·cols) plus one or two
/// Gram bounds: 506,085 instructions at 16×16 with 2 steps on the Cortex-M4F.
///
/// # Errors
/// As [`spectral_normalize`]; [`Error::LengthMismatch`] for `v`/`u` of the wrong lengths;
/// [`Error::BadParameter`] if `steps` = 0.
///
/// Stack (bytes, `cargo xtask bench`): M4F/M7/M33/M55 676.
/// <!-- stack: lipschitz::spectral_hammer[2steps] -->
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
/// use mcu_kernels::lipschitz::{spectral_hammer, PROJECTION_TOL};
///
/// // diag(3, 0.5): the hammer sets the top singular value to c = 1 and leaves 0.5 alone.
/// let mut w = [3.0f32, 0.0, 0.0, 0.5];
/// let (mut v, mut u) = ([1.0f32, 0.3], [0.0f32; 2]);
/// let mut scratch = [0.0f32; 8];
/// let bound = spectral_hammer(&mut w, 2, 2, 1.0, &mut v, &mut u, 30, &mut scratch)?;
/// let (s1, s2) = svals(&w);
/// assert!(bound <= 1.0 + PROJECTION_TOL && f64::from(bound) >= s1);
/// assert!((s1 - 1.0).abs() < 1e-3 && (s2 - 0.5).abs() < 1e-3);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[allow(clippy::too_many_arguments)]
pub fn spectral_hammer(
    w: &mut [f32],
    rows: usize,
    cols: usize,
    c: f32,
    v: &mut [f32],
    u: &mut [f32],
    steps: u32,
    scratch: &mut [f32],
) -> Result<f32, Error> {
    check(w, rows, cols, c, scratch)?;
    power_iteration(w, rows, cols, v, u, steps)?;
    let nv = libm::sqrtf(v.iter().fold(0.0f32, |s, a| s + a * a));
    if nv > 0.0 && nv.is_finite() {
        let inv = 1.0 / nv;
        for x in v.iter_mut() {
            *x *= inv;
        }
        // z = Wv into u (in f64 per row then rounded: W may be huge).
        let mut nz2 = 0.0f64;
        for (ui, row) in u.iter_mut().zip(w.chunks_exact(cols.max(1))) {
            let s = row
                .iter()
                .zip(v.iter())
                .fold(0.0f64, |s, (&a, &b)| s + a as f64 * b as f64);
            nz2 += s * s;
            *ui = s as f32;
        }
        let sigma = libm::sqrt(nz2);
        if sigma > c as f64 && sigma.is_finite() {
            let f = (c as f64 / sigma - 1.0) as f32;
            for (&zi, row) in u.iter().zip(w.chunks_exact_mut(cols.max(1))) {
                let fz = f * zi;
                for (x, &vj) in row.iter_mut().zip(v.iter()) {
                    *x += fz * vj;
                }
            }
        }
    }
    finish(w, rows, cols, c, scratch)
}

/// W ← W·q(WᵀW/c²) with q(t) = q0 + q1·t + q2·t²: the odd matrix polynomial that maps each
/// singular value σ to σ·q(σ²/c²). Uses scratch = [A | B], A, B cols×cols.
// Inlined in the no-panic proof build only: there a call across codegen units is taken as
// possibly unwinding. On the target it would copy the Gram iteration into every caller.
#[cfg_attr(assert_no_panic, inline(always))]
fn apply_poly(
    w: &mut [f32],
    cols: usize,
    c: f32,
    q: [f32; 3],
    scratch: &mut [f32],
) -> Result<(), Error> {
    // cols ≤ MAX_DIM = 4096 (checked by the caller), so cols² ≤ 2^24 cannot wrap.
    let Some((a, rest)) = scratch.split_at_mut_checked(cols.wrapping_mul(cols)) else {
        return Err(Error::Empty);
    };
    let Some(b) = rest.get_mut(..cols.wrapping_mul(cols)) else {
        return Err(Error::Empty);
    };
    let [q0, q1, q2] = q;
    let inv_c2 = ((1.0 / c as f64) * (1.0 / c as f64)) as f32;
    // A = WᵀW/c², accumulated over rows (outer products).
    a.fill(0.0);
    for row in w.chunks_exact(cols.max(1)) {
        for (arow, &xi) in a.chunks_exact_mut(cols.max(1)).zip(row) {
            for (aij, &xj) in arow.iter_mut().zip(row) {
                *aij += xi * xj;
            }
        }
    }
    for x in a.iter_mut() {
        *x *= inv_c2;
    }
    // B = q2·A² + q1·A + q0·I (A symmetric: (A²)_ij = Σ_k A_ik A_jk).
    for (i, (brow, arow_i)) in b
        .chunks_exact_mut(cols.max(1))
        .zip(a.chunks_exact(cols.max(1)))
        .zip(0..cols)
        .map(|(item, i)| (i, item))
    {
        for ((bij, arow_j), j) in brow
            .iter_mut()
            .zip(a.chunks_exact(cols.max(1)))
            .zip(0..cols)
        {
            let sq = if q2 != 0.0 {
                arow_i
                    .iter()
                    .zip(arow_j)
                    .fold(0.0f32, |s, (&x, &y)| s + x * y)
            } else {
                0.0
            };
            let aij = arow_i.get(j).copied().unwrap_or(0.0);
            *bij = q2 * sq + q1 * aij + if i == j { q0 } else { 0.0 };
        }
    }
    // Each row: row ← row·B, through a row of A as temporary.
    let Some(tmp) = a.get_mut(..cols) else {
        return Err(Error::Empty);
    };
    for row in w.chunks_exact_mut(cols.max(1)) {
        tmp.fill(0.0);
        for (&x, brow) in row.iter().zip(b.chunks_exact(cols.max(1))) {
            for (t, &bij) in tmp.iter_mut().zip(brow) {
                *t += x * bij;
            }
        }
        for (x, &t) in row.iter_mut().zip(tmp.iter()) {
            *x = t;
        }
    }
    Ok(())
}

/// Spectral soft cap: M ← M(I − αMᵀM), then M ← M(I + αMᵀM), M = W/c.
///
/// **Formula:** each singular value σ (of M) becomes f(σ) = g(σ − ασ³), g(y) = y + αy³;
/// f(σ) ≤ σ on [0, 1] for α ∈ (0, 1/3]. **Algorithm:** if the certified bound is above c, W
/// is first spectrally normalized to c (so σ(M) ≤ 1), then the two polynomial steps, then
/// the final certified check. Singular values well below c move by O(α σ⁵) only.
/// **Accuracy:** returned bound ≤ c·(1 + [`PROJECTION_TOL`]). **Cost:** 2·(cols³ + rows·cols²)
/// multiply-adds plus up to three Gram bounds: 702,724 instructions at 16×16 on the
/// Cortex-M4F (`cargo xtask bench`).
///
/// # Errors
/// As [`spectral_normalize`]; [`Error::BadParameter`] unless 0 < α ≤ 1/3.
///
/// Stack (bytes, `cargo xtask bench`): M4F/M7/M33/M55 604.
/// <!-- stack: lipschitz::spectral_soft_cap -->
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
/// use mcu_kernels::{lipschitz::{spectral_soft_cap, PROJECTION_TOL}, Error};
///
/// // Singular values 0.9 and 0.2 (c = 1): each maps to f(σ) ≤ σ, small ones barely move.
/// let mut w = [0.9f32, 0.0, 0.0, 0.2, 0.0, 0.0];
/// let mut scratch = [0.0f32; 8];
/// let bound = spectral_soft_cap(&mut w, 3, 2, 1.0, 0.1, &mut scratch)?;
/// let (s1, s2) = svals(&w);
/// assert!(bound <= 1.0 + PROJECTION_TOL && f64::from(bound) >= s1);
/// assert!(s1 <= 0.9 && s2 <= 0.2 && s2 > 0.2 * (1.0 - 1e-3));
/// let too_big = spectral_soft_cap(&mut w, 3, 2, 1.0, 0.5, &mut scratch); // α > 1/3
/// assert!(matches!(too_big, Err(Error::BadParameter(_))));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn spectral_soft_cap(
    w: &mut [f32],
    rows: usize,
    cols: usize,
    c: f32,
    alpha: f32,
    scratch: &mut [f32],
) -> Result<f32, Error> {
    check(w, rows, cols, c, scratch)?;
    if !(alpha > 0.0 && alpha <= 1.0 / 3.0) {
        return Err(Error::BadParameter("alpha must be in (0, 1/3]"));
    }
    normalize_to(w, rows, cols, c, scratch)?;
    for q in [[1.0, -alpha, 0.0], [1.0, alpha, 0.0]] {
        apply_poly(w, cols, c, q, scratch)?;
    }
    finish(w, rows, cols, c, scratch)
}

/// Spectral hard cap: after prescaling to ‖W‖₂ ≤ c, the four odd polynomials
/// p(x) = ax + bx³ + cx⁵ of [`HARD_CAP_COEFFS`] applied to M = W/c.
///
/// **Formula:** M ← M(aI + b MᵀM + c (MᵀM)²); on singular values the composition maps
/// [0, 1] into [0, 0.9661] (checked on a fine grid by a unit test). **Algorithm:** certified
/// prescale (spectral normalization), 4 polynomial steps, final certified check.
/// **Accuracy:** returned bound ≤ c·(1 + [`PROJECTION_TOL`]). **Cost:** 4·(2·cols³ +
/// rows·cols²) multiply-adds plus up to three Gram bounds: 831,746 instructions at 16×16
/// on the Cortex-M4F (`cargo xtask bench`).
///
/// # Errors
/// As [`spectral_normalize`].
///
/// Stack (bytes, `cargo xtask bench`): M4F/M7/M33/M55 564.
/// <!-- stack: lipschitz::spectral_hard_cap -->
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
/// use mcu_kernels::lipschitz::{spectral_hard_cap, PROJECTION_TOL};
///
/// let mut w = [4.0f32, 1.0, -2.0, 3.0]; // 2×2, σ_max ≈ 4.5
/// let mut scratch = [0.0f32; 8];
/// let bound = spectral_hard_cap(&mut w, 2, 2, 2.0, &mut scratch)?;
/// let (s1, _) = svals(&w);
/// // The polynomials map [0, c] into [0, 0.9661·c] (up to the prescale's tolerance).
/// assert!(bound <= 2.0 * (1.0 + PROJECTION_TOL) && f64::from(bound) >= s1);
/// assert!(s1 <= 2.0 * 0.9661 * 1.001);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn spectral_hard_cap(
    w: &mut [f32],
    rows: usize,
    cols: usize,
    c: f32,
    scratch: &mut [f32],
) -> Result<f32, Error> {
    check(w, rows, cols, c, scratch)?;
    normalize_to(w, rows, cols, c, scratch)?;
    for q in HARD_CAP_COEFFS {
        apply_poly(w, cols, c, q, scratch)?;
    }
    finish(w, rows, cols, c, scratch)
}

/// Björck orthonormalization: W ← (1 + β)W − βW(WᵀW/c²), β = 1/2, `iters` times, after a
/// certified prescale to ‖W‖₂ ≤ c.
///
/// **Formula:** σ ↦ σ(3 − σ²/c²)/2 is increasing on [0, c] with fixed point c, so every
/// nonzero singular value converges to c (W/c to the orthogonal polar factor) and none leaves
/// [0, c]. From σ = 0.1·c, 10 iterations reach 1 − σ/c < 1e−6 (in exact arithmetic 1 − σ/c
/// goes 0.85, 0.78, 0.67, 0.53, 0.34, 0.15, 0.034, 1.7e−3, 4.5e−6, 3e−11). Once they have
/// converged, the certified bound of the result is c·rank^(1/1024) (all singular values
/// equal), above c·(1 + [`PROJECTION_TOL`]/2) for every rank ≥ 2, so the final check
/// rescales: the singular values end at c/rank^(1/1024) (c/1.00068 for rank 2, c/1.0027 for
/// rank 16), not at c. **Accuracy:** returned bound ≤ c·(1 + [`PROJECTION_TOL`]).
/// **Cost:** iters·(cols³ + rows·cols²) multiply-adds plus up to
/// three Gram bounds: 984,182 instructions at 16×16 with 4 iterations on the
/// Cortex-M4F (`cargo xtask bench`).
///
/// # Errors
/// As [`spectral_normalize`]; [`Error::BadParameter`] if `iters` > 100.
///
/// Stack (bytes, `cargo xtask bench`): M4F/M7/M33/M55 572.
/// <!-- stack: lipschitz::bjorck_orthonormalize[4iters] -->
///
/// ```
/// use mcu_kernels::{lipschitz::bjorck_orthonormalize, Error};
///
/// // 20 iterations: WᵀW → σ²·I, columns orthogonal and of equal norm σ just below c (the
/// // final check scales by the Gram bound's slack, 2^(1/1024) for rank 2), checked in f64.
/// let mut w = [1.0f32, 0.5, 0.2, 1.0, 0.0, 0.3]; // 3×2
/// let mut scratch = [0.0f32; 8];
/// let c = 2.0f32;
/// let bound = bjorck_orthonormalize(&mut w, 3, 2, c, 20, &mut scratch)?;
/// let col = |j: usize| [w[j], w[2 + j], w[4 + j]].map(f64::from);
/// let dot = |a: [f64; 3], b: [f64; 3]| a.iter().zip(&b).map(|(x, y)| x * y).sum::<f64>();
/// let (n0, n1) = (dot(col(0), col(0)).sqrt(), dot(col(1), col(1)).sqrt());
/// assert!((n0 - n1).abs() < 1e-5 && dot(col(0), col(1)).abs() < 1e-5);
/// assert!(n0 <= f64::from(bound) && n0 > 2.0 / 2f64.powf(1.0 / 1024.0) * (1.0 - 1e-5));
/// let too_many = bjorck_orthonormalize(&mut w, 3, 2, c, 101, &mut scratch);
/// assert!(matches!(too_many, Err(Error::BadParameter(_))));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn bjorck_orthonormalize(
    w: &mut [f32],
    rows: usize,
    cols: usize,
    c: f32,
    iters: u32,
    scratch: &mut [f32],
) -> Result<f32, Error> {
    check(w, rows, cols, c, scratch)?;
    if iters > 100 {
        return Err(Error::BadParameter("iters > 100"));
    }
    normalize_to(w, rows, cols, c, scratch)?;
    for _ in 0..iters {
        apply_poly(w, cols, c, [1.5, -0.5, 0.0], scratch)?;
    }
    finish(w, rows, cols, c, scratch)
}
