//! SCIM server over loopback with 100 000 users in an `InMemoryProvider`:
//! - `filter_user_name_eq`: `GET /Users?filter=userName eq "…"` (Okta's existence check),
//!   answered from the lower-cased userName index, 32 requests in flight on 32 keep-alive
//!   connections (a minimal hyper HTTP/1.1 client in the same process, on the same cores);
//! - `filter_scan_title_eq`: the same shape on `title`, which no index covers (a full
//!   scan with the filter evaluator), for contrast;
//! - `page_100`: `GET /Users?startIndex=K&count=100` (Okta's import paging), one request
//!   at a time; after criterion, 2 000 timed requests print p50/p99 latency.
//!
//! `cargo bench -p okta-scim --bench server`; figures in docs/benchmarks.md.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use okta_scim::server::{Access, Credential, ScimServer};
use okta_scim::{EnterpriseUser, InMemoryProvider, MultiValue, Name, ScimProvider, User};
use tokio::sync::Mutex;

const USERS: usize = 100_000;
const TOKEN: &str = "bench-token";
const IN_FLIGHT: usize = 32;

type Sender = hyper::client::conn::http1::SendRequest<Empty<Bytes>>;

struct Fixture {
    rt: tokio::runtime::Runtime,
    addr: std::net::SocketAddr,
    /// Keep-alive HTTP/1.1 connections, one per request in flight.
    pool: Arc<Mutex<Vec<Sender>>>,
}

async fn connect(addr: std::net::SocketAddr) -> Sender {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    sender
}

fn fixture() -> Fixture {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (addr, pool) = rt.block_on(async {
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
        let mut pool = Vec::new();
        for _ in 0..IN_FLIGHT {
            pool.push(connect(addr).await);
        }
        (addr, Arc::new(Mutex::new(pool)))
    });
    Fixture { rt, addr, pool }
}

async fn get(sender: &mut Sender, addr: std::net::SocketAddr, path: &str) -> usize {
    sender.ready().await.unwrap();
    let req = hyper::Request::get(path)
        .header(hyper::header::HOST, addr.to_string())
        .header(hyper::header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(hyper::header::ACCEPT, "application/scim+json")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let resp = sender.send_request(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.into_body().collect().await.unwrap().to_bytes().len()
}

impl Fixture {
    async fn one(&self, path: &str) -> usize {
        let mut sender = self.pool.lock().await.pop().unwrap();
        let n = get(&mut sender, self.addr, path).await;
        self.pool.lock().await.push(sender);
        n
    }

    /// `paths` spread over `IN_FLIGHT` connections, all in flight at once.
    async fn burst(&self, paths: Vec<String>) {
        let per = paths.len().div_ceil(IN_FLIGHT);
        let mut tasks = Vec::new();
        for chunk in paths.chunks(per) {
            let chunk = chunk.to_vec();
            let pool = self.pool.clone();
            let addr = self.addr;
            tasks.push(tokio::spawn(async move {
                let mut sender = pool.lock().await.pop().unwrap();
                for p in chunk {
                    get(&mut sender, addr, &p).await;
                }
                pool.lock().await.push(sender);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    }
}

fn user_name_path(i: usize) -> String {
    format!(
        "/scim/v2/Users?filter=userName%20eq%20%22USER{i:06}%40example.com%22&startIndex=1&count=100"
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
            let paths = (0..BATCH)
                .map(|_| user_name_path(fastrand::usize(..USERS)))
                .collect();
            f.rt.block_on(f.burst(paths));
        })
    });

    g.throughput(Throughput::Elements(1));
    g.sample_size(10);
    g.bench_function("filter_scan_title_eq", |b| {
        b.iter(|| {
            let path = format!(
                "/scim/v2/Users?filter=title%20eq%20%22Title%20{}%22&count=100",
                fastrand::usize(..1000)
            );
            f.rt.block_on(f.one(&path))
        })
    });

    g.sample_size(20);
    g.bench_function("page_100", |b| {
        b.iter(|| {
            let start = fastrand::usize(..USERS / 100) * 100 + 1;
            f.rt.block_on(f.one(&format!("/scim/v2/Users?startIndex={start}&count=100")))
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
            f.rt.block_on(f.one(&format!("/scim/v2/Users?startIndex={start}&count=100")));
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
