//! H.264 access units laid out for a test page: one buffer and a JSON index.

use serde_json::{json, Value};

use crate::Server;

/// Where one access unit lies in [`EncodedStream::data`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkInfo {
    /// Byte offset of the access unit.
    pub offset: usize,
    /// Its length in bytes.
    pub len: usize,
    /// True for IDR access units (WebCodecs `type: "key"`).
    pub key: bool,
    /// Presentation timestamp in microseconds (WebCodecs `timestamp`).
    pub timestamp_us: i64,
}

/// A sequence of access units, concatenated, with an index.
///
/// [`EncodedStream::publish`] serves `{prefix}stream.h264` (the concatenated access units, an
/// Annex B stream) and `{prefix}index.json`:
/// `{"chunks": [{"offset": 0, "len": 1234, "key": true, "timestamp": 0}, ...]}`
/// (timestamps in microseconds), so a page can cut out chunk `i` as
/// `bytes.subarray(offset, offset + len)`.
///
/// ```
/// let mut s = rtenc_browser::EncodedStream::new(25.0);
/// s.push(&[0, 0, 0, 1, 0x67], true);
/// s.push(&[0, 0, 0, 1, 0x41, 1], false);
/// assert_eq!(s.chunks()[1].offset, 5);
/// assert_eq!(s.chunks()[1].timestamp_us, 40_000);
/// assert_eq!(s.index_json()["chunks"][1]["len"], 6);
/// ```
#[derive(Debug, Clone, Default)]
pub struct EncodedStream {
    data: Vec<u8>,
    chunks: Vec<ChunkInfo>,
    fps: f64,
}

impl EncodedStream {
    /// An empty stream whose chunk `i` gets timestamp `round(i * 1e6 / fps)` microseconds.
    pub fn new(fps: f64) -> Self {
        EncodedStream {
            data: Vec::new(),
            chunks: Vec::new(),
            fps,
        }
    }

    /// Appends one access unit.
    pub fn push(&mut self, access_unit: &[u8], key: bool) {
        let i = self.chunks.len() as f64;
        self.chunks.push(ChunkInfo {
            offset: self.data.len(),
            len: access_unit.len(),
            key,
            timestamp_us: (i * 1e6 / self.fps).round() as i64,
        });
        self.data.extend_from_slice(access_unit);
    }

    /// The concatenated access units.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The index.
    pub fn chunks(&self) -> &[ChunkInfo] {
        &self.chunks
    }

    /// The index as JSON (see the type's documentation).
    pub fn index_json(&self) -> Value {
        let chunks: Vec<Value> = self
            .chunks
            .iter()
            .map(|c| json!({"offset": c.offset, "len": c.len, "key": c.key, "timestamp": c.timestamp_us}))
            .collect();
        json!({ "chunks": chunks })
    }

    /// Serves the stream at `{prefix}stream.h264` and the index at `{prefix}index.json`.
    pub fn publish(&self, server: &Server, prefix: &str) {
        server.put(
            &format!("{prefix}stream.h264"),
            "video/h264",
            self.data.clone(),
        );
        server.put(
            &format!("{prefix}index.json"),
            "application/json",
            self.index_json().to_string(),
        );
    }
}
