//! Streaming users holds one page at a time: the peak heap allocated while streaming
//! 50 000 users is about the same as for 5 000 (client and in-process simulator
//! together), far below what the users would take if they were collected.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use futures_util::TryStreamExt as _;
use okta_api::OktaClient;
use okta_api::simulator::OktaSimulator;
use secrecy::SecretString;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Streams `count` users; returns the peak heap allocated while streaming.
fn peak_while_streaming(rt: &tokio::runtime::Runtime, count: usize) -> usize {
    let sim = rt.block_on(async {
        OktaSimulator::builder()
            .api_token("t")
            .generated_users(count)
            .rate_limit(u32::MAX, Duration::from_secs(60))
            .request_log_capacity(4)
            .start()
            .await
            .unwrap()
    });
    let client = OktaClient::builder()
        .org_url(sim.url())
        .api_token(SecretString::from("t"))
        .build()
        .unwrap();
    // Warm the connection pool and the runtime before measuring.
    rt.block_on(client.users().list().limit(1).send()).unwrap();
    let profiler = dhat::Profiler::builder().testing().build();
    let streamed = rt.block_on(async {
        client
            .users()
            .list()
            .limit(200)
            .stream()
            .try_fold(0usize, |n, user| async move {
                assert!(!user.profile.login.is_empty());
                Ok(n + 1)
            })
            .await
            .unwrap()
    });
    let peak = dhat::HeapStats::get().max_bytes;
    drop(profiler);
    assert_eq!(streamed, count);
    rt.block_on(sim.shutdown());
    peak
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let small = peak_while_streaming(&rt, 5_000);
    let large = peak_while_streaming(&rt, 50_000);
    println!("peak heap while streaming: 5 000 users {small} bytes, 50 000 users {large} bytes");
    // Ten times the users may not take ten times the memory: within 1.5x of the small run.
    assert!(
        large * 2 <= small * 3,
        "peak grew with the user count: {small} -> {large}"
    );
    // And 50 000 users as `User` values would take well over 20 MB.
    assert!(large < 8 * 1024 * 1024, "peak {large} bytes");
}
