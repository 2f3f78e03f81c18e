//! The one error type of the public API.

use std::fmt;

/// Everything that can go wrong in rtenc's public API. Every variant carries enough text to tell
/// the caller what was expected and what came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A configuration value is out of range (dimensions, fps, bitrate, QP, ...).
    InvalidConfig(String),
    /// A frame does not match the encoder or its own description (size, stride, buffer length).
    InvalidFrame(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidConfig(m) => write!(f, "invalid config: {m}"),
            Error::InvalidFrame(m) => write!(f, "invalid frame: {m}"),
        }
    }
}

impl std::error::Error for Error {}

/// `Result` with rtenc's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
