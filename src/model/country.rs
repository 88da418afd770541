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

/// The longest search a lookup reads, in bytes: the longest name in the table has 39, and the
/// search for the nearest names costs the product of the lengths, so a longer search is no
/// country, and is said to be one at once.
pub const MAX_SEARCH: usize = 200;

/// Whether a search is too long to be a country's name (see [`MAX_SEARCH`]).
pub fn too_long(search: &str) -> bool {
    search.len() > MAX_SEARCH
}

/// A search as a message quotes it: whole when it is not too long, else its first 40
/// characters and its length.
pub fn quoted(search: &str) -> String {
    let search = search.trim();
    if too_long(search) {
        let start: String = search.chars().take(40).collect();
        format!("{start}... ({} bytes)", search.len())
    } else {
        search.to_owned()
    }
}

/// The form names are compared in: lower case, accents and punctuation folded, "&" read as
/// "and", "the" and "St." spelled out of the way.
pub fn key(name: &str) -> String {
    let folded: String = name
        .replace('&', " and ")
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

/// Names of one advisory about several countries that do not list them: the State
/// Department's "Kingdom of Denmark" covers Denmark, Greenland and the Faroe Islands, its
/// "French West Indies" Guadeloupe, Martinique, Saint-Barthélemy and Saint Martin (as each
/// advisory's page says).
const GROUPS: [(&str, &[&str]); 2] = [
    ("Kingdom of Denmark", &["DK", "GL", "FO"]),
    ("French West Indies", &["GP", "MQ", "BL", "MF"]),
];

/// The countries a source's country name stands for: one for "Burma" or "Mexico Travel
/// Advisory", several for a name that lists them ("Mainland China, Hong Kong & Macau" is CN, HK
/// and MO), none for a name the table does not know.
pub fn countries_of(name: &str) -> Vec<&'static Country> {
    let trimmed = name.trim();
    let stripped = strip_suffix_words(trimmed, &["travel advisory", "travel advice", "advisory"]);
    if let Some(country) = resolve(stripped) {
        return vec![country];
    }
    let wanted = key(stripped);
    if let Some((_, codes)) = GROUPS.iter().find(|(group, _)| key(group) == wanted) {
        return codes.iter().filter_map(|code| resolve(code)).collect();
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
    nearest(search, 1).into_iter().next()
}

/// Up to `most` countries whose names or aliases are nearest to `search`, nearest first: those
/// with a name that starts with it (in order of name), then by the fewest edits (a swap of two
/// neighbouring letters is one; at most a quarter of its letters), each country once.
pub fn nearest(search: &str, most: usize) -> Vec<&'static Country> {
    if too_long(search) {
        return Vec::new();
    }
    let wanted = key(search);
    if wanted.is_empty() {
        return Vec::new();
    }
    let table = &*COUNTRIES;
    let length = wanted.chars().count();
    let limit = (length / 4).max(1);
    let mut ranked: Vec<(usize, &str, usize)> = table
        .by_key
        .iter()
        .filter_map(|(name, &i)| {
            let name = name.as_str();
            let distance = if name.starts_with(&wanted) {
                0
            } else if name.chars().count().abs_diff(length) > limit {
                // At least that many edits apart.
                return None;
            } else {
                edits(name, &wanted)
            };
            (distance <= limit).then_some((distance, name, i))
        })
        .collect();
    ranked.sort_unstable();
    let mut found: Vec<usize> = Vec::new();
    for (_, _, i) in ranked {
        if found.len() == most {
            break;
        }
        if !found.contains(&i) {
            found.push(i);
        }
    }
    found.into_iter().map(|i| &table.countries[i]).collect()
}

/// Whether a country filter's search finds anything in the table: it names a country (or
/// several, as a source's name may), or is a part of a name or alias ("Camb").
pub fn is_known(search: &str) -> bool {
    if too_long(search.trim()) {
        return false;
    }
    let wanted = key(search);
    wanted.is_empty()
        || resolve(search).is_some()
        || !countries_of(search).is_empty()
        || all()
            .iter()
            .flat_map(|c| c.names.iter())
            .any(|n| key(n).contains(&wanted))
}

/// A name that is no country, with the nearest ones to suggest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{search}` is not a country{}", did_you_mean(.nearest))]
pub struct UnknownCountry {
    /// What was asked for.
    pub search: String,
    /// Up to three countries it may have meant, nearest first.
    pub nearest: Vec<&'static Country>,
}

/// "; did you mean Mali?", "; did you mean Mali or Malta?", "; did you mean A, B or C?".
fn did_you_mean(nearest: &[&'static Country]) -> String {
    let names: Vec<&str> = nearest.iter().map(|c| c.name).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [rest @ .., last] => format!("; did you mean {} or {last}?", rest.join(", ")),
    }
}

/// A country filter's search checked: nothing when [`is_known`], else an [`UnknownCountry`]
/// with up to three suggestions.
pub fn check_search(search: &str) -> Result<(), UnknownCountry> {
    if is_known(search) {
        Ok(())
    } else {
        Err(UnknownCountry {
            search: quoted(search),
            nearest: nearest(search, 3),
        })
    }
}

/// The one country a name, alias or code stands for (a watch-list's entry), else an
/// [`UnknownCountry`] with up to three suggestions.
pub fn resolve_or_suggest(name: &str) -> Result<&'static Country, UnknownCountry> {
    resolve(name).ok_or_else(|| UnknownCountry {
        search: quoted(name),
        nearest: nearest(name, 3),
    })
}

/// Edit distance over characters, a swap of two neighbouring ones counted as one edit
/// (optimal string alignment): "mlai" is one edit from "mali".
fn edits(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: the one before the previous (for swaps), the previous, the current.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The countries a place in running text names as a whole, or none when it names a part or
/// nothing the table knows: "Sudan" or "the whole of Sudan" is SD, "Syria and Iraq" is SY and
/// IQ; "Niger State", "the Guinea-Bissau border", "Venezuela’s border regions" and "Lake Chad"
/// are none. Whole names only, so "South Sudan" is never Sudan and "Guinea-Bissau" never
/// Guinea; codes are not tried.
pub fn named_countries(place: &str) -> Vec<&'static Country> {
    let place = place.trim().trim_end_matches(['.', ',', ':', ';']).trim();
    let place = strip_prefix_words(place, &["the whole of ", "whole of ", "the "]);
    if key(place).is_empty() {
        return Vec::new();
    }
    if let Some(country) = resolve_name(place) {
        return vec![country];
    }
    // A list ("Syria and Iraq"); a lone word is never taken as a code ("to" is not Tonga).
    let is_list = place.contains([',', '&', ';', '/']) || place.contains(" and ");
    if is_list {
        countries_of(place)
    } else {
        Vec::new()
    }
}

/// The country whose part a place is, when it says so with a possessive: "Venezuela’s border
/// regions with Colombia" is Venezuela's.
fn owner_of(place: &str) -> Option<&'static Country> {
    let place = strip_prefix_words(place.trim(), &["the "]);
    let owner = ["’s ", "'s "]
        .iter()
        .filter_map(|mark| place.find(mark))
        .min()
        .map(|at| &place[..at]);
    owner.and_then(resolve_name)
}

fn strip_prefix_words<'a>(text: &'a str, prefixes: &[&str]) -> &'a str {
    let mut text = text;
    for prefix in prefixes {
        if text.len() >= prefix.len()
            && text.is_char_boundary(prefix.len())
            && text[..prefix.len()].eq_ignore_ascii_case(prefix)
        {
            text = text[prefix.len()..].trim_start();
        }
    }
    text
}

/// Whether a country a statement names is the advisory's own: one of its countries, or a
/// country its advisory covers together with them (China's Special Administrative Regions on
/// China's page; Israel and the Palestinian Territories, which FCDO's and Canada's advice cover
/// as one).
pub fn is_own(named: &Country, own: &[&Country]) -> bool {
    const TOGETHER: [(&str, &str); 4] = [("CN", "HK"), ("CN", "MO"), ("IL", "PS"), ("PS", "IL")];
    own.iter().any(|o| {
        o.code == named.code
            || TOGETHER
                .iter()
                .any(|&(whole, part)| o.code == whole && named.code == part)
    })
}

/// Whether a statement's object is another country than the advisory's own (`own`: empty when
/// the advisory's country is not known, and then nothing is another country): "FCDO advises
/// against all travel to South Sudan" on Sudan's page is South Sudan's advice, not Sudan's, and
/// "Venezuela’s border regions with Colombia" on Colombia's page is Venezuela's.
pub fn is_elsewhere(place: &str, own: &[&Country]) -> bool {
    let mut named = named_countries(place);
    if named.is_empty() {
        named.extend(owner_of(place));
    }
    !own.is_empty() && !named.is_empty() && named.iter().all(|c| !is_own(c, own))
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
        assert_eq!(codes("Kingdom of Denmark"), ["DK", "GL", "FO"]);
        // "&" for "and", as governments write their titles.
        for (name, code) in [
            ("Trinidad & Tobago", "TT"),
            ("St Pierre & Miquelon", "PM"),
            ("Antigua & Barbuda", "AG"),
            ("Bosnia & Herzegovina", "BA"),
            ("Turks & Caicos Islands", "TC"),
            ("St Kitts & Nevis", "KN"),
            ("Sao Tome & Principe", "ST"),
            ("Saint Vincent & the Grenadines", "VC"),
        ] {
            assert_eq!(codes(name), [code], "{name}");
        }
        assert_eq!(codes("French West Indies"), ["GP", "MQ", "BL", "MF"]);
        assert_eq!(codes("Denmark"), ["DK"]);
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

    #[test]
    fn a_swap_of_two_letters_is_one_edit_and_several_countries_are_suggested() {
        assert_eq!(edits("mlai", "mali"), 1);
        assert_eq!(edits("kitten", "sitting"), 3);
        assert_eq!(suggest("Mlai").map(|c| c.name), Some("Mali"));
        let names = |search: &str| {
            nearest(search, 3)
                .iter()
                .map(|c| c.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(names("Mlai"), ["Mali"]);
        assert!(
            names("Mal").len() <= 3 && names("Mal").len() > 1,
            "{:?}",
            names("Mal")
        );
        assert!(names("Freedonia").is_empty());
    }

    #[test]
    fn a_search_that_finds_no_country_names_the_nearest() {
        for search in [
            "Mali",
            "camb",
            "MM",
            "Myanmar",
            "Mainland China, Hong Kong & Macau",
            "",
        ] {
            assert_eq!(check_search(search), Ok(()), "{search}");
        }
        let unknown = check_search("Mlai").expect_err("no country");
        assert_eq!(
            unknown.to_string(),
            "`Mlai` is not a country; did you mean Mali?"
        );
        assert_eq!(
            check_search("Freedonia")
                .expect_err("no country")
                .to_string(),
            "`Freedonia` is not a country"
        );
        assert_eq!(resolve_or_suggest("ML").map(|c| c.name), Ok("Mali"));
        assert!(
            resolve_or_suggest("Camb").is_err(),
            "a watch-list names whole countries"
        );
        let many = UnknownCountry {
            search: "X".into(),
            nearest: vec![
                resolve("Mali").expect("a country"),
                resolve("Malta").expect("a country"),
                resolve("Malawi").expect("a country"),
            ],
        };
        assert_eq!(
            many.to_string(),
            "`X` is not a country; did you mean Mali, Malta or Malawi?"
        );
    }

    #[test]
    fn a_place_names_another_country_only_by_its_whole_name() {
        let codes =
            |place: &str| -> Vec<&str> { named_countries(place).iter().map(|c| c.code).collect() };
        assert_eq!(codes("South Sudan"), ["SS"]);
        assert_eq!(codes("the whole of Sudan"), ["SD"]);
        assert_eq!(codes("Guinea-Bissau"), ["GW"]);
        assert_eq!(codes("Dominican Republic"), ["DO"]);
        assert_eq!(codes("Democratic Republic of the Congo"), ["CD"]);
        assert_eq!(codes("Congo"), ["CG"]);
        assert_eq!(codes("Nigeria"), ["NG"]);
        assert_eq!(codes("Syria and Iraq"), ["SY", "IQ"]);
        assert!(codes("to").is_empty(), "not Tonga");
        for part in [
            "Niger State",
            "the Guinea-Bissau border",
            "the Djibouti-Eritrea border",
            "Lake Chad",
            "within 10km of the India-Pakistan border",
        ] {
            assert!(codes(part).is_empty(), "{part}");
        }
        // uk_more/colombia/2025-06-11.md: "Venezuela’s border regions with Colombia".
        let colombia = [resolve("Colombia").expect("a country")];
        assert!(is_elsewhere(
            "Venezuela’s border regions with Colombia",
            &colombia
        ));
        let jordan = [resolve("Jordan").expect("a country")];
        assert!(!is_elsewhere(
            "Jordan's border with Syria and Iraq",
            &jordan
        ));
        let sudan = [resolve("Sudan").expect("a country")];
        assert!(is_elsewhere("South Sudan", &sudan));
        assert!(!is_elsewhere("Sudan", &sudan));
        assert!(
            !is_elsewhere("South Sudan", &[]),
            "unknown: nothing is elsewhere"
        );
        let china = [resolve("China").expect("a country")];
        assert!(!is_elsewhere(
            "the Macau Special Administrative Region",
            &china
        ));
        assert!(!is_elsewhere("Hong Kong", &china));
        assert!(is_elsewhere("Taiwan", &china));
        let israel = [resolve("Israel").expect("a country")];
        assert!(!is_elsewhere("Israel and Palestine", &israel));
        assert!(!is_elsewhere(
            "Israel and the Occupied Palestinian Territories",
            &israel
        ));
    }

    #[test]
    fn a_search_too_long_for_a_name_is_no_country_at_once() {
        let long = "Mali".repeat(15_000);
        let started = std::time::Instant::now();
        assert!(nearest(&long, 3).is_empty());
        let error = check_search(&long).expect_err("no country");
        assert!(resolve_or_suggest(&long).is_err());
        assert!(started.elapsed() < std::time::Duration::from_millis(200));
        let message = error.to_string();
        assert!(message.contains("(60000 bytes)"), "{message}");
        assert!(message.len() < 120, "{message}");
        // Just under the limit, the nearest names are still found.
        assert_eq!(suggest("Mlai").map(|c| c.code), Some("ML"));
        assert!(check_search(&"x".repeat(MAX_SEARCH)).is_err());
    }
}
