//! Pictures with plotters (bitmap backend, PNG). Text uses the Hack font embedded by the
//! `epaint_default_fonts` crate through plotters' `ab_glyph` feature, so no system font library
//! (fontconfig, freetype) is needed.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::front::Front;
use crate::report::curve;
use crate::run::Peer;
use crate::ClipResult;

const FONT: &str = "sans-serif";

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is a valid TrueType file compiled into the crate; failure would be a bug.
        if plotters::style::register_font(
            FONT,
            FontStyle::Normal,
            epaint_default_fonts::HACK_REGULAR,
        )
        .is_err()
        {
            eprintln!("rtenc-bench: warning: the embedded font did not load");
        }
    });
}

/// A colour per encoder, fixed by its position in the run (20 before they repeat: a ladder of
/// rtenc and x264 presets at two thread counts is a dozen encoders or more).
fn colour(i: usize) -> RGBColor {
    const C: [RGBColor; 20] = [
        RGBColor(214, 39, 40),
        RGBColor(255, 127, 14),
        RGBColor(31, 119, 180),
        RGBColor(23, 190, 207),
        RGBColor(44, 160, 44),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(0, 0, 0),
        RGBColor(120, 0, 0),
        RGBColor(0, 60, 130),
        RGBColor(0, 110, 60),
        RGBColor(90, 40, 140),
        RGBColor(200, 160, 0),
        RGBColor(255, 80, 160),
        RGBColor(0, 150, 150),
        RGBColor(160, 100, 30),
        RGBColor(90, 160, 255),
    ];
    C[i % C.len()]
}

fn err(path: &Path, e: impl std::fmt::Display) -> String {
    format!("{}: cannot draw: {e}", path.display())
}

/// Draws the clip's pictures into `dir` and returns their paths: `rd-<clip>.png` (PSNR-Y against
/// achieved kbit/s, one line per encoder) and `time-<clip>.png` (the cumulative distribution of
/// per-frame encode times at the reference bitrate).
pub fn clip_pictures(r: &ClipResult, peers: &[Peer], dir: &Path) -> Result<Vec<PathBuf>, String> {
    register_font();
    let rd = dir.join(format!("rd-{}.png", r.name));
    rd_plot(r, peers, &rd)?;
    let time = dir.join(format!("time-{}.png", r.name));
    time_plot(r, peers, &time)?;
    Ok(vec![rd, time])
}

/// Range with a margin, never empty.
fn span(values: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && (!log || *v > 0.0))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (1.0, 10.0);
    }
    if log {
        (lo / 1.25, hi * 1.25)
    } else {
        let m = ((hi - lo) * 0.08).max(0.5);
        (lo - m, hi + m)
    }
}

/// Tick values for a log axis over `[lo, hi]`: 1-2-5 per decade, or finer when the range is
/// under a decade (plotters' own log ticks are the powers of ten only, often one or none).
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mantissas: &[f64] = if hi / lo < 4.0 {
        &[1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    } else if hi / lo < 12.0 {
        &[1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.0]
    } else if hi / lo < 1000.0 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let mut ticks = Vec::new();
    if !(lo > 0.0 && hi > lo && lo.is_finite() && hi.is_finite()) {
        return ticks;
    }
    let mut decade = 10f64.powf(lo.log10().floor());
    while decade <= hi {
        for &m in mantissas {
            let v = m * decade;
            if v >= lo && v <= hi {
                ticks.push(v);
            }
        }
        decade *= 10.0;
    }
    ticks
}

/// A tick's label: no more decimals than it needs (the ticks are 1-2-5-like values).
fn tick_label(v: f64) -> String {
    let s = if v >= 10.0 {
        format!("{v:.0}")
    } else if v >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn rd_plot(r: &ClipResult, peers: &[Peer], path: &Path) -> Result<(), String> {
    let curves: Vec<(String, Vec<(f64, f64)>)> = peers
        .iter()
        .map(|p| {
            let mut c: Vec<(f64, f64)> = curve(r, p).iter().map(|q| (q.rate, q.psnr)).collect();
            c.sort_by(|a, b| a.0.total_cmp(&b.0));
            (p.label(), c)
        })
        .collect();
    let (x0, x1) = span(curves.iter().flat_map(|c| c.1.iter().map(|p| p.0)), true);
    let (y0, y1) = span(curves.iter().flat_map(|c| c.1.iter().map(|p| p.1)), false);
    let root = BitMapBackend::new(path, (1100, 750)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(path, e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{}: PSNR-Y against bitrate", r.name),
            (FONT, 26).into_font(),
        )
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(
            (x0..x1).log_scale().with_key_points(log_ticks(x0, x1)),
            y0..y1,
        )
        .map_err(|e| err(path, e))?;
    chart
        .configure_mesh()
        .x_desc("achieved kbit/s (log scale)")
        .x_labels(8)
        .x_label_formatter(&|v| tick_label(*v))
        .y_desc("PSNR-Y (dB)")
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()
        .map_err(|e| err(path, e))?;
    for (i, (label, pts)) in curves.iter().enumerate() {
        let c = colour(i);
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(2)))
            .map_err(|e| err(path, e))?
            .label(label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3)));
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 4, c.filled())))
            .map_err(|e| err(path, e))?;
    }
    legend(&mut chart, path)?;
    root.present().map_err(|e| err(path, e))
}

fn legend<'a, 'b: 'a>(
    chart: &mut ChartContext<
        'a,
        BitMapBackend<'b>,
        Cartesian2d<impl Ranged<ValueType = f64>, RangedCoordf64>,
    >,
    path: &Path,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font((FONT, 16))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(path, e))
}

fn time_plot(r: &ClipResult, peers: &[Peer], path: &Path) -> Result<(), String> {
    let series: Vec<(String, Vec<f64>)> = peers
        .iter()
        .filter_map(|p| {
            let row = r
                .rows
                .iter()
                .find(|x| &x.peer == p && x.scale == r.reference_scale)?;
            let mut t = row.m.frame_ms.clone();
            t.sort_by(f64::total_cmp);
            Some((p.label(), t))
        })
        .collect();
    let (x0, x1) = span(series.iter().flat_map(|s| s.1.iter().copied()), true);
    let target = r
        .rows
        .iter()
        .find(|x| x.scale == r.reference_scale)
        .map_or(0, |x| x.target / 1000);
    let root = BitMapBackend::new(path, (1100, 750)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(path, e))?;
    draw_cdf(&root, r, target, &series, (x0, x1), path)?;
    root.present().map_err(|e| err(path, e))
}

fn draw_cdf(
    root: &DrawingArea<BitMapBackend<'_>, Shift>,
    r: &ClipResult,
    target: u32,
    series: &[(String, Vec<f64>)],
    (x0, x1): (f64, f64),
    path: &Path,
) -> Result<(), String> {
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!("{}: per-frame encode time at {target} kbit/s", r.name),
            (FONT, 26).into_font(),
        )
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(
            (x0..x1).log_scale().with_key_points(log_ticks(x0, x1)),
            0.0..1.0,
        )
        .map_err(|e| err(path, e))?;
    chart
        .configure_mesh()
        .x_desc("ms per frame (log scale)")
        .x_labels(8)
        .x_label_formatter(&|v| tick_label(*v))
        .y_desc("fraction of frames encoded within")
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()
        .map_err(|e| err(path, e))?;
    for (i, (label, times)) in series.iter().enumerate() {
        let c = colour(i);
        let n = times.len().max(1) as f64;
        // A step function: after the k-th fastest frame, k / n of the frames are done.
        let mut pts = Vec::with_capacity(times.len() * 2);
        for (k, &t) in times.iter().enumerate() {
            pts.push((t, k as f64 / n));
            pts.push((t, (k + 1) as f64 / n));
        }
        chart
            .draw_series(LineSeries::new(pts, c.stroke_width(2)))
            .map_err(|e| err(path, e))?
            .label(label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3)));
    }
    legend(&mut chart, path)
}

/// The colour of an encoder on the front.
fn family_colour(encoder: &str) -> RGBColor {
    match encoder {
        "rtenc" => RGBColor(214, 39, 40),
        "x264" => RGBColor(31, 119, 180),
        _ => RGBColor(44, 160, 44),
    }
}

/// Draws `front-<clip>.png`: one panel per thread count, ms/frame (log) across, BD-rate against
/// the anchor up, one line per encoder through its presets, each point named by its preset. The
/// panels share their axes.
pub fn front_plot(r: &ClipResult, fronts: &[Front], path: &Path) -> Result<(), String> {
    register_font();
    let points = || {
        fronts
            .iter()
            .flat_map(|f| f.series.iter().flat_map(|s| s.points.iter()))
            .filter(|p| p.bd_rate.is_some() && p.ms > 0.0)
    };
    let (x0, x1) = span(points().map(|p| p.ms), true);
    let (y0, y1) = span(points().filter_map(|p| p.bd_rate).chain([0.0]), false);
    // Room above for the preset names.
    let y1 = y1 + (y1 - y0) * 0.04;
    let n = fronts.len().max(1);
    let root = BitMapBackend::new(path, (50 + 850 * n as u32, 760)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(path, e))?;
    let target = r
        .rows
        .iter()
        .find(|x| x.scale == r.reference_scale)
        .map_or(0, |x| x.target / 1000);
    let root = root
        .titled(&format!("{}: speed-quality front", r.name), (FONT, 24))
        .map_err(|e| err(path, e))?;
    for (f, area) in fronts.iter().zip(root.split_evenly((1, n))) {
        let mut chart = ChartBuilder::on(&area)
            .caption(
                format!(
                    "{} thread{}; time at {target} kbit/s, BD-rate over all bitrates",
                    f.threads,
                    if f.threads == 1 { "" } else { "s" }
                ),
                (FONT, 17).into_font(),
            )
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(
                (x0..x1).log_scale().with_key_points(log_ticks(x0, x1)),
                y0..y1,
            )
            .map_err(|e| err(path, e))?;
        chart
            .configure_mesh()
            .x_desc("p50 ms per frame (log scale)")
            .x_labels(8)
            .x_label_formatter(&|v| tick_label(*v))
            .y_desc(format!(
                "BD-rate against {} (%; lower is better)",
                f.anchor.label()
            ))
            .y_label_formatter(&|v| format!("{v:+.0}"))
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(|e| err(path, e))?;
        // The anchor's level.
        chart
            .draw_series(LineSeries::new(
                [(x0, 0.0), (x1, 0.0)],
                RGBColor(150, 150, 150).stroke_width(1),
            ))
            .map_err(|e| err(path, e))?;
        for series in &f.series {
            let c = family_colour(series.encoder);
            let pts: Vec<(f64, f64, String)> = series
                .points
                .iter()
                .filter_map(|p| {
                    let name = p.peer.preset_name().unwrap_or(series.encoder).to_string();
                    Some((p.ms, p.bd_rate?, name))
                })
                .collect();
            if pts.is_empty() {
                continue; // No BD-rate (the table says n/a).
            }
            chart
                .draw_series(LineSeries::new(
                    pts.iter().map(|p| (p.0, p.1)),
                    c.stroke_width(2),
                ))
                .map_err(|e| err(path, e))?
                .label(format!("{} t{}", series.encoder, f.threads.max(1)))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3))
                });
            chart
                .draw_series(pts.iter().map(|p| Circle::new((p.0, p.1), 5, c.filled())))
                .map_err(|e| err(path, e))?;
            chart
                .draw_series(pts.iter().map(|p| {
                    Text::new(
                        p.2.clone(),
                        (p.0, p.1),
                        (FONT, 14)
                            .into_font()
                            .color(&c)
                            .pos(Pos::new(HPos::Left, VPos::Bottom)),
                    )
                }))
                .map_err(|e| err(path, e))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((FONT, 16))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| err(path, e))?;
    }
    root.present().map_err(|e| err(path, e))
}
