//! The fixed-point running standard scaler.

use super::{mul, scale_rsqrt};
use fixed::types::I16F16;

/// a·f/2^32 for f in Q0.32, sign of a, truncated toward zero.
#[inline]
fn mul_frac32(a: i32, f: u32) -> i32 {
    let m = a.unsigned_abs();
    let (ah, al) = (m >> 16, m & 0xFFFF);
    let (fh, fl) = (f >> 16, f & 0xFFFF);
    // ah ≤ 2^15, al, fh, fl < 2^16: each product < 2^32; the middle sum in u64.
    let mid = u64::from(ah.wrapping_mul(fl))
        .wrapping_add(u64::from(al.wrapping_mul(fh)))
        .wrapping_add(u64::from(al.wrapping_mul(fl) >> 16))
        >> 16;
    // ah·fh < 2^31 and mid < 2^17: the sum ≤ m·f/2^32 ≤ m fits in u32.
    let mag = ah.wrapping_mul(fh).wrapping_add(mid as u32);
    if a < 0 {
        // mag ≤ |a| ≤ 2^31: wrapping negation of 2^31 gives i32::MIN, the right value.
        (mag as i32).wrapping_neg()
    } else {
        mag as i32
    }
}

/// Running mean and population variance per feature (Welford, River's `StandardScaler`
/// semantics) in `I16F16`: n += 1; δ = x − μ; μ += δ/n; σ² += (δ·(x − μ) − σ²)/n, with 1/n
/// in Q0.32 from one `u32` divide per call (not per feature). `transform` gives
/// (x − μ)/σ by the table-and-Newton 1/√σ² of the module docs, and 0 where σ² = 0 (River's
/// `safe_div`). Everything saturates; μ and σ² move by at least nothing once 1/n < 2⁻³²
/// (n saturates at 2³² − 1). State: 8·D + 4 bytes (76 at D = 9). Per call at D = 9:
///
/// | instructions per element at N = 256, per call at N = 1 (`cargo xtask bench`) | M0 | M3 | M4F | M7 | M33 | M55 |
/// |---|---:|---:|---:|---:|---:|---:|
/// | `online::fixed::FxStandardScaler::learn_one` | 1502 | 948 | 840 | 840 | 940 | 940 |
/// | `online::fixed::FxStandardScaler::transform` | 1008 | 515 | 488 | 488 | 515 | 515 |
/// <!-- cost: online::fixed::FxStandardScaler::* -->
///
/// | stack, bytes (`cargo xtask bench`) | M0 | M3 | M4F | M7 | M33 | M55 |
/// |---|---:|---:|---:|---:|---:|---:|
/// | `online::fixed::FxStandardScaler::learn_one` | 128 | 60 | 64 | 64 | 68 | 68 |
/// | `online::fixed::FxStandardScaler::transform` | 88 | 32 | 32 | 32 | 32 | 32 |
/// <!-- stack: online::fixed::FxStandardScaler::* -->
///
/// # Example
///
/// ```
/// use fixed::types::I16F16;
/// use mcu_kernels::online::fixed::FxStandardScaler;
///
/// let mut s = FxStandardScaler::<1>::new();
/// for v in [1.0, 2.0, 3.0, 4.0] {
///     s.learn_one(&[I16F16::from_num(v)]);
/// }
/// // Mean 2.5, population variance 1.25.
/// assert!((s.mean()[0].to_num::<f64>() - 2.5).abs() < 1e-4);
/// assert!((s.var()[0].to_num::<f64>() - 1.25).abs() < 1e-4);
/// let mut z = [I16F16::ZERO];
/// s.transform(&[I16F16::from_num(4)], &mut z);
/// // (4 − 2.5)/√1.25 = 1.3416…
/// assert!((z[0].to_num::<f64>() - 1.5 / 1.25f64.sqrt()).abs() < 1e-3, "{}", z[0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FxStandardScaler<const D: usize> {
    n: u32,
    mean: [I16F16; D],
    var: [I16F16; D],
}

impl<const D: usize> Default for FxStandardScaler<D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const D: usize> FxStandardScaler<D> {
    /// An empty scaler. Example: see the example on [`FxStandardScaler`].
    pub const fn new() -> Self {
        FxStandardScaler {
            n: 0,
            mean: [I16F16::ZERO; D],
            var: [I16F16::ZERO; D],
        }
    }
    /// The number of samples seen. Example: see the example on [`FxStandardScaler`].
    pub const fn n(&self) -> u32 {
        self.n
    }
    /// The running means. Example: see the example on [`FxStandardScaler`].
    pub const fn mean(&self) -> &[I16F16; D] {
        &self.mean
    }
    /// The running population variances. Example: see the example on [`FxStandardScaler`].
    pub const fn var(&self) -> &[I16F16; D] {
        &self.var
    }
    /// Update the statistics with `x`. Example: see the example on [`FxStandardScaler`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn learn_one(&mut self, x: &[I16F16; D]) {
        self.n = self.n.saturating_add(1);
        // 1/n in Q0.32, rounded down; n = 1 gives 2^32 − 1 (one LSB short of 1).
        let inv_n = u32::MAX.checked_div(self.n).unwrap_or(0);
        for ((xi, m), v) in x.iter().zip(self.mean.iter_mut()).zip(self.var.iter_mut()) {
            let xb = xi.to_bits();
            let mb = m.to_bits();
            let delta = xb.saturating_sub(mb);
            let nm = mb.saturating_add(mul_frac32(delta, inv_n));
            // n = 1: μ = x − 1 LSB·δ/2^32 — exact to the LSB once rounded down is taken into
            // account: set μ = x on the first sample.
            let nm = if self.n == 1 { xb } else { nm };
            *m = I16F16::from_bits(nm);
            let e = mul(delta, xb.saturating_sub(nm));
            let vb = v.to_bits();
            let nv = vb
                .saturating_add(mul_frac32(e.saturating_sub(vb), inv_n))
                .max(0);
            *v = I16F16::from_bits(nv);
        }
    }
    /// (x − μ)/σ into `out` (0 where σ² = 0). Example: see the example on [`FxStandardScaler`].
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn transform(&self, x: &[I16F16; D], out: &mut [I16F16; D]) {
        for ((o, xi), (m, v)) in out
            .iter_mut()
            .zip(x)
            .zip(self.mean.iter().zip(self.var.iter()))
        {
            let vb = v.to_bits();
            *o = if vb <= 0 {
                I16F16::ZERO
            } else {
                // vb > 0: the cast is exact.
                I16F16::from_bits(scale_rsqrt(
                    xi.to_bits().saturating_sub(m.to_bits()),
                    vb as u32,
                    16,
                ))
            };
        }
    }
    /// [`FxStandardScaler::learn_one`] then [`FxStandardScaler::transform`] (River's pipeline
    /// order). Example: see the example on [`FxStandardScaler`].
    ///
    /// ```
    /// use fixed::types::I16F16;
    /// use mcu_kernels::online::fixed::FxStandardScaler;
    ///
    /// let mut s = FxStandardScaler::<1>::new();
    /// let mut z = [I16F16::ONE];
    /// s.learn_transform(&[I16F16::from_num(3)], &mut z);
    /// assert_eq!(z, [I16F16::ZERO]); // one sample: σ² = 0
    /// ```
    #[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
    pub fn learn_transform(&mut self, x: &[I16F16; D], out: &mut [I16F16; D]) {
        self.learn_one(x);
        self.transform(x, out);
    }
}
