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

    /// Fold in the bit patterns of a slice of f32.
    pub fn f32s(&mut self, xs: &[f32]) {
        for &x in xs {
            self.word(x.to_bits());
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
        _ => 0xFF,
    }
}
