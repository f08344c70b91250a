//! Parsing company-wide answers of 10 000 people. Figures: `docs/benchmarks.md`.
//!
//! `cargo bench -p nmbrs-client --bench parse`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

#[path = "support/generate.rs"]
mod generate;

/// A name, an answer, and the parser that checks it.
type Case = (&'static str, String, fn(&[u8]) -> bool);

const PEOPLE: usize = 10_000;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse 10k people");
    group.sample_size(20);
    let cases: [Case; 3] = [
        ("personal info", generate::personal_info(PEOPLE), |b| {
            nmbrs_client::parse::personal_info(b).is_ok_and(|v| v.len() == PEOPLE)
        }),
        ("employments", generate::employments(PEOPLE), |b| {
            nmbrs_client::parse::employments(b).is_ok_and(|v| v.len() == PEOPLE)
        }),
        ("functions", generate::functions(PEOPLE), |b| {
            nmbrs_client::parse::functions(b).is_ok_and(|v| v.len() == PEOPLE)
        }),
    ];
    for (name, body, parse) in &cases {
        assert!(parse(body.as_bytes()), "{name} parses");
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(*name, |b| b.iter(|| parse(black_box(body.as_bytes()))));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
