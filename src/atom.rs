//! The Atom feed of changes (RFC 4287): one entry per change, with an id that never changes.
//!
//! This module owns the feed's XML: the feed's id, title and updated time, and per change an
//! entry with a stable `urn:advisory-watch:change:<uid>` id, the country and headline as title,
//! the detection time, a link to the advisory page and the change card as escaped HTML content.
//! Pure: values in, text out.

use std::fmt::Write as _;

use crate::diff;
use crate::html::{self, CardContext};
use crate::store::StoredChange;

/// Escapes text for XML, dropping the control characters XML 1.0 does not allow.
fn xml_escape(text: &str) -> String {
    let allowed: String = text
        .chars()
        .filter(|c| (*c as u32) >= 0x20 || matches!(c, '\t' | '\n' | '\r'))
        .collect();
    html::escape(&allowed)
}

/// The feed of `changes` (newest first), stamped `updated` when there is no change.
pub fn feed(changes: &[StoredChange], updated: &str, self_link: Option<&str>) -> String {
    let newest = changes
        .iter()
        .map(|c| c.detected_at.as_str())
        .max()
        .unwrap_or(updated);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    out.push_str("  <id>urn:advisory-watch:changes</id>\n");
    out.push_str("  <title>Travel advisory changes</title>\n");
    out.push_str(
        "  <subtitle>Changes to government travel advisories, found by advisory-watch</subtitle>\n",
    );
    let _ = writeln!(out, "  <updated>{}</updated>", xml_escape(newest));
    out.push_str("  <author><name>advisory-watch</name></author>\n");
    out.push_str("  <generator>advisory-watch</generator>\n");
    if let Some(link) = self_link {
        let _ = writeln!(out, "  <link rel=\"self\" href=\"{}\"/>", xml_escape(link));
    }
    for change in changes {
        let diff = change
            .change
            .summary_changed
            .then(|| diff::word_diff(&change.old.summary, &change.new.summary));
        let card = html::change_card(
            &CardContext {
                country: &change.country,
                source: &change.source,
                url: &change.url,
                detected_at: &change.detected_at,
                source_link: None,
            },
            &change.change,
            diff.as_ref(),
        );
        let id = if change.uid.is_empty() {
            format!("urn:advisory-watch:change:{}", change.id.0)
        } else {
            format!("urn:advisory-watch:change:{}", change.uid)
        };
        out.push_str("  <entry>\n");
        let _ = writeln!(out, "    <id>{}</id>", xml_escape(&id));
        let _ = writeln!(
            out,
            "    <title>{}: {}</title>",
            xml_escape(&change.country),
            xml_escape(&change.change.headline)
        );
        let _ = writeln!(
            out,
            "    <updated>{}</updated>",
            xml_escape(&change.detected_at)
        );
        let _ = writeln!(out, "    <link href=\"{}\"/>", xml_escape(&change.url));
        let _ = writeln!(
            out,
            "    <category term=\"{}\"/>",
            xml_escape(&change.source)
        );
        let _ = writeln!(
            out,
            "    <summary>{}</summary>",
            xml_escape(&change.change.headline)
        );
        let _ = writeln!(
            out,
            "    <content type=\"html\">{}</content>",
            xml_escape(&card)
        );
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}
