//! FNV-1a over the bit patterns of kernel outputs.

/// A running 32-bit FNV-1a digest. Two outputs have the same digest iff (with
/// overwhelming probability) they are bit-identical, NaN payloads and signed zeros included.
///
/// With the feature `record` it also keeps the first [`RECORD`] words folded in (the
/// outputs) and the inputs the suite declared with the `input_*` methods, so that a
/// mismatch can be shown value by value (`cargo xtask ontarget` does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Digest {
    /// The FNV-1a state.
    pub hash: u32,
    /// The recorded words (feature `record`).
    #[cfg(feature = "record")]
    pub record: Record,
}

/// How many input and output words a recording digest keeps.
#[cfg(feature = "record")]
pub const RECORD: usize = 320;

/// The words a recording digest saw (feature `record`).
#[cfg(feature = "record")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    /// Words folded into the digest, in order (the first [`RECORD`]).
    pub outputs: [u32; RECORD],
    /// How many output words were folded in (may exceed [`RECORD`]).
    pub n_outputs: usize,
    /// The inputs the suite declared (the first [`RECORD`] words).
    pub inputs: [u32; RECORD],
    /// How many input words were declared.
    pub n_inputs: usize,
}

#[cfg(feature = "record")]
impl Record {
    fn push(buf: &mut [u32; RECORD], n: &mut usize, w: u32) {
        if let Some(slot) = buf.get_mut(*n) {
            *slot = w;
        }
        *n += 1;
    }
}

impl Default for Digest {
    fn default() -> Self {
        Digest::from_hash(0x811C_9DC5)
    }
}

impl Digest {
    /// A digest with the given state (nothing recorded).
    pub fn from_hash(hash: u32) -> Self {
        Digest {
            hash,
            #[cfg(feature = "record")]
            record: Record {
                outputs: [0; RECORD],
                n_outputs: 0,
                inputs: [0; RECORD],
                n_inputs: 0,
            },
        }
    }

    /// Fold in one 32-bit word.
    pub fn word(&mut self, w: u32) {
        for b in w.to_le_bytes() {
            self.hash ^= u32::from(b);
            self.hash = self.hash.wrapping_mul(0x0100_0193);
        }
        #[cfg(feature = "record")]
        Record::push(&mut self.record.outputs, &mut self.record.n_outputs, w);
    }

    /// Declare an input word (recorded with the feature `record`; not folded in).
    #[inline]
    pub fn input_word(&mut self, w: u32) {
        #[cfg(feature = "record")]
        Record::push(&mut self.record.inputs, &mut self.record.n_inputs, w);
        #[cfg(not(feature = "record"))]
        let _ = w;
    }

    /// Declare f32 inputs (bit patterns; see [`Digest::input_word`]).
    #[inline]
    pub fn input_f32s(&mut self, xs: &[f32]) {
        for &x in xs {
            self.input_word(x.to_bits());
        }
    }

    /// Declare i8 inputs (sign-extended words; see [`Digest::input_word`]).
    #[inline]
    pub fn input_i8s(&mut self, xs: &[i8]) {
        for &x in xs {
            self.input_word(x as u32);
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
    pub fn result<T>(&mut self, r: &Result<T, mcu_kernels::Error>) {
        self.word(match r {
            Ok(_) => 0,
            Err(e) => error_code(e),
        });
    }
}

/// A stable number for each error variant (for digests and on-target messages).
pub fn error_code(e: &mcu_kernels::Error) -> u32 {
    use mcu_kernels::Error::*;
    match e {
        Empty => 1,
        LengthMismatch { .. } => 2,
        BadRowLength => 3,
        NanInput => 4,
        AllNegInfinity => 5,
        IndexOutOfRange { .. } => 6,
        BadParameter(_) => 7,
        NonFinite => 8,
        TflmRefuses(_) => 9,
        _ => 0xFF,
    }
}
