//! The State Department's alert text: what an advisory says, read from its paragraphs.
//!
//! Every State Department rendering (the legacy page, the current page, the RSS feed's
//! description, a Markdown or plain-text capture) carries the same text: a publisher's change
//! note, guidance statements ("Reconsider travel to Colombia due to crime and terrorism.
//! Exercise increased caution due to civil unrest and kidnapping."), areas with a level of their
//! own ("Do not travel to: * Arauca ... due to crime"), and a summary. This module owns reading
//! that text, given as [`Block`]s, into a note, the country-wide causes (indicators and other
//! reasons), the areas and the summary. It is pure: how the blocks were cut out of HTML is
//! `extract`'s job, and comparing versions is `diff`'s.
//!
//! The rules, from real pages: causes come only from statements about the whole country (at any
//! tier), never from areas and never from the note; markup glued to words (`due to**crime**`)
//! and typos ("Exercise increase caution") are read as meant; qualified causes ("the risk of
//! kidnapping", "poor health infrastructure") map onto their indicator.
//!
//! Inside this folder, one way: this file reads the blocks and their statements; the place a
//! statement names is `target`'s, the list of its causes `causes`'; neither knows the other.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::advisory::{
    Area, Indicator, collapse_whitespace, parse_date, same_words, starts_with_ignore_case,
    strip_prefix_ignore_case,
};

mod causes;
mod target;

use causes::add_causes;
use target::{clean_target, is_whole_country, significant_words, split_target};

/// One paragraph of an alert text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Block {
    /// The paragraph's text, whitespace collapsed.
    pub text: String,
    /// The paragraph's leading emphasised (bold or italic) run, when it opens with one.
    pub lead: Option<String>,
    /// The paragraph is a list item.
    pub item: bool,
}

impl Block {
    /// A plain paragraph.
    pub fn plain(text: &str) -> Block {
        Block {
            text: collapse_whitespace(text),
            lead: None,
            item: false,
        }
    }
}

/// What an alert text says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertText {
    /// The publisher's change note.
    pub note: Option<String>,
    /// Indicators named by the statements about the whole country, in page order.
    pub indicators: Vec<Indicator>,
    /// Other causes of those statements, as the publisher wrote them, in page order.
    pub reasons: Vec<String>,
    /// The level of the first statement about the whole country ("Do not travel to Mali ..."
    /// is 4), when there is one.
    pub statement_level: Option<u8>,
    /// Areas with a level of their own.
    pub areas: Vec<Area>,
    /// The summary's paragraphs.
    pub summary: Vec<String>,
    /// The date a "Date issued:" line states.
    pub issued: Option<chrono::NaiveDate>,
    /// Whether a guidance statement, a summary label or a change note was found: a text with
    /// none of them is not a State Department advisory.
    pub found: bool,
}

/// The guidance phrases and their levels, typos included.
static GUIDANCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:(?:advisory\s+)?summary\s*:\s*)?(do\s+not\s+travel|reconsider\s+(?:your\s+)?travel|exercised?\s+(?:increased?|a\s+high\s+degree\s+of)\s+(?:caution|precautions?)|exercised?\s+normal\s+(?:caution|precautions?))\b",
    )
    .expect("guidance pattern")
});

/// The level a guidance phrase at the start of a sentence stands for, and where it ends.
fn guidance_at_start(sentence: &str) -> Option<(u8, usize)> {
    let caps = GUIDANCE.captures(sentence)?;
    let phrase = caps.get(1)?;
    let lower = phrase.as_str().to_lowercase();
    let level = if lower.starts_with("do") {
        4
    } else if lower.starts_with("reconsider") {
        3
    } else if lower.contains("normal") {
        1
    } else {
        2
    };
    Some((level, phrase.end()))
}

/// Reads an alert text. `country` is the advisory's country as the page or feed names it, to
/// tell statements about the whole country from statements about parts of it.
pub fn read(blocks: &[Block], country: Option<&str>) -> AlertText {
    let blocks = join_split_statements(blocks);
    let kinds: Vec<Kind> = blocks.iter().map(classify).collect();
    // The advisory starts at its first statement, area list or summary label, or at the note
    // right before it; text further up (a site's banner, a page header) is not the advisory.
    let anchor = kinds
        .iter()
        .position(|k| matches!(k, Kind::Statement | Kind::AreaIntro | Kind::Label(_)));
    let start = match anchor {
        Some(at) => (at.saturating_sub(2)..at)
            .find(|&i| kinds[i] == Kind::Note)
            .unwrap_or(at),
        None => kinds
            .iter()
            .position(|k| *k == Kind::Note)
            .unwrap_or_else(|| after_header(&blocks)),
    };
    let stop = kinds
        .iter()
        .skip(start)
        .position(|k| *k == Kind::Stop)
        .map_or(blocks.len(), |at| at + start);
    let label = (start..stop).find(|&i| matches!(kinds[i], Kind::Label(_)));

    // Statements: before the summary label; or, where the label comes first (the current
    // layout), the statements that open the summary.
    let mut statement_blocks: Vec<usize> = match label {
        Some(at) => (start..at)
            .filter(|&i| kinds[i] == Kind::Statement)
            .collect(),
        None => (start..stop)
            .filter(|&i| kinds[i] == Kind::Statement)
            .collect(),
    };
    if statement_blocks.is_empty()
        && let Some(at) = label
    {
        let label_rest = matches!(&kinds[at], Kind::Label(rest) if !rest.is_empty());
        let first = if label_rest { at } else { at + 1 };
        statement_blocks = (first..stop)
            .take_while(|&i| i == at || kinds[i] == Kind::Statement)
            .filter(|&i| {
                statement_sentences(&label_free(&blocks[i], &kinds[i]))
                    .next()
                    .is_some()
            })
            .collect();
    }
    if label.is_none() {
        // Without a label, only the leading run of statements counts; a statement deep in the
        // text is part of the summary.
        if let Some(&first) = statement_blocks.first() {
            let mut run = vec![first];
            let mut i = first + 1;
            while i < stop && matches!(kinds[i], Kind::Statement | Kind::AreaIntro | Kind::Other) {
                if kinds[i] == Kind::Statement {
                    run.push(i);
                } else if kinds[i] == Kind::Other && !blocks[i].item {
                    break;
                }
                i += 1;
            }
            statement_blocks = run;
        }
    }

    let mut out = AlertText {
        note: find_note(&blocks, &kinds, start, label.unwrap_or(stop)),
        issued: blocks[..label.unwrap_or(stop)]
            .iter()
            .find(|b| starts_with_ignore_case(&b.text, "date issued"))
            .and_then(|b| parse_date(&b.text)),
        ..AlertText::default()
    };
    let country_words = country.map(significant_words).unwrap_or_default();
    let own = country
        .map(crate::model::country::countries_of)
        .unwrap_or_default();
    for &i in &statement_blocks {
        let text = label_free(&blocks[i], &kinds[i]);
        let text = strip_note_prefix(&text, out.note.as_deref());
        read_statements(&text, (&country_words, &own), &blocks, i, false, &mut out);
    }
    // Areas: lists introduced by "Do not travel to:", and statements about parts anywhere in
    // the text ("Exercise increased caution in Karlovac and Lika-Senj counties due to ...").
    for i in start..stop {
        if statement_blocks.contains(&i) {
            continue;
        }
        match kinds[i] {
            Kind::AreaIntro => {
                let country = (country_words.as_slice(), own.as_slice());
                read_statements(&blocks[i].text, country, &blocks, i, false, &mut out);
            }
            Kind::Statement => {
                let country = (country_words.as_slice(), own.as_slice());
                read_statements(&blocks[i].text, country, &blocks, i, true, &mut out);
            }
            _ => {}
        }
    }

    // The summary: from the label (its own text included) to the stop; without a label, what
    // follows the statements.
    let summary_from = match label {
        Some(at) => at,
        None => statement_blocks
            .last()
            .map_or(start, |&i| skip_area_lists(&blocks, &kinds, i + 1, stop)),
    };
    for i in summary_from..stop {
        let text = match &kinds[i] {
            Kind::Label(rest) => rest.clone(),
            Kind::Note if i < summary_from + 1 && out.note.is_some() => continue,
            _ => blocks[i].text.clone(),
        };
        if i == summary_from && label.is_none() && out.note.as_deref().is_some_and(|n| n == text) {
            continue;
        }
        if !text.is_empty() {
            out.summary.push(text);
        }
    }
    // The current layout's risk pills ("Unrest (U)"), listed before the statement, win over
    // the statement's words.
    let pills: Vec<Indicator> = blocks[..anchor.unwrap_or(0)]
        .iter()
        .filter(|b| b.item)
        .filter_map(|b| pill(&b.text))
        .fold(Vec::new(), |mut all, i| {
            if !all.contains(&i) {
                all.push(i);
            }
            all
        });
    if !pills.is_empty() {
        out.indicators = pills;
    }
    out.found = out.statement_level.is_some()
        || !statement_blocks.is_empty()
        || label.is_some()
        || out.note.is_some()
        || blocks[..start].iter().any(|b| is_level_line(&b.text));
    out
}

/// Areas with a level of their own named by statements anywhere in some paragraphs ("Exercise
/// increased caution in Karlovac and Lika-Senj counties due to landmines."), for profiles that
/// name no alert text.
pub fn areas_in(paragraphs: &[String], country: Option<&str>) -> Vec<Area> {
    let blocks: Vec<Block> = paragraphs.iter().map(|p| Block::plain(p)).collect();
    let country_words = country.map(significant_words).unwrap_or_default();
    let own = country
        .map(crate::model::country::countries_of)
        .unwrap_or_default();
    let mut out = AlertText::default();
    for (i, block) in blocks.iter().enumerate() {
        read_statements(
            &block.text,
            (&country_words, &own),
            &blocks,
            i,
            true,
            &mut out,
        );
    }
    out.areas
}

/// An indicator pill: "Unrest (U)", "Wrongful Detention (D)".
fn pill(text: &str) -> Option<Indicator> {
    static PILL: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z \-]{1,40}\(([A-Z])\)$").expect("pill"));
    PILL.is_match(text.trim())
        .then(|| Indicator::from_page_text(text))
        .flatten()
}

/// Where a text with no note, statement or label begins: after its level heading ("North
/// Macedonia - Level 1: Exercise Normal Precautions") and the badge letters that follow it.
fn after_header(blocks: &[Block]) -> usize {
    static BADGES: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[ODKENHUTC](?:\s+[ODKENHUTC])*$").expect("badges"));
    let Some(level_line) = blocks.iter().position(|b| is_level_line(&b.text)) else {
        return 0;
    };
    let mut at = level_line + 1;
    while blocks.get(at).is_some_and(|b| BADGES.is_match(&b.text)) {
        at += 1;
    }
    at
}

/// What a block is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// The publisher's change note.
    Note,
    /// Holds a guidance statement.
    Statement,
    /// Introduces a list of areas ("Do not travel to:").
    AreaIntro,
    /// "Country Summary:" with the text that follows it in the same block.
    Label(String),
    /// Ends the alert text ("If you decide to travel to Mali:").
    Stop,
    /// Anything else.
    Other,
}

static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:country\s+summary|advisory\s+summ?ary|summary)\s*:?\s*").expect("label")
});

fn classify(block: &Block) -> Kind {
    let text = block.text.as_str();
    let lower = text.to_lowercase();
    if lower.starts_with("if you decide to travel") || lower.starts_with("for u.s. citizens in ") {
        return Kind::Stop;
    }
    if let Some(m) = LABEL.find(text) {
        let rest = text[m.end()..].trim().to_owned();
        // "Summary: Exercise increased caution ..." is a statement with a label in front.
        let is_label = m.as_str().trim_end().ends_with(':')
            || rest.is_empty()
            || lower.starts_with("country summary")
            || lower.starts_with("advisory summ");
        if is_label {
            return Kind::Label(rest);
        }
    }
    if is_level_line(text) {
        return Kind::Other;
    }
    if statement_sentences(text).next().is_some() {
        let trimmed = text.trim_end();
        if trimmed.ends_with(':') && !lower.contains("due to ") {
            return Kind::AreaIntro;
        }
        if trimmed.ends_with(':') && area_target_of_intro(text) {
            return Kind::AreaIntro;
        }
        return Kind::Statement;
    }
    if SOME_AREAS.is_match(text) {
        return Kind::Statement;
    }
    if !block.item && is_note_like(block) {
        return Kind::Note;
    }
    Kind::Other
}

/// "Do not travel to these areas due to crime:" introduces areas.
fn area_target_of_intro(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.contains(" these areas") || lower.contains(" the following")
}

static SOME_AREAS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^some (?:areas|places)\b.{0,40}\b(?:increased|higher|greater) risks?")
        .expect("some areas")
});

/// "Mali - Level 4: Do Not Travel", "Level 2: Exercise Increased Caution": a heading, not a
/// statement.
fn is_level_line(text: &str) -> bool {
    static LEVEL_LINE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\blevel\s*[1-4]\s*[:\-\u{2013}\u{2014}]\s*(?:do\s+not\s+travel|reconsider\s+travel|exercise\s+\w+\s+(?:caution|precautions))\s*[.:]?\s*$")
            .expect("level line")
    });
    LEVEL_LINE.is_match(text) && text.len() < 200
}

static NOTE_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)^(?:re-?issued|updated?\b|there (?:were|was|are|is|has been|have been) no change|the advisory level|advisory level|the travel advisory level|level (?:increased|decreased|raised|lowered)|the\s+["“”']?[a-z ]+["“”']?\s+risk indicators?|risk indicators?|an? (?:new )?areas? of|added\b|removed\b|minor edits|this (?:travel )?advisory (?:was|has been|is)|advisory summary was updated)"#,
    )
    .expect("note start")
});

fn is_note_like(block: &Block) -> bool {
    let lead = block.lead.as_deref().unwrap_or("");
    let lead_is_note = !lead.is_empty()
        && guidance_at_start(lead).is_none()
        && LABEL.find(lead).is_none()
        && !is_level_line(lead)
        && !lead.trim_end().ends_with(':')
        && lead.split_whitespace().count() >= 3;
    lead_is_note || NOTE_START.is_match(&block.text)
}

/// The note: the first note-like block near the top, up to any guidance sentence in it; a
/// statement block may open with the note ("**Reissued.** Exercise ..."). After the first
/// statement only a block worded as a note counts (seed 003 repeats its statement around the
/// note); an emphasised paragraph there is a heading of the summary.
fn find_note(blocks: &[Block], kinds: &[Kind], start: usize, end: usize) -> Option<String> {
    if start >= end.min(blocks.len()) {
        return None;
    }
    let block = &blocks[start];
    match kinds[start] {
        Kind::Note => clean_note(&note_text(block)),
        Kind::Statement => {
            let prefix = text_before_guidance(&block.text);
            let lead_is_prefix = block.lead.as_deref().is_some_and(|lead| {
                lead.split_whitespace().count() >= 3
                    && prefix.starts_with(lead.trim_end_matches('.'))
            });
            if !prefix.is_empty()
                && prefix.len() < block.text.len()
                && (lead_is_prefix || NOTE_START.is_match(&prefix))
            {
                return clean_note(&prefix);
            }
            // Seed 003: the statement, then the note worded as one.
            let next = start + 1;
            (next < end.min(blocks.len())
                && kinds[next] == Kind::Note
                && NOTE_START.is_match(&blocks[next].text))
            .then(|| clean_note(&note_text(&blocks[next])))
            .flatten()
        }
        _ => None,
    }
}

/// A note block's note: its text up to a guidance sentence or a summary label.
fn note_text(block: &Block) -> String {
    let text = text_before_guidance(&block.text);
    if let Some(lead) = block.lead.as_deref()
        && text.len() > lead.len()
        && text.starts_with(lead)
        && LABEL.is_match(text[lead.len()..].trim_start())
    {
        return lead.to_owned();
    }
    text
}

fn clean_note(note: &str) -> Option<String> {
    let note = collapse_whitespace(note.trim_matches(|c: char| c == '*' || c.is_whitespace()));
    (!note.is_empty()).then_some(note)
}

/// The text of a block before its first sentence that opens with a guidance phrase.
fn text_before_guidance(text: &str) -> String {
    for (at, sentence) in sentences(text) {
        if guidance_at_start(sentence).is_some() {
            return text[..at].trim().to_owned();
        }
    }
    text.trim().to_owned()
}

fn strip_note_prefix(text: &str, note: Option<&str>) -> String {
    match note {
        Some(note) if text.starts_with(note) => text[note.len()..]
            .trim_start_matches(|c: char| c == '.' || c == '*' || c.is_whitespace())
            .to_owned(),
        _ => text.to_owned(),
    }
}

/// A block's text without its summary label.
fn label_free(block: &Block, kind: &Kind) -> String {
    match kind {
        Kind::Label(rest) => rest.clone(),
        _ => block.text.clone(),
    }
}

/// After the statements, the area lists that follow them ("Do not travel to:" and its items).
fn skip_area_lists(blocks: &[Block], kinds: &[Kind], from: usize, stop: usize) -> usize {
    let mut i = from;
    let mut in_list = false;
    while i < stop {
        match kinds[i] {
            Kind::AreaIntro => in_list = true,
            _ if blocks[i].item && in_list => {}
            _ => break,
        }
        i += 1;
    }
    i
}

/// Joins a block that is only a guidance phrase with the block that continues it: the current
/// layout and the feed split "Exercise increased caution" from "in Mexico due to ...".
fn join_split_statements(blocks: &[Block]) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len());
    let mut i = 0;
    while i < blocks.len() {
        let block = &blocks[i];
        if let Some((_, end)) = guidance_at_start(&block.text)
            && block.text.trim_end_matches([' ', '.']).len() == end
            && let Some(next) = blocks.get(i + 1)
        {
            let lower = next.text.to_lowercase();
            if ["in ", "to ", "when ", "due to", "for ", "traveling "]
                .iter()
                .any(|p| lower.starts_with(p))
            {
                out.push(Block {
                    text: format!("{} {}", block.text.trim_end(), next.text),
                    lead: block.lead.clone(),
                    item: false,
                });
                i += 2;
                continue;
            }
        }
        out.push(block.clone());
        i += 1;
    }
    out
}

/// The sentences of a text with their byte offsets. A full stop ends a sentence before a space
/// or before a capital that starts a word ("gangs.Some areas"), but not in "U.S." or "D.C.".
fn sentences(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut cuts = Vec::new();
    let mut begin = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if matches!(b, b'.' | b'!' | b'?' | b';') {
            let next = bytes.get(i + 1).copied();
            let after = bytes.get(i + 2).copied();
            let abbreviation = b == b'.'
                && i >= 1
                && bytes[i - 1].is_ascii_uppercase()
                && (i < 2 || !bytes[i - 2].is_ascii_alphabetic());
            let ends = match next {
                None => true,
                Some(b' ') => !abbreviation,
                Some(n) if n.is_ascii_uppercase() => {
                    !abbreviation && after.is_some_and(|a| a.is_ascii_lowercase())
                }
                _ => false,
            };
            if ends {
                cuts.push((begin, i + 1));
                begin = i + 1;
            }
        }
        i += 1;
    }
    if begin < bytes.len() {
        cuts.push((begin, bytes.len()));
    }
    cuts.into_iter().filter_map(move |(from, to)| {
        let raw = &text[from..to];
        let trimmed = raw.trim_start();
        let offset = from + (raw.len() - trimmed.len());
        (!trimmed.trim().is_empty()).then_some((offset, trimmed))
    })
}

/// The sentences of a text that are guidance statements.
fn statement_sentences(text: &str) -> impl Iterator<Item = &str> {
    sentences(text)
        .map(|(_, s)| s)
        .filter(|s| guidance_at_start(s).is_some() && !is_level_line(s))
}

/// Reads every statement of a block: causes of country-wide ones into `out`, the others as
/// areas. A statement ending in ":" takes the list items that follow as its areas, or as its
/// causes ("Do not travel to Russia due to:"). `country` is the advisory's country as words and
/// as the table's countries (none when unknown): a statement whose object is another country
/// ("Reconsider travel to Ukraine" on another country's page) is that country's, and is left
/// out.
fn read_statements(
    text: &str,
    (country_words, own): (&[String], &[&crate::model::country::Country]),
    blocks: &[Block],
    at_block: usize,
    areas_only: bool,
    out: &mut AlertText,
) {
    let mut in_statement_block = false;
    let all: Vec<&str> = sentences(text).map(|(_, sentence)| sentence).collect();
    for (index, &sentence) in all.iter().enumerate() {
        if let Some((level, end)) = guidance_at_start(sentence) {
            in_statement_block = true;
            let rest = sentence[end..].trim();
            let (target, causes) = split_target(rest);
            // "Exercise increased caution while traveling to Moldova. This is due to ...": the
            // causes in the next sentence are this statement's.
            let causes = causes.or_else(|| {
                all.get(index + 1).and_then(|next| {
                    let next = next.trim();
                    ["This is due to ", "This is because of "]
                        .iter()
                        .find_map(|lead| strip_prefix_ignore_case(next, lead))
                        .map(|rest| rest.trim().to_owned())
                })
            });
            // A list follows a statement that ends in ":", or one that ends its block with no
            // full stop right before list items ("... due to other factors in").
            let trimmed = sentence.trim_end();
            let list_follows = trimmed.ends_with(':')
                || (text.trim_end().ends_with(trimmed)
                    && !trimmed.ends_with(['.', '!', '?'])
                    && blocks.get(at_block + 1).is_some_and(|b| b.item));
            let target_clean = clean_target(&target);
            if crate::model::country::is_elsewhere(&target_clean, own) {
                continue;
            }
            let whole_country = is_whole_country(&target_clean, country_words);
            let mut cause_text = causes.unwrap_or_default();
            // "Exercise increased caution due to crime in these departments:" and a list.
            let lower_causes = cause_text.to_lowercase();
            static IN_LIST: LazyLock<Regex> = LazyLock::new(|| {
                Regex::new(r"(?i)\s+in(?:\s+(?:these|the following)(?:\s+[a-z]+)?)?\s*:?\s*$")
                    .expect("in list")
            });
            if list_follows && let Some(m) = IN_LIST.find(&lower_causes) {
                let at = m.start();
                let intro_causes = cause_text[..at].to_owned();
                for item in following_items(blocks, at_block) {
                    push_area(&item, level, &intro_causes, &mut out.areas);
                }
                continue;
            }
            if whole_country && areas_only {
                continue;
            }
            if whole_country && list_follows && cause_text.trim_end_matches(':').trim().is_empty() {
                // "Do not travel to Russia due to:" and a list of causes.
                cause_text = following_items(blocks, at_block).join(", ");
            }
            if whole_country && (!list_follows || !cause_text.is_empty()) {
                if out.statement_level.is_none() {
                    out.statement_level = Some(level);
                }
                add_causes(&cause_text, &mut out.indicators, &mut out.reasons);
            } else if list_follows {
                let intro_causes = cause_text.trim_end_matches(':').trim().to_owned();
                for item in following_items(blocks, at_block) {
                    push_area(&item, level, &intro_causes, &mut out.areas);
                }
            } else if !target_clean.is_empty() {
                let mut reasons = Vec::new();
                let mut indicators = Vec::new();
                add_causes(&cause_text, &mut indicators, &mut reasons);
                let mut all: Vec<String> = indicators
                    .iter()
                    .filter(|i| **i != Indicator::Other)
                    .map(|i| i.human().to_owned())
                    .collect();
                all.extend(reasons);
                let name = strip_prefix_ignore_case(&target_clean, "the ")
                    .unwrap_or(&target_clean)
                    .to_owned();
                if !Area::is_fragment(&name)
                    && !out.areas.iter().any(|a| same_words(&a.name, &name))
                {
                    out.areas.push(Area {
                        name,
                        level,
                        reasons: all,
                    });
                }
            }
        } else if in_statement_block
            && !areas_only
            && let Some(rest) = strip_prefix_ignore_case(sentence.trim(), "consider ")
        {
            // "Some areas have increased risk. Consider crime and limited medical services."
            add_causes(rest, &mut out.indicators, &mut out.reasons);
        } else if SOME_AREAS.is_match(sentence) {
            in_statement_block = true;
        }
    }
}

/// The list items right after block `at`.
fn following_items(blocks: &[Block], at: usize) -> Vec<String> {
    blocks[at + 1..]
        .iter()
        .take_while(|b| b.item)
        .map(|b| b.text.clone())
        .collect()
}

/// An area from a list item: "Arauca and Cauca departments due to crime and terrorism."
fn push_area(item: &str, level: u8, intro_causes: &str, areas: &mut Vec<Area>) {
    let lower = item.to_lowercase();
    let (name, causes) = match lower.find(" due to") {
        Some(at) => (
            item[..at].to_owned(),
            item[at + " due to".len()..].to_owned(),
        ),
        None => (item.to_owned(), intro_causes.to_owned()),
    };
    let name = collapse_whitespace(name.trim().trim_end_matches([',', '.', ':']));
    if name.len() > 200 || Area::is_fragment(&name) {
        return;
    }
    let mut indicators = Vec::new();
    let mut reasons = Vec::new();
    add_causes(&causes, &mut indicators, &mut reasons);
    let mut all: Vec<String> = indicators
        .iter()
        .filter(|i| **i != Indicator::Other)
        .map(|i| i.human().to_owned())
        .collect();
    all.extend(reasons);
    if !areas.iter().any(|a| same_words(&a.name, &name)) {
        areas.push(Area {
            name,
            level,
            reasons: all,
        });
    }
}

#[cfg(test)]
mod tests;
