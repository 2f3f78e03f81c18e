//! Per-run statistics and the closing summary line.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar on standard error when it is a terminal, hidden otherwise. With a known frame
/// count it is a bar, without one a spinner.
pub fn progress_bar(frames: Option<u64>) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    match frames {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40.cyan/blue}] {pos}/{len} frames, {per_sec}, eta {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} {elapsed_precise} {pos} frames, {per_sec}")
                .expect("valid template"),
        ),
    }
}

/// Prints the summary: on standard output, or on standard error when the stream itself goes to
/// standard output.
pub fn report(line: &str, stdout_is_busy: bool) {
    if stdout_is_busy {
        eprintln!("{line}");
    } else {
        say(line);
    }
}

/// Prints a line on standard output, ignoring a closed pipe (`rtenc ... | head -1`).
pub fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}

/// PSNR counted for a frame whose reconstruction equals the input (keeps averages finite).
pub const PSNR_CAP_DB: f64 = 100.0;

/// What one run measured.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    fps: f64,
    target_bps: Option<u32>,
    frames: u64,
    bytes: u64,
    largest: usize,
    idr: u64,
    qp_sum: u64,
    psnr_sum: f64,
    /// Time spent in `Encoder::encode`, per frame, in milliseconds.
    encode_ms: Vec<f64>,
    /// Per frame: size in bytes, keyframe, QP and PSNR-Y (for `--frame-log`).
    per_frame: Vec<(usize, bool, u8, f64)>,
}

impl Stats {
    /// Statistics for a stream at `fps`, with the rate-control target if one was set.
    pub fn new(fps: f64, target_bps: Option<u32>) -> Self {
        Stats {
            fps,
            target_bps,
            ..Default::default()
        }
    }

    /// Records one encoded frame.
    pub fn add(
        &mut self,
        bytes: usize,
        keyframe: bool,
        qp: u8,
        encode_time: Duration,
        psnr_y: f64,
    ) {
        self.frames += 1;
        self.bytes += bytes as u64;
        self.largest = self.largest.max(bytes);
        self.idr += u64::from(keyframe);
        self.qp_sum += u64::from(qp);
        self.psnr_sum += psnr_y.min(PSNR_CAP_DB);
        self.encode_ms.push(encode_time.as_secs_f64() * 1e3);
        self.per_frame.push((bytes, keyframe, qp, psnr_y));
    }

    /// Writes one CSV line per frame: index, type (I or P), bytes, QP, encode time in ms and
    /// PSNR-Y in dB, after a header line.
    pub fn write_frame_log(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        writeln!(w, "frame,type,bytes,qp,encode_ms,psnr_y")?;
        for (i, (&(bytes, key, qp, psnr), ms)) in
            self.per_frame.iter().zip(&self.encode_ms).enumerate()
        {
            let t = if key { 'I' } else { 'P' };
            writeln!(w, "{i},{t},{bytes},{qp},{ms:.3},{psnr:.3}")?;
        }
        w.flush()
    }

    /// Frames recorded.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Average bitrate in kbit/s when played at the stream's frame rate.
    pub fn kbps(&self) -> f64 {
        if self.frames == 0 {
            return 0.0;
        }
        self.bytes as f64 * 8.0 * self.fps / self.frames as f64 / 1000.0
    }

    /// Mean PSNR-Y over the frames, in dB (identical frames count as [`PSNR_CAP_DB`]).
    pub fn psnr_y(&self) -> f64 {
        if self.frames == 0 {
            0.0
        } else {
            self.psnr_sum / self.frames as f64
        }
    }

    /// The closing summary line.
    pub fn summary(&self) -> String {
        if self.frames == 0 {
            return "0 frames encoded (the input holds no complete frame)".to_string();
        }
        let mut s = format!(
            "{} frames, {} bytes, {:.1} kbit/s at {} fps | encode {:.2} ms/frame median, {:.2} ms \
             p99 | PSNR-Y {:.2} dB | {} IDR | avg QP {:.1} | largest frame {} bytes",
            self.frames,
            self.bytes,
            self.kbps(),
            fmt_fps(self.fps),
            median(&self.encode_ms),
            percentile(&self.encode_ms, 99.0),
            self.psnr_y(),
            self.idr,
            self.qp_sum as f64 / self.frames as f64,
            self.largest,
        );
        if let Some(t) = self.target_bps {
            s += &format!(
                " | achieved {:.1} kbit/s vs target {:.1} kbit/s",
                self.kbps(),
                f64::from(t) / 1000.0
            );
        }
        s
    }
}

/// `30`, `29.97`: the frame rate without needless decimals.
pub fn fmt_fps(fps: f64) -> String {
    if (fps - fps.round()).abs() < 1e-9 {
        format!("{}", fps.round() as i64)
    } else {
        format!("{fps:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// The median (mean of the two middle values for an even count); 0 for no values.
pub fn median(values: &[f64]) -> f64 {
    let v = sorted(values);
    let n = v.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The `p`-th percentile by the nearest-rank method (the smallest value with at least `p`% of
/// the values at or below it); 0 for no values.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    let v = sorted(values);
    if v.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize;
    v[rank.min(v.len()) - 1]
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_percentile() {
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[3.0]), 3.0);
        assert_eq!(median(&[5.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(percentile(&[], 99.0), 0.0);
        assert_eq!(percentile(&[7.0], 99.0), 7.0);
        let v: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&v, 100.0), 100.0);
        assert_eq!(percentile(&v, 50.0), 50.0);
        assert_eq!(percentile(&v, 0.0), 1.0);
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        // With 10 values the 99th percentile is the maximum.
        assert_eq!(percentile(&v, 99.0), 10.0);
    }

    #[test]
    fn stats_and_summary() {
        let mut s = Stats::new(30.0, Some(2_000_000));
        let ms = Duration::from_millis;
        s.add(10_000, true, 26, ms(4), 40.0);
        s.add(2_000, false, 28, ms(2), f64::INFINITY);
        s.add(3_000, false, 30, ms(3), 42.0);
        assert_eq!(s.frames(), 3);
        // 15000 bytes over 3 frames at 30 fps: 0.1 s, 1.2 Mbit/s.
        assert!((s.kbps() - 1200.0).abs() < 1e-9);
        assert!((s.psnr_y() - (40.0 + 100.0 + 42.0) / 3.0).abs() < 1e-9);
        let line = s.summary();
        for part in [
            "3 frames",
            "1200.0 kbit/s at 30 fps",
            "3.00 ms/frame median",
            "4.00 ms p99",
            "PSNR-Y 60.67 dB",
            "1 IDR",
            "avg QP 28.0",
            "largest frame 10000 bytes",
            "achieved 1200.0 kbit/s vs target 2000.0 kbit/s",
        ] {
            assert!(line.contains(part), "{part:?} missing from {line:?}");
        }
        assert!(!Stats::new(25.0, None).summary().contains("target"));
        let mut s = Stats::new(29.97, None);
        s.add(1, true, 26, ms(1), 30.0);
        assert!(!s.summary().contains("target"));
        assert!(s.summary().contains("at 29.97 fps"));
    }

    #[test]
    fn fps_formatting() {
        assert_eq!(fmt_fps(30.0), "30");
        assert_eq!(fmt_fps(30000.0 / 1001.0), "29.97");
        assert_eq!(fmt_fps(12.5), "12.5");
    }
}
