//! # rtenc-synth — deterministic synthetic NV12 content
//!
//! Test pictures for rtenc's demo, tests and benchmarks, with no dependencies. Every function
//! returns a contiguous NV12 buffer of `w * h * 3 / 2` bytes (the Y plane, then `h / 2` rows of
//! interleaved U V) for even `w` and `h`; the same arguments always give the same bytes.
//!
//! ```
//! use rtenc_synth::{natural, psnr, Pattern};
//!
//! let a = natural(64, 48, 1);
//! assert_eq!(a.len(), 64 * 48 * 3 / 2);
//! assert_eq!(a, natural(64, 48, 1));
//! assert!(psnr(&a[..64 * 48], &a[..64 * 48]).is_infinite());
//! for p in Pattern::ALL {
//!     assert_eq!(p.generate(32, 16, 0).len(), 32 * 16 * 3 / 2);
//! }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod canvas;
mod demo;
pub mod font;
mod natural;
pub mod rng;
mod screen;
mod text;

pub use canvas::{Canvas, Yuv};
pub use demo::DemoScene;
pub use natural::{fbm, value_noise};
pub use screen::{ScreenKind, ScreenScene};

/// Size in bytes of one contiguous NV12 frame.
pub fn frame_len(w: u32, h: u32) -> usize {
    w as usize * h as usize * 3 / 2
}

fn check(w: u32, h: u32) {
    assert!(
        w > 0 && h > 0 && w.is_multiple_of(2) && h.is_multiple_of(2),
        "NV12 content needs even, non-zero dimensions, got {w}x{h}"
    );
}

/// A uniform picture: every luma sample `y`, every chroma pair (`u`, `v`).
///
/// # Panics
/// On odd or zero dimensions (as every generator here).
pub fn flat(w: u32, h: u32, y: u8, u: u8, v: u8) -> Vec<u8> {
    check(w, h);
    let mut out = vec![0u8; frame_len(w, h)];
    Canvas::new(&mut out, w as usize, h as usize).fill(Yuv::new(y, u, v));
    out
}

/// Luma rising left to right and top to bottom (0 at the top-left, 255 at the bottom-right);
/// Cb rising left to right and Cr top to bottom.
pub fn gradient(w: u32, h: u32) -> Vec<u8> {
    check(w, h);
    let (wu, hu) = (w as usize, h as usize);
    let mut out = vec![0u8; frame_len(w, h)];
    let (ys, uvs) = out.split_at_mut(wu * hu);
    let ramp = |i: usize, n: usize| if n > 1 { i * 255 / (n - 1) } else { 0 };
    for y in 0..hu {
        for x in 0..wu {
            ys[y * wu + x] = ((ramp(x, wu) + ramp(y, hu)) / 2) as u8;
        }
    }
    for cy in 0..hu / 2 {
        for cx in 0..wu / 2 {
            uvs[cy * wu + 2 * cx] = (48 + ramp(cx, wu / 2) * 160 / 255) as u8;
            uvs[cy * wu + 2 * cx + 1] = (208 - ramp(cy, hu / 2) * 160 / 255) as u8;
        }
    }
    out
}

/// Uniformly random samples in every plane (the worst case for any encoder).
pub fn noise(w: u32, h: u32, seed: u64) -> Vec<u8> {
    check(w, h);
    let mut r = rng::Rng::new(seed);
    let mut out = vec![0u8; frame_len(w, h)];
    for chunk in out.chunks_mut(8) {
        let bytes = r.next_u64().to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
    out
}

/// Screen content: sharp black and coloured 5x7 glyphs on a light background, with a title bar,
/// line numbers, a selection and a scrollbar, like a terminal or code editor.
pub fn text_like(w: u32, h: u32, seed: u64) -> Vec<u8> {
    check(w, h);
    let mut out = vec![0u8; frame_len(w, h)];
    text::draw(&mut Canvas::new(&mut out, w as usize, h as usize), seed);
    out
}

/// A natural-looking picture: a procedural landscape (sky gradient, sun, clouds, hazy mountains,
/// textured ground, shaded soft- and hard-edged blobs) built from octave value noise.
pub fn natural(w: u32, h: u32, seed: u64) -> Vec<u8> {
    check(w, h);
    let (wu, hu) = (w as usize, h as usize);
    let mut out = vec![0u8; frame_len(w, h)];
    natural::render(&natural::Landscape::new(wu, hu, seed), wu, hu, &mut out);
    out
}

/// The still content kinds, for test matrices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pattern {
    /// [`flat`] with a grey level, Cb and Cr derived from the seed.
    Flat,
    /// [`gradient`] (the seed is ignored).
    Gradient,
    /// [`noise`].
    Noise,
    /// [`text_like`].
    TextLike,
    /// [`natural`].
    Natural,
}

impl Pattern {
    /// Every pattern, in declaration order.
    pub const ALL: [Pattern; 5] = [
        Pattern::Flat,
        Pattern::Gradient,
        Pattern::Noise,
        Pattern::TextLike,
        Pattern::Natural,
    ];

    /// A short lowercase name, e.g. `text_like`.
    pub fn name(self) -> &'static str {
        match self {
            Pattern::Flat => "flat",
            Pattern::Gradient => "gradient",
            Pattern::Noise => "noise",
            Pattern::TextLike => "text_like",
            Pattern::Natural => "natural",
        }
    }

    /// One picture of this pattern; different seeds give different pictures (except for
    /// [`Pattern::Gradient`]).
    pub fn generate(self, w: u32, h: u32, seed: u64) -> Vec<u8> {
        match self {
            Pattern::Flat => {
                let b = rng::mix(seed).to_le_bytes();
                flat(w, h, b[0], b[1], b[2])
            }
            Pattern::Gradient => gradient(w, h),
            Pattern::Noise => noise(w, h, seed),
            Pattern::TextLike => text_like(w, h, seed),
            Pattern::Natural => natural(w, h, seed),
        }
    }
}

/// Mean squared error between two equally long sample slices.
///
/// # Panics
/// If the lengths differ or are zero.
pub fn mse(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len(), "mse of planes of different sizes");
    assert!(!a.is_empty(), "mse of empty planes");
    let sse: u64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = i64::from(x) - i64::from(y);
            (d * d) as u64
        })
        .sum();
    sse as f64 / a.len() as f64
}

/// PSNR in dB for 8-bit samples from a mean squared error; infinite for 0.
pub fn psnr_from_mse(mse: f64) -> f64 {
    if mse <= 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}

/// PSNR in dB between two equally long planes (contiguous, same layout); infinite when they are
/// identical.
pub fn psnr(a: &[u8], b: &[u8]) -> f64 {
    psnr_from_mse(mse(a, b))
}

/// Sum of squared differences over a `w` x `h` region of two strided planes.
pub fn sse_strided(
    a: &[u8],
    a_stride: usize,
    b: &[u8],
    b_stride: usize,
    w: usize,
    h: usize,
) -> u64 {
    (0..h)
        .map(|y| {
            a[y * a_stride..y * a_stride + w]
                .iter()
                .zip(&b[y * b_stride..y * b_stride + w])
                .map(|(&x, &y)| {
                    let d = i64::from(x) - i64::from(y);
                    (d * d) as u64
                })
                .sum::<u64>()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZES: [(u32, u32); 4] = [(2, 2), (16, 16), (176, 144), (642, 362)];

    #[test]
    fn sizes_are_nv12() {
        for (w, h) in SIZES {
            let n = frame_len(w, h);
            assert_eq!(flat(w, h, 1, 2, 3).len(), n);
            assert_eq!(gradient(w, h).len(), n);
            assert_eq!(noise(w, h, 1).len(), n);
            assert_eq!(text_like(w, h, 1).len(), n);
            assert_eq!(natural(w, h, 1).len(), n);
            assert_eq!(DemoScene::new(w, h).frame(3).len(), n);
        }
    }

    #[test]
    fn deterministic_and_seed_dependent() {
        let (w, h) = (176, 144);
        for p in Pattern::ALL {
            assert_eq!(p.generate(w, h, 5), p.generate(w, h, 5), "{}", p.name());
            if p != Pattern::Gradient {
                assert_ne!(p.generate(w, h, 5), p.generate(w, h, 6), "{}", p.name());
            }
        }
        let a = DemoScene::new(w, h);
        let b = DemoScene::new(w, h);
        assert_eq!(a.frame(17), b.frame(17));
        assert_ne!(a.frame(17), a.frame(18));
        let mut buf = vec![0u8; a.frame_len()];
        a.render(17, &mut buf);
        assert_eq!(buf, a.frame(17));
    }

    #[test]
    fn flat_and_gradient_values() {
        let f = flat(4, 2, 10, 20, 30);
        assert_eq!(f, [10, 10, 10, 10, 10, 10, 10, 10, 20, 30, 20, 30]);
        let (w, h) = (64u32, 32u32);
        let g = gradient(w, h);
        let y = &g[..(w * h) as usize];
        assert_eq!(y[0], 0);
        assert_eq!(y[(w * h - 1) as usize], 255);
        // Monotonic along rows and columns.
        for r in 0..h as usize {
            let row = &y[r * w as usize..(r + 1) * w as usize];
            assert!(row.windows(2).all(|p| p[0] <= p[1]));
        }
    }

    #[test]
    fn content_has_the_expected_character() {
        let (w, h) = (176u32, 144u32);
        let n = (w * h) as usize;
        let hist = |d: &[u8]| {
            let mut hst = [0usize; 256];
            d.iter().for_each(|&v| hst[v as usize] += 1);
            hst
        };
        // Noise uses the whole range roughly uniformly.
        let hn = hist(&noise(w, h, 3)[..n]);
        assert!(hn.iter().all(|&c| c > 0));
        // Text: mostly light background, a visible share of dark ink, few mid tones.
        let t = text_like(w, h, 3);
        let light = t[..n].iter().filter(|&&v| v > 200).count();
        let dark = t[..n].iter().filter(|&&v| v < 60).count();
        assert!(light > n / 2, "light {light}");
        assert!(dark > n / 50, "dark {dark}");
        // Natural: many distinct levels, neighbouring samples mostly close.
        let nat = natural(w, h, 3);
        let levels = hist(&nat[..n]).iter().filter(|&&c| c > 0).count();
        assert!(levels > 60, "natural uses only {levels} levels");
        let smooth = nat[..n]
            .windows(2)
            .filter(|p| p[0].abs_diff(p[1]) < 12)
            .count();
        assert!(
            smooth > n * 8 / 10,
            "natural is not smooth enough: {smooth}"
        );
    }

    #[test]
    fn psnr_basics() {
        let a = [10u8, 20, 30, 40];
        assert!(psnr(&a, &a).is_infinite());
        let b = [11u8, 19, 31, 39];
        assert!((mse(&a, &b) - 1.0).abs() < 1e-12);
        assert!((psnr(&a, &b) - 48.1308).abs() < 1e-3);
        assert_eq!(sse_strided(&a, 2, &b, 2, 2, 2), 4);
        assert_eq!(sse_strided(&a, 2, &b, 2, 1, 2), 2);
    }

    #[test]
    fn demo_scene_moves_and_fits_small_sizes() {
        for (w, h) in [(16, 16), (64, 36), (1280, 720)] {
            let s = DemoScene::new(w, h).with_fps(60.0);
            let (a, b) = (s.frame(0), s.frame(1));
            assert_ne!(a, b);
        }
    }

    #[test]
    #[should_panic(expected = "even")]
    fn odd_sizes_panic() {
        flat(3, 2, 0, 0, 0);
    }
}
