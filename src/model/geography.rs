//! Where each country lies in the world: its UN M49 region, sub-region and intermediate region.
//!
//! This module owns one table (`regions.tsv`, derived from UNSD's M49 overview by
//! `data/world/derive.mjs`; where each column comes from is in `data/PROVENANCE.md`), parsed
//! once and joined to `country`'s table by ISO 3166-1 alpha-2 code, and the region filter that
//! `report --region` and the dashboard's `?region=` share: a [`WorldRegion`] names a region
//! ("Africa") or a sub-region ("Sub-Saharan Africa", "Western Africa"), case aside, and an
//! unknown name is an [`UnknownRegion`] listing the valid ones. Applying the filter is each
//! view's job. Not to be confused with `region`, a profile's region of a page. Pure: no IO.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use crate::model::country;

const TABLE: &str = include_str!("regions.tsv");

/// Whether a country's place was read from UNSD's table or chosen by hand where UNSD lists
/// none (the `source` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// As UNSD's M49 overview lists it.
    Unsd,
    /// UNSD lists no region for the code; chosen by hand in `derive.mjs` (`HAND_REGIONS`).
    Hand,
}

/// One country's place in M49.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// ISO 3166-1 alpha-2 code, as `countries.tsv` has it ("ML"; also `XK`, `IC`, `PT-20`).
    pub code: &'static str,
    /// The M49 code (three digits), when M49 lists the area.
    pub m49: Option<&'static str>,
    /// The region: "Africa", "Americas", "Antarctica", "Asia", "Europe" or "Oceania".
    pub region: &'static str,
    /// The sub-region ("Sub-Saharan Africa"), when M49 has one.
    pub sub_region: Option<&'static str>,
    /// The intermediate region ("Western Africa"), when M49 has one.
    pub intermediate_region: Option<&'static str>,
    /// Where the line comes from.
    pub provenance: Provenance,
}

impl Placement {
    /// The names the country lies in, widest first: "Africa", "Sub-Saharan Africa", "Western
    /// Africa".
    pub fn names(&self) -> impl Iterator<Item = &'static str> + use<> {
        [Some(self.region), self.sub_region, self.intermediate_region]
            .into_iter()
            .flatten()
    }

    /// The narrowest name: the intermediate region, else the sub-region, else the region.
    pub fn narrowest(&self) -> &'static str {
        self.intermediate_region
            .or(self.sub_region)
            .unwrap_or(self.region)
    }
}

struct Table {
    placements: Vec<Placement>,
    by_code: HashMap<&'static str, usize>,
    /// Every region with the sub-regions and intermediate regions under it, each once, in
    /// order of name.
    tree: BTreeMap<&'static str, Vec<&'static str>>,
}

static PLACEMENTS: LazyLock<Table> = LazyLock::new(|| {
    let mut placements = Vec::new();
    let mut by_code = HashMap::new();
    let mut tree: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
    for line in TABLE.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&'static str> = line.split('\t').collect();
        let [code, m49, region, sub_region, intermediate, source] = fields[..] else {
            panic!("regions.tsv: six fields on every line, not {line:?}");
        };
        let non_empty = |field: &'static str| (!field.is_empty()).then_some(field);
        let placement = Placement {
            code,
            m49: non_empty(m49),
            region,
            sub_region: non_empty(sub_region),
            intermediate_region: non_empty(intermediate),
            provenance: match source {
                "unsd" => Provenance::Unsd,
                "hand" => Provenance::Hand,
                other => panic!("regions.tsv: `{other}` is no source for {code}"),
            },
        };
        let under = tree.entry(region).or_default();
        for name in placement.names().skip(1) {
            if !under.contains(&name) {
                under.push(name);
            }
        }
        by_code.insert(code, placements.len());
        placements.push(placement);
    }
    for under in tree.values_mut() {
        under.sort_unstable();
    }
    Table {
        placements,
        by_code,
        tree,
    }
});

/// The place of a country, by its code ("ML", "XK").
pub fn of(code: &str) -> Option<&'static Placement> {
    let table = &*PLACEMENTS;
    table.by_code.get(code).map(|&i| &table.placements[i])
}

/// Every line of the table, in order of code.
pub fn all() -> &'static [Placement] {
    &PLACEMENTS.placements
}

/// Whether a name is a region, or a sub-region (or intermediate region) under one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// "Africa".
    Region,
    /// "Sub-Saharan Africa", "Western Africa".
    SubRegion,
}

/// A region or sub-region that a filter names, as the table spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorldRegion {
    name: &'static str,
    tier: Tier,
}

impl WorldRegion {
    /// The region or sub-region called `name`, case and spacing aside ("western africa"), or
    /// an [`UnknownRegion`] that lists the valid names.
    pub fn named(name: &str) -> Result<WorldRegion, UnknownRegion> {
        let wanted = fold(name);
        WorldRegion::every()
            .into_iter()
            .find(|r| fold(r.name) == wanted)
            .ok_or_else(|| UnknownRegion {
                name: name.trim().to_owned(),
            })
    }

    /// Every region, each followed by the sub-regions and intermediate regions under it in
    /// order of name; regions in order of name.
    pub fn every() -> Vec<WorldRegion> {
        let mut out = Vec::new();
        for (region, under) in &PLACEMENTS.tree {
            out.push(WorldRegion {
                name: region,
                tier: Tier::Region,
            });
            out.extend(under.iter().map(|name| WorldRegion {
                name,
                tier: Tier::SubRegion,
            }));
        }
        out
    }

    /// Its name, as the table spells it: "Western Africa".
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// A region, or a sub-region.
    pub fn tier(&self) -> Tier {
        self.tier
    }

    /// The region a sub-region is under (a region is under itself).
    pub fn region(&self) -> &'static str {
        match self.tier {
            Tier::Region => self.name,
            Tier::SubRegion => PLACEMENTS
                .tree
                .iter()
                .find(|(_, under)| under.contains(&self.name))
                .map_or(self.name, |(region, _)| region),
        }
    }

    /// Whether the country with this code lies in it.
    pub fn contains(&self, code: &str) -> bool {
        of(code).is_some_and(|p| p.names().any(|n| n == self.name))
    }

    /// Whether a source's country name (which may list several: "Mainland China, Hong Kong &
    /// Macau") names a country that lies in it.
    pub fn covers(&self, country_name: &str) -> bool {
        country::countries_of(country_name)
            .iter()
            .any(|c| self.contains(c.code))
    }
}

impl std::fmt::Display for WorldRegion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// A name that is neither a region nor a sub-region.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no region is called `{name}`; use {}", valid_names())]
pub struct UnknownRegion {
    /// What was asked for.
    pub name: String,
}

/// "a region (Africa, Americas, ...) or a sub-region (Australia and New Zealand, ...)".
fn valid_names() -> String {
    let every = WorldRegion::every();
    let names = |tier: Tier| {
        let mut names: Vec<&str> = every
            .iter()
            .filter(|r| r.tier == tier)
            .map(|r| r.name)
            .collect();
        names.sort_unstable();
        names.join(", ")
    };
    format!(
        "a region ({}) or a sub-region ({})",
        names(Tier::Region),
        names(Tier::SubRegion)
    )
}

/// Lower case, spaces folded.
fn fold(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_country_of_the_table_has_a_region_and_every_region_line_a_country() {
        for c in country::all() {
            let place =
                of(c.code).unwrap_or_else(|| panic!("{} ({}) has no region", c.name, c.code));
            assert!(!place.region.is_empty(), "{}", c.code);
        }
        for place in all() {
            assert!(
                country::all().iter().any(|c| c.code == place.code),
                "{} is in regions.tsv but not in countries.tsv",
                place.code
            );
            assert!(
                place
                    .m49
                    .is_none_or(|m| m.len() == 3 && m.bytes().all(|b| b.is_ascii_digit())),
                "{}",
                place.code
            );
        }
        assert_eq!(all().len(), country::all().len());
    }

    #[test]
    fn a_country_lies_in_its_region_sub_region_and_intermediate_region() {
        let mali = of("ML").expect("Mali");
        assert_eq!(
            mali.names().collect::<Vec<_>>(),
            ["Africa", "Sub-Saharan Africa", "Western Africa"]
        );
        assert_eq!(mali.m49, Some("466"));
        assert_eq!(mali.provenance, Provenance::Unsd);
        assert_eq!(of("XK").expect("Kosovo").provenance, Provenance::Hand);
        assert_eq!(of("US").expect("US").narrowest(), "Northern America");
        for (name, inside, outside) in [
            ("Africa", "ML", "FR"),
            ("western africa", "NG", "KE"),
            ("  Latin America and the   Caribbean ", "HT", "US"),
            ("Caribbean", "CU", "BR"),
            ("Eastern Asia", "TW", "TH"),
            ("Antarctica", "AQ", "AR"),
        ] {
            let region = WorldRegion::named(name).expect(name);
            assert!(region.contains(inside), "{name} holds {inside}");
            assert!(!region.contains(outside), "{name} does not hold {outside}");
        }
        assert!(WorldRegion::named("Africa").expect("Africa").covers("Mali"));
        assert!(
            WorldRegion::named("Eastern Asia")
                .expect("Eastern Asia")
                .covers("Mainland China, Hong Kong & Macau")
        );
        assert!(
            !WorldRegion::named("Africa")
                .expect("Africa")
                .covers("Atlantis")
        );
        assert_eq!(
            WorldRegion::named("western AFRICA").expect("named").name(),
            "Western Africa"
        );
        assert_eq!(
            WorldRegion::named("Western Africa")
                .expect("named")
                .region(),
            "Africa"
        );
    }

    #[test]
    fn an_unknown_region_is_an_error_naming_every_valid_one() {
        let error = WorldRegion::named("Nowhere").expect_err("no such region");
        let message = error.to_string();
        assert!(
            message.starts_with("no region is called `Nowhere`; use a region (Africa, Americas, Antarctica, Asia, Europe, Oceania) or a sub-region (Australia and New Zealand, Caribbean, "),
            "{message}"
        );
        for name in ["Western Africa", "Sub-Saharan Africa", "Polynesia"] {
            assert!(message.contains(name), "{message}");
        }
        // Each name once, a region before what lies under it.
        let every = WorldRegion::every();
        let names: Vec<&str> = every.iter().map(|r| r.name()).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert_eq!(names.first(), Some(&"Africa"));
        assert_eq!(every.iter().filter(|r| r.tier() == Tier::Region).count(), 6);
    }
}
