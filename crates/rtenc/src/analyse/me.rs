//! Motion estimation: candidate predictors, an integer hexagon + square search on SAD, then
//! half- and quarter-sample refinement on SATD, all with a lambda x mvd-bits rate term.

use super::cost::{sad, satd};
use crate::common::hpel::RefLuma;
use crate::common::mc::mc_luma;
use crate::common::Mv;
use crate::dsp;
use crate::picture::Plane;
use crate::preset::{SearchParams, Subpel};

/// Bounds for motion vectors, in quarter samples (inclusive).
#[derive(Debug, Clone, Copy)]
pub struct MvLimits {
    /// Smallest horizontal component.
    pub min_x: i32,
    /// Largest horizontal component.
    pub max_x: i32,
    /// Smallest vertical component.
    pub min_y: i32,
    /// Largest vertical component.
    pub max_y: i32,
}

impl MvLimits {
    /// Limits for a block at (x, y) of size w x h in a picture of `pic_w` x `pic_h` luma samples:
    /// the block may reach `margin` samples outside the picture, and the vertical component stays
    /// within the level's `max_vmv` (in whole samples, Table A-1: [-max_vmv, max_vmv - 0.25]).
    #[allow(clippy::too_many_arguments)]
    pub fn for_block(
        x: usize,
        y: usize,
        w: usize,
        h: usize,
        pic_w: usize,
        pic_h: usize,
        margin: i32,
        max_vmv: i32,
    ) -> Self {
        let (x, y, w, h) = (x as i32, y as i32, w as i32, h as i32);
        MvLimits {
            min_x: (-(x + w) - margin + 1).max(-2048) * 4,
            max_x: ((pic_w as i32 - x) + margin - 1).min(2047) * 4,
            min_y: (-(y + h) - margin + 1).max(-max_vmv) * 4,
            max_y: ((pic_h as i32 - y) + margin - 1).min(max_vmv - 1) * 4,
        }
    }

    /// Clamps `mv` into the limits.
    pub fn clamp(&self, mv: Mv) -> Mv {
        Mv::new(
            i32::from(mv.x).clamp(self.min_x, self.max_x) as i16,
            i32::from(mv.y).clamp(self.min_y, self.max_y) as i16,
        )
    }

    fn contains(&self, mv: Mv) -> bool {
        (self.min_x..=self.max_x).contains(&i32::from(mv.x))
            && (self.min_y..=self.max_y).contains(&i32::from(mv.y))
    }
}

/// Bits of the motion vector difference `mv - mvp` (two se(v) codes).
#[inline]
pub fn mvd_bits(mv: Mv, mvp: Mv) -> u32 {
    // se_len(d) = 2 floor(log2(2 |d| + 1)) + 1 (the code number is 2 |d| - 1 or 2 |d|, and
    // ue_len(k) = 2 floor(log2(k + 1)) + 1; 2 |d| + 1 is a power of two only at d = 0), for
    // differences of i16 components, which never overflow.
    let half = |d: i32| (2 * d.unsigned_abs() + 1).ilog2();
    2 * (half(i32::from(mv.x) - i32::from(mvp.x)) + half(i32::from(mv.y) - i32::from(mvp.y))) + 2
}

/// The block being searched: source samples and geometry.
pub struct Block<'a> {
    /// Source samples, row-major, stride `w`.
    pub src: &'a [u8],
    /// Top-left luma position in the picture.
    pub x: usize,
    /// Top-left luma position in the picture.
    pub y: usize,
    /// Width.
    pub w: usize,
    /// Height.
    pub h: usize,
}

/// Result of a search.
#[derive(Debug, Clone, Copy)]
pub struct MeResult {
    /// The chosen vector.
    pub mv: Mv,
    /// SATD + lambda x mvd bits at that vector.
    pub cost: u32,
    /// SATD alone.
    pub satd: u32,
    /// How much the half-sample step lowered the SAD (distortion alone) below the best
    /// full-sample vector's; 0 without sub-sample refinement.
    pub subpel_gain: u32,
    /// The SAD (distortion alone) at the best full-sample vector.
    pub full_sad: u32,
}

/// Full-sample SAD of one block against one reference plane, with the kernel and the block's
/// position looked up once per search rather than per vector.
struct FullSad<'a> {
    blk: &'a Block<'a>,
    refp: &'a Plane,
    kernel: Option<dsp::PixelCmpFn>,
    /// The four-way kernel, when the block is 16x16 and every vector within the search's
    /// limits keeps it within the padded plane (`inside`).
    x4: Option<dsp::SadX4Fn>,
    /// Offset of the block's own position (vector zero) in the padded plane.
    base: isize,
    /// The plane's stride.
    stride: isize,
    /// The full-sample displacements (dx, dy) keeping the block within the padded plane:
    /// `dx_min..=dx_max`, `dy_min..=dy_max`.
    dx: (isize, isize),
    dy: (isize, isize),
    /// Whether every full-sample vector within `limits` keeps the block within the padded
    /// plane (always, with the encoder's padding): then [`Self::offset`] needs no check.
    inside: bool,
    /// The limits every vector searched lies within.
    limits: MvLimits,
}

impl<'a> FullSad<'a> {
    fn new(blk: &'a Block<'a>, refp: &'a Plane, limits: &MvLimits) -> Self {
        let kernels = dsp::kernels();
        let kernel = dsp::BlockSize::from_dims(blk.w, blk.h).map(|s| kernels.sad[s as usize]);
        let (x, y, pad) = (blk.x as isize, blk.y as isize, refp.pad as isize);
        // -pad <= x + dx and x + dx + w <= width + pad; likewise vertically.
        let dx = (-pad - x, refp.width as isize + pad - blk.w as isize - x);
        let dy = (-pad - y, refp.height as isize + pad - blk.h as isize - y);
        let full = |q: i32| (q >> 2) as isize;
        let inside = dx.0 <= full(limits.min_x)
            && full(limits.max_x) <= dx.1
            && dy.0 <= full(limits.min_y)
            && full(limits.max_y) <= dy.1;
        FullSad {
            blk,
            refp,
            kernel,
            x4: (inside && (blk.w, blk.h) == (16, 16)).then_some(kernels.sad16x16_x4),
            base: (y + pad) * refp.stride as isize + x + pad,
            stride: refp.stride as isize,
            dx,
            dy,
            inside,
            limits: *limits,
        }
    }

    /// Offset in the padded plane of the block moved by a full-sample vector (quarter units,
    /// multiple of 4) within `limits` and `inside`.
    #[inline]
    fn offset_inside(&self, mv: Mv) -> usize {
        debug_assert!(self.inside && self.limits.contains(mv));
        (self.base + (mv.y >> 2) as isize * self.stride + (mv.x >> 2) as isize) as usize
    }

    /// Offset of the block moved by a full-sample vector (quarter units, multiple of 4) in the
    /// padded plane, when it lies within (always, for vectors within [`MvLimits`] and the
    /// encoder's padding).
    #[inline]
    fn offset(&self, mv: Mv) -> Option<usize> {
        if self.inside {
            return Some(self.offset_inside(mv));
        }
        let dx = (mv.x >> 2) as isize;
        let dy = (mv.y >> 2) as isize;
        (self.dx.0 <= dx && dx <= self.dx.1 && self.dy.0 <= dy && dy <= self.dy.1)
            .then(|| (self.base + dy * self.stride + dx) as usize)
    }

    /// SAD at a full-sample vector, reading the plane in place when the block lies within it,
    /// else through motion compensation.
    #[inline]
    fn at(&self, mv: Mv, tmp: &mut [u8; 256]) -> u32 {
        let (blk, refp) = (self.blk, self.refp);
        if let Some(o) = self.offset(mv) {
            let r = &refp.data[o..];
            return match self.kernel {
                Some(k) => k(blk.src, blk.w, r, refp.stride),
                None => sad(blk.src, blk.w, r, refp.stride, blk.w, blk.h),
            };
        }
        mc_luma(
            refp,
            blk.x as i32,
            blk.y as i32,
            mv,
            blk.w,
            blk.h,
            &mut tmp[..],
        );
        sad(blk.src, blk.w, &tmp[..], blk.w, blk.w, blk.h)
    }

    /// SADs at four full-sample vectors: one pass of the four-way kernel for a 16x16 block
    /// within the plane, else one at a time.
    #[inline]
    fn at4(&self, mvs: [Mv; 4], tmp: &mut [u8; 256]) -> [u32; 4] {
        let p = &self.refp.data;
        if let Some(x4) = self.x4 {
            let refs = [
                &p[self.offset_inside(mvs[0])..],
                &p[self.offset_inside(mvs[1])..],
                &p[self.offset_inside(mvs[2])..],
                &p[self.offset_inside(mvs[3])..],
            ];
            return x4(self.blk.src, 16, refs, self.refp.stride);
        }
        if (self.blk.w, self.blk.h) == (16, 16) {
            // Written out: the closure of `array::map` is not inlined here.
            let offsets = [
                self.offset(mvs[0]),
                self.offset(mvs[1]),
                self.offset(mvs[2]),
                self.offset(mvs[3]),
            ];
            if let [Some(a), Some(b), Some(c), Some(d)] = offsets {
                let refs = [&p[a..], &p[b..], &p[c..], &p[d..]];
                return (dsp::kernels().sad16x16_x4)(self.blk.src, 16, refs, self.refp.stride);
            }
        }
        mvs.map(|m| self.at(m, tmp))
    }
}

/// SADs at four vectors of the reference with half-sample planes: one pass of the four-way
/// kernel when all four are read in place from planes of one stride, else one at a time.
fn sad4_at(blk: &Block<'_>, refl: &RefLuma<'_>, mvs: [Mv; 4], tmp: &mut [u8; 256]) -> [u32; 4] {
    if (blk.w, blk.h) == (16, 16) {
        // Written out: the closure of `array::map` is not inlined here.
        let (x, y) = (blk.x as i32, blk.y as i32);
        let places = [
            refl.in_place(x, y, mvs[0], 16, 16),
            refl.in_place(x, y, mvs[1], 16, 16),
            refl.in_place(x, y, mvs[2], 16, 16),
            refl.in_place(x, y, mvs[3], 16, 16),
        ];
        if let [Some(a), Some(b), Some(c), Some(d)] = places {
            if a.1 == b.1 && a.1 == c.1 && a.1 == d.1 {
                return (dsp::kernels().sad16x16_x4)(blk.src, 16, [a.0, b.0, c.0, d.0], a.1);
            }
        }
    }
    mvs.map(|m| sad_at(blk, refl, m, tmp))
}

/// SADs of a 16x16 block at the eight half-sample neighbours of a full-sample vector
/// (`centre` moved by -2, 0 or +2 quarter samples in each direction): each one is read in place
/// from one plane (full, b, h or j), found once for all of them rather than per vector. The
/// same reads as [`sad4_at`], which it falls back on where they are not all in place.
struct HalfSad<'a> {
    blk: &'a Block<'a>,
    refl: &'a RefLuma<'a>,
    centre: Mv,
    /// The block's samples at neighbour (i, j) (i, j = 0, 1, 2 for -2, 0, +2) at entry
    /// `3 j + i`, and the planes' common stride; `None` when not all lie in place.
    reads: Option<([&'a [u8]; 9], usize)>,
}

impl<'a> HalfSad<'a> {
    fn new(blk: &'a Block<'a>, refl: &'a RefLuma<'a>, centre: Mv) -> Self {
        let g = refl.full;
        let planes = [g, &refl.hpel.h, &refl.hpel.v, &refl.hpel.c];
        let (pad, w, h) = (g.pad as isize, g.width as isize, g.height as isize);
        let cx = blk.x as isize + (centre.x >> 2) as isize;
        let cy = blk.y as isize + (centre.y >> 2) as isize;
        // `RefLuma::source`'s bounds (one extra column and row) for integer positions
        // cx - 1..=cx and cy - 1..=cy (cx - 1 >= -pad is cx > -pad).
        let ok = (blk.w, blk.h) == (16, 16)
            && centre.x & 3 == 0
            && centre.y & 3 == 0
            && cx > -pad
            && cy > -pad
            && cx + 17 <= w + pad
            && cy + 17 <= h + pad
            && planes.iter().all(|p| p.stride == g.stride);
        let reads = ok.then(|| {
            let at = |k: usize| {
                let (i, j) = (k % 3, k / 3);
                // Quarter-sample displacement 2 i - 2: integer part -1 or 0, fraction 2 or 0.
                let xi = cx - isize::from(i == 0);
                let yi = cy - isize::from(j == 0);
                let plane = planes[usize::from(i != 1) + 2 * usize::from(j != 1)];
                &plane.data[g.offset(xi, yi)..]
            };
            (
                [
                    at(0),
                    at(1),
                    at(2),
                    at(3),
                    at(4),
                    at(5),
                    at(6),
                    at(7),
                    at(8),
                ],
                g.stride,
            )
        });
        HalfSad {
            blk,
            refl,
            centre,
            reads,
        }
    }

    /// Entry of `mv` in `reads`, when it is one of the nine.
    #[inline]
    fn entry(&self, mv: Mv) -> Option<usize> {
        let dx = i32::from(mv.x) - i32::from(self.centre.x) + 2;
        let dy = i32::from(mv.y) - i32::from(self.centre.y) + 2;
        (matches!(dx, 0 | 2 | 4) && matches!(dy, 0 | 2 | 4))
            .then_some((dx / 2 + 3 * (dy / 2)) as usize)
    }

    #[inline]
    fn at4(&self, mvs: [Mv; 4], tmp: &mut [u8; 256]) -> [u32; 4] {
        if let Some((reads, stride)) = &self.reads {
            if let [Some(a), Some(b), Some(c), Some(d)] = [
                self.entry(mvs[0]),
                self.entry(mvs[1]),
                self.entry(mvs[2]),
                self.entry(mvs[3]),
            ] {
                let refs = [reads[a], reads[b], reads[c], reads[d]];
                let sads = (dsp::kernels().sad16x16_x4)(self.blk.src, 16, refs, *stride);
                debug_assert_eq!(sads, sad4_at(self.blk, self.refl, mvs, tmp));
                return sads;
            }
        }
        sad4_at(self.blk, self.refl, mvs, tmp)
    }
}

/// The running best of a search: cost (SAD + lambda x mvd bits) and vector.
struct Best {
    cost: u32,
    mv: Mv,
}

impl Best {
    /// Evaluates `points` (tagged vectors) in order and keeps any strictly cheaper one, three
    /// or four at a time through `sad4` (a short batch repeats its last point), single ones
    /// through `sad1`: the same winner as evaluating them one by one. Returns the tag of the
    /// last improvement.
    #[inline(always)]
    fn scan(
        &mut self,
        points: &[(u8, Mv)],
        lambda: u32,
        mvp: Mv,
        tmp: &mut [u8; 256],
        sad4: impl Fn([Mv; 4], &mut [u8; 256]) -> [u32; 4],
        sad1: impl Fn(Mv, &mut [u8; 256]) -> u32,
    ) -> Option<u8> {
        let mut moved = None;
        for chunk in points.chunks(4) {
            let mut sads = [0u32; 4];
            if chunk.len() >= 3 {
                let mut mvs = [chunk[chunk.len() - 1].1; 4];
                for (m, p) in mvs.iter_mut().zip(chunk) {
                    *m = p.1;
                }
                sads = sad4(mvs, tmp);
            } else {
                for (s, p) in sads.iter_mut().zip(chunk) {
                    *s = sad1(p.1, tmp);
                }
            }
            for (&(tag, mv), &s) in chunk.iter().zip(&sads) {
                let cost = s + lambda * mvd_bits(mv, mvp);
                if cost < self.cost {
                    self.cost = cost;
                    self.mv = mv;
                    moved = Some(tag);
                }
            }
        }
        moved
    }
}

fn sad_at(blk: &Block<'_>, refl: &RefLuma<'_>, mv: Mv, tmp: &mut [u8; 256]) -> u32 {
    let (p, stride) = refl.block(blk.x as i32, blk.y as i32, mv, blk.w, blk.h, &mut tmp[..]);
    sad(blk.src, blk.w, p, stride, blk.w, blk.h)
}

fn satd_at(blk: &Block<'_>, refl: &RefLuma<'_>, mv: Mv, tmp: &mut [u8; 256]) -> u32 {
    if (blk.w, blk.h) == (16, 16) {
        return refl.satd16x16(blk.x as i32, blk.y as i32, mv, blk.src);
    }
    let (p, stride) = refl.block(blk.x as i32, blk.y as i32, mv, blk.w, blk.h, &mut tmp[..]);
    satd(blk.src, blk.w, p, stride, blk.w, blk.h)
}

/// Full search pipeline for one block: best of the candidates (rounded to full samples), a
/// hexagon search then a square refinement at full-sample precision (SAD), then half- and
/// quarter-sample refinement (SATD), as far as `params` say (`params.range` bounds the
/// full-sample search around the best candidate, in samples).
pub fn search(
    blk: &Block<'_>,
    refl: &RefLuma<'_>,
    mvp: Mv,
    candidates: &[Mv],
    lambda: u32,
    limits: &MvLimits,
    params: &SearchParams,
) -> MeResult {
    let range = params.range;
    let mut tmp = [0u8; 256];
    let full_sad = FullSad::new(blk, refl.full, limits);
    let full = |mv: Mv| Mv::new((mv.x + 2) & !3, (mv.y + 2) & !3);
    let full4 = |mvs: [Mv; 4], tmp: &mut [u8; 256]| full_sad.at4(mvs, tmp);
    let full1 = |mv: Mv, tmp: &mut [u8; 256]| full_sad.at(mv, tmp);

    // Candidates: the predictor first, then each distinct full-sample vector once (candidates
    // often coincide: zero, the skip vector and the neighbours; a repeat could never cost
    // strictly less).
    let mut points = [(0u8, Mv::ZERO); 12];
    points[0].1 = limits.clamp(full(mvp));
    let mut n = 1;
    for &c in candidates {
        let c = limits.clamp(full(c));
        if points[..n].iter().any(|p| p.1 == c) {
            continue;
        }
        if n == points.len() {
            break;
        }
        points[n].1 = c;
        n += 1;
    }
    let mut best = Best {
        cost: u32::MAX,
        mv: points[0].1,
    };
    best.scan(&points[..n], lambda, mvp, &mut tmp, full4, full1);
    // Within the limits and `range` samples of the best candidate: one box.
    let centre = best.mv;
    let (cx, cy) = (i32::from(centre.x), i32::from(centre.y));
    let (lo_x, hi_x) = (
        limits.min_x.max(cx - range * 4),
        limits.max_x.min(cx + range * 4),
    );
    let (lo_y, hi_y) = (
        limits.min_y.max(cy - range * 4),
        limits.max_y.min(cy + range * 4),
    );
    let within = |mv: Mv| {
        (lo_x..=hi_x).contains(&i32::from(mv.x)) && (lo_y..=hi_y).contains(&i32::from(mv.y))
    };

    // Hexagon (radius 2), then a square of radius 1.
    const HEX: [(i16, i16); 6] = [(-2, 0), (-1, 2), (1, 2), (2, 0), (1, -2), (-1, -2)];
    const SQUARE: [(i16, i16); 8] = [
        (-1, -1),
        (0, -1),
        (1, -1),
        (-1, 0),
        (1, 0),
        (-1, 1),
        (0, 1),
        (1, 1),
    ];
    // After a move along HEX[k], three of the new hexagon's points (and its centre) were
    // already evaluated against a higher best, so only HEX[k - 1], HEX[k], HEX[k + 1] can win:
    // the others are skipped (in index order, so ties resolve as in a full evaluation).
    let mut tried = 0b11_1111u8;
    for _ in 0..params.hex_rounds {
        let here = best.mv;
        let mut n = 0;
        for (k, &(dx, dy)) in HEX.iter().enumerate() {
            let mv = Mv::new(here.x + dx * 4, here.y + dy * 4);
            if tried & (1 << k) != 0 && within(mv) {
                points[n] = (k as u8, mv);
                n += 1;
            }
        }
        let Some(k) = best.scan(&points[..n], lambda, mvp, &mut tmp, full4, full1) else {
            break;
        };
        let k = usize::from(k);
        tried = (1 << ((k + 5) % 6)) | (1 << k) | (1 << ((k + 1) % 6));
    }
    let square = |here: Mv, step: i16, ok: &dyn Fn(Mv) -> bool, points: &mut [(u8, Mv); 12]| {
        let mut n = 0;
        for &(dx, dy) in &SQUARE {
            let mv = Mv::new(here.x + dx * step, here.y + dy * step);
            if ok(mv) {
                points[n] = (0, mv);
                n += 1;
            }
        }
        n
    };
    let n = square(best.mv, 4, &within, &mut points);
    best.scan(&points[..n], lambda, mvp, &mut tmp, full4, full1);
    if params.subpel == Subpel::Full {
        let satd = satd_at(blk, refl, best.mv, &mut tmp);
        return MeResult {
            mv: best.mv,
            cost: satd + lambda * mvd_bits(best.mv, mvp),
            satd,
            subpel_gain: 0,
            full_sad: best.cost - lambda * mvd_bits(best.mv, mvp),
        };
    }

    // Half-sample refinement on SAD (all eight neighbours: each is one half-sample plane read
    // in place), then quarter-sample refinement on SATD (the four nearest: diagonals rarely win
    // at quarter precision).
    let n = square(best.mv, 2, &|mv| limits.contains(mv), &mut points);
    let full_sad = best.cost - lambda * mvd_bits(best.mv, mvp);
    let half = HalfSad::new(blk, refl, best.mv);
    best.scan(
        &points[..n],
        lambda,
        mvp,
        &mut tmp,
        |mvs, tmp| half.at4(mvs, tmp),
        |mv, tmp| sad_at(blk, refl, mv, tmp),
    );
    let subpel_gain = full_sad.saturating_sub(best.cost - lambda * mvd_bits(best.mv, mvp));
    let mut best_mv = best.mv;
    let mut best_satd = satd_at(blk, refl, best_mv, &mut tmp);
    let mut best_cost = best_satd + lambda * mvd_bits(best_mv, mvp);
    if params.subpel == Subpel::Half {
        return MeResult {
            mv: best_mv,
            cost: best_cost,
            satd: best_satd,
            subpel_gain,
            full_sad,
        };
    }
    const DIAMOND: [(i16, i16); 4] = [(0, -1), (-1, 0), (1, 0), (0, 1)];
    let here = best_mv;
    for &(dx, dy) in &DIAMOND {
        let mv = Mv::new(here.x + dx, here.y + dy);
        if !limits.contains(mv) {
            continue;
        }
        let s = satd_at(blk, refl, mv, &mut tmp);
        let cost = s + lambda * mvd_bits(mv, mvp);
        if cost < best_cost {
            best_cost = cost;
            best_satd = s;
            best_mv = mv;
        }
    }
    MeResult {
        mv: best_mv,
        cost: best_cost,
        satd: best_satd,
        subpel_gain,
        full_sad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitstream::writer::se_len;

    #[test]
    fn mvd_bits_is_two_se_lengths() {
        for p in [i16::MIN, -1000, -1, 0, 1, 77, i16::MAX] {
            for v in i16::MIN..=i16::MAX {
                let (mv, mvp) = (Mv::new(v, p), Mv::new(p, v));
                let want =
                    se_len(i32::from(v) - i32::from(p)) + se_len(i32::from(p) - i32::from(v));
                assert_eq!(mvd_bits(mv, mvp), want, "{v} {p}");
            }
        }
    }
}
