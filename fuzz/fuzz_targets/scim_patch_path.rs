//! SCIM PATCH paths and attribute paths: any text either parses or fails with
//! `invalidPath`; what parses prints to text that parses back to the same value, and a
//! path's value filter evaluates over group members without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use okta_scim::schema::ResourceSchema;
use okta_scim::{AttrPath, PatchPath, ScimType};
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match PatchPath::parse(text) {
        Ok(p) => {
            let printed = p.to_string();
            // Printing may lengthen numbers past the length limit; compare when it fits.
            if printed.len() <= 8192 {
                match PatchPath::parse(&printed) {
                    Ok(again) => assert_eq!(again, p, "{text:?} printed as {printed:?}"),
                    Err(e) => panic!("{text:?} printed as {printed:?}: {}", e.detail()),
                }
            }
            if let Some(f) = &p.value_filter {
                let groups = ResourceSchema::group();
                let members = groups.attribute(None, "members");
                for m in [
                    json!({"value": "2819c223", "display": "Babs", "type": "User"}),
                    json!({"value": 5, "display": null}),
                    json!("2819c223"),
                    json!([]),
                ] {
                    let _ = f.matches_element(&m, members);
                    let _ = f.matches_element(&m, None);
                }
            }
        }
        Err(e) => assert_eq!(e.scim_type(), Some(ScimType::InvalidPath), "{}", e.detail()),
    }
    match AttrPath::parse(text) {
        Ok(a) => assert_eq!(AttrPath::parse(&a.to_string()).as_ref(), Ok(&a), "{text:?}"),
        Err(e) => assert_eq!(e.scim_type(), Some(ScimType::InvalidPath), "{}", e.detail()),
    }
});
