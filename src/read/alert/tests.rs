use super::*;

fn blocks(lines: &[&str]) -> Vec<Block> {
    lines
        .iter()
        .map(|l| {
            let item = l.starts_with("* ");
            let text = l.trim_start_matches("* ");
            let (lead, text) = match text.strip_prefix("**") {
                Some(rest) => {
                    let end = rest.find("**").unwrap_or(rest.len());
                    (
                        Some(rest[..end].to_owned()),
                        format!("{}{}", &rest[..end], rest.get(end + 2..).unwrap_or("")),
                    )
                }
                None => (None, text.to_owned()),
            };
            Block {
                text: collapse_whitespace(&text),
                lead,
                item,
            }
        })
        .collect()
}

fn ids(indicators: &[Indicator]) -> Vec<&'static str> {
    let mut ids: Vec<_> = indicators.iter().map(|i| i.id()).collect();
    ids.sort_unstable();
    ids
}

#[test]
fn every_tier_about_the_whole_country_counts_and_areas_do_not() {
    // Colombia, 2025-03-26: two tiers without a target, then an area list.
    let text = read(
        &blocks(&[
            "**Reissued with updates to the country summary.**",
            "Reconsider travel due to crime and terrorism. Exercise increased caution due to civil unrest and kidnapping. Some areas have increased risk. Read the entire Travel Advisory.",
            "**Do Not Travel to:**",
            "* Arauca, Cauca (excluding Popayán), and Norte de Santander departments due to crime and terrorism.",
            "* The Colombia-Venezuela border region due to crime, kidnapping, and risk of detention when crossing into Venezuela from Colombia.",
            "**Country Summary:** Crime is common.",
            "If you decide to travel to Colombia:",
            "* Stay alert.",
        ]),
        Some("Colombia"),
    );
    assert_eq!(
        ids(&text.indicators),
        ["crime", "kidnapping", "terrorism", "unrest"]
    );
    assert_eq!(text.statement_level, Some(3));
    assert_eq!(
        text.note.as_deref(),
        Some("Reissued with updates to the country summary.")
    );
    assert_eq!(text.summary, ["Crime is common."]);
    assert_eq!(text.areas.len(), 2, "{:?}", text.areas);
    assert_eq!(text.areas[0].level, 4);
    assert!(text.reasons.is_empty(), "{:?}", text.reasons);
}

#[test]
fn area_carve_outs_never_feed_the_country_wide_indicators() {
    let text = read(
        &blocks(&[
            "Exercise normal precautions in Cambodia. Some areas have increased risks.",
            "Exercise increased caution in the Departments of Pursat and Battambang due to crime.",
            "Country Summary: Land mines remain.",
        ]),
        Some("Cambodia"),
    );
    assert!(text.indicators.is_empty(), "{:?}", text.indicators);
    assert_eq!(text.statement_level, Some(1));
    assert_eq!(text.areas.len(), 1);
    assert_eq!(text.areas[0].name, "Departments of Pursat and Battambang");
    assert_eq!(text.areas[0].level, 2);
}

#[test]
fn areas_anywhere_in_the_text() {
    let paragraphs: Vec<String> = [
        "Exercise normal precautions in Croatia. Some areas have increased risk.",
        "Level 2: Exercise Increased Caution",
        "Karlovac and Lika-Senj counties",
        "Exercise increased caution in Karlovac and Lika-Senj counties due to landmines.",
        "Exercise increased caution in Croatia due to crime.",
    ]
    .map(str::to_owned)
    .to_vec();
    assert_eq!(
        areas_in(&paragraphs, Some("Croatia")),
        [Area {
            name: "Karlovac and Lika-Senj counties".into(),
            level: 2,
            reasons: vec!["landmines".into()],
        }]
    );
    let jordan: Vec<String> = [
        "Do not travel to the Syrian refugee camps in Jordan due to crime and terrorism.",
        "Reconsider travel to Ma’an city due to terrorism.",
    ]
    .map(str::to_owned)
    .to_vec();
    let names: Vec<(String, u8)> = areas_in(&jordan, Some("Jordan"))
        .into_iter()
        .map(|a| (a.name, a.level))
        .collect();
    assert_eq!(
        names,
        [
            ("Syrian refugee camps in Jordan".to_owned(), 4),
            ("Ma’an city".to_owned(), 3)
        ]
    );
}

#[test]
fn a_special_administrative_region_is_the_advisory_itself() {
    let text = read(
        &blocks(&[
            "Exercise increased caution when traveling to the Macau Special Administrative Region (SAR) due to the arbitrary enforcement of local laws and terrorism.",
        ]),
        Some("Macau"),
    );
    // The arbitrary enforcement of local laws is no named indicator: Other, in its words.
    assert_eq!(ids(&text.indicators), ["other", "terrorism"]);
    assert_eq!(text.reasons, ["the arbitrary enforcement of local laws"]);
    assert!(text.areas.is_empty(), "{:?}", text.areas);
}

#[test]
fn a_statement_about_another_country_sets_nothing_here() {
    // us_rss/TAsTWs-2025-10-07.xml, Ukraine's item, read as if it stood on Russia's page.
    let text = read(
        &blocks(&[
            "Do not travel to Russia due to the consequences of the full-scale invasion of Ukraine by Russian military forces.",
            "Do not travel to Ukraine due to Russia’s war against Ukraine.",
        ]),
        Some("Russia"),
    );
    assert_eq!(text.statement_level, Some(4));
    assert!(text.areas.is_empty(), "{:?}", text.areas);
    let alone = read(
        &blocks(&["Do not travel to Ukraine due to Russia’s war against Ukraine."]),
        Some("Russia"),
    );
    assert_eq!(alone.statement_level, None);
    assert!(alone.indicators.is_empty() && alone.reasons.is_empty());
    // On its own page it is the country's statement.
    let own = read(
        &blocks(&["Do not travel to Ukraine due to Russia’s war against Ukraine."]),
        Some("Ukraine"),
    );
    assert_eq!(own.statement_level, Some(4));
    // A border or a possessive of this country is a part of it, whatever it names
    // (us_more/pakistan/2025-03-26.md; us_rss/TAsTWs-2025-10-07.xml, Jordan).
    let names = |paragraphs: &[&str], country: &str| -> Vec<(String, u8)> {
        let paragraphs: Vec<String> = paragraphs.iter().map(|p| p.to_string()).collect();
        areas_in(&paragraphs, Some(country))
            .into_iter()
            .map(|a| (a.name, a.level))
            .collect()
    };
    assert_eq!(
        names(
            &[
                "Do not travel to the India-Pakistan border, including areas along the Line of Control for any reason."
            ],
            "Pakistan"
        ),
        [(
            "India-Pakistan border, including areas along the Line of Control".to_owned(),
            4
        )]
    );
    assert_eq!(
            names(
                &["Do not travel to Jordan's border with Syria and Iraq given the continued threat of cross-border violence, including the risk of terrorist attacks."],
                "Jordan"
            )
            .len(),
            1
        );
    // China's page covers its Special Administrative Regions
    // (us_more/macau/2024-11-27.md's heading names all three).
    let china = read(
        &blocks(&[
            "Exercise increased caution when traveling to Mainland China due to arbitrary enforcement of local laws, including in relation to exit bans.",
            "Exercise increased caution when traveling to the Hong Kong Special Administrative Region (SAR) due to arbitrary enforcement of local laws.",
        ]),
        Some("Mainland China, Hong Kong & Macau"),
    );
    assert_eq!(china.statement_level, Some(2));
    assert!(china.areas.is_empty(), "{:?}", china.areas);
}

#[test]
fn qualified_causes_map_onto_their_indicator_and_others_stay_reasons() {
    for (cause, expected) in [
        ("risk of crime", Some("crime")),
        ("the risk of kidnapping", Some("kidnapping")),
        ("potential for civil unrest", Some("unrest")),
        ("risk of natural disasters", Some("natural_disaster")),
        ("natural disaster risks", Some("natural_disaster")),
        ("limited health infrastructure", Some("health")),
        ("poor health infrastructure", Some("health")),
        ("inadequate health infrastructure", Some("health")),
        ("limited health facilities", Some("health")),
        ("terrorism concerns", Some("terrorism")),
        ("wrongful detentions", Some("wrongful_detention")),
        (
            "the critical threat of wrongful detention",
            Some("wrongful_detention"),
        ),
        // Words the reader had not met: mapped by meaning.
        ("riots", Some("unrest")),
        ("strikes", Some("unrest")),
        ("civil disturbances", Some("unrest")),
        ("political tensions", Some("unrest")),
        ("cholera", Some("health")),
        ("dengue", Some("health")),
        ("measles outbreaks", Some("health")),
        ("epidemics", Some("health")),
        ("lack of medical facilities", Some("health")),
        ("hurricanes", Some("natural_disaster")),
        ("flooding", Some("natural_disaster")),
        ("wildfires", Some("natural_disaster")),
        ("severe weather", Some("natural_disaster")),
        ("gang violence", Some("crime")),
        ("armed robbery", Some("crime")),
        ("violent extremism", Some("terrorism")),
        ("armed gangs", Some("crime")),
        ("criminal activity, including kidnapping", Some("crime")),
        (
            "arbitrary arrest of U.S. citizens",
            Some("wrongful_detention"),
        ),
        ("elections", Some("event")),
        // Armed conflict is unrest in the State Department's usage (Cambodia 2025).
        ("armed conflict", Some("unrest")),
        ("military activity", Some("unrest")),
        ("air strikes", Some("unrest")),
        ("the volatile security situation", Some("unrest")),
        // What the State Department files under Other (Sri Lanka, Benin).
        ("landmines", Some("other")),
        ("piracy", Some("other")),
        // No word of the vocabulary: the caller makes it Other, keeping its words.
        ("arbitrary enforcement of local laws", None),
    ] {
        assert_eq!(
            Indicator::from_cause(cause).map(Indicator::id),
            expected,
            "{cause}"
        );
    }
}

#[test]
fn glued_markup_typos_and_split_statements_read_as_meant() {
    let text = read(
        &blocks(&["Exercise increase caution in Comoros due to crime and civil unrest."]),
        Some("Comoros"),
    );
    assert_eq!(ids(&text.indicators), ["crime", "unrest"]);
    assert_eq!(text.statement_level, Some(2));
    let text = read(
        &blocks(&["Exercise increased caution in Algeria due to terrorism and kidnapping."]),
        Some("Algeria"),
    );
    assert_eq!(ids(&text.indicators), ["kidnapping", "terrorism"]);
    let text = read(
        &blocks(&[
            "Reconsider travel to Nigeria due to crime, and armed gangs.Some areas have increased risk.",
        ]),
        Some("Nigeria"),
    );
    // Armed gangs are crime.
    assert_eq!(ids(&text.indicators), ["crime"]);
    assert!(text.reasons.is_empty(), "{:?}", text.reasons);
    // The feed and the current layout split the phrase from its target.
    let text = read(
        &blocks(&[
            "Exercise increased caution",
            "in Mexico due to terrorism, crime, and kidnapping.",
        ]),
        Some("Mexico"),
    );
    assert_eq!(ids(&text.indicators), ["crime", "kidnapping", "terrorism"]);
}

#[test]
fn reasons_are_stored_as_the_publisher_wrote_them() {
    // us/egypt/2025-03-26.md: a cause no named indicator covers is Other, and its words
    // are kept with their case and punctuation ("Embassy’s", "U.S.-Egyptian").
    let text = read(
        &blocks(&[
            "Exercise increased caution in Egypt due to **the Embassy’s limited ability to assist dual national U.S.-Egyptian citizens who are arrested or detained.**",
        ]),
        Some("Egypt"),
    );
    assert_eq!(
        text.reasons,
        [
            "the Embassy’s limited ability to assist dual national U.S.-Egyptian citizens who are arrested or detained"
        ]
    );
    assert_eq!(ids(&text.indicators), ["other"]);
    // us/russia/2025-05-09.md: "between Russia and Ukraine" is one cause (armed conflict,
    // so unrest), never "Ukraine" alone; the other cause keeps its capital.
    let text = read(
        &blocks(&[
            "**Do not travel to Russia due to:**",
            "* Danger associated with the continuing war between Russia and Ukraine.",
            "* The arbitrary enforcement of local laws.",
            "**Country Summary:** Text.",
        ]),
        Some("Russia"),
    );
    assert_eq!(text.reasons, ["The arbitrary enforcement of local laws"]);
    assert_eq!(ids(&text.indicators), ["other", "unrest"]);
}

#[test]
fn an_area_reason_with_between_is_never_cut_at_its_and() {
    // us/cambodia/2025-07-26.md (its bold "ongoing fighting" is plain text here): shown
    // before as "between cambodian, thai military forces".
    let paragraphs = [
            "Do not travel to areas within 50km of the Cambodia – Thailand border due to ongoing fighting between Cambodian and Thai military forces.".to_owned(),
        ];
    let areas = areas_in(&paragraphs, Some("Cambodia"));
    assert_eq!(areas.len(), 1, "{areas:?}");
    assert_eq!(
        areas[0].name,
        "areas within 50km of the Cambodia – Thailand border"
    );
    // One cause, never cut at its "and": fighting between armed forces is unrest.
    assert_eq!(areas[0].reasons, ["unrest"]);
}

#[test]
fn the_same_reason_in_another_case_is_one_reason() {
    let text = read(
        &blocks(&[
            "Reconsider travel to Burma due to the arbitrary enforcement of local laws, the Arbitrary Enforcement of Local Laws, and landmines.",
        ]),
        Some("Burma"),
    );
    assert_eq!(
        text.reasons,
        ["the arbitrary enforcement of local laws", "landmines"]
    );
}

#[test]
fn reasons_keep_their_closing_parentheses() {
    let text = read(
        &blocks(&[
            "Do not travel to Iraq due to terrorism and unexploded ordnance (including landmines).",
        ]),
        Some("Iraq"),
    );
    assert_eq!(text.reasons, ["unexploded ordnance (including landmines)"]);
}

#[test]
fn causes_in_the_next_sentence_are_the_statements() {
    // us_rss/TAsTWs-2025-10-07.xml, Moldova.
    let text = read(
        &blocks(&[
            "Exercise increased caution while traveling to Moldova. This is due to unresolved conflict between the breakaway region of Transnistria and the central government. Read the entire Travel Advisory.",
        ]),
        Some("Moldova"),
    );
    assert_eq!(text.statement_level, Some(2));
    assert_eq!(ids(&text.indicators), ["unrest"]);
}

#[test]
fn a_list_of_causes_after_due_to_is_read() {
    let text = read(
        &blocks(&[
            "**Do not travel to Russia due to:**",
            "* The consequences of the full-scale invasion of Ukraine.",
            "* The possibility of terrorism.",
            "**Country Summary:** Text.",
        ]),
        Some("Russia"),
    );
    // The invasion is armed conflict: unrest, in the State Department's usage.
    assert_eq!(ids(&text.indicators), ["terrorism", "unrest"]);
    assert!(text.reasons.is_empty(), "{:?}", text.reasons);
    assert_eq!(text.statement_level, Some(4));
}

#[test]
fn the_note_comes_from_the_top_and_never_gives_causes() {
    // Seed 003's text capture: statement, note, statement again.
    let text = read(
        &blocks(&[
            "Mali",
            "Do Not Travel to Mali for any reason due to crime, terrorism, kidnapping, Unrest and Health.",
            "There were no change to the advisory level. The “unrest” and “health” risk indicators were added.",
            "Do Not Travel to Mali for any reason due to crime, terrorism, kidnapping, Unrest and Health.",
            "Advisory summary",
            "On October 24, 2025, the Department authorized departure.",
            "For U.S. citizens in Mali:",
        ]),
        Some("Mali"),
    );
    assert_eq!(
        text.note.as_deref(),
        Some(
            "There were no change to the advisory level. The “unrest” and “health” risk indicators were added."
        )
    );
    assert_eq!(
        ids(&text.indicators),
        ["crime", "health", "kidnapping", "terrorism", "unrest"]
    );
    assert_eq!(
        text.summary,
        ["On October 24, 2025, the Department authorized departure."]
    );
    // A plain-text note in front of the statement (Belize, Romania).
    let text = read(
        &blocks(&[
            "**Reissued after periodic review with minor edits.** Exercise increased caution in Belize due to crime.",
        ]),
        Some("Belize"),
    );
    assert_eq!(
        text.note.as_deref(),
        Some("Reissued after periodic review with minor edits.")
    );
    assert_eq!(ids(&text.indicators), ["crime"]);
}

#[test]
fn the_summary_never_holds_the_header_or_badge_letters() {
    let text = read(
        &blocks(&[
            "Brazil Travel Advisory",
            "Travel Advisory May 29, 2025",
            "Brazil - Level 2: Exercise Increased Caution",
            "O D K E N H U T C",
            "**Updated to add risk indicator for kidnapping.**",
            "Exercise increased caution in Brazil due to crime and kidnapping.",
            "Country Summary:Violent crime can occur.",
            "If you decide to travel to Brazil:",
        ]),
        Some("Brazil"),
    );
    assert_eq!(text.summary, ["Violent crime can occur."]);
    assert_eq!(
        text.note.as_deref(),
        Some("Updated to add risk indicator for kidnapping.")
    );
}
