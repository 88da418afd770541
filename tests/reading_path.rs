//! One reading path: the same bytes give the same advisory through `extract`, `check` (the
//! document served over HTTP with the content type a real server gives it), `import` and
//! `reprocess`. Every single-advisory document of `../shared/corpus`, `../shared/seeds` and
//! `fixtures/` is read all four ways and the fields compared; a document that one path cannot
//! read, no path reads.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{FixtureServer, Reply, Workspace};
use serde_json::Value;

fn shared() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    assert!(
        path.join("corpus").is_dir() && path.join("seeds").is_dir(),
        "../shared (corpus and seeds) is missing at {}",
        path.display()
    );
    path
}

/// One document: a source name, the file, the profiles it is read with, the source's kind.
struct Document {
    name: String,
    path: PathBuf,
    profiles: &'static str,
    kind: &'static str,
}

fn files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == extension))
        .collect();
    out.sort();
    out
}

fn folders(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

/// A source name for a file: letters, digits and dashes.
fn name_of(prefix: &str, path: &Path) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).expect("utf-8");
    let mut name = format!("{prefix}-");
    for c in stem.chars() {
        name.push(if c.is_ascii_alphanumeric() { c } else { '-' });
    }
    name
}

/// Every single-advisory document, with the profiles a user would name for it.
fn documents() -> Vec<Document> {
    let shared = shared();
    let corpus = shared.join("corpus");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for (set, profiles) in [
        ("us", "state-dept-legacy-md"),
        ("us_more", "state-dept-legacy-md"),
        ("uk", "fcdo-page-md"),
        ("uk_more", "fcdo-page-md"),
    ] {
        for folder in folders(&corpus.join(set)) {
            let slug = folder.file_name().and_then(|n| n.to_str()).expect("utf-8");
            for path in files(&folder, "md") {
                out.push(Document {
                    name: name_of(&format!("{set}-{slug}"), &path),
                    path,
                    profiles,
                    kind: "page",
                });
            }
        }
    }
    out.push(Document {
        name: "other-us-nepal".into(),
        path: corpus.join("other/us-tsg-2026layout-nepal.html"),
        profiles: "state-dept",
        kind: "page",
    });
    out.push(Document {
        name: "other-uk-nepal".into(),
        path: corpus.join("other/uk-content-api-nepal.json"),
        profiles: "fcdo",
        kind: "json",
    });
    // The seeds, as they are: a user would try every capture profile on them.
    for path in files(&shared.join("seeds"), "txt") {
        out.push(Document {
            name: name_of("seed", &path),
            path,
            profiles: "state-dept,state-dept-legacy-md,fcdo-page-md,state-dept-text,aggregator,aggregator-text",
            kind: "page",
        });
    }
    for path in files(&fixtures, "html") {
        out.push(Document {
            name: name_of("fixture", &path),
            path,
            profiles: "state-dept,aggregator",
            kind: "page",
        });
    }
    out
}

/// The content type a real server gives a file.
fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("md") => "text/markdown; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        _ => "text/html; charset=utf-8",
    }
}

/// The fields compared, from an advisory as stored or as `extract` prints it; `None` for a
/// document that does not read.
type Fields = Option<BTreeMap<&'static str, Value>>;

fn sorted(list: &Value) -> Value {
    let mut items: Vec<String> = list
        .as_array()
        .map(|l| {
            l.iter()
                .map(|v| v.as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default();
    items.sort();
    Value::from(items)
}

fn from_extract(json: &Value) -> Fields {
    if json["level"].is_null() {
        return None;
    }
    Some(BTreeMap::from([
        ("level", json["level"].clone()),
        ("level_label", json["level_label"].clone()),
        ("indicators", sorted(&json["indicators"])),
        ("reasons", sorted(&json["reasons"])),
        ("summary", json["summary"].clone()),
        ("issued", json["issued"].clone()),
        ("change_note", json["change_note"].clone()),
        ("profile", json["profile"].clone()),
    ]))
}

fn from_stored(profile: &str, advisory: &Value) -> Fields {
    Some(BTreeMap::from([
        ("level", advisory["level"]["number"].clone()),
        ("level_label", advisory["level"]["label"].clone()),
        ("indicators", sorted(&advisory["indicators"])),
        ("reasons", sorted(&advisory["reasons"])),
        ("summary", advisory["summary"].clone()),
        ("issued", advisory["issued"].clone()),
        ("change_note", advisory["change_note"].clone()),
        ("profile", Value::from(profile)),
    ]))
}

/// What `extract` prints for each document, two processes at a time.
fn extracted(ws: &Workspace, documents: &[Document]) -> Vec<Fields> {
    let chunks: Vec<&[Document]> = documents.chunks(documents.len().div_ceil(2)).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|d| {
                            let run = ws.run(&[
                                "extract",
                                "--format",
                                "json",
                                "--profile",
                                d.profiles,
                                d.path.to_str().expect("utf-8"),
                            ]);
                            let json: Value =
                                serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
                                    panic!("extract {}: {e}: {}", d.path.display(), run.stderr)
                                });
                            assert!(
                                run.code == 0 || json["level"].is_null(),
                                "{}: {}",
                                d.path.display(),
                                run.stderr
                            );
                            from_extract(&json)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("extract thread"))
            .collect()
    })
}

/// Each source's latest stored version, read from the database file itself.
fn stored(db: &Path) -> BTreeMap<String, Vec<Fields>> {
    let conn = rusqlite::Connection::open(db).expect("open the database");
    let mut statement = conn
        .prepare(
            "SELECT s.name, sn.profile, sn.advisory FROM snapshots sn
             JOIN sources s ON s.id = sn.source_id ORDER BY s.name, sn.id",
        )
        .expect("query");
    let rows = statement
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .expect("rows");
    let mut out: BTreeMap<String, Vec<Fields>> = BTreeMap::new();
    for row in rows {
        let (name, profile, advisory) = row.expect("row");
        let advisory: Value = serde_json::from_str(&advisory).expect("advisory json");
        out.entry(name)
            .or_default()
            .push(from_stored(&profile, &advisory));
    }
    out
}

fn source_toml(d: &Document, url: &str) -> String {
    let profiles: Vec<String> = d.profiles.split(',').map(|p| format!("\"{p}\"")).collect();
    format!(
        "[[sources]]\nname = \"{}\"\ncountry = \"Mali\"\nkind = \"{}\"\nprofile = [{}]\nurl = \"{url}\"\n\n",
        d.name,
        d.kind,
        profiles.join(", ")
    )
}

#[test]
fn the_same_bytes_read_the_same_through_extract_check_import_and_reprocess() {
    let documents = documents();
    assert!(documents.len() > 1000, "{} documents", documents.len());
    let server = FixtureServer::start();
    let mut config = String::from("[fetch]\ntimeout = \"10s\"\nconcurrency = 8\nretries = 0\n\n");
    for d in &documents {
        let path = format!("/{}", d.name);
        let bytes = std::fs::read(&d.path).expect("read");
        let mut reply = Reply::html(bytes);
        reply.content_type = content_type(&d.path).into();
        server.set(&path, reply);
        config.push_str(&source_toml(d, &server.url(&path)));
    }
    let ws = Workspace::new(&config);

    // extract.
    let by_extract = extracted(&ws, &documents);
    let read = by_extract.iter().filter(|f| f.is_some()).count();
    assert!(read > 1000, "most documents read: {read}");

    // check, over HTTP with each file's content type.
    let run = ws.run(&["--quiet", "check"]);
    assert!(run.code == 0 || run.code == 2, "{}", run.stderr);
    let by_check = stored(&ws.db_path());
    let mut differ = Vec::new();
    for (d, fields) in documents.iter().zip(&by_extract) {
        let got = by_check
            .get(&d.name)
            .and_then(|v| v.last().cloned())
            .flatten();
        if &got != fields {
            differ.push(format!(
                "{}:\n  extract {:?}\n  check   {:?}",
                d.path.display(),
                fields
                    .as_ref()
                    .map(|f| (&f["level"], &f["indicators"], &f["profile"])),
                got.as_ref()
                    .map(|f| (&f["level"], &f["indicators"], &f["profile"]))
            ));
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} documents read differently through check:\n{}",
        differ.len(),
        documents.len(),
        differ.join("\n")
    );

    // reprocess: reading the stored bodies again changes nothing.
    let run = ws.run(&["--quiet", "reprocess"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(stored(&ws.db_path()), by_check, "reprocess reads the same");

    // import: each dated folder's distinct versions are extract's, in order.
    let corpus = shared().join("corpus");
    let import_ws = Workspace::new(&config);
    let mut compared = 0;
    for (set, profile) in [("us", "state-dept-legacy-md"), ("uk", "fcdo-page-md")] {
        for folder in folders(&corpus.join(set)) {
            let slug = folder.file_name().and_then(|n| n.to_str()).expect("utf-8");
            let name = format!("{set}-{slug}-import");
            import_ws.write_config(&format!(
                "{config}[[sources]]\nname = \"{name}\"\ncountry = \"Mali\"\nprofile = \"{profile}\"\nurl = \"http://127.0.0.1:9/\"\n\n"
            ));
            let run = import_ws.run(&[
                "--quiet",
                "import",
                "--source",
                &name,
                folder.to_str().expect("utf-8"),
            ]);
            assert!(run.code == 0 || run.code == 2, "{}", run.stderr);
            // Every stored version is what extract read from one of the folder's files, and
            // the latest is the last file's.
            let expected: Vec<&Fields> = documents
                .iter()
                .zip(&by_extract)
                .filter(|(d, f)| d.path.parent() == Some(folder.as_path()) && f.is_some())
                .map(|(_, f)| f)
                .collect();
            let got = stored(&import_ws.db_path())
                .remove(&name)
                .unwrap_or_default();
            assert!(
                !got.is_empty(),
                "import of {} stored nothing",
                folder.display()
            );
            for version in &got {
                assert!(
                    expected.contains(&version),
                    "import of {} stored a version extract never read: {version:?}",
                    folder.display()
                );
            }
            assert_eq!(
                got.last(),
                expected.last().copied(),
                "import of {}: the latest version",
                folder.display()
            );
            compared += 1;
        }
    }
    assert!(compared > 20, "{compared} folders imported");
}
