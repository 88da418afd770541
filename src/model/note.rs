//! What a publisher's change note claims: the indicators it says were added or removed, and the
//! level it says the advisory moved to. `diff` checks a change against it (`note_disagrees`).
//! Pure.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::advisory::Indicator;

/// What a publisher's change note says about indicators and the level ("The “unrest” and
/// “health” risk indicators were added", "Updated to add risk indicator for kidnapping", "The
/// advisory level was increased to 2", "There were no changes to the advisory level").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoteClaims {
    /// Indicators the note says were added.
    pub added: Vec<Indicator>,
    /// Indicators the note says were removed.
    pub removed: Vec<Indicator>,
    /// The level the note says the advisory moved to; `Some(None)` when it says the level did
    /// not change.
    pub level: Option<Option<u8>>,
}

impl NoteClaims {
    /// Whether the note claims anything checkable.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.level.is_none()
    }
}

/// Reads what a change note claims. Only indicators it names count: "changes to risk
/// indicators" claims nothing checkable.
pub fn note_claims(note: &str) -> NoteClaims {
    static QUOTED_CLAUSE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)([^.;]*?)\brisk\s+indicators?\s+(?:was|were|has been|have been)\s+(added|removed|deleted)")
            .expect("quoted clause")
    });
    static ADD_FOR: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(add|remove)(?:s|d|ed)?\s+(?:the\s+)?risk\s+indicators?\s+for\s+([a-z ,\-]+?)(?:[.;]|$)")
            .expect("add for")
    });
    static ADDITION_OF: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)\b(addition|removal)\s+of\s+(?:the\s+)?([a-z ,\-]+?)\s+(?:risk\s+)?indicators?",
        )
        .expect("addition of")
    });
    static LEVEL_MOVE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\blevel\s+(?:was\s+|has\s+been\s+)?(?:increased|raised|decreased|lowered|changed)\s+(?:from\s+[1-4]\s+)?to\s+(?:level\s+)?([1-4])")
            .expect("level move")
    });
    static NO_LEVEL_CHANGE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\bno\s+changes?\s+(?:to|in)\s+the\s+(?:travel\s+)?advisory\s+level")
            .expect("no level change")
    });
    let mut claims = NoteClaims::default();
    let push = |list: &str, added: bool, claims: &mut NoteClaims| {
        for word in split_list(&list.replace(['“', '”', '"', '\''], " ")) {
            let word = word.trim().to_lowercase();
            let word = word.trim_start_matches("the ").trim();
            if let Some(indicator) = Indicator::from_cause(word)
                .or_else(|| (word.eq_ignore_ascii_case("other")).then_some(Indicator::Other))
            {
                let target = if added {
                    &mut claims.added
                } else {
                    &mut claims.removed
                };
                if !target.contains(&indicator) {
                    target.push(indicator);
                }
            }
        }
    };
    for caps in QUOTED_CLAUSE.captures_iter(note) {
        let clause = caps[1].trim();
        // The clause's last sentence part: "The advisory level was increased to 2. The
        // “unrest” risk indicator" keeps "The “unrest”".
        let names = clause.rsplit(['.', ';']).next().unwrap_or(clause);
        push(names, caps[2].eq_ignore_ascii_case("added"), &mut claims);
    }
    for caps in ADD_FOR.captures_iter(note) {
        push(
            &caps[2],
            caps[1].to_lowercase().starts_with("add"),
            &mut claims,
        );
    }
    for caps in ADDITION_OF.captures_iter(note) {
        push(
            &caps[2],
            caps[1].eq_ignore_ascii_case("addition"),
            &mut claims,
        );
    }
    if let Some(caps) = LEVEL_MOVE.captures(note) {
        claims.level = Some(caps[1].parse().ok());
    } else if NO_LEVEL_CHANGE.is_match(note) {
        claims.level = Some(None);
    }
    claims
}

/// The items of a short list: "“unrest” and “health”", "kidnapping, terrorism".
fn split_list(list: &str) -> Vec<String> {
    list.split([',', ';'])
        .flat_map(|part| part.split(" and "))
        .flat_map(|part| part.split(" or "))
        .map(|part| part.trim().to_owned())
        .filter(|part| !part.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_change_note_claims() {
        let claims = note_claims(
            "There were no change to the advisory level. The “unrest” and “health” risk indicators were added. Advisory summary was updated.",
        );
        assert_eq!(claims.added, [Indicator::Unrest, Indicator::Health]);
        assert_eq!(claims.level, Some(None));
        let claims = note_claims(
            "The advisory level was increased to 2. The “unrest” risk indicator was added. An area of increased risk was added.",
        );
        assert_eq!(claims.added, [Indicator::Unrest]);
        assert_eq!(claims.level, Some(Some(2)));
        assert_eq!(
            note_claims("Updated to add risk indicator for kidnapping.").added,
            [Indicator::Kidnapping]
        );
        assert_eq!(
            note_claims("Reissued after addition of terrorism indicator.").added,
            [Indicator::Terrorism]
        );
        assert_eq!(
            note_claims(
                "There were no changes to the advisory level. The Other risk indicator was added."
            )
            .added,
            [Indicator::Other]
        );
        assert!(note_claims("Updated to reflect changes to risk indicators.").is_empty());
        assert!(note_claims("Reissued with obsolete COVID-19 page links removed.").is_empty());
    }
}
