//! Extraction profiles: how each field of an advisory is found in a document.
//!
//! This module owns the profile's two forms (the raw TOML table and the compiled one, with every
//! CSS selector, JSON pointer, XML path and `level_map` parsed once), the formats (`html`: CSS
//! selectors, `json`: JSON pointers, `xml`: element paths, `rss`: the State Department's feed,
//! `hk-ota`: Hong Kong's Outbound Travel Alert index), the named level scales and the
//! `level_map` tables that turn a government's own wording into levels 1-4 (`scale` reads
//! them), the government a profile reads, the built-in profiles shipped inside the crate
//! (`profiles.toml`), and the resolution of a source's profile name or list into a [`Reader`].
//! Reading a document with a profile is `extract`'s job; where profiles are configured is
//! `config`'s.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, OnceLock};

use scraper::Selector;
use serde::Deserialize;

use crate::model::scale::{LevelMap, RawMeaning};

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
    /// The government whose advice the profile reads ("Germany (Auswärtiges Amt)"), shown by
    /// `compare`.
    #[serde(default)]
    pub government: Option<String>,
    /// The government's own words or values mapped onto 1-4, instead of `level_scale`:
    /// `{ "Do not travel" = 4, "/reconsider/" = 3, partialWarning = { level = 2, area = 4 } }`.
    #[serde(default)]
    pub level_map: Option<BTreeMap<String, RawMeaning>>,
    /// A regex that picks the value out of the level's text (group `value`, else the first).
    #[serde(default)]
    pub level_pattern: Option<String>,
    /// A regex finding areas with their own value in the level's text (groups `area`, `value`).
    #[serde(default)]
    pub area_pattern: Option<String>,
    /// HTML only: the element (`div.class`, `section#advisory`) that holds every match of the
    /// profile's selectors; when a scan of the page finds it and can show that the result is
    /// the same, only it is parsed (see `page_region`). Without it, the element every selector
    /// starts with, if there is one.
    #[serde(default)]
    pub region: Option<String>,
    /// JSON only: boolean flags, the first true one's name is the value (`none` when none is).
    #[serde(default)]
    pub level_flags: Option<Vec<String>>,
    /// JSON only: pointer to HTML whose headings name a level and whose list items are areas.
    #[serde(default)]
    pub areas: Option<String>,
    /// JSON only: areas are read only when this pointer holds a true value (1, true).
    #[serde(default)]
    pub areas_when: Option<String>,
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
#[derive(Debug, Clone)]
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
    /// The profile's own table of values, instead of `level_scale`.
    pub level_map: Option<Arc<LevelMap>>,
    /// The part of a page that holds every match: the one the profile names, else the one its
    /// selectors imply (`Region::origin` says which).
    pub region: Option<crate::model::region::Region>,
    /// Why the profile has no region, when it names none and its selectors imply none
    /// ("selector `h1.title` is not inside a common element ...").
    pub no_region: Option<String>,
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
    /// The level (empty when the profile reads `level_flags`).
    pub level: String,
    /// Boolean flags whose first true one names the level.
    pub level_flags: Vec<String>,
    /// How the level maps onto 1-4.
    pub level_scale: LevelScale,
    /// The profile's own table of values, instead of `level_scale`.
    pub level_map: Option<Arc<LevelMap>>,
    /// HTML with level headings and area list items.
    pub areas: Option<String>,
    /// Areas are read only when this is true.
    pub areas_when: Option<String>,
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

/// An XML profile: a simple element path (`introduction`, `content/category/name`, `@attr`
/// for an attribute of the element) per field.
#[derive(Debug)]
pub struct XmlProfile {
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
    /// Required: the level's text.
    pub level: String,
    /// How the level maps onto 1-4.
    pub level_scale: LevelScale,
    /// The profile's own table of values, instead of `level_scale`.
    pub level_map: Option<Arc<LevelMap>>,
    /// The level's label in the government's words.
    pub level_label: Option<String>,
    /// The summary (text, or HTML made text).
    pub summary: Option<String>,
    /// The publication date.
    pub issued: Option<String>,
    /// The publisher's change note.
    pub change_note: Option<String>,
}

/// Hong Kong's Outbound Travel Alert index: buckets of countries, each bucket's level mapped
/// by the profile's `level_map` (and `"not listed"` for a country listed only for an area).
#[derive(Debug)]
pub struct OtaProfile {
    /// The profile's name.
    pub name: String,
    /// The bucket levels onto 1-4.
    pub level_map: Arc<LevelMap>,
}

/// How a source's documents are read.
#[derive(Debug, Clone)]
pub enum Reader {
    /// HTML pages, with profiles tried in order; one advisory per page.
    Page(Vec<Arc<Profile>>),
    /// The State Department's RSS feed: one advisory per item, with an optional `level_map`
    /// applied to each item's label.
    Rss(Option<Arc<LevelMap>>),
    /// JSON, one advisory or one per item.
    Json(Arc<JsonProfile>),
    /// XML, one advisory or one per item.
    Xml(Arc<XmlProfile>),
    /// Hong Kong's Outbound Travel Alert index: one advisory per country.
    Ota(Arc<OtaProfile>),
}

impl Reader {
    /// A fingerprint of how this reader reads: the hash of everything it is made of, so that it
    /// changes when any profile it uses changes. Computed once per source, at load.
    pub fn fingerprint(&self) -> String {
        format!(
            "{:032x}",
            xxhash_rust::xxh3::xxh3_128(format!("{self:?}").as_bytes())
        )
    }

    /// The names of the profiles, for messages and storage.
    pub fn names(&self) -> Vec<String> {
        match self {
            Reader::Page(profiles) => profiles.iter().map(|p| p.name.clone()).collect(),
            Reader::Rss(_) => vec!["state-dept-rss".to_owned()],
            Reader::Json(profile) => vec![profile.name.clone()],
            Reader::Xml(profile) => vec![profile.name.clone()],
            Reader::Ota(profile) => vec![profile.name.clone()],
        }
    }

    /// Whether one document holds many advisories.
    pub fn has_items(&self) -> bool {
        match self {
            Reader::Page(_) => false,
            Reader::Rss(_) | Reader::Ota(_) => true,
            Reader::Json(profile) => profile.items.is_some(),
            Reader::Xml(profile) => profile.items.is_some(),
        }
    }

    /// The kind of source that reads with it: `page`, `rss`, `json` or `xml`.
    pub fn kind(&self) -> &'static str {
        match self {
            Reader::Page(_) => "page",
            Reader::Rss(_) => "rss",
            Reader::Json(_) | Reader::Ota(_) => "json",
            Reader::Xml(_) => "xml",
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
    Xml(Arc<XmlProfile>),
    Ota(Arc<OtaProfile>),
    Rss(Option<Arc<LevelMap>>),
    Try(Vec<String>),
}

/// A profile as the set holds it: a user's, compiled at load so that its mistakes are found
/// there, or a built-in one, compiled when first used (most configurations use few of them,
/// and a test compiles them all).
#[derive(Debug)]
enum Entry {
    User(Definition),
    Builtin(&'static RawProfile, OnceLock<Definition>),
}

/// Every defined profile, built-in and user-defined, by name.
#[derive(Debug)]
pub struct ProfileSet {
    definitions: BTreeMap<String, Entry>,
    descriptions: BTreeMap<String, String>,
    governments: BTreeMap<String, String>,
}

static BUILTIN_RAW: LazyLock<BTreeMap<String, RawProfile>> = LazyLock::new(|| {
    toml::from_str(BUILTIN_PROFILES_TOML).expect("the built-in profiles.toml parses")
});

/// The government a built-in profile (or the first of a built-in `try` list) reads: what a
/// stored version's profile says when its source recorded none.
pub fn builtin_government(name: &str) -> Option<&'static str> {
    let profile = BUILTIN_RAW.get(name)?;
    profile.government.as_deref().or_else(|| {
        profile
            .try_profiles
            .as_ref()?
            .iter()
            .filter(|inner| inner.as_str() != name)
            .find_map(|inner| BUILTIN_RAW.get(inner)?.government.as_deref())
    })
}

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
        let mut definitions = BTreeMap::new();
        let mut descriptions = BTreeMap::new();
        let mut governments = BTreeMap::new();
        // A user profile replaces a built-in one of the same name, words included.
        let mut describe = |name: &str, profile: &RawProfile| {
            governments.remove(name);
            if let Some(government) = profile.government.as_deref().map(str::trim)
                && !government.is_empty()
            {
                governments.insert(name.to_owned(), government.to_owned());
            }
            descriptions.insert(
                name.to_owned(),
                profile.description.clone().unwrap_or_default(),
            );
        };
        let builtin: &'static BTreeMap<String, RawProfile> = &BUILTIN_RAW;
        for (name, profile) in builtin {
            describe(name, profile);
            definitions.insert(name.clone(), Entry::Builtin(profile, OnceLock::new()));
        }
        for (name, profile) in user {
            describe(name, profile);
            definitions.insert(name.clone(), Entry::User(compile(name, profile)?));
        }
        let set = ProfileSet {
            definitions,
            descriptions,
            governments,
        };
        for (name, entry) in &set.definitions {
            if matches!(entry, Entry::User(_)) {
                set.reader(std::slice::from_ref(name), &format!("profile `{name}`"))?;
            }
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
        let definition = self.definition(name).ok_or_else(|| ProfileError::Unknown {
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
            Definition::Xml(profile) => others.push(Reader::Xml(Arc::clone(profile))),
            Definition::Ota(profile) => others.push(Reader::Ota(Arc::clone(profile))),
            Definition::Rss(map) => others.push(Reader::Rss(map.clone())),
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

    /// A profile's definition, compiling a built-in one on first use.
    fn definition(&self, name: &str) -> Option<&Definition> {
        Some(match self.definitions.get(name)? {
            Entry::User(definition) => definition,
            Entry::Builtin(raw, compiled) => compiled.get_or_init(|| {
                compile(name, raw).expect("the built-in profiles compile (checked by a test)")
            }),
        })
    }

    /// Every profile name.
    pub fn names(&self) -> Vec<String> {
        self.definitions.keys().cloned().collect()
    }

    /// The government a profile (or the first profile of a `try` list) reads, when it says.
    pub fn government(&self, name: &str) -> Option<&str> {
        if let Some(government) = self.governments.get(name) {
            return Some(government);
        }
        match self.definition(name)? {
            Definition::Try(list) => list.iter().find_map(|inner| {
                (inner != name)
                    .then(|| self.governments.get(inner.as_str()))
                    .flatten()
                    .map(String::as_str)
            }),
            _ => None,
        }
    }

    /// Every profile's name and description, for `config-check`.
    pub fn describe(&self) -> impl Iterator<Item = (&str, &str)> {
        self.descriptions
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_str()))
    }
}

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

fn compile(name: &str, raw: &RawProfile) -> Result<Definition, ProfileError> {
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
        // Built-in profiles compile when first used: every one of them compiles.
        for name in set.names() {
            set.reader(std::slice::from_ref(&name), "test")
                .expect(&name);
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
