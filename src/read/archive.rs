//! Archives of dated documents: what `import` reads.
//!
//! This module owns finding the dated files of a folder (`YYYY-MM-DD.ext`, and
//! `YYYY-MM-DD_2.ext` for a second version the same day, the layout of git-scraping archives),
//! ordering them, dating them, and turning Markdown into HTML so that the ordinary profiles read
//! it. Storing them is `run::import`'s job.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

/// A dated file of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatedFile {
    /// The file.
    pub path: PathBuf,
    /// When the version was observed: noon UTC of its date, plus one second per later
    /// version of the same day.
    pub observed: DateTime<Utc>,
}

/// Why an archive cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The folder cannot be listed.
    #[error("cannot read the folder {path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file cannot be read.
    #[error("cannot read {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A dated name that is not a regular file (it was replaced after the folder was listed).
    #[error("cannot read {path}: it is {what}, not a regular file")]
    NotAFile {
        /// The file.
        path: PathBuf,
        /// What it is.
        what: &'static str,
    },
    /// A file larger than a page may be.
    #[error(
        "cannot read {path}: it is {size} bytes, more than the page size limit of {limit} bytes (fetch.max_body)"
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size (or how much was read before the limit was passed).
        size: u64,
        /// The limit.
        limit: usize,
    },
    /// Nothing to import.
    #[error(
        "{path} holds no dated files; name them YYYY-MM-DD.html (or .md, .xml, .json), with _2, _3 for later versions of one day"
    )]
    Empty {
        /// The folder.
        path: PathBuf,
    },
}

/// The most versions of one day an archive may hold: `_1` to `_9999`.
const MAX_SAME_DAY: u32 = 9999;

/// The dated files of a folder, oldest first. Files whose names hold no date are left alone.
/// Skipped with a warning: a name like a date that is not one (`2025-02-30.html`,
/// `2025-01-08_4294967295.html`), a date after `now`, a name that holds a date but is not a
/// dated file's (`2025-01-08.MD`, `2025-01-08.md.md`, ` 2025-01-08.md`, a line break in it), a
/// directory, FIFO, socket or device, and a symbolic link that leads out of the folder or to
/// anything but a regular file.
pub fn dated_files(folder: &Path, now: DateTime<Utc>) -> Result<Vec<DatedFile>, ArchiveError> {
    let folder_error = |source| ArchiveError::Folder {
        path: folder.to_owned(),
        source,
    };
    let entries = std::fs::read_dir(folder).map_err(folder_error)?;
    let inside = folder.canonicalize().map_err(folder_error)?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(folder_error)?;
        let path = entry.path();
        let observed = match date_of(&path) {
            Dated::Not => continue,
            Dated::Odd(why) => {
                tracing::warn!(
                    file = ?entry.file_name(),
                    folder = %folder.display(),
                    "skipped: {why}"
                );
                continue;
            }
            Dated::Impossible(why) => {
                tracing::warn!(file = %path.display(), "skipped: {why}");
                continue;
            }
            Dated::At(observed) if observed > now => {
                tracing::warn!(
                    file = %path.display(),
                    "skipped: dated {}, which is in the future",
                    observed.date_naive()
                );
                continue;
            }
            Dated::At(observed) => observed,
        };
        let file_type = match entry.file_type() {
            Ok(file_type) => file_type,
            Err(e) => {
                tracing::warn!(file = %path.display(), "skipped: cannot tell what it is ({e})");
                continue;
            }
        };
        let file_type = if file_type.is_symlink() {
            match path.canonicalize() {
                Ok(target) if target.starts_with(&inside) => match std::fs::metadata(&target) {
                    Ok(metadata) => metadata.file_type(),
                    Err(e) => {
                        tracing::warn!(file = %path.display(), "skipped: cannot read where the symbolic link leads ({e})");
                        continue;
                    }
                },
                Ok(target) => {
                    tracing::warn!(
                        file = %path.display(),
                        "skipped: a symbolic link to {}, outside the folder",
                        target.display()
                    );
                    continue;
                }
                Err(e) => {
                    tracing::warn!(file = %path.display(), "skipped: a broken symbolic link ({e})");
                    continue;
                }
            }
        } else {
            file_type
        };
        if !file_type.is_file() {
            tracing::warn!(
                file = %path.display(),
                "skipped: {}, not a regular file",
                what_it_is(file_type)
            );
            continue;
        }
        files.push(DatedFile { path, observed });
    }
    if files.is_empty() {
        return Err(ArchiveError::Empty {
            path: folder.to_owned(),
        });
    }
    files.sort_by_key(|f| f.observed);
    Ok(files)
}

/// What a file that is not a regular one is.
fn what_it_is(file_type: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "a device"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else {
        "something else"
    }
}

/// What a file name says about its date.
#[derive(Debug, PartialEq, Eq)]
enum Dated {
    /// Holds no date: left alone.
    Not,
    /// Holds a date but is not a dated file's name; why.
    Odd(String),
    /// Named like a dated file, but the date or order is impossible; why.
    Impossible(String),
    /// Noon UTC of its date, plus one second per later version of the day.
    At(DateTime<Utc>),
}

/// The extensions of an archive's files.
const EXTENSIONS: &[&str] = &["html", "htm", "md", "xml", "json"];

/// The date of `2025-06-13.md` (noon) or `2025-06-13_2.md` (noon and two seconds).
fn date_of(path: &Path) -> Dated {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    if !holds_a_date(name.as_bytes()) {
        return Dated::Not;
    }
    let odd = |why: &str| {
        Dated::Odd(format!(
            "named like a dated file, but {why}; an archive's files are named YYYY-MM-DD.EXT (or YYYY-MM-DD_2.EXT), EXT one of {}",
            EXTENSIONS.join(", ")
        ))
    };
    let (Some(extension), Some(stem)) = (
        path.extension().and_then(|e| e.to_str()),
        path.file_stem().and_then(|s| s.to_str()),
    ) else {
        return odd("it has no extension or is not UTF-8");
    };
    if !EXTENSIONS.contains(&extension) {
        return if EXTENSIONS.contains(&extension.to_lowercase().as_str()) {
            odd(&format!(
                "`.{}` is not lower case",
                extension.escape_debug()
            ))
        } else {
            odd(&format!(
                "`.{}` is not an archive's extension",
                extension.escape_debug()
            ))
        };
    }
    let (date, order) = stem.split_once('_').unwrap_or((stem, ""));
    let looks_dated = date.len() == 10
        && date.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !looks_dated || stem.contains('.') {
        return odd("the rest of its name is not a date and a version of the day");
    }
    let Ok(date) = NaiveDate::parse_from_str(date, "%Y-%m-%d") else {
        return Dated::Impossible(format!("{date} is not a date"));
    };
    let order = if order.is_empty() {
        0
    } else {
        match order.parse::<u32>() {
            Ok(n) if n <= MAX_SAME_DAY => n,
            _ => {
                return Dated::Impossible(format!(
                    "`_{order}` is not a version of the day; use _2 to _{MAX_SAME_DAY}"
                ));
            }
        }
    };
    match date.and_hms_opt(12, 0, 0) {
        Some(noon) => {
            Dated::At(Utc.from_utc_datetime(&noon) + chrono::Duration::seconds(i64::from(order)))
        }
        None => Dated::Impossible(format!("{date} has no noon")),
    }
}

/// Whether a name holds `YYYY-MM-DD` somewhere.
fn holds_a_date(name: &[u8]) -> bool {
    name.windows(10).any(|w| {
        w.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
    })
}

/// A file's content as the readers take it, at most `limit` bytes of it (see [`read_bytes`]):
/// Markdown and plain text are turned into HTML (see [`as_html`]); Markdown over
/// [`MAX_MARKDOWN_MARKS`] is kept as it is, for the reader to refuse with the reason.
pub fn read(path: &Path, limit: usize) -> Result<Vec<u8>, ArchiveError> {
    let bytes = read_bytes(path, limit)?;
    Ok(match kind_of(&bytes) {
        TextKind::Markup => bytes,
        kind => match as_html(kind, &String::from_utf8_lossy(&bytes)) {
            Ok(html) => html.into_bytes(),
            Err(_) => bytes,
        },
    })
}

/// A file's bytes, at most `limit` of them. Only a regular file is read: it is opened without
/// waiting (a FIFO put in its place never blocks), and its length is checked before reading
/// and again while reading.
pub fn read_bytes(path: &Path, limit: usize) -> Result<Vec<u8>, ArchiveError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let error = |source| ArchiveError::File {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(error)?;
    let metadata = file.metadata().map_err(error)?;
    if !metadata.is_file() {
        return Err(ArchiveError::NotAFile {
            path: path.to_owned(),
            what: what_it_is(metadata.file_type()),
        });
    }
    let too_large = |size| ArchiveError::TooLarge {
        path: path.to_owned(),
        size,
        limit,
    };
    if metadata.len() > limit as u64 {
        return Err(too_large(metadata.len()));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(error)?;
    if bytes.len() > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// A document's text as the readers take it: Markdown and plain text as HTML, the rest as it
/// is. A Markdown capture with more than [`MAX_MARKDOWN_MARKS`] lines and marks is refused,
/// saying so: what the Markdown parser builds grows with them (a page of `>` or of empty
/// paragraphs costs a hundred times its size), and no capture holds more than a few thousand.
pub fn as_html(kind: TextKind, text: &str) -> Result<String, String> {
    match kind {
        TextKind::Markup => Ok(text.to_owned()),
        TextKind::Markdown => {
            let marks = markdown_marks(text);
            if marks > MAX_MARKDOWN_MARKS {
                return Err(format!(
                    "was not read: the Markdown holds more than {MAX_MARKDOWN_MARKS} lines and marks (`*`, `_`, `[`, `>`, ...), which no advisory capture does (a hostile or broken page)"
                ));
            }
            Ok(markdown_to_html(text))
        }
        TextKind::Plain => Ok(text_to_html(text)),
    }
}

/// The most lines and punctuation marks a Markdown capture may hold (the largest real ones hold
/// about a thousand).
pub const MAX_MARKDOWN_MARKS: usize = 100_000;

/// Lines and ASCII punctuation, stopping just past the limit.
fn markdown_marks(text: &str) -> usize {
    text.bytes()
        .filter(|b| *b == b'\n' || b.is_ascii_punctuation())
        .take(MAX_MARKDOWN_MARKS + 1)
        .count()
}

/// What a document is, told from its content (a capture's file name says little: seed pages
/// are Markdown and plain text saved as `.txt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// HTML, XML or JSON: read as it is.
    Markup,
    /// Markdown (headings, emphasis, links).
    Markdown,
    /// Plain text, one paragraph a line.
    Plain,
}

/// Tells HTML, XML and JSON from Markdown and plain text by their content.
pub fn kind_of(bytes: &[u8]) -> TextKind {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(8192)]);
    let text = head.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('<')
        || text.starts_with('{')
        || text.starts_with('[') && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
    {
        return TextKind::Markup;
    }
    let lower = text.to_lowercase();
    if lower.contains("<html") || lower.contains("<!doctype html") || lower.contains("<body") {
        return TextKind::Markup;
    }
    let markdown_lines = text
        .lines()
        .filter(|line| {
            let line = line.trim_start();
            line.starts_with("# ")
                || line.starts_with("## ")
                || line.starts_with("### ")
                || line.starts_with("#### ")
                || line.starts_with("**")
                || line.starts_with("* ")
                || line.contains("](")
        })
        .count();
    if markdown_lines >= 2 {
        TextKind::Markdown
    } else {
        TextKind::Plain
    }
}

/// Renders Markdown as an HTML document. Emphasis markers that Markdown leaves as text because
/// they are glued to words (`**Country Summary:**Violent`) are dropped, with a space where they
/// stood between two letters.
pub fn markdown_to_html(markdown: &str) -> String {
    let mut events: Vec<pulldown_cmark::Event<'_>> = Vec::new();
    let mut text = String::new();
    for event in pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES) {
        match event {
            pulldown_cmark::Event::Text(piece) => text.push_str(&piece),
            other => {
                if !text.is_empty() {
                    events.push(pulldown_cmark::Event::Text(
                        drop_stray_emphasis(&std::mem::take(&mut text)).into(),
                    ));
                }
                events.push(other);
            }
        }
    }
    if !text.is_empty() {
        events.push(pulldown_cmark::Event::Text(
            drop_stray_emphasis(&text).into(),
        ));
    }
    let mut html = String::from("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>");
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html.push_str("</body></html>");
    html
}

/// Drops the asterisks Markdown left as text, with a space where they stood between two
/// letters.
fn drop_stray_emphasis(text: &str) -> String {
    if !text.contains('*') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('*') {
        out.push_str(&rest[..at]);
        let after = rest[at..].trim_start_matches('*');
        let before_is_word = out
            .chars()
            .last()
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '.' | ':' | ';' | ','));
        if before_is_word && after.chars().next().is_some_and(char::is_alphanumeric) {
            out.push(' ');
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Escapes text for HTML, into `out`: only what the parser would read as markup (`<` before a
/// tag's first character, `&` before a character reference), so that text of `&` or `<` costs
/// no more as HTML than as text.
fn escape_into(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut from = 0;
    for (at, &b) in bytes.iter().enumerate() {
        let next = bytes.get(at + 1).copied().unwrap_or(b' ');
        let escaped = match b {
            b'&' if next.is_ascii_alphanumeric() || next == b'#' => "&amp;",
            b'<' if next.is_ascii_alphabetic() || matches!(next, b'/' | b'!' | b'?') => "&lt;",
            _ => continue,
        };
        out.push_str(&text[from..at]);
        out.push_str(escaped);
        from = at + 1;
    }
    out.push_str(&text[from..]);
}

/// Renders plain text as an HTML document: a paragraph per line, a list item per bulleted
/// line.
pub fn text_to_html(text: &str) -> String {
    let mut html = String::with_capacity(text.len() + 128);
    html.push_str("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>");
    let mut in_list = false;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bullet = line
            .strip_prefix('\u{2022}')
            .or_else(|| line.strip_prefix("- "))
            .or_else(|| line.strip_prefix("* "));
        match (bullet, in_list) {
            (Some(_), false) => {
                html.push_str("<ul>");
                in_list = true;
            }
            (None, true) => {
                html.push_str("</ul>");
                in_list = false;
            }
            _ => {}
        }
        let (tag, body) = match bullet {
            Some(body) => ("li", body.trim()),
            None => ("p", line),
        };
        html.push_str(if tag == "li" { "<li>" } else { "<p>" });
        escape_into(&mut html, body);
        html.push_str(if tag == "li" { "</li>" } else { "</p>" });
    }
    if in_list {
        html.push_str("</ul>");
    }
    html.push_str("</body></html>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dated_files_in_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in [
            "2025-06-13_2.md",
            "2025-03-26.md",
            "2025-06-13.md",
            "notes.txt",
            "manifest.csv",
        ] {
            std::fs::write(dir.path().join(name), "# x").expect("write");
        }
        let names: Vec<String> = dated_files(dir.path(), Utc::now())
            .expect("files")
            .iter()
            .map(|f| {
                f.path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("")
                    .to_owned()
            })
            .collect();
        assert_eq!(names, ["2025-03-26.md", "2025-06-13.md", "2025-06-13_2.md"]);
        let empty = tempfile::tempdir().expect("temp dir");
        assert!(
            dated_files(empty.path(), Utc::now())
                .expect_err("empty")
                .to_string()
                .contains("YYYY-MM-DD")
        );
    }

    #[test]
    fn impossible_and_future_dates_are_skipped() {
        let now = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("a time");
        let at = |name: &str| date_of(Path::new(name));
        assert_eq!(at("notes.html"), Dated::Not);
        assert_eq!(at("manifest.csv"), Dated::Not);
        for odd in [
            "2025-01-08.txt",
            "2025-01-08.MD",
            "2025-01-08.md.md",
            " 2025-01-08.md",
            "2025-01-08.md\nx",
            "2025-01-08\n.md",
            ".2025-01-08.md.swp",
            "2025-01-08",
        ] {
            let Dated::Odd(why) = at(odd) else {
                panic!("{odd:?} is not reported: {:?}", at(odd));
            };
            assert!(!why.contains('\n'), "{why}");
        }
        assert!(matches!(at("2025-02-30.html"), Dated::Impossible(_)));
        assert!(matches!(
            at("2025-01-08_4294967295.html"),
            Dated::Impossible(_)
        ));
        assert!(matches!(at("2025-01-08_x.html"), Dated::Impossible(_)));
        assert!(matches!(at("2025-01-08_2.html"), Dated::At(t) if t < now));
        assert!(matches!(at("2999-01-08.html"), Dated::At(t) if t > now));
    }

    #[test]
    fn text_escapes_only_what_would_be_markup() {
        let html = text_to_html("a & b < c && <<\nAT&T &amp; &#1; <b> </p> <!-- <?x");
        assert!(
            html.contains("<p>a & b < c && <<</p><p>AT&amp;T &amp;amp; &amp;#1; &lt;b> &lt;/p> &lt;!-- &lt;?x</p>"),
            "{html}"
        );
        let ampersands = "&".repeat(1000);
        assert!(text_to_html(&ampersands).len() < 1100);
    }

    #[test]
    fn markdown_with_too_many_marks_is_refused_saying_so() {
        let page = format!("# a\n# b\n{}", ">".repeat(MAX_MARKDOWN_MARKS));
        let problem = as_html(TextKind::Markdown, &page).expect_err("refused");
        assert!(problem.contains("lines and marks"), "{problem}");
        assert!(as_html(TextKind::Markdown, "# a\n# b\n> quoted\n").is_ok());
    }

    #[test]
    fn markdown_becomes_html() {
        let html = markdown_to_html("### Mali - Level 4: Do Not Travel\n\n***Reissued.***\n");
        assert!(
            html.contains("<h3>Mali - Level 4: Do Not Travel</h3>"),
            "{html}"
        );
        assert!(
            html.contains("<em><strong>Reissued.</strong></em>"),
            "{html}"
        );
    }
}
