//! FNV-1a over the bit patterns of kernel outputs.

/// A running 32-bit FNV-1a digest. Two outputs have the same digest iff (with
/// overwhelming probability) they are bit-identical, NaN payloads and signed zeros included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Digest(pub u32);

impl Default for Digest {
    fn default() -> Self {
        Digest(0x811C_9DC5)
    }
}

impl Digest {
    /// Fold in one 32-bit word.
    pub fn word(&mut self, w: u32) {
        for b in w.to_le_bytes() {
            self.0 ^= u32::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0193);
        }
    }

    /// Fold in one f32's bit pattern. Every NaN folds in as the canonical quiet NaN
    /// 0x7FC0_0000: IEEE 754 leaves NaN payloads and signs to the implementation, and the
    /// FPU (M4F, M7, host) and soft-float (M0, M3) differ there. Everything else, signed
    /// zeros and subnormals included, must match bit for bit.
    pub fn f32(&mut self, x: f32) {
        self.word(if x.is_nan() { 0x7FC0_0000 } else { x.to_bits() });
    }

    /// Fold in a slice of f32 (see [`Digest::f32`]).
    pub fn f32s(&mut self, xs: &[f32]) {
        for &x in xs {
            self.f32(x);
        }
    }

    /// Fold in a slice of i8 (each sign-extended to a word).
    pub fn i8s(&mut self, xs: &[i8]) {
        for &x in xs {
            self.word(x as u32);
        }
    }

    /// Fold in a slice of i16 (each sign-extended to a word).
    pub fn i16s(&mut self, xs: &[i16]) {
        for &x in xs {
            self.word(x as u32);
        }
    }

    /// Fold in a kernel's result code (0 for Ok, a per-error code otherwise).
    pub fn result<T>(&mut self, r: &Result<T, kernels::Error>) {
        self.word(match r {
            Ok(_) => 0,
            Err(e) => error_code(e),
        });
    }
}

/// A stable number for each error variant (for digests and on-target messages).
pub fn error_code(e: &kernels::Error) -> u32 {
    use kernels::Error::*;
    match e {
        Empty => 1,
        LengthMismatch { .. } => 2,
        BadRowLength => 3,
        NanInput => 4,
        AllNegInfinity => 5,
        IndexOutOfRange { .. } => 6,
        BadParameter(_) => 7,
        NonFinite => 8,
        _ => 0xFF,
    }
}
