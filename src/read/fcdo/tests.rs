use super::*;

fn texts(t: &[&str]) -> Vec<String> {
    t.iter().map(|s| s.to_string()).collect()
}

#[test]
fn fcdo_wording_onto_levels() {
    let cases: [(&[&str], u8); 14] = [
        (&["FCDO advises against all travel to Mali"], 4),
        (
            &["FCDO advises against all travel to the whole of the Mali due to insecurity."],
            4,
        ),
        (
            &["FCDO advises against all but essential travel to Cuba"],
            3,
        ),
        (
            &["FCDO advices against all but essential travel to Qatar"],
            3,
        ),
        // Mali before 2025-10-31: all of it but Bamako, and Bamako all but essential.
        (
            &[
                "Areas where FCDO advises against travel",
                "FCDO advises against all travel to Mali, except to Bamako, due to the risk of terrorist attacks.",
                "FCDO also advises against all but essential travel to Bamako and to places within 25km of Bamako.",
            ],
            3,
        ),
        (
            &[
                "FCDO advises against all but essential travel to the capital city of Niamey, and advises against all travel to the rest of Niger.",
            ],
            3,
        ),
        (
            &["FCDO advises against all but essential travel to parts of Tanzania"],
            2,
        ),
        // uk_more/somalia/2025-03-25.md: "excluding" is an exception, as "except" is, and
        // every part is covered at all but essential travel or more.
        (
            &[
                "FCDO advises against all travel to Somalia, including the 3 eastern regions of Somaliland – Togdheer, Sanaag and Sool – and excluding the 3 western regions of Somaliland – Awdal, Maroodijeh and Sahil. This is due to the threat from terrorist groups and continuing violence.",
                "FCDO advises against all but essential travel to the 3 western regions of Somaliland – Awdal (including Boorama), Maroodijeh (including Hargeisa) and Sahil (including Berbera).",
            ],
            3,
        ),
        // uk_more/central-african-republic/2025-03-25.md: "including" before the "except".
        (
            &[
                "FCDO advises against all travel to the whole of the Central African Republic, including the areas of Bimbo, Begoua and Coline, except to the capital, Bangui.",
                "FCDO advises against all but essential travel to Bangui, including Bangui M’Poko International Airport.",
            ],
            3,
        ),
        // Venezuela 2026-03-04: areas at 4, the remaining areas all but essential.
        (
            &[
                "Areas where FCDO advises against all travel",
                "FCDO advises against all travel to Zulia state.",
                "The FCDO advises against all but essential travel to the remaining areas of Venezuela",
            ],
            3,
        ),
        (
            &[
                "FCDO advises against all travel to within 80km (50 miles) of the border with Colombia.",
            ],
            2,
        ),
        (&["FCDO advises against all travel to Zulia State."], 2),
        (
            &["We no longer advise against all but essential travel to the whole of Bangladesh."],
            1,
        ),
        (&["UK government support", "Travel insurance"], 1),
    ];
    for (t, expected) in cases {
        assert_eq!(level_of_statements(&texts(t)).number, expected, "{t:?}");
    }
}

/// Paragraphs, and list items written "* ".
fn page(lines: &[&str]) -> Vec<Block> {
    lines
        .iter()
        .map(|line| match line.strip_prefix("* ") {
            Some(item) => Block {
                item: true,
                ..Block::plain(item)
            },
            None => Block::plain(line),
        })
        .collect()
}

fn areas_of(lines: &[&str]) -> Vec<(String, u8)> {
    read(&page(lines), &[])
        .areas
        .into_iter()
        .map(|a| (a.name, a.level))
        .collect()
}

#[test]
fn a_list_of_areas_is_never_cut_to_its_introduction() {
    // uk/libya/2026-07-22.md: once shown as the area "the cities of", the cities dropped.
    let areas = areas_of(&[
        "Areas where FCDO advises against travel",
        "FCDO advises against all travel to Libya except for the cities of:",
        "* Tripoli",
        "* Benghazi, Al-Bayda and Derna, and the surrounding area known as Jebel Akhdar, either side of the coastal and desert roads between and including the towns of Al-Maqrun and Al-Tamimi",
        "* Misrata",
        "FCDO advises against all but essential travel to the cities of:",
        "* Tripoli",
        "* Benghazi, Al-Bayda and Derna, and the surrounding area knows as Jebel Akhdar, either side of the coastal and desert roads between and including the towns of Al-Maqrun and Al-Tamimi",
        "* Misrata",
    ]);
    assert_eq!(
            areas,
            [
                ("Tripoli".to_owned(), 3),
                ("Benghazi, Al-Bayda and Derna, and the surrounding area knows as Jebel Akhdar, either side of the coastal and desert roads between and including the towns of Al-Maqrun and Al-Tamimi".to_owned(), 3),
                ("Misrata".to_owned(), 3),
            ]
        );
    // A list in a sentence stays one area, as written (uk/libya, the 2025 "Latest update").
    let areas = areas_of(&[
        "FCDO advises against all but essential travel to the cities of Tripoli, Benghazi and Misrata.",
    ]);
    assert_eq!(
        areas,
        [("the cities of Tripoli, Benghazi and Misrata".to_owned(), 3)]
    );
    // uk_more/georgia/2025-03-25.md.
    let areas = areas_of(&[
        "For security reasons, FCDO advises against all travel to the breakaway regions of:",
        "* South Ossetia",
        "* Abkhazia",
        "FCDO also advises against all but essential travel to areas immediately next to the administrative boundary lines with South Ossetia and Abkhazia.",
    ]);
    assert_eq!(
            areas,
            [
                ("South Ossetia".to_owned(), 4),
                ("Abkhazia".to_owned(), 4),
                (
                    "areas immediately next to the administrative boundary lines with South Ossetia and Abkhazia".to_owned(),
                    3
                ),
            ]
        );
}

#[test]
fn an_area_is_never_a_fragment_of_its_sentence() {
    // uk_more/mozambique/2025-03-25.md: "the following districts" names no place.
    let areas = areas_of(&[
        "FCDO advises against all travel to the following districts in Cabo Delgado Province due to attacks by groups with links to Islamist extremism. The advice covers the districts of:",
        "* Chiure",
        "* Palma, except Palma town, where FCDO advises against all but essential travel",
    ]);
    assert_eq!(
        areas,
        [
            ("Chiure".to_owned(), 4),
            (
                "Palma, except Palma town, where FCDO advises against all but essential travel"
                    .to_owned(),
                4
            ),
        ]
    );
    // uk_more/mexico/2025-03-25.md: the "outside" inside the name is no exception, and the
    // name is not left with an open parenthesis.
    let areas = areas_of(&[
        "FCDO advises against all but essential travel on Federal Highway 199 (Carretera Federal 199) between Rancho Nuevo (just outside San Cristobal de las Casas) and the Chancalá junction just outside Palenque (where Federal Highway 199 meets Federal Highway 307).",
    ]);
    assert_eq!(
            areas,
            [(
                "Federal Highway 199 (Carretera Federal 199) between Rancho Nuevo (just outside San Cristobal de las Casas) and the Chancalá junction just outside Palenque (where Federal Highway 199 meets Federal Highway 307)".to_owned(),
                3
            )]
        );
    // A part's "except" still ends its name, and the exceptions are no areas
    // (uk_more/mexico/2025-03-25.md).
    let areas = areas_of(&[
        "FCDO advises against all but essential travel to the state of Tamaulipas, except:",
        "* the border crossing at Nuevo Laredo accessed by federal toll road 85D from Monterrey",
    ]);
    assert_eq!(areas, [("the state of Tamaulipas".to_owned(), 3)]);
}

fn country(name: &str) -> Vec<&'static Country> {
    vec![country::resolve(name).expect("a country")]
}

#[test]
fn advice_about_another_country_sets_nothing_here() {
    // uk_more/colombia/2025-06-11.md: Venezuela's border regions are Venezuela's advice.
    let lines = [
        "Areas where FCDO advises against all but essential travel",
        "FCDO advises against all but essential travel to:",
        "* all of Arauca Department, except for the department capital, Arauca",
        "FCDO currently advises against all travel to Venezuela’s border regions with Colombia. You should not use any of the Colombia-Venezuela land crossings.",
    ];
    let advice = read(&page(&lines), &country("Colombia"));
    assert_eq!(advice.level.number, 2);
    let names: Vec<&str> = advice.areas.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        ["all of Arauca Department, except for the department capital, Arauca"]
    );
    // "All travel to South Sudan" on Sudan's page is no level 4 of Sudan; on its own page
    // (uk_more/south-sudan/) it is, and "Sudan" never matches inside "South Sudan".
    let lines = [
        "FCDO advises against all travel to South Sudan due to the risk of armed violence and criminality.",
    ];
    assert_eq!(read(&page(&lines), &country("Sudan")).level.number, 1);
    assert!(read(&page(&lines), &country("Sudan")).areas.is_empty());
    assert_eq!(read(&page(&lines), &country("South Sudan")).level.number, 4);
    // A page whose country is not known reads every country as its own.
    assert_eq!(read(&page(&lines), &[]).level.number, 4);
    // uk_more/israel/2025-06-16.md: the page covers Israel and the OPTs together.
    let lines = [
        "FCDO currently advises against all travel to Israel and the Occupied Palestinian Territories.",
    ];
    assert_eq!(read(&page(&lines), &country("Israel")).level.number, 4);
    // A border shared with a neighbour is a part of this country
    // (uk_more/djibouti/: "the Djibouti-Eritrea border").
    let lines = ["FCDO advises against all travel to the Djibouti-Eritrea border."];
    let advice = read(&page(&lines), &country("Djibouti"));
    assert_eq!(advice.level.number, 2);
    assert_eq!(advice.areas[0].name, "the Djibouti-Eritrea border");
}

#[test]
fn the_page_country_is_the_one_its_guide_links_name() {
    // uk_more/eswatini/: its own guide's pages, and a bare pointer to a neighbour.
    let links = [
        "/foreign-travel-advice/eswatini/safety-and-security",
        "https://www.gov.uk/foreign-travel-advice/mozambique",
        "https://www.gov.uk/foreign-travel-advice/mozambique",
        "/foreign-travel-advice/eswatini/entry-requirements",
    ];
    assert_eq!(page_countries(links), country("Eswatini"));
    assert_eq!(
        page_countries(["/foreign-travel-advice/congo/safety-and-security"]),
        country("CG")
    );
    assert!(page_countries(["https://www.gov.uk/guidance/foreign-travel-insurance"]).is_empty());
}

#[test]
fn the_rest_of_a_region_is_a_part_and_the_rest_of_the_country_the_whole() {
    let level = |lines: &[&str], name: &str| read(&page(lines), &country(name)).level.number;
    // uk_more/mozambique/2025-03-25.md.
    let mozambique = [
        "FCDO advises against all travel to the following districts in Cabo Delgado Province due to attacks by groups with links to Islamist extremism. The advice covers the districts of:",
        "* Chiure",
        "FCDO advises against all but essential travel to the rest of Cabo Delgado Province due to attacks by groups with links to Islamist extremism.",
    ];
    assert_eq!(level(&mozambique, "Mozambique"), 2);
    assert!(
        read(&page(&mozambique), &country("Mozambique"))
            .areas
            .iter()
            .any(|a| a.name == "the rest of Cabo Delgado Province" && a.level == 3)
    );
    // uk_more/cameroon/2025-03-25.md.
    let cameroon = [
        "FCDO advises against all travel to the Far-North Region.",
        "FCDO advises against all but essential travel to the rest of North and Adamawa regions, including Garoua in North Region, and a 20km radius to the north, east and west of Maroua, and 30km south of Maroua, in Far-North Region.",
    ];
    assert_eq!(level(&cameroon, "Cameroon"), 2);
    // The remaining areas or all other areas of a department or province are parts too
    // (the wording of issue 20; no stored page says it yet).
    for part in [
        "FCDO advises against all but essential travel to the remaining areas of the Arauca and Norte de Santander departments.",
        "FCDO advises against all but essential travel to all other areas of Cabo Delgado province.",
    ] {
        assert_eq!(level(&[part], "Colombia"), 2, "{part}");
    }
    // The rest of this country, or of the country, is the whole of it
    // (uk_more/niger/, uk_more/israel/2025-06-14.md, uk/venezuela/2026-03-04.md).
    for (whole, name) in [
        (
            "FCDO advises against all but essential travel to the capital city of Niamey, and advises against all travel to the rest of Niger.",
            "Niger",
        ),
        (
            "FCDO advises against all but essential travel to the rest of Israel and the Occupied Palestinian Territories.",
            "Israel",
        ),
        (
            "The FCDO advises against all but essential travel to the remaining areas of Venezuela, due to ongoing crime and instability.",
            "Venezuela",
        ),
        (
            "FCDO advises against all but essential travel to the rest of the country.",
            "Mali",
        ),
    ] {
        assert_eq!(level(&[whole], name), 3, "{whole}");
    }
    // The rest of another country is that country's.
    assert_eq!(
        level(
            &["FCDO advises against all travel to the rest of Niger."],
            "Nigeria"
        ),
        1
    );
}

#[test]
fn the_latest_update_is_the_note_and_never_the_advice() {
    // A lowering from 4: the latest update quotes the advice it replaced.
    let blocks: Vec<Block> = [
            "Warnings and insurance",
            "Still current at: : 4 March 2026",
            "Updated: : 3 March 2026",
            "Latest update:",
            ": FCDO no longer advises against all travel to the whole of Venezuela. FCDO advises against all travel to Venezuela (old).",
            "Your travel insurance could be invalidated if you travel against advice from the FCDO.",
            "Areas where FCDO advises against all travel",
            "FCDO advises against all travel to Zulia state.",
            "The FCDO advises against all but essential travel to the remaining areas of Venezuela",
            "About FCDO travel advice",
            "FCDO advises against all travel to Venezuela",
        ]
        .iter()
        .map(|t| Block::plain(t))
        .collect();
    let advice = read(&blocks, &[]);
    assert_eq!(advice.level.number, 3);
    assert_eq!(advice.issued, NaiveDate::from_ymd_opt(2026, 3, 3));
    assert!(
        advice
            .note
            .as_deref()
            .is_some_and(|n| n.starts_with("FCDO no longer advises")),
        "{:?}",
        advice.note
    );
    assert!(
        advice
            .areas
            .iter()
            .any(|a| a.name == "Zulia state" && a.level == 4)
    );
    assert!(!advice.summary.iter().any(|p| p.contains("Still current")));
}
