//! Output meant for a terminal, made safe from the pages it quotes.
//!
//! Page text reaches standard output in `check`, `report --format text` and the other
//! commands. A page can carry escape sequences (CSI such as `ESC [2J`, OSC such as a hidden
//! hyperlink or a window title, DCS, the C1 forms of each) and bells that a terminal would
//! obey. This module owns [`Sanitizing`], a writer that drops every such sequence and every
//! other control character except newline and tab, whatever the split of the bytes across
//! writes. It knows nothing of what is written; `main` wraps standard output in it.

use std::io::{self, Write};

/// Where the filter is inside a control sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Plain text.
    Ground,
    /// After ESC.
    Escape,
    /// After ESC and an intermediate byte (0x20-0x2F): waits for the final byte.
    EscapeIntermediate,
    /// Inside a CSI sequence: waits for its final byte (0x40-0x7E).
    Csi,
    /// Inside an OSC, DCS, SOS, PM or APC string: waits for BEL or ESC \.
    String,
    /// After ESC inside such a string.
    StringEscape,
    /// After 0xC2, the first byte of a C1 control in UTF-8 (U+0080 to U+009F), or of an
    /// ordinary character.
    C2,
}

/// A writer that passes text through without terminal control sequences.
///
/// A sequence that is never finished ends at the next newline, so a page cannot hide the rest
/// of the output.
#[derive(Debug)]
pub struct Sanitizing<W: Write> {
    inner: W,
    state: State,
    kept: Vec<u8>,
}

impl<W: Write> Sanitizing<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Sanitizing<W> {
        Sanitizing {
            inner,
            state: State::Ground,
            kept: Vec::new(),
        }
    }

    fn filter(&mut self, byte: u8) {
        use State::*;
        self.state = match (self.state, byte) {
            (_, b'\n') if self.state != C2 => {
                self.kept.push(b'\n');
                Ground
            }
            (Ground, 0x1b) => Escape,
            (Ground, b'\t') => {
                self.kept.push(byte);
                Ground
            }
            (Ground, 0x00..=0x1f | 0x7f) => Ground,
            (Ground, 0xc2) => C2,
            (Ground, _) => {
                self.kept.push(byte);
                Ground
            }
            // A C1 control alone is dropped: without it what follows is plain text, and a
            // JSON string around it keeps its closing quote.
            (C2, 0x80..=0x9f) => Ground,
            (C2, _) => {
                self.kept.push(0xc2);
                self.state = Ground;
                self.filter(byte);
                return;
            }
            (Escape, b'[') => Csi,
            (Escape, b']' | b'P' | b'X' | b'^' | b'_') => String,
            (Escape, 0x20..=0x2f) => EscapeIntermediate,
            (Escape | EscapeIntermediate, 0x1b) => Escape,
            (Escape, _) => Ground,
            (EscapeIntermediate, 0x20..=0x2f) => EscapeIntermediate,
            (EscapeIntermediate, _) => Ground,
            (Csi, 0x40..=0x7e) => Ground,
            (Csi, _) => Csi,
            (String | StringEscape, 0x07) => Ground,
            (String, 0x1b) => StringEscape,
            (StringEscape, b'\\') => Ground,
            (StringEscape, 0x1b) => StringEscape,
            (String | StringEscape, _) => String,
        };
    }
}

impl<W: Write> Write for Sanitizing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.kept.clear();
        for &byte in buf {
            self.filter(byte);
        }
        self.inner.write_all(&self.kept)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// `text` without terminal control sequences.
pub fn sanitize(text: &str) -> String {
    let mut out = Sanitizing::new(Vec::new());
    let _ = out.write_all(text.as_bytes());
    if out.state == State::C2 {
        out.inner.push(0xc2);
    }
    String::from_utf8_lossy(&out.inner).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_sequences_are_dropped_and_text_kept() {
        for (input, expected) in [
            ("plain text, naïve café\n", "plain text, naïve café\n"),
            ("a\u{1b}[2Jb", "ab"),
            ("a\u{1b}[31;1mred\u{1b}[0m", "ared"),
            (
                "\u{1b}]8;;http://evil.example\u{7}click\u{1b}]8;;\u{7}",
                "click",
            ),
            ("\u{1b}]0;title\u{1b}\\after", "after"),
            ("bell\u{7}\u{8}\r", "bell"),
            (
                "c1 \u{9b}2J csi and \u{9d}0;t\u{7} osc",
                "c1 2J csi and 0;t osc",
            ),
            ("tab\tkept", "tab\tkept"),
            ("\u{1b}]0;never ended\nnext line", "\nnext line"),
            ("\u{1b}(Bcharset", "charset"),
            ("Â and ¢", "Â and ¢"),
        ] {
            assert_eq!(sanitize(input), expected, "{input:?}");
        }
    }

    #[test]
    fn sequences_split_across_writes_are_still_dropped() {
        let text = "one \u{1b}]8;;http://x\u{7}two\u{9b} three\n";
        for split in 0..text.len() {
            let mut out = Sanitizing::new(Vec::new());
            out.write_all(&text.as_bytes()[..split]).expect("write");
            out.write_all(&text.as_bytes()[split..]).expect("write");
            assert_eq!(String::from_utf8_lossy(&out.inner), "one two three\n");
        }
    }
}
