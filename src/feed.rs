//! The State Department's RSS feed: every advisory in one document.
//!
//! This module owns reading the feed (<https://travel.state.gov/_res/rss/TAsTWs.xml>) into one
//! advisory per item, keyed by the country named in the item's title (the `Country-Tag`
//! category is missing on some items, so it cannot be the key). The level comes from the
//! `Threat-Level` category or the title; the change note from the description's first
//! paragraph when it is bold italic; indicators and reasons from its "... due to ..." statement;
//! the summary from the rest, up to "If you decide to travel"; areas with a level of their own
//! from their sentences. A publication date before 2000 (the feed has some in 1970) is taken as
//! unknown. Pure: text in, items out.

use chrono::Datelike;

use crate::advisory::{Advisory, Level, level_of_guidance, parse_areas, parse_causes, parse_date};
use crate::extract::{Extracted, Item, fragment_parts};

/// The profile name recorded on versions read from the feed.
pub const PROFILE: &str = "state-dept-rss";

/// Reads every item of the feed. Fails only when the document is not an RSS feed; an item that
/// cannot be read is an item whose outcome is an error.
pub fn read(xml: &str) -> Result<Vec<Item>, String> {
    let document = roxmltree::Document::parse(xml)
        .map_err(|e| format!("the feed is not well-formed XML: {e}"))?;
    if !document.descendants().any(|n| n.has_tag_name("channel")) {
        return Err("the document is not an RSS feed (no <channel>)".to_owned());
    }
    let mut items: Vec<Item> = Vec::new();
    for node in document.descendants().filter(|n| n.has_tag_name("item")) {
        let child = |name: &str| {
            node.children()
                .find(|c| c.has_tag_name(name))
                .and_then(|c| c.text())
                .map(|t| t.trim().to_owned())
                .unwrap_or_default()
        };
        let category = |domain: &str| {
            node.children()
                .filter(|c| c.has_tag_name("category"))
                .find(|c| c.attribute("domain") == Some(domain))
                .and_then(|c| c.text())
                .map(|t| t.trim().to_owned())
        };
        let title = child("title");
        let country = country_of(&title);
        if country.is_empty() {
            continue;
        }
        let mut key = slug(&country);
        // Two items naming one country keep distinct keys, in feed order.
        let mut n = 2;
        while items.iter().any(|i| i.key == key) {
            key = format!("{}-{n}", slug(&country));
            n += 1;
        }
        let link = child("link");
        let outcome = read_item(
            &title,
            &country,
            category("Threat-Level").as_deref(),
            &child("pubDate"),
            &child("description"),
        );
        items.push(Item {
            key,
            country,
            url: (!link.is_empty()).then_some(link),
            outcome,
        });
    }
    if items.is_empty() {
        return Err("the feed has no <item> with a title".to_owned());
    }
    Ok(items)
}

/// The country an item's title names: "Mali - Level 4: Do Not Travel" gives "Mali";
/// "Mexico Travel Advisory" gives "Mexico".
pub fn country_of(title: &str) -> String {
    let title = title.trim();
    let name = match title.find(" - Level") {
        Some(at) => &title[..at],
        None => title.trim_end_matches("Travel Advisory").trim_end(),
    };
    name.trim().trim_end_matches(['-', ':']).trim().to_owned()
}

/// A stable key for a country name: "Burma (Myanmar)" gives "burma-myanmar".
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.to_lowercase().chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

fn read_item(
    title: &str,
    country: &str,
    threat_level: Option<&str>,
    pub_date: &str,
    description: &str,
) -> Result<Extracted, String> {
    let level = threat_level
        .and_then(Level::parse)
        .or_else(|| Level::parse(title))
        .ok_or_else(|| {
            format!("feed item \"{title}\" states no level (Threat-Level category or title)")
        })?;
    let (change_note, blocks) = fragment_parts(description);
    // The country's statement: the first paragraph that opens with a guidance phrase.
    let statement = blocks.iter().position(|b| {
        let head: String = b.chars().take(40).collect();
        level_of_guidance(&head).is_some() && !b.to_lowercase().starts_with("level ")
    });
    let causes = statement
        .map(|i| parse_causes(&blocks[i]))
        .unwrap_or_default();
    let start = statement.map_or(0, |i| i + 1);
    let summary: Vec<String> = blocks[start..]
        .iter()
        .take_while(|b| !b.to_lowercase().starts_with("if you decide to travel"))
        .filter(|b| {
            let lower = b.trim_end_matches(':').trim().to_lowercase();
            lower != "advisory summary" && lower != "country summary"
        })
        .cloned()
        .collect();
    if summary.is_empty() && statement.is_none() {
        return Err(format!(
            "feed item \"{title}\" has no advisory text in its description"
        ));
    }
    let areas = parse_areas(&summary, Some(country));
    let issued = parse_date(pub_date).filter(|d| d.year() >= 2000);
    Ok(Extracted {
        profile: PROFILE.to_owned(),
        advisory: Advisory {
            level,
            indicators: causes.indicators,
            reasons: causes.reasons,
            summary: summary.join("\n\n"),
            issued,
            change_note,
            areas,
            withdrawn: false,
            partial: false,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisory::Indicator;

    const FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel><title>t</title>
<item><title>Croatia - Level 1: Exercise Normal Precautions</title>
<link>https://travel.state.gov/croatia.html</link><pubDate>Thu, 09 Oct 2025</pubDate>
<description><![CDATA[<p><b><i>There were no changes to the advisory level. An area of increased risk was added.</i></b>&nbsp;</p>
<p><b>Advisory Summary</b></p>
<p>Exercise normal precautions in Croatia. Some areas have increased risk.</p>
<p><b>Level 2: Exercise Increased Caution</b></p>
<p><b>Karlovac and Lika-Senj counties<br></b>Exercise increased caution in Karlovac and Lika-Senj counties due to landmines.</p>
<p><b>If you decide to travel to Croatia:</b></p><ul><li>Stay on roads.</li></ul>]]></description>
<category domain="Threat-Level">Level 1: Exercise Normal Precautions</category></item>
<item><title>Mali - Level 4: Do Not Travel</title><pubDate>Thu, 01 Jan 1970</pubDate>
<description><![CDATA[<p>Do not travel to Mali due to <b>crime, terrorism,</b> and <b>kidnapping</b>.</p><p>Country Summary: Violent crime is common.</p>]]></description></item>
</channel></rss>"#;

    #[test]
    fn items_become_advisories_keyed_by_country() {
        let items = read(FEED).expect("a feed");
        assert_eq!(items.len(), 2);
        assert_eq!(
            (items[0].key.as_str(), items[0].country.as_str()),
            ("croatia", "Croatia")
        );
        let croatia = &items[0].outcome.as_ref().expect("reads").advisory;
        assert_eq!(croatia.level.number, 1);
        assert_eq!(
            croatia.change_note.as_deref(),
            Some(
                "There were no changes to the advisory level. An area of increased risk was added."
            )
        );
        assert_eq!(croatia.areas.len(), 1);
        assert_eq!(croatia.areas[0].name, "Karlovac and Lika-Senj counties");
        assert!(
            !croatia.summary.contains("Stay on roads"),
            "advice is not summary"
        );
        assert_eq!(croatia.issued, chrono::NaiveDate::from_ymd_opt(2025, 10, 9));

        let mali = &items[1].outcome.as_ref().expect("reads").advisory;
        assert_eq!(
            mali.indicators,
            [
                Indicator::Crime,
                Indicator::Terrorism,
                Indicator::Kidnapping
            ]
        );
        assert_eq!(mali.issued, None, "a 1970 date is unknown, not a reissue");
        assert_eq!(
            mali.level.number, 4,
            "level from the title without a category"
        );
    }

    #[test]
    fn titles_and_slugs() {
        assert_eq!(country_of("Mexico Travel Advisory"), "Mexico");
        assert_eq!(
            country_of("Burma (Myanmar) - Level 4: Do Not Travel"),
            "Burma (Myanmar)"
        );
        assert_eq!(slug("Burma (Myanmar)"), "burma-myanmar");
        assert_eq!(slug("Côte d’Ivoire"), "côte-d-ivoire");
        assert!(read("<html></html>").is_err());
        assert!(read("not xml").is_err());
    }
}
