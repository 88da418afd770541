//! Extraction profiles: how each field of an advisory is found in a document.
//!
//! This module owns the profile's two forms (the raw TOML table and the compiled one, with every
//! CSS selector, JSON pointer, XML path and `level_map` parsed once), the formats (`html`: CSS
//! selectors, `json`: JSON pointers, `xml`: element paths, `rss`: the State Department's feed,
//! `hk-ota`: Hong Kong's Outbound Travel Alert index), the named level scales and the
//! `level_map` tables that turn a government's own wording into levels 1-4 (`scale` reads
//! them), the government a profile reads, the built-in profiles shipped inside the crate
//! (`profiles.toml`), and the resolution of a source's profile name or list into a [`Reader`].
//! Reading a document with a profile is `extract`'s job; where profiles are configured is
//! `config`'s.
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, OnceLock};

mod compile;
mod definition;

use compile::compile;
pub use definition::*;

/// A profile as the set holds it: a user's, compiled at load so that its mistakes are found
/// there, or a built-in one, compiled when first used (most configurations use few of them,
/// and a test compiles them all).
#[derive(Debug)]
enum Entry {
    User(Definition),
    Builtin(&'static RawProfile, OnceLock<Definition>),
}

/// Every defined profile, built-in and user-defined, by name.
#[derive(Debug)]
pub struct ProfileSet {
    definitions: BTreeMap<String, Entry>,
    descriptions: BTreeMap<String, String>,
    governments: BTreeMap<String, String>,
}

static BUILTIN_RAW: LazyLock<BTreeMap<String, RawProfile>> = LazyLock::new(|| {
    toml::from_str(BUILTIN_PROFILES_TOML).expect("the built-in profiles.toml parses")
});

/// The government a built-in profile (or the first of a built-in `try` list) reads: what a
/// stored version's profile says when its source recorded none.
pub fn builtin_government(name: &str) -> Option<&'static str> {
    let profile = BUILTIN_RAW.get(name)?;
    profile.government.as_deref().or_else(|| {
        profile
            .try_profiles
            .as_ref()?
            .iter()
            .filter(|inner| inner.as_str() != name)
            .find_map(|inner| BUILTIN_RAW.get(inner)?.government.as_deref())
    })
}

impl ProfileSet {
    /// The built-in profiles only.
    pub fn builtin() -> ProfileSet {
        ProfileSet::with_user_profiles(&BTreeMap::new())
            .expect("the built-in profiles compile (checked by a test)")
    }

    /// The built-in profiles plus the user's; a user profile replaces a built-in of the same
    /// name.
    pub fn with_user_profiles(
        user: &BTreeMap<String, RawProfile>,
    ) -> Result<ProfileSet, ProfileError> {
        let mut definitions = BTreeMap::new();
        let mut descriptions = BTreeMap::new();
        let mut governments = BTreeMap::new();
        // A user profile replaces a built-in one of the same name, words included.
        let mut describe = |name: &str, profile: &RawProfile| {
            governments.remove(name);
            if let Some(government) = profile.government.as_deref().map(str::trim)
                && !government.is_empty()
            {
                governments.insert(name.to_owned(), government.to_owned());
            }
            descriptions.insert(
                name.to_owned(),
                profile.description.clone().unwrap_or_default(),
            );
        };
        let builtin: &'static BTreeMap<String, RawProfile> = &BUILTIN_RAW;
        for (name, profile) in builtin {
            describe(name, profile);
            definitions.insert(name.clone(), Entry::Builtin(profile, OnceLock::new()));
        }
        for (name, profile) in user {
            describe(name, profile);
            definitions.insert(name.clone(), Entry::User(compile(name, profile)?));
        }
        let set = ProfileSet {
            definitions,
            descriptions,
            governments,
        };
        for (name, entry) in &set.definitions {
            if matches!(entry, Entry::User(_)) {
                set.reader(std::slice::from_ref(name), &format!("profile `{name}`"))?;
            }
        }
        Ok(set)
    }

    /// Resolves a list of HTML profile names into the selector profiles to try, in order.
    pub fn resolve_names(
        &self,
        names: &[String],
        context: &str,
    ) -> Result<Vec<Arc<Profile>>, ProfileError> {
        match self.reader(names, context)? {
            Reader::Page(profiles) => Ok(profiles),
            other => Err(ProfileError::MixedFormats {
                context: context.to_owned(),
                formats: format!("{} is not an html profile", other.names().join(", ")),
            }),
        }
    }

    /// Resolves a source's profile name or list into its reader: HTML profiles tried in order
    /// (`try` lists expanded, repeats dropped), or one JSON or RSS profile.
    pub fn reader(&self, names: &[String], context: &str) -> Result<Reader, ProfileError> {
        if names.is_empty() {
            return Err(ProfileError::EmptyList {
                context: context.to_owned(),
            });
        }
        let mut html: Vec<Arc<Profile>> = Vec::new();
        let mut others: Vec<Reader> = Vec::new();
        for name in names {
            self.expand(name, context, &mut Vec::new(), &mut html, &mut others)?;
        }
        match (html.is_empty(), others.len()) {
            (false, 0) => Ok(Reader::Page(html)),
            (true, 1) => Ok(others.remove(0)),
            _ => {
                let mut formats: Vec<String> = others.iter().flat_map(Reader::names).collect();
                formats.extend(html.iter().map(|p| format!("{} (html)", p.name)));
                Err(ProfileError::MixedFormats {
                    context: context.to_owned(),
                    formats: formats.join(", "),
                })
            }
        }
    }

    fn expand(
        &self,
        name: &str,
        context: &str,
        stack: &mut Vec<String>,
        out: &mut Vec<Arc<Profile>>,
        others: &mut Vec<Reader>,
    ) -> Result<(), ProfileError> {
        if stack.iter().any(|s| s == name) {
            return Err(ProfileError::Cycle {
                profile: stack[0].clone(),
            });
        }
        let definition = self.definition(name).ok_or_else(|| ProfileError::Unknown {
            context: context.to_owned(),
            name: name.to_owned(),
            known: self.names().join(", "),
        })?;
        match definition {
            Definition::Selectors(profile) => {
                if !out.iter().any(|p| p.name == profile.name) {
                    out.push(Arc::clone(profile));
                }
            }
            Definition::Json(profile) => others.push(Reader::Json(Arc::clone(profile))),
            Definition::Xml(profile) => others.push(Reader::Xml(Arc::clone(profile))),
            Definition::Ota(profile) => others.push(Reader::Ota(Arc::clone(profile))),
            Definition::Rss(map) => others.push(Reader::Rss(map.clone())),
            Definition::Try(list) => {
                stack.push(name.to_owned());
                for inner in list {
                    self.expand(inner, &format!("profile `{name}`"), stack, out, others)?;
                }
                stack.pop();
            }
        }
        Ok(())
    }

    /// A profile's definition, compiling a built-in one on first use.
    fn definition(&self, name: &str) -> Option<&Definition> {
        Some(match self.definitions.get(name)? {
            Entry::User(definition) => definition,
            Entry::Builtin(raw, compiled) => compiled.get_or_init(|| {
                compile(name, raw).expect("the built-in profiles compile (checked by a test)")
            }),
        })
    }

    /// Every profile name.
    pub fn names(&self) -> Vec<String> {
        self.definitions.keys().cloned().collect()
    }

    /// The government a profile (or the first profile of a `try` list) reads, when it says.
    pub fn government(&self, name: &str) -> Option<&str> {
        if let Some(government) = self.governments.get(name) {
            return Some(government);
        }
        match self.definition(name)? {
            Definition::Try(list) => list.iter().find_map(|inner| {
                (inner != name)
                    .then(|| self.governments.get(inner.as_str()))
                    .flatten()
                    .map(String::as_str)
            }),
            _ => None,
        }
    }

    /// Every profile's name and description, for `config-check`.
    pub fn describe(&self) -> impl Iterator<Item = (&str, &str)> {
        self.descriptions
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_compile_and_resolve() {
        let set = ProfileSet::builtin();
        let chain = set
            .resolve_names(&["state-dept".into()], "test")
            .expect("state-dept resolves");
        let names: Vec<_> = chain.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["state-dept-2025", "state-dept-legacy"]);
        for name in ["state-dept-2025", "state-dept-legacy", "aggregator"] {
            set.resolve_names(&[name.into()], "test").expect(name);
        }
        // Built-in profiles compile when first used: every one of them compiles.
        for name in set.names() {
            set.reader(std::slice::from_ref(&name), "test")
                .expect(&name);
        }
    }

    #[test]
    fn bad_selector_names_profile_and_key() {
        let user: BTreeMap<String, RawProfile> = toml::from_str(
            r#"
            [mine]
            level = "h3.level"
            summary = "div..summary"
            "#,
        )
        .expect("toml");
        let err = ProfileSet::with_user_profiles(&user).expect_err("bad selector");
        let message = err.to_string();
        assert!(message.contains("profile `mine`"), "{message}");
        assert!(message.contains("`summary`"), "{message}");
        assert!(message.contains("div..summary"), "{message}");
    }

    #[test]
    fn missing_required_key_is_named() {
        let user: BTreeMap<String, RawProfile> =
            toml::from_str("[mine]\nlevel = \"h3\"\n").expect("toml");
        let message = ProfileSet::with_user_profiles(&user)
            .expect_err("no summary")
            .to_string();
        assert!(message.contains("key `summary` is required"), "{message}");
    }

    #[test]
    fn try_cycles_and_unknown_names_are_refused() {
        let user: BTreeMap<String, RawProfile> =
            toml::from_str("[a]\ntry = [\"b\"]\n[b]\ntry = [\"a\"]\n").expect("toml");
        let message = ProfileSet::with_user_profiles(&user)
            .expect_err("cycle")
            .to_string();
        assert!(message.contains("refers back to itself"), "{message}");

        let user: BTreeMap<String, RawProfile> =
            toml::from_str("[a]\ntry = [\"nope\"]\n").expect("toml");
        let message = ProfileSet::with_user_profiles(&user)
            .expect_err("unknown")
            .to_string();
        assert!(
            message.contains("profile `nope` is not defined"),
            "{message}"
        );
    }
}
