//! # rtenc — a real-time H.264 encoder
//!
//! NV12 frames in, H.264 Annex B access units out, one for one: [`Encoder::encode`] returns the
//! complete access unit of the frame it was given before it returns. The stream is Constrained
//! Baseline (no B-frames, CAVLC), picture order count type 2, with SPS and PPS before every IDR
//! and a VUI that tells decoders (browsers' WebCodecs in particular) not to buffer any frame.
//!
//! ```
//! use rtenc::{Config, Encoder, Nv12Frame};
//!
//! let (w, h) = (64u32, 48u32);
//! let mut enc = Encoder::new(Config::new(w, h)).unwrap();
//! assert!(enc.codec_string().starts_with("avc1.42C0"));
//! let buf = vec![128u8; (w * h * 3 / 2) as usize];
//! let frame = Nv12Frame::from_contiguous(&buf, w, h).unwrap();
//! let au = enc.encode(&frame, false).unwrap();
//! assert!(au.keyframe);
//! assert_eq!(&au.data[..4], &[0, 0, 0, 1]);
//! ```
//!
//! Layout: [`common`] holds what a decoder computes too (prediction, transforms, deblocking),
//! `analyse` makes the encoder's decisions, `entropy` and [`bitstream`] write them, and
//! [`Encoder`] is the one place that knows the order of the steps.

// Safe Rust everywhere except the x86 SIMD kernels in `dsp` (which `#[allow]` it, with a
// `// SAFETY:` comment on every unsafe block).
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod analyse;
pub mod bitstream;
pub mod color;
pub mod common;
mod config;
pub mod dsp;
mod encoder;
mod entropy;
mod error;
mod frame;
pub mod level;
mod macroblock;
pub mod picture;
pub mod preset;
pub mod ratecontrol;
mod slice;
mod tables;

pub use config::{Config, Speed, DEFAULT_COLOUR_CODE, DEFAULT_QP};
pub use dsp::Isa;
pub use encoder::{EncodedFrame, Encoder, FrameType};
pub use error::{Error, Result};
pub use frame::{Nv12Frame, Rect};
pub use preset::{Preset, SpeedSettings};
