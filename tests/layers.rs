//! The layers stay one-way: every `crate::<layer>` path in `src/` points down the stack that
//! ARCHITECTURE.md draws and the folders show. The same reading as
//! `python3 ../shared/tools/modgraph.py src` (a top-level file or folder of `src/` is a module;
//! `crate::x` paths outside unit tests are its edges), with the may-import table on top, so a
//! cycle, or a layer reaching up, fails the build's tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

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

fn rust_files(folder: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(folder)
        .expect("src is readable")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
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
        let code = text
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or(&text);
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
