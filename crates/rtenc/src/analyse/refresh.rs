//! Intra refresh geometry: which macroblock columns each frame of a sweep codes intra, and how
//! far the motion of the area already refreshed may reach.
//!
//! A sweep takes `period` P frames. Frame `k` of it (0-based) codes the columns
//! `[start_k, end_k)` intra, where `end_k = ceil((k + 1) * mb_width / period)` (at least 1) and
//! `start_k = end_{k-1} - 1` (0 for `k = 0`): each column overlaps the last one by a macroblock,
//! because the loop filter across the refreshed area's right edge writes up to 3 luma samples
//! (1 chroma sample) into it from the side not yet refreshed. So after frame `k` the reference
//! is exact (for a decoder that started at the sweep's first frame, with any reference before
//! it) left of `16 * end_k - 3` luma samples (the filter changes samples only along its lines,
//! so what it reads from the other side stays within those last 3 columns).
//!
//! The macroblocks left of the column are inter (or intra) and may read only that exact area:
//! luma motion at a sub-sample position reads 2 samples left and 3 right of the block (the
//! 6-tap filter), chroma 1 more on the right at eighth-sample positions. A horizontal vector
//! component of at most `4 * (exact - x - w - 3)` quarter samples for a block at `x`, `w` wide
//! keeps both inside (luma reads up to `exact - 1`, chroma up to `8 * end - 3` of the
//! `8 * end - 1` exact chroma columns), whatever the fraction. Vertical motion is free: rows outside the picture repeat
//! the edge rows of the same columns. The intra column itself predicts from its left (exact)
//! and top (the column) neighbours, but its rightmost macroblock's top-right neighbour is not
//! refreshed yet: its top-right 4x4 block must not use the two modes that read it.

/// What one P frame of an intra refresh sweep must respect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshFrame {
    /// First macroblock column coded intra.
    pub start: usize,
    /// One past the last macroblock column coded intra.
    pub end: usize,
    /// The reference is exact left of this luma sample column (for the macroblocks left of
    /// `start`; 0 when there are none).
    pub exact_x: i32,
    /// Picture width in macroblocks.
    pub mb_width: usize,
    /// The rate control's last resort: every macroblock outside the column is P_Skip with a
    /// zero vector (the column still refreshes, so the sweep keeps its promise).
    pub only: bool,
}

/// One past the last column refreshed by frame `k` of a sweep of `period` frames.
fn end_col(k: u64, period: u64, mb_width: usize) -> usize {
    let w = mb_width as u64;
    ((k + 1).min(period) * w)
        .div_ceil(period.max(1))
        .clamp(1, w) as usize
}

impl RefreshFrame {
    /// Frame `k` (taken modulo `period`) of a sweep over `mb_width` columns.
    pub fn new(k: u64, period: u32, mb_width: usize) -> Self {
        let period = u64::from(period.max(1));
        let k = k % period;
        let end = end_col(k, period, mb_width);
        let (start, exact_x) = if k == 0 {
            (0, 0)
        } else {
            let prev = end_col(k - 1, period, mb_width);
            (prev - 1, 16 * prev as i32 - 3)
        };
        RefreshFrame {
            start,
            end,
            exact_x,
            mb_width,
            only: false,
        }
    }

    /// Whether macroblock column `mb_x` is coded intra.
    #[inline]
    pub fn is_intra(&self, mb_x: usize) -> bool {
        (self.start..self.end).contains(&mb_x)
    }

    /// Whether the macroblock in column `mb_x` is refreshed already and must predict from the
    /// exact area only.
    #[inline]
    pub fn is_clean(&self, mb_x: usize) -> bool {
        mb_x < self.start
    }

    /// Whether an intra macroblock in column `mb_x` has a top-right neighbour not yet
    /// refreshed (its top-right 4x4 block then avoids the modes that read it).
    #[inline]
    pub fn dirty_top_right(&self, mb_x: usize) -> bool {
        mb_x + 1 == self.end && self.end < self.mb_width
    }

    /// The largest horizontal vector component (quarter samples, a whole-sample multiple)
    /// of a block at luma column `x`, `w` samples wide, in a clean macroblock.
    #[inline]
    pub fn max_mv_x(&self, x: usize, w: usize) -> i32 {
        4 * (self.exact_x - x as i32 - w as i32 - 3)
    }

    /// Whether a block at `x`, `w` wide, in macroblock column `mb_x` may use horizontal vector
    /// component `mv_x`.
    #[cfg(test)]
    pub fn allows(&self, mb_x: usize, x: usize, w: usize, mv_x: i16) -> bool {
        !self.is_clean(mb_x) || i32::from(mv_x) <= self.max_mv_x(x, w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_covers_the_picture_with_overlapping_columns() {
        for mb_width in [1usize, 2, 3, 7, 40, 80, 120] {
            for period in [1u32, 2, 5, 29, 30, 60, 200] {
                let mut covered_to = 0;
                for k in 0..u64::from(period) {
                    let f = RefreshFrame::new(k, period, mb_width);
                    assert!(f.start < f.end && f.end <= mb_width, "{f:?}");
                    // Each column starts one before the last one ended (overlap), or at 0.
                    assert_eq!(f.start, covered_to.max(1) - 1, "k {k}: {f:?}");
                    assert!(f.end >= covered_to);
                    covered_to = f.end;
                    if k > 0 {
                        // The clean macroblocks' zero vector stays in the exact area.
                        assert!(f.start == 0 || f.allows(f.start - 1, 16 * (f.start - 1), 16, 0));
                    }
                }
                assert_eq!(covered_to, mb_width, "period {period} width {mb_width}");
                // The sweep restarts.
                assert_eq!(
                    RefreshFrame::new(u64::from(period), period, mb_width).start,
                    0
                );
            }
        }
    }

    #[test]
    fn the_vector_limit_keeps_the_filter_inside() {
        // 40 columns in 10 frames: frame 3 refreshes [11, 16), the reference is exact left of
        // 16 * 12 - 3 = 189.
        let f = RefreshFrame::new(3, 10, 40);
        assert_eq!((f.start, f.end, f.exact_x), (11, 16, 189));
        // A 16-wide block at x = 160 may move right by 189 - 176 - 3 = 10 whole samples; at
        // 9.75 samples (39) it reads up to 160 + 9 + 15 + 3 = 187, at 10 up to 185 < 189.
        assert_eq!(f.max_mv_x(160, 16), 40);
        assert!(f.allows(10, 160, 16, 40) && !f.allows(10, 160, 16, 41));
        // Columns from `start` on are not limited.
        assert!(f.allows(11, 176, 16, 400));
        assert!(f.dirty_top_right(15) && !f.dirty_top_right(14));
        assert!(!RefreshFrame::new(9, 10, 40).dirty_top_right(39));
    }
}
