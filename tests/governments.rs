//! Seven governments side by side: the real samples of the Auswärtiges Amt, Nederland
//! Wereldwijd, Global Affairs Canada (one country), Hong Kong's Outbound Travel Alerts and
//! Finland's travel bulletin (`fixtures/official/`, origin and terms in each SOURCES.md), read
//! by the built-in profiles through the real binary against a loopback server; a second version
//! of each (an edited copy of the real sample) is reported in the analyst's words; `compare`
//! lines the governments up; user-defined `level_map`s.

mod common;

use common::{FixtureServer, Reply, Workspace, fixture, run_bare};
use serde_json::{Value, json};

fn official(name: &str) -> String {
    fixture(&format!("official/{name}"))
}

fn reply(body: String, content_type: &str) -> Reply {
    let mut reply = Reply::html(body);
    reply.content_type = content_type.into();
    reply
}

fn json_reply(body: String) -> Reply {
    reply(body, "application/json")
}

fn xml_reply(body: String) -> Reply {
    reply(body, "application/xml; charset=utf-8")
}

const FETCH: &str = "[fetch]\ntimeout = \"5s\"\nconcurrency = 2\nretry_initial = \"50ms\"\n\n";

fn source(name: &str, country: &str, kind: &str, profile: &str, url: &str) -> String {
    format!(
        "[[sources]]\nname = \"{name}\"\ncountry = \"{country}\"\nkind = \"{kind}\"\nprofile = \"{profile}\"\nurl = \"{url}\"\n\n"
    )
}

struct Samples {
    germany: String,
    germany_nepal: String,
    hong_kong: String,
    canada_tt: String,
    netherlands_afg: String,
    finland_np: String,
}

impl Samples {
    fn load() -> Samples {
        Samples {
            germany: official("germany/de-travelwarning-index.json"),
            germany_nepal: official("germany/de-travelwarning-221216-nepal.json"),
            hong_kong: official("hong_kong/hk-ota-index.json"),
            canada_tt: official("canada/ca-cta-cap-tt.json"),
            netherlands_afg: official("netherlands/nl-opendata-traveladvice-AFG.xml"),
            finland_np: official("finland/fi-um-matkustustiedote-NP.html"),
        }
    }

    fn serve(&self, server: &FixtureServer) {
        server.set("/de", json_reply(self.germany.clone()));
        server.set("/de/221216", json_reply(self.germany_nepal.clone()));
        server.set("/hk", json_reply(self.hong_kong.clone()));
        server.set("/ca/tt", json_reply(self.canada_tt.clone()));
        server.set("/nl/afg", xml_reply(self.netherlands_afg.clone()));
        server.set("/fi/np", Reply::html(self.finland_np.clone()));
    }
}

fn workspace(server: &FixtureServer) -> Workspace {
    let mut config = FETCH.to_owned();
    for (name, country, kind, profile, path) in [
        ("de", "*", "json", "auswaertiges-amt", "/de"),
        (
            "de-nepal",
            "Nepal",
            "json",
            "auswaertiges-amt-country",
            "/de/221216",
        ),
        ("hk", "*", "json", "hong-kong-ota", "/hk"),
        (
            "ca-tt",
            "Trinidad and Tobago",
            "json",
            "canada-country",
            "/ca/tt",
        ),
        (
            "nl-afg",
            "Afghanistan",
            "xml",
            "nederland-wereldwijd",
            "/nl/afg",
        ),
        ("fi-nepal", "Nepal", "page", "finland-um", "/fi/np"),
    ] {
        config.push_str(&source(name, country, kind, profile, &server.url(path)));
    }
    Workspace::new(&config)
}

fn sources(ws: &Workspace) -> Vec<Value> {
    let run = ws.run(&["sources", "--format", "json"]);
    let value: Value = serde_json::from_str(&run.stdout).expect("json");
    value.as_array().expect("list").clone()
}

fn find<'a>(list: &'a [Value], name: &str) -> &'a Value {
    list.iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no source {name}"))
}

fn history(ws: &Workspace, name: &str) -> Value {
    let run = ws.run(&["history", name, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("json")
}

#[test]
fn every_government_maps_its_own_words_onto_levels_for_several_countries() {
    let server = FixtureServer::start();
    let samples = Samples::load();
    samples.serve(&server);
    let ws = workspace(&server);
    let (report, code) = ws.check_json(&[]);
    assert_eq!(code, 0, "{report}");

    let list = sources(&ws);
    for (name, level, label, country) in [
        ("de/ht", 4, "Reisewarnung (warning)", "Haiti"),
        ("de/th", 2, "Teilreisewarnung (partialWarning)", "Thailand"),
        (
            "de/np",
            1,
            "Reise- und Sicherheitshinweise (no warning)",
            "Nepal",
        ),
        // The Auswärtiges Amt names countries in German; the ISO code gives the one name.
        ("de/ly", 4, "Reisewarnung (warning)", "Libya"),
        (
            "de-nepal/np",
            1,
            "Reise- und Sicherheitshinweise (no warning)",
            "Nepal",
        ),
        (
            "hk/ir",
            4,
            "Black Outbound Travel Alert: Severe threat",
            "Iran",
        ),
        (
            "hk/pk",
            3,
            "Red Outbound Travel Alert: Significant threat",
            "Pakistan",
        ),
        (
            "hk/eg",
            2,
            "Amber Outbound Travel Alert: Signs of threat",
            "Egypt",
        ),
        (
            "hk/jp",
            1,
            "No Outbound Travel Alert for the whole country",
            "Japan",
        ),
        (
            "ca-tt",
            2,
            "Exercise a high degree of caution (with regional advisories)",
            "Trinidad and Tobago",
        ),
        ("nl-afg", 4, "rood", "Afghanistan"),
        ("fi-nepal", 2, "Noudata erityistä varovaisuutta", "Nepal"),
    ] {
        let s = find(&list, name);
        assert_eq!(s["level"], level, "{name}: {s}");
        assert_eq!(s["level_label"], label, "{name}: {s}");
        assert_eq!(s["country"], country, "{name}: {s}");
    }
    // 200 countries in the German index; Hong Kong shows 27 countries in its index.
    assert_eq!(
        list.iter()
            .filter(|s| s["name"].as_str().is_some_and(|n| n.starts_with("de/")))
            .count(),
        200
    );

    // Areas: Thailand's partial warning, Hong Kong's Japan and Myanmar, Canada's regional
    // advisories.
    let areas = |name: &str| {
        history(&ws, name)["versions"][0]["areas"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let thailand = areas("de/th");
    assert_eq!(thailand.len(), 1, "{thailand:?}");
    assert_eq!(thailand[0]["level"], 4);
    let japan = areas("hk/jp");
    assert_eq!(
        japan[0]["name"],
        "areas near the Fukushima Dai-ichi nuclear power plant"
    );
    assert_eq!(japan[0]["level"], 2);
    let myanmar = areas("hk/mm");
    assert_eq!(myanmar[0]["name"], "south-eastern regions");
    assert_eq!(myanmar[0]["level"], 3);
    let trinidad = areas("ca-tt");
    assert_eq!(trinidad.len(), 5, "{trinidad:?}");
    assert!(trinidad.iter().all(|a| a["level"] == 3));
    assert_eq!(trinidad[0]["name"], "Beetham Estate Gardens");

    // Dates: seconds since 1970 (Germany), compact (Hong Kong), dotted (Finland).
    let issued = |name: &str| history(&ws, name)["versions"][0]["issued"].clone();
    assert_eq!(issued("de/ht"), "2025-10-27");
    assert_eq!(issued("hk/ir"), "2026-03-23");
    assert_eq!(issued("fi-nepal"), "2026-06-22");
    assert_eq!(issued("nl-afg"), "2026-04-20");
}

/// The first changes of the report, as (source, headline).
fn headlines(report: &Value) -> Vec<(String, String)> {
    report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["source"].as_str().unwrap_or("").to_owned(),
                c["headline"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_second_version_of_each_government_is_told_in_the_analysts_words() {
    let server = FixtureServer::start();
    let samples = Samples::load();
    samples.serve(&server);
    let ws = workspace(&server);
    let (first, code) = ws.check_json(&[]);
    assert_eq!(code, 0, "{first}");

    // Germany: a travel warning for Nepal.
    let mut germany: Value = serde_json::from_str(&samples.germany).expect("json");
    germany["response"]["221216"]["warning"] = json!(true);
    // One country: a partial warning and a new change note (the sample's values are strings).
    let germany_nepal = samples
        .germany_nepal
        .replacen("\"partialWarning\": false", "\"partialWarning\": true", 1)
        .replacen(
            "Redaktionelle Änderungen",
            "Teilreisewarnung für den Westen",
            1,
        );
    assert_ne!(germany_nepal, samples.germany_nepal, "the edit applies");
    // Hong Kong: Egypt moves from amber to red.
    let mut hong_kong: Value = serde_json::from_str(&samples.hong_kong).expect("json");
    let buckets = hong_kong["otas"].as_array_mut().expect("otas");
    let amber = buckets
        .iter()
        .position(|b| b["level"] == "amber")
        .expect("amber");
    let countries = buckets[amber]["countries"].as_array_mut().expect("list");
    let egypt_at = countries
        .iter()
        .position(|c| c["countryCode"] == "EG")
        .expect("Egypt");
    let egypt = countries.remove(egypt_at);
    let red = buckets
        .iter()
        .position(|b| b["level"] == "red")
        .expect("red");
    buckets[red]["countries"]
        .as_array_mut()
        .expect("list")
        .push(egypt);
    // Canada: avoid all travel to the whole country (the regional advisories, no higher, are
    // no longer areas of their own).
    let mut canada: Value = serde_json::from_str(&samples.canada_tt).expect("json");
    canada["data"]["advisory-state"] = json!(3);
    canada["data"]["eng"]["advisory-text"] = json!("Avoid all travel");
    canada["metadata"]["generated"]["timestamp"] = json!(1_790_300_000);
    // The Netherlands: orange instead of red.
    let netherlands = samples.netherlands_afg.replacen(
        "voor Afghanistan is     rood",
        "voor Afghanistan is     oranje",
        1,
    );
    assert_ne!(netherlands, samples.netherlands_afg, "the edit applies");
    // Finland: avoid unnecessary travel.
    let finland = samples.finland_np.replacen(
        "</h2> Noudata erityistä varovaisuutta",
        "</h2> Vältä tarpeetonta matkustamista",
        1,
    );
    assert_ne!(finland, samples.finland_np, "the edit applies");

    server.set("/de", json_reply(germany.to_string()));
    server.set("/de/221216", json_reply(germany_nepal));
    server.set("/hk", json_reply(hong_kong.to_string()));
    server.set("/ca/tt", json_reply(canada.to_string()));
    server.set("/nl/afg", xml_reply(netherlands));
    server.set("/fi/np", Reply::html(finland));
    let (report, code) = ws.check_json(&[]);
    assert_eq!(code, 0, "{report}");
    let mut got = headlines(&report);
    got.sort();
    let expected = [
        (
            "ca-tt",
            "Level raised from 2 to 4; area removed: Beetham Estate Gardens (was Level 3)",
        ),
        ("de-nepal/np", "Level raised from 1 to 2"),
        ("de/np", "Level raised from 1 to 4"),
        ("fi-nepal", "Level raised from 2 to 3"),
        ("hk/eg", "Level raised from 2 to 3"),
        ("nl-afg", "Level lowered from 4 to 3"),
    ];
    assert_eq!(got.len(), expected.len(), "{got:?}");
    for ((source, headline), (want_source, want_start)) in got.iter().zip(expected) {
        assert_eq!(source, want_source, "{got:?}");
        assert!(headline.starts_with(want_start), "{source}: {headline}");
    }
    let change = |source: &str| {
        report["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .find(|c| c["source"] == source)
            .cloned()
            .expect("change")
    };
    assert_eq!(
        change("fi-nepal")["level_to_label"],
        "Vältä tarpeetonta matkustamista"
    );
    assert_eq!(change("nl-afg")["level_to_label"], "oranje");
    assert_eq!(change("de/np")["level_to_label"], "Reisewarnung (warning)");

    // Canada's `metadata.generated` changes on every request: never a change by itself.
    canada["metadata"]["generated"]["timestamp"] = json!(1_790_400_000);
    canada["metadata"]["generated"]["date"] = json!("2026-09-25 10:00:00");
    server.set("/ca/tt", json_reply(canada.to_string()));
    let (quiet, code) = ws.check_json(&["ca-tt"]);
    assert_eq!(code, 0, "{quiet}");
    assert_eq!(quiet["changes"], json!([]), "{quiet}");
}

#[test]
fn compare_mali_lines_up_every_government_with_its_date_and_own_words() {
    let server = FixtureServer::start();
    let samples = Samples::load();
    server.set("/de", json_reply(samples.germany.clone()));
    server.set(
        "/ca/index",
        json_reply(fixture("other/ca-index-alpha-eng.json")),
    );
    server.serve_fixture("/us/mali", "mali-2025.html");
    // No real Dutch or Finnish sample for Mali: the real documents with the country changed.
    let netherlands = samples
        .netherlands_afg
        .replace("Afghanistan", "Mali")
        .replace("<isocode>AFG</isocode>", "<isocode>MLI</isocode>");
    server.set("/nl/mli", xml_reply(netherlands));
    let finland = samples.finland_np.replace("Nepal", "Mali").replacen(
        "</h2> Noudata erityistä varovaisuutta",
        "</h2> Vältä kaikkea matkustamista",
        1,
    );
    server.set("/fi/ml", Reply::html(finland));
    let mut config = FETCH.to_owned();
    config.push_str(&format!(
        "[[sources]]\nname = \"us-mali\"\ncountry = \"Mali\"\nurl = \"{}\"\n\n",
        server.url("/us/mali")
    ));
    config.push_str(&source(
        "de",
        "*",
        "json",
        "auswaertiges-amt",
        &server.url("/de"),
    ));
    config.push_str(&source(
        "ca",
        "Mali",
        "json",
        "canada",
        &server.url("/ca/index"),
    ));
    config.push_str(&source(
        "nl-mali",
        "Mali",
        "xml",
        "nederland-wereldwijd",
        &server.url("/nl/mli"),
    ));
    config.push_str(&source(
        "fi-mali",
        "Mali",
        "page",
        "finland-um",
        &server.url("/fi/ml"),
    ));
    let ws = Workspace::new(&config);
    let (report, code) = ws.check_json(&[]);
    assert_eq!(code, 0, "{report}");

    let run = ws.run(&["compare", "Mali"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for expected in [
        "United States (State Department)",
        "Germany (Auswärtiges Amt)",
        "Canada (Global Affairs Canada)",
        "Netherlands (Nederland Wereldwijd)",
        "Finland (Ministry for Foreign Affairs)",
        "Reisewarnung (warning)",
        "Vältä kaikkea matkustamista",
        "rood",
        "2025-10-28",
        "2026-07-04",
    ] {
        assert!(run.stdout.contains(expected), "{expected}:\n{}", run.stdout);
    }
    let compared: Value =
        serde_json::from_str(&ws.run(&["compare", "ML", "--format", "json"]).stdout).expect("json");
    assert_eq!(compared["code"], "ML");
    let sides = compared["sources"].as_array().expect("list");
    assert_eq!(sides.len(), 5, "{compared}");
    assert!(sides.iter().all(|s| s["level"] == 4), "{compared}");
    assert!(sides.iter().all(|s| s["as_of"].is_string()), "{compared}");
}

#[test]
fn discover_writes_a_source_per_country_for_every_index() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = FixtureServer::start();
    for (file, profile, count, sample) in [
        (
            "official/germany/de-travelwarning-index.json",
            "auswaertiges-amt",
            200,
            "name = \"auswaertiges-amt-ly\"\ncountry = \"Libya\"",
        ),
        (
            "official/hong_kong/hk-ota-index.json",
            "hong-kong-ota",
            27,
            "name = \"hong-kong-ota-jp\"\ncountry = \"Japan\"",
        ),
        (
            "other/ca-index-alpha-eng.json",
            "canada",
            230,
            "name = \"canada-af\"\ncountry = \"Afghanistan\"",
        ),
    ] {
        let written = dir.path().join(format!("{profile}.toml"));
        server.set(&format!("/{profile}"), json_reply(fixture(file)));
        let path = server.url(&format!("/{profile}"));
        let run = run_bare(
            dir.path(),
            &[
                "discover",
                "--url",
                &path,
                "--profile",
                profile,
                "--write",
                written.to_str().expect("utf-8"),
            ],
        );
        assert_eq!(run.code, 0, "{profile}: {}", run.stderr);
        assert!(
            run.stdout.contains(&format!("{count} countries.")),
            "{profile}: {}",
            run.stdout
        );
        let text = std::fs::read_to_string(&written).expect("written");
        assert!(text.contains(sample), "{profile}: {text}");
        let check = run_bare(
            dir.path(),
            &["--config", written.to_str().expect("utf-8"), "config-check"],
        );
        assert_eq!(check.code, 0, "{profile} sources load: {}", check.stderr);
    }
    let single = run_bare(
        dir.path(),
        &[
            "discover",
            "--url",
            &common::fixture_path("official/canada/ca-cta-cap-tt.json"),
            "--profile",
            "canada-country",
        ],
    );
    assert_eq!(single.code, 1);
    assert!(
        single.stderr.contains("reads one advisory per document"),
        "{}",
        single.stderr
    );
}

#[test]
fn a_user_level_map_reads_any_government_and_names_a_value_it_does_not_hold() {
    let server = FixtureServer::start();
    let document = json!({"advisories": [
        {"country": {"name": "Mali", "alpha_2": "ML"}, "advisory": "Do not travel", "page_url": "https://example.org/mali"},
        {"country": {"name": "Nepal", "alpha_2": "NP"}, "advisory": "  exercise a HIGH degree of caution ", "page_url": "https://example.org/nepal"},
        {"country": {"name": "Chile", "alpha_2": "CL"}, "advisory": "Take care", "page_url": "https://example.org/chile"},
    ]});
    server.set("/smartraveller", json_reply(document.to_string()));
    let config = format!(
        "{FETCH}{}[profiles.smartraveller]\ngovernment = \"Australia (Smartraveller)\"\nformat = \"json\"\nitems = \"/advisories\"\nkey = \"/country/alpha_2\"\ncountry = \"/country/name\"\nurl = \"/page_url\"\nlevel = \"/advisory\"\n\
         level_map = {{ \"Exercise normal safety precautions\" = 1, \"Exercise a high degree of caution\" = 2, \"/reconsider (your need to )?travel/\" = 3, \"Do not travel\" = 4 }}\n",
        source(
            "au",
            "*",
            "json",
            "smartraveller",
            &server.url("/smartraveller")
        )
    );
    let ws = Workspace::new(&config);
    let (report, code) = ws.check_json(&[]);
    assert_eq!(code, 2, "Chile's value is not in the map: {report}");
    let list = sources(&ws);
    assert_eq!(find(&list, "au/ml")["level"], 4);
    assert_eq!(find(&list, "au/np")["level"], 2);
    let chile = find(&list, "au/cl");
    let error = chile["last_error"].as_str().unwrap_or_default();
    assert!(
        error.contains("\"Take care\" is not in the profile's level_map"),
        "{chile}"
    );

    // config-check validates the map: values 1-4, keys unique ignoring case and whitespace.
    for (map, expected) in [
        (
            "{ \"Do not travel\" = 5 }",
            "key `Do not travel`: level 5 is not a level from 1 to 4",
        ),
        (
            "{ \"Do not travel\" = 4, \"do not travel \" = 3 }",
            "are the same value",
        ),
        ("{ \"/(unclosed/\" = 4 }", "is not a valid regex"),
    ] {
        ws.write_config(&format!(
            "[profiles.mine]\nformat = \"json\"\nlevel = \"/advisory\"\nlevel_map = {map}\n"
        ));
        let run = ws.run(&["config-check"]);
        assert_eq!(run.code, 3, "{map}: {}", run.stdout);
        assert!(run.stderr.contains("profile `mine`"), "{}", run.stderr);
        assert!(run.stderr.contains("level_map"), "{}", run.stderr);
        assert!(run.stderr.contains(expected), "{map}: {}", run.stderr);
    }
}
