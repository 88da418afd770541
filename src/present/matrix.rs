//! The matrix: every country a row, every government a column.
//!
//! This module owns the view: each cell is the government's current reading of the country,
//! the one its card on the country page shows (`brief::readings` chooses it), with its stale
//! mark and whether the government rates some areas higher than the whole country; each row
//! its highest level and its spread (the gap between fresh readings, as the country page's
//! disagreement flag counts it). Rows are kept by watch-list and by region of the world
//! (`model::geography`), and sorted by country, highest level, spread or one government's
//! level. It writes the CSV and the JSON; the HTML is `dashboard::matrix`'s. Pure: stored values
//! in, a view out; no IO and no clock.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::config::WatchList;
use crate::model::country::{self, Country};
use crate::model::geography::{self, Placement, WorldRegion};
use crate::present::brief::{self, Government, Reading, Stale};
use crate::store::SourceOverview;

/// One cell: a government's current reading of a country.
#[derive(Debug, Clone)]
pub struct Cell {
    /// The reading: its source's current version, and why it is stale, if it is.
    pub reading: Reading,
    /// The highest level of an area the government rates higher than the whole country.
    pub areas_higher: Option<u8>,
}

impl Cell {
    /// The level it shows: `None` for a withdrawn advisory.
    pub fn level(&self) -> Option<u8> {
        let s = &self.reading.source;
        if s.withdrawn { None } else { s.level }
    }

    /// Why it is stale, if it is.
    pub fn stale(&self) -> Option<Stale> {
        self.reading.stale
    }

    /// The areas at [`Cell::areas_higher`], by name.
    pub fn highest_areas(&self) -> Vec<&str> {
        self.reading
            .source
            .areas
            .iter()
            .filter(|a| Some(a.level) == self.areas_higher)
            .map(|a| a.name.as_str())
            .collect()
    }
}

/// One country's row.
#[derive(Debug, Clone)]
pub struct Row {
    /// The country.
    pub country: &'static Country,
    /// Where it lies in the world.
    pub placement: Option<&'static Placement>,
    /// One cell per column of [`Matrix::governments`]; `None` where the government has no
    /// reading of the country.
    pub cells: Vec<Option<Cell>>,
    /// The highest level of its cells (stale ones included, withdrawn ones not).
    pub highest: Option<u8>,
    /// How many levels its fresh readings span ([`brief::spread`]); `None` when none is fresh.
    pub spread: Option<u8>,
}

/// How the rows are ordered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Sort {
    /// By country name, A first.
    #[default]
    Country,
    /// By the row's highest level, highest first.
    Highest,
    /// By the spread of fresh readings, widest first.
    Spread,
    /// By one government's level (its id), highest first; rows without its reading last.
    Government(String),
}

impl Sort {
    /// The word of a query string: `country`, `highest`, `spread` or a government's id among
    /// `governments`; anything else is an error naming the valid words.
    pub fn parse(text: &str, governments: &[Government]) -> Result<Sort, String> {
        let word = text.trim().to_lowercase();
        match word.as_str() {
            "" | "country" => Ok(Sort::Country),
            "highest" => Ok(Sort::Highest),
            "spread" => Ok(Sort::Spread),
            _ => governments
                .iter()
                .find(|g| g.id == word)
                .map(|g| Sort::Government(g.id.clone()))
                .ok_or_else(|| {
                    let ids: Vec<&str> = governments.iter().map(|g| g.id.as_str()).collect();
                    format!(
                        "`{}` is not an order of the matrix; use country, highest, spread{}",
                        text.trim(),
                        if ids.is_empty() {
                            String::new()
                        } else {
                            format!(" or a government's id ({})", ids.join(", "))
                        }
                    )
                }),
        }
    }

    /// Its word in a query string.
    pub fn key(&self) -> &str {
        match self {
            Sort::Country => "country",
            Sort::Highest => "highest",
            Sort::Spread => "spread",
            Sort::Government(id) => id,
        }
    }
}

/// The matrix of governments and countries.
#[derive(Debug, Clone)]
pub struct Matrix {
    /// The columns: every government with a reading of some country in the database (whatever
    /// the filters keep, so that the columns stay the same), by short name.
    pub governments: Vec<Government>,
    /// The rows, in [`Matrix::sort`]'s order.
    pub rows: Vec<Row>,
    /// The order.
    pub sort: Sort,
    /// The watch-list that kept the rows, by name.
    pub watch: Option<String>,
    /// The region of the world that kept the rows.
    pub region: Option<WorldRegion>,
}

impl Matrix {
    /// The matrix of every source (`all`, as the store's overview gives it): one row per
    /// country that some government reads (a feed or index itself is never a reading; a source
    /// about several countries is a reading of each), kept by `watch` and `region`, by country.
    pub fn of(
        all: &[SourceOverview],
        watch: Option<&WatchList>,
        region: Option<WorldRegion>,
    ) -> Matrix {
        let mut by_country: BTreeMap<&'static str, (&'static Country, Vec<SourceOverview>)> =
            BTreeMap::new();
        for s in all.iter().filter(|s| !s.collection && s.level.is_some()) {
            for c in country::countries_of(&s.country) {
                by_country
                    .entry(c.code)
                    .or_insert_with(|| (c, Vec::new()))
                    .1
                    .push(s.clone());
            }
        }
        let grouped: Vec<(&'static Country, Vec<brief::GovernmentReadings>)> = by_country
            .into_values()
            .map(|(c, sources)| (c, brief::readings(&sources, all)))
            .collect();
        let mut governments: Vec<Government> = Vec::new();
        for g in grouped.iter().flat_map(|(_, groups)| groups) {
            if !governments.iter().any(|known| known.id == g.government.id) {
                governments.push(g.government.clone());
            }
        }
        governments.sort_by(|a, b| a.short.cmp(&b.short).then(a.id.cmp(&b.id)));
        let rows = grouped
            .into_iter()
            .filter(|(c, _)| watch.is_none_or(|w| w.codes.contains(&c.code)))
            .filter(|(c, _)| region.is_none_or(|r| r.contains(c.code)))
            .map(|(c, groups)| {
                let cells: Vec<Option<Cell>> = governments
                    .iter()
                    .map(|government| {
                        groups
                            .iter()
                            .find(|g| g.government.id == government.id)
                            .map(|g| cell(&g.current))
                    })
                    .collect();
                Row {
                    country: c,
                    placement: geography::of(c.code),
                    highest: cells.iter().flatten().filter_map(Cell::level).max(),
                    spread: brief::spread(&groups),
                    cells,
                }
            })
            .collect();
        let mut matrix = Matrix {
            governments,
            rows,
            sort: Sort::Country,
            watch: watch.map(|w| w.name.clone()),
            region,
        };
        matrix.sort_by(Sort::Country);
        matrix
    }

    /// Orders the rows: by the sort's key (a level or spread highest first, a row without one
    /// last), then by country name.
    pub fn sort_by(&mut self, sort: Sort) {
        let column = match &sort {
            Sort::Government(id) => self.governments.iter().position(|g| &g.id == id),
            _ => None,
        };
        let key = |row: &Row| -> Option<u8> {
            match &sort {
                Sort::Country => None,
                Sort::Highest => row.highest,
                Sort::Spread => row.spread,
                Sort::Government(_) => column
                    .and_then(|i| row.cells[i].as_ref())
                    .and_then(Cell::level),
            }
        };
        self.rows.sort_by(|a, b| {
            key(b)
                .cmp(&key(a))
                .then_with(|| country::key(a.country.name).cmp(&country::key(b.country.name)))
        });
        self.sort = sort;
    }

    /// The CSV: a header row (`country, code, region, sub_region, intermediate_region`, each
    /// government's name, `highest, spread, notes`), then a row per country; a cell is the level,
    /// `withdrawn`, or empty without a reading; `notes` says which cells are stale or rate some
    /// areas higher ("United States: stale (its source is failing)"). Cells a spreadsheet would
    /// take for a formula start with `'`.
    pub fn csv(&self) -> String {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let mut header: Vec<String> = [
            "country",
            "code",
            "region",
            "sub_region",
            "intermediate_region",
        ]
        .iter()
        .map(|h| (*h).to_owned())
        .collect();
        header.extend(self.governments.iter().map(|g| g.name.clone()));
        header.extend(["highest", "spread", "notes"].map(str::to_owned));
        // Writing into a Vec cannot fail.
        let _ = writer.write_record(header.iter().map(|cell| super::report::formula_guard(cell)));
        for row in &self.rows {
            let place = |f: fn(&Placement) -> Option<&'static str>| {
                row.placement.and_then(f).unwrap_or_default().to_owned()
            };
            let mut record = vec![
                row.country.name.to_owned(),
                row.country.code.to_owned(),
                place(|p| Some(p.region)),
                place(|p| p.sub_region),
                place(|p| p.intermediate_region),
            ];
            let mut notes = Vec::new();
            for (government, cell) in self.governments.iter().zip(&row.cells) {
                let Some(cell) = cell else {
                    record.push(String::new());
                    continue;
                };
                record.push(
                    cell.level()
                        .map_or_else(|| "withdrawn".to_owned(), |l| l.to_string()),
                );
                if let Some(stale) = cell.stale() {
                    notes.push(format!("{}: stale ({})", government.short, stale.words()));
                }
                if let Some(level) = cell.areas_higher {
                    notes.push(format!(
                        "{}: areas at level {level} ({})",
                        government.short,
                        cell.highest_areas().join(", ")
                    ));
                }
            }
            record.push(row.highest.map(|l| l.to_string()).unwrap_or_default());
            record.push(row.spread.map(|l| l.to_string()).unwrap_or_default());
            record.push(notes.join("; "));
            let _ =
                writer.write_record(record.iter().map(|cell| super::report::formula_guard(cell)));
        }
        let bytes = writer.into_inner().unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The JSON: `region` and `watch` (the filters that applied, or null), `sort`, `count`,
    /// `governments` (`{"id", "name", "short"}`, the columns) and `rows`, each `{"country",
    /// "code", "region", "sub_region", "intermediate_region", "highest", "spread", "cells"}`
    /// with `cells` an object by government id: `null` without a reading, else `{"source",
    /// "url", "level", "level_label", "withdrawn", "stale", "areas_higher", "areas"}`.
    pub fn json(&self) -> Value {
        json!({
            "region": self.region.map(|r| r.name()),
            "watch": self.watch,
            "sort": self.sort.key(),
            "count": self.rows.len(),
            "governments": self.governments.iter().map(|g| json!({"id": g.id, "name": g.name, "short": g.short})).collect::<Vec<_>>(),
            "rows": self.rows.iter().map(|row| {
                let cells: serde_json::Map<String, Value> = self
                    .governments
                    .iter()
                    .zip(&row.cells)
                    .map(|(g, cell)| {
                        let value = cell.as_ref().map_or(Value::Null, |cell| {
                            let s = &cell.reading.source;
                            json!({
                                "source": s.name,
                                "url": s.url,
                                "level": cell.level(),
                                "level_label": s.level_label,
                                "withdrawn": s.withdrawn,
                                "stale": cell.stale(),
                                "areas_higher": cell.areas_higher,
                                "areas": cell.highest_areas(),
                            })
                        });
                        (g.id.clone(), value)
                    })
                    .collect();
                json!({
                    "country": row.country.name,
                    "code": row.country.code,
                    "region": row.placement.map(|p| p.region),
                    "sub_region": row.placement.and_then(|p| p.sub_region),
                    "intermediate_region": row.placement.and_then(|p| p.intermediate_region),
                    "highest": row.highest,
                    "spread": row.spread,
                    "cells": cells,
                })
            }).collect::<Vec<_>>(),
        })
    }
}

/// A reading as a cell: the highest level of an area above the whole country's.
fn cell(reading: &Reading) -> Cell {
    let s = &reading.source;
    let areas_higher = if s.withdrawn {
        None
    } else {
        s.areas
            .iter()
            .map(|a| a.level)
            .filter(|l| s.level.is_some_and(|level| *l > level))
            .max()
    };
    Cell {
        reading: reading.clone(),
        areas_higher,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::advisory::Area;

    fn source(name: &str, government: &str, country: &str, level: u8) -> SourceOverview {
        SourceOverview {
            name: name.into(),
            government: Government::named(government),
            collection: false,
            country: country.into(),
            url: format!("https://example.invalid/{name}"),
            last_checked: None,
            last_success: None,
            level: Some(level),
            level_label: Some(format!("Level {level}")),
            indicators: Vec::new(),
            areas: Vec::new(),
            profile: None,
            version_seen: Some("2026-01-01T00:00:00.000Z".into()),
            version_archived: false,
            issued: None,
            withdrawn: false,
            state: "ok".into(),
            consecutive_failures: 0,
            last_error: None,
            last_error_at: None,
            last_error_kind: None,
            last_change: None,
            last_checked_archived: false,
        }
    }

    fn codes(matrix: &Matrix) -> Vec<&str> {
        matrix.rows.iter().map(|r| r.country.code).collect()
    }

    fn sample() -> Vec<SourceOverview> {
        let mut uk_mali = source("uk-mali", "uk", "Mali", 4);
        uk_mali.state = "failing".into();
        let mut us_mexico = source("us-mexico", "us", "Mexico", 2);
        us_mexico.areas = vec![
            Area {
                name: "Sinaloa".into(),
                level: 4,
                reasons: Vec::new(),
            },
            Area {
                name: "Jalisco".into(),
                level: 3,
                reasons: Vec::new(),
            },
        ];
        let mut feed = source("ca", "ca", "*", 1);
        feed.collection = true;
        vec![
            source("us-mali", "us", "Mali", 4),
            uk_mali,
            source("ca/ml", "ca", "Mali", 3),
            source("ca/ne", "ca", "Niger", 4),
            us_mexico,
            source("uk-cambodia", "uk", "Cambodia", 1),
            source("us-cambodia", "us", "Cambodia", 3),
            feed,
        ]
    }

    #[test]
    fn a_cell_is_the_current_reading_with_its_stale_and_areas_marks() {
        let matrix = Matrix::of(&sample(), None, None);
        let ids: Vec<&str> = matrix.governments.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(
            ids,
            ["ca", "uk", "us"],
            "by short name; a feed is no column"
        );
        assert_eq!(codes(&matrix), ["KH", "ML", "MX", "NE"], "by country name");
        let mali = &matrix.rows[1];
        let [ca, uk, us] = &mali.cells[..] else {
            panic!("three cells")
        };
        assert_eq!(ca.as_ref().and_then(Cell::level), Some(3));
        assert_eq!(uk.as_ref().and_then(Cell::stale), Some(Stale::Failing));
        assert_eq!(us.as_ref().and_then(Cell::stale), None);
        assert_eq!(mali.highest, Some(4));
        assert_eq!(
            mali.spread,
            Some(1),
            "the failing UK reading does not count"
        );
        let mexico = &matrix.rows[2];
        assert!(mexico.cells[0].is_none() && mexico.cells[1].is_none());
        let us = mexico.cells[2].as_ref().expect("US on Mexico");
        assert_eq!(us.areas_higher, Some(4));
        assert_eq!(us.highest_areas(), ["Sinaloa"]);
        assert_eq!(matrix.rows[0].spread, Some(2));
    }

    #[test]
    fn rows_sort_by_a_government_highest_or_spread_and_filter_by_watch_and_region() {
        let mut matrix = Matrix::of(&sample(), None, None);
        let sort = Sort::parse("US", &matrix.governments).expect("a government's id");
        matrix.sort_by(sort);
        assert_eq!(
            codes(&matrix),
            ["ML", "KH", "MX", "NE"],
            "no US reading last"
        );
        matrix.sort_by(Sort::parse("spread", &matrix.governments).expect("spread"));
        assert_eq!(codes(&matrix), ["KH", "ML", "MX", "NE"]);
        matrix.sort_by(Sort::Highest);
        assert_eq!(codes(&matrix), ["ML", "NE", "KH", "MX"]);
        let error = Sort::parse("level", &matrix.governments).expect_err("no such order");
        assert!(error.contains("country, highest, spread or a government's id (ca, uk, us)"));

        let africa = WorldRegion::named("western africa").expect("a region");
        let matrix = Matrix::of(&sample(), None, Some(africa));
        assert_eq!(codes(&matrix), ["ML", "NE"]);
        assert_eq!(matrix.governments.len(), 3, "the columns stay");
        let sahel = WatchList {
            name: "sahel".into(),
            codes: vec!["NE", "BF"],
        };
        let matrix = Matrix::of(&sample(), Some(&sahel), None);
        assert_eq!(codes(&matrix), ["NE"]);
        assert_eq!(matrix.json()["watch"], "sahel");
    }

    #[test]
    fn the_csv_names_governments_and_guards_formulas() {
        let mut sources = sample();
        sources.push(source("x-mali", "=Ministry (of Formulas)", "Mali", 2));
        let csv = Matrix::of(&sources, None, None).csv();
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some(
                "country,code,region,sub_region,intermediate_region,'=Ministry (of Formulas),Canada (Global Affairs Canada),United Kingdom (FCDO),United States (State Department),highest,spread,notes"
            )
        );
        assert!(
            csv.contains(
                "Mali,ML,Africa,Sub-Saharan Africa,Western Africa,2,3,4,4,4,2,United Kingdom: stale (its source is failing)\r\n"
            ),
            "{csv}"
        );
        assert!(
            csv.contains("United States: areas at level 4 (Sinaloa)"),
            "{csv}"
        );
    }
}
