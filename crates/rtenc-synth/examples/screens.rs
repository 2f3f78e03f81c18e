//! Writes a few frames of every screen scene as raw NV12 and reports how long rendering takes.
//!
//! ```sh
//! cargo run --release -p rtenc-synth --example screens -- 1920 1080 /tmp/screens
//! ffmpeg -f rawvideo -pix_fmt nv12 -s 1920x1080 -i /tmp/screens/terminal-0040.nv12 t.png
//! ```

use std::time::Instant;

use rtenc_synth::{ScreenKind, ScreenScene};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let w: u32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1920);
    let h: u32 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1080);
    let dir = std::path::PathBuf::from(args.get(3).map_or("screens", String::as_str));
    std::fs::create_dir_all(&dir).expect("create the output directory");
    for kind in ScreenKind::ALL {
        let t = Instant::now();
        let scene = ScreenScene::new(kind, w, h);
        let setup = t.elapsed();
        let t = Instant::now();
        let mut buf = vec![0u8; scene.frame_len()];
        for i in 0..150 {
            scene.render(i, &mut buf);
            if i % 40 == 0 {
                std::fs::write(dir.join(format!("{}-{i:04}.nv12", kind.name())), &buf)
                    .expect("write a frame");
            }
        }
        println!(
            "{:<14} {w}x{h}: setup {:.0} ms, 150 frames in {:.0} ms",
            kind.name(),
            setup.as_secs_f64() * 1000.0,
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
}
