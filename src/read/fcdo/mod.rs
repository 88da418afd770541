//! FCDO travel advice as text: the level, the areas, the issued date and the change note read
//! from a GOV.UK "Warnings and insurance" page (HTML, or Markdown from an archive).
//!
//! This module owns the FCDO's wording: "FCDO advises against all travel to Mali" (level 4),
//! "... all but essential travel to the whole of X" or statements that together cover the
//! whole country, such as "all travel to Mali, except to Bamako" with "all but essential
//! travel to Bamako", or "... to the remaining areas of X" (3), advice against travel to parts
//! only (2), and none (1). "The rest of", "the remaining areas of" or "all other areas of" this
//! country covers the whole of it; the rest of a region of it ("the rest of Cabo Delgado
//! Province") is a part. A statement whose object is another country ("FCDO currently advises
//! against all travel to Venezuela’s border regions with Colombia" on Colombia's page) is that
//! country's advice: it sets no level, area or cause here. The page's own country is the one
//! its links to its own guide's pages name (`/foreign-travel-advice/colombia/safety-and-security`).
//! The page's header ("Still current at:", "Updated:", "Latest
//! update:") is read as dates and the change note, never as advice: the latest update often
//! quotes the advice it replaced. Pure: blocks in, fields out.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use crate::model::advisory::{
    Area, Level, collapse_whitespace, parse_date, same_words, starts_with_ignore_case,
};
use crate::model::country::{self, Country};
use crate::read::alert::Block;

/// What an FCDO page says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FcdoAdvice {
    /// The level on 1-4, labelled with the sentence that decided it.
    pub level: Level,
    /// "Updated:".
    pub issued: Option<NaiveDate>,
    /// "Latest update:".
    pub note: Option<String>,
    /// Areas with advice of their own.
    pub areas: Vec<Area>,
    /// The body's paragraphs, from the end of the header to "About FCDO travel advice".
    pub summary: Vec<String>,
}

/// How far FCDO's advice reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Severity {
    All,
    AllButEssential,
    Unspecified,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    /// The whole country.
    Whole,
    /// The whole country except some places ("all travel to Libya except ...").
    WholeExcept,
    /// What remains of the whole country after the areas named elsewhere ("the rest of Niger").
    Remaining,
    /// A part, named.
    Part(String),
}

#[derive(Debug, Clone)]
struct Clause {
    severity: Severity,
    scope: Scope,
    sentence: String,
}

/// The countries an FCDO page is about, from the links it holds: the most linked country among
/// links into a country's guide ("/foreign-travel-advice/colombia/safety-and-security"; a bare
/// "/foreign-travel-advice/mozambique" is usually a pointer to a neighbour's advice). None when
/// no such link names a country the table knows.
pub fn page_countries<'a>(links: impl IntoIterator<Item = &'a str>) -> Vec<&'static Country> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for link in links {
        let Some((_, rest)) = link.split_once("/foreign-travel-advice/") else {
            continue;
        };
        let mut parts = rest.split(['/', '#', '?']);
        let slug = parts.next().unwrap_or("");
        let page = parts.next().unwrap_or("");
        if slug.is_empty() || page.is_empty() {
            continue;
        }
        match counts.iter_mut().find(|(s, _)| *s == slug) {
            Some((_, n)) => *n += 1,
            None => counts.push((slug, 1)),
        }
    }
    // The first of the most linked, in the page's order.
    let Some(&(slug, _)) = counts.iter().rev().max_by_key(|&&(_, n)| n) else {
        return Vec::new();
    };
    let name = slug.replace('-', " ");
    match country::resolve_name(&name) {
        Some(found) => vec![found],
        None => country::countries_of(&name),
    }
}

/// Reads an FCDO page given as blocks; `own` is the page's country ([`page_countries`]), empty
/// when it is not known (then a statement about any country is taken as about this one).
pub fn read(blocks: &[Block], own: &[&Country]) -> FcdoAdvice {
    let mut issued = None;
    let mut note = None;
    let mut header_end = 0;
    let mut i = 0;
    while i < blocks.len() {
        let text = blocks[i].text.as_str();
        let field = ["still current at", "updated", "latest update"]
            .into_iter()
            .find(|f| {
                starts_with_ignore_case(text, f) && text[f.len()..].trim_start().starts_with(':')
            });
        if let Some(field) = field {
            let mut value = header_value(&text[field.len()..]);
            if value.is_empty()
                && let Some(next) = blocks.get(i + 1)
            {
                value = header_value(&next.text);
                i += 1;
            }
            match field {
                "updated" => issued = parse_date(&value),
                "latest update" => note = (!value.is_empty()).then_some(value),
                _ => {}
            }
            header_end = i + 1;
        }
        i += 1;
        if i > 12 {
            break;
        }
    }
    let end = blocks
        .iter()
        .skip(header_end)
        .position(|b| {
            starts_with_ignore_case(&b.text, "about fcdo travel advice")
                || starts_with_ignore_case(&b.text, "before you travel") && b.text.len() < 40
        })
        .map_or(blocks.len(), |at| at + header_end);
    let body: Vec<&Block> = blocks[header_end..end]
        .iter()
        .filter(|b| !starts_with_ignore_case(&b.text, "download a more detailed map"))
        .collect();

    let mut texts: Vec<String> = Vec::new();
    let mut list_intro: Option<(Severity, usize)> = None;
    let mut areas = Vec::new();
    for (at, block) in body.iter().enumerate() {
        if block.item {
            if let Some((severity, _)) = list_intro {
                push_area(&mut areas, &block.text, severity);
            }
            continue;
        }
        list_intro = None;
        texts.push(block.text.clone());
        // "... to the cities of:", "... to the following districts in Cabo Delgado Province
        // ... The advice covers the districts of:": the items are the areas.
        if block.text.trim_end().ends_with(':')
            && let Some(clause) = clauses(&block.text, own).pop()
            && matches!(clause.scope, Scope::Part(ref p) if p.is_empty() || Area::is_fragment(p))
        {
            list_intro = Some((clause.severity, at));
        }
    }
    let level = level_of(&texts, own);
    for text in &texts {
        for clause in clauses(text, own) {
            if let Scope::Part(name) = &clause.scope
                && !name.is_empty()
            {
                push_area(&mut areas, name, clause.severity);
            }
        }
    }
    FcdoAdvice {
        level,
        issued,
        note,
        areas,
        summary: body
            .iter()
            .map(|b| b.text.clone())
            .filter(|t| !t.is_empty())
            .collect(),
    }
}

fn push_area(areas: &mut Vec<Area>, name: &str, severity: Severity) {
    let name = collapse_whitespace(name.trim().trim_end_matches(['.', ',', ';']));
    // Long names are real ("Federal Highway 199 (Carretera Federal 199) between Rancho Nuevo
    // (just outside San Cristobal de las Casas) and the Chancalá junction ..."); a whole
    // paragraph is not one.
    if name.len() > 300
        || Area::is_fragment(&name)
        || areas.iter().any(|a: &Area| same_words(&a.name, &name))
    {
        return;
    }
    areas.push(Area {
        name,
        level: match severity {
            Severity::All => 4,
            Severity::AllButEssential => 3,
            Severity::Unspecified => 2,
        },
        reasons: Vec::new(),
    });
}

/// A header field's value: "Updated: : 30 October 2025" gives "30 October 2025".
fn header_value(text: &str) -> String {
    collapse_whitespace(text.trim_start_matches(|c: char| c == ':' || c.is_whitespace()))
}

/// FCDO's level read from its own sentences and headings ("FCDO advises against all travel to
/// Mali", "Areas where FCDO advises against travel"), on the scale of the `alert_status`
/// values. The label is the sentence that decided it. Sentences that announce a change
/// ("Latest update: ...", "We no longer advise ...") are not advice.
pub fn level_of_statements(texts: &[String]) -> Level {
    level_of(texts, &[])
}

/// [`level_of_statements`] for a page whose country is known: statements about other
/// countries are left out.
fn level_of(texts: &[String], own: &[&Country]) -> Level {
    let mut all: Vec<Clause> = Vec::new();
    let mut any_statement: Option<String> = None;
    for text in texts {
        let lower = text.to_lowercase();
        if lower.starts_with("latest update") || lower.starts_with("find out more") {
            continue;
        }
        let found = clauses(text, own);
        if found.is_empty()
            && (lower.starts_with("areas where") || lower.starts_with("parts of"))
            && ADVISE.is_match(&lower)
        {
            any_statement.get_or_insert_with(|| text.clone());
        }
        all.extend(found);
    }
    let pick = |number: u8, sentence: &str| Level {
        number,
        label: collapse_whitespace(sentence),
    };
    if let Some(c) = all
        .iter()
        .find(|c| c.severity == Severity::All && c.scope == Scope::Whole)
    {
        return pick(4, &c.sentence);
    }
    if let Some(c) = all
        .iter()
        .find(|c| c.severity == Severity::AllButEssential && c.scope == Scope::Whole)
    {
        return pick(3, &c.sentence);
    }
    // Statements that together cover the whole country.
    if let Some(c) = all
        .iter()
        .find(|c| c.scope == Scope::Remaining && c.severity != Severity::Unspecified)
    {
        return pick(3, &c.sentence);
    }
    if let Some(c) = all
        .iter()
        .find(|c| c.scope == Scope::WholeExcept && c.severity == Severity::All)
        && all
            .iter()
            .any(|o| !matches!(o.scope, Scope::WholeExcept) && o.severity != Severity::Unspecified)
    {
        return pick(3, &c.sentence);
    }
    if let Some(c) = all.first() {
        return pick(2, &c.sentence);
    }
    if let Some(sentence) = any_statement {
        return pick(2, &sentence);
    }
    Level {
        number: 1,
        label: "No FCDO advice against travel".to_owned(),
    }
}

static ADVISE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\badvi[sc]e[sd]?\s+against\b").expect("advise pattern"));

/// The advice clauses of a text: "FCDO advises against all but essential travel to the capital
/// city of Niamey, and advises against all travel to the rest of Niger." gives two. Clauses
/// whose object is another country than `own` are left out.
fn clauses(text: &str, own: &[&Country]) -> Vec<Clause> {
    static CLAUSE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)\badvi[sc]e[sd]?\s+against\s+(all\s+but\s+essential\s+travel|all\s+travel|travel)\b\s*(.*)",
        )
        .expect("clause pattern")
    });
    let text = collapse_whitespace(text);
    let lower = text.to_lowercase();
    if lower.contains("no longer advise")
        || lower.starts_with("find out more")
        || lower.contains("areas where we advise against")
        || lower.contains("invalidated")
        || lower.starts_with("latest update")
    {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(caps) = CLAUSE.captures(rest) {
        let whole = caps.get(0).expect("a match");
        let kind = caps[1].to_lowercase();
        let severity = if kind.starts_with("all but") {
            Severity::AllButEssential
        } else if kind.starts_with("all") {
            Severity::All
        } else {
            Severity::Unspecified
        };
        let tail = caps.get(2).map_or("", |m| m.as_str());
        // The target runs to the next clause or the end of the sentence.
        let next = ADVISE.find(tail).map_or(tail.len(), |m| m.start());
        let target_text = &tail[..next];
        let target = target_text
            .split(". ")
            .next()
            .unwrap_or("")
            .trim()
            .trim_end_matches(['.', ','])
            .trim();
        let target = target
            .trim_end_matches(" and")
            .trim_end_matches(", and")
            .trim();
        if let Some(scope) = scope_of(target, own) {
            out.push(Clause {
                severity,
                scope,
                sentence: text.clone(),
            });
        }
        let consumed = whole.start()
            + caps
                .get(2)
                .map_or(whole.len(), |m| m.start() - whole.start())
            + next;
        if next == tail.len() || consumed >= rest.len() {
            break;
        }
        rest = &rest[consumed..];
    }
    out
}

/// Where a clause's advice applies: "to Mali" is the whole country, "to Libya except ..." the
/// whole but some places, "to the remaining areas of Venezuela" the rest, anything else a part
/// ("the rest of Cabo Delgado Province" too); `None` when its object is another country than
/// `own`.
fn scope_of(target: &str, own: &[&Country]) -> Option<Scope> {
    let target = target.trim_start_matches(|c: char| c == ',' || c == ';' || c.is_whitespace());
    let target = strip_place_prefix(target.trim().trim_end_matches([':', ',', '.']));
    let place = target.to_lowercase();
    if let Some(object) = remainder_of(target) {
        if object.is_empty() || matches!(object.to_lowercase().as_str(), "country" | "the country")
        {
            return Some(Scope::Remaining);
        }
        if country::is_elsewhere(object, own) {
            return None;
        }
        if !country::named_countries(object).is_empty() {
            return Some(Scope::Remaining);
        }
        // The rest of a region: a part, named as written.
    }
    if place.starts_with("outside") {
        return Some(Scope::WholeExcept);
    }
    // "all travel to Libya except ..." is the whole country but some places, and a part's
    // "except" ends its name; "outside" does that only after a country: a part's own
    // "outside" ("between Rancho Nuevo (just outside San Cristobal)") stays in its name.
    // Lower-casing keeps byte offsets for the ASCII words searched here.
    let is_country = |at: usize| {
        country::resolve_name(strip_place_prefix(
            target[..at].trim().trim_end_matches([':', ',', '.']),
        ))
        .is_some()
    };
    // "excluding" is an exception as "except" is ("all travel to Somalia, including the 3
    // eastern regions of Somaliland ... and excluding the 3 western regions"), and "including"
    // ends the name without being one.
    let cuts: Vec<(usize, &str)> = [
        ", except",
        " except",
        ", excluding",
        " excluding",
        " outside",
        ", including",
    ]
    .iter()
    .filter_map(|w| place.find(w).map(|at| (at, *w)))
    .filter(|&(at, w)| target.is_char_boundary(at) && (w != " outside" || is_country(at)))
    .collect();
    let excepted = cuts.iter().any(|(_, w)| !w.contains("including"));
    let name = match cuts.iter().map(|(at, _)| *at).min() {
        Some(at) => &target[..at],
        None => target,
    };
    let name = strip_place_prefix(name.trim().trim_end_matches([':', ',', '.']));
    let name = name
        .split(" due to")
        .next()
        .unwrap_or(name)
        .split(", as ")
        .next()
        .unwrap_or(name)
        .split(" because")
        .next()
        .unwrap_or(name)
        .split(", which")
        .next()
        .unwrap_or(name)
        .trim()
        .trim_end_matches([',', '.', ':'])
        .trim();
    if country::is_elsewhere(name, own) {
        return None;
    }
    if !country::named_countries(name).is_empty() {
        return Some(if excepted {
            Scope::WholeExcept
        } else {
            Scope::Whole
        });
    }
    Some(Scope::Part(name.to_owned()))
}

/// The object of "the rest of X", "the remaining areas of X", "all other areas of X" (X, cut
/// before its causes or exceptions; empty for "the remaining areas" alone), or `None` when the
/// target says no such thing.
fn remainder_of(target: &str) -> Option<&str> {
    const REMAINDER: [&str; 6] = [
        "including the rest of ",
        "the remaining areas",
        "all remaining areas",
        "all other areas",
        "the rest of ",
        "the remainder of ",
    ];
    let lower = target.to_lowercase();
    let (at, len) = REMAINDER.iter().find_map(|r| {
        let at = lower.find(r)?;
        (at == 0 || r.starts_with("including")).then_some((at, r.len()))
    })?;
    // Lower-casing keeps byte offsets for the ASCII words searched here.
    let rest = target.get(at + len..)?.trim_start();
    let rest = ["of ", "in "]
        .iter()
        .find_map(|p| starts_with_ignore_case(rest, p).then(|| &rest[p.len()..]))
        .unwrap_or(rest);
    let lower_rest = rest.to_lowercase();
    let end = [
        ",", ";", " due to", " except", " because", " (", " where", " which",
    ]
    .iter()
    .filter_map(|w| lower_rest.find(w))
    .min()
    .unwrap_or(rest.len());
    Some(rest.get(..end).unwrap_or(rest).trim().trim_end_matches('.'))
}

fn strip_place_prefix(name: &str) -> &str {
    let mut name = name.trim();
    for prefix in ["to ", "in ", "on ", "the whole of the ", "the whole of "] {
        if name.eq_ignore_ascii_case(prefix.trim()) {
            return "";
        }
        if starts_with_ignore_case(name, prefix) {
            name = name[prefix.len()..].trim();
        }
    }
    name
}

#[cfg(test)]
mod tests;
