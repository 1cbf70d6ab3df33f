//! `mcuk.testvectors`: the seeded inputs of the differential suites (the same the firmware
//! generates), the digest function, and the host's digests, so that a test can run a suite's
//! kernel through Python and compare its digest with the one the chip prints
//! (`cargo xtask ontarget` checks that the chip's equals the host's).

use crate::errors::input;
use numpy::PyArray1;
use pyo3::prelude::*;
use testvectors::suites::{logits as gen_logits, seed, Suite, MAX_LEN, SUITES};
use testvectors::{Digest, Rng};

fn suite(name: &str) -> PyResult<&'static Suite> {
    SUITES
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| input(format!("no suite named {name:?}")))
}

/// The suite names, in the on-target protocol's order.
#[pyfunction]
fn names() -> Vec<&'static str> {
    SUITES.iter().map(|s| s.name).collect()
}

/// How many vectors a suite has.
#[pyfunction]
fn vectors(name: &str) -> PyResult<u32> {
    Ok(suite(name)?.vectors)
}

/// The f32 logits of vector `index` of a logit-shaped suite (the `softmax::*`, `mish::*` and
/// `sparsemax::*` slice suites): the generator's draw for (suite, index).
#[pyfunction]
fn logits<'py>(py: Python<'py>, name: &str, index: u32) -> PyResult<Bound<'py, PyArray1<f32>>> {
    suite(name)?;
    let mut rng = Rng::new(seed(name, index));
    let mut x = [0.0f32; MAX_LEN];
    let n = gen_logits(&mut rng, &mut x, index);
    Ok(PyArray1::from_slice(py, &x[..n]))
}

/// The host's digest of every vector of a suite (Rust, the same code as on the chip).
#[pyfunction]
fn host_digests(py: Python<'_>, name: &str) -> PyResult<Vec<u32>> {
    let s = suite(name)?;
    Ok(py.detach(|| (0..s.vectors).map(|i| (s.run)(i).hash).collect()))
}

/// FNV-1a digest of 32-bit words (`testvectors::Digest::word`), from the initial state or `state`.
#[pyfunction]
#[pyo3(signature = (words, state = None))]
fn digest_words(words: Vec<u32>, state: Option<u32>) -> u32 {
    let mut d = state.map_or_else(Digest::default, Digest::from_hash);
    for w in words {
        d.word(w);
    }
    d.hash
}

/// The error code a digest folds in for each kernel error (0 = Ok), by exception class name.
#[pyfunction]
fn error_codes() -> Vec<(&'static str, u32)> {
    vec![
        ("EmptyError", 1),
        ("LengthMismatchError", 2),
        ("BadRowLengthError", 3),
        ("NanInputError", 4),
        ("AllNegInfinityError", 5),
        ("IndexOutOfRangeError", 6),
        ("BadParameterError", 7),
        ("NonFiniteError", 8),
        ("TflmRefusesError", 9),
    ]
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let sub = PyModule::new(m.py(), "testvectors")?;
    sub.add_function(wrap_pyfunction!(names, &sub)?)?;
    sub.add_function(wrap_pyfunction!(vectors, &sub)?)?;
    sub.add_function(wrap_pyfunction!(logits, &sub)?)?;
    sub.add_function(wrap_pyfunction!(host_digests, &sub)?)?;
    sub.add_function(wrap_pyfunction!(digest_words, &sub)?)?;
    sub.add_function(wrap_pyfunction!(error_codes, &sub)?)?;
    m.add_submodule(&sub)?;
    // `import mcuk.testvectors` finds it too.
    m.py()
        .import("sys")?
        .getattr("modules")?
        .set_item("mcuk.testvectors", sub)?;
    Ok(())
}
