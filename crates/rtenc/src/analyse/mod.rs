//! Encoder decisions: intra and inter mode choice, quantisation choices, costs. Everything here
//! chooses; what a decoder computes lives in `common`, and the chosen syntax is written by
//! `entropy`.

pub mod cost;
pub mod dominant;
pub mod inter;
pub mod intra;
pub mod me;
pub mod refresh;
pub mod residual;
pub mod scroll;
pub mod translation;
