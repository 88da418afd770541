//! XML sources read with simple element paths: Nederland Wereldwijd's travel advice, and any
//! government that publishes XML.
//!
//! This module owns reading an XML document with an [`XmlProfile`]: one advisory from the whole
//! document, or one per element at the `items` path. A path is element names joined by `/`
//! from the root element (or from an item), with `@name` last for an attribute; a field's text
//! is every text inside the element, HTML in it (CDATA) made text. The level is the profile's
//! `level_map` applied to the level's text (or the State Department's "Level N" wording without
//! one). Pure: text in, advisories out; roxmltree parses, with no DTDs or external entities.

use roxmltree::Node;

use crate::model::advisory::{Advisory, Level, collapse_whitespace};
use crate::model::profile::XmlProfile;
use crate::model::scale;
use crate::read::document::{Document, Extracted, Item};
use crate::read::feed::slug;
use crate::read::paragraphs::html_to_text;

/// Reads an XML document with a profile.
pub fn read(profile: &XmlProfile, text: &str) -> Result<Document, String> {
    let document =
        crate::read::data_limits::parse_xml(text.trim_start_matches('\u{feff}'), "the document")?;
    let root = document.root_element();
    let Some(items) = &profile.items else {
        return Ok(Document::One(advisory(profile, root)));
    };
    let nodes = elements(root, items);
    if nodes.is_empty() {
        return Err(format!(
            "path `{items}` (items) in profile `{}` finds no element; the format may have changed",
            profile.name
        ));
    }
    let mut out = Vec::with_capacity(nodes.len());
    for (index, node) in nodes.into_iter().enumerate() {
        let country = profile
            .country
            .as_deref()
            .and_then(|p| text_at(node, p))
            .unwrap_or_else(|| index.to_string());
        let key = profile
            .key
            .as_deref()
            .and_then(|p| text_at(node, p))
            .unwrap_or_else(|| country.clone());
        out.push(Item {
            key: slug(&key),
            country,
            url: profile.url.as_deref().and_then(|p| text_at(node, p)),
            outcome: advisory(profile, node),
        });
    }
    Ok(Document::Many(out))
}

/// Every element at a path below `from` (the attribute step, if any, left out).
fn elements<'a, 'input>(from: Node<'a, 'input>, path: &str) -> Vec<Node<'a, 'input>> {
    let mut current = vec![from];
    for step in path.split('/').filter(|s| !s.starts_with('@')) {
        current = current
            .iter()
            .flat_map(|node| {
                node.children()
                    .filter(move |c| c.is_element() && c.tag_name().name() == step)
            })
            .collect();
    }
    current
}

/// The text at a path: an attribute's value, or every text inside the first element, HTML
/// made text and whitespace collapsed. `None` when nothing is there.
fn text_at(from: Node<'_, '_>, path: &str) -> Option<String> {
    let attribute = path.rsplit('/').next().and_then(|s| s.strip_prefix('@'));
    let node = *elements(from, path).first()?;
    let raw: String = match attribute {
        Some(name) => node.attribute(name)?.to_owned(),
        None => node
            .descendants()
            .filter(Node::is_text)
            .filter_map(|n| n.text())
            .collect(),
    };
    let text = if raw.contains('<') {
        html_to_text(&raw)
    } else {
        collapse_whitespace(&raw)
    };
    Some(text).filter(|t| !t.trim().is_empty())
}

fn advisory(profile: &XmlProfile, node: Node<'_, '_>) -> Result<Extracted, String> {
    let level_text = text_at(node, &profile.level).ok_or_else(|| {
        format!(
            "path `{}` (level) in profile `{}` finds no text; the format may have changed",
            profile.level, profile.name
        )
    })?;
    let (mut level, areas) = match &profile.level_map {
        Some(map) => {
            let reading = map.read(&level_text).map_err(|message| {
                format!(
                    "path `{}` (level) in profile `{}`: {message}",
                    profile.level, profile.name
                )
            })?;
            (reading.level, reading.areas)
        }
        None => (
            Level::parse(&level_text).ok_or_else(|| {
                format!(
                    "path `{}` (level) in profile `{}` holds no level from 1 to 4; give the profile a level_map",
                    profile.level, profile.name
                )
            })?,
            Vec::new(),
        ),
    };
    if let Some(label) = profile
        .level_label
        .as_deref()
        .and_then(|p| text_at(node, p))
    {
        level.label = label;
    }
    let field = |path: &Option<String>| path.as_deref().and_then(|p| text_at(node, p));
    Ok(Extracted {
        profile: profile.name.clone(),
        advisory: Advisory {
            level,
            indicators: Vec::new(),
            reasons: Vec::new(),
            summary: field(&profile.summary).unwrap_or_default(),
            issued: field(&profile.issued).and_then(|t| scale::date(&t)),
            change_note: field(&profile.change_note).map(|t| collapse_whitespace(&t)),
            areas,
            withdrawn: false,
            partial: false,
            text_level: None,
            full_name: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::profile::{ProfileSet, Reader};

    fn profile(toml_text: &str) -> std::sync::Arc<XmlProfile> {
        let user = toml::from_str(toml_text).expect("toml");
        let set = ProfileSet::with_user_profiles(&user).expect("compiles");
        match set.reader(&["x".into()], "test").expect("reader") {
            Reader::Xml(p) => p,
            other => panic!("{:?}", other.names()),
        }
    }

    #[test]
    fn items_paths_attributes_and_an_unmapped_value() {
        let p = profile(
            r#"[x]
            format = "xml"
            items = "countries/country"
            key = "@iso"
            country = "name"
            level = "risk"
            level_map = { low = 1, high = 3 }
            issued = "updated"
            "#,
        );
        let xml = r#"<?xml version="1.0"?><root><countries>
            <country iso="NP"><name>Nepal</name><risk> High </risk><updated>2026-04-20</updated></country>
            <country iso="FR"><name>France</name><risk>purple</risk></country>
        </countries></root>"#;
        let Ok(Document::Many(items)) = read(&p, xml) else {
            panic!("items");
        };
        assert_eq!(items[0].key, "np");
        let nepal = items[0].outcome.as_ref().expect("nepal reads");
        assert_eq!(nepal.advisory.level.number, 3);
        assert_eq!(nepal.advisory.level.label, "High");
        assert_eq!(
            nepal.advisory.issued,
            chrono::NaiveDate::from_ymd_opt(2026, 4, 20)
        );
        let france = items[1].outcome.as_ref().expect_err("purple is not mapped");
        assert!(
            france.contains("\"purple\" is not in the profile's level_map"),
            "{france}"
        );
        assert!(
            read(&p, "<root><unclosed></root>")
                .expect_err("not xml")
                .contains("not well-formed XML")
        );
    }
}
