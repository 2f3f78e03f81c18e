//! The live source (the demo scene, or a file played in a loop) and the encoder thread that
//! encodes it in real time and hands each access unit to the hub.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use rtenc::{Config, Encoder, Nv12Frame};
use rtenc_synth::DemoScene;

use super::hub::Hub;
use super::protocol;
use crate::encode::{self, CliResult, FrameSource};

/// Where frames come from.
pub enum Source {
    /// The animated demo scene, rendered at the frame that is due now.
    Demo(DemoScene),
    /// A Y4M or raw NV12 file, played from the start again at its end.
    File {
        /// The file.
        path: String,
        /// `--size`, for raw NV12.
        size: Option<(u32, u32)>,
    },
}

/// A source being played (in the encoder thread: open files are not `Send`).
struct Playing {
    source: Source,
    file: Option<Box<dyn FrameSource>>,
}

/// An opened source with its picture size and (for Y4M) frame rate.
pub struct Opened {
    /// The source.
    pub source: Source,
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    /// Frame rate from the file's header.
    pub fps: Option<f64>,
}

impl Source {
    /// Opens `spec`: `demo` (of `size`, default 1280x720), or a .y4m or raw NV12 file (raw NV12
    /// needs `size`).
    pub fn open(spec: &str, size: Option<(u32, u32)>) -> CliResult<Opened> {
        if spec == "demo" {
            let (w, h) = size.unwrap_or((1280, 720));
            // The scene needs even sizes; the encoder's validation says the rest.
            if w % 2 != 0 || h % 2 != 0 {
                return Err(format!(
                    "the demo needs an even width and height, got {w}x{h}"
                ));
            }
            return Ok(Opened {
                source: Source::Demo(DemoScene::new(w, h)),
                width: w,
                height: h,
                fps: None,
            });
        }
        if spec == "-" {
            return Err(
                "--source - is not supported: a served file is played in a loop, so it must be \
                 a file"
                    .into(),
            );
        }
        // Opened here to check it and learn its size; the encoder thread opens it again.
        let mut input = encode::open_input(spec, size)?;
        if !input.src.next_frame(&mut Vec::new())? {
            return Err(format!("{spec} holds no complete frame"));
        }
        Ok(Opened {
            source: Source::File {
                path: spec.to_string(),
                size,
            },
            width: input.width,
            height: input.height,
            fps: input.fps,
        })
    }

    /// Sets the demo's motion to `fps`.
    pub fn set_fps(&mut self, fps: f64) {
        if let Source::Demo(scene) = self {
            *scene = scene.clone().with_fps(fps);
        }
    }
}

impl Playing {
    /// Fills `nv12` with the frame for time slot `tick`: the demo renders that very frame (so
    /// it keeps real time when the encoder cannot), a file gives its next frame, looping.
    fn next_frame(&mut self, tick: u64, nv12: &mut Vec<u8>) -> CliResult<()> {
        match &self.source {
            Source::Demo(scene) => {
                nv12.resize(scene.frame_len(), 0);
                scene.render(tick, nv12);
                Ok(())
            }
            Source::File { path, size } => {
                let in_file = |e: String| format!("{path}: {e}");
                if let Some(f) = self.file.as_mut() {
                    if f.next_frame(nv12).map_err(in_file)? {
                        return Ok(());
                    }
                }
                // At the end (or the start): play the file from its beginning.
                let mut f = encode::open_input(path, *size)?.src;
                let got = f.next_frame(nv12).map_err(in_file)?;
                self.file = Some(f);
                if got {
                    Ok(())
                } else {
                    Err(format!("{path} holds no complete frame"))
                }
            }
        }
    }
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// Encodes `source` at `cfg.fps` for as long as there are viewers, until the hub stops. Each
/// frame is due at `start + tick / fps`; when encoding falls behind, the frames that are
/// already late are skipped rather than encoded in a burst.
pub fn run_encoder(cfg: Config, source: Source, hub: Arc<Hub>) -> CliResult<()> {
    let mut source = Playing { source, file: None };
    let (w, h) = (cfg.width, cfg.height);
    let period = Duration::from_secs_f64(1.0 / cfg.fps);
    let mut enc = Encoder::new(cfg).map_err(|e| e.to_string())?;
    let mut nv12 = Vec::with_capacity(w as usize * h as usize * 3 / 2);
    let start = Instant::now();
    let mut tick: u64 = 0;
    let mut seq: u64 = 0;
    loop {
        if hub.viewer_count() == 0 && !hub.wait_for_viewers() {
            return Ok(());
        }
        // Late (after an idle spell, or a slow frame): encode the current tick at once.
        let now_tick = (start.elapsed().as_secs_f64() / period.as_secs_f64()) as u64;
        tick = tick.max(now_tick);
        // Returns at once when the frame is due already, but still notices a stop.
        if !hub.sleep_until(start + period.mul_f64(tick as f64)) {
            return Ok(());
        }
        source.next_frame(tick, &mut nv12)?;
        let capture_us = now_us();
        let frame = Nv12Frame::from_contiguous(&nv12, w, h).map_err(|e| e.to_string())?;
        let force = hub.take_keyframe_request();
        let t0 = Instant::now();
        let au = enc
            .encode(&frame, force)
            .map_err(|e| format!("frame {seq}: {e}"))?;
        let encode_us = t0.elapsed().as_micros().min(u32::MAX as u128) as u32;
        let msg = protocol::frame_message(seq, au.keyframe, capture_us, encode_us, &au.data);
        hub.broadcast(Bytes::from(msg), au.keyframe);
        let c = &hub.counters;
        c.frames_encoded.fetch_add(1, Relaxed);
        c.bytes_encoded.fetch_add(au.data.len() as u64, Relaxed);
        c.last_encode_us.store(u64::from(encode_us), Relaxed);
        if au.keyframe {
            c.keyframes.fetch_add(1, Relaxed);
        }
        if force {
            c.forced_idrs.fetch_add(1, Relaxed);
        }
        seq += 1;
        tick += 1;
    }
}
