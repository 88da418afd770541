//! Page text as paragraphs: block elements end one, inline ones do not, scripts and styles
//! are skipped. Each paragraph (a [`Block`]) keeps its leading emphasised run and whether it is
//! a list item, for the readers of alert texts. Fragments (a feed item's description, a JSON
//! document's HTML) are parsed through `page_limits`. Pure.

use ego_tree::iter::Edge;
use scraper::{ElementRef, Node};

use crate::model::advisory::collapse_whitespace;
use crate::read::alert::Block;
use crate::read::page_limits;

/// Text of an HTML fragment as paragraphs separated by blank lines.
pub fn html_to_text(html: &str) -> String {
    fragment_blocks(html)
        .into_iter()
        .map(|b| b.text)
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The paragraphs of an HTML fragment (a feed item's description), with their leading
/// emphasis and list-item marks.
pub fn fragment_blocks(html: &str) -> Vec<Block> {
    let Some(fragment) = page_limits::parse_fragment(html) else {
        tracing::warn!(
            "an HTML fragment of {} bytes was not read: it is over the limits of a page (a hostile or broken document)",
            html.len()
        );
        return Vec::new();
    };
    let mut blocks = Blocks::default();
    blocks.collect(fragment.root_element());
    blocks.finish_blocks()
}

/// The text of an element, whitespace collapsed, scripts and styles left out.
pub(super) fn element_text(element: ElementRef<'_>) -> String {
    let mut blocks = Blocks::default();
    blocks.collect(element);
    blocks.finish().join(" ")
}

/// Gathers text into paragraphs: block elements end a paragraph, inline ones do not. Each
/// paragraph keeps its leading emphasised run (a publisher's note is set in bold italic) and
/// whether it is a list item. Where an inline element's edge falls between two letters
/// (`due to<b>crime</b>`, `<b>terrorism</b>and`), a space is put in, as a reader sees one.
#[derive(Default)]
pub(super) struct Blocks {
    blocks: Vec<Block>,
    current: String,
    lead: String,
    lead_done: bool,
    emphasis: usize,
    items: usize,
    edge: bool,
}

impl Blocks {
    pub(super) fn collect(&mut self, root: ElementRef<'_>) {
        let mut skipping = 0usize;
        for edge in root.traverse() {
            match edge {
                Edge::Open(node) => match node.value() {
                    Node::Text(text) if skipping == 0 => self.push_text(text),
                    Node::Element(element) => {
                        let name = element.name();
                        if is_hidden(name) {
                            skipping += 1;
                        } else if skipping == 0 && is_block(name) {
                            self.flush();
                            if name == "li" {
                                self.items += 1;
                            }
                        } else if skipping == 0 {
                            self.edge = true;
                            if is_emphasis(name) {
                                self.emphasis += 1;
                            }
                        }
                    }
                    _ => {}
                },
                Edge::Close(node) => {
                    if let Node::Element(element) = node.value() {
                        let name = element.name();
                        if is_hidden(name) {
                            skipping = skipping.saturating_sub(1);
                        } else if skipping == 0 && is_block(name) {
                            self.flush();
                            if name == "li" {
                                self.items = self.items.saturating_sub(1);
                            }
                        } else if skipping == 0 {
                            self.edge = true;
                            if is_emphasis(name) {
                                self.emphasis = self.emphasis.saturating_sub(1);
                            }
                        }
                    }
                }
            }
        }
        self.flush();
    }

    fn push_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if std::mem::take(&mut self.edge)
            && self
                .current
                .chars()
                .last()
                .is_some_and(char::is_alphanumeric)
            && text.chars().next().is_some_and(char::is_alphanumeric)
        {
            self.current.push(' ');
            if !self.lead_done {
                self.lead.push(' ');
            }
        }
        self.current.push_str(text);
        if !self.lead_done {
            if self.emphasis > 0 {
                self.lead.push_str(text);
            } else if !text.trim().is_empty() {
                self.lead_done = true;
            }
        }
    }

    fn flush(&mut self) {
        let paragraph = collapse_whitespace(&self.current);
        let lead = collapse_whitespace(&self.lead);
        self.current.clear();
        self.lead.clear();
        self.lead_done = false;
        self.edge = false;
        let item = self.items > 0;
        if !paragraph.is_empty() {
            self.blocks.push(Block {
                text: paragraph,
                lead: (!lead.is_empty()).then_some(lead),
                item,
            });
        }
    }

    pub(super) fn finish_blocks(mut self) -> Vec<Block> {
        self.flush();
        self.blocks
    }

    pub(super) fn finish(self) -> Vec<String> {
        self.finish_blocks().into_iter().map(|b| b.text).collect()
    }
}

fn is_emphasis(name: &str) -> bool {
    matches!(name, "b" | "strong" | "i" | "em")
}

fn is_hidden(name: &str) -> bool {
    matches!(name, "script" | "style" | "noscript" | "template")
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "li"
            | "ul"
            | "ol"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "br"
            | "tr"
            | "table"
            | "section"
            | "article"
            | "blockquote"
            | "header"
            | "footer"
            | "dd"
            | "dt"
            | "dl"
            | "pre"
            | "hr"
            | "figure"
            | "figcaption"
            | "main"
            | "aside"
            | "nav"
            | "details"
            | "summary"
    )
}
