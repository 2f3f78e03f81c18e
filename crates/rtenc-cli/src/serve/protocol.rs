//! The WebSocket protocol of `rtenc serve`.
//!
//! Server to viewer: one binary message per access unit, a fixed header then the Annex B bytes.
//! All integers are big-endian.
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 1 | version, 1 |
//! | 1 | 1 | flags: bit 0 set for an IDR (SPS, PPS and an IDR slice) |
//! | 2 | 2 | header length in bytes (24); the access unit starts there |
//! | 4 | 4 | encode time of this frame in microseconds |
//! | 8 | 8 | frame sequence number: counts every encoded frame, so a gap means dropped frames |
//! | 16 | 8 | capture time: microseconds since the Unix epoch when the source produced the frame |
//! | 24 | .. | one complete H.264 Annex B access unit |
//!
//! Viewer to server: text messages of at most [`MAX_CLIENT_MESSAGE`] bytes holding JSON. The only
//! one is `{"type":"keyframe"}`, a request for an IDR. Anything else (binary messages, other
//! JSON, longer messages) closes that viewer's socket with a close code that says why.

use serde::Deserialize;

/// Version byte of the frame header.
pub const VERSION: u8 = 1;
/// Length of the frame header.
pub const HEADER_LEN: usize = 24;
/// Flag bit: the access unit is an IDR.
pub const FLAG_KEYFRAME: u8 = 1;
/// Longest message a viewer may send, in bytes.
pub const MAX_CLIENT_MESSAGE: usize = 256;

/// One frame message: header and access unit.
pub fn frame_message(
    seq: u64,
    keyframe: bool,
    capture_us: u64,
    encode_us: u32,
    au: &[u8],
) -> Vec<u8> {
    let mut m = Vec::with_capacity(HEADER_LEN + au.len());
    m.push(VERSION);
    m.push(if keyframe { FLAG_KEYFRAME } else { 0 });
    m.extend_from_slice(&(HEADER_LEN as u16).to_be_bytes());
    m.extend_from_slice(&encode_us.to_be_bytes());
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(&capture_us.to_be_bytes());
    m.extend_from_slice(au);
    m
}

/// The header of a frame message, parsed (for tests and tools).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// Sequence number.
    pub seq: u64,
    /// IDR?
    pub keyframe: bool,
    /// Capture time, microseconds since the Unix epoch.
    pub capture_us: u64,
    /// Encode time in microseconds.
    pub encode_us: u32,
    /// Where the access unit starts.
    pub header_len: usize,
}

/// Parses a frame message's header.
#[cfg_attr(not(test), allow(dead_code))]
pub fn parse_frame(m: &[u8]) -> Result<FrameHeader, String> {
    if m.len() < HEADER_LEN {
        return Err(format!(
            "message of {} bytes is shorter than the header",
            m.len()
        ));
    }
    if m[0] != VERSION {
        return Err(format!("unknown version {}", m[0]));
    }
    let header_len = u16::from_be_bytes([m[2], m[3]]) as usize;
    if header_len < HEADER_LEN || header_len > m.len() {
        return Err(format!("bad header length {header_len}"));
    }
    let u64_at = |i: usize| u64::from_be_bytes(m[i..i + 8].try_into().expect("8 bytes"));
    Ok(FrameHeader {
        keyframe: m[1] & FLAG_KEYFRAME != 0,
        encode_us: u32::from_be_bytes(m[4..8].try_into().expect("4 bytes")),
        seq: u64_at(8),
        capture_us: u64_at(16),
        header_len,
    })
}

/// A message from a viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientMessage {
    /// Please send an IDR soon.
    Keyframe,
}

/// Parses a viewer's text message; the error says what is wrong with it.
pub fn parse_client(text: &str) -> Result<ClientMessage, String> {
    if text.len() > MAX_CLIENT_MESSAGE {
        return Err(format!(
            "message of {} bytes exceeds {MAX_CLIENT_MESSAGE}",
            text.len()
        ));
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Raw {
        #[serde(rename = "type")]
        kind: String,
    }
    let raw: Raw = serde_json::from_str(text).map_err(|e| format!("malformed message: {e}"))?;
    match raw.kind.as_str() {
        "keyframe" => Ok(ClientMessage::Keyframe),
        other => Err(format!("unknown message type {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_header_round_trips() {
        let m = frame_message(
            0x0102_0304_0506_0708,
            true,
            1_700_000_000_000_000,
            4321,
            &[0, 0, 0, 1, 0x67],
        );
        assert_eq!(m.len(), HEADER_LEN + 5);
        assert_eq!(&m[..4], &[1, 1, 0, 24]);
        let h = parse_frame(&m).unwrap();
        assert_eq!(
            h,
            FrameHeader {
                seq: 0x0102_0304_0506_0708,
                keyframe: true,
                capture_us: 1_700_000_000_000_000,
                encode_us: 4321,
                header_len: 24
            }
        );
        assert_eq!(&m[h.header_len..], &[0, 0, 0, 1, 0x67]);
        assert!(
            !parse_frame(&frame_message(1, false, 0, 0, &[]))
                .unwrap()
                .keyframe
        );
        assert!(parse_frame(&m[..10]).is_err());
        let mut bad = m.clone();
        bad[0] = 2;
        assert!(parse_frame(&bad).is_err());
    }

    #[test]
    fn client_messages() {
        assert_eq!(
            parse_client(r#"{"type":"keyframe"}"#),
            Ok(ClientMessage::Keyframe)
        );
        assert_eq!(
            parse_client(r#" { "type" : "keyframe" } "#),
            Ok(ClientMessage::Keyframe)
        );
        for bad in [
            "",
            "keyframe",
            "{}",
            r#"{"type":"reboot"}"#,
            r#"{"type":"keyframe","x":1}"#,
            r#"{"type":"keyframe"} trailing"#,
            "[1,2,3]",
        ] {
            assert!(parse_client(bad).is_err(), "{bad:?} accepted");
        }
        let long = format!(r#"{{"type":"keyframe"}}{}"#, " ".repeat(MAX_CLIENT_MESSAGE));
        assert!(parse_client(&long).unwrap_err().contains("exceeds"));
    }
}
