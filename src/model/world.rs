//! The world map's geometry: one place per country code of `countries.tsv` (an outline, or a
//! dot for a country too small to draw), and the outlines of land that has no code there.
//!
//! This module owns reading the committed table `world.tsv` (derived once from Natural Earth by
//! `data/world/derive.mjs`, see `data/PROVENANCE.md`): Equal Earth coordinates in a viewBox of
//! 1000 × 436, parsed once. What a place is coloured by, and the SVG itself, are
//! `present::map`'s. Pure: no IO, the table is compiled in.

use std::sync::LazyLock;

const TABLE: &str = include_str!("world.tsv");

/// How a place is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// An outline: an SVG path `d` (closed rings, absolute coordinates).
    Outline(&'static str),
    /// A country too small for the map's scale: a dot at this point.
    Dot(f64, f64),
}

/// One place on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// The ISO 3166-1 alpha-2 code of `countries.tsv` ("ML"), or, for land with no code there
    /// ([`Place::listed`] false), Natural Earth's ("CA", "EH").
    pub code: &'static str,
    /// Whether the code is a country of `countries.tsv`; an unlisted place is background.
    pub listed: bool,
    /// Its outline or its dot.
    pub shape: Shape,
    /// Where a label (or a dot for a tiny outline) goes: the centroid of its largest part.
    pub label: (f64, f64),
    /// The bounding box of all its parts: x0, y0, x1, y1.
    pub bounds: [f64; 4],
}

impl Place {
    /// Whether an outline is too small to see or to point at (Luxembourg is 1.3 units wide),
    /// so that a renderer adds a dot: less than `units` on its narrower side.
    pub fn is_tiny(&self, units: f64) -> bool {
        let [x0, y0, x1, y1] = self.bounds;
        (x1 - x0).min(y1 - y0) < units
    }
}

/// The map: its size and its places, in the table's order (by code).
#[derive(Debug)]
pub struct World {
    /// The viewBox's width and height ("0 0 1000 436").
    pub size: (f64, f64),
    /// Every place, by code: the countries, and among them the unlisted land.
    pub places: Vec<Place>,
}

static WORLD: LazyLock<World> = LazyLock::new(|| parse(TABLE));

/// The map, parsed from the committed table on first use.
pub fn world() -> &'static World {
    &WORLD
}

fn pair(text: &str) -> Option<(f64, f64)> {
    let (x, y) = text.split_once(',')?;
    Some((x.trim().parse().ok()?, y.trim().parse().ok()?))
}

/// Reads the table. It is committed and checked by this module's tests, so a malformed line
/// is a bug of the build, not a condition to handle.
fn parse(table: &'static str) -> World {
    let mut size = None;
    let mut places = Vec::new();
    for line in table.lines() {
        if let Some(comment) = line.strip_prefix('#') {
            if let Some((_, rest)) = comment.split_once("viewBox:") {
                let numbers: Vec<f64> = rest
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .split_whitespace()
                    .filter_map(|n| n.parse().ok())
                    .collect();
                if let [0.0, 0.0, width, height] = numbers[..] {
                    size = Some((width, height));
                }
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&'static str> = line.split('\t').collect();
        let [code, kind, data, label, bounds] = fields[..] else {
            panic!("world.tsv: five fields expected in {line:?}");
        };
        let label = pair(label).unwrap_or_else(|| panic!("world.tsv: label of {code}"));
        let bounds: Vec<f64> = bounds.split(',').filter_map(|n| n.parse().ok()).collect();
        let [x0, y0, x1, y1] = bounds[..] else {
            panic!("world.tsv: box of {code}");
        };
        let (listed, shape) = match kind {
            "shape" => (true, Shape::Outline(data)),
            "unlisted" => (false, Shape::Outline(data)),
            "dot" => {
                let (x, y) = pair(data).unwrap_or_else(|| panic!("world.tsv: dot of {code}"));
                (true, Shape::Dot(x, y))
            }
            other => panic!("world.tsv: unknown kind {other:?} of {code}"),
        };
        places.push(Place {
            code,
            listed,
            shape,
            label,
            bounds: [x0, y0, x1, y1],
        });
    }
    World {
        size: size.expect("world.tsv names its viewBox"),
        places,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_country_but_antarctica_has_a_place_on_the_map() {
        let world = world();
        assert_eq!(world.size, (1000.0, 436.0));
        for country in crate::model::country::all() {
            let found = world
                .places
                .iter()
                .filter(|p| p.listed && p.code == country.code)
                .count();
            let expected = usize::from(country.code != "AQ");
            assert_eq!(found, expected, "{}", country.code);
        }
        let outlines = world
            .places
            .iter()
            .filter(|p| p.listed && matches!(p.shape, Shape::Outline(_)))
            .count();
        let dots = world
            .places
            .iter()
            .filter(|p| matches!(p.shape, Shape::Dot(..)))
            .count();
        assert_eq!((outlines, dots), (174, 63));
        let unlisted: Vec<&str> = world
            .places
            .iter()
            .filter(|p| !p.listed)
            .map(|p| p.code)
            .collect();
        assert_eq!(unlisted, ["TF"]);
    }

    #[test]
    fn places_lie_inside_the_view_box_and_tiny_outlines_are_found() {
        let world = world();
        let (width, height) = world.size;
        for place in &world.places {
            let [x0, y0, x1, y1] = place.bounds;
            assert!(
                0.0 <= x0 && x0 <= x1 && x1 <= width && 0.0 <= y0 && y0 <= y1 && y1 <= height,
                "{}: {:?}",
                place.code,
                place.bounds
            );
            if let Shape::Outline(d) = place.shape {
                assert!(d.starts_with('M') && d.ends_with('Z'), "{}", place.code);
            }
        }
        let tiny: Vec<&str> = world
            .places
            .iter()
            .filter(|p| matches!(p.shape, Shape::Outline(_)) && p.is_tiny(2.0))
            .map(|p| p.code)
            .collect();
        assert_eq!(tiny, ["LU", "PS"]);
    }
}
