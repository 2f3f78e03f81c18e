//! Distortion measures and the rate-distortion trade-off (lambda).

use crate::dsp::{self, BlockSize};

/// SATD between two blocks of `w` x `h` samples (multiples of 4), each given as a slice with a
/// row stride: the sum over the 4x4 blocks of half their absolute Hadamard sum, rounded up.
/// The encoder's block sizes use the dispatched kernels ([`dsp::kernels`]).
#[inline]
pub fn satd(a: &[u8], a_stride: usize, b: &[u8], b_stride: usize, w: usize, h: usize) -> u32 {
    match BlockSize::from_dims(w, h) {
        Some(size) => (dsp::kernels().satd[size as usize])(a, a_stride, b, b_stride),
        None => dsp::scalar::satd(a, a_stride, b, b_stride, w, h),
    }
}

/// Sum of absolute differences between two blocks (dispatched like [`satd`]).
#[inline]
pub fn sad(a: &[u8], a_stride: usize, b: &[u8], b_stride: usize, w: usize, h: usize) -> u32 {
    match BlockSize::from_dims(w, h) {
        Some(size) => (dsp::kernels().sad[size as usize])(a, a_stride, b, b_stride),
        None => dsp::scalar::sad(a, a_stride, b, b_stride, w, h),
    }
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
    use crate::dsp::scalar::{satd4x4_axis, satd4x4_diff};
    use proptest::prelude::*;

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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The shortcut equals the SATD kernel on each of the three predictions.
        #[test]
        fn satd4x4_axis_equals_satd_of_each_prediction(
            src in proptest::collection::vec(any::<u8>(), 16 * 3 + 4),
            top in proptest::array::uniform4(any::<u8>()),
            left in proptest::array::uniform4(any::<u8>()),
            dc in any::<u8>(),
        ) {
            let preds: [[u8; 16]; 3] = [
                std::array::from_fn(|i| top[i % 4]),
                std::array::from_fn(|i| left[i / 4]),
                [dc; 16],
            ];
            let got = satd4x4_axis(&src, 16, &top, &left, dc);
            for (g, p) in got.iter().zip(&preds) {
                prop_assert_eq!(*g, satd(&src, 16, p, 4, 4, 4));
            }
        }
    }
}
