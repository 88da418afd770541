//! Pictures of level over time, drawn on the server as inline SVG: a step chart with one line
//! per source and dates on its axis, and a sparkline per source.
//!
//! This module owns the geometry (times onto x, levels 1-4 onto y) and the SVG text; the
//! dashboard decides what to draw. Pages stay script-free: an SVG here is markup and
//! presentation attributes only, every label escaped. Pure: values in, strings out, and the end
//! of the time axis is a parameter, never the clock.

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Utc};

use crate::present::html::escape;

/// One line of a chart: a source's level from each version on; `None` while withdrawn.
#[derive(Debug, Clone)]
pub struct Series {
    /// What the line is, for the legend (a government's name).
    pub label: String,
    /// The source it draws, for `data-source`.
    pub source: String,
    /// When each version began, and its level; oldest first.
    pub points: Vec<(DateTime<Utc>, Option<u8>)>,
}

/// Line colours and dash patterns, so lines differ without colour too.
const STROKES: [(&str, &str); 6] = [
    ("#162e51", ""),
    ("#c05600", "6 3"),
    ("#2e8540", "2 3"),
    ("#8a1c7c", "8 3 2 3"),
    ("#005ea2", "4 4"),
    ("#5c5c5c", "1 2"),
];

struct Frame {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Frame {
    fn x(&self, at: DateTime<Utc>) -> f64 {
        let span = (self.end - self.start).num_seconds().max(1) as f64;
        let offset = (at.clamp(self.start, self.end) - self.start).num_seconds() as f64;
        self.left + (self.right - self.left) * offset / span
    }

    fn y(&self, level: u8) -> f64 {
        let step = (self.bottom - self.top) / 3.0;
        self.top + f64::from(4 - level.clamp(1, 4)) * step
    }
}

/// The path of one series: a step for each level move, up to `end`; a withdrawn stretch is a
/// gap.
/// Returns the `d` text and the number of points (vertices) drawn.
fn step_path(frame: &Frame, points: &[(DateTime<Utc>, Option<u8>)]) -> (String, usize) {
    let mut d = String::new();
    let mut vertices = 0;
    let mut current: Option<u8> = None;
    for (at, level) in points {
        let x = frame.x(*at);
        match (current, level) {
            (Some(was), Some(level)) if was == *level => {}
            (Some(_), Some(level)) => {
                let _ = write!(d, " H{x:.1} V{:.1}", frame.y(*level));
                vertices += 2;
            }
            (None, Some(level)) => {
                let _ = write!(d, "{}M{x:.1} {:.1}", sep(&d), frame.y(*level));
                vertices += 1;
            }
            (Some(_), None) => {
                let _ = write!(d, " H{x:.1}");
                vertices += 1;
            }
            (None, None) => {}
        }
        current = *level;
    }
    if current.is_some() {
        let _ = write!(d, " H{:.1}", frame.right);
        vertices += 1;
    }
    (d, vertices)
}

fn sep(d: &str) -> &'static str {
    if d.is_empty() { "" } else { " " }
}

/// Dates to mark on an axis from `start` to `end`: both ends, and the first of each month (or
/// year, over a long span) between them, at most about six.
fn ticks(start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<(DateTime<Utc>, String)> {
    let days = (end - start).num_days();
    let step_months = match days {
        ..=120 => 1,
        121..=400 => 3,
        401..=1100 => 6,
        _ => 12,
    };
    let mut out = Vec::new();
    let mut month = start.date_naive().with_day(1).unwrap_or(start.date_naive());
    for _ in 0..240 {
        month = match month.checked_add_months(chrono::Months::new(1)) {
            Some(next) => next,
            None => break,
        };
        let at = month.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        let Some(at) = at else { break };
        if at >= end {
            break;
        }
        if (month.month0() as i32) % step_months == 0 {
            out.push((at, month.format("%b %Y").to_string()));
        }
    }
    out
}

/// A step chart of level over time, one line per series, levels 1-4 on the y axis and dates on
/// the x axis, from `start` to `end`. Each line is a `<path>` with `data-source` and
/// `data-points` (its vertices), and a legend names them.
pub fn step_chart(series: &[Series], start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    let (width, height) = (900.0, 260.0);
    let frame = Frame {
        start,
        end: end.max(start + chrono::Duration::days(1)),
        left: 44.0,
        right: width - 16.0,
        top: 16.0,
        bottom: height - 60.0,
    };
    let mut out = format!(
        "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {width} {height}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" xmlns=\"http://www.w3.org/2000/svg\"><title>Level over time, {} to {}</title>",
        start.format("%Y-%m-%d"),
        end.format("%Y-%m-%d")
    );
    for level in 1..=4u8 {
        let y = frame.y(level);
        let _ = write!(
            out,
            "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#dfe1e2\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\" fill=\"#5c5c5c\">L{level}</text>",
            frame.left,
            frame.right,
            frame.left - 8.0,
            y + 4.0
        );
    }
    let axis = frame.bottom + 14.0;
    let mut marks = vec![(frame.start, frame.start.format("%Y-%m-%d").to_string())];
    let inner = ticks(frame.start, frame.end);
    let min_gap = 70.0;
    for (at, label) in inner {
        let x = frame.x(at);
        if x - frame.x(marks.last().map_or(frame.start, |m| m.0)) >= min_gap
            && frame.right - x >= min_gap
        {
            marks.push((at, label));
        }
    }
    for (index, (at, label)) in marks.iter().enumerate() {
        let x = frame.x(*at);
        let anchor = if index == 0 { "start" } else { "middle" };
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#dfe1e2\"/><text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"{anchor}\" fill=\"#5c5c5c\">{}</text>",
            frame.top,
            frame.bottom,
            axis + 4.0,
            escape(label)
        );
    }
    let _ = write!(
        out,
        "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\" fill=\"#5c5c5c\">{}</text>",
        frame.right,
        axis + 4.0,
        frame.end.format("%Y-%m-%d")
    );
    let legend_y = height - 14.0;
    let mut legend_x = frame.left;
    for (index, line) in series.iter().enumerate() {
        let (colour, dash) = STROKES[index % STROKES.len()];
        let (d, vertices) = step_path(&frame, &line.points);
        let dash = if dash.is_empty() {
            String::new()
        } else {
            format!(" stroke-dasharray=\"{dash}\"")
        };
        if !d.is_empty() {
            let _ = write!(
                out,
                "<path d=\"{d}\" data-source=\"{}\" data-points=\"{vertices}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{}\"{dash}><title>{}</title></path>",
                escape(&line.source),
                if index == 0 { 3.0 } else { 2.5 },
                escape(&line.label)
            );
        }
        let _ = write!(
            out,
            "<line x1=\"{legend_x:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"3\"{dash}/><text x=\"{:.1}\" y=\"{legend_y:.1}\" font-size=\"13\" fill=\"#1b1b1b\">{}</text>",
            legend_x + 24.0,
            legend_y - 4.0,
            legend_y - 4.0,
            legend_x + 30.0,
            escape(&line.label)
        );
        legend_x += 48.0 + 7.5 * line.label.chars().count() as f64;
    }
    out.push_str("</svg>");
    out
}

/// A small line of one source's level from `start` to `end`, without axes: 96×24 pixels, with
/// a `<title>` that says it in words.
pub fn sparkline(
    points: &[(DateTime<Utc>, Option<u8>)],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    words: &str,
) -> String {
    let frame = Frame {
        start,
        end: end.max(start + chrono::Duration::days(1)),
        left: 1.0,
        right: 95.0,
        top: 3.0,
        bottom: 21.0,
    };
    let (d, vertices) = step_path(&frame, points);
    format!(
        "<svg class=\"spark\" role=\"img\" width=\"96\" height=\"24\" viewBox=\"0 0 96 24\" xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title><path d=\"{d}\" data-points=\"{vertices}\" fill=\"none\" stroke=\"#162e51\" stroke-width=\"2\"/></svg>",
        escape(words)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> DateTime<Utc> {
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .expect("date")
            .and_hms_opt(12, 0, 0)
            .expect("noon")
            .and_utc()
    }

    #[test]
    fn a_step_per_version_and_a_gap_while_withdrawn() {
        let series = Series {
            label: "us-cuba".to_owned(),
            source: "us-cuba".to_owned(),
            points: vec![
                (day("2026-01-01"), Some(1)),
                (day("2026-02-12"), Some(3)),
                (day("2026-03-01"), None),
                (day("2026-03-10"), Some(2)),
            ],
        };
        let svg = step_chart(&[series], day("2026-01-01"), day("2026-04-01"));
        let d = regex::Regex::new(r#"<path d="([^"]+)" data-source="us-cuba" data-points="(\d+)""#)
            .expect("re");
        let caps = d.captures(&svg).expect("a path for the source");
        assert_eq!(
            caps[1].matches('M').count(),
            2,
            "the withdrawn stretch is a gap"
        );
        assert_eq!(&caps[2], "6", "{}", &caps[1]);
        assert!(svg.contains(">2026-01-01<") && svg.contains(">2026-04-01<"));
        assert!(svg.contains(">Feb 2026<"), "month ticks: {svg}");
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn labels_are_escaped() {
        let series = Series {
            label: "<script>x</script>".to_owned(),
            source: "<script>x</script>".to_owned(),
            points: vec![(day("2026-01-01"), Some(2))],
        };
        let svg = step_chart(&[series], day("2026-01-01"), day("2026-02-01"));
        assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;"));
        let spark = sparkline(
            &[(day("2026-01-01"), Some(4))],
            day("2026-01-01"),
            day("2026-02-01"),
            "<b>",
        );
        assert!(spark.contains("<title>&lt;b&gt;</title>") && spark.contains("data-points=\"2\""));
    }
}
