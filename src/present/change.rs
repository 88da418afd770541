//! One change in every form: the HTML card, the JSON of `check` and `diff`, the text and the
//! Markdown of a terminal or a ticket, with the level line, the indicator line, the facts that
//! changed and the word diff of the summary. The period's report (`report`) and the
//! notifications put these together. Pure; page text is escaped in every form.

use serde_json::{Value, json};

use crate::model::advisory::{Advisory, Indicator, Level};
use crate::model::diff::{self, Change, Edit, WordDiff};
use crate::model::name::one_line;
use crate::present::words::{day, escape_markdown, markdown_link, plural, when_words};
use crate::store::StoredChange;

/// Changed summary paragraphs shown in terminal output; the rest are counted.
const TEXT_DIFF_PARAGRAPHS: usize = 6;

/// A stored change as an HTML card, with the word diff when the summary changed.
/// `compact` folds the note and the diff into a `<details>` under the facts.
pub fn card(change: &StoredChange, source_link: Option<String>, compact: bool) -> String {
    let diff = change
        .change
        .summary_changed
        .then(|| diff::word_diff(&change.old.summary, &change.new.summary));
    crate::present::html::change_card(
        &crate::present::html::CardContext {
            country: &change.country,
            source: &change.source,
            url: &change.url,
            detected_at: &change.detected_at,
            archived: change.archived,
            source_link,
            compact,
        },
        &change.change,
        diff.as_ref(),
    )
}

/// A change as the JSON of `check --format json` and `diff --format json` shows it.
pub fn change_json(change: &StoredChange) -> Value {
    let mut value = json!({
        "id": change.id.0,
        "source": change.source,
        "country": change.country,
        "url": change.url,
        "detected_at": change.detected_at,
        "archived": change.archived,
    });
    if let (Value::Object(map), Value::Object(fields)) =
        (&mut value, change_fields_json(&change.change))
    {
        map.extend(fields);
    }
    value
}

pub(crate) fn change_fields_json(c: &Change) -> Value {
    let new = c.kind() == crate::model::diff::ChangeKind::New;
    let mut fields = json!({
        "kind": c.kind(),
        "note_disagrees": c.note_disagrees,
        "level_from": (!new).then_some(c.level_from.number),
        "level_to": c.level_to.number,
        "level_from_label": (!new).then_some(&c.level_from.label),
        "level_to_label": c.level_to.label,
        "indicators_added": ids(&c.indicators_added),
        "indicators_removed": ids(&c.indicators_removed),
        "reasons_added": c.reasons_added,
        "reasons_removed": c.reasons_removed,
        "summary_changed": c.summary_changed,
        "issued_from": c.issued_from,
        "issued_to": c.issued_to,
        "change_note": c.change_note,
        "headline": c.headline,
    });
    // What the text still says, for a level that moved on the title alone.
    if let (Some(text), Value::Object(map)) = (c.text_level, &mut fields) {
        map.insert("text_level".to_owned(), json!(text));
    }
    fields
}

pub(crate) fn ids(indicators: &[Indicator]) -> Vec<&'static str> {
    indicators.iter().map(|i| i.id()).collect()
}

pub(crate) fn level_line(from: &Level, to: &Level) -> String {
    if from.number == to.number {
        format!("{to} (unchanged)")
    } else {
        format!("{from} -> {to}")
    }
}

pub(crate) fn indicator_line(change: &Change, new: &Advisory) -> String {
    let now: Vec<&str> = new.indicators.iter().map(|i| i.human()).collect();
    let mut line = if now.is_empty() {
        "none".to_owned()
    } else {
        now.join(", ")
    };
    let mut notes = Vec::new();
    if !change.indicators_added.is_empty() {
        notes.push(format!("added: {}", humans(&change.indicators_added)));
    }
    if !change.indicators_removed.is_empty() {
        notes.push(format!("removed: {}", humans(&change.indicators_removed)));
    }
    if !notes.is_empty() {
        line.push_str(&format!(" ({})", notes.join("; ")));
    }
    line
}

pub(crate) fn humans(indicators: &[Indicator]) -> String {
    indicators
        .iter()
        .map(|i| i.human())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One change as an analyst reads it at a terminal.
pub fn change_text(change: &StoredChange) -> String {
    // The first line is one line, whatever a feed or an older release stored.
    let mut out = format!(
        "{} ({}): {}\n",
        one_line(&change.country),
        one_line(&change.source),
        one_line(&change.change.headline)
    );
    if change.archived {
        out.push_str(&format!(
            "  archived:   first seen {}\n",
            day(&change.detected_at)
        ));
    } else {
        out.push_str(&format!("  detected:   {}\n", change.detected_at));
    }
    out.push_str(&format!("  page:       {}\n", change.url));
    out.push_str(&details_text(&change.change, &change.old, &change.new));
    out
}

/// The facts of a change and its summary diff, indented, one per line.
pub(crate) fn details_text(c: &Change, old: &Advisory, new: &Advisory) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "  level:      {}\n",
        level_line(&c.level_from, &c.level_to)
    ));
    out.push_str(&format!("  indicators: {}\n", indicator_line(c, new)));
    if !c.reasons_added.is_empty() || !c.reasons_removed.is_empty() {
        out.push_str(&format!(
            "  reasons:    {}\n",
            reason_notes(&c.reasons_added, &c.reasons_removed)
        ));
    }
    if c.issued_from != c.issued_to {
        let show = |d: Option<chrono::NaiveDate>| d.map_or("unknown".to_owned(), |d| d.to_string());
        out.push_str(&format!(
            "  issued:     {} -> {}\n",
            show(c.issued_from),
            show(c.issued_to)
        ));
    }
    if let Some(note) = &c.change_note {
        out.push_str(&format!("  note:       {note}\n"));
    }
    if c.summary_changed {
        out.push_str("  summary:\n");
        let diff = diff::word_diff(&old.summary, &new.summary);
        for line in diff.to_text(true, TEXT_DIFF_PARAGRAPHS).lines() {
            if line.is_empty() {
                out.push('\n');
            } else {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    out
}

pub(crate) fn reason_notes(added: &[String], removed: &[String]) -> String {
    let mut notes = Vec::new();
    if !added.is_empty() {
        notes.push(format!("added: {}", added.join(", ")));
    }
    if !removed.is_empty() {
        notes.push(format!("removed: {}", removed.join(", ")));
    }
    notes.join("; ")
}

/// One change as Markdown: a heading with the headline, a list of facts, and the summary diff
/// with deleted words struck through and inserted words in bold.
pub fn change_markdown(change: &StoredChange) -> String {
    let mut out = format!(
        "### {}: {}\n\n",
        escape_markdown(&one_line(&change.country)),
        escape_markdown(&one_line(&change.change.headline))
    );
    out.push_str(&format!(
        "- **Detected:** {} ({})\n",
        when_words(&change.detected_at, change.archived),
        markdown_link(&change.url, &change.source)
    ));
    out.push_str(&details_markdown(&change.change, &change.old, &change.new));
    out
}

pub(crate) fn details_markdown(c: &Change, old: &Advisory, new: &Advisory) -> String {
    let mut out = format!(
        "- **Level:** {}\n",
        escape_markdown(&level_line(&c.level_from, &c.level_to))
    );
    out.push_str(&format!(
        "- **Indicators:** {}\n",
        escape_markdown(&indicator_line(c, new))
    ));
    if !c.reasons_added.is_empty() || !c.reasons_removed.is_empty() {
        out.push_str(&format!(
            "- **Reasons:** {}\n",
            escape_markdown(&reason_notes(&c.reasons_added, &c.reasons_removed))
        ));
    }
    if let Some(note) = &c.change_note {
        out.push_str(&format!(
            "- **Publisher's note:** {}\n",
            escape_markdown(note)
        ));
    }
    if c.summary_changed {
        out.push_str("\n**Summary changes**\n\n");
        out.push_str(&word_diff_markdown(&diff::word_diff(
            &old.summary,
            &new.summary,
        )));
    }
    out
}

pub(crate) fn word_diff_markdown(diff: &WordDiff) -> String {
    let mut out = String::new();
    let mut folded = 0;
    for paragraph in &diff.paragraphs {
        if !paragraph.changed() {
            folded += 1;
            continue;
        }
        if folded > 0 {
            out.push_str(&format!(
                "> *({folded} unchanged paragraph{})*\n>\n",
                plural(folded)
            ));
            folded = 0;
        }
        out.push_str("> ");
        for segment in &paragraph.segments {
            let text = escape_markdown(&segment.text);
            match segment.edit {
                Edit::Equal => out.push_str(&text),
                Edit::Delete => out.push_str(&format!("~~{text}~~")),
                Edit::Insert => out.push_str(&format!("**{text}**")),
            }
        }
        out.push_str("\n>\n");
    }
    if folded > 0 {
        out.push_str(&format!(
            "> *({folded} unchanged paragraph{})*\n",
            plural(folded)
        ));
    }
    out.trim_end_matches(['\n', '>']).to_owned() + "\n"
}
