//! An MSB-first bit writer with Exp-Golomb codes (7.2, 9.1).

/// Accumulates bits MSB-first into bytes (the RBSP, before emulation prevention).
#[derive(Debug, Default, Clone)]
pub struct BitWriter {
    buf: Vec<u8>,
    /// Pending bits, right-aligned; `nbits` of them are valid.
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
        debug_assert!(n <= 32);
        debug_assert!(
            n == 32 || value >> n == 0,
            "value {value} does not fit {n} bits"
        );
        if n == 0 {
            return;
        }
        self.acc = (self.acc << n) | u64::from(value);
        self.nbits += n;
        while self.nbits >= 8 {
            self.nbits -= 8;
            self.buf.push((self.acc >> self.nbits) as u8);
        }
        self.acc &= (1u64 << self.nbits) - 1;
    }

    /// Writes one bit.
    #[inline]
    pub fn put_bit(&mut self, bit: bool) {
        self.put_bits(1, bit as u32);
    }

    /// ue(v): unsigned Exp-Golomb (9.1).
    #[inline]
    pub fn put_ue(&mut self, value: u32) {
        let v = u64::from(value) + 1;
        let len = 64 - v.leading_zeros(); // bits in v
        let zeros = len - 1;
        if len <= 32 && zeros + len <= 32 {
            self.put_bits(zeros + len, v as u32);
        } else {
            self.put_bits(zeros, 0);
            if len > 32 {
                self.put_bits(len - 32, (v >> 32) as u32);
                self.put_bits(32, v as u32);
            } else {
                self.put_bits(len, v as u32);
            }
        }
    }

    /// se(v): signed Exp-Golomb (9.1.1): k > 0 maps to 2k - 1, k <= 0 to -2k.
    #[inline]
    pub fn put_se(&mut self, value: i32) {
        let mapped = if value > 0 {
            2 * (value as i64) - 1
        } else {
            -2 * (value as i64)
        };
        self.put_ue(mapped as u32);
    }

    #[cfg(any(test, feature = "internals"))]
    /// Number of bits written so far.
    pub fn bit_len(&self) -> usize {
        self.buf.len() * 8 + self.nbits as usize
    }

    /// Appends every bit `other` holds.
    pub fn append(&mut self, other: &BitWriter) {
        if self.nbits == 0 {
            self.buf.extend_from_slice(&other.buf);
        } else {
            let mut words = other.buf.chunks_exact(4);
            for w in &mut words {
                self.put_bits(32, u32::from_be_bytes([w[0], w[1], w[2], w[3]]));
            }
            for &b in words.remainder() {
                self.put_bits(8, u32::from(b));
            }
        }
        self.put_bits(other.nbits, other.acc as u32);
    }

    /// True when the writer is at a byte boundary.
    pub fn is_byte_aligned(&self) -> bool {
        self.nbits == 0
    }

    /// rbsp_trailing_bits(): a stop bit, then zeros up to the byte boundary (7.3.2.11).
    pub fn put_trailing_bits(&mut self) {
        self.put_bit(true);
        if self.nbits > 0 {
            self.put_bits(8 - self.nbits, 0);
        }
    }

    /// The bytes written; the writer must be byte-aligned.
    pub fn bytes(&self) -> &[u8] {
        debug_assert!(self.is_byte_aligned());
        &self.buf
    }

    #[cfg(any(test, feature = "internals"))]
    /// Consumes the writer and returns its bytes; it must be byte-aligned.
    pub fn into_bytes(self) -> Vec<u8> {
        debug_assert!(self.is_byte_aligned());
        self.buf
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
        for head_bits in 0..12u32 {
            for tail_bits in [0u32, 1, 7, 8, 9, 31, 32, 33, 64, 95, 200] {
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
