//! The engine's files are read back from disk and may be edited by hand: a saved plan
//! (reviewed before it is applied), the sync and safeguard policies (configuration), the
//! safeguard state file and the journal's lines. Any bytes either load or fail with an
//! error; a plan that loads can be hashed and checked against itself.
#![no_main]

use hr_sync::journal::JournalRecord;
use hr_sync::safeguard::RunState;
use hr_sync::{SafeguardPolicy, SyncPlan, SyncPolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(plan) = serde_json::from_slice::<SyncPlan>(data) {
        let hash = plan.content_hash();
        assert_eq!(hash.len(), 64);
        // A plan matches itself exactly when its stored hash is its content's.
        assert_eq!(plan.verify_against(&plan).is_ok(), plan.hash == hash);
        let _ = plan.to_string();
    }
    let _ = serde_json::from_slice::<SyncPolicy>(data);
    let _ = serde_json::from_slice::<SafeguardPolicy>(data);
    let _ = serde_json::from_slice::<RunState>(data);
    for line in data.split(|b| *b == b'\n') {
        if let Ok(record) = serde_json::from_slice::<JournalRecord>(line) {
            let _ = record.run();
        }
    }
});
