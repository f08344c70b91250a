//! Streaming every user of an org: the client's `users().list().stream()` against the
//! in-process Okta simulator over real HTTP on loopback, 200 users per page.
//!
//! `cargo bench -p okta-api --features simulator --bench stream`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures_util::TryStreamExt as _;
use okta_api::OktaClient;
use okta_api::simulator::OktaSimulator;
use secrecy::SecretString;

const USERS: usize = 100_000;

fn stream_users(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let sim = rt.block_on(async {
        OktaSimulator::builder()
            .api_token("bench-token")
            .generated_users(USERS)
            .rate_limit(u32::MAX, Duration::from_secs(60))
            .request_log_capacity(16)
            .start()
            .await
            .unwrap()
    });
    let client = OktaClient::builder()
        .org_url(sim.url())
        .api_token(SecretString::from("bench-token"))
        .build()
        .unwrap();

    let mut group = c.benchmark_group("okta_api");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(USERS as u64));
    group.bench_function("stream_100k_users_200_per_page", |b| {
        b.to_async(&rt).iter(|| async {
            let n = client
                .users()
                .list()
                .limit(200)
                .stream()
                .try_fold(0usize, |n, _user| async move { Ok(n + 1) })
                .await
                .unwrap();
            assert_eq!(n, USERS);
        });
    });
    group.finish();
}

criterion_group!(benches, stream_users);
criterion_main!(benches);
