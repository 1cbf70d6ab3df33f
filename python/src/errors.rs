//! One Python exception per `mcu_kernels::Error` kind (all `ValueError`s), plus
//! `InputError` (the array is not what the function takes) and `OtError` (the solvers).

use mcu_kernels::Error;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

pyo3::create_exception!(
    mcuk,
    KernelError,
    PyValueError,
    "Base of the errors a kernel returns (mcu_kernels::Error); the message is the Rust one."
);
pyo3::create_exception!(mcuk, EmptyError, KernelError, "Error::Empty: empty input.");
pyo3::create_exception!(
    mcuk,
    LengthMismatchError,
    KernelError,
    "Error::LengthMismatch: two arrays' lengths differ."
);
pyo3::create_exception!(
    mcuk,
    BadRowLengthError,
    KernelError,
    "Error::BadRowLength: row length zero or not dividing the buffer."
);
pyo3::create_exception!(
    mcuk,
    NanInputError,
    KernelError,
    "Error::NanInput: a NaN input."
);
pyo3::create_exception!(
    mcuk,
    AllNegInfinityError,
    KernelError,
    "Error::AllNegInfinity: every input is -inf."
);
pyo3::create_exception!(
    mcuk,
    IndexOutOfRangeError,
    KernelError,
    "Error::IndexOutOfRange: a class index past the row."
);
pyo3::create_exception!(
    mcuk,
    BadParameterError,
    KernelError,
    "Error::BadParameter: a parameter out of its domain."
);
pyo3::create_exception!(
    mcuk,
    NonFiniteError,
    KernelError,
    "Error::NonFinite: a NaN or infinite input."
);
pyo3::create_exception!(
    mcuk,
    TflmRefusesError,
    KernelError,
    "Error::TflmRefuses: TFLite-Micro would refuse these parameters."
);
pyo3::create_exception!(
    mcuk,
    InputError,
    PyValueError,
    "The argument is not an array this function takes (dtype, number of dimensions, layout, length)."
);
pyo3::create_exception!(
    mcuk,
    OtError,
    PyValueError,
    "A solver's problem or parameter is invalid (host::solvers error); the message is the Rust one."
);

/// The Python exception of a kernel error.
pub fn kerr(e: Error) -> PyErr {
    let msg = e.to_string();
    match e {
        Error::Empty => EmptyError::new_err(msg),
        Error::LengthMismatch { .. } => LengthMismatchError::new_err(msg),
        Error::BadRowLength => BadRowLengthError::new_err(msg),
        Error::NanInput => NanInputError::new_err(msg),
        Error::AllNegInfinity => AllNegInfinityError::new_err(msg),
        Error::IndexOutOfRange { .. } => IndexOutOfRangeError::new_err(msg),
        Error::BadParameter(_) => BadParameterError::new_err(msg),
        Error::NonFinite => NonFiniteError::new_err(msg),
        Error::TflmRefuses(_) => TflmRefusesError::new_err(msg),
        _ => KernelError::new_err(msg),
    }
}

/// An [`InputError`] with this message.
pub fn input(msg: impl Into<String>) -> PyErr {
    InputError::new_err(msg.into())
}

/// An [`OtError`] from any displayable solver error.
pub fn ot(e: impl std::fmt::Display) -> PyErr {
    OtError::new_err(e.to_string())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("KernelError", py.get_type::<KernelError>())?;
    m.add("EmptyError", py.get_type::<EmptyError>())?;
    m.add("LengthMismatchError", py.get_type::<LengthMismatchError>())?;
    m.add("BadRowLengthError", py.get_type::<BadRowLengthError>())?;
    m.add("NanInputError", py.get_type::<NanInputError>())?;
    m.add("AllNegInfinityError", py.get_type::<AllNegInfinityError>())?;
    m.add(
        "IndexOutOfRangeError",
        py.get_type::<IndexOutOfRangeError>(),
    )?;
    m.add("BadParameterError", py.get_type::<BadParameterError>())?;
    m.add("NonFiniteError", py.get_type::<NonFiniteError>())?;
    m.add("TflmRefusesError", py.get_type::<TflmRefusesError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("OtError", py.get_type::<OtError>())?;
    Ok(())
}
