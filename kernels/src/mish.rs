//! Mish (Misra 2019): f(x) = x·tanh(softplus(x)) = x·tanh(ln(1 + e^x)).
//!
//! With u = e^x: tanh(ln(1 + u)) = n/(n + 2), n = u² + 2u = u(u + 2), so
//! f(x) = x·n/(n + 2) needs one exponential and one division. Derivative:
//! f'(x) = tanh(sp) + x·sech²(sp)·sigmoid(x) = [n(n + 2) + 4x·u(1 + u)]/(n + 2)².

use crate::{math, Error};

pub mod nofpu;
use fixed::{types::extra::LeEqU16, FixedI16};

/// Above this the derivative is 1 (4x·e^−2x < 2^−25 from x ≈ 10), and e^40, e^80 stay
/// finite below it.
const CLAMP: f32 = 20.0;
/// Below this the tiny-result path is used (e^x is subnormal below −87.34, and |f| < 2^−126
/// below −82.9 already, where only 2^−147 absolute accuracy is required).
const TINY: f32 = -87.0;
/// Below this |f(x)| < 2^−150 and |f'(x)| < 2^−150: both round to −0.
const ZERO: f32 = -200.0;
/// Elements per block of [`mish_slice`]: one range test per block.
const BLOCK: usize = 32;

/// The table path: Mish from the 64-entry table exponential, and its range word (the
/// result is Mish within 3.59 ulp when `range >> 24 == 0`, i.e. x ∈ [−78.33, 4.08·10^5)).
///
/// With e^x = 2w, w = s + sp (unevaluated, `math::exp_table64`):
/// tanh(ln(1 + e^x)) = n/(n + 2) with n = e^2x + 2e^x = 4z, z = w² + w, so
/// f = z·(x/(z + 0.5)). z is formed as s + (sp + w²): the exponential's last rounding is
/// folded into z's (for x ≤ 0, where z ≈ w, that rounding would pass straight into f).
/// Above x ≈ 10.39 the exponent saturates, z ≥ 2^26, and z/(z + 0.5) rounds to 1 within 2 ulp.
#[inline(always)]
fn mish_table(x: f32) -> (f32, u32) {
    let (s, sp, range) = math::exp_table64::half_exp_pair(x);
    let w = s + sp;
    let z = s + (sp + w * w);
    (z * (x / (z + 0.5)), range)
}

/// Outside the table range (x < −78.33, x ≥ 4.08·10^5, ±∞, NaN): the one-exponential
/// formula with a sign split, and a rescaled tail for subnormal results.
#[cold]
fn mish_outside(x: f32) -> f32 {
    if x < TINY {
        mish_tiny(x)
    } else {
        mish_main(x)
    }
}

#[inline(always)]
fn mish_main(x: f32) -> f32 {
    // No clamp needed: for large x, u² (or u) overflows to +∞, q = 2/∞ = 0 and f = x·1;
    // already at x = 9.1, q < 2^−25 so x·(1 − q) rounds to x.
    let u = math::fpu::exp(x);
    // n = u² + 2u: 2u is exact and u² is the smaller term for u < 2, so n carries about
    // one rounding instead of the two of u·(u + 2).
    let uu = u * u;
    let n = uu + 2.0 * u;
    let w = n + 2.0;
    let pos = x > 0.0;
    // x > 0: f = x·(1 − q), q = 2/(n + 2) ≤ 0.4 (errors in q are damped by q/(1 − q)).
    // x ≤ 0: f = x·u·(u + 2)/(n + 2) = p − p·q with p = x·u and q = (u + u²)/(n + 2) ≤ 0.4:
    //        only p and the final subtraction carry full roundings.
    let t = if pos { 2.0 } else { u + uu };
    let q = t / w;
    let p = x * u;
    if pos {
        x * (1.0 - q)
    } else {
        p - p * q
    }
}

fn mish_tiny(x: f32) -> f32 {
    if x < ZERO {
        // |x·e^x| < 2^−150: rounds to −0 (also the limit at −∞).
        return -0.0;
    }
    // n/(n + 2)·x = x·u·(u + 2)/(u² + 2u + 2) = x·u to f32 precision here. With h = e^(x/2)
    // (normal for x > −174), (x·h)·h rounds once into the subnormal range.
    let h = math::fpu::exp(0.5 * x);
    (x * h) * h
}

/// The float form of [`mish`] (docs on [`fpu::mish`]).
#[inline]
pub(crate) fn mish_float(x: f32) -> f32 {
    let (f, range) = mish_table(x);
    if range >> 24 == 0 {
        f
    } else {
        mish_outside(x)
    }
}

#[cold]
fn mish_grad_tiny(x: f32) -> f32 {
    if x < ZERO {
        return -0.0;
    }
    // f'(x) = u(1 + x) + O(u²): rounded once, as in `mish_tiny`.
    let h = math::fpu::exp(0.5 * x);
    ((1.0 + x) * h) * h
}

/// Derivative of Mish: f'(x) = tanh(sp) + x·sech²(sp)·sigmoid(x), sp = softplus(x).
///
/// **Algorithm:** with u = e^x, n = u(u + 2), w = n + 2:
/// f'(x) = n/w + 4x·u(1 + u)/w², one `math::exp` and one division; 1 for x ≥ 20; a cold
/// path (1 + x)·e^(x/2)·e^(x/2) for x < −87. f'(+∞) = 1, f'(−∞) = −0, NaN propagates.
///
/// **Accuracy** (host sweep of 5.6·10^6 points, `host/tests/mish_ulp.rs`): measured max
/// absolute error 2.4e−7 (asserted ≤ 2^−22); measured max 4.65 ulp relative (asserted ≤ 8)
/// wherever the two terms do not cancel (x > 0, x < −8 or |f'| ≥ 0.25; f' has its zero
/// at x ≈ −1.1924). **Stack** and **cost:** see `cargo xtask bench`,
/// row `mish::mish_grad_slice` (its slice form, [`mish_grad_slice`]).
///
/// ```
/// use mcu_kernels::mish::mish_grad;
///
/// // f'(0) = tanh(ln 2) = 0.6; elsewhere against a central difference of the f64 Mish,
/// // within the documented 2^−22 absolute (plus the difference's own error).
/// assert!((mish_grad(0.0) - 0.6).abs() <= 2f32.powi(-22));
/// let f = |x: f64| x * x.exp().ln_1p().tanh();
/// for x in [-3.0f32, -1.0, 0.7, 2.0] {
///     let h = 1e-5;
///     let want = (f(f64::from(x) + h) - f(f64::from(x) - h)) / (2.0 * h);
///     assert!((f64::from(mish_grad(x)) - want).abs() < 1e-6, "x = {x}");
/// }
/// assert_eq!(mish_grad(f32::INFINITY), 1.0);
/// assert_eq!(mish_grad(f32::NEG_INFINITY), 0.0);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn mish_grad(x: f32) -> f32 {
    if x < TINY {
        return mish_grad_tiny(x);
    }
    if x >= CLAMP {
        return 1.0;
    }
    let u = math::fpu::exp(x);
    let n = u * (u + 2.0);
    let w = n + 2.0;
    let r = 1.0 / w;
    // n/w + 4x·u(1 + u)/w²: both terms share 1/w.
    (n + (4.0 * x) * (u * (1.0 + u)) * r) * r
}

fn check(n: usize, m: usize) -> Result<(), Error> {
    if n != m {
        return Err(Error::LengthMismatch {
            expected: n,
            actual: m,
        });
    }
    Ok(())
}

/// The float form of [`mish_slice`] (docs on [`fpu::mish_slice`]).
#[inline(always)]
fn mish_slice_float(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    check(x.len(), y.len())?;
    let mut xb = x.chunks_exact(BLOCK);
    let mut yb = y.chunks_exact_mut(BLOCK);
    for (xs, ys) in (&mut xb).zip(&mut yb) {
        mish_block(xs, ys);
    }
    mish_block(xb.remainder(), yb.into_remainder());
    Ok(())
}

/// [`mish_slice`] on one block (`x.len() == y.len()`).
#[inline(always)]
fn mish_block(x: &[f32], y: &mut [f32]) {
    let mut range = 0u32;
    for (o, &v) in y.iter_mut().zip(x) {
        let (f, r) = mish_table(v);
        *o = f;
        range |= r;
    }
    if range >> 24 != 0 {
        for (o, &v) in y.iter_mut().zip(x) {
            *o = mish_float(v);
        }
    }
}

/// y_i = mish'(x_i) (see [`mish_grad`]). An empty slice is fine. NaN propagates.
/// **Cost** (`cargo xtask bench`, row `mish::mish_grad_slice`, N = 256, x uniform in
/// [−8, 8], QEMU instructions per element): 52.2 on the M4F and M7; soft float on the cores
/// without an FPU: 2,204 on the M3, 3,787 on the M0.
///
/// # Errors
/// [`Error::LengthMismatch`] if `y.len() != x.len()`.
///
/// Stack (bytes, `cargo xtask bench`): M0 188 · M3 96 · M4F/M7/M33/M55 104.
/// <!-- stack: mish::mish_grad_slice -->
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::mish::{mish_grad, mish_grad_slice};
///
/// let x = [-2.0f32, 0.0, 1.5, 25.0];
/// let mut y = [0.0f32; 4];
/// mish_grad_slice(&x, &mut y)?;
/// assert!((y[1] - 0.6).abs() <= 2f32.powi(-22)); // tanh(ln 2)
/// assert_eq!(y[3], 1.0); // 1 for x ≥ 20
/// for (&xi, &yi) in x.iter().zip(&y) {
///     assert_eq!(yi.to_bits(), mish_grad(xi).to_bits());
/// }
/// assert_eq!(
///     mish_grad_slice(&x, &mut [0.0; 3]),
///     Err(Error::LengthMismatch { expected: 4, actual: 3 })
/// );
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn mish_grad_slice(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    check(x.len(), y.len())?;
    for (o, &v) in y.iter_mut().zip(x) {
        *o = mish_grad(v);
    }
    Ok(())
}

/// Mish on 16-bit fixed point (e.g. [`fixed::types::I4F12`] → I4F12), ≤ 1 LSB error.
///
/// The input is converted exactly to f32, [`mish`] is applied (≤ 4 ulp), and the result
/// is rounded to nearest (ties away from zero) and saturated. Error ≤ 0.5 LSB + 4 ulp of
/// the result < 1 LSB; checked exhaustively for I4F12, I8F8 and I1F15 in the host tests,
/// measured max 0.5018 LSB.
/// On an FPU-less core (M0) this uses soft-float. **Stack** and **cost:** see `cargo xtask
/// bench`, row `mish::mish_fixed_slice` (its slice form, [`mish_fixed_slice`]).
///
/// ```
/// use fixed::types::I4F12;
/// use mcu_kernels::mish::mish_fixed;
///
/// // Within 1 LSB (2^−12) of the f64 Mish.
/// for v in [-3.0f64, -0.5, 1.0, 2.75] {
///     let y = mish_fixed(I4F12::from_num(v));
///     let want = v * v.exp().ln_1p().tanh();
///     assert!((y.to_num::<f64>() - want).abs() <= 1.0 / 4096.0, "x = {v}");
/// }
/// // Saturates at the top of the format: mish(7.99…) ≈ 7.99… stays ≤ I4F12::MAX.
/// assert!(mish_fixed(I4F12::MAX) <= I4F12::MAX);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn mish_fixed<Frac: LeEqU16>(x: FixedI16<Frac>) -> FixedI16<Frac> {
    let frac = FixedI16::<Frac>::FRAC_NBITS as i32;
    let xf = f32::from(x.to_bits()) * pow2(-frac);
    let t = mish_float(xf) * pow2(frac);
    let r = if t >= 0.0 { t + 0.5 } else { t - 0.5 } as i32; // `as` truncates and saturates.
    FixedI16::from_bits(r.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16)
}

/// [`mish_fixed`] over a slice (≤ 1 LSB per element). **Cost** (`cargo xtask bench`, row
/// `mish::mish_fixed_slice`, I4F12, N = 256, x uniform over the format's range [−8, 8), QEMU
/// instructions per element): 42.2 on the M4F and M7; soft float (through [`mish`]) on the
/// cores without an FPU: 1,557 on the M3, 2,699 on the M0.
///
/// # Errors
/// [`Error::LengthMismatch`] if `y.len() != x.len()`.
///
/// Stack (bytes, `cargo xtask bench`): M0 156 · M3 80 · M4F/M7/M33/M55 104.
/// <!-- stack: mish::mish_fixed_slice -->
///
/// ```
/// use fixed::types::I8F8;
/// use mcu_kernels::mish::{mish_fixed, mish_fixed_slice};
///
/// let x = [I8F8::from_num(-1), I8F8::from_num(0), I8F8::from_num(1)];
/// let mut y = [I8F8::ZERO; 3];
/// mish_fixed_slice(&x, &mut y)?;
/// // mish(1) = 0.8651 → 221/256 = 0.8633 (nearest), mish(0) = 0, elementwise as mish_fixed.
/// assert_eq!(y[1], I8F8::ZERO);
/// assert_eq!(y[2], I8F8::from_bits(221));
/// assert_eq!(y[0], mish_fixed(x[0]));
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn mish_fixed_slice<Frac: LeEqU16>(
    x: &[FixedI16<Frac>],
    y: &mut [FixedI16<Frac>],
) -> Result<(), Error> {
    check(x.len(), y.len())?;
    for (o, &v) in y.iter_mut().zip(x) {
        *o = mish_fixed(v);
    }
    Ok(())
}

/// 2^e for e in [−126, 127].
#[inline(always)]
fn pow2(e: i32) -> f32 {
    f32::from_bits(((e.clamp(-126, 127) + 127) as u32) << 23)
}

/// Quantized int8 Mish by table lookup: y = clamp(round(mish(s_in·(q − zp_in))/s_out) +
/// zp_out, −128, 127).
///
/// The 256-entry table is computed once in [`MishS8Lut::new`] in f64 (`libm::exp` and
/// x·n/(n + 2), relative error ~1e−15; soft-float on Cortex-M, a one-time cost of a few hundred thousand
/// cycles), so every entry is the correctly rounded result (round half away from zero)
/// except for ties closer than ~10^−13 of an LSB. Lookup is one load per element.
/// **RAM:** the 256-byte table lives in the struct (stack of [`MishS8Lut::apply`]: in its docs).
///
/// # Example
///
/// ```
/// use mcu_kernels::mish::MishS8Lut;
///
/// // int8 in: x = 0.05·q; int8 out: y = 0.05·q'.
/// let lut = MishS8Lut::new(0.05, 0, 0.05, 0)?;
/// // Every entry against the f64 Mish rounded half away from zero (a golden row computed
/// // independently of the crate).
/// for (i, &t) in lut.table().iter().enumerate() {
///     let q = i as i32 - 128;
///     let x = 0.05 * f64::from(q);
///     let want = (x * x.exp().ln_1p().tanh() / 0.05).round().clamp(-128.0, 127.0);
///     assert_eq!(f64::from(t), want, "q = {q}");
/// }
/// assert_eq!(lut.lookup(20), 17); // mish(1.0)/0.05 = 17.30
/// let mut y = [0i8; 3];
/// lut.apply(&[-128, 0, 127], &mut y)?;
/// assert_eq!(y, [lut.lookup(-128), 0, lut.lookup(127)]);
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MishS8Lut {
    table: [i8; 256],
}

/// e^x in f64 for table construction (libm's f64 `exp` is not provably panic-free):
/// x = k·ln2 + r, |r| ≤ ~0.35, degree-20 Taylor polynomial, 2^k from the exponent bits.
/// Relative error ≲ 4e−16 for x ∈ [−700, 40]; 0 below −700.
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
fn exp_f64(x: f64) -> f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    if x.is_nan() || x <= -700.0 {
        return 0.0;
    }
    let x = if x < 700.0 { x } else { 700.0 };
    let t = x * core::f64::consts::LOG2_E;
    // |t| ≤ 1010: the casts and the negation are exact.
    let k = if t >= 0.0 {
        (t + 0.5) as i64
    } else {
        ((0.5 - t) as i64).wrapping_neg()
    };
    let kf = k as f64;
    let r = (x - kf * LN2_HI) - kf * LN2_LO;
    let mut p = 1.0f64;
    let mut i = 20.0f64;
    while i >= 1.0 {
        p = 1.0 + p * r / i;
        i -= 1.0;
    }
    // k ∈ [−1010, 1010]: a normal power of two.
    let scale = f64::from_bits((k.wrapping_add(1023) as u64) << 52);
    p * scale
}

/// Mish in f64 for table construction.
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
fn mish_f64(x: f64) -> f64 {
    if x > 40.0 {
        x
    } else {
        // tanh(ln(1 + u)) = n/(n + 2), n = u(u + 2): exact algebra, f64 rounding only.
        let u = exp_f64(x);
        let n = u * (u + 2.0);
        x * (n / (n + 2.0))
    }
}

impl MishS8Lut {
    /// Build the table for input scale/zero point and output scale/zero point (256 f64
    /// evaluations; stack ≈ 300 bytes including the table being built).
    /// **Cost:** a one-time construction, not in `cargo xtask bench` (256 `f64` Mish
    /// evaluations: soft float on every Cortex-M, whose FPUs are single precision).
    ///
    /// # Errors
    /// [`Error::BadParameter`] for a scale that is not finite and > 0, or a zero point
    /// outside [−128, 127].
    ///
    /// ```
    /// use mcu_kernels::{mish::MishS8Lut, Error};
    ///
    /// // Scales must be finite and > 0, zero points in [−128, 127].
    /// assert!(matches!(MishS8Lut::new(0.0, 0, 0.1, 0), Err(Error::BadParameter(_))));
    /// assert!(matches!(MishS8Lut::new(0.1, 200, 0.1, 0), Err(Error::BadParameter(_))));
    /// // With an output zero point of −10 the table holds round(mish(x)/s) − 10.
    /// let lut = MishS8Lut::new(0.1, 0, 0.1, -10)?;
    /// assert_eq!(lut.lookup(0), -10);
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn new(in_scale: f32, in_zp: i32, out_scale: f32, out_zp: i32) -> Result<Self, Error> {
        if !(in_scale > 0.0 && in_scale.is_finite() && out_scale > 0.0 && out_scale.is_finite()) {
            return Err(Error::BadParameter("scales must be finite and > 0"));
        }
        if !(-128..=127).contains(&in_zp) || !(-128..=127).contains(&out_zp) {
            return Err(Error::BadParameter("zero point outside [-128, 127]"));
        }
        let mut table = [0i8; 256];
        for (slot, q) in table.iter_mut().zip(-128i32..128) {
            // q, in_zp ∈ [−128, 127]: the difference is in [−255, 255].
            let x = f64::from(in_scale) * f64::from(q.wrapping_sub(in_zp));
            let t = mish_f64(x) / f64::from(out_scale);
            // Round half away from zero (`as` truncates toward zero and saturates).
            // `as` saturates at ±2^63 − 1 (|t| may be large for tiny out_scale), so the
            // negation cannot wrap.
            let rt = if t >= 0.0 {
                (t + 0.5) as i64
            } else {
                ((0.5 - t) as i64).wrapping_neg()
            };
            let r = rt.saturating_add(i64::from(out_zp)) as f64;
            *slot = r.clamp(-128.0, 127.0) as i8;
        }
        Ok(MishS8Lut { table })
    }

    /// Mish of one quantized value: one table load, exact (the table entry). **Cost:** a few
    /// instructions inlined (the bench row `mish::MishS8Lut::apply` is its slice form).
    ///
    /// ```
    /// use mcu_kernels::mish::MishS8Lut;
    ///
    /// // Scales 1/16 in and out, zero points 0: q = 16 is x = 1, mish(1)·16 = 13.84 → 14.
    /// let lut = MishS8Lut::new(1.0 / 16.0, 0, 1.0 / 16.0, 0)?;
    /// assert_eq!(lut.lookup(16), 14);
    /// assert_eq!(lut.lookup(0), 0);
    /// assert_eq!(lut.lookup(127), 127); // mish(7.94)·16 = 126.98 → 127
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    #[inline]
    pub fn lookup(&self, q: i8) -> i8 {
        let idx = (i16::from(q) + 128) as u8;
        self.table.get(usize::from(idx)).copied().unwrap_or(0)
    }

    /// Apply the table to a slice (one load per element, correctly rounded results).
    /// **Cost**
    /// (`cargo xtask bench`, row `mish::MishS8Lut::apply`, N = 256, QEMU instructions per
    /// element): 3.9 on the M4F, M7 and M3 (eight elements per step, four per word load), 5.9
    /// on the M0 (one per step: ARMv6-M has no unaligned word loads). RAM: the 256-byte
    /// table.
    /// Example: see the example on [`MishS8Lut`].
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] if `y.len() != x.len()`.
    ///
    /// Stack (bytes, `cargo xtask bench`): M0 48 · M3 44 · M4F/M7/M33/M55 56.
    /// <!-- stack: mish::MishS8Lut::apply -->
    ///
    /// ```
    /// use mcu_kernels::{mish::MishS8Lut, Error};
    ///
    /// let lut = MishS8Lut::new(1.0 / 16.0, 0, 1.0 / 16.0, 0)?;
    /// let mut y = [0i8; 3];
    /// lut.apply(&[16, 0, -16], &mut y)?;
    /// // mish(−1)·16 = −4.85 → −5.
    /// assert_eq!(y, [14, 0, -5]);
    /// let short = lut.apply(&[0; 3], &mut [0; 2]);
    /// assert_eq!(short, Err(Error::LengthMismatch { expected: 3, actual: 2 }));
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn apply(&self, x: &[i8], y: &mut [i8]) -> Result<(), Error> {
        check(x.len(), y.len())?;
        // ARMv6-M (no unaligned word loads: the words would be assembled byte by byte, 7.2
        // instructions per element against 5.9): one element per step.
        #[cfg(all(target_arch = "arm", not(target_has_atomic = "32")))]
        for (o, &v) in y.iter_mut().zip(x) {
            *o = self.lookup(v);
        }
        // Elsewhere, eight elements per step: each four bytes as one word, biased by +128 each with one
        // xor (q + 128 = (q as u8) ^ 0x80), so each index is a single byte extract.
        #[cfg(not(all(target_arch = "arm", not(target_has_atomic = "32"))))]
        self.apply_by_words(x, y);
        Ok(())
    }

    /// [`Self::apply`] eight elements per step (lengths already checked).
    #[cfg_attr(
        all(target_arch = "arm", not(target_has_atomic = "32")),
        allow(dead_code)
    )]
    #[inline(always)]
    fn apply_by_words(&self, x: &[i8], y: &mut [i8]) {
        let mut xs = x.chunks_exact(8);
        let mut ys = y.chunks_exact_mut(8);
        for (xc, yc) in (&mut xs).zip(&mut ys) {
            if let ([a, b, c, d, e, f, g, h], [o0, o1, o2, o3, o4, o5, o6, o7]) = (xc, yc) {
                let w = u32::from_le_bytes([*a as u8, *b as u8, *c as u8, *d as u8]) ^ 0x8080_8080;
                let v = u32::from_le_bytes([*e as u8, *f as u8, *g as u8, *h as u8]) ^ 0x8080_8080;
                *o0 = self.at(w as u8);
                *o1 = self.at((w >> 8) as u8);
                *o2 = self.at((w >> 16) as u8);
                *o3 = self.at((w >> 24) as u8);
                *o4 = self.at(v as u8);
                *o5 = self.at((v >> 8) as u8);
                *o6 = self.at((v >> 16) as u8);
                *o7 = self.at((v >> 24) as u8);
            }
        }
        for (o, &v) in ys.into_remainder().iter_mut().zip(xs.remainder()) {
            *o = self.lookup(v);
        }
    }

    /// The entry at index `idx` (= q + 128).
    #[inline(always)]
    fn at(&self, idx: u8) -> i8 {
        self.table.get(usize::from(idx)).copied().unwrap_or(0)
    }

    /// The table, indexed by q + 128 (for export or inspection; no cost). Example: see the
    /// example on [`MishS8Lut`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn table(&self) -> &[i8; 256] {
        &self.table
    }
}

/// The FPU path: the float forms, whatever the target (soft float on a core without an FPU).
pub mod fpu {
    use crate::Error;

    /// Mish activation f(x) = x·tanh(ln(1 + e^x)).
    ///
    /// **Algorithm:** for x ∈ [−78.33, 4.08·10^5) (the table path, branch-free):
    /// e^x = 2(s + sp) from a 64-entry table of 2^(j/64) and a degree-2 polynomial
    /// (`math::exp_table64`), z = s + (sp + w²) with w = s + sp (= e^2x/4 + e^x/2), and
    /// f = z·(x/(z + 0.5)): one table load, one division, 18 floating-point operations.
    /// Elsewhere (x < −78.33, huge x, ±∞, NaN; a cold call): u = e^x by [`crate::math::fpu::exp`],
    /// f = x·(1 − 2/(u² + 2u + 2)) for x > 0 and p − p·(u + u²)/(u² + 2u + 2), p = x·u, for x ≤ 0;
    /// (x·e^(x/2))·e^(x/2) below −87 so that subnormal results are rounded once.
    /// f(+∞) = +∞, f(−∞) = −0, f(±0) = ±0, NaN propagates. [`mish_slice`](super::mish_slice) gives the same bits.
    ///
    /// **Accuracy** (every f32 by `cargo xtask accuracy --exhaustive`; a 5.6·10^6-point sweep in
    /// `host/tests/mish_ulp.rs` runs in every `cargo test`): measured max 3.589 ulp over every
    /// finite f32 (at x = −7.569) wherever |f(x)| ≥ 2^−126 (asserted ≤ 4 ulp), and ≤ 2^−147
    /// absolute below (measured max 2.38e−45). The fallback path alone measured 3.02 ulp over
    /// every f32 when it was the only path. The backend features (`libm`, `micromath`)
    /// only change the path outside the table range.
    /// **Stack** and **cost:** see [`mish_slice`](super::mish_slice) (the scalar form adds a branch on the range word).
    ///
    /// ```
    /// use mcu_kernels::mish::fpu::mish;
    ///
    /// // Against the f64 formula x·tanh(ln(1 + e^x)), within the documented 4 ulp.
    /// for x in [-7.5f32, -1.0, 0.3, 3.0, 12.0] {
    ///     let xd = f64::from(x);
    ///     let want = xd * xd.exp().ln_1p().tanh();
    ///     let ulp = (want.abs().log2().floor() - 23.0).exp2();
    ///     assert!((f64::from(mish(x)) - want).abs() <= 4.0 * ulp, "x = {x}");
    /// }
    /// assert_eq!(mish(f32::INFINITY), f32::INFINITY);
    /// assert_eq!(mish(f32::NEG_INFINITY).to_bits(), (-0.0f32).to_bits());
    /// assert_eq!(mish(-0.0).to_bits(), (-0.0f32).to_bits());
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    #[inline]
    pub fn mish(x: f32) -> f32 {
        super::mish_float(x)
    }

    /// y_i = mish(x_i) (see [`mish`](fn@mish) for the formula and accuracy; same bits as [`mish`](fn@mish)).
    ///
    /// **Algorithm:** blocks of 32: the table path of [`mish`] runs branch-free over the block
    /// while the range words are ORed; if any element is outside [−78.33, 4.08·10^5) (or is NaN
    /// or ±∞), that block is recomputed element by element with [`mish`]. An empty slice is
    /// fine.
    /// **Cost** (`cargo xtask bench`, x uniform in [−8, 8]): 27.9 instructions per element at
    /// N = 256 on the M4F (one VDIV each; 36.3 at N = 16, where the short remainder block
    /// dominates); the row `mish::mish_slice[wide]` (x in [−100, 100], every block falls back)
    /// shows the worst case.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] if `y.len() != x.len()`.
    ///
    /// | stack, bytes (`cargo xtask bench`) | M0 | M3 | M4F | M7 | M33 | M55 |
    /// |---|---:|---:|---:|---:|---:|---:|
    /// | `mish::mish_slice` | 188 | 152 | 156 | 156 | 156 | 156 |
    /// | `mish::mish_slice[wide]` | 268 | 200 | 168 | 168 | 168 | 168 |
    /// <!-- stack: mish::mish_slice, mish::mish_slice[wide] -->
    ///
    /// ```
    /// use mcu_kernels::mish::fpu::{mish, mish_slice};
    ///
    /// // 40 values (a full block of 32 and a remainder), one of them outside the table range:
    /// // every output has the bits of the scalar form.
    /// let mut x = [0.0f32; 40];
    /// for (i, v) in x.iter_mut().enumerate() {
    ///     *v = -8.0 + 0.4 * i as f32;
    /// }
    /// x[5] = -100.0;
    /// let mut y = [0.0f32; 40];
    /// mish_slice(&x, &mut y)?;
    /// for (&xi, &yi) in x.iter().zip(&y) {
    ///     assert_eq!(yi.to_bits(), mish(xi).to_bits(), "x = {xi}");
    /// }
    /// # Ok::<(), mcu_kernels::Error>(())
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn mish_slice(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
        super::mish_slice_float(x, y)
    }
}

/// Mish activation f(x) = x·tanh(ln(1 + e^x)): [`fpu::mish`] where the target has a hardware
/// FPU, [`nofpu::mish`] elsewhere (see the crate docs, "FPU and integer paths"; algorithm,
/// accuracy and cost in those functions' docs).
///
/// ```
/// use mcu_kernels::mish::mish;
///
/// // mish(1) = tanh(ln(1 + e)) = 0.8650984 (f64 reference), within 4 ulp; Mish's minimum
/// // is −0.3088 at x ≈ −1.1924.
/// let want = 1f64.exp().ln_1p().tanh();
/// assert!((f64::from(mish(1.0)) - want).abs() <= 4.0 * 2f64.powi(-24));
/// assert!((mish(-1.1924) + 0.308_843_4).abs() < 1e-6);
/// assert!(mish(-1.0) > -0.3089 && mish(-2.0) > -0.3089);
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn mish(x: f32) -> f32 {
    if crate::math::INT_PATH {
        nofpu::mish(x)
    } else {
        mish_float(x)
    }
}

/// y_i = mish(x_i): [`fpu::mish_slice`] where the target has a hardware FPU,
/// [`nofpu::mish_slice`] elsewhere (see the crate docs, "FPU and integer paths").
///
/// # Errors
/// [`Error::LengthMismatch`] if `y.len() != x.len()`.
///
/// | stack, bytes (`cargo xtask bench`) | M0 | M3 | M4F | M7 | M33 | M55 |
/// |---|---:|---:|---:|---:|---:|---:|
/// | `mish::mish_slice` | 188 | 152 | 156 | 156 | 156 | 156 |
/// | `mish::nofpu::mish_slice` | 96 | 52 | 52 | 52 | 52 | 52 |
/// <!-- stack: mish::mish_slice, mish::nofpu::mish_slice -->
///
/// ```
/// use mcu_kernels::mish::{mish, mish_slice};
///
/// let x = [-2.0f32, -0.5, 0.0, 0.5, 2.0];
/// let mut y = [0.0f32; 5];
/// mish_slice(&x, &mut y)?;
/// for (&xi, &yi) in x.iter().zip(&y) {
///     assert_eq!(yi.to_bits(), mish(xi).to_bits());
///     let want = f64::from(xi) * f64::from(xi).exp().ln_1p().tanh();
///     assert!((f64::from(yi) - want).abs() <= 4.0 * 2f64.powi(-23) * want.abs());
/// }
/// # Ok::<(), mcu_kernels::Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn mish_slice(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    if crate::math::INT_PATH {
        nofpu::mish_slice(x, y)
    } else {
        mish_slice_float(x, y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fixed::types::I4F12;

    #[test]
    fn reference_vectors() {
        assert!((f64::from(mish(1.0)) - 0.865_098_388_3).abs() < 1e-7);
        assert!((f64::from(mish(-1.0)) + 0.303_401_461_4).abs() < 1e-7);
        assert!((mish(-1.1924) + 0.308_843_4).abs() < 1e-6);
        assert!(mish_grad(-1.1924).abs() < 1e-4);
        assert_eq!(mish(f32::INFINITY), f32::INFINITY);
        assert_eq!(mish(f32::NEG_INFINITY), 0.0);
        assert!(mish(f32::NAN).is_nan());
        assert!(mish_grad(f32::NAN).is_nan());
        assert_eq!(mish_grad(f32::INFINITY), 1.0);
        assert_eq!(mish_grad(f32::NEG_INFINITY), 0.0);
        assert_eq!(mish(0.0), 0.0);
        assert_eq!(mish(1e30), 1e30);
        assert!((mish_grad(0.0) - 0.6).abs() < 1e-7);
        let mut y = [0.0f32; 2];
        assert_eq!(
            mish_slice(&[1.0], &mut y),
            Err(Error::LengthMismatch {
                expected: 1,
                actual: 2
            })
        );
        assert_eq!(mish_slice(&[], &mut []), Ok(()));
        mish_grad_slice(&[0.0, 30.0], &mut y).unwrap();
        assert_eq!(y[1], 1.0);
    }

    /// The block fallback: blocks with an element outside the table range are recomputed,
    /// and every element equals the scalar `mish` bit for bit (in-range blocks, mixed blocks,
    /// the remainder block).
    #[test]
    fn slice_matches_scalar_across_the_range_boundaries() {
        let specials = [
            -78.4f32,
            -78.33,
            -78.3,
            -100.0,
            -1e30,
            4.0e5,
            4.2e5,
            f32::MAX,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            -0.0,
            0.0,
            f32::from_bits(1),
            -f32::from_bits(1),
            10.39,
            10.4,
            1e4,
        ];
        let mut x = [0.0f32; 75];
        for (i, v) in x.iter_mut().enumerate() {
            *v = (i as f32 - 37.0) * 0.37;
        }
        for (k, &sp) in specials.iter().enumerate() {
            let mut xs = x;
            xs[(k * 7) % 75] = sp;
            let mut y = [0.0f32; 75];
            mish_slice(&xs, &mut y).unwrap();
            for (&a, &b) in xs.iter().zip(&y) {
                let want = mish(a);
                assert!(
                    want.to_bits() == b.to_bits() || (want.is_nan() && b.is_nan()),
                    "x = {a}: slice {b}, scalar {want}"
                );
            }
        }
        assert_eq!(mish(-0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(mish(1e4), 1e4);
        // Continuity across the table boundary at −78.33 (both paths ≤ 4 ulp).
        let a = mish(-78.33);
        let b = mish(-78.34);
        assert!(a < 0.0 && b < 0.0 && (a / b - 1.0).abs() < 1e-2, "{a} {b}");
    }

    #[test]
    fn quantized() {
        let x = I4F12::from_num(1);
        let y = mish_fixed(x);
        assert!((y.to_num::<f32>() - 0.865_098_4).abs() <= 1.0 / 4096.0);
        let lut = MishS8Lut::new(0.05, 0, 0.05, 0).unwrap();
        assert_eq!(lut.lookup(20), 17); // mish(1) / 0.05 = 17.30
        assert_eq!(lut.lookup(0), 0);
        assert!(MishS8Lut::new(0.0, 0, 1.0, 0).is_err());
        assert!(MishS8Lut::new(1.0, 200, 1.0, 0).is_err());
    }

    /// `apply` (eight elements per step, then the tail) gives each element's table entry, at
    /// every length 0..=19 and every input value.
    #[test]
    fn apply_equals_table_entries() {
        let lut = MishS8Lut::new(0.07, -3, 0.05, 5).unwrap();
        let all: [i8; 256] = core::array::from_fn(|i| (i as i32 - 128) as i8);
        let mut y = [0i8; 256];
        lut.apply(&all, &mut y).unwrap();
        for (q, &v) in all.iter().zip(&y) {
            assert_eq!(v, lut.table()[(i32::from(*q) + 128) as usize]);
        }
        for n in 0..20 {
            let x = &all[100..100 + n];
            let mut y = [0i8; 20];
            lut.apply(x, &mut y[..n]).unwrap();
            for k in 0..n {
                assert_eq!(y[k], lut.lookup(x[k]));
            }
        }
        assert!(lut.apply(&all[..3], &mut y[..4]).is_err());
    }
}
