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
    /// What the note says of the whole country's level, when it says anything.
    pub level: Option<LevelClaim>,
}

/// What a change note says of the level of the whole country.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelClaim {
    /// "There were no changes to the advisory level."
    Unchanged,
    /// "The advisory level was increased to Level 3", "raised from Level 2 to Level 3",
    /// "Updated to reflect change to Travel Advisory Level 3."
    MovedTo(u8),
    /// A move with no level named: "Reissued after periodic review with a change in level."
    Moved,
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
    claims.level = level_claim(note);
    claims
}

/// What a note says of the whole country's level: the first sentence that says anything, and
/// nothing from a sentence about parts ("Updated to reflect lower travel advisory level for some
/// provinces in Thailand", "area-specific Level 3 advisory for the border with Eritrea").
fn level_claim(note: &str) -> Option<LevelClaim> {
    // "from Level 3 to Level 1", "Level Change from 1 to a 2", "from a Level 3 to a Level 2",
    // "level from level 1 to level 2", "raised from Level 2 to Level 3".
    static FROM_TO: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)(?:\blevel(?:\s+change)?\s+from\s+(?:an?\s+)?(?:level\s+)?|\bfrom\s+(?:an?\s+)?level\s+)[1-4]\s+to\s+(?:an?\s+)?(?:level\s+)?([1-4])\b",
        )
        .expect("from to")
    });
    // "The advisory level was increased to 2", "Level increased to 4", "The advisory level
    // decreased to 2", "was lowered to Level 3".
    static LEVEL_VERB_TO: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)\blevel\s+(?:was\s+|has\s+been\s+|is\s+)?(?:increased|raised|decreased|lowered|changed|moved)\s+to\s+(?:an?\s+)?(?:level\s+)?([1-4])\b",
        )
        .expect("level verb to")
    });
    // "change to Travel Advisory Level 3", "a shift to Level 2", "Updated to a Level 3".
    static MOVE_TO_LEVEL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)\b(?:change|shift|move|updated|increased|raised|decreased|lowered)\s+to\s+(?:an?\s+)?(?:(?:the\s+)?(?:overall\s+)?travel\s+advisory\s+)?level\s+([1-4])\b",
        )
        .expect("move to level")
    });
    // "a change in level", "changes to the Travel Advisory level", "Level increased".
    static MOVED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)\b(?:changes?|shift)\s+(?:in|to)\s+(?:the\s+)?(?:overall\s+)?(?:travel\s+)?(?:advisory\s+)?level\b|\blevel\s+(?:was\s+|has\s+been\s+)?(?:increased|raised|decreased|lowered|changed)\b",
        )
        .expect("moved")
    });
    static NO_LEVEL_CHANGE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\bno\s+changes?\s+(?:to|in)\s+the\s+(?:travel\s+)?advisory\s+level")
            .expect("no level change")
    });
    static PARTS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(?:areas?|area-specific|provinces?|regions?|districts?|states|parts?|for\s+some)\b")
            .expect("parts")
    });
    for sentence in note.split(['.', ';']) {
        if NO_LEVEL_CHANGE.is_match(sentence) {
            return Some(LevelClaim::Unchanged);
        }
        if PARTS.is_match(sentence) {
            continue;
        }
        let named = [&FROM_TO, &LEVEL_VERB_TO, &MOVE_TO_LEVEL]
            .iter()
            .find_map(|pattern| pattern.captures(sentence))
            .and_then(|caps| caps[1].parse().ok());
        if let Some(to) = named {
            return Some(LevelClaim::MovedTo(to));
        }
        if MOVED.is_match(sentence) {
            return Some(LevelClaim::Moved);
        }
    }
    None
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
        assert_eq!(claims.level, Some(LevelClaim::Unchanged));
        let claims = note_claims(
            "The advisory level was increased to 2. The “unrest” risk indicator was added. An area of increased risk was added.",
        );
        assert_eq!(claims.added, [Indicator::Unrest]);
        assert_eq!(claims.level, Some(LevelClaim::MovedTo(2)));
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

    /// Every wording of a level move in the corpus's notes (us/manifest.csv, us_rss/items.csv,
    /// the Nepal page's history), and the issue's own examples.
    #[test]
    fn what_a_change_note_says_of_the_level() {
        use LevelClaim::*;
        for (note, expected) in [
            (
                "The advisory level was increased to 2. The “unrest” risk indicator was added. An area of increased risk was added. The advisory summary was updated.",
                Some(MovedTo(2)),
            ),
            (
                "The advisory level was increased to Level 3. There were no changes to the risk indicators. Advisory summary was updated.",
                Some(MovedTo(3)),
            ),
            (
                "The advisory level decreased to 2. Advisory Summary was updated.",
                Some(MovedTo(2)),
            ),
            ("Level increased to 4", Some(MovedTo(4))),
            (
                "The advisory level was lowered to Level 3",
                Some(MovedTo(3)),
            ),
            (
                "The advisory level was raised from Level 2 to Level 3.",
                Some(MovedTo(3)),
            ),
            (
                "Updated to reflect lowering the Travel Advisory Level from Level 3 to Level 1 due to ongoing recovery efforts and removal of the Natural Disaster (N) indicator.",
                Some(MovedTo(1)),
            ),
            (
                "Updated to reflect change in Travel Advisory from a Level 3 to a Level 2 and removing the “E” (time-limited event) indicator related to the catastrophic 2023 fuel depot explosion and its after-effects.",
                Some(MovedTo(2)),
            ),
            (
                "Updated to reflect Travel Advisory Level Change from 1 to a 2 due to Terrorism, Crime, Civil Unrest, and Kidnapping.",
                Some(MovedTo(2)),
            ),
            (
                "Reissued after periodic review with changes to overall Travel Advisory level from level 1 to level 2 due to an increase in crime.",
                Some(MovedTo(2)),
            ),
            (
                "Updated to reflect the Ordered Departure of non-emergency U.S. government employees and eligible family members and overall Travel Advisory Level from 3 to 4.",
                Some(MovedTo(4)),
            ),
            (
                "Updated to reflect change in overall travel advisory level from 3 to 2 due to decrease of election related protests, and addition of Niassa Special Reserve to Do Not Travel section.",
                Some(MovedTo(2)),
            ),
            (
                "Updated to reflect change to Travel Advisory Level 3.",
                Some(MovedTo(3)),
            ),
            (
                "Updated to a Level 3 due to infrastructure damage from an earthquake.",
                Some(MovedTo(3)),
            ),
            (
                "Updated to reflect a shift to Level 2 “Exercise increased caution” for Mainland China.",
                Some(MovedTo(2)),
            ),
            (
                "Reissued after periodic review with a change in level.",
                Some(Moved),
            ),
            (
                "Updated to reflect a change in Travel Advisory level.",
                Some(Moved),
            ),
            (
                "Updated due to change in travel advisory level to reflect changes in crime.",
                Some(Moved),
            ),
            (
                "Updated due to changes to the Travel Advisory level, U.S. government restrictions on personnel, and information on armed conflict in North and South Kivu.",
                Some(Moved),
            ),
            (
                "There was no change to the advisory level. The \"Other” risk indicator was added. Advisory summary was updated.",
                Some(Unchanged),
            ),
            (
                "Reissued Language: There were no changes to the advisory level or risk indicators. Advisory summary was updated.",
                Some(Unchanged),
            ),
            (
                "There were no changes to the advisory level. An area of increased risk was added. Advisory summary was updated.",
                Some(Unchanged),
            ),
            // About parts, not the whole country.
            (
                "Updated to reflect lower travel advisory level for some provinces in Thailand.",
                None,
            ),
            (
                "Updated to remove Crime indicator and to include area-specific Level 3 advisory for the border with Eritrea.",
                None,
            ),
            (
                "Updated to remove the Level 4: Do Not Travel area near the border with Burundi and to reflect changes to the Level 4: Do Not Travel areas near the border with the Democratic Republic of the Congo.",
                None,
            ),
            (
                "Reissued to update information to high-risk areas, country summary, and the “If you decide to travel” section, and Level 4 “Do Not Travel” areas.",
                None,
            ),
            ("Reissued after periodic review with minor edits.", None),
        ] {
            assert_eq!(note_claims(note).level, expected, "{note}");
        }
    }
}
