//! A profile's two forms: the raw TOML table and the compiled one (selectors, JSON pointers,
//! XML paths and level maps parsed once), the formats and level scales, the reader a source's
//! profile resolves to, and the errors of a profile. Pure data.

use std::collections::BTreeMap;
use std::sync::Arc;

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
    pub(super) fn parse(profile: &str, text: Option<&str>) -> Result<LevelScale, ProfileError> {
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
pub(super) enum Definition {
    Selectors(Arc<Profile>),
    Json(Arc<JsonProfile>),
    Xml(Arc<XmlProfile>),
    Ota(Arc<OtaProfile>),
    Rss(Option<Arc<LevelMap>>),
    Try(Vec<String>),
}
