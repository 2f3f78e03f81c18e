//! `rtenc demo`: encodes the built-in animated scene.

use std::io::Write;
use std::path::PathBuf;

use rtenc_synth::DemoScene;

use crate::encode::{self, parse_size, CliResult, FrameSource, RateArgs, Sinks};
use crate::summary::{self, fmt_fps};

/// Arguments of `rtenc demo`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Picture size
    #[arg(long, value_parser = parse_size, default_value = "1280x720")]
    pub size: (u32, u32),
    /// Number of frames
    #[arg(long, default_value_t = 150, value_parser = clap::value_parser!(u64).range(1..))]
    pub frames: u64,
    #[command(flatten)]
    pub rate: RateArgs,
    /// Output H.264 Annex B file, or - for standard output
    #[arg(short, long, default_value = "demo.h264")]
    pub output: String,
    /// Also write the encoder's reconstruction as raw NV12
    #[arg(long)]
    pub recon: Option<PathBuf>,
}

struct SceneSource {
    scene: DemoScene,
    next: u64,
    total: u64,
}

impl FrameSource for SceneSource {
    fn next_frame(&mut self, nv12: &mut Vec<u8>) -> CliResult<bool> {
        if self.next >= self.total {
            return Ok(false);
        }
        nv12.resize(self.scene.frame_len(), 0);
        self.scene.render(self.next, nv12);
        self.next += 1;
        Ok(true)
    }
}

/// `rtenc demo`.
pub fn cmd(args: DemoArgs) -> CliResult<()> {
    let (w, h) = args.size;
    let cfg = args.rate.config(w, h, None);
    // Validate before building the scene: the scene needs even sizes and the error is clearer.
    cfg.validate().map_err(|e| e.to_string())?;
    let fps = cfg.fps;
    let scene = DemoScene::new(w, h).with_fps(fps);
    let mut src = SceneSource {
        scene,
        next: 0,
        total: args.frames,
    };
    let mut out = encode::create_output(&args.output)?;
    let recon_name = args.recon.as_ref().map(|p| p.display().to_string());
    let mut recon = match &recon_name {
        Some(p) => Some(encode::create_output(p)?),
        None => None,
    };
    let pb = summary::progress_bar(Some(args.frames));
    let result = encode::run(
        cfg,
        &mut src,
        Sinks {
            out: (out.as_mut(), &args.output),
            recon: recon.as_mut().map(|r| {
                (
                    r.as_mut() as &mut dyn Write,
                    recon_name.as_deref().unwrap_or(""),
                )
            }),
        },
        None,
        &pb,
    );
    pb.finish_and_clear();
    let stats = result?;
    let to_stderr = args.output == "-";
    summary::report(&stats.summary(), to_stderr);
    if !to_stderr {
        let f = fmt_fps(fps);
        let o = &args.output;
        summary::say(&format!(
            "wrote {o} ({w}x{h}, {} frames at {f} fps, H.264 Annex B)",
            stats.frames()
        ));
        let mp4 = std::path::Path::new(o).with_extension("mp4");
        summary::say(&format!("play it:    ffplay -framerate {f} {o}"));
        summary::say(&format!(
            "or make an MP4 without re-encoding:  ffmpeg -framerate {f} -i {o} -c copy {}",
            mp4.display()
        ));
    }
    Ok(())
}
