//! Saved snapshots and policy configuration are read from files: any bytes either load
//! with their invariants (unique ids, valid policy) or fail cleanly, and what loads can
//! be evaluated without panicking.
#![no_main]

use hr_core::{HrSnapshot, LifecyclePolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let policy = serde_json::from_slice::<LifecyclePolicy>(data).unwrap_or_default();
    if let Ok(snapshot) = serde_json::from_slice::<HrSnapshot>(data) {
        for e in snapshot.employees() {
            assert!(snapshot.employee(&e.id).is_some());
            let decision = policy.evaluate(e, snapshot.read_at());
            let _ = decision.to_string();
            if let Some(next) = decision.next_transition {
                assert!(next.at > snapshot.read_at());
            }
        }
    }
});
