//! Whether a slice's loop filter pays, decided after the fact.
//!
//! The deblocking filter (8.7) smooths block edges. On camera content at coarse QPs that lowers
//! the error against the source; on screen content it often raises it: text and window edges
//! are sharp steps that fall on block boundaries, and at QP 23 the filter blurred a 1080p
//! desktop's IDR from 47.9 to 44.6 dB PSNR-Y (x264's `ultrafast`, which never filters, gets
//! 47.4 dB there). The encoder cannot know in advance, but it can measure: within a picture no
//! prediction reads filtered samples (intra prediction uses the unfiltered neighbours, 8.3.1.2),
//! so the filter's effect on the slice is known once its rows are filtered, and it can still be
//! undone before the slice header is written.
//!
//! [`DeblockTrial`] keeps the unfiltered samples of each macroblock row just before the filter
//! first touches it, and the squared error against the source of every sample the row's
//! filtering can change, before and after. When the filter made the slice worse, [`undo`]
//! puts the kept samples back and the slice goes out with disable_deblocking_filter_idc 1 (the
//! decoder skips the filter too, so the reconstruction stays the decoder's picture).
//!
//! [`undo`]: DeblockTrial::undo

use std::ops::Range;

use crate::picture::{Picture, Plane};

/// The filter is dropped only when it raises the error by more than 1 / `KEEP_MARGIN` (see
/// [`DeblockTrial::pays`]). Measured on fast-drag (1080p, `ultrafast`): at QP 26 the IDR's error
/// rose by 40 % and P frames' by 2-9 %; at QP 34 P frames moved by -0.3 to +1.5 %.
pub const KEEP_MARGIN: u64 = 64;

/// What was kept of a macroblock row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kept {
    /// Nothing: the filter has not changed the row.
    Nothing,
    /// Its last 3 luma rows and last chroma row (the samples the next row's top edge filters).
    Tail,
    /// The whole row.
    Row,
}

/// The filter trial of one slice (see the module documentation).
#[derive(Debug, Clone)]
pub struct DeblockTrial {
    /// The unfiltered samples of the rows in `kept`.
    unfiltered: Picture,
    /// What is kept of each macroblock row.
    kept: Vec<Kept>,
    /// The slice's first macroblock row (its top edge is not filtered: a picture or slice edge).
    first_row: usize,
    /// Squared error of the row being filtered, before the filter.
    before: u64,
    /// Squared error of the filtered rows' windows before the filter.
    total: u64,
    /// Change of the slice's squared error (luma and chroma) caused by the filter so far.
    delta: i64,
}

impl DeblockTrial {
    /// A trial for pictures shaped like `like`, `mb_height` macroblock rows high.
    pub fn new(like: &Picture, mb_height: usize) -> Self {
        DeblockTrial {
            unfiltered: like.clone(),
            kept: vec![Kept::Nothing; mb_height],
            first_row: 0,
            before: 0,
            total: 0,
            delta: 0,
        }
    }

    /// Starts the trial of a slice whose first macroblock row is `first_row`.
    pub fn start(&mut self, first_row: usize) {
        self.kept.fill(Kept::Nothing);
        self.first_row = first_row;
        self.before = 0;
        self.total = 0;
        self.delta = 0;
    }

    /// Luma and chroma sample rows whose values filtering macroblock row `mb_y` can change: the
    /// row itself, and the 3 luma rows and 1 chroma row above it that its top edge reaches
    /// (8.7.2.3, 8.7.2.4), unless the row is the slice's first.
    fn window(&self, mb_y: usize) -> (Range<usize>, Range<usize>) {
        let (above_y, above_c) = if mb_y > self.first_row {
            (3, 1)
        } else {
            (0, 0)
        };
        (
            16 * mb_y - above_y..16 * mb_y + 16,
            8 * mb_y - above_c..8 * mb_y + 8,
        )
    }

    /// Called just before the filter first changes macroblock row `mb_y` of `recon` (see
    /// `deblock_rows_observed`): keeps the row's samples, and the row above's tail where that
    /// was not kept yet, and measures their error against `src`.
    pub fn before_row(&mut self, recon: &Picture, src: &Picture, mb_y: usize) {
        if mb_y > self.first_row && self.kept[mb_y - 1] == Kept::Nothing {
            copy_rows(&recon.y, &mut self.unfiltered.y, 16 * mb_y - 3..16 * mb_y);
            copy_rows(&recon.u, &mut self.unfiltered.u, 8 * mb_y - 1..8 * mb_y);
            copy_rows(&recon.v, &mut self.unfiltered.v, 8 * mb_y - 1..8 * mb_y);
            self.kept[mb_y - 1] = Kept::Tail;
        }
        copy_rows(&recon.y, &mut self.unfiltered.y, 16 * mb_y..16 * mb_y + 16);
        copy_rows(&recon.u, &mut self.unfiltered.u, 8 * mb_y..8 * mb_y + 8);
        copy_rows(&recon.v, &mut self.unfiltered.v, 8 * mb_y..8 * mb_y + 8);
        self.kept[mb_y] = Kept::Row;
        self.before = self.error(recon, src, mb_y);
    }

    /// Called once macroblock row `mb_y` of `recon` is filtered: adds what the filter changed
    /// to the slice's error (nothing if it filtered no edge of the row).
    pub fn after_row(&mut self, recon: &Picture, src: &Picture, mb_y: usize) {
        if self.kept[mb_y] == Kept::Row {
            let after = self.error(recon, src, mb_y);
            self.delta += after as i64 - self.before as i64;
            self.total += self.before;
        }
    }

    /// Whether the filter pays: it did not raise the squared error of the samples it could
    /// change by more than 1 / [`KEEP_MARGIN`] of it. The filter is kept when the error barely
    /// moves, because a smoother reference predicts the next frames better, which this frame's
    /// error does not show: on camera content the filter lowered P frames' error by only 0.4-0.8
    /// %, yet turning it off cost 50 % in BD-rate.
    pub fn pays(&self) -> bool {
        self.delta <= (self.total / KEEP_MARGIN) as i64
    }

    /// Puts the unfiltered samples back into `recon`.
    pub fn undo(&self, recon: &mut Picture) {
        for (mb_y, &kept) in self.kept.iter().enumerate() {
            let (y, c) = match kept {
                Kept::Nothing => continue,
                Kept::Tail => (16 * mb_y + 13..16 * mb_y + 16, 8 * mb_y + 7..8 * mb_y + 8),
                Kept::Row => (16 * mb_y..16 * mb_y + 16, 8 * mb_y..8 * mb_y + 8),
            };
            copy_rows(&self.unfiltered.y, &mut recon.y, y);
            copy_rows(&self.unfiltered.u, &mut recon.u, c.clone());
            copy_rows(&self.unfiltered.v, &mut recon.v, c);
        }
    }

    /// Squared error of `recon` against `src` over the samples filtering row `mb_y` can change.
    fn error(&self, recon: &Picture, src: &Picture, mb_y: usize) -> u64 {
        let (y, c) = self.window(mb_y);
        sse_rows(&recon.y, &src.y, y)
            + sse_rows(&recon.u, &src.u, c.clone())
            + sse_rows(&recon.v, &src.v, c)
    }
}

/// Copies rows `rows` of the visible area of `from` into `to`.
fn copy_rows(from: &Plane, to: &mut Plane, rows: Range<usize>) {
    for y in rows {
        to.row_mut(y).copy_from_slice(from.row(y));
    }
}

/// Sum of squared differences of rows `rows` of two planes of the same width.
fn sse_rows(a: &Plane, b: &Plane, rows: Range<usize>) -> u64 {
    rows.map(|y| sse(a.row(y), b.row(y))).sum()
}

/// Sum of squared differences of two equally long rows. Each square of a sample difference fits
/// 16 bits (255 squared), so the rows go in chunks of 16: absolute differences, their squares
/// in `u16` lanes, summed into `u32` lanes, which LLVM turns into a few SSE2 instructions per
/// chunk (written with `i32` products it widened every sample: 2.7 instructions a sample, a
/// quarter of a scrolling page's encode).
fn sse(a: &[u8], b: &[u8]) -> u64 {
    let mut lanes = [0u32; 16];
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..16 {
            let d = u16::from(x[i].abs_diff(y[i]));
            lanes[i] += u32::from(d * d);
        }
    }
    let tail: u64 = ra
        .iter()
        .zip(rb)
        .map(|(&x, &y)| u64::from(x.abs_diff(y)).pow(2))
        .sum();
    lanes.iter().map(|&l| u64::from(l)).sum::<u64>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(pic: &mut Picture, seed: u32) {
        let mut s = seed;
        for plane in [&mut pic.y, &mut pic.u, &mut pic.v] {
            for v in plane.data.iter_mut() {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                *v = (s >> 24) as u8;
            }
        }
    }

    #[test]
    fn sse_matches_a_direct_sum() {
        let a: Vec<u8> = (0..9000u32).map(|i| (i * 37 % 251) as u8).collect();
        let b: Vec<u8> = (0..9000u32).map(|i| (i * 91 % 241) as u8).collect();
        let direct: u64 = a
            .iter()
            .zip(&b)
            .map(|(&x, &y)| (i64::from(x) - i64::from(y)).pow(2) as u64)
            .sum();
        assert_eq!(sse(&a, &b), direct);
    }

    /// Changing rows the way the filter does (the window of each row, row by row) and undoing
    /// gives back the unfiltered picture, and the measured change is the change of the whole
    /// picture's error.
    #[test]
    fn undo_restores_and_delta_is_the_pictures_change() {
        let (mbw, mbh) = (3, 4);
        let mut recon = Picture::new(mbw, mbh, 32);
        let mut src = Picture::new(mbw, mbh, 32);
        noise(&mut recon, 1);
        noise(&mut src, 2);
        let original = recon.clone();
        let all = |p: &Picture| {
            sse_rows(&p.y, &src.y, 0..16 * mbh)
                + sse_rows(&p.u, &src.u, 0..8 * mbh)
                + sse_rows(&p.v, &src.v, 0..8 * mbh)
        };
        let start = all(&recon);
        let mut trial = DeblockTrial::new(&recon, mbh);
        trial.start(0);
        // Rows 0 and 2 are "filtered", row 1 not, row 3 too (reaching into row 2's tail and,
        // as the top edge does, into rows above it).
        for mb_y in [0, 2, 3] {
            trial.before_row(&recon, &src, mb_y);
            let (y, c) = trial.window(mb_y);
            for r in y {
                for v in recon.y.row_mut(r).iter_mut() {
                    *v = v.wrapping_add(3);
                }
            }
            for r in c {
                for v in recon.u.row_mut(r).iter_mut().chain(recon.v.row_mut(r)) {
                    *v = v.wrapping_sub(5);
                }
            }
            trial.after_row(&recon, &src, mb_y);
        }
        trial.after_row(&recon, &src, 1);
        assert_eq!(trial.delta, all(&recon) as i64 - start as i64);
        trial.undo(&mut recon);
        for (a, b) in [
            (&recon.y, &original.y),
            (&recon.u, &original.u),
            (&recon.v, &original.v),
        ] {
            for r in 0..a.height {
                assert_eq!(a.row(r), b.row(r), "row {r}");
            }
        }
    }
}
