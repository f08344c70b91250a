//! Truncated or mutated answers never make a parser panic (property test over the
//! samples of `../shared/nmbrs/samples/`, see `tests/samples.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use nmbrs_client::parse;
use proptest::prelude::*;

fn samples() -> Vec<Vec<u8>> {
    let root = common::samples();
    let mut out = Vec::new();
    for dir in ["synthetic", "from-sources"] {
        for entry in std::fs::read_dir(root.join(dir))
            .expect("samples folder")
            .flatten()
        {
            out.push(std::fs::read(entry.path()).expect("sample"));
        }
    }
    out.sort();
    out
}

/// Runs every parser; only a panic fails the property.
fn parse_all(body: &[u8]) {
    let _ = parse::check(body);
    let _ = parse::companies(body);
    let _ = parse::debtors(body);
    let _ = parse::environment(body);
    let _ = parse::code_items(body);
    let _ = parse::managers(body);
    let _ = parse::current_manager(body);
    let _ = parse::employee_types(body);
    let _ = parse::employee_list(body);
    let _ = parse::current_period(body);
    let _ = parse::personal_info(body);
    let _ = parse::personal_info_with_bsn(body);
    let _ = parse::employments(body);
    let _ = parse::contracts(body);
    let _ = parse::departments(body);
    let _ = parse::functions(body);
    let _ = parse::addresses(body);
    let _ = parse::cost_centers(body);
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize),
    Insert(usize, u8),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let interesting = prop::sample::select(vec![
        b'<', b'>', b'/', b'&', b';', b'"', b'=', b':', b'0', b'-', b'T', 0xC3, 0xFF, 0,
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), interesting.clone()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), interesting).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(body: &mut Vec<u8>, m: &Mutation) {
    if body.is_empty() {
        return;
    }
    let at = |i: usize, len: usize| i % len;
    match *m {
        Mutation::Flip(i, b) => {
            let i = at(i, body.len());
            body[i] = b;
        }
        Mutation::Delete(i) => {
            body.remove(at(i, body.len()));
        }
        Mutation::Insert(i, b) => body.insert(at(i, body.len() + 1), b),
        Mutation::Truncate(i) => body.truncate(at(i, body.len() + 1)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn mutated_samples_never_panic(which in any::<usize>(), mutations in prop::collection::vec(mutation(), 1..8)) {
        let all = samples();
        let mut body = all[which % all.len()].clone();
        for m in &mutations {
            apply(&mut body, m);
        }
        parse_all(&body);
    }

    #[test]
    fn every_prefix_of_every_sample_is_an_error_or_whole(which in any::<usize>(), cut in any::<usize>()) {
        let all = samples();
        let body = &all[which % all.len()];
        let cut = cut % (body.len() + 1);
        let prefix = &body[..cut];
        parse_all(prefix);
        // A prefix that lost more than trailing whitespace is never a complete answer.
        if !body[cut..].iter().all(u8::is_ascii_whitespace) {
            prop_assert!(parse::check(prefix).is_err(), "prefix of {} bytes parsed", cut);
        }
    }
}
