//! The per-frame pipeline: picks the frame type, runs the macroblock loop, deblocks, writes the
//! access unit and keeps the reference picture. This is the only place that knows the order of
//! the steps.

use crate::analyse::cost::lambda;
use crate::analyse::dominant::{DominantMotion, MAX_DOMINANT};
use crate::analyse::inter::refines;
use crate::analyse::inter::PFrameCtx;
use crate::analyse::inter::SubpelStats;
use crate::analyse::inter::FRAME_CANDIDATES;
use crate::analyse::refresh::RefreshFrame;
use crate::analyse::scroll::{ScrollDetector, MAX_SHIFTS};
use crate::analyse::translation::TranslationDetector;
use crate::bitstream::nal::{write_nal, NalType};
use crate::bitstream::pps::Pps;
use crate::bitstream::sei::RecoveryPoint;
use crate::bitstream::slice_header::{SliceHeader, SliceType};
use crate::bitstream::sps::Sps;
use crate::bitstream::BitWriter;
use crate::common::deblock::DeblockParams;
use crate::common::hpel::{HpelPlanes, RefLuma};
use crate::common::{chroma_qp, MbInfo, MbType, Mv};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::frame::{Nv12Frame, Rect};
use crate::picture::Picture;
use crate::preset::{SpeedSettings, Subpel};
use crate::ratecontrol::{RateControl, MAX_REFINE_PERIOD, STILL_MOVING_SHARE, STILL_SHARE};
use crate::slice::{balance_slice_rows, mb_cost, slice_rows, PictureCtx, SliceCoder};
use crate::workers::Workers;

/// Border (in luma samples) kept around reference pictures for motion vectors that point
/// outside the picture.
const REF_PAD: usize = 32;

/// Translations (`analyse::translation`) are looked for in P frames where at least this share
/// of the macroblocks is unchanged: screen content. A camera picture changes everywhere (no
/// search, no cost); a window dragged over a 1080p desktop leaves about 90 % unchanged.
const TRANSLATION_SHARE: f64 = 1.0 / 16.0;

/// Screen pictures try the loop filter in every IDR and once in this many pictures, and follow
/// the last trial in between (see `Encoder::code_picture`). A trial measures the squared error
/// of every filtered row twice: on every picture it took 19 % of a scrolling page's
/// instructions at `veryfast`.
const DEBLOCK_TRIAL_PERIOD: u32 = 8;

/// Screen pictures where sub-sample refinement rarely finds anything (content moved by whole
/// samples: scrolls, drags) leave it out, and the half-sample planes with it, for this many
/// pictures before trying it again (see `Encoder::subpel_for`).
const SUBPEL_TRIAL_PERIOD: u32 = 8;

/// Sub-sample refinement pays when at least one 16x16 search in this many found a better
/// half-sample vector (`SubpelStats`). Measured per picture (1080p, 4 Mbit/s): web scroll 0 to
/// 1 in 1 000, fast window drag 0 to 1 in 25 (1 in 100 typically), the video in a window 1 in
/// 20, camera content 1 in 14 (camera pictures are not screen-like and keep it anyway).
const SUBPEL_PAYS_ONE_IN: u32 = 64;

/// ... and at least one search in this many found an exact whole-sample match. Measured per
/// picture: web scroll 0 to 15 % (mostly 4-9 %), fast drag 5-40 %, camera and the video
/// window none; real footage 0-2 % (bikes, whose static parts repeat exactly: the rule on
/// gains alone left sub-sample refinement out of 25 of its 40 frames, BD-rate against x264
/// `superfast` +5.5 -> +9.4 %).
const SUBPEL_EXACT_ONE_IN: u32 = 32;

/// A picture with fewer 16x16 searches than this says nothing about sub-sample refinement.
const SUBPEL_MIN_SEARCHES: u32 = 64;

/// The kind of picture an access unit carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameType {
    /// An IDR picture (I slices; decoding can start here). Preceded by SPS and PPS.
    Idr,
    /// A P picture predicted from the previous frame.
    P,
}

/// One encoded frame: its complete Annex B access unit and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedFrame {
    /// The access unit: start-code-prefixed NAL units (SPS, PPS, slice for IDRs; slice
    /// otherwise).
    pub data: Vec<u8>,
    /// True for IDR pictures.
    pub keyframe: bool,
    /// The picture type.
    pub frame_type: FrameType,
    /// The slice QP.
    pub qp: u8,
    /// Index of this frame in input order, from 0.
    pub index: u64,
}

impl EncodedFrame {
    /// Size of the access unit in bytes.
    pub fn size(&self) -> usize {
        self.data.len()
    }
}

/// A real-time H.264 encoder for one fixed picture size.
///
/// ```
/// use rtenc::{Config, Encoder, Nv12Frame};
/// let mut enc = Encoder::new(Config::new(32, 32)).unwrap();
/// let buf = vec![100u8; 32 * 32 * 3 / 2];
/// let au = enc.encode(&Nv12Frame::from_contiguous(&buf, 32, 32).unwrap(), false).unwrap();
/// assert!(au.keyframe && au.size() > 0);
/// // A frame of the wrong size is refused, and the encoder goes on.
/// let small = vec![0u8; 16 * 16 * 3 / 2];
/// assert!(enc.encode(&Nv12Frame::from_contiguous(&small, 16, 16).unwrap(), false).is_err());
/// ```
pub struct Encoder {
    cfg: Config,
    sps: Sps,
    pps: Pps,
    mb_width: usize,
    mb_height: usize,
    /// The current source frame, macroblock-aligned (edges replicated into the cropped area).
    src: Picture,
    /// The current source's chroma as it came in (interleaved NV12 rows of the visible area),
    /// to compare the next frame with before converting it.
    src_uv: Vec<u8>,
    /// Per macroblock: source identical to the previous frame's.
    unchanged: Vec<bool>,
    /// Vertical scroll detection on the source (see `analyse::scroll`).
    scroll: ScrollDetector,
    /// The vectors most macroblocks of the last picture shared (see `analyse::dominant`).
    dominant: DominantMotion,
    /// Where changed screen content came from in the previous source (see
    /// `analyse::translation`).
    translation: TranslationDetector,
    /// Whether the last P frame looked like screen content (at least `TRANSLATION_SHARE` of
    /// it unchanged; true until a P frame says otherwise). Screen pictures try their frames
    /// without the loop filter (`deblock_trial`); camera pictures, where it pays, do not pay
    /// for the trial (+27 % instructions on camera 1080p at `ultrafast`).
    screen_like: bool,
    /// What the last loop-filter trial found: whether the filter paid (most slices kept it);
    /// `None` before any trial. Screen pictures between trials follow it, and without the
    /// filter they skip its cost too.
    filter_pays: Option<bool>,
    /// Pictures coded since the last loop-filter trial.
    since_trial: u32,
    /// Whether sub-sample refinement found enough in the last picture that used it; `None`
    /// before any. Screen pictures go without it while it does not pay (see `subpel_for`).
    subpel_pays: Option<bool>,
    /// Pictures coded without sub-sample refinement since it was last used.
    since_subpel: u32,
    /// The sub-sample refinement of the picture being coded.
    subpel_now: Subpel,
    /// The picture-wide candidates of the frame being coded: scroll shifts, dominant motions,
    /// then translations (see `PFrameCtx::frame_candidates`).
    frame_candidates: [Mv; FRAME_CANDIDATES],
    /// The dominant motions of the last P frame before the last IDR, for the P frame after it.
    dominant_before_idr: [Mv; MAX_DOMINANT],
    /// Whether the loop filter ran on the last picture coded by the slices (and was kept).
    filtered: bool,
    /// The picture being reconstructed.
    cur_recon: Picture,
    /// The frame (index) whose final reconstruction `cur_recon` holds, if any.
    cur_recon_frame: Option<u64>,
    /// The frame whose reconstruction `reference` is.
    reference_frame: Option<u64>,
    /// Per macroblock: the first frame from which on its reconstruction has not changed (every
    /// later picture copied it and no loop filter touched it).
    same_since: Vec<u64>,
    /// Per macroblock, for the picture being coded: the slice coder's picture already holds
    /// the reference's samples there (see `recon_current`).
    recon_current: Vec<bool>,
    /// The last reconstructed picture: deblocked, edges extended; the reference for P frames.
    reference: Picture,
    /// Half-sample planes of `reference`'s luma.
    ref_hpel: HpelPlanes,
    /// Per macroblock row: the macroblock columns `[from, to)` where the half-sample planes
    /// may be out of date.
    ref_hpel_dirty: Vec<Option<(usize, usize)>>,
    /// Set by `encode_slice`: every macroblock was P_Skip with a zero vector, so the
    /// reconstruction equals the reference.
    all_static_skip: bool,
    /// Set by `code_picture`: how many macroblocks were P_Skip with a zero vector.
    static_skips: usize,
    mbs: Vec<MbInfo>,
    prev_mbs: Vec<MbInfo>,
    /// Rate control, unless the configuration asks for a constant QP.
    rc: Option<RateControl>,
    max_vmv: i32,
    /// The preset's switches and thresholds (from `cfg.preset`).
    speed: SpeedSettings,
    /// The first macroblock row of each slice.
    slice_rows: Vec<usize>,
    /// One coder per slice.
    coders: Vec<SliceCoder>,
    /// Per macroblock row: the estimated coding cost of the last picture (see `mb_cost`), which
    /// places the next picture's slice boundaries.
    row_costs: Vec<u32>,
    /// Parameter sets and the all-skip slice.
    writer: BitWriter,
    frame_index: u64,
    frame_num: u32,
    idr_count: u32,
    frames_since_idr: u64,
    /// The intra refresh column of the frame being coded (intra refresh on, P frames).
    refresh: Option<RefreshFrame>,
    kernels: &'static crate::dsp::Kernels,
    /// One thread per slice (none with one slice), for the slices and every other stage of a
    /// frame that splits into bands.
    workers: Workers,
}

impl Encoder {
    /// Validates `cfg` and builds an encoder.
    pub fn new(cfg: Config) -> Result<Self> {
        cfg.validate()?;
        let mb_width = cfg.mb_width() as usize;
        let mb_height = cfg.mb_height() as usize;
        let sps = Sps::from_config(&cfg);
        let slice_rows = slice_rows(mb_height, cfg.slice_count());
        let workers = Workers::new(slice_rows.len())?;
        Ok(Encoder {
            workers,
            sps,
            pps: Pps::new(),
            mb_width,
            mb_height,
            src: Picture::new(mb_width, mb_height, 0),
            src_uv: vec![0; cfg.width as usize * cfg.height as usize / 2],
            unchanged: vec![false; mb_width * mb_height],
            scroll: ScrollDetector::new(cfg.width as usize, cfg.height as usize),
            dominant: DominantMotion::new(mb_width * mb_height),
            translation: TranslationDetector::new(),
            screen_like: true,
            filter_pays: None,
            since_trial: 0,
            subpel_pays: None,
            since_subpel: 0,
            subpel_now: Subpel::Full,
            frame_candidates: [Mv::ZERO; FRAME_CANDIDATES],
            dominant_before_idr: [Mv::ZERO; MAX_DOMINANT],
            cur_recon: Picture::new(mb_width, mb_height, REF_PAD),
            filtered: false,
            cur_recon_frame: None,
            reference_frame: None,
            same_since: vec![0; mb_width * mb_height],
            recon_current: vec![false; mb_width * mb_height],
            reference: Picture::new(mb_width, mb_height, REF_PAD),
            ref_hpel: HpelPlanes::new(&Picture::new(mb_width, mb_height, REF_PAD).y),
            ref_hpel_dirty: vec![Some((0, mb_width)); mb_height],
            all_static_skip: false,
            static_skips: 0,
            mbs: vec![MbInfo::default(); mb_width * mb_height],
            prev_mbs: Vec::new(),
            rc: cfg.constant_qp().is_none().then(|| {
                let mut rc = RateControl::new(
                    cfg.bitrate,
                    cfg.fps,
                    cfg.vbv_size.unwrap_or(cfg.bitrate),
                    cfg.min_qp,
                    cfg.max_qp,
                );
                // With intra refresh only the first frame is planned as an IDR.
                rc.set_idr_reserve(!cfg.intra_refresh);
                rc
            }),
            max_vmv: crate::level::choose_level(&cfg).map_or(512, |l| l.max_vmv_r),
            speed: SpeedSettings::from_preset(cfg.preset),
            slice_rows: slice_rows.clone(),
            row_costs: vec![0; mb_height],
            coders: slice_rows
                .iter()
                .map(|_| {
                    SliceCoder::new(
                        &Picture::new(mb_width, mb_height, REF_PAD),
                        mb_width,
                        mb_height,
                    )
                })
                .collect(),
            writer: BitWriter::with_capacity(1024),
            frame_index: 0,
            frame_num: 0,
            idr_count: 0,
            refresh: None,
            frames_since_idr: 0,
            kernels: cfg
                .isa
                .map_or(crate::dsp::default_kernels(), crate::dsp::Kernels::best),
            cfg,
        })
    }

    /// The instruction-set level of the kernels this encoder uses (see [`Config::isa`]).
    pub fn isa(&self) -> crate::Isa {
        self.kernels.isa
    }

    /// The configuration this encoder was built with.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The RFC 6381 codec string of the stream, e.g. `avc1.42C01F`, read from the SPS this
    /// encoder emits.
    pub fn codec_string(&self) -> String {
        self.sps.codec_string()
    }

    /// The reconstruction of the last encoded frame (what a decoder outputs), macroblock-aligned;
    /// the visible picture is its top-left `width` x `height`.
    pub fn recon(&self) -> &Picture {
        &self.reference
    }

    /// Returns nothing: rtenc never holds a frame back (1-in-1-out).
    pub fn flush(&mut self) -> Result<Vec<EncodedFrame>> {
        Ok(Vec::new())
    }

    /// Encodes one frame and returns its complete access unit. `force_idr` makes it an IDR
    /// picture. A frame whose size differs from the configuration is refused with an error and
    /// leaves the encoder as it was.
    pub fn encode(&mut self, frame: &Nv12Frame<'_>, force_idr: bool) -> Result<EncodedFrame> {
        self.encode_frame(frame, force_idr, None)
    }

    /// Like [`Encoder::encode`], with a damage hint: the caller promises that every sample
    /// outside the union of `damage` (rectangles in luma samples; chroma follows) equals the
    /// previous frame's. Macroblocks outside it are skipped without being looked at; those
    /// inside are still compared, so a generous hint costs little. A wrong hint leaves stale
    /// pictures on screen until the next IDR. IDR pictures ignore the hint. An empty list means
    /// nothing changed.
    ///
    /// ```
    /// use rtenc::{Config, Encoder, Nv12Frame, Rect};
    /// let mut enc = Encoder::new(Config::new(64, 64)).unwrap();
    /// let mut buf = vec![128u8; 64 * 64 * 3 / 2];
    /// enc.encode(&Nv12Frame::from_contiguous(&buf, 64, 64).unwrap(), false).unwrap();
    /// buf[20 * 64 + 20] = 0; // one sample changes, inside the hint
    /// let frame = Nv12Frame::from_contiguous(&buf, 64, 64).unwrap();
    /// let au = enc.encode_with_damage(&frame, false, &[Rect::new(16, 16, 8, 8)]).unwrap();
    /// assert!(!au.keyframe);
    /// ```
    pub fn encode_with_damage(
        &mut self,
        frame: &Nv12Frame<'_>,
        force_idr: bool,
        damage: &[Rect],
    ) -> Result<EncodedFrame> {
        self.encode_frame(frame, force_idr, Some(damage))
    }

    fn encode_frame(
        &mut self,
        frame: &Nv12Frame<'_>,
        force_idr: bool,
        damage: Option<&[Rect]>,
    ) -> Result<EncodedFrame> {
        let _kernels = crate::dsp::KernelScope::enter(self.kernels);
        if frame.width() != self.cfg.width || frame.height() != self.cfg.height {
            return Err(Error::InvalidFrame(format!(
                "frame is {}x{}, the encoder was configured for {}x{}",
                frame.width(),
                frame.height(),
                self.cfg.width,
                self.cfg.height
            )));
        }
        let refresh = self.cfg.intra_refresh;
        let idr = force_idr
            || self.frame_index == 0
            || (!refresh && self.cfg.gop > 0 && self.frames_since_idr >= u64::from(self.cfg.gop));
        let frame_type = if idr { FrameType::Idr } else { FrameType::P };
        // Intra refresh: frame k of the sweep that started after the last IDR; the first of
        // each sweep carries a recovery point SEI.
        let sweep_frame = self.frames_since_idr.saturating_sub(1) % u64::from(self.cfg.gop.max(1));
        self.refresh =
            (refresh && !idr).then(|| RefreshFrame::new(sweep_frame, self.cfg.gop, self.mb_width));
        let recovery_point = (self.refresh.is_some() && sweep_frame == 0)
            .then(|| RecoveryPoint::exact(self.cfg.gop.saturating_sub(1)));
        let mut still_qp = None;
        let mut unchanged_share = 1.0;
        let refine_period = self.speed.refine_period;
        if !idr {
            // Unchanged macroblocks are found on the incoming NV12 itself: a frame identical to
            // the last one costs little more than the comparison.
            let all_unchanged = self.find_unchanged(frame, damage);
            // Little to code but the refinement: the rate control sizes that (see
            // `RateControl::still_qp`).
            let share = self.unchanged.iter().filter(|&&u| u).count() as f64
                / self.unchanged.len().max(1) as f64;
            // How many rows it refines is sized by the budget too: a still frame refines one
            // macroblock row in `refine_period` (restored below).
            unchanged_share = share;
            if let Some(rc) = self.rc.as_mut().filter(|_| share >= STILL_SHARE) {
                still_qp = Some(rc.still_qp());
                self.speed.refine_period = rc.refine_period(refine_period);
            }
            // (Intra refresh codes its column in every frame.)
            if all_unchanged && self.refresh.is_none() {
                let qp = still_qp.unwrap_or_else(|| self.frame_qp(FrameType::P));
                if !self.needs_refinement(qp) {
                    self.speed.refine_period = refine_period;
                    return Ok(self.encode_static_frame(qp));
                }
            }
        }
        if idr && self.frame_index > 0 && self.rc.is_some() {
            // How much of the picture carries on from the last one (see
            // `RateControl::observe_unchanged_share`).
            self.find_unchanged(frame, damage);
            let share = self.unchanged.iter().filter(|&&u| u).count() as f64
                / self.unchanged.len().max(1) as f64;
            let mad = mean_abs_difference(frame, &self.src.y);
            if let Some(rc) = &mut self.rc {
                rc.observe_unchanged_share(share);
                rc.observe_idr_difference(mad);
            }
        }
        self.frame_candidates = [Mv::ZERO; FRAME_CANDIDATES];
        if self.speed.scroll_candidates {
            let shifts = self.scroll.observe(
                |y| frame.y_row(y),
                (!idr).then_some(&self.unchanged[..]),
                &self.workers,
            );
            self.frame_candidates[..MAX_SHIFTS].copy_from_slice(&shifts);
        }
        if self.speed.dominant_candidates {
            // An IDR has no vectors to offer the P frame after it: that frame gets the ones of
            // the last P frame before the IDR (a window dragged through a periodic IDR keeps
            // its velocity; without them it was found by no search and coded intra, at 4-5
            // times a P frame's size).
            let dominant = self.dominant.find(&self.prev_mbs);
            if idr {
                self.dominant_before_idr = dominant;
            } else {
                let after_idr = self.frames_since_idr == 1;
                let dominant = if after_idr {
                    self.dominant_before_idr
                } else {
                    dominant
                };
                self.frame_candidates[MAX_SHIFTS..MAX_SHIFTS + MAX_DOMINANT]
                    .copy_from_slice(&dominant);
            }
        }
        // Translations are looked for where screen content changed next to content that did
        // not (camera pictures change everywhere and never move by exact copies).
        if !idr {
            self.screen_like = unchanged_share >= TRANSLATION_SHARE;
        }
        if !idr && self.speed.translation_candidates {
            if self.screen_like {
                let first = MAX_SHIFTS + MAX_DOMINANT;
                let (known, rest) = self.frame_candidates.split_at_mut(first);
                let found = self.translation.find(
                    |y| frame.y_row(y),
                    &self.src.y,
                    self.cfg.width as usize,
                    self.cfg.height as usize,
                    &self.unchanged,
                    self.mb_width,
                    &known[MAX_SHIFTS..],
                );
                for (slot, mv) in rest.iter_mut().zip(found) {
                    if !known.contains(&mv) {
                        *slot = mv;
                    }
                }
            } else {
                self.translation.reset();
            }
        }
        self.subpel_now = self.subpel_for(idr);
        // Whole-sample motion (and P_Skip vectors predicted from it) never reads the
        // half-sample planes.
        if self.subpel_now != Subpel::Full {
            self.update_hpel();
            debug_assert!(
                self.ref_hpel.is_up_to_date(&self.reference.y),
                "frame {}: half-sample planes out of date",
                self.frame_index
            );
        }
        self.load_source(frame, !idr);
        if frame_type == FrameType::Idr {
            self.frame_num = 0;
            self.frames_since_idr = 0;
        }
        let mut qp = match still_qp {
            Some(q) => q,
            None => self.frame_qp(frame_type),
        };
        let mut data = Vec::with_capacity(self.writer.bytes().len() + 64);
        let mut emergency = false;
        let mut unchanged_reference;
        let mut coded_by_slices;
        // The QP at which the first IDR fitted before it was tried finer (see
        // `RateControl::first_idr_finer`).
        let mut finer_tried = None;
        loop {
            data.clear();
            if frame_type == FrameType::Idr {
                self.writer.clear();
                self.sps.write_rbsp(&mut self.writer);
                write_nal(&mut data, 3, NalType::Sps, self.writer.bytes());
                self.writer.clear();
                self.pps.write_rbsp(&mut self.writer);
                write_nal(&mut data, 3, NalType::Pps, self.writer.bytes());
            }
            if let Some(rp) = recovery_point {
                rp.write_sei_rbsp(&mut self.writer);
                write_nal(&mut data, 0, NalType::Sei, self.writer.bytes());
            }
            self.code_picture(frame_type, qp, emergency);
            coded_by_slices = true;
            unchanged_reference = self.all_static_skip;
            let nal_type = if frame_type == FrameType::Idr {
                NalType::IdrSlice
            } else {
                NalType::Slice
            };
            for coder in &mut self.coders {
                write_nal(&mut data, 3, nal_type, coder.writer.bytes());
            }
            // The VBV must take the frame: otherwise re-encode it at a higher QP, and as a last
            // resort (P frames at QP 51) send a frame of nothing but skipped macroblocks.
            let Some(rc) = &self.rc else { break };
            let bits = data.len() as u64 * 8;
            if bits <= rc.max_frame_bits() {
                match rc.first_idr_finer(qp, bits) {
                    Some(q) if finer_tried.is_none() && !emergency => {
                        finer_tried = Some(qp);
                        qp = q;
                        continue;
                    }
                    _ => break,
                }
            }
            match rc.retry_qp(qp, bits) {
                // A still frame refines fewer rows at the same QP rather than none at a coarser one.
                _ if still_qp.is_some() && self.speed.refine_period < MAX_REFINE_PERIOD => {
                    self.speed.refine_period *= 2;
                }
                // Refining as little as it can and still too big: what costs is the part that
                // changed (a window dragged over a still desktop), and from here the frame is
                // a P frame with the P frames' QP and limits. Held to the still frame's small
                // plan, it went on to QP 51 and then to all skips, frame after frame (1080p,
                // 1 Mbit/s: 12 frames at 16-19 dB; BD-rate of veryfast on the fast drag
                // against x264 ultrafast / superfast +18.3 / +9.9 -> +15.3 / +4.7 %).
                _ if still_qp.is_some() && unchanged_share < STILL_MOVING_SHARE => {
                    still_qp = None;
                    qp = self.frame_qp(FrameType::P).max(qp);
                }
                Some(q) if q > qp => {
                    if let Some(rc) = &mut self.rc {
                        rc.observe_attempt(qp, bits);
                        if frame_type == FrameType::Idr {
                            rc.replan(qp, bits, q);
                        }
                    }
                    // A finer first IDR that did not fit goes back no further than halfway to
                    // the QP that did (web scroll under a 1.5-frame buffer: 48 missed by 0.2 %,
                    // and the retry went back to 50).
                    qp = match finer_tried {
                        Some(fitted) if q >= fitted && fitted > qp + 1 => (qp + fitted).div_ceil(2),
                        _ => q,
                    };
                }
                // An IDR at QP 51 that the buffer can take is sent as it is (the soft limit
                // only guards against a wrong prediction; the flat picture would be far worse),
                // and so is a P frame that leaves the buffer 3/4 full (a skipped
                // page jump takes many frames to win back; see `RateControl::sends_at_limit`).
                _ if frame_type == FrameType::Idr && bits <= rc.hard_frame_bits() => break,
                _ if frame_type == FrameType::P
                    && still_qp.is_none()
                    && rc.sends_at_limit(bits) =>
                {
                    break
                }
                // With intra refresh the last resort still codes the column (everything else
                // skipped), or the sweep would not refresh the picture when it promised to.
                _ if frame_type == FrameType::P && self.refresh.is_some_and(|r| !r.only) => {
                    if let Some(r) = &mut self.refresh {
                        r.only = true;
                    }
                    self.scroll.invalidate();
                }
                _ if frame_type == FrameType::P && self.refresh.is_some() => break,
                _ if frame_type == FrameType::P => {
                    data.clear();
                    self.encode_skip_slice(qp);
                    self.scroll.invalidate();
                    write_nal(&mut data, 3, NalType::Slice, self.writer.bytes());
                    unchanged_reference = true;
                    coded_by_slices = false;
                    break;
                }
                _ if !emergency => emergency = true,
                _ => break,
            }
        }
        if let Some(rc) = &mut self.rc {
            match still_qp {
                Some(_) => rc.update_still(qp, data.len() as u64 * 8, self.speed.refine_period),
                None => rc.update(frame_type, qp, data.len() as u64 * 8),
            }
            // (The all-skip fallback for content too costly to code says nothing of what
            // persists.)
            if frame_type == FrameType::P && coded_by_slices {
                rc.observe_static_share(self.static_skips as f64 / self.mbs.len().max(1) as f64);
            }
        }
        self.speed.refine_period = refine_period;
        if coded_by_slices {
            self.collect_slices();
            self.balance_slices();
        }

        // The slice coders deblocked their own rows (see `deblock_params`); the skip
        // fallback's picture is the reference, where the filter changes nothing.
        self.cur_recon.extend_edges();
        std::mem::swap(&mut self.cur_recon, &mut self.reference);
        std::mem::swap(&mut self.cur_recon_frame, &mut self.reference_frame);
        self.reference_frame = Some(self.frame_index);
        self.note_changed_macroblocks(frame_type, coded_by_slices);
        // One slice: its coder reconstructs the next picture into the last reference, the
        // picture most like it (see `recon_current`).
        if let [only] = &mut self.coders[..] {
            std::mem::swap(&mut only.recon, &mut self.cur_recon);
            std::mem::swap(&mut only.recon_frame, &mut self.cur_recon_frame);
        }
        // The half-sample planes stay valid where the new reference equals the old one.
        if frame_type == FrameType::Idr {
            self.ref_hpel_dirty.fill(Some((0, self.mb_width)));
        } else if !unchanged_reference {
            self.mark_changed();
        }
        std::mem::swap(&mut self.mbs, &mut self.prev_mbs);
        if self.mbs.len() != self.prev_mbs.len() {
            self.mbs = vec![MbInfo::default(); self.prev_mbs.len()];
        }

        let out = EncodedFrame {
            data,
            keyframe: frame_type == FrameType::Idr,
            frame_type,
            qp,
            index: self.frame_index,
        };
        if frame_type == FrameType::Idr {
            self.idr_count = self.idr_count.wrapping_add(1);
        }
        self.frame_num = (self.frame_num + 1) % self.sps.max_frame_num();
        self.frame_index += 1;
        self.frames_since_idr += 1;
        Ok(out)
    }

    /// Copies the NV12 frame into the planar, macroblock-aligned source picture, repeating the
    /// last column and row into the area the SPS crops away. With `changed_only`, macroblock
    /// rows whose macroblocks are all unchanged (see `find_unchanged`) are left as they are:
    /// they already hold these samples.
    fn load_source(&mut self, frame: &Nv12Frame<'_>, changed_only: bool) {
        let (w, h) = (self.cfg.width as usize, self.cfg.height as usize);
        let (cw, ch) = (w / 2, h / 2);
        let mbw = self.mb_width;
        let deinterleave = crate::dsp::kernels().deinterleave_uv;
        // (The source has no border: macroblock row r is rows 16r.. of the luma data.)
        let (ys, cs) = (self.src.y.stride, self.src.u.stride);
        debug_assert!(self.src.y.pad == 0 && self.src.u.pad == 0);
        let len = self.workers.band_len(self.mb_height);
        let unchanged = &self.unchanged;
        let bands = self
            .src
            .y
            .data
            .chunks_mut(len * 16 * ys)
            .zip(self.src.u.data.chunks_mut(len * 8 * cs))
            .zip(self.src.v.data.chunks_mut(len * 8 * cs))
            .zip(self.src_uv.chunks_mut(len * 8 * w))
            .enumerate();
        self.workers.run(bands, |(band, (((dy, du), dv), duv))| {
            let first = band * len;
            for mb_y in first..(first + len).min(unchanged.len() / mbw) {
                if changed_only && unchanged[mb_y * mbw..(mb_y + 1) * mbw].iter().all(|&u| u) {
                    continue;
                }
                for y in 16 * mb_y..16 * mb_y + 16 {
                    let row = frame.y_row(y.min(h - 1));
                    let o = (y - 16 * first) * ys;
                    let dst = &mut dy[o..o + ys];
                    dst[..w].copy_from_slice(row);
                    dst[w..].fill(row[w - 1]);
                }
                for y in 8 * mb_y..8 * mb_y + 8 {
                    let row = frame.uv_row(y.min(ch - 1));
                    if y < ch {
                        let o = (y - 8 * first) * w;
                        duv[o..o + w].copy_from_slice(row);
                    }
                    let o = (y - 8 * first) * cs;
                    let (u, v) = (&mut du[o..o + cs], &mut dv[o..o + cs]);
                    (deinterleave)(row, &mut u[..cw], &mut v[..cw]);
                    u[cw..].fill(row[2 * cw - 2]);
                    v[cw..].fill(row[2 * cw - 1]);
                }
            }
        });
    }

    /// With several slices, moves their boundaries so that the next picture's slices cost about
    /// the same to code as this picture's rows did (measured on the camera clip at 1080p with 2
    /// threads: the top slice, mostly sky, took 8.3 ms of the 11.4 the bottom one did).
    fn balance_slices(&mut self) {
        let n = self.coders.len();
        if n < 2 {
            return;
        }
        let w = self.mb_width;
        for (cost, row) in self.row_costs.iter_mut().zip(self.mbs.chunks_exact(w)) {
            *cost = row.iter().map(mb_cost).sum();
        }
        balance_slice_rows(&self.row_costs, n, &mut self.slice_rows);
    }

    /// The loop filter of every slice: across all edges with one slice; with several, not
    /// across slice edges (disable_deblocking_filter_idc 2), so each slice coder deblocks its
    /// own rows on its thread instead of one pass over the picture afterwards. Measured on the
    /// camera clip at 1080p with 2 slices: 6256 kbit/s at 41.01 dB filtering every edge, 6273
    /// kbit/s at 41.00 dB with one row of macroblock edges left unfiltered.
    fn deblock_params(&self) -> DeblockParams {
        DeblockParams {
            disable_idc: match (self.speed.deblock, self.coders.len()) {
                (false, _) => 1,
                (true, 1) => 0,
                (true, _) => 2,
            },
            ..DeblockParams::default()
        }
    }

    /// The sub-sample refinement of the next picture: the preset's, except in screen pictures
    /// while it does not pay (the last picture that used it found a better half-sample vector
    /// in fewer than one search in `SUBPEL_PAYS_ONE_IN`, and an exact whole-sample match in at
    /// least one in `SUBPEL_EXACT_ONE_IN`: see `observe_subpel`), where whole samples save both
    /// the refinement and the half-sample planes (on a scrolling page at `veryfast`, the planes
    /// alone took 19 % of a P frame's instructions). Every `SUBPEL_TRIAL_PERIOD` pictures it is
    /// tried again.
    fn subpel_for(&self, idr: bool) -> Subpel {
        let preset = self.speed.subpel;
        let without = !idr
            && self.screen_like
            && self.subpel_pays == Some(false)
            && self.since_subpel < SUBPEL_TRIAL_PERIOD;
        if without {
            Subpel::Full
        } else {
            preset
        }
    }

    /// Learns from the P picture just coded whether sub-sample refinement pays.
    fn observe_subpel(&mut self) {
        if self.subpel_now == Subpel::Full {
            self.since_subpel += 1;
            return;
        }
        let mut stats = SubpelStats::default();
        for c in &self.coders {
            stats.add(c.subpel_stats());
        }
        if stats.searched >= SUBPEL_MIN_SEARCHES {
            let found_little = stats.helped * SUBPEL_PAYS_ONE_IN < stats.searched;
            let moved_whole = stats.exact * SUBPEL_EXACT_ONE_IN >= stats.searched;
            self.subpel_pays = Some(!(found_little && moved_whole));
            self.since_subpel = 0;
        }
    }

    /// Marks in `recon_current` the macroblocks where the one slice coder's picture already
    /// holds the reference's samples: it holds the reconstruction of an earlier frame, and the
    /// macroblock has not changed since. A zero-vector P_Skip there copies nothing (on a
    /// desktop most of the picture; the copies took 3-5 % of a moving screen's time). Returns
    /// false where nothing is known: IDRs, several slices (each slice's picture holds its own
    /// rows only), a retry of the picture.
    fn fill_recon_current(&mut self, idr: bool) -> bool {
        let frame = match &self.coders[..] {
            [only] if !idr => only.recon_frame,
            _ => None,
        };
        let Some(frame) = frame else { return false };
        for (known, &since) in self.recon_current.iter_mut().zip(&self.same_since) {
            *known = since <= frame;
        }
        true
    }

    /// Updates `same_since` with the picture just coded (in `mbs`), which became the
    /// reference: a macroblock keeps its date where the picture copied it (a zero-vector
    /// P_Skip) and the loop filter left it alone (it was off, or every neighbour was such a
    /// copy too: bS 0 on all its edges, 8.7.2.1); every other one changed in this frame.
    fn note_changed_macroblocks(&mut self, frame_type: FrameType, coded_by_slices: bool) {
        let n = self.frame_index;
        if frame_type == FrameType::Idr {
            self.same_since.fill(n);
            return;
        }
        // The all-skip fallback's picture is the reference itself.
        if !coded_by_slices {
            return;
        }
        let (w, h) = (self.mb_width, self.mb_height);
        let copied = |x: usize, y: usize| self.mbs[y * w + x].is_static_skip();
        for y in 0..h {
            for x in 0..w {
                let untouched = copied(x, y)
                    && (!self.filtered
                        || ((x == 0 || copied(x - 1, y))
                            && (x + 1 == w || copied(x + 1, y))
                            && (y == 0 || copied(x, y - 1))
                            && (y + 1 == h || copied(x, y + 1))));
                if !untouched {
                    self.same_since[y * w + x] = n;
                }
            }
        }
    }

    /// Brings the half-sample planes up to date where marked dirty: per macroblock row, the
    /// columns between its first and last dirty macroblock (a video in a window on a still
    /// desktop filters the window, not whole rows of the desktop).
    fn update_hpel(&mut self) {
        let pad = self.reference.y.pad;
        let stride = self.reference.y.stride;
        let total = self.reference.y.data.len() / stride;
        let mbw = self.mb_width;
        let mut r = 0;
        while r < self.mb_height {
            let Some(span) = self.ref_hpel_dirty[r] else {
                r += 1;
                continue;
            };
            let start = r;
            while r < self.mb_height && self.ref_hpel_dirty[r] == Some(span) {
                r += 1;
            }
            // Padded-plane rows and columns; the borders go with the first and last
            // macroblock rows and columns.
            let first = if start == 0 { 0 } else { pad + 16 * start };
            let end = if r == self.mb_height {
                total
            } else {
                pad + 16 * r
            };
            let left = if span.0 == 0 { 0 } else { pad + 16 * span.0 };
            let right = if span.1 == mbw {
                stride
            } else {
                pad + 16 * span.1
            };
            self.ref_hpel.update_rows_split(
                &self.reference.y,
                first..end,
                left..right,
                &self.workers,
            );
        }
        self.ref_hpel_dirty.fill(None);
    }

    /// Marks dirty where the new reference may differ from the old one (called with the
    /// picture just coded in `mbs`): around every macroblock other than a zero-vector P_Skip
    /// (whose reconstruction is the reference's), one macroblock further in each direction
    /// (deblocking reaches 3 samples into the neighbours, and the half-sample filters read 3
    /// samples either side). Per macroblock row, one span of columns holds them all.
    fn mark_changed(&mut self) {
        let mbw = self.mb_width;
        for r in 0..self.mb_height {
            let row = &self.mbs[r * mbw..(r + 1) * mbw];
            let Some(lo) = row.iter().position(|m| !m.is_static_skip()) else {
                continue;
            };
            let hi = row.iter().rposition(|m| !m.is_static_skip()).unwrap_or(lo) + 1;
            let span = (lo.saturating_sub(1), (hi + 1).min(mbw));
            for d in &mut self.ref_hpel_dirty[r.saturating_sub(1)..(r + 2).min(self.mb_height)] {
                *d = Some(d.map_or(span, |(a, b)| (a.min(span.0), b.max(span.1))));
            }
        }
    }

    /// Marks the macroblocks whose samples in `frame` equal the current source's (the previous
    /// frame's); returns true when all of them do. Whole rows are compared first (memcmp
    /// speed), macroblock by macroblock only where a row differs.
    fn find_unchanged(&mut self, frame: &Nv12Frame<'_>, damage: Option<&[Rect]>) -> bool {
        let (w, h) = (self.cfg.width as usize, self.cfg.height as usize);
        self.unchanged.fill(true);
        let whole = [Rect::new(0, 0, self.cfg.width, self.cfg.height)];
        let rects = damage.unwrap_or(&whole);
        let mbw = self.mb_width;
        let (old_y, old_uv) = (&self.src.y, &self.src_uv);
        let changed = std::sync::atomic::AtomicBool::new(false);
        // In bands of macroblock rows, each with its rows of flags.
        let len = self.workers.band_len(self.mb_height);
        let bands = self.unchanged.chunks_mut(len * mbw).enumerate();
        self.workers.run(bands, |(band, flags)| {
            let (first, end) = (band * len, band * len + flags.len() / mbw);
            for r in rects {
                // The damaged area widened to whole macroblocks, clipped to the picture.
                let Some((x0, y0, x1, y1)) = r.macroblock_span(w, h) else {
                    continue;
                };
                // Once every macroblock of the span in a macroblock row has changed, the
                // row's other sample rows need no comparing (`skip_to`).
                let rows = y0.max(16 * first)..y1.min(16 * end);
                let mut skip_to = rows.start;
                for y in rows {
                    if y < skip_to {
                        continue;
                    }
                    let new = &frame.y_row(y)[x0..x1];
                    let old = &old_y.row(y)[x0..x1];
                    if new != old {
                        changed.store(true, std::sync::atomic::Ordering::Relaxed);
                        let flags = &mut flags[(y / 16 - first) * mbw..][x0 / 16..];
                        if !mark_changed(flags, new, old) {
                            skip_to = (y / 16 + 1) * 16;
                        }
                    }
                }
                let rows = (y0 / 2).max(8 * first)..(y1 / 2).min(8 * end);
                let mut skip_to = rows.start;
                for y in rows {
                    if y < skip_to {
                        continue;
                    }
                    let new = &frame.uv_row(y)[x0..x1];
                    let old = &old_uv[y * w..(y + 1) * w][x0..x1];
                    if new != old {
                        changed.store(true, std::sync::atomic::Ordering::Relaxed);
                        let flags = &mut flags[(y / 8 - first) * mbw..][x0 / 16..];
                        if !mark_changed(flags, new, old) {
                            skip_to = (y / 8 + 1) * 8;
                        }
                    }
                }
            }
        });
        !changed.into_inner()
    }

    /// The QP of the next frame of `frame_type`: rate control's choice, or the fixed QP.
    fn frame_qp(&mut self, frame_type: FrameType) -> u8 {
        match (&mut self.rc, self.cfg.constant_qp()) {
            (Some(rc), _) => rc.frame_qp(frame_type),
            (None, qp) => qp.unwrap_or(crate::config::DEFAULT_QP),
        }
    }

    /// Whether some macroblock row the next P frame (at `qp`) may refine holds content coded at
    /// a QP well above `qp`, so an unchanged frame should still be coded (and refine it) rather
    /// than sent as all P_Skip.
    fn needs_refinement(&self, qp: u8) -> bool {
        let (phase, period) = (self.refine_phase(), self.speed.refine_period);
        self.prev_mbs
            .chunks(self.mb_width)
            .enumerate()
            .any(|(mb_y, row)| {
                row.iter()
                    .any(|m| refines(m.content_qp, qp, mb_y, phase, period))
            })
    }

    /// The refinement phase of the frame being coded (see `analyse::inter::refine_row`).
    fn refine_phase(&self) -> usize {
        (self.frame_index % self.speed.refine_period.max(1) as u64) as usize
    }

    /// A P picture of nothing but P_Skip for a frame identical to the previous one: the
    /// reconstruction and the reference stay as they are, so nothing is computed but the slice.
    fn encode_static_frame(&mut self, qp: u8) -> EncodedFrame {
        self.write_slice_header(false, qp);
        self.writer.put_ue((self.mb_width * self.mb_height) as u32);
        self.writer.put_trailing_bits();
        let mut data = Vec::with_capacity(self.writer.bytes().len() + 8);
        write_nal(&mut data, 3, NalType::Slice, self.writer.bytes());
        if let Some(rc) = &mut self.rc {
            rc.update_static(data.len() as u64 * 8);
        }
        let out = EncodedFrame {
            data,
            keyframe: false,
            frame_type: FrameType::P,
            qp,
            index: self.frame_index,
        };
        self.frame_num = (self.frame_num + 1) % self.sps.max_frame_num();
        self.frame_index += 1;
        self.frames_since_idr += 1;
        out
    }

    /// Starts the picture's one slice in `self.writer` (cleared first) with its header.
    fn write_slice_header(&mut self, idr: bool, qp: u8) {
        let header = SliceHeader {
            first_mb_in_slice: 0,
            slice_type: if idr { SliceType::I } else { SliceType::P },
            frame_num: self.frame_num,
            idr_pic_id: idr.then_some(self.idr_count % 65536),
            nal_ref_idc: 3,
            slice_qp: qp,
            disable_deblocking_filter_idc: 0,
            slice_alpha_c0_offset_div2: 0,
            slice_beta_offset_div2: 0,
        };
        self.writer.clear();
        header.write(&mut self.writer, &self.sps, &self.pps);
    }

    /// Codes a P picture whose macroblocks are all P_Skip: every skip vector is then zero, so the
    /// reconstruction is the reference itself.
    fn encode_skip_slice(&mut self, qp: u8) {
        self.write_slice_header(false, qp);
        self.writer.put_ue((self.mb_width * self.mb_height) as u32);
        self.writer.put_trailing_bits();
        for ((m, prev), &same) in self.mbs.iter_mut().zip(&self.prev_mbs).zip(&self.unchanged) {
            *m = MbInfo {
                mb_type: MbType::PSkip,
                qp,
                ref_idx: [0; 4],
                // A macroblock whose source changed keeps the old picture: stale, refined by
                // every later frame until coded (else a source that then stands still, a page
                // jump the VBV could not take, stayed stale until the next IDR).
                content_qp: if same { prev.content_qp } else { u8::MAX },
                ..MbInfo::default()
            };
        }
        self.cur_recon.clone_from(&self.reference);
        self.cur_recon_frame = self.reference_frame;
    }

    /// Codes the picture as slices, one per coder, in parallel when there are several.
    fn code_picture(&mut self, frame_type: FrameType, qp: u8, emergency: bool) {
        let idr = frame_type == FrameType::Idr;
        // Screen pictures try the loop filter (`deblock_trial`) in IDRs and every
        // DEBLOCK_TRIAL_PERIOD pictures, and follow the last trial's verdict in between.
        let screen = self.speed.deblock_trial && self.screen_like;
        let trial = screen
            && (idr || self.filter_pays.is_none() || self.since_trial >= DEBLOCK_TRIAL_PERIOD);
        let mut deblock = self.deblock_params();
        if screen && !trial && self.filter_pays == Some(false) {
            deblock.disable_idc = 1;
        }
        let known = self.fill_recon_current(idr);
        let pic = PictureCtx {
            p: PFrameCtx {
                src: &self.src,
                refp: &self.reference,
                ref_luma: RefLuma {
                    full: &self.reference.y,
                    hpel: &self.ref_hpel,
                },
                prev_mbs: &self.prev_mbs,
                unchanged: &self.unchanged,
                refine_phase: self.refine_phase(),
                qp,
                qp_c: chroma_qp(qp),
                lambda: lambda(qp),
                max_vmv: self.max_vmv,
                speed: SpeedSettings {
                    subpel: self.subpel_now,
                    ..self.speed
                },
                frame_candidates: self.frame_candidates,
                refresh: self.refresh,
                recon_current: known.then_some(&self.recon_current[..]),
            },
            sps: &self.sps,
            pps: &self.pps,
            idr,
            emergency,
            frame_num: self.frame_num,
            idr_pic_id: self.idr_count % 65536,
            mb_width: self.mb_width,
            slice_rows: &self.slice_rows,
            deblock,
            deblock_trial: trial,
            kernels: self.kernels,
        };
        let mb_height = self.mb_height;
        let rows =
            |i: usize| pic.slice_rows[i]..pic.slice_rows.get(i + 1).copied().unwrap_or(mb_height);
        self.workers
            .run(self.coders.iter_mut().enumerate(), |(i, coder)| {
                coder.code(&pic, i, rows(i))
            });
        // The slices' pictures now hold this attempt (a retry finds nothing known).
        for c in &mut self.coders {
            c.recon_frame = None;
        }
        self.filtered =
            !idr && deblock.disable_idc != 1 && self.coders.iter().any(|c| c.filter_kept);
        let static_skips: usize = self.coders.iter().map(|c| c.static_skips).sum();
        self.all_static_skip = !idr && static_skips == self.mb_width * self.mb_height;
        self.static_skips = static_skips;
        if !idr {
            self.observe_subpel();
        }
        if trial {
            let kept = self.coders.iter().filter(|c| c.filter_kept).count();
            self.filter_pays = Some(2 * kept >= self.coders.len());
            self.since_trial = 0;
        } else {
            self.since_trial += 1;
        }
    }

    /// Gathers the slices' reconstructions and macroblock state into `cur_recon` and `mbs`.
    fn collect_slices(&mut self) {
        if let [only] = &mut self.coders[..] {
            std::mem::swap(&mut only.recon, &mut self.cur_recon);
            std::mem::swap(&mut only.recon_frame, &mut self.cur_recon_frame);
            std::mem::swap(&mut only.mbs, &mut self.mbs);
            return;
        }
        // The first slice's picture and state are taken over whole (its rows are the only
        // meaningful ones; the others' are copied over them).
        std::mem::swap(&mut self.coders[0].recon, &mut self.cur_recon);
        std::mem::swap(&mut self.coders[0].mbs, &mut self.mbs);
        // (Each slice's picture holds its own rows only: none is known whole.)
        self.cur_recon_frame = None;
        let (mbw, mbh) = (self.mb_width, self.mb_height);
        let slice_rows = &self.slice_rows;
        let rows = |i: usize| slice_rows[i]..slice_rows.get(i + 1).copied().unwrap_or(mbh);
        // Byte ranges of slice i's rows in a plane with `per_mb` rows per macroblock row (the
        // border columns come along; the border rows are replicated afterwards).
        let bytes = |(pad, stride): (usize, usize), per_mb: usize, i: usize| {
            let r = rows(i);
            (pad + per_mb * r.start) * stride..(pad + per_mb * r.end) * stride
        };
        let n = self.coders.len();
        let geometry = |p: &crate::picture::Plane| (p.pad, p.stride);
        let (gy, gc) = (geometry(&self.cur_recon.y), geometry(&self.cur_recon.u));
        let parts = self.coders[1..]
            .iter()
            .zip(split_ranges(
                &mut self.cur_recon.y.data,
                (1..n).map(|i| bytes(gy, 16, i)),
            ))
            .zip(split_ranges(
                &mut self.cur_recon.u.data,
                (1..n).map(|i| bytes(gc, 8, i)),
            ))
            .zip(split_ranges(
                &mut self.cur_recon.v.data,
                (1..n).map(|i| bytes(gc, 8, i)),
            ))
            .zip(split_ranges(
                &mut self.mbs,
                (1..n).map(|i| rows(i).start * mbw..rows(i).end * mbw),
            ))
            .enumerate();
        self.workers
            .run(parts, |(k, ((((coder, dy), du), dv), dm))| {
                let i = k + 1;
                dy.copy_from_slice(&coder.recon.y.data[bytes(gy, 16, i)]);
                du.copy_from_slice(&coder.recon.u.data[bytes(gc, 8, i)]);
                dv.copy_from_slice(&coder.recon.v.data[bytes(gc, 8, i)]);
                dm.copy_from_slice(&coder.mbs[rows(i).start * mbw..rows(i).end * mbw]);
            });
    }
}

/// Cuts `data` into the parts `ranges` name (increasing, not overlapping), mutable each.
fn split_ranges<T>(
    mut data: &mut [T],
    ranges: impl IntoIterator<Item = std::ops::Range<usize>>,
) -> impl Iterator<Item = &mut [T]> {
    let mut at = 0;
    ranges.into_iter().map(move |r| {
        let rest = std::mem::take(&mut data);
        let (_, tail) = rest.split_at_mut(r.start - at);
        let (part, tail) = tail.split_at_mut(r.len());
        data = tail;
        at = r.end;
        part
    })
}

/// Clears the `unchanged` flags (one per macroblock, from the first one `new` covers) of the
/// macroblocks whose 16-byte columns of `new` and `old` (part of a row of luma, or of
/// interleaved chroma, starting at a macroblock edge) differ. Returns whether any of the
/// macroblocks `new` covers is still unchanged.
fn mark_changed(flags: &mut [bool], new: &[u8], old: &[u8]) -> bool {
    let mut left = false;
    for ((flag, a), b) in flags.iter_mut().zip(new.chunks(16)).zip(old.chunks(16)) {
        // Once a macroblock is known to have changed its other rows need no comparing.
        if *flag && a != b {
            *flag = false;
        }
        left |= *flag;
    }
    left
}

/// Mean absolute difference of `frame`'s luma from `prev` (the previous source), over every
/// fourth sample of every fourth row: how much the picture changed (a cut, a flash) at a
/// fraction of a full comparison's cost.
fn mean_abs_difference(frame: &Nv12Frame<'_>, prev: &crate::picture::Plane) -> f64 {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    let (mut sum, mut n) = (0u64, 0u64);
    for y in (0..h).step_by(4) {
        let (a, b) = (frame.y_row(y), prev.row(y));
        for x in (0..w).step_by(4) {
            sum += u64::from(a[x].abs_diff(b[x]));
            n += 1;
        }
    }
    sum as f64 / n.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smooth picture (luma only varies; chroma flat) at a sub-sample offset.
    fn smooth(w: usize, h: usize, dx: f64, dy: f64) -> Vec<u8> {
        let mut f = vec![128u8; w * h * 3 / 2];
        for y in 0..h {
            for x in 0..w {
                let (u, v) = (x as f64 + dx, y as f64 + dy);
                let l = 128.0 + 60.0 * (u / 7.0).sin() * (v / 9.0).cos() + 30.0 * (u / 3.1).cos();
                f[y * w + x] = l.clamp(0.0, 255.0) as u8;
            }
        }
        f
    }

    /// The sub-sample refinement of each frame as it was coded.
    fn subpel_per_frame(w: usize, h: usize, frames: &[Vec<u8>]) -> Vec<Subpel> {
        let mut cfg = Config::new(w as u32, h as u32);
        cfg.qp = Some(26);
        cfg.gop = 0;
        let mut enc = Encoder::new(cfg).unwrap();
        frames
            .iter()
            .map(|f| {
                let frame = Nv12Frame::from_contiguous(f, w as u32, h as u32).unwrap();
                enc.encode(&frame, false).unwrap();
                enc.subpel_now
            })
            .collect()
    }

    #[test]
    fn whole_sample_screens_leave_sub_samples_out_between_trials() {
        // A window flung across a busy desktop (whole samples): the first P frame tries
        // sub-sample refinement, finds little and many exact matches, and the next
        // SUBPEL_TRIAL_PERIOD frames go without it; then it is tried again.
        let (w, h) = (1920, 1080);
        let scene =
            rtenc_synth::ScreenScene::new(rtenc_synth::ScreenKind::FastDrag, w as u32, h as u32);
        let frames: Vec<_> = (0..12).map(|t| scene.frame(t)).collect();
        let used = subpel_per_frame(w, h, &frames);
        let period = SUBPEL_TRIAL_PERIOD as usize;
        assert_eq!(used[1], Subpel::Quarter, "{used:?}");
        assert!(
            used[2..2 + period].iter().all(|&s| s == Subpel::Full),
            "{used:?}"
        );
        assert_eq!(used[2 + period], Subpel::Quarter, "{used:?}");

        // A still screen with a window moving by sub-samples over it keeps it.
        let (w, h) = (512, 256);
        let still = rtenc_synth::text_like(w as u32, h as u32, 3);
        let window: Vec<_> = (0..12)
            .map(|t| {
                let mut f = still.clone();
                let pan = smooth(w, h, 0.75 * t as f64, 0.5 * t as f64);
                for y in 32..224 {
                    f[y * w + 96..y * w + 416].copy_from_slice(&pan[y * w + 96..y * w + 416]);
                }
                f
            })
            .collect();
        let used = subpel_per_frame(w, h, &window);
        assert!(used.iter().all(|&s| s == Subpel::Quarter), "{used:?}");

        // Camera-like content (everything moves) is never screen-like: always refined.
        let pan: Vec<_> = (0..12)
            .map(|t| smooth(w, h, 0.75 * t as f64, 0.5 * t as f64))
            .collect();
        let used = subpel_per_frame(w, h, &pan);
        assert!(used.iter().all(|&s| s == Subpel::Quarter), "{used:?}");
    }
}
