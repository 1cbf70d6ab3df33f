//! numpy arguments: checked (dtype, 1-D or 2-D, C-contiguous), read in place, and the row
//! loops that run with the GIL released.

use crate::errors::{input, kerr};
use mcu_kernels::Error;
use numpy::{Element, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyFloat;
use rayon::prelude::*;

/// Batches of at least this many elements are split into row blocks run in parallel.
pub const PARALLEL_ELEMENTS: usize = 1 << 16;

/// What the argument is, for an error message.
fn describe(x: &Bound<'_, PyAny>) -> String {
    match x.getattr("dtype") {
        Ok(d) => format!("an array of dtype {d}"),
        Err(_) => x
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default(),
    }
}

/// A read-only view of a C-contiguous 1-D or 2-D array of `T` (no copy).
pub fn view<'py, T: Element>(
    x: &Bound<'py, PyAny>,
    name: &str,
    dtype: &str,
) -> PyResult<PyReadonlyArrayDyn<'py, T>> {
    let a = x.cast::<PyArrayDyn<T>>().map_err(|_| {
        input(format!(
            "{name}: expected a numpy.{dtype} array, got {}",
            describe(x)
        ))
    })?;
    let nd = a.ndim();
    if nd != 1 && nd != 2 {
        return Err(input(format!(
            "{name}: expected a 1-D or 2-D array, got {nd} dimensions"
        )));
    }
    if !a.is_c_contiguous() {
        return Err(input(format!(
            "{name}: the array is not C-contiguous; pass numpy.ascontiguousarray({name})"
        )));
    }
    Ok(a.readonly())
}

/// Rows and row length of a checked view (a 1-D array is one row).
pub fn rows_of<T: Element>(a: &PyReadonlyArrayDyn<'_, T>) -> (usize, usize) {
    let s = a.shape();
    if s.len() == 1 {
        (1, s[0])
    } else {
        (s[0], s[1])
    }
}

/// y = f(x) row by row, y of `x`'s shape and element type `U`.
pub fn map_rows<'py, T, U, F>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    dtype: &str,
    f: F,
) -> PyResult<Bound<'py, PyArrayDyn<U>>>
where
    T: Element + Sync,
    U: Element + Send,
    F: Fn(&[T], &mut [U]) -> Result<(), Error> + Send + Sync,
{
    let a = view::<T>(x, "x", dtype)?;
    let (_, c) = rows_of(&a);
    let out = PyArrayDyn::<U>::zeros(py, a.shape(), false);
    {
        let mut w = out.readwrite();
        let ys = w.as_slice_mut().map_err(|e| input(e.to_string()))?;
        let xs = a.as_slice().map_err(|e| input(e.to_string()))?;
        if xs.is_empty() {
            return Err(kerr(Error::Empty));
        }
        py.detach(|| {
            if xs.len() < PARALLEL_ELEMENTS {
                for (xr, yr) in xs.chunks_exact(c).zip(ys.chunks_exact_mut(c)) {
                    f(xr, yr)?;
                }
                Ok::<(), Error>(())
            } else {
                // Rows are independent: blocks of rows on rayon's threads give the same bits.
                let rows = (PARALLEL_ELEMENTS / c).max(1);
                xs.par_chunks(rows * c)
                    .zip(ys.par_chunks_mut(rows * c))
                    .try_for_each(|(xb, yb)| {
                        for (xr, yr) in xb.chunks_exact(c).zip(yb.chunks_exact_mut(c)) {
                            f(xr, yr)?;
                        }
                        Ok(())
                    })
            }
        })
        .map_err(kerr)?;
    }
    Ok(out)
}

/// A row function `f(x) -> f32` over a 1-D (a Python float) or 2-D array (one per row).
pub fn reduce_rows<'py, F>(py: Python<'py>, x: &Bound<'py, PyAny>, f: F) -> PyResult<Py<PyAny>>
where
    F: Fn(&[f32]) -> Result<f32, Error> + Send + Sync,
{
    let a = view::<f32>(x, "x", "float32")?;
    let (r, c) = rows_of(&a);
    let xs = a.as_slice().map_err(|e| input(e.to_string()))?;
    if xs.is_empty() {
        return Err(kerr(Error::Empty));
    }
    let v: Vec<f32> = py
        .detach(|| xs.chunks_exact(c).map(&f).collect::<Result<Vec<_>, _>>())
        .map_err(kerr)?;
    if a.ndim() == 1 {
        return Ok(PyFloat::new(py, f64::from(v[0])).into_any().unbind());
    }
    debug_assert_eq!(v.len(), r);
    Ok(numpy::PyArray1::from_vec(py, v).into_any().unbind())
}

/// Class indices: one int for a 1-D `x`, a sequence of `rows` ints for a 2-D one.
pub fn targets(t: &Bound<'_, PyAny>, rows: usize, one_d: bool) -> PyResult<Vec<usize>> {
    if one_d {
        let v: usize = t
            .extract()
            .map_err(|_| input("target: expected a non-negative int for a 1-D x"))?;
        return Ok(vec![v]);
    }
    let v: Vec<usize> = t.extract().map_err(|_| {
        input("target: expected a sequence of non-negative ints (one per row) for a 2-D x")
    })?;
    if v.len() != rows {
        return Err(input(format!(
            "target: {} indices for {rows} rows",
            v.len()
        )));
    }
    Ok(v)
}

/// `f(row, target, grad_row) -> loss` row by row: (loss, grad) with loss a float for a 1-D
/// `x`, an array of one loss per row for a 2-D one; grad of `x`'s shape.
pub fn loss_rows<'py, F>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    target: &Bound<'py, PyAny>,
    f: F,
) -> PyResult<(Py<PyAny>, Py<PyAny>)>
where
    F: Fn(&[f32], usize, &mut [f32]) -> Result<f32, Error> + Send + Sync,
{
    let a = view::<f32>(x, "x", "float32")?;
    let (r, c) = rows_of(&a);
    let t = targets(target, r, a.ndim() == 1)?;
    let out = PyArrayDyn::<f32>::zeros(py, a.shape(), false);
    let v = {
        let mut w = out.readwrite();
        let gs = w.as_slice_mut().map_err(|e| input(e.to_string()))?;
        let xs = a.as_slice().map_err(|e| input(e.to_string()))?;
        if xs.is_empty() {
            return Err(kerr(Error::Empty));
        }
        py.detach(|| {
            xs.chunks_exact(c)
                .zip(gs.chunks_exact_mut(c))
                .zip(&t)
                .map(|((xr, gr), &ti)| f(xr, ti, gr))
                .collect::<Result<Vec<f32>, Error>>()
        })
        .map_err(kerr)?
    };
    let loss = if a.ndim() == 1 {
        PyFloat::new(py, f64::from(v[0])).into_any().unbind()
    } else {
        numpy::PyArray1::from_vec(py, v).into_any().unbind()
    };
    Ok((loss, out.into_any().unbind()))
}
