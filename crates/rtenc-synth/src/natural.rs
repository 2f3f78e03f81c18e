//! Value noise, fractal sums of it, and a procedural landscape that looks like a photograph to
//! an encoder: smooth gradients, soft and hard edges, fine texture.

use crate::canvas::{rgb_to_yuv, smoothstep, to_u8};
use crate::rng::{hash2, Rng};

/// Smooth value noise in `[0, 1)`: random values on the integer lattice, interpolated with a
/// smoothstep.
pub fn value_noise(x: f32, y: f32, seed: u64) -> f32 {
    let (xf, yf) = (x.floor(), y.floor());
    let (ix, iy) = (xf as i32, yf as i32);
    let (fx, fy) = (x - xf, y - yf);
    let sx = fx * fx * (3.0 - 2.0 * fx);
    let sy = fy * fy * (3.0 - 2.0 * fy);
    let a = hash2(ix, iy, seed);
    let b = hash2(ix + 1, iy, seed);
    let c = hash2(ix, iy + 1, seed);
    let d = hash2(ix + 1, iy + 1, seed);
    let top = a + (b - a) * sx;
    let bottom = c + (d - c) * sx;
    top + (bottom - top) * sy
}

/// Fractal (octave) value noise in `[0, 1)`: `octaves` layers, each twice the frequency and half
/// the amplitude of the one before.
pub fn fbm(x: f32, y: f32, octaves: u32, seed: u64) -> f32 {
    let (mut sum, mut amp, mut norm, mut f) = (0.0, 1.0, 0.0, 1.0);
    for o in 0..octaves {
        sum += amp * value_noise(x * f, y * f, seed.wrapping_add(u64::from(o) * 0x9E37));
        norm += amp;
        amp *= 0.5;
        f *= 2.0;
    }
    sum / norm
}

#[derive(Clone, Copy)]
struct Blob {
    cx: f32,
    cy: f32,
    rx: f32,
    ry: f32,
    edge: f32,
    rgb: [f32; 3],
}

fn lerp3(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// The landscape as an RGB function, in pixel coordinates.
pub(crate) struct Landscape {
    w: f32,
    s: f32,
    seed: u64,
    sky_top: [f32; 3],
    sky_low: [f32; 3],
    far: [f32; 3],
    ground_a: [f32; 3],
    ground_b: [f32; 3],
    sun: (f32, f32, f32),
    blobs: Vec<Blob>,
    horizon: f32,
    far_ridge: Vec<f32>,
    near_ridge: Vec<f32>,
}

impl Landscape {
    pub(crate) fn new(w: usize, h: usize, seed: u64) -> Self {
        let mut r = Rng::new(seed);
        let (wf, hf) = (w as f32, h as f32);
        let s = wf.min(hf);
        let warm = r.float(0.0, 0.25);
        let sky_top = [
            0.15 + warm * 0.5,
            0.3 + warm * 0.3,
            0.65 + r.float(0.0, 0.2),
        ];
        let sky_low = [0.75 + warm, 0.78 + warm * 0.4, 0.85];
        let far = [0.42 + warm * 0.3, 0.48, 0.6];
        let ground_a = [r.float(0.2, 0.35), r.float(0.35, 0.5), r.float(0.1, 0.2)];
        let ground_b = [r.float(0.4, 0.55), r.float(0.3, 0.4), r.float(0.15, 0.25)];
        let horizon = hf * r.float(0.38, 0.55);
        let sun = (
            wf * r.float(0.15, 0.85),
            horizon * r.float(0.2, 0.6),
            s * r.float(0.04, 0.08),
        );
        let ridge = |scale: f32, amp: f32, base: f32, sd: u64| -> Vec<f32> {
            (0..w)
                .map(|x| base - amp * (fbm(x as f32 / s * scale, 0.5, 5, sd) - 0.3))
                .collect()
        };
        let far_ridge = ridge(3.0, hf * 0.25, horizon, seed ^ 0xF00D);
        let near_ridge = ridge(1.5, hf * 0.1, horizon + hf * 0.04, seed ^ 0xBEEF);
        let n = 6 + r.below(6) as usize;
        let blobs = (0..n)
            .map(|_| {
                let rx = s * r.float(0.03, 0.16);
                Blob {
                    cx: r.float(0.0, wf),
                    cy: r.float(horizon + hf * 0.05, hf * 1.05),
                    rx,
                    ry: rx * r.float(0.5, 1.2),
                    edge: if r.chance(0.35) {
                        0.6
                    } else {
                        r.float(1.5, 6.0)
                    },
                    rgb: [r.float(0.1, 0.9), r.float(0.1, 0.8), r.float(0.05, 0.6)],
                }
            })
            .collect();
        Landscape {
            w: wf,
            s,
            seed,
            sky_top,
            sky_low,
            far,
            ground_a,
            ground_b,
            sun,
            blobs,
            horizon,
            far_ridge,
            near_ridge,
        }
    }

    /// Linear RGB-ish colour in `[0, 1]` at pixel centre (x, y).
    pub(crate) fn rgb(&self, x: f32, y: f32) -> [f32; 3] {
        let (s, seed) = (self.s, self.seed);
        let col = (x.max(0.0) as usize).min(self.w as usize - 1);
        let (u, v) = (x / s, y / s);
        let fr = self.far_ridge[col];
        let fa = smoothstep(fr - 1.0, fr + 1.0, y);
        let nr = self.near_ridge[col];
        let ga = smoothstep(nr - 0.7, nr + 0.7, y);
        let mut c = [0.0; 3];
        // Sky: gradient, sun with glow, clouds.
        if fa < 1.0 && ga < 1.0 {
            let t = (y / self.horizon).clamp(0.0, 1.0);
            c = lerp3(self.sky_top, self.sky_low, t.powf(0.7));
            let (sx, sy, sr) = self.sun;
            let d = ((x - sx).powi(2) + (y - sy).powi(2)).sqrt();
            let glow = (1.0 - d / (sr * 5.0)).max(0.0).powi(2) * 0.5;
            c = lerp3(c, [1.0, 0.95, 0.8], glow);
            c = lerp3(c, [1.0, 0.98, 0.9], 1.0 - smoothstep(sr - 1.0, sr + 1.0, d));
            let cloud = fbm(u * 2.0, v * 5.0, 5, seed ^ 0xC10D);
            let ca = smoothstep(0.5, 0.75, cloud) * (1.0 - t * 0.7);
            c = lerp3(c, [0.95, 0.95, 0.97], ca * 0.85);
        }
        // Far mountains, hazy, with a soft edge and some texture.
        if fa > 0.0 && ga < 1.0 {
            let tex = fbm(u * 12.0, v * 12.0, 4, seed ^ 0x3333) - 0.5;
            let m = lerp3(
                self.far,
                self.sky_low,
                ((y - fr) / (s * 0.3)).clamp(0.0, 0.5),
            );
            let m = m.map(|ch| ch * (1.0 + 0.25 * tex));
            c = lerp3(c, m, fa);
        }
        // Near ground: two materials mixed by low-frequency noise, fine texture, darker in front.
        if ga > 0.0 {
            let mixf = smoothstep(0.35, 0.65, fbm(u * 2.5, v * 2.5, 4, seed ^ 0x7777));
            let g = lerp3(self.ground_a, self.ground_b, mixf);
            let depth = ((y - nr) / (s * 0.6)).clamp(0.0, 1.0);
            let f = 8.0 + 40.0 * depth;
            let tex = fbm(u * f, v * f * 2.0, 5, seed ^ 0x5151) - 0.5;
            let g = g.map(|ch| ch * (1.0 + 0.55 * tex) * (1.05 - 0.3 * depth));
            c = lerp3(c, g, ga);
        }
        // Blobs (bushes, rocks): shaded ellipses, some with hard edges.
        for b in &self.blobs {
            let (dx, dy) = ((x - b.cx) / b.rx, (y - b.cy) / b.ry);
            let r2 = dx * dx + dy * dy;
            if r2 > 1.6 {
                continue;
            }
            let dist_px = (r2.sqrt() - 1.0) * b.rx.min(b.ry);
            let a = 1.0 - smoothstep(-b.edge, b.edge, dist_px);
            if a <= 0.0 {
                continue;
            }
            let light = (0.85 - 0.35 * dx - 0.45 * dy).clamp(0.3, 1.3);
            let tex = fbm(x / 3.0, y / 3.0, 3, seed ^ 0xB10B) - 0.5;
            let bc = b.rgb.map(|ch| ch * light * (1.0 + 0.4 * tex));
            c = lerp3(c, bc, a);
        }
        c.map(|ch| ch.clamp(0.0, 1.0))
    }
}

/// Renders `land` into a contiguous NV12 buffer of `w` x `h`, luma per pixel, chroma the average
/// of its 2x2 block.
pub(crate) fn render(land: &Landscape, w: usize, h: usize, out: &mut [u8]) {
    let (ys, uvs) = out.split_at_mut(w * h);
    let mut acc = vec![(0.0f32, 0.0f32); w / 2];
    for y in 0..h {
        for x in 0..w {
            let [r, g, b] = land.rgb(x as f32 + 0.5, y as f32 + 0.5);
            let (yy, u, v) = rgb_to_yuv(r, g, b);
            ys[y * w + x] = to_u8(yy);
            let a = &mut acc[x / 2];
            a.0 += u;
            a.1 += v;
        }
        if y % 2 == 1 {
            let row = &mut uvs[(y / 2) * w..(y / 2 + 1) * w];
            for (cx, a) in acc.iter_mut().enumerate() {
                row[2 * cx] = to_u8(a.0 / 4.0);
                row[2 * cx + 1] = to_u8(a.1 / 4.0);
                *a = (0.0, 0.0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_in_range_and_continuous() {
        for i in 0..200 {
            let x = i as f32 * 0.173 - 10.0;
            let n = value_noise(x, x * 0.7, 5);
            assert!((0.0..1.0).contains(&n));
            let d = (value_noise(x + 1e-3, x * 0.7, 5) - n).abs();
            assert!(d < 0.01, "value noise jumps at {x}");
            assert!((0.0..1.0).contains(&fbm(x, -x, 5, 9)));
        }
    }
}
