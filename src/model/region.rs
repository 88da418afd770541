//! A profile's `region`, compiled: the element that holds everything its selectors can match
//! (`div.tsg-rwd-main-copy-frame`), and each compound of those selectors reduced to what an
//! element must carry. Compiled once when the profile is loaded; `read::page_region` scans a
//! page with it. Pure.

/// One compound selector (`h3.title`, `[id='x']`), reduced to what an element must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Compound {
    /// The tag name, lowercase; `None` for any.
    pub(crate) tag: Option<String>,
    /// `(attribute, value)`: `class` and `id` for `.x` and `#x`; a value of `None` asks only
    /// for the attribute. Lowercase.
    pub(crate) needs: Vec<(String, Option<String>)>,
}

/// A profile's region and the compounds of its selectors, compiled when the profile is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// The region's root: a `div` with these classes, id and attributes.
    pub(crate) root: Compound,
    /// Every compound of every selector of the profile.
    pub(crate) compounds: Vec<Compound>,
}

impl Region {
    /// Compiles `root` (a compound selector of a `div`) and the profile's selectors; the error
    /// says which one is outside the form the scan can reason about.
    pub fn compile(root: &str, selectors: &[&str]) -> Result<Region, String> {
        let root = match parse_selector(root).as_deref() {
            Some([compound]) if compound.len() == 1 => compound[0].clone(),
            _ => {
                return Err(format!(
                    "`{root}` must be one compound selector of a div, like div.class"
                ));
            }
        };
        if root.tag.as_deref().is_some_and(|t| t != "div") || root.needs.is_empty() {
            return Err(format!(
                "`{}` must name a div by a class, id or attribute",
                root.tag.as_deref().unwrap_or("*")
            ));
        }
        let mut compounds = Vec::new();
        for selector in selectors {
            let list = parse_selector(selector).ok_or_else(|| {
                format!("selector `{selector}` uses more than tags, classes, ids, [attr='value'], spaces and >")
            })?;
            for compound in list.into_iter().flatten() {
                if compound.needs.is_empty() {
                    return Err(format!(
                        "selector `{selector}` has a part with no class, id or attribute"
                    ));
                }
                compounds.push(compound);
            }
        }
        Ok(Region { root, compounds })
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
        assert!(Region::compile("span.frame", &[".x"]).is_err());
        assert!(Region::compile("div.frame", &[".frame h3.t", "[id='c'] .on"]).is_ok());
    }
}
