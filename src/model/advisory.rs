//! The advisory record and its vocabulary.
//!
//! This module owns what an advisory *is*, independent of any page: the level (1-4 with its
//! label), the State Department's nine risk indicators, the non-indicator reasons, the summary,
//! the issued date and the publisher's change note. It also owns the small parsers that turn the
//! words found on pages into that vocabulary ("Level 4: Do Not Travel", "Tool Tip: Crimes",
//! "Unrest (U)", "due to crime, terrorism, and kidnapping"). It does no IO; reading pages is
//! `extract`'s job and comparing two advisories is `diff`'s.

use std::fmt;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use serde::{Deserialize, Serialize};

/// An advisory level, 1 (exercise normal precautions) to 4 (do not travel), with the words the
/// publisher used for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// 1 to 4.
    pub number: u8,
    /// The label as the page wrote it ("Do Not Travel", "Exercise increased caution").
    pub label: String,
}

impl Level {
    /// The State Department's own label for a level number.
    pub fn standard_label(number: u8) -> &'static str {
        match number {
            1 => "Exercise Normal Precautions",
            2 => "Exercise Increased Caution",
            3 => "Reconsider Travel",
            4 => "Do Not Travel",
            _ => "Unknown level",
        }
    }

    /// Parses "Level 4: Do Not Travel", "Mali - Level 4: Do Not Travel",
    /// "Level 2 - Exercise increased caution" or a bare "3".
    ///
    /// Returns `None` when the text holds no level from 1 to 4.
    pub fn parse(text: &str) -> Option<Level> {
        static LEVEL: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"(?i)\blevel\s*([1-4])\b\s*(?:[:\-\u{2013}\u{2014}]\s*)?(.*)$")
                .expect("level pattern is valid")
        });
        let text = collapse_whitespace(text);
        if let Some(caps) = LEVEL.captures(&text) {
            let number: u8 = caps[1].parse().ok()?;
            let label = caps[2].trim().trim_end_matches('.').trim().to_owned();
            return Some(Level::with_label(number, label));
        }
        let bare = text.trim();
        match bare.parse::<u8>() {
            Ok(number @ 1..=4) => Some(Level::with_label(number, String::new())),
            _ => None,
        }
    }

    /// A level with the given label, or the standard label when `label` is empty.
    pub fn with_label(number: u8, label: String) -> Level {
        let label = if label.is_empty() {
            Level::standard_label(number).to_owned()
        } else {
            label
        };
        Level { number, label }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Level {}: {}", self.number, self.label)
    }
}

/// One of the State Department's nine risk indicators, the common vocabulary every source is
/// mapped onto.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// C, "Crimes".
    Crime,
    /// T, "Terrorism".
    Terrorism,
    /// U, "Civil Unrest".
    Unrest,
    /// H, "Health".
    Health,
    /// N, "Disaster".
    NaturalDisaster,
    /// E, "Time-limited Event".
    Event,
    /// K, "Kidnap and Hostage".
    Kidnapping,
    /// D, "Wrongful Detention".
    WrongfulDetention,
    /// O, "Other".
    Other,
}

impl Indicator {
    /// Every indicator, in the order of their JSON ids' alphabet.
    pub const ALL: [Indicator; 9] = [
        Indicator::Crime,
        Indicator::Event,
        Indicator::Health,
        Indicator::Kidnapping,
        Indicator::NaturalDisaster,
        Indicator::Other,
        Indicator::Terrorism,
        Indicator::Unrest,
        Indicator::WrongfulDetention,
    ];

    /// The JSON id (`natural_disaster`).
    pub fn id(self) -> &'static str {
        match self {
            Indicator::Crime => "crime",
            Indicator::Terrorism => "terrorism",
            Indicator::Unrest => "unrest",
            Indicator::Health => "health",
            Indicator::NaturalDisaster => "natural_disaster",
            Indicator::Event => "event",
            Indicator::Kidnapping => "kidnapping",
            Indicator::WrongfulDetention => "wrongful_detention",
            Indicator::Other => "other",
        }
    }

    /// The words an analyst writes ("natural disaster").
    pub fn human(self) -> &'static str {
        match self {
            Indicator::NaturalDisaster => "natural disaster",
            Indicator::WrongfulDetention => "wrongful detention",
            other => other.id(),
        }
    }

    /// The State Department's badge letter.
    pub fn letter(self) -> char {
        match self {
            Indicator::Crime => 'C',
            Indicator::Terrorism => 'T',
            Indicator::Unrest => 'U',
            Indicator::Health => 'H',
            Indicator::NaturalDisaster => 'N',
            Indicator::Event => 'E',
            Indicator::Kidnapping => 'K',
            Indicator::WrongfulDetention => 'D',
            Indicator::Other => 'O',
        }
    }

    /// Looks up a JSON id (`wrongful_detention`).
    pub fn from_id(id: &str) -> Option<Indicator> {
        Indicator::ALL.into_iter().find(|i| i.id() == id)
    }

    /// Maps the words a page uses for an indicator onto the vocabulary: a badge letter ("C"),
    /// a tooltip title ("Tool Tip: Crimes"), a pill ("Unrest (U)"), or the words of a reason
    /// sentence ("civil unrest", "kidnapping", "natural disasters").
    pub fn from_page_text(text: &str) -> Option<Indicator> {
        let text = collapse_whitespace(text);
        let mut text = text.trim();
        if let Some(rest) = strip_prefix_ignore_case(text, "tool tip:") {
            text = rest.trim();
        }
        // "Unrest (U)": the letter in parentheses decides.
        if let Some(open) = text.rfind('(')
            && let Some(inner) = text[open + 1..].strip_suffix(')')
            && let Some(found) = Indicator::from_letter(inner.trim())
        {
            return Some(found);
        }
        if let Some(found) = Indicator::from_letter(text) {
            return Some(found);
        }
        Indicator::from_words(text)
    }

    /// The indicator a cause stands for, by meaning, qualified forms included ("the risk of
    /// kidnapping", "potential for civil unrest", "poor health infrastructure", "terrorism
    /// concerns", "riots", "cholera", "hurricanes"): the vocabulary is [`CAUSES`], the words
    /// governments use for each indicator. A cause the State Department names no indicator for
    /// ("armed conflict", "landmines", "military activity") is [`Indicator::Other`]; `None` only
    /// for a cause no word of the vocabulary covers, which the caller counts as Other too.
    pub fn from_cause(cause: &str) -> Option<Indicator> {
        let lower = cause.to_lowercase().replace('’', "'");
        let lower = lower.trim();
        if let Some(found) = Indicator::from_page_text(lower) {
            return Some(found);
        }
        // "criminal activity, including kidnapping": the head of the phrase says what it is.
        for example in [", including", " including ", " such as "] {
            if let Some((head, _)) = lower.split_once(example)
                && let Some(found) = Indicator::from_cause(head)
            {
                return Some(found);
            }
        }
        CAUSES_COMPILED
            .iter()
            .find(|(_, pattern)| pattern.is_match(lower))
            .map(|(indicator, _)| *indicator)
    }

    fn from_letter(text: &str) -> Option<Indicator> {
        let mut chars = text.chars();
        let (Some(letter), None) = (chars.next(), chars.next()) else {
            return None;
        };
        Indicator::ALL
            .into_iter()
            .find(|i| i.letter() == letter.to_ascii_uppercase())
    }

    fn from_words(text: &str) -> Option<Indicator> {
        let words = text
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
            .replace(['\u{2019}', '\''], "");
        let words = words.as_str();
        let found = match words {
            "crime" | "crimes" | "violent crime" => Indicator::Crime,
            "terrorism" | "terrorist attacks" | "terrorist activity" => Indicator::Terrorism,
            "unrest" | "civil unrest" | "political unrest" | "social unrest" => Indicator::Unrest,
            "health" | "health risks" | "health concerns" => Indicator::Health,
            "disaster" | "disasters" | "natural disaster" | "natural disasters" => {
                Indicator::NaturalDisaster
            }
            "event" | "events" | "time-limited event" | "time-limited events" => Indicator::Event,
            "kidnapping"
            | "kidnappings"
            | "kidnap"
            | "kidnap and hostage"
            | "hostage taking"
            | "kidnapping and hostage taking"
            | "kidnapping and hostage-taking" => Indicator::Kidnapping,
            "wrongful detention" | "wrongful detentions" | "the risk of wrongful detention" => {
                Indicator::WrongfulDetention
            }
            "other" => Indicator::Other,
            _ => return None,
        };
        Some(found)
    }
}

/// The words of causes, by the indicator they stand for, tried in this order (the first that
/// matches wins, so "air strikes" is military before "strikes" is unrest, and "armed robbery"
/// is crime before "armed" could be anything else). Built from the language of advisories:
/// the State Department's statements and feed, FCDO's and other governments' reasons. Each
/// entry is a regular expression on the lower-cased cause.
pub const CAUSES: &[(Indicator, &str)] = &[
    // What the State Department files under Other though a word of it is elsewhere: landmines
    // (Sri Lanka's note adds "Other" with them), piracy (Benin: "Maritime Crime (Other)"),
    // torture in detention.
    (
        Indicator::Other,
        r"land ?mines?|\bmines?\b|unexploded|ordnance|pira(?:cy|tes?)\b|maritime crime|torture|limited (?:ability|capacity)|consular",
    ),
    (
        Indicator::WrongfulDetention,
        r"wrongful(?:ly)? detain|wrongful detention|unjust(?:ly)? detain|arbitrary (?:arrest|detention)|\bdetention|\bdetain|\barrests?\b",
    ),
    (Indicator::Kidnapping, r"kidnap|hostage|abduct"),
    (
        Indicator::Terrorism,
        r"terroris|extremis|jihadi|suicide bomb|improvised explosive",
    ),
    (
        Indicator::Crime,
        r"\bcrimes?\b|criminal|theft|thieves|robber|carjack|burglar|\bgangs?\b|cartel|narco|drug traffick|traffick|bandit|extortion|homicide|murder|sexual (?:assault|violence)|\bscams?\b|fraud|mugging|pickpocket",
    ),
    // Armed conflict is unrest in the State Department's usage (Cambodia 2025: "unrest" added
    // with the armed conflict at the border).
    (
        Indicator::Unrest,
        r"unrest|\briots?\b|rioting|civil disturbance|disturbances|demonstrations?|protests?|\bstrikes?\b|political (?:tension|violence|instability|uncertainty|crisis)|instability|\bcoups?\b|civil strife|clashes|skirmish|incursions?|\btensions?\b|security (?:conditions|situation|environment)|curfews?|state of emergency|armed conflict|\bconflicts?\b|military|\bwars?\b|warfare|missile|\bdrones?\b|air ?strikes?|aerial (?:bombardment|attacks?)|bombardment|shelling|artillery|rocket|hostilities|fighting|combat|invasion|insurgen|militias?|armed groups?|border (?:tensions?|clashes|incidents?|violence)|armed violence|(?:sporadic|occasional|sectarian|ethnic|intercommunal|communal|tribal|religious)\w*(?: motivated)? violence|violence (?:near|along|on) the border",
    ),
    (
        Indicator::NaturalDisaster,
        r"natural disaster|\bdisasters?\b|hurricane|typhoon|cyclone|tropical storm|\bstorms?\b|flood|wildfire|bushfire|forest fire|earthquake|seismic|volcan|tsunami|landslide|mudslide|drought|\bweather\b|environmental hazards|monsoon|avalanche|heat ?waves?|extreme (?:heat|temperatures)",
    ),
    (
        Indicator::Health,
        r"health|medical|disease|outbreak|epidemic|pandemic|cholera|dengue|measles|malaria|ebola|\bmpox\b|monkeypox|zika|yellow fever|covid|coronavirus|polio|marburg|plague|chikungunya|typhoid|meningitis|hospital|infectious|virus|influenza|diphtheria|rabies|air pollution|air quality|vaccination",
    ),
    (
        Indicator::Event,
        r"^(?:(?:a|the)\s+)?(?:time-limited\s+)?events?$|(?:sporting|major|large|public|mass|time-limited) events?|\belections?\b|festivals?|summits?|explosions?",
    ),
    (
        Indicator::Other,
        r"^other (?:risks?|factors|dangers|hazards)$",
    ),
];

static CAUSES_COMPILED: LazyLock<Vec<(Indicator, Regex)>> = LazyLock::new(|| {
    CAUSES
        .iter()
        .map(|(indicator, pattern)| {
            (
                *indicator,
                Regex::new(pattern).expect("the cause vocabulary compiles (checked by a test)"),
            )
        })
        .collect()
});

impl fmt::Display for Indicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.human())
    }
}

/// What an advisory says, read from one version of a page: the record every source kind is
/// mapped onto, and the unit that is stored and compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advisory {
    /// The advisory level.
    pub level: Level,
    /// Risk indicators, in the order the page lists them, without repeats.
    pub indicators: Vec<Indicator>,
    /// Reasons named by the page that are not indicators ("landmines", "armed conflict"), as
    /// the publisher wrote them (case and punctuation kept), in page order. Compare them with
    /// [`same_words`], never with `==`.
    pub reasons: Vec<String>,
    /// The summary: paragraphs of whitespace-collapsed text separated by blank lines.
    pub summary: String,
    /// The publication date the page states.
    pub issued: Option<NaiveDate>,
    /// The publisher's own note on what changed.
    pub change_note: Option<String>,
    /// Areas with a level of their own ("Level 2 in Karlovac and Lika-Senj counties").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub areas: Vec<Area>,
    /// The publisher no longer lists this advisory (a feed item that disappeared).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withdrawn: bool,
    /// Only part of the advisory is known (a version from a history panel: no summary), so its
    /// summary is not compared.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
    /// The level the advisory's own text states, when it is not `level`: the title (a feed
    /// item's title and `Threat-Level`) moved and the text still says what it said, so the
    /// level is unconfirmed. `None` when they agree or the text states none. Left out of the
    /// stored JSON when `None`, so the versions stored before it keep their `fields_hash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_level: Option<u8>,
    /// The name a feed or index gave the advisory's country, whole, when it was too long to
    /// name a source: the source's country is cut at
    /// [`crate::model::name::DERIVED_NAME_LIMIT`] characters, and this keeps what was cut off.
    /// Left out of the stored JSON when `None` (always, but for such a name), so that every
    /// other version keeps its `fields_hash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
}

/// An area with a level of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Area {
    /// The area, as the page names it.
    pub name: String,
    /// Its level, 1 to 4.
    pub level: u8,
    /// Why, as the publisher wrote it ("landmines", "ongoing fighting between Cambodian and
    /// Thai military forces").
    pub reasons: Vec<String>,
}

impl Area {
    /// Whether `name` is a piece of a sentence rather than the name of an area: it ends in a
    /// word that needs more after it ("the cities of", "Benghazi and"), starts with one that
    /// continues something before it ("and the surrounding area", "of Pursat"), leaves a
    /// parenthesis open ("between Rancho Nuevo (just"), or points at a list instead of naming
    /// places ("the following districts in Cabo Delgado Province"). A reader that cut such a
    /// piece has cut in the wrong place; it takes the list that follows, or nothing.
    pub fn is_fragment(name: &str) -> bool {
        const DANGLING_END: [&str; 20] = [
            "of",
            "and",
            "or",
            "the",
            "to",
            "in",
            "a",
            "an",
            "at",
            "by",
            "for",
            "from",
            "on",
            "with",
            "between",
            "including",
            "near",
            "except",
            "within",
            "as",
        ];
        const CONTINUING_START: [&str; 12] = [
            "and", "or", "but", "nor", "of", "to", "on", "at", "by", "with", "which", "that",
        ];
        let trimmed = name.trim().trim_end_matches([':', ',', ';', '.']).trim();
        let lower = trimmed.to_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        let (Some(first), Some(last)) = (words.first(), words.last()) else {
            return true;
        };
        DANGLING_END.contains(last)
            || CONTINUING_START.contains(first)
            || trimmed.matches('(').count() > trimmed.matches(')').count()
            || lower.starts_with("the following")
            || lower.starts_with("following ")
            || matches!(*first, "these" | "those")
    }
}

impl Advisory {
    /// A hash of every extracted field: equal hashes mean an identical version, so an unchanged
    /// page is recognised without loading or decompressing anything stored.
    pub fn fields_hash(&self) -> String {
        let encoded = serde_json::to_vec(self).expect("an advisory always serializes");
        format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&encoded))
    }

    /// The indicators as sorted JSON ids, the form `extract --format json` prints.
    pub fn sorted_indicator_ids(&self) -> Vec<&'static str> {
        let mut ids: Vec<_> = self.indicators.iter().map(|i| i.id()).collect();
        ids.sort_unstable();
        ids
    }
}

/// FCDO's wording of each level, from the GOV.UK `alert_status` values: none is level 1,
/// advice against (all or all but essential) travel to parts is 2, against all but essential
/// travel to the whole country 3, against all travel to the whole country 4.
pub fn fcdo_level_from_alert_status(statuses: &[String]) -> Level {
    let has = |s: &str| statuses.iter().any(|v| v == s);
    let (number, label) = if has("avoid_all_travel_to_whole_country") {
        (4, "FCDO advises against all travel to the whole country")
    } else if has("avoid_all_but_essential_travel_to_whole_country") {
        (
            3,
            "FCDO advises against all but essential travel to the whole country",
        )
    } else if has("avoid_all_travel_to_parts") {
        (2, "FCDO advises against all travel to parts of the country")
    } else if has("avoid_all_but_essential_travel_to_parts") {
        (
            2,
            "FCDO advises against all but essential travel to parts of the country",
        )
    } else {
        (1, "No FCDO advice against travel")
    };
    Level {
        number,
        label: label.to_owned(),
    }
}

/// Canada's advisory-state (0 take normal security precautions, 1 exercise a high degree of
/// caution, 2 avoid non-essential travel, 3 avoid all travel) as levels 1-4.
pub fn canada_level(state: i64, label: Option<&str>) -> Option<Level> {
    let number = u8::try_from(state).ok().filter(|s| *s <= 3)? + 1;
    let standard = [
        "Take normal security precautions",
        "Exercise a high degree of caution",
        "Avoid non-essential travel",
        "Avoid all travel",
    ][usize::from(number - 1)];
    Some(Level {
        number,
        label: label
            .filter(|l| !l.is_empty())
            .unwrap_or(standard)
            .to_owned(),
    })
}

/// Finds a date in free text: "July 31, 2023", "31 July 2023", "2026-09-01", "Date issued:
/// March 31, 2026 -".
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    static ISO: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(\d{4})-(\d{2})-(\d{2})(?:\b|T)").expect("iso date pattern")
    });
    static MONTH_FIRST: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b([a-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})\b").expect("date pattern")
    });
    static DAY_FIRST: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(\d{1,2})\s+([a-z]{3,9})\.?,?\s+(\d{4})\b").expect("date pattern")
    });
    if let Some(c) = ISO.captures(text) {
        return NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?);
    }
    let from_parts = |month: &str, day: &str, year: &str| {
        NaiveDate::from_ymd_opt(year.parse().ok()?, month_number(month)?, day.parse().ok()?)
    };
    MONTH_FIRST
        .captures_iter(text)
        .find_map(|c| from_parts(&c[1], &c[2], &c[3]))
        .or_else(|| {
            DAY_FIRST
                .captures_iter(text)
                .find_map(|c| from_parts(&c[2], &c[1], &c[3]))
        })
}

fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = name.to_lowercase();
    let prefix = lower.get(..3)?;
    let index = MONTHS.iter().position(|m| *m == prefix)?;
    Some(index as u32 + 1)
}

/// Collapses every run of whitespace (non-breaking spaces included) into one space and trims
/// the ends.
pub fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace() || c == '\u{a0}') {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Whether two of the publisher's phrases (reasons, area names) say the same words: case and
/// surrounding whitespace are not a difference. What is stored keeps the publisher's case; this
/// is how it is matched.
pub fn same_words(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase()
}

/// Adds `item` to `list` unless a phrase with the same words (see [`same_words`]) is there.
pub fn push_new_words(list: &mut Vec<String>, item: String) {
    if !list.iter().any(|known| same_words(known, &item)) {
        list.push(item);
    }
}

/// `text` without `prefix`, when it starts with it in any case.
pub fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Whether `text` starts with `prefix` in any case.
pub fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    strip_prefix_ignore_case(text, prefix).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_strings_from_every_page_kind() {
        let cases = [
            ("Level 4: Do Not Travel", Some((4, "Do Not Travel"))),
            ("Mali - Level 4: Do Not Travel", Some((4, "Do Not Travel"))),
            (
                "\n   Level 2 - Exercise increased caution\n ",
                Some((2, "Exercise increased caution")),
            ),
            (
                "Level 3 \u{2013} Reconsider Travel",
                Some((3, "Reconsider Travel")),
            ),
            ("3", Some((3, "Reconsider Travel"))),
            ("Level 1", Some((1, "Exercise Normal Precautions"))),
            ("Level 5: Unknown", None),
            ("Travel Advisory", None),
            ("", None),
        ];
        for (text, expected) in cases {
            let got = Level::parse(text).map(|l| (l.number, l.label));
            let expected = expected.map(|(n, l): (u8, &str)| (n, l.to_owned()));
            assert_eq!(got, expected, "parsing {text:?}");
        }
    }

    #[test]
    fn indicator_words_from_badges_pills_and_sentences() {
        let cases = [
            ("C", Indicator::Crime),
            ("Tool Tip: Crimes", Indicator::Crime),
            ("Tool Tip: Kidnap and Hostage", Indicator::Kidnapping),
            ("Tool Tip: Civil Unrest", Indicator::Unrest),
            ("Tool Tip: Disaster", Indicator::NaturalDisaster),
            ("Tool Tip: Wrongful Detention", Indicator::WrongfulDetention),
            ("Time-limited Event", Indicator::Event),
            ("Unrest (U)", Indicator::Unrest),
            ("Kidnapping (K)", Indicator::Kidnapping),
            ("Health (H)", Indicator::Health),
            ("civil unrest", Indicator::Unrest),
            ("natural disasters", Indicator::NaturalDisaster),
            ("Other", Indicator::Other),
            ("D", Indicator::WrongfulDetention),
        ];
        for (text, expected) in cases {
            assert_eq!(Indicator::from_page_text(text), Some(expected), "{text:?}");
        }
        for text in ["landmines", "armed conflict", "Z", ""] {
            assert_eq!(Indicator::from_page_text(text), None, "{text:?}");
        }
    }

    #[test]
    fn fcdo_statuses_and_canada_states_onto_levels() {
        let statuses = vec!["avoid_all_but_essential_travel_to_parts".to_owned()];
        assert_eq!(fcdo_level_from_alert_status(&statuses).number, 2);
        assert_eq!(fcdo_level_from_alert_status(&[]).number, 1);
        assert_eq!(
            canada_level(3, Some("Avoid all travel")).map(|l| l.number),
            Some(4)
        );
        assert_eq!(
            canada_level(0, None).map(|l| l.label),
            Some("Take normal security precautions".to_owned())
        );
        assert_eq!(canada_level(7, None), None);
    }

    #[test]
    fn dates_in_the_forms_pages_use() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(parse_date("Travel Advisory July 31, 2023"), d(2023, 7, 31));
        assert_eq!(parse_date("Date issued: March 31, 2026 -"), d(2026, 3, 31));
        assert_eq!(parse_date("Issued 2026-09-01"), d(2026, 9, 1));
        assert_eq!(parse_date("Updated: 31 October 2025"), d(2025, 10, 31));
        assert_eq!(parse_date("Sept. 4, 2025"), d(2025, 9, 4));
        assert_eq!(parse_date("no date here"), None);
    }

    #[test]
    fn an_area_is_never_a_piece_of_a_sentence() {
        // Cut from real statements (uk/libya, uk_more/mozambique, uk_more/mexico, us/cambodia).
        for fragment in [
            "the cities of",
            "the Chittagong Hill Tracts, an area made up of the districts of:",
            "the following districts in Cabo Delgado Province",
            "Federal Highway 199 (Carretera Federal 199) between Rancho Nuevo (just",
            "and the surrounding area known as Jebel Akhdar",
            "Benghazi and",
            "",
        ] {
            assert!(Area::is_fragment(fragment), "{fragment:?}");
        }
        for name in [
            "the cities of Tripoli, Benghazi and Misrata",
            "Benghazi, Al-Bayda and Derna, and the surrounding area known as Jebel Akhdar",
            "areas within 50km of the Cambodia – Thailand border",
            "Arauca, Cauca (excluding Popayán), and Norte de Santander departments",
            "Departments of Pursat and Battambang",
            "South Ossetia",
        ] {
            assert!(!Area::is_fragment(name), "{name:?}");
        }
    }

    #[test]
    fn reasons_and_areas_read_again_in_the_publishers_case_are_no_change() {
        // What a reader before version 3 stored (lower case) and what it reads now, for
        // us/cambodia/2025-07-26.md and us_more/iran/2025-06-13.md.
        let area = |name: &str, reason: &str| Area {
            name: name.into(),
            level: 4,
            reasons: vec![reason.into()],
        };
        let old = Advisory {
            level: Level::with_label(4, String::new()),
            indicators: vec![Indicator::Terrorism],
            reasons: vec!["arbitrary arrest of u.s. citizens".into()],
            summary: "Text.".into(),
            issued: None,
            change_note: None,
            areas: vec![area(
                "areas within 50km of the cambodia – thailand border",
                "ongoing fighting between cambodian and thai military forces",
            )],
            withdrawn: false,
            partial: false,
            text_level: None,
            full_name: None,
        };
        let mut new = old.clone();
        new.reasons = vec!["arbitrary arrest of U.S. citizens".into()];
        new.areas = vec![area(
            "areas within 50km of the Cambodia – Thailand border",
            "ongoing fighting between Cambodian and Thai military forces",
        )];
        assert_ne!(
            old.fields_hash(),
            new.fields_hash(),
            "a new version is stored"
        );
        assert_eq!(
            crate::model::diff::compare(&old, &new),
            None,
            "but no change"
        );
        assert!(same_words("Armed Conflict", " armed conflict"));
        assert!(same_words("Ártico", "ártico"));
        assert!(!same_words("armed conflict", "armed conflicts"));
    }

    #[test]
    fn fields_hash_changes_with_any_field() {
        let advisory = Advisory {
            level: Level::with_label(4, String::new()),
            indicators: vec![Indicator::Crime],
            reasons: vec![],
            summary: "Violent crime is common.".into(),
            issued: None,
            change_note: None,
            areas: Vec::new(),
            withdrawn: false,
            partial: false,
            text_level: None,
            full_name: None,
        };
        let mut other = advisory.clone();
        assert_eq!(advisory.fields_hash(), other.fields_hash());
        other.summary.push('!');
        assert_ne!(advisory.fields_hash(), other.fields_hash());
    }
}
