//! Bounds on the work and memory one page may cost, checked before and while the HTML parser
//! reads it.
//!
//! html5ever's work grows with the square of the nesting depth (100,000 nested `<div>`s, 1.1
//! MB, take half a minute) and of the attributes of one element (it looks for duplicates one by
//! one), and what it builds is not what a page holds: a page of 100,000 `<p>x` inside a few
//! dozen open formatting elements makes it build four million elements (half a gigabyte from
//! 400 KB). No timeout covers a synchronous parse, so this module owns two bounds:
//!
//! - a quick linear scan before parsing: a page that is mostly control bytes (NULs, a binary
//!   file) is refused ([`admit_bytes`]), and so is a page nested deeper than [`MAX_DEPTH`],
//!   holding more than [`MAX_ELEMENTS`] elements or an element with more than
//!   [`MAX_ATTRIBUTES`] attributes ([`admit`]). The scan is an estimate, not a parser: elements
//!   whose end tag may be left out (`p`, `li`, `td`, ...) and void elements are not counted as
//!   nesting, and the text of `script`, `style` and comments is skipped;
//! - the parse itself ([`parse_document`]), fed to html5ever in slices and abandoned as soon
//!   as the tree it has built holds more than [`MAX_PARTS`] nodes and attributes, whatever
//!   markup made it build them.
//!
//! A refusal is the extraction failure of every profile that would have read the page, saying
//! why. Pure: text in, a document or a verdict out.

use std::cell::{Cell, Ref};
use std::sync::Arc;

use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, QualName};
use scraper::{Html, HtmlTreeSink};

use crate::model::profile::Profile;
use crate::read::document::{Attempt, ExtractionFailure, Missing};

/// The deepest nesting of elements read.
pub const MAX_DEPTH: usize = 1000;

/// The most elements a page may hold.
pub const MAX_ELEMENTS: usize = 500_000;

/// The most attributes one element may carry (real pages carry at most a few dozen).
pub const MAX_ATTRIBUTES: usize = 200;

/// The most nodes (elements, runs of text, comments) and attributes the parser may build for
/// one page: the biggest real advisory pages make about 12,000. Half a million of them take
/// about 70 MB.
pub const MAX_PARTS: usize = 500_000;

/// How much of a page the parser is handed at once; the tree is measured after each slice, so
/// a page can overshoot [`MAX_PARTS`] by what one slice makes (at most about 40 elements per 4
/// bytes).
const SLICE: usize = 4096;

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
    /// The most attributes one element carries (about: names are counted, not parsed).
    pub attributes: usize,
}

impl Shape {
    /// Whether any limit is passed.
    pub fn over_limits(&self) -> bool {
        self.depth > MAX_DEPTH || self.elements > MAX_ELEMENTS || self.attributes > MAX_ATTRIBUTES
    }
}

/// Measures `html`, stopping as soon as a limit is passed.
pub fn measure(html: &str) -> Shape {
    let bytes = html.as_bytes();
    let (mut depth, mut deepest, mut elements) = (0usize, 0usize, 0usize);
    let mut most_attributes = 0;
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
        let (tag_len, attributes) = tag_end(&bytes[name_start + name_len..]);
        most_attributes = most_attributes.max(attributes);
        let Some(tag_len) = tag_len else {
            // The parser still reads every attribute of a tag the page never closes.
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
        if deepest > MAX_DEPTH || elements > MAX_ELEMENTS || most_attributes > MAX_ATTRIBUTES {
            break;
        }
    }
    Shape {
        depth: deepest,
        elements,
        attributes: most_attributes,
    }
}

/// Refuses a page that is mostly control bytes, as the extraction failure of every profile
/// that would have read it. Checked on the page as it came, before anything reads it as
/// Markdown or text.
pub fn admit_bytes(text: &str, profiles: &[Arc<Profile>]) -> Result<(), ExtractionFailure> {
    match mostly_control_bytes(text.as_bytes()) {
        Some(share) => Err(refusal(
            &format!(
                "was not read: {share}% of the page is control bytes (NUL and the like), which no advisory page is (a binary file, or a hostile or broken page)"
            ),
            profiles,
        )),
        None => Ok(()),
    }
}

/// Refuses a page whose tags are over the limits, as the extraction failure of every profile
/// that would have read it.
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
    } else if shape.attributes > MAX_ATTRIBUTES {
        format!(
            "was not read: an element of the page carries more than {MAX_ATTRIBUTES} attributes, which no advisory page does (a hostile or broken page)"
        )
    } else {
        return Ok(());
    };
    Err(refusal(&problem, profiles))
}

/// Parses a page as a document: refused before parsing when [`admit`] refuses it, and
/// abandoned as soon as the tree holds more than [`MAX_PARTS`] nodes and attributes.
pub fn parse_document(html: &str, profiles: &[Arc<Profile>]) -> Result<Html, ExtractionFailure> {
    admit(html, profiles)?;
    let parser =
        html5ever::driver::parse_document(Counting::new(Html::new_document()), Default::default());
    parse_in_slices(parser, html).map_err(|read| {
        refusal(
            &format!(
                "was not read: parsing the page built more than {MAX_PARTS} elements, attributes, comments and runs of text from its first {read}%, which no advisory page needs (a hostile or broken page)"
            ),
            profiles,
        )
    })
}

/// Parses an HTML fragment (a feed item's description, a JSON field) under the same bounds as
/// a page; `None` when it is over them.
pub fn parse_fragment(html: &str) -> Option<Html> {
    if measure(html).over_limits() {
        return None;
    }
    let parser = html5ever::driver::parse_fragment(
        Counting::new(Html::new_fragment()),
        Default::default(),
        QualName::new(None, html5ever::ns!(html), html5ever::local_name!("body")),
        Vec::new(),
        false,
    );
    parse_in_slices(parser, html).ok()
}

/// Feeds `html` to the parser a slice at a time; the share read (in percent) when the tree
/// passed [`MAX_PARTS`].
fn parse_in_slices(
    mut parser: html5ever::driver::Parser<Counting>,
    html: &str,
) -> Result<Html, usize> {
    let mut at = 0;
    while at < html.len() {
        let mut end = (at + SLICE).min(html.len());
        while !html.is_char_boundary(end) {
            end += 1;
        }
        parser.process(StrTendril::from_slice(&html[at..end]));
        at = end;
        if parser.tokenizer.sink.sink.parts() > MAX_PARTS {
            return Err((at * 100 / html.len()).max(1));
        }
    }
    Ok(parser.finish())
}

/// The share of control bytes (C0 controls other than tab, line feed, form feed and carriage
/// return, and DEL) in percent, when they are more than half of a page.
fn mostly_control_bytes(bytes: &[u8]) -> Option<usize> {
    // Without branches, so that the compiler counts 16 or 32 bytes at a time: this runs on
    // every page, and a byte-by-byte filter cost about 10 instructions a byte.
    let is_control = |b: u8| {
        ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\x0c') & (b != b'\r')) | (b == 0x7f)
    };
    let control: usize = bytes
        .chunks(1 << 16)
        .map(|chunk| chunk.iter().map(|&b| u32::from(is_control(b))).sum::<u32>() as usize)
        .sum();
    (control * 2 > bytes.len()).then(|| control * 100 / bytes.len())
}

/// The failure of every profile of the chain, for one reason.
pub fn refusal(problem: &str, profiles: &[Arc<Profile>]) -> ExtractionFailure {
    let attempts = profiles
        .iter()
        .map(|profile| Attempt {
            missing: vec![Missing {
                field: "page",
                selector: "html".to_owned(),
                problem: problem.to_owned(),
            }],
            ..Attempt::empty(&profile.name)
        })
        .collect();
    ExtractionFailure { attempts }
}

/// scraper's tree sink, counting the attributes it is handed (the tree counts its own nodes).
struct Counting {
    inner: HtmlTreeSink,
    attributes: Cell<usize>,
}

impl Counting {
    fn new(html: Html) -> Counting {
        Counting {
            inner: HtmlTreeSink::new(html),
            attributes: Cell::new(0),
        }
    }

    /// Nodes and attributes built so far.
    fn parts(&self) -> usize {
        self.inner.0.borrow().tree.nodes().len() + self.attributes.get()
    }

    fn count(&self, attributes: usize) {
        self.attributes
            .set(self.attributes.get().saturating_add(attributes));
    }
}

/// Everything is scraper's; only the counting is this module's.
impl TreeSink for Counting {
    type Handle = <HtmlTreeSink as TreeSink>::Handle;
    type Output = Html;
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> Html {
        self.inner.finish()
    }

    fn parse_error(&self, msg: std::borrow::Cow<'static, str>) {
        self.inner.parse_error(msg);
    }

    fn get_document(&self) -> Self::Handle {
        self.inner.get_document()
    }

    fn elem_name<'a>(&'a self, target: &'a Self::Handle) -> Self::ElemName<'a> {
        self.inner.elem_name(target)
    }

    fn create_element(
        &self,
        name: QualName,
        attrs: Vec<Attribute>,
        flags: ElementFlags,
    ) -> Self::Handle {
        self.count(attrs.len());
        self.inner.create_element(name, attrs, flags)
    }

    fn create_comment(&self, text: StrTendril) -> Self::Handle {
        self.inner.create_comment(text)
    }

    fn create_pi(&self, target: StrTendril, data: StrTendril) -> Self::Handle {
        self.inner.create_pi(target, data)
    }

    fn append(&self, parent: &Self::Handle, child: NodeOrText<Self::Handle>) {
        self.inner.append(parent, child);
    }

    fn append_based_on_parent_node(
        &self,
        element: &Self::Handle,
        prev_element: &Self::Handle,
        child: NodeOrText<Self::Handle>,
    ) {
        self.inner
            .append_based_on_parent_node(element, prev_element, child);
    }

    fn append_doctype_to_document(
        &self,
        name: StrTendril,
        public_id: StrTendril,
        system_id: StrTendril,
    ) {
        self.inner
            .append_doctype_to_document(name, public_id, system_id);
    }

    fn mark_script_already_started(&self, node: &Self::Handle) {
        self.inner.mark_script_already_started(node);
    }

    fn pop(&self, node: &Self::Handle) {
        self.inner.pop(node);
    }

    fn get_template_contents(&self, target: &Self::Handle) -> Self::Handle {
        self.inner.get_template_contents(target)
    }

    fn same_node(&self, x: &Self::Handle, y: &Self::Handle) -> bool {
        self.inner.same_node(x, y)
    }

    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode);
    }

    fn append_before_sibling(&self, sibling: &Self::Handle, new_node: NodeOrText<Self::Handle>) {
        self.inner.append_before_sibling(sibling, new_node);
    }

    fn add_attrs_if_missing(&self, target: &Self::Handle, attrs: Vec<Attribute>) {
        self.count(attrs.len());
        self.inner.add_attrs_if_missing(target, attrs);
    }

    fn associate_with_form(
        &self,
        target: &Self::Handle,
        form: &Self::Handle,
        nodes: (&Self::Handle, Option<&Self::Handle>),
    ) {
        self.inner.associate_with_form(target, form, nodes);
    }

    fn remove_from_parent(&self, target: &Self::Handle) {
        self.inner.remove_from_parent(target);
    }

    fn reparent_children(&self, node: &Self::Handle, new_parent: &Self::Handle) {
        self.inner.reparent_children(node, new_parent);
    }

    fn is_mathml_annotation_xml_integration_point(&self, handle: &Self::Handle) -> bool {
        self.inner
            .is_mathml_annotation_xml_integration_point(handle)
    }

    fn set_current_line(&self, line_number: u64) {
        self.inner.set_current_line(line_number);
    }

    fn allow_declarative_shadow_roots(&self, intended_parent: &Self::Handle) -> bool {
        self.inner.allow_declarative_shadow_roots(intended_parent)
    }

    fn attach_declarative_shadow(
        &self,
        location: &Self::Handle,
        template: &Self::Handle,
        attrs: &[Attribute],
    ) -> bool {
        self.inner
            .attach_declarative_shadow(location, template, attrs)
    }

    fn maybe_clone_an_option_into_selectedcontent(&self, option: &Self::Handle) {
        self.inner
            .maybe_clone_an_option_into_selectedcontent(option);
    }
}

/// The length of a tag's rest up to and including its `>` (none when it is not closed),
/// skipping quoted attribute values, and about how many attributes it names (a word after white
/// space, not a value after `=`), counted to one past [`MAX_ATTRIBUTES`].
fn tag_end(rest: &[u8]) -> (Option<usize>, usize) {
    let mut quote = None;
    let (mut attributes, mut after_space, mut after_equals) = (0, false, false);
    for (i, &b) in rest.iter().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => {
                quote = Some(b);
                after_space = false;
                after_equals = false;
            }
            (None, b'>') => return (Some(i + 1), attributes),
            (None, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/') => after_space = true,
            (None, b'=') => {
                after_space = false;
                after_equals = true;
            }
            (None, _) => {
                if after_space && !after_equals {
                    attributes += 1;
                    if attributes > MAX_ATTRIBUTES {
                        return (None, attributes);
                    }
                }
                after_space = false;
                after_equals = false;
            }
        }
    }
    (None, attributes)
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

    fn chain() -> Vec<Arc<Profile>> {
        crate::model::profile::ProfileSet::builtin()
            .resolve_names(&["state-dept".into()], "test")
            .expect("profile")
    }

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
    fn attributes_are_counted_per_element_and_values_are_not_names() {
        let shape = measure(
            "<div id=a class = \"b c\" hidden data-x='y z'><br/><img src=x alt=\"\" /></div>",
        );
        assert_eq!(shape.attributes, 4);
        let many = format!(
            "<i {}>",
            (0..300)
                .map(|i| format!("a{i}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert!(measure(&many).over_limits());
        // An element the page never closes is still counted.
        assert!(measure(&many[..many.len() - 1]).over_limits());
        let failure = admit(&many, &chain()).expect_err("refused");
        assert!(
            failure
                .to_string()
                .contains("carries more than 200 attributes"),
            "{failure}"
        );
    }

    #[test]
    fn a_page_mostly_of_control_bytes_is_refused_naming_them() {
        assert_eq!(mostly_control_bytes(&[0u8; 1000]), Some(100));
        assert_eq!(mostly_control_bytes(b"<p>a\tb\r\nc</p>\x0c"), None);
        let mut page = b"<html><body>".to_vec();
        page.extend(std::iter::repeat_n(1u8, 100));
        assert_eq!(mostly_control_bytes(&page), Some(89));
        assert_eq!(mostly_control_bytes(b""), None);
    }

    #[test]
    fn what_the_parser_builds_is_bounded_whatever_the_page_holds() {
        // A few dozen open formatting elements, then paragraphs: each `<p>x` makes html5ever
        // build every formatting element again (40 elements from 4 bytes).
        let formatting: String = [
            "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small",
        ]
        .iter()
        .map(|t| format!("<{t}><{t}><{t}>"))
        .collect();
        let page = format!("<p>{formatting}{}", "<p>x".repeat(20_000));
        assert!(!measure(&page).over_limits(), "the scan cannot see it");
        let failure = parse_document(&page, &chain())
            .map(|_| ())
            .expect_err("refused");
        assert!(
            failure
                .to_string()
                .contains("parsing the page built more than 500000 elements"),
            "{failure}"
        );
        assert!(parse_fragment(&page).is_none());
        // A thousand of them are read.
        let page = format!("<p>{formatting}{}", "<p>x".repeat(1000));
        assert!(parse_document(&page, &[]).is_ok());
    }

    #[test]
    fn a_page_parsed_in_slices_is_the_page_parsed_at_once() {
        let mut pages: Vec<String> = [
            "mali-2025.html",
            "nepal-2026.html",
            "mali-2013-aggregator.html",
            "mali-2023-legacy.html",
        ]
        .iter()
        .map(|name| {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures")
                .join(name);
            std::fs::read_to_string(&path).expect("fixture")
        })
        .collect();
        // Slices that end inside a character, a character reference and a CR LF.
        pages.push(format!(
            "{}é&amp;\r\n<p>Mali’s &lt;b&gt; &#233; &eacute</p>",
            "x".repeat(SLICE - 1)
        ));
        pages.push(format!("{}&am", "y".repeat(SLICE - 2)) + "p;<b>\r\nz</b>");
        for page in &pages {
            let sliced = parse_document(page, &[]).expect("within the limits");
            assert_eq!(sliced.html(), Html::parse_document(page).html());
            let fragment = parse_fragment(page).expect("within the limits");
            assert_eq!(fragment.html(), Html::parse_fragment(page).html());
        }
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
