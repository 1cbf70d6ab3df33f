//! Dense row loops of the Sinkhorn solver, each compiled twice: once for AVX2 + FMA (chosen at
//! run time when the CPU has both; the workspace builds for baseline x86-64, which has only
//! SSE2) and once for the baseline target. The two differ only in rounding (fused
//! multiply–add), not in the maths.
//!
//! * [`exp_rows`]: K̃_ij = exp((f_i + g_j − C_ij)/ε) for a block of rows (the absorbed kernel).
//! * [`fused_sweep_rows`]: for a block of rows, s_i = (K̃v)_i, the row error |u_i s_i − a_i|,
//!   the new scaling u'_i = (a_i/s_i)^ω u_i^{1−ω} and acc += u'_i K̃_i,: while the row is
//!   still in L1 cache — so one Sinkhorn sweep reads K̃ once instead of twice.
//! * [`dot`]-based mat-vec helpers used by the benchmarks.

/// Storage type of a kernel matrix: f64, or f32 for the sweeps that tolerate ~1e−7 relative
/// error in the kernel (half the memory traffic); arithmetic is always in f64.
pub trait Elem: Copy + Send + Sync + 'static {
    /// Rounds an f64 to the storage type.
    fn of(x: f64) -> Self;
    /// The stored value as f64 (exact).
    fn get(self) -> f64;
    /// Σ_k x_k y_k by AVX2 + FMA intrinsics.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA (`is_x86_feature_detected!("avx2")` and `("fma")`).
    #[cfg(target_arch = "x86_64")]
    unsafe fn dot_avx2(x: &[Self], y: &[f64]) -> f64;
}

impl Elem for f64 {
    #[inline(always)]
    fn of(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn get(self) -> f64 {
        self
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn dot_avx2(x: &[Self], y: &[f64]) -> f64 {
        // SAFETY: the caller guarantees AVX2 and FMA (the trait method's contract).
        unsafe { avx::dot_f64(x, y) }
    }
}

impl Elem for f32 {
    #[inline(always)]
    #[allow(clippy::cast_possible_truncation)]
    fn of(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn get(self) -> f64 {
        f64::from(self)
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn dot_avx2(x: &[Self], y: &[f64]) -> f64 {
        // SAFETY: the caller guarantees AVX2 and FMA (the trait method's contract).
        unsafe { avx::dot_f32(x, y) }
    }
}

/// Dot products with explicit 256-bit intrinsics (LLVM's vectoriser keeps the reduction in
/// 128-bit registers).
#[cfg(target_arch = "x86_64")]
mod avx {
    use std::arch::x86_64::{
        __m256d, _mm256_add_pd, _mm256_cvtps_pd, _mm256_fmadd_pd, _mm256_loadu_pd,
        _mm256_setzero_pd, _mm256_storeu_pd, _mm_loadu_ps,
    };

    macro_rules! dot {
        ($name:ident, $t:ty, $load:expr) => {
            /// Σ_k x_k y_k over the common length.
            ///
            /// # Safety
            /// The CPU must support AVX2 and FMA.
            #[target_feature(enable = "avx2,fma")]
            pub unsafe fn $name(x: &[$t], y: &[f64]) -> f64 {
                let n = x.len().min(y.len());
                let (xp, yp) = (x.as_ptr(), y.as_ptr());
                let mut acc: [__m256d; 4] = [_mm256_setzero_pd(); 4];
                let mut i = 0;
                while i + 16 <= n {
                    for (k, a) in acc.iter_mut().enumerate() {
                        // SAFETY: i + 4k + 3 < n ≤ both lengths.
                        let (xv, yv) = unsafe {
                            ($load(xp.add(i + 4 * k)), _mm256_loadu_pd(yp.add(i + 4 * k)))
                        };
                        *a = _mm256_fmadd_pd(xv, yv, *a);
                    }
                    i += 16;
                }
                let s = _mm256_add_pd(_mm256_add_pd(acc[0], acc[1]), _mm256_add_pd(acc[2], acc[3]));
                let mut t = [0.0f64; 4];
                // SAFETY: t has 4 elements.
                unsafe { _mm256_storeu_pd(t.as_mut_ptr(), s) };
                let mut r = (t[0] + t[2]) + (t[1] + t[3]);
                let (xr, yr) = (x.get(i..n).unwrap_or(&[]), y.get(i..n).unwrap_or(&[]));
                for (&p, &q) in xr.iter().zip(yr) {
                    r = f64::from(p).mul_add(q, r);
                }
                r
            }
        };
    }

    dot!(dot_f64, f64, |p: *const f64| _mm256_loadu_pd(p));
    dot!(dot_f32, f32, |p: *const f32| _mm256_cvtps_pd(_mm_loadu_ps(
        p
    )));
}

/// Number of independent accumulators of the dot products (four AVX2 registers), enough to
/// hide the latency of the additions.
const LANES: usize = 16;

/// Whether the AVX2 + FMA copies may run on this CPU (cached by `std`).
#[inline]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) fn has_avx2_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// a·b + c, fused when `FMA`.
#[inline(always)]
fn madd<const FMA: bool>(a: f64, b: f64, c: f64) -> f64 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// exp(x) for x ≤ 709 and 0 below −708 (see [`super::sinkhorn::fast_exp`]); `FMA` fuses the
/// polynomial's steps.
#[inline(always)]
pub(crate) fn exp_impl<const FMA: bool>(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const SHIFTER: f64 = 6_755_399_441_055_744.0; // 1.5·2^52
    const C: [f64; 12] = [
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ];
    let xc = x.clamp(-708.0, 709.0);
    let t = madd::<FMA>(xc, LOG2E, SHIFTER);
    let kf = t - SHIFTER;
    let r = madd::<FMA>(-kf, LN2_LO, madd::<FMA>(-kf, LN2_HI, xc));
    let mut p = 1.0 / 479_001_600.0;
    for c in C {
        p = madd::<FMA>(p, r, c);
    }
    let scale = f64::from_bits(t.to_bits().wrapping_add(1023) << 52);
    let v = p * scale;
    if x < -708.0 {
        0.0
    } else {
        v
    }
}

/// Σ_k x_k y_k with [`LANES`] partial sums.
#[inline(always)]
fn dot_impl<const FMA: bool, T: Elem>(x: &[T], y: &[f64]) -> f64 {
    // Four groups of four partial sums (four 256-bit registers).
    let (mut a0, mut a1, mut a2, mut a3) = ([0.0f64; 4], [0.0f64; 4], [0.0f64; 4], [0.0f64; 4]);
    let mut xc = x.chunks_exact(LANES);
    let mut yc = y.chunks_exact(LANES);
    for (x16, y16) in (&mut xc).zip(&mut yc) {
        for (acc, (x4, y4)) in [&mut a0, &mut a1, &mut a2, &mut a3]
            .into_iter()
            .zip(x16.chunks_exact(4).zip(y16.chunks_exact(4)))
        {
            for ((a, &p), &q) in acc.iter_mut().zip(x4).zip(y4) {
                *a = madd::<FMA>(p.get(), q, *a);
            }
        }
    }
    let mut s = 0.0;
    for (&p, &q) in xc.remainder().iter().zip(yc.remainder()) {
        s = madd::<FMA>(p.get(), q, s);
    }
    let mut t = [0.0f64; 4];
    for (k, tk) in t.iter_mut().enumerate() {
        *tk = (a0[k] + a1[k]) + (a2[k] + a3[k]);
    }
    (t[0] + t[2]) + (t[1] + t[3]) + s
}

/// [`Elem::dot_avx2`] in the FMA copies (x86-64), else [`dot_impl`].
#[inline(always)]
fn dot_dispatch<const FMA: bool, T: Elem>(x: &[T], y: &[f64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if FMA {
        // SAFETY: the FMA = true copies of the row loops are instantiated only inside the
        // `#[target_feature(enable = "avx2,fma")]` wrappers, which run after
        // `has_avx2_fma()` returned true.
        return unsafe { T::dot_avx2(x, y) };
    }
    dot_impl::<FMA, T>(x, y)
}

/// y += α x.
#[inline(always)]
fn axpy_impl<const FMA: bool, T: Elem>(alpha: f64, x: &[T], y: &mut [f64]) {
    for (o, &v) in y.iter_mut().zip(x) {
        *o = madd::<FMA>(alpha, v.get(), *o);
    }
}

#[inline(always)]
fn exp_rows_impl<const FMA: bool, T: Elem>(
    out: &mut [T],
    cost: &[f64],
    n: usize,
    f: &[f64],
    g: &[f64],
    inv_eps: f64,
) {
    for ((row, c), &fi) in out.chunks_exact_mut(n).zip(cost.chunks_exact(n)).zip(f) {
        for ((k, &cij), &gj) in row.iter_mut().zip(c).zip(g) {
            *k = T::of(exp_impl::<FMA>((fi + gj - cij) * inv_eps));
        }
    }
}

/// Rows of the absorbed kernel: `out[i·n + j]` = exp((f_i + g_j − C_ij)·inv_eps) for the
/// rows of `cost` (row-major, `n` columns) and the matching entries of `f`.
pub fn exp_rows<T: Elem>(
    out: &mut [T],
    cost: &[f64],
    n: usize,
    f: &[f64],
    g: &[f64],
    inv_eps: f64,
) {
    if n == 0 {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        #[target_feature(enable = "avx2,fma")]
        unsafe fn avx2<T: Elem>(
            out: &mut [T],
            cost: &[f64],
            n: usize,
            f: &[f64],
            g: &[f64],
            ie: f64,
        ) {
            exp_rows_impl::<true, T>(out, cost, n, f, g, ie);
        }
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        unsafe { avx2(out, cost, n, f, g, inv_eps) };
        return;
    }
    exp_rows_impl::<false, T>(out, cost, n, f, g, inv_eps);
}

/// The over-relaxed update t^ω·old^{1−ω} = old·exp(ω ln(t/old)) (one log and one exp).
#[inline]
pub fn relaxed(t: f64, old: f64, omega: f64) -> f64 {
    old * (omega * (t / old).ln()).exp()
}

/// What one block of [`fused_sweep_rows`] found.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowSweep {
    /// Σ_i |u_i (K̃v)_i − a_i| over the block (before the update).
    pub err: f64,
    /// Some row with a_i > 0 had (K̃v)_i ≤ 1e−300 or not finite (its u_i was kept).
    pub degenerate: bool,
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn fused_impl<const FMA: bool, T: Elem>(
    kt: &[T],
    n: usize,
    v: &[f64],
    a: &[f64],
    u: &[f64],
    omega: f64,
    u_new: &mut [f64],
    acc: &mut [f64],
) -> RowSweep {
    let mut out = RowSweep::default();
    for (((row, &ai), &ui), un) in kt.chunks_exact(n).zip(a).zip(u).zip(u_new.iter_mut()) {
        let s = dot_dispatch::<FMA, T>(row, v);
        out.err += (ui * s - ai).abs();
        let mut new = ui;
        if ai > 0.0 {
            if s > 1e-300 && s.is_finite() {
                new = if omega == 1.0 {
                    ai / s
                } else {
                    relaxed(ai / s, ui, omega)
                };
            } else {
                out.degenerate = true;
            }
        }
        *un = new;
        if new != 0.0 {
            axpy_impl::<FMA, _>(new, row, acc);
        }
    }
    out
}

/// One block of rows of a fused Sinkhorn sweep on the absorbed kernel `kt` (row-major, `n`
/// columns; the rows matching `a`, `u`, `u_new`): writes u'_i = (a_i/(K̃v)_i)^ω u_i^{1−ω}
/// (u_i kept where a_i = 0 or the product is degenerate) and adds K̃ᵀu' of the block into
/// `acc` (length n).
#[allow(clippy::too_many_arguments)]
pub fn fused_sweep_rows<T: Elem>(
    kt: &[T],
    n: usize,
    v: &[f64],
    a: &[f64],
    u: &[f64],
    omega: f64,
    u_new: &mut [f64],
    acc: &mut [f64],
) -> RowSweep {
    if n == 0 {
        return RowSweep::default();
    }
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        #[target_feature(enable = "avx2,fma")]
        #[allow(clippy::too_many_arguments)]
        unsafe fn avx2<T: Elem>(
            kt: &[T],
            n: usize,
            v: &[f64],
            a: &[f64],
            u: &[f64],
            omega: f64,
            u_new: &mut [f64],
            acc: &mut [f64],
        ) -> RowSweep {
            fused_impl::<true, T>(kt, n, v, a, u, omega, u_new, acc)
        }
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        return unsafe { avx2(kt, n, v, a, u, omega, u_new, acc) };
    }
    fused_impl::<false, T>(kt, n, v, a, u, omega, u_new, acc)
}

#[inline(always)]
fn matvec_impl<const FMA: bool>(kt: &[f64], n: usize, v: &[f64], out: &mut [f64]) {
    for (o, row) in out.iter_mut().zip(kt.chunks_exact(n)) {
        *o = dot_impl::<FMA, _>(row, v);
    }
}

/// out_i = Σ_j K_ij v_j for the rows of `kt` (row-major, `n` = v.len() columns).
pub fn matvec_rows(kt: &[f64], v: &[f64], out: &mut [f64]) {
    let n = v.len();
    if n == 0 {
        out.fill(0.0);
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        #[target_feature(enable = "avx2,fma")]
        unsafe fn avx2(kt: &[f64], n: usize, v: &[f64], out: &mut [f64]) {
            matvec_impl::<true>(kt, n, v, out);
        }
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        unsafe { avx2(kt, n, v, out) };
        return;
    }
    matvec_impl::<false>(kt, n, v, out);
}

#[inline(always)]
fn t_matvec_impl<const FMA: bool>(kt: &[f64], n: usize, u: &[f64], acc: &mut [f64]) {
    for (row, &ui) in kt.chunks_exact(n).zip(u) {
        if ui != 0.0 {
            axpy_impl::<FMA, _>(ui, row, acc);
        }
    }
}

/// acc_j += Σ_i u_i K_ij over the rows of `kt` (row-major, `n` = acc.len() columns).
pub fn t_matvec_rows_add(kt: &[f64], u: &[f64], acc: &mut [f64]) {
    let n = acc.len();
    if n == 0 {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        #[target_feature(enable = "avx2,fma")]
        unsafe fn avx2(kt: &[f64], n: usize, u: &[f64], acc: &mut [f64]) {
            t_matvec_impl::<true>(kt, n, u, acc);
        }
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        unsafe { avx2(kt, n, u, acc) };
        return;
    }
    t_matvec_impl::<false>(kt, n, u, acc);
}

/// Σ_i x_i y_i (AVX2 + FMA when available).
pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        #[target_feature(enable = "avx2,fma")]
        unsafe fn avx2(x: &[f64], y: &[f64]) -> f64 {
            dot_impl::<true, f64>(x, y)
        }
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        return unsafe { avx2(x, y) };
    }
    dot_impl::<false, f64>(x, y)
}

/// A zero-filled vector of `len` elements whose pages are asked to be 2 MB huge pages
/// (Linux `madvise(MADV_HUGEPAGE)`, before the first touch): a kernel or plan of n² entries
/// then costs n²/2¹⁸ page faults instead of n²/2⁹ — on a VM, where a fault costs
/// microseconds, that is most of a kernel build at n = 1000.
pub fn huge_vec<T: Copy + Default>(len: usize) -> Vec<T> {
    let mut v: Vec<T> = Vec::with_capacity(len);
    #[cfg(target_os = "linux")]
    {
        let bytes = len.saturating_mul(std::mem::size_of::<T>());
        if bytes >= 1 << 21 {
            const PAGE: usize = 4096;
            let start = (v.as_ptr() as usize).div_ceil(PAGE) * PAGE;
            let end = (v.as_ptr() as usize).saturating_add(bytes) / PAGE * PAGE;
            if end > start {
                // SAFETY: [start, end) lies inside the allocation just made (page-rounded
                // inwards); madvise only changes how the untouched pages get backed.
                unsafe {
                    libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
                }
            }
        }
    }
    v.resize(len, T::default());
    v
}

/// The row blocks for the rayon threads: how many rows each of ⌈m/rows⌉ blocks gets — one
/// block per thread, but at least 2^15 kernel entries per block (1 block when the pool has a
/// single thread, so that nothing is sent to the pool).
pub fn rows_per_block(m: usize, n: usize) -> usize {
    let threads = rayon::current_num_threads().max(1);
    let min_rows = (1usize << 15) / n.max(1) + 1;
    m.div_ceil(threads).max(min_rows).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_copies_agree_with_the_plain_loops() {
        let (m, n) = (7, 37);
        let kt: Vec<f64> = (0..m * n)
            .map(|t| ((t * 7919) % 101) as f64 / 50.0)
            .collect();
        let v: Vec<f64> = (0..n).map(|j| 1.0 + j as f64 / 10.0).collect();
        let u: Vec<f64> = (0..m).map(|i| 0.5 + i as f64).collect();
        let a = vec![0.25; m];
        for fma in [false, true] {
            if fma && !has_avx2_fma() {
                continue;
            }
            let mut un = vec![0.0; m];
            let mut acc = vec![0.0; n];
            let r = if fma {
                fused_sweep_rows(&kt, n, &v, &a, &u, 1.0, &mut un, &mut acc)
            } else {
                fused_impl::<false, f64>(&kt, n, &v, &a, &u, 1.0, &mut un, &mut acc)
            };
            let mut err = 0.0;
            let mut want = vec![0.0; n];
            for i in 0..m {
                let s: f64 = (0..n).map(|j| kt[i * n + j] * v[j]).sum();
                err += (u[i] * s - a[i]).abs();
                assert!((un[i] - a[i] / s).abs() <= 1e-14 * un[i]);
                for j in 0..n {
                    want[j] += un[i] * kt[i * n + j];
                }
            }
            assert!((r.err - err).abs() <= 1e-12 * err && !r.degenerate);
            for (x, y) in acc.iter().zip(&want) {
                assert!((x - y).abs() <= 1e-13 * y.abs());
            }
        }
    }

    #[test]
    fn exp_copies_are_accurate() {
        let xs: Vec<f64> = (0..200_000)
            .map(|t| -708.0 + t as f64 * 0.007_085)
            .collect();
        let mut out = vec![0.0; xs.len()];
        exp_rows(&mut out, &xs, xs.len(), &[0.0], &vec![0.0; xs.len()], -1.0);
        let worst = xs
            .iter()
            .zip(&out)
            .map(|(x, e)| ((e - x.exp()) / x.exp()).abs())
            .fold(0.0, f64::max);
        // out = exp((0 + 0 − x)·(−1)) = exp(x) over the whole range [−708, 709].
        assert!(worst <= 1e-14, "{worst:.3e}");
        for x in [-1.0f64, 0.0, 3.5, 700.0] {
            let (e, w) = (exp_impl::<true>(x), x.exp());
            assert!(((e - w) / w).abs() <= 1e-14);
        }
        assert_eq!(exp_impl::<true>(-709.0), 0.0);
    }
}
