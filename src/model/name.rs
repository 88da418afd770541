//! What may name a source, and the one-line form of text that names or heads something.
//!
//! One rule for every source's name, configured or derived from a feed: letters, digits, `-`,
//! `_` and `.` (and `/` only between a feed's name and its country's key), no leading `-`, no
//! `..`, at most [`NAME_LIMIT`] characters. A feed's text becomes a name only through
//! [`child_key`] and [`one_line_bounded`]: control characters and line breaks become spaces,
//! and a name derived from a feed is cut at [`DERIVED_NAME_LIMIT`] characters, so a hostile
//! title can neither forge a line of output nor make a megabyte-long name. Pure.

use std::borrow::Cow;

/// The most characters a configured source's name (or a feed country's key) may have.
pub const NAME_LIMIT: usize = 100;

/// The most characters a name taken from a document (a feed item's country) keeps.
pub const DERIVED_NAME_LIMIT: usize = 200;

/// Why `name` cannot name a configured source, if it cannot. A feed's countries are named
/// `<feed>/<key>`, so `/` is refused here.
pub fn check_source_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("it is empty".into());
    }
    let count = name.chars().count();
    if count > NAME_LIMIT {
        return Err(format!("it has {count} characters, more than {NAME_LIMIT}"));
    }
    if let Some(bad) = name.chars().find(|c| !is_name_char(*c)) {
        return Err(if bad == '/' {
            "`/` is only for a feed's countries (`<feed>/<country>`)".to_owned()
        } else {
            format!("it holds {bad:?}")
        });
    }
    if name.starts_with('-') {
        return Err("it starts with `-`, which reads as an option on the command line".into());
    }
    if name.contains("..") {
        return Err("it holds `..`".into());
    }
    Ok(())
}

/// The rule [`check_source_name`] applies, in words, for error messages.
pub const NAME_RULE: &str = "a source's name has letters, digits, `-`, `_` and `.` only, does not start with `-`, holds no `..` and has at most 100 characters, like \"us-mali\"";

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// A feed or index item's key as the last part of its source's name (`<feed>/<key>`): the
/// characters a name may hold kept, every other run turned into one `-`, `..` made `.`, no
/// leading `-` or `.`, at most [`NAME_LIMIT`] characters. A key that keeps nothing becomes
/// `item-` and a hash of the raw key. The keys the readers make (`mali`, `burma-myanmar`,
/// `äthiopien`, `ml`) come out as they went in.
pub fn child_key(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len().min(NAME_LIMIT * 4));
    for c in raw.chars() {
        let c = if is_name_char(c) { c } else { '-' };
        let repeated = (c == '-' && out.ends_with('-')) || (c == '.' && out.ends_with('.'));
        if !repeated {
            out.push(c);
        }
    }
    let trimmed = out.trim_start_matches(['-', '.']);
    let cut = bounded_chars(trimmed, NAME_LIMIT).trim_end_matches(['-', '.']);
    if cut.is_empty() {
        format!("item-{:016x}", xxhash_rust::xxh3::xxh3_64(raw.as_bytes()))
    } else {
        cut.to_owned()
    }
}

/// Whether `c` breaks a line, controls a terminal or reorders what follows it: every control
/// character (C0, DEL, C1), the Unicode line and paragraph separators, and the bidirectional
/// embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), with which a name could
/// show its text backwards or spill its direction onto the rest of a line.
fn breaks_a_line(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` as one line: every control character and line break becomes a space, and runs of
/// whitespace one space, trimmed. Borrowed when it already is one.
pub fn one_line(text: &str) -> Cow<'_, str> {
    let clean = !text.chars().any(breaks_a_line) && !text.contains("  ") && text.trim() == text;
    if clean {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| breaks_a_line(c) || c.is_whitespace()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    Cow::Owned(out)
}

/// The first `limit` characters of `text` (cut on a character boundary).
fn bounded_chars(text: &str, limit: usize) -> &str {
    match text.char_indices().nth(limit) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// `text` cut to at most `limit` characters, the last of them `…` when it was cut.
pub fn bounded(text: &str, limit: usize) -> Cow<'_, str> {
    match text.char_indices().nth(limit) {
        None => Cow::Borrowed(text),
        Some(_) => {
            let keep = bounded_chars(text, limit.saturating_sub(1));
            Cow::Owned(format!("{}…", keep.trim_end()))
        }
    }
}

/// `text` as one line of at most `limit` characters: what a name, a headline or a subject
/// line is made of.
pub fn one_line_bounded(text: &str, limit: usize) -> Cow<'_, str> {
    match one_line(text) {
        Cow::Borrowed(line) => bounded(line, limit),
        Cow::Owned(line) => Cow::Owned(bounded(&line, limit).into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_rule() {
        for good in ["us-mali", "fcdo_2", "a.b", "äthiopien", "x"] {
            assert_eq!(check_source_name(good), Ok(()), "{good}");
        }
        let long = "a".repeat(101);
        for (bad, why) in [
            ("", "empty"),
            ("..", "`..`"),
            ("a..b", "`..`"),
            ("-rf", "starts with `-`"),
            ("us mali", "' '"),
            ("us/mali", "`/` is only"),
            ("a\nb", "'\\n'"),
            (long.as_str(), "101 characters"),
        ] {
            let message = check_source_name(bad).expect_err(bad);
            assert!(message.contains(why), "{bad:?}: {message}");
        }
        assert_eq!(check_source_name(&"a".repeat(100)), Ok(()));
    }

    #[test]
    fn child_keys_keep_what_readers_make_and_obey_the_rule() {
        for key in [
            "mali",
            "burma-myanmar",
            "äthiopien",
            "ml",
            "0",
            "cote-d-ivoire",
        ] {
            assert_eq!(child_key(key), key);
        }
        assert_eq!(child_key("../../etc/passwd"), "etc-passwd");
        assert_eq!(child_key("-rf"), "rf");
        assert_eq!(child_key("a..b"), "a.b");
        assert_eq!(child_key("Mali\nLevel 1"), "Mali-Level-1");
        let long = child_key(&"x".repeat(10_000));
        assert_eq!(long.chars().count(), NAME_LIMIT);
        let empty = child_key("///");
        assert!(empty.starts_with("item-"), "{empty}");
        assert_eq!(empty, child_key("///"), "stable");
        for key in ["../../etc", "-rf", "a..b", "\u{1b}[31m", &"é".repeat(500)] {
            let derived = child_key(key);
            assert_eq!(
                check_source_name(&derived),
                Ok(()),
                "{key:?} -> {derived:?}"
            );
        }
    }

    #[test]
    fn one_line_replaces_control_characters_and_line_breaks() {
        assert!(matches!(one_line("Mali"), Cow::Borrowed("Mali")));
        assert_eq!(
            one_line("Niger\nMali (us-mali): Level lowered from 4 to 1\r\n"),
            "Niger Mali (us-mali): Level lowered from 4 to 1"
        );
        assert_eq!(one_line("a\u{1b}[31mb\u{85}c\u{2028}d\te"), "a [31mb c d e");
        assert_eq!(one_line("  a   b "), "a b");
        assert_eq!(
            one_line("Mali\u{202E}1 ot 4 morf deworl\u{2066}x\u{2069}"),
            "Mali 1 ot 4 morf deworl x"
        );
    }

    #[test]
    fn bounded_cuts_on_a_character_boundary() {
        assert_eq!(bounded("Mali", 200), "Mali");
        let long = "é".repeat(300);
        let cut = bounded(&long, 200);
        assert_eq!(cut.chars().count(), 200);
        assert!(cut.ends_with('…'));
        let lines = "Mali\n".repeat(1000);
        let line = one_line_bounded(&lines, 50);
        assert_eq!(line.chars().count(), 50);
        assert!(!line.contains('\n'));
    }
}
