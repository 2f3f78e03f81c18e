//! NAL units in Annex B framing (B.1) with emulation prevention (7.4.1).

/// nal_unit_type values rtenc writes (Table 7-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum NalType {
    /// Coded slice of a non-IDR picture.
    Slice = 1,
    /// Coded slice of an IDR picture.
    IdrSlice = 5,
    /// Supplemental enhancement information (the recovery point of intra refresh).
    Sei = 6,
    /// Sequence parameter set.
    Sps = 7,
    /// Picture parameter set.
    Pps = 8,
}

/// Appends one NAL unit to `out`: a 4-byte start code, the NAL header
/// (forbidden_zero_bit 0, `nal_ref_idc`, `nal_type`), then `rbsp` with emulation prevention:
/// inside the payload every `00 00` followed by a byte <= 3 gets a `03` inserted, and a payload
/// that ends in `00` gets a final `03` (7.4.1.1).
pub fn write_nal(out: &mut Vec<u8>, nal_ref_idc: u8, nal_type: NalType, rbsp: &[u8]) {
    debug_assert!(nal_ref_idc <= 3);
    out.reserve(rbsp.len() + rbsp.len() / 64 + 8);
    out.extend_from_slice(&[0, 0, 0, 1]);
    out.push((nal_ref_idc << 5) | nal_type as u8);
    let mut zeros = 0usize;
    for &b in rbsp {
        if zeros >= 2 && b <= 3 {
            out.push(3);
            zeros = 0;
        }
        out.push(b);
        if b == 0 {
            zeros += 1;
        } else {
            zeros = 0;
        }
    }
    if rbsp.last() == Some(&0) {
        out.push(3);
    }
}

#[cfg(any(test, feature = "internals"))]
/// Splits an Annex B byte stream into NAL units (header byte first, emulation prevention still
/// in place). Accepts 3- and 4-byte start codes.
pub fn split_annex_b(stream: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= stream.len() {
        if stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1 {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut nals = Vec::with_capacity(starts.len());
    for (k, &s) in starts.iter().enumerate() {
        let mut end = if k + 1 < starts.len() {
            starts[k + 1] - 3
        } else {
            stream.len()
        };
        while end > s && stream[end - 1] == 0 {
            end -= 1; // trailing zero bytes belong to the next (4-byte) start code
        }
        nals.push(&stream[s..end]);
    }
    nals
}

#[cfg(any(test, feature = "internals"))]
/// Removes emulation prevention bytes (the inverse of [`write_nal`]'s escaping) from a NAL
/// payload.
pub fn unescape(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len());
    let mut zeros = 0;
    for &b in payload {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        out.push(b);
        zeros = if b == 0 { zeros + 1 } else { 0 };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_start_code_prefixes() {
        let mut out = Vec::new();
        write_nal(
            &mut out,
            3,
            NalType::Sps,
            &[0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 4, 0, 0],
        );
        assert_eq!(
            out,
            vec![0, 0, 0, 1, 0x67, 0, 0, 3, 1, 0, 0, 3, 0, 0, 3, 0, 2, 0, 0, 4, 0, 0, 3]
        );
    }

    #[test]
    fn escape_round_trips_and_never_contains_start_code() {
        let mut seed = 12345u32;
        for _ in 0..200 {
            let len = (seed % 64) as usize;
            let payload: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    [0u8, 0, 0, 1, 2, 3, 0x80][(seed >> 16) as usize % 7]
                })
                .collect();
            let mut out = Vec::new();
            write_nal(&mut out, 0, NalType::Slice, &payload);
            let body = &out[5..];
            for w in body.windows(3) {
                assert!(
                    !(w[0] == 0 && w[1] == 0 && w[2] <= 2),
                    "start code in {body:?}"
                );
            }
            let body_no_tail = if payload.last() == Some(&0) {
                assert_eq!(body.last(), Some(&3));
                &body[..body.len() - 1]
            } else {
                body
            };
            assert_eq!(unescape(body_no_tail), payload);
            let nals = split_annex_b(&out);
            assert_eq!(nals.len(), 1);
        }
    }
}
