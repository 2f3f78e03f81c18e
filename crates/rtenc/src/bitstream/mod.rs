//! Writing the H.264 byte stream: bits and Exp-Golomb codes, NAL units in Annex B framing,
//! parameter sets and slice headers.

pub mod nal;
pub mod parse;
pub mod pps;
pub mod sei;
pub mod slice_header;
pub mod sps;
pub mod writer;

pub use writer::BitWriter;
