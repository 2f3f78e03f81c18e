//! openh264 (Cisco's decoder, compiled from source by the `openh264` crate) as a second,
//! independent, in-process decoder.
//!
//! Self-contained (only `std` and `openh264`), so the fuzz targets include this same file by
//! path. The stream is split into access units (a new one starts at an SEI or SPS, or at a slice whose
//! `first_mb_in_slice` is 0, after a slice), each access unit is handed to
//! `DecodeFrameNoDelay` whole, with error concealment off, and must produce exactly one picture
//! at once: rtenc's streams never hold a frame back.

#![allow(dead_code)] // Each test binary uses a different part of the harness.

use openh264::decoder::{DecodedYUV, Decoder, DecoderConfig, Flush};
use openh264::formats::YUVSource;
use openh264::OpenH264API;

/// One decoded picture: its cropped size and the samples as planar I420.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// Width and height of the cropped picture.
    pub size: (u32, u32),
    /// `w * h` luma samples, then `w/2 * h/2` U, then V.
    pub i420: Vec<u8>,
}

/// Splits an Annex B stream into access units (each still with its start codes).
pub fn access_units(stream: &[u8]) -> Vec<&[u8]> {
    let mut aus = Vec::new();
    let mut au_start = None::<usize>;
    let mut seen_slice = false;
    let mut i = 0;
    while i + 3 <= stream.len() {
        if !(stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1) {
            i += 1;
            continue;
        }
        let code_start = if i > 0 && stream[i - 1] == 0 {
            i - 1
        } else {
            i
        };
        let header = stream.get(i + 3).copied().unwrap_or(0);
        let nal_type = header & 0x1F;
        let is_slice = nal_type == 1 || nal_type == 5;
        // first_mb_in_slice is ue(v): 0 is the single bit '1'.
        let first_mb_zero = is_slice && stream.get(i + 4).is_some_and(|b| b & 0x80 != 0);
        let starts_au = (matches!(nal_type, 6..=9) || first_mb_zero) && seen_slice;
        match au_start {
            None => au_start = Some(code_start),
            Some(s) if starts_au => {
                aus.push(&stream[s..code_start]);
                au_start = Some(code_start);
                seen_slice = false;
            }
            Some(_) => {}
        }
        seen_slice |= is_slice;
        i += 3;
    }
    if let Some(s) = au_start {
        aus.push(&stream[s..]);
    }
    aus
}

fn to_picture(yuv: &DecodedYUV<'_>) -> Picture {
    let (w, h) = yuv.dimensions();
    let (sy, su, sv) = yuv.strides();
    let (cw, ch) = (w / 2, h / 2);
    let mut i420 = Vec::with_capacity(w * h * 3 / 2);
    for row in 0..h {
        i420.extend_from_slice(&yuv.y()[row * sy..row * sy + w]);
    }
    for row in 0..ch {
        i420.extend_from_slice(&yuv.u()[row * su..row * su + cw]);
    }
    for row in 0..ch {
        i420.extend_from_slice(&yuv.v()[row * sv..row * sv + cw]);
    }
    Picture {
        size: (w as u32, h as u32),
        i420,
    }
}

/// Decodes a whole Annex B stream with openh264, one access unit at a time, handing each
/// picture to `each` (with its index) as soon as it is decoded; returns the picture count.
///
/// # Errors
/// A message naming the access unit when openh264 reports a decoding error, returns no picture
/// for an access unit, or still holds pictures at the end; or the first error of `each`.
pub fn decode_openh264_each(
    stream: &[u8],
    mut each: impl FnMut(usize, Picture) -> Result<(), String>,
) -> Result<usize, String> {
    let cfg = DecoderConfig::new().flush_after_decode(Flush::NoFlush);
    let mut dec = Decoder::with_api_config(OpenH264API::from_source(), cfg)
        .map_err(|e| format!("openh264: cannot create a decoder: {e}"))?;
    let aus = access_units(stream);
    for (i, au) in aus.iter().enumerate() {
        let pic = match dec.decode(au) {
            Ok(Some(yuv)) => to_picture(&yuv),
            Ok(None) => {
                return Err(format!(
                    "openh264 returned no picture for access unit {i} ({} bytes) of {}",
                    au.len(),
                    aus.len()
                ))
            }
            Err(e) => {
                return Err(format!(
                    "openh264 failed on access unit {i} ({} bytes) of {}: {e}",
                    au.len(),
                    aus.len()
                ))
            }
        };
        each(i, pic)?;
    }
    let rest = dec
        .flush_remaining()
        .map_err(|e| format!("openh264 failed flushing after the last access unit: {e}"))?;
    if !rest.is_empty() {
        return Err(format!(
            "openh264 held back {} picture(s) until the end of the stream",
            rest.len()
        ));
    }
    Ok(aus.len())
}

/// Decodes a whole Annex B stream with openh264 (see [`decode_openh264_each`]).
///
/// # Errors
/// As [`decode_openh264_each`].
pub fn decode_openh264(stream: &[u8]) -> Result<Vec<Picture>, String> {
    let mut out = Vec::new();
    decode_openh264_each(stream, |_, p| {
        out.push(p);
        Ok(())
    })?;
    Ok(out)
}

/// The first difference between a decoded picture and a reconstruction (both I420 `w` x `h`),
/// as a message naming the plane, the sample, both values and the macroblock; `None` if equal.
pub fn first_difference(decoded: &[u8], recon: &[u8], w: u32, h: u32) -> Option<String> {
    if decoded == recon {
        return None;
    }
    let (w, h) = (w as usize, h as usize);
    if decoded.len() != recon.len() {
        return Some(format!(
            "sizes differ: decoded {} bytes, recon {} bytes",
            decoded.len(),
            recon.len()
        ));
    }
    let (cw, ch) = (w / 2, h / 2);
    let planes = [
        ("Y", 0, w, h, 16),
        ("U", w * h, cw, ch, 8),
        ("V", w * h + cw * ch, cw, ch, 8),
    ];
    let mut msg = String::new();
    for (name, off, pw, ph, mb) in planes {
        let d = &decoded[off..off + pw * ph];
        let r = &recon[off..off + pw * ph];
        let Some(i) = d.iter().zip(r).position(|(a, b)| a != b) else {
            continue;
        };
        let diff = d.iter().zip(r).filter(|(a, b)| a != b).count();
        let (x, y) = (i % pw, i / pw);
        msg.push_str(&format!(
            "\n  plane {name}: {diff} of {} samples differ; first at (x={x}, y={y}): openh264 {} \
             vs recon {}, in macroblock ({}, {})",
            pw * ph,
            d[i],
            r[i],
            x / mb,
            y / mb
        ));
    }
    Some(msg)
}

/// Decodes `stream` with openh264 and compares every picture with `recons` (I420 of `w` x `h`).
///
/// # Errors
/// A message naming the first disagreement: a decoding error, the picture count, a picture's
/// size, or the first differing sample.
pub fn compare_openh264(stream: &[u8], recons: &[Vec<u8>], w: u32, h: u32) -> Result<(), String> {
    let pics = decode_openh264(stream)?;
    if pics.len() != recons.len() {
        return Err(format!(
            "openh264 decoded {} pictures from a stream of {} frames",
            pics.len(),
            recons.len()
        ));
    }
    for (i, (p, r)) in pics.iter().zip(recons).enumerate() {
        if p.size != (w, h) {
            return Err(format!(
                "frame {i}: openh264 output {}x{}, the stream is {w}x{h}",
                p.size.0, p.size.1
            ));
        }
        if let Some(d) = first_difference(&p.i420, r, w, h) {
            return Err(format!(
                "frame {i}: reconstruction differs from openh264's output ({w}x{h}):{d}"
            ));
        }
    }
    Ok(())
}
