//! The benchmark binary: runs each registered kernel once between the markers of
//! [`firmware::bench`]. `cargo xtask bench` counts the executed instructions under QEMU.
//!
//! Protocol (defmt frames, in order): `BENCH <name> <n> <baseline>` before each measured
//! call (`baseline` is the kernel it is compared with in the report, `-` for none) and
//! `STACK <bytes>` after it, then `EXIT 0`. The first measurement, `empty`, is the marker
//! and call overhead (instructions and stack) that xtask subtracts.
#![no_std]
#![no_main]

use core::hint::black_box;
use firmware::bench::measure;
use micromath::F32Ext;
use testvectors::Rng;

const SIZES: [usize; 4] = [16, 64, 256, 1024];
const MAX: usize = 1024;
/// The softmax baseline: three passes on `libm::expf` (REFERENCE §6).
const LIBM3: &str = "softmax::three_pass[libm::expf]";
/// The Mish baseline: `x·tanhf(log1pf(expf(x)))` with libm (REFERENCE §6).
const MISH_LIBM: &str = "mish[libm]";
/// The sparsemax baseline: sort-based with `sort_unstable_by` (REFERENCE §6).
const SPARSEMAX_SORT: &str = "sparsemax[sort_unstable_by]";
/// The quantized baseline: the TFLite-Micro-exact int8 softmax.
const TFLM_S8: &str = "softmax::quant::softmax_s8_tflm";

/// Announces a measurement, runs it, and reports its stack high-water mark.
fn run(name: &str, n: usize, baseline: &str, f: &mut dyn FnMut()) {
    defmt::println!("BENCH {=str} {=u32} {=str}", name, n as u32, baseline);
    let stack = measure(f);
    defmt::println!("STACK {=u32}", stack);
}

/// Uniform logits in [−8, 8] (REFERENCE §6), the same on every core.
fn logits(x: &mut [f32]) {
    Rng::new(0x5EED_0256).fill_uniform(x, -8.0, 8.0);
}

/// The sparsemax baseline of REFERENCE §6: sort a copy with `sort_unstable_by`, find τ by
/// the threshold rule, then project. Uses `p` as the sort buffer.
#[cfg_attr(armv6m, allow(dead_code))]
fn sparsemax_sort_baseline(z: &[f32], p: &mut [f32]) {
    p.copy_from_slice(z);
    p.sort_unstable_by(|a, b| b.total_cmp(a));
    let (mut cum, mut tau) = (0.0f32, 0.0f32);
    for (k, &v) in p.iter().enumerate() {
        cum += v;
        let t = (cum - 1.0) / (k + 1) as f32;
        if v > t {
            tau = t;
        }
    }
    for (o, &v) in p.iter_mut().zip(z) {
        *o = (v - tau).max(0.0);
    }
}

/// f32 kernels over N ∈ SIZES.
#[inline(never)]
fn bench_f32(ok: &mut bool) {
    let mut x = [0.0f32; MAX];
    let mut y = [0.0f32; MAX];
    for n in SIZES {
        let (x, y) = (&mut x[..n], &mut y[..n]);
        logits(x);
        let mut check = |r: Result<(), mcu_kernels::Error>| *ok &= r.is_ok();
        run(LIBM3, n, "-", &mut || {
            check(mcu_kernels::softmax::three_pass_with(
                black_box(x),
                y,
                libm::expf,
            ))
        });
        run("softmax::three_pass[micromath]", n, LIBM3, &mut || {
            check(mcu_kernels::softmax::three_pass_with(
                black_box(x),
                y,
                |v| v.exp(),
            ))
        });
        run("softmax::softmax", n, LIBM3, &mut || {
            check(mcu_kernels::softmax::fpu::softmax(black_box(x), y))
        });
        run("softmax::three_pass", n, LIBM3, &mut || {
            check(mcu_kernels::softmax::three_pass(black_box(x), y))
        });
        run("softmax::anchored", n, LIBM3, &mut || {
            check(mcu_kernels::softmax::anchored(black_box(x), y))
        });
        run("softmax::two_pass", n, LIBM3, &mut || {
            check(mcu_kernels::softmax::two_pass(black_box(x), y))
        });
        run("softmax::log_softmax", n, LIBM3, &mut || {
            check(mcu_kernels::softmax::fpu::log_softmax(black_box(x), y))
        });
        run("softmax::stablemax", n, LIBM3, &mut || {
            check(mcu_kernels::softmax::stablemax(black_box(x), y))
        });
        run("softmax::cross_entropy", n, LIBM3, &mut || {
            check(mcu_kernels::softmax::fpu::cross_entropy(black_box(x), 3, Some(y)).map(|_| ()))
        });
        run(MISH_LIBM, n, "-", &mut || {
            for (o, &v) in y.iter_mut().zip(black_box(&*x)) {
                *o = v * libm::tanhf(libm::log1pf(libm::expf(v)));
            }
        });
        run("mish::mish_slice", n, MISH_LIBM, &mut || {
            check(mcu_kernels::mish::fpu::mish_slice(black_box(x), y))
        });
        // Worst case of the block fallback: x in [−100, 100], so almost every block of 32 holds
        // an element below −78.33 and is recomputed element by element.
        for v in x.iter_mut() {
            *v *= 12.5;
        }
        run("mish::mish_slice[wide]", n, "-", &mut || {
            check(mcu_kernels::mish::fpu::mish_slice(black_box(x), y))
        });
        logits(x);
        // The sort-based peer (core's `sort_unstable_by`, ~8 KiB) does not fit beside the
        // rest in the M0's flash: the comparison is made on the other cores.
        #[cfg(not(armv6m))]
        run(SPARSEMAX_SORT, n, "-", &mut || {
            sparsemax_sort_baseline(black_box(x), y)
        });
        run("sparsemax::sparsemax", n, SPARSEMAX_SORT, &mut || {
            check(mcu_kernels::sparsemax::sparsemax(black_box(x), y).map(|_| ()))
        });
        run("sparsemax::sparsemax_sort", n, SPARSEMAX_SORT, &mut || {
            check(mcu_kernels::sparsemax::sparsemax_sort(black_box(x), y).map(|_| ()))
        });
        run("sparsemax::entmax15", n, SPARSEMAX_SORT, &mut || {
            check(mcu_kernels::sparsemax::fpu::entmax15(black_box(x), y))
        });
        run("zloss::zloss_grad", n, "-", &mut || {
            check(mcu_kernels::zloss::fpu::zloss_grad(black_box(x), 1, 1.0, 0.0, y).map(|_| ()))
        });
    }
    black_box(&y);
}

/// The FPU-free kernels at N = 256 (logits in [−8, 8]), compared with the float rows of the
/// same name (soft float on the M0/M3: the rows `softmax::softmax`, `zloss::zloss_grad`,
/// `sparsemax::entmax15` etc. always run the float forms, `*::fpu::*`).
#[inline(never)]
fn bench_nofpu(ok: &mut bool) {
    const N: usize = 256;
    let mut x = [0.0f32; N];
    let mut y = [0.0f32; N];
    logits(&mut x);
    let mut check = |r: Result<(), mcu_kernels::Error>| *ok &= r.is_ok();
    run(
        "softmax::nofpu::softmax",
        N,
        "softmax::softmax",
        &mut || check(mcu_kernels::softmax::nofpu::softmax(black_box(&x), &mut y)),
    );
    run(
        "softmax::nofpu::log_softmax",
        N,
        "softmax::log_softmax",
        &mut || {
            check(mcu_kernels::softmax::nofpu::log_softmax(
                black_box(&x),
                &mut y,
            ))
        },
    );
    run(
        "softmax::nofpu::cross_entropy",
        N,
        "softmax::cross_entropy",
        &mut || {
            check(
                mcu_kernels::softmax::nofpu::cross_entropy(black_box(&x), 3, Some(&mut y))
                    .map(|_| ()),
            )
        },
    );
    run(
        "mish::nofpu::mish_slice",
        N,
        "mish::mish_slice",
        &mut || check(mcu_kernels::mish::nofpu::mish_slice(black_box(&x), &mut y)),
    );
    black_box(&y);
}

/// The FPU-free Z-loss gradient and entmax-1.5 at N = 256 (logits in [−8, 8]), compared with
/// the float rows of the same name. Called by address: the function's name has no `nofpu`, so
/// the soft-float check (roots: names containing `nofpu`) starts from the kernels themselves,
/// not from these closures' indirect calls.
#[inline(never)]
fn bench_int_losses(ok: &mut bool) {
    const N: usize = 256;
    let mut x = [0.0f32; N];
    let mut y = [0.0f32; N];
    logits(&mut x);
    let mut check = |r: Result<(), mcu_kernels::Error>| *ok &= r.is_ok();
    // By address (through `black_box`, so the calls stay out of line): no other kernel calls
    // them, and the soft-float check (`xtask/tests/softfloat.rs`) requires their symbols
    // among its roots.
    type ZlossGrad = fn(&[f32], usize, f32, f32, &mut [f32]) -> Result<f32, mcu_kernels::Error>;
    type Slice = fn(&[f32], &mut [f32]) -> Result<(), mcu_kernels::Error>;
    let zloss_grad: ZlossGrad = black_box(mcu_kernels::zloss::nofpu::zloss_grad);
    let entmax15: Slice = black_box(mcu_kernels::sparsemax::nofpu::entmax15);
    run(
        "zloss::nofpu::zloss_grad",
        N,
        "zloss::zloss_grad",
        &mut || check(zloss_grad(black_box(&x), 1, 1.0, 0.0, &mut y).map(|_| ())),
    );
    run(
        "sparsemax::nofpu::entmax15",
        N,
        "sparsemax::entmax15",
        &mut || check(entmax15(black_box(&x), &mut y)),
    );
    black_box(&y);
}

/// The scalar math functions, per call (N = 256 calls, logits in [−8, 8]; |x| for `ln` and
/// `log1p`): the integer forms (`math::nofpu`) on every core, and on the cores without an FPU
/// the float forms (`math::fpu`: soft float) they are compared with. Each call goes through a
/// function pointer (a few instructions of overhead, the same for both forms).
#[inline(never)]
fn bench_math() {
    #[cfg(not(target_abi = "eabihf"))]
    use mcu_kernels::math::fpu;
    use mcu_kernels::math::nofpu;
    type Row = (&'static str, &'static str, fn(f32) -> f32, bool);
    // The float forms through closures, not by address: taking a kernel's address would make
    // the compiler keep one out-of-line copy and call it from the other kernels too. The float
    // rows exist on the cores without an FPU only: on the FPU cores they would add callers of
    // `math::fpu::*` next to the online learners' and change how those are inlined (measured:
    // +3 % on `online::learn_one[AProx]`), and the soft-float comparison is the M0/M3's.
    #[cfg(not(target_abi = "eabihf"))]
    #[allow(clippy::redundant_closure)]
    const FLOAT: [Row; 8] = [
        ("math::fpu::exp", "-", |x| fpu::exp(x), false),
        ("math::fpu::exp2", "-", |x| fpu::exp2(x), false),
        ("math::fpu::ln", "-", |x| fpu::ln(x), true),
        ("math::fpu::log1p", "-", |x| fpu::log1p(x), true),
        ("math::fpu::expm1", "-", |x| fpu::expm1(x), false),
        ("math::fpu::tanh", "-", |x| fpu::tanh(x), false),
        ("math::fpu::sigmoid", "-", |x| fpu::sigmoid(x), false),
        ("math::fpu::softplus", "-", |x| fpu::softplus(x), false),
    ];
    #[cfg(target_abi = "eabihf")]
    const FLOAT: [Row; 0] = [];
    // The integer forms by address: no other kernel calls them, and the soft-float check
    // (`xtask/tests/softfloat.rs`) finds them by their symbols.
    const INT: [Row; 8] = [
        ("math::nofpu::exp", "math::fpu::exp", nofpu::exp, false),
        ("math::nofpu::exp2", "math::fpu::exp2", nofpu::exp2, false),
        ("math::nofpu::ln", "math::fpu::ln", nofpu::ln, true),
        ("math::nofpu::log1p", "math::fpu::log1p", nofpu::log1p, true),
        (
            "math::nofpu::expm1",
            "math::fpu::expm1",
            nofpu::expm1,
            false,
        ),
        ("math::nofpu::tanh", "math::fpu::tanh", nofpu::tanh, false),
        (
            "math::nofpu::sigmoid",
            "math::fpu::sigmoid",
            nofpu::sigmoid,
            false,
        ),
        (
            "math::nofpu::softplus",
            "math::fpu::softplus",
            nofpu::softplus,
            false,
        ),
    ];
    const N: usize = 256;
    let mut x = [0.0f32; N];
    let mut y = [0.0f32; N];
    for &(name, baseline, f, positive) in FLOAT.iter().chain(INT.iter()) {
        logits(&mut x);
        if positive {
            for v in x.iter_mut() {
                *v = f32::from_bits(v.to_bits() & 0x7FFF_FFFF);
            }
        }
        let f = black_box(f);
        run(name, N, baseline, &mut || {
            for (o, &v) in y.iter_mut().zip(black_box(&x)) {
                *o = f(v);
            }
        });
    }
    black_box(&y);
}

/// Quantized softmax over N ∈ SIZES, uniform int8 input (REFERENCE §6).
#[inline(never)]
fn bench_quant(ok: &mut bool) {
    use mcu_kernels::softmax::quant as q;
    let mut x8 = [0i8; MAX];
    let mut y8 = [0i8; MAX];
    let mut y16 = [0i16; MAX];
    let mut rng = Rng::new(0x5EED_0008);
    for v in x8.iter_mut() {
        *v = rng.next_u32() as i8;
    }
    // The LUT is built in place (6 KiB; the M0 has 16 KiB of RAM).
    let mut lut = q::SoftmaxS8Lut::empty();
    let (Ok(params), Ok(())) = (
        q::SoftmaxS8Params::from_scale(1.0 / 16.0, 1.0),
        lut.rebuild(1.0 / 16.0, 1.0),
    ) else {
        *ok = false;
        return;
    };
    // The table form of the TFLM-exact kernels: 1 KiB, built once per parameters (issue #20).
    let tflm_table = q::SoftmaxS8TflmTable::new(&params);
    for n in SIZES {
        let (x8, y8, y16) = (&x8[..n], &mut y8[..n], &mut y16[..n]);
        let mut check = |r: Result<(), mcu_kernels::Error>| *ok &= r.is_ok();
        run(TFLM_S8, n, "-", &mut || {
            check(q::softmax_s8_tflm(&params, black_box(x8), n, y8))
        });
        run("softmax::quant::softmax_s8", n, TFLM_S8, &mut || {
            check(q::softmax_s8(&lut, black_box(x8), n, y8))
        });
        run(
            "softmax::quant::softmax_s8_s16_tflm",
            n,
            TFLM_S8,
            &mut || check(q::softmax_s8_s16_tflm(&params, black_box(x8), n, y16)),
        );
        run("softmax::quant::softmax_s8_s16", n, TFLM_S8, &mut || {
            check(q::softmax_s8_s16(&lut, black_box(x8), n, y16))
        });
        // Issue #20: the table forms, beside the table-free rows above.
        run(
            "softmax::quant::softmax_s8_tflm_table",
            n,
            TFLM_S8,
            &mut || check(q::softmax_s8_tflm_table(&tflm_table, black_box(x8), n, y8)),
        );
        run(
            "softmax::quant::softmax_s8_s16_tflm_table",
            n,
            TFLM_S8,
            &mut || {
                check(q::softmax_s8_s16_tflm_table(
                    &tflm_table,
                    black_box(x8),
                    n,
                    y16,
                ))
            },
        );
    }
    black_box((&y8, &y16));
}

/// One `learn_one` and one `predict` of logistic regression on 9 features, per rule.
#[inline(never)]
fn bench_online(ok: &mut bool) {
    use mcu_kernels::online::*;
    let mut rng = Rng::new(0x5EED_0009);
    let mut x = [0.0f32; 9];
    rng.fill_uniform(&mut x, -2.0, 2.0);
    macro_rules! rule {
        ($name:literal, $rule:expr) => {{
            let mut m = LogisticRegression::<9, _>::new($rule);
            // Warm the state up so that the measured step is a typical one.
            for _ in 0..4 {
                *ok &= m.learn_one(&x, true).is_ok();
            }
            run(
                concat!("online::learn_one[", $name, "]"),
                1,
                "-",
                &mut || *ok &= m.learn_one(black_box(&x), true).is_ok(),
            );
            run(
                concat!("online::predict_proba[", $name, "]"),
                1,
                "-",
                &mut || {
                    black_box(m.predict_proba(black_box(&x)));
                },
            );
        }};
    }
    rule!("Sgd", Sgd::new(0.1));
    rule!("AdaGrad", AdaGrad::<9>::river());
    rule!("Adam", Adam::<9>::river());
    rule!("AdaMax", AdaMax::<9>::river());
    rule!("Ftrl", Ftrl::<9>::river());
    rule!("OptimisticOgd", OptimisticOgd::<9>::default());
    rule!("PassiveAggressive", PassiveAggressive::default());
    rule!("AProx", AProx::default());
    let mut scaler = StandardScaler::<9>::new();
    run("online::StandardScaler::learn_one", 1, "-", &mut || {
        *ok &= scaler.learn_one(black_box(&x)).is_ok()
    });
    // The cost as the work grows: the main rules with N = D features (instr/el is per
    // feature; the slope between the two sizes is the cost of one more feature).
    #[cfg_attr(armv6m, allow(unused_macros))]
    macro_rules! rule_d {
        ($name:literal, $d:literal, $rule:expr) => {{
            let mut x = [0.0f32; $d];
            rng.fill_uniform(&mut x, -2.0, 2.0);
            let mut m = LogisticRegression::<$d, _>::new($rule);
            for _ in 0..4 {
                *ok &= m.learn_one(&x, true).is_ok();
            }
            run(
                concat!("online::learn_one[", $name, ";D]"),
                $d,
                "-",
                &mut || *ok &= m.learn_one(black_box(&x), true).is_ok(),
            );
        }};
    }
    // These rows and the softmax rows do not fit the M0's flash (its image was 7 KiB over
    // with the AdaGrad rows alone, 21 KiB with all): the M0's per-feature cost is in the
    // fixed-point learners' rows (`online::fixed::*`), the family meant for it.
    #[cfg(not(armv6m))]
    {
        rule_d!("AdaGrad", 32, AdaGrad::<32>::river());
        rule_d!("AdaGrad", 128, AdaGrad::<128>::river());
        rule_d!("Sgd", 32, Sgd::new(0.1));
        rule_d!("Sgd", 128, Sgd::new(0.1));
        rule_d!("Adam", 32, Adam::<32>::river());
        rule_d!("Adam", 128, Adam::<128>::river());
        rule_d!("Ftrl", 32, Ftrl::<32>::river());
        rule_d!("Ftrl", 128, Ftrl::<128>::river());
        // Multinomial: K classes (instr/el is per class) on 8 features, not 9: a second
        // caller of `AdaGrad<9>`'s update would change how it is inlined into the rows above
        // (measured: +19 % on `online::learn_one[AdaGrad]`).
        let mut x8 = [0.0f32; 8];
        rng.fill_uniform(&mut x8, -2.0, 2.0);
        macro_rules! softmax_k {
            ($k:literal) => {{
                let mut m = SoftmaxRegression::<8, $k, _>::new(AdaGrad::<8>::river());
                for c in 0..4 {
                    *ok &= m.learn_one(&x8, c % $k).is_ok();
                }
                run(
                    "online::SoftmaxRegression::learn_one[AdaGrad;K]",
                    $k,
                    "-",
                    &mut || *ok &= m.learn_one(black_box(&x8), 1).is_ok(),
                );
            }};
        }
        softmax_k!(3);
        softmax_k!(10);
    }
}

/// The 16×16 test layer of the Lipschitz benches (the same seeded draws in every function,
/// so each bench function can rebuild it in its own stack frame: the M0 has 16 KiB of RAM).
fn lipschitz_layer() -> ([[f32; 16]; 16], [f32; 16], [f32; 16]) {
    let mut rng = Rng::new(0x5EED_0010);
    let mut w = [[0.0f32; 16]; 16];
    for row in w.iter_mut() {
        rng.fill_uniform(row, -0.25, 0.25);
    }
    let mut b = [0.0f32; 16];
    rng.fill_uniform(&mut b, -0.1, 0.1);
    let mut x = [0.0f32; 16];
    rng.fill_uniform(&mut x, -1.0, 1.0);
    (w, b, x)
}

/// Lipschitz layers at 16×16: f32 and fixed-point forward, one power-iteration step, one
/// certified upper bound (Gram iteration, `GRAM_ITERS`).
#[inline(never)]
fn bench_lipschitz(ok: &mut bool) {
    use mcu_kernels::lipschitz::{
        power_iteration, spectral_norm_upper_bound, Dense, DenseQ, Workspace, GRAM_ITERS,
    };
    let (w, b, x) = lipschitz_layer();
    let Ok(d) = Dense::<16, 16>::new(w, b) else {
        *ok = false;
        return;
    };
    let Ok(q) = DenseQ::from_dense(&d) else {
        *ok = false;
        return;
    };
    let xq = x.map(|v| (v * 65536.0) as i32);
    let mut y = [0.0f32; 16];
    let mut yq = [0i32; 16];
    run("lipschitz::Dense<16,16>::forward", 16, "-", &mut || {
        *ok &= d.forward(black_box(&x), &mut y).is_ok()
    });
    run("lipschitz::DenseQ<16,16>::forward", 16, "-", &mut || {
        *ok &= q.forward(black_box(&xq), &mut yq).is_ok()
    });
    let mut v = [1.0f32; 16];
    let mut u = [0.0f32; 16];
    run("lipschitz::power_iteration[1step]", 16, "-", &mut || {
        *ok &= power_iteration(black_box(w.as_flattened()), 16, 16, &mut v, &mut u, 1).is_ok()
    });
    let mut ws = Workspace::<16>::new();
    run("lipschitz::spectral_norm_upper_bound", 16, "-", &mut || {
        *ok &= spectral_norm_upper_bound(
            black_box(w.as_flattened()),
            16,
            16,
            GRAM_ITERS,
            ws.as_mut_slice(),
        )
        .is_ok()
    });
    black_box((&y, &yq, &v));
}

/// The five projections of the 16×16 layer to c = 0.5 (below its norm, so each one does its
/// work), each on a fresh copy of W. Only on the cores with an FPU: on the M0 and M3 (soft
/// float) each one costs two to three certified bounds of 8.8 M instructions, minutes under
/// the single-stepping count.
#[cfg(target_abi = "eabihf")]
#[inline(never)]
fn bench_lipschitz_projections(ok: &mut bool) {
    use mcu_kernels::lipschitz::{
        bjorck_orthonormalize, spectral_hammer, spectral_hard_cap, spectral_normalize,
        spectral_soft_cap, Workspace,
    };
    let (w, _, _) = lipschitz_layer();
    let mut ws = Workspace::<16>::new();
    let c = 0.5f32;
    let mut wp = w;
    run("lipschitz::spectral_normalize", 16, "-", &mut || {
        *ok &= spectral_normalize(wp.as_flattened_mut(), 16, 16, c, ws.as_mut_slice()).is_ok()
    });
    wp = w;
    let (mut hv, mut hu) = ([1.0f32; 16], [0.0f32; 16]);
    run("lipschitz::spectral_hammer[2steps]", 16, "-", &mut || {
        *ok &= spectral_hammer(
            wp.as_flattened_mut(),
            16,
            16,
            c,
            &mut hv,
            &mut hu,
            2,
            ws.as_mut_slice(),
        )
        .is_ok()
    });
    wp = w;
    run("lipschitz::spectral_soft_cap", 16, "-", &mut || {
        *ok &= spectral_soft_cap(wp.as_flattened_mut(), 16, 16, c, 0.25, ws.as_mut_slice()).is_ok()
    });
    wp = w;
    run("lipschitz::spectral_hard_cap", 16, "-", &mut || {
        *ok &= spectral_hard_cap(wp.as_flattened_mut(), 16, 16, c, ws.as_mut_slice()).is_ok()
    });
    wp = w;
    run(
        "lipschitz::bjorck_orthonormalize[4iters]",
        16,
        "-",
        &mut || {
            *ok &= bjorck_orthonormalize(wp.as_flattened_mut(), 16, 16, c, 4, ws.as_mut_slice())
                .is_ok()
        },
    );
    black_box((&wp, &hv));
}

/// Backward pass, the activations on a 16-vector and a 16 → 16 → 16 → 16 model (MaxMin).
#[inline(never)]
fn bench_lipschitz_model(ok: &mut bool) {
    use mcu_kernels::lipschitz::{
        groupsort, householder, maxmin, relu, Activation, Dense, LipschitzMlp,
    };
    let (w, b, x) = lipschitz_layer();
    let Ok(d) = Dense::<16, 16>::new(w, b) else {
        *ok = false;
        return;
    };
    let dy = [0.25f32; 16];
    let (mut dx, mut dw, mut db) = ([0.0f32; 16], [[0.0f32; 16]; 16], [0.0f32; 16]);
    run("lipschitz::Dense<16,16>::backward", 16, "-", &mut || {
        *ok &= d
            .backward(black_box(&x), &dy, &mut dx, &mut dw, &mut db)
            .is_ok()
    });
    black_box((&dx, &dw, &db));
    let mut a = x;
    run("lipschitz::maxmin", 16, "-", &mut || {
        *ok &= maxmin(black_box(&mut a)).is_ok()
    });
    a = x;
    run("lipschitz::groupsort[4]", 16, "-", &mut || {
        *ok &= groupsort(black_box(&mut a), 4).is_ok()
    });
    a = x;
    let hh = [0.25f32; 16];
    run("lipschitz::householder", 16, "-", &mut || {
        *ok &= householder(black_box(&mut a), &hh).is_ok()
    });
    a = x;
    run("lipschitz::relu", 16, "-", &mut || {
        *ok &= relu(black_box(&mut a)).is_ok()
    });
    black_box(&a);
    let mlp = LipschitzMlp::<16, 16, 16, 1> {
        first: d.clone(),
        hidden: [d.clone()],
        last: d,
        act: Activation::MaxMin,
    };
    let mut out = [0.0f32; 16];
    run(
        "lipschitz::LipschitzMlp<16,16,16,1>::forward",
        16,
        "-",
        &mut || *ok &= mlp.forward(black_box(&x), &mut out).is_ok(),
    );
    black_box(&out);
    // Three certified bounds: FPU cores only (see `bench_lipschitz_projections`).
    #[cfg(target_abi = "eabihf")]
    {
        let mut ws = mcu_kernels::lipschitz::Workspace::<16>::new();
        run(
            "lipschitz::LipschitzMlp<16,16,16,1>::certified_lipschitz_bound",
            16,
            "-",
            &mut || *ok &= mlp.certified_lipschitz_bound(&mut ws).is_ok(),
        );
    }
}

// ---- Issue #20: rows for the fixed-point and integer kernels that had none (and the float
// helpers listed with them), on every core. One function per group so that the buffers of
// one group never share the M0's 16 KiB with another's.

/// N for the groups whose buffers would not fit the M0 at N = 1024.
const SMALL: [usize; 3] = [16, 64, 256];

/// int16 softmax (accurate and TFLM-exact) and the fixed-point two-pass softmax.
#[inline(never)]
fn bench_fixed_softmax_s16(ok: &mut bool) {
    use mcu_kernels::softmax::quant as q;
    let mut x = [0i16; MAX];
    let mut y = [0i16; MAX];
    let mut rng = Rng::new(0x5EED_0020);
    for v in x.iter_mut() {
        *v = rng.next_u32() as i16;
    }
    // S_in = 10/32768: the int16 range spans [−10, 10] (TFLM's int16 exp table covers [−10, 0]).
    let s = 10.0 / 32768.0;
    let (Ok(lut), Ok(params)) = (
        q::SoftmaxS16Lut::new(s, 1.0),
        q::SoftmaxS16Params::from_scale(s, 1.0),
    ) else {
        *ok = false;
        return;
    };
    for n in SIZES {
        let (x, y) = (&x[..n], &mut y[..n]);
        let mut check = |r: Result<(), mcu_kernels::Error>| *ok &= r.is_ok();
        run("softmax::quant::softmax_s16_tflm", n, "-", &mut || {
            check(q::softmax_s16_tflm(&params, black_box(x), n, y))
        });
        run(
            "softmax::quant::softmax_s16",
            n,
            "softmax::quant::softmax_s16_tflm",
            &mut || check(q::softmax_s16(&lut, black_box(x), n, y)),
        );
    }
    black_box(&y);
}

/// The fixed-point two-pass softmax, `I16F16` logits uniform in [−8, 8].
#[inline(never)]
fn bench_fixed_two_pass(ok: &mut bool) {
    use fixed::types::{I16F16, U0F16};
    let mut x = [I16F16::ZERO; MAX];
    let mut y = [U0F16::ZERO; MAX];
    let mut rng = Rng::new(0x5EED_0021);
    for v in x.iter_mut() {
        *v = I16F16::from_bits((rng.uniform_f32(-8.0, 8.0) * 65536.0) as i32);
    }
    for n in SIZES {
        let (x, y) = (&x[..n], &mut y[..n]);
        run(
            "softmax::quant::softmax_fixed_two_pass",
            n,
            TFLM_S8,
            &mut || {
                *ok &=
                    mcu_kernels::softmax::quant::softmax_fixed_two_pass(black_box(x), n, y).is_ok()
            },
        );
    }
    black_box(&y);
}

/// Integer sparsemax, int8 Mish (table), fixed-point Mish, int8/int16 Z-loss.
#[inline(never)]
fn bench_fixed_integer(ok: &mut bool) {
    use fixed::types::I4F12;
    let mut x16 = [0i16; MAX];
    let mut x8 = [0i8; MAX];
    let mut p = [0u16; MAX];
    let mut y8 = [0i8; MAX];
    let mut rng = Rng::new(0x5EED_0022);
    for (a, b) in x16.iter_mut().zip(x8.iter_mut()) {
        let r = rng.next_u32();
        *a = r as i16;
        *b = (r >> 16) as i8;
    }
    let Ok(mish_lut) = mcu_kernels::mish::MishS8Lut::new(0.05, 0, 0.05, 0) else {
        *ok = false;
        return;
    };
    for n in SIZES {
        let (z16, z8, p, y8) = (&x16[..n], &x8[..n], &mut p[..n], &mut y8[..n]);
        // Logits q·2^−12: the int16 range is [−8, 8).
        run(
            "sparsemax::sparsemax_q15",
            n,
            "sparsemax::sparsemax",
            &mut || *ok &= mcu_kernels::sparsemax::sparsemax_q15(black_box(z16), 12, p).is_ok(),
        );
        // Logits q·2^−4: the int8 range is [−8, 8).
        run(
            "sparsemax::sparsemax_q15_s8",
            n,
            "sparsemax::sparsemax",
            &mut || *ok &= mcu_kernels::sparsemax::sparsemax_q15_s8(black_box(z8), 4, p).is_ok(),
        );
        run("mish::MishS8Lut::apply", n, "mish::mish_slice", &mut || {
            *ok &= mish_lut.apply(black_box(z8), y8).is_ok()
        });
        run("zloss::zloss_s8", n, "zloss::zloss_grad", &mut || {
            *ok &= black_box(mcu_kernels::zloss::zloss_s8(black_box(z8), 1, 1.0, 0.0)).is_ok()
        });
        run("zloss::zloss_s16", n, "zloss::zloss_grad", &mut || {
            *ok &= black_box(mcu_kernels::zloss::zloss_s16(black_box(z16), 1, 1.0, 0.0)).is_ok()
        });
    }
    // Fixed-point Mish in I4F12 (x in [−8, 8)), reusing the int16 logits' bits.
    let mut xf = [I4F12::ZERO; MAX];
    let mut yf = [I4F12::ZERO; MAX];
    for (o, &v) in xf.iter_mut().zip(&x16) {
        *o = I4F12::from_bits(v);
    }
    for n in SIZES {
        let (xf, yf) = (&xf[..n], &mut yf[..n]);
        run("mish::mish_fixed_slice", n, "mish::mish_slice", &mut || {
            *ok &= mcu_kernels::mish::mish_fixed_slice(black_box(xf), yf).is_ok()
        });
    }
    black_box((&p, &y8, &yf));
}

/// The float helpers of the list: Mish's derivative, the sparsemax JVP and loss, the
/// top-k simplex projection (k = 8). Logits uniform in [−8, 8] (REFERENCE §6).
#[inline(never)]
fn bench_fixed_float_helpers(ok: &mut bool) {
    const M: usize = 256;
    let mut z = [0.0f32; M];
    let mut p = [0.0f32; M];
    let mut out = [0.0f32; M];
    for n in SMALL {
        let (z, p, out) = (&mut z[..n], &mut p[..n], &mut out[..n]);
        logits(z);
        *ok &= mcu_kernels::sparsemax::sparsemax(z, p).is_ok();
        run("mish::mish_grad_slice", n, "mish::mish_slice", &mut || {
            *ok &= mcu_kernels::mish::mish_grad_slice(black_box(&*z), out).is_ok()
        });
        // JVP at p = sparsemax(z) in the direction z.
        run(
            "sparsemax::sparsemax_jvp",
            n,
            "sparsemax::sparsemax",
            &mut || {
                *ok &= mcu_kernels::sparsemax::sparsemax_jvp(black_box(&*p), black_box(&*z), out)
                    .is_ok()
            },
        );
        run(
            "sparsemax::sparsemax_loss",
            n,
            "sparsemax::sparsemax",
            &mut || {
                *ok &= black_box(mcu_kernels::sparsemax::sparsemax_loss(
                    black_box(&*z),
                    1,
                    Some(out),
                ))
                .is_ok()
            },
        );
        run(
            "sparsemax::project_topk_simplex[k=8]",
            n,
            "sparsemax::sparsemax",
            &mut || {
                *ok &= black_box(mcu_kernels::sparsemax::project_topk_simplex(
                    black_box(&*z),
                    8,
                    out,
                ))
                .is_ok()
            },
        );
    }
    black_box((&p, &out));
}

/// `online::fixed`: one `learn_one` and one `predict_proba` of the I16F16 logistic
/// regression on 9 features, per rule.
#[inline(never)]
fn bench_fixed_online() {
    use mcu_kernels::online::fixed::*;
    let mut rng = Rng::new(0x5EED_0023);
    let mut x = [to_fixed(0.0); 9];
    for v in x.iter_mut() {
        *v = to_fixed(rng.uniform_f32(-2.0, 2.0));
    }
    macro_rules! rule {
        ($name:literal, $rule:expr) => {{
            let mut m = FxLogisticRegression::<9, _>::new($rule);
            for _ in 0..4 {
                m.learn_one(&x, true);
            }
            run(
                concat!("online::fixed::learn_one[", $name, "]"),
                1,
                "-",
                &mut || m.learn_one(black_box(&x), true),
            );
            run(
                concat!("online::fixed::predict_proba[", $name, "]"),
                1,
                "-",
                &mut || {
                    black_box(m.predict_proba(black_box(&x)));
                },
            );
        }};
    }
    rule!("FxSgd", FxSgd::new(to_fixed(0.05)));
    rule!("FxAdaGrad", FxAdaGrad::<9>::new(to_fixed(0.05)));
    rule!("FxAdam", FxAdam::<9>::river());
    rule!("FxFtrl", FxFtrl::<9>::river());
    rule!(
        "FxPassiveAggressive",
        FxPassiveAggressive::new(to_fixed(1.0))
    );
    let mut sc = FxStandardScaler::<9>::new();
    let mut z = [to_fixed(0.0); 9];
    for i in 0..4 {
        // Different samples, so that the variances are not 0 (transform then scales).
        sc.learn_one(&x.map(|v| to_fixed(to_f32(v) * i as f32)));
    }
    run(
        "online::fixed::FxStandardScaler::learn_one",
        1,
        "-",
        &mut || sc.learn_one(black_box(&x)),
    );
    run(
        "online::fixed::FxStandardScaler::transform",
        1,
        "-",
        &mut || {
            sc.transform(black_box(&x), &mut z);
            black_box(&z);
        },
    );
}

/// The issue #20 groups, in order.
#[inline(never)]
fn bench_fixed(ok: &mut bool) {
    bench_fixed_softmax_s16(ok);
    bench_fixed_two_pass(ok);
    bench_fixed_integer(ok);
    bench_fixed_float_helpers(ok);
    bench_fixed_online();
}
// ---- end of issue #20's rows.

/// Issue #24: one checkpoint save (encode + CRC-32) and one restore (CRC + decode + checks)
/// per learner at D = 9 (n = 1: the count is per checkpoint), and one store write / load of
/// the demo's 320-byte record into the flash model.
#[inline(never)]
fn bench_checkpoint(ok: &mut bool) {
    use mcu_kernels::online::checkpoint::{restore, save, Checkpoint};
    use mcu_kernels::online::fixed::{to_fixed, FxAdaGrad, FxLogisticRegression};
    use mcu_kernels::online::*;
    let mut buf = [0u8; 192];
    macro_rules! ckpt {
        ($name:literal, $t:ty, $state:expr) => {{
            let state: $t = $state;
            run(
                concat!("online::checkpoint::save[", $name, "]"),
                1,
                "-",
                &mut || *ok &= save(black_box(&state), &mut buf) == Ok(<$t>::SIZE),
            );
            run(
                concat!("online::checkpoint::restore[", $name, "]"),
                1,
                "-",
                &mut || {
                    let r = restore::<$t>(black_box(&buf[..<$t>::SIZE]));
                    *ok &= r.is_ok();
                    black_box(r.ok());
                },
            );
        }};
    }
    // The states are fresh (a checkpoint's cost does not depend on the values: fixed size,
    // the same checks). Training them here would add call sites of the learners' `learn_one`
    // beside the measured ones and change how those are inlined (measured: +5.9 % on
    // `online::StandardScaler::learn_one`, +0.9 % on `online::learn_one[Adam]`).
    macro_rules! model {
        ($name:literal, $r:ty, $rule:expr) => {{
            let m = LogisticRegression::<9, $r>::new($rule);
            ckpt!($name, LogisticRegression<9, $r>, m);
        }};
    }
    model!(
        "LogisticRegression<9,AdaGrad>",
        AdaGrad<9>,
        AdaGrad::river()
    );
    // The M0's flash does not hold every row: there the f32 learners' checkpoints are
    // represented by AdaGrad's (the same codec; the fixed-point learner's below is the M0's).
    #[cfg(not(armv6m))]
    {
        model!("LogisticRegression<9,Sgd>", Sgd, Sgd::new(0.1));
        model!("LogisticRegression<9,Adam>", Adam<9>, Adam::river());
        model!("LogisticRegression<9,Ftrl>", Ftrl<9>, Ftrl::river());
        ckpt!(
            "StandardScaler<9>",
            StandardScaler<9>,
            StandardScaler::<9>::new()
        );
    }
    let mut e = BinaryEval::new();
    e.update_logit(0.5, true);
    ckpt!("BinaryEval", BinaryEval, e);
    let fx = FxLogisticRegression::<9, _>::new(FxAdaGrad::<9>::new(to_fixed(0.05)));
    ckpt!("FxLogisticRegression<9,FxAdaGrad>", FxLogisticRegression<9, FxAdaGrad<9>>, fx);
    bench_checkpoint_store(ok);
}

/// One store write and one load of the demo's record (`testvectors::power_cut`), two
/// records already in the flash model.
#[inline(never)]
fn bench_checkpoint_store(ok: &mut bool) {
    use drivers::checkpoint_store::CheckpointStore;
    use drivers::flash_model::{RamFlash, PAGE};
    use testvectors::power_cut::{Learner, PAGES, RECORD, SCRATCH};
    let mut flash = RamFlash::<PAGES>::new();
    let mut scratch = [0u8; SCRATCH];
    let mut l = Learner::new();
    let Ok(mut store) = CheckpointStore::new(&mut flash, 0..(PAGES * PAGE) as u32) else {
        *ok = false;
        return;
    };
    // The records differ by their row count only: a checkpoint's cost does not depend on the
    // values, and training here would add call sites of `learn_one` (see `bench_checkpoint`).
    let learn = |l: &mut Learner| l.row += 20;
    for _ in 0..2 {
        learn(&mut l);
        let Ok(rec) = l.encode() else {
            *ok = false;
            return;
        };
        *ok &= store.save(&rec, &mut scratch).is_ok();
    }
    learn(&mut l);
    let Ok(rec) = l.encode() else {
        *ok = false;
        return;
    };
    run("checkpoint_store::save[record]", RECORD, "-", &mut || {
        *ok &= store.save(black_box(&rec), &mut scratch).is_ok()
    });
    run("checkpoint_store::load[record]", RECORD, "-", &mut || {
        *ok &= matches!(store.load(&mut scratch), Ok(Some(r)) if r.len() == RECORD)
    });
}

#[cortex_m_rt::entry]
fn main() -> ! {
    let mut ok = true;
    run("empty", 0, "-", &mut || {});
    bench_f32(&mut ok);
    bench_quant(&mut ok);
    bench_online(&mut ok);
    bench_lipschitz(&mut ok);
    #[cfg(target_abi = "eabihf")]
    bench_lipschitz_projections(&mut ok);
    bench_lipschitz_model(&mut ok);
    bench_nofpu(&mut ok);
    bench_int_losses(&mut ok);
    bench_math();
    // Issue #20's rows.
    bench_fixed(&mut ok);
    // Issue #24's rows.
    bench_checkpoint(&mut ok);
    firmware::exit(ok)
}
