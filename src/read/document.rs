//! What reading a document gives: one advisory ([`Extracted`]) or one per item of a feed or
//! index ([`Item`], [`Document`]), and, when no profile reads a page, the [`Attempt`] of each
//! one and the [`ExtractionFailure`] that names what each missed.
//!
//! This module owns only these values; every reader (`extract` for pages, `feed`,
//! `json_profile`, `xml_profile`, `ota`) and the page limits (`page_limits`) build them, and
//! `extract` dispatches a document to its reader. Pure.

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::advisory::{Advisory, Area, Indicator, Level};

/// A successful extraction: the advisory and the profile that read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// The profile that found the required fields.
    pub profile: String,
    /// What the page says.
    pub advisory: Advisory,
}

/// A required field that one profile could not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// `level` or `summary`.
    pub field: &'static str,
    /// The selector that was tried.
    pub selector: String,
    /// What went wrong: matched nothing, or matched text that holds no value.
    pub problem: String,
}

/// The fields one profile read from a page, complete or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// The profile tried.
    pub profile: String,
    /// The level, if found.
    pub level: Option<Level>,
    /// Indicators in page order.
    pub indicators: Vec<Indicator>,
    /// Other reasons.
    pub reasons: Vec<String>,
    /// The summary, if found.
    pub summary: Option<String>,
    /// The issued date.
    pub issued: Option<NaiveDate>,
    /// The change note.
    pub change_note: Option<String>,
    /// Areas with a level of their own.
    pub areas: Vec<Area>,
    /// Required fields not found.
    pub missing: Vec<Missing>,
}

impl Attempt {
    /// The fields of a successful extraction, in the attempt's form.
    pub fn from_extracted(extracted: &Extracted) -> Attempt {
        let a = &extracted.advisory;
        Attempt {
            profile: extracted.profile.clone(),
            level: Some(a.level.clone()),
            indicators: a.indicators.clone(),
            reasons: a.reasons.clone(),
            summary: Some(a.summary.clone()),
            issued: a.issued,
            change_note: a.change_note.clone(),
            areas: a.areas.clone(),
            missing: Vec::new(),
        }
    }

    /// An attempt that read nothing.
    pub fn empty(profile: &str) -> Attempt {
        Attempt {
            profile: profile.to_owned(),
            level: None,
            indicators: Vec::new(),
            reasons: Vec::new(),
            summary: None,
            issued: None,
            change_note: None,
            areas: Vec::new(),
            missing: Vec::new(),
        }
    }

    /// The advisory, when the attempt found every required field.
    pub(super) fn into_extracted(self) -> Option<Extracted> {
        let Attempt {
            profile,
            level: Some(level),
            indicators,
            reasons,
            summary: Some(summary),
            issued,
            change_note,
            areas,
            missing,
        } = self
        else {
            return None;
        };
        missing.is_empty().then_some(Extracted {
            profile,
            advisory: Advisory {
                level,
                indicators,
                reasons,
                summary,
                issued,
                change_note,
                areas,
                withdrawn: false,
                partial: false,
                text_level: None,
                full_name: None,
            },
        })
    }

    pub(super) fn is_complete(&self) -> bool {
        self.level.is_some() && self.summary.is_some() && self.missing.is_empty()
    }
}

/// No profile of the chain found the required fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractionFailure {
    /// One attempt per profile tried, in order.
    pub attempts: Vec<Attempt>,
}

impl ExtractionFailure {
    /// The attempt that came closest (fewest fields missing, first on ties).
    pub fn best(&self) -> Option<&Attempt> {
        self.attempts.iter().min_by_key(|a| a.missing.len())
    }
}

impl fmt::Display for ExtractionFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for attempt in &self.attempts {
            for missing in &attempt.missing {
                if !first {
                    f.write_str("; ")?;
                }
                first = false;
                write!(
                    f,
                    "selector `{}` ({}) in profile `{}` {}",
                    missing.selector, missing.field, attempt.profile, missing.problem
                )?;
            }
        }
        if first {
            f.write_str("no profile to try")?;
        }
        f.write_str("; the page layout may have changed, or this is not an advisory page")
    }
}

/// One advisory of a document that holds many (a feed, an index).
#[derive(Debug, Clone)]
pub struct Item {
    /// Its stable key within the document (a country slug or code).
    pub key: String,
    /// The country it is about.
    pub country: String,
    /// Its own page, if the document names one.
    pub url: Option<String>,
    /// The advisory, or why it could not be read.
    pub outcome: Result<Extracted, String>,
}

/// What a document holds.
#[derive(Debug, Clone)]
pub enum Document {
    /// One advisory (a page), or why it could not be read.
    One(Result<Extracted, String>),
    /// One advisory per item.
    Many(Vec<Item>),
}
