//! Golden outputs: every preset over `Fixture::standard()` at the fixture's reference time.
//! `UPDATE_GOLDEN=1 cargo test -p mapping --test golden` rewrites them after a deliberate
//! change; review the diff before committing it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hr_core::conformance::Fixture;
use mapping::{Mapper, PRESETS};
use serde_json::{Value, json};

fn render(preset: &str) -> Value {
    let mapper = Mapper::preset(preset).expect("preset compiles");
    let fixture = Fixture::standard();
    let people: Vec<Value> = fixture
        .employees
        .iter()
        .map(|e| {
            let decision = fixture.policy.evaluate(e, fixture.reference_time);
            match mapper.map(e, &decision) {
                Ok(user) => json!({
                    "id": e.id.as_str(),
                    "state": user.state().as_str(),
                    "active": user.active(),
                    "login": user.login(),
                    "okta_profile": user.okta_profile(),
                    "okta_update_profile_omits": user.okta_profile().keys()
                        .filter(|k| !user.okta_update_profile().contains_key(*k)).collect::<Vec<_>>(),
                    "scim_user": user.scim_user(),
                    "provenance": user.provenance(),
                }),
                Err(errors) => json!({
                    "id": e.id.as_str(),
                    "errors": errors.0.iter().map(ToString::to_string).collect::<Vec<_>>(),
                }),
            }
        })
        .collect();
    json!({ "preset": preset, "reference_time": fixture.reference_time.to_rfc3339(), "people": people })
}

#[test]
fn presets_match_their_golden_files() {
    for preset in PRESETS {
        let path = format!("{}/tests/golden/{preset}.json", env!("CARGO_MANIFEST_DIR"));
        let got = serde_json::to_string_pretty(&render(preset)).unwrap() + "\n";
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{path}: {e}; run with UPDATE_GOLDEN=1 to create it"));
        if got != want {
            let line = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "{preset}: output differs from {path} from line {} on:\n got:  {}\n want: {}",
                line + 1,
                got.lines().nth(line).unwrap_or(""),
                want.lines().nth(line).unwrap_or("")
            );
        }
    }
}

#[test]
fn okta_default_gets_dutch_names_right() {
    let out = render("okta-default");
    let person = |id: &str| {
        out["people"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .cloned()
            .unwrap()
    };
    let anouk = person("600001");
    assert_eq!(anouk["okta_profile"]["lastName"], "Bakker-de Vries");
    assert_eq!(anouk["okta_profile"]["firstName"], "Anouk");
    assert_eq!(anouk["okta_profile"]["mobilePhone"], "+31612345678");
    let hans = person("600027");
    assert_eq!(
        hans["okta_profile"]["firstName"], "Hans",
        "roepnaam, not the official first names"
    );
    assert_eq!(hans["okta_profile"]["lastName"], "van der Linden");
    let julia = person("600018");
    assert_eq!(
        julia["login"], "julia.koster@example.net",
        "private e-mail when there is no work e-mail"
    );
    let sem = person("600019");
    assert!(
        sem["errors"]
            .as_array()
            .is_some_and(|e| e.iter().any(|m| m.as_str().unwrap().contains("okta:login"))),
        "{sem}"
    );
    assert_eq!(person("600013")["active"], false, "long-gone leaver");
    assert_eq!(
        person("600001")["okta_update_profile_omits"],
        json!(["login"])
    );
}

/// `okta_entries` is `okta_profile` borrowed: the same attributes, values and order, and
/// `okta_update_profile` is it without the create-only entries.
#[test]
fn okta_entries_are_the_okta_profile_borrowed() {
    let fixture = Fixture::standard();
    for preset in PRESETS {
        let mapper = Mapper::preset(preset).unwrap();
        for e in &fixture.employees {
            let decision = fixture.policy.evaluate(e, fixture.reference_time);
            let Ok(user) = mapper.map(e, &decision) else {
                continue;
            };
            let entries: Vec<(String, Value)> = user
                .okta_entries()
                .map(|e| (e.name.to_owned(), e.value.map_or(Value::Null, Value::from)))
                .collect();
            let profile: Vec<(String, Value)> = user.okta_profile().into_iter().collect();
            assert_eq!(entries, profile, "{preset} {}", e.id);
            let update: Vec<(String, Value)> = user
                .okta_entries()
                .filter(|e| e.flow != mapping::Flow::CreateOnly)
                .map(|e| (e.name.to_owned(), e.value.map_or(Value::Null, Value::from)))
                .collect();
            let want: Vec<(String, Value)> = user.okta_update_profile().into_iter().collect();
            assert_eq!(update, want, "{preset} {}", e.id);
        }
    }
}
