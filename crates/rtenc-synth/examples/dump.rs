//! Writes every pattern and a few demo frames as raw NV12 files, for looking at them:
//!
//! ```text
//! cargo run -p rtenc-synth --example dump -- 640 360 /tmp/synth
//! ffmpeg -f rawvideo -pix_fmt nv12 -s 640x360 -i /tmp/synth/natural.nv12 natural.png
//! ```

use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let w: u32 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(640);
    let h: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(360);
    let dir = PathBuf::from(args.get(3).map(String::as_str).unwrap_or("synth-out"));
    std::fs::create_dir_all(&dir).expect("create output directory");
    for p in rtenc_synth::Pattern::ALL {
        let path = dir.join(format!("{}.nv12", p.name()));
        std::fs::write(&path, p.generate(w, h, 1)).expect("write");
        println!("{}", path.display());
    }
    let scene = rtenc_synth::DemoScene::new(w, h);
    for i in [0u64, 45, 90] {
        let path = dir.join(format!("demo{i:03}.nv12"));
        std::fs::write(&path, scene.frame(i)).expect("write");
        println!("{}", path.display());
    }
}
