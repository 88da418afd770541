//! Extraction profiles: how each field of an advisory is found in a document.
//!
//! This module owns the profile's two forms (the raw TOML table and the compiled one, with every
//! CSS selector or JSON pointer parsed once), the three formats (`html`: CSS selectors, `json`:
//! JSON pointers, `rss`: the State Department's feed), the level scales that turn a government's
//! own wording into levels 1-4, the built-in profiles shipped inside the crate
//! (`profiles.toml`), and the resolution of a source's profile name or list into a [`Reader`].
//! Reading a document with a profile is `extract`'s job; where profiles are configured is
//! `config`'s.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use scraper::Selector;
use serde::Deserialize;

/// The built-in profiles' TOML, in the same form as `[profiles.NAME]` tables of config.toml.
pub const BUILTIN_PROFILES_TOML: &str = include_str!("profiles.toml");

/// A profile as written in TOML, before validation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    /// What the profile reads, for `config-check` and error messages.
    #[serde(default)]
    pub description: Option<String>,
    /// Other profiles to try in order instead of selectors of its own.
    #[serde(default, rename = "try")]
    pub try_profiles: Option<Vec<String>>,
    /// Selector whose text holds the level.
    #[serde(default)]
    pub level: Option<String>,
    /// Selector for the level's label, when it stands apart from the number.
    #[serde(default)]
    pub level_label: Option<String>,
    /// Selector whose matches are each one indicator.
    #[serde(default)]
    pub indicators: Option<String>,
    /// Attribute to read on indicator matches instead of their text.
    #[serde(default)]
    pub indicator_attr: Option<String>,
    /// Selector of the guidance statements ("Do not travel to Mali due to ..."): every match is
    /// read for the causes of statements about the whole country and for areas.
    #[serde(default)]
    pub reason: Option<String>,
    /// Selector of a State Department alert text (note, statements, areas and summary in one
    /// element): the fields its own selectors do not name are read from it.
    #[serde(default)]
    pub alert: Option<String>,
    /// Selector of the summary; the text of all matches, in order.
    #[serde(default)]
    pub summary: Option<String>,
    /// The summary starts after this text, at the first paragraph beginning with it, when there
    /// is one ("Country Summary:").
    #[serde(default)]
    pub summary_start: Option<String>,
    /// The summary stops before the first paragraph beginning with this text.
    #[serde(default)]
    pub summary_stop: Option<String>,
    /// Selector of the publication date.
    #[serde(default)]
    pub issued: Option<String>,
    /// Selector of the publisher's own "what changed" note.
    #[serde(default)]
    pub change_note: Option<String>,
    /// `html` (CSS selectors, the default), `json` (JSON pointers) or `rss`.
    #[serde(default)]
    pub format: Option<String>,
    /// How the level's text maps onto 1-4: `us` (default, "Level 3: ..."), `number` (1-4),
    /// `canada` (0-3), `fcdo` (GOV.UK alert_status values), `fcdo-text` (FCDO's sentences).
    #[serde(default)]
    pub level_scale: Option<String>,
    /// JSON only: pointer to the array or object holding one advisory per country.
    #[serde(default)]
    pub items: Option<String>,
    /// JSON only: pointer (inside an item) to its stable key, such as an ISO code.
    #[serde(default)]
    pub key: Option<String>,
    /// JSON only: pointer to the country's name.
    #[serde(default)]
    pub country: Option<String>,
    /// JSON only: pointer to the advisory's own page.
    #[serde(default)]
    pub url: Option<String>,
}

/// A selector with the text it was parsed from, for messages.
#[derive(Debug, Clone)]
pub struct FieldSelector {
    /// The selector as written.
    pub source: String,
    /// The parsed selector.
    pub selector: Selector,
}

/// A profile with every selector parsed, shared between sources and checks.
#[derive(Debug)]
pub struct Profile {
    /// The profile's name.
    pub name: String,
    /// What it reads.
    pub description: String,
    /// Required: the level.
    pub level: FieldSelector,
    /// Optional: the level's label.
    pub level_label: Option<FieldSelector>,
    /// Optional: indicator elements.
    pub indicators: Option<FieldSelector>,
    /// Optional: attribute of indicator elements to read.
    pub indicator_attr: Option<String>,
    /// Optional: the guidance statements.
    pub reason: Option<FieldSelector>,
    /// Optional: a State Department alert text.
    pub alert: Option<FieldSelector>,
    /// The summary; required unless the profile has an alert text.
    pub summary: Option<FieldSelector>,
    /// Optional: where the summary starts.
    pub summary_start: Option<String>,
    /// Optional: where the summary stops.
    pub summary_stop: Option<String>,
    /// Optional: the publication date.
    pub issued: Option<FieldSelector>,
    /// Optional: the publisher's change note.
    pub change_note: Option<FieldSelector>,
    /// How the level's text maps onto 1-4.
    pub level_scale: LevelScale,
}

/// How a government's wording of a level maps onto 1-4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelScale {
    /// "Level 3: Reconsider Travel", "Level 2 - ...", "3".
    Us,
    /// A number 1 to 4.
    Number,
    /// Canada's advisory-state 0 to 3 (take normal precautions, high degree of caution, avoid
    /// non-essential travel, avoid all travel).
    Canada,
    /// GOV.UK's `alert_status` values (`avoid_all_travel_to_whole_country`, ...).
    Fcdo,
    /// FCDO's own sentences ("FCDO advises against all travel to Mali").
    FcdoText,
}

impl LevelScale {
    fn parse(profile: &str, text: Option<&str>) -> Result<LevelScale, ProfileError> {
        Ok(match text.unwrap_or("us") {
            "us" => LevelScale::Us,
            "number" => LevelScale::Number,
            "canada" => LevelScale::Canada,
            "fcdo" => LevelScale::Fcdo,
            "fcdo-text" => LevelScale::FcdoText,
            other => {
                return Err(ProfileError::BadValue {
                    profile: profile.to_owned(),
                    key: "level_scale",
                    message: format!(
                        "`{other}` is not a scale; use \"us\", \"number\", \"canada\", \"fcdo\" or \"fcdo-text\""
                    ),
                });
            }
        })
    }
}

/// A JSON profile: a JSON pointer (RFC 6901) per field.
#[derive(Debug)]
pub struct JsonProfile {
    /// The profile's name.
    pub name: String,
    /// Where the items are, when the document holds many advisories.
    pub items: Option<String>,
    /// An item's key.
    pub key: Option<String>,
    /// The country's name.
    pub country: Option<String>,
    /// The advisory's own page.
    pub url: Option<String>,
    /// Required: the level.
    pub level: String,
    /// How the level maps onto 1-4.
    pub level_scale: LevelScale,
    /// The level's label in the government's words.
    pub level_label: Option<String>,
    /// An array of indicator words.
    pub indicators: Option<String>,
    /// The summary (text, or HTML made text).
    pub summary: Option<String>,
    /// The publication date.
    pub issued: Option<String>,
    /// The publisher's change note.
    pub change_note: Option<String>,
}

/// How a source's documents are read.
#[derive(Debug, Clone)]
pub enum Reader {
    /// HTML pages, with profiles tried in order; one advisory per page.
    Page(Vec<Arc<Profile>>),
    /// The State Department's RSS feed: one advisory per item.
    Rss,
    /// JSON, one advisory or one per item.
    Json(Arc<JsonProfile>),
}

impl Reader {
    /// The names of the profiles, for messages and storage.
    pub fn names(&self) -> Vec<String> {
        match self {
            Reader::Page(profiles) => profiles.iter().map(|p| p.name.clone()).collect(),
            Reader::Rss => vec!["state-dept-rss".to_owned()],
            Reader::Json(profile) => vec![profile.name.clone()],
        }
    }

    /// Whether one document holds many advisories.
    pub fn has_items(&self) -> bool {
        match self {
            Reader::Page(_) => false,
            Reader::Rss => true,
            Reader::Json(profile) => profile.items.is_some(),
        }
    }
}

/// What is wrong with a profile definition.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// A selector does not parse.
    #[error(
        "profile `{profile}`: key `{key}`: `{selector}` is not a valid CSS selector ({reason})"
    )]
    BadSelector {
        /// The profile.
        profile: String,
        /// The key holding the selector.
        key: &'static str,
        /// The selector text.
        selector: String,
        /// The parser's words.
        reason: String,
    },
    /// A required key is missing.
    #[error(
        "profile `{profile}`: key `{key}` is required (a CSS selector), unless the profile is a list `try = [...]`"
    )]
    MissingKey {
        /// The profile.
        profile: String,
        /// The missing key.
        key: &'static str,
    },
    /// A `try` list mixed with selectors.
    #[error(
        "profile `{profile}`: `try` lists other profiles and cannot be combined with selectors"
    )]
    TryWithSelectors {
        /// The profile.
        profile: String,
    },
    /// A value that is not one of the choices.
    #[error("profile `{profile}`: key `{key}`: {message}")]
    BadValue {
        /// The profile.
        profile: String,
        /// The key.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A source's profile list mixes formats.
    #[error(
        "{context}: profiles of different formats ({formats}) cannot be tried in turn; a list may hold only html profiles"
    )]
    MixedFormats {
        /// Where.
        context: String,
        /// The formats found.
        formats: String,
    },
    /// A name that is not a known profile.
    #[error("{context}: profile `{name}` is not defined (known profiles: {known})")]
    Unknown {
        /// Where the name was used.
        context: String,
        /// The unknown name.
        name: String,
        /// The defined names.
        known: String,
    },
    /// `try` lists that refer to each other.
    #[error("profile `{profile}`: its `try` list refers back to itself")]
    Cycle {
        /// The profile.
        profile: String,
    },
    /// A list that names no profile.
    #[error("{context}: the profile list is empty")]
    EmptyList {
        /// Where.
        context: String,
    },
    /// The built-in profiles themselves do not parse.
    #[error("built-in profiles: {0}")]
    Builtin(String),
}

/// A profile definition: selectors of its own, or a list of other profiles to try.
#[derive(Debug)]
enum Definition {
    Selectors(Arc<Profile>),
    Json(Arc<JsonProfile>),
    Rss,
    Try(Vec<String>),
}

/// Every defined profile, built-in and user-defined, by name.
#[derive(Debug)]
pub struct ProfileSet {
    definitions: BTreeMap<String, Definition>,
    descriptions: BTreeMap<String, String>,
}

static BUILTIN_RAW: LazyLock<BTreeMap<String, RawProfile>> = LazyLock::new(|| {
    toml::from_str(BUILTIN_PROFILES_TOML).expect("the built-in profiles.toml parses")
});

impl ProfileSet {
    /// The built-in profiles only.
    pub fn builtin() -> ProfileSet {
        ProfileSet::with_user_profiles(&BTreeMap::new())
            .expect("the built-in profiles compile (checked by a test)")
    }

    /// The built-in profiles plus the user's; a user profile replaces a built-in of the same
    /// name.
    pub fn with_user_profiles(
        user: &BTreeMap<String, RawProfile>,
    ) -> Result<ProfileSet, ProfileError> {
        let mut raw: BTreeMap<&str, &RawProfile> = BTreeMap::new();
        for (name, profile) in BUILTIN_RAW.iter() {
            raw.insert(name, profile);
        }
        for (name, profile) in user {
            raw.insert(name, profile);
        }
        let mut definitions = BTreeMap::new();
        let mut descriptions = BTreeMap::new();
        for (name, profile) in raw {
            let definition = compile(name, profile)?;
            descriptions.insert(
                name.to_owned(),
                profile.description.clone().unwrap_or_default(),
            );
            definitions.insert(name.to_owned(), definition);
        }
        let set = ProfileSet {
            definitions,
            descriptions,
        };
        for name in set.definitions.keys() {
            set.reader(std::slice::from_ref(name), &format!("profile `{name}`"))?;
        }
        Ok(set)
    }

    /// Resolves a list of HTML profile names into the selector profiles to try, in order.
    pub fn resolve_names(
        &self,
        names: &[String],
        context: &str,
    ) -> Result<Vec<Arc<Profile>>, ProfileError> {
        match self.reader(names, context)? {
            Reader::Page(profiles) => Ok(profiles),
            other => Err(ProfileError::MixedFormats {
                context: context.to_owned(),
                formats: format!("{} is not an html profile", other.names().join(", ")),
            }),
        }
    }

    /// Resolves a source's profile name or list into its reader: HTML profiles tried in order
    /// (`try` lists expanded, repeats dropped), or one JSON or RSS profile.
    pub fn reader(&self, names: &[String], context: &str) -> Result<Reader, ProfileError> {
        if names.is_empty() {
            return Err(ProfileError::EmptyList {
                context: context.to_owned(),
            });
        }
        let mut html: Vec<Arc<Profile>> = Vec::new();
        let mut others: Vec<Reader> = Vec::new();
        for name in names {
            self.expand(name, context, &mut Vec::new(), &mut html, &mut others)?;
        }
        match (html.is_empty(), others.len()) {
            (false, 0) => Ok(Reader::Page(html)),
            (true, 1) => Ok(others.remove(0)),
            _ => {
                let mut formats: Vec<String> = others.iter().flat_map(Reader::names).collect();
                formats.extend(html.iter().map(|p| format!("{} (html)", p.name)));
                Err(ProfileError::MixedFormats {
                    context: context.to_owned(),
                    formats: formats.join(", "),
                })
            }
        }
    }

    fn expand(
        &self,
        name: &str,
        context: &str,
        stack: &mut Vec<String>,
        out: &mut Vec<Arc<Profile>>,
        others: &mut Vec<Reader>,
    ) -> Result<(), ProfileError> {
        if stack.iter().any(|s| s == name) {
            return Err(ProfileError::Cycle {
                profile: stack[0].clone(),
            });
        }
        let definition = self
            .definitions
            .get(name)
            .ok_or_else(|| ProfileError::Unknown {
                context: context.to_owned(),
                name: name.to_owned(),
                known: self.names().join(", "),
            })?;
        match definition {
            Definition::Selectors(profile) => {
                if !out.iter().any(|p| p.name == profile.name) {
                    out.push(Arc::clone(profile));
                }
            }
            Definition::Json(profile) => others.push(Reader::Json(Arc::clone(profile))),
            Definition::Rss => others.push(Reader::Rss),
            Definition::Try(list) => {
                stack.push(name.to_owned());
                for inner in list {
                    self.expand(inner, &format!("profile `{name}`"), stack, out, others)?;
                }
                stack.pop();
            }
        }
        Ok(())
    }

    /// Every profile name.
    pub fn names(&self) -> Vec<String> {
        self.definitions.keys().cloned().collect()
    }

    /// Every profile's name and description, for `config-check`.
    pub fn describe(&self) -> impl Iterator<Item = (&str, &str)> {
        self.descriptions
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_str()))
    }
}

fn compile(name: &str, raw: &RawProfile) -> Result<Definition, ProfileError> {
    match raw.format.as_deref().unwrap_or("html") {
        "html" => {}
        "rss" => return Ok(Definition::Rss),
        "json" => return compile_json(name, raw).map(|p| Definition::Json(Arc::new(p))),
        other => {
            return Err(ProfileError::BadValue {
                profile: name.to_owned(),
                key: "format",
                message: format!("`{other}` is not a format; use \"html\", \"json\" or \"rss\""),
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
        || raw.summary.is_some()
        || raw.indicators.is_some()
        || raw.reason.is_some()
        || raw.alert.is_some()
        || raw.issued.is_some()
        || raw.change_note.is_some()
        || raw.level_label.is_some();
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
    Ok(JsonProfile {
        name: name.to_owned(),
        items: pointer("items", &raw.items)?
            .or_else(|| (raw.items.as_deref() == Some("")).then(String::new)),
        key: pointer("key", &raw.key)?,
        country: pointer("country", &raw.country)?,
        url: pointer("url", &raw.url)?,
        level: pointer("level", &raw.level)?.ok_or_else(|| ProfileError::MissingKey {
            profile: name.to_owned(),
            key: "level",
        })?,
        level_scale: LevelScale::parse(name, raw.level_scale.as_deref())?,
        level_label: pointer("level_label", &raw.level_label)?,
        indicators: pointer("indicators", &raw.indicators)?,
        summary: pointer("summary", &raw.summary)?,
        issued: pointer("issued", &raw.issued)?,
        change_note: pointer("change_note", &raw.change_note)?,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_compile_and_resolve() {
        let set = ProfileSet::builtin();
        let chain = set
            .resolve_names(&["state-dept".into()], "test")
            .expect("state-dept resolves");
        let names: Vec<_> = chain.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["state-dept-2025", "state-dept-legacy"]);
        for name in ["state-dept-2025", "state-dept-legacy", "aggregator"] {
            set.resolve_names(&[name.into()], "test").expect(name);
        }
    }

    #[test]
    fn bad_selector_names_profile_and_key() {
        let user: BTreeMap<String, RawProfile> = toml::from_str(
            r#"
            [mine]
            level = "h3.level"
            summary = "div..summary"
            "#,
        )
        .expect("toml");
        let err = ProfileSet::with_user_profiles(&user).expect_err("bad selector");
        let message = err.to_string();
        assert!(message.contains("profile `mine`"), "{message}");
        assert!(message.contains("`summary`"), "{message}");
        assert!(message.contains("div..summary"), "{message}");
    }

    #[test]
    fn missing_required_key_is_named() {
        let user: BTreeMap<String, RawProfile> =
            toml::from_str("[mine]\nlevel = \"h3\"\n").expect("toml");
        let message = ProfileSet::with_user_profiles(&user)
            .expect_err("no summary")
            .to_string();
        assert!(message.contains("key `summary` is required"), "{message}");
    }

    #[test]
    fn try_cycles_and_unknown_names_are_refused() {
        let user: BTreeMap<String, RawProfile> =
            toml::from_str("[a]\ntry = [\"b\"]\n[b]\ntry = [\"a\"]\n").expect("toml");
        let message = ProfileSet::with_user_profiles(&user)
            .expect_err("cycle")
            .to_string();
        assert!(message.contains("refers back to itself"), "{message}");

        let user: BTreeMap<String, RawProfile> =
            toml::from_str("[a]\ntry = [\"nope\"]\n").expect("toml");
        let message = ProfileSet::with_user_profiles(&user)
            .expect_err("unknown")
            .to_string();
        assert!(
            message.contains("profile `nope` is not defined"),
            "{message}"
        );
    }
}
