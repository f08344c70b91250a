//! SCIM server over loopback with 100 000 users in an `InMemoryProvider`:
//! - `filter_user_name_eq`: `GET /Users?filter=userName eq "…"` (Okta's existence check),
//!   answered from the lower-cased userName index, 32 requests in flight;
//! - `filter_scan_title_eq`: the same shape on `title`, which no index covers (a full
//!   scan with the filter evaluator), for contrast;
//! - `page_100`: `GET /Users?startIndex=K&count=100` (Okta's import paging), one request
//!   at a time; after criterion, 2 000 timed requests print p50/p99 latency.
//!
//! `cargo bench -p okta-scim --bench server`; figures in docs/benchmarks.md.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};
use okta_scim::server::{Access, Credential, ScimServer};
use okta_scim::{EnterpriseUser, InMemoryProvider, MultiValue, Name, ScimProvider, User};

const USERS: usize = 100_000;
const TOKEN: &str = "bench-token";

struct Fixture {
    rt: tokio::runtime::Runtime,
    base: String,
    http: reqwest::Client,
}

fn fixture() -> Fixture {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (base, http) = rt.block_on(async {
        let provider = Arc::new(InMemoryProvider::new());
        for i in 0..USERS {
            let mut enterprise = EnterpriseUser::default();
            enterprise.department = Some(format!("Dept {}", i % 50));
            let mut user = User::new(format!("user{i:06}@example.com"))
                .with_name(Name::new(format!("Given{i}"), format!("Family{i}")))
                .with_email(MultiValue::new(
                    format!("user{i:06}@example.com"),
                    "work",
                    true,
                ))
                .with_enterprise(enterprise);
            user.title = Some(format!("Title {}", i % 1000));
            provider.create_user(user).await.unwrap();
        }
        let server = ScimServer::builder(provider)
            .credential(Credential::bearer(
                TOKEN.to_owned().into(),
                Access::ReadWrite,
            ))
            .build()
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, server.router()).await.unwrap() });
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .unwrap();
        (format!("http://{addr}/scim/v2"), http)
    });
    Fixture { rt, base, http }
}

async fn get(http: &reqwest::Client, url: String) -> usize {
    let r = http
        .get(url)
        .header("Authorization", format!("Bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.bytes().await.unwrap().len()
}

async fn burst(f: &Fixture, urls: Vec<String>, in_flight: usize) {
    let mut chunks = urls.chunks(urls.len().div_ceil(in_flight));
    let mut tasks = Vec::new();
    for chunk in chunks.by_ref() {
        let http = f.http.clone();
        let chunk = chunk.to_vec();
        tasks.push(tokio::spawn(async move {
            for url in chunk {
                get(&http, url).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

fn user_name_url(base: &str, i: usize) -> String {
    format!(
        "{base}/Users?filter=userName%20eq%20%22USER{i:06}%40example.com%22&startIndex=1&count=100"
    )
}

fn benches(c: &mut Criterion) {
    let f = fixture();
    let mut g = c.benchmark_group("scim_server_100k_users");
    g.sample_size(20).measurement_time(Duration::from_secs(8));

    const BATCH: usize = 512;
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("filter_user_name_eq", |b| {
        b.iter(|| {
            let urls = (0..BATCH)
                .map(|_| user_name_url(&f.base, fastrand::usize(..USERS)))
                .collect();
            f.rt.block_on(burst(&f, urls, 32));
        })
    });

    g.throughput(Throughput::Elements(1));
    g.sample_size(10);
    g.bench_function("filter_scan_title_eq", |b| {
        b.iter(|| {
            f.rt.block_on(get(
                &f.http,
                format!(
                    "{}/Users?filter=title%20eq%20%22Title%20{}%22&count=100",
                    f.base,
                    fastrand::usize(..1000)
                ),
            ))
        })
    });

    g.sample_size(20);
    g.bench_function("page_100", |b| {
        b.iter(|| {
            let start = fastrand::usize(..USERS / 100) * 100 + 1;
            f.rt.block_on(get(
                &f.http,
                format!("{}/Users?startIndex={start}&count=100", f.base),
            ))
        })
    });
    g.finish();

    // Percentiles criterion does not report: sequential 100-user pages.
    let quick = std::env::args().any(|a| a == "--test");
    let n = if quick { 20 } else { 2000 };
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let start = fastrand::usize(..USERS / 100) * 100 + 1;
            let t = Instant::now();
            f.rt.block_on(get(
                &f.http,
                format!("{}/Users?startIndex={start}&count=100", f.base),
            ));
            t.elapsed()
        })
        .collect();
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "page_100 latency over {n} requests: p50 {:?}, p99 {:?}, max {:?}",
        pct(0.50),
        pct(0.99),
        times[times.len() - 1]
    );
}

criterion_group!(group, benches);

fn main() {
    group();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
