//! Embeds the Phishing data set (host/data/phishing/phishing.csv) as exact f32 bit patterns,
//! so that the firmware (in flash) and the host stream identical examples.
use std::{env, fmt::Write, fs, path::PathBuf};

fn main() {
    let csv = PathBuf::from("../host/data/phishing/phishing.csv");
    println!("cargo:rerun-if-changed={}", csv.display());
    let text = fs::read_to_string(&csv).expect("read host/data/phishing/phishing.csv");
    let mut xs = String::new();
    let mut ys = String::new();
    let mut rows = 0usize;
    for (i, line) in text.lines().enumerate().skip(1) {
        let cells: Vec<&str> = line.trim().split(',').collect();
        assert_eq!(
            cells.len(),
            10,
            "phishing.csv line {}: expected 10 cells",
            i + 1
        );
        xs.push('[');
        for c in &cells[..9] {
            let v: f32 = c.parse().expect("numeric feature");
            write!(xs, "f32::from_bits({:#010x}),", v.to_bits()).unwrap();
        }
        xs.push_str("],\n");
        ys.push_str(if cells[9].trim() == "1" {
            "true,"
        } else {
            "false,"
        });
        rows += 1;
    }
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("phishing_data.rs");
    fs::write(
        out,
        format!(
            "/// Rows of the Phishing data set.\npub const ROWS: usize = {rows};\n\
             /// The nine features of each row, in the CSV's column order.\n\
             pub static FEATURES: [[f32; 9]; ROWS] = [\n{xs}];\n\
             /// `is_phishing == 1`.\npub static LABELS: [bool; ROWS] = [{ys}];\n"
        ),
    )
    .unwrap();
}
