//! The picture parameter set (7.3.2.2).
