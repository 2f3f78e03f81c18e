//! The `check-asm` feature (after rav1e's `check_asm`): every SIMD table's function pointers
//! point at wrappers that run the level's own kernel and its [`scalar`] twin on the same
//! inputs (each on its own copy of every output and in-place buffer) and panic, naming the
//! kernel, the level and the inputs' shape, on the first difference. The integration tests run
//! with it, so the SIMD kernels are compared with the portable ones on the blocks real encodes
//! produce, not only on the property tests' random ones.
//!
//! Each wrapper is generic over the level (`I`, an index into [`Isa::ALL`]) and finds the raw
//! kernel in that level's raw table, so plain `fn` pointers suffice. Without the feature none of
//! this is compiled and the tables hold the kernels themselves.

use super::{raw, scalar, ChromaSiting, Edge, Isa, Kernels, PixelLayout, QuantParams, SCALAR};

/// The raw (unchecked) table of level `I`.
#[inline]
fn inner<const I: usize>() -> &'static Kernels {
    raw(Isa::ALL[I]).expect("a checking table exists only for a level this CPU runs")
}

/// Panics when `simd != scalar`, naming the kernel, the level and `what` (the inputs' shape).
#[track_caller]
fn same<T: PartialEq + std::fmt::Debug>(
    kernel: &str,
    isa: Isa,
    what: std::fmt::Arguments<'_>,
    simd: T,
    scalar: T,
) -> T {
    if simd != scalar {
        panic!(
            "check-asm: {kernel} ({}) differs from the scalar kernel ({what}):\n  {}: {simd:?}\n  scalar: {scalar:?}",
            isa.name(),
            isa.name(),
        );
    }
    simd
}

fn sad<const I: usize, const S: usize>(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    let got = (inner::<I>().sad[S])(a, sa, b, sb);
    let want = (SCALAR.sad[S])(a, sa, b, sb);
    let (w, h) = super::BlockSize::ALL[S].dims();
    same(
        "sad",
        Isa::ALL[I],
        format_args!("{w}x{h}, strides {sa}, {sb}"),
        got,
        want,
    )
}

fn satd<const I: usize, const S: usize>(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    let got = (inner::<I>().satd[S])(a, sa, b, sb);
    let want = (SCALAR.satd[S])(a, sa, b, sb);
    let (w, h) = super::BlockSize::ALL[S].dims();
    same(
        "satd",
        Isa::ALL[I],
        format_args!("{w}x{h}, strides {sa}, {sb}"),
        got,
        want,
    )
}

fn sad16x16_x4<const I: usize>(s: &[u8], ss: usize, refs: [&[u8]; 4], rs: usize) -> [u32; 4] {
    let got = (inner::<I>().sad16x16_x4)(s, ss, refs, rs);
    let want = scalar::sad16x16_x4(s, ss, refs, rs);
    same(
        "sad16x16_x4",
        Isa::ALL[I],
        format_args!("strides {ss}, {rs}"),
        got,
        want,
    )
}

fn satd_avg16x16<const I: usize>(
    s: &[u8],
    ss: usize,
    a: &[u8],
    sa: usize,
    b: &[u8],
    sb: usize,
) -> u32 {
    let got = (inner::<I>().satd_avg16x16)(s, ss, a, sa, b, sb);
    let want = scalar::satd_avg16x16(s, ss, a, sa, b, sb);
    let what = format_args!("strides {ss}, {sa}, {sb}");
    same("satd_avg16x16", Isa::ALL[I], what, got, want)
}

fn satd4x4_axis<const I: usize>(
    src: &[u8],
    stride: usize,
    top: &[u8; 4],
    left: &[u8; 4],
    dc: u8,
) -> [u32; 3] {
    let got = (inner::<I>().satd4x4_axis)(src, stride, top, left, dc);
    let want = scalar::satd4x4_axis(src, stride, top, left, dc);
    let what = format_args!("stride {stride}, top {top:?}, left {left:?}, dc {dc}");
    same("satd4x4_axis", Isa::ALL[I], what, got, want)
}

fn predict4x4_diag<const I: usize>(
    top: u64,
    left: u32,
    top_left: u8,
    mode: u8,
    out: &mut [u8; 16],
) {
    let mut want = *out;
    (inner::<I>().predict4x4_diag)(top, left, top_left, mode, out);
    scalar::predict4x4_diag(top, left, top_left, mode, &mut want);
    let what = format_args!("mode {mode}, top {top:#x}, left {left:#x}, top-left {top_left}");
    same("predict4x4_diag", Isa::ALL[I], what, *out, want);
}

/// Rows `0..4` of 4 samples at `stride` (what a 4x4 kernel writes), for comparing.
fn rows4(d: &[u8], stride: usize) -> [[u8; 4]; 4] {
    std::array::from_fn(|r| d[r * stride..r * stride + 4].try_into().expect("4 samples"))
}

#[allow(clippy::too_many_arguments)]
fn code4x4<const I: usize>(
    src: &[u8],
    ss: usize,
    pred: &[u8],
    ps: usize,
    q: &QuantParams,
    levels: &mut [i32; 16],
    recon: &mut [u8],
    rs: usize,
) -> u32 {
    let mut want_levels = *levels;
    let mut want_recon = recon.to_vec();
    let got = (inner::<I>().code4x4)(src, ss, pred, ps, q, levels, recon, rs);
    let want = scalar::code4x4(src, ss, pred, ps, q, &mut want_levels, &mut want_recon, rs);
    let what = format_args!(
        "source {:?}, prediction {:?}, {q:?}",
        rows4(src, ss),
        rows4(pred, ps)
    );
    same(
        "code4x4",
        Isa::ALL[I],
        what,
        (got, *levels, rows4(recon, rs)),
        (want, want_levels, rows4(&want_recon, rs)),
    )
    .0
}

fn quant_strips<const I: usize>(
    src: &[u8],
    pred: &[u8],
    q: &QuantParams,
    dc_apart: bool,
    levels: &mut [[i16; 16]],
    dc: &mut [i32],
    nz: &mut [u16],
) {
    let (mut wl, mut wd, mut wc) = (levels.to_vec(), dc.to_vec(), nz.to_vec());
    (inner::<I>().quant_strips)(src, pred, q, dc_apart, levels, dc, nz);
    scalar::quant_strips(src, pred, q, dc_apart, &mut wl, &mut wd, &mut wc);
    let what = format_args!("{} blocks, dc_apart {dc_apart}, {q:?}", levels.len());
    same(
        "quant_strips",
        Isa::ALL[I],
        what,
        (&*levels, &*dc, &*nz),
        (&wl[..], &wd[..], &wc[..]),
    );
}

fn recon_strips<const I: usize>(
    levels: &[[i16; 16]],
    dc: Option<&[i32]>,
    pred: &[u8],
    q: &QuantParams,
    recon: &mut [u8],
) {
    let mut want = recon.to_vec();
    (inner::<I>().recon_strips)(levels, dc, pred, q, recon);
    scalar::recon_strips(levels, dc, pred, q, &mut want);
    let what = format_args!(
        "{} blocks, levels {levels:?}, dc {dc:?}, {q:?}",
        levels.len()
    );
    same("recon_strips", Isa::ALL[I], what, &*recon, &want[..]);
}

fn rgb_to_nv12_rows<const I: usize>(
    row0: &[u8],
    row1: &[u8],
    y0: &mut [u8],
    y1: &mut [u8],
    uv: &mut [u8],
    layout: PixelLayout,
    siting: ChromaSiting,
) {
    let (mut w0, mut w1, mut wuv) = (y0.to_vec(), y1.to_vec(), uv.to_vec());
    (inner::<I>().rgb_to_nv12_rows)(row0, row1, y0, y1, uv, layout, siting);
    scalar::rgb_to_nv12_rows(row0, row1, &mut w0, &mut w1, &mut wuv, layout, siting);
    let what = format_args!("{} pixels, {layout:?}, {siting:?}", y0.len());
    same(
        "rgb_to_nv12_rows",
        Isa::ALL[I],
        what,
        (&*y0, &*y1, &*uv),
        (&w0[..], &w1[..], &wuv[..]),
    );
}

fn deinterleave_uv<const I: usize>(uv: &[u8], u: &mut [u8], v: &mut [u8]) {
    let (mut wu, mut wv) = (u.to_vec(), v.to_vec());
    (inner::<I>().deinterleave_uv)(uv, u, v);
    scalar::deinterleave_uv(uv, &mut wu, &mut wv);
    let what = format_args!("{} pairs", u.len());
    same(
        "deinterleave_uv",
        Isa::ALL[I],
        what,
        (&*u, &*v),
        (&wu[..], &wv[..]),
    );
}

/// A deblocking kernel against its twin. `d` is usually a whole plane: the twin runs on a copy
/// of the span the edge can touch only (p3 of its first line to q3 of its last), so a check
/// costs what the filter does, not a copy of the plane per edge.
fn edge(
    name: &str,
    isa: Isa,
    lines: usize,
    simd: super::EdgeFn,
    twin: super::EdgeFn,
    d: &mut [u8],
    e: &Edge,
) {
    let lo = e.q0.saturating_sub(4 * e.across);
    let hi = (e.q0 + (lines - 1) * e.along + 3 * e.across + 1).min(d.len());
    let mut want = d[lo..hi].to_vec();
    simd(d, e);
    twin(
        &mut want,
        &Edge {
            q0: e.q0 - lo,
            ..*e
        },
    );
    if d[lo..hi] != want[..] {
        let first = d[lo..hi]
            .iter()
            .zip(&want)
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        same(
            name,
            isa,
            format_args!("{e:?}, first difference at sample {}", lo + first),
            d[lo + first],
            want[first],
        );
    }
}

fn deblock_luma_edge<const I: usize>(d: &mut [u8], e: &Edge) {
    let simd = inner::<I>().deblock_luma_edge;
    edge(
        "deblock_luma_edge",
        Isa::ALL[I],
        16,
        simd,
        scalar::deblock_luma_edge,
        d,
        e,
    );
}

fn deblock_chroma_edge2<const I: usize>(u: &mut [u8], v: &mut [u8], e: &Edge) {
    // As `edge`: the twin on copies of the spans the edge can touch, one per plane.
    let lo = e.q0.saturating_sub(4 * e.across);
    let span = |d: &[u8]| lo..(e.q0 + 7 * e.along + 3 * e.across + 1).min(d.len());
    let (su, sv) = (span(u), span(v));
    let (mut wu, mut wv) = (u[su.clone()].to_vec(), v[sv.clone()].to_vec());
    (inner::<I>().deblock_chroma_edge2)(u, v, e);
    scalar::deblock_chroma_edge2(
        &mut wu,
        &mut wv,
        &Edge {
            q0: e.q0 - lo,
            ..*e
        },
    );
    for (plane, got, want) in [("Cb", &u[su], &wu[..]), ("Cr", &v[sv], &wv[..])] {
        if got != want {
            let first = got.iter().zip(want).position(|(a, b)| a != b).unwrap_or(0);
            same(
                "deblock_chroma_edge2",
                Isa::ALL[I],
                format_args!(
                    "{e:?}, {plane} plane, first difference at sample {}",
                    lo + first
                ),
                got[first],
                want[first],
            );
        }
    }
}

fn mc_chroma8<const I: usize>(src: &[u8], stride: usize, fx: u32, fy: u32, out: &mut [u8]) {
    let mut want = out.to_vec();
    (inner::<I>().mc_chroma8)(src, stride, fx, fy, out);
    scalar::mc_chroma8(src, stride, fx, fy, &mut want);
    let what = format_args!(
        "8x{}, stride {stride}, fraction ({fx}, {fy})",
        out.len() / 8
    );
    same("mc_chroma8", Isa::ALL[I], what, &*out, &want[..]);
}

fn mc_chroma8x2<const I: usize>(
    cb: &[u8],
    cr: &[u8],
    stride: usize,
    fx: u32,
    fy: u32,
    out: &mut [u8; 128],
) {
    let mut want = *out;
    (inner::<I>().mc_chroma8x2)(cb, cr, stride, fx, fy, out);
    scalar::mc_chroma8x2(cb, cr, stride, fx, fy, &mut want);
    let what = format_args!("stride {stride}, fraction ({fx}, {fy})");
    same("mc_chroma8x2", Isa::ALL[I], what, &out[..], &want[..]);
}

fn avg_block<const I: usize>(
    a: &[u8],
    sa: usize,
    b: &[u8],
    sb: usize,
    out: &mut [u8],
    w: usize,
    h: usize,
) {
    let mut want = out.to_vec();
    (inner::<I>().avg_block)(a, sa, b, sb, out, w, h);
    scalar::avg_block(a, sa, b, sb, &mut want, w, h);
    let what = format_args!("{w}x{h}, strides {sa}, {sb}");
    same("avg_block", Isa::ALL[I], what, &*out, &want[..]);
}

fn hpel_row_h<const I: usize>(src: &[u8], b1: &mut [i16], b: &mut [u8]) {
    let (mut w1, mut wb) = (b1.to_vec(), b.to_vec());
    (inner::<I>().hpel_row_h)(src, b1, b);
    scalar::hpel_row_h(src, &mut w1, &mut wb);
    let what = format_args!("row of {}", src.len());
    same(
        "hpel_row_h",
        Isa::ALL[I],
        what,
        (&*b1, &*b),
        (&w1[..], &wb[..]),
    );
}

fn hpel_row_v<const I: usize>(rows: [&[u8]; 6], h1: &mut [i16], out: &mut [u8]) {
    let (mut w1, mut wo) = (h1.to_vec(), out.to_vec());
    (inner::<I>().hpel_row_v)(rows, h1, out);
    scalar::hpel_row_v(rows, &mut w1, &mut wo);
    let what = format_args!("row of {}", out.len());
    same(
        "hpel_row_v",
        Isa::ALL[I],
        what,
        (&*h1, &*out),
        (&w1[..], &wo[..]),
    );
}

fn hpel_row_c<const I: usize>(rows: [&[i16]; 6], out: &mut [u8]) {
    let mut want = out.to_vec();
    (inner::<I>().hpel_row_c)(rows, out);
    scalar::hpel_row_c(rows, &mut want);
    let what = format_args!("row of {}", out.len());
    same("hpel_row_c", Isa::ALL[I], what, &*out, &want[..]);
}

/// The checking table of level `I`.
fn table<const I: usize>() -> Kernels {
    Kernels {
        isa: Isa::ALL[I],
        sad: [
            sad::<I, 0>,
            sad::<I, 1>,
            sad::<I, 2>,
            sad::<I, 3>,
            sad::<I, 4>,
        ],
        satd: [
            satd::<I, 0>,
            satd::<I, 1>,
            satd::<I, 2>,
            satd::<I, 3>,
            satd::<I, 4>,
        ],
        sad16x16_x4: sad16x16_x4::<I>,
        satd_avg16x16: satd_avg16x16::<I>,
        code4x4: code4x4::<I>,
        satd4x4_axis: satd4x4_axis::<I>,
        predict4x4_diag: predict4x4_diag::<I>,
        quant_strips: quant_strips::<I>,
        recon_strips: recon_strips::<I>,
        rgb_to_nv12_rows: rgb_to_nv12_rows::<I>,
        deinterleave_uv: deinterleave_uv::<I>,
        deblock_luma_edge: deblock_luma_edge::<I>,
        deblock_chroma_edge2: deblock_chroma_edge2::<I>,
        mc_chroma8: mc_chroma8::<I>,
        mc_chroma8x2: mc_chroma8x2::<I>,
        avg_block: avg_block::<I>,
        hpel_row_h: hpel_row_h::<I>,
        hpel_row_v: hpel_row_v::<I>,
        hpel_row_c: hpel_row_c::<I>,
    }
}

/// The checking table of `isa` (whose raw table exists).
pub(super) fn checking(isa: Isa) -> Kernels {
    match isa {
        Isa::Scalar => table::<0>(),
        Isa::Sse2 => table::<1>(),
        Isa::Avx2 => table::<2>(),
        Isa::Neon => table::<3>(),
    }
}
