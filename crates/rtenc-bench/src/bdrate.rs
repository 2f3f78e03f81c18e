//! Bjøntegaard delta rate (BD-rate): the average bitrate difference between two
//! rate-distortion curves at equal quality (VCEG-M33, "Calculation of average PSNR differences
//! between RD-curves", 2001), in two variants.
//!
//! Both take each curve as log10(bitrate) as a function of PSNR, integrate the two functions
//! over the PSNR interval the curves share, `[max(min PSNR of each), min(max PSNR of each)]`,
//! and turn the mean difference `d = (∫test - ∫anchor) / (hi - lo)` into
//! BD-rate = `(10^d - 1) * 100` percent: negative when the test curve needs less rate than the
//! anchor for the same PSNR. Each curve needs at least four points with distinct PSNR values,
//! and the ranges must overlap; otherwise there is no BD-rate (`None`).
//!
//! - [`Method::Polynomial`]: the original: a cubic polynomial fitted by least squares (with
//!   exactly four points it interpolates them). PSNR is centred and scaled before fitting,
//!   which keeps the normal equations well conditioned and does not change the fit.
//! - [`Method::Pchip`]: piecewise cubic Hermite interpolation with monotonicity-preserving
//!   slopes (Fritsch-Carlson, as MATLAB's `pchip`), the variant later adopted by JVET and AOM
//!   test conditions. It passes through every point and never overshoots between them, so it
//!   stays sane on curves that saturate (screen content that is already coded well at the
//!   lower bitrates), where the polynomial can swing by orders of magnitude. The benchmark's
//!   tables use it. Points with equal PSNR are merged (mean log-rate).
//!
//! Both reproduce exactly any curve whose log-rate is linear in PSNR (the tests use that for
//! known answers); the polynomial also any cubic.

/// How a curve is interpolated between its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    /// Least-squares cubic polynomial of log-rate against PSNR (VCEG-M33).
    Polynomial,
    /// Piecewise cubic Hermite interpolation (monotone, Fritsch-Carlson).
    Pchip,
}

/// One rate-distortion point: bitrate (any unit, the same for both curves) and PSNR in dB.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RdPoint {
    /// Bitrate (kbit/s in this crate).
    pub rate: f64,
    /// PSNR in dB.
    pub psnr: f64,
}

/// BD-rate of `test` against `anchor` in percent (negative: `test` needs less rate for the same
/// quality), or `None` when either curve has fewer than four points with distinct PSNR values or
/// the PSNR ranges do not overlap.
pub fn bd_rate(anchor: &[RdPoint], test: &[RdPoint], method: Method) -> Option<f64> {
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
    let d = match method {
        Method::Polynomial => {
            let fa = Cubic::fit(&a)?;
            let ft = Cubic::fit(&t)?;
            (ft.integral(lo, hi) - fa.integral(lo, hi)) / (hi - lo)
        }
        Method::Pchip => {
            let fa = Pchip::new(&a)?;
            let ft = Pchip::new(&t)?;
            (ft.integral(lo, hi) - fa.integral(lo, hi)) / (hi - lo)
        }
    };
    Some((10f64.powf(d) - 1.0) * 100.0)
}

/// A monotone piecewise cubic Hermite interpolant of log10(rate) against PSNR.
struct Pchip {
    x: Vec<f64>,
    y: Vec<f64>,
    d: Vec<f64>,
}

impl Pchip {
    fn new(points: &[RdPoint]) -> Option<Pchip> {
        let mut p: Vec<(f64, f64)> = points.iter().map(|p| (p.psnr, p.rate.log10())).collect();
        p.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Merge equal PSNR values.
        let (mut x, mut y): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
        let mut i = 0;
        while i < p.len() {
            let mut j = i;
            let mut sum = 0.0;
            while j < p.len() && p[j].0 - p[i].0 < 1e-9 {
                sum += p[j].1;
                j += 1;
            }
            x.push(p[i].0);
            y.push(sum / (j - i) as f64);
            i = j;
        }
        let n = x.len();
        if n < 4 {
            return None;
        }
        let h: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
        let delta: Vec<f64> = (0..n - 1).map(|k| (y[k + 1] - y[k]) / h[k]).collect();
        let mut d = vec![0.0; n];
        for k in 1..n - 1 {
            if delta[k - 1] * delta[k] > 0.0 {
                let w1 = 2.0 * h[k] + h[k - 1];
                let w2 = h[k] + 2.0 * h[k - 1];
                d[k] = (w1 + w2) / (w1 / delta[k - 1] + w2 / delta[k]);
            }
        }
        let end = |h0: f64, h1: f64, d0: f64, d1: f64| {
            let s = ((2.0 * h0 + h1) * d0 - h0 * d1) / (h0 + h1);
            if s * d0 <= 0.0 {
                0.0
            } else if d0 * d1 <= 0.0 && s.abs() > 3.0 * d0.abs() {
                3.0 * d0
            } else {
                s
            }
        };
        d[0] = end(h[0], h[1], delta[0], delta[1]);
        d[n - 1] = end(h[n - 2], h[n - 3], delta[n - 2], delta[n - 3]);
        Some(Pchip { x, y, d })
    }

    /// The integral over `[lo, hi]` (inside the points' range).
    fn integral(&self, lo: f64, hi: f64) -> f64 {
        let mut total = 0.0;
        for k in 0..self.x.len() - 1 {
            let (x0, x1) = (self.x[k], self.x[k + 1]);
            let (a, b) = (lo.max(x0), hi.min(x1));
            if b <= a {
                continue;
            }
            let h = x1 - x0;
            // Antiderivatives of the Hermite basis functions in t = (x - x0) / h.
            let prim = |t: f64| {
                let (t2, t3, t4) = (t * t, t * t * t, t * t * t * t);
                let h00 = t - t3 + t4 / 2.0;
                let h10 = t2 / 2.0 - 2.0 * t3 / 3.0 + t4 / 4.0;
                let h01 = t3 - t4 / 2.0;
                let h11 = -t3 / 3.0 + t4 / 4.0;
                h * (h00 * self.y[k]
                    + h10 * h * self.d[k]
                    + h01 * self.y[k + 1]
                    + h11 * h * self.d[k + 1])
            };
            total += prim((b - x0) / h) - prim((a - x0) / h);
        }
        total
    }
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

    use Method::{Pchip, Polynomial};

    #[test]
    fn identical_curves_give_zero() {
        let a = curve(&[30.0, 33.0, 36.0, 39.0], |q| 100.0 * 1.2f64.powf(q - 30.0));
        for m in [Polynomial, Pchip] {
            assert!(bd_rate(&a, &a, m).unwrap().abs() < 1e-9);
        }
        // Saturating, non-monotonic data too.
        let sat = vec![
            RdPoint {
                rate: 1030.0,
                psnr: 28.33,
            },
            RdPoint {
                rate: 2088.0,
                psnr: 40.70,
            },
            RdPoint {
                rate: 2766.0,
                psnr: 41.46,
            },
            RdPoint {
                rate: 2833.0,
                psnr: 41.50,
            },
        ];
        assert!(bd_rate(&sat, &sat, Pchip).unwrap().abs() < 1e-9);
    }

    #[test]
    fn pchip_stays_between_the_points_where_the_polynomial_swings() {
        // A curve that saturates (as screen content does): the test curve needs about half the
        // rate of the anchor at every measured point, so the BD-rate must lie between the
        // point-wise extremes.
        let anchor = vec![
            RdPoint {
                rate: 977.0,
                psnr: 31.64,
            },
            RdPoint {
                rate: 1837.0,
                psnr: 40.62,
            },
            RdPoint {
                rate: 3311.0,
                psnr: 49.84,
            },
            RdPoint {
                rate: 5893.0,
                psnr: 56.52,
            },
        ];
        let test = vec![
            RdPoint {
                rate: 500.0,
                psnr: 30.0,
            },
            RdPoint {
                rate: 1000.0,
                psnr: 41.0,
            },
            RdPoint {
                rate: 1500.0,
                psnr: 41.4,
            },
            RdPoint {
                rate: 1550.0,
                psnr: 41.5,
            },
        ];
        let bd = bd_rate(&anchor, &test, Pchip).unwrap();
        assert!((-60.0..-30.0).contains(&bd), "{bd}");
    }

    #[test]
    fn pchip_is_exact_for_exponential_curves_with_uneven_points() {
        let r = |q: f64| 300.0 * 10f64.powf((q - 30.0) / 12.0);
        let anchor = curve(&[29.0, 30.5, 34.0, 35.0, 41.0], r);
        let test = curve(&[30.0, 33.0, 33.5, 40.0], |q| 0.7 * r(q));
        let bd = bd_rate(&anchor, &test, Pchip).unwrap();
        assert!((bd + 30.0).abs() < 1e-9, "{bd}");
    }

    #[test]
    fn a_constant_rate_factor_is_recovered_exactly() {
        // log10(rate) is a cubic in PSNR, so the fit is exact and a curve needing 20 % less rate
        // everywhere has a BD-rate of exactly -20 %, whatever PSNR points either curve has.
        let f = |q: f64| 10f64.powf(2.0 + 0.05 * q + 0.001 * (q - 35.0).powi(3));
        let anchor = curve(&[30.0, 33.0, 36.0, 39.0, 42.0], f);
        let test = curve(&[31.0, 34.5, 37.0, 40.0], |q| 0.8 * f(q));
        let bd = bd_rate(&anchor, &test, Polynomial).unwrap();
        assert!((bd + 20.0).abs() < 1e-6, "{bd}");
        // And the other way round: +25 %.
        let bd = bd_rate(&test, &anchor, Polynomial).unwrap();
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
        for m in [Polynomial, Pchip] {
            let bd = bd_rate(&anchor, &test, m).unwrap();
            assert!((bd - expected).abs() < 1e-6, "{m:?}: {bd} vs {expected}");
        }
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
        for m in [Polynomial, Pchip] {
            let bd = bd_rate(&anchor, &noisy, m).unwrap();
            assert!((bd - 50.0).abs() < 2.0, "{m:?}: {bd}");
        }
    }

    #[test]
    fn too_few_points_or_no_overlap_give_none() {
        let r = |q: f64| 10f64.powf(q / 10.0);
        let four = curve(&[30.0, 32.0, 34.0, 36.0], r);
        let three = curve(&[30.0, 32.0, 34.0], r);
        let far = curve(&[40.0, 42.0, 44.0, 46.0], r);
        let repeated = curve(&[30.0, 30.0, 30.0, 34.0], r);
        for m in [Polynomial, Pchip] {
            assert_eq!(bd_rate(&four, &three, m), None);
            assert_eq!(bd_rate(&four, &far, m), None);
            assert_eq!(bd_rate(&four, &repeated, m), None);
        }
        let bad = vec![
            RdPoint {
                rate: 0.0,
                psnr: 31.0,
            };
            4
        ];
        assert_eq!(bd_rate(&four, &bad, Pchip), None);
    }
}
