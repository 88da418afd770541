//! JSON sources read with JSON pointers: other governments' structured advisories.
//!
//! This module owns reading a JSON document with a [`JsonProfile`]: one advisory from the whole
//! document (GOV.UK's content API for one country), or one per entry of an array or object
//! (Global Affairs Canada's index of every country, the Auswärtiges Amt's travel warnings). Each
//! field is an RFC 6901 pointer; the level (a value, an array of values, or the first true of
//! several boolean flags) is mapped onto 1-4 by the profile's scale or `level_map` while the
//! government's own wording is kept as the label. Only object entries of an object of items
//! are advisories (the Auswärtiges Amt mixes a scalar `lastModified` and a `contentList` array
//! in). Pure: text in, advisories out.

use serde_json::Value;

use crate::model::advisory::{
    Advisory, Area, Indicator, Level, canada_level, fcdo_level_from_alert_status,
};
use crate::model::profile::{JsonProfile, LevelScale};
use crate::model::scale::{self, LevelMap};
use crate::read::document::{Document, Extracted, Item};
use crate::read::feed::slug;
use crate::read::paragraphs::{fragment_blocks, html_to_text};

/// Reads a JSON document with a profile.
pub fn read(profile: &JsonProfile, text: &str) -> Result<Document, String> {
    let root: Value = crate::read::data_limits::parse_json(text)?;
    let Some(pointer) = &profile.items else {
        return Ok(Document::One(advisory(profile, &root)));
    };
    let entries: Vec<(String, &Value)> = match root.pointer(pointer) {
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        Some(Value::Object(map)) => map
            .iter()
            .filter(|(_, v)| v.is_object())
            .map(|(k, v)| (k.clone(), v))
            .collect(),
        _ => {
            return Err(format!(
                "pointer `{pointer}` (items) in profile `{}` finds no array or object; the format may have changed",
                profile.name
            ));
        }
    };
    let mut items = Vec::with_capacity(entries.len());
    for (fallback_key, entry) in entries {
        let country = profile
            .country
            .as_deref()
            .and_then(|p| string_at(entry, p))
            .unwrap_or_else(|| fallback_key.clone());
        let key = profile
            .key
            .as_deref()
            .and_then(|p| string_at(entry, p))
            .map(|k| slug(&k))
            .unwrap_or_else(|| slug(&fallback_key));
        items.push(Item {
            key,
            country,
            url: profile.url.as_deref().and_then(|p| string_at(entry, p)),
            outcome: advisory(profile, entry),
        });
    }
    Ok(Document::Many(items))
}

/// The text at a pointer: a string, or a number written out.
fn string_at(value: &Value, pointer: &str) -> Option<String> {
    match value.pointer(pointer)? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn strings_at(value: &Value, pointer: &str) -> Vec<String> {
    match value.pointer(pointer) {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Whether a value says yes: `true`, a non-zero number, "true", "yes" or "1".
fn truthy(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|n| n != 0.0),
        Some(Value::String(s)) => {
            matches!(s.trim().to_lowercase().as_str(), "true" | "yes" | "1")
        }
        _ => false,
    }
}

/// The words of a scalar value, for a `level_map`.
fn words(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => {
            let text = if s.contains('<') {
                html_to_text(s)
            } else {
                s.clone()
            };
            Some(text.trim().to_owned())
        }
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The level by the profile's own table: the first true flag's name (`none` when none is), or
/// the value at the level pointer (the highest of an array's), with the areas of `areas`.
fn mapped_level(
    profile: &JsonProfile,
    map: &LevelMap,
    value: &Value,
) -> Result<scale::Reading, String> {
    let mut areas = Vec::new();
    if let Some(pointer) = &profile.areas
        && profile
            .areas_when
            .as_deref()
            .is_none_or(|when| truthy(value.pointer(when)))
        && let Some(html) = value.pointer(pointer).and_then(Value::as_str)
    {
        areas = areas_in_html(map, html);
    }
    if !profile.level_flags.is_empty() {
        let name = profile
            .level_flags
            .iter()
            .find(|p| truthy(value.pointer(p)))
            .map_or("none".to_owned(), |p| {
                p.rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .replace("~1", "/")
                    .replace("~0", "~")
            });
        let mapped = map.lookup(&name).ok_or_else(|| {
            format!(
                "flags {} in profile `{}`: {}",
                profile.level_flags.join(", "),
                profile.name,
                map.unmapped(&name)
            )
        })?;
        return Ok(scale::reading(mapped, areas));
    }
    let at = |message: String| {
        format!(
            "pointer `{}` (level) in profile `{}`: {message}",
            profile.level, profile.name
        )
    };
    let texts: Vec<String> = match value.pointer(&profile.level) {
        Some(Value::Array(list)) => list.iter().filter_map(words).collect(),
        Some(other) => words(other).into_iter().collect(),
        None => Vec::new(),
    };
    if texts.is_empty() {
        return Err(at(
            "finds no usable value; the format may have changed".into()
        ));
    }
    let mut best: Option<scale::Mapped> = None;
    for text in &texts {
        let picked = map
            .value_in(text)
            .ok_or_else(|| at(format!("level_pattern finds no value in {text:?}")))?;
        let mapped = map
            .lookup(&picked)
            .ok_or_else(|| at(map.unmapped(&picked)))?;
        if best
            .as_ref()
            .is_none_or(|b| mapped.meaning.level > b.meaning.level)
        {
            best = Some(mapped);
        }
    }
    areas.extend(map.areas_in(&texts[0]).map_err(at)?);
    Ok(scale::reading(best.expect("at least one value"), areas))
}

/// Areas in an HTML fragment: a paragraph or heading whose words the table maps sets the level
/// of the list items after it (Canada's "Regional Advisory - Avoid non-essential travel").
fn areas_in_html(map: &LevelMap, html: &str) -> Vec<Area> {
    let mut areas = Vec::new();
    let mut current: Option<u8> = None;
    for block in fragment_blocks(html) {
        if block.item {
            if let Some(level) = current {
                areas.push(Area {
                    name: block.text,
                    level,
                    reasons: Vec::new(),
                });
            }
        } else if let Some(mapped) = map.lookup(&block.text) {
            current = Some(mapped.meaning.level);
        }
    }
    areas
}

fn advisory(profile: &JsonProfile, value: &Value) -> Result<Extracted, String> {
    let missing = |what: &str| {
        format!(
            "pointer `{}` ({what}) in profile `{}` finds no usable value; the format may have changed",
            profile.level, profile.name
        )
    };
    let label = profile
        .level_label
        .as_deref()
        .and_then(|p| string_at(value, p));
    let mut areas = Vec::new();
    let mut level = match profile.level_scale {
        _ if profile.level_map.is_some() => {
            let map = profile.level_map.as_deref().expect("checked");
            let reading = mapped_level(profile, map, value)?;
            areas = reading.areas;
            Some(reading.level)
        }
        LevelScale::Us => string_at(value, &profile.level).and_then(|t| Level::parse(&t)),
        LevelScale::Number => value
            .pointer(&profile.level)
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.trim().parse().ok()))
            .and_then(|n| u8::try_from(n).ok().filter(|n| (1..=4).contains(n)))
            .map(|n| Level::with_label(n, String::new())),
        LevelScale::Canada => value
            .pointer(&profile.level)
            .and_then(|v| v.as_i64().or_else(|| v.as_str()?.trim().parse().ok()))
            .and_then(|n| canada_level(n, label.as_deref())),
        LevelScale::Fcdo => value
            .pointer(&profile.level)
            .map(|_| fcdo_level_from_alert_status(&strings_at(value, &profile.level))),
        LevelScale::FcdoText => Some(crate::read::fcdo::level_of_statements(&strings_at(
            value,
            &profile.level,
        ))),
    }
    .ok_or_else(|| missing("level"))?;
    if let Some(label) = label {
        level.label = label;
    }
    let indicators = profile
        .indicators
        .as_deref()
        .map(|p| {
            let mut found: Vec<Indicator> = Vec::new();
            for word in strings_at(value, p) {
                if let Some(i) = Indicator::from_page_text(&word)
                    && !found.contains(&i)
                {
                    found.push(i);
                }
            }
            found
        })
        .unwrap_or_default();
    let summary = profile
        .summary
        .as_deref()
        .and_then(|p| string_at(value, p))
        .map(|text| {
            if text.contains('<') {
                html_to_text(&text)
            } else {
                crate::model::advisory::collapse_whitespace(&text)
            }
        })
        .unwrap_or_default();
    Ok(Extracted {
        profile: profile.name.clone(),
        advisory: Advisory {
            level,
            indicators,
            reasons: Vec::new(),
            summary,
            issued: profile
                .issued
                .as_deref()
                .and_then(|p| string_at(value, p))
                .and_then(|t| scale::date(&t)),
            change_note: profile
                .change_note
                .as_deref()
                .and_then(|p| string_at(value, p))
                .map(|t| {
                    if t.contains('<') {
                        crate::model::advisory::collapse_whitespace(&html_to_text(&t))
                    } else {
                        crate::model::advisory::collapse_whitespace(&t)
                    }
                }),
            areas,
            withdrawn: false,
            partial: false,
            text_level: None,
            full_name: None,
        },
    })
}
