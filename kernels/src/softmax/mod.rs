//! The softmax family: y_i = e^(x_i) / Σ_j e^(x_j).

mod three_pass;

pub use three_pass::{three_pass, three_pass_with};
