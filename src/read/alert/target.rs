//! The place a guidance statement names ("to Mali", "in the Departments of X") and whether it
//! is the whole country or a part of it. Pure; the statements themselves are `alert`'s.

use std::sync::LazyLock;

use regex::Regex;

/// Splits what follows a guidance phrase into its target ("to Mali", "in the Departments of X")
/// and its causes (after "due to", "regarding", or "because of").
pub(super) fn split_target(rest: &str) -> (String, Option<String>) {
    static CAUSE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(?:^|\s|\b)(due\s*to|regarding|because of)(?:\s+|\b)").expect("cause")
    });
    static GLUED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)\b(due\s*to)([a-z])").expect("glued"));
    // "due tothe threat": the page lost a space between two emphasised runs.
    let rest = GLUED.replace_all(rest, "$1 $2");
    let rest = rest.as_ref();
    match CAUSE.find(rest) {
        Some(m) => {
            let target = rest[..m.start()].trim().to_owned();
            let causes = rest[m.end()..].trim().to_owned();
            (target, Some(causes))
        }
        None => (rest.trim().to_owned(), None),
    }
}

/// The place a statement names, without its preposition and the words around it.
pub(super) fn clean_target(target: &str) -> String {
    static LEAD: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)^(?:(?:when\s+)?travel(?:l)?ing\s+(?:to|in)\s+|to\s+or\s+remain\s+in\s+|to\s+|in\s+|for\s+)",
        )
        .expect("lead")
    });
    let mut t = target
        .trim()
        .trim_end_matches([':', '.', ','])
        .trim()
        .to_owned();
    loop {
        let before = t.clone();
        if let Some(m) = LEAD.find(&t) {
            t = t[m.end()..].to_owned();
        }
        for tail in ["for any reason", "at this time", "at any time"] {
            if t.to_lowercase().ends_with(tail) {
                t.truncate(t.len() - tail.len());
                t = t.trim().trim_end_matches(',').trim().to_owned();
            }
        }
        if t == before {
            break;
        }
    }
    t.trim().to_owned()
}

/// The words of a place name that identify it (no articles, no parentheses' punctuation).
pub(super) fn significant_words(name: &str) -> Vec<String> {
    crate::model::country::key(name)
        .split(' ')
        .filter(|w| !w.is_empty() && !matches!(*w, "the" | "of" | "and" | "travel" | "advisory"))
        .map(str::to_owned)
        .collect()
}

/// Words that make a target a part of a country.
const PART_WORDS: [&str; 24] = [
    "area",
    "areas",
    "region",
    "regions",
    "province",
    "provinces",
    "department",
    "departments",
    "state",
    "states",
    "district",
    "districts",
    "border",
    "borders",
    "county",
    "counties",
    "city",
    "cities",
    "governorate",
    "governorates",
    "parts",
    "part",
    "these",
    "following",
];

/// Whether a statement's target is the whole country: none at all ("Reconsider travel due to
/// crime"), the country itself ("the Democratic Republic of Congo" for "Democratic Republic of
/// the Congo", "Mainland China" for "China"), or "the country".
pub(super) fn is_whole_country(target: &str, country_words: &[String]) -> bool {
    if target.is_empty() {
        return true;
    }
    let lower = target.to_lowercase();
    if matches!(lower.as_str(), "the country" | "there" | "this country") {
        return true;
    }
    // "the Macau Special Administrative Region (SAR)" is Macau itself, not a region of it.
    let words: Vec<String> = significant_words(target)
        .into_iter()
        .filter(|w| !matches!(w.as_str(), "special" | "administrative" | "sar"))
        .collect();
    let words = if lower.contains("special administrative region") {
        words.into_iter().filter(|w| w != "region").collect()
    } else {
        words
    };
    if words.is_empty() {
        return true;
    }
    // "Türkiye" for Turkey, "Burma" for Burma (Myanmar): one country in the table.
    if let Some(named) = crate::model::country::resolve_name(target.trim_start_matches("the ")) {
        let country = country_words.join(" ");
        if crate::model::country::resolve_name(&country).is_some_and(|c| c.code == named.code) {
            return true;
        }
    }
    if country_words.is_empty() {
        // Nothing to compare with: a target with no word of a part is taken as the country.
        return !words.iter().any(|w| PART_WORDS.contains(&w.as_str()));
    }
    let in_country = |w: &String| country_words.contains(w);
    let outside: Vec<&String> = words.iter().filter(|w| !in_country(w)).collect();
    if outside.is_empty() {
        return true;
    }
    let shares = words.iter().any(in_country);
    shares
        && outside.iter().all(|w| {
            !PART_WORDS.contains(&w.as_str())
                && !matches!(
                    w.as_str(),
                    "in" | "near"
                        | "along"
                        | "within"
                        | "outside"
                        | "north"
                        | "south"
                        | "east"
                        | "west"
                        | "northern"
                        | "southern"
                        | "eastern"
                        | "western"
                        | "central"
                )
        })
        && outside.len() <= 4
}
