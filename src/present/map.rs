//! The world map of current levels, drawn on the server as inline SVG: each country coloured
//! by one government's current level, by the highest any government gives, or by how far
//! governments differ; the countries that moved in a period outlined; a legend in HTML.
//!
//! This module owns what a country is coloured by ([`Shade`]), its title in words, and the SVG
//! and legend text. The geometry is `model::world`'s; which readings are current (one per
//! government, stale ones marked) is `brief`'s; the dashboard gathers them and links each
//! country. Colours come from the stylesheet's level colours through classes, so the map
//! follows `STYLE`. No script: markup, presentation attributes and links only, every word
//! escaped. Pure: values in, strings out.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::model::government::Government;
use crate::model::world::{self, Shape};
use crate::present::html::escape;

/// A government's current reading of a country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// Whose reading it is.
    pub government: Government,
    /// Its level, `None` when the advisory is withdrawn.
    pub level: Option<u8>,
    /// Whether it is stale (its source failing or broken): never counted for the highest
    /// level or a difference.
    pub stale: bool,
}

/// One country as the map draws it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country {
    /// Its ISO 3166-1 alpha-2 code, as `countries.tsv` and `world.tsv` have it.
    pub code: &'static str,
    /// The name shown.
    pub name: &'static str,
    /// Its page, when a source is about it.
    pub href: Option<String>,
    /// Each government's current reading, governments in the order to name them.
    pub readings: Vec<Reading>,
    /// Whether a level of it moved in the page's period (it is outlined).
    pub moved: bool,
}

impl Country {
    /// The levels of the readings that count: fresh and not withdrawn.
    fn fresh(&self) -> impl Iterator<Item = u8> + '_ {
        self.readings
            .iter()
            .filter(|r| !r.stale)
            .filter_map(|r| r.level)
    }
}

/// What the map colours countries by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// One government's current level (`?map=us`).
    Government(Government),
    /// The highest current, fresh level of any government (`?map=highest`).
    Highest,
    /// How far governments' current, fresh levels differ (`?map=differ`).
    Differ,
}

impl Choice {
    /// The word for the query string: a government's id, `highest` or `differ`.
    pub fn key(&self) -> &str {
        match self {
            Choice::Government(g) => &g.id,
            Choice::Highest => "highest",
            Choice::Differ => "differ",
        }
    }
}

/// What colours a country.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shade {
    /// A level, 1-4.
    Level(u8),
    /// Governments differ by 1-3 levels.
    Spread(u8),
    /// Two or more governments give the same level.
    Same,
    /// Nothing to colour by: no reading (of that government, or fresh).
    Nothing,
}

impl Shade {
    fn class(self) -> String {
        match self {
            Shade::Level(n) => format!("l{n}"),
            Shade::Spread(n) => format!("d{n}"),
            Shade::Same => "same".to_owned(),
            Shade::Nothing => "none".to_owned(),
        }
    }
}

/// How `choice` colours a country.
pub fn shade(country: &Country, choice: &Choice) -> Shade {
    match choice {
        Choice::Government(government) => country
            .readings
            .iter()
            .find(|r| r.government.id == government.id)
            .and_then(|r| r.level)
            .map_or(Shade::Nothing, |n| Shade::Level(n.clamp(1, 4))),
        Choice::Highest => country
            .fresh()
            .max()
            .map_or(Shade::Nothing, |n| Shade::Level(n.clamp(1, 4))),
        Choice::Differ => {
            let levels: Vec<u8> = country.fresh().collect();
            match (levels.iter().max(), levels.iter().min()) {
                (Some(high), Some(low)) if high > low => Shade::Spread((high - low).min(3)),
                _ if levels.len() >= 2 => Shade::Same,
                _ => Shade::Nothing,
            }
        }
    }
}

/// A country in words, for its `<title>`: "Mali: Level 4 (United States), Level 4 (United
/// Kingdom)", with stale and withdrawn readings said, and the move of the period.
pub fn title(country: &Country, shade: Shade) -> String {
    let mut out = format!("{}: ", country.name);
    if let Shade::Spread(n) = shade {
        let _ = write!(
            out,
            "governments differ by {n} level{}: ",
            if n == 1 { "" } else { "s" }
        );
    }
    if country.readings.is_empty() {
        out.push_str("no reading");
    } else {
        let words: Vec<String> = country
            .readings
            .iter()
            .map(|r| {
                let level = r
                    .level
                    .map_or_else(|| "withdrawn".to_owned(), |n| format!("Level {n}"));
                let stale = if r.stale { ", stale" } else { "" };
                format!("{level} ({}{stale})", r.government.short)
            })
            .collect();
        out.push_str(&words.join(", "));
    }
    if country.moved {
        out.push_str("; moved in this period");
    }
    out
}

/// Every country's level words, 1-4, where no one government's scale applies.
const LEVEL_WORDS: [&str; 4] = [
    "normal precautions",
    "increased caution",
    "reconsider travel",
    "do not travel",
];

/// A drawn map: the SVG and its legend (HTML, readable on a phone).
#[derive(Debug, Clone)]
pub struct Map {
    /// The `<svg class="map">`.
    pub svg: String,
    /// The `<ul class="map-legend">`: what each colour means and how many countries have it.
    pub legend: String,
}

/// A dot's radius, in map units, for a country too small to draw (and for tiny outlines).
const DOT: f64 = 3.5;

/// An outline narrower than this on its narrower side also gets a dot.
const TINY: f64 = 2.0;

/// The world map of `countries` coloured by `choice`. A country of the map that `countries`
/// lacks is drawn as having no reading; land with no code in `countries.tsv` is background.
pub fn world_map(countries: &[Country], choice: &Choice) -> Map {
    let world = world::world();
    let (width, height) = world.size;
    let by_code: HashMap<&str, &Country> = countries.iter().map(|c| (c.code, c)).collect();
    let unknown: Vec<Country> = crate::model::country::all()
        .iter()
        .filter(|c| !by_code.contains_key(c.code))
        .map(|c| Country {
            code: c.code,
            name: c.name,
            href: None,
            readings: Vec::new(),
            moved: false,
        })
        .collect();
    let find = |code: &str| {
        by_code
            .get(code)
            .copied()
            .or_else(|| unknown.iter().find(|c| c.code == code))
    };
    let heading = match choice {
        Choice::Government(g) => format!("{}: current level by country", g.short),
        Choice::Highest => "The highest current level any government gives, by country".to_owned(),
        Choice::Differ => "Where governments' current levels differ, by country".to_owned(),
    };
    let mut svg = format!(
        "<svg class=\"map\" viewBox=\"0 0 {width} {height}\" role=\"group\" aria-labelledby=\"map-title\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"map-title\">World map. {}</title><g class=\"unlisted\" aria-hidden=\"true\">",
        escape(&heading)
    );
    for place in world.places.iter().filter(|p| !p.listed) {
        if let Shape::Outline(d) = place.shape {
            let _ = write!(svg, "<path d=\"{d}\"/>");
        }
    }
    svg.push_str("</g>");
    // Outlines first, the outlined (moved) ones above their neighbours, then the dots above
    // every outline.
    let mut order: Vec<(&world::Place, &Country)> = world
        .places
        .iter()
        .filter(|p| p.listed)
        .filter_map(|p| find(p.code).map(|c| (p, c)))
        .collect();
    let dotted = |p: &world::Place| matches!(p.shape, Shape::Dot(..)) || p.is_tiny(TINY);
    order.sort_by_key(|(p, c)| (dotted(p), c.moved));
    let mut counts: HashMap<Shade, usize> = HashMap::new();
    let mut moved = 0;
    for (place, country) in order {
        let shade = shade(country, choice);
        *counts.entry(shade).or_default() += 1;
        moved += usize::from(country.moved);
        let class = format!(
            "{}{}",
            shade.class(),
            if country.moved { " moved" } else { "" }
        );
        let level = match choice {
            Choice::Government(_) | Choice::Highest => match shade {
                Shade::Level(n) => Some(n),
                _ => None,
            },
            Choice::Differ => country.fresh().max(),
        };
        let mut data = format!("data-code=\"{}\"", escape(country.code));
        if let Some(n) = level {
            let _ = write!(data, " data-level=\"{n}\"");
        }
        if let Shade::Spread(n) = shade {
            let _ = write!(data, " data-spread=\"{n}\"");
        }
        let (open, close) = match &country.href {
            Some(href) => (format!("<a href=\"{}\"", escape(href)), "</a>"),
            None => ("<g".to_owned(), "</g>"),
        };
        let _ = write!(
            svg,
            "{open} class=\"{class}\" {data}><title>{}</title>",
            escape(&title(country, shade))
        );
        match place.shape {
            Shape::Outline(d) => {
                let _ = write!(svg, "<path d=\"{d}\"/>");
                if place.is_tiny(TINY) {
                    let (x, y) = place.label;
                    let _ = write!(svg, "<circle cx=\"{x}\" cy=\"{y}\" r=\"{DOT}\"/>");
                }
            }
            Shape::Dot(x, y) => {
                let _ = write!(svg, "<circle cx=\"{x}\" cy=\"{y}\" r=\"{DOT}\"/>");
            }
        }
        svg.push_str(close);
    }
    svg.push_str("</svg>");
    Map {
        svg,
        legend: legend(choice, &counts, moved),
    }
}

fn legend(choice: &Choice, counts: &HashMap<Shade, usize>, moved: usize) -> String {
    let mut rows: Vec<(String, String)> = Vec::new();
    match choice {
        Choice::Differ => {
            for n in (1..=3u8).rev() {
                rows.push((
                    Shade::Spread(n).class(),
                    format!(
                        "Governments differ by {n} level{}",
                        if n == 1 { "" } else { "s" }
                    ),
                ));
            }
            rows.push((Shade::Same.class(), "Governments agree".to_owned()));
            rows.push((
                Shade::Nothing.class(),
                "One government or none (fresh readings)".to_owned(),
            ));
        }
        Choice::Government(_) | Choice::Highest => {
            let scale = match choice {
                Choice::Government(g) => g.scale(),
                _ => None,
            };
            for n in (1..=4u8).rev() {
                let words =
                    scale.map_or(LEVEL_WORDS[usize::from(n - 1)], |s| s[usize::from(n - 1)]);
                rows.push((Shade::Level(n).class(), format!("Level {n}: {words}")));
            }
            rows.push((Shade::Nothing.class(), "No reading".to_owned()));
        }
    }
    let count_of = |class: &str| {
        counts
            .iter()
            .filter(|(shade, _)| shade.class() == class)
            .map(|(_, n)| n)
            .sum::<usize>()
    };
    let mut out = String::from("<ul class=\"map-legend\">");
    for (class, words) in rows {
        let _ = write!(
            out,
            "<li data-shade=\"{class}\"><span class=\"swatch {class}\" aria-hidden=\"true\"></span>{} <b>{}</b></li>",
            escape(&words),
            count_of(&class)
        );
    }
    let _ = write!(
        out,
        "<li data-shade=\"moved\"><span class=\"swatch moved\" aria-hidden=\"true\"></span>Outlined: moved in this period <b>{moved}</b></li></ul>"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(government: &str, level: Option<u8>, stale: bool) -> Reading {
        Reading {
            government: Government::named(government),
            level,
            stale,
        }
    }

    fn country(code: &'static str, name: &'static str, readings: Vec<Reading>) -> Country {
        Country {
            code,
            name,
            href: Some(format!("/country/{name}")),
            readings,
            moved: false,
        }
    }

    fn sample() -> Vec<Country> {
        let mut mali = country(
            "ML",
            "Mali",
            vec![reading("us", Some(4), false), reading("uk", Some(4), false)],
        );
        mali.moved = true;
        vec![
            mali,
            country(
                "KH",
                "Cambodia",
                vec![reading("uk", Some(1), false), reading("us", Some(2), false)],
            ),
            country(
                "NP",
                "Nepal",
                vec![
                    reading("ca", Some(4), true),
                    reading("de", Some(1), false),
                    reading("us", Some(2), false),
                    reading("fi", None, false),
                ],
            ),
            country("LU", "Luxembourg", vec![reading("us", Some(1), false)]),
            country("MC", "Monaco", vec![reading("us", Some(2), false)]),
        ]
    }

    /// The SVG as a tree: well-formed, and with nothing that could run.
    fn parsed(svg: &str) -> roxmltree::Document<'_> {
        let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}"));
        for node in doc.descendants().filter(|n| n.is_element()) {
            assert_ne!(node.tag_name().name(), "script");
            assert_ne!(node.tag_name().name(), "foreignObject");
            for attribute in node.attributes() {
                assert!(!attribute.name().to_lowercase().starts_with("on"));
                assert!(!attribute.value().to_lowercase().contains("javascript:"));
            }
        }
        doc
    }

    fn element<'a>(doc: &'a roxmltree::Document<'a>, code: &str) -> roxmltree::Node<'a, 'a> {
        doc.descendants()
            .find(|n| n.attribute("data-code") == Some(code))
            .unwrap_or_else(|| panic!("no {code}"))
    }

    #[test]
    fn the_highest_fresh_level_colours_each_country() {
        let map = world_map(&sample(), &Choice::Highest);
        let doc = parsed(&map.svg);
        let mali = element(&doc, "ML");
        assert_eq!(mali.tag_name().name(), "a");
        assert_eq!(mali.attribute("href"), Some("/country/Mali"));
        assert_eq!(mali.attribute("data-level"), Some("4"));
        assert_eq!(mali.attribute("class"), Some("l4 moved"));
        let title = mali.first_element_child().expect("title");
        assert_eq!(
            title.text(),
            Some("Mali: Level 4 (United States), Level 4 (United Kingdom); moved in this period")
        );
        // Canada's 4 is stale: Nepal is coloured by the United States' 2.
        let nepal = element(&doc, "NP");
        assert_eq!(nepal.attribute("data-level"), Some("2"));
        let words = nepal
            .first_element_child()
            .and_then(|t| t.text())
            .expect("title");
        assert!(
            words.contains("Level 4 (Canada, stale)") && words.contains("withdrawn (Finland)"),
            "{words}"
        );
        // A country no source is about: grey, titled, not linked.
        let greenland = element(&doc, "GL");
        assert_eq!(greenland.tag_name().name(), "g");
        assert_eq!(greenland.attribute("class"), Some("none"));
        assert_eq!(greenland.attribute("data-level"), None);
        assert_eq!(
            greenland.first_element_child().and_then(|t| t.text()),
            Some("Greenland: no reading")
        );
        assert!(
            map.legend.contains("Level 4: do not travel <b>1</b>"),
            "{}",
            map.legend
        );
        assert!(map.legend.contains("Level 2: increased caution <b>3</b>"));
        assert!(map.legend.contains("moved in this period <b>1</b>"));
    }

    #[test]
    fn every_country_is_drawn_and_microstates_are_dots() {
        let map = world_map(&sample(), &Choice::Highest);
        let doc = parsed(&map.svg);
        let countries: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("data-code").is_some())
            .collect();
        assert_eq!(countries.len(), 237, "every code of countries.tsv but AQ");
        let paths = countries
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name("path")))
            .count();
        assert_eq!(paths, 174);
        let monaco = element(&doc, "MC");
        let dot = monaco
            .children()
            .find(|n| n.has_tag_name("circle"))
            .expect("a dot");
        assert!(dot.attribute("r").and_then(|r| r.parse::<f64>().ok()) >= Some(3.0));
        // Luxembourg is an outline too small to see: it gets a dot as well, at its label.
        let luxembourg = element(&doc, "LU");
        assert!(luxembourg.children().any(|n| n.has_tag_name("path")));
        assert!(luxembourg.children().any(|n| n.has_tag_name("circle")));
        // Dots come after every outline, so no neighbour covers one.
        let last_outline = countries
            .iter()
            .rposition(|c| !c.children().any(|n| n.has_tag_name("circle")))
            .expect("outlines");
        let first_dot = countries
            .iter()
            .position(|c| c.children().any(|n| n.has_tag_name("circle")))
            .expect("dots");
        assert!(last_outline < first_dot);
        let unlisted = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("unlisted"))
            .expect("background land");
        assert_eq!(unlisted.children().count(), 1);
        assert!(!map.svg.contains("<script") && !map.svg.contains("<text"));
    }

    #[test]
    fn one_government_or_where_governments_differ() {
        let us = Choice::Government(Government::named("us"));
        let map = world_map(&sample(), &us);
        let doc = parsed(&map.svg);
        assert_eq!(element(&doc, "KH").attribute("data-level"), Some("2"));
        assert!(
            map.legend.contains("Level 4: Do not travel <b>1</b>"),
            "the government's own words: {}",
            map.legend
        );
        let canada = Choice::Government(Government::named("ca"));
        let doc_map = world_map(&sample(), &canada);
        let doc = parsed(&doc_map.svg);
        assert_eq!(
            element(&doc, "NP").attribute("data-level"),
            Some("4"),
            "a government's own reading, stale or not"
        );
        assert_eq!(element(&doc, "ML").attribute("class"), Some("none moved"));

        let map = world_map(&sample(), &Choice::Differ);
        let doc = parsed(&map.svg);
        let cambodia = element(&doc, "KH");
        assert_eq!(cambodia.attribute("class"), Some("d1"));
        assert_eq!(cambodia.attribute("data-spread"), Some("1"));
        assert!(
            cambodia
                .first_element_child()
                .and_then(|t| t.text())
                .is_some_and(|t| t.starts_with("Cambodia: governments differ by 1 level: ")),
        );
        assert_eq!(element(&doc, "ML").attribute("class"), Some("same moved"));
        assert_eq!(element(&doc, "NP").attribute("data-spread"), Some("1"));
        assert_eq!(element(&doc, "LU").attribute("class"), Some("none"));
        assert!(
            map.legend.contains("Governments agree <b>1</b>"),
            "{}",
            map.legend
        );
    }

    #[test]
    fn names_are_escaped() {
        let mut odd = country(
            "ML",
            "Mali",
            vec![reading("<script>alert(1)</script>", Some(3), false)],
        );
        odd.href = Some("/country/\"><script>".to_owned());
        let map = world_map(&[odd], &Choice::Highest);
        parsed(&map.svg);
        assert!(!map.svg.contains("<script>"));
    }
}
