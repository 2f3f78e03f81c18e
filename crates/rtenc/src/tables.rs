//! Constant tables shared by the kernels (`dsp`) and the stages that call them (`common`,
//! `analyse`): the 4x4 scan, the quantisation and scaling constants and the level bound.
//!
//! A leaf: it imports nothing from the crate, so both sides can depend on it without depending
//! on each other (`common -> dsp -> tables`, `color -> dsp -> tables`).

/// 4x4 zig-zag scan (frame macroblocks, 8.5.6 Table 8-13): scan position -> raster index within
/// the 4x4 block (`x + 4 * y`).
pub const ZIGZAG4X4: [usize; 16] = [0, 1, 4, 8, 5, 2, 3, 6, 9, 12, 13, 10, 7, 11, 14, 15];

/// The largest level magnitude rtenc emits: Baseline's CAVLC (level_prefix <= 15) can code
/// 2063 in every state; staying a little below keeps a margin.
pub const MAX_LEVEL: i32 = 2047;

/// normAdjust4x4 (8.5.9, v in Table 8-... ): per qP % 6, the scale for positions with both
/// coordinates even, both odd, and the rest.
pub const NORM_ADJUST: [[i32; 3]; 6] = [
    [10, 16, 13],
    [11, 18, 14],
    [13, 20, 16],
    [14, 23, 18],
    [16, 25, 20],
    [18, 29, 23],
];

/// The forward quantisation multipliers matching [`NORM_ADJUST`] (MF = 2^15 * 2^... / (v * Qstep
/// scale)), the classic encoder table.
pub const QUANT_MF: [[i32; 3]; 6] = [
    [13107, 5243, 8066],
    [11916, 4660, 7490],
    [10082, 4194, 6554],
    [9362, 3647, 5825],
    [8192, 3355, 5243],
    [7282, 2893, 4559],
];

/// Which of the three scale classes of [`NORM_ADJUST`] and [`QUANT_MF`] a raster position of a
/// 4x4 block belongs to.
pub const POS_CLASS: [usize; 16] = [0, 2, 0, 2, 2, 1, 2, 1, 0, 2, 0, 2, 2, 1, 2, 1];
