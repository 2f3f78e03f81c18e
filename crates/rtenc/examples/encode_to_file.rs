//! Encodes a few synthetic NV12 frames to an Annex B file, and the encoder's reconstruction to a
//! raw I420 file (what a decoder should output):
//!
//! ```text
//! cargo run --example encode_to_file -- out.h264 [recon.yuv] [WxH] [frames] [qp]
//! ffmpeg -i out.h264 -f rawvideo -pix_fmt yuv420p decoded.yuv && cmp decoded.yuv recon.yuv
//! ```

use std::io::Write;

use rtenc::{Config, Encoder, Nv12Frame};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let out_path = args.get(1).map_or("out.h264", String::as_str);
    let recon_path = args.get(2);
    let (w, h) = match args.get(3) {
        Some(s) => {
            let (a, b) = s.split_once('x').ok_or("size must be WxH")?;
            (a.parse::<u32>()?, b.parse::<u32>()?)
        }
        None => (320, 240),
    };
    let frames: u32 = args.get(4).map_or(Ok(10), |s| s.parse())?;
    let mut cfg = Config::new(w, h);
    if let Some(qp) = args.get(5) {
        cfg.qp = Some(qp.parse()?);
    }
    let mut enc = Encoder::new(cfg)?;
    println!("codec string: {}", enc.codec_string());
    let mut out = std::fs::File::create(out_path)?;
    let mut recon_file = match recon_path {
        Some(p) => Some(std::fs::File::create(p)?),
        None => None,
    };
    let (wu, hu) = (w as usize, h as usize);
    let mut buf = vec![0u8; wu * hu * 3 / 2];
    let mut recon = Vec::new();
    for i in 0..frames {
        // A moving diagonal pattern with a bright square: simple, but it exercises intra and
        // inter coding.
        for y in 0..hu {
            for x in 0..wu {
                let v = ((x + 2 * y + 3 * i as usize) % 64) * 3 + 16;
                let in_square = (x + 4 * i as usize) % wu < 48 && y > hu / 3 && y < hu / 3 + 48;
                buf[y * wu + x] = if in_square { 235 } else { v as u8 };
            }
        }
        for y in 0..hu / 2 {
            for x in 0..wu / 2 {
                buf[wu * hu + y * wu + 2 * x] = (128 + (x as i32 - y as i32) / 4) as u8;
                buf[wu * hu + y * wu + 2 * x + 1] = (128 + ((x + y) % 32) as i32 - 16) as u8;
            }
        }
        let frame = Nv12Frame::from_contiguous(&buf, w, h)?;
        let au = enc.encode(&frame, false)?;
        out.write_all(&au.data)?;
        if let Some(f) = recon_file.as_mut() {
            enc.recon().write_i420(wu, hu, &mut recon);
            f.write_all(&recon)?;
        }
        println!(
            "frame {i}: {:?} qp {} {} bytes",
            au.frame_type,
            au.qp,
            au.size()
        );
    }
    Ok(())
}
