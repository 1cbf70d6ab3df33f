//! `mcuk accuracy [--exhaustive] [--json FILE]`: max ulp error of each `mcu_kernels::math` function,
//! and the relative error of the f32 softmax variants, with error histograms.
//!
//! Prints function, domain, max ulp, worst input (hex and decimal) and bound, then a
//! histogram line per function; fails (exit status 1) if a bound is violated. `--exhaustive`
//! tests all 2^32 inputs on every core (minutes); the default is the dense deterministic
//! sample (~2 M inputs per function). `--json FILE` also writes every figure and histogram
//! as JSON (`cargo xtask bench` puts it into the report).

use host::accuracy::{dense, exhaustive, functions, softmax_errors, Histogram};
use serde_json::json;
use std::path::PathBuf;

use super::CliError;

/// Flags of `mcuk accuracy`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Every f32 input (2^32 per function: minutes) instead of the dense sample.
    #[arg(long)]
    pub exhaustive: bool,
    /// Also write every figure and histogram as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

fn histogram_line(h: &Histogram) -> String {
    Histogram::labels()
        .iter()
        .zip(h.counts)
        .filter(|(_, c)| *c > 0)
        .map(|(l, c)| format!("{l}: {c}"))
        .collect::<Vec<_>>()
        .join("  ")
}

/// Measures every function and kernel, prints the table, writes the JSON if asked.
pub fn run(args: &Args) -> Result<(), CliError> {
    let exh = args.exhaustive;
    let json_path = args.json.as_deref();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
    println!(
        "{:<9} {:<8} {:>9} {:>12} {:>16} {:>6} {:>12}",
        "function", "domain", "max ulp", "worst hex", "worst", "bound", "points"
    );
    let mut ok = true;
    let mut math = Vec::new();
    for f in functions() {
        let m = if exh {
            exhaustive(&f, threads)
        } else {
            dense(&f)
        };
        let pass = m.max_ulp <= f.bound;
        ok &= pass;
        println!(
            "{:<9} {:<8} {:>9.4} {:>#12x} {:>16e} {:>6} {:>12} {}",
            f.name,
            f.domain,
            m.max_ulp,
            m.worst.to_bits(),
            m.worst,
            f.bound,
            m.points,
            if pass { "ok" } else { "VIOLATED" }
        );
        println!("          ulps: {}", histogram_line(&m.histogram));
        math.push(json!({
            "name": format!("math::{}", f.name),
            "domain": f.domain,
            "unit": "ulp",
            "max": m.max_ulp,
            "worst_input": m.worst,
            "bound": f.bound,
            "points": m.points,
            "sample": if exh { "exhaustive" } else { "dense" },
            "histogram": m.histogram.counts,
        }));
    }

    type Kernel = fn(&[f32], &mut [f32]) -> Result<(), mcu_kernels::Error>;
    let softmaxes: [(&str, Kernel); 3] = [
        ("softmax::anchored", mcu_kernels::softmax::anchored),
        ("softmax::three_pass", mcu_kernels::softmax::three_pass),
        ("softmax::two_pass", mcu_kernels::softmax::two_pass),
    ];
    let vectors = 4_000;
    println!("\nf32 softmax, relative error in u = 2^-24 over outputs >= 2^-126 ({vectors} seeded rows, N 1..512; contract 5e-7 = 8.39 u)");
    let mut soft = Vec::new();
    for (name, f) in softmaxes {
        let (worst, outputs, h) = softmax_errors(f, vectors);
        let pass = worst <= 5e-7 * 16_777_216.0;
        ok &= pass;
        println!(
            "{name:<22} max {worst:.3} u over {outputs} outputs {}",
            if pass { "ok" } else { "VIOLATED" }
        );
        println!("          u: {}", histogram_line(&h));
        soft.push(json!({
            "name": name,
            "domain": "uniform logits in [-8, 8] and [-100, 100], N 1..512",
            "unit": "u = 2^-24 (relative)",
            "max": worst,
            "bound": 5e-7 * 16_777_216.0,
            "points": outputs,
            "sample": format!("{vectors} seeded rows"),
            "histogram": h.counts,
        }));
    }

    // Quantized softmax: error in output LSBs against the f64 softmax of the dequantised
    // input (the same generator as host/tests/quant_accuracy.rs, fewer rows).
    use host::reference::softmax::quant::{int8_case, softmax_quantized, LsbHistogram};
    use mcu_kernels::softmax::quant as q;
    let rows = 5_000u32;
    let mut hs = [
        LsbHistogram::new("softmax::quant::softmax_s8 (accurate, int8 out)"),
        LsbHistogram::new("softmax::quant::softmax_s8_s16 (accurate, int16 out)"),
        LsbHistogram::new("softmax::quant::softmax_s8_tflm (TFLM-exact, int8 out)"),
        LsbHistogram::new("softmax::quant::softmax_s8_s16_tflm (TFLM-exact, int16 out)"),
    ];
    for i in 0..rows {
        let mut rng = testvectors::Rng::new(0x0051_0000 + u64::from(i));
        let (x, scale) = int8_case(&mut rng);
        let n = x.len();
        let p = softmax_quantized(
            &x.iter().map(|&v| i32::from(v)).collect::<Vec<_>>(),
            f64::from(scale),
        );
        let (mut y8, mut y16) = (vec![0i8; n], vec![0i16; n]);
        let (Ok(lut), Ok(params)) = (
            q::SoftmaxS8Lut::new(scale, 1.0),
            q::SoftmaxS8Params::from_scale(scale, 1.0),
        ) else {
            continue;
        };
        if q::softmax_s8(&lut, &x, n, &mut y8).is_ok()
            && q::softmax_s8_s16(&lut, &x, n, &mut y16).is_ok()
        {
            for k in 0..n {
                hs[0].add(i64::from(y8[k]) + 128, p[k], 8, 255);
                hs[1].add(i64::from(y16[k]) + 32768, p[k], 16, 65535);
            }
        }
        if q::softmax_s8_tflm(&params, &x, n, &mut y8).is_ok()
            && q::softmax_s8_s16_tflm(&params, &x, n, &mut y16).is_ok()
        {
            for k in 0..n {
                hs[2].add(i64::from(y8[k]) + 128, p[k], 8, 255);
                hs[3].add(i64::from(y16[k]) + 32768, p[k], 16, 65535);
            }
        }
    }
    println!("\nquantized softmax, error in output LSB against f64 ({rows} seeded rows)");
    let mut quant = Vec::new();
    for (k, h) in hs.iter().enumerate() {
        h.print();
        // The accurate kernels promise 0.5 LSB (+1e-6 int8, +1e-4 int16); TFLM's are reported.
        let bound = match k {
            0 => Some(0.5 + 1e-6),
            1 => Some(0.5 + 1e-4),
            _ => None,
        };
        if let Some(b) = bound {
            ok &= h.max() <= b;
        }
        quant.push(json!({
            "name": h.name(),
            "domain": "int8 rows of 1..160, scales 2^-9..2^2",
            "unit": "LSB",
            "max": h.max(),
            "bound": bound,
            "points": h.count(),
            "sample": format!("{rows} seeded rows"),
            "labels": LsbHistogram::labels(),
            "histogram": h.buckets(),
        }));
    }

    if let Some(path) = json_path {
        let doc = json!({
            "bucket_labels": Histogram::labels(),
            "entries": math.into_iter().chain(soft).chain(quant).collect::<Vec<_>>(),
        });
        let text = serde_json::to_string_pretty(&doc)?;
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if ok {
        Ok(())
    } else {
        Err("a documented error bound is violated (VIOLATED above)".into())
    }
}
