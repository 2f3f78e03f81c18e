//! Writing the H.264 byte stream: bits and Exp-Golomb codes, NAL units in Annex B framing,
//! parameter sets and slice headers. The writers depend on nothing in `parse`, which reads
//! them back in tests.

pub mod nal;
/// The test parser: compiled for the unit tests and with the `parse` feature only.
#[cfg(any(test, feature = "parse"))]
pub mod parse;
pub mod pps;
pub mod sei;
pub mod slice_header;
pub mod sps;
pub mod writer;

pub use writer::BitWriter;
