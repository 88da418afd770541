//! The part of a page a profile's selectors can match, found before the HTML parser sees it.
//!
//! Most of an advisory page is navigation and footer that no selector of the State
//! Department's profiles can match, and html5ever's work is proportional to the bytes it reads.
//! A profile's region is the element that holds its advisory: named by its `region`
//! (`div.tsg-rwd-main-copy-frame`) or inferred from its selectors (`section#advisory`).
//! This module owns a linear byte scan that finds that element and its end, and builds a small
//! document from it: the page's own doctype, `<html>`, `<head>` and `<body>` start tags and
//! the region's bytes. Parsing that document gives the region the same subtree as parsing the
//! whole page, and every selector of the profiles the same matches, or the scan gives up and
//! the whole page is parsed. Pure: text in, text out.
//!
//! Why the result is the same, and when the scan gives up (it returns `None`):
//! - The scan tokenizes as html5ever does (tags and their attributes, comments, doctype,
//!   raw-text and RCDATA elements) and follows the tree builder for the elements it knows. It
//!   gives up on whatever would put the tree builder in a state it does not follow: tables,
//!   `select`, `template`, foreign content (`svg`, `math`), framesets, `plaintext`, a script
//!   holding `<!--`, a NUL byte, an end tag that does not close the current element (besides
//!   the end tags a parser implies for `p` and `li`), a page without a doctype and explicit
//!   `<html>`, `<head>` and `<body>`.
//! - At the region's start no formatting element (`a`, `b`, ...), list item, `button` or
//!   `form` is open, so nothing from outside is reconstructed inside the region or closed from
//!   inside it, and the region ends exactly where its end tag closes it.
//! - The region's root is an element whose cut cannot change the parse (`region::refused_root`
//!   names the others: void, raw-text, tables, `select`, `template`, foreign content, elements
//!   closed without an end tag, formatting elements, `form`, `button`); a root that does not
//!   close an open `p` starts only where no `p` is open, and a heading only where no heading is
//!   the current element.
//! - No element outside the region (ancestors, `<html>`, `<head>` and `<body>` included) could
//!   match the leading compound of any selector of any profile tried: each must name a class,
//!   id or attribute, compared as a case-insensitive substring, any character reference counting
//!   as a possible match. Every match of a selector has an ancestor (or is an element) matching
//!   its leading compound, so every match lies inside the region, and so does every element its
//!   later compounds meet on the way; there the tree is the same. A second element that the
//!   first part could match anywhere else (a root that matches twice) makes the scan give up.
//!   Selectors outside that form (pseudo-classes, sibling combinators) leave the profile without
//!   a region, which `Region::compile` or `Region::infer` says when the profile is loaded.

use std::borrow::Cow;
use std::sync::Arc;

use crate::model::profile::Profile;
use crate::model::region::{Origin, Region, could_match, refused_root};

mod elements;
use elements::{
    is_closes_implied, is_closes_p, is_formatting, is_heading, is_implied, is_in_head, is_raw_text,
    is_refused, is_special, is_void,
};

/// The document to parse instead of `html` for these profiles, or `None` to parse the whole
/// page: when a profile has no region, the region is not found, or the scan cannot show that
/// the result is the same.
pub fn cut(html: &str, profiles: &[Arc<Profile>]) -> Option<String> {
    let regions: Vec<&Region> = profiles
        .iter()
        .map(|p| p.region.as_ref())
        .collect::<Option<_>>()?;
    let found = Scan::new(html.as_bytes(), &regions).run()?;
    let mut out = String::with_capacity(found.len() + 64);
    for (start, end) in found.pieces {
        out.push_str(&html[start..end]);
    }
    Some(out)
}

/// What `extract -v` tells of the region: for each profile, the region it uses (given or
/// inferred, and which) or why it has none; then whether this page was read from it.
pub fn describe(html: &str, profiles: &[Arc<Profile>]) -> Vec<String> {
    let mut lines: Vec<String> = profiles
        .iter()
        .map(|p| match (&p.region, &p.no_region) {
            (Some(region), _) => format!(
                "profile `{}`: region `{}` ({})",
                p.name,
                region.root_text(),
                match region.origin {
                    Origin::Given => "given by the profile's `region`",
                    Origin::Inferred => "inferred: every selector starts with it",
                }
            ),
            (None, Some(why)) => format!("profile `{}`: no region: {why}", p.name),
            (None, None) => format!("profile `{}`: no region", p.name),
        })
        .collect();
    lines.push(match cut(html, profiles) {
        Some(small) => format!(
            "region used: parsed {} of the page's {} bytes",
            small.len(),
            html.len()
        ),
        None if profiles.iter().any(|p| p.region.is_none()) => {
            "region not used: the whole page was parsed (a profile tried has no region)".to_owned()
        }
        None => "region not used: the whole page was parsed (the region was not found, or the scan could not show that reading only it gives the same fields)".to_owned(),
    });
    lines
}

/// What the scan found: the byte ranges to join into the small document.
struct Found {
    pieces: [(usize, usize); 5],
}

impl Found {
    fn len(&self) -> usize {
        self.pieces.iter().map(|(s, e)| e - s).sum()
    }
}

/// A tag or attribute name, lowercase: borrowed from the page when it is written so, as almost
/// every name is.
type Name<'a> = Cow<'a, str>;

/// A tag's attributes as written: names lowercase, values borrowed from the page as bytes, with
/// character references undecoded (no copy, no UTF-8 check: they are only searched).
type Attributes<'a> = Vec<(Name<'a>, &'a [u8])>;

/// A token of the page, as html5ever's tokenizer sees it.
enum Token<'a> {
    /// A start tag: its name (lowercase) and where it is; its attributes are the scan's
    /// `attrs` until the next token.
    Start {
        name: Name<'a>,
        start: usize,
        end: usize,
    },
    /// An end tag.
    End { name: Name<'a>, end: usize },
    /// Text, where it is.
    Text { start: usize, end: usize },
    /// A comment or a bogus comment.
    Comment,
    /// A doctype.
    Doctype { start: usize, end: usize },
}

struct Scan<'a> {
    bytes: &'a [u8],
    at: usize,
    regions: &'a [&'a Region],
    /// The names of the open elements above `<body>`.
    stack: Vec<Name<'a>>,
    form_open: bool,
    /// The attributes of the last start tag (one buffer for the whole page).
    attrs: Attributes<'a>,
}

impl<'a> Scan<'a> {
    fn new(bytes: &'a [u8], regions: &'a [&'a Region]) -> Scan<'a> {
        Scan {
            bytes,
            at: 0,
            regions,
            stack: Vec::new(),
            form_open: false,
            attrs: Vec::new(),
        }
    }

    fn run(mut self) -> Option<Found> {
        if memchr::memchr(0, self.bytes).is_some() {
            return None;
        }
        // A byte order mark is dropped by the decoder; the page starts after it.
        let doctype = loop {
            match self.next()? {
                Token::Comment => {}
                Token::Text { start, end } if self.blank(start, end) => {}
                Token::Doctype { start, end } => break (start, end),
                _ => return None,
            }
        };
        let html = self.expect_start("html")?;
        let head = self.expect_start("head")?;
        // The head: only what belongs there, then `</head>`.
        loop {
            match self.next()? {
                Token::Comment => {}
                Token::Text { start, end } if self.blank(start, end) => {}
                Token::Start { name, .. } if is_in_head(&name) => {
                    self.outside(&name)?;
                    if is_raw_text(&name) {
                        self.skip_raw_text(&name)?;
                    }
                }
                Token::End { name, .. } if name == "head" => break,
                _ => return None,
            }
        }
        let body = self.expect_start("body")?;
        // The body up to the region.
        let (region_start, depth) = loop {
            match self.next()? {
                Token::Start { name, start, .. } => {
                    if self.is_root(&name) && self.may_start_region(&name) {
                        if is_closes_p(&name) {
                            self.close_p()?;
                        }
                        self.stack.push(name);
                        break (start, self.stack.len());
                    }
                    self.outside(&name)?;
                    self.start_tag(name)?;
                }
                Token::End { name, .. } => self.end_tag(&name)?,
                Token::Text { .. } | Token::Comment => {}
                Token::Doctype { .. } => {}
            }
        };
        // The region, up to the end tag that closes its root.
        let region_end = loop {
            match self.next()? {
                Token::Start { name, .. } => self.start_tag(name)?,
                Token::End { name, end } => {
                    self.end_tag(&name)?;
                    if self.stack.len() < depth {
                        break end;
                    }
                }
                Token::Text { .. } | Token::Comment | Token::Doctype { .. } => {}
            }
        };
        // The rest of the page: no element of it may match.
        let mut after_body = false;
        while self.at < self.bytes.len() {
            match self.next()? {
                Token::Start { name, .. } if !after_body => {
                    self.outside(&name)?;
                    self.start_tag(name)?;
                }
                Token::End { name, .. } if name == "body" || name == "html" => {
                    after_body = true;
                }
                Token::End { name, .. } if !after_body => self.end_tag(&name)?,
                Token::Text { .. } | Token::Comment | Token::Doctype { .. } => {}
                _ => return None,
            }
        }
        // `<head ...>` needs no end tag: `<body>` closes it.
        Some(Found {
            pieces: [doctype, html, head, body, (region_start, region_end)],
        })
    }

    fn blank(&self, start: usize, end: usize) -> bool {
        self.bytes[start..end]
            .iter()
            .all(|b| matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' '))
    }

    fn expect_start(&mut self, wanted: &str) -> Option<(usize, usize)> {
        loop {
            match self.next()? {
                Token::Comment => {}
                Token::Text { start, end } if self.blank(start, end) => {}
                Token::Start { name, start, end } if name == wanted => {
                    self.outside(&name)?;
                    return Some((start, end));
                }
                _ => return None,
            }
        }
    }

    /// Whether the tree builder's state lets a region start here, at a `name` element: no
    /// formatting element, list item, button or form open; no `p` open that only the region's
    /// content would close (unless `name` closes it first); no heading it would close.
    fn may_start_region(&self, name: &str) -> bool {
        !self.form_open
            && !self.stack.iter().any(|open| {
                is_formatting(open)
                    || matches!(open.as_ref(), "li" | "dd" | "dt" | "button")
                    || (open == "p" && !is_closes_p(name))
            })
            && (!is_heading(name) || !self.stack.last().is_some_and(|t| is_heading(t)))
    }

    /// Whether the start tag just read, a `name` element, is a region's root.
    fn is_root(&self, name: &str) -> bool {
        // Every root needs a class, id or attribute (`Region::compile` makes sure).
        if self.attrs.is_empty() {
            return false;
        }
        let named = self.regions.iter().any(|region| {
            region.root.tag.as_deref().is_none_or(|t| t == name)
                && region.root.needs.iter().all(|(attr, value)| {
                    self.attrs
                        .iter()
                        .find(|(name, _)| name == attr)
                        .is_some_and(|(_, have)| match value {
                            None => true,
                            Some(_) if have.contains(&b'&') => false,
                            Some(value) if attr == "class" => have
                                .split(u8::is_ascii_whitespace)
                                .any(|c| c.eq_ignore_ascii_case(value.as_bytes())),
                            Some(value) => have.eq_ignore_ascii_case(value.as_bytes()),
                        })
                })
        });
        named && !is_refused(name) && refused_root(name).is_none()
    }

    /// An element outside the region: refused when it could match a compound.
    fn outside(&self, name: &str) -> Option<()> {
        // Every compound needs an attribute (`Region::compile` makes sure).
        if self.attrs.is_empty() {
            return Some(());
        }
        let could = self
            .regions
            .iter()
            .flat_map(|r| r.compounds.iter())
            .any(|compound| could_match(compound, name, &self.attrs));
        (!could).then_some(())
    }

    fn close_p(&mut self) -> Option<()> {
        for i in (0..self.stack.len()).rev() {
            match self.stack[i].as_ref() {
                "p" => return self.pop_to(i),
                "button" => return Some(()),
                _ => {}
            }
        }
        Some(())
    }

    /// Pops the element at `i` and everything above it; refused when that closes a
    /// formatting element (the parser would reconstruct it later).
    fn pop_to(&mut self, i: usize) -> Option<()> {
        if self.stack[i..].iter().any(|n| is_formatting(n)) {
            return None;
        }
        self.stack.truncate(i);
        Some(())
    }

    fn start_tag(&mut self, name: Name<'a>) -> Option<()> {
        let tag: &str = &name;
        if is_refused(tag) {
            return None;
        }
        if is_closes_p(tag) {
            self.close_p()?;
        }
        match tag {
            _ if is_heading(tag) && self.stack.last().is_some_and(|t| is_heading(t)) => {
                return None;
            }
            "li" | "dd" | "dt" => {
                let closes: &[&str] = if tag == "li" { &["li"] } else { &["dd", "dt"] };
                for i in (0..self.stack.len()).rev() {
                    let open: &str = &self.stack[i];
                    if closes.contains(&open) {
                        self.pop_to(i)?;
                        break;
                    }
                    if is_special(open) && !matches!(open, "address" | "div" | "p") {
                        break;
                    }
                }
                self.close_p()?;
            }
            "a" if self.stack.iter().any(|n| n == "a") => return None,
            _ if is_formatting(tag) && self.stack.iter().filter(|n| *n == tag).count() >= 2 => {
                return None;
            }
            "button" if self.stack.iter().any(|n| n == "button") => return None,
            "form" if self.form_open => return None,
            "form" => self.form_open = true,
            _ => {}
        }
        if is_raw_text(tag) {
            return self.skip_raw_text(tag);
        }
        if !is_void(tag) {
            self.stack.push(name);
        }
        Some(())
    }

    fn end_tag(&mut self, name: &str) -> Option<()> {
        match name {
            "br" | "body" | "html" | "head" => return None,
            "form" => self.form_open = false,
            _ => {}
        }
        if is_closes_implied(name) || matches!(name, "p" | "li" | "dd" | "dt" | "form") {
            while let Some(top) = self.stack.last()
                && is_implied(top)
                && top != name
            {
                self.stack.pop();
            }
        }
        (self.stack.last().map(Cow::as_ref) == Some(name)).then(|| {
            self.stack.pop();
        })
    }

    /// Skips a raw-text element's content and its end tag.
    fn skip_raw_text(&mut self, name: &str) -> Option<()> {
        let rest = &self.bytes[self.at..];
        let mut from = 0;
        loop {
            let offset = memchr::memmem::find(&rest[from..], b"</")?;
            let at = from + offset + 2;
            let after = rest.get(at + name.len()).copied();
            if rest.len() >= at + name.len()
                && rest[at..at + name.len()].eq_ignore_ascii_case(name.as_bytes())
                && matches!(
                    after,
                    Some(b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>')
                )
            {
                // Script data has escape states that the scan does not follow.
                if name == "script"
                    && memchr::memmem::find(&rest[..from + offset], b"<!--").is_some()
                {
                    return None;
                }
                self.at += from + offset;
                return match self.next()? {
                    Token::End { .. } => Some(()),
                    _ => None,
                };
            }
            from = at;
        }
    }

    /// The next token; `None` at the end of the page or where the page ends inside a token.
    fn next(&mut self) -> Option<Token<'a>> {
        let bytes = self.bytes;
        let start = self.at;
        if start >= bytes.len() {
            return None;
        }
        if bytes[start] != b'<' {
            let end = memchr::memchr(b'<', &bytes[start..]).map_or(bytes.len(), |o| start + o);
            self.at = end;
            return Some(Token::Text { start, end });
        }
        let rest = &bytes[start + 1..];
        match rest.first() {
            Some(b'!') if rest.starts_with(b"!--") => {
                let body = &rest[3..];
                let end = if body.starts_with(b">") {
                    1
                } else if body.starts_with(b"->") {
                    2
                } else {
                    let mut from = 0;
                    loop {
                        let o = memchr::memmem::find(&body[from..], b"--")?;
                        let k = from + o + 2;
                        if body.get(k) == Some(&b'>') {
                            break k + 1;
                        }
                        if body[k..].starts_with(b"!>") {
                            break k + 2;
                        }
                        from = from + o + 1;
                    }
                };
                self.at = start + 4 + end;
                Some(Token::Comment)
            }
            Some(b'!') => {
                let end = start + 1 + memchr::memchr(b'>', rest)? + 1;
                self.at = end;
                if rest.len() >= 8 && rest[1..8].eq_ignore_ascii_case(b"doctype") {
                    Some(Token::Doctype { start, end })
                } else {
                    Some(Token::Comment)
                }
            }
            Some(b'?') => {
                self.at = start + 1 + memchr::memchr(b'>', rest)? + 1;
                Some(Token::Comment)
            }
            Some(b'/') => match rest.get(1) {
                Some(b) if b.is_ascii_alphabetic() => {
                    let (name, end) = self.tag(start + 2)?;
                    Some(Token::End { name, end })
                }
                Some(b'>') => {
                    self.at = start + 3;
                    Some(Token::Comment)
                }
                Some(_) => {
                    self.at = start + 1 + memchr::memchr(b'>', rest)? + 1;
                    Some(Token::Comment)
                }
                None => None,
            },
            Some(b) if b.is_ascii_alphabetic() => {
                let (name, end) = self.tag(start + 1)?;
                Some(Token::Start { name, start, end })
            }
            // A `<` that opens nothing is text.
            _ => {
                let end = memchr::memchr(b'<', &bytes[start + 1..])
                    .map_or(bytes.len(), |o| start + 1 + o);
                self.at = end;
                Some(Token::Text { start, end })
            }
        }
    }

    /// A tag from its name at `at` to its `>`: its name and end; its attributes go to `attrs`.
    fn tag(&mut self, at: usize) -> Option<(Name<'a>, usize)> {
        let bytes = self.bytes;
        let is_space = |b: u8| matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ');
        let mut i = at;
        while i < bytes.len() && !is_space(bytes[i]) && !matches!(bytes[i], b'/' | b'>') {
            i += 1;
        }
        let name = lowercase(&bytes[at..i]);
        self.attrs.clear();
        loop {
            while i < bytes.len() && (is_space(bytes[i]) || bytes[i] == b'/') {
                i += 1;
            }
            match bytes.get(i)? {
                b'>' => break,
                _ => {
                    let name_start = i;
                    i += 1;
                    while i < bytes.len()
                        && !is_space(bytes[i])
                        && !matches!(bytes[i], b'/' | b'>' | b'=')
                    {
                        i += 1;
                    }
                    let attr = lowercase(&bytes[name_start..i]);
                    while i < bytes.len() && is_space(bytes[i]) {
                        i += 1;
                    }
                    let mut value: &[u8] = &[];
                    if bytes.get(i) == Some(&b'=') {
                        i += 1;
                        while i < bytes.len() && is_space(bytes[i]) {
                            i += 1;
                        }
                        match bytes.get(i)? {
                            q @ (b'"' | b'\'') => {
                                let end = i + 1 + memchr::memchr(*q, &bytes[i + 1..])?;
                                value = &bytes[i + 1..end];
                                i = end + 1;
                            }
                            b'>' => {}
                            _ => {
                                let s = i;
                                while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'>' {
                                    i += 1;
                                }
                                value = &bytes[s..i];
                            }
                        }
                    }
                    self.attrs.push((attr, value));
                }
            }
        }
        self.at = i + 1;
        Some((name, i + 1))
    }
}

/// A tag or attribute name, lowercase (names are ASCII; anything else is kept as a browser
/// would show it), borrowed when the page writes it so.
fn lowercase(bytes: &[u8]) -> Name<'_> {
    match std::str::from_utf8(bytes) {
        Ok(name) if !name.bytes().any(|b| b.is_ascii_uppercase()) => Cow::Borrowed(name),
        Ok(name) => Cow::Owned(name.to_ascii_lowercase()),
        Err(_) => Cow::Owned(String::from_utf8_lossy(bytes).to_ascii_lowercase()),
    }
}

#[cfg(test)]
mod tests;

/// The fast path for a profile that names no region: the region its selectors imply, on
/// generated pages of a layout no built-in profile knows and on real pages, with profiles
/// written as a user would.
#[cfg(test)]
mod inferred;
