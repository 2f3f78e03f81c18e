//! The 4x4 integer transform and the DC Hadamard transforms.
//!
//! The 4x4 core transforms themselves are `dsp` kernels (`scalar::fdct4x4`, `scalar::idct4x4`,
//! run inside `code4x4` and the strip kernels). Forward transforms are the encoder's side (the
//! specification only defines the inverse ones); the inverse transforms follow 8.5.12.2 (4x4 residual), 8.5.10 (Intra16x16 luma DC) and
//! 8.5.11.1 (4:2:0 chroma DC) exactly, since the reconstruction must match every decoder.
//! Blocks are 16 coefficients in raster order (`x + 4 * y`).

/// 4x4 Hadamard transform (unscaled), used forward for the Intra16x16 DC coefficients and, being
/// its own inverse up to scale, for the decoder's inverse DC transform (8.5.10). The SATD
/// kernels use it too, so it lives with them in `dsp`.
pub use crate::dsp::scalar::hadamard4x4;

/// 2x2 Hadamard transform of the four chroma DC coefficients (raster order), forward and
/// inverse alike (8.5.11.1).
pub fn hadamard2x2(dc: &mut [i32; 4]) {
    let (a, b, c, d) = (dc[0], dc[1], dc[2], dc[3]);
    dc[0] = a + b + c + d;
    dc[1] = a - b + c - d;
    dc[2] = a + b - c - d;
    dc[3] = a - b - c + d;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::scalar::{fdct4x4, idct4x4};

    /// The spec's matrix form of the inverse transform, computed in rationals (x 4 to stay
    /// integral), as an independent check of the butterfly version.
    fn idct_reference(d: &[i32; 16]) -> [i32; 16] {
        // Ci with the 1/2 entries doubled.
        let ci2 = [[2, 2, 2, 1], [2, 1, -2, -2], [2, -1, -2, 2], [2, -2, 2, -1]];
        let mut out = [0i32; 16];
        // The butterfly applies >> 1 on odd inputs per pass; emulate exactly by doing the two
        // passes with the same integer semantics.
        let mut tmp = [0i32; 16];
        for i in 0..4 {
            for x in 0..4 {
                let mut acc = 0;
                for k in 0..4 {
                    let v = d[i * 4 + k];
                    acc += if ci2[x][k] % 2 == 0 {
                        ci2[x][k] / 2 * v
                    } else {
                        ci2[x][k].signum() * (v >> 1)
                    };
                }
                tmp[i * 4 + x] = acc;
            }
        }
        for j in 0..4 {
            for y in 0..4 {
                let mut acc = 0;
                for k in 0..4 {
                    let v = tmp[k * 4 + j];
                    acc += if ci2[y][k] % 2 == 0 {
                        ci2[y][k] / 2 * v
                    } else {
                        ci2[y][k].signum() * (v >> 1)
                    };
                }
                out[y * 4 + j] = (acc + 32) >> 6;
            }
        }
        out
    }

    fn lcg(seed: &mut u32) -> i32 {
        *seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (*seed >> 8) as i32
    }

    #[test]
    fn idct_matches_matrix_form() {
        let mut seed = 7;
        for _ in 0..2000 {
            let mut d = [0i32; 16];
            for v in d.iter_mut() {
                *v = lcg(&mut seed) % 8192 - 4096;
            }
            let mut b = d;
            idct4x4(&mut b);
            assert_eq!(b, idct_reference(&d));
        }
    }

    #[test]
    fn forward_then_inverse_is_scaled_identity_for_dc() {
        // A constant residual of 5 transforms to DC = 16 * 5 = 80. Dequantised DC at scale 64/16
        // (i.e. d = 80 * 4 = 320 ... ) is checked in quant's round-trip tests; here we check the
        // forward transform's known basis values.
        let mut b = [5i32; 16];
        fdct4x4(&mut b);
        assert_eq!(b[0], 80);
        assert!(b[1..].iter().all(|&v| v == 0));
        let mut h = [1i32; 16];
        hadamard4x4(&mut h);
        assert_eq!(h[0], 16);
        assert!(h[1..].iter().all(|&v| v == 0));
        let mut h2 = [3, 1, 4, 1];
        hadamard2x2(&mut h2);
        assert_eq!(h2, [9, 5, -1, -1]);
        hadamard2x2(&mut h2);
        assert_eq!(h2, [12, 4, 16, 4]); // 4 x the input: H2 * H2 = 2I on each axis
    }

    #[test]
    fn hadamard_is_involution_up_to_16() {
        let mut seed = 3;
        for _ in 0..500 {
            let mut b = [0i32; 16];
            for v in b.iter_mut() {
                *v = lcg(&mut seed) % 2000 - 1000;
            }
            let orig = b;
            hadamard4x4(&mut b);
            hadamard4x4(&mut b);
            for k in 0..16 {
                assert_eq!(b[k], orig[k] * 16);
            }
        }
    }
}
