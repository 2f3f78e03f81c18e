//! Bjøntegaard delta rate (BD-rate): the average bitrate difference between two
//! rate-distortion curves at equal quality (VCEG-M33, "Calculation of average PSNR differences
//! between RD-curves", 2001).
//!
//! Method, as in the reference spreadsheet and most tools:
//! 1. For each curve, fit log10(bitrate) as a cubic polynomial of PSNR by least squares (with
//!    exactly four points the cubic interpolates them). With fewer than four points there is no
//!    BD-rate.
//! 2. Integrate both polynomials over the PSNR interval the two curves share:
//!    `[max(min PSNR of each), min(max PSNR of each)]`. No overlap, no BD-rate.
//! 3. The mean difference of log10(rate) over that interval, `d = (∫test - ∫anchor) / (hi - lo)`,
//!    gives BD-rate = `(10^d - 1) * 100` percent: negative when the test curve needs less rate
//!    than the anchor for the same PSNR.
//!
//! PSNR is centred and scaled before fitting, which keeps the normal equations well conditioned
//! and does not change the fitted function.

/// One rate-distortion point: bitrate (any unit, the same for both curves) and PSNR in dB.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RdPoint {
    /// Bitrate (kbit/s in this crate).
    pub rate: f64,
    /// PSNR in dB.
    pub psnr: f64,
}

/// BD-rate of `test` against `anchor` in percent (negative: `test` needs less rate for the same
/// quality), or `None` when either curve has fewer than four valid points or the PSNR ranges do
/// not overlap.
pub fn bd_rate(anchor: &[RdPoint], test: &[RdPoint]) -> Option<f64> {
    let valid = |c: &[RdPoint]| -> Vec<RdPoint> {
        c.iter()
            .copied()
            .filter(|p| p.rate > 0.0 && p.rate.is_finite() && p.psnr.is_finite())
            .collect()
    };
    let (a, t) = (valid(anchor), valid(test));
    if a.len() < 4 || t.len() < 4 {
        return None;
    }
    let range = |c: &[RdPoint]| {
        c.iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                (lo.min(p.psnr), hi.max(p.psnr))
            })
    };
    let ((alo, ahi), (tlo, thi)) = (range(&a), range(&t));
    let (lo, hi) = (alo.max(tlo), ahi.min(thi));
    if hi - lo <= 1e-9 {
        return None;
    }
    let fa = Cubic::fit(&a)?;
    let ft = Cubic::fit(&t)?;
    let d = (ft.integral(lo, hi) - fa.integral(lo, hi)) / (hi - lo);
    Some((10f64.powf(d) - 1.0) * 100.0)
}

/// `log10(rate) = c0 + c1 s + c2 s^2 + c3 s^3` with `s = (psnr - mid) / scale`.
struct Cubic {
    c: [f64; 4],
    mid: f64,
    scale: f64,
}

impl Cubic {
    fn fit(points: &[RdPoint]) -> Option<Cubic> {
        let n = points.len() as f64;
        let mid = points.iter().map(|p| p.psnr).sum::<f64>() / n;
        let scale = points
            .iter()
            .map(|p| (p.psnr - mid).abs())
            .fold(0.0, f64::max)
            .max(1e-9);
        // Normal equations (X^T X) c = X^T y.
        let mut m = [[0.0f64; 5]; 4];
        for p in points {
            let s = (p.psnr - mid) / scale;
            let y = p.rate.log10();
            let pw = [1.0, s, s * s, s * s * s];
            for i in 0..4 {
                for j in 0..4 {
                    m[i][j] += pw[i] * pw[j];
                }
                m[i][4] += pw[i] * y;
            }
        }
        Some(Cubic {
            c: solve4(m)?,
            mid,
            scale,
        })
    }

    /// The integral of the polynomial over PSNR in `[lo, hi]`.
    fn integral(&self, lo: f64, hi: f64) -> f64 {
        let prim = |psnr: f64| {
            let s = (psnr - self.mid) / self.scale;
            let c = &self.c;
            // d(psnr) = scale * ds.
            self.scale
                * (c[0] * s + c[1] * s * s / 2.0 + c[2] * s.powi(3) / 3.0 + c[3] * s.powi(4) / 4.0)
        };
        prim(hi) - prim(lo)
    }
}

/// Gaussian elimination with partial pivoting on an augmented 4x5 matrix.
fn solve4(mut m: [[f64; 5]; 4]) -> Option<[f64; 4]> {
    for col in 0..4 {
        let pivot = (col..4).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-12 {
            return None; // Fewer than four distinct PSNR values.
        }
        m.swap(col, pivot);
        for row in 0..4 {
            if row != col {
                let f = m[row][col] / m[col][col];
                let pivot_row = m[col];
                for (x, p) in m[row].iter_mut().zip(pivot_row).skip(col) {
                    *x -= f * p;
                }
            }
        }
    }
    Some([
        m[0][4] / m[0][0],
        m[1][4] / m[1][1],
        m[2][4] / m[2][2],
        m[3][4] / m[3][3],
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(psnrs: &[f64], rate: impl Fn(f64) -> f64) -> Vec<RdPoint> {
        psnrs
            .iter()
            .map(|&psnr| RdPoint {
                rate: rate(psnr),
                psnr,
            })
            .collect()
    }

    #[test]
    fn identical_curves_give_zero() {
        let a = curve(&[30.0, 33.0, 36.0, 39.0], |q| 100.0 * 1.2f64.powf(q - 30.0));
        assert!(bd_rate(&a, &a).unwrap().abs() < 1e-9);
    }

    #[test]
    fn a_constant_rate_factor_is_recovered_exactly() {
        // log10(rate) is a cubic in PSNR, so the fit is exact and a curve needing 20 % less rate
        // everywhere has a BD-rate of exactly -20 %, whatever PSNR points either curve has.
        let f = |q: f64| 10f64.powf(2.0 + 0.05 * q + 0.001 * (q - 35.0).powi(3));
        let anchor = curve(&[30.0, 33.0, 36.0, 39.0, 42.0], f);
        let test = curve(&[31.0, 34.5, 37.0, 40.0], |q| 0.8 * f(q));
        let bd = bd_rate(&anchor, &test).unwrap();
        assert!((bd + 20.0).abs() < 1e-6, "{bd}");
        // And the other way round: +25 %.
        let bd = bd_rate(&test, &anchor).unwrap();
        assert!((bd - 25.0).abs() < 1e-6, "{bd}");
    }

    #[test]
    fn a_psnr_shift_gives_the_analytic_answer() {
        // rate = 2^((psnr - 30) / 6): +6 dB doubles the rate. A test curve 1 dB better at every
        // rate needs 2^(-1/6) of the rate: BD-rate = (2^(-1/6) - 1) * 100 = -10.91 %.
        let r = |q: f64| 1000.0 * 2f64.powf((q - 30.0) / 6.0);
        let anchor = curve(&[30.0, 32.0, 34.0, 36.0, 38.0], r);
        let test = curve(&[31.0, 33.0, 35.0, 37.0, 39.0], |q| r(q - 1.0));
        let expected = (2f64.powf(-1.0 / 6.0) - 1.0) * 100.0;
        let bd = bd_rate(&anchor, &test).unwrap();
        assert!((bd - expected).abs() < 1e-6, "{bd} vs {expected}");
    }

    #[test]
    fn least_squares_with_noise_stays_close() {
        let r = |q: f64| 500.0 * 10f64.powf((q - 30.0) / 15.0);
        let anchor = curve(&[30.0, 31.5, 33.0, 34.5, 36.0, 37.5], r);
        let noisy: Vec<RdPoint> = anchor
            .iter()
            .enumerate()
            .map(|(i, p)| RdPoint {
                rate: p.rate * 1.5 * if i % 2 == 0 { 1.01 } else { 0.99 },
                psnr: p.psnr,
            })
            .collect();
        let bd = bd_rate(&anchor, &noisy).unwrap();
        assert!((bd - 50.0).abs() < 2.0, "{bd}");
    }

    #[test]
    fn too_few_points_or_no_overlap_give_none() {
        let r = |q: f64| 10f64.powf(q / 10.0);
        let four = curve(&[30.0, 32.0, 34.0, 36.0], r);
        let three = curve(&[30.0, 32.0, 34.0], r);
        let far = curve(&[40.0, 42.0, 44.0, 46.0], r);
        assert_eq!(bd_rate(&four, &three), None);
        assert_eq!(bd_rate(&four, &far), None);
        let repeated = curve(&[30.0, 30.0, 30.0, 34.0], r);
        assert_eq!(bd_rate(&four, &repeated), None);
        let bad = vec![
            RdPoint {
                rate: 0.0,
                psnr: 31.0,
            };
            4
        ];
        assert_eq!(bd_rate(&four, &bad), None);
    }
}
