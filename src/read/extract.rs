//! Reading an advisory out of a page with a profile.
//!
//! This module owns the step from page text to an [`Advisory`]: the page is parsed once, each
//! profile of a source's chain is tried in order on the same parsed document, and the first one
//! that finds the required fields (level and summary) wins. When none does, the result is an
//! [`ExtractionFailure`] naming, per profile, which selector matched nothing. Extraction is a
//! plain synchronous function from text to owned values: no IO, and no `scraper::Html` leaves
//! this module (it is not `Send`). Fetching is `fetch`'s job; comparing is `diff`'s.
//!
//! It is also the dispatcher above the readers: [`read_document`] hands a document to its
//! source's reader (`feed`, `json_profile`, `xml_profile`, `ota`, or a page's profiles here)
//! and names the items they return. The values they all return are `document`'s; the
//! paragraphs of HTML are `paragraphs`'.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use scraper::{Html, Selector};

use crate::model::advisory::{
    Advisory, Indicator, Level, canada_level, collapse_whitespace, fcdo_level_from_alert_status,
    parse_date, starts_with_ignore_case,
};
use crate::model::name;
use crate::model::profile::{FieldSelector, LevelScale, Profile, Reader};
use crate::read::alert::{self, Block};
/// Still named here by `present::listing` and `app::cli::extract`; they live in `document`.
pub use crate::read::document::{Attempt, Document, Item};
use crate::read::document::{Extracted, ExtractionFailure, Missing};
use crate::read::fcdo::{self, FcdoAdvice};
use crate::read::paragraphs::{Blocks, element_text};

/// The version of the readers: raised whenever a release reads any field of a page differently.
/// Each stored version records the reader that read it; the first check after an upgrade takes
/// a difference that is only the new reader's (anything but a level move) as a re-reading, not
/// as the publisher's change (see `run::compare_with_latest`).
///
/// 3: reasons and area names keep the publisher's case, a "between A and B" cause is not cut,
/// and a list of areas is read as its items (never as its introduction, "the cities of").
///
/// 4: a feed item whose statement states another level than its title is read at the title's
/// level with the text's kept beside it (`Advisory::text_level`), no longer as a failure.
///
/// 5: a statement about another country sets no level, area or cause of this one, and the rest
/// of a region is a part (never the whole country).
///
/// 6: causes are mapped by meaning onto indicators (riots, cholera, hurricanes, armed
/// conflict), and a cause no named indicator covers is the Other indicator.
pub const READER_VERSION: u32 = 6;

/// Reads a document with a source's reader. An error means the document as a whole could not
/// be read (not XML, not JSON); a page that does not read right is `Document::One(Err(..))`.
/// The items of a feed or index come out [`named`]: what they say becomes a name only here.
pub fn read_document(reader: &Reader, text: &str) -> Result<Document, String> {
    read_unnamed(reader, text).map(|document| match document {
        Document::Many(items) => {
            let mut seen = std::collections::HashSet::new();
            Document::Many(
                items
                    .into_iter()
                    .map(named)
                    .filter(|item| seen.insert(item.key.clone()))
                    .collect(),
            )
        }
        one => one,
    })
}

/// The most characters a feed item's failure message keeps (its title is quoted in it).
const ITEM_MESSAGE_LIMIT: usize = 1000;

/// An item as the name of a source may carry it, whatever its document said: its key made the
/// last part of a name (`<feed>/<key>`, [`name::child_key`]), its country one line of at most
/// [`name::DERIVED_NAME_LIMIT`] characters (the whole line kept in the advisory's `full_name`
/// when it was cut), and a failure's message one line. A line feed in a feed's title cannot
/// forge a line of `check` or `sources`, nor a megabyte-long title a megabyte-long name.
pub fn named(mut item: Item) -> Item {
    item.key = name::child_key(&item.key);
    let line = name::one_line(&item.country).into_owned();
    let bounded = name::bounded(&line, name::DERIVED_NAME_LIMIT).into_owned();
    if bounded != line
        && let Ok(extracted) = &mut item.outcome
    {
        extracted.advisory.full_name = Some(line);
    }
    item.country = bounded;
    item.outcome = item
        .outcome
        .map_err(|message| name::one_line_bounded(&message, ITEM_MESSAGE_LIMIT).into_owned());
    item
}

fn read_unnamed(reader: &Reader, text: &str) -> Result<Document, String> {
    match reader {
        Reader::Page(profiles) => Ok(Document::One(
            extract(text, profiles).map_err(|f| f.to_string()),
        )),
        Reader::Rss(None) => crate::read::feed::read(text).map(Document::Many),
        Reader::Rss(Some(map)) => crate::read::feed::read(text).map(|items| {
            Document::Many(items.into_iter().map(|item| relabel(map, item)).collect())
        }),
        Reader::Json(profile) => crate::read::json_profile::read(profile, text),
        Reader::Xml(profile) => crate::read::xml_profile::read(profile, text),
        Reader::Ota(profile) => crate::read::ota::read(profile, text),
    }
}

/// A feed item's level read again with the profile's own table, from the label the feed gives
/// it ("Do Not Travel"); a label the table does not hold makes the item a failure naming it.
fn relabel(map: &crate::model::scale::LevelMap, mut item: Item) -> Item {
    item.outcome = item.outcome.and_then(|mut extracted| {
        let reading = map.read(&extracted.advisory.level.label)?;
        extracted.advisory.level = reading.level;
        if !reading.areas.is_empty() {
            extracted.advisory.areas = reading.areas;
        }
        Ok(extracted)
    });
    item
}

/// What a current travel.state.gov page's advisory-history panel lists.
#[derive(Debug, Clone)]
pub struct HistoryPanel {
    /// The versions, oldest first: level, indicators and the publisher's note, with the date
    /// as issued date. The summary is not in the panel: these versions are `partial`.
    pub entries: Vec<Advisory>,
    /// The issued date of the page's current version, to tell which entry it is.
    pub issued: Option<chrono::NaiveDate>,
}

/// Reads the advisory-history panel (`div.tsg-ta__history`) and the current issued date of a
/// page, in one parse.
pub fn history_panel(html: &str) -> HistoryPanel {
    static ISSUED: LazyLock<Selector> = LazyLock::new(|| {
        Selector::parse(
            ".cmp-traveladvisory__header span.date-issued, .tsg-rwd-emergency-alertheader-type-frame-typebox",
        )
        .expect("issued selector")
    });
    static ENTRY: LazyLock<Selector> =
        LazyLock::new(|| Selector::parse(".tsg-ta__history").expect("history selector"));
    static DATE: LazyLock<Selector> =
        LazyLock::new(|| Selector::parse(".tsg-ta__history-date").expect("date selector"));
    static PILL: LazyLock<Selector> = LazyLock::new(|| {
        Selector::parse(".tsg-ta__history-risks li.tsg-utility-risk-pill").expect("pill selector")
    });
    static NOTE: LazyLock<Selector> =
        LazyLock::new(|| Selector::parse(".tsg-ta__history-summary").expect("note selector"));
    // A page over the limits has no panel; reading the page itself says why.
    let Ok(document) = crate::read::page_limits::parse_document(html, &[]) else {
        return HistoryPanel {
            entries: Vec::new(),
            issued: None,
        };
    };
    let issued = document
        .select(&ISSUED)
        .find_map(|e| parse_date(&element_text(e)));
    let mut entries: Vec<Advisory> = document
        .select(&ENTRY)
        .filter_map(|entry| {
            let heading = entry.select(&DATE).next().map(element_text)?;
            let level = Level::parse(&heading)?;
            let mut indicators = Vec::new();
            for pill in entry.select(&PILL) {
                if let Some(i) = Indicator::from_page_text(&element_text(pill))
                    && !indicators.contains(&i)
                {
                    indicators.push(i);
                }
            }
            Some(Advisory {
                level,
                indicators,
                reasons: Vec::new(),
                summary: String::new(),
                issued: parse_date(&heading),
                change_note: entry
                    .select(&NOTE)
                    .next()
                    .map(element_text)
                    .filter(|t| !t.is_empty()),
                areas: Vec::new(),
                withdrawn: false,
                partial: true,
                text_level: None,
                full_name: None,
            })
        })
        .collect();
    entries.sort_by_key(|a| a.issued);
    HistoryPanel { entries, issued }
}

/// Reads an advisory from page text with the first profile of `profiles` that finds the
/// required fields.
pub fn extract(html: &str, profiles: &[Arc<Profile>]) -> Result<Extracted, ExtractionFailure> {
    // Bounded: refused before it is turned into anything when it is mostly control bytes.
    crate::read::page_limits::admit_bytes(html, profiles)?;
    // One reading path: a Markdown or plain-text capture is read as the HTML it stands for,
    // whichever way it came (a file, `import`, a server's `text/markdown` or `text/plain`, a
    // stored body), told by its content and never by a file name or a content type.
    let converted = match crate::read::archive::kind_of(html.as_bytes()) {
        crate::read::archive::TextKind::Markup => None,
        kind => Some(
            crate::read::archive::as_html(kind, html)
                .map_err(|problem| crate::read::page_limits::refusal(&problem, profiles))?,
        ),
    };
    let html = converted.as_deref().unwrap_or(html);
    // Only the region that holds every match, when the profiles name one and it is found (a
    // linear byte scan); the parser's work is bounded on what it will read.
    let region = crate::read::page_region::cut(html, profiles);
    let text = region.as_deref().unwrap_or(html);
    let document = crate::read::page_limits::parse_document(text, profiles)?;
    let mut attempts = Vec::with_capacity(profiles.len());
    for profile in profiles {
        let attempt = read(&document, profile);
        if attempt.is_complete() {
            return Ok(attempt
                .into_extracted()
                .expect("a complete attempt has every field"));
        }
        attempts.push(attempt);
    }
    Err(ExtractionFailure { attempts })
}

/// Says why a successful extraction looks like a broken page rather than a real new version:
/// every indicator gone and the summary shrunk below a quarter, with the level not lowered.
/// (A real downgrade to level 1 often does drop every indicator and most of the text; it lowers
/// the level too.)
pub fn lost_too_much(previous: &Advisory, current: &Advisory) -> Option<String> {
    let (before, after) = (previous.summary.len(), current.summary.len());
    let lost_indicators = !previous.indicators.is_empty() && current.indicators.is_empty();
    let shrunk = after * 4 < before;
    let level_held = current.level.number >= previous.level.number;
    (lost_indicators && shrunk && level_held).then(|| {
        format!(
            "the page lost most of what it said: all {} indicators gone and the summary shrank from {before} to {after} characters, with the level unchanged; the page layout may have changed (no change is reported until it reads right again)",
            previous.indicators.len()
        )
    })
}

fn read(document: &Html, profile: &Profile) -> Attempt {
    let mut missing = Vec::new();

    let level_texts: Vec<String> = document
        .select(&profile.level.selector)
        .map(element_text)
        .collect();
    let level_text = level_texts.first().cloned();
    // A profile's own table: the first match whose value it maps.
    let mut mapped: Option<Result<crate::model::scale::Reading, String>> = None;
    if let Some(map) = &profile.level_map {
        for text in &level_texts {
            let reading = map.read(text);
            let done = reading.is_ok();
            if done || mapped.is_none() {
                mapped = Some(reading);
            }
            if done {
                break;
            }
        }
    }
    let mut level = match profile.level_scale {
        _ if profile.level_map.is_some() => mapped
            .as_ref()
            .and_then(|r| r.as_ref().ok())
            .map(|r| r.level.clone()),
        // The first match that holds a level: headings before it may hold other things.
        LevelScale::Us => level_texts.iter().find_map(|t| Level::parse(t)),
        LevelScale::Number => level_texts
            .iter()
            .find_map(|t| t.trim().parse::<u8>().ok().filter(|n| (1..=4).contains(n)))
            .map(|n| Level::with_label(n, String::new())),
        LevelScale::Canada => level_texts.iter().find_map(|t| {
            t.trim()
                .parse::<i64>()
                .ok()
                .and_then(|n| canada_level(n, None))
        }),
        LevelScale::Fcdo => Some(fcdo_level_from_alert_status(&level_texts)),
        LevelScale::FcdoText => {
            (!level_texts.is_empty()).then(|| fcdo::level_of_statements(&level_texts))
        }
    };
    // The country, as the level heading names it ("Mali - Level 4: Do Not Travel").
    let country = level_texts.iter().find_map(|t| country_of_level_line(t));

    // The whole advisory text: FCDO's advice, or a State Department alert text.
    let fcdo_advice: Option<FcdoAdvice> = match (&profile.alert, profile.level_scale) {
        (Some(selector), LevelScale::FcdoText) => Some(fcdo::read(
            &select_blocks(document, selector),
            &fcdo::page_countries(links(document)),
        )),
        _ => None,
    };
    if let Some(advice) = &fcdo_advice {
        level = Some(advice.level.clone());
    }
    let alert = match (&profile.alert, &fcdo_advice) {
        (Some(selector), None) => Some(alert::read(
            &select_blocks(document, selector),
            country.as_deref(),
        )),
        (_, Some(advice)) => Some(alert::AlertText {
            note: advice.note.clone(),
            areas: advice.areas.clone(),
            summary: advice.summary.clone(),
            found: true,
            ..alert::AlertText::default()
        }),
        (None, None) => None,
    };
    let statements = profile
        .reason
        .as_ref()
        .map(|selector| alert::read(&select_blocks(document, selector), country.as_deref()));
    if level.is_none()
        && profile.level_scale == LevelScale::Us
        && let Some(number) = alert.as_ref().and_then(|a| a.statement_level)
    {
        // A capture with no "Level N" line: its statement says it ("Do not travel" is 4).
        level = Some(Level::with_label(number, String::new()));
    }
    match (&level_text, &level) {
        (_, Some(_)) => {}
        (None, None) => missing.push(Missing {
            field: "level",
            selector: profile.level.source.clone(),
            problem: "matched nothing".into(),
        }),
        (Some(text), None) => missing.push(Missing {
            field: "level",
            selector: profile.level.source.clone(),
            problem: match &mapped {
                Some(Err(message)) => format!("matched {text:?}: {message}"),
                _ => format!("matched {text:?}, which holds no level from 1 to 4"),
            },
        }),
    }
    if let (Some(level), Some(selector)) = (level.as_mut(), &profile.level_label)
        && let Some(label) = first_text(document, selector).filter(|l| !l.is_empty())
    {
        level.label = label;
    }

    let summary = match (&profile.summary, &alert) {
        (Some(_), _) => summary_text(document, profile),
        (None, Some(alert)) => alert.found.then(|| alert.summary.join("\n\n")),
        (None, None) => None,
    };
    if summary.is_none() {
        missing.push(Missing {
            field: "summary",
            selector: profile
                .summary
                .as_ref()
                .or(profile.alert.as_ref())
                .map(|s| s.source.clone())
                .unwrap_or_default(),
            problem: "matched nothing with text".into(),
        });
    }

    // Causes: from the statements when the profile names them, else from the alert text.
    let causes = statements.as_ref().or(alert.as_ref());
    let mut reasons = causes.map(|c| c.reasons.clone()).unwrap_or_default();
    let mut areas = causes.map(|c| c.areas.clone()).unwrap_or_default();
    if let Some(Ok(reading)) = &mapped
        && !reading.areas.is_empty()
    {
        areas = reading.areas.clone();
    }
    if areas.is_empty()
        && let Some(text) = summary.as_deref()
    {
        let paragraphs: Vec<String> = text.split("\n\n").map(str::to_owned).collect();
        areas = alert::areas_in(&paragraphs, country.as_deref());
    }
    let mut indicators = Vec::new();
    if let Some(selector) = &profile.indicators {
        for element in document.select(&selector.selector) {
            let text = match &profile.indicator_attr {
                Some(attr) => element.value().attr(attr).unwrap_or_default().to_owned(),
                None => element_text(element),
            };
            match Indicator::from_page_text(&text) {
                Some(indicator) if !indicators.contains(&indicator) => indicators.push(indicator),
                Some(_) => {}
                None if text.trim().is_empty() => {}
                None => {
                    let unknown = collapse_whitespace(&text);
                    tracing::warn!(profile = %profile.name, indicator = %unknown,
                        "indicator not in the vocabulary; kept as a reason");
                    crate::model::advisory::push_new_words(&mut reasons, unknown);
                }
            }
        }
    }
    if indicators.is_empty() {
        // No indicator elements: the statements are the only account of the causes.
        indicators = causes.map(|c| c.indicators.clone()).unwrap_or_default();
    }

    // The first match that holds a date.
    let issued = match &profile.issued {
        Some(s) => document.select(&s.selector).find_map(|element| {
            let text = element_text(element);
            // Other governments' pages write dates their own way ("22.6.2026").
            parse_date(&text).or_else(|| {
                profile
                    .level_map
                    .as_ref()
                    .and_then(|_| crate::model::scale::date(&text))
            })
        }),
        None => fcdo_advice.as_ref().and_then(|a| a.issued),
    }
    .or_else(|| alert.as_ref().and_then(|a| a.issued));
    let change_note = match &profile.change_note {
        Some(selector) => first_text(document, selector).filter(|text| !text.is_empty()),
        None => alert.as_ref().and_then(|a| a.note.clone()),
    };

    Attempt {
        profile: profile.name.clone(),
        level,
        indicators,
        reasons,
        summary,
        issued,
        change_note,
        areas,
        missing,
    }
}

/// The country a level heading names: "Mali - Level 4: Do Not Travel" gives "Mali".
fn country_of_level_line(text: &str) -> Option<String> {
    static LINE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"(?i)^\s*(.{2,80}?)\s*[-\u{2013}\u{2014}:]\s*level\s*[1-4]\b")
            .expect("level line pattern")
    });
    LINE.captures(text).map(|c| c[1].trim().to_owned())
}

/// The paragraphs of every match of a selector, in document order (a match inside an earlier
/// one is part of it).
/// The targets of a document's links, in order.
fn links(document: &Html) -> impl Iterator<Item = &str> {
    static LINK: LazyLock<Selector> =
        LazyLock::new(|| Selector::parse("a[href]").expect("link selector"));
    document
        .select(&LINK)
        .filter_map(|a| a.value().attr("href"))
}

fn select_blocks(document: &Html, selector: &FieldSelector) -> Vec<Block> {
    let mut blocks = Blocks::default();
    let mut taken: HashSet<ego_tree::NodeId> = HashSet::new();
    for element in document.select(&selector.selector) {
        if element.ancestors().any(|a| taken.contains(&a.id())) {
            continue;
        }
        taken.insert(element.id());
        blocks.collect(element);
    }
    blocks.finish_blocks()
}

fn first_text(document: &Html, selector: &FieldSelector) -> Option<String> {
    document.select(&selector.selector).next().map(element_text)
}

/// The summary: the text of every match in document order, as paragraphs, cut at the
/// profile's start and stop markers.
fn summary_text(document: &Html, profile: &Profile) -> Option<String> {
    let mut blocks = Blocks::default();
    let mut taken: HashSet<ego_tree::NodeId> = HashSet::new();
    let selector = profile.summary.as_ref()?;
    for element in document.select(&selector.selector) {
        // A match inside an earlier match is already part of its text.
        if element.ancestors().any(|a| taken.contains(&a.id())) {
            continue;
        }
        taken.insert(element.id());
        blocks.collect(element);
    }
    let mut paragraphs = blocks.finish();
    if let Some(start) = &profile.summary_start
        && let Some(at) = paragraphs
            .iter()
            .position(|p| starts_with_ignore_case(p, start))
    {
        paragraphs.drain(..at);
        // The marker is a label ("Country Summary:"), not part of the summary.
        let rest = paragraphs[0][start.len()..].trim_start().to_owned();
        if rest.is_empty() {
            paragraphs.remove(0);
        } else {
            paragraphs[0] = rest;
        }
    }
    if let Some(stop) = &profile.summary_stop
        && let Some(at) = paragraphs
            .iter()
            .position(|p| starts_with_ignore_case(p, stop))
    {
        paragraphs.truncate(at);
    }
    (!paragraphs.is_empty()).then(|| paragraphs.join("\n\n"))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::model::profile::ProfileSet;

    fn chain(name: &str) -> Vec<Arc<Profile>> {
        ProfileSet::builtin()
            .resolve_names(&[name.into()], "test")
            .expect("profile")
    }

    const CURRENT: &str = r##"<html><body>
      <div class="cmp-traveladvisory">
        <div class="cmp-traveladvisory__header level-2">
          <h3 class=" travel-level level-2">  Level 2 - Exercise increased caution </h3>
          <span class="date-issued">Date issued: March 31, 2026 - <button>advisory history</button></span>
        </div>
        <div class="cmp-traveladvisory__body">
          <div class="cmp-traveladvisory__body-container">
            <ul class="pill-list"><li class="tsg-utility-risk-pill">Unrest (U)</li></ul>
            <div class="cmp-traveladvisory__body-container-guidance"><h2 class="statement">
              <span class="guidance">Exercise increased caution</span>
              <span class="cmp-traveladvisory__inline"><p>in <b>Nepal </b>due to <b>civil unrest</b> and <b>landmines</b>.</p></span>
            </h2></div>
            <div class="cmp-traveladvisory__body-container-advisory">
              <div class="summary-text"><p><span>First   paragraph.</span></p><script>var x = 1;</script><ul><li>A <a href="#">link</a> item</li></ul></div>
            </div>
          </div>
        </div>
      </div>
      <div class="tsg-ta__history"><div class="tsg-ta__history-risks"><div class="cmp-traveladvisory__body-container">
        <ul class="pill-list"><li class="tsg-utility-risk-pill">Crime (C)</li></ul></div></div>
        <div class="tsg-ta__history-summary"><p>The advisory level decreased to 2.</p></div></div>
    </body></html>"##;

    #[test]
    fn current_layout_reads_every_field_and_ignores_history_pills() {
        let extracted = extract(CURRENT, &chain("state-dept")).expect("extracts");
        assert_eq!(extracted.profile, "state-dept-2025");
        let advisory = extracted.advisory;
        assert_eq!(advisory.level.number, 2);
        assert_eq!(advisory.level.label, "Exercise increased caution");
        assert_eq!(advisory.indicators, [Indicator::Unrest]);
        assert_eq!(advisory.reasons, ["landmines"]);
        assert_eq!(advisory.summary, "First paragraph.\n\nA link item");
        assert_eq!(advisory.issued, NaiveDate::from_ymd_opt(2026, 3, 31));
        assert_eq!(
            advisory.change_note.as_deref(),
            Some("The advisory level decreased to 2.")
        );
    }

    #[test]
    fn page_without_the_fields_names_each_selector_that_matched_nothing() {
        let failure = extract(
            "<html><body><h1>Service unavailable</h1></body></html>",
            &chain("state-dept"),
        )
        .expect_err("no advisory");
        assert_eq!(failure.attempts.len(), 2);
        let message = failure.to_string();
        assert!(
            message.contains("selector `.cmp-traveladvisory__header h3.travel-level` (level) in profile `state-dept-2025` matched nothing"),
            "{message}"
        );
        assert!(message.contains("profile `state-dept-legacy`"), "{message}");
    }

    #[test]
    fn a_page_that_lost_everything_is_suspect_but_a_real_downgrade_is_not() {
        let before = extract(CURRENT, &chain("state-dept"))
            .expect("extracts")
            .advisory;
        let mut broken = before.clone();
        broken.indicators.clear();
        broken.summary = "Menu".into();
        assert!(
            lost_too_much(&before, &broken).is_some_and(|m| m.contains("all 1 indicators gone"))
        );
        let mut downgraded = broken.clone();
        downgraded.level = Level::with_label(1, String::new());
        assert_eq!(lost_too_much(&before, &downgraded), None);
        let mut rewritten = before.clone();
        rewritten.summary = "Short.".into();
        assert_eq!(
            lost_too_much(&before, &rewritten),
            None,
            "indicators kept: a real rewrite"
        );
    }

    #[test]
    fn level_text_without_a_level_is_reported_as_such() {
        let page = r#"<div class="cmp-traveladvisory__header"><h3 class="travel-level">Travel advisory</h3></div>
            <div class="cmp-traveladvisory__body-container-advisory"><div class="summary-text">Text</div></div>"#;
        let failure = extract(page, &chain("state-dept-2025")).expect_err("no level");
        assert!(
            failure
                .to_string()
                .contains("matched \"Travel advisory\", which holds no level"),
            "{failure}"
        );
    }
}
