//! Bounds on the work one page may cost, checked before the HTML parser sees it.
//!
//! html5ever's work grows with the square of the nesting depth: 100,000 nested `<div>`s (1.1
//! MB) take half a minute, a million half an hour, and no timeout covers a synchronous parse.
//! No advisory page nests deeper than a few dozen elements (browsers stop nesting at 512), so
//! this module owns a quick linear scan of the tags that measures the nesting depth and counts
//! the elements, and refuses a page over [`MAX_DEPTH`] or [`MAX_ELEMENTS`] as an extraction
//! failure that says why. The scan is an estimate, not a parser: elements whose end tag may be
//! left out (`p`, `li`, `td`, ...) and void elements are not counted as nesting, and the text of
//! `script`, `style` and comments is skipped. Pure: text in, verdict out.

use std::sync::Arc;

use crate::model::profile::Profile;
use crate::read::extract::{Attempt, ExtractionFailure, Missing};

/// The deepest nesting of elements read.
pub const MAX_DEPTH: usize = 1000;

/// The most elements a page may hold.
pub const MAX_ELEMENTS: usize = 500_000;

/// Elements that never have content.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Elements whose end tag may be left out: the parser closes them, so they do not nest.
const OPTIONAL_END: &[&str] = &[
    "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot",
    "colgroup", "caption", "rp", "rt", "rb", "rtc", "head", "body", "html",
];

/// Elements whose content is text up to their end tag.
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
];

/// What the scan found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// The deepest nesting seen (or the depth at which the scan stopped).
    pub depth: usize,
    /// Elements seen (or when the scan stopped).
    pub elements: usize,
}

/// Measures `html`, stopping as soon as a limit is passed.
pub fn measure(html: &str) -> Shape {
    let bytes = html.as_bytes();
    let (mut depth, mut deepest, mut elements) = (0usize, 0usize, 0usize);
    let mut at = 0;
    while let Some(offset) = memchr::memchr(b'<', &bytes[at..]) {
        let start = at + offset + 1;
        let rest = &bytes[start..];
        if rest.starts_with(b"!--") {
            match find(rest, b"-->") {
                Some(end) => at = start + end + 3,
                None => break,
            }
            continue;
        }
        if rest.first().is_some_and(|b| matches!(b, b'!' | b'?')) {
            match rest.iter().position(|&b| b == b'>') {
                Some(end) => at = start + end + 1,
                None => break,
            }
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let name_start = start + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b':'))
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            at = start;
            continue;
        }
        // Lowercased on the stack: every name the lists hold is short, and a longer one is
        // none of them (and nests).
        let mut buffer = [0u8; 16];
        let name = match buffer.get_mut(..name_len) {
            Some(lower) => {
                lower.copy_from_slice(&bytes[name_start..name_start + name_len]);
                lower.make_ascii_lowercase();
                std::str::from_utf8(lower).unwrap_or_default()
            }
            None => "",
        };
        let Some(tag_len) = tag_end(&bytes[name_start + name_len..]) else {
            break;
        };
        let tag_end_at = name_start + name_len + tag_len;
        let self_closing = bytes[..tag_end_at].ends_with(b"/>");
        at = tag_end_at;
        let nests = !VOID.contains(&name) && !OPTIONAL_END.contains(&name);
        if closing {
            if nests {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        elements += 1;
        if RAW_TEXT.contains(&name) {
            let end_tag = format!("</{name}");
            match find_ignoring_case(&bytes[at..], end_tag.as_bytes()) {
                Some(end) => at += end,
                None => break,
            }
            continue;
        }
        if nests && !self_closing {
            depth += 1;
            deepest = deepest.max(depth);
        }
        if deepest > MAX_DEPTH || elements > MAX_ELEMENTS {
            break;
        }
    }
    Shape {
        depth: deepest,
        elements,
    }
}

/// Refuses a page over the limits, as the extraction failure of every profile that would have
/// read it.
pub fn admit(html: &str, profiles: &[Arc<Profile>]) -> Result<(), ExtractionFailure> {
    let shape = measure(html);
    let problem = if shape.depth > MAX_DEPTH {
        format!(
            "was not read: the page nests elements more than {MAX_DEPTH} deep, which no advisory page does (a hostile or broken page)"
        )
    } else if shape.elements > MAX_ELEMENTS {
        format!(
            "was not read: the page holds more than {MAX_ELEMENTS} elements, which no advisory page does (a hostile or broken page)"
        )
    } else {
        return Ok(());
    };
    let attempts = profiles
        .iter()
        .map(|profile| Attempt {
            missing: vec![Missing {
                field: "page",
                selector: "html".to_owned(),
                problem: problem.clone(),
            }],
            ..Attempt::empty(&profile.name)
        })
        .collect();
    Err(ExtractionFailure { attempts })
}

/// The length of a tag's rest up to and including its `>`, skipping quoted attribute values.
fn tag_end(rest: &[u8]) -> Option<usize> {
    let mut quote = None;
    for (i, &b) in rest.iter().enumerate() {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if b == q => quote = None,
            (None, b'>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// Where `needle` (which starts with `<`, as every end tag sought does) first occurs, ignoring
/// ASCII case: a fast search for `<`, then a comparison.
fn find_ignoring_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(offset) = memchr::memchr(needle[0], &haystack[from..]) {
        let at = from + offset;
        if haystack
            .get(at..at + needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle))
        {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_nesting_as_a_parser_would() {
        let shape = measure(
            "<!DOCTYPE html><html><head><meta charset=utf-8><title>a<div></title>\
             <script>if (a < b) { x = '<div><div>'; }</script></head><body>\
             <div class=\"a>b\"><ul><li>one<li>two<br><img src=x /></ul><p>x<p>y</div>\
             <!-- <div><div><div> --></body></html>",
        );
        assert_eq!(shape.depth, 2, "div > ul");
        assert_eq!(shape.elements, 14);
    }

    #[test]
    fn deep_pages_stop_the_scan_early() {
        let deep = "<div>".repeat(100_000);
        let shape = measure(&deep);
        assert_eq!(shape.depth, MAX_DEPTH + 1);
        let flat = "<div></div>".repeat(10_000);
        assert_eq!(measure(&flat).depth, 1);
        assert_eq!(measure("<p>".repeat(100_000).as_str()).depth, 0);
    }

    #[test]
    fn the_bundled_pages_are_well_within_the_limits() {
        for name in [
            "mali-2025.html",
            "nepal-2026.html",
            "mali-2013-aggregator.html",
        ] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures")
                .join(name);
            let text = std::fs::read_to_string(&path).expect("fixture");
            let shape = measure(&text);
            assert!(shape.depth < 100, "{name}: {shape:?}");
        }
    }
}
