//! A full snapshot of 10 000 people from the simulator over loopback HTTP (managers off:
//! they cost one call each by design). Figures: `docs/benchmarks.md`.
//!
//! `cargo bench -p nmbrs-client --features simulator --bench snapshot`

use criterion::{Criterion, criterion_group, criterion_main};
use hr_core::HrSourceExt;
use nmbrs_client::ManagerScope;
use nmbrs_client::simulator::{SimulatedNmbrs, Simulator, generated_snapshot};

fn bench(c: &mut Criterion) {
    let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    else {
        panic!("tokio runtime");
    };
    let data = generated_snapshot(10_000);
    let nmbrs = rt.block_on(async {
        let simulator = Simulator::new(&data).unwrap_or_else(|e| panic!("simulator: {e}"));
        SimulatedNmbrs::start(simulator, |s| s.with_managers(ManagerScope::None))
            .await
            .unwrap_or_else(|e| panic!("start: {e}"))
    });
    let mut group = c.benchmark_group("snapshot over loopback");
    group.sample_size(10);
    group.bench_function("10k people, managers off", |b| {
        b.iter(|| {
            let read = rt
                .block_on(nmbrs.snapshot())
                .unwrap_or_else(|e| panic!("snapshot: {e}"));
            assert_eq!(read.len(), 10_000);
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
