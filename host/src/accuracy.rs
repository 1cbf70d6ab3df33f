//! Accuracy of `mcu_kernels::math` (and of `mcu_kernels::mish::mish`) against f64 references, in ulps of the correctly rounded result.
//!
//! The error of a result `got` for an input x is |got − r| / ulp(f32(r)), computed in f64,
//! where r is the f64 reference value (f64 `std` functions: their ≤ 1 f64-ulp error is ~2^−29
//! of an f32 ulp, negligible) and ulp(v) is the spacing of f32 numbers at |v| (2^−149 in the
//! subnormal range). A result of the wrong class (NaN for a number, ∞ for a finite value)
//! counts as an infinite error.

use crate::reference::math;
use std::thread;

/// One function under test.
#[derive(Clone, Copy)]
pub struct Func {
    /// Name, as in `mcu_kernels::math`.
    pub name: &'static str,
    /// The documented domain (human-readable).
    pub domain: &'static str,
    /// The implementation under test.
    pub f: fn(f32) -> f32,
    /// The f64 reference.
    pub reference: fn(f64) -> f64,
    /// Whether an input is in the measured domain.
    pub in_domain: fn(f32) -> bool,
    /// The documented bound, in ulps.
    pub bound: f64,
    /// An interval sampled densely (linearly) by [`dense`], where the function is not trivial.
    pub busy: (f32, f32),
}

/// Upper edges of the error-histogram buckets (in ulps, or in u = 2^−24 for the softmax
/// figures): bucket k counts errors in `[EDGES[k−1], EDGES[k])`; the last bucket is open.
pub const EDGES: [f64; 6] = [0.5, 1.0, 1.5, 2.0, 3.0, 4.0];

/// An error histogram over [`EDGES`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Histogram {
    /// Counts per bucket (`EDGES.len() + 1` buckets).
    pub counts: [u64; 7],
}

impl Histogram {
    /// Count one error.
    pub fn add(&mut self, e: f64) {
        let k = EDGES
            .iter()
            .position(|&edge| e < edge)
            .unwrap_or(EDGES.len());
        self.counts[k] += 1;
    }
    /// The bucket labels, e.g. `[0, 0.5)`, …, `≥ 4`.
    pub fn labels() -> Vec<String> {
        let mut lo = 0.0;
        let mut v = Vec::new();
        for e in EDGES {
            v.push(format!("[{lo}, {e})"));
            lo = e;
        }
        v.push(format!("≥ {lo}"));
        v
    }
    fn merge(mut self, o: &Histogram) -> Histogram {
        for (a, b) in self.counts.iter_mut().zip(o.counts) {
            *a += b;
        }
        self
    }
}

/// Result of a measurement.
#[derive(Clone, Copy, Debug)]
pub struct Measured {
    /// Largest error seen, in ulps.
    pub max_ulp: f64,
    /// An input where it was seen.
    pub worst: f32,
    /// How many inputs were measured.
    pub points: u64,
    /// The distribution of the errors (ulps).
    pub histogram: Histogram,
}

impl Measured {
    fn new() -> Self {
        Measured {
            max_ulp: 0.0,
            worst: 0.0,
            points: 0,
            histogram: Histogram::default(),
        }
    }
    fn merge(self, o: Measured) -> Measured {
        let mut m = if o.max_ulp > self.max_ulp { o } else { self };
        m.points = self.points + o.points;
        m.histogram = self.histogram.merge(&o.histogram);
        m
    }
}

fn finite(x: f32) -> bool {
    !x.is_nan()
}

/// The crate's own math functions ([`mcu_kernels::math::own`]) with their documented domains and
/// bounds.
pub fn functions() -> Vec<Func> {
    let mut v = float_functions();
    v.extend(nofpu_functions());
    v
}

/// The FPU-free forms ([`mcu_kernels::math::nofpu`], [`mcu_kernels::mish::nofpu::mish`]): same domains, references and busy
/// intervals as the float forms; documented bound 0.6 ulp (0.5 + the 2^−28 relative error
/// before the final rounding, with margin), 1.11 ulp for Mish (its segment table).
pub fn nofpu_functions() -> Vec<Func> {
    use mcu_kernels::math::nofpu;
    type Form = (&'static str, fn(f32) -> f32);
    let forms: [Form; 8] = [
        ("nofpu::exp", nofpu::exp),
        ("nofpu::exp2", nofpu::exp2),
        ("nofpu::ln", nofpu::ln),
        ("nofpu::log1p", nofpu::log1p),
        ("nofpu::expm1", nofpu::expm1),
        ("nofpu::tanh", nofpu::tanh),
        ("nofpu::sigmoid", nofpu::sigmoid),
        ("nofpu::softplus", nofpu::softplus),
    ];
    let mut v: Vec<Func> = float_functions()
        .into_iter()
        .zip(forms)
        .map(|(float, (name, f))| {
            assert_eq!(Some(float.name), name.strip_prefix("nofpu::"));
            Func {
                name,
                f,
                bound: 0.6,
                ..float
            }
        })
        .collect();
    if let Some(m) = float_functions().into_iter().find(|f| f.name == "mish") {
        v.push(Func {
            name: "nofpu::mish",
            f: mcu_kernels::mish::nofpu::mish,
            // 0.5 + the table path's 2^−24.71 relative error before the final rounding.
            bound: 1.11,
            ..m
        });
    }
    v
}

/// The float forms (and Mish, which is built on them).
fn float_functions() -> Vec<Func> {
    use mcu_kernels::math::own;
    vec![
        Func {
            name: "exp",
            domain: "all f32",
            f: own::exp,
            reference: math::exp,
            in_domain: finite,
            bound: 2.0,
            busy: (-105.0, 90.0),
        },
        Func {
            name: "exp2",
            domain: "all f32",
            f: own::exp2,
            reference: math::exp2,
            in_domain: finite,
            bound: 2.0,
            busy: (-152.0, 129.0),
        },
        Func {
            name: "ln",
            domain: "x > 0",
            f: own::ln,
            reference: math::ln,
            in_domain: |x| x > 0.0,
            bound: 1.0,
            busy: (0.0, 4.0),
        },
        Func {
            name: "log1p",
            domain: "x > -1",
            f: own::log1p,
            reference: math::log1p,
            in_domain: |x| x > -1.0,
            bound: 4.0,
            busy: (-1.0, 4.0),
        },
        Func {
            name: "expm1",
            domain: "all f32",
            f: own::expm1,
            reference: math::expm1,
            in_domain: finite,
            bound: 4.0,
            busy: (-20.0, 90.0),
        },
        Func {
            name: "tanh",
            domain: "all f32",
            f: own::tanh,
            reference: math::tanh,
            in_domain: finite,
            bound: 4.0,
            busy: (-10.0, 10.0),
        },
        Func {
            name: "sigmoid",
            domain: "all f32",
            f: own::sigmoid,
            reference: math::sigmoid,
            in_domain: finite,
            bound: 4.0,
            busy: (-105.0, 20.0),
        },
        Func {
            name: "softplus",
            domain: "all f32",
            f: own::softplus,
            reference: math::softplus,
            in_domain: finite,
            bound: 4.0,
            busy: (-105.0, 30.0),
        },
        Func {
            // Relative ≤ 4 ulp where |mish(x)| ≥ 2^−126; below that the subnormal spacing
            // 2^−149 makes the same bound an absolute 2^−147, the contract's absolute regime.
            name: "mish",
            domain: "all f32",
            f: mcu_kernels::mish::mish,
            reference: crate::reference::mish::mish,
            in_domain: finite,
            bound: 4.0,
            busy: (-110.0, 30.0),
        },
    ]
}

/// ulp(v) for the f32 nearest to v (2^−149 in the subnormal range, 2^104 at and beyond f32::MAX).
pub fn ulp_of(v: f64) -> f64 {
    let a = v.abs();
    if a < f64::from(f32::MIN_POSITIVE) {
        return 2f64.powi(-149);
    }
    let r = (a as f32).min(f32::MAX);
    let e = ((r.to_bits() >> 23) as i32) - 127;
    2f64.powi(e - 23)
}

/// Error of `got` against the exact value `want`, in ulps of f32(want).
pub fn ulp_error(got: f32, want: f64) -> f64 {
    if want.is_nan() {
        return if got.is_nan() { 0.0 } else { f64::INFINITY };
    }
    if got.is_nan() {
        return f64::INFINITY;
    }
    let r = want as f32;
    if got.is_infinite() || r.is_infinite() {
        // Overflow: the correctly rounded result is ±∞ iff f32(want) is.
        if got == r {
            return 0.0;
        }
        if got.is_infinite() {
            return f64::INFINITY;
        }
    }
    let want = want.clamp(-f64::MAX, f64::MAX);
    (f64::from(got) - want).abs() / ulp_of(want)
}

/// Measures `func` at the given inputs (out-of-domain inputs are skipped).
pub fn measure_at(func: &Func, xs: impl IntoIterator<Item = f32>) -> Measured {
    let mut m = Measured::new();
    for x in xs {
        if !(func.in_domain)(x) {
            continue;
        }
        let e = ulp_error((func.f)(x), (func.reference)(f64::from(x)));
        m.points += 1;
        m.histogram.add(e);
        if e > m.max_ulp || e.is_nan() {
            m.max_ulp = if e.is_nan() { f64::INFINITY } else { e };
            m.worst = x;
        }
    }
    m
}

/// The dense deterministic sample: every 4093rd f32 bit pattern (≈ 1.05 M inputs over the
/// whole line), 2^20 evenly spaced points over the function's busy interval, and ±512 ulps
/// around the edges (0, ±1, subnormal boundary, overflow/underflow thresholds, ±∞).
pub fn dense_inputs(func: &Func) -> Vec<f32> {
    let mut xs: Vec<f32> = (0..=u32::MAX).step_by(4093).map(f32::from_bits).collect();
    let (lo, hi) = (f64::from(func.busy.0), f64::from(func.busy.1));
    let n = 1u32 << 20;
    xs.extend((0..=n).map(|i| (lo + (hi - lo) * f64::from(i) / f64::from(n)) as f32));
    let edges: [f32; 16] = [
        0.0,
        1.0,
        f32::MIN_POSITIVE,
        0.5,
        2.0,
        0.55,
        9.1,
        17.5,
        88.722_83,
        87.336_54,
        103.972_08,
        126.0,
        128.0,
        149.0,
        0.346_573_6,
        f32::MAX,
    ];
    for e in edges {
        for s in [e, -e] {
            let b = s.to_bits();
            for d in 0..=512u32 {
                xs.push(f32::from_bits(b.wrapping_add(d)));
                xs.push(f32::from_bits(b.wrapping_sub(d)));
            }
        }
    }
    xs.extend([f32::INFINITY, f32::NEG_INFINITY]);
    xs
}

/// Max error over [`dense_inputs`].
pub fn dense(func: &Func) -> Measured {
    measure_at(func, dense_inputs(func))
}

/// Max error over every f32 bit pattern, on `threads` threads.
pub fn exhaustive(func: &Func, threads: u32) -> Measured {
    let threads = u64::from(threads.max(1));
    let span = (1u64 << 32) / threads;
    thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                let func = *func;
                s.spawn(move || {
                    let lo = k * span;
                    let hi = if k + 1 == threads {
                        1u64 << 32
                    } else {
                        lo + span
                    };
                    measure_at(&func, (lo..hi).map(|b| f32::from_bits(b as u32)))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Measured::new()))
            .fold(Measured::new(), Measured::merge)
    })
}

/// Relative error of a softmax kernel against the f64 reference, in u = 2^−24, over the
/// outputs ≥ 2^−126 of `vectors` seeded rows (sizes 1…512; uniform logits in [−8, 8] and
/// [−100, 100], alternately).
pub fn softmax_errors(
    f: fn(&[f32], &mut [f32]) -> Result<(), mcu_kernels::Error>,
    vectors: u32,
) -> (f64, u64, Histogram) {
    let mut h = Histogram::default();
    let (mut worst, mut outputs) = (0.0f64, 0u64);
    for i in 0..vectors {
        let mut rng = testvectors::Rng::new(0x5EED_0000 + u64::from(i));
        let n = 1 + rng.below(512) as usize;
        let mut x = vec![0.0f32; n];
        let w = if i % 2 == 0 { 8.0 } else { 100.0 };
        rng.fill_uniform(&mut x, -w, w);
        let mut y = vec![0.0f32; n];
        if f(&x, &mut y).is_err() {
            continue;
        }
        let Some(r) = crate::reference::softmax::softmax(&x) else {
            continue;
        };
        for (&g, &e) in y.iter().zip(&r) {
            if e >= f64::from(f32::MIN_POSITIVE) {
                let u = (f64::from(g) - e).abs() / e * 16_777_216.0;
                worst = worst.max(u);
                h.add(u);
                outputs += 1;
            }
        }
    }
    (worst, outputs, h)
}
