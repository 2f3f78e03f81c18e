//! Quantisation and dequantisation (8.5.9, 8.5.12).
