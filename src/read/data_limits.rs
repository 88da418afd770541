//! Bounds on the memory a JSON or XML document may cost, checked before it is parsed.
//!
//! A body is at most `fetch.max_body` bytes, but what a parser builds from it is not: ten
//! megabytes of `[0,0,0,…]` become five million JSON values (about 160 MB in `serde_json`'s
//! tree), and as many `<a/>` as many XML nodes. Real documents hold far fewer: the State
//! Department's feed (0.8 MB) about 20,000 tags, Canada's index (190 KB) about 6,000 values. So
//! a document is first counted in one pass over its bytes, and refused, naming why, when it
//! could hold more than [`MAX_VALUES`]:
//! - JSON: every value but the first follows a `,` or opens with `[` or `{`, so their count
//!   (strings included, so an overestimate) bounds the values and members;
//! - XML: every element, comment or instruction opens with `<` and every attribute holds a
//!   `=`; roxmltree is also given the same limit of nodes.
//!
//! Pure: text in, a tree or a verdict out.

/// The most values (JSON) or nodes and attributes (XML) a document may hold: real ones hold at
/// most a few tens of thousands.
pub const MAX_VALUES: usize = 500_000;

/// How many bytes of `bytes` are one of `wanted` (a byte may be given twice): without
/// branches, so that the compiler counts 16 or 32 bytes at a time, as `page_limits` counts
/// control bytes.
fn count(bytes: &[u8], wanted: [u8; 3]) -> usize {
    let [one, two, three] = wanted;
    bytes
        .chunks(1 << 16)
        .map(|chunk| {
            chunk
                .iter()
                .map(|&b| u32::from((b == one) | (b == two) | (b == three)))
                .sum::<u32>() as usize
        })
        .sum()
}

/// The refusal of a document that could hold more than [`MAX_VALUES`] parts.
fn too_many(kind: &str, parts: &str, counted: usize) -> String {
    format!(
        "the {kind} document could hold {counted} {parts}, more than the limit of {MAX_VALUES}; refused before parsing (real advisory documents hold a few tens of thousands)"
    )
}

/// Refuses JSON text that could hold more than [`MAX_VALUES`] values and members.
pub fn admit_json(text: &[u8]) -> Result<(), String> {
    let counted = count(text, *b",[{");
    if counted > MAX_VALUES {
        return Err(too_many("JSON", "values", counted));
    }
    Ok(())
}

/// Parses JSON text into a tree, after [`admit_json`].
pub fn parse_json(text: &str) -> Result<serde_json::Value, String> {
    admit_json(text.as_bytes())?;
    serde_json::from_str(text).map_err(|e| format!("the document is not valid JSON: {e}"))
}

/// Parses XML text, refused when it could hold more than [`MAX_VALUES`] nodes and
/// attributes; no DTDs. `what` names the document in a parse error ("the feed").
pub fn parse_xml<'a>(text: &'a str, what: &str) -> Result<roxmltree::Document<'a>, String> {
    let counted = count(text.as_bytes(), *b"<==");
    if counted > MAX_VALUES {
        return Err(too_many("XML", "nodes and attributes", counted));
    }
    let options = roxmltree::ParsingOptions {
        nodes_limit: MAX_VALUES as u32,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| format!("{what} is not well-formed XML: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_real_sized_document_is_read_and_a_flood_of_values_is_refused_naming_why() {
        let ordinary = format!("[{}]", vec!["{\"a\": [1, 2]}"; 1000].join(","));
        assert!(parse_json(&ordinary).is_ok());
        let flood = format!("[{}0]", "0,".repeat(MAX_VALUES + 1));
        let refused = parse_json(&flood).expect_err("refused");
        assert!(
            refused.contains("JSON document could hold 500002 values"),
            "{refused}"
        );
        assert!(refused.contains("limit of 500000"), "{refused}");
        assert!(parse_json("{").expect_err("bad").contains("not valid JSON"));

        let feed = format!(
            "<rss><channel>{}</channel></rss>",
            "<item a=\"1\"/>".repeat(1000)
        );
        assert!(parse_xml(&feed, "the feed").is_ok());
        let flood = format!("<r>{}</r>", "<a/>".repeat(MAX_VALUES));
        let refused = parse_xml(&flood, "the feed").expect_err("refused");
        assert!(
            refused.contains("XML document could hold 500002 nodes"),
            "{refused}"
        );
        let attributes = format!(
            "<r {}/>",
            (0..MAX_VALUES)
                .map(|i| format!("a{i}=\"\""))
                .collect::<String>()
        );
        assert!(parse_xml(&attributes, "the feed").is_err());
        assert!(
            parse_xml("<a>", "the feed")
                .expect_err("bad")
                .starts_with("the feed is not well-formed XML")
        );
    }

    #[test]
    fn the_count_sees_every_byte_whatever_the_length() {
        for n in [0, 1, 31, 32, 33, 1000] {
            assert_eq!(count(",x".repeat(n).as_bytes(), *b",,,"), n);
        }
    }
}
