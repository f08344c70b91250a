//! Okta Management API answers: user and group JSON, list pages, error bodies and
//! `Link` headers. Any input gives a value or a typed error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    match selector % 5 {
        0 => drop(okta_api::User::from_json(body)),
        1 => drop(okta_api::User::list_from_json(body)),
        2 => drop(okta_api::Group::from_json(body)),
        3 => {
            let status = 400 + u16::from(selector) % 200;
            let e = okta_api::OktaApiError::from_response("fuzz", status, None, body);
            let _ = e.to_string();
            let _ = e.is_login_conflict();
        }
        _ => {
            if let (Ok(text), Ok(base)) = (
                std::str::from_utf8(body),
                url::Url::parse("https://acme.okta.com/api/v1/users?limit=200"),
            ) {
                let _ = okta_api::parse_next_link(text.split('\n'), &base);
            }
        }
    }
});
