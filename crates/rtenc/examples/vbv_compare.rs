//! Encodes a raw NV12 clip under rate control and prints the achieved bitrate, mean PSNR-Y and
//! frame sizes: the low-latency measurements of issue 20 (the Python `VtEncoder`'s
//! `low_latency=True` is a VBV of 4 frames' worth of bitrate).
//!
//! ```text
//! cargo run --release --example vbv_compare -- CLIP.nv12 WxH BITRATE GOP VBV_FRAMES [refresh]
//! ```
//!
//! `VBV_FRAMES` is the buffer in frames' worth of bitrate at 30 fps (30 = one second);
//! `refresh` turns intra refresh on.

use rtenc::{Config, Encoder, Nv12Frame};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 6 {
        return Err("usage: vbv_compare CLIP.nv12 WxH BITRATE GOP VBV_FRAMES [refresh]".into());
    }
    let (w, h) = {
        let (a, b) = args[2].split_once('x').ok_or("size must be WxH")?;
        (a.parse::<u32>()?, b.parse::<u32>()?)
    };
    let mut cfg = Config::new(w, h);
    cfg.bitrate = args[3].parse()?;
    cfg.gop = args[4].parse()?;
    let vbv_frames: f64 = args[5].parse()?;
    cfg.vbv_size = Some((f64::from(cfg.bitrate) * vbv_frames / cfg.fps).ceil() as u32);
    cfg.intra_refresh = args.get(6).is_some_and(|a| a == "refresh");
    let data = std::fs::read(&args[1])?;
    let len = w as usize * h as usize * 3 / 2;
    let mut enc = Encoder::new(cfg.clone())?;
    let (mut bytes, mut psnr_sum, mut n) = (0usize, 0.0, 0usize);
    let mut sizes = Vec::new();
    let mut recon = Vec::new();
    for frame in data.chunks_exact(len) {
        let f = Nv12Frame::from_contiguous(frame, w, h)?;
        let au = enc.encode(&f, false)?;
        bytes += au.size();
        sizes.push(au.size());
        recon.clear();
        enc.recon().write_i420(w as usize, h as usize, &mut recon);
        let luma = w as usize * h as usize;
        let sse: f64 = frame[..luma]
            .iter()
            .zip(&recon[..luma])
            .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
            .sum();
        let mse = sse / luma as f64;
        psnr_sum += if mse > 0.0 {
            10.0 * (255.0f64 * 255.0 / mse).log10()
        } else {
            100.0
        };
        n += 1;
        if std::env::var_os("VERBOSE").is_some() {
            eprintln!(
                "{} {:?} qp {} {} bytes psnr {:.2}",
                au.index,
                au.frame_type,
                au.qp,
                au.size(),
                if mse > 0.0 {
                    10.0 * (255.0f64 * 255.0 / mse).log10()
                } else {
                    100.0
                }
            );
        }
    }
    let kbps = bytes as f64 * 8.0 * cfg.fps / n as f64 / 1000.0;
    let mean = bytes as f64 / n as f64;
    let peak = sizes[1..].iter().copied().max().unwrap_or(0) as f64 / mean;
    println!(
        "{}: {n} frames, {kbps:.0} kbit/s ({:.0} % of the target), PSNR-Y {:.2} dB, largest AU \
         after the first {peak:.2}x the mean, vbv {vbv_frames} frames, gop {}, refresh {}",
        args[1],
        100.0 * kbps * 1000.0 / f64::from(cfg.bitrate),
        psnr_sum / n as f64,
        cfg.gop,
        cfg.intra_refresh
    );
    Ok(())
}
