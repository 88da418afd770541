//! A profile's `region`, compiled: the element that holds everything its selectors can match
//! (`div.tsg-rwd-main-copy-frame`, `section#advisory`), given by the profile or inferred from
//! its selectors, and the leading compound of each selector reduced to what an element must
//! carry. Compiled once when the profile is loaded; `read::page_region` scans a page with it.
//! Pure.
//!
//! Why the leading compounds are enough: an element matching `A B > C` has an ancestor matching
//! `A`. When no element outside the region can match `A` (the scan makes sure), every match of
//! the selector lies inside the region, and so does every element its compounds after `A` meet
//! on the way; inside the region the tree is the same either way. So only the leading compound
//! of each alternative has to name a class, id or attribute; the others may be bare tags.

/// One compound selector (`h3.title`, `[id='x']`), reduced to what an element must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Compound {
    /// The tag name, lowercase; `None` for any.
    pub(crate) tag: Option<String>,
    /// `(attribute, value)`: `class` and `id` for `.x` and `#x`; a value of `None` asks only
    /// for the attribute. Lowercase.
    pub(crate) needs: Vec<(String, Option<String>)>,
}

impl Compound {
    /// The compound written back as a selector (`section#advisory`, `*[data-x='y']`).
    fn text(&self) -> String {
        let mut out = self.tag.clone().unwrap_or_default();
        for (attr, value) in &self.needs {
            match (attr.as_str(), value) {
                ("class", Some(v)) => out.push_str(&format!(".{v}")),
                ("id", Some(v)) if !v.contains(' ') => out.push_str(&format!("#{v}")),
                (_, Some(v)) => out.push_str(&format!("[{attr}='{v}']")),
                (_, None) => out.push_str(&format!("[{attr}]")),
            }
        }
        out
    }

    /// The same compound however its parts are ordered.
    fn normalized(&self) -> Compound {
        let mut needs = self.needs.clone();
        needs.sort();
        needs.dedup();
        Compound {
            tag: self.tag.clone(),
            needs,
        }
    }
}

/// Where a profile's region comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The profile's `region` key.
    Given,
    /// The compound every selector of the profile starts with.
    Inferred,
}

/// A profile's region and the leading compounds of its selectors, compiled when the profile is
/// loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// The region's root: an element with this tag (any allowed one when `None`) and these
    /// classes, id and attributes.
    pub(crate) root: Compound,
    /// The leading compound of every alternative of every selector of the profile, each once:
    /// no element outside the region may match one of them.
    pub(crate) compounds: Vec<Compound>,
    /// Given or inferred.
    pub origin: Origin,
}

/// Why an element cannot be a region's root, or `None` when it can: cutting a page at it could
/// change how html5ever builds the tree (or there is nothing inside it to cut to).
pub(crate) fn refused_root(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "area" | "base" | "basefont" | "bgsound" | "br" | "col" | "embed" | "frame" | "hr"
        | "img" | "image" | "input" | "keygen" | "link" | "meta" | "param" | "source" | "track"
        | "wbr" => "it is a void element and holds nothing",
        "script" | "style" | "textarea" | "title" | "xmp" | "iframe" | "noembed" | "noframes"
        | "noscript" | "plaintext" => "html5ever reads its content as text, not elements",
        "template" => "its content is a separate document fragment",
        "table" | "caption" | "colgroup" | "tbody" | "thead" | "tfoot" | "tr" | "td" | "th" => {
            "html5ever moves misplaced content out of tables (foster parenting)"
        }
        "select" | "option" | "optgroup" | "datalist" => {
            "html5ever parses select menus in a mode of their own"
        }
        "svg" | "math" => "it is foreign (SVG or MathML) content",
        "p" | "li" | "dd" | "dt" | "rb" | "rp" | "rt" | "rtc" => {
            "html5ever closes it without its end tag, so where it ends depends on what follows"
        }
        "a" | "b" | "big" | "code" | "em" | "font" | "i" | "nobr" | "s" | "small" | "strike"
        | "strong" | "tt" | "u" => "html5ever reopens formatting elements across others",
        "html" | "head" | "body" | "frameset" => "it is the document's structure",
        "applet" | "marquee" | "object" | "button" | "form" | "menuitem" | "isindex" => {
            "html5ever treats it specially across the page"
        }
        _ => return None,
    })
}

/// A selector's alternatives, each a chain of compounds, with its text for messages.
type Parsed<'a> = (&'a str, Vec<Vec<Compound>>);

fn parse_all<'a>(selectors: &[&'a str]) -> Result<Vec<Parsed<'a>>, String> {
    selectors
        .iter()
        .map(|selector| {
            parse_selector(selector).map(|list| (*selector, list)).ok_or_else(|| {
                format!("selector `{selector}` uses more than tags, classes, ids, [attr='value'], spaces and >")
            })
        })
        .collect()
}

/// The leading compound of every alternative, each once; an error names an alternative whose
/// leading compound carries no class, id or attribute.
fn leading(parsed: &[Parsed<'_>]) -> Result<Vec<Compound>, String> {
    let mut compounds: Vec<Compound> = Vec::new();
    for (selector, list) in parsed {
        for alternative in list {
            let first = alternative[0].normalized();
            if first.needs.is_empty() {
                return Err(format!(
                    "selector `{selector}` starts with `{}`, which has no class, id or attribute",
                    first.text()
                ));
            }
            if !compounds.contains(&first) {
                compounds.push(first);
            }
        }
    }
    Ok(compounds)
}

impl Region {
    /// Compiles `root` (one compound selector of an element that may hold a region) and the
    /// profile's selectors; the error says which one is outside the form the scan can reason
    /// about, or why the element cannot be a region.
    pub fn compile(root: &str, selectors: &[&str]) -> Result<Region, String> {
        let root_text = root;
        let root = match parse_selector(root).as_deref() {
            Some([compound]) if compound.len() == 1 => compound[0].normalized(),
            _ => {
                return Err(format!(
                    "`{root}` must be one compound selector of an element, like div.class or section#id"
                ));
            }
        };
        if root.needs.is_empty() {
            return Err(format!(
                "`{root_text}` must name an element by a class, id or attribute"
            ));
        }
        if let Some(why) = root.tag.as_deref().and_then(refused_root) {
            return Err(format!(
                "`{root_text}` cannot be a region: {why}; name an element around it, like a div or section"
            ));
        }
        let compounds = leading(&parse_all(selectors)?)?;
        Ok(Region {
            root,
            compounds,
            origin: Origin::Given,
        })
    }

    /// The region a profile's selectors imply: the compound that every alternative of every
    /// selector starts with (`section#advisory` in `section#advisory h2` and
    /// `section#advisory > .level`), the nearest element every match must lie inside. The
    /// error says why there is none, naming the selector.
    pub fn infer(selectors: &[&str]) -> Result<Region, String> {
        let parsed = parse_all(selectors)?;
        let mut common: Option<(Compound, &str)> = None;
        for (selector, list) in &parsed {
            for alternative in list {
                let first = alternative[0].normalized();
                match &common {
                    None => common = Some((first, selector)),
                    Some((root, _)) if *root == first => {}
                    Some((root, _)) => {
                        return Err(format!(
                            "selector `{selector}` is not inside a common element (`{}` is not its first part)",
                            root.text()
                        ));
                    }
                }
            }
        }
        let (root, selector) = common.ok_or_else(|| "the profile has no selectors".to_owned())?;
        if root.needs.is_empty() {
            return Err(format!(
                "selector `{selector}` starts with `{}`, which has no class, id or attribute",
                root.text()
            ));
        }
        if let Some(why) = root.tag.as_deref().and_then(refused_root) {
            return Err(format!(
                "the common element `{}` cannot be a region: {why}",
                root.text()
            ));
        }
        Ok(Region {
            compounds: vec![root.clone()],
            root,
            origin: Origin::Inferred,
        })
    }

    /// The root as a selector, for messages (`section#advisory`).
    pub fn root_text(&self) -> String {
        self.root.text()
    }
}

/// Whether an element could match a compound: its tag, and each class, id or attribute as a
/// case-insensitive substring of the value (a character reference could write anything).
pub(crate) fn could_match<N: AsRef<str>>(
    compound: &Compound,
    name: &str,
    attrs: &[(N, &[u8])],
) -> bool {
    if compound.tag.as_deref().is_some_and(|t| t != name) {
        return false;
    }
    compound.needs.iter().all(|(attr, value)| {
        attrs.iter().any(|(n, have)| {
            n.as_ref() == attr
                && value.as_deref().is_none_or(|v| {
                    have.contains(&b'&') || contains_ignoring_case(have, v.as_bytes())
                })
        })
    })
}

/// Whether `needle` (lowercase) is in `haystack`, ignoring ASCII case.
fn contains_ignoring_case(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Parses a selector list made only of compounds (tag, `.class`, `#id`, `[attr]`,
/// `[attr=value]`) joined by spaces or `>`; `None` for anything else.
fn parse_selector(text: &str) -> Option<Vec<Vec<Compound>>> {
    let bytes = text.as_bytes();
    let ident = |i: &mut usize| -> Option<String> {
        let s = *i;
        while *i < bytes.len()
            && (bytes[*i].is_ascii_alphanumeric() || matches!(bytes[*i], b'-' | b'_'))
        {
            *i += 1;
        }
        (*i > s).then(|| text[s..*i].to_ascii_lowercase())
    };
    let mut list = vec![Vec::new()];
    let mut i = 0;
    loop {
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'>') {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        if bytes[i] == b',' {
            list.push(Vec::new());
            i += 1;
            continue;
        }
        let mut compound = Compound {
            tag: None,
            needs: Vec::new(),
        };
        if bytes[i] == b'*' {
            i += 1;
        } else if bytes[i].is_ascii_alphabetic() {
            compound.tag = Some(ident(&mut i)?);
        }
        while i < bytes.len() {
            match bytes[i] {
                b'.' | b'#' => {
                    let attr = if bytes[i] == b'.' { "class" } else { "id" };
                    i += 1;
                    compound.needs.push((attr.to_owned(), Some(ident(&mut i)?)));
                }
                b'[' => {
                    i += 1;
                    let attr = ident(&mut i)?;
                    let value = match bytes.get(i)? {
                        b']' => None,
                        b'=' => {
                            i += 1;
                            let value = match bytes.get(i)? {
                                q @ (b'\'' | b'"') => {
                                    let end = i + 1 + text[i + 1..].find(*q as char)?;
                                    let v = text[i + 1..end].to_ascii_lowercase();
                                    i = end + 1;
                                    v
                                }
                                _ => ident(&mut i)?,
                            };
                            (bytes.get(i) == Some(&b']')).then_some(())?;
                            Some(value)
                        }
                        _ => return None,
                    };
                    i += 1;
                    compound.needs.push((attr, value));
                }
                b' ' | b'\t' | b'\n' | b'>' | b',' => break,
                _ => return None,
            }
        }
        if compound.tag.is_none() && compound.needs.is_empty() {
            return None;
        }
        list.last_mut()?.push(compound);
    }
    list.iter().all(|c| !c.is_empty()).then_some(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_found_in_an_attribute_whatever_its_case_and_place() {
        let class = b"tsg-rwd-main TSG-RWD-Main-Copy-Frame x";
        assert!(contains_ignoring_case(class, b"tsg-rwd-main-copy-frame"));
        assert!(contains_ignoring_case(class, b"x"));
        assert!(contains_ignoring_case(class, b""));
        assert!(!contains_ignoring_case(class, b"copy-frame-x"));
        assert!(!contains_ignoring_case(b"tsg", b"tsg-rwd"));
        assert!(!contains_ignoring_case(b"", b"a"));
    }

    #[test]
    fn selectors_reduce_to_what_an_element_must_carry() {
        let list = parse_selector(".a h3.b > [id='x y'], li").expect("parses");
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].len(), 3);
        assert_eq!(list[0][1].tag.as_deref(), Some("h3"));
        assert_eq!(
            list[0][2].needs,
            vec![("id".to_owned(), Some("x y".to_owned()))]
        );
        for refused in ["a:first-child", "a + b", "a ~ b", "[x^='y']", "a|b"] {
            assert_eq!(parse_selector(refused), None, "{refused}");
        }
        assert!(Region::compile("div.frame", &["li"]).is_err());
        assert!(Region::compile("div.frame", &["li .x"]).is_err());
        assert!(Region::compile("span.frame", &[".x"]).is_ok());
        assert!(Region::compile("section", &[".x"]).is_err());
        let region = Region::compile("div.frame", &[".frame h3.t", "[id='c'] .on", ".frame li"])
            .expect("compiles");
        assert_eq!(region.origin, Origin::Given);
        // Only the leading compounds, each once: the rest can only match inside them.
        assert_eq!(
            region
                .compounds
                .iter()
                .map(Compound::text)
                .collect::<Vec<_>>(),
            [".frame", "#c"]
        );
    }

    #[test]
    fn a_region_naming_an_element_whose_cut_could_change_the_parse_is_refused_saying_why() {
        for (root, why) in [
            ("table.t", "foster parenting"),
            ("tr#x", "foster parenting"),
            ("template#t", "separate document fragment"),
            ("p.lead", "without its end tag"),
            ("li.item", "without its end tag"),
            ("select#s", "select menus"),
            ("svg.icon", "foreign"),
            ("math#m", "foreign"),
            ("noscript.n", "as text"),
            ("script#data", "as text"),
            ("textarea.t", "as text"),
            ("img.hero", "void element"),
            ("br.x", "void element"),
            ("b.x", "formatting"),
            ("a.x", "formatting"),
            ("form#f", "specially"),
            ("body.page", "structure"),
        ] {
            let error = Region::compile(root, &[".x"]).expect_err(root);
            assert!(error.contains(why), "{root}: {error}");
            assert!(error.contains(root), "{root}: {error}");
        }
        for root in [
            "div.frame",
            "section#advisory",
            "article.advisory",
            "main#content",
            "span.box",
            "h2.title",
            "ul.list",
            "advisory-box.x",
            "[data-region]",
            "#advisory",
        ] {
            assert!(Region::compile(root, &[".x"]).is_ok(), "{root}");
        }
    }

    #[test]
    fn a_region_is_inferred_only_from_a_compound_every_selector_starts_with() {
        let inferred = |selectors: &[&str]| Region::infer(selectors).map(|r| r.root_text());
        // Descendant and child combinators, written in any order, in every alternative.
        assert_eq!(
            inferred(&[
                "section#advisory h2",
                "section#advisory .level",
                "section#advisory > ul li.on",
                "SECTION#advisory p, section#advisory div.summary",
                "section#advisory",
            ]),
            Ok("section#advisory".to_owned())
        );
        assert_eq!(
            inferred(&["[data-x='1'].a.b p", ".b.a[data-x='1'] h2"]),
            Ok(".a.b[data-x='1']".to_owned())
        );
        assert_eq!(
            Region::infer(&["#a h2"]).map(|r| r.origin),
            Ok(Origin::Inferred)
        );
        // One selector, or one alternative, without it: no region, naming it.
        for (selectors, named) in [
            (
                &["section#advisory h2", "h1.title"][..],
                "`h1.title` is not inside a common element",
            ),
            (
                &["section#advisory h2", "section#advisory p, aside .x"],
                "`section#advisory p, aside .x`",
            ),
            (
                &["section#advisory h2", "main section#advisory p"],
                "`main section#advisory p`",
            ),
            (&["section#advisory h2", "#advisory p"], "`#advisory p`"),
            (&["h2", "h2 + p"], "uses more than"),
            (&["h2 span", "h2 p"], "no class, id or attribute"),
            (&["table.t td", "table.t th"], "foster parenting"),
            (&["p.lead b", "p.lead i"], "without its end tag"),
            (&["li:first-child a"], "uses more than"),
        ] {
            let why = Region::infer(selectors).expect_err(named);
            assert!(why.contains(named), "{selectors:?}: {why}");
        }
    }
}
