//! Motion estimation: candidate predictors, an integer hexagon + square search on SAD, then
//! half- and quarter-sample refinement on SATD, all with a lambda x mvd-bits rate term.

use super::cost::{sad, satd};
use crate::bitstream::writer::se_len;
use crate::common::hpel::RefLuma;
use crate::common::mc::mc_luma;
use crate::common::Mv;
use crate::dsp;
use crate::picture::Plane;

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
    se_len(i32::from(mv.x) - i32::from(mvp.x)) + se_len(i32::from(mv.y) - i32::from(mvp.y))
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
}

/// Full-sample SAD of one block against one reference plane, with the kernel and the block's
/// position looked up once per search rather than per vector.
struct FullSad<'a> {
    blk: &'a Block<'a>,
    refp: &'a Plane,
    kernel: Option<dsp::PixelCmpFn>,
}

impl<'a> FullSad<'a> {
    fn new(blk: &'a Block<'a>, refp: &'a Plane) -> Self {
        let kernel =
            dsp::BlockSize::from_dims(blk.w, blk.h).map(|s| dsp::kernels().sad[s as usize]);
        FullSad { blk, refp, kernel }
    }

    /// SAD at a full-sample vector (quarter units, multiple of 4), reading the padded plane in
    /// place when the block lies within it (always, for vectors within [`MvLimits`] and the
    /// encoder's padding), else through motion compensation.
    #[inline]
    fn at(&self, mv: Mv, tmp: &mut [u8; 256]) -> u32 {
        let (blk, refp) = (self.blk, self.refp);
        let rx = blk.x as isize + (mv.x >> 2) as isize;
        let ry = blk.y as isize + (mv.y >> 2) as isize;
        let pad = refp.pad as isize;
        if rx >= -pad
            && ry >= -pad
            && rx + blk.w as isize <= refp.width as isize + pad
            && ry + blk.h as isize <= refp.height as isize + pad
        {
            let r = &refp.data[refp.offset(rx, ry)..];
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
/// quarter-sample refinement (SATD). `range` bounds the full-sample search around the best
/// candidate, in samples.
pub fn search(
    blk: &Block<'_>,
    refl: &RefLuma<'_>,
    mvp: Mv,
    candidates: &[Mv],
    lambda: u32,
    limits: &MvLimits,
    range: i32,
) -> MeResult {
    let mut tmp = [0u8; 256];
    let full_sad = FullSad::new(blk, refl.full);
    let full = |mv: Mv| Mv::new((mv.x + 2) & !3, (mv.y + 2) & !3);
    let cost_full =
        |mv: Mv, tmp: &mut [u8; 256]| -> u32 { full_sad.at(mv, tmp) + lambda * mvd_bits(mv, mvp) };

    // Candidates.
    let mut best_mv = limits.clamp(full(mvp));
    let mut best = cost_full(best_mv, &mut tmp);
    // Candidates often coincide (zero, the skip vector and the neighbours): each distinct
    // full-sample vector is evaluated once (a repeat could never cost strictly less).
    let mut seen = [best_mv; 8];
    let mut n_seen = 1;
    for &c in candidates {
        let c = limits.clamp(full(c));
        if seen[..n_seen].contains(&c) {
            continue;
        }
        if n_seen < seen.len() {
            seen[n_seen] = c;
            n_seen += 1;
        }
        let cost = cost_full(c, &mut tmp);
        if cost < best {
            best = cost;
            best_mv = c;
        }
    }
    let centre = best_mv;
    let within = |mv: Mv| {
        limits.contains(mv)
            && (i32::from(mv.x - centre.x)).abs() <= range * 4
            && (i32::from(mv.y - centre.y)).abs() <= range * 4
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
    for _ in 0..16 {
        let mut moved = None;
        let here = best_mv;
        for (k, &(dx, dy)) in HEX.iter().enumerate() {
            if tried & (1 << k) == 0 {
                continue;
            }
            let mv = Mv::new(here.x + dx * 4, here.y + dy * 4);
            if !within(mv) {
                continue;
            }
            let cost = cost_full(mv, &mut tmp);
            if cost < best {
                best = cost;
                best_mv = mv;
                moved = Some(k);
            }
        }
        let Some(k) = moved else { break };
        tried = (1 << ((k + 5) % 6)) | (1 << k) | (1 << ((k + 1) % 6));
    }
    let here = best_mv;
    for &(dx, dy) in &SQUARE {
        let mv = Mv::new(here.x + dx * 4, here.y + dy * 4);
        if !within(mv) {
            continue;
        }
        let cost = cost_full(mv, &mut tmp);
        if cost < best {
            best = cost;
            best_mv = mv;
        }
    }

    // Half-sample refinement on SAD (all eight neighbours: each is one half-sample plane read
    // in place), then quarter-sample refinement on SATD (the four nearest: diagonals rarely win
    // at quarter precision).
    let here = best_mv;
    for &(dx, dy) in &SQUARE {
        let mv = Mv::new(here.x + dx * 2, here.y + dy * 2);
        if !limits.contains(mv) {
            continue;
        }
        let cost = sad_at(blk, refl, mv, &mut tmp) + lambda * mvd_bits(mv, mvp);
        if cost < best {
            best = cost;
            best_mv = mv;
        }
    }
    const DIAMOND: [(i16, i16); 4] = [(0, -1), (-1, 0), (1, 0), (0, 1)];
    let mut best_satd = satd_at(blk, refl, best_mv, &mut tmp);
    let mut best_cost = best_satd + lambda * mvd_bits(best_mv, mvp);
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
    }
}
