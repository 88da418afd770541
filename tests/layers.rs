//! The layers stay one-way: every `crate::<layer>` path in `src/` points down the stack that
//! ARCHITECTURE.md draws and the folders show. The same reading as
//! `python3 ../shared/tools/modgraph.py src` (a top-level file or folder of `src/` is a module;
//! `crate::x` paths outside unit tests are its edges), with the may-import table on top, so a
//! cycle, or a layer reaching up, fails the build's tests.
//!
//! Inside each folder the files read one way too, as `modgraph.py --files src` draws them: a
//! file (a folder's `mod.rs` stands for the folder) imports a file of the same folder through
//! `crate::...`, `super::...` or `self::...` paths, braced groups included, and a cycle between
//! the files of one folder fails, named with its edges.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each layer, bottom first, with what it may import.
const STACK: [(&str, &[&str]); 9] = [
    ("model", &[]),
    ("read", &["model"]),
    ("config", &["model"]),
    ("store", &["config", "model", "read"]),
    ("net", &["config", "model", "store"]),
    ("present", &["config", "model", "read", "store"]),
    ("notify", &["config", "model", "net", "present", "store"]),
    (
        "check",
        &["config", "model", "net", "notify", "read", "store"],
    ),
    (
        "app",
        &[
            "check", "config", "model", "net", "notify", "present", "read", "store",
        ],
    ),
];

fn rust_files(folder: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder)
        .expect("src is readable")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") && !is_unit_tests(&path) {
            out.push(path);
        }
    }
}

/// A module's unit tests in a file of their own (`alert/tests.rs`, declared `#[cfg(test)] mod
/// tests;`): unit tests may look anywhere.
fn is_unit_tests(path: &Path) -> bool {
    path.file_name().is_some_and(|name| name == "tests.rs")
}

/// A file's code without its unit tests (`#[cfg(test)] mod tests` closes a file).
fn without_unit_tests(text: &str) -> &str {
    text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text)
}

#[test]
fn every_import_points_down_the_stack_and_the_folders_are_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let layers: BTreeSet<&str> = STACK.iter().map(|(l, _)| *l).collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src");
        let top = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or_default()
            .trim_end_matches(".rs")
            .to_owned();
        if top == "main" || top == "lib" {
            continue;
        }
        assert!(
            layers.contains(top.as_str()),
            "src/{} is outside the layers: put it in one of {layers:?}",
            relative.display()
        );
        let text = std::fs::read_to_string(file).expect("readable");
        // Unit tests may look anywhere.
        let code = without_unit_tests(&text);
        for (at, _) in code.match_indices("crate::") {
            let name: String = code[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if layers.contains(name.as_str()) && name != top {
                edges.entry(top.clone()).or_default().insert(name);
            }
        }
    }
    let mut wrong = Vec::new();
    for (layer, allowed) in STACK {
        for target in edges.get(layer).into_iter().flatten() {
            if !allowed.contains(&target.as_str()) {
                wrong.push(format!("{layer} -> {target}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that point up the stack (see ARCHITECTURE.md): {wrong:?}"
    );
}

/// A file as `modgraph.py --files` names it: its path under `src/` without `.rs`, a `mod.rs`
/// named by its folder (`read/alert/mod.rs` is `read/alert`).
fn node_of(relative: &Path) -> String {
    let path = relative.with_extension("");
    let path = if path.file_name().is_some_and(|n| n == "mod") {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        path
    };
    path.components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect::<Vec<_>>()
        .join("/")
}

fn folder_of(node: &str) -> &str {
    node.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// The module paths that `code` names after `prefix` (`crate::`, `super::`, `self::`): each
/// `prefix::a::b` as `[a, b]`, and each member of a braced group (`prefix::a::{b, c::d}`) as
/// `[a, b]` and `[a, c, d]`.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    fn ident(text: &str) -> &str {
        let end = text
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(text.len());
        &text[..end]
    }
    // Reads `a::b::{...}` at the start of `text` into `out`, each path after `base`.
    fn read(text: &str, base: &[String], out: &mut Vec<Vec<String>>) {
        let mut path = base.to_vec();
        let mut rest = text.trim_start();
        loop {
            if let Some(group) = rest.strip_prefix('{') {
                // The group's own path counts, whatever it brings in (`{Item, Document}`).
                if path.len() > base.len() {
                    out.push(path.clone());
                }
                let mut depth = 0usize;
                let mut start = 0;
                for (at, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => {
                            read(&group[start..at], &path, out);
                            return;
                        }
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            read(&group[start..at], &path, out);
                            start = at + 1;
                        }
                        _ => {}
                    }
                }
                return;
            }
            let name = ident(rest);
            if name.is_empty() {
                break;
            }
            path.push(name.to_owned());
            match rest[name.len()..].strip_prefix("::") {
                Some(after) => rest = after.trim_start(),
                None => break,
            }
        }
        if path.len() > base.len() {
            out.push(path);
        }
    }
    let mut out = Vec::new();
    for (at, _) in code.match_indices(prefix) {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        read(&code[at + prefix.len()..], &[], &mut out);
    }
    out
}

/// The strongly connected components of more than one node (Tarjan's algorithm).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Search<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Search<'a> {
        fn visit(&mut self, node: &'a str) {
            let at = self.index.len();
            self.index.insert(node, at);
            self.low.insert(node, at);
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in self.edges.get(node).into_iter().flatten() {
                let next = next.as_str();
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack.remove(member);
                    component.push(member.to_owned());
                    if member == node {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut search = Search {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in edges.keys() {
        if !search.index.contains_key(node.as_str()) {
            search.visit(node);
        }
    }
    search.found.sort();
    search.found
}

#[test]
fn the_files_of_each_folder_import_each_other_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let nodes: BTreeMap<String, PathBuf> = files
        .iter()
        .map(|file| {
            (
                node_of(file.strip_prefix(&src).expect("under src")),
                file.clone(),
            )
        })
        .filter(|(node, _)| node != "main" && node != "lib")
        .collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (node, file) in &nodes {
        let text = std::fs::read_to_string(file).expect("readable");
        let code = without_unit_tests(&text);
        // The module this file is, and its parent, as node paths.
        let parent = folder_of(node);
        let own: Vec<String> = node.split('/').map(str::to_owned).collect();
        let above: Vec<String> = parent
            .split('/')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        let mut targets = paths_after(code, "crate::");
        for (prefix, base) in [("super::", &above), ("self::", &own)] {
            for path in paths_after(code, prefix) {
                targets.push(base.iter().cloned().chain(path).collect());
            }
        }
        for parts in targets {
            // The longest prefix that names a file or folder.
            let Some(target) = (1..=parts.len())
                .rev()
                .map(|k| parts[..k].join("/"))
                .find(|candidate| nodes.contains_key(candidate))
            else {
                continue;
            };
            if target != *node && folder_of(&target) == parent {
                edges.entry(node.clone()).or_default().insert(target);
            }
        }
    }
    let named: Vec<String> = cycles(&edges)
        .into_iter()
        .map(|component| {
            let inner: Vec<String> = component
                .iter()
                .flat_map(|from| {
                    edges[from]
                        .iter()
                        .filter(|to| component.contains(to))
                        .map(move |to| format!("{from} -> {to}"))
                })
                .collect();
            format!("{} ({})", component.join(" <-> "), inner.join("; "))
        })
        .collect();
    assert!(
        named.is_empty(),
        "files of one folder that import each other (move what both need into a file below \
         them; see ARCHITECTURE.md's code map): {named:#?}"
    );
}
