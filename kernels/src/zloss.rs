//! The Z-loss (de Brébisson & Vincent 2016): a shift- and scale-invariant classification loss.
//!
//! Outputs o ∈ R^D, target c, population moments μ = Σo/D, σ² = Σ(o − μ)²/D,
//! z_c = (o_c − μ)/σ and
//!
//! L = (1/a)·softplus(a·(b − z_c)) = (1/a)·ln(1 + e^(a(b − z_c))),  a > 0,
//!
//! ∂L/∂o_k = −sigmoid(a(b − z_c))·[(δ_kc − 1/D) − z_c·z_k/D]/σ.
//!
//! L(α·o + β) = L(o) for α > 0. When σ = 0 (all outputs equal, including D = 1) z_c is
//! defined as 0: L = softplus(a·b)/a and the gradient is 0.
//!
//! [`zloss`] and [`zloss_grad`] take the float forms ([`fpu`]) where the target has a hardware
//! FPU and the integer-only forms ([`nofpu`]) elsewhere (chosen at compile time, see the crate
//! docs, "FPU and integer paths").

use crate::{math, Error};

pub mod nofpu;

/// Knuth's TwoSum: s + e = a + b exactly (no overflow assumed).
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline(always)]
fn two_sum(a: f32, b: f32) -> (f32, f32) {
    let s = a + b;
    let bb = s - a;
    let e = (a - (s - bb)) + (b - bb);
    (s, e)
}

/// Veltkamp split: hi + lo = a with hi holding the top 12 bits (|a| ≤ 2^115).
#[inline(always)]
fn split(a: f32) -> (f32, f32) {
    let c = 4097.0 * a;
    let hi = c - (c - a);
    (hi, a - hi)
}

/// Dekker's exact square without FMA: p + e = a·a exactly (|a| ≤ 2^100).
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline(always)]
fn two_square(a: f32) -> (f32, f32) {
    let p = a * a;
    let c = 4097.0 * a;
    let hi = c - (c - a);
    let lo = a - hi;
    let e = ((hi * hi - p) + 2.0 * hi * lo) + lo * lo;
    (p, e)
}

/// 2^e as f32 for e in [−126, 127].
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline(always)]
fn pow2(e: i32) -> f32 {
    let e = e.clamp(-126, 127);
    f32::from_bits(((e + 127) as u32) << 23)
}

/// floor(log2 r) for finite r > 0, 128 for +∞.
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
fn exponent(r: f32) -> i32 {
    if r == f32::INFINITY {
        return 128;
    }
    let bits = r.to_bits();
    let biased = ((bits >> 23) & 0xff) as i32;
    if biased != 0 {
        biased - 127
    } else {
        // Subnormal: 2^−149 · mantissa.
        let mant = bits & 0x7f_ffff;
        -149 + (31 - mant.leading_zeros() as i32)
    }
}

/// What the moments pass produces.
struct Moments {
    /// z_c in f64 (0 when σ = 0).
    z: f64,
    /// Scale factors: o' = o·s1·s2 (exact powers of two).
    sc1: f32,
    sc2: f32,
    /// Pivot o'_c.
    pivot: f32,
    /// σ of the scaled outputs (0 when all outputs are equal).
    sigma: f64,
    /// Σd and Σd² (scaled differences to the pivot) as normalised f32 hi + lo pairs.
    s1: (f32, f32),
    s2: (f32, f32),
    /// D·S2 − S1² = D²σ'².
    q: f64,
}

#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
fn validate(o: &[f32], target: usize, a: f32, b: f32) -> Result<f32, Error> {
    if o.is_empty() {
        return Err(Error::Empty);
    }
    if a.is_nan() || a <= 0.0 || a.is_infinite() {
        return Err(Error::BadParameter("a must be finite and > 0"));
    }
    if !b.is_finite() {
        return Err(Error::BadParameter("b must be finite"));
    }
    match o.get(target) {
        Some(&c) => Ok(c),
        None => Err(Error::IndexOutOfRange {
            index: target,
            len: o.len(),
        }),
    }
}

#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
fn moments(o: &[f32], oc: f32) -> Result<Moments, Error> {
    // Pass 1: NaN/∞ check, min and max.
    let mut lo = f32::INFINITY;
    let mut hi = f32::NEG_INFINITY;
    for &v in o {
        if v.is_nan() {
            return Err(Error::NanInput);
        }
        if v.is_infinite() {
            return Err(Error::BadParameter("infinite output"));
        }
        lo = if v < lo { v } else { lo };
        hi = if v > hi { v } else { hi };
    }
    if hi == lo {
        return Ok(Moments {
            z: 0.0,
            sc1: 1.0,
            sc2: 1.0,
            pivot: 0.0,
            sigma: 0.0,
            s1: (0.0, 0.0),
            s2: (0.0, 0.0),
            q: 0.0,
        });
    }
    // Scale by an exact power of two (two factors, each a normal f32) so that the spread
    // r = max − min lies in [1, 2). After scaling |o'_i − o'_c| ≤ 2: no overflow in the
    // squares, the Dekker split or the sums, squares of the differences that matter never
    // underflow, and the result is bit-for-bit invariant under o → 2^k·o.
    let r = hi - lo; // > 0 (gradual underflow); +∞ only if the spread overflows.
    let e = exponent(r);
    let half = -e / 2;
    let (s1, s2) = (pow2(half), pow2(-e - half));
    let pivot = oc * s1 * s2;
    // Pass 2: exact differences d = o' − pivot (TwoSum), then compensated sums
    // S1 = Σd and S2 = Σd² in double-f32 (hi + separately accumulated error terms).
    // Accumulators: |d| ≤ 2 after scaling, |S1| ≤ 2D, S2 ≤ 4D: no overflow for any D.
    let (mut a1, mut e1, mut a2, mut e2) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    for &v in o {
        let (dh, dl) = two_sum(v * s1 * s2, -pivot);
        let (t1, r1) = two_sum(a1, dh);
        a1 = t1;
        e1 += r1 + dl;
        let (sq, sqe) = two_square(dh);
        let (t2, r2) = two_sum(a2, sq);
        a2 = t2;
        e2 += r2 + (sqe + 2.0 * dh * dl);
    }
    let big_d = o.len() as f64;
    let sum1 = f64::from(a1) + f64::from(e1);
    let sum2 = f64::from(a2) + f64::from(e2);
    // D²σ² = D·S2 − S1²; z_c = (0 − S1/D)/σ = −S1/√(D·S2 − S1²).
    let q = big_d * sum2 - sum1 * sum1;
    if q.is_nan() || q <= 0.0 {
        return Ok(Moments {
            z: 0.0,
            sc1: s1,
            sc2: s2,
            pivot,
            sigma: 0.0,
            s1: (0.0, 0.0),
            s2: (0.0, 0.0),
            q: 0.0,
        });
    }
    let root = libm::sqrt(q);
    Ok(Moments {
        z: -sum1 / root,
        sc1: s1,
        sc2: s2,
        pivot,
        sigma: root / big_d,
        s1: two_sum(a1, e1),
        s2: two_sum(a2, e2),
        q,
    })
}

/// e^−64 to f64 precision.
const E_MINUS_64: f64 = 1.603_810_890_548_638e-28;

/// e^t for t ≤ 0 given in f64, to f32 accuracy of the result (not of t): t is split into
/// f32 hi + lo and e^t = e^hi·(1 + lo). Below −80 the result is formed as e^(t+64k)·e^−64k
/// (k ≤ 3 steps of 64, so that t + 64k ∈ (−80, −16] keeps the f32 exponential normal) and
/// stays accurate below the f32 range. Returns 0 for t ≤ −264 and for NaN.
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
fn exp_neg(t: f64) -> f64 {
    if t.is_nan() || t <= -264.0 {
        return 0.0;
    }
    // At most three steps of 64 (t > −264), unrolled: the common case t > −80 costs one
    // comparison.
    let (t, scale) = if t > -80.0 {
        (t, 1.0)
    } else {
        exp_neg_shift(t)
    };
    let th = t as f32;
    let e = math::fpu::exp(th) * (1.0 + (t - f64::from(th)) as f32);
    f64::from(e) * scale
}

/// (t + 64k, e^−64k) with t + 64k ∈ (−80, −16], for −264 < t ≤ −80 (k = 1, 2 or 3).
// Out of line on the target; inlined in the no-panic proof build only, where a call across
// codegen units is taken as possibly unwinding (as `lipschitz::norm` does).
#[cold]
#[cfg_attr(not(assert_no_panic), inline(never))]
#[cfg_attr(assert_no_panic, inline(always))]
fn exp_neg_shift(t: f64) -> (f64, f64) {
    let (mut t, mut scale) = (t + 64.0, E_MINUS_64);
    if t <= -80.0 {
        t += 64.0;
        scale *= E_MINUS_64;
    }
    if t <= -80.0 {
        t += 64.0;
        scale *= E_MINUS_64;
    }
    (t, scale)
}

/// softplus(u)/a for u in f64, accurate to a few f32 ulp relative, overflow-safe.
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
fn loss_from_u(u: f64, a: f32) -> f32 {
    let a = f64::from(a);
    let sp = if u > 0.0 {
        // u + ln(1 + e^−u), the correction in (0, ln 2].
        let e = exp_neg(-u);
        u + f64::from(math::fpu::log1p(e as f32))
    } else {
        let e = exp_neg(u);
        if e < 1e-30 {
            // ln(1 + e) = e·(1 − e/2 + …) = e to f64 precision; e may be below f32 range.
            e
        } else {
            f64::from(math::fpu::log1p(e as f32))
        }
    };
    (sp / a) as f32
}

/// sigmoid(u) = 1/(1 + e^−u) in f64 from [`exp_neg`] (a few f32 ulp relative).
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
fn sigmoid_u(u: f64) -> f64 {
    if u >= 0.0 {
        1.0 / (1.0 + exp_neg(-u))
    } else {
        let e = exp_neg(u);
        e / (1.0 + e)
    }
}

#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
fn zloss_float(o: &[f32], target: usize, a: f32, b: f32) -> Result<f32, Error> {
    let oc = validate(o, target, a, b)?;
    let m = moments(o, oc)?;
    let u = f64::from(a) * (f64::from(b) - m.z);
    Ok(loss_from_u(u, a))
}

#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
fn zloss_grad_float(
    o: &[f32],
    target: usize,
    a: f32,
    b: f32,
    grad: &mut [f32],
) -> Result<f32, Error> {
    let oc = validate(o, target, a, b)?;
    if grad.len() != o.len() {
        return Err(Error::LengthMismatch {
            expected: o.len(),
            actual: grad.len(),
        });
    }
    let m = moments(o, oc)?;
    let u = f64::from(a) * (f64::from(b) - m.z);
    let loss = loss_from_u(u, a);
    if m.sigma == 0.0 {
        for g in grad.iter_mut() {
            *g = 0.0;
        }
        return Ok(loss);
    }
    // sigmoid(u) with u split hi + lo (u rounded to f32 would cost |u|·2^−24 relative).
    let sig = sigmoid_u(u);
    // σ (unscaled) = σ'/s, so G = −sigmoid/σ = (−sigmoid/σ')·s; the exact power-of-two
    // factor s = sc1·sc2 is applied last, in f32, so that only a gradient that is truly
    // outside the f32 range over- or underflows.
    let g = -sig / m.sigma;
    // For k ≠ c, v_k = −(1 + z_c·z_k)/D. With d_k = o'_k − o'_c, S1 = Σd, S2 = Σd² and
    // Q = D·S2 − S1²: 1 + z_c·z_k = D·(S2 − S1·d_k)/Q, so grad_k = R·(S2 − S1·d_k) with
    // R = −G/Q. S2 − S1·d_k cancels when the target dominates; it is evaluated in
    // double-f32 (exact d_k, Dekker product, TwoSum) from the compensated S1, S2.
    // Overflow: |d| ≤ 2 and |S1|, S2 ≤ 4D after scaling: every product is below 2^14·D.
    let d = o.len() as f64;
    let r = (-g / m.q) as f32;
    let (s1h, s1l) = m.s1;
    let (s2h, s2l) = m.s2;
    let (a_hi, a_lo) = split(s1h);
    // The target component G·(1 − (1 + z_c²)/D) = G·(D − 1 − z_c²)/D, in f64.
    let gc = (g * ((d - 1.0 - m.z * m.z) / d)) as f32;
    for ((out, &v), k) in grad.iter_mut().zip(o).zip(0..o.len()) {
        let (dh, dl) = two_sum(v * m.sc1 * m.sc2, -m.pivot);
        let p = s1h * dh;
        let (b_hi, b_lo) = split(dh);
        let pe = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo;
        let cross = s1h * dl + s1l * dh;
        let (t, te) = two_sum(s2h, -p);
        let e = t + (((te + s2l) - pe) - cross);
        let gk = if k == target { gc } else { r * e };
        *out = gk * m.sc1 * m.sc2;
    }
    Ok(loss)
}

/// The FPU path of the kernels that have an integer form: the float forms, whatever the
/// target (soft float on a core without an FPU).
pub mod fpu {
    use crate::Error;

    /// Z-loss of the outputs `o` for class `target` (see the module docs for the formula).
    ///
    /// **Algorithm:** pass 1 validates and finds min/max; pass 2 scales the outputs by an exact
    /// power of two (spread → [1, 2)), forms the differences to the
    /// pivot o_c exactly with TwoSum, and accumulates Σd and Σd² as compensated (double-f32)
    /// sums with Dekker's exact square. Shifting by the pivot removes any common offset
    /// (o ≈ 10^6 + small is as accurate as small), and the compensated sums make the
    /// one-pass variance D·S2 − S1² accurate to ~2^−44 relative. The scalar tail (z_c, u =
    /// a(b − z_c), softplus) uses a handful of f64 operations and `math::{exp, log1p}` on a
    /// hi/lo split of u. softplus is overflow-safe (u + log1p(e^−u) for u > 0).
    ///
    /// **Accuracy** (host differential test, 10^5 seeded cases, default `math` backend):
    /// measured max relative error 2.3e−7 (asserted ≤ 1e−6) against an f64 two-pass reference
    /// for every loss ≥ 1e−30, outputs from ±3e38 down to 2^−100 and offsets up to 10^6.
    /// Invariant under o → α·o + β (α > 0) within 4 ulp (proptest), bit for bit when α is a
    /// power of two and the map is exact in f32. Accuracy figures assume the default
    /// (own) `math` backend; `micromath` would dominate the error.
    ///
    /// **Stack:** not benched (no buffers; [`zloss_grad`], which adds the gradient pass, is).
    /// **Cost:** below [`zloss_grad`]'s, which adds the gradient pass (row `zloss::zloss_grad`):
    /// ~30 flops per element plus a constant scalar tail with soft-float f64 on Cortex-M.
    ///
    /// # Errors
    /// [`Error::Empty`], [`Error::IndexOutOfRange`] for `target ≥ D`, [`Error::NanInput`] for a
    /// NaN output, [`Error::BadParameter`] for a ≤ 0 or non-finite `a`, non-finite `b`, or an
    /// infinite output.
    ///
    /// ```
    /// use mcu_kernels::zloss::fpu;
    ///
    /// // Closed form: o = [1, 0], a = b = 1 gives z_0 = 1 and L = ln 2.
    /// let l = fpu::zloss(&[1.0, 0.0], 0, 1.0, 1.0)?;
    /// assert!((f64::from(l) - 2f64.ln()).abs() <= 1e-6 * 2f64.ln());
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    #[inline]
    pub fn zloss(o: &[f32], target: usize, a: f32, b: f32) -> Result<f32, Error> {
        super::zloss_float(o, target, a, b)
    }

    /// Z-loss and its gradient ∂L/∂o written into `grad` (same length as `o`).
    ///
    /// The gradient is evaluated as grad_k = P + Q·w_k (+ G at k = c), with w_k = o'_k − μ'
    /// the scaled output centred on the (hi + lo) mean and, from f64 scalars,
    /// G = −sigmoid(u)/σ, P = −G/D, Q = −(G/D)·z_c/σ' (σ' the scaled σ); the target component
    /// is G·(D − 1 − z_c²)/D in f64. Centring on the mean keeps 1 + z_c·z_k accurate, and the
    /// closed form keeps the target component accurate, when the target output dominates.
    /// One extra pass, a few flops per element. When σ = 0 the gradient is 0. Components
    /// whose magnitude exceeds f32::MAX (only possible for σ < ~1e−38) saturate to ±∞.
    ///
    /// **Accuracy** (host differential test, 10^5 vectors): every component within
    /// 1e−6·‖∇L‖ of the f64 reference, measured max 1.7e−7·‖∇L‖ (cases where the true
    /// gradient vanishes, D − 1 − z_c² ≈ 0, are rounding noise on both sides and excluded).
    /// That holds over the test's domain (output scales 2^±100), not everywhere; the fuzzer
    /// (`cargo xtask fuzz zloss`) found: differences o_k − o_c below 2^−100 lose up to
    /// 2e−6·‖∇L‖; outputs all below ~2^−60 flush small components to 0; near D − 1 equal
    /// outputs the error is ~1e−12 of the terms' size, far above ‖∇L‖ → 0; gradients near
    /// 1e−36 underflow to 0. The loss's 1e−6 relative needs a·(1 + |z_c|) ≲ 10⁶ (beyond,
    /// the f64 rounding of z_c alone moves u by more). The integer form
    /// [`crate::zloss::nofpu::zloss_grad`] keeps 1e−6·‖∇L‖ down to differences of 2^−100.
    ///
    /// **Cost** (`cargo xtask bench`, `zloss_grad`, D = 256): 108.7 instructions/element on the M4F (M0 7,997: soft float).
    ///
    /// # Errors
    /// As [`zloss`](fn@zloss), plus [`Error::LengthMismatch`] if `grad.len() != o.len()`.
    ///
    /// Stack (bytes, `cargo xtask bench`): M0 308 · M3 216 · M4F/M7/M33/M55 320.
    /// <!-- stack: zloss::zloss_grad -->
    ///
    /// ```
    /// use mcu_kernels::zloss::fpu;
    ///
    /// // σ = 0 (equal outputs): the gradient is 0; the loss is softplus(a·b)/a = ln(1 + e)/1.
    /// let mut g = [1.0f32; 3];
    /// let l = fpu::zloss_grad(&[2.0; 3], 0, 1.0, 1.0, &mut g)?;
    /// assert_eq!(g, [0.0; 3]);
    /// assert!((f64::from(l) - (1.0 + 1f64.exp()).ln()).abs() <= 1e-6 * 2.0);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    #[inline]
    pub fn zloss_grad(
        o: &[f32],
        target: usize,
        a: f32,
        b: f32,
        grad: &mut [f32],
    ) -> Result<f32, Error> {
        super::zloss_grad_float(o, target, a, b, grad)
    }
}

/// Z-loss of the outputs `o` for class `target` (formula in the module docs):
/// [`fpu::zloss`] where the target has a hardware FPU, [`nofpu::zloss`] elsewhere (algorithm,
/// accuracy, cost and stack in those functions' docs).
///
/// # Errors
/// [`Error::Empty`], [`Error::IndexOutOfRange`] for `target ≥ D`, [`Error::NanInput`] for a
/// NaN output, [`Error::BadParameter`] for a ≤ 0 or non-finite `a`, non-finite `b`, or an
/// infinite output.
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::zloss::zloss;
///
/// // f64 reference: z_c = (o_c − μ)/σ (population moments), L = ln(1 + e^(a(b − z_c)))/a.
/// fn zloss64(o: &[f32], c: usize, a: f64, b: f64) -> f64 {
///     let d = o.len() as f64;
///     let mu = o.iter().map(|&v| f64::from(v)).sum::<f64>() / d;
///     let var = o.iter().map(|&v| (f64::from(v) - mu).powi(2)).sum::<f64>() / d;
///     let z = (f64::from(o[c]) - mu) / var.sqrt();
///     (1.0 + (a * (b - z)).exp()).ln() / a
/// }
/// let o = [0.5f32, 2.0, -1.25, 0.75];
/// let l = zloss(&o, 1, 2.0, 1.0)?;
/// let want = zloss64(&o, 1, 2.0, 1.0);
/// assert!((f64::from(l) - want).abs() <= 1e-6 * want);
/// // Closed form: o = [1, 0] has z_0 = 1, so with a = b = 1, L = ln(1 + e^0) = ln 2.
/// assert!((f64::from(zloss(&[1.0, 0.0], 0, 1.0, 1.0)?) - 2f64.ln()).abs() <= 1e-6 * 2f64.ln());
/// // Shift and scale invariant: bit for bit for 4·o + 1000 (a power of two, exact in f32).
/// let moved = o.map(|v| 4.0 * v + 1000.0);
/// assert_eq!(zloss(&moved, 1, 2.0, 1.0)?, l);
/// // σ = 0 (all outputs equal): z_c = 0 and L = softplus(a·b)/a.
/// let flat = f64::from(zloss(&[3.0; 4], 2, 2.0, 1.0)?);
/// assert!((flat - (1.0 + 2f64.exp()).ln() / 2.0).abs() <= 1e-6 * flat);
/// assert_eq!(zloss(&o, 4, 2.0, 1.0), Err(Error::IndexOutOfRange { index: 4, len: 4 }));
/// assert!(matches!(zloss(&o, 1, 0.0, 1.0), Err(Error::BadParameter(_))));
/// assert!(matches!(zloss(&[f32::INFINITY, 0.0], 1, 1.0, 1.0), Err(Error::BadParameter(_))));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn zloss(o: &[f32], target: usize, a: f32, b: f32) -> Result<f32, Error> {
    if crate::math::INT_PATH {
        nofpu::zloss(o, target, a, b)
    } else {
        zloss_float(o, target, a, b)
    }
}

/// Z-loss and its gradient ∂L/∂o written into `grad`: [`fpu::zloss_grad`] where the target
/// has a hardware FPU, [`nofpu::zloss_grad`] elsewhere (algorithm, accuracy, cost and stack in
/// those functions' docs).
///
/// # Errors
/// As [`zloss`], plus [`Error::LengthMismatch`] if `grad.len() != o.len()`.
///
/// | stack, bytes (`cargo xtask bench`) | M0 | M3 | M4F | M7 | M33 | M55 |
/// |---|---:|---:|---:|---:|---:|---:|
/// | `zloss::zloss_grad` | 308 | 216 | 320 | 320 | 320 | 320 |
/// | `zloss::nofpu::zloss_grad` | 364 | 284 | 264 | 264 | 264 | 264 |
/// <!-- stack: zloss::zloss_grad, zloss::nofpu::zloss_grad -->
///
/// # Example
///
/// ```
/// use mcu_kernels::zloss::{zloss, zloss_grad};
///
/// // f64 reference of the module docs' gradient:
/// // ∂L/∂o_k = −sigmoid(a(b − z_c))·[(δ_kc − 1/D) − z_c·z_k/D]/σ.
/// let (o, c, a, b) = ([0.5f32, 2.0, -1.25, 0.75, 0.0], 2, 1.5, 0.5);
/// let d = o.len() as f64;
/// let mu = o.iter().map(|&v| f64::from(v)).sum::<f64>() / d;
/// let sigma = (o.iter().map(|&v| (f64::from(v) - mu).powi(2)).sum::<f64>() / d).sqrt();
/// let z = |k: usize| (f64::from(o[k]) - mu) / sigma;
/// let sig = 1.0 / (1.0 + (-a * (b - z(c))).exp());
/// let want: Vec<f64> = (0..o.len())
///     .map(|k| {
///         let delta = if k == c { 1.0 } else { 0.0 };
///         -sig * ((delta - 1.0 / d) - z(c) * z(k) / d) / sigma
///     })
///     .collect();
/// let mut g = [0.0f32; 5];
/// let l = zloss_grad(&o, c, a as f32, b as f32, &mut g)?;
/// assert_eq!(l, zloss(&o, c, a as f32, b as f32)?); // the loss of `zloss`
/// // Every component within 1e−6·‖∇L‖.
/// let norm = want.iter().map(|w| w * w).sum::<f64>().sqrt();
/// for (&gk, &wk) in g.iter().zip(&want) {
///     assert!((f64::from(gk) - wk).abs() <= 1e-6 * norm);
/// }
/// // Invariance shows in the gradient: it is orthogonal to the all-ones vector and to o.
/// let dot1: f64 = g.iter().map(|&v| f64::from(v)).sum();
/// let doto: f64 = g.iter().zip(&o).map(|(&v, &x)| f64::from(v) * f64::from(x)).sum();
/// assert!(dot1.abs() <= 1e-6 * norm && doto.abs() <= 1e-5 * norm);
/// // σ = 0: the gradient is 0.
/// zloss_grad(&[1.0; 5], 0, 1.0, 0.0, &mut g)?;
/// assert_eq!(g, [0.0; 5]);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn zloss_grad(
    o: &[f32],
    target: usize,
    a: f32,
    b: f32,
    grad: &mut [f32],
) -> Result<f32, Error> {
    if crate::math::INT_PATH {
        nofpu::zloss_grad(o, target, a, b, grad)
    } else {
        zloss_grad_float(o, target, a, b, grad)
    }
}

/// `s + q²` for |q| ≤ 2^15 (q² ≤ 2^30): one `smlal` where the core has it; on ARMv6-M a
/// 32-bit `muls` and a 64-bit add (the `i64` product would be an `__aeabi_lmul` call).
#[cfg(not(all(target_arch = "arm", not(target_has_atomic = "32"))))]
#[inline(always)]
fn add_square(s: i64, q: i32) -> i64 {
    s.wrapping_add(i64::from(q).wrapping_mul(i64::from(q)))
}

/// `s + q²` for |q| ≤ 2^15 on ARMv6-M: q² ≤ 2^30 fits a `u32`, so one 32-bit product.
#[cfg(all(target_arch = "arm", not(target_has_atomic = "32")))]
#[inline(always)]
fn add_square(s: i64, q: i32) -> i64 {
    s.wrapping_add(i64::from(q.wrapping_mul(q) as u32))
}

/// Exact integer moments for the fixed-point variants.
#[inline(always)]
fn zloss_int<T: Copy + Into<i32>>(o: &[T], target: usize, a: f32, b: f32) -> Result<f32, Error> {
    if o.is_empty() {
        return Err(Error::Empty);
    }
    if a.is_nan() || a <= 0.0 || a.is_infinite() {
        return Err(Error::BadParameter("a must be finite and > 0"));
    }
    if !b.is_finite() {
        return Err(Error::BadParameter("b must be finite"));
    }
    let Some(&oc) = o.get(target) else {
        return Err(Error::IndexOutOfRange {
            index: target,
            len: o.len(),
        });
    };
    if o.len() > u32::MAX as usize {
        return Err(Error::BadParameter("length above 2^32 - 1"));
    }
    // Overflow proof: |q| ≤ 2^15, D < 2^32: |S1| ≤ 2^47, S2 ≤ 2^62 (i64);
    // D·S2 ≤ 2^94 and S1² ≤ 2^94 in i128; D·q_c ≤ 2^47.
    // S1 is summed in i32 over blocks of 2^15 elements (|block sum| ≤ 2^30), then in i64:
    // the same integer, without a 64-bit add per element.
    let mut s1 = 0i64;
    let mut s2 = 0i64;
    // (`split_at_checked`, not `chunks`: the no-panic proof sees no panic path.)
    let mut rest = o;
    while !rest.is_empty() {
        let (block, tail) = rest
            .split_at_checked(rest.len().min(1 << 15))
            .unwrap_or((rest, &[]));
        let mut b1 = 0i32;
        for &v in block {
            let q = v.into();
            b1 = b1.wrapping_add(q);
            s2 = add_square(s2, q);
        }
        s1 = s1.wrapping_add(i64::from(b1));
        rest = tail;
    }
    // Q = D·S2 − S1² ≥ 0 (Cauchy–Schwarz), the same for the differences to the target. When
    // S2 < 2^32 (every int8 row below 2^18 elements) D·S2 < 2^64 and S1² ≤ D·S2: two 32×32-bit
    // products; otherwise D·S2 < 2^94 and S1² < 2^94 in u128.
    let d = o.len() as u64;
    let s1_abs = s1.unsigned_abs();
    let q = if s2 < 1 << 32 {
        u128::from(
            math::int::mul_wide(d as u32, s2 as u32)
                .wrapping_sub(math::int::mul_wide(s1_abs as u32, s1_abs as u32)),
        )
    } else {
        math::int::mul_u64_wide(d, s2 as u64).wrapping_sub(math::int::mul_u64_wide(s1_abs, s1_abs))
    };
    // Σ(q_i − q_c) = S1 − D·q_c, |D·q_c| < 2^47.
    let s1c = s1.wrapping_sub((d as i64).wrapping_mul(i64::from(oc.into())));
    let m = if q == 0 { None } else { Some((s1c, q)) };
    Ok(nofpu::loss_from_moments(&m, a, b))
}

/// Z-loss of int8 outputs (any scale and zero point: the loss is invariant to both).
///
/// Formula: z_c = −S1'/√Q with the exact integers S1' = Σ(q_i − q_c) and
/// Q = D·Σq² − (Σq)² (= D²σ² in units of the quantum), L = softplus(a·(b − z_c))/a.
/// Algorithm: one pass for Σq and Σq² (exact in i64; Σq in `i32` blocks of 2^15, q² one
/// 32-bit product on the M0, one `smlal` elsewhere); Q from two 32×32-bit products when
/// Σq² < 2^32 (every int8 row below 2^18 elements), else in u128; then the scalar tail of
/// [`nofpu::zloss`] in 32-bit-mantissa integer arithmetic (√, quotient, 2^x, ln(1 + r):
/// no soft-float call, bit-identical on every core).
/// Error: relative ≤ 1e−6 for losses ≥ 1e−30 (the float form's contract); measured max
/// 8.1e−8 over 10^5 int8/int16 vectors (`host/tests/zloss_differential.rs`; 2.6e−7 with the
/// former f64 tail).
/// **Cost** (`cargo xtask bench`, row `zloss::zloss_s8`, N = 256, QEMU instructions per
/// element): 7.1 on the M4F, 7.0 on the M3, 20.8 on the M0 (with the former f64/soft-float tail:
/// 8.3, 20.4, 49.6). About 2,000 instructions per call on the M0 (700 on the M3/M4F) are
/// the tail.
///
/// # Errors
/// [`Error::Empty`], [`Error::IndexOutOfRange`], [`Error::BadParameter`] for bad `a`/`b`
/// or D ≥ 2^32.
///
/// Stack (bytes, `cargo xtask bench`): M0 284 · M3 188 · M4F/M7/M33/M55 192.
/// <!-- stack: zloss::zloss_s8 -->
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::zloss::zloss_s8;
///
/// // f64 reference from the integer outputs themselves.
/// let q = [-20i8, 35, 10, -5, 0, 12];
/// let d = q.len() as f64;
/// let mu = q.iter().map(|&v| f64::from(v)).sum::<f64>() / d;
/// let sd = (q.iter().map(|&v| (f64::from(v) - mu).powi(2)).sum::<f64>() / d).sqrt();
/// let want = (1.0 + (1.0 - (35.0 - mu) / sd).exp()).ln(); // a = 1, b = 1, target 1
/// let l = zloss_s8(&q, 1, 1.0, 1.0)?;
/// assert!((f64::from(l) - want).abs() <= 1e-6 * want);
/// // Any scale and zero point give the same loss: here q' = 3q + 7.
/// let q2 = q.map(|v| 3 * v + 7);
/// assert!((f64::from(zloss_s8(&q2, 1, 1.0, 1.0)?) - want).abs() <= 1e-6 * want);
/// assert_eq!(zloss_s8(&[], 0, 1.0, 1.0), Err(Error::Empty));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn zloss_s8(o: &[i8], target: usize, a: f32, b: f32) -> Result<f32, Error> {
    zloss_int(o, target, a, b)
}

/// Z-loss of int16 outputs; as [`zloss_s8`] (same exact integer moments, same measured
/// error, the same integer tail). **Cost** (`cargo xtask bench`, row `zloss::zloss_s16`,
/// N = 256): 21.7 instructions per element on the M0 (48.1 with the former f64 tail), 7.1 on
/// the M3 and the M4F.
///
/// # Errors
/// As [`zloss_s8`].
///
/// Stack (bytes, `cargo xtask bench`): M0 284 · M3 188 · M4F/M7/M33/M55 192.
/// <!-- stack: zloss::zloss_s16 -->
///
/// # Example
///
/// ```
/// use mcu_kernels::zloss::{zloss_s16, zloss_s8};
///
/// // The int8 row of `zloss_s8` requantised to int16 (scale 256, zero point −1000): the same
/// // loss, within the error of each.
/// let q8 = [-20i8, 35, 10, -5, 0, 12];
/// let q16 = q8.map(|v| 256 * i16::from(v) - 1000);
/// let d = q8.len() as f64;
/// let mu = q8.iter().map(|&v| f64::from(v)).sum::<f64>() / d;
/// let sd = (q8.iter().map(|&v| (f64::from(v) - mu).powi(2)).sum::<f64>() / d).sqrt();
/// let want = (1.0 + (1.0 - (35.0 - mu) / sd).exp()).ln();
/// let l16 = f64::from(zloss_s16(&q16, 1, 1.0, 1.0)?);
/// assert!((l16 - want).abs() <= 1e-6 * want);
/// assert!((l16 - f64::from(zloss_s8(&q8, 1, 1.0, 1.0)?)).abs() <= 2e-6 * want);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn zloss_s16(o: &[i16], target: usize, a: f32, b: f32) -> Result<f32, Error> {
    zloss_int(o, target, a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f32, b: f64) -> f64 {
        ((f64::from(a) - b) / b).abs()
    }

    /// `exp_neg` on both sides of its −80 split and down to its cut-off, against f64 (issue
    /// #29's mutation gap: the branch below −80 was never checked).
    #[test]
    fn exp_neg_below_minus_80() {
        let mut t = 0.0f64;
        while t > -263.0 {
            let got = exp_neg(t);
            let want = t.exp();
            assert!(
                ((got - want) / want).abs() < 4e-7,
                "t = {t}: {got:e} vs {want:e}"
            );
            t -= 0.173_205;
        }
        assert_eq!(exp_neg(-264.5), 0.0);
        assert_eq!(exp_neg(f64::NAN), 0.0);
    }

    /// Both forms of `add_square` (the ARMv6-M one written out here) give the `i64` sum for
    /// every int16 value, from a start near the largest S2 (2^62 − 2^32·2^30 + …).
    #[test]
    fn add_square_is_exact_for_every_i16() {
        for q in i32::from(i16::MIN)..=i32::from(i16::MAX) {
            let want = i64::from(q) * i64::from(q);
            for s in [0i64, 12_345, (1 << 62) - (1 << 31)] {
                assert_eq!(add_square(s, q), s + want, "q {q}");
                assert_eq!(
                    s.wrapping_add(i64::from(q.wrapping_mul(q) as u32)),
                    s + want
                );
            }
        }
    }

    #[test]
    fn reference_vectors() {
        let o = [1.0f32, -0.5, 2.0, 0.25];
        let l = zloss(&o, 2, 1.0, 0.0).unwrap();
        assert!(rel(l, 0.216_677_989_4) < 1e-6, "{l}");
        let o3: [f32; 4] = core::array::from_fn(|i| 3.0 * o[i] + 7.0);
        let l3 = zloss(&o3, 2, 1.0, 0.0).unwrap();
        assert!(rel(l3, 0.216_677_989_4) < 1e-6, "{l3}");
        let mut g = [0.0f32; 4];
        let l = zloss_grad(&o, 2, 2.0, 1.0, &mut g).unwrap();
        assert!(rel(l, 0.179_722_052_5) < 1e-6, "{l}");
        let want = [0.120741f32, -0.067078, -0.080494, 0.026831];
        for (x, y) in g.iter().zip(want) {
            assert!((x - y).abs() < 1e-6, "{g:?}");
        }
        let l8 = zloss_s8(&[4, -2, 8, 1], 2, 2.0, 1.0).unwrap();
        assert!(rel(l8, 0.179_722_052_5) < 1e-6, "{l8}");
        let l16 = zloss_s16(&[400, -200, 800, 100], 2, 1.0, 0.0).unwrap();
        assert!(rel(l16, 0.216_677_989_4) < 1e-6, "{l16}");
    }

    #[test]
    fn large_offset_and_scales() {
        let o = [1.0f32, -0.5, 2.0, 0.25];
        for (alpha, beta) in [
            (1.0f32, 1e6f32),
            (2f32.powi(100), 0.0),
            (2f32.powi(-120), 0.0),
            (0.25, -3e5),
            (8.0, 3e7),
        ] {
            let t: [f32; 4] = core::array::from_fn(|i| o[i] * alpha + beta);
            let l = zloss(&t, 2, 1.0, 0.0).unwrap();
            assert!(rel(l, 0.216_677_989_4) < 1e-6, "{alpha} {beta} {l}");
        }
        // Spread overflowing f32.
        let l = zloss(&[3e38, -3e38, 0.0], 0, 1.0, 0.0).unwrap();
        // z_0 = √(3/2).
        let want = libm::log1p(libm::exp(-libm::sqrt(1.5)));
        assert!(rel(l, want) < 1e-6, "{l}");
    }

    #[test]
    fn sigma_zero_and_errors() {
        let mut g = [1.0f32; 3];
        let l = zloss_grad(&[5.0; 3], 1, 2.0, 1.5, &mut g).unwrap();
        let want = libm::log1p(libm::exp(3.0)) / 2.0;
        assert!(rel(l, want) < 1e-6);
        assert_eq!(g, [0.0; 3]);
        assert!(rel(zloss(&[7.0], 0, 1.0, 0.0).unwrap(), core::f64::consts::LN_2) < 1e-6);
        assert_eq!(zloss(&[], 0, 1.0, 0.0), Err(Error::Empty));
        assert_eq!(
            zloss(&[1.0], 1, 1.0, 0.0),
            Err(Error::IndexOutOfRange { index: 1, len: 1 })
        );
        assert!(matches!(
            zloss(&[1.0], 0, 0.0, 0.0),
            Err(Error::BadParameter(_))
        ));
        assert!(matches!(
            zloss(&[1.0], 0, f32::NAN, 0.0),
            Err(Error::BadParameter(_))
        ));
        assert!(matches!(
            zloss(&[1.0], 0, f32::INFINITY, 0.0),
            Err(Error::BadParameter(_))
        ));
        assert!(matches!(
            zloss(&[1.0], 0, 1.0, f32::NAN),
            Err(Error::BadParameter(_))
        ));
        assert_eq!(zloss(&[1.0, f32::NAN], 0, 1.0, 0.0), Err(Error::NanInput));
        assert!(matches!(
            zloss(&[1.0, f32::INFINITY], 0, 1.0, 0.0),
            Err(Error::BadParameter(_))
        ));
        assert_eq!(
            zloss_grad(&[1.0, 2.0], 0, 1.0, 0.0, &mut g),
            Err(Error::LengthMismatch {
                expected: 2,
                actual: 3
            })
        );
        // Huge u: no overflow; tiny loss.
        let l = zloss(&[0.0, 1.0], 0, 1e30, 1e30).unwrap();
        assert!(rel(l, 1e30 + 1.0) < 1e-6);
        let l = zloss(&[0.0, 1.0], 1, 1.0, -80.0).unwrap();
        assert!(rel(l, libm::exp(-81.0)) < 1e-6, "{l}");
    }
}
