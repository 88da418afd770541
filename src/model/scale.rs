//! Level scales written as tables: a government's own words or values mapped onto levels 1-4.
//!
//! This module owns a profile's `level_map` (keys matched ignoring case and surrounding
//! whitespace, or as a regex written `"/…/"`; a value is a level, or a level for the whole
//! country with an area at another), the optional `level_pattern` that picks the value out of a
//! longer text, the `area_pattern` that finds areas with their own value in it, and the rule
//! every government's mapping follows: areas are kept only when higher than the whole country,
//! and advice against travel to parts (an area at 3 or 4) makes the whole country at least 2.
//! It also reads the dates structured documents use (seconds since 1970, `20260323000000`,
//! `22.6.2026`). Where the text comes from is the readers' job (`extract`, `json_profile`,
//! `xml_profile`, `ota`); the compiled tables live in `profile`. Pure: no IO, no clock.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use serde::Deserialize;

use crate::model::advisory::{Area, Level, collapse_whitespace, parse_date};

/// The name an area gets when a value says "parts of the country" without naming them.
pub const UNNAMED_PARTS: &str = "parts of the country";

/// One value of a `level_map` as written in TOML: `3`, or `{ level = 2, area = 4, label = "…" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawMeaning {
    /// The level of the whole country.
    Level(i64),
    /// The whole country's level, an unnamed area at another, and the words to show.
    Table {
        /// The whole country's level.
        level: i64,
        /// The level of unnamed parts of the country.
        #[serde(default)]
        area: Option<i64>,
        /// The label to show instead of the value itself.
        #[serde(default)]
        label: Option<String>,
    },
}

/// What one value means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meaning {
    /// The whole country's level, 1-4.
    pub level: u8,
    /// Unnamed parts of the country at this level.
    pub area: Option<u8>,
    /// Words to show instead of the value.
    pub label: Option<String>,
}

#[derive(Debug)]
enum Key {
    Exact(String),
    Pattern(Regex, String),
}

/// A compiled `level_map`, with its optional patterns.
#[derive(Debug)]
pub struct LevelMap {
    entries: Vec<(Key, Meaning)>,
    pattern: Option<Regex>,
    areas: Option<Regex>,
}

/// A value looked up: its meaning and the government's words for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    /// What it means.
    pub meaning: Meaning,
    /// The words that matched (the value, or the part a regex key matched).
    pub words: String,
}

/// The level and areas one text or value says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// The whole country's level, with the government's words as label.
    pub level: Level,
    /// Areas with a higher level than the whole country.
    pub areas: Vec<Area>,
}

fn fold(text: &str) -> String {
    collapse_whitespace(text).to_lowercase()
}

impl LevelMap {
    /// Compiles a map and its patterns; the message says which key or value is wrong.
    pub fn compile(
        raw: &BTreeMap<String, RawMeaning>,
        pattern: Option<&str>,
        areas: Option<&str>,
    ) -> Result<LevelMap, String> {
        if raw.is_empty() {
            return Err("is empty; map at least one value onto a level 1-4".into());
        }
        let level = |key: &str, n: i64, what: &str| {
            u8::try_from(n)
                .ok()
                .filter(|n| (1..=4).contains(n))
                .ok_or_else(|| format!("key `{key}`: {what} {n} is not a level from 1 to 4"))
        };
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        let mut entries = Vec::with_capacity(raw.len());
        for (key, value) in raw {
            let meaning = match value {
                RawMeaning::Level(n) => Meaning {
                    level: level(key, *n, "level")?,
                    area: None,
                    label: None,
                },
                RawMeaning::Table {
                    level: n,
                    area,
                    label,
                } => Meaning {
                    level: level(key, *n, "level")?,
                    area: area.map(|a| level(key, a, "area")).transpose()?,
                    label: label.clone().filter(|l| !l.trim().is_empty()),
                },
            };
            let compiled = match key
                .trim()
                .strip_prefix('/')
                .and_then(|k| k.strip_suffix('/'))
            {
                Some(pattern) if !pattern.is_empty() => Key::Pattern(
                    Regex::new(&format!("(?i){pattern}"))
                        .map_err(|e| format!("key `{key}` is not a valid regex ({e})"))?,
                    key.clone(),
                ),
                _ => {
                    let folded = fold(key);
                    if folded.is_empty() {
                        return Err("an empty key matches nothing; remove it".into());
                    }
                    if let Some(other) = seen.insert(folded.clone(), key) {
                        return Err(format!(
                            "keys `{other}` and `{key}` are the same value (case and surrounding whitespace are ignored); keep one"
                        ));
                    }
                    Key::Exact(folded)
                }
            };
            entries.push((compiled, meaning));
        }
        let regex = |what: &str, text: &str| {
            Regex::new(text).map_err(|e| format!("{what} `{text}` is not a valid regex ({e})"))
        };
        let pattern = pattern.map(|p| regex("level_pattern", p)).transpose()?;
        let areas = areas.map(|p| regex("area_pattern", p)).transpose()?;
        if let Some(areas) = &areas {
            let names: Vec<&str> = areas.capture_names().flatten().collect();
            if !names.contains(&"area") || !names.contains(&"value") {
                return Err(format!(
                    "area_pattern `{}` needs the named groups (?P<area>…) and (?P<value>…)",
                    areas.as_str()
                ));
            }
        }
        Ok(LevelMap {
            entries,
            pattern,
            areas,
        })
    }

    /// The meaning of one value: an exact key first, then the regex key with the longest match.
    pub fn lookup(&self, value: &str) -> Option<Mapped> {
        let folded = fold(value);
        if let Some((_, meaning)) = self
            .entries
            .iter()
            .find(|(key, _)| matches!(key, Key::Exact(k) if *k == folded))
        {
            return Some(Mapped {
                meaning: meaning.clone(),
                words: collapse_whitespace(value),
            });
        }
        let text = collapse_whitespace(value);
        self.entries
            .iter()
            .filter_map(|(key, meaning)| match key {
                Key::Pattern(regex, _) => {
                    regex.find(&text).map(|m| (m.as_str().to_owned(), meaning))
                }
                Key::Exact(_) => None,
            })
            .max_by_key(|(words, _)| words.len())
            .map(|(words, meaning)| Mapped {
                meaning: meaning.clone(),
                words,
            })
    }

    /// Whether the map has a `level_pattern`.
    pub fn has_pattern(&self) -> bool {
        self.pattern.is_some()
    }

    /// The value the `level_pattern` picks out of a text (its group `value`, else its first
    /// group, else the whole match); the text itself without a pattern.
    pub fn value_in(&self, text: &str) -> Option<String> {
        let text = collapse_whitespace(text);
        let Some(pattern) = &self.pattern else {
            return Some(text);
        };
        let captures = pattern.captures(&text)?;
        let found = captures
            .name("value")
            .or_else(|| captures.get(1))
            .or_else(|| captures.get(0))?;
        Some(found.as_str().to_owned())
    }

    /// Reads the level (and areas) from a text: the pattern's value looked up in the map, the
    /// areas found by `area_pattern`, then the rule for areas. The error names the value that
    /// is not in the map, or says the pattern found nothing.
    pub fn read(&self, text: &str) -> Result<Reading, String> {
        let value = self.value_in(text).ok_or_else(|| {
            format!(
                "level_pattern `{}` finds no value in {:?}",
                self.pattern.as_ref().map_or("", |p| p.as_str()),
                shorten(text)
            )
        })?;
        let mapped = self.lookup(&value).ok_or_else(|| self.unmapped(&value))?;
        Ok(reading(mapped, self.areas_in(text)?))
    }

    /// The areas `area_pattern` finds in a text, each with its value's level.
    pub fn areas_in(&self, text: &str) -> Result<Vec<Area>, String> {
        let mut areas = Vec::new();
        let Some(pattern) = &self.areas else {
            return Ok(areas);
        };
        for captures in pattern.captures_iter(&collapse_whitespace(text)) {
            let (Some(area), Some(value)) = (captures.name("area"), captures.name("value")) else {
                continue;
            };
            let level = self
                .lookup(value.as_str())
                .ok_or_else(|| self.unmapped(value.as_str()))?
                .meaning
                .level;
            areas.push(Area {
                name: area.as_str().trim().to_owned(),
                level,
                reasons: Vec::new(),
            });
        }
        Ok(areas)
    }

    /// The message for a value that is not in the map.
    pub fn unmapped(&self, value: &str) -> String {
        format!(
            "value {:?} is not in the profile's level_map (keys: {}); add it to level_map",
            shorten(value),
            self.keys().join(", ")
        )
    }

    fn keys(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|(key, _)| match key {
                Key::Exact(k) => format!("{k:?}"),
                Key::Pattern(_, written) => format!("{written:?}"),
            })
            .collect()
    }
}

/// A looked-up value with the areas found beside it, after the rule for areas: the value's own
/// unnamed parts become an area, areas not above the whole country are dropped, and an area
/// at 3 or 4 makes the whole country at least 2.
pub fn reading(mapped: Mapped, mut areas: Vec<Area>) -> Reading {
    let Mapped { meaning, words } = mapped;
    if let Some(level) = meaning.area {
        areas.insert(
            0,
            Area {
                name: UNNAMED_PARTS.to_owned(),
                level,
                reasons: Vec::new(),
            },
        );
    }
    let label = meaning.label.unwrap_or(words);
    let mut number = meaning.level;
    areas.retain(|a| a.level > number);
    if number < 2 && areas.iter().any(|a| a.level >= 3) {
        number = 2;
    }
    let mut seen = Vec::new();
    areas.retain(|a| {
        let fresh = !seen.contains(&a.name);
        seen.push(a.name.clone());
        fresh
    });
    Reading {
        level: Level::with_label(number, label),
        areas,
    }
}

fn shorten(text: &str) -> String {
    let text = collapse_whitespace(text);
    match text.char_indices().nth(120) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// A date in the forms structured documents use: what [`parse_date`] reads, seconds or
/// milliseconds since 1970, `20260323000000` or `20260323`, `22.6.2026`, `20-04-2026`.
pub fn date(text: &str) -> Option<NaiveDate> {
    static DOTTED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4})\b").expect("dotted date pattern")
    });
    let text = text.trim();
    if let Some(date) = parse_date(text) {
        return Some(date);
    }
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        let from_epoch =
            |seconds: i64| chrono::DateTime::from_timestamp(seconds, 0).map(|t| t.date_naive());
        return match text.len() {
            8 | 14 => NaiveDate::parse_from_str(&text[..8], "%Y%m%d").ok(),
            9 | 10 => from_epoch(text.parse().ok()?),
            13 => from_epoch(text.parse::<i64>().ok()? / 1000),
            _ => None,
        };
    }
    DOTTED.captures(text).and_then(|c| {
        NaiveDate::from_ymd_opt(c[3].parse().ok()?, c[2].parse().ok()?, c[1].parse().ok()?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(toml_text: &str) -> Result<LevelMap, String> {
        #[derive(Deserialize)]
        struct Wrap {
            level_map: BTreeMap<String, RawMeaning>,
        }
        let wrap: Wrap = toml::from_str(toml_text).map_err(|e| e.to_string())?;
        LevelMap::compile(&wrap.level_map, None, None)
    }

    #[test]
    fn values_match_ignoring_case_and_whitespace_and_regex_keys_find_the_phrase() {
        let scale = map(
            r#"level_map = { "Exercise normal safety precautions" = 1, "Do not travel" = 4, "/reconsider (your need to )?travel/" = 3 }"#,
        )
        .expect("compiles");
        let read = |t: &str| scale.read(t).map(|r| (r.level.number, r.level.label));
        assert_eq!(
            read("  exercise NORMAL safety\n precautions "),
            Ok((1, "exercise NORMAL safety precautions".to_owned()))
        );
        assert_eq!(
            read("Level: Reconsider your need to travel."),
            Ok((3, "Reconsider your need to travel".to_owned()))
        );
        let message = scale.read("Orange").expect_err("unmapped");
        assert!(
            message.contains("value \"Orange\" is not in the profile's level_map"),
            "{message}"
        );
    }

    #[test]
    fn bad_maps_are_refused_with_the_key() {
        for (text, expected) in [
            (
                "level_map = { a = 5 }",
                "key `a`: level 5 is not a level from 1 to 4",
            ),
            (
                "level_map = { \"Rood\" = 4, \" rood \" = 3 }",
                "are the same value",
            ),
            ("level_map = { \"/(/\" = 4 }", "is not a valid regex"),
            (
                "level_map = { a = { level = 2, area = 0 } }",
                "area 0 is not a level",
            ),
            ("level_map = {}", "is empty"),
        ] {
            let message = map(text).expect_err(text);
            assert!(message.contains(expected), "{text}: {message}");
        }
    }

    #[test]
    fn parts_at_a_higher_level_are_areas_and_raise_the_whole_to_two() {
        let scale = map("level_map = { partialWarning = { level = 2, area = 4 }, none = 1 }")
            .expect("compiles");
        let reading = scale.read("partialWarning").expect("reads");
        assert_eq!(reading.level.number, 2);
        assert_eq!(reading.areas.len(), 1);
        assert_eq!(reading.areas[0].name, UNNAMED_PARTS);
        assert_eq!(reading.areas[0].level, 4);

        let mapped = scale.lookup("none").expect("none");
        let area = |level| Area {
            name: "north".into(),
            level,
            reasons: Vec::new(),
        };
        assert_eq!(reading_of(mapped.clone(), vec![area(3)]).level.number, 2);
        assert_eq!(reading_of(mapped.clone(), vec![area(2)]).level.number, 1);
        assert!(reading_of(mapped, vec![area(1)]).areas.is_empty());
    }

    fn reading_of(mapped: Mapped, areas: Vec<Area>) -> Reading {
        reading(mapped, areas)
    }

    #[test]
    fn structured_dates() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(date("1783604826"), d(2026, 7, 9));
        assert_eq!(date("1783604826000"), d(2026, 7, 9));
        assert_eq!(date("20260323000000"), d(2026, 3, 23));
        assert_eq!(date("22.6.2026"), d(2026, 6, 22));
        assert_eq!(date("2026-04-20T13:58:10.646Z"), d(2026, 4, 20));
        assert_eq!(date("September 24, 2026 08:53 EDT"), d(2026, 9, 24));
        assert_eq!(date("soon"), None);
    }
}
