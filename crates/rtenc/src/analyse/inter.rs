//! P macroblock decisions: P_Skip, inter 16x16 with motion search, or intra; and the inter
//! residual with coefficient decimation.

use super::intra::{
    best_i16x16, code_chroma_quant, code_intra_chroma, code_intra_luma, load_block,
    load_chroma_pair, mb_neighbours16, store_block, store_chroma_pair, I16_HEADER_BITS,
};
use super::me::{self, Block, MvLimits};
use super::refresh::RefreshFrame;
use super::residual::ChromaQuant;
use crate::common::hpel::RefLuma;
use crate::common::mc::{mc_chroma, mc_chroma_mb};
use crate::common::mvpred::{p_skip_mv, predict_mv, PartShape};
use crate::common::quant::{params4x4, Deadzone};
use crate::common::{MbInfo, MbPos, MbType, Mv};
use crate::macroblock::MbCoding;
use crate::picture::Picture;
use crate::preset::SpeedSettings;

/// Everything a P macroblock decision reads besides the macroblock itself.
pub struct PFrameCtx<'a> {
    /// Current source picture.
    pub src: &'a Picture,
    /// The reference picture (previous reconstruction, deblocked, edges extended).
    pub refp: &'a Picture,
    /// Its luma with half-sample planes, for motion search and luma prediction.
    pub ref_luma: RefLuma<'a>,
    /// Motion of the previous frame (co-located candidates); empty after an IDR.
    pub prev_mbs: &'a [MbInfo],
    /// Whether each macroblock's source is unchanged since the previous frame.
    pub unchanged: &'a [bool],
    /// Which macroblock rows may refine unchanged content this frame (see [`refine_row`]).
    pub refine_phase: usize,
    /// Slice QP and its chroma QP.
    pub qp: u8,
    /// Chroma QP.
    pub qp_c: u8,
    /// Lambda for SATD-domain costs.
    pub lambda: u32,
    /// Level's vertical motion vector range in samples.
    pub max_vmv: i32,
    /// The preset's switches and thresholds.
    pub speed: SpeedSettings,
    /// Candidates of every macroblock's search, `Mv::ZERO` for none: the vertical shifts of
    /// scrolled content (see [`super::scroll`]) and the last picture's dominant motions (see
    /// [`super::dominant`]).
    pub frame_candidates: [Mv; FRAME_CANDIDATES],
    /// The intra refresh column of this frame and the limits it sets, with intra refresh on.
    pub refresh: Option<RefreshFrame>,
    /// Per macroblock, when known: the picture the slice reconstructs into already holds the
    /// reference's samples there (see `Encoder::recon_current`), so a zero-vector P_Skip
    /// copies nothing.
    pub recon_current: Option<&'a [bool]>,
}

/// How many picture-wide candidates a P picture offers every macroblock.
pub const FRAME_CANDIDATES: usize = super::scroll::MAX_SHIFTS
    + super::dominant::MAX_DOMINANT
    + super::translation::MAX_TRANSLATIONS;

/// What was decided for a P macroblock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PDecision {
    /// P_Skip: nothing is written but the skip run.
    Skip,
    /// A coded inter macroblock.
    Inter,
    /// An intra macroblock.
    Intra,
}

/// How far above the frame QP an unchanged macroblock's content QP may be before it is coded
/// again rather than copied (6 is a factor of 2 in quantiser step).
pub const REFINE_MARGIN: u8 = 3;

/// Whether macroblock row `mb_y` may be refined in a frame of phase `phase`: unchanged
/// macroblocks are refined one row in `period` per frame (see
/// [`SpeedSettings::refine_period`]), so refining a still picture costs a bounded share of
/// each frame's time and bits.
#[inline]
pub fn refine_row(mb_y: usize, phase: usize, period: usize) -> bool {
    (mb_y + phase).is_multiple_of(period.max(1))
}

/// Whether an unchanged macroblock whose content was coded at `content_qp`, in row `mb_y`, is
/// coded again at `qp` (rather than copied) in a frame of refinement phase `phase`: the one
/// statement of the refinement rule.
#[inline]
pub fn refines(content_qp: u8, qp: u8, mb_y: usize, phase: usize, period: usize) -> bool {
    refine_row(mb_y, phase, period) && content_qp > qp.saturating_add(REFINE_MARGIN)
}

/// x264's decimation weights: the cost of a lone +-1 after `run` zeros in scan order.
const DECIMATE_SCORE: [u32; 16] = [3, 2, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/// How much a 4x4 block's levels are worth keeping: large for any |level| > 1, else the sum of
/// run-dependent weights of its +-1s. `nz` is the mask of the non-zero levels (bit `i` for
/// `levels[i]`, as the quantiser gives it): one step per non-zero level, the zero run before
/// each the count of trailing zeros left in the mask.
fn decimate_score(levels: &[i16; 16], nz: u16) -> u32 {
    debug_assert!(
        (0..16).all(|i| (levels[i] != 0) == (nz >> i & 1 != 0)),
        "mask {nz:#x}"
    );
    let (mut mask, mut pos, mut score) = (u32::from(nz), 0, 0);
    while mask != 0 {
        let run = mask.trailing_zeros();
        pos += run as usize;
        if levels[pos & 15].unsigned_abs() > 1 {
            return 9;
        }
        score += DECIMATE_SCORE[run as usize];
        pos += 1;
        mask >>= run + 1;
    }
    score
}

/// Chooses and codes one macroblock of a P slice. Fills `mb` and `info`, writes the
/// reconstruction into `recon`, and returns the decision. `scratch` holds the predictions and
/// residuals the decision computes and the coding reuses.
pub fn code_p_mb(
    ctx: &PFrameCtx<'_>,
    recon: &mut Picture,
    mbs: &[MbInfo],
    pos: &MbPos,
    scratch: &mut PScratch,
    mb: &mut MbCoding,
    info: &mut MbInfo,
) -> PDecision {
    let (x0, y0) = (pos.mb_x * 16, pos.mb_y * 16);
    let (cx0, cy0) = (pos.mb_x * 8, pos.mb_y * 8);
    let skip_mv = p_skip_mv(mbs, pos);
    let copied_qp = ctx.prev_mbs.get(pos.addr).map_or(0, |m| m.content_qp);

    // Intra refresh: the column is intra whatever the content; in the rate control's last
    // resort everything else is skipped; left of the column, motion stays in the refreshed
    // area (see `analyse::refresh`), P_Skip's inferred vector included.
    let mut limit_x = None;
    if let Some(r) = &ctx.refresh {
        if r.is_intra(pos.mb_x) {
            code_intra_luma(
                &ctx.src.y,
                &mut recon.y,
                mbs,
                pos,
                ctx.qp,
                ctx.lambda,
                ctx.speed.i4_p,
                0,
                u32::MAX,
                None,
                r.dirty_top_right(pos.mb_x),
                mb,
                info,
            );
            code_intra_chroma(ctx.src, recon, pos, ctx.qp_c, ctx.lambda, mb, info);
            info.ref_idx = [-1; 4];
            info.mv = [Mv::ZERO; 16];
            return PDecision::Intra;
        }
        if r.only {
            // Every inter macroblock here is a zero-vector P_Skip and the column is intra, so
            // every skip vector is zero (8.4.1.1): a copy.
            info.content_qp = if ctx.unchanged[pos.addr] {
                copied_qp
            } else {
                u8::MAX
            };
            if skip_mv == Mv::ZERO {
                copy_colocated(ctx, recon, pos);
                return mark_skip(skip_mv, info);
            }
            let (mut pred16, mut predc) = ([0u8; 256], [0u8; 128]);
            predict_inter(ctx, x0, y0, skip_mv, &mut pred16, &mut predc);
            return store_skip(recon, pos, skip_mv, &pred16, &predc, info);
        }
        if r.is_clean(pos.mb_x) {
            limit_x = Some(r.max_mv_x(x0, 16));
        }
    }
    let skip_ok = limit_x.is_none_or(|m| i32::from(skip_mv.x) <= m);

    // Unchanged source and a zero skip vector: the reference already holds what we would code,
    // unless it was coded at a QP well above this frame's (then the macroblock is coded again,
    // which refines it).
    if ctx.unchanged[pos.addr]
        && skip_mv == Mv::ZERO
        && skip_ok
        && !refines(
            copied_qp,
            ctx.qp,
            pos.mb_y,
            ctx.refine_phase,
            ctx.speed.refine_period,
        )
    {
        copy_colocated(ctx, recon, pos);
        info.content_qp = copied_qp;
        return mark_skip(skip_mv, info);
    }

    let mut src16 = [0u8; 256];
    load_block(&ctx.src.y, x0, y0, 16, &mut src16);
    // Both chroma planes side by side, as the chroma forward path reads them.
    let mut srcc = [0u8; 128];
    load_chroma_pair(ctx.src, cx0, cy0, &mut srcc);

    let mvp = predict_mv(mbs, pos, info, PartShape::P16x16, 0);
    if ctx.unchanged[pos.addr] && skip_mv == Mv::ZERO && skip_ok {
        // Refining unchanged content (see above): the co-located reference is the prediction,
        // only the residual at this QP is new; no search, no intra.
        let choice = InterChoice {
            mb_type: MbType::P16x16,
            mvs: [Mv::ZERO; 4],
            mvds: [Mv::new(-mvp.x, -mvp.y); 4],
            cost: 0,
        };
        let res = &mut scratch.coded;
        res.predict(ctx, x0, y0, &choice);
        res.quant_luma(&src16, ctx.qp);
        return code_inter_choice(ctx, recon, pos, &srcc, &choice, skip_mv, res, mb, info);
    }

    // P_Skip probed before any search when a neighbour (left, top or co-located) was skipped:
    // skipped areas come in patches, and a vanishing residual at the skip vector is the
    // cheapest macroblock there is. A failed probe is kept: when the decision codes that
    // prediction after all, its forward path is already computed.
    let probed = ctx.speed.probe_skip && skip_ok && neighbour_skipped(ctx, mbs, pos);
    if probed
        && scratch
            .probe
            .probe_skip(ctx, x0, y0, skip_mv, &src16, &srcc)
    {
        let p = &scratch.probe;
        return store_skip(recon, pos, skip_mv, &p.pred16, &p.predc, info);
    }

    // Motion search for the 16x16 partition.
    let mut cands = [Mv::ZERO; 6 + FRAME_CANDIDATES];
    let mut n = 0;
    let mut push = |mv: Mv| {
        if n < cands.len() {
            cands[n] = mv;
            n += 1;
        }
    };
    push(Mv::ZERO);
    push(skip_mv);
    if let Some(a) = pos.left {
        push(mbs[a].mv[0]);
    }
    if let Some(b) = pos.top {
        push(mbs[b].mv[0]);
    }
    if let Some(c) = pos.top_right {
        push(mbs[c].mv[0]);
    }
    if let Some(col) = ctx.prev_mbs.get(pos.addr) {
        if col.mb_type.is_inter() {
            push(col.mv[0]);
        }
    }
    for &s in &ctx.frame_candidates {
        if s != Mv::ZERO {
            push(s);
        }
    }
    let mut limits = MvLimits::for_block(
        x0,
        y0,
        16,
        16,
        ctx.src.y.width,
        ctx.src.y.height,
        16,
        ctx.max_vmv,
    );
    if let Some(m) = limit_x {
        // A multiple of 4 (whole samples: the full-sample search stays on whole samples), at
        // least the zero vector's (the refresh column overlaps the last one).
        limits.max_x = limits.max_x.min(m).max(limits.min_x);
    }
    let blk = Block {
        src: &src16,
        x: x0,
        y: y0,
        w: 16,
        h: 16,
    };
    let found = me::search(
        &blk,
        &ctx.ref_luma,
        mvp,
        &cands[..n],
        ctx.lambda,
        &limits,
        &ctx.speed.search16(),
    );
    scratch.subpel.searched += 1;
    scratch.subpel.helped += u32::from(found.subpel_gain >= SUBPEL_HELPED);
    scratch.subpel.exact += u32::from(found.full_sad == 0);

    // P_Skip at a vector other than the one found is worth checking when its prediction is
    // about as good as the found one's once the latter's vector and type bits are counted.
    // (When the search lands on the skip vector, coding that vector below finds out whether
    // anything is left to send; after a failed probe nothing is.)
    if found.mv != skip_mv && !probed && skip_ok {
        let skip_satd = ctx
            .ref_luma
            .satd16x16(x0 as i32, y0 as i32, skip_mv, &src16);
        if skip_satd <= found.cost + ctx.lambda * ctx.speed.skip_slack {
            // (Nothing of this probe is reused when it fails: the vector coded next is the
            // one found.)
            let p = &mut scratch.coded;
            if p.probe_skip(ctx, x0, y0, skip_mv, &src16, &srcc) {
                return store_skip(recon, pos, skip_mv, &p.pred16, &p.predc, info);
            }
        }
    }

    // Intra, when its cheap 16x16 estimate beats inter (only worth asking when inter leaves a
    // real error: `intra_in_p_satd` per sample).
    let inter_cost = found.cost + ctx.lambda * 2;
    let try_intra = found.satd > ctx.speed.intra_in_p_satd * 256;
    let mut i16_estimate = None;
    let mut best_intra = u32::MAX;
    if try_intra {
        let nb16 = mb_neighbours16(&recon.y, pos);
        let (cost, mode) = best_i16x16(&src16, &nb16, ctx.lambda);
        i16_estimate = Some((cost, mode));
        // An intra mb_type in a P slice takes about 6 bits (3 more than in an I slice).
        best_intra = cost.saturating_add(ctx.lambda * (6 - I16_HEADER_BITS));
    }
    if best_intra < inter_cost {
        let c = code_intra_luma(
            &ctx.src.y,
            &mut recon.y,
            mbs,
            pos,
            ctx.qp,
            ctx.lambda,
            ctx.speed.i4_p,
            0,
            inter_cost,
            i16_estimate,
            false,
            mb,
            info,
        );
        if c.cost < inter_cost {
            code_intra_chroma(ctx.src, recon, pos, ctx.qp_c, ctx.lambda, mb, info);
            info.ref_idx = [-1; 4];
            info.mv = [Mv::ZERO; 16];
            return PDecision::Intra;
        }
        mb.reset();
        *info = MbInfo {
            qp: info.qp,
            slice: info.slice,
            content_qp: info.content_qp,
            ..MbInfo::default()
        };
    }

    // Partitions, when the 16x16 prediction leaves enough error to be worth splitting.
    let mut choice = InterChoice {
        mb_type: MbType::P16x16,
        mvs: [found.mv; 4],
        mvds: [Mv::new(found.mv.x - mvp.x, found.mv.y - mvp.y); 4],
        cost: found.cost + ctx.lambda,
    };
    if ctx.speed.partitions && found.satd > ctx.speed.partition_satd * 256 + 16 * ctx.lambda {
        for shape in [MbType::P16x8, MbType::P8x16, MbType::P8x8] {
            let c = search_partitions(ctx, mbs, pos, &src16, shape, found.mv, &limits);
            if c.cost < choice.cost {
                choice = c;
            }
        }
    }

    // After a failed probe, the prediction at the skip vector and its residual's forward path
    // are already there.
    let res = if probed && choice.mb_type == MbType::P16x16 && choice.mvs[0] == skip_mv {
        &mut scratch.probe
    } else {
        let res = &mut scratch.coded;
        res.predict(ctx, x0, y0, &choice);
        res.quant_luma(&src16, ctx.qp);
        res
    };
    code_inter_choice(ctx, recon, pos, &srcc, &choice, skip_mv, res, mb, info)
}

/// Codes an inter macroblock with the chosen partitions and vectors from `res`, their
/// prediction with the forward path of its luma residual (and of its chroma residual, when
/// computed): the luma with decimation, the chroma, and P_Skip when nothing is left and the
/// vector is the skip vector.
#[allow(clippy::too_many_arguments)]
fn code_inter_choice(
    ctx: &PFrameCtx<'_>,
    recon: &mut Picture,
    pos: &MbPos,
    srcc: &[u8; 128],
    choice: &InterChoice,
    skip_mv: Mv,
    res: &mut Residual,
    mb: &mut MbCoding,
    info: &mut MbInfo,
) -> PDecision {
    let (x0, y0) = (pos.mb_x * 16, pos.mb_y * 16);
    let counts = code_inter_luma(&res.luma, &res.pred16, ctx.qp, mb, recon, x0, y0);
    res.quant_chroma(srcc, ctx.qp_c);
    code_chroma_quant(
        &res.chroma,
        &res.predc,
        ctx.qp_c,
        Deadzone::Inter,
        recon,
        pos,
        mb,
        info,
    );
    info.total_coeff = counts;
    info.mv = choice.block_mvs();
    info.ref_idx = [0; 4];
    if choice.mb_type == MbType::P16x16 && mb.cbp() == 0 && choice.mvs[0] == skip_mv {
        info.mb_type = MbType::PSkip;
        mb.mb_type = MbType::PSkip;
        return PDecision::Skip;
    }
    info.mb_type = choice.mb_type;
    mb.mb_type = choice.mb_type;
    mb.mvd = choice.mvds;
    PDecision::Inter
}

/// An inter prediction choice: the macroblock type and one vector per partition.
#[derive(Debug, Clone, Copy)]
struct InterChoice {
    mb_type: MbType,
    mvs: [Mv; 4],
    mvds: [Mv; 4],
    cost: u32,
}

/// Partitions of an inter macroblock type: (x, y, w, h) in luma samples.
fn partitions(mb_type: MbType) -> &'static [(usize, usize, usize, usize)] {
    match mb_type {
        MbType::P16x8 => &[(0, 0, 16, 8), (0, 8, 16, 8)],
        MbType::P8x16 => &[(0, 0, 8, 16), (8, 0, 8, 16)],
        MbType::P8x8 => &[(0, 0, 8, 8), (8, 0, 8, 8), (0, 8, 8, 8), (8, 8, 8, 8)],
        _ => &[(0, 0, 16, 16)],
    }
}

impl InterChoice {
    /// The motion vector of each 4x4 block (raster).
    fn block_mvs(&self) -> [Mv; 16] {
        let mut out = [Mv::ZERO; 16];
        for (k, &(px, py, pw, ph)) in partitions(self.mb_type).iter().enumerate() {
            for by in py / 4..(py + ph) / 4 {
                for bx in px / 4..(px + pw) / 4 {
                    out[bx + 4 * by] = self.mvs[k];
                }
            }
        }
        out
    }
}

/// Searches each partition of `mb_type` in decoding order, predicting each vector from the
/// neighbours and the partitions already decided (8.4.1.3).
fn search_partitions(
    ctx: &PFrameCtx<'_>,
    mbs: &[MbInfo],
    pos: &MbPos,
    src16: &[u8; 256],
    mb_type: MbType,
    mv16: Mv,
    limits16: &MvLimits,
) -> InterChoice {
    let (x0, y0) = (pos.mb_x * 16, pos.mb_y * 16);
    let mut cur = MbInfo {
        mb_type,
        ref_idx: [0; 4],
        ..MbInfo::default()
    };
    let mut choice = InterChoice {
        mb_type,
        mvs: [Mv::ZERO; 4],
        mvds: [Mv::ZERO; 4],
        cost: 0,
    };
    // mb_type and sub_mb_type bits beyond P_L0_16x16's single bit.
    choice.cost = ctx.lambda * if mb_type == MbType::P8x8 { 3 + 4 } else { 3 };
    let mut src = [0u8; 256];
    for (k, &(px, py, pw, ph)) in partitions(mb_type).iter().enumerate() {
        let shape = match mb_type {
            MbType::P16x8 => PartShape::P16x8 { index: k },
            MbType::P8x16 => PartShape::P8x16 { index: k },
            _ => PartShape::P8x8 { index: k },
        };
        let mvp = predict_mv(mbs, pos, &cur, shape, 0);
        for r in 0..ph {
            src[r * pw..r * pw + pw].copy_from_slice(&src16[(py + r) * 16 + px..][..pw]);
        }
        let blk = Block {
            src: &src[..pw * ph],
            x: x0 + px,
            y: y0 + py,
            w: pw,
            h: ph,
        };
        let found = me::search(
            &blk,
            &ctx.ref_luma,
            mvp,
            &[mv16],
            ctx.lambda,
            limits16,
            &ctx.speed.search_partition(),
        );
        choice.mvs[k] = found.mv;
        choice.mvds[k] = Mv::new(found.mv.x - mvp.x, found.mv.y - mvp.y);
        choice.cost += found.cost;
        for by in py / 4..(py + ph) / 4 {
            for bx in px / 4..(px + pw) / 4 {
                cur.mv[bx + 4 * by] = found.mv;
            }
        }
    }
    choice
}

/// Motion-compensated luma and chroma prediction of every partition.
fn predict_partitions(
    ctx: &PFrameCtx<'_>,
    x0: usize,
    y0: usize,
    choice: &InterChoice,
    pred16: &mut [u8; 256],
    predc: &mut [u8; 128],
) {
    if choice.mb_type == MbType::P16x16 {
        predict_inter(ctx, x0, y0, choice.mvs[0], pred16, predc);
        return;
    }
    let mut tmp = [0u8; 128];
    for (k, &(px, py, pw, ph)) in partitions(choice.mb_type).iter().enumerate() {
        let mv = choice.mvs[k];
        ctx.ref_luma
            .predict((x0 + px) as i32, (y0 + py) as i32, mv, pw, ph, &mut tmp);
        for r in 0..ph {
            pred16[(py + r) * 16 + px..][..pw].copy_from_slice(&tmp[r * pw..r * pw + pw]);
        }
        let (cw, ch) = (pw / 2, ph / 2);
        let (cx, cy) = ((x0 + px) / 2, (y0 + py) / 2);
        for (c, plane) in [&ctx.refp.u, &ctx.refp.v].into_iter().enumerate() {
            mc_chroma(plane, cx as i32, cy as i32, mv, cw, ch, &mut tmp);
            for r in 0..ch {
                predc[(py / 2 + r) * 16 + 8 * c + px / 2..][..cw]
                    .copy_from_slice(&tmp[r * cw..r * cw + cw]);
            }
        }
    }
}

/// Luma and chroma prediction of the macroblock at (x0, y0) displaced by `mv`.
fn predict_inter(
    ctx: &PFrameCtx<'_>,
    x0: usize,
    y0: usize,
    mv: Mv,
    pred16: &mut [u8; 256],
    predc: &mut [u8; 128],
) {
    ctx.ref_luma
        .predict(x0 as i32, y0 as i32, mv, 16, 16, pred16);
    let (cx, cy) = ((x0 / 2) as i32, (y0 / 2) as i32);
    mc_chroma_mb(&ctx.refp.u, &ctx.refp.v, cx, cy, mv, predc);
}

/// What a P macroblock's decision computes and its coding reuses, owned by the slice coder and
/// kept from one macroblock to the next: nothing in it is cleared or moved per macroblock,
/// every field is written before it is read.
#[derive(Debug, Clone, Default)]
pub struct PScratch {
    /// The P_Skip probe before the search.
    probe: Residual,
    /// Whatever else is coded (or probed after the search).
    coded: Residual,
    /// What sub-sample refinement did in the 16x16 searches (cleared by the slice coder).
    pub subpel: SubpelStats,
}

/// A half-sample step that lowers a 16x16 block's SAD by this much (a quarter per sample) is
/// counted as having helped.
const SUBPEL_HELPED: u32 = 64;

/// How often sub-sample refinement found something in the 16x16 motion searches of a picture:
/// where it rarely does (screens that move by whole samples), the encoder leaves it out,
/// together with the half-sample planes it needs (see `Encoder::subpel_for`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubpelStats {
    /// 16x16 motion searches.
    pub searched: u32,
    /// Of those, the ones whose half-sample step lowered the SAD by `SUBPEL_HELPED` or more.
    pub helped: u32,
    /// Of those, the ones whose best full-sample vector matched exactly (SAD 0): screen
    /// content moved by whole samples. Real footage has almost none (some of its samples
    /// repeat exactly from frame to frame, where the camera stood still and its own encoder
    /// skipped, which makes it look like a screen).
    pub exact: u32,
}

impl SubpelStats {
    /// Adds `other`'s counts.
    pub fn add(&mut self, other: SubpelStats) {
        self.searched += other.searched;
        self.helped += other.helped;
        self.exact += other.exact;
    }
}

/// A prediction of the macroblock and the forward path of the residual against it: what a
/// P_Skip probe computes, and what coding that prediction needs.
#[derive(Debug, Clone)]
struct Residual {
    /// Luma prediction.
    pred16: [u8; 256],
    /// Chroma predictions, side by side: row `r` is Cb's row `r` then Cr's.
    predc: [u8; 128],
    /// The luma residual's levels and decimation.
    luma: InterLuma,
    /// The chroma residual's levels, when `chroma_done`.
    chroma: ChromaQuant,
    /// Whether `chroma` belongs to this prediction.
    chroma_done: bool,
}

impl Default for Residual {
    fn default() -> Self {
        Residual {
            pred16: [0; 256],
            predc: [0; 128],
            luma: InterLuma {
                levels: [[0; 16]; 16],
                nz: [0; 16],
                kept: [false; 4],
            },
            chroma: ChromaQuant::default(),
            chroma_done: false,
        }
    }
}

impl Residual {
    /// The prediction of the macroblock at (x0, y0) with `choice`'s partitions and vectors.
    fn predict(&mut self, ctx: &PFrameCtx<'_>, x0: usize, y0: usize, choice: &InterChoice) {
        predict_partitions(ctx, x0, y0, choice, &mut self.pred16, &mut self.predc);
        self.chroma_done = false;
    }

    /// The luma residual's forward path against the prediction.
    fn quant_luma(&mut self, src16: &[u8; 256], qp: u8) {
        self.luma.quantise(src16, &self.pred16, qp);
    }

    /// The chroma residual's forward path against the prediction, unless already computed.
    fn quant_chroma(&mut self, srcc: &[u8; 128], qp_c: u8) {
        if !self.chroma_done {
            self.chroma
                .quantise_pair(srcc, &self.predc, qp_c, Deadzone::Inter);
            self.chroma_done = true;
        }
    }

    /// Probes P_Skip for the macroblock at (x0, y0) (source `src16`, `srcc`) at vector `mv`:
    /// predicts it and quantises the residual (the chroma only when the luma vanished).
    /// Returns whether the residual quantises to nothing worth sending (after decimation;
    /// chroma: no level at all), in which case P_Skip reproduces the prediction exactly.
    fn probe_skip(
        &mut self,
        ctx: &PFrameCtx<'_>,
        x0: usize,
        y0: usize,
        mv: Mv,
        src16: &[u8; 256],
        srcc: &[u8; 128],
    ) -> bool {
        predict_inter(ctx, x0, y0, mv, &mut self.pred16, &mut self.predc);
        self.chroma_done = false;
        self.quant_luma(src16, ctx.qp);
        if !self.luma.vanishes() {
            return false;
        }
        self.quant_chroma(srcc, ctx.qp_c);
        self.chroma.is_empty()
    }
}

/// The 8x8 quadrant (coded_block_pattern bit) of raster 4x4 block `blk`.
fn quadrant(blk: usize) -> usize {
    (blk % 4) / 2 + 2 * (blk / 8)
}

/// Decimation scores of the four 8x8 quadrants.
fn quadrant_scores(levels: &[[i16; 16]; 16], nz: &[u16; 16]) -> [u32; 4] {
    let mut scores = [0u32; 4];
    for blk in 0..16 {
        if nz[blk] != 0 {
            scores[quadrant(blk)] += decimate_score(&levels[blk], nz[blk]);
        }
    }
    scores
}

/// Which quadrants keep their levels, given the decimation scores (see [`code_inter_luma`]):
/// those scoring at least 4 in a macroblock scoring at least 6.
fn quadrants_kept(scores: &[u32; 4]) -> [bool; 4] {
    let whole = scores.iter().sum::<u32>() >= 6;
    scores.map(|s| whole && s >= 4)
}

/// The forward path of the 16 luma 4x4 blocks of an inter macroblock against one prediction:
/// levels (scan order) and non-zero counts per raster block, and which 8x8 quadrants survive
/// decimation (see [`code_inter_luma`]).
#[derive(Debug, Clone)]
struct InterLuma {
    /// Levels per raster 4x4 block, before decimation.
    levels: [[i16; 16]; 16],
    /// Their non-zero masks (bit `i` for scan position `i`).
    nz: [u16; 16],
    /// The quadrants that keep their levels.
    kept: [bool; 4],
}

impl InterLuma {
    /// The forward path of `src16` against `pred16` at `qp`.
    fn quantise(&mut self, src16: &[u8; 256], pred16: &[u8; 256], qp: u8) {
        let q = params4x4(qp, Deadzone::Inter);
        (crate::dsp::kernels().quant_strips)(
            src16,
            pred16,
            q,
            false,
            &mut self.levels,
            &mut [],
            &mut self.nz,
        );
        self.kept = quadrants_kept(&quadrant_scores(&self.levels, &self.nz));
    }

    /// Whether no luma coefficient is left after decimation (coded_block_pattern 0).
    fn vanishes(&self) -> bool {
        self.kept == [false; 4]
    }
}

/// Codes the 16 luma 4x4 blocks of an inter macroblock from their forward path `luma` against
/// `pred16`, with decimation of 8x8 quadrants (and the whole macroblock) whose few +-1 levels
/// are not worth their bits. Fills `mb.luma` and `mb.cbp_luma`, writes the reconstruction
/// into `recon` at (x0, y0); returns total_coeff per block (raster).
fn code_inter_luma(
    luma: &InterLuma,
    pred16: &[u8; 256],
    qp: u8,
    mb: &mut MbCoding,
    recon: &mut Picture,
    x0: usize,
    y0: usize,
) -> [u8; 16] {
    let all = luma.nz.map(|m| m.count_ones() as u8);
    let mut counts = [0u8; 16];
    let mut cbp = 0u8;
    for (blk, count) in counts.iter_mut().enumerate() {
        let q = quadrant(blk);
        // Decimated quadrants keep no level (count 0), and their reconstruction is the
        // prediction.
        if luma.kept[q] {
            *count = all[blk];
            cbp |= u8::from(all[blk] > 0) << q;
        }
    }
    mb.cbp_luma = cbp;
    if cbp == 0 {
        // Nothing coded: no level is read (see `MbCoding::reset`), the prediction stands.
        store_block(&mut recon.y, x0, y0, 16, pred16);
    } else {
        let mut levels = luma.levels;
        for (blk, (dst, l)) in mb.luma.iter_mut().zip(levels.iter_mut()).enumerate() {
            if luma.kept[quadrant(blk)] {
                *dst = l.map(i32::from);
                mb.luma_nz[blk] = luma.nz[blk];
            } else {
                *l = [0; 16];
            }
        }
        let q = params4x4(qp, Deadzone::Inter);
        let mut rec16 = [0u8; 256];
        (crate::dsp::kernels().recon_strips)(&levels, None, pred16, q, &mut rec16);
        store_block(&mut recon.y, x0, y0, 16, &rec16);
    }
    counts
}

/// Makes the macroblock P_Skip with the prediction at its skip vector already computed.
fn store_skip(
    recon: &mut Picture,
    pos: &MbPos,
    mv: Mv,
    pred16: &[u8; 256],
    predc: &[u8; 128],
    info: &mut MbInfo,
) -> PDecision {
    let (x0, y0) = (pos.mb_x * 16, pos.mb_y * 16);
    store_block(&mut recon.y, x0, y0, 16, pred16);
    store_chroma_pair(recon, x0 / 2, y0 / 2, predc);
    mark_skip(mv, info)
}

/// Whether the left, top or co-located (previous frame) macroblock was P_Skip.
fn neighbour_skipped(ctx: &PFrameCtx<'_>, mbs: &[MbInfo], pos: &MbPos) -> bool {
    let skipped = |m: &MbInfo| m.mb_type == MbType::PSkip;
    pos.left.is_some_and(|a| skipped(&mbs[a]))
        || pos.top.is_some_and(|b| skipped(&mbs[b]))
        || ctx.prev_mbs.get(pos.addr).is_some_and(skipped)
}

/// Copies the reference's macroblock at `pos` into `recon` (a zero-vector P_Skip), unless
/// `recon` holds those samples already.
fn copy_colocated(ctx: &PFrameCtx<'_>, recon: &mut Picture, pos: &MbPos) {
    let (refp, x0, y0) = (ctx.refp, pos.mb_x * 16, pos.mb_y * 16);
    if ctx.recon_current.is_some_and(|c| c[pos.addr]) {
        debug_assert!(
            [
                (&recon.y, &refp.y, 16, x0, y0),
                (&recon.u, &refp.u, 8, x0 / 2, y0 / 2),
                (&recon.v, &refp.v, 8, x0 / 2, y0 / 2),
            ]
            .iter()
            .all(|&(d, s, n, x, y)| (y..y + n).all(|r| d.row(r)[x..x + n] == s.row(r)[x..x + n])),
            "macroblock {} marked current but differs from the reference",
            pos.addr
        );
        return;
    }
    for (dst, src, n, x, y) in [
        (&mut recon.y, &refp.y, 16, x0, y0),
        (&mut recon.u, &refp.u, 8, x0 / 2, y0 / 2),
        (&mut recon.v, &refp.v, 8, x0 / 2, y0 / 2),
    ] {
        for r in y..y + n {
            dst.row_mut(r)[x..x + n].copy_from_slice(&src.row(r)[x..x + n]);
        }
    }
}

/// Records a P_Skip macroblock with vector `mv` in `info`.
fn mark_skip(mv: Mv, info: &mut MbInfo) -> PDecision {
    info.mb_type = MbType::PSkip;
    info.mv = [mv; 16];
    info.ref_idx = [0; 4];
    info.total_coeff = [0; 16];
    info.total_coeff_cb = [0; 4];
    info.total_coeff_cr = [0; 4];
    PDecision::Skip
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// x264's rule written out: walk the scan, count zeros, weigh each +-1 by the run before it.
    fn decimate_score_reference(levels: &[i16; 16]) -> u32 {
        let (mut score, mut run) = (0, 0usize);
        for &l in levels {
            if l == 0 {
                run += 1;
            } else if l.abs() > 1 {
                return 9;
            } else {
                score += DECIMATE_SCORE[run.min(15)];
                run = 0;
            }
        }
        score
    }

    proptest! {
        #[test]
        fn decimate_score_matches_the_scan_walk(
            levels in proptest::array::uniform16(prop_oneof![6 => Just(0i16), 3 => -1i16..=1, 1 => -2047i16..=2047]),
        ) {
            let nz = (0..16).fold(0u16, |m, i| m | u16::from(levels[i] != 0) << i);
            prop_assert_eq!(decimate_score(&levels, nz), decimate_score_reference(&levels));
        }
    }
}
