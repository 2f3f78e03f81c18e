//! Every kernel of every table this CPU runs against the scalar twin, on random inputs,
//! random strides and extreme values.

use proptest::prelude::*;

use super::*;

/// Samples biased towards the extremes 0 and 255.
fn sample() -> impl Strategy<Value = u8> {
    prop_oneof![2 => any::<u8>(), 1 => Just(0u8), 1 => Just(255u8)]
}

/// Two pictures of at least `len` samples each (random or all-extreme) and their strides.
fn planes() -> impl Strategy<Value = (Vec<u8>, usize, Vec<u8>, usize)> {
    (16usize..64, 16usize..64, any::<u8>()).prop_flat_map(|(sa, sb, mode)| {
        let la = sa * 24 + 32;
        let lb = sb * 24 + 32;
        let a = proptest::collection::vec(sample(), la);
        let b = proptest::collection::vec(sample(), lb);
        (a, Just(sa), b, Just(sb), Just(mode)).prop_map(|(mut a, sa, mut b, sb, mode)| {
            // One case in eight: 0 against 255 everywhere (the largest differences).
            if mode % 8 == 0 {
                a.fill(0);
                b.fill(255);
            } else if mode % 8 == 1 {
                a.fill(255);
                b.fill(0);
            }
            (a, sa, b, sb)
        })
    })
}

fn tables() -> Vec<Kernels> {
    Kernels::available().collect()
}

/// An encoder's table, installed on its thread, is what the kernels' callers get; scopes nest
/// and restore; other threads keep theirs; `Kernels::best` caps at the level asked for.
#[test]
fn kernel_scopes_install_an_encoders_table() {
    let process = default_kernels().isa;
    assert_eq!(kernels().isa, process, "no scope: the process-wide table");
    assert_eq!(Kernels::best(Isa::Scalar).isa, Isa::Scalar);
    #[cfg(target_arch = "x86_64")]
    if process >= Isa::Sse2 {
        assert_eq!(Kernels::best(Isa::Sse2).isa, Isa::Sse2);
    }
    assert_eq!(
        Kernels::best(Isa::Neon).isa,
        process,
        "no higher than RTENC_CPU allows"
    );
    {
        let _outer = KernelScope::enter(Kernels::best(Isa::Scalar));
        assert_eq!(kernels().isa, Isa::Scalar);
        {
            let _inner = KernelScope::enter(default_kernels());
            assert_eq!(kernels().isa, process);
            let other = std::thread::spawn(|| kernels().isa).join().unwrap();
            assert_eq!(other, process, "a scope is per thread");
        }
        assert_eq!(
            kernels().isa,
            Isa::Scalar,
            "the inner scope restored the outer one"
        );
    }
    assert_eq!(kernels().isa, process);
}

#[test]
fn simd_levels_are_detected_as_expected() {
    #[cfg(target_arch = "x86_64")]
    {
        assert!(Kernels::for_isa(Isa::Sse2).is_some());
        assert_eq!(
            Kernels::for_isa(Isa::Avx2).is_some(),
            std::arch::is_x86_feature_detected!("avx2")
        );
        assert!(Kernels::for_isa(Isa::Neon).is_none());
    }
    #[cfg(target_arch = "aarch64")]
    {
        // NEON is the aarch64 baseline: its table must exist (and be tested below).
        assert!(Kernels::for_isa(Isa::Neon).is_some());
        assert!(Kernels::for_isa(Isa::Sse2).is_none());
        assert!(Kernels::for_isa(Isa::Avx2).is_none());
    }
    // The level the process-wide table must have, written out per architecture and cap (not
    // derived like `Kernels::best`: a wrong order of `Isa`, a wrong cap filter or a wrong
    // detection there would not show if this computed the same way).
    let cap = std::env::var("RTENC_CPU").map(|v| v.to_ascii_lowercase());
    #[cfg(target_arch = "x86_64")]
    let expect = match cap.as_deref() {
        Ok("scalar") => Isa::Scalar,
        Ok("sse2") => Isa::Sse2,
        _ if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("popcnt") =>
        {
            Isa::Avx2
        }
        _ => Isa::Sse2,
    };
    #[cfg(target_arch = "aarch64")]
    let expect = match cap.as_deref() {
        Ok("scalar" | "sse2" | "avx2") => Isa::Scalar,
        _ => Isa::Neon,
    };
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    let expect = {
        let _ = cap;
        Isa::Scalar
    };
    assert_eq!(kernels().isa, expect, "RTENC_CPU caps the dispatch");
    assert_eq!(default_kernels().isa, expect);
    // Every table holds the kernels of its own level.
    for k in tables() {
        assert!(k.isa.is_supported(), "{:?}", k.isa);
    }
    // What `rtenc info` prints agrees.
    let info = CpuInfo::detect();
    assert_eq!(info.kernels, expect.name());
    assert!(info.available.contains(&"scalar") && info.available.contains(&expect.name()));
    #[cfg(target_arch = "aarch64")]
    assert!(info.features.contains(&"neon") && info.available.contains(&"neon"));
    #[cfg(target_arch = "x86_64")]
    assert!(info.features.contains(&"sse2") && info.available.contains(&"sse2"));
    let text = info.to_string();
    assert!(
        text.contains(&format!("kernels: {}", expect.name())),
        "{text}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn sad_and_satd_match_scalar((a, sa, b, sb) in planes(), ox in 0usize..16, oy in 0usize..8) {
        for size in BlockSize::ALL {
            let (w, h) = size.dims();
            let (a, b) = (&a[oy * sa + ox..], &b[oy * sb + ox..]);
            let sad = scalar::sad(a, sa, b, sb, w, h);
            let satd = scalar::satd(a, sa, b, sb, w, h);
            for k in tables() {
                prop_assert_eq!((k.sad[size as usize])(a, sa, b, sb), sad, "{:?} {:?}", k.isa, size);
                prop_assert_eq!((k.satd[size as usize])(a, sa, b, sb), satd, "{:?} {:?}", k.isa, size);
            }
        }
    }

    #[test]
    fn deinterleave_matches_scalar(uv in proptest::collection::vec(sample(), 0..300), cut in 0usize..4) {
        let n = (uv.len() / 2).saturating_sub(cut);
        let (mut u0, mut v0) = (vec![0u8; n], vec![0u8; n]);
        scalar::deinterleave_uv(&uv, &mut u0, &mut v0);
        for k in tables() {
            let (mut u, mut v) = (vec![1u8; n], vec![1u8; n]);
            (k.deinterleave_uv)(&uv, &mut u, &mut v);
            prop_assert_eq!(&u, &u0, "{:?}", k.isa);
            prop_assert_eq!(&v, &v0, "{:?}", k.isa);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn avg_block_matches_scalar((a, sa, b, sb) in planes(), size in 0usize..5, odd_w in 1usize..16) {
        // The five block sizes, and an odd width for the tails.
        let (w, h) = if size == 4 { (odd_w, 3) } else { BlockSize::ALL[size].dims() };
        let mut want = vec![0u8; w * h];
        scalar::avg_block(&a, sa, &b, sb, &mut want, w, h);
        for k in tables() {
            let mut got = vec![7u8; w * h];
            (k.avg_block)(&a, sa, &b, sb, &mut got, w, h);
            prop_assert_eq!(&got, &want, "{:?} {}x{}", k.isa, w, h);
        }
    }

    #[test]
    fn predict4x4_diag_matches_scalar(
        top in any::<u64>(),
        left in any::<u32>(),
        top_left in any::<u8>(),
    ) {
        for mode in 3..9u8 {
            let mut want = [0u8; 16];
            scalar::predict4x4_diag(top, left, top_left, mode, &mut want);
            for k in tables() {
                let mut got = [0u8; 16];
                (k.predict4x4_diag)(top, left, top_left, mode, &mut got);
                prop_assert_eq!(got, want, "{:?} mode {}", k.isa, mode);
            }
        }
    }

    #[test]
    fn satd4x4_axis_matches_scalar(
        (a, sa, b, _) in planes(),
        dc in sample(),
    ) {
        let top: [u8; 4] = b[..4].try_into().unwrap();
        let left: [u8; 4] = b[4..8].try_into().unwrap();
        let want = scalar::satd4x4_axis(&a, sa, &top, &left, dc);
        for k in tables() {
            prop_assert_eq!((k.satd4x4_axis)(&a, sa, &top, &left, dc), want, "{:?}", k.isa);
        }
    }

    #[test]
    fn satd_avg16x16_matches_scalar((a, sa, b, sb) in planes(), (c, sc, _, _) in planes()) {
        let want = scalar::satd_avg16x16(&c, sc, &a, sa, &b, sb);
        let mut avg = [0u8; 256];
        scalar::avg_block(&a, sa, &b, sb, &mut avg, 16, 16);
        prop_assert_eq!(want, scalar::satd16x16(&c, sc, &avg, 16));
        for k in tables() {
            prop_assert_eq!((k.satd_avg16x16)(&c, sc, &a, sa, &b, sb), want, "{:?}", k.isa);
        }
    }

    #[test]
    fn hpel_rows_match_scalar(
        rows in proptest::collection::vec(proptest::collection::vec(sample(), 120), 6),
        n in 0usize..115,
    ) {
        let r: [&[u8]; 6] = std::array::from_fn(|k| &rows[k][..]);
        let (mut b1, mut b) = (vec![0i16; n], vec![0u8; n]);
        scalar::hpel_row_h(&rows[0][..n + 5], &mut b1, &mut b);
        let (mut h1, mut v) = (vec![0i16; n], vec![0u8; n]);
        scalar::hpel_row_v(r, &mut h1, &mut v);
        // Intermediates from six filtered rows, extremes included, for the centre filter.
        let mids: Vec<Vec<i16>> = rows
            .iter()
            .map(|row| {
                let (mut m, mut x) = (vec![0i16; 115], vec![0u8; 115]);
                scalar::hpel_row_h(row, &mut m, &mut x);
                m
            })
            .collect();
        let m: [&[i16]; 6] = std::array::from_fn(|k| &mids[k][..]);
        let mut c = vec![0u8; n];
        scalar::hpel_row_c(m, &mut c);
        for k in tables() {
            let (mut b1k, mut bk) = (vec![1i16; n], vec![1u8; n]);
            (k.hpel_row_h)(&rows[0][..n + 5], &mut b1k, &mut bk);
            prop_assert_eq!(&b1k, &b1, "{:?} b1", k.isa);
            prop_assert_eq!(&bk, &b, "{:?} b", k.isa);
            let (mut h1k, mut vk) = (vec![1i16; n], vec![1u8; n]);
            (k.hpel_row_v)(r, &mut h1k, &mut vk);
            prop_assert_eq!(&h1k, &h1, "{:?} h1", k.isa);
            prop_assert_eq!(&vk, &v, "{:?} v", k.isa);
            let mut ck = vec![1u8; n];
            (k.hpel_row_c)(m, &mut ck);
            prop_assert_eq!(&ck, &c, "{:?} c", k.isa);
        }
    }
}

/// The half-sample filters at the extremes of their ranges: rows alternating 0 and 255 in the
/// patterns that maximise and minimise each sum (the centre filter's i32 path).
#[test]
fn hpel_rows_at_the_extremes() {
    let patterns: [[u8; 6]; 4] = [
        [255, 0, 255, 255, 0, 255],
        [0, 255, 0, 0, 255, 0],
        [255; 6],
        [0; 6],
    ];
    for pat in patterns {
        // A row repeating the pattern horizontally, and six rows each constant at one tap.
        let row: Vec<u8> = (0..70).map(|i| pat[i % 6]).collect();
        let cols: Vec<Vec<u8>> = pat.iter().map(|&v| vec![v; 70]).collect();
        let (mut m, mut x) = (vec![0i16; 65], vec![0u8; 65]);
        scalar::hpel_row_h(&row, &mut m, &mut x);
        let mids: Vec<Vec<i16>> = (0..6).map(|k| vec![m[k % 6]; 64]).collect();
        let r: [&[u8]; 6] = std::array::from_fn(|k| &cols[k][..]);
        let mr: [&[i16]; 6] = std::array::from_fn(|k| &mids[k][..]);
        let (mut v0, mut c0, mut h0) = (vec![0u8; 64], vec![0u8; 64], vec![0i16; 64]);
        scalar::hpel_row_v(r, &mut h0, &mut v0);
        scalar::hpel_row_c(mr, &mut c0);
        for k in tables() {
            let (mut mk, mut xk) = (vec![0i16; 65], vec![0u8; 65]);
            (k.hpel_row_h)(&row, &mut mk, &mut xk);
            assert_eq!((&mk, &xk), (&m, &x), "{:?} {pat:?}", k.isa);
            let (mut v, mut c, mut h) = (vec![0u8; 64], vec![0u8; 64], vec![0i16; 64]);
            (k.hpel_row_v)(r, &mut h, &mut v);
            (k.hpel_row_c)(mr, &mut c);
            assert_eq!((&v, &c, &h), (&v0, &c0, &h0), "{:?} {pat:?}", k.isa);
        }
    }
}

#[test]
fn kernels_panic_on_short_input() {
    for k in tables() {
        let a = [0u8; 16 * 16];
        let short = [0u8; 16 * 15];
        let r = std::panic::catch_unwind(|| (k.sad[0])(&a, 16, &short, 16));
        assert!(r.is_err(), "{:?}", k.isa);
        let r = std::panic::catch_unwind(|| (k.satd[0])(&short, 16, &a, 16));
        assert!(r.is_err(), "{:?}", k.isa);
    }
}

/// A 24x24 plane (stride 24) that is smooth enough for the filters to act: a base level, a step
/// and small noise, or extremes.
fn edge_plane() -> impl Strategy<Value = Vec<u8>> {
    (
        0u8..=255,
        -40i32..=40,
        proptest::collection::vec(-3i32..=3, 24 * 24),
        any::<u8>(),
        any::<bool>(),
    )
        .prop_map(|(base, step, noise, mode, vertical_step)| {
            (0..24 * 24)
                .map(|i| {
                    let (x, y) = (i % 24, i / 24);
                    let side = if vertical_step { x >= 8 } else { y >= 8 };
                    let v = i32::from(base) + if side { step } else { 0 } + noise[i];
                    match mode % 16 {
                        0 => [0u8, 255][(x + y) % 2],
                        1 => 255,
                        _ => v.clamp(0, 255) as u8,
                    }
                })
                .collect()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn deblock_luma_edge_matches_scalar(
        plane in edge_plane(),
        horizontal in any::<bool>(),
        bs in proptest::array::uniform4(prop_oneof![1 => Just(0u8), 2 => 1u8..=3, 1 => Just(4u8)]),
        tc0 in proptest::array::uniform4(0u8..=25),
        alpha in prop_oneof![0i32..=255, Just(255)],
        beta in prop_oneof![0i32..=18, Just(18)],
        off in 0usize..4,
    ) {
        // The edge is at row 8 (horizontal) or column 8 (vertical), 16 lines long.
        let edge = if horizontal {
            Edge { q0: 8 * 24 + off, across: 24, along: 1, bs, alpha, beta, tc0 }
        } else {
            Edge { q0: off * 24 + 8, across: 1, along: 24, bs, alpha, beta, tc0 }
        };
        let mut expect = plane.clone();
        scalar::deblock_luma_edge(&mut expect, &edge);
        for k in tables() {
            let mut got = plane.clone();
            (k.deblock_luma_edge)(&mut got, &edge);
            prop_assert!(got == expect, "{:?} {:?}", k.isa, edge);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn deblock_chroma_edge2_matches_scalar(
        cb in edge_plane(),
        cr in edge_plane(),
        horizontal in any::<bool>(),
        bs in proptest::array::uniform4(prop_oneof![1 => Just(0u8), 2 => 1u8..=3, 1 => Just(4u8)]),
        tc0 in proptest::array::uniform4(0u8..=25),
        alpha in prop_oneof![0i32..=255, Just(255)],
        beta in prop_oneof![0i32..=18, Just(18)],
        off in 0usize..8,
    ) {
        // The same edge in two planes, at row 8 (horizontal) or column 8 (vertical).
        let edge = if horizontal {
            Edge { q0: 8 * 24 + off, across: 24, along: 1, bs, alpha, beta, tc0 }
        } else {
            Edge { q0: off * 24 + 8, across: 1, along: 24, bs, alpha, beta, tc0 }
        };
        let (mut eu, mut ev) = (cb.clone(), cr.clone());
        scalar::deblock_chroma_edge(&mut eu, &edge);
        scalar::deblock_chroma_edge(&mut ev, &edge);
        for k in tables() {
            let (mut gu, mut gv) = (cb.clone(), cr.clone());
            (k.deblock_chroma_edge2)(&mut gu, &mut gv, &edge);
            prop_assert!(gu == eu && gv == ev, "{:?} {:?}", k.isa, edge);
        }
    }
}

/// A source block: random, extreme, or the prediction plus a little noise (small residuals
/// reach the zero bound and the small levels).
fn code4x4_inputs() -> impl Strategy<Value = ([u8; 16], [u8; 16])> {
    let pred = || proptest::array::uniform16(sample());
    prop_oneof![
        (proptest::array::uniform16(sample()), pred()),
        (pred(), proptest::array::uniform16(-6i32..=6)).prop_map(|(p, n)| {
            let mut s = p;
            for i in 0..16 {
                s[i] = (i32::from(p[i]) + n[i]).clamp(0, 255) as u8;
            }
            (s, p)
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn code4x4_matches_scalar(
        (src, pred) in code4x4_inputs(),
        qp in 0u8..=51,
        intra in any::<bool>(),
    ) {
        use crate::common::quant::{params4x4, Deadzone};
        let dz = if intra { Deadzone::Intra } else { Deadzone::Inter };
        let q = params4x4(qp, dz);
        // The source at stride 4, the prediction spread at stride 7, the output at stride 5.
        let spread = |b: &[u8; 16], stride: usize| {
            let mut v = vec![99u8; 3 * stride + 4];
            for r in 0..4 {
                v[r * stride..r * stride + 4].copy_from_slice(&b[4 * r..4 * r + 4]);
            }
            v
        };
        let pred7 = spread(&pred, 7);
        let (mut levels, mut recon) = ([0i32; 16], vec![0u8; 19]);
        let nz = scalar::code4x4(&src, 4, &pred7, 7, q, &mut levels, &mut recon, 5);
        prop_assert_eq!(levels.iter().filter(|&&l| l != 0).count() as u32, nz);
        prop_assert!(recon.iter().enumerate().all(|(i, &v)| i % 5 < 4 || v == 0), "gaps untouched");
        for k in tables() {
            let (mut l, mut r) = ([7i32; 16], vec![0u8; 19]);
            let n = (k.code4x4)(&src, 4, &pred7, 7, q, &mut l, &mut r, 5);
            prop_assert_eq!(n, nz, "{:?}", k.isa);
            prop_assert_eq!(l, levels, "{:?}", k.isa);
            prop_assert_eq!(&r, &recon, "{:?}", k.isa);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn rgb_to_nv12_rows_match_scalar(
        half_n in 0usize..60,
        layout in 0usize..4,
        average in any::<bool>(),
        extra in 0usize..8,
        rows in proptest::collection::vec(sample(), 2 * (120 * 4 + 8)),
    ) {
        use crate::dsp::{ChromaSiting, PixelLayout};
        let layout = [PixelLayout::Rgb, PixelLayout::Bgr, PixelLayout::Rgba, PixelLayout::Bgra][layout];
        let siting = if average { ChromaSiting::Average } else { ChromaSiting::TopLeft };
        let n = 2 * half_n;
        let len = n * layout.bytes_per_pixel() + extra;
        let (row0, row1) = (&rows[..len], &rows[len..2 * len]);
        let mut want = (vec![0u8; n], vec![0u8; n], vec![0u8; n]);
        scalar::rgb_to_nv12_rows(row0, row1, &mut want.0, &mut want.1, &mut want.2, layout, siting);
        for k in tables() {
            let mut got = (vec![1u8; n], vec![2u8; n], vec![3u8; n]);
            (k.rgb_to_nv12_rows)(row0, row1, &mut got.0, &mut got.1, &mut got.2, layout, siting);
            prop_assert_eq!(&got, &want, "{:?} {:?} {:?} n {}", k.isa, layout, siting, n);
        }
    }
}

/// Strips of 4x4 blocks (16 samples wide): each block random, extreme, or the prediction plus
/// a little noise, so that all-zero, small and clipped levels all occur.
fn strips_inputs() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    (1usize..=4)
        .prop_flat_map(|n| proptest::collection::vec(code4x4_inputs(), 4 * n))
        .prop_map(|blocks| {
            let n = blocks.len();
            let (mut src, mut pred) = (vec![0u8; 16 * n], vec![0u8; 16 * n]);
            for (b, (s, p)) in blocks.iter().enumerate() {
                let o = scalar::strips_offset(b);
                for r in 0..4 {
                    src[o + 16 * r..][..4].copy_from_slice(&s[4 * r..4 * r + 4]);
                    pred[o + 16 * r..][..4].copy_from_slice(&p[4 * r..4 * r + 4]);
                }
            }
            (src, pred)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn quant_strips_and_recon_strips_match_scalar(
        (src, pred) in strips_inputs(),
        qp in 0u8..=51,
        intra in any::<bool>(),
        dc_apart in any::<bool>(),
        dc_seed in any::<u64>(),
    ) {
        use crate::common::quant::{params4x4, Deadzone};
        let dz = if intra { Deadzone::Intra } else { Deadzone::Inter };
        let q = params4x4(qp, dz);
        let n = src.len() / 16;
        let (mut levels, mut dc, mut nz) = (vec![[0i16; 16]; n], vec![0i32; n], vec![0u16; n]);
        scalar::quant_strips(&src, &pred, q, dc_apart, &mut levels, &mut dc, &mut nz);
        // The scalar twin agrees with the whole-block kernel: the same levels (but for the DC
        // position with `dc_apart`, where the DC is the residual's sum, the transform's DC).
        for b in 0..n {
            let o = scalar::strips_offset(b);
            let (mut l, mut r) = ([0i32; 16], [0u8; 64]);
            let count = scalar::code4x4(&src[o..], 16, &pred[o..], 16, q, &mut l, &mut r, 16);
            if dc_apart {
                let sum: i32 = (0..16)
                    .map(|i| i32::from(src[o + 16 * (i / 4) + i % 4]) - i32::from(pred[o + 16 * (i / 4) + i % 4]))
                    .sum();
                prop_assert_eq!(dc[b], sum);
                prop_assert_eq!(levels[b][0], 0);
                prop_assert_eq!(nz[b].count_ones(), count - u32::from(l[0] != 0));
                l[0] = 0;
            } else {
                prop_assert_eq!(nz[b].count_ones(), count);
            }
            prop_assert_eq!(levels[b].map(i32::from), l);
            // The mask marks exactly the non-zero levels.
            for (i, &v) in levels[b].iter().enumerate() {
                prop_assert_eq!(nz[b] >> i & 1 != 0, v != 0);
            }
        }
        // Scaled DCs for the reconstruction: zero, small or large (as chroma and Intra_16x16
        // DC reconstructions can be).
        let dcs: Vec<i32> = (0..n as u64)
            .map(|b| {
                let h = dc_seed.wrapping_mul(b + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
                match h % 3 {
                    0 => 0,
                    1 => (h % 513) as i32 - 256,
                    _ => (h % (1 << 17)) as i32 - (1 << 16),
                }
            })
            .collect();
        let dc_in = dc_apart.then_some(&dcs[..]);
        let mut recon = vec![0u8; 16 * n];
        scalar::recon_strips(&levels, dc_in, &pred, q, &mut recon);
        if !dc_apart {
            // Without a separate DC, the reconstruction is code4x4's.
            for b in 0..n {
                let o = scalar::strips_offset(b);
                let (mut l, mut r) = ([0i32; 16], [0u8; 64]);
                scalar::code4x4(&src[o..], 16, &pred[o..], 16, q, &mut l, &mut r, 16);
                for row in 0..4 {
                    prop_assert_eq!(&recon[o + 16 * row..][..4], &r[16 * row..][..4]);
                }
            }
        }
        for k in tables() {
            let (mut l, mut d, mut c) = (vec![[7i16; 16]; n], vec![7i32; n], vec![7u16; n]);
            (k.quant_strips)(&src, &pred, q, dc_apart, &mut l, &mut d, &mut c);
            prop_assert_eq!(&l, &levels, "{:?}", k.isa);
            prop_assert_eq!(&c, &nz, "{:?}", k.isa);
            if dc_apart {
                prop_assert_eq!(&d, &dc, "{:?}", k.isa);
            }
            let mut r = vec![7u8; 16 * n];
            (k.recon_strips)(&levels, dc_in, &pred, q, &mut r);
            prop_assert_eq!(&r, &recon, "{:?}", k.isa);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn sad16x16_x4_matches_scalar(
        (a, sa, b, sb) in planes(),
        offs in proptest::array::uniform4((0usize..16, 0usize..8)),
    ) {
        let refs = offs.map(|(x, y)| &b[y * sb + x..]);
        let want = refs.map(|r| scalar::sad(&a, sa, r, sb, 16, 16));
        prop_assert_eq!(scalar::sad16x16_x4(&a, sa, refs, sb), want);
        for k in tables() {
            prop_assert_eq!((k.sad16x16_x4)(&a, sa, refs, sb), want, "{:?}", k.isa);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn mc_chroma8_matches_scalar(
        (a, sa, _b, _sb) in planes(),
        fx in 0u32..8,
        fy in 0u32..8,
        h in 1usize..=8,
        ox in 0usize..8,
    ) {
        let src = &a[ox..ox + h * sa + 9];
        let mut want = vec![0u8; 8 * h];
        scalar::mc_chroma8(src, sa, fx, fy, &mut want);
        // Against the formula of 8.4.2.2.2 directly.
        for r in 0..h {
            for x in 0..8 {
                let s = |dy: usize, dx: usize| u32::from(src[(r + dy) * sa + x + dx]);
                let v = (8 - fx) * (8 - fy) * s(0, 0) + fx * (8 - fy) * s(0, 1)
                    + (8 - fx) * fy * s(1, 0) + fx * fy * s(1, 1);
                prop_assert_eq!(u32::from(want[8 * r + x]), (v + 32) >> 6);
            }
        }
        for k in tables() {
            let mut got = vec![7u8; 8 * h];
            (k.mc_chroma8)(src, sa, fx, fy, &mut got);
            prop_assert_eq!(&got, &want, "{:?}", k.isa);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn mc_chroma8x2_matches_scalar(
        (a, sa, b, sb) in planes(),
        fx in 0u32..8,
        fy in 0u32..8,
        ox in 0usize..8,
    ) {
        // Both planes at one stride: the second plane's samples re-laid at the first's.
        let s = sa;
        let n = 8 * s + 9;
        let cb = &a[ox..ox + n];
        let cr: Vec<u8> = (0..n).map(|i| b[(i / s) * sb + i % s % sb] ^ (i as u8)).collect();
        let mut want = [0u8; 128];
        scalar::mc_chroma8x2(cb, &cr, s, fx, fy, &mut want);
        for (c, src) in [cb, &cr[..]].into_iter().enumerate() {
            let mut one = [0u8; 64];
            scalar::mc_chroma8(src, s, fx, fy, &mut one);
            for r in 0..8 {
                prop_assert_eq!(&want[16 * r + 8 * c..16 * r + 8 * c + 8], &one[8 * r..8 * r + 8]);
            }
        }
        for k in tables() {
            let mut got = [7u8; 128];
            (k.mc_chroma8x2)(cb, &cr, s, fx, fy, &mut got);
            prop_assert_eq!(&got[..], &want[..], "{:?}", k.isa);
        }
    }
}

/// Prefetching is a hint: nothing observable changes, and the data is borrowed immutably, so
/// what can be tested is that no offsets (past the end, huge, stride 0) panic (the overflow
/// checks are on in tests), and that the bound the x86 kernel keeps its addresses within the
/// data by, [`prefetch_rows_within`], is right: the safety of its `unsafe` pointer arithmetic
/// rests on that bound.
#[test]
fn prefetch_rows_is_harmless_anywhere() {
    let data: Vec<u8> = (0..1000u32).map(|v| v as u8).collect();
    for (start, stride, rows) in [
        (0, 10, 5),
        (990, 10, 5),
        (5000, 1, 3),
        (0, 0, 0),
        (0, 0, 7),
        (999, 1000, 2),
        (usize::MAX, usize::MAX, usize::MAX),
        (1, usize::MAX, 3),
    ] {
        prefetch_rows(&data, start, stride, rows);
    }
    prefetch_value(&[7u64; 40]);
    prefetch_value(&());
}

proptest! {
    /// `prefetch_rows_within` counts exactly the rows that start inside the data, against a
    /// row-by-row count (checked arithmetic: a row whose offset overflows is outside).
    #[test]
    fn prefetch_bound_is_exact(
        len in 0usize..300,
        start in prop_oneof![0usize..400, Just(usize::MAX)],
        stride in prop_oneof![0usize..64, Just(usize::MAX)],
        rows in prop_oneof![0usize..40, Just(usize::MAX)],
    ) {
        let inside = |k: usize| {
            k.checked_mul(stride)
                .and_then(|o| o.checked_add(start))
                .is_some_and(|a| a < len)
        };
        let n = prefetch_rows_within(len, start, stride, rows);
        prop_assert!(n <= rows);
        // Every counted row is inside (only the last needs checking: offsets grow with k), and
        // the next is outside unless every row was counted (stride 0 repeats row 0, as often
        // as there are bytes left).
        if n > 0 {
            prop_assert!(inside(n - 1), "row {} of {n} outside", n - 1);
        }
        if stride == 0 {
            prop_assert_eq!(n, rows.min(len.saturating_sub(start)));
        } else if n < rows {
            prop_assert!(!inside(n), "row {n} inside but not counted");
        }
    }
}
