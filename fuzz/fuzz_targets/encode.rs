//! A small valid encoder (16..=96 even sizes, cropped or not, fixed QP or a bitrate, 1 to 4
//! slices, every preset) fed arbitrary frames: contents from the fuzz input, padded planes
//! (`Nv12Frame::new` with strides), repeated and partly changed frames, forced IDRs and damage
//! hints (true or false ones). Never panics; the stream decodes in openh264, in-process, and
//! every picture equals the encoder's reconstruction.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rtenc::{Config, Encoder, Nv12Frame, Preset, Rect};

#[path = "../../crates/rtenc/tests/common/oh264.rs"]
mod oh264;

#[derive(Debug, Arbitrary)]
struct Input {
    w: u8,
    h: u8,
    /// Some: a bitrate (scaled), None: a fixed QP.
    bitrate: Option<u16>,
    qp: u8,
    gop: u8,
    threads: u8,
    preset: u8,
    y_pad: u8,
    uv_pad: u8,
    /// The sample source, cycled.
    bytes: Vec<u8>,
    frames: Vec<FrameOp>,
}

#[derive(Debug, Arbitrary)]
enum Content {
    /// The input bytes, from an offset.
    Bytes(u16),
    /// One value everywhere.
    Flat(u8, u8, u8),
    /// The previous frame again.
    Same,
    /// The previous frame with a rectangle filled.
    Patch { x: u8, y: u8, w: u8, h: u8, v: u8 },
    /// The previous frame shifted by (dx, dy).
    Shift(i8, i8),
}

#[derive(Debug, Arbitrary)]
struct FrameOp {
    content: Content,
    force_idr: bool,
    damage: Option<Vec<(u16, u16, u16, u16)>>,
}

fuzz_target!(|input: Input| {
    let width = 16 + 2 * u32::from(input.w % 41);
    let height = 16 + 2 * u32::from(input.h % 41);
    let mut cfg = Config::new(width, height);
    match input.bitrate {
        Some(b) => cfg.bitrate = 2_000 + u32::from(b) * 40,
        None => cfg.qp = Some(input.qp % 52),
    }
    cfg.gop = u32::from(input.gop % 12);
    cfg.threads = 1 + u32::from(input.threads % 4);
    cfg.preset = Preset::ALL[usize::from(input.preset) % Preset::ALL.len()];
    let mut enc = Encoder::new(cfg).expect("a valid config");
    let (w, h) = (width as usize, height as usize);
    let (ys, uvs) = (
        w + usize::from(input.y_pad % 40),
        w + usize::from(input.uv_pad % 40),
    );
    let mut cur = vec![128u8; w * h * 3 / 2]; // contiguous NV12 of the visible picture
    let mut stream = Vec::new();
    let mut recons = Vec::new();
    for op in input.frames.iter().take(10) {
        let prev = cur.clone();
        match op.content {
            Content::Bytes(off) if !input.bytes.is_empty() => {
                let src = &input.bytes;
                for (k, s) in cur.iter_mut().enumerate() {
                    *s = src[(k + usize::from(off)) % src.len()];
                }
            }
            Content::Bytes(_) | Content::Same => {}
            Content::Flat(y, u, v) => {
                cur[..w * h].fill(y);
                for p in cur[w * h..].chunks_exact_mut(2) {
                    p.copy_from_slice(&[u, v]);
                }
            }
            Content::Patch {
                x,
                y,
                w: pw,
                h: ph,
                v,
            } => {
                // A rectangle of one colour: luma v, Cb v, Cr 255 - v (over the chroma
                // samples the rectangle covers).
                let (x, y, pw, ph) = (
                    usize::from(x),
                    usize::from(y),
                    usize::from(pw),
                    usize::from(ph),
                );
                for row in y..(y + ph).min(h) {
                    for col in x..(x + pw).min(w) {
                        cur[row * w + col] = v;
                    }
                }
                for row in y / 2..(y + ph).div_ceil(2).min(h / 2) {
                    for col in x / 2..(x + pw).div_ceil(2).min(w / 2) {
                        let o = w * h + row * w + 2 * col;
                        cur[o] = v;
                        cur[o + 1] = 255 - v;
                    }
                }
            }
            Content::Shift(dx, dy) => {
                for row in 0..h {
                    for col in 0..w {
                        let sr = (row as isize + isize::from(dy)).clamp(0, h as isize - 1);
                        let sc = (col as isize + isize::from(dx)).clamp(0, w as isize - 1);
                        cur[row * w + col] = prev[sr as usize * w + sc as usize];
                    }
                }
            }
        }
        // Padded planes: the padding is garbage that must never be read.
        let mut y_plane = vec![0xA5u8; ys * (h - 1) + w];
        let mut uv_plane = vec![0x5Au8; uvs * (h / 2 - 1) + w];
        for row in 0..h {
            y_plane[row * ys..row * ys + w].copy_from_slice(&cur[row * w..row * w + w]);
        }
        for row in 0..h / 2 {
            let s = w * h + row * w;
            uv_plane[row * uvs..row * uvs + w].copy_from_slice(&cur[s..s + w]);
        }
        let frame = Nv12Frame::new(width, height, &y_plane, ys, &uv_plane, uvs)
            .expect("a well-formed padded frame");
        let au = match &op.damage {
            None => enc.encode(&frame, op.force_idr),
            Some(rects) => {
                let rects: Vec<Rect> = rects
                    .iter()
                    .take(8)
                    .map(|&(x, y, rw, rh)| {
                        // Mostly near the picture, sometimes anywhere in u32.
                        let s = |v: u16| {
                            if v > 0xF000 {
                                u32::from(v) << 16
                            } else {
                                u32::from(v % 128)
                            }
                        };
                        Rect::new(s(x), s(y), s(rw), s(rh))
                    })
                    .collect();
                enc.encode_with_damage(&frame, op.force_idr, &rects)
            }
        }
        .expect("a valid frame encodes");
        assert!(au.qp <= 51);
        stream.extend_from_slice(&au.data);
        let mut r = Vec::new();
        enc.recon().write_i420(w, h, &mut r);
        recons.push(r);
    }
    if let Err(e) = oh264::compare_openh264(&stream, &recons, width, height) {
        panic!("{e}");
    }
});
