//! Distortion measures and the rate-distortion trade-off (lambda).

use crate::common::transform::hadamard4x4;

/// Sum of absolute transformed differences of a 4x4 block of differences (raster order): the
/// Hadamard transform's absolute sum, halved — a good proxy for the bits a residual costs.
#[inline]
pub fn satd4x4_diff(d: &[i32; 16]) -> u32 {
    let mut t = *d;
    hadamard4x4(&mut t);
    t.iter().map(|v| v.unsigned_abs()).sum::<u32>().div_ceil(2)
}

/// SATD between two blocks of `w` x `h` samples (multiples of 4), each given as a slice with a
/// row stride.
pub fn satd(a: &[u8], a_stride: usize, b: &[u8], b_stride: usize, w: usize, h: usize) -> u32 {
    let mut total = 0;
    for by in (0..h).step_by(4) {
        for bx in (0..w).step_by(4) {
            let mut d = [0i32; 16];
            for y in 0..4 {
                let oa = (by + y) * a_stride + bx;
                let ob = (by + y) * b_stride + bx;
                let ra: &[u8; 4] = a[oa..oa + 4].try_into().expect("4 samples");
                let rb: &[u8; 4] = b[ob..ob + 4].try_into().expect("4 samples");
                for x in 0..4 {
                    d[y * 4 + x] = i32::from(ra[x]) - i32::from(rb[x]);
                }
            }
            total += satd4x4_diff(&d);
        }
    }
    total
}

/// Sum of absolute differences between two blocks.
pub fn sad(a: &[u8], a_stride: usize, b: &[u8], b_stride: usize, w: usize, h: usize) -> u32 {
    let mut total = 0u32;
    for y in 0..h {
        let ra = &a[y * a_stride..y * a_stride + w];
        let rb = &b[y * b_stride..y * b_stride + w];
        total += ra
            .iter()
            .zip(rb)
            .map(|(&x, &y)| u32::from(x.abs_diff(y)))
            .sum::<u32>();
    }
    total
}

/// Lambda for SATD/SAD-domain costs: about 2^((QP - 12) / 6), i.e. proportional to the
/// quantiser step, at least 1. A cost is `distortion + lambda * bits`.
pub fn lambda(qp: u8) -> u32 {
    LAMBDA[usize::from(qp.min(51))]
}

const LAMBDA: [u32; 52] = {
    // 2^((qp - 12) / 6) rounded, computed at compile time from the 6 fractional steps.
    let frac = [1000u32, 1122, 1260, 1414, 1587, 1782]; // 2^(k/6) x 1000
    let mut t = [1u32; 52];
    let mut qp = 0;
    while qp < 52 {
        let e = qp as i32 - 12;
        let octave = e.div_euclid(6);
        let k = e.rem_euclid(6) as usize;
        let v = if octave >= 0 {
            (frac[k] << octave) as u64
        } else {
            (frac[k] >> (-octave)) as u64
        };
        let r = ((v + 500) / 1000) as u32;
        t[qp] = if r == 0 { 1 } else { r };
        qp += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn satd_of_flat_difference_is_dc_only() {
        let d = [3i32; 16];
        assert_eq!(satd4x4_diff(&d), 24); // |48| / 2
        let a = [10u8; 64];
        let b = [7u8; 64];
        assert_eq!(satd(&a, 8, &b, 8, 8, 8), 96);
        assert_eq!(sad(&a, 8, &b, 8, 8, 8), 192);
    }

    #[test]
    fn lambda_doubles_every_six_qp() {
        assert_eq!(lambda(12), 1);
        assert_eq!(lambda(24), 4);
        assert_eq!(lambda(36), 16);
        assert_eq!(lambda(48), 64);
        assert_eq!(lambda(0), 1);
        for qp in 18..46u8 {
            let r = f64::from(lambda(qp + 6)) / f64::from(lambda(qp));
            assert!(
                (1.5..2.6).contains(&r),
                "qp {qp}: integer rounding keeps the ratio near 2"
            );
        }
    }
}
