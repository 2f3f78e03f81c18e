//! A reference luma plane with its three half-sample planes, so that luma prediction at any
//! quarter-sample vector is a copy of one plane or the average of two (8.4.2.2.1, Table 8-12)
//! instead of a 6-tap filter per block. Motion search reads them many times per macroblock;
//! filtering the whole plane once per frame is far cheaper.
//!
//! With the integer sample G at (x, y): `h[x, y]` holds b (the half sample right of G),
//! `v[x, y]` holds h (the half sample below G) and `c[x, y]` holds j (the centre one). The
//! planes cover the reference's whole padded area, computed with coordinates clamped to it;
//! since the border replicates the picture's edge samples that equals the spec's clamping to
//! the picture, so every value is exact.

use super::mc::mc_luma;
use super::Mv;
use crate::dsp::scalar::{clip_half, tap6};
use crate::picture::Plane;
use crate::workers::Workers;

/// The full-sample reference plane and its horizontal, vertical and centre half-sample planes,
/// all with the reference's geometry (width, height, pad, stride).
#[derive(Debug, Clone)]
pub struct HpelPlanes {
    /// b: half sample to the right of each integer sample.
    pub h: Plane,
    /// h: half sample below each integer sample.
    pub v: Plane,
    /// j: the centre half sample.
    pub c: Plane,
    /// Two rows of unrounded intermediates per band of rows (see `filter_rows`): grown when a
    /// split asks for more bands, never per frame.
    scratch: Vec<i16>,
}

impl HpelPlanes {
    /// Planes for references shaped like `like` (contents undefined until [`Self::update`]).
    pub fn new(like: &Plane) -> Self {
        let blank = Plane::new(like.width, like.height, like.pad, 0);
        HpelPlanes {
            h: blank.clone(),
            v: blank.clone(),
            c: blank,
            scratch: vec![0; 2 * like.stride],
        }
    }

    /// Recomputes the three planes from `full` (whose border must be filled).
    ///
    /// # Panics
    /// If `full`'s geometry differs from the one given to [`Self::new`].
    pub fn update(&mut self, full: &Plane) {
        let rows = full.data.len() / full.stride;
        self.update_rows(full, 0..rows);
    }

    /// True when the planes equal a fresh computation from `full` (for debug checks of
    /// partial updates; allocates).
    pub fn is_up_to_date(&self, full: &Plane) -> bool {
        let mut fresh = HpelPlanes::new(full);
        fresh.update(full);
        fresh.h == self.h && fresh.v == self.v && fresh.c == self.c
    }

    /// Recomputes rows `rows_to_do` (of the padded plane, 0 = the top border row) of the three
    /// planes. Each row depends on `full` alone (its own row and the three above and below).
    ///
    /// # Panics
    /// If `full`'s geometry differs from the one given to [`Self::new`].
    pub fn update_rows(&mut self, full: &Plane, rows_to_do: std::ops::Range<usize>) {
        self.update_rows_split(full, rows_to_do, 0..full.stride, &Workers::single());
    }

    /// [`Self::update_rows`] in columns `cols` (of the padded plane, 0 = the left border
    /// column) on `workers`, each taking a band of rows. The result does not
    /// depend on how many there are; columns outside `cols` may be recomputed too (never wrongly).
    pub fn update_rows_split(
        &mut self,
        full: &Plane,
        rows_to_do: std::ops::Range<usize>,
        cols: std::ops::Range<usize>,
        workers: &Workers,
    ) {
        assert_eq!(
            full.data.len(),
            self.h.data.len(),
            "reference geometry changed"
        );
        let s = full.stride;
        let rows = full.data.len() / s;
        let (start, end) = (rows_to_do.start.min(rows), rows_to_do.end.min(rows));
        let cols = cols.start.min(s)..cols.end.min(s);
        if start >= end || cols.is_empty() {
            return;
        }
        // Bands of at least 32 rows: below that a thread costs more than it saves.
        let n = workers.count().clamp(1, ((end - start) / 32).max(1));
        let band = (end - start).div_ceil(n);
        if self.scratch.len() < n * 2 * s {
            self.scratch.resize(n * 2 * s, 0);
        }
        let bytes = start * s..end * s;
        let bands = self.h.data[bytes.clone()]
            .chunks_mut(band * s)
            .zip(self.v.data[bytes.clone()].chunks_mut(band * s))
            .zip(self.c.data[bytes].chunks_mut(band * s))
            .zip(self.scratch.chunks_mut(2 * s))
            .enumerate();
        // One band runs here: a hop to a worker costs more than a small span (a screen
        // picture may update many).
        let here = Workers::single();
        let workers = if n == 1 { &here } else { workers };
        workers.run(bands, |(i, (((h, v), c), scratch))| {
            filter_rows(full, start + i * band, cols.clone(), h, v, c, scratch)
        });
    }
}

/// The three half-sample planes of padded rows from `first` on, in columns `cols`, into `h`,
/// `v` and `c`, which hold exactly those rows (whole); `scratch` holds two rows of `i16`. Each
/// row depends on `full` alone: b from the row itself (columns clamped to the padded row: only
/// the two first and three last columns reach beyond it), h from six rows (rows clamped to the
/// padded area), and j from the vertical intermediates h1 of the same row (8-247 allows either
/// direction; with both clampings independent the value is the same), so a row's h1 never
/// leaves the cache. The vertical pass covers 2 columns left and 3 right of `cols` more, which
/// j reads.
fn filter_rows(
    full: &Plane,
    first: usize,
    cols: std::ops::Range<usize>,
    h: &mut [u8],
    v: &mut [u8],
    c: &mut [u8],
    scratch: &mut [i16],
) {
    let s = full.stride;
    let rows = full.data.len() / s;
    let k = crate::dsp::kernels();
    let (b1, h1) = scratch.split_at_mut(s);
    // Columns the row kernels cover (the first two and last three take the clamped path).
    let inner = cols.start.max(2)..cols.end.min(s.saturating_sub(3));
    let edges =
        || (cols.start..cols.end.min(2)).chain(cols.start.max(s.saturating_sub(3))..cols.end);
    let vcols = cols.start.saturating_sub(2)..(cols.end + 3).min(s);
    let rows_here = h
        .chunks_exact_mut(s)
        .zip(v.chunks_exact_mut(s))
        .zip(c.chunks_exact_mut(s));
    for (i, ((h, v), c)) in rows_here.enumerate() {
        let r = first + i;
        let d = &full.data;
        let src = &d[r * s..(r + 1) * s];
        // b: horizontal.
        let at = |x: isize| i16::from(src[x.clamp(0, s as isize - 1) as usize]);
        for x in edges() {
            let xi = x as isize;
            h[x] = clip_half(tap6(
                at(xi - 2),
                at(xi - 1),
                at(xi),
                at(xi + 1),
                at(xi + 2),
                at(xi + 3),
            ));
        }
        if !inner.is_empty() {
            let (x0, x1) = (inner.start, inner.end);
            (k.hpel_row_h)(&src[x0 - 2..], &mut b1[x0..x1], &mut h[x0..x1]);
        }
        // h (and its intermediates h1): vertical.
        let row = |k: isize| (r as isize + k).clamp(0, rows as isize - 1) as usize * s;
        let offs = [-2, -1, 0, 1, 2, 3].map(row);
        (k.hpel_row_v)(
            offs.map(|o| &d[o + vcols.start..o + vcols.end]),
            &mut h1[vcols.clone()],
            &mut v[vcols.clone()],
        );
        // j: horizontal over h1.
        let h1 = &h1[..s];
        let at = |x: isize| i32::from(h1[x.clamp(0, s as isize - 1) as usize]);
        for x in edges() {
            let xi = x as isize;
            let j1 = (at(xi - 2) + at(xi + 3)) - 5 * (at(xi - 1) + at(xi + 2))
                + 20 * (at(xi) + at(xi + 1));
            c[x] = ((j1 + 512) >> 10).clamp(0, 255) as u8;
        }
        if !inner.is_empty() {
            let (x0, x1) = (inner.start, inner.end);
            let shifted: [&[i16]; 6] = std::array::from_fn(|t| &h1[x0 - 2 + t..x1 - 2 + t]);
            (k.hpel_row_c)(shifted, &mut c[x0..x1]);
        }
    }
}

/// A reference luma picture ready for motion compensation: the full-sample plane (border
/// filled) and its half-sample planes.
#[derive(Clone, Copy)]
pub struct RefLuma<'a> {
    /// Full samples.
    pub full: &'a Plane,
    /// Half samples.
    pub hpel: &'a HpelPlanes,
}

/// Copies `out.len() / W` rows of `W` samples, the first at `data[o]`, `stride` apart, into
/// `out` (stride `W`).
#[inline]
fn copy_rows<const W: usize>(data: &[u8], o: usize, stride: usize, out: &mut [u8]) {
    for (r, dst) in out.chunks_exact_mut(W).enumerate() {
        let dst: &mut [u8; W] = dst.try_into().expect("chunk of W");
        let start = o + r * stride;
        dst.copy_from_slice(&data[start..start + W]);
    }
}

/// Where a block's prediction can be read: one plane at an offset, or the average of two.
enum Source<'a> {
    One(&'a Plane, usize),
    Two(&'a Plane, usize, &'a Plane, usize),
}

impl<'a> RefLuma<'a> {
    /// The plane(s) and offsets holding the `w` x `h` prediction of the block at (x, y) moved by
    /// `mv` (Table 8-12), or `None` when it reaches beyond the padded area.
    #[inline]
    fn source(&self, x: i32, y: i32, mv: Mv, w: usize, h: usize) -> Option<Source<'a>> {
        let xi = x as isize + (mv.x >> 2) as isize;
        let yi = y as isize + (mv.y >> 2) as isize;
        let p = self.full;
        let pad = p.pad as isize;
        // One extra column and row for the vectors that read the next integer position.
        if xi < -pad
            || yi < -pad
            || xi + w as isize + 1 > p.width as isize + pad
            || yi + h as isize + 1 > p.height as isize + pad
        {
            return None;
        }
        let o = p.offset(xi, yi);
        let (right, down) = (o + 1, o + p.stride);
        let (g, b, hh, j) = (self.full, &self.hpel.h, &self.hpel.v, &self.hpel.c);
        Some(match (mv.x & 3, mv.y & 3) {
            (0, 0) => Source::One(g, o),
            (2, 0) => Source::One(b, o),
            (0, 2) => Source::One(hh, o),
            (2, 2) => Source::One(j, o),
            // a, c: G or H with b.
            (1, 0) => Source::Two(g, o, b, o),
            (3, 0) => Source::Two(g, right, b, o),
            // d, n: G or M with h.
            (0, 1) => Source::Two(g, o, hh, o),
            (0, 3) => Source::Two(g, down, hh, o),
            // f, q: j with b or s.
            (2, 1) => Source::Two(j, o, b, o),
            (2, 3) => Source::Two(j, o, b, down),
            // i, k: j with h or m.
            (1, 2) => Source::Two(j, o, hh, o),
            (3, 2) => Source::Two(j, o, hh, right),
            // e, g, p, r: b or s with h or m.
            (1, 1) => Source::Two(b, o, hh, o),
            (3, 1) => Source::Two(b, o, hh, right),
            (1, 3) => Source::Two(b, down, hh, o),
            _ => Source::Two(b, down, hh, right),
        })
    }

    /// Luma prediction of the `w` x `h` block at (x, y) moved by `mv`, into `out` (stride `w`):
    /// the same samples as [`mc_luma`] on the full plane, for any vector.
    pub fn predict(&self, x: i32, y: i32, mv: Mv, w: usize, h: usize, out: &mut [u8]) {
        match self.source(x, y, mv, w, h) {
            // Rows of a width known here are copied inline (not one `memcpy` call per row).
            Some(Source::One(p, o)) => match w {
                16 => copy_rows::<16>(&p.data, o, p.stride, &mut out[..16 * h]),
                8 => copy_rows::<8>(&p.data, o, p.stride, &mut out[..8 * h]),
                _ => {
                    for (r, dst) in out[..w * h].chunks_exact_mut(w).enumerate() {
                        dst.copy_from_slice(&p.data[o + r * p.stride..][..w]);
                    }
                }
            },
            Some(Source::Two(p, o, q, oq)) => (crate::dsp::kernels().avg_block)(
                &p.data[o..],
                p.stride,
                &q.data[oq..],
                q.stride,
                out,
                w,
                h,
            ),
            None => mc_luma(self.full, x, y, mv, w, h, out),
        }
    }

    /// SATD of the 16x16 source block `src` (stride 16) against the prediction of the block at
    /// (x, y) moved by `mv`; a quarter-sample prediction is averaged inside the SATD kernel.
    #[inline]
    pub fn satd16x16(&self, x: i32, y: i32, mv: Mv, src: &[u8]) -> u32 {
        let k = crate::dsp::kernels();
        match self.source(x, y, mv, 16, 16) {
            Some(Source::One(p, o)) => (k.satd[0])(src, 16, &p.data[o..], p.stride),
            Some(Source::Two(p, o, q, oq)) => {
                (k.satd_avg16x16)(src, 16, &p.data[o..], p.stride, &q.data[oq..], q.stride)
            }
            None => {
                let mut tmp = [0u8; 256];
                mc_luma(self.full, x, y, mv, 16, 16, &mut tmp);
                (k.satd[0])(src, 16, &tmp, 16)
            }
        }
    }

    /// The prediction as a (slice, stride) pair: read in place when it is one plane, otherwise
    /// computed into `tmp` (stride `w`).
    #[inline]
    pub fn block<'t>(
        &self,
        x: i32,
        y: i32,
        mv: Mv,
        w: usize,
        h: usize,
        tmp: &'t mut [u8],
    ) -> (&'t [u8], usize)
    where
        'a: 't,
    {
        if let Some(place) = self.in_place(x, y, mv, w, h) {
            return place;
        }
        self.predict(x, y, mv, w, h, tmp);
        (&tmp[..w * h], w)
    }

    /// The prediction as a (slice, stride) pair read in place, when it is one plane (a full or
    /// half sample position within the padded area).
    #[inline]
    pub fn in_place(
        &self,
        x: i32,
        y: i32,
        mv: Mv,
        w: usize,
        h: usize,
    ) -> Option<(&'a [u8], usize)> {
        match self.source(x, y, mv, w, h) {
            Some(Source::One(p, o)) => Some((&p.data[o..], p.stride)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn textured(w: usize, h: usize, pad: usize, seed: u64) -> Plane {
        let mut p = Plane::new(w, h, pad, 0);
        let mut s = seed | 1;
        for y in 0..h {
            for v in p.row_mut(y) {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                // Mostly extreme values: the filters' clipping paths get exercised.
                *v = match s % 5 {
                    0 => 0,
                    1 => 255,
                    _ => (s >> 24) as u8,
                };
            }
        }
        p.extend_edges();
        p
    }

    /// Split updates (any thread count, any row range) give the same planes as one pass.
    #[test]
    fn split_updates_equal_a_single_pass() {
        let full = textured(200, 144, 32, 7);
        let mut one = HpelPlanes::new(&full);
        one.update(&full);
        let rows = full.data.len() / full.stride;
        for threads in [2, 3, 4, 8] {
            let mut split = HpelPlanes::new(&full);
            split.update_rows_split(
                &full,
                0..rows,
                0..full.stride,
                &Workers::new(threads).unwrap(),
            );
            assert!(
                split.h == one.h && split.v == one.v && split.c == one.c,
                "{threads}"
            );
            // A band in the middle, over planes of other content, comes out the same too.
            let mut part = HpelPlanes::new(&full);
            part.update(&textured(200, 144, 32, 8));
            part.update_rows_split(
                &full,
                40..rows,
                0..full.stride,
                &Workers::new(threads).unwrap(),
            );
            let tail = 40 * full.stride..;
            assert!(
                part.h.data[tail.clone()] == one.h.data[tail.clone()],
                "{threads}: band"
            );
            assert!(part.c.data[43 * full.stride..] == one.c.data[43 * full.stride..]);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Prediction from the planes equals the direct interpolation for every quarter-sample
        /// position, block size and position, including vectors far outside the picture.
        #[test]
        fn planes_match_direct_interpolation(
            seed in any::<u64>(),
            bx in 0usize..4, by in 0usize..3,
            mvx in -200i16..200, mvy in -200i16..200,
            size in 0usize..3,
        ) {
            let full = textured(64, 48, 32, seed);
            let mut hp = HpelPlanes::new(&full);
            hp.update(&full);
            let r = RefLuma { full: &full, hpel: &hp };
            let (w, h) = [(16, 16), (8, 8), (4, 4)][size];
            let (x, y) = ((bx * 16) as i32, (by * 16) as i32);
            let mv = Mv::new(mvx, mvy);
            let mut a = [0u8; 256];
            let mut b = [0u8; 256];
            r.predict(x, y, mv, w, h, &mut a);
            mc_luma(&full, x, y, mv, w, h, &mut b);
            prop_assert_eq!(&a[..w * h], &b[..w * h]);
            let mut tmp = [0u8; 256];
            let (blk, stride) = r.block(x, y, mv, w, h, &mut tmp);
            for row in 0..h {
                prop_assert_eq!(&blk[row * stride..row * stride + w], &b[row * w..row * w + w]);
            }
        }
    }

    #[test]
    fn a_partial_update_equals_a_full_one() {
        let mut full = textured(64, 64, 32, 5);
        let mut hp = HpelPlanes::new(&full);
        hp.update(&full);
        // Change macroblock row 1 (luma rows 16..32), then update it with a margin of 16 rows.
        for y in 16..32 {
            for v in full.row_mut(y) {
                *v = v.wrapping_mul(7).wrapping_add(3);
            }
        }
        full.extend_edges();
        hp.update_rows(&full, 32..32 + 48);
        let mut fresh = HpelPlanes::new(&full);
        fresh.update(&full);
        assert_eq!(hp.h, fresh.h);
        assert_eq!(hp.v, fresh.v);
        assert_eq!(hp.c, fresh.c);
    }

    #[test]
    fn an_update_of_a_few_columns_equals_a_full_one() {
        // Change a block in the middle and one at the left edge (whose border samples change
        // with it), then update only the macroblocks around each, border columns included.
        let mut full = textured(96, 64, 32, 11);
        let mut hp = HpelPlanes::new(&full);
        hp.update(&full);
        let pad = full.pad;
        for y in 20..30 {
            for x in (40..50).chain(0..5) {
                let v = &mut full.row_mut(y)[x];
                *v = v.wrapping_mul(5).wrapping_add(9);
            }
        }
        full.extend_edges();
        // Macroblock rows 0..3 (luma rows pad + 0..48), columns 32..64 and the left border
        // with macroblock columns 0..2.
        hp.update_rows_split(&full, pad..pad + 48, pad + 32..pad + 64, &Workers::single());
        hp.update_rows_split(&full, pad..pad + 48, 0..pad + 32, &Workers::new(2).unwrap());
        let mut fresh = HpelPlanes::new(&full);
        fresh.update(&full);
        assert_eq!(hp.h, fresh.h);
        assert_eq!(hp.v, fresh.v);
        assert_eq!(hp.c, fresh.c);
    }

    #[test]
    fn every_quarter_position_near_the_edges() {
        let full = textured(32, 32, 32, 99);
        let mut hp = HpelPlanes::new(&full);
        hp.update(&full);
        let r = RefLuma {
            full: &full,
            hpel: &hp,
        };
        for mvy in -140i16..=140 {
            for mvx in (-140i16..=140).step_by(3) {
                let mv = Mv::new(mvx, mvy);
                let mut a = [0u8; 256];
                let mut b = [0u8; 256];
                r.predict(16, 0, mv, 16, 16, &mut a);
                mc_luma(&full, 16, 0, mv, 16, 16, &mut b);
                assert_eq!(a, b, "mv {mv:?}");
            }
        }
    }
}
