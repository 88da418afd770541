//! The State Department's RSS feed: every advisory in one document.
//!
//! This module owns reading the feed (<https://travel.state.gov/_res/rss/TAsTWs.xml>) into one
//! advisory per item, keyed by the country named in the item's title (the `Country-Tag`
//! category is missing on some items, so it cannot be the key). The level comes from the
//! `Threat-Level` category or the title; the change note from the description's first
//! paragraph when it is bold italic; indicators and reasons from its "... due to ..." statement;
//! the summary from the rest, up to "If you decide to travel"; areas with a level of their own
//! from their sentences. A statement of another level than the title's is kept as the text's
//! level (`Advisory::text_level`): the title moved first, and the move is unconfirmed until
//! the text says it too. A placeholder or hollow item is a failure of its country, whatever
//! its title says. A publication date before 2000 (the feed has some in 1970) is taken as
//! unknown. Pure: text in, items out.

use chrono::Datelike;

use crate::model::advisory::{Advisory, Level, parse_date};
use crate::read::alert;
use crate::read::document::{Extracted, Item};
use crate::read::paragraphs::fragment_blocks;

/// The profile name recorded on versions read from the feed.
pub const PROFILE: &str = "state-dept-rss";

/// Reads every item of the feed. Fails only when the document is not an RSS feed, or when
/// every item is hollow (the feed has days where every item is re-dated with an empty
/// description: that is the feed failing, not 200 advisories failing); an item that cannot be
/// read is an item whose outcome is an error.
///
/// Two items that name one country become one: the item with the latest plausible date, then
/// the one that reads, then the longer text, then the smaller hash of its text. The choice
/// depends only on the items' content, never on their order, so it does not flip from one
/// check to the next.
pub fn read(xml: &str) -> Result<Vec<Item>, String> {
    let document = crate::read::data_limits::parse_xml(xml, "the feed")?;
    let Some(channel) = document.descendants().find(|n| n.has_tag_name("channel")) else {
        return Err("the document is not an RSS feed (no <channel>)".to_owned());
    };
    let text_of = |node: roxmltree::Node<'_, '_>, name: &str| {
        node.children()
            .find(|c| c.has_tag_name(name))
            .and_then(|c| c.text())
            .map(|t| t.trim().to_owned())
            .unwrap_or_default()
    };
    // A date after the feed's own is impossible (2052, 2920). Without a channel date, the
    // items' own dates tell: more than two years after their median is impossible.
    let latest_plausible = ["date", "lastBuildDate", "pubDate"]
        .iter()
        .find_map(|name| parse_date(&text_of(channel, name)))
        .or_else(|| {
            let mut dates: Vec<chrono::NaiveDate> = document
                .descendants()
                .filter(|n| n.has_tag_name("item"))
                .filter_map(|n| parse_date(&text_of(n, "pubDate")))
                .collect();
            dates.sort_unstable();
            dates
                .get(dates.len() / 2)
                .map(|d| *d + chrono::Days::new(731))
        })
        .map(|d| d + chrono::Days::new(2));
    let mut read_items: Vec<(Item, Candidate)> = Vec::new();
    let mut hollow = 0usize;
    for node in document.descendants().filter(|n| n.has_tag_name("item")) {
        let category = |domain: &str| {
            node.children()
                .filter(|c| c.has_tag_name("category"))
                .find(|c| c.attribute("domain") == Some(domain))
                .and_then(|c| c.text())
                .map(|t| t.trim().to_owned())
        };
        let title = text_of(node, "title");
        let country = country_of(&title);
        if country.is_empty() {
            continue;
        }
        let description = text_of(node, "description");
        let link = text_of(node, "link");
        let outcome = read_item(
            &title,
            &country,
            category("Threat-Level").as_deref(),
            &text_of(node, "pubDate"),
            &description,
            latest_plausible,
        );
        if description.trim().is_empty() {
            hollow += 1;
        }
        let candidate = Candidate {
            issued: outcome.as_ref().ok().and_then(|e| e.advisory.issued),
            reads: outcome.is_ok(),
            length: description.len(),
            hash: xxhash_rust::xxh3::xxh3_64(description.as_bytes()),
        };
        let item = Item {
            key: slug(&country),
            country,
            url: (!link.is_empty()).then_some(link),
            outcome,
        };
        match read_items.iter_mut().find(|(i, _)| i.key == item.key) {
            Some(slot) => {
                if candidate.rank() > slot.1.rank() {
                    *slot = (item, candidate);
                }
            }
            None => read_items.push((item, candidate)),
        }
    }
    if read_items.is_empty() {
        return Err("the feed has no <item> with a title".to_owned());
    }
    if hollow > 0 && read_items.iter().all(|(_, c)| !c.reads) {
        return Err(format!(
            "every item of the feed is empty or unreadable ({hollow} with an empty description); the feed is not usable today"
        ));
    }
    Ok(read_items.into_iter().map(|(item, _)| item).collect())
}

/// What decides between two items that name one country.
struct Candidate {
    issued: Option<chrono::NaiveDate>,
    reads: bool,
    length: usize,
    hash: u64,
}

impl Candidate {
    fn rank(
        &self,
    ) -> (
        Option<chrono::NaiveDate>,
        bool,
        usize,
        std::cmp::Reverse<u64>,
    ) {
        (
            self.issued,
            self.reads,
            self.length,
            std::cmp::Reverse(self.hash),
        )
    }
}

/// The country an item's title names: "Mali - Level 4: Do Not Travel" gives "Mali";
/// "Mexico Travel Advisory - Level 2" gives "Mexico"; "Mainland China, Hong Kong & Macau -
/// See Summaries - Level 2" gives "Mainland China, Hong Kong & Macau".
pub fn country_of(title: &str) -> String {
    let title = crate::model::advisory::collapse_whitespace(title);
    let mut name = match title.find(" - Level") {
        Some(at) => &title[..at],
        None => title.as_str(),
    }
    .trim();
    loop {
        let before = name;
        for tail in ["Travel Advisory", "- See Summaries", "See Summaries"] {
            if let Some(rest) = name.strip_suffix(tail) {
                name = rest.trim();
            }
        }
        name = name.trim_end_matches(['-', ':', '\u{2013}']).trim();
        if name == before {
            break;
        }
    }
    name.to_owned()
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
    latest_plausible: Option<chrono::NaiveDate>,
) -> Result<Extracted, String> {
    let level = threat_level
        .and_then(Level::parse)
        .or_else(|| Level::parse(title))
        .ok_or_else(|| {
            format!("feed item \"{title}\" states no level (Threat-Level category or title)")
        })?;
    let blocks = fragment_blocks(description);
    if blocks.is_empty() {
        return Err(format!(
            "feed item \"{title}\" has an empty description: a hollow item, not an advisory"
        ));
    }
    let all_text = blocks
        .iter()
        .map(|b| b.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    if all_text.to_lowercase().contains("summary not available") {
        return Err(format!(
            "feed item \"{title}\" is a placeholder (\"Summary not available\"), not an advisory; its level {} is not taken",
            level.number
        ));
    }
    // The title states the level; a description without a statement (North Macedonia: only
    // "Read the country information page ...") is still that advisory's text. A statement
    // of another level is a text that has not caught up with its title yet: the level is the
    // title's, unconfirmed, and the text's is kept beside it.
    let text = alert::read(&blocks, Some(country));
    let text_level = text
        .statement_level
        .filter(|stated| *stated != level.number);
    let issued = parse_date(pub_date)
        .filter(|d| d.year() >= 2000 && latest_plausible.is_none_or(|latest| *d <= latest));
    Ok(Extracted {
        profile: PROFILE.to_owned(),
        advisory: Advisory {
            level,
            indicators: text.indicators,
            reasons: text.reasons,
            summary: text.summary.join("\n\n"),
            issued,
            change_note: text.note,
            areas: text.areas,
            withdrawn: false,
            partial: false,
            text_level,
            full_name: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::advisory::Indicator;

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
    fn impossible_dates_are_unknown_even_without_a_channel_date() {
        let item = |date: &str| {
            format!(
                "<item><title>Chad - Level 3: Reconsider Travel</title><pubDate>{date}</pubDate><description><![CDATA[<p>Reconsider travel to Chad due to <b>crime</b>.</p>]]></description></item>"
            )
        };
        let mut xml = String::from("<rss version=\"2.0\"><channel><title>t</title>");
        for day in 1..=9 {
            xml.push_str(
                &item(&format!("Thu, 0{day} Oct 2025")).replace("Chad", &format!("Chad{day}")),
            );
        }
        xml.push_str(&item("Sun, 29 Apr 2920"));
        xml.push_str("</channel></rss>");
        let items = read(&xml).expect("a feed");
        let chad = items.iter().find(|i| i.key == "chad").expect("chad");
        assert_eq!(chad.outcome.as_ref().expect("reads").advisory.issued, None);
        let chad1 = items.iter().find(|i| i.key == "chad1").expect("chad1");
        assert!(
            chad1
                .outcome
                .as_ref()
                .expect("reads")
                .advisory
                .issued
                .is_some()
        );
    }

    #[test]
    fn a_title_ahead_of_its_text_is_read_at_the_titles_level_with_the_texts_beside_it() {
        let item = |title: &str, text: &str| {
            format!(
                "<rss version=\"2.0\"><channel><title>t</title><item><title>Sweden - {title}</title><pubDate>Wed, 24 Jul 2024</pubDate>\
                 <description><![CDATA[{text}]]></description><category domain=\"Threat-Level\">{title}</category></item></channel></rss>"
            )
        };
        let stale = "<p>Exercise increased caution in Sweden due to <b>terrorism</b>.</p><p><b>Country Summary:</b> Terrorists may attack.</p>";
        let items = read(&item("Level 3: Reconsider Travel", stale)).expect("a feed");
        let sweden = &items[0].outcome.as_ref().expect("reads").advisory;
        assert_eq!((sweden.level.number, sweden.text_level), (3, Some(2)));
        assert_eq!(sweden.indicators, [Indicator::Terrorism]);
        let agreed = read(&item("Level 2: Exercise Increased Caution", stale)).expect("a feed");
        let sweden = &agreed[0].outcome.as_ref().expect("reads").advisory;
        assert_eq!((sweden.level.number, sweden.text_level), (2, None));
        // A placeholder's title is never taken, whatever it says.
        let placeholder = read(&item(
            "Level 4: Do Not Travel",
            "<p>Summary not available</p>",
        ))
        .expect("a feed");
        let failure = placeholder[0].outcome.as_ref().expect_err("a failure");
        assert!(failure.contains("placeholder"), "{failure}");
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
