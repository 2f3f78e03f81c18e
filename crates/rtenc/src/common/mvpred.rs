//! Luma motion vector prediction for P slices: the predictor mvpL0 of a macroblock partition
//! (8.4.1.3 with 8.4.1.3.1 and 8.4.1.3.2) and the inferred motion vector of P_Skip (8.4.1.1).
//!
//! Frame macroblocks only, list 0 only, partitions down to 8x8 (no sub-macroblock partitions).
//! Neighbouring partitions are found from luma sample positions relative to the macroblock
//! (6.4.11.7, 6.4.12): A left of the partition's top-left sample, B above it, C above-right of
//! its top-right sample and D above-left of its top-left sample, D standing in for C when C is
//! not available.

use super::{MbInfo, MbPos, Mv};

/// The partition of the current macroblock whose predictor is wanted, for the directional rules
/// of 8.4.1.3. Indices are in decoding order (`mbPartIdx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartShape {
    /// The one partition of a P_L0_16x16 (or P_Skip) macroblock.
    P16x16,
    /// A partition of a P_L0_L0_16x8 macroblock.
    P16x8 {
        /// 0 top, 1 bottom.
        index: usize,
    },
    /// A partition of a P_L0_L0_8x16 macroblock.
    P8x16 {
        /// 0 left, 1 right.
        index: usize,
    },
    /// An 8x8 partition of a P_8x8 macroblock (sub_mb_type P_L0_8x8).
    P8x8 {
        /// 0..=3 in raster order (which is also decoding order).
        index: usize,
    },
}

impl PartShape {
    /// The partition's index in decoding order (`mbPartIdx`).
    #[inline]
    pub const fn index(self) -> usize {
        match self {
            PartShape::P16x16 => 0,
            PartShape::P16x8 { index } | PartShape::P8x16 { index } | PartShape::P8x8 { index } => {
                index
            }
        }
    }

    /// The partition as (x, y, width, height) in luma samples relative to the macroblock's
    /// top-left sample.
    #[inline]
    pub const fn rect(self) -> (usize, usize, usize, usize) {
        match self {
            PartShape::P16x16 => (0, 0, 16, 16),
            PartShape::P16x8 { index } => (0, 8 * index, 16, 8),
            PartShape::P8x16 { index } => (8 * index, 0, 8, 16),
            PartShape::P8x8 { index } => (8 * (index & 1), 8 * (index >> 1), 8, 8),
        }
    }

    /// The index of the partition of this macroblock partitioning that covers luma sample
    /// (`x`, `y`) of the macroblock.
    #[inline]
    const fn part_at(self, x: usize, y: usize) -> usize {
        match self {
            PartShape::P16x16 => 0,
            PartShape::P16x8 { .. } => y / 8,
            PartShape::P8x16 { .. } => x / 8,
            PartShape::P8x8 { .. } => x / 8 + 2 * (y / 8),
        }
    }

    const fn is_valid(self) -> bool {
        match self {
            PartShape::P16x16 => true,
            PartShape::P16x8 { index } | PartShape::P8x16 { index } => index < 2,
            PartShape::P8x8 { index } => index < 4,
        }
    }
}

/// A neighbouring partition as 8.4.1.3.2 sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Neighbour {
    /// The partition exists (macroblock available, partition already decoded).
    avail: bool,
    /// refIdxL0N: -1 when not available, intra, or not predicted from list 0.
    ref_idx: i8,
    /// mvL0N: zero whenever `ref_idx` is -1.
    mv: Mv,
}

const UNAVAILABLE: Neighbour = Neighbour {
    avail: false,
    ref_idx: -1,
    mv: Mv::ZERO,
};

/// The list 0 motion of luma sample (`x`, `y`) (0..16) of a macroblock known to be inter.
#[inline]
fn inter_motion(mb: &MbInfo, x: usize, y: usize) -> Neighbour {
    let ref_idx = mb.ref_idx[x / 8 + 2 * (y / 8)];
    if ref_idx < 0 {
        // predFlagL0 == 0: no list 0 motion to predict from.
        return Neighbour {
            avail: true,
            ref_idx: -1,
            mv: Mv::ZERO,
        };
    }
    Neighbour {
        avail: true,
        ref_idx,
        mv: mb.mv[x / 4 + 4 * (y / 4)],
    }
}

/// Luma sample (`x`, `y`) (0..16) of an available neighbouring macroblock. Intra macroblocks
/// (and, defensively, uncoded ones) have no motion: refIdx -1, mv zero, whatever their
/// `ref_idx`/`mv` fields hold.
#[inline]
fn neighbour_mb(mbs: &[MbInfo], addr: Option<usize>, x: usize, y: usize) -> Neighbour {
    match addr {
        None => UNAVAILABLE,
        Some(a) => {
            let mb = &mbs[a];
            if mb.mb_type.is_inter() {
                inter_motion(mb, x, y)
            } else {
                Neighbour {
                    avail: true,
                    ref_idx: -1,
                    mv: Mv::ZERO,
                }
            }
        }
    }
}

/// The partition covering luma location (`x`, `y`) relative to the current macroblock's
/// top-left sample (6.4.12 for frame macroblocks): x in -1..=16, y in -1..=15.
#[inline]
fn neighbour(
    mbs: &[MbInfo],
    pos: &MbPos,
    cur: &MbInfo,
    shape: PartShape,
    x: isize,
    y: isize,
) -> Neighbour {
    let xw = (x & 15) as usize;
    if y < 0 {
        let addr = if x < 0 {
            pos.top_left
        } else if x < 16 {
            pos.top
        } else {
            pos.top_right
        };
        neighbour_mb(mbs, addr, xw, 15)
    } else if x < 0 {
        neighbour_mb(mbs, pos.left, 15, y as usize)
    } else if x < 16 {
        // Inside the current macroblock: available only when an earlier partition covers it.
        let (xu, yu) = (x as usize, y as usize);
        if shape.part_at(xu, yu) < shape.index() {
            inter_motion(cur, xu, yu)
        } else {
            UNAVAILABLE
        }
    } else {
        // Right of the macroblock at rows >= 0: not yet decoded.
        UNAVAILABLE
    }
}

/// Neighbours A, B and C (C already replaced by D when not available) of a partition (8.4.1.3.2).
#[inline]
fn neighbours(mbs: &[MbInfo], pos: &MbPos, cur: &MbInfo, shape: PartShape) -> [Neighbour; 3] {
    let (x, y, w, _) = shape.rect();
    let (x, y, w) = (x as isize, y as isize, w as isize);
    let a = neighbour(mbs, pos, cur, shape, x - 1, y);
    let b = neighbour(mbs, pos, cur, shape, x, y - 1);
    let mut c = neighbour(mbs, pos, cur, shape, x + w, y - 1);
    if !c.avail {
        c = neighbour(mbs, pos, cur, shape, x - 1, y - 1);
    }
    [a, b, c]
}

#[inline]
fn median3(a: i16, b: i16, c: i16) -> i16 {
    a.min(b).max(a.max(b).min(c))
}

/// 8.4.1.3 from the neighbours: directional rules for 16x8 and 8x16, otherwise 8.4.1.3.1.
#[inline]
fn predict_from(shape: PartShape, [a, b, c]: [Neighbour; 3], ref_idx: i8) -> Mv {
    match shape {
        PartShape::P16x8 { index: 0 } if b.ref_idx == ref_idx => return b.mv,
        PartShape::P16x8 { index: 1 } if a.ref_idx == ref_idx => return a.mv,
        PartShape::P8x16 { index: 0 } if a.ref_idx == ref_idx => return a.mv,
        PartShape::P8x16 { index: 1 } if c.ref_idx == ref_idx => return c.mv,
        _ => {}
    }
    // 8.4.1.3.1: median prediction.
    let (b, c) = if !b.avail && !c.avail && a.avail {
        (a, a)
    } else {
        (b, c)
    };
    match (
        a.ref_idx == ref_idx,
        b.ref_idx == ref_idx,
        c.ref_idx == ref_idx,
    ) {
        (true, false, false) => a.mv,
        (false, true, false) => b.mv,
        (false, false, true) => c.mv,
        _ => Mv::new(
            median3(a.mv.x, b.mv.x, c.mv.x),
            median3(a.mv.y, b.mv.y, c.mv.y),
        ),
    }
}

/// The motion vector predictor mvpL0 (8.4.1.3) of the partition of the current macroblock at
/// `pos` described by `shape`, whose reference index is `ref_idx` (0 in rtenc).
///
/// `mbs` is the picture's macroblock array in raster order; neighbouring macroblocks are read
/// from it through the addresses in `pos` (so their availability is exactly what `pos` says).
/// `cur` is the current macroblock with the `mv` and `ref_idx` of the partitions that precede
/// this one in decoding order filled in; nothing else of `cur` is read (not even its `mb_type`,
/// and neither is `mbs[pos.addr]`).
pub fn predict_mv(mbs: &[MbInfo], pos: &MbPos, cur: &MbInfo, shape: PartShape, ref_idx: i8) -> Mv {
    debug_assert!(shape.is_valid(), "partition index out of range: {shape:?}");
    debug_assert!(ref_idx >= 0, "refIdx must be >= 0");
    predict_from(shape, neighbours(mbs, pos, cur, shape), ref_idx)
}

/// The motion vector of a P_Skip macroblock at `pos` (8.4.1.1; its refIdxL0 is 0): zero when
/// mbAddrA or mbAddrB is not available, or when A or B has refIdxL0 0 and a zero motion vector;
/// otherwise the 16x16 predictor for refIdx 0.
pub fn p_skip_mv(mbs: &[MbInfo], pos: &MbPos) -> Mv {
    if pos.left.is_none() || pos.top.is_none() {
        return Mv::ZERO;
    }
    // A 16x16 partition has no neighbours inside its own macroblock, so `cur` is never read.
    let cur = MbInfo::default();
    let n = neighbours(mbs, pos, &cur, PartShape::P16x16);
    let [a, b, _] = n;
    if (a.ref_idx == 0 && a.mv == Mv::ZERO) || (b.ref_idx == 0 && b.mv == Mv::ZERO) {
        return Mv::ZERO;
    }
    predict_from(PartShape::P16x16, n, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::MbType;
    use proptest::prelude::*;

    // ---------------------------------------------------------------------------------------
    // Reference implementation: a picture-level grid of luma 4x4 blocks, availability decided
    // from first principles (inside the picture, same slice, earlier in raster decoding order,
    // or an earlier partition of the current macroblock), neighbours found by coordinates.
    // ---------------------------------------------------------------------------------------

    /// Partitions of each shape kind as (x, y, w, h) in 4x4 blocks, in decoding order.
    const REF_PARTS: [&[(i64, i64, i64, i64)]; 4] = [
        &[(0, 0, 4, 4)],
        &[(0, 0, 4, 2), (0, 2, 4, 2)],
        &[(0, 0, 2, 4), (2, 0, 2, 4)],
        &[(0, 0, 2, 2), (2, 0, 2, 2), (0, 2, 2, 2), (2, 2, 2, 2)],
    ];

    fn shape_of(kind: usize, index: usize) -> PartShape {
        match kind {
            0 => PartShape::P16x16,
            1 => PartShape::P16x8 { index },
            2 => PartShape::P8x16 { index },
            _ => PartShape::P8x8 { index },
        }
    }

    #[derive(Debug, Clone)]
    struct RefPic {
        /// Width and height in macroblocks.
        w: usize,
        h: usize,
        mbs: Vec<MbInfo>,
        slice: Vec<u16>,
        /// The current macroblock's address and its (partially decided) contents.
        cur_addr: usize,
        cur: MbInfo,
    }

    type Blk = (bool, i8, Mv);
    const NA: Blk = (false, -1, Mv::ZERO);

    impl RefPic {
        fn pos(&self) -> MbPos {
            MbPos::new(
                self.cur_addr % self.w,
                self.cur_addr / self.w,
                self.w,
                |a| self.slice[a],
            )
        }

        /// (available, refIdx, mv) of the luma 4x4 block at picture block coordinates
        /// (`gx`, `gy`), as seen while predicting partition `part` of kind `kind`.
        fn block(&self, kind: usize, part: usize, gx: i64, gy: i64) -> Blk {
            let (w, h) = (self.w as i64, self.h as i64);
            if gx < 0 || gy < 0 || gx >= 4 * w || gy >= 4 * h {
                return NA;
            }
            let addr = ((gy / 4) * w + gx / 4) as usize;
            let (bx, by) = ((gx % 4) as usize, (gy % 4) as usize);
            let q = bx / 2 + 2 * (by / 2);
            if addr == self.cur_addr {
                // Decoded iff an earlier partition of the current macroblock covers the block.
                let decoded = REF_PARTS[kind][..part].iter().any(|&(px, py, pw, ph)| {
                    (px..px + pw).contains(&(bx as i64)) && (py..py + ph).contains(&(by as i64))
                });
                return if decoded {
                    (true, self.cur.ref_idx[q], self.cur.mv[bx + 4 * by])
                } else {
                    NA
                };
            }
            if addr > self.cur_addr || self.slice[addr] != self.slice[self.cur_addr] {
                return NA;
            }
            let mb = &self.mbs[addr];
            match mb.mb_type {
                MbType::PSkip | MbType::P16x16 | MbType::P16x8 | MbType::P8x16 | MbType::P8x8 => {
                    (true, mb.ref_idx[q], mb.mv[bx + 4 * by])
                }
                MbType::None | MbType::I4x4 | MbType::I16x16 => (true, -1, Mv::ZERO),
            }
        }

        fn mvp(&self, kind: usize, part: usize, ref_idx: i8) -> Mv {
            let (px, py, pw, _) = REF_PARTS[kind][part];
            let gx = 4 * (self.cur_addr % self.w) as i64 + px;
            let gy = 4 * (self.cur_addr / self.w) as i64 + py;
            let a = self.block(kind, part, gx - 1, gy);
            let mut b = self.block(kind, part, gx, gy - 1);
            let mut c = self.block(kind, part, gx + pw, gy - 1);
            if !c.0 {
                c = self.block(kind, part, gx - 1, gy - 1);
            }
            if !b.0 && !c.0 && a.0 {
                b = a;
                c = a;
            }
            let directional = match (kind, part) {
                (1, 0) => Some(b),
                (1, 1) | (2, 0) => Some(a),
                (2, 1) => Some(c),
                _ => None,
            };
            if let Some(n) = directional {
                if n.1 == ref_idx {
                    return n.2;
                }
            }
            let matching: Vec<Blk> = [a, b, c].into_iter().filter(|n| n.1 == ref_idx).collect();
            if matching.len() == 1 {
                return matching[0].2;
            }
            let mut xs = [a.2.x, b.2.x, c.2.x];
            let mut ys = [a.2.y, b.2.y, c.2.y];
            xs.sort();
            ys.sort();
            Mv::new(xs[1], ys[1])
        }

        fn skip(&self) -> Mv {
            let gx = 4 * (self.cur_addr % self.w) as i64;
            let gy = 4 * (self.cur_addr / self.w) as i64;
            let a = self.block(0, 0, gx - 1, gy);
            let b = self.block(0, 0, gx, gy - 1);
            if !a.0 || !b.0 || (a.1 == 0 && a.2 == Mv::ZERO) || (b.1 == 0 && b.2 == Mv::ZERO) {
                return Mv::ZERO;
            }
            self.mvp(0, 0, 0)
        }
    }

    fn arb_mv() -> impl Strategy<Value = Mv> {
        prop_oneof![
            6 => (-2i16..=2, -2i16..=2).prop_map(|(x, y)| Mv::new(x, y)),
            1 => any::<(i16, i16)>().prop_map(|(x, y)| Mv::new(x, y)),
        ]
    }

    fn arb_mb() -> impl Strategy<Value = MbInfo> {
        let types = prop::sample::select(vec![
            MbType::None,
            MbType::I4x4,
            MbType::I16x16,
            MbType::PSkip,
            MbType::P16x16,
            MbType::P16x8,
            MbType::P8x16,
            MbType::P8x8,
        ]);
        let mvs = prop_oneof![
            arb_mv().prop_map(|m| [m; 16]),
            prop::array::uniform16(arb_mv()),
        ];
        // ref_idx is arbitrary (0 or 1) even for intra/uncoded macroblocks: it must not be read.
        (types, mvs, prop::array::uniform4(0i8..=1), 0u8..52).prop_map(
            |(mb_type, mv, ref_idx, qp)| MbInfo {
                mb_type,
                mv,
                ref_idx,
                qp,
                ..Default::default()
            },
        )
    }

    fn arb_pic() -> impl Strategy<Value = RefPic> {
        (1usize..=4, 1usize..=4).prop_flat_map(|(w, h)| {
            let n = w * h;
            (
                prop::collection::vec(arb_mb(), n),
                prop_oneof![
                    Just(vec![0u16; n]),
                    prop::collection::vec(0u16..3, n),
                    // Contiguous slices: a slice starts at each address whose flag is set.
                    prop::collection::vec(prop::bool::weighted(0.2), n).prop_map(|starts| {
                        let mut id = 0u16;
                        starts
                            .iter()
                            .map(|&s| {
                                id += s as u16;
                                id
                            })
                            .collect()
                    }),
                ],
                0..n,
                arb_mb(),
            )
                .prop_map(move |(mbs, slice, cur_addr, cur)| RefPic {
                    w,
                    h,
                    mbs,
                    slice,
                    cur_addr,
                    cur,
                })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn matches_reference(pic in arb_pic()) {
            let pos = pic.pos();
            for (kind, parts) in REF_PARTS.iter().enumerate() {
                for part in 0..parts.len() {
                    for ref_idx in 0..=1i8 {
                        let got = predict_mv(&pic.mbs, &pos, &pic.cur, shape_of(kind, part), ref_idx);
                        let want = pic.mvp(kind, part, ref_idx);
                        prop_assert_eq!(got, want, "kind {} part {} ref {}", kind, part, ref_idx);
                    }
                }
            }
            prop_assert_eq!(p_skip_mv(&pic.mbs, &pos), pic.skip());
        }
    }

    // ---------------------------------------------------------------------------------------
    // Hand-written cases.
    // ---------------------------------------------------------------------------------------

    fn inter(mv: Mv) -> MbInfo {
        MbInfo {
            mb_type: MbType::P16x16,
            mv: [mv; 16],
            ref_idx: [0; 4],
            ..Default::default()
        }
    }

    /// Intra, with ref_idx fields of 0 and a non-zero mv, which must both be ignored.
    fn intra() -> MbInfo {
        MbInfo {
            mb_type: MbType::I16x16,
            mv: [Mv::new(99, 99); 16],
            ref_idx: [0; 4],
            ..Default::default()
        }
    }

    /// A 3x3-macroblock picture, one slice, current macroblock in the middle (address 4):
    /// D = 0, B = 1, C = 2, A = 3.
    fn grid(d: MbInfo, b: MbInfo, c: MbInfo, a: MbInfo) -> (Vec<MbInfo>, MbPos) {
        let mut mbs = vec![MbInfo::default(); 9];
        mbs[0] = d;
        mbs[1] = b;
        mbs[2] = c;
        mbs[3] = a;
        (mbs, MbPos::new(1, 1, 3, |_| 0))
    }

    fn mvp(mbs: &[MbInfo], pos: &MbPos, shape: PartShape) -> Mv {
        predict_mv(mbs, pos, &MbInfo::default(), shape, 0)
    }

    #[test]
    fn median_of_three() {
        let (mbs, pos) = grid(
            inter(Mv::new(50, 50)),
            inter(Mv::new(5, 2)),
            inter(Mv::new(3, 7)),
            inter(Mv::new(1, 10)),
        );
        assert_eq!(mvp(&mbs, &pos, PartShape::P16x16), Mv::new(3, 7));
        assert_eq!(p_skip_mv(&mbs, &pos), Mv::new(3, 7));
        // Component-wise, not a vector picked whole.
        let (mbs, pos) = grid(
            intra(),
            inter(Mv::new(-4, 8)),
            inter(Mv::new(6, -2)),
            inter(Mv::new(1, 1)),
        );
        assert_eq!(mvp(&mbs, &pos, PartShape::P16x16), Mv::new(1, 1));
        let (mbs, pos) = grid(
            intra(),
            inter(Mv::new(-4, 8)),
            inter(Mv::new(6, -2)),
            inter(Mv::new(2, 3)),
        );
        assert_eq!(mvp(&mbs, &pos, PartShape::P16x16), Mv::new(2, 3));
        let (mbs, pos) = grid(
            intra(),
            inter(Mv::new(-4, 8)),
            inter(Mv::new(6, -2)),
            inter(Mv::new(9, -9)),
        );
        assert_eq!(mvp(&mbs, &pos, PartShape::P16x16), Mv::new(6, -2));
    }

    #[test]
    fn c_unavailable_uses_d() {
        // Right-most column: no top-right macroblock, D takes C's place.
        let mut mbs = vec![MbInfo::default(); 6];
        mbs[0] = inter(Mv::new(8, 8)); // D
        mbs[1] = inter(Mv::new(0, 4)); // B
        mbs[2] = inter(Mv::new(4, 0)); // A
        let pos = MbPos::new(1, 1, 2, |_| 0);
        assert_eq!(pos.top_right, None);
        assert_eq!(mvp(&mbs, &pos, PartShape::P16x16), Mv::new(4, 4));
    }

    #[test]
    fn only_one_matching_ref() {
        // Only A has refIdx 0 (B, C intra): A's vector, not the median (0, 0).
        let (mbs, pos) = grid(intra(), intra(), intra(), inter(Mv::new(7, -3)));
        assert_eq!(mvp(&mbs, &pos, PartShape::P16x16), Mv::new(7, -3));
        // Only B has refIdx 0 (A and C use reference 1).
        let mut a = inter(Mv::new(1, 1));
        a.ref_idx = [1; 4];
        let mut c = inter(Mv::new(3, 3));
        c.ref_idx = [1; 4];
        let (mbs, pos) = grid(intra(), inter(Mv::new(-8, 2)), c, a);
        assert_eq!(mvp(&mbs, &pos, PartShape::P16x16), Mv::new(-8, 2));
        // Same picture predicting refIdx 1: two match -> median.
        assert_eq!(
            predict_mv(&mbs, &pos, &MbInfo::default(), PartShape::P16x16, 1),
            Mv::new(1, 2)
        );
        // Only C (an intra MB's garbage ref_idx 0 does not count).
        let (mbs, pos) = grid(intra(), intra(), inter(Mv::new(5, 6)), intra());
        assert_eq!(mvp(&mbs, &pos, PartShape::P16x16), Mv::new(5, 6));
        // I4x4 and uncoded (MbType::None) neighbours count as intra as well.
        let i4 = MbInfo {
            mb_type: MbType::I4x4,
            ..intra()
        };
        let none = MbInfo {
            mb_type: MbType::None,
            ..intra()
        };
        let (mbs, pos) = grid(intra(), i4, inter(Mv::new(5, 6)), none);
        assert_eq!(mvp(&mbs, &pos, PartShape::P16x16), Mv::new(5, 6));
    }

    #[test]
    fn b_and_c_unavailable_take_a() {
        // Top row of the picture: B, C, D unavailable; A's vector for every shape.
        let mut mbs = vec![MbInfo::default(); 3];
        mbs[0] = inter(Mv::new(7, -3));
        let pos = MbPos::new(1, 0, 3, |_| 0);
        assert_eq!(mvp(&mbs, &pos, PartShape::P16x16), Mv::new(7, -3));
        assert_eq!(
            mvp(&mbs, &pos, PartShape::P16x8 { index: 0 }),
            Mv::new(7, -3)
        );
        assert_eq!(
            mvp(&mbs, &pos, PartShape::P8x16 { index: 0 }),
            Mv::new(7, -3)
        );
        assert_eq!(
            mvp(&mbs, &pos, PartShape::P8x8 { index: 0 }),
            Mv::new(7, -3)
        );
        // A on another reference than the one predicted: B and C still take A's vector and
        // refIdx, so nothing matches and the median of three copies of A is A (without the
        // substitution it would be the median of (7, -3), 0, 0).
        let mut a1 = inter(Mv::new(7, -3));
        a1.ref_idx = [1; 4];
        mbs[0] = a1;
        for shape in [
            PartShape::P16x16,
            PartShape::P16x8 { index: 0 },
            PartShape::P8x16 { index: 0 },
            PartShape::P8x8 { index: 0 },
        ] {
            assert_eq!(mvp(&mbs, &pos, shape), Mv::new(7, -3), "{shape:?}");
        }
        // Top row, intra A: nothing to predict from.
        mbs[0] = intra();
        assert_eq!(mvp(&mbs, &pos, PartShape::P16x16), Mv::ZERO);
        // B and C unavailable through a slice boundary, not the picture edge.
        let mut mbs = vec![inter(Mv::new(40, 40)); 6];
        mbs[4] = inter(Mv::new(-2, 6));
        let pos = MbPos::new(2, 1, 3, |a| if a >= 3 { 1 } else { 0 });
        assert_eq!(mvp(&mbs, &pos, PartShape::P16x16), Mv::new(-2, 6));
        // C unavailable but D available: no substitution, median of A, 0 (B), D.
        let mut mbs = vec![MbInfo::default(); 6];
        mbs[0] = inter(Mv::new(10, 10)); // D
        mbs[2] = inter(Mv::new(4, 4)); // A
        let pos = MbPos::new(1, 1, 2, |a| if a == 1 { 1 } else { 0 });
        assert_eq!((pos.top, pos.top_left), (None, Some(0)));
        assert_eq!(mvp(&mbs, &pos, PartShape::P16x16), Mv::new(4, 4));
        mbs[0] = inter(Mv::new(-1, 3)); // D, with A (4,4) and B (0,0) -> median (0, 3)
        assert_eq!(mvp(&mbs, &pos, PartShape::P16x16), Mv::new(0, 3));
    }

    #[test]
    fn directional_16x8() {
        let (mbs, pos) = grid(
            inter(Mv::new(0, 0)),
            inter(Mv::new(2, 2)),
            inter(Mv::new(-5, -5)),
            inter(Mv::new(9, 9)),
        );
        // Top: B. Median would be (2, 2) too, so make B the outlier.
        let mut mbs2 = mbs.clone();
        mbs2[1] = inter(Mv::new(20, -20));
        assert_eq!(
            mvp(&mbs2, &pos, PartShape::P16x8 { index: 0 }),
            Mv::new(20, -20)
        );
        assert_eq!(mvp(&mbs2, &pos, PartShape::P16x16), Mv::new(9, -5));
        // Bottom: A (left MB, rows 8..16).
        let mut cur = MbInfo::default();
        cur.mv[0..8].copy_from_slice(&[Mv::new(2, 2); 8]);
        assert_eq!(
            predict_mv(&mbs, &pos, &cur, PartShape::P16x8 { index: 1 }, 0),
            Mv::new(9, 9)
        );
        // Top with B intra: directional rule fails -> median of A, B = 0, C.
        let mut mbs3 = mbs.clone();
        mbs3[1] = intra();
        assert_eq!(
            mvp(&mbs3, &pos, PartShape::P16x8 { index: 0 }),
            Mv::new(0, 0)
        );
        // Top with B intra and C intra: only A matches.
        mbs3[2] = intra();
        assert_eq!(
            mvp(&mbs3, &pos, PartShape::P16x8 { index: 0 }),
            Mv::new(9, 9)
        );
    }

    #[test]
    fn sixteen_by_eight_bottom_neighbours() {
        // Left MB: A of the bottom partition is its block at (-1, 8), D (standing in for C,
        // which would be at (16, 7) in the not yet coded MB to the right) the one at (-1, 7).
        let mut left = inter(Mv::ZERO);
        left.mv[3 + 4] = Mv::new(-6, 6); // (x 12..16, y 4..8): D = (-1, 7)
        left.mv[3 + 8] = Mv::new(30, 1); // (x 12..16, y 8..12): A = (-1, 8)
        left.ref_idx = [1, 1, 1, 0]; // D on ref 1, A on ref 0 -> directional A.
        let (mbs, pos) = grid(intra(), intra(), inter(Mv::new(77, 77)), left);
        let mut cur = MbInfo::default();
        cur.mv[0..8].copy_from_slice(&[Mv::new(2, 5); 8]);
        assert_eq!(
            predict_mv(&mbs, &pos, &cur, PartShape::P16x8 { index: 1 }, 0),
            Mv::new(30, 1)
        );
        // A on ref 1: 8.4.1.3.1 over A, B = partition 0 (0, 7) and D; the top-right MB's
        // (77, 77) must not be used. Only B has ref 0 -> B.
        let mut left2 = left;
        left2.ref_idx = [1, 1, 1, 1];
        let (mbs, pos) = grid(intra(), intra(), inter(Mv::new(77, 77)), left2);
        assert_eq!(
            predict_mv(&mbs, &pos, &cur, PartShape::P16x8 { index: 1 }, 0),
            Mv::new(2, 5)
        );
        // Partition 0 on ref 1 too: nothing matches -> median of (30, 1), (0, 9), (-6, 6).
        cur.ref_idx = [1, 1, 0, 0];
        cur.mv[0..8].copy_from_slice(&[Mv::new(0, 9); 8]);
        assert_eq!(
            predict_mv(&mbs, &pos, &cur, PartShape::P16x8 { index: 1 }, 0),
            Mv::new(0, 6)
        );
    }

    #[test]
    fn directional_8x16() {
        let (mbs, pos) = grid(
            inter(Mv::new(0, 0)),
            inter(Mv::new(2, 2)),
            inter(Mv::new(-5, -5)),
            inter(Mv::new(9, 9)),
        );
        // Left: A.
        assert_eq!(
            mvp(&mbs, &pos, PartShape::P8x16 { index: 0 }),
            Mv::new(9, 9)
        );
        // Right: C = top-right MB at (16, -1).
        let mut cur = MbInfo::default();
        for by in 0..4 {
            cur.mv[4 * by] = Mv::new(1, 1);
            cur.mv[4 * by + 1] = Mv::new(1, 1);
        }
        assert_eq!(
            predict_mv(&mbs, &pos, &cur, PartShape::P8x16 { index: 1 }, 0),
            Mv::new(-5, -5)
        );
        // Right with C intra: C is available (so not replaced by D) with refIdx -1 and a zero
        // vector; the directional rule fails and A (partition 0, (1, 1)) and B (2, 2) match
        // -> median of (1, 1), (2, 2), (0, 0).
        let mut mbs2 = mbs.clone();
        mbs2[2] = intra();
        assert_eq!(
            predict_mv(&mbs2, &pos, &cur, PartShape::P8x16 { index: 1 }, 0),
            Mv::new(1, 1)
        );
        // Right with no top-right MB (last column): C -> D = top MB's block at (7, -1).
        let mut mbs3 = vec![MbInfo::default(); 4];
        mbs3[0] = inter(Mv::new(4, 4)); // top-left of current
        let mut top = inter(Mv::new(0, 0));
        top.mv[12 + 1] = Mv::new(-3, 8); // (x 4..8, y 12..16): D of the right partition
        top.mv[12 + 2] = Mv::new(11, 11); // (x 8..12): B of the right partition
        top.ref_idx = [0, 0, 0, 1];
        mbs3[1] = top;
        mbs3[2] = inter(Mv::new(6, 6));
        let pos3 = MbPos::new(1, 1, 2, |_| 0);
        cur.ref_idx = [1; 4];
        // C (-> D) ref 0 -> directional D.
        assert_eq!(
            predict_mv(&mbs3, &pos3, &cur, PartShape::P8x16 { index: 1 }, 0),
            Mv::new(-3, 8)
        );
    }

    #[test]
    fn eight_by_eight_partitions() {
        let mut top = inter(Mv::ZERO);
        top.mv[12] = Mv::new(1, 0); // x 0..4
        top.mv[13] = Mv::new(2, 0); // x 4..8
        top.mv[14] = Mv::new(3, 0); // x 8..12
        top.mv[15] = Mv::new(4, 0); // x 12..16
        let mut left = inter(Mv::ZERO);
        left.mv[3] = Mv::new(0, 1); // y 0..4
        left.mv[7] = Mv::new(0, 2);
        left.mv[11] = Mv::new(0, 3); // y 8..12
        left.mv[15] = Mv::new(0, 4);
        let mut tl = inter(Mv::ZERO);
        tl.mv[15] = Mv::new(-7, -7);
        let (mbs, pos) = grid(tl, top, inter(Mv::new(9, 9)), left);
        let mut cur = MbInfo::default();
        cur.mv[1] = Mv::new(10, 11); // partition 0's block at (4..8, 0..4)
        cur.mv[1 + 4] = Mv::new(20, 21); // partition 0's block at (4..8, 4..8)
        cur.mv[2 + 4] = Mv::new(30, 31); // partition 1's block at (8..12, 4..8)
        cur.mv[1 + 8] = Mv::new(40, 41); // partition 2's block at (4..8, 8..12)
        let p = |i| predict_mv(&mbs, &pos, &cur, PartShape::P8x8 { index: i }, 0);
        // 0: A (0,1), B (1,0), C top (3,0) -> (1, 0).
        assert_eq!(p(0), Mv::new(1, 0));
        // 1: A partition 0 (10,11), B (3,0), C top-right (9,9) -> (9, 9).
        assert_eq!(p(1), Mv::new(9, 9));
        // 2: A (0,3), B partition 0's block (0..4, 4..8) = (0,0), C partition 1 (30,31).
        assert_eq!(p(2), Mv::new(0, 3));
        // 3: A partition 2 (40,41), B partition 1 (30,31), C unavailable -> D partition 0
        // (20,21) -> (30, 31).
        assert_eq!(p(3), Mv::new(30, 31));
        // With partition 0 on another reference, partition 3's D no longer matches: median
        // still (30, 31) (A, B match, D not -> two match -> median of vectors).
        let mut cur1 = cur;
        cur1.ref_idx = [1, 0, 0, 0];
        cur1.mv[1 + 4] = Mv::new(35, 100);
        assert_eq!(
            predict_mv(&mbs, &pos, &cur1, PartShape::P8x8 { index: 3 }, 0),
            Mv::new(35, 41)
        );
        // Only partition 2 matches.
        cur1.ref_idx = [1, 1, 0, 0];
        assert_eq!(
            predict_mv(&mbs, &pos, &cur1, PartShape::P8x8 { index: 3 }, 0),
            Mv::new(40, 41)
        );
    }

    #[test]
    fn p_skip_zero_rules() {
        // Left MB unavailable (left column): zero though B and C move.
        let mut mbs = vec![MbInfo::default(); 4];
        mbs[0] = inter(Mv::new(5, 5));
        mbs[1] = inter(Mv::new(6, 6));
        let pos = MbPos::new(0, 1, 2, |_| 0);
        assert_eq!(pos.left, None);
        assert_eq!(p_skip_mv(&mbs, &pos), Mv::ZERO);
        assert_eq!(mvp(&mbs, &pos, PartShape::P16x16), Mv::new(5, 5));

        // Left unavailable through a slice boundary.
        let (mbs, _) = grid(
            inter(Mv::new(1, 1)),
            inter(Mv::new(2, 2)),
            inter(Mv::new(3, 3)),
            inter(Mv::new(4, 4)),
        );
        let pos = MbPos::new(1, 1, 3, |a| if a == 3 { 1 } else { 0 });
        assert_eq!(p_skip_mv(&mbs, &pos), Mv::ZERO);

        // A with refIdx 0 and a zero vector.
        let (mbs, pos) = grid(
            inter(Mv::new(1, 1)),
            inter(Mv::new(2, 2)),
            inter(Mv::new(3, 3)),
            inter(Mv::ZERO),
        );
        assert_eq!(p_skip_mv(&mbs, &pos), Mv::ZERO);
        assert_eq!(mvp(&mbs, &pos, PartShape::P16x16), Mv::new(2, 2));
        // B with refIdx 0 and a zero vector.
        let (mbs, pos) = grid(
            inter(Mv::new(1, 1)),
            inter(Mv::ZERO),
            inter(Mv::new(3, 3)),
            inter(Mv::new(4, 4)),
        );
        assert_eq!(p_skip_mv(&mbs, &pos), Mv::ZERO);
        // A zero but on reference 1: not the zero rule.
        let mut a = inter(Mv::ZERO);
        a.ref_idx = [1; 4];
        let (mbs, pos) = grid(
            inter(Mv::new(1, 1)),
            inter(Mv::new(2, 2)),
            inter(Mv::new(3, 3)),
            a,
        );
        assert_eq!(p_skip_mv(&mbs, &pos), Mv::new(2, 2));
        // Intra A (refIdx -1, mv 0 even though its fields say ref 0): not the zero rule;
        // B and C are the only matches -> median of 0, (2,2), (3,3).
        let (mbs, pos) = grid(
            inter(Mv::new(1, 1)),
            inter(Mv::new(2, 2)),
            inter(Mv::new(3, 3)),
            intra(),
        );
        assert_eq!(p_skip_mv(&mbs, &pos), Mv::new(2, 2));
        // Intra A and B: only C matches.
        let (mbs, pos) = grid(inter(Mv::new(1, 1)), intra(), inter(Mv::new(3, 3)), intra());
        assert_eq!(p_skip_mv(&mbs, &pos), Mv::new(3, 3));
        // A's top-right 4x4 block (x 12..16, y 0..4) is the one that counts.
        let mut a = inter(Mv::new(8, 8));
        a.mv[3] = Mv::ZERO;
        let (mbs, pos) = grid(
            inter(Mv::new(1, 1)),
            inter(Mv::new(2, 2)),
            inter(Mv::new(3, 3)),
            a,
        );
        assert_eq!(p_skip_mv(&mbs, &pos), Mv::ZERO);
        // B's bottom-left 4x4 block (x 0..4, y 12..16) is the one that counts.
        let mut b = inter(Mv::ZERO);
        b.mv[12] = Mv::new(2, 2);
        let (mbs, pos) = grid(
            inter(Mv::new(1, 1)),
            b,
            inter(Mv::new(3, 3)),
            inter(Mv::new(4, 4)),
        );
        assert_eq!(p_skip_mv(&mbs, &pos), Mv::new(3, 3));
    }

    #[test]
    fn top_row_and_first_mb() {
        let mut mbs = vec![MbInfo::default(); 4];
        mbs[0] = inter(Mv::new(12, -4));
        let pos = MbPos::new(1, 0, 4, |_| 0);
        // Top row: P_Skip is zero (mbAddrB unavailable) though the 16x16 predictor is A's.
        assert_eq!(p_skip_mv(&mbs, &pos), Mv::ZERO);
        assert_eq!(mvp(&mbs, &pos, PartShape::P16x16), Mv::new(12, -4));
        // First macroblock: nothing available.
        let pos = MbPos::new(0, 0, 4, |_| 0);
        assert_eq!(p_skip_mv(&mbs, &pos), Mv::ZERO);
        for shape in [
            PartShape::P16x16,
            PartShape::P16x8 { index: 0 },
            PartShape::P8x16 { index: 0 },
            PartShape::P8x8 { index: 0 },
        ] {
            assert_eq!(mvp(&mbs, &pos, shape), Mv::ZERO);
        }
        // First MB, later partitions predict from earlier ones of the same MB.
        let cur = MbInfo {
            mv: [Mv::new(3, -1); 16],
            ref_idx: [0; 4],
            ..Default::default()
        };
        assert_eq!(
            predict_mv(&mbs, &pos, &cur, PartShape::P16x8 { index: 1 }, 0),
            Mv::new(3, -1)
        );
        assert_eq!(
            predict_mv(&mbs, &pos, &cur, PartShape::P8x16 { index: 1 }, 0),
            Mv::new(3, -1)
        );
    }

    #[test]
    fn shape_geometry() {
        assert_eq!(PartShape::P16x16.rect(), (0, 0, 16, 16));
        assert_eq!(PartShape::P16x8 { index: 1 }.rect(), (0, 8, 16, 8));
        assert_eq!(PartShape::P8x16 { index: 1 }.rect(), (8, 0, 8, 16));
        assert_eq!(PartShape::P8x8 { index: 2 }.rect(), (0, 8, 8, 8));
        assert_eq!(PartShape::P8x8 { index: 3 }.rect(), (8, 8, 8, 8));
        assert_eq!(PartShape::P8x8 { index: 3 }.index(), 3);
    }
}
