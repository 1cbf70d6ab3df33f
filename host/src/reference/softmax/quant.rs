//! f64 references for the quantized softmax kernels (`mcu_kernels::softmax::quant`) and an error
//! histogram in output LSBs.

/// Exact softmax (to f64 rounding) of integer logits `q` with step `s` (= input scale · β):
/// `p_i = e^(s·(q_i − max)) / Σ_j e^(s·(q_j − max))`.
pub fn softmax_quantized(q: &[i32], s: f64) -> Vec<f64> {
    let m = q.iter().copied().max().unwrap_or(0);
    let e: Vec<f64> = q.iter().map(|&v| (s * f64::from(v - m)).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.into_iter().map(|v| v / sum).collect()
}

/// A random int8 row and scale for the differential tests and the accuracy tool: row length
/// 1..=160, logits uniform in a random sub-range, scale log-uniform in [2^−9, 2^2] (TFLM's
/// `from_scale` needs S_in·β > 2^−26, as TFLM's `Prepare`).
pub fn int8_case(rng: &mut testvectors::Rng) -> (Vec<i8>, f32) {
    let n = 1 + rng.below(160) as usize;
    let lo = -128 + rng.below(256) as i32;
    let span = 1 + rng.below((128 - lo) as u32) as i32;
    let x = (0..n)
        .map(|_| (lo + rng.below(span as u32) as i32).clamp(-128, 127) as i8)
        .collect();
    let scale = 2f32.powf(rng.uniform_f32(-9.0, 2.0));
    (x, scale)
}

/// Correctly rounded output code (before the zero point): `min(round(p · 2^bits), cap)`.
pub fn rounded_code(p: f64, bits: u32, cap: i64) -> i64 {
    ((p * 2f64.powi(bits as i32)).round() as i64).min(cap)
}

/// Error histogram of outputs against exact probabilities, in LSBs of the output format.
#[derive(Debug, Clone)]
pub struct LsbHistogram {
    name: String,
    /// Bucket k counts errors in [k/4, (k+1)/4) LSB; the last bucket is open.
    buckets: [u64; 9],
    max: f64,
    count: u64,
    /// Outputs at the format's saturation (excluded from `max`).
    saturated: u64,
}

impl LsbHistogram {
    /// An empty histogram labelled `name`.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            buckets: [0; 9],
            max: 0.0,
            count: 0,
            saturated: 0,
        }
    }

    /// Record the output code `code` (zero point removed, i.e. `y = code / 2^bits`) for the
    /// exact probability `p`. Outputs saturated at the top code where `p · 2^bits` exceeds it
    /// by more than 0.5 are counted apart.
    pub fn add(&mut self, code: i64, p: f64, bits: u32, top: i64) {
        let scale = 2f64.powi(bits as i32);
        let exact = p * scale;
        if code == top && exact > top as f64 + 0.5 {
            self.saturated += 1;
            return;
        }
        let err = (code as f64 - exact).abs();
        let k = ((err * 4.0) as usize).min(8);
        self.buckets[k] += 1;
        self.count += 1;
        if err > self.max {
            self.max = err;
        }
    }

    /// The label given at construction.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Largest error seen, in LSB.
    pub fn max(&self) -> f64 {
        self.max
    }

    /// Number of outputs recorded (saturated ones excluded).
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Counts per quarter-LSB bucket: [k/4, (k+1)/4) LSB, the last bucket open (≥ 2 LSB).
    pub fn buckets(&self) -> [u64; 9] {
        self.buckets
    }

    /// The bucket labels of [`LsbHistogram::buckets`].
    pub fn labels() -> Vec<String> {
        (0..9)
            .map(|k| {
                if k == 8 {
                    "≥ 2".to_string()
                } else {
                    format!("[{}, {})", k as f64 / 4.0, (k + 1) as f64 / 4.0)
                }
            })
            .collect()
    }

    /// Print the histogram.
    pub fn print(&self) {
        println!(
            "{}: {} outputs (+{} saturated at the format's top), max error {:.6} LSB",
            self.name, self.count, self.saturated, self.max
        );
        for (k, &c) in self.buckets.iter().enumerate() {
            if c > 0 {
                let hi = if k == 8 {
                    "inf".to_string()
                } else {
                    format!("{:.2}", (k + 1) as f64 / 4.0)
                };
                println!("  [{:.2}, {hi}) LSB: {c}", k as f64 / 4.0);
            }
        }
    }
}

/// TFLite `LUTPopulate<int16_t>` evaluated on the host with `f32` arithmetic and the system
/// `expf` (glibc): the tables TFLite builds, to compare with the crate's compile-time ones.
pub fn tflm_lut_f32(
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
    f: impl Fn(f32) -> f32,
) -> [i16; 513] {
    let input_min = input_scale * (-32768 - input_zero_point) as f32;
    let input_max = input_scale * (32767 - input_zero_point) as f32;
    let output_min = output_scale * (-32768 - output_zero_point) as f32;
    let output_max = output_scale * (32767 - output_zero_point) as f32;
    let step = (input_max - input_min) / 512.0;
    let half_step = step / 2.0;
    let inv = 65536.0f32 / (output_max - output_min);
    let clamp = |v: f32| v.clamp(-32768.0, 32767.0) as i16;
    let mut lut = [0i16; 513];
    for (i, slot) in lut.iter_mut().enumerate().take(512) {
        let val = f(input_min + i as f32 * step);
        let val_mid = f(input_min + i as f32 * step + half_step);
        let val_next = f(input_min + (i + 1) as f32 * step);
        let sample = (val * inv).round();
        let interp = ((val_next * inv + (val * inv).round()) / 2.0).round();
        let mid = (val_mid * inv).round();
        let bias = ((interp - mid) / 2.0).round();
        *slot = clamp(sample - bias);
    }
    lut[512] = clamp((f(input_max) * inv).round());
    lut
}
