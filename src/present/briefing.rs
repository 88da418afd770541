//! The brief of a period in text, Markdown and HTML: one line per country, each government's
//! move and what came with it, its source linked where the format has links. `brief` decides
//! what a line says; this file only writes it down. Pure.

use chrono::{DateTime, Utc};

use crate::model::name::one_line;
use crate::present::brief::{self, indicator_words, mover_words};
use crate::present::html::{self, escape};
use crate::present::words::{
    day, escape_markdown, made_words, markdown_link, summary_only_sentence,
};

/// One government's part of a brief line: words, the source (a link to its official page
/// where the format has links), and the words after it.
pub struct BriefPart {
    before: String,
    source: String,
    url: String,
    after: String,
}

impl BriefPart {
    /// ", issued 2026-02-11)", or ")" when the page gives no issued date.
    fn closing(issued: Option<chrono::NaiveDate>) -> String {
        issued.map_or_else(|| ")".to_owned(), |d| format!(", issued {d})"))
    }
}

/// A brief line's parts joined with "; ", each rendered by `part`.
fn joined(line: &brief::BriefLine, part: impl Fn(&BriefPart) -> String) -> String {
    brief_parts(line)
        .iter()
        .map(part)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A brief line's parts, one per government: its move ("▲ US 1 → 2 (+health) on …") or its
/// indicator and reason changes, and the source it came from.
pub fn brief_parts(line: &brief::BriefLine) -> Vec<BriefPart> {
    let mut parts: Vec<BriefPart> = line
        .movers
        .iter()
        .map(|m| {
            let arrow = match m.net_steps() {
                n if n > 0 => "▲ ",
                n if n < 0 => "▼ ",
                _ => "",
            };
            BriefPart {
                before: format!("{arrow}{} {} (", m.government.abbr, mover_words(m)),
                source: m.source.clone(),
                url: m.url.clone(),
                after: BriefPart::closing(m.moves.last().and_then(|m| m.issued)),
            }
        })
        .collect();
    // One part per source: what its indicators and areas did over the period.
    let mut sources: Vec<&str> = line.indicators.iter().map(|i| i.source.as_str()).collect();
    sources.dedup();
    for source in sources {
        let changes: Vec<&brief::IndicatorChange> = line
            .indicators
            .iter()
            .filter(|i| i.source == source)
            .collect();
        let mut words: Vec<String> = Vec::new();
        for change in &changes {
            let change_words = indicator_words(&brief::IndicatorChange {
                areas_moved: false,
                ..(*change).clone()
            });
            if !change_words.is_empty() && !words.contains(&change_words) {
                words.push(change_words);
            }
        }
        let areas = changes.iter().filter(|c| c.areas_moved).count();
        if areas > 0 {
            words.push(format!(
                "areas changed{}",
                if areas == 1 {
                    String::new()
                } else {
                    format!(" {areas} times")
                }
            ));
        }
        let first = day(&changes[0].at);
        let last = day(&changes[changes.len() - 1].at);
        let newest = changes[changes.len() - 1];
        parts.push(BriefPart {
            before: format!("{} {} (", changes[0].government.abbr, words.join(", ")),
            source: source.to_owned(),
            url: newest.url.clone(),
            after: format!(
                ", {}{}",
                if first == last {
                    first.to_owned()
                } else {
                    format!("{first} to {last}")
                },
                BriefPart::closing(newest.issued)
            ),
        });
    }
    parts
}

/// `report --brief` as text: one line per country, then the summary-only count.
pub fn brief_text(brief: &brief::Brief) -> String {
    let mut out = format!("Travel advisory brief {}{}\n", brief.scope, brief.period);
    if brief.lines.is_empty() {
        out.push_str(&format!(
            "No advisory changed level or indicators {}{}.\n",
            brief.scope, brief.period
        ));
    }
    for line in &brief.lines {
        out.push_str(&format!(
            "{}: {}\n",
            one_line(&line.country),
            one_line(&joined(line, |p| format!(
                "{}{}{}",
                p.before, p.source, p.after
            )))
        ));
    }
    let rest = summary_only_sentence(brief.summary_only, brief.reissued);
    if !rest.is_empty() {
        out.push_str(&rest);
        out.push('\n');
    }
    out
}

/// `report --brief --format markdown`.
pub fn brief_markdown(brief: &brief::Brief) -> String {
    let mut out = format!(
        "**Travel advisory brief {}{}**\n\n",
        escape_markdown(&brief.scope),
        brief.period
    );
    if brief.lines.is_empty() {
        out.push_str(&format!(
            "No advisory changed level or indicators {}{}.\n",
            escape_markdown(&brief.scope),
            brief.period
        ));
    }
    for line in &brief.lines {
        out.push_str(&format!(
            "- **{}**: {}\n",
            escape_markdown(&one_line(&line.country)),
            joined(line, |p| format!(
                "{}{}{}",
                escape_markdown(&p.before),
                markdown_link(&p.url, &p.source),
                escape_markdown(&p.after)
            ))
        ));
    }
    let rest = summary_only_sentence(brief.summary_only, brief.reissued);
    if !rest.is_empty() {
        out.push_str(&format!("\n{rest}\n"));
    }
    out
}

/// `report --brief --format html`: one self-contained page.
pub fn brief_html(brief: &brief::Brief, generated_at: DateTime<Utc>) -> String {
    let title = format!("Travel advisory brief {}{}", brief.scope, brief.period);
    let mut body = format!(
        "{}<h1>{}</h1><p class=\"muted\">Made {} by advisory-watch.</p><ul class=\"brief\">",
        html::printed_line(Some(&brief.period), generated_at),
        escape(&title),
        escape(&made_words(generated_at))
    );
    if brief.lines.is_empty() {
        body.push_str(&format!(
            "<li>No advisory changed level or indicators {}{}.</li>",
            escape(&brief.scope),
            escape(&brief.period)
        ));
    }
    for line in &brief.lines {
        body.push_str(&format!(
            "<li><b>{}</b>: {}</li>",
            escape(&line.country),
            joined(line, |p| format!(
                "{}{}{}",
                escape(&p.before),
                html::link(&p.url, &p.source, "noreferrer"),
                escape(&p.after)
            ))
        ));
    }
    body.push_str("</ul>");
    let rest = summary_only_sentence(brief.summary_only, brief.reissued);
    if !rest.is_empty() {
        body.push_str(&format!("<p class=\"summary-only\">{}</p>", escape(&rest)));
    }
    html::page(&title, false, &body)
}
