//! HTML that analysts read: the report, the dashboard's pages and the email's HTML part.
//!
//! This module owns the shared pieces (the page shell with its inline stylesheet, level badges
//! in the State Department's colours, indicator chips, the word diff with unchanged paragraphs
//! folded, a change card) and the escaping of everything taken from a page. Pages carry no
//! script and request nothing from elsewhere: one self-contained document, readable on a phone
//! and on paper. Pure: values in, strings out.

use std::fmt::Write as _;

use crate::model::advisory::{Indicator, Level};
use crate::model::diff::{Change, Edit, WordDiff};

/// Escapes text for HTML element content and attribute values, dropping control characters
/// (other than tab and newline) that a page may carry and no reader wants.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' | '\n' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => {}
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The URL to link to, when `url` is an absolute http(s) URL: normalized, so `<`, `>`, `"`
/// and spaces are percent-encoded. Anything else (`javascript:`, `data:`, a relative path) is
/// `None` and is shown as text, never as a link.
pub fn link_target(url: &str) -> Option<String> {
    reqwest::Url::parse(url.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .map(String::from)
}

/// `text` as a link to `url` when that is an http(s) URL, else the escaped text and the URL
/// as text beside it.
pub fn link(url: &str, text: &str, rel: &str) -> String {
    match link_target(url) {
        Some(target) => format!(
            "<a href=\"{}\"{}>{}</a>",
            escape(&target),
            if rel.is_empty() {
                String::new()
            } else {
                format!(" rel=\"{rel}\"")
            },
            escape(text)
        ),
        None => format!("{} <code>{}</code>", escape(text), escape(url)),
    }
}

/// A stored time for people: "2025-11-25 12:00 UTC"; other text is returned as it is.
pub fn short_time(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(time) => time.format("%Y-%m-%d %H:%M UTC").to_string(),
        Err(_) => rfc3339.to_owned(),
    }
}

/// The Content-Security-Policy every page is served with: no script, nothing from elsewhere.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const STYLE: &str = r#"
:root{--l1:#1f5aa6;--l2:#f2c40f;--l3:#e67e22;--l4:#c0392b;--ink:#1b1b1b;--muted:#5c5c5c;--line:#dfe1e2;--bg:#f7f8f9}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--ink);background:var(--bg)}
header.top{background:#162e51;color:#fff;padding:12px 20px;display:flex;flex-wrap:wrap;align-items:baseline;gap:6px 28px}
header.top a{color:#fff;text-decoration:none;font-weight:600}
header.top .brand{font-size:18px}
header.top nav{display:flex;flex-wrap:wrap;gap:4px 18px}
.skip{position:absolute;left:8px;top:-100px;z-index:10;background:#fff;color:#005ea2;padding:8px 14px;border-radius:4px;font-weight:600}
.skip:focus{top:8px}
:focus-visible{outline:3px solid #005ea2;outline-offset:2px}
header.top :focus-visible{outline-color:#ffbf47}
main{max-width:1200px;margin:0 auto;padding:16px 20px 40px;overflow-wrap:anywhere}
.printed{display:none;font-size:13px;color:var(--muted);margin:0 0 6px}
h1{font-size:24px;margin:8px 0 4px}
h2{font-size:19px;margin:0 0 6px}
.muted{color:var(--muted)}
.summary{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0 20px}
.summary span,.summary a{background:#fff;border:1px solid var(--line);border-radius:6px;padding:6px 10px}
.card{background:#fff;border:1px solid var(--line);border-left:6px solid var(--line);border-radius:6px;padding:14px 16px;margin:0 0 14px;break-inside:avoid}
.card.up{border-left-color:#c0392b;border-left-width:8px}.card.down{border-left-color:#2e8540;border-left-width:8px}
details.more{margin:6px 0 0}
details.more>summary{cursor:pointer;font-size:14px;color:var(--muted)}
.card.lv1{border-left-color:var(--l1)}.card.lv2{border-left-color:var(--l2)}.card.lv3{border-left-color:var(--l3)}.card.lv4{border-left-color:var(--l4)}
.meta{font-size:14px;color:var(--muted);margin:2px 0 8px}
.level{display:inline-block;max-width:100%;padding:2px 8px;border-radius:4px;font-weight:600;font-size:14px}
.level.l1{background:var(--l1);color:#fff}.level.l2{background:var(--l2);color:#1b1b1b}.level.l3{background:var(--l3);color:#1b1b1b}.level.l4{background:var(--l4);color:#fff}
.chip{display:inline-block;padding:1px 9px;margin:2px 4px 2px 0;border-radius:12px;font-size:14px;border:1px solid var(--line);background:#f1f3f6}
.chip.added{background:#fde2e1;border-color:#f5b7b1}.chip.removed{background:#e1f3e6;border-color:#a9dfbf;text-decoration:line-through}
blockquote{margin:8px 0;padding:4px 10px;border-left:3px solid var(--line);color:#333}
.diff p{margin:6px 0}
del{background:#fde2e1;color:#8a1c1c}
ins{background:#e1f3e6;color:#14532d;text-decoration:none}
details.folded{color:var(--muted);font-size:14px;margin:4px 0}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}
th,td{text-align:left;padding:7px 9px;border-bottom:1px solid var(--line);vertical-align:top;font-size:15px}
th{background:#f1f3f6;font-size:14px}
td.nowrap,td.nowrap a{white-space:nowrap}
tr.broken td{background:#fff4e5}
.flag{font-weight:700;color:#8a1c1c}
form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:end;margin:10px 0 18px}
form.filters label{display:flex;flex-direction:column;min-width:0;max-width:100%;font-size:13px;color:var(--muted)}
form.filters input,form.filters select{font:inherit;padding:4px 6px;max-width:100%}
a{color:#005ea2}
th,td{overflow-wrap:break-word}
td.message{overflow-wrap:anywhere}
td.name{white-space:nowrap;overflow-wrap:normal}
span.up{color:#a3271c;font-weight:700}span.down{color:#1d6b32;font-weight:700}
.level.short{padding:1px 6px;white-space:nowrap}
svg:not(.spark){max-width:100%}
.counter b{font-size:20px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:14px;margin:12px 0 20px}
.grid section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px 14px;min-width:0}
.grid h2{font-size:17px}
.disagree{background:#fde2e1;border:1px solid #f5b7b1;border-radius:6px;padding:8px 12px;font-weight:600}
svg.chart{background:#fff;border:1px solid var(--line);border-radius:6px;display:block;max-width:100%;height:auto}
svg.spark{vertical-align:middle}
table.legend td,table.legend th{font-size:14px;padding:4px 8px}
ul.brief li{margin:4px 0}
@media print{.skip{display:none}.printed{display:block}th,td{font-size:13px;padding:5px 6px}}
@media (max-width:1199px){td.name,td.nowrap,td.nowrap a{white-space:normal}}
@media screen and (max-width:820px){
header.top{padding:10px}
main{padding:10px}
table.stack,table.stack>tbody,table.stack>tbody>tr{display:block;width:100%}
table.stack>thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
table.stack>tbody>tr{border-bottom:2px solid var(--line);padding:6px 0}
table.stack>tbody>tr>td{display:flow-root;width:100%;border:0;padding:3px 9px 3px 118px;white-space:normal;overflow-wrap:anywhere}
table.stack>tbody>tr>td::before{content:attr(data-label);float:left;width:100px;margin-left:-109px;font-size:13px;font-weight:600;color:var(--muted)}
table.sortable>thead{position:static;width:auto;height:auto;overflow:visible;clip-path:none;white-space:normal;display:block}
table.sortable>thead>tr{display:flex;flex-wrap:wrap;align-items:baseline;gap:6px;padding:8px 9px}
table.sortable>thead>tr::before{content:"Sort by";font-size:13px;font-weight:600;color:var(--muted)}
table.sortable>thead th{display:block;padding:2px 8px;border:1px solid var(--line);border-radius:12px}
table.sortable>thead th:not([aria-sort]):not(:has(a)){position:absolute;width:1px;height:1px;padding:0;border:0;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
}
@media print{header.top,form.filters{display:none}body{background:#fff}.card{border-color:#999}}
/* matrix (issue 23) */
.vh{position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.matrix-wrap{overflow-x:auto;margin:0 0 20px}
table.matrix caption{text-align:left;font-size:14px;color:var(--muted);padding:0 0 6px}
table.matrix th,table.matrix td{white-space:nowrap;text-align:center;vertical-align:middle}
table.matrix th[scope=row]{text-align:left;position:sticky;left:0;background:#fff;font-size:15px}
table.matrix thead th:first-child{text-align:left;position:sticky;left:0}
table.matrix a.level{text-decoration:none}
table.matrix td.none,table.matrix a.withdrawn{color:var(--muted)}
table.matrix .stale,table.matrix .areas-higher{display:inline-block;font-size:12px;padding:0 5px;border-radius:8px;border:1px solid var(--line);margin-left:3px}
table.matrix .stale{color:#8a1c1c;background:#fff4e5}
table.matrix .areas-higher{color:#1b1b1b;background:#f1f3f6}
.matrix-key .stale,.matrix-key .areas-higher{font-size:13px;padding:0 5px;border:1px solid var(--line);border-radius:8px}
@media (max-width:600px){
table.matrix,table.matrix caption,table.matrix thead,table.matrix tbody,table.matrix tr,table.matrix th,table.matrix td{display:block}
table.matrix thead tr{display:flex;flex-wrap:wrap;gap:4px;padding:6px}
table.matrix thead th{border:1px solid var(--line);border-radius:6px;position:static}
table.matrix tbody tr{border-bottom:2px solid var(--line);padding:4px 0}
table.matrix th[scope=row]{position:static;border:0}
table.matrix td{display:flex;align-items:center;gap:6px;border:0;padding:3px 9px;text-align:left}
table.matrix td::before{content:attr(data-label);flex:1;color:var(--muted);font-size:13px}
}
/* map and chart (issue 23) */
.level-chart{margin:0 0 12px}
.level-chart svg.chart.narrow{display:none;max-width:100%;height:auto}
@media (max-width:819.98px){.level-chart svg.chart.wide{display:none}.level-chart svg.chart.narrow{display:block}}
details.chart-data{margin:8px 0 0}
details.chart-data table{margin-top:6px}
section.world{margin:0 0 22px}
p.skip{margin:0;font-size:14px}p.skip a{position:absolute;left:-9999px}p.skip a:focus{position:static}
nav.map-choice{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0 10px}
nav.map-choice a{border:1px solid var(--line);border-radius:14px;padding:2px 10px;background:#fff;text-decoration:none}
nav.map-choice a[aria-current]{background:#162e51;border-color:#162e51;color:#fff;font-weight:600}
svg.map{display:block;width:100%;max-width:100%;height:auto;background:#fff;border:1px solid var(--line);border-radius:6px}
svg.map path,svg.map circle{stroke:#fff;stroke-width:.6;vector-effect:non-scaling-stroke}
svg.map circle{stroke:#5c5c5c;stroke-width:.8}
svg.map .unlisted{fill:#e8eaec}
svg.map .none{fill:#dcdfe2}svg.map .same{fill:#b9c0c7}
svg.map .l1{fill:var(--l1)}svg.map .l2{fill:var(--l2)}svg.map .l3{fill:var(--l3)}svg.map .l4{fill:var(--l4)}
svg.map .d1{fill:#c9a3d6}svg.map .d2{fill:#8e4fa6}svg.map .d3{fill:#4b1d63}
svg.map .moved path,svg.map .moved circle{stroke:#1b1b1b;stroke-width:2}
svg.map a:hover path,svg.map a:hover circle{fill-opacity:.75}
svg.map a:focus{outline:none}svg.map a:focus path,svg.map a:focus circle{stroke:#005ea2;stroke-width:3}
ul.map-legend{display:flex;flex-wrap:wrap;gap:4px 16px;list-style:none;padding:0;margin:8px 0 0;font-size:14px}
ul.map-legend li{display:flex;align-items:center;gap:6px}
.swatch{display:inline-block;width:16px;height:12px;border:1px solid #8d9297;border-radius:2px;background:#dcdfe2}
.swatch.l1{background:var(--l1)}.swatch.l2{background:var(--l2)}.swatch.l3{background:var(--l3)}.swatch.l4{background:var(--l4)}
.swatch.d1{background:#c9a3d6}.swatch.d2{background:#8e4fa6}.swatch.d3{background:#4b1d63}.swatch.same{background:#b9c0c7}
.swatch.moved{background:#fff;border:2px solid #1b1b1b}
"#;

/// A whole page: the shell, the stylesheet, and `body` as the page's `<main id="main">`.
/// `navigation` adds the dashboard's header, led by a "Skip to content" link (the first thing
/// a keyboard reaches) and with its links in a `<nav>`.
pub fn page(title: &str, navigation: bool, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + STYLE.len() + 600);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    let _ = write!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">"
    );
    let _ = write!(
        out,
        "<title>{}</title><style>{STYLE}</style></head><body>",
        escape(title)
    );
    if navigation {
        out.push_str(
            "<a class=\"skip\" href=\"#main\">Skip to content</a>\
             <header class=\"top\"><a class=\"brand\" href=\"/\">advisory-watch</a>\
             <nav aria-label=\"Dashboard\"><a href=\"/\">Movers</a><a href=\"/sources\">Sources</a><a href=\"/changes\">Changes</a><a href=\"/matrix\">Matrix</a>\
             <a href=\"/feed.atom\">Atom</a><a href=\"/api/changes\">JSON</a></nav></header>",
        );
    }
    out.push_str("<main id=\"main\">");
    out.push_str(body);
    out.push_str("</main></body></html>\n");
    out
}

/// The line a printed page carries, hidden on screen: "Period: from 2026-11-18 to 2026-11-25 ·
/// made 2026-12-01 19:40 UTC", or "Made 2026-12-01 19:40 UTC" for a page without a period.
pub fn printed_line(period: Option<&str>, made: chrono::DateTime<chrono::Utc>) -> String {
    let made = made.format("%Y-%m-%d %H:%M UTC");
    match period {
        Some(period) => format!(
            "<p class=\"printed\">Period: {} &middot; made {made}</p>",
            escape(period)
        ),
        None => format!("<p class=\"printed\">Made {made}</p>"),
    }
}

/// A level badge in the State Department's colour: 1 blue, 2 yellow, 3 orange, 4 red.
pub fn level_badge(level: &Level) -> String {
    format!(
        "<span class=\"level l{n}\">Level {n}: {}</span>",
        escape(&level.label),
        n = level.number.clamp(1, 4)
    )
}

/// A short level badge, "L3", with the government's own words as its title.
pub fn level_chip(level: &Level) -> String {
    format!(
        "<span class=\"level short l{n}\" title=\"{}\">L{n}</span>",
        escape(&level.label),
        n = level.number.clamp(1, 4)
    )
}

/// Indicator chips: added ones marked +, removed ones struck through.
pub fn chips(added: &[Indicator], removed: &[Indicator]) -> String {
    let mut out = String::new();
    for indicator in added {
        let _ = write!(
            out,
            "<span class=\"chip added\">+ {}</span>",
            escape(indicator.human())
        );
    }
    for indicator in removed {
        let _ = write!(
            out,
            "<span class=\"chip removed\">{}</span>",
            escape(indicator.human())
        );
    }
    out
}

/// Plain chips for a list of current indicators.
pub fn current_chips(indicators: &[&str]) -> String {
    indicators
        .iter()
        .map(|id| {
            let human =
                Indicator::from_id(id).map_or_else(|| (*id).to_owned(), |i| i.human().to_owned());
            format!("<span class=\"chip\">{}</span>", escape(&human))
        })
        .collect()
}

/// The word diff: `<del>` and `<ins>` inside paragraphs, and runs of unchanged paragraphs folded
/// into a `<details>` that opens to show them.
pub fn word_diff(diff: &WordDiff) -> String {
    let mut out = String::from("<div class=\"diff\">");
    let mut folded: Vec<String> = Vec::new();
    let flush = |out: &mut String, folded: &mut Vec<String>| {
        if folded.is_empty() {
            return;
        }
        let s = if folded.len() == 1 { "" } else { "s" };
        let _ = write!(
            out,
            "<details class=\"folded\"><summary>{} unchanged paragraph{s}</summary>",
            folded.len()
        );
        for text in folded.drain(..) {
            let _ = write!(out, "<p>{text}</p>");
        }
        out.push_str("</details>");
    };
    for paragraph in &diff.paragraphs {
        if !paragraph.changed() {
            folded.push(
                paragraph
                    .segments
                    .iter()
                    .map(|s| escape(&s.text))
                    .collect::<String>(),
            );
            continue;
        }
        flush(&mut out, &mut folded);
        out.push_str("<p>");
        let mut previous = Edit::Equal;
        for segment in &paragraph.segments {
            let text = escape(&segment.text);
            match segment.edit {
                Edit::Equal => out.push_str(&text),
                Edit::Delete => {
                    let _ = write!(out, "<del>{text}</del>");
                }
                Edit::Insert => {
                    // A replacement reads as two words, not one.
                    if previous == Edit::Delete {
                        out.push(' ');
                    }
                    let _ = write!(out, "<ins>{text}</ins>");
                }
            }
            previous = segment.edit;
        }
        out.push_str("</p>");
    }
    flush(&mut out, &mut folded);
    out.push_str("</div>");
    out
}

/// What a change card shows besides the change itself.
pub struct CardContext<'a> {
    /// The country.
    pub country: &'a str,
    /// The source's name.
    pub source: &'a str,
    /// The page.
    pub url: &'a str,
    /// When it was detected.
    pub detected_at: &'a str,
    /// The version came from an archive: `detected_at` is the day it was first seen.
    pub archived: bool,
    /// Where the source's own page on the dashboard is, if there is one.
    pub source_link: Option<String>,
    /// Headline, links, levels and chips in view; the note and the diff inside a `<details>`
    /// that opens on a click, with no script.
    pub compact: bool,
}

/// The class of a change card's edge: `up` (red) for a raised level, `down` (green) for a
/// lowered one, else the new level's colour.
pub fn edge_class(change: &Change) -> String {
    if change.level_raised() {
        "up".to_owned()
    } else if change.level_changed() {
        "down".to_owned()
    } else {
        format!("lv{}", change.level_to.number.clamp(1, 4))
    }
}

/// "detected 2026-02-12 08:15 UTC", or "archived, first seen 2026-02-12" for a version from an
/// archive.
pub fn seen_words(at: &str, archived: bool) -> String {
    if archived {
        format!("archived, first seen {}", at.get(..10).unwrap_or(at))
    } else {
        format!("detected {}", short_time(at))
    }
}

/// One change as a card: country and headline, where and when, the levels, the chips, the
/// publisher's note and the word diff. A compact card folds the note and the diff into a
/// `<details>` of their own; the headline, its links and the levels stay in view, and no link
/// is ever inside the `<summary>` that opens it.
pub fn change_card(context: &CardContext<'_>, change: &Change, diff: Option<&WordDiff>) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<article class=\"card {}\" data-source=\"{}\" data-classes=\"{}\"><h2>{}{}{}</h2>",
        edge_class(change),
        escape(context.source),
        change
            .classes()
            .iter()
            .map(|c| c.id())
            .collect::<Vec<_>>()
            .join(" "),
        if context.country.is_empty() {
            String::new()
        } else {
            format!("{}: ", escape(context.country))
        },
        escape(&change.headline),
        if change.note_disagrees {
            " <span class=\"flag\" title=\"The publisher's note names a different level or indicators than the page\">note disagrees</span>"
        } else {
            ""
        }
    );
    let source = match &context.source_link {
        Some(link) => format!(
            "<a href=\"{}\">{}</a>",
            escape(link),
            escape(context.source)
        ),
        None => escape(context.source),
    };
    let _ = write!(
        out,
        "<p class=\"meta\">{source} &middot; {} &middot; {}",
        escape(&seen_words(context.detected_at, context.archived)),
        link(context.url, "official page", "noreferrer")
    );
    if let Some(issued) = change.issued_to {
        let _ = write!(out, " &middot; issued {issued}");
    }
    out.push_str("</p><p>");
    if change.withdrawn {
        out.push_str("<span class=\"level\">withdrawn</span>");
    } else if change.level_changed() {
        let _ = write!(
            out,
            "{} &rarr; {}",
            level_badge(&change.level_from),
            level_badge(&change.level_to)
        );
    } else {
        let _ = write!(
            out,
            "{} <span class=\"muted\">unchanged</span>",
            level_badge(&change.level_to)
        );
    }
    out.push_str("</p>");
    if change.indicators_changed() {
        let _ = write!(
            out,
            "<p>{}</p>",
            chips(&change.indicators_added, &change.indicators_removed)
        );
    }
    let note = change
        .change_note
        .as_ref()
        .map(|note| format!("<blockquote>{}</blockquote>", escape(note)));
    let fold = match (&note, diff) {
        _ if !context.compact => None,
        (Some(_), Some(_)) => Some("The publisher's note and the changed text"),
        (Some(_), None) => Some("The publisher's note"),
        (None, Some(_)) => Some("The changed text"),
        (None, None) => None,
    };
    if let Some(words) = fold {
        let _ = write!(out, "<details class=\"more\"><summary>{words}</summary>");
    }
    if let Some(note) = &note {
        out.push_str(note);
    }
    if let Some(diff) = diff {
        out.push_str(&word_diff(diff));
    }
    if fold.is_some() {
        out.push_str("</details>");
    }
    out.push_str("</article>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_text_is_escaped_and_pages_run_no_script() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        let html = page("<b>t</b>", true, "<p>x</p>");
        assert!(html.contains("<title>&lt;b&gt;t&lt;/b&gt;</title>"));
        assert!(!html.contains("<script"));
        assert!(html.contains("default-src 'none'"));
    }

    fn nepal(level: u8, summary: &str, note: Option<&str>) -> crate::model::advisory::Advisory {
        crate::model::advisory::Advisory {
            level: Level::with_label(level, String::new()),
            indicators: Vec::new(),
            reasons: Vec::new(),
            summary: summary.into(),
            issued: None,
            change_note: note.map(str::to_owned),
            areas: Vec::new(),
            withdrawn: false,
            partial: false,
            text_level: None,
            full_name: None,
        }
    }

    fn card(compact: bool) -> String {
        let old = nepal(2, "Be careful.", None);
        let new = nepal(3, "Reconsider travel.", Some("Level raised."));
        let change = crate::model::diff::compare(&old, &new).expect("a change");
        let diff = crate::model::diff::word_diff(&old.summary, &new.summary);
        change_card(
            &CardContext {
                country: "Nepal",
                source: "us-nepal",
                url: "https://travel.state.gov/nepal",
                detected_at: "2026-02-12T08:15:00.000Z",
                archived: false,
                source_link: Some("/source?name=us-nepal".to_owned()),
                compact,
            },
            &change,
            Some(&diff),
        )
    }

    // Issue 23: axe-core's nested-interactive, a link inside the summary that opens a card.
    #[test]
    fn a_compact_card_folds_only_its_note_and_diff_and_no_link_is_inside_a_summary() {
        let html = card(true);
        let summaries: Vec<&str> = html
            .split("<summary>")
            .skip(1)
            .map(|rest| rest.split("</summary>").next().unwrap_or(rest))
            .collect();
        assert!(!summaries.is_empty(), "{html}");
        for summary in &summaries {
            assert!(!summary.contains("<a "), "a link inside <summary>: {html}");
        }
        let (facts, folded) = html
            .split_once("<details class=\"more\">")
            .expect("the note and the diff folded");
        for shown in [
            "<h2>Nepal: Level raised",
            "official page</a>",
            "us-nepal</a>",
            "Level 3",
        ] {
            assert!(facts.contains(shown), "{shown} in view: {html}");
        }
        assert!(
            folded.contains("<blockquote>Level raised.</blockquote>") && folded.contains("<ins>")
        );
        let full = card(false);
        assert!(full.starts_with("<article class=\"card up\"") && !full.contains("<details"));
    }

    #[test]
    fn every_page_has_its_main_and_a_dashboard_page_leads_with_a_skip_link() {
        let dashboard = page("t", true, "<p>x</p>");
        let body = dashboard.split("<body>").nth(1).expect("body");
        assert!(body.starts_with("<a class=\"skip\" href=\"#main\">Skip to content</a>"));
        assert!(body.contains("<nav aria-label=\"Dashboard\">"));
        assert!(page("t", false, "").contains("<main id=\"main\">"));
        assert!(!dashboard.contains("maximum-scale") && !dashboard.contains("user-scalable"));
    }

    #[test]
    fn the_printed_line_names_the_period_and_when_the_page_was_made() {
        let made = chrono::DateTime::parse_from_rfc3339("2026-12-01T19:40:12Z")
            .expect("time")
            .with_timezone(&chrono::Utc);
        assert_eq!(
            printed_line(Some("from 2026-11-18 to 2026-11-25"), made),
            "<p class=\"printed\">Period: from 2026-11-18 to 2026-11-25 &middot; made 2026-12-01 19:40 UTC</p>"
        );
        assert_eq!(
            printed_line(None, made),
            "<p class=\"printed\">Made 2026-12-01 19:40 UTC</p>"
        );
    }

    #[test]
    fn unchanged_paragraphs_fold() {
        let diff = crate::model::diff::word_diff("A.\n\nB one.\n\nC.", "A.\n\nB two.\n\nC.");
        let html = word_diff(&diff);
        assert!(html.contains("<del>one.</del> <ins>two.</ins>"), "{html}");
        assert_eq!(html.matches("1 unchanged paragraph<").count(), 2, "{html}");
    }
}
