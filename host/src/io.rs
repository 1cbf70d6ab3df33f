//! Reading and writing the host CLI's numeric files: NumPy `.npy` (format 1.0–3.0,
//! little- or big-endian `f4`/`f8`, C or Fortran order) and CSV (comma-separated numbers,
//! one row per line, an optional header row of non-numbers).
//!
//! Everything is returned as `f64`. Nothing here panics on a malformed file: each failure is
//! an [`InputError`] naming the file and what is wrong with it. Values are not checked for
//! finiteness here (the solvers decide what they accept); [`ensure_finite`] does it for them.

use std::fmt;
use std::path::{Path, PathBuf};

/// A dense row-major matrix: element (i, j) is `data[i * cols + j]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f64>,
}

impl Matrix {
    /// A `rows` × `cols` matrix of zeros.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    /// Row `i` as a slice (`None` when out of range).
    pub fn row(&self, i: usize) -> Option<&[f64]> {
        if i >= self.rows {
            return None;
        }
        self.data.get(i * self.cols..(i + 1) * self.cols)
    }
}

/// What went wrong reading or writing a file.
#[derive(Debug)]
pub enum InputError {
    /// The file could not be opened, read or written.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file's contents are not a valid `.npy` or CSV array of the expected kind.
    Format { path: PathBuf, message: String },
    /// An entry is NaN or infinite where finite values are required.
    NonFinite {
        path: PathBuf,
        index: usize,
        value: f64,
    },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            InputError::Format { path, message } => write!(f, "{}: {message}", path.display()),
            InputError::NonFinite { path, index, value } => write!(
                f,
                "{}: entry {index} is {value}; only finite numbers are accepted",
                path.display()
            ),
        }
    }
}

impl std::error::Error for InputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InputError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn format_err(path: &Path, message: impl Into<String>) -> InputError {
    InputError::Format {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Checks that every value is finite; the error names the first offending entry (row-major index).
pub fn ensure_finite(path: &Path, values: &[f64]) -> Result<(), InputError> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(index) => Err(InputError::NonFinite {
            path: path.to_path_buf(),
            index,
            value: values[index],
        }),
    }
}

fn is_npy(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
}

/// Largest input file read (4 GiB): a larger one, or a stream that does not end (a device
/// such as `/dev/zero`), is refused instead of filling memory.
pub const MAX_INPUT_BYTES: u64 = 4 << 30;

fn read_bytes(path: &Path) -> Result<Vec<u8>, InputError> {
    use std::io::Read;
    let io_err = |source| InputError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(format_err(
            path,
            format!("larger than {MAX_INPUT_BYTES} bytes (or not a regular file)"),
        ));
    }
    Ok(bytes)
}

/// Reads a 2-D array and nothing else (a 1-D `.npy` is an error): for weights, where a
/// vector read as a 1 × n matrix would silently be a different layer.
pub fn read_matrix_2d(path: &Path) -> Result<Matrix, InputError> {
    read_array(path, false)
}

/// Reads a 2-D array. A 1-D `.npy` of length n is read as a 1 × n matrix.
pub fn read_matrix(path: &Path) -> Result<Matrix, InputError> {
    read_array(path, true)
}

/// `.npy` or CSV as a matrix; a 1-D array is a 1 × n matrix when `one_d_as_row`, else an
/// error.
fn read_array(path: &Path, one_d_as_row: bool) -> Result<Matrix, InputError> {
    let (shape, data) = if is_npy(path) {
        parse_npy(path, &read_bytes(path)?)?
    } else {
        parse_csv(path, &read_bytes(path)?)?
    };
    match shape.as_slice() {
        [n] if one_d_as_row => Ok(Matrix {
            rows: 1,
            cols: *n,
            data,
        }),
        [r, c] => Ok(Matrix {
            rows: *r,
            cols: *c,
            data,
        }),
        s => Err(format_err(
            path,
            format!("expected a 2-D array, found {} dimension(s)", s.len()),
        )),
    }
}

/// Reads a vector: a 1-D array, or a 2-D array with one row or one column.
pub fn read_vector(path: &Path) -> Result<Vec<f64>, InputError> {
    let (shape, data) = if is_npy(path) {
        parse_npy(path, &read_bytes(path)?)?
    } else {
        parse_csv(path, &read_bytes(path)?)?
    };
    match shape.as_slice() {
        [_] => Ok(data),
        [1, _] | [_, 1] => Ok(data),
        s => Err(format_err(
            path,
            format!("expected a vector, found an array of shape {s:?}"),
        )),
    }
}

/// Writes a matrix as `.npy` (little-endian f8, C order) or, for any other extension, CSV.
pub fn write_matrix(path: &Path, m: &Matrix) -> Result<(), InputError> {
    write_array(path, &[m.rows, m.cols], &m.data)
}

/// Writes a vector as a 1-D `.npy` or as a one-column CSV.
pub fn write_vector(path: &Path, v: &[f64]) -> Result<(), InputError> {
    write_array(path, &[v.len()], v)
}

fn write_array(path: &Path, shape: &[usize], data: &[f64]) -> Result<(), InputError> {
    let bytes = if is_npy(path) {
        npy_bytes(shape, data)
    } else {
        let cols = if shape.len() == 2 { shape[1] } else { 1 };
        let mut s = String::new();
        for row in data.chunks(cols.max(1)) {
            let cells: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
            s.push_str(&cells.join(","));
            s.push('\n');
        }
        s.into_bytes()
    };
    std::fs::write(path, bytes).map_err(|source| InputError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The bytes of a version-1.0 `.npy` file holding `data` (f8, C order) with `shape`.
pub fn npy_bytes(shape: &[usize], data: &[f64]) -> Vec<u8> {
    let shape_text = match shape {
        [n] => format!("({n},)"),
        s => format!(
            "({})",
            s.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape_text}, }}");
    // Magic (6) + version (2) + header length (2) + header, padded with spaces and ended by
    // '\n' to a multiple of 64 bytes.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + 8 * data.len());
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in data {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Parses a `.npy` file's bytes into (shape, row-major data).
pub fn parse_npy(path: &Path, bytes: &[u8]) -> Result<(Vec<usize>, Vec<f64>), InputError> {
    let bad = |m: &str| format_err(path, format!("not a valid .npy file: {m}"));
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("missing the \\x93NUMPY magic"));
    }
    let (header_len, header_start): (usize, usize) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 => {
            let Some(b) = bytes.get(8..12) else {
                return Err(bad("truncated header length"));
            };
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12)
        }
        v => return Err(bad(&format!("unsupported format version {v}"))),
    };
    let Some(header) = bytes.get(header_start..header_start.saturating_add(header_len)) else {
        return Err(bad("truncated header"));
    };
    let header = std::str::from_utf8(header).map_err(|_| bad("header is not text"))?;
    let descr = dict_value(header, "descr").ok_or_else(|| bad("header has no 'descr'"))?;
    let fortran =
        dict_value(header, "fortran_order").ok_or_else(|| bad("header has no 'fortran_order'"))?;
    let shape_text = dict_value(header, "shape").ok_or_else(|| bad("header has no 'shape'"))?;

    let descr = descr.trim_matches(|c| c == '\'' || c == '"');
    let (little, width) = match descr {
        "<f8" | "=f8" | "f8" => (true, 8),
        ">f8" => (false, 8),
        "<f4" | "=f4" | "f4" => (true, 4),
        ">f4" => (false, 4),
        other => {
            return Err(format_err(
                path,
                format!(
                    "unsupported dtype '{other}': only float32 and float64 arrays are accepted"
                ),
            ))
        }
    };
    let fortran = match fortran {
        "True" => true,
        "False" => false,
        other => return Err(bad(&format!("fortran_order is '{other}'"))),
    };
    let inner = shape_text
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| bad("shape is not a tuple"))?;
    let mut shape = Vec::new();
    for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        shape.push(
            part.trim_end_matches('L')
                .parse::<usize>()
                .map_err(|_| bad(&format!("shape entry '{part}' is not a size")))?,
        );
    }
    let count = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| bad("shape overflows"))?;
    let body = &bytes[header_start + header_len..];
    let needed = count
        .checked_mul(width)
        .ok_or_else(|| bad("shape overflows"))?;
    if body.len() != needed {
        return Err(bad(&format!(
            "shape {shape:?} needs {needed} bytes of data, the file has {}",
            body.len()
        )));
    }
    let values: Vec<f64> = body
        .chunks_exact(width)
        .map(|c| match (width, little) {
            (8, true) => f64::from_le_bytes(c.try_into().unwrap_or([0; 8])),
            (8, false) => f64::from_be_bytes(c.try_into().unwrap_or([0; 8])),
            (_, true) => f64::from(f32::from_le_bytes(c.try_into().unwrap_or([0; 4]))),
            (_, false) => f64::from(f32::from_be_bytes(c.try_into().unwrap_or([0; 4]))),
        })
        .collect();
    let data = if fortran && shape.len() == 2 {
        let (r, c) = (shape[0], shape[1]);
        let mut out = vec![0.0; count];
        for j in 0..c {
            for i in 0..r {
                out[i * c + j] = values[j * r + i];
            }
        }
        out
    } else if fortran && shape.len() > 2 {
        return Err(bad(
            "Fortran-order arrays of more than 2 dimensions are not supported",
        ));
    } else {
        values
    };
    Ok((shape, data))
}

/// The text of `key`'s value in a `.npy` header dict (a Python literal), without parsing it
/// further: up to the next top-level comma or the closing brace.
fn dict_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let start = header
        .find(&format!("'{key}'"))
        .or_else(|| header.find(&format!("\"{key}\"")))?;
    let rest = &header[start + key.len() + 2..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let mut depth = 0i32;
    for (i, ch) in rest.char_indices() {
        match ch {
            '(' | '[' => depth += 1,
            ')' | ']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(rest[..=i].trim());
                }
            }
            ',' | '}' if depth == 0 => return Some(rest[..i].trim()),
            _ => {}
        }
    }
    None
}

/// A CSV table with a header row, split into numeric feature columns and one target column
/// of raw cells (the input of `mcuk learn`).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledTable {
    /// Names of the feature columns, in file order (the target's column left out).
    pub names: Vec<String>,
    /// One row per data line: `names.len()` values each (`NaN` and `inf` are accepted).
    pub features: Vec<Vec<f32>>,
    /// The target column's cell of each row, unquoted.
    pub target: Vec<String>,
    /// The 1-based line number of each row.
    pub lines: Vec<usize>,
}

fn unquote(s: &str) -> &str {
    let t = s.trim();
    t.strip_prefix('"')
        .and_then(|u| u.strip_suffix('"'))
        .unwrap_or(t)
}

/// Reads a [`LabelledTable`] (at most [`MAX_INPUT_BYTES`]); see [`parse_labelled_csv`].
pub fn read_labelled_csv(
    path: &Path,
    target: &str,
    max_features: usize,
) -> Result<LabelledTable, InputError> {
    parse_labelled_csv(path, &read_bytes(path)?, target, max_features)
}

/// Parses a CSV table with a header row: cells separated by commas, quotes around a cell
/// removed (embedded commas are not supported), blank lines skipped. Every column other than
/// `target` must hold numbers in every row; at most `max_features` of them. Errors name the
/// line (and column) at fault.
pub fn parse_labelled_csv(
    path: &Path,
    bytes: &[u8],
    target: &str,
    max_features: usize,
) -> Result<LabelledTable, InputError> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| format_err(path, "CSV file is not UTF-8 text"))?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines
        .next()
        .ok_or_else(|| format_err(path, "empty file (a header row is required)"))?;
    let names: Vec<&str> = header.split(',').map(unquote).collect();
    let tcol = names.iter().position(|n| *n == target).ok_or_else(|| {
        format_err(
            path,
            format!(
                "line 1: no column named {target:?} (columns: {})",
                names.join(", ")
            ),
        )
    })?;
    let n_features = names.len() - 1;
    if n_features > max_features {
        return Err(format_err(
            path,
            format!("{n_features} feature columns; this build supports at most {max_features}"),
        ));
    }
    let mut t = LabelledTable {
        names: names
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != tcol)
            .map(|(_, n)| (*n).to_string())
            .collect(),
        features: Vec::new(),
        target: Vec::new(),
        lines: Vec::new(),
    };
    for (i, line) in lines {
        let lineno = i + 1;
        let cells: Vec<&str> = line.split(',').map(unquote).collect();
        if cells.len() != names.len() {
            return Err(format_err(
                path,
                format!(
                    "line {lineno}: expected {} fields, found {}",
                    names.len(),
                    cells.len()
                ),
            ));
        }
        let mut row = Vec::with_capacity(n_features);
        for (j, (cell, name)) in cells.iter().zip(&names).enumerate() {
            if j == tcol {
                continue;
            }
            row.push(cell.parse::<f32>().map_err(|_| {
                format_err(
                    path,
                    format!("line {lineno}, column {name:?}: not a number: {cell:?}"),
                )
            })?);
        }
        t.target.push(
            cells
                .get(tcol)
                .map_or_else(String::new, |s| (*s).to_string()),
        );
        t.features.push(row);
        t.lines.push(lineno);
    }
    if t.features.is_empty() {
        return Err(format_err(path, "no data rows after the header"));
    }
    Ok(t)
}

/// Parses CSV bytes: numbers separated by commas, a row per line. A first line with a cell
/// that is not a number is taken as a header and skipped. A single line or a single column
/// is a 1-D array.
pub fn parse_csv(path: &Path, bytes: &[u8]) -> Result<(Vec<usize>, Vec<f64>), InputError> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| format_err(path, "CSV file is not UTF-8 text"))?;
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for (lineno, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let cells: Result<Vec<f64>, _> = line
            .split(',')
            .map(|c| c.trim().trim_matches('"').parse::<f64>())
            .collect();
        match cells {
            Ok(r) => {
                if let Some(first) = rows.first() {
                    if first.len() != r.len() {
                        return Err(format_err(
                            path,
                            format!(
                                "line {}: {} values, but the first row has {}",
                                lineno + 1,
                                r.len(),
                                first.len()
                            ),
                        ));
                    }
                }
                rows.push(r);
            }
            Err(_) if rows.is_empty() && lineno == 0 => continue, // a header row
            Err(_) => {
                return Err(format_err(
                    path,
                    format!("line {}: '{line}' is not a list of numbers", lineno + 1),
                ))
            }
        }
    }
    if rows.is_empty() {
        return Err(format_err(path, "the CSV file holds no numbers"));
    }
    let (r, c) = (rows.len(), rows[0].len());
    let data: Vec<f64> = rows.into_iter().flatten().collect();
    let shape = if r == 1 || c == 1 {
        vec![r * c]
    } else {
        vec![r, c]
    };
    Ok((shape, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("t.npy")
    }

    #[test]
    fn npy_round_trip_2d_and_1d() {
        let data = [1.0, -2.5, 3.25, 4.0, 5.0, 6.0];
        let (shape, back) = parse_npy(p(), &npy_bytes(&[2, 3], &data)).unwrap();
        assert_eq!((shape, back), (vec![2, 3], data.to_vec()));
        let (shape, back) = parse_npy(p(), &npy_bytes(&[6], &data)).unwrap();
        assert_eq!((shape, back), (vec![6], data.to_vec()));
        // The header (with magic and length) is a multiple of 64 bytes, as NumPy writes it.
        let b = npy_bytes(&[2, 3], &data);
        assert_eq!((b.len() - 48) % 64, 0);
    }

    fn npy_with(descr: &str, fortran: bool, shape: &str, body: &[u8]) -> Vec<u8> {
        let h = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}\n",
            if fortran { "True" } else { "False" }
        );
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(h.len() as u16).to_le_bytes());
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn npy_f32_fortran_and_big_endian() {
        // Fortran order 2x2 [[1,2],[3,4]] stored column-major: 1,3,2,4.
        let body: Vec<u8> = [1.0f32, 3.0, 2.0, 4.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let (s, d) = parse_npy(p(), &npy_with("<f4", true, "(2, 2)", &body)).unwrap();
        assert_eq!((s, d), (vec![2, 2], vec![1.0, 2.0, 3.0, 4.0]));
        let body: Vec<u8> = [0.5f64, -1.0]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let (_, d) = parse_npy(p(), &npy_with(">f8", false, "(2,)", &body)).unwrap();
        assert_eq!(d, vec![0.5, -1.0]);
    }

    #[test]
    fn npy_errors_name_the_problem() {
        let err = |b: &[u8]| parse_npy(p(), b).unwrap_err().to_string();
        assert!(err(b"hello").contains("magic"));
        assert!(err(&npy_with("<i8", false, "(1,)", &[0; 8])).contains("unsupported dtype"));
        assert!(err(&npy_with("<f8", false, "(2,)", &[0; 8])).contains("needs 16 bytes"));
        assert!(err(&npy_with("<f8", false, "(a,)", &[])).contains("not a size"));
        let mut truncated = npy_with("<f8", false, "(1,)", &[0; 8]);
        truncated.truncate(20);
        assert!(err(&truncated).contains("truncated"));
    }

    #[test]
    fn csv_matrix_vector_and_header() {
        let c = Path::new("t.csv");
        let (s, d) = parse_csv(c, b"a,b\n1,2\n3,4\n").unwrap();
        assert_eq!((s, d), (vec![2, 2], vec![1.0, 2.0, 3.0, 4.0]));
        let (s, _) = parse_csv(c, b"1\n2\n3\n").unwrap();
        assert_eq!(s, vec![3]);
        assert!(parse_csv(c, b"1,2\n3\n")
            .unwrap_err()
            .to_string()
            .contains("line 2"));
        assert!(parse_csv(c, b"")
            .unwrap_err()
            .to_string()
            .contains("no numbers"));
        assert!(parse_csv(c, b"1,2\nx,y\n").is_err());
    }

    #[test]
    fn files_round_trip_and_shape_checks() {
        let dir = std::env::temp_dir().join(format!("host-io-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let m = Matrix {
            rows: 2,
            cols: 2,
            data: vec![0.1, 0.2, 0.3, f64::MIN_POSITIVE],
        };
        for name in ["m.npy", "m.csv"] {
            let f = dir.join(name);
            write_matrix(&f, &m).unwrap();
            assert_eq!(read_matrix(&f).unwrap(), m);
            assert!(read_vector(&f)
                .unwrap_err()
                .to_string()
                .contains("expected a vector"));
        }
        let f = dir.join("v.npy");
        write_vector(&f, &[1.0, 2.0]).unwrap();
        assert_eq!(read_vector(&f).unwrap(), vec![1.0, 2.0]);
        assert!(matches!(
            read_matrix(&dir.join("missing.npy")),
            Err(InputError::Io { .. })
        ));
        assert!(ensure_finite(&f, &[1.0, f64::NAN])
            .unwrap_err()
            .to_string()
            .contains("entry 1"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
