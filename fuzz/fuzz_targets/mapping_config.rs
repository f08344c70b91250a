//! Mapping configurations (TOML and JSON, with their expressions and transform specs)
//! never make the compiler panic, and a mapping that compiles maps every fixture person
//! without panicking.
#![no_main]

use std::sync::OnceLock;

use hr_core::conformance::Fixture;
use libfuzzer_sys::fuzz_target;

fn people() -> &'static Vec<(hr_core::Employee, hr_core::LifecycleDecision)> {
    static PEOPLE: OnceLock<Vec<(hr_core::Employee, hr_core::LifecycleDecision)>> = OnceLock::new();
    PEOPLE.get_or_init(|| {
        let f = Fixture::standard();
        f.employees
            .iter()
            .map(|e| (e.clone(), f.policy.evaluate(e, f.reference_time)))
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for mapper in [mapping::Mapper::from_toml(text), mapping::Mapper::from_json(text)]
        .into_iter()
        .flatten()
    {
        for (e, d) in people() {
            if let Ok(user) = mapper.map(e, d) {
                let _ = user.okta_profile();
                let _ = user.scim_user();
                let _ = user.provenance();
            }
        }
    }
    for spec in text.lines() {
        let _ = mapping::Transform::parse(spec);
    }
});
