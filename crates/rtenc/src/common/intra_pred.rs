//! Intra prediction (8.3): 4x4, 16x16 luma and 8x8 chroma.
