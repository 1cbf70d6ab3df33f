//! The kernels: f32 softmax family, int8/int16 softmax (TFLite-Micro-exact and accurate),
//! Mish, Z-loss, sparsemax family, the Lipschitz layers' bound and projections.
//! Docstrings (formula, error bound, cost) are in `mcuk/__init__.pyi`.

use crate::arrays::{loss_rows, map_rows, reduce_rows, rows_of, view};
use crate::errors::{input, kerr};
use mcu_kernels::softmax::quant::{self, SoftmaxS16Params, SoftmaxS8Params};
use mcu_kernels::{
    lipschitz, mish as kmish, softmax as ksoftmax, sparsemax as ksparsemax, zloss, Error,
};
use numpy::{PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::prelude::*;

type F32Out<'py> = PyResult<Bound<'py, PyArrayDyn<f32>>>;

macro_rules! slice_kernel {
    ($pyname:ident, $doc:literal, $f:expr) => {
        #[doc = $doc]
        #[pyfunction]
        fn $pyname<'py>(py: Python<'py>, x: &Bound<'py, PyAny>) -> F32Out<'py> {
            map_rows::<f32, f32, _>(py, x, "float32", $f)
        }
    };
}

slice_kernel!(softmax, "softmax(x) -> y: exp(x_i − max)/Σ exp(x_j − max) per row (float32, 1-D or 2-D). Error ≤ 5e−7 relative for outputs ≥ 2^−126. Cost 27.5 instructions/element on the M4F. See mcuk.pyi.", ksoftmax::softmax);
slice_kernel!(two_pass, "two_pass(x) -> y: online softmax per row. Error ≤ 5e−7 relative. Cost 68.8 instructions/element (M4F).", ksoftmax::two_pass);
slice_kernel!(three_pass, "three_pass(x) -> y: three-pass softmax per row. Error ≤ 5e−7 relative. Cost 40.2 instructions/element (M4F).", ksoftmax::three_pass);
slice_kernel!(anchored, "anchored(x) -> y: softmax anchored on the maximum, per row. Error ≤ 5e−7 relative. Cost 27.5 instructions/element (M4F).", ksoftmax::anchored);
slice_kernel!(log_softmax, "log_softmax(x) -> y: x_i − max − ln Σ exp(x_j − max) per row. Error ≤ 2e−6·max(1, |y_i|) absolute. Cost 42.3 instructions/element (M4F).", ksoftmax::log_softmax);
slice_kernel!(stablemax, "stablemax(x) -> y: s(x)/Σ s, s(x) = x + 1 (x ≥ 0), 1/(1 − x) (x < 0). Error ≤ 5 ulp. Cost 26.1 instructions/element (M4F).", ksoftmax::stablemax);
slice_kernel!(mish, "mish(x) -> y: x·tanh(softplus(x)) elementwise. Error ≤ 2^−22 absolute or ≤ 8 ulp. Cost 27.9 instructions/element (M4F).", kmish::mish_slice);
slice_kernel!(
    mish_grad,
    "mish_grad(x) -> y: d Mish/dx elementwise. Cost 52.2 instructions/element (M4F).",
    kmish::mish_grad_slice
);
slice_kernel!(sparsemax, "sparsemax(z) -> p: Euclidean projection onto the simplex, per row. Error ≤ 2^−21 + 2^−24·Σ_S|z_i − max| (fuzzed). Cost 24.0 instructions/element (M4F).", |x, y| ksparsemax::sparsemax(x, y).map(|_| ()));
slice_kernel!(sparsemax_sort, "sparsemax_sort(z) -> p: sparsemax by a full sort (the reference variant). Cost 212 instructions/element (M4F).", |x, y| ksparsemax::sparsemax_sort(x, y)
    .map(|_| ()));
slice_kernel!(entmax15, "entmax15(z) -> p: 1.5-entmax, p = max(z/2 − τ, 0)², Σp = 1, per row. Measured error 1.8e−7. Cost 55.0 instructions/element (M4F).", ksparsemax::entmax15);

/// softmax_with_temperature(x, t) -> y: softmax(x/t) per row, t > 0. Error as softmax (≤ 5e−7 relative).
#[pyfunction]
fn softmax_with_temperature<'py>(py: Python<'py>, x: &Bound<'py, PyAny>, t: f32) -> F32Out<'py> {
    map_rows::<f32, f32, _>(py, x, "float32", move |x, y| {
        ksoftmax::softmax_with_temperature(x, t, y)
    })
}

/// logsumexp(x) -> float | array: ln Σ exp(x_i) per row. Error ≤ 2e−6·max(1, |ln Z|) absolute.
#[pyfunction]
fn logsumexp<'py>(py: Python<'py>, x: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
    reduce_rows(py, x, ksoftmax::logsumexp)
}

/// z_loss_aux(x, lam=1e-4) -> float | array: λ·(ln Σ exp x_i)² per row (PaLM's auxiliary z-loss).
#[pyfunction]
#[pyo3(signature = (x, lam = 1e-4))]
fn z_loss_aux<'py>(py: Python<'py>, x: &Bound<'py, PyAny>, lam: f32) -> PyResult<Py<PyAny>> {
    reduce_rows(py, x, move |r| ksoftmax::z_loss_aux(r, lam))
}

/// cross_entropy(logits, target) -> (loss, grad): L = logsumexp(x) − x_t, grad = softmax(x) − onehot(t). Cost 40.4 instructions/element (M4F).
#[pyfunction]
fn cross_entropy<'py>(
    py: Python<'py>,
    logits: &Bound<'py, PyAny>,
    target: &Bound<'py, PyAny>,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    loss_rows(py, logits, target, |x, t, g| {
        ksoftmax::cross_entropy(x, t, Some(g))
    })
}

/// zloss_grad(o, target, a=1, b=0) -> (loss, grad): spherical Z-loss L = (1/a)·ln(1 + e^(a(b − z_c))), z_c = (o_c − μ)/σ, and ∂L/∂o. Gradient within 1e−6·‖∇L‖. Cost 108.0 instructions/element (M4F).
#[pyfunction]
#[pyo3(signature = (o, target, a = 1.0, b = 0.0))]
fn zloss_grad<'py>(
    py: Python<'py>,
    o: &Bound<'py, PyAny>,
    target: &Bound<'py, PyAny>,
    a: f32,
    b: f32,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    loss_rows(py, o, target, move |x, t, g| {
        zloss::zloss_grad(x, t, a, b, g)
    })
}

/// zloss(o, target, a=1, b=0) -> float | array: the spherical Z-loss (1/a)·ln(1 + e^(a(b − z_c))), 1e−6 relative.
#[pyfunction]
#[pyo3(signature = (o, target, a = 1.0, b = 0.0))]
fn zloss_py<'py>(
    py: Python<'py>,
    o: &Bound<'py, PyAny>,
    target: &Bound<'py, PyAny>,
    a: f32,
    b: f32,
) -> PyResult<Py<PyAny>> {
    loss_rows(py, o, target, move |x, t, _| zloss::zloss(x, t, a, b)).map(|(l, _)| l)
}

/// sparsemax_loss(z, target) -> (loss, grad): ½(1 − Σp²) + ⟨p, z⟩ − z_t and p − onehot(t); |L − L64|/max(1, L64) ≤ (N + 4)·2^−24.
#[pyfunction]
fn sparsemax_loss<'py>(
    py: Python<'py>,
    z: &Bound<'py, PyAny>,
    target: &Bound<'py, PyAny>,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    loss_rows(py, z, target, |x, t, g| {
        ksparsemax::sparsemax_loss(x, t, Some(g))
    })
}

/// sparsemax_jvp(p, v) -> out: v_i − mean_S(v) on the support S of p, 0 elsewhere. Cost 6.6 instructions/element (M4F).
#[pyfunction]
fn sparsemax_jvp<'py>(
    py: Python<'py>,
    p: &Bound<'py, PyAny>,
    v: &Bound<'py, PyAny>,
) -> F32Out<'py> {
    let pv = view::<f32>(p, "p", "float32")?;
    let vv = view::<f32>(v, "v", "float32")?;
    if pv.shape() != vv.shape() {
        return Err(input(format!(
            "p and v: shapes {:?} and {:?} differ",
            pv.shape(),
            vv.shape()
        )));
    }
    let (_, c) = rows_of(&pv);
    let out = PyArrayDyn::<f32>::zeros(py, pv.shape(), false);
    {
        let mut w = out.readwrite();
        let ys = w.as_slice_mut().map_err(|e| input(e.to_string()))?;
        let ps = pv.as_slice().map_err(|e| input(e.to_string()))?;
        let vs = vv.as_slice().map_err(|e| input(e.to_string()))?;
        if ps.is_empty() {
            return Err(kerr(Error::Empty));
        }
        py.detach(|| {
            for ((pr, vr), yr) in ps
                .chunks_exact(c)
                .zip(vs.chunks_exact(c))
                .zip(ys.chunks_exact_mut(c))
            {
                ksparsemax::sparsemax_jvp(pr, vr, yr)?;
            }
            Ok::<(), Error>(())
        })
        .map_err(kerr)?;
    }
    Ok(out)
}

/// project_topk_simplex(z, k) -> p: projection onto the simplex with at most k nonzeros.
#[pyfunction]
fn project_topk_simplex<'py>(py: Python<'py>, z: &Bound<'py, PyAny>, k: usize) -> F32Out<'py> {
    map_rows::<f32, f32, _>(py, z, "float32", move |x, y| {
        ksparsemax::project_topk_simplex(x, k, y).map(|_| ())
    })
}

// ---- int8 / int16 softmax -------------------------------------------------------------

/// TFLite-Micro's int8 parameters: raw (mult, shift, diff_min) or from the input scale and β.
fn s8_params(
    input_scale: Option<f64>,
    beta: f64,
    double: bool,
    raw: (Option<i32>, Option<i32>, Option<i32>),
) -> PyResult<SoftmaxS8Params> {
    match (input_scale, raw) {
        (None, (Some(m), Some(s), Some(d))) => SoftmaxS8Params::from_raw(m, s, d).map_err(kerr),
        (Some(sc), (None, None, None)) => if double {
            SoftmaxS8Params::from_scale_f64(sc, beta)
        } else {
            SoftmaxS8Params::from_scale(sc as f32, beta as f32)
        }
        .map_err(kerr),
        _ => Err(input(
            "give either input_scale (and beta) or all of mult, shift, diff_min",
        )),
    }
}

/// softmax_s8_tflm(x, input_scale=None, beta=1.0, *, double=False, mult=None, shift=None, diff_min=None) -> int8: bit-exact TFLite-Micro int8 softmax (scale 1/256, zero point −128); parameters from input_scale and beta or raw. Cost 157.4 instructions/element (M4F).
#[pyfunction]
#[pyo3(signature = (x, input_scale = None, beta = 1.0, *, double = false, mult = None, shift = None, diff_min = None))]
#[allow(clippy::too_many_arguments)]
fn softmax_s8_tflm<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    input_scale: Option<f64>,
    beta: f64,
    double: bool,
    mult: Option<i32>,
    shift: Option<i32>,
    diff_min: Option<i32>,
) -> PyResult<Bound<'py, PyArrayDyn<i8>>> {
    let p = s8_params(input_scale, beta, double, (mult, shift, diff_min))?;
    map_rows::<i8, i8, _>(py, x, "int8", move |x, y| {
        quant::softmax_s8_tflm(&p, x, x.len(), y)
    })
}

/// softmax_s8_s16_tflm(x, input_scale=None, beta=1.0, *, ...) -> int16: bit-exact TFLite-Micro int8 → int16 softmax (scale 1/65536, zero point −32768).
#[pyfunction]
#[pyo3(signature = (x, input_scale = None, beta = 1.0, *, double = false, mult = None, shift = None, diff_min = None))]
#[allow(clippy::too_many_arguments)]
fn softmax_s8_s16_tflm<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    input_scale: Option<f64>,
    beta: f64,
    double: bool,
    mult: Option<i32>,
    shift: Option<i32>,
    diff_min: Option<i32>,
) -> PyResult<Bound<'py, PyArrayDyn<i16>>> {
    let p = s8_params(input_scale, beta, double, (mult, shift, diff_min))?;
    map_rows::<i8, i16, _>(py, x, "int8", move |x, y| {
        quant::softmax_s8_s16_tflm(&p, x, x.len(), y)
    })
}

/// (mult, shift, diff_min) that TFLite-Micro derives from the input scale and β.
/// softmax_s8_params(input_scale, beta=1.0, *, double=False) -> (mult, shift, diff_min) as TFLite-Micro derives them.
#[pyfunction]
#[pyo3(signature = (input_scale, beta = 1.0, *, double = false))]
fn softmax_s8_params(input_scale: f64, beta: f64, double: bool) -> PyResult<(i32, i32, i32)> {
    let p = s8_params(Some(input_scale), beta, double, (None, None, None))?;
    Ok((p.mult(), p.shift(), p.diff_min()))
}

/// softmax_s16_tflm(x, input_scale=None, beta=1.0, *, input_multiplier=None, input_left_shift=None) -> int16: bit-exact TFLite-Micro int16 softmax. Cost 30.3 instructions/element (M4F).
#[pyfunction]
#[pyo3(signature = (x, input_scale = None, beta = 1.0, *, input_multiplier = None, input_left_shift = None))]
fn softmax_s16_tflm<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    input_scale: Option<f64>,
    beta: f64,
    input_multiplier: Option<i32>,
    input_left_shift: Option<i32>,
) -> PyResult<Bound<'py, PyArrayDyn<i16>>> {
    let p =
        match (input_scale, input_multiplier, input_left_shift) {
            (None, Some(m), Some(s)) => SoftmaxS16Params::from_raw(m, s).map_err(kerr)?,
            (Some(sc), None, None) => {
                SoftmaxS16Params::from_scale(sc as f32, beta as f32).map_err(kerr)?
            }
            _ => return Err(input(
                "give either input_scale (and beta) or both input_multiplier and input_left_shift",
            )),
        };
    map_rows::<i16, i16, _>(py, x, "int16", move |x, y| {
        quant::softmax_s16_tflm(&p, x, x.len(), y)
    })
}

/// softmax_s8_accurate(x, input_scale, beta=1.0) -> int8: min(round(256·p), 255) − 128 within 0.5 LSB + 1e−4 LSB. Cost 19.0 instructions/element (M4F).
#[pyfunction]
#[pyo3(signature = (x, input_scale, beta = 1.0))]
fn softmax_s8_accurate<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    input_scale: f32,
    beta: f32,
) -> PyResult<Bound<'py, PyArrayDyn<i8>>> {
    let lut = quant::SoftmaxS8Lut::new(input_scale, beta).map_err(kerr)?;
    map_rows::<i8, i8, _>(py, x, "int8", move |x, y| {
        quant::softmax_s8(&lut, x, x.len(), y)
    })
}

/// softmax_s8_s16_accurate(x, input_scale, beta=1.0) -> int16: min(round(65536·p), 65535) − 32768 within 0.5 LSB + 1e−4 LSB.
#[pyfunction]
#[pyo3(signature = (x, input_scale, beta = 1.0))]
fn softmax_s8_s16_accurate<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    input_scale: f32,
    beta: f32,
) -> PyResult<Bound<'py, PyArrayDyn<i16>>> {
    let lut = quant::SoftmaxS8Lut::new(input_scale, beta).map_err(kerr)?;
    map_rows::<i8, i16, _>(py, x, "int8", move |x, y| {
        quant::softmax_s8_s16(&lut, x, x.len(), y)
    })
}

/// softmax_s16_accurate(x, input_scale, beta=1.0) -> int16: accurate int16 softmax (scale 1/32768). Cost 42.8 instructions/element (M4F).
#[pyfunction]
#[pyo3(signature = (x, input_scale, beta = 1.0))]
fn softmax_s16_accurate<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    input_scale: f32,
    beta: f32,
) -> PyResult<Bound<'py, PyArrayDyn<i16>>> {
    let lut = quant::SoftmaxS16Lut::new(input_scale, beta).map_err(kerr)?;
    map_rows::<i16, i16, _>(py, x, "int16", move |x, y| {
        quant::softmax_s16(&lut, x, x.len(), y)
    })
}

// ---- Lipschitz layers ----------------------------------------------------------------

/// A 2-D float32 matrix, C-contiguous: (data copy, rows, cols).
fn matrix(w: &Bound<'_, PyAny>) -> PyResult<(Vec<f32>, usize, usize)> {
    let a = view::<f32>(w, "w", "float32")?;
    if a.ndim() != 2 {
        return Err(input("w: expected a 2-D array (rows × cols)"));
    }
    let (r, c) = rows_of(&a);
    let v = a.as_slice().map_err(|e| input(e.to_string()))?.to_vec();
    Ok((v, r, c))
}

/// spectral_norm_upper_bound(w, iters=8) -> float: certified σ_max bound, ≥ σ_max and ≤ σ_max·rank^(1/1024)·(1 + 1e−6).
#[pyfunction]
#[pyo3(signature = (w, iters = lipschitz::GRAM_ITERS))]
fn spectral_norm_upper_bound(py: Python<'_>, w: &Bound<'_, PyAny>, iters: u32) -> PyResult<f32> {
    let (v, r, c) = matrix(w)?;
    let mut scratch = vec![0.0f32; lipschitz::gram_scratch_len(r, c)];
    py.detach(|| lipschitz::spectral_norm_upper_bound(&v, r, c, iters, &mut scratch))
        .map_err(kerr)
}

/// Runs a projection on a copy of `w`: (projected matrix, its certified bound).
fn project<'py>(
    py: Python<'py>,
    w: &Bound<'py, PyAny>,
    f: impl Fn(&mut [f32], usize, usize, &mut [f32]) -> Result<f32, Error> + Send + Sync,
) -> PyResult<(Bound<'py, PyArrayDyn<f32>>, f32)> {
    let (mut v, r, c) = matrix(w)?;
    let mut scratch = vec![0.0f32; lipschitz::projection_scratch_len(r, c)];
    let bound = py.detach(|| f(&mut v, r, c, &mut scratch)).map_err(kerr)?;
    let out = numpy::PyArray1::from_vec(py, v).reshape(vec![r, c])?;
    Ok((out, bound))
}

/// spectral_normalize(w, c) -> (w', bound): w scaled to spectral norm ≤ c (a copy).
#[pyfunction]
fn spectral_normalize<'py>(
    py: Python<'py>,
    w: &Bound<'py, PyAny>,
    c: f32,
) -> PyResult<(Bound<'py, PyArrayDyn<f32>>, f32)> {
    project(py, w, move |w, r, k, s| {
        lipschitz::spectral_normalize(w, r, k, c, s)
    })
}

/// spectral_hard_cap(w, c) -> (w', bound): w scaled down only if its certified bound exceeds c.
#[pyfunction]
fn spectral_hard_cap<'py>(
    py: Python<'py>,
    w: &Bound<'py, PyAny>,
    c: f32,
) -> PyResult<(Bound<'py, PyArrayDyn<f32>>, f32)> {
    project(py, w, move |w, r, k, s| {
        lipschitz::spectral_hard_cap(w, r, k, c, s)
    })
}

/// spectral_soft_cap(w, c, alpha) -> (w', bound): w softly capped towards spectral norm c.
#[pyfunction]
fn spectral_soft_cap<'py>(
    py: Python<'py>,
    w: &Bound<'py, PyAny>,
    c: f32,
    alpha: f32,
) -> PyResult<(Bound<'py, PyArrayDyn<f32>>, f32)> {
    project(py, w, move |w, r, k, s| {
        lipschitz::spectral_soft_cap(w, r, k, c, alpha, s)
    })
}

/// bjorck_orthonormalize(w, c=1.0, iters=16) -> (w', bound): Björck orthonormalisation scaled by c.
#[pyfunction]
#[pyo3(signature = (w, c = 1.0, iters = 16))]
fn bjorck_orthonormalize<'py>(
    py: Python<'py>,
    w: &Bound<'py, PyAny>,
    c: f32,
    iters: u32,
) -> PyResult<(Bound<'py, PyArrayDyn<f32>>, f32)> {
    project(py, w, move |w, r, k, s| {
        lipschitz::bjorck_orthonormalize(w, r, k, c, iters, s)
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    for f in [
        wrap_pyfunction!(softmax, m)?,
        wrap_pyfunction!(two_pass, m)?,
        wrap_pyfunction!(three_pass, m)?,
        wrap_pyfunction!(anchored, m)?,
        wrap_pyfunction!(log_softmax, m)?,
        wrap_pyfunction!(stablemax, m)?,
        wrap_pyfunction!(softmax_with_temperature, m)?,
        wrap_pyfunction!(logsumexp, m)?,
        wrap_pyfunction!(z_loss_aux, m)?,
        wrap_pyfunction!(cross_entropy, m)?,
        wrap_pyfunction!(mish, m)?,
        wrap_pyfunction!(mish_grad, m)?,
        wrap_pyfunction!(zloss_grad, m)?,
        wrap_pyfunction!(sparsemax, m)?,
        wrap_pyfunction!(sparsemax_sort, m)?,
        wrap_pyfunction!(entmax15, m)?,
        wrap_pyfunction!(sparsemax_loss, m)?,
        wrap_pyfunction!(sparsemax_jvp, m)?,
        wrap_pyfunction!(project_topk_simplex, m)?,
        wrap_pyfunction!(softmax_s8_tflm, m)?,
        wrap_pyfunction!(softmax_s8_s16_tflm, m)?,
        wrap_pyfunction!(softmax_s8_params, m)?,
        wrap_pyfunction!(softmax_s16_tflm, m)?,
        wrap_pyfunction!(softmax_s8_accurate, m)?,
        wrap_pyfunction!(softmax_s8_s16_accurate, m)?,
        wrap_pyfunction!(softmax_s16_accurate, m)?,
        wrap_pyfunction!(spectral_norm_upper_bound, m)?,
        wrap_pyfunction!(spectral_normalize, m)?,
        wrap_pyfunction!(spectral_hard_cap, m)?,
        wrap_pyfunction!(spectral_soft_cap, m)?,
        wrap_pyfunction!(bjorck_orthonormalize, m)?,
    ] {
        m.add_function(f)?;
    }
    m.add("zloss", wrap_pyfunction!(zloss_py, m)?)?;
    Ok(())
}
