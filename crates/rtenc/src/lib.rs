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
//! Layout: `common` holds what a decoder computes too (prediction, transforms, deblocking),
//! `analyse` makes the encoder's decisions, `entropy` and `bitstream` write them, and
//! [`Encoder`] is the one place that knows the order of the steps. Dependencies point one way:
//! `common -> dsp -> tables` and `color -> dsp -> tables` (`dsp`: the kernel tables; `tables`:
//! the constant tables both sides share, importing nothing).
//!
//! ## Public API
//!
//! The crate root (the encoder, its configuration, frames, presets, errors, [`Isa`] and
//! [`CpuInfo`], and the reconstruction types [`Picture`] and [`Plane`]) and two modules:
//! [`color`] (RGB and I420 to NV12 conversion) and [`preset`] (what each speed preset does).
//! Every other module is private, so the internals can change without breaking users.
//!
//! Two cargo features exist for the project's own tests, benchmarks and tools, not for users
//! (rav1e's `bench` feature is the model); the crate's dev-dependency on itself enables both for
//! its tests and benches:
//! - `internals`: a hidden module `rtenc::internals` that re-exports the private modules
//!   (`bitstream`, `common`, `dsp`, `level`, `ratecontrol`), for the kernel benchmark and the
//!   integration tests that inspect streams and the VBV;
//! - `parse`: the bitstream parser (`internals::bitstream::parse`: SPS, PPS, slice headers,
//!   SEI) that the tests read rtenc's streams back with; the encoder never calls it.
//!
//! `check-asm` makes every SIMD kernel call also run its scalar twin and panic on a difference.

// Safe Rust everywhere except the x86 SIMD kernels in `dsp` (which `#[allow]` it, with a
// `// SAFETY:` comment on every unsafe block).
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod analyse;
mod bitstream;
pub mod color;
mod common;
mod config;
mod deblock_trial;
mod dsp;
mod encoder;
mod entropy;
mod error;
mod frame;
mod level;
mod macroblock;
mod picture;
pub mod preset;
mod ratecontrol;
mod slice;
mod tables;
mod workers;

pub use config::{Config, Speed, DEFAULT_COLOUR_CODE, DEFAULT_QP};
pub use dsp::{CpuInfo, Isa};
pub use encoder::{EncodedFrame, Encoder, FrameType};
pub use error::{Error, Result};
pub use frame::{Nv12Frame, Rect};
pub use picture::{Picture, Plane};
pub use preset::{Preset, SpeedSettings};

/// The private modules, for the project's benchmarks and tests only (feature `internals`; see
/// the crate documentation). Not part of the API: anything here may change in any release.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals {
    /// See the private module `bitstream` (with `parse` under the feature of that name).
    pub mod bitstream {
        pub use crate::bitstream::*;
    }
    /// See the private module `common`.
    pub mod common {
        pub use crate::common::*;
    }
    /// See the private module `dsp`.
    pub mod dsp {
        pub use crate::dsp::*;
    }
    /// See the private module `level`.
    pub mod level {
        pub use crate::level::*;
    }
    /// See the private module `ratecontrol`.
    pub mod ratecontrol {
        pub use crate::ratecontrol::*;
    }
}
