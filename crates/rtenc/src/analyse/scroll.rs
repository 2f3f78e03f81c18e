//! Vertical scroll detection for screen content.
//!
//! A terminal, an editor or a web page scrolls by whole text lines: often 20 to 60 samples
//! per frame, beyond the motion search's reach from its usual candidates (zero, the
//! neighbours, last frame's co-located vector). Missed, the scrolled area is coded intra,
//! which costs many times the bits and the time of a copy. Here the picture is cut into
//! vertical bands; each band's rows are hashed, and every row of a changed band that equals a
//! row of the previous source at another height votes for that vertical shift. The shifts
//! with the most votes become motion search candidates for every macroblock (the search checks
//! them; a wrong one costs one SAD).
//!
//! Hashes carry over from frame to frame: a band row inside unchanged macroblocks keeps last
//! frame's hash, so the cost follows the changed area (a still screen costs nothing).

use crate::common::Mv;
use crate::workers::Workers;

/// Width of a band in luma samples (8 macroblocks). Narrow enough that a scrolling window
/// beside static content fills whole bands; wide enough that a row of text is unlikely to
/// repeat elsewhere in its band.
pub const BAND_W: usize = 128;

/// Fewest votes (matching band rows) for a shift to become a candidate: one macroblock's
/// height in one band.
pub const MIN_VOTES: u32 = 16;

/// How many shifts are proposed per frame.
pub const MAX_SHIFTS: usize = 2;

/// The most rows of the previous picture one hash may be found on and still vote (for each
/// of them); more is background.
pub const MAX_REPEATS: usize = 4;

/// An entry of a band's hash table: a row hash and the first rows it was seen on.
#[derive(Debug, Clone, Copy)]
struct Slot {
    hash: u64,
    /// The table generation that filled the slot: an older one means empty (so the table is
    /// never cleared).
    generation: u32,
    rows: [u16; MAX_REPEATS],
    /// Rows seen with this hash (saturating).
    count: u8,
}

impl Slot {
    const EMPTY: Slot = Slot {
        hash: 0,
        generation: 0,
        rows: [0; MAX_REPEATS],
        count: 0,
    };
}

/// Row hashes of the previous source and the tables to match the new ones against them.
#[derive(Debug, Clone)]
pub struct ScrollDetector {
    width: usize,
    height: usize,
    mb_width: usize,
    bands: usize,
    /// Row hashes of the previous source, band-major (`bands` x `height`); valid when `valid`.
    prev: Vec<u64>,
    /// Row hashes of the new source, same layout.
    cur: Vec<u64>,
    valid: bool,
    /// One band's open-addressing hash table of the previous picture's rows.
    table: Vec<Slot>,
    /// Generation of the table's live slots (see [`Slot::generation`]).
    generation: u32,
    /// Votes per shift: index `shift + height - 1`.
    votes: Vec<u32>,
    /// Which band rows changed this frame (band-major: `bands` x macroblock rows).
    changed: Vec<bool>,
}

impl ScrollDetector {
    /// A detector for pictures of `width` x `height` luma samples.
    pub fn new(width: usize, height: usize) -> Self {
        // Rows are kept as u16: every level's largest picture is far less tall (a taller one
        // would only make the detector propose wrong shifts, which the search rejects).
        let bands = width.div_ceil(BAND_W).max(1);
        let mb_width = width.div_ceil(16);
        let mb_height = height.div_ceil(16);
        ScrollDetector {
            width,
            height,
            mb_width,
            bands,
            prev: vec![0; bands * height],
            cur: vec![0; bands * height],
            valid: false,
            table: vec![Slot::EMPTY; (height + height / 2).next_power_of_two().max(16)],
            generation: 0,
            votes: vec![0; 2 * height.max(1)],
            changed: vec![false; bands * mb_height],
        }
    }

    /// Takes in the next source picture, whose luma rows `row(y)` gives, and returns the
    /// vertical shifts of most rows that moved, best first, as motion vectors (quarter
    /// samples; at most [`MAX_SHIFTS`], `Mv::ZERO` for none).
    ///
    /// `unchanged` (one flag per macroblock, raster) marks macroblocks whose source equals the
    /// previous picture's; `None` when that is not known (an IDR): then everything is hashed
    /// anew and nothing is proposed. Must see every picture that replaces the previous source.
    pub fn observe<'a>(
        &mut self,
        row: impl Fn(usize) -> &'a [u8] + Sync,
        unchanged: Option<&[bool]>,
        workers: &Workers,
    ) -> [Mv; MAX_SHIFTS] {
        let mut out = [Mv::ZERO; MAX_SHIFTS];
        let (h, mbw, width) = (self.height, self.mb_width, self.width);
        let known = unchanged.filter(|_| self.valid);
        // Which band rows changed, and the new hashes (carried over where unchanged); the
        // bands on the workers.
        let bands = self
            .changed
            .chunks_mut(h.div_ceil(16))
            .zip(self.cur.chunks_mut(h))
            .zip(self.prev.chunks(h))
            .enumerate();
        workers.run(bands, |(b, ((changed, cur), prev))| {
            let (x0, x1) = (b * BAND_W, ((b + 1) * BAND_W).min(width));
            let (m0, m1) = (x0 / 16, x1.div_ceil(16));
            for (mb_y, changed) in changed.iter_mut().enumerate() {
                *changed =
                    known.is_none_or(|u| u[mb_y * mbw + m0..mb_y * mbw + m1].contains(&false));
                let rows = mb_y * 16..((mb_y + 1) * 16).min(h);
                let (prev, cur) = (&prev[rows.clone()], &mut cur[rows.clone()]);
                if *changed {
                    for (y, c) in rows.zip(cur.iter_mut()) {
                        *c = hash_row(&row(y)[x0..x1]);
                    }
                } else {
                    cur.copy_from_slice(prev);
                }
            }
        });
        if known.is_some() {
            self.vote();
            self.best_shifts(&mut out);
        }
        std::mem::swap(&mut self.prev, &mut self.cur);
        self.valid = true;
        out
    }

    /// Forgets the previous picture: the next [`observe`](Self::observe) hashes everything and
    /// proposes nothing. For when the reference stopped following the source (a frame sent as
    /// all P_Skip in its place), so shifts between sources say nothing about the reference.
    pub fn invalidate(&mut self) {
        self.valid = false;
    }

    /// Counts, for each changed band row, the shifts at which its hash appears in the previous
    /// source's band (on at most [`MAX_REPEATS`] rows: text drawn at a scale of 2 repeats
    /// every row once, while a hash on many rows is background and says nothing).
    fn vote(&mut self) {
        let h = self.height;
        let mbh = h.div_ceil(16);
        self.votes.fill(0);
        let mask = self.table.len() - 1;
        for b in 0..self.bands {
            let changed = &self.changed[b * mbh..][..mbh];
            if !changed.contains(&true) {
                continue;
            }
            let (prev, cur) = (&self.prev[b * h..][..h], &self.cur[b * h..][..h]);
            self.generation = self.generation.wrapping_add(1);
            if self.generation == 0 {
                // Wrapped: slots of generation 0 must not look live.
                self.table.fill(Slot::EMPTY);
                self.generation = 1;
            }
            let live = self.generation;
            for (y, &hash) in prev.iter().enumerate() {
                let mut i = slot(hash) & mask;
                loop {
                    let e = &mut self.table[i];
                    if e.generation != live {
                        *e = Slot {
                            hash,
                            generation: live,
                            rows: [y as u16; MAX_REPEATS],
                            count: 1,
                        };
                        break;
                    }
                    if e.hash == hash {
                        if usize::from(e.count) < MAX_REPEATS {
                            e.rows[usize::from(e.count)] = y as u16;
                        }
                        e.count = e.count.saturating_add(1);
                        break;
                    }
                    i = (i + 1) & mask;
                }
            }
            for (y, &hash) in cur.iter().enumerate() {
                if !changed[y / 16] || hash == prev[y] {
                    continue;
                }
                let mut i = slot(hash) & mask;
                loop {
                    let e = &self.table[i];
                    if e.generation != live {
                        break;
                    }
                    if e.hash == hash {
                        if usize::from(e.count) <= MAX_REPEATS {
                            for &r in &e.rows[..usize::from(e.count)] {
                                self.votes[(r as usize + h - 1) - y] += 1;
                            }
                        }
                        break;
                    }
                    i = (i + 1) & mask;
                }
            }
        }
    }

    /// The shifts with the most votes (at least [`MIN_VOTES`]), best first.
    fn best_shifts(&self, out: &mut [Mv; MAX_SHIFTS]) {
        let h = self.height as i64;
        let mut taken = 0;
        let mut last_best = u32::MAX;
        while taken < MAX_SHIFTS {
            let mut best = (0u32, 0i64);
            for (i, &v) in self.votes.iter().enumerate() {
                let shift = i as i64 - (h - 1);
                // A shift next to one already taken is its echo (rows drawn twice vote for
                // both), not another scrolling region.
                let near_taken = out[..taken]
                    .iter()
                    .any(|m| (i64::from(m.y) - 4 * shift).abs() <= 4 * 2);
                if v > best.0 && v <= last_best && !near_taken {
                    best = (v, shift);
                }
            }
            if best.0 < MIN_VOTES {
                break;
            }
            // Vectors are i16 quarter samples; taller pictures than that are beyond any level.
            let Ok(y) = i16::try_from(4 * best.1) else {
                break;
            };
            out[taken] = Mv::new(0, y);
            last_best = best.0;
            taken += 1;
        }
    }
}

/// Start slot of a hash in a table.
#[inline]
fn slot(hash: u64) -> usize {
    (hash >> 40) as usize
}

/// A 64-bit hash of a row of samples: four independent multiply-xor lanes over 8-byte words,
/// then the tail, then a final mix. Not cryptographic; a collision only proposes a candidate
/// the motion search rejects.
pub fn hash_row(row: &[u8]) -> u64 {
    const M: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut lanes = [
        0x243F_6A88_85A3_08D3u64,
        0x1319_8A2E_0370_7344,
        0xA409_3822_299F_31D0,
        0x082E_FA98_EC4E_6C89,
    ];
    let mut chunks = row.chunks_exact(32);
    for c in &mut chunks {
        for (k, lane) in lanes.iter_mut().enumerate() {
            let w = u64::from_le_bytes(c[8 * k..8 * k + 8].try_into().expect("8 bytes"));
            *lane = (*lane ^ w).wrapping_mul(M);
        }
    }
    let mut h =
        lanes[0] ^ lanes[1].rotate_left(16) ^ lanes[2].rotate_left(32) ^ lanes[3].rotate_left(48);
    for &b in chunks.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(M);
    }
    h ^= row.len() as u64;
    h ^= h >> 29;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A picture of distinct text-like rows: row `y` of content line `y + offset`.
    fn page(w: usize, h: usize, offset: usize) -> Vec<u8> {
        let mut p = vec![0u8; w * h];
        for y in 0..h {
            let line = y + offset;
            for x in 0..w {
                let v = (line as u64 * 0x9E37 + x as u64 * 31) ^ (line as u64 >> 2);
                p[y * w + x] = (v % 251) as u8;
            }
        }
        p
    }

    fn observe(
        d: &mut ScrollDetector,
        pic: &[u8],
        w: usize,
        unchanged: Option<&[bool]>,
    ) -> [Mv; MAX_SHIFTS] {
        d.observe(|y| &pic[y * w..(y + 1) * w], unchanged, &Workers::single())
    }

    #[test]
    fn finds_a_scroll_by_whole_lines() {
        let (w, h) = (320, 240);
        let mut d = ScrollDetector::new(w, h);
        let mbs = (w / 16) * (h / 16);
        assert_eq!(observe(&mut d, &page(w, h, 0), w, None), [Mv::ZERO; 2]);
        // Content moves up by 40 rows: the new row y is the old row y + 40.
        let got = observe(&mut d, &page(w, h, 40), w, Some(&vec![false; mbs]));
        assert_eq!(got[0], Mv::new(0, 160));
        // Then down by 24.
        let got = observe(&mut d, &page(w, h, 16), w, Some(&vec![false; mbs]));
        assert_eq!(got[0], Mv::new(0, -96));
    }

    #[test]
    fn rows_drawn_twice_still_vote() {
        // Text at a scale of 2: every row appears twice.
        let (w, h) = (256, 192);
        let doubled = |offset: usize| {
            let p = page(w, h, 0);
            let mut out = vec![0u8; w * h];
            for y in 0..h {
                let src = (y + offset) / 2 % h;
                out[y * w..(y + 1) * w].copy_from_slice(&p[src * w..(src + 1) * w]);
            }
            out
        };
        let mbs = (w / 16) * (h / 16);
        let mut d = ScrollDetector::new(w, h);
        observe(&mut d, &doubled(0), w, None);
        let got = observe(&mut d, &doubled(36), w, Some(&vec![false; mbs]));
        assert_eq!(got[0], Mv::new(0, 144));
    }

    #[test]
    fn flat_and_unchanged_pictures_propose_nothing() {
        let (w, h) = (256, 128);
        let mbs = (w / 16) * (h / 16);
        let mut d = ScrollDetector::new(w, h);
        let flat = vec![77u8; w * h];
        observe(&mut d, &flat, w, None);
        assert_eq!(
            observe(&mut d, &flat, w, Some(&vec![false; mbs])),
            [Mv::ZERO; 2]
        );
        let p = page(w, h, 5);
        observe(&mut d, &p, w, Some(&vec![false; mbs]));
        assert_eq!(
            observe(&mut d, &p, w, Some(&vec![true; mbs])),
            [Mv::ZERO; 2]
        );
    }

    #[test]
    fn unchanged_bands_keep_their_hashes() {
        // Only the left half scrolls; the right half is declared unchanged and never rehashed,
        // and a later scroll of the whole picture is still measured against the right rows.
        let (w, h) = (256, 160);
        let (mbw, mbh) = (w / 16, h / 16);
        let mut d = ScrollDetector::new(w, h);
        let a = page(w, h, 0);
        observe(&mut d, &a, w, None);
        let mut b = a.clone();
        let moved = page(w, h, 32);
        for y in 0..h {
            b[y * w..y * w + 128].copy_from_slice(&moved[y * w..y * w + 128]);
        }
        let mut unchanged = vec![false; mbw * mbh];
        for y in 0..mbh {
            for x in 8..mbw {
                unchanged[y * mbw + x] = true;
            }
        }
        assert_eq!(observe(&mut d, &b, w, Some(&unchanged))[0], Mv::new(0, 128));
        // The right half now scrolls by 48 too: its old hashes are a's.
        let mut c = b.clone();
        let right = page(w, h, 48);
        for y in 0..h {
            c[y * w + 128..(y + 1) * w].copy_from_slice(&right[y * w + 128..(y + 1) * w]);
        }
        let mut unchanged = vec![false; mbw * mbh];
        for y in 0..mbh {
            for x in 0..8 {
                unchanged[y * mbw + x] = true;
            }
        }
        assert_eq!(observe(&mut d, &c, w, Some(&unchanged))[0], Mv::new(0, 192));
    }

    #[test]
    fn odd_sizes_do_not_panic() {
        for (w, h) in [(16, 16), (18, 34), (130, 2), (2, 130)] {
            let mut d = ScrollDetector::new(w, h);
            let mbs = w.div_ceil(16) * h.div_ceil(16);
            let p = page(w, h, 0);
            observe(&mut d, &p, w, None);
            let q = page(w, h, 1);
            observe(&mut d, &q, w, Some(&vec![false; mbs]));
        }
    }
}
