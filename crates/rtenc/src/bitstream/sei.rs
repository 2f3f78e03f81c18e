//! Supplemental enhancement information: the recovery point SEI message (D.1.8, D.2.8) that
//! announces each intra refresh sweep.

#[cfg(any(test, feature = "parse"))]
use super::parse::BitReader;
use super::writer::{ue_len, BitWriter};

/// payloadType of the recovery point SEI message (7.3.2.3.1, D.1).
pub const RECOVERY_POINT: u32 = 6;

/// The recovery point SEI message's fields (D.1.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoveryPoint {
    /// How many frames (in frame_num, after this one) until the output is exact: 0 means this
    /// very picture.
    pub recovery_frame_cnt: u32,
    /// The pictures at and after the recovery point match those of a decoder that started
    /// earlier exactly (1), or only approximately (0).
    pub exact_match_flag: bool,
    /// Some pictures before the recovery point may be badly broken (after a splice).
    pub broken_link_flag: bool,
    /// changing_slice_group_idc: 0 without slice groups.
    pub changing_slice_group_idc: u8,
}

impl RecoveryPoint {
    /// An exact recovery `recovery_frame_cnt` frames after the picture carrying the message.
    pub fn exact(recovery_frame_cnt: u32) -> Self {
        RecoveryPoint {
            recovery_frame_cnt,
            exact_match_flag: true,
            broken_link_flag: false,
            changing_slice_group_idc: 0,
        }
    }

    /// The SEI RBSP (7.3.2.3) carrying only this message, into `w` (cleared first):
    /// payloadType, payloadSize, the payload with its alignment bits, rbsp_trailing_bits.
    pub fn write_sei_rbsp(&self, w: &mut BitWriter) {
        let payload_bits = ue_len(self.recovery_frame_cnt) + 4;
        let payload_size = payload_bits.div_ceil(8);
        w.clear();
        // Both fit one byte each (payload_size is at most 5).
        w.put_bits(8, RECOVERY_POINT);
        w.put_bits(8, payload_size);
        w.put_ue(self.recovery_frame_cnt);
        w.put_bit(self.exact_match_flag);
        w.put_bit(self.broken_link_flag);
        w.put_bits(2, u32::from(self.changing_slice_group_idc & 3));
        // sei_payload: bit_equal_to_one then zeros up to the byte boundary (D.1.1).
        if !w.is_byte_aligned() {
            w.put_bit(true);
            while !w.is_byte_aligned() {
                w.put_bit(false);
            }
        }
        w.put_trailing_bits();
    }

    /// Reads the recovery point messages of an SEI RBSP (emulation prevention removed);
    /// other messages are skipped. `None` when the RBSP is malformed. Test support, like
    /// `bitstream::parse`: only with the `parse` feature (and in the unit tests).
    #[cfg(any(test, feature = "parse"))]
    pub fn parse_sei_rbsp(rbsp: &[u8]) -> Option<Vec<RecoveryPoint>> {
        let mut out = Vec::new();
        let mut i = 0;
        // Each message: ff bytes then a last byte, for the type and for the size.
        let read_var = |i: &mut usize| -> Option<u32> {
            let mut v = 0u32;
            loop {
                let b = *rbsp.get(*i)?;
                *i += 1;
                v = v.checked_add(u32::from(b))?;
                if b != 0xFF {
                    return Some(v);
                }
            }
        };
        while i < rbsp.len() && rbsp[i] != 0x80 {
            let ptype = read_var(&mut i)?;
            let size = read_var(&mut i)? as usize;
            let payload = rbsp.get(i..i.checked_add(size)?)?;
            i += size;
            if ptype == RECOVERY_POINT {
                let mut r = BitReader::new(payload);
                out.push(RecoveryPoint {
                    recovery_frame_cnt: r.ue().ok()?,
                    exact_match_flag: r.flag().ok()?,
                    broken_link_flag: r.flag().ok()?,
                    changing_slice_group_idc: r.u(2).ok()? as u8,
                });
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_point_round_trips() {
        for cnt in [0u32, 1, 29, 59, 299, 65535] {
            let rp = RecoveryPoint::exact(cnt);
            let mut w = BitWriter::new();
            rp.write_sei_rbsp(&mut w);
            let bytes = w.bytes();
            assert_eq!(bytes[0], 6);
            assert_eq!(
                usize::from(bytes[1]),
                bytes.len() - 3,
                "payload size ({cnt})"
            );
            assert_eq!(*bytes.last().unwrap(), 0x80, "trailing bits");
            assert_eq!(RecoveryPoint::parse_sei_rbsp(bytes), Some(vec![rp]));
        }
        // recovery_frame_cnt 29: ue is 9 bits, + 4 flags = 13 bits, 2 payload bytes:
        // 000011110 1 0 00 then 1 and two zeros to align, then the trailing byte.
        let mut w = BitWriter::new();
        RecoveryPoint::exact(29).write_sei_rbsp(&mut w);
        assert_eq!(w.bytes(), &[6, 2, 0b0000_1111, 0b0100_0100, 0x80]);
    }

    #[test]
    fn malformed_sei_is_refused() {
        assert_eq!(RecoveryPoint::parse_sei_rbsp(&[6, 9, 1]), None);
        assert_eq!(RecoveryPoint::parse_sei_rbsp(&[0xFF]), None);
        assert_eq!(
            RecoveryPoint::parse_sei_rbsp(&[5, 1, 0, 0x80]),
            Some(vec![])
        );
    }
}
