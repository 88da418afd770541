//! Governments: who publishes an advisory, by one name everywhere.
//!
//! This module owns a government's identity: a stable id (`us`, `uk`, `de`), its full name for
//! headings ("Germany (Auswärtiges Amt)"), a short one where space is tight ("Germany"), an
//! abbreviation for a line of a brief ("US"), and how its own scale reads at levels 1-4. A
//! source's government comes from its `government` key or its profile's (the configuration's
//! business), recorded with the source (the store's); this module only turns that label into a
//! [`Government`] and finds one by any of its names. Pure.

use serde::{Deserialize, Serialize};

/// A government that publishes travel advice.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Government {
    /// A stable id, for URLs and programs: `us`, `uk`, `de`, or a slug of the name.
    pub id: String,
    /// The full name, for headings: "United Kingdom (FCDO)".
    pub name: String,
    /// The short name, where space is tight: "United Kingdom".
    pub short: String,
    /// The shortest form, for a line of a brief: "UK".
    pub abbr: String,
}

/// One known government: id, full name, short name, abbreviation, and its own words for
/// levels 1-4.
struct Known {
    id: &'static str,
    name: &'static str,
    short: &'static str,
    abbr: &'static str,
    /// Other names a person may search by.
    aliases: &'static [&'static str],
    scale: [&'static str; 4],
}

/// The governments of the built-in profiles. A government not listed here is named by the
/// label its profile or source gives.
const KNOWN: &[Known] = &[
    Known {
        id: "us",
        name: "United States (State Department)",
        short: "United States",
        abbr: "US",
        aliases: &["USA", "State Department", "State", "U.S."],
        scale: [
            "Exercise normal precautions",
            "Exercise increased caution",
            "Reconsider travel",
            "Do not travel",
        ],
    },
    Known {
        id: "uk",
        name: "United Kingdom (FCDO)",
        short: "United Kingdom",
        abbr: "UK",
        aliases: &["FCDO", "GB", "Great Britain", "Britain", "GOV.UK"],
        scale: [
            "No advice against travel",
            "Advises against all or all but essential travel to parts of the country",
            "Advises against all but essential travel to the whole country (or to every part of it)",
            "Advises against all travel to the whole country",
        ],
    },
    Known {
        id: "ca",
        name: "Canada (Global Affairs Canada)",
        short: "Canada",
        abbr: "Canada",
        aliases: &["Global Affairs Canada", "Global Affairs", "CA"],
        scale: [
            "Take normal security precautions",
            "Exercise a high degree of caution",
            "Avoid non-essential travel",
            "Avoid all travel",
        ],
    },
    Known {
        id: "de",
        name: "Germany (Auswärtiges Amt)",
        short: "Germany",
        abbr: "Germany",
        aliases: &["Auswärtiges Amt", "DE", "Deutschland"],
        scale: [
            "Reise- und Sicherheitshinweise (no warning)",
            "Teilreisewarnung or situationPartWarning (parts of the country)",
            "situationWarning (the whole country)",
            "Reisewarnung (warning against all travel)",
        ],
    },
    Known {
        id: "nl",
        name: "Netherlands (Nederland Wereldwijd)",
        short: "Netherlands",
        abbr: "Netherlands",
        aliases: &["Nederland Wereldwijd", "NL", "Nederland", "The Netherlands"],
        scale: [
            "Groen (green)",
            "Geel (yellow)",
            "Oranje (orange)",
            "Rood (red)",
        ],
    },
    Known {
        id: "hk",
        name: "Hong Kong (Security Bureau)",
        short: "Hong Kong",
        abbr: "Hong Kong",
        aliases: &["Security Bureau", "HK", "HKSAR"],
        scale: [
            "No Outbound Travel Alert",
            "Amber alert",
            "Red alert",
            "Black alert",
        ],
    },
    Known {
        id: "fi",
        name: "Finland (Ministry for Foreign Affairs)",
        short: "Finland",
        abbr: "Finland",
        aliases: &[
            "Ministry for Foreign Affairs of Finland",
            "FI",
            "Suomi",
            "um.fi",
        ],
        scale: [
            "Noudata tavanomaista varovaisuutta (normal caution)",
            "Noudata erityistä varovaisuutta (special caution)",
            "Vältä tarpeetonta matkustamista (avoid unnecessary travel)",
            "Vältä kaikkea matkustamista (avoid all travel)",
        ],
    },
];

/// The name of a government nobody named: a source whose profile and configuration say
/// nothing.
pub const UNNAMED: &str = "Unnamed government";

impl Government {
    /// The government a label stands for: a known government by any of its names ("United
    /// Kingdom (FCDO)", "FCDO", "uk"), otherwise the label itself, its short name the part
    /// before a parenthesis ("Austria (BMEIA)" is "Austria"). An empty label is
    /// [`UNNAMED`].
    pub fn named(label: &str) -> Government {
        let label = label.trim();
        if let Some(known) = find_known(label) {
            return Government {
                id: known.id.to_owned(),
                name: known.name.to_owned(),
                short: known.short.to_owned(),
                abbr: known.abbr.to_owned(),
            };
        }
        if label.is_empty() {
            return Government {
                id: "unnamed".to_owned(),
                name: UNNAMED.to_owned(),
                short: UNNAMED.to_owned(),
                abbr: UNNAMED.to_owned(),
            };
        }
        let short = label
            .split_once(" (")
            .map_or(label, |(short, _)| short)
            .trim()
            .to_owned();
        Government {
            id: slug(&short),
            name: label.to_owned(),
            abbr: short.clone(),
            short,
        }
    }

    /// Whether a person's word for a government means this one: its id, any of its names or
    /// aliases, or the publisher in its parenthesis, case and spacing aside.
    pub fn answers_to(&self, query: &str) -> bool {
        let query = fold(query);
        if query.is_empty() {
            return false;
        }
        let mut names = vec![
            self.id.clone(),
            self.name.clone(),
            self.short.clone(),
            self.abbr.clone(),
        ];
        if let Some((_, inner)) = self.name.split_once(" (") {
            names.push(inner.trim_end_matches(')').to_owned());
        }
        if let Some(known) = find_known(&self.name) {
            names.extend(known.aliases.iter().map(|a| (*a).to_owned()));
        }
        names.iter().any(|name| fold(name) == query)
    }

    /// How the government's own scale reads at levels 1-4, level 1 first, when it is known.
    pub fn scale(&self) -> Option<[&'static str; 4]> {
        find_known(&self.name).map(|known| known.scale)
    }
}

/// The ids of every government the program knows by name (`us`, `uk`, ...), in a fixed order,
/// so that a view can give each one a style of its own.
pub fn known_ids() -> impl Iterator<Item = &'static str> {
    KNOWN.iter().map(|k| k.id)
}

fn find_known(label: &str) -> Option<&'static Known> {
    let folded = fold(label);
    if folded.is_empty() {
        return None;
    }
    KNOWN.iter().find(|k| {
        [k.id, k.name, k.short, k.abbr]
            .iter()
            .chain(k.aliases)
            .any(|name| fold(name) == folded)
    })
}

/// Lower case, spaces folded, dots dropped: "U.S." and "us" are one word.
fn fold(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace('.', "")
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.to_lowercase().chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_government_has_one_name_whichever_label_names_it() {
        for label in [
            "United Kingdom (FCDO)",
            "FCDO",
            "uk",
            "UK",
            " united kingdom ",
        ] {
            let g = Government::named(label);
            assert_eq!(
                (g.id.as_str(), g.short.as_str(), g.abbr.as_str()),
                ("uk", "United Kingdom", "UK"),
                "{label}"
            );
        }
        let germany = Government::named("Germany (Auswärtiges Amt)");
        assert_eq!(germany.short, "Germany");
        assert_eq!(germany.id, "de");
        assert!(germany.scale().is_some());
    }

    #[test]
    fn a_government_nobody_lists_is_named_by_its_label() {
        let g = Government::named("Austria (BMEIA)");
        assert_eq!(
            (g.id.as_str(), g.name.as_str(), g.short.as_str()),
            ("austria", "Austria (BMEIA)", "Austria")
        );
        assert!(g.answers_to("bmeia"));
        assert!(g.answers_to("Austria"));
        assert_eq!(Government::named("").name, UNNAMED);
    }

    #[test]
    fn a_filter_finds_a_government_by_any_of_its_names() {
        let uk = Government::named("United Kingdom (FCDO)");
        for query in ["United Kingdom", "FCDO", "UK", "uk", "gb"] {
            assert!(uk.answers_to(query), "{query}");
        }
        assert!(!uk.answers_to("us"));
        assert!(Government::named("us").answers_to("U.S."));
    }
}
