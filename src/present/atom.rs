//! The Atom feed of changes (RFC 4287): one entry per change, with an id that never changes.
//!
//! This module owns the feed's XML: the feed's id, title and updated time, and per change an
//! entry with a stable `urn:advisory-watch:change:<uid>` id, the country and headline as title,
//! the detection time, a link to the advisory page (only an http(s) one) and the change card as
//! escaped HTML content. The XML is written by quick-xml, which escapes; characters XML 1.0
//! does not allow (control characters, U+FFFE, U+FFFF) are dropped from page text first, so
//! one page cannot make the whole feed ill-formed. Pure: values in, text out.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use crate::model::diff;
use crate::present::html::{self, CardContext};
use crate::store::StoredChange;

/// `text` with only the characters XML 1.0 allows, and without the C1 controls it
/// discourages.
pub fn xml_text(text: &str) -> String {
    text.chars()
        .filter(|&c| match c {
            '\t' | '\n' | '\r' => true,
            '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}' => false,
            _ => true,
        })
        .collect()
}

type XmlResult = Result<(), std::io::Error>;

fn element(writer: &mut Writer<Vec<u8>>, name: &str, text: &str) -> XmlResult {
    writer
        .create_element(name)
        .write_text_content(BytesText::new(&xml_text(text)))?;
    Ok(())
}

/// The feed of `changes` (newest first), stamped `updated` when there is no change.
pub fn feed(changes: &[StoredChange], updated: &str, self_link: Option<&str>) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into a Vec cannot fail.
    let _ = write_feed(&mut writer, changes, updated, self_link);
    let mut out = String::from_utf8_lossy(&writer.into_inner()).into_owned();
    out.push('\n');
    out
}

fn write_feed(
    writer: &mut Writer<Vec<u8>>,
    changes: &[StoredChange],
    updated: &str,
    self_link: Option<&str>,
) -> XmlResult {
    let newest = changes
        .iter()
        .map(|c| c.detected_at.as_str())
        .max()
        .unwrap_or(updated);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    writer
        .create_element("feed")
        .with_attribute(("xmlns", "http://www.w3.org/2005/Atom"))
        .write_inner_content(|writer| {
            element(writer, "id", "urn:advisory-watch:changes")?;
            element(writer, "title", "Travel advisory changes")?;
            element(
                writer,
                "subtitle",
                "Changes to government travel advisories, found by advisory-watch",
            )?;
            element(writer, "updated", newest)?;
            writer
                .create_element("author")
                .write_inner_content(|writer| element(writer, "name", "advisory-watch"))?;
            element(writer, "generator", "advisory-watch")?;
            if let Some(link) = self_link {
                writer
                    .create_element("link")
                    .with_attribute(("rel", "self"))
                    .with_attribute(("href", xml_text(link).as_str()))
                    .write_empty()?;
            }
            for change in changes {
                write_entry(writer, change)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn write_entry(writer: &mut Writer<Vec<u8>>, change: &StoredChange) -> XmlResult {
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
            archived: change.archived,
            source_link: None,
            compact: false,
        },
        &change.change,
        diff.as_ref(),
    );
    let id = if change.uid.is_empty() {
        format!("urn:advisory-watch:change:{}", change.id.0)
    } else {
        format!("urn:advisory-watch:change:{}", change.uid)
    };
    let title = format!("{}: {}", change.country, change.change.headline);
    writer
        .create_element("entry")
        .write_inner_content(|writer| {
            element(writer, "id", &id)?;
            element(writer, "title", &title)?;
            // Atom needs a full date-time here (RFC 4287, 3.3): an archived version keeps the
            // noon the store records for its day, the one place its time of day shows; the
            // entry's card says "archived, first seen DAY".
            element(writer, "updated", &change.detected_at)?;
            if let Some(link) = html::link_target(&change.url) {
                writer
                    .create_element("link")
                    .with_attribute(("href", xml_text(&link).as_str()))
                    .write_empty()?;
            }
            writer
                .create_element("category")
                .with_attribute(("term", xml_text(&change.source).as_str()))
                .write_empty()?;
            element(writer, "summary", &change.change.headline)?;
            writer
                .create_element("content")
                .with_attribute(("type", "html"))
                .write_text_content(BytesText::new(&xml_text(&card)))?;
            Ok(())
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_xml_forbids_are_dropped() {
        assert_eq!(
            xml_text("a\u{ffff}b\u{fffe}c\u{1b}d\u{7}e\u{85}f\tg\nh"),
            "abcdef\tg\nh"
        );
        assert_eq!(xml_text("naïve — 😀"), "naïve — 😀");
    }
}
