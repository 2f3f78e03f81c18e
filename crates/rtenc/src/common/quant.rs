//! Quantisation (the encoder's side) and scaling / dequantisation (8.5.12.1, 8.5.10, 8.5.11.2)
//! with flat scaling matrices (Baseline has none other).
//!
//! The encoder chooses levels with the `dsp` kernels (`code4x4`, `quant_strips`) and the
//! constants of [`params4x4`], and with [`quant_luma_dc`] / [`quant_chroma_dc`] (dead-zone
//! rounding is a decision, passed in as a [`Deadzone`]); the reconstruction uses only the dequantisation functions, which
//! are normative.

pub use crate::tables::MAX_LEVEL;
use crate::tables::{NORM_ADJUST, POS_CLASS, QUANT_MF};

/// Dead-zone rounding offsets in units of 1/2^15 of a quantisation step... expressed as the
/// fraction numerator over 2^14: intra 1/3, inter 1/6 (the classic reference choices).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadzone {
    /// Rounding offset 1/3 of a step (intra blocks).
    Intra = 0,
    /// Rounding offset 1/6 of a step (inter blocks).
    Inter = 1,
}

impl Deadzone {
    /// The rounding offset for `qbits` (at most 2^24 / 3 for qP <= 51, so it fits an `i32`).
    #[inline]
    fn offset(self, qbits: u32) -> i32 {
        match self {
            Deadzone::Intra => (1i32 << qbits) / 3,
            Deadzone::Inter => (1i32 << qbits) / 6,
        }
    }
}

use crate::dsp::scalar::quant_one;
use crate::dsp::QuantParams;

#[cfg(test)]
/// True when quantising with [`params4x4`]'s multipliers (all 16 positions) must turn the forward transform of any 4x4
/// residual whose absolute sum is `abs_sum` into zeros, so the transform can be skipped.
///
/// Coefficient (i, j) of `Cf * X * Cf^T` is a sum of residuals weighted by at most
/// `max|Cf[i]| * max|Cf[j]|`: 1 at (even, even) positions, 4 at (odd, odd), 2 at the others,
/// which are exactly [`POS_CLASS`](crate::tables::POS_CLASS)'s classes 0, 1 and 2. So `|c| <= weight * abs_sum`, and the
/// level is zero whenever `(weight * abs_sum * mf + offset) >> qbits` is: for every class,
/// `abs_sum <= (2^qbits - offset - 1) / (weight * mf)`, the smallest of which
/// [`ZERO_SUM_LIMIT`] holds per dead zone and qP.
#[inline]
pub fn quant4x4_all_zero(abs_sum: u32, qp: u8, dz: Deadzone) -> bool {
    abs_sum <= ZERO_SUM_LIMIT[dz as usize][usize::from(qp.min(51))]
}

/// The largest residual absolute sum [`quant4x4_all_zero`] accepts, per dead zone (intra,
/// inter) and qP.
const ZERO_SUM_LIMIT: [[u32; 52]; 2] = {
    let mut t = [[0u32; 52]; 2];
    let mut d = 0;
    while d < 2 {
        let mut qp = 0;
        while qp < 52 {
            let qbits = 15 + (qp / 6) as u32;
            let offset = if d == 0 {
                (1i64 << qbits) / 3
            } else {
                (1i64 << qbits) / 6
            };
            let room = (1i64 << qbits) - offset - 1;
            let weights = [1i64, 4, 2];
            let mut lim = i64::MAX;
            let mut c = 0;
            while c < 3 {
                let l = room / (weights[c] * QUANT_MF[qp % 6][c] as i64);
                if l < lim {
                    lim = l;
                }
                c += 1;
            }
            t[d][qp] = lim as u32;
            qp += 1;
        }
        d += 1;
    }
    t
};

/// The constants of [`crate::dsp::Kernels::code4x4`] for qP `qp` and dead zone `dz`: the same
/// multipliers ([`QUANT_MF`] by position), offset and zero bound ([`quant4x4_all_zero`]), and the scales
/// of [`dequant4x4`] with the shift folded in.
#[inline]
pub fn params4x4(qp: u8, dz: Deadzone) -> &'static QuantParams {
    &PARAMS4X4[dz as usize][usize::from(qp.min(51))]
}

const PARAMS4X4: [[QuantParams; 52]; 2] = {
    let empty = QuantParams {
        mf: [0; 16],
        dq: [0; 16],
        offset: 0,
        qbits: 0,
        zero_limit: 0,
    };
    let mut t = [[empty; 52]; 2];
    let mut d = 0;
    while d < 2 {
        let mut qp = 0;
        while qp < 52 {
            let qbits = 15 + (qp / 6) as u32;
            let p = &mut t[d][qp];
            p.qbits = qbits;
            p.offset = if d == 0 {
                (1i32 << qbits) / 3
            } else {
                (1i32 << qbits) / 6
            };
            p.zero_limit = ZERO_SUM_LIMIT[d][qp];
            let mut i = 0;
            while i < 16 {
                p.mf[i] = QUANT_MF[qp % 6][POS_CLASS[i]] as i16;
                p.dq[i] = (NORM_ADJUST[qp % 6][POS_CLASS[i]] << (qp / 6)) as i16;
                i += 1;
            }
            qp += 1;
        }
        d += 1;
    }
    t
};

/// Quantises the Hadamard-transformed Intra16x16 luma DC block (already halved, see
/// [`forward_luma_dc_scale`]) in place.
pub fn quant_luma_dc(block: &mut [i32; 16], qp: u8, dz: Deadzone) -> u32 {
    let qp = usize::from(qp);
    let qbits = 16 + (qp / 6) as u32;
    let mf = QUANT_MF[qp % 6][0];
    let offset = dz.offset(qbits);
    let mut nz = 0;
    for c in block.iter_mut() {
        *c = quant_one(*c, mf, offset, qbits);
        nz += (*c != 0) as u32;
    }
    nz
}

/// The encoder halves the forward Hadamard output of the luma DC (rounding to nearest) so the
/// quantiser above sees the classic `(|x| * MF + f) >> (qbits + 1)` scale.
#[inline]
pub fn forward_luma_dc_scale(v: i32) -> i32 {
    (v + if v >= 0 { 1 } else { 0 }) >> 1
}

/// Quantises the 2x2-Hadamard-transformed chroma DC block in place.
pub fn quant_chroma_dc(block: &mut [i32; 4], qp_c: u8, dz: Deadzone) -> u32 {
    let qp = usize::from(qp_c);
    let qbits = 16 + (qp / 6) as u32;
    let mf = QUANT_MF[qp % 6][0];
    let offset = dz.offset(qbits);
    let mut nz = 0;
    for c in block.iter_mut() {
        *c = quant_one(*c, mf, offset, qbits);
        nz += (*c != 0) as u32;
    }
    nz
}

#[cfg(test)]
/// Scaling of a 4x4 block's levels (8.5.12.1, flat matrices): `d = c * v << (qP / 6)`. With
/// `skip_dc` position 0 is left as is (it holds the separately reconstructed DC).
pub fn dequant4x4(block: &mut [i32; 16], qp: u8, skip_dc: bool) {
    let qp = usize::from(qp);
    let shift = qp / 6;
    let v = &NORM_ADJUST[qp % 6];
    for (i, c) in block.iter_mut().enumerate().skip(usize::from(skip_dc)) {
        *c = (*c * v[POS_CLASS[i]]) << shift;
    }
}

/// Intra16x16 luma DC: inverse Hadamard of the levels then scaling (8.5.10), in place. The
/// results are the DC values `d[0]` of the 16 4x4 blocks, in raster block order.
pub fn dequant_luma_dc(block: &mut [i32; 16], qp: u8) {
    super::transform::hadamard4x4(block);
    let qp = i32::from(qp);
    let scale = 16 * NORM_ADJUST[(qp % 6) as usize][0]; // LevelScale4x4(qP % 6, 0, 0)
    for c in block.iter_mut() {
        *c = if qp >= 36 {
            (*c * scale) << (qp / 6 - 6)
        } else {
            (*c * scale + (1 << (5 - qp / 6))) >> (6 - qp / 6)
        };
    }
}

/// 4:2:0 chroma DC: inverse 2x2 Hadamard then scaling (8.5.11.2), in place.
pub fn dequant_chroma_dc(block: &mut [i32; 4], qp_c: u8) {
    super::transform::hadamard2x2(block);
    let qp = i32::from(qp_c);
    let scale = 16 * NORM_ADJUST[(qp % 6) as usize][0];
    for c in block.iter_mut() {
        *c = ((*c * scale) << (qp / 6)) >> 5;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::scalar::{fdct4x4, idct4x4};

    /// The quantisation of a whole 4x4 block at `qp`: the scalar kernel with [`QUANT_MF`]'s
    /// multipliers by position.
    fn quant4x4(block: &mut [i32; 16], qp: u8, dz: Deadzone, skip_dc: bool) -> u32 {
        let qp = usize::from(qp.min(51));
        let qbits = 15 + (qp / 6) as u32;
        let mf = std::array::from_fn(|i| QUANT_MF[qp % 6][POS_CLASS[i]]);
        crate::dsp::scalar::quant4x4(block, &mf, dz.offset(qbits), qbits, skip_dc)
    }

    #[test]
    fn params4x4_agree_with_quant_and_dequant() {
        for dz in [Deadzone::Intra, Deadzone::Inter] {
            for qp in 0..=51u8 {
                let p = params4x4(qp, dz);
                let qbits = 15 + u32::from(qp / 6);
                assert_eq!((p.qbits, p.offset), (qbits, dz.offset(qbits)));
                assert_eq!(p.zero_limit, ZERO_SUM_LIMIT[dz as usize][usize::from(qp)]);
                for pos in 0..16 {
                    // A lone level 1 at `pos` scales to dq[pos]; a coefficient quantises with mf.
                    let mut b = [0i32; 16];
                    b[pos] = 1;
                    dequant4x4(&mut b, qp, false);
                    assert_eq!(b[pos], i32::from(p.dq[pos]));
                    let mut c = [0i32; 16];
                    c[pos] = 9000;
                    let mut expect = c;
                    quant4x4(&mut c, qp, dz, false);
                    expect[pos] = quant_one(9000, i32::from(p.mf[pos]), p.offset, qbits);
                    assert_eq!(c, expect);
                    // Transposition symmetry, which the SIMD kernels rely on.
                    let t = (pos % 4) * 4 + pos / 4;
                    assert_eq!((p.mf[pos], p.dq[pos]), (p.mf[t], p.dq[t]));
                }
            }
        }
    }

    fn lcg(seed: &mut u32) -> i32 {
        *seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (*seed >> 8) as i32
    }

    #[test]
    fn quant_dequant_round_trip_error_shrinks_with_qp() {
        let mut seed = 11;
        let mut prev_err = 0.0;
        for qp in [0u8, 6, 12, 18, 24, 30, 36, 42, 51] {
            let mut err = 0.0f64;
            for _ in 0..300 {
                let mut res = [0i32; 16];
                for v in res.iter_mut() {
                    *v = lcg(&mut seed) % 101 - 50;
                }
                let mut c = res;
                fdct4x4(&mut c);
                quant4x4(&mut c, qp, Deadzone::Intra, false);
                dequant4x4(&mut c, qp, false);
                idct4x4(&mut c);
                for k in 0..16 {
                    err += f64::from((c[k] - res[k]).pow(2));
                }
            }
            let mse = err / 4800.0;
            if qp == 0 {
                assert!(mse < 0.5, "qp 0 mse {mse}");
            }
            assert!(
                mse + 1e-9 >= prev_err * 0.8,
                "error should grow with qp: {qp} {mse}"
            );
            prev_err = mse;
        }
    }

    #[test]
    fn qstep_doubles_every_six() {
        // A DC-only residual: reconstruction stays within half a step.
        for qp in 0..=51u8 {
            for val in [-100, -7, 0, 3, 60] {
                let mut c = [val; 16];
                fdct4x4(&mut c);
                quant4x4(&mut c, qp, Deadzone::Intra, false);
                dequant4x4(&mut c, qp, false);
                idct4x4(&mut c);
                let qstep = 0.625 * 2f64.powf(f64::from(qp) / 6.0);
                assert!(
                    f64::from((c[0] - val).abs()) <= qstep * 0.67 + 1.0,
                    "qp {qp} val {val} got {}",
                    c[0]
                );
            }
        }
    }

    #[test]
    fn levels_are_clamped() {
        let mut c = [0i32; 16];
        c[0] = 16 * 255 * 16;
        quant4x4(&mut c, 0, Deadzone::Intra, false);
        assert_eq!(c[0], MAX_LEVEL);
    }

    #[test]
    fn luma_dc_path_reconstructs_flat_block() {
        for qp in [0u8, 10, 26, 40, 51] {
            // 16 blocks each with constant residual r => block DC = 16 r.
            for r in [-40, -3, 0, 5, 90] {
                if qp < 6 && r > 60 {
                    continue; // would exceed MAX_LEVEL: the encoder avoids I16x16 there
                }
                let mut dc = [16 * r; 16];
                super::super::transform::hadamard4x4(&mut dc);
                for v in dc.iter_mut() {
                    *v = forward_luma_dc_scale(*v);
                }
                quant_luma_dc(&mut dc, qp, Deadzone::Intra);
                dequant_luma_dc(&mut dc, qp);
                let mut b = [0i32; 16];
                b[0] = dc[0];
                idct4x4(&mut b);
                let qstep = 0.625 * 2f64.powf(f64::from(qp) / 6.0);
                assert!(
                    f64::from((b[5] - r).abs()) <= qstep + 1.0,
                    "qp {qp} r {r} got {}",
                    b[5]
                );
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// The zero shortcut is only ever taken where quantisation does give zeros.
        #[test]
        fn all_zero_bound_holds(
            res in proptest::collection::vec(-8i32..=8, 16),
            big in proptest::collection::vec(-255i32..=255, 16),
            use_big in proptest::bool::ANY,
            qp in 0u8..=51,
            intra in proptest::bool::ANY,
        ) {
            let dz = if intra { Deadzone::Intra } else { Deadzone::Inter };
            let src = if use_big { &big } else { &res };
            let mut c: [i32; 16] = src[..].try_into().unwrap();
            let sum: u32 = c.iter().map(|v| v.unsigned_abs()).sum();
            fdct4x4(&mut c);
            let nz = quant4x4(&mut c, qp, dz, false);
            if quant4x4_all_zero(sum, qp, dz) {
                proptest::prop_assert_eq!(nz, 0, "sum {} qp {}", sum, qp);
            }
        }
    }

    #[test]
    fn all_zero_bound_is_useful() {
        // At QP 26 a residual of absolute sum 8 always quantises to zero and is detected.
        assert!(quant4x4_all_zero(8, 26, Deadzone::Inter));
        assert!(!quant4x4_all_zero(200, 26, Deadzone::Inter));
        // The table is the bound itself: at every qP the limit passes and one more fails it.
        for dz in [Deadzone::Intra, Deadzone::Inter] {
            for qp in 0u8..=51 {
                let qbits = 15 + u32::from(qp / 6);
                let direct = |sum: u32| {
                    let mf = &QUANT_MF[usize::from(qp % 6)];
                    [(1i64, mf[0]), (4, mf[1]), (2, mf[2])]
                        .iter()
                        .all(|&(w, m)| {
                            w * i64::from(sum) * i64::from(m) + i64::from(dz.offset(qbits))
                                < 1i64 << qbits
                        })
                };
                let lim = ZERO_SUM_LIMIT[dz as usize][usize::from(qp)];
                assert!(
                    direct(lim) && quant4x4_all_zero(lim, qp, dz),
                    "{dz:?} qp {qp}"
                );
                assert!(!direct(lim + 1) && !quant4x4_all_zero(lim + 1, qp, dz));
            }
        }
    }
}
