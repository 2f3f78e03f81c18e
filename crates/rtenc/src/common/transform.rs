//! The 4x4 integer transform and the DC Hadamard transforms (8.5.10, 8.5.12).
