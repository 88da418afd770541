//! Pictures of level over time, drawn on the server as inline SVG: a step chart with one line
//! per source and dates on its axis (with its points as a table beside it), and a sparkline
//! per source.
//!
//! This module owns the geometry (times onto x, levels 1-4 onto y, lines at one level set a
//! little apart), each government's line style, the legend's rows and the SVG text; the
//! dashboard decides what to draw. Text in an SVG scales with it, so the chart is drawn twice,
//! wide and narrow, each at a size where its text stays at least 11 CSS pixels; the stylesheet
//! shows one. Pages stay script-free: an SVG here is markup and presentation attributes only,
//! every label escaped. Pure: values in, strings out, and the end of the time axis is a
//! parameter, never the clock.

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Utc};

use crate::model::government::Government;
use crate::present::html::escape;

/// One line of a chart: a source's level from each version on; `None` while withdrawn.
#[derive(Debug, Clone)]
pub struct Series {
    /// Whose line it is: its style and the legend's words.
    pub government: Government,
    /// The source it draws, for `data-source` and the table.
    pub source: String,
    /// Whether it is the government's current reading (drawn thicker) or one of its others.
    pub current: bool,
    /// When each version began, and its level; oldest first.
    pub points: Vec<(DateTime<Utc>, Option<u8>)>,
}

/// A government's line: a colour and a dash pattern, so that lines differ without colour too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stroke {
    /// The colour (at least 3:1 against white).
    pub colour: &'static str,
    /// The `stroke-dasharray`, empty for a solid line.
    pub dash: &'static str,
}

const fn stroke(colour: &'static str, dash: &'static str) -> Stroke {
    Stroke { colour, dash }
}

/// The style of every government the program knows (`model::government`), by id: no two share
/// a colour or a dash pattern.
const KNOWN_STROKES: [(&str, Stroke); 7] = [
    ("us", stroke("#162e51", "")),
    ("uk", stroke("#b35c00", "8 3")),
    ("ca", stroke("#1a7f37", "2 3")),
    ("de", stroke("#8a1c7c", "8 3 2 3")),
    ("nl", stroke("#00778b", "4 4")),
    ("hk", stroke("#5c5c5c", "12 3 2 3 2 3")),
    ("fi", stroke("#b3261e", "12 4")),
];

/// Colours and dashes for a government the program does not know, chosen by its id; none is
/// a known government's.
const OTHER_COLOURS: [&str; 6] = [
    "#6b4c9a", "#7a5c00", "#3d5a80", "#9e2a6b", "#2f6f4f", "#6b6b00",
];
const OTHER_DASHES: [&str; 5] = ["6 2 1 2", "10 2 2 2 2 2", "3 5", "14 3 3 3", "5 2 5 6"];

/// A government's line style, the same on every page and in every release: the table's for a
/// known government, else one chosen by a hash of its id.
pub fn style(government_id: &str) -> Stroke {
    if let Some((_, known)) = KNOWN_STROKES.iter().find(|(id, _)| *id == government_id) {
        return *known;
    }
    // FNV-1a: stable across runs and platforms (std's hasher is neither promised).
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in government_id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let colours = OTHER_COLOURS.len() as u64;
    let dashes = OTHER_DASHES.len() as u64;
    stroke(
        OTHER_COLOURS[(hash % colours) as usize],
        OTHER_DASHES[((hash / colours) % dashes) as usize],
    )
}

/// The size a chart is drawn at. Its text is `font` units high, and the SVG scales with the
/// page, so it renders at `font × shown width / width` pixels.
#[derive(Debug, Clone, Copy)]
struct Layout {
    /// For element ids and the class that shows it: `wide` or `narrow`.
    name: &'static str,
    /// Whether the SVG fills its box's width (scaling with it) rather than keeping its own
    /// width (and only shrinking below it).
    fills_width: bool,
    width: f64,
    font: f64,
    plot_height: f64,
    left: f64,
    right_margin: f64,
    stroke: f64,
    dot: f64,
}

/// Shown where the page is at least 820 px wide (see `STYLE`): there the chart is at least
/// 762 px wide, and 13 units render at 11 px or more.
const WIDE: Layout = Layout {
    name: "wide",
    fills_width: true,
    width: 900.0,
    font: 13.0,
    plot_height: 190.0,
    left: 44.0,
    right_margin: 16.0,
    stroke: 2.5,
    dot: 4.5,
};

/// Shown on narrower pages, at its own width (never scaled up): 12 units stay 11 px or more
/// down to a chart 330 px wide.
const NARROW: Layout = Layout {
    name: "narrow",
    fills_width: false,
    width: 360.0,
    font: 12.0,
    plot_height: 150.0,
    left: 30.0,
    right_margin: 10.0,
    stroke: 2.0,
    dot: 4.0,
};

// Text stays at least 11 px where each size is shown: the wide chart from a page 820 px wide
// (a chart of 778 px or more), the narrow one at its own width or less, down to a 390 px
// phone (a chart of about 350 px).
const _: () = assert!(WIDE.font * 778.0 / WIDE.width >= 11.0);
const _: () = assert!(NARROW.font * 350.0 / NARROW.width >= 11.0);

/// A generous width of a text in units, for laying out labels: 0.62 em a character (Arial's
/// and Helvetica's average is about 0.5).
fn text_width(text: &str, font: f64) -> f64 {
    text.chars().count() as f64 * font * 0.62
}

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
        self.top + f64::from(4 - level.clamp(1, 4)) * self.step()
    }

    /// The distance between two levels.
    fn step(&self) -> f64 {
        (self.bottom - self.top) / 3.0
    }
}

/// Where a series lies: (level, x from, x to) for each stretch at one level, in units.
fn stretches(frame: &Frame, points: &[(DateTime<Utc>, Option<u8>)]) -> Vec<(u8, f64, f64)> {
    let mut out = Vec::new();
    let mut open: Option<(u8, f64)> = None;
    for (at, level) in points {
        let x = frame.x(*at);
        if open.map(|(l, _)| Some(l)) == Some(*level) {
            continue;
        }
        if let Some((l, from)) = open.take() {
            out.push((l, from, x));
        }
        open = level.map(|l| (l, x));
    }
    if let Some((l, from)) = open {
        out.push((l, from, frame.right));
    }
    out
}

/// How far each series is moved up or down so that lines at one level lie side by side: two
/// series that are at the same level at the same time (or within a dot's width of it) never
/// share a slot; slots are 0, +1, −1, +2, ... and the longest lines take them first, so a
/// line alone at its level stays on it. Slots are 3 units apart, less when they would spread
/// over more than 45% of a level's step.
fn offsets(frame: &Frame, series: &[Series], near: f64) -> Vec<f64> {
    let lies: Vec<Vec<(u8, f64, f64)>> =
        series.iter().map(|s| stretches(frame, &s.points)).collect();
    let meet = |a: &[(u8, f64, f64)], b: &[(u8, f64, f64)]| {
        a.iter().any(|(la, a0, a1)| {
            b.iter()
                .any(|(lb, b0, b1)| la == lb && *a0 <= b1 + near && *b0 <= a1 + near)
        })
    };
    let length = |i: usize| lies[i].iter().map(|(_, a, b)| b - a).sum::<f64>();
    let mut order: Vec<usize> = (0..series.len()).collect();
    order.sort_by(|a, b| length(*b).total_cmp(&length(*a)).then(a.cmp(b)));
    let mut slots: Vec<Option<i32>> = vec![None; series.len()];
    for &i in &order {
        let taken: Vec<i32> = (0..series.len())
            .filter(|&j| j != i && meet(&lies[i], &lies[j]))
            .filter_map(|j| slots[j])
            .collect();
        let slot = (0..)
            .map(|k: i32| if k % 2 == 1 { (k + 1) / 2 } else { -(k / 2) })
            .find(|slot| !taken.contains(slot))
            .unwrap_or_default();
        slots[i] = Some(slot);
    }
    let widest = slots.iter().flatten().map(|s| s.abs()).max().unwrap_or(0);
    if widest == 0 {
        return vec![0.0; series.len()];
    }
    let gap = 3.0_f64.min(frame.step() * 0.45 / f64::from(2 * widest));
    slots
        .iter()
        .map(|s| f64::from(s.unwrap_or(0)) * gap)
        .collect()
}

/// What one series draws: step paths (a withdrawn stretch is a gap) and a dot for a stretch
/// too short to see, such as a source first seen today.
#[derive(Debug, Default, PartialEq)]
struct Marks {
    /// One `d` per stretch that is long enough to draw.
    paths: Vec<String>,
    /// Dots, (x, y), for the stretches that are not.
    dots: Vec<(f64, f64)>,
}

/// A stretch narrower than this many units is drawn as a dot.
const MIN_LENGTH: f64 = 1.0;

fn marks(frame: &Frame, points: &[(DateTime<Utc>, Option<u8>)], dy: f64) -> Marks {
    let mut out = Marks::default();
    // The stretch being drawn: its path so far, where it began, and its level.
    let mut open: Option<(String, f64, u8)> = None;
    let close = |out: &mut Marks, (d, from, level): (String, f64, u8), to: f64| {
        if to - from < MIN_LENGTH {
            out.dots.push((to, frame.y(level) + dy));
        } else {
            out.paths.push(format!("{d} H{to:.1}"));
        }
    };
    for (at, level) in points {
        let x = frame.x(*at);
        open = match (open.take(), level) {
            (Some(stretch), Some(level)) if stretch.2 == *level => Some(stretch),
            (Some((mut d, from, _)), Some(level)) => {
                let _ = write!(d, " H{x:.1} V{:.1}", frame.y(*level) + dy);
                Some((d, from, *level))
            }
            (None, Some(level)) => {
                Some((format!("M{x:.1} {:.1}", frame.y(*level) + dy), x, *level))
            }
            (Some(stretch), None) => {
                close(&mut out, stretch, x);
                None
            }
            (None, None) => None,
        };
    }
    if let Some(stretch) = open {
        close(&mut out, stretch, frame.right);
    }
    out
}

/// A series' level stretches (a run of versions at one level, or withdrawn): when each began
/// and its level; the rows of its table.
fn runs(points: &[(DateTime<Utc>, Option<u8>)]) -> Vec<(DateTime<Utc>, Option<u8>)> {
    let mut out: Vec<(DateTime<Utc>, Option<u8>)> = Vec::new();
    for (at, level) in points {
        if out.last().is_none_or(|(_, last)| last != level) {
            out.push((*at, *level));
        }
    }
    out
}

/// Dates to mark on an axis from `start` to `end`: the first of each month (or quarter or
/// year, over a long span) between them.
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

/// A label of the date axis: where it goes, its anchor and its text.
struct Tick {
    x: f64,
    anchor: &'static str,
    text: String,
}

impl Tick {
    /// Its extent on x, from its estimated width and its anchor.
    fn extent(&self, font: f64) -> (f64, f64) {
        let width = text_width(&self.text, font);
        match self.anchor {
            "start" => (self.x, self.x + width),
            "end" => (self.x - width, self.x),
            _ => (self.x - width / 2.0, self.x + width / 2.0),
        }
    }
}

/// The axis's labels: both ends' dates, then as many month ticks between them as fit without
/// touching another label (8 units apart at least).
fn axis_labels(frame: &Frame, font: f64) -> Vec<Tick> {
    let first = Tick {
        x: frame.left,
        anchor: "start",
        text: frame.start.format("%Y-%m-%d").to_string(),
    };
    let last = Tick {
        x: frame.right,
        anchor: "end",
        text: frame.end.format("%Y-%m-%d").to_string(),
    };
    let gap = 8.0;
    let mut out = vec![first];
    let end_from = last.extent(font).0;
    for (at, text) in ticks(frame.start, frame.end) {
        let tick = Tick {
            x: frame.x(at),
            anchor: "middle",
            text,
        };
        let (from, to) = tick.extent(font);
        let after = out.last().map_or(frame.left, |t| t.extent(font).1);
        if from >= after + gap && to + gap <= end_from {
            out.push(tick);
        }
    }
    // Both ends' dates must not touch on a very narrow chart: then the start's stands alone.
    if out.len() > 1 || out[0].extent(font).1 + gap <= end_from {
        out.push(last);
    }
    out
}

/// One entry of the legend: a government, its style, and how many lines it has.
struct Entry<'a> {
    government: &'a Government,
    stroke: Stroke,
    lines: usize,
}

impl Entry<'_> {
    fn words(&self) -> String {
        if self.lines == 1 {
            self.government.short.clone()
        } else {
            format!("{}, {} sources", self.government.short, self.lines)
        }
    }
}

/// Where each legend entry goes: a swatch 24 units long, 6 units, the words; entries wrap onto
/// rows inside the chart's width. Returns (x, row, words) per entry, words shortened with "…"
/// when even a row of its own is too narrow.
fn legend_rows(entries: &[Entry<'_>], layout: &Layout) -> Vec<(f64, usize, String)> {
    let (swatch, space, between) = (24.0, 6.0, 18.0);
    let right = layout.width - layout.right_margin;
    let room = right - layout.left - swatch - space;
    let mut out = Vec::new();
    let (mut x, mut row) = (layout.left, 0);
    for entry in entries {
        let mut words = entry.words();
        while text_width(&words, layout.font) > room && words.chars().count() > 2 {
            let keep = words.chars().count() - 2;
            words = words.chars().take(keep).collect::<String>() + "…";
        }
        let width = swatch + space + text_width(&words, layout.font);
        if x > layout.left && x + width > right {
            x = layout.left;
            row += 1;
        }
        out.push((x, row, words));
        x += width + between;
    }
    out
}

fn dash_attribute(dash: &str) -> String {
    if dash.is_empty() {
        String::new()
    } else {
        format!(" stroke-dasharray=\"{dash}\"")
    }
}

/// The chart at one size.
fn draw(series: &[Series], start: DateTime<Utc>, end: DateTime<Utc>, layout: &Layout) -> String {
    let frame = Frame {
        start,
        end: end.max(start + chrono::Duration::days(1)),
        left: layout.left,
        right: layout.width - layout.right_margin,
        top: 16.0,
        bottom: 16.0 + layout.plot_height,
    };
    let mut entries: Vec<Entry<'_>> = Vec::new();
    for line in series {
        match entries
            .iter_mut()
            .find(|e| e.government.id == line.government.id)
        {
            Some(entry) => entry.lines += 1,
            None => entries.push(Entry {
                government: &line.government,
                stroke: style(&line.government.id),
                lines: 1,
            }),
        }
    }
    let legend = legend_rows(&entries, layout);
    let row_height = layout.font + 9.0;
    let axis_y = frame.bottom + layout.font + 6.0;
    let legend_top = axis_y + layout.font + 8.0;
    let rows = legend.last().map_or(0, |(_, row, _)| row + 1);
    let height = (legend_top + rows as f64 * row_height + 4.0).ceil();
    let width = layout.width;
    let name = layout.name;
    let governments = entries.len();
    let mut out = format!(
        "<svg class=\"chart {name}\" role=\"img\" aria-labelledby=\"chart-{name}-title\" viewBox=\"0 0 {width} {height}\" {} xmlns=\"http://www.w3.org/2000/svg\"><title id=\"chart-{name}-title\">Level over time, {} to {}: {} line{} of {governments} government{}; the table below gives the same points</title>",
        if layout.fills_width {
            "width=\"100%\"".to_owned()
        } else {
            format!("width=\"{width}\" height=\"{height}\"")
        },
        start.format("%Y-%m-%d"),
        end.format("%Y-%m-%d"),
        series.len(),
        if series.len() == 1 { "" } else { "s" },
        if governments == 1 { "" } else { "s" },
    );
    let font = layout.font;
    for level in 1..=4u8 {
        let y = frame.y(level);
        let _ = write!(
            out,
            "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#dfe1e2\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{font}\" text-anchor=\"end\" fill=\"#5c5c5c\">L{level}</text>",
            frame.left,
            frame.right,
            frame.left - 6.0,
            y + font * 0.35
        );
    }
    for tick in axis_labels(&frame, font) {
        let x = tick.x;
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#dfe1e2\"/><text class=\"tick\" x=\"{x:.1}\" y=\"{axis_y:.1}\" font-size=\"{font}\" text-anchor=\"{}\" fill=\"#5c5c5c\">{}</text>",
            frame.top,
            frame.bottom,
            tick.anchor,
            escape(&tick.text)
        );
    }
    let shifts = offsets(&frame, series, 2.0 * layout.dot);
    for (line, dy) in series.iter().zip(shifts) {
        let Stroke { colour, dash } = style(&line.government.id);
        let drawn = marks(&frame, &line.points, dy);
        let width = if line.current {
            layout.stroke
        } else {
            layout.stroke * 0.6
        };
        let _ = write!(
            out,
            "<g class=\"series\" data-source=\"{}\" data-government=\"{}\" data-readings=\"{}\"><title>{}: {}{}</title>",
            escape(&line.source),
            escape(&line.government.id),
            runs(&line.points).len(),
            escape(&line.government.short),
            escape(&line.source),
            if line.current {
                ""
            } else {
                " (not its current reading)"
            }
        );
        for d in &drawn.paths {
            let _ = write!(
                out,
                "<path d=\"{d}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\"{}/>",
                dash_attribute(dash)
            );
        }
        for (x, y) in &drawn.dots {
            let _ = write!(
                out,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{}\" fill=\"{colour}\" stroke=\"#fff\" stroke-width=\"1\"/>",
                layout.dot
            );
        }
        out.push_str("</g>");
    }
    for ((x, row, words), entry) in legend.iter().zip(&entries) {
        let y = legend_top + *row as f64 * row_height;
        let line_y = y - font * 0.35;
        let _ = write!(
            out,
            "<g class=\"legend-entry\" data-government=\"{}\"><line x1=\"{x:.1}\" x2=\"{:.1}\" y1=\"{line_y:.1}\" y2=\"{line_y:.1}\" stroke=\"{}\" stroke-width=\"3\"{}/><text x=\"{:.1}\" y=\"{y:.1}\" font-size=\"{font}\" fill=\"#1b1b1b\">{}</text></g>",
            escape(&entry.government.id),
            x + 24.0,
            entry.stroke.colour,
            dash_attribute(entry.stroke.dash),
            x + 30.0,
            escape(words)
        );
    }
    out.push_str("</svg>");
    out
}

/// The level chart of a country's sources from `start` to `end`: one line per series in its
/// government's style, a dot for a stretch too short to draw, a legend of government names;
/// drawn wide and narrow (the stylesheet shows one), and followed by the same points as a
/// table in a `<details>`.
pub fn level_chart(series: &[Series], start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    let mut out = String::from("<div class=\"level-chart\">");
    out.push_str(&draw(series, start, end, &WIDE));
    out.push_str(&draw(series, start, end, &NARROW));
    out.push_str(&points_table(series));
    out.push_str("</div>");
    out
}

/// The chart's points as a table: each source's level stretches, the day each began.
fn points_table(series: &[Series]) -> String {
    let mut out = String::from(
        "<details class=\"chart-data\"><summary>The chart's points as a table</summary><table class=\"stack\" aria-label=\"Level over time, by source\"><thead><tr><th>Government</th><th>Source</th><th>From</th><th>Level</th></tr></thead><tbody>",
    );
    for line in series {
        for (at, level) in runs(&line.points) {
            let _ = write!(
                out,
                "<tr data-source=\"{}\"><td data-label=\"Government\">{}</td><td data-label=\"Source\">{}</td><td data-label=\"From\">{}</td><td data-label=\"Level\">{}</td></tr>",
                escape(&line.source),
                escape(&line.government.short),
                escape(&line.source),
                at.format("%Y-%m-%d"),
                level.map_or_else(|| "withdrawn".to_owned(), |n| format!("Level {n}"))
            );
        }
    }
    out.push_str("</tbody></table></details>");
    out
}

/// A small line of one source's level from `start` to `end`, without axes: 96×24 pixels, with
/// a `<title>` that says it in words. A stretch too short to draw (a source first seen today)
/// is a dot.
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
        right: 93.0,
        top: 3.0,
        bottom: 21.0,
    };
    let drawn = marks(&frame, points, 0.0);
    let mut out = format!(
        "<svg class=\"spark\" role=\"img\" width=\"96\" height=\"24\" viewBox=\"0 0 96 24\" xmlns=\"http://www.w3.org/2000/svg\" data-readings=\"{}\"><title>{}</title>",
        runs(points).len(),
        escape(words)
    );
    for d in &drawn.paths {
        let _ = write!(
            out,
            "<path d=\"{d}\" fill=\"none\" stroke=\"#162e51\" stroke-width=\"2\"/>"
        );
    }
    for (x, y) in &drawn.dots {
        let _ = write!(
            out,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.5\" fill=\"#162e51\"/>"
        );
    }
    out.push_str("</svg>");
    out
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

    fn line(government: &str, source: &str, points: &[(&str, Option<u8>)]) -> Series {
        Series {
            government: Government::named(government),
            source: source.to_owned(),
            current: true,
            points: points.iter().map(|(d, l)| (day(d), *l)).collect(),
        }
    }

    /// The SVG as a tree: well-formed, and with nothing that could run.
    fn parsed(svg: &str) -> roxmltree::Document<'_> {
        let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
        for node in doc.descendants().filter(|n| n.is_element()) {
            assert_ne!(node.tag_name().name(), "script", "{svg}");
            for attribute in node.attributes() {
                assert!(
                    !attribute.name().to_lowercase().starts_with("on"),
                    "{}",
                    attribute.name()
                );
                assert!(
                    !attribute.value().to_lowercase().contains("javascript:"),
                    "{}",
                    attribute.value()
                );
            }
        }
        doc
    }

    /// Each of the chart's SVGs (wide, then narrow).
    fn svgs(html: &str) -> Vec<&str> {
        html.match_indices("<svg")
            .map(|(start, _)| {
                let end = html[start..].find("</svg>").expect("closed") + start + 6;
                &html[start..end]
            })
            .collect()
    }

    #[test]
    fn a_step_per_version_and_a_gap_while_withdrawn() {
        let series = line(
            "uk",
            "uk-cuba",
            &[
                ("2026-01-01", Some(1)),
                ("2026-02-12", Some(3)),
                ("2026-03-01", None),
                ("2026-03-10", Some(2)),
            ],
        );
        let html = level_chart(&[series], day("2026-01-01"), day("2026-04-01"));
        let charts = svgs(&html);
        assert_eq!(charts.len(), 2, "wide and narrow");
        let wide = parsed(charts[0]);
        let group = wide
            .descendants()
            .find(|n| n.attribute("data-source") == Some("uk-cuba"))
            .expect("a group for the source");
        assert_eq!(group.attribute("data-readings"), Some("4"));
        let paths: Vec<&str> = group
            .children()
            .filter(|n| n.has_tag_name("path"))
            .filter_map(|n| n.attribute("d"))
            .collect();
        assert_eq!(paths.len(), 2, "the withdrawn stretch is a gap: {paths:?}");
        assert_eq!(
            paths[0].matches('V').count(),
            1,
            "one step up: {}",
            paths[0]
        );
        assert!(charts[0].contains(">2026-01-01<") && charts[0].contains(">2026-04-01<"));
        assert!(
            charts[0].contains(">Feb 2026<"),
            "month ticks: {}",
            charts[0]
        );
        assert_eq!(
            html.matches("<tr data-source=\"uk-cuba\">").count(),
            4,
            "a row per stretch"
        );
        assert!(html.contains(
            "<td data-label=\"From\">2026-03-01</td><td data-label=\"Level\">withdrawn</td>"
        ));
    }

    #[test]
    fn a_source_first_seen_today_is_a_dot() {
        let today = day("2026-07-10");
        let series = [
            line("us", "us-nepal", &[("2016-01-01", Some(2))]),
            line("ca", "ca/np", &[("2026-07-10", Some(2))]),
        ];
        for svg in svgs(&level_chart(&series, day("2016-01-01"), today)) {
            let doc = parsed(svg);
            let group = |source: &str| {
                doc.descendants()
                    .find(|n| n.attribute("data-source") == Some(source))
                    .expect("a group")
            };
            let canada = group("ca/np");
            assert_eq!(
                canada.children().filter(|n| n.has_tag_name("path")).count(),
                0,
                "no zero-length path"
            );
            let dot = canada
                .children()
                .find(|n| n.has_tag_name("circle"))
                .expect("a dot");
            let r: f64 = dot.attribute("r").expect("r").parse().expect("n");
            assert!(r >= 3.0);
            assert_eq!(
                group("us-nepal")
                    .children()
                    .filter(|n| n.has_tag_name("path"))
                    .count(),
                1
            );
        }
        let spark = sparkline(
            &[(today, Some(3))],
            day("2026-01-01"),
            today,
            "first seen today",
        );
        parsed(&spark);
        assert!(
            spark.contains("<circle") && !spark.contains("<path"),
            "{spark}"
        );
    }

    #[test]
    fn lines_at_one_level_are_set_apart() {
        let series: Vec<Series> = ["us", "uk", "ca", "de", "nl", "hk", "fi", "fi"]
            .iter()
            .enumerate()
            .map(|(i, g)| line(g, &format!("{g}-{i}"), &[("2026-01-01", Some(2))]))
            .collect();
        let html = level_chart(&series, day("2026-01-01"), day("2026-03-01"));
        let doc = parsed(svgs(&html)[0]);
        let mut ys: Vec<f64> = doc
            .descendants()
            .filter(|n| {
                n.has_tag_name("path")
                    && n.parent()
                        .is_some_and(|p| p.attribute("class") == Some("series"))
            })
            .map(|n| {
                let d = n.attribute("d").expect("d");
                d.split_whitespace().nth(1).expect("y").parse().expect("n")
            })
            .collect();
        assert_eq!(ys.len(), 8);
        let first = ys[0];
        ys.sort_by(f64::total_cmp);
        for pair in ys.windows(2) {
            let gap = pair[1] - pair[0];
            assert!((2.0..=3.5).contains(&gap), "{ys:?}");
        }
        let level = WIDE.plot_height / 3.0;
        assert!(ys[7] - ys[0] < 0.5 * level, "within its level: {ys:?}");
        let frame = Frame {
            start: day("2026-01-01"),
            end: day("2026-03-01"),
            left: WIDE.left,
            right: WIDE.width - WIDE.right_margin,
            top: 16.0,
            bottom: 16.0 + WIDE.plot_height,
        };
        assert!(
            (first - frame.y(2)).abs() < 0.06,
            "the first line stays on its level"
        );
        // Lines that never meet stay on their levels; a dot beside a line moves off it.
        let apart = [
            line("us", "a", &[("2026-01-01", Some(2))]),
            line("uk", "b", &[("2026-01-01", Some(3))]),
            line(
                "ca",
                "c",
                &[("2026-01-01", Some(3)), ("2026-02-01", Some(1))],
            ),
        ];
        assert_eq!(offsets(&frame, &apart, 9.0), [0.0, 0.0, 3.0]);
        let beside = [
            line("us", "long", &[("2026-01-01", Some(2))]),
            line("fi", "today", &[("2026-03-01", Some(2))]),
        ];
        assert_eq!(offsets(&frame, &beside, 9.0), [0.0, 3.0]);
        // Many lines at one level still stay within 45% of a level's step.
        let many: Vec<Series> = (0..40)
            .map(|i| line("us", &format!("s{i}"), &[("2026-01-01", Some(2))]))
            .collect();
        let shifts = offsets(&frame, &many, 9.0);
        let (low, high) = shifts
            .iter()
            .fold((0.0_f64, 0.0_f64), |(l, h), s| (l.min(*s), h.max(*s)));
        assert!(high - low <= 0.45 * frame.step() + 1e-9, "{low}..{high}");
    }

    #[test]
    fn every_known_government_has_a_style_of_its_own() {
        let known: Vec<&str> = crate::model::government::known_ids().collect();
        assert!(known.len() >= 7);
        for id in &known {
            assert!(
                KNOWN_STROKES.iter().any(|(k, _)| k == id),
                "government `{id}` needs an entry in KNOWN_STROKES"
            );
        }
        for (i, a) in known.iter().enumerate() {
            for b in &known[i + 1..] {
                let (sa, sb) = (style(a), style(b));
                assert_ne!(sa.colour, sb.colour, "{a} and {b}");
                assert_ne!(sa.dash, sb.dash, "{a} and {b}");
            }
        }
        // A government the program does not know: stable, and never a known one's colour.
        let austria = style("austria");
        assert_eq!(austria, style("austria"));
        assert!(known.iter().all(|id| style(id).colour != austria.colour));
    }

    #[test]
    fn the_legend_names_governments_and_stays_inside_the_chart() {
        let names = [
            "United States (State Department)",
            "United Kingdom (FCDO)",
            "Canada (Global Affairs Canada)",
            "Germany (Auswärtiges Amt)",
            "Netherlands (Nederland Wereldwijd)",
            "Hong Kong (Security Bureau)",
            "Finland (Ministry for Foreign Affairs)",
            "The Ministry of Foreign Affairs of a Country With a Very Long Name Indeed (MFA)",
        ];
        let series: Vec<Series> = names
            .iter()
            .enumerate()
            .map(|(i, g)| line(g, &format!("s{i}"), &[("2026-01-01", Some(3))]))
            .collect();
        for layout in [WIDE, NARROW] {
            let svg = draw(&series, day("2026-01-01"), day("2026-03-01"), &layout);
            let doc = parsed(&svg);
            let view: Vec<f64> = doc
                .root_element()
                .attribute("viewBox")
                .expect("viewBox")
                .split(' ')
                .map(|n| n.parse().expect("n"))
                .collect();
            let entries: Vec<roxmltree::Node<'_, '_>> = doc
                .descendants()
                .filter(|n| n.attribute("class") == Some("legend-entry"))
                .collect();
            assert_eq!(entries.len(), names.len(), "one entry per government");
            let mut rows = std::collections::BTreeSet::new();
            for entry in entries {
                let text = entry
                    .children()
                    .find(|n| n.has_tag_name("text"))
                    .expect("text");
                let words = text.text().expect("words");
                assert!(
                    !(0..names.len()).any(|i| words.contains(&format!("s{i}"))),
                    "government names, not source ids: {words}"
                );
                let x: f64 = text.attribute("x").expect("x").parse().expect("n");
                let y: f64 = text.attribute("y").expect("y").parse().expect("n");
                rows.insert(y as i64);
                assert!(
                    x + text_width(words, layout.font) <= view[2],
                    "{}: `{words}` at {x} passes {}",
                    layout.name,
                    view[2]
                );
                assert!(y <= view[3] && y - layout.font >= 0.0, "{y} in {view:?}");
            }
            assert!(rows.len() > 1, "{}: entries wrap onto rows", layout.name);
            assert!(svg.contains(">United States<") && svg.contains(">Finland<"));
            for tick in axis_labels(
                &Frame {
                    start: day("2025-01-01"),
                    end: day("2026-07-10"),
                    left: layout.left,
                    right: layout.width - layout.right_margin,
                    top: 0.0,
                    bottom: 1.0,
                },
                layout.font,
            )
            .windows(2)
            {
                let (a, b) = (tick[0].extent(layout.font), tick[1].extent(layout.font));
                assert!(
                    a.1 < b.0 && a.0 >= 0.0 && b.1 <= layout.width,
                    "ticks overlap"
                );
            }
        }
    }

    #[test]
    fn labels_are_escaped() {
        let series = line(
            "<script>x</script>",
            "<script>x</script>",
            &[("2026-01-01", Some(2))],
        );
        let html = level_chart(&[series], day("2026-01-01"), day("2026-02-01"));
        assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"));
        for svg in svgs(&html) {
            parsed(svg);
        }
        let spark = sparkline(
            &[(day("2026-01-01"), Some(4))],
            day("2026-01-01"),
            day("2026-02-01"),
            "<b>",
        );
        assert!(
            spark.contains("<title>&lt;b&gt;</title>") && spark.contains("data-readings=\"1\"")
        );
    }
}
