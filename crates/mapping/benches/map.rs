//! Mapping throughput with `okta-default`. Figures: `docs/benchmarks.md`.
//!
//! `cargo bench -p mapping --bench map`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hr_core::EmployeeId;
use hr_core::conformance::Fixture;
use std::hint::black_box;

const PEOPLE: usize = 30_000;

fn bench(c: &mut Criterion) {
    let fixture = Fixture::standard();
    let mapper = mapping::Mapper::preset("okta-default").unwrap_or_else(|e| panic!("{e}"));
    // The fixture's 30 people, 1 000 times over with their own ids; the one without any
    // e-mail fails validation, as it would in production.
    let people: Vec<_> = (0..PEOPLE)
        .map(|i| {
            let mut e = fixture.employees[i % fixture.employees.len()].clone();
            e.id = EmployeeId::from(u32::try_from(1_000_000 + i).unwrap_or(u32::MAX));
            let d = fixture.policy.evaluate(&e, fixture.reference_time);
            (e, d)
        })
        .collect();
    let mut group = c.benchmark_group("mapping okta-default");
    group.throughput(Throughput::Elements(PEOPLE as u64));
    group.sample_size(20);
    group.bench_function("map 30k people", |b| {
        b.iter(|| {
            let mut ok = 0usize;
            for (e, d) in &people {
                ok += usize::from(mapper.map(black_box(e), d).is_ok());
            }
            ok
        });
    });
    group.bench_function("map 30k people + Okta profile JSON text", |b| {
        let mut body = Vec::with_capacity(4096);
        b.iter(|| {
            let mut bytes = 0usize;
            for (e, d) in &people {
                if let Ok(user) = mapper.map(black_box(e), d) {
                    body.clear();
                    if serde_json::to_writer(&mut body, &user.okta_profile_view(true)).is_ok() {
                        bytes += body.len();
                    }
                }
            }
            bytes
        });
    });
    group.bench_function("map 30k people + Okta profile as serde_json map", |b| {
        b.iter(|| {
            let mut attributes = 0usize;
            for (e, d) in &people {
                if let Ok(user) = mapper.map(black_box(e), d) {
                    attributes += user.okta_profile().len();
                }
            }
            attributes
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
