//! An MSB-first bit writer with Exp-Golomb codes (7.2, 9.1).

/// Accumulates bits MSB-first into bytes (the RBSP, before emulation prevention).
///
/// Bits collect in a 64-bit accumulator and go to the buffer 32 at a time; the whole bytes still
/// pending go out when the writer is read ([`BitWriter::bytes`], `into_bytes`),
/// aligned ([`BitWriter::put_trailing_bits`]) or appended to.
#[derive(Debug, Default, Clone)]
pub struct BitWriter {
    buf: Vec<u8>,
    /// Pending bits: the low `nbits` bits of `acc`, the oldest first (the bits above them are
    /// stale). Fewer than 32 between calls.
    acc: u64,
    nbits: u32,
}

impl BitWriter {
    #[cfg(any(test, feature = "internals"))]
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty writer whose buffer can hold `bytes` without reallocating.
    pub fn with_capacity(bytes: usize) -> Self {
        BitWriter {
            buf: Vec::with_capacity(bytes),
            acc: 0,
            nbits: 0,
        }
    }

    /// Empties the writer, keeping its allocation.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.acc = 0;
        self.nbits = 0;
    }

    /// Writes the `n` (0..=32) low bits of `value`, most significant first.
    #[inline]
    pub fn put_bits(&mut self, n: u32, value: u32) {
        self.with_sink(|s| s.put_bits(n, value));
    }

    /// Runs `f` on a [`BitSink`] over this writer: the same writes, with the pending bits held in
    /// locals (registers) for the duration rather than in the writer, which the buffer's growth
    /// could otherwise touch. For runs of many short writes (a macroblock's syntax).
    #[inline(always)]
    pub(crate) fn with_sink<R>(&mut self, f: impl FnOnce(&mut BitSink<'_>) -> R) -> R {
        let mut sink = BitSink {
            acc: self.acc,
            nbits: self.nbits,
            buf: &mut self.buf,
        };
        let r = f(&mut sink);
        let (acc, nbits) = (sink.acc, sink.nbits);
        self.acc = acc;
        self.nbits = nbits;
        r
    }

    /// Moves the whole bytes still pending to the buffer (leaving fewer than 8 bits pending).
    #[inline]
    fn flush_bytes(&mut self) {
        while self.nbits >= 8 {
            self.nbits -= 8;
            self.buf.push((self.acc >> self.nbits) as u8);
        }
    }

    /// The pending bits, right-aligned (without the stale bits above them).
    #[inline]
    fn pending(&self) -> u32 {
        (self.acc & ((1u64 << self.nbits) - 1)) as u32
    }

    /// Writes one bit.
    #[inline]
    pub fn put_bit(&mut self, bit: bool) {
        self.put_bits(1, bit as u32);
    }

    /// ue(v): unsigned Exp-Golomb (9.1).
    #[inline]
    pub fn put_ue(&mut self, value: u32) {
        self.with_sink(|s| s.put_ue(value));
    }

    /// se(v): signed Exp-Golomb (9.1.1): k > 0 maps to 2k - 1, k <= 0 to -2k.
    #[inline]
    pub fn put_se(&mut self, value: i32) {
        self.with_sink(|s| s.put_se(value));
    }

    #[cfg(any(test, feature = "internals"))]
    /// Number of bits written so far.
    pub fn bit_len(&self) -> usize {
        self.buf.len() * 8 + self.nbits as usize
    }

    /// Appends every bit `other` holds.
    pub fn append(&mut self, other: &BitWriter) {
        if self.nbits & 7 == 0 {
            self.flush_bytes();
            self.buf.extend_from_slice(&other.buf);
        } else {
            // `k` pending bits (not a whole number of bytes, fewer than 32): each 8 bytes of
            // `other` go out behind them as one word, their last `k` bits pending in turn.
            let k = self.nbits;
            let mut pending = u64::from(self.pending());
            let mut words = other.buf.chunks_exact(8);
            self.buf.reserve(other.buf.len() + 8);
            for w in &mut words {
                let x = u64::from_be_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
                let out = (pending << (64 - k)) | (x >> k);
                self.buf.extend_from_slice(&out.to_be_bytes());
                pending = x & ((1 << k) - 1);
            }
            self.acc = pending;
            for &b in words.remainder() {
                self.put_bits(8, u32::from(b));
            }
        }
        self.put_bits(other.nbits, other.pending());
    }

    /// True when the writer is at a byte boundary.
    pub fn is_byte_aligned(&self) -> bool {
        self.nbits & 7 == 0
    }

    /// rbsp_trailing_bits(): a stop bit, then zeros up to the byte boundary (7.3.2.11).
    pub fn put_trailing_bits(&mut self) {
        self.put_bit(true);
        self.put_bits(self.nbits.wrapping_neg() & 7, 0);
        self.flush_bytes();
    }

    /// The bytes written; the writer must be byte-aligned.
    pub fn bytes(&mut self) -> &[u8] {
        debug_assert!(self.is_byte_aligned());
        self.flush_bytes();
        &self.buf
    }

    #[cfg(any(test, feature = "internals"))]
    /// Consumes the writer and returns its bytes; it must be byte-aligned.
    pub fn into_bytes(mut self) -> Vec<u8> {
        debug_assert!(self.is_byte_aligned());
        self.flush_bytes();
        self.buf
    }
}

/// A [`BitWriter`] lent by [`BitWriter::with_sink`]: its buffer, and its pending bits as
/// values of its own.
pub(crate) struct BitSink<'a> {
    /// As [`BitWriter`]'s fields.
    acc: u64,
    nbits: u32,
    buf: &'a mut Vec<u8>,
}

impl BitSink<'_> {
    /// Writes the `n` (0..=32) low bits of `value`, most significant first.
    #[inline(always)]
    pub fn put_bits(&mut self, n: u32, value: u32) {
        debug_assert!(n <= 32);
        debug_assert!(
            n == 32 || value >> n == 0,
            "value {value} does not fit {n} bits"
        );
        debug_assert!(self.nbits < 32);
        // At most 31 pending bits and 32 new ones: they fit the accumulator.
        self.acc = (self.acc << n) | u64::from(value);
        self.nbits += n;
        if self.nbits >= 32 {
            self.nbits -= 32;
            let word = (self.acc >> self.nbits) as u32;
            self.buf.extend_from_slice(&word.to_be_bytes());
        }
    }

    /// Writes one bit.
    #[inline(always)]
    pub fn put_bit(&mut self, bit: bool) {
        self.put_bits(1, bit as u32);
    }

    /// ue(v): unsigned Exp-Golomb (9.1).
    #[inline(always)]
    pub fn put_ue(&mut self, value: u32) {
        if value < 0xFFFF {
            // The codeword is `len - 1` zeros then value + 1 in `len` bits: 2 * len - 1 <= 31.
            let v = value + 1;
            let len = 32 - v.leading_zeros();
            self.put_bits(2 * len - 1, v);
        } else {
            self.put_ue_long(value);
        }
    }

    /// ue(v) for values whose codeword exceeds 32 bits or comes close.
    #[cold]
    fn put_ue_long(&mut self, value: u32) {
        let v = u64::from(value) + 1;
        let len = 64 - v.leading_zeros(); // bits in v
        let zeros = len - 1;
        self.put_bits(zeros, 0);
        if len > 32 {
            self.put_bits(len - 32, (v >> 32) as u32);
            self.put_bits(32, v as u32);
        } else {
            self.put_bits(len, v as u32);
        }
    }

    /// se(v): signed Exp-Golomb (9.1.1): k > 0 maps to 2k - 1, k <= 0 to -2k.
    #[inline(always)]
    pub fn put_se(&mut self, value: i32) {
        let mapped = if value > 0 {
            2 * (value as i64) - 1
        } else {
            -2 * (value as i64)
        };
        self.put_ue(mapped as u32);
    }
}

/// Length in bits of ue(v) for `value`.
#[inline]
pub fn ue_len(value: u32) -> u32 {
    let v = u64::from(value) + 1;
    2 * (64 - v.leading_zeros()) - 1
}

/// Length in bits of se(v) for `value` (the motion search's `mvd_bits` is checked against it).
#[cfg(test)]
pub fn se_len(value: i32) -> u32 {
    let mapped = if value > 0 {
        2 * (value as i64) - 1
    } else {
        -2 * (value as i64)
    };
    ue_len(mapped as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits_of(w: &BitWriter) -> String {
        let mut s = String::new();
        for b in &w.buf {
            s.push_str(&format!("{b:08b}"));
        }
        for i in (0..w.nbits).rev() {
            s.push(if (w.acc >> i) & 1 == 1 { '1' } else { '0' });
        }
        s
    }

    #[test]
    fn exp_golomb_codes_match_table_9_2() {
        let cases = [
            (0, "1"),
            (1, "010"),
            (2, "011"),
            (3, "00100"),
            (6, "00111"),
            (7, "0001000"),
        ];
        for (v, code) in cases {
            let mut w = BitWriter::new();
            w.put_ue(v);
            assert_eq!(bits_of(&w), code, "ue({v})");
            assert_eq!(ue_len(v) as usize, code.len());
        }
        let signed = [
            (0, "1"),
            (1, "010"),
            (-1, "011"),
            (2, "00100"),
            (-2, "00101"),
        ];
        for (v, code) in signed {
            let mut w = BitWriter::new();
            w.put_se(v);
            assert_eq!(bits_of(&w), code, "se({v})");
            assert_eq!(se_len(v) as usize, code.len());
        }
    }

    #[test]
    fn large_ue_values_round_trip() {
        for v in [u32::MAX - 1, 1 << 31, 65535, 1 << 20] {
            let mut w = BitWriter::new();
            w.put_ue(v);
            let s = bits_of(&w);
            let zeros = s.find('1').unwrap();
            let value = u64::from_str_radix(&s[zeros..], 2).unwrap() - 1;
            assert_eq!(value, u64::from(v));
            assert_eq!(s.len(), ue_len(v) as usize);
        }
    }

    /// Appending a writer gives the bits of writing both into one, at every alignment of
    /// either.
    #[test]
    fn append_equals_writing_in_one() {
        let mut seed = 7u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            seed >> 8
        };
        for head_bits in 0..72u32 {
            for tail_bits in [0u32, 1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 95, 127, 128, 200] {
                let (mut head, mut tail, mut one) =
                    (BitWriter::new(), BitWriter::new(), BitWriter::new());
                for _ in 0..head_bits {
                    let b = next() & 1;
                    head.put_bits(1, b);
                    one.put_bits(1, b);
                }
                let mut left = tail_bits;
                while left > 0 {
                    let n = left.min(1 + next() % 13);
                    let v = next() & ((1 << n) - 1);
                    tail.put_bits(n, v);
                    one.put_bits(n, v);
                    left -= n;
                }
                head.append(&tail);
                head.put_trailing_bits();
                one.put_trailing_bits();
                assert_eq!(head.bytes(), one.bytes(), "{head_bits} + {tail_bits} bits");
            }
        }
    }

    /// Whole bytes still in the accumulator count as written: a writer aligned by hand (not by
    /// `put_trailing_bits`) shows them all, at every fill of the accumulator.
    #[test]
    fn aligned_writer_shows_every_pending_byte() {
        for bytes in 0..12u32 {
            let mut w = BitWriter::new();
            for i in 0..bytes {
                w.put_bits(5, i & 31);
                w.put_bits(3, 0b101);
            }
            assert!(w.is_byte_aligned());
            assert_eq!(w.bit_len(), 8 * bytes as usize);
            let expected: Vec<u8> = (0..bytes).map(|i| ((i & 31) << 3 | 0b101) as u8).collect();
            assert_eq!(w.bytes(), &expected[..]);
            w.put_bit(true);
            assert!(!w.is_byte_aligned());
            w.put_bits(7, 0);
            assert_eq!(w.clone().into_bytes().len(), bytes as usize + 1);
        }
    }

    #[test]
    fn bits_pack_msb_first_and_trailing_bits_align() {
        let mut w = BitWriter::new();
        w.put_bits(3, 0b101);
        w.put_bits(32, 0xDEAD_BEEF);
        w.put_trailing_bits();
        assert_eq!(w.bytes(), &[0xBB, 0xD5, 0xB7, 0xDD, 0xF0]);
        assert!(w.is_byte_aligned());
        assert_eq!(w.bit_len(), 40);
    }
}
