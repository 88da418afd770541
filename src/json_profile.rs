//! JSON sources read with JSON pointers: other governments' structured advisories.
//!
//! This module owns reading a JSON document with a [`JsonProfile`]: one advisory from the whole
//! document (GOV.UK's content API for one country), or one per entry of an array or object
//! (Global Affairs Canada's index of every country). Each field is an RFC 6901 pointer; the
//! level is mapped onto 1-4 by the profile's scale while the government's own wording is kept
//! as the label. Pure: text in, advisories out.

use serde_json::Value;

use crate::advisory::{
    Advisory, Indicator, Level, canada_level, fcdo_level_from_alert_status, parse_date,
};
use crate::extract::{Document, Extracted, Item, html_to_text};
use crate::feed::slug;
use crate::profile::{JsonProfile, LevelScale};

/// Reads a JSON document with a profile.
pub fn read(profile: &JsonProfile, text: &str) -> Result<Document, String> {
    let root: Value =
        serde_json::from_str(text).map_err(|e| format!("the document is not valid JSON: {e}"))?;
    let Some(pointer) = &profile.items else {
        return Ok(Document::One(advisory(profile, &root)));
    };
    let entries: Vec<(String, &Value)> = match root.pointer(pointer) {
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
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
    let mut level = match profile.level_scale {
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
        LevelScale::FcdoText => Some(crate::fcdo::level_of_statements(&strings_at(
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
                crate::advisory::collapse_whitespace(&text)
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
                .and_then(|t| parse_date(&t)),
            change_note: profile
                .change_note
                .as_deref()
                .and_then(|p| string_at(value, p))
                .map(|t| crate::advisory::collapse_whitespace(&t)),
            areas: Vec::new(),
            withdrawn: false,
            partial: false,
        },
    })
}
