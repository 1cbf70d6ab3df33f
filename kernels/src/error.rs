//! The crate's one error type.

use core::fmt;

/// Why a kernel refused its input. Kernels never panic; they return one of these.
///
/// # Example
///
/// ```
/// use mcu_kernels::Error;
/// use mcu_kernels::mish::mish_slice;
///
/// // Kernels refuse bad input with an `Error` instead of panicking: here an output slice of the
/// // wrong length.
/// let x = [0.5f32, -1.0, 2.0];
/// let mut y = [0.0f32; 2];
/// let e = mish_slice(&x, &mut y).unwrap_err();
/// assert_eq!(e, Error::LengthMismatch { expected: 3, actual: 2 });
/// assert_eq!(e.to_string(), "length mismatch: expected 3, got 2");
/// // It is a `core::error::Error`, so `?` converts it into a boxed error in std code.
/// let boxed: Box<dyn core::error::Error> = Box::new(e);
/// assert!(boxed.to_string().contains("expected 3"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// An input slice was empty where at least one element is required.
    Empty,
    /// Two slices that must have related lengths do not (for example input and output).
    LengthMismatch {
        /// The length that was required.
        expected: usize,
        /// The length that was given.
        actual: usize,
    },
    /// A row length is zero or does not divide the buffer length.
    BadRowLength,
    /// An input contained NaN.
    NanInput,
    /// Every input was −∞, so the result is undefined (0/0). The kernels that transform their
    /// input first report it for the transformed row: `softmax_with_temperature` with every
    /// x_i/T = −∞, which happens for finite negative x when T is so small that the quotients
    /// overflow (x = [−1], T = 1e−45).
    AllNegInfinity,
    /// An index (a class label, a target) is out of range.
    IndexOutOfRange {
        /// The index given.
        index: usize,
        /// The length it must be below.
        len: usize,
    },
    /// A parameter is outside its documented domain (non-finite, ≤ 0, too large ...).
    BadParameter(&'static str),
    /// An input (a weight, an activation) is NaN or ±∞ where only finite values are accepted.
    NonFinite,
    /// TFLite-Micro's `Prepare` refuses these parameters (the model does not load there), so a
    /// TFLite-Micro-exact kernel has nothing to reproduce; the string names TFLM's condition,
    /// e.g. `"input_scale * beta * 2^26 <= 1"`.
    TflmRefuses(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Empty => f.write_str("empty input"),
            Error::LengthMismatch { expected, actual } => {
                write!(f, "length mismatch: expected {expected}, got {actual}")
            }
            Error::BadRowLength => {
                f.write_str("row length is zero or does not divide the buffer length")
            }
            Error::NanInput => f.write_str("input contains NaN"),
            Error::AllNegInfinity => f.write_str("every input is -inf"),
            Error::IndexOutOfRange { index, len } => {
                write!(f, "index {index} out of range for length {len}")
            }
            Error::BadParameter(what) => write!(f, "bad parameter: {what}"),
            Error::NonFinite => f.write_str("input contains NaN or infinity"),
            Error::TflmRefuses(what) => write!(f, "TFLite-Micro refuses the model: {what}"),
        }
    }
}

impl core::error::Error for Error {}

/// `Err(LengthMismatch)` unless `actual == expected`.
#[inline(always)]
pub(crate) fn same_len(expected: usize, actual: usize) -> Result<(), Error> {
    if expected == actual {
        Ok(())
    } else {
        Err(Error::LengthMismatch { expected, actual })
    }
}

/// `Err(Empty)` for `n == 0`, else `Err(LengthMismatch)` unless `m == n`: the check of a
/// kernel that maps a non-empty input of length `n` to an output (or second input) of length `m`.
#[inline(always)]
pub(crate) fn nonempty_same_len(n: usize, m: usize) -> Result<(), Error> {
    if n == 0 {
        return Err(Error::Empty);
    }
    same_len(n, m)
}
