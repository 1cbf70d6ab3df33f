//! Seeded test vectors and digests, shared by the firmware and the host.
//!
//! The firmware and the host run *the same code* from this crate: it generates each
//! vector from a seed, runs a kernel on it and folds the output's bit patterns into a
//! digest. The on-target runner prints the digests; `xtask` recomputes them on the host
//! and compares them bit for bit.
#![no_std]
#![forbid(unsafe_code)]

pub mod digest;
pub mod lipschitz_closed_loop;
#[rustfmt::skip]
pub mod lipschitz_policy;
pub mod phishing;
pub mod power_cut;
pub mod rng;
pub mod suites;

pub use digest::Digest;
pub use rng::Rng;
