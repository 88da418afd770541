//! `cargo bench`: what one check costs, piece by piece, on real pages.
//!
//! Extraction per built-in profile (the real Nepal page and the fixtures), the semantic diff,
//! the word diff of a long summary, reading and diffing the whole State Department feed, and
//! the store's write of a new version and of an unchanged check.

use std::path::Path;

use advisory_watch::model::advisory::Advisory;
use advisory_watch::model::diff;
use advisory_watch::model::profile::{ProfileSet, Reader};
use advisory_watch::read::document::Document;
use advisory_watch::read::extract;
use advisory_watch::store::{Body, CheckRecord, Outcome, SourceId, SourceSpec, Store};
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name),
    )
    .expect("fixture")
}

fn reader(name: &str) -> Reader {
    ProfileSet::builtin()
        .reader(&[name.to_owned()], "bench")
        .expect("profile")
}

fn one(reader: &Reader, text: &str) -> Advisory {
    match extract::read_document(reader, text).expect("reads") {
        Document::One(outcome) => outcome.expect("extracts").advisory,
        Document::Many(_) => panic!("one advisory expected"),
    }
}

/// Extraction of one page with each built-in profile.
#[divan::bench(args = [
    ("state-dept", "nepal-2026.html"),
    ("state-dept-2025", "mali-2025.html"),
    ("state-dept-legacy", "mali-2023-legacy.html"),
    ("state-dept", "mali-2023-legacy.html"),
    ("aggregator", "mali-2013-aggregator.html"),
])]
fn extract_page(bencher: Bencher, (profile, page): (&str, &str)) {
    let reader = reader(profile);
    let text = fixture(page);
    bencher.bench(|| black_box(extract::read_document(&reader, black_box(&text))));
}

/// The semantic comparison of two versions (the canonical Mali change).
#[divan::bench]
fn semantic_diff(bencher: Bencher) {
    let reader = reader("state-dept");
    let old = one(&reader, &fixture("mali-2023-legacy.html"));
    let new = one(&reader, &fixture("mali-2025.html"));
    bencher.bench(|| black_box(diff::compare(black_box(&old), black_box(&new))));
}

/// The word diff of a long summary (Mali 2023 to 2025, rewritten almost entirely).
#[divan::bench]
fn word_diff_long_summary(bencher: Bencher) {
    let reader = reader("state-dept");
    let old = one(&reader, &fixture("mali-2023-legacy.html")).summary;
    let new = one(&reader, &fixture("mali-2025.html")).summary;
    bencher.bench(|| black_box(diff::word_diff(black_box(&old), black_box(&new))));
}

/// The whole State Department feed (211 advisories, 0.9 MB): read every item and compare it
/// with the same country in the previous copy.
#[divan::bench]
fn rss_feed_read_and_diff(bencher: Bencher) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/accuracy/rss");
    let before = std::fs::read_to_string(dir.join("TAsTWs-2025-10-08.xml")).expect("feed");
    let after = std::fs::read_to_string(dir.join("TAsTWs-2025-10-14.xml")).expect("feed");
    let previous: Vec<(String, Advisory)> =
        match extract::read_document(&Reader::Rss(None), &before).expect("feed") {
            Document::Many(items) => items
                .into_iter()
                .filter_map(|i| Some((i.key, i.outcome.ok()?.advisory)))
                .collect(),
            Document::One(_) => panic!("a feed"),
        };
    bencher.bench(|| {
        let Document::Many(items) =
            extract::read_document(&Reader::Rss(None), black_box(&after)).expect("feed")
        else {
            panic!("a feed");
        };
        let mut changes = 0;
        for item in items {
            let Ok(now) = item.outcome else { continue };
            if let Some((_, old)) = previous.iter().find(|(k, _)| *k == item.key)
                && diff::compare(old, &now.advisory).is_some()
            {
                changes += 1;
            }
        }
        black_box(changes)
    });
}

fn store_with_version() -> (tempfile::TempDir, Store, SourceId, Advisory) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("bench.db")).expect("store");
    let ids = store
        .sync_sources(&[SourceSpec {
            name: "us-mali".into(),
            country: "Mali".into(),
            url: "http://127.0.0.1/".into(),
            ..SourceSpec::default()
        }])
        .expect("sync");
    let advisory = one(&reader("state-dept"), &fixture("mali-2025.html"));
    (dir, store, ids["us-mali"], advisory)
}

/// Storing a new version: its compressed page, its fields, the change, in one transaction.
#[divan::bench]
fn store_new_version(bencher: Bencher) {
    let (_dir, mut store, id, advisory) = store_with_version();
    let page = fixture("mali-2025.html");
    let mut n = 0u64;
    bencher.bench_local(|| {
        n += 1;
        let mut changed = advisory.clone();
        changed.summary.push_str(&n.to_string());
        let previous = store.latest(&[id]).expect("latest")[&id]
            .snapshot
            .as_ref()
            .map(|s| s.id);
        let record = CheckRecord {
            source: id,
            checked_at: chrono::Utc::now(),
            http_status: Some(200),
            content_hash: Some(n.to_string()),
            body: Some(Body::new(format!("{page}{n}").as_bytes())),
            outcome: Outcome::NewVersion {
                previous,
                profile: "state-dept-2025".into(),
                advisory: changed,
                change: None,
                archived: false,
            },
            deliveries: Vec::new(),
            validators: None,
            dark: None,
        };
        black_box(store.record(&record).expect("record"))
    });
}

/// Recording a check that found the same version: a "last seen" and the source's state.
#[divan::bench]
fn store_unchanged_check(bencher: Bencher) {
    let (_dir, mut store, id, advisory) = store_with_version();
    let first = CheckRecord {
        source: id,
        checked_at: chrono::Utc::now(),
        http_status: Some(200),
        content_hash: Some("h".into()),
        body: Some(Body::new(b"page")),
        outcome: Outcome::NewVersion {
            previous: None,
            profile: "state-dept-2025".into(),
            advisory,
            change: None,
            archived: false,
        },
        deliveries: Vec::new(),
        validators: None,
        dark: None,
    };
    store.record(&first).expect("first");
    let snapshot = store.latest(&[id]).expect("latest")[&id]
        .snapshot
        .as_ref()
        .map(|s| s.id)
        .expect("version");
    let record = CheckRecord {
        outcome: Outcome::Unchanged { snapshot },
        body: None,
        ..first
    };
    bencher.bench_local(|| black_box(store.record(black_box(&record)).expect("record")));
}

/// Compressing and hashing one page body (done on the blocking pool for new versions).
#[divan::bench]
fn body_compress_and_hash(bencher: Bencher) {
    let page = fixture("mali-2025.html");
    bencher.bench(|| black_box(Body::new(black_box(page.as_bytes()))));
}
