//! Peak heap while parsing a 10 000-person answer stays below the answer's own size: the
//! parser streams, it never builds a tree of the document.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

#[path = "../benches/support/generate.rs"]
#[allow(dead_code, unreachable_pub)]
mod generate;

/// A name, an answer, and the parser that counts the people in it.
type Case = (&'static str, String, fn(&[u8]) -> usize);

fn main() {
    let cases: [Case; 3] = [
        ("personal info", generate::personal_info(10_000), |b| {
            nmbrs_client::parse::personal_info(b)
                .map(|v| v.len())
                .unwrap_or(0)
        }),
        ("employments", generate::employments(10_000), |b| {
            nmbrs_client::parse::employments(b)
                .map(|v| v.len())
                .unwrap_or(0)
        }),
        ("functions", generate::functions(10_000), |b| {
            nmbrs_client::parse::functions(b)
                .map(|v| v.len())
                .unwrap_or(0)
        }),
    ];
    for (name, body, parse) in &cases {
        // Only what is allocated while the profiler runs counts: the answer was generated
        // before it started.
        let profiler = dhat::Profiler::builder().testing().build();
        let people = parse(body.as_bytes());
        let peak_extra = dhat::HeapStats::get().max_bytes;
        drop(profiler);
        assert_eq!(people, 10_000, "{name}");
        println!(
            "{name}: answer {} bytes, peak heap while parsing {} bytes ({:.0} % of the answer)",
            body.len(),
            peak_extra,
            100.0 * peak_extra as f64 / body.len() as f64
        );
        assert!(
            peak_extra <= body.len(),
            "{name}: peak {peak_extra} > answer {}",
            body.len()
        );
    }
}
