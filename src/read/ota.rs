//! Hong Kong's Outbound Travel Alert index (`ota_index.json` of the Security Bureau).
//!
//! This module owns reading the index into one advisory per country: the index lists buckets
//! (`otas`, each with a `level` such as `amber`, `red` or `black`, English words and advice,
//! and `countries`), and a country may stand in several buckets, for the whole country or for
//! an area ("Japan (areas near the Fukushima Dai-ichi nuclear power plant)", "Türkiye
//! (south-eastern provinces)"). Only entries with `showInIndex: 1` count. The bucket's level is
//! mapped by the profile's `level_map` (`scale`), a country listed only for areas takes the
//! map's `"not listed"` value, and areas are kept when higher than the whole country. Pure:
//! text in, advisories out.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::advisory::{Advisory, Area, collapse_whitespace};
use crate::model::country;
use crate::model::profile::OtaProfile;
use crate::model::scale::{self, LevelMap};
use crate::read::document::{Document, Extracted, Item};
use crate::read::paragraphs::html_to_text;

/// The value a country listed only for areas (or not at all) is looked up as.
pub const NOT_LISTED: &str = "not listed";

/// One entry of a bucket, for one country.
struct Entry {
    title: String,
    level: String,
    words: String,
    advice: String,
    extra: Option<String>,
    updated: Option<chrono::NaiveDate>,
}

/// Reads the index with a profile.
pub fn read(profile: &OtaProfile, text: &str) -> Result<Document, String> {
    let root: Value = crate::read::data_limits::parse_json(text)?;
    let buckets = root.get("otas").and_then(Value::as_array).ok_or_else(|| {
        format!(
            "`otas` in profile `{}` is not a list of alert levels; the format may have changed",
            profile.name
        )
    })?;
    let mut by_code: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for bucket in buckets {
        let text = |name: &str| {
            bucket
                .get(name)
                .and_then(Value::as_str)
                .map(collapse_whitespace)
                .unwrap_or_default()
        };
        let level = text("level");
        let advice = advice_text(&text("adviceEn"));
        for entry in bucket
            .get("countries")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let shown = entry.get("showInIndex").is_some_and(|v| {
                v.as_i64() == Some(1) || v.as_str().is_some_and(|s| s.trim() == "1")
            });
            let code = entry
                .get("countryCode")
                .and_then(Value::as_str)
                .map(|c| c.trim().to_ascii_uppercase())
                .unwrap_or_default();
            let title = entry
                .get("titleEn")
                .and_then(Value::as_str)
                .map(collapse_whitespace)
                .unwrap_or_default();
            if !shown || code.len() != 2 || title.is_empty() {
                continue;
            }
            by_code.entry(code).or_default().push(Entry {
                title,
                level: level.clone(),
                words: text("titleEn"),
                advice: advice.clone(),
                extra: Some(text("levelExt")).filter(|e| !e.is_empty()),
                updated: entry
                    .get("updateDate")
                    .and_then(Value::as_str)
                    .and_then(scale::date),
            });
        }
    }
    Ok(Document::Many(
        by_code
            .into_iter()
            .map(|(code, entries)| item(profile, &code, entries))
            .collect(),
    ))
}

/// "&lt;li&gt;Adjust travel plans&lt;/li&gt;…" as "Adjust travel plans; Avoid non-essential travel".
fn advice_text(escaped: &str) -> String {
    let html = escaped
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    html_to_text(&html)
        .split("\n\n")
        .collect::<Vec<_>>()
        .join("; ")
}

/// The area an entry's title names, or `None` when it is about the whole country: words in
/// parentheses, or words after one of the country's names ("Saudi Arabia's border regions").
fn area_of(title: &str, code: &str) -> Option<String> {
    if let (Some(open), Some(close)) = (title.find('('), title.rfind(')'))
        && open < close
    {
        return Some(title[open + 1..close].trim().to_owned());
    }
    let known = country::resolve(code)?;
    let wanted = country::key(title);
    if known.names.iter().any(|n| country::key(n) == wanted) {
        return None;
    }
    known
        .names
        .iter()
        .find(|n| wanted.starts_with(&format!("{} ", country::key(n))))
        .map(|_| title.to_owned())
}

fn item(profile: &OtaProfile, code: &str, entries: Vec<Entry>) -> Item {
    let name = entries
        .iter()
        .find(|e| area_of(&e.title, code).is_none())
        .map(|e| e.title.clone())
        .or_else(|| country::resolve(code).map(|c| c.name.to_owned()))
        .unwrap_or_else(|| {
            let title = &entries[0].title;
            title.split('(').next().unwrap_or(title).trim().to_owned()
        });
    Item {
        key: code.to_ascii_lowercase(),
        country: name,
        url: None,
        outcome: advisory(profile, code, &entries),
    }
}

fn advisory(profile: &OtaProfile, code: &str, entries: &[Entry]) -> Result<Extracted, String> {
    let map: &LevelMap = &profile.level_map;
    let lookup = |value: &str| {
        map.lookup(value).ok_or_else(|| {
            format!(
                "alert level in profile `{}`: {}",
                profile.name,
                map.unmapped(value)
            )
        })
    };
    let mut whole: Option<(scale::Mapped, &Entry)> = None;
    let mut areas = Vec::new();
    for entry in entries {
        let mapped = lookup(&entry.level)?;
        match area_of(&entry.title, code) {
            Some(area) => areas.push(Area {
                name: area,
                level: mapped.meaning.level,
                reasons: entry.extra.iter().cloned().collect(),
            }),
            None => {
                if whole
                    .as_ref()
                    .is_none_or(|(w, _)| mapped.meaning.level > w.meaning.level)
                {
                    whole = Some((mapped, entry));
                }
            }
        }
    }
    let mapped = match &whole {
        Some((mapped, entry)) => {
            let mut mapped = mapped.clone();
            if mapped.meaning.label.is_none() {
                mapped.meaning.label = Some(format!(
                    "{} Outbound Travel Alert: {}",
                    capitalised(&entry.level),
                    entry.words
                ));
            }
            mapped
        }
        None => lookup(NOT_LISTED)?,
    };
    let reading = scale::reading(mapped, areas);
    let summary = entries
        .iter()
        .map(|e| format!("{}: {}", e.title, e.advice))
        .collect::<Vec<_>>()
        .join("\n\n");
    let reasons = whole
        .as_ref()
        .and_then(|(_, e)| e.extra.as_ref())
        .map(|e| vec![e.clone()])
        .unwrap_or_default();
    Ok(Extracted {
        profile: profile.name.clone(),
        advisory: Advisory {
            level: reading.level,
            indicators: Vec::new(),
            reasons,
            summary,
            issued: entries.iter().filter_map(|e| e.updated).max(),
            change_note: None,
            areas: reading.areas,
            withdrawn: false,
            partial: false,
            text_level: None,
            full_name: None,
        },
    })
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}
