//! The in-loop deblocking filter (8.7).
//!
//! Only what Constrained Baseline frame coding needs: frame macroblocks (no MBAFF / field
//! cases, so `mixedModeEdgeFlag` is always 0), 4:2:0 chroma, 8-bit samples, 4x4 transforms
//! only, no SP/SI slices, one motion vector and one reference index per partition.
//!
//! Order (8.7): macroblocks in raster order; inside each macroblock the luma vertical edges
//! left to right (the left macroblock edge, then the internal edges x = 4, 8, 12), then the luma
//! horizontal edges top to bottom, and likewise for each chroma component (edges at 0 and 4 of
//! the 8x8 block). Every edge reads the samples as left by the edges filtered before it. The
//! planes are independent, so the order between luma, Cb and Cr does not matter.

use crate::common::{chroma_qp, MbInfo, MbType};
use crate::dsp::{Edge, Kernels};
use crate::picture::Picture;
#[cfg(test)]
use crate::picture::Plane;

/// Slice-level deblocking controls (7.4.3): disable_deblocking_filter_idc and the offsets
/// FilterOffsetA = 2 * slice_alpha_c0_offset_div2, FilterOffsetB = 2 * slice_beta_offset_div2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeblockParams {
    /// 0: filter all edges; 1: filter none; 2: not across slice boundaries.
    pub disable_idc: u8,
    /// FilterOffsetA (even, -12..=12).
    pub offset_a: i8,
    /// FilterOffsetB (even, -12..=12).
    pub offset_b: i8,
}

/// alpha' as a function of indexA (Table 8-16); alpha = alpha' for bit depth 8 (8.7.2.2).
pub const ALPHA: [u8; 52] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 0..=15
    4, 4, 5, 6, 7, 8, 9, 10, 12, 13, // 16..=25
    15, 17, 20, 22, 25, 28, 32, 36, 40, 45, // 26..=35
    50, 56, 63, 71, 80, 90, 101, 113, 127, 144, // 36..=45
    162, 182, 203, 226, 255, 255, // 46..=51
];

/// beta' as a function of indexB (Table 8-16); beta = beta' for bit depth 8 (8.7.2.2).
pub const BETA: [u8; 52] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 0..=15
    2, 2, 2, 3, 3, 3, 3, 4, 4, 4, // 16..=25
    6, 6, 7, 7, 8, 8, 9, 9, 10, 10, // 26..=35
    11, 11, 12, 12, 13, 13, 14, 14, 15, 15, // 36..=45
    16, 16, 17, 17, 18, 18, // 46..=51
];

/// tC0' as a function of indexA and bS = 1, 2, 3 (Table 8-17); tC0 = tC0' for bit depth 8
/// (8.7.2.3).
pub const TC0: [[u8; 3]; 52] = [
    [0, 0, 0], // 0
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0], // 5
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0], // 10
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0], // 15
    [0, 0, 0],
    [0, 0, 1],
    [0, 0, 1],
    [0, 0, 1],
    [0, 0, 1], // 20
    [0, 1, 1],
    [0, 1, 1],
    [1, 1, 1],
    [1, 1, 1],
    [1, 1, 1], // 25
    [1, 1, 1],
    [1, 1, 2],
    [1, 1, 2],
    [1, 1, 2],
    [1, 1, 2], // 30
    [1, 2, 3],
    [1, 2, 3],
    [2, 2, 3],
    [2, 2, 4],
    [2, 3, 4], // 35
    [2, 3, 4],
    [3, 3, 5],
    [3, 4, 6],
    [3, 4, 6],
    [4, 5, 7], // 40
    [4, 5, 8],
    [4, 6, 9],
    [5, 7, 10],
    [6, 8, 11],
    [6, 8, 13], // 45
    [7, 10, 14],
    [8, 11, 16],
    [9, 12, 18],
    [10, 13, 20],
    [11, 15, 23], // 50
    [13, 17, 25],
];

/// Boundary strengths of one macroblock's edges: `[dir][edge * 4 + seg]`, `dir` 0 for the
/// vertical edges (edge `e` at x = 4e, segment `k` covering rows 4k..4k+4) and 1 for the
/// horizontal edges (edge `e` at y = 4e, segment `k` covering columns 4k..4k+4). Macroblock
/// edges that are not filtered hold 0.
pub type MbBs = [[u8; 16]; 2];

/// Intra for deblocking purposes. `MbType::None` cannot occur in a coded picture; it is
/// treated as intra (the strongest filtering) should it ever get here.
#[inline]
fn intra_like(t: MbType) -> bool {
    debug_assert!(t != MbType::None, "deblocking an uncoded macroblock");
    !t.is_inter()
}

/// The 8x8 quadrant (raster `qx + 2 * qy`) holding the 4x4 block with raster index `blk`.
#[inline]
fn quadrant(blk: usize) -> usize {
    ((blk & 3) >> 1) + 2 * (blk >> 3)
}

/// bS for the edge between 4x4 luma block `p_blk` of macroblock `p` (containing p0) and block
/// `q_blk` of macroblock `q` (containing q0), blocks in raster order `bx + 4 * by`;
/// `mb_edge` tells whether the edge is a macroblock edge (8.7.2.1, frame macroblocks only,
/// mixedModeEdgeFlag = 0).
pub fn boundary_strength(p: &MbInfo, p_blk: usize, q: &MbInfo, q_blk: usize, mb_edge: bool) -> u8 {
    let intra = intra_like(p.mb_type) || intra_like(q.mb_type);
    if intra {
        // bS = 4: frame macroblocks, either in an intra macroblock, macroblock edge.
        // bS = 3: mixedModeEdgeFlag 0 and either in an intra macroblock (internal edge here).
        return if mb_edge { 4 } else { 3 };
    }
    // bS = 2: transform_size_8x8_flag 0 and the 4x4 luma block containing p0 or the one
    // containing q0 has non-zero transform coefficients.
    if p.total_coeff[p_blk] != 0 || q.total_coeff[q_blk] != 0 {
        return 2;
    }
    // bS = 1: different reference pictures or a different number of motion vectors (always one
    // each in P slices), or a horizontal or vertical motion vector component difference >= 4
    // in quarter (frame) luma samples.
    if p.ref_idx[quadrant(p_blk)] != q.ref_idx[quadrant(q_blk)] {
        return 1;
    }
    let (mp, mq) = (p.mv[p_blk], q.mv[q_blk]);
    if (i32::from(mp.x) - i32::from(mq.x)).abs() >= 4
        || (i32::from(mp.y) - i32::from(mq.y)).abs() >= 4
    {
        return 1;
    }
    0
}

/// Whether a macroblock edge towards `neighbour` is filtered at all (8.7: filterLeftMbEdgeFlag
/// / filterTopMbEdgeFlag, given that the neighbour lies inside the picture).
#[inline]
fn filter_mb_edge(cur: &MbInfo, neighbour: &MbInfo, params: &DeblockParams) -> bool {
    match params.disable_idc {
        1 => false,
        2 => neighbour.slice == cur.slice,
        _ => true,
    }
}

/// Per byte of `x` (each at most 0x80): 2 where the byte is non-zero, 0 where it is zero.
/// Adding 0x7f sets bit 7 of a byte exactly when it is non-zero, without carrying into the next.
#[inline]
fn nonzero_bytes_to_2(x: u128) -> u128 {
    const LOW7: u128 = u128::from_le_bytes([0x7f; 16]);
    const HIGH: u128 = u128::from_le_bytes([0x80; 16]);
    ((x + LOW7) & HIGH) >> 6
}

/// The bytes of `x` as a 4x4 matrix (byte `4r + c` in row `r`, column `c`) transposed: byte
/// `4r + c` of the result is byte `4c + r` of `x`. Two exchanges: the off-diagonal 2x2 blocks
/// (6 bytes apart), then the off-diagonal elements inside each 2x2 block (3 bytes apart).
#[inline]
fn transpose4x4_bytes(x: u128) -> u128 {
    const BLOCKS: u128 =
        u128::from_le_bytes([0, 0, 0xff, 0xff, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]);
    const ELEMENTS: u128 =
        u128::from_le_bytes([0, 0xff, 0, 0xff, 0, 0, 0, 0, 0, 0xff, 0, 0xff, 0, 0, 0, 0]);
    let t = ((x >> 48) ^ x) & BLOCKS;
    let x = x ^ t ^ (t << 48);
    let t = ((x >> 24) ^ x) & ELEMENTS;
    x ^ t ^ (t << 24)
}

/// Whether a macroblock type has one motion vector and one reference index for all its
/// blocks (P_Skip, P_L0_16x16; their `MbInfo` repeats them in every entry).
#[inline]
fn single_motion(t: MbType) -> bool {
    matches!(t, MbType::PSkip | MbType::P16x16)
}

/// Whether every block of `m` has the vector and reference index of its first.
fn uniform_motion(m: &MbInfo) -> bool {
    m.mv.iter().all(|&v| v == m.mv[0]) && m.ref_idx.iter().all(|&r| r == m.ref_idx[0])
}

/// The bS of the four segments of the macroblock edge between blocks `p_blks` of `p` and
/// `q_blks` of `q` (8.7.2.1): as [`boundary_strength`] on each pair, with the intra and
/// motion tests made once when both macroblocks have a single motion vector.
#[inline(always)]
fn mb_edge_bs(p: &MbInfo, p_blks: [usize; 4], q: &MbInfo, q_blks: [usize; 4]) -> [u8; 4] {
    if intra_like(p.mb_type) || intra_like(q.mb_type) {
        return [4; 4];
    }
    if single_motion(p.mb_type) && single_motion(q.mb_type) {
        // One vector and reference index for all blocks of each (as the coder stores them).
        debug_assert!(uniform_motion(p) && uniform_motion(q));
        let (mp, mq) = (p.mv[0], q.mv[0]);
        let motion = u8::from(
            p.ref_idx[0] != q.ref_idx[0]
                || (i32::from(mp.x) - i32::from(mq.x)).abs() >= 4
                || (i32::from(mp.y) - i32::from(mq.y)).abs() >= 4,
        );
        return std::array::from_fn(|k| {
            if p.total_coeff[p_blks[k]] | q.total_coeff[q_blks[k]] != 0 {
                2
            } else {
                motion
            }
        });
    }
    std::array::from_fn(|k| boundary_strength(p, p_blks[k], q, q_blks[k], true))
}

/// The boundary strengths of all edges of macroblock `cur` (see [`MbBs`]), given its left and
/// top neighbours when their shared edge is to be filtered (`None` otherwise).
pub fn macroblock_bs(cur: &MbInfo, left: Option<&MbInfo>, top: Option<&MbInfo>) -> MbBs {
    let mut bs = [[0u8; 16]; 2];
    // Internal edges (e = 1..3) first. One motion vector and reference for the whole
    // macroblock (P_Skip, P_L0_16x16) leaves only the coefficient rule; an intra macroblock
    // has bS 3 on every one. Both shortcuts give what `boundary_strength` would.
    if intra_like(cur.mb_type) {
        for dir in &mut bs {
            dir[4..].fill(3);
        }
    } else if single_motion(cur.mb_type) {
        // bS 2 where the block on either side has coefficients, else 0, for all 24 segments
        // at once: one byte per block (raster order), a total_coeff being at most 16.
        debug_assert!(cur.total_coeff.iter().all(|&c| c <= 16));
        let t = u128::from_le_bytes(cur.total_coeff);
        // Horizontal edge e, segment k: block k + 4e and the one above it, 4 bytes before.
        let h = nonzero_bytes_to_2(t | (t << 32)).to_le_bytes();
        bs[1][4..].copy_from_slice(&h[4..]);
        // Vertical edge e, segment k: block e + 4k and the one left of it, 1 byte before
        // (bytes in raster order, transposed into [e * 4 + k]; column 0 is the macroblock
        // edge's, set below).
        let v = transpose4x4_bytes(nonzero_bytes_to_2(t | (t << 8)));
        bs[0][4..].copy_from_slice(&v.to_le_bytes()[4..]);
    } else {
        for e in 1..4 {
            for k in 0..4 {
                let q_blk = e + 4 * k;
                bs[0][e * 4 + k] = boundary_strength(cur, q_blk - 1, cur, q_blk, false);
                let q_blk = k + 4 * e;
                bs[1][e * 4 + k] = boundary_strength(cur, q_blk - 4, cur, q_blk, false);
            }
        }
    }
    // Macroblock edges: vertical x = 0 (q0 in block (0, k)), horizontal y = 0 (block (k, 0)).
    if let Some(l) = left {
        let v = mb_edge_bs(l, [3, 7, 11, 15], cur, [0, 4, 8, 12]);
        bs[0][..4].copy_from_slice(&v);
    }
    if let Some(t) = top {
        let h = mb_edge_bs(t, [12, 13, 14, 15], cur, [0, 1, 2, 3]);
        bs[1][..4].copy_from_slice(&h);
    }
    bs
}

#[cfg(test)]
/// Filters the whole picture in place, macroblock by macroblock in raster order (8.7), using the
/// coded macroblocks' types, QPs, coefficient counts and motion.
pub fn deblock_picture(
    pic: &mut Picture,
    mbs: &[MbInfo],
    mb_width: usize,
    mb_height: usize,
    params: &DeblockParams,
) {
    assert_eq!(mbs.len(), mb_width * mb_height, "one MbInfo per macroblock");
    debug_assert!(pic.y.width >= mb_width * 16 && pic.y.height >= mb_height * 16);
    debug_assert!(pic.u.width >= mb_width * 8 && pic.u.height >= mb_height * 8);
    deblock_rows(pic, mbs, mb_width, 0..mb_height, 0, params, &mut |_, _| {});
}

/// Deblocks macroblock rows `rows` of `pic` only, in the order of 8.7 (so a picture can be
/// filtered a few rows at a time, each after its neighbours are final). With `disable_idc` 2
/// (no filtering across slice edges) `rows` must lie in the slice starting at row
/// `slice_first_row` (the row above that is taken as another slice's); then a slice's rows
/// touch no sample outside it, so the slices of a picture can be deblocked independently (on
/// separate threads).
///
/// `before_row(pic, mb_y)` is called once for each macroblock row that has an edge to filter,
/// just before its first one, while no sample of the row has changed yet (the encoder keeps the
/// unfiltered samples there: see `crate::deblock_trial`).
pub fn deblock_rows(
    pic: &mut Picture,
    mbs: &[MbInfo],
    mb_width: usize,
    rows: std::ops::Range<usize>,
    slice_first_row: usize,
    params: &DeblockParams,
    before_row: &mut dyn FnMut(&Picture, usize),
) {
    if params.disable_idc == 1 {
        return;
    }
    let k = crate::dsp::kernels();
    let mut filters = Filters::new(params);
    for mb_y in rows {
        let mut row_started = false;
        for mb_x in 0..mb_width {
            let cur = &mbs[mb_y * mb_width + mb_x];
            // Zero-vector P_Skip macroblocks next to each other share motion and have no
            // coefficients: every bS is 0 (8.7.2.1), nothing to filter.
            if cur.is_static_skip()
                && (mb_x == 0 || mbs[mb_y * mb_width + mb_x - 1].is_static_skip())
                && (mb_y == 0 || mbs[(mb_y - 1) * mb_width + mb_x].is_static_skip())
            {
                continue;
            }
            let left = (mb_x > 0)
                .then(|| &mbs[mb_y * mb_width + mb_x - 1])
                .filter(|l| filter_mb_edge(cur, l, params));
            // With disable_idc 2 the row above `rows` is another slice's, whatever `mbs`
            // holds there (a slice coder's state outside its own rows is stale).
            let top_slice_edge = params.disable_idc == 2 && mb_y == slice_first_row;
            let top = (mb_y > 0 && !top_slice_edge)
                .then(|| &mbs[(mb_y - 1) * mb_width + mb_x])
                .filter(|t| filter_mb_edge(cur, t, params));
            let bs = macroblock_bs(cur, left, top);
            if bs == [[0; 16]; 2] {
                continue;
            }
            if !row_started {
                before_row(pic, mb_y);
                row_started = true;
            }
            deblock_macroblock(pic, k, mb_x, mb_y, cur, left, top, &bs, &mut filters);
        }
    }
}

/// The edge filters (alpha, beta, tC0) of one [`deblock_rows`] call, luma and chroma, by
/// qPav (8.7.2.2: they depend on nothing else there), each made when first needed.
struct Filters<'a> {
    params: &'a DeblockParams,
    /// `[chromaEdgeFlag][qPav]`: `None` until made, then [`EdgeFilter::new`]'s result.
    by_qp_av: [[Option<Option<EdgeFilter>>; 52]; 2],
}

impl<'a> Filters<'a> {
    fn new(params: &'a DeblockParams) -> Self {
        Filters {
            params,
            by_qp_av: [[None; 52]; 2],
        }
    }

    /// The filter of an edge between blocks of QPs (QPc for chroma) `qp_p` and `qp_q`.
    #[inline]
    fn get(&mut self, chroma: bool, qp_p: u8, qp_q: u8) -> Option<EdgeFilter> {
        let qp_av = (usize::from(qp_p) + usize::from(qp_q) + 1) >> 1;
        let params = self.params;
        match self.by_qp_av[usize::from(chroma)].get_mut(qp_av) {
            Some(slot) => *slot.get_or_insert_with(|| EdgeFilter::new(qp_p, qp_q, params)),
            None => EdgeFilter::new(qp_p, qp_q, params),
        }
    }
}

/// Filters the edges of one macroblock in the order of 8.7 (luma vertical, luma horizontal, then
/// the same for Cb and Cr, both chroma planes through one kernel call per edge).
#[allow(clippy::too_many_arguments)]
fn deblock_macroblock(
    pic: &mut Picture,
    k: &Kernels,
    mb_x: usize,
    mb_y: usize,
    cur: &MbInfo,
    left: Option<&MbInfo>,
    top: Option<&MbInfo>,
    bs: &MbBs,
    filters: &mut Filters<'_>,
) {
    let (qp, qpc) = (cur.qp, chroma_qp(cur.qp));
    // The filters of the internal edges (both sides in this macroblock) and of the macroblock
    // edges, whose p0 lies in the neighbour and brings its QP (8.7.2.2). Without a neighbour
    // the macroblock edge has bS 0 and is never filtered.
    let mut filter = |e: usize, nb: Option<&MbInfo>, chroma: bool| {
        let (qp_q, qp_p) = if chroma {
            (qpc, nb.map(|n| chroma_qp(n.qp)))
        } else {
            (qp, nb.map(|n| n.qp))
        };
        match (e, qp_p) {
            (0, Some(qp_p)) => filters.get(chroma, qp_p, qp_q),
            _ => filters.get(chroma, qp_q, qp_q),
        }
    };

    // Luma (chromaEdgeFlag = 0): 16-sample edges, edge `e` 4e samples across from the
    // macroblock's first sample.
    let ys = pic.y.stride;
    let origin = pic.y.offset((mb_x * 16) as isize, (mb_y * 16) as isize);
    for (dir, nb, across, along) in [(0, left, 1, ys), (1, top, ys, 1)] {
        for e in 0..4 {
            let seg: [u8; 4] = bs[dir][e * 4..e * 4 + 4].try_into().unwrap();
            if seg == [0; 4] {
                continue;
            }
            let Some(f) = filter(e, nb, false) else {
                continue;
            };
            let edge = f.edge(origin + 4 * e * across, across, along, seg);
            (k.deblock_luma_edge)(&mut pic.y.data, &edge);
        }
    }

    // Chroma (chromaEdgeFlag = 1), 4:2:0: 8-sample edges at 0 and 4, i.e. the luma edges 0 and 8,
    // each chroma sample k along the edge taking the bS of luma sample 2k (segment k / 2). Cb
    // and Cr share their layout and every edge parameter (QPc of both is the one of
    // chroma_qp_index_offset 0), so one call filters an edge in both.
    debug_assert!(pic.u.stride == pic.v.stride && pic.u.pad == pic.v.pad);
    debug_assert!(pic.u.data.len() == pic.v.data.len());
    let cs = pic.u.stride;
    let origin = pic.u.offset((mb_x * 8) as isize, (mb_y * 8) as isize);
    for (dir, nb, across, along) in [(0, left, 1, cs), (1, top, cs, 1)] {
        for e in [0usize, 2] {
            let seg: [u8; 4] = bs[dir][e * 4..e * 4 + 4].try_into().unwrap();
            if seg == [0; 4] {
                continue;
            }
            let Some(f) = filter(e, nb, true) else {
                continue;
            };
            let edge = f.edge(origin + 2 * e * across, across, along, seg);
            (k.deblock_chroma_edge2)(&mut pic.u.data, &mut pic.v.data, &edge);
        }
    }
}

/// The filter of the edges between blocks of QPs `qp_p` and `qp_q` (8.7.2.2): alpha, beta
/// and tC0 by bS.
#[derive(Debug, Clone, Copy)]
struct EdgeFilter {
    alpha: i32,
    beta: i32,
    /// tC0 (Table 8-17) by bS 1..=3 (the table of [`Edge`]).
    tc0: [u8; 4],
}

impl EdgeFilter {
    /// `None` when no sample of such an edge can be filtered: with alpha or beta 0,
    /// |p0 - q0| < 0 (or |p1 - p0| < 0) never holds, so filterSamplesFlag is 0 everywhere.
    #[inline]
    fn new(qp_p: u8, qp_q: u8, params: &DeblockParams) -> Option<EdgeFilter> {
        let (index_a, alpha, beta) = edge_thresholds(qp_p, qp_q, params);
        if alpha == 0 || beta == 0 {
            return None;
        }
        let [t1, t2, t3] = TC0[index_a];
        Some(EdgeFilter {
            alpha,
            beta,
            tc0: [0, t1, t2, t3],
        })
    }

    /// The kernel parameters of the edge with q0 of its first line at `q0`, steps `across`
    /// (p0 to q0) and `along` (line to line), and bS `seg` per segment.
    #[inline]
    fn edge(&self, q0: usize, across: usize, along: usize, seg: [u8; 4]) -> Edge {
        debug_assert!(seg.iter().all(|&b| b <= 4));
        Edge {
            q0,
            across,
            along,
            bs: seg,
            alpha: self.alpha,
            beta: self.beta,
            tc0: self.tc0,
        }
    }
}

/// indexA, alpha and beta for an edge between blocks with quantisation parameters `qp_p` and
/// `qp_q` (8.7.2.2): qPav = (qPp + qPq + 1) >> 1,
/// indexA = Clip3(0, 51, qPav + FilterOffsetA), indexB = Clip3(0, 51, qPav + FilterOffsetB).
pub fn edge_thresholds(qp_p: u8, qp_q: u8, params: &DeblockParams) -> (usize, i32, i32) {
    let qp_av = (i32::from(qp_p) + i32::from(qp_q) + 1) >> 1;
    let index_a = (qp_av + i32::from(params.offset_a)).clamp(0, 51) as usize;
    let index_b = (qp_av + i32::from(params.offset_b)).clamp(0, 51) as usize;
    (index_a, i32::from(ALPHA[index_a]), i32::from(BETA[index_b]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::Mv;
    use crate::dsp::scalar::{filter_samples_chroma, filter_samples_luma};

    fn intra(qp: u8) -> MbInfo {
        MbInfo {
            mb_type: MbType::I16x16,
            qp,
            ref_idx: [-1; 4],
            ..Default::default()
        }
    }

    fn inter(qp: u8) -> MbInfo {
        MbInfo {
            mb_type: MbType::P16x16,
            qp,
            ref_idx: [0; 4],
            ..Default::default()
        }
    }

    /// A picture whose luma columns x < `split` hold `a` and the rest `b` (chroma split at
    /// `split / 2` likewise).
    fn vertical_step(mbw: usize, mbh: usize, pad: usize, split: usize, a: u8, b: u8) -> Picture {
        let mut pic = Picture::new(mbw, mbh, pad);
        for (plane, sp) in [
            (&mut pic.y, split),
            (&mut pic.u, split / 2),
            (&mut pic.v, split / 2),
        ] {
            for y in 0..plane.height {
                for (x, v) in plane.row_mut(y).iter_mut().enumerate() {
                    *v = if x < sp { a } else { b };
                }
            }
        }
        pic
    }

    /// A picture whose luma rows y < `split` hold `a` and the rest `b` (chroma likewise).
    fn horizontal_step(mbw: usize, mbh: usize, pad: usize, split: usize, a: u8, b: u8) -> Picture {
        let mut pic = Picture::new(mbw, mbh, pad);
        for (plane, sp) in [
            (&mut pic.y, split),
            (&mut pic.u, split / 2),
            (&mut pic.v, split / 2),
        ] {
            for y in 0..plane.height {
                plane.row_mut(y).fill(if y < sp { a } else { b });
            }
        }
        pic
    }

    /// Checks that every row of `plane` equals `expect`.
    fn assert_rows(plane: &Plane, expect: &[u8]) {
        for y in 0..plane.height {
            assert_eq!(plane.row(y), expect, "row {y}");
        }
    }

    #[test]
    fn tables_match_spec_spot_values() {
        // Table 8-16: first non-zero entries at indexA 16, last at 51.
        assert_eq!(
            (ALPHA[15], ALPHA[16], ALPHA[30], ALPHA[51]),
            (0, 4, 25, 255)
        );
        assert_eq!((BETA[15], BETA[16], BETA[30], BETA[51]), (0, 2, 8, 18));
        // Table 8-17.
        assert_eq!(TC0[16], [0, 0, 0]);
        assert_eq!(TC0[17], [0, 0, 1]);
        assert_eq!(TC0[30], [1, 1, 2]);
        assert_eq!(TC0[36], [2, 3, 4]);
        assert_eq!(TC0[51], [13, 17, 25]);
        // Monotone in the index.
        for i in 1..52 {
            assert!(ALPHA[i] >= ALPHA[i - 1] && BETA[i] >= BETA[i - 1]);
            assert!(TC0[i].iter().zip(&TC0[i - 1]).all(|(a, b)| a >= b));
            // tC0 grows with bS.
            assert!(TC0[i][0] <= TC0[i][1] && TC0[i][1] <= TC0[i][2]);
        }
    }

    #[test]
    fn bs_intra() {
        let (i, p) = (intra(30), inter(30));
        // Macroblock edge with an intra macroblock on either side: 4.
        assert_eq!(boundary_strength(&i, 3, &p, 0, true), 4);
        assert_eq!(boundary_strength(&p, 12, &i, 0, true), 4);
        assert_eq!(boundary_strength(&i, 15, &i, 12, true), 4);
        // Internal edge of an intra macroblock: 3.
        assert_eq!(boundary_strength(&i, 0, &i, 1, false), 3);
        assert_eq!(boundary_strength(&i, 1, &i, 5, false), 3);
        let mut i4 = intra(30);
        i4.mb_type = MbType::I4x4;
        assert_eq!(boundary_strength(&i4, 5, &i4, 6, false), 3);
    }

    #[test]
    fn bs_coefficients() {
        let mut a = inter(30);
        let b = inter(30);
        a.total_coeff[3] = 1;
        assert_eq!(boundary_strength(&a, 3, &b, 0, true), 2);
        assert_eq!(boundary_strength(&b, 3, &a, 3, true), 2);
        // Internal edge between blocks 2 and 3 of `a`, and between 3 and 7.
        assert_eq!(boundary_strength(&a, 2, &a, 3, false), 2);
        assert_eq!(boundary_strength(&a, 3, &a, 7, false), 2);
        // Block 2 has none, neither has block 0 of b.
        assert_eq!(boundary_strength(&a, 2, &b, 0, true), 0);
        // Coefficients win over motion.
        let mut c = inter(30);
        c.mv[0] = Mv::new(40, 0);
        assert_eq!(boundary_strength(&a, 3, &c, 0, true), 2);
    }

    #[test]
    fn bs_motion() {
        let a = inter(30);
        let mut b = inter(30);
        b.mv[0] = Mv::new(4, 0);
        assert_eq!(boundary_strength(&a, 3, &b, 0, true), 1);
        b.mv[0] = Mv::new(-4, 0);
        assert_eq!(boundary_strength(&a, 3, &b, 0, true), 1);
        b.mv[0] = Mv::new(0, 4);
        assert_eq!(boundary_strength(&a, 3, &b, 0, true), 1);
        b.mv[0] = Mv::new(0, -4);
        assert_eq!(boundary_strength(&a, 3, &b, 0, true), 1);
        b.mv[0] = Mv::new(3, -3);
        assert_eq!(boundary_strength(&a, 3, &b, 0, true), 0);
        b.mv[0] = Mv::new(-3, 3);
        assert_eq!(boundary_strength(&a, 3, &b, 0, true), 0);
        // Differences, not magnitudes.
        let mut c = inter(30);
        c.mv[1] = Mv::new(100, -50);
        c.mv[2] = Mv::new(103, -47);
        assert_eq!(boundary_strength(&c, 1, &c, 2, false), 0);
        c.mv[2] = Mv::new(104, -47);
        assert_eq!(boundary_strength(&c, 1, &c, 2, false), 1);
    }

    #[test]
    fn bs_reference() {
        // Different reference index per quadrant: blocks 5 (quadrant 0) and 6 (quadrant 1).
        let mut a = inter(30);
        a.ref_idx = [0, 1, 0, 0];
        assert_eq!(boundary_strength(&a, 5, &a, 6, false), 1);
        // Blocks 4 and 5 share quadrant 0.
        assert_eq!(boundary_strength(&a, 4, &a, 5, false), 0);
        // Blocks 6 (quadrant 1) and 10 (quadrant 3), ref 1 vs 0.
        assert_eq!(boundary_strength(&a, 6, &a, 10, false), 1);
        // Across macroblocks: block 3 (quadrant 1, ref 1) of a vs block 0 of b (ref 0).
        let b = inter(30);
        assert_eq!(boundary_strength(&a, 3, &b, 0, true), 1);
        assert_eq!(boundary_strength(&a, 15, &b, 12, true), 0);
    }

    #[test]
    fn bs_quadrants() {
        let q: Vec<usize> = (0..16).map(quadrant).collect();
        assert_eq!(q, [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]);
    }

    #[test]
    fn macroblock_bs_layout() {
        let mut cur = inter(30);
        cur.total_coeff[5] = 2; // block (1, 1)
        let left = intra(30);
        let mut top = inter(30);
        top.mb_type = MbType::P8x8; // vectors per 4x4 block (sub-macroblock 4x4 partitions)
        top.mv[14] = Mv::new(0, 8); // bottom row, column 2
        let bs = macroblock_bs(&cur, Some(&left), Some(&top));
        // Vertical: left macroblock edge all 4; edges x = 4 and 8 at rows 4..8 touch block 5.
        assert_eq!(bs[0][0..4], [4, 4, 4, 4]);
        assert_eq!(bs[0][4..8], [0, 2, 0, 0]);
        assert_eq!(bs[0][8..12], [0, 2, 0, 0]);
        assert_eq!(bs[0][12..16], [0, 0, 0, 0]);
        // Horizontal: top edge column 2 differs in motion; y = 4 and 8 at column 1 touch block 5.
        assert_eq!(bs[1][0..4], [0, 0, 1, 0]);
        assert_eq!(bs[1][4..8], [0, 2, 0, 0]);
        assert_eq!(bs[1][8..12], [0, 2, 0, 0]);
        assert_eq!(bs[1][12..16], [0, 0, 0, 0]);
        // No neighbours: macroblock edges are 0; an intra macroblock's internal edges are 3.
        let bs = macroblock_bs(&intra(30), None, None);
        assert_eq!(bs[0][0..4], [0; 4]);
        assert_eq!(bs[1][0..4], [0; 4]);
        assert!(bs[0][4..].iter().chain(&bs[1][4..]).all(|&b| b == 3));
    }

    /// The per-edge rule applied to every edge, as [`macroblock_bs`] did before its shortcuts.
    fn macroblock_bs_reference(cur: &MbInfo, left: Option<&MbInfo>, top: Option<&MbInfo>) -> MbBs {
        let mut bs = [[0u8; 16]; 2];
        for e in 0..4 {
            for k in 0..4 {
                let q_blk = e + 4 * k;
                bs[0][e * 4 + k] = if e == 0 {
                    left.map_or(0, |l| boundary_strength(l, 3 + 4 * k, cur, q_blk, true))
                } else {
                    boundary_strength(cur, q_blk - 1, cur, q_blk, false)
                };
                let q_blk = k + 4 * e;
                bs[1][e * 4 + k] = if e == 0 {
                    top.map_or(0, |t| boundary_strength(t, k + 12, cur, q_blk, true))
                } else {
                    boundary_strength(cur, q_blk - 4, cur, q_blk, false)
                };
            }
        }
        bs
    }

    #[test]
    fn macroblock_bs_shortcuts_match_the_per_edge_rule() {
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s % n
        };
        let types = [
            MbType::PSkip,
            MbType::P16x16,
            MbType::P16x8,
            MbType::P8x8,
            MbType::I16x16,
            MbType::I4x4,
        ];
        for _ in 0..3000 {
            let mut mbs = [inter(30), inter(30), inter(30)];
            for m in &mut mbs {
                m.mb_type = types[next(types.len() as u64) as usize];
                let one_mv = Mv::new(next(9) as i16 - 4, next(9) as i16 - 4);
                for b in 0..16 {
                    m.total_coeff[b] = if next(3) == 0 { next(17) as u8 } else { 0 };
                    m.mv[b] = if matches!(m.mb_type, MbType::PSkip | MbType::P16x16) {
                        one_mv
                    } else {
                        Mv::new(next(9) as i16 - 4, next(9) as i16 - 4)
                    };
                }
                m.ref_idx = if matches!(m.mb_type, MbType::PSkip | MbType::P16x16) {
                    [next(2) as i8; 4]
                } else {
                    std::array::from_fn(|_| next(2) as i8)
                };
                if intra_like(m.mb_type) {
                    m.ref_idx = [-1; 4];
                    m.mv = [Mv::ZERO; 16];
                }
            }
            let [cur, left, top] = &mbs;
            for (l, t) in [
                (Some(left), Some(top)),
                (None, Some(top)),
                (Some(left), None),
            ] {
                assert_eq!(macroblock_bs(cur, l, t), macroblock_bs_reference(cur, l, t));
            }
        }
    }

    #[test]
    fn thresholds() {
        let p = DeblockParams::default();
        // qPav = (10 + 40 + 1) >> 1 = 25.
        assert_eq!(edge_thresholds(10, 40, &p), (25, 13, 4));
        assert_eq!(edge_thresholds(30, 30, &p), (30, 25, 8));
        let p = DeblockParams {
            disable_idc: 0,
            offset_a: 12,
            offset_b: -6,
        };
        // indexA = Clip3(0, 51, 45 + 12) = 51, indexB = 39.
        assert_eq!(edge_thresholds(45, 45, &p), (51, 255, 12));
        let p = DeblockParams {
            disable_idc: 0,
            offset_a: -12,
            offset_b: -12,
        };
        assert_eq!(edge_thresholds(5, 5, &p), (0, 0, 0));
    }

    /// Runs `f` on a line p3 p2 p1 p0 | q0 q1 q2 q3 and returns the result.
    fn line(v: [u8; 8], f: impl Fn(&mut [u8], usize)) -> [u8; 8] {
        let mut d = v;
        f(&mut d, 4);
        d
    }

    #[test]
    fn luma_normal_filter() {
        // indexA = indexB = 36: alpha 50, beta 11, tC0(bS 2) = 3.
        // p = 60 62 64 66 | q = 76 77 78 79.
        // |p0-q0| = 10 < 50, |p1-p0| = 2 < 11, |q1-q0| = 1 < 11: filtered.
        // ap = |62-66| = 4 < 11, aq = |78-76| = 2 < 11: tC = 3 + 1 + 1 = 5.
        // delta = ((76-66)*4 + (64-77) + 4) >> 3 = 31 >> 3 = 3 -> p0' = 69, q0' = 73.
        // p1' = 64 + Clip3(-3, 3, (62 + ((66+76+1)>>1) - 128) >> 1) = 64 + (5 >> 1) = 66.
        // q1' = 77 + Clip3(-3, 3, (78 + 71 - 154) >> 1) = 77 + (-5 >> 1 = -3) = 74.
        let (a, b, tc0) = (50, 11, i32::from(TC0[36][1]));
        assert_eq!(tc0, 3);
        let out = line([60, 62, 64, 66, 76, 77, 78, 79], |d, i| {
            filter_samples_luma(d, i, 1, 2, a, b, tc0)
        });
        assert_eq!(out, [60, 62, 66, 69, 73, 74, 78, 79]);
        // p2 = 40: ap = 26 >= 11, so tC = 3 + 0 + 1 = 4; delta still 3 (clip 4); p1 kept.
        let out = line([60, 40, 64, 66, 76, 77, 78, 79], |d, i| {
            filter_samples_luma(d, i, 1, 2, a, b, tc0)
        });
        assert_eq!(out, [60, 40, 64, 69, 73, 74, 78, 79]);
        // A big step clipped: q = 90 91 92 93, ap < beta, aq = 2 < beta: tC = 5.
        // delta = (24*4 + (64-91) + 4) >> 3 = 73 >> 3 = 9 -> 5: p0' = 71, q0' = 85.
        // p1' = 64 + Clip3(-3, 3, (62 + 78 - 128) >> 1 = 6) = 67.
        // q1' = 91 + Clip3(-3, 3, (92 + 78 - 182) >> 1 = -6) = 88.
        let out = line([60, 62, 64, 66, 90, 91, 92, 93], |d, i| {
            filter_samples_luma(d, i, 1, 2, a, b, tc0)
        });
        assert_eq!(out, [60, 62, 67, 71, 85, 88, 92, 93]);
        // |q1 - q0| = 11 = beta: not filtered.
        let v = [60, 62, 64, 66, 76, 87, 78, 79];
        assert_eq!(
            line(v, |d, i| filter_samples_luma(d, i, 1, 2, a, b, tc0)),
            v
        );
        // |p0 - q0| = 50 = alpha: not filtered.
        let v = [60, 62, 64, 66, 116, 117, 118, 119];
        assert_eq!(
            line(v, |d, i| filter_samples_luma(d, i, 1, 2, a, b, tc0)),
            v
        );
    }

    #[test]
    fn chroma_normal_filter() {
        // indexA 36, bS 2: tC0 3, tC = 4. p1 64 p0 66 | q0 90 q1 91:
        // delta = (96 - 27 + 4) >> 3 = 9 -> 4: p0' = 70, q0' = 86; p1, q1 untouched.
        let out = line([0, 0, 64, 66, 90, 91, 0, 0], |d, i| {
            filter_samples_chroma(d, i, 1, 2, 50, 11, 3)
        });
        assert_eq!(out, [0, 0, 64, 70, 86, 91, 0, 0]);
        // bS 4: p0' = (2*64 + 66 + 91 + 2) >> 2 = 287 >> 2 = 71,
        //       q0' = (2*91 + 90 + 64 + 2) >> 2 = 338 >> 2 = 84.
        let out = line([0, 0, 64, 66, 90, 91, 0, 0], |d, i| {
            filter_samples_chroma(d, i, 1, 4, 50, 11, 0)
        });
        assert_eq!(out, [0, 0, 64, 71, 84, 91, 0, 0]);
    }

    #[test]
    fn luma_strong_vs_normal_selection() {
        // indexA = 30: alpha 25, beta 8, strong gate |p0-q0| < (25 >> 2) + 2 = 8.
        let f = |d: &mut [u8], i: usize| filter_samples_luma(d, i, 1, 4, 25, 8, 0);
        // |p0-q0| = 7: strong on both sides.
        // p0' = (100 + 200 + 200 + 214 + 107 + 4) >> 3 = 825 >> 3 = 103
        // p1' = (100 + 100 + 100 + 107 + 2) >> 2 = 409 >> 2 = 102
        // p2' = (200 + 300 + 100 + 100 + 107 + 4) >> 3 = 811 >> 3 = 101
        // q0' = (100 + 200 + 214 + 214 + 107 + 4) >> 3 = 839 >> 3 = 104
        // q1' = (100 + 107 + 107 + 107 + 2) >> 2 = 423 >> 2 = 105
        // q2' = (214 + 321 + 107 + 107 + 100 + 4) >> 3 = 853 >> 3 = 106
        let out = line([100, 100, 100, 100, 107, 107, 107, 107], f);
        assert_eq!(out, [100, 101, 102, 103, 104, 105, 106, 107]);
        // |p0-q0| = 8: the 3-tap form on both sides.
        // p0' = (200 + 100 + 108 + 2) >> 2 = 102, q0' = (216 + 108 + 100 + 2) >> 2 = 106.
        let out = line([100, 100, 100, 100, 108, 108, 108, 108], f);
        assert_eq!(out, [100, 100, 100, 102, 106, 108, 108, 108]);
        // ap = |90 - 100| = 10 >= 8: p side 3-tap, q side (aq = 0) strong.
        // p0' = (200 + 100 + 107 + 2) >> 2 = 409 >> 2 = 102; q as in the first case.
        let out = line([90, 90, 100, 100, 107, 107, 107, 107], f);
        assert_eq!(out, [90, 90, 100, 102, 104, 105, 106, 107]);
    }

    #[test]
    fn picture_intra_step_weak_bs4() {
        // Two I16x16 macroblocks at QP 30 side by side, luma 100 | 110.
        // Luma indexA 30: alpha 25, beta 8; |p0-q0| = 10 >= (25>>2)+2 = 8, so the 3-tap form:
        // p0' = (2*100 + 100 + 110 + 2) >> 2 = 103, q0' = (2*110 + 110 + 100 + 2) >> 2 = 108.
        // Internal edges (bS 3) and horizontal edges see flat or p == q lines: no change.
        // Chroma QPc = 29 (Table 8-15): alpha 22, beta 7: 10 < 22, same 3-tap values.
        for pad in [0, 32] {
            let mut pic = vertical_step(2, 1, pad, 16, 100, 110);
            let mbs = [intra(30), intra(30)];
            deblock_picture(&mut pic, &mbs, 2, 1, &DeblockParams::default());
            let mut exp = [100u8; 32];
            exp[15] = 103;
            exp[16] = 108;
            exp[17..].fill(110);
            assert_rows(&pic.y, &exp);
            let mut exp = [100u8; 16];
            exp[7] = 103;
            exp[8] = 108;
            exp[9..].fill(110);
            assert_rows(&pic.u, &exp);
            assert_rows(&pic.v, &exp);
        }
    }

    #[test]
    fn picture_intra_step_strong_then_internal() {
        // Luma 100 | 104 at QP 30, both intra: |p0-q0| = 4 < 8 and ap = aq = 0 < 8: strong.
        // p0' = (100 + 200 + 200 + 208 + 104 + 4) >> 3 = 816 >> 3 = 102
        // p1' = (100 + 100 + 100 + 104 + 2) >> 2 = 406 >> 2 = 101
        // p2' = (200 + 300 + 100 + 100 + 104 + 4) >> 3 = 808 >> 3 = 101
        // q0' = (100 + 200 + 208 + 208 + 104 + 4) >> 3 = 824 >> 3 = 103
        // q1' = (100 + 104 + 104 + 104 + 2) >> 2 = 414 >> 2 = 103
        // q2' = (208 + 312 + 104 + 104 + 100 + 4) >> 3 = 832 >> 3 = 104
        // Then the internal edge x = 20 (bS 3, tC0 = TC0[30][2] = 2) reads the filtered samples:
        // p2 = 103 (x17), p1 = 104, p0 = 104 | q0..q2 = 104. delta = 4 >> 3 = 0.
        // p1' = 104 + Clip3(-2, 2, (103 + 104 - 208) >> 1 = -1) = 103 (x18).
        // Chroma (alpha 22, beta 7, gate (22>>2)+2 = 7; chroma uses the 3-tap form anyway):
        // p0' = (200 + 100 + 104 + 2) >> 2 = 101, q0' = (208 + 104 + 100 + 2) >> 2 = 103.
        let mut pic = vertical_step(2, 1, 16, 16, 100, 104);
        let mbs = [intra(30), intra(30)];
        deblock_picture(&mut pic, &mbs, 2, 1, &DeblockParams::default());
        let mut exp = [100u8; 32];
        exp[13..20].copy_from_slice(&[101, 101, 102, 103, 103, 103, 104]);
        exp[20..].fill(104);
        assert_rows(&pic.y, &exp);
        let mut exp = [100u8; 16];
        exp[7] = 101;
        exp[8] = 103;
        exp[9..].fill(104);
        assert_rows(&pic.u, &exp);
    }

    #[test]
    fn picture_top_edge_and_qp_average() {
        // Top MB QP 10, bottom MB QP 40, both intra, rows 100 | 110 at y = 16.
        // Luma qPav = 25: alpha 13, beta 4, gate (13>>2)+2 = 5 <= 10: 3-tap -> 103 | 108.
        // (QP 40 alone would give the strong filter, QP 10 alone no filtering.)
        // Chroma: QPc 10 and 36, qPav = 23: alpha 10; |p0-q0| = 10 is not < 10: unchanged.
        let mut pic = horizontal_step(1, 2, 8, 16, 100, 110);
        let mbs = [intra(10), intra(40)];
        deblock_picture(&mut pic, &mbs, 1, 2, &DeblockParams::default());
        for y in 0..32 {
            let v = match y {
                15 => 103,
                16 => 108,
                y if y < 16 => 100,
                _ => 110,
            };
            assert!(pic.y.row(y).iter().all(|&s| s == v), "luma row {y}");
        }
        for y in 0..16 {
            let v = if y < 8 { 100 } else { 110 };
            assert!(pic.u.row(y).iter().all(|&s| s == v), "chroma row {y}");
        }
        // Step 9 in chroma: 9 < 10: p0' = (200 + 100 + 109 + 2) >> 2 = 102,
        // q0' = (218 + 109 + 100 + 2) >> 2 = 107.
        let mut pic = horizontal_step(1, 2, 8, 16, 100, 109);
        deblock_picture(&mut pic, &mbs, 1, 2, &DeblockParams::default());
        assert!(pic.u.row(7).iter().all(|&s| s == 102));
        assert!(pic.u.row(8).iter().all(|&s| s == 107));
        assert!(pic.v.row(6).iter().all(|&s| s == 100));
        assert!(pic.v.row(9).iter().all(|&s| s == 109));
    }

    #[test]
    fn picture_inter_bs_segments() {
        // A P_8x8 and a P_L0_16x16 macroblock at QP 36 (indexA 36: alpha 50, beta 11, tC0 bS1 = 2, bS2 = 3),
        // luma 60 | 70. The left MB's block (3, 1) (raster 7) has coefficients: bS 2 on the MB
        // edge rows 4..8; its block (3, 3) (raster 15) has mv x 4: bS 1 on rows 12..16; rows
        // 0..4 and 8..12 have bS 0. The left MB's own internal edges are filtered while it is
        // still flat; the right MB's internal edges all have bS 0.
        // delta = ((70 - 60) * 4 + (60 - 70) + 4) >> 3 = 34 >> 3 = 4 (within tC either way).
        // bS 2: tC = 3 + 1 + 1 = 5: p0' = 64, q0' = 66;
        //   p1' = 60 + Clip3(-3, 3, (60 + 65 - 120) >> 1 = 2) = 62,
        //   q1' = 70 + Clip3(-3, 3, (70 + 65 - 140) >> 1 = -3) = 67.
        // bS 1: tC = 2 + 1 + 1 = 4: p0' = 64, q0' = 66;
        //   p1' = 60 + Clip3(-2, 2, 2) = 62, q1' = 70 + Clip3(-2, 2, -3) = 68.
        let mut a = inter(36);
        let b = inter(36);
        a.total_coeff[7] = 1;
        a.mb_type = MbType::P8x8; // vectors per 4x4 block (sub-macroblock 4x4 partitions)
        a.mv[15] = Mv::new(4, 0);
        let mbs = [a, b];
        let bs = macroblock_bs(&b, Some(&a), None);
        assert_eq!(bs[0][0..4], [0, 2, 0, 1]);
        assert!(bs[0][4..].iter().chain(&bs[1][..]).all(|&v| v == 0));
        let mut pic = vertical_step(2, 1, 0, 16, 60, 70);
        deblock_picture(&mut pic, &mbs, 2, 1, &DeblockParams::default());
        let mut flat = [60u8; 32];
        flat[16..].fill(70);
        let mut bs2 = flat;
        bs2[14..18].copy_from_slice(&[62, 64, 66, 67]);
        let mut bs1 = flat;
        bs1[14..18].copy_from_slice(&[62, 64, 66, 68]);
        for y in 0..16 {
            let exp = match y / 4 {
                1 => &bs2,
                3 => &bs1,
                _ => &flat,
            };
            assert_eq!(pic.y.row(y), exp, "luma row {y}");
        }
        // Chroma edge x = 8: sample row k takes the bS of luma row 2k (segment k / 2): rows 2, 3
        // bS 2, rows 6, 7 bS 1. QPc(36) = 34, indexA 34: alpha 40, beta 10, TC0 [2, 2, 4].
        // bS 2: tC = 2 + 1 = 3, delta = (40 - 10 + 4) >> 3 = 4 -> 3: 63 | 67. bS 1: tC = 3 too.
        assert_eq!(TC0[34], [2, 2, 4]);
        for plane in [&pic.u, &pic.v] {
            for y in 0..8 {
                let row = plane.row(y);
                let exp: (u8, u8) = if matches!(y, 2 | 3 | 6 | 7) {
                    (63, 67)
                } else {
                    (60, 70)
                };
                assert_eq!((row[7], row[8]), exp, "chroma row {y}");
                assert_eq!((row[6], row[9]), (60, 70), "chroma row {y}");
            }
        }
    }

    #[test]
    fn flat_picture_unchanged() {
        let mut pic = Picture::new(3, 2, 16);
        for (i, plane) in [&mut pic.y, &mut pic.u, &mut pic.v].into_iter().enumerate() {
            plane.data.fill(90 + i as u8);
        }
        let orig = pic.clone();
        let mut mbs = [intra(51); 6];
        mbs[1] = inter(51);
        mbs[1].total_coeff = [5; 16];
        mbs[4] = inter(45);
        mbs[4].mb_type = MbType::P8x8; // a vector per 8x8 block
        mbs[4].mv[3] = Mv::new(-20, 9);
        let p = DeblockParams {
            disable_idc: 0,
            offset_a: 12,
            offset_b: 12,
        };
        deblock_picture(&mut pic, &mbs, 3, 2, &p);
        assert_eq!(pic, orig);
    }

    #[test]
    fn disable_idc_1_unchanged() {
        let mut pic = vertical_step(2, 2, 8, 16, 100, 110);
        for y in 0..pic.y.height {
            for (x, v) in pic.y.row_mut(y).iter_mut().enumerate() {
                *v = v.wrapping_add(((x * 7 + y * 13) % 5) as u8);
            }
        }
        let orig = pic.clone();
        let mbs = [intra(40); 4];
        let p = DeblockParams {
            disable_idc: 1,
            offset_a: 0,
            offset_b: 0,
        };
        deblock_picture(&mut pic, &mbs, 2, 2, &p);
        assert_eq!(pic, orig);
        // With idc 0 the same picture does change.
        deblock_picture(&mut pic, &mbs, 2, 2, &DeblockParams::default());
        assert_ne!(pic, orig);
    }

    #[test]
    fn low_qp_unchanged() {
        // QP 10: indexA = 10 < 16 -> alpha 0: nothing is filtered, even intra bS 4 edges.
        let mut pic = vertical_step(2, 2, 8, 16, 100, 104);
        let orig = pic.clone();
        let mbs = [intra(10); 4];
        deblock_picture(&mut pic, &mbs, 2, 2, &DeblockParams::default());
        assert_eq!(pic, orig);
        // QP 10 with FilterOffsetA = FilterOffsetB = 12: indexA 22 (alpha 9), indexB 22 (beta 3).
        // |p0-q0| = 4 < (9>>2)+2 = 4 is false: 3-tap: p0' = (200+100+104+2)>>2 = 101,
        // q0' = (208+104+100+2)>>2 = 103.
        let p = DeblockParams {
            disable_idc: 0,
            offset_a: 12,
            offset_b: 12,
        };
        deblock_picture(&mut pic, &mbs, 2, 2, &p);
        assert_eq!((pic.y.at(15, 3), pic.y.at(16, 3)), (101, 103));
    }

    #[test]
    fn disable_idc_2_slice_boundaries() {
        let mut a = intra(30);
        let mut b = intra(30);
        a.slice = 0;
        b.slice = 1;
        let mbs = [a, b];
        let mut pic = vertical_step(2, 1, 0, 16, 100, 110);
        let orig = pic.clone();
        let p2 = DeblockParams {
            disable_idc: 2,
            offset_a: 0,
            offset_b: 0,
        };
        deblock_picture(&mut pic, &mbs, 2, 1, &p2);
        assert_eq!(pic, orig);
        // Same slice: filtered as in picture_intra_step_weak_bs4.
        let same = [a, intra(30)];
        deblock_picture(&mut pic, &same, 2, 1, &p2);
        assert_eq!((pic.y.at(15, 0), pic.y.at(16, 0)), (103, 108));
        // idc 0 filters across slices.
        let mut pic = orig.clone();
        deblock_picture(&mut pic, &mbs, 2, 1, &DeblockParams::default());
        assert_eq!((pic.y.at(15, 0), pic.y.at(16, 0)), (103, 108));
        assert_eq!((pic.u.at(7, 0), pic.u.at(8, 0)), (103, 108));
    }
}
