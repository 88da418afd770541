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
}
