//! Countries: ISO 3166-1 alpha-2 codes and the names and aliases governments use for them.
//!
//! This module owns the one table (`countries.tsv`) that turns "Burma", "Myanmar" or "MM",
//! "DRC" or "Congo-Kinshasa", "Ivory Coast" or "Côte d'Ivoire" into one country. Every part of
//! the program that needs a country's identity (reading an FCDO sentence, comparing
//! governments, filters, the dashboard) asks here. Pure: no IO.

use std::collections::HashMap;
use std::sync::LazyLock;

const TABLE: &str = include_str!("countries.tsv");

/// A country: its code and its names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code ("MM").
    pub code: &'static str,
    /// The name shown ("Burma").
    pub name: &'static str,
    /// Every name it goes by, the shown one first.
    pub names: Vec<&'static str>,
}

struct Table {
    countries: Vec<Country>,
    by_key: HashMap<String, usize>,
}

static COUNTRIES: LazyLock<Table> = LazyLock::new(|| {
    let mut countries = Vec::new();
    let mut by_key = HashMap::new();
    for line in TABLE.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split('\t');
        let code = fields.next().expect("a code on every line");
        let names: Vec<&'static str> = fields.collect();
        let index = countries.len();
        for name in &names {
            by_key.entry(key(name)).or_insert(index);
        }
        countries.push(Country {
            code,
            name: names[0],
            names,
        });
    }
    Table { countries, by_key }
});

/// The form names are compared in: lower case, accents and punctuation folded, "the" and
/// "St." spelled out of the way.
pub fn key(name: &str) -> String {
    let folded: String = name
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'Á' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' => 'e',
            'í' | 'ï' | 'î' => 'i',
            'ó' | 'ô' | 'ö' => 'o',
            'ú' | 'ü' | 'û' => 'u',
            'ç' => 'c',
            'ã' => 'a',
            '’' | '\'' => ' ',
            other => other,
        })
        .collect::<String>()
        .to_lowercase();
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && *w != "the")
        .map(|w| if w == "st" { "saint" } else { w })
        .collect();
    words.join(" ")
}

/// The country a name, alias or code stands for.
pub fn resolve(name: &str) -> Option<&'static Country> {
    let trimmed = name.trim();
    if trimmed.len() == 2 && trimmed.chars().all(|c| c.is_ascii_alphabetic()) {
        let code = trimmed.to_ascii_uppercase();
        if let Some(country) = COUNTRIES.countries.iter().find(|c| c.code == code) {
            return Some(country);
        }
    }
    resolve_name(trimmed)
}

/// The country a name or alias stands for; codes are not tried (in running text "to" is not
/// Tonga).
pub fn resolve_name(name: &str) -> Option<&'static Country> {
    let table = &*COUNTRIES;
    let wanted = key(name);
    let wanted = wanted
        .strip_prefix("whole of ")
        .unwrap_or(&wanted)
        .to_owned();
    table.by_key.get(&wanted).map(|&i| &table.countries[i])
}

/// The country an item of a feed or index is about: its key when that is an ISO 3166 alpha-2
/// code (the Auswärtiges Amt, Hong Kong and Canada give one), else its name or key looked up
/// in the table (the State Department's feed names countries in English).
pub fn identify(key: &str, name: &str) -> Option<&'static Country> {
    let key = key.trim();
    let by_code = (key.len() == 2).then(|| resolve(key)).flatten();
    by_code
        .or_else(|| resolve_name(name))
        .or_else(|| resolve_name(&key.replace('-', " ")))
}

/// The name a source of an item is stored under: the table's name when the item's country is
/// known, so that every government's advisory on a country carries one name ("Äthiopien" and
/// "ET" become "Ethiopia"); the document's own name otherwise.
pub fn display_name(key: &str, name: &str) -> String {
    identify(key, name).map_or_else(|| name.to_owned(), |c| c.name.to_owned())
}

/// The countries a source's country name stands for: one for "Burma" or "Mexico Travel
/// Advisory", several for a name that lists them ("Mainland China, Hong Kong & Macau" is CN, HK
/// and MO), none for a name the table does not know.
pub fn countries_of(name: &str) -> Vec<&'static Country> {
    let trimmed = name.trim();
    let stripped = strip_suffix_words(trimmed, &["travel advisory", "travel advice", "advisory"]);
    if let Some(country) = resolve(stripped) {
        return vec![country];
    }
    let parts: Vec<&str> = stripped
        .split([',', '&', ';', '/'])
        .flat_map(|part| part.split(" and "))
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect();
    if parts.len() < 2 {
        return Vec::new();
    }
    let found: Vec<&'static Country> = parts.iter().filter_map(|p| resolve_name(p)).collect();
    if found.len() == parts.len() {
        found
    } else {
        Vec::new()
    }
}

fn strip_suffix_words<'a>(name: &'a str, suffixes: &[&str]) -> &'a str {
    let lower = name.to_lowercase();
    for suffix in suffixes {
        if lower.ends_with(suffix) && lower.len() == name.len() {
            let cut =
                name[..name.len() - suffix.len()].trim_end_matches([' ', '-', ':', '\u{2013}']);
            if !cut.is_empty() {
                return cut;
            }
        }
    }
    name
}

/// Whether a search (a name, alias, ISO code, or part of a name: "Camb", "Myanmar", "MM")
/// finds a source whose country is `name`. A search that names a country finds that country
/// only ("Niger" is not Nigeria); any other is a part of a name or alias. An empty search finds
/// everything.
pub fn matches(search: &str, name: &str) -> bool {
    let wanted = key(search);
    if wanted.is_empty() {
        return true;
    }
    let countries = countries_of(name);
    if let Some(country) = resolve(search) {
        return countries.iter().any(|c| c.code == country.code) || key(name) == wanted;
    }
    key(name).contains(&wanted)
        || countries
            .iter()
            .flat_map(|c| c.names.iter())
            .any(|n| key(n).contains(&wanted))
}

/// The country in the table whose name or alias is nearest to `search`, to suggest when it
/// names none: a name that starts with it, else the fewest edits (at most a quarter of its
/// letters).
pub fn suggest(search: &str) -> Option<&'static Country> {
    let wanted = key(search);
    if wanted.is_empty() {
        return None;
    }
    let table = &*COUNTRIES;
    let mut names: Vec<(&str, usize)> = table
        .by_key
        .iter()
        .map(|(name, &i)| (name.as_str(), i))
        .collect();
    names.sort_unstable();
    if let Some(&(_, i)) = names.iter().find(|(name, _)| name.starts_with(&wanted)) {
        return Some(&table.countries[i]);
    }
    let limit = (wanted.chars().count() / 4).max(1);
    names
        .iter()
        .map(|&(name, i)| (edits(name, &wanted), i))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, i)| &table.countries[i])
}

/// Levenshtein distance over characters.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(current)
            };
            previous = current;
        }
    }
    row[b.len()]
}

/// Every country in the table.
pub fn all() -> &'static [Country] {
    &COUNTRIES.countries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_and_codes_resolve_to_one_country() {
        for (name, code) in [
            ("Burma", "MM"),
            ("Myanmar", "MM"),
            ("MM", "MM"),
            ("Democratic Republic of the Congo", "CD"),
            ("DRC", "CD"),
            ("Congo-Kinshasa", "CD"),
            ("CD", "CD"),
            ("Côte d'Ivoire", "CI"),
            ("Cote d’Ivoire", "CI"),
            ("Ivory Coast", "CI"),
            ("the whole of Mali", "ML"),
            ("St. Kitts and Nevis", "KN"),
            ("Türkiye", "TR"),
        ] {
            assert_eq!(resolve(name).map(|c| c.code), Some(code), "{name}");
        }
        assert_eq!(identify("ht", "Haiti").map(|c| c.code), Some("HT"));
        assert_eq!(identify("et", "Äthiopien").map(|c| c.code), Some("ET"));
        assert_eq!(
            identify("cote-d-ivoire", "Côte d'Ivoire").map(|c| c.code),
            Some("CI")
        );
        assert_eq!(display_name("zz", "Atlantis"), "Atlantis");
        assert_eq!(resolve("Zulia State"), None);
        assert_eq!(resolve("Freedonia"), None);
    }

    #[test]
    fn a_source_name_can_stand_for_several_countries() {
        let codes = |name: &str| {
            countries_of(name)
                .iter()
                .map(|c| c.code)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            codes("Mainland China, Hong Kong & Macau"),
            ["CN", "HK", "MO"]
        );
        assert_eq!(codes("Mexico Travel Advisory"), ["MX"]);
        assert_eq!(codes("Antigua and Barbuda"), ["AG"]);
        assert_eq!(codes("Bosnia and Herzegovina"), ["BA"]);
        assert_eq!(codes("Burma (Myanmar)"), ["MM"]);
        assert!(codes("Mali and Freedonia").is_empty());
    }

    #[test]
    fn searches_find_by_part_of_a_name_alias_or_code() {
        for (search, name, found) in [
            ("Camb", "Cambodia", true),
            ("camb", "Cambodia", true),
            ("Myanmar", "Burma", true),
            ("MM", "Burma", true),
            ("myan", "Burma", true),
            ("DRC", "Democratic Republic of the Congo", true),
            ("Ivory Coast", "Côte d'Ivoire", true),
            ("Hong Kong", "Mainland China, Hong Kong & Macau", true),
            ("MO", "Mainland China, Hong Kong & Macau", true),
            ("China", "Mainland China, Hong Kong & Macau", true),
            ("Mali", "Cambodia", false),
            ("Niger", "Nigeria", false),
            ("Niger", "Niger", true),
            ("ML", "Malawi", false),
            ("", "Mali", true),
        ] {
            assert_eq!(matches(search, name), found, "{search} in {name}");
        }
    }

    #[test]
    fn an_unknown_name_gets_a_suggestion() {
        assert_eq!(suggest("Cambodja").map(|c| c.name), Some("Cambodia"));
        assert_eq!(suggest("Camb").map(|c| c.name), Some("Cambodia"));
        assert_eq!(suggest("Myanmr").map(|c| c.code), Some("MM"));
        assert_eq!(suggest("Freedonia"), None);
    }
}
