//! residual_block_cavlc (7.3.5.3.2, 9.2): coeff_token, trailing ones, levels, total_zeros and
//! run_before.
//!
//! One generic coder, `code_block`, drives both the writer and the bit counter through the
//! `Sink` trait, so [`residual_block_bits`] always equals what [`write_residual_block`] writes.
//!
//! The coder works from the block's non-zero mask rather than a scan of every coefficient:
//! TotalCoeff is the number of bits set and each run is the distance between two set bits. Its
//! tables are flat and indexed with masks (`cavlc_tables`' packed tables), the codewords of small
//! levels are precomputed per suffixLength ([`LEVEL_PACKED`]), and the total_zeros and run_before
//! codewords go out together in one or two writes.

use super::cavlc_tables::{
    Packed, COEFF_TOKEN_PACKED, COEFF_TOKEN_TABLE_OF_NC, RUN_BEFORE_PACKED, TOTAL_ZEROS_4X4_PACKED,
    TOTAL_ZEROS_CHROMA_DC_420_PACKED,
};
#[cfg(test)]
use super::cavlc_tables::{
    Vlc, COEFF_TOKEN_CHROMA_DC_420, COEFF_TOKEN_NC_0_2, COEFF_TOKEN_NC_2_4, COEFF_TOKEN_NC_4_8,
    COEFF_TOKEN_NC_8_UP, RUN_BEFORE, TOTAL_ZEROS_4X4, TOTAL_ZEROS_CHROMA_DC_420,
};
use crate::bitstream::writer::BitSink;
use crate::bitstream::BitWriter;

/// The largest |level| the encoder accepts: the largest magnitude level_prefix 15 (the largest
/// Baseline allows, 9.2.2.1) can code in every suffixLength state. The tightest states are
/// suffixLength 0 and 1 without the first-level reduction, where levelCode <= 30 + 4095.
pub(crate) const MAX_LEVEL: i32 = 2063;

/// Where [`code_block`] puts its codewords.
trait Sink {
    /// Appends the `len` low bits of `code`, most significant first (`len` <= 32).
    fn put(&mut self, len: u32, code: u32);
}

impl Sink for BitSink<'_> {
    #[inline(always)]
    fn put(&mut self, len: u32, code: u32) {
        self.put_bits(len, code);
    }
}

/// Counts bits and throws them away.
struct BitCounter(u32);

impl Sink for BitCounter {
    #[inline(always)]
    fn put(&mut self, len: u32, _code: u32) {
        self.0 += len;
    }
}

/// Writes a [`Packed`] codeword.
#[inline(always)]
fn put_packed<S: Sink>(s: &mut S, p: Packed) {
    debug_assert!(p >> 16 > 0, "no codeword for this combination");
    s.put(p >> 16, p & 0xFFFF);
}

/// Writes the `len` (<= 64) low bits of `code`.
#[inline(always)]
fn put_long<S: Sink>(s: &mut S, len: u32, code: u64) {
    debug_assert!(len <= 64);
    if len > 32 {
        s.put(len - 32, (code >> 32) as u32);
        s.put(32, code as u32);
    } else {
        s.put(len, code as u32);
    }
}

/// levelCode of a level (the inverse of the levelVal derivation in 9.2.2.1), including the
/// reduction by 2 of the first non-trailing-one level when TrailingOnes < 3.
#[inline(always)]
const fn level_code(level: i32, reduced: bool) -> u32 {
    debug_assert!(level != 0);
    let code = if level > 0 {
        2 * level - 2
    } else {
        -2 * level - 1
    };
    code as u32 - 2 * (reduced as u32)
}

/// The first levelCode that needs the escape level_prefix 15 when coded with `suffix_length`
/// (9.2.2.1: 15 << suffixLength, plus 15 more when suffixLength is 0 since prefix 14 then has a
/// 4-bit suffix).
#[inline(always)]
const fn escape_base(suffix_length: u32) -> u32 {
    if suffix_length == 0 {
        30
    } else {
        15 << suffix_length
    }
}

/// True when `level_code` can be coded with level_prefix <= 15 (Baseline) at `suffix_length`.
#[inline]
const fn level_code_fits(level_code: u32, suffix_length: u32) -> bool {
    level_code < escape_base(suffix_length) + (1 << 12)
}

/// level_prefix and level_suffix (7.3.5.3.2, 9.2.2.1) for `level_code` at `suffix_length`, as
/// one codeword `(length, code)`.
#[inline(always)]
const fn level_vlc(level_code: u32, suffix_length: u32) -> (u32, u32) {
    debug_assert!(
        level_code_fits(level_code, suffix_length),
        "levelCode needs level_prefix > 15"
    );
    if suffix_length == 0 && level_code < 14 {
        // level_prefix = levelCode, no suffix: prefix zeros then a one.
        (level_code + 1, 1)
    } else if suffix_length == 0 && level_code < 30 {
        // level_prefix 14 with a 4-bit suffix.
        (15 + 4, (1 << 4) | (level_code - 14))
    } else if level_code < escape_base(suffix_length) {
        // 1 <= suffixLength: level_prefix = levelCode >> suffixLength, suffixLength-bit suffix.
        let prefix = level_code >> suffix_length;
        let suffix = level_code & ((1 << suffix_length) - 1);
        (prefix + 1 + suffix_length, (1 << suffix_length) | suffix)
    } else {
        // Escape: level_prefix 15 with a 12-bit suffix (levelSuffixSize = level_prefix - 3).
        let suffix = level_code - escape_base(suffix_length);
        (16 + 12, (1 << 12) | suffix)
    }
}

/// suffixLength after coding `level` (not reduced) at `suffix_length` (9.2.2.1).
#[inline(always)]
const fn next_suffix_length(level: i32, suffix_length: u32) -> u32 {
    let sl = if suffix_length == 0 { 1 } else { suffix_length };
    if level.unsigned_abs() > (3 << (sl - 1)) && sl < 6 {
        sl + 1
    } else {
        sl
    }
}

/// Levels -LEVEL_TABLE_HALF..LEVEL_TABLE_HALF have precomputed codewords.
const LEVEL_TABLE_HALF: i32 = 64;

/// The codeword of every small level (not reduced) at every suffixLength 0..=6 (row 7 repeats
/// row 6 so that `suffix_length & 7` needs no bounds check): indexed `[suffixLength][level +
/// 64]`, each `next << 24 | length << 16 | code` with `next` the suffixLength that follows.
/// Index 64 (level 0) is never read.
static LEVEL_PACKED: [[u32; 128]; 8] = {
    let mut out = [[0; 128]; 8];
    let mut sl = 0;
    while sl < 8 {
        let s = if sl < 7 { sl } else { 6 };
        let mut i = 0;
        while i < 128 {
            let level = i as i32 - LEVEL_TABLE_HALF;
            if level != 0 {
                let (len, code) = level_vlc(level_code(level, false), s);
                out[sl as usize][i] = next_suffix_length(level, s) << 24 | len << 16 | code;
            }
            i += 1;
        }
        sl += 1;
    }
    out
};

/// Writes `level` (`reduced`: as the first level after fewer than three trailing ones) at
/// `suffix_length` and returns the next suffixLength.
#[inline(always)]
fn put_level<S: Sink>(s: &mut S, level: i32, reduced: bool, suffix_length: u32) -> u32 {
    debug_assert!(
        (-MAX_LEVEL..=MAX_LEVEL).contains(&level) && level != 0,
        "level {level} out of range"
    );
    debug_assert!(suffix_length <= 6);
    // A reduced level codes as the level one step nearer zero (levelCode - 2); it is never +-1
    // (those would have been trailing ones).
    let coded = if reduced {
        level - level.signum()
    } else {
        level
    };
    let row = &LEVEL_PACKED[suffix_length as usize & 7];
    let i = (coded + LEVEL_TABLE_HALF) as u32;
    if i < 2 * LEVEL_TABLE_HALF as u32 {
        let e = row[i as usize & 127];
        s.put((e >> 16) & 0xFF, e & 0xFFFF);
        if reduced {
            next_suffix_length(level, suffix_length)
        } else {
            e >> 24
        }
    } else {
        let (len, code) = level_vlc(level_code(level, reduced), suffix_length);
        s.put(len, code);
        next_suffix_length(level, suffix_length)
    }
}

/// The codeword `(length, code)` of `level` (|level| >= 2) coded first after no trailing ones
/// with suffixLength 0: reduced (levelCode - 2), as in a block of one level.
#[inline(always)]
fn level_vlc_reduced_sl0(level: i32) -> (u32, u32) {
    debug_assert!(level.unsigned_abs() >= 2 && level.unsigned_abs() <= MAX_LEVEL as u32);
    let coded = level - level.signum();
    let i = (coded + LEVEL_TABLE_HALF) as u32;
    if i < 2 * LEVEL_TABLE_HALF as u32 {
        let e = LEVEL_PACKED[0][i as usize & 127];
        ((e >> 16) & 0xFF, e & 0xFFFF)
    } else {
        level_vlc(level_code(level, true), 0)
    }
}

/// The mask of the non-zero coefficients of a 4x4 block: bit `i` for `coeffs[i]`.
#[inline(always)]
fn nonzero_mask16(coeffs: &[i32; 16]) -> u32 {
    let mut m = 0u32;
    for (i, &c) in coeffs.iter().enumerate() {
        m |= u32::from(c != 0) << i;
    }
    m
}

/// The mask of the non-zero coefficients of a chroma DC block.
#[inline(always)]
fn nonzero_mask4(coeffs: &[i32; 4]) -> u32 {
    let mut m = 0u32;
    for (i, &c) in coeffs.iter().enumerate() {
        m |= u32::from(c != 0) << i;
    }
    m
}

/// residual_block_cavlc (7.3.5.3.2); returns TotalCoeff.
///
/// `coeffs` holds the levels in scan order; `mask` has bit `i` set exactly for the non-zero
/// coded `coeffs[i]` (for 15-coefficient blocks, `coeffs` is the whole 4x4 block and bit 0 is
/// clear: the coded positions are 1..16). `N` is 16 or 4 (chroma DC 4:2:0) and
/// `max_num_coeff` is maxNumCoeff; the coded positions are the last `max_num_coeff`. `ct` is the
/// coeff_token table (a row of `COEFF_TOKEN_PACKED`), `total_coeff` the number of bits set in
/// `mask`.
#[inline(always)]
fn code_block<S: Sink, const N: usize>(
    s: &mut S,
    coeffs: &[i32; N],
    mask: u32,
    total_coeff: u32,
    max_num_coeff: u32,
    ct: &[Packed; 128],
) -> u8 {
    debug_assert!(N == 16 || N == 4);
    debug_assert!(matches!((N, max_num_coeff), (16, 15 | 16) | (4, 4)));
    debug_assert!(mask >> N == 0 && (max_num_coeff == N as u32 || mask & 1 == 0));
    debug_assert_eq!(total_coeff, mask.count_ones());
    if mask == 0 {
        put_packed(s, ct[0]);
        return 0;
    }
    if mask & (mask - 1) == 0 {
        // A single level (most coded blocks): coeff_token, the level (a trailing one's sign, or
        // the level reduced at suffixLength 0) and total_zeros in one write of at most
        // 16 + 28 + 9 bits.
        let pos = mask.trailing_zeros();
        let level = coeffs[pos as usize & (N - 1)];
        let (mut len, mut code) = if level.unsigned_abs() == 1 {
            let token = ct[1 << 2 | 1];
            (
                (token >> 16) + 1,
                u64::from(token & 0xFFFF) << 1 | u64::from(level < 0),
            )
        } else {
            let token = ct[1 << 2];
            let (level_len, level_code) = level_vlc_reduced_sl0(level);
            (
                (token >> 16) + level_len,
                u64::from(token & 0xFFFF) << level_len | u64::from(level_code),
            )
        };
        let total_zeros = pos - (N as u32 - max_num_coeff);
        let tz = if N == 4 {
            TOTAL_ZEROS_CHROMA_DC_420_PACKED[(1 << 2 | total_zeros as usize) & 15]
        } else {
            TOTAL_ZEROS_4X4_PACKED[(1 << 4 | total_zeros as usize) & 255]
        };
        debug_assert!(tz >> 16 > 0);
        len += tz >> 16;
        code = code << (tz >> 16) | u64::from(tz & 0xFFFF);
        put_long(s, len, code);
        return 1;
    }

    // The non-zero levels from the highest frequency down (the order they are coded in);
    // `ones` has bit n set when |levels[n]| == 1, `signs` the sign bits in coding order. On
    // the way, the run_before codewords (9.2.3, Table 9-10: for every level but the last while
    // zeros remain, zerosLeft starting at total_zeros) collect in `runs_len`/`runs_code`: at
    // most 14 of 3 bits.
    let total_coeff = total_coeff as usize;
    let last = 31 - mask.leading_zeros();
    let total_zeros = last + 1 - (N as u32 - max_num_coeff) - total_coeff as u32;
    let mut levels = [0i32; 16];
    let mut ones = 0u32;
    let mut signs = 0u32;
    let (mut runs_len, mut runs_code) = (0u32, 0u64);
    let mut zeros_left = total_zeros;
    let mut pos = last;
    let mut rest = mask ^ (1 << pos);
    let mut n = 0usize;
    loop {
        let c = coeffs[pos as usize & (N - 1)];
        levels[n & 15] = c;
        ones |= u32::from(c.unsigned_abs() == 1) << n;
        signs = (signs << 1) | u32::from(c < 0);
        if rest == 0 {
            break;
        }
        let next = 31 - rest.leading_zeros();
        if zeros_left > 0 {
            let run = pos - next - 1;
            let rb = RUN_BEFORE_PACKED[(zeros_left.min(7) << 4 | run) as usize & 127];
            debug_assert!(rb >> 16 > 0);
            runs_len += rb >> 16;
            runs_code = (runs_code << (rb >> 16)) | u64::from(rb & 0xFFFF);
            zeros_left -= run;
        }
        rest ^= 1 << next;
        pos = next;
        n += 1;
    }
    debug_assert_eq!(n + 1, total_coeff, "TotalCoeff given for mask {mask:#x}");

    // TrailingOnes: up to three consecutive +-1 among the highest-frequency levels (`ones` has
    // no bit at or above total_coeff, so the count stops there), with their signs
    // (trailing_ones_sign_flag, 1 for negative) right after the coeff_token.
    let trailing_ones = (!ones).trailing_zeros().min(3) as usize;
    let t1_signs = signs >> (total_coeff - trailing_ones);
    let token = ct[(total_coeff << 2 | trailing_ones) & 127];
    debug_assert!(token >> 16 > 0);
    s.put(
        (token >> 16) + trailing_ones as u32,
        ((token & 0xFFFF) << trailing_ones) | t1_signs,
    );

    // The other levels (9.2.2.1) with suffixLength adaptation; the first is reduced when
    // TrailingOnes < 3.
    if trailing_ones < total_coeff {
        let mut suffix_length = u32::from(total_coeff > 10 && trailing_ones < 3);
        suffix_length = put_level(
            s,
            levels[trailing_ones & 15],
            trailing_ones < 3,
            suffix_length,
        );
        for &level in &levels[(trailing_ones + 1).min(16)..total_coeff.min(16)] {
            suffix_length = put_level(s, level, false, suffix_length);
        }
    }

    // total_zeros (9.2.3), tzVlcIndex = TotalCoeff: Table 9-9 (a) for chroma DC 4:2:0,
    // Tables 9-7 and 9-8 for 4x4 blocks; then the run_before codewords. Together they take at
    // most 9 + 3 * 14 bits.
    if (total_coeff as u32) < max_num_coeff {
        let tz = if N == 4 {
            TOTAL_ZEROS_CHROMA_DC_420_PACKED[(total_coeff << 2 | total_zeros as usize) & 15]
        } else {
            TOTAL_ZEROS_4X4_PACKED[(total_coeff << 4 | total_zeros as usize) & 255]
        };
        debug_assert!(tz >> 16 > 0);
        put_long(
            s,
            (tz >> 16) + runs_len,
            u64::from(tz & 0xFFFF) << runs_len | runs_code,
        );
    } else {
        put_long(s, runs_len, runs_code);
    }

    total_coeff as u8
}

/// The coeff_token table for nC >= 0 (9.2.1).
#[inline(always)]
fn coeff_token_table(nc: i32) -> &'static [Packed; 128] {
    debug_assert!(nc >= 0, "nC {nc}: only chroma DC 4:2:0 has nC < 0");
    let row = COEFF_TOKEN_TABLE_OF_NC[nc.clamp(0, 16) as usize];
    &COEFF_TOKEN_PACKED[usize::from(row) & 3]
}

/// Writes a 16-coefficient 4x4 block (Intra4x4, inter luma, I16x16 DC) in scan order with nC
/// `nc`; returns its TotalCoeff.
#[inline]
pub fn write_block_4x4(w: &mut BitSink<'_>, coeffs: &[i32; 16], nc: i32) -> u8 {
    let mask = nonzero_mask16(coeffs);
    code_block(
        w,
        coeffs,
        mask,
        mask.count_ones(),
        16,
        coeff_token_table(nc),
    )
}

/// [`write_block_4x4`] for a block whose TotalCoeff `count` is known (the analysis counted it
/// for nC, which must agree with the levels): an empty block is its coeff_token alone, found
/// without looking at the levels, and the count need not be taken from them.
#[inline(always)]
pub fn write_block_4x4_counted(w: &mut BitSink<'_>, coeffs: &[i32; 16], nc: i32, count: u8) {
    if count == 0 {
        debug_assert_eq!(nonzero_mask16(coeffs), 0);
        put_packed(w, coeff_token_table(nc)[0]);
    } else {
        let mask = nonzero_mask16(coeffs);
        code_block(w, coeffs, mask, count.into(), 16, coeff_token_table(nc));
    }
}

/// [`write_block_4x4_counted`] for a block whose non-zero mask `mask` (bit `i` for
/// `coeffs[i]`) is known too (the inter analysis has it from quantisation).
#[inline(always)]
pub fn write_block_4x4_masked(
    w: &mut BitSink<'_>,
    coeffs: &[i32; 16],
    nc: i32,
    count: u8,
    mask: u16,
) {
    debug_assert_eq!(u32::from(mask), nonzero_mask16(coeffs));
    if count == 0 {
        put_packed(w, coeff_token_table(nc)[0]);
    } else {
        code_block(
            w,
            coeffs,
            mask.into(),
            count.into(),
            16,
            coeff_token_table(nc),
        );
    }
}

/// Writes the 15 AC levels (scan positions 1..16; `coeffs[0]` is ignored) of a 4x4 block
/// (I16x16 AC, chroma AC) with nC `nc`, whose TotalCoeff `count` is known, as
/// [`write_block_4x4_counted`].
#[inline(always)]
pub fn write_block_ac_counted(w: &mut BitSink<'_>, coeffs: &[i32; 16], nc: i32, count: u8) {
    if count == 0 {
        debug_assert_eq!(nonzero_mask16(coeffs) & !1, 0);
        put_packed(w, coeff_token_table(nc)[0]);
    } else {
        let mask = nonzero_mask16(coeffs) & !1;
        code_block(w, coeffs, mask, count.into(), 15, coeff_token_table(nc));
    }
}

/// Writes a chroma DC block (4:2:0, nC = -1); returns its TotalCoeff.
#[inline]
pub fn write_block_chroma_dc(w: &mut BitSink<'_>, coeffs: &[i32; 4]) -> u8 {
    let mask = nonzero_mask4(coeffs);
    code_block(
        w,
        coeffs,
        mask,
        mask.count_ones(),
        4,
        &COEFF_TOKEN_PACKED[4],
    )
}

/// [`code_block`] for a block given as a slice of maxNumCoeff levels.
fn code_slice<S: Sink>(s: &mut S, coeffs: &[i32], nc: i32) -> u8 {
    match coeffs.len() {
        16 => {
            let c: &[i32; 16] = coeffs.try_into().unwrap();
            let mask = nonzero_mask16(c);
            code_block(s, c, mask, mask.count_ones(), 16, coeff_token_table(nc))
        }
        15 => {
            let mut c = [0i32; 16];
            c[1..].copy_from_slice(coeffs);
            let mask = nonzero_mask16(&c);
            code_block(s, &c, mask, mask.count_ones(), 15, coeff_token_table(nc))
        }
        4 => {
            assert_eq!(nc, -1, "nC -1 goes with chroma DC 4:2:0 only");
            let c: &[i32; 4] = coeffs.try_into().unwrap();
            let mask = nonzero_mask4(c);
            code_block(s, c, mask, mask.count_ones(), 4, &COEFF_TOKEN_PACKED[4])
        }
        n => panic!("maxNumCoeff {n}"),
    }
}

/// Writes one residual block with CAVLC and returns its total_coeff.
///
/// `coeffs` holds the block's levels in scan order and its length is maxNumCoeff: 16 (Intra4x4 /
/// inter luma 4x4), 15 (I16x16 AC and chroma AC: scan positions 1..=15), 4 (chroma DC, 4:2:0).
/// `nc` is nC from 9.2.1 (0.. for luma and chroma AC, -1 for chroma DC). Every level must satisfy
/// |level| <= 2063 (the largest magnitude Baseline can code in every suffixLength state).
/// [`write_block_4x4`], [`write_block_4x4_counted`], [`write_block_ac_counted`] and
/// [`write_block_chroma_dc`] do the same for blocks
/// held in arrays (the encoder uses those; the tests check this one against a decoder).
#[allow(dead_code)]
pub fn write_residual_block(w: &mut BitWriter, coeffs: &[i32], nc: i32) -> u8 {
    w.with_sink(|s| code_slice(s, coeffs, nc))
}

/// The number of bits [`write_residual_block`] would write, without writing them.
// Only the tests call it so far (they check it against what is written); mode decisions with
// exact CAVLC costs (issue 19's slow presets) are its intended users.
#[allow(dead_code)]
pub fn residual_block_bits(coeffs: &[i32], nc: i32) -> u32 {
    let mut counter = BitCounter(0);
    code_slice(&mut counter, coeffs, nc);
    counter.0
}

#[cfg(test)]
mod tests {
    use super::*;

    // ---------------------------------------------------------------------------------------
    // An independent decoder following 9.2 literally.
    // ---------------------------------------------------------------------------------------

    /// MSB-first bit reader that refuses to read past the written bits.
    struct BitReader<'a> {
        bytes: &'a [u8],
        pos: usize,
        end: usize,
    }

    impl<'a> BitReader<'a> {
        fn new(bytes: &'a [u8], end: usize) -> Self {
            BitReader { bytes, pos: 0, end }
        }

        fn bit(&mut self) -> u32 {
            assert!(self.pos < self.end, "read past the end of the written bits");
            let b = (self.bytes[self.pos / 8] >> (7 - self.pos % 8)) & 1;
            self.pos += 1;
            u32::from(b)
        }

        fn bits(&mut self, n: u32) -> u32 {
            (0..n).fold(0, |v, _| (v << 1) | self.bit())
        }
    }

    /// Reads a codeword by growing it one bit at a time until it equals one of `entries`.
    fn read_vlc<T: Copy>(r: &mut BitReader, entries: &[(Vlc, T)]) -> T {
        let (mut len, mut code) = (0u8, 0u16);
        while len < 16 {
            code = (code << 1) | r.bit() as u16;
            len += 1;
            if let Some(&(_, v)) = entries.iter().find(|&&((l, c), _)| l == len && c == code) {
                return v;
            }
        }
        panic!("no codeword matches");
    }

    fn entries_2d<const N: usize>(table: &[[Vlc; N]]) -> Vec<(Vlc, (usize, usize))> {
        let mut out = Vec::new();
        for (i, row) in table.iter().enumerate() {
            for (j, &vlc) in row.iter().enumerate() {
                if vlc.0 > 0 {
                    out.push((vlc, (i, j)));
                }
            }
        }
        out
    }

    /// Decodes residual_block_cavlc (7.3.5.3.2) with the process of 9.2; returns the levels in
    /// scan order and TotalCoeff.
    #[allow(clippy::needless_range_loop)] // indexed like the spec
    fn decode_block(r: &mut BitReader, nc: i32, max_num_coeff: usize) -> (Vec<i32>, usize) {
        // 9.2.1: the coeff_token table by nC (Table 9-5 columns).
        let table: &[[Vlc; 17]; 4] = if nc == -1 {
            &COEFF_TOKEN_CHROMA_DC_420
        } else if nc < 2 {
            &COEFF_TOKEN_NC_0_2
        } else if nc < 4 {
            &COEFF_TOKEN_NC_2_4
        } else if nc < 8 {
            &COEFF_TOKEN_NC_4_8
        } else {
            &COEFF_TOKEN_NC_8_UP
        };
        let (trailing_ones, total_coeff) = read_vlc(r, &entries_2d(table));
        let mut coeff_level = vec![0; max_num_coeff];
        assert!(total_coeff <= max_num_coeff);
        if total_coeff == 0 {
            return (coeff_level, 0);
        }
        // 9.2.2: levels.
        let mut level_val = [0i32; 16];
        let mut suffix_length: u32 = if total_coeff > 10 && trailing_ones < 3 {
            1
        } else {
            0
        };
        for i in 0..total_coeff {
            if i < trailing_ones {
                let trailing_ones_sign_flag = r.bit() as i32;
                level_val[i] = 1 - 2 * trailing_ones_sign_flag;
                continue;
            }
            // 9.2.2.1: level_prefix is the number of leading zero bits.
            let mut level_prefix = 0u32;
            while r.bit() == 0 {
                level_prefix += 1;
            }
            assert!(
                level_prefix <= 15,
                "level_prefix {level_prefix} is not Baseline"
            );
            let level_suffix_size = if level_prefix == 14 && suffix_length == 0 {
                4
            } else if level_prefix >= 15 {
                level_prefix - 3
            } else {
                suffix_length
            };
            let mut level_code = (level_prefix.min(15) << suffix_length) as i32;
            if suffix_length > 0 || level_prefix >= 14 {
                level_code += r.bits(level_suffix_size) as i32;
            }
            if level_prefix >= 15 && suffix_length == 0 {
                level_code += 15;
            }
            if level_prefix >= 16 {
                level_code += (1 << (level_prefix - 3)) - 4096;
            }
            if i == trailing_ones && trailing_ones < 3 {
                level_code += 2;
            }
            level_val[i] = if level_code % 2 == 0 {
                (level_code + 2) >> 1
            } else {
                (-level_code - 1) >> 1
            };
            if suffix_length == 0 {
                suffix_length = 1;
            }
            if level_val[i].abs() > (3 << (suffix_length - 1)) && suffix_length < 6 {
                suffix_length += 1;
            }
        }
        // 9.2.3: total_zeros and run_before.
        let total_zeros = if total_coeff < max_num_coeff {
            let tz_vlc_index = total_coeff;
            let entries: Vec<(Vlc, usize)> = if max_num_coeff == 4 {
                TOTAL_ZEROS_CHROMA_DC_420[tz_vlc_index - 1]
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.0 > 0)
                    .map(|(tz, &v)| (v, tz))
                    .collect()
            } else {
                TOTAL_ZEROS_4X4[tz_vlc_index - 1]
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.0 > 0)
                    .map(|(tz, &v)| (v, tz))
                    .collect()
            };
            read_vlc(r, &entries)
        } else {
            0
        };
        assert!(total_zeros + total_coeff <= max_num_coeff);
        let mut zeros_left = total_zeros;
        let mut run_val = [0usize; 16];
        for run in run_val.iter_mut().take(total_coeff - 1) {
            if zeros_left > 0 {
                let entries: Vec<(Vlc, usize)> = RUN_BEFORE[zeros_left.min(7) - 1]
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.0 > 0)
                    .map(|(rb, &v)| (v, rb))
                    .collect();
                let run_before = read_vlc(r, &entries);
                assert!(run_before <= zeros_left, "run_before exceeds zerosLeft");
                *run = run_before;
            } else {
                *run = 0;
            }
            zeros_left -= *run;
        }
        run_val[total_coeff - 1] = zeros_left;
        // Place the levels from the lowest frequency up.
        let mut coeff_num: isize = -1;
        for i in (0..total_coeff).rev() {
            coeff_num += run_val[i] as isize + 1;
            coeff_level[coeff_num as usize] = level_val[i];
        }
        (coeff_level, total_coeff)
    }

    // ---------------------------------------------------------------------------------------
    // Helpers.
    // ---------------------------------------------------------------------------------------

    fn bit_string(coeffs: &[i32], nc: i32) -> String {
        let mut w = BitWriter::new();
        write_residual_block(&mut w, coeffs, nc);
        let n = w.bit_len();
        w.put_trailing_bits();
        let bytes = w.into_bytes();
        (0..n)
            .map(|i| {
                if (bytes[i / 8] >> (7 - i % 8)) & 1 == 1 {
                    '1'
                } else {
                    '0'
                }
            })
            .collect()
    }

    fn vlc_string((len, code): Vlc) -> String {
        (0..len)
            .rev()
            .map(|i| if (code >> i) & 1 == 1 { '1' } else { '0' })
            .collect()
    }

    /// SplitMix64.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        fn level(&mut self) -> i32 {
            let mag = match self.below(100) {
                0..=59 => 1,
                60..=79 => 2 + self.below(3) as i32,
                80..=91 => 5 + self.below(60) as i32,
                92..=96 => 65 + self.below(1999) as i32,
                _ => MAX_LEVEL - self.below(3) as i32,
            };
            if self.below(2) == 0 {
                mag
            } else {
                -mag
            }
        }

        fn block(&mut self, len: usize) -> Vec<i32> {
            // Densities from all-zero to full, in percent.
            let density = [0, 5, 15, 30, 60, 90, 100][self.below(7) as usize];
            (0..len)
                .map(|_| {
                    if self.below(100) < density {
                        self.level()
                    } else {
                        0
                    }
                })
                .collect()
        }
    }

    const CONFIGS: &[(usize, &[i32])] = &[
        (16, &[0, 1, 2, 3, 4, 5, 7, 8, 9, 16]),
        (15, &[0, 1, 2, 3, 4, 5, 7, 8, 9, 16]),
        (4, &[-1]),
    ];

    /// Writes `coeffs` after `pad` filler bits, checks bits and the round trip; returns the
    /// number of bits of the block.
    fn check_round_trip(coeffs: &[i32], nc: i32, pad: u32) -> u32 {
        let mut w = BitWriter::new();
        w.put_bits(pad, 0b1010_1010 & ((1 << pad) - 1));
        let tc = write_residual_block(&mut w, coeffs, nc);
        let written = (w.bit_len() - pad as usize) as u32;
        let counted = residual_block_bits(coeffs, nc);
        assert_eq!(written, counted, "bit count of {coeffs:?} nC={nc}");
        let expected_tc = coeffs.iter().filter(|&&c| c != 0).count();
        assert_eq!(tc as usize, expected_tc);
        let end = w.bit_len();
        w.put_trailing_bits();
        let bytes = w.into_bytes();
        let mut r = BitReader::new(&bytes, end);
        r.bits(pad);
        let (decoded, dec_tc) = decode_block(&mut r, nc, coeffs.len());
        assert_eq!(decoded, coeffs, "nC={nc}");
        assert_eq!(dec_tc, expected_tc);
        assert_eq!(r.pos, end, "decoder consumed a different number of bits");
        written
    }

    // ---------------------------------------------------------------------------------------
    // Round trips.
    // ---------------------------------------------------------------------------------------

    #[test]
    fn random_blocks_round_trip() {
        let mut rng = Rng(0x5EED_CA71C);
        for &(len, ncs) in CONFIGS {
            for &nc in ncs {
                for i in 0..3000 {
                    let block = rng.block(len);
                    check_round_trip(&block, nc, i % 8);
                }
            }
        }
    }

    #[test]
    fn concatenated_blocks_decode_in_sequence() {
        let mut rng = Rng(42);
        let mut w = BitWriter::new();
        let mut blocks = Vec::new();
        for _ in 0..2000 {
            let (len, ncs) = CONFIGS[rng.below(3) as usize];
            let nc = ncs[rng.below(ncs.len() as u64) as usize];
            let block = rng.block(len);
            write_residual_block(&mut w, &block, nc);
            blocks.push((block, nc));
        }
        let end = w.bit_len();
        w.put_trailing_bits();
        let bytes = w.into_bytes();
        let mut r = BitReader::new(&bytes, end);
        for (block, nc) in &blocks {
            let before = r.pos;
            let (decoded, _) = decode_block(&mut r, *nc, block.len());
            assert_eq!(&decoded, block);
            assert_eq!((r.pos - before) as u32, residual_block_bits(block, *nc));
        }
        assert_eq!(r.pos, end);
    }

    #[test]
    fn structured_blocks_round_trip() {
        for &(len, ncs) in CONFIGS {
            for &nc in ncs {
                let mut cases: Vec<Vec<i32>> = vec![
                    vec![0; len],
                    vec![1; len],
                    vec![-1; len],
                    vec![MAX_LEVEL; len],
                    vec![-MAX_LEVEL; len],
                    (0..len as i32)
                        .map(|i| if i % 2 == 0 { MAX_LEVEL } else { -MAX_LEVEL })
                        .collect(),
                    (0..len as i32)
                        .map(|i| (i + 1) * if i % 3 == 0 { -1 } else { 1 })
                        .collect(),
                    (0..len as i32).map(|i| 1 << (i % 12)).collect(),
                ];
                for pos in 0..len {
                    for v in [1, -1, 2, -2, 3, 15, -16, 100, MAX_LEVEL, -MAX_LEVEL] {
                        let mut b = vec![0; len];
                        b[pos] = v;
                        cases.push(b);
                    }
                }
                // Trailing-ones patterns followed by big levels (the suffixLength 0/1 cases
                // without the first-level reduction are the tightest for the escape).
                for t1 in 0..=4usize.min(len) {
                    for big in [2, 3, 4, 14, 15, 16, 29, 30, 31, 2062, MAX_LEVEL] {
                        for sign in [1, -1] {
                            let mut b = vec![0; len];
                            b[0] = sign * big;
                            if len > t1 + 1 {
                                b[1] = -sign * big;
                            }
                            for (k, x) in b[len - t1..].iter_mut().enumerate() {
                                *x = if k % 2 == 0 { 1 } else { -1 };
                            }
                            cases.push(b);
                        }
                    }
                }
                for b in &cases {
                    check_round_trip(b, nc, 3);
                }
            }
        }
    }

    #[test]
    fn total_coeff_is_returned() {
        let mut w = BitWriter::new();
        assert_eq!(write_residual_block(&mut w, &[0; 16], 0), 0);
        assert_eq!(write_residual_block(&mut w, &[0, 0, 5, 0], -1), 1);
        assert_eq!(write_residual_block(&mut w, &[1; 15], 3), 15);
        assert_eq!(write_residual_block(&mut w, &[-7; 16], 9), 16);
    }

    // ---------------------------------------------------------------------------------------
    // Level range: |level| <= 2063 always fits level_prefix <= 15.
    // ---------------------------------------------------------------------------------------

    #[test]
    fn max_level_fits_prefix_15_in_every_state() {
        for suffix_length in 0..=6 {
            for reduced in [false, true] {
                for level in 1..=MAX_LEVEL {
                    // The reduction only applies to levels with |level| >= 2.
                    if reduced && level == 1 {
                        continue;
                    }
                    for l in [level, -level] {
                        assert!(
                            level_code_fits(level_code(l, reduced), suffix_length),
                            "level {l} suffixLength {suffix_length} reduced {reduced}"
                        );
                    }
                }
            }
        }
        // The bound is tight: at suffixLength 0 and 1 without the reduction, 2064 would need a
        // level_prefix of 16 (levelCode 4126 and 4127 > 30 + 4095).
        for suffix_length in [0, 1] {
            assert!(!level_code_fits(
                level_code(MAX_LEVEL + 1, false),
                suffix_length
            ));
            assert!(!level_code_fits(
                level_code(-MAX_LEVEL - 1, false),
                suffix_length
            ));
        }
        // And the worst case the brief names, suffixLength 0 with the reduction: levelCode of
        // -2063 is 4125 - 2 = 4123 <= 4125.
        assert_eq!(level_code(-MAX_LEVEL, true), 4123);
        assert_eq!(level_code(-MAX_LEVEL, false), 30 + 4095);
        // Both tight states actually occur in the syntax and decode: suffixLength 0 without the
        // reduction (TrailingOnes == 3), and suffixLength 1 without it (a second level after a
        // small first one).
        let sl0: [i32; 16] = [-MAX_LEVEL, 1, -1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let sl1: [i32; 16] = [-MAX_LEVEL, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        for b in [sl0, sl1] {
            check_round_trip(&b, 0, 0);
        }
        // sl0: 0001 1 (coeff_token T1=3 TC=4, nC=0) ... the big level uses prefix 15 and the
        // largest 12-bit suffix.
        let s = bit_string(&sl0, 0);
        // total_zeros 0 at tzVlcIndex 4: "00011".
        assert_eq!(
            s,
            format!(
                "000011{}{}{}{}",
                "010", "0000000000000001", "111111111111", "00011"
            )
        );
        let s = bit_string(&sl1, 0);
        // coeff_token T1=0 TC=2 "00000111"; level 2 reduced: levelCode 0 -> "1"; then
        // suffixLength 1, -2063: levelCode 4125 = 30 + 4095 -> prefix 15, suffix all ones;
        // total_zeros 0 for TC=2: "111".
        assert_eq!(
            s,
            format!(
                "00000111{}{}{}{}",
                "1", "0000000000000001", "111111111111", "111"
            )
        );
    }

    // ---------------------------------------------------------------------------------------
    // Tables: hand-checked codes, prefix-freeness, Kraft sums.
    // ---------------------------------------------------------------------------------------

    #[test]
    fn coeff_token_codes_match_table_9_5() {
        // (table, TrailingOnes, TotalCoeff, code as printed in Table 9-5)
        let cases: &[(&[[Vlc; 17]; 4], usize, usize, &str)] = &[
            (&COEFF_TOKEN_NC_0_2, 0, 0, "1"),
            (&COEFF_TOKEN_NC_0_2, 0, 1, "000101"),
            (&COEFF_TOKEN_NC_0_2, 1, 1, "01"),
            (&COEFF_TOKEN_NC_0_2, 2, 2, "001"),
            (&COEFF_TOKEN_NC_0_2, 3, 3, "00011"),
            (&COEFF_TOKEN_NC_0_2, 3, 5, "0000100"),
            (&COEFF_TOKEN_NC_0_2, 0, 7, "0000000001011"),
            (&COEFF_TOKEN_NC_0_2, 1, 13, "000000000000001"),
            (&COEFF_TOKEN_NC_0_2, 0, 16, "0000000000000100"),
            (&COEFF_TOKEN_NC_0_2, 3, 16, "0000000000001000"),
            (&COEFF_TOKEN_NC_2_4, 0, 0, "11"),
            (&COEFF_TOKEN_NC_2_4, 1, 1, "10"),
            (&COEFF_TOKEN_NC_2_4, 2, 2, "011"),
            (&COEFF_TOKEN_NC_2_4, 3, 4, "0100"),
            (&COEFF_TOKEN_NC_2_4, 0, 5, "00000100"),
            (&COEFF_TOKEN_NC_2_4, 1, 14, "00000000001011"),
            (&COEFF_TOKEN_NC_2_4, 3, 15, "0000000000001"),
            (&COEFF_TOKEN_NC_2_4, 0, 16, "00000000000111"),
            (&COEFF_TOKEN_NC_4_8, 0, 0, "1111"),
            (&COEFF_TOKEN_NC_4_8, 1, 1, "1110"),
            (&COEFF_TOKEN_NC_4_8, 0, 4, "0001111"),
            (&COEFF_TOKEN_NC_4_8, 3, 7, "1000"),
            (&COEFF_TOKEN_NC_4_8, 1, 13, "000000111"),
            (&COEFF_TOKEN_NC_4_8, 0, 16, "0000000001"),
            (&COEFF_TOKEN_NC_4_8, 2, 16, "0000000011"),
            (&COEFF_TOKEN_NC_8_UP, 0, 0, "000011"),
            (&COEFF_TOKEN_NC_8_UP, 0, 1, "000000"),
            (&COEFF_TOKEN_NC_8_UP, 1, 1, "000001"),
            (&COEFF_TOKEN_NC_8_UP, 2, 5, "010010"),
            (&COEFF_TOKEN_NC_8_UP, 3, 16, "111111"),
            (&COEFF_TOKEN_CHROMA_DC_420, 0, 0, "01"),
            (&COEFF_TOKEN_CHROMA_DC_420, 0, 1, "000111"),
            (&COEFF_TOKEN_CHROMA_DC_420, 1, 1, "1"),
            (&COEFF_TOKEN_CHROMA_DC_420, 2, 2, "001"),
            (&COEFF_TOKEN_CHROMA_DC_420, 1, 3, "0000011"),
            (&COEFF_TOKEN_CHROMA_DC_420, 3, 3, "000101"),
            (&COEFF_TOKEN_CHROMA_DC_420, 0, 4, "000010"),
            (&COEFF_TOKEN_CHROMA_DC_420, 3, 4, "0000000"),
        ];
        for &(table, t1, tc, code) in cases {
            assert_eq!(vlc_string(table[t1][tc]), code, "T1={t1} TC={tc}");
        }
        // Impossible combinations have no codeword.
        for (table, max_tc) in [
            (&COEFF_TOKEN_NC_0_2, 16),
            (&COEFF_TOKEN_NC_2_4, 16),
            (&COEFF_TOKEN_NC_4_8, 16),
            (&COEFF_TOKEN_NC_8_UP, 16),
            (&COEFF_TOKEN_CHROMA_DC_420, 4),
        ] {
            for (t1, row) in table.iter().enumerate() {
                for (tc, &vlc) in row.iter().enumerate() {
                    assert_eq!(vlc.0 > 0, t1 <= tc && tc <= max_tc, "T1={t1} TC={tc}");
                }
            }
        }
    }

    #[test]
    fn total_zeros_and_run_before_codes_match_tables() {
        // Tables 9-7 and 9-8: (tzVlcIndex, total_zeros, code).
        let tz: &[(usize, usize, &str)] = &[
            (1, 0, "1"),
            (1, 1, "011"),
            (1, 15, "000000001"),
            (2, 0, "111"),
            (2, 14, "000000"),
            (3, 0, "0101"),
            (3, 6, "100"),
            (4, 0, "00011"),
            (5, 3, "111"),
            (6, 0, "000001"),
            (7, 5, "11"),
            (8, 4, "11"),
            (9, 1, "000000"),
            (10, 6, "0001"),
            (11, 4, "1"),
            (12, 3, "1"),
            (13, 0, "000"),
            (14, 2, "1"),
            (15, 0, "0"),
            (15, 1, "1"),
        ];
        for &(idx, zeros, code) in tz {
            assert_eq!(
                vlc_string(TOTAL_ZEROS_4X4[idx - 1][zeros]),
                code,
                "tz {idx} {zeros}"
            );
            // Every row has exactly 17 - tzVlcIndex codes.
            let n = TOTAL_ZEROS_4X4[idx - 1].iter().filter(|v| v.0 > 0).count();
            assert_eq!(n, 17 - idx);
        }
        // Table 9-9 (a).
        let ctz: &[(usize, usize, &str)] = &[
            (1, 0, "1"),
            (1, 1, "01"),
            (1, 2, "001"),
            (1, 3, "000"),
            (2, 0, "1"),
            (2, 1, "01"),
            (2, 2, "00"),
            (3, 0, "1"),
            (3, 1, "0"),
        ];
        for &(idx, zeros, code) in ctz {
            assert_eq!(vlc_string(TOTAL_ZEROS_CHROMA_DC_420[idx - 1][zeros]), code);
        }
        // Table 9-10: (zerosLeft, run_before, code).
        let rb: &[(usize, usize, &str)] = &[
            (1, 0, "1"),
            (1, 1, "0"),
            (2, 2, "00"),
            (3, 0, "11"),
            (3, 3, "00"),
            (4, 3, "001"),
            (5, 2, "011"),
            (5, 5, "000"),
            (6, 1, "000"),
            (6, 5, "101"),
            (6, 6, "100"),
            (7, 0, "111"),
            (7, 6, "001"),
            (7, 7, "0001"),
            (7, 14, "00000000001"),
        ];
        for &(zl, run, code) in rb {
            assert_eq!(
                vlc_string(RUN_BEFORE[zl - 1][run]),
                code,
                "zerosLeft {zl} run {run}"
            );
        }
    }

    fn assert_prefix_free(name: &str, codes: &[Vlc]) {
        let strings: Vec<String> = codes.iter().map(|&v| vlc_string(v)).collect();
        for (i, a) in strings.iter().enumerate() {
            assert!(!a.is_empty());
            for (j, b) in strings.iter().enumerate() {
                if i != j {
                    assert!(!b.starts_with(a.as_str()), "{name}: {a} is a prefix of {b}");
                }
            }
        }
    }

    /// Kraft sum scaled by 2^16: the number of 16-bit strings the codes cover.
    fn kraft_16(codes: &[Vlc]) -> u32 {
        codes.iter().map(|&(len, _)| 1u32 << (16 - len)).sum()
    }

    fn valid(row: &[Vlc]) -> Vec<Vlc> {
        row.iter().copied().filter(|v| v.0 > 0).collect()
    }

    #[test]
    fn tables_are_prefix_free_with_expected_kraft_sums() {
        // coeff_token: each variable-length column leaves exactly one string unused, all zeros
        // of some length (start-code emulation avoidance); the FLC leaves 000010 and 000111
        // (T1 > TC) unused; nC == -1 is complete. `unused` lists the unused strings.
        type Column = (
            &'static str,
            &'static [[Vlc; 17]; 4],
            usize,
            &'static [&'static str],
        );
        let columns: [Column; 5] = [
            ("0<=nC<2", &COEFF_TOKEN_NC_0_2, 62, &["000000000000000"]),
            ("2<=nC<4", &COEFF_TOKEN_NC_2_4, 62, &["0000000000000"]),
            ("4<=nC<8", &COEFF_TOKEN_NC_4_8, 62, &["0000000000"]),
            ("8<=nC", &COEFF_TOKEN_NC_8_UP, 62, &["000010", "000111"]),
            ("nC=-1", &COEFF_TOKEN_CHROMA_DC_420, 14, &[]),
        ];
        for (name, table, count, unused) in columns {
            let codes: Vec<Vlc> = table.iter().flat_map(|row| valid(row)).collect();
            assert_eq!(codes.len(), count, "{name}");
            assert_prefix_free(name, &codes);
            let unused_16: u32 = unused.iter().map(|u| 1u32 << (16 - u.len())).sum();
            assert_eq!(kraft_16(&codes) + unused_16, 1 << 16, "{name}");
            for u in unused {
                for &v in &codes {
                    let c = vlc_string(v);
                    assert!(
                        !c.starts_with(u) && !u.starts_with(&c),
                        "{name}: {c} overlaps {u}"
                    );
                }
            }
        }
        // total_zeros: complete except tzVlcIndex 1, which never uses 000000000.
        for (i, row) in TOTAL_ZEROS_4X4.iter().enumerate() {
            let codes = valid(row);
            assert_prefix_free("total_zeros", &codes);
            let expected = if i == 0 {
                (1 << 16) - (1 << 7)
            } else {
                1 << 16
            };
            assert_eq!(kraft_16(&codes), expected, "tzVlcIndex {}", i + 1);
        }
        for row in &TOTAL_ZEROS_CHROMA_DC_420 {
            let codes = valid(row);
            assert_prefix_free("total_zeros chroma DC", &codes);
            assert_eq!(kraft_16(&codes), 1 << 16);
        }
        // run_before: complete except zerosLeft > 6, which never uses 00000000000.
        for (i, row) in RUN_BEFORE.iter().enumerate() {
            let codes = valid(row);
            assert_eq!(codes.len(), if i < 6 { i + 2 } else { 15 });
            assert_prefix_free("run_before", &codes);
            let expected = if i == 6 {
                (1 << 16) - (1 << 5)
            } else {
                1 << 16
            };
            assert_eq!(kraft_16(&codes), expected, "zerosLeft {}", i + 1);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Worked examples, derived by hand from the tables.
    // ---------------------------------------------------------------------------------------

    #[test]
    fn textbook_example_block() {
        // The 4x4 block   0  3 -1  0
        //                 0 -1  1  0
        //                 1  0  0  0
        //                 0  0  0  0   in zig-zag order:
        let coeffs = [0, 3, 0, 1, -1, -1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        // TotalCoeff 5, TrailingOnes 3 (1, -1, -1), total_zeros 3. With nC = 0:
        //   coeff_token (3, 5)                         0000100
        //   trailing ones signs +, -, -                011
        //   level 1, suffixLength 0, no reduction:     1          (levelCode 0)
        //   level 3, suffixLength 1:                   0010       (levelCode 4: prefix 2, suffix 0)
        //   total_zeros 3, tzVlcIndex 5:               111
        //   run_before 1 (zerosLeft 3)                 10
        //   run_before 0 (zerosLeft 2)                 1
        //   run_before 0 (zerosLeft 2)                 1
        //   run_before 1 (zerosLeft 2)                 01
        //   the last level's run (1) is implied.
        assert_eq!(bit_string(&coeffs, 0), "000010001110010111101101");
        assert_eq!(residual_block_bits(&coeffs, 0), 24);
        check_round_trip(&coeffs, 0, 5);
    }

    #[test]
    fn hand_computed_blocks() {
        // Chroma DC [-2, 0, 0, 0]: coeff_token (0, 1) for nC = -1 "000111"; -2 with the
        // reduction: levelCode 3 - 2 = 1 -> "01"; total_zeros 0, tzVlcIndex 1 (Table 9-9a) "1".
        assert_eq!(bit_string(&[-2, 0, 0, 0], -1), "000111011");
        // Chroma DC all zero: "01". Full chroma DC [1, -1, 1, 1]: T1 3, TC 4 -> "0000000", signs
        // of scan positions 3, 2, 1: "001", level 1 at position 0 (no reduction, suffixLength 0)
        // "1", no total_zeros, no runs.
        assert_eq!(bit_string(&[0; 4], -1), "01");
        assert_eq!(bit_string(&[1, -1, 1, 1], -1), "00000000011");
        // Empty luma blocks, one per nC column.
        assert_eq!(bit_string(&[0; 16], 0), "1");
        assert_eq!(bit_string(&[0; 15], 2), "11");
        assert_eq!(bit_string(&[0; 16], 4), "1111");
        assert_eq!(bit_string(&[0; 16], 8), "000011");
        // A single 10 first in scan, nC = 0: coeff_token "000101"; levelCode 18 - 2 = 16 at
        // suffixLength 0 -> level_prefix 14 "000000000000001" + 4-bit suffix 2 "0010";
        // total_zeros 0 at tzVlcIndex 1: "1".
        let mut b = [0; 16];
        b[0] = 10;
        assert_eq!(
            bit_string(&b, 0),
            "000101000000000000001".to_string() + "0010" + "1"
        );
        // A single 100: levelCode 196 -> escape, prefix 15 + 12-bit suffix 196 - 30 = 166.
        b[0] = 100;
        assert_eq!(
            bit_string(&b, 0),
            "000101".to_string() + "0000000000000001" + "000010100110" + "1"
        );
        // A single -1 at the last of 15 positions, nC = 16 (FLC): coeff_token "000001", sign
        // "1", total_zeros 14 at tzVlcIndex 1: "000000010".
        let mut b = [0; 15];
        b[14] = -1;
        assert_eq!(bit_string(&b, 16), "0000011000000010");
        // 11 levels of 2 in 16 positions, nC = 5: T1 0, TC 11 -> "000001011"; suffixLength
        // starts at 1; the first 2 is reduced: levelCode 0 -> "1" + "0"; each later 2 has
        // levelCode 2 at suffixLength 1 -> "01" + "0" (|2| never exceeds 3). The 11 levels sit
        // at positions 0..=10, so total_zeros 0 at tzVlcIndex 11: "0000".
        let mut b = [0; 16];
        b[..11].fill(2);
        assert_eq!(
            bit_string(&b, 5),
            "000001011".to_string() + "10" + &"010".repeat(10) + "0000"
        );
        for (coeffs, nc) in [
            (&b[..], 5),
            (&[-2, 0, 0, 0][..], -1),
            (&[1, -1, 1, 1][..], -1),
        ] {
            check_round_trip(coeffs, nc, 1);
        }
    }
}
