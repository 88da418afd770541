//! Watch-lists: named sets of countries (`[watchlists.sahel] countries = ["Mali", "Niger"]`),
//! resolved to ISO codes when the configuration loads, so that `report --watch`, the
//! dashboard's `?watch=` and a channel's `watch` filter all mean the same countries. Which
//! changes, sources and events a list covers is asked here; applying it is each view's job.

use std::collections::BTreeMap;

use crate::model::country;

/// One watch-list: its name and its countries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchList {
    /// The name it is configured under (`sahel`).
    pub name: String,
    /// Its countries' ISO 3166-1 alpha-2 codes, in configuration order.
    pub codes: Vec<&'static str>,
}

impl WatchList {
    /// Whether a source's country name (which may list several: "Mainland China, Hong Kong &
    /// Macau") is one of the list's countries.
    pub fn covers(&self, country_name: &str) -> bool {
        country::countries_of(country_name)
            .iter()
            .any(|c| self.codes.contains(&c.code))
    }
}

/// Every configured watch-list, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchLists {
    lists: BTreeMap<String, WatchList>,
}

impl WatchLists {
    /// The lists, from their names and countries already resolved.
    pub fn new(lists: impl IntoIterator<Item = WatchList>) -> WatchLists {
        WatchLists {
            lists: lists.into_iter().map(|l| (l.name.clone(), l)).collect(),
        }
    }

    /// The list called `name`, or an error that lists the configured names.
    pub fn get(&self, name: &str) -> Result<&WatchList, String> {
        let name = name.trim();
        self.lists.get(name).ok_or_else(|| {
            if self.lists.is_empty() {
                format!(
                    "no watch-list is called `{name}`: none is configured (add a [watchlists.{name}] table with countries = [...] to the configuration)"
                )
            } else {
                format!(
                    "no watch-list is called `{name}`; the configured ones are {}",
                    self.names().join(", ")
                )
            }
        })
    }

    /// The lists' names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.lists.keys().map(String::as_str).collect()
    }

    /// The lists, in order of name.
    pub fn iter(&self) -> impl Iterator<Item = &WatchList> {
        self.lists.values()
    }

    /// Whether none is configured.
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_covers_its_countries_by_any_name_and_an_unknown_list_names_the_others() {
        let sahel = WatchList {
            name: "sahel".into(),
            codes: vec!["ML", "NE"],
        };
        assert!(sahel.covers("Mali"));
        assert!(sahel.covers("Niger"));
        assert!(!sahel.covers("Nigeria"));
        assert!(!sahel.covers("Atlantis"));
        let lists = WatchLists::new([sahel.clone()]);
        assert_eq!(lists.get("sahel"), Ok(&sahel));
        assert_eq!(
            lists.get("asia").expect_err("unknown"),
            "no watch-list is called `asia`; the configured ones are sahel"
        );
        assert!(
            WatchLists::default()
                .get("asia")
                .expect_err("none")
                .contains("none is configured")
        );
    }
}
