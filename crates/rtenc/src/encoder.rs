//! The per-frame pipeline: picks the frame type, runs the macroblock loop, deblocks, writes the
//! access unit and keeps the reference picture.

use crate::config::Config;
use crate::error::Result;
use crate::frame::Nv12Frame;
use crate::picture::Picture;

/// The kind of picture an access unit carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameType {
    /// An IDR picture (I slices; decoding can start here). Preceded by SPS and PPS.
    Idr,
    /// A P picture predicted from the previous frame.
    P,
}

/// One encoded frame: its complete Annex B access unit and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedFrame {
    /// The access unit: start-code-prefixed NAL units (SPS, PPS, slice for IDRs; slice
    /// otherwise).
    pub data: Vec<u8>,
    /// True for IDR pictures.
    pub keyframe: bool,
    /// The picture type.
    pub frame_type: FrameType,
    /// The slice QP.
    pub qp: u8,
    /// Index of this frame in input order, from 0.
    pub index: u64,
}

impl EncodedFrame {
    /// Size of the access unit in bytes.
    pub fn size(&self) -> usize {
        self.data.len()
    }
}

/// A real-time H.264 encoder for one fixed picture size.
pub struct Encoder {
    cfg: Config,
    recon: Picture,
}

impl Encoder {
    /// Validates `cfg` and builds an encoder.
    pub fn new(cfg: Config) -> Result<Self> {
        cfg.validate()?;
        let recon = Picture::new(cfg.mb_width() as usize, cfg.mb_height() as usize, 32);
        Ok(Encoder { cfg, recon })
    }

    /// The configuration this encoder was built with.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Encodes one frame and returns its access unit.
    pub fn encode(&mut self, _frame: &Nv12Frame<'_>, _force_idr: bool) -> Result<EncodedFrame> {
        todo!()
    }

    /// The RFC 6381 codec string of the stream, e.g. `avc1.42C01F`.
    pub fn codec_string(&self) -> String {
        todo!()
    }

    /// The reconstruction of the last encoded frame (what a decoder outputs), macroblock-aligned;
    /// the visible picture is its top-left `width` x `height`.
    pub fn recon(&self) -> &Picture {
        &self.recon
    }

    /// Returns nothing: rtenc never holds a frame back (1-in-1-out).
    pub fn flush(&mut self) -> Result<Vec<EncodedFrame>> {
        Ok(Vec::new())
    }
}
