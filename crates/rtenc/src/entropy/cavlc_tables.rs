//! CAVLC code tables (9.2): coeff_token (Table 9-5), total_zeros (Tables 9-7, 9-8, 9-9a) and
//! run_before (Table 9-10).
//!
//! Every entry is a [`Vlc`]: `(length, code)`, where `code` holds the codeword's `length` bits
//! right-aligned, to be written most significant bit first. The binary literals spell the
//! codewords exactly as the specification prints them. `(0, 0)` marks combinations that cannot
//! occur (TrailingOnes > TotalCoeff, or values outside a table's range).

/// A variable-length codeword: `(length in bits, code)`, the code right-aligned in `length` bits.
pub(crate) type Vlc = (u8, u16);

/// The "not a codeword" entry.
const NONE: Vlc = (0, 0);

/// coeff_token, Table 9-5, column 0 <= nC < 2: indexed `[TrailingOnes][TotalCoeff]`.
#[rustfmt::skip]
pub(crate) static COEFF_TOKEN_NC_0_2: [[Vlc; 17]; 4] = [
    // TrailingOnes = 0
    [
        /* TotalCoeff  0.. */ (1, 0b1), (6, 0b000101), (8, 0b00000111), (9, 0b000000111),
        /* TotalCoeff  4.. */ (10, 0b0000000111), (11, 0b00000000111), (13, 0b0000000001111), (13, 0b0000000001011),
        /* TotalCoeff  8.. */ (13, 0b0000000001000), (14, 0b00000000001111), (14, 0b00000000001011), (15, 0b000000000001111),
        /* TotalCoeff 12.. */ (15, 0b000000000001011), (16, 0b0000000000001111), (16, 0b0000000000001011), (16, 0b0000000000000111),
        /* TotalCoeff 16.. */ (16, 0b0000000000000100),
    ],
    // TrailingOnes = 1
    [
        /* TotalCoeff  0.. */ NONE, (2, 0b01), (6, 0b000100), (8, 0b00000110),
        /* TotalCoeff  4.. */ (9, 0b000000110), (10, 0b0000000110), (11, 0b00000000110), (13, 0b0000000001110),
        /* TotalCoeff  8.. */ (13, 0b0000000001010), (14, 0b00000000001110), (14, 0b00000000001010), (15, 0b000000000001110),
        /* TotalCoeff 12.. */ (15, 0b000000000001010), (15, 0b000000000000001), (16, 0b0000000000001110), (16, 0b0000000000001010),
        /* TotalCoeff 16.. */ (16, 0b0000000000000110),
    ],
    // TrailingOnes = 2
    [
        /* TotalCoeff  0.. */ NONE, NONE, (3, 0b001), (7, 0b0000101),
        /* TotalCoeff  4.. */ (8, 0b00000101), (9, 0b000000101), (10, 0b0000000101), (11, 0b00000000101),
        /* TotalCoeff  8.. */ (13, 0b0000000001101), (13, 0b0000000001001), (14, 0b00000000001101), (14, 0b00000000001001),
        /* TotalCoeff 12.. */ (15, 0b000000000001101), (15, 0b000000000001001), (16, 0b0000000000001101), (16, 0b0000000000001001),
        /* TotalCoeff 16.. */ (16, 0b0000000000000101),
    ],
    // TrailingOnes = 3
    [
        /* TotalCoeff  0.. */ NONE, NONE, NONE, (5, 0b00011),
        /* TotalCoeff  4.. */ (6, 0b000011), (7, 0b0000100), (8, 0b00000100), (9, 0b000000100),
        /* TotalCoeff  8.. */ (10, 0b0000000100), (11, 0b00000000100), (13, 0b0000000001100), (14, 0b00000000001100),
        /* TotalCoeff 12.. */ (14, 0b00000000001000), (15, 0b000000000001100), (15, 0b000000000001000), (16, 0b0000000000001100),
        /* TotalCoeff 16.. */ (16, 0b0000000000001000),
    ],
];

/// coeff_token, Table 9-5, column 2 <= nC < 4: indexed `[TrailingOnes][TotalCoeff]`.
#[rustfmt::skip]
pub(crate) static COEFF_TOKEN_NC_2_4: [[Vlc; 17]; 4] = [
    // TrailingOnes = 0
    [
        /* TotalCoeff  0.. */ (2, 0b11), (6, 0b001011), (6, 0b000111), (7, 0b0000111),
        /* TotalCoeff  4.. */ (8, 0b00000111), (8, 0b00000100), (9, 0b000000111), (11, 0b00000001111),
        /* TotalCoeff  8.. */ (11, 0b00000001011), (12, 0b000000001111), (12, 0b000000001011), (12, 0b000000001000),
        /* TotalCoeff 12.. */ (13, 0b0000000001111), (13, 0b0000000001011), (13, 0b0000000000111), (14, 0b00000000001001),
        /* TotalCoeff 16.. */ (14, 0b00000000000111),
    ],
    // TrailingOnes = 1
    [
        /* TotalCoeff  0.. */ NONE, (2, 0b10), (5, 0b00111), (6, 0b001010),
        /* TotalCoeff  4.. */ (6, 0b000110), (7, 0b0000110), (8, 0b00000110), (9, 0b000000110),
        /* TotalCoeff  8.. */ (11, 0b00000001110), (11, 0b00000001010), (12, 0b000000001110), (12, 0b000000001010),
        /* TotalCoeff 12.. */ (13, 0b0000000001110), (13, 0b0000000001010), (14, 0b00000000001011), (14, 0b00000000001000),
        /* TotalCoeff 16.. */ (14, 0b00000000000110),
    ],
    // TrailingOnes = 2
    [
        /* TotalCoeff  0.. */ NONE, NONE, (3, 0b011), (6, 0b001001),
        /* TotalCoeff  4.. */ (6, 0b000101), (7, 0b0000101), (8, 0b00000101), (9, 0b000000101),
        /* TotalCoeff  8.. */ (11, 0b00000001101), (11, 0b00000001001), (12, 0b000000001101), (12, 0b000000001001),
        /* TotalCoeff 12.. */ (13, 0b0000000001101), (13, 0b0000000001001), (13, 0b0000000000110), (14, 0b00000000001010),
        /* TotalCoeff 16.. */ (14, 0b00000000000101),
    ],
    // TrailingOnes = 3
    [
        /* TotalCoeff  0.. */ NONE, NONE, NONE, (4, 0b0101),
        /* TotalCoeff  4.. */ (4, 0b0100), (5, 0b00110), (6, 0b001000), (6, 0b000100),
        /* TotalCoeff  8.. */ (7, 0b0000100), (9, 0b000000100), (11, 0b00000001100), (11, 0b00000001000),
        /* TotalCoeff 12.. */ (12, 0b000000001100), (13, 0b0000000001100), (13, 0b0000000001000), (13, 0b0000000000001),
        /* TotalCoeff 16.. */ (14, 0b00000000000100),
    ],
];

/// coeff_token, Table 9-5, column 4 <= nC < 8: indexed `[TrailingOnes][TotalCoeff]`.
#[rustfmt::skip]
pub(crate) static COEFF_TOKEN_NC_4_8: [[Vlc; 17]; 4] = [
    // TrailingOnes = 0
    [
        /* TotalCoeff  0.. */ (4, 0b1111), (6, 0b001111), (6, 0b001011), (6, 0b001000),
        /* TotalCoeff  4.. */ (7, 0b0001111), (7, 0b0001011), (7, 0b0001001), (7, 0b0001000),
        /* TotalCoeff  8.. */ (8, 0b00001111), (8, 0b00001011), (9, 0b000001111), (9, 0b000001011),
        /* TotalCoeff 12.. */ (9, 0b000001000), (10, 0b0000001101), (10, 0b0000001001), (10, 0b0000000101),
        /* TotalCoeff 16.. */ (10, 0b0000000001),
    ],
    // TrailingOnes = 1
    [
        /* TotalCoeff  0.. */ NONE, (4, 0b1110), (5, 0b01111), (5, 0b01100),
        /* TotalCoeff  4.. */ (5, 0b01010), (5, 0b01000), (6, 0b001110), (6, 0b001010),
        /* TotalCoeff  8.. */ (7, 0b0001110), (8, 0b00001110), (8, 0b00001010), (9, 0b000001110),
        /* TotalCoeff 12.. */ (9, 0b000001010), (9, 0b000000111), (10, 0b0000001100), (10, 0b0000001000),
        /* TotalCoeff 16.. */ (10, 0b0000000100),
    ],
    // TrailingOnes = 2
    [
        /* TotalCoeff  0.. */ NONE, NONE, (4, 0b1101), (5, 0b01110),
        /* TotalCoeff  4.. */ (5, 0b01011), (5, 0b01001), (6, 0b001101), (6, 0b001001),
        /* TotalCoeff  8.. */ (7, 0b0001101), (7, 0b0001010), (8, 0b00001101), (8, 0b00001001),
        /* TotalCoeff 12.. */ (9, 0b000001101), (9, 0b000001001), (10, 0b0000001011), (10, 0b0000000111),
        /* TotalCoeff 16.. */ (10, 0b0000000011),
    ],
    // TrailingOnes = 3
    [
        /* TotalCoeff  0.. */ NONE, NONE, NONE, (4, 0b1100),
        /* TotalCoeff  4.. */ (4, 0b1011), (4, 0b1010), (4, 0b1001), (4, 0b1000),
        /* TotalCoeff  8.. */ (5, 0b01101), (6, 0b001100), (7, 0b0001100), (8, 0b00001100),
        /* TotalCoeff 12.. */ (8, 0b00001000), (9, 0b000001100), (10, 0b0000001010), (10, 0b0000000110),
        /* TotalCoeff 16.. */ (10, 0b0000000010),
    ],
];

/// coeff_token, Table 9-5, column 8 <= nC: a 6-bit fixed-length code, `xxxxyy` with
/// `xxxx = TotalCoeff - 1` and `yy = TrailingOnes`, except TotalCoeff = 0 which is `000011`.
/// Indexed `[TrailingOnes][TotalCoeff]`.
pub(crate) static COEFF_TOKEN_NC_8_UP: [[Vlc; 17]; 4] = coeff_token_flc();

const fn coeff_token_flc() -> [[Vlc; 17]; 4] {
    let mut t = [[NONE; 17]; 4];
    t[0][0] = (6, 0b000011);
    let mut tc = 1;
    while tc <= 16 {
        let mut t1 = 0;
        while t1 <= 3 && t1 <= tc {
            t[t1][tc] = (6, (((tc - 1) << 2) | t1) as u16);
            t1 += 1;
        }
        tc += 1;
    }
    t
}

/// coeff_token, Table 9-5, column nC == -1 (chroma DC, 4:2:0): indexed `[TrailingOnes][TotalCoeff]`;
/// TotalCoeff is at most 4, the entries above are [`NONE`].
#[rustfmt::skip]
pub(crate) static COEFF_TOKEN_CHROMA_DC_420: [[Vlc; 17]; 4] = [
    // TrailingOnes = 0, TotalCoeff 0..=4
    [(2, 0b01), (6, 0b000111), (6, 0b000100), (6, 0b000011), (6, 0b000010), NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE],
    // TrailingOnes = 1, TotalCoeff 0..=4
    [NONE, (1, 0b1), (6, 0b000110), (7, 0b0000011), (8, 0b00000011), NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE],
    // TrailingOnes = 2, TotalCoeff 0..=4
    [NONE, NONE, (3, 0b001), (7, 0b0000010), (8, 0b00000010), NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE],
    // TrailingOnes = 3, TotalCoeff 0..=4
    [NONE, NONE, NONE, (6, 0b000101), (7, 0b0000000), NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE],
];

/// total_zeros for 4x4 blocks (maxNumCoeff 15 or 16), Tables 9-7 (tzVlcIndex 1..=7) and 9-8
/// (tzVlcIndex 8..=15): indexed `[tzVlcIndex - 1][total_zeros]`, tzVlcIndex = TotalCoeff.
#[rustfmt::skip]
pub(crate) static TOTAL_ZEROS_4X4: [[Vlc; 16]; 15] = [
    // tzVlcIndex = 1 (Table 9-7), total_zeros 0..=15
    [
        (1, 0b1), (3, 0b011), (3, 0b010), (4, 0b0011), (4, 0b0010), (5, 0b00011), (5, 0b00010), (6, 0b000011),
        (6, 0b000010), (7, 0b0000011), (7, 0b0000010), (8, 0b00000011), (8, 0b00000010), (9, 0b000000011), (9, 0b000000010), (9, 0b000000001),
    ],
    // tzVlcIndex = 2 (Table 9-7), total_zeros 0..=14
    [
        (3, 0b111), (3, 0b110), (3, 0b101), (3, 0b100), (3, 0b011), (4, 0b0101), (4, 0b0100), (4, 0b0011),
        (4, 0b0010), (5, 0b00011), (5, 0b00010), (6, 0b000011), (6, 0b000010), (6, 0b000001), (6, 0b000000), NONE,
    ],
    // tzVlcIndex = 3 (Table 9-7), total_zeros 0..=13
    [
        (4, 0b0101), (3, 0b111), (3, 0b110), (3, 0b101), (4, 0b0100), (4, 0b0011), (3, 0b100), (3, 0b011),
        (4, 0b0010), (5, 0b00011), (5, 0b00010), (6, 0b000001), (5, 0b00001), (6, 0b000000), NONE, NONE,
    ],
    // tzVlcIndex = 4 (Table 9-7), total_zeros 0..=12
    [
        (5, 0b00011), (3, 0b111), (4, 0b0101), (4, 0b0100), (3, 0b110), (3, 0b101), (3, 0b100), (4, 0b0011),
        (3, 0b011), (4, 0b0010), (5, 0b00010), (5, 0b00001), (5, 0b00000), NONE, NONE, NONE,
    ],
    // tzVlcIndex = 5 (Table 9-7), total_zeros 0..=11
    [
        (4, 0b0101), (4, 0b0100), (4, 0b0011), (3, 0b111), (3, 0b110), (3, 0b101), (3, 0b100), (3, 0b011),
        (4, 0b0010), (5, 0b00001), (4, 0b0001), (5, 0b00000), NONE, NONE, NONE, NONE,
    ],
    // tzVlcIndex = 6 (Table 9-7), total_zeros 0..=10
    [
        (6, 0b000001), (5, 0b00001), (3, 0b111), (3, 0b110), (3, 0b101), (3, 0b100), (3, 0b011), (3, 0b010),
        (4, 0b0001), (3, 0b001), (6, 0b000000), NONE, NONE, NONE, NONE, NONE,
    ],
    // tzVlcIndex = 7 (Table 9-7), total_zeros 0..=9
    [
        (6, 0b000001), (5, 0b00001), (3, 0b101), (3, 0b100), (3, 0b011), (2, 0b11), (3, 0b010), (4, 0b0001),
        (3, 0b001), (6, 0b000000), NONE, NONE, NONE, NONE, NONE, NONE,
    ],
    // tzVlcIndex = 8 (Table 9-8), total_zeros 0..=8
    [
        (6, 0b000001), (4, 0b0001), (5, 0b00001), (3, 0b011), (2, 0b11), (2, 0b10), (3, 0b010), (3, 0b001),
        (6, 0b000000), NONE, NONE, NONE, NONE, NONE, NONE, NONE,
    ],
    // tzVlcIndex = 9 (Table 9-8), total_zeros 0..=7
    [
        (6, 0b000001), (6, 0b000000), (4, 0b0001), (2, 0b11), (2, 0b10), (3, 0b001), (2, 0b01), (5, 0b00001),
        NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE,
    ],
    // tzVlcIndex = 10 (Table 9-8), total_zeros 0..=6
    [
        (5, 0b00001), (5, 0b00000), (3, 0b001), (2, 0b11), (2, 0b10), (2, 0b01), (4, 0b0001), NONE,
        NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE,
    ],
    // tzVlcIndex = 11 (Table 9-8), total_zeros 0..=5
    [
        (4, 0b0000), (4, 0b0001), (3, 0b001), (3, 0b010), (1, 0b1), (3, 0b011), NONE, NONE,
        NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE,
    ],
    // tzVlcIndex = 12 (Table 9-8), total_zeros 0..=4
    [
        (4, 0b0000), (4, 0b0001), (2, 0b01), (1, 0b1), (3, 0b001), NONE, NONE, NONE,
        NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE,
    ],
    // tzVlcIndex = 13 (Table 9-8), total_zeros 0..=3
    [
        (3, 0b000), (3, 0b001), (1, 0b1), (2, 0b01), NONE, NONE, NONE, NONE,
        NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE,
    ],
    // tzVlcIndex = 14 (Table 9-8), total_zeros 0..=2
    [
        (2, 0b00), (2, 0b01), (1, 0b1), NONE, NONE, NONE, NONE, NONE,
        NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE,
    ],
    // tzVlcIndex = 15 (Table 9-8), total_zeros 0..=1
    [
        (1, 0b0), (1, 0b1), NONE, NONE, NONE, NONE, NONE, NONE,
        NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE,
    ],
];

/// total_zeros for chroma DC 4:2:0 (maxNumCoeff 4), Table 9-9 (a): indexed
/// `[tzVlcIndex - 1][total_zeros]`, tzVlcIndex = TotalCoeff.
#[rustfmt::skip]
pub(crate) static TOTAL_ZEROS_CHROMA_DC_420: [[Vlc; 4]; 3] = [
    /* tzVlcIndex = 1 */ [(1, 0b1), (2, 0b01), (3, 0b001), (3, 0b000)],
    /* tzVlcIndex = 2 */ [(1, 0b1), (2, 0b01), (2, 0b00), NONE],
    /* tzVlcIndex = 3 */ [(1, 0b1), (1, 0b0), NONE, NONE],
];

/// run_before, Table 9-10: indexed `[min(zerosLeft, 7) - 1][run_before]`.
#[rustfmt::skip]
pub(crate) static RUN_BEFORE: [[Vlc; 15]; 7] = [
    // zerosLeft 1, run_before 0..=1
    [
        (1, 0b1), (1, 0b0), NONE, NONE, NONE, NONE, NONE, NONE,
        NONE, NONE, NONE, NONE, NONE, NONE, NONE,
    ],
    // zerosLeft 2, run_before 0..=2
    [
        (1, 0b1), (2, 0b01), (2, 0b00), NONE, NONE, NONE, NONE, NONE,
        NONE, NONE, NONE, NONE, NONE, NONE, NONE,
    ],
    // zerosLeft 3, run_before 0..=3
    [
        (2, 0b11), (2, 0b10), (2, 0b01), (2, 0b00), NONE, NONE, NONE, NONE,
        NONE, NONE, NONE, NONE, NONE, NONE, NONE,
    ],
    // zerosLeft 4, run_before 0..=4
    [
        (2, 0b11), (2, 0b10), (2, 0b01), (3, 0b001), (3, 0b000), NONE, NONE, NONE,
        NONE, NONE, NONE, NONE, NONE, NONE, NONE,
    ],
    // zerosLeft 5, run_before 0..=5
    [
        (2, 0b11), (2, 0b10), (3, 0b011), (3, 0b010), (3, 0b001), (3, 0b000), NONE, NONE,
        NONE, NONE, NONE, NONE, NONE, NONE, NONE,
    ],
    // zerosLeft 6, run_before 0..=6
    [
        (2, 0b11), (3, 0b000), (3, 0b001), (3, 0b011), (3, 0b010), (3, 0b101), (3, 0b100), NONE,
        NONE, NONE, NONE, NONE, NONE, NONE, NONE,
    ],
    // zerosLeft > 6, run_before 0..=14
    [
        (3, 0b111), (3, 0b110), (3, 0b101), (3, 0b100), (3, 0b011), (3, 0b010), (3, 0b001), (4, 0b0001),
        (5, 0b00001), (6, 0b000001), (7, 0b0000001), (8, 0b00000001), (9, 0b000000001), (10, 0b0000000001), (11, 0b00000000001),
    ],
];

// ---------------------------------------------------------------------------------------------
// The same codes laid out for the block coder: flat, indexed with masks so that no lookup needs
// a bounds check, each entry packed as `length << 16 | code` (see [`packed`]).
// ---------------------------------------------------------------------------------------------

/// A codeword packed into one word: `length << 16 | code`.
pub(crate) type Packed = u32;

/// `vlc` as a [`Packed`] word.
const fn packed((len, code): Vlc) -> Packed {
    ((len as u32) << 16) | code as u32
}

/// The coeff_token tables, packed, in the order of [`COEFF_TOKEN_TABLE_OF_NC`] (index 4: nC ==
/// -1), each indexed `TotalCoeff << 2 | TrailingOnes`.
pub(crate) static COEFF_TOKEN_PACKED: [[Packed; 128]; 5] = [
    coeff_token_packed(&COEFF_TOKEN_NC_0_2),
    coeff_token_packed(&COEFF_TOKEN_NC_2_4),
    coeff_token_packed(&COEFF_TOKEN_NC_4_8),
    coeff_token_packed(&COEFF_TOKEN_NC_8_UP),
    coeff_token_packed(&COEFF_TOKEN_CHROMA_DC_420),
];

/// The row of [`COEFF_TOKEN_PACKED`] for nC = 0..=16 (nC above 16 uses the last, 9.2.1).
pub(crate) static COEFF_TOKEN_TABLE_OF_NC: [u8; 17] =
    [0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3];

const fn coeff_token_packed(t: &[[Vlc; 17]; 4]) -> [Packed; 128] {
    let mut out = [0; 128];
    let mut t1 = 0;
    while t1 < 4 {
        let mut tc = 0;
        while tc < 17 {
            out[tc << 2 | t1] = packed(t[t1][tc]);
            tc += 1;
        }
        t1 += 1;
    }
    out
}

/// total_zeros for 4x4 blocks, packed, indexed `TotalCoeff << 4 | total_zeros`.
pub(crate) static TOTAL_ZEROS_4X4_PACKED: [Packed; 256] = {
    let mut out = [0; 256];
    let mut tc = 1;
    while tc < 16 {
        let mut tz = 0;
        while tz < 16 {
            out[tc << 4 | tz] = packed(TOTAL_ZEROS_4X4[tc - 1][tz]);
            tz += 1;
        }
        tc += 1;
    }
    out
};

/// total_zeros for chroma DC 4:2:0, packed, indexed `TotalCoeff << 2 | total_zeros`.
pub(crate) static TOTAL_ZEROS_CHROMA_DC_420_PACKED: [Packed; 16] = {
    let mut out = [0; 16];
    let mut tc = 1;
    while tc < 4 {
        let mut tz = 0;
        while tz < 4 {
            out[tc << 2 | tz] = packed(TOTAL_ZEROS_CHROMA_DC_420[tc - 1][tz]);
            tz += 1;
        }
        tc += 1;
    }
    out
};

/// run_before, packed, indexed `min(zerosLeft, 7) << 4 | run_before`.
pub(crate) static RUN_BEFORE_PACKED: [Packed; 128] = {
    let mut out = [0; 128];
    let mut zl = 1;
    while zl <= 7 {
        let mut run = 0;
        while run < 15 {
            out[zl << 4 | run] = packed(RUN_BEFORE[zl - 1][run]);
            run += 1;
        }
        zl += 1;
    }
    out
};
