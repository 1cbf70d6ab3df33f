//! FPU-free Mish: f32 in, f32 out, integer arithmetic only on the bit patterns (no
//! `__aeabi_f*`/`__aeabi_d*` call), bit-identical on every target.

use crate::math::int::{add, div, exp2_y_q32, exp_y_q32, mul, pack, Num};
use crate::Error;

/// 2 as a [`Num`].
const TWO: Num = Num {
    neg: false,
    m: 1 << 31,
    e: 1,
};

/// Mish f(x) = x·tanh(ln(1 + e^x)), FPU-free (the integer form of [`crate::mish::mish`]).
///
/// **Algorithm:** with u = e^x (`math::int::exp2`: mantissa and exponent, so tiny u keep
/// their relative precision), tanh(ln(1 + u)) = n/(n + 2) with n = u·(u + 2), and
/// f = x·n/(n + 2): two additions, two products and one Newton reciprocal on 32-bit mantissas
/// (each < 2^−29 relative), one rounding at the end. |x| < 2^−25: u = 1 + x (the omitted
/// x²/2 is below 2^−51); x > 9.5: f = x (the correction 2x·e^−2x is below half an ulp);
/// x < −256: −0.
///
/// **Special values** as [`crate::mish::mish`]: f(+∞) = +∞, f(−∞) = −0, f(±0) = ±0, NaN
/// propagates (quieted). **Accuracy:** ≤ 0.5 + 2^−3 ulp by construction (contract 4 ulp);
/// measured 0.533 ulp over the dense sample of `cargo xtask accuracy` (2.1 M inputs, row
/// `nofpu::mish`; the float form: 3.51 there, 3.589 over every f32). **Stack:**
/// registers and a few words. **Cost:** see `cargo xtask bench` (row `mish::nofpu::mish_slice`).
///
/// ```
/// // The f32 ulp at v, for the error bound in ulp (f64 reference).
/// let ulp = |v: f64| (v.abs().log2().floor() - 23.0).exp2().max(2f64.powi(-149));
/// use mcu_kernels::mish::nofpu::mish;
///
/// // Within 0.5 + 2^-3 ulp of x·tanh(ln(1 + e^x)) (f64 reference).
/// for x in [-20.0f32, -1.0, -1e-3, 0.5, 3.0, 12.0] {
///     let xd = f64::from(x);
///     let want = xd * xd.exp().ln_1p().tanh();
///     assert!((f64::from(mish(x)) - want).abs() <= 0.625 * ulp(want), "x = {x}");
/// }
/// assert_eq!(mish(f32::INFINITY), f32::INFINITY);
/// assert_eq!(mish(f32::NEG_INFINITY).to_bits(), (-0.0f32).to_bits());
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
#[inline]
pub fn mish(x: f32) -> f32 {
    let bits = x.to_bits();
    let abs = bits & 0x7FFF_FFFF;
    let neg = bits >> 31 != 0;
    if abs > 0x7F80_0000 {
        return f32::from_bits(bits | 0x0040_0000);
    }
    if !neg && abs > 0x4118_0000 {
        return x; // x > 9.5, +∞ included
    }
    if neg && abs >= 0x4380_0000 {
        return -0.0; // x ≤ −256, −∞ included: |f| < 256·e^−256
    }
    if abs == 0 {
        return x;
    }
    let xn = Num::from_bits(bits);
    let u = if abs < 0x3300_0000 {
        add(Num::ONE, xn).0
    } else {
        exp2_y_q32(exp_y_q32(bits))
    };
    let n = mul(u, add(u, TWO).0);
    let t = div(n, add(n, TWO).0);
    pack(mul(xn, t), false)
}

/// y_i = `mish(x_i)`, FPU-free (the integer form of [`crate::mish::mish_slice`]; same bits
/// as [`mish`]). An empty slice is fine. **Stack:** 140 bytes on the M0, 72 on the M3 (bench).
/// **Cost** (`cargo xtask bench`, N = 256, x in [−8, 8], QEMU instructions per element): 1,200
/// on the M0 and 308 on the M3, against 2,120 and 1,229 for the float form on soft float
/// (1.8× / 4.0×); code 2.1 KiB / 1.7 KiB. The issue's goals (≤ 250 / ≤ 90) are not reached:
/// the exponential, two products and a Newton reciprocal on 32-bit mantissas remain.
///
/// # Errors
/// [`Error::LengthMismatch`] if `y.len() != x.len()`.
///
/// ```
/// use mcu_kernels::mish::nofpu::{mish, mish_slice};
/// use mcu_kernels::Error;
///
/// let x = [-2.0f32, -0.5, 0.0, 0.5, 2.0];
/// let mut y = [0.0f32; 5];
/// mish_slice(&x, &mut y)?;
/// // The same bits as the scalar form, element by element.
/// for (xi, yi) in x.iter().zip(&y) {
///     assert_eq!(yi.to_bits(), mish(*xi).to_bits());
/// }
/// // Mish is not odd: f(−2) ≈ −0.2525, f(2) ≈ 1.9440 (x·tanh(ln(1 + e^x)) in f64).
/// assert!((y[0] - -0.252_501_8).abs() < 1e-6 && (y[4] - 1.943_959).abs() < 1e-6);
/// assert_eq!(
///     mish_slice(&x, &mut y[..4]),
///     Err(Error::LengthMismatch { expected: 5, actual: 4 })
/// );
/// # Ok::<(), Error>(())
/// ```
#[cfg_attr(all(test, assert_no_panic), no_panic::no_panic)]
pub fn mish_slice(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    if x.len() != y.len() {
        return Err(Error::LengthMismatch {
            expected: x.len(),
            actual: y.len(),
        });
    }
    for (o, &v) in y.iter_mut().zip(x) {
        *o = mish(v);
    }
    Ok(())
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
mod tests {
    use super::*;

    fn mish64(x: f64) -> f64 {
        // tanh(softplus(x)) = n/(n + 2), n = e^x(e^x + 2); for x > 20, f = x to f64 precision.
        if x > 20.0 {
            return x;
        }
        let u = x.exp();
        let n = u * (u + 2.0);
        x * n / (n + 2.0)
    }

    fn ulps(got: f32, want: f64) -> f64 {
        let r = want as f32;
        let a = r.abs();
        let ulp = if a < f32::MIN_POSITIVE {
            2f64.powi(-149)
        } else {
            2f64.powi((a.to_bits() >> 23) as i32 - 127 - 23)
        };
        (got as f64 - want).abs() / ulp
    }

    #[test]
    fn known_values_and_specials() {
        // REFERENCE §2: mish(1) = 0.8650983883, mish(−1) = −0.3034014614.
        assert_eq!(mish(1.0), 0.865_098_388_3f64 as f32);
        assert_eq!(mish(-1.0), -0.303_401_461_4f64 as f32);
        assert!((mish(-1.1924) as f64 + 0.308_843_4).abs() < 1e-6);
        assert_eq!(mish(f32::INFINITY), f32::INFINITY);
        assert_eq!(mish(f32::NEG_INFINITY).to_bits(), 0x8000_0000);
        assert_eq!(mish(0.0).to_bits(), 0);
        assert_eq!(mish(-0.0).to_bits(), 0x8000_0000);
        assert!(mish(f32::NAN).is_nan());
        assert_eq!(mish(1e-30), (0.6e-30f64) as f32);
        assert_eq!(mish(100.0), 100.0);
        let mut y = [0.0f32; 2];
        assert_eq!(
            mish_slice(&[1.0], &mut y),
            Err(Error::LengthMismatch {
                expected: 1,
                actual: 2
            })
        );
        assert_eq!(mish_slice(&[], &mut []), Ok(()));
    }

    /// Seeded bit patterns and a dense band: within 0.6 ulp of f64 where |f| ≥ 2^−126, within
    /// 2^−149 absolute below; and within 4.6 ulp of the float form.
    #[test]
    fn seeded_inputs_against_f64_and_the_float_form() {
        let mut s = 0x0BAD_CAFE_1234_5678u64;
        let mut worst = 0f64;
        for k in 0..400_000u32 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let x = if k % 2 == 0 {
                f32::from_bits(s as u32)
            } else {
                ((s >> 40) as f32 / 16_777_216.0 - 0.5) * 240.0
            };
            if !x.is_finite() {
                continue;
            }
            let (got, want) = (mish(x), mish64(x as f64));
            if want.abs() >= 2f64.powi(-126) {
                let e = ulps(got, want);
                worst = worst.max(e);
                assert!(e < 0.6, "{x:e}: {got:e} vs {want:e} ({e} ulp)");
                assert!(ulps(got, crate::mish::mish(x) as f64) <= 4.6, "{x:e}");
            } else {
                assert!((got as f64 - want).abs() <= 2f64.powi(-149), "{x:e}");
            }
        }
        assert!(
            worst > 0.4,
            "the sample must reach the rounding boundary: {worst}"
        );
    }
}
