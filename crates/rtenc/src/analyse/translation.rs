//! Translation detection for screen content: where changed blocks of the new frame were in the
//! previous one.
//!
//! A window flung across a screen moves 20 to 60 samples a frame in any direction, and turns
//! whenever the hand does. The scroll detector (`analyse::scroll`) finds vertical shifts only,
//! and the dominant motions (`analyse::dominant`) are the last picture's: at the first frame of
//! a drag, or of each new leg of it, no candidate points at the window, the search does not
//! walk that far on text, and the window is coded intra at several times a P frame's size
//! (fast-drag at constant QP 38: about 20 kB against 2-4 kB).
//!
//! Screen content moves by exact whole-sample copies, so a changed macroblock of the new frame
//! can be looked for in the previous *source*, exactly: a few textured changed macroblocks are
//! sampled, each is first tried at the vectors already known (last frame's translations and
//! the caller's hints), and where none fits, the previous source is scanned within
//! [`RANGE_X`] x [`RANGE_Y`] samples for an exact copy (one 16-byte row compared per position,
//! the whole block only where that row matches). Vectors found by at least [`MIN_VOTES`]
//! samples become motion search candidates for every macroblock (the search checks them; a
//! wrong one costs one SAD).

use crate::common::Mv;
use crate::picture::Plane;

/// How many translations are proposed per frame.
pub const MAX_TRANSLATIONS: usize = 2;

/// Changed macroblocks sampled per frame.
pub const SAMPLES: usize = 16;

/// The most samples per frame that scan the previous source (the others are only tried at the
/// known vectors, and at those the scans found): bounds the cost when the changed area is new
/// content (a playing video) that no scan finds.
pub const MAX_SCANS: usize = 10;

/// Horizontal reach of a scan, in samples, each way.
pub const RANGE_X: i32 = 64;

/// Vertical reach of a scan, in samples, each way.
pub const RANGE_Y: i32 = 48;

/// Fewest samples that must agree on a vector for it to be proposed.
pub const MIN_VOTES: u32 = 2;

/// Finds translations of changed content between consecutive sources; keeps its buffers and
/// last frame's result between frames.
#[derive(Debug, Clone, Default)]
pub struct TranslationDetector {
    /// Last frame's translations (tried first: a drag keeps its velocity for a while).
    last: [Mv; MAX_TRANSLATIONS],
    /// Votes of this frame: vector (whole samples) and count.
    votes: Vec<(Mv, u32)>,
}

impl TranslationDetector {
    /// A detector with nothing known yet.
    pub fn new() -> Self {
        TranslationDetector {
            last: [Mv::ZERO; MAX_TRANSLATIONS],
            votes: Vec::with_capacity(SAMPLES * 2),
        }
    }

    /// Forgets last frame's translations (after an IDR, or when the content is not screen-like).
    pub fn reset(&mut self) {
        self.last = [Mv::ZERO; MAX_TRANSLATIONS];
    }

    /// The translations (quarter-sample vectors, zero where none) that carry changed
    /// macroblocks of the new frame (luma rows `cur(y)`, `width` x `height` visible samples)
    /// from the previous source `prev`. `unchanged` marks the macroblocks (raster order,
    /// `mb_width` a row) equal in both; `hints` are vectors worth trying first (quarter
    /// samples; those not on whole samples are ignored).
    #[allow(clippy::too_many_arguments)]
    pub fn find<'f>(
        &mut self,
        cur: impl Fn(usize) -> &'f [u8],
        prev: &Plane,
        width: usize,
        height: usize,
        unchanged: &[bool],
        mb_width: usize,
        hints: &[Mv],
    ) -> [Mv; MAX_TRANSLATIONS] {
        self.votes.clear();
        let changed = unchanged.iter().filter(|&&u| !u).count();
        let mut known = [Mv::ZERO; MAX_TRANSLATIONS + 8 + MAX_SCANS];
        let mut n_known = 0;
        for mv in self.last.iter().chain(hints) {
            let whole = Mv {
                x: mv.x / 4,
                y: mv.y / 4,
            };
            if *mv != Mv::ZERO
                && mv.x % 4 == 0
                && mv.y % 4 == 0
                && n_known < known.len()
                && !known[..n_known].contains(&whole)
            {
                known[n_known] = whole;
                n_known += 1;
            }
        }
        let source = Prev {
            plane: prev,
            width,
            height,
        };
        if changed > 0 {
            // Candidates spread over the changed macroblocks, inside changed areas (a
            // macroblock across a moved window's edge holds background that did not move); a
            // flat one is passed over.
            let step = (changed / (SAMPLES * 3)).max(1);
            let rows = unchanged.len() / mb_width.max(1);
            let interior = |addr: usize| {
                let (x, y) = (addr % mb_width, addr / mb_width);
                x > 0
                    && x + 1 < mb_width
                    && y > 0
                    && y + 1 < rows
                    && !unchanged[addr - 1]
                    && !unchanged[addr + 1]
                    && !unchanged[addr - mb_width]
                    && !unchanged[addr + mb_width]
            };
            let (mut sampled, mut scans) = (0, 0);
            let changed_mbs = unchanged
                .iter()
                .enumerate()
                .filter(|&(i, &u)| !u && interior(i))
                .map(|(i, _)| i)
                .step_by(step);
            for addr in changed_mbs {
                if sampled == SAMPLES {
                    break;
                }
                let (x0, y0) = (16 * (addr % mb_width), 16 * (addr / mb_width));
                if x0 + 16 > width || y0 + 16 > height {
                    continue;
                }
                let sample = Sample {
                    rows: std::array::from_fn(|r| cur(y0 + r)[x0..x0 + 16].try_into().unwrap()),
                    x0,
                    y0,
                };
                if is_flat(&sample.rows[4]) && is_flat(&sample.rows[11]) {
                    continue;
                }
                sampled += 1;
                let found = known[..n_known]
                    .iter()
                    .copied()
                    .find(|&v| matches_at(&sample, source, v));
                match found {
                    Some(v) => self.vote(v),
                    None if scans < MAX_SCANS => {
                        scans += 1;
                        if let Some(v) = scan(&sample, source) {
                            self.vote(v);
                            if n_known < known.len() {
                                known[n_known] = v;
                                n_known += 1;
                            }
                        }
                    }
                    None => {}
                }
            }
        }
        self.votes.sort_by_key(|v| std::cmp::Reverse(v.1));
        let mut out = [Mv::ZERO; MAX_TRANSLATIONS];
        for (o, &(v, n)) in out.iter_mut().zip(&self.votes) {
            if n >= MIN_VOTES {
                *o = Mv {
                    x: v.x * 4,
                    y: v.y * 4,
                };
            }
        }
        self.last = out;
        out
    }

    fn vote(&mut self, v: Mv) {
        match self.votes.iter_mut().find(|(w, _)| *w == v) {
            Some((_, n)) => *n += 1,
            None => self.votes.push((v, 1)),
        }
    }
}

/// Whether a 16-sample row holds one value.
fn is_flat(row: &[u8; 16]) -> bool {
    row.iter().all(|&s| s == row[0])
}

/// The previous source's luma and its visible size.
#[derive(Clone, Copy)]
struct Prev<'a> {
    plane: &'a Plane,
    width: usize,
    height: usize,
}

/// A sampled 16x16 block of the new frame and its position.
struct Sample {
    rows: [[u8; 16]; 16],
    x0: usize,
    y0: usize,
}

/// Whether the sample equals the previous source's samples moved by the whole-sample vector
/// `v`, all of them inside the visible area.
fn matches_at(s: &Sample, prev: Prev<'_>, v: Mv) -> bool {
    let (px, py) = (s.x0 as i64 + i64::from(v.x), s.y0 as i64 + i64::from(v.y));
    if px < 0 || py < 0 || px as usize + 16 > prev.width || py as usize + 16 > prev.height {
        return false;
    }
    let (px, py) = (px as usize, py as usize);
    s.rows
        .iter()
        .enumerate()
        .all(|(r, row)| prev.plane.row(py + r)[px..px + 16] == row[..])
}

/// The nearest whole-sample vector within the scan range at which the previous source holds an
/// exact copy of the sample (rows 4 and 11 compared first at every position).
fn scan(s: &Sample, prev: Prev<'_>) -> Option<Mv> {
    let (block, x0, y0, width, height) = (&s.rows, s.x0, s.y0, prev.width, prev.height);
    let key4 = u128::from_ne_bytes(block[4]);
    let key11 = u128::from_ne_bytes(block[11]);
    let x_lo = (x0 as i32 - RANGE_X).max(0) as usize;
    let x_hi = (x0 as i32 + RANGE_X).min(width as i32 - 16);
    if x_hi < x_lo as i32 {
        return None;
    }
    let x_hi = x_hi as usize;
    let y_lo = (y0 as i32 - RANGE_Y).max(0);
    let y_hi = (y0 as i32 + RANGE_Y).min(height as i32 - 16);
    if y_hi < y_lo {
        return None;
    }
    let mut best: Option<(u32, Mv)> = None;
    for py in y_lo as usize..=y_hi as usize {
        let row4 = &prev.plane.row(py + 4)[x_lo..x_hi + 16];
        for (i, w) in row4.windows(16).enumerate() {
            if u128::from_ne_bytes(w.try_into().unwrap()) != key4 {
                continue;
            }
            let px = x_lo + i;
            let row11 = &prev.plane.row(py + 11)[px..px + 16];
            if u128::from_ne_bytes(row11.try_into().unwrap()) != key11 {
                continue;
            }
            let v = Mv {
                x: (px as i64 - x0 as i64) as i16,
                y: (py as i64 - y0 as i64) as i16,
            };
            if v == Mv::ZERO || !matches_at(s, prev, v) {
                continue;
            }
            let len = v.x.unsigned_abs() as u32 + v.y.unsigned_abs() as u32;
            if best.is_none_or(|(l, _)| len < l) {
                best = Some((len, v));
            }
        }
    }
    best.map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A textured picture: every sample differs from its neighbours in a non-repeating way.
    fn texture(w: usize, h: usize, seed: u32) -> Vec<u8> {
        let mut s = seed;
        (0..w * h)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 24) as u8
            })
            .collect()
    }

    fn plane_from(data: &[u8], w: usize, h: usize) -> Plane {
        let mut p = Plane::new(w, h, 0, 0);
        for y in 0..h {
            p.row_mut(y).copy_from_slice(&data[y * w..(y + 1) * w]);
        }
        p
    }

    /// A textured window moved by (37, -21) over a flat background is found, first by a scan
    /// and the next frame from last frame's vector; a flat change is not.
    #[test]
    fn finds_a_dragged_window() {
        let (w, h) = (320, 192);
        let win = texture(96, 64, 5);
        let paint = |x: usize, y: usize| {
            let mut f = vec![128u8; w * h];
            for r in 0..64 {
                f[(y + r) * w + x..(y + r) * w + x + 96].copy_from_slice(&win[r * 96..r * 96 + 96]);
            }
            f
        };
        let before = paint(40, 100);
        let after = paint(77, 79);
        let prev = plane_from(&before, w, h);
        let mbw = w / 16;
        let unchanged: Vec<bool> = (0..mbw * (h / 16))
            .map(|a| {
                let (x0, y0) = (16 * (a % mbw), 16 * (a / mbw));
                (0..16)
                    .all(|r| before[(y0 + r) * w + x0..][..16] == after[(y0 + r) * w + x0..][..16])
            })
            .collect();
        let mut d = TranslationDetector::new();
        let rows = |y: usize| &after[y * w..(y + 1) * w];
        let moved = Mv {
            x: -37 * 4,
            y: 21 * 4,
        };
        // Found by a scan, then (known now) again without one: the same answer either way.
        for _ in 0..2 {
            let found = d.find(rows, &prev, w, h, &unchanged, mbw, &[]);
            assert_eq!(found[0], moved);
        }
        // Nothing changed: nothing proposed.
        let same = plane_from(&after, w, h);
        let all = vec![true; unchanged.len()];
        assert_eq!(d.find(rows, &same, w, h, &all, mbw, &[]), [Mv::ZERO; 2]);
        // A change to new (random) content: no copy anywhere, nothing proposed.
        let noise = texture(w, h, 9);
        let rows = |y: usize| &noise[y * w..(y + 1) * w];
        d.reset();
        let none = vec![false; unchanged.len()];
        assert_eq!(d.find(rows, &prev, w, h, &none, mbw, &[]), [Mv::ZERO; 2]);
    }
}
