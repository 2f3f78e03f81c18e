//! The sequence parameter set with its VUI (7.3.2.1.1, E.1.1).
