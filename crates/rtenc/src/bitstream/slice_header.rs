//! The slice header (7.3.3).
