//! The causes of a statement ("crime, terrorism, and kidnapping"): the list cut into causes,
//! each mapped onto an indicator or kept as another reason in the publisher's words. Pure; the
//! statements themselves are `alert`'s.

use crate::model::advisory::{Indicator, push_new_words, strip_prefix_ignore_case};

/// Splits a cause list ("crime, terrorism, and kidnapping") and sorts each cause into an
/// indicator or another reason.
pub(super) fn add_causes(list: &str, indicators: &mut Vec<Indicator>, reasons: &mut Vec<String>) {
    for cause in split_causes(list) {
        let indicator = Indicator::from_cause(&cause);
        // A cause no named indicator covers is the Other indicator, and is kept as a reason
        // in the publisher's words (matching folds case, `same_words`; what is shown does
        // not): it is never dropped. "Other risks" itself names the indicator only.
        if matches!(indicator, None | Some(Indicator::Other)) && !names_other(&cause) {
            push_new_words(reasons, cause);
        }
        let indicator = indicator.unwrap_or(Indicator::Other);
        if !indicators.contains(&indicator) {
            indicators.push(indicator);
        }
    }
}

/// Whether a cause is the name of the Other indicator itself ("other risks").
fn names_other(cause: &str) -> bool {
    let lower = cause.trim().to_lowercase();
    lower == "other"
        || ["other risk", "other factor", "other danger", "other hazard"]
            .iter()
            .any(|p| lower.starts_with(p))
}

/// The causes of a list, cut at commas and "and" outside parentheses, up to the end of the
/// sentence.
fn split_causes(list: &str) -> Vec<String> {
    let list = list.trim();
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    let mut chars = list.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' | ';' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            ' ' if depth == 0 => {
                let rest = &list[at..];
                let lower = rest.get(..6).map(str::to_lowercase).unwrap_or_default();
                if lower.starts_with(" and ") && !and_inside_cause(&current) {
                    parts.push(std::mem::take(&mut current));
                    chars.nth(3);
                    continue;
                }
                if rest.to_lowercase().starts_with(" as well as ") {
                    parts.push(std::mem::take(&mut current));
                    for _ in 0..10 {
                        chars.next();
                    }
                    continue;
                }
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    // "arbitrary enforcement of local laws, including in relation to exit bans" is one cause.
    let mut joined: Vec<String> = Vec::with_capacity(parts.len());
    for part in parts {
        let lower = part.trim().to_lowercase();
        let qualifies = [
            "including ",
            "such as ",
            "especially ",
            "particularly ",
            "notably ",
        ]
        .iter()
        .any(|w| lower.starts_with(w));
        match joined.last_mut() {
            Some(previous) if qualifies => {
                previous.push(',');
                previous.push_str(&part);
            }
            _ => joined.push(part),
        }
    }
    joined
        .into_iter()
        .filter_map(|p| {
            let p = p.trim();
            let p = strip_prefix_ignore_case(p, "and ").unwrap_or(p);
            let p = strip_prefix_ignore_case(p, "or ").unwrap_or(p);
            let p = p
                .trim_start_matches(|c: char| !c.is_alphanumeric() && c != '(')
                .trim_end_matches(|c: char| {
                    matches!(c, '.' | ':' | ',' | ';' | '*' | ' ' | '"' | '”')
                })
                .trim();
            let p = balance_parentheses(p);
            (!p.is_empty() && p.len() < 200).then_some(p)
        })
        .collect()
}

/// Whether the "and" that follows `before` joins the two members of a "between" ("ongoing
/// fighting between Cambodian and Thai military forces", "the continuing war between Russia and
/// Ukraine") rather than two causes: "between" always takes two. Other "and"s inside one cause
/// ("the threat of missile and drone attacks") cannot be told from a list of two ("the risk of
/// arrest and long-term detention") by grammar alone, so they are still cut.
fn and_inside_cause(before: &str) -> bool {
    let before = before.to_lowercase();
    let words: Vec<&str> = before.split_whitespace().collect();
    words
        .iter()
        .rposition(|w| *w == "between")
        .is_some_and(|at| at + 1 < words.len() && !words[at + 1..].contains(&"and"))
}

/// Drops a closing parenthesis that has no opening one; keeps balanced ones.
fn balance_parentheses(text: &str) -> String {
    let opens = text.matches('(').count();
    let closes = text.matches(')').count();
    if closes > opens {
        text.trim_end_matches(')').trim().to_owned()
    } else {
        text.to_owned()
    }
}
