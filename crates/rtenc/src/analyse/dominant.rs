//! The dominant motions of the last picture: the vectors most of its moving macroblocks share.
//!
//! A window dragged across a screen moves all of its macroblocks by the same vector, often by
//! 20 to 40 samples a frame, and keeps that velocity for several frames. The co-located
//! candidate of the next picture does not carry it (the window has moved on, so its
//! co-located macroblocks were background), and a search from zero rarely walks that far on
//! text. The vectors shared by many macroblocks of the last picture are offered as candidates
//! to every macroblock of the next one: a wrong one costs one SAD.

use crate::common::{MbInfo, Mv};

/// How many dominant vectors are proposed per picture.
pub const MAX_DOMINANT: usize = 2;

/// Fewest macroblocks that must share a vector for it to be proposed.
pub const MIN_SHARE: usize = 8;

/// Only vectors at least this long in one component (quarter samples: 8 samples) are
/// proposed: shorter motion is found from the neighbours' and co-located candidates, and on
/// periodic texture a short shared vector can be an alias that misleads the search (measured:
/// the rate control tests' moving sinusoids coded at a higher QP).
pub const MIN_LENGTH: i16 = 32;

/// ... and at least this fraction (1 / `MIN_FRACTION`) of the inter macroblocks with a long vector.
pub const MIN_FRACTION: usize = 4;

/// Finds the dominant vectors of a picture's macroblocks; keeps its buffer between pictures.
#[derive(Debug, Clone, Default)]
pub struct DominantMotion {
    /// The inter macroblocks' non-zero 16x16 vectors, rounded to whole samples, as sortable
    /// keys.
    keys: Vec<u32>,
}

impl DominantMotion {
    /// A finder for pictures of `mbs` macroblocks.
    pub fn new(mbs: usize) -> Self {
        DominantMotion {
            keys: Vec::with_capacity(mbs),
        }
    }

    /// The non-zero vectors (rounded to whole samples, in quarter-sample units) shared by at
    /// least [`MIN_SHARE`] inter macroblocks of `mbs` (P_Skip included: a window moved
    /// exactly is mostly skipped at its vector), and by at least a [`MIN_FRACTION`]th of those
    /// with a long vector, most shared first; `Mv::ZERO` for none.
    /// Ties go to the smaller key, so the result depends only on `mbs`.
    pub fn find(&mut self, mbs: &[MbInfo]) -> [Mv; MAX_DOMINANT] {
        self.keys.clear();
        for m in mbs {
            if !m.mb_type.is_inter() {
                continue;
            }
            let mv = full_sample(m.mv[0]);
            if mv.x.abs().max(mv.y.abs()) >= MIN_LENGTH {
                self.keys.push(key(mv));
            }
        }
        self.keys.sort_unstable();
        // The longest runs of equal keys, best first.
        let mut best = [(0usize, 0u32); MAX_DOMINANT];
        let mut i = 0;
        while i < self.keys.len() {
            let k = self.keys[i];
            let run = self.keys[i..].iter().take_while(|&&x| x == k).count();
            if let Some(slot) = best.iter().position(|&(n, _)| run > n) {
                best.copy_within(slot..MAX_DOMINANT - 1, slot + 1);
                best[slot] = (run, k);
            }
            i += run;
        }
        // Dominant means shared by a real part of the moving macroblocks, not only by a few
        // of many scattered vectors (periodic texture aliases; noise).
        let min = MIN_SHARE.max(self.keys.len() / MIN_FRACTION);
        best.map(|(n, k)| if n >= min { unkey(k) } else { Mv::ZERO })
    }
}

/// `mv` rounded to the nearest whole sample (quarter-sample units).
fn full_sample(mv: Mv) -> Mv {
    Mv::new((mv.x + 2) & !3, (mv.y + 2) & !3)
}

fn key(mv: Mv) -> u32 {
    (u32::from(mv.x as u16) << 16) | u32::from(mv.y as u16)
}

fn unkey(k: u32) -> Mv {
    Mv::new((k >> 16) as u16 as i16, k as u16 as i16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::MbType;

    fn inter(mv: Mv) -> MbInfo {
        MbInfo {
            mb_type: MbType::P16x16,
            mv: [mv; 16],
            ..MbInfo::default()
        }
    }

    #[test]
    fn the_most_shared_vectors_win_and_rare_or_zero_ones_do_not() {
        let drag = Mv::new(-112, 36);
        let scroll = Mv::new(0, -80);
        let mut mbs = vec![MbInfo::default(); 10]; // intra / skip: ignored
        mbs.extend((0..30).map(|_| inter(Mv::ZERO)));
        mbs.extend((0..20).map(|i| inter(Mv::new(drag.x + (i % 2), drag.y - 1)))); // rounds
        mbs.extend((0..9).map(|_| inter(scroll)));
        mbs.extend((0..7).map(|_| inter(Mv::new(400, 4))));
        mbs.extend((0..40).map(|_| inter(Mv::new(8, -4)))); // short: never proposed
        let mut d = DominantMotion::new(mbs.len());
        assert_eq!(d.find(&mbs), [drag, scroll]);
        // Too few for the second.
        mbs.truncate(10 + 30 + 20 + 7);
        assert_eq!(d.find(&mbs), [drag, Mv::ZERO]);
        assert_eq!(d.find(&[]), [Mv::ZERO; 2]);
    }

    #[test]
    fn keys_round_trip_negative_vectors() {
        for mv in [Mv::new(-2048, 2047), Mv::new(0, -1), Mv::new(-4, 0)] {
            assert_eq!(unkey(key(mv)), mv);
        }
    }
}
