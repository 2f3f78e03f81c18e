//! P-frame streams against ffmpeg: moving content of many kinds (sub-sample pans in every
//! direction, vectors that leave the picture, zoom, rotation, scene cuts, noise, a static
//! desktop with a moving cursor, scrolling text), decoded with `-err_detect explode` and compared
//! bit for bit with the reconstruction; plus stream structure and keyframe placement.

mod common;

use common::{check_access_units, check_with_ffmpeg, encode_frames, nal_types, Encoded};
use rtenc::{Config, Encoder, FrameType, Nv12Frame, Preset, Rect};

/// Renders an NV12 frame from a function of continuous picture coordinates returning
/// (Y, U, V); chroma is sampled at the centre of each 2x2 luma block.
fn render(w: u32, h: u32, f: impl Fn(f64, f64) -> (f64, f64, f64)) -> Vec<u8> {
    let (w, h) = (w as usize, h as usize);
    let mut buf = vec![0u8; w * h * 3 / 2];
    for y in 0..h {
        for x in 0..w {
            buf[y * w + x] = f(x as f64, y as f64).0.round().clamp(0.0, 255.0) as u8;
        }
    }
    for y in 0..h / 2 {
        for x in 0..w / 2 {
            let (_, u, v) = f(2.0 * x as f64 + 0.5, 2.0 * y as f64 + 0.5);
            buf[w * h + y * w + 2 * x] = u.round().clamp(0.0, 255.0) as u8;
            buf[w * h + y * w + 2 * x + 1] = v.round().clamp(0.0, 255.0) as u8;
        }
    }
    buf
}

/// A textured "world": smooth shapes, fine texture and sharp edges, defined everywhere.
fn world(x: f64, y: f64) -> (f64, f64, f64) {
    let smooth = 60.0 * (x / 23.0).sin() * (y / 31.0).cos();
    let texture = 25.0 * ((x * 0.9 + y * 0.4).sin() * (y * 0.7 - x * 0.3).cos());
    let edge = if ((x / 40.0).floor() + (y / 40.0).floor()) as i64 % 2 == 0 {
        30.0
    } else {
        -30.0
    };
    let y_ = 128.0 + smooth + texture + edge;
    let u = 128.0 + 40.0 * (x / 50.0).sin();
    let v = 128.0 + 40.0 * (y / 45.0).cos();
    (y_, u, v)
}

fn pan(w: u32, h: u32, n: usize, vx: f64, vy: f64) -> Vec<Vec<u8>> {
    (0..n)
        .map(|t| render(w, h, |x, y| world(x + vx * t as f64, y + vy * t as f64)))
        .collect()
}

fn p_config(w: u32, h: u32, qp: u8) -> Config {
    let mut cfg = Config::new(w, h);
    cfg.qp = Some(qp);
    cfg.gop = 0;
    cfg
}

fn run(name: &str, cfg: &Config, frames: &[Vec<u8>]) -> Encoded {
    let enc = encode_frames(cfg, frames, |_| false);
    assert_eq!(enc.frames.len(), frames.len(), "{name}: 1-in-1-out");
    check_access_units(&enc);
    assert!(enc.frames[0].keyframe, "{name}: first frame must be an IDR");
    assert!(
        enc.frames[1..].iter().all(|f| f.frame_type == FrameType::P),
        "{name}: gop 0 and no forced IDR: all later frames are P"
    );
    check_with_ffmpeg(&enc);
    enc
}

#[test]
fn subsample_pans_in_every_direction() {
    // Quarter- and half-sample velocities in all eight directions plus fast motion that pushes
    // vectors across the picture edge.
    let vels = [
        (0.25, 0.0),
        (-0.5, 0.0),
        (0.0, 0.75),
        (0.0, -1.25),
        (1.5, 0.5),
        (-2.25, 1.75),
        (3.5, -2.5),
        (-0.75, -0.25),
        (9.0, 7.0),
    ];
    for (i, (vx, vy)) in vels.into_iter().enumerate() {
        let frames = pan(176, 144, 6, vx, vy);
        // Every preset in turn: full-, half- and quarter-sample vectors, partitions.
        let mut cfg = p_config(176, 144, 26);
        cfg.preset = Preset::ALL[i % Preset::ALL.len()];
        run(&format!("pan {vx},{vy} {}", cfg.preset), &cfg, &frames);
    }
}

#[test]
fn pans_at_cropped_and_larger_sizes_and_several_qps() {
    for (w, h, qp) in [
        (642, 362, 20),
        (642, 362, 36),
        (320, 240, 0),
        (320, 240, 51),
        (1280, 720, 30),
    ] {
        let frames = pan(w, h, 4, 1.25, -0.75);
        run(&format!("pan {w}x{h} qp{qp}"), &p_config(w, h, qp), &frames);
    }
}

#[test]
fn zoom_and_rotation() {
    let (w, h) = (320, 240);
    let (cx, cy) = (160.0, 120.0);
    let zoom: Vec<_> = (0..6)
        .map(|t| {
            let s = 1.0 + 0.03 * t as f64;
            render(w, h, |x, y| world(cx + (x - cx) / s, cy + (y - cy) / s))
        })
        .collect();
    let realtime = run("zoom", &p_config(w, h, 28), &zoom);
    let mut quality_cfg = p_config(w, h, 28);
    quality_cfg.preset = Preset::Medium;
    let quality = run("zoom, medium", &quality_cfg, &zoom);
    assert_ne!(
        realtime.stream, quality.stream,
        "medium searches partitions: a zoom must make it decide differently"
    );
    let rot: Vec<_> = (0..6)
        .map(|t| {
            let a = 0.02 * t as f64;
            let (s, c) = a.sin_cos();
            render(w, h, |x, y| {
                let (dx, dy) = (x - cx, y - cy);
                world(cx + c * dx - s * dy, cy + s * dx + c * dy)
            })
        })
        .collect();
    run("rotation", &p_config(w, h, 28), &rot);
    run("rotation, medium", &quality_cfg, &rot);
}

#[test]
fn scene_cut_and_noise() {
    let (w, h) = (176, 144);
    let mut frames = pan(w, h, 3, 0.5, 0.5);
    frames.push(rtenc_synth::natural(w, h, 7));
    frames.push(rtenc_synth::natural(w, h, 7));
    frames.push(rtenc_synth::noise(w, h, 1));
    frames.push(rtenc_synth::noise(w, h, 2));
    frames.push(rtenc_synth::text_like(w, h, 3));
    run("scene cut + noise", &p_config(w, h, 24), &frames);
}

/// A static desktop (text, windows) with a small cursor moving over it.
fn desktop_with_cursor(w: u32, h: u32, n: usize) -> Vec<Vec<u8>> {
    let base = rtenc_synth::text_like(w, h, 11);
    (0..n)
        .map(|t| {
            let mut f = base.clone();
            let (cx, cy) = (10 + 7 * t, 20 + 3 * t);
            for y in 0..12usize {
                for x in 0..=y / 2 {
                    let (px, py) = (cx + x, cy + y);
                    if px < w as usize && py < h as usize {
                        f[py * w as usize + px] = 16;
                    }
                }
            }
            f
        })
        .collect()
}

#[test]
fn static_desktop_with_moving_cursor_and_scrolling_text() {
    let (w, h) = (320, 240);
    run("cursor", &p_config(w, h, 26), &desktop_with_cursor(w, h, 8));
    // Scrolling text: the same page moved up by a few lines each frame.
    let page = rtenc_synth::text_like(w, 2 * h, 5);
    let scroll: Vec<_> = (0..8)
        .map(|t| {
            let off = 6 * t;
            let mut f = vec![0u8; (w * h * 3 / 2) as usize];
            let (wu, hu) = (w as usize, h as usize);
            for y in 0..hu {
                f[y * wu..(y + 1) * wu].copy_from_slice(&page[(y + off) * wu..(y + off + 1) * wu]);
            }
            let uv0 = wu * 2 * hu;
            for y in 0..hu / 2 {
                let src = uv0 + (y + off / 2) * wu;
                f[wu * hu + y * wu..wu * hu + (y + 1) * wu].copy_from_slice(&page[src..src + wu]);
            }
            f
        })
        .collect();
    run("scroll", &p_config(w, h, 26), &scroll);
}

/// A page of text scrolled up by whole lines per frame: `offsets[t]` rows at frame `t`.
fn scrolled_page(w: u32, h: u32, offsets: &[usize]) -> Vec<Vec<u8>> {
    let (wu, hu) = (w as usize, h as usize);
    let max = offsets.iter().copied().max().unwrap_or(0);
    let page_h = (hu + max + 1) & !1;
    let page = rtenc_synth::text_like(w, page_h as u32, 9);
    offsets
        .iter()
        .map(|&off| {
            let mut f = vec![0u8; wu * hu * 3 / 2];
            for y in 0..hu {
                f[y * wu..(y + 1) * wu].copy_from_slice(&page[(y + off) * wu..(y + off + 1) * wu]);
            }
            let uv0 = wu * page_h;
            for y in 0..hu / 2 {
                let src = uv0 + (y + off / 2) * wu;
                f[wu * hu + y * wu..wu * hu + (y + 1) * wu].copy_from_slice(&page[src..src + wu]);
            }
            f
        })
        .collect()
}

#[test]
fn scrolls_beyond_the_search_range_are_found_and_decode_exactly() {
    // Text scrolling by 2 to 6 lines of 10 rows a frame, far beyond the +-16 sample search
    // around the usual candidates: the scroll detector proposes the shift, so each P frame
    // codes little more than the lines scrolled in (without it, most of the picture is coded
    // intra, about as big as the IDR).
    let (w, h) = (320, 240);
    let mut offsets = vec![0usize];
    for step in [40, 20, 60, 40, 40, 20, 60] {
        offsets.push(offsets.last().unwrap() + step);
    }
    let frames = scrolled_page(w, h, &offsets);
    let enc = run("long scroll", &p_config(w, h, 26), &frames);
    let idr = enc.frames[0].size();
    for (t, f) in enc.frames.iter().enumerate().skip(1) {
        let step = offsets[t] - offsets[t - 1];
        // The share of the picture scrolled in, plus a margin for the edges and headers.
        let allowed = idr as f64 * (step as f64 / h as f64 + 0.12);
        assert!(
            (f.size() as f64) <= allowed,
            "frame {t} (scroll {step} rows) took {} bytes, IDR {idr}, allowed {allowed:.0}",
            f.size()
        );
    }
}

#[test]
fn static_content_after_an_idr_costs_almost_nothing() {
    let (w, h) = (640, 480);
    let frame = rtenc_synth::natural(w, h, 3);
    let frames = vec![frame; 30];
    let enc = run("static", &p_config(w, h, 26), &frames);
    for (i, f) in enc.frames.iter().enumerate().skip(1) {
        assert!(f.size() <= 32, "static frame {i} took {} bytes", f.size());
    }
    // No breathing: every reconstruction after the IDR equals the IDR's.
    for r in &enc.recons[1..] {
        assert!(
            r == &enc.recons[0],
            "static content changed in the reconstruction"
        );
    }
}

#[test]
fn keyframes_exactly_where_forced_or_due() {
    let (w, h) = (96, 64);
    let frames = pan(w, h, 40, 0.75, 0.25);
    let forced = [5usize, 6, 17, 33];
    let mut cfg = p_config(w, h, 30);
    cfg.gop = 10;
    let enc = encode_frames(&cfg, &frames, |i| forced.contains(&i));
    check_access_units(&enc);
    // Expected IDRs: frame 0, forced frames, and every 10 frames after the last IDR.
    let mut expected = Vec::new();
    let mut since = 0;
    for i in 0..frames.len() {
        let idr = i == 0 || forced.contains(&i) || since >= 10;
        if idr {
            expected.push(i);
            since = 0;
        }
        since += 1;
    }
    let got: Vec<usize> = enc
        .frames
        .iter()
        .enumerate()
        .filter(|(_, f)| f.keyframe)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(got, expected);
    for (i, f) in enc.frames.iter().enumerate() {
        let types = nal_types(&f.data);
        if f.keyframe {
            assert_eq!(types, vec![7, 8, 5], "frame {i}");
        } else {
            assert_eq!(types, vec![1], "frame {i}");
        }
    }
    check_with_ffmpeg(&enc);
}

#[test]
fn a_stream_of_70000_frames_decodes() {
    // frame_num wraps at 2^16 and idr_pic_id keeps alternating: a long stream of tiny frames,
    // with a few IDRs, must decode frame for frame.
    let (w, h) = (16u32, 16u32);
    let mut cfg = p_config(w, h, 30);
    cfg.gop = 0;
    let mut enc = Encoder::new(cfg).unwrap();
    let mut out = Encoded::new(w, h);
    let mut buf = vec![128u8; 16 * 16 * 3 / 2];
    for i in 0..70_000usize {
        // Change a few samples now and then so not every frame is a pure skip.
        if i % 97 == 0 {
            buf[(i / 97) % 256] = (i % 251) as u8;
        }
        let frame = Nv12Frame::from_contiguous(&buf, w, h).unwrap();
        let au = enc.encode(&frame, i == 40_000).unwrap();
        out.push(&enc, au);
    }
    assert_eq!(out.frames.iter().filter(|f| f.keyframe).count(), 2);
    check_with_ffmpeg(&out);
}

#[test]
fn threads_code_one_slice_each_and_decode_exactly() {
    // Pans, a cut and noise at a cropped size, with 2, 3 and 8 threads (8 exceeds the 6
    // macroblock rows of 176x96: one slice per row), and every IDR and P access unit must
    // carry that many slices, each decoding exactly.
    let (w, h) = (176, 96);
    let mut frames = pan(w, h, 4, 1.25, -0.75);
    frames.push(rtenc_synth::noise(w, h, 3));
    frames.extend(pan(w, h, 3, -2.5, 0.5));
    for (threads, slices) in [(2u32, 2usize), (3, 3), (8, 6)] {
        let mut cfg = p_config(w, h, 27);
        cfg.threads = threads;
        cfg.gop = 4;
        let enc = encode_frames(&cfg, &frames, |i| i == 6);
        check_access_units(&enc);
        for (i, au) in enc.frames.iter().enumerate() {
            let slice_nals = nal_types(&au.data)
                .iter()
                .filter(|&&t| t == 1 || t == 5)
                .count();
            assert_eq!(slice_nals, slices, "threads {threads}, frame {i}");
        }
        check_with_ffmpeg(&enc);
    }
}

#[test]
fn a_region_that_changes_then_moves_by_sub_samples_over_a_static_screen() {
    // A static screen where only a blinking cursor in the top-left corner changes (P frames
    // whose other macroblocks are all skipped); in frame 4 a textured window appears further
    // down, and from frame 5 on it moves by sub-sample steps. The encoder recomputes its
    // reference's half-sample planes only in rows that changed: a stale row would show up as a
    // mismatch against ffmpeg once a vector points into the new window.
    let (w, h) = (320, 192);
    let screen = rtenc_synth::text_like(w, h, 9);
    let frame = |t: usize| {
        let mut f = screen.clone();
        if t % 2 == 1 {
            for y in 4..14usize {
                f[y * w as usize + 4..][..3].fill(255);
            }
        }
        if t >= 4 {
            let (vx, vy) = (0.75 * (t - 4) as f64, 0.5 * (t - 4) as f64);
            for y in 70..150usize {
                for x in 90..230usize {
                    let (l, _, _) = world(x as f64 - vx, y as f64 - vy);
                    f[y * w as usize + x] = l.clamp(0.0, 255.0) as u8;
                }
            }
        }
        f
    };
    let frames: Vec<_> = (0..9).map(frame).collect();
    for threads in [1, 2] {
        let mut cfg = p_config(w, h, 24);
        cfg.threads = threads;
        run(
            &format!("window appears then moves, threads {threads}"),
            &cfg,
            &frames,
        );
    }
}

#[test]
fn damage_hints_skip_what_they_exclude_and_change_nothing_when_true() {
    let (w, h) = (240, 160);
    let frames = desktop_with_cursor(w, h, 12);
    let plain = encode_frames(&p_config(w, h, 26), &frames, |_| false);
    // True hints: the cursor's bounding box in this frame and the previous one (16 x 12 at
    // (10 + 7t, 20 + 3t)). The stream must be byte for byte the one without hints.
    let cursor = |t: usize| Rect::new((10 + 7 * t) as u32, (20 + 3 * t) as u32, 8, 12);
    let mut hinted = Encoded::new(w, h);
    let mut enc = Encoder::new(p_config(w, h, 26)).unwrap();
    for (t, data) in frames.iter().enumerate() {
        let f = Nv12Frame::from_contiguous(data, w, h).unwrap();
        let damage = [cursor(t), cursor(t.saturating_sub(1))];
        let au = enc.encode_with_damage(&f, false, &damage).unwrap();
        hinted.push(&enc, au);
    }
    assert!(
        hinted.stream == plain.stream,
        "true damage hints must not change the stream"
    );
    check_with_ffmpeg(&hinted);

    // An empty hint says nothing changed: the moving cursor is ignored (every P frame is the
    // static all-skip picture) and the stream still decodes exactly.
    let mut lied = Encoded::new(w, h);
    let mut enc = Encoder::new(p_config(w, h, 26)).unwrap();
    for data in &frames {
        let f = Nv12Frame::from_contiguous(data, w, h).unwrap();
        let au = enc.encode_with_damage(&f, false, &[]).unwrap();
        lied.push(&enc, au);
    }
    for (t, au) in lied.frames.iter().enumerate().skip(1) {
        assert!(au.data.len() < 16, "frame {t}: {} bytes", au.data.len());
        assert_eq!(
            lied.recons[t], lied.recons[0],
            "frame {t} must repeat the IDR"
        );
    }
    check_with_ffmpeg(&lied);
}

/// A window of text dragged 28 samples a frame across a still page: beyond the search range
/// around the usual candidates, found from the dominant motion of the last picture. The IDR has
/// no motion to offer, so the P frame after a periodic IDR gets the vectors of the last P frame
/// before it: it costs about what the frames before the IDR did, not what the first P frame of
/// the stream (no history at all) costs.
#[test]
fn a_dragged_window_keeps_its_motion_through_a_periodic_idr() {
    let positions: Vec<(usize, usize)> = (0..12).map(|t| (8 + 28 * t, 96)).collect();
    let frames = window_over_page(&positions);
    let mut cfg = Config::new(DRAG_SIZE.0 as u32, DRAG_SIZE.1 as u32);
    cfg.qp = Some(26);
    cfg.gop = 6;
    let enc = encode_frames(&cfg, &frames, |_| false);
    check_access_units(&enc);
    check_with_ffmpeg(&enc);
    assert!(enc.frames[6].keyframe, "periodic IDR at frame 6");
    let size = |i: usize| enc.frames[i].size();
    let before = (2..6).map(size).max().unwrap();
    eprintln!("sizes {:?}", (0..12).map(size).collect::<Vec<_>>());
    assert!(
        size(7) <= 2 * before,
        "the P frame after the IDR took {} bytes, the frames before it at most {before}",
        size(7)
    );
}

/// A window flung across a screen turns whenever the hand does: at each turn the last picture's
/// motion points the wrong way, and a jump of 45-60 samples is beyond where the search walks
/// from its usual candidates on text. The translation detector finds where the changed
/// macroblocks were in the last source, so a turn costs about what a straight move does
/// instead of the window coded intra.
#[test]
fn a_window_flung_in_new_directions_is_found_at_each_turn() {
    // Three legs of three frames: right, down, then up and left; the first move is frame 1.
    let steps = [(58i64, 6i64), (-10, 44), (-60, -40)];
    let mut pos = vec![(120i64, 80i64)];
    for leg in steps {
        for _ in 0..3 {
            let (x, y) = *pos.last().unwrap();
            pos.push((x + leg.0, y + leg.1));
        }
    }
    let positions: Vec<(usize, usize)> =
        pos.iter().map(|&(x, y)| (x as usize, y as usize)).collect();
    let frames = window_over_page(&positions);
    let mut cfg = Config::new(DRAG_SIZE.0 as u32, DRAG_SIZE.1 as u32);
    cfg.qp = Some(26);
    cfg.gop = 0;
    let enc = encode_frames(&cfg, &frames, |_| false);
    check_access_units(&enc);
    check_with_ffmpeg(&enc);
    let sizes: Vec<usize> = enc.frames.iter().map(|f| f.size()).collect();
    eprintln!("sizes {sizes:?}");
    // Measured: P frames 2.4-5.4 kB (mean 3.8) against a 53 kB IDR; without the detector every
    // P frame took 6-9 kB (mean 7.4), the window coded intra.
    let mean_p = sizes[1..].iter().sum::<usize>() / (sizes.len() - 1);
    assert!(
        mean_p <= sizes[0] / 10,
        "P frames took {mean_p} bytes on average, the IDR {}",
        sizes[0]
    );
}

/// Picture size of the dragged-window tests.
const DRAG_SIZE: (usize, usize) = (640, 368);

/// Luma frames (the size of [`DRAG_SIZE`]) of a text page with a 128x112 window of other text
/// whose top-left corner is at each of `positions` in turn.
fn window_over_page(positions: &[(usize, usize)]) -> Vec<Vec<u8>> {
    let (w, h) = DRAG_SIZE;
    let page = rtenc_synth::text_like(w as u32, h as u32, 1);
    let window = rtenc_synth::text_like(w as u32, h as u32, 2);
    let (ww, wh) = (128, 112);
    positions
        .iter()
        .map(|&(x0, y0)| {
            let mut f = page.clone();
            for y in 0..wh {
                let (dst, src) = ((y0 + y) * w + x0, (40 + y) * w + 40);
                f[dst..dst + ww].copy_from_slice(&window[src..src + ww]);
            }
            f
        })
        .collect()
}

/// A page scrolled by whole rows beside a still sidebar, then a textured window moving by
/// sub-samples over the last page: the first part leaves sub-sample refinement (and the
/// half-sample planes) out once it finds nothing, the second needs both again, from planes
/// brought up to date over every row that changed meanwhile (a stale row shows up as a
/// mismatch against ffmpeg).
fn scroll_then_subsample_window(w: u32, h: u32) -> Vec<Vec<u8>> {
    let (wu, hu) = (w as usize, h as usize);
    let sidebar = wu / 4;
    let scrolls = 14;
    let page = rtenc_synth::text_like(w, 2 * h, 5);
    let side = rtenc_synth::text_like(w, h, 6);
    let at = |off: usize| {
        let mut f = side.clone();
        for y in 0..hu {
            let src = &page[(y + off) * wu..(y + off + 1) * wu];
            f[y * wu + sidebar..(y + 1) * wu].copy_from_slice(&src[sidebar..]);
        }
        f
    };
    let mut frames: Vec<_> = (0..scrolls).map(|t| at(3 * t)).collect();
    let last = at(3 * (scrolls - 1));
    for t in 0..12 {
        let mut f = last.clone();
        let (vx, vy) = (0.75 * t as f64, 0.5 * t as f64);
        for y in h as usize / 4..h as usize * 3 / 4 {
            for x in sidebar + 16..wu - 16 {
                let (l, _, _) = world(x as f64 - vx, y as f64 - vy);
                f[y * wu + x] = l.clamp(0.0, 255.0) as u8;
            }
        }
        frames.push(f);
    }
    frames
}

#[test]
fn sub_sample_motion_after_a_whole_sample_scroll_decodes_exactly() {
    let (w, h) = (320, 192);
    let frames = scroll_then_subsample_window(w, h);
    for threads in [1, 2] {
        let mut cfg = p_config(w, h, 24);
        cfg.threads = threads;
        run(
            &format!("scroll, then a sub-sample window, threads {threads}"),
            &cfg,
            &frames,
        );
    }
}
