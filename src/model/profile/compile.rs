//! A raw profile compiled: every selector, pointer, path, region and level map checked and
//! parsed once, each mistake a `ProfileError` naming the profile and the key. Pure.

use std::sync::Arc;

use scraper::Selector;

use crate::model::scale::LevelMap;

use super::definition::*;

/// The profile's `level_map` with its patterns, compiled; an error names the profile and key.
fn compile_level_map(name: &str, raw: &RawProfile) -> Result<Option<Arc<LevelMap>>, ProfileError> {
    let bad = |key: &'static str, message: String| ProfileError::BadValue {
        profile: name.to_owned(),
        key,
        message,
    };
    let Some(map) = &raw.level_map else {
        for (key, value) in [
            ("level_pattern", &raw.level_pattern),
            ("area_pattern", &raw.area_pattern),
        ] {
            if value.is_some() {
                return Err(bad(key, "works with a level_map; add one".into()));
            }
        }
        return Ok(None);
    };
    if raw.level_scale.is_some() {
        return Err(bad(
            "level_map",
            "a profile has either a level_scale or a level_map, not both".into(),
        ));
    }
    LevelMap::compile(
        map,
        raw.level_pattern.as_deref(),
        raw.area_pattern.as_deref(),
    )
    .map(|m| Some(Arc::new(m)))
    .map_err(|message| bad("level_map", message))
}

pub(super) fn compile(name: &str, raw: &RawProfile) -> Result<Definition, ProfileError> {
    let only_json = |key: &'static str| ProfileError::BadValue {
        profile: name.to_owned(),
        key,
        message: "is only for profiles with format = \"json\"".into(),
    };
    let format = raw.format.as_deref().unwrap_or("html");
    if format != "json" {
        for (key, set) in [
            ("level_flags", raw.level_flags.is_some()),
            ("areas", raw.areas.is_some()),
            ("areas_when", raw.areas_when.is_some()),
        ] {
            if set {
                return Err(only_json(key));
            }
        }
    }
    if format != "html" && raw.region.is_some() {
        return Err(ProfileError::BadValue {
            profile: name.to_owned(),
            key: "region",
            message: "is only for profiles with format = \"html\"".into(),
        });
    }
    match format {
        "html" => {}
        "rss" => return Ok(Definition::Rss(compile_level_map(name, raw)?)),
        "json" => return compile_json(name, raw).map(|p| Definition::Json(Arc::new(p))),
        "xml" => return compile_xml(name, raw).map(|p| Definition::Xml(Arc::new(p))),
        "hk-ota" => {
            let level_map =
                compile_level_map(name, raw)?.ok_or_else(|| ProfileError::BadValue {
                    profile: name.to_owned(),
                    key: "level_map",
                    message:
                        "is required: map the index's alert levels (and \"not listed\") onto 1-4"
                            .into(),
                })?;
            return Ok(Definition::Ota(Arc::new(OtaProfile {
                name: name.to_owned(),
                level_map,
            })));
        }
        other => {
            return Err(ProfileError::BadValue {
                profile: name.to_owned(),
                key: "format",
                message: format!(
                    "`{other}` is not a format; use \"html\", \"json\", \"xml\", \"rss\" or \"hk-ota\""
                ),
            });
        }
    }
    for (key, value) in [
        ("items", &raw.items),
        ("key", &raw.key),
        ("country", &raw.country),
        ("url", &raw.url),
    ] {
        if value.is_some() {
            return Err(ProfileError::BadValue {
                profile: name.to_owned(),
                key,
                message: "is a JSON pointer, only for profiles with format = \"json\"".into(),
            });
        }
    }
    let has_selectors = raw.level.is_some()
        || raw.level_scale.is_some()
        || raw.level_map.is_some()
        || raw.summary.is_some()
        || raw.indicators.is_some()
        || raw.reason.is_some()
        || raw.alert.is_some()
        || raw.issued.is_some()
        || raw.change_note.is_some()
        || raw.level_label.is_some()
        || raw.region.is_some();
    if let Some(list) = &raw.try_profiles {
        if has_selectors {
            return Err(ProfileError::TryWithSelectors {
                profile: name.to_owned(),
            });
        }
        if list.is_empty() {
            return Err(ProfileError::EmptyList {
                context: format!("profile `{name}`"),
            });
        }
        return Ok(Definition::Try(list.clone()));
    }
    let required = |key: &'static str, value: &Option<String>| {
        let text = value
            .as_deref()
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| ProfileError::MissingKey {
                profile: name.to_owned(),
                key,
            })?;
        parse_selector(name, key, text)
    };
    let optional = |key: &'static str, value: &Option<String>| {
        value
            .as_deref()
            .filter(|v| !v.trim().is_empty())
            .map(|text| parse_selector(name, key, text))
            .transpose()
    };
    let non_empty = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
    let (region, no_region) = {
        let selectors: Vec<&str> = [
            &raw.level,
            &raw.level_label,
            &raw.indicators,
            &raw.reason,
            &raw.alert,
            &raw.summary,
            &raw.issued,
            &raw.change_note,
        ]
        .into_iter()
        .filter_map(|s| s.as_deref().filter(|v| !v.trim().is_empty()))
        .collect();
        match non_empty(&raw.region) {
            // A region the profile names must be one the scan can use.
            Some(root) => (
                Some(
                    crate::model::region::Region::compile(&root, &selectors).map_err(
                        |message| ProfileError::BadValue {
                            profile: name.to_owned(),
                            key: "region",
                            message,
                        },
                    )?,
                ),
                None,
            ),
            // Else the one its selectors imply, if any; why there is none is only told.
            None => match crate::model::region::Region::infer(&selectors) {
                Ok(region) => (Some(region), None),
                Err(why) => (None, Some(why)),
            },
        }
    };
    Ok(Definition::Selectors(Arc::new(Profile {
        name: name.to_owned(),
        description: raw.description.clone().unwrap_or_default(),
        level: required("level", &raw.level)?,
        level_label: optional("level_label", &raw.level_label)?,
        indicators: optional("indicators", &raw.indicators)?,
        indicator_attr: non_empty(&raw.indicator_attr),
        reason: optional("reason", &raw.reason)?,
        alert: optional("alert", &raw.alert)?,
        summary: if raw.alert.is_some() {
            optional("summary", &raw.summary)?
        } else {
            Some(required("summary", &raw.summary)?)
        },
        summary_start: non_empty(&raw.summary_start),
        summary_stop: non_empty(&raw.summary_stop),
        issued: optional("issued", &raw.issued)?,
        change_note: optional("change_note", &raw.change_note)?,
        level_scale: LevelScale::parse(name, raw.level_scale.as_deref())?,
        level_map: compile_level_map(name, raw)?,
        region,
        no_region,
    })))
}

fn compile_json(name: &str, raw: &RawProfile) -> Result<JsonProfile, ProfileError> {
    let pointer = |key: &'static str,
                   value: &Option<String>|
     -> Result<Option<String>, ProfileError> {
        match value.as_deref() {
            None | Some("") => Ok(None),
            Some(p) if p.starts_with('/') => Ok(Some(p.to_owned())),
            Some(p) => Err(ProfileError::BadValue {
                profile: name.to_owned(),
                key,
                message: format!(
                    "`{p}` is not a JSON pointer; pointers start with `/`, like \"/details/country/name\""
                ),
            }),
        }
    };
    for (key, value) in [
        ("reason", &raw.reason),
        ("alert", &raw.alert),
        ("indicator_attr", &raw.indicator_attr),
        ("summary_start", &raw.summary_start),
        ("summary_stop", &raw.summary_stop),
        ("try", &raw.try_profiles.as_ref().map(|t| t.join(","))),
    ] {
        if value.is_some() {
            return Err(ProfileError::BadValue {
                profile: name.to_owned(),
                key,
                message: "is not used by format = \"json\" profiles".into(),
            });
        }
    }
    let level_map = compile_level_map(name, raw)?;
    let mut level_flags = Vec::new();
    for flag in raw.level_flags.iter().flatten() {
        level_flags.push(pointer("level_flags", &Some(flag.clone()))?.ok_or_else(|| {
            ProfileError::BadValue {
                profile: name.to_owned(),
                key: "level_flags",
                message: "an empty pointer names no flag".into(),
            }
        })?);
    }
    if raw.level_flags.is_some() && (level_flags.is_empty() || level_map.is_none()) {
        return Err(ProfileError::BadValue {
            profile: name.to_owned(),
            key: "level_flags",
            message:
                "lists at least one pointer, and needs a level_map for the flags' names and `none`"
                    .into(),
        });
    }
    let level = match pointer("level", &raw.level)? {
        Some(level) => level,
        None if !level_flags.is_empty() => String::new(),
        None => {
            return Err(ProfileError::MissingKey {
                profile: name.to_owned(),
                key: "level",
            });
        }
    };
    Ok(JsonProfile {
        name: name.to_owned(),
        items: pointer("items", &raw.items)?
            .or_else(|| (raw.items.as_deref() == Some("")).then(String::new)),
        key: pointer("key", &raw.key)?,
        country: pointer("country", &raw.country)?,
        url: pointer("url", &raw.url)?,
        level,
        level_flags,
        level_scale: LevelScale::parse(name, raw.level_scale.as_deref())?,
        level_map,
        areas: pointer("areas", &raw.areas)?,
        areas_when: pointer("areas_when", &raw.areas_when)?,
        level_label: pointer("level_label", &raw.level_label)?,
        indicators: pointer("indicators", &raw.indicators)?,
        summary: pointer("summary", &raw.summary)?,
        issued: pointer("issued", &raw.issued)?,
        change_note: pointer("change_note", &raw.change_note)?,
    })
}

fn compile_xml(name: &str, raw: &RawProfile) -> Result<XmlProfile, ProfileError> {
    let path = |key: &'static str,
                value: &Option<String>|
     -> Result<Option<String>, ProfileError> {
        let Some(text) = value.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let inner = text.trim_start_matches('/');
        let valid = !inner.is_empty()
            && inner.split('/').enumerate().all(|(i, step)| {
                let last = i == inner.split('/').count() - 1;
                let step = if last {
                    step.strip_prefix('@').unwrap_or(step)
                } else {
                    step
                };
                !step.is_empty()
                    && step
                        .chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
            });
        if valid {
            Ok(Some(inner.to_owned()))
        } else {
            Err(ProfileError::BadValue {
                profile: name.to_owned(),
                key,
                message: format!(
                    "`{text}` is not an element path; write element names joined by `/`, like \"content/category/name\", with `@name` last for an attribute"
                ),
            })
        }
    };
    for (key, value) in [
        ("reason", &raw.reason),
        ("alert", &raw.alert),
        ("indicators", &raw.indicators),
        ("indicator_attr", &raw.indicator_attr),
        ("summary_start", &raw.summary_start),
        ("summary_stop", &raw.summary_stop),
        ("try", &raw.try_profiles.as_ref().map(|t| t.join(","))),
    ] {
        if value.is_some() {
            return Err(ProfileError::BadValue {
                profile: name.to_owned(),
                key,
                message: "is not used by format = \"xml\" profiles".into(),
            });
        }
    }
    Ok(XmlProfile {
        name: name.to_owned(),
        items: path("items", &raw.items)?,
        key: path("key", &raw.key)?,
        country: path("country", &raw.country)?,
        url: path("url", &raw.url)?,
        level: path("level", &raw.level)?.ok_or_else(|| ProfileError::MissingKey {
            profile: name.to_owned(),
            key: "level",
        })?,
        level_scale: LevelScale::parse(name, raw.level_scale.as_deref())?,
        level_map: compile_level_map(name, raw)?,
        level_label: path("level_label", &raw.level_label)?,
        summary: path("summary", &raw.summary)?,
        issued: path("issued", &raw.issued)?,
        change_note: path("change_note", &raw.change_note)?,
    })
}

fn parse_selector(
    profile: &str,
    key: &'static str,
    text: &str,
) -> Result<FieldSelector, ProfileError> {
    Selector::parse(text)
        .map(|selector| FieldSelector {
            source: text.to_owned(),
            selector,
        })
        .map_err(|e| ProfileError::BadSelector {
            profile: profile.to_owned(),
            key,
            selector: text.to_owned(),
            reason: e.to_string(),
        })
}
