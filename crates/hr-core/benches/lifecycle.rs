//! Lifecycle evaluation of 100 000 generated people (goal: ≤ 50 ms on a 2-core machine).
//!
//! `cargo bench -p hr-core --bench lifecycle`

use std::hint::black_box;

use chrono::{NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hr_core::{Employee, EmployeeId, Employment, LifecyclePolicy, PersonName};

const PEOPLE: u64 = 100_000;

const ZONES: [Tz; 8] = [
    chrono_tz::Europe::Amsterdam,
    chrono_tz::Europe::London,
    chrono_tz::America::New_York,
    chrono_tz::America::Los_Angeles,
    chrono_tz::Asia::Tokyo,
    chrono_tz::Australia::Sydney,
    chrono_tz::Asia::Kolkata,
    chrono_tz::America::Sao_Paulo,
];

/// A deterministic population: a quarter without their own zone, one in ten rehired
/// (two employments), one in five with an end date, starts spread over 20 years.
fn population() -> Vec<Employee> {
    let epoch = NaiveDate::from_ymd_opt(2008, 1, 1).unwrap_or_default();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..PEOPLE)
        .map(|i| {
            let start = epoch + chrono::Days::new(next() % 7300);
            let end = (next() % 5 == 0).then(|| start + chrono::Days::new(30 + next() % 2000));
            let mut e = Employee::new(EmployeeId::from(i), PersonName::new("A", "B"))
                .with_employment(
                    Employment::new(start, end).unwrap_or_else(|_| Employment::open(start)),
                );
            if let (Some(end), true) = (end, next() % 2 == 0) {
                e = e.with_employment(Employment::open(end + chrono::Days::new(1 + next() % 400)));
            }
            if next() % 4 != 0 {
                e = e.with_time_zone(ZONES[(next() % ZONES.len() as u64) as usize]);
            }
            e
        })
        .collect()
}

fn evaluate(c: &mut Criterion) {
    let people = population();
    let policy = LifecyclePolicy::builder()
        .grace_days_after_end(7)
        .build()
        .unwrap_or_default();
    let at = Utc
        .with_ymd_and_hms(2026, 6, 15, 2, 0, 0)
        .single()
        .unwrap_or_default();
    let mut group = c.benchmark_group("lifecycle");
    group.throughput(Throughput::Elements(PEOPLE));
    group.bench_function("evaluate_100k_people", |b| {
        b.iter(|| {
            for e in &people {
                black_box(policy.evaluate(black_box(e), at));
            }
        })
    });
    group.bench_function("evaluate_and_render_reason_100k_people", |b| {
        let mut line = String::with_capacity(256);
        b.iter(|| {
            for e in &people {
                line.clear();
                std::fmt::write(&mut line, format_args!("{}", policy.evaluate(e, at)))
                    .unwrap_or_default();
                black_box(&line);
            }
        })
    });
    group.finish();
}

criterion_group!(benches, evaluate);
criterion_main!(benches);
