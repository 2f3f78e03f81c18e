//! The `dsp` kernels, scalar against every SIMD level this CPU runs:
//! `cargo bench -p rtenc --bench kernels` (filter with e.g. `-- satd16x16`).
//!
//! Each group is one kernel; its members are the instruction-set levels (`scalar`, `sse2`,
//! `avx2`; `scalar`, `neon` on aarch64), so criterion prints them side by side. Every entry of
//! the `Kernels` table is benchmarked (`prediction_kernels` holds the ones no other group
//! covers). Speed cannot be measured under qemu: run the NEON numbers on Arm hardware
//! (`cargo bench -p rtenc --bench kernels` there).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use rtenc::internals::dsp::{BlockSize, Edge, Kernels};

/// Deterministic pseudo-random samples.
fn samples(n: usize, seed: u32) -> Vec<u8> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (s >> 24) as u8
        })
        .collect()
}

/// A padded 1080p-like reference row stride, so rows are far apart as in the encoder.
const REF_STRIDE: usize = 1920 + 64;

fn sad_satd(c: &mut Criterion) {
    let src = samples(16 * 16, 1);
    let refp = samples(REF_STRIDE * 20, 2);
    let off = REF_STRIDE + 3; // unaligned, as most motion vectors are
    for size in BlockSize::ALL {
        let (w, h) = size.dims();
        for (name, table) in [("sad", 0), ("satd", 1)] {
            let mut g = c.benchmark_group(format!("{name}{w}x{h}"));
            for k in Kernels::available() {
                let f = if table == 0 {
                    k.sad[size as usize]
                } else {
                    k.satd[size as usize]
                };
                g.bench_function(k.isa.name(), |b| {
                    b.iter(|| f(black_box(&src), 16, black_box(&refp[off..]), REF_STRIDE))
                });
            }
            g.finish();
        }
    }
}

fn deinterleave(c: &mut Criterion) {
    // One 1080p NV12 chroma row: 960 Cb/Cr pairs.
    let uv = samples(1920, 4);
    let (mut u, mut v) = (vec![0u8; 960], vec![0u8; 960]);
    let mut g = c.benchmark_group("deinterleave_uv_960");
    for k in Kernels::available() {
        g.bench_function(k.isa.name(), |b| {
            b.iter(|| (k.deinterleave_uv)(black_box(&uv), &mut u, &mut v))
        });
    }
    g.finish();
}

fn deblock(c: &mut Criterion) {
    // A smooth 32x24 area with a step at row / column 8: most lines get filtered.
    let stride = 32;
    let plane: Vec<u8> = (0..stride * 24)
        .map(|i| {
            let (x, y) = (i % stride, i / stride);
            (100 + if x >= 8 { 6 } else { 0 } + if y >= 8 { 6 } else { 0 } + (x * 7 + y * 3) % 3)
                as u8
        })
        .collect();
    for (name, edge) in [
        (
            "deblock_luma_edge_h_bs2",
            Edge {
                q0: 8 * stride,
                across: stride,
                along: 1,
                bs: [2; 4],
                alpha: 40,
                beta: 9,
                tc0: [2; 4],
            },
        ),
        (
            "deblock_luma_edge_h_bs4",
            Edge {
                q0: 8 * stride,
                across: stride,
                along: 1,
                bs: [4; 4],
                alpha: 40,
                beta: 9,
                tc0: [0; 4],
            },
        ),
        (
            "deblock_luma_edge_v_bs2",
            Edge {
                q0: 8,
                across: 1,
                along: stride,
                bs: [2; 4],
                alpha: 40,
                beta: 9,
                tc0: [2; 4],
            },
        ),
    ] {
        let mut g = c.benchmark_group(name);
        for k in Kernels::available() {
            let mut d = plane.clone();
            let f = k.deblock_luma_edge;
            g.bench_function(k.isa.name(), |b| {
                b.iter(|| {
                    d.copy_from_slice(&plane);
                    f(black_box(&mut d), black_box(&edge))
                })
            });
        }
        g.finish();
    }
    // The same chroma edges in both chroma planes at once.
    for (name, across, along) in [
        ("deblock_chroma_edge2_v_bs2", 1, stride),
        ("deblock_chroma_edge2_h_bs2", stride, 1),
    ] {
        let edge = Edge {
            q0: 8 * across,
            across,
            along,
            bs: [2; 4],
            alpha: 40,
            beta: 9,
            tc0: [2; 4],
        };
        let mut g = c.benchmark_group(name);
        for k in Kernels::available() {
            let (mut u, mut v) = (plane.clone(), plane.clone());
            g.bench_function(k.isa.name(), |b| {
                b.iter(|| {
                    u.copy_from_slice(&plane);
                    v.copy_from_slice(&plane);
                    (k.deblock_chroma_edge2)(black_box(&mut u), black_box(&mut v), black_box(&edge))
                })
            });
        }
        g.finish();
    }
}

/// A whole 1080p RGB(A) picture to NV12, one kernel call per row pair as
/// `rtenc::color::rgb_to_nv12` makes them (the target: <= 0.7 ms, 1 thread).
fn rgb_to_nv12(c: &mut Criterion) {
    use rtenc::color::{ChromaSiting, PixelLayout};
    let (w, h) = (1920usize, 1080usize);
    for (layout, name) in [(PixelLayout::Rgb, "rgb"), (PixelLayout::Bgra, "bgra")] {
        let bpp = layout.bytes_per_pixel();
        let src = samples(w * h * bpp, 9);
        let mut y = vec![0u8; w * h];
        let mut uv = vec![0u8; w * h / 2];
        for (siting, sname) in [
            (ChromaSiting::Average, "average"),
            (ChromaSiting::TopLeft, "topleft"),
        ] {
            let mut g = c.benchmark_group(format!("rgb_to_nv12_1080p_{name}_{sname}"));
            for k in Kernels::available() {
                let f = k.rgb_to_nv12_rows;
                g.bench_function(k.isa.name(), |b| {
                    b.iter(|| {
                        for ((pair, ys), uvr) in src
                            .chunks_exact(2 * w * bpp)
                            .zip(y.chunks_exact_mut(2 * w))
                            .zip(uv.chunks_exact_mut(w))
                        {
                            let (r0, r1) = pair.split_at(w * bpp);
                            let (y0, y1) = ys.split_at_mut(w);
                            f(r0, r1, y0, y1, uvr, layout, siting);
                        }
                        black_box(&y);
                    })
                });
            }
            g.finish();
        }
    }
}

/// The macroblock-level kernels: four-way SAD, the strips residual path of a whole 16x16 luma
/// block, and chroma interpolation of an 8x8 block.
fn macroblock_kernels(c: &mut Criterion) {
    let src = samples(16 * 16, 7);
    let refp = samples(REF_STRIDE * 24, 8);
    let offs = [
        REF_STRIDE + 3,
        REF_STRIDE + 5,
        2 * REF_STRIDE + 1,
        3 * REF_STRIDE + 4,
    ];
    let mut g = c.benchmark_group("sad16x16_x4");
    for k in Kernels::available() {
        g.bench_function(k.isa.name(), |b| {
            b.iter(|| {
                let refs = offs.map(|o| &refp[o..]);
                (k.sad16x16_x4)(black_box(&src), 16, black_box(refs), REF_STRIDE)
            })
        });
    }
    g.finish();

    // A prediction near the source, as after a good motion search.
    let pred: Vec<u8> = src
        .iter()
        .zip(samples(256, 9))
        .map(|(&s, n)| s.saturating_add(n % 9).saturating_sub(4))
        .collect();
    let q = rtenc::internals::common::quant::params4x4(
        26,
        rtenc::internals::common::quant::Deadzone::Inter,
    );
    let mut g = c.benchmark_group("quant_strips_16x16");
    for k in Kernels::available() {
        g.bench_function(k.isa.name(), |b| {
            b.iter(|| {
                let (mut levels, mut nz) = ([[0i16; 16]; 16], [0u16; 16]);
                (k.quant_strips)(
                    black_box(&src),
                    black_box(&pred),
                    q,
                    false,
                    &mut levels,
                    &mut [],
                    &mut nz,
                );
                (levels, nz)
            })
        });
    }
    g.finish();
    let (mut levels, mut nz) = ([[0i16; 16]; 16], [0u16; 16]);
    rtenc::internals::dsp::scalar::quant_strips(
        &src,
        &pred,
        q,
        false,
        &mut levels,
        &mut [],
        &mut nz,
    );
    let mut g = c.benchmark_group("recon_strips_16x16");
    for k in Kernels::available() {
        g.bench_function(k.isa.name(), |b| {
            b.iter(|| {
                let mut out = [0u8; 256];
                (k.recon_strips)(black_box(&levels), None, black_box(&pred), q, &mut out);
                out
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("mc_chroma8x8");
    for k in Kernels::available() {
        g.bench_function(k.isa.name(), |b| {
            b.iter(|| {
                let mut out = [0u8; 64];
                (k.mc_chroma8)(
                    black_box(&refp[REF_STRIDE + 3..]),
                    REF_STRIDE,
                    3,
                    5,
                    &mut out,
                );
                out
            })
        });
    }
    g.finish();
}

/// The kernels the other groups leave out: the whole-block `code4x4`, SATD against an
/// average, the average itself and the three half-sample row filters (one 1080p row).
fn prediction_kernels(c: &mut Criterion) {
    let src = samples(REF_STRIDE * 20, 11);
    let refp = samples(REF_STRIDE * 20, 12);
    let off = REF_STRIDE + 3;

    // One 4x4 block at picture strides, a prediction near the source (Intra_4x4 style).
    let pred: Vec<u8> = src
        .iter()
        .zip(samples(src.len(), 13))
        .map(|(&s, n)| s.saturating_add(n % 17).saturating_sub(8))
        .collect();
    let q = rtenc::internals::common::quant::params4x4(
        26,
        rtenc::internals::common::quant::Deadzone::Intra,
    );
    let mut g = c.benchmark_group("code4x4");
    for k in Kernels::available() {
        g.bench_function(k.isa.name(), |b| {
            b.iter(|| {
                let (mut levels, mut recon) = ([0i32; 16], [0u8; 4 * 32]);
                let nz = (k.code4x4)(
                    black_box(&src[off..]),
                    REF_STRIDE,
                    black_box(&pred[off..]),
                    REF_STRIDE,
                    q,
                    &mut levels,
                    &mut recon,
                    32,
                );
                (nz, levels, recon)
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("satd_avg16x16");
    for k in Kernels::available() {
        g.bench_function(k.isa.name(), |b| {
            b.iter(|| {
                (k.satd_avg16x16)(
                    black_box(&src[..256]),
                    16,
                    black_box(&refp[off..]),
                    REF_STRIDE,
                    black_box(&refp[off + 1..]),
                    REF_STRIDE,
                )
            })
        });
    }
    g.finish();

    for (w, h) in [(16usize, 16usize), (8, 8), (4, 4)] {
        let mut g = c.benchmark_group(format!("avg_block{w}x{h}"));
        for k in Kernels::available() {
            g.bench_function(k.isa.name(), |b| {
                b.iter(|| {
                    let mut out = [0u8; 256];
                    (k.avg_block)(
                        black_box(&refp[off..]),
                        REF_STRIDE,
                        black_box(&src[off + 1..]),
                        REF_STRIDE,
                        &mut out,
                        w,
                        h,
                    );
                    out
                })
            });
        }
        g.finish();
    }

    let n = 1920 + 32;
    let rows: Vec<&[u8]> = (0..6)
        .map(|k| &src[k * REF_STRIDE..k * REF_STRIDE + n + 5])
        .collect();
    let r6: [&[u8]; 6] = std::array::from_fn(|k| rows[k]);
    let mut g = c.benchmark_group("hpel_row_h_1952");
    for k in Kernels::available() {
        g.bench_function(k.isa.name(), |b| {
            let (mut b1, mut out) = (vec![0i16; n], vec![0u8; n]);
            b.iter(|| (k.hpel_row_h)(black_box(r6[0]), &mut b1, &mut out))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("hpel_row_v_1952");
    for k in Kernels::available() {
        g.bench_function(k.isa.name(), |b| {
            let (mut h1, mut out) = (vec![0i16; n], vec![0u8; n]);
            b.iter(|| (k.hpel_row_v)(black_box(r6), &mut h1, &mut out))
        });
    }
    g.finish();
    // Intermediates as the encoder feeds the centre filter: one row of vertical sums, shifted.
    let (mut h1, mut v) = (vec![0i16; n + 5], vec![0u8; n + 5]);
    let tall: [&[u8]; 6] = std::array::from_fn(|k| &src[k * REF_STRIDE..k * REF_STRIDE + n + 5]);
    rtenc::internals::dsp::scalar::hpel_row_v(tall, &mut h1, &mut v);
    let m6: [&[i16]; 6] = std::array::from_fn(|k| &h1[k..k + n]);
    let mut g = c.benchmark_group("hpel_row_c_1952");
    for k in Kernels::available() {
        g.bench_function(k.isa.name(), |b| {
            let mut out = vec![0u8; n];
            b.iter(|| (k.hpel_row_c)(black_box(m6), &mut out))
        });
    }
    g.finish();
}

criterion_group! {
    name = kernels;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(900));
    targets = sad_satd, deinterleave, deblock, rgb_to_nv12, macroblock_kernels,
        prediction_kernels
}
criterion_main!(kernels);
